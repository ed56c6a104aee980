//! Writing an index file: [`write_index`] writes the index of an open file
//! (`base`, copied section by section with [`Sequential`]) plus an
//! [`Overlay`] of new documents to a new file, through the crate's atomic
//! writer. Band runs and id hashes are merged in sorted order, so the bytes
//! depend only on the documents and their order, not on the batches.

use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::Segment;
use super::codec::encode_config;
use super::copies::{CopyRecord, write_copies};
use super::format::{
    BLOCK, BitPacker, ENTRY_LEN, Entries, EntryStream, GROUP_LEN, GroupRecord, HEADER_LEN, ID_SEED,
    KEY_MASK_V2, Meta, SEGMENT_FORMAT_VERSION, SEGMENT_MAGIC, bucket_of, dir_bits, le32, le64,
    passage_id_pack, passage_id_unpack, sec,
};
use super::level::GroupData;
use super::overlay::Overlay;
use super::read::Sequential;
use super::sets::{DocSetCode, MinIndex, put_set};
use crate::atomic::AtomicWriter;
use crate::config::Config;
use crate::corpus::{DocId, PassageId};
use crate::error::{Error, Result};
use crate::verify::Verification;

/// Streams sections into a file, with a checksum per block; keeps the
/// section table's entries (offset, length, checksum of the block
/// checksums) as it goes.
pub(super) struct SectionWriter {
    target: PathBuf,
    out: BufWriter<AtomicWriter>,
    pos: u64,
    sums: Vec<u64>,
    block: Vec<u8>,
    table: Vec<(u64, u64, u64)>,
    section_start: u64,
    section_first_block: usize,
}

impl SectionWriter {
    fn err(&self, e: io::Error) -> Error {
        Error::io("writing", &self.target, e)
    }

    /// Appends `bytes` to the current section.
    pub(super) fn put(&mut self, mut bytes: &[u8]) -> Result<()> {
        while !bytes.is_empty() {
            let room = BLOCK as usize - self.block.len();
            let n = room.min(bytes.len());
            self.block.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.block.len() == BLOCK as usize {
                self.flush_block()?;
            }
        }
        Ok(())
    }

    /// Writes out the current block, full or not.
    fn flush_block(&mut self) -> Result<()> {
        if !self.block.is_empty() {
            self.sums.push(xxh3_64(&self.block));
            if let Err(e) = self.out.write_all(&self.block) {
                return Err(self.err(e));
            }
            self.pos += self.block.len() as u64;
            self.block.clear();
        }
        Ok(())
    }

    /// Ends the current section (its last block may be short).
    pub(super) fn end_section(&mut self) -> Result<()> {
        self.flush_block()?;
        let bytes: Vec<u8> = self.sums[self.section_first_block..]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        self.table.push((
            self.section_start,
            self.pos - self.section_start,
            xxh3_64(&bytes),
        ));
        self.section_start = self.pos;
        self.section_first_block = self.sums.len();
        Ok(())
    }
}

/// Writes the index of `base` plus `overlay` to `target`, atomically (see
/// `crate::atomic`): the target is replaced only once the whole new file is
/// on disk, and an error leaves it as it was. The file has this build's
/// segment layout, and so must `base` (its data is copied as it is).
pub(super) fn write_index(
    target: &Path,
    config: &Config,
    base: Option<&Segment>,
    overlay: &Overlay,
) -> Result<()> {
    debug_assert!(base.is_none_or(|b| b.docs.layout == SEGMENT_FORMAT_VERSION));
    let file = AtomicWriter::create(target)?;
    write_contents(file, config, base, overlay)?.commit()
}

/// Writes the whole file to `file`, section after section, then the header
/// and section table at its start; returns it, ready to commit.
fn write_contents(
    file: AtomicWriter,
    config: &Config,
    base: Option<&Segment>,
    overlay: &Overlay,
) -> Result<AtomicWriter> {
    let mut w = SectionWriter::begin(file)?;

    let old = base.map(|b| b.meta).unwrap_or_default();
    let new_docs = overlay.ids.len() as u64;
    let doc_groups = old.doc_groups + overlay.docs.len() as u64;
    let passage_groups = old.passage_groups + overlay.passages.len() as u64;
    let joined: u64 = overlay.doc_joins.values().map(|v| v.len() as u64).sum();
    let new_members: u64 = overlay
        .docs
        .level
        .groups
        .iter()
        .map(|g| g.len() as u64)
        .sum();
    let meta = Meta {
        docs: old.docs + new_docs,
        passages: old.passages + overlay.num_passages,
        doc_groups,
        passage_groups,
        doc_bits: dir_bits(doc_groups),
        passage_bits: dir_bits(passage_groups),
        doc_members: old.doc_members + joined + new_members,
    };

    // config, meta
    w.put(&encode_config(config)?)?;
    w.end_section()?;
    w.put(&meta.encode())?;
    w.end_section()?;

    // id offsets, id bytes, id hashes
    let old_id_bytes = base.map_or(0, |b| b.reader.len(sec::ID_BYTES));
    match base {
        Some(b) => {
            Sequential::new(&b.reader, sec::ID_OFFSETS).copy_to((old.docs + 1) * 8, &mut w)?
        }
        None => w.put(&0u64.to_le_bytes())?,
    }
    let mut at = old_id_bytes;
    for id in &overlay.ids {
        at += id.len() as u64;
        w.put(&at.to_le_bytes())?;
    }
    w.end_section()?;
    if let Some(b) = base {
        Sequential::new(&b.reader, sec::ID_BYTES).copy_to(old_id_bytes, &mut w)?;
    }
    for id in &overlay.ids {
        w.put(id.as_bytes())?;
    }
    w.end_section()?;
    let mut new_hashes: Vec<(u64, u32)> = overlay
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                xxh3_64(id.as_bytes()) ^ ID_SEED,
                (old.docs + i as u64) as u32,
            )
        })
        .collect();
    new_hashes.sort_unstable();
    {
        let mut old_seq = base.map(|b| Sequential::new(&b.reader, sec::ID_HASHES));
        let mut left = old.docs;
        let mut cur = pull_entry(&mut old_seq, &mut left)?;
        let mut new = new_hashes.into_iter().peekable();
        loop {
            let take_old = match (cur, new.peek()) {
                (Some(o), Some(n)) => o <= *n,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (h, d) = if take_old {
                let v = cur.expect("checked");
                cur = pull_entry(&mut old_seq, &mut left)?;
                v
            } else {
                new.next().expect("checked")
            };
            let mut e = [0u8; 12];
            e[..8].copy_from_slice(&h.to_le_bytes());
            e[8..].copy_from_slice(&d.to_le_bytes());
            w.put(&e)?;
        }
    }
    w.end_section()?;

    // the two levels
    write_level(&mut w, config, base, overlay, true, meta)?;
    write_level(&mut w, config, base, overlay, false, meta)?;

    // passage copies: the base's (numbered in it, as in the new file) and
    // the overlay's
    let mut copies = match base {
        Some(b) => b.copies()?,
        None => Vec::new(),
    };
    copies.extend(overlay.copies.iter().map(|&(fingerprint, p)| CopyRecord {
        fingerprint,
        doc: overlay.local(p.doc.as_u32()),
        index: p.index,
    }));
    write_copies(&mut w, copies)?;

    w.finish(config)
}

impl SectionWriter {
    /// A writer of a new file to `file`, at the first section (the header
    /// and section table are written by [`finish`](SectionWriter::finish)).
    pub(super) fn begin(file: AtomicWriter) -> Result<SectionWriter> {
        let target = file.target().to_path_buf();
        let table_end = (HEADER_LEN + sec::COUNT * ENTRY_LEN) as u64;
        let mut w = SectionWriter {
            target,
            out: BufWriter::with_capacity(1 << 20, file),
            pos: table_end,
            sums: Vec::new(),
            block: Vec::with_capacity(BLOCK as usize),
            table: Vec::new(),
            section_start: table_end,
            section_first_block: 0,
        };
        if let Err(e) = w.out.write_all(&[0u8; HEADER_LEN + sec::COUNT * ENTRY_LEN]) {
            return Err(w.err(e));
        }
        Ok(w)
    }

    /// Ends the file once its 15 sections are written: the block
    /// checksums, then the header and section table at its start; returns
    /// it, ready to commit.
    pub(super) fn finish(self, config: &Config) -> Result<AtomicWriter> {
        let mut w = self;
        let target = w.target.clone();
        let io_err = |e: io::Error| Error::io("writing", &target, e);
        // block checksums, then header and table
        w.flush_block()?;
        let sums: Vec<u8> = w.sums.iter().flat_map(|v| v.to_le_bytes()).collect();
        w.out.write_all(&sums).map_err(io_err)?;
        w.table.push((w.pos, sums.len() as u64, xxh3_64(&sums)));
        w.pos += sums.len() as u64;
        let mut head = Vec::with_capacity(HEADER_LEN + sec::COUNT * ENTRY_LEN);
        head.extend_from_slice(&SEGMENT_MAGIC);
        head.extend_from_slice(&SEGMENT_FORMAT_VERSION.to_le_bytes());
        head.extend_from_slice(&(sec::COUNT as u32).to_le_bytes());
        head.extend_from_slice(&(BLOCK as u32).to_le_bytes());
        head.extend_from_slice(&0u32.to_le_bytes());
        head.extend_from_slice(&config.fingerprint()?.to_le_bytes());
        head.extend_from_slice(&w.pos.to_le_bytes());
        head.extend_from_slice(&[0u8; 16]);
        let mut table = Vec::with_capacity(sec::COUNT * ENTRY_LEN);
        for (i, (offset, len, sum)) in w.table.iter().enumerate() {
            table.extend_from_slice(&(i as u32).to_le_bytes());
            table.extend_from_slice(&0u32.to_le_bytes());
            table.extend_from_slice(&offset.to_le_bytes());
            table.extend_from_slice(&len.to_le_bytes());
            table.extend_from_slice(&sum.to_le_bytes());
        }
        debug_assert_eq!(w.table.len(), sec::COUNT);
        let mut summed = head.clone();
        summed.extend_from_slice(&table);
        head.extend_from_slice(&xxh3_64(&summed).to_le_bytes());
        head.extend_from_slice(&table);
        let mut file = w.out.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        file.write_all(&head).map_err(io_err)?;
        Ok(file)
    }
}

/// The next of `left` 12-byte (u64, u32) entries of `seq`.
fn pull_entry(seq: &mut Option<Sequential<'_>>, left: &mut u64) -> Result<Option<(u64, u32)>> {
    if *left == 0 {
        return Ok(None);
    }
    *left -= 1;
    let e = seq
        .as_mut()
        .expect("a base file when it has entries")
        .next(12)?;
    Ok(Some((le64(e, 0), le32(e, 8))))
}

/// The data of each new group of one level, with sets (exact
/// verification), as layout 3 codes it: a passage's set Rice-coded, a
/// document's set as references to passage groups of the segment plus a
/// residual ([`DocSetCode`]): every passage group of the base (numbered
/// from 0; its documents come first) and every new one first seen in the
/// group's first document or before it (numbered from
/// `old_passage_groups`) whose set is a non-empty subset of the document's.
/// Empty without sets.
fn encode_data(
    base: Option<&Segment>,
    overlay: &Overlay,
    documents: bool,
    verification: Verification,
    old_passage_groups: u64,
) -> Result<Vec<Vec<u8>>> {
    if verification != Verification::Exact {
        return Ok(Vec::new());
    }
    let new = if documents {
        &overlay.docs
    } else {
        &overlay.passages
    };
    if !documents {
        return Ok(new
            .level
            .sets
            .par_iter()
            .map(|set| {
                let mut out = Vec::new();
                put_set(&mut out, set.as_slice());
                out
            })
            .collect());
    }
    let passages = &overlay.passages;
    let first_docs: Vec<u32> = passages
        .firsts
        .iter()
        .map(|&f| passage_id_unpack(f).doc.as_u32())
        .collect();
    // The base's passage sets (a fold that copies its first segment holds
    // every set in memory anyway).
    let mut base_sets: Vec<Vec<u64>> = Vec::new();
    if let Some(b) = base {
        for rec in b.passages.records(&b.reader)? {
            match b.passages.data(&b.reader, &rec)? {
                GroupData::Set(set) => base_sets.push(set.as_slice().to_vec()),
                GroupData::Signature(_) => {
                    return Err(b.reader.corrupt("a passage group holds no set"));
                }
            }
        }
    }
    debug_assert_eq!(base_sets.len() as u64, old_passage_groups);
    let set_of = |g: u64| -> &[u64] {
        match g.checked_sub(old_passage_groups) {
            None => &base_sets[g as usize],
            Some(p) => passages.level.sets[p as usize].as_slice(),
        }
    };
    let pairs: Vec<(u64, u32)> = (0..old_passage_groups + passages.len() as u64)
        .filter_map(|g| set_of(g).first().map(|&m| (m, g as u32)))
        .collect();
    let by_min = MinIndex::new(pairs);
    Ok((0..new.len())
        .into_par_iter()
        .map(|g| {
            let set = new.level.sets[g].as_slice();
            let mut out = Vec::new();
            let mut cands = Vec::new();
            if let Some(&d) = new.level.groups[g].first() {
                by_min.candidates(set, &mut cands);
                cands.retain(|&c| match (c as u64).checked_sub(old_passage_groups) {
                    None => true,
                    Some(p) => first_docs[p as usize] <= d,
                });
                cands.sort_unstable();
                cands.dedup();
            }
            DocSetCode::choose(set, cands.iter().map(|&c| (c as u64, set_of(c as u64))))
                .encode(&mut out);
            out
        })
        .collect())
}

/// Writes the groups, data, (members,) bands and directory of one level.
fn write_level(
    w: &mut SectionWriter,
    config: &Config,
    base: Option<&Segment>,
    overlay: &Overlay,
    documents: bool,
    meta: Meta,
) -> Result<()> {
    let (disk, new, total, bits) = match (documents, base) {
        (true, b) => (
            b.map(|b| &b.docs),
            &overlay.docs,
            meta.doc_groups,
            meta.doc_bits,
        ),
        (false, b) => (
            b.map(|b| &b.passages),
            &overlay.passages,
            meta.passage_groups,
            meta.passage_bits,
        ),
    };
    let reader = base.map(|b| &b.reader);
    let old_groups = disk.map_or(0, |d| d.groups);
    let old_data = match (disk, reader) {
        (Some(d), Some(r)) => r.len(d.data_sec),
        _ => 0,
    };
    let verification = config.get_verification();
    let num_perm = config.get_num_perm();
    let old_passage_groups = base.map_or(0, |b| b.passages.groups);
    let encoded = encode_data(base, overlay, documents, verification, old_passage_groups)?;

    // groups
    let mut member_at = 0u64;
    if let (Some(d), Some(r)) = (disk, reader) {
        let mut seq = Sequential::new(r, d.groups_sec);
        for g in 0..old_groups {
            let mut rec = GroupRecord::decode(seq.next(GROUP_LEN as usize)?);
            if documents {
                let joined = overlay.doc_joins.get(&(g as u32)).map_or(0, Vec::len);
                rec.first = member_at;
                rec.members += joined as u32;
                member_at += rec.members as u64;
            }
            w.put(&rec.encode())?;
        }
    }
    let mut data_at = old_data;
    for g in 0..new.len() {
        let (len, size) = match verification {
            Verification::Exact => (
                new.level.sets[g].len() as u32,
                encoded.get(g).map_or(0, |e| e.len() as u64),
            ),
            _ => (new.level.signatures[g].1 as u32, num_perm as u64 * 4),
        };
        let members = new.level.groups[g].len() as u32;
        let rec = GroupRecord {
            fingerprint: new.fingerprints[g],
            data: data_at,
            len,
            members: if documents { members } else { 0 },
            first: if documents {
                member_at
            } else {
                let p = passage_id_unpack(new.firsts[g]);
                passage_id_pack(PassageId::new(
                    DocId::new(overlay.local(p.doc.as_u32())),
                    p.index,
                ))
            },
            end: 0,
        };
        if documents {
            member_at += members as u64;
        }
        data_at += size;
        w.put(&rec.encode())?;
    }
    w.end_section()?;

    // data
    if let (Some(d), Some(r)) = (disk, reader) {
        Sequential::new(r, d.data_sec).copy_to(old_data, w)?;
    }
    match verification {
        Verification::Exact => {
            for code in &encoded {
                w.put(code)?;
            }
        }
        _ => {
            for (sig, _) in &new.level.signatures {
                for v in sig.as_slice() {
                    w.put(&v.to_le_bytes())?;
                }
            }
        }
    }
    w.end_section()?;

    // members (documents only)
    if documents {
        if let (Some(d), Some(r)) = (disk, reader) {
            let mut groups = Sequential::new(r, d.groups_sec);
            let mut members = Sequential::new(r, sec::DOC_MEMBERS);
            for g in 0..old_groups {
                let rec = GroupRecord::decode(groups.next(GROUP_LEN as usize)?);
                members.copy_to(rec.members as u64 * 4, w)?;
                for &m in overlay.doc_joins.get(&(g as u32)).into_iter().flatten() {
                    w.put(&m.to_le_bytes())?;
                }
            }
        }
        for g in &new.level.groups {
            for &m in g {
                w.put(&overlay.local(m).to_le_bytes())?;
            }
        }
        w.end_section()?;
    }

    // bands, merged band by band; the directory is counted on the way
    let bands = if documents {
        config.get_banding()?.bands()
    } else {
        config.get_passage_banding()?.bands()
    };
    let buckets = 1usize << bits;
    let mut dir: Vec<u32> = Vec::with_capacity(bands * (buckets + 1));
    let mut old_seq = match (disk, reader) {
        (Some(d), Some(r)) => Some(EntryStream::new(
            Sequential::new(r, d.bands_sec),
            d.entries,
            &d.dir,
            d.groups,
        )),
        _ => None,
    };
    let entries = Entries::new(SEGMENT_FORMAT_VERSION, total, bits);
    let mut packed = BitPacker::default();
    for band in 0..bands {
        let mut fresh: Vec<(u64, u32)> = (0..new.len())
            .map(|g| {
                let key = new.keys[g * bands + band] & KEY_MASK_V2;
                (key, (old_groups + g as u64) as u32)
            })
            .collect();
        fresh.sort_unstable();
        let mut counts = vec![0u32; buckets];
        let mut fresh = fresh.into_iter().peekable();
        if band > 0
            && let Some(seq) = &mut old_seq
        {
            seq.next_band();
        }
        let pull = |seq: &mut Option<EntryStream<'_>>| match seq {
            Some(s) => s.next(),
            None => Ok(None),
        };
        let mut cur = pull(&mut old_seq)?;
        loop {
            let take_old = match (cur, fresh.peek()) {
                (Some(o), Some(n)) => o <= *n,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (k, g) = if take_old {
                let v = cur.expect("checked");
                cur = pull(&mut old_seq)?;
                v
            } else {
                fresh.next().expect("checked")
            };
            counts[bucket_of(k, bits)] += 1;
            entries.put(&mut packed, k, g);
            if packed.out.len() >= 1 << 16 {
                w.put(&packed.out)?;
                packed.out.clear();
            }
        }
        let mut at = 0u32;
        dir.push(0);
        for c in counts {
            at += c;
            dir.push(at);
        }
        debug_assert_eq!(at as u64, total);
    }
    packed.finish();
    w.put(&packed.out)?;
    w.end_section()?;
    for v in dir {
        w.put(&v.to_le_bytes())?;
    }
    w.end_section()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::IndexFile;
    use super::super::level::GroupData;
    use crate::analyze::Analyzer;
    use crate::config::Config;
    use crate::segment::Segmentation;
    use crate::shingle::Shingling;

    /// Paragraphs from a small vocabulary, so that passages repeat within
    /// and across documents, some shorter than a shingle.
    fn text() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "harbour", "ferry", "storm", "council", "vote", "the", "a", "on", "Friday", "fleet",
        ]);
        let paragraph = prop::collection::vec(word, 0..12).prop_map(|w| w.join(" "));
        let sep = prop::sample::select(vec!["\n\n", "\n", " "]);
        prop::collection::vec((paragraph, sep), 0..8).prop_map(|ps| {
            ps.into_iter()
                .map(|(p, s)| format!("{p}{s}"))
                .collect::<String>()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// Issue 15: a stored document set (layout 2: references to passage
        /// sets plus a residual) is exactly the analyzer's document set, for
        /// any text and configuration: passages indexed or not, one passage
        /// or many, passages shorter than a shingle, batches and folds.
        #[test]
        fn stored_document_sets_are_the_analyzer_s(
            texts in prop::collection::vec(text(), 1..7),
            words in any::<bool>(),
            size in 1usize..6,
            passages in any::<bool>(),
            segmentation in prop::sample::select(vec![
                Segmentation::BlankLines, Segmentation::Lines, Segmentation::Auto,
            ]),
            min_tokens in 0usize..4,
            split in 0usize..7,
        ) {
            let shingling = if words { Shingling::Words(size) } else { Shingling::Chars(size) };
            let config = Config::new()
                .shingling(shingling)
                .segmentation(segmentation)
                .passages(passages)
                .min_passage_tokens(min_tokens);
            let dir = tempfile::TempDir::new().unwrap();
            let path = dir.path().join("p.edx");
            let mut index = IndexFile::create(&path, config.clone()).unwrap();
            let docs: Vec<(String, String)> =
                texts.iter().enumerate().map(|(i, t)| (format!("d{i}"), t.clone())).collect();
            let split = split.min(docs.len());
            index.add_batch(docs[..split].to_vec()).unwrap();
            index.add_batch(docs[split..].to_vec()).unwrap();
            let analyzer = Analyzer::new(&config).unwrap();
            let mut wanted: Vec<u64> = texts
                .iter()
                .map(|t| analyzer.analyze(t).shingles().fingerprint())
                .collect();
            wanted.sort_unstable();
            for round in 0..2 {
                for seg in &index.segments {
                    for rec in seg.docs.records(&seg.reader).unwrap() {
                        let GroupData::Set(set) = seg.docs.data(&seg.reader, &rec).unwrap() else {
                            panic!("exact verification stores sets");
                        };
                        prop_assert_eq!(set.len(), rec.len as usize);
                        prop_assert_eq!(set.fingerprint(), rec.fingerprint);
                        prop_assert!(wanted.binary_search(&rec.fingerprint).is_ok());
                    }
                }
                if round == 0 {
                    index.optimize().unwrap();
                }
            }
        }
    }
}

#[cfg(test)]
mod reference_tests {
    use super::super::IndexFile;
    use super::super::sets::DocSetCode;
    use crate::config::Config;

    /// A document of long paragraphs stores references to each paragraph's
    /// set and, as its residual, only the windows across the breaks.
    #[test]
    fn a_document_refers_to_its_passages() {
        let paragraphs = [
            "Gales kept the ferry fleet in port for a third day on Thursday morning.",
            "The council will vote on the new harbour wall before the summer recess.",
            "Fishermen said the closure had cost them a week of the best catches.",
        ];
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("r.edx");
        let mut index = IndexFile::create(&path, Config::new()).unwrap();
        index.add_batch([("a", paragraphs.join("\n\n"))]).unwrap();
        let seg = &index.segments[0];
        let rec = seg.docs.records(&seg.reader).unwrap()[0];
        let b = seg
            .reader
            .read(seg.docs.data_sec, rec.data, rec.end - rec.data)
            .unwrap();
        let code = DocSetCode::decode(&b, seg.passages.groups, 3).unwrap();
        assert_eq!(code.refs, [0, 1, 2]);
        // Word 5-shingles: 4 windows across each of the 2 breaks.
        assert_eq!(code.residual.len(), 8);
    }

    /// Layout 3: a document refers to a passage group first seen in an
    /// earlier document of its segment (a shared paragraph), not only to
    /// those first seen in it, so the shared paragraph is not in its
    /// residual; a later document's passage is not referred to.
    #[test]
    fn a_document_refers_to_shared_paragraphs_of_earlier_documents() {
        let shared = "The council will vote on the new harbour wall before the summer recess.";
        let a =
            format!("Gales kept the ferry fleet in port for a third day on Thursday.\n\n{shared}");
        let b = format!("{shared}\n\nFishermen said the closure had cost them a week of catches.");
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("s.edx");
        let mut index = IndexFile::create(&path, Config::new()).unwrap();
        index.add_batch([("a", a), ("b", b)]).unwrap();
        let seg = &index.segments[0];
        assert_eq!(seg.passages.groups, 3);
        let codes: Vec<DocSetCode> = seg
            .docs
            .records(&seg.reader)
            .unwrap()
            .iter()
            .map(|rec| {
                let b = seg
                    .reader
                    .read(seg.docs.data_sec, rec.data, rec.end - rec.data)
                    .unwrap();
                DocSetCode::decode(&b, seg.passages.groups, 3).unwrap()
            })
            .collect();
        assert_eq!(codes[0].refs, [0, 1]);
        assert_eq!(codes[1].refs, [1, 2]);
        assert_eq!(codes[1].runs(), [(1, 2)]);
        // 4 windows across the one break each.
        assert_eq!(codes[0].residual.len(), 4);
        assert_eq!(codes[1].residual.len(), 4);
    }
}
