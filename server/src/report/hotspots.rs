//! Where rework concentrates: files ranked by a maintenance-risk score
//! built from their churn, how often and by how many people they change,
//! and their size, each with the share of their lines an assistant wrote.
//!
//! Files are ranked from the tallies the walk made (the file score below);
//! the riskiest few are then split into blocks (functions, classes, …) by
//! `crate::blocks::block_reports`, which scores each with the risk of
//! docs/risk.md from the block's own history. Must never read git itself
//! beyond those two calls.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::figures::{Class, CLASSES};
use super::lives::PathTally;
use super::Hotspot;

/// Risk 0–100 of a file (documented in docs/report.md, "Hotspots"):
/// 40 × churn within 14 days (share of its lines added in the range that
/// were rewritten within 14 days) + 30 × min(1, commits / 20)
/// + 15 × min(1, authors / 5) + 15 × min(1, lines / 1000).
pub fn file_risk(tally: &PathTally, lines: u64) -> u8 {
    let churn = if tally.lines_added > 0 {
        (tally.churned as f64 / tally.lines_added as f64).min(1.0)
    } else {
        0.0
    };
    let score = 40.0 * churn
        + 30.0 * (f64::from(tally.commits) / 20.0).min(1.0)
        + 15.0 * (tally.authors.len() as f64 / 5.0).min(1.0)
        + 15.0 * (lines as f64 / 1000.0).min(1.0);
    score.round().clamp(0.0, 100.0) as u8
}

/// The `limit` riskiest files alive at the end of the range.
pub fn rank(
    paths: &HashMap<String, PathTally>,
    alive: &BTreeMap<&str, [u64; CLASSES]>,
    limit: usize,
) -> Vec<Hotspot> {
    let mut spots: Vec<Hotspot> = alive
        .iter()
        .filter_map(|(path, counts)| {
            let tally = paths.get(*path)?;
            let lines: u64 = counts.iter().sum();
            let known = counts[Class::Ai as usize]
                + counts[Class::Human as usize]
                + counts[Class::NoEvidence as usize];
            Some(Hotspot {
                path: path.to_string(),
                name: None,
                risk: file_risk(tally, lines),
                ai_share: (known > 0).then(|| {
                    (counts[Class::Ai as usize] as f64 / known as f64 * 10_000.0).round() / 10_000.0
                }),
                lines,
                commits: tally.commits,
                authors: tally.authors.len() as u32,
                churn14d: (tally.lines_added > 0).then(|| {
                    (tally.churned as f64 / tally.lines_added as f64 * 10_000.0).round() / 10_000.0
                }),
            })
        })
        .filter(|h| h.commits > 0 && super::filter::is_code(&h.path))
        .collect();
    spots.sort_by(|a, b| {
        b.risk
            .cmp(&a.risk)
            .then(b.commits.cmp(&a.commits))
            .then(a.path.cmp(&b.path))
    });
    spots.truncate(limit);
    spots
}

/// How many of the riskiest files are split into blocks: each costs a blame
/// and a line-range history per block.
pub const FILES_SPLIT_INTO_BLOCKS: usize = 5;
/// How many blocks are listed.
pub const BLOCKS_LISTED: usize = 15;

/// The riskiest blocks of `files` (paths relative to `workdir`) as a user
/// at `now` saw them: each file as committed in the commit of HEAD's
/// first-parent line they had then, its history up to that commit only,
/// scored with the risk of docs/risk.md (the weights `backtest` cached, or
/// the defaults). `history_cache` is the history engine's disk cache
/// (`<git-dir>/provenance/cache`), so that a second run does not blame
/// again what did not change.
/// `progress` is told how many files are done after each.
pub fn blocks(
    workdir: &Path,
    history_cache: Option<std::path::PathBuf>,
    files: &[String],
    now: i64,
    progress: &mut dyn FnMut(u64),
) -> Vec<Hotspot> {
    if files.is_empty() {
        return Vec::new();
    }
    let history = match crate::history::History::discover(workdir, history_cache) {
        Ok(h) => h,
        Err(e) => {
            tracing::debug!("report: no block hotspots: {e}");
            return Vec::new();
        }
    };
    let at = match history.commit_as_of(now) {
        Ok(Some(at)) => at.commit,
        Ok(None) => return Vec::new(),
        Err(e) => {
            tracing::debug!("report: no block hotspots: {e}");
            return Vec::new();
        }
    };
    let weights = crate::backtest::cached_weights(history.repo().git_dir());
    let attribution = crate::attribution::AttributionIndex::load_at(workdir);
    let mut spots = Vec::new();
    for (done, path) in files.iter().enumerate() {
        progress(done as u64);
        let reports = match crate::blocks::block_reports_at(
            &history,
            &attribution,
            &workdir.join(path),
            &at,
            now,
            &weights,
        ) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("report: no blocks for {path}: {e}");
                continue;
            }
        };
        for r in reports {
            spots.push(Hotspot {
                path: path.clone(),
                name: Some(r.block.name.clone()),
                risk: r.risk.score,
                ai_share: Some(round4(r.ai_share)),
                lines: u64::from(r.block.end_line.saturating_sub(r.block.start_line) + 1),
                commits: r.commits,
                authors: r.authors,
                churn14d: Some(round4(r.churn_14d)),
            });
        }
    }
    progress(files.len() as u64);
    spots.sort_by(|a, b| {
        b.risk
            .cmp(&a.risk)
            .then(b.commits.cmp(&a.commits))
            .then(a.path.cmp(&b.path))
    });
    spots.truncate(BLOCKS_LISTED);
    spots
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
