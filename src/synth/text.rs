//! News-like text: a made-up vocabulary drawn with Zipf frequencies,
//! headlines, paragraphs of sentences, and light word edits.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use super::rng::Rng;

/// Words of a topic that recur in its stories.
pub(super) const TOPIC_WORDS: u64 = 30;
/// Names of a topic that recur in its stories (quoted speakers).
pub(super) const TOPIC_NAMES: u64 = 4;

const VOCAB_SIZE: usize = 50_000;
/// Ranks below this are drawn from one table of 2^16 slots (78% of the
/// words); the rest from a second table of 2^14 slots, uniformly between
/// the ranks of neighbouring slots. Small tables stay in cache: one table of
/// 2^20 slots made generation 40% slower.
const HEAD_RANKS: usize = 4_096;
const TAIL: u16 = u16::MAX;
/// Rank of the word used for "said" in quoted speech.
const SAID: usize = 9;

/// The made-up vocabulary, shared by every generator (it does not depend on
/// the seed).
pub(super) struct Vocabulary {
    text: String,
    /// Word `r` is `text[starts[r]..starts[r + 1]]`.
    starts: Vec<u32>,
    /// Inverse CDF of the Zipf distribution, 2^16 slots: a rank below
    /// `HEAD_RANKS`, or `TAIL`.
    head: Vec<u16>,
    /// Inverse CDF of the ranks from `HEAD_RANKS` on, 2^14 + 1 slots.
    tail: Vec<u16>,
}

impl Vocabulary {
    pub(super) fn get() -> &'static Vocabulary {
        static VOCAB: OnceLock<Vocabulary> = OnceLock::new();
        VOCAB.get_or_init(Vocabulary::build)
    }

    fn build() -> Vocabulary {
        const ONSETS: [&str; 22] = [
            "", "b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
            "br", "st", "tr", "gr", "sh",
        ];
        const VOWELS: [&str; 9] = ["a", "e", "i", "o", "u", "a", "e", "ai", "ou"];
        const CODAS: [&str; 9] = ["", "", "", "n", "r", "s", "l", "m", "nd"];
        const ACCENTS: [(char, char); 5] =
            [('a', 'á'), ('e', 'é'), ('i', 'í'), ('o', 'ó'), ('u', 'ü')];
        let mut rng = Rng::new(0x5EED, 0, 0);
        let mut seen = HashSet::with_capacity(VOCAB_SIZE);
        let mut text = String::with_capacity(VOCAB_SIZE * 9);
        let mut starts = Vec::with_capacity(VOCAB_SIZE + 1);
        let mut w = String::new();
        while starts.len() < VOCAB_SIZE {
            let r = starts.len();
            let syllables = match r {
                0..60 => 1,
                60..2_500 => 2,
                2_500..20_000 => 3,
                _ => 3 + rng.below(2) as usize,
            };
            w.clear();
            for _ in 0..syllables {
                w.push_str(ONSETS[rng.below(ONSETS.len() as u64) as usize]);
                w.push_str(VOWELS[rng.below(VOWELS.len() as u64) as usize]);
                w.push_str(CODAS[rng.below(CODAS.len() as u64) as usize]);
            }
            if r >= 5_000 && rng.chance(0.01) {
                // An accented vowel, never first, so capitalizing stays ASCII.
                if let Some((at, c)) = w.char_indices().skip(1).find(|(_, c)| "aeiou".contains(*c))
                {
                    let accented = ACCENTS.iter().find(|a| a.0 == c).expect("a vowel").1;
                    w.replace_range(at..at + 1, accented.encode_utf8(&mut [0; 4]));
                }
            }
            if w.len() >= 2 - usize::from(r < 20) && seen.insert(w.clone()) {
                starts.push(text.len() as u32);
                text.push_str(&w);
            }
        }
        starts.push(text.len() as u32);
        // Zipf with exponent 1 (only IEEE arithmetic, so the tables are the
        // same everywhere).
        let weights: Vec<f64> = (0..VOCAB_SIZE).map(|r| 1.0 / (r + 1) as f64).collect();
        let head = inverse_cdf(&weights, 1 << 16)
            .into_iter()
            .map(|r| if (r as usize) < HEAD_RANKS { r } else { TAIL })
            .collect();
        let mut tail: Vec<u16> = inverse_cdf(&weights[HEAD_RANKS..], 1 << 14)
            .into_iter()
            .map(|r| r + HEAD_RANKS as u16)
            .collect();
        tail.push(VOCAB_SIZE as u16 - 1);
        Vocabulary {
            text,
            starts,
            head,
            tail,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    #[inline]
    fn word(&self, r: usize) -> &str {
        &self.text[self.starts[r] as usize..self.starts[r + 1] as usize]
    }

    #[inline]
    fn zipf_word(&self, x: u64, rng: &mut Rng) -> &str {
        let mut r = self.head[(x & 0xFFFF) as usize];
        if r == TAIL {
            let y = rng.next();
            let j = (y >> 50) as usize;
            let (lo, hi) = (self.tail[j] as u64, self.tail[j + 1] as u64);
            r = (lo + (((y & 0xFFFF_FFFF) * (hi - lo + 1)) >> 32)) as u16;
        }
        self.word(r as usize)
    }

    /// A rarer word (rank 3,000 or more), uniformly: names of sites,
    /// authors and newsletters.
    pub(super) fn rare_word(&self, rng: &mut Rng) -> &str {
        self.word(3_000 + rng.below(VOCAB_SIZE as u64 - 3_000) as usize)
    }

    /// Word `k` of topic `t` (a rarer word that recurs in its stories).
    fn topic_word(&self, t: u32, k: u64) -> &str {
        let h = Rng::new(t as u64, k, 0x70).next();
        self.word(800 + (h % (VOCAB_SIZE as u64 - 800)) as usize)
    }

    /// Name `k` of topic `t` (written capitalized).
    fn topic_name(&self, t: u32, k: u64) -> &str {
        let h = Rng::new(t as u64, k, 0x71).next();
        self.word(3_000 + (h % (VOCAB_SIZE as u64 - 3_000)) as usize)
    }

    pub(super) fn story(&self, rng: &mut Rng, topic: u32) -> Story {
        let mut text = String::with_capacity(4096);
        let mut paras = Vec::with_capacity(16);
        self.headline(rng, topic, &mut text);
        paras.push(0..text.len());
        for _ in 0..rng.between(4, 11) {
            text.push_str("\n\n");
            let start = text.len();
            self.paragraph(rng, topic, &mut text);
            paras.push(start..text.len());
        }
        Story { text, paras, topic }
    }

    pub(super) fn headline(&self, rng: &mut Rng, topic: u32, out: &mut String) {
        for k in 0..rng.between(5, 10) {
            if k > 0 {
                out.push(' ');
            }
            let x = rng.next();
            let w = if (x >> 40) % 10 < 3 {
                self.topic_word(topic, (x >> 50) % TOPIC_WORDS)
            } else {
                self.zipf_word(x, rng)
            };
            push_capitalized(w, out);
        }
    }

    pub(super) fn paragraph(&self, rng: &mut Rng, topic: u32, out: &mut String) {
        let mut remaining = rng.between(30, 90) as usize;
        let quote = rng.chance(0.3);
        let mut first = true;
        while remaining > 0 {
            let mut len = (rng.between(8, 22) as usize).min(remaining);
            if remaining - len < 5 {
                len = remaining;
            }
            remaining -= len;
            if !first {
                out.push(' ');
            }
            if quote && len >= 6 && rng.chance(0.5) {
                out.push('"');
                self.sentence(rng, topic, len - 3, ',', out);
                out.push_str("\" ");
                out.push_str(self.word(SAID));
                for k in 0..2 {
                    out.push(' ');
                    let name = self.topic_name(topic, rng.below(TOPIC_NAMES) + k);
                    push_capitalized(name, out);
                }
                out.push('.');
            } else {
                self.sentence(rng, topic, len, '.', out);
            }
            first = false;
        }
    }

    /// A sentence of `words` words ending with `end`.
    ///
    /// Words are chosen for up to 32 positions before any is written, so the
    /// table lookups (cache misses, mostly) overlap instead of queueing.
    pub(super) fn sentence(
        &self,
        rng: &mut Rng,
        topic: u32,
        words: usize,
        end: char,
        out: &mut String,
    ) {
        const CHUNK: usize = 32;
        let mut xs = [0u64; CHUNK];
        let mut ws = [""; CHUNK];
        for first in (0..words).step_by(CHUNK) {
            let m = (words - first).min(CHUNK);
            for (x, w) in xs.iter_mut().zip(ws.iter_mut()).take(m) {
                *x = rng.next();
                let choice = (*x >> 20) & 0xFFF;
                *w = if choice < 60 {
                    ""
                } else if choice < 330 {
                    self.topic_word(topic, (*x >> 40) % TOPIC_WORDS)
                } else if choice < 380 {
                    self.topic_name(topic, (*x >> 40) % TOPIC_NAMES)
                } else {
                    self.zipf_word(*x, rng)
                };
            }
            for (j, (&x, &w)) in xs.iter().zip(ws.iter()).take(m).enumerate() {
                let k = first + j;
                if k > 0 {
                    if (x >> 56) < 2 {
                        out.push_str(" - ");
                    } else {
                        out.push(' ');
                    }
                }
                let choice = (x >> 20) & 0xFFF;
                if choice < 60 {
                    push_number(x >> 32, out);
                } else {
                    push_word(w, k == 0 || (330..380).contains(&choice), out);
                }
                if (x >> 44) & 0xFF < 3 {
                    out.push_str("'s");
                }
                if k + 1 < words && (x >> 52) & 0xF == 0 {
                    out.push(',');
                }
            }
        }
        out.push(end);
    }

    /// `para` with `edits` word substitutions, deletions and insertions.
    pub(super) fn edit(&self, para: &str, edits: usize, rng: &mut Rng, out: &mut String) {
        let mut tokens: Vec<&str> = para.split(' ').collect();
        for _ in 0..edits {
            let at = rng.below(tokens.len() as u64) as usize;
            let x = rng.next();
            let w = self.zipf_word(x, rng);
            match (x >> 60) % 5 {
                0..=2 => tokens[at] = w,
                3 if tokens.len() > 5 => {
                    tokens.remove(at);
                }
                _ => tokens.insert(at, w),
            }
        }
        for (k, t) in tokens.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            out.push_str(t);
        }
    }
}

fn push_word(w: &str, capitalize: bool, out: &mut String) {
    if capitalize {
        push_capitalized(w, out);
    } else {
        out.push_str(w);
    }
}

/// Words start with an ASCII letter.
pub(super) fn push_capitalized(w: &str, out: &mut String) {
    let b = w.as_bytes();
    out.push(b[0].to_ascii_uppercase() as char);
    out.push_str(&w[1..]);
}

fn push_number(x: u64, out: &mut String) {
    use std::fmt::Write as _;
    let _ = match x % 4 {
        0 => write!(out, "{}", 2 + x % 98),
        1 => write!(out, "{},{:03}", 1 + (x >> 8) % 99, (x >> 16) % 1000),
        2 => write!(out, "{}.{}", 1 + (x >> 8) % 20, (x >> 16) % 10),
        _ => write!(out, "{}", 1950 + (x >> 8) % 75),
    };
}

/// Slot `j` of `slots` holds the index whose cumulative weight first
/// reaches `(j + 0.5) / slots` of the total.
fn inverse_cdf(weights: &[f64], slots: usize) -> Vec<u16> {
    let total: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(slots);
    let (mut i, mut cum) = (0usize, weights[0] / total);
    for j in 0..slots {
        let target = (j as f64 + 0.5) / slots as f64;
        while cum < target && i + 1 < weights.len() {
            i += 1;
            cum += weights[i] / total;
        }
        out.push(i as u16);
    }
    out
}

/// A headline and body paragraphs in one buffer.
pub(super) struct Story {
    pub(super) text: String,
    paras: Vec<Range<usize>>,
    pub(super) topic: u32,
}

impl Story {
    /// Paragraphs, the headline (0) included.
    pub(super) fn len(&self) -> usize {
        self.paras.len()
    }

    pub(super) fn para(&self, p: usize) -> &str {
        &self.text[self.paras[p].clone()]
    }

    pub(super) fn words(&self, p: usize) -> usize {
        self.para(p).split(' ').count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{Generator, Kind, SynthConfig};
    use crate::{DocId, Normalizer};

    #[test]
    fn sizes_match_the_news_model() {
        let vocab = Vocabulary::get();
        assert_eq!(vocab.len(), VOCAB_SIZE);
        let distinct: HashSet<&str> = (0..VOCAB_SIZE).map(|r| vocab.word(r)).collect();
        assert_eq!(distinct.len(), VOCAB_SIZE);
        let g = Generator::new(SynthConfig::new().num_docs(3_000).seed(9)).unwrap();
        let texts = g.texts();
        assert_eq!(texts.len(), 3_000);
        let mean = texts.iter().map(String::len).sum::<usize>() as f64 / texts.len() as f64;
        assert!(
            (3_000.0..4_000.0).contains(&mean),
            "mean article {mean} bytes"
        );
        let n = Normalizer::news();
        for (i, t) in texts.iter().enumerate().take(200) {
            if g.origin(DocId::new(i as u32)).is_none() {
                let paras: Vec<&str> = t.split("\n\n").collect();
                assert!(paras.len() >= 5, "{i}: {} paragraphs", paras.len());
                for p in &paras[1..] {
                    if p.len() > 200 {
                        let words = n.normalize(p).split(' ').count();
                        assert!((25..=110).contains(&words), "{i}: {words} words: {p}");
                    }
                }
            }
        }
        // Every kind is planted at 3,000 articles.
        for kind in Kind::ALL {
            let count = (0..3_000u32)
                .filter(|&i| matches!(g.origin(DocId::new(i)), Some((k, _)) if k == kind))
                .count();
            assert!(count > 10, "{kind}: {count}");
        }
    }
}
