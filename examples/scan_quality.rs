//! Quality and speed on scanned newspaper reprints: one command, the tables
//! of docs/QUALITY.md ("Scanned reprints") and docs/BENCHMARKS.md.
//!
//! Generates a scanned-reprint corpus ([`ScanGenerator`]: wire stories
//! reprinted by several papers with new headlines and cuts, laid out in
//! 30–45 character columns with hyphenation, then OCR-damaged) at each
//! damage rate, runs each named configuration over it in a rayon pool of
//! `--threads` threads, and prints per rate and configuration: the adjusted
//! Rand index of the run's document clusters against the truth clusters
//! (one per story; digests and stories printed once are singletons),
//! clusters found whole, reported pairs, candidate pairs (before the
//! signature pre-filter), and the wall time and CPU time (user + system of
//! the whole process, from `/proc/self/stat`, Linux only) of
//! [`Deduplicator::run`] (the best of `--repeat` runs).
//!
//! ```text
//! cargo run --release --features tools --example scan_quality -- \
//!     [--stories 1100] [--damage 0,0.01,0.02,0.05,0.1,0.12] [--seed 1] [--threads 1] \
//!     [--configs preset,words,chars5] [--repeat 1] [--write DIR] [--sample]
//! ```
//!
//! Configurations (`--configs`, comma-separated): `default` (word
//! 5-shingles at 0.8), `words` (word 5-shingles at 0.3), `chars5` (character
//! 5-shingles at 0.3: the best setting before the preset), `chars5-0.5`,
//! `chars5-0.8`, `chars5-containment` (character 5-shingles, containment
//! 0.4, connected components), `preset` ([`Config::scanned`]) and
//! `preset-T` (the preset at threshold T), `preset-components` (the preset
//! with connected components instead of its clustering), `preset-exact`
//! (without the signature pre-filter), `preset-containment` (the preset
//! with containment 0.5) and `preset-containment-components` (the same with
//! connected components). `--write DIR` writes the corpus of
//! the first rate there; `--sample` prints its first document.

use std::time::Instant;

use echodup::eval::{adjusted_rand_index, cluster_labels};
use echodup::synth::{ScanConfig, ScanGenerator};
use echodup::{Clustering, Config, Deduplicator, DocId, Measure, Shingling};

struct Args {
    stories: usize,
    damage: Vec<f64>,
    seed: u64,
    threads: usize,
    configs: Vec<String>,
    repeat: usize,
    write: Option<String>,
    sample: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: scan_quality [--stories N] [--damage R,..] [--seed S] [--threads N]\n\
         \x20                   [--configs NAME,..] [--repeat N] [--write DIR] [--sample]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        stories: 1_100,
        damage: vec![0.0, 0.01, 0.02, 0.05, 0.1, 0.12],
        seed: 1,
        threads: 1,
        configs: vec!["preset".into()],
        repeat: 1,
        write: None,
        sample: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--stories" => a.stories = value().parse().unwrap_or_else(|_| usage()),
            "--damage" => {
                a.damage = value()
                    .split(',')
                    .map(|x| x.parse().unwrap_or_else(|_| usage()))
                    .collect()
            }
            "--seed" => a.seed = value().parse().unwrap_or_else(|_| usage()),
            "--threads" => a.threads = value().parse().unwrap_or_else(|_| usage()),
            "--configs" => a.configs = value().split(',').map(str::to_string).collect(),
            "--repeat" => a.repeat = value().parse().unwrap_or_else(|_| usage()),
            "--write" => a.write = Some(value()),
            "--sample" => a.sample = true,
            _ => usage(),
        }
    }
    a
}

/// User + system CPU seconds of this process so far (0 where
/// `/proc/self/stat` is missing). Clock ticks of 1/100 s.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    (tick(11) + tick(12)) / 100.0
}

fn config(name: &str) -> Option<Config> {
    let chars = |t: f64| Config::new().shingling(Shingling::Chars(5)).threshold(t);
    Some(match name {
        "default" => Config::new(),
        "words" => Config::new().threshold(0.3),
        "chars5" => chars(0.3),
        "chars5-0.5" => chars(0.5),
        "chars5-0.8" => chars(0.8),
        "chars5-containment" => chars(0.4).measure(Measure::Containment),
        "preset" => Config::scanned(),
        "preset-components" => Config::scanned().clustering(Clustering::Components),
        "preset-exact" => Config::scanned().signature_prefilter(None),
        "preset-containment" => Config::scanned()
            .measure(Measure::Containment)
            .threshold(0.5),
        "preset-containment-components" => Config::scanned()
            .measure(Measure::Containment)
            .threshold(0.5)
            .clustering(Clustering::Components),
        _ => {
            let t: f64 = name.strip_prefix("preset-")?.parse().ok()?;
            Config::scanned().threshold(t)
        }
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args();
    for name in &args.configs {
        if config(name).is_none() {
            eprintln!("unknown configuration {name:?}");
            usage();
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()?;
    println!(
        "| damaged words | configuration | ARI | truth clusters found whole | reported pairs | candidates | wall (s) | CPU (s) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (k, &damage) in args.damage.iter().enumerate() {
        let g = ScanGenerator::new(
            ScanConfig::new()
                .num_stories(args.stories)
                .damage(damage)
                .seed(args.seed),
        )?;
        if k == 0 {
            if let Some(dir) = &args.write {
                g.write_dir(dir)?;
            }
            if args.sample {
                eprintln!("{}\n----", g.text(0));
            }
        }
        let texts = g.texts();
        let truth = g.truth();
        let n = texts.len();
        let truth_labels = cluster_labels(n, truth.clusters().iter().map(|c| c.members.clone()));
        for name in &args.configs {
            let dedup = Deduplicator::new(config(name).expect("checked"))?;
            let (mut best, mut best_cpu) = (f64::INFINITY, f64::INFINITY);
            let mut report = None;
            for _ in 0..args.repeat.max(1) {
                let (start, cpu) = (Instant::now(), cpu_seconds());
                let r = pool.install(|| dedup.run(&texts))?;
                best = best.min(start.elapsed().as_secs_f64());
                best_cpu = best_cpu.min(cpu_seconds() - cpu);
                report = Some(r);
            }
            let report = report.expect("ran once");
            let labels = cluster_labels(n, report.clusters().iter().map(|c| c.members().to_vec()));
            let ari = adjusted_rand_index(&truth_labels, &labels);
            let whole = truth
                .clusters()
                .iter()
                .filter(|c| {
                    let first = report.clusters().cluster_of(c.members[0]);
                    first.is_some()
                        && c.members
                            .iter()
                            .all(|&m: &DocId| report.clusters().cluster_of(m) == first)
                        && report.clusters()[first.expect("some")].len() == c.members.len()
                })
                .count();
            println!(
                "| {:.0}% | {name} | {ari:.3} | {whole} of {} | {} | {} | {best:.2} | {best_cpu:.2} |",
                damage * 100.0,
                truth.clusters().len(),
                report.num_document_pairs(),
                report.stats().document_candidates,
            );
        }
    }
    Ok(())
}
