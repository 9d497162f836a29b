//! Per-block history statistics (commits, rewrites, 14-day churn, AI share,
//! authors, age) from plain inputs: the commits that touched the block and
//! the origin of each current line (`history::RangeCommit` is plain data). `BlockHistorySource` is what a history
//! backend must answer; this file never reads git itself.

use std::collections::HashSet;
use std::path::Path;

use super::risk::{FixPattern, RiskInputs};
use super::BlocksError;
use crate::attribution::is_bot;
use crate::history::RangeCommit;

const DAY: i64 = 86_400;
/// The window for "recent" measures.
pub const WINDOW_DAYS: i64 = 90;
/// GitClear's churn horizon: a line replaced or deleted this soon after it was written churned.
pub const CHURN_DAYS: i64 = 14;

/// Where one current line of the file came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineOrigin {
    /// 1-based in the current text.
    pub line: u32,
    /// `None`: not committed yet.
    pub commit: Option<String>,
    pub time: i64,
    pub author_email: String,
    /// An assistant wrote the line (attribution: line-level sources, then the commit).
    pub ai: bool,
    /// A line-level source names a person (a git-ai `h_` key, an Agent Trace
    /// `human` range): a known human's line, kept apart from untracked ones.
    pub human: bool,
    /// The line's commit says a human reviewed it (`Reviewed-by:` and the like).
    pub reviewed: bool,
}

/// What a history backend answers for `block_reports`.
pub trait BlockHistorySource {
    /// Commits that touched lines `start..=end` (1-based, inclusive, in the current text), newest first.
    fn range_history(
        &self,
        path: &Path,
        start: u32,
        end: u32,
    ) -> Result<Vec<RangeCommit>, BlocksError>;
    /// [`BlockHistorySource::range_history`] of each `(start, end)`, in
    /// order. A source that can share work between ranges (one walk of the
    /// history for all of a file's blocks) overrides this.
    fn range_histories(
        &self,
        path: &Path,
        ranges: &[(u32, u32)],
    ) -> Result<Vec<Vec<RangeCommit>>, BlocksError> {
        ranges
            .iter()
            .map(|&(start, end)| self.range_history(path, start, end))
            .collect()
    }
    /// The origin of every line of `text` (the current text of `path`), in order.
    fn line_origins(&self, path: &Path, text: &str) -> Result<Vec<LineOrigin>, BlocksError>;
}

/// The measured half of a `BlockReport`, plus what the risk formula reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BlockStats {
    pub commits: u32,
    pub rewrites_90d: u32,
    pub churn_14d: f64,
    pub ai_share: f64,
    /// Share of lines a line-level source gives to a person; the rest of
    /// `1 - ai_share` is untracked.
    pub human_share: f64,
    pub authors: u32,
    pub age_days: u32,
    /// Commits that touched the block whose message says they fix something ([`FixPattern`]).
    pub fixes: u32,
    pub risk_inputs: RiskInputs,
}

/// Statistics of one block from its commits (newest first) and the origins
/// of its lines, fixes recognised by the default [`FixPattern`].
pub fn block_stats(commits: &[RangeCommit], lines: &[LineOrigin], now: i64) -> BlockStats {
    block_stats_with(commits, lines, now, FixPattern::default_pattern())
}

/// [`block_stats`] with fixes recognised by `fix`.
pub fn block_stats_with(
    commits: &[RangeCommit],
    lines: &[LineOrigin],
    now: i64,
    fix: &FixPattern,
) -> BlockStats {
    let window_start = now - WINDOW_DAYS * DAY;
    // The oldest commit wrote the block; what came after is change.
    let changes = commits.len().saturating_sub(1);
    let recent_changes: Vec<&RangeCommit> = commits[..changes]
        .iter()
        .filter(|c| c.time >= window_start)
        .collect();
    let rewrites_90d = recent_changes
        .iter()
        .filter(|c| c.lines_deleted > 0)
        .count() as u32;

    let total_lines = lines.len().max(1) as f64;
    let churned: u32 = recent_changes
        .iter()
        .map(|c| c.lines_added + c.lines_deleted)
        .sum();
    let deleted: u32 = recent_changes.iter().map(|c| c.lines_deleted).sum();

    let ai_lines = lines.iter().filter(|l| l.ai).count();
    let ai_unreviewed = lines.iter().filter(|l| l.ai && !l.reviewed).count();
    let ai_share = ratio(ai_lines, lines.len());
    let human_share = ratio(lines.iter().filter(|l| l.human).count(), lines.len());

    let people: HashSet<String> = commits
        .iter()
        .filter(|c| !is_bot(&c.author, &c.author_email))
        .map(|c| c.author_email.to_lowercase())
        .collect();
    let authors = if commits.is_empty() {
        lines
            .iter()
            .filter(|l| l.commit.is_some())
            .map(|l| l.author_email.to_lowercase())
            .collect::<HashSet<_>>()
            .len()
    } else {
        people.len()
    } as u32;

    let born = commits
        .iter()
        .map(|c| c.time)
        .chain(lines.iter().filter(|l| l.commit.is_some()).map(|l| l.time))
        .min();
    let age_days = born.map_or(0, |t| ((now - t).max(0) / DAY) as u32);

    let churn_14d = churn_14d(commits, window_start);
    let fixes = commits.iter().filter(|c| fix.is_fix(&c.message)).count() as u32;
    // Recent fixes say more than old ones (FixCache's recency): each halves every 180 days.
    let recent_fixes: f64 = commits
        .iter()
        .filter(|c| fix.is_fix(&c.message))
        .map(|c| {
            0.5f64.powf((now - c.time).max(0) as f64 / DAY as f64 / super::risk::FIX_HALF_LIFE_DAYS)
        })
        .sum();
    // Ownership (Bird et al.): the share of the block's commits by its main author.
    let mut by_author: std::collections::HashMap<String, u32> = Default::default();
    for c in commits
        .iter()
        .filter(|c| !is_bot(&c.author, &c.author_email))
    {
        *by_author.entry(c.author_email.to_lowercase()).or_default() += 1;
    }
    let human_commits: u32 = by_author.values().sum();
    let top_author_share = match by_author.values().max() {
        Some(&top) if human_commits > 0 => f64::from(top) / f64::from(human_commits),
        _ => 1.0,
    };
    BlockStats {
        commits: commits.len() as u32,
        rewrites_90d,
        churn_14d,
        ai_share,
        human_share,
        authors,
        age_days,
        fixes,
        risk_inputs: RiskInputs {
            churn_14d,
            rewrites_90d,
            changes: changes as u32,
            changes_90d: recent_changes.len() as u32,
            prior_fixes: fixes,
            recent_fixes,
            top_author_share,
            lines: lines.len() as u32,
            age_days,
            ai_share,
            ai_unreviewed_share: ratio(ai_unreviewed, lines.len()),
            authors,
            churned_per_line: f64::from(churned) / total_lines,
            deleted_per_line: f64::from(deleted) / total_lines,
        },
    }
}

/// GitClear's churn: of the lines written since `window_start`, the share
/// replaced or deleted within 14 days. Range history counts lines, not which
/// lines, so a commit's deletions are charged to the newest earlier writes
/// first (recently written code is what gets reworked), only within 14 days.
fn churn_14d(commits: &[RangeCommit], window_start: i64) -> f64 {
    let mut written: Vec<(i64, u32)> = Vec::new(); // (time, lines not yet charged)
    let mut total_written = 0u32;
    let mut churned = 0u32;
    for commit in commits.iter().rev() {
        let mut to_charge = commit.lines_deleted;
        for (time, remaining) in written.iter_mut().rev() {
            if to_charge == 0 || commit.time - *time > CHURN_DAYS * DAY {
                break;
            }
            let take = to_charge.min(*remaining);
            *remaining -= take;
            to_charge -= take;
            if *time >= window_start {
                churned += take;
            }
        }
        written.push((commit.time, commit.lines_added));
        if commit.time >= window_start {
            total_written += commit.lines_added;
        }
    }
    ratio(churned as usize, total_written as usize)
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        let r = part as f64 / whole as f64;
        (r * 1000.0).round() / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn commit(days_ago: i64, added: u32, deleted: u32, email: &str) -> RangeCommit {
        RangeCommit {
            commit: format!("{days_ago:040}"),
            author: email.split('@').next().unwrap_or_default().to_string(),
            author_email: email.to_string(),
            time: NOW - days_ago * DAY,
            summary: String::new(),
            message: String::new(),
            lines_added: added,
            lines_deleted: deleted,
            path: "f".into(),
        }
    }

    fn line(ai: bool, reviewed: bool) -> LineOrigin {
        LineOrigin {
            commit: Some("c".into()),
            time: NOW - 5 * DAY,
            author_email: "a@x".into(),
            ai,
            reviewed,
            ..LineOrigin::default()
        }
    }

    #[test]
    fn a_block_written_once_long_ago_is_calm() {
        let stats = block_stats(
            &[commit(400, 10, 0, "a@x")],
            &vec![line(false, false); 10],
            NOW,
        );
        assert_eq!(
            (
                stats.commits,
                stats.rewrites_90d,
                stats.churn_14d,
                stats.authors,
                stats.age_days
            ),
            (1, 0, 0.0, 1, 400)
        );
        assert_eq!(stats.risk_inputs.churned_per_line, 0.0);
    }

    #[test]
    fn fast_rework_counts_as_churn() {
        // Newest first: 20 lines written 30 days ago, 5 replaced 3 days later, 5 more 40 days later.
        let commits = [
            commit(0, 5, 5, "c@x"),
            commit(27, 5, 5, "b@x"),
            commit(30, 20, 0, "a@x"),
        ];
        let stats = block_stats(&commits, &vec![line(false, false); 20], NOW);
        assert_eq!(stats.rewrites_90d, 2);
        // Written in window: 30; replaced within 14 days: 5 (the 27-days-ago fix of the 30-days-ago lines);
        // the newest commit came 27 days after, too late to count.
        assert_eq!(stats.churn_14d, 0.167);
        assert_eq!(stats.authors, 3);
        assert_eq!(stats.age_days, 30);
        assert_eq!(stats.risk_inputs.churned_per_line, 1.0);
        assert_eq!(stats.risk_inputs.deleted_per_line, 0.5);
    }

    #[test]
    fn bots_are_not_authors_and_ai_lines_are_shared() {
        let commits = [
            commit(1, 1, 1, "49699333+dependabot[bot]@users.noreply.github.com"),
            commit(10, 4, 0, "a@x"),
        ];
        let lines = [
            line(true, false),
            line(true, true),
            line(false, false),
            line(false, false),
        ];
        let stats = block_stats(&commits, &lines, NOW);
        assert_eq!(stats.authors, 1);
        assert_eq!(stats.ai_share, 0.5);
        assert_eq!(stats.risk_inputs.ai_unreviewed_share, 0.25);
    }

    #[test]
    fn uncommitted_lines_have_no_age() {
        let lines = [LineOrigin::default(), LineOrigin::default()];
        let stats = block_stats(&[], &lines, NOW);
        assert_eq!((stats.commits, stats.authors, stats.age_days), (0, 0, 0));
    }
}
