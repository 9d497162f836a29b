use tower_lsp_server::ls_types::*;

use super::now_ms;
use crate::lsp::convert::to_text_position;
use crate::lsp::state::{document_key, ServerState};
use crate::text::{changes_from_edits, TextEdit};

/// Applied synchronously, with no `.await`: this keeps edits in the order
/// the client sent them even though handlers run concurrently.
pub fn handle(state: &ServerState, params: DidChangeTextDocumentParams) {
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
    let changes = match tracker.document(&key) {
        Some(document) => changes_from_edits(&document.text, &edits, encoding),
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
    drop(tracker);
    state.mark_dirty(&uri);
}
