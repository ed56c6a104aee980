//! Issue 14 on the `echodup` binary: records written back byte for byte
//! except their text, folder walks that visit each file once and pass over
//! what is not a regular file, byte-order marks, and errors that name the
//! path.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

const PARAGRAPHS: [&str; 3] = [
    "Council delays vote on parking fees",
    "Councillors postponed a vote on new parking charges for the seafront until next month, saying they needed more time to study the objections from shop owners.",
    "A petition against the charges has gathered more than three thousand signatures since it was launched in the spring.",
];

fn echodup(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_echodup"));
    cmd.current_dir(dir);
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A record as a person might have written it: spacing, a big integer,
/// floats with many digits, a repeated key and unicode escapes.
fn raw_record(id: &str, text: &str) -> String {
    format!(
        r#"{{"n": 123456789012345678901234567890, "f": [0.30000000000000004, 1.0000000000000000000001, 2.5e+3], "k":1,"k":2, "id" : "{id}", "note": "caf\u00e9 \ud83d\ude00", "text":{}}}"#,
        serde_json::to_string(text).unwrap()
    )
}

#[test]
fn dedup_strip_passages_changes_nothing_but_the_text() {
    let dir = TempDir::new().unwrap();
    let doubled = [PARAGRAPHS, [PARAGRAPHS[1], PARAGRAPHS[2], ""]]
        .concat()
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let other = "Library reopens after two years\n\nThe renovated town library opened its doors again on Saturday after a two-year rebuild that added a reading garden.";
    let lines = [raw_record("a", &doubled), raw_record("b", other)];
    std::fs::write(dir.path().join("in.jsonl"), lines.join("\n") + "\n").unwrap();
    let out = echodup(dir.path())
        .args([
            "dedup",
            "in.jsonl",
            "--strip-passages",
            "-o",
            "out.jsonl",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    let written: Vec<&str> = written.lines().collect();
    let stripped = PARAGRAPHS.join("\n\n");
    assert_eq!(
        written,
        [raw_record("a", &stripped), raw_record("b", other)]
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_and_a_fifo_in_a_folder_are_passed_over_and_counted() {
    let dir = TempDir::new().unwrap();
    let d = dir.path().join("d");
    std::fs::create_dir_all(d.join("loop")).unwrap();
    std::fs::write(d.join("a.txt"), PARAGRAPHS.join("\n\n")).unwrap();
    std::fs::write(
        d.join("b.txt"),
        "Something else entirely, with its own words.",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", d.join("loop/up")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(d.join("x.txt"))
        .status()
        .unwrap();
    assert!(made.success());
    let out = echodup(dir.path())
        .args([
            "dedup",
            "d",
            "-o",
            "out.jsonl",
            "--removed",
            "removed.jsonl",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("echodup: 2 documents"), "{err}");
    assert!(err.contains("duplicate documents: 0"), "{err}");
    assert!(
        err.contains("skipped folder entries: 2 (1: already visited (reached again through a link); 1: not a regular file)"),
        "{err}"
    );
    let removed = std::fs::read_to_string(dir.path().join("removed.jsonl")).unwrap();
    assert!(removed.contains(r#""source":"d/x.txt""#), "{removed}");
    assert!(
        removed.contains(r#""reason":"not a regular file""#),
        "{removed}"
    );
}

#[test]
fn a_byte_order_mark_on_standard_input_is_skipped() {
    let dir = TempDir::new().unwrap();
    let body = format!(
        "\u{feff}{}\n{}\n",
        serde_json::json!({"id": "a", "text": PARAGRAPHS.join("\n\n")}),
        serde_json::json!({"id": "b", "text": PARAGRAPHS.join("\n\n")})
    );
    let out = echodup(dir.path())
        .args(["find", "-", "-q"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains(r#""a":"a","b":"b""#), "{stdout}");
}

#[test]
fn explain_with_an_unknown_id_names_the_input() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("in.jsonl"),
        serde_json::json!({"id": "a", "text": "One story."}).to_string() + "\n",
    )
    .unwrap();
    let out = echodup(dir.path())
        .args(["explain", "in.jsonl", "a", "zz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no document with id \"zz\" in in.jsonl"),
        "{}",
        stderr(&out)
    );
}

/// A corpus whose cleaned output is well over the 64 KiB write buffer.
fn big_corpus(dir: &Path) {
    let mut body = String::new();
    for i in 0..400 {
        let text = format!(
            "Story {i} about the number {} and the word {}.\n\n{}",
            i * 7919,
            i * 104_729,
            PARAGRAPHS[1].replace("month", &format!("month {i}"))
        );
        body += &serde_json::json!({"id": i, "text": text}).to_string();
        body += "\n";
    }
    std::fs::write(dir.join("in.jsonl"), body).unwrap();
    // Copies of one story: one is kept, the rest fill the removed list.
    let copy = serde_json::json!({"text": PARAGRAPHS.join("\n\n")}).to_string();
    std::fs::write(dir.join("copies.jsonl"), format!("{copy}\n").repeat(400)).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_names_the_output_that_failed() {
    let dir = TempDir::new().unwrap();
    big_corpus(dir.path());
    // Standard output on a full device.
    let full = std::fs::File::create("/dev/full").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_echodup"))
        .args(["dedup", "in.jsonl", "-o", "-", "-q"])
        .current_dir(dir.path())
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("writing standard output"),
        "{}",
        stderr(&out)
    );
    // A file that may not grow past 1 KiB (`ulimit -f`, with SIGXFSZ
    // ignored so that the write fails instead of killing the process),
    // for --out and for --removed.
    for (args, name) in [
        ("in.jsonl -o big.jsonl", "big.jsonl"),
        (
            "copies.jsonl --id-field '' -o small.jsonl --removed removed.jsonl",
            "removed.jsonl",
        ),
    ] {
        let script = format!("trap '' XFSZ; ulimit -f 1; exec \"$0\" dedup {args} -q");
        let out = std::process::Command::new("bash")
            .args(["-c", &script, env!("CARGO_BIN_EXE_echodup")])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(&format!("writing {name}")), "{err}");
        assert!(!dir.path().join(name).exists());
    }
}
