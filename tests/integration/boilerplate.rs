//! Boilerplate-aware document similarity (`DocumentBasis::Content`, the
//! default) on page-shaped corpora: copies of a story across sites are
//! found whatever chrome each site adds, pages that share only chrome never
//! pair, wire stories stay one cluster, and the raw basis still decides by
//! the whole text.

use std::collections::HashMap;

use echodup::Analyzer;
use echodup::clean::CleanOptions;
use echodup::explain::explain_with_boilerplate;
use echodup::synth::{PageConfig, PageGenerator};
use echodup::{Config, Deduplicator, DocId, DocumentBasis, Report};

/// Pages of `config`, their texts and a default run over them.
fn run(config: PageConfig, detection: Config) -> (PageGenerator, Vec<String>, Report) {
    let pages = PageGenerator::new(config).unwrap();
    let texts = pages.texts();
    let report = Deduplicator::new(detection).unwrap().run(&texts).unwrap();
    (pages, texts, report)
}

/// Same-story pairs (pages of one story in one report cluster, of all
/// pairs of pages of one story) and reported pairs across stories.
fn story_counts(pages: &PageGenerator, report: &Report) -> ((usize, usize), usize) {
    let mut by_story: HashMap<DocId, Vec<DocId>> = HashMap::new();
    for d in 0..pages.len() as u32 {
        let d = DocId::new(d);
        by_story.entry(pages.story(d)).or_default().push(d);
    }
    let (mut found, mut all) = (0, 0);
    for members in by_story.values() {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                all += 1;
                let ca = report.clusters().cluster_of(a);
                found += usize::from(ca.is_some() && ca == report.clusters().cluster_of(b));
            }
        }
    }
    let across = report
        .document_pairs()
        .filter(|p| pages.story(p.a) != pages.story(p.b))
        .count();
    ((found, all), across)
}

/// Syndicated copies that differ only in their site's chrome.
fn plain(pages: usize, seed: u64) -> PageConfig {
    PageConfig::new()
        .num_pages(pages)
        .seed(seed)
        .edited(0.0)
        .cut(0.0)
}

#[test]
fn copies_across_sites_are_found_on_their_content_and_chrome_never_pairs() {
    let analyzer = Analyzer::new(&Config::new()).unwrap();
    for heavy in [false, true] {
        let (pages, texts, report) = run(plain(3000, 7).heavy_chrome(heavy), Config::new());
        let ((found, all), across) = story_counts(&pages, &report);
        assert!(all > 300, "the corpus has syndicated stories: {all}");
        assert!(
            found as f64 >= 0.98 * all as f64,
            "heavy chrome {heavy}: {found} of {all} same-story pairs"
        );
        assert_eq!(
            across, 0,
            "heavy chrome {heavy}: pairs of different stories"
        );
        // Exact verification on the basis that decides: no pair below it.
        // The content similarity is exactly that of the texts without their
        // boilerplate passages (computed here on its own, by `explain`).
        for (k, p) in report.document_pairs().enumerate() {
            assert!(p.similarity.jaccard >= 0.8, "{p:?}");
            assert_eq!(p.similarity, p.content);
            if k % 10 == 0 {
                let e = explain_with_boilerplate(
                    &analyzer,
                    &texts[p.a.as_usize()],
                    &texts[p.b.as_usize()],
                    &report.summary(p.a).boilerplate_passages,
                    &report.summary(p.b).boilerplate_passages,
                );
                assert_eq!(e.content_similarity, p.content, "{p:?}");
                assert_eq!(e.similarity, p.raw, "{p:?}");
            }
        }
        assert!(report.stats().boilerplate_clusters > 0);
    }
}

#[test]
fn the_raw_basis_decides_by_the_whole_text() {
    let (pages, _, content) = run(plain(2000, 3).heavy_chrome(true), Config::new());
    let (_, _, raw) = run(
        plain(2000, 3).heavy_chrome(true),
        Config::new().document_basis(DocumentBasis::Raw),
    );
    for p in raw.document_pairs() {
        assert!(p.raw.jaccard >= 0.8, "{p:?}");
        assert_eq!(p.similarity, p.raw);
    }
    let ((found_raw, all), _) = story_counts(&pages, &raw);
    let ((found_content, _), _) = story_counts(&pages, &content);
    assert!(
        found_raw < found_content / 2,
        "heavy chrome hides copies from the raw basis: {found_raw} vs {found_content} of {all}"
    );
    // Both report both similarities.
    let p = content
        .document_pairs()
        .find(|p| p.raw != p.content)
        .unwrap();
    assert!(p.content.jaccard > p.raw.jaccard);
}

#[test]
fn a_wire_story_on_every_site_stays_one_cluster() {
    // Forty copies of one story, each in the chrome of one of eight sites,
    // among other stories of those sites.
    let story = [
        "The regional water authority said on Tuesday that reservoir levels had fallen to their lowest point in twelve years after a dry spring.",
        "Officials urged households to limit garden watering and said a hosepipe ban could follow within weeks if no significant rain arrived.",
        "Farmers in the valley warned that the harvest of early vegetables was already smaller than usual and that prices would rise.",
    ]
    .join("\n");
    let chrome = |site: usize| {
        format!(
            "Advertisement\nThe Valley {site} Courier\nSign up for the Courier {site} Daily and get every story in your inbox.\nCopyright The Valley {site} Courier Media Group. All rights reserved."
        )
    };
    let mut texts = Vec::new();
    for i in 0..120 {
        let site = i % 8;
        let body = if i % 3 == 0 {
            story.clone()
        } else {
            format!(
                "Local story number {i} about the {site} district council and the roads that need repair before the winter comes.\nResidents of ward {i} asked for more buses and for the library to open on Sundays, the council heard on meeting night {i}."
            )
        };
        let c = chrome(site);
        let (head, foot) = c.split_at(c.find("\nSign").unwrap());
        texts.push(format!("{head}\n{body}{foot}"));
    }
    let report = Deduplicator::new(Config::new())
        .unwrap()
        .run(&texts)
        .unwrap();
    let copies: Vec<DocId> = (0..120).step_by(3).map(|i| DocId::new(i as u32)).collect();
    let c = report
        .clusters()
        .cluster_of(copies[0])
        .expect("the copies cluster");
    assert!(
        copies
            .iter()
            .all(|&d| report.clusters().cluster_of(d) == Some(c))
    );
    assert_eq!(
        report.clusters().len(),
        1,
        "nothing but the wire story pairs"
    );
    // The chrome lines are boilerplate; the story's lines are not.
    let s = report.summary(copies[0]);
    assert_eq!(s.boilerplate_passages, vec![0, 1, 5, 6]);
}

#[test]
fn doubled_scrapes_are_repeated_blocks_and_boilerplate_can_be_stripped() {
    let (pages, texts, report) = run(plain(1500, 11), Config::new());
    let doubled: Vec<DocId> = (0..pages.len() as u32)
        .map(DocId::new)
        .filter(|&d| pages.is_doubled(d))
        .collect();
    assert!(!doubled.is_empty());
    for d in &doubled {
        assert!(
            report.repeated_blocks().iter().any(|b| b.doc == *d),
            "doubled scrape {d:?}"
        );
    }
    let plan = report
        .cleaning_plan(CleanOptions::new().strip_boilerplate(true))
        .unwrap();
    let site_name = pages.site_name(0).to_string();
    let mut stripped = 0;
    for (d, text) in texts.iter().enumerate() {
        let d = DocId::new(d as u32);
        if let Some(clean) = plan.clean_text(d, text) {
            assert!(
                !clean.contains("All rights reserved") && !clean.contains("All Rights Reserved"),
                "copyright lines are chrome: {clean}"
            );
            stripped += usize::from(clean.len() < text.len());
        }
    }
    assert!(stripped > pages.len() / 2, "{stripped}");
    assert!(texts.iter().any(|t| t.contains(&site_name)));
}
