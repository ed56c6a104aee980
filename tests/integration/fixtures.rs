//! Fixture corpora (`tests/data/fixtures/`), one per kind of duplicate, each
//! compared exactly with its expected results; the incremental index against
//! the batch run; the sample articles of the `news` example; and bad input.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use echodup::segment::Segmentation;
use echodup::{Analyzer, Config, DedupIndex, Deduplicator, DocId, KeepPolicy, Measure, Report};
use serde_json::Value;

#[path = "../../examples/sample/articles.rs"]
mod articles;

// ---------------------------------------------------------------------------
// Reading fixtures

struct Fixture {
    name: String,
    ids: Vec<String>,
    texts: Vec<String>,
    config: Config,
    expected: Expected,
}

#[derive(Debug, PartialEq)]
struct Expected {
    document_clusters: Vec<Vec<String>>,
    repeated_blocks: Vec<(String, Range<u32>, Range<u32>)>,
    cross_document_passage_clusters: Vec<Vec<(String, u32)>>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures")
}

/// Every `NAME.jsonl` with its `NAME.expected.json`, sorted by name.
fn fixtures() -> Vec<Fixture> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("read tests/data/fixtures")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .filter_map(|n| n.strip_suffix(".jsonl").map(str::to_string))
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no fixtures in {}",
        fixture_dir().display()
    );
    names.iter().map(|n| read_fixture(n)).collect()
}

fn read_fixture(name: &str) -> Fixture {
    let dir = fixture_dir();
    let corpus = std::fs::read_to_string(dir.join(format!("{name}.jsonl"))).expect("read corpus");
    let (mut ids, mut texts) = (Vec::new(), Vec::new());
    for (n, line) in corpus
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}.jsonl:{}: {e}", n + 1));
        let id = v["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}.jsonl:{}: no id", n + 1));
        assert!(
            !ids.iter().any(|i| i == id),
            "{name}.jsonl: duplicate id {id}"
        );
        ids.push(id.to_string());
        texts.push(
            v["text"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}.jsonl:{}: no text", n + 1))
                .to_string(),
        );
    }
    let path = dir.join(format!("{name}.expected.json"));
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let known = [
        "description",
        "config",
        "document_clusters",
        "repeated_blocks",
        "cross_document_passage_clusters",
    ];
    for key in exp
        .as_object()
        .expect("expected results are an object")
        .keys()
    {
        assert!(
            known.contains(&key.as_str()),
            "{name}.expected.json: unknown key {key}"
        );
    }
    let config = config_from(name, exp.get("config"));
    let known_id = |id: &str| {
        assert!(
            ids.iter().any(|i| i == id),
            "{name}.expected.json names unknown document {id}"
        );
        id.to_string()
    };
    let list = |key: &str| -> Vec<Value> {
        exp[key]
            .as_array()
            .unwrap_or_else(|| panic!("{name}.expected.json: {key} must be a list"))
            .clone()
    };
    let range = |v: &Value| -> Range<u32> {
        let a = v.as_array().expect("a range is [start, end]");
        a[0].as_u64().unwrap() as u32..a[1].as_u64().unwrap() as u32
    };
    let expected = Expected {
        document_clusters: list("document_clusters")
            .iter()
            .map(|c| {
                c.as_array()
                    .unwrap()
                    .iter()
                    .map(|id| known_id(id.as_str().unwrap()))
                    .collect()
            })
            .collect(),
        repeated_blocks: list("repeated_blocks")
            .iter()
            .map(|b| {
                (
                    known_id(b["doc"].as_str().unwrap()),
                    range(&b["original"]),
                    range(&b["repeat"]),
                )
            })
            .collect(),
        cross_document_passage_clusters: list("cross_document_passage_clusters")
            .iter()
            .map(|c| {
                c.as_array()
                    .unwrap()
                    .iter()
                    .map(|m| {
                        (
                            known_id(m[0].as_str().unwrap()),
                            m[1].as_u64().unwrap() as u32,
                        )
                    })
                    .collect()
            })
            .collect(),
    };
    Fixture {
        name: name.to_string(),
        ids,
        texts,
        config,
        expected,
    }
}

/// The default config with the fixture's overrides.
fn config_from(name: &str, overrides: Option<&Value>) -> Config {
    let mut config = Config::new();
    let Some(overrides) = overrides else {
        return config;
    };
    for (key, v) in overrides.as_object().expect("config is an object") {
        config = match key.as_str() {
            "threshold" => config.threshold(v.as_f64().unwrap_or_else(|| bad_value(name, key, v))),
            "passage_threshold" => {
                config.passage_threshold(v.as_f64().unwrap_or_else(|| bad_value(name, key, v)))
            }
            "shingle_size" => {
                config.shingle_size(v.as_u64().unwrap_or_else(|| bad_value(name, key, v)) as usize)
            }
            "min_passage_tokens" => config
                .min_passage_tokens(v.as_u64().unwrap_or_else(|| bad_value(name, key, v)) as usize),
            "measure" => config.measure(match v.as_str() {
                Some("jaccard") => Measure::Jaccard,
                Some("containment") => Measure::Containment,
                _ => bad_value(name, key, v),
            }),
            "segmentation" => config.segmentation(match v.as_str() {
                Some("auto") => Segmentation::Auto,
                Some("blank_lines") => Segmentation::BlankLines,
                Some("lines") => Segmentation::Lines,
                _ => bad_value(name, key, v),
            }),
            "keep" => config.keep(match v.as_str() {
                Some("first") => KeepPolicy::First,
                Some("longest") => KeepPolicy::Longest,
                _ => bad_value(name, key, v),
            }),
            _ => panic!("{name}.expected.json: unknown config key {key}"),
        };
    }
    config
}

fn bad_value<T>(name: &str, key: &str, v: &Value) -> T {
    panic!("{name}.expected.json: bad value for config.{key}: {v}")
}

/// What a report says, in the fixture's terms.
fn observed(ids: &[String], report: &Report) -> Expected {
    let id = |d: DocId| ids[d.as_usize()].clone();
    Expected {
        document_clusters: report
            .clusters()
            .iter()
            .map(|c| c.members().iter().map(|&d| id(d)).collect())
            .collect(),
        repeated_blocks: report
            .repeated_blocks()
            .iter()
            .map(|b| (id(b.doc), b.original.clone(), b.repeat.clone()))
            .collect(),
        cross_document_passage_clusters: report
            .passage_clusters()
            .iter()
            .filter(|c| c.is_cross_document())
            .map(|c| {
                c.members()
                    .iter()
                    .map(|m| (id(m.passage.doc), m.passage.index))
                    .collect()
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Invariants every report must hold, whatever the input

/// Characters that may lie outside every passage: white space, control
/// characters (NUL included), and the invisible characters of
/// `echodup::segment` and `echodup::normalize`.
fn may_lie_outside_passages(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// Spans are in order, disjoint, on character boundaries, start and end on
/// visible text, and cover every visible character.
fn assert_spans_cover(what: &str, text: &str, spans: &[Range<usize>]) {
    let mut covered_to = 0;
    for s in spans {
        assert!(
            s.start < s.end && s.end <= text.len(),
            "{what}: bad span {s:?} (len {})",
            text.len()
        );
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "{what}: span {s:?} splits a character"
        );
        assert!(
            s.start >= covered_to,
            "{what}: span {s:?} overlaps or precedes the one before"
        );
        let gap = &text[covered_to..s.start];
        assert!(
            gap.chars().all(may_lie_outside_passages),
            "{what}: visible text {gap:?} outside every passage"
        );
        let inner = &text[s.clone()];
        assert!(
            !may_lie_outside_passages(inner.chars().next().unwrap()),
            "{what}: span {s:?} starts on blank"
        );
        assert!(
            !may_lie_outside_passages(inner.chars().next_back().unwrap()),
            "{what}: span {s:?} ends on blank"
        );
        covered_to = s.end;
    }
    let tail = &text[covered_to..];
    assert!(
        tail.chars().all(may_lie_outside_passages),
        "{what}: visible text {tail:?} after the last passage"
    );
}

/// Every document has its summary and its passages cover its text; every
/// pair reaches the threshold; provenance points at the summaries' spans.
fn assert_report_invariants(what: &str, texts: &[&str], report: &Report) {
    let config = report.config();
    assert_eq!(
        report.summaries().len(),
        texts.len(),
        "{what}: one summary per document"
    );
    assert_eq!(
        report.stats().documents,
        texts.len(),
        "{what}: stats.documents"
    );
    let mut passages = 0;
    for (i, (s, text)) in report.summaries().iter().zip(texts).enumerate() {
        assert_eq!(
            s.doc,
            DocId::new(i as u32),
            "{what}: summaries in input order"
        );
        assert_eq!(s.len, text.len(), "{what}: summary {i} len");
        assert_spans_cover(&format!("{what}: document {i}"), text, &s.passages);
        assert_eq!(
            s.passage_bytes,
            s.passages.iter().map(|r| r.len()).sum::<usize>(),
            "{what}: doc {i}"
        );
        assert!(s.duplicate_bytes <= s.passage_bytes, "{what}: doc {i}");
        let f = s.duplicate_fraction();
        assert!(
            (0.0..=1.0).contains(&f),
            "{what}: doc {i} duplicate fraction {f}"
        );
        passages += s.passages.len();
    }
    assert_eq!(report.stats().passages, passages, "{what}: stats.passages");
    for p in report.document_pairs() {
        assert!(p.a < p.b, "{what}: pair order {p:?}");
        let score = p.similarity.score(config.get_measure());
        assert!(
            score >= config.get_threshold(),
            "{what}: pair below threshold {p:?}"
        );
    }
    for c in report.passage_clusters() {
        assert!(c.len() >= 2, "{what}: passage cluster of {}", c.len());
        for m in c.members() {
            let s = report.summary(m.passage.doc);
            assert_eq!(
                s.passages[m.passage.index as usize], m.span,
                "{what}: span of {}",
                m.passage
            );
        }
    }
    for b in report.repeated_blocks() {
        let s = report.summary(b.doc);
        assert_eq!(b.original.len(), b.repeat.len(), "{what}: {b:?}");
        assert!(
            b.original.end <= b.repeat.start,
            "{what}: {b:?}: the original comes first"
        );
        let span =
            |r: &Range<u32>| s.passages[r.start as usize].start..s.passages[r.end as usize - 1].end;
        assert_eq!(
            (span(&b.original), span(&b.repeat)),
            (b.original_span.clone(), b.repeat_span.clone()),
            "{what}: {b:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// The table-driven runner

#[test]
fn every_fixture_gives_exactly_its_expected_results() {
    let mut failures = Vec::new();
    let all = fixtures();
    for f in &all {
        let texts: Vec<&str> = f.texts.iter().map(String::as_str).collect();
        let report = Deduplicator::new(f.config.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", f.name))
            .run(&texts)
            .unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_report_invariants(&f.name, &texts, &report);
        let got = observed(&f.ids, &report);
        if got != f.expected {
            failures.push(format!(
                "fixture {}:\n  expected {:?}\n  got      {:?}",
                f.name, f.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// The fixtures cover every kind of duplicate they are meant to, so that a
/// deleted file cannot pass silently.
#[test]
fn fixture_set_covers_every_kind_of_duplicate() {
    let names: BTreeSet<String> = fixtures().into_iter().map(|f| f.name).collect();
    for n in [
        "boilerplate",
        "containment",
        "doubled_body",
        "negatives",
        "syndicated",
        "variants",
    ] {
        assert!(names.contains(n), "fixture {n} is missing");
    }
}

/// Adding the documents of a fixture one at a time flags as duplicates exactly
/// the documents that the batch run marks as duplicates when the first copy is
/// kept, and the passages it flags are exactly the batch run's duplicate
/// passages.
#[test]
fn incremental_index_agrees_with_batch_run_on_every_fixture() {
    for f in fixtures() {
        let config = f.config.clone().keep(KeepPolicy::First);
        let texts: Vec<&str> = f.texts.iter().map(String::as_str).collect();
        let report = Deduplicator::new(config.clone())
            .unwrap()
            .run(&texts)
            .unwrap();
        let mut index = DedupIndex::new(config).unwrap();
        let (mut flagged, mut batch) = (Vec::new(), Vec::new());
        let (mut flagged_passages, mut batch_passages) = (Vec::new(), Vec::new());
        for (i, text) in texts.iter().enumerate() {
            let verdict = index.add(text).unwrap();
            let summary = &report.summaries()[i];
            assert_eq!(verdict.doc(), Some(DocId::new(i as u32)), "{}", f.name);
            let spans: Vec<Range<usize>> =
                verdict.passages().iter().map(|p| p.span.clone()).collect();
            assert_eq!(
                spans, summary.passages,
                "{}: passages of {}",
                f.name, f.ids[i]
            );
            if verdict.is_duplicate() {
                flagged.push(f.ids[i].clone());
            }
            if summary.is_duplicate {
                batch.push(f.ids[i].clone());
            }
            for p in verdict
                .passages()
                .iter()
                .filter(|p| p.duplicate_of.is_some())
            {
                flagged_passages.push((f.ids[i].clone(), p.index));
            }
            for &p in &summary.duplicate_passages {
                batch_passages.push((f.ids[i].clone(), p));
            }
        }
        assert_eq!(
            flagged, batch,
            "{}: duplicate documents, incremental vs batch",
            f.name
        );
        assert_eq!(
            flagged_passages, batch_passages,
            "{}: duplicate passages, incremental vs batch",
            f.name
        );
    }
}

// ---------------------------------------------------------------------------
// The sample articles of `examples/news.rs`

fn sample_report() -> (Vec<&'static str>, Report) {
    let texts: Vec<&str> = articles::ARTICLES.iter().map(|a| a.text).collect();
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&texts)
        .unwrap();
    (texts, report)
}

fn sample_id(doc: DocId) -> &'static str {
    articles::ARTICLES[doc.as_usize()].id
}

#[test]
fn news_example_finds_the_syndicated_copy_and_the_doubled_body() {
    let (texts, report) = sample_report();
    assert_report_invariants("news sample", &texts, &report);
    let clusters: Vec<Vec<&str>> = report
        .clusters()
        .iter()
        .map(|c| c.members().iter().map(|&d| sample_id(d)).collect())
        .collect();
    assert_eq!(clusters, [["harbour-fire", "harbour-fire-syndicated"]]);
    assert_eq!(
        report
            .duplicates()
            .iter()
            .map(|&d| sample_id(d))
            .collect::<Vec<_>>(),
        ["harbour-fire-syndicated"]
    );
    let blocks: Vec<(&str, Range<u32>, Range<u32>)> = report
        .repeated_blocks()
        .iter()
        .map(|b| (sample_id(b.doc), b.original.clone(), b.repeat.clone()))
        .collect();
    assert_eq!(blocks, [("council-budget", 1..5, 5..9)]);
}

#[test]
fn news_example_finds_wire_copy_and_boilerplate_across_articles() {
    let (_, report) = sample_report();
    let shared: Vec<Vec<(&str, u32)>> = report
        .passage_clusters()
        .iter()
        .filter(|c| c.is_cross_document())
        .map(|c| {
            c.members()
                .iter()
                .map(|m| (sample_id(m.passage.doc), m.passage.index))
                .collect()
        })
        .collect();
    let wire_lead = vec![
        ("rail-strike-gazette", 2),
        ("rail-strike-courier", 2),
        ("rail-strike-tribune", 2),
    ];
    let newsletter = vec![
        ("harbour-fire-cause", 5),
        ("rail-strike-gazette", 5),
        ("rail-strike-tribune", 4),
    ];
    let more_in_politics = vec![("council-budget", 9), ("budget-explainer", 4)];
    for expected in [wire_lead, newsletter, more_in_politics] {
        assert!(
            shared.contains(&expected),
            "missing {expected:?} in {shared:?}"
        );
    }
}

#[test]
fn news_example_does_not_flag_articles_on_the_same_subject() {
    let (_, report) = sample_report();
    for id in [
        "harbour-fire-cause",
        "budget-explainer",
        "rail-strike-explainer",
    ] {
        let doc = DocId::new(articles::ARTICLES.iter().position(|a| a.id == id).unwrap() as u32);
        assert_eq!(
            report.clusters().cluster_of(doc),
            None,
            "{id} is in a document cluster"
        );
        // Only boilerplate may be shared: passages of at most 16 words.
        for c in report
            .passage_clusters()
            .iter()
            .filter(|c| c.members().iter().any(|m| m.passage.doc == doc))
        {
            let m = &c.members()[0];
            let text = &articles::ARTICLES[m.passage.doc.as_usize()].text[m.span.clone()];
            assert!(
                text.split_whitespace().count() <= 16,
                "{id} shares {text:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Bad input: documented behaviour, never a panic, never a dropped document

/// Runs a batch and an incremental index over `texts` with `config`, checks
/// the invariants and that both see the same passages, and returns the report.
fn run_checked(what: &str, config: Config, texts: &[&str]) -> Report {
    let report = Deduplicator::new(config.clone())
        .unwrap()
        .run(texts)
        .unwrap();
    assert_report_invariants(what, texts, &report);
    let mut index = DedupIndex::new(config).unwrap();
    for (i, text) in texts.iter().enumerate() {
        let verdict = index.add(text).unwrap();
        let spans: Vec<Range<usize>> = verdict.passages().iter().map(|p| p.span.clone()).collect();
        assert_eq!(
            spans,
            report.summaries()[i].passages,
            "{what}: document {i}"
        );
    }
    report
}

fn members(report: &Report) -> Vec<Vec<u32>> {
    report
        .clusters()
        .iter()
        .map(|c| c.members().iter().map(|d| d.as_u32()).collect())
        .collect()
}

const CLEAN: &str = "Council votes on budget\n\nThe town council voted on the budget for next year after a long debate on Tuesday evening.";

#[test]
fn empty_and_blank_documents_are_kept_without_passages_and_never_duplicates() {
    let texts = [
        "",
        "",
        "   \n\n\t \r\n",
        "\u{a0}\u{2009}\n\u{200b}\u{feff}\u{ad}\n\u{3000}",
        CLEAN,
        CLEAN,
    ];
    let report = run_checked("empty", Config::new(), &texts);
    for s in &report.summaries()[..4] {
        assert!(s.passages.is_empty(), "{s:?}");
        assert_eq!(
            (
                s.passage_bytes,
                s.duplicate_fraction(),
                s.duplicate_passage_fraction()
            ),
            (0, 0.0, 0.0)
        );
        assert_eq!((s.cluster, s.is_duplicate), (None, false));
    }
    assert_eq!(report.stats().empty_documents, 4);
    assert_eq!(members(&report), [[4, 5]]);

    let mut index = DedupIndex::new(Config::new()).unwrap();
    for (i, text) in ["", "", "  \n "].iter().enumerate() {
        let v = index.add(text).unwrap();
        assert_eq!(v.doc(), Some(DocId::new(i as u32)));
        assert!(!v.is_duplicate() && v.passages().is_empty() && v.duplicate_fraction() == 0.0);
    }
    assert_eq!(index.len(), 3);
}

/// A deterministic line of `len` bytes or more of made-up words (no white
/// space but single spaces, no line break).
fn long_line(len: usize, seed: u64) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut x = seed;
    while out.len() < len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("w{:x}", (x >> 33) % 50_000));
    }
    out
}

#[test]
fn a_single_50_mb_line_is_one_passage() {
    let big = long_line(50_000_000, 1);
    let mut edited = big.clone();
    edited.push_str(" and one more word at the end");
    let texts = [big.as_str(), CLEAN, edited.as_str()];
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&texts)
        .unwrap();
    assert_report_invariants("50 MB line", &texts, &report);
    // One passage each, the whole line.
    let whole = |i: usize| {
        report.summaries()[i]
            .passages
            .iter()
            .map(|r| (r.start, r.end))
    };
    assert_eq!(whole(0).collect::<Vec<_>>(), [(0, big.len())]);
    assert_eq!(whole(2).collect::<Vec<_>>(), [(0, edited.len())]);
    // The edited copy is a near duplicate of the line, as a document and as a passage.
    assert_eq!(members(&report), [[0, 2]]);
    assert!(report.document_pairs().next().unwrap().similarity.jaccard > 0.99);
    assert_eq!(report.summaries()[2].duplicate_passages, [0]);
}

#[test]
fn a_word_repeated_a_million_times_is_one_shingle() {
    let million = "echo ".repeat(1_000_000);
    let analyzer = Analyzer::new(&Config::new()).unwrap();
    let doc = analyzer.analyze(&million);
    assert_eq!(doc.passages().len(), 1);
    assert_eq!(doc.passages()[0].span(), 0..million.len() - 1);
    assert_eq!(doc.passages()[0].tokens(), 1_000_000);
    assert_eq!(
        (doc.shingles().len(), doc.passages()[0].shingles().len()),
        (1, 1)
    );

    // Similarity is over shingle *sets*: the million-word text and the same
    // word seven times have the same single shingle, so they are duplicates;
    // a text shorter than one shingle has its own.
    let texts = [
        million.as_str(),
        "echo echo echo echo echo echo echo",
        "echo echo",
        CLEAN,
    ];
    let report = run_checked("repeated word", Config::new(), &texts);
    assert_eq!(members(&report), [[0, 1]]);
    assert_eq!(report.summaries()[1].duplicate_passages, [0]);
    assert!(report.summaries()[2].duplicate_passages.is_empty());
}

#[test]
fn control_characters_and_nul_bytes_act_as_spaces() {
    // NUL and other control characters between words normalize to spaces, so
    // this is the same text as CLEAN.
    let noisy = "Council\0votes on\u{1}budget\n\n\u{7}The town council\0\0voted on the budget\u{1b}for next year \
                 after a long\u{c}debate on Tuesday evening.\u{7f}";
    let texts = [
        CLEAN,
        noisy,
        "\0",
        "\0\0\n\n\0",
        "\u{1}\u{2}\u{3}\n\u{1b}",
        "one\rtwo\r\rthree\0four",
    ];
    let report = run_checked("control characters", Config::new(), &texts);
    assert_eq!(members(&report), [[0, 1]]);
    assert_eq!(report.summaries()[1].passages.len(), 2);
    assert_eq!(
        report.document_pairs().next().unwrap().similarity.jaccard,
        1.0
    );
    // Text made only of control characters has no words: never a duplicate,
    // counted as empty.
    for s in &report.summaries()[2..5] {
        assert_eq!((s.cluster, s.duplicate_passages.len()), (None, 0), "{s:?}");
    }
    assert_eq!(report.stats().empty_documents, 3);
    // A lone carriage return ends a line; two make a blank line.
    let spans = &report.summaries()[5].passages;
    assert_eq!(
        spans
            .iter()
            .map(|r| &texts[5][r.clone()])
            .collect::<Vec<_>>(),
        ["one\rtwo", "three\0four"]
    );
}

#[test]
fn mixed_scripts_fold_case_and_forms_per_script() {
    let a = "Port Allard и Москва подписали договор\n\n\
             Ο ΣΊΣΥΦΟΣ του λιμανιού: मेयर ने नया पुल खोला। مدينة الميناء الجديدة שער העיר הישן \
             東京で会議が開かれた 🚢⚓ 2024年 Kalda said the agreement covers ferries and freight.";
    let b = "PORT ALLARD И МОСКВА ПОДПИСАЛИ ДОГОВОР\n\n\
             Ο Σίσυφος ΤΟΥ λιμανιού — मेयर ने नया पुल खोला। مدينة\u{200f} الميناء الجديدة שער\u{200e} העיר הישן \
             東京で会議が開かれた 🚢⚓ ２０２４年 KALDA SAID THE AGREEMENT COVERS FERRIES AND FREIGHT.";
    let c = "Порт Аллард\n\nΟ δήμαρχος άνοιξε τη νέα γέφυρα στο λιμάνι. 大阪でも同じ会議が予定されている。 \
             مدينة الميناء Kalda spoke about schools and hospitals instead.";
    let texts = [a, b, c, "東京で会議が開かれた"];
    let report = run_checked("mixed scripts", Config::new(), &texts);
    assert_eq!(members(&report), [[0, 1]]);
    assert_eq!(report.summaries()[1].duplicate_passages, [0, 1]);
    assert!(report.summaries()[2].duplicate_passages.is_empty());
}
