use tower_lsp_server::jsonrpc::{Error, Result};

use crate::lsp::convert::document_regions;
use crate::lsp::protocol::{DocumentRegions, RegionsParams};
use crate::lsp::state::{document_key, ServerState};

pub fn handle(state: &ServerState, params: RegionsParams) -> Result<DocumentRegions> {
    let uri = params.text_document.uri;
    let (key, _) = document_key(&uri);
    let tracker = state.tracker();
    let document = tracker.document(&key).ok_or_else(|| {
        let why = if state.is_open(&uri) {
            "has binary content and is not tracked"
        } else {
            "is not open"
        };
        Error::invalid_params(format!("{} {why}", uri.as_str()))
    })?;
    Ok(document_regions(&uri, document, state.encoding()))
}
