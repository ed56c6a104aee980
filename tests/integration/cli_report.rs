//! `echodup report`: the page written atomically from the same inputs as
//! `find`, its data naming the records' ids, and its refusals (an output
//! that is an input, a bound below the minimum, a kept copy chosen by a
//! field shown with the reason). The page in a browser: `browser.rs`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli-example/news.jsonl")
}

fn echodup(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_echodup"));
    cmd.current_dir(dir);
    cmd
}

/// The JSON data embedded in a page.
fn data(page: &str) -> Value {
    let open = r#"<script type="application/json" id="echodup-data">"#;
    let start = page.find(open).unwrap() + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

#[test]
fn report_writes_one_page_of_the_sample() {
    let dir = TempDir::new().unwrap();
    let out = echodup(dir.path())
        .arg("report")
        .arg(sample())
        .args(["--out", "r.html", "--title", "Gazette <week 1>"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("wrote ") && stderr.contains("the run took"),
        "{stderr}"
    );
    let page = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(page.contains("<title>Gazette &lt;week 1&gt;</title>"));
    let d = data(&page);
    assert_eq!(d["overview"]["documents"], 6);
    assert_eq!(d["overview"]["clusters"], 1);
    let kept = d["clusters"][0]["k"].as_u64().unwrap() as usize;
    assert_eq!(d["ids"][kept], "gazette/101");
    assert_eq!(d["blocks"].as_array().unwrap().len(), 1);
    assert!(
        d["meta"]["source"]
            .as_str()
            .unwrap()
            .ends_with("news.jsonl")
    );
    // Nothing but the page in the folder: no temporary file left.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn report_says_why_a_copy_was_kept_by_a_field() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("c.jsonl");
    let text = "Storm closes harbour\n\nHigh winds kept the ferry fleet in port on Monday, stranding hundreds of travellers.";
    let lines = [
        serde_json::json!({"id": "a", "date": "2024-05-02", "text": text}),
        serde_json::json!({"id": "b", "date": "2024-05-01", "text": text}),
    ];
    let body: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&input, body.join("\n")).unwrap();
    let out = echodup(dir.path())
        .args([
            "report",
            "c.jsonl",
            "--out",
            "r.html",
            "--keep-by",
            "date",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = data(&std::fs::read_to_string(dir.path().join("r.html")).unwrap());
    let kept = d["clusters"][0]["k"].as_u64().unwrap() as usize;
    assert_eq!(d["ids"][kept], "b");
    assert!(
        d["meta"]["keep"]
            .as_str()
            .unwrap()
            .contains("smallest \"date\"")
    );
}

#[test]
fn report_refuses_an_input_as_output_and_a_tiny_bound() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("news.jsonl");
    std::fs::copy(sample(), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = echodup(dir.path())
        .args(["report", "news.jsonl", "--out", "news.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).unwrap(), before);
    let out = echodup(dir.path())
        .args([
            "report",
            "news.jsonl",
            "--out",
            "r.html",
            "--max-bytes",
            "1000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_bytes"));
    assert!(!dir.path().join("r.html").exists());
}
