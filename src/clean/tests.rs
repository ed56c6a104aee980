//! Tests of the whole plan: options, decision rules and cleaned texts.

use super::*;
use crate::corpus::{DocId, PassageId};
use crate::{Config, Deduplicator, ErrorKind};
use proptest::prelude::*;

/// A paragraph of 14 words that shares no word with any other paragraph.
fn paragraph(i: usize) -> String {
    (0..14)
        .map(|w| format!("p{i}w{w}"))
        .collect::<Vec<_>>()
        .join(" ")
        + "."
}

fn doc(paragraphs: &[&str]) -> String {
    paragraphs.join("\n\n")
}

fn plan(docs: &[String], options: CleanOptions) -> CleaningPlan {
    let report = Deduplicator::new(Config::new())
        .expect("valid config")
        .run(docs)
        .expect("small corpus");
    report.cleaning_plan(options).expect("valid options")
}

fn strip() -> CleanOptions {
    CleanOptions::new().strip_passages(true)
}

#[test]
fn never_strips_the_last_surviving_copy() {
    let body: Vec<String> = (0..6).map(paragraph).collect();
    let body: Vec<&str> = body.iter().map(String::as_str).collect();
    let extra = paragraph(100);
    let other = [paragraph(200), paragraph(201)];
    let d0 = doc(&body);
    let mut resend = body.clone();
    resend.push(&extra);
    let d1 = doc(&resend);
    let d2 = doc(&[&other[0], &other[1], &extra]);
    let docs = [d0, d1, d2];
    let plan = plan(&docs, strip());
    assert_eq!(
        plan.document(DocId::new(1)).drop_reason(),
        Some(DropReason::NearDuplicate { of: DocId::new(0) })
    );
    let d2 = plan.document(DocId::new(2));
    assert!(d2.is_kept());
    assert!(d2.stripped().is_empty(), "{:?}", d2.stripped());
    assert_eq!(
        plan.clean_text(DocId::new(2), &docs[2]).as_deref(),
        Some(docs[2].as_str())
    );
    assert_eq!(plan.clean_text(DocId::new(1), &docs[1]), None);
}

#[test]
fn repeats_inside_a_document_are_stripped() {
    let p: Vec<String> = (0..3).map(paragraph).collect();
    let text = doc(&[&p[0], &p[1], &p[2], &p[1], &p[2]]);
    let docs = [text];
    let plan = plan(&docs, strip());
    let d = plan.document(DocId::new(0));
    let stripped: Vec<(u32, u32, bool)> = d
        .stripped()
        .iter()
        .map(|s| (s.passage.index, s.duplicates.index, s.is_repeat()))
        .collect();
    assert_eq!(stripped, [(3, 1, true), (4, 2, true)]);
    assert_eq!(
        d.clean_text(&docs[0]).as_deref(),
        Some(doc(&[&p[0], &p[1], &p[2]]).as_str())
    );
    assert_eq!(d.removed_bytes(), p[1].len() + p[2].len());
    assert_eq!(plan.stripped_bytes(), d.removed_bytes());
    // Without stripping the text stays whole.
    let keep = super::tests::plan(&docs, CleanOptions::new());
    assert!(keep.document(DocId::new(0)).stripped().is_empty());
    assert_eq!(
        keep.clean_text(DocId::new(0), &docs[0]).as_deref(),
        Some(docs[0].as_str())
    );
}

#[test]
fn cross_document_copies_point_at_the_kept_one() {
    let p: Vec<String> = (0..4).map(paragraph).collect();
    let docs = [doc(&[&p[0], &p[3]]), doc(&[&p[1], &p[2], &p[3]])];
    let plan = plan(&docs, strip());
    let s = &plan.document(DocId::new(1)).stripped()[0];
    assert_eq!(s.passage, PassageId::new(DocId::new(1), 2));
    assert_eq!(s.duplicates, PassageId::new(DocId::new(0), 1));
    assert!(!s.is_repeat());
    assert_eq!(&docs[1][s.span.clone()], p[3]);
    assert_eq!(
        plan.clean_text(DocId::new(1), &docs[1]).as_deref(),
        Some(doc(&[&p[1], &p[2]]).as_str())
    );
}

#[test]
fn drop_if_duplicated_drops_mostly_copied_documents() {
    let p: Vec<String> = (0..5).map(paragraph).collect();
    // Document 1: 2 of 3 equal-length passages are copies of document 0.
    let docs = [doc(&[&p[0], &p[1], &p[2]]), doc(&[&p[0], &p[1], &p[3]])];
    let report = Deduplicator::new(Config::new().threshold(0.9))
        .unwrap()
        .run(&docs)
        .unwrap();
    assert!(report.clusters().is_empty());
    let at = |f: f64| {
        report
            .cleaning_plan(CleanOptions::new().drop_if_duplicated(Some(f)))
            .unwrap()
    };
    let dropped = at(0.5);
    match dropped.document(DocId::new(1)).drop_reason() {
        Some(DropReason::MostlyDuplicated { fraction }) => {
            assert!((fraction - 2.0 / 3.0).abs() < 0.01, "{fraction}")
        }
        other => panic!("{other:?}"),
    }
    assert!(dropped.document(DocId::new(0)).is_kept());
    assert!(at(0.7).document(DocId::new(1)).is_kept());
    assert!(at(1.0).document(DocId::new(1)).is_kept());
    // Passages of a dropped document do not count as surviving copies.
    let docs = [
        doc(&[&p[0], &p[1], &p[2]]),
        doc(&[&p[0], &p[1], &p[3]]),
        doc(&[&p[3], &p[4]]),
    ];
    let report = Deduplicator::new(Config::new().threshold(0.9))
        .unwrap()
        .run(&docs)
        .unwrap();
    let plan = report
        .cleaning_plan(strip().drop_if_duplicated(Some(0.5)))
        .unwrap();
    assert!(!plan.document(DocId::new(1)).is_kept());
    assert!(plan.document(DocId::new(2)).stripped().is_empty());
}

#[test]
fn drop_if_duplicated_is_validated() {
    let docs = [paragraph(0)];
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&docs)
        .unwrap();
    for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        let e = report
            .cleaning_plan(CleanOptions::new().drop_if_duplicated(Some(bad)))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert_eq!(e.parameter(), Some("drop_if_duplicated"));
    }
    for good in [0.0, 0.5, 1.0] {
        assert!(
            report
                .cleaning_plan(CleanOptions::new().drop_if_duplicated(Some(good)))
                .is_ok()
        );
    }
}

#[test]
fn a_document_with_nothing_left_is_dropped() {
    let p: Vec<String> = (0..4).map(paragraph).collect();
    // Document 1 is made of copies only, too different to be a near
    // duplicate of either source.
    let docs = [
        doc(&[&p[0], &p[1]]),
        doc(&[&p[2], &p[3]]),
        doc(&[&p[1], &p[2]]),
    ];
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&docs)
        .unwrap();
    assert!(report.clusters().is_empty());
    let plan = report.cleaning_plan(strip()).unwrap();
    assert_eq!(
        plan.document(DocId::new(2)).drop_reason(),
        Some(DropReason::NothingLeft)
    );
    assert_eq!(plan.dropped_bytes(), docs[2].len());
    // Without stripping it stays.
    assert!(
        report
            .cleaning_plan(CleanOptions::new())
            .unwrap()
            .document(DocId::new(2))
            .is_kept()
    );
}

#[test]
fn empty_and_blank_documents_are_kept_whole() {
    let docs = [String::new(), "\n\n  \n".to_string(), paragraph(0)];
    let plan = plan(&docs, strip().drop_if_duplicated(Some(0.0)));
    for (i, d) in docs.iter().enumerate() {
        let id = DocId::new(i as u32);
        assert_eq!(plan.clean_text(id, d).as_deref(), Some(d.as_str()));
        assert_eq!(plan.document(id).duplicate_fraction(), 0.0);
    }
}

#[test]
fn plans_are_deterministic() {
    let p: Vec<String> = (0..6).map(paragraph).collect();
    let docs: Vec<String> = vec![
        doc(&[&p[0], &p[1], &p[0]]),
        doc(&[&p[2], &p[1], &p[3]]),
        doc(&[&p[0], &p[1], &p[0]]),
        doc(&[&p[4], &p[5], &p[3], &p[5]]),
    ];
    let options = strip().drop_if_duplicated(Some(0.6));
    let first = plan(&docs, options);
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| plan(&docs, options)), first);
    }
    let debug = format!("{first:?}");
    assert!(debug.starts_with("CleaningPlan {"), "{debug}");
}

/// The paragraphs of a text built by `doc`.
fn paragraphs_of(text: &str) -> Vec<&str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split("\n\n").collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// After applying a plan, every paragraph of a document that was not
    /// dropped as a (near or mostly) duplicate survives somewhere, kept
    /// texts are the input paragraphs in order, and with stripping each
    /// paragraph survives at most once.
    #[test]
    fn every_paragraph_keeps_a_surviving_copy(
        steps in prop::collection::vec(
            (any::<bool>(), prop::collection::vec(0usize..10, 0..8), any::<usize>(), 0usize..10, any::<usize>()),
            1..8,
        ),
        strip_passages in any::<bool>(),
        drop_if in prop::option::of(0.0f64..=1.0),
    ) {
        let pool: Vec<String> = (0..10).map(paragraph).collect();
        // Each document is fresh, or a re-send of an earlier one with one
        // paragraph inserted (a near duplicate that holds something new).
        let mut corpus: Vec<Vec<usize>> = Vec::new();
        for (resend, fresh, of, extra, at) in steps {
            if resend && !corpus.is_empty() {
                let mut d = corpus[of % corpus.len()].clone();
                d.insert(at % (d.len() + 1), extra);
                corpus.push(d);
            } else {
                corpus.push(fresh);
            }
        }
        let docs: Vec<String> = corpus
            .iter()
            .map(|d| d.iter().map(|&i| pool[i].as_str()).collect::<Vec<_>>().join("\n\n"))
            .collect();
        let options = CleanOptions::new().strip_passages(strip_passages).drop_if_duplicated(drop_if);
        let plan = plan(&docs, options);
        let mut output: Vec<String> = Vec::new();
        for (i, text) in docs.iter().enumerate() {
            let d = plan.document(DocId::new(i as u32));
            match d.clean_text(text) {
                Some(clean) => {
                    let kept = paragraphs_of(&clean);
                    // Kept paragraphs are a subsequence of the input's.
                    let mut input = paragraphs_of(text).into_iter();
                    for k in &kept {
                        prop_assert!(input.any(|p| p == *k), "{clean:?} from {text:?}");
                    }
                    if !strip_passages {
                        prop_assert_eq!(clean.as_ref(), text.as_str());
                    }
                    let mut seen = kept.clone();
                    seen.sort_unstable();
                    seen.dedup();
                    if strip_passages {
                        prop_assert_eq!(seen.len(), kept.len(), "a repeat survived in {:?}", clean);
                    }
                    output.extend(kept.into_iter().map(str::to_owned));
                }
                None => prop_assert!(d.drop_reason().is_some()),
            }
        }
        for (i, text) in docs.iter().enumerate() {
            let d = plan.document(DocId::new(i as u32));
            if matches!(
                d.drop_reason(),
                Some(DropReason::NearDuplicate { .. } | DropReason::MostlyDuplicated { .. })
            ) {
                continue;
            }
            for p in paragraphs_of(text) {
                let copies = output.iter().filter(|o| *o == p).count();
                prop_assert!(copies >= 1, "{p:?} of document {i} lost");
                if strip_passages {
                    prop_assert_eq!(copies, 1, "{:?} kept {} times", p, copies);
                }
            }
        }
    }
}
