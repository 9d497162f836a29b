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
