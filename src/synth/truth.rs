//! The ground truth of a generated corpus: planted clusters, every planted
//! document pair with its exact Jaccard, and the planted passage groups, as
//! an [`eval::GroundTruth`](crate::eval::GroundTruth).

use rayon::prelude::*;

use super::Kind;
use super::PassageKind;
use super::generator::Generator;
use super::plant::Origin;
use crate::analyze::Analyzer;
use crate::config::Config;
use crate::corpus::{DocId, PassageId};
use crate::eval::{GroundTruth, TruthCluster, TruthPair, TruthPassageGroup};
use crate::shingle::ShingleSet;
use crate::verify::Similarity;

impl Generator {
    /// The ground truth, with Jaccard similarities over the shingles of the
    /// default [`Config`] (word 5-shingles, news normalization).
    ///
    /// - Clusters: one per source and [`Kind`], named `kind/source`
    ///   (`"syndicated/000123"`), of kind [`Kind::as_str`], with the source
    ///   first; sorted by source then kind. The same source heads several
    ///   clusters when it was copied in several ways. Clusters of
    ///   [`Kind::Topic`] and [`Kind::Developing`] are hard negatives, not
    ///   duplicate clusters.
    /// - Pairs: every pair of documents within a family (an original and
    ///   everything made from it), with exact Jaccard, sorted by `(a, b)`,
    ///   also those below 0.5. No two documents outside one family reach
    ///   Jaccard 0.5 (a test checks this against all pairs), so filtered at
    ///   0.5 this is the complete list of the shared corpora's `pairs.jsonl`.
    /// - Passage groups: passages that are verbatim (up to normalization)
    ///   copies of one paragraph or footer line, in order of their source,
    ///   named `g0`, `g1`, ..., of kind [`PassageKind::as_str`]. Lightly
    ///   edited copies are not listed.
    ///
    /// Regenerates every article (in parallel on the current rayon pool) and
    /// analyzes the members of every family, so it costs about as much as
    /// generating and analyzing the corpus once.
    pub fn truth(&self) -> GroundTruth {
        let analyzer = Analyzer::new(&Config::new()).expect("the default config is valid");
        self.truth_with(&analyzer)
    }

    /// The ground truth with similarities computed by `analyzer`.
    pub fn truth_with(&self, analyzer: &Analyzer) -> GroundTruth {
        // Families: each original with everything made from it.
        let mut links: Vec<(u32, u32, Kind)> = self
            .plan
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.kind {
                Some(k) if k.joins_family() => Some((s.source, i as u32, k)),
                _ => None,
            })
            .collect();
        links.sort_unstable_by_key(|&(root, member, _)| (root, member));
        let mut families: Vec<(u32, Vec<(u32, Kind)>)> = Vec::new();
        for &(root, member, kind) in &links {
            match families.last_mut() {
                Some((r, members)) if *r == root => members.push((member, kind)),
                _ => families.push((root, vec![(member, kind)])),
            }
        }
        let mut clusters = Vec::new();
        for (root, members) in &families {
            for kind in Kind::ALL {
                let ids: Vec<DocId> = members
                    .iter()
                    .filter(|m| m.1 == kind)
                    .map(|m| DocId::new(m.0))
                    .collect();
                if !ids.is_empty() {
                    let mut all = vec![DocId::new(*root)];
                    all.extend(ids);
                    clusters.push(TruthCluster {
                        name: format!("{kind}/{root:06}"),
                        kind: kind.as_str().to_string(),
                        members: all,
                    });
                }
            }
        }
        let pairs: Vec<TruthPair> = families
            .par_iter()
            .flat_map_iter(|(root, members)| {
                let docs: Vec<u32> = std::iter::once(*root)
                    .chain(members.iter().map(|m| m.0))
                    .collect();
                let sets: Vec<ShingleSet> = docs
                    .iter()
                    .map(|&d| analyzer.analyze(&self.text(d as usize)).shingles().clone())
                    .collect();
                let mut out = Vec::with_capacity(docs.len() * (docs.len() - 1) / 2);
                for i in 0..docs.len() {
                    for j in i + 1..docs.len() {
                        out.push(TruthPair {
                            a: DocId::new(docs[i]),
                            b: DocId::new(docs[j]),
                            jaccard: Similarity::exact(&sets[i], &sets[j]).jaccard,
                        });
                    }
                }
                out
            })
            .collect();
        let mut pairs = pairs;
        pairs.sort_unstable_by_key(|p| (p.a, p.b));

        // Passage groups: every passage whose origin is shared.
        let mut entries: Vec<(u64, u32, u32)> = (0..self.len() as u32)
            .into_par_iter()
            .flat_map_iter(|i| {
                let doc = self.render(i);
                doc.origins
                    .into_iter()
                    .enumerate()
                    .filter_map(move |(p, o)| {
                        let key = match o {
                            Origin::Own => return None,
                            Origin::Body(root, para) => {
                                if !self.plan[root as usize].is_source {
                                    return None;
                                }
                                ((root as u64) << 32) | para as u64
                            }
                            Origin::Footer(outlet, line) => {
                                (u64::from(u32::MAX) << 32) | ((outlet as u64) << 8) | line as u64
                            }
                        };
                        Some((key, i, p as u32))
                    })
            })
            .collect();
        entries.par_sort_unstable();
        let mut passage_groups = Vec::new();
        for run in entries.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 {
                continue;
            }
            let kind = if run[0].0 >> 32 == u64::from(u32::MAX) {
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
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rayon::prelude::*;

    use crate::corpus::DocId;
    use crate::normalize::Normalizer;
    use crate::segment::Segmenter;
    use crate::synth::generator::tests::{generator, sets};
    use crate::synth::{Kind, PassageKind};
    use crate::verify::Similarity;

    #[test]
    fn pairs_are_exact_and_complete_at_half() {
        let g = generator(1_500, 5);
        let texts = g.texts();
        let sets = sets(&texts);
        let truth = g.truth();
        let planted: HashSet<(usize, usize)> = truth
            .pairs()
            .iter()
            .map(|p| (p.a.as_usize(), p.b.as_usize()))
            .collect();
        for p in truth.pairs() {
            assert!(p.a < p.b);
            let j = Similarity::exact(&sets[p.a.as_usize()], &sets[p.b.as_usize()]).jaccard;
            assert_eq!(p.jaccard, j, "{p:?}");
        }
        // No pair outside the planted ones reaches 0.5 (exact all-pairs).
        let outside: Vec<(usize, usize, f64)> = (0..sets.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let sets = &sets;
                let planted = &planted;
                (i + 1..sets.len()).filter_map(move |j| {
                    let s = Similarity::exact(&sets[i], &sets[j]).jaccard;
                    (s >= 0.5 && !planted.contains(&(i, j))).then_some((i, j, s))
                })
            })
            .collect();
        assert!(outside.is_empty(), "unplanted pairs: {outside:?}");
        assert!(truth.pairs().iter().filter(|p| p.jaccard >= 0.8).count() > 100);
        assert!(
            truth
                .pairs()
                .iter()
                .any(|p| (0.5..0.8).contains(&p.jaccard))
        );
    }

    #[test]
    fn passage_groups_are_identical_after_normalization() {
        let g = generator(1_000, 8);
        let texts = g.texts();
        let truth = g.truth();
        let seg = Segmenter::default();
        let n = Normalizer::news();
        let passage = |d: usize, p: u32| {
            let spans = seg.spans(&texts[d]);
            n.normalize(&texts[d][spans[p as usize].clone()])
        };
        let mut kinds = HashSet::new();
        for group in truth.passage_groups() {
            kinds.insert(group.kind.as_str());
            assert!(group.members.len() >= 2);
            let first = passage(group.members[0].doc.as_usize(), group.members[0].index);
            assert!(!first.is_empty());
            for m in &group.members[1..] {
                assert_eq!(passage(m.doc.as_usize(), m.index), first, "{group:?}");
            }
        }
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        let biggest = truth
            .passage_groups()
            .iter()
            .filter(|g| g.kind == PassageKind::Boilerplate.as_str())
            .map(|g| g.members.len())
            .max()
            .unwrap();
        assert!(biggest > 10, "boilerplate shared by {biggest}");
        // Every doubled body is a run of repeats.
        for (i, _) in texts.iter().enumerate() {
            if let Some((Kind::Doubled, _)) = g.origin(DocId::new(i as u32)) {
                assert!(
                    truth
                        .passage_groups()
                        .iter()
                        .any(|gr| gr.kind == PassageKind::Repeat.as_str()
                            && gr.members.iter().filter(|m| m.doc.as_usize() == i).count() == 2)
                );
            }
        }
    }
}
