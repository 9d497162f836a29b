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
//!     /// Assistant, known human (a line-level source says so) or untracked.
//!     pub fn line_authorship(&self, commit: &str, path: &str, line: u32) -> Authorship;
//! }
//! ```
//!
//! [`AttributionIndex::load_at`] takes a path where no `history::Repo` is at hand.
//! docs/assistants.md says which marks count and in which order.

use std::path::PathBuf;

pub mod agent_trace;
mod assistants;
pub mod git_ai;
mod index;
mod matching;
mod notes;
mod reanchor;
mod trailers;

pub use agent_trace::{
    AgentTraceRecord, Contributor, Conversation, LineAuthor, RecordUsage, Tool, TraceFile,
    TraceRange, Vcs,
};
pub use assistants::{
    commit_assistant, identity_assistant, is_bot, message_says_reviewed, Assistant,
};
pub use index::{AttributionIndex, Authorship, DerivedLine, HumanEvidence, AGENT_TRACE_FILE};
pub(crate) use matching::added_lines;
pub use notes::{write_provenance_note, GIT_AI_NOTES_REF, PROVENANCE_NOTES_REF};
pub use reanchor::{reanchor, Reanchored};

/// What can go wrong reading or writing attribution.
#[derive(Debug, thiserror::Error)]
pub enum AttributionError {
    #[error("no git repository at {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("git: {0}")]
    Git(String),
    #[error("cannot encode the record: {0}")]
    Json(#[source] serde_json::Error),
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The readers of other tools' formats never panic on what they find.
        #[test]
        fn readers_never_panic(text in "(---\n|  |[a-z0-9_:]{1,8}|[-,{}\"\\[\\]:]| |\n|Co-authored-by: |<|>|@){0,60}") {
            let _ = super::git_ai::parse_note(&text);
            let _ = super::agent_trace::parse_records(&text);
            let _ = super::commit_assistant(&text, &text, &text);
            let _ = super::is_bot(&text, &text);
            let _ = super::message_says_reviewed(&text);
        }
    }
}
