//! The report's only door to git: opens the repository safely, lists the
//! commits of the range in an order where parents come before children,
//! and diffs trees (with rename tracking) and blobs. Every gix type stays in
//! this file; the rest of `report` sees plain ids, paths and bytes.
//!
//! Never runs anything the repository asks for: the repository is opened
//! isolated (no global or system config, no hooks), blobs are read raw from
//! the object database (no filters, no textconv), and nothing touches the
//! worktree or its fsmonitor.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;

use super::ReportError;

/// A 20- or 32-byte object id, kept as gix's owned id but only passed
/// through by the rest of `report`.
pub type CommitId = gix::ObjectId;
pub type BlobId = gix::ObjectId;

/// A commit of the range, as the report needs it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: CommitId,
    /// Parents, first parent first (all of them, in range or not).
    pub parents: Vec<CommitId>,
    /// Committer time, unix seconds: when the change landed.
    pub time: i64,
}

/// One file changed between a parent tree and a commit tree.
#[derive(Debug, Clone)]
pub enum FileChange {
    Added {
        path: String,
        blob: BlobId,
    },
    Deleted {
        path: String,
        blob: BlobId,
    },
    Modified {
        path: String,
        old: BlobId,
        new: BlobId,
    },
    /// A rename found by gix's similarity tracking (50 %, like git's default).
    Renamed {
        from: String,
        old: BlobId,
        to: String,
        new: BlobId,
    },
}

/// The commit's message and author, for attribution.
#[derive(Debug, Clone)]
pub struct CommitText {
    pub message: String,
    pub author_name: String,
    pub author_email: String,
}

/// A file of HEAD's tree, for the filter's decisions.
#[derive(Debug, Clone)]
pub struct HeadFile {
    pub path: String,
    /// The blob's size, when it could be read.
    pub size: Option<u64>,
    /// Its first lines say a tool wrote it (`Code generated … DO NOT EDIT`, `@generated`).
    pub generated_header: bool,
}

pub struct Git {
    repo: gix::Repository,
    resource_cache: gix::diff::blob::Platform,
    tree_state: gix::diff::tree::State,
    mailmap: gix::mailmap::Snapshot,
    trees: HashMap<CommitId, gix::ObjectId>,
    /// `.gitattributes` as of HEAD (and `info/attributes`), once loaded.
    attributes: Option<(gix::worktree::Stack, gix::attrs::search::Outcome)>,
}

impl Git {
    /// Opens the repository that contains `path`, isolated from global
    /// configuration and never running hooks or filters.
    pub fn open(path: &Path) -> Result<Git, ReportError> {
        let repo =
            crate::history::discover_safely(path).map_err(|e| ReportError::NotARepository {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let mut repo = repo;
        // Decoded objects read again soon (a blob as the old side of the next
        // change, a topic's blobs again in its merge); the delta bases have
        // their own cache (`core.deltaBaseCacheLimit`, history/repo.rs).
        repo.object_cache_size_if_unset(16 * 1024 * 1024);
        // Attributes come from the index of HEAD only to decide binary-ness for
        // rename similarity; the blobs themselves are never filtered.
        let resource_cache = repo.diff_resource_cache_for_tree_diff().map_err(git)?;
        let mailmap = repo.open_mailmap();
        Ok(Git {
            repo,
            resource_cache,
            tree_state: Default::default(),
            mailmap,
            trees: HashMap::new(),
            attributes: None,
        })
    }

    /// The name a reader knows the repository by: the last part of the
    /// `origin` remote's URL when it points at a host (`…/beads.git` →
    /// `beads`), else the work tree's folder name.
    pub fn display_name(&self) -> String {
        let remote = self
            .repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url(gix::remote::Direction::Fetch).cloned())
            .filter(|url| url.host().is_some())
            .and_then(|url| {
                let path = url.path.to_str_lossy().into_owned();
                let last = path.trim_end_matches('/').rsplit('/').next()?.to_string();
                let last = last.strip_suffix(".git").unwrap_or(&last).to_string();
                (!last.is_empty()).then_some(last)
            });
        remote.unwrap_or_else(|| {
            let dir = self.workdir().unwrap_or_else(|| self.git_dir());
            let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| dir.display().to_string())
        })
    }

    /// Every file of `commit`'s tree with its size and whether its first
    /// lines say a tool generated it, and loads `.gitattributes` as of that tree
    /// for [`Git::attributes`]. Also returns a checksum of the attribute
    /// files, for the cache key.
    pub fn files_at(&mut self, commit: CommitId) -> Result<(Vec<HeadFile>, u32), ReportError> {
        let tree = self.tree_of(commit)?;
        let index = self.repo.index_from_tree(&tree).map_err(git)?;
        let mut files = Vec::new();
        let mut sum = crc32fast::Hasher::new();
        for entry in index.entries() {
            if !matches!(
                entry.mode,
                gix::index::entry::Mode::FILE | gix::index::entry::Mode::FILE_EXECUTABLE
            ) {
                continue;
            }
            let path = entry.path(&index).to_str_lossy().into_owned();
            if path == ".gitattributes" || path.ends_with("/.gitattributes") {
                sum.update(path.as_bytes());
                sum.update(entry.id.as_bytes());
            }
            let size = self
                .repo
                .try_find_header(entry.id)
                .ok()
                .flatten()
                .map(|h| h.size());
            // Only the start is read; big blobs are data or will be found by other rules.
            let generated_header = size.is_some_and(|s| s <= 4 * 1024 * 1024)
                && self.repo.find_blob(entry.id).is_ok_and(|blob| {
                    super::filter::has_generated_header(&blob.data[..blob.data.len().min(1024)])
                });
            files.push(HeadFile {
                path,
                size,
                generated_header,
            });
        }
        if let Ok(bytes) = std::fs::read(self.repo.common_dir().join("info").join("attributes")) {
            sum.update(&bytes);
        }
        self.attributes = self
            .repo
            .attributes_only(
                &index,
                gix::worktree::stack::state::attributes::Source::IdMapping,
            )
            .ok()
            .map(|stack| {
                let stack = stack.detach();
                let outcome = stack.selected_attribute_matches([
                    "linguist-generated",
                    "linguist-vendored",
                    "diff",
                    "binary",
                ]);
                (stack, outcome)
            });
        Ok((files, sum.finalize()))
    }

    /// What `.gitattributes` (as loaded by [`Git::files_at`]) says of `path`.
    pub fn attributes(&mut self, path: &str) -> super::filter::Attributes {
        use gix::attrs::StateRef;
        let mut found = super::filter::Attributes::default();
        let Some((stack, outcome)) = self.attributes.as_mut() else {
            return found;
        };
        outcome.reset();
        let Ok(platform) = stack.at_entry(path, None, &self.repo.objects) else {
            return found;
        };
        platform.matching_attributes(outcome);
        let truth = |state: &StateRef<'_>| match state {
            StateRef::Set => Some(true),
            StateRef::Unset => Some(false),
            StateRef::Value(v) => Some(!matches!(
                v.as_bstr().to_str_lossy().as_ref(),
                "false" | "0"
            )),
            StateRef::Unspecified => None,
        };
        for m in outcome.iter_selected() {
            let state = m.assignment.state;
            match m.assignment.name.as_str() {
                "linguist-generated" => found.generated = truth(&state),
                "linguist-vendored" => found.vendored = truth(&state),
                "diff" => found.binary |= matches!(state, StateRef::Unset),
                "binary" => found.binary |= matches!(state, StateRef::Set),
                _ => {}
            }
        }
        found
    }

    /// What else decides a report's figures besides the commits and the
    /// options: the notes refs' tips, the Agent Trace file (at HEAD and in
    /// the work tree) and the mailmap. A checksum, for the cache key.
    pub fn inputs_checksum(&mut self, head: CommitId) -> u32 {
        let mut sum = crc32fast::Hasher::new();
        for name in [
            crate::attribution::GIT_AI_NOTES_REF,
            crate::attribution::PROVENANCE_NOTES_REF,
        ] {
            sum.update(name.as_bytes());
            if let Ok(Some(mut r)) = self.repo.try_find_reference(name) {
                if let Ok(id) = r.peel_to_id() {
                    sum.update(id.as_bytes());
                }
            }
        }
        for file in [crate::attribution::AGENT_TRACE_FILE, ".mailmap"] {
            sum.update(file.as_bytes());
            if let Ok(Some(blob)) = self.blob_at(head, file) {
                sum.update(blob.as_bytes());
            }
            if let Some(w) = self.repo.workdir() {
                if let Ok(bytes) = std::fs::read(w.join(file)) {
                    sum.update(&bytes);
                }
            }
        }
        let config = self.repo.config_snapshot();
        for key in ["mailmap.file", "mailmap.blob"] {
            if let Some(value) = config.string(key) {
                sum.update(&value);
                if let Ok(bytes) = std::fs::read(value.to_str_lossy().as_ref()) {
                    sum.update(&bytes);
                }
            }
        }
        sum.finalize()
    }

    /// Authors the repository's own configuration declares human
    /// (`provenance.humanAuthor`, one per value: a name or an email).
    pub fn configured_human_authors(&self) -> Vec<String> {
        self.repo
            .config_snapshot()
            .plumbing()
            .strings("provenance.humanAuthor")
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_str_lossy().into_owned())
            .collect()
    }

    pub fn git_dir(&self) -> PathBuf {
        self.repo.git_dir().to_path_buf()
    }

    pub fn workdir(&self) -> Option<PathBuf> {
        self.repo.workdir().map(Path::to_path_buf)
    }

    /// Whether the repository holds any line-level attribution: git-ai or
    /// provenance-ls notes, or an Agent Trace file.
    pub fn has_line_sources(&self) -> bool {
        let has_ref = |name: &str| self.repo.try_find_reference(name).ok().flatten().is_some();
        has_ref(crate::attribution::GIT_AI_NOTES_REF)
            || has_ref(crate::attribution::PROVENANCE_NOTES_REF)
            || self
                .repo
                .workdir()
                .is_some_and(|w| w.join(crate::attribution::AGENT_TRACE_FILE).is_file())
    }

    /// The commit HEAD points at, or None in a repository without commits.
    pub fn head(&self) -> Result<Option<CommitId>, ReportError> {
        match self.repo.head_id() {
            Ok(id) => Ok(Some(id.detach())),
            Err(_) if self.repo.head().map(|h| h.is_unborn()).unwrap_or(false) => Ok(None),
            Err(e) => Err(git(e)),
        }
    }

    /// Whether `ancestor` is reachable from `tip` (or is `tip`).
    pub fn is_ancestor(&self, ancestor: CommitId, tip: CommitId) -> bool {
        if ancestor == tip {
            return true;
        }
        match self.repo.merge_base(ancestor, tip) {
            Ok(base) => base.is_some_and(|b| b.detach() == ancestor),
            Err(_) => false,
        }
    }

    /// The commits reachable from `tip` and not from `hidden`, whose
    /// committer time is within `since..=until`, parents before children.
    /// As with `git log --since`, the walk stops at commits older than
    /// `since`: a commit of the range reachable only through an older one
    /// (a clock set wrong) is not walked, and the history before the range
    /// (tens of thousands of commits on an old repository) is not read.
    pub fn commits(
        &mut self,
        tip: CommitId,
        hidden: &[CommitId],
        since: Option<i64>,
        until: i64,
    ) -> Result<Vec<CommitInfo>, ReportError> {
        use gix::revision::walk::Sorting;
        let sorting = match since {
            Some(seconds) => Sorting::ByCommitTimeCutoff {
                order: Default::default(),
                seconds,
            },
            None => Sorting::ByCommitTime(Default::default()),
        };
        let walk = self
            .repo
            .rev_walk([tip])
            .with_hidden(hidden.iter().copied())
            .sorting(sorting)
            .all()
            .map_err(git)?;
        let mut found = Vec::new();
        for info in walk {
            let info = info.map_err(git)?;
            let time = info.commit_time();
            if since.is_some_and(|s| time < s) || time > until {
                continue;
            }
            found.push(CommitInfo {
                id: info.id,
                parents: info.parent_ids.iter().copied().collect(),
                time,
            });
        }
        Ok(topological(found))
    }

    /// Message and (mailmapped) author of a commit; its tree id is kept for
    /// [`Git::changes`], so the commit is decoded once.
    pub fn commit_text(&mut self, id: CommitId) -> Result<CommitText, ReportError> {
        let commit = self.repo.find_commit(id).map_err(git)?;
        if let Ok(tree) = commit.tree_id() {
            self.trees.insert(id, tree.detach());
        }
        let message = commit.message_raw_sloppy().to_str_lossy().into_owned();
        let author = commit.author().map_err(git)?;
        let author = self.mailmap.resolve(author);
        Ok(CommitText {
            message,
            author_name: author.name.to_str_lossy().into_owned(),
            author_email: author.email.to_str_lossy().into_owned(),
        })
    }

    fn tree_of(&mut self, commit: CommitId) -> Result<gix::ObjectId, ReportError> {
        if let Some(tree) = self.trees.get(&commit) {
            return Ok(*tree);
        }
        let tree = self
            .repo
            .find_commit(commit)
            .map_err(git)?
            .tree_id()
            .map_err(git)?
            .detach();
        // Only parents of commits still to come are asked for twice; the map
        // is emptied by `forget` as commits are done.
        self.trees.insert(commit, tree);
        Ok(tree)
    }

    /// Drops the cached tree id of a commit no later commit needs.
    pub fn forget(&mut self, commit: CommitId) {
        self.trees.remove(&commit);
    }

    /// The files changed from `parent` (None: the empty tree) to `commit`,
    /// renames tracked like git does by default; copies are not tracked, so
    /// a copied file counts as added.
    pub fn changes(
        &mut self,
        parent: Option<CommitId>,
        commit: CommitId,
    ) -> Result<Vec<FileChange>, ReportError> {
        let new_tree_id = self.tree_of(commit)?;
        let old_tree_id = match parent {
            Some(p) => Some(self.tree_of(p)?),
            None => None,
        };
        let new_tree = self.repo.find_tree(new_tree_id).map_err(git)?;
        let old_tree = match old_tree_id {
            Some(id) => self.repo.find_tree(id).map_err(git)?,
            None => self.repo.empty_tree(),
        };
        let options = gix::diff::tree_with_rewrites::Options {
            location: Some(gix::diff::tree::recorder::Location::Path),
            rewrites: Some(gix::diff::Rewrites::default()),
        };
        let mut out = Vec::new();
        self.resource_cache.clear_resource_cache_keep_allocation();
        gix::diff::tree_with_rewrites(
            gix::objs::TreeRefIter::from_bytes(&old_tree.data, old_tree.id.kind()),
            gix::objs::TreeRefIter::from_bytes(&new_tree.data, new_tree.id.kind()),
            &mut self.resource_cache,
            &mut self.tree_state,
            &self.repo.objects,
            |change| {
                use gix::diff::tree_with_rewrites::ChangeRef;
                let blob = |mode: gix::objs::tree::EntryMode| mode.is_blob();
                match change {
                    ChangeRef::Addition {
                        location,
                        entry_mode,
                        id,
                        ..
                    } if blob(entry_mode) => out.push(FileChange::Added {
                        path: path(location),
                        blob: id,
                    }),
                    ChangeRef::Deletion {
                        location,
                        entry_mode,
                        id,
                        ..
                    } if blob(entry_mode) => out.push(FileChange::Deleted {
                        path: path(location),
                        blob: id,
                    }),
                    ChangeRef::Modification {
                        location,
                        previous_entry_mode,
                        previous_id,
                        entry_mode,
                        id,
                    } => match (blob(previous_entry_mode), blob(entry_mode)) {
                        (true, true) => out.push(FileChange::Modified {
                            path: path(location),
                            old: previous_id,
                            new: id,
                        }),
                        (true, false) => out.push(FileChange::Deleted {
                            path: path(location),
                            blob: previous_id,
                        }),
                        (false, true) => out.push(FileChange::Added {
                            path: path(location),
                            blob: id,
                        }),
                        (false, false) => {}
                    },
                    ChangeRef::Rewrite {
                        source_location,
                        source_entry_mode,
                        source_id,
                        entry_mode,
                        id,
                        location,
                        copy,
                        ..
                    } => {
                        if copy || !blob(source_entry_mode) {
                            if blob(entry_mode) {
                                out.push(FileChange::Added {
                                    path: path(location),
                                    blob: id,
                                });
                            }
                        } else if blob(entry_mode) {
                            out.push(FileChange::Renamed {
                                from: path(source_location),
                                old: source_id,
                                to: path(location),
                                new: id,
                            });
                        }
                    }
                    _ => {}
                }
                Ok(gix::diff::tree_with_rewrites::Action::Continue(()))
            },
            options,
        )
        .map_err(git)?;
        Ok(out)
    }

    /// The raw bytes of a blob, never filtered, decoded straight into `out`
    /// (no copy through an object of gix's own).
    pub fn blob(&self, id: BlobId, out: &mut Vec<u8>) -> Result<(), ReportError> {
        use gix::prelude::Find;
        let found = self.repo.objects.try_find(&id, out).map_err(git)?;
        match found {
            Some(data) if data.kind == gix::object::Kind::Blob => Ok(()),
            Some(data) => Err(ReportError::Git(format!(
                "object {id} is a {}, not a blob",
                data.kind
            ))),
            None => Err(ReportError::Git(format!("object {id} not found"))),
        }
    }

    /// The blob at `path` in `commit`'s tree, if it is a file there.
    pub fn blob_at(&mut self, commit: CommitId, file: &str) -> Result<Option<BlobId>, ReportError> {
        let tree = self.tree_of(commit)?;
        let tree = self.repo.find_tree(tree).map_err(git)?;
        let entry = tree.lookup_entry_by_path(file).map_err(git)?;
        Ok(entry.filter(|e| e.mode().is_blob()).map(|e| e.object_id()))
    }

    /// The full hex of an id.
    pub fn hex(id: CommitId) -> String {
        id.to_string()
    }
}

fn path(location: &gix::bstr::BStr) -> String {
    location.to_str_lossy().into_owned()
}

fn git(error: impl std::fmt::Display) -> ReportError {
    ReportError::Git(error.to_string())
}

/// Orders commits so that every parent in the set comes before its children
/// (Kahn's algorithm). Ready commits are taken newest-pushed first, so one
/// line of work is followed to its end before the next starts: that keeps
/// the number of file states held at once (one per open branch) small.
fn topological(commits: Vec<CommitInfo>) -> Vec<CommitInfo> {
    let index: HashMap<CommitId, usize> =
        commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut waiting = vec![0usize; commits.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); commits.len()];
    for (i, c) in commits.iter().enumerate() {
        let mut seen = Vec::new();
        for p in &c.parents {
            if let Some(&pi) = index.get(p) {
                if !seen.contains(&pi) {
                    seen.push(pi);
                    waiting[i] += 1;
                    children[pi].push(i);
                }
            }
        }
    }
    // Roots of the range, oldest last so that it is popped first.
    let mut ready: Vec<usize> = (0..commits.len()).filter(|&i| waiting[i] == 0).collect();
    ready.sort_by_key(|&i| std::cmp::Reverse((commits[i].time, i)));
    let mut order = Vec::with_capacity(commits.len());
    while let Some(i) = ready.pop() {
        order.push(i);
        // Children pushed so that first-parent children are popped first,
        // oldest first.
        let mut next: Vec<usize> = Vec::new();
        for &child in &children[i] {
            waiting[child] -= 1;
            if waiting[child] == 0 {
                next.push(child);
            }
        }
        next.sort_by_key(|&c| {
            let first_parent = commits[c].parents.first() == Some(&commits[i].id);
            (!first_parent, commits[c].time)
        });
        ready.extend(next.into_iter().rev());
    }
    let mut slots: Vec<Option<CommitInfo>> = commits.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> CommitId {
        CommitId::from_bytes_or_panic(&[n; 20])
    }

    fn commit(n: u8, parents: &[u8], time: i64) -> CommitInfo {
        CommitInfo {
            id: id(n),
            parents: parents.iter().map(|&p| id(p)).collect(),
            time,
        }
    }

    #[test]
    fn parents_come_first_and_a_branch_is_followed_to_its_end() {
        // 1 ─ 2 ─ 4 ─ 5(merge of 3)      given newest first, as the walk gives them
        //  └─ 3 ─┘
        let given = vec![
            commit(5, &[4, 3], 50),
            commit(4, &[2], 40),
            commit(3, &[1], 30),
            commit(2, &[1], 20),
            commit(1, &[], 10),
        ];
        let order: Vec<CommitId> = topological(given).into_iter().map(|c| c.id).collect();
        assert_eq!(order, [id(1), id(2), id(4), id(3), id(5)]);
    }
}
