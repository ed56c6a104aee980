//! What a batch (or a merge) adds to an index, held in memory until the
//! new file is written: [`Overlay`] (new ids, new groups of each level as an
//! in-memory `Level`, new members of groups already on disk), and
//! [`Combined`], the history that `incremental::check` consults: the file
//! plus the overlay. [`LevelLookup`] and [`BaseLookup`] are an item's
//! lookups in the file, done in parallel before a batch is checked in order.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;

use super::copies::LiveCopies;
use super::format::{GroupRecord, le32, passage_id_pack, passage_id_unpack, sec};
use super::joint::{JointLevel, JointProbes};
use super::level::{GroupData, Probes};
use super::read::Reader;
use super::{IndexFile, Segment};
use crate::corpus::{DocId, PassageId};
use crate::dedup::Deduplicator;
use crate::error::{Error, Result};
use crate::index::{DocumentVerdict, GroupIndex, History, IndexItem, Prepared};
use crate::lsh::Banding;
use crate::sketch::Level;
use crate::verify::{Similarity, Verification, Verifier};

/// The new groups of one level.
#[derive(Debug)]
pub(super) struct OverlayLevel {
    /// The new groups, with their sets (or signatures) and members.
    pub(super) level: GroupIndex,
    /// Band keys of each new group, `bands` per group.
    pub(super) keys: Vec<u64>,
    pub(super) fingerprints: Vec<u64>,
    /// Per new group: its first passage, packed (passages; 0 for documents).
    pub(super) firsts: Vec<u64>,
}

impl OverlayLevel {
    fn new(banding: Banding, seed: u64, verification: Verification) -> Self {
        OverlayLevel {
            level: GroupIndex::with(banding, seed, verification),
            keys: Vec::new(),
            fingerprints: Vec::new(),
            firsts: Vec::new(),
        }
    }

    /// New groups.
    pub(super) fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// Inserts `item` for `external`; returns whether it made a new group.
    fn insert(&mut self, item: IndexItem, external: u32, first: u64) -> Result<bool> {
        let new = self.level.identical_group(&item).is_none();
        if new {
            self.keys.extend_from_slice(&item.keys);
            self.fingerprints.push(item.fingerprint);
            self.firsts.push(first);
        }
        self.level.insert(item, external)?;
        Ok(new)
    }
}

/// What a batch (or a merge) adds to an index (see the module docs).
#[derive(Debug)]
pub(super) struct Overlay {
    /// The ids of the new documents, in order.
    pub(super) ids: Vec<String>,
    pub(super) docs: OverlayLevel,
    pub(super) passages: OverlayLevel,
    /// New members of groups already on disk.
    pub(super) doc_joins: HashMap<u32, Vec<u32>>,
    /// First passage of each new passage group's members, by external id.
    passage_ids: Vec<PassageId>,
    /// New passages (in new groups or not).
    pub(super) num_passages: u64,
    /// The new passages whose set is that of a group (on disk, or new)
    /// whose first passage is earlier: their set's fingerprint, and where
    /// they are (numbered as the first passages of new groups are).
    pub(super) copies: Vec<(u64, PassageId)>,
    /// The number in the index of the document that is number 0 of the
    /// segment written from this overlay (documents are numbered in the
    /// index here, for verdicts, and in their segment on disk).
    pub(super) shift: u64,
}

impl Overlay {
    /// Nothing new yet.
    pub(super) fn new(dedup: &Deduplicator) -> Self {
        let seed = dedup.config().get_seed();
        let v = dedup.config().get_verification();
        Overlay {
            ids: Vec::new(),
            docs: OverlayLevel::new(dedup.banding(), seed, v),
            passages: OverlayLevel::new(dedup.passage_banding(), seed, v),
            doc_joins: HashMap::new(),
            passage_ids: Vec::new(),
            num_passages: 0,
            copies: Vec::new(),
            shift: 0,
        }
    }

    /// Nothing new yet; the documents added will be the first of a new
    /// segment, numbered from `first_doc` in the index.
    pub(super) fn for_segment(dedup: &Deduplicator, first_doc: u64) -> Self {
        Overlay {
            shift: first_doc,
            ..Overlay::new(dedup)
        }
    }

    /// Document `d` (numbered in the index) as numbered in the segment.
    pub(super) fn local(&self, d: u32) -> u32 {
        (d as u64 - self.shift) as u32
    }

    /// Adds a document's items.
    pub(super) fn add(
        &mut self,
        id: String,
        doc: DocId,
        prepared: Prepared,
        lookup: &BaseLookup,
    ) -> Result<()> {
        // A document identical to a stored one starts a group of the new
        // segment (folding segments joins the two groups).
        if let Some(item) = prepared.doc {
            self.add_doc_item(None, item, &[doc.as_u32()])?;
        }
        // A passage identical to a stored one is never the earliest: it is
        // counted, not stored, and recorded as a copy.
        for ((index, item), l) in prepared.passages.into_iter().zip(&lookup.passages) {
            self.add_passage_item(l.identical, item, PassageId::new(doc, index), true)?;
            self.num_passages += 1;
        }
        self.ids.push(id);
        Ok(())
    }

    /// Adds a document item whose identical group on disk (if any) is `identical`.
    fn add_doc_item(
        &mut self,
        identical: Option<u32>,
        item: IndexItem,
        members: &[u32],
    ) -> Result<()> {
        if let Some(g) = identical {
            self.doc_joins.entry(g).or_default().extend(members);
            return Ok(());
        }
        for &m in members {
            self.docs.insert(item.clone(), m, 0)?;
        }
        Ok(())
    }

    /// Adds a passage item; `on_disk`: an identical passage is in the file;
    /// `live`: its document is live (a removed one's passage may still
    /// start a group that a fold keeps for its live copies, but is never a
    /// copy).
    fn add_passage_item(
        &mut self,
        on_disk: bool,
        item: IndexItem,
        id: PassageId,
        live: bool,
    ) -> Result<()> {
        let fingerprint = item.fingerprint;
        let copy = if on_disk {
            true
        } else {
            let external = self.passage_ids.len() as u32;
            self.passage_ids.push(id);
            !self.passages.insert(item, external, passage_id_pack(id))?
        };
        if copy && live {
            self.copies.push((fingerprint, id));
        }
        Ok(())
    }

    /// Appends every document of the segment `other` (whose configuration
    /// is `base`'s; its documents follow those of `base`, if any, and of
    /// what was absorbed before): what folding segments, or merging
    /// indexes, adds to the first segment (or writes without one). The
    /// documents are numbered in the new segment from 0, and in the index
    /// from `first`; those in `removed` (ascending, numbered in the index)
    /// keep their number and id but lose their items: nothing of them is
    /// written but the id, except the passage groups whose first passage
    /// they hold and whose set has a live copy (`live_copies`, by the set's
    /// fingerprint: in any segment of the index).
    pub(super) fn absorb(
        &mut self,
        dedup: &Deduplicator,
        base: Option<&Segment>,
        other: &Segment,
        first: u64,
        removed: &[u32],
        live_copies: &LiveCopies<'_>,
    ) -> Result<()> {
        let base_docs = base.map_or(0, |b| b.meta.docs);
        let base_passages = base.map_or(0, |b| b.meta.passages);
        let offset = base_docs + self.ids.len() as u64;
        if offset + other.meta.docs > u32::MAX as u64 - 1
            || base_passages + self.num_passages + other.meta.passages > u32::MAX as u64 - 1
        {
            return Err(Error::capacity(
                "documents or passages",
                u32::MAX as u64 - 1,
            ));
        }
        let live = |local: u64| removed.binary_search(&((first + local) as u32)).is_err();
        let mut ids = Vec::with_capacity(other.meta.docs as usize);
        for d in 0..other.meta.docs {
            ids.push(other.local_id(d)?);
        }
        let sketcher = dedup.sketcher();
        let r = &other.reader;
        let mut probes = Probes::default();
        for (lvl, level) in [
            (&other.docs, Level::Document),
            (&other.passages, Level::Passage),
        ] {
            let records: Vec<GroupRecord> = lvl.records(r)?;
            let items: Vec<IndexItem> = records
                .par_iter()
                .map(|rec| {
                    let item = match lvl.data(r, rec)? {
                        GroupData::Set(set) => IndexItem::new(&set, sketcher, level),
                        GroupData::Signature(sig) => IndexItem::from_signature(
                            sig,
                            rec.len as usize,
                            rec.fingerprint,
                            sketcher,
                            level,
                        ),
                    };
                    Ok(item)
                })
                .collect::<Result<_>>()?;
            for (rec, item) in records.iter().zip(items) {
                if lvl.groups_sec == sec::DOC_GROUPS {
                    let raw = read_members(r, rec)?;
                    let members: Vec<u32> = raw
                        .chunks_exact(4)
                        .map(|c| (le32(c, 0) as u64 + offset) as u32)
                        .filter(|&m| live(m as u64))
                        .collect();
                    if members.is_empty() {
                        continue;
                    }
                    let identical = match base {
                        Some(b) => b.docs.identical(&b.reader, &item, &mut probes)?,
                        None => None,
                    };
                    self.add_doc_item(identical, item, &members)?;
                } else {
                    let p = passage_id_unpack(rec.first);
                    let p = PassageId::new(
                        DocId::new((p.doc.as_u32() as u64 + offset) as u32),
                        p.index,
                    );
                    let live_first = live(p.doc.as_u32() as u64);
                    if !live_first && !live_copies.has(rec.fingerprint)? {
                        continue;
                    }
                    let on_disk = match base {
                        Some(b) => b
                            .passages
                            .identical(&b.reader, &item, &mut probes)?
                            .is_some(),
                        None => false,
                    };
                    self.add_passage_item(on_disk, item, p, live_first)?;
                }
            }
        }
        for c in other.copies()? {
            let doc = c.doc as u64 + offset;
            if live(doc) {
                let p = PassageId::new(DocId::new(doc as u32), c.index);
                self.copies.push((c.fingerprint, p));
            }
        }
        self.num_passages += other.meta.passages;
        self.ids.extend(ids);
        Ok(())
    }
}

/// What the index holds for one item: the live documents of the groups
/// that match it (documents), or the first live passage of each (passages),
/// with their similarities; and whether a segment holds its very set.
#[derive(Clone, Debug, Default)]
pub(super) struct LevelLookup {
    docs: Vec<(DocId, Similarity)>,
    passages: Vec<(PassageId, Similarity)>,
    identical: bool,
}

/// The lookups of one prepared document: its whole set and each passage
/// (in the order of `Prepared::passages`).
#[derive(Debug, Default)]
pub(super) struct BaseLookup {
    doc: Option<LevelLookup>,
    passages: Vec<LevelLookup>,
}

impl LevelLookup {
    /// Adds the live documents (or the passage) of `seg`'s group `rec`,
    /// matched with similarity `sim`, numbered in the whole index. A
    /// passage group whose first passage's document is not `live` answers
    /// with the earliest live copy of its set in `index`, if any.
    fn push(
        &mut self,
        index: &IndexFile,
        seg: &Segment,
        documents: bool,
        rec: &GroupRecord,
        sim: Similarity,
        live: impl Fn(u32) -> bool,
    ) -> Result<()> {
        if documents {
            let raw = read_members(&seg.reader, rec)?;
            for c in raw.chunks_exact(4) {
                let d = (seg.base + le32(c, 0) as u64) as u32;
                if live(d) {
                    self.docs.push((DocId::new(d), sim));
                }
            }
        } else {
            let p = passage_id_unpack(rec.first);
            let d = (seg.base + p.doc.as_u32() as u64) as u32;
            if live(d) {
                self.passages
                    .push((PassageId::new(DocId::new(d), p.index), sim));
            } else if let Some(c) = index.earliest_live_copy(rec.fingerprint, &live)? {
                self.passages.push((c, sim));
            }
        }
        Ok(())
    }

    /// Whether a passage found is in a document before `base` (so no
    /// segment from `base` on holds an earlier one).
    fn found_before(&self, base: u64) -> bool {
        self.passages
            .iter()
            .any(|(p, _)| (p.doc.as_u32() as u64) < base)
    }
}

impl IndexFile {
    /// The lookup of `item` in every segment's documents or passages;
    /// documents in `hidden` (ascending: removed, or about to be) are left
    /// out.
    ///
    /// A passage's lookup only serves to find the earliest passage that
    /// matches it, and segments are in document order: once a segment holds
    /// a match, the later ones are not searched (but for whether one holds
    /// the passage's very set, when `identity` asks for it: a batch does
    /// not store such a passage again).
    fn lookup_level(
        &self,
        documents: bool,
        item: &IndexItem,
        hidden: &[u32],
        identity: bool,
    ) -> Result<LevelLookup> {
        thread_local! {
            /// Scratch space of lookups, kept from one to the next.
            static SCRATCH: std::cell::RefCell<(Probes, JointProbes)> =
                std::cell::RefCell::default();
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let (probes, joint_probes) = &mut *scratch;
                self.lookup_level_with(documents, item, hidden, identity, probes, joint_probes)
            }
            // A lookup within a lookup on this thread (none today): its own.
            Err(_) => self.lookup_level_with(
                documents,
                item,
                hidden,
                identity,
                &mut Probes::default(),
                &mut JointProbes::default(),
            ),
        })
    }

    /// [`lookup_level`](IndexFile::lookup_level) with scratch space.
    fn lookup_level_with(
        &self,
        documents: bool,
        item: &IndexItem,
        hidden: &[u32],
        identity: bool,
        probes: &mut Probes,
        joint_probes: &mut JointProbes,
    ) -> Result<LevelLookup> {
        let verifier = if documents {
            self.dedup.verifier(Level::Document)
        } else {
            self.dedup.verifier(Level::Passage)
        };
        let live = |d: u32| hidden.binary_search(&d).is_err();
        // A passage group holds its set for the index only while its first
        // passage's document is live: a passage identical to a group whose
        // first copy was removed is stored again (a batch adding it must
        // not count on a group that a fold drops); a document group holds
        // it while it is on disk (a new member keeps it alive).
        let holds = |seg: &Segment, rec: &GroupRecord| {
            documents || live((seg.base + passage_id_unpack(rec.first).doc.as_u32() as u64) as u32)
        };
        let mut out = LevelLookup::default();
        if let Some(joint) = self.joint.get().filter(|_| !identity) {
            // One probe per band over all segments; then only the segments
            // with an entry of the item's key bits, in order, until the
            // first with a passage match.
            let level = if documents {
                &joint.docs
            } else {
                &joint.passages
            };
            level.probe(&item.keys, joint_probes);
            JointLevel::for_each_segment(joint_probes, |s, bands| {
                let Some(seg) = self.segments.get(s) else {
                    return Ok(false);
                };
                let level = if documents { &seg.docs } else { &seg.passages };
                for (_, sim, rec, identical) in
                    level.matches_in_bands(&seg.reader, item, verifier, bands, probes)?
                {
                    out.identical |= identical && holds(seg, &rec);
                    out.push(self, seg, documents, &rec, sim, live)?;
                }
                // A passage found in a later segment (the copy of a removed
                // first passage) leaves the segments before it to search.
                let next = self.segments.get(s + 1).map_or(u64::MAX, |n| n.base);
                Ok::<bool, Error>(documents || !out.found_before(next))
            })?;
            return Ok(out);
        }
        for seg in &self.segments {
            if !documents && out.found_before(seg.base) {
                if !identity || out.identical {
                    break;
                }
                out.identical = match seg.passages.identical(&seg.reader, item, probes)? {
                    Some(g) => holds(seg, &seg.passages.record(&seg.reader, g)?),
                    None => false,
                };
                continue;
            }
            let level = if documents { &seg.docs } else { &seg.passages };
            for (_, sim, rec, identical) in level.matches(&seg.reader, item, verifier, probes)? {
                out.identical |= identical && holds(seg, &rec);
                out.push(self, seg, documents, &rec, sim, live)?;
            }
        }
        Ok(out)
    }

    /// The lookups of every item of `prepared`.
    pub(super) fn lookup(&self, prepared: &Prepared, hidden: &[u32]) -> Result<BaseLookup> {
        Ok(BaseLookup {
            doc: prepared
                .doc
                .as_ref()
                .map(|item| self.lookup_level(true, item, hidden, true))
                .transpose()?,
            passages: prepared
                .passages
                .iter()
                .map(|(_, item)| self.lookup_level(false, item, hidden, true))
                .collect::<Result<_>>()?,
        })
    }
}

/// History = the file plus the overlay.
pub(super) struct Combined<'a> {
    pub(super) base: Option<&'a IndexFile>,
    pub(super) overlay: &'a Overlay,
    /// Lookups done beforehand for the items of one prepared document: the
    /// document's item is recognised by address, a passage by its slot in
    /// `Prepared::passages` (checked by address).
    pub(super) pre: Option<(&'a Prepared, &'a BaseLookup)>,
    /// Documents left out of lookups done now (ascending).
    pub(super) hidden: &'a [u32],
}

impl Combined<'_> {
    /// The lookup of `item` in the file: done beforehand, or now. `slot`
    /// is `None` for the document's item and the passage's slot in
    /// `Prepared::passages` for a passage.
    fn lookup(
        &self,
        slot: Option<usize>,
        item: &IndexItem,
    ) -> Result<Option<Cow<'_, LevelLookup>>> {
        let documents = slot.is_none();
        if let Some((prepared, lookup)) = self.pre {
            let found = match slot {
                None => prepared.doc.as_ref().zip(lookup.doc.as_ref()),
                Some(k) => prepared
                    .passages
                    .get(k)
                    .map(|(_, p)| p)
                    .zip(lookup.passages.get(k)),
            };
            // The same item, not only the same slot of another document.
            if let Some((p, l)) = found
                && std::ptr::eq(p, item)
            {
                return Ok(Some(Cow::Borrowed(l)));
            }
        }
        match self.base {
            Some(b) => Ok(Some(Cow::Owned(b.lookup_level(
                documents,
                item,
                self.hidden,
                false,
            )?))),
            None => Ok(None),
        }
    }
}

impl History for Combined<'_> {
    type Error = Error;

    fn document_matches(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Result<Vec<DocumentVerdict>> {
        let mut out = Vec::new();
        if let Some(l) = self.lookup(None, item)? {
            out.extend_from_slice(&l.docs);
        }
        let level = &self.overlay.docs.level;
        let matches = level.member_matches(item, verifier).into_iter();
        out.extend(matches.map(|(d, sim)| (DocId::new(d), sim)));
        Ok(out)
    }

    fn passage_match(
        &self,
        slot: usize,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Result<Option<(PassageId, Similarity)>> {
        let mut found: Vec<(PassageId, Similarity)> = Vec::new();
        if let Some(l) = self.lookup(Some(slot), item)? {
            found.extend_from_slice(&l.passages);
        }
        let level = &self.overlay.passages.level;
        let matches = level.first_matches(item, verifier).into_iter();
        found.extend(matches.map(|(p, sim)| (self.overlay.passage_ids[p as usize], sim)));
        Ok(found.into_iter().min_by_key(|&(id, _)| id))
    }

    fn next_doc(&self) -> u32 {
        (self.base.map_or(0, |b| b.docs) + self.overlay.ids.len() as u64) as u32
    }
}

/// The bytes of a document group's members in the members section. A
/// record whose first member lies past any offset the section could have is
/// a damaged file (an error), not an overflow (found by `fuzz/`, target
/// `index_file`).
fn read_members(r: &Reader, rec: &GroupRecord) -> Result<Vec<u8>> {
    let start = rec.first.checked_mul(4).ok_or_else(|| {
        r.corrupt(format!(
            "a document group's first member ({}) is out of range",
            rec.first
        ))
    })?;
    r.read(sec::DOC_MEMBERS, start, rec.members as u64 * 4)
}

#[cfg(test)]
mod tests {
    use super::super::test_texts::texts;
    use super::*;
    use crate::config::Config;

    impl IndexFile {
        /// [`lookup_level`](IndexFile::lookup_level) the plain way: every
        /// segment searched, through [`DiskLevel::matches_naive`](super::super::level::DiskLevel::matches_naive).
        fn lookup_level_naive(
            &self,
            documents: bool,
            item: &IndexItem,
            hidden: &[u32],
        ) -> LevelLookup {
            let verifier = if documents {
                self.dedup.verifier(Level::Document)
            } else {
                self.dedup.verifier(Level::Passage)
            };
            let live = |d: u32| hidden.binary_search(&d).is_err();
            let mut out = LevelLookup::default();
            for seg in &self.segments {
                let level = if documents { &seg.docs } else { &seg.passages };
                let found = level.matches_naive(&seg.reader, item, verifier).unwrap();
                for (_, sim, rec, identical) in found {
                    // A passage group holds its set while its first copy is
                    // live.
                    let first = seg.base + passage_id_unpack(rec.first).doc.as_u32() as u64;
                    out.identical |= identical && (documents || live(first as u32));
                    out.push(self, seg, documents, &rec, sim, live).unwrap();
                }
            }
            out
        }
    }

    /// The lookups of a query and of a batch (early exit across segments,
    /// the own group's unread bands) find what reading every band of every
    /// segment finds: the same matching documents, the same earliest
    /// passage, the same "a segment holds this very set".
    #[test]
    fn lookups_find_what_reading_every_band_of_every_segment_finds() {
        let dir = tempfile::TempDir::new().unwrap();
        for (n, config) in [
            (
                0u64,
                Config::new()
                    .shingle_size(2)
                    .threshold(0.6)
                    .min_passage_tokens(3),
            ),
            (
                1,
                Config::new()
                    .shingle_size(2)
                    .threshold(0.6)
                    .min_passage_tokens(3)
                    .verification(crate::verify::Verification::Estimate),
            ),
        ] {
            let path = dir.path().join(format!("i{n}.edx"));
            let docs = texts(160, 7 + n);
            let mut index = IndexFile::create(&path, config).unwrap();
            for (b, chunk) in docs.chunks(9).enumerate() {
                index
                    .add_batch(
                        chunk
                            .iter()
                            .enumerate()
                            .map(|(i, t)| (format!("{b}-{i}"), t.as_str())),
                    )
                    .unwrap();
            }
            assert!(index.segments.len() > 3, "{}", index.segments.len());
            // Remove some early documents: their passages were the earliest
            // copies, so a later segment's copy must be found instead.
            let gone: Vec<String> = (0..6)
                .flat_map(|b| [format!("{b}-0"), format!("{b}-3")])
                .collect();
            index.remove(gone.iter().map(String::as_str)).unwrap();
            let mut probes = docs.clone();
            probes.extend(texts(40, 99 + n));
            let (mut hits, mut late) = (0, 0);
            // Segment by segment first; then through the joint tables that
            // a query builds (`joint.rs`), which a batch's lookups
            // (`identity`) do not use.
            assert!(index.joint.get().is_none());
            let passes = probes.iter().chain(&probes).enumerate();
            for (k, text) in passes {
                if k == probes.len() {
                    index.load_query_tables().unwrap();
                    assert!(index.joint.get().is_some());
                }
                let doc = index.dedup.analyzer().analyze(text);
                let prepared = crate::index::prepare(&index.dedup, &doc);
                for (documents, item) in prepared
                    .doc
                    .iter()
                    .map(|i| (true, i))
                    .chain(prepared.passages.iter().map(|(_, i)| (false, i)))
                {
                    let want = index.lookup_level_naive(documents, item, &index.removed);
                    for identity in [false, true] {
                        let got = index
                            .lookup_level(documents, item, &index.removed, identity)
                            .unwrap();
                        let sorted = |v: &[(DocId, Similarity)]| {
                            let mut v: Vec<(u32, f64)> = v
                                .iter()
                                .map(|(d, s)| {
                                    (d.as_u32(), s.score(crate::verify::Measure::Jaccard))
                                })
                                .collect();
                            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
                            v
                        };
                        assert_eq!(sorted(&got.docs), sorted(&want.docs));
                        let first =
                            |l: &LevelLookup| l.passages.iter().min_by_key(|(p, _)| *p).copied();
                        assert_eq!(first(&got), first(&want), "{text}");
                        if identity || documents {
                            assert_eq!(got.identical, want.identical, "{text}");
                        }
                    }
                    if !documents && !want.passages.is_empty() {
                        hits += 1;
                        late += (want.passages.len() > 1) as usize;
                    }
                }
            }
            // The data exercised what it is meant to (counted in both passes).
            assert!(hits > 200 && late > 20, "{hits} {late}");
        }
    }
}
