//! The little git that attribution needs, through gix: open a repository,
//! read notes (fan-out aware), commits and blobs, and write provenance-ls's
//! own notes. Objects are read raw: no filters, no textconv, no hooks, no
//! fsmonitor, no network — gix runs none of these for object and ref access,
//! and nothing here asks it to. No gix type leaves `attribution`.

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::ObjectId;

use super::agent_trace::{content_hash, AgentTraceRecord};
use super::matching::line_hash;
use super::AttributionError;

/// Where provenance-ls keeps its own Agent Trace records.
pub const PROVENANCE_NOTES_REF: &str = "refs/notes/provenance";
/// Where git-ai keeps its authorship notes.
pub const GIT_AI_NOTES_REF: &str = "refs/notes/ai";

fn git_error(context: &str, error: impl std::fmt::Display) -> AttributionError {
    AttributionError::Git(format!("{context}: {error}"))
}

/// Opens the repository that holds `path` (a work tree, a folder inside it, or a git dir).
pub fn open(path: &Path) -> Result<gix::Repository, AttributionError> {
    crate::history::discover_safely(path).map_err(|error| AttributionError::Open {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// A commit id from a revision (`HEAD`, a hex id, a branch).
pub fn resolve_commit(repo: &gix::Repository, rev: &str) -> Result<ObjectId, AttributionError> {
    let id = repo
        .rev_parse_single(rev)
        .map_err(|e| git_error(&format!("cannot resolve {rev}"), e))?;
    let commit = id
        .object()
        .map_err(|e| git_error(rev, e))?
        .peel_to_commit()
        .map_err(|e| git_error(&format!("{rev} is not a commit"), e))?;
    Ok(commit.id)
}

/// The facts about a commit attribution reads.
#[derive(Debug, Clone)]
pub struct CommitFacts {
    pub message: String,
    pub author_name: String,
    pub author_email: String,
    pub parents: Vec<ObjectId>,
}

pub fn commit_facts(repo: &gix::Repository, id: ObjectId) -> Result<CommitFacts, AttributionError> {
    let commit = repo
        .find_commit(id)
        .map_err(|e| git_error(&format!("no commit {id}"), e))?;
    let author = commit.author().map_err(|e| git_error("bad author", e))?;
    Ok(CommitFacts {
        message: commit.message_raw_sloppy().to_str_lossy().into_owned(),
        author_name: author.name.to_str_lossy().into_owned(),
        author_email: author.email.to_str_lossy().into_owned(),
        parents: commit.parent_ids().map(|id| id.detach()).collect(),
    })
}

/// When `id` was committed (seconds since the epoch).
pub fn commit_time(repo: &gix::Repository, id: ObjectId) -> Option<i64> {
    Some(repo.find_commit(id).ok()?.time().ok()?.seconds)
}

/// The raw bytes of `path` in `commit`'s tree, as stored (no filters); `None` when absent.
pub fn file_at(
    repo: &gix::Repository,
    commit: ObjectId,
    path: &str,
) -> Result<Option<Vec<u8>>, AttributionError> {
    let tree = repo
        .find_commit(commit)
        .map_err(|e| git_error(&format!("no commit {commit}"), e))?
        .tree()
        .map_err(|e| git_error("no tree", e))?;
    let Some(entry) = tree
        .lookup_entry_by_path(path)
        .map_err(|e| git_error(&format!("cannot look up {path}"), e))?
    else {
        return Ok(None);
    };
    if !entry.mode().is_blob() {
        return Ok(None);
    }
    let object = entry
        .object()
        .map_err(|e| git_error("cannot read blob", e))?;
    Ok(Some(object.data.clone()))
}

/// The root tree of a notes ref; `None` when the ref does not exist.
fn notes_tree(
    repo: &gix::Repository,
    notes_ref: &str,
) -> Result<Option<ObjectId>, AttributionError> {
    let Some(mut reference) = repo
        .try_find_reference(notes_ref)
        .map_err(|e| git_error(notes_ref, e))?
    else {
        return Ok(None);
    };
    let commit_id = reference
        .peel_to_id()
        .map_err(|e| git_error(notes_ref, e))?
        .detach();
    let tree = repo
        .find_commit(commit_id)
        .map_err(|e| git_error(notes_ref, e))?
        .tree_id()
        .map_err(|e| git_error(notes_ref, e))?
        .detach();
    Ok(Some(tree))
}

/// Looks notes up on one ref, through git's fan-out (`ab/cdef…`) as `git notes` writes it.
pub struct NotesReader {
    state: Option<gix::note::plumbing::State>,
}

impl NotesReader {
    pub fn new(repo: &gix::Repository, notes_ref: &str) -> Result<NotesReader, AttributionError> {
        let state = match notes_tree(repo, notes_ref)? {
            Some(tree) => Some(
                gix::note::plumbing::State::new(tree, repo).map_err(|e| git_error(notes_ref, e))?,
            ),
            None => None,
        };
        Ok(NotesReader { state })
    }

    /// The note text attached to `commit`, if any.
    pub fn note(
        &mut self,
        repo: &gix::Repository,
        commit: ObjectId,
    ) -> Result<Option<String>, AttributionError> {
        let Some(state) = self.state.as_mut() else {
            return Ok(None);
        };
        let Some(blob) = state
            .get(&commit, repo)
            .map_err(|e| git_error("notes lookup", e))?
        else {
            return Ok(None);
        };
        let blob = repo
            .find_blob(blob)
            .map_err(|e| git_error("note blob", e))?;
        Ok(Some(blob.data.to_str_lossy().into_owned()))
    }
}

/// Every note on a ref as `(annotated object, text)`: walks the notes tree,
/// joining fan-out directory names back into the object id.
pub fn all_notes(
    repo: &gix::Repository,
    notes_ref: &str,
) -> Result<Vec<(ObjectId, String)>, AttributionError> {
    let Some(root) = notes_tree(repo, notes_ref)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut pending = vec![(root, String::new())];
    while let Some((tree_id, prefix)) = pending.pop() {
        let tree = repo
            .find_tree(tree_id)
            .map_err(|e| git_error(notes_ref, e))?;
        for entry in tree.iter() {
            let entry = entry.map_err(|e| git_error(notes_ref, e))?;
            let name = format!("{prefix}{}", entry.filename().to_str_lossy());
            if entry.mode().is_tree() {
                pending.push((entry.oid().to_owned(), name));
            } else if entry.mode().is_blob() {
                // Non-note files may live in a notes tree; only full hex names are notes.
                let Ok(object) = ObjectId::from_hex(name.as_bytes()) else {
                    continue;
                };
                let blob = repo
                    .find_blob(entry.oid())
                    .map_err(|e| git_error("note blob", e))?;
                out.push((object, blob.data.to_str_lossy().into_owned()));
            }
        }
    }
    Ok(out)
}

/// Writes `record` as a note on `refs/notes/provenance` for `commit`,
/// appending it as one more JSON line when the commit already has a note
/// there. Every range gets a `content_hash` of its lines in `commit`'s
/// version of the file, and the record one hash per line of every range
/// (`metadata."dev.provenance-ls".line_hashes`, docs/assistants.md), so that
/// attribution follows the lines, line by line, through amend and rebase. `git notes --ref=provenance show <commit>`
/// reads the note back. Returns the records now in the note.
pub fn write_provenance_note(
    repo_path: &Path,
    commit: &str,
    record: &AgentTraceRecord,
) -> Result<usize, AttributionError> {
    let mut repo = open(repo_path)?;
    // Notes commits need a committer; fall back to a neutral one when the user configured none.
    repo.committer_or_set_fallback("provenance-ls", "provenance-ls@localhost")
        .map_err(|e| git_error("committer", e))?;
    if repo.author().is_none() {
        use gix::config::tree::gitoxide::Author;
        let mut config = repo.config_snapshot_mut();
        config
            .set_value(&Author::NAME_FALLBACK, "provenance-ls")
            .and_then(|_| config.set_value(&Author::EMAIL_FALLBACK, "provenance-ls@localhost"))
            .map_err(|e| git_error("author", e))?;
    }
    let commit_id = resolve_commit(&repo, commit)?;

    let mut record = record.clone();
    let mut hashed: Vec<(String, u32, Vec<u64>)> = Vec::new();
    for file in &mut record.files {
        let text = file_at(&repo, commit_id, &file.path)?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for range in file.conversations.iter_mut().flat_map(|c| &mut c.ranges) {
            let (first, last) = (range.start_line as usize, range.end_line as usize);
            if first >= 1 && first <= last && last <= lines.len() {
                let lines = &lines[first - 1..last];
                if range.content_hash.is_none() {
                    range.content_hash = Some(content_hash(lines.iter().copied()));
                }
                hashed.push((
                    file.path.clone(),
                    range.start_line,
                    lines.iter().map(|l| line_hash(l)).collect(),
                ));
            }
        }
    }
    let known = record.line_hashes();
    for (path, start, hashes) in hashed {
        if !known.contains_key(&(path.clone(), start)) {
            record.set_line_hashes(&path, start, &hashes);
        }
    }
    let line = serde_json::to_string(&record).map_err(AttributionError::Json)?;

    let existing = NotesReader::new(&repo, PROVENANCE_NOTES_REF)?.note(&repo, commit_id)?;
    let mut text = existing.unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    let count = text.lines().filter(|l| !l.trim().is_empty()).count();

    let mut notes = repo.notes().map_err(|e| git_error("notes", e))?;
    notes = notes.with_commit_message("Notes added by provenance-ls");
    notes
        .replace(PROVENANCE_NOTES_REF, commit_id, text.as_bytes())
        .map_err(|e| git_error("cannot write the note", e))?;
    Ok(count)
}

/// The work tree of `repo`, if it has one.
pub fn workdir(repo: &gix::Repository) -> Option<PathBuf> {
    repo.workdir().map(Path::to_path_buf)
}
