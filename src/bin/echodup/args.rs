//! The arguments every command shares, and the one place where flags become
//! an [`echodup::Config`] ([`ConfigArgs::config`]) and
//! [`ReadOptions`] ([`ReadArgs::options`]).
//!
//! The library's configuration enums are read through their own text form
//! (`FromStr`, see [`text_form`]), so the command line accepts what the index
//! file, serde and the Python binding write.

use std::ffi::OsStr;
use std::marker::PhantomData;
use std::str::FromStr;

use anyhow::Context;
use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use echodup::io::ReadOptions;
use echodup::{
    Clustering, Config, DocumentBasis, KeepPolicy, Measure, Segmentation, Shingling, Verification,
};

/// A named starting configuration (`--preset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Preset {
    /// Scanned, OCR'd text: `Config::scanned()` (OCR folding, 6-glyph
    /// shingles, threshold 0.3, banding for noise, signature pre-filter,
    /// star clusters).
    Scanned,
}

/// The detection parameters shared by `find`, `dedup`, `explain`, `report`,
/// `eval` and `index create`.
#[derive(Args, Debug)]
pub(crate) struct ConfigArgs {
    /// Start from a preset; the other flags given change it. `scanned`: OCR
    /// output of printed pages (newspaper archives).
    #[arg(long, value_name = "NAME")]
    pub(crate) preset: Option<Preset>,
    /// Similarity at or above which two documents (and passages) are
    /// duplicates [default: 0.8; 0.3 with --preset scanned].
    #[arg(long, value_name = "T")]
    pub(crate) threshold: Option<f64>,
    /// Similarity for passages, if different from --threshold.
    #[arg(long, value_name = "T")]
    pub(crate) passage_threshold: Option<f64>,
    /// Words per shingle [default: 5].
    #[arg(long, value_name = "N", conflicts_with_all = ["char_shingles", "glyph_shingles"])]
    pub(crate) shingle_size: Option<usize>,
    /// Use shingles of N characters instead of words (text without spaces, OCR noise).
    #[arg(long, value_name = "N", conflicts_with = "glyph_shingles")]
    pub(crate) char_shingles: Option<usize>,
    /// Use shingles of N characters other than spaces, so that words split
    /// or run together by OCR do not matter [6 with --preset scanned].
    #[arg(long, value_name = "N")]
    pub(crate) glyph_shingles: Option<usize>,
    /// Fold characters that OCR confuses (0/o, 1/i/l, 5/s, 8/b, rn/m, vv/w,
    /// cl/d) before comparing [on with --preset scanned].
    #[arg(long)]
    pub(crate) fold_ocr: bool,
    /// How verified pairs become clusters: connected components, or star
    /// clusters in which every member is a duplicate of the centre (never
    /// chains) [default: components; star with --preset scanned].
    #[arg(long, value_parser = text_form::<Clustering>(Clustering::NAMES), value_name = "KIND")]
    pub(crate) clustering: Option<Clustering>,
    /// Check candidates on their signatures first and drop those that share
    /// too few slots; P is the largest probability of losing a true pair
    /// [1e-6 with --preset scanned; 0 turns it off].
    #[arg(long, value_name = "P")]
    pub(crate) signature_prefilter: Option<f64>,
    /// Jaccard similarity typical of unrelated documents: the banding is
    /// then chosen for the fewest candidates with at most 1% misses at the
    /// threshold [0.03 with --preset scanned].
    #[arg(long, value_name = "B")]
    pub(crate) background_similarity: Option<f64>,
    /// MinHash signature size.
    #[arg(long, default_value_t = 128, value_name = "N")]
    pub(crate) num_perm: usize,
    /// Compare by containment (one text inside the other) instead of Jaccard.
    #[arg(long)]
    pub(crate) containment: bool,
    /// How documents are cut into passages: read from the page (blank-line
    /// paragraphs, line paragraphs or hard-wrapped text, per block), at blank
    /// lines only, or at every line.
    #[arg(long, value_parser = text_form::<Segmentation>(Segmentation::NAMES),
          default_value = "auto")]
    pub(crate) paragraphs: Segmentation,
    /// Passages with fewer words (characters with --char-shingles) are not compared.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub(crate) min_passage_tokens: usize,
    /// What documents are compared on: their content (passages repeated
    /// around otherwise different documents, such as site chrome, left out)
    /// or their whole text. Pairs report both.
    /// [default: content; raw with --preset scanned]
    #[arg(long, value_parser = text_form::<DocumentBasis>(DocumentBasis::NAMES),
          value_name = "BASIS")]
    pub(crate) document_basis: Option<DocumentBasis>,
    /// Passages shared by fewer documents are never boilerplate.
    #[arg(long, default_value_t = echodup::DEFAULT_BOILERPLATE_MIN_DOCUMENTS, value_name = "N")]
    pub(crate) boilerplate_min_documents: usize,
}

impl ConfigArgs {
    /// The configuration these flags give: the only `Config::new()` of the
    /// binary. Commands refine it ([`Common::config`],
    /// [`IndexConfigArgs::config`], `eval`'s thresholds) but never start
    /// another.
    pub(crate) fn config(&self) -> Config {
        let mut config = match self.preset {
            None => Config::new(),
            Some(Preset::Scanned) => Config::scanned(),
        }
        .num_perm(self.num_perm)
        .min_passage_tokens(self.min_passage_tokens)
        .segmentation(self.paragraphs)
        .boilerplate_min_documents(self.boilerplate_min_documents);
        if let Some(basis) = self.document_basis {
            config = config.document_basis(basis);
        }
        if let Some(t) = self.threshold {
            config = config.threshold(t);
        }
        if let Some(n) = self.shingle_size {
            config = config.shingling(Shingling::Words(n));
        }
        if let Some(n) = self.char_shingles {
            config = config.shingling(Shingling::Chars(n));
        }
        if let Some(n) = self.glyph_shingles {
            config = config.shingling(Shingling::Glyphs(n));
        }
        if self.fold_ocr {
            let normalizer = config.get_normalizer().fold_ocr(true);
            config = config.normalizer(normalizer);
        }
        if let Some(c) = self.clustering {
            config = config.clustering(c);
        }
        if let Some(p) = self.signature_prefilter {
            config = config.signature_prefilter((p > 0.0).then_some(p));
        }
        if let Some(b) = self.background_similarity {
            config = config.background_similarity(b);
        }
        if self.containment {
            config = config.measure(Measure::Containment);
        }
        if let Some(t) = self.passage_threshold {
            config = config.passage_threshold(t);
        }
        config
    }
}

/// Options shared by `find`, `dedup`, `explain`, `report` and `eval`.
#[derive(Args, Debug)]
pub(crate) struct Common {
    #[command(flatten)]
    pub(crate) detection: ConfigArgs,
    /// Which document of a cluster is kept.
    #[arg(long, value_parser = text_form::<KeepPolicy>(KeepPolicy::NAMES),
          default_value = "first")]
    pub(crate) keep: KeepPolicy,
    #[command(flatten)]
    pub(crate) read: ReadArgs,
    #[command(flatten)]
    pub(crate) threads: Threads,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Folder of the temporary file where a large run keeps its band keys
    /// (past --key-memory of them; an unnamed file, removed when the run
    /// ends) [default: TMPDIR or /tmp].
    #[arg(long, value_name = "DIR")]
    pub(crate) temp_dir: Option<std::path::PathBuf>,
    /// Band keys a run holds in memory before it moves them to a temporary
    /// file in --temp-dir (128 bytes per document and passage; the results
    /// are the same either way): bytes, or with a suffix K, M, G (powers of
    /// 1024) [default: 16M, about 130,000 documents and passages].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) key_memory: Option<usize>,
    /// Shingle sets and tokens a run keeps from its first pass so that
    /// candidates need not be analyzed again (about 11 KB per news article),
    /// and also the most sets of candidates it holds at a time while
    /// verifying (0 keeps none: the least memory; the results are the same
    /// either way): bytes, or with a suffix K, M, G [default: 256M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) kept_set_memory: Option<usize>,
}

impl Common {
    /// The configuration of `find`, `dedup`, `explain`, `report` and `eval`.
    pub(crate) fn config(&self) -> Config {
        let mut config = self
            .detection
            .config()
            .keep(self.keep)
            .temp_dir(self.temp_dir.clone());
        if let Some(bytes) = self.key_memory {
            config = config.max_key_memory(bytes);
        }
        if let Some(bytes) = self.kept_set_memory {
            config = config.kept_set_bytes(bytes);
        }
        config
    }
}

/// The parameters of a new index (`index create`).
#[derive(Args, Debug)]
pub(crate) struct IndexConfigArgs {
    #[command(flatten)]
    pub(crate) detection: ConfigArgs,
    /// Estimate similarity from signatures instead of keeping shingle sets
    /// (a smaller index; pairs near the threshold may fall either side).
    #[arg(long)]
    pub(crate) estimate: bool,
    /// Index whole documents only, not passages.
    #[arg(long)]
    pub(crate) no_passages: bool,
}

impl IndexConfigArgs {
    /// The configuration stored in a new index.
    pub(crate) fn config(&self) -> Config {
        let config = self.detection.config().passages(!self.no_passages);
        if self.estimate {
            config.verification(Verification::Estimate)
        } else {
            config
        }
    }
}

/// A memory size: bytes, or a number with a suffix `K`, `M`, `G` or `T`
/// (powers of 1024; `KiB`, `MB` and lower case are read the same: a size
/// here is a budget, not an exact count), e.g. `512M`, `1.5G`.
pub(crate) fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("{text:?}: unknown unit (use bytes, K, M, G or T)")),
    };
    let value: f64 = number
        .replace('_', "")
        .parse()
        .map_err(|_| format!("{text:?}: not a size (a number of bytes, or e.g. 256M, 1.5G)"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes >= usize::MAX as f64 {
        return Err(format!("{text:?}: too large"));
    }
    Ok(bytes as usize)
}

/// How JSON records are read.
#[derive(Args, Debug)]
pub(crate) struct ReadArgs {
    /// Field holding a JSON record's id (a dotted path reaches into objects);
    /// empty: use FILE:LINE.
    #[arg(long, default_value = "id", value_name = "PATH")]
    pub(crate) id_field: String,
    /// Field holding a JSON record's text (a dotted path reaches into objects).
    #[arg(long, default_value = "text", value_name = "PATH")]
    pub(crate) text_field: String,
    /// Skip bad records instead of stopping.
    #[arg(long)]
    pub(crate) skip_invalid: bool,
}

impl ReadArgs {
    /// The read options these flags give; `keep_records` keeps each JSON
    /// record whole (to write it back with all its fields).
    pub(crate) fn options(&self, keep_records: bool) -> ReadOptions {
        ReadOptions::new()
            .text_field(&self.text_field)
            .id_field(Some(self.id_field.as_str()).filter(|f| !f.is_empty()))
            .skip_invalid(self.skip_invalid)
            .keep_records(keep_records)
    }
}

/// The most worker threads `--threads` accepts: starting thousands of
/// threads takes longer than any corpus needs (10,000 took 75 s), so a
/// larger value is a usage error, not a slow run. The Python binding has the
/// same limit.
const MAX_THREADS: i64 = 1024;

/// `--threads`.
#[derive(Args, Debug)]
pub(crate) struct Threads {
    /// Worker threads, 1 to 1024 (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Option<u16>,
}

impl Threads {
    /// Runs `work` on a pool of `--threads` workers, or on the default one.
    pub(crate) fn install<T: Send>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send,
    ) -> anyhow::Result<T> {
        match self.threads {
            // A local pool: the global one is never configured.
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n as usize)
                .build()
                .context("starting worker threads")?
                .install(work),
            None => work(),
        }
    }
}

/// An error that is the caller's (exit code 2).
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A value parser for a fraction between 0 and 1.
pub(crate) fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1"))
    }
}

/// A value parser for one of the library's configuration enums, through its
/// text form: `T::from_str` decides what is accepted (any case, `-` for
/// `_`), and `--help` and errors list `names` (`T::NAMES`) in the
/// command-line spelling (`blank-lines`).
pub(crate) fn text_form<T>(names: &'static [&'static str]) -> TextForm<T> {
    TextForm {
        names,
        value: PhantomData,
    }
}

/// See [`text_form`].
#[derive(Debug)]
pub(crate) struct TextForm<T> {
    names: &'static [&'static str],
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for TextForm<T> {
    fn clone(&self) -> Self {
        text_form(self.names)
    }
}

impl<T> TextForm<T> {
    fn names(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.names
            .iter()
            .map(|n| PossibleValue::new(n.replace('_', "-")))
    }
}

impl<T> TypedValueParser for TextForm<T>
where
    T: FromStr + Clone + Send + Sync + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        if let Some(v) = value.to_str().and_then(|s| s.parse().ok()) {
            return Ok(v);
        }
        // Not a name: clap's own parser of the names writes the usual error
        // (the possible values, a close match).
        match PossibleValuesParser::new(self.names()).parse_ref(cmd, arg, value) {
            Err(e) => Err(e),
            Ok(name) => Err(clap::Error::raw(
                ErrorKind::InvalidValue,
                format!("invalid value '{name}': listed but not read back (a bug)\n"),
            )
            .with_cmd(cmd)),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names()))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use echodup::{KeepPolicy, Level, Segmentation};

    use super::{parse_size, text_form};

    #[derive(Parser, Debug)]
    struct Flags {
        #[arg(long, value_parser = text_form::<Segmentation>(Segmentation::NAMES),
              default_value = "auto")]
        paragraphs: Segmentation,
        #[arg(long, value_parser = text_form::<Level>(Level::NAMES))]
        level: Option<Level>,
        #[arg(long, value_parser = text_form::<KeepPolicy>(KeepPolicy::NAMES))]
        keep: Option<KeepPolicy>,
    }

    fn parse(args: &[&str]) -> Result<Flags, clap::Error> {
        Flags::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
    }

    #[test]
    fn library_enums_read_their_text_form_and_the_command_line_spelling() {
        assert_eq!(parse(&[]).unwrap().paragraphs, Segmentation::Auto);
        for s in ["lines", "Lines"] {
            assert_eq!(
                parse(&["--paragraphs", s]).unwrap().paragraphs,
                Segmentation::Lines
            );
        }
        for s in ["blank-lines", "blank_lines"] {
            assert_eq!(
                parse(&["--paragraphs", s]).unwrap().paragraphs,
                Segmentation::BlankLines
            );
        }
        assert_eq!(
            parse(&["--level", "passage"]).unwrap().level,
            Some(Level::Passage)
        );
        assert_eq!(
            parse(&["--keep", "longest"]).unwrap().keep,
            Some(KeepPolicy::Longest)
        );
    }

    #[test]
    fn unknown_names_list_the_command_line_spelling() {
        let e = parse(&["--paragraphs", "blank"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
        let text = e.to_string();
        assert!(
            text.contains("[possible values: auto, blank-lines, lines]"),
            "{text}"
        );
    }

    #[test]
    fn sizes_read_bytes_and_binary_suffixes() {
        for (text, bytes) in [
            ("0", 0),
            ("4096", 4096),
            ("1_000", 1000),
            ("16M", 16 << 20),
            ("16 MiB", 16 << 20),
            ("256m", 256 << 20),
            ("1.5G", 3 << 29),
            ("2k", 2048),
            ("1T", 1 << 40),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for bad in ["", "M", "-1", "12Q", "1e400", "99999999999T", "one"] {
            let e = parse_size(bad).unwrap_err();
            assert!(e.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
    }
}
