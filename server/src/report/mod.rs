//! `provenance-ls report`: how AI-written code survives compared with
//! human-written code, streamed from history once (docs/report.md).
//!
//! Owns the report's figures and their JSON shape (`Report`, a stable,
//! documented schema), the HTML page, and the cache that lets a second run
//! process only new commits. `walk` is the only file here that touches git;
//! `lives` follows every line from birth to end; `filter` decides which
//! files count (code, by default); `figures` does the arithmetic. Evidence
//! is kept in three kinds — AI, human (positive evidence only), none — and
//! "no evidence" is never reported as human. Must never print (the CLI
//! does), never run what a repository asks for, never abort on an object
//! it cannot read (it is skipped and named), and never hold memory in
//! proportion to the length of history rather than to the lines alive.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod cache;
mod classify;
pub mod cost;
mod export;
pub mod figures;
pub mod filter;
mod hotspots;
mod html;
mod lives;
pub mod outcomes;
pub mod risk_check;
mod walk;

pub use html::render_html;

use figures::{Class, ClassTally, Tally, CLASSES, DAY, MAX_DAYS, SURVIVAL_DAYS};
use filter::{FileFilter, FileRules, LeftOutReason};
use lives::{Lives, Rules, Walker};

/// Version of the JSON schema in docs/report.md; bumped on any breaking change
/// (2: `human` means positive evidence, `noEvidence` is its own class).
pub const SCHEMA: &str = "provenance-ls/report/2";

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
    #[error("--by takes author, agent, model or directory, not {0:?}")]
    BadGroupBy(String),
    #[error("cannot write the export to {path}: {message}")]
    Export { path: PathBuf, message: String },
}

/// How figures are split with `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Author,
    Agent,
    /// Like `Agent`, with the model where a source names one (`claude-code/claude-opus-4-5`).
    Model,
    Directory,
}

impl std::str::FromStr for GroupBy {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<GroupBy, ReportError> {
        match s {
            "author" => Ok(GroupBy::Author),
            "agent" => Ok(GroupBy::Agent),
            "model" => Ok(GroupBy::Model),
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
    /// Which files count (`--all-files`, `--include`, `--exclude`).
    pub files: FileRules,
    /// Authors declared human (`--human-author`): names or emails.
    pub human_authors: Vec<String>,
    /// What counts as a fix commit (`--fix-pattern`, as `backtest`).
    pub fix: crate::blocks::FixPattern,
    /// The user's price table (`--prices FILE`); none is built in.
    pub prices: Option<cost::Prices>,
    /// Write the commits and line cohorts to this folder (`--export DIR`).
    pub export: Option<PathBuf>,
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

/// Progress of a run, for a progress bar: `done` of `total` in `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

/// What a run is doing: walking the commits of the range, then reading the
/// riskiest files' block histories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `done` commits walked of `total` to walk.
    Commits,
    /// `done` files split into blocks of `total`.
    BlockFiles,
}

impl Stage {
    /// What the bar says, in the user's words.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Commits => "commits walked",
            Stage::BlockFiles => "files split into blocks",
        }
    }
}

/// A value per kind of evidence: an assistant, a person, no evidence of
/// either, and `unknown` (written before the range).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerClass<T> {
    pub ai: T,
    pub human: T,
    pub no_evidence: T,
    pub unknown: T,
}

impl<T> PerClass<T> {
    fn from_fn(mut f: impl FnMut(Class) -> T) -> PerClass<T> {
        PerClass {
            ai: f(Class::Ai),
            human: f(Class::Human),
            no_evidence: f(Class::NoEvidence),
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
    pub no_evidence: Vec<SurvivalPoint>,
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
    /// Share of the lines alive now that an assistant wrote (of those written in the range).
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
    /// Fixes by origin (`outcomes`).
    #[serde(flatten, default)]
    pub fixes: outcomes::FixFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub key: String,
    #[serde(flatten)]
    pub figures: Figures,
    /// With `--by agent`, an assistant's lines by the model their source
    /// names, most lines first (lines no source gives a model for are not
    /// listed).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub models: Vec<ModelLines>,
}

/// The lines one model wrote, in an assistant's `--by agent` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelLines {
    pub model: String,
    /// Lines the assistant added with this model in the range.
    pub lines_added: u64,
}

/// One `--by` row before its figures are worked out.
struct GroupRow {
    key: String,
    tally: Tally,
    /// Lines alive at the end, by class, by whole days lived.
    censored: [Vec<u64>; CLASSES],
    models: Vec<ModelLines>,
}

/// A `--by agent` walk groups an assistant's lines by model
/// (`agent␟model`, [`lives::MODEL_SEPARATOR`]): one row per assistant,
/// its tallies the sums of its models', which it lists.
fn join_models(
    names: &[String],
    tallies: &[Tally],
    censored: &[[Vec<u64>; CLASSES]],
) -> Vec<GroupRow> {
    let mut rows: Vec<GroupRow> = Vec::new();
    for ((name, tally), censored) in names.iter().zip(tallies).zip(censored) {
        let (agent, model) = match name.split_once(lives::MODEL_SEPARATOR) {
            Some((agent, model)) => (agent, Some(model)),
            None => (name.as_str(), None),
        };
        let at = match rows.iter().position(|row| row.key == agent) {
            Some(at) => at,
            None => {
                rows.push(GroupRow {
                    key: agent.to_string(),
                    tally: Tally::default(),
                    censored: Default::default(),
                    models: Vec::new(),
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[at];
        row.tally.absorb(tally);
        for (mine, theirs) in row.censored.iter_mut().zip(censored) {
            figures::add_histogram(mine, theirs);
        }
        let lines_added = tally.get(Class::Ai).lines_added;
        if let (Some(model), true) = (model, lines_added > 0) {
            row.models.push(ModelLines {
                model: model.to_string(),
                lines_added,
            });
        }
    }
    for row in &mut rows {
        row.models.sort_by(|a, b| {
            b.lines_added
                .cmp(&a.lines_added)
                .then(a.model.cmp(&b.model))
        });
    }
    rows
}

/// The report: the JSON schema of docs/report.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema: String,
    /// The work tree (an absolute path).
    pub repository: String,
    /// The name a reader knows it by: the remote's name, else the folder's.
    pub name: String,
    pub head: Option<String>,
    pub range: Range,
    pub merges: u64,
    pub bot_commits: u64,
    pub bots_included: bool,
    /// Share of the lines added in the range with any evidence of who wrote
    /// them (AI or human); null when none was added.
    pub coverage: Option<f64>,
    /// Authors declared human (`--human-author`, `provenance.humanAuthor`).
    pub human_authors: Vec<String>,
    #[serde(flatten)]
    pub figures: Figures,
    /// The survival curve day by day (0..=365), for charts.
    pub survival_curve: Survival,
    pub churn_by_month: Vec<MonthChurn>,
    /// The fix rule, the time-to-fix curve and the landed clock.
    #[serde(flatten, default)]
    pub outcomes: outcomes::Outcomes,
    pub hotspots: Vec<Hotspot>,
    /// The riskiest blocks of the riskiest files (`name` set).
    pub block_hotspots: Vec<Hotspot>,
    /// How well the risk score predicted fixes here (`backtest`'s last check); null before one.
    #[serde(default)]
    pub risk_check: Option<risk_check::RiskCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<GroupBy>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub groups: Vec<Group>,
    /// Which files count, and what was left out and why.
    pub files: FilesInfo,
    /// Objects that could not be read (absent from a partial clone, a damaged
    /// pack): skipped, the rest computed.
    pub skipped: Skipped,
    /// How the run went: commits walked now, and whether a cache was used.
    pub run: RunInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilesInfo {
    pub all_files: bool,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Per reason, the files whose changes in the range were left out.
    pub left_out: Vec<LeftOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOut {
    pub reason: LeftOutReason,
    /// The reason in words.
    pub why: String,
    pub files: u64,
    /// Lines those files gained in the range (not counted anywhere else).
    pub lines_added: u64,
    /// The files with the most lines first (at most 10).
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub objects: u64,
    /// The paths the first of them held (at most 10).
    pub paths: Vec<String>,
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
    let mut human_authors: Vec<String> = options
        .human_authors
        .iter()
        .chain(&git.configured_human_authors())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
        .collect();
    human_authors.sort();
    human_authors.dedup();
    let rules = Rules {
        include_bots: options.include_bots,
        by: options.by,
        human_authors: human_authors.clone(),
    };
    // What HEAD says of its files: attributes and sizes, decided once.
    let (head_files, attributes_sum) = match git.files_at(head) {
        Ok(found) => found,
        Err(e) => {
            tracing::debug!("report: HEAD's files not listed: {e}");
            (Vec::new(), 0)
        }
    };
    let mut at_head = HashMap::new();
    let mut inputs = crc32fast::Hasher::new();
    inputs.update(&attributes_sum.to_le_bytes());
    inputs.update(&git.inputs_checksum(head).to_le_bytes());
    let mut decided: Vec<(String, Option<LeftOutReason>)> = head_files
        .into_iter()
        .map(|f| {
            let mut attrs = git.attributes(&f.path);
            if attrs.generated.is_none() && f.generated_header {
                attrs.generated = Some(true);
            }
            let reason = options.files.decide(&f.path, attrs, f.size);
            (f.path, reason)
        })
        .collect();
    decided.sort();
    for (path, reason) in decided {
        if let Some(r) = reason {
            inputs.update(path.as_bytes());
            inputs.update(&[r as u8]);
        }
        at_head.insert(path, reason);
    }
    let key = cache::Key {
        since: options.since,
        include_bots: options.include_bots,
        by: options.by,
        rules: format!(
            "{};human={}",
            options.files.key(),
            human_authors.join("\u{1f}")
        ),
        inputs: inputs.finalize(),
    };
    let cache_dir = git
        .git_dir()
        .join("provenance")
        .join("cache")
        .join("report");
    // The cache holds the state at an earlier HEAD; it is reused only when
    // that HEAD is an ancestor of this one, nothing after `until` is asked
    // and nothing else that decides the figures changed.
    let cached = if options.use_cache {
        cache::load(&cache_dir, &key)
    } else {
        None
    };
    // Files an earlier walk found rewritten wholesale: a first guess.
    let mut wholesale = cached
        .as_ref()
        .map(|c| c.wholesale.clone())
        .unwrap_or_default();
    let resumed = cached.filter(|c| {
        let usable = c.inputs == key.inputs && git.is_ancestor(c.tip, head);
        if !usable {
            tracing::debug!(
                "report cache not used: inputs {:08x} (now {:08x}), tip {}",
                c.inputs,
                key.inputs,
                c.tip
            );
        }
        usable
    });
    // The outcome figures resume from their own file beside the cache, or
    // the walk starts again from the beginning of the range.
    let outcomes_file = outcomes::saved_file(&cache_dir, &key, &options.fix);
    let mut resumed_outcomes = None;
    let mut resumed = resumed.filter(|c| {
        resumed_outcomes = outcomes::load(
            &outcomes_file,
            c.tip,
            c.inputs,
            c.lives.processed,
            &options.fix,
        );
        resumed_outcomes.is_some()
    });
    tracing::debug!("report cache: resuming: {}", resumed.is_some());
    let workdir = git.workdir().unwrap_or_else(|| git.git_dir());
    let workdir = std::fs::canonicalize(&workdir).unwrap_or(workdir);
    let mut attempt = 0;
    let (lives, walked, from_cache, collector) = loop {
        attempt += 1;
        let mut filter = FileFilter::new(options.files.clone(), at_head.clone(), wholesale.clone());
        let (lives, hidden, from_cache) = match resumed.take() {
            Some(c) => {
                let n = c.lives.processed;
                (c.lives, vec![c.tip], n)
            }
            None => (Lives::default(), Vec::new(), 0),
        };
        let commits = git.commits(head, &hidden, options.since, options.until)?;
        let walked = commits.len() as u64;
        let sources = classify::LineSources::load(&workdir, git.has_line_sources());
        let mut collector = resumed_outcomes
            .take()
            .unwrap_or_else(|| outcomes::Collector::new(options.fix.clone()));
        let walker = Walker::new(&mut git, &mut filter, sources, rules.clone(), lives)
            .observe(&mut collector);
        let lives = walker.walk(&commits, &mut |done, total| {
            progress(Progress {
                stage: Stage::Commits,
                done,
                total,
            })
        })?;
        // Files that tools rewrite wholesale are known only once walked: when
        // the guess was wrong, walk again leaving out the ones found.
        let found = filter.wholesale_of(&lives.versions, |path| git.attributes(path));
        if found == wholesale || attempt == 3 {
            break (lives, walked, from_cache, collector);
        }
        wholesale = found;
    };
    // Only a state that ends at HEAD alone can be resumed from; a cache
    // that cannot be written only costs the next run time.
    if options.use_cache && walked > 0 && lives.ends.len() == 1 && lives.ends[0].0 == head {
        if let Err(e) = cache::store(&cache_dir, &key, head, &wholesale, &lives) {
            tracing::debug!("report cache not written: {e}");
        }
        let processed = lives.processed;
        if let Err(e) = outcomes::store(&outcomes_file, head, key.inputs, processed, &collector) {
            tracing::debug!("report outcomes not written: {e}");
        }
    }
    let mut report = assemble(options, &workdir, head, &lives, walked, from_cache);
    // What the assistant lines cost, from the usage their notes carry.
    let index = git
        .has_line_sources()
        .then(|| crate::attribution::AttributionIndex::load_at(&workdir));
    let spent = |commit: &str| {
        index
            .as_ref()
            .map(|i| i.commit_usage(commit))
            .unwrap_or_default()
    };
    outcomes::apply(
        &mut report,
        &collector,
        &lives,
        head,
        options.until,
        index.is_some().then_some(&spent as &dyn Fn(&str) -> _),
        options.prices.as_ref(),
    );
    if let Some(dir) = &options.export {
        let name = git.display_name();
        let (commits, lines) = export::rows(
            &name,
            &collector,
            &lives,
            head,
            index.is_some().then_some(&spent as &dyn Fn(&str) -> _),
        );
        export::write(dir, &commits, &lines).map_err(|e| ReportError::Export {
            path: dir.clone(),
            message: e.to_string(),
        })?;
    }
    report.name = git.display_name();
    report.human_authors = human_authors;
    // The riskiest files, split into blocks with the risk of docs/risk.md,
    // as they were at the end of the range.
    let split = if options.block_hotspots {
        hotspots::FILES_SPLIT_INTO_BLOCKS
    } else {
        0
    };
    let files: Vec<String> = report
        .hotspots
        .iter()
        .take(split)
        .map(|spot| spot.path.clone())
        .collect();
    let git_dir = git.git_dir();
    // The walk's state (lines alive, object caches) is not needed any more:
    // freed before the block histories are read, so that the peak is the
    // larger of the two, not their sum.
    drop(git);
    drop(lives);
    release_freed_memory();
    let history_cache = options
        .use_cache
        .then(|| git_dir.join("provenance").join("cache"));
    report.block_hotspots = hotspots::blocks(
        &workdir,
        history_cache,
        &files,
        options.until,
        &mut |done| {
            progress(Progress {
                stage: Stage::BlockFiles,
                done,
                total: files.len() as u64,
            })
        },
    );
    report.risk_check = risk_check::for_report(&git_dir, options.until);
    Ok(report)
}

/// Hands the memory the walk freed back to the system: glibc keeps freed
/// pages in its arenas, so the process would otherwise stay at the walk's
/// peak while the block histories are read.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the kernel; it takes no
    // pointers and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
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
    let mut censored: [Vec<u64>; CLASSES] = Default::default();
    let mut group_censored: Vec<[Vec<u64>; CLASSES]> = vec![Default::default(); lives.groups.len()];
    let mut alive_by_path: BTreeMap<&str, [u64; CLASSES]> = BTreeMap::new();
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
    let rows = match options.by {
        Some(GroupBy::Agent) => join_models(&lives.group_names, &lives.groups, &group_censored),
        _ => lives
            .group_names
            .iter()
            .zip(&lives.groups)
            .zip(group_censored)
            .map(|((key, tally), censored)| GroupRow {
                key: key.clone(),
                tally: tally.clone(),
                censored,
                models: Vec::new(),
            })
            .collect(),
    };
    let groups = rows
        .into_iter()
        .map(|row| Group {
            key: row.key,
            figures: figures_of(
                &row.tally,
                &row.censored,
                until,
                &SURVIVAL_DAYS.map(|d| d as u32),
            ),
            models: row.models,
        })
        .filter(|g| {
            g.figures.commits != PerClass::default() || g.figures.lines_added != PerClass::default()
        })
        .collect();
    let added = &figures.lines_added;
    let written = added.ai + added.human + added.no_evidence;
    let coverage = ratio(added.ai + added.human, written);
    Report {
        schema: SCHEMA.to_string(),
        repository: workdir.display().to_string(),
        name: String::new(),
        head: Some(walk::Git::hex(head)),
        range: Range {
            since: options.since.map(figures::rfc3339),
            until: figures::rfc3339(until),
        },
        merges: lives.total.merges,
        bot_commits: lives.bot_commits,
        bots_included: options.include_bots,
        coverage,
        human_authors: Vec::new(),
        figures,
        survival_curve: curve,
        churn_by_month: churn_by_month(&lives.total, until),
        outcomes: Default::default(),
        hotspots: hotspots::rank(&lives.paths, &alive_by_path, options.hotspots),
        block_hotspots: Vec::new(),
        risk_check: None,
        by: options.by,
        groups,
        files: FilesInfo {
            all_files: options.files.all_files,
            include: options.files.include.clone(),
            exclude: options.files.exclude.clone(),
            left_out: left_out(lives),
        },
        skipped: Skipped {
            objects: lives.missing.len() as u64,
            paths: {
                let mut paths: Vec<String> = Vec::new();
                for p in lives.missing.values() {
                    if !paths.contains(p) && paths.len() < 10 {
                        paths.push(p.clone());
                    }
                }
                paths
            },
        },
        run: RunInfo {
            commits_walked: walked,
            commits_from_cache: from_cache,
        },
    }
}

/// What was left out, by reason, the files with most lines first.
fn left_out(lives: &Lives) -> Vec<LeftOut> {
    LeftOutReason::ALL
        .iter()
        .filter_map(|&reason| {
            let mut files: Vec<(&String, u64)> = lives
                .left_out
                .iter()
                .filter(|(_, (r, _))| *r == reason as u8)
                .map(|(p, (_, n))| (p, *n))
                .collect();
            if files.is_empty() {
                return None;
            }
            files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            Some(LeftOut {
                reason,
                why: reason.why().to_string(),
                files: files.len() as u64,
                lines_added: files.iter().map(|(_, n)| n).sum(),
                paths: files.iter().take(10).map(|(p, _)| p.to_string()).collect(),
            })
        })
        .collect()
}

fn figures_of(tally: &Tally, censored: &[Vec<u64>; CLASSES], until: i64, days: &[u32]) -> Figures {
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
            no_evidence: survival_of(Class::NoEvidence),
        },
        rework_per_line: PerClass::from_fn(|c| {
            let t = tally.get(c);
            figures::rework_per_line(t, ended_of_added(t)).map(round4)
        }),
        fixes: Default::default(),
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
                no_evidence: ratio(churned.no_evidence, added.no_evidence),
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
        Class::NoEvidence => &mut per.no_evidence,
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
