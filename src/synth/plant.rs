//! Planting duplicates: how each article is rendered from the plan, as an
//! original or as a [`Kind`] of copy of its source (edits, dropped and
//! added paragraphs, doubled bodies, repeated blocks, quotes, restyled
//! variants), with the origin of every passage for the passage ground truth.

use super::Kind;
use super::generator::Generator;
use super::rng::{Rng, SALT_EDIT, SALT_STORY, SALT_TOPIC};
use super::text::Story;

/// Topics of the corpus; an article's topic is drawn from its own stream.
const NUM_TOPICS: u64 = 2_000;

/// Where a passage of a generated article comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// Written for this article only (or edited).
    Own,
    /// Verbatim (up to normalization) paragraph `para` of original `root`
    /// (0 is the headline).
    Body(u32, u32),
    /// Footer line `line` of outlet `outlet`.
    Footer(u8, u8),
}

/// An article being assembled: text and the origin of each passage.
pub(super) struct Doc {
    pub(super) text: String,
    pub(super) origins: Vec<Origin>,
}

impl Doc {
    fn with_capacity(n: usize) -> Self {
        Doc {
            text: String::with_capacity(n),
            origins: Vec::with_capacity(24),
        }
    }

    fn push(&mut self, para: &str, origin: Origin) {
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        self.text.push_str(para);
        self.origins.push(origin);
    }
}

impl Generator {
    fn topic_of(&self, i: u32) -> u32 {
        (Rng::new(self.config.get_seed(), i as u64, SALT_TOPIC).next() % NUM_TOPICS) as u32
    }

    /// The story of original `root`: headline and body paragraphs.
    fn story(&self, root: u32) -> Story {
        let mut rng = Rng::new(self.config.get_seed(), root as u64, SALT_STORY);
        self.vocab.story(&mut rng, self.topic_of(root))
    }

    fn push_footer(&self, i: u32, doc: &mut Doc) {
        let slot = &self.plan[i as usize];
        if slot.footer {
            for (l, line) in self.footers[slot.outlet as usize].iter().enumerate() {
                doc.push(line, Origin::Footer(slot.outlet, l as u8));
            }
        }
    }

    /// An original article: story, then footer.
    fn original(&self, i: u32) -> Doc {
        let story = self.story(i);
        let mut doc = Doc::with_capacity(story.text.len() + 256);
        for p in 0..story.len() {
            doc.push(story.para(p), Origin::Body(i, p as u32));
        }
        self.push_footer(i, &mut doc);
        doc
    }

    /// Article `i` with the origin of each passage.
    pub(super) fn render(&self, i: u32) -> Doc {
        let slot = self.plan[i as usize];
        let Some(kind) = slot.kind else {
            return self.original(i);
        };
        let src = slot.source;
        let mut rng = Rng::new(self.config.get_seed(), i as u64, SALT_EDIT);
        let vocab = self.vocab;
        let body = |p: usize| Origin::Body(src, p as u32);
        match kind {
            Kind::Exact => self.original(src),
            Kind::Variant => {
                let doc = self.original(src);
                Doc {
                    text: restyle(&doc.text, &mut rng),
                    origins: doc.origins,
                }
            }
            Kind::Syndicated | Kind::Wire => {
                let story = self.story(src);
                let mut doc = Doc::with_capacity(story.text.len() + 256);
                let new_headline = rng.chance(if kind == Kind::Wire { 0.4 } else { 0.3 });
                if new_headline {
                    let mut h = String::new();
                    vocab.headline(&mut rng, story.topic, &mut h);
                    doc.push(&h, Origin::Own);
                } else {
                    doc.push(story.para(0), body(0));
                }
                // Syndicated: edits at a per-article rate; wire: 0–3 edits in all.
                let words: usize = (1..story.len()).map(|p| story.words(p)).sum();
                let edits_total = if kind == Kind::Wire {
                    if rng.chance(0.5) {
                        0
                    } else {
                        rng.between(1, 3) as usize
                    }
                } else {
                    let rate = 0.002 + 0.028 * rng.unit();
                    ((words as f64 * rate).round() as usize).max(1)
                };
                let mut edits = vec![0usize; story.len()];
                for _ in 0..edits_total {
                    edits[1 + rng.below(story.len() as u64 - 1) as usize] += 1;
                }
                let mut last = story.len();
                if kind == Kind::Wire && story.len() > 6 && rng.chance(0.2) {
                    // Cut the last paragraph (two of nine or more).
                    last -= if story.len() > 9 {
                        rng.between(1, 2)
                    } else {
                        1
                    } as usize;
                }
                let mut buf = String::new();
                for (p, &e) in edits.iter().enumerate().take(last).skip(1) {
                    if e == 0 {
                        doc.push(story.para(p), body(p));
                    } else {
                        buf.clear();
                        vocab.edit(story.para(p), e, &mut rng, &mut buf);
                        doc.push(&buf, Origin::Own);
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Paragraphs => {
                let story = self.story(src);
                let b = story.len() - 1;
                // One or two changes (two only from eight paragraphs on).
                let (mut drop, mut add) = (0, 0);
                for _ in 0..rng.between(1, (b as u64 / 4).clamp(1, 2)) {
                    if rng.chance(0.5) { drop += 1 } else { add += 1 }
                }
                let mut keep = vec![true; story.len()];
                while keep.iter().filter(|k| !**k).count() < drop {
                    keep[1 + rng.below(b as u64) as usize] = false;
                }
                let mut added_at = vec![0usize; story.len() + 1];
                for _ in 0..add {
                    added_at[1 + rng.below(b as u64 + 1) as usize] += 1;
                }
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                let mut buf = String::new();
                doc.push(story.para(0), body(0));
                for p in 1..=story.len() {
                    for _ in 0..added_at[p] {
                        buf.clear();
                        vocab.paragraph(&mut rng, story.topic, &mut buf);
                        doc.push(&buf, Origin::Own);
                    }
                    if p < story.len() && keep[p] {
                        doc.push(story.para(p), body(p));
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Doubled => {
                let story = self.story(src);
                let mut doc = Doc::with_capacity(2 * story.text.len() + 256);
                doc.push(story.para(0), body(0));
                for _ in 0..2 {
                    for p in 1..story.len() {
                        doc.push(story.para(p), body(p));
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::RepeatedBlock => {
                let story = self.story(i);
                let b = story.len() - 1;
                let start = 1 + rng.below(b as u64) as usize;
                let len = rng.between(1, (b + 1 - start).min(3) as u64) as usize;
                let run = start..start + len;
                let at = if rng.chance(0.5) {
                    run.end
                } else {
                    story.len()
                };
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                let own = |p: usize| Origin::Body(i, p as u32);
                for p in 0..=story.len() {
                    if p == at {
                        for q in run.clone() {
                            doc.push(story.para(q), own(q));
                        }
                    }
                    if p < story.len() {
                        doc.push(story.para(p), own(p));
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Quote => {
                let story = self.story(i);
                let source = self.story(src);
                let q = 1 + rng.below(source.len() as u64 - 1) as usize;
                let at = 1 + rng.below(story.len() as u64 - 1) as usize;
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                for p in 0..story.len() {
                    if p == at {
                        doc.push(source.para(q), body(q));
                    }
                    doc.push(story.para(p), Origin::Own);
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Topic => {
                let story = vocab.story(&mut rng, self.topic_of(src));
                let mut doc = Doc::with_capacity(story.text.len() + 256);
                for p in 0..story.len() {
                    doc.push(story.para(p), Origin::Own);
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Developing => {
                let story = self.story(src);
                let b = story.len() - 1;
                let keep = ((b as f64 * (0.3 + 0.5 * rng.unit())).round() as usize).clamp(1, b);
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                let mut buf = String::new();
                buf.clear();
                vocab.headline(&mut rng, story.topic, &mut buf);
                doc.push(&buf, Origin::Own);
                if rng.chance(0.7) {
                    buf.clear();
                    vocab.paragraph(&mut rng, story.topic, &mut buf);
                    doc.push(&buf, Origin::Own);
                }
                for p in 1..=keep {
                    if rng.chance(0.4) {
                        buf.clear();
                        let e = rng.between(1, 2) as usize;
                        vocab.edit(story.para(p), e, &mut rng, &mut buf);
                        doc.push(&buf, Origin::Own);
                    } else {
                        doc.push(story.para(p), body(p));
                    }
                }
                for _ in 0..rng.between(2, 5) {
                    buf.clear();
                    vocab.paragraph(&mut rng, story.topic, &mut buf);
                    doc.push(&buf, Origin::Own);
                }
                self.push_footer(i, &mut doc);
                doc
            }
        }
    }
}

/// Renders `text` with other quotes, dashes, spaces, line ends, case,
/// full-width letters and decomposed accents: different bytes, the same
/// normalized text (and the same passages).
fn restyle(text: &str, rng: &mut Rng) -> String {
    let flags = loop {
        let f = rng.next() & 0x7F;
        if f.count_ones() >= 3 {
            break f;
        }
    };
    let on = |bit: u32| flags & (1 << bit) != 0;
    let (curly, dashes, spaces, crlf, upper_head, fullwidth, decompose) =
        (on(0), on(1), on(2), on(3), on(4), on(5), on(6));
    let head_end = text.find("\n\n").unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut open = true;
    let mut wide = false;
    let mut prev_space = true;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let pos = text.len() - rest.len();
        rest = &rest[c.len_utf8()..];
        if prev_space && c != ' ' {
            wide = fullwidth && rng.chance(0.05);
        }
        prev_space = c == ' ' || c == '\n';
        match c {
            '"' if curly => {
                out.push(if open { '\u{201C}' } else { '\u{201D}' });
                open = !open;
            }
            '\'' if curly => out.push('\u{2019}'),
            ' ' if dashes && rest.starts_with("- ") => {
                rest = &rest[2..];
                out.push_str(if rng.chance(0.5) {
                    "\u{2014}"
                } else {
                    " \u{2014} "
                });
            }
            ' ' if spaces => {
                let x = rng.below(10);
                out.push_str(match x {
                    0 | 1 => "\u{00A0}",
                    2 => "  ",
                    _ => " ",
                });
            }
            '\n' if crlf => out.push_str("\r\n"),
            _ => {
                let c = if upper_head && pos < head_end {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                if wide && c.is_ascii_alphanumeric() {
                    out.push(char::from_u32(c as u32 - 0x21 + 0xFF01).expect("full-width form"));
                } else if decompose && let Some(d) = decomposed(c) {
                    out.push_str(d);
                } else if upper_head && pos < head_end && !c.is_ascii() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// The canonical decomposition of the accented letters of the vocabulary.
fn decomposed(c: char) -> Option<&'static str> {
    Some(match c {
        'á' => "a\u{301}",
        'é' => "e\u{301}",
        'í' => "i\u{301}",
        'ó' => "o\u{301}",
        'ü' => "u\u{308}",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::DocId;
    use crate::segment::Segmenter;
    use crate::synth::Kind;
    use crate::synth::generator::tests::{generator, sets};
    use crate::verify::Similarity;

    #[test]
    fn every_planted_kind_has_the_stated_similarity() {
        let g = generator(3_000, 21);
        let texts = g.texts();
        let sets = sets(&texts);
        let seg = Segmenter::default();
        let mut seen = HashSet::new();
        for b in 0..texts.len() {
            let Some((kind, a)) = g.origin(DocId::new(b as u32)) else {
                continue;
            };
            seen.insert(kind);
            let a = a.as_usize();
            if kind == Kind::RepeatedBlock {
                assert_eq!(a, b);
                let spans = seg.spans(&texts[b]);
                let paras: HashSet<&str> = spans.iter().map(|s| &texts[b][s.clone()]).collect();
                assert!(paras.len() < spans.len(), "{b} repeats a paragraph");
                seen.insert(kind);
                continue;
            }
            assert!(a < b);
            assert!(
                g.origin(DocId::new(a as u32)).is_none(),
                "sources are originals"
            );
            let j = Similarity::exact(&sets[a], &sets[b]).jaccard;
            let ok = match kind {
                Kind::Exact => texts[a] == texts[b],
                Kind::Variant => {
                    j == 1.0
                        && texts[a] != texts[b]
                        && seg.spans(&texts[a]).len() == seg.spans(&texts[b]).len()
                }
                Kind::Syndicated | Kind::Paragraphs | Kind::Wire => j >= 0.5,
                Kind::Doubled => j >= 0.8,
                Kind::Topic => j < 0.1,
                Kind::Developing => (0.05..0.95).contains(&j),
                Kind::Quote => j < 0.2,
                Kind::RepeatedBlock => unreachable!(),
            };
            assert!(ok, "{kind} {a} -> {b}: jaccard {j}");
        }
        assert_eq!(seen.len(), Kind::ALL.len());
    }
}
