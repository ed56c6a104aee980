//! Writes the committed format fixture `tests/data/index-v1.edx`: an index of
//! the documents in `tests/data/index-v1.jsonl` (text written for this
//! project), built with the default configuration of version 0.1 (blank-line
//! segmentation; the default is `Auto` since).
//!
//! It was run once when format version 1 was released; tests read the file
//! and check that this build still opens it and answers the same. It is
//! never regenerated in place (the program refuses to overwrite): a new
//! format version gets a new file beside it. Since format version 2 this
//! writes a manifest and, after `optimize`, one segment file. In version 2
//! that segment was laid out as a version 1 file, equal to the committed
//! fixture byte for byte. Since version 3 the segment has layout 2; it was
//! committed once as `tests/data/index-v3.seg` (a segment file opens on its
//! own as a one-file index). Version 4's had layout 3, committed once as
//! `tests/data/index-v4.seg`. Since version 5 it has layout 4 (passage
//! copies recorded), committed once as `tests/data/index-v5.seg`; a test
//! checks that this build still writes that byte for byte from the
//! documents, and its sections but the copies from the version 1 fixture
//! and from version 3 and 4 indexes of `index-v3.seg` and `index-v4.seg`.
//!
//! ```text
//! cargo run --release --example index_fixture -- tests/data/index-v1.jsonl /tmp/fixture.edx
//! cp /tmp/fixture.edx.segments/*.seg tests/data/index-v3.seg   # once, for version 3
//! cp /tmp/fixture.edx.segments/*.seg tests/data/index-v4.seg   # once, for version 4
//! cp /tmp/fixture.edx.segments/*.seg tests/data/index-v5.seg   # once, for version 5
//! ```

use echodup::index::IndexFile;
use echodup::{Config, Segmentation};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: index_fixture INPUT.jsonl OUTPUT.edx".into());
    };
    let mut docs = Vec::new();
    for line in std::fs::read_to_string(input)?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let id = v["id"]
            .as_str()
            .ok_or("a record without an id")?
            .to_string();
        let text = v["text"]
            .as_str()
            .ok_or("a record without text")?
            .to_string();
        docs.push((id, text));
    }
    // Two batches, as a daily pipeline would add them.
    let config = Config::new().segmentation(Segmentation::BlankLines);
    let mut index = IndexFile::create(output, config)?;
    let half = docs.len() / 2;
    index.add_batch(docs[..half].iter().cloned())?;
    index.add_batch(docs[half..].iter().cloned())?;
    index.optimize()?;
    let info = index.info();
    println!(
        "{}: {} documents, {} passages, {} bytes, format version {} ({} segment in {}.segments/)",
        output,
        info.documents,
        info.passages,
        info.size,
        info.format_version,
        info.segments,
        output
    );
    Ok(())
}
