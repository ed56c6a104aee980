//! What the page shows, chosen from a [`Report`] within a byte budget and
//! written as the JSON the page's script reads (format in `docs/REPORT.md`).
//!
//! Every list is ordered the way an editor reads it (largest clusters, longest
//! repeated blocks, passages carried by the most documents first) and filled
//! until its share of the budget is spent; what does not fit is counted, not
//! dropped silently, and the page says how many rows it leaves out. Offsets
//! into texts are UTF-16 code units of the text as shipped (the page's
//! strings), never bytes.

use std::collections::HashMap;
use std::ops::Range;

use super::HtmlReport;
use super::json::{self, fraction, int, key};
use crate::analyze::Analyzer;
use crate::clean::{CleanOptions, CleaningPlan};
use crate::corpus::DocId;
use crate::error::{Error, Result};
use crate::explain::explain;
use crate::report::{PassageCluster, Report};
use crate::verify::Similarity;

/// Members listed by id in a cluster's row (the rest are counted).
const MEMBERS_LISTED: usize = 50;
/// Members of a cluster shown in full (text and side by side), the kept one
/// first; every pair among them is explained.
const MEMBERS_WITH_TEXT: usize = 6;
/// Bytes of a document's text shipped for the side by side.
const TEXT_BYTES: usize = 16 * 1024;
/// Bytes of a passage shown as an example of shared text.
const EXAMPLE_BYTES: usize = 600;
/// Documents named for a shared passage.
const EXAMPLE_DOCS: usize = 5;
/// Repeated blocks shown with their text (the rest are listed).
const BLOCKS_WITH_TEXT: usize = 200;
/// Shared passages shown with a second, differing copy.
const SHARED_WITH_VARIANT: usize = 500;

/// Builds the JSON of the page's data.
pub(crate) fn build<D: AsRef<str>>(
    options: &HtmlReport,
    report: &Report,
    texts: &[D],
    id: &dyn Fn(usize) -> String,
    budget: usize,
) -> Result<String> {
    let n = report.stats().documents;
    if texts.len() != n {
        return Err(Error::incompatible_values(format!(
            "the report is of {n} documents but {} texts were given",
            texts.len()
        )));
    }
    let analyzer = Analyzer::new(report.config())?;
    let b = Builder {
        report,
        texts,
        id,
        analyzer,
    };
    let mut refs = Refs::default();
    let mut out = String::with_capacity(1 << 16);
    out.push('{');
    key(&mut out, "meta", true);
    b.meta(&mut out, options);
    key(&mut out, "overview", false);
    b.overview(&mut out)?;
    key(&mut out, "settings", false);
    settings(&mut out, report);

    // Shares of the budget: rows of clusters, clusters in full, repeated
    // blocks, shared passages. A share left unused is not passed on, so the
    // bound holds whatever the corpus.
    let share = |percent: usize| budget / 100 * percent;
    let mut rows = Section::new(share(20));
    let mut full = Section::new(share(35));
    let mut blocks = Section::new(share(20));
    let mut shared = Section::new(share(25));

    let order = b.clusters_by_size();
    key(&mut out, "clusters", false);
    out.push('[');
    let mut first = true;
    for (rank, &c) in order.iter().enumerate() {
        let with_text = rank < options.full_clusters;
        let mark = refs.mark();
        let row = b.cluster_row(c, with_text, &mut refs)?;
        if rows.take(row.len() + refs.cost_since(mark)) {
            push_item(&mut out, &row, &mut first);
        } else {
            refs.rollback(mark);
        }
    }
    out.push(']');

    key(&mut out, "details", false);
    out.push('{');
    let mut first = true;
    let mut texts_out: Vec<(u32, String)> = Vec::new();
    for &c in order.iter().take(options.full_clusters) {
        let mark = refs.mark();
        let (detail, detail_texts) = b.cluster_detail(c, &mut refs)?;
        let cost = detail.len() + detail_texts.iter().map(|t| t.1.len()).sum::<usize>();
        if full.take(cost + refs.cost_since(mark)) {
            if !first {
                out.push(',');
            }
            first = false;
            key(&mut out, &c.to_string(), true);
            out.push_str(&detail);
            texts_out.extend(detail_texts);
        } else {
            refs.rollback(mark);
        }
    }
    out.push('}');

    key(&mut out, "blocks", false);
    out.push('[');
    let mut first = true;
    for (rank, block) in b.blocks_by_length().into_iter().enumerate() {
        let mark = refs.mark();
        let item = b.block(block, rank < BLOCKS_WITH_TEXT, &mut refs)?;
        if blocks.take(item.len() + refs.cost_since(mark)) {
            push_item(&mut out, &item, &mut first);
        } else {
            refs.rollback(mark);
        }
    }
    out.push(']');

    key(&mut out, "shared", false);
    out.push('[');
    let mut first = true;
    for (rank, cluster) in b.shared_by_documents().into_iter().enumerate() {
        let mark = refs.mark();
        let item = b.shared(cluster, rank < SHARED_WITH_VARIANT, &mut refs)?;
        if shared.take(item.len() + refs.cost_since(mark)) {
            push_item(&mut out, &item, &mut first);
        } else {
            refs.rollback(mark);
        }
    }
    out.push(']');

    key(&mut out, "texts", false);
    out.push('{');
    for (i, (r, t)) in texts_out.iter().enumerate() {
        key(&mut out, &r.to_string(), i == 0);
        out.push_str(t);
    }
    out.push('}');

    key(&mut out, "omitted", false);
    out.push('{');
    key(&mut out, "clusters", true);
    int(&mut out, rows.omitted as u64);
    key(&mut out, "details", false);
    int(&mut out, full.omitted as u64);
    key(&mut out, "blocks", false);
    int(&mut out, blocks.omitted as u64);
    key(&mut out, "shared", false);
    int(&mut out, shared.omitted as u64);
    out.push('}');

    // The documents named anywhere: their ids and input positions.
    key(&mut out, "ids", false);
    out.push('[');
    for (i, &d) in refs.docs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::string(&mut out, &(b.id)(d as usize));
    }
    out.push(']');
    key(&mut out, "positions", false);
    out.push('[');
    for (i, &d) in refs.docs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        int(&mut out, d);
    }
    out.push_str("]}");
    Ok(out)
}

fn push_item(out: &mut String, item: &str, first: &mut bool) {
    if !*first {
        out.push(',');
    }
    *first = false;
    out.push_str(item);
}

/// A share of the byte budget.
struct Section {
    left: usize,
    omitted: usize,
}

impl Section {
    fn new(budget: usize) -> Self {
        Section {
            left: budget,
            omitted: 0,
        }
    }

    /// Whether `bytes` more fit; once one item does not, no later one is
    /// taken either, so a list is always a prefix of its order.
    fn take(&mut self, bytes: usize) -> bool {
        if self.omitted == 0 && bytes <= self.left {
            self.left -= bytes;
            true
        } else {
            self.omitted += 1;
            false
        }
    }
}

/// The documents the page names, numbered in order of first mention: the
/// page refers to a document by this number, and ships its id once.
#[derive(Default)]
struct Refs {
    of: HashMap<u32, u32>,
    docs: Vec<u32>,
    /// Bytes of the ids of `docs`, cumulated.
    cost: Vec<usize>,
}

impl Refs {
    fn get(&mut self, doc: DocId, id: &dyn Fn(usize) -> String) -> u32 {
        let next = self.docs.len() as u32;
        let r = *self.of.entry(doc.as_u32()).or_insert(next);
        if r == next {
            let before = self.cost.last().copied().unwrap_or(0);
            // The id as JSON, its position (at most 10 digits) and two commas.
            let mut json = String::new();
            json::string(&mut json, &id(doc.as_usize()));
            self.cost.push(before + json.len() + 12);
            self.docs.push(doc.as_u32());
        }
        r
    }

    fn mark(&self) -> usize {
        self.docs.len()
    }

    fn cost_since(&self, mark: usize) -> usize {
        let at = |i: usize| if i == 0 { 0 } else { self.cost[i - 1] };
        at(self.docs.len()) - at(mark)
    }

    fn rollback(&mut self, mark: usize) {
        for d in self.docs.drain(mark..) {
            self.of.remove(&d);
        }
        self.cost.truncate(mark);
    }
}

struct Builder<'a, D> {
    report: &'a Report,
    texts: &'a [D],
    id: &'a dyn Fn(usize) -> String,
    analyzer: Analyzer,
}

impl<D: AsRef<str>> Builder<'_, D> {
    fn text(&self, doc: DocId) -> &str {
        self.texts[doc.as_usize()].as_ref()
    }

    /// `span` of `doc`'s text, or an error when the texts are not the
    /// report's.
    fn slice(&self, doc: DocId, span: &Range<usize>) -> Result<&str> {
        self.text(doc).get(span.clone()).ok_or_else(|| {
            Error::incompatible_values(format!(
                "document {doc} has no text at bytes {}..{}: the texts are not those of the report",
                span.start, span.end
            ))
        })
    }

    fn meta(&self, out: &mut String, options: &HtmlReport) {
        out.push('{');
        key(out, "title", true);
        json::string(out, &options.title);
        key(out, "source", false);
        json::string(out, options.source.as_deref().unwrap_or(""));
        key(out, "version", false);
        json::string(out, env!("CARGO_PKG_VERSION"));
        key(out, "keep", false);
        let why = match &options.keep_reason {
            Some(r) => r.clone(),
            None => match self.report.config().get_keep() {
                crate::KeepPolicy::Longest => {
                    "the longest copy (ties: the earliest in input order)".to_string()
                }
                _ => "the first copy in input order".to_string(),
            },
        };
        json::string(out, &why);
        key(out, "full", false);
        int(out, options.full_clusters as u64);
        key(out, "membersListed", false);
        int(out, MEMBERS_LISTED as u64);
        key(out, "membersWithText", false);
        int(out, MEMBERS_WITH_TEXT as u64);
        key(out, "textBytes", false);
        int(out, TEXT_BYTES as u64);
        key(out, "maxBytes", false);
        int(out, options.max_bytes as u64);
        out.push('}');
    }

    fn overview(&self, out: &mut String) -> Result<()> {
        let r = self.report;
        let s = r.stats();
        let plan = CleaningPlan::new(r, CleanOptions::new().strip_passages(true))?;
        let (mut repeat_bytes, mut cross_bytes) = (0usize, 0usize);
        for d in plan.documents() {
            for p in d.stripped() {
                if p.is_repeat() {
                    repeat_bytes += p.span.len();
                } else {
                    cross_bytes += p.span.len();
                }
            }
        }
        let bytes: usize = self.texts.iter().map(|t| t.as_ref().len()).sum();
        let cross = r
            .passage_clusters()
            .iter()
            .filter(|c| c.is_cross_document())
            .count();
        let fields: [(&str, usize); 15] = [
            ("documents", s.documents),
            ("bytes", bytes),
            ("emptyDocuments", s.empty_documents),
            ("passages", s.passages),
            ("comparedPassages", s.compared_passages),
            ("clusters", s.document_clusters),
            ("duplicateDocuments", s.duplicate_documents),
            ("documentPairs", s.document_pairs),
            ("passageClusters", s.passage_clusters),
            ("sharedPassages", cross),
            ("repeats", s.repeats),
            ("repeatedBlocks", r.repeated_blocks().len()),
            ("droppedBytes", plan.dropped_bytes()),
            ("repeatBytes", repeat_bytes),
            ("sharedBytes", cross_bytes),
        ];
        out.push('{');
        for (i, (name, value)) in fields.iter().enumerate() {
            key(out, name, i == 0);
            int(out, *value as u64);
        }
        key(out, "cappedBuckets", false);
        int(out, s.capped_buckets);
        key(out, "passagesCompared", false);
        out.push_str(if r.config().get_passages() {
            "true"
        } else {
            "false"
        });
        out.push('}');
        Ok(())
    }

    /// Clusters (positions in [`Report::clusters`]), largest first, then by
    /// first member.
    fn clusters_by_size(&self) -> Vec<usize> {
        let clusters = self.report.clusters().as_slice();
        let mut order: Vec<usize> = (0..clusters.len()).collect();
        order.sort_by_key(|&c| (std::cmp::Reverse(clusters[c].len()), c));
        order
    }

    /// The similarity of `m` to the kept document `kept`, if they are a
    /// verified pair (members joined through others are not).
    fn to_kept(&self, kept: DocId, m: DocId) -> Option<Similarity> {
        if m == kept {
            Some(Similarity::IDENTICAL)
        } else {
            self.report.pair_similarity(kept, m)
        }
    }

    /// One row of the cluster list: its number, size, kept member, members
    /// by id (at most `MEMBERS_LISTED`), the lowest and highest similarity
    /// of a listed member to the kept one.
    fn cluster_row(&self, c: usize, with_text: bool, refs: &mut Refs) -> Result<String> {
        let cluster = &self.report.clusters()[c];
        let kept = cluster.representative();
        let mut out = String::with_capacity(128);
        out.push('{');
        key(&mut out, "c", true);
        int(&mut out, c as u64);
        key(&mut out, "n", false);
        int(&mut out, cluster.len() as u64);
        key(&mut out, "k", false);
        int(&mut out, refs.get(kept, self.id));
        // The kept member first, then the others in input order.
        let listed: Vec<DocId> = std::iter::once(kept)
            .chain(cluster.duplicates())
            .take(MEMBERS_LISTED)
            .collect();
        key(&mut out, "m", false);
        out.push('[');
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut chained = 0;
        let mut sims = String::from("[");
        for (i, &m) in listed.iter().enumerate() {
            if i > 0 {
                out.push(',');
                sims.push(',');
            }
            int(&mut out, refs.get(m, self.id));
            match self.to_kept(kept, m) {
                Some(s) => {
                    fraction(&mut sims, s.jaccard);
                    if m != kept {
                        lo = lo.min(s.jaccard);
                        hi = hi.max(s.jaccard);
                    }
                }
                None => {
                    sims.push_str("null");
                    chained += 1;
                }
            }
        }
        out.push(']');
        // Each listed member's Jaccard to the kept one (null: joined
        // through other members).
        sims.push(']');
        key(&mut out, "s", false);
        out.push_str(&sims);
        if lo.is_finite() {
            key(&mut out, "lo", false);
            fraction(&mut out, lo);
            key(&mut out, "hi", false);
            fraction(&mut out, hi);
        }
        if chained > 0 {
            key(&mut out, "chained", false);
            int(&mut out, chained as u64);
        }
        let bytes: usize = cluster.duplicates().map(|d| self.text(d).len()).sum();
        key(&mut out, "bytes", false);
        int(&mut out, bytes as u64);
        if with_text {
            key(&mut out, "full", false);
            out.push_str("true");
        }
        out.push('}');
        Ok(out)
    }

    /// A cluster in full: up to `MEMBERS_WITH_TEXT` members with their
    /// similarity to the kept one, every pair among them explained (the
    /// [`explain`] of the library, shared spans and aligned passages), and
    /// their texts.
    fn cluster_detail(&self, c: usize, refs: &mut Refs) -> Result<(String, Vec<(u32, String)>)> {
        let cluster = &self.report.clusters()[c];
        let kept = cluster.representative();
        let shown: Vec<DocId> = std::iter::once(kept)
            .chain(cluster.duplicates())
            .take(MEMBERS_WITH_TEXT)
            .collect();
        let mut texts = Vec::new();
        let mut tables = Vec::new();
        let mut out = String::new();
        out.push('{');
        key(&mut out, "m", true);
        out.push('[');
        for (i, &m) in shown.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let r = refs.get(m, self.id);
            out.push('{');
            key(&mut out, "r", true);
            int(&mut out, r);
            if let Some(s) = self.to_kept(kept, m) {
                key(&mut out, "s", false);
                similarity(&mut out, &s);
            }
            out.push('}');
            let (json, table) = self.text_json(m)?;
            texts.push((r, json));
            tables.push(table);
        }
        out.push(']');
        key(&mut out, "x", false);
        out.push('[');
        let mut first = true;
        for i in 0..shown.len() {
            for j in i + 1..shown.len() {
                let (a, b) = (shown[i], shown[j]);
                let e = explain(&self.analyzer, self.text(a), self.text(b));
                if !first {
                    out.push(',');
                }
                first = false;
                out.push('{');
                key(&mut out, "a", true);
                int(&mut out, i as u64);
                key(&mut out, "b", false);
                int(&mut out, j as u64);
                key(&mut out, "s", false);
                similarity(&mut out, &e.similarity);
                key(&mut out, "sa", false);
                spans(&mut out, &e.shared_a, &tables[i]);
                key(&mut out, "sb", false);
                spans(&mut out, &e.shared_b, &tables[j]);
                key(&mut out, "pp", false);
                out.push('[');
                for (k, p) in e.passages.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    int(&mut out, p.a);
                    out.push(',');
                    int(&mut out, p.b);
                    out.push(',');
                    fraction(&mut out, p.similarity.jaccard);
                    out.push(']');
                }
                out.push_str("]}");
            }
        }
        out.push_str("]}");
        Ok((out, texts))
    }

    /// A document's text (its first `TEXT_BYTES`) and its passages' spans,
    /// with the table that turns byte offsets into the shipped text's UTF-16
    /// offsets.
    fn text_json(&self, doc: DocId) -> Result<(String, Utf16)> {
        let text = self.text(doc);
        let shown = floor(text, TEXT_BYTES);
        let table = Utf16::new(shown);
        let summary = self.report.summary(doc);
        let mut out = String::with_capacity(shown.len() + 64);
        out.push('{');
        key(&mut out, "t", true);
        json::string(&mut out, shown);
        key(&mut out, "p", false);
        for p in &summary.passages {
            self.slice(doc, p)?;
        }
        spans(&mut out, &summary.passages, &table);
        if shown.len() < text.len() {
            key(&mut out, "more", false);
            int(&mut out, (text.len() - shown.len()) as u64);
        }
        out.push('}');
        Ok((out, table))
    }

    /// Repeated blocks, most repeated bytes first, then in report order.
    fn blocks_by_length(&self) -> Vec<&crate::RepeatedBlock> {
        let mut v: Vec<(usize, &crate::RepeatedBlock)> =
            self.report.repeated_blocks().iter().enumerate().collect();
        v.sort_by_key(|(i, b)| (std::cmp::Reverse(b.repeat_span.len()), *i));
        v.into_iter().map(|(_, b)| b).collect()
    }

    /// A repeated block: its document, both runs of passages, repeated
    /// bytes, the lowest similarity of a repeat to its original, and, for the
    /// first ones, the text of both copies as pieces marked `o` (the earlier
    /// copy) and `r` (the repeat).
    fn block(&self, b: &crate::RepeatedBlock, with_text: bool, refs: &mut Refs) -> Result<String> {
        let repeats = self.report.repeats();
        let mut lo = 1.0f64;
        for index in b.repeat.clone() {
            let at = repeats.partition_point(|r| (r.passage.doc, r.passage.index) < (b.doc, index));
            if let Some(r) = repeats.get(at)
                && r.passage.doc == b.doc
                && r.passage.index == index
            {
                lo = lo.min(r.similarity.jaccard);
            }
        }
        let mut out = String::with_capacity(128);
        out.push('{');
        key(&mut out, "r", true);
        int(&mut out, refs.get(b.doc, self.id));
        key(&mut out, "o", false);
        pair(&mut out, b.original.start as u64, b.original.end as u64);
        key(&mut out, "p", false);
        pair(&mut out, b.repeat.start as u64, b.repeat.end as u64);
        key(&mut out, "bytes", false);
        int(&mut out, b.repeat_span.len() as u64);
        key(&mut out, "s", false);
        fraction(&mut out, lo);
        if with_text {
            let text = self.text(b.doc);
            self.slice(b.doc, &b.original_span)?;
            self.slice(b.doc, &b.repeat_span)?;
            let mut pieces: Vec<(&str, &str)> = Vec::new();
            let whole = b.original_span.start..b.repeat_span.end;
            if whole.len() <= TEXT_BYTES && b.original_span.end <= b.repeat_span.start {
                pieces.push((&text[b.original_span.clone()], "o"));
                pieces.push((&text[b.original_span.end..b.repeat_span.start], ""));
                pieces.push((&text[b.repeat_span.clone()], "r"));
            } else {
                let half = TEXT_BYTES / 2;
                let o = &text[b.original_span.clone()];
                let r = &text[b.repeat_span.clone()];
                pieces.push((floor(o, half), "o"));
                pieces.push(("", "gap"));
                pieces.push((floor(r, half), "r"));
            }
            key(&mut out, "e", false);
            out.push('[');
            for (i, (t, class)) in pieces.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                json::string(&mut out, t);
                out.push(',');
                json::string(&mut out, class);
                out.push(']');
            }
            out.push(']');
        }
        out.push('}');
        Ok(out)
    }

    /// Cross-document passage clusters, carried by the most documents
    /// first, then the most copies, then report order.
    fn shared_by_documents(&self) -> Vec<&PassageCluster> {
        let mut v: Vec<(usize, &PassageCluster)> = self
            .report
            .passage_clusters()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_cross_document())
            .collect();
        v.sort_by_key(|(i, c)| {
            (
                std::cmp::Reverse(c.num_documents()),
                std::cmp::Reverse(c.len()),
                *i,
            )
        });
        v.into_iter().map(|(_, c)| c).collect()
    }

    /// A shared passage: how many documents and copies carry it, the first
    /// copy's text, the least similar copy's text (for the first ones, when
    /// it differs), and the first documents that carry it.
    fn shared(&self, c: &PassageCluster, with_variant: bool, refs: &mut Refs) -> Result<String> {
        let members = c.members();
        let first = &members[0];
        let mut out = String::with_capacity(EXAMPLE_BYTES + 128);
        out.push('{');
        key(&mut out, "nd", true);
        int(&mut out, c.num_documents() as u64);
        key(&mut out, "n", false);
        int(&mut out, c.len() as u64);
        key(&mut out, "bp", false);
        int(&mut out, u64::from(c.is_boilerplate()));
        let least = members[1..]
            .iter()
            .min_by(|a, b| a.similarity.jaccard.total_cmp(&b.similarity.jaccard));
        let lo = least.map_or(1.0, |m| m.similarity.jaccard);
        key(&mut out, "lo", false);
        fraction(&mut out, lo);
        key(&mut out, "t", false);
        let text = self.slice(first.passage.doc, &first.span)?;
        json::string(&mut out, floor(text, EXAMPLE_BYTES));
        key(&mut out, "more", false);
        int(&mut out, text.len().saturating_sub(EXAMPLE_BYTES) as u64);
        if with_variant
            && let Some(m) = least
            && lo < 1.0
        {
            key(&mut out, "v", false);
            let variant = self.slice(m.passage.doc, &m.span)?;
            json::string(&mut out, floor(variant, EXAMPLE_BYTES));
            key(&mut out, "vr", false);
            int(&mut out, refs.get(m.passage.doc, self.id));
        }
        key(&mut out, "d", false);
        out.push('[');
        let mut named = 0;
        let mut last = None;
        for m in members {
            if named == EXAMPLE_DOCS {
                break;
            }
            if last == Some(m.passage.doc) {
                continue;
            }
            if named > 0 {
                out.push(',');
            }
            out.push('[');
            int(&mut out, refs.get(m.passage.doc, self.id));
            out.push(',');
            int(&mut out, m.passage.index);
            out.push(']');
            last = Some(m.passage.doc);
            named += 1;
        }
        out.push_str("]}");
        Ok(out)
    }
}

/// The settings of the run, as `[name, value]` pairs in their text forms.
fn settings(out: &mut String, report: &Report) {
    let c = report.config();
    let banding = |b: Result<crate::Banding>| match b {
        Ok(b) => format!("{} bands × {} rows", b.bands(), b.rows()),
        Err(_) => "invalid".to_string(),
    };
    let passage_threshold = c.get_passage_threshold().to_string();
    let rows: Vec<(&str, String)> = vec![
        ("shingling", c.get_shingling().to_string()),
        ("segmentation", c.get_segmentation().to_string()),
        ("threshold", c.get_threshold().to_string()),
        ("measure", c.get_measure().to_string()),
        ("verification", c.get_verification().to_string()),
        ("passages compared", c.get_passages().to_string()),
        ("passage threshold", passage_threshold),
        ("min passage tokens", c.get_min_passage_tokens().to_string()),
        ("num_perm", c.get_num_perm().to_string()),
        ("banding", banding(c.get_banding())),
        ("passage banding", banding(c.get_passage_banding())),
        ("seed", c.get_seed().to_string()),
        ("max bucket", c.get_max_bucket().to_string()),
        ("keep", c.get_keep().to_string()),
        ("normalizer", format!("{:?}", c.get_normalizer())),
    ];
    out.push('[');
    for (i, (name, value)) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        json::string(out, name);
        out.push(',');
        json::string(out, value);
        out.push(']');
    }
    out.push(']');
}

fn similarity(out: &mut String, s: &Similarity) {
    out.push('[');
    fraction(out, s.jaccard);
    out.push(',');
    fraction(out, s.containment_ab);
    out.push(',');
    fraction(out, s.containment_ba);
    out.push(']');
}

fn pair(out: &mut String, a: u64, b: u64) {
    out.push('[');
    int(out, a);
    out.push(',');
    int(out, b);
    out.push(']');
}

/// Byte spans as `[start, end]` UTF-16 offsets into the shipped text; spans
/// past its end are cut there or left out.
fn spans(out: &mut String, spans: &[Range<usize>], table: &Utf16) {
    out.push('[');
    let mut first = true;
    for r in spans {
        let (a, b) = (table.at(r.start), table.at(r.end));
        if a >= b {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        pair(out, a, b);
    }
    out.push(']');
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
pub(crate) fn floor(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Byte offset → UTF-16 offset in one text; offsets past its end map to its
/// end, offsets inside a character to that character's start.
struct Utf16 {
    /// For each byte offset `0..=len`.
    at: Vec<u32>,
}

impl Utf16 {
    fn new(text: &str) -> Self {
        let mut at = Vec::with_capacity(text.len() + 1);
        let mut units = 0u32;
        for c in text.chars() {
            at.extend(std::iter::repeat_n(units, c.len_utf8()));
            units += c.len_utf16() as u32;
        }
        at.push(units);
        Utf16 { at }
    }

    fn at(&self, byte: usize) -> u64 {
        let last = self.at.len() - 1;
        u64::from(self.at[byte.min(last)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_count_code_units() {
        let t = Utf16::new("aé😀b");
        // a: 1 byte, é: 2 bytes, 😀: 4 bytes (2 units), b.
        assert_eq!(t.at(0), 0);
        assert_eq!(t.at(1), 1);
        assert_eq!(t.at(3), 2);
        assert_eq!(t.at(7), 4);
        assert_eq!(t.at(8), 5);
        assert_eq!(t.at(100), 5);
    }

    #[test]
    fn floor_ends_on_a_character() {
        assert_eq!(floor("aé", 2), "a");
        assert_eq!(floor("aé", 3), "aé");
        assert_eq!(floor("", 0), "");
    }

    #[test]
    fn a_section_keeps_a_prefix() {
        let mut s = Section::new(10);
        assert!(s.take(6));
        assert!(!s.take(6));
        assert!(!s.take(1), "nothing after the first item left out");
        assert_eq!(s.omitted, 2);
    }

    #[test]
    fn refs_roll_back() {
        let id = |d: usize| format!("doc-{d}");
        let mut r = Refs::default();
        assert_eq!(r.get(DocId::new(7), &id), 0);
        let mark = r.mark();
        assert_eq!(r.get(DocId::new(9), &id), 1);
        assert_eq!(r.get(DocId::new(7), &id), 0);
        assert_eq!(r.cost_since(mark), "\"doc-9\"".len() + 12);
        r.rollback(mark);
        assert_eq!(r.get(DocId::new(3), &id), 1);
        assert_eq!(r.docs, [7, 3]);
    }
}
