//! Rendering a page from the plan: chrome around the story's body, laid out
//! as the site lays out its pages, with the origin and byte range of every
//! unit (chrome line or paragraph) for the ground truth.

use std::ops::Range;

use super::generator::PageGenerator;
use super::site::{Header, Layout, SECTIONS};
use crate::synth::rng::{
    Rng, SALT_PAGE_BODY, SALT_PAGE_CHROME, SALT_PAGE_EDIT, SALT_PAGE_HEADLINE, SALT_PAGE_TOPIC,
};

/// Topics of the page corpus.
const NUM_TOPICS: u64 = 2_000;
/// The width hard-wrapped sites wrap their paragraphs at.
const WRAP_WIDTH: usize = 72;

/// Where a unit of a page comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// Content written for this page only (a new headline).
    Own,
    /// Paragraph `para` (0: the headline) of the story of original page
    /// `story`.
    Body(u32, u32),
    /// Paragraph `para` of page `page`'s body, edited for this page (a
    /// syndicated copy's light edits).
    Edited(u32, u32),
    /// Fixed chrome line `line` of site `site` (0: newsletter prompt, 1:
    /// copyright line, 2: advertisement marker), the same on every page of
    /// the site.
    SiteChrome(u8, u8),
    /// Chrome that changes from page to page: site-name and section lines,
    /// byline, "listen" line, related headlines.
    PageChrome,
}

/// A rendered page.
pub(super) struct Page {
    pub(super) text: String,
    /// Every unit's byte range in `text` and origin, in order.
    pub(super) units: Vec<(Range<usize>, Origin)>,
}

/// What is joined before a unit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Join {
    /// A line break in every layout (the related-headline list).
    Line,
    /// A line break or a blank line, as the layout has it.
    Unit,
}

struct Builder {
    layout: Layout,
    page: Page,
}

impl Builder {
    fn push(&mut self, unit: &str, origin: Origin, join: Join, paragraph: bool) {
        let text = &mut self.page.text;
        if !text.is_empty() {
            text.push_str(match (self.layout, join) {
                (Layout::Lines, _) | (_, Join::Line) => "\n",
                _ => "\n\n",
            });
        }
        let start = text.len();
        if paragraph && self.layout == Layout::HardWrapped {
            wrap(unit, WRAP_WIDTH, text);
        } else {
            text.push_str(unit);
        }
        self.page.units.push((start..text.len(), origin));
    }
}

/// Writes `para` greedily wrapped at `width` characters.
fn wrap(para: &str, width: usize, out: &mut String) {
    let mut line = 0;
    for (k, word) in para.split(' ').enumerate() {
        let w = word.chars().count();
        if k > 0 {
            if line + 1 + w > width {
                out.push('\n');
                line = 0;
            } else {
                out.push(' ');
                line += 1;
            }
        }
        out.push_str(word);
        line += w;
    }
}

/// A story's topic and body paragraphs (its headline: [`PageGenerator::headline_of`]).
pub(super) struct Story {
    pub(super) topic: u32,
    pub(super) paras: Vec<String>,
}

impl PageGenerator {
    fn topic_of(&self, story: u32) -> u32 {
        (Rng::new(self.config.get_seed(), story as u64, SALT_PAGE_TOPIC).next() % NUM_TOPICS) as u32
    }

    /// The story told first by original page `story`.
    pub(super) fn story_text(&self, story: u32) -> Story {
        let seed = self.config.get_seed();
        let topic = self.topic_of(story);
        let mut rng = Rng::new(seed, story as u64, SALT_PAGE_BODY);
        let n = if self.plan[story as usize].brief {
            2
        } else {
            rng.between(4, 10) as usize
        };
        let paras = (0..n)
            .map(|_| {
                let mut p = String::new();
                self.vocab.paragraph(&mut rng, topic, &mut p);
                p
            })
            .collect();
        Story { topic, paras }
    }

    /// The headline page `i` shows, and whether it is the story's own.
    pub(super) fn headline_of(&self, i: u32) -> (String, bool) {
        let slot = self.plan[i as usize];
        if slot.new_headline && slot.kind == Some(super::PageKind::Syndicated) {
            let mut h = String::new();
            let mut rng = Rng::new(self.config.get_seed(), i as u64, SALT_PAGE_HEADLINE);
            self.vocab
                .headline(&mut rng, self.topic_of(slot.story), &mut h);
            (h, false)
        } else {
            let mut h = String::new();
            let mut rng = Rng::new(
                self.config.get_seed(),
                slot.story as u64,
                SALT_PAGE_HEADLINE,
            );
            self.vocab
                .headline(&mut rng, self.topic_of(slot.story), &mut h);
            (h, true)
        }
    }

    /// Page `i` with the origin of every unit.
    pub(super) fn render(&self, i: u32) -> Page {
        let slot = self.plan[i as usize];
        if slot.kind == Some(super::PageKind::Resend) {
            return self.render(slot.source);
        }
        let seed = self.config.get_seed();
        let story = self.story_text(slot.story);
        let section = SECTIONS[story.topic as usize % SECTIONS.len()];
        let site = &self.sites[slot.site as usize];
        // The body: the story's paragraphs, edited and cut in syndicated copies.
        let mut body: Vec<(String, Origin)> = story
            .paras
            .iter()
            .enumerate()
            .map(|(p, t)| (t.clone(), Origin::Body(slot.story, p as u32 + 1)))
            .collect();
        if slot.kind == Some(super::PageKind::Syndicated) {
            let mut rng = Rng::new(seed, i as u64, SALT_PAGE_EDIT);
            if body.len() >= 4 && rng.chance(self.config.get_cut()) {
                let cut = rng.between(1, 2) as usize;
                body.truncate(body.len() - cut);
            }
            if rng.chance(self.config.get_edited()) {
                for _ in 0..rng.between(1, 3.min(body.len() as u64)) {
                    let p = rng.below(body.len() as u64) as usize;
                    let mut edited = String::new();
                    let edits = rng.between(1, 2) as usize;
                    self.vocab.edit(&body[p].0, edits, &mut rng, &mut edited);
                    body[p] = (edited, Origin::Edited(i, p as u32));
                }
            }
        }
        let words: usize = body.iter().map(|b| b.0.split(' ').count()).sum();
        let (headline, own_headline) = self.headline_of(i);
        let headline_origin = if own_headline {
            Origin::Body(slot.story, 0)
        } else {
            Origin::Own
        };
        let mut rng = Rng::new(seed, i as u64, SALT_PAGE_CHROME);
        let mut b = Builder {
            layout: site.layout,
            page: Page {
                text: String::with_capacity(
                    story.paras.iter().map(String::len).sum::<usize>()
                        * (1 + usize::from(slot.doubled))
                        + 1024,
                ),
                units: Vec::with_capacity(32),
            },
        };
        let s = slot.site;
        for item in site.header {
            match item {
                Header::Advert => b.push(site.advert, Origin::SiteChrome(s, 2), Join::Unit, false),
                Header::Name => b.push(
                    &site.name_line(section),
                    Origin::PageChrome,
                    Join::Unit,
                    false,
                ),
                Header::Listen => b.push(
                    &site.listen_line(words),
                    Origin::PageChrome,
                    Join::Unit,
                    false,
                ),
                Header::Headline => b.push(&headline, headline_origin, Join::Unit, false),
                Header::Byline => b.push(
                    &site.byline(&mut rng),
                    Origin::PageChrome,
                    Join::Unit,
                    false,
                ),
            }
        }
        for _ in 0..1 + usize::from(slot.doubled) {
            for (t, o) in &body {
                b.push(t, *o, Join::Unit, true);
            }
        }
        b.push(
            &site.section_line(section),
            Origin::PageChrome,
            Join::Unit,
            false,
        );
        let related = self.related(i, &mut rng);
        let want = related.len();
        for (k, h) in related.iter().enumerate() {
            let join = if k == 0 { Join::Unit } else { Join::Line };
            b.push(h, Origin::PageChrome, join, false);
        }
        if self.config.get_heavy_chrome() {
            b.push(&site.appeal, Origin::SiteChrome(s, 3), Join::Unit, false);
            b.push("Trending now", Origin::SiteChrome(s, 4), Join::Unit, false);
            // Five more headlines, none of those above.
            let more = self.related_n(i, &mut rng, want + 5);
            for h in more.iter().filter(|h| !related.contains(h)).take(5) {
                b.push(h, Origin::PageChrome, Join::Line, false);
            }
        }
        b.push(
            &site.newsletter,
            Origin::SiteChrome(s, 0),
            Join::Unit,
            false,
        );
        b.push(&site.copyright, Origin::SiteChrome(s, 1), Join::Unit, false);
        b.page
    }

    /// Three to five headlines of other stories of page `i`'s site (fewer
    /// when the site has fewer other stories).
    fn related(&self, i: u32, rng: &mut Rng) -> Vec<String> {
        let want = rng.between(3, 5) as usize;
        self.related_n(i, rng, want)
    }

    /// `want` headlines of other stories of page `i`'s site (fewer when the
    /// site has fewer other stories).
    fn related_n(&self, i: u32, rng: &mut Rng, want: usize) -> Vec<String> {
        let slot = self.plan[i as usize];
        let pages = &self.site_pages[slot.site as usize];
        let mut stories: Vec<u32> = vec![slot.story];
        let mut out = Vec::with_capacity(want);
        for _ in 0..4 * want {
            if out.len() == want {
                break;
            }
            let j = pages[rng.below(pages.len() as u64) as usize];
            let story = self.plan[j as usize].story;
            if stories.contains(&story) {
                continue;
            }
            stories.push(story);
            out.push(self.headline_of(j).0);
        }
        out
    }
}
