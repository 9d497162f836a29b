//! The blame walk, following git's `blame.c`: every (commit, path) "origin"
//! holds the lines it is suspected of; walking newest-committed first, an
//! origin hands each line to the first parent that has it unchanged (the
//! whole file at once when a parent has the identical blob, following
//! whole-file renames when the path is missing in a parent), and keeps the
//! rest. Results already known for an origin (the cache) answer its lines
//! directly, which is what makes blame after a new commit cheap.
//! Must never decide how results are stored or shown.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gix::ObjectId;

use super::diff::{LineInterner, Lines};
use super::repo::{EntryKind, Objects};
use super::{rename, FileBlame, HistoryError, LineOrigin};

/// Lines `final_start..final_start+len` of the blamed file are, in this
/// origin's blob, lines `start..start+len` (0-based).
#[derive(Debug, Clone, Copy)]
struct Suspect {
    final_start: u32,
    start: u32,
    len: u32,
}

struct Origin {
    commit: ObjectId,
    path: Arc<str>,
    blob: ObjectId,
    suspects: Vec<Suspect>,
}

/// A blob's contents and lines, shared between the diffs it takes part in.
pub(crate) struct Blob {
    pub data: Vec<u8>,
    pub lines: Lines,
}

/// Per-request state: objects, interned lines, loaded blobs.
pub(crate) struct Walker<'a> {
    pub objects: &'a mut Objects,
    /// Set by the caller to abandon the walk (a newer request superseded it).
    pub cancel: Option<Arc<AtomicBool>>,
    pub interner: LineInterner,
    blobs: HashMap<ObjectId, Rc<Blob>>,
    /// While set, versions to forget wait here until [`Walker::release_held`]:
    /// two walks sharing one commit's versions both get to use them.
    held: Option<Vec<ObjectId>>,
}

impl<'a> Walker<'a> {
    pub fn new(objects: &'a mut Objects) -> Self {
        Walker {
            cancel: None,
            objects,
            interner: LineInterner::default(),
            blobs: HashMap::new(),
            held: None,
        }
    }

    pub fn blob(&mut self, id: ObjectId) -> Result<Rc<Blob>, HistoryError> {
        if let Some(blob) = self.blobs.get(&id) {
            return Ok(blob.clone());
        }
        let data = self.objects.blob(id)?;
        let lines = self.interner.lines(&data);
        let blob = Rc::new(Blob { data, lines });
        self.blobs.insert(id, blob.clone());
        Ok(blob)
    }

    /// Drops a loaded version once no later step needs it.
    pub fn forget(&mut self, id: ObjectId) {
        match &mut self.held {
            Some(held) => held.push(id),
            None => {
                self.blobs.remove(&id);
            }
        }
    }

    /// From now on versions are forgotten only by [`Walker::release_held`].
    pub fn hold_versions(&mut self) {
        self.held.get_or_insert_with(Vec::new);
    }

    /// Forgets the versions held since the last call.
    pub fn release_held(&mut self) {
        if let Some(held) = &mut self.held {
            for id in std::mem::take(held) {
                self.blobs.remove(&id);
            }
        }
    }

    pub fn check_cancelled(&self) -> Result<(), HistoryError> {
        match &self.cancel {
            Some(flag) if flag.load(Ordering::Relaxed) => Err(HistoryError::Cancelled),
            _ => Ok(()),
        }
    }

    pub fn buffer(&mut self, data: Vec<u8>) -> Blob {
        let lines = self.interner.lines(&data);
        Blob { data, lines }
    }

    /// Packs written by `git fast-import` store each version of a file as a
    /// delta of the *previous* one, up to 50 deep, while the walk goes newest
    /// first; gix caches only the object it was asked for, not the bases it
    /// resolved on the way, so every version would re-resolve most of its
    /// chain. When the parent's version sits shallower in its chain than the
    /// child's (the sign of that layout), read the versions along first
    /// parents oldest first, so each resolves in one step from the one before.
    pub fn prefetch_older_versions(
        &mut self,
        parent: ObjectId,
        path: &str,
        parent_blob: ObjectId,
        child_blob: ObjectId,
    ) -> Result<(), HistoryError> {
        const WORTH_IT: u32 = 8;
        if self.blobs.contains_key(&parent_blob) {
            return Ok(());
        }
        let depth = self.objects.delta_depth(parent_blob);
        if depth < WORTH_IT || depth >= self.objects.delta_depth(child_blob) {
            return Ok(());
        }
        let mut versions = vec![parent_blob];
        let mut commit = parent;
        while versions.len() <= depth as usize {
            let Some(&older) = self.objects.commit(commit)?.parents.first() else {
                break;
            };
            let tree = self.objects.commit(older)?.tree;
            match self.objects.entry(tree, path)? {
                Some((EntryKind::File | EntryKind::Link, id)) => {
                    if versions.last() != Some(&id) {
                        versions.push(id);
                    }
                }
                _ => break,
            }
            commit = older;
        }
        for id in versions.into_iter().rev() {
            self.blob(id)?;
        }
        Ok(())
    }

    /// The blob of `path` in `parent`, following a whole-file rename when the
    /// path is not a file there (git's `find_origin` then `find_rename`).
    pub fn find_origin(
        &mut self,
        commit: ObjectId,
        parent: ObjectId,
        path: &str,
        blob: ObjectId,
    ) -> Result<Option<(Arc<str>, ObjectId)>, HistoryError> {
        let parent_tree = self.objects.commit(parent)?.tree;
        if let Some((EntryKind::File | EntryKind::Link, id)) =
            self.objects.entry(parent_tree, path)?
        {
            return Ok(Some((Arc::from(path), id)));
        }
        let tree = self.objects.commit(commit)?.tree;
        let deleted = self.objects.deleted_files(parent_tree, tree)?;
        if deleted.is_empty() {
            return Ok(None);
        }
        let target = self.blob(blob)?;
        let found = rename::find_source(path, blob, &target.data, &deleted, |id| {
            self.blob(id).map(|b| b.data.clone())
        })?;
        Ok(found.map(|(p, id)| (Arc::from(p.as_str()), id)))
    }

    /// Blames every line of `path` at `commit`. `known` answers origins
    /// whose whole blame is already known (the cache).
    pub fn blame(
        &mut self,
        commit: ObjectId,
        path: &str,
        known: &mut dyn FnMut(ObjectId, &str) -> Option<Arc<FileBlame>>,
    ) -> Result<FileBlame, HistoryError> {
        let mut blaming = self.start_blame(commit, path, false)?;
        while let Some((_, _, index)) = blaming.state.queue.pop() {
            self.check_cancelled()?;
            self.blame_origin(&mut blaming, index, known)?;
        }
        Ok(blaming.state.into_file_blame())
    }

    /// A blame of `path` at `commit` to be driven commit by commit
    /// ([`Walker::blame_commit`]) in an order where every commit comes after
    /// its children (`topo`), as the range walk visits them; otherwise the
    /// blame's own newest-first queue drives it ([`Walker::blame`]). Which
    /// order does not change a line's blame: each line follows its own path
    /// through the parents, and in topological order every origin is
    /// visited once, holding all its suspects.
    pub fn start_blame(
        &mut self,
        commit: ObjectId,
        path: &str,
        topo: bool,
    ) -> Result<Blaming, HistoryError> {
        let tree = self.objects.commit(commit)?.tree;
        let blob = match self.objects.entry(tree, path)? {
            Some((EntryKind::File | EntryKind::Link, id)) => id,
            Some((EntryKind::Tree, _)) => {
                return Err(HistoryError::Directory { path: path.into() })
            }
            Some((EntryKind::Submodule, _)) => {
                return Err(HistoryError::Submodule { path: path.into() })
            }
            None => {
                return Err(HistoryError::NotInRevision {
                    path: path.into(),
                    rev: commit.to_string(),
                });
            }
        };
        let len = self.blob(blob)?.lines.len();
        let mut state = State {
            topo,
            ..State::default()
        };
        let start = state.origin(commit, Arc::from(path), blob);
        state.origins[start].suspects.push(Suspect {
            final_start: 0,
            start: 0,
            len,
        });
        state.result = vec![None; len as usize];
        state.enqueue(start, commit, self.objects.commit(commit)?.time);
        Ok(Blaming { state, start })
    }

    /// Blames what waits at `commit` (every path it is followed under):
    /// the step of a topological walk.
    pub fn blame_commit(
        &mut self,
        blaming: &mut Blaming,
        commit: ObjectId,
        known: &mut dyn FnMut(ObjectId, &str) -> Option<Arc<FileBlame>>,
    ) -> Result<(), HistoryError> {
        let Some(waiting) = blaming.state.by_commit.remove(&commit) else {
            return Ok(());
        };
        for index in waiting {
            self.blame_origin(blaming, index, known)?;
        }
        Ok(())
    }

    fn blame_origin(
        &mut self,
        blaming: &mut Blaming,
        index: usize,
        known: &mut dyn FnMut(ObjectId, &str) -> Option<Arc<FileBlame>>,
    ) -> Result<(), HistoryError> {
        let state = &mut blaming.state;
        let suspects = std::mem::take(&mut state.origins[index].suspects);
        if suspects.is_empty() {
            return Ok(());
        }
        let (commit, path, blob) = {
            let o = &state.origins[index];
            (o.commit, o.path.clone(), o.blob)
        };
        if index != blaming.start {
            if let Some(done) = known(commit, &path) {
                for s in &suspects {
                    for k in 0..s.len {
                        let line = &done.lines[(s.start + k) as usize];
                        state.result[(s.final_start + k) as usize] = Some((
                            done.commits[line.commit as usize],
                            done.paths[line.path as usize].clone(),
                            line.line,
                        ));
                    }
                }
                return Ok(());
            }
        }
        let remaining = self.pass_blame(state, commit, &path, blob, suspects)?;
        // Done with this version of the file (git drops it here too); keeps memory to the walk's frontier.
        self.forget(blob);
        for s in remaining {
            for k in 0..s.len {
                state.result[(s.final_start + k) as usize] =
                    Some((commit, path.clone(), s.start + k));
            }
        }
        Ok(())
    }

    /// Hands suspects to parents; returns those this commit is guilty of.
    fn pass_blame(
        &mut self,
        state: &mut State,
        commit: ObjectId,
        path: &Arc<str>,
        blob: ObjectId,
        mut suspects: Vec<Suspect>,
    ) -> Result<Vec<Suspect>, HistoryError> {
        let parents = self.objects.commit(commit)?.parents.clone();
        let mut scapegoats: Vec<Option<(ObjectId, Arc<str>, ObjectId)>> =
            Vec::with_capacity(parents.len());
        for &parent in &parents {
            let Some((ppath, pblob)) = self.find_origin(commit, parent, path, blob)? else {
                scapegoats.push(None);
                continue;
            };
            if pblob == blob {
                let index = state.origin(parent, ppath, pblob);
                state.origins[index].suspects.extend(suspects);
                let time = self.objects.commit(parent)?.time;
                state.enqueue(index, parent, time);
                return Ok(Vec::new());
            }
            let same = scapegoats.iter().flatten().any(|(_, _, b)| *b == pblob);
            scapegoats.push(if same {
                None
            } else {
                Some((parent, ppath, pblob))
            });
        }
        let target = self.blob(blob)?;
        for (parent, ppath, pblob) in scapegoats.into_iter().flatten() {
            self.prefetch_older_versions(parent, &ppath, pblob, blob)?;
            let old = self.blob(pblob)?;
            let hunks =
                self.interner
                    .diff(&old.lines, &old.data, &target.lines, &target.data, true);
            // Unchanged stretches: (start in target, start in parent, length).
            let mut common = Vec::with_capacity(hunks.len() + 1);
            let (mut t, mut p) = (0u32, 0u32);
            for h in &hunks {
                if h.after.start > t {
                    common.push((t, p, h.after.start - t));
                }
                t = h.after.end;
                p = h.before.end;
            }
            if target.lines.len() > t {
                common.push((t, p, target.lines.len() - t));
            }
            let mut passed = Vec::new();
            let mut kept = Vec::new();
            for s in suspects {
                split(s, &common, &mut passed, &mut kept);
            }
            suspects = kept;
            if !passed.is_empty() {
                let index = state.origin(parent, ppath, pblob);
                state.origins[index].suspects.extend(passed);
                let time = self.objects.commit(parent)?.time;
                state.enqueue(index, parent, time);
            }
            if suspects.is_empty() {
                break;
            }
        }
        Ok(suspects)
    }
}

/// Splits `s` into the parts lying in unchanged stretches (moved to the
/// parent's line numbers) and the rest.
fn split(
    s: Suspect,
    common: &[(u32, u32, u32)],
    passed: &mut Vec<Suspect>,
    kept: &mut Vec<Suspect>,
) {
    let end = s.start + s.len;
    let mut pos = s.start;
    let first = common.partition_point(|&(t, _, len)| t + len <= s.start);
    for &(t, p, len) in &common[first..] {
        if t >= end {
            break;
        }
        let from = pos.max(t);
        let to = end.min(t + len);
        if from > pos {
            kept.push(Suspect {
                final_start: s.final_start + (pos - s.start),
                start: pos,
                len: from - pos,
            });
        }
        if to > from {
            passed.push(Suspect {
                final_start: s.final_start + (from - s.start),
                start: p + (from - t),
                len: to - from,
            });
        }
        pos = to.max(pos);
    }
    if pos < end {
        kept.push(Suspect {
            final_start: s.final_start + (pos - s.start),
            start: pos,
            len: end - pos,
        });
    }
}

/// A blame under way (see [`Walker::start_blame`]).
pub(crate) struct Blaming {
    state: State,
    start: usize,
}

impl Blaming {
    /// No origin waits any more: every line is blamed.
    pub fn is_done(&self) -> bool {
        self.state.queue.is_empty() && self.state.by_commit.is_empty()
    }

    pub fn finish(self) -> FileBlame {
        self.state.into_file_blame()
    }
}

#[derive(Default)]
struct State {
    origins: Vec<Origin>,
    index: HashMap<(ObjectId, Arc<str>), usize>,
    /// Newest commit first; among equal times, first queued first (git's prio-queue is stable).
    queue: BinaryHeap<(i64, Reverse<u64>, usize)>,
    /// Driven by a topological walk: the origins waiting at each commit instead of `queue`.
    topo: bool,
    by_commit: HashMap<ObjectId, Vec<usize>>,
    sequence: u64,
    result: Vec<Option<(ObjectId, Arc<str>, u32)>>,
}

impl State {
    fn origin(&mut self, commit: ObjectId, path: Arc<str>, blob: ObjectId) -> usize {
        if let Some(&index) = self.index.get(&(commit, path.clone())) {
            return index;
        }
        let index = self.origins.len();
        self.origins.push(Origin {
            commit,
            path: path.clone(),
            blob,
            suspects: Vec::new(),
        });
        self.index.insert((commit, path), index);
        index
    }

    fn enqueue(&mut self, index: usize, commit: ObjectId, time: i64) {
        if self.topo {
            let waiting = self.by_commit.entry(commit).or_default();
            if !waiting.contains(&index) {
                waiting.push(index);
            }
            return;
        }
        self.sequence += 1;
        self.queue.push((time, Reverse(self.sequence), index));
    }

    fn into_file_blame(self) -> FileBlame {
        let mut blame = FileBlame::default();
        let mut commits: HashMap<ObjectId, u32> = HashMap::new();
        let mut paths: HashMap<Arc<str>, u32> = HashMap::new();
        for entry in self.result {
            let (commit, path, line) = entry.expect("every line is blamed on some commit");
            let commit = *commits.entry(commit).or_insert_with(|| {
                blame.commits.push(commit);
                blame.commits.len() as u32 - 1
            });
            let path = *paths.entry(path.clone()).or_insert_with(|| {
                blame.paths.push(path);
                blame.paths.len() as u32 - 1
            });
            blame.lines.push(LineOrigin { commit, path, line });
        }
        blame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_passes_unchanged_parts() {
        let mut passed = Vec::new();
        let mut kept = Vec::new();
        // target lines 0..3 = parent 0..3, 5..10 = parent 4..9
        split(
            Suspect {
                final_start: 10,
                start: 1,
                len: 6,
            },
            &[(0, 0, 3), (5, 4, 5)],
            &mut passed,
            &mut kept,
        );
        let passed: Vec<_> = passed
            .iter()
            .map(|s| (s.final_start, s.start, s.len))
            .collect();
        let kept: Vec<_> = kept
            .iter()
            .map(|s| (s.final_start, s.start, s.len))
            .collect();
        assert_eq!(passed, vec![(10, 1, 2), (14, 4, 2)]);
        assert_eq!(kept, vec![(12, 3, 2)]);
    }
}
