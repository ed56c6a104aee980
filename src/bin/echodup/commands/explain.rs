//! `echodup explain`: why two documents (or passages) match.

use std::io::{BufWriter, IsTerminal, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Args, ValueEnum};
use echodup::io::Corpus;
use echodup::{Deduplicator, DocumentBasis};
use serde_json::{Value, json};

use crate::args::Common;
use crate::output::number;

#[derive(Args, Debug)]
pub(crate) struct ExplainArgs {
    /// The corpus holding both documents.
    input: PathBuf,
    /// The first document's id; ID#N names its passage N (from 0).
    id_a: String,
    /// The second document's id, or ID#N for a passage.
    id_b: String,
    /// Highlight shared text with colour: auto (when standard output is a
    /// terminal), always or never. Without colour, shared text is put
    /// between [[ and ]].
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print the explanation as one JSON object instead.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub(crate) common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// A document, or one of its passages (`ID#N`).
struct Target<'c> {
    id: String,
    text: &'c str,
    /// Offset of `text` in its document.
    offset: usize,
    /// Whether it is a whole document (not `ID#N`).
    whole: bool,
}

fn target<'c>(
    corpus: &'c Corpus,
    input: &Path,
    dedup: &Deduplicator,
    name: &str,
) -> anyhow::Result<Target<'c>> {
    if let Some(d) = corpus.find(name) {
        return Ok(Target {
            id: name.to_string(),
            text: corpus.document(d).text(),
            offset: 0,
            whole: true,
        });
    }
    if let Some((doc, p)) = name.rsplit_once('#')
        && let (Some(d), Ok(p)) = (corpus.find(doc), p.parse::<usize>())
    {
        let text = corpus.document(d).text();
        let passages = dedup.analyzer().analyze(text).passages().to_vec();
        let Some(passage) = passages.get(p) else {
            bail!(
                "document \"{doc}\" has {} passages (0 to {}); there is no passage {p}",
                passages.len(),
                passages.len().saturating_sub(1)
            );
        };
        let span = passage.span();
        return Ok(Target {
            id: name.to_string(),
            text: &text[span.clone()],
            offset: span.start,
            whole: false,
        });
    }
    bail!("no document with id \"{name}\" in {}", input.display())
}

pub(crate) fn run(args: &ExplainArgs, dedup: &Deduplicator) -> anyhow::Result<()> {
    let corpus = Corpus::read(
        std::slice::from_ref(&args.input),
        &args.common.read.options(false),
    )?;
    let a = target(&corpus, &args.input, dedup, &args.id_a)?;
    let b = target(&corpus, &args.input, dedup, &args.id_b)?;
    let config = dedup.config();
    // What is boilerplate depends on the whole corpus: a run over it tells,
    // for two whole documents with passages on.
    let whole = a.offset == 0 && b.offset == 0 && a.whole && b.whole;
    let (left_a, left_b) = if whole && config.get_passages() {
        let texts: Vec<&str> = corpus.documents().iter().map(|d| d.text()).collect();
        let report = dedup.run(&texts)?;
        let of = |name: &str| {
            corpus
                .find(name)
                .map(|d| report.summary(d).boilerplate_passages.clone())
                .unwrap_or_default()
        };
        (of(&a.id), of(&b.id))
    } else {
        (Vec::new(), Vec::new())
    };
    let e = echodup::explain::explain_with_boilerplate(
        dedup.analyzer(),
        a.text,
        b.text,
        &left_a,
        &left_b,
    );
    let on_content = whole && config.get_document_basis() == DocumentBasis::Content;
    let deciding = if on_content {
        e.content_similarity
    } else {
        e.similarity
    };
    let score = deciding.score(config.get_measure());
    let mut stdout = BufWriter::new(crate::output::stdout()?);
    if args.json {
        let spans = |v: &[Range<usize>], off: usize| -> Vec<[usize; 2]> {
            v.iter().map(|r| [r.start + off, r.end + off]).collect()
        };
        let passages: Vec<Value> = e
            .passages
            .iter()
            .map(|p| json!({"a": p.a, "b": p.b, "jaccard": p.similarity.jaccard}))
            .collect();
        let v = json!({
            "a": a.id,
            "b": b.id,
            "jaccard": deciding.jaccard,
            "containment_ab": deciding.containment_ab,
            "containment_ba": deciding.containment_ba,
            "raw_jaccard": e.similarity.jaccard,
            "content_jaccard": e.content_similarity.jaccard,
            "boilerplate_a": e.boilerplate_a,
            "boilerplate_b": e.boilerplate_b,
            "duplicate": score >= config.get_threshold(),
            "shared_a": spans(&e.shared_a, a.offset),
            "shared_b": spans(&e.shared_b, b.offset),
            "passages": passages,
        });
        writeln!(stdout, "{v}")?;
        stdout.flush()?;
        return Ok(());
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal(),
    };
    let measure = config.get_measure();
    let w = &mut stdout;
    writeln!(w, "a: {} ({} bytes)", a.id, number(a.text.len()))?;
    writeln!(w, "b: {} ({} bytes)", b.id, number(b.text.len()))?;
    writeln!(
        w,
        "whole text: jaccard {:.4}; content (boilerplate left out): jaccard {:.4}",
        e.similarity.jaccard, e.content_similarity.jaccard,
    )?;
    if !e.boilerplate_a.is_empty() || !e.boilerplate_b.is_empty() {
        let list = |v: &[u32]| {
            v.iter()
                .map(|p| format!("#{p}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        writeln!(
            w,
            "boilerplate passages: a {}; b {}",
            list(&e.boilerplate_a),
            list(&e.boilerplate_b)
        )?;
    }
    writeln!(
        w,
        "{} jaccard {:.4}, containment of a in b {:.4}, of b in a {:.4}: {} at threshold {} ({measure})",
        if on_content {
            "decided on the content:"
        } else {
            "decided on the whole text:"
        },
        deciding.jaccard,
        deciding.containment_ab,
        deciding.containment_ba,
        if score >= config.get_threshold() {
            "duplicates"
        } else {
            "not duplicates"
        },
        config.get_threshold(),
    )?;
    let share = |n: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    writeln!(
        w,
        "shared text: {} of {} bytes of a ({:.1}%), {} of {} bytes of b ({:.1}%)",
        number(e.shared_bytes_a()),
        number(a.text.len()),
        share(e.shared_bytes_a(), a.text.len()),
        number(e.shared_bytes_b()),
        number(b.text.len()),
        share(e.shared_bytes_b(), b.text.len()),
    )?;
    if !e.passages.is_empty() {
        writeln!(w, "most similar passages (a -> b, jaccard):")?;
        for p in &e.passages {
            writeln!(w, "  #{} -> #{}  {:.4}", p.a, p.b, p.similarity.jaccard)?;
        }
    }
    for (name, t, spans) in [("a", &a, &e.shared_a), ("b", &b, &e.shared_b)] {
        writeln!(w, "=== {name}: {}", t.id)?;
        writeln!(w, "{}", highlight(t.text, spans, color))?;
    }
    w.flush()?;
    Ok(())
}

fn highlight(text: &str, spans: &[Range<usize>], color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[[", "]]")
    };
    let mut out = String::with_capacity(text.len() + spans.len() * 8);
    let mut at = 0;
    for r in spans {
        out.push_str(&text[at..r.start]);
        out.push_str(open);
        out.push_str(&text[r.clone()]);
        out.push_str(close);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::highlight;

    #[test]
    fn highlight_marks_spans() {
        assert_eq!(highlight("abcdef", &[1..3, 4..5], false), "a[[bc]]d[[e]]f");
    }
}
