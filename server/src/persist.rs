//! Ties the live provenance map to the journals of the workspace folders:
//! every record the map emits goes to this server's segment of the journal
//! of the folder holding the document, stamped with the time it was written;
//! on start (and when another server has written since, before a document
//! is opened) every writer's records are replayed and merged into the
//! documents the journal knows, so a reopened file is re-anchored against
//! its last known content. A folder whose journal cannot be opened is
//! retried every second; the user is told once. Plain std IO: no LSP, no
//! tokio. Files outside every folder get live regions but no journal.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::history::History;
use crate::journal::{self, Journal, OtherFile, Stream};
use crate::provenance::{
    Attribution, Change, DocumentState, Hint, Record, Region, Source, Thresholds, Workspace,
};

// Sequence numbers only order the records of one writer: each server's
// segment starts its documents afresh, and the merge never compares the
// sequence numbers of two writers, only the times their records were written.

/// How often a folder without a journal tries to open it again.
const RETRY_MS: u64 = 1000;
/// The same, when the journal is of a newer format (a downgrade).
const NEWER_FORMAT_RETRY_MS: u64 = 30_000;

/// One frame of the journal: a record and when it was written. Format 1
/// journals hold bare records, read with `at_ms` 0 (older than anything).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default)]
    at_ms: u64,
    #[serde(flatten)]
    record: Record,
}

/// A document's last state in one writer's records.
#[derive(Debug, Clone)]
struct Candidate {
    state: DocumentState,
    at_ms: u64,
    /// Every region (shown or typed) the writer's records held for the
    /// document, kept or not: a region it saw and no longer has, it deleted
    /// (or its text went), so the merge never brings that region back onto
    /// its text.
    saw: HashSet<RegionKey>,
}

impl Candidate {
    /// A state whose writer saw only the regions it has.
    fn of(state: DocumentState, at_ms: u64) -> Candidate {
        let saw = state
            .regions
            .iter()
            .chain(&state.typed)
            .map(region_key)
            .collect();
        Candidate { state, at_ms, saw }
    }
}

/// A region's identity across writers: its id, when it was inserted and
/// its length then. Ids alone repeat: servers that opened one state count
/// on from the same number.
type RegionKey = (u64, u64, usize);

fn region_key(region: &Region) -> RegionKey {
    (region.id, region.inserted_at, region.inserted_len)
}

/// A workspace folder with its journal and the documents its journal knows.
struct Folder {
    root: PathBuf,
    journal_dir: Option<PathBuf>,
    journal: Option<Journal>,
    /// Last known state of documents that are not open (replayed or closed).
    known: HashMap<String, DocumentState>,
    /// When each known document was last written to the journal.
    known_at: HashMap<String, u64>,
    /// The other writers' files as they were when last read.
    seen: Vec<OtherFile>,
    /// What each of them holds, replayed, by file, as of `seen`.
    replayed: HashMap<PathBuf, (OtherFile, HashMap<String, Candidate>)>,
    /// Every writer's last state of each document, as of the last merge:
    /// to start a document from the one whose text it opens with.
    candidates: HashMap<String, Vec<Ranked>>,
    /// Set while the journal cannot be opened.
    unavailable: Option<Unavailable>,
    /// The last sync failed (the user has been told).
    sync_failing: bool,
}

struct Unavailable {
    error: String,
    next_try_ms: u64,
    /// Documents closed while there was no journal: written once it opens.
    closed: HashSet<String>,
}

/// What a caller should tell the user about the journal (logged by the LSP layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice(pub String);

pub struct Tracker {
    live: Workspace,
    folders: Vec<Folder>,
    mark_window_ms: u64,
    journal_override: Option<PathBuf>,
    /// Unix milliseconds; the LSP layer hands in the wall clock.
    clock: fn() -> u64,
    /// Messages the user must see (a journal that cannot be written, and
    /// when it can again), each said once.
    for_user: Vec<String>,
    /// Per open document, how to notice a new mark naming it.
    mark_watch: HashMap<String, MarkWatch>,
}

/// What an open document's marks files looked like when it last changed:
/// a change finds a mark made since with two `stat`s, and reads the marks
/// only when they changed. For editors that reload a file an agent wrote
/// without telling the server (no file watcher, no `reload` hint).
struct MarkWatch {
    /// Where marks naming the file are written (`None`: nowhere).
    dir: Option<PathBuf>,
    /// Length and modification time of each marks file at the last look.
    files: Vec<Option<(u64, std::time::SystemTime)>>,
    /// When the document last changed (or was opened): a mark made before
    /// was for a text the server has already seen.
    since_ms: u64,
}

impl MarkWatch {
    fn new(path: Option<&Path>, now_ms: u64) -> MarkWatch {
        let dir = path.and_then(journal::marks_dir_for_file);
        let files = marks_files_state(dir.as_deref());
        MarkWatch {
            dir,
            files,
            since_ms: now_ms,
        }
    }
}

fn marks_files_state(dir: Option<&Path>) -> Vec<Option<(u64, std::time::SystemTime)>> {
    let Some(dir) = dir else {
        return Vec::new();
    };
    [journal::MARKS_FILE, journal::MARKS_OLD_FILE]
        .iter()
        .map(|name| {
            let meta = std::fs::metadata(dir.join(name)).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        })
        .collect()
}

impl Tracker {
    pub fn new(thresholds: Thresholds, clock: fn() -> u64) -> Self {
        Self {
            live: Workspace::new(thresholds),
            folders: Vec::new(),
            mark_window_ms: 10 * 60 * 1000,
            journal_override: None,
            clock,
            for_user: Vec::new(),
            mark_watch: HashMap::new(),
        }
    }

    /// Messages for the user since the last call (`window/showMessage`).
    pub fn take_user_messages(&mut self) -> Vec<String> {
        std::mem::take(&mut self.for_user)
    }

    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.live.set_thresholds(thresholds);
    }

    pub fn set_mark_window_ms(&mut self, window: u64) {
        self.mark_window_ms = window;
    }

    /// Takes effect for folders added afterwards.
    pub fn set_journal_override(&mut self, dir: Option<PathBuf>) {
        self.journal_override = dir;
    }

    pub fn folder_roots(&self) -> Vec<PathBuf> {
        self.folders.iter().map(|f| f.root.clone()).collect()
    }

    /// Adds a workspace folder: opens and replays its journal.
    pub fn add_folder(&mut self, root: &Path) -> Vec<Notice> {
        let mut notices = Vec::new();
        if self.folders.iter().any(|f| f.root == root) {
            return notices;
        }
        let override_dir = self
            .journal_override
            .as_ref()
            .map(|d| d.join(journal::workspace_folder_name(root)));
        let journal_dir = journal::journal_dir(root, override_dir.as_deref());
        let mut folder = Folder::new(root.to_path_buf(), journal_dir.clone());
        if journal_dir.is_some() {
            notices.extend(self.open_journal(&mut folder));
        }
        self.folders.push(folder);
        notices
    }

    /// Opens the folder's journal and merges what every writer recorded into
    /// its known documents. On failure the folder runs without a journal,
    /// the user is told (once) and the next try is a second away.
    fn open_journal(&mut self, folder: &mut Folder) -> Vec<Notice> {
        let mut notices = Vec::new();
        let Some(dir) = folder.journal_dir.clone() else {
            return notices;
        };
        let now = (self.clock)();
        match Journal::open::<Entry, _>(&dir, |finished| compacted(&merge(finished))) {
            Ok((mut journal, recovery)) => {
                for problem in &recovery.problems {
                    notices.push(Notice(format!(
                        "journal {}: skipped damaged data: {problem}",
                        dir.display()
                    )));
                }
                for kept in &recovery.set_aside {
                    notices.push(Notice(format!(
                        "journal {}: damaged file kept as {}",
                        dir.display(),
                        kept.display()
                    )));
                }
                if let Some(e) = &recovery.fold_error {
                    notices.push(Notice(format!(
                        "journal {}: compaction failed: {e}",
                        dir.display()
                    )));
                }
                let streams: Vec<&Stream<Entry>> = recovery.streams.iter().collect();
                let by_doc = candidates_by_doc(&streams);
                folder.candidates = by_doc.clone();
                let merged = merge_candidates(by_doc);
                let records: usize = recovery.streams.iter().map(|s| s.records.len()).sum();
                folder.seen = journal.others();
                folder.replayed.clear();
                let late = folder.unavailable.take();
                self.install_known(folder, merged);
                if let Some(late) = late {
                    // Write what this session did meanwhile: the open
                    // documents of the folder and the ones it closed.
                    let mut entries = Vec::new();
                    let open: Vec<String> = self
                        .live
                        .documents()
                        .map(|(doc, _)| doc.to_string())
                        .filter(|doc| Path::new(doc).starts_with(&folder.root))
                        .collect();
                    for doc in open {
                        entries.extend(
                            self.live
                                .snapshot(&doc)
                                .map(|record| Entry { at_ms: now, record }),
                        );
                    }
                    for doc in &late.closed {
                        if let Some(state) = folder.known.get(doc) {
                            folder.known_at.insert(doc.clone(), now);
                            entries.extend(closed_entries(doc, state, now));
                        }
                    }
                    for entry in &entries {
                        if let Err(e) = journal.append(entry) {
                            tracing::error!("journal append failed: {e}");
                        }
                    }
                    if let Err(e) = journal.sync() {
                        tracing::error!("journal sync failed: {e}");
                    }
                    self.for_user.push(format!(
                        "provenance-ls: the journal in {} can be written again; nothing was lost",
                        dir.display()
                    ));
                }
                notices.push(Notice(format!(
                    "journal {}: {} records of {} writers replayed, {} documents known",
                    dir.display(),
                    records,
                    recovery.streams.len(),
                    folder.known.len()
                )));
                folder.journal = Some(journal);
            }
            Err(e) => {
                // A newer build's journal stays newer: no need to read it every second.
                let wait = match e {
                    journal::JournalError::NewerFormat { .. } => NEWER_FORMAT_RETRY_MS,
                    _ => RETRY_MS,
                };
                let error = e.to_string();
                match folder.unavailable.as_mut() {
                    Some(unavailable) => {
                        if unavailable.error != error {
                            tracing::debug!(
                                "journal {}: still not available: {error}",
                                dir.display()
                            );
                            unavailable.error = error;
                        }
                        unavailable.next_try_ms = now + wait;
                    }
                    None => {
                        let message = format!(
                            "provenance-ls cannot write its journal in {}: {error}. Provenance recorded now \
                             will not survive a restart until it can; retrying.",
                            dir.display()
                        );
                        notices.push(Notice(format!(
                            "journal {}: not available, retrying: {error}",
                            dir.display()
                        )));
                        self.for_user.push(message);
                        folder.unavailable = Some(Unavailable {
                            error,
                            next_try_ms: now + wait,
                            closed: HashSet::new(),
                        });
                    }
                }
            }
        }
        notices
    }

    /// Replaces what the folder knows of documents not open here with the
    /// merge of every writer's records. A document this server closed keeps
    /// its own state unless another writer wrote it later.
    fn install_known(&self, folder: &mut Folder, merged: HashMap<String, Candidate>) {
        for (doc, candidate) in merged {
            if self.live.document(&doc).is_some() {
                continue;
            }
            let ours = folder.known_at.get(&doc).copied();
            if ours.is_some_and(|at| at > candidate.at_ms) {
                continue;
            }
            folder.known_at.insert(doc.clone(), candidate.at_ms);
            folder.known.insert(doc, candidate.state);
        }
    }

    /// What the folder knows of `doc`, to open it with `text`. When the
    /// merged state's text differs but some writer's last state has exactly
    /// `text` (another editor still holds unsaved changes, say, and this one
    /// opens the file as saved), that state is the start and every other
    /// writer's regions are carried onto it: nothing to reconcile, so no
    /// change is taken for a writer's.
    fn take_known(&mut self, folder: usize, doc: &str, text: &str) -> Option<DocumentState> {
        let folder = &mut self.folders[folder];
        let known = folder.known.remove(doc)?;
        if known.text == text {
            return Some(known);
        }
        let Some(candidates) = folder.candidates.get(doc) else {
            return Some(known);
        };
        let Some(exact) = candidates
            .iter()
            .filter(|c| c.2.state.text == text)
            .max_by_key(|c| (c.0, c.1))
        else {
            return Some(known);
        };
        let at_ms = folder.known_at.get(doc).copied().unwrap_or(0);
        let mut ranked: Vec<Ranked> = candidates.clone();
        ranked.push((at_ms, usize::MAX, Candidate::of(known, at_ms)));
        let exact = exact.clone();
        ranked.retain(|c| (c.0, c.1) != (exact.0, exact.1));
        ranked.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
        let others = ranked.into_iter().map(|(_, _, c)| c);
        Some(merge_onto(doc, exact.2, others).state)
    }

    /// Before a document is opened: if another server wrote to the journal
    /// since it was last read, merge what it wrote with what this server
    /// knows, so the document starts from what was last recorded, by anyone.
    /// Only files that changed are read again.
    fn refresh_known(&mut self, folder: Option<usize>) {
        let Some(i) = folder else {
            return;
        };
        let mut folder = std::mem::replace(&mut self.folders[i], Folder::placeholder());
        if let Some(journal) = folder.journal.as_ref() {
            let listed = journal.others();
            if listed != folder.seen {
                let mut by_doc: HashMap<String, Vec<Ranked>> = HashMap::new();
                let mut replayed = HashMap::new();
                for (rank, file) in listed.iter().enumerate() {
                    // The base last and as it is now: a fold that deleted a
                    // segment listed above has renamed the base first.
                    let file = if file.writer == journal::BASE_WRITER {
                        match journal.restat(file) {
                            Some(now) => now,
                            None => continue,
                        }
                    } else {
                        file.clone()
                    };
                    let docs = match folder.replayed.remove(&file.path) {
                        Some((was, docs)) if was == file => docs,
                        _ => match journal.read_other::<Entry>(&file) {
                            Ok(Some(stream)) => replay_stream(&stream.records),
                            Ok(None) => continue,
                            Err(e) => {
                                tracing::warn!("journal: reading another writer failed: {e}");
                                continue;
                            }
                        },
                    };
                    for (doc, candidate) in &docs {
                        by_doc.entry(doc.clone()).or_default().push((
                            candidate.at_ms,
                            rank,
                            candidate.clone(),
                        ));
                    }
                    replayed.insert(file.path.clone(), (file, docs));
                }
                // What this server knows takes part as one more writer.
                let own = listed.len();
                for (doc, candidates) in by_doc.iter_mut() {
                    if let (Some(state), Some(&at_ms)) =
                        (folder.known.get(doc), folder.known_at.get(doc))
                    {
                        let state = state.clone();
                        candidates.push((at_ms, own, Candidate::of(state, at_ms)));
                    }
                }
                folder.candidates = by_doc.clone();
                let merged = merge_candidates(by_doc);
                folder.seen = listed;
                folder.replayed = replayed;
                self.install_known(&mut folder, merged);
            }
        }
        self.folders[i] = folder;
    }

    pub fn remove_folder(&mut self, root: &Path) -> Vec<Notice> {
        let mut notices = Vec::new();
        if let Some(i) = self.folders.iter().position(|f| f.root == root) {
            let mut folder = self.folders.remove(i);
            if let Some(journal) = folder.journal.as_mut() {
                if let Err(e) = journal.sync() {
                    notices.push(Notice(format!("journal sync failed: {e}")));
                }
            }
        }
        notices
    }

    /// Opens a document. If its folder's journal knows it, its regions are
    /// re-anchored on the new text. Lines changed while the server was away
    /// become `agent` regions when a recent mark names the file, and nothing
    /// otherwise: what the server did not see could be typing it never got
    /// (a kill), typing thrown away (a revert), records lost to a damaged
    /// journal or another program; nothing says which, so nothing is marked.
    pub fn open(&mut self, doc: &str, path: Option<&Path>, version: i32, text: &str, now_ms: u64) {
        let folder = self.folder_index(path);
        self.refresh_known(folder);
        self.mark_watch
            .insert(doc.to_string(), MarkWatch::new(path, now_ms));
        let known = folder.and_then(|i| self.take_known(i, doc, text));
        let records = match known {
            Some(known) => {
                let marked = if known.text == text {
                    None
                } else {
                    Some(self.disk_attribution(path, now_ms))
                        .filter(|attribution| attribution.source == Source::Agent)
                };
                let committed = marked.as_ref().and_then(|_| committed_text(path));
                self.live.open_against(
                    doc,
                    version,
                    text,
                    known,
                    now_ms,
                    marked,
                    committed.as_deref(),
                )
            }
            None => match self.marked_baseline(path, now_ms) {
                Some((baseline, agent)) => {
                    self.live
                        .open_with_known(doc, version, text, baseline, now_ms, Some(agent))
                }
                None => self.live.open(doc, version, text, now_ms),
            },
        };
        self.write(folder, records);
    }

    /// For a file the journal never saw but a recent mark names: what the
    /// agent changed is measured against the file as committed at HEAD (or
    /// nothing, for a file HEAD does not hold). Without a mark there is no
    /// baseline: uncommitted work is not anybody's insertion.
    fn marked_baseline(
        &self,
        path: Option<&Path>,
        now_ms: u64,
    ) -> Option<(DocumentState, Attribution)> {
        let attribution = self.disk_attribution(path, now_ms);
        if attribution.source != Source::Agent {
            return None;
        }
        let committed = committed_text(path).unwrap_or_default();
        Some((DocumentState::new(&committed, 0), attribution))
    }

    pub fn change(
        &mut self,
        doc: &str,
        path: Option<&Path>,
        version: i32,
        changes: &[Change],
        now_ms: u64,
    ) {
        let records = match self.marked_disk_text(doc, path, now_ms) {
            Some((disk, agent)) => {
                self.live
                    .change_with_disk(doc, version, changes, now_ms, (&disk, agent))
            }
            None => self.live.change(doc, version, changes, now_ms),
        };
        self.write(self.folder_index(path), records);
    }

    /// For a change to `doc`: the file's text on disk and the agent that
    /// wrote it, when a mark naming the file was made since the document's
    /// last change. The batch that brings the buffer to that text is the
    /// editor reloading the agent's write, whether or not the client
    /// watches files (ALE, coc without watchman and Kakoune do not). Costs
    /// two `stat`s while no mark is made; a mark older than the last change
    /// explains nothing (its write was seen, or typed over).
    fn marked_disk_text(
        &mut self,
        doc: &str,
        path: Option<&Path>,
        now_ms: u64,
    ) -> Option<(String, Attribution)> {
        let window = self.mark_window_ms;
        let watch = self.mark_watch.get_mut(doc)?;
        let since = std::mem::replace(&mut watch.since_ms, now_ms);
        let files = marks_files_state(watch.dir.as_deref());
        if files == watch.files {
            return None;
        }
        watch.files = files;
        let (path, dir) = (path?, watch.dir.as_deref()?);
        let mark = journal::recent_mark(dir, path, now_ms, window).filter(|m| m.at_ms >= since)?;
        let disk = String::from_utf8(std::fs::read(path).ok()?).ok()?;
        let attribution = Attribution {
            source: Source::Agent,
            agent: mark.agent,
            model: mark.model,
            usage: mark.usage,
        };
        Some((disk, attribution))
    }

    pub fn hint(&mut self, doc: &str, path: Option<&Path>, version: i32, hint: Hint, now_ms: u64) {
        let records = self.live.hint(doc, version, hint, now_ms);
        self.write(self.folder_index(path), records);
    }

    /// The attribution of text that changed on disk: the agent of a recent
    /// mark naming the file, else `external`.
    pub fn disk_attribution(&self, path: Option<&Path>, now_ms: u64) -> Attribution {
        let mark = path.and_then(|p| {
            let dir = journal::marks_dir_for_file(p)?;
            journal::recent_mark(&dir, p, now_ms, self.mark_window_ms)
        });
        match mark {
            Some(mark) => Attribution {
                source: Source::Agent,
                agent: mark.agent,
                model: mark.model,
                usage: mark.usage,
            },
            None => Attribution {
                source: Source::External,
                agent: None,
                model: None,
                usage: None,
            },
        }
    }

    /// A file changed on disk. Not open: re-anchor what its journal knows.
    /// Open: the editor reloads it, and the change batch that brings the
    /// buffer to the disk text is attributed to the writer.
    pub fn disk_changed(&mut self, doc: &str, path: &Path, text: &str, now_ms: u64) {
        if self.live.document(doc).is_some() {
            let attribution = self.disk_attribution(Some(path), now_ms);
            let records = self
                .live
                .replace_from_disk(doc, text, now_ms, Some(attribution));
            self.write(self.folder_index(Some(path)), records);
            return;
        }
        let Some(folder) = self.folder_index(Some(path)) else {
            return;
        };
        let known = match self.folders[folder].known.remove(doc) {
            Some(known) => known,
            None => match self.marked_baseline(Some(path), now_ms) {
                Some((baseline, _)) => baseline,
                None => return,
            },
        };
        if known.text == text {
            self.folders[folder].known.insert(doc.to_string(), known);
            return;
        }
        // Seen while the server runs and the file is closed: the diff against
        // the last known text is another program's writing — except lines as
        // HEAD has them (a checkout, a revert of edits never saved).
        let attribution = self.disk_attribution(Some(path), now_ms);
        let committed = committed_text(Some(path));
        let version = known.version;
        let mut records = self.live.open_against(
            doc,
            version,
            text,
            known,
            now_ms,
            Some(attribution),
            committed.as_deref(),
        );
        let state = self.live.document(doc).cloned();
        records.extend(self.live.close(doc));
        if let Some(state) = state {
            self.folders[folder].known.insert(doc.to_string(), state);
        }
        self.write(Some(folder), records);
    }

    pub fn mark_reviewed(
        &mut self,
        doc: &str,
        path: Option<&Path>,
        chars: std::ops::Range<usize>,
    ) -> usize {
        let (count, records) = self.live.mark_reviewed(doc, chars);
        self.write(self.folder_index(path), records);
        count
    }

    pub fn close(&mut self, doc: &str, path: Option<&Path>) {
        self.mark_watch.remove(doc);
        let state = self.live.document(doc).cloned();
        let records = self.live.close(doc);
        let folder = self.folder_index(path);
        if let (Some(i), Some(state)) = (folder, state) {
            let now = (self.clock)();
            let folder = &mut self.folders[i];
            folder.known.insert(doc.to_string(), state);
            folder.known_at.insert(doc.to_string(), now);
            if let Some(unavailable) = folder.unavailable.as_mut() {
                unavailable.closed.insert(doc.to_string());
            }
        }
        self.write(folder, records);
    }

    /// Every document under `root` the server knows, open or not, with its path.
    pub fn documents_in(&self, root: &Path) -> Vec<(PathBuf, DocumentState)> {
        let open = self.live.documents();
        let known = self
            .folders
            .iter()
            .filter(|f| f.root == root)
            .flat_map(|f| f.known.iter().map(|(doc, state)| (doc.as_str(), state)));
        open.chain(known)
            .map(|(doc, state)| (PathBuf::from(doc), state))
            .filter(|(path, _)| path.is_absolute() && path.starts_with(root))
            .map(|(path, state)| (path, state.clone()))
            .collect()
    }

    pub fn document(&self, doc: &str) -> Option<&DocumentState> {
        self.live.document(doc)
    }

    /// Makes every record written so far durable (fsync), and tries again
    /// to open the journals that could not be opened, once a second.
    pub fn sync(&mut self) -> Vec<Notice> {
        let mut notices = Vec::new();
        let now = (self.clock)();
        for i in 0..self.folders.len() {
            let due = self.folders[i]
                .unavailable
                .as_ref()
                .is_some_and(|u| u.next_try_ms <= now);
            if due {
                let mut folder = std::mem::replace(&mut self.folders[i], Folder::placeholder());
                notices.extend(self.open_journal(&mut folder));
                self.folders[i] = folder;
            }
        }
        for folder in &mut self.folders {
            let Some(journal) = folder.journal.as_mut() else {
                continue;
            };
            if !journal.is_dirty() {
                continue;
            }
            // What could not be written stays buffered and is written by a
            // later sync: say so once, and once when it works again.
            match journal.sync() {
                Ok(()) if folder.sync_failing => {
                    folder.sync_failing = false;
                    notices.push(Notice(format!(
                        "journal sync in {} works again",
                        folder.root.display()
                    )));
                    self.for_user.push(format!(
                        "provenance-ls: the journal in {} can be written again; nothing was lost",
                        journal.dir().display()
                    ));
                }
                Ok(()) => {}
                Err(e) if folder.sync_failing => tracing::debug!("journal sync still failing: {e}"),
                Err(e) => {
                    folder.sync_failing = true;
                    notices.push(Notice(format!(
                        "journal sync failed in {}: {e}",
                        folder.root.display()
                    )));
                    self.for_user.push(format!(
                        "provenance-ls cannot write its journal in {}: {e}. Provenance recorded \
                         now is kept in memory and written when it can; retrying.",
                        journal.dir().display()
                    ));
                }
            }
        }
        notices
    }

    pub fn journal_dir(&self, path: Option<&Path>) -> Option<PathBuf> {
        self.folder_index(path)
            .and_then(|i| self.folders[i].journal_dir.clone())
    }

    fn folder_index(&self, path: Option<&Path>) -> Option<usize> {
        let path = path?;
        self.folders
            .iter()
            .enumerate()
            .filter(|(_, f)| path.starts_with(&f.root))
            .max_by_key(|(_, f)| f.root.as_os_str().len())
            .map(|(i, _)| i)
    }

    fn write(&mut self, folder: Option<usize>, records: Vec<Record>) {
        if records.is_empty() {
            return;
        }
        let at_ms = (self.clock)();
        let Some(journal) = folder.and_then(|i| self.folders[i].journal.as_mut()) else {
            return;
        };
        for record in records {
            if let Err(e) = journal.append(&Entry { at_ms, record }) {
                tracing::error!("journal append failed: {e}");
            }
        }
    }
}

/// The file as committed at HEAD, if it is in a repository that has it.
fn committed_text(path: Option<&Path>) -> Option<String> {
    let path = path?;
    History::discover(path, None)
        .and_then(|history| history.file_text(path, None))
        .ok()
}

impl Folder {
    fn new(root: PathBuf, journal_dir: Option<PathBuf>) -> Folder {
        Folder {
            root,
            journal_dir,
            journal: None,
            known: HashMap::new(),
            known_at: HashMap::new(),
            seen: Vec::new(),
            replayed: HashMap::new(),
            candidates: HashMap::new(),
            unavailable: None,
            sync_failing: false,
        }
    }

    /// Stands in while a folder is taken out to be worked on.
    fn placeholder() -> Folder {
        Folder::new(PathBuf::new(), None)
    }
}

/// Replays one writer's records into the last state of each document it
/// wrote: its state when last closed, or when the records end for documents
/// that were open (a crash, or a writer still running), with the time of its
/// last record.
fn replay_stream(entries: &[Entry]) -> HashMap<String, Candidate> {
    let mut scratch = Workspace::new(Thresholds::default());
    let mut last_at: HashMap<String, u64> = HashMap::new();
    let mut saw: HashMap<String, HashSet<RegionKey>> = HashMap::new();
    let mut out = HashMap::new();
    for entry in entries {
        let doc = entry.record.doc();
        let (held, typed): (&[Region], &[Region]) = match &entry.record {
            Record::Snapshot { regions, typed, .. } | Record::Edit { regions, typed, .. } => {
                (regions, typed)
            }
            Record::Regions { regions, typed, .. } => {
                (regions, typed.as_deref().unwrap_or_default())
            }
            Record::Closed { .. } => (&[], &[]),
        };
        let doc_saw = saw.entry(doc.to_string()).or_default();
        doc_saw.extend(held.iter().chain(typed).map(region_key));
        if let Record::Closed { .. } = entry.record {
            if let Some(state) = scratch.document(doc) {
                out.insert(
                    doc.to_string(),
                    Candidate {
                        state: state.clone(),
                        at_ms: entry.at_ms,
                        saw: doc_saw.clone(),
                    },
                );
            }
        }
        scratch.apply_record(&entry.record);
        last_at.insert(doc.to_string(), entry.at_ms);
    }
    for (doc, state) in scratch.documents() {
        out.insert(
            doc.to_string(),
            Candidate {
                state: state.clone(),
                at_ms: last_at.get(doc).copied().unwrap_or(0),
                saw: saw.remove(doc).unwrap_or_default(),
            },
        );
    }
    out
}

/// A document's state in one stream, with its time and the stream's rank.
type Ranked = (u64, usize, Candidate);

/// Merges the writers' streams into one last known state per document.
///
/// The state written last (by record time; a tie goes to the later stream)
/// is the document's text; every other writer's regions are carried onto
/// that text line by line and kept where they overlap none already kept, so
/// a region one server recorded survives another server's later record of
/// the same file wherever its text still stands. Deterministic for a given
/// set of streams, and idempotent: a stream read twice (a fold running while
/// it was read) adds only regions that overlap its own copy, and so nothing.
fn merge(streams: &[&Stream<Entry>]) -> HashMap<String, Candidate> {
    merge_candidates(candidates_by_doc(streams))
}

/// Each document's last state in each stream, ranked by stream order.
fn candidates_by_doc(streams: &[&Stream<Entry>]) -> HashMap<String, Vec<Ranked>> {
    let mut by_doc: HashMap<String, Vec<Ranked>> = HashMap::new();
    for (rank, stream) in streams.iter().enumerate() {
        for (doc, candidate) in replay_stream(&stream.records) {
            by_doc
                .entry(doc)
                .or_default()
                .push((candidate.at_ms, rank, candidate));
        }
    }
    by_doc
}

/// The merge of each document's candidates (see [`merge`]): the latest is
/// the start, every other's regions are carried onto it.
fn merge_candidates(by_doc: HashMap<String, Vec<Ranked>>) -> HashMap<String, Candidate> {
    by_doc
        .into_iter()
        .map(|(doc, mut candidates)| {
            candidates.sort_by_key(|c| std::cmp::Reverse((c.0, c.1)));
            let mut others = candidates.into_iter().map(|(_, _, c)| c);
            let primary = others.next().expect("a document has a candidate");
            let merged = merge_onto(&doc, primary, others);
            (doc, merged)
        })
        .collect()
}

/// `primary` with the regions of `others` (in the order given) carried onto
/// its text. A region the primary's writer saw is not carried: where it no
/// longer has it, it deleted it (or the text it stood on), and bringing it
/// back would undo that, over whatever took its place. Carried regions
/// keep their id unless the primary uses it, so a writer that opens the
/// merge knows them as what they are. Typed regions are carried by the
/// same rules, after the shown ones and where they overlap no region kept
/// (a shown guess gives way, as to a shown region): no char is both.
fn merge_onto(
    doc: &str,
    mut primary: Candidate,
    others: impl Iterator<Item = Candidate>,
) -> Candidate {
    let others: Vec<Candidate> = others.collect();
    let mut next_id = std::iter::once(&primary)
        .chain(&others)
        .flat_map(|c| c.state.regions.iter().chain(&c.state.typed).map(|r| r.id))
        .max()
        .unwrap_or(0)
        + 1;
    let text = primary.state.text.to_string();
    let moved: Vec<(Vec<Region>, Vec<Region>)> = others
        .iter()
        .map(|other| carried(doc, &other.state, &primary.state, &text))
        .collect();
    for (regions, _) in &moved {
        for region in regions {
            if primary.saw.contains(&region_key(region)) {
                continue;
            }
            let state = &mut primary.state;
            add_carried(
                &mut state.regions,
                &state.typed,
                region.clone(),
                &mut next_id,
            );
        }
    }
    for (_, typed) in moved {
        for region in typed {
            if primary.saw.contains(&region_key(&region)) {
                continue;
            }
            let state = &mut primary.state;
            add_carried_typed(&mut state.regions, &mut state.typed, region, &mut next_id);
        }
    }
    let kept: Vec<RegionKey> = primary
        .state
        .regions
        .iter()
        .chain(&primary.state.typed)
        .map(region_key)
        .collect();
    primary.saw.extend(kept);
    primary
}

/// Whether a region's source is a guess (a large change without a hint,
/// text that changed outside this server) rather than an event it saw.
fn guessed(region: &Region) -> bool {
    matches!(region.source, Source::Bulk | Source::External)
}

/// Adds a region another writer recorded to `regions`, where it overlaps
/// nothing, or only guesses: a server that saw the paste knows better than
/// one that saw the same lines arrive when its editor reloaded the file.
/// The guesses keep what lies outside it. Never over `typed` (the typed
/// regions): no char is both typed and shown.
fn add_carried(regions: &mut Vec<Region>, typed: &[Region], mut region: Region, next_id: &mut u64) {
    if make_room(regions, typed, &mut region, next_id) {
        let at = regions.partition_point(|r| r.start < region.start);
        regions.insert(at, region);
    }
}

/// Whether a carried `region` (shown or typed) may go where it lies: not
/// over typed text, and over shown regions only where they are guesses and
/// it is not one itself. If so, the guesses it covers are cut back to what
/// lies outside it, and its id is made distinct from every region's.
fn make_room(
    regions: &mut Vec<Region>,
    typed: &[Region],
    region: &mut Region,
    next_id: &mut u64,
) -> bool {
    let range = region.range();
    if region.is_empty() || typed.iter().any(|r| r.overlaps(&range)) {
        return false;
    }
    let overlapping: Vec<usize> = (0..regions.len())
        .filter(|&i| regions[i].overlaps(&range))
        .collect();
    if !overlapping.is_empty()
        && (guessed(region) || !overlapping.iter().all(|&i| guessed(&regions[i])))
    {
        return false;
    }
    for piece in cut_guesses(regions, &overlapping, &range, next_id) {
        let at = regions.partition_point(|r| r.start < piece.start);
        regions.insert(at, piece);
    }
    if regions.iter().chain(typed).any(|r| r.id == region.id) {
        region.id = *next_id;
        *next_id += 1;
    }
    true
}

/// Takes the guesses at `overlapping` (indexes into `regions`, ascending)
/// out of `regions`, and returns what of them lies outside `range`, each
/// piece with an id of its own.
fn cut_guesses(
    regions: &mut Vec<Region>,
    overlapping: &[usize],
    range: &std::ops::Range<usize>,
    next_id: &mut u64,
) -> Vec<Region> {
    let mut pieces = Vec::new();
    for &i in overlapping.iter().rev() {
        let guess = regions.remove(i);
        let attribution = guess.attribution();
        for piece in [guess.start..range.start, range.end..guess.end] {
            if piece.start < piece.end {
                let mut kept = Region::new(*next_id, piece, &attribution, guess.inserted_at);
                kept.reviewed = guess.reviewed;
                *next_id += 1;
                pieces.push(kept);
            }
        }
    }
    pieces
}

/// A typed region another writer recorded, added to `typed` where it
/// overlaps no typed region and no shown one but guesses, which keep what
/// lies outside it (see [`add_carried`]). Its id stays distinct from every
/// region's, shown or typed.
fn add_carried_typed(
    regions: &mut Vec<Region>,
    typed: &mut Vec<Region>,
    mut region: Region,
    next_id: &mut u64,
) {
    if make_room(regions, typed, &mut region, next_id) {
        let at = typed.partition_point(|r| r.start < region.start);
        typed.insert(at, region);
    }
}

/// `other`'s regions and typed regions moved onto `onto`'s text (`text`),
/// line by line, as a reopened document's are.
fn carried(
    doc: &str,
    other: &DocumentState,
    onto: &DocumentState,
    text: &str,
) -> (Vec<Region>, Vec<Region>) {
    if other.text == onto.text {
        return (other.regions.clone(), other.typed.clone());
    }
    let mut scratch = Workspace::new(Thresholds::default());
    scratch.open_with_known(doc, other.version, text, other.clone(), 0, None);
    scratch
        .document(doc)
        .map(|state| (state.regions.clone(), state.typed.clone()))
        .unwrap_or_default()
}

/// A closed document as records: its snapshot, then its close.
fn closed_entries(doc: &str, state: &DocumentState, at_ms: u64) -> [Entry; 2] {
    [
        Entry {
            at_ms,
            record: Record::Snapshot {
                doc: doc.to_string(),
                seq: 1,
                version: state.version,
                text: state.text.to_string(),
                regions: state.regions.clone(),
                typed: state.typed.clone(),
            },
        },
        Entry {
            at_ms,
            record: Record::Closed {
                doc: doc.to_string(),
                seq: 2,
            },
        },
    ]
}

/// The base after a fold: each known document as a snapshot, closed, with
/// the time it was last written.
fn compacted(known: &HashMap<String, Candidate>) -> Vec<Entry> {
    let mut docs: Vec<_> = known.iter().collect();
    docs.sort_by(|a, b| a.0.cmp(b.0));
    docs.into_iter()
        .flat_map(|(doc, candidate)| closed_entries(doc, &candidate.state, candidate.at_ms))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::Attribution;

    /// A state whose regions were inserted at `at_ms` (by its writer).
    fn state(text: &str, regions: &[(usize, usize, Source)], at_ms: u64) -> DocumentState {
        let mut state = DocumentState::new(text, 1);
        for (i, (start, end, source)) in regions.iter().enumerate() {
            let attribution = Attribution {
                source: *source,
                agent: None,
                model: None,
                usage: None,
            };
            state
                .regions
                .push(Region::new(i as u64 + 1, *start..*end, &attribution, at_ms));
        }
        state
    }

    /// A writer that closed document `f` at `at_ms` with `text` and `regions`.
    fn writer(
        name: &str,
        at_ms: u64,
        text: &str,
        regions: &[(usize, usize, Source)],
    ) -> Stream<Entry> {
        Stream {
            writer: name.to_string(),
            live: false,
            records: closed_entries("f", &state(text, regions, at_ms), at_ms).to_vec(),
        }
    }

    fn render(merged: &HashMap<String, Candidate>) -> String {
        let mut docs: Vec<_> = merged.iter().collect();
        docs.sort_by(|a, b| a.0.cmp(b.0));
        docs.iter()
            .map(|(doc, c)| {
                let regions: Vec<String> = c
                    .state
                    .regions
                    .iter()
                    .map(|r| format!("{:?} {}..{}", r.source, r.start, r.end))
                    .chain(
                        c.state
                            .typed
                            .iter()
                            .map(|r| format!("typed {}..{}", r.start, r.end)),
                    )
                    .collect();
                format!(
                    "{doc} @{} {:?}: {}",
                    c.at_ms,
                    c.state.text.to_string(),
                    regions.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_latest_text_wins_and_other_writers_regions_are_carried_onto_it() {
        let a = writer("a", 10, "P1\nx\ny\n", &[(0, 3, Source::Pasted)]);
        let b = writer("b", 20, "P1\nx\ny\nP2\n", &[(7, 10, Source::Pasted)]);
        let merged = merge(&[&a, &b]);
        expect_test::expect![[r#"f @20 "P1\nx\ny\nP2\n": Pasted 0..3, Pasted 7..10"#]]
            .assert_eq(&render(&merged));
        // Order of streams, and a stream read twice, change nothing.
        assert_eq!(render(&merge(&[&b, &a])), render(&merged));
        assert_eq!(render(&merge(&[&a, &b, &a, &b])), render(&merged));
    }

    #[test]
    fn a_region_whose_text_is_gone_from_the_latest_state_is_not_carried() {
        let a = writer("a", 10, "P1\nx\n", &[(0, 3, Source::Pasted)]);
        let b = writer("b", 20, "x\n", &[]);
        expect_test::expect![[r#"f @20 "x\n": "#]].assert_eq(&render(&merge(&[&a, &b])));
    }

    #[test]
    fn a_paste_one_writer_saw_wins_over_another_writers_guess() {
        // The second server saw the first's paste arrive as its editor
        // reloaded the file: `external` over 0..3 and a line more.
        let a = writer("a", 10, "P1\nx\ny\n", &[(0, 3, Source::Pasted)]);
        let b = writer(
            "b",
            20,
            "P1\nx\ny\nP2\n",
            &[(0, 5, Source::External), (7, 10, Source::Pasted)],
        );
        let merged = merge(&[&a, &b]);
        expect_test::expect![[
            r#"f @20 "P1\nx\ny\nP2\n": Pasted 0..3, External 3..5, Pasted 7..10"#
        ]]
        .assert_eq(&render(&merged));
        assert_eq!(render(&merge(&[&b, &a, &b])), render(&merged));
        // A guess never replaces what a writer saw.
        let c = writer("c", 5, "P1\nx\ny\nP2\n", &[(7, 10, Source::External)]);
        assert_eq!(render(&merge(&[&a, &b, &c])), render(&merged));
    }

    /// A writer that opened `f` as `from` left it (its snapshot at open),
    /// then wrote `text` with `regions` at `at_ms`: a server started from
    /// the base, edited, and was killed.
    fn descendant(
        from: &DocumentState,
        at_ms: u64,
        text: &str,
        regions: &[(usize, usize, Source)],
    ) -> Stream<Entry> {
        let snapshot = |seq, state: &DocumentState| Record::Snapshot {
            doc: "f".to_string(),
            seq,
            version: state.version,
            text: state.text.to_string(),
            regions: state.regions.clone(),
            typed: state.typed.clone(),
        };
        Stream {
            writer: "n".to_string(),
            live: false,
            records: vec![
                Entry {
                    at_ms: at_ms - 5,
                    record: snapshot(1, from),
                },
                Entry {
                    at_ms,
                    record: snapshot(2, &state(text, regions, at_ms)),
                },
            ],
        }
    }

    #[test]
    fn a_region_the_later_writer_saw_and_deleted_does_not_come_back() {
        // The base: a paste over two lines. The next server opened it, deleted
        // the paste, and the line "L2" is back: typed (no region), or inside a
        // large insertion with no hint (bulk, a guess).
        let base = writer("base", 10, "P1\nL2\nx\n", &[(0, 6, Source::Pasted)]);
        let from = state("P1\nL2\nx\n", &[(0, 6, Source::Pasted)], 10);
        let typed = descendant(&from, 20, "L2\nx\n", &[]);
        expect_test::expect![[r#"f @20 "L2\nx\n": "#]].assert_eq(&render(&merge(&[&base, &typed])));
        let bulk = descendant(&from, 20, "L2\nQ\nx\n", &[(0, 5, Source::Bulk)]);
        expect_test::expect![[r#"f @20 "L2\nQ\nx\n": Bulk 0..5"#]]
            .assert_eq(&render(&merge(&[&base, &bulk])));
        // A writer that never saw the paste still gets it where its text stands.
        let other = writer("other", 20, "L2\nx\n", &[]);
        expect_test::expect![[r#"f @20 "L2\nx\n": Pasted 0..3"#]]
            .assert_eq(&render(&merge(&[&base, &other])));
    }

    /// `state` with typed regions over `typed`, ids after its regions'.
    fn with_typed(mut state: DocumentState, typed: &[(usize, usize)], at_ms: u64) -> DocumentState {
        let attribution = Attribution {
            source: Source::Typed,
            agent: None,
            model: None,
            usage: None,
        };
        let first = state.regions.len() as u64 + 1;
        for (i, (start, end)) in typed.iter().enumerate() {
            let region = Region::new(first + i as u64, *start..*end, &attribution, at_ms);
            state.typed.push(region);
        }
        state
    }

    fn closed(name: &str, state: &DocumentState, at_ms: u64) -> Stream<Entry> {
        Stream {
            writer: name.to_string(),
            live: false,
            records: closed_entries("f", state, at_ms).to_vec(),
        }
    }

    #[test]
    fn typed_regions_of_other_writers_are_carried_over_guesses_with_ids_of_their_own() {
        // The first server saw "T1" typed (typed region id 2, after its
        // paste's id 1); the second saw it arrive from disk (`external`),
        // and pasted "P" (id 2) after it.
        let a = closed(
            "a",
            &with_typed(
                state("Q\nT1\nx\n", &[(0, 2, Source::Pasted)], 10),
                &[(2, 5)],
                10,
            ),
            10,
        );
        let b = closed(
            "b",
            &state(
                "Q\nT1\nx\nP\n",
                &[(0, 5, Source::External), (7, 9, Source::Pasted)],
                20,
            ),
            20,
        );
        let merged = merge(&[&a, &b]);
        expect_test::expect![[r#"f @20 "Q\nT1\nx\nP\n": Pasted 0..2, Pasted 7..9, typed 2..5"#]]
            .assert_eq(&render(&merged));
        let kept = &merged["f"].state;
        let mut ids: Vec<u64> = kept
            .regions
            .iter()
            .chain(&kept.typed)
            .map(|r| r.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 3, "{kept:?}");
        assert_eq!(kept.typed[0].source, Source::Typed);
        // Order of streams, and a stream read twice, change nothing.
        assert_eq!(render(&merge(&[&b, &a])), render(&merged));
        assert_eq!(render(&merge(&[&a, &b, &a, &b])), render(&merged));
        // Typed text another writer pasted over stays the paste.
        let c = closed(
            "c",
            &state("Q\nT1\nx\nP\n", &[(2, 5, Source::Pasted)], 30),
            30,
        );
        expect_test::expect![[r#"f @30 "Q\nT1\nx\nP\n": Pasted 0..2, Pasted 2..5, Pasted 7..9"#]]
            .assert_eq(&render(&merge(&[&a, &b, &c])));
    }

    #[test]
    fn a_typed_region_the_later_writer_saw_and_deleted_does_not_come_back() {
        // The base typed "T1"; the next server opened it, deleted the line
        // and had it back by an undo (not typing): no typed region.
        let from = with_typed(DocumentState::new("T1\nx\n", 1), &[(0, 3)], 10);
        let base = closed("base", &from, 10);
        let undone = descendant(&from, 20, "T1\nx\n", &[]);
        expect_test::expect![[r#"f @20 "T1\nx\n": "#]]
            .assert_eq(&render(&merge(&[&base, &undone])));
        // A writer that never saw it still gets it.
        let other = writer("other", 20, "T1\nx\n", &[]);
        expect_test::expect![[r#"f @20 "T1\nx\n": typed 0..3"#]]
            .assert_eq(&render(&merge(&[&base, &other])));
    }

    #[test]
    fn format_1_records_read_as_the_oldest() {
        let plain = serde_json::json!({"kind": "closed", "doc": "f", "seq": 2});
        let entry: Entry = serde_json::from_value(plain).unwrap();
        assert_eq!(entry.at_ms, 0);
        assert!(matches!(entry.record, Record::Closed { seq: 2, .. }));
        let stamped = serde_json::to_value(Entry {
            at_ms: 7,
            record: entry.record,
        })
        .unwrap();
        assert_eq!(
            stamped,
            serde_json::json!({"atMs": 7, "kind": "closed", "doc": "f", "seq": 2})
        );
    }
}
