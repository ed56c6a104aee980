//! `echodup index` (feature `cli`): create, add, query, info and merge on
//! the documents of `tests/data/index-v1.jsonl`, and their errors (exit
//! code, message, the index left as it was).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn echodup(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_echodup"));
    cmd.current_dir(dir);
    cmd
}

fn fixture_lines() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/index-v1.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Writes lines `range` of the fixture to `name` in `dir`.
fn day(dir: &Path, name: &str, range: std::ops::Range<usize>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, fixture_lines()[range].join("\n") + "\n").unwrap();
    p
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn by_id<'a>(lines: &'a [Value], id: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no line for {id} in {lines:?}"))
}

fn info(dir: &Path, index: &str) -> Value {
    let out = echodup(dir)
        .args(["index", "info", "--json", "--verify", index])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn create_and_info_show_the_configuration() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let out = echodup(d)
        .args([
            "index",
            "create",
            "idx.edx",
            "--num-perm",
            "64",
            "--threshold",
            "0.7",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let i = info(d, "idx.edx");
    assert_eq!(i["documents"], 0);
    assert_eq!(i["format_version"], 5);
    assert_eq!(i["segments"], 0);
    assert_eq!(i["threshold"], 0.7);
    assert_eq!(i["verified"], true);
    assert!(
        i["signature_parameters"]
            .as_str()
            .unwrap()
            .contains("num_perm=64")
    );
    assert_eq!(
        i["size"],
        std::fs::metadata(d.join("idx.edx")).unwrap().len()
    );
    // The human-readable form.
    let out = echodup(d)
        .args(["index", "info", "idx.edx"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("format version:   5"), "{text}");
    assert!(text.contains("documents:        0"), "{text}");
    // Never overwritten.
    let before = std::fs::read(d.join("idx.edx")).unwrap();
    let out = echodup(d)
        .args(["index", "create", "idx.edx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("idx.edx"), "{}", stderr(&out));
    assert_eq!(std::fs::read(d.join("idx.edx")).unwrap(), before);
    // Bad parameters are usage errors, and nothing is written.
    let out = echodup(d)
        .args(["index", "create", "bad.edx", "--threshold", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("threshold"), "{}", stderr(&out));
    assert!(!d.join("bad.edx").exists());
}

#[test]
fn add_reports_duplicates_of_history_and_adds() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "day1.jsonl", 0..6);
    day(d, "day2.jsonl", 6..12);
    echodup(d)
        .args(["index", "create", "idx.edx"])
        .assert()
        .success();
    let out = echodup(d)
        .args(["index", "add", "idx.edx", "day1.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the index now holds 6 documents"),
        "{}",
        stderr(&out)
    );
    let l = lines(&out);
    // wire-17 is the first story without its footer: a near copy.
    let wire = by_id(&l, "wire-17");
    assert_eq!(wire["duplicate_of"][0]["id"], "hg-001");
    assert!(wire["duplicate_of"][0]["jaccard"].as_f64().unwrap() >= 0.8);
    // hg-003 repeats its own paragraph; the footer was seen in hg-001.
    let market = by_id(&l, "hg-003");
    assert_eq!(market["duplicate_of"], serde_json::json!([]));
    let passages = market["passages"].as_array().unwrap();
    assert!(
        passages
            .iter()
            .any(|p| p["passage"] == 2
                && p["of"] == serde_json::json!({"id": "hg-003", "passage": 1}))
    );
    assert!(
        passages
            .iter()
            .any(|p| p["passage"] == 3
                && p["of"] == serde_json::json!({"id": "hg-001", "passage": 3}))
    );
    assert!(
        l.iter().all(|v| v["id"] != "hg-001"),
        "the first story is new"
    );

    // The next day: documents of day 1 are history.
    let out = echodup(d)
        .args([
            "index",
            "add",
            "idx.edx",
            "day2.jsonl",
            "-o",
            "report.jsonl",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Vec<Value> = std::fs::read_to_string(d.join("report.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(by_id(&report, "hg-007")["duplicate_of"][0]["id"], "hg-004");
    assert_eq!(by_id(&report, "hg-007")["duplicate_of"][0]["jaccard"], 1.0);
    let resume = by_id(&report, "ünï-9");
    assert_eq!(resume["passages"][0]["of"]["id"], "hg-008");
    assert_eq!(info(d, "idx.edx")["documents"], 12);

    // Adding day 1 again: every id is known; the index is left as it was.
    let before = std::fs::read(d.join("idx.edx")).unwrap();
    let out = echodup(d)
        .args(["index", "add", "idx.edx", "day1.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("document id \"hg-001\" is already in the index"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(d.join("idx.edx")).unwrap(), before);
}

#[test]
fn query_reports_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "day1.jsonl", 0..6);
    echodup(d)
        .args(["index", "create", "idx.edx"])
        .assert()
        .success();
    echodup(d)
        .args(["index", "add", "-q", "idx.edx", "day1.jsonl"])
        .assert()
        .success();
    let before = std::fs::read(d.join("idx.edx")).unwrap();
    std::fs::write(
        d.join("probe.jsonl"),
        concat!(
            r#"{"id": "p1", "text": "Library reopens after two years\n\nThe renovated town library opened its doors again on Saturday after a two-year rebuild that added a reading garden, a children's wing and a small local history archive."}"#,
            "\n",
            r#"{"id": "p2", "text": "Something else entirely, never seen before by anyone."}"#,
            "\n",
            r#"{"id": "hg-001", "text": "Same id as history is fine for a query."}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = echodup(d)
        .args(["index", "query", "idx.edx", "probe.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let l = lines(&out);
    assert_eq!(l.len(), 1, "{l:?}");
    assert_eq!(l[0]["id"], "p1");
    // Without its footer it is not a near copy of hg-002 as a whole, but
    // both its passages are.
    assert_eq!(l[0]["duplicate_of"], serde_json::json!([]));
    assert_eq!(
        l[0]["passages"][0]["of"],
        serde_json::json!({"id": "hg-002", "passage": 0})
    );
    assert_eq!(
        l[0]["passages"][1]["of"],
        serde_json::json!({"id": "hg-002", "passage": 1})
    );
    assert_eq!(l[0]["duplicate_fraction"], 1.0);
    assert_eq!(std::fs::read(d.join("idx.edx")).unwrap(), before);
    assert_eq!(info(d, "idx.edx")["documents"], 6);
}

#[test]
fn merge_equals_adding_everything_to_one_index() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "day1.jsonl", 0..6);
    day(d, "day2.jsonl", 6..12);
    for (index, inputs) in [
        ("a.edx", vec!["day1.jsonl"]),
        ("b.edx", vec!["day2.jsonl"]),
        ("all.edx", vec!["day1.jsonl", "day2.jsonl"]),
    ] {
        echodup(d)
            .args(["index", "create", index])
            .assert()
            .success();
        echodup(d)
            .args(["index", "add", "-q", index])
            .args(inputs)
            .assert()
            .success();
    }
    let out = echodup(d)
        .args(["index", "merge", "m.edx", "a.edx", "b.edx"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("12 documents"), "{}", stderr(&out));
    // One segment each, the same bytes.
    assert_eq!(info(d, "m.edx")["segments"], 1);
    assert_eq!(info(d, "all.edx")["segments"], 1);
    assert_eq!(
        std::fs::read(d.join("m.edx.segments/00000001.seg")).unwrap(),
        std::fs::read(d.join("all.edx.segments/00000001.seg")).unwrap()
    );
    // Other parameters: refused, naming the parameter.
    echodup(d)
        .args(["index", "create", "other.edx", "--num-perm", "256"])
        .assert()
        .success();
    let out = echodup(d)
        .args(["index", "merge", "x.edx", "a.edx", "other.edx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("signature size 256"),
        "{}",
        stderr(&out)
    );
    assert!(!d.join("x.edx").exists());
    // The output may not be an input.
    let before = std::fs::read(d.join("a.edx")).unwrap();
    let out = echodup(d)
        .args(["index", "merge", "a.edx", "a.edx", "b.edx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(d.join("a.edx")).unwrap(), before);
}

#[test]
fn index_errors_name_the_file_and_leave_it_alone() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "day1.jsonl", 0..6);
    // A missing index.
    let out = echodup(d)
        .args(["index", "add", "missing.edx", "day1.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing.edx"), "{}", stderr(&out));
    assert!(!d.join("missing.edx").exists());
    // Not an index.
    let out = echodup(d)
        .args(["index", "query", "day1.jsonl", "day1.jsonl"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let out = echodup(d)
        .args(["index", "info", "day1.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not an echodup index"),
        "{}",
        stderr(&out)
    );
    // A damaged index: add and info --verify refuse it, and do not touch it.
    echodup(d)
        .args(["index", "create", "idx.edx"])
        .assert()
        .success();
    echodup(d)
        .args(["index", "add", "-q", "idx.edx", "day1.jsonl"])
        .assert()
        .success();
    // A bit flipped in the middle of its segment file.
    let segment = d.join("idx.edx.segments/00000001.seg");
    let mut bytes = std::fs::read(&segment).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&segment, &bytes).unwrap();
    let manifest = std::fs::read(d.join("idx.edx")).unwrap();
    day(d, "day2.jsonl", 6..12);
    // An add reads only what it needs: it fails naming the damage, or (the
    // damage elsewhere) adds a new segment; the damaged one is never
    // rewritten.
    let out = echodup(d)
        .args(["index", "add", "idx.edx", "day2.jsonl"])
        .output()
        .unwrap();
    if out.status.success() {
        assert_ne!(std::fs::read(d.join("idx.edx")).unwrap(), manifest);
    } else {
        assert!(
            stderr(&out).contains("damaged index file"),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(d.join("idx.edx")).unwrap(), manifest);
    }
    assert_eq!(std::fs::read(&segment).unwrap(), bytes);
    let out = echodup(d)
        .args(["index", "info", "--verify", "idx.edx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("00000001.seg: damaged index file"),
        "{}",
        stderr(&out)
    );
    // A bad input record: nothing is added.
    echodup(d)
        .args(["index", "create", "ok.edx"])
        .assert()
        .success();
    let before = std::fs::read(d.join("ok.edx")).unwrap();
    std::fs::write(
        d.join("bad.jsonl"),
        "{\"id\": \"a\", \"text\": \"fine\"}\n{\"id\": \"b\"}\n",
    )
    .unwrap();
    let out = echodup(d)
        .args(["index", "add", "ok.edx", "bad.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.jsonl:2"), "{}", stderr(&out));
    assert_eq!(std::fs::read(d.join("ok.edx")).unwrap(), before);
    // The index given as an input too.
    let out = echodup(d)
        .args(["index", "add", "ok.edx", "ok.edx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(d.join("ok.edx")).unwrap(), before);
    // Files in the folder: no temporary file left anywhere.
    let leftovers: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Issue 15: `--existing skip` adds the new documents of a batch that was
/// partly added before, and reports each one left out.
#[test]
fn add_skips_ids_already_present_when_asked() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "day1.jsonl", 0..6);
    day(d, "days12.jsonl", 0..12);
    echodup(d)
        .args(["index", "create", "idx.edx"])
        .assert()
        .success();
    echodup(d)
        .args(["index", "add", "-q", "idx.edx", "day1.jsonl"])
        .assert()
        .success();
    let out = echodup(d)
        .args([
            "index",
            "add",
            "idx.edx",
            "days12.jsonl",
            "--existing",
            "skip",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let l = lines(&out);
    let skipped: Vec<&str> = l
        .iter()
        .filter(|v| v["skipped"] == "already in the index")
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 6, "{l:?}");
    assert!(skipped.contains(&"hg-001"));
    assert_eq!(by_id(&l, "hg-007")["duplicate_of"][0]["id"], "hg-004");
    assert!(stderr(&out).contains("skipped 6 documents already in the index"));
    assert_eq!(info(d, "idx.edx")["documents"], 12);
}

/// Issue 15: report, then commit. A report that cannot be written in full
/// (standard output on a full device, a closed pipe, a report file past a
/// size limit, as on a full disk) makes `add` fail and leaves the index as
/// it was; the same command then succeeds.
#[cfg(unix)]
#[test]
fn a_report_that_cannot_be_written_leaves_the_index_as_it_was() {
    use std::process::Stdio;
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "all.jsonl", 0..12);
    echodup(d)
        .args(["index", "create", "idx.edx"])
        .assert()
        .success();
    let before = std::fs::read(d.join("idx.edx")).unwrap();
    let unchanged = |what: &str| {
        assert_eq!(
            std::fs::read(d.join("idx.edx")).unwrap(),
            before,
            "{what} changed the index"
        );
    };

    // Standard output on /dev/full.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_echodup"))
        .current_dir(d)
        .args(["index", "add", "idx.edx", "all.jsonl"])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was added to idx.edx"),
        "{}",
        stderr(&out)
    );
    unchanged("/dev/full");

    // A closed pipe: the reader is gone before the report is written.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_echodup"))
        .current_dir(d)
        .args(["index", "add", "idx.edx", "all.jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was added"),
        "{}",
        stderr(&out)
    );
    unchanged("a closed pipe");

    // A report file that hits a file size limit (EFBIG, as ENOSPC on a
    // full disk): the shell ignores SIGXFSZ so that the write fails instead.
    let out = std::process::Command::new("sh")
        .current_dir(d)
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 1; exec '{}' index add idx.edx all.jsonl -o report.jsonl",
            env!("CARGO_BIN_EXE_echodup")
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("report.jsonl"), "{}", stderr(&out));
    unchanged("a full report file");
    assert!(!d.join("report.jsonl").exists());

    // Nothing was added, so the same batch goes in now.
    let out = echodup(d)
        .args(["index", "add", "idx.edx", "all.jsonl", "-o", "report.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::metadata(d.join("report.jsonl")).unwrap().len() > 1024);
    assert_eq!(info(d, "idx.edx")["documents"], 12);
}

/// Issue 15: one writer at a time. While another process holds the index
/// open for writing, `add` fails naming it (process id, host) and changes
/// nothing; `query` still reads.
#[test]
fn a_second_writer_fails_naming_the_first() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "day1.jsonl", 0..6);
    echodup(d)
        .args(["index", "create", "idx.edx"])
        .assert()
        .success();
    let before = std::fs::read(d.join("idx.edx")).unwrap();
    let holder = echodup::store::IndexFile::open_for_writing(d.join("idx.edx")).unwrap();
    let out = echodup(d)
        .args(["index", "add", "idx.edx", "day1.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let msg = stderr(&out);
    assert!(
        msg.contains(&format!("held by process {} on host", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains("idx.edx.lock"), "{msg}");
    assert_eq!(std::fs::read(d.join("idx.edx")).unwrap(), before);
    echodup(d)
        .args(["index", "query", "idx.edx", "day1.jsonl"])
        .assert()
        .success();
    drop(holder);
    echodup(d)
        .args(["index", "add", "-q", "idx.edx", "day1.jsonl"])
        .assert()
        .success();
    assert_eq!(info(d, "idx.edx")["documents"], 6);
}

/// Issue 15: `remove` by id (and from a file), `optimize`, `info` showing
/// segments and removed documents, and `--existing replace`.
#[test]
fn remove_optimize_and_replace() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    day(d, "day1.jsonl", 0..6);
    day(d, "day2.jsonl", 6..12);
    echodup(d)
        .args(["index", "create", "idx.edx"])
        .assert()
        .success();
    for day in ["day1.jsonl", "day2.jsonl"] {
        echodup(d)
            .args(["index", "add", "-q", "idx.edx", day])
            .assert()
            .success();
    }
    assert_eq!(info(d, "idx.edx")["segments"], 2);
    // hg-004 is the source of hg-007 (an exact copy): removed, it is
    // reported no more.
    std::fs::write(d.join("ids.txt"), "hg-004\n\nno-such-id\n").unwrap();
    let out = echodup(d)
        .args(["index", "remove", "idx.edx", "--from", "ids.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed 1 document"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("not in the index: no-such-id"),
        "{}",
        stderr(&out)
    );
    let i = info(d, "idx.edx");
    assert_eq!(
        (i["documents"].clone(), i["removed"].clone()),
        (11.into(), 1.into())
    );
    let out = echodup(d)
        .args(["index", "query", "idx.edx", "day2.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let l = lines(&out);
    assert!(
        l.iter().all(|v| v["duplicate_of"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != "hg-004")),
        "{l:?}"
    );
    assert_eq!(by_id(&l, "hg-007")["duplicate_of"][0]["id"], "hg-007");
    // Optimize: one segment, the same answers.
    let out = echodup(d)
        .args(["index", "optimize", "idx.edx"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("folded 2 segments"),
        "{}",
        stderr(&out)
    );
    assert_eq!(info(d, "idx.edx")["segments"], 1);
    let again = echodup(d)
        .args(["index", "query", "idx.edx", "day2.jsonl"])
        .output()
        .unwrap();
    assert_eq!(lines(&again), l);
    // Replace: the stored hg-001 gives way to the new text.
    std::fs::write(
        d.join("fix.jsonl"),
        "{\"id\": \"hg-001\", \"text\": \"A correction: the ferry timetable changes on Monday.\"}\n",
    )
    .unwrap();
    echodup(d)
        .args([
            "index",
            "add",
            "-q",
            "idx.edx",
            "fix.jsonl",
            "--existing",
            "replace",
        ])
        .assert()
        .success();
    let i = info(d, "idx.edx");
    assert_eq!(
        (i["documents"].clone(), i["removed"].clone()),
        (11.into(), 2.into())
    );
    // `--existing` is for `add` only.
    let out = echodup(d)
        .args([
            "index",
            "query",
            "idx.edx",
            "fix.jsonl",
            "--existing",
            "skip",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Nothing to remove is a usage error.
    let out = echodup(d)
        .args(["index", "remove", "idx.edx"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
