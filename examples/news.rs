//! The crate's main job on a built-in set of sample articles.
//!
//! Runs [`Deduplicator`] with the default [`Config`] (word 5-shingles,
//! Jaccard 0.8, exact verification) over nine short fictional news articles
//! (`examples/sample/articles.rs`) and prints what it found:
//!
//! - articles that are near copies of each other (a syndicated copy with a
//!   few edited words and other quote, dash and space styles);
//! - blocks of paragraphs repeated inside one article (a body doubled by a
//!   scraper);
//! - paragraphs shared across articles (wire copy, boilerplate);
//! - how much of each article duplicates something earlier.
//!
//! Articles on the same subject written in their own words are not flagged.
//!
//! Run it with:
//!
//! ```text
//! cargo run --release --example news
//! ```

#[path = "sample/articles.rs"]
mod articles;

use std::collections::BTreeMap;

use articles::{ARTICLES, Article};
use echodup::{Config, Deduplicator, DocId, PassageCluster, Report};

fn main() -> Result<(), echodup::Error> {
    let texts: Vec<&str> = ARTICLES.iter().map(|a| a.text).collect();
    let config = Config::new();
    let report = Deduplicator::new(config.clone())?.run(&texts)?;

    println!(
        "echodup: {} sample articles, default config (word {}-shingles, Jaccard >= {})",
        ARTICLES.len(),
        config.get_shingling().size(),
        config.get_threshold()
    );
    println!("Passages are numbered from 0; passage 0 is the headline.");
    print_clusters(&report);
    print_repeated_blocks(&report);
    print_shared_passages(&report);
    print_summaries(&report);
    Ok(())
}

fn article(doc: DocId) -> &'static Article {
    &ARTICLES[doc.as_usize()]
}

fn print_clusters(report: &Report) {
    println!("\nNear-duplicate articles");
    if report.clusters().is_empty() {
        println!("  none");
    }
    for (i, cluster) in report.clusters().iter().enumerate() {
        println!(
            "  cluster {}, keep {}:",
            i + 1,
            article(cluster.representative()).id
        );
        for &doc in cluster.members() {
            let a = article(doc);
            println!("    {:<24} {}", a.id, a.title());
        }
        for pair in report
            .document_pairs()
            .filter(|p| report.clusters().cluster_of(p.a) == Some(i))
        {
            println!(
                "    {} ~ {}: Jaccard {:.2} on their content, {:.2} on the whole text",
                article(pair.a).id,
                article(pair.b).id,
                pair.content.jaccard,
                pair.raw.jaccard
            );
        }
    }
}

fn print_repeated_blocks(report: &Report) {
    println!("\nBlocks repeated inside one article");
    if report.repeated_blocks().is_empty() {
        println!("  none");
    }
    for block in report.repeated_blocks() {
        println!(
            "  {}: passages {} repeat passages {} ({} bytes)",
            article(block.doc).id,
            inclusive(&block.repeat),
            inclusive(&block.original),
            block.repeat_span.len()
        );
    }
}

fn print_shared_passages(report: &Report) {
    println!(
        "\nPassages shared across articles (boilerplate: repeated around articles that are\n\
         otherwise different; nine articles are too few for the rule to tell most of them)"
    );
    let shared: Vec<&PassageCluster> = report
        .passage_clusters()
        .iter()
        .filter(|c| c.is_cross_document())
        .collect();
    if shared.is_empty() {
        println!("  none");
    }
    for cluster in shared {
        let first = &cluster.members()[0];
        let text = &article(first.passage.doc).text[first.span.clone()];
        let label = if cluster.is_boilerplate() {
            "boilerplate"
        } else {
            "content    "
        };
        println!(
            "  {} articles  {label}  \"{}\"",
            cluster.num_documents(),
            excerpt(text, 64)
        );
        // Passage indices per article, in input order.
        let mut by_doc: BTreeMap<DocId, Vec<String>> = BTreeMap::new();
        for m in cluster.members() {
            by_doc
                .entry(m.passage.doc)
                .or_default()
                .push(m.passage.index.to_string());
        }
        let places: Vec<String> = by_doc
            .iter()
            .map(|(doc, idx)| format!("{} #{}", article(*doc).id, idx.join(",")))
            .collect();
        println!("                           {}", places.join(", "));
    }
}

fn print_summaries(report: &Report) {
    println!("\nDuplication per article");
    println!(
        "  {:<24} {:>8} {:>10} {:>6}  finding",
        "article", "passages", "duplicate", "bytes"
    );
    for s in report.summaries() {
        let repeated = report
            .repeats()
            .iter()
            .filter(|r| r.passage.doc == s.doc)
            .count();
        let copied = s.duplicate_passages.len() - repeated;
        let finding = match s.cluster {
            Some(c) if s.is_duplicate => format!(
                "near copy of {}: drop",
                article(report.clusters()[c].representative()).id
            ),
            Some(_) => "has near copies: keep".to_string(),
            None => {
                let mut parts = Vec::new();
                if repeated > 0 {
                    parts.push(format!("{repeated} repeated inside"));
                }
                if copied > 0 {
                    parts.push(format!("{copied} seen in earlier articles"));
                }
                if parts.is_empty() {
                    "-".to_string()
                } else {
                    parts.join(", ")
                }
            }
        };
        println!(
            "  {:<24} {:>8} {:>10} {:>5.0}%  {}",
            article(s.doc).id,
            s.passages.len(),
            s.duplicate_passages.len(),
            100.0 * s.duplicate_fraction(),
            finding
        );
    }
}

/// `1..5` as "1–4".
fn inclusive(r: &std::ops::Range<u32>) -> String {
    if r.len() == 1 {
        r.start.to_string()
    } else {
        format!("{}\u{2013}{}", r.start, r.end - 1)
    }
}

/// The first `max` characters of `text` on one line, with an ellipsis if cut.
fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}\u{2026}", flat[..cut].trim_end()),
        None => flat,
    }
}
