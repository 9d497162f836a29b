use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::lsp::convert::char_range;
use crate::lsp::protocol::{MarkReviewedArgs, MARK_REVIEWED};
use crate::lsp::state::{document_key, ServerState};

pub fn handle(state: &ServerState, params: ExecuteCommandParams) -> Result<Option<Value>> {
    match params.command.as_str() {
        MARK_REVIEWED => {
            let args: MarkReviewedArgs = params
                .arguments
                .into_iter()
                .next()
                .ok_or_else(|| Error::invalid_params("provenance.markReviewed needs {uri, range}"))
                .and_then(|v| {
                    serde_json::from_value(v).map_err(|e| Error::invalid_params(e.to_string()))
                })?;
            let marked = mark_reviewed(state, &args.uri, args.range)?;
            Ok(Some(Value::from(marked)))
        }
        other => Err(Error::invalid_params(format!("unknown command {other:?}"))),
    }
}

pub fn mark_reviewed(state: &ServerState, uri: &Uri, range: Range) -> Result<usize> {
    let (key, path) = document_key(uri);
    let mut tracker = state.tracker();
    let chars = match tracker.document(&key) {
        Some(document) => char_range(&document.text, range, state.encoding()),
        None => {
            return Err(Error::invalid_params(format!(
                "{} is not open",
                uri.as_str()
            )))
        }
    };
    let marked = tracker.mark_reviewed(&key, path.as_deref(), chars);
    drop(tracker);
    state.mark_dirty(uri);
    Ok(marked)
}
