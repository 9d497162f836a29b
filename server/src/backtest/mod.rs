//! Backtest of the risk score on the repository's own past (docs/risk.md,
//! "Backtest"): score every block of the busiest source files as a user at
//! T saw them, label each by whether a fix commit changed its lines in
//! (T, T + horizon], and measure how well the score — and two plain
//! baselines, commits and size — ranked the blocks that got fixed. Also
//! fits the score's weights on the window before (features at T − h,
//! labelled by fixes in (T − h, T]) and checks them at T. Core: reads
//! history through `crate::history` only, checks nothing out, writes nothing.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::attribution::AttributionIndex;
use crate::blocks::{self, FixPattern, RiskInputs, RiskModel, Weights, DEFAULT_WEIGHTS};
use crate::history::{History, LineCommit};

pub use cache::{cached_model, cached_weights, model_file, store_model};

pub mod cache;
pub mod fit;
pub mod label;
pub mod metrics;

const DAY: i64 = 86_400;
/// Busiest files: most first-parent commits changing them in the year before T.
const BUSY_WINDOW_DAYS: i64 = 365;
/// At most this many commits are read to rank the files (a year of a very busy repository).
const BUSY_MAX_COMMITS: usize = 3000;
/// Fewer fixed blocks than this in the fitting window: the default weights.
pub const MIN_FIXED_TO_FIT: usize = 20;

/// Extensions of source files (what `--files` ranks).
const SOURCE_EXTENSIONS: &[&str] = &[
    "rs", "py", "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "go", "c", "h", "cc", "cpp",
    "cxx", "hpp", "hh", "java", "kt", "scala", "rb", "php", "cs", "swift", "m", "mm", "lua", "sh",
    "pl", "ex", "exs", "erl", "hs", "ml", "clj", "zig", "dart",
];

#[derive(Debug, Clone)]
pub struct Options {
    /// T, Unix seconds.
    pub at: i64,
    pub horizon_days: u32,
    /// How many of the busiest source files to score.
    pub files: usize,
    pub fix: FixPattern,
    /// Fit the weights on (T − h, T]; otherwise score with the defaults.
    pub fit: bool,
    /// Keep every scored block in the result.
    pub rows: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("history: {0}")]
    History(#[from] crate::history::HistoryError),
    #[error("blocks: {0}")]
    Blocks(#[from] crate::blocks::BlocksError),
    #[error("the repository has no commit at or before {0} on HEAD's first-parent line")]
    TooEarly(i64),
}

/// How one score ranked the blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreCheck {
    /// `risk`, `commits`, `size`, or `legacy_risk` (the score before issue 10).
    pub name: String,
    pub auc: Option<f64>,
    /// Share of fixed blocks among the 10 % highest-scored.
    pub top10_share: Option<f64>,
}

/// The result of a backtest (`backtest --json`; docs/risk.md has the schema).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Backtest {
    pub at: i64,
    pub at_commit: String,
    pub until: i64,
    pub horizon_days: u32,
    pub fix_pattern: String,
    pub files: Vec<String>,
    pub blocks: usize,
    pub fixed_blocks: usize,
    pub fix_commits: usize,
    pub scores: Vec<ScoreCheck>,
    /// The weights scored with, where they came from, and their check at T.
    pub model: RiskModel,
    /// Blocks and fixed blocks in the fitting window (T − h, T].
    pub fit_blocks: usize,
    pub fit_fixed_blocks: usize,
    /// Where the time went, in seconds, both samples together.
    pub elapsed: Elapsed,
    /// Every scored block at T (only with `Options::rows`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<BlockRow>>,
}

/// One block at a moment, with its label.
#[derive(Debug, Clone)]
struct Labelled {
    path: String,
    name: String,
    start_line: u32,
    inputs: RiskInputs,
    commits: u32,
    lines: u32,
    fixed: bool,
    log: Vec<LoggedCommit>,
}

/// One commit of a block's history before T, as calibration reads it:
/// `[days before T, lines added, lines deleted, 1 if a fix else 0, author]`
/// (the author an index, distinct per block).
pub type LoggedCommit = (u32, u32, u32, u8, u32);

/// One scored block of `backtest --json --blocks` (what calibration pools).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockRow {
    pub path: String,
    pub name: String,
    /// 0-based, at T.
    pub start_line: u32,
    pub lines: u32,
    pub commits: u32,
    pub fixed: bool,
    /// Factor values, in `crate::blocks::FACTORS` order.
    pub factors: Vec<f64>,
    pub risk: f64,
    /// The block's commits up to T, newest first (what any factor is computed from).
    pub log: Vec<LoggedCommit>,
}

/// Seconds spent on each part of a backtest (docs/risk.md, "Time").
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Elapsed {
    /// Ranking the busiest files (the files each commit of a year changed).
    pub busiest_files: f64,
    /// Blame and range history of each file at the moment scored.
    pub block_histories: f64,
    /// The forward walk from the moment: later diffs of each file, and the labels.
    pub labels: f64,
    /// The fit of the weights.
    pub fit: f64,
}

impl Elapsed {
    fn add(&mut self, other: Elapsed) {
        self.busiest_files += other.busiest_files;
        self.block_histories += other.block_histories;
        self.labels += other.labels;
        self.fit += other.fit;
    }

    fn rounded(self) -> Elapsed {
        let r = |x: f64| (x * 100.0).round() / 100.0;
        Elapsed {
            busiest_files: r(self.busiest_files),
            block_histories: r(self.block_histories),
            labels: r(self.labels),
            fit: r(self.fit),
        }
    }
}

struct Sample {
    elapsed: Elapsed,
    at_commit: String,
    files: Vec<String>,
    blocks: Vec<Labelled>,
    fix_commits: usize,
}

/// Runs the backtest at `options.at`.
pub fn run(
    history: &History,
    attribution: &AttributionIndex,
    options: &Options,
) -> Result<Backtest, BacktestError> {
    let line = history.first_parent_line()?;
    let horizon = i64::from(options.horizon_days) * DAY;
    let at = options.at;
    let until = at + horizon;
    let eval = sample(history, attribution, &line, at, until, options)?
        .ok_or(BacktestError::TooEarly(at))?;

    let mut elapsed = eval.elapsed;
    let mut weights: Weights = DEFAULT_WEIGHTS;
    let mut source = "default";
    let (mut fit_blocks, mut fit_fixed) = (0, 0);
    if options.fit {
        if let Some(train) = sample(history, attribution, &line, at - horizon, at, options)? {
            elapsed.add(train.elapsed);
            let started = Instant::now();
            fit_blocks = train.blocks.len();
            fit_fixed = train.blocks.iter().filter(|b| b.fixed).count();
            if fit_fixed >= MIN_FIXED_TO_FIT {
                let rows: Vec<(Weights, bool)> = train
                    .blocks
                    .iter()
                    .map(|b| (blocks::factor_values(&b.inputs), b.fixed))
                    .collect();
                if let Some(fitted) = fit::fit(&rows) {
                    weights = fit::blend(&fitted, &DEFAULT_WEIGHTS, fit_fixed);
                    source = "fitted";
                }
            }
            elapsed.fit = started.elapsed().as_secs_f64();
        }
    }

    let by = |f: &dyn Fn(&Labelled) -> f64| -> Vec<(f64, bool)> {
        eval.blocks.iter().map(|b| (f(b), b.fixed)).collect()
    };
    let risk = by(&|b| blocks::raw_score(&b.inputs, &weights));
    let check = |name: &str, scored: &[(f64, bool)]| ScoreCheck {
        name: name.to_string(),
        auc: metrics::auc(scored).map(round3),
        top10_share: metrics::top_tenth_share(scored).map(round3),
    };
    let scores = vec![
        check("risk", &risk),
        check("commits", &by(&|b| f64::from(b.commits))),
        check("size", &by(&|b| f64::from(b.lines))),
        check("legacy_risk", &by(&|b| blocks::legacy_score(&b.inputs))),
    ];
    let model = RiskModel {
        weights: blocks::named_weights(&weights),
        source: source.to_string(),
        checked_at: at,
        horizon_days: options.horizon_days,
        check_auc: scores[0].auc,
        high_vs_rest: top_tenth_ratio(&risk).map(|r| (r * 10.0).round() / 10.0),
        commits_auc: scores[1].auc,
        size_auc: scores[2].auc,
        blocks: eval.blocks.len(),
        fixed_blocks: eval.blocks.iter().filter(|b| b.fixed).count(),
    };
    Ok(Backtest {
        at,
        at_commit: eval.at_commit,
        until,
        horizon_days: options.horizon_days,
        fix_pattern: options.fix.as_str().to_string(),
        files: eval.files,
        blocks: eval.blocks.len(),
        fixed_blocks: eval.blocks.iter().filter(|b| b.fixed).count(),
        fix_commits: eval.fix_commits,
        scores,
        model,
        fit_blocks,
        fit_fixed_blocks: fit_fixed,
        elapsed: elapsed.rounded(),
        rows: options.rows.then(|| {
            eval.blocks
                .iter()
                .map(|b| BlockRow {
                    path: b.path.clone(),
                    name: b.name.clone(),
                    start_line: b.start_line,
                    lines: b.lines,
                    commits: b.commits,
                    fixed: b.fixed,
                    factors: blocks::factor_values(&b.inputs).to_vec(),
                    risk: round3(blocks::raw_score(&b.inputs, &weights)),
                    log: b.log.clone(),
                })
                .collect()
        }),
    })
}

/// Fix rate of the riskiest tenth of blocks over that of the rest.
fn top_tenth_ratio(scored: &[(f64, bool)]) -> Option<f64> {
    let mut sorted: Vec<f64> = scored.iter().map(|(s, _)| *s).collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let k = (sorted.len() as f64 / 10.0).ceil() as usize;
    let cut = *sorted.get(k.checked_sub(1)?)?;
    metrics::rate_ratio(scored, cut)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The blocks of the busiest source files at `at`, labelled by fixes in (at, until].
fn sample(
    history: &History,
    attribution: &AttributionIndex,
    line: &[LineCommit],
    at: i64,
    until: i64,
    options: &Options,
) -> Result<Option<Sample>, BacktestError> {
    // `line` is newest first: the commit a user at `at` had, and what came after it.
    let Some(at_index) = line.iter().position(|c| c.time <= at) else {
        return Ok(None);
    };
    let at_commit = line[at_index].commit.clone();
    let later: Vec<String> = line[..at_index]
        .iter()
        .rev()
        .filter(|c| c.time <= until)
        .map(|c| c.commit.clone())
        .collect();
    let mut elapsed = Elapsed::default();
    let started = Instant::now();
    let files = busiest_files(history, &line[at_index..], at, options.files)?;
    elapsed.busiest_files = started.elapsed().as_secs_f64();
    let workdir = history.repo().workdir().to_path_buf();
    let mut blocks_out = Vec::new();
    let mut fix_commits: std::collections::HashSet<String> = Default::default();
    let mut kept_files = Vec::new();
    for file in files {
        let path = workdir.join(&file);
        let started = Instant::now();
        let histories = match blocks::block_histories_at(history, attribution, &path, &at_commit) {
            Ok(h) => h,
            // Binary, too large, not a file at T: not a file to score.
            Err(_) => continue,
        };
        if histories.is_empty() {
            continue;
        }
        let line_count = histories
            .iter()
            .map(|h| h.block.end_line + 1)
            .max()
            .unwrap_or(0)
            .max(history.file_text(&path, Some(&at_commit))?.lines().count() as u32);
        let walked = Instant::now();
        elapsed.block_histories += (walked - started).as_secs_f64();
        let changes = history.file_changes(&file, &later)?;
        let touches = label::fix_touches(line_count, &changes, &options.fix);
        elapsed.labels += walked.elapsed().as_secs_f64();
        for h in histories {
            let stats = blocks::block_stats_with(&h.commits, &h.lines, at, &options.fix);
            let fixes = touches.in_block(h.block.start_line, h.block.end_line);
            for &i in &fixes {
                fix_commits.insert(changes[i].commit.clone());
            }
            blocks_out.push(Labelled {
                path: file.clone(),
                name: h.block.name.clone(),
                start_line: h.block.start_line,
                inputs: stats.risk_inputs,
                commits: stats.commits,
                lines: h.block.end_line - h.block.start_line + 1,
                fixed: !fixes.is_empty(),
                log: commit_log(&h.commits, at, &options.fix),
            });
        }
        kept_files.push(file);
    }
    Ok(Some(Sample {
        elapsed,
        at_commit,
        files: kept_files,
        blocks: blocks_out,
        fix_commits: fix_commits.len(),
    }))
}

/// A block's commits in the compact form of [`LoggedCommit`].
fn commit_log(
    commits: &[crate::history::RangeCommit],
    at: i64,
    fix: &FixPattern,
) -> Vec<LoggedCommit> {
    let mut authors: Vec<String> = Vec::new();
    commits
        .iter()
        .map(|c| {
            let email = c.author_email.to_lowercase();
            let author = match authors.iter().position(|a| *a == email) {
                Some(i) => i,
                None => {
                    authors.push(email);
                    authors.len() - 1
                }
            };
            (
                ((at - c.time).max(0) / DAY) as u32,
                c.lines_added,
                c.lines_deleted,
                u8::from(fix.is_fix(&c.message)),
                author as u32,
            )
        })
        .collect()
}

/// The `n` source files most often changed by the first-parent commits of
/// the year up to `at` (`line` starts at the commit a user at `at` had).
fn busiest_files(
    history: &History,
    line: &[LineCommit],
    at: i64,
    n: usize,
) -> Result<Vec<String>, BacktestError> {
    let since = at - BUSY_WINDOW_DAYS * DAY;
    let commits: Vec<String> = line
        .iter()
        .take_while(|c| c.time > since)
        .take(BUSY_MAX_COMMITS)
        .map(|c| c.commit.clone())
        .collect();
    let mut counts: HashMap<String, u32> = HashMap::new();
    for files in history.changed_files(&commits)? {
        for file in files {
            if is_source(&file) {
                *counts.entry(file).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(String, u32)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(ranked.into_iter().take(n).map(|(f, _)| f).collect())
}

fn is_source(path: &str) -> bool {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCE_EXTENSIONS.contains(&e))
}
