//! Block reports from the real history: [`BlockHistorySource`] over
//! `crate::history` (blame and range histories from one walk, with its caches) and
//! `crate::attribution` (who wrote each line). The text asked about may
//! differ from HEAD (an editor buffer): blame of the buffer and of HEAD are
//! joined on each line's origin (commit, path, line there), which maps the
//! buffer's unchanged lines to HEAD's, so range history runs on HEAD's lines.
//! Never touches gix itself.

use std::cell::RefCell;
use std::path::Path;

use super::stats::{BlockHistorySource, LineOrigin};
use super::BlockReport;
use super::BlocksError;
use crate::attribution::{AttributionIndex, Authorship};
use crate::history::{BlameLine, History, HistoryError, RangeCommit};

impl From<HistoryError> for BlocksError {
    fn from(error: HistoryError) -> BlocksError {
        BlocksError::History(error.to_string())
    }
}

/// History of one file's current text, prepared once for all its blocks:
/// the buffer's blame and the histories of its blocks (and, when asked, of
/// the runs of lines outside them) come from one walk of the history.
struct GitHistory<'a> {
    history: &'a History,
    /// For each line of the text (0-based index): its 1-based line at HEAD, if unchanged since.
    head_lines: Vec<Option<u32>>,
    origins: Vec<LineOrigin>,
    /// The ranges (1-based, in the text) walked up front, and their histories.
    walked: Vec<(u32, u32)>,
    histories: RefCell<Option<Vec<Vec<RangeCommit>>>>,
    /// When set, the walk for the blocks also walks every run of lines
    /// outside all of them and leaves their histories here.
    gaps: Option<RefCell<Vec<LinesHistory>>>,
}

/// The history of a run of lines that no block holds (file header,
/// includes, globals, comments between blocks): 0-based, inclusive, with
/// its newest commits, found by the same walk as the blocks' histories.
#[derive(Debug, Clone, PartialEq)]
pub struct LinesHistory {
    pub start_line: u32,
    pub end_line: u32,
    pub recent: Vec<RangeCommit>,
}

/// The maximal runs of lines `1..=lines` that no range covers (1-based, inclusive).
fn uncovered(ranges: &[(u32, u32)], lines: u32) -> Vec<(u32, u32)> {
    let mut covered = vec![false; lines as usize];
    for &(start, end) in ranges {
        for line in start.max(1)..=end.min(lines) {
            covered[line as usize - 1] = true;
        }
    }
    let mut out = Vec::new();
    let mut run: Option<u32> = None;
    for line in 1..=lines {
        match (covered[line as usize - 1], run) {
            (false, None) => run = Some(line),
            (true, Some(start)) => {
                out.push((start, line - 1));
                run = None;
            }
            _ => {}
        }
    }
    if let Some(start) = run {
        out.push((start, lines));
    }
    out
}

impl<'a> GitHistory<'a> {
    /// `blocks`: the ranges (1-based, inclusive, in `text`) whose histories
    /// the walk reads; with `gaps`, the runs of lines outside them too.
    fn new(
        history: &'a History,
        attribution: &AttributionIndex,
        path: &Path,
        text: &str,
        blocks: &[(u32, u32)],
        gaps: bool,
    ) -> Result<GitHistory<'a>, BlocksError> {
        let mut asked: Vec<(u32, u32)> = blocks.to_vec();
        let mut at_head: Vec<Option<(u32, u32)>> = Vec::new();
        let found = history.buffer_history(path, text.as_bytes(), |head_lines| {
            if gaps {
                asked.extend(uncovered(blocks, head_lines.len() as u32));
            }
            at_head = asked
                .iter()
                .map(|&(start, end)| range_at_head(head_lines, start, end))
                .collect();
            at_head.iter().flatten().copied().collect()
        });
        let found = found?;
        // Ranges with nothing at HEAD have no history yet.
        let mut walked = found.ranges.into_iter();
        let histories: Vec<Vec<RangeCommit>> = at_head
            .iter()
            .map(|r| r.and_then(|_| walked.next()).unwrap_or_default())
            .collect();
        let origins = if found.blame.iter().any(|l| l.commit.is_some()) {
            found.blame.iter().map(|l| origin(l, attribution)).collect()
        } else {
            // Not in git at all: every line is new.
            Vec::new()
        };
        Ok(GitHistory {
            history,
            head_lines: found.head_lines,
            origins,
            walked: asked,
            histories: RefCell::new(Some(histories)),
            gaps: gaps.then(|| RefCell::new(Vec::new())),
        })
    }
}

/// The blocks of `text` as the ranges `block_reports_weighted` asks about
/// (1-based, inclusive).
fn block_ranges(path: &Path, text: &str) -> Vec<(u32, u32)> {
    super::split_blocks(path, text)
        .iter()
        .map(|b| (b.start_line + 1, b.end_line + 1))
        .collect()
}

/// Lines `start..=end` of a text (1-based) as a range at HEAD, given each
/// text line's line at HEAD: from the first to the last of them unchanged
/// since; `None` when none is.
fn range_at_head(head_lines: &[Option<u32>], start: u32, end: u32) -> Option<(u32, u32)> {
    let mapped = head_lines
        .iter()
        .skip(start.saturating_sub(1) as usize)
        .take((end + 1).saturating_sub(start) as usize)
        .flatten();
    Some((*mapped.clone().min()?, *mapped.max()?))
}

fn origin(line: &BlameLine, attribution: &AttributionIndex) -> LineOrigin {
    let (authorship, reviewed) = match line.commit.as_deref() {
        Some(commit) => (
            attribution.line_authorship(commit, &line.path, line.original_line),
            attribution.commit_reviewed(commit),
        ),
        None => (Authorship::Untracked, false),
    };
    let ai = matches!(authorship, Authorship::Assistant(_));
    let human = authorship == Authorship::Human;
    LineOrigin {
        line: line.line,
        commit: line.commit.clone(),
        time: line.time,
        author_email: line.author_email.clone(),
        ai,
        human,
        reviewed,
    }
}

impl GitHistory<'_> {
    fn at_head(&self, start: u32, end: u32) -> Option<(u32, u32)> {
        range_at_head(&self.head_lines, start, end)
    }

    /// Walks `ranges` (1-based, in the text) at HEAD on their own.
    fn walk(
        &self,
        path: &Path,
        ranges: &[(u32, u32)],
    ) -> Result<Vec<Vec<RangeCommit>>, BlocksError> {
        let at_head: Vec<Option<(u32, u32)>> = ranges
            .iter()
            .map(|&(start, end)| self.at_head(start, end))
            .collect();
        let walked: Vec<(u32, u32)> = at_head.iter().flatten().copied().collect();
        if walked.is_empty() {
            // Nothing at HEAD (maybe no HEAD at all): nothing to walk.
            return Ok(vec![Vec::new(); at_head.len()]);
        }
        let mut found = self
            .history
            .range_histories(path, &walked, None)?
            .into_iter();
        // Ranges with nothing at HEAD have no history yet.
        Ok(at_head
            .iter()
            .map(|r| r.and_then(|_| found.next()).unwrap_or_default())
            .collect())
    }
}

impl BlockHistorySource for GitHistory<'_> {
    fn range_history(
        &self,
        path: &Path,
        start: u32,
        end: u32,
    ) -> Result<Vec<RangeCommit>, BlocksError> {
        let Some((first, last)) = self.at_head(start, end) else {
            // Nothing of the block is at HEAD: no history yet.
            return Ok(Vec::new());
        };
        Ok(self.history.range_history(path, first, last, None)?)
    }

    /// One walk of the history for all the ranges (see `History::range_histories`),
    /// and for the runs of lines outside them when asked to.
    fn range_histories(
        &self,
        path: &Path,
        ranges: &[(u32, u32)],
    ) -> Result<Vec<Vec<RangeCommit>>, BlocksError> {
        let gaps = match &self.gaps {
            Some(_) => uncovered(ranges, self.head_lines.len() as u32),
            None => Vec::new(),
        };
        let asked: Vec<(u32, u32)> = ranges.iter().chain(&gaps).copied().collect();
        let walked = match self.histories.borrow_mut().take() {
            Some(histories) if asked == self.walked => Some(histories),
            _ => None,
        };
        let mut all: Vec<Vec<RangeCommit>> = match walked {
            // What the indexing walk read with the blame.
            Some(histories) => histories,
            None => self.walk(path, &asked)?,
        };
        if let Some(slot) = &self.gaps {
            let found = all.split_off(ranges.len());
            *slot.borrow_mut() = gaps
                .iter()
                .zip(found)
                .map(|(&(start, end), commits)| LinesHistory {
                    start_line: start - 1,
                    end_line: end - 1,
                    recent: commits.into_iter().take(super::RECENT_COMMITS).collect(),
                })
                .collect();
        }
        Ok(all)
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

/// Reports for every block of `text` (the current text of `path`, which may
/// differ from HEAD). `now` is Unix seconds.
pub fn block_reports(
    history: &History,
    attribution: &AttributionIndex,
    path: &Path,
    text: &str,
    now: i64,
) -> Result<Vec<BlockReport>, BlocksError> {
    block_reports_fitted(
        history,
        attribution,
        path,
        text,
        now,
        &super::DEFAULT_WEIGHTS,
    )
}

/// [`block_reports`], scored with `weights` (a repository's fitted ones).
pub fn block_reports_fitted(
    history: &History,
    attribution: &AttributionIndex,
    path: &Path,
    text: &str,
    now: i64,
    weights: &super::Weights,
) -> Result<Vec<BlockReport>, BlocksError> {
    let ranges = block_ranges(path, text);
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    let source = GitHistory::new(history, attribution, path, text, &ranges, false)?;
    super::block_reports_weighted(&source, path, text, now, weights)
}

/// A file as committed at a revision: a user who had that commit checked out.
/// Its blame and the histories of its blocks come from one walk.
struct AtRevision<'a> {
    history: &'a History,
    rev: &'a str,
    origins: Vec<LineOrigin>,
    /// The ranges (1-based, inclusive) walked with the blame, and their histories.
    walked: Vec<(u32, u32)>,
    histories: RefCell<Option<Vec<Vec<RangeCommit>>>>,
}

impl<'a> AtRevision<'a> {
    /// `blocks`: the ranges (1-based, inclusive) whose histories the blame's walk reads.
    fn new(
        history: &'a History,
        attribution: &AttributionIndex,
        path: &Path,
        rev: &'a str,
        blocks: &[(u32, u32)],
    ) -> Result<AtRevision<'a>, BlocksError> {
        let (blame, histories) = history.blame_with_ranges(path, Some(rev), blocks)?;
        let origins = blame.iter().map(|l| origin(l, attribution)).collect();
        Ok(AtRevision {
            history,
            rev,
            origins,
            walked: blocks.to_vec(),
            histories: RefCell::new(Some(histories)),
        })
    }
}

impl BlockHistorySource for AtRevision<'_> {
    fn range_history(
        &self,
        path: &Path,
        start: u32,
        end: u32,
    ) -> Result<Vec<RangeCommit>, BlocksError> {
        Ok(self
            .history
            .range_history(path, start, end, Some(self.rev))?)
    }

    fn range_histories(
        &self,
        path: &Path,
        ranges: &[(u32, u32)],
    ) -> Result<Vec<Vec<RangeCommit>>, BlocksError> {
        match self.histories.borrow_mut().take() {
            // What the blame's walk read.
            Some(histories) if ranges == self.walked => Ok(histories),
            _ => Ok(self.history.range_histories(path, ranges, Some(self.rev))?),
        }
    }

    fn line_origins(&self, _path: &Path, _text: &str) -> Result<Vec<LineOrigin>, BlocksError> {
        Ok(self.origins.clone())
    }
}

/// One block of a file as committed at a revision, with what its statistics come from.
#[derive(Debug, Clone)]
pub struct BlockHistory {
    pub block: super::Block,
    /// The commits that touched it up to the revision, newest first.
    pub commits: Vec<RangeCommit>,
    /// The origin of each of its lines at the revision.
    pub lines: Vec<LineOrigin>,
}

/// The blocks of `path` as committed at `rev`, each with its history up to
/// `rev` (nothing later is read).
pub fn block_histories_at(
    history: &History,
    attribution: &AttributionIndex,
    path: &Path,
    rev: &str,
) -> Result<Vec<BlockHistory>, BlocksError> {
    let text = history.file_text(path, Some(rev))?;
    let blocks = super::split_blocks(path, &text);
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let ranges: Vec<(u32, u32)> = blocks
        .iter()
        .map(|b| (b.start_line + 1, b.end_line + 1))
        .collect();
    let source = AtRevision::new(history, attribution, path, rev, &ranges)?;
    let histories = source.range_histories(path, &ranges)?;
    let origins = &source.origins;
    Ok(blocks
        .into_iter()
        .zip(histories)
        .map(|(block, commits)| {
            let last = (block.end_line as usize).min(origins.len().saturating_sub(1));
            let lines = origins
                .get(block.start_line as usize..=last)
                .unwrap_or_default()
                .to_vec();
            BlockHistory {
                block,
                commits,
                lines,
            }
        })
        .collect())
}

/// Reports for every block of `path` as committed at `rev`, as a user at
/// `now` (Unix seconds) sees them, scored with `weights`.
pub fn block_reports_at(
    history: &History,
    attribution: &AttributionIndex,
    path: &Path,
    rev: &str,
    now: i64,
    weights: &super::Weights,
) -> Result<Vec<BlockReport>, BlocksError> {
    let text = history.file_text(path, Some(rev))?;
    let ranges = block_ranges(path, &text);
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    let source = AtRevision::new(history, attribution, path, rev, &ranges)?;
    super::block_reports_weighted(&source, path, &text, now, weights)
}

/// [`block_reports_fitted`], and the history of every run of lines outside all the
/// blocks, from the same walk: what an editor needs so that no hover, in a
/// block or not, walks history on its own. A file without blocks is one run.
pub fn block_reports_and_gaps(
    history: &History,
    attribution: &AttributionIndex,
    path: &Path,
    text: &str,
    now: i64,
    weights: &super::Weights,
) -> Result<(Vec<BlockReport>, Vec<LinesHistory>), BlocksError> {
    let ranges = block_ranges(path, text);
    let mut source = GitHistory::new(history, attribution, path, text, &ranges, true)?;
    let reports = if ranges.is_empty() {
        source.range_histories(path, &[])?;
        Vec::new()
    } else {
        super::block_reports_weighted(&source, path, text, now, weights)?
    };
    let gaps = source
        .gaps
        .take()
        .map(RefCell::into_inner)
        .unwrap_or_default();
    Ok((reports, gaps))
}

#[cfg(test)]
mod tests {
    use super::uncovered;
    use crate::attribution::AttributionIndex;
    use crate::history::History;

    /// The blocks of a file at a revision (one walk for the blame and every
    /// block's history) list what `git log -L` lists for each block there,
    /// and their lines carry what `git blame --porcelain` says at that revision.
    #[test]
    fn blocks_at_a_revision_agree_with_git_log_l_and_git_blame() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str], date: Option<i64>| -> String {
            let mut command = std::process::Command::new("git");
            command
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .args(["-c", "user.name=T", "-c", "user.email=t@x"])
                .args([
                    "-c",
                    "commit.gpgsign=false",
                    "-c",
                    "init.defaultBranch=main",
                ]);
            if let Some(date) = date {
                let date = format!("{date} +0000");
                command
                    .env("GIT_AUTHOR_DATE", &date)
                    .env("GIT_COMMITTER_DATE", &date);
            }
            let out = command.args(args).output().unwrap();
            assert!(out.status.success(), "git {args:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        git(&["init", "-q"], None);
        let mut v = vec![
            "import os",
            "",
            "def f():",
            "    return 1",
            "",
            "def g(x):",
            "    y = x",
            "    return y",
            "",
            "X = 3",
        ];
        let edits: [(usize, &str); 5] = [
            (3, "    return 2"),
            (6, "    y = x * 2"),
            (0, "import sys"),
            (7, "    return y + 1"),
            (3, "    return 3"),
        ];
        let mut clock = 1_700_000_000;
        for (i, edit) in std::iter::once(None)
            .chain(edits.iter().map(Some))
            .enumerate()
        {
            if let Some(&(line, text)) = edit {
                v[line] = text;
            }
            std::fs::write(dir.path().join("a.py"), v.join("\n") + "\n").unwrap();
            git(&["add", "a.py"], None);
            clock += 3600;
            git(&["commit", "-qm", &format!("c{i}")], Some(clock));
        }
        let path = dir.path().join("a.py");
        let history = History::discover(&path, None).unwrap();
        let attribution = AttributionIndex::load(history.repo());
        let rev = git(&["rev-parse", "HEAD~1"], None).trim().to_string();
        let blocks = super::block_histories_at(&history, &attribution, &path, &rev).unwrap();
        assert_eq!(blocks.len(), 2, "f and g");
        let blame = git(&["blame", "--porcelain", &rev, "--", "a.py"], None);
        let blamed: Vec<String> = blame
            .lines()
            .filter(|l| {
                l.len() > 40
                    && l.as_bytes()[40] == b' '
                    && l[..40].bytes().all(|b| b.is_ascii_hexdigit())
            })
            .map(|l| l[..40].to_string())
            .collect();
        assert_eq!(blamed.len(), v.len());
        for block in &blocks {
            let (start, end) = (block.block.start_line + 1, block.block.end_line + 1);
            let range = format!("-L{start},{end}:a.py");
            let listed: Vec<String> = git(&["log", &range, "--format=%H", "-s", &rev], None)
                .lines()
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            let ours: Vec<String> = block.commits.iter().map(|c| c.commit.clone()).collect();
            assert_eq!(ours, listed, "block {}", block.block.name);
            assert!(ours.len() >= 2, "each block changed at least once");
            let lines: Vec<String> = block
                .lines
                .iter()
                .map(|l| l.commit.clone().unwrap())
                .collect();
            assert_eq!(
                lines,
                blamed[start as usize - 1..end as usize],
                "block {}",
                block.block.name
            );
        }
    }

    #[test]
    fn runs_outside_every_range() {
        assert_eq!(
            uncovered(&[(3, 5), (4, 8), (10, 10)], 12),
            vec![(1, 2), (9, 9), (11, 12)]
        );
        assert_eq!(uncovered(&[(1, 4)], 4), Vec::<(u32, u32)>::new());
        assert_eq!(uncovered(&[], 3), vec![(1, 3)]);
        assert_eq!(uncovered(&[(2, 9)], 0), Vec::<(u32, u32)>::new());
    }
}
