use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::churn;
use crate::lsp::insight::Wait;
use crate::lsp::render;
use crate::lsp::settings::HintStyle;
use crate::lsp::state::ServerState;

/// The block summary at the end of each block's header line (the `fn`,
/// `def` or `class` line, past the doc comments and attributes the block
/// starts with), when hints are set to `inlay` or `both`.
pub async fn handle(
    state: &Arc<ServerState>,
    params: InlayHintParams,
) -> Result<Option<Vec<InlayHint>>> {
    let uri = params.text_document.uri;
    super::require_open(state, &uri)?;
    let hints = state.settings().hints;
    if !hints.enabled || hints.style == HintStyle::CodeLens {
        return Ok(None);
    }
    let Some(insight) = churn::insight(state, &uri, Wait::AnyKnown(churn::REQUEST_BUDGET)).await
    else {
        return Ok(None);
    };
    let line_ends = line_ends(state, &uri);
    let hints = insight
        .blocks
        .iter()
        .filter(|r| {
            params.range.start.line <= r.block.definition_line
                && r.block.definition_line <= params.range.end.line
        })
        .map(|report| {
            let line = report.block.definition_line;
            let character = line_ends.get(line as usize).copied().unwrap_or(0);
            InlayHint {
                position: Position::new(line, character),
                label: InlayHintLabel::String(render::block_line(&insight, report)),
                kind: None,
                text_edits: None,
                // What `↻`, `% AI` and `risk` mean, where the line is shown.
                tooltip: Some(InlayHintTooltip::String(
                    render::block_legend(&insight, report).into(),
                )),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            }
        })
        .collect();
    Ok(Some(hints))
}

/// The end of each line in the negotiated encoding.
fn line_ends(state: &ServerState, uri: &Uri) -> Vec<u32> {
    let Some((_, _, rope, _)) = churn::document_text(state, uri) else {
        return Vec::new();
    };
    let encoding = state.encoding();
    (0..rope.len_lines())
        .map(|line| {
            let end = crate::text::char_offset(
                &rope,
                crate::text::TextPosition::new(line as u32, u32::MAX),
                encoding,
            );
            crate::text::position(&rope, end, encoding).character
        })
        .collect()
}
