//! Test data shared by the index file's unit tests.

/// Documents of paragraphs drawn from a small pool, so that the same
/// passages (and whole documents) recur across many segments, some
/// edited by a word.
pub(super) fn texts(n: usize, seed: u64) -> Vec<String> {
    const WORDS: [&str; 24] = [
        "harbour", "ferry", "wind", "storm", "council", "vote", "market", "winter", "library",
        "garden", "choir", "prize", "bridge", "river", "school", "mayor", "train", "station",
        "budget", "museum", "festival", "road", "farm", "clinic",
    ];
    let mut random = xorshift(seed | 1);
    let mut next = move |m: usize| (random() % m as u64) as usize;
    let pool: Vec<String> = (0..30)
        .map(|_| {
            let len = 6 + next(10);
            (0..len)
                .map(|_| WORDS[next(WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for i in 0..n {
        if i > 0 && next(6) == 0 {
            // An exact copy of an earlier document.
            let j = next(i);
            out.push(out[j].clone());
            continue;
        }
        let paragraphs: Vec<String> = (0..1 + next(4))
            .map(|_| {
                let p = pool[next(pool.len())].clone();
                if next(4) == 0 {
                    format!("{p} {}", WORDS[next(WORDS.len())])
                } else {
                    p
                }
            })
            .collect();
        out.push(paragraphs.join("\n\n"));
    }
    out
}

/// A xorshift64 generator (Marsaglia 2003) from a nonzero `seed`: cheap,
/// reproducible numbers for tests.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
