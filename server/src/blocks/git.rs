//! [`BlockHistorySource`] over `crate::history` (blame, range history) and
//! `crate::attribution` (who wrote each line). The text asked about may
//! differ from HEAD (an editor buffer): blame of the buffer and of HEAD are
//! joined on each line's origin (commit, path, line there), which maps the
//! buffer's unchanged lines to HEAD's, so range history runs on HEAD's lines.
//! Never touches gix itself.

use std::collections::HashMap;
use std::path::Path;

use super::stats::{BlockHistorySource, LineOrigin};
use super::BlocksError;
use crate::attribution::AttributionIndex;
use crate::history::{self, BlameLine, HistoryError, RangeCommit, Repo};

impl From<HistoryError> for BlocksError {
    fn from(error: HistoryError) -> BlocksError {
        BlocksError::History(error.to_string())
    }
}

/// History of one file's current text, prepared once for all its blocks.
pub struct GitHistory<'a> {
    repo: &'a Repo,
    /// For each line of the text (0-based index): its 1-based line at HEAD, if unchanged since.
    head_lines: Vec<Option<u32>>,
    origins: Vec<LineOrigin>,
}

impl<'a> GitHistory<'a> {
    pub fn new(
        repo: &'a Repo,
        attribution: &AttributionIndex,
        path: &Path,
        text: &str,
    ) -> Result<GitHistory<'a>, BlocksError> {
        let buffer = match history::blame_buffer(repo, path, text) {
            Ok(lines) => lines,
            // A file git does not know yet, or a repository without commits: all lines are new.
            Err(HistoryError::NotInRevision { .. } | HistoryError::Unborn { .. }) => Vec::new(),
            Err(error) => return Err(error.into()),
        };
        let head = if buffer.iter().any(|l| l.commit.is_some()) {
            history::blame(repo, path, None)?
        } else {
            Vec::new()
        };
        let at_head: HashMap<(&str, &str, u32), u32> = head
            .iter()
            .filter_map(|l| {
                Some((
                    (l.commit.as_deref()?, l.path.as_str(), l.original_line),
                    l.line,
                ))
            })
            .collect();
        let head_lines = buffer
            .iter()
            .map(|l| {
                let commit = l.commit.as_deref()?;
                at_head
                    .get(&(commit, l.path.as_str(), l.original_line))
                    .copied()
            })
            .collect();
        let origins = buffer.iter().map(|l| origin(l, attribution)).collect();
        Ok(GitHistory {
            repo,
            head_lines,
            origins,
        })
    }
}

fn origin(line: &BlameLine, attribution: &AttributionIndex) -> LineOrigin {
    let (ai, reviewed) = match line.commit.as_deref() {
        Some(commit) => (
            attribution
                .line_assistant(commit, &line.path, line.original_line)
                .is_some(),
            attribution.commit_reviewed(commit),
        ),
        None => (false, false),
    };
    LineOrigin {
        line: line.line,
        commit: line.commit.clone(),
        time: line.time,
        author_email: line.author_email.clone(),
        ai,
        reviewed,
    }
}

impl BlockHistorySource for GitHistory<'_> {
    fn range_history(
        &self,
        path: &Path,
        start: u32,
        end: u32,
    ) -> Result<Vec<RangeCommit>, BlocksError> {
        let mapped = self
            .head_lines
            .iter()
            .skip(start.saturating_sub(1) as usize)
            .take((end + 1).saturating_sub(start) as usize)
            .flatten();
        let (Some(&first), Some(&last)) = (mapped.clone().min(), mapped.max()) else {
            // Nothing of the block is at HEAD: no history yet.
            return Ok(Vec::new());
        };
        Ok(history::range_history(self.repo, path, first, last, None)?)
    }

    fn line_origins(&self, _path: &Path, text: &str) -> Result<Vec<LineOrigin>, BlocksError> {
        if self.origins.is_empty() {
            // Not in git at all: every line is new.
            return Ok((1..=text.lines().count() as u32)
                .map(|line| LineOrigin {
                    line,
                    ..LineOrigin::default()
                })
                .collect());
        }
        Ok(self.origins.clone())
    }
}
