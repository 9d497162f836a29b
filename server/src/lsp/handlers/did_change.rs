use tower_lsp_server::ls_types::*;

use super::now_ms;
use crate::lsp::convert::to_text_position;
use std::sync::Arc;

use crate::lsp::churn;
use crate::lsp::insight::text_hash;
use crate::lsp::shift::LineEdit;
use crate::lsp::state::{document_key, ServerState};
use crate::text::{changes_from_edits, Change, TextEdit};

/// Applied synchronously, with no `.await`: this keeps edits in the order
/// the client sent them even though handlers run concurrently.
pub fn handle(state: &Arc<ServerState>, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri;
    let (key, path) = document_key(&uri);
    let edits: Vec<TextEdit> = params
        .content_changes
        .into_iter()
        .map(|change| TextEdit {
            range: change
                .range
                .map(|r| (to_text_position(r.start), to_text_position(r.end))),
            text: change.text,
        })
        .collect();
    let encoding = state.encoding();
    let mut tracker = state.tracker();
    let (changes, lines) = match tracker.document(&key) {
        Some(document) => {
            let changes = changes_from_edits(&document.text, &edits, encoding);
            let lines = line_edits(&document.text, &changes);
            (changes, lines)
        }
        None => {
            tracing::warn!("didChange for {} which is not open: ignored", uri.as_str());
            return;
        }
    };
    tracker.change(
        &key,
        path.as_deref(),
        params.text_document.version,
        &changes,
        now_ms(),
    );
    // History insight moves with the text, under the same lock, so a
    // request that reads the text reads the insight of that text.
    let generation = tracker.document(&key).map(|document| {
        let hash = text_hash(document.text.chunks());
        state.insights.edited(&key, lines, hash);
        state.insights.generation(&key)
    });
    drop(tracker);
    if let (Some(generation), Some(_)) = (generation, &path) {
        churn::reindex_after_edit(state.clone(), uri.clone(), generation);
    }
    state.mark_dirty(&uri);
}

/// The batch's changes as line edits, each against the text the one
/// before it left; `None` if one of them cannot be followed by lines.
fn line_edits(before: &ropey::Rope, changes: &[Change]) -> Option<Vec<LineEdit>> {
    let mut text = before.clone();
    let mut lines = Vec::with_capacity(changes.len());
    for change in changes {
        lines.push(LineEdit::of(&text, change)?);
        change.apply(&mut text);
    }
    Some(lines)
}
