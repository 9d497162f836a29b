//! Watches HEAD of each workspace folder. When it moves to a new commit, the
//! committed lines that came from assistant regions are written as an Agent
//! Trace note on `refs/notes/provenance` (`crate::commit_trace`), and the
//! client is asked to refresh its code lenses and hints. On start and on
//! every move, commits made by rewrites the server did not see get derived
//! notes (`attribution::reanchor`), walking only the commits since the tip
//! checked last (kept in the folder's journal dir). Polling a ref is a few
//! file reads; file watchers often exclude `.git`, so this does not rely on
//! them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::churn::refresh_hints;
use super::state::ServerState;
use crate::attribution::{reanchor, write_provenance_note};
use crate::commit_trace::commit_traces;

const POLL_EVERY: Duration = Duration::from_secs(1);
/// At most this many commits are looked at per move of HEAD (a first start
/// in a long history looks at the newest ones).
const REANCHOR_LIMIT: usize = 1000;
/// The tip re-anchoring checked last, in the folder's journal dir.
const CHECKED_TIP_FILE: &str = "reanchored-tip";

pub fn spawn(state: Arc<ServerState>) {
    tokio::spawn(async move {
        let mut heads: HashMap<PathBuf, Option<String>> = HashMap::new();
        loop {
            tokio::time::sleep(POLL_EVERY).await;
            let roots = state.tracker().folder_roots();
            for root in roots {
                let seen = heads.get(&root).cloned();
                let (task_state, task_root) = (state.clone(), root.clone());
                let checked =
                    tokio::task::spawn_blocking(move || check(&task_state, &task_root, seen)).await;
                if let Ok(Some((head, moved))) = checked {
                    heads.insert(root, head);
                    if moved {
                        refresh_hints(&state).await;
                    }
                }
            }
        }
    });
}

/// Reads HEAD; on a move, writes the notes. Returns (HEAD, whether it moved),
/// or `None` when the folder has no readable repository.
fn check(
    state: &ServerState,
    root: &std::path::Path,
    seen: Option<Option<String>>,
) -> Option<(Option<String>, bool)> {
    let repo = state.insights.repo_for(root).ok()?;
    let head = repo.history.head_commit().ok()?;
    let moved = matches!(&seen, Some(old) if *old != head);
    if let (true, Some(commit)) = (moved, &head) {
        let documents = state.tracker().documents_in(root);
        let borrowed: Vec<_> = documents.iter().map(|(p, d)| (p.as_path(), d)).collect();
        for record in commit_traces(&repo.history, commit, &borrowed, SystemTime::now()) {
            match write_provenance_note(root, commit, &record) {
                Ok(_) => tracing::info!(
                    "provenance note on {commit}: {} file(s) by {}",
                    record.files.len(),
                    record.tool.as_ref().map(|t| t.name.as_str()).unwrap_or("?")
                ),
                Err(e) => tracing::error!("could not write the provenance note on {commit}: {e}"),
            }
        }
    }
    if let (true, Some(commit)) = (seen.is_none() || moved, &head) {
        reanchor_since_last(state, root, commit);
    }
    Some((head, moved))
}

/// Derived notes for the commits since the tip checked last; remembers `head` as checked.
fn reanchor_since_last(state: &ServerState, root: &std::path::Path, head: &str) {
    let marker = state
        .tracker()
        .journal_dir(Some(root))
        .map(|dir| dir.join(CHECKED_TIP_FILE));
    let checked = marker
        .as_ref()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    match reanchor(
        root,
        head,
        checked.as_deref(),
        REANCHOR_LIMIT,
        SystemTime::now(),
    ) {
        Ok(done) => {
            for (commit, records) in &done.noted {
                tracing::info!("derived provenance note on {commit}: {records} record(s)");
            }
            if done.truncated {
                tracing::info!("re-anchoring looked at the newest {REANCHOR_LIMIT} commits only");
            }
            if let Some(path) = marker {
                let written = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(&path, format!("{}\n", done.tip)));
                if let Err(e) = written {
                    tracing::warn!(
                        "cannot remember the re-anchored tip in {}: {e}",
                        path.display()
                    );
                }
            }
        }
        Err(e) => tracing::warn!("re-anchoring from {head} failed: {e}"),
    }
}
