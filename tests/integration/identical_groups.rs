//! Issue 14, reproduction 3: identical documents are kept as groups, so
//! memory is linear in the corpus however many copies there are; the
//! document pairs are expanded by an iterator, in the same order as before.

use echodup::{Config, Deduplicator, DocId, Similarity};

/// A paragraph of 60 distinct words starting with `prefix`.
fn paragraph(prefix: &str) -> String {
    (0..60u8)
        .map(|i| {
            format!(
                "{prefix}{}{}",
                (b'a' + i % 26) as char,
                (b'a' + i / 26) as char
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn issue_14_identical_documents_are_kept_as_groups() {
    let copy = "Access denied. You do not have permission to view this page on the \
                server, and the request was logged with the time and the address it \
                came from; contact the site owner if you think this is a mistake.";
    let copy = format!("{copy} {}", paragraph("notice"));
    let near = copy.replace("logged", "recorded");
    let other = paragraph("other");
    // 0: unique; 1..=3000: identical; 3001: a near-duplicate of them;
    // 3002, 3003: another identical pair.
    let mut docs = vec![paragraph("unique")];
    docs.extend(std::iter::repeat_n(copy, 3000));
    docs.push(near);
    docs.push(other.clone());
    docs.push(other);
    let report = Deduplicator::new(Config::new().passages(false))
        .unwrap()
        .run(&docs)
        .unwrap();
    let d = DocId::new;
    let stats = report.stats();
    let want = 3000 * 2999 / 2 + 3000 + 1;
    assert_eq!(stats.document_pairs, want);
    assert_eq!(report.num_document_pairs(), want);
    // Stored: two groups of identical documents and one group pair, not
    // 4.5 million pairs.
    assert_eq!(stats.document_pair_groups, 3);

    let clusters: Vec<Vec<DocId>> = report
        .clusters()
        .iter()
        .map(|c| c.members().to_vec())
        .collect();
    let big: Vec<DocId> = (1..=3001).map(d).collect();
    assert_eq!(clusters, vec![big, vec![d(3002), d(3003)]]);
    assert_eq!(report.duplicates().len(), 3001);

    // The same pairs, in the same order, as the list the report used to hold.
    let near_sim = report.pair_similarity(d(1), d(3001)).unwrap();
    assert!(near_sim.jaccard >= 0.8 && near_sim.jaccard < 1.0);
    let pairs = report.document_pairs();
    assert_eq!(pairs.len(), want);
    let mut count = 0;
    let mut last = None;
    for p in pairs {
        let expected = if p.b == d(3001) {
            near_sim
        } else {
            Similarity::IDENTICAL
        };
        assert_eq!(p.similarity, expected, "{p:?}");
        if let Some((a, b)) = last {
            assert!((a, b) < (p.a, p.b), "order: {:?} then {p:?}", (a, b));
        }
        last = Some((p.a, p.b));
        count += 1;
    }
    assert_eq!(count, want);
    let first = report.document_pairs().next().unwrap();
    assert_eq!((first.a, first.b), (d(1), d(2)));
    assert_eq!(last, Some((d(3002), d(3003))));
    // Document 1 pairs with 2..=3000, then with the near-duplicate.
    let mut it = report.document_pairs();
    let p = it.nth(2999).unwrap();
    assert_eq!((p.a, p.b, p.similarity), (d(1), d(3001), near_sim));
    assert_eq!(it.size_hint(), (want - 3000, Some(want - 3000)));
    assert_eq!(
        report.pair_similarity(d(3001), d(7)),
        Some(near_sim.swapped())
    );
    assert_eq!(report.pair_similarity(d(0), d(7)), None);
}

/// The serde form still lists every document pair, and reads back to a
/// report with the same pairs.
#[cfg(feature = "serde")]
#[test]
fn serde_form_lists_every_document_pair() {
    let copy = paragraph("copy");
    let near = copy.replacen("copyaa", "changed", 1);
    let docs = [copy.clone(), paragraph("unique"), copy.clone(), near, copy];
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&docs)
        .unwrap();
    let pairs: Vec<_> = report.document_pairs().collect();
    assert_eq!(pairs.len(), 6);
    assert_eq!(report.stats().document_pair_groups, 2);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["document_pairs"],
        serde_json::to_value(&pairs).unwrap()
    );
    let back: echodup::Report = serde_json::from_value(json).unwrap();
    assert_eq!(back.document_pairs().collect::<Vec<_>>(), pairs);
    assert_eq!(back.num_document_pairs(), 6);
    assert_eq!(back.clusters(), report.clusters());
    let d = DocId::new;
    assert_eq!(
        back.pair_similarity(d(3), d(0)),
        report.pair_similarity(d(3), d(0))
    );
    assert!(report.pair_similarity(d(3), d(0)).is_some());
}
