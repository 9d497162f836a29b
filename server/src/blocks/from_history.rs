//! Block reports from the real history: range history and blame from
//! `crate::history`, who was an assistant from `crate::attribution`.

use std::path::Path;

use super::{
    block_reports_with, BlockCommit, BlockHistorySource, BlockReport, BlocksError, LineOrigin,
};
use crate::attribution::AttributionIndex;
use crate::history::{History, HistoryError};

struct RepositorySource<'a> {
    history: &'a History,
    attribution: &'a AttributionIndex,
}

fn history_error(e: HistoryError) -> BlocksError {
    BlocksError::History(e.to_string())
}

impl BlockHistorySource for RepositorySource<'_> {
    fn range_history(
        &self,
        path: &Path,
        start: u32,
        end: u32,
    ) -> Result<Vec<BlockCommit>, BlocksError> {
        let found = match self.history.range_history(path, start, end, None) {
            // Lines past the end of the committed file are not committed yet.
            Err(HistoryError::InvalidRange { lines, .. }) if lines >= start => {
                self.history.range_history(path, start, lines, None)
            }
            Err(HistoryError::InvalidRange { .. })
            | Err(HistoryError::NotInRevision { .. })
            | Err(HistoryError::Unborn { .. }) => Ok(Vec::new()),
            other => other,
        }
        .map_err(history_error)?;
        Ok(found
            .into_iter()
            .map(|c| BlockCommit {
                commit: c.commit,
                author: c.author,
                author_email: c.author_email,
                time: c.time,
                summary: c.summary,
                message: c.message,
                lines_added: c.lines_added,
                lines_deleted: c.lines_deleted,
                path: c.path,
            })
            .collect())
    }

    fn line_origins(&self, path: &Path, text: &str) -> Result<Vec<LineOrigin>, BlocksError> {
        let blamed = self
            .history
            .blame_buffer(path, text)
            .map_err(history_error)?;
        Ok(blamed
            .into_iter()
            .map(|line| {
                let (ai, reviewed) = match &line.commit {
                    Some(commit) => (
                        self.attribution
                            .line_assistant(commit, &line.path, line.original_line)
                            .is_some(),
                        self.attribution.commit_reviewed(commit),
                    ),
                    None => (false, false),
                };
                LineOrigin {
                    line: line.line,
                    commit: line.commit,
                    time: line.time,
                    author_email: line.author_email,
                    ai,
                    reviewed,
                }
            })
            .collect())
    }
}

/// Reports for every block of `text` (the current text of `path`, which may
/// differ from HEAD). `now` is Unix seconds.
pub fn block_reports(
    history: &History,
    attribution: &AttributionIndex,
    path: &Path,
    text: &str,
    now: i64,
) -> Result<Vec<BlockReport>, BlocksError> {
    block_reports_with(
        &RepositorySource {
            history,
            attribution,
        },
        path,
        text,
        now,
    )
}
