use super::now_ms;
use crate::lsp::protocol::EditSourceParams;
use crate::lsp::state::{document_key, ServerState};
use crate::provenance::{Hint, HintSource, Source};

/// `provenance/editSource`: like didChange, applied without `.await` so a
/// hint and the change it names are seen in the order they were sent.
pub fn handle(state: &ServerState, params: EditSourceParams) {
    let uri = params.text_document.uri;
    let parsed =
        serde_json::from_value::<HintSource>(serde_json::Value::String(params.source.clone()));
    let Ok(source) = parsed else {
        tracing::warn!(
            "provenance/editSource: unknown source {:?} for {}: ignored",
            params.source,
            uri.as_str()
        );
        return;
    };
    let (key, path) = document_key(&uri);
    let now = now_ms();
    let mut tracker = state.tracker();
    // A reload from disk is authorship of whoever wrote the file: an agent
    // that left a mark, or someone outside the editor.
    let hint = if source == HintSource::Reload {
        let attribution = tracker.disk_attribution(path.as_deref(), now);
        Hint {
            source: match attribution.source {
                Source::Agent => HintSource::Agent,
                _ => HintSource::External,
            },
            agent: attribution.agent,
            model: attribution.model,
        }
    } else {
        Hint {
            source,
            agent: params.agent,
            model: params.model,
        }
    };
    tracker.hint(
        &key,
        path.as_deref(),
        params.text_document.version,
        hint,
        now,
    );
    drop(tracker);
    state.mark_dirty(&uri);
}
