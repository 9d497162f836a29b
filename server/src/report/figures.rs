//! The running tallies of a report and the arithmetic that turns them into
//! figures: churn within 14 days, Kaplan–Meier survival, rework per line.
//! Pure numbers: knows nothing of git, files or output formats.
//!
//! Memory is bounded by the number of days in the range (lines added and
//! churned per birth day) and by `MAX_DAYS` (line ends per whole days lived),
//! never by the number of commits or lines.

use std::collections::BTreeMap;

pub const DAY: i64 = 86_400;
/// Lives longer than this many days are kept in one last bucket: the
/// survival curve is only read up to here.
pub const MAX_DAYS: usize = 366;
/// GitClear's window: a line replaced or deleted at most this long after it
/// was written counts as churn.
pub const CHURN_WINDOW: i64 = 14 * DAY;
/// The points of the survival curve the report names.
pub const SURVIVAL_DAYS: [usize; 4] = [1, 7, 21, 90];

/// Who wrote a line (or a commit), by the evidence there is: an assistant
/// (a trailer, a note, a trace record), a person (positive evidence only:
/// a git-ai `h_` record, a human contributor in a trace record or note, an
/// author the user declares human), or no evidence either way — which is
/// never counted as human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Class {
    Ai = 0,
    Human = 1,
    /// Written before the range: its origin was not walked.
    Unknown = 2,
    /// A bot's commit, left out of every figure unless `--include-bots`.
    Bot = 3,
    /// Written in the range, with no evidence of who (or what) wrote it.
    NoEvidence = 4,
}

/// How many classes there are (the length of per-class arrays).
pub const CLASSES: usize = 5;

impl Class {
    pub const REPORTED: [Class; 4] = [Class::Ai, Class::Human, Class::NoEvidence, Class::Unknown];

    pub fn from_u8(v: u8) -> Class {
        match v {
            0 => Class::Ai,
            1 => Class::Human,
            2 => Class::Unknown,
            4 => Class::NoEvidence,
            _ => Class::Bot,
        }
    }
}

/// Tallies for one class of authorship.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassTally {
    pub commits: u64,
    pub lines_added: u64,
    /// Lines deleted or replaced by commits of this class (as numstat counts).
    pub lines_deleted: u64,
    /// Lines of this class deleted or replaced by any later commit.
    pub lines_ended: u64,
    /// Lines added, by day of birth (unix day).
    pub added_by_day: BTreeMap<i64, u64>,
    /// Of those, the lines that ended within `CHURN_WINDOW`, by day of birth.
    pub churned_by_day: BTreeMap<i64, u64>,
    /// Lines that ended after `d` whole days (last bucket: `MAX_DAYS` or more).
    pub ended_after: Vec<u64>,
}

impl ClassTally {
    pub fn born(&mut self, time: i64) {
        self.lines_added += 1;
        *self.added_by_day.entry(time.div_euclid(DAY)).or_default() += 1;
    }

    /// A line of this class, born at `born` (None: before the range),
    /// ended at `at`.
    pub fn ended(&mut self, born: Option<i64>, at: i64) {
        self.lines_ended += 1;
        let Some(born) = born else { return };
        let lived = (at - born).max(0);
        if lived <= CHURN_WINDOW {
            *self.churned_by_day.entry(born.div_euclid(DAY)).or_default() += 1;
        }
        bump(&mut self.ended_after, days_bucket(lived));
    }
}

pub fn days_bucket(seconds: i64) -> usize {
    ((seconds.max(0) / DAY) as usize).min(MAX_DAYS)
}

/// Adds `other` to `histogram`, bucket by bucket.
pub fn add_histogram(histogram: &mut Vec<u64>, other: &[u64]) {
    if histogram.len() < other.len() {
        histogram.resize(other.len(), 0);
    }
    for (mine, theirs) in histogram.iter_mut().zip(other) {
        *mine += theirs;
    }
}

pub fn bump(histogram: &mut Vec<u64>, bucket: usize) {
    if histogram.len() <= bucket {
        histogram.resize(bucket + 1, 0);
    }
    histogram[bucket] += 1;
}

/// Tallies for AI, human, no evidence, unknown (and bots when they are
/// excluded, so that the count of what was left out can be shown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub classes: [ClassTally; CLASSES],
    pub merges: u64,
}

impl Tally {
    /// Adds `other`'s counts to these (every count is a sum over lines or commits).
    pub fn absorb(&mut self, other: &Tally) {
        for (mine, theirs) in self.classes.iter_mut().zip(&other.classes) {
            // Named in full so that a new field cannot be left out here.
            let ClassTally {
                commits,
                lines_added,
                lines_deleted,
                lines_ended,
                added_by_day,
                churned_by_day,
                ended_after,
            } = theirs;
            mine.commits += commits;
            mine.lines_added += lines_added;
            mine.lines_deleted += lines_deleted;
            mine.lines_ended += lines_ended;
            for (day, n) in added_by_day {
                *mine.added_by_day.entry(*day).or_default() += n;
            }
            for (day, n) in churned_by_day {
                *mine.churned_by_day.entry(*day).or_default() += n;
            }
            add_histogram(&mut mine.ended_after, ended_after);
        }
        self.merges += other.merges;
    }

    pub fn class(&mut self, class: Class) -> &mut ClassTally {
        &mut self.classes[class as usize]
    }
    pub fn get(&self, class: Class) -> &ClassTally {
        &self.classes[class as usize]
    }
}

/// Churn within 14 days: of the lines born early enough to have been
/// watched for 14 days by `until`, the share that ended within 14 days.
/// None when no such line exists.
pub fn churn_14d(tally: &ClassTally, until: i64) -> Option<f64> {
    let last_day = (until - CHURN_WINDOW).div_euclid(DAY);
    let added: u64 = tally.added_by_day.range(..=last_day).map(|(_, n)| n).sum();
    let churned: u64 = tally
        .churned_by_day
        .range(..=last_day)
        .map(|(_, n)| n)
        .sum();
    (added > 0).then(|| churned as f64 / added as f64)
}

/// Kaplan–Meier estimate S(t) for t = 0..=MAX_DAYS whole days, from lives
/// that ended (`ended_after`) and lives still going (`censored_after`),
/// both by whole days lived. A life still going at `d` days is at risk for
/// the ends of day `d` (censoring after events, the usual convention).
/// Returns (share surviving, lives at risk) per day; share is None where
/// nobody is left at risk and the curve is not yet at zero.
pub fn kaplan_meier(ended_after: &[u64], censored_after: &[u64]) -> Vec<(Option<f64>, u64)> {
    let total: u64 = ended_after.iter().sum::<u64>() + censored_after.iter().sum::<u64>();
    let at = |h: &[u64], d: usize| h.get(d).copied().unwrap_or(0);
    let mut curve = Vec::with_capacity(MAX_DAYS + 1);
    let mut survival = 1.0f64;
    let mut at_risk = total;
    for t in 0..=MAX_DAYS {
        let share = if total == 0 || (at_risk == 0 && survival > 0.0) {
            None
        } else {
            Some(survival)
        };
        curve.push((share, at_risk));
        let ended = at(ended_after, t);
        if at_risk > 0 {
            survival *= 1.0 - ended as f64 / at_risk as f64;
        }
        at_risk = at_risk.saturating_sub(ended + at(censored_after, t));
    }
    curve
}

/// Rework per line added: lines of this class later replaced or deleted
/// (at any time in the range) per line of this class added in the range.
pub fn rework_per_line(tally: &ClassTally, ended_of_added: u64) -> Option<f64> {
    (tally.lines_added > 0).then(|| ended_of_added as f64 / tally.lines_added as f64)
}

/// Civil date (year, month, day) of a unix day (Howard Hinnant's algorithm).
pub fn civil(day: i64) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Unix day of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a unix time.
pub fn rfc3339(time: i64) -> String {
    let (y, m, d) = civil(time.div_euclid(DAY));
    let s = time.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for day in [-1000, 0, 1, 59, 365, 11_016, 20_000, 20_419] {
            let (y, m, d) = civil(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn kaplan_meier_handles_censoring() {
        // 4 lives: ended after 0 and 2 days; still going after 1 and 5 days.
        // S(1) = 1 - 1/4 = 0.75; at day 2 at risk: 4 - 1 (ended d0) - 1 (censored d1) = 2,
        // so S(3) = 0.75 * (1 - 1/2) = 0.375; after day 5 nobody at risk: None.
        let ended = [1, 0, 1];
        let censored = [0, 1, 0, 0, 0, 1];
        let curve = kaplan_meier(&ended, &censored);
        let shares: Vec<_> = curve[..7].iter().map(|(s, _)| *s).collect();
        assert_eq!(
            shares,
            [
                Some(1.0),
                Some(0.75),
                Some(0.75),
                Some(0.375),
                Some(0.375),
                Some(0.375),
                None
            ]
        );
    }
}
