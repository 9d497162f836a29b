use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::lsp::convert::char_range;
use std::sync::Arc;

use crate::lsp::churn;
use crate::lsp::protocol::{MarkReviewedArgs, ShowHistoryArgs, MARK_REVIEWED};
use crate::lsp::state::{document_key, ServerState};

pub fn handle(state: &ServerState, params: ExecuteCommandParams) -> Result<Option<Value>> {
    match params.command.as_str() {
        MARK_REVIEWED => {
            let args: MarkReviewedArgs = first_argument(
                params.arguments,
                "provenance.markReviewed needs {uri, range}",
            )?;
            let marked = mark_reviewed(state, &args.uri, args.range)?;
            Ok(Some(Value::from(marked)))
        }
        other => Err(Error::invalid_params(format!("unknown command {other:?}"))),
    }
}

/// `provenance.showHistory {uri, position}` → the churn history markdown.
pub async fn show_history(
    state: &Arc<ServerState>,
    arguments: Vec<Value>,
) -> Result<Option<Value>> {
    let args: ShowHistoryArgs =
        first_argument(arguments, "provenance.showHistory needs {uri, position}")?;
    let markdown = churn::churn_markdown(state, &args.uri, args.position)
        .await
        .ok_or_else(|| Error::invalid_params(format!("{} is not open", args.uri.as_str())))?;
    Ok(Some(Value::String(markdown)))
}

fn first_argument<T: serde::de::DeserializeOwned>(arguments: Vec<Value>, usage: &str) -> Result<T> {
    let value = arguments
        .into_iter()
        .next()
        .ok_or_else(|| Error::invalid_params(usage.to_string()))?;
    serde_json::from_value(value).map_err(|e| Error::invalid_params(format!("{usage}: {e}")))
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
