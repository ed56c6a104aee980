//! Results do not depend on thread count or input order, and every reported
//! pair is verified against a naive all-pairs computation. The tests on
//! generated corpora need the `tools` feature.

#[cfg(feature = "tools")]
use std::collections::BTreeSet;

#[cfg(feature = "tools")]
use echodup::{Analyzer, Similarity};
use echodup::{Config, Deduplicator, Report};

#[cfg(feature = "tools")]
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

#[cfg(feature = "tools")]
fn assert_same(a: &Report, b: &Report) {
    assert_same_but_memory(a, b, false);
}

/// As [`assert_same`]; with `memory`, the counts of memory
/// (`sketch_bytes`, `spilled_bytes`) may differ.
#[cfg(feature = "tools")]
fn assert_same_but_memory(a: &Report, b: &Report, memory: bool) {
    assert_eq!(
        a.document_pairs().collect::<Vec<_>>(),
        b.document_pairs().collect::<Vec<_>>()
    );
    assert_eq!(a.clusters(), b.clusters());
    assert_eq!(a.passage_clusters(), b.passage_clusters());
    assert_eq!(a.repeats(), b.repeats());
    assert_eq!(a.repeated_blocks(), b.repeated_blocks());
    assert_eq!(a.summaries(), b.summaries());
    // `run_analyzed` has no text, so it counts no noise (issue 16); every
    // other count is the same.
    let (mut sa, mut sb) = (a.stats().clone(), b.stats().clone());
    if sa.noise.documents == 0 || sb.noise.documents == 0 {
        sa.noise = Default::default();
        sb.noise = Default::default();
    }
    if memory {
        sb.sketch_bytes = sa.sketch_bytes;
        sb.spilled_bytes = sa.spilled_bytes;
    }
    assert_eq!(sa, sb);
}

#[cfg(feature = "tools")]
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

#[cfg(feature = "tools")]
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

#[cfg(feature = "tools")]
#[test]
fn reported_pairs_are_exact_and_recall_matches_all_pairs_oracle() {
    let docs = synthetic_corpus(600, 3);
    for threshold in [0.5, 0.8, 0.9] {
        // The oracle compares whole texts.
        let config = Config::new()
            .threshold(threshold)
            .document_basis(echodup::DocumentBasis::Raw);
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

#[cfg(feature = "tools")]
#[test]
fn estimate_mode_finds_nearly_the_same_pairs_without_sets() {
    use echodup::Verification;
    let docs = synthetic_corpus(800, 9);
    // Estimates come from the signatures of whole texts.
    let raw = Config::new().document_basis(echodup::DocumentBasis::Raw);
    let exact = run_with_threads(&docs, 2, &raw);
    let estimate = run_with_threads(&docs, 2, &raw.clone().verification(Verification::Estimate));
    assert_eq!(estimate.verification(), Verification::Estimate);
    let e: BTreeSet<_> = exact.document_pairs().map(|p| (p.a, p.b)).collect();
    let s: BTreeSet<_> = estimate.document_pairs().map(|p| (p.a, p.b)).collect();
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

/// Several analysis chunks (4,096 documents each), capped buckets and both
/// entry points: every output is the same for 1, 2 and 3 threads, and `run`
/// (which drops shingle sets and recomputes them) equals `run_analyzed`.
#[cfg(feature = "tools")]
#[test]
fn identical_results_across_chunks_threads_and_entry_points() {
    let docs = synthetic_corpus(9000, 23);
    // A cap this low turns many ordinary buckets into capped ones.
    let config = Config::new().max_bucket(3);
    let one = run_with_threads(&docs, 1, &config);
    assert!(one.stats().capped_buckets > 0, "{:?}", one.stats());
    assert!(one.stats().documents > 2 * 4096);
    for threads in [2, 3] {
        assert_same(&one, &run_with_threads(&docs, threads, &config));
    }
    let analyzer = Analyzer::new(&config).unwrap();
    let analyzed: Vec<_> = docs.iter().map(|d| analyzer.analyze(d)).collect();
    let staged = Deduplicator::new(config)
        .unwrap()
        .run_analyzed(&analyzed)
        .unwrap();
    assert_same(&one, &staged);
}

/// `i` written in letters (digits are folded by normalization).
fn letters(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            return s;
        }
    }
}

/// Boilerplate that differs in one word per article (a reference code) puts
/// thousands of distinct passages in one bucket per band: with the cap,
/// candidates grow linearly with the corpus (twice the articles, about twice
/// the candidates), without it quadratically, and the boilerplate is one
/// cluster either way.
#[test]
fn huge_near_identical_bucket_is_capped_not_quadratic() {
    let footer = "This report was prepared by the newsroom of the Riverside Ledger with \
                  material from our regional correspondents and it may not be copied \
                  reprinted or broadcast without written permission from the publisher \
                  who can be reached at the main office on Harbour Street during working \
                  hours on weekdays except public holidays quote the";
    let corpus = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                let tag = letters(i);
                format!(
                    "Body {tag}: the word {tag} appears in an article of its own about {tag}.\n\n\
                     {footer} reference {tag}"
                )
            })
            .collect()
    };
    let run = |n: usize, config: &Config| {
        let report = run_with_threads(&corpus(n), 2, config);
        let biggest = report
            .passage_clusters()
            .iter()
            .map(|c| c.members().len())
            .max()
            .unwrap();
        assert_eq!(biggest, n, "the footers form one cluster");
        assert_eq!(report.stats().distinct_passages, 2 * n);
        report.stats().clone()
    };
    let capped = Config::new();
    let (small, large) = (run(2000, &capped), run(4000, &capped));
    assert!(small.capped_buckets > 0 && large.capped_buckets > 0);
    let growth = large.passage_candidates as f64 / small.passage_candidates as f64;
    assert!(growth < 2.5, "capped: {small:?} then {large:?}");
    let uncapped = Config::new().max_bucket(usize::MAX);
    let (small, large) = (run(500, &uncapped), run(1000, &uncapped));
    assert_eq!(large.capped_buckets, 0);
    let growth = large.passage_candidates as f64 / small.passage_candidates as f64;
    assert!(growth > 3.5, "uncapped: {small:?} then {large:?}");
}

/// `run_fetched` (texts fetched on demand, never all in memory) equals `run`,
/// and fetches each document once to sketch plus once per use in
/// verification, never keeping the corpus.
#[cfg(feature = "tools")]
#[test]
fn run_fetched_equals_run() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let docs = synthetic_corpus(5000, 31);
    let dedup = Deduplicator::new(Config::new()).unwrap();
    let fetches = AtomicUsize::new(0);
    let fetched = dedup
        .run_fetched(
            docs.len(),
            |d| {
                fetches.fetch_add(1, Ordering::Relaxed);
                docs[d.as_usize()].clone()
            },
            |_| {},
        )
        .unwrap();
    assert_same(&dedup.run(&docs).unwrap(), &fetched);
    let n = fetches.load(Ordering::Relaxed);
    assert!(n > docs.len(), "verification fetches again: {n}");
    assert!(n < 3 * docs.len(), "only candidates are fetched again: {n}");
}

/// Issue 14, reproduction 4: a capped bucket's star and chain used to be
/// centred on its first member in input order, so shuffling the input
/// changed which pairs were found. Now the pairs, mapped back to their
/// texts, are the same for every order, and the summary counts the pairs
/// the cap left out.
#[test]
fn issue_14_capped_bucket_pairs_do_not_depend_on_input_order() {
    // 300 variants of one long paragraph, each with one word replaced: every
    // two are near-duplicates (Jaccard about 0.9), and most bands put all of
    // them in one bucket, capped at 16.
    let base: Vec<String> = (0..150).map(|i| format!("w{}", letters(i))).collect();
    let variants: Vec<String> = (0..300)
        .map(|i| {
            let mut words = base.clone();
            words[(i * 7) % 150] = format!("variant{}", letters(i));
            words.join(" ")
        })
        .collect();
    let config = Config::new().passages(false).max_bucket(16);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        // xorshift64*
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut first: Option<(BTreeSetOfTexts, echodup::Stats)> = None;
    for shuffle in 0..5 {
        let mut docs = variants.clone();
        if shuffle > 0 {
            for i in (1..docs.len()).rev() {
                docs.swap(i, (next() % (i as u64 + 1)) as usize);
            }
        }
        let report = run_with_threads(&docs, 2, &config);
        let stats = report.stats().clone();
        assert!(stats.capped_buckets > 0, "{stats:?}");
        assert!(stats.capped_pairs_skipped > 0, "{stats:?}");
        // Some pairs are lost to the cap (the whole set is 300·299/2).
        assert!(stats.document_pairs < 300 * 299 / 2, "{stats:?}");
        assert_eq!(report.clusters().len(), 1);
        let texts: BTreeSetOfTexts = report
            .document_pairs()
            .map(|p| {
                let (a, b) = (docs[p.a.as_usize()].clone(), docs[p.b.as_usize()].clone());
                (a.clone().min(b.clone()), a.max(b))
            })
            .collect();
        assert_eq!(texts.len(), stats.document_pairs);
        match &first {
            None => first = Some((texts, stats)),
            Some((want, want_stats)) => {
                assert!(texts == *want, "shuffle {shuffle} found other pairs");
                assert_eq!(stats.capped_pairs_skipped, want_stats.capped_pairs_skipped);
                assert_eq!(stats.document_candidates, want_stats.document_candidates);
            }
        }
    }
}

/// Pairs of texts, each pair ordered.
type BTreeSetOfTexts = std::collections::BTreeSet<(String, String)>;

/// Issue 17: sets kept from the first analysis (`Config::kept_set_bytes`)
/// change nothing but the work: keeping none, some (the budget runs out
/// part-way, in a later chunk than the first) and all give the same report,
/// on news-like text and on pages with boilerplate (whose content sets are
/// computed again), and the documents kept are not fetched again.
#[cfg(feature = "tools")]
#[test]
fn kept_sets_change_no_output_and_save_fetches() {
    use echodup::synth::{PageConfig, PageGenerator};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let pages = PageGenerator::new(PageConfig::new().num_pages(1500).seed(5))
        .unwrap()
        .texts();
    for docs in [synthetic_corpus(5000, 37), pages] {
        let fetched = |bytes: usize, threads: usize| {
            let dedup = Deduplicator::new(Config::new().kept_set_bytes(bytes)).unwrap();
            let fetches = AtomicUsize::new(0);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let report = pool
                .install(|| {
                    dedup.run_fetched(
                        docs.len(),
                        |d| {
                            fetches.fetch_add(1, Ordering::Relaxed);
                            docs[d.as_usize()].as_str()
                        },
                        |_| {},
                    )
                })
                .unwrap();
            (report, fetches.load(Ordering::Relaxed))
        };
        let (none, fetches_none) = fetched(0, 2);
        assert!(none.stats().document_candidates > 0);
        // About half the documents' sets fit.
        let total: usize = docs.len() * 8 * 600;
        let mut fetches = vec![fetches_none];
        for (bytes, threads) in [(total / 2, 1), (total / 2, 3), (usize::MAX, 2)] {
            let (report, n) = fetched(bytes, threads);
            assert_same(&none, &report);
            fetches.push(n);
        }
        assert!(
            fetches[1] < fetches[0] && fetches[3] < fetches[1],
            "fetches for budgets 0, half, half, all: {fetches:?}"
        );
        assert_eq!(
            fetches[1], fetches[2],
            "what is kept does not depend on threads"
        );
    }
}

/// Issue 17: the sets verification holds at a time are bounded by
/// `Config::kept_set_bytes` (whole components of the candidate graph, a
/// wave at a time). A budget of one byte (every component in a wave of its
/// own) gives the same report as an unbounded one, for `run` and for
/// `run_analyzed` (which keeps nothing from a first analysis, so only the
/// waves differ), on news-like text and on pages with boilerplate (whose
/// content and whole-text similarities both come from the waves), on 1 and
/// 3 threads.
#[cfg(feature = "tools")]
#[test]
fn bounded_verification_sets_give_the_same_report() {
    use echodup::synth::{PageConfig, PageGenerator};
    let pages = PageGenerator::new(PageConfig::new().num_pages(1200).seed(8))
        .unwrap()
        .texts();
    for docs in [synthetic_corpus(4000, 41), pages] {
        let unbounded = Config::new().kept_set_bytes(usize::MAX);
        let want = run_with_threads(&docs, 2, &unbounded);
        assert!(want.stats().document_pairs > 0 && want.stats().passage_clusters > 0);
        let analyzer = Analyzer::new(&unbounded).unwrap();
        let analyzed: Vec<_> = docs.iter().map(|d| analyzer.analyze(d)).collect();
        for threads in [1, 3] {
            let tiny = Config::new().kept_set_bytes(1);
            assert_same(&want, &run_with_threads(&docs, threads, &tiny));
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let staged = pool
                .install(|| Deduplicator::new(tiny).unwrap().run_analyzed(&analyzed))
                .unwrap();
            assert_same(&want, &staged);
        }
    }
}

/// Issue 17: band keys spilled to a temporary file (every run past its key
/// memory; here 0 bytes, so always) give the same report as keys in memory,
/// for `run`, `run_analyzed`, 1 and 3 threads, capped buckets and several
/// chunks, with a key memory so small that bands are read one at a time, and
/// with signatures kept (estimate mode, the pre-filter). Nothing is left in
/// the folder.
#[cfg(feature = "tools")]
#[test]
fn spilled_band_keys_give_the_same_report() {
    let docs = synthetic_corpus(9000, 29);
    let dir = tempfile::tempdir().unwrap();
    let spill = |c: Config| c.max_key_memory(0).temp_dir(Some(dir.path().to_path_buf()));
    // Sketch memory differs by design; every other count is the same.
    let same = |a: &Report, b: &Report| {
        assert_eq!(a.stats().spilled_bytes, 0);
        assert!(b.stats().spilled_bytes > 0, "{:?}", b.stats());
        // A third without signatures (128 bytes of keys per item of 172).
        let lean = a.config().get_verification() == echodup::Verification::Exact
            && a.config().get_signature_prefilter().is_none();
        let (held, before) = (b.stats().sketch_bytes, a.stats().sketch_bytes);
        assert!(
            held < before && (!lean || held < before / 3),
            "{held} of {before}"
        );
        assert_same_but_memory(a, b, true);
    };
    for config in [
        Config::new().max_bucket(3),
        Config::new().verification(echodup::Verification::Estimate),
        Config::new().signature_prefilter(Some(1e-6)),
    ] {
        let memory = run_with_threads(&docs, 2, &config);
        assert!(memory.stats().documents > 2 * 4096);
        for threads in [1, 3] {
            same(
                &memory,
                &run_with_threads(&docs, threads, &spill(config.clone())),
            );
        }
    }
    let config = Config::new().max_bucket(3);
    let memory = run_with_threads(&docs, 2, &config);
    assert!(memory.stats().capped_buckets > 0);
    let analyzer = Analyzer::new(&config).unwrap();
    let analyzed: Vec<_> = docs.iter().map(|d| analyzer.analyze(d)).collect();
    let staged = Deduplicator::new(spill(config))
        .unwrap()
        .run_analyzed(&analyzed)
        .unwrap();
    same(&memory, &staged);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Issue 17: a spill folder that does not exist fails the run with an I/O
/// error naming it; a run whose keys fit never touches it.
#[test]
fn a_missing_spill_folder_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let docs = [
        "One short text about the river.",
        "Another about the hills.",
    ];
    let config = Config::new().temp_dir(Some(missing.clone()));
    assert!(
        Deduplicator::new(config.clone())
            .unwrap()
            .run(&docs)
            .is_ok()
    );
    let e = Deduplicator::new(config.max_key_memory(0))
        .unwrap()
        .run(&docs)
        .unwrap_err();
    assert_eq!(e.kind(), echodup::ErrorKind::Io);
    assert_eq!(e.path(), Some(missing.as_path()));
    assert!(e.to_string().contains("no-such-folder"), "{e}");
}
