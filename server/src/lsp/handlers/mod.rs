//! One handler per LSP method: parse params → ask the core → convert the answer.

pub mod blocks;
pub mod code_action;
pub mod code_lens;
pub mod did_change;
pub mod did_change_configuration;
pub mod did_change_watched_files;
pub mod did_change_workspace_folders;
pub mod did_close;
pub mod did_open;
pub mod edit_source;
pub mod execute_command;
pub mod hover;
pub mod initialize;
pub mod initialized;
pub mod inlay_hint;
pub mod regions;

/// Unix time in milliseconds: the only clock the provenance core sees.
pub use crate::clock::unix_ms as now_ms;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::Uri;

/// Requests about a document must name an open one (docs/protocol.md,
/// "Errors and limits"): -32602 "… is not open" otherwise, never a silent
/// null. An open document the server does not track (binary content) passes:
/// it has nothing to show, which is not an error an editor should pop up.
pub fn require_open(state: &crate::lsp::state::ServerState, uri: &Uri) -> Result<()> {
    let (key, _) = crate::lsp::state::document_key(uri);
    if state.tracker().document(&key).is_some() || state.is_open(uri) {
        return Ok(());
    }
    Err(Error::invalid_params(format!(
        "{} is not open",
        uri.as_str()
    )))
}
