//! `provenance-ls report`: how AI-written code survives compared with
//! human-written code, streamed from history once (docs/report.md).
