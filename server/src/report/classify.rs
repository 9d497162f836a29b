//! Who wrote a commit, and each line it added, as the report needs it: an
//! assistant, a bot, or a person. A thin seam over `crate::attribution`
//! (the one table of assistants, and the line-level sources); it must never
//! grow a table of its own.

use std::path::Path;

use crate::attribution::{self, Assistant, AttributionIndex, LineAuthor};

/// A line-level source's verdict on one line.
pub enum LineVerdict {
    /// The assistant, and its model when the source names one.
    Assistant(Assistant),
    /// Positive evidence that a person wrote it (git-ai `h_`, a human contributor).
    Human,
}

/// The assistant named by a commit's message or author, if any.
pub fn assistant(message: &str, author_name: &str, author_email: &str) -> Option<Assistant> {
    attribution::commit_assistant(message, author_name, author_email)
}

/// dependabot, renovate, github-actions, …: excluded from reports by default.
pub fn is_bot(author_name: &str, author_email: &str) -> bool {
    attribution::is_bot(author_name, author_email)
}

/// Line-level attribution (git-ai notes, Agent Trace records, provenance-ls
/// notes), loaded only when the repository has any of them: asking the
/// index about every line of every commit costs time a repository without
/// such sources should not pay.
pub struct LineSources {
    index: Option<AttributionIndex>,
}

impl LineSources {
    pub fn load(workdir: &Path, has_sources: bool) -> LineSources {
        LineSources {
            index: has_sources.then(|| AttributionIndex::load_at(workdir)),
        }
    }

    pub fn active(&self) -> bool {
        self.index.is_some()
    }

    /// The commit's assistant by its notes too (when the message does not say).
    pub fn commit_assistant(&self, commit: &str) -> Option<Assistant> {
        self.index.as_ref()?.commit_assistant(commit)
    }

    /// What the line-level sources say of one added line (1-based in the
    /// file as of `commit`); `None` when none lists it (or none is loaded):
    /// no evidence, never "human".
    pub fn line(&self, commit: &str, path: &str, line: u32) -> Option<LineVerdict> {
        match self.index.as_ref()?.line_author(commit, path, line)? {
            LineAuthor::Assistant(a) => Some(LineVerdict::Assistant(a)),
            LineAuthor::Human => Some(LineVerdict::Human),
        }
    }
}
