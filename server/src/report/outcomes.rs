//! What lines needed after they were written: which later fix commits
//! changed them and how soon, and how they fared once they reached the
//! default branch (the landed clock). Fed by the walk (`lives::LineEvents`):
//! every commit in walk order and every line end, which it keeps as
//! cohorts — lines of one origin commit, class, group and file that ended
//! in the same commit (or are still alive) — a table that grows with the
//! commits and files of the range, not with their lines. The fix rule is
//! the one `backtest` uses (`blocks::FixPattern`, reverts included).
//!
//! Must never read git itself (the walk does) and never guess: a line with
//! no fix commit is right-censored at its end or at `until`, as in the
//! survival curves.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::blocks::FixPattern;

use super::figures::{self, Class, Tally, CLASSES, MAX_DAYS, SURVIVAL_DAYS};
use super::lives::{self, Line, LineEvents, Lives};
use super::walk::{CommitId, CommitInfo, Git};
use super::{PerClass, Report, Survival, SurvivalPoint};

/// One walked commit, by its index in the walk (`Line::origin`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CommitRow {
    pub(super) id: String,
    pub(super) time: i64,
    pub(super) parents: Vec<String>,
    /// Its message matches the fix pattern.
    pub(super) fix: bool,
}

/// Lines of one origin, class, group and file that ended in one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct CohortKey {
    path: u32,
    origin: u32,
    class: u8,
    group: u32,
    ended_by: u32,
}

/// The walk's record of commits and line ends; resumable from the cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collector {
    #[serde(skip, default = "default_fix")]
    fix: FixPattern,
    pub(super) commits: Vec<CommitRow>,
    paths: Vec<String>,
    #[serde(skip)]
    path_index: HashMap<String, u32>,
    #[serde(with = "cohort_rows")]
    ended: HashMap<CohortKey, u64>,
    #[serde(skip)]
    current: u32,
}

fn default_fix() -> FixPattern {
    FixPattern::default_pattern().clone()
}

impl Collector {
    pub fn new(fix: FixPattern) -> Collector {
        Collector {
            fix,
            commits: Vec::new(),
            paths: Vec::new(),
            path_index: HashMap::new(),
            ended: HashMap::new(),
            current: 0,
        }
    }

    fn path(&mut self, path: &str) -> u32 {
        if let Some(&i) = self.path_index.get(path) {
            return i;
        }
        let i = self.paths.len() as u32;
        self.paths.push(path.to_string());
        self.path_index.insert(path.to_string(), i);
        i
    }
}

impl LineEvents for Collector {
    fn commit(&mut self, origin: u32, info: &CommitInfo, message: &str) {
        debug_assert_eq!(origin as usize, self.commits.len());
        self.current = origin;
        self.commits.push(CommitRow {
            id: Git::hex(info.id),
            time: info.time,
            parents: info.parents.iter().map(|p| Git::hex(*p)).collect(),
            fix: self.fix.is_fix(message),
        });
    }

    fn ended(&mut self, line: Line, path: &str) {
        let key = CohortKey {
            path: self.path(path),
            origin: line.origin,
            class: line.class as u8,
            group: line.group,
            ended_by: self.current,
        };
        *self.ended.entry(key).or_default() += 1;
    }
}

mod cohort_rows {
    use std::collections::HashMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::CohortKey;

    pub fn serialize<S: Serializer>(
        map: &HashMap<CohortKey, u64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut rows: Vec<(&CohortKey, &u64)> = map.iter().collect();
        rows.sort_by_key(|(k, _)| (k.origin, k.ended_by, k.path, k.class, k.group));
        rows.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<HashMap<CohortKey, u64>, D::Error> {
        let rows: Vec<(CohortKey, u64)> = Vec::deserialize(d)?;
        Ok(rows.into_iter().collect())
    }
}

/// The collector saved beside the report cache, for the state at `tip`.
#[derive(Serialize, Deserialize)]
struct Saved {
    tip: String,
    inputs: u32,
    processed: u64,
    fix_pattern: String,
    collector: Collector,
}

/// Where the collector for the cache file of `key` is kept.
pub fn saved_file(dir: &Path, key: &super::cache::Key, fix: &FixPattern) -> PathBuf {
    let since = key.since.map_or("all".to_string(), |s| s.to_string());
    let rules =
        crc32fast::hash(format!("{:?}|{}|{}", key.by, key.include_bots, key.rules).as_bytes());
    let fix = crc32fast::hash(fix.as_str().as_bytes());
    dir.join(format!("outcomes-{rules:08x}.{fix:08x}.since-{since}.json"))
}

/// The collector saved for the cached state at `tip` after `processed`
/// commits, if it is that one.
pub fn load(
    file: &Path,
    tip: CommitId,
    inputs: u32,
    processed: u64,
    fix: &FixPattern,
) -> Option<Collector> {
    let saved: Saved = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    if saved.tip != Git::hex(tip)
        || saved.inputs != inputs
        || saved.processed != processed
        || saved.fix_pattern != fix.as_str()
        || saved.collector.commits.len() as u64 != processed
    {
        return None;
    }
    let mut collector = saved.collector;
    collector.fix = fix.clone();
    collector.path_index = collector
        .paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.clone(), i as u32))
        .collect();
    Some(collector)
}

/// Saves the collector beside the cache state at `tip`; older windows' files go.
pub fn store(
    file: &Path,
    tip: CommitId,
    inputs: u32,
    processed: u64,
    collector: &Collector,
) -> std::io::Result<()> {
    let saved = Saved {
        tip: Git::hex(tip),
        inputs,
        processed,
        fix_pattern: collector.fix.as_str().to_string(),
        collector: collector.clone(),
    };
    let bytes = serde_json::to_vec(&saved).map_err(std::io::Error::other)?;
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if let Some((stem, _)) = name.split_once(".since-") {
        for entry in std::fs::read_dir(dir)?.flatten() {
            let other = entry.file_name().to_string_lossy().into_owned();
            if other.starts_with(stem) && other != name {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, file)
}

/// Days from a line's commit to the fix commit that changed it: the
/// Kaplan–Meier estimate of the time to a fix, lines that ended otherwise or
/// are alive right-censored. `median` and `p90` are the days by which half
/// and 90 % of the fixes the estimate counts by the end of the observation
/// had happened; null when no line was fixed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaysToFix {
    pub median: Option<u32>,
    pub p90: Option<u32>,
}

/// Fixes by origin, for the whole and for each `--by` group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixFigures {
    /// Lines written in the range that a later fix commit deleted or replaced
    /// (`unknown`: lines from before the range).
    pub fixed_lines: PerClass<u64>,
    /// Fix commits that changed at least one such line.
    pub fix_commits: PerClass<u64>,
    /// fixCommits per 1,000 lines added; null when none was added.
    #[serde(rename = "fixesPer1000Lines")]
    pub fixes_per1000_lines: PerClass<Option<f64>>,
    pub days_to_fix: PerClass<DaysToFix>,
}

/// Survival and churn counted from when each line reached the default
/// branch (HEAD's first-parent line): the first-parent merge that brought
/// its commit, or the commit itself when made there. Lines that ended
/// before they landed (rewritten on their branch) are not in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LandedClock {
    pub lines_landed: PerClass<u64>,
    pub ended_before_landing: PerClass<u64>,
    pub churn14d: PerClass<Option<f64>>,
    pub survival: Option<Survival>,
}

/// The outcome figures of the whole report, beside the walk's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcomes {
    /// The fix rule (a regex on the commit message), as `backtest --fix-pattern`.
    pub fix_pattern: String,
    /// Share of lines fixed before `days` whole days had passed, day by day
    /// (0..=365): 1 − the Kaplan–Meier estimate of lines not yet fixed, read
    /// like `survivalCurve`. For the time-to-fix chart.
    pub time_to_fix_curve: Option<Survival>,
    /// The landed clock.
    pub landed: LandedClock,
    /// Tokens and cost of assistant lines; null when no note carries usage.
    pub tokens: Option<super::cost::Tokens>,
}

/// One cohort of lines, resolved: for figures and the export.
pub(super) struct Cohort {
    /// The file the lines were in when they ended (or are in at the end).
    pub(super) path: String,
    pub(super) origin: u32,
    pub(super) class: Class,
    pub(super) group: u32,
    pub(super) ended_by: Option<u32>,
    pub(super) lines: u64,
}

/// Every cohort: the ended ones the walk saw, and the lines alive at its ends.
pub(super) fn cohorts(collector: &Collector, lives: &Lives) -> Vec<Cohort> {
    let mut out: Vec<Cohort> = collector
        .ended
        .iter()
        .map(|(k, &n)| Cohort {
            path: collector.paths[k.path as usize].clone(),
            origin: k.origin,
            class: Class::from_u8(k.class),
            group: k.group,
            ended_by: Some(k.ended_by),
            lines: n,
        })
        .collect();
    let mut alive: HashMap<(&str, u32, u8, u32), u64> = HashMap::new();
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let several = lives.ends.len() > 1;
    for (_, files) in &lives.ends {
        for (path, lines) in files {
            for line in lines.iter() {
                if line.origin == lives::UNKNOWN || line.class == Class::Bot {
                    continue;
                }
                if several && !seen.insert((line.origin, line.seq)) {
                    continue;
                }
                *alive
                    .entry((path.as_str(), line.origin, line.class as u8, line.group))
                    .or_default() += 1;
            }
        }
    }
    out.extend(
        alive
            .into_iter()
            .map(|((path, origin, class, group), lines)| Cohort {
                path: path.to_string(),
                origin,
                class: Class::from_u8(class),
                group,
                ended_by: None,
                lines,
            }),
    );
    out
}

/// `figures::bump`, `n` times.
fn add(histogram: &mut Vec<u64>, bucket: usize, n: u64) {
    if histogram.len() <= bucket {
        histogram.resize(bucket + 1, 0);
    }
    histogram[bucket] += n;
}

/// When each walked commit reached HEAD's first-parent line: (the index of
/// the commit on that line that brought it, its time).
pub(super) fn landed(collector: &Collector, head: &str) -> Vec<(u32, i64)> {
    let index: HashMap<&str, u32> = collector
        .commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i as u32))
        .collect();
    let mut chain = Vec::new();
    let mut at = index.get(head).copied();
    while let Some(i) = at {
        chain.push(i);
        at = collector.commits[i as usize]
            .parents
            .first()
            .and_then(|p| index.get(p.as_str()).copied());
    }
    // Oldest first: everything a merge's first parent reaches is assigned by then.
    let mut landed: Vec<Option<(u32, i64)>> = vec![None; collector.commits.len()];
    for &c in chain.iter().rev() {
        let time = collector.commits[c as usize].time;
        landed[c as usize] = Some((c, time));
        let mut stack: Vec<u32> = collector.commits[c as usize]
            .parents
            .iter()
            .skip(1)
            .filter_map(|p| index.get(p.as_str()).copied())
            .collect();
        while let Some(i) = stack.pop() {
            if landed[i as usize].is_some() {
                continue;
            }
            landed[i as usize] = Some((c, time));
            stack.extend(
                collector.commits[i as usize]
                    .parents
                    .iter()
                    .filter_map(|p| index.get(p.as_str()).copied()),
            );
        }
    }
    // A commit no first-parent commit of the range reaches: its own time.
    landed
        .into_iter()
        .enumerate()
        .map(|(i, l)| l.unwrap_or((i as u32, collector.commits[i].time)))
        .collect()
}

#[derive(Default)]
struct FixTally {
    fixed: [u64; CLASSES],
    fix_commits: [HashSet<u32>; CLASSES],
    events: [Vec<u64>; CLASSES],
    censored: [Vec<u64>; CLASSES],
}

impl FixTally {
    fn add(&mut self, c: &Cohort, collector: &Collector, until: i64) {
        let k = c.class as usize;
        let fixed_by = c.ended_by.filter(|&e| collector.commits[e as usize].fix);
        if let Some(e) = fixed_by {
            self.fixed[k] += c.lines;
            self.fix_commits[k].insert(e);
        }
        if c.origin == lives::UNKNOWN {
            return;
        }
        let born = collector.commits[c.origin as usize].time;
        let (histogram, at) = match (fixed_by, c.ended_by) {
            (Some(e), _) => (&mut self.events[k], collector.commits[e as usize].time),
            (None, Some(e)) => (&mut self.censored[k], collector.commits[e as usize].time),
            (None, None) => (&mut self.censored[k], until),
        };
        add(histogram, figures::days_bucket(at - born), c.lines);
    }

    fn figures(&self, lines_added: &PerClass<u64>) -> FixFigures {
        let of = |class: Class| class as usize;
        let per_1000 = |class: Class, added: u64| {
            (added > 0).then(|| {
                super::round4(self.fix_commits[of(class)].len() as f64 * 1000.0 / added as f64)
            })
        };
        let days = |class: Class| {
            if class == Class::Unknown {
                return DaysToFix::default();
            }
            let fixed = fixed_share_by_day(&self.events[of(class)], &self.censored[of(class)]);
            DaysToFix {
                median: quantile(&fixed, 0.5),
                p90: quantile(&fixed, 0.9),
            }
        };
        FixFigures {
            fixed_lines: PerClass::from_fn(|c| self.fixed[of(c)]),
            fix_commits: PerClass::from_fn(|c| self.fix_commits[of(c)].len() as u64),
            fixes_per1000_lines: PerClass {
                ai: per_1000(Class::Ai, lines_added.ai),
                human: per_1000(Class::Human, lines_added.human),
                no_evidence: per_1000(Class::NoEvidence, lines_added.no_evidence),
                unknown: None,
            },
            days_to_fix: PerClass::from_fn(days),
        }
    }
}

/// The share of lines fixed after each whole day `d` (0..=MAX_DAYS): 1 − the
/// Kaplan–Meier estimate after the fixes of day `d`, lines censored at `d`
/// still at risk for them (as `figures::kaplan_meier`).
fn fixed_share_by_day(events: &[u64], censored: &[u64]) -> Vec<f64> {
    let curve = figures::kaplan_meier(events, censored);
    let at = |h: &[u64], d: usize| h.get(d).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(MAX_DAYS + 1);
    let mut survival = 1.0f64;
    for (d, &(_, at_risk)) in curve.iter().enumerate() {
        if at_risk > 0 {
            survival *= 1.0 - at(events, d) as f64 / at_risk as f64;
        }
        out.push(1.0 - survival);
    }
    out
}

/// The first day by which the share fixed reached `q` of its final value.
fn quantile(fixed: &[f64], q: f64) -> Option<u32> {
    let last = *fixed.last()?;
    if last <= 0.0 {
        return None;
    }
    fixed
        .iter()
        .position(|&f| f >= q * last - 1e-12)
        .map(|d| d as u32)
}

/// Fills the report's outcome figures from the walk's record.
pub fn apply(
    report: &mut Report,
    collector: &Collector,
    lives: &Lives,
    head: CommitId,
    until: i64,
    spent: Option<super::cost::SpentOf<'_>>,
    prices: Option<&super::cost::Prices>,
) {
    let cohorts = cohorts(collector, lives);
    let mut total = FixTally::default();
    let mut groups: HashMap<u32, FixTally> = HashMap::new();
    for c in &cohorts {
        if c.class == Class::Bot {
            continue;
        }
        total.add(c, collector, until);
        if report.by.is_some() {
            groups.entry(c.group).or_default().add(c, collector, until);
        }
    }
    report.figures.fixes = total.figures(&report.figures.lines_added);
    for group in &mut report.groups {
        let Some(g) = lives.group_names.iter().position(|n| *n == group.key) else {
            continue;
        };
        if let Some(tally) = groups.get(&(g as u32)) {
            group.figures.fixes = tally.figures(&group.figures.lines_added);
        }
    }
    let curve = |class: Class| -> Vec<SurvivalPoint> {
        let k = class as usize;
        let risk = figures::kaplan_meier(&total.events[k], &total.censored[k]);
        (0..=365usize)
            .map(|d| SurvivalPoint {
                days: d as u32,
                share: risk[d].0.map(|s| super::round4(1.0 - s)),
                at_risk: risk[d].1,
            })
            .collect()
    };
    report.outcomes.fix_pattern = collector.fix.as_str().to_string();
    report.outcomes.time_to_fix_curve = Some(Survival {
        ai: curve(Class::Ai),
        human: curve(Class::Human),
        no_evidence: curve(Class::NoEvidence),
    });
    report.outcomes.landed = landed_clock(collector, &cohorts, &Git::hex(head), until);
    report.outcomes.tokens = spent
        .and_then(|spent| super::cost::tokens(&collector.commits, &cohorts, spent, prices, until));
}

fn landed_clock(collector: &Collector, cohorts: &[Cohort], head: &str, until: i64) -> LandedClock {
    let landed = landed(collector, head);
    let mut tally = Tally::default();
    let mut censored: [Vec<u64>; CLASSES] = Default::default();
    let mut before: [u64; CLASSES] = [0; CLASSES];
    for c in cohorts {
        if c.origin == lives::UNKNOWN || c.class == Class::Bot {
            continue;
        }
        let (via, at) = landed[c.origin as usize];
        let t = tally.class(c.class);
        match c.ended_by {
            Some(e) if landed[e as usize].0 == via => before[c.class as usize] += c.lines,
            Some(e) => {
                let end = landed[e as usize].1.max(at);
                for _ in 0..c.lines {
                    t.born(at);
                    t.ended(Some(at), end);
                }
            }
            None => {
                for _ in 0..c.lines {
                    t.born(at);
                }
                add(
                    &mut censored[c.class as usize],
                    lives::whole_days(at, until),
                    c.lines,
                );
            }
        }
    }
    let figures = super::figures_of(&tally, &censored, until, &SURVIVAL_DAYS.map(|d| d as u32));
    LandedClock {
        lines_landed: figures.lines_added,
        ended_before_landing: PerClass::from_fn(|c| before[c as usize]),
        churn14d: figures.churn14d,
        survival: Some(figures.survival),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_to_fix_is_censored_like_survival() {
        // 10 lines: 2 fixed after 2 days, 1 after 10, the other 7 still going
        // after 30. S = 0.8 after day 2, 0.8 · 7/8 = 0.7 after day 10: 30 %
        // fixed; half of that (15 %) by day 2, 90 % (27 %) by day 10.
        let mut events = vec![0; 11];
        events[2] = 2;
        events[10] = 1;
        let mut censored = vec![0; 31];
        censored[30] = 7;
        let fixed = fixed_share_by_day(&events, &censored);
        assert!((fixed[2] - 0.2).abs() < 1e-9 && (fixed[10] - 0.3).abs() < 1e-9);
        assert_eq!(quantile(&fixed, 0.5), Some(2));
        assert_eq!(quantile(&fixed, 0.9), Some(10));
        assert_eq!(quantile(&fixed_share_by_day(&[], &censored), 0.5), None);
    }
}
