use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::now_ms;
use crate::lsp::convert::{lsp_range, to_text_position};
use crate::lsp::state::{document_key, ServerState};
use crate::provenance::{Region, Source};
use crate::text;

pub fn handle(state: &ServerState, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let uri = position.text_document.uri;
    let (key, _) = document_key(&uri);
    let tracker = state.tracker();
    let Some(document) = tracker.document(&key) else {
        return Ok(None);
    };
    let encoding = state.encoding();
    let offset = text::char_offset(
        &document.text,
        to_text_position(position.position),
        encoding,
    );
    let Some(region) = document
        .regions
        .iter()
        .find(|r| r.start <= offset && offset < r.end.max(r.start + 1))
    else {
        return Ok(None);
    };
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: describe_region(region, now_ms()),
        }),
        range: Some(lsp_range(
            &document.text,
            region.start..region.end,
            encoding,
        )),
    }))
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
        relative_time(now_ms.saturating_sub(region.inserted_at) / 1000)
    )
}

/// "just now", "5 min ago", "3 h ago", "4 days ago".
pub fn relative_time(seconds_ago: u64) -> String {
    match seconds_ago {
        0..=59 => "inserted just now".into(),
        60..=3599 => format!("inserted {} min ago", seconds_ago / 60),
        3600..=86_399 => format!("inserted {} h ago", seconds_ago / 3600),
        _ => format!("inserted {} days ago", seconds_ago / 86_400),
    }
}
