//! `AttributionIndex`: line-level and commit-level answers for one
//! repository, read lazily and cached (notes per commit, one file's verdicts
//! per commit and path). Line-level sources win over commit-level ones, in
//! this order: provenance-ls's notes on the commit, git-ai's note on the
//! commit, Agent Trace records whose `vcs.revision` is the commit or its
//! parent, then any Agent Trace record whose range `content_hash` matches
//! lines of this commit's file (amended and rebased commits). Never writes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use gix::ObjectId;

use super::agent_trace::{content_hash, parse_records, AgentTraceRecord, LineAuthor};
use super::git_ai::{parse_note, GitAiNote};
use super::notes::{self, NotesReader, GIT_AI_NOTES_REF, PROVENANCE_NOTES_REF};
use super::{commit_assistant, message_says_reviewed, Assistant};

/// Where the Agent Trace reference implementation appends its records.
pub const AGENT_TRACE_FILE: &str = ".agent-trace/traces.jsonl";

/// Line-level attribution loaded once per repository (notes and trace files).
pub struct AttributionIndex {
    inner: Option<Mutex<Inner>>,
}

/// An Agent Trace record and the commit whose provenance note holds it (`None`: from a trace file).
struct PooledRecord {
    note_commit: Option<ObjectId>,
    record: AgentTraceRecord,
}

struct Inner {
    repo: gix::Repository,
    git_ai: Option<NotesReader>,
    pool: Option<Vec<PooledRecord>>,
    commits: HashMap<ObjectId, CommitEntry>,
    files: HashMap<(ObjectId, String), Arc<Vec<Option<LineAuthor>>>>,
}

#[derive(Clone)]
struct CommitEntry {
    parents: Vec<ObjectId>,
    /// A `Reviewed-by:`-style trailer says a human looked at it.
    reviewed: bool,
    /// From the author and trailers alone.
    marked_assistant: Option<Assistant>,
    /// `marked_assistant`, else the first assistant the commit's notes name.
    assistant: Option<Assistant>,
    git_ai: Option<Arc<GitAiNote>>,
}

impl AttributionIndex {
    /// The index of the repository holding `path`; an empty index (every
    /// answer `None`) when there is no readable repository there.
    pub fn load_at(path: &Path) -> AttributionIndex {
        match notes::open(path) {
            Ok(repo) => AttributionIndex {
                inner: Some(Mutex::new(Inner {
                    repo,
                    git_ai: None,
                    pool: None,
                    commits: HashMap::new(),
                    files: HashMap::new(),
                })),
            },
            Err(error) => {
                tracing::debug!(%error, "no attribution: repository not readable");
                AttributionIndex { inner: None }
            }
        }
    }

    /// Line-level attribution loaded once per repository (notes and trace files).
    pub fn load(repo: &crate::history::Repo) -> AttributionIndex {
        AttributionIndex::load_at(repo.workdir())
    }

    /// `line` is 1-based in the file as of `commit`.
    pub fn line_assistant(&self, commit: &str, path: &str, line: u32) -> Option<Assistant> {
        let mut inner = self.inner.as_ref()?.lock().ok()?;
        let id = inner.commit_id(commit)?;
        let verdicts = inner.file_verdicts(id, path);
        match verdicts.get(line.checked_sub(1)? as usize) {
            Some(Some(LineAuthor::Assistant(assistant))) => Some(assistant.clone()),
            Some(Some(LineAuthor::Human)) => None,
            // Unlisted lines take the commit's own marks, not what its notes say of other lines.
            _ => inner.commit_entry(id)?.marked_assistant,
        }
    }

    /// What the line-level sources alone say of `line` (1-based in the file as
    /// of `commit`): an assistant, a person (git-ai `h_` record, a human
    /// contributor in a trace record or note), or `None` when none lists it —
    /// no evidence, which callers must not read as human.
    pub fn line_author(&self, commit: &str, path: &str, line: u32) -> Option<LineAuthor> {
        let mut inner = self.inner.as_ref()?.lock().ok()?;
        let id = inner.commit_id(commit)?;
        let verdicts = inner.file_verdicts(id, path);
        verdicts.get(line.checked_sub(1)? as usize)?.clone()
    }

    /// The assistant of a whole commit: its author and trailers, else the first
    /// assistant its provenance or git-ai note names.
    pub fn commit_assistant(&self, commit: &str) -> Option<Assistant> {
        let mut inner = self.inner.as_ref()?.lock().ok()?;
        let id = inner.commit_id(commit)?;
        inner.commit_entry(id)?.assistant
    }
}

impl AttributionIndex {
    /// Whether `commit`'s trailers say a human reviewed it (`Reviewed-by:`, …).
    pub fn commit_reviewed(&self, commit: &str) -> bool {
        let Some(Ok(mut inner)) = self.inner.as_ref().map(Mutex::lock) else {
            return false;
        };
        inner
            .commit_id(commit)
            .and_then(|id| inner.commit_entry(id))
            .is_some_and(|entry| entry.reviewed)
    }
}

impl Inner {
    /// A full hex id as is; anything else (`HEAD`, a short id, a branch) through rev-parse.
    fn commit_id(&self, commit: &str) -> Option<ObjectId> {
        ObjectId::from_hex(commit.as_bytes())
            .ok()
            .or_else(|| notes::resolve_commit(&self.repo, commit).ok())
    }

    fn commit_entry(&mut self, id: ObjectId) -> Option<CommitEntry> {
        if let Some(entry) = self.commits.get(&id) {
            return Some(entry.clone());
        }
        let facts = notes::commit_facts(&self.repo, id).ok()?;
        let git_ai = self.git_ai_note(id).map(Arc::new);
        let marked_assistant =
            commit_assistant(&facts.message, &facts.author_name, &facts.author_email);
        let assistant = marked_assistant
            .clone()
            .or_else(|| {
                self.pool()
                    .iter()
                    .filter(|p| p.note_commit == Some(id))
                    .find_map(|p| first_assistant(&p.record))
            })
            .or_else(|| {
                git_ai
                    .as_ref()
                    .and_then(|note| note.any_assistant().cloned())
            });
        let entry = CommitEntry {
            parents: facts.parents,
            reviewed: message_says_reviewed(&facts.message),
            marked_assistant,
            assistant,
            git_ai,
        };
        self.commits.insert(id, entry.clone());
        Some(entry)
    }

    fn git_ai_note(&mut self, id: ObjectId) -> Option<GitAiNote> {
        if self.git_ai.is_none() {
            self.git_ai = Some(NotesReader::new(&self.repo, GIT_AI_NOTES_REF).ok()?);
        }
        let reader = self.git_ai.as_mut()?;
        let text = reader.note(&self.repo, id).ok()??;
        parse_note(&text)
    }

    /// Provenance notes (all commits) and trace files, read once.
    fn pool(&mut self) -> &[PooledRecord] {
        if self.pool.is_none() {
            let mut pool = Vec::new();
            match notes::all_notes(&self.repo, PROVENANCE_NOTES_REF) {
                Ok(all) => {
                    for (commit, text) in all {
                        pool.extend(parse_records(&text).into_iter().map(|record| PooledRecord {
                            note_commit: Some(commit),
                            record,
                        }));
                    }
                }
                Err(error) => tracing::debug!(%error, "cannot read provenance notes"),
            }
            // The trace file is append-only: HEAD's copy and the work tree's cover every record.
            let mut texts = Vec::new();
            if let Ok(head) = notes::resolve_commit(&self.repo, "HEAD") {
                if let Ok(Some(bytes)) = notes::file_at(&self.repo, head, AGENT_TRACE_FILE) {
                    texts.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
            if let Some(workdir) = notes::workdir(&self.repo) {
                if let Ok(text) = std::fs::read_to_string(workdir.join(AGENT_TRACE_FILE)) {
                    texts.push(text);
                }
            }
            let mut seen = std::collections::HashSet::new();
            for text in texts {
                for record in parse_records(&text) {
                    if seen.insert(record.id.clone()) {
                        pool.push(PooledRecord {
                            note_commit: None,
                            record,
                        });
                    }
                }
            }
            self.pool = Some(pool);
        }
        self.pool.as_deref().unwrap_or_default()
    }

    fn file_verdicts(&mut self, id: ObjectId, path: &str) -> Arc<Vec<Option<LineAuthor>>> {
        let key = (id, path.to_string());
        if let Some(found) = self.files.get(&key) {
            return found.clone();
        }
        let verdicts = Arc::new(self.compute_verdicts(id, path));
        self.files.insert(key, verdicts.clone());
        verdicts
    }

    fn compute_verdicts(&mut self, id: ObjectId, path: &str) -> Vec<Option<LineAuthor>> {
        let Some(entry) = self.commit_entry(id) else {
            return Vec::new();
        };
        // Most commits of most files have no line-level source: answer without reading the file.
        let mentions_path = |record: &AgentTraceRecord| record.files.iter().any(|f| f.path == path);
        let git_ai_mentions = entry
            .git_ai
            .as_ref()
            .is_some_and(|note| note.files.iter().any(|f| f.path == path));
        if !git_ai_mentions && !self.pool().iter().any(|p| mentions_path(&p.record)) {
            return Vec::new();
        }
        let text = notes::file_at(&self.repo, id, path)
            .ok()
            .flatten()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let mut verdicts: Vec<Option<LineAuthor>> = vec![None; lines.len()];
        let own_revisions: Vec<String> = std::iter::once(id)
            .chain(entry.parents.iter().copied())
            .map(|id| id.to_string())
            .collect();

        // 1. provenance-ls's notes on this commit.
        let pool = self.pool();
        for pooled in pool.iter().filter(|p| p.note_commit == Some(id)) {
            apply_record(&pooled.record, path, &mut verdicts);
        }
        // 2. git-ai's note on this commit.
        if let Some(note) = &entry.git_ai {
            for (i, verdict) in verdicts.iter_mut().enumerate() {
                if verdict.is_none() {
                    *verdict = note.line_author(path, i as u32 + 1).cloned();
                }
            }
        }
        // 3. trace records made on this commit or its parent.
        for pooled in pool.iter().filter(|p| p.note_commit.is_none()) {
            let revision = pooled.record.vcs.as_ref().map(|v| v.revision.as_str());
            if revision.is_some_and(|rev| own_revisions.iter().any(|own| same_revision(own, rev))) {
                apply_record(&pooled.record, path, &mut verdicts);
            }
        }
        // 4. ranges recorded elsewhere whose content is in this file: the commit was amended or rebased.
        if verdicts.iter().any(Option::is_none) {
            let hashed: Vec<(&AgentTraceRecord, usize, &str, Option<LineAuthor>)> = pool
                .iter()
                .filter(|p| p.note_commit != Some(id))
                .flat_map(|p| {
                    let record = &p.record;
                    record
                        .files
                        .iter()
                        .filter(|f| f.path == path)
                        .flat_map(|f| &f.conversations)
                        .flat_map(move |c| c.ranges.iter().map(move |r| (record, c, r)))
                })
                .filter_map(|(record, conversation, range)| {
                    let hash = range.content_hash.as_deref()?;
                    let len = range.end_line.checked_sub(range.start_line)? as usize + 1;
                    Some((record, len, hash, record.author_of(conversation, range)))
                })
                .collect();
            let mut by_len: HashMap<usize, Vec<(&str, Option<LineAuthor>)>> = HashMap::new();
            for (_, len, hash, author) in hashed {
                by_len.entry(len).or_default().push((hash, author));
            }
            for (len, wanted) in by_len {
                if len == 0 || len > lines.len() {
                    continue;
                }
                for start in 0..=lines.len() - len {
                    let window = &lines[start..start + len];
                    if window.iter().all(|l| l.trim().is_empty()) {
                        continue;
                    }
                    let hash = content_hash(window.iter().copied());
                    if let Some((_, Some(author))) = wanted.iter().find(|(h, _)| *h == hash) {
                        for verdict in &mut verdicts[start..start + len] {
                            if verdict.is_none() {
                                *verdict = Some(author.clone());
                            }
                        }
                    }
                }
            }
        }
        verdicts
    }
}

/// Marks the lines a record attributes in `path`, where nothing said otherwise yet.
fn apply_record(record: &AgentTraceRecord, path: &str, verdicts: &mut [Option<LineAuthor>]) {
    for file in record.files.iter().filter(|f| f.path == path) {
        for conversation in &file.conversations {
            for range in &conversation.ranges {
                let Some(author) = record.author_of(conversation, range) else {
                    continue;
                };
                let first = range.start_line.max(1) as usize;
                let last = (range.end_line as usize).min(verdicts.len());
                for verdict in verdicts.iter_mut().take(last).skip(first - 1) {
                    if verdict.is_none() {
                        *verdict = Some(author.clone());
                    }
                }
            }
        }
    }
}

fn first_assistant(record: &AgentTraceRecord) -> Option<Assistant> {
    record
        .files
        .iter()
        .flat_map(|f| &f.conversations)
        .find_map(|c| {
            c.ranges.iter().find_map(|r| match record.author_of(c, r) {
                Some(LineAuthor::Assistant(a)) => Some(a),
                _ => None,
            })
        })
}

/// Full ids compare equal; an abbreviated revision (7+ hex) matches its prefix.
fn same_revision(full: &str, recorded: &str) -> bool {
    let recorded = recorded.trim().to_ascii_lowercase();
    recorded.len() >= 7 && full.starts_with(&recorded)
}

#[cfg(test)]
mod tests {
    /// The LSP layer shares one index across request threads.
    #[test]
    fn index_is_shareable_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<super::AttributionIndex>();
    }
}
