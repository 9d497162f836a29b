//! History from git, through gix only (never by spawning `git`): blame,
//! range history (`git log -L`), caches. Never runs what a repository asks
//! for: no hooks, fsmonitor, filter drivers, textconv, external diff,
//! credential helpers or network. No gix type leaves this module.
//!
//! CONTRACT (other work streams code against these names; keep them):
//!
//! ```ignore
//! pub struct Repo;                  // a safely opened repository
//! impl Repo {
//!     pub fn discover(path: &Path) -> Result<Repo, HistoryError>;
//!     pub fn workdir(&self) -> &Path;
//!     pub fn git_dir(&self) -> &Path;
//! }
//! pub struct BlameLine { pub line: u32 /*1-based*/, pub commit: Option<String> /*40-hex, None = uncommitted*/,
//!     pub original_line: u32, pub path: String, pub author: String, pub author_email: String,
//!     pub time: i64 /*unix seconds*/, pub summary: String }
//! pub fn blame(repo: &Repo, path: &Path, rev: Option<&str>) -> Result<Vec<BlameLine>, HistoryError>;
//! pub fn blame_buffer(repo: &Repo, path: &Path, buffer: &str) -> Result<Vec<BlameLine>, HistoryError>;
//! pub struct RangeCommit { pub commit: String, pub author: String, pub author_email: String,
//!     pub time: i64, pub summary: String, pub message: String,
//!     pub lines_added: u32, pub lines_deleted: u32, pub path: String }
//! /// newest first; lines 1-based inclusive, at `rev` (default HEAD)
//! pub fn range_history(repo: &Repo, path: &Path, start: u32, end: u32, rev: Option<&str>)
//!     -> Result<Vec<RangeCommit>, HistoryError>;
//! ```
//!
//! Beyond the contract, [`History`] bundles a repository with a
//! [`BlameCache`] (memory, plus disk when given a directory); the free
//! functions use one process-wide memory cache.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

mod blame;
mod cache;
mod diff;
mod range;
mod rename;
mod repo;
mod timeline;

pub use cache::BlameCache;
pub(crate) use repo::discover_safely;
pub use repo::Repo;
pub use timeline::{FileChange, LineCommit};

use gix::ObjectId;

/// Files larger than this are not blamed (git would, slowly; an editor can't use it).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{path} does not exist")]
    NotFound { path: PathBuf },
    #[error("{path} is not inside a git repository")]
    NotARepository { path: PathBuf },
    #[error("could not open the git repository at {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("the repository at {git_dir} has no working tree")]
    Bare { git_dir: PathBuf },
    #[error("{path} is outside the repository's working tree")]
    OutsideWorktree { path: PathBuf },
    #[error("{path} is a directory")]
    Directory { path: PathBuf },
    #[error("{path} is a submodule; blame a file inside it from its own checkout")]
    Submodule { path: PathBuf },
    #[error("{path} is not in the repository at {rev}")]
    NotInRevision { path: PathBuf, rev: String },
    #[error("unknown revision {rev}: {message}")]
    UnknownRevision { rev: String, message: String },
    #[error("the repository has no commits yet (branch {branch} is unborn)")]
    Unborn { branch: String },
    #[error("{path} is a binary file")]
    Binary { path: PathBuf },
    #[error("{path} is too large to blame ({size} bytes, limit {limit})")]
    TooLarge {
        path: PathBuf,
        size: usize,
        limit: usize,
    },
    #[error("line range {start}:{end} is not within {path} ({lines} lines)")]
    InvalidRange {
        path: PathBuf,
        start: u32,
        end: u32,
        lines: u32,
    },
    #[error("reading {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("reading git objects: {message}{hint}", message = .0, hint = missing_hint(.0))]
    Objects(String),
    #[error("cancelled")]
    Cancelled,
}

/// Says why an object can be missing: provenance-ls never fetches one.
fn missing_hint(message: &str) -> &'static str {
    if message.contains("could not be found") {
        " (missing from this clone — a partial or damaged clone; provenance-ls never fetches objects)"
    } else {
        ""
    }
}

/// Who wrote one line of a file, and where that line was when they did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlameLine {
    /// 1-based line in the blamed file.
    pub line: u32,
    /// 40-hex commit; `None` for lines not committed yet.
    pub commit: Option<String>,
    /// 1-based line in `path` as of `commit`.
    pub original_line: u32,
    /// The file's path in `commit` (after following renames).
    pub path: String,
    pub author: String,
    pub author_email: String,
    /// Author time, unix seconds.
    pub time: i64,
    pub summary: String,
}

/// A commit that changed a line range, as `git log -L` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeCommit {
    pub commit: String,
    pub author: String,
    pub author_email: String,
    /// Author time, unix seconds.
    pub time: i64,
    pub summary: String,
    pub message: String,
    /// Lines this commit added inside the tracked range: the `+` lines
    /// `git log -L` prints for it (diff against the first parent).
    pub lines_added: u32,
    /// Lines deleted by the hunks that touch the range, counted whole: the
    /// `-` lines `git log -L` prints.
    pub lines_deleted: u32,
    /// The file's path in this commit.
    pub path: String,
}

/// One blamed line in compact form: indexes into [`FileBlame`]'s tables and
/// the 0-based line in that commit's version of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineOrigin {
    pub commit: u32,
    pub path: u32,
    pub line: u32,
}

/// The blame of a whole file at one commit: what the caches hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileBlame {
    pub commits: Vec<ObjectId>,
    pub paths: Vec<Arc<str>>,
    pub lines: Vec<LineOrigin>,
}

/// What one walk gives: the blame when asked for, each range's changes.
type Walked = (Option<Arc<FileBlame>>, Vec<Vec<range::RangeChange>>);

/// Told how far a walk is: commits walked of the commits to walk.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// A repository and the caches that make repeated history questions cheap.
pub struct History {
    repo: Repo,
    cache: Arc<BlameCache>,
    cancel: Option<Arc<AtomicBool>>,
    progress: Option<ProgressFn>,
}

/// An open buffer's history from one walk (see [`History::buffer_history`]).
#[derive(Debug, Clone, Default)]
pub struct BufferHistory {
    /// The buffer's blame: lines changed since HEAD are not committed yet.
    pub blame: Vec<BlameLine>,
    /// For each line of the buffer (0-based index), its 1-based line at
    /// HEAD when unchanged since; all `None` without HEAD or with a file new since.
    pub head_lines: Vec<Option<u32>>,
    /// The range history of each range the caller picked, as
    /// [`History::range_histories`] gives it.
    pub ranges: Vec<Vec<RangeCommit>>,
}

impl History {
    /// `cache` is shared between all `History` values that should share results.
    pub fn new(repo: Repo, cache: Arc<BlameCache>) -> History {
        History {
            repo,
            cache,
            cancel: None,
            progress: None,
        }
    }

    /// This history (same repository, same caches), telling `progress` how
    /// far each walk of history is.
    pub fn with_progress(&self, progress: ProgressFn) -> History {
        History {
            repo: self.repo.clone(),
            cache: self.cache.clone(),
            cancel: self.cancel.clone(),
            progress: Some(progress),
        }
    }

    /// Long walks check `flag` and stop with [`HistoryError::Cancelled`] once
    /// it is set, so a superseded request stops using the blocking pool.
    pub fn cancelled_by(mut self, flag: Arc<AtomicBool>) -> History {
        self.cancel = Some(flag);
        self
    }

    /// Discovers the repository holding `path`, with a memory cache and,
    /// when `cache_dir` is given (the caller passes `<journal dir>/cache`), a disk cache.
    pub fn discover(path: &Path, cache_dir: Option<PathBuf>) -> Result<History, HistoryError> {
        Ok(History::new(
            Repo::discover(path)?,
            Arc::new(BlameCache::new(cache_dir)),
        ))
    }

    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// Blame of `path` as committed at `rev` (default HEAD).
    pub fn blame(&self, path: &Path, rev: Option<&str>) -> Result<Vec<BlameLine>, HistoryError> {
        let relative = self.repo.relative_path(path)?;
        let _span = tracing::debug_span!("blame", path = %relative, rev).entered();
        let mut objects = self.repo.objects()?;
        let commit = objects.resolve(rev.unwrap_or("HEAD"))?;
        let blame = self.file_blame(&mut objects, commit, &relative, path)?;
        let lines = (0..blame.lines.len())
            .map(|i| (i, Some(i)))
            .collect::<Vec<_>>();
        self.render(&mut objects, &blame, &lines, &relative)
    }

    /// Blame of an open buffer: lines that differ from HEAD have no commit;
    /// the others carry HEAD's blame. Without commits or with a file new
    /// since HEAD, every line is uncommitted.
    pub fn blame_buffer(&self, path: &Path, buffer: &str) -> Result<Vec<BlameLine>, HistoryError> {
        self.blame_bytes(path, buffer.as_bytes())
    }

    /// [`History::blame_buffer`] for content that need not be UTF-8 (a file
    /// read from disk): compared byte for byte with the committed version.
    pub fn blame_bytes(&self, path: &Path, buffer: &[u8]) -> Result<Vec<BlameLine>, HistoryError> {
        let relative = self.repo.relative_path(path)?;
        let _span = tracing::debug_span!("blame_buffer", path = %relative).entered();
        check_content(path, buffer)?;
        let mut objects = self.repo.objects()?;
        let head = objects.head_if_born()?;
        let committed = match head {
            Some(head) => match self.file_blame(&mut objects, head, &relative, path) {
                Ok(blame) => Some((head, blame)),
                Err(HistoryError::NotInRevision { .. }) => None,
                Err(err) => return Err(err),
            },
            None => None,
        };
        let Some((head, blame)) = committed else {
            let count = blame::Walker::new(&mut objects)
                .buffer(buffer.to_vec())
                .lines
                .len();
            let lines: Vec<_> = (0..count as usize).map(|i| (i, None)).collect();
            return self.render(&mut objects, &FileBlame::default(), &lines, &relative);
        };
        let tree = objects.commit(head)?.tree;
        let Some((_, blob)) = objects.entry(tree, &relative)? else {
            return Err(HistoryError::NotInRevision {
                path: path.into(),
                rev: head.to_string(),
            });
        };
        let mapping = {
            let mut walker = blame::Walker::new(&mut objects);
            let old = walker.blob(blob)?;
            buffer_mapping(&mut walker, &old, buffer)
        };
        self.render(&mut objects, &blame, &mapping, &relative)
    }

    /// The commits that changed lines `start..=end` (1-based) of `path` at
    /// `rev` (default HEAD), newest first, following the range back through
    /// history and renames as `git log -L start,end:path` does.
    pub fn range_history(
        &self,
        path: &Path,
        start: u32,
        end: u32,
        rev: Option<&str>,
    ) -> Result<Vec<RangeCommit>, HistoryError> {
        let mut all = self.range_histories(path, &[(start, end)], rev)?;
        Ok(all.pop().unwrap_or_default())
    }

    /// [`History::range_history`] of each `(start, end)` range (1-based,
    /// inclusive) of the same file, in one walk of the history: each result
    /// is what `range_history` returns for that range alone, but the commit
    /// order, the file's versions and their diffs are worked out once, so
    /// all the blocks of a file cost about one walk. Fails if any range does.
    pub fn range_histories(
        &self,
        path: &Path,
        ranges: &[(u32, u32)],
        rev: Option<&str>,
    ) -> Result<Vec<Vec<RangeCommit>>, HistoryError> {
        let relative = self.repo.relative_path(path)?;
        let _span = tracing::debug_span!("range_history", path = %relative, ?ranges, rev).entered();
        let mut objects = self.repo.objects()?;
        let commit = objects.resolve(rev.unwrap_or("HEAD"))?;
        let (_, found) = self.walk(&mut objects, commit, &relative, path, ranges, false)?;
        self.range_commits(&mut objects, found)
    }

    /// The blame of `path` at `rev` (default HEAD) and the range history of
    /// each of `ranges` there, from one walk of the history.
    pub fn blame_with_ranges(
        &self,
        path: &Path,
        rev: Option<&str>,
        ranges: &[(u32, u32)],
    ) -> Result<(Vec<BlameLine>, Vec<Vec<RangeCommit>>), HistoryError> {
        let relative = self.repo.relative_path(path)?;
        let _span = tracing::debug_span!("blame_with_ranges", path = %relative, rev).entered();
        let mut objects = self.repo.objects()?;
        let commit = objects.resolve(rev.unwrap_or("HEAD"))?;
        let (blame, found) = self.walk(&mut objects, commit, &relative, path, ranges, true)?;
        let blame = blame.expect("asked for the blame");
        let lines: Vec<_> = (0..blame.lines.len()).map(|i| (i, Some(i))).collect();
        let shown = self.render(&mut objects, &blame, &lines, &relative)?;
        Ok((shown, self.range_commits(&mut objects, found)?))
    }

    /// The blame of an open buffer ([`History::blame_bytes`]) and the range
    /// history at HEAD of the ranges `pick` chooses once it knows which
    /// buffer lines are unchanged since HEAD, from one walk of the history:
    /// what indexing a file costs, about one blame.
    pub fn buffer_history(
        &self,
        path: &Path,
        buffer: &[u8],
        pick: impl FnOnce(&[Option<u32>]) -> Vec<(u32, u32)>,
    ) -> Result<BufferHistory, HistoryError> {
        let relative = self.repo.relative_path(path)?;
        let _span = tracing::debug_span!("buffer_history", path = %relative).entered();
        check_content(path, buffer)?;
        let mut objects = self.repo.objects()?;
        let head = objects.head_if_born()?;
        let committed = match head {
            Some(head) => {
                let tree = objects.commit(head)?.tree;
                match objects.entry(tree, &relative)? {
                    Some((repo::EntryKind::File | repo::EntryKind::Link, blob)) => {
                        Some((head, blob))
                    }
                    Some((repo::EntryKind::Tree, _)) => {
                        return Err(HistoryError::Directory { path: path.into() })
                    }
                    Some((repo::EntryKind::Submodule, _)) => {
                        return Err(HistoryError::Submodule { path: path.into() })
                    }
                    None => None,
                }
            }
            None => None,
        };
        let Some((head, blob)) = committed else {
            let count = blame::Walker::new(&mut objects)
                .buffer(buffer.to_vec())
                .lines
                .len();
            let lines: Vec<_> = (0..count as usize).map(|i| (i, None)).collect();
            let head_lines = vec![None; lines.len()];
            let ranges = pick(&head_lines);
            return Ok(BufferHistory {
                blame: self.render(&mut objects, &FileBlame::default(), &lines, &relative)?,
                head_lines,
                ranges: vec![Vec::new(); ranges.len()],
            });
        };
        let mapping = {
            let mut walker = blame::Walker::new(&mut objects);
            let old = walker.blob(blob)?;
            check_content(path, &old.data)?;
            buffer_mapping(&mut walker, &old, buffer)
        };
        let head_lines: Vec<Option<u32>> = mapping
            .iter()
            .map(|&(_, at)| at.map(|p| p as u32 + 1))
            .collect();
        let ranges = pick(&head_lines);
        let (blame, found) = self.walk(&mut objects, head, &relative, path, &ranges, true)?;
        let blame = blame.expect("asked for the blame");
        Ok(BufferHistory {
            blame: self.render(&mut objects, &blame, &mapping, &relative)?,
            head_lines,
            ranges: self.range_commits(&mut objects, found)?,
        })
    }

    /// The blame (when `with_blame`) and range histories of `relative` at
    /// `commit`: from the caches where they hold them, else from one walk
    /// that does whatever is missing (the blame alone walks newest first,
    /// as `git blame` does, without ordering the whole history).
    fn walk(
        &self,
        objects: &mut repo::Objects,
        commit: ObjectId,
        relative: &str,
        shown: &Path,
        ranges: &[(u32, u32)],
        with_blame: bool,
    ) -> Result<Walked, HistoryError> {
        // A commit fixes the history behind it: what was walked for these
        // ranges at this commit (before a restart, say) is still true.
        let cached_ranges = if ranges.is_empty() {
            Some(Vec::new())
        } else {
            self.cache.ranges_get(commit, relative, ranges)
        };
        let cached_blame = if with_blame {
            self.cache.get(commit, relative)
        } else {
            None
        };
        match (cached_ranges, with_blame, cached_blame) {
            (Some(found), false, _) => Ok((None, found)),
            (Some(found), true, Some(blame)) => Ok((Some(blame), found)),
            (Some(found), true, None) => Ok((
                Some(self.file_blame(objects, commit, relative, shown)?),
                found,
            )),
            (None, with_blame, cached_blame) => {
                if let Some(found) = self.extend_cached(objects, commit, relative, shown, ranges)? {
                    self.cache.ranges_put(commit, relative, ranges, &found);
                    let blame = match (with_blame, cached_blame) {
                        (false, _) => None,
                        (true, Some(blame)) => Some(blame),
                        // From the blame at an older commit, as `git blame` would need.
                        (true, None) => Some(self.file_blame(objects, commit, relative, shown)?),
                    };
                    return Ok((blame, found));
                }
                let cache = self.cache.clone();
                let mut known = |c: ObjectId, p: &str| cache.get(c, p);
                let blame_too = with_blame && cached_blame.is_none();
                if blame_too {
                    self.check_blob(objects, commit, relative, shown)?;
                }
                let progress = self.progress.as_deref().map(|f| f as range::Progress<'_>);
                let (blamed, found) = range::line_log(
                    objects,
                    commit,
                    relative,
                    ranges,
                    shown,
                    self.cancel.clone(),
                    if blame_too { Some(&mut known) } else { None },
                    progress,
                )?;
                self.cache.ranges_put(commit, relative, ranges, &found);
                let blame = match blamed {
                    Some(blamed) => {
                        let blamed = Arc::new(blamed);
                        self.cache.put(objects, commit, relative, blamed.clone())?;
                        Some(blamed)
                    }
                    None => cached_blame,
                };
                Ok((blame, found))
            }
        }
    }

    /// The range histories at `commit` from those kept for an older commit
    /// a few commits behind it on a line of single-parent commits (HEAD
    /// after a commit, a pull, a rebase of a few commits): the new commits
    /// are walked, each range leaves them as the ranges it tracks at that
    /// older commit, and those are looked up there; any not found are
    /// walked from there, together. `None` when no such commit is kept.
    fn extend_cached(
        &self,
        objects: &mut repo::Objects,
        commit: ObjectId,
        relative: &str,
        shown: &Path,
        ranges: &[(u32, u32)],
    ) -> Result<Option<Vec<Vec<range::RangeChange>>>, HistoryError> {
        /// How far behind the kept commit may be.
        const NEW_COMMITS: usize = 32;
        let mut chain = Vec::new();
        let mut at = commit;
        let base = loop {
            if chain.len() == NEW_COMMITS {
                return Ok(None);
            }
            let parents = &objects.commit(at)?.parents;
            let [parent] = parents.as_slice() else {
                return Ok(None);
            };
            let parent = *parent;
            chain.push(at);
            if self.cache.ranges_known(parent, relative) {
                break parent;
            }
            at = parent;
        };
        let _span =
            tracing::debug_span!("extend_cached", new_commits = chain.len(), %base).entered();
        let (mut found, left) = range::line_log_chain(objects, &chain, relative, ranges, shown)?;
        let keys: Vec<range::Tracked> = left.iter().map(|(_, t)| t.clone()).collect();
        let known = self.cache.tracked_get(base, relative, &keys);
        let mut missing = Vec::new();
        for ((i, tracked), known) in left.into_iter().zip(known) {
            match known {
                Some(older) => found[i].extend(older),
                None => missing.push((i, tracked)),
            }
        }
        tracing::debug!(
            missing = missing.len(),
            "ranges not kept at the older commit"
        );
        if !missing.is_empty() {
            let keys: Vec<range::Tracked> = missing.iter().map(|(_, t)| t.clone()).collect();
            let indexes: Vec<usize> = missing.iter().map(|(i, _)| *i).collect();
            let walked: Vec<(usize, range::Tracked)> = missing
                .into_iter()
                .enumerate()
                .map(|(k, (_, tracked))| (k, tracked))
                .collect();
            let progress = self.progress.as_deref().map(|f| f as range::Progress<'_>);
            let older = range::line_log_group(
                objects,
                base,
                walked,
                keys.len(),
                self.cancel.clone(),
                progress,
            )?;
            self.cache.tracked_put(base, relative, &keys, &older);
            for (i, older) in indexes.into_iter().zip(older) {
                found[i].extend(older);
            }
        }
        Ok(Some(found))
    }

    /// The range changes of a walk as shown: who, when, what.
    fn range_commits(
        &self,
        objects: &mut repo::Objects,
        found: Vec<Vec<range::RangeChange>>,
    ) -> Result<Vec<Vec<RangeCommit>>, HistoryError> {
        let mut all = Vec::with_capacity(found.len());
        for changes in found {
            let mut out = Vec::with_capacity(changes.len());
            for change in changes {
                let facts = self.cache.facts(objects, change.commit)?;
                out.push(RangeCommit {
                    commit: change.commit.to_string(),
                    author: facts.author.clone(),
                    author_email: facts.author_email.clone(),
                    time: facts.author_time,
                    summary: facts.summary.clone(),
                    message: facts.message.clone(),
                    lines_added: change.added,
                    lines_deleted: change.deleted,
                    path: change.path,
                });
            }
            all.push(out);
        }
        Ok(all)
    }

    /// The commit HEAD points at, 40-hex; `None` on an unborn branch.
    pub fn head_commit(&self) -> Result<Option<String>, HistoryError> {
        match self.repo.shared_objects()?.head() {
            Ok(id) => Ok(Some(id.to_string())),
            Err(HistoryError::Unborn { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The text of `path` as committed at `rev` (default HEAD), read raw (no filters).
    pub fn file_text(&self, path: &Path, rev: Option<&str>) -> Result<String, HistoryError> {
        let relative = self.repo.relative_path(path)?;
        let mut objects = self.repo.objects()?;
        let commit = objects.resolve(rev.unwrap_or("HEAD"))?;
        let tree = objects.commit(commit)?.tree;
        match objects.entry(tree, &relative)? {
            Some((repo::EntryKind::File | repo::EntryKind::Link, blob)) => {
                Ok(String::from_utf8_lossy(&objects.blob(blob)?).into_owned())
            }
            _ => Err(HistoryError::NotInRevision {
                path: path.into(),
                rev: commit.to_string(),
            }),
        }
    }

    /// The whole-file blame at `commit`, from the cache or computed (and then cached).
    fn file_blame(
        &self,
        objects: &mut repo::Objects,
        commit: ObjectId,
        relative: &str,
        shown: &Path,
    ) -> Result<Arc<FileBlame>, HistoryError> {
        if let Some(hit) = self.cache.get(commit, relative) {
            tracing::debug!(%commit, "blame from the cache");
            return Ok(hit);
        }
        self.check_blob(objects, commit, relative, shown)?;
        let cache = self.cache.clone();
        let mut known = |c: ObjectId, p: &str| cache.get(c, p);
        let mut walker = blame::Walker::new(objects);
        walker.cancel = self.cancel.clone();
        let blame = walker.blame(commit, relative, &mut known)?;
        let blame = Arc::new(blame);
        self.cache.put(objects, commit, relative, blame.clone())?;
        Ok(blame)
    }

    /// What `git blame` refuses to blame: no file at `commit`, a directory,
    /// a submodule, a binary or huge file.
    fn check_blob(
        &self,
        objects: &mut repo::Objects,
        commit: ObjectId,
        relative: &str,
        shown: &Path,
    ) -> Result<(), HistoryError> {
        let tree = objects.commit(commit)?.tree;
        match objects.entry(tree, relative)? {
            Some((repo::EntryKind::File | repo::EntryKind::Link, blob)) => {
                let data = objects.blob(blob)?;
                check_content(shown, &data)
            }
            Some((repo::EntryKind::Tree, _)) => Err(HistoryError::Directory { path: shown.into() }),
            Some((repo::EntryKind::Submodule, _)) => {
                Err(HistoryError::Submodule { path: shown.into() })
            }
            None => Err(HistoryError::NotInRevision {
                path: shown.into(),
                rev: commit.to_string(),
            }),
        }
    }

    /// `lines`: (0-based line in the shown file, 0-based line in `blame` or None if uncommitted).
    fn render(
        &self,
        objects: &mut repo::Objects,
        blame: &FileBlame,
        lines: &[(usize, Option<usize>)],
        relative: &str,
    ) -> Result<Vec<BlameLine>, HistoryError> {
        let mut facts = Vec::with_capacity(blame.commits.len());
        for &commit in &blame.commits {
            facts.push(self.cache.facts(objects, commit)?);
        }
        Ok(lines
            .iter()
            .map(|&(shown, origin)| match origin {
                Some(index) => {
                    let o = blame.lines[index];
                    let f = &facts[o.commit as usize];
                    BlameLine {
                        line: shown as u32 + 1,
                        commit: Some(blame.commits[o.commit as usize].to_string()),
                        original_line: o.line + 1,
                        path: blame.paths[o.path as usize].to_string(),
                        author: f.author.clone(),
                        author_email: f.author_email.clone(),
                        time: f.author_time,
                        summary: f.summary.clone(),
                    }
                }
                None => BlameLine {
                    line: shown as u32 + 1,
                    commit: None,
                    original_line: shown as u32 + 1,
                    path: relative.to_owned(),
                    author: "Not Committed Yet".into(),
                    author_email: "not.committed.yet".into(),
                    time: 0,
                    summary: String::new(),
                },
            })
            .collect())
    }
}

/// For each line of `buffer` (0-based): (that line, its 0-based line in
/// `committed` when unchanged since, else `None`).
fn buffer_mapping(
    walker: &mut blame::Walker<'_>,
    committed: &blame::Blob,
    buffer: &[u8],
) -> Vec<(usize, Option<usize>)> {
    let new = walker.buffer(normalize_line_endings(buffer, &committed.data));
    let hunks = walker.interner.diff(
        &committed.lines,
        &committed.data,
        &new.lines,
        &new.data,
        true,
    );
    let mut mapping = Vec::with_capacity(new.lines.len() as usize);
    let (mut t, mut p) = (0u32, 0u32);
    for h in hunks.iter().chain(std::iter::once(&diff::Hunk {
        before: committed.lines.len()..committed.lines.len(),
        after: new.lines.len()..new.lines.len(),
    })) {
        while t < h.after.start {
            mapping.push((t as usize, Some(p as usize)));
            t += 1;
            p += 1;
        }
        while t < h.after.end {
            mapping.push((t as usize, None));
            t += 1;
        }
        p = h.before.end;
    }
    mapping
}

/// A buffer with CRLF endings over a blob with LF endings is an `autocrlf`
/// checkout: compare it the way git would store it. We can't ask the config
/// (we read no global config), and running a filter is out of the question;
/// CRLF → LF keeps one line per line, so line numbers are unchanged.
fn normalize_line_endings(buffer: &[u8], committed: &[u8]) -> Vec<u8> {
    let has_crlf = memchr::memmem::find(buffer, b"\r\n").is_some();
    if !has_crlf || memchr::memchr(b'\r', committed).is_some() {
        return buffer.to_vec();
    }
    let mut out = Vec::with_capacity(buffer.len());
    let mut rest = buffer;
    while let Some(i) = memchr::memmem::find(rest, b"\r\n") {
        out.extend_from_slice(&rest[..i]);
        out.push(b'\n');
        rest = &rest[i + 2..];
    }
    out.extend_from_slice(rest);
    out
}

fn check_content(path: &Path, data: &[u8]) -> Result<(), HistoryError> {
    if data.len() > MAX_FILE_BYTES {
        return Err(HistoryError::TooLarge {
            path: path.into(),
            size: data.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    // git's own test for binary content: a NUL in the first 8000 bytes.
    if data[..data.len().min(8000)].contains(&0) {
        return Err(HistoryError::Binary { path: path.into() });
    }
    Ok(())
}

/// The memory cache shared by the free functions below.
fn process_cache() -> Arc<BlameCache> {
    static CACHE: OnceLock<Arc<BlameCache>> = OnceLock::new();
    CACHE
        .get_or_init(|| Arc::new(BlameCache::new(None)))
        .clone()
}

fn with_history<T>(repo: &Repo, f: impl FnOnce(&History) -> T) -> T {
    let history = History::new(repo.clone(), process_cache());
    f(&history)
}

pub fn blame(repo: &Repo, path: &Path, rev: Option<&str>) -> Result<Vec<BlameLine>, HistoryError> {
    with_history(repo, |h| h.blame(path, rev))
}

pub fn blame_buffer(
    repo: &Repo,
    path: &Path,
    buffer: &str,
) -> Result<Vec<BlameLine>, HistoryError> {
    with_history(repo, |h| h.blame_buffer(path, buffer))
}

/// Newest first; lines 1-based inclusive, at `rev` (default HEAD).
pub fn range_history(
    repo: &Repo,
    path: &Path,
    start: u32,
    end: u32,
    rev: Option<&str>,
) -> Result<Vec<RangeCommit>, HistoryError> {
    with_history(repo, |h| h.range_history(path, start, end, rev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Runs git in `dir` as a test user, with no system or user config and
    /// its output dropped; panics when it fails.
    fn git_in(dir: &Path) -> impl Fn(&[&str]) + '_ {
        move |args| {
            let ok = std::process::Command::new("git")
                .current_dir(dir)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir)
                .args(["-c", "user.name=T", "-c", "user.email=t@x"])
                .args([
                    "-c",
                    "commit.gpgsign=false",
                    "-c",
                    "init.defaultBranch=main",
                ])
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(ok.success(), "git {args:?}");
        }
    }

    /// The language server shares these across its blocking pool.
    #[test]
    fn history_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Repo>();
        shared::<History>();
        shared::<BlameCache>();
    }

    #[test]
    fn line_endings() {
        let table: [(&[u8], &[u8], &[u8]); 3] = [
            (b"a\r\nb\r\n", b"a\nb\n", b"a\nb\n"),
            (b"a\r\nb\r\n", b"a\r\nb\n", b"a\r\nb\r\n"),
            (b"a\nb", b"a\nb\n", b"a\nb"),
        ];
        for (buffer, committed, expected) in table {
            assert_eq!(normalize_line_endings(buffer, committed), expected);
        }
    }

    #[test]
    fn a_set_flag_cancels_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let git = git_in(dir.path());
        git(&["init", "-q"]);
        std::fs::write(dir.path().join("f"), "a\n").unwrap();
        git(&["add", "f"]);
        git(&["commit", "-qm", "one"]);
        let file = dir.path().join("f");
        let flag = Arc::new(AtomicBool::new(true));
        let history = History::discover(&file, None)
            .unwrap()
            .cancelled_by(flag.clone());
        assert!(matches!(
            history.blame(&file, None),
            Err(HistoryError::Cancelled)
        ));
        assert!(matches!(
            history.range_history(&file, 1, 1, None),
            Err(HistoryError::Cancelled)
        ));
        flag.store(false, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(history.blame(&file, None).unwrap().len(), 1);
    }

    /// One walk for many ranges lists, for each range, exactly what a walk
    /// of that range alone lists: through edits, a rename and a merge.
    #[test]
    fn one_walk_for_many_ranges_matches_one_walk_each() {
        let dir = tempfile::tempdir().unwrap();
        let git = git_in(dir.path());
        let write = |name: &str, lines: &[&str]| {
            std::fs::write(dir.path().join(name), lines.join("\n") + "\n").unwrap();
        };
        let commit = |message: &str| {
            git(&["add", "-A"]);
            git(&["commit", "-qm", message]);
        };
        git(&["init", "-q"]);
        write("a", &["1", "2", "3", "4", "5", "6", "7", "8"]);
        commit("start");
        write("a", &["1", "2x", "3", "4", "5", "6", "7", "8"]);
        commit("edit two");
        git(&["mv", "a", "b"]);
        write("b", &["0", "1", "2x", "3", "4", "5", "6", "7", "8"]);
        commit("rename, add zero");
        git(&["checkout", "-qb", "side"]);
        write("b", &["0", "1", "2x", "3", "4", "5", "6y", "7", "8"]);
        commit("side: six");
        git(&["checkout", "-q", "main"]);
        write("b", &["0", "1", "2x", "3z", "4", "5", "6", "7", "8", "9"]);
        commit("main: three, nine");
        git(&["merge", "-q", "--no-edit", "side"]);
        write("b", &["0", "1", "2x", "3z", "4", "6y", "7", "8", "9"]);
        commit("drop five");

        let file = dir.path().join("b");
        let history = History::discover(&file, None).unwrap();
        let lines = 9;
        let ranges: Vec<(u32, u32)> = (1..=lines)
            .flat_map(|start| (start..=lines).map(move |end| (start, end)))
            .collect();
        let together = history.range_histories(&file, &ranges, None).unwrap();
        assert_eq!(together.len(), ranges.len());
        for (&(start, end), got) in ranges.iter().zip(&together) {
            let alone = history.range_history(&file, start, end, None).unwrap();
            assert_eq!(got, &alone, "lines {start}..={end}");
        }
        assert!(together.iter().any(|commits| commits.len() > 2));
        assert!(matches!(
            history.range_histories(&file, &[(1, 2), (3, 10)], None),
            Err(HistoryError::InvalidRange { end: 10, .. })
        ));
        assert!(history
            .range_histories(&file, &[], None)
            .unwrap()
            .is_empty());
    }

    /// The one walk that blames a file and follows line ranges gives what
    /// `git blame --porcelain` and `git log -L` give, line by line and range
    /// by range: through a rename, a merge both sides of which touched a
    /// range, and a line changed then changed back.
    #[test]
    fn one_walk_blames_like_git_blame_and_follows_ranges_like_git_log_l() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| -> String {
            let out = std::process::Command::new("git")
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .args(["-c", "user.name=T", "-c", "user.email=t@x"])
                .args([
                    "-c",
                    "commit.gpgsign=false",
                    "-c",
                    "init.defaultBranch=main",
                ])
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        let mut clock = 1_700_000_000;
        let mut commit = |message: &str| {
            clock += 3600;
            let date = format!("{clock} +0000");
            git(&["add", "-A", "."]);
            let ok = std::process::Command::new("git")
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_DATE", &date)
                .args(["-c", "user.name=T", "-c", "user.email=t@x"])
                .args(["-c", "commit.gpgsign=false", "commit", "-qm", message])
                .status()
                .unwrap();
            assert!(ok.success());
        };
        let write = |name: &str, lines: &[&str]| {
            std::fs::write(dir.path().join(name), lines.join("\n") + "\n").unwrap();
        };
        git(&["init", "-q"]);
        let mut v = vec![
            "/* head */",
            "#include <a.h>",
            "int f(void)",
            "{",
            "  one();",
            "  two();",
            "}",
            "",
            "int g;",
            "int h(void)",
            "{",
            "  return 1;",
            "}",
        ];
        write("a.c", &v);
        commit("start");
        v[4] = "  one(1);";
        write("a.c", &v);
        commit("one takes one");
        v[8] = "int g = 2;";
        write("a.c", &v);
        commit("g starts at two");
        v[8] = "int g;";
        write("a.c", &v);
        commit("g back as it was");
        git(&["mv", "a.c", "b.c"]);
        v[1] = "#include <b.h>";
        write("b.c", &v);
        commit("rename, other include");
        git(&["checkout", "-qb", "side"]);
        let mut side = v.clone();
        side[5] = "  two(2);";
        side[11] = "  return 2;";
        write("b.c", &side);
        commit("side: two takes two, h returns two");
        git(&["checkout", "-q", "main"]);
        v[1] = "#include <c.h>";
        v.insert(0, "/* top */");
        write("b.c", &v);
        commit("main: another include, a top line");
        git(&["merge", "-q", "--no-edit", "side"]);
        let mut v: Vec<String> = std::fs::read_to_string(dir.path().join("b.c"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        v[10] = "int h(int x)".into();
        let v: Vec<&str> = v.iter().map(String::as_str).collect();
        write("b.c", &v);
        commit("h takes x");

        let file = dir.path().join("b.c");
        let history = History::discover(&file, None).unwrap();
        let lines = v.len() as u32;
        let ranges: Vec<(u32, u32)> = (1..=lines)
            .flat_map(|start| (start..=lines).map(move |end| (start, end)))
            .collect();
        let (blame, found) = history.blame_with_ranges(&file, None, &ranges).unwrap();

        // Blame: commit, original line and path of every line, as git says.
        let porcelain = git(&["blame", "--porcelain", "b.c"]);
        let mut theirs = Vec::new();
        let mut path_of: HashMap<String, String> = HashMap::new();
        let mut last: Option<String> = None;
        for line in porcelain.lines() {
            let mut words = line.split(' ');
            let first = words.next().unwrap();
            if first.len() == 40 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
                let original: u32 = words.next().unwrap().parse().unwrap();
                theirs.push((first.to_owned(), original));
                last = Some(first.to_owned());
            } else if first == "filename" {
                path_of.insert(last.clone().unwrap(), line["filename ".len()..].to_owned());
            }
        }
        let ours: Vec<(String, u32, String)> = blame
            .iter()
            .map(|l| (l.commit.clone().unwrap(), l.original_line, l.path.clone()))
            .collect();
        let theirs: Vec<(String, u32, String)> = theirs
            .into_iter()
            .map(|(c, o)| {
                let p = path_of[&c].clone();
                (c, o, p)
            })
            .collect();
        assert_eq!(ours, theirs);
        assert!(
            ours.iter().any(|(_, _, p)| p == "a.c"),
            "the rename is followed"
        );
        assert_eq!(blame, history.blame(&file, None).unwrap());

        // Every range: the commits `git log -L` lists, in its order.
        let mut merges_listed = 0;
        for (&(start, end), got) in ranges.iter().zip(&found) {
            let listed = git(&[
                "log",
                &format!("-L{start},{end}:b.c"),
                "--format=%H",
                "--no-patch",
            ]);
            let listed: Vec<&str> = listed.lines().filter(|l| !l.is_empty()).collect();
            let ours: Vec<&str> = got.iter().map(|c| c.commit.as_str()).collect();
            assert_eq!(ours, listed, "lines {start}..={end}");
            merges_listed += got
                .iter()
                .filter(|c| c.summary.starts_with("Merge"))
                .count();
        }
        assert!(merges_listed > 0, "some range's history lists the merge");
        // The range where g was changed and changed back lists both commits.
        let g = v.iter().position(|l| *l == "int g;").unwrap() as u32 + 1;
        let at_g = &found[ranges.iter().position(|&r| r == (g, g)).unwrap()];
        let summaries: Vec<&str> = at_g.iter().map(|c| c.summary.as_str()).collect();
        assert!(
            summaries.contains(&"g back as it was") && summaries.contains(&"g starts at two"),
            "{summaries:?}"
        );
    }

    /// After a new commit the range histories come from those kept for its
    /// parent, extended by the new commit's diff: the same as a walk of the
    /// whole history, and without one when every range's lines were kept.
    #[test]
    fn a_new_commit_extends_the_kept_range_histories() {
        let dir = tempfile::tempdir().unwrap();
        let git = git_in(dir.path());
        let write = |lines: &[&str]| {
            std::fs::write(dir.path().join("f"), lines.join("\n") + "\n").unwrap();
        };
        git(&["init", "-q"]);
        let mut v = vec!["a", "b", "c", "d", "e", "f", "g", "h"];
        write(&v);
        git(&["add", "-A"]);
        git(&["commit", "-qm", "start"]);
        for (i, text) in [(1, "b2"), (5, "f2"), (2, "c2")] {
            v[i] = text;
            write(&v);
            git(&["commit", "-qam", text]);
        }
        let file = dir.path().join("f");
        let cache_dir = dir.path().join(".git/cache");
        let walks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = walks.clone();
        let history = History::discover(&file, Some(cache_dir))
            .unwrap()
            .with_progress(Arc::new(move |walked, total| {
                if walked == total {
                    counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }));
        let all = |n: u32| -> Vec<(u32, u32)> {
            (1..=n).flat_map(|s| (s..=n).map(move |e| (s, e))).collect()
        };
        history.range_histories(&file, &all(8), None).unwrap();
        assert_eq!(walks.swap(0, std::sync::atomic::Ordering::Relaxed), 1);

        // One new commit: a line changed, one added inside, one at the end.
        v[3] = "d2";
        v.insert(6, "new");
        v.push("i");
        write(&v);
        git(&["commit", "-qam", "d2, new, i"]);
        let fresh = History::discover(&file, None).unwrap();
        let ranges = all(v.len() as u32);
        let extended = history.range_histories(&file, &ranges, None).unwrap();
        assert_eq!(
            extended,
            fresh.range_histories(&file, &ranges, None).unwrap()
        );
        assert!(
            walks.swap(0, std::sync::atomic::Ordering::Relaxed) <= 1,
            "ranges the parent did not keep are walked together"
        );
        // Ranges whose lines the parent kept: no walk at all.
        let kept = [(1, 3), (1, 10), (5, 6), (8, 10), (4, 4)];
        let extended = history.range_histories(&file, &kept, None).unwrap();
        assert_eq!(walks.load(std::sync::atomic::Ordering::Relaxed), 0);
        assert_eq!(extended, fresh.range_histories(&file, &kept, None).unwrap());
        assert_eq!(
            extended[4]
                .iter()
                .map(|c| c.summary.as_str())
                .collect::<Vec<_>>(),
            ["d2, new, i", "start"]
        );
    }

    #[test]
    fn content_checks() {
        let path = Path::new("f");
        let table: [(&[u8], &str); 3] = [(b"text\n", "ok"), (b"a\0b", "binary"), (b"", "ok")];
        for (data, expected) in table {
            let got = match check_content(path, data) {
                Ok(()) => "ok",
                Err(HistoryError::Binary { .. }) => "binary",
                Err(_) => "other",
            };
            assert_eq!(got, expected, "{data:?}");
        }
        let huge = vec![b'a'; MAX_FILE_BYTES + 1];
        assert!(matches!(
            check_content(path, &huge),
            Err(HistoryError::TooLarge { .. })
        ));
    }
}
