//! [`PageGenerator`]: plans a page corpus from a [`PageConfig`] and renders
//! its pages on demand.

use std::fmt;

use rayon::prelude::*;

use super::plan::{PageSlot, plan};
use super::site::{Layout, Site};
use super::{PageConfig, PageKind};
use crate::corpus::DocId;
use crate::error::Result;
use crate::synth::Article;
use crate::synth::text::Vocabulary;

/// The id of the page at `index`: `page/000123`.
pub fn page_id(index: usize) -> String {
    format!("page/{index:06}")
}

/// Generates the pages and ground truth of a [`PageConfig`]: news pages of
/// several sites, each with its own chrome and layout, with planted
/// syndicated copies, re-sends and doubled scrapes.
///
/// Construction plans the corpus (about 16 bytes per page, plus the list of
/// each site's pages); text is rendered on demand, so [`page`](Self::page)
/// is random access.
#[derive(Clone)]
pub struct PageGenerator {
    pub(super) config: PageConfig,
    pub(super) plan: Vec<PageSlot>,
    pub(super) sites: Vec<Site>,
    /// The pages of each site, in order.
    pub(super) site_pages: Vec<Vec<u32>>,
    pub(super) vocab: &'static Vocabulary,
}

impl fmt::Debug for PageGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageGenerator")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PageGenerator {
    /// Plans the corpus of `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) if the
    /// number of pages is 0 or `u32::MAX` or more, the number of sites is
    /// outside 2–200, a share is outside 0–1, or the syndicated and re-send
    /// shares add up to more than 1.
    pub fn new(config: PageConfig) -> Result<Self> {
        config.validate()?;
        let vocab = Vocabulary::get();
        let sites: Vec<Site> = (0..config.get_sites())
            .map(|s| Site::new(config.get_seed(), s, config.get_hard_wrap(), vocab))
            .collect();
        let plan = plan(&config);
        let mut site_pages = vec![Vec::new(); sites.len()];
        for (i, slot) in plan.iter().enumerate() {
            site_pages[slot.site as usize].push(i as u32);
        }
        Ok(PageGenerator {
            config,
            plan,
            sites,
            site_pages,
            vocab,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PageConfig {
        &self.config
    }

    /// The number of pages.
    pub fn len(&self) -> usize {
        self.plan.len()
    }

    /// Always false: a corpus has at least one page.
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    /// The kind and source of page `doc`, or `None` for an original story.
    /// The source of a syndicated copy is the story's original page; of a
    /// re-send, the page re-sent (never itself a re-send).
    ///
    /// # Panics
    ///
    /// If `doc` is not a page of the corpus.
    pub fn origin(&self, doc: DocId) -> Option<(PageKind, DocId)> {
        let slot = &self.plan[doc.as_usize()];
        slot.kind.map(|k| (k, DocId::new(slot.source)))
    }

    /// The original page of the story page `doc` tells (`doc` itself for an
    /// original). Two pages tell the same story exactly when this is equal.
    ///
    /// # Panics
    ///
    /// If `doc` is not a page of the corpus.
    pub fn story(&self, doc: DocId) -> DocId {
        DocId::new(self.plan[doc.as_usize()].story)
    }

    /// The site of page `doc` (0 to [`PageConfig::get_sites`] − 1).
    ///
    /// # Panics
    ///
    /// If `doc` is not a page of the corpus.
    pub fn site(&self, doc: DocId) -> usize {
        self.plan[doc.as_usize()].site as usize
    }

    /// Whether page `doc` tells a two-paragraph brief.
    ///
    /// # Panics
    ///
    /// If `doc` is not a page of the corpus.
    pub fn is_brief(&self, doc: DocId) -> bool {
        self.plan[doc.as_usize()].brief
    }

    /// Whether the body of page `doc` appears twice (a doubled scrape).
    ///
    /// # Panics
    ///
    /// If `doc` is not a page of the corpus.
    pub fn is_doubled(&self, doc: DocId) -> bool {
        self.plan[doc.as_usize()].doubled
    }

    /// The name of site `site` ("The Brandel Courier").
    ///
    /// # Panics
    ///
    /// If `site` is not a site of the corpus.
    pub fn site_name(&self, site: usize) -> &str {
        &self.sites[site].name
    }

    /// The layout of site `site`.
    ///
    /// # Panics
    ///
    /// If `site` is not a site of the corpus.
    pub fn layout(&self, site: usize) -> Layout {
        self.sites[site].layout
    }

    /// The text of page `index`.
    ///
    /// # Panics
    ///
    /// If `index` is not a page of the corpus.
    pub fn text(&self, index: usize) -> String {
        self.render(index as u32).text
    }

    /// Page `index`, with its id ([`page_id`]).
    ///
    /// # Panics
    ///
    /// If `index` is not a page of the corpus.
    pub fn page(&self, index: usize) -> Article {
        Article {
            id: page_id(index),
            text: self.text(index),
        }
    }

    /// Every text, generated in parallel on the current rayon pool (the
    /// result does not depend on the thread count).
    pub fn texts(&self) -> Vec<String> {
        (0..self.len())
            .into_par_iter()
            .map(|i| self.text(i))
            .collect()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::synth::page::render::Origin;

    pub(crate) fn pages(n: usize, seed: u64) -> PageGenerator {
        PageGenerator::new(PageConfig::new().num_pages(n).seed(seed)).unwrap()
    }

    /// The chrome lines of page `i` (site-wide and per-page).
    fn chrome(g: &PageGenerator, i: u32) -> Vec<String> {
        let page = g.render(i);
        page.units
            .iter()
            .filter(|(_, o)| matches!(o, Origin::SiteChrome(..) | Origin::PageChrome))
            .map(|(r, _)| page.text[r.clone()].to_string())
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = pages(400, 1);
        assert_eq!(a.texts(), pages(400, 1).texts());
        assert_eq!(a.truth(), pages(400, 1).truth());
        assert_ne!(a.texts(), pages(400, 2).texts());
        assert_eq!(a.page(17).text, a.texts()[17]);
        assert_eq!(a.page(17).id, "page/000017");
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| (a.texts(), a.truth()));
        assert_eq!(one, (a.texts(), a.truth()));
    }

    #[test]
    fn config_is_validated() {
        assert!(PageGenerator::new(PageConfig::new().num_pages(0)).is_err());
        assert!(PageGenerator::new(PageConfig::new().sites(1)).is_err());
        assert!(PageGenerator::new(PageConfig::new().briefs(1.5)).is_err());
        assert!(PageGenerator::new(PageConfig::new().syndicated(0.9).resend(0.2)).is_err());
    }

    #[test]
    fn chrome_differs_between_sites_and_between_pages_of_a_site() {
        let g = pages(600, 3);
        let n = g.config().get_sites();
        // The first page of each site: no newsletter or copyright line is
        // shared across sites ("Advertisement" may be; the related headlines
        // are other stories' headlines, and those can be syndicated).
        let fixed = |i: u32| -> HashSet<String> {
            let page = g.render(i);
            page.units
                .iter()
                .filter(|(_, o)| matches!(o, Origin::SiteChrome(_, l) if *l < 2))
                .map(|(r, _)| page.text[r.clone()].to_string())
                .collect()
        };
        let firsts: Vec<u32> = (0..n).map(|s| g.site_pages[s][0]).collect();
        for (x, &a) in firsts.iter().enumerate() {
            for &b in &firsts[x + 1..] {
                assert!(fixed(a).is_disjoint(&fixed(b)), "sites of {a} and {b}");
            }
        }
        let layouts: HashSet<Layout> = (0..n).map(|s| g.layout(s)).collect();
        assert_eq!(layouts.len(), 3);
        // Pages of one site: the same fixed lines, other related headlines.
        for s in 0..n {
            let ps: Vec<u32> = g.site_pages[s]
                .iter()
                .copied()
                .filter(|&i| g.plan[i as usize].kind != Some(PageKind::Resend))
                .take(20)
                .collect();
            let lists: HashSet<Vec<String>> = ps.iter().map(|&i| chrome(&g, i)).collect();
            assert_eq!(lists.len(), ps.len(), "site {s}: chrome repeated");
            for w in ps.windows(2) {
                assert_eq!(fixed(w[0]), fixed(w[1]));
            }
        }
    }

    #[test]
    fn shapes_are_planted() {
        let g = pages(2_000, 5);
        let ids = (0..g.len() as u32).map(DocId::new);
        let briefs = ids
            .clone()
            .filter(|&d| g.origin(d).is_none() && g.is_brief(d))
            .count();
        let originals = ids.clone().filter(|&d| g.origin(d).is_none()).count();
        let share = briefs as f64 / originals as f64;
        assert!((0.35..0.45).contains(&share), "briefs {share}");
        for kind in PageKind::ALL {
            assert!(
                ids.clone()
                    .filter(|&d| matches!(g.origin(d), Some((k, _)) if k == kind))
                    .count()
                    > 20
            );
        }
        assert!(ids.clone().filter(|&d| g.is_doubled(d)).count() > 20);
        for d in ids {
            if let Some((kind, src)) = g.origin(d) {
                assert!(src < d);
                assert_eq!(g.story(d), g.story(src));
                match kind {
                    PageKind::Syndicated => assert_ne!(g.site(d), g.site(src)),
                    PageKind::Resend => assert_eq!(g.text(d.as_usize()), g.text(src.as_usize())),
                }
            }
        }
    }
}
