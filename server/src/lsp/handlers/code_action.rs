use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::convert::char_range;
use crate::lsp::protocol::{MarkReviewedArgs, MARK_REVIEWED};
use crate::lsp::state::{document_key, ServerState};

/// Offers "Mark as reviewed" where the range touches an unreviewed region.
pub fn handle(state: &ServerState, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
    let uri = params.text_document.uri;
    let (key, _) = document_key(&uri);
    let tracker = state.tracker();
    let Some(document) = tracker.document(&key) else {
        return Ok(None);
    };
    let encoding = state.encoding();
    let wanted = char_range(&document.text, params.range, encoding);
    let unreviewed: Vec<_> = document
        .regions_at(wanted)
        .filter(|r| !r.reviewed)
        .collect();
    if unreviewed.is_empty() {
        return Ok(None);
    }
    // The asked range itself marks exactly the regions offered here: a
    // region's covering range may hold another one in a gap (a paste inside
    // a completion) that was not asked about.
    let args = MarkReviewedArgs {
        uri: uri.clone(),
        range: params.range,
    };
    let title = if unreviewed.len() == 1 {
        "Mark as reviewed".to_string()
    } else {
        format!("Mark as reviewed ({} regions)", unreviewed.len())
    };
    let action = CodeAction {
        title: title.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(
            params
                .context
                .diagnostics
                .into_iter()
                .filter(|d| d.source.as_deref() == Some("provenance"))
                .collect(),
        ),
        command: Some(Command {
            title,
            command: MARK_REVIEWED.into(),
            arguments: Some(vec![serde_json::to_value(args).unwrap_or_default()]),
        }),
        ..Default::default()
    };
    Ok(Some(vec![CodeActionOrCommand::CodeAction(action)]))
}
