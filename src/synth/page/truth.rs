//! The ground truth of a page corpus and writing it with the corpus.
//!
//! Content-level truth (which pages copy which story) is in the clusters;
//! the pairs carry the raw Jaccard over the whole page text, chrome
//! included, as for the other generated and shared corpora.

use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

use super::PageKind;
use super::generator::{PageGenerator, page_id};
use super::render::Origin;
use crate::analyze::Analyzer;
use crate::config::Config;
use crate::corpus::{DocId, PassageId};
use crate::error::Result;
use crate::eval::{GroundTruth, TruthCluster, TruthPair, TruthPassageGroup, write_json_line};
use crate::segment::Segmenter;
use crate::shingle::ShingleSet;
use crate::synth::PassageKind;
use crate::synth::write::write_files;
use crate::verify::Similarity;

/// A line of a page corpus's `corpus.jsonl`.
#[derive(serde::Serialize)]
struct PageRecord<'a> {
    id: &'a str,
    site: &'a str,
    text: &'a str,
}

impl PageGenerator {
    /// The ground truth, with Jaccard similarities over the shingles of the
    /// default [`Config`].
    ///
    /// - Clusters (content-level truth): `syndicated/story` (kind
    ///   `"syndicated"`) holds a story's original page and every syndicated
    ///   copy of it; `resend/page` (kind `"resend"`) a page and its
    ///   re-sends. Sorted by first member, then kind. A cluster never holds
    ///   two different stories; pages that share only chrome (the same
    ///   site) are in no cluster together.
    /// - Pairs: every pair of pages that tell the same story (the original,
    ///   its syndicated copies and every re-send of any of them), with the
    ///   exact Jaccard of their whole texts, chrome included, sorted by
    ///   `(a, b)`; also those below 0.5. Chrome lowers this raw similarity,
    ///   most on briefs, so a syndicated copy may fall below any threshold;
    ///   the clusters say it is a copy. Pages of different stories are never
    ///   listed, whatever their raw Jaccard (two briefs of one site can share
    ///   much of their text through chrome alone).
    /// - Passage groups: passages that are verbatim copies of one story
    ///   paragraph or headline (kind `"copy"` across pages, `"repeat"` when
    ///   one page holds two of them: every doubled scrape has one repeat
    ///   group per body paragraph, edited paragraphs of a doubled copy
    ///   included), and each site's newsletter prompt and
    ///   copyright line (`"boilerplate"`), in order of their source, named
    ///   `g0`, `g1`, .... Positions are those of the analyzer's segmenter; a
    ///   unit that it does not read as exactly one passage is left out.
    ///   Related-headline lines, bylines and other per-page chrome are not
    ///   listed, nor are edited paragraphs (but for the repeats of a
    ///   doubled copy).
    pub fn truth(&self) -> GroundTruth {
        let analyzer = Analyzer::new(&Config::new()).expect("the default config is valid");
        self.truth_with(&analyzer)
    }

    /// The ground truth with similarities and passage positions computed by
    /// `analyzer`.
    pub fn truth_with(&self, analyzer: &Analyzer) -> GroundTruth {
        // Clusters, keyed by first member and kind.
        let mut links: Vec<(u32, PageKind, u32)> = self
            .plan
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.kind.map(|k| (s.source, k, i as u32)))
            .collect();
        links.sort_unstable();
        let mut clusters: Vec<TruthCluster> = Vec::new();
        for run in links.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let (source, kind) = (run[0].0, run[0].1);
            let mut members = vec![DocId::new(source)];
            members.extend(run.iter().map(|l| DocId::new(l.2)));
            clusters.push(TruthCluster {
                name: format!("{kind}/{source:06}"),
                kind: kind.as_str().to_string(),
                members,
            });
        }

        // Pairs: every pair of pages of one story.
        let mut by_story: Vec<(u32, u32)> = self
            .plan
            .iter()
            .enumerate()
            .map(|(i, s)| (s.story, i as u32))
            .collect();
        by_story.sort_unstable();
        let families: Vec<&[(u32, u32)]> = by_story
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|f| f.len() > 1)
            .collect();
        let mut pairs: Vec<TruthPair> = families
            .par_iter()
            .flat_map_iter(|family| {
                let sets: Vec<ShingleSet> = family
                    .iter()
                    .map(|&(_, d)| analyzer.analyze(&self.text(d as usize)).shingles().clone())
                    .collect();
                let mut out = Vec::with_capacity(family.len() * (family.len() - 1) / 2);
                for i in 0..family.len() {
                    for j in i + 1..family.len() {
                        out.push(TruthPair {
                            a: DocId::new(family[i].1),
                            b: DocId::new(family[j].1),
                            jaccard: Similarity::exact(&sets[i], &sets[j]).jaccard,
                        });
                    }
                }
                out
            })
            .collect();
        pairs.sort_unstable_by_key(|p| (p.a, p.b));

        // Passage groups: every passage whose origin is shared.
        let segmenter = analyzer.segmenter();
        // Keys: (0, story, paragraph), (1, page, edited paragraph),
        // (2, site, chrome line).
        let mut entries: Vec<((u8, u32, u32), u32, u32)> = (0..self.len() as u32)
            .into_par_iter()
            .flat_map_iter(|i| {
                self.passage_origins(i, segmenter)
                    .into_iter()
                    .filter_map(move |(p, o)| {
                        let key = match o {
                            Origin::Body(story, para) => (0, story, para),
                            Origin::Edited(page, para) => (1, page, para),
                            Origin::SiteChrome(site, line) if line < 2 => {
                                (2, site as u32, line as u32)
                            }
                            _ => return None,
                        };
                        Some((key, i, p))
                    })
            })
            .collect();
        entries.par_sort_unstable();
        let mut passage_groups = Vec::new();
        for run in entries.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 {
                continue;
            }
            let kind = if run[0].0.0 == 2 {
                PassageKind::Boilerplate
            } else if run.windows(2).any(|w| w[0].1 == w[1].1) {
                PassageKind::Repeat
            } else {
                PassageKind::Copy
            };
            passage_groups.push(TruthPassageGroup {
                name: format!("g{}", passage_groups.len()),
                kind: kind.as_str().to_string(),
                members: run
                    .iter()
                    .map(|&(_, d, p)| PassageId::new(DocId::new(d), p))
                    .collect(),
            });
        }
        GroundTruth::new(pairs, clusters, passage_groups)
    }

    /// The passage index and origin of every unit of page `i` that
    /// `segmenter` reads as exactly one passage.
    pub(super) fn passage_origins(&self, i: u32, segmenter: &Segmenter) -> Vec<(u32, Origin)> {
        let page = self.render(i);
        let spans = segmenter.spans(&page.text);
        let mut out = Vec::with_capacity(page.units.len());
        let mut s = 0;
        for (range, origin) in &page.units {
            while s < spans.len() && spans[s].start < range.start {
                s += 1;
            }
            let first = s;
            while s < spans.len() && spans[s].end <= range.end {
                s += 1;
            }
            if s == first + 1 {
                out.push((first as u32, *origin));
            }
        }
        out
    }

    /// Writes the corpus and its ground truth into `dir` (created if
    /// missing): `corpus.jsonl` (`{"id", "site", "text"}` per page),
    /// `truth.jsonl` (the content-level clusters), `pairs.jsonl` (same-story
    /// pairs with raw Jaccard ≥ 0.5) and `passages.jsonl`, in the formats
    /// that [`GroundTruth`]'s readers read. Returns the ground truth (with
    /// all pairs, also those below 0.5).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the file that failed.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<GroundTruth> {
        let dir = dir.as_ref();
        let id = |d: DocId| page_id(d.as_usize());
        let truth = self.truth();
        write_files(
            dir,
            &[
                ("corpus.jsonl", &|w| self.write_corpus(w)),
                ("truth.jsonl", &|w| truth.write_clusters(w, id)),
                ("pairs.jsonl", &|w| truth.write_pairs(w, 0.5, id)),
                ("passages.jsonl", &|w| truth.write_passage_groups(w, id)),
            ],
        )?;
        Ok(truth)
    }

    /// Writes every page as a JSON line `{"id": ..., "site": ..., "text":
    /// ...}`, generating batches in parallel and writing them in order.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_corpus(&self, w: &mut dyn Write) -> io::Result<()> {
        const BATCH: usize = 4_096;
        for start in (0..self.len()).step_by(BATCH) {
            let end = (start + BATCH).min(self.len());
            let texts: Vec<String> = (start..end).into_par_iter().map(|i| self.text(i)).collect();
            for (i, text) in (start..end).zip(texts) {
                let id = page_id(i);
                let site = self.site_name(self.plan[i].site as usize);
                write_json_line(
                    w,
                    &PageRecord {
                        id: &id,
                        site,
                        text: &text,
                    },
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::corpus::DocId;
    use crate::normalize::Normalizer;
    use crate::segment::Segmenter;
    use crate::synth::page::generator::tests::pages;
    use crate::synth::page::render::Origin;
    use crate::synth::page::site::Layout;
    use crate::synth::{PageKind, PassageKind};

    #[test]
    fn truth_clusters_never_join_two_stories_and_pairs_are_same_story() {
        let g = pages(1_500, 7);
        let truth = g.truth();
        let mut kinds = HashSet::new();
        for c in truth.clusters() {
            kinds.insert(c.kind.clone());
            assert!(c.members.len() >= 2);
            let story = g.story(c.members[0]);
            assert!(c.members.iter().all(|&m| g.story(m) == story), "{c:?}");
        }
        assert_eq!(kinds.len(), PageKind::ALL.len());
        for p in truth.pairs() {
            assert_eq!(g.story(p.a), g.story(p.b));
        }
        // Every syndicated copy is in its story's cluster.
        for d in (0..g.len() as u32).map(DocId::new) {
            if let Some((PageKind::Syndicated, src)) = g.origin(d) {
                let name = format!("syndicated/{:06}", src.as_usize());
                assert!(
                    truth
                        .clusters()
                        .iter()
                        .any(|c| c.name == name && c.members.contains(&d))
                );
            }
        }
        // Chrome lowers raw Jaccard: some same-story pairs fall below 0.8.
        assert!(truth.pairs().iter().any(|p| p.jaccard < 0.8));
    }

    #[test]
    fn every_doubled_scrape_is_a_repeat_group_per_body_paragraph() {
        let g = pages(1_500, 11);
        let truth = g.truth();
        let seg = Segmenter::default();
        let n = Normalizer::news();
        let mut doubled = 0;
        for i in 0..g.len() as u32 {
            if !g.is_doubled(DocId::new(i)) {
                continue;
            }
            doubled += 1;
            let repeats = truth
                .passage_groups()
                .iter()
                .filter(|gr| {
                    gr.kind == PassageKind::Repeat.as_str()
                        && gr
                            .members
                            .iter()
                            .filter(|m| m.doc.as_usize() == i as usize)
                            .count()
                            == 2
                })
                .count();
            let paras = g
                .passage_origins(i, &seg)
                .iter()
                .filter(|(_, o)| {
                    matches!(o, Origin::Body(_, p) if *p > 0) || matches!(o, Origin::Edited(..))
                })
                .count();
            assert!(paras >= 4, "page {i}: {paras} body passages");
            assert_eq!(2 * repeats, paras, "page {i}");
        }
        assert!(doubled > 20);
        // Passage groups are identical after normalization.
        let texts = g.texts();
        for group in truth.passage_groups() {
            let passage = |d: usize, p: u32| {
                let spans = seg.spans(&texts[d]);
                n.normalize(&texts[d][spans[p as usize].clone()])
            };
            let first = passage(group.members[0].doc.as_usize(), group.members[0].index);
            for m in &group.members[1..] {
                assert_eq!(passage(m.doc.as_usize(), m.index), first, "{group:?}");
            }
        }
    }

    #[test]
    fn the_default_segmenter_reads_every_unit_as_one_passage() {
        let g = pages(600, 2);
        let seg = Segmenter::default();
        let mut wrapped = (0, 0);
        for i in 0..g.len() as u32 {
            let units = g.render(i).units.len();
            let read = g.passage_origins(i, &seg).len();
            if g.layout(g.site(DocId::new(i))) == Layout::HardWrapped {
                wrapped.0 += read;
                wrapped.1 += units;
            } else {
                assert_eq!(read, units, "page {i}");
                assert_eq!(seg.spans(&g.text(i as usize)).len(), units, "page {i}");
            }
        }
        // Hard-wrapped paragraphs are re-joined (a short one whose breaks all
        // fall before capitals may split into lines).
        assert!(wrapped.0 as f64 >= 0.95 * wrapped.1 as f64, "{wrapped:?}");
    }
}
