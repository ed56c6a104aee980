//! The integration test binary: one module per area.

mod api;
#[cfg(feature = "tools")]
mod boilerplate;
#[cfg(feature = "html")]
mod browser;
#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "cli")]
mod cli_index;
#[cfg(feature = "cli")]
mod cli_io;
#[cfg(feature = "cli")]
mod cli_report;
mod determinism;
mod fixtures;
mod identical_groups;
#[cfg(feature = "tools")]
mod quality;
mod real_corpora;
mod store;
mod support;
