//! Debounced publishing: after a document's regions change, the server sends
//! `provenance/regionsChanged` (to clients that opted in) and the diagnostics for unreviewed assistant
//! regions, at most once per `DEBOUNCE` per document. The same task makes
//! journal writes durable on a short timer, retries journals that could
//! not be opened and tells the user about them (`window/showMessage`).

use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::*;

use super::convert::{document_regions, lsp_range};
use super::protocol::{DocumentRegions, RegionsChanged};
use super::state::{document_key, ServerState};
use crate::provenance::Source;

const DEBOUNCE: Duration = Duration::from_millis(100);
const SYNC_EVERY: Duration = Duration::from_millis(200);

pub fn spawn(state: Arc<ServerState>) {
    tokio::spawn(async move {
        loop {
            let _ = tokio::time::timeout(SYNC_EVERY, state.publish_wakeup.notified()).await;
            tokio::time::sleep(DEBOUNCE).await;
            state.sync_journals();
            for message in state.take_journal_messages() {
                state
                    .client
                    .show_message(MessageType::WARNING, message)
                    .await;
            }
            for uri in state.take_dirty() {
                publish(&state, uri).await;
            }
        }
    });
}

async fn publish(state: &ServerState, uri: Uri) {
    let Some((regions, diagnostics)) = collect(state, &uri) else {
        return;
    };
    let version = regions.version;
    if state.wants_custom_notifications() {
        state
            .client
            .send_notification::<RegionsChanged>(regions)
            .await;
    }
    state
        .client
        .publish_diagnostics(uri, diagnostics, Some(version))
        .await;
}

/// Reads what to publish under the lock, then lets it go before any `.await`.
fn collect(state: &ServerState, uri: &Uri) -> Option<(DocumentRegions, Vec<Diagnostic>)> {
    let (key, _) = document_key(uri);
    let settings = state.settings();
    let encoding = state.encoding();
    let tracker = state.tracker();
    let document = tracker.document(&key)?;
    let regions = document_regions(uri, document, encoding);
    let diagnostics = if settings.diagnostics.enabled {
        document
            .regions
            .iter()
            .filter(|r| !r.reviewed)
            .filter(|r| matches!(r.source, Source::Completion | Source::Agent))
            .flat_map(|r| r.spans().iter().map(move |span| (r, span)))
            .map(|(r, span)| Diagnostic {
                range: lsp_range(&document.text, span.clone(), encoding),
                severity: Some(settings.diagnostics.severity.to_lsp()),
                source: Some("provenance".into()),
                code: Some(NumberOrString::String("unreviewed-ai".into())),
                message: unreviewed_message(r),
                ..Default::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    Some((regions, diagnostics))
}

fn unreviewed_message(region: &crate::provenance::Region) -> String {
    let what = match region.source {
        Source::Completion => "accepted completion",
        _ => "agent edit",
    };
    match &region.agent {
        Some(agent) => format!("Unreviewed {what} ({agent})"),
        None => format!("Unreviewed {what}"),
    }
}
