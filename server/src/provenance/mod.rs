//! The provenance map: per document, the regions that were pasted, accepted
//! from a completion, written by an agent, bulk-inserted or changed on disk,
//! shifting with every later edit. Pure: no LSP, no tokio, no IO.
