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
