//! End-to-end benchmark on a generated corpus: one command, every number.
//!
//! Generates a synthetic news corpus with planted duplicates and ground truth
//! (`echodup::synth`), then runs the default [`Deduplicator`] over it and
//! prints: articles, MB of text, wall and CPU time of one full [`Deduplicator::run`]
//! and its peak RSS (VmHWM from `/proc/self/status`, reset before the run) and
//! bytes of it per article, then the same work in two timed stages (analysis
//! with [`Analyzer`] over all documents, then [`Deduplicator::run_analyzed`]),
//! MB/s and articles/s, bytes of sketches per document and passage, document
//! pairs, and recall and precision of document pairs at Jaccard ≥ 0.8 against
//! the generator's planted pairs. Generation and ground truth are timed on
//! their own and excluded from the pipeline times.
//!
//! Run it with:
//!
//! ```text
//! cargo run --release --features tools --example bench_corpus -- --docs 100000 [--threads N] [--seed S] [--write DIR]
//! ```
//!
//! `--pages` generates a page-shaped corpus instead
//! ([`PageGenerator`](echodup::synth::PageGenerator): site chrome, three
//! layouts, syndication across sites, re-sends, doubled scrapes; `--sites N`
//! and `--briefs X` set the number of sites and the share of two-paragraph
//! briefs) and also prints, at the default threshold, how many syndicated
//! and re-send truth clusters were found whole, split or missed, the
//! reported pairs between pages of different stories, and how many doubled
//! scrapes are reported as a repeated block covering their whole body.
//!
//! `--threshold T` sets the threshold of the run (default: the default
//! `Config`'s). `--max-key-memory BYTES` and `--kept-set-bytes BYTES` set
//! [`Config::max_key_memory`] and [`Config::kept_set_bytes`] (`max`: no
//! limit), to see what spilling band keys and keeping sets cost. `--repeat
//! N` runs `run` N more times in the same process and prints their times:
//! the later runs reuse memory the first one touched. `--threads` sets the size of the rayon pool everything runs in (default:
//! all cores). `--write DIR` also writes `corpus.jsonl`, `truth.jsonl`,
//! `pairs.jsonl` and `passages.jsonl` there. `--no-stages` skips the timed
//! two-stage run, which holds every analysis in memory (about 15 KB per
//! article), for the largest corpora.

use std::collections::HashSet;
use std::time::Instant;

use echodup::eval::{self, ClusterOutcome, GroundTruth};
use echodup::synth::{Generator, PageConfig, PageGenerator, PassageKind, SynthConfig};
use echodup::{AnalyzedDocument, Analyzer, Config, Deduplicator, DocId, DocumentBasis, Report};
use rayon::prelude::*;

struct Args {
    docs: usize,
    threads: usize,
    seed: u64,
    write: Option<String>,
    stages: bool,
    pages: bool,
    sites: usize,
    briefs: f64,
    heavy_chrome: bool,
    basis: DocumentBasis,
    cut: Option<f64>,
    edited: Option<f64>,
    threshold: Option<f64>,
    max_key_memory: Option<usize>,
    kept_set_bytes: Option<usize>,
    repeat: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: bench_corpus [--docs N] [--threads N] [--seed S] [--write DIR] [--no-stages]\n\
         \x20                   [--threshold T] [--pages [--sites N] [--briefs X] [--heavy-chrome]\n\
         \x20                   [--cut X] [--edited X]] [--document-basis content|raw]\n\
         \x20                   [--max-key-memory BYTES|max] [--kept-set-bytes BYTES|max] [--repeat N]\n\
         defaults: --docs 10000, --threads all cores, --seed 42, --sites 6, --briefs 0.4"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        docs: 10_000,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        seed: 42,
        write: None,
        stages: true,
        pages: false,
        sites: 6,
        briefs: 0.4,
        heavy_chrome: false,
        basis: DocumentBasis::Content,
        cut: None,
        edited: None,
        threshold: None,
        max_key_memory: None,
        kept_set_bytes: None,
        repeat: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        let number = |v: String| -> u64 { v.replace('_', "").parse().unwrap_or_else(|_| usage()) };
        let bytes = |v: String| -> usize {
            if v == "max" {
                usize::MAX
            } else {
                number(v) as usize
            }
        };
        match flag.as_str() {
            "--docs" => args.docs = number(value()) as usize,
            "--threads" => args.threads = number(value()) as usize,
            "--seed" => args.seed = number(value()),
            "--write" => args.write = Some(value()),
            "--no-stages" => args.stages = false,
            "--pages" => args.pages = true,
            "--threshold" => args.threshold = Some(value().parse().unwrap_or_else(|_| usage())),
            "--sites" => args.sites = number(value()) as usize,
            "--briefs" => args.briefs = value().parse().unwrap_or_else(|_| usage()),
            "--heavy-chrome" => args.heavy_chrome = true,
            "--document-basis" => {
                args.basis = value().parse().unwrap_or_else(|_| usage());
            }
            "--cut" => args.cut = Some(value().parse().unwrap_or_else(|_| usage())),
            "--max-key-memory" => args.max_key_memory = Some(bytes(value())),
            "--kept-set-bytes" => args.kept_set_bytes = Some(bytes(value())),
            "--repeat" => args.repeat = number(value()) as usize,
            "--edited" => args.edited = Some(value().parse().unwrap_or_else(|_| usage())),
            "-h" | "--help" => usage(),
            _ => {
                eprintln!("unknown argument {flag}");
                usage()
            }
        }
    }
    if args.threads == 0 {
        usage()
    }
    args
}

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`); 0 if unknown.
fn proc_status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// CPU seconds (user and system, every thread) the process has used so
/// far, from `/proc/self/stat` (in clock ticks of 10 ms); NaN if unknown.
/// On a loaded machine the CPU time of a phase says more than its wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    // utime and stime are fields 14 and 15 of the whole line.
    match (fields.get(11), fields.get(12)) {
        (Some(u), Some(s)) => match (u.parse::<f64>(), s.parse::<f64>()) {
            (Ok(u), Ok(s)) => (u + s) / 100.0,
            _ => f64::NAN,
        },
        _ => f64::NAN,
    }
}

/// Resets VmHWM to the current RSS (Linux 4.0 and later); false if refused.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> Result<(), echodup::Error> {
    let args = parse_args();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .expect("a rayon pool");
    pool.install(|| run(&args))
}

fn run(args: &Args) -> Result<(), echodup::Error> {
    let (generator, pages) = if args.pages {
        let config = PageConfig::new()
            .num_pages(args.docs)
            .seed(args.seed)
            .sites(args.sites)
            .briefs(args.briefs)
            .heavy_chrome(args.heavy_chrome);
        let config = match args.cut {
            Some(x) => config.cut(x),
            None => config,
        };
        let config = match args.edited {
            Some(x) => config.edited(x),
            None => config,
        };
        (None, Some(PageGenerator::new(config)?))
    } else {
        let config = SynthConfig::new().num_docs(args.docs).seed(args.seed);
        (Some(Generator::new(config)?), None)
    };

    // Not part of the pipeline: generation and ground truth.
    let t = Instant::now();
    let docs: Vec<String> = match (&generator, &pages) {
        (Some(g), _) => g.texts(),
        (_, Some(p)) => p.texts(),
        _ => unreachable!("one generator"),
    };
    let generate_s = t.elapsed().as_secs_f64();
    let bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();
    let mb = bytes as f64 / 1e6;
    let t = Instant::now();
    let truth: GroundTruth = match (&generator, &pages, &args.write) {
        (Some(g), _, Some(dir)) => g.write_dir(dir)?,
        (Some(g), _, None) => g.truth(),
        (_, Some(p), Some(dir)) => p.write_dir(dir)?,
        (_, Some(p), None) => p.truth(),
        _ => unreachable!("one generator"),
    };
    let truth_s = t.elapsed().as_secs_f64();
    let rss_before = proc_status_bytes("VmRSS");
    let hwm_before = proc_status_bytes("VmHWM");
    let reset = reset_peak_rss();

    let config = match args.threshold {
        Some(t) => Config::new().threshold(t),
        None => Config::new(),
    }
    .document_basis(args.basis);
    let config = match args.max_key_memory {
        Some(b) => config.max_key_memory(b),
        None => config,
    };
    let config = match args.kept_set_bytes {
        Some(b) => config.kept_set_bytes(b),
        None => config,
    };
    let dedup = Deduplicator::new(config.clone())?;
    let analyzer = Analyzer::new(&config)?;

    // The end-to-end run first, so that its peak RSS is its own.
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let report = dedup.run(&docs)?;
    let (run_s, run_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let peak = proc_status_bytes("VmHWM");
    // The same run again in the same process: memory the first run touched
    // and freed is reused, so the difference is what first touches cost.
    for r in 0..args.repeat {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let again = dedup.run(&docs)?;
        let (wall, used) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        println!(
            "run again ({})         {wall:.2} s; {used:.2} s CPU ({:.0} MB per CPU-s)",
            r + 1,
            mb / used
        );
        assert_eq!(again.stats(), report.stats(), "a second run disagrees");
    }

    // Then the same work in two timed stages (holding every analysis, about
    // 15 KB per article: skip it with --no-stages for the largest corpora).
    let (mut analyze_s, mut rest_s) = (f64::NAN, f64::NAN);
    let (mut analyze_cpu, mut rest_cpu) = (f64::NAN, f64::NAN);
    if args.stages {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let analyzed: Vec<AnalyzedDocument> =
            docs.par_iter().map(|d| analyzer.analyze(d)).collect();
        (analyze_s, analyze_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let staged = dedup.run_analyzed(&analyzed)?;
        (rest_s, rest_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        drop(analyzed);
        // `run_analyzed` has no text to sample for the noise check.
        let mut expected = report.stats().clone();
        expected.noise = staged.stats().noise;
        assert_eq!(&expected, staged.stats(), "run and run_analyzed disagree");
    }

    // Quality against the planted pairs at J >= 0.8.
    let planted: HashSet<(u32, u32)> = truth
        .pairs()
        .iter()
        .filter(|p| p.jaccard >= 0.8)
        .map(|p| (p.a.as_u32(), p.b.as_u32()))
        .collect();
    let true_positives = report
        .document_pairs()
        .filter(|p| planted.contains(&(p.a.as_u32(), p.b.as_u32())))
        .count();
    let recall = true_positives as f64 / planted.len().max(1) as f64;
    let found = report.num_document_pairs();
    let precision = true_positives as f64 / found.max(1) as f64;

    let n = docs.len() as f64;
    let s = report.stats();
    println!("echodup end-to-end benchmark (synthetic corpus, default Config)");
    println!(
        "threads               {} (rayon pool; machine has {})",
        args.threads,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("articles              {}", docs.len());
    println!(
        "text                  {mb:.1} MB ({:.0} bytes/article)",
        bytes as f64 / n
    );
    println!("passages              {}", s.passages);
    println!(
        "generate (excluded)   {generate_s:.2} s ({:.0} MB/s)",
        mb / generate_s
    );
    println!(
        "ground truth (excl.)  {truth_s:.2} s ({} planted pairs, {} at J >= 0.8{})",
        truth.pairs().len(),
        planted.len(),
        if args.write.is_some() {
            ", files written"
        } else {
            ""
        }
    );
    if args.stages {
        println!(
            "analyze               {analyze_s:.2} s ({:.0} MB/s); {analyze_cpu:.2} s CPU ({:.0} MB per CPU-s)",
            mb / analyze_s,
            mb / analyze_cpu
        );
        println!(
            "run_analyzed          {rest_s:.2} s ({:.0} MB/s); {rest_cpu:.2} s CPU ({:.0} MB per CPU-s)",
            mb / rest_s,
            mb / rest_cpu
        );
        println!(
            "  sum of stages       {:.2} s ({:.0} MB/s, {:.0} articles/s); {:.2} s CPU ({:.0} MB per CPU-s)",
            analyze_s + rest_s,
            mb / (analyze_s + rest_s),
            n / (analyze_s + rest_s),
            analyze_cpu + rest_cpu,
            mb / (analyze_cpu + rest_cpu)
        );
    }
    println!(
        "run (end to end)      {run_s:.2} s ({:.0} MB/s, {:.0} articles/s, {:.1} MB/s per thread); {run_cpu:.2} s CPU ({:.0} MB per CPU-s)",
        mb / run_s,
        n / run_s,
        mb / run_s / args.threads as f64,
        mb / run_cpu
    );
    if reset {
        println!(
            "peak RSS, run         {:.0} MiB ({:.0} bytes/article; corpus text and ground truth held: {:.0} MiB before)",
            mib(peak),
            peak as f64 / n,
            mib(rss_before)
        );
        println!(
            "peak RSS, whole run   {:.0} MiB (includes generation)",
            mib(hwm_before.max(peak))
        );
    } else {
        println!(
            "peak RSS, whole run   {:.0} MiB ({:.0} bytes/article; includes generation, {:.0} MiB before the pipeline)",
            mib(peak),
            peak as f64 / n,
            mib(rss_before)
        );
    }
    let items = s.documents - s.empty_documents + s.compared_passages;
    println!(
        "sketches              {:.0} MiB in memory for {items} documents and passages ({:.0} bytes each), {:.0} MiB of band keys spilled",
        mib(s.sketch_bytes as u64),
        s.sketch_bytes as f64 / items.max(1) as f64,
        mib(s.spilled_bytes)
    );
    println!(
        "candidates            {} document, {} passage",
        s.document_candidates, s.passage_candidates
    );
    println!(
        "found                 {} document pairs, {} clusters, {} passage clusters, {} repeats",
        found, s.document_clusters, s.passage_clusters, s.repeats
    );
    println!(
        "quality at J >= 0.8   recall {:.4} ({true_positives} of {}), precision {:.4} ({} found pairs not planted)",
        recall,
        planted.len(),
        precision,
        found - true_positives
    );
    if let Some(pages) = &pages {
        page_quality(pages, &truth, &report);
    }
    Ok(())
}

/// Content-level quality on a page corpus: truth clusters found, pairs
/// between different stories, doubled scrapes reported as repeated blocks.
fn page_quality(pages: &PageGenerator, truth: &GroundTruth, report: &Report) {
    for kind in ["syndicated", "resend"] {
        let mut counts = [0usize; 3];
        for c in truth.clusters().iter().filter(|c| c.kind == kind) {
            counts[match eval::cluster_outcome(report, &c.members) {
                ClusterOutcome::Found => 0,
                ClusterOutcome::Split => 1,
                ClusterOutcome::Missed => 2,
            }] += 1;
        }
        println!(
            "{kind:<21} {} truth clusters: {} found, {} split, {} missed",
            counts.iter().sum::<usize>(),
            counts[0],
            counts[1],
            counts[2]
        );
    }
    let other = report
        .document_pairs()
        .filter(|p| pages.story(p.a) != pages.story(p.b))
        .count();
    println!("other stories         {other} reported pairs of pages of different stories");
    // Content level: every pair of pages of one story is a duplicate.
    let same = report.num_document_pairs() - other;
    println!(
        "same-story pairs      recall {:.4} ({same} of {}), precision {:.4}",
        same as f64 / truth.pairs().len().max(1) as f64,
        truth.pairs().len(),
        same as f64 / report.num_document_pairs().max(1) as f64
    );
    // Repeat groups per doubled page: one per body paragraph.
    let mut body = vec![0u32; pages.len()];
    for g in truth.passage_groups() {
        if g.kind == PassageKind::Repeat.as_str() {
            let mut docs: Vec<DocId> = g.members.iter().map(|m| m.doc).collect();
            docs.dedup();
            for d in docs {
                if pages.is_doubled(d) {
                    body[d.as_usize()] += 1;
                }
            }
        }
    }
    let doubled: Vec<usize> = (0..pages.len())
        .filter(|&i| pages.is_doubled(DocId::new(i as u32)))
        .collect();
    let mut whole = vec![false; pages.len()];
    let mut any = vec![false; pages.len()];
    for b in report.repeated_blocks() {
        let d = b.doc.as_usize();
        any[d] = true;
        if b.len() as u32 >= body[d] && body[d] > 0 {
            whole[d] = true;
        }
    }
    println!(
        "doubled scrapes       {}: {} reported as one repeated block of the whole body, {} with some repeated block",
        doubled.len(),
        doubled.iter().filter(|&&i| whole[i]).count(),
        doubled.iter().filter(|&&i| any[i]).count()
    );
}
