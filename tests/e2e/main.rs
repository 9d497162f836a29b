//! End-to-end tests: the real `provenance-ls` binary over stdio, with real
//! git repositories built by each test.

mod attribution;
mod backtest;
mod blocks;
mod history;
mod lsp_bad_input;
mod lsp_commit_notes;
mod lsp_false_marks;
mod lsp_fresh;
mod lsp_history;
mod lsp_multi_writer;
mod lsp_persistence;
mod lsp_regions;
mod lsp_settings;
mod lsp_soak;
mod lsp_traces;
mod lsp_transport;
mod mark;
mod outcomes;
mod report;
mod rewrites;
mod support;
mod typed_evidence;
mod usage;
