//! provenance-ls: live edit provenance and git history for the editor.
//!
//! The core (`text`, `provenance`, `journal`, `history`, `attribution`,
//! `blocks`, `report`) knows nothing of LSP or tokio; `lsp` is the thin
//! protocol layer and `cli` the command line. See docs/architecture.md.

pub mod attribution;
pub mod backtest;
pub mod blocks;
pub mod cli;
pub mod clock;
pub mod commit_trace;
pub mod history;
pub mod journal;
pub mod lsp;
pub mod persist;
pub mod provenance;
pub mod report;
pub mod text;
