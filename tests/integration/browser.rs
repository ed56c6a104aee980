//! The HTML report in a real browser: headless Chromium loads generated
//! reports, the page's script runs, and the tests read back the DOM it built
//! (`--dump-dom`) and screenshots (`--screenshot`).
//!
//! The page writes what a test needs into `<pre id="echodup-checks">`: the
//! script errors it caught, the findings matching the filters and shown,
//! the highlights, whether a side by side is open. The tests also read the
//! DOM itself (the hostile text as escaped text, no element it could have
//! made) and Chromium's console log on standard error (`--enable-logging`),
//! which must hold no message at all.
//!
//! Chromium is `/usr/bin/chromium` (Debian's `chromium` package; `.ci/run`
//! installs it) or `ECHODUP_CHROMIUM`. Without it the tests print
//! `SKIPPED ...` and pass, unless `ECHODUP_REQUIRE_CHROMIUM=1` (set by
//! `.ci/run`), which makes them fail.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use echodup::{Config, Deduplicator, HtmlReport};
use serde_json::Value;
use tempfile::TempDir;

/// Headless Chromium with a fresh profile per call.
struct Browser {
    exe: PathBuf,
}

impl Browser {
    /// The browser, or `None` after printing why the test is skipped.
    ///
    /// # Panics
    ///
    /// When it is missing and `ECHODUP_REQUIRE_CHROMIUM=1`.
    fn get(test: &str) -> Option<Browser> {
        let exe = std::env::var_os("ECHODUP_CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        if exe.is_file() {
            return Some(Browser { exe });
        }
        if std::env::var("ECHODUP_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!(
                "{test}: ECHODUP_REQUIRE_CHROMIUM=1 but {} is missing (apt-get install chromium)",
                exe.display()
            );
        }
        eprintln!(
            "SKIPPED {test}: no Chromium at {} (install Debian's chromium or set ECHODUP_CHROMIUM)",
            exe.display()
        );
        None
    }

    /// Runs the browser on `url` with `args`; returns standard output and
    /// the console messages from standard error.
    fn run(&self, url: &str, args: &[&str]) -> (String, Vec<String>) {
        let profile = TempDir::new().unwrap();
        let mut child = Command::new(&self.exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .arg(url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            out.read_to_string(&mut s).unwrap();
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            err.read_to_string(&mut s).unwrap();
            s
        });
        let start = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if start.elapsed() > Duration::from_secs(120) {
                child.kill().unwrap();
                panic!("chromium did not finish within 120 s on {url}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let stdout = reader.join().unwrap();
        let stderr = err_reader.join().unwrap();
        let console = stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
            .map(str::to_string)
            .collect();
        (stdout, console)
    }

    /// The DOM after the page's script ran, and what the page checked.
    fn dom(&self, page: &Path, hash: &str) -> (String, Value) {
        let url = format!("file://{}#{hash}", page.display());
        let (dom, console) = self.run(&url, &["--dump-dom"]);
        assert!(
            console.is_empty(),
            "console messages on {hash}: {console:#?}"
        );
        let checks = checks(&dom);
        assert_eq!(checks["errors"], serde_json::json!([]), "{hash}");
        assert_eq!(checks["ready"], true, "{hash}");
        (dom, checks)
    }

    /// A screenshot of the page at `width` × `height`.
    fn screenshot(&self, page: &Path, hash: &str, width: u32, height: u32) -> Image {
        let shot = page.with_extension(format!("{}.png", hash.len()));
        let url = format!("file://{}#{hash}", page.display());
        let (_, console) = self.run(
            &url,
            &[
                &format!("--window-size={width},{height}"),
                &format!("--screenshot={}", shot.display()),
            ],
        );
        assert!(console.is_empty(), "console messages: {console:#?}");
        Image::read(&shot)
    }
}

/// The JSON the page wrote into `#echodup-checks`.
fn checks(dom: &str) -> Value {
    let open = "<pre id=\"echodup-checks\" hidden=\"\">";
    let start = dom.find(open).expect("the checks element") + open.len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("checks {text:?}: {e}"))
}

/// An RGBA screenshot.
struct Image {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl Image {
    fn read(path: &Path) -> Image {
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(path).expect("the screenshot was written"),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        let rgba = match info.color_type {
            png::ColorType::Rgba => buf,
            png::ColorType::Rgb => buf
                .chunks(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            other => panic!("unexpected PNG colour type {other:?}"),
        };
        Image {
            width: info.width,
            height: info.height,
            rgba,
        }
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = 4 * (y * self.width + x) as usize;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]]
    }

    /// Pixels within 6 of `rgb` in every channel, in rows `rows`.
    fn count(&self, rgb: [u8; 3], rows: std::ops::Range<u32>) -> usize {
        let mut n = 0;
        for y in rows {
            for x in 0..self.width {
                let p = self.pixel(x, y);
                if (0..3).all(|c| p[c].abs_diff(rgb[c]) <= 6) {
                    n += 1;
                }
            }
        }
        n
    }

    /// Distinct colours in rows `rows` (a blank region has one).
    fn colours(&self, rows: std::ops::Range<u32>) -> usize {
        let mut seen = std::collections::HashSet::new();
        for y in rows {
            for x in 0..self.width {
                seen.insert(self.pixel(x, y));
            }
        }
        seen.len()
    }
}

/// The page's colours (`page.css`).
const HEADER: [u8; 3] = [0x12, 0x3b, 0x5e];
const SHARED: [u8; 3] = [0xff, 0xd5, 0x4a];
const ORIGINAL: [u8; 3] = [0xb9, 0xdc, 0xff];
const REPEAT: [u8; 3] = [0xff, 0xc2, 0xb3];

/// The README's sample corpus (`docs/cli-example/news.jsonl`): ids and texts.
fn sample() -> (Vec<String>, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli-example/news.jsonl");
    let mut ids = Vec::new();
    let mut texts = Vec::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
        texts.push(v["text"].as_str().unwrap().to_string());
    }
    (ids, texts)
}

fn write_page(dir: &TempDir, name: &str, ids: &[String], texts: &[String]) -> PathBuf {
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(texts)
        .unwrap();
    let path = dir.path().join(name);
    HtmlReport::new()
        .write_with_ids(&path, &report, texts, ids)
        .unwrap();
    path
}

#[test]
fn sample_report_renders_counts_highlights_filters_and_side_by_side() {
    let Some(browser) =
        Browser::get("sample_report_renders_counts_highlights_filters_and_side_by_side")
    else {
        return;
    };
    let dir = TempDir::new().unwrap();
    let (ids, texts) = sample();
    let page = write_page(&dir, "sample.html", &ids, &texts);

    // Everything, as first opened.
    let (dom, c) = browser.dom(&page, "");
    assert_eq!(c["overviewCards"], 5);
    assert_eq!(c["shown"]["clusters"], 1);
    assert_eq!(c["shown"]["blocks"], 1);
    assert_eq!(c["matching"]["shared"], c["shown"]["shared"]);
    assert!(c["shown"]["shared"].as_u64().unwrap() >= 3, "{c}");
    assert_eq!(c["compare"], 0, "nothing opened yet");
    assert!(dom.contains("gazette/101") && dom.contains("<svg"));
    assert_eq!(c["overflowX"], false);

    // A cluster opened from the address: the side by side with highlights.
    let (dom, c) = browser.dom(&page, "open=0&a=1&b=0");
    assert_eq!(c["compare"], 1);
    assert_eq!(c["state"]["a"], 1, "the left member chosen in the address");
    assert!(c["rows"].as_u64().unwrap() >= 4 * 2, "{c}");
    assert!(c["marks"]["shared"].as_u64().unwrap() >= 4, "{c}");
    // The edited word of the copy is outside every highlight.
    assert!(
        dom.contains("Monday</mark> evening, <mark class=\"shared\">"),
        "the edit is not highlighted"
    );

    // Every kind of text on the page, highlights and side by side open,
    // reads at WCAG AA contrast (4.5:1) or better.
    let (_, c) = browser.dom(&page, "open=0&expand=1");
    let ratio = c["contrast"]["ratio"].as_f64().unwrap();
    assert!(
        ratio >= 4.5,
        "lowest contrast {ratio} at {}",
        c["contrast"]["what"]
    );

    // The keys: / to the search, Esc out of it, j/k through the findings.
    let (_, c) = browser.dom(&page, "keys=1");
    assert_eq!(
        c["keys"],
        serde_json::json!([
            "/:q",
            "Escape:q",
            "j:summary#cluster-0",
            "j:summary#block-0",
            "k:summary#cluster-0"
        ])
    );

    // Filters: an id and a kind, then a similarity range that leaves out
    // the one cluster (Jaccard 0.902).
    let (_, c) = browser.dom(&page, "q=gazette%2F104&kind=block&expand=1");
    assert_eq!(c["matching"]["clusters"], 0);
    assert_eq!(c["matching"]["blocks"], 1);
    assert_eq!(c["matching"]["shared"], 0);
    assert_eq!(c["hidden"], serde_json::json!(["clusters", "shared"]));
    assert!(c["marks"]["orig"].as_u64().unwrap() >= 1 && c["marks"]["rep"].as_u64().unwrap() >= 1);
    let (_, c) = browser.dom(&page, "min=0.95&max=1");
    assert_eq!(c["matching"]["clusters"], 0);
    let (_, c) = browser.dom(&page, "min=0.9&max=0.91");
    assert_eq!(c["matching"]["clusters"], 1);

    // Screenshots: the header at the top, highlights in the side by side,
    // both copies of a repeated block.
    let shot = browser.screenshot(&page, "open=0&focus=1", 1280, 1000);
    assert_eq!((shot.width, shot.height), (1280, 1000));
    assert!(
        shot.count(HEADER, 0..40) > 1280 * 30,
        "the header is at the top"
    );
    assert!(
        shot.colours(100..1000) > 20,
        "the page below the header is not blank"
    );
    let highlighted = shot.count(SHARED, 0..1000);
    assert!(
        highlighted > 20_000,
        "shared text highlighted: {highlighted} pixels"
    );
    let shot = browser.screenshot(&page, "kind=block&expand=1", 1280, 2200);
    assert!(
        shot.count(ORIGINAL, 0..2200) > 5_000,
        "the earlier copy is highlighted"
    );
    assert!(
        shot.count(REPEAT, 0..2200) > 5_000,
        "the repeat is highlighted"
    );
    assert_eq!(
        shot.count(SHARED, 0..2200),
        0,
        "no side by side in this view"
    );
}

#[test]
fn hostile_documents_render_as_text() {
    let Some(browser) = Browser::get("hostile_documents_render_as_text") else {
        return;
    };
    let long_line = "Endless wire text without a break ".repeat(6000);
    let hostile = format!(
        "<script>document.body.dataset.pwned=1</script> headline\n\n\
         </script><script>document.body.dataset.pwned=2</script><!--\n\n\
         <img src=x onerror=\"document.body.dataset.pwned=3\"> &amp; &lt;b&gt;\n\n\
         مرحبا بالعالم هذا نص عربي طويل بما يكفي \u{202e}reversed\u{202c} שלום עולם\n\n\
         NUL\u{0}in\u{0}the\u{0}middle and a bell\u{7}\n\n{long_line}"
    );
    let copy = hostile.replace("headline", "headline!");
    // Two near copies (a cluster), a third document repeating its own
    // hostile passages (a repeated block), all sharing passages.
    let doubled = format!("Intro\n\n{hostile}\n\nMiddle\n\n{hostile}");
    let texts = vec![hostile, copy, doubled];
    let ids: Vec<String> = vec![
        "<b>bold-id</b>".into(),
        "\u{202e}evil-id".into(),
        "nul\u{0}id".into(),
    ];
    let dir = TempDir::new().unwrap();
    let page = write_page(&dir, "hostile.html", &ids, &texts);

    let (dom, c) = browser.dom(&page, "open=0&expand=1");
    assert_eq!(c["pwned"], false);
    assert!(!dom.contains("data-pwned"), "a hostile script ran");
    assert_eq!(c["compare"], 1);
    assert!(c["marks"]["shared"].as_u64().unwrap() > 0);
    assert!(c["shown"]["blocks"].as_u64().unwrap() >= 1);
    // Shown as text, escaped by the serializer: never elements.
    assert!(dom.contains("&lt;script&gt;document.body.dataset.pwned=1&lt;/script&gt;"));
    assert!(dom.contains("&lt;img src=x onerror="));
    assert!(dom.contains("&amp;lt;b&amp;gt;"), "entities stay literal");
    assert!(dom.contains("&lt;b&gt;bold-id&lt;/b&gt;"));
    assert!(!dom.contains("<img") && !dom.contains("<b>bold-id"));
    assert!(
        dom.contains("NUL\u{2400}in\u{2400}the"),
        "NUL shows as its picture"
    );
    assert!(dom.contains("مرحبا بالعالم"));
    assert!(dom.contains("dir=\"auto\""));
    assert_eq!(c["overflowX"], false, "a 200 kB line wraps inside the page");
    let shot = browser.screenshot(&page, "open=0&focus=1", 1000, 800);
    assert_eq!((shot.width, shot.height), (1000, 800));
    assert!(shot.count(SHARED, 0..800) > 10_000);
}

#[cfg(feature = "tools")]
#[test]
fn large_generated_report_stays_usable() {
    let Some(browser) = Browser::get("large_generated_report_stays_usable") else {
        return;
    };
    // ECHODUP_BROWSER_DOCS=100000 for the size (docs/REPORT.md).
    let n: usize = std::env::var("ECHODUP_BROWSER_DOCS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let texts = echodup::synth::news_like(n, 7);
    let ids: Vec<String> = (0..n).map(echodup::synth::id).collect();
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&texts)
        .unwrap();
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("large.html");
    // A small bound, so that the lists are cut and the page says so.
    let max = 3_000_000;
    HtmlReport::new()
        .max_bytes(max)
        .write_with_ids(&page, &report, &texts, &ids)
        .unwrap();
    assert!(std::fs::metadata(&page).unwrap().len() <= max as u64);

    let (dom, c) = browser.dom(&page, "");
    assert_eq!(c["shown"]["clusters"], 20, "one page of clusters");
    assert!(c["matching"]["clusters"].as_u64().unwrap() > 20);
    assert!(dom.contains("page 1 of "));
    assert!(
        dom.contains("not in this page (size bound"),
        "cut lists say so"
    );

    // The largest cluster first, opened with its side by side.
    let largest = report.clusters().iter().map(|c| c.len()).max().unwrap();
    let first = report
        .clusters()
        .iter()
        .position(|c| c.len() == largest)
        .unwrap();
    let (_, c) = browser.dom(&page, &format!("open={first}"));
    assert_eq!(c["compare"], 1);
    assert!(c["marks"]["shared"].as_u64().unwrap() > 0);

    // A range filter keeps only clusters inside it, a search finds a member.
    let (_, all) = browser.dom(&page, "kind=cluster");
    let (_, near) = browser.dom(&page, "kind=cluster&min=0.8&max=0.95");
    let (all, near) = (
        all["matching"]["clusters"].as_u64().unwrap(),
        near["matching"]["clusters"].as_u64().unwrap(),
    );
    assert!(near > 0 && near < all, "{near} of {all}");
    let member = &ids[report.clusters()[first].members()[1].as_usize()];
    let (_, c) = browser.dom(&page, &format!("q={member}"));
    assert!(c["matching"]["clusters"].as_u64().unwrap() >= 1);
}
