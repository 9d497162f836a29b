//! History shown for a document: the insight of its current text (blocks,
//! risk) and the churn history of the block under a position. Shared by
//! hover, code lenses, inlay hints, `provenance/blocks` and the
//! `provenance.showHistory` command.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::{Position, Uri};

use ropey::Rope;

use super::convert::to_text_position;
use super::insight::{now_seconds, FileInsight, ShownCommit, Wait};
use super::render;
use super::state::{document_key, ServerState};
use crate::blocks::BlockReport;
use crate::text;

/// How long a request waits for a cold history computation before it
/// answers with what is known.
pub const REQUEST_BUDGET: Duration = Duration::from_millis(1500);
/// How long a hover (or the history view) stays pending on history that is
/// not read yet: the client shows its own "loading" meanwhile and then gets
/// the real answer, instead of an "indexing…" that stays until the mouse
/// moves. A hover the client cancels leaves the work running for the next.
pub const HOVER_BUDGET: Duration = Duration::from_secs(10);
/// Background indexing after open may take as long as it needs.
const INDEX_BUDGET: Duration = Duration::from_secs(600);

/// The open document's key, path and text, with the edit generation of
/// that text, read under the lock (a rope clone shares its nodes, so this
/// copies nothing).
pub fn document_text(state: &ServerState, uri: &Uri) -> Option<(String, PathBuf, Rope, u64)> {
    let (key, path) = document_key(uri);
    let path = path?;
    let tracker = state.tracker();
    let text = tracker.document(&key)?.text.clone();
    let generation = state.insights.generation(&key);
    Some((key, path, text, generation))
}

/// The insight of an open document, waiting as `wait` says.
pub async fn insight(state: &Arc<ServerState>, uri: &Uri, wait: Wait) -> Option<Arc<FileInsight>> {
    let (key, path, text, generation) = document_text(state, uri)?;
    let refresh_state = state.clone();
    state
        .insights
        .get(key, path, text.to_string(), generation, wait, move || {
            tokio::spawn(async move { refresh_hints(&refresh_state).await });
        })
        .await
}

/// How long a document must go without edits before its history is read
/// again in the background (hints meanwhile come from the moved insight).
const REINDEX_QUIET: Duration = Duration::from_millis(750);

/// Reads the history of an edited document again once edits pause, then
/// asks the client to refresh its lenses and hints: the moved insight is
/// right about lines, the new one is right about numbers too. `generation`
/// is the document's edit generation after this edit; a later edit
/// schedules its own.
pub fn reindex_after_edit(state: Arc<ServerState>, uri: Uri, generation: u64) {
    tokio::spawn(async move {
        tokio::time::sleep(REINDEX_QUIET).await;
        let (key, _) = document_key(&uri);
        if state.insights.generation(&key) != generation {
            return;
        }
        if insight(&state, &uri, Wait::Current(INDEX_BUDGET))
            .await
            .is_some_and(|found| found.exact)
        {
            refresh_hints(&state).await;
        }
    });
}

/// Indexes a newly opened document in the background, reporting `$/progress`,
/// then asks the client to refresh its lenses and hints.
pub fn index_in_background(state: Arc<ServerState>, uri: Uri) {
    tokio::spawn(async move {
        let name = uri
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let (key, _) = document_key(&uri);
        let found = super::progress::while_indexing(
            &state,
            &key,
            &name,
            insight(&state, &uri, Wait::Current(INDEX_BUDGET)),
        )
        .await;
        if found.is_some() {
            refresh_hints(&state).await;
        }
    });
}

/// Asks the client to re-request code lenses and inlay hints, if it can.
pub async fn refresh_hints(state: &ServerState) {
    let (lens, inlay) = state.client_refreshes();
    let wait = Duration::from_secs(5);
    if lens {
        let _ = tokio::time::timeout(wait, state.client.code_lens_refresh()).await;
    }
    if inlay {
        let _ = tokio::time::timeout(wait, state.client.inlay_hint_refresh()).await;
    }
}

/// The innermost block holding 0-based `line`.
pub fn block_at(insight: &FileInsight, line: u32) -> Option<&BlockReport> {
    insight
        .blocks
        .iter()
        .filter(|b| b.block.start_line <= line && line <= b.block.end_line)
        .min_by_key(|b| b.block.end_line - b.block.start_line)
}

/// The run of lines outside every block that holds 0-based `line`, if the
/// insight has its history (callers ask only for lines outside all blocks,
/// so any known range holding the line is such a run).
fn gap_at(insight: &FileInsight, line: u32) -> Option<(u32, u32)> {
    insight
        .recent
        .iter()
        .map(|entry| *entry.key())
        .filter(|&(start, end)| start <= line && line <= end)
        .min_by_key(|&(start, end)| end - start)
}

/// The churn history of the code at `position`, as markdown; `None` when the
/// document is not open. Says why when history is unavailable.
pub async fn churn_markdown(
    state: &Arc<ServerState>,
    uri: &Uri,
    position: Position,
) -> Option<String> {
    let (_, path, rope, _) = document_text(state, uri)?;
    let offset = text::char_offset(&rope, to_text_position(position), state.encoding());
    let line = rope.char_to_line(offset) as u32;
    let Some(found) = insight(state, uri, Wait::AnyKnown(HOVER_BUDGET)).await else {
        return Some("**Churn history** · indexing… hover again in a moment.".into());
    };
    if let Some(why) = &found.unavailable {
        return Some(format!("**Churn history** unavailable: {why}"));
    }
    let block = block_at(&found, line).cloned();
    let fresh = found.is_fresh(line);
    let (start, end, title) = match &block {
        Some(b) => (
            b.block.start_line,
            b.block.end_line,
            format!(
                "`{}` (lines {}–{})",
                b.block.name,
                b.block.start_line + 1,
                b.block.end_line + 1
            ),
        ),
        // A line written since history was read has none, whatever the
        // line of that number at HEAD went through.
        None if fresh => {
            return Some(render::churn_history(
                &format!("line {}", line + 1),
                None,
                &[],
                now_seconds(),
                None,
            ))
        }
        // Outside every block: the run of lines between blocks it is in,
        // whose history the indexing walk found with the blocks'.
        None => match gap_at(&found, line) {
            Some((start, end)) if start == end => (start, end, format!("line {}", line + 1)),
            Some((start, end)) => (
                start,
                end,
                format!("lines {}–{} (outside any block)", start + 1, end + 1),
            ),
            None => (line, line, format!("line {}", line + 1)),
        },
    };
    // How the score did on this repository's past, from `backtest`'s cached model.
    let risk_note = block.as_ref().and_then(|_| {
        let repo = state.insights.repo_for(&path).ok()?;
        crate::backtest::cached_model(repo.history.repo().git_dir())?.hover_line()
    });
    let commits = match found.recent.get(&(start, end)).map(|c| c.clone()) {
        Some(commits) => commits,
        None => match recent_commits(state, &found, path, start, end).await {
            Ok(commits) => commits,
            Err(markdown) => return Some(markdown),
        },
    };
    let mut markdown = render::churn_history(
        &title,
        block.as_ref(),
        &commits,
        now_seconds(),
        risk_note.as_deref(),
    );
    if fresh {
        markdown.push_str(&format!("\n\nLine {} is not committed yet.", line + 1));
    }
    Some(markdown)
}

/// Reads the recent commits of a range on the blocking pool and keeps them
/// with the insight; on failure, the markdown that says why. A read that
/// outlives the wait goes on, and the next hover gets its answer.
async fn recent_commits(
    state: &Arc<ServerState>,
    found: &Arc<FileInsight>,
    path: PathBuf,
    start: u32,
    end: u32,
) -> Result<Arc<Vec<ShownCommit>>, String> {
    // Indexing walks every block and every run of lines between them, so
    // this only happens for text the index has not seen (tests look for it).
    tracing::debug!(start, end, "hover reads history on its own");
    let read = state
        .insights
        .recent_commits_within(path, found.head.clone(), (start, end), HOVER_BUDGET)
        .await;
    match read {
        Some(Ok(commits)) => {
            found.recent.insert((start, end), commits.clone());
            Ok(commits)
        }
        Some(Err(e)) => Err(format!("**Churn history** unavailable: {e}")),
        None => Err("**Churn history** · still reading history… hover again in a moment.".into()),
    }
}
