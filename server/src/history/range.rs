//! Range history, following git's `line-log.c` (`git log -L A,B:path`):
//! commits are visited in git's topological (graph) order; each carries
//! line ranges per path; a commit is listed when a hunk of its diff
//! touches its ranges; ranges move to the parent through the diff (the
//! touched hunks' parent sides replace the lines they cover, the rest shift
//! with the hunks above). A merge whose range one parent left untouched
//! hands everything to that parent and is not listed. Renames are followed.
//! Must never know about the caches or how results are shown.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use gix::ObjectId;

use super::blame::{Blaming, Walker};
use super::diff::Hunk;
use super::repo::{EntryKind, Objects};
use super::{FileBlame, HistoryError};

/// A listed commit with the size of its touching hunks.
#[derive(Debug, Clone)]
pub(crate) struct RangeChange {
    pub commit: ObjectId,
    pub path: String,
    pub added: u32,
    pub deleted: u32,
}

/// 0-based half-open line ranges, sorted, merged, none empty.
pub(crate) type Ranges = Vec<(u32, u32)>;

/// Tracked ranges per path.
pub(crate) type Tracked = Vec<(String, Ranges)>;

/// The tracked ranges of several ranges at one commit, by range index
/// (sorted, each index once, none empty).
pub(crate) type Group = Vec<(usize, Tracked)>;

/// What a range (1-based, inclusive) of `path` tracks where its walk starts.
pub(crate) fn tracked(path: &str, (start, end): (u32, u32)) -> Tracked {
    vec![(path.to_owned(), vec![(start.saturating_sub(1), end)])]
}

/// How far a walk is: commits visited of the commits it orders (the
/// history behind the tip); called now and then, and once at the end.
pub(crate) type Progress<'p> = &'p (dyn Fn(u64, u64) + Sync);

/// Answers the origins whose whole blame is already known (the cache).
pub(crate) type Known<'k> = &'k mut dyn FnMut(ObjectId, &str) -> Option<Arc<FileBlame>>;

/// Range history of every range in `ranges` (1-based, inclusive) in one
/// walk: the commit order, the versions of the file and the diff of each
/// commit are shared, while each range keeps its own tracked lines, so each
/// result is exactly what a walk for that range alone lists (git's own
/// multi-range `-L` would merge the ranges instead). Fails as a walk of the
/// first invalid range would.
///
/// With `blame`, the same walk also blames the whole file at `tip` (see
/// [`Walker::start_blame`]): one visit of each commit, one read of each
/// version, for the blame and every range.
#[allow(clippy::too_many_arguments)]
pub(crate) fn line_log(
    objects: &mut Objects,
    tip: ObjectId,
    path: &str,
    ranges: &[(u32, u32)],
    shown: &Path,
    cancel: Option<Arc<AtomicBool>>,
    blame: Option<Known<'_>>,
    progress: Option<Progress<'_>>,
) -> Result<(Option<FileBlame>, Vec<Vec<RangeChange>>), HistoryError> {
    let mut walker = Walker::new(objects);
    walker.cancel = cancel;
    let mut log = LineLog::new(&mut walker, tip, path, ranges, shown)?;
    let mut blaming = match &blame {
        Some(_) => Some(walker.start_blame(tip, path, true)?),
        None => None,
    };
    if log.is_done() && blaming.is_none() {
        return Ok((None, log.outs));
    }
    walk(
        &mut walker,
        tip,
        &mut log,
        blaming.as_mut().zip(blame),
        progress,
    )?;
    Ok((blaming.map(Blaming::finish), log.outs))
}

/// The ranges of `group` (tracked ranges by range index, at `tip`; indexes
/// below `count`) walked from `tip`: what each lists.
pub(crate) fn line_log_group(
    objects: &mut Objects,
    tip: ObjectId,
    group: Group,
    count: usize,
    cancel: Option<Arc<AtomicBool>>,
    progress: Option<Progress<'_>>,
) -> Result<Vec<Vec<RangeChange>>, HistoryError> {
    let mut walker = Walker::new(objects);
    walker.cancel = cancel;
    let mut log = LineLog {
        pending: HashMap::from([(tip, group)]),
        outs: vec![Vec::new(); count],
    };
    walk(&mut walker, tip, &mut log, None, progress)?;
    Ok(log.outs)
}

/// The ranges walked through `chain` only (newest first, each commit the
/// only parent of the one before, `chain[0]` the tip), then left at the
/// parent of the last: what each lists on the way and, by range index, the
/// ranges it tracks there. What refreshing after new commits costs: their
/// diffs, not the history behind them.
pub(crate) fn line_log_chain(
    objects: &mut Objects,
    chain: &[ObjectId],
    path: &str,
    ranges: &[(u32, u32)],
    shown: &Path,
) -> Result<(Vec<Vec<RangeChange>>, Group), HistoryError> {
    let mut walker = Walker::new(objects);
    let Some(&tip) = chain.first() else {
        return Ok((vec![Vec::new(); ranges.len()], Group::new()));
    };
    let mut log = LineLog::new(&mut walker, tip, path, ranges, shown)?;
    for &commit in chain {
        log.step(&mut walker, commit)?;
    }
    let base = walker
        .objects
        .commit(chain[chain.len() - 1])?
        .parents
        .first()
        .copied();
    let left = base
        .and_then(|base| log.pending.remove(&base))
        .unwrap_or_default();
    Ok((log.outs, left))
}

/// Walks `log` (and `blame`, with what answers known origins) from `tip`
/// in git's topological order until nothing is pending.
fn walk(
    walker: &mut Walker<'_>,
    tip: ObjectId,
    log: &mut LineLog,
    mut blame: Option<(&mut Blaming, Known<'_>)>,
    progress: Option<Progress<'_>>,
) -> Result<(), HistoryError> {
    walker.hold_versions();
    let order = topo_order(walker.objects, tip)?;
    let total = order.len() as u64;
    let every = (total / 100).max(1);
    for (walked, commit) in order.into_iter().enumerate() {
        walker.check_cancelled()?;
        if let Some(progress) = progress {
            if (walked as u64).is_multiple_of(every) {
                progress(walked as u64, total);
            }
        }
        log.step(walker, commit)?;
        if let Some((blaming, known)) = &mut blame {
            walker.blame_commit(blaming, commit, &mut **known)?;
        }
        // Topological order: every child of this commit is done, so its
        // versions are only needed again if another path leads to them.
        walker.release_held();
        if log.is_done() && blame.as_ref().is_none_or(|(b, _)| b.is_done()) {
            break;
        }
    }
    if let Some(progress) = progress {
        progress(total, total);
    }
    Ok(())
}

/// The range walk under way: the ranges pending at each commit and what
/// each range has listed so far.
struct LineLog {
    /// The ranges pending at each commit, by range index: ranges never merge,
    /// but they travel together, so a commit that leaves the file alone (most
    /// of a long history) hands all of them to its parent in one move.
    pending: HashMap<ObjectId, Group>,
    outs: Vec<Vec<RangeChange>>,
}

impl LineLog {
    fn new(
        walker: &mut Walker<'_>,
        tip: ObjectId,
        path: &str,
        ranges: &[(u32, u32)],
        shown: &Path,
    ) -> Result<LineLog, HistoryError> {
        let tree = walker.objects.commit(tip)?.tree;
        let blob = match walker.objects.entry(tree, path)? {
            Some((EntryKind::File | EntryKind::Link, id)) => id,
            Some((EntryKind::Tree, _)) => {
                return Err(HistoryError::Directory { path: shown.into() })
            }
            Some((EntryKind::Submodule, _)) => {
                return Err(HistoryError::Submodule { path: shown.into() })
            }
            None => {
                return Err(HistoryError::NotInRevision {
                    path: shown.into(),
                    rev: tip.to_string(),
                })
            }
        };
        let lines = walker.blob(blob)?.lines.len();
        for &(start, end) in ranges {
            if start == 0 || start > end || end > lines {
                return Err(HistoryError::InvalidRange {
                    path: shown.into(),
                    start,
                    end,
                    lines,
                });
            }
        }
        let mut pending = HashMap::new();
        if !ranges.is_empty() {
            pending.insert(
                tip,
                ranges
                    .iter()
                    .enumerate()
                    .map(|(i, &range)| (i, tracked(path, range)))
                    .collect(),
            );
        }
        Ok(LineLog {
            pending,
            outs: vec![Vec::new(); ranges.len()],
        })
    }

    fn is_done(&self) -> bool {
        self.pending.is_empty()
    }

    /// Moves the ranges pending at `commit` to its parents, listing it for
    /// those it touches.
    fn step(&mut self, walker: &mut Walker<'_>, commit: ObjectId) -> Result<(), HistoryError> {
        let Some(group) = self.pending.remove(&commit) else {
            return Ok(());
        };
        let pending = &mut self.pending;
        let mut diffs = Diffs::default();
        let parents = walker.objects.commit(commit)?.parents.clone();
        if let Some(&first) = parents.first() {
            // What each range's own step would do when the first parent has
            // the same version of every tracked path: pass the ranges on
            // unchanged, list nothing (a merge: that parent takes it all).
            if passes_unchanged(walker, &mut diffs, commit, first, &group)? {
                add_group(pending, first, group);
                for blob in diffs.used {
                    walker.forget(blob);
                }
                return Ok(());
            }
        }
        for (i, tracked) in group {
            let out = &mut self.outs[i];
            tracing::trace!(%commit, range = i, ?tracked, "line ranges");
            if parents.len() <= 1 {
                let parent = parents.first().copied();
                let step = map_to_parent(walker, &mut diffs, commit, parent, &tracked)?;
                if let Some(parent) = parent {
                    add(pending, parent, i, step.ranges);
                }
                if step.changed {
                    out.push(RangeChange {
                        commit,
                        path: step.path,
                        added: step.added,
                        deleted: step.deleted,
                    });
                }
                continue;
            }
            let mut steps = Vec::with_capacity(parents.len());
            let mut taken_by_one = false;
            for &parent in &parents {
                let step = map_to_parent(walker, &mut diffs, commit, Some(parent), &tracked)?;
                if !step.changed {
                    // This parent can take all the blame; git follows no other path.
                    add(pending, parent, i, step.ranges);
                    taken_by_one = true;
                    break;
                }
                steps.push((parent, step));
            }
            if taken_by_one {
                continue;
            }
            let first = &steps[0].1;
            out.push(RangeChange {
                commit,
                path: first.path.clone(),
                added: first.added,
                deleted: first.deleted,
            });
            for (parent, step) in steps {
                add(pending, parent, i, step.ranges);
            }
        }
        for blob in diffs.used {
            walker.forget(blob);
        }
        Ok(())
    }
}

/// Whether `parent` has the same version of every path `group` tracks (or
/// the commit has none of them): then every range passes to it as it is.
fn passes_unchanged(
    walker: &mut Walker<'_>,
    diffs: &mut Diffs,
    commit: ObjectId,
    parent: ObjectId,
    group: &Group,
) -> Result<bool, HistoryError> {
    let mut checked: Vec<&str> = Vec::new();
    for (_, tracked) in group {
        for (path, _) in tracked {
            if checked.contains(&path.as_str()) {
                continue;
            }
            match diffs.change(walker, commit, Some(parent), path)? {
                Change::Missing => {}
                Change::Same { parent_path } if parent_path == *path => {}
                _ => return Ok(false),
            }
            checked.push(path);
        }
    }
    Ok(true)
}

/// How one tracked path of a commit relates to one parent.
#[derive(Clone)]
enum Change {
    /// Not a file in the commit: its ranges pass to the parent as they are.
    Missing,
    /// The parent has the same version (at `parent_path`).
    Same { parent_path: String },
    /// The diff from the parent's version (at `parent_path`, or none for a
    /// root commit or a new file: everything added).
    Diff {
        parent_path: String,
        hunks: Rc<Vec<Hunk>>,
    },
}

/// The changes of one commit, worked out once for all the ranges there.
#[derive(Default)]
struct Diffs {
    by_parent_path: HashMap<(Option<ObjectId>, String), Change>,
    /// Versions read for this commit, dropped once every range has moved on.
    used: Vec<ObjectId>,
}

impl Diffs {
    fn change(
        &mut self,
        walker: &mut Walker<'_>,
        commit: ObjectId,
        parent: Option<ObjectId>,
        path: &str,
    ) -> Result<Change, HistoryError> {
        let key = (parent, path.to_owned());
        if let Some(change) = self.by_parent_path.get(&key) {
            return Ok(change.clone());
        }
        let change = self.compute(walker, commit, parent, path)?;
        self.by_parent_path.insert(key, change.clone());
        Ok(change)
    }

    fn compute(
        &mut self,
        walker: &mut Walker<'_>,
        commit: ObjectId,
        parent: Option<ObjectId>,
        path: &str,
    ) -> Result<Change, HistoryError> {
        let tree = walker.objects.commit(commit)?.tree;
        let Some((EntryKind::File | EntryKind::Link, blob)) = walker.objects.entry(tree, path)?
        else {
            return Ok(Change::Missing);
        };
        let before = match parent {
            None => None,
            Some(parent) => walker.find_origin(commit, parent, path, blob)?,
        };
        if let Some((ppath, pblob)) = &before {
            if *pblob == blob {
                return Ok(Change::Same {
                    parent_path: ppath.to_string(),
                });
            }
        }
        let target = walker.blob(blob)?;
        let hunks = match (&before, parent) {
            (Some((ppath, pblob)), Some(parent)) => {
                walker.prefetch_older_versions(parent, ppath, *pblob, blob)?;
                let old = walker.blob(*pblob)?;
                walker
                    .interner
                    .diff(&old.lines, &old.data, &target.lines, &target.data, false)
            }
            _ => vec![Hunk {
                before: 0..0,
                after: 0..target.lines.len(),
            }],
        };
        self.used.push(blob);
        Ok(Change::Diff {
            parent_path: before
                .map(|(p, _)| p.to_string())
                .unwrap_or_else(|| path.to_owned()),
            hunks: Rc::new(hunks),
        })
    }
}

/// Adds range `range`'s lines to what `parent` has pending.
fn add(pending: &mut HashMap<ObjectId, Group>, parent: ObjectId, range: usize, ranges: Tracked) {
    let slot = pending.entry(parent).or_default();
    let at = match slot.binary_search_by_key(&range, |(i, _)| *i) {
        Ok(at) => at,
        Err(at) => {
            slot.insert(at, (range, Vec::new()));
            at
        }
    };
    let tracked = &mut slot[at].1;
    for (path, r) in ranges {
        if r.is_empty() {
            continue;
        }
        match tracked.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = union(existing, &r),
            None => tracked.push((path, r)),
        }
    }
    if tracked.is_empty() {
        slot.remove(at);
    }
    if slot.is_empty() {
        pending.remove(&parent);
    }
}

/// Adds a whole group (unchanged ranges) to what `parent` has pending.
fn add_group(pending: &mut HashMap<ObjectId, Group>, parent: ObjectId, group: Group) {
    match pending.entry(parent) {
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(group);
        }
        std::collections::hash_map::Entry::Occupied(_) => {
            for (i, tracked) in group {
                add(pending, parent, i, tracked);
            }
        }
    }
}

struct Step {
    changed: bool,
    ranges: Tracked,
    /// The first tracked path, as named in the child commit.
    path: String,
    added: u32,
    deleted: u32,
}

fn map_to_parent(
    walker: &mut Walker<'_>,
    diffs: &mut Diffs,
    commit: ObjectId,
    parent: Option<ObjectId>,
    tracked: &Tracked,
) -> Result<Step, HistoryError> {
    let mut step = Step {
        changed: false,
        ranges: Vec::new(),
        path: tracked.first().map(|(p, _)| p.clone()).unwrap_or_default(),
        added: 0,
        deleted: 0,
    };
    for (path, ranges) in tracked {
        let (parent_path, hunks) = match diffs.change(walker, commit, parent, path)? {
            Change::Missing => {
                step.ranges.push((path.clone(), ranges.clone()));
                continue;
            }
            Change::Same { parent_path } => {
                step.ranges.push((parent_path, ranges.clone()));
                continue;
            }
            Change::Diff { parent_path, hunks } => (parent_path, hunks),
        };
        let touched = touched(&hunks, ranges);
        if !touched.is_empty() {
            step.changed = true;
            // Count what `git log -L` prints: every deleted line of a
            // touching hunk, and its added lines that fall inside the range.
            for h in &touched {
                step.added += ranges
                    .iter()
                    .map(|&(s, e)| e.min(h.after.end).saturating_sub(s.max(h.after.start)))
                    .sum::<u32>();
                step.deleted += h.before.len() as u32;
            }
        }
        let touched_targets: Ranges = touched
            .iter()
            .map(|h| (h.after.start, h.after.end))
            .collect();
        let kept = difference(ranges, &touched_targets);
        let shifted = shift(&kept, &hunks);
        let touched_parents: Ranges = touched
            .iter()
            .map(|h| (h.before.start, h.before.end))
            .collect();
        step.ranges
            .push((parent_path, union(&shifted, &touched_parents)));
    }
    Ok(step)
}

/// The hunks whose new side overlaps the ranges, with git's exact test
/// (`diff_ranges_filter_touched`): a pure deletion counts only strictly inside a range.
fn touched(hunks: &[Hunk], ranges: &Ranges) -> Vec<Hunk> {
    let mut out = Vec::new();
    if ranges.is_empty() {
        return out;
    }
    let mut j = 0;
    for h in hunks {
        while h.after.start > ranges[j].1 {
            j += 1;
            if j == ranges.len() {
                return out;
            }
        }
        let (a_start, a_end) = (h.after.start, h.after.end);
        let (b_start, b_end) = ranges[j];
        if !(a_end <= b_start || b_end <= a_start) {
            out.push(h.clone());
        }
    }
    out
}

fn difference(a: &Ranges, b: &Ranges) -> Ranges {
    let mut out = Vec::new();
    for &(start, end) in a {
        let mut pieces = vec![(start, end)];
        for &(bs, be) in b {
            // An empty range (a pure deletion) strictly inside splits the
            // range there, so the part after it shifts with the deletion (git does the same).
            pieces = pieces
                .into_iter()
                .flat_map(|(s, e)| {
                    let mut v = Vec::new();
                    if bs == be {
                        if s < bs && bs < e {
                            v.extend([(s, bs), (bs, e)]);
                        } else {
                            v.push((s, e));
                        }
                        return v;
                    }
                    if s < bs.min(e) {
                        v.push((s, bs.min(e)));
                    }
                    if be.max(s) < e {
                        v.push((be.max(s), e));
                    }
                    v
                })
                .collect();
        }
        out.extend(pieces);
    }
    out
}

/// git's `range_set_shift_diff`: move each range by the size change of every
/// hunk starting at or before it.
fn shift(ranges: &Ranges, hunks: &[Hunk]) -> Ranges {
    let mut out = Vec::with_capacity(ranges.len());
    let mut offset: i64 = 0;
    let mut j = 0;
    for &(start, end) in ranges {
        while j < hunks.len() && start >= hunks[j].after.start {
            offset += hunks[j].before.len() as i64 - hunks[j].after.len() as i64;
            j += 1;
        }
        out.push(((start as i64 + offset) as u32, (end as i64 + offset) as u32));
    }
    out
}

/// Sorted, merged union; adjacent ranges merge, empty ones vanish (git's `sort_and_merge_range_set`).
fn union(a: &Ranges, b: &Ranges) -> Ranges {
    let mut all: Ranges = a
        .iter()
        .chain(b.iter())
        .copied()
        .filter(|(s, e)| s < e)
        .collect();
    all.sort();
    let mut out: Ranges = Vec::with_capacity(all.len());
    for (s, e) in all {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// git's `--topo-order` (graph order): children before parents, and after a
/// merge its later parents' lines of history first (a LIFO of ready commits).
fn topo_order(objects: &mut Objects, tip: ObjectId) -> Result<Vec<ObjectId>, HistoryError> {
    let all = objects.ancestry(tip)?;
    let mut indegree: HashMap<ObjectId, u32> = all.iter().map(|&c| (c, 1)).collect();
    for &c in &all {
        for p in objects.commit(c)?.parents.clone() {
            if let Some(d) = indegree.get_mut(&p) {
                *d += 1;
            }
        }
    }
    let mut stack = vec![tip];
    let mut out = Vec::with_capacity(all.len());
    while let Some(c) = stack.pop() {
        for p in objects.commit(c)?.parents.clone() {
            let Some(d) = indegree.get_mut(&p) else {
                continue;
            };
            if *d == 0 {
                continue;
            }
            *d -= 1;
            if *d == 1 {
                stack.push(p);
            }
        }
        out.push(c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_arithmetic() {
        assert_eq!(
            union(&vec![(0, 2)], &vec![(2, 4), (6, 6), (7, 9)]),
            vec![(0, 4), (7, 9)]
        );
        assert_eq!(
            difference(&vec![(0, 10)], &vec![(2, 4), (5, 5)]),
            vec![(0, 2), (4, 5), (5, 10)]
        );
        assert_eq!(
            difference(&vec![(3, 10)], &vec![(3, 3), (10, 10)]),
            vec![(3, 10)]
        );
        let hunks = vec![
            Hunk {
                before: 1..1,
                after: 1..3,
            },
            Hunk {
                before: 5..8,
                after: 7..8,
            },
        ];
        assert_eq!(
            shift(&vec![(0, 1), (3, 5), (9, 10)], &hunks),
            vec![(0, 1), (1, 3), (9, 10)]
        );
    }

    #[test]
    fn deletion_touches_only_inside() {
        let at = |s: u32| {
            vec![Hunk {
                before: 0..1,
                after: s..s,
            }]
        };
        let r = vec![(3, 6)];
        assert!(touched(&at(3), &r).is_empty());
        assert_eq!(touched(&at(4), &r).len(), 1);
        assert!(touched(&at(6), &r).is_empty());
    }
}
