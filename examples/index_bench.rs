//! Build, open and query a persistent index (format 2: a manifest and
//! segment files) of synthetic news
//! (`echodup::synth`), and report times, size on disk and resident memory.
//!
//! ```text
//! cargo build --release --features tools --example index_bench
//! # build an index of 100,000 articles in daily batches of 10,000 (each
//! # batch's time, segment count and folds; first 10 against last 10):
//! target/release/examples/index_bench build /tmp/bench.edx 100000 10000
//! # in a fresh process: open it, query 2,000 articles (one thread, then
//! # pools of 2, 4, ... threads up to the cores), report memory:
//! target/release/examples/index_bench open /tmp/bench.edx 2000
//! # add 10,000 new articles (another seed) to an existing index, in one
//! # batch: what a batch costs at that size:
//! target/release/examples/index_bench add /tmp/bench.edx 10000 10000
//! # for comparison: the in-memory DedupIndex of the same articles:
//! target/release/examples/index_bench memory 100000
//! # remove 10,000 articles (evenly spread) from a built index, query their
//! # texts (their paragraphs' first copies are gone: the earliest live
//! # copies answer), optimize, and query again (the same answers):
//! target/release/examples/index_bench remove /tmp/bench.edx 10000
//! ```
//!
//! Resident memory is VmRSS (and the peak, VmHWM) from `/proc/self/status`
//! (Linux only; other systems print "n/a").

use std::time::Instant;

use echodup::index::IndexFile;
use echodup::synth::{Generator, SynthConfig};
use echodup::{Config, DedupIndex};
use rayon::prelude::*;

const SEED: u64 = 42;

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

/// Seconds this thread has run on a CPU (`/proc/thread-self/schedstat`,
/// Linux only): on a shared machine, queries per CPU second vary less with
/// the load than queries per second of wall time.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Seconds the whole process (all its threads) has run on a CPU, user and
/// system (`/proc/self/stat`, in clock ticks of 1/100 s; Linux only).
fn process_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses).
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(args
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    match args.first().map(String::as_str) {
        Some("build") => {
            let path = args.get(1).ok_or("build PATH [DOCS] [BATCH]")?;
            let (n, batch) = (arg(2, 100_000)?, arg(3, 10_000)?.max(1));
            let generator = Generator::new(SynthConfig::new().num_docs(n).seed(SEED))?;
            let start = Instant::now();
            let mut index = IndexFile::create(path, Config::new())?;
            let mut at = 0;
            let mut duplicates = 0;
            let mut batch_secs: Vec<f64> = Vec::new();
            // CPU seconds of each batch, all threads: on a shared machine,
            // steadier than wall time.
            let mut batch_cpu: Vec<f64> = Vec::new();
            let mut folds = 0;
            while at < n {
                let end = (at + batch).min(n);
                let docs: Vec<(String, String)> = (at..end)
                    .map(|i| {
                        let a = generator.article(i);
                        (a.id, a.text)
                    })
                    .collect();
                let segments_before = index.info().segments;
                let t = Instant::now();
                let cpu = process_cpu_secs();
                let verdicts = index.add_batch(docs)?;
                let secs = t.elapsed().as_secs_f64();
                let cpu = process_cpu_secs().zip(cpu).map(|(b, a)| b - a);
                batch_secs.push(secs);
                batch_cpu.push(cpu.unwrap_or(f64::NAN));
                duplicates += verdicts.iter().filter(|v| v.is_duplicate()).count();
                let info = index.info();
                // A batch adds one segment; fewer means the policy folded.
                let folded = info.segments < segments_before + 1;
                folds += folded as usize;
                println!(
                    "batch {at}..{end}: {secs:.2} s ({:.2} s CPU), {} segments{} (index {:.1} MB)",
                    batch_cpu.last().copied().unwrap_or(f64::NAN),
                    info.segments,
                    if folded { ", folded" } else { "" },
                    info.size as f64 / 1e6
                );
                at = end;
            }
            if batch_secs.len() >= 20 {
                let first: f64 = batch_secs[..10].iter().sum();
                let last: f64 = batch_secs[batch_secs.len() - 10..].iter().sum();
                println!(
                    "first 10 batches {first:.1} s, last 10 {last:.1} s: ratio {:.2} ({folds} batches folded segments)",
                    last / first
                );
                let first: f64 = batch_cpu[..10].iter().sum();
                let last: f64 = batch_cpu[batch_cpu.len() - 10..].iter().sum();
                println!(
                    "CPU: first 10 batches {first:.1} s, last 10 {last:.1} s: ratio {:.2}",
                    last / first
                );
            }
            let info = index.info();
            println!(
                "built {} documents ({} duplicates, {} passages, {} distinct) in {:.1} s: {:.1} MB on disk",
                info.documents,
                duplicates,
                info.passages,
                info.passage_groups,
                start.elapsed().as_secs_f64(),
                info.size as f64 / 1e6
            );
            println!("peak RSS while building: {}", status("VmHWM:"));
        }
        Some("open") => {
            let path = args.get(1).ok_or("open PATH [QUERIES]")?;
            let queries = arg(2, 2_000)?;
            let before = status("VmRSS:");
            let mut times = Vec::new();
            let mut cpu_times = Vec::new();
            let mut index = None;
            for _ in 0..5 {
                // The one open before is dropped first: RSS after open is
                // one index's.
                drop(index.take());
                let t = Instant::now();
                let cpu = cpu_secs();
                index = Some(IndexFile::open(path)?);
                times.push(t.elapsed().as_secs_f64() * 1e3);
                if let (Some(a), Some(b)) = (cpu, cpu_secs()) {
                    cpu_times.push((b - a) * 1e3);
                }
            }
            let index = index.expect("opened");
            times.sort_by(f64::total_cmp);
            cpu_times.sort_by(f64::total_cmp);
            let after_open = status("VmRSS:");
            let info = index.info();
            println!(
                "{}: {} documents, {:.1} MB on disk",
                path,
                info.documents,
                info.size as f64 / 1e6
            );
            println!(
                "open: median {:.2} ms (min {:.2}, max {:.2}) over 5 opens",
                times[2], times[0], times[4]
            );
            if cpu_times.len() == 5 {
                println!(
                    "open, CPU time of the thread: median {:.2} ms (min {:.2}, max {:.2})",
                    cpu_times[2], cpu_times[0], cpu_times[4]
                );
            }
            println!(
                "RSS before open: {before}, after open: {after_open}; memory_usage {:.1} MB",
                index.memory_usage() as f64 / 1e6
            );
            // Half the queries are indexed articles, half new ones.
            let n = info.documents as usize;
            let old = Generator::new(SynthConfig::new().num_docs(n).seed(SEED))?;
            let new = Generator::new(SynthConfig::new().num_docs(queries.max(1)).seed(SEED + 1))?;
            let texts: Vec<String> = (0..queries)
                .map(|i| {
                    if i % 2 == 0 {
                        old.text((i * 7919) % n)
                    } else {
                        new.text(i)
                    }
                })
                .collect();
            // The first query loads the band key tables of every segment.
            let t = Instant::now();
            index.query(&texts[0])?;
            println!(
                "first query (loads the band key tables): {:.1} ms; memory_usage {:.1} MB, RSS {}",
                t.elapsed().as_secs_f64() * 1e3,
                index.memory_usage() as f64 / 1e6,
                status("VmRSS:")
            );
            let t = Instant::now();
            let cpu = cpu_secs();
            let mut found = 0;
            for text in &texts {
                found += index.query(text)?.is_duplicate() as usize;
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "query: {queries} articles in {secs:.2} s ({:.0}/s, one thread), {found} whole-document duplicates",
                queries as f64 / secs
            );
            if let (Some(a), Some(b)) = (cpu, cpu_secs()) {
                println!(
                    "query: {:.0} per CPU second on that thread ({:.2} s on a CPU)",
                    queries as f64 / (b - a),
                    b - a
                );
            }
            // The same queries again on one thread: the pages of the index
            // they read are now mapped and cached, as they are for the
            // thread counts below, so the ratios compare like with like.
            let t = Instant::now();
            let cpu = cpu_secs();
            for text in &texts {
                index.query(text)?;
            }
            let one_thread = t.elapsed().as_secs_f64();
            println!(
                "query again: {:.0}/s on one thread{}",
                queries as f64 / one_thread,
                match (cpu, cpu_secs()) {
                    (Some(a), Some(b)) =>
                        format!(", {:.0} per CPU second", queries as f64 / (b - a)),
                    _ => String::new(),
                }
            );
            // The same queries on a pool of each thread count (the index is
            // `Sync`: threads query it at once).
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let mut threads = 2;
            while threads <= cores {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()?;
                let t = Instant::now();
                let n: usize = pool.install(|| {
                    texts
                        .par_iter()
                        .map(|text| index.query(text).map(|v| v.is_duplicate() as usize))
                        .sum::<echodup::Result<usize>>()
                })?;
                let secs = t.elapsed().as_secs_f64();
                assert_eq!(n, found, "the same answers on any thread count");
                println!(
                    "query: {:.0}/s on {threads} threads ({:.2}x one thread)",
                    queries as f64 / secs,
                    one_thread / secs
                );
                threads *= 2;
            }
            println!(
                "RSS after queries: {}, peak: {}",
                status("VmRSS:"),
                status("VmHWM:")
            );
        }
        Some("add") => {
            // New articles (another seed than `build`'s, ids of their own)
            // added to an existing index: what a batch costs at that size.
            let path = args.get(1).ok_or("add PATH [DOCS] [BATCH]")?;
            let (n, batch) = (arg(2, 10_000)?, arg(3, 10_000)?.max(1));
            let generator = Generator::new(SynthConfig::new().num_docs(n).seed(SEED + 2))?;
            let mut index = IndexFile::open_for_writing(path)?;
            let mut at = 0;
            while at < n {
                let end = (at + batch).min(n);
                let docs: Vec<(String, String)> = (at..end)
                    .map(|i| (format!("add-{i}"), generator.text(i)))
                    .collect();
                let segments_before = index.info().segments;
                let t = Instant::now();
                let cpu = process_cpu_secs();
                let verdicts = index.add_batch(docs)?;
                let secs = t.elapsed().as_secs_f64();
                let cpu = process_cpu_secs().zip(cpu).map(|(b, a)| b - a);
                let info = index.info();
                println!(
                    "add {at}..{end} to {} documents: {secs:.2} s ({:.2} s CPU), {} duplicates, {} segments{}",
                    info.documents - (end - at) as u64,
                    cpu.unwrap_or(f64::NAN),
                    verdicts.iter().filter(|v| v.is_duplicate()).count(),
                    info.segments,
                    if info.segments < segments_before + 1 {
                        ", folded"
                    } else {
                        ""
                    }
                );
                at = end;
            }
        }
        Some("remove") => {
            let path = args.get(1).ok_or("remove PATH [COUNT]")?;
            let count = arg(2, 10_000)?.max(1);
            let mut index = IndexFile::open_for_writing(path)?;
            let n = index.info().documents as usize;
            let generator = Generator::new(SynthConfig::new().num_docs(n).seed(SEED))?;
            let step = (n / count).max(1);
            let gone: Vec<usize> = (0..n).step_by(step).take(count).collect();
            let ids: Vec<String> = gone.iter().map(|&i| generator.article(i).id).collect();
            let t = Instant::now();
            let cpu = process_cpu_secs();
            let missing = index.remove(&ids)?;
            let cpu = process_cpu_secs().zip(cpu).map(|(b, a)| b - a);
            println!(
                "removed {} of {n} documents: {:.2} s ({:.2} s CPU), {} segments, {} ids missing",
                ids.len() - missing.len(),
                t.elapsed().as_secs_f64(),
                cpu.unwrap_or(f64::NAN),
                index.info().segments,
                missing.len()
            );
            // The removed articles' own texts: each paragraph that was
            // first seen in them answers with its earliest live copy, if any.
            let texts: Vec<String> = gone.iter().map(|&i| generator.text(i)).collect();
            let answers = |index: &IndexFile, label: &str| -> echodup::Result<Vec<echodup::Verdict>> {
                let t = Instant::now();
                let cpu = cpu_secs();
                let verdicts: Vec<echodup::Verdict> = texts
                    .iter()
                    .map(|text| index.query(text))
                    .collect::<echodup::Result<_>>()?;
                let (mut passages, mut found) = (0, 0);
                for v in &verdicts {
                    passages += v.passages().len();
                    found += v.passages().iter().filter(|p| p.duplicate_of.is_some()).count();
                }
                println!(
                    "{label}: {} queries in {:.2} s{}, {found} of {passages} passages found elsewhere",
                    texts.len(),
                    t.elapsed().as_secs_f64(),
                    match (cpu, cpu_secs()) {
                        (Some(a), Some(b)) =>
                            format!(" ({:.0} per CPU second)", texts.len() as f64 / (b - a)),
                        _ => String::new(),
                    }
                );
                Ok(verdicts)
            };
            let before = answers(&index, "query the removed texts")?;
            let t = Instant::now();
            let cpu = process_cpu_secs();
            index.optimize()?;
            let cpu = process_cpu_secs().zip(cpu).map(|(b, a)| b - a);
            println!(
                "optimize: {:.1} s ({:.1} s CPU), {:.1} MB on disk, peak RSS {}",
                t.elapsed().as_secs_f64(),
                cpu.unwrap_or(f64::NAN),
                index.info().size as f64 / 1e6,
                status("VmHWM:")
            );
            let after = answers(&index, "again, optimized")?;
            assert!(before == after, "optimize changed an answer");
            println!("the same answers before and after optimize");
        }
        Some("memory") => {
            let n = arg(1, 100_000)?;
            let generator = Generator::new(SynthConfig::new().num_docs(n).seed(SEED))?;
            let before = status("VmRSS:");
            let t = Instant::now();
            let mut index = DedupIndex::new(Config::new())?;
            for i in 0..n {
                index.add(&generator.text(i))?;
            }
            println!(
                "in-memory DedupIndex of {n} documents: {:.1} s; RSS before {before}, after {}",
                t.elapsed().as_secs_f64(),
                status("VmRSS:")
            );
        }
        _ => return Err(
            "usage: index_bench build PATH [DOCS] [BATCH] | open PATH [QUERIES] | add PATH [DOCS] [BATCH] | remove PATH [COUNT] | memory [DOCS]"
                .into(),
        ),
    }
    Ok(())
}
