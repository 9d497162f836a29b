use tower_lsp_server::ls_types::*;

use crate::lsp::state::ServerState;

/// Pulls the client's settings where it answers `workspace/configuration`,
/// then asks the client to report file changes on disk, so agent and external
/// writes to files that are not open are seen.
pub async fn handle(state: &ServerState, _params: InitializedParams) {
    super::did_change_configuration::pull_configuration(state).await;
    if !state.client_can_watch_files() {
        return;
    }
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![FileSystemWatcher {
            glob_pattern: GlobPattern::String("**/*".into()),
            kind: Some(WatchKind::Create | WatchKind::Change | WatchKind::Delete),
        }],
    };
    let registration = Registration {
        id: "provenance-watch".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(options).ok(),
    };
    // A client that never answers must not hold a handler slot forever.
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        state.client.register_capability(vec![registration]),
    )
    .await;
    if !matches!(answer, Ok(Ok(()))) {
        tracing::info!(
            "client did not accept file watching; disk writes are seen on the next open"
        );
    }
}
