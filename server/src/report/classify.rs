//! Who wrote a commit, and each line it added, as the report needs it: an
//! assistant, a bot, or a person. A thin seam over `crate::attribution`
//! (the one table of assistants, and the line-level sources); it must never
//! grow a table of its own.

use std::path::Path;

use crate::attribution::{self, AttributionIndex};

/// The assistant named by a commit's message or author, if any.
pub fn assistant(message: &str, author_name: &str, author_email: &str) -> Option<String> {
    attribution::commit_assistant(message, author_name, author_email).map(|a| a.agent)
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
    pub fn commit_assistant(&self, commit: &str) -> Option<String> {
        self.index
            .as_ref()?
            .commit_assistant(commit)
            .map(|a| a.agent)
    }

    /// The verdict on one added line (1-based in the file as of `commit`):
    /// `Some(Some(agent))` an assistant, `Some(None)` a person, `None` when
    /// no line-level source is loaded.
    pub fn line(&self, commit: &str, path: &str, line: u32) -> Option<Option<String>> {
        let index = self.index.as_ref()?;
        Some(index.line_assistant(commit, path, line).map(|a| a.agent))
    }
}
