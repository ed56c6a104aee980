//! A corpus larger than memory, streamed from disk through
//! [`Deduplicator::run_fetched`]: the run holds the sketches, not the texts.
//!
//! Two steps, so that the corpus is generated once and run many times:
//!
//! ```text
//! cargo run --release --features tools --example stream_corpus -- write DIR --docs 3000000 [--seed S]
//! cargo run --release --features tools --example stream_corpus -- run DIR [--threads N] [--max-key-memory BYTES] [--temp-dir D]
//! ```
//!
//! `write` generates the synthetic news corpus of `bench_corpus`
//! ([`Generator`], in parallel chunks; the same texts for the same seed) into
//! `DIR/texts.zst` (each text a zstd frame of its own, one after the other,
//! about 3.6 KB of text an article before compression) and
//! `DIR/offsets.bin` (`docs + 1` little-endian `u64` byte offsets of the
//! frames).
//!
//! `run` loads the offsets (8 bytes an article), then runs the default
//! [`Config`] with each text read from `texts.zst` by a positioned read and
//! decompressed when the run asks for it (once to sketch, again only for candidates), and
//! prints the time, the peak RSS of the run above what was held before it
//! (VmHWM of `/proc/self/status`, reset before the run), the sketch bytes per
//! item in memory and those spilled to disk
//! ([`Config::max_key_memory`]), the candidates and what was found.
//! Delete `DIR` afterwards.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use echodup::synth::{Generator, SynthConfig};
use echodup::{Config, Deduplicator, DocId};
use rayon::prelude::*;

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn usage() -> ! {
    eprintln!(
        "usage: stream_corpus write DIR [--docs N] [--seed S]\n\
         \x20      stream_corpus run DIR [--threads N] [--max-key-memory BYTES] [--temp-dir D]\n\
         defaults: --docs 1000000, --seed 42, --threads all cores"
    );
    std::process::exit(2)
}

fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| usage());
    let dir = PathBuf::from(args.next().unwrap_or_else(|| usage()));
    let (mut docs, mut seed, mut threads) = (1_000_000usize, 42u64, 0usize);
    let mut config = Config::new();
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        let number = || -> u64 { value.replace('_', "").parse().unwrap_or_else(|_| usage()) };
        match flag.as_str() {
            "--docs" => docs = number() as usize,
            "--seed" => seed = number(),
            "--threads" => threads = number() as usize,
            "--max-key-memory" => config = config.max_key_memory(number() as usize),
            "--temp-dir" => config = config.temp_dir(Some(PathBuf::from(&value))),
            _ => usage(),
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    pool.install(|| match command.as_str() {
        "write" => write(&dir, docs, seed),
        "run" => run(&dir, config),
        _ => usage(),
    })
}

/// Generates `docs` articles into `dir/texts.bin` and `dir/offsets.bin`.
fn write(dir: &Path, docs: usize, seed: u64) -> Result<(), Failure> {
    let t = Instant::now();
    let generator = Generator::new(SynthConfig::new().num_docs(docs).seed(seed))?;
    std::fs::create_dir_all(dir)?;
    let mut texts = BufWriter::new(File::create(dir.join("texts.zst"))?);
    let mut offsets = BufWriter::new(File::create(dir.join("offsets.bin"))?);
    let (mut at, mut raw) = (0u64, 0u64);
    offsets.write_all(&at.to_le_bytes())?;
    const CHUNK: usize = 20_000;
    for start in (0..docs).step_by(CHUNK) {
        let chunk: Vec<(usize, std::io::Result<Vec<u8>>)> = (start..(start + CHUNK).min(docs))
            .into_par_iter()
            .map(|i| {
                let text = generator.text(i);
                (text.len(), zstd::bulk::compress(text.as_bytes(), 3))
            })
            .collect();
        for (len, text) in chunk {
            let text = text?;
            texts.write_all(&text)?;
            at += text.len() as u64;
            offsets.write_all(&at.to_le_bytes())?;
            raw += len as u64;
        }
    }
    texts.flush()?;
    offsets.flush()?;
    println!(
        "wrote {docs} articles, {:.1} MB of text ({:.1} MB compressed), in {:.1} s to {}",
        raw as f64 / 1e6,
        at as f64 / 1e6,
        t.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}

/// Texts read from `texts.bin` by positioned reads.
struct Texts {
    file: File,
    offsets: Vec<u64>,
}

impl Texts {
    fn open(dir: &Path) -> std::io::Result<Texts> {
        let bytes = std::fs::read(dir.join("offsets.bin"))?;
        let offsets = bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        Ok(Texts {
            file: File::open(dir.join("texts.zst"))?,
            offsets,
        })
    }

    fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    fn get(&self, d: DocId) -> String {
        let (start, end) = (self.offsets[d.as_usize()], self.offsets[d.as_usize() + 1]);
        let mut buf = vec![0u8; (end - start) as usize];
        read_at(&self.file, &mut buf, start).expect("texts.zst is readable");
        // One decompression context per thread: making one for every text
        // (`zstd::decode_all`) cost a fifth of the run's CPU at 300k articles.
        thread_local! {
            static DECODER: std::cell::RefCell<zstd::bulk::Decompressor<'static>> =
                std::cell::RefCell::new(zstd::bulk::Decompressor::new().expect("a zstd context"));
        }
        let size = zstd::zstd_safe::get_frame_content_size(&buf)
            .ok()
            .flatten()
            .expect("each frame of texts.zst records its size");
        let text = DECODER
            .with_borrow_mut(|d| d.decompress(&buf, size as usize))
            .expect("texts.zst holds zstd frames");
        String::from_utf8(text).expect("texts.zst holds UTF-8 texts")
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file.try_clone()?;
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(buf)
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

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn run(dir: &Path, config: Config) -> Result<(), Failure> {
    let texts = Texts::open(dir)?;
    let n = texts.len();
    let stored = texts.offsets.last().copied().unwrap_or(0);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let dedup = Deduplicator::new(config)?;
    let before = proc_status_bytes("VmRSS");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let t = Instant::now();
    let report = dedup.run_fetched(
        n,
        |d| texts.get(d),
        |len| {
            bytes.fetch_add(len as u64, std::sync::atomic::Ordering::Relaxed);
        },
    )?;
    let bytes = bytes.into_inner();
    let run_s = t.elapsed().as_secs_f64();
    let peak = proc_status_bytes("VmHWM");
    let s = report.stats();
    let items = s.documents - s.empty_documents + s.compared_passages;
    println!("echodup run_fetched, texts streamed from {}", dir.display());
    println!("threads               {}", rayon::current_num_threads());
    println!(
        "articles              {n} ({:.1} MB of text, {:.1} MB on disk, {} passages)",
        bytes as f64 / 1e6,
        stored as f64 / 1e6,
        s.passages
    );
    println!(
        "run_fetched           {run_s:.1} s ({:.1} MB/s)",
        bytes as f64 / 1e6 / run_s
    );
    if reset {
        println!(
            "peak RSS, run         {:.0} MiB ({:.0} MiB added by the run, {:.0} bytes/article; {:.0} MiB before: offsets and binary)",
            mib(peak),
            mib(peak.saturating_sub(before)),
            peak.saturating_sub(before) as f64 / n.max(1) as f64,
            mib(before)
        );
    } else {
        println!("peak RSS              {:.0} MiB (whole process)", mib(peak));
    }
    println!(
        "sketches              {:.0} MiB in memory for {items} documents and passages ({:.1} bytes each), {:.0} MiB of band keys spilled",
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
        report.num_document_pairs(),
        s.document_clusters,
        s.passage_clusters,
        s.repeats
    );
    Ok(())
}
