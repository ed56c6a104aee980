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
    is_thread_and_unwind_safe::<KeepOrder>();
    // One sketch, one comparison, the indexes.
    is_thread_and_unwind_safe::<Level>();
    is_thread_and_unwind_safe::<Sketcher>();
    is_thread_and_unwind_safe::<ItemSketch>();
    is_thread_and_unwind_safe::<sketch::ComparedPassages<'static, 'static>>();
    is_thread_and_unwind_safe::<Verifier>();
    is_thread_and_unwind_safe::<verify::Evidence<'static>>();
    is_thread_and_unwind_safe::<index::IndexFile>();
    is_thread_and_unwind_safe::<index::IndexInfo>();
    is_thread_and_unwind_safe::<index::StagedBatch>();
    is_thread_and_unwind_safe::<index::OnExistingId>();
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
    is_thread_and_unwind_safe::<SkippedEntry>();
    is_thread_and_unwind_safe::<EntryReason>();
    is_thread_and_unwind_safe::<Corpus>();
    is_thread_and_unwind_safe::<AtomicFile>();
}

/// `Report::keep_by` re-picks the kept copy, and everything that depends on
/// it follows: clusters, duplicates, summaries and a cleaning plan (which
/// strips later copies of a passage against the copy now kept).
#[test]
fn keep_by_moves_the_kept_copy_through_summaries_and_the_cleaning_plan() {
    use echodup::clean::{CleanOptions, CleaningPlan, DropReason};
    use echodup::{Config, Deduplicator, DocId, KeepOrder};

    let story = "The council approved the new budget on Tuesday after a long debate about roads.";
    let quote = "Shops on the seafront will close early on Sunday for the annual harbour parade.";
    let docs = [
        format!("{story}\n\n{quote}"),
        "Fresh snow closed the mountain pass again for the third time this winter season."
            .to_string(),
        format!("{story}\n\n{quote}"),
        format!("Other news from the coast this week and the next few days.\n\n{quote}"),
        format!("{story}\n\n{quote}"),
    ];
    let dates = [Some(3), None, Some(1), Some(0), Some(1)];
    let d = DocId::new;
    let mut report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&docs)
        .unwrap();
    assert_eq!(report.clusters()[0].members(), [d(0), d(2), d(4)]);
    assert_eq!(report.duplicates(), [d(2), d(4)]);
    let stats = report.stats().clone();

    report.keep_by(KeepOrder::Ascending, |doc| dates[doc.as_usize()]);
    assert_eq!(
        report.clusters()[0].representative(),
        d(2),
        "earliest; a tie goes to the earlier"
    );
    assert_eq!(report.duplicates(), [d(0), d(4)]);
    let flags: Vec<bool> = report.summaries().iter().map(|s| s.is_duplicate).collect();
    assert_eq!(flags, [true, false, false, false, true]);
    assert_eq!(
        report.stats(),
        &stats,
        "counts do not depend on which copy is kept"
    );
    let plan = CleaningPlan::new(&report, CleanOptions::new().strip_passages(true)).unwrap();
    assert_eq!(plan.kept().collect::<Vec<_>>(), [d(1), d(2), d(3)]);
    assert_eq!(
        plan.documents()[0].drop_reason(),
        Some(DropReason::NearDuplicate { of: d(2) })
    );
    // The quote of document 3 is a copy of the one kept in document 2.
    let stripped: Vec<_> = plan.documents()[3]
        .stripped()
        .iter()
        .map(|s| s.duplicates)
        .collect();
    assert_eq!(stripped, [echodup::PassageId::new(d(2), 1)]);
    assert!(plan.documents()[2].stripped().is_empty());

    report.keep_by(KeepOrder::Descending, |doc| dates[doc.as_usize()]);
    assert_eq!(report.duplicates(), [d(2), d(4)]);
    report.keep_by(KeepOrder::Descending, |_| None::<u8>);
    assert_eq!(
        report.duplicates(),
        [d(2), d(4)],
        "all missing: the first copy"
    );
}
