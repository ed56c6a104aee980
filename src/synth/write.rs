//! Writing a generated corpus and its ground truth as JSON Lines.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use super::generator::{Generator, id};
use crate::corpus::DocId;
use crate::error::{Error, Result};
use crate::eval::{GroundTruth, write_json_line};

/// A line of `corpus.jsonl`.
#[derive(serde::Serialize)]
struct CorpusRecord<'a> {
    id: &'a str,
    text: &'a str,
}

/// The id of document `doc` in the written files.
fn doc_id(doc: DocId) -> String {
    id(doc.as_usize())
}

/// What writes one file of a generated corpus.
pub(super) type FileWriter<'a> = (&'a str, &'a dyn Fn(&mut dyn Write) -> io::Result<()>);

/// Creates `dir` if missing and writes each named file into it, buffered.
///
/// # Errors
///
/// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the folder or file that
/// failed.
pub(super) fn write_files(dir: &Path, files: &[FileWriter<'_>]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    for (name, f) in files {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).map_err(|e| Error::io("writing", &path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        f(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| Error::io("writing", &path, e))?;
    }
    Ok(())
}

impl Generator {
    /// Writes the corpus and its ground truth into `dir` (created if
    /// missing): `corpus.jsonl` (`{"id", "text"}` per article, streamed),
    /// `truth.jsonl`, `pairs.jsonl` (pairs with Jaccard ≥ 0.5, the semantics
    /// of the shared corpora) and `passages.jsonl`, in the formats that
    /// [`GroundTruth`]'s readers read. Returns the ground truth (with all
    /// pairs, also those below 0.5).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the file that failed.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<GroundTruth> {
        let dir = dir.as_ref();
        write_files(dir, &[("corpus.jsonl", &|w| self.write_corpus(w))])?;
        let truth = self.truth();
        write_files(
            dir,
            &[
                ("truth.jsonl", &|w| truth.write_clusters(w, doc_id)),
                ("pairs.jsonl", &|w| truth.write_pairs(w, 0.5, doc_id)),
                ("passages.jsonl", &|w| truth.write_passage_groups(w, doc_id)),
            ],
        )?;
        Ok(truth)
    }

    /// Writes every article as a JSON line `{"id": ..., "text": ...}`,
    /// generating batches in parallel and writing them in order.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_corpus(&self, w: &mut dyn Write) -> io::Result<()> {
        const BATCH: usize = 4_096;
        for start in (0..self.len()).step_by(BATCH) {
            let end = (start + BATCH).min(self.len());
            let texts: Vec<String> = (start..end).into_par_iter().map(|i| self.text(i)).collect();
            for (i, text) in (start..end).zip(texts) {
                let id = id(i);
                write_json_line(
                    w,
                    &CorpusRecord {
                        id: &id,
                        text: &text,
                    },
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::TruthPair;
    use crate::synth::generator::tests::generator;

    #[test]
    fn written_files_parse_and_match() {
        let dir = tempfile::tempdir().unwrap();
        let g = generator(400, 3);
        let truth = g.write_dir(dir.path()).unwrap();
        let read = |name: &str| -> Vec<serde_json::Value> {
            std::fs::read_to_string(dir.path().join(name))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        let corpus = read("corpus.jsonl");
        assert_eq!(corpus.len(), 400);
        for (i, line) in corpus.iter().enumerate() {
            assert_eq!(line["id"], id(i));
            assert_eq!(line["text"].as_str().unwrap(), g.text(i));
        }
        let raw = std::fs::read_to_string(dir.path().join("corpus.jsonl")).unwrap();
        assert!(raw.starts_with("{\"id\": \"synth/000000\", \"text\": \""));
        let pairs = read("pairs.jsonl");
        let raw = std::fs::read_to_string(dir.path().join("pairs.jsonl")).unwrap();
        let expected: Vec<&TruthPair> = truth.pairs().iter().filter(|p| p.jaccard >= 0.5).collect();
        assert_eq!(pairs.len(), expected.len());
        for ((line, p), text) in pairs.iter().zip(expected).zip(raw.lines()) {
            assert_eq!(line["a"], id(p.a.as_usize()));
            assert_eq!(line["b"], id(p.b.as_usize()));
            // serde_json's default float parsing is not exact; std's is.
            let x = text.rsplit(": ").next().unwrap().trim_end_matches('}');
            assert_eq!(x.parse::<f64>().unwrap(), p.jaccard);
        }
        assert_eq!(read("truth.jsonl").len(), truth.clusters().len());
        assert_eq!(read("passages.jsonl").len(), truth.passage_groups().len());
    }

    #[test]
    fn written_truth_reads_back_as_the_generated_truth() {
        let dir = tempfile::tempdir().unwrap();
        let g = generator(600, 12);
        let truth = g.write_dir(dir.path()).unwrap();
        let lookup = |s: &str| {
            let i: u32 = s.strip_prefix("synth/")?.parse().ok()?;
            (id(i as usize) == s).then_some(DocId::new(i))
        };
        let mut read = GroundTruth::default();
        read.read_pairs(dir.path().join("pairs.jsonl"), lookup)
            .unwrap();
        read.read_clusters(dir.path().join("truth.jsonl"), lookup)
            .unwrap();
        read.read_passage_groups(dir.path().join("passages.jsonl"), lookup)
            .unwrap();
        assert_eq!(read.clusters(), truth.clusters());
        assert_eq!(read.passage_groups(), truth.passage_groups());
        let expected: Vec<&TruthPair> = truth.pairs().iter().filter(|p| p.jaccard >= 0.5).collect();
        assert!(expected.len() > 50);
        assert_eq!(read.pairs().len(), expected.len());
        for (r, p) in read.pairs().iter().zip(expected) {
            // serde_json's default float parsing may be one unit off.
            assert!((r.a, r.b) == (p.a, p.b) && (r.jaccard - p.jaccard).abs() < 1e-15);
        }
    }
}
