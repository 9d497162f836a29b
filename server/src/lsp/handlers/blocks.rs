use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, Result};

use crate::blocks::BlockReport;
use crate::lsp::churn;
use crate::lsp::insight::Wait;
use crate::lsp::protocol::BlocksParams;
use crate::lsp::state::ServerState;

/// `provenance/blocks`: the same list as `provenance-ls blocks PATH --json`.
/// An explicit request, so it waits for the history it needs.
pub async fn handle(state: &Arc<ServerState>, params: BlocksParams) -> Result<Vec<BlockReport>> {
    let uri = params.text_document.uri;
    super::require_open(state, &uri)?;
    if churn::document_text(state, &uri).is_none() {
        return Err(Error::invalid_params(format!(
            "no history for {}: not a tracked file on disk",
            uri.as_str()
        )));
    }
    let insight = churn::insight(
        state,
        &uri,
        Wait::Current(std::time::Duration::from_secs(120)),
    )
    .await
    .ok_or_else(Error::internal_error)?;
    if let Some(why) = &insight.unavailable {
        return Err(Error::invalid_params(format!(
            "no history for {}: {why}",
            uri.as_str()
        )));
    }
    Ok(insight.blocks.clone())
}
