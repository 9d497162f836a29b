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

use super::agent_trace::{parse_records, AgentTraceRecord, LineAuthor, RecordUsage};
use super::git_ai::{parse_note, GitAiNote};
use super::matching::{added_lines, find_again, RecordedContent};
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
    /// provenance-ls's per-line hashes of the record's ranges, by (path, start line).
    line_hashes: HashMap<(String, u32), Vec<u64>>,
}

impl PooledRecord {
    fn new(note_commit: Option<ObjectId>, record: AgentTraceRecord) -> PooledRecord {
        PooledRecord {
            note_commit,
            line_hashes: record.line_hashes(),
            record,
        }
    }
}

/// What is known of who wrote a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorship {
    Assistant(Assistant),
    /// A line-level source names a person: a git-ai `h_` key with its
    /// `humans` record, an Agent Trace range whose contributor is `human`.
    Human,
    /// Nothing says: no line-level source covers the line and the commit
    /// carries no assistant's marks (git-ai's "untracked", counted apart).
    Untracked,
}

impl Authorship {
    /// `ai`, `human` or `untracked`, as `blame --json` writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Authorship::Assistant(_) => "ai",
            Authorship::Human => "human",
            Authorship::Untracked => "untracked",
        }
    }
}

/// Which line-level source says a person wrote a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HumanEvidence {
    /// provenance-ls saw it typed in the editor: a record of its notes
    /// marked `"source": "typed"` (docs/assistants.md).
    Typed,
    /// A git-ai `h_` key with its `humans` record.
    GitAi,
    /// A `human` contributor in any other Agent Trace record.
    AgentTrace,
}

impl HumanEvidence {
    /// `typed`, `git-ai` or `agent-trace`, as `blame --json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            HumanEvidence::Typed => "typed",
            HumanEvidence::GitAi => "git-ai",
            HumanEvidence::AgentTrace => "agent-trace",
        }
    }
}

/// A line-level source's verdict on a line, and which kind of source it is
/// (for an assistant's line never `Typed`).
type Listed = (LineAuthor, HumanEvidence);

/// The kind of source a record is.
fn record_kind(record: &AgentTraceRecord) -> HumanEvidence {
    if record.is_typed() {
        HumanEvidence::Typed
    } else {
        HumanEvidence::AgentTrace
    }
}

/// An assistant line, or a line typed in the editor, that a commit adds
/// and that records kept for other commits hold.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedLine {
    pub path: String,
    /// 1-based, in the commit's version of the file.
    pub line: u32,
    /// `None`: typed in the editor (a record of typed lines holds it).
    pub assistant: Option<Assistant>,
    /// The commit whose provenance note holds the record (`None`: a trace file).
    pub from_commit: Option<String>,
    /// The record's `id`.
    pub from_record: String,
}

struct Inner {
    repo: gix::Repository,
    git_ai: Option<NotesReader>,
    /// Every git-ai prompt record by key, from the newest commit holding it; read on first need.
    foreign_prompts: Option<HashMap<String, Assistant>>,
    pool: Option<Vec<PooledRecord>>,
    commits: HashMap<ObjectId, CommitEntry>,
    files: HashMap<(ObjectId, String), Arc<Vec<Option<Listed>>>>,
    /// What the cached answers were read from ([`sources_seen`]).
    seen: Vec<u8>,
}

/// The notes refs' tips and the trace file's size and time: when any of
/// them changes, answers read before may be wrong.
fn sources_seen(repo: &gix::Repository) -> Vec<u8> {
    let mut seen = Vec::new();
    for name in [PROVENANCE_NOTES_REF, GIT_AI_NOTES_REF] {
        if let Ok(Some(mut reference)) = repo.try_find_reference(name) {
            if let Ok(id) = reference.peel_to_id() {
                seen.extend_from_slice(id.as_bytes());
            }
        }
        seen.push(0);
    }
    let trace = notes::workdir(repo).map(|w| w.join(AGENT_TRACE_FILE));
    if let Some(meta) = trace.and_then(|t| std::fs::metadata(t).ok()) {
        seen.extend_from_slice(&meta.len().to_le_bytes());
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        seen.extend_from_slice(&modified.to_le_bytes());
    }
    seen
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
                    seen: sources_seen(&repo),
                    repo,
                    git_ai: None,
                    foreign_prompts: None,
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

    /// Forgets every answer read so far when a notes ref moved or the trace
    /// file changed since (git-ai's post-commit hook, or the server's own
    /// HEAD watcher, writes a commit's note after its lines were first
    /// looked up); true when it did. A long-lived index calls this before
    /// it answers anew.
    pub fn refresh(&self) -> bool {
        let Some(Ok(mut inner)) = self.inner.as_ref().map(Mutex::lock) else {
            return false;
        };
        let seen = sources_seen(&inner.repo);
        if seen == inner.seen {
            return false;
        }
        inner.seen = seen;
        inner.git_ai = None;
        inner.foreign_prompts = None;
        inner.pool = None;
        inner.commits.clear();
        inner.files.clear();
        true
    }

    /// `line` is 1-based in the file as of `commit`.
    pub fn line_assistant(&self, commit: &str, path: &str, line: u32) -> Option<Assistant> {
        match self.line_authorship(commit, path, line) {
            Authorship::Assistant(assistant) => Some(assistant),
            Authorship::Human | Authorship::Untracked => None,
        }
    }

    /// Who wrote `line` (1-based, in the file as of `commit`): an assistant,
    /// a person a line-level source names, or nobody says (untracked).
    pub fn line_authorship(&self, commit: &str, path: &str, line: u32) -> Authorship {
        let Some(Ok(mut inner)) = self.inner.as_ref().map(Mutex::lock) else {
            return Authorship::Untracked;
        };
        let Some(id) = inner.commit_id(commit) else {
            return Authorship::Untracked;
        };
        match inner.listed_author(id, path, line) {
            Some(LineAuthor::Assistant(assistant)) => Authorship::Assistant(assistant),
            Some(LineAuthor::Human) => Authorship::Human,
            // Unlisted lines take the commit's own marks, not what its notes say of other lines.
            None => match inner.commit_entry(id).and_then(|e| e.marked_assistant) {
                Some(assistant) => Authorship::Assistant(assistant),
                None => Authorship::Untracked,
            },
        }
    }

    /// What the line-level sources alone say of `line` (1-based in the file as
    /// of `commit`): an assistant, a person (git-ai `h_` record, a human
    /// contributor in a trace record or note), or `None` when none lists it —
    /// no evidence, which callers must not read as human.
    pub fn line_author(&self, commit: &str, path: &str, line: u32) -> Option<LineAuthor> {
        let mut inner = self.inner.as_ref()?.lock().ok()?;
        let id = inner.commit_id(commit)?;
        inner.listed_author(id, path, line)
    }

    /// Which source says a person wrote `line` (1-based, in the file as of
    /// `commit`): `Some` exactly when [`Self::line_author`] is `Human`.
    pub fn human_evidence(&self, commit: &str, path: &str, line: u32) -> Option<HumanEvidence> {
        let mut inner = self.inner.as_ref()?.lock().ok()?;
        let id = inner.commit_id(commit)?;
        match inner.listed(id, path, line)? {
            (LineAuthor::Human, evidence) => Some(evidence),
            (LineAuthor::Assistant(_), _) => None,
        }
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

    /// A prompt record (bare git-ai key) kept in another commit's note, as
    /// git-ai looks it up: the newest commit whose note holds the key's record.
    fn foreign_prompt(&mut self, key: &str) -> Option<Assistant> {
        if self.foreign_prompts.is_none() {
            let mut newest: HashMap<String, (i64, Assistant)> = HashMap::new();
            match notes::all_notes(&self.repo, GIT_AI_NOTES_REF) {
                Ok(all) => {
                    for (commit, text) in all {
                        let Some(note) = parse_note(&text) else {
                            continue;
                        };
                        let time = notes::commit_time(&self.repo, commit).unwrap_or(i64::MIN);
                        for (key, assistant) in note.prompts {
                            match newest.get(&key) {
                                Some((held, _)) if *held >= time => {}
                                _ => {
                                    newest.insert(key, (time, assistant));
                                }
                            }
                        }
                    }
                }
                Err(error) => tracing::debug!(%error, "cannot read git-ai notes"),
            }
            self.foreign_prompts = Some(newest.into_iter().map(|(k, (_, a))| (k, a)).collect());
        }
        self.foreign_prompts.as_ref()?.get(key).cloned()
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
                        pool.extend(
                            parse_records(&text)
                                .into_iter()
                                .map(|record| PooledRecord::new(Some(commit), record)),
                        );
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
            // The same record in both copies is read once. A record that
            // repeats an earlier `id` with other content is read too (the
            // spec says ids are unique; dropping either would lose lines) and
            // logged: its writer is at fault.
            let mut seen: HashMap<String, AgentTraceRecord> = HashMap::new();
            for text in texts {
                for record in parse_records(&text) {
                    match seen.get(&record.id) {
                        Some(earlier) if *earlier == record => continue,
                        Some(_) => tracing::warn!(
                            id = %record.id,
                            "an Agent Trace record repeats an earlier id with other content; both are read"
                        ),
                        None => {}
                    }
                    seen.insert(record.id.clone(), record.clone());
                    pool.push(PooledRecord::new(None, record));
                }
            }
            self.pool = Some(pool);
        }
        self.pool.as_deref().unwrap_or_default()
    }

    /// What the line-level sources say of `line` (1-based), if any lists it.
    fn listed_author(&mut self, id: ObjectId, path: &str, line: u32) -> Option<LineAuthor> {
        self.listed(id, path, line).map(|(author, _)| author)
    }

    /// [`Self::listed_author`] with the kind of source that says it.
    fn listed(&mut self, id: ObjectId, path: &str, line: u32) -> Option<Listed> {
        let verdicts = self.file_verdicts(id, path);
        verdicts.get(line.checked_sub(1)? as usize)?.clone()
    }

    fn file_verdicts(&mut self, id: ObjectId, path: &str) -> Arc<Vec<Option<Listed>>> {
        let key = (id, path.to_string());
        if let Some(found) = self.files.get(&key) {
            return found.clone();
        }
        let verdicts = Arc::new(self.compute_verdicts(id, path));
        self.files.insert(key, verdicts.clone());
        verdicts
    }

    fn compute_verdicts(&mut self, id: ObjectId, path: &str) -> Vec<Option<Listed>> {
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
        let mut verdicts: Vec<Option<Listed>> = vec![None; lines.len()];
        let own_revisions: Vec<String> = std::iter::once(id)
            .chain(entry.parents.iter().copied())
            .map(|id| id.to_string())
            .collect();

        // 1. provenance-ls's notes on this commit.
        for pooled in self.pool().iter().filter(|p| p.note_commit == Some(id)) {
            apply_record(&pooled.record, path, &mut verdicts);
        }
        // 2. git-ai's note on this commit, read as git-ai reads it.
        if let Some(note) = &entry.git_ai {
            let foreign: HashMap<&str, Assistant> = note
                .missing_prompts(path)
                .into_iter()
                .filter_map(|key| Some((key, self.foreign_prompt(key)?)))
                .collect();
            for (i, verdict) in verdicts.iter_mut().enumerate() {
                if verdict.is_none() {
                    *verdict = note
                        .line_author(path, i as u32 + 1, |key| foreign.get(key).cloned())
                        .map(|author| (author, HumanEvidence::GitAi));
                }
            }
        }
        let pool = self.pool();
        // 3. trace records made on this commit or its parent.
        for pooled in pool.iter().filter(|p| p.note_commit.is_none()) {
            let revision = pooled.record.vcs.as_ref().map(|v| v.revision.as_str());
            if revision.is_some_and(|rev| own_revisions.iter().any(|own| same_revision(own, rev))) {
                apply_record(&pooled.record, path, &mut verdicts);
            }
        }
        // 4. ranges recorded elsewhere whose content is in this file: the commit was amended or rebased.
        if verdicts.iter().any(Option::is_none) {
            let found = self.found_elsewhere(id, path, &lines);
            for (verdict, found) in verdicts.iter_mut().zip(found) {
                if verdict.is_none() {
                    *verdict = found.map(|(author, _, kind)| (author, kind));
                }
            }
        }
        verdicts
    }
}

impl Inner {
    /// For each line of `lines` (the file `path` in commit `id`): who wrote it
    /// according to a range recorded for another commit (or in a trace file)
    /// that is found again here by content (`matching`), and the index of that
    /// record in the pool.
    fn found_elsewhere(
        &mut self,
        id: ObjectId,
        path: &str,
        lines: &[&str],
    ) -> Vec<Option<(LineAuthor, usize, HumanEvidence)>> {
        let pool = self.pool();
        let mut recorded = Vec::new();
        let mut whose = Vec::new();
        for (at, pooled) in pool.iter().enumerate() {
            if pooled.note_commit == Some(id) {
                continue;
            }
            let record = &pooled.record;
            for file in record.files.iter().filter(|f| f.path == path) {
                for conversation in &file.conversations {
                    for range in &conversation.ranges {
                        let Some(author) = record.author_of(conversation, range) else {
                            continue;
                        };
                        let Some(len) = range.end_line.checked_sub(range.start_line) else {
                            continue;
                        };
                        let len = len as usize + 1;
                        let per_line = pooled
                            .line_hashes
                            .get(&(path.to_string(), range.start_line))
                            .filter(|hashes| hashes.len() == len);
                        let content = match (per_line, range.content_hash.as_deref()) {
                            (Some(hashes), _) => RecordedContent::Lines(hashes),
                            (None, Some(hash)) => RecordedContent::Whole { hash, len },
                            (None, None) => continue,
                        };
                        recorded.push(content);
                        whose.push((author, at));
                    }
                }
            }
        }
        find_again(&recorded, lines)
            .into_iter()
            .map(|found| {
                found.map(|i| {
                    let (author, at) = whose[i].clone();
                    (author, at, record_kind(&pool[at].record))
                })
            })
            .collect()
    }

    /// The paths provenance notes name.
    fn noted_paths(&mut self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .pool()
            .iter()
            .filter(|p| p.note_commit.is_some())
            .flat_map(|p| p.record.files.iter().map(|f| f.path.clone()))
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    fn has_own_note(&mut self, id: ObjectId) -> bool {
        self.pool().iter().any(|p| p.note_commit == Some(id))
    }

    fn derived_lines(&mut self, id: ObjectId) -> Vec<DerivedLine> {
        let Some(entry) = self.commit_entry(id) else {
            return Vec::new();
        };
        if entry.parents.len() > 1 || self.has_own_note(id) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for path in self.noted_paths() {
            let Ok(Some(bytes)) = notes::file_at(&self.repo, id, &path) else {
                continue;
            };
            let before = match entry.parents.first() {
                Some(parent) => notes::file_at(&self.repo, *parent, &path).ok().flatten(),
                None => None,
            };
            if before.as_deref() == Some(bytes.as_slice()) {
                continue;
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let before = before
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let added = added_lines(&before, &text);
            let lines: Vec<&str> = text.lines().collect();
            let found = self.found_elsewhere(id, &path, &lines);
            let pool = self.pool();
            for (at, found) in found.into_iter().enumerate() {
                let Some((author, source, kind)) = found.filter(|_| added.contains(&(at as u32)))
                else {
                    continue;
                };
                let assistant = match (author, kind) {
                    (LineAuthor::Assistant(assistant), _) => Some(assistant),
                    (LineAuthor::Human, HumanEvidence::Typed) => None,
                    (LineAuthor::Human, _) => continue,
                };
                let source = &pool[source];
                // Trace files live in the tree; only notes on other commits can be lost.
                if source.note_commit.is_none() {
                    continue;
                }
                out.push(DerivedLine {
                    path: path.clone(),
                    line: at as u32 + 1,
                    assistant,
                    from_commit: source.note_commit.map(|c| c.to_string()),
                    from_record: source.record.id.clone(),
                });
            }
        }
        out
    }
}

impl AttributionIndex {
    /// The assistant lines, and lines typed in the editor, that `commit`
    /// adds (a line diff against its first parent) and that are found again
    /// by content in records kept for other commits: what a note for a commit made by an amend, rebase or squash
    /// the server did not see should say. Empty for a commit with a
    /// provenance note of its own and for merges.
    pub fn derived_lines(&self, commit: &str) -> Vec<DerivedLine> {
        let Some(Ok(mut inner)) = self.inner.as_ref().map(Mutex::lock) else {
            return Vec::new();
        };
        match inner.commit_id(commit) {
            Some(id) => inner.derived_lines(id),
            None => Vec::new(),
        }
    }

    /// What the provenance note on `commit` says its assistant lines cost:
    /// one entry per record that carries usage (docs/assistants.md, *Tokens
    /// and cost*). Empty without a note or usage.
    pub fn commit_usage(&self, commit: &str) -> Vec<RecordUsage> {
        let Some(Ok(mut inner)) = self.inner.as_ref().map(Mutex::lock) else {
            return Vec::new();
        };
        let Some(id) = inner.commit_id(commit) else {
            return Vec::new();
        };
        inner
            .pool()
            .iter()
            .filter(|p| p.note_commit == Some(id))
            .filter_map(|p| p.record.usage_of_lines())
            .collect()
    }

    /// Whether any commit has a provenance note (the only source derived notes copy from).
    pub fn has_provenance_notes(&self) -> bool {
        let Some(Ok(mut inner)) = self.inner.as_ref().map(Mutex::lock) else {
            return false;
        };
        inner.pool().iter().any(|p| p.note_commit.is_some())
    }
}

/// Marks the lines a record attributes in `path`, where nothing said otherwise yet.
fn apply_record(record: &AgentTraceRecord, path: &str, verdicts: &mut [Option<Listed>]) {
    let kind = record_kind(record);
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
                        *verdict = Some((author.clone(), kind));
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
