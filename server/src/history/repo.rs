//! Opening a repository so that nothing it configures can run, and reading
//! its objects raw. Owns every call into gix's object database for this
//! module; must never use gix's filter pipeline, diff drivers, hooks,
//! fsmonitor, credential helpers or transports, and never spawn `git`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::objs::FindExt;
use gix::ObjectId;

use super::HistoryError;

/// A repository opened so that it can't make us run anything.
///
/// gix itself never runs hooks, fsmonitor or filters unless asked; on top of
/// that we open it *isolated*: only the repository's own config is read (no
/// system/global/XDG config, no includes, no environment overrides), and gix
/// may not run the `git` binary to find its installation config. All content
/// is read as raw blobs, so `.gitattributes` filters and textconv never apply.
#[derive(Clone)]
pub struct Repo {
    repo: gix::ThreadSafeRepository,
    workdir: PathBuf,
    git_dir: PathBuf,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("workdir", &self.workdir)
            .field("git_dir", &self.git_dir)
            .finish()
    }
}

impl Repo {
    /// Finds the repository containing `path` (a file or a folder) by walking up.
    pub fn discover(path: &Path) -> Result<Repo, HistoryError> {
        let start = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        };
        let start = start.canonicalize().map_err(|_| HistoryError::NotFound {
            path: path.to_path_buf(),
        })?;
        let repo = gix::ThreadSafeRepository::discover_opts(
            &start,
            gix::discover::upwards::Options::default(),
            gix::sec::trust::Mapping {
                full: safe_open_options(),
                reduced: safe_open_options(),
            },
        )
        .map_err(|err| {
            let message = err.to_string();
            if message.contains("not a git repository") || message.contains("Could not find") {
                HistoryError::NotARepository {
                    path: start.clone(),
                }
            } else {
                HistoryError::Open {
                    path: start.clone(),
                    message,
                }
            }
        })?;
        let git_dir = repo.git_dir().to_path_buf();
        let workdir = match repo.work_dir() {
            Some(dir) => dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
            None => return Err(HistoryError::Bare { git_dir }),
        };
        Ok(Repo {
            repo,
            workdir,
            git_dir,
        })
    }

    /// The root of the working tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// The `.git` directory (or the worktree's git dir).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// `path` (absolute, or relative to the current directory) as a
    /// slash-separated path relative to the working tree root.
    pub fn relative_path(&self, path: &Path) -> Result<String, HistoryError> {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|err| HistoryError::Io {
                    path: path.to_path_buf(),
                    message: err.to_string(),
                })?
                .join(path)
        };
        // Canonicalize the parent only: the file itself may be deleted or
        // a symlink we must not follow out of the repository.
        let resolved = match (absolute.parent(), absolute.file_name()) {
            (Some(parent), Some(name)) => parent
                .canonicalize()
                .map(|p| p.join(name))
                .unwrap_or_else(|_| absolute.clone()),
            _ => absolute.clone(),
        };
        let relative =
            resolved
                .strip_prefix(&self.workdir)
                .map_err(|_| HistoryError::OutsideWorktree {
                    path: path.to_path_buf(),
                })?;
        let mut out = String::new();
        for component in relative.components() {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(&component.as_os_str().to_string_lossy());
        }
        if out.is_empty() {
            return Err(HistoryError::Directory {
                path: path.to_path_buf(),
            });
        }
        Ok(out)
    }

    /// A reader over this repository's objects for one request, with its
    /// own object store: the pack and index maps a walk touches (hundreds
    /// of megabytes of a long history's pack, resident as long as they
    /// stay mapped) are unmapped when the request ends, so a server holding
    /// indexed files does not keep them. Opening costs about a millisecond.
    pub(crate) fn objects(&self) -> Result<Objects, HistoryError> {
        let own = gix::ThreadSafeRepository::open_opts(&self.git_dir, safe_open_options()).ok();
        Self::objects_of(own.as_ref().unwrap_or(&self.repo))
    }

    /// [`Repo::objects`] over the store shared by all requests (no pack
    /// is read): what reading HEAD needs, on every hover.
    pub(crate) fn shared_objects(&self) -> Result<Objects, HistoryError> {
        Self::objects_of(&self.repo)
    }

    fn objects_of(repo: &gix::ThreadSafeRepository) -> Result<Objects, HistoryError> {
        let mut repo = repo.to_thread_local();
        // Blame and log -L read each tree and blob about once; a decoded-object
        // cache would only copy them. Commits are kept by `Objects` itself.
        repo.object_cache_size(0);
        let shallow = match repo.shallow_commits() {
            Ok(Some(commits)) => commits.iter().copied().collect(),
            Ok(None) => HashSet::new(),
            Err(err) => return Err(HistoryError::Objects(err.to_string())),
        };
        // A commit-graph that can't be read is only a missed shortcut.
        let graph = repo.commit_graph_if_enabled().ok().flatten();
        Ok(Objects {
            repo,
            buf: Vec::new(),
            buf2: Vec::new(),
            commits: HashMap::new(),
            shallow,
            mailmap: None,
            graph,
            entries: HashMap::new(),
        })
    }
}

/// Opens the repository holding `path` the way every part of provenance-ls
/// must: isolated from global config, fsmonitor off, trusted or not. Used by
/// attribution and the report, which need a plain `gix::Repository`.
pub fn discover_safely(path: &Path) -> gix::Result<gix::Repository> {
    gix::discover_opts(
        path,
        gix::discover::upwards::Options::default(),
        safe_open_options(),
    )
}

fn safe_open_options() -> gix::open::Options {
    gix::open::Options::isolated()
        // Belt and braces: even though we never ask gix for these, make sure
        // a repository-local config can't switch them on for us.
        .config_overrides([
            "core.fsmonitor=false",
            // A hash-map delta cache instead of gix's small default list: blame
            // walks long delta chains of one file (git's own default is 96 MiB).
            "core.deltaBaseCacheLimit=64m",
        ])
}

/// What blame and range history need from a commit.
#[derive(Debug, Clone)]
pub(crate) struct CommitNode {
    pub tree: ObjectId,
    /// Empty for root commits and for the commits at a shallow clone's boundary.
    pub parents: Vec<ObjectId>,
    /// Committer time: git walks history newest-committed first.
    pub time: i64,
}

/// What a person reads about a commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CommitFacts {
    pub author: String,
    pub author_email: String,
    pub author_time: i64,
    pub summary: String,
    pub message: String,
}

/// A tree entry's kind, as far as blame cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    File,
    Link,
    Tree,
    Submodule,
}

pub(crate) struct Objects {
    repo: gix::Repository,
    buf: Vec<u8>,
    buf2: Vec<u8>,
    commits: HashMap<ObjectId, CommitNode>,
    shallow: HashSet<ObjectId>,
    /// `.mailmap` (read lazily, only as data): git blame shows mapped names.
    mailmap: Option<gix::mailmap::Snapshot>,
    graph: Option<gix::commitgraph::Graph>,
    /// (tree, slash-separated path below it) → what is there.
    entries: HashMap<(ObjectId, String), Option<(EntryKind, ObjectId)>>,
}

fn objects_error(err: impl std::fmt::Display) -> HistoryError {
    HistoryError::Objects(err.to_string())
}

impl Objects {
    /// Resolves a revision (`HEAD`, a branch, a hash, `HEAD~2`, …) to a commit.
    pub fn resolve(&mut self, rev: &str) -> Result<ObjectId, HistoryError> {
        if rev == "HEAD" {
            return self.head();
        }
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|err| HistoryError::UnknownRevision {
                rev: rev.to_owned(),
                message: err.to_string(),
            })?;
        let object = id
            .object()
            .map_err(objects_error)?
            .peel_to_kind(gix::object::Kind::Commit)
            .map_err(|err| HistoryError::UnknownRevision {
                rev: rev.to_owned(),
                message: err.to_string(),
            })?;
        Ok(object.id)
    }

    /// The commit HEAD points at, or `None` before the first commit.
    pub fn head_if_born(&mut self) -> Result<Option<ObjectId>, HistoryError> {
        match self.head() {
            Ok(head) => Ok(Some(head)),
            Err(HistoryError::Unborn { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The commit HEAD points at, or `Unborn` before the first commit.
    pub fn head(&mut self) -> Result<ObjectId, HistoryError> {
        let head = self.repo.head().map_err(objects_error)?;
        if head.is_unborn() {
            let branch = head
                .referent_name()
                .map(|name| name.shorten().to_string())
                .unwrap_or_else(|| "HEAD".into());
            return Err(HistoryError::Unborn { branch });
        }
        let id = self
            .repo
            .head_id()
            .map_err(|err| HistoryError::UnknownRevision {
                rev: "HEAD".into(),
                message: err.to_string(),
            })?;
        Ok(id.detach())
    }

    pub fn commit(&mut self, id: ObjectId) -> Result<&CommitNode, HistoryError> {
        if !self.commits.contains_key(&id) {
            if let Some(node) = self.commit_from_graph(id) {
                self.commits.insert(id, node);
                return Ok(&self.commits[&id]);
            }
            let data = self
                .repo
                .objects
                .find(&id, &mut self.buf)
                .map_err(objects_error)?;
            if data.kind != gix::object::Kind::Commit {
                return Err(HistoryError::Objects(format!(
                    "{id} is a {}, not a commit",
                    data.kind
                )));
            }
            // Only tree, parents and committer time: a walk orders every
            // commit of the history, so it keeps no commit bytes (facts are
            // read again for the few commits shown).
            let (tree, parents, time) = match parse_commit_head(data.data) {
                Some(parsed) => parsed,
                None => {
                    let commit = gix::objs::CommitRef::from_bytes(data.data, gix::hash::Kind::Sha1)
                        .map_err(objects_error)?;
                    let time = commit
                        .committer()
                        .ok()
                        .and_then(|c| c.time().ok())
                        .map(|t| t.seconds)
                        .unwrap_or(0);
                    (commit.tree(), commit.parents().collect(), time)
                }
            };
            let parents = if self.shallow.contains(&id) {
                Vec::new()
            } else {
                parents
            };
            let node = CommitNode {
                tree,
                parents,
                time,
            };
            self.commits.insert(id, node);
        }
        Ok(&self.commits[&id])
    }

    /// Tree, parents and time straight from the commit-graph file when the
    /// repository has one (as git does), without inflating the commit.
    fn commit_from_graph(&self, id: ObjectId) -> Option<CommitNode> {
        let graph = self.graph.as_ref()?;
        let commit = graph.commit_by_id(id)?;
        let parents = if self.shallow.contains(&id) {
            Vec::new()
        } else {
            let mut parents = Vec::new();
            for parent in commit.iter_parents() {
                parents.push(graph.id_at(parent.ok()?).to_owned());
            }
            parents
        };
        Some(CommitNode {
            tree: commit.root_tree_id().to_owned(),
            parents,
            time: i64::try_from(commit.committer_timestamp()).ok()?,
        })
    }

    pub fn commit_facts(&mut self, id: ObjectId) -> Result<Arc<CommitFacts>, HistoryError> {
        let raw = self
            .repo
            .objects
            .find(&id, &mut self.buf)
            .map_err(objects_error)?
            .data
            .to_vec();
        let commit =
            gix::objs::CommitRef::from_bytes(&raw, gix::hash::Kind::Sha1).map_err(objects_error)?;
        let mailmap = self.mailmap.get_or_insert_with(|| self.repo.open_mailmap());
        Ok(Arc::new(facts_of(&commit, mailmap)?))
    }

    /// The entry at slash-separated `path` in `tree`, if any.
    pub fn entry(
        &mut self,
        tree: ObjectId,
        path: &str,
    ) -> Result<Option<(EntryKind, ObjectId)>, HistoryError> {
        // Subtrees a commit didn't touch keep their ids, so remembering
        // (subtree, rest of path) skips reading them again further back in
        // history — git gets the same from diffing trees with a pathspec.
        if self.entries.len() > 1 << 16 {
            self.entries.clear();
        }
        let mut current = tree;
        let mut rest = path;
        let mut visited: Vec<(ObjectId, usize)> = Vec::new();
        let found = loop {
            if let Some(known) = self.entries.get(&(current, rest.to_owned())) {
                break *known;
            }
            visited.push((current, path.len() - rest.len()));
            let (name, after) = match rest.split_once('/') {
                Some((name, after)) => (name, Some(after)),
                None => (rest, None),
            };
            let tree = self
                .repo
                .objects
                .find_tree_iter(&current, &mut self.buf)
                .map_err(objects_error)?;
            let mut entry_found = None;
            for entry in tree {
                let entry = entry.map_err(objects_error)?;
                if entry.filename == name.as_bytes() {
                    entry_found = Some((kind_of(entry.mode), entry.oid.to_owned()));
                    break;
                }
            }
            match (entry_found, after) {
                (None, _) => break None,
                (Some(found), None) => break Some(found),
                (Some((EntryKind::Tree, id)), Some(after)) => {
                    current = id;
                    rest = after;
                }
                (Some(_), Some(_)) => break None,
            }
        };
        for (tree, offset) in visited {
            self.entries
                .insert((tree, path[offset..].to_owned()), found);
        }
        Ok(found)
    }

    /// How many deltas deep `id` is stored in its pack (0 if whole or loose).
    pub fn delta_depth(&self, id: ObjectId) -> u32 {
        match gix::odb::Header::try_header(&self.repo.objects, &id) {
            Ok(Some(gix::odb::find::Header::Packed(outcome))) => outcome.num_deltas,
            _ => 0,
        }
    }

    pub fn blob(&mut self, id: ObjectId) -> Result<Vec<u8>, HistoryError> {
        let mut data = Vec::new();
        let blob = self
            .repo
            .objects
            .find_blob(&id, &mut data)
            .map_err(objects_error)?;
        let (start, len) = (blob.data.as_ptr(), blob.data.len());
        if start == data.as_ptr() {
            // The usual case: the blob fills the buffer; keep it without copying.
            data.truncate(len);
            return Ok(data);
        }
        let blob = self
            .repo
            .objects
            .find_blob(&id, &mut self.buf)
            .map_err(objects_error)?;
        Ok(blob.data.to_vec())
    }

    /// Files (path, blob) present under `old` but not under `new`: the
    /// sources git considers when it looks for a rename.
    pub fn deleted_files(
        &mut self,
        old: ObjectId,
        new: ObjectId,
    ) -> Result<Vec<(String, ObjectId)>, HistoryError> {
        let mut out = Vec::new();
        self.collect_deleted(old, Some(new), String::new(), &mut out)?;
        Ok(out)
    }

    fn collect_deleted(
        &mut self,
        old: ObjectId,
        new: Option<ObjectId>,
        prefix: String,
        out: &mut Vec<(String, ObjectId)>,
    ) -> Result<(), HistoryError> {
        if Some(old) == new {
            return Ok(());
        }
        let old_entries = self.tree_entries(old)?;
        let new_entries = match new {
            Some(new) => self.tree_entries(new)?,
            None => Vec::new(),
        };
        let new_by_name: HashMap<&[u8], (EntryKind, ObjectId)> = new_entries
            .iter()
            .map(|(name, kind, id)| (name.as_slice(), (*kind, *id)))
            .collect();
        for (name, kind, id) in &old_entries {
            let path = if prefix.is_empty() {
                String::from_utf8_lossy(name).into_owned()
            } else {
                format!("{prefix}/{}", String::from_utf8_lossy(name))
            };
            let counterpart = new_by_name.get(name.as_slice()).copied();
            match kind {
                EntryKind::Tree => {
                    let new_tree = match counterpart {
                        Some((EntryKind::Tree, new_id)) => Some(new_id),
                        _ => None,
                    };
                    self.collect_deleted(*id, new_tree, path, out)?;
                }
                EntryKind::File => match counterpart {
                    Some((EntryKind::File, _)) => {}
                    _ => out.push((path, *id)),
                },
                EntryKind::Link | EntryKind::Submodule => {}
            }
        }
        Ok(())
    }

    pub(crate) fn tree_entries(
        &mut self,
        tree: ObjectId,
    ) -> Result<Vec<(Vec<u8>, EntryKind, ObjectId)>, HistoryError> {
        let iter = self
            .repo
            .objects
            .find_tree_iter(&tree, &mut self.buf2)
            .map_err(objects_error)?;
        let mut out = Vec::new();
        for entry in iter {
            let entry = entry.map_err(objects_error)?;
            out.push((
                entry.filename.to_vec(),
                kind_of(entry.mode),
                entry.oid.to_owned(),
            ));
        }
        Ok(out)
    }

    /// Every commit reachable from `tip` (respecting a shallow boundary).
    pub fn ancestry(&mut self, tip: ObjectId) -> Result<Vec<ObjectId>, HistoryError> {
        let mut seen = HashSet::new();
        let mut stack = vec![tip];
        let mut out = Vec::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            out.push(id);
            let parents = self.commit(id)?.parents.clone();
            stack.extend(parents);
        }
        Ok(out)
    }
}

fn facts_of(
    commit: &gix::objs::CommitRef<'_>,
    mailmap: &gix::mailmap::Snapshot,
) -> Result<CommitFacts, HistoryError> {
    let author = commit.author().map_err(objects_error)?;
    let author_time = author.time().map(|t| t.seconds).unwrap_or(0);
    if let Some(mapped) = mailmap.try_resolve(author) {
        let message = commit.message.to_string();
        let summary = message
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_owned();
        return Ok(CommitFacts {
            author: mapped.name.to_string(),
            author_email: mapped.email.to_string(),
            author_time,
            summary,
            message,
        });
    }
    let message = commit.message.to_string();
    // git blame's summary is the first line of the message.
    let summary = message
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_owned();
    Ok(CommitFacts {
        author: author.name.to_string(),
        author_email: author.email.to_string(),
        author_time,
        summary,
        message,
    })
}

/// Tree, parents and committer time from a commit's bytes as git writes
/// them (`tree`, then `parent` lines, then `author`, then `committer`);
/// `None` for anything else, which the full parser then reads.
fn parse_commit_head(data: &[u8]) -> Option<(ObjectId, Vec<ObjectId>, i64)> {
    let mut lines = data.split(|&b| b == b'\n');
    let tree = ObjectId::from_hex(lines.next()?.strip_prefix(b"tree ")?).ok()?;
    let mut parents = Vec::new();
    for line in lines {
        if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(ObjectId::from_hex(hex).ok()?);
        } else if line.starts_with(b"author ") {
            continue;
        } else if let Some(rest) = line.strip_prefix(b"committer ") {
            // "Name <email> 1700000000 +0000": the seconds follow the last '>'.
            let after = &rest[memchr::memrchr(b'>', rest)? + 1..];
            let seconds = after.split(|&b| b == b' ').find(|w| !w.is_empty())?;
            let time = std::str::from_utf8(seconds).ok()?.parse().ok()?;
            return Some((tree, parents, time));
        } else {
            return None;
        }
    }
    None
}

fn kind_of(mode: gix::objs::tree::EntryMode) -> EntryKind {
    if mode.is_tree() {
        EntryKind::Tree
    } else if mode.is_commit() {
        EntryKind::Submodule
    } else if mode.is_link() {
        EntryKind::Link
    } else {
        EntryKind::File
    }
}
