//! The incremental path: check each day's scrape against everything seen before.
//!
//! Feeds the built-in sample articles (`examples/sample/articles.rs`) to a
//! [`DedupIndex`] one at a time, as a daily scraper would, and prints for each
//! new article whether it duplicates an earlier one as a whole and which of
//! its paragraphs were seen before (in earlier articles or earlier in itself).
//!
//! Run it with:
//!
//! ```text
//! cargo run --release --example daily_scrape
//! ```

#[path = "sample/articles.rs"]
mod articles;

use articles::ARTICLES;
use echodup::{Config, DedupIndex};

fn main() -> Result<(), echodup::Error> {
    let mut index = DedupIndex::new(Config::new())?;
    for article in ARTICLES {
        let verdict = index.add(article.text)?;
        let id = verdict.doc().expect("add assigns an id");
        print!("{:<24} #{id}: ", article.id);
        if let Some(&(earlier, sim)) = verdict.document_matches().first() {
            println!(
                "near copy of {} (Jaccard {:.2}): drop",
                ARTICLES[earlier.as_usize()].id,
                sim.jaccard
            );
            continue;
        }
        let seen: Vec<String> = verdict
            .passages()
            .iter()
            .filter_map(|p| {
                let (earlier, _) = p.duplicate_of?;
                Some(format!(
                    "{}←{}#{}",
                    p.index,
                    ARTICLES[earlier.doc.as_usize()].id,
                    earlier.index
                ))
            })
            .collect();
        if seen.is_empty() {
            println!("new");
        } else {
            println!(
                "new, but {:.0}% of its text was seen before: {}",
                100.0 * verdict.duplicate_fraction(),
                seen.join(", ")
            );
        }
    }
    println!(
        "\nindex: {} articles, {} passages",
        index.len(),
        index.num_passages()
    );
    Ok(())
}
