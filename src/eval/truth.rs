//! Ground truth: [`GroundTruth`] and its parts ([`TruthPair`],
//! [`TruthCluster`], [`TruthPassageGroup`]), and the JSON Lines files that
//! hold them.
//!
//! This is the one representation of ground truth in the crate:
//! [`synth::Generator::truth`](crate::synth::Generator::truth) makes one,
//! the `write_*` methods write it in the formats of the shared evaluation
//! corpora, the `read_*` methods read those files (the generator's and the
//! shared corpora's alike), and the metrics of [`eval`](super) take its
//! parts. Writers and readers go through the same serde records, so what is
//! written is what is read.

use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use super::jsonl::{read_records, write_json_line};
use crate::corpus::{DocId, PassageId};
use crate::error::{Error, Result};

/// A ground-truth document pair: `a < b` and their similarity as the truth
/// defines it (for the shared corpora, exact Jaccard over word 5-shingles
/// of their own normalization).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TruthPair {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Similarity as given by the truth.
    pub jaccard: f64,
}

/// A ground-truth cluster of documents (a line of `truth.jsonl`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthCluster {
    /// The cluster's name (`"cluster"`; `"line N"` when absent).
    pub name: String,
    /// Its kind (`"kind"`; empty when absent): `"exact-normalized"`,
    /// `"crosspost-message-id"` in the shared corpora,
    /// [`Kind::as_str`](crate::synth::Kind::as_str) in generated ones.
    pub kind: String,
    /// Its members, in file order (for generated corpora, the source first).
    pub members: Vec<DocId>,
}

/// A group of passages that should form one passage cluster (a line of
/// `passages.jsonl`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthPassageGroup {
    /// The group's name (`"group"`; `"line N"` when absent).
    pub name: String,
    /// What the group is (`"kind"`; empty when absent):
    /// [`PassageKind::as_str`](crate::synth::PassageKind::as_str) for
    /// generated corpora (`"repeat"`, `"copy"`, `"boilerplate"`).
    pub kind: String,
    /// The passages (positions as
    /// [`Segmenter`](crate::segment::Segmenter) counts them), in input order.
    pub members: Vec<PassageId>,
}

/// What is known about the duplicates of a corpus: document pairs with
/// their similarity, clusters of documents, and groups of identical
/// passages. Any part may be empty.
///
/// Documents are named by their position in the corpus ([`DocId`]); the
/// files name them by id, so reading takes a `lookup` from id to position
/// and writing a function from position to id.
///
/// # Files
///
/// One JSON object per line, blank lines ignored, extra keys ignored, in the
/// layout of the shared evaluation corpora (`{"a": ..., "b": ...}`):
///
/// - pairs (`pairs.jsonl`): `{"a": id, "b": id, "jaccard": x}`;
/// - clusters (`truth.jsonl`): `{"cluster": name, "ids": [id, ...],
///   "kind": kind}`, `kind` optional, a non-string name read as its JSON
///   text;
/// - passage groups (`passages.jsonl`): `{"group": name, "kind": kind,
///   "members": [{"id": id, "passage": i}, ...]}`.
///
/// # Example
///
/// ```
/// use echodup::DocId;
/// use echodup::eval::{GroundTruth, TruthPair};
///
/// let truth = GroundTruth::new(
///     vec![TruthPair { a: DocId::new(0), b: DocId::new(2), jaccard: 0.75 }],
///     Vec::new(),
///     Vec::new(),
/// );
/// let mut file = Vec::new();
/// truth.write_pairs(&mut file, 0.5, |d| format!("doc{d}"))?;
/// assert_eq!(file, b"{\"a\": \"doc0\", \"b\": \"doc2\", \"jaccard\": 0.75}\n");
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("pairs.jsonl");
/// std::fs::write(&path, &file)?;
/// let mut read = GroundTruth::default();
/// read.read_pairs(&path, |id| id.strip_prefix("doc")?.parse().ok().map(DocId::new))?;
/// assert_eq!(read, truth);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroundTruth {
    pairs: Vec<TruthPair>,
    clusters: Vec<TruthCluster>,
    passage_groups: Vec<TruthPassageGroup>,
}

impl GroundTruth {
    /// Ground truth of these parts.
    pub fn new(
        pairs: Vec<TruthPair>,
        clusters: Vec<TruthCluster>,
        passage_groups: Vec<TruthPassageGroup>,
    ) -> Self {
        GroundTruth {
            pairs,
            clusters,
            passage_groups,
        }
    }

    /// The document pairs.
    pub fn pairs(&self) -> &[TruthPair] {
        &self.pairs
    }

    /// The document clusters.
    pub fn clusters(&self) -> &[TruthCluster] {
        &self.clusters
    }

    /// The passage groups.
    pub fn passage_groups(&self) -> &[TruthPassageGroup] {
        &self.passage_groups
    }

    /// Reads pairs, one `{"a": id, "b": id, "jaccard": x}` per line (the
    /// shared corpora's `pairs.jsonl`), and appends them, with `a < b`, in
    /// file order. `lookup` maps a document id to its position in the
    /// corpus (e.g. [`Corpus::find`](crate::io::Corpus::find)).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) if the file cannot be read;
    /// [`ErrorKind::Parse`](crate::ErrorKind::Parse) naming the file and line
    /// for invalid JSON, a missing or mistyped field, an unknown id, a pair
    /// of a document with itself, or a similarity outside [0, 1]. Nothing is
    /// appended then.
    pub fn read_pairs<F: Fn(&str) -> Option<DocId>>(
        &mut self,
        path: impl AsRef<Path>,
        lookup: F,
    ) -> Result<()> {
        let path = path.as_ref();
        let mut out = Vec::new();
        read_records(path, "truth pair", |r: PairRecord, line| {
            let a = doc(&r.a, "a", &lookup, path, line)?;
            let b = doc(&r.b, "b", &lookup, path, line)?;
            if !(0.0..=1.0).contains(&r.jaccard) {
                return Err(Error::parse(
                    path,
                    line,
                    format!("jaccard {} is not in [0, 1]", r.jaccard),
                ));
            }
            if a == b {
                return Err(Error::parse(path, line, "a pair of a document with itself"));
            }
            out.push(TruthPair {
                a: a.min(b),
                b: a.max(b),
                jaccard: r.jaccard,
            });
            Ok(())
        })?;
        self.pairs.extend(out);
        Ok(())
    }

    /// Reads clusters, one `{"cluster": name, "ids": [...], "kind": kind}`
    /// per line (`truth.jsonl`; `kind` may be absent), and appends them.
    ///
    /// # Errors
    ///
    /// As [`read_pairs`](Self::read_pairs), and a cluster of fewer than two
    /// ids.
    pub fn read_clusters<F: Fn(&str) -> Option<DocId>>(
        &mut self,
        path: impl AsRef<Path>,
        lookup: F,
    ) -> Result<()> {
        let path = path.as_ref();
        let mut out = Vec::new();
        read_records(path, "truth cluster", |r: ClusterRecord, line| {
            let members = r
                .ids
                .iter()
                .map(|id| doc(id, "ids", &lookup, path, line))
                .collect::<Result<Vec<_>>>()?;
            if members.len() < 2 {
                return Err(Error::parse(path, line, "a cluster needs two or more ids"));
            }
            out.push(TruthCluster {
                name: r.cluster.unwrap_or_else(|| format!("line {line}")),
                kind: r.kind,
                members,
            });
            Ok(())
        })?;
        self.clusters.extend(out);
        Ok(())
    }

    /// Reads passage groups, one `{"group": name, "kind": kind, "members":
    /// [{"id": id, "passage": i}, ...]}` per line (the `passages.jsonl` of
    /// [`synth`](crate::synth)), and appends them.
    ///
    /// # Errors
    ///
    /// As [`read_pairs`](Self::read_pairs), and a member without a
    /// non-negative integer `"passage"` below 2³².
    pub fn read_passage_groups<F: Fn(&str) -> Option<DocId>>(
        &mut self,
        path: impl AsRef<Path>,
        lookup: F,
    ) -> Result<()> {
        let path = path.as_ref();
        let mut out = Vec::new();
        read_records(path, "passage group", |r: PassageGroupRecord, line| {
            let members = r
                .members
                .iter()
                .map(|m| {
                    Ok(PassageId::new(
                        doc(&m.id, "id", &lookup, path, line)?,
                        m.passage,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            out.push(TruthPassageGroup {
                name: r.group.unwrap_or_else(|| format!("line {line}")),
                kind: r.kind,
                members,
            });
            Ok(())
        })?;
        self.passage_groups.extend(out);
        Ok(())
    }

    /// Writes the pairs with similarity at least `min_jaccard` as
    /// `pairs.jsonl`, naming documents with `id`. The similarity is written
    /// in full (shortest round-trip form), so it equals a recomputation.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_pairs(
        &self,
        w: &mut dyn Write,
        min_jaccard: f64,
        id: impl Fn(DocId) -> String,
    ) -> io::Result<()> {
        for p in self.pairs.iter().filter(|p| p.jaccard >= min_jaccard) {
            let record = PairRecord {
                a: id(p.a),
                b: id(p.b),
                jaccard: p.jaccard,
            };
            write_json_line(w, &record)?;
        }
        Ok(())
    }

    /// Writes the clusters as `truth.jsonl`, naming documents with `id`
    /// (`kind` is left out where empty).
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_clusters(
        &self,
        w: &mut dyn Write,
        id: impl Fn(DocId) -> String,
    ) -> io::Result<()> {
        for c in &self.clusters {
            let record = ClusterRecord {
                cluster: Some(c.name.clone()),
                ids: c.members.iter().map(|&d| id(d)).collect(),
                kind: c.kind.clone(),
            };
            write_json_line(w, &record)?;
        }
        Ok(())
    }

    /// Writes the passage groups as `passages.jsonl`, naming documents with
    /// `id` (`kind` is left out where empty).
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_passage_groups(
        &self,
        w: &mut dyn Write,
        id: impl Fn(DocId) -> String,
    ) -> io::Result<()> {
        for g in &self.passage_groups {
            let record = PassageGroupRecord {
                group: Some(g.name.clone()),
                kind: g.kind.clone(),
                members: g
                    .members
                    .iter()
                    .map(|m| MemberRecord {
                        id: id(m.doc),
                        passage: m.index,
                    })
                    .collect(),
            };
            write_json_line(w, &record)?;
        }
        Ok(())
    }
}

// ---- the records of the files ----

/// A line of `pairs.jsonl`.
#[derive(Serialize, Deserialize)]
struct PairRecord {
    a: String,
    b: String,
    jaccard: f64,
}

/// A line of `truth.jsonl`.
#[derive(Serialize, Deserialize)]
struct ClusterRecord {
    #[serde(
        default,
        deserialize_with = "any_name",
        skip_serializing_if = "Option::is_none"
    )]
    cluster: Option<String>,
    ids: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    kind: String,
}

/// A line of `passages.jsonl`.
#[derive(Serialize, Deserialize)]
struct PassageGroupRecord {
    #[serde(
        default,
        deserialize_with = "any_name",
        skip_serializing_if = "Option::is_none"
    )]
    group: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    kind: String,
    members: Vec<MemberRecord>,
}

/// A member of a passage group.
#[derive(Serialize, Deserialize)]
struct MemberRecord {
    id: String,
    passage: u32,
}

/// A name given as any JSON value: a string as itself, anything else as its
/// JSON text (`7`, `null`).
fn any_name<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Some(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }))
}

/// The position of document `id` (from field `field`).
fn doc<F: Fn(&str) -> Option<DocId>>(
    id: &str,
    field: &str,
    lookup: &F,
    path: &Path,
    line: u64,
) -> Result<DocId> {
    lookup(id).ok_or_else(|| {
        Error::parse(
            path,
            line,
            format!("field \"{field}\": unknown document id {id:?}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn d(i: u32) -> DocId {
        DocId::new(i)
    }

    fn lookup(id: &str) -> Option<DocId> {
        id.strip_prefix("doc")
            .and_then(|n| n.parse().ok())
            .map(DocId::new)
    }

    fn name(d: DocId) -> String {
        format!("doc{d}")
    }

    #[test]
    fn what_is_written_reads_back() {
        let truth = GroundTruth::new(
            vec![
                TruthPair {
                    a: d(0),
                    b: d(3),
                    jaccard: 0.5,
                },
                TruthPair {
                    a: d(1),
                    b: d(2),
                    jaccard: 0.25,
                },
            ],
            vec![
                TruthCluster {
                    name: "c\"1".into(),
                    kind: "exact".into(),
                    members: vec![d(0), d(3)],
                },
                TruthCluster {
                    name: "c2".into(),
                    kind: String::new(),
                    members: vec![d(1), d(2), d(4)],
                },
            ],
            vec![TruthPassageGroup {
                name: "g0".into(),
                kind: "copy".into(),
                members: vec![PassageId::new(d(0), 2), PassageId::new(d(4), 1)],
            }],
        );
        let dir = tempfile::tempdir().unwrap();
        let file = |n: &str| dir.path().join(n);
        let mut buf = Vec::new();
        truth.write_pairs(&mut buf, 0.0, name).unwrap();
        std::fs::write(file("pairs.jsonl"), &buf).unwrap();
        buf.clear();
        truth.write_clusters(&mut buf, name).unwrap();
        assert!(
            String::from_utf8_lossy(&buf)
                .ends_with("{\"cluster\": \"c2\", \"ids\": [\"doc1\", \"doc2\", \"doc4\"]}\n")
        );
        std::fs::write(file("truth.jsonl"), &buf).unwrap();
        buf.clear();
        truth.write_passage_groups(&mut buf, name).unwrap();
        assert_eq!(
            buf,
            b"{\"group\": \"g0\", \"kind\": \"copy\", \"members\": [{\"id\": \"doc0\", \"passage\": 2}, {\"id\": \"doc4\", \"passage\": 1}]}\n"
        );
        std::fs::write(file("passages.jsonl"), &buf).unwrap();
        let mut read = GroundTruth::default();
        read.read_pairs(file("pairs.jsonl"), lookup).unwrap();
        read.read_clusters(file("truth.jsonl"), lookup).unwrap();
        read.read_passage_groups(file("passages.jsonl"), lookup)
            .unwrap();
        assert_eq!(read, truth);
        // Filtered pairs.
        buf.clear();
        truth.write_pairs(&mut buf, 0.3, name).unwrap();
        assert_eq!(
            buf,
            b"{\"a\": \"doc0\", \"b\": \"doc3\", \"jaccard\": 0.5}\n"
        );
    }

    #[test]
    fn readers_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let read_pairs = |p: &Path| {
            let mut t = GroundTruth::default();
            t.read_pairs(p, lookup).map(|()| t.pairs)
        };
        let p = dir.path().join("pairs.jsonl");
        std::fs::write(&p, "{\"a\": \"doc3\", \"b\": \"doc1\", \"jaccard\": 0.75}\n\n{\"a\": \"doc1\", \"b\": \"x\", \"jaccard\": 1}\n").unwrap();
        let e = read_pairs(&p).unwrap_err();
        assert_eq!((e.kind(), e.line()), (ErrorKind::Parse, Some(3)));
        assert!(
            e.to_string().contains("pairs.jsonl:3") && e.to_string().contains("\"x\""),
            "{e}"
        );
        std::fs::write(
            &p,
            "{\"a\": \"doc3\", \"b\": \"doc1\", \"jaccard\": 0.75, \"extra\": true}\n",
        )
        .unwrap();
        assert_eq!(
            read_pairs(&p).unwrap(),
            vec![TruthPair {
                a: d(1),
                b: d(3),
                jaccard: 0.75
            }]
        );
        std::fs::write(&p, "{\"a\": \"doc3\", \"b\": \"doc1\"}\n").unwrap();
        let e = read_pairs(&p).unwrap_err();
        assert!(e.to_string().contains("missing field `jaccard`"), "{e}");
        std::fs::write(&p, "{\"a\": \"doc3\", \"b\": \"doc1\", \"jaccard\": 1.5}\n").unwrap();
        assert!(
            read_pairs(&p)
                .unwrap_err()
                .to_string()
                .contains("not in [0, 1]")
        );
        std::fs::write(&p, "{\"a\": \"doc3\", \"b\": \"doc3\", \"jaccard\": 1}\n").unwrap();
        assert!(read_pairs(&p).unwrap_err().to_string().contains("itself"));
        std::fs::write(&p, "[1]\n").unwrap();
        let e = read_pairs(&p).unwrap_err();
        assert_eq!(e.line(), Some(1));
        assert!(e.to_string().contains("not a truth pair"), "{e}");
        std::fs::write(&p, "{\"a\": \n").unwrap();
        let e = read_pairs(&p).unwrap_err();
        assert!(e.to_string().contains("invalid JSON"), "{e}");
        // A failed read appends nothing.
        let mut t = GroundTruth::default();
        assert!(t.read_pairs(&p, lookup).is_err());
        assert!(t.pairs().is_empty());

        let c = dir.path().join("truth.jsonl");
        std::fs::write(&c, "{\"cluster\": \"c1\", \"ids\": [\"doc0\", \"doc2\"], \"kind\": \"exact\"}\n{\"cluster\": 7, \"ids\": [\"doc0\"]}\n").unwrap();
        let mut t = GroundTruth::default();
        let e = t.read_clusters(&c, lookup).unwrap_err();
        assert_eq!(e.line(), Some(2));
        std::fs::write(
            &c,
            "{\"cluster\": \"c1\", \"ids\": [\"doc0\", \"doc2\"], \"kind\": \"exact\"}\n{\"cluster\": 7, \"ids\": [\"doc1\", \"doc3\"]}\n{\"ids\": [\"doc4\", \"doc5\"]}\n",
        )
        .unwrap();
        t.read_clusters(&c, lookup).unwrap();
        let names: Vec<(&str, &str, &[DocId])> = t
            .clusters()
            .iter()
            .map(|c| (c.name.as_str(), c.kind.as_str(), c.members.as_slice()))
            .collect();
        assert_eq!(
            names,
            [
                ("c1", "exact", &[d(0), d(2)][..]),
                ("7", "", &[d(1), d(3)][..]),
                ("line 3", "", &[d(4), d(5)][..])
            ]
        );

        let g = dir.path().join("passages.jsonl");
        std::fs::write(&g, "{\"group\": \"g0\", \"kind\": \"copy\", \"members\": [{\"id\": \"doc0\", \"passage\": 2}, {\"id\": \"doc4\", \"passage\": 1}]}\n{\"group\": \"g1\", \"members\": [{\"id\": \"doc0\", \"passage\": -1}]}\n").unwrap();
        let mut t = GroundTruth::default();
        let e = t.read_passage_groups(&g, lookup).unwrap_err();
        assert!(
            e.to_string().contains("passages.jsonl:2") && e.to_string().contains("-1"),
            "{e}"
        );
        std::fs::write(&g, "{\"group\": \"g0\", \"kind\": \"copy\", \"members\": [{\"id\": \"doc0\", \"passage\": 2}, {\"id\": \"doc4\", \"passage\": 1}]}\n").unwrap();
        t.read_passage_groups(&g, lookup).unwrap();
        assert_eq!(
            t.passage_groups()[0].members,
            vec![PassageId::new(d(0), 2), PassageId::new(d(4), 1)]
        );
        let e = t
            .read_pairs(dir.path().join("none.jsonl"), lookup)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
    }
}
