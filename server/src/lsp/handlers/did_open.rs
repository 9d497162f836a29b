use tower_lsp_server::ls_types::*;

use std::sync::Arc;

use super::now_ms;
use crate::lsp::churn;
use crate::lsp::insight::text_hash;
use crate::lsp::state::{document_key, ServerState};

pub fn handle(state: &Arc<ServerState>, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    if looks_binary(&doc.text) {
        tracing::info!("{}: binary content, not tracked", doc.uri.as_str());
        // Open all the same: requests about it get nothing, not "not open".
        state.opened(&doc.uri);
        return;
    }
    if let Some(why) = crate::text::too_large(&doc.text) {
        decline(state, &doc.uri, &why);
        return;
    }
    let (key, path) = document_key(&doc.uri);
    let mut tracker = state.tracker();
    tracker.open(&key, path.as_deref(), doc.version, &doc.text, now_ms());
    if let Some(document) = tracker.document(&key) {
        state
            .insights
            .opened(&key, text_hash(document.text.chunks()));
    }
    drop(tracker);
    state.opened(&doc.uri);
    state.mark_dirty(&doc.uri);
    if path.is_some() {
        churn::index_in_background(state.clone(), doc.uri);
    }
}

/// A NUL in the first 8 KiB is git's own test for binary content.
pub fn looks_binary(text: &str) -> bool {
    text.as_bytes().iter().take(8192).any(|&b| b == 0)
}

/// Tells the user (once per open) that a document is not tracked, and why.
fn decline(state: &Arc<ServerState>, uri: &Uri, why: &str) {
    let name = uri.as_str().rsplit('/').next().unwrap_or_default();
    let message = format!("provenance-ls does not track {name}: {why}");
    tracing::warn!("{}: {message}", uri.as_str());
    let client = state.client.clone();
    tokio::spawn(async move {
        client.show_message(MessageType::WARNING, message).await;
    });
}
