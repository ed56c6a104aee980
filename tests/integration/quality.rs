//! Quality regression harness: document-pair recall and precision over the
//! threshold range 0.5–0.9 (word 5-shingles, exact verification) on a
//! generated corpus and, when `../shared/data` is present, on Reuters;
//! planted passage recall on the generated corpus. Fails when a figure drops
//! below the targets of docs/QUALITY.md. (`real_corpora.rs` covers Reuters
//! and 20 Newsgroups at the default 0.8 with other checks.)

use std::collections::HashMap;
use std::time::Instant;

use echodup::eval::{
    self, PassageStatus, TruthPair, evaluate_pairs, measure_pairs, passage_outcomes,
};
use echodup::synth::{Generator, SynthConfig};
use echodup::{AnalyzedDocument, Analyzer, Config, Deduplicator, DocId};

use crate::support::{read_corpus, read_pairs, shared_data_or_skip};

const THRESHOLDS: [f64; 5] = [0.5, 0.6, 0.7, 0.8, 0.9];
const MIN_RECALL: f64 = 0.99;

/// Runs every threshold over `docs` and checks the targets; returns
/// `(threshold, expected pairs)` for the caller's own checks.
fn check_pairs(name: &str, docs: &[AnalyzedDocument], truth: &[TruthPair]) -> Vec<(f64, u64)> {
    let measured = measure_pairs(truth, docs);
    let mut out = Vec::new();
    for t in THRESHOLDS {
        let report = Deduplicator::new(Config::new().threshold(t).passages(false))
            .unwrap()
            .run_analyzed(docs)
            .unwrap();
        let e = evaluate_pairs(&report, &measured, t);
        let m = e.metrics;
        eprintln!(
            "{name} t={t}: expected {} tp {} fp {} fn {} precision {:.4} recall {:.4} ARI {:.4}",
            m.tp + m.fn_,
            m.tp,
            m.fp,
            m.fn_,
            m.precision(),
            m.recall(),
            e.ari
        );
        assert!(m.tp + m.fn_ > 0, "{name} t={t}: no expected pairs");
        assert!(
            m.recall() >= MIN_RECALL,
            "{name} t={t}: recall {:.4} < {MIN_RECALL}; missed e.g. {:?}",
            m.recall(),
            &e.false_negatives[..e.false_negatives.len().min(5)]
        );
        assert_eq!(
            m.fp,
            0,
            "{name} t={t}: false positives, e.g. {:?}",
            &e.false_positives[..e.false_positives.len().min(5)]
        );
        assert!(e.ari >= 0.98, "{name} t={t}: ARI {}", e.ari);
        out.push((t, m.tp + m.fn_));
    }
    out
}

#[test]
fn generated_corpus_meets_pair_and_passage_targets() {
    let start = Instant::now();
    let generator = Generator::new(SynthConfig::new().num_docs(4_000).seed(2024)).unwrap();
    let texts = generator.texts();
    let truth = generator.truth();
    let pairs: Vec<TruthPair> = truth
        .pairs()
        .iter()
        .filter(|p| p.jaccard >= 0.5)
        .copied()
        .collect();
    let groups = truth.passage_groups();
    let config = Config::new();
    let analyzer = Analyzer::new(&config).unwrap();
    let docs: Vec<AnalyzedDocument> = texts.iter().map(|t| analyzer.analyze(t)).collect();
    let expected = check_pairs("synth", &docs, &pairs);
    // The expected sets shrink as the threshold rises, and are not trivial.
    assert!(
        expected.windows(2).all(|w| w[0].1 >= w[1].1),
        "{expected:?}"
    );
    assert!(expected[0].1 > 200, "{expected:?}");

    // Planted passages (verbatim up to normalization) at the default 0.8.
    let report = Deduplicator::new(config)
        .unwrap()
        .run_analyzed(&docs)
        .unwrap();
    let outcomes = passage_outcomes(&report, &docs, groups);
    let mut by_kind: HashMap<&str, (usize, usize)> = HashMap::new();
    for o in &outcomes {
        let e = by_kind.entry(groups[o.group].kind.as_str()).or_default();
        match o.status {
            PassageStatus::Found => e.0 += 1,
            PassageStatus::Missed => e.1 += 1,
            PassageStatus::NotCompared => {}
        }
    }
    for kind in ["repeat", "copy", "boilerplate"] {
        let (found, missed) = by_kind.get(kind).copied().unwrap_or_default();
        let recall = found as f64 / (found + missed).max(1) as f64;
        eprintln!("synth passages {kind}: {found} found, {missed} missed, recall {recall:.4}");
        assert!(
            found + missed > 20,
            "too few planted {kind} passages: {by_kind:?}"
        );
        assert!(
            recall >= MIN_RECALL,
            "passage recall for {kind}: {recall:.4}"
        );
    }

    // Edited paragraph copies (labelled by exact Jaccard): every one at or
    // above the passage threshold is found; the share below it is reported.
    let copies: Vec<(DocId, DocId)> = truth
        .clusters()
        .iter()
        .flat_map(|c| c.members[1..].iter().map(move |&m| (c.members[0], m)))
        .collect();
    let edited = eval::edited_passages(&docs, &copies, groups, 0.3);
    let found = eval::edited_found(&report, &edited);
    let above: Vec<bool> = edited
        .iter()
        .zip(&found)
        .filter(|(e, _)| e.jaccard >= 0.8)
        .map(|(_, &f)| f)
        .collect();
    let all_found = found.iter().filter(|&&f| f).count();
    let above_found = above.iter().filter(|&&f| f).count();
    eprintln!(
        "synth edited paragraphs: {all_found} of {} found at 0.8; {above_found} of {} with J >= 0.8",
        edited.len(),
        above.len()
    );
    assert!(
        edited.len() > 100,
        "too few edited paragraphs: {}",
        edited.len()
    );
    assert!(above_found as f64 >= MIN_RECALL * above.len() as f64);
    eprintln!("generated corpus checks took {:?}", start.elapsed());
}

#[test]
fn reuters_meets_pair_targets_over_threshold_range() {
    let Some(dir) = shared_data_or_skip("reuters_meets_pair_targets_over_threshold_range") else {
        return;
    };
    let start = Instant::now();
    let corpus = read_corpus(&dir.join("reuters.jsonl.gz"));
    let pos: HashMap<&str, u32> = corpus
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i as u32))
        .collect();
    let truth: Vec<TruthPair> = read_pairs(&dir.join("reuters.pairs.jsonl"))
        .into_iter()
        .map(|(a, b, jaccard)| {
            let (a, b) = (pos[a.as_str()], pos[b.as_str()]);
            TruthPair {
                a: DocId::new(a.min(b)),
                b: DocId::new(a.max(b)),
                jaccard,
            }
        })
        .collect();
    let analyzer = Analyzer::new(&Config::new()).unwrap();
    let docs: Vec<AnalyzedDocument> = corpus.iter().map(|d| analyzer.analyze(&d.text)).collect();
    let expected = check_pairs("reuters", &docs, &truth);
    // Our normalization and word 5-shingles reproduce the corpus's own
    // Jaccard: at 0.5 every truth pair is expected.
    assert_eq!(expected[0].1, truth.len() as u64);
    eprintln!("reuters checks took {:?}", start.elapsed());
}
