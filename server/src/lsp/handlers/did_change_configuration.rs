use tower_lsp_server::ls_types::*;

use crate::lsp::settings::Settings;
use crate::lsp::state::ServerState;

pub fn handle(state: &ServerState, params: DidChangeConfigurationParams) {
    match Settings::from_value(&params.settings) {
        Ok(settings) => state.set_settings(settings),
        Err(e) => tracing::warn!("{e}; keeping the previous settings"),
    }
    // Severity or on/off may have changed: republish every open document.
    state.mark_all_dirty();
}
