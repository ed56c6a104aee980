//! Deterministic synthetic corpora with planted duplicates, for benchmarks,
//! tests and examples.

use crate::hash::SplitMix64;

/// `num_docs` news-like documents generated from `seed`.
///
/// Made-up words from a 3,000-word vocabulary in paragraphs of 20–70 words,
/// a headline, and planted duplicates: about 10% near copies of an earlier
/// document with 1–3 word edits, 10% with a doubled body, 10% ending with a
/// shared newsletter line, 10% sharing one paragraph with an earlier
/// document. The same arguments give the same corpus on every machine.
///
/// # Example
///
/// ```
/// let docs = echodup::synth::news_like(100, 7);
/// assert_eq!(docs.len(), 100);
/// assert_eq!(docs, echodup::synth::news_like(100, 7));
/// ```
pub fn news_like(num_docs: usize, seed: u64) -> Vec<String> {
    let mut rng = SplitMix64::new(seed);
    let mut next = move || rng.next_u64();
    let syllables = [
        "ka", "lo", "mi", "ren", "sa", "tor", "vel", "du", "pra", "ne", "qua", "sti",
    ];
    let vocab: Vec<String> = (0..3000)
        .map(|i| {
            let mut w = String::new();
            let mut x = i + 7;
            for _ in 0..(2 + i % 3) {
                w.push_str(syllables[x % syllables.len()]);
                x /= syllables.len();
                x += i;
            }
            w
        })
        .collect();
    let paragraph = |next: &mut dyn FnMut() -> u64| -> String {
        let len = 20 + (next() % 50) as usize;
        (0..len)
            .map(|_| vocab[(next() % vocab.len() as u64) as usize].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let boilerplate =
        "Sign up for our morning newsletter to get the day's top stories in your inbox.";
    let mut docs: Vec<String> = Vec::with_capacity(num_docs);
    for i in 0..num_docs {
        let kind = next() % 10;
        let doc = if i > 0 && kind == 0 {
            // Near copy of an earlier document with a few word edits.
            let src = docs[(next() % i as u64) as usize].clone();
            let mut words: Vec<String> = src.split(' ').map(str::to_string).collect();
            for _ in 0..(1 + next() % 3) {
                let at = (next() % words.len() as u64) as usize;
                if !words[at].contains('\n') {
                    words[at] = vocab[(next() % 3000) as usize].clone();
                }
            }
            words.join(" ")
        } else if kind == 1 {
            // A doubled body.
            let paras: Vec<String> = (0..3).map(|_| paragraph(&mut next)).collect();
            format!(
                "Headline {i}\n\n{}\n\n{}",
                paras.join("\n\n"),
                paras.join("\n\n")
            )
        } else {
            let n = 2 + (next() % 5) as usize;
            let mut paras: Vec<String> = (0..n).map(|_| paragraph(&mut next)).collect();
            if kind == 2 {
                paras.push(boilerplate.to_string());
            }
            if i > 0 && kind == 3 {
                // Shares one paragraph with an earlier document.
                let src = &docs[(next() % i as u64) as usize];
                if let Some(p) = src.split("\n\n").nth(1) {
                    paras.insert(1, p.to_string());
                }
            }
            format!("Headline {i}\n\n{}", paras.join("\n\n"))
        };
        docs.push(doc);
    }
    docs
}
