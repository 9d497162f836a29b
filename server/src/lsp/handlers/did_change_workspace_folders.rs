use tower_lsp_server::ls_types::*;

use crate::lsp::state::ServerState;

pub fn handle(state: &ServerState, params: DidChangeWorkspaceFoldersParams) {
    let mut tracker = state.tracker();
    for folder in params.event.removed {
        if let Some(path) = folder.uri.to_file_path() {
            for notice in tracker.remove_folder(&path) {
                tracing::warn!("{}", notice.0);
            }
        }
    }
    for folder in params.event.added {
        if let Some(path) = folder.uri.to_file_path() {
            for notice in tracker.add_folder(&path) {
                tracing::info!("{}", notice.0);
            }
        }
    }
}
