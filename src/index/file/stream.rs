//! The streaming fold: consecutive segments of layouts 2 and 3 merged into one
//! segment, byte for byte the file that the in-memory fold
//! (`segments::fold_segments_in_memory`: every set decoded, re-sketched and
//! held in an [`Overlay`](super::overlay::Overlay)) writes for them, with
//! memory that does not grow with the sets folded and without sketching.
//!
//! The output numbers groups in source order: the first segment's groups
//! that survive, in record order, then the second's, and so on. A group
//! does not survive when it is **dropped** (a document group whose members
//! are all removed, a passage group whose first passage's document is
//! removed) or **joined** (its set is that of a surviving group of an
//! earlier segment: a document group's members join that group, a
//! passage is counted, not stored). Per source and level, the groups that
//! do not survive are a sorted list, so a group's new number is its number
//! plus the survivors of earlier sources less the exceptions before it.
//!
//! - **Joins without sketches**: identical sets have equal keys in every
//!   band, so a k-way merge of the sources' band 0 runs (sorted by key)
//!   brings them side by side; the records' fingerprints, then the decoded
//!   sets (or signatures), confirm them.
//! - **Band runs**: per band, a k-way merge of the sources' runs, entries
//!   of groups that do not survive skipped, groups renumbered; ties on the
//!   key go to the earlier source, whose new numbers are smaller, so the
//!   output is sorted by (key, group) as the in-memory fold sorts it. The
//!   directory is counted as the entries go by.
//! - **Sets**: passage codes are copied as bytes. A document code refers
//!   to the passage groups of its segment whose sets are subsets of its
//!   set and that were first seen in its group's first document or before;
//!   a fold renumbers, drops or joins groups, adds those of the other
//!   sources, and may remove a group's first document: document sets are
//!   decoded and coded again, their references found through an index of
//!   the output's passage groups by smallest hash ([`MinIndex`], built in
//!   one pass over the passage codes), in chunks in parallel. Without
//!   removed documents the first segment's document codes are copied (if
//!   it has this build's layout, 4), as the in-memory fold copies that segment: the
//!   groups of later sources were first seen after its documents.
//! - Document codes and members go through anonymous temporary files
//!   (their sections follow the group records, whose offsets depend on
//!   them).
//!
//! Memory: per source, the sorted exceptions and joins (proportional to
//! the groups dropped or found in two segments) and 4 bytes per document
//! (where each document's first passage groups start); with exact
//! verification, the [`MinIndex`] of the output's passage groups (16 bytes
//! a group, about 150 bytes per news article); the passage copies written
//! (16 bytes a copy, sorted in memory: about 30 bytes per news article);
//! buffers of a chunk of records and of the sets of one chunk of document
//! groups.
//!
//! - **Copies**: the sources' live passage copies, renumbered, and the
//!   live first passages of passage groups joined to an earlier source's
//!   group, sorted.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Deref;
use std::path::Path;

use rayon::prelude::*;

use super::Segment;
use super::codec::encode_config;
use super::copies::{CopyRecord, LiveCopies, write_copies};
use super::format::{
    BitPacker, Entries, EntryStream, GroupRecord, ID_HASH_LEN, KEY_MASK_V2, Meta,
    SEGMENT_FORMAT_VERSION, bucket_of, dir_bits, le32, le64, sec,
};
use super::level::{DiskLevel, GroupData, records_at};
use super::read::Sequential;
use super::sets::{DocSetCode, MinIndex, first_of_set, get_set};
use super::write::SectionWriter;
use crate::atomic::AtomicWriter;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::verify::Verification;

/// Group records read at a time.
const CHUNK_GROUPS: u64 = 4096;

/// What a streaming fold held, for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct FoldStats {
    /// Bytes of the fold's tables (exceptions, joins, per-document passage
    /// starts), at their largest.
    pub(super) table_bytes: usize,
    /// The most bytes of sets (or signatures) decoded at once.
    pub(super) set_bytes: usize,
    /// Document and passage groups joined to an earlier segment's.
    pub(super) joined: u64,
    /// Document and passage groups dropped (removed documents).
    pub(super) dropped: u64,
    /// Bytes of the index of the output's passage groups by smallest hash
    /// (16 a group), through which document codes find their references.
    pub(super) index_bytes: usize,
}

/// Whether segments of layout `layout` fold as a stream: layouts 2 to 4
/// (their sets are coded alike, document codes are decoded by layout, band
/// entries read with their 40 kept key bits).
pub(super) fn streams(layout: u32) -> bool {
    (2..=SEGMENT_FORMAT_VERSION).contains(&layout)
}

/// One segment folded.
struct Source<'a> {
    seg: &'a Segment,
    /// Its first document, numbered in the output.
    doc_off: u64,
    /// Its removed documents, numbered in it, ascending.
    removed: Vec<u32>,
}

impl Source<'_> {
    fn live(&self, d: u32) -> bool {
        self.removed.binary_search(&d).is_err()
    }
}

/// Which groups of one level survive, per source, and their new numbers.
#[derive(Default)]
struct Plan {
    /// Per source: groups dropped or joined, ascending.
    skip: Vec<Vec<u32>>,
    /// Per source: the new number of its first surviving group.
    out_base: Vec<u64>,
    /// Surviving groups.
    total: u64,
}

impl Plan {
    fn new(skip: Vec<Vec<u32>>, groups: &[u64]) -> Plan {
        let mut out_base = Vec::with_capacity(skip.len());
        let mut total = 0;
        for (s, sk) in skip.iter().enumerate() {
            out_base.push(total);
            total += groups[s] - sk.len() as u64;
        }
        Plan {
            skip,
            out_base,
            total,
        }
    }

    /// Surviving groups before group `g` of source `s`, in the output.
    fn before(&self, s: usize, g: u64) -> u64 {
        let sk = &self.skip[s];
        self.out_base[s] + g - sk.partition_point(|&x| (x as u64) < g) as u64
    }

    /// The source and group of the output's group `o` (`o < total`).
    fn locate(&self, o: u64) -> (usize, u32) {
        let s = self.out_base.partition_point(|&b| b <= o).saturating_sub(1);
        // The (o − base)-th surviving group of source `s`.
        let mut g = o - self.out_base[s];
        for &x in &self.skip[s] {
            if x as u64 <= g {
                g += 1;
            } else {
                break;
            }
        }
        (s, g as u32)
    }

    fn survives(&self, s: usize, g: u32) -> bool {
        self.skip[s].binary_search(&g).is_err()
    }

    fn bytes(&self) -> usize {
        self.skip.iter().map(|v| v.len() * 4).sum::<usize>() + self.out_base.len() * 8
    }
}

/// A document group of a later source whose members join the surviving
/// group `target` (numbered in the output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Join {
    target: u32,
    s: u32,
    g: u32,
}

/// A group (source, group) of a later source, and the surviving group of
/// an earlier one whose set it has.
type Pair = ((usize, u32), (usize, u32));

/// Folds `segments` (consecutive, numbered in the index from their first's
/// `base`) into a new segment file at `target`, as the in-memory fold
/// would: the items of the documents in `removed` (ascending, numbered in
/// the index) dropped, but for the passage groups whose set has a live copy
/// (`live_copies`, by the set's fingerprint). `Ok(None)` (nothing written) when a segment is not
/// of this build's layout or its passage groups are not in the order of
/// their first documents: the in-memory fold does those.
pub(super) fn stream_fold(
    config: &Config,
    segments: &[impl Deref<Target = Segment>],
    removed: &[u32],
    live_copies: &LiveCopies<'_>,
    target: &Path,
) -> Result<Option<FoldStats>> {
    if segments.iter().any(|s| !streams(s.docs.layout)) {
        return Ok(None);
    }
    let first = segments[0].base;
    let mut sources = Vec::with_capacity(segments.len());
    let mut doc_off = 0u64;
    let mut passages = 0u64;
    for seg in segments {
        let (lo, hi) = (seg.base, seg.base + seg.meta.docs);
        let a = removed.partition_point(|&d| (d as u64) < lo);
        let b = removed.partition_point(|&d| (d as u64) < hi);
        sources.push(Source {
            seg,
            doc_off,
            removed: removed[a..b]
                .iter()
                .map(|&d| (d as u64 - lo) as u32)
                .collect(),
        });
        doc_off += seg.meta.docs;
        passages += seg.meta.passages;
    }
    debug_assert_eq!(
        first + doc_off,
        segments.last().map_or(first, |s| s.base + s.meta.docs)
    );
    if doc_off > u32::MAX as u64 - 1 || passages > u32::MAX as u64 - 1 {
        return Err(Error::capacity(
            "documents or passages",
            u32::MAX as u64 - 1,
        ));
    }
    // Without removed documents the first segment is the in-memory fold's
    // base: its document codes are copied.
    let copy = sources.iter().all(|s| s.removed.is_empty());
    let mut stats = FoldStats::default();

    // Pass 1: dropped groups, live members, where documents' passage
    // groups start.
    let mut doc_dropped = Vec::with_capacity(sources.len());
    let mut doc_members = 0u64;
    let mut passage_dropped = Vec::with_capacity(sources.len());
    let mut starts: Vec<Vec<u32>> = Vec::with_capacity(sources.len());
    for src in &sources {
        let (dropped, live) = dropped_documents(src)?;
        doc_members += live;
        doc_dropped.push(dropped);
        let Some((dropped, start)) = passage_plan(src, live_copies)? else {
            return Ok(None);
        };
        passage_dropped.push(dropped);
        starts.push(start);
    }
    let start_bytes: usize = starts.iter().map(|v| v.len() * 4).sum();

    // Pass 2: joins, through band 0.
    let doc_joined = joins(&sources, true, &doc_dropped)?;
    let passage_joined = joins(&sources, false, &passage_dropped)?;
    stats.joined = (doc_joined.len() + passage_joined.len()) as u64;
    stats.dropped = doc_dropped
        .iter()
        .chain(&passage_dropped)
        .map(|v| v.len() as u64)
        .sum();
    let doc_groups: Vec<u64> = sources.iter().map(|s| s.seg.docs.groups).collect();
    let passage_groups: Vec<u64> = sources.iter().map(|s| s.seg.passages.groups).collect();
    let skips = |dropped: Vec<Vec<u32>>, joined: &[Pair]| {
        let mut skip = dropped;
        for &((s, g), _) in joined {
            skip[s].push(g);
        }
        for v in &mut skip {
            v.sort_unstable();
            v.dedup();
        }
        skip
    };
    let doc_plan = Plan::new(skips(doc_dropped, &doc_joined), &doc_groups);
    let passage_plan = Plan::new(skips(passage_dropped, &passage_joined), &passage_groups);
    let mut doc_joins: Vec<Join> = doc_joined
        .iter()
        .map(|&((s, g), (ts, tg))| Join {
            target: doc_plan.before(ts, tg as u64) as u32,
            s: s as u32,
            g,
        })
        .collect();
    doc_joins.sort_unstable();
    // Passage copies: the sources' live ones, and the live first passages
    // of the groups joined to an earlier source's.
    let mut copies = Vec::new();
    for src in &sources {
        for c in src.seg.copies()? {
            if src.live(c.doc) {
                copies.push(CopyRecord {
                    doc: (c.doc as u64 + src.doc_off) as u32,
                    ..c
                });
            }
        }
    }
    for &((s, g), _) in &passage_joined {
        let src = &sources[s];
        let rec = src.seg.passages.record(&src.seg.reader, g)?;
        let d = (rec.first >> 32) as u32;
        if src.live(d) {
            copies.push(CopyRecord {
                fingerprint: rec.fingerprint,
                doc: (d as u64 + src.doc_off) as u32,
                index: rec.first as u32,
            });
        }
    }
    stats.table_bytes = doc_plan.bytes()
        + passage_plan.bytes()
        + start_bytes
        + doc_joins.len() * std::mem::size_of::<Join>()
        + (doc_joined.len() + passage_joined.len()) * 16;
    drop(doc_joined);
    drop(passage_joined);

    let meta = Meta {
        docs: doc_off,
        passages,
        doc_groups: doc_plan.total,
        passage_groups: passage_plan.total,
        doc_bits: dir_bits(doc_plan.total),
        passage_bits: dir_bits(passage_plan.total),
        doc_members,
    };
    let file = AtomicWriter::create(target)?;
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let mut w = SectionWriter::begin(file)?;
    w.put(&encode_config(config)?)?;
    w.end_section()?;
    w.put(&meta.encode())?;
    w.end_section()?;
    write_ids(&mut w, &sources)?;
    let by_min = if config.get_verification() == Verification::Exact {
        passages_by_min(&sources, &passage_plan)?
    } else {
        MinIndex::default()
    };
    stats.index_bytes = by_min.memory();
    let ctx = DocContext {
        sources: &sources,
        plan: &doc_plan,
        passages: &passage_plan,
        starts: &starts,
        joins: &doc_joins,
        copy,
        config,
        dir,
        by_min: &by_min,
    };
    stats.set_bytes = write_documents(&mut w, &ctx, meta)?;
    write_bands(&mut w, &sources, &doc_plan, true, config, meta.doc_bits)?;
    write_passages(&mut w, &sources, &passage_plan)?;
    write_bands(
        &mut w,
        &sources,
        &passage_plan,
        false,
        config,
        meta.passage_bits,
    )?;
    write_copies(&mut w, copies)?;
    w.finish(config)?.commit()?;
    Ok(Some(stats))
}

/// The document groups of `src` with no live member (ascending), and the
/// live members of the others.
fn dropped_documents(src: &Source<'_>) -> Result<(Vec<u32>, u64)> {
    let seg = src.seg;
    if src.removed.is_empty() {
        return Ok((Vec::new(), seg.meta.doc_members));
    }
    let r = &seg.reader;
    let mut dropped = Vec::new();
    let mut live = 0u64;
    let mut members = Sequential::new(r, sec::DOC_MEMBERS);
    let mut at = 0u64;
    for_records(&seg.docs, r, |g, rec| {
        let raw = member_bytes(&mut members, &mut at, rec, r)?;
        let n = raw.chunks_exact(4).filter(|c| src.live(le32(c, 0))).count() as u64;
        if n == 0 {
            dropped.push(g);
        }
        live += n;
        Ok(())
    })?;
    Ok((dropped, live))
}

/// The passage groups of `src` whose first passage's document is removed
/// and whose set has no live copy (ascending), and for each document `d`
/// the number of passage groups first seen before it (`d` from 0 to the
/// documents, inclusive). `None` when the groups are not in the order of
/// their first documents.
fn passage_plan(
    src: &Source<'_>,
    live_copies: &LiveCopies<'_>,
) -> Result<Option<(Vec<u32>, Vec<u32>)>> {
    let seg = src.seg;
    let r = &seg.reader;
    let docs = seg.meta.docs;
    let mut dropped = Vec::new();
    let mut count = vec![0u32; docs as usize + 1];
    let mut prev = 0u64;
    let mut sorted = true;
    for_records(&seg.passages, r, |g, rec| {
        let d = rec.first >> 32;
        if d >= docs {
            return Err(r.corrupt(format!(
                "a passage group's first passage is in document {d}, past the segment's {docs}"
            )));
        }
        sorted &= d >= prev;
        prev = d;
        count[d as usize + 1] += 1;
        if !src.live(d as u32) && !live_copies.has(rec.fingerprint)? {
            dropped.push(g);
        }
        Ok(())
    })?;
    if !sorted {
        return Ok(None);
    }
    for d in 1..count.len() {
        count[d] += count[d - 1];
    }
    Ok(Some((dropped, count)))
}

/// Calls `f` with each group number and record (with its `end`) of `level`.
fn for_records(
    level: &DiskLevel,
    r: &super::read::Reader,
    mut f: impl FnMut(u32, &GroupRecord) -> Result<()>,
) -> Result<()> {
    let mut g = 0u64;
    while g < level.groups {
        let n = CHUNK_GROUPS.min(level.groups - g);
        for (i, rec) in records_at(r, level.layout, level.groups_sec, g, n)?
            .iter()
            .enumerate()
        {
            f((g + i as u64) as u32, rec)?;
        }
        g += n;
    }
    Ok(())
}

/// The members of `rec`, the next in `members` (at member `at`): a
/// segment's members are stored group after group.
fn member_bytes<'s>(
    members: &'s mut Sequential<'_>,
    at: &mut u64,
    rec: &GroupRecord,
    r: &super::read::Reader,
) -> Result<&'s [u8]> {
    if rec.first != *at {
        return Err(r.corrupt("document members are not stored group after group"));
    }
    *at += rec.members as u64;
    members.next(rec.members as usize * 4)
}

/// The groups of a later source whose set is that of a surviving group of
/// an earlier one, found side by side in the k-way merge of the sources'
/// band 0 runs: ((source, group), (source, group it joins)).
fn joins(sources: &[Source<'_>], documents: bool, dropped: &[Vec<u32>]) -> Result<Vec<Pair>> {
    let level = |s: usize| level_of(sources[s].seg, documents);
    let mut out = Vec::new();
    if sources.len() < 2 {
        return Ok(out);
    }
    let mut runs: Vec<BandRun<'_>> = (0..sources.len())
        .map(|s| BandRun::new(sources[s].seg, level(s)))
        .collect();
    let mut heap = BinaryHeap::new();
    for (s, run) in runs.iter_mut().enumerate() {
        if let Some((k, g)) = run.pull()? {
            heap.push(Reverse((k, s, g)));
        }
    }
    let mut same: Vec<(usize, u32)> = Vec::new();
    let mut key = None;
    loop {
        let top = heap.pop();
        let Some(Reverse((k, s, g))) = top else {
            join_run(sources, documents, dropped, &same, &mut out)?;
            break;
        };
        if let Some((k2, g2)) = runs[s].pull()? {
            heap.push(Reverse((k2, s, g2)));
        }
        if key != Some(k) {
            join_run(sources, documents, dropped, &same, &mut out)?;
            same.clear();
            key = Some(k);
        }
        same.push((s, g));
    }
    out.sort_unstable();
    Ok(out)
}

/// The joins among `same`, groups of equal band 0 keys in source and group
/// order.
fn join_run(
    sources: &[Source<'_>],
    documents: bool,
    dropped: &[Vec<u32>],
    same: &[(usize, u32)],
    out: &mut Vec<Pair>,
) -> Result<()> {
    if same.len() < 2 || same[0].0 == same[same.len() - 1].0 {
        return Ok(());
    }
    let level = |s: usize| level_of(sources[s].seg, documents);
    // The survivors of pass 1, with their records; `None` once joined.
    let mut cands: Vec<Option<(usize, u32, GroupRecord)>> = Vec::new();
    for &(s, g) in same {
        if dropped[s].binary_search(&g).is_ok() {
            continue;
        }
        let r = &sources[s].seg.reader;
        cands.push(Some((s, g, level(s).record(r, g)?)));
    }
    for i in 1..cands.len() {
        let Some((s, g, rec)) = cands[i] else {
            continue;
        };
        let mut data: Option<GroupData> = None;
        for j in 0..i {
            let Some((s2, g2, rec2)) = cands[j] else {
                continue;
            };
            if s2 == s || rec2.fingerprint != rec.fingerprint || rec2.len != rec.len {
                continue;
            }
            if data.is_none() {
                data = Some(level(s).data(&sources[s].seg.reader, &rec)?);
            }
            let mine = data.as_ref().expect("read just now");
            let theirs = level(s2).data(&sources[s2].seg.reader, &rec2)?;
            if mine.evidence(&rec) == theirs.evidence(&rec2) {
                out.push(((s, g), (s2, g2)));
                cands[i] = None;
                break;
            }
        }
    }
    Ok(())
}

/// One band's run of one segment's level, read front to back (keys with
/// their 40 kept bits, whatever the segment's layout).
struct BandRun<'a>(EntryStream<'a>);

impl<'a> BandRun<'a> {
    /// The run of band 0 (the section's start).
    fn new(seg: &'a Segment, level: &'a DiskLevel) -> BandRun<'a> {
        BandRun(EntryStream::new(
            Sequential::new(&seg.reader, level.bands_sec),
            level.entries,
            &level.dir,
            level.groups,
        ))
    }

    /// The next band of the same section: call when this one is spent.
    fn next_band(&mut self) {
        self.0.next_band();
    }

    fn pull(&mut self) -> Result<Option<(u64, u32)>> {
        self.0.next()
    }
}

/// Ids: offsets, bytes and hashes, the sources' one after the other (the
/// hashes merged in (hash, document) order).
fn write_ids(w: &mut SectionWriter, sources: &[Source<'_>]) -> Result<()> {
    w.put(&0u64.to_le_bytes())?;
    let mut at = 0u64;
    for src in sources {
        let r = &src.seg.reader;
        let mut seq = Sequential::new(r, sec::ID_OFFSETS);
        seq.next(8)?;
        for _ in 0..src.seg.meta.docs {
            let v = le64(seq.next(8)?, 0);
            w.put(&(v + at).to_le_bytes())?;
        }
        at += r.len(sec::ID_BYTES);
    }
    w.end_section()?;
    for src in sources {
        let r = &src.seg.reader;
        Sequential::new(r, sec::ID_BYTES).copy_to(r.len(sec::ID_BYTES), w)?;
    }
    w.end_section()?;
    let mut seqs: Vec<(Sequential<'_>, u64)> = sources
        .iter()
        .map(|s| {
            (
                Sequential::new(&s.seg.reader, sec::ID_HASHES),
                s.seg.meta.docs,
            )
        })
        .collect();
    let mut heap = BinaryHeap::new();
    let pull = |s: usize, seqs: &mut Vec<(Sequential<'_>, u64)>| -> Result<Option<(u64, u64)>> {
        let (seq, left) = &mut seqs[s];
        if *left == 0 {
            return Ok(None);
        }
        *left -= 1;
        let e = seq.next(ID_HASH_LEN as usize)?;
        Ok(Some((le64(e, 0), le32(e, 8) as u64 + sources[s].doc_off)))
    };
    for s in 0..sources.len() {
        if let Some(v) = pull(s, &mut seqs)? {
            heap.push(Reverse((v, s)));
        }
    }
    while let Some(Reverse(((h, d), s))) = heap.pop() {
        let mut e = [0u8; 12];
        e[..8].copy_from_slice(&h.to_le_bytes());
        e[8..].copy_from_slice(&(d as u32).to_le_bytes());
        w.put(&e)?;
        if let Some(v) = pull(s, &mut seqs)? {
            heap.push(Reverse((v, s)));
        }
    }
    w.end_section()
}

/// What writing the document level needs.
struct DocContext<'a> {
    sources: &'a [Source<'a>],
    plan: &'a Plan,
    passages: &'a Plan,
    starts: &'a [Vec<u32>],
    joins: &'a [Join],
    copy: bool,
    config: &'a Config,
    dir: &'a Path,
    /// The output's passage groups by the smallest hash of their sets.
    by_min: &'a MinIndex,
}

/// A surviving document group whose code a chunk computes.
struct DocJob {
    s: usize,
    rec: GroupRecord,
    /// Its first live member, numbered in its segment.
    first: u32,
}

/// An anonymous temporary file, written then read back.
struct Spill {
    out: BufWriter<File>,
    len: u64,
}

impl Spill {
    fn new(dir: &Path) -> Result<Spill> {
        let f = tempfile::tempfile_in(dir).map_err(|e| Error::io("creating a file in", dir, e))?;
        Ok(Spill {
            out: BufWriter::with_capacity(1 << 20, f),
            len: 0,
        })
    }

    fn put(&mut self, b: &[u8], dir: &Path) -> Result<()> {
        self.len += b.len() as u64;
        self.out
            .write_all(b)
            .map_err(|e| Error::io("writing a temporary file in", dir, e))
    }

    /// Copies everything written to `w`.
    fn copy_to(self, w: &mut SectionWriter, dir: &Path) -> Result<()> {
        let err = |e: io::Error| Error::io("reading a temporary file in", dir, e);
        let mut f = self.out.into_inner().map_err(|e| err(e.into_error()))?;
        f.seek(SeekFrom::Start(0)).map_err(err)?;
        let mut buf = vec![0u8; 1 << 20];
        let mut left = self.len;
        while left > 0 {
            let n = (buf.len() as u64).min(left) as usize;
            f.read_exact(&mut buf[..n]).map_err(err)?;
            w.put(&buf[..n])?;
            left -= n as u64;
        }
        Ok(())
    }
}

/// The document level's groups, data and members; returns the most bytes
/// of sets decoded at once.
fn write_documents(w: &mut SectionWriter, ctx: &DocContext<'_>, meta: Meta) -> Result<usize> {
    let dir = ctx.dir;
    let mut data = Spill::new(dir)?;
    let mut members_out = Spill::new(dir)?;
    let mut data_at = 0u64;
    let mut member_at = 0u64;
    let mut next_join = 0usize;
    let mut most_set_bytes = 0usize;
    let mut out_group = 0u64;
    for (s, src) in ctx.sources.iter().enumerate() {
        let seg = src.seg;
        let r = &seg.reader;
        let mut members = Sequential::new(r, sec::DOC_MEMBERS);
        let mut at = 0u64;
        let mut g = 0u64;
        while g < seg.docs.groups {
            let n = CHUNK_GROUPS.min(seg.docs.groups - g);
            let recs = records_at(r, seg.docs.layout, seg.docs.groups_sec, g, n)?;
            let mut jobs = Vec::with_capacity(recs.len());
            let mut own: Vec<Vec<u32>> = Vec::with_capacity(recs.len());
            for (i, rec) in recs.iter().enumerate() {
                let raw = member_bytes(&mut members, &mut at, rec, r)?;
                if !ctx.plan.survives(s, (g + i as u64) as u32) {
                    continue;
                }
                let live: Vec<u32> = raw
                    .chunks_exact(4)
                    .map(|c| le32(c, 0))
                    .filter(|&m| src.live(m))
                    .collect();
                let Some(&first) = live.first() else {
                    return Err(r.corrupt("a document group has no members"));
                };
                if live.iter().any(|&m| m as u64 >= seg.meta.docs) {
                    return Err(r.corrupt(format!(
                        "a document group's member is past the segment's {} documents",
                        seg.meta.docs
                    )));
                }
                jobs.push(DocJob {
                    s,
                    rec: *rec,
                    first,
                });
                own.push(live);
            }
            let codes: Vec<(Vec<u8>, usize)> = jobs
                .par_iter()
                .map(|job| document_code(ctx, job))
                .collect::<Result<_>>()?;
            most_set_bytes = most_set_bytes.max(codes.iter().map(|c| c.1).sum());
            for ((job, live), (code, _)) in jobs.iter().zip(&own).zip(&codes) {
                let mut count = live.len() as u64;
                for &m in live {
                    members_out.put(&((m as u64 + src.doc_off) as u32).to_le_bytes(), dir)?;
                }
                while next_join < ctx.joins.len() && ctx.joins[next_join].target as u64 == out_group
                {
                    let j = ctx.joins[next_join];
                    next_join += 1;
                    let other = &ctx.sources[j.s as usize];
                    let or = &other.seg.reader;
                    let orec = other.seg.docs.record(or, j.g)?;
                    let raw = or.read(sec::DOC_MEMBERS, orec.first * 4, orec.members as u64 * 4)?;
                    for c in raw.chunks_exact(4) {
                        let m = le32(c, 0);
                        if other.live(m) {
                            members_out
                                .put(&((m as u64 + other.doc_off) as u32).to_le_bytes(), dir)?;
                            count += 1;
                        }
                    }
                }
                let rec = GroupRecord {
                    fingerprint: job.rec.fingerprint,
                    data: data_at,
                    len: job.rec.len,
                    members: count as u32,
                    first: member_at,
                    end: 0,
                };
                w.put(&rec.encode())?;
                data.put(code, dir)?;
                data_at += code.len() as u64;
                member_at += count;
                out_group += 1;
            }
            g += n;
        }
    }
    debug_assert_eq!(out_group, meta.doc_groups);
    debug_assert_eq!(member_at, meta.doc_members);
    debug_assert_eq!(next_join, ctx.joins.len());
    w.end_section()?;
    data.copy_to(w, dir)?;
    w.end_section()?;
    members_out.copy_to(w, dir)?;
    w.end_section()?;
    Ok(most_set_bytes)
}

/// The data of a surviving document group as the output stores it, and
/// the bytes of sets decoded for it.
fn document_code(ctx: &DocContext<'_>, job: &DocJob) -> Result<(Vec<u8>, usize)> {
    let src = &ctx.sources[job.s];
    let seg = src.seg;
    let r = &seg.reader;
    let rec = &job.rec;
    if ctx.config.get_verification() != Verification::Exact {
        let n = ctx.config.get_num_perm() as u64 * 4;
        return Ok((r.read(seg.docs.data_sec, rec.data, n)?, 0));
    }
    if ctx.copy && job.s == 0 && seg.docs.layout == SEGMENT_FORMAT_VERSION {
        let len = rec.end.saturating_sub(rec.data);
        return Ok((r.read(seg.docs.data_sec, rec.data, len)?, 0));
    }
    let GroupData::Set(set) = seg.docs.data(r, rec)? else {
        return Err(r.corrupt("a document group of exact verification holds no set"));
    };
    let mut bytes = set.len() * 8;
    // The output's passage groups first seen in the group's first document
    // or before it (groups are numbered in that order) whose smallest hash
    // is in the set: those whose sets may be subsets of it.
    // (Sources whose passage groups are not in the order of their first
    // documents are left to the in-memory fold: see `passage_plan`.)
    let bound = ctx
        .passages
        .before(job.s, ctx.starts[job.s][job.first as usize + 1] as u64);
    let mut cands = Vec::new();
    ctx.by_min.candidates(set.as_slice(), &mut cands);
    cands.retain(|&c| (c as u64) < bound);
    cands.sort_unstable();
    cands.dedup();
    let mut parts: Vec<(u64, Vec<u64>)> = Vec::with_capacity(cands.len());
    for &c in &cands {
        let (s, g) = ctx.passages.locate(c as u64);
        let src = &ctx.sources[s];
        let (pr, p) = (&src.seg.reader, &src.seg.passages);
        let prec = records_at(pr, p.layout, p.groups_sec, g as u64, 1)?[0];
        if prec.len as usize > set.len() {
            continue;
        }
        let code = pr.read(p.data_sec, prec.data, prec.end.saturating_sub(prec.data))?;
        let mut v = Vec::new();
        get_set(&code, prec.len as u64, &mut v)
            .ok_or_else(|| pr.corrupt("a passage set is not a valid code"))?;
        bytes += v.len() * 8;
        parts.push((c as u64, v));
    }
    let mut out = Vec::new();
    DocSetCode::choose(
        set.as_slice(),
        parts.iter().map(|(g, v)| (*g, v.as_slice())),
    )
    .encode(&mut out);
    Ok((out, bytes))
}

/// The output's passage groups by the smallest hash of their sets (the
/// first value of each code, read front to back), numbered in the output.
fn passages_by_min(sources: &[Source<'_>], plan: &Plan) -> Result<MinIndex> {
    let mut pairs = Vec::with_capacity(plan.total as usize);
    let mut out = 0u32;
    each_surviving_passage_code(sources, plan, |r, rec, bytes| {
        if rec.len > 0 {
            let m = first_of_set(bytes)
                .ok_or_else(|| r.corrupt("a passage set is not a valid code"))?;
            pairs.push((m, out));
        }
        out += 1;
        Ok(())
    })?;
    Ok(MinIndex::new(pairs))
}

/// Calls `f` with the record and the code of each passage group that
/// survives the fold, in output order, reading each source's codes front to
/// back (they are stored group after group).
fn each_surviving_passage_code(
    sources: &[Source<'_>],
    plan: &Plan,
    mut f: impl FnMut(&super::read::Reader, &GroupRecord, &[u8]) -> Result<()>,
) -> Result<()> {
    for (s, src) in sources.iter().enumerate() {
        let r = &src.seg.reader;
        let p = &src.seg.passages;
        let mut seq = Sequential::new(r, p.data_sec);
        let mut at = 0u64;
        for_records(p, r, |g, rec| {
            if rec.data != at {
                return Err(r.corrupt("passage codes are not stored group after group"));
            }
            let len = rec.end.saturating_sub(rec.data);
            at += len;
            let bytes = seq.next(len as usize)?;
            if plan.survives(s, g) {
                f(r, rec, bytes)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The passage level's groups and data: records renumbered (first
/// passages shifted), codes copied.
fn write_passages(w: &mut SectionWriter, sources: &[Source<'_>], plan: &Plan) -> Result<()> {
    let mut data_at = 0u64;
    for (s, src) in sources.iter().enumerate() {
        let r = &src.seg.reader;
        for_records(&src.seg.passages, r, |g, rec| {
            if !plan.survives(s, g) {
                return Ok(());
            }
            let out = GroupRecord {
                fingerprint: rec.fingerprint,
                data: data_at,
                len: rec.len,
                members: 0,
                first: rec.first + (src.doc_off << 32),
                end: 0,
            };
            data_at += rec.end.saturating_sub(rec.data);
            w.put(&out.encode())
        })?;
    }
    w.end_section()?;
    each_surviving_passage_code(sources, plan, |_, _, bytes| w.put(bytes))?;
    w.end_section()
}

/// The band runs and directory of one level: per band, the k-way merge of
/// the sources' runs, groups renumbered.
fn write_bands(
    w: &mut SectionWriter,
    sources: &[Source<'_>],
    plan: &Plan,
    documents: bool,
    config: &Config,
    bits: u32,
) -> Result<()> {
    let bands = if documents {
        config.get_banding()?.bands()
    } else {
        config.get_passage_banding()?.bands()
    };
    let total = plan.total;
    let entries = Entries::new(SEGMENT_FORMAT_VERSION, total, bits);
    let mask = KEY_MASK_V2;
    let buckets = 1usize << bits;
    let mut dir: Vec<u32> = Vec::with_capacity(bands * (buckets + 1));
    let mut runs: Vec<BandRun<'_>> = sources
        .iter()
        .map(|s| BandRun::new(s.seg, level_of(s.seg, documents)))
        .collect();
    let mut packed = BitPacker::default();
    let mut counts = vec![0u32; buckets];
    for band in 0..bands {
        if band > 0 {
            for run in runs.iter_mut() {
                run.next_band();
            }
        }
        counts.iter_mut().for_each(|c| *c = 0);
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (s, run) in runs.iter_mut().enumerate() {
            if let Some((k, g)) = run.pull()? {
                heap.push(Reverse((k & mask, s, g)));
            }
        }
        while let Some(Reverse((k, s, g))) = heap.pop() {
            if let Some((k2, g2)) = runs[s].pull()? {
                heap.push(Reverse((k2 & mask, s, g2)));
            }
            if g as u64 >= level_of(sources[s].seg, documents).groups {
                return Err(sources[s].seg.reader.corrupt(format!(
                    "a band entry's group {g} is past the level's groups"
                )));
            }
            if !plan.survives(s, g) {
                continue;
            }
            let new = plan.before(s, g as u64) as u32;
            counts[bucket_of(k, bits)] += 1;
            entries.put(&mut packed, k, new);
            if packed.out.len() >= 1 << 16 {
                w.put(&packed.out)?;
                packed.out.clear();
            }
        }
        let mut at = 0u32;
        dir.push(0);
        for &c in &counts {
            at += c;
            dir.push(at);
        }
        if at as u64 != total {
            return Err(sources[0]
                .seg
                .reader
                .corrupt(format!("a folded band holds {at} entries, not {total}")));
        }
    }
    packed.finish();
    w.put(&packed.out)?;
    w.end_section()?;
    for v in dir {
        w.put(&v.to_le_bytes())?;
    }
    w.end_section()
}

/// A segment's documents or passages.
fn level_of(seg: &Segment, documents: bool) -> &DiskLevel {
    if documents { &seg.docs } else { &seg.passages }
}

#[cfg(test)]
mod tests {
    use super::super::IndexFile;
    use super::super::segments::fold_segments_in_memory;
    use super::super::test_texts::texts;
    use super::*;
    use crate::shingle::Shingling;

    /// The streaming fold of `index`'s segments `range` is the in-memory
    /// fold's file, byte for byte; returns its stats.
    fn same_file(
        index: &IndexFile,
        range: std::ops::Range<usize>,
        dir: &Path,
        tag: &str,
    ) -> FoldStats {
        let segs: Vec<&Segment> = index.segments[range.clone()].iter().collect();
        let old = dir.join(format!("{tag}-old.seg"));
        let new = dir.join(format!("{tag}-new.seg"));
        let all = index.segments.iter().map(|s| (s.base, s));
        let live = LiveCopies::new(all, &index.removed);
        fold_segments_in_memory(index, &segs, &index.removed, &live, &old, 99).unwrap();
        let stats = stream_fold(index.config(), &segs, &index.removed, &live, &new)
            .unwrap()
            .expect("layout 3 segments fold as a stream");
        let (a, b) = (std::fs::read(&old).unwrap(), std::fs::read(&new).unwrap());
        assert_eq!(a.len(), b.len(), "{tag} {range:?}: file sizes");
        if let Some(at) = a.iter().zip(&b).position(|(x, y)| x != y) {
            panic!("{tag} {range:?}: the files differ first at byte {at}");
        }
        stats
    }

    /// Issue 15: folds as a stream write what the in-memory fold writes,
    /// for word and character shingles, passages on and off, exact and
    /// estimated verification, removed documents in the first, a middle
    /// and the last segment (first members of groups among them), and
    /// identical documents and passages across segments; and the fold's
    /// tables stay within their bound.
    #[test]
    fn streaming_folds_are_the_in_memory_folds_byte_for_byte() {
        let dir = tempfile::TempDir::new().unwrap();
        let configs = [
            Config::new()
                .shingle_size(2)
                .threshold(0.6)
                .min_passage_tokens(3),
            Config::new()
                .shingle_size(2)
                .threshold(0.6)
                .min_passage_tokens(3)
                .verification(Verification::Estimate),
            Config::new()
                .shingling(Shingling::Chars(4))
                .min_passage_tokens(2),
            Config::new().shingle_size(3).passages(false),
            Config::new()
                .shingling(Shingling::Chars(3))
                .passages(false)
                .verification(Verification::Estimate),
        ];
        let (mut joined, mut dropped) = (0, 0);
        for (n, config) in configs.into_iter().enumerate() {
            let path = dir.path().join(format!("i{n}.edx"));
            let docs = texts(150, 11 + n as u64);
            let mut index = IndexFile::create(&path, config).unwrap();
            // 10 batches of 15: the policy folds the first 8 (copying the
            // first, no documents removed yet), then 2 more follow.
            for (b, chunk) in docs.chunks(15).enumerate() {
                index
                    .add_batch(
                        chunk
                            .iter()
                            .enumerate()
                            .map(|(i, t)| (format!("{b}-{i}"), t.as_str())),
                    )
                    .unwrap();
            }
            // Two more, small, so that there are 5 segments.
            for b in 10..12 {
                let more = texts(7, 100 + b as u64 + n as u64);
                index
                    .add_batch(
                        more.iter()
                            .enumerate()
                            .map(|(i, t)| (format!("{b}-{i}"), t.as_str())),
                    )
                    .unwrap();
            }
            assert!(index.segments.len() >= 3, "{}", index.segments.len());
            let k = index.segments.len();
            let tag = format!("c{n}");
            // No documents removed: the first segment is copied.
            let s = same_file(&index, 0..k, dir.path(), &format!("{tag}a"));
            joined += s.joined;
            same_file(&index, 1..k, dir.path(), &format!("{tag}b"));
            // Removed: early documents (first members of groups whose
            // copies come later), one of a middle segment, one of the last.
            let mid = index.segments[k / 2].base;
            let last = index.segments[k - 1].base;
            let mut gone: Vec<String> = (0..4)
                .flat_map(|b| [format!("{b}-0"), format!("{b}-1")])
                .collect();
            gone.push(format!("{}-{}", mid / 15, mid % 15));
            // (One of them is a group's first member with a later copy
            // that stays.)
            let early: Vec<usize> = (0..4).flat_map(|b| [b * 15, b * 15 + 1]).collect();
            assert!(
                early.iter().any(|&i| docs[i + 1..]
                    .iter()
                    .enumerate()
                    .any(|(j, t)| { *t == docs[i] && !early.contains(&(i + 1 + j)) })),
                "no removed first member with a copy"
            );
            gone.push("11-0".into());
            gone.push("11-3".into());
            let _ = last;
            index.remove(gone.iter().map(String::as_str)).unwrap();
            assert!(!index.removed.is_empty());
            let k = index.segments.len();
            let s = same_file(&index, 0..k, dir.path(), &format!("{tag}c"));
            joined += s.joined;
            dropped += s.dropped;
            let docs_total: u64 = index.segments.iter().map(|s| s.meta.docs).sum();
            let bound =
                4 * (docs_total as usize + k) + 20 * k + 32 * (s.joined + s.dropped) as usize;
            assert!(s.table_bytes <= bound, "{} > {bound}", s.table_bytes);
            // The index of passage groups by smallest hash: 16 bytes a
            // group of the output, and its directory.
            let groups: u64 = index.segments.iter().map(|s| s.passages.groups).sum();
            if n == 0 || n == 2 {
                // Exact verification with passages: an entry per group.
                assert!(s.index_bytes >= 16 * 20, "{}", s.index_bytes);
            }
            assert!(
                s.index_bytes as u64 <= 16 * groups + 4 * (groups + 2),
                "{} bytes for {groups} groups",
                s.index_bytes
            );
            same_file(&index, 1..k, dir.path(), &format!("{tag}d"));
            same_file(&index, k - 2..k, dir.path(), &format!("{tag}e"));
            // And the folded index still verifies and answers.
            index.optimize().unwrap();
            index.verify().unwrap();
        }
        // The data exercised what it is meant to.
        eprintln!("joined {joined}, dropped {dropped}");
        assert!(joined > 20 && dropped > 5, "{joined} {dropped}");
    }
}
