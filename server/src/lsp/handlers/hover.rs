use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::now_ms;
use crate::lsp::churn;
use crate::lsp::convert::{lsp_range, to_text_position};
use crate::lsp::render;
use crate::lsp::state::{document_key, ServerState};
use crate::provenance::{Region, Source};
use crate::text;

pub async fn handle(state: &Arc<ServerState>, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let uri = position.text_document.uri;
    super::require_open(state, &uri)?;
    let (region, range) = match region_under(state, &uri, position.position) {
        Some((markdown, range)) => (Some(markdown), Some(range)),
        None => (None, None),
    };
    let churn = churn::churn_markdown(state, &uri, position.position).await;
    let value = match (region, churn) {
        (None, None) => return Ok(None),
        (Some(r), None) => r,
        (None, Some(c)) => c,
        (Some(r), Some(c)) => format!("{r}\n\n---\n\n{c}"),
    };
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    }))
}

/// The provenance region under `position`, described, with its range.
fn region_under(state: &ServerState, uri: &Uri, position: Position) -> Option<(String, Range)> {
    let (key, _) = document_key(uri);
    let tracker = state.tracker();
    let document = tracker.document(&key)?;
    let encoding = state.encoding();
    let offset = text::char_offset(&document.text, to_text_position(position), encoding);
    let (region, span) = document.region_at(offset)?;
    Some((
        describe_region(region, now_ms()),
        lsp_range(&document.text, span, encoding),
    ))
}

/// What inserted the region, when, whether it changed since, how much is retained.
pub fn describe_region(region: &Region, now_ms: u64) -> String {
    let what = match region.source {
        Source::Pasted => "Pasted".to_string(),
        Source::Completion => "Accepted inline completion".to_string(),
        Source::Agent => "Written by an agent".to_string(),
        Source::Bulk => {
            "Inserted in one block, source unknown (possibly an AI assistant, possibly a paste)"
                .to_string()
        }
        Source::External => "Changed on disk outside the editor".to_string(),
    };
    let what = match region.hunks {
        0 => what,
        n => format!(
            "{what} (the file was rewritten wholesale: {n} changed hunks shown as one region)"
        ),
    };
    let by = match (&region.agent, &region.model) {
        (Some(agent), Some(model)) => format!(" · {agent} ({model})"),
        (Some(agent), None) => format!(" · {agent}"),
        (None, Some(model)) => format!(" · {model}"),
        (None, None) => String::new(),
    };
    let changed = if region.modified {
        format!("changed since, {:.0}% retained", region.retained * 100.0)
    } else {
        "unchanged since".to_string()
    };
    let reviewed = if region.reviewed {
        "reviewed"
    } else {
        "not reviewed"
    };
    format!(
        "**{what}**{by}\n\n{} · {changed} · {reviewed}",
        inserted_ago(now_ms.saturating_sub(region.inserted_at) / 1000)
    )
}

/// "inserted just now", "inserted 5 minutes ago".
fn inserted_ago(seconds: u64) -> String {
    format!(
        "inserted {}",
        render::ago(i64::try_from(seconds).unwrap_or(i64::MAX))
    )
}
