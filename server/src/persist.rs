//! Ties the live provenance map to the journals of the workspace folders:
//! every record the map emits goes to the journal of the folder holding the
//! document; on start a folder's journal is replayed into the documents it
//! knows, so a reopened file is re-anchored against its last known content.
//! Plain std IO: no LSP, no tokio. Files outside every folder get live
//! regions but no journal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::history::History;
use crate::journal::{self, Journal};
use crate::provenance::{
    Attribution, Change, DocumentState, Hint, Record, Source, Thresholds, Workspace,
};

// Sequence numbers: a compacted journal restarts each document at 1, and the
// live workspace continues from the highest number it replayed.

/// A workspace folder with its journal and the documents its journal knows.
struct Folder {
    root: PathBuf,
    journal_dir: Option<PathBuf>,
    journal: Option<Journal>,
    /// Last known state of documents that are not open (replayed or closed).
    known: HashMap<String, DocumentState>,
}

/// What a caller should tell the user about the journal (logged by the LSP layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice(pub String);

pub struct Tracker {
    live: Workspace,
    folders: Vec<Folder>,
    mark_window_ms: u64,
    journal_override: Option<PathBuf>,
}

impl Tracker {
    pub fn new(thresholds: Thresholds) -> Self {
        Self {
            live: Workspace::new(thresholds),
            folders: Vec::new(),
            mark_window_ms: 10 * 60 * 1000,
            journal_override: None,
        }
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
        let mut folder = Folder {
            root: root.to_path_buf(),
            journal_dir: journal_dir.clone(),
            journal: None,
            known: HashMap::new(),
        };
        if let Some(dir) = journal_dir {
            match Journal::open(&dir) {
                Ok((mut journal, recovery)) => {
                    for problem in &recovery.problems {
                        notices.push(Notice(format!(
                            "journal {}: skipped damaged data: {problem}",
                            dir.display()
                        )));
                    }
                    folder.known = replay(&mut self.live, &recovery.records);
                    let snapshot = compacted(&folder.known);
                    if let Err(e) = journal.compact(&snapshot) {
                        notices.push(Notice(format!("journal {}: compaction failed: {e}", dir.display())));
                    }
                    notices.push(Notice(format!(
                        "journal {}: {} records replayed, {} documents known",
                        dir.display(),
                        recovery.records.len(),
                        folder.known.len()
                    )));
                    folder.journal = Some(journal);
                }
                Err(e) => notices.push(Notice(format!(
                    "journal {}: not available, provenance of this folder will not survive a restart: {e}",
                    dir.display()
                ))),
            }
        }
        self.folders.push(folder);
        notices
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
        let known = folder.and_then(|i| self.folders[i].known.remove(doc));
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
        let records = self.live.change(doc, version, changes, now_ms);
        self.write(self.folder_index(path), records);
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
            },
            None => Attribution {
                source: Source::External,
                agent: None,
                model: None,
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
        let state = self.live.document(doc).cloned();
        let records = self.live.close(doc);
        let folder = self.folder_index(path);
        if let (Some(i), Some(state)) = (folder, state) {
            self.folders[i].known.insert(doc.to_string(), state);
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

    /// Makes every record written so far durable (fsync).
    pub fn sync(&mut self) -> Vec<Notice> {
        let mut notices = Vec::new();
        for folder in &mut self.folders {
            if let Some(journal) = folder.journal.as_mut() {
                if journal.is_dirty() {
                    if let Err(e) = journal.sync() {
                        notices.push(Notice(format!(
                            "journal sync failed in {}: {e}",
                            folder.root.display()
                        )));
                    }
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
        let Some(journal) = folder.and_then(|i| self.folders[i].journal.as_mut()) else {
            return;
        };
        for record in &records {
            if let Err(e) = journal.append(record) {
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

/// Replays records into the last known state of each document: its state
/// when it was last closed, or when the journal ends for documents that were
/// open (a crash). Replaying into the live workspace keeps its per-document
/// sequence numbers ahead of everything the journal holds, so later records
/// are never mistaken for ones already applied.
fn replay(live: &mut Workspace, records: &[Record]) -> HashMap<String, DocumentState> {
    let mut known = HashMap::new();
    for record in records {
        if let Record::Closed { doc, .. } = record {
            if let Some(state) = live.document(doc) {
                known.insert(doc.clone(), state.clone());
            }
        }
        live.apply_record(record);
    }
    let open: Vec<String> = live.documents().map(|(doc, _)| doc.to_string()).collect();
    for doc in open {
        if let Some(state) = live.document(&doc) {
            known.insert(doc.clone(), state.clone());
        }
        // Not open in this session: its records were written long ago.
        let _ = live.close(&doc);
    }
    known
}

/// The journal after compaction: each known document as a snapshot, closed.
/// Sequence numbers restart low; later records carry higher ones.
fn compacted(known: &HashMap<String, DocumentState>) -> Vec<Record> {
    let mut records = Vec::with_capacity(known.len() * 2);
    let mut docs: Vec<_> = known.iter().collect();
    docs.sort_by(|a, b| a.0.cmp(b.0));
    for (doc, state) in docs {
        records.push(Record::Snapshot {
            doc: doc.clone(),
            seq: 1,
            version: state.version,
            text: state.text.to_string(),
            regions: state.regions.clone(),
        });
        records.push(Record::Closed {
            doc: doc.clone(),
            seq: 2,
        });
    }
    records
}
