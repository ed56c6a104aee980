//! Results do not depend on thread count or input order, and every reported
//! pair is verified against a naive all-pairs computation.

use std::collections::BTreeSet;

use echodup::{Analyzer, Config, Deduplicator, Report, Similarity};

use echodup::synth::news_like as synthetic_corpus;

fn run_with_threads(docs: &[String], threads: usize, config: &Config) -> Report {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        Deduplicator::new(config.clone())
            .unwrap()
            .run(docs)
            .unwrap()
    })
}

fn assert_same(a: &Report, b: &Report) {
    assert_eq!(a.document_pairs(), b.document_pairs());
    assert_eq!(a.clusters(), b.clusters());
    assert_eq!(a.passage_clusters(), b.passage_clusters());
    assert_eq!(a.repeats(), b.repeats());
    assert_eq!(a.repeated_blocks(), b.repeated_blocks());
    assert_eq!(a.summaries(), b.summaries());
    assert_eq!(a.stats(), b.stats());
}

#[test]
fn identical_results_for_1_2_and_4_threads() {
    let docs = synthetic_corpus(4000, 11);
    let config = Config::new();
    let one = run_with_threads(&docs, 1, &config);
    assert!(
        one.clusters().len() > 100,
        "corpus should exercise clustering: {:?}",
        one.stats()
    );
    assert!(!one.repeated_blocks().is_empty());
    for threads in [2, 4] {
        assert_same(&one, &run_with_threads(&docs, threads, &config));
    }
}

#[test]
fn clusters_do_not_depend_on_input_order() {
    let docs = synthetic_corpus(1500, 5);
    let config = Config::new();
    let forward = run_with_threads(&docs, 2, &config);
    let reversed: Vec<String> = docs.iter().rev().cloned().collect();
    let backward = run_with_threads(&reversed, 2, &config);
    let n = docs.len();
    let as_sets = |r: &Report, flip: bool| -> BTreeSet<Vec<usize>> {
        r.clusters()
            .iter()
            .map(|c| {
                let mut m: Vec<usize> = c
                    .members()
                    .iter()
                    .map(|d| {
                        if flip {
                            n - 1 - d.as_usize()
                        } else {
                            d.as_usize()
                        }
                    })
                    .collect();
                m.sort_unstable();
                m
            })
            .collect()
    };
    assert_eq!(as_sets(&forward, false), as_sets(&backward, true));
}

#[test]
fn reported_pairs_are_exact_and_recall_matches_all_pairs_oracle() {
    let docs = synthetic_corpus(600, 3);
    for threshold in [0.5, 0.8, 0.9] {
        let config = Config::new().threshold(threshold);
        let report = run_with_threads(&docs, 2, &config);
        let analyzer = Analyzer::new(&config).unwrap();
        let sets: Vec<_> = docs
            .iter()
            .map(|d| analyzer.analyze(d).shingles().clone())
            .collect();
        let mut truth = BTreeSet::new();
        for i in 0..sets.len() {
            for j in i + 1..sets.len() {
                if Similarity::exact(&sets[i], &sets[j]).jaccard >= threshold {
                    truth.insert((i, j));
                }
            }
        }
        let mut found = BTreeSet::new();
        for p in report.document_pairs() {
            let exact = Similarity::exact(&sets[p.a.as_usize()], &sets[p.b.as_usize()]);
            assert_eq!(
                p.similarity, exact,
                "reported similarity is not the exact one"
            );
            assert!(
                exact.jaccard >= threshold,
                "pair below threshold {threshold}: {p:?}"
            );
            found.insert((p.a.as_usize(), p.b.as_usize()));
        }
        assert!(found.is_subset(&truth));
        let recall = found.len() as f64 / truth.len().max(1) as f64;
        assert!(
            recall >= 0.99,
            "threshold {threshold}: recall {recall} ({} of {})",
            found.len(),
            truth.len()
        );
        assert!(!truth.is_empty());
    }
}

#[test]
fn estimate_mode_finds_nearly_the_same_pairs_without_sets() {
    use echodup::Verification;
    let docs = synthetic_corpus(800, 9);
    let exact = run_with_threads(&docs, 2, &Config::new());
    let estimate = run_with_threads(
        &docs,
        2,
        &Config::new().verification(Verification::Estimate),
    );
    assert_eq!(estimate.verification(), Verification::Estimate);
    let e: BTreeSet<_> = exact.document_pairs().iter().map(|p| (p.a, p.b)).collect();
    let s: BTreeSet<_> = estimate
        .document_pairs()
        .iter()
        .map(|p| (p.a, p.b))
        .collect();
    let agree = e.intersection(&s).count() as f64;
    // Near-threshold pairs may fall either side; most pairs are far from it.
    assert!(
        agree / e.len() as f64 > 0.9,
        "{} exact, {} estimated, {agree} in both",
        e.len(),
        s.len()
    );
    assert!(agree / s.len() as f64 > 0.9);
}
