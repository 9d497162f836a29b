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

/// A repository and the caches that make repeated history questions cheap.
pub struct History {
    repo: Repo,
    cache: Arc<BlameCache>,
    cancel: Option<Arc<AtomicBool>>,
}

impl History {
    /// `cache` is shared between all `History` values that should share results.
    pub fn new(repo: Repo, cache: Arc<BlameCache>) -> History {
        History {
            repo,
            cache,
            cancel: None,
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
        let head = match objects.head() {
            Ok(head) => Some(head),
            Err(HistoryError::Unborn { .. }) => None,
            Err(err) => return Err(err),
        };
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
        let mut walker = blame::Walker::new(&mut objects);
        let old = walker.blob(blob)?;
        let new = walker.buffer(normalize_line_endings(buffer, &old.data));
        let hunks = walker
            .interner
            .diff(&old.lines, &old.data, &new.lines, &new.data, true);
        let mut mapping = Vec::with_capacity(new.lines.len() as usize);
        let (mut t, mut p) = (0u32, 0u32);
        for h in hunks.iter().chain(std::iter::once(&diff::Hunk {
            before: old.lines.len()..old.lines.len(),
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
        drop(walker);
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
        // A commit fixes the history behind it: what was walked for these
        // ranges at this commit (before a restart, say) is still true.
        let found = match self.cache.ranges_get(commit, &relative, ranges) {
            Some(found) => found,
            None => {
                let found = range::line_log(
                    &mut objects,
                    commit,
                    &relative,
                    ranges,
                    path,
                    self.cancel.clone(),
                )?;
                self.cache.ranges_put(commit, &relative, ranges, &found);
                found
            }
        };
        let mut all = Vec::with_capacity(found.len());
        for changes in found {
            let mut out = Vec::with_capacity(changes.len());
            for change in changes {
                let facts = self.cache.facts(&mut objects, change.commit)?;
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
        match self.repo.objects()?.head() {
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
        let tree = objects.commit(commit)?.tree;
        match objects.entry(tree, relative)? {
            Some((repo::EntryKind::File | repo::EntryKind::Link, blob)) => {
                let data = objects.blob(blob)?;
                check_content(shown, &data)?;
            }
            Some((repo::EntryKind::Tree, _)) => {
                return Err(HistoryError::Directory { path: shown.into() })
            }
            Some((repo::EntryKind::Submodule, _)) => {
                return Err(HistoryError::Submodule { path: shown.into() })
            }
            None => {
                return Err(HistoryError::NotInRevision {
                    path: shown.into(),
                    rev: commit.to_string(),
                })
            }
        }
        let cache = self.cache.clone();
        let mut known = |c: ObjectId, p: &str| cache.get(c, p);
        let mut walker = blame::Walker::new(objects);
        walker.cancel = self.cancel.clone();
        let blame = walker.blame(commit, relative, &mut known)?;
        let blame = Arc::new(blame);
        self.cache.put(objects, commit, relative, blame.clone())?;
        Ok(blame)
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
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .args([
                    "-c",
                    "user.name=T",
                    "-c",
                    "user.email=t@x",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .status()
                .unwrap();
            assert!(ok.success());
        };
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
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
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
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(ok.success());
        };
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
