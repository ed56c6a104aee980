//! Shared helpers: reading the shared evaluation corpora.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

/// The folder of shared corpora, if present (`../shared/data` beside the
/// checkout, or `ECHODUP_SHARED_DATA`).
pub(crate) fn shared_data() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("ECHODUP_SHARED_DATA") {
        return Some(PathBuf::from(p)).filter(|p| p.is_dir());
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    p.is_dir().then_some(p)
}

/// Returns the shared data folder or prints why the calling test is skipped.
pub(crate) fn shared_data_or_skip(test: &str) -> Option<PathBuf> {
    let d = shared_data();
    if d.is_none() {
        eprintln!("SKIPPED {test}: ../shared/data is absent (set ECHODUP_SHARED_DATA to run it)");
    }
    d
}

/// A document of a shared corpus.
pub(crate) struct Doc {
    pub(crate) id: String,
    pub(crate) text: String,
}

/// Reads a gzipped JSONL corpus of `{"id", "text"}` objects.
pub(crate) fn read_corpus(path: &std::path::Path) -> Vec<Doc> {
    let f = std::fs::File::open(path).expect("open corpus");
    let r = BufReader::new(flate2::read::GzDecoder::new(f));
    r.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.expect("read line")).expect("json");
            Doc {
                id: v["id"].as_str().expect("id").to_string(),
                text: v["text"].as_str().expect("text").to_string(),
            }
        })
        .collect()
}

/// Reads `{"a", "b", "jaccard"}` pairs.
pub(crate) fn read_pairs(path: &std::path::Path) -> Vec<(String, String, f64)> {
    std::fs::read_to_string(path)
        .expect("read pairs")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            (
                v["a"].as_str().unwrap().to_string(),
                v["b"].as_str().unwrap().to_string(),
                v["jaccard"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// Reads `{"cluster", "ids", "kind"}` clusters as (kind, ids).
pub(crate) fn read_clusters(path: &std::path::Path) -> Vec<(String, Vec<String>)> {
    std::fs::read_to_string(path)
        .expect("read truth")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let ids = v["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect();
            (v["kind"].as_str().unwrap_or("").to_string(), ids)
        })
        .collect()
}

/// Position of each id.
pub(crate) fn positions(docs: &[Doc]) -> HashMap<&str, u32> {
    docs.iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i as u32))
        .collect()
}
