//! The persistent index (`echodup::store`, issue 6): round trip against the
//! in-memory `DedupIndex`, incremental batches, merges, crash safety,
//! corruption, the committed version-1 file and configuration refusals.
//! The tests on generated corpora need the `tools` feature.

use std::path::{Path, PathBuf};

use echodup::store::{IndexFile, OnExistingId, STORE_FORMAT_VERSION};
use echodup::{Config, DedupIndex, ErrorKind, Segmentation, Verdict, Verification};
use proptest::prelude::*;
use tempfile::TempDir;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The configuration `tests/data/index-v1.edx` was written with: the
/// default of its time, when the default segmentation was blank lines.
fn fixture_config() -> Config {
    Config::new().segmentation(Segmentation::BlankLines)
}

/// The documents of `tests/data/index-v1.jsonl`.
fn fixture_docs() -> Vec<(String, String)> {
    std::fs::read_to_string(data("index-v1.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Synthetic news with planted duplicates, with ids.
#[cfg(feature = "tools")]
fn synth_docs(n: usize, seed: u64) -> Vec<(String, String)> {
    echodup::synth::news_like(n, seed)
        .into_iter()
        .enumerate()
        .map(|(i, t)| (format!("s{seed}-{i}"), t))
        .collect()
}

/// Texts to query with: some indexed documents, edited copies, and new text.
fn probes(docs: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = docs.iter().step_by(3).map(|(_, t)| t.clone()).collect();
    for (_, t) in docs.iter().step_by(5) {
        let mut paragraphs: Vec<&str> = t.split("\n\n").collect();
        paragraphs.reverse();
        paragraphs.push("An unrelated closing paragraph written only for the probe text.");
        out.push(paragraphs.join("\n\n"));
        out.push(t.replacen(' ', "  ", 3).to_uppercase());
    }
    out.push(String::new());
    out.push("Nothing like this was ever indexed, not even close.".into());
    out
}

fn memory_index(config: &Config, docs: &[(String, String)]) -> (DedupIndex, Vec<Verdict>) {
    let mut index = DedupIndex::new(config.clone()).unwrap();
    let verdicts = docs.iter().map(|(_, t)| index.add(t).unwrap()).collect();
    (index, verdicts)
}

fn build(path: &Path, config: &Config, batches: &[&[(String, String)]]) -> Vec<Verdict> {
    let mut index = IndexFile::create(path, config.clone()).unwrap();
    let mut verdicts = Vec::new();
    for b in batches {
        verdicts.extend(index.add_batch(b.iter().cloned()).unwrap());
    }
    verdicts
}

/// The segment files of the index at `path`, in order of their numbers.
fn segment_files(path: &Path) -> Vec<PathBuf> {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(".segments");
    let dir = path.with_file_name(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "seg"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The canonical content of the index at `path`: the bytes of its one
/// segment after `optimize` (empty for an index without documents).
fn canonical(path: &Path) -> Vec<u8> {
    IndexFile::open_for_writing(path)
        .unwrap()
        .optimize()
        .unwrap();
    let files = segment_files(path);
    assert!(files.len() <= 1, "{files:?}");
    files
        .first()
        .map(|f| std::fs::read(f).unwrap())
        .unwrap_or_default()
}

fn assert_same_answers(file: &IndexFile, memory: &DedupIndex, probes: &[String]) {
    assert_eq!(file.len(), memory.len());
    assert_eq!(file.num_passages(), memory.num_passages());
    for p in probes {
        assert_eq!(file.query(p).unwrap(), memory.query(p), "probe {p:.60}");
    }
}

#[cfg(feature = "tools")]
fn configs() -> Vec<Config> {
    vec![
        Config::new(),
        Config::new()
            .threshold(0.6)
            .shingle_size(3)
            .min_passage_tokens(4),
        Config::new()
            .verification(Verification::Estimate)
            .num_perm(64),
        Config::new()
            .measure(echodup::Measure::Containment)
            .shingling(echodup::Shingling::Chars(5)),
        Config::new().passages(false),
    ]
}

#[cfg(feature = "tools")]
#[test]
fn round_trip_gives_the_answers_of_the_memory_index() {
    let dir = TempDir::new().unwrap();
    let docs = synth_docs(400, 11);
    let probes = probes(&docs);
    for (n, config) in configs().into_iter().enumerate() {
        let path = dir.path().join(format!("rt-{n}.edx"));
        let (memory, expected) = memory_index(&config, &docs);
        let verdicts = build(&path, &config, &[&docs]);
        assert_eq!(verdicts, expected, "config {n}");
        assert!(
            verdicts.iter().any(Verdict::is_duplicate),
            "the corpus has planted duplicates"
        );
        let file = IndexFile::open(&path).unwrap();
        file.verify().unwrap();
        assert_same_answers(&file, &memory, &probes);
        assert_eq!(
            file.config().fingerprint().unwrap(),
            config.fingerprint().unwrap()
        );
        // Ids come back as given.
        for (i, (id, _)) in docs.iter().enumerate().step_by(37) {
            let doc = echodup::DocId::new(i as u32);
            assert_eq!(&file.doc_id(doc).unwrap(), id);
            assert_eq!(file.find(id).unwrap(), Some(doc));
        }
        assert_eq!(file.find("no such id").unwrap(), None);
    }
}

#[cfg(feature = "tools")]
#[test]
fn adding_batches_one_by_one_equals_building_once() {
    let dir = TempDir::new().unwrap();
    let docs = synth_docs(300, 5);
    for (n, config) in configs().into_iter().enumerate() {
        let once = dir.path().join(format!("once-{n}.edx"));
        let steps = dir.path().join(format!("steps-{n}.edx"));
        let v1 = build(&once, &config, &[&docs]);
        let v2 = build(
            &steps,
            &config,
            &[&docs[..1], &docs[1..90], &[], &docs[90..91], &docs[91..]],
        );
        assert_eq!(v1, v2);
        assert_eq!(segment_files(&steps).len(), 4, "one segment per batch");
        assert_eq!(canonical(&once), canonical(&steps));
    }
}

#[cfg(feature = "tools")]
#[test]
fn merge_equals_one_index_of_the_union() {
    let dir = TempDir::new().unwrap();
    // Shards that share planted duplicates across their boundary.
    let docs = synth_docs(360, 9);
    for (n, config) in configs().into_iter().enumerate() {
        let p = |name: &str| dir.path().join(format!("{name}-{n}.edx"));
        build(&p("a"), &config, &[&docs[..100]]);
        build(&p("b"), &config, &[&docs[100..250]]);
        build(&p("c"), &config, &[&docs[250..]]);
        build(&p("union"), &config, &[&docs]);
        let info = IndexFile::merge(p("merged"), &[p("a"), p("b"), p("c")]).unwrap();
        assert_eq!(info.documents, 360);
        assert_eq!(segment_files(&p("merged")).len(), 1);
        assert_eq!(
            canonical(&p("merged")),
            canonical(&p("union")),
            "config {n}"
        );
        // Merging a merge with the rest is the same too.
        IndexFile::merge(p("ab"), &[p("a"), p("b")]).unwrap();
        IndexFile::merge(p("ab-c"), &[p("ab"), p("c")]).unwrap();
        assert_eq!(canonical(&p("ab-c")), canonical(&p("union")));
    }
}

#[cfg(feature = "tools")]
#[test]
fn merge_refuses_other_configurations_overlapping_ids_and_its_own_inputs() {
    let dir = TempDir::new().unwrap();
    let docs = synth_docs(20, 3);
    let a = dir.path().join("a.edx");
    let b = dir.path().join("b.edx");
    let c = dir.path().join("c.edx");
    build(&a, &Config::new(), &[&docs[..10]]);
    build(&b, &Config::new().num_perm(256), &[&docs[10..]]);
    build(&c, &Config::new(), &[&docs[5..]]);
    let e = IndexFile::merge(dir.path().join("m.edx"), &[&a, &b]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Incompatible);
    assert!(
        e.to_string()
            .contains("signature size 256 in the file, 128 there"),
        "{e}"
    );
    assert!(e.to_string().contains("b.edx"), "{e}");
    let e = IndexFile::merge(dir.path().join("m.edx"), &[&a, &c]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DuplicateId);
    assert!(e.to_string().contains("\"s3-5\""), "{e}");
    let before = std::fs::read(&a).unwrap();
    let e = IndexFile::merge(&a, &[&a, &c]).unwrap_err();
    assert!(e.to_string().contains("also an input"), "{e}");
    assert_eq!(std::fs::read(&a).unwrap(), before);
    assert!(!dir.path().join("m.edx").exists());
}

#[test]
fn duplicate_ids_are_refused_and_leave_the_index_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("ids.edx");
    let docs = fixture_docs();
    let mut index = IndexFile::create(&path, Config::new()).unwrap();
    index.add_batch(docs[..4].iter().cloned()).unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = index
        .add_batch([("new-1", "fresh text"), ("hg-002", "again")])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DuplicateId);
    assert!(
        e.to_string().contains("\"hg-002\" is already in the index"),
        "{e}"
    );
    let e = index
        .add_batch([("x", "one"), ("y", "two"), ("x", "three")])
        .unwrap_err();
    assert!(e.to_string().contains("\"x\" is given twice"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(index.len(), 4);
    // No temporary file is left behind (the manifest, its lock file and its
    // segment folder).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    assert!(dir.path().join("ids.edx.lock").exists());
}

/// Issue 15: `OnExistingId::Skip` leaves out ids already present (or
/// repeated in the batch) and adds the rest, as one build of the kept
/// documents would.
#[test]
fn skipping_existing_ids_adds_the_rest() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("skip.edx");
    let docs = fixture_docs();
    let mut index = IndexFile::create(&path, Config::new()).unwrap();
    index.add_batch(docs[..4].iter().cloned()).unwrap();
    let mut batch: Vec<(String, String)> = docs[2..].to_vec();
    batch.push(docs[5].clone());
    let staged = index
        .stage_batch(batch.iter().cloned(), OnExistingId::Skip)
        .unwrap();
    assert_eq!(staged.skipped(), &[0, 1, batch.len() - 1]);
    assert_eq!(staged.len(), docs.len() - 4);
    let verdicts = index.commit_batch(staged).unwrap();
    let (memory, expected) = memory_index(&Config::new(), &docs);
    assert_eq!(verdicts, expected[4..]);
    assert_same_answers(&index, &memory, &probes(&docs));
}

/// Issue 15: report, then commit. A staged batch changes nothing until it
/// is committed; dropped, it leaves the index as it was.
#[test]
fn a_staged_batch_changes_nothing_until_committed() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("staged.edx");
    let docs = fixture_docs();
    let mut index = IndexFile::create(&path, Config::new()).unwrap();
    index.add_batch(docs[..4].iter().cloned()).unwrap();
    let before = std::fs::read(&path).unwrap();
    let staged = index
        .stage_batch(docs[4..].iter().cloned(), OnExistingId::Refuse)
        .unwrap();
    let (_, expected) = memory_index(&Config::new(), &docs);
    assert_eq!(staged.verdicts(), &expected[4..]);
    drop(staged);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(IndexFile::open(&path).unwrap().len(), 4);
    let staged = index
        .stage_batch(docs[4..].iter().cloned(), OnExistingId::Refuse)
        .unwrap();
    assert_eq!(index.commit_batch(staged).unwrap(), expected[4..]);
    assert_eq!(IndexFile::open(&path).unwrap().len(), docs.len());
}

/// Issue 15: two writers. A handle whose index another writer replaced
/// since it was opened refuses to commit (the other batch would be lost); a
/// writer holding the lock excludes the others, naming itself; a batch
/// staged on an older state is refused.
#[test]
fn a_second_writer_never_loses_a_batch() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("two.edx");
    let docs = fixture_docs();
    IndexFile::create(&path, Config::new()).unwrap();
    let mut a = IndexFile::open(&path).unwrap();
    let mut b = IndexFile::open(&path).unwrap();
    a.add_batch(docs[..3].iter().cloned()).unwrap();
    let e = b.add_batch(docs[3..6].iter().cloned()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(
        e.to_string().contains("another writer changed the index"),
        "{e}"
    );
    assert_eq!(IndexFile::open(&path).unwrap().len(), 3);

    let holder = IndexFile::open_for_writing(&path).unwrap();
    let e = IndexFile::open_for_writing(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(
        e.to_string()
            .contains(&format!("held by process {}", std::process::id())),
        "{e}"
    );
    let mut c = IndexFile::open(&path).unwrap();
    let e = c.add_batch(docs[3..6].iter().cloned()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    drop(holder);
    let stale = c
        .stage_batch(docs[3..6].iter().cloned(), OnExistingId::Refuse)
        .unwrap();
    c.add_batch(docs[6..8].iter().cloned()).unwrap();
    let e = c.commit_batch(stale).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(e.to_string().contains("older state"), "{e}");

    // The writer with the lock commits batch after batch.
    let mut w = IndexFile::open_for_writing(&path).unwrap();
    w.add_batch(docs[3..6].iter().cloned()).unwrap();
    w.add_batch(docs[8..].iter().cloned()).unwrap();
    assert_eq!(IndexFile::open(&path).unwrap().len(), docs.len());
}

/// Issue 15: the temporary files of a killed writer are removed when the
/// index is next opened for writing (and only this index's).
#[test]
fn opening_for_writing_removes_a_killed_writer_s_temporary_files() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("left.edx");
    IndexFile::create(&path, Config::new()).unwrap();
    let mine = dir.path().join(".left.edx.echodup-AbC123.tmp");
    let other = dir.path().join(".other.edx.echodup-AbC123.tmp");
    std::fs::write(&mine, b"half an index").unwrap();
    std::fs::write(&other, b"someone else's").unwrap();
    IndexFile::open(&path).unwrap();
    assert!(mine.exists(), "a reader removes nothing");
    let _w = IndexFile::open_for_writing(&path).unwrap();
    assert!(!mine.exists());
    assert!(other.exists());
}

#[test]
fn create_refuses_an_existing_file() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("x.edx");
    std::fs::write(&path, b"precious").unwrap();
    let e = IndexFile::create(&path, Config::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

#[test]
fn open_with_refuses_another_configuration_naming_the_parameter() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("c.edx");
    IndexFile::create(&path, Config::new()).unwrap();
    IndexFile::open_with(&path, &Config::new()).unwrap();
    // The keep policy is not part of an index.
    IndexFile::open_with(&path, &Config::new().keep(echodup::KeepPolicy::Longest)).unwrap();
    let cases = [
        (
            Config::new().num_perm(256),
            "signature size 128 in the file, 256 configured",
        ),
        (
            Config::new().seed(7),
            "seed 0x6563686f64757031 in the file, 0x7 configured",
        ),
        (
            Config::new().shingle_size(3),
            "shingling 5-word shingles in the file, 3-word shingles configured",
        ),
        (
            Config::new().threshold(0.9),
            "banding 32 bands × 4 rows in the file, 16 bands × 8 rows configured",
        ),
        (
            Config::new().threshold(0.75),
            "threshold 0.8 in the file, 0.75 configured",
        ),
        (
            Config::new().normalizer(echodup::Normalizer::news().fold_digits(true)),
            "normalization",
        ),
        (
            Config::new().verification(Verification::Estimate),
            "verification Exact in the file, Estimate configured",
        ),
    ];
    for (config, message) in cases {
        let e = IndexFile::open_with(&path, &config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Incompatible, "{e}");
        assert!(e.to_string().contains(message), "{e}");
        assert!(e.to_string().contains("c.edx"), "{e}");
    }
    let e = IndexFile::open_with(&path, &Config::new().threshold(2.0)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
}

#[test]
fn the_committed_version_1_file_opens_and_answers() {
    let path = data("index-v1.edx");
    let file = IndexFile::open(&path).unwrap();
    file.verify().unwrap();
    let info = file.info();
    assert_eq!(info.format_version, 1);
    assert_eq!(
        info.config.fingerprint().unwrap(),
        fixture_config().fingerprint().unwrap()
    );
    assert_eq!(info.config.get_segmentation(), Segmentation::BlankLines);
    let docs = fixture_docs();
    assert_eq!(info.documents, docs.len() as u64);
    let (memory, _) = memory_index(&fixture_config(), &docs);
    let mut probes = probes(&docs);
    probes.extend(docs.iter().map(|(_, t)| t.clone()));
    assert_same_answers(&file, &memory, &probes);
    for (i, (id, _)) in docs.iter().enumerate() {
        assert_eq!(&file.doc_id(echodup::DocId::new(i as u32)).unwrap(), id);
    }
    // The near copy of the first story finds it through the stored index.
    let v = file.query(&docs[2].1).unwrap();
    assert_eq!(v.document_matches()[0].0, echodup::DocId::new(0));
}

#[test]
fn segments_are_laid_out_as_the_committed_layout_4_fixture_byte_for_byte() {
    // Building the fixture's documents again and folding them into one
    // segment must give the committed segment of format version 5 (layout
    // 4). A change to the segment layout needs a new version, with a new
    // fixture that this check then moves to (the old fixtures stay, read by
    // the tests here).
    assert_eq!(
        STORE_FORMAT_VERSION, 5,
        "a new format version: point this check at its own fixture"
    );
    let fixture = std::fs::read(data("index-v5.seg")).unwrap();
    assert_eq!(u32::from_le_bytes(fixture[8..12].try_into().unwrap()), 4);
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("again.edx");
    let docs = fixture_docs();
    let half = docs.len() / 2;
    build(&path, &fixture_config(), &[&docs[..half], &docs[half..]]);
    assert_eq!(IndexFile::open(&path).unwrap().info().format_version, 5);
    assert_eq!(canonical(&path), fixture);
    // The version 1 fixture, optimized, is rewritten into the new layout:
    // the same sections, but for the copies, which layouts before 4 did
    // not record (and a fold cannot find again).
    let old = dir.path().join("old.edx");
    std::fs::copy(data("index-v1.edx"), &old).unwrap();
    assert_same_but_copies(&canonical(&old), &fixture, "index-v1.edx");
    assert_eq!(IndexFile::open(&old).unwrap().info().format_version, 5);
    // So are a version 3 index (its one segment the committed layout 2
    // fixture, folded as a stream) and a version 4 one (the layout 3
    // fixture).
    for (version, fixture_file) in [(3, "index-v3.seg"), (4, "index-v4.seg")] {
        let old = dir.path().join(format!("v{version}.edx"));
        old_index(&old, fixture_file, version);
        assert_eq!(
            IndexFile::open(&old).unwrap().info().format_version,
            version
        );
        assert_same_but_copies(&canonical(&old), &fixture, fixture_file);
        assert_eq!(IndexFile::open(&old).unwrap().info().format_version, 5);
    }
    // The layout 4 fixture records copies; the layout 3 one had none.
    let count = |seg: &[u8]| u32::from_le_bytes(seg[12..16].try_into().unwrap());
    assert_eq!(count(&fixture), 16);
    assert_eq!(count(&std::fs::read(data("index-v4.seg")).unwrap()), 15);
    let (_, copies) = sections(&fixture)[14];
    assert!(copies >= 16 && copies % 16 == 0, "{copies} bytes of copies");
}

/// `got`, a layout 4 segment folded from a segment of an older layout, has
/// the sections of `want` (sections 0 to 13), and no copies.
fn assert_same_but_copies(got: &[u8], want: &[u8], tag: &str) {
    let (a, b) = (sections(got), sections(want));
    assert_eq!((a.len(), b.len()), (16, 16), "{tag}");
    for (s, (&(ga, gl), &(wa, wl))) in a.iter().zip(&b).take(14).enumerate() {
        assert_eq!(&got[ga..ga + gl], &want[wa..wa + wl], "{tag}: section {s}");
    }
    assert_eq!(a[14].1, 0, "{tag}: copies");
}

/// Damage behind the checksums of the passage copies (records out of order,
/// a copy past the segment's documents) is found by `verify`, naming the
/// section; never a panic.
#[test]
fn damaged_passage_copies_are_found_by_verify() {
    let dir = TempDir::new().unwrap();
    let good = std::fs::read(data("index-v5.seg")).unwrap();
    let (at, len) = sections(&good)[14];
    assert!(len >= 32);
    let path = dir.path().join("copies.seg");
    // Every copy record is 16 bytes: fingerprint, document, position.
    let swapped = {
        let mut b = good.clone();
        let (first, second) = (b[at..at + 16].to_vec(), b[at + 16..at + 32].to_vec());
        assert_ne!(first, second);
        b[at..at + 16].copy_from_slice(&second);
        b[at + 16..at + 32].copy_from_slice(&first);
        b
    };
    let past = {
        let mut b = good.clone();
        b[at + 8..at + 12].copy_from_slice(&1000u32.to_le_bytes());
        b
    };
    for (mut bytes, says) in [(swapped, "not in order"), (past, "past the segment")] {
        reseal(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let index = IndexFile::open(&path).unwrap();
        let e = index.verify().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Format, "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
}

/// An index of format version `version` at `path` (as a build of that
/// version wrote it): a manifest listing the committed segment
/// `fixture_file` as its one segment.
fn old_index(path: &Path, fixture_file: &str, version: u32) {
    let segments = path.with_extension("edx.segments");
    std::fs::create_dir(&segments).unwrap();
    let seg = std::fs::read(data(fixture_file)).unwrap();
    std::fs::write(segments.join("00000001.seg"), &seg).unwrap();
    std::fs::write(path, manifest(&seg, version)).unwrap();
}

/// The committed layout 2 and 3 segments open on their own (as one-file
/// indexes) and answer as the memory index does; so do version 3 and 4
/// indexes (a manifest listing one of them) and a version 2 index (a
/// manifest listing layout 1 segments), which the next batch turns into a
/// version 5 one without rewriting its old segment.
#[test]
fn the_committed_layout_2_and_3_segments_and_version_2_to_4_indexes_answer() {
    let docs = fixture_docs();
    let (memory, _) = memory_index(&fixture_config(), &docs);
    let dir = TempDir::new().unwrap();
    let seg = dir.path().join("lone.seg");
    std::fs::copy(data("index-v3.seg"), &seg).unwrap();
    let file = IndexFile::open(&seg).unwrap();
    file.verify().unwrap();
    assert_same_answers(&file, &memory, &probes(&docs));
    let seg = dir.path().join("lone4.seg");
    std::fs::copy(data("index-v4.seg"), &seg).unwrap();
    let file = IndexFile::open(&seg).unwrap();
    file.verify().unwrap();
    assert_same_answers(&file, &memory, &probes(&docs));

    // A version 2 index: the version 1 fixture as its one segment; a
    // version 3 (4) index: the layout 2 (3) fixture as its one segment.
    let v3 = dir.path().join("v3.edx");
    old_index(&v3, "index-v3.seg", 3);
    let v4 = dir.path().join("v4.edx");
    old_index(&v4, "index-v4.seg", 4);
    let path = dir.path().join("v2.edx");
    let segments = dir.path().join("v2.edx.segments");
    std::fs::create_dir(&segments).unwrap();
    let old = std::fs::read(data("index-v1.edx")).unwrap();
    std::fs::write(segments.join("00000001.seg"), &old).unwrap();
    std::fs::write(&path, manifest(&old, 2)).unwrap();
    for (path, version, old) in [
        (&path, 2, old),
        (&v3, 3, std::fs::read(data("index-v3.seg")).unwrap()),
        (&v4, 4, std::fs::read(data("index-v4.seg")).unwrap()),
    ] {
        let mut index = IndexFile::open_for_writing(path).unwrap();
        assert_eq!(index.info().format_version, version);
        assert_same_answers(&index, &memory, &probes(&docs));
        let extra = vec![(
            "new-1".to_string(),
            format!(
                "{}\n\nA late paragraph about the harbour lights.",
                docs[1].1
            ),
        )];
        let verdicts = index.add_batch(extra.clone()).unwrap();
        let mut all = docs.clone();
        all.extend(extra);
        let (memory, expected) = memory_index(&fixture_config(), &all);
        assert_eq!(verdicts, expected[docs.len()..]);
        assert_eq!(index.info().format_version, 5);
        assert_eq!(index.info().segments, 2);
        assert_same_answers(&index, &memory, &probes(&all));
        drop(index);
        // The old segment is untouched; the new one has layout 4.
        let files = segment_files(path);
        assert_eq!(std::fs::read(&files[0]).unwrap(), old);
        let new = std::fs::read(&files[1]).unwrap();
        assert_eq!(&new[..8], b"EDUPSEG\0");
        assert_eq!(u32::from_le_bytes(new[8..12].try_into().unwrap()), 4);
        let mut index = IndexFile::open_for_writing(path).unwrap();
        index.optimize().unwrap();
        index.verify().unwrap();
        assert_same_answers(&index, &memory, &probes(&all));
    }
}

/// A manifest of format version `version` (2 to 4, as builds of those
/// versions wrote them) listing `segment` (a layout 1 file in version 2)
/// as its one segment, number 1.
fn manifest(segment: &[u8], version: u32) -> Vec<u8> {
    let le64 = |at: usize| u64::from_le_bytes(segment[at..at + 8].try_into().unwrap());
    let (config_at, _) = sections(segment)[0];
    let (meta_at, _) = sections(segment)[1];
    let (docs, passages) = (le64(meta_at), le64(meta_at + 8));
    let mut m = Vec::new();
    m.extend_from_slice(b"EDUPIDX\0");
    m.extend_from_slice(&version.to_le_bytes());
    m.extend_from_slice(&1u32.to_le_bytes());
    m.extend_from_slice(&le64(24).to_le_bytes()); // fingerprint
    m.extend_from_slice(&1u64.to_le_bytes()); // generation
    m.extend_from_slice(&2u64.to_le_bytes()); // next segment
    m.extend_from_slice(&0u64.to_le_bytes()); // removed
    m.extend_from_slice(&[0u8; 16]);
    m.extend_from_slice(&segment[config_at..config_at + 80]);
    for v in [1, 0, docs, passages, segment.len() as u64, le64(56)] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    m.extend_from_slice(&0u64.to_le_bytes());
    let sum = xxhash_rust::xxh3::xxh3_64(&m);
    m.extend_from_slice(&sum.to_le_bytes());
    m
}

/// Issue 15: a version 1 file is upgraded on its first change: it becomes
/// the first segment (linked, not rewritten), and the index answers for
/// its documents and the new ones.
#[test]
fn a_version_1_file_is_upgraded_on_its_first_change() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("old.edx");
    std::fs::copy(data("index-v1.edx"), &path).unwrap();
    let docs = fixture_docs();
    let mut index = IndexFile::open_for_writing(&path).unwrap();
    assert_eq!(index.info().format_version, 1);
    let extra = vec![(
        "new-1".to_string(),
        format!(
            "{}\n\nA late paragraph about the ferry timetable.",
            docs[0].1
        ),
    )];
    let verdicts = index.add_batch(extra.clone()).unwrap();
    assert_eq!(index.info().format_version, STORE_FORMAT_VERSION);
    assert_eq!(index.info().segments, 2);
    let mut all = docs.clone();
    all.extend(extra);
    let (memory, expected) = memory_index(&fixture_config(), &all);
    assert_eq!(verdicts, expected[docs.len()..]);
    assert_same_answers(&index, &memory, &probes(&all));
    drop(index);
    // The first segment is the old file, byte for byte.
    let files = segment_files(&path);
    assert_eq!(
        std::fs::read(&files[0]).unwrap(),
        std::fs::read(data("index-v1.edx")).unwrap()
    );
    let reopened = IndexFile::open(&path).unwrap();
    reopened.verify().unwrap();
    assert_same_answers(&reopened, &memory, &probes(&all));
}

/// Issue 15, crash safety of the upgrade: `echodup index add` on a copy of
/// the committed version 1 file is killed at random moments, 30 times, each
/// time on a fresh copy. Every time the index opens, passes `verify`, holds
/// the fixture's documents or those and the batch (never a mix), in format 1
/// or 2, and answers as a memory index of exactly those documents; a first
/// writer afterwards removes every file a killed upgrade left, and its own
/// add upgrades the index as on an untouched copy.
#[cfg(all(feature = "cli", feature = "tools"))]
#[test]
fn a_killed_upgrade_leaves_the_version_1_index_or_the_upgraded_one() {
    use std::io::Write;
    use std::time::{Duration, Instant};

    let dir = TempDir::new().unwrap();
    let fixture = fixture_docs();
    let batch = synth_docs(120, 43);
    let batch_file = dir.path().join("batch.jsonl");
    let mut f = std::fs::File::create(&batch_file).unwrap();
    for (id, text) in &batch {
        writeln!(f, "{}", serde_json::json!({"id": id, "text": text})).unwrap();
    }
    drop(f);
    let mut all = fixture.clone();
    all.extend(batch.iter().cloned());
    let probe_texts: Vec<String> = probes(&all).into_iter().step_by(4).take(16).collect();
    let expected = |docs: &[(String, String)]| {
        let (memory, _) = memory_index(&fixture_config(), docs);
        matched_ids(
            &probe_texts,
            |p| memory.query(p),
            |d| docs[d.as_usize()].0.clone(),
        )
    };
    let (old_answers, new_answers) = (expected(&fixture), expected(&all));

    let add = |index: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_echodup"))
            .args(["index", "add", "--quiet"])
            .arg(index)
            .arg(&batch_file)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long an uninterrupted add takes (a running average), to spread
    // the kills over it.
    let timing = dir.path().join("timing.edx");
    std::fs::copy(data("index-v1.edx"), &timing).unwrap();
    let start = Instant::now();
    assert!(add(&timing).wait().unwrap().success());
    let mut took = start.elapsed();

    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let (mut old_states, mut new_states, mut littered) = (0, 0, 0);
    for round in 0..30 {
        let index = dir.path().join(format!("up-{round}.edx"));
        std::fs::copy(data("index-v1.edx"), &index).unwrap();
        let mut child = add(&index);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = took.mul_f64((rng % 1000) as f64 / 500.0);
        let start = Instant::now();
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "round {round}: the add failed");
                took = (took * 3 + start.elapsed()) / 4;
                break true;
            }
            if start.elapsed() >= delay {
                let _ = child.kill();
                break child.wait().unwrap().success();
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let opened = IndexFile::open(&index).expect("the index opens after a kill");
        opened.verify().unwrap();
        let version = opened.info().format_version;
        let (docs, answers) = if opened.len() == all.len() {
            new_states += 1;
            assert_eq!(
                version, STORE_FORMAT_VERSION,
                "round {round}: the batch is in a format 1 file"
            );
            (&all, &new_answers)
        } else {
            assert_eq!(opened.len(), fixture.len(), "round {round}: neither state");
            assert!(
                !finished,
                "round {round}: a finished add left the old state"
            );
            old_states += 1;
            (&fixture, &old_answers)
        };
        for (id, _) in docs.iter() {
            assert!(
                opened.find(id).unwrap().is_some(),
                "round {round}: {id} lost"
            );
        }
        let got = matched_ids(
            &probe_texts,
            |p| opened.query(p).unwrap(),
            |d| opened.doc_id(d).unwrap(),
        );
        assert_eq!(&got, answers, "round {round}: answers (format {version})");
        let listed = opened.info().segments;
        drop(opened);
        let tmp_files = |round: usize| -> Vec<String> {
            std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("up-{round}.")) && n.ends_with(".tmp"))
                .collect()
        };
        if !finished && (segment_files(&index).len() > listed || !tmp_files(round).is_empty()) {
            littered += 1;
        }

        // The next writer cleans up; on the old state its add upgrades.
        let mut writer = IndexFile::open_for_writing(&index).unwrap();
        if writer.len() == fixture.len() {
            writer.add_batch(batch.clone()).unwrap();
            assert_eq!(writer.info().format_version, STORE_FORMAT_VERSION);
            assert_eq!(writer.len(), all.len());
        }
        let listed = writer.info().segments;
        drop(writer);
        assert_eq!(
            segment_files(&index).len(),
            listed,
            "round {round}: stray segments"
        );
        let leftovers = tmp_files(round);
        assert!(leftovers.is_empty(), "round {round}: {leftovers:?}");
        let reopened = IndexFile::open(&index).unwrap();
        reopened.verify().unwrap();
        let got = matched_ids(
            &probe_texts,
            |p| reopened.query(p).unwrap(),
            |d| reopened.doc_id(d).unwrap(),
        );
        assert_eq!(
            got, new_answers,
            "round {round}: answers after the next writer"
        );
    }
    eprintln!(
        "upgrade kill test: 30 adds, {old_states} left the version 1 index, {new_states} the \
         upgraded one, {littered} left files for the next writer to remove (one add takes \
         {took:?})"
    );
    assert!(old_states >= 3, "too few kills landed before the commit");
    assert!(new_states >= 3, "too few adds committed");
}

/// Issue 15: `remove` and `OnExistingId::Replace`. A removed document is
/// never reported again and its id is free; the index answers as a memory
/// index of the live documents would, up to document numbers (which are
/// not reused).
#[cfg(feature = "tools")]
#[test]
fn removed_documents_are_never_reported_again() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("rm.edx");
    let docs = synth_docs(200, 31);
    build(&path, &Config::new(), &[&docs[..120], &docs[120..]]);
    let mut index = IndexFile::open_for_writing(&path).unwrap();
    let gone: Vec<&str> = docs.iter().step_by(3).map(|(id, _)| id.as_str()).collect();
    let missing = index
        .remove(gone.iter().copied().chain(["no-such-id"]))
        .unwrap();
    assert_eq!(missing, ["no-such-id"]);
    assert_eq!(index.len(), docs.len() - gone.len());
    assert_eq!(index.info().removed, gone.len() as u64);
    for id in &gone {
        assert_eq!(index.find(id).unwrap(), None);
    }
    // No verdict names a removed document as a duplicate.
    for (_, text) in docs.iter().take(60) {
        let v = index.query(text).unwrap();
        for (d, _) in v.document_matches() {
            assert!(!index.is_removed(*d), "{d:?}");
        }
    }
    // Document verdicts are those of a memory index of the live documents.
    let live: Vec<(String, String)> = docs
        .iter()
        .filter(|(id, _)| !gone.contains(&id.as_str()))
        .cloned()
        .collect();
    let (memory, _) = memory_index(&Config::new(), &live);
    let ids_of = |v: &Verdict, f: &dyn Fn(echodup::DocId) -> String| -> Vec<String> {
        let mut ids: Vec<String> = v.document_matches().iter().map(|(d, _)| f(*d)).collect();
        ids.sort();
        ids
    };
    for p in probes(&docs).iter().take(40) {
        let got = index.query(p).unwrap();
        let want = memory.query(p);
        assert_eq!(
            ids_of(&got, &|d| index.doc_id(d).unwrap()),
            ids_of(&want, &|d| live[d.as_usize()].0.clone()),
            "probe {p:.40}"
        );
    }
    // An id removed may come back; Replace swaps a stored document.
    index.add_batch([(gone[0], docs[0].1.as_str())]).unwrap();
    assert!(index.find(gone[0]).unwrap().is_some());
    let staged = index
        .stage_batch(
            [(docs[1].0.as_str(), "A wholly new text about the choir.")],
            echodup::store::OnExistingId::Replace,
        )
        .unwrap();
    let old = index.find(&docs[1].0).unwrap().unwrap();
    assert_eq!(staged.replaced(), [old]);
    index.commit_batch(staged).unwrap();
    let new = index.find(&docs[1].0).unwrap().unwrap();
    assert!(new > old && index.is_removed(old));
    // Optimize keeps all of it.
    let before: Vec<Verdict> = probes(&docs)
        .iter()
        .map(|p| index.query(p).unwrap())
        .collect();
    index.optimize().unwrap();
    assert_eq!(index.info().segments, 1);
    let after: Vec<Verdict> = probes(&docs)
        .iter()
        .map(|p| index.query(p).unwrap())
        .collect();
    assert_eq!(before, after);
    drop(index);
    let reopened = IndexFile::open(&path).unwrap();
    assert_eq!(reopened.find(&docs[1].0).unwrap(), Some(new));
}

/// A paragraph of 24 made-up words, a different one for each `n` (no two
/// share a 5-word shingle but by chance).
fn made_up_paragraph(n: u64) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ner", "so", "tav", "ru", "pel", "di", "gon", "ha", "ve", "zu", "bri",
        "qua", "ost",
    ];
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut words = Vec::new();
    for _ in 0..24 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w: String = (0..3)
            .map(|i| SYLLABLES[((x >> (i * 4)) & 15) as usize])
            .collect();
        words.push(w);
    }
    words.join(" ") + "."
}

/// A verdict with ids for documents (documents are numbered differently in
/// an index and in a memory index of its live documents): the ids of the
/// documents matched, sorted; per passage, the id and position of the
/// earliest passage it duplicates.
type Named = (Vec<String>, Vec<(u32, Option<(String, u32)>)>);

fn named(v: &Verdict, id: &dyn Fn(echodup::DocId) -> String) -> Named {
    let mut docs: Vec<String> = v.document_matches().iter().map(|(d, _)| id(*d)).collect();
    docs.sort();
    let passages = v
        .passages()
        .iter()
        .map(|pv| {
            (
                pv.index,
                pv.duplicate_of.map(|(at, _)| (id(at.doc), at.index)),
            )
        })
        .collect();
    (docs, passages)
}

/// Every query's verdict from `index`, with ids, is that of a memory index
/// of `live` (the live documents, in the order they were added).
fn assert_answers_as_live(
    index: &IndexFile,
    live: &[(String, String)],
    queries: &[String],
    when: &str,
) {
    let (memory, _) = memory_index(index.config(), live);
    for q in queries {
        let got = named(&index.query(q).unwrap(), &|d| index.doc_id(d).unwrap());
        let want = named(&memory.query(q), &|d| live[d.as_usize()].0.clone());
        assert_eq!(got, want, "{when}: query {q:.40}");
    }
}

/// Paragraphs `ns` of [`made_up_paragraph`], one after the other.
fn made_up_text(ns: &[u64]) -> String {
    ns.iter()
        .map(|&n| made_up_paragraph(n))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A passage whose first copy was removed is found in its copies: those
/// added after the removal (a new document, the same id added again, or
/// `Replace`, which store it again) and those added before (recorded as
/// copies), before and after folding: every verdict, passages included, is
/// that of a memory index of the live documents in the order they were
/// added.
#[test]
fn a_passage_whose_first_copy_was_removed_is_found_in_its_other_copies() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("copies.edx");
    let p = made_up_text;
    let first = [
        ("a".to_string(), p(&[1, 2, 3])),
        ("d".to_string(), p(&[4, 5])),
        ("x".to_string(), p(&[6, 7])),
        // A copy of `a`'s last paragraph in the same batch, and of `d`'s
        // first in the next: recorded before `a` and `d` go.
        ("c".to_string(), p(&[12, 3])),
    ];
    build(
        &path,
        &Config::new(),
        &[&first, &[("e".to_string(), p(&[4, 13]))]],
    );
    let mut index = IndexFile::open_for_writing(&path).unwrap();
    assert!(index.remove(["a"]).unwrap().is_empty());
    // A new document with the removed one's first paragraph, and the
    // removed id with its old text.
    index
        .add_batch([("b", p(&[1, 8])), ("a", p(&[1, 2, 3]))])
        .unwrap();
    // `d` replaced by an edit that keeps its first paragraph.
    let staged = index
        .stage_batch([("d", p(&[4, 9]))], OnExistingId::Replace)
        .unwrap();
    index.commit_batch(staged).unwrap();
    let live: Vec<(String, String)> = [
        ("x", p(&[6, 7])),
        ("c", p(&[12, 3])),
        ("e", p(&[4, 13])),
        ("b", p(&[1, 8])),
        ("a", p(&[1, 2, 3])),
        ("d", p(&[4, 9])),
    ]
    .into_iter()
    .map(|(id, t)| (id.to_string(), t))
    .collect();
    let queries = [
        p(&[1, 10]),
        p(&[2, 4, 11]),
        p(&[1, 2, 3]),
        p(&[5, 9]),
        p(&[4]),
        p(&[6, 8, 3]),
        p(&[3, 13]),
    ];
    let found_in = |index: &IndexFile, q: &[u64]| {
        let v = index.query(&p(q)).unwrap();
        let (at, _) = v.passages()[0].duplicate_of.expect("found in a later copy");
        index.doc_id(at.doc).unwrap()
    };
    // The first paragraph is found in `b` (its earliest live copy, added
    // after the removal); `a`'s last in `c` and `d`'s first in `e` (copies
    // added before).
    assert_eq!(found_in(&index, &[1, 10]), "b");
    assert_eq!(found_in(&index, &[3]), "c");
    assert_eq!(found_in(&index, &[4]), "e");
    assert_answers_as_live(&index, &live, &queries, "before folding");
    index.optimize().unwrap();
    assert_eq!(index.info().segments, 1);
    assert_eq!(found_in(&index, &[3]), "c");
    assert_answers_as_live(&index, &live, &queries, "after optimize");
    // With its copies gone too, the passage is gone: the fold drops it.
    index.remove(["c", "e", "d"]).unwrap();
    let live: Vec<(String, String)> = live
        .into_iter()
        .filter(|(id, _)| !["c", "e", "d"].contains(&id.as_str()))
        .collect();
    assert_answers_as_live(&index, &live, &queries, "more removed");
    let passages_before = index.info().passage_groups;
    // One segment holding removed documents' data: `optimize` writes it
    // anew without them, then leaves it alone.
    assert_eq!(index.info().segments, 1);
    let file = segment_files(&path);
    index.optimize().unwrap();
    let folded = segment_files(&path);
    assert_ne!(folded, file);
    index.optimize().unwrap();
    assert_eq!(segment_files(&path), folded);
    // Groups of `c`, `e` and `d` gone (`a`'s last paragraph stays: the
    // `a` added again holds a copy).
    assert!(
        index.info().passage_groups + 3 <= passages_before,
        "{} groups, {passages_before} before",
        index.info().passage_groups
    );
    index.verify().unwrap();
    assert_answers_as_live(&index, &live, &queries, "more removed, optimized");
}

/// Issue 15: passage verdicts after any mix of batches, removals, ids added
/// again and `Replace` updates, with the merge policy folding as it goes,
/// are those of a memory index of the live documents in the order they were
/// added (paragraphs drawn from a small pool, so that most have copies in
/// several segments before their first copy is removed).
#[test]
fn verdicts_after_removals_are_those_of_the_live_documents() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("churn.edx");
    let mut index = IndexFile::create(&path, Config::new()).unwrap();
    let mut live: Vec<(String, String)> = Vec::new();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let queries: Vec<String> = (0..24)
        .map(|n| made_up_text(&[n]))
        .chain((0..6).map(|n| made_up_text(&[n, n + 7, 100 + n])))
        .collect();
    let mut next_id = 0;
    for round in 0..30 {
        let mut batch = Vec::new();
        for _ in 0..1 + next(5) {
            let ns: Vec<u64> = (0..1 + next(3)).map(|_| next(24)).collect();
            // Now and then an update of a live document.
            let id = if !live.is_empty() && next(6) == 0 {
                live[next(live.len() as u64) as usize].0.clone()
            } else {
                next_id += 1;
                format!("doc-{next_id}")
            };
            if batch.iter().any(|(b, _): &(String, String)| *b == id) {
                continue;
            }
            batch.push((id, made_up_text(&ns)));
        }
        let staged = index
            .stage_batch(batch.iter().cloned(), OnExistingId::Replace)
            .unwrap();
        index.commit_batch(staged).unwrap();
        for (id, text) in batch {
            live.retain(|(l, _)| *l != id);
            live.push((id, text));
        }
        for _ in 0..next(3) {
            if live.len() > 2 {
                let (id, _) = live.remove(next(live.len() as u64) as usize);
                index.remove([id]).unwrap();
            }
        }
        if round % 5 == 4 {
            assert_answers_as_live(&index, &live, &queries, &format!("round {round}"));
        }
    }
    assert!(index.info().segments > 1);
    index.optimize().unwrap();
    index.verify().unwrap();
    assert_answers_as_live(&index, &live, &queries, "optimized");
    drop(index);
    let index = IndexFile::open(&path).unwrap();
    assert_answers_as_live(&index, &live, &queries, "reopened");
}

#[test]
fn a_newer_version_or_another_file_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let mut bytes = std::fs::read(data("index-v1.edx")).unwrap();
    bytes[8..12].copy_from_slice(&(STORE_FORMAT_VERSION + 1).to_le_bytes());
    let newer = dir.path().join("newer.edx");
    std::fs::write(&newer, &bytes).unwrap();
    let e = IndexFile::open(&newer).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(
        e.to_string()
            .contains(&format!("version {} is newer", STORE_FORMAT_VERSION + 1)),
        "{e}"
    );
    assert_eq!(e.path(), Some(newer.as_path()));

    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "just some notes").unwrap();
    let e = IndexFile::open(&other).unwrap_err();
    assert!(e.to_string().contains("not an echodup index"), "{e}");
    let e = IndexFile::open(dir.path().join("missing.edx")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
}

/// A section table entry of the committed file: (offset, length).
fn sections(bytes: &[u8]) -> Vec<(usize, usize)> {
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    (0..count)
        .map(|i| {
            let e = &bytes[64 + 32 * i..64 + 32 * (i + 1)];
            (
                u64::from_le_bytes(e[8..16].try_into().unwrap()) as usize,
                u64::from_le_bytes(e[16..24].try_into().unwrap()) as usize,
            )
        })
        .collect()
}

/// Opens a damaged copy: it must fail to open, fail `verify`, or (when the
/// damage is in a block a query does not read) answer exactly as the intact
/// index. Never a panic, never a wrong answer.
fn check_damaged(path: &Path, memory: &DedupIndex, probes: &[String]) -> bool {
    let outcome = std::panic::catch_unwind(|| match IndexFile::open(path) {
        Err(e) => {
            assert!(matches!(e.kind(), ErrorKind::Format), "{e}");
            assert_eq!(e.path(), Some(path));
            true
        }
        Ok(file) => {
            for p in probes {
                match file.query(p) {
                    Ok(v) => assert_eq!(v, memory.query(p), "a wrong answer"),
                    Err(e) => assert_eq!(e.kind(), ErrorKind::Format, "{e}"),
                }
            }
            let e = file.verify().expect_err("verify must find the damage");
            assert!(e.to_string().contains("damaged"), "{e}");
            true
        }
    });
    outcome.unwrap_or(false)
}

#[test]
fn damage_is_detected_never_trusted() {
    let dir = TempDir::new().unwrap();
    let docs = fixture_docs();
    let (memory, _) = memory_index(&Config::new(), &docs);
    let probes = probes(&docs);
    let good = std::fs::read(data("index-v1.edx")).unwrap();
    let path = dir.path().join("damaged.edx");
    let mut rng = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Truncation at every section boundary (and one byte either side), and
    // at random offsets.
    let mut cuts: Vec<usize> = vec![0, 1, 8, 63, 64, 65];
    for (offset, len) in sections(&good) {
        cuts.extend([
            offset.saturating_sub(1),
            offset,
            offset + 1,
            offset + len - 1,
        ]);
    }
    cuts.extend((0..40).map(|_| next() as usize % good.len()));
    for cut in cuts {
        if cut >= good.len() {
            continue;
        }
        std::fs::write(&path, &good[..cut]).unwrap();
        let e = IndexFile::open(&path).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Format, "cut at {cut}: {e}");
    }
    // An extra byte at the end.
    let mut longer = good.clone();
    longer.push(0);
    std::fs::write(&path, &longer).unwrap();
    assert!(IndexFile::open(&path).is_err());
    // Random bit flips, one per copy, in every part of the file.
    for _ in 0..400 {
        let mut bytes = good.clone();
        let at = next() as usize % bytes.len();
        bytes[at] ^= 1 << (next() % 8);
        std::fs::write(&path, &bytes).unwrap();
        assert!(check_damaged(&path, &memory, &probes), "flip at byte {at}");
    }
    // And a flip in each section.
    for (offset, len) in sections(&good) {
        let mut bytes = good.clone();
        bytes[offset + len / 2] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            check_damaged(&path, &memory, &probes),
            "section at {offset}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random documents over a small vocabulary (many near and exact
    /// copies), split into random batches: the file answers as the memory
    /// index does, and the bytes do not depend on the split.
    #[test]
    fn random_batches_match_the_memory_index(
        texts in prop::collection::vec(
            prop::collection::vec(prop::collection::vec(0usize..12, 0..14), 0..4),
            1..25,
        ),
        splits in prop::collection::vec(0usize..25, 0..4),
        estimate in any::<bool>(),
    ) {
        const WORDS: [&str; 12] = ["harbour", "ferry", "wind", "storm", "council", "vote",
            "market", "winter", "library", "garden", "choir", "prize"];
        let docs: Vec<(String, String)> = texts
            .iter()
            .enumerate()
            .map(|(i, paragraphs)| {
                let text = paragraphs
                    .iter()
                    .map(|p| p.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join("\n\n");
                (format!("d{i}"), text)
            })
            .collect();
        let config = if estimate {
            Config::new().shingle_size(2).threshold(0.5).verification(Verification::Estimate)
        } else {
            Config::new().shingle_size(2).threshold(0.5)
        };
        let mut cuts: Vec<usize> = splits.into_iter().map(|s| s.min(docs.len())).collect();
        cuts.push(0);
        cuts.push(docs.len());
        cuts.sort_unstable();
        let batches: Vec<&[(String, String)]> = cuts.windows(2).map(|w| &docs[w[0]..w[1]]).collect();
        let dir = TempDir::new().unwrap();
        let (memory, expected) = memory_index(&config, &docs);
        let split = dir.path().join("split.edx");
        let once = dir.path().join("once.edx");
        prop_assert_eq!(build(&split, &config, &batches), expected.clone());
        prop_assert_eq!(build(&once, &config, &[&docs]), expected);
        prop_assert_eq!(canonical(&split), canonical(&once));
        let file = IndexFile::open(&split).unwrap();
        let probes: Vec<String> = docs.iter().map(|(_, t)| format!("{t}\n\nstorm wind ferry")).collect();
        assert_same_answers(&file, &memory, &probes);
    }
}

/// Crash safety: a writer process (the `echodup` binary adding a batch) is
/// killed after random delays; every time the index still opens, passes
/// `verify`, and holds either the documents before the batch or after it,
/// with the answers of a memory index of exactly those documents.
#[cfg(feature = "cli")]
#[test]
fn a_killed_writer_leaves_the_old_index_or_the_new_one() {
    use std::io::Write;
    use std::time::Instant;

    let dir = TempDir::new().unwrap();
    let index = dir.path().join("crash.edx");
    let base = synth_docs(1500, 21);
    build(&index, &Config::new(), &[&base]);
    let extra = synth_docs(2600, 22);
    let batches: Vec<&[(String, String)]> = extra.chunks(200).collect();
    let mut files = Vec::new();
    for (i, b) in batches.iter().enumerate() {
        let p = dir.path().join(format!("batch-{i}.jsonl"));
        let mut f = std::fs::File::create(&p).unwrap();
        for (id, text) in *b {
            writeln!(f, "{}", serde_json::json!({"id": id, "text": text})).unwrap();
        }
        files.push(p);
    }
    let add = |batch: &Path| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_echodup"));
        cmd.args(["index", "add", "--quiet"])
            .arg(&index)
            .arg(batch)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };
    // How long one uninterrupted add takes, to spread the kills over it.
    let start = Instant::now();
    assert!(add(&files[0]).status().unwrap().success());
    let full = start.elapsed();
    let mut docs: Vec<(String, String)> = base.clone();
    docs.extend(batches[0].iter().cloned());

    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let (mut old_states, mut new_states) = (0, 0);
    for (file, batch) in files.iter().zip(&batches).skip(1) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = full.mul_f64((rng % 1000) as f64 / 900.0);
        let mut child = add(file).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let opened = IndexFile::open(&index).expect("the index opens after a kill");
        opened.verify().unwrap();
        if opened.len() == docs.len() + batch.len() {
            docs.extend(batch.iter().cloned());
            new_states += 1;
        } else {
            assert_eq!(
                opened.len(),
                docs.len(),
                "neither the old nor the new index"
            );
            old_states += 1;
        }
        let (memory, _) = memory_index(&Config::new(), &docs);
        let probes: Vec<String> = probes(&batch[..20]);
        assert_same_answers(&opened, &memory, &probes);
        assert_eq!(
            opened
                .doc_id(echodup::DocId::new(docs.len() as u32 - 1))
                .unwrap(),
            docs.last().unwrap().0
        );
    }
    // The next writer removes what the killed ones left behind.
    let temporary = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                let n = e.as_ref().unwrap().file_name();
                let n = n.to_string_lossy();
                n.starts_with(".crash.edx.echodup-") && n.ends_with(".tmp")
            })
            .count()
    };
    let left = temporary();
    IndexFile::open_for_writing(&index).unwrap();
    assert_eq!(temporary(), 0);
    eprintln!(
        "crash test: {} kills left the old index, {} the new one (one add takes {:?}); \
         {left} temporary files removed by the next writer",
        old_states, new_states, full
    );
    assert!(old_states > 0, "no kill landed before the rename");
}

/// Issue 14, reproduction 5: a document of very many paragraphs is added in
/// time linear in their number. Each passage's lookup used to be found by a
/// linear search over the document's passages (quadratic: 12.8 s for 200,000
/// one-word paragraphs against 2.6 s now); the verdict must be the one the
/// in-memory index gives.
#[test]
fn a_document_of_many_paragraphs_gets_the_memory_index_verdict() {
    let words = [
        "harbour", "ferry", "council", "budget", "storm", "rail", "strike",
    ];
    let text: String = (0..60_000)
        .map(|i| i % 5_000)
        .map(|k| format!("{}{k}", words[k % words.len()]))
        .collect::<Vec<_>>()
        .join("\n\n");
    let docs = vec![("big".to_string(), text.clone())];
    let config = Config::new();
    let (memory, want) = memory_index(&config, &docs);
    let dir = TempDir::new().unwrap();
    let got = build(&dir.path().join("big.edx"), &config, &[&docs]);
    assert_eq!(got, want);
    // Every paragraph after the first 5,000 repeats one of them.
    let repeats = got[0]
        .passages()
        .iter()
        .filter(|p| p.duplicate_of.is_some())
        .count();
    assert_eq!(repeats, 55_000);
    assert_eq!(memory.num_passages(), 60_000);
}

/// Rewrites every checksum of an index file after an edit, following
/// `docs/FORMAT.md` (header and a section table of as many entries as the
/// header says, 16 in layout 4; 4 KiB blocks of every section but the last
/// summed into the last), so that a test can reach the decoding behind the
/// checksums.
fn reseal(file: &mut [u8]) {
    use xxhash_rust::xxh3::xxh3_64;
    const HEADER_LEN: usize = 64;
    const ENTRY_LEN: usize = 32;
    let sections = u32::from_le_bytes(file[12..16].try_into().unwrap()) as usize;
    assert!(sections == 15 || sections == 16, "{sections} sections");
    let le64 = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let range = |file: &[u8], s: usize| {
        let at = HEADER_LEN + s * ENTRY_LEN;
        let off = le64(file, at + 8) as usize;
        (off, off + le64(file, at + 16) as usize)
    };
    let mut sums = Vec::new();
    for s in 0..sections - 1 {
        let (off, end) = range(file, s);
        let before = sums.len();
        sums.extend(file[off..end].chunks(4096).map(xxh3_64));
        let bytes: Vec<u8> = sums[before..]
            .iter()
            .flat_map(|v: &u64| v.to_le_bytes())
            .collect();
        let at = HEADER_LEN + s * ENTRY_LEN + 24;
        file[at..at + 8].copy_from_slice(&xxh3_64(&bytes).to_le_bytes());
    }
    let (off, end) = range(file, sections - 1);
    assert_eq!(end - off, sums.len() * 8, "block sums section");
    for (i, v) in sums.iter().enumerate() {
        file[off + i * 8..off + i * 8 + 8].copy_from_slice(&v.to_le_bytes());
    }
    let last = xxh3_64(&file[off..end]);
    let at = HEADER_LEN + (sections - 1) * ENTRY_LEN + 24;
    file[at..at + 8].copy_from_slice(&last.to_le_bytes());
    let mut covered = file[..56].to_vec();
    covered.extend_from_slice(&file[HEADER_LEN..HEADER_LEN + sections * ENTRY_LEN]);
    file[56..64].copy_from_slice(&xxh3_64(&covered).to_le_bytes());
}

/// Issue 14 (found by `fuzz/`, target `index_file`): a document group record
/// whose first member lies past any possible offset is a damaged file, an
/// error naming it, never an overflow or a panic, in a query and in a merge.
#[test]
fn a_group_record_out_of_range_is_a_damaged_file_not_an_overflow() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("damaged.edx");
    let text = "Gales kept the ferry fleet in port for a third day on Thursday.";
    let docs = vec![
        ("a".to_string(), text.to_string()),
        ("b".to_string(), text.to_string()),
    ];
    // The one segment of an index built at once, opened as the version 1
    // file it is laid out as.
    let built = dir.path().join("built.edx");
    build(&built, &Config::new(), &[&docs]);
    let mut bytes = std::fs::read(&segment_files(&built)[0]).unwrap();
    // Section 5 (document groups): the first record's `first` member (u64 at 24).
    let at = 64 + 5 * 32;
    let groups = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize;
    bytes[groups + 24..groups + 32].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
    reseal(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();

    let index = IndexFile::open(&path).unwrap();
    let e = index.query(text).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format, "{e}");
    assert!(e.to_string().contains("out of range"), "{e}");
    let other = dir.path().join("other.edx");
    let more = vec![(
        "c".to_string(),
        "The library reopens on Monday after two years of work.".to_string(),
    )];
    build(&other, &Config::new(), &[&more]);
    let e = IndexFile::merge(dir.path().join("merged.edx"), &[&other, &path]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format, "{e}");
    assert!(!dir.path().join("merged.edx").exists());
}

/// The ids of the documents each probe duplicates, sorted: what an index
/// answers at document level, whatever its document numbers.
#[cfg(feature = "cli")]
fn matched_ids(
    probes: &[String],
    query: impl Fn(&str) -> Verdict,
    name: impl Fn(echodup::DocId) -> String,
) -> Vec<Vec<String>> {
    probes
        .iter()
        .map(|p| {
            let mut ids: Vec<String> = query(p)
                .document_matches()
                .iter()
                .map(|(d, _)| name(*d))
                .collect();
            ids.sort();
            ids
        })
        .collect()
}

/// Issue 15, crash safety of format 2: `echodup index add`, `remove` and
/// `optimize` processes are killed at random moments, 60 times (`optimize`
/// folds every segment; an add that makes the eighth small segment folds
/// too). Every time the
/// index opens, passes `verify`, holds exactly the documents before or
/// after the operation, and answers (at document level) as a memory index
/// of exactly its live documents; the next writer removes every file the
/// killed ones left, so the segment folder holds what the manifest lists.
#[cfg(feature = "cli")]
#[test]
fn killed_writers_leave_the_old_index_or_the_new_one_in_format_2() {
    use std::io::Write;
    use std::time::{Duration, Instant};

    let dir = TempDir::new().unwrap();
    let index = dir.path().join("kill.edx");
    let pool = synth_docs(2400, 41);
    let config = Config::new();
    build(&index, &config, &[&pool[..300]]);
    let mut live: Vec<(String, String)> = pool[..300].to_vec();
    let mut next = 300;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let run = |args: &[&str], extra: &[&Path]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_echodup"));
        cmd.arg("index")
            .args(args)
            .arg("--quiet")
            .arg(&index)
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };
    // How long each kind of operation takes uninterrupted, to spread kills.
    let mut took = [Duration::from_millis(300); 3];
    let (mut old_states, mut new_states) = (0, 0);
    let mut model_probes: Vec<String> = Vec::new();
    let mut expected: Vec<Vec<String>> = Vec::new();
    let mut stale = true;
    for round in 0..60 {
        // 0: add a batch of 30, 1: remove 5 live documents, 2: optimize.
        let op = match round % 10 {
            3 | 7 => 1,
            9 => 2,
            _ => 0,
        };
        let before_len = live.len();
        let (mut child, after): (std::process::Child, Vec<(String, String)>) = match op {
            0 => {
                let batch = &pool[next..next + 30];
                let p = dir.path().join(format!("batch-{round}.jsonl"));
                let mut f = std::fs::File::create(&p).unwrap();
                for (id, text) in batch {
                    writeln!(f, "{}", serde_json::json!({"id": id, "text": text})).unwrap();
                }
                let mut after = live.clone();
                after.extend(batch.iter().cloned());
                (run(&["add"], &[&p]).spawn().unwrap(), after)
            }
            1 => {
                let gone: Vec<String> = (0..5)
                    .map(|_| live[rand() as usize % live.len()].0.clone())
                    .collect();
                let after: Vec<(String, String)> = live
                    .iter()
                    .filter(|(id, _)| !gone.contains(id))
                    .cloned()
                    .collect();
                let mut cmd = run(&["remove"], &[]);
                cmd.args(&gone);
                (cmd.spawn().unwrap(), after)
            }
            _ => (run(&["optimize"], &[]).spawn().unwrap(), live.clone()),
        };
        let start = Instant::now();
        let delay = took[op].mul_f64((rand() % 1000) as f64 / 800.0);
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "round {round}: op {op} failed");
                took[op] = start.elapsed();
                break true;
            }
            if start.elapsed() >= delay {
                let _ = child.kill();
                break child.wait().unwrap().success();
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let opened = IndexFile::open(&index).expect("the index opens after a kill");
        opened.verify().unwrap();
        if opened.len() == after.len() && (op != 0 || after.len() != before_len) {
            if op == 0 {
                next += 30;
            }
            stale |= live != after;
            live = after;
            new_states += 1;
        } else {
            assert_eq!(opened.len(), before_len, "round {round}: neither state");
            assert!(!finished, "round {round}: a finished op left the old state");
            old_states += 1;
        }
        for (id, _) in &live {
            assert!(
                opened.find(id).unwrap().is_some(),
                "round {round}: {id} lost"
            );
        }
        if stale {
            let (memory, _) = memory_index(&config, &live);
            model_probes = probes(&live).into_iter().take(12).collect();
            expected = matched_ids(
                &model_probes,
                |p| memory.query(p),
                |d| live[d.as_usize()].0.clone(),
            );
            stale = false;
        }
        let got = matched_ids(
            &model_probes,
            |p| opened.query(p).unwrap(),
            |d| opened.doc_id(d).unwrap(),
        );
        assert_eq!(got, expected, "round {round}: answers");
    }
    // The next writer removes what the killed ones left behind.
    let w = IndexFile::open_for_writing(&index).unwrap();
    let listed = w.info().segments;
    drop(w);
    let mut name = index.file_name().unwrap().to_os_string();
    name.push(".segments");
    let files: Vec<String> = std::fs::read_dir(index.with_file_name(name))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), listed, "{files:?}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
    eprintln!(
        "format 2 kill test: 60 operations, {old_states} left the old index, {new_states} the \
         new one; {} segments at the end",
        listed
    );
    assert!(old_states >= 10, "too few kills landed before the commit");
    assert!(new_states >= 10);
}

/// Issue 15: damage to any file of a format 2 index (its manifest, each
/// segment) is detected, never trusted: truncation at every section
/// boundary of each segment (and at every byte of the manifest), and random
/// bit flips in every file. Opening fails with a format error naming the
/// damaged file, or queries give the intact index's answers (or a format
/// error) and `verify` fails.
#[test]
fn damage_to_any_file_of_a_format_2_index_is_detected() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("v2.edx");
    let docs = fixture_docs();
    build(&path, &Config::new(), &[&docs[..5], &docs[5..]]);
    IndexFile::open_for_writing(&path)
        .unwrap()
        .remove([docs[3].0.as_str()])
        .unwrap();
    let intact = IndexFile::open(&path).unwrap();
    let probes = probes(&docs);
    let answers: Vec<Verdict> = probes.iter().map(|p| intact.query(p).unwrap()).collect();
    drop(intact);
    let mut files = vec![path.clone()];
    files.extend(segment_files(&path));
    assert_eq!(files.len(), 3);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let check = |file: &Path, what: &str| {
        let outcome = std::panic::catch_unwind(|| match IndexFile::open(&path) {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Format, "{what}: {e}");
                assert_eq!(e.path(), Some(file), "{what}: {e}");
            }
            Ok(index) => {
                for (p, want) in probes.iter().zip(&answers) {
                    match index.query(p) {
                        Ok(v) => assert_eq!(&v, want, "{what}: a wrong answer"),
                        Err(e) => assert_eq!(e.kind(), ErrorKind::Format, "{what}: {e}"),
                    }
                }
                let e = index.verify().expect_err("verify must find the damage");
                assert!(e.to_string().contains("damaged"), "{what}: {e}");
            }
        });
        assert!(outcome.is_ok(), "{what}");
    };
    for file in &files {
        let good = std::fs::read(file).unwrap();
        let is_manifest = file == &path;
        let mut cuts: Vec<usize> = if is_manifest {
            (0..good.len()).collect()
        } else {
            let mut c = vec![0, 1, 8, 63, 64, 65];
            for (offset, len) in sections(&good) {
                c.extend([
                    offset.saturating_sub(1),
                    offset,
                    offset + 1,
                    offset + len - 1,
                ]);
            }
            c
        };
        cuts.extend((0..10).map(|_| next() as usize % good.len()));
        for cut in cuts {
            if cut >= good.len() {
                continue;
            }
            std::fs::write(file, &good[..cut]).unwrap();
            let e = IndexFile::open(&path).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Format, "{file:?} cut at {cut}: {e}");
        }
        for _ in 0..40 {
            let mut bad = good.clone();
            let at = next() as usize % bad.len();
            bad[at] ^= 1 << (next() % 8);
            std::fs::write(file, &bad).unwrap();
            check(file, &format!("{file:?}: bit flipped at {at}"));
        }
        std::fs::write(file, &good).unwrap();
    }
    // A segment file missing, or another index's segment in its place.
    let seg = &files[1];
    let good = std::fs::read(seg).unwrap();
    std::fs::remove_file(seg).unwrap();
    assert_eq!(IndexFile::open(&path).unwrap_err().kind(), ErrorKind::Io);
    std::fs::copy(&files[2], seg).unwrap();
    let e = IndexFile::open(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(e.to_string().contains("not the one the manifest"), "{e}");
    std::fs::write(seg, &good).unwrap();
    IndexFile::open(&path).unwrap().verify().unwrap();
}

/// Issue 15: the in-memory band tables. A query of an index with two
/// segments or more builds one joint table over all segments (three bytes
/// per band entry, and its directories), which is what `memory_usage` adds;
/// a batch probes segment by segment, loading each segment's key table (two
/// bytes per band entry), and the commit keeps those of the segments it
/// does not replace; answers stay those of the memory index.
#[cfg(feature = "tools")]
#[test]
fn band_key_tables_are_loaded_once_and_kept_across_commits() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("tables.edx");
    let config = Config::new();
    let docs = synth_docs(90, 15);
    let (memory, _) = memory_index(&config, &docs);
    build(&path, &config, &[&docs[..30], &docs[30..60], &docs[60..]]);

    let mut index = IndexFile::open_for_writing(&path).unwrap();
    let info = index.info();
    assert!(info.segments >= 2, "{info:?}");
    let entries = info.document_groups as usize * config.get_banding().unwrap().bands()
        + info.passage_groups as usize * config.get_passage_banding().unwrap().bands();
    let before = index.memory_usage();
    assert_same_answers(&index, &memory, &probes(&docs));
    let joint = index.memory_usage() - before;
    assert!(
        joint >= 3 * entries && joint <= 3 * entries + entries / 4 + 4096,
        "{joint} bytes for {entries} band entries"
    );

    // A batch's lookups load the old segments' key tables; the commit keeps
    // them, and the new handle has no joint table until a query builds one.
    let more = synth_docs(10, 16);
    index.add_batch(more.iter().cloned()).unwrap();
    let after = index.memory_usage();
    assert!(
        after >= before + 2 * entries && after < before + 3 * entries,
        "{after} bytes after the batch, {before} before, {entries} band entries"
    );
    let (memory, _) = memory_index(
        &config,
        &docs.iter().chain(&more).cloned().collect::<Vec<_>>(),
    );
    assert_same_answers(&index, &memory, &probes(&docs));

    // Threads that need the tables of a freshly opened index at once load
    // each once, and answer alike.
    drop(index);
    let index = IndexFile::open(&path).unwrap();
    let probes = probes(&docs);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let answers: Vec<Verdict> = pool.install(|| {
        use rayon::prelude::*;
        probes.par_iter().map(|p| index.query(p).unwrap()).collect()
    });
    for (p, a) in probes.iter().zip(answers) {
        assert_eq!(a, memory.query(p), "probe {p:.60}");
    }
}

/// Issue 15, layouts 2 and 3: damage behind valid checksums (the checksums
/// recomputed after the change, as a writer with a bug would leave them)
/// in the coded sets, the document references and the packed band entries
/// is an error or an answer, never a panic; a code whose union has not the
/// record's size is named as damage.
#[test]
fn resealed_damage_to_coded_segments_is_an_error_or_an_answer() {
    let dir = TempDir::new().unwrap();
    let built = dir.path().join("built.edx");
    let docs = fixture_docs();
    build(&built, &Config::new(), &[&docs]);
    let good = std::fs::read(&segment_files(&built)[0]).unwrap();
    assert_eq!(&good[..8], b"EDUPSEG\0");
    let probes = probes(&docs);
    let path = dir.path().join("damaged.seg");
    let mut damaged_sets = 0;
    // document data, document bands, passage data, passage bands
    for section in [6usize, 8, 11, 12] {
        let (offset, len) = sections(&good)[section];
        for at in (offset..offset + len).step_by(3) {
            let mut bytes = good.clone();
            bytes[at] ^= 1 << (at % 8);
            reseal(&mut bytes);
            std::fs::write(&path, &bytes).unwrap();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match IndexFile::open(&path) {
                    Err(e) => assert_eq!(e.kind(), ErrorKind::Format, "{e}"),
                    Ok(index) => {
                        for p in &probes {
                            if let Err(e) = index.query(p) {
                                assert_eq!(e.kind(), ErrorKind::Format, "{e}");
                                if e.to_string().contains("not a valid code")
                                    || e.to_string().contains("size its group record")
                                {
                                    damaged_sets += 1;
                                }
                            }
                        }
                    }
                }
            }));
            assert!(outcome.is_ok(), "section {section}, byte {at}");
        }
    }
    assert!(damaged_sets > 0, "no damaged code was named");
}
