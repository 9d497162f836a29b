//! History along HEAD's first-parent line, for looking at the repository as
//! of a past moment and walking forward from it: which commit a user at time
//! T had checked out, which files each commit changed, and how one file's
//! lines moved commit by commit. Plain data out; no gix type leaves here.

use std::collections::HashMap;
use std::ops::Range;

use gix::ObjectId;

use super::repo::{EntryKind, Objects};
use super::{History, HistoryError};

/// One commit of the first-parent line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCommit {
    pub commit: String,
    /// Committer time, Unix seconds: when the commit reached the branch.
    pub time: i64,
}

/// One commit's change to a file: hunks of its first-parent diff (0-based, half open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub commit: String,
    pub time: i64,
    pub message: String,
    /// `(lines before, lines after)`; empty when the commit deleted the file.
    pub hunks: Vec<(Range<u32>, Range<u32>)>,
    /// The commit removed the file (or it became something else than a file).
    pub removed: bool,
}

impl History {
    /// HEAD's first-parent line, newest first (empty on an unborn branch).
    pub fn first_parent_line(&self) -> Result<Vec<LineCommit>, HistoryError> {
        let mut objects = self.repo.objects()?;
        let mut id = match objects.head() {
            Ok(id) => id,
            Err(HistoryError::Unborn { .. }) => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        let mut out = Vec::new();
        loop {
            let node = objects.commit(id)?;
            out.push(LineCommit {
                commit: id.to_string(),
                time: node.time,
            });
            match node.parents.first() {
                Some(&parent) => id = parent,
                None => break,
            }
        }
        Ok(out)
    }

    /// The commit a user at `time` had: the newest commit of HEAD's
    /// first-parent line whose committer date is at or before `time`.
    pub fn commit_as_of(&self, time: i64) -> Result<Option<LineCommit>, HistoryError> {
        Ok(self
            .first_parent_line()?
            .into_iter()
            .find(|c| c.time <= time))
    }

    /// Committer time of `rev`.
    pub fn commit_time(&self, rev: &str) -> Result<i64, HistoryError> {
        let mut objects = self.repo.objects()?;
        let id = objects.resolve(rev)?;
        Ok(objects.commit(id)?.time)
    }

    /// For each of `commits`, the files (slash-separated paths) it added or
    /// changed against its first parent.
    pub fn changed_files(&self, commits: &[String]) -> Result<Vec<Vec<String>>, HistoryError> {
        let mut objects = self.repo.objects()?;
        let mut all = Vec::with_capacity(commits.len());
        for commit in commits {
            let id = objects.resolve(commit)?;
            let node = objects.commit(id)?.clone();
            let old = match node.parents.first() {
                Some(&parent) => Some(objects.commit(parent)?.tree),
                None => None,
            };
            let mut out = Vec::new();
            changed(&mut objects, old, node.tree, String::new(), &mut out)?;
            all.push(out);
        }
        Ok(all)
    }

    /// How `commits` (oldest first, each a child of the one before on the
    /// first-parent line) changed `relative`: one entry per commit whose
    /// version of the file differs from its first parent's. Stops after a
    /// commit that removes the file.
    pub fn file_changes(
        &self,
        relative: &str,
        commits: &[String],
    ) -> Result<Vec<FileChange>, HistoryError> {
        let mut objects = self.repo.objects()?;
        let mut interner = super::diff::LineInterner::default();
        let mut out = Vec::new();
        for commit in commits {
            let id = objects.resolve(commit)?;
            let node = objects.commit(id)?.clone();
            let before = match node.parents.first() {
                Some(&parent) => {
                    let tree = objects.commit(parent)?.tree;
                    file_blob(&mut objects, tree, relative)?
                }
                None => None,
            };
            let after = file_blob(&mut objects, node.tree, relative)?;
            if before == after {
                continue;
            }
            let Some(before) = before else { continue };
            let facts = objects.commit_facts(id)?;
            let old_data = objects.blob(before)?;
            let old = interner.lines(&old_data);
            let (hunks, removed) = match after {
                Some(after) => {
                    let new_data = objects.blob(after)?;
                    let new = interner.lines(&new_data);
                    let hunks = interner
                        .diff(&old, &old_data, &new, &new_data, true)
                        .into_iter()
                        .map(|h| (h.before, h.after))
                        .collect();
                    (hunks, false)
                }
                None => (vec![(0..old.len(), 0..0)], true),
            };
            out.push(FileChange {
                commit: commit.clone(),
                time: node.time,
                message: facts.message.clone(),
                hunks,
                removed,
            });
            if removed {
                break;
            }
        }
        Ok(out)
    }
}

fn file_blob(
    objects: &mut Objects,
    tree: ObjectId,
    relative: &str,
) -> Result<Option<ObjectId>, HistoryError> {
    Ok(match objects.entry(tree, relative)? {
        Some((EntryKind::File, blob)) => Some(blob),
        _ => None,
    })
}

/// Files under `new` that are absent from or differ in `old`; only
/// subtrees whose ids differ are read.
fn changed(
    objects: &mut Objects,
    old: Option<ObjectId>,
    new: ObjectId,
    prefix: String,
    out: &mut Vec<String>,
) -> Result<(), HistoryError> {
    if old == Some(new) {
        return Ok(());
    }
    let old_entries: HashMap<Vec<u8>, (EntryKind, ObjectId)> = match old {
        Some(old) => objects
            .tree_entries(old)?
            .into_iter()
            .map(|(name, kind, id)| (name, (kind, id)))
            .collect(),
        None => HashMap::new(),
    };
    for (name, kind, id) in objects.tree_entries(new)? {
        let path = if prefix.is_empty() {
            String::from_utf8_lossy(&name).into_owned()
        } else {
            format!("{prefix}/{}", String::from_utf8_lossy(&name))
        };
        let before = old_entries.get(&name).copied();
        match kind {
            EntryKind::Tree => {
                let old_tree = match before {
                    Some((EntryKind::Tree, old_id)) => Some(old_id),
                    _ => None,
                };
                changed(objects, old_tree, id, path, out)?;
            }
            EntryKind::File => {
                if before != Some((EntryKind::File, id)) {
                    out.push(path);
                }
            }
            EntryKind::Link | EntryKind::Submodule => {}
        }
    }
    Ok(())
}
