//! Shared test support: a git repository built with the real git CLI, and an
//! LSP client that drives the real `provenance-ls` binary over stdio.
#![allow(dead_code)]

pub mod git;
pub mod lsp;

/// The binary under test: `PROVENANCE_LS_BIN` when set (a long soak runs
/// against a copy, or a release build), else the one cargo built.
pub fn binary() -> &'static str {
    static BINARY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| {
        std::env::var("PROVENANCE_LS_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_provenance-ls").to_string())
    })
}
