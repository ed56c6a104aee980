//! Scanned-reprint corpora: wire stories reprinted by several papers, then
//! read back by OCR. See [`ScanGenerator`] and the
//! [module docs](crate::synth#scanned-reprint-corpora).

mod config;
mod generator;
mod render;

pub use config::ScanConfig;
pub use generator::{ScanGenerator, scan_id};
