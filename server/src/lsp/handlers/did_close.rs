use tower_lsp_server::ls_types::*;

use crate::lsp::state::{document_key, ServerState};

pub async fn handle(state: &ServerState, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    let (key, path) = document_key(&uri);
    state.tracker().close(&key, path.as_deref());
    state.closed(&uri);
    // Regions of a closed document are no longer shown.
    state
        .client
        .publish_diagnostics(uri, Vec::new(), None)
        .await;
}
