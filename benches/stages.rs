//! Criterion benchmarks: one group per pipeline stage, the whole pipeline by
//! corpus size, thread counts, a brute-force all-pairs baseline, and huge
//! near-identical buckets with and without the cap.
//!
//! Corpus model: `echodup::synth::news_like` (made-up words, paragraphs of
//! 20–70 words, planted near copies, doubled bodies, boilerplate and shared
//! paragraphs), fixed seed. Stage groups report bytes/s, index and pipeline
//! groups documents/s.
//!
//! Run all:       cargo bench --features tools --bench stages
//! Run one group: cargo bench --features tools --bench stages -- minhash
//! Smoke test:    cargo bench --features tools --bench stages -- --test

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use echodup::{
    Analyzer, Banding, Clusters, Config, DEFAULT_SEED, Deduplicator, DocId, KeepPolicy, LshIndex,
    MinHasher, Normalizer, Signature, Similarity, segment::Segmenter, synth::news_like,
};

const SEED: u64 = 42;

fn bytes(docs: &[String]) -> u64 {
    docs.iter().map(|d| d.len() as u64).sum()
}

fn stages(c: &mut Criterion) {
    let docs = news_like(2_000, SEED);
    let total = bytes(&docs);
    let config = Config::new();
    let analyzer = Analyzer::new(&config).unwrap();

    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(total));
    let n = Normalizer::news();
    g.bench_function("news", |b| {
        let mut out = String::new();
        b.iter(|| {
            for d in &docs {
                n.normalize_into(d, &mut out);
                black_box(&out);
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Bytes(total));
    let s = Segmenter::default();
    g.bench_function("blank_lines", |b| {
        b.iter(|| docs.iter().map(|d| s.spans(d).len()).sum::<usize>())
    });
    g.finish();

    let mut g = c.benchmark_group("shingle");
    g.throughput(Throughput::Bytes(total));
    g.bench_function("analyze_words_5", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| analyzer.analyze(d).shingles().len())
                .sum::<usize>()
        })
    });
    g.finish();

    let analyzed: Vec<_> = docs.iter().map(|d| analyzer.analyze(d)).collect();
    let passage_sets: Vec<_> = analyzed
        .iter()
        .flat_map(|d| d.passages().iter().map(|p| p.shingles().clone()))
        .collect();
    let mut g = c.benchmark_group("minhash");
    g.throughput(Throughput::Bytes(total));
    for k in [64usize, 128, 256] {
        let h = MinHasher::new(k, DEFAULT_SEED);
        g.bench_with_input(BenchmarkId::new("passages", k), &passage_sets, |b, sets| {
            b.iter(|| {
                for s in sets {
                    black_box(h.signature_from_shingles(s.as_slice().iter().copied()));
                }
            })
        });
    }
    g.finish();

    let h = MinHasher::new(128, DEFAULT_SEED);
    let sigs: Vec<Signature> = passage_sets
        .iter()
        .map(|s| h.signature_from_shingles(s.as_slice().iter().copied()))
        .collect();
    let banding = Banding::for_threshold(0.8, 128).unwrap();
    let mut g = c.benchmark_group("index");
    g.throughput(Throughput::Elements(sigs.len() as u64));
    g.bench_function("build", |b| {
        b.iter(|| {
            let mut index = LshIndex::new(banding, DEFAULT_SEED);
            for s in &sigs {
                index.insert(s).unwrap();
            }
            index
        })
    });
    let mut index = LshIndex::new(banding, DEFAULT_SEED);
    for s in &sigs {
        index.insert(s).unwrap();
    }
    g.bench_function("query", |b| {
        b.iter(|| sigs.iter().map(|s| index.query(s).len()).sum::<usize>())
    });
    g.finish();

    let pairs: Vec<(usize, usize)> = (1..passage_sets.len()).map(|i| (i - 1, i)).collect();
    let mut g = c.benchmark_group("verify");
    let pair_bytes: usize = pairs
        .iter()
        .map(|&(a, b)| 8 * (passage_sets[a].len() + passage_sets[b].len()))
        .sum();
    g.throughput(Throughput::Bytes(pair_bytes as u64));
    g.bench_function("exact_jaccard", |b| {
        b.iter(|| {
            pairs
                .iter()
                .map(|&(a, b)| Similarity::exact(&passage_sets[a], &passage_sets[b]).jaccard)
                .sum::<f64>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("cluster");
    let n_docs = 100_000u32;
    let edges: Vec<(DocId, DocId)> = (0..n_docs / 2)
        .map(|i| (DocId::new(i), DocId::new((i * 7919 + 13) % n_docs)))
        .collect();
    g.throughput(Throughput::Elements(edges.len() as u64));
    g.bench_function("union_find_100k", |b| {
        b.iter(|| {
            Clusters::from_pairs(
                n_docs as usize,
                edges.iter().copied(),
                KeepPolicy::First,
                |_| 0,
            )
            .len()
        })
    });
    g.finish();
}

fn pipeline(c: &mut Criterion) {
    let dedup = Deduplicator::new(Config::new()).unwrap();
    let mut g = c.benchmark_group("pipeline");
    for n in [1_000usize, 10_000, 100_000] {
        let docs = news_like(n, SEED);
        g.throughput(Throughput::Elements(n as u64));
        if n >= 10_000 {
            g.sample_size(10);
        }
        g.bench_with_input(BenchmarkId::from_parameter(n), &docs, |b, docs| {
            b.iter(|| dedup.run(docs).unwrap())
        });
    }
    g.finish();

    let docs = news_like(10_000, SEED);
    let mut g = c.benchmark_group("threads");
    g.throughput(Throughput::Elements(docs.len() as u64));
    g.sample_size(10);
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts = vec![1, 2, all];
    counts.dedup();
    for t in counts {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(t), &docs, |b, docs| {
            b.iter(|| pool.install(|| dedup.run(docs).unwrap()))
        });
    }
    g.finish();
}

/// Exact Jaccard over every pair, against the LSH pipeline (documents only),
/// to show where the index starts to pay off.
fn brute_force(c: &mut Criterion) {
    let config = Config::new().passages(false);
    let dedup = Deduplicator::new(config.clone()).unwrap();
    let analyzer = Analyzer::new(&config).unwrap();
    let mut g = c.benchmark_group("brute_force");
    for n in [100usize, 300, 1_000] {
        let docs = news_like(n, SEED);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("all_pairs", n), &docs, |b, docs| {
            b.iter(|| {
                // Same analysis as the pipeline, then every pair exactly.
                let sets: Vec<_> = docs
                    .iter()
                    .map(|d| analyzer.analyze(d).shingles().clone())
                    .collect();
                let mut found = 0;
                for i in 0..sets.len() {
                    for j in i + 1..sets.len() {
                        if Similarity::exact(&sets[i], &sets[j]).jaccard >= 0.8 {
                            found += 1;
                        }
                    }
                }
                found
            })
        });
        g.bench_with_input(BenchmarkId::new("lsh", n), &docs, |b, docs| {
            b.iter(|| dedup.run(docs).unwrap().document_pairs().len())
        });
    }
    g.finish();
}

/// A corpus where every article ends in the same long footer that differs
/// only in a per-article reference code: thousands of distinct but
/// near-identical passages share one bucket in most bands.
fn footer_corpus(n: usize) -> Vec<String> {
    let footer = "This report was prepared by the newsroom of the Riverside Ledger with \
                  material from our regional correspondents and it may not be copied \
                  reprinted or broadcast without written permission from the publisher \
                  who can be reached at the main office on Harbour Street during working \
                  hours on weekdays except public holidays quote the reference";
    let code = |mut i: usize| {
        let mut s = String::new();
        loop {
            s.push((b'a' + (i % 26) as u8) as char);
            i /= 26;
            if i == 0 {
                return s;
            }
        }
    };
    let body = news_like(n, SEED);
    body.iter()
        .enumerate()
        .map(|(i, b)| format!("{b}\n\n{footer} {}", code(i)))
        .collect()
}

/// Huge near-identical buckets: the default cap ([`echodup::DEFAULT_MAX_BUCKET`])
/// against no cap, by corpus size. Capped time grows linearly, uncapped
/// quadratically.
fn huge_bucket(c: &mut Criterion) {
    let mut g = c.benchmark_group("huge_bucket");
    g.sample_size(10);
    for n in [1_000usize, 2_000, 4_000] {
        let docs = footer_corpus(n);
        g.throughput(Throughput::Elements(n as u64));
        for (name, config) in [
            ("capped", Config::new()),
            ("uncapped", Config::new().max_bucket(usize::MAX)),
        ] {
            let dedup = Deduplicator::new(config).unwrap();
            g.bench_with_input(BenchmarkId::new(name, n), &docs, |b, docs| {
                b.iter(|| dedup.run(docs).unwrap().stats().passage_candidates)
            });
        }
    }
    g.finish();
}

criterion_group!(benches, stages, pipeline, brute_force, huge_bucket);
criterion_main!(benches);
