//! History insight for open documents: block reports (churn, AI share,
//! risk) and the recent commits of a block, computed on the blocking pool and
//! cached by document text and HEAD. Fresh by construction: every edit moves
//! the last insight with the text (`shift.rs`: blocks and their commits
//! follow their lines, written lines are "not committed yet"), and an
//! insight that lands for an older text is moved through the edits made
//! since. Requests never wait on a cold computation longer than a short
//! budget, and a computation is never dropped when a request stops waiting:
//! the next request joins it, and the client is asked to refresh when it
//! lands.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dashmap::DashMap;
use tokio::sync::watch;

use crate::attribution::AttributionIndex;
use crate::blocks::{self, BlockReport};
use crate::history::{BlameCache, History, HistoryError, ProgressFn, RangeCommit, Repo};

use super::shift::LineEdit;

/// Files longer than this get no block history (hover, lenses, hints,
/// `provenance/blocks` say why): a 200k-line file took 7.6 s and 829 MiB per
/// text version. docs/robustness.md, "Huge files".
pub const MAX_HISTORY_LINES: usize = 50_000;

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
    /// Read from this very text; false once moved through an edit, when
    /// the numbers are those of the text before it until history is read
    /// again.
    pub exact: bool,
    /// Lines (0-based, inclusive ranges) written since the history was
    /// read: not committed yet.
    pub fresh: Vec<(u32, u32)>,
}

impl FileInsight {
    /// This insight moved through one batch of edits, for the text after it.
    pub fn shifted(&self, edits: &[LineEdit], text_hash: u64) -> FileInsight {
        let mut blocks = self.blocks.clone();
        let mut recent: Vec<(LineRange, Commits)> = self
            .recent
            .iter()
            .map(|e| (*e.key(), e.value().clone()))
            .collect();
        let mut fresh = self.fresh.clone();
        for edit in edits {
            blocks.retain_mut(|report| {
                let block = &mut report.block;
                match edit.map(block.start_line, block.end_line) {
                    Some((start, end)) => {
                        // The header line moves with its text; when the edit
                        // took it, the block's first line stands in.
                        let header = edit
                            .map(block.definition_line, block.definition_line)
                            .map_or(start, |(line, _)| line);
                        (block.start_line, block.end_line) = (start, end);
                        block.definition_line = header.clamp(start, end);
                        true
                    }
                    None => false,
                }
            });
            recent.retain_mut(|(range, _)| match edit.map(range.0, range.1) {
                Some(moved) => {
                    *range = moved;
                    true
                }
                None => false,
            });
            fresh = fresh
                .iter()
                .filter_map(|&(start, end)| edit.map(start, end))
                .chain(edit.written())
                .collect();
        }
        FileInsight {
            text_hash,
            head: self.head.clone(),
            blocks,
            unavailable: self.unavailable.clone(),
            recent: recent.into_iter().collect(),
            exact: false,
            fresh,
        }
    }

    /// Line `line` (0-based) was written since the history was read.
    pub fn is_fresh(&self, line: u32) -> bool {
        self.fresh
            .iter()
            .any(|&(start, end)| start <= line && line <= end)
    }
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

/// 0-based, inclusive lines.
type LineRange = (u32, u32);

/// The recent commits of a range, shared.
type Commits = Arc<Vec<ShownCommit>>;

/// A range of a file at a HEAD: what a range history is read for.
type RangeAtHead = (PathBuf, Option<String>, u32, u32);

/// Resolves to a range's recent commits (or why not) when they are read.
type Reading = watch::Receiver<Option<Result<Commits, String>>>;

/// How many edit batches a document remembers, so that an insight landing
/// for an older text can be moved to the current one.
const EDIT_LOG: usize = 256;

/// The edits of one document, counted, so an insight read from the text of
/// one generation can be moved through the edits since.
#[derive(Default)]
struct Edits {
    /// How many edit batches the document has had.
    generation: u64,
    /// The hash of the text after the last batch.
    text_hash: Option<u64>,
    /// The last batches, by generation; `None` for one that cannot be
    /// followed line by line (a whole-text replacement).
    log: VecDeque<(u64, Option<Vec<LineEdit>>)>,
    /// The computation under way, if any.
    computing: Option<Computing>,
}

impl Edits {
    /// Moves `insight`, read from the text of generation `from`, to the
    /// current text; `None` when an edit since cannot be followed.
    fn bring_up_to_date(&self, insight: FileInsight, from: u64) -> Option<FileInsight> {
        if from == self.generation {
            return Some(insight);
        }
        let since: Vec<_> = self.log.iter().filter(|(g, _)| *g > from).collect();
        if since.len() as u64 != self.generation - from {
            return None;
        }
        let hash = self.text_hash?;
        let mut insight = insight;
        for (_, edits) in since {
            insight = insight.shifted(edits.as_deref()?, hash);
        }
        Some(insight)
    }
}

#[derive(Default)]
pub struct Insights {
    /// By repository work tree: one history engine and cache per repository.
    repos: DashMap<PathBuf, Arc<RepoHistory>>,
    /// By the folder a file is in: which repository discovery found for it.
    by_folder: DashMap<PathBuf, Arc<RepoHistory>>,
    files: DashMap<String, Arc<FileInsight>>,
    /// Per document: its edits and the computation under way.
    edits: Mutex<HashMap<String, Edits>>,
    /// Range histories being read (by path, HEAD and 0-based lines), so a
    /// request that stops waiting leaves the work to the next one.
    reading: Mutex<HashMap<RangeAtHead, Reading>>,
    /// `journal.path` when set: the blame cache lives there too, so every
    /// file the server writes is under the one configured place.
    journal_override: std::sync::RwLock<Option<PathBuf>>,
    /// Per document: how far the walk indexing it is (commits walked, to walk).
    progress: DashMap<String, watch::Sender<(u64, u64)>>,
}

/// A hash of a text, fed piece by piece (a rope's chunks or one string give
/// the same hash).
pub fn text_hash<'a>(pieces: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut hasher = DefaultHasher::new();
    for piece in pieces {
        hasher.write(piece.as_bytes());
    }
    hasher.finish()
}

pub use crate::clock::unix_seconds as now_seconds;

impl Insights {
    /// The cached insight for the text with this hash, if any (HEAD is
    /// checked by the caller).
    fn cached(&self, doc: &str, hash: u64) -> Option<Arc<FileInsight>> {
        self.files
            .get(doc)
            .filter(|i| i.text_hash == hash)
            .map(|i| i.clone())
    }

    /// How far the history walks indexing `doc` are, as (commits walked,
    /// commits to walk); changes while one runs.
    pub fn watch_progress(&self, doc: &str) -> watch::Receiver<(u64, u64)> {
        self.progress
            .entry(doc.to_string())
            .or_insert_with(|| watch::channel((0, 0)).0)
            .subscribe()
    }

    /// The last insight computed for the document, even for older text.
    pub fn stale(&self, doc: &str) -> Option<Arc<FileInsight>> {
        self.files.get(doc).map(|i| i.clone())
    }

    fn edits(&self) -> std::sync::MutexGuard<'_, HashMap<String, Edits>> {
        self.edits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many edit batches `doc` has had; read it with the text, under the
    /// same lock as the edits are applied.
    pub fn generation(&self, doc: &str) -> u64 {
        self.edits().get(doc).map_or(0, |e| e.generation)
    }

    /// Records one edit batch of `doc` (`None`: one that cannot be followed
    /// line by line) and moves its insight with the text. Called under the
    /// document lock, in the order edits are applied.
    pub fn edited(&self, doc: &str, edits: Option<Vec<LineEdit>>, text_hash: u64) {
        let mut all = self.edits();
        let entry = all.entry(doc.to_string()).or_default();
        entry.generation += 1;
        let before = entry.text_hash.replace(text_hash);
        // Only the insight of the text just before the edit can follow it.
        let current = self.stale(doc).filter(|i| Some(i.text_hash) == before);
        match (&edits, current) {
            (Some(edits), Some(current)) => {
                let moved = current.shifted(edits, text_hash);
                self.files.insert(doc.to_string(), Arc::new(moved));
            }
            (None, Some(_)) => {
                self.files.remove(doc);
            }
            (_, None) => {}
        }
        entry.log.push_back((entry.generation, edits));
        while entry.log.len() > EDIT_LOG {
            entry.log.pop_front();
        }
    }

    /// `doc` was opened with the text of this hash: computations started
    /// from an earlier text cannot be moved to it.
    pub fn opened(&self, doc: &str, text_hash: u64) {
        let mut all = self.edits();
        let entry = all.entry(doc.to_string()).or_default();
        entry.generation += 1;
        entry.text_hash = Some(text_hash);
        entry.log.push_back((entry.generation, None));
        while entry.log.len() > EDIT_LOG {
            entry.log.pop_front();
        }
    }

    /// Computes (or refreshes) the insight of `doc` on the blocking pool, or
    /// joins a computation already running, and waits as `wait` says.
    /// `text` is the document's text at edit generation `generation`.
    /// Returns the insight if it is ready, else the last one known (moved
    /// with the text). `on_done` runs after a computation that outlived the
    /// wait.
    pub async fn get(
        self: &Arc<Self>,
        doc: String,
        path: PathBuf,
        text: String,
        generation: u64,
        wait: Wait,
        on_done: impl FnOnce() + Send + 'static,
    ) -> Option<Arc<FileInsight>> {
        let known = self.cached(&doc, text_hash([text.as_str()]));
        if let Some(hit) = &known {
            if hit.exact && self.head_unchanged(&path, hit) {
                return known;
            }
        }
        let budget = match wait {
            Wait::Current(budget) => budget,
            // After a keystroke the insight moved with the text is a good
            // answer while history is read again.
            Wait::AnyKnown(budget) if known.is_none() && self.stale(&doc).is_none() => budget,
            Wait::AnyKnown(_) => Duration::ZERO,
        };
        let mut ready = self.start(doc.clone(), path, text, generation);
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
    fn start(self: &Arc<Self>, doc: String, path: PathBuf, text: String, from: u64) -> Computing {
        let mut all = self.edits();
        let entry = all.entry(doc.clone()).or_default();
        if let Some(running) = &entry.computing {
            return running.clone();
        }
        let (done, ready) = watch::channel(None);
        entry.computing = Some(ready.clone());
        drop(all);
        let this = self.clone();
        let sender = self
            .progress
            .entry(doc.clone())
            .or_insert_with(|| watch::channel((0, 0)).0)
            .clone();
        let progress: ProgressFn = Arc::new(move |walked, total| {
            sender.send_replace((walked, total));
        });
        tokio::task::spawn_blocking(move || {
            // A panic in history code must not leave the document computing
            // forever: it becomes an insight that says so.
            let computed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                this.compute(&path, &text, progress)
            }))
            .unwrap_or_else(|_| FileInsight {
                text_hash: text_hash([text.as_str()]),
                head: None,
                blocks: Vec::new(),
                unavailable: Some("reading history failed".into()),
                recent: DashMap::new(),
                exact: true,
                fresh: Vec::new(),
            });
            let mut all = this.edits();
            let entry = all.entry(doc.clone()).or_default();
            entry.computing = None;
            // Edits made while history was read: move the result through
            // them, or drop it when they cannot be followed.
            let Some(insight) = entry.bring_up_to_date(computed, from) else {
                return;
            };
            let insight = Arc::new(insight);
            release_freed_memory();
            this.files.insert(doc, insight.clone());
            drop(all);
            let _ = done.send(Some(insight));
        });
        ready
    }

    /// The recent commits of lines `start..=end` of `path` at `head`, read
    /// on the blocking pool, waiting at most `budget`; `None` when that was
    /// not enough. The read goes on and the next caller joins it.
    pub async fn recent_commits_within(
        self: &Arc<Self>,
        path: PathBuf,
        head: Option<String>,
        (start, end): (u32, u32),
        budget: Duration,
    ) -> Option<Result<Arc<Vec<ShownCommit>>, String>> {
        let key = (path.clone(), head, start, end);
        let mut ready = {
            let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
            match reading.get(&key) {
                Some(running) => running.clone(),
                None => {
                    let (done, ready) = watch::channel(None);
                    reading.insert(key.clone(), ready.clone());
                    let this = self.clone();
                    tokio::task::spawn_blocking(move || {
                        let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            this.recent_commits(&path, start, end, 5)
                        }));
                        let answer = match found {
                            Ok(Ok(commits)) => Ok(Arc::new(commits)),
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(_) => Err("reading history failed".into()),
                        };
                        // A finished read stays (its receiver holds the
                        // answer, for the next hover however late); a
                        // failed one is tried again next time.
                        let failed = answer.is_err();
                        let _ = done.send(Some(answer));
                        if failed {
                            this.reading
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .remove(&key);
                        }
                    });
                    ready
                }
            }
        };
        let waited = tokio::time::timeout(budget, ready.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(answer)) => answer.clone(),
            _ => None,
        }
    }

    /// Where `journal.path` puts what the server writes; repositories
    /// discovered from now on keep their blame cache there.
    pub fn set_journal_override(&self, dir: Option<PathBuf>) {
        *self
            .journal_override
            .write()
            .unwrap_or_else(|e| e.into_inner()) = dir;
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
                // Blame results are cached on disk beside the journal,
                // under `journal.path` when it is set (one subfolder per
                // repository, named as the journal's are).
                let chosen = self
                    .journal_override
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .as_ref()
                    .map(|d| d.join(crate::journal::workspace_folder_name(&workdir)));
                let cache_dir = crate::journal::journal_dir(&workdir, chosen.as_deref())
                    .map(|d| d.join("cache"));
                Arc::new(RepoHistory {
                    history: History::new(found, Arc::new(BlameCache::new(cache_dir))),
                    attribution: AttributionIndex::load_at(&workdir),
                })
            })
            .clone();
        self.by_folder.insert(folder.to_path_buf(), repo.clone());
        Ok(repo)
    }

    /// Whether `insight` still holds for its repository: HEAD is where it
    /// was, and no note or trace record came since (then every insight
    /// is only a good guess until read again, `exact` false).
    fn head_unchanged(&self, path: &Path, insight: &FileInsight) -> bool {
        match self.repo_for(path) {
            Ok(repo) => {
                if repo.attribution.refresh() {
                    self.all_inexact();
                    return false;
                }
                repo.history.head_commit().ok().flatten() == insight.head
            }
            Err(_) => true,
        }
    }

    /// Marks every insight as to be read again, keeping it as the answer
    /// meanwhile.
    fn all_inexact(&self) {
        for mut entry in self.files.iter_mut() {
            let guess = entry.shifted(&[], entry.text_hash);
            *entry.value_mut() = Arc::new(guess);
        }
    }

    fn compute(&self, path: &Path, text: &str, progress: ProgressFn) -> FileInsight {
        let text_hash = text_hash([text]);
        let unavailable = |why: String| FileInsight {
            text_hash,
            head: None,
            blocks: Vec::new(),
            unavailable: Some(why),
            recent: DashMap::new(),
            exact: true,
            fresh: Vec::new(),
        };
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
        if lines > MAX_HISTORY_LINES {
            // Every keystroke would redo blame, parsing and a report per block.
            return unavailable(format!(
                "{lines} lines is more than the {MAX_HISTORY_LINES} lines block history is read for"
            ));
        }
        let repo = match self.repo_for(path) {
            Ok(repo) => repo,
            Err(e) => return unavailable(e.to_string()),
        };
        if repo.attribution.refresh() {
            self.all_inexact();
        }
        let head = match repo.history.head_commit() {
            Ok(head) => head,
            Err(e) => return unavailable(e.to_string()),
        };
        let reporting = repo.history.with_progress(progress);
        // Scored with the weights `backtest` fitted here, when it ran.
        let weights = crate::backtest::cached_weights(repo.history.repo().git_dir());
        // One index at a time: walks running side by side on two cores end
        // no sooner, and each holds its own commits, versions, delta cache
        // and pack maps (twelve files opened at once peaked at 2.9 GB).
        let indexed = {
            let _one_at_a_time = INDEXING.lock().unwrap_or_else(|e| e.into_inner());
            let indexed = blocks::block_reports_and_gaps(
                &reporting,
                &repo.attribution,
                path,
                text,
                now_seconds(),
                &weights,
            );
            release_freed_memory();
            indexed
        };
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
                    exact: true,
                    fresh: Vec::new(),
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
                // Lines past the end of the file at HEAD are not committed.
                Err(HistoryError::InvalidRange { .. }) => Vec::new(),
                other => other?,
            };
        Ok(commits
            .iter()
            .take(limit)
            .map(|c| shown(&repo, c))
            .collect())
    }
}

/// Held while a document's history is indexed (see `Insights::compute`).
static INDEXING: Mutex<()> = Mutex::new(());

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::{Block, Risk, RiskLevel};

    fn report(name: &str, start_line: u32, end_line: u32) -> BlockReport {
        BlockReport {
            block: Block {
                name: name.into(),
                kind: "function".into(),
                start_line,
                end_line,
                definition_line: start_line,
            },
            commits: 3,
            rewrites_90d: 0,
            churn_14d: 0.0,
            ai_share: 0.0,
            human_share: 0.0,
            fixes: 0,
            authors: 1,
            age_days: 1,
            risk: Risk {
                score: 0,
                level: RiskLevel::Low,
                factors: Vec::new(),
            },
            recent: Vec::new(),
        }
    }

    #[test]
    fn an_insight_moves_with_an_edit_and_marks_written_lines() {
        let recent = DashMap::new();
        recent.insert((4, 5), Arc::new(Vec::new()));
        let insight = FileInsight {
            text_hash: 1,
            head: None,
            blocks: vec![report("parse", 0, 2), report("keep", 4, 5)],
            unavailable: None,
            recent,
            exact: true,
            fresh: Vec::new(),
        };
        // Two whole lines written at line 3, between the blocks.
        let edit = LineEdit {
            first: 3,
            old_end: 3,
            new_end: 5,
        };
        let moved = insight.shifted(&[edit], 2);
        let lines: Vec<_> = moved
            .blocks
            .iter()
            .map(|r| (r.block.name.as_str(), r.block.start_line, r.block.end_line))
            .collect();
        assert_eq!(lines, [("parse", 0, 2), ("keep", 6, 7)]);
        assert!(moved.recent.contains_key(&(6, 7)));
        assert!(!moved.exact);
        assert_eq!(moved.text_hash, 2);
        assert!(moved.is_fresh(3) && moved.is_fresh(4));
        assert!(!moved.is_fresh(2) && !moved.is_fresh(5));
        // A later edit above moves the written lines too.
        let above = LineEdit {
            first: 0,
            old_end: 0,
            new_end: 1,
        };
        let again = moved.shifted(&[above], 3);
        assert!(again.is_fresh(0) && again.is_fresh(4) && again.is_fresh(5));
        assert!(!again.is_fresh(3));
    }
}
