//! End-to-end tests: the real `provenance-ls` binary over stdio, with real
//! git repositories built by each test.

mod support;

mod attribution;
mod backtest;
mod blocks;
mod history;
mod lsp_bad_input;
mod lsp_commit_notes;
mod lsp_history;
mod lsp_persistence;
mod lsp_regions;
mod lsp_traces;
mod mark;
mod report;
