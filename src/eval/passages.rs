//! Passages against ground truth: whether planted groups of identical
//! passages became passage clusters ([`passage_outcomes`]), and edited
//! paragraph copies labelled by exact Jaccard ([`edited_passages`],
//! [`edited_found`]).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::TruthPassageGroup;
use crate::analyze::AnalyzedDocument;
use crate::corpus::{DocId, PassageId};
use crate::report::Report;
use crate::verify::Similarity;

/// What became of one passage of a planted group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PassageStatus {
    /// In the same passage cluster as the group's first comparable member
    /// (that first member itself is not counted).
    Found,
    /// Not in that cluster.
    Missed,
    /// Not compared by the run: too few tokens
    /// ([`Config::min_passage_tokens`](crate::Config::min_passage_tokens)),
    /// empty after normalization, or no such passage; or the group has
    /// fewer than two comparable members.
    NotCompared,
}

/// The status of one member of a planted passage group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PassageOutcome {
    /// Position of the group in the slice given to [`passage_outcomes`].
    pub group: usize,
    /// The passage.
    pub passage: PassageId,
    /// What became of it.
    pub status: PassageStatus,
}

/// For every member but the reference of each group in `groups`, whether
/// `report` (a run over `docs`) put it in the same passage cluster as the
/// group's first comparable member (the reference). Members in order of
/// groups, then of members.
pub fn passage_outcomes(
    report: &Report,
    docs: &[AnalyzedDocument],
    groups: &[TruthPassageGroup],
) -> Vec<PassageOutcome> {
    let mut cluster_of: HashMap<PassageId, usize> = HashMap::new();
    for (k, c) in report.passage_clusters().iter().enumerate() {
        for m in c.members() {
            cluster_of.insert(m.passage, k);
        }
    }
    let min_tokens = report.config().get_min_passage_tokens();
    let comparable = |p: PassageId| {
        docs.get(p.doc.as_usize())
            .and_then(|d| d.passages().get(p.index as usize))
            .is_some_and(|x| !x.shingles().is_empty() && x.tokens() >= min_tokens)
    };
    let mut out = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let ok: Vec<bool> = group.members.iter().map(|&p| comparable(p)).collect();
        let enough = ok.iter().filter(|&&x| x).count() >= 2;
        let reference = group
            .members
            .iter()
            .zip(&ok)
            .find(|(_, ok)| **ok)
            .map(|(p, _)| *p);
        let target = reference.and_then(|r| cluster_of.get(&r).copied());
        for (&p, &ok) in group.members.iter().zip(&ok) {
            if Some(p) == reference {
                continue;
            }
            let status = if !ok || !enough {
                PassageStatus::NotCompared
            } else if target.is_some() && cluster_of.get(&p).copied() == target {
                PassageStatus::Found
            } else {
                PassageStatus::Missed
            };
            out.push(PassageOutcome {
                group: g,
                passage: p,
                status,
            });
        }
    }
    out
}

/// A paragraph of a copy that is an edited version of a paragraph of its
/// source ([`edited_passages`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EditedPassage {
    /// The paragraph in the copy.
    pub copy: PassageId,
    /// The source paragraph it matches best.
    pub source: PassageId,
    /// Their exact Jaccard similarity (below 1: not a verbatim copy).
    pub jaccard: f64,
}

/// Finds edited paragraph copies where the truth lists only verbatim ones.
///
/// For each `(source, copy)` document pair, every passage of the copy that
/// is not a member of a `verbatim` group and is not identical to a source
/// passage is matched to the source passage of highest exact Jaccard; it is
/// kept when that Jaccard is at least `min_jaccard` (0.3 keeps paragraphs
/// with a few word edits and drops new paragraphs, which share nothing).
/// This labels edits with exact similarity, never with LSH, so it can judge
/// whether a run found them ([`edited_found`]). Sorted by copy passage.
pub fn edited_passages(
    docs: &[AnalyzedDocument],
    pairs: &[(DocId, DocId)],
    verbatim: &[TruthPassageGroup],
    min_jaccard: f64,
) -> Vec<EditedPassage> {
    let planted: HashSet<PassageId> = verbatim
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    let mut out: Vec<EditedPassage> = pairs
        .par_iter()
        .flat_map_iter(|&(src, copy)| {
            let (Some(s), Some(c)) = (docs.get(src.as_usize()), docs.get(copy.as_usize())) else {
                return Vec::new();
            };
            let mut found = Vec::new();
            for (i, p) in c.passages().iter().enumerate() {
                let id = PassageId::new(copy, i as u32);
                if planted.contains(&id) || p.shingles().is_empty() {
                    continue;
                }
                let best = s
                    .passages()
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| !q.shingles().is_empty())
                    .map(|(k, q)| (k, Similarity::exact(p.shingles(), q.shingles()).jaccard))
                    .fold(None, |acc: Option<(usize, f64)>, x| match acc {
                        Some(a) if a.1 >= x.1 => Some(a),
                        _ => Some(x),
                    });
                if let Some((k, j)) = best
                    && j >= min_jaccard
                    && j < 1.0
                {
                    found.push(EditedPassage {
                        copy: id,
                        source: PassageId::new(src, k as u32),
                        jaccard: j,
                    });
                }
            }
            found
        })
        .collect();
    out.sort_by_key(|e| (e.copy, e.source));
    out.dedup_by_key(|e| e.copy);
    out
}

/// For each edited passage, whether `report` put it in the same passage
/// cluster as its source paragraph.
pub fn edited_found(report: &Report, edited: &[EditedPassage]) -> Vec<bool> {
    let mut cluster_of: HashMap<PassageId, usize> = HashMap::new();
    for (k, c) in report.passage_clusters().iter().enumerate() {
        for m in c.members() {
            cluster_of.insert(m.passage, k);
        }
    }
    edited
        .iter()
        .map(
            |e| match (cluster_of.get(&e.copy), cluster_of.get(&e.source)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Analyzer, Config, Deduplicator};

    fn d(i: u32) -> DocId {
        DocId::new(i)
    }

    #[test]
    fn passage_outcomes_on_generated_corpus() {
        let generator =
            crate::synth::Generator::new(crate::synth::SynthConfig::new().num_docs(400).seed(9))
                .unwrap();
        let texts = generator.texts();
        let config = Config::new();
        let analyzer = Analyzer::new(&config).unwrap();
        let docs: Vec<_> = texts.iter().map(|t| analyzer.analyze(t)).collect();
        let report = Deduplicator::new(config)
            .unwrap()
            .run_analyzed(&docs)
            .unwrap();
        let truth = generator.truth();
        let groups = truth.passage_groups();
        assert!(groups.len() > 10);
        let out = passage_outcomes(&report, &docs, groups);
        let expected: usize = groups.iter().map(|g| g.members.len() - 1).sum();
        assert_eq!(out.len(), expected);
        let found = out
            .iter()
            .filter(|o| o.status == PassageStatus::Found)
            .count();
        assert!(
            found as f64 >= 0.99 * out.len() as f64,
            "{found} of {}",
            out.len()
        );
        // A made-up group of two unrelated passages is missed.
        let bogus = TruthPassageGroup {
            name: "x".into(),
            kind: "copy".into(),
            members: vec![
                PassageId::new(d(0), 1),
                PassageId::new(d(1), 2),
                PassageId::new(d(1), 999),
            ],
        };
        let out = passage_outcomes(&report, &docs, &[bogus]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].status, PassageStatus::NotCompared);
        assert_eq!(out[0].status, PassageStatus::Missed);
    }

    #[test]
    fn edited_passages_are_labelled_exactly_and_judged() {
        let para = |extra: &str| {
            format!(
                "The council voted on Tuesday to keep the old harbour bridge open to cyclists and \
                 walkers while engineers finish a survey of its steel frame and foundations{extra}"
            )
        };
        let source = format!(
            "Bridge stays open\n\n{}\n\nA second paragraph about the weather on the coast this week.",
            para(".")
        );
        let copy = format!(
            "Bridge stays open\n\n{}\n\nSomething new entirely, with no words from before at all.",
            para(", officials said.")
        );
        let config = Config::new().threshold(0.5);
        let analyzer = Analyzer::new(&config).unwrap();
        let docs: Vec<_> = [source.as_str(), copy.as_str()]
            .iter()
            .map(|t| analyzer.analyze(t))
            .collect();
        // The headline is planted as verbatim; the edited paragraph is found by exact
        // Jaccard; the new paragraph matches nothing.
        let verbatim = [TruthPassageGroup {
            name: "g0".into(),
            kind: "copy".into(),
            members: vec![PassageId::new(d(0), 0), PassageId::new(d(1), 0)],
        }];
        let edited = edited_passages(&docs, &[(d(0), d(1))], &verbatim, 0.3);
        assert_eq!(edited.len(), 1, "{edited:?}");
        assert_eq!(
            (edited[0].copy, edited[0].source),
            (PassageId::new(d(1), 1), PassageId::new(d(0), 1))
        );
        let j = edited[0].jaccard;
        assert!(j > 0.5 && j < 1.0, "{j}");
        let found = |t: f64| {
            let report = Deduplicator::new(Config::new().threshold(t))
                .unwrap()
                .run_analyzed(&docs)
                .unwrap();
            edited_found(&report, &edited)[0]
        };
        assert!(found(j - 0.01));
        assert!(!found((j + 0.01).min(1.0)));
    }
}
