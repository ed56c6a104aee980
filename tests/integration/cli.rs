//! The `echodup` binary (feature `cli`): each command on small fixtures,
//! every bad-input case of issue 3 (exit code, message, no output left
//! behind), atomic output, and `find` on the shared Reuters corpus.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{read_pairs, shared_data_or_skip};

const STORM: [&str; 4] = [
    "Storm closes harbour for second day",
    "High winds kept the ferry fleet in port on Monday, stranding hundreds of travellers on both sides of the strait and forcing the cancellation of the early freight crossings.",
    "The harbour master said gusts of more than ninety kilometres an hour had been recorded at the breakwater since dawn, and that no sailing would be allowed before the wind dropped.",
    "Passengers were offered rooms in the town's two hotels, while lorry drivers waited in a queue that stretched back past the old customs house.",
];
const LIBRARY: [&str; 3] = [
    "Library reopens after two years",
    "The renovated town library opened its doors again on Saturday after a two-year rebuild that added a reading garden, a children's wing and a small local history archive.",
    "Copyright Harbour Gazette. All rights reserved. Not for redistribution without written permission.",
];
const MARKET: [&str; 3] = [
    "Farmers market moves indoors",
    "The weekly farmers market will move into the exhibition hall for the winter months, organisers said, after stallholders complained about the cold and the early darkness.",
    "Copyright Harbour Gazette. All rights reserved. Not for redistribution without written permission.",
];
const COUNCIL: [&str; 3] = [
    "Council delays vote on parking fees",
    "Councillors postponed a vote on new parking charges for the seafront until next month, saying they needed more time to study the objections from shop owners.",
    "A petition against the charges has gathered more than three thousand signatures since it was launched in the spring.",
];

fn echodup(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_echodup"));
    cmd.current_dir(dir);
    cmd
}

fn record(id: &str, paragraphs: &[&str]) -> String {
    serde_json::json!({"id": id, "section": "news", "text": paragraphs.join("\n\n")}).to_string()
}

/// The main fixture: 101 and 103 are near copies, 104 repeats its body,
/// 102 and 105 share a boilerplate paragraph, 106 quotes a paragraph of 101.
fn news() -> String {
    let mut resend = STORM;
    let edited = STORM[1].replace("on Monday", "on Monday evening");
    resend[1] = &edited;
    let doubled = [COUNCIL[0], COUNCIL[1], COUNCIL[2], COUNCIL[1], COUNCIL[2]];
    let quote = [
        "Travel chaos continues on the coast",
        "Rail services were also disrupted by fallen trees between the two coastal towns, the operator said.",
        STORM[1],
    ];
    [
        record("g/101", &STORM),
        record("g/102", &LIBRARY),
        record("g/103", &resend),
        record("g/104", &doubled),
        record("g/105", &MARKET),
        record("g/106", &quote),
    ]
    .join("\n")
        + "\n"
}

fn fixture(name: &str, body: &[u8]) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    (dir, path)
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn stdout_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn find_reports_document_pairs_in_the_shared_format() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let out = run(echodup(dir.path()).args(["find", "news.jsonl"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 1);
    let p = &lines[0];
    assert_eq!(
        (p["a"].as_str(), p["b"].as_str()),
        (Some("g/101"), Some("g/103"))
    );
    let j = p["jaccard"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&j), "{j}");
    assert!(p["containment_ab"].as_f64().unwrap() >= j);
    assert!(p["containment_ba"].as_f64().unwrap() >= j);
    // The summary goes to stderr; no progress bar when stderr is not a terminal.
    let err = stderr(&out);
    assert!(err.contains("echodup: 6 documents"), "{err}");
    assert!(
        err.contains("duplicate documents: 1 in 1 cluster (1 pair)"),
        "{err}"
    );
    // Both similarities are reported; with no boilerplate they are equal.
    assert_eq!(p["raw_jaccard"], p["jaccard"]);
    assert_eq!(p["content_jaccard"], p["jaccard"]);
    // The content basis (the default) compares passages to tell boilerplate.
    assert!(err.contains("boilerplate: "), "{err}");
    assert!(err.contains("compared on their content"), "{err}");
    assert!(err.contains("bytes removed:"), "{err}");
    assert!(!err.contains("analyzing"), "{err}");
    // On the whole text, document level compares no passages.
    let out = run(echodup(dir.path()).args(["find", "news.jsonl", "--document-basis", "raw"]));
    assert_eq!(stdout_lines(&out), lines);
    let err = stderr(&out);
    assert!(err.contains("not compared: --level document"), "{err}");
    assert!(!err.contains("repeats inside a document"), "{err}");
}

#[test]
fn find_clusters_and_both_formats() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let out =
        run(echodup(dir.path()).args(["find", "news.jsonl", "--format", "clusters", "--quiet"]));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_lines(&out),
        [serde_json::json!({"cluster": 0, "ids": ["g/101", "g/103"]})]
    );
    assert!(
        out.stderr.is_empty(),
        "--quiet prints nothing: {}",
        stderr(&out)
    );
    let out = run(echodup(dir.path()).args(["find", "news.jsonl", "--format", "both", "-q"]));
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 2);
    assert!(lines[0].get("jaccard").is_some() && lines[1].get("cluster").is_some());
}

#[test]
fn find_passages_reports_repeats_and_cross_document_copies_with_provenance() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let text = news();
    let out = run(echodup(dir.path()).args(["find", "news.jsonl", "--level", "passage", "-q"]));
    assert_eq!(out.status.code(), Some(0));
    let lines = stdout_lines(&out);
    // One repeated block: passages 1–2 of the council story again as 3–4.
    let blocks: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "repeated-block")
        .collect();
    assert_eq!(blocks.len(), 1, "{lines:?}");
    let b = blocks[0];
    assert_eq!(
        (&b["doc"], &b["passages"], &b["min_jaccard"]),
        (
            &serde_json::json!("g/104"),
            &serde_json::json!(2),
            &serde_json::json!(1.0)
        )
    );
    assert_eq!(b["original"]["passages"], serde_json::json!([1, 3]));
    assert_eq!(b["repeat"]["passages"], serde_json::json!([3, 5]));
    let docs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let council = docs[3]["text"].as_str().unwrap();
    let span = |v: &Value| {
        &council[v["start"].as_u64().unwrap() as usize..v["end"].as_u64().unwrap() as usize]
    };
    assert!(span(&b["original"]).starts_with(COUNCIL[1]));
    assert!(span(&b["repeat"]).starts_with(COUNCIL[1]));
    assert!(span(&b["repeat"]).ends_with(COUNCIL[2]));
    let preview = b["preview"].as_str().unwrap();
    assert!(
        COUNCIL[1].starts_with(preview.trim_end_matches('…')),
        "{preview}"
    );
    // 101 and 103 are duplicate documents: the passage clusters they imply
    // are left out unless asked for.
    assert!(
        lines.iter().all(|l| l.get("implied").is_none()),
        "{lines:?}"
    );
    let all = run(echodup(dir.path()).args([
        "find",
        "news.jsonl",
        "--level",
        "passage",
        "--implied",
        "-q",
    ]));
    let implied = stdout_lines(&all)
        .into_iter()
        .filter(|l| l["implied"] == true)
        .count();
    assert!(implied >= 3, "the shared paragraphs of 101 and 103");
    // Every cluster has a label and a preview.
    assert!(
        lines
            .iter()
            .filter(|l| l["kind"] == "cross-document")
            .all(|l| {
                (l["label"] == "boilerplate" || l["label"] == "shared-content")
                    && l["preview"].is_string()
            })
    );
    let cross: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "cross-document")
        .collect();
    let boilerplate = cross
        .iter()
        .find(|c| c["members"][0]["doc"] == "g/102")
        .expect("the copyright line is shared by 102 and 105");
    assert_eq!(boilerplate["documents"], 2);
    assert_eq!(boilerplate["members"][1]["doc"], "g/105");
    assert_eq!(boilerplate["members"][1]["passage"], 2);
    let quoted = cross.iter().find(|c| {
        c["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["doc"] == "g/106")
    });
    assert!(quoted.is_some(), "the quoted paragraph of 106 is found");
}

#[test]
fn find_reads_text_folders_stdin_and_gzip_as_one_corpus() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("pages/sub")).unwrap();
    std::fs::write(dir.path().join("pages/a.txt"), STORM.join("\n\n")).unwrap();
    std::fs::write(dir.path().join("pages/sub/b.txt"), LIBRARY.join("\n\n")).unwrap();
    std::fs::write(dir.path().join("pages/notes.md"), "ignored").unwrap();
    let packed = gzip(format!("{}\n", record("web/1", &STORM)).as_bytes());
    std::fs::write(dir.path().join("web.data"), packed).unwrap();
    let stdin = format!("{}\n", record("in/1", &LIBRARY));
    let out = run(echodup(dir.path())
        .args([
            "find", "pages", "web.data", "-", "--format", "clusters", "-q",
        ])
        .write_stdin(stdin));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let clusters = stdout_lines(&out);
    assert_eq!(clusters.len(), 2);
    assert_eq!(
        clusters[0]["ids"],
        serde_json::json!(["pages/a.txt", "web/1"])
    );
    assert_eq!(
        clusters[1]["ids"],
        serde_json::json!(["pages/sub/b.txt", "in/1"])
    );
}

#[test]
fn find_nested_fields_and_out_file() {
    let body: String = [("x1", &STORM[..]), ("x2", &STORM[..]), ("x3", &LIBRARY[..])]
        .iter()
        .map(|(id, p)| {
            serde_json::json!({"meta": {"key": id}, "article": {"body": p.join("\n\n")}})
                .to_string()
                + "\n"
        })
        .collect();
    let (dir, _) = fixture("nested.jsonl", body.as_bytes());
    let out = run(echodup(dir.path()).args([
        "find",
        "nested.jsonl",
        "--id-field",
        "meta.key",
        "--text-field",
        "article.body",
        "--out",
        "pairs.jsonl",
        "-q",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(dir.path().join("pairs.jsonl")).unwrap();
    let pair: Value = serde_json::from_str(written.trim()).unwrap();
    assert_eq!(
        (&pair["a"], &pair["b"], &pair["jaccard"]),
        (&Value::from("x1"), &Value::from("x2"), &Value::from(1.0))
    );
    assert_eq!(files_in(dir.path()), ["nested.jsonl", "pairs.jsonl"]);
}

#[test]
fn find_gives_the_same_output_for_any_thread_count() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let outputs: Vec<Vec<u8>> = ["1", "3"]
        .iter()
        .map(|n| {
            run(echodup(dir.path()).args([
                "find",
                "news.jsonl",
                "--level",
                "passage",
                "-q",
                "--threads",
                n,
            ]))
            .stdout
        })
        .collect();
    assert!(!outputs[0].is_empty());
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn find_gives_the_same_output_whatever_the_memory_flags() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let find = |extra: &[&str]| {
        let out = run(echodup(dir.path())
            .args(["find", "news.jsonl", "--level", "passage", "-q"])
            .args(extra));
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
        out.stdout
    };
    let default = find(&[]);
    assert!(!default.is_empty());
    // Every band key spilled to a file in --temp-dir, no set kept.
    let spill = dir.path().display().to_string();
    let lean = [
        "--key-memory",
        "0",
        "--kept-set-memory",
        "0",
        "--temp-dir",
        &spill,
    ];
    assert_eq!(find(&lean), default);
    assert_eq!(
        find(&["--key-memory", "1G", "--kept-set-memory", "1.5K"]),
        default
    );
    // A spill folder that does not exist: an error naming it.
    let out = run(echodup(dir.path()).args([
        "find",
        "news.jsonl",
        "-q",
        "--key-memory",
        "0",
        "--temp-dir",
        "no-such-folder",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no-such-folder"), "{}", stderr(&out));
    // A size that is not one: a usage error naming it.
    let out = run(echodup(dir.path()).args(["find", "news.jsonl", "--kept-set-memory", "lots"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("\"lots\""), "{}", stderr(&out));
}

#[test]
fn dedup_drops_near_copies_and_strips_duplicate_passages() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let out = run(echodup(dir.path()).args([
        "dedup",
        "news.jsonl",
        "--out",
        "clean.jsonl",
        "--strip-passages",
        "--removed",
        "removed.jsonl",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("written: 5 of 6 documents"),
        "{}",
        stderr(&out)
    );
    let clean: Vec<Value> = read_jsonl(dir.path().join("clean.jsonl"));
    let ids: Vec<&str> = clean.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["g/101", "g/102", "g/104", "g/105", "g/106"]);
    assert!(
        clean.iter().all(|d| d["section"] == "news"),
        "other fields are kept"
    );
    assert_eq!(
        clean[0]["text"],
        STORM.join("\n\n"),
        "the kept copy is unchanged"
    );
    assert_eq!(
        clean[2]["text"],
        COUNCIL.join("\n\n"),
        "the doubled body is removed"
    );
    assert_eq!(
        clean[3]["text"],
        MARKET[..2].join("\n\n"),
        "boilerplate kept once, in 102"
    );
    assert_eq!(clean[1]["text"], LIBRARY.join("\n\n"));

    let removed: Vec<Value> = read_jsonl(dir.path().join("removed.jsonl"));
    let dropped = &removed[0];
    assert_eq!(
        (&dropped["action"], &dropped["id"], &dropped["reason"]),
        (&"dropped".into(), &"g/103".into(), &"near-duplicate".into())
    );
    assert_eq!(dropped["of"], "g/101");
    assert!(
        dropped["text"].as_str().unwrap().contains("Monday evening"),
        "nothing is lost"
    );
    let stripped: Vec<(&str, &str)> = removed[1..]
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stripped,
        [
            ("g/104", "repeat"),
            ("g/104", "repeat"),
            ("g/105", "cross-document"),
            ("g/106", "cross-document")
        ]
    );
    assert_eq!(removed[3]["text"], MARKET[2]);
    assert_eq!(
        removed[3]["of"],
        serde_json::json!({"id": "g/102", "passage": 2})
    );
}

#[test]
fn dedup_without_strip_keeps_passages_and_drop_if_duplicated_drops_mostly_copied_articles() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let out = run(echodup(dir.path()).args(["dedup", "news.jsonl", "-o", "clean.jsonl.gz", "-q"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut text = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(std::fs::File::open(dir.path().join("clean.jsonl.gz")).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text.lines().count(), 5);
    assert!(text.contains(&serde_json::to_string(&COUNCIL[1..].join("\n\n")).unwrap()[1..]));

    // 104 is 2/5 passages but more than 40% of its passage bytes duplicated.
    let out = run(echodup(dir.path()).args([
        "dedup",
        "news.jsonl",
        "-o",
        "clean.jsonl",
        "--drop-if-duplicated",
        "0.4",
        "--removed",
        "removed.jsonl",
        "-q",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let clean = std::fs::read_to_string(dir.path().join("clean.jsonl")).unwrap();
    assert!(!clean.contains("\"g/104\""));
    let removed = std::fs::read_to_string(dir.path().join("removed.jsonl")).unwrap();
    let line = removed.lines().find(|l| l.contains("\"g/104\"")).unwrap();
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["reason"], "mostly-duplicated");
    assert!(v["duplicate_fraction"].as_f64().unwrap() > 0.4);

    let out = run(echodup(dir.path()).args([
        "dedup",
        "news.jsonl",
        "-o",
        "x.jsonl",
        "--drop-if-duplicated",
        "1.5",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

/// A paragraph whose first copy is in a dropped near-duplicate must survive
/// in the later document that also has it.
#[test]
fn dedup_never_strips_the_last_surviving_copy_of_a_passage() {
    let extra = "The regional airport will add a second daily flight to the capital from next spring, its director told reporters on Tuesday.";
    let long: Vec<&str> = STORM
        .iter()
        .chain(COUNCIL.iter())
        .chain(MARKET[..2].iter())
        .copied()
        .collect();
    let mut resend = long.clone();
    resend.push(extra);
    let other = [LIBRARY[0], LIBRARY[1], extra];
    let body = [
        record("d0", &long),
        record("d1", &resend),
        record("d2", &other),
    ]
    .join("\n");
    let (dir, _) = fixture("c.jsonl", body.as_bytes());
    let out = run(echodup(dir.path()).args([
        "dedup",
        "c.jsonl",
        "-o",
        "clean.jsonl",
        "--strip-passages",
        "-q",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let clean = std::fs::read_to_string(dir.path().join("clean.jsonl")).unwrap();
    let docs: Vec<Value> = clean
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "d1 is a near copy of d0");
    assert_eq!(
        docs[1]["text"],
        other.join("\n\n"),
        "d2 keeps the only surviving copy"
    );
}

#[test]
fn explain_shows_similarity_and_shared_text() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let out = run(echodup(dir.path()).args(["explain", "news.jsonl", "g/101", "g/106"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("not duplicates at threshold 0.8"), "{text}");
    assert!(text.contains(&format!("[[{}]]", STORM[1])), "{text}");
    assert!(text.contains("#1 -> #2  1.0000"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );

    let out = run(echodup(dir.path()).args([
        "explain",
        "news.jsonl",
        "g/101",
        "g/103",
        "--color",
        "always",
    ]));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("\x1b[1;33m")
    );

    let out =
        run(echodup(dir.path()).args(["explain", "news.jsonl", "g/104#1", "g/104#3", "--json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["jaccard"], 1.0);
    assert_eq!(v["duplicate"], true);
    let council = COUNCIL.join("\n\n");
    let start = council.find(COUNCIL[1]).unwrap();
    assert_eq!(
        v["shared_a"],
        serde_json::json!([[start, start + COUNCIL[1].len()]])
    );

    let out = run(echodup(dir.path()).args(["explain", "news.jsonl", "g/101", "g/999"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no document with id \"g/999\""));
    let out = run(echodup(dir.path()).args(["explain", "news.jsonl", "g/101#9", "g/101"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("has 4 passages"), "{}", stderr(&out));
}

/// Runs `find` and `dedup` on a bad input: both stop with exit code 1 and a
/// message containing `expected`, and leave no output or temporary file.
fn assert_rejected(dir: &Path, input: &str, expected: &str) {
    let before = files_in(dir);
    for args in [
        vec!["find", input, "--out", "report.jsonl"],
        vec![
            "dedup",
            input,
            "--out",
            "clean.jsonl",
            "--removed",
            "removed.jsonl",
        ],
    ] {
        let out = run(echodup(dir).args(&args));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("echodup: error: "), "{err}");
        assert!(
            err.contains(expected),
            "{args:?}: {err:?} lacks {expected:?}"
        );
        assert_eq!(files_in(dir), before, "{args:?} left files behind");
    }
}

#[test]
fn bad_records_stop_with_file_line_and_field() {
    let good = record("ok/1", &STORM);
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "malformed.jsonl",
            format!("{good}\n{{\"id\": \"x\", \"text\": \"unterminated}}\n").into_bytes(),
            "malformed.jsonl:2: malformed JSON".into(),
        ),
        (
            "missing.jsonl",
            format!("{good}\n{{\"id\": \"x\", \"body\": \"y\"}}\n").into_bytes(),
            "missing.jsonl:2: field \"text\" is missing".into(),
        ),
        (
            "number.jsonl",
            format!("{good}\n\n{{\"id\": \"x\", \"text\": 12}}\n").into_bytes(),
            "number.jsonl:3: field \"text\" is a number, not a string".into(),
        ),
        (
            "dupid.jsonl",
            format!("{good}\n{good}\n").into_bytes(),
            "dupid.jsonl:2: field \"id\": duplicate id \"ok/1\" (first seen at dupid.jsonl:1)"
                .into(),
        ),
        (
            "utf8.jsonl",
            [
                good.as_bytes(),
                b"\n{\"id\": \"x\", \"text\": \"caf\xe9\"}\n",
            ]
            .concat(),
            "utf8.jsonl:2: invalid UTF-8".into(),
        ),
        (
            "empty.jsonl",
            Vec::new(),
            "empty.jsonl:1: the file is empty".into(),
        ),
        (
            "notes.txt",
            b"fine\n\xff\xfe".to_vec(),
            "notes.txt:2: invalid UTF-8".into(),
        ),
    ];
    for (name, body, expected) in cases {
        let (dir, _) = fixture(name, &body);
        assert_rejected(dir.path(), name, &expected);
    }
}

#[test]
fn truncated_gzip_stops_with_its_place() {
    let body: String = (0..3000)
        .map(|i| {
            record(
                &format!("r/{i}"),
                &[&format!("Story number {i} about the weather.")],
            ) + "\n"
        })
        .collect();
    let packed = gzip(body.as_bytes());
    let (dir, _) = fixture("cut.jsonl.gz", &packed[..packed.len() * 2 / 3]);
    assert_rejected(
        dir.path(),
        "cut.jsonl.gz",
        "the gzip stream is truncated or corrupt",
    );
    let out = run(echodup(dir.path()).args(["find", "cut.jsonl.gz"]));
    let err = stderr(&out);
    assert!(err.contains("cut.jsonl.gz:"), "{err}");
}

#[test]
fn unreadable_missing_and_empty_folder_inputs_stop() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("nothing")).unwrap();
    std::fs::write(dir.path().join("nothing/readme.md"), "no text files here").unwrap();
    assert_rejected(
        dir.path(),
        "nothing",
        "reading nothing: the folder holds no .txt files",
    );
    assert_rejected(dir.path(), "absent.jsonl", "reading absent.jsonl: ");

    // A file inside a folder that cannot be opened (a dangling link; a
    // permission-less file would still be readable by root).
    let pages = dir.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    std::fs::write(pages.join("a.txt"), STORM.join("\n\n")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("gone.txt", pages.join("b.txt")).unwrap();
        assert_rejected(dir.path(), "pages", "reading pages/b.txt: ");
        let out = run(echodup(dir.path()).args([
            "find",
            "pages",
            "--skip-invalid",
            "--removed",
            "removed.jsonl",
        ]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let removed = std::fs::read_to_string(dir.path().join("removed.jsonl")).unwrap();
        assert!(removed.contains("\"source\":\"pages/b.txt\""), "{removed}");
    }
}

#[test]
fn skip_invalid_goes_on_and_lists_what_it_skipped() {
    let body = [
        record("a", &STORM),
        "{not json".to_string(),
        "{\"id\": \"b\"}".to_string(),
        record("a", &LIBRARY),
        record("c", &STORM),
    ]
    .join("\n");
    let (dir, _) = fixture("mixed.jsonl", body.as_bytes());
    let out = run(echodup(dir.path()).args([
        "dedup",
        "mixed.jsonl",
        "--skip-invalid",
        "-o",
        "clean.jsonl",
        "--removed",
        "removed.jsonl",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped records: 3"),
        "{}",
        stderr(&out)
    );
    let removed: Vec<Value> = read_jsonl(dir.path().join("removed.jsonl"));
    let skipped: Vec<(u64, &str)> = removed
        .iter()
        .filter(|r| r["action"] == "skipped")
        .map(|r| (r["line"].as_u64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(skipped.len(), 3);
    assert_eq!(skipped[1], (3, "field \"text\" is missing"));
    assert!(skipped[2].1.starts_with("field \"id\": duplicate id \"a\""));
    assert!(
        removed
            .iter()
            .any(|r| r["action"] == "dropped" && r["id"] == "c")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("clean.jsonl"))
            .unwrap()
            .lines()
            .count(),
        1
    );
}

#[test]
fn output_is_atomic_and_never_an_input() {
    let (dir, input) = fixture("news.jsonl", news().as_bytes());
    let original = std::fs::read(&input).unwrap();
    for args in [
        vec!["dedup", "news.jsonl", "--out", "news.jsonl"],
        vec!["dedup", "news.jsonl", "--out", "./news.jsonl"],
        vec!["find", "news.jsonl", "--out", "news.jsonl"],
        vec![
            "dedup",
            "news.jsonl",
            "--out",
            "clean.jsonl",
            "--removed",
            "news.jsonl",
        ],
        vec![
            "dedup",
            "news.jsonl",
            "--out",
            "clean.jsonl",
            "--removed",
            "clean.jsonl",
        ],
    ] {
        let out = run(echodup(dir.path()).args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("news.jsonl") || stderr(&out).contains("clean.jsonl"));
        assert_eq!(std::fs::read(&input).unwrap(), original);
        assert_eq!(files_in(dir.path()), ["news.jsonl"]);
    }
    // An existing output survives a failed run untouched.
    std::fs::write(dir.path().join("clean.jsonl"), "previous\n").unwrap();
    std::fs::write(
        dir.path().join("bad.jsonl"),
        format!("{}\n{{oops\n", record("z", &STORM)),
    )
    .unwrap();
    let out =
        run(echodup(dir.path()).args(["dedup", "news.jsonl", "bad.jsonl", "--out", "clean.jsonl"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.jsonl:2: malformed JSON"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("clean.jsonl")).unwrap(),
        "previous\n"
    );
    assert_eq!(
        files_in(dir.path()),
        ["bad.jsonl", "clean.jsonl", "news.jsonl"]
    );
    // A folder that does not exist: an error before anything is written.
    let out =
        run(echodup(dir.path()).args(["find", "news.jsonl", "--out", "no/such/dir/out.jsonl"]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_with_2() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    for args in [
        vec!["find"],
        vec!["find", "news.jsonl", "--no-such-flag"],
        vec!["find", "news.jsonl", "--threshold", "1.5"],
        vec!["find", "news.jsonl", "--num-perm", "0"],
        vec!["find", "news.jsonl", "--level", "sentence"],
        vec!["find", "news.jsonl", "--threads", "0"],
        vec!["find", "news.jsonl", "--threads", "10000"],
        vec!["dedup", "news.jsonl"],
        vec!["explain", "news.jsonl", "g/101"],
        vec!["launch"],
    ] {
        let out = run(echodup(dir.path()).args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!out.stderr.is_empty());
    }
    let out = run(echodup(dir.path()).args(["find", "news.jsonl", "--threshold", "1.5"]));
    assert!(stderr(&out).contains("threshold"), "{}", stderr(&out));
    let out = run(echodup(dir.path()).arg("--help"));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Exit codes")
    );
}

#[test]
fn find_on_reuters_matches_the_reference_pairs_at_0_8() {
    let Some(data) = shared_data_or_skip("find_on_reuters_matches_the_reference_pairs_at_0_8")
    else {
        return;
    };
    let dir = TempDir::new().unwrap();
    let out = run(echodup(dir.path())
        .arg("find")
        .arg(data.join("reuters.jsonl.gz"))
        .args(["--threshold", "0.8", "--format", "pairs"])
        // The reference pairs are Jaccard over the whole text.
        .args(["--document-basis", "raw"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eprintln!("{}", stderr(&out));
    let key = |a: &str, b: &str| {
        if a < b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        }
    };
    let found: HashSet<(String, String)> = stdout_lines(&out)
        .iter()
        .map(|p| {
            assert!(p["jaccard"].as_f64().unwrap() >= 0.8);
            key(p["a"].as_str().unwrap(), p["b"].as_str().unwrap())
        })
        .collect();
    let truth: HashSet<(String, String)> = read_pairs(&data.join("reuters.pairs.jsonl"))
        .into_iter()
        .filter(|p| p.2 >= 0.8)
        .map(|(a, b, _)| key(&a, &b))
        .collect();
    let hits = truth.intersection(&found).count();
    let recall = hits as f64 / truth.len() as f64;
    let precision = hits as f64 / found.len().max(1) as f64;
    eprintln!(
        "echodup find on reuters: truth {} found {} recall {recall:.4} precision {precision:.4}",
        truth.len(),
        found.len()
    );
    assert!(recall >= 0.99, "recall {recall}");
    assert_eq!(
        precision,
        1.0,
        "extra: {:?}",
        found.difference(&truth).take(5).collect::<Vec<_>>()
    );
}

/// Parses every line of a JSONL file.
fn read_jsonl(path: impl AsRef<std::path::Path>) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn eval_reports_metrics_json_and_plots_for_a_generated_corpus() {
    let dir = TempDir::new().unwrap();
    let generator =
        echodup::synth::Generator::new(echodup::synth::SynthConfig::new().num_docs(600).seed(5))
            .unwrap();
    generator.write_dir(dir.path()).unwrap();
    let out = run(echodup(dir.path()).args([
        "eval",
        "corpus.jsonl",
        "--pairs",
        "pairs.jsonl",
        "--truth",
        "truth.jsonl",
        "--passages",
        "passages.jsonl",
        // The truth pairs are Jaccard over the whole text.
        "--document-basis",
        "raw",
        "--thresholds",
        "0.6,0.9",
        "--non-pairs",
        "500",
        "--json",
        "eval.json",
        "--plots",
        "plots",
        "--plot-name",
        "synth",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("precision") && text.contains("Calibration at t=0.8"),
        "{text}"
    );
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("eval.json")).unwrap())
            .unwrap();
    assert_eq!(v["documents"], 600);
    let rows = v["thresholds"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert!(r["expected_pairs"].as_u64().unwrap() > 0, "{r}");
        assert_eq!(r["fp"], 0, "{r}");
        assert!(r["recall"].as_f64().unwrap() >= 0.99, "{r}");
        assert!(!r["passages"].as_array().unwrap().is_empty(), "{r}");
    }
    let bins = v["calibration"]["bins"].as_array().unwrap();
    let pairs: u64 = bins.iter().map(|b| b["pairs"].as_u64().unwrap()).sum();
    assert!(pairs > 500, "{pairs}");
    for name in [
        "synth-pr.svg",
        "synth-calibration.svg",
        "synth-estimator.svg",
    ] {
        let svg = std::fs::read_to_string(dir.path().join("plots").join(name)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{name}");
    }
    assert!(
        !files_in(&dir.path().join("plots"))
            .iter()
            .any(|f| f.contains("tmp"))
    );
}

#[test]
fn eval_names_file_and_line_of_bad_truth() {
    let (dir, corpus) = fixture("news.jsonl", news().as_bytes());
    std::fs::write(
        dir.path().join("pairs.jsonl"),
        "{\"a\": \"g/101\", \"b\": \"g/103\", \"jaccard\": 0.9}\n{\"a\": \"g/101\", \"b\": \"nope\", \"jaccard\": 0.9}\n",
    )
    .unwrap();
    let out = run(echodup(dir.path()).args([
        "eval",
        corpus.to_str().unwrap(),
        "--pairs",
        "pairs.jsonl",
        "--json",
        "eval.json",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("pairs.jsonl:2") && err.contains("nope"),
        "{err}"
    );
    assert!(!dir.path().join("eval.json").exists());
}

/// Three copies of one story from three sites with publication dates, and an
/// unrelated story: `--keep-by` picks the copy to keep.
fn dated(dates: [Value; 3]) -> String {
    let mut lines: Vec<String> = ["a", "b", "c"]
        .iter()
        .zip(dates)
        .map(|(site, date)| {
            let mut r =
                serde_json::json!({"id": format!("{site}/storm"), "text": STORM.join("\n\n")});
            if !date.is_null() {
                r["meta"] = serde_json::json!({"published": date});
            }
            r.to_string()
        })
        .collect();
    lines.insert(1, record("a/library", &LIBRARY));
    lines.join("\n") + "\n"
}

fn kept_by(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["find", "news.jsonl", "--format", "clusters", "-q"];
    args.extend_from_slice(extra);
    run(echodup(dir).args(args))
}

#[test]
fn keep_by_keeps_the_earliest_or_latest_copy_ties_by_input_order() {
    let (dir, _) = fixture(
        "news.jsonl",
        dated([
            "2024-05-02".into(),
            "2024-05-01".into(),
            "2024-05-03".into(),
        ])
        .as_bytes(),
    );
    let keep = |extra: &[&str]| {
        let out = kept_by(dir.path(), extra);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", stderr(&out));
        let lines = stdout_lines(&out);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0]["ids"],
            serde_json::json!(["a/storm", "b/storm", "c/storm"])
        );
        lines[0]["keep"].as_str().unwrap().to_string()
    };
    assert_eq!(keep(&["--keep-by", "meta.published"]), "b/storm");
    assert_eq!(
        keep(&["--keep-by", "meta.published", "--keep-order", "asc"]),
        "b/storm"
    );
    assert_eq!(
        keep(&["--keep-by", "meta.published", "--keep-order", "desc"]),
        "c/storm"
    );
    // Without --keep-by, cluster records keep their format.
    let out = kept_by(dir.path(), &[]);
    assert!(stdout_lines(&out)[0].get("keep").is_none());

    // Ties go to the earlier copy; numbers compare as numbers (9 < 10).
    let (dir, _) = fixture(
        "news.jsonl",
        dated([10.into(), 9.into(), 9.into()]).as_bytes(),
    );
    let out = kept_by(dir.path(), &["--keep-by", "meta.published"]);
    assert_eq!(stdout_lines(&out)[0]["keep"], "b/storm");
    let out = kept_by(
        dir.path(),
        &["--keep-by", "meta.published", "--keep-order", "desc"],
    );
    assert_eq!(stdout_lines(&out)[0]["keep"], "a/storm");

    // dedup writes the kept copy, and --removed says what each drop duplicates.
    let out = run(echodup(dir.path()).args([
        "dedup",
        "news.jsonl",
        "-o",
        "clean.jsonl",
        "--removed",
        "removed.jsonl",
        "-q",
        "--keep-by",
        "meta.published",
        "--keep-order",
        "desc",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<String> = read_jsonl(dir.path().join("clean.jsonl"))
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a/storm", "a/library"]);
    let removed = read_jsonl(dir.path().join("removed.jsonl"));
    let of: Vec<(&str, &str)> = removed
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["of"].as_str().unwrap()))
        .collect();
    assert_eq!(of, [("b/storm", "a/storm"), ("c/storm", "a/storm")]);
}

#[test]
fn keep_by_never_keeps_a_record_without_the_field() {
    for order in ["asc", "desc"] {
        let (dir, _) = fixture(
            "news.jsonl",
            dated([Value::Null, "2024-05-03".into(), "2024-05-01".into()]).as_bytes(),
        );
        let out = kept_by(
            dir.path(),
            &["--keep-by", "meta.published", "--keep-order", order],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let expected = if order == "asc" { "c/storm" } else { "b/storm" };
        assert_eq!(stdout_lines(&out)[0]["keep"], expected, "{order}");
    }
    // No copy has the field (null counts as missing): the first is kept.
    let (dir, _) = fixture(
        "news.jsonl",
        dated([Value::Null, Value::Null, Value::Null]).as_bytes(),
    );
    let out = kept_by(
        dir.path(),
        &["--keep-by", "published", "--keep-order", "desc"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout_lines(&out)[0]["keep"], "a/storm");
}

#[test]
fn keep_by_refuses_objects_text_files_and_a_second_keep_rule() {
    let (dir, _) = fixture(
        "news.jsonl",
        dated(["2024".into(), serde_json::json!({"y": 2024}), "2023".into()]).as_bytes(),
    );
    let out = kept_by(dir.path(), &["--keep-by", "meta.published"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("news.jsonl:3: field \"meta.published\" is an object"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = kept_by(dir.path(), &["--keep-by", "meta", "--keep-order", "desc"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("news.jsonl:1: field \"meta\" is an object"),
        "{}",
        stderr(&out)
    );

    let dir = TempDir::new().unwrap();
    for name in ["one.txt", "two.txt"] {
        std::fs::write(dir.path().join(name), STORM.join("\n\n")).unwrap();
    }
    let out = run(echodup(dir.path()).args(["find", "one.txt", "two.txt", "--keep-by", "date"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("one.txt: --keep-by reads JSON records"),
        "{}",
        stderr(&out)
    );

    let out =
        run(echodup(dir.path()).args(["find", "one.txt", "--keep-by", "d", "--keep", "longest"]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(echodup(dir.path()).args(["find", "one.txt", "--keep-order", "desc"]));
    assert_eq!(out.status.code(), Some(2), "--keep-order needs --keep-by");
}

/// Runs `args` with standard output a pipe that this test closes after
/// reading `read` bytes (0: before the command writes anything), and
/// returns the exit status and standard error.
fn with_closed_pipe(dir: &Path, args: &[&str], read: usize) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(env!("CARGO_BIN_EXE_echodup"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    if read > 0 {
        let mut buf = vec![0; read];
        stdout.read_exact(&mut buf).unwrap();
    }
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `echodup find ... | head`: a closed output pipe ends every command
/// quietly with exit 0, as Unix tools do (it once ended with "Broken pipe",
/// exit 1).
#[test]
fn a_closed_output_pipe_ends_quietly_with_exit_0() {
    // 3,000 pairs of copies: far more output than a pipe buffer holds.
    let mut corpus = String::new();
    for i in 0..3000 {
        let words: Vec<String> = (0..12).map(|k| format!("w{i}x{k}")).collect();
        let text = format!("story {i}: {}", words.join(" "));
        for copy in ["a", "b"] {
            corpus += &serde_json::json!({"id": format!("{copy}{i}"), "text": text}).to_string();
            corpus.push('\n');
        }
    }
    let (dir, _) = fixture("big.jsonl", corpus.as_bytes());
    std::fs::write(dir.path().join("news.jsonl"), news()).unwrap();
    let cases: [(&[&str], usize); 7] = [
        (&["find", "big.jsonl"], 100),
        (&["find", "big.jsonl", "--format", "both", "-q"], 100),
        (
            &["find", "big.jsonl", "--level", "passage", "--implied", "-q"],
            100,
        ),
        (&["find", "big.jsonl"], 0),
        (&["dedup", "big.jsonl", "-o", "-"], 100),
        (&["explain", "news.jsonl", "g/101", "g/103"], 0),
        (&["explain", "news.jsonl", "g/101", "g/103", "--json"], 0),
    ];
    for (args, read) in cases {
        let (status, err) = with_closed_pipe(dir.path(), args, read);
        assert_eq!(status.code(), Some(0), "{args:?} (read {read}): {err}");
        assert!(!err.contains("rror"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// With standard error not a terminal, each phase writes one line with its
/// time, from reading to writing; --quiet writes nothing.
#[test]
fn every_phase_reports_one_line_when_stderr_is_not_a_terminal() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let out = run(echodup(dir.path()).args(["find", "news.jsonl", "--level", "passage"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let phases = [
        "echodup: read 6 documents (",
        "echodup: analyzed 6 documents in ",
        "echodup: matched and clustered: 1 document pairs in 1 clusters, ",
        "echodup: wrote ",
    ];
    let mut at = 0;
    for p in phases {
        let i = err[at..]
            .find(p)
            .unwrap_or_else(|| panic!("{p:?} in order in {err}"));
        at += i + p.len();
    }
    assert!(
        err[at..].contains("echodup: 6 documents"),
        "the summary last: {err}"
    );
    for line in err
        .lines()
        .filter(|l| phases.iter().any(|p| l.starts_with(p)))
    {
        assert!(line.ends_with(" s"), "{line}");
    }

    let out = run(echodup(dir.path()).args([
        "dedup",
        "news.jsonl",
        "-o",
        "clean.jsonl",
        "--keep-by",
        "id",
        "--keep-order",
        "desc",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("echodup: kept by id (desc) in 2 clustered documents in "),
        "{err}"
    );
    assert!(
        err.contains("echodup: wrote 5 of 6 documents to clean.jsonl in "),
        "{err}"
    );
    let ids: Vec<String> = read_jsonl(dir.path().join("clean.jsonl"))
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["g/102", "g/103", "g/104", "g/105", "g/106"]);

    let out = run(echodup(dir.path()).args(["find", "news.jsonl", "-q"]));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

/// Issue 14, reproduction 6: started with standard output closed
/// (`>&-`), a command that writes its results there fails (exit 1, naming
/// the cause) instead of losing them with exit 0; `--out` still works, and
/// a plain `> /dev/null` is an ordinary, successful run.
#[cfg(unix)]
#[test]
fn closed_standard_output_is_an_error_not_lost_results() {
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let bin = env!("CARGO_BIN_EXE_echodup");
    let shell = |script: &str| {
        run(Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(bin)
            .current_dir(dir.path()))
    };
    let out = shell(r#""$1" find news.jsonl -q >&-"#);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("standard output is closed"),
        "{}",
        stderr(&out)
    );
    let out = shell(r#""$1" find news.jsonl -q --out found.jsonl >&-"#);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !std::fs::read_to_string(dir.path().join("found.jsonl"))
            .unwrap()
            .is_empty()
    );
    let out = shell(r#""$1" find news.jsonl -q > /dev/null"#);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Issue 14, reproduction 6: an interrupted run (SIGINT) exits with 130,
/// says so, and leaves no temporary file and no partial output beside its
/// targets. The run is held in reading standard input, which the test keeps
/// open, while the interrupt arrives. (That the registry of temporary files
/// is emptied is checked by the unit tests of `src/atomic.rs`.)
#[cfg(unix)]
#[test]
fn an_interrupted_run_exits_130_and_leaves_no_temporary_file() {
    use std::io::Write as _;
    use std::process::Stdio;
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_echodup"))
        .current_dir(dir.path())
        .args(["find", "-", "--out", "found.jsonl", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(news().as_bytes()).unwrap();
    // Give the handler time to be installed and the run to reach its read.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "news.jsonl")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Issue 16: the noise check is never silent, suggests the preset on scanned
/// text, and `--preset scanned` finds the reprint the defaults miss.
#[test]
fn issue_16_noise_check_and_scanned_preset() {
    let wire = "Harbour reopens after storm\n\nThe harbour reopened on Friday after a week of \
                storms kept the fishing fleet in port and the ferries tied up at the quay.";
    let scan = "HARBOUR REOPENS\n\nThe harbour re-\nopened on Fri day after a week of\n\
                storrns kept the fishing f1eet in port\nand the ferries tied up at the\nquay.";
    let other = "Library extends hours\n\nThe town library will stay open until nine on \
                 weekdays from next month, the council said on Tuesday.";
    let corpus: String = [("w", wire), ("s", scan), ("o", other)]
        .iter()
        .map(|(id, t)| format!("{}\n", serde_json::json!({"id": id, "text": t})))
        .collect();
    let (dir, _) = fixture("scan.jsonl", corpus.as_bytes());
    let plain = run(echodup(dir.path()).args(["find", "scan.jsonl", "--level", "document"]));
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert!(stdout_lines(&plain).is_empty());
    let err = stderr(&plain);
    assert!(
        err.contains("looks like scanned (OCR) text: try --preset scanned"),
        "{err}"
    );
    let preset = run(echodup(dir.path()).args([
        "find",
        "scan.jsonl",
        "--level",
        "document",
        "--preset",
        "scanned",
    ]));
    assert_eq!(preset.status.code(), Some(0), "{}", stderr(&preset));
    let lines = stdout_lines(&preset);
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0]["a"].as_str(), lines[0]["b"].as_str()),
        (Some("w"), Some("s"))
    );
    assert!(
        stderr(&preset).contains("scanned settings in use"),
        "{}",
        stderr(&preset)
    );
    // The news example looks clean.
    let (dir, _) = fixture("news.jsonl", news().as_bytes());
    let out = run(echodup(dir.path()).args(["find", "news.jsonl"]));
    assert!(stderr(&out).contains("looks clean"), "{}", stderr(&out));
}
