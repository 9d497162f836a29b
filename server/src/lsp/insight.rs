//! History insight for open documents: block reports (churn, AI share,
//! risk) and the recent commits of a block, computed on the blocking pool and
//! cached by document text and HEAD. Requests never wait on a cold
//! computation longer than a short budget: they answer with what is known and
//! the client is asked to refresh when the work is done.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dashmap::DashMap;
use tokio::sync::watch;

use crate::attribution::AttributionIndex;
use crate::blocks::{self, BlockReport};
use crate::history::{BlameCache, History, HistoryError, RangeCommit, Repo};

/// One repository's history engine and attribution, shared by its files.
pub struct RepoHistory {
    pub history: History,
    pub attribution: AttributionIndex,
}

/// What is known of one document's history.
pub struct FileInsight {
    pub text_hash: u64,
    pub head: Option<String>,
    pub blocks: Vec<BlockReport>,
    /// Why there is no history (not a repository, binary, …), for hover.
    pub unavailable: Option<String>,
    /// Recent commits per 0-based line range: every block's and every run of
    /// lines outside all blocks', from the indexing walk; other ranges are
    /// filled as hovers ask. Valid as long as this insight is (same text, same HEAD).
    pub recent: DashMap<(u32, u32), Arc<Vec<ShownCommit>>>,
}

/// A commit of a block's history, ready to show.
#[derive(Debug, Clone)]
pub struct ShownCommit {
    pub commit: String,
    pub author: String,
    pub time: i64,
    pub summary: String,
    pub agent: Option<String>,
    pub lines_added: u32,
    pub lines_deleted: u32,
}

/// How long a caller waits for an insight that is not cached.
#[derive(Debug, Clone, Copy)]
pub enum Wait {
    /// Up to this long for the insight of the current text (explicit requests).
    Current(Duration),
    /// Not at all when an insight of an earlier text exists (hover, hints);
    /// else up to this long.
    AnyKnown(Duration),
}

/// A block commit as hover shows it, with the assistant that wrote it.
fn shown(repo: &RepoHistory, c: &RangeCommit) -> ShownCommit {
    ShownCommit {
        agent: repo
            .attribution
            .commit_assistant(&c.commit)
            .map(|a| a.agent),
        commit: c.commit.clone(),
        author: c.author.clone(),
        time: c.time,
        summary: c.summary.clone(),
        lines_added: c.lines_added,
        lines_deleted: c.lines_deleted,
    }
}

/// Resolves to the insight when its computation ends.
type Computing = watch::Receiver<Option<Arc<FileInsight>>>;

#[derive(Default)]
pub struct Insights {
    /// By repository work tree: one history engine and cache per repository.
    repos: DashMap<PathBuf, Arc<RepoHistory>>,
    /// By the folder a file is in: which repository discovery found for it.
    by_folder: DashMap<PathBuf, Arc<RepoHistory>>,
    files: DashMap<String, Arc<FileInsight>>,
    /// Documents whose insight is being computed, and how to wait for it.
    in_flight: Mutex<HashMap<String, Computing>>,
}

pub fn text_hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

pub use crate::clock::unix_seconds as now_seconds;

impl Insights {
    /// The cached insight for this exact text, if any (HEAD is checked by the
    /// computation, which is cheap when nothing moved).
    pub fn cached(&self, doc: &str, text: &str) -> Option<Arc<FileInsight>> {
        let hash = text_hash(text);
        self.files
            .get(doc)
            .filter(|i| i.text_hash == hash)
            .map(|i| i.clone())
    }

    /// The last insight computed for the document, even for older text.
    pub fn stale(&self, doc: &str) -> Option<Arc<FileInsight>> {
        self.files.get(doc).map(|i| i.clone())
    }

    /// Computes (or refreshes) the insight of `doc` on the blocking pool, or
    /// joins a computation already running, and waits as `wait` says.
    /// Returns the insight if it is ready, else the last one known. `on_done`
    /// runs after a computation that outlived the wait.
    pub async fn get(
        self: &Arc<Self>,
        doc: String,
        path: PathBuf,
        text: String,
        wait: Wait,
        on_done: impl FnOnce() + Send + 'static,
    ) -> Option<Arc<FileInsight>> {
        if let Some(hit) = self.cached(&doc, &text) {
            if self.head_unchanged(&path, &hit) {
                return Some(hit);
            }
        }
        let budget = match wait {
            Wait::Current(budget) => budget,
            // After a keystroke the last insight is still a good answer.
            Wait::AnyKnown(budget) if self.stale(&doc).is_none() => budget,
            Wait::AnyKnown(_) => Duration::ZERO,
        };
        let mut ready = self.start(doc.clone(), path, text);
        let waited = tokio::time::timeout(budget, ready.wait_for(Option::is_some))
            .await
            .map(|found| found.map(|insight| insight.clone()));
        match waited {
            Ok(Ok(insight)) => insight,
            Ok(Err(_)) => self.stale(&doc),
            Err(_) => {
                tokio::spawn(async move {
                    if ready.wait_for(Option::is_some).await.is_ok() {
                        on_done();
                    }
                });
                self.stale(&doc)
            }
        }
    }

    /// Starts computing `doc`'s insight unless that is already under way.
    fn start(self: &Arc<Self>, doc: String, path: PathBuf, text: String) -> Computing {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = in_flight.get(&doc) {
            return running.clone();
        }
        let (done, ready) = watch::channel(None);
        in_flight.insert(doc.clone(), ready.clone());
        drop(in_flight);
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let insight = Arc::new(this.compute(&path, &text));
            release_freed_memory();
            this.files.insert(doc.clone(), insight.clone());
            this.in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&doc);
            let _ = done.send(Some(insight));
        });
        ready
    }

    /// The repository history for a file, discovered once per work tree.
    pub fn repo_for(&self, path: &Path) -> Result<Arc<RepoHistory>, HistoryError> {
        // Keyed by folder, not by "some known work tree is a prefix": a
        // repository nested inside another must not be read as the outer one.
        let folder = if path.is_dir() {
            path
        } else {
            path.parent().unwrap_or(path)
        };
        if let Some(found) = self.by_folder.get(folder) {
            return Ok(found.clone());
        }
        let found = Repo::discover(path)?;
        let workdir = found.workdir().to_path_buf();
        let repo = self
            .repos
            .entry(workdir.clone())
            .or_insert_with(|| {
                // Blame results are cached on disk beside the journal.
                let cache_dir =
                    crate::journal::journal_dir(&workdir, None).map(|d| d.join("cache"));
                Arc::new(RepoHistory {
                    history: History::new(found, Arc::new(BlameCache::new(cache_dir))),
                    attribution: AttributionIndex::load_at(&workdir),
                })
            })
            .clone();
        self.by_folder.insert(folder.to_path_buf(), repo.clone());
        Ok(repo)
    }

    fn head_unchanged(&self, path: &Path, insight: &FileInsight) -> bool {
        match self.repo_for(path) {
            Ok(repo) => repo.history.head_commit().ok().flatten() == insight.head,
            Err(_) => true,
        }
    }

    fn compute(&self, path: &Path, text: &str) -> FileInsight {
        let text_hash = text_hash(text);
        let unavailable = |why: String| FileInsight {
            text_hash,
            head: None,
            blocks: Vec::new(),
            unavailable: Some(why),
            recent: DashMap::new(),
        };
        let repo = match self.repo_for(path) {
            Ok(repo) => repo,
            Err(e) => return unavailable(e.to_string()),
        };
        let head = match repo.history.head_commit() {
            Ok(head) => head,
            Err(e) => return unavailable(e.to_string()),
        };
        let indexed = blocks::block_reports_and_gaps(
            &repo.history,
            &repo.attribution,
            path,
            text,
            now_seconds(),
        );
        match indexed {
            Ok((blocks, gaps)) => {
                // The indexing walk already found each block's commits: keep
                // them, so a first hover per block reads no history.
                tracing::info!(
                    path = %path.display(),
                    head = head.as_deref().unwrap_or("unborn"),
                    blocks = blocks.len(),
                    with_history = blocks.iter().filter(|b| b.commits > 0).count(),
                    "indexed history"
                );
                let recent = DashMap::new();
                for report in &blocks {
                    let shown = report.recent.iter().map(|c| shown(&repo, c)).collect();
                    recent.insert(
                        (report.block.start_line, report.block.end_line),
                        Arc::new(shown),
                    );
                }
                // The lines outside every block, from the same walk: a
                // hover there reads no history either.
                for gap in &gaps {
                    let shown = gap.recent.iter().map(|c| shown(&repo, c)).collect();
                    recent
                        .entry((gap.start_line, gap.end_line))
                        .or_insert_with(|| Arc::new(shown));
                }
                FileInsight {
                    text_hash,
                    head,
                    blocks,
                    unavailable: None,
                    recent,
                }
            }
            Err(e) => FileInsight {
                head,
                ..unavailable(e.to_string())
            },
        }
    }

    /// The commits that touched lines `start..=end` (0-based) at HEAD, newest
    /// first, with the assistant that wrote each where one did.
    pub fn recent_commits(
        &self,
        path: &Path,
        start: u32,
        end: u32,
        limit: usize,
    ) -> Result<Vec<ShownCommit>, HistoryError> {
        let repo = self.repo_for(path)?;
        let commits: Vec<RangeCommit> =
            match repo.history.range_history(path, start + 1, end + 1, None) {
                // The buffer may be longer than the file at HEAD.
                Err(HistoryError::InvalidRange { lines, .. }) if lines > start => {
                    repo.history.range_history(path, start + 1, lines, None)?
                }
                other => other?,
            };
        Ok(commits
            .iter()
            .take(limit)
            .map(|c| shown(&repo, c))
            .collect())
    }
}

/// Hands the memory an indexing walk freed back to the system. A walk of a
/// long history allocates hundreds of megabytes (versions, diffs, commits)
/// and frees them when it ends, but glibc keeps freed pages in its arenas, so
/// the server's RSS stayed at the peak of its largest walk for as long as it
/// ran. What an insight keeps is small (a restarted server holding the same
/// insights from the disk cache is a tenth of the size).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the kernel; it takes no
    // pointers and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
