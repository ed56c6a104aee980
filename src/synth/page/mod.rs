//! Page-shaped corpora: news pages as scrapers write them, with site chrome,
//! three layouts, syndication across sites, re-sends and doubled scrapes.
//! See [`PageGenerator`] and the [module docs](crate::synth#page-shaped-corpora).

mod config;
mod generator;
mod kind;
mod plan;
mod render;
mod site;
mod truth;

pub use config::PageConfig;
pub use generator::{PageGenerator, page_id};
pub use kind::PageKind;
pub use site::Layout;
