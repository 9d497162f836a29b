use tower_lsp_server::ls_types::*;

use super::now_ms;
use crate::lsp::state::{document_key, ServerState};

/// A file changed on disk: the lines that differ from the last known content
/// (and, for a closed file, from HEAD) become `agent` (recent mark) or
/// `external` regions — at once for files not open, and with the editor's
/// reload for open ones (docs/classification.md, section 8).
pub fn handle(state: &ServerState, params: DidChangeWatchedFilesParams) {
    for event in params.changes {
        if event.typ == FileChangeType::DELETED {
            continue;
        }
        let (key, Some(path)) = document_key(&event.uri) else {
            continue;
        };
        // Git's own files, and our journal inside them, are not documents.
        if path.components().any(|c| c.as_os_str() == ".git") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            tracing::info!("{}: not UTF-8, not tracked", path.display());
            continue;
        };
        if super::did_open::looks_binary(&text) {
            continue;
        }
        state.tracker().disk_changed(&key, &path, &text, now_ms());
    }
}
