//! One module per command: its arguments and what it does.

pub(crate) mod dedup;
pub(crate) mod eval;
pub(crate) mod explain;
pub(crate) mod find;
pub(crate) mod index;
pub(crate) mod report;
