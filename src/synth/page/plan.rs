//! The plan of a page corpus: for every page its site, whether it is an
//! original story, a syndicated copy or a re-send, the story it tells,
//! whether that story is a brief and whether the body was scraped twice.

use super::PageConfig;
use super::PageKind;
use crate::synth::rng::{Rng, SALT_PAGE_PLAN};

/// Copies draw their source from this many recent originals (syndicated) or
/// recent pages (re-sends).
const SOURCE_WINDOW: usize = 4_096;

/// One planned page.
#[derive(Clone, Copy, Debug)]
pub(super) struct PageSlot {
    /// `None` for an original story.
    pub(super) kind: Option<PageKind>,
    /// The page copied: the story's original page for a syndicated copy, the
    /// re-sent page for a re-send, the page itself for an original.
    pub(super) source: u32,
    /// The original page whose story this page tells.
    pub(super) story: u32,
    pub(super) site: u8,
    /// Whether the story is a two-paragraph brief.
    pub(super) brief: bool,
    /// Whether the body appears twice.
    pub(super) doubled: bool,
    /// Whether a syndicated copy has its own headline.
    pub(super) new_headline: bool,
}

/// A ring of recent page numbers.
struct Recent {
    items: Vec<u32>,
    next: usize,
}

impl Recent {
    fn new() -> Self {
        Recent {
            items: Vec::with_capacity(SOURCE_WINDOW),
            next: 0,
        }
    }

    fn push(&mut self, i: u32) {
        if self.items.len() < SOURCE_WINDOW {
            self.items.push(i);
        } else {
            self.items[self.next] = i;
            self.next = (self.next + 1) % SOURCE_WINDOW;
        }
    }

    fn pick(&self, rng: &mut Rng) -> Option<u32> {
        (!self.items.is_empty()).then(|| self.items[rng.below(self.items.len() as u64) as usize])
    }
}

/// Plans every page.
pub(super) fn plan(config: &PageConfig) -> Vec<PageSlot> {
    let n = config.get_num_pages();
    let sites = config.get_sites() as u64;
    let mut rng = Rng::new(config.get_seed(), u64::MAX, SALT_PAGE_PLAN);
    let mut plan: Vec<PageSlot> = Vec::with_capacity(n);
    let mut originals = Recent::new();
    let mut pages = Recent::new();
    for i in 0..n as u32 {
        // Every draw is made for every page, so one setting does not shift
        // the others' streams.
        let u = rng.unit();
        let site = rng.below(sites) as u8;
        let other_site = rng.below(sites - 1) as u8;
        let brief = rng.chance(config.get_briefs());
        let doubled = rng.chance(config.get_doubled());
        let new_headline = rng.chance(0.3);
        let pick = rng.next();
        let mut pick_rng = Rng::new(pick, i as u64, 0);
        let kind = if u < config.get_syndicated() {
            Some(PageKind::Syndicated)
        } else if u < config.get_syndicated() + config.get_resend() {
            Some(PageKind::Resend)
        } else {
            None
        };
        let slot = match kind {
            Some(PageKind::Syndicated) => originals.pick(&mut pick_rng).map(|s| {
                let src = plan[s as usize];
                PageSlot {
                    kind,
                    source: s,
                    story: s,
                    site: (src.site + 1 + other_site) % sites as u8,
                    brief: src.brief,
                    doubled,
                    new_headline,
                }
            }),
            Some(PageKind::Resend) => pages.pick(&mut pick_rng).map(|s| {
                // A re-send of a re-send copies the same first page.
                let s = match plan[s as usize].kind {
                    Some(PageKind::Resend) => plan[s as usize].source,
                    _ => s,
                };
                PageSlot {
                    kind,
                    source: s,
                    ..plan[s as usize]
                }
            }),
            None => None,
        };
        let slot = slot.unwrap_or(PageSlot {
            kind: None,
            source: i,
            story: i,
            site,
            brief,
            doubled,
            new_headline: false,
        });
        if slot.kind.is_none() {
            originals.push(i);
        }
        pages.push(i);
        plan.push(slot);
    }
    plan
}
