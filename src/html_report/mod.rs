//! [`HtmlReport`]: a [`Report`] as one self-contained HTML page to look at
//! before deleting anything (feature `html`).
//!
//! The page holds everything it shows (its style, its script, the data as
//! JSON and the charts as SVG) and loads nothing from the network. It has
//!
//! - an **overview**: documents, clusters, bytes removed by each mechanism
//!   (dropping duplicate documents, stripping repeats, stripping passages
//!   shared with earlier documents), charts of the duplication distribution,
//!   cluster sizes and shared-passage reach, and the settings of the run;
//! - **clusters** of near-duplicate documents, largest first: members, the
//!   kept one and why, similarity to it, and for the largest clusters a
//!   side-by-side view of any two of their first members with the shared
//!   text highlighted and the passages aligned (computed by
//!   [`explain`](crate::explain::explain), the same code as `echodup explain`);
//! - **repeated blocks** inside documents, both copies highlighted;
//! - **shared passages** (boilerplate, wire copy) by how many documents carry
//!   them, with the text and, where copies differ, the least similar copy;
//! - search by document id and filters (kind of finding, similarity range),
//!   paged, with the state in the address (`#q=…&kind=…&min=…&open=…`) so a
//!   view can be linked.
//!
//! # Size and scale
//!
//! The page is at most [`max_bytes`](HtmlReport::max_bytes) long (50 MB by
//! default, enough for a million articles): each list fills its share of the
//! budget in reading order (largest clusters, longest blocks, most widely
//! shared passages first) and the page says how many rows it leaves out.
//! The [`full_clusters`](HtmlReport::full_clusters) largest clusters (100 by
//! default) are shown in full, at most 6 members each with their first
//! 16 KiB of text; the others are listed with up to 50 member ids.
//! Building takes time linear in the documents plus one explanation per
//! pair of members shown in full.
//!
//! # Text is text
//!
//! Every text and id reaches the page as a JSON string escaped for a
//! `<script>` element and is put into the page with `textContent`, never as
//! markup: a document holding `<script>` shows those characters. Control
//! characters show as their Unicode pictures (NUL as `␀`), right-to-left
//! text is isolated so it cannot reorder what surrounds it, and long lines
//! wrap.
//!
//! # Example
//!
//! ```
//! use echodup::{Config, Deduplicator, HtmlReport};
//!
//! let text = "Storm closes harbour\n\nHigh winds kept the ferry fleet in port on Monday.";
//! let docs = [text, "Library reopens after two years of building work.", text];
//! let report = Deduplicator::new(Config::new())?.run(&docs)?;
//! let page = HtmlReport::new()
//!     .title("Harbour Gazette, May")
//!     .render_with_ids(&report, &docs, &["g/1", "g/2", "g/3"])?;
//! assert!(page.starts_with("<!DOCTYPE html>"));
//! assert!(page.contains("Harbour Gazette, May"));
//! assert!(page.contains(r#""g/3""#));
//! # Ok::<(), echodup::Error>(())
//! ```

mod chart;
mod data;
mod json;

use std::io::Write;
use std::path::Path;

use crate::atomic::AtomicWriter;
use crate::error::{Error, Result};
use crate::report::Report;

const PAGE: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The smallest [`max_bytes`](HtmlReport::max_bytes) accepted.
pub const MIN_MAX_BYTES: usize = 1_000_000;

/// How to render a [`Report`] as an HTML page: see the
/// [module docs](self) for what the page shows.
///
/// A value with chained setters, like [`Config`](crate::Config); the report
/// and the texts go to [`render`](HtmlReport::render) and
/// [`write`](HtmlReport::write).
#[derive(Clone, Debug, PartialEq)]
pub struct HtmlReport {
    title: String,
    source: Option<String>,
    keep_reason: Option<String>,
    max_bytes: usize,
    full_clusters: usize,
}

impl Default for HtmlReport {
    fn default() -> Self {
        HtmlReport {
            title: "echodup report".to_string(),
            source: None,
            keep_reason: None,
            max_bytes: 50_000_000,
            full_clusters: 100,
        }
    }
}

impl HtmlReport {
    /// The defaults: title "echodup report", at most 50 MB, the 100 largest
    /// clusters in full.
    pub fn new() -> Self {
        Self::default()
    }

    /// The page's title and heading. Defaults to "echodup report".
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Where the documents came from, shown under the title (file names).
    /// Defaults to nothing.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Why each cluster's kept document was kept, in words ("the earliest
    /// `date`"), when [`Report::keep_by`] chose it. Defaults to the run's
    /// [`KeepPolicy`](crate::KeepPolicy) in words.
    pub fn keep_reason(mut self, reason: impl Into<String>) -> Self {
        self.keep_reason = Some(reason.into());
        self
    }

    /// The largest page, in bytes. Defaults to 50,000,000; at least
    /// [`MIN_MAX_BYTES`]. Lists are cut (and the page says so) to stay
    /// within it.
    ///
    /// ```
    /// use echodup::{Config, Deduplicator, ErrorKind, HtmlReport};
    ///
    /// let docs = ["one article", "another article"];
    /// let report = Deduplicator::new(Config::new())?.run(&docs)?;
    /// let page = HtmlReport::new().max_bytes(2_000_000).render(&report, &docs)?;
    /// assert!(page.len() <= 2_000_000);
    /// let small = HtmlReport::new().max_bytes(1000).render(&report, &docs);
    /// assert_eq!(small.unwrap_err().kind(), ErrorKind::InvalidConfig);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// How many of the largest clusters are shown in full (texts, side by
    /// side). Defaults to 100.
    pub fn full_clusters(mut self, n: usize) -> Self {
        self.full_clusters = n;
        self
    }

    /// The largest page, in bytes.
    pub fn get_max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// How many clusters are shown in full.
    pub fn get_full_clusters(&self) -> usize {
        self.full_clusters
    }

    /// The page for `report` over `texts` (the documents of the run, in
    /// order), naming documents by their position in `texts`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) when
    /// [`max_bytes`](HtmlReport::max_bytes) is below [`MIN_MAX_BYTES`];
    /// [`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible) when the
    /// texts are not those of the report (another number of them, or a span
    /// of the report outside its text).
    pub fn render<D: AsRef<str>>(&self, report: &Report, texts: &[D]) -> Result<String> {
        self.render_page(report, texts, &|d| d.to_string())
    }

    /// [`render`](HtmlReport::render), naming documents by `ids` (one per
    /// text).
    ///
    /// # Errors
    ///
    /// As [`render`](HtmlReport::render), and
    /// [`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible) when
    /// `ids` and `texts` differ in length.
    pub fn render_with_ids<D: AsRef<str>, I: AsRef<str>>(
        &self,
        report: &Report,
        texts: &[D],
        ids: &[I],
    ) -> Result<String> {
        if ids.len() != texts.len() {
            return Err(Error::incompatible_values(format!(
                "{} ids were given for {} texts",
                ids.len(),
                texts.len()
            )));
        }
        self.render_page(report, texts, &|d| ids[d].as_ref().to_string())
    }

    /// Writes [`render`](HtmlReport::render)'s page to `path`, atomically:
    /// the file is replaced whole or, on an error, left as it was.
    ///
    /// # Errors
    ///
    /// As [`render`](HtmlReport::render), and
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming `path`.
    pub fn write<D: AsRef<str>>(
        &self,
        path: impl AsRef<Path>,
        report: &Report,
        texts: &[D],
    ) -> Result<()> {
        write_atomically(path.as_ref(), &self.render(report, texts)?)
    }

    /// Writes [`render_with_ids`](HtmlReport::render_with_ids)'s page to
    /// `path`, atomically.
    ///
    /// # Errors
    ///
    /// As [`render_with_ids`](HtmlReport::render_with_ids), and
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming `path`.
    pub fn write_with_ids<D: AsRef<str>, I: AsRef<str>>(
        &self,
        path: impl AsRef<Path>,
        report: &Report,
        texts: &[D],
        ids: &[I],
    ) -> Result<()> {
        write_atomically(path.as_ref(), &self.render_with_ids(report, texts, ids)?)
    }

    fn render_page<D: AsRef<str>>(
        &self,
        report: &Report,
        texts: &[D],
        id: &dyn Fn(usize) -> String,
    ) -> Result<String> {
        if self.max_bytes < MIN_MAX_BYTES {
            return Err(Error::invalid_config(
                "max_bytes",
                format!("({}) must be at least {MIN_MAX_BYTES}", self.max_bytes),
            ));
        }
        let charts = chart::charts(report);
        let title = escape_html(&self.title);
        // What the page holds besides the data; the rest of the budget is
        // the data's, less a margin for the ids the budget estimates.
        let frame = PAGE.len() + STYLE.len() + SCRIPT.len() + charts.len() + 2 * title.len();
        let budget = self.max_bytes.saturating_sub(frame + 64 * 1024);
        let data = data::build(self, report, texts, id, budget)?;
        let mut page = String::with_capacity(frame + data.len());
        // The template's markers, each once, in this order.
        let mut rest = PAGE;
        for (marker, value) in [
            ("{{TITLE}}", title.as_str()),
            ("{{STYLE}}", STYLE),
            ("{{TITLE}}", title.as_str()),
            ("{{CHARTS}}", charts.as_str()),
            ("{{DATA}}", data.as_str()),
            ("{{SCRIPT}}", SCRIPT),
        ] {
            let at = rest.find(marker).expect("the template holds every marker");
            page.push_str(&rest[..at]);
            page.push_str(value);
            rest = &rest[at + marker.len()..];
        }
        page.push_str(rest);
        Ok(page)
    }
}

fn write_atomically(path: &Path, page: &str) -> Result<()> {
    let mut w = AtomicWriter::create(path)?;
    w.write_all(page.as_bytes())
        .map_err(|e| Error::io("writing", path, e))?;
    w.commit()
}

/// `s` with `&`, `<`, `>`, `"` and `'` as character references, for text
/// and attribute values.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match json::shown(c) {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Deduplicator};

    fn sample() -> Vec<String> {
        let body =
            "High winds kept the ferry fleet in port on Monday, stranding hundreds of travellers.";
        let other =
            "The renovated town library opened its doors again on Saturday after a rebuild.";
        vec![
            format!("Storm closes harbour\n\n{body}\n\nWire copy ends here with a note."),
            format!("Library reopens\n\n{other}"),
            format!("Storm closes harbour\n\n{body}\n\nWire copy ends here with a note!"),
            format!("Doubled page\n\n{other}\n\n{body}\n\n{other}\n\n{body}"),
        ]
    }

    fn page(docs: &[String]) -> String {
        let report = Deduplicator::new(Config::new()).unwrap().run(docs).unwrap();
        HtmlReport::new().render(&report, docs).unwrap()
    }

    /// The data between the template's markers, parsed back.
    fn data(page: &str) -> serde_json::Value {
        let start = page.find(r#"id="echodup-data">"#).unwrap() + r#"id="echodup-data">"#.len();
        let end = start + page[start..].find("</script>").unwrap();
        serde_json::from_str(&page[start..end]).unwrap()
    }

    #[test]
    fn the_page_is_self_contained() {
        let p = page(&sample());
        assert!(p.starts_with("<!DOCTYPE html>"));
        for remote in ["http://", "https://", "src=\"//", "<link"] {
            assert!(!p.contains(remote), "{remote}");
        }
        assert_eq!(p.matches("<script").count(), 2, "the data and the script");
    }

    #[test]
    fn the_data_names_what_the_report_found() {
        let docs = sample();
        let p = page(&docs);
        let d = data(&p);
        assert_eq!(d["overview"]["documents"], 4);
        assert_eq!(d["overview"]["clusters"], 1);
        let clusters = d["clusters"].as_array().unwrap();
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0]["n"], 2);
        let details = &d["details"]["0"];
        // Kept member first, one explained pair with shared spans.
        assert_eq!(details["m"].as_array().unwrap().len(), 2);
        let x = &details["x"][0];
        assert!(!x["sa"].as_array().unwrap().is_empty());
        assert_eq!(d["blocks"].as_array().unwrap().len(), 1);
        assert!(!d["shared"].as_array().unwrap().is_empty());
        assert_eq!(d["omitted"]["clusters"], 0);
    }

    #[test]
    fn hostile_text_stays_inside_the_json() {
        let evil = "<script>document.body.dataset.pwned=1</script></script><!-- \u{0}\u{202e}";
        let docs = vec![format!("{evil}\n\nbody"), format!("{evil}\n\nbody")];
        let p = page(&docs);
        assert!(!p.contains("<script>document"));
        assert!(!p.contains('\u{0}'));
        let d = data(&p);
        let t = d["texts"]["0"]["t"].as_str().unwrap();
        assert!(t.starts_with("<script>document.body"), "{t}");
        assert!(t.contains('\u{2400}'));
    }

    #[test]
    fn texts_that_are_not_the_reports_are_an_error() {
        let docs = sample();
        let report = Deduplicator::new(Config::new())
            .unwrap()
            .run(&docs)
            .unwrap();
        let e = HtmlReport::new().render(&report, &docs[..2]).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Incompatible);
        let short: Vec<&str> = docs.iter().map(|d| &d[..3]).collect();
        let e = HtmlReport::new().render(&report, &short).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Incompatible);
        let e = HtmlReport::new()
            .render_with_ids(&report, &docs, &["a"])
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Incompatible);
    }

    #[test]
    fn the_page_stays_within_max_bytes() {
        // Many clusters with long texts: more than 1 MB of data to choose from.
        let docs: Vec<String> = (0..400)
            .map(|i| {
                let words: Vec<String> = (0..600).map(|w| format!("w{}x{}", i / 2, w)).collect();
                words.join(" ")
            })
            .collect();
        let report = Deduplicator::new(Config::new())
            .unwrap()
            .run(&docs)
            .unwrap();
        assert_eq!(report.clusters().len(), 200);
        let p = HtmlReport::new()
            .max_bytes(MIN_MAX_BYTES)
            .render(&report, &docs)
            .unwrap();
        assert!(p.len() <= MIN_MAX_BYTES, "{}", p.len());
        let d = data(&p);
        let listed = d["clusters"].as_array().unwrap().len() as u64;
        let omitted = d["omitted"]["clusters"].as_u64().unwrap();
        assert_eq!(listed + omitted, 200);
        assert!(d["omitted"]["details"].as_u64().unwrap() > 0);
    }

    #[test]
    fn the_title_is_escaped() {
        let docs = sample();
        let report = Deduplicator::new(Config::new())
            .unwrap()
            .run(&docs)
            .unwrap();
        let p = HtmlReport::new()
            .title("<b>\"x\"</b>")
            .render(&report, &docs)
            .unwrap();
        assert!(p.contains("&lt;b&gt;&quot;x&quot;&lt;/b&gt;"));
        assert!(!p.contains("<b>"));
    }

    #[test]
    fn write_replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.html");
        std::fs::write(&path, "old").unwrap();
        let docs = sample();
        let report = Deduplicator::new(Config::new())
            .unwrap()
            .run(&docs)
            .unwrap();
        HtmlReport::new()
            .write_with_ids(&path, &report, &docs, &["a", "b", "c", "d"])
            .unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.starts_with("<!DOCTYPE html>"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
