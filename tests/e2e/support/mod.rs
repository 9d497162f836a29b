//! Shared test support: a git repository built with the real git CLI, and an
//! LSP client that drives the real `provenance-ls` binary over stdio.
#![allow(dead_code)]

pub mod git;
pub mod lsp;

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_provenance-ls")
}
