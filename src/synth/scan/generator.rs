//! [`ScanGenerator`]: plans a scanned-reprint corpus, renders documents on
//! demand, and gives its ground truth.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

use super::ScanConfig;
use super::render::{layout, ocr_damage, rebreak};
use crate::analyze::Analyzer;
use crate::config::Config;
use crate::corpus::DocId;
use crate::error::Result;
use crate::eval::{GroundTruth, TruthCluster, TruthPair, write_json_line};
use crate::synth::Article;
use crate::synth::rng::{
    Rng, SALT_SCAN_OCR, SALT_SCAN_ORDER, SALT_SCAN_PAPER, SALT_SCAN_PLAN, SALT_SCAN_PRINT,
    SALT_SCAN_STORY, SALT_SCAN_TOPIC,
};
use crate::synth::text::Vocabulary;
use crate::synth::write::write_files;
use crate::verify::Similarity;

/// Papers that print stories; each has its column width and headline style.
const PAPERS: u64 = 60;
/// Lead paragraphs in one digest.
const DIGEST_ITEMS: usize = 3;

/// The id of the document at `index`: `scan/000123`.
pub fn scan_id(index: usize) -> String {
    format!("scan/{index:06}")
}

/// One planned document.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// Printing `printing` of `story` (0 is the wire original as first
    /// printed), by `paper`.
    Printing {
        story: u32,
        printing: u32,
        paper: u32,
    },
    /// A digest of the lead paragraphs of three stories, by `paper`.
    Digest {
        stories: [u32; DIGEST_ITEMS],
        paper: u32,
    },
}

/// Generates scanned newspaper reprints with ground truth: wire stories
/// printed by several papers with their own headlines, cuts and column
/// widths, then read back by OCR with damaged words, hyphenated line ends
/// and paragraph breaks lost and added; plus digests that quote the lead
/// paragraphs of three stories.
///
/// Construction plans the corpus (a few bytes per document); text is
/// rendered on demand, so [`text`](Self::text) is random access and the
/// same config gives the same bytes on every machine.
///
/// # Example
///
/// ```
/// use echodup::synth::{ScanConfig, ScanGenerator};
///
/// let g = ScanGenerator::new(ScanConfig::new().num_stories(50).damage(0.05).seed(1))?;
/// let truth = g.truth();
/// for cluster in truth.clusters() {
///     // A truth cluster is the printings of one story.
///     let story = g.story(cluster.members[0]);
///     assert!(story.is_some());
///     assert!(cluster.members.iter().all(|&m| g.story(m) == story));
/// }
/// assert!(g.text(0).lines().all(|l| l.chars().count() <= 60));
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone)]
pub struct ScanGenerator {
    config: ScanConfig,
    slots: Vec<Slot>,
    topics: u64,
    vocab: &'static Vocabulary,
}

impl fmt::Debug for ScanGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanGenerator")
            .field("config", &self.config)
            .field("documents", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl ScanGenerator {
    /// Plans the corpus of `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// the parameter out of its range (see [`ScanConfig`]'s setters).
    pub fn new(config: ScanConfig) -> Result<Self> {
        config.validate()?;
        let seed = config.get_seed();
        let mut slots = Vec::new();
        for story in 0..config.get_num_stories() as u32 {
            let mut rng = Rng::new(seed, u64::from(story), SALT_SCAN_PLAN);
            let printings = if rng.chance(config.get_reprinted()) {
                rng.between(2, config.get_max_printings() as u64)
            } else {
                1
            };
            for printing in 0..printings as u32 {
                let paper = rng.below(PAPERS) as u32;
                slots.push(Slot::Printing {
                    story,
                    printing,
                    paper,
                });
            }
        }
        let share = config.get_digests();
        let digests = (slots.len() as f64 * share / (1.0 - share)).round() as usize;
        let stories = config.get_num_stories() as u64;
        if stories >= DIGEST_ITEMS as u64 {
            for d in 0..digests {
                let mut rng = Rng::new(seed, (1 << 40) + d as u64, SALT_SCAN_PLAN);
                let mut picked = [u32::MAX; DIGEST_ITEMS];
                let mut k = 0;
                while k < DIGEST_ITEMS {
                    let s = rng.below(stories) as u32;
                    if !picked[..k].contains(&s) {
                        picked[k] = s;
                        k += 1;
                    }
                }
                let paper = rng.below(PAPERS) as u32;
                slots.push(Slot::Digest {
                    stories: picked,
                    paper,
                });
            }
        }
        // An archive lists papers' pages, not families: shuffle.
        let mut rng = Rng::new(seed, 0, SALT_SCAN_ORDER);
        for i in (1..slots.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            slots.swap(i, j);
        }
        Ok(ScanGenerator {
            topics: (stories / 3).max(1),
            config,
            slots,
            vocab: Vocabulary::get(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ScanConfig {
        &self.config
    }

    /// The number of documents.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no documents (never: a config has a story).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The story that document `doc` prints, or `None` for a digest (or a
    /// position past the end).
    pub fn story(&self, doc: DocId) -> Option<usize> {
        match self.slots.get(doc.as_usize())? {
            Slot::Printing { story, .. } => Some(*story as usize),
            Slot::Digest { .. } => None,
        }
    }

    /// The stories whose lead paragraph digest `doc` quotes (empty for a
    /// printing).
    pub fn digest_stories(&self, doc: DocId) -> Vec<usize> {
        match self.slots.get(doc.as_usize()) {
            Some(Slot::Digest { stories, .. }) => stories.iter().map(|&s| s as usize).collect(),
            _ => Vec::new(),
        }
    }

    /// The text of document `index` as the scan reads it.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`len`](Self::len).
    pub fn text(&self, index: usize) -> String {
        let paras = self.paragraphs(index);
        let paper = self.paper(index);
        let mut rng = Rng::new(self.config.get_seed(), index as u64, SALT_SCAN_OCR);
        let blocks = rebreak(paras, self.config.get_breaks(), &mut rng);
        let mut laid = String::with_capacity(4096);
        layout(&blocks, self.width(paper), &mut laid);
        let mut out = String::with_capacity(laid.len() + 64);
        ocr_damage(&laid, self.config.get_damage(), &mut rng, &mut out);
        out
    }

    /// The text of document `index` as printed, before layout and scan:
    /// headline and paragraphs separated by blank lines.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`len`](Self::len).
    pub fn clean_text(&self, index: usize) -> String {
        self.paragraphs(index).join("\n\n")
    }

    /// The document at `index` with its id.
    pub fn article(&self, index: usize) -> Article {
        Article {
            id: scan_id(index),
            text: self.text(index),
        }
    }

    /// Every document's scanned text, generated in parallel.
    pub fn texts(&self) -> Vec<String> {
        (0..self.len())
            .into_par_iter()
            .map(|i| self.text(i))
            .collect()
    }

    /// The ground truth: one cluster per story printed more than once (kind
    /// `"reprint"`, named `story/N`, members ascending), digests in none;
    /// and every pair of printings of one story with the exact Jaccard of
    /// their printed texts ([`clean_text`](Self::clean_text)) over the
    /// default [`Config`]'s word 5-shingles, sorted by `(a, b)`.
    pub fn truth(&self) -> GroundTruth {
        let mut families: Vec<Vec<DocId>> = vec![Vec::new(); self.config.get_num_stories()];
        for (i, slot) in self.slots.iter().enumerate() {
            if let Slot::Printing { story, .. } = slot {
                families[*story as usize].push(DocId::new(i as u32));
            }
        }
        let analyzer = Analyzer::new(&Config::new()).expect("the default config is valid");
        let mut pairs: Vec<TruthPair> = families
            .par_iter()
            .filter(|f| f.len() > 1)
            .flat_map_iter(|f| {
                let sets: Vec<_> = f
                    .iter()
                    .map(|d| {
                        analyzer
                            .analyze(&self.clean_text(d.as_usize()))
                            .shingles()
                            .clone()
                    })
                    .collect();
                let mut out = Vec::new();
                for i in 0..f.len() {
                    for j in i + 1..f.len() {
                        out.push(TruthPair {
                            a: f[i],
                            b: f[j],
                            jaccard: Similarity::exact(&sets[i], &sets[j]).jaccard,
                        });
                    }
                }
                out
            })
            .collect();
        pairs.sort_by_key(|p| (p.a, p.b));
        let mut clusters: Vec<TruthCluster> = families
            .into_iter()
            .enumerate()
            .filter(|(_, f)| f.len() > 1)
            .map(|(s, members)| TruthCluster {
                name: format!("story/{s}"),
                kind: "reprint".to_string(),
                members,
            })
            .collect();
        clusters.sort_by_key(|c| c.members[0]);
        GroundTruth::new(pairs, clusters, Vec::new())
    }

    /// Writes `corpus.jsonl` (`{"id", "text"}` per document), `truth.jsonl`
    /// and `pairs.jsonl` (every truth pair, whatever its Jaccard: the
    /// clusters are the truth here) into `dir`, created if missing. Returns
    /// the ground truth.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the file that failed.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<GroundTruth> {
        let dir = dir.as_ref();
        let id = |d: DocId| scan_id(d.as_usize());
        let truth = self.truth();
        write_files(
            dir,
            &[
                ("corpus.jsonl", &|w| self.write_corpus(w)),
                ("truth.jsonl", &|w| truth.write_clusters(w, id)),
                ("pairs.jsonl", &|w| truth.write_pairs(w, 0.0, id)),
            ],
        )?;
        Ok(truth)
    }

    /// Writes every document as a JSON line `{"id": ..., "text": ...}`.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_corpus(&self, w: &mut dyn Write) -> io::Result<()> {
        #[derive(serde::Serialize)]
        struct Record<'a> {
            id: &'a str,
            text: &'a str,
        }
        const BATCH: usize = 4_096;
        for start in (0..self.len()).step_by(BATCH) {
            let end = (start + BATCH).min(self.len());
            let texts: Vec<String> = (start..end).into_par_iter().map(|i| self.text(i)).collect();
            for (i, text) in (start..end).zip(texts) {
                let id = scan_id(i);
                write_json_line(
                    w,
                    &Record {
                        id: &id,
                        text: &text,
                    },
                )?;
            }
        }
        Ok(())
    }

    fn paper(&self, index: usize) -> u32 {
        match self.slots[index] {
            Slot::Printing { paper, .. } | Slot::Digest { paper, .. } => paper,
        }
    }

    /// The column width of `paper`.
    fn width(&self, paper: u32) -> usize {
        let (lo, hi) = self.config.get_columns();
        Rng::new(self.config.get_seed(), u64::from(paper), SALT_SCAN_PAPER)
            .between(lo as u64, hi as u64) as usize
    }

    /// Whether `paper` sets headlines in capitals.
    fn capital_headlines(&self, paper: u32) -> bool {
        let mut rng = Rng::new(self.config.get_seed(), u64::from(paper), SALT_SCAN_PAPER);
        rng.next();
        rng.chance(0.5)
    }

    /// The wire story `story`: headline and body paragraphs.
    fn wire(&self, story: u32) -> (u32, Vec<String>) {
        let seed = self.config.get_seed();
        let topic = Rng::new(seed, u64::from(story), SALT_SCAN_TOPIC).below(self.topics) as u32;
        let mut rng = Rng::new(seed, u64::from(story), SALT_SCAN_STORY);
        let s = self.vocab.story(&mut rng, topic);
        (topic, (0..s.len()).map(|p| s.para(p).to_string()).collect())
    }

    /// The printed paragraphs of document `index`, headline first.
    fn paragraphs(&self, index: usize) -> Vec<String> {
        let c = &self.config;
        match self.slots[index] {
            Slot::Digest { stories, paper } => {
                let mut out = vec![self.headline_case(paper, "News In Brief".to_string())];
                for s in stories {
                    let (_, wire) = self.wire(s);
                    out.push(self.headline_case(paper, wire[0].clone()));
                    out.push(wire[1].clone());
                }
                out
            }
            Slot::Printing {
                story,
                printing,
                paper,
            } => {
                let (topic, wire) = self.wire(story);
                let mut rng = Rng::new(
                    c.get_seed(),
                    (u64::from(story) << 8) | u64::from(printing),
                    SALT_SCAN_PRINT,
                );
                let mut headline = wire[0].clone();
                if printing > 0 && rng.chance(c.get_new_headline()) {
                    headline.clear();
                    self.vocab.headline(&mut rng, topic, &mut headline);
                }
                let mut body: Vec<String> = wire[1..].to_vec();
                if printing > 0 && rng.chance(c.get_cut()) {
                    let keep = (body.len() as f64 * (0.5 + 0.45 * rng.unit())).ceil() as usize;
                    body.truncate(keep.max(1));
                    if body.len() >= 3 && rng.chance(0.3) {
                        let drop = rng.between(1, body.len() as u64 - 2) as usize;
                        body.remove(drop);
                    }
                }
                if printing > 0 {
                    for p in &mut body {
                        if rng.chance(0.1) {
                            let edits = rng.between(1, 2) as usize;
                            let mut edited = String::with_capacity(p.len() + 16);
                            self.vocab.edit(p, edits, &mut rng, &mut edited);
                            *p = edited;
                        }
                    }
                }
                let mut out = vec![self.headline_case(paper, headline)];
                out.extend(body);
                out
            }
        }
    }

    fn headline_case(&self, paper: u32, headline: String) -> String {
        if self.capital_headlines(paper) {
            headline.to_uppercase()
        } else {
            headline
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator(damage: f64) -> ScanGenerator {
        ScanGenerator::new(ScanConfig::new().num_stories(300).damage(damage).seed(4)).unwrap()
    }

    #[test]
    fn plan_and_truth_have_the_documented_shape() {
        let g = generator(0.05);
        // About 3.4 printings per story, plus 5% digests.
        assert!((800..1300).contains(&g.len()), "{}", g.len());
        let digests = (0..g.len())
            .filter(|&i| g.story(DocId::new(i as u32)).is_none())
            .count();
        assert!((20..90).contains(&digests), "{digests}");
        let truth = g.truth();
        let clustered: usize = truth.clusters().iter().map(|c| c.members.len()).sum();
        let singles = 300 - truth.clusters().len();
        assert_eq!(clustered + singles + digests, g.len());
        for c in truth.clusters() {
            assert!(c.members.len() >= 2 && c.members.len() <= 8);
            assert!(c.members.windows(2).all(|w| w[0] < w[1]));
        }
        let pairs: usize = truth
            .clusters()
            .iter()
            .map(|c| c.members.len() * (c.members.len() - 1) / 2)
            .sum();
        assert_eq!(truth.pairs().len(), pairs);
        // Printings of one story share most of their text; a heavily cut
        // one shares little with a full one.
        let min = truth.pairs().iter().map(|p| p.jaccard).fold(1.0, f64::min);
        let mean = truth.pairs().iter().map(|p| p.jaccard).sum::<f64>() / pairs as f64;
        assert!(min > 0.05 && mean > 0.5, "{min} {mean}");
    }

    #[test]
    fn texts_are_deterministic_columns_with_damage() {
        let (clean, noisy) = (generator(0.0), generator(0.1));
        assert_eq!(clean.len(), noisy.len());
        let (mut hyphens, mut changed, mut lines) = (0, 0, 0);
        for i in 0..100 {
            let t = noisy.text(i);
            assert_eq!(t, noisy.text(i));
            assert_eq!(clean.clean_text(i), noisy.clean_text(i));
            let c = clean.text(i);
            for line in c.lines() {
                assert!(
                    line.chars().count() <= 45 || !line.contains(' '),
                    "{line:?}"
                );
                lines += 1;
                hyphens += usize::from(line.ends_with('-'));
            }
            // The clean scan is the printed text re-laid: same words once
            // hyphens and breaks are undone.
            let words = |s: &str| -> Vec<String> {
                let lines: Vec<&str> = s.lines().collect();
                let mut joined = String::new();
                for l in lines {
                    // A hyphen after a letter at a line end splits a word.
                    match l.strip_suffix('-') {
                        Some(head) if head.ends_with(char::is_alphanumeric) => {
                            joined.push_str(head)
                        }
                        _ => {
                            joined.push_str(l);
                            joined.push(' ');
                        }
                    }
                }
                joined.split_whitespace().map(str::to_string).collect()
            };
            assert_eq!(words(&c), words(&clean.clean_text(i)));
            changed += usize::from(t != c);
        }
        assert!(
            hyphens * 50 > lines,
            "{hyphens} of {lines} lines hyphenated"
        );
        assert!(changed > 95);
    }

    #[test]
    fn written_files_parse() {
        let dir = tempfile::tempdir().unwrap();
        let g = ScanGenerator::new(ScanConfig::new().num_stories(40).seed(2)).unwrap();
        let truth = g.write_dir(dir.path()).unwrap();
        let corpus = std::fs::read_to_string(dir.path().join("corpus.jsonl")).unwrap();
        assert_eq!(corpus.lines().count(), g.len());
        let first: serde_json::Value =
            serde_json::from_str(corpus.lines().next().unwrap()).unwrap();
        assert_eq!(first["text"].as_str().unwrap(), g.text(0));
        let clusters = std::fs::read_to_string(dir.path().join("truth.jsonl")).unwrap();
        assert_eq!(clusters.lines().count(), truth.clusters().len());
        let pairs = std::fs::read_to_string(dir.path().join("pairs.jsonl")).unwrap();
        assert_eq!(pairs.lines().count(), truth.pairs().len());
    }
}
