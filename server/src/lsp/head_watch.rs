//! Watches HEAD of each workspace folder. When it moves to a new commit, the
//! committed lines that came from assistant regions are written as an Agent
//! Trace note on `refs/notes/provenance` (`crate::commit_trace`), and the
//! client is asked to refresh its code lenses and hints. Polling a ref is a
//! few file reads; file watchers often exclude `.git`, so this does not rely
//! on them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::churn::refresh_hints;
use super::state::ServerState;
use crate::attribution::write_provenance_note;
use crate::commit_trace::commit_traces;

const POLL_EVERY: Duration = Duration::from_secs(1);

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
    Some((head, moved))
}
