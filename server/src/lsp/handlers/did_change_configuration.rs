use tower_lsp_server::ls_types::*;

use crate::lsp::state::ServerState;

/// Merges the settings the client sent over the ones it sent before (eglot
/// and coc send `settings: {}` right after start, which must keep the
/// `initializationOptions`), then pulls `workspace/configuration` where the
/// client answers it, as LSP asks servers to.
pub async fn handle(state: &ServerState, params: DidChangeConfigurationParams) {
    if let Err(e) = state.merge_settings(&params.settings) {
        tracing::warn!("{e}; keeping the previous settings");
    }
    pull_configuration(state).await;
    // Severity or on/off may have changed: republish every open document.
    state.mark_all_dirty();
}

/// Asks the client for its `provenance` section and merges the answer; a
/// client that answers `null` (nothing configured) changes nothing.
pub async fn pull_configuration(state: &ServerState) {
    if !state.client_has_configuration() {
        return;
    }
    let items = vec![ConfigurationItem {
        scope_uri: None,
        section: Some("provenance".into()),
    }];
    // A client that never answers must not hold a handler slot forever.
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        state.client.configuration(items),
    )
    .await;
    match answer {
        Ok(Ok(values)) => {
            for value in values.iter().filter(|v| v.is_object()) {
                if let Err(e) = state.merge_settings(value) {
                    tracing::warn!("workspace/configuration: {e}; keeping the previous settings");
                }
            }
        }
        Ok(Err(e)) => tracing::info!("workspace/configuration failed: {e}"),
        Err(_) => tracing::info!("workspace/configuration got no answer"),
    }
}
