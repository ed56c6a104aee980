//! The integration test binary: one module per area.

mod api;
#[cfg(feature = "cli")]
mod cli;
mod determinism;
mod fixtures;
mod quality;
mod real_corpora;
mod support;
