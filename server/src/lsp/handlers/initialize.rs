use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::lsp::protocol::{MARK_REVIEWED, SHOW_HISTORY};
use crate::lsp::settings::section;
use crate::lsp::state::ServerState;
use crate::text::PositionEncoding;

pub fn handle(state: &ServerState, params: InitializeParams) -> Result<InitializeResult> {
    let encoding = negotiate_encoding(&params);
    state.set_encoding(encoding);
    state.set_capabilities(params.capabilities.clone());
    state.set_client_can_watch_files(
        params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false),
    );

    state.set_custom_notifications(wants_custom_notifications(&params));
    if let Some(options) = &params.initialization_options {
        if let Err(e) = state.merge_settings(options) {
            tracing::warn!("{e}; using defaults");
        }
    }

    for root in workspace_roots(&params) {
        for notice in state.tracker().add_folder(&root) {
            tracing::info!("{}", notice.0);
        }
    }

    Ok(InitializeResult {
        server_info: Some(ServerInfo {
            name: "provenance-ls".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        capabilities: ServerCapabilities {
            position_encoding: Some(PositionEncodingKind::new(encoding.as_lsp_name())),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_lens_provider: Some(CodeLensOptions {
                resolve_provider: Some(false),
            }),
            inlay_hint_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..Default::default()
            })),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: vec![MARK_REVIEWED.to_string(), SHOW_HISTORY.to_string()],
                ..Default::default()
            }),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..Default::default()
        },
        ..Default::default()
    })
}

/// `provenance/*` notifications go only to clients that ask for them, with
/// `customNotifications: true` in `initializationOptions` (at the top or in
/// its `provenance` object) or in the `experimental` client capabilities:
/// lsp-mode and others warn about every notification they do not know.
fn wants_custom_notifications(params: &InitializeParams) -> bool {
    let flag = |value: Option<&serde_json::Value>| {
        value
            .and_then(|v| v.get("customNotifications"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    let options = params.initialization_options.as_ref();
    flag(options) || flag(options.map(section)) || flag(params.capabilities.experimental.as_ref())
}

/// utf-8 and utf-32 spare the client conversions, so they win when offered;
/// utf-16 is what LSP mandates otherwise.
fn negotiate_encoding(params: &InitializeParams) -> PositionEncoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    let Some(offered) = offered else {
        return PositionEncoding::Utf16;
    };
    for preferred in [
        PositionEncoding::Utf8,
        PositionEncoding::Utf32,
        PositionEncoding::Utf16,
    ] {
        if offered
            .iter()
            .any(|kind| kind.as_str() == preferred.as_lsp_name())
        {
            return preferred;
        }
    }
    PositionEncoding::Utf16
}

fn workspace_roots(params: &InitializeParams) -> Vec<std::path::PathBuf> {
    let mut roots: Vec<_> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
        .collect();
    #[allow(deprecated)]
    if roots.is_empty() {
        if let Some(path) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
            roots.push(path.into_owned());
        }
    }
    roots
}
