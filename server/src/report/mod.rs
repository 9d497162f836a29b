//! `provenance-ls report`: how AI-written code survives compared with
//! human-written code, streamed from history once (docs/report.md).
//!
//! Owns the report's figures and their JSON shape (`Report`, a stable,
//! documented schema), the HTML page, and the cache that lets a second run
//! process only new commits. `walk` is the only file here that touches git;
//! `lives` follows every line from birth to end; `figures` does the
//! arithmetic. Must never print (the CLI does), never run what a
//! repository asks for, and never hold memory in proportion to the length
//! of history rather than to the lines alive.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod cache;
mod classify;
pub mod figures;
mod hotspots;
mod html;
mod lives;
mod walk;

pub use html::render_html;

use figures::{Class, ClassTally, Tally, DAY, MAX_DAYS, SURVIVAL_DAYS};
use lives::{Lives, Rules, Walker};

/// Version of the JSON schema in docs/report.md; bumped on any breaking change.
pub const SCHEMA: &str = "provenance-ls/report/1";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: not a git repository ({message})")]
    NotARepository { path: PathBuf, message: String },
    #[error("the repository has no commits yet")]
    NoCommits,
    #[error("git: {0}")]
    Git(String),
    #[error("cannot read {what:?}: expected a date (YYYY-MM-DD) or a duration (90d, 6 months)")]
    BadWhen { what: String },
    #[error("--by takes author, agent or directory, not {0:?}")]
    BadGroupBy(String),
}

/// How figures are split with `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Author,
    Agent,
    Directory,
}

impl std::str::FromStr for GroupBy {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<GroupBy, ReportError> {
        match s {
            "author" => Ok(GroupBy::Author),
            "agent" => Ok(GroupBy::Agent),
            "directory" | "dir" => Ok(GroupBy::Directory),
            other => Err(ReportError::BadGroupBy(other.to_string())),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// A folder inside the repository.
    pub path: PathBuf,
    /// Unix seconds; commits before are not walked and their lines are "unknown".
    pub since: Option<i64>,
    /// Unix seconds; the end of the observation (lines alive then are censored).
    pub until: i64,
    pub by: Option<GroupBy>,
    pub include_bots: bool,
    /// Read and write `<git-dir>/provenance/cache/report/`.
    pub use_cache: bool,
    /// How many hotspots to list.
    pub hotspots: usize,
    /// Split the riskiest files into blocks (a blame and a line history per block).
    pub block_hotspots: bool,
}

/// Parses `--since`: as `parse_when`, but a duration back from now starts
/// at that day's UTC midnight, so that runs on the same day ask for the same
/// range (and share a cache).
pub fn parse_since(text: &str, now: i64) -> Result<i64, ReportError> {
    let when = parse_when(text, now)?;
    let is_duration = !text.trim().contains('-');
    Ok(if is_duration {
        when.div_euclid(DAY) * DAY
    } else {
        when
    })
}

/// Parses `--since`/`--until`: `YYYY-MM-DD` (UTC midnight), an RFC 3339
/// time, or a duration back from `now` (`90d`, `6 months`, `1y`).
pub fn parse_when(text: &str, now: i64) -> Result<i64, ReportError> {
    let bad = || ReportError::BadWhen {
        what: text.to_string(),
    };
    let t = text.trim();
    if let Some((y, rest)) = t.split_once('-') {
        if let Some((m, d)) = rest.split_once('-') {
            if let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<u32>(), d.parse::<u32>()) {
                if (1..=12).contains(&m) && (1..=31).contains(&d) {
                    return Ok(figures::days_from_civil(y, m, d) * DAY);
                }
            }
        }
        if let Ok(time) = humantime::parse_rfc3339_weak(t) {
            let secs = time
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|_| bad())?;
            return Ok(secs.as_secs() as i64);
        }
    }
    let compact: String = t.split_whitespace().collect::<Vec<_>>().join("");
    let duration = humantime::parse_duration(&compact).map_err(|_| bad())?;
    Ok(now - duration.as_secs() as i64)
}

/// Progress of a run, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// A value per class of authorship.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PerClass<T> {
    pub ai: T,
    pub human: T,
    pub unknown: T,
}

impl<T> PerClass<T> {
    fn from_fn(mut f: impl FnMut(Class) -> T) -> PerClass<T> {
        PerClass {
            ai: f(Class::Ai),
            human: f(Class::Human),
            unknown: f(Class::Unknown),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// RFC 3339, or null when the range starts at the first commit.
    pub since: Option<String>,
    pub until: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SurvivalPoint {
    pub days: u32,
    /// Kaplan–Meier share of lines still alive `days` after they were
    /// written; null when no line has been watched that long.
    pub share: Option<f64>,
    /// Lines still watched (alive and observed) at `days`.
    pub at_risk: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Survival {
    pub ai: Vec<SurvivalPoint>,
    pub human: Vec<SurvivalPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthChurn {
    /// `YYYY-MM`, by the month the lines were written.
    pub month: String,
    pub lines_added: PerClass<u64>,
    pub churned: PerClass<u64>,
    /// churned / linesAdded, null when nothing was added.
    pub churn14d: PerClass<Option<f64>>,
    /// True when some lines of the month have not yet been watched 14 days.
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hotspot {
    pub path: String,
    /// The block (function, class, …) or null for the whole file.
    pub name: Option<String>,
    /// 0–100, higher is riskier to maintain (docs/report.md).
    pub risk: u8,
    /// Share of the lines alive now that an assistant wrote (of those whose author is known).
    pub ai_share: Option<f64>,
    pub lines: u64,
    pub commits: u32,
    pub authors: u32,
    pub churn14d: Option<f64>,
}

/// The figures of one part of the history (the whole, or one `--by` group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub commits: PerClass<u64>,
    pub lines_added: PerClass<u64>,
    pub lines_deleted: PerClass<u64>,
    pub lines_deleted_by_origin: PerClass<u64>,
    pub churn14d: PerClass<Option<f64>>,
    pub survival: Survival,
    pub rework_per_line: PerClass<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub key: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The report: the JSON schema of docs/report.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema: String,
    pub repository: String,
    pub head: Option<String>,
    pub range: Range,
    pub merges: u64,
    pub bot_commits: u64,
    pub bots_included: bool,
    #[serde(flatten)]
    pub figures: Figures,
    /// The survival curve day by day (0..=365), for charts.
    pub survival_curve: Survival,
    pub churn_by_month: Vec<MonthChurn>,
    pub hotspots: Vec<Hotspot>,
    /// The riskiest blocks of the riskiest files (`name` set).
    pub block_hotspots: Vec<Hotspot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<GroupBy>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub groups: Vec<Group>,
    /// How the run went: commits walked now, and whether a cache was used.
    pub run: RunInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    pub commits_walked: u64,
    pub commits_from_cache: u64,
}

/// Builds the report: walks the commits of the range once (or only those
/// new since the cached run) and computes every figure.
pub fn build(
    options: &ReportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, ReportError> {
    let mut git = walk::Git::open(&options.path)?;
    let head = git.head()?.ok_or(ReportError::NoCommits)?;
    let rules = Rules {
        include_bots: options.include_bots,
        by: options.by,
    };
    let key = cache::Key {
        since: options.since,
        include_bots: options.include_bots,
        by: options.by,
    };
    let cache_dir = git
        .git_dir()
        .join("provenance")
        .join("cache")
        .join("report");
    // The cache holds the state at an earlier HEAD; it is reused only when
    // that HEAD is an ancestor of this one and nothing after `until` is asked.
    let now_tip = head;
    let resumed = if options.use_cache {
        cache::load(&cache_dir, &key).filter(|c| git.is_ancestor(c.tip, now_tip))
    } else {
        None
    };
    let (lives, hidden, from_cache) = match resumed {
        Some(c) => {
            let n = c.lives.processed;
            (c.lives, vec![c.tip], n)
        }
        None => (Lives::default(), Vec::new(), 0),
    };
    let commits = git.commits(head, &hidden, options.since, options.until)?;
    let walked = commits.len() as u64;
    let workdir = git.workdir().unwrap_or_else(|| git.git_dir());
    let sources = classify::LineSources::load(&workdir, git.has_line_sources());
    let walker = Walker::new(&mut git, sources, rules, lives);
    let lives = walker.walk(&commits, &mut |done, total| {
        progress(Progress { done, total })
    })?;
    // Only a state that ends at HEAD alone can be resumed from; a cache
    // that cannot be written only costs the next run time.
    if options.use_cache && walked > 0 && lives.ends.len() == 1 && lives.ends[0].0 == head {
        if let Err(e) = cache::store(&cache_dir, &key, head, &lives) {
            tracing::debug!("report cache not written: {e}");
        }
    }
    let mut report = assemble(options, &workdir, head, &lives, walked, from_cache);
    // The riskiest files, split into blocks with the risk of docs/risk.md.
    let mut texts = Vec::new();
    let split = if options.block_hotspots {
        hotspots::FILES_SPLIT_INTO_BLOCKS
    } else {
        0
    };
    for spot in report.hotspots.iter().take(split) {
        let mut bytes = Vec::new();
        if let Ok(Some(blob)) = git.blob_at(head, &spot.path) {
            if git.blob(blob, &mut bytes).is_ok() {
                if let Ok(text) = String::from_utf8(bytes) {
                    texts.push((spot.path.clone(), text));
                }
            }
        }
    }
    let history_cache = options
        .use_cache
        .then(|| git.git_dir().join("provenance").join("cache"));
    report.block_hotspots = hotspots::blocks(&workdir, history_cache, &texts, options.until);
    Ok(report)
}

fn assemble(
    options: &ReportOptions,
    workdir: &std::path::Path,
    head: walk::CommitId,
    lives: &Lives,
    walked: u64,
    from_cache: u64,
) -> Report {
    let until = options.until;
    // Lines alive at the end are right-censored: watched for (until - born).
    let mut censored: [Vec<u64>; 4] = Default::default();
    let mut group_censored: Vec<[Vec<u64>; 4]> = vec![Default::default(); lives.groups.len()];
    let mut alive_by_path: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let several = lives.ends.len() > 1;
    for (_, files) in &lives.ends {
        for (path, lines) in files {
            let alive = alive_by_path.entry(path.as_str()).or_default();
            for line in lines.iter() {
                if several && !seen.insert((line.origin, line.seq)) {
                    continue;
                }
                alive[line.class as usize] += 1;
                if line.origin == lives::UNKNOWN || line.class == Class::Bot {
                    continue;
                }
                let days = lives::whole_days(lives.origins[line.origin as usize], until);
                figures::bump(&mut censored[line.class as usize], days);
                if options.by.is_some() {
                    figures::bump(
                        &mut group_censored[line.group as usize][line.class as usize],
                        days,
                    );
                }
            }
        }
    }
    let figures = figures_of(
        &lives.total,
        &censored,
        until,
        &SURVIVAL_DAYS.map(|d| d as u32),
    );
    let curve_days: Vec<u32> = (0..=365).collect();
    let curve = figures_of(&lives.total, &censored, until, &curve_days).survival;
    let groups = lives
        .group_names
        .iter()
        .zip(&lives.groups)
        .zip(&group_censored)
        .map(|((key, tally), censored)| Group {
            key: key.clone(),
            figures: figures_of(tally, censored, until, &SURVIVAL_DAYS.map(|d| d as u32)),
        })
        .filter(|g| {
            g.figures.commits != PerClass::default() || g.figures.lines_added != PerClass::default()
        })
        .collect();
    Report {
        schema: SCHEMA.to_string(),
        repository: workdir.display().to_string(),
        head: Some(walk::Git::hex(head)),
        range: Range {
            since: options.since.map(figures::rfc3339),
            until: figures::rfc3339(until),
        },
        merges: lives.total.merges,
        bot_commits: lives.bot_commits,
        bots_included: options.include_bots,
        figures,
        survival_curve: curve,
        churn_by_month: churn_by_month(&lives.total, until),
        hotspots: hotspots::rank(&lives.paths, &alive_by_path, options.hotspots),
        block_hotspots: Vec::new(),
        by: options.by,
        groups,
        run: RunInfo {
            commits_walked: walked,
            commits_from_cache: from_cache,
        },
    }
}

fn figures_of(tally: &Tally, censored: &[Vec<u64>; 4], until: i64, days: &[u32]) -> Figures {
    let survival_of = |class: Class| -> Vec<SurvivalPoint> {
        let c = tally.get(class);
        let curve = figures::kaplan_meier(&c.ended_after, &censored[class as usize]);
        days.iter()
            .map(|&d| {
                let (share, at_risk) = curve[(d as usize).min(MAX_DAYS)];
                SurvivalPoint {
                    days: d,
                    share: share.map(round4),
                    at_risk,
                }
            })
            .collect()
    };
    let ended_of_added = |c: &ClassTally| c.ended_after.iter().sum::<u64>();
    Figures {
        commits: PerClass::from_fn(|c| tally.get(c).commits),
        lines_added: PerClass::from_fn(|c| tally.get(c).lines_added),
        lines_deleted: PerClass::from_fn(|c| tally.get(c).lines_deleted),
        lines_deleted_by_origin: PerClass::from_fn(|c| tally.get(c).lines_ended),
        churn14d: PerClass::from_fn(|c| figures::churn_14d(tally.get(c), until).map(round4)),
        survival: Survival {
            ai: survival_of(Class::Ai),
            human: survival_of(Class::Human),
        },
        rework_per_line: PerClass::from_fn(|c| {
            let t = tally.get(c);
            figures::rework_per_line(t, ended_of_added(t)).map(round4)
        }),
    }
}

fn churn_by_month(tally: &Tally, until: i64) -> Vec<MonthChurn> {
    let last_day = (until - figures::CHURN_WINDOW).div_euclid(DAY);
    // (added, churned, not yet watched 14 days) per (year, month)
    type Month = (PerClass<u64>, PerClass<u64>, bool);
    let mut months: BTreeMap<(i64, u32), Month> = BTreeMap::new();
    for class in Class::REPORTED {
        let c = tally.get(class);
        for (&day, &n) in &c.added_by_day {
            let (y, m, _) = figures::civil(day);
            let entry = months.entry((y, m)).or_default();
            *pick(&mut entry.0, class) += n;
            entry.2 |= day > last_day;
        }
        for (&day, &n) in &c.churned_by_day {
            let (y, m, _) = figures::civil(day);
            *pick(&mut months.entry((y, m)).or_default().1, class) += n;
        }
    }
    months
        .into_iter()
        .map(|((y, m), (added, churned, partial))| MonthChurn {
            month: format!("{y:04}-{m:02}"),
            churn14d: PerClass {
                ai: ratio(churned.ai, added.ai),
                human: ratio(churned.human, added.human),
                unknown: ratio(churned.unknown, added.unknown),
            },
            lines_added: added,
            churned,
            partial,
        })
        .collect()
}

fn pick(per: &mut PerClass<u64>, class: Class) -> &mut u64 {
    match class {
        Class::Ai => &mut per.ai,
        Class::Human => &mut per.human,
        _ => &mut per.unknown,
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| round4(a as f64 / b as f64))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_reads_dates_times_and_durations() {
        let now = 1_764_166_400 + 3_600; // 2025-11-26T15:13:20Z
        let table: [(&str, Option<i64>); 6] = [
            ("2025-01-01", Some(1_735_689_600)),
            ("2025-01-01T10:00:00Z", Some(1_735_725_600)),
            ("90d", Some(now - 90 * DAY)),
            ("6 months", Some(now - 6 * 2_630_016)), // humantime: a month is 30.44 days
            ("1y", Some(now - 31_557_600)),
            ("soon", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_when(text, now).ok(), expected, "{text}");
        }
        // A duration in --since starts at midnight UTC.
        assert_eq!(parse_since("90d", now).unwrap() % DAY, 0);
        assert_eq!(
            parse_since("2025-01-01T10:00:00Z", now).unwrap(),
            1_735_725_600
        );
    }
}
