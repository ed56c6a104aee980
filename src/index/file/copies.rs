//! The later copies of stored passages (section `passage copies`, segment
//! layout 4): a passage whose shingle set is that of a passage group stored
//! before is counted, not stored, and recorded here, so that when the
//! group's first passage's document is removed the earliest live copy takes
//! its place in answers (what a memory index of the live documents would
//! say).
//!
//! A record names the copy by its set's fingerprint, not by its group:
//! groups are renumbered, joined and dropped by folds, fingerprints stay.
//! Records are sorted by (fingerprint, document, position), so the copies of
//! a set in a segment are found by binary search and come earliest first.
//! Two different passage sets with the same 64-bit fingerprint would share
//! their copies (at a billion stored passages, a chance of about one in
//! 37 for the whole index; the group records' fingerprints are as wide).

use std::cell::{Cell, OnceCell};

use super::format::{COPY_LEN, le32, le64, sec};
use super::read::Sequential;
use super::write::SectionWriter;
use super::{IndexFile, Segment};
use crate::corpus::{DocId, PassageId};
use crate::error::Result;

/// One copy: the fingerprint of its set, and where it is (its document
/// numbered in a segment, or in the output of a fold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct CopyRecord {
    pub(super) fingerprint: u64,
    pub(super) doc: u32,
    pub(super) index: u32,
}

impl CopyRecord {
    fn decode(b: &[u8]) -> CopyRecord {
        CopyRecord {
            fingerprint: le64(b, 0),
            doc: le32(b, 8),
            index: le32(b, 12),
        }
    }

    fn encode(&self) -> [u8; COPY_LEN as usize] {
        let mut out = [0u8; COPY_LEN as usize];
        out[0..8].copy_from_slice(&self.fingerprint.to_le_bytes());
        out[8..12].copy_from_slice(&self.doc.to_le_bytes());
        out[12..16].copy_from_slice(&self.index.to_le_bytes());
        out
    }
}

/// Writes `copies` as the section `passage copies` (sorted here) and ends
/// the section.
pub(super) fn write_copies(w: &mut SectionWriter, mut copies: Vec<CopyRecord>) -> Result<()> {
    copies.sort_unstable();
    copies.dedup();
    for c in &copies {
        w.put(&c.encode())?;
    }
    w.end_section()
}

impl Segment {
    /// Copy records in the segment.
    pub(super) fn num_copies(&self) -> u64 {
        self.reader.len(sec::COPIES) / COPY_LEN
    }

    /// Every copy record of the segment, in order; a record whose document
    /// is past the segment's is damage.
    pub(super) fn copies(&self) -> Result<Vec<CopyRecord>> {
        let n = self.num_copies();
        let mut seq = Sequential::new(&self.reader, sec::COPIES);
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            out.push(self.checked(CopyRecord::decode(seq.next(COPY_LEN as usize)?))?);
        }
        Ok(out)
    }

    fn checked(&self, c: CopyRecord) -> Result<CopyRecord> {
        if c.doc as u64 >= self.meta.docs {
            return Err(self.reader.corrupt(format!(
                "a passage copy is in document {}, past the segment's {}",
                c.doc, self.meta.docs
            )));
        }
        Ok(c)
    }

    fn copy_at(&self, i: u64) -> Result<CopyRecord> {
        let raw = self.reader.read(sec::COPIES, i * COPY_LEN, COPY_LEN)?;
        self.checked(CopyRecord::decode(&raw))
    }

    /// The first copy of the set with fingerprint `fingerprint` in this
    /// segment, its document numbered from `base`, for which `stop` says
    /// true (copies are visited earliest first; `None` when none).
    pub(super) fn find_copy(
        &self,
        fingerprint: u64,
        base: u64,
        mut stop: impl FnMut(PassageId) -> bool,
    ) -> Result<Option<PassageId>> {
        // The first record with this fingerprint or a larger one.
        let (mut lo, mut hi) = (0, self.num_copies());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.copy_at(mid)?.fingerprint < fingerprint {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        while lo < self.num_copies() {
            let c = self.copy_at(lo)?;
            if c.fingerprint != fingerprint {
                break;
            }
            let p = PassageId::new(DocId::new((base + c.doc as u64) as u32), c.index);
            if stop(p) {
                return Ok(Some(p));
            }
            lo += 1;
        }
        Ok(None)
    }
}

/// The earliest copy, in `segments` (each with the number of its first
/// document, in document order), of the set with fingerprint `fingerprint`
/// whose document is `live`.
pub(super) fn earliest_live_copy<'a>(
    segments: impl IntoIterator<Item = (u64, &'a Segment)>,
    fingerprint: u64,
    live: impl Fn(u32) -> bool,
) -> Result<Option<PassageId>> {
    // The first segment with a live copy has the earliest.
    for (base, seg) in segments {
        if seg.num_copies() == 0 {
            continue;
        }
        if let Some(p) = seg.find_copy(fingerprint, base, |p| live(p.doc.as_u32()))? {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

/// The sets with a live copy in some segments, by fingerprint: what keeps a
/// passage group whose first passage's document is removed through a fold.
/// The first questions search the segments' copies (a binary search each);
/// past [`LiveCopies::SEARCHES`], every live copy's fingerprint is read
/// once (8 bytes a live copy) and looked up in memory.
pub(super) struct LiveCopies<'a> {
    segments: Vec<(u64, &'a Segment)>,
    removed: &'a [u32],
    asked: Cell<usize>,
    fingerprints: OnceCell<Vec<u64>>,
}

impl<'a> LiveCopies<'a> {
    /// Questions answered by searching before the copies are read whole.
    const SEARCHES: usize = 256;

    /// The live copies in `segments` (each with the number of its first
    /// document), documents in `removed` (ascending) not live.
    pub(super) fn new(
        segments: impl IntoIterator<Item = (u64, &'a Segment)>,
        removed: &'a [u32],
    ) -> Self {
        LiveCopies {
            segments: segments.into_iter().collect(),
            removed,
            asked: Cell::new(0),
            fingerprints: OnceCell::new(),
        }
    }

    /// Whether a copy of the set with fingerprint `fingerprint` is live.
    pub(super) fn has(&self, fingerprint: u64) -> Result<bool> {
        let live = |d: u32| self.removed.binary_search(&d).is_err();
        if self.fingerprints.get().is_none() {
            self.asked.set(self.asked.get() + 1);
            if self.asked.get() <= Self::SEARCHES {
                let found = earliest_live_copy(self.segments.iter().copied(), fingerprint, live)?;
                return Ok(found.is_some());
            }
            let mut all = Vec::new();
            for &(base, seg) in &self.segments {
                for c in seg.copies()? {
                    if live((base + c.doc as u64) as u32) {
                        all.push(c.fingerprint);
                    }
                }
            }
            all.sort_unstable();
            all.dedup();
            let _ = self.fingerprints.set(all);
        }
        let all = self.fingerprints.get().expect("set just now");
        Ok(all.binary_search(&fingerprint).is_ok())
    }
}

impl IndexFile {
    /// The earliest copy of the passage set with fingerprint `fingerprint`
    /// whose document is `live` (see the module docs).
    pub(super) fn earliest_live_copy(
        &self,
        fingerprint: u64,
        live: impl Fn(u32) -> bool,
    ) -> Result<Option<PassageId>> {
        let segments = self.segments.iter().map(|s| (s.base, s));
        earliest_live_copy(segments, fingerprint, live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Copies are recorded where they are (in the batch of their first
    /// copy, and in a later one), found earliest live first, and known to
    /// [`LiveCopies`] while one is live.
    #[test]
    fn copies_are_recorded_and_found_earliest_live_first() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("c.edx");
        let config = Config::new().shingle_size(2).min_passage_tokens(3);
        let p = "the harbour ferry sailed at dawn despite the storm warning";
        let q = "the council voted to keep the library open on sundays";
        let r = "a new bridge over the river opens to traffic in june";
        let mut index = IndexFile::create(&path, config).unwrap();
        let text = |parts: &[&str]| parts.join("\n\n");
        index
            .add_batch([
                ("a", text(&[p, q])),
                ("b", text(&[p])),
                ("c", text(&[q, r, p])),
            ])
            .unwrap();
        index.add_batch([("d", text(&[r, p]))]).unwrap();
        assert_eq!(index.segments.len(), 2);
        let fingerprint = |t: &str| {
            let doc = index.dedup.analyzer().analyze(t);
            crate::index::prepare(&index.dedup, &doc).passages[0]
                .1
                .fingerprint
        };
        let (fp, fq, fr) = (fingerprint(p), fingerprint(q), fingerprint(r));
        let id = |d: u32, i: u32| PassageId::new(DocId::new(d), i);
        // The first batch: `b`'s p, `c`'s q and p; the second: `d`'s r
        // and p (numbered in the segment: document 0).
        let first = &index.segments[0];
        let mut want = vec![
            CopyRecord {
                fingerprint: fp,
                doc: 1,
                index: 0,
            },
            CopyRecord {
                fingerprint: fq,
                doc: 2,
                index: 0,
            },
            CopyRecord {
                fingerprint: fp,
                doc: 2,
                index: 2,
            },
        ];
        want.sort_unstable();
        assert_eq!(first.copies().unwrap(), want);
        let all = |seg: &Segment, fingerprint, base| {
            let mut out = Vec::new();
            seg.find_copy(fingerprint, base, |p| {
                out.push(p);
                false
            })
            .unwrap();
            out
        };
        assert_eq!(all(first, fp, 0), [id(1, 0), id(2, 2)]);
        assert_eq!(index.segments[1].num_copies(), 2);
        assert_eq!(all(&index.segments[1], fr, 3), [id(3, 0)]);
        // Earliest live first, across segments.
        let live_but = |gone: &'static [u32]| move |d: u32| !gone.contains(&d);
        let found = |gone| index.earliest_live_copy(fp, live_but(gone)).unwrap();
        assert_eq!(found(&[]), Some(id(1, 0)));
        assert_eq!(found(&[0, 1]), Some(id(2, 2)));
        assert_eq!(found(&[0, 1, 2]), Some(id(3, 1)));
        assert_eq!(found(&[0, 1, 2, 3]), None);
        let segments = || index.segments.iter().map(|s| (s.base, s));
        // Answered by searching, then (past the searches) from memory.
        let live = LiveCopies::new(segments(), &[1, 2]);
        for _ in 0..LiveCopies::SEARCHES {
            assert!(live.has(fp).unwrap() && live.has(fr).unwrap());
            assert!(!live.has(fq).unwrap());
        }
        assert!(live.fingerprints.get().is_some());
        assert!(live.has(fp).unwrap() && live.has(fr).unwrap());
        assert!(!live.has(fq).unwrap());
    }
}
