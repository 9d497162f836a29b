//! Who was an assistant: co-author trailers and author names (one table),
//! git-ai notes (`refs/notes/ai`), Agent Trace records
//! (`.agent-trace/traces.jsonl`) and provenance-ls's own notes
//! (`refs/notes/provenance`). Line-level sources win over commit-level ones.
//!
//! CONTRACT (other work streams code against these names; keep them):
//!
//! ```ignore
//! pub struct Assistant { pub agent: String, pub model: Option<String> }
//! /// From a commit's message and author alone (trailers, "(aider)" suffix, bot agents).
//! pub fn commit_assistant(message: &str, author_name: &str, author_email: &str) -> Option<Assistant>;
//! /// dependabot, renovate, github-actions, … (not assistants: excluded from reports)
//! pub fn is_bot(author_name: &str, author_email: &str) -> bool;
//! /// Line-level attribution loaded once per repository (notes and trace files).
//! pub struct AttributionIndex;
//! impl AttributionIndex {
//!     pub fn load(repo: &crate::history::Repo) -> AttributionIndex;
//!     /// `line` is 1-based in the file as of `commit`.
//!     pub fn line_assistant(&self, commit: &str, path: &str, line: u32) -> Option<Assistant>;
//!     pub fn commit_assistant(&self, commit: &str) -> Option<Assistant>;
//! }
//! ```

mod assistants;
mod trailers;

pub use assistants::{commit_assistant, identity_assistant, is_bot, Assistant};
