//! Kernels for the Spark job (`echodup.spark`): band rows out of a sketch
//! batch, and the candidate pairs and identity links of the `(band, key)`
//! buckets that one shuffle partition holds, and the verification of the
//! pairs whose two shingle sets a shuffle by pair gathered. Columnar bytes in and out
//! (native-endian i64), so that a `mapInArrow` task hands whole Arrow
//! buffers over and gets whole buffers back.

use echodup::{Deduplicator, Level, Similarity, Verifier};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

use crate::{
    OrRaise, PyConfig, TextColumn, check_fingerprint, column_bytes, parse_level, set_similarity,
    with_threads,
};

/// An i64 column of native-endian bytes; `what` names it in the error.
fn i64s(what: &str, raw: &[u8]) -> PyResult<Vec<i64>> {
    if !raw.len().is_multiple_of(8) {
        return Err(PyValueError::new_err(format!(
            "{what}: {} bytes is not a whole number of int64 values",
            raw.len()
        )));
    }
    Ok(raw
        .chunks_exact(8)
        .map(|c| i64::from_ne_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

/// Columns of equal length, or a `ValueError` naming the first that is not.
fn same_lengths(columns: &[(&str, usize)]) -> PyResult<()> {
    let (first, n) = columns[0];
    for &(what, len) in &columns[1..] {
        if len != n {
            return Err(PyValueError::new_err(format!(
                "{what}: {len} values, but {first} has {n}"
            )));
        }
    }
    Ok(())
}

/// Bytes of one band row in a blob: `bk`, `fp_hi`, `fp_lo`, `node`, each a
/// native-endian i64.
const ROW: usize = 32;

/// The part (`0..parts`) that a band key's rows go to: a multiplicative
/// hash of `bk`, so that the rows of one bucket always meet.
fn part_of(bk: i64, parts: usize) -> usize {
    let mixed = (bk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((mixed >> 32) % parts as u64) as usize
}

/// The band rows of a batch of items, packed by part: one row per item and
/// band, `bk` = band << 32 | the band's 32-bit key (as unsigned), with the
/// item's set fingerprint (`fp_hi`, `fp_lo`) and node, written as
/// [`ROW`]-byte records into one blob per part (`part_of(bk)`; parts
/// without rows left out). `keys` holds `bands` int32 keys per item (the
/// `keys` column of `sketch_buffers`). A shuffle of a few large blobs by
/// part, instead of `bands` rows per item, spares the engine its per-row
/// costs. Returns `(parts, offsets, data)`: the part of each blob (i64),
/// and the blobs as a large_binary column (i64 offsets, data).
#[pyfunction]
pub(crate) fn band_rows<'py>(
    py: Python<'py>,
    keys: &[u8],
    bands: usize,
    fp_hi: &[u8],
    fp_lo: &[u8],
    nodes: &[u8],
    parts: usize,
) -> PyResult<[Bound<'py, PyBytes>; 3]> {
    let hi = i64s("fp_hi", fp_hi)?;
    let lo = i64s("fp_lo", fp_lo)?;
    let node = i64s("nodes", nodes)?;
    same_lengths(&[
        ("nodes", node.len()),
        ("fp_hi", hi.len()),
        ("fp_lo", lo.len()),
    ])?;
    if bands == 0 || keys.len() != node.len() * bands * 4 {
        return Err(PyValueError::new_err(format!(
            "keys: {} bytes, expected {} int32 keys per item for {} items",
            keys.len(),
            bands,
            node.len()
        )));
    }
    if parts == 0 {
        return Err(PyValueError::new_err("parts must be at least 1"));
    }
    let mut blobs: Vec<Vec<u8>> = vec![Vec::new(); parts];
    for (i, item_keys) in keys.chunks_exact(bands * 4).enumerate() {
        for (band, k) in item_keys.chunks_exact(4).enumerate() {
            let key = u32::from_ne_bytes(k.try_into().expect("4 bytes"));
            let bk = ((band as i64) << 32) | i64::from(key);
            let blob = &mut blobs[part_of(bk, parts)];
            for v in [bk, hi[i], lo[i], node[i]] {
                blob.extend_from_slice(&v.to_ne_bytes());
            }
        }
    }
    let mut part_ids: Vec<i64> = Vec::new();
    let mut offsets: Vec<i64> = vec![0];
    let mut data: Vec<u8> = Vec::with_capacity(node.len() * bands * ROW);
    for (p, blob) in blobs.iter().enumerate() {
        if !blob.is_empty() {
            part_ids.push(p as i64);
            data.extend_from_slice(blob);
            offsets.push(data.len() as i64);
        }
    }
    Ok([
        column_bytes(py, &part_ids, i64::to_ne_bytes)?,
        column_bytes(py, &offsets, i64::to_ne_bytes)?,
        PyBytes::new(py, &data),
    ])
}

/// `(a, b, kind, items)`: i64, i64 and u8 columns (kind 0: a candidate
/// pair; 1: an identity link of `b` to the first member `a` of its group of
/// identical sets), and the number of items (rows in band 0).
type PairColumns<'py> = (
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    u64,
);

/// The candidate pairs and identity links of the buckets in blobs of band
/// rows (a binary column of [`band_rows`] blobs), as the library forms
/// them: rows with equal `bk` are a bucket; its members are taken in
/// content order (the set fingerprint as an unsigned 128-bit number, then
/// the node) and one member is kept per shingle set (the first: the set's
/// smallest node, since identical sets share every bucket). A bucket of at
/// most `max_bucket` kept members gives all their pairs; a larger one the
/// star (each with the first) and chain (each with its predecessor) pairs.
/// In band 0, every other member of a run of equal fingerprints is linked
/// to the run's first member (each item has one row in band 0, so every
/// group of identical sets is one run there). Pairs are `(a, b)` with
/// `a < b`, each once in the output (sorted); identity links follow them.
///
/// Every row of a bucket must be in the call (a shuffle by part puts them
/// in one partition); pairs found in several buckets of the call come out
/// once, but a pair may also come from another partition.
#[pyfunction]
pub(crate) fn bucket_pairs<'py>(
    py: Python<'py>,
    offsets: &[u8],
    width: usize,
    data: &[u8],
    max_bucket: usize,
) -> PyResult<PairColumns<'py>> {
    let blobs = TextColumn::new("blobs", offsets, width, data)?;
    let (mut bk, mut hi, mut lo, mut node) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..blobs.len() {
        let blob = blobs.bytes("blobs", i).map_err(PyValueError::new_err)?;
        if !blob.len().is_multiple_of(ROW) {
            return Err(PyValueError::new_err(format!(
                "blobs row {i}: {} bytes is not a whole number of band rows",
                blob.len()
            )));
        }
        for r in blob.chunks_exact(ROW) {
            let v = |k: usize| i64::from_ne_bytes(r[k * 8..k * 8 + 8].try_into().expect("8 bytes"));
            bk.push(v(0));
            hi.push(v(1));
            lo.push(v(2));
            node.push(v(3));
        }
    }
    if u32::try_from(bk.len()).is_err() {
        return Err(PyValueError::new_err(format!(
            "{} band rows in one call, more than 2^32 - 1 (use more shuffle partitions)",
            bk.len()
        )));
    }
    let items = bk.iter().filter(|&&k| k >> 32 == 0).count() as u64;
    let max_bucket = max_bucket.max(2);
    let (pairs, identity) = py.detach(|| {
        let mut order: Vec<u32> = (0..bk.len() as u32).collect();
        let content = |i: u32| {
            let i = i as usize;
            (bk[i], hi[i] as u64, lo[i] as u64, node[i])
        };
        order.sort_unstable_by_key(|&i| content(i));
        let mut pairs: Vec<(i64, i64)> = Vec::new();
        let mut identity: Vec<(i64, i64)> = Vec::new();
        let mut kept: Vec<i64> = Vec::new();
        let mut start = 0;
        while start < order.len() {
            let key = bk[order[start] as usize];
            let mut end = start + 1;
            while end < order.len() && bk[order[end] as usize] == key {
                end += 1;
            }
            kept.clear();
            let mut run_first = 0i64;
            for (x, &i) in order[start..end].iter().enumerate() {
                let i = i as usize;
                let new_set = x == 0 || {
                    let p = order[start + x - 1] as usize;
                    hi[p] != hi[i] || lo[p] != lo[i]
                };
                if new_set {
                    kept.push(node[i]);
                    run_first = node[i];
                } else if key >> 32 == 0 && node[i] != run_first {
                    identity.push((run_first, node[i]));
                }
            }
            let pair = |x: i64, y: i64| (x.min(y), x.max(y));
            let m = kept.len();
            if m <= max_bucket {
                for x in 0..m {
                    for y in x + 1..m {
                        pairs.push(pair(kept[x], kept[y]));
                    }
                }
            } else {
                for y in 1..m {
                    pairs.push(pair(kept[0], kept[y]));
                    if y > 1 {
                        pairs.push(pair(kept[y - 1], kept[y]));
                    }
                }
            }
            start = end;
        }
        pairs.sort_unstable();
        pairs.dedup();
        (pairs, identity)
    });
    let a: Vec<i64> = pairs.iter().chain(&identity).map(|p| p.0).collect();
    let b: Vec<i64> = pairs.iter().chain(&identity).map(|p| p.1).collect();
    let mut kind = vec![0u8; pairs.len()];
    kind.resize(pairs.len() + identity.len(), 1);
    Ok((
        column_bytes(py, &a, i64::to_ne_bytes)?,
        column_bytes(py, &b, i64::to_ne_bytes)?,
        PyBytes::new(py, &kind),
        items,
    ))
}

/// The verified pairs among `(group, other, node, set)` rows that a
/// shuffle by `group` gathered: per group, one row with `other == node ==
/// group` and the group node's shingle set, and one row per candidate pair
/// `(group, other)` with `node == other` and the other node's set (`set` an
/// Arrow-style binary column of `set_buffers` sets). So a node in many
/// pairs sends its set once to its group, not once per pair. Each pair is
/// verified as the batch run verifies a candidate (exact similarity, or the
/// signature estimate in estimate mode); returns the pairs that match, as
/// `(a, b, jaccard, containment_ab, containment_ba)` columns (i64, i64, and
/// f64 bytes) with `a < b` (the similarity columns oriented so), in
/// `(group, other)` order. A group without its own row is an error.
#[pyfunction]
#[pyo3(signature = (group, other, nodes, set_offsets, set_width, set_data, config, level, expected_fingerprint = None, threads = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_incidences<'py>(
    py: Python<'py>,
    group: &[u8],
    other: &[u8],
    nodes: &[u8],
    set_offsets: &[u8],
    set_width: usize,
    set_data: &[u8],
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
) -> PyResult<[Bound<'py, PyBytes>; 5]> {
    let passages = parse_level(level)?;
    check_fingerprint(py, &config.inner, expected_fingerprint)?;
    let g = i64s("group", group)?;
    let o = i64s("other", other)?;
    let node = i64s("nodes", nodes)?;
    let sets = TextColumn::new("sets", set_offsets, set_width, set_data)?;
    same_lengths(&[
        ("group", g.len()),
        ("other", o.len()),
        ("nodes", node.len()),
        ("sets", sets.len()),
    ])?;
    // Each group's own row first, then its pairs.
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_unstable_by_key(|&i| (g[i], o[i] != g[i], o[i]));
    // (row of the group's set, row of the other's set) per pair.
    let mut sides = Vec::new();
    let mut own: Option<usize> = None;
    for &i in &order {
        if o[i] == g[i] {
            if node[i] != g[i] {
                return Err(PyValueError::new_err(format!(
                    "group {}: its own row holds the set of node {}",
                    g[i], node[i]
                )));
            }
            own = Some(i);
            continue;
        }
        match own {
            Some(x) if g[x] == g[i] && node[i] == o[i] => sides.push((x, i)),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "pair ({}, {}): its two shingle sets are not both present",
                    g[i], o[i]
                )));
            }
        }
    }
    let dedup = Deduplicator::new(config.inner.clone()).or_raise(py)?;
    let verifier = dedup.verifier(if passages {
        Level::Passage
    } else {
        Level::Document
    });
    let sims: Vec<(i64, i64, Similarity)> = py
        .detach(|| {
            with_threads(threads, || {
                sides
                    .par_iter()
                    .map(|&(x, y)| {
                        let sx = sets.set("sets", x)?;
                        let sy = sets.set("sets", y)?;
                        // Oriented as (a, b) with a < b.
                        Ok(if g[x] < o[y] {
                            (g[x], o[y], set_similarity(&dedup, verifier, &sx, &sy))
                        } else {
                            (o[y], g[x], set_similarity(&dedup, verifier, &sy, &sx))
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()
            })
        })?
        .map_err(PyValueError::new_err)?;
    accepted_pair_columns(py, &sims, verifier)
}

/// The verified pairs among the candidate pairs `(a[i], b[i])`, given the
/// shingle set of every node they name once (`nodes[j]` has the set in row
/// `j` of the binary column; `set_buffers` sets): what the driver does
/// when the sets of the pairs' ends were collected there. Each set is read
/// once, each pair verified as the batch run verifies a candidate (exact
/// similarity, or the signature estimate in estimate mode). Returns the
/// pairs that match, in input order, as `(a, b, jaccard, containment_ab,
/// containment_ba)` columns (i64, i64, and f64 bytes) with `a < b` (the
/// similarity columns oriented so). A node named by a pair but without a
/// set, or with two, is an error.
#[pyfunction]
#[pyo3(signature = (a, b, nodes, set_offsets, set_width, set_data, config, level, expected_fingerprint = None, threads = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_node_pairs<'py>(
    py: Python<'py>,
    a: &[u8],
    b: &[u8],
    nodes: &[u8],
    set_offsets: &[u8],
    set_width: usize,
    set_data: &[u8],
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
) -> PyResult<[Bound<'py, PyBytes>; 5]> {
    let passages = parse_level(level)?;
    check_fingerprint(py, &config.inner, expected_fingerprint)?;
    let a = i64s("a", a)?;
    let b = i64s("b", b)?;
    let node = i64s("nodes", nodes)?;
    let sets = TextColumn::new("sets", set_offsets, set_width, set_data)?;
    same_lengths(&[("a", a.len()), ("b", b.len())])?;
    same_lengths(&[("nodes", node.len()), ("sets", sets.len())])?;
    let mut row_of: std::collections::HashMap<i64, usize> =
        std::collections::HashMap::with_capacity(node.len());
    for (j, &n) in node.iter().enumerate() {
        if row_of.insert(n, j).is_some() {
            return Err(PyValueError::new_err(format!("node {n}: two shingle sets")));
        }
    }
    let mut sides: Vec<(usize, usize)> = Vec::with_capacity(a.len());
    for (&x, &y) in a.iter().zip(&b) {
        match (row_of.get(&x), row_of.get(&y)) {
            (Some(&i), Some(&j)) => sides.push((i, j)),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "pair ({x}, {y}): its two shingle sets are not both present"
                )));
            }
        }
    }
    let dedup = Deduplicator::new(config.inner.clone()).or_raise(py)?;
    let verifier = dedup.verifier(if passages {
        Level::Passage
    } else {
        Level::Document
    });
    let sims: Vec<(i64, i64, Similarity)> = py
        .detach(|| {
            with_threads(threads, || {
                // Each set read once.
                let read: Vec<echodup::ShingleSet> = (0..sets.len())
                    .into_par_iter()
                    .map(|j| sets.set("sets", j))
                    .collect::<Result<_, String>>()?;
                Ok(sides
                    .par_iter()
                    .map(|&(i, j)| {
                        let (x, y) = (node[i], node[j]);
                        if x < y {
                            (x, y, set_similarity(&dedup, verifier, &read[i], &read[j]))
                        } else {
                            (y, x, set_similarity(&dedup, verifier, &read[j], &read[i]))
                        }
                    })
                    .collect())
            })
        })?
        .map_err(|e: String| PyValueError::new_err(e))?;
    accepted_pair_columns(py, &sims, verifier)
}

/// The connected components of the edges `(a[i], b[i])` (i64 columns):
/// `(nodes, roots)`, every node named by some edge once, in increasing
/// order, with the smallest node of its component (a union-find with path
/// halving, the smaller root kept on every union).
#[pyfunction]
pub(crate) fn edge_components<'py>(
    py: Python<'py>,
    a: &[u8],
    b: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let a = i64s("a", a)?;
    let b = i64s("b", b)?;
    same_lengths(&[("a", a.len()), ("b", b.len())])?;
    let (nodes, roots) = py.detach(|| {
        let mut nodes: Vec<i64> = a.iter().chain(&b).copied().collect();
        nodes.sort_unstable();
        nodes.dedup();
        let index = |x: i64| nodes.binary_search(&x).expect("every end is a node");
        // Dense indices follow node order, so the smaller index is the
        // smaller node.
        let mut parent: Vec<usize> = (0..nodes.len()).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for (&x, &y) in a.iter().zip(&b) {
            let (rx, ry) = (find(&mut parent, index(x)), find(&mut parent, index(y)));
            if rx != ry {
                let (lo, hi) = if rx < ry { (rx, ry) } else { (ry, rx) };
                parent[hi] = lo;
            }
        }
        let roots: Vec<i64> = (0..nodes.len())
            .map(|i| nodes[find(&mut parent, i)])
            .collect();
        (nodes, roots)
    });
    Ok((
        column_bytes(py, &nodes, i64::to_ne_bytes)?,
        column_bytes(py, &roots, i64::to_ne_bytes)?,
    ))
}

/// The pairs of `sims` that `verifier` accepts, in order, as the columns
/// `(a, b, jaccard, containment_ab, containment_ba)` (i64, i64 and f64
/// native-endian bytes).
fn accepted_pair_columns<'py>(
    py: Python<'py>,
    sims: &[(i64, i64, Similarity)],
    verifier: &Verifier,
) -> PyResult<[Bound<'py, PyBytes>; 5]> {
    let kept: Vec<&(i64, i64, Similarity)> = sims
        .iter()
        .filter(|(_, _, s)| verifier.accepts(s))
        .collect();
    let ids = |f: fn(&(i64, i64, Similarity)) -> i64| {
        let v: Vec<i64> = kept.iter().map(|p| f(p)).collect();
        column_bytes(py, &v, i64::to_ne_bytes)
    };
    let f64s = |f: fn(&Similarity) -> f64| {
        let v: Vec<f64> = kept.iter().map(|(_, _, s)| f(s)).collect();
        column_bytes(py, &v, f64::to_ne_bytes)
    };
    Ok([
        ids(|p| p.0)?,
        ids(|p| p.1)?,
        f64s(|s| s.jaccard)?,
        f64s(|s| s.containment_ab)?,
        f64s(|s| s.containment_ba)?,
    ])
}
