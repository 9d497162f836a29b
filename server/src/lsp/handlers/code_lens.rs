use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::churn;
use crate::lsp::insight::Wait;
use crate::lsp::protocol::{ShowHistoryArgs, SHOW_HISTORY};
use crate::lsp::render;
use crate::lsp::settings::HintStyle;
use crate::lsp::state::ServerState;

/// One quiet line per block (`↻ 7 · 43% AI · risk 71`); clicking it shows the
/// block's churn history. Empty while history is being indexed.
pub async fn handle(
    state: &Arc<ServerState>,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>> {
    let uri = params.text_document.uri;
    super::require_open(state, &uri)?;
    let hints = state.settings().hints;
    if !hints.enabled || hints.style == HintStyle::Inlay {
        return Ok(None);
    }
    let Some(insight) = churn::insight(state, &uri, Wait::AnyKnown(churn::REQUEST_BUDGET)).await
    else {
        return Ok(None);
    };
    let lenses = insight
        .blocks
        .iter()
        .map(|report| {
            let start = Position::new(report.block.start_line, 0);
            let args = ShowHistoryArgs {
                uri: uri.clone(),
                position: start,
            };
            CodeLens {
                range: Range::new(start, start),
                command: Some(Command {
                    title: render::block_line(&insight, report),
                    command: SHOW_HISTORY.into(),
                    arguments: Some(vec![serde_json::to_value(args).unwrap_or_default()]),
                }),
                data: None,
            }
        })
        .collect();
    Ok(Some(lenses))
}
