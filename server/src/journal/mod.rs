//! The journal: an append-only, checksummed, fsynced record of provenance
//! events, replayed idempotently on start. Plus the marks agents leave with
//! `provenance-ls mark`. Plain std IO; no tokio, no LSP.
