//! The `LanguageServer` implementation: each method forwards to its handler.

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::handlers;
use super::protocol::{BlocksParams, DocumentRegions, EditSourceParams, RegionsParams};
use super::state::ServerState;

pub struct Backend {
    pub state: Arc<ServerState>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        let state = Arc::new(ServerState::new(client));
        super::publish::spawn(state.clone());
        super::head_watch::spawn(state.clone());
        Self { state }
    }

    pub async fn regions(&self, params: RegionsParams) -> Result<DocumentRegions> {
        let _span = tracing::debug_span!("provenance/regions").entered();
        self.state.sync_journals();
        handlers::regions::handle(&self.state, params)
    }

    pub async fn blocks(&self, params: BlocksParams) -> Result<Vec<crate::blocks::BlockReport>> {
        self.state.sync_journals();
        handlers::blocks::handle(&self.state, params).await
    }

    pub async fn edit_source(&self, params: EditSourceParams) {
        handlers::edit_source::handle(&self.state, params)
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        handlers::initialize::handle(&self.state, params)
    }

    async fn initialized(&self, params: InitializedParams) {
        handlers::initialized::handle(&self.state, params).await
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.sync_journals();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        handlers::did_open::handle(&self.state, params)
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        handlers::did_change::handle(&self.state, params)
    }

    async fn did_save(&self, _params: DidSaveTextDocumentParams) {
        // The buffer is already known from didChange; a save changes nothing
        // here (a later disk change from elsewhere is seen by the watcher).
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        handlers::did_close::handle(&self.state, params).await
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        handlers::did_change_configuration::handle(&self.state, params).await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        handlers::did_change_workspace_folders::handle(&self.state, params)
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        handlers::did_change_watched_files::handle(&self.state, params)
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.state.sync_journals();
        handlers::hover::handle(&self.state, params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.state.sync_journals();
        handlers::code_lens::handle(&self.state, params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.state.sync_journals();
        handlers::inlay_hint::handle(&self.state, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.state.sync_journals();
        handlers::code_action::handle(&self.state, params)
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command == super::protocol::SHOW_HISTORY {
            self.state.sync_journals();
            return handlers::execute_command::show_history(&self.state, params.arguments).await;
        }
        let result = handlers::execute_command::handle(&self.state, params);
        self.state.sync_journals();
        result
    }
}
