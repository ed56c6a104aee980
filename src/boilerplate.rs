//! Stage 6b: which passage clusters are boilerplate, and the document
//! similarity that leaves them out.
//!
//! A scraped news page is site chrome (header lines, "More In Politics"
//! with other articles' headlines, newsletter prompts, a copyright line)
//! around the article. Two copies of one story on two sites share the
//! article and not the chrome; two stories on one site share the chrome and
//! not the article. Compared on their whole text, the first pair can fall
//! under the threshold and, where stories are short, the second can rise
//! above it. Compared on their **content**, the text that is not
//! boilerplate, each pair gets the answer a reader would give.
//!
//! # The rule
//!
//! A passage cluster (identical and near-duplicate passages, stage 6) is a
//! *candidate* when it spans at least
//! [`Config::boilerplate_min_documents`](crate::Config::boilerplate_min_documents)
//! documents. Candidates are decided one at a time, those spanning the most
//! documents first, so that a site's chrome is settled before the stories
//! it surrounds. For a candidate `P` carried by documents `D`:
//!
//! 1. Its *block* is `P` and every passage cluster not yet found to be
//!    boilerplate that occurs in more than half of `D` (with `D` sampled
//!    evenly down to 16 documents): the text that travels with `P`. For a
//!    chrome line that is the rest of the site's chrome; for a paragraph of a
//!    wire story it is the rest of the story.
//! 2. In each document of the sample, the block's share of the text that is
//!    not yet boilerplate (in shingles) is measured.
//! 3. `P` is boilerplate when the block is less than half of that text in a
//!    majority of the sampled documents: the documents that share it are
//!    otherwise different. A wire story's paragraphs are most of every copy
//!    once the sites' chrome is gone, so they stay content however many
//!    copies there are; chrome is a minority of most pages of a site, short
//!    pages included, because most of the site's pages are not short.
//!
//! This is the observation of SpotSigs (Theobald, Siddharth and Paepcke,
//! SIGIR 2008) that the text surrounding a news article is what makes copies
//! look different and different articles look alike; SpotSigs keeps
//! stopword-anchored chains as a proxy for running prose. Here the corpus
//! itself says what is repeated around otherwise different texts, which
//! also removes chrome written as prose (newsletter prompts) and keeps a
//! story's headline-like lines when they travel with it.
//!
//! Two guards apply per document and per pair:
//!
//! - A document whose boilerplate would be more than 90% of it keeps all of
//!   its text: it *is* the text others repeat (the post that replies
//!   quote, a page of nothing but chrome), not text around a content of its
//!   own.
//! - A pair decided on content must share at least 8 shingles of content
//!   (about a sentence): two documents that are boilerplate but for an
//!   address or a date do not match on those few words.
//!
//! Limits, stated: a site whose every page is shorter than its chrome keeps
//! its chrome (nothing in the corpus tells it from a story syndicated to
//! every page of the site), and a forum reply that quotes a post quoted by
//! other replies is compared without the quote.

use std::collections::HashMap;

use rayon::prelude::*;

/// What a document pair's similarity is computed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DocumentBasis {
    /// The text that is not boilerplate (see the [module](self) docs):
    /// copies of one story on different sites match whatever chrome each
    /// site adds, and pages that share only chrome never match. Needs
    /// passages ([`Config::passages`](crate::Config::passages)); without
    /// them nothing is boilerplate and content equals the whole text.
    #[default]
    Content,
    /// The whole text, chrome included: what earlier releases compared, and
    /// what MinHash deduplicators usually compare.
    Raw,
}

crate::text::text_form!(DocumentBasis, "document basis", {
    DocumentBasis::Content => "content",
    DocumentBasis::Raw => "raw",
});

/// The largest share of a document's shingles that may be left out as
/// boilerplate: a document whose boilerplate is more than this is the text
/// others repeat (a post that replies quote, a page that is nothing but
/// chrome) and keeps all of it.
pub(crate) const MAX_SHARE: f64 = 0.9;

/// The fewest shingles two contents must share for a pair decided on the
/// content: two documents that are all boilerplate but for a few words
/// (an address, a date) do not match on those few words. About a sentence
/// of 12 words with word 5-shingles.
pub(crate) const MIN_SHARED_CONTENT: usize = 8;

/// Sampled documents per candidate cluster.
const SAMPLE: usize = 16;

/// One document's passages as the classification sees them: for each
/// passage in a cross-document cluster, the cluster and the passage's size in
/// shingles; and the document's total size in shingles.
#[derive(Debug, Default, Clone)]
pub(crate) struct DocPassages {
    /// `(cluster, shingles)` of the passages that are in some cluster.
    pub(crate) clustered: Vec<(u32, u32)>,
    /// Shingles of every passage of the document, clustered or not.
    pub(crate) total: u64,
}

/// Decides which clusters are boilerplate. `docs[d]` lists document `d`'s
/// clustered passages; `cluster_docs[c]` the distinct documents of cluster
/// `c`, ascending. Returns one flag per cluster. Deterministic: the order of
/// decisions is (documents spanned, descending; cluster number), and clusters
/// spanning the same number of documents are decided together against the
/// same state, in parallel.
pub(crate) fn classify(
    docs: &[DocPassages],
    cluster_docs: &[Vec<u32>],
    min_documents: usize,
) -> Vec<bool> {
    let mut boilerplate = vec![false; cluster_docs.len()];
    let mut candidates: Vec<u32> = (0..cluster_docs.len() as u32)
        .filter(|&c| cluster_docs[c as usize].len() >= min_documents.max(2))
        .collect();
    candidates.sort_unstable_by_key(|&c| (std::cmp::Reverse(cluster_docs[c as usize].len()), c));
    // What is left of each document once boilerplate is taken out.
    let mut remaining: Vec<u64> = docs.iter().map(|d| d.total).collect();
    let mut start = 0;
    while start < candidates.len() {
        let n = cluster_docs[candidates[start] as usize].len();
        let mut end = start + 1;
        while end < candidates.len() && cluster_docs[candidates[end] as usize].len() == n {
            end += 1;
        }
        let level = &candidates[start..end];
        let decided: Vec<bool> = level
            .par_iter()
            .map(|&c| is_boilerplate(c, docs, &cluster_docs[c as usize], &boilerplate, &remaining))
            .collect();
        for (&c, &b) in level.iter().zip(&decided) {
            if b {
                boilerplate[c as usize] = true;
                for &d in &cluster_docs[c as usize] {
                    let size: u64 = docs[d as usize]
                        .clustered
                        .iter()
                        .filter(|&&(k, _)| k == c)
                        .map(|&(_, s)| u64::from(s))
                        .sum();
                    remaining[d as usize] = remaining[d as usize].saturating_sub(size);
                }
            }
        }
        start = end;
    }
    boilerplate
}

/// Step 1–3 of the rule for cluster `c`, carried by `members`.
fn is_boilerplate(
    c: u32,
    docs: &[DocPassages],
    members: &[u32],
    boilerplate: &[bool],
    remaining: &[u64],
) -> bool {
    let sample: Vec<u32> = if members.len() <= SAMPLE {
        members.to_vec()
    } else {
        (0..SAMPLE)
            .map(|i| members[i * members.len() / SAMPLE])
            .collect()
    };
    // In how many sampled documents each live cluster occurs.
    let mut occurs: HashMap<u32, u32> = HashMap::new();
    for &d in &sample {
        let mut seen: Vec<u32> = docs[d as usize]
            .clustered
            .iter()
            .map(|&(k, _)| k)
            .filter(|&k| !boilerplate[k as usize])
            .collect();
        seen.sort_unstable();
        seen.dedup();
        for k in seen {
            *occurs.entry(k).or_insert(0) += 1;
        }
    }
    let in_block = |k: u32| k == c || occurs.get(&k).is_some_and(|&n| 2 * n > sample.len() as u32);
    let minority = sample
        .iter()
        .filter(|&&d| {
            let block: u64 = docs[d as usize]
                .clustered
                .iter()
                .filter(|&&(k, _)| !boilerplate[k as usize] && in_block(k))
                .map(|&(_, s)| u64::from(s))
                .sum();
            2 * block < remaining[d as usize]
        })
        .count();
    2 * minority > sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A corpus of `sites` sites with `pages` pages each; every page has
    /// `chrome` chrome passages of the site (size 5 each) and one story:
    /// either its own (unclustered, size `story`) or one of the syndicated
    /// stories, given as (story cluster, size) per page.
    fn corpus(
        sites: u32,
        pages: u32,
        chrome: u32,
        story: u64,
        syndicated: &[(u32, u32, u32, u32)],
    ) -> (Vec<DocPassages>, Vec<Vec<u32>>) {
        // Clusters 0..sites*chrome are chrome; then the stories.
        let num_chrome = sites * chrome;
        let max_story = syndicated.iter().map(|s| s.2 + 1).max().unwrap_or(0);
        let mut cluster_docs = vec![Vec::new(); (num_chrome + max_story) as usize];
        let mut docs = Vec::new();
        for s in 0..sites {
            for p in 0..pages {
                let d = docs.len() as u32;
                let mut dp = DocPassages::default();
                for k in 0..chrome {
                    let c = s * chrome + k;
                    dp.clustered.push((c, 5));
                    cluster_docs[c as usize].push(d);
                    dp.total += 5;
                }
                match syndicated.iter().find(|x| x.0 == s && x.1 == p) {
                    Some(&(_, _, st, size)) => {
                        let c = num_chrome + st;
                        dp.clustered.push((c, size));
                        cluster_docs[c as usize].push(d);
                        dp.total += u64::from(size);
                    }
                    None => dp.total += story,
                }
                docs.push(dp);
            }
        }
        (docs, cluster_docs)
    }

    #[test]
    fn chrome_is_boilerplate_and_a_story_on_every_site_is_not() {
        // 4 sites of 30 pages; story 0 on page 0 of every site.
        let synd: Vec<_> = (0..4).map(|s| (s, 0, 0, 200)).collect();
        let (docs, cd) = corpus(4, 30, 3, 200, &synd);
        let b = classify(&docs, &cd, 3);
        assert!(b[..12].iter().all(|&x| x), "chrome: {b:?}");
        assert!(!b[12], "the syndicated story is content");
    }

    #[test]
    fn short_stories_keep_their_content_when_most_pages_are_long() {
        // Chrome of 4 × 5 = 20 shingles; a brief of 15 shingles syndicated on
        // 3 sites; other pages carry 200-shingle stories.
        let synd: Vec<_> = (0..3).map(|s| (s, 1, 0, 15)).collect();
        let (docs, cd) = corpus(3, 20, 4, 200, &synd);
        let b = classify(&docs, &cd, 3);
        assert!(b[..12].iter().all(|&x| x));
        assert!(!b[12], "the brief is content once the chrome is gone");
    }

    #[test]
    fn clusters_below_the_minimum_are_never_boilerplate() {
        let (docs, cd) = corpus(1, 2, 2, 200, &[]);
        assert_eq!(classify(&docs, &cd, 3), vec![false, false]);
        // With a minimum of 2 the two pages' shared chrome is boilerplate.
        assert_eq!(classify(&docs, &cd, 2), vec![true, true]);
    }

    #[test]
    fn a_text_that_is_the_whole_of_its_documents_is_content() {
        // Three identical one-passage documents.
        let docs = vec![
            DocPassages {
                clustered: vec![(0, 50)],
                total: 50
            };
            3
        ];
        assert_eq!(classify(&docs, &[vec![0, 1, 2]], 3), vec![false]);
    }

    #[test]
    fn the_decision_does_not_depend_on_the_thread_count() {
        let synd: Vec<_> = (0..5).map(|s| (s, s, s % 2, 40)).collect();
        let (docs, cd) = corpus(5, 40, 6, 100, &synd);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| classify(&docs, &cd, 3));
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| classify(&docs, &cd, 3));
        assert_eq!(one, many);
    }
}
