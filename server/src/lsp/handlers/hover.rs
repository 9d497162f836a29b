use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::now_ms;
use crate::lsp::churn;
use crate::lsp::convert::{lsp_range, to_text_position};
use crate::lsp::render;
use crate::lsp::state::{document_key, ServerState};
use crate::provenance::{Region, Source, Usage};
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
        // never a shown region: typed text is kept apart (DocumentState::typed)
        Source::Typed => "Typed in the editor".to_string(),
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
    let spent = region
        .usage
        .as_ref()
        .map(describe_usage)
        .unwrap_or_default();
    format!(
        "**{what}**{by}\n\n{} · {changed} · {reviewed}{spent}",
        inserted_ago(now_ms.saturating_sub(region.inserted_at) / 1000)
    )
}

/// "The session spent 1,143 tokens since its previous mark (3 input, 40
/// output, 1,000 cache read, 100 cache write) · $0.25", after a paragraph break.
fn describe_usage(usage: &Usage) -> String {
    let mut kinds = Vec::new();
    for (count, kind) in [
        (usage.input_tokens, "input"),
        (usage.output_tokens, "output"),
        (usage.cache_read_tokens, "cache read"),
        (usage.cache_write_tokens, "cache write"),
    ] {
        if count > 0 {
            kinds.push(format!("{} {kind}", grouped(count)));
        }
    }
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!(" ({})", kinds.join(", "))
    };
    let cost = usage
        .cost_usd
        .map(|c| format!(" · ${c:.2}"))
        .unwrap_or_default();
    // A session's count runs from its previous mark; a hook's own figure
    // (`--tokens`) is for the write.
    let tokens = grouped(usage.tokens);
    let spent = if usage.session.is_some() {
        format!("The session spent {tokens} tokens since its previous mark")
    } else {
        format!("The agent spent {tokens} tokens on this write")
    };
    format!("\n\n{spent}{kinds}{cost}")
}

/// 1143 → "1,143".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "inserted just now", "inserted 5 minutes ago".
fn inserted_ago(seconds: u64) -> String {
    format!(
        "inserted {}",
        render::ago(i64::try_from(seconds).unwrap_or(i64::MAX))
    )
}
