//! Properties of the public API as a whole.

use std::panic::{RefUnwindSafe, UnwindSafe};

/// Compiles only if `T` can be shared and sent between threads and survives
/// an unwind (STYLE §5.5): an `Rc` or `Cell` inside a public type breaks the
/// build here.
fn is_thread_and_unwind_safe<T: Send + Sync + UnwindSafe + RefUnwindSafe>() {}

#[test]
fn every_public_type_is_send_sync_and_unwind_safe() {
    use echodup::*;

    // Entry points and their results.
    is_thread_and_unwind_safe::<Config>();
    is_thread_and_unwind_safe::<Deduplicator>();
    is_thread_and_unwind_safe::<Report>();
    is_thread_and_unwind_safe::<DocumentPair>();
    is_thread_and_unwind_safe::<echodup::DocumentPairs<'static>>();
    is_thread_and_unwind_safe::<DocumentSummary>();
    is_thread_and_unwind_safe::<PassageCluster>();
    is_thread_and_unwind_safe::<PassageMatch>();
    is_thread_and_unwind_safe::<Repeat>();
    is_thread_and_unwind_safe::<RepeatedBlock>();
    is_thread_and_unwind_safe::<Stats>();
    is_thread_and_unwind_safe::<DedupIndex>();
    is_thread_and_unwind_safe::<Verdict>();
    is_thread_and_unwind_safe::<PassageVerdict>();
    is_thread_and_unwind_safe::<DocumentVerdict>();
    is_thread_and_unwind_safe::<Explanation>();
    is_thread_and_unwind_safe::<explain::PassagePair>();
    // Ids and errors.
    is_thread_and_unwind_safe::<Error>();
    is_thread_and_unwind_safe::<Result<()>>();
    is_thread_and_unwind_safe::<DocId>();
    is_thread_and_unwind_safe::<PassageId>();
    is_thread_and_unwind_safe::<ErrorKind>();
    // Stages.
    is_thread_and_unwind_safe::<Normalizer>();
    is_thread_and_unwind_safe::<Segmentation>();
    is_thread_and_unwind_safe::<segment::Segmenter>();
    is_thread_and_unwind_safe::<Shingling>();
    is_thread_and_unwind_safe::<shingle::Shingler>();
    is_thread_and_unwind_safe::<ShingleSet>();
    is_thread_and_unwind_safe::<Analyzer>();
    is_thread_and_unwind_safe::<AnalyzedDocument>();
    is_thread_and_unwind_safe::<AnalyzedPassage>();
    is_thread_and_unwind_safe::<MinHasher>();
    is_thread_and_unwind_safe::<Signature>();
    is_thread_and_unwind_safe::<Banding>();
    is_thread_and_unwind_safe::<lsh::BandKeys<'static>>();
    is_thread_and_unwind_safe::<LshIndex>();
    is_thread_and_unwind_safe::<Similarity>();
    is_thread_and_unwind_safe::<Measure>();
    is_thread_and_unwind_safe::<Verification>();
    is_thread_and_unwind_safe::<Cluster>();
    is_thread_and_unwind_safe::<Clusters>();
    is_thread_and_unwind_safe::<KeepPolicy>();
    // One sketch, one comparison, the indexes.
    is_thread_and_unwind_safe::<Level>();
    is_thread_and_unwind_safe::<Sketcher>();
    is_thread_and_unwind_safe::<ItemSketch>();
    is_thread_and_unwind_safe::<sketch::ComparedPassages<'static, 'static>>();
    is_thread_and_unwind_safe::<Verifier>();
    is_thread_and_unwind_safe::<verify::Evidence<'static>>();
    is_thread_and_unwind_safe::<index::IndexFile>();
    is_thread_and_unwind_safe::<index::IndexInfo>();
}

/// The verdicts of any [`DocumentIndex`](echodup::index::DocumentIndex) on
/// `queries`.
fn verdicts(index: &impl echodup::index::DocumentIndex, queries: &[&str]) -> Vec<echodup::Verdict> {
    queries.iter().map(|q| index.query(q).unwrap()).collect()
}

#[test]
fn both_document_indexes_answer_alike_through_the_trait() {
    use echodup::index::{DedupIndex, DocumentIndex, IndexFile};
    use echodup::{Config, DocId};

    let docs = [
        "Ferry services resume\n\nThe first ferries left the harbour at dawn after three days of gales kept the fleet in port.",
        "Council budget\n\nThe council approved next year's budget after a debate that ran past midnight on Tuesday.",
        "Ferry services resume\n\nThe first ferries left the harbour at dawn after three days of gales kept the fleet in port!",
    ];
    let queries = [
        "The first ferries left the harbour at dawn after three days of gales kept the fleet in port.",
        "Something else entirely, a story about the school choir winning a regional prize.",
        docs[1],
    ];
    let config = Config::new().threshold(0.7);
    let mut memory = DedupIndex::new(config.clone()).unwrap();
    for d in docs {
        memory.add(d).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut file = IndexFile::create(dir.path().join("i.edx"), config).unwrap();
    file.add_batch(docs.iter().enumerate().map(|(i, d)| (format!("d{i}"), *d)))
        .unwrap();

    assert_eq!(DocumentIndex::len(&memory), 3);
    assert_eq!(DocumentIndex::len(&file), 3);
    assert_eq!(memory.num_passages(), file.num_passages());
    // The file stores the resolved configuration (explicit bandings): same fingerprint.
    let fingerprint = |c: &Config| c.fingerprint().unwrap();
    assert_eq!(
        fingerprint(DocumentIndex::config(&memory)),
        fingerprint(DocumentIndex::config(&file))
    );
    let (m, f) = (verdicts(&memory, &queries), verdicts(&file, &queries));
    assert_eq!(m, f);
    // The paragraph of the first story, the unrelated text, and story 1 itself.
    assert_eq!(
        m[0].passages()[0].duplicate_of.unwrap().0.doc,
        DocId::new(0)
    );
    assert!(m[1].passages().iter().all(|p| p.duplicate_of.is_none()));
    assert_eq!(m[2].document_matches()[0].0, DocId::new(1));
    // The former path of the file index still names the same type.
    let _: Option<echodup::store::IndexFile> = None::<IndexFile>;
}

#[cfg(feature = "jsonl")]
#[test]
fn every_public_io_type_is_send_sync_and_unwind_safe() {
    use echodup::io::*;

    is_thread_and_unwind_safe::<ReadOptions>();
    is_thread_and_unwind_safe::<Document>();
    is_thread_and_unwind_safe::<Skipped>();
    is_thread_and_unwind_safe::<Corpus>();
    is_thread_and_unwind_safe::<AtomicFile>();
}
