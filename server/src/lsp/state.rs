//! Server state. Mutations (didOpen, didChange, editSource, review) go
//! through one ordered path: the `Tracker` behind a mutex, taken without any
//! `.await` in between, so edits apply in the order the client sent them.
//! Requests take the same lock briefly to read; nothing holds it across an
//! `.await`. Long history work never runs under it.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock};

use dashmap::DashMap;
use std::sync::Arc;

use tower_lsp_server::ls_types::{ClientCapabilities, Uri};
use tower_lsp_server::Client;

use crate::persist::Tracker;
use crate::provenance::Thresholds;
use crate::text::PositionEncoding;

use super::insight::Insights;
use super::settings::{Settings, SettingsSource};

pub struct ServerState {
    pub client: Client,
    encoding: OnceLock<PositionEncoding>,
    settings: RwLock<Settings>,
    /// Every settings object the client sent, merged (settings.rs).
    settings_source: Mutex<SettingsSource>,
    /// The client asked for `provenance/*` notifications (docs/protocol.md).
    custom_notifications: AtomicBool,
    tracker: Mutex<Tracker>,
    /// Documents whose regions changed since they were last published.
    dirty: Mutex<HashSet<Uri>>,
    pub publish_wakeup: tokio::sync::Notify,
    can_watch_files: AtomicBool,
    /// The documents the client has open, by URI as the client spells it.
    open: DashMap<Uri, ()>,
    capabilities: OnceLock<ClientCapabilities>,
    /// History insight (blocks, churn, risk) per document.
    pub insights: Arc<Insights>,
}

impl ServerState {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            encoding: OnceLock::new(),
            settings: RwLock::new(Settings::default()),
            settings_source: Mutex::new(SettingsSource::default()),
            custom_notifications: AtomicBool::new(false),
            tracker: Mutex::new(Tracker::new(Thresholds::default(), crate::clock::unix_ms)),
            dirty: Mutex::new(HashSet::new()),
            publish_wakeup: tokio::sync::Notify::new(),
            can_watch_files: AtomicBool::new(false),
            open: DashMap::new(),
            capabilities: OnceLock::new(),
            insights: Arc::new(Insights::default()),
        }
    }

    pub fn encoding(&self) -> PositionEncoding {
        self.encoding
            .get()
            .copied()
            .unwrap_or(PositionEncoding::Utf16)
    }

    pub fn set_encoding(&self, encoding: PositionEncoding) {
        let _ = self.encoding.set(encoding);
    }

    pub fn set_capabilities(&self, capabilities: ClientCapabilities) {
        let _ = self.capabilities.set(capabilities);
    }

    /// The client shows `$/progress` for server-created tokens.
    pub fn client_has_progress(&self) -> bool {
        self.capabilities
            .get()
            .and_then(|c| c.window.as_ref())
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false)
    }

    /// The client re-asks for code lenses / inlay hints when told to.
    pub fn client_refreshes(&self) -> (bool, bool) {
        let workspace = self.capabilities.get().and_then(|c| c.workspace.as_ref());
        let lens = workspace
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        let inlay = workspace
            .and_then(|w| w.inlay_hint.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        (lens, inlay)
    }

    pub fn client_can_watch_files(&self) -> bool {
        self.can_watch_files.load(Ordering::Relaxed)
    }

    pub fn set_client_can_watch_files(&self, can: bool) {
        self.can_watch_files.store(can, Ordering::Relaxed);
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The client answers `workspace/configuration`.
    pub fn client_has_configuration(&self) -> bool {
        self.capabilities
            .get()
            .and_then(|c| c.workspace.as_ref())
            .and_then(|w| w.configuration)
            .unwrap_or(false)
    }

    /// The client opted in to `provenance/regionsChanged` and any other
    /// `provenance/*` notification; others would warn about them.
    pub fn wants_custom_notifications(&self) -> bool {
        self.custom_notifications.load(Ordering::Relaxed)
    }

    pub fn set_custom_notifications(&self, wanted: bool) {
        self.custom_notifications.store(wanted, Ordering::Relaxed);
    }

    /// Merges a settings object from the client over the ones it sent before
    /// and applies the result; a malformed object changes nothing.
    pub fn merge_settings(&self, patch: &serde_json::Value) -> Result<(), String> {
        let merged = self
            .settings_source
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .merge(patch)?;
        if merged != self.settings() {
            self.set_settings(merged);
        }
        Ok(())
    }

    fn set_settings(&self, settings: Settings) {
        {
            let mut tracker = self.tracker();
            tracker.set_thresholds(settings.thresholds.clone());
            tracker.set_mark_window_ms(settings.marks.window_seconds * 1000);
            tracker.set_journal_override(settings.journal.path.clone());
        }
        self.insights
            .set_journal_override(settings.journal.path.clone());
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    /// The ordered mutation path. A poisoned lock is recovered: a panic in one
    /// handler must not take every later edit down with it.
    pub fn tracker(&self) -> MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn mark_dirty(&self, uri: &Uri) {
        self.dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uri.clone());
        self.publish_wakeup.notify_one();
    }

    pub fn opened(&self, uri: &Uri) {
        self.open.insert(uri.clone(), ());
    }

    pub fn closed(&self, uri: &Uri) {
        self.open.remove(uri);
    }

    /// The client has the document open (tracked or not, e.g. binary).
    pub fn is_open(&self, uri: &Uri) -> bool {
        self.open.contains_key(uri)
    }

    pub fn mark_all_dirty(&self) {
        let uris: Vec<Uri> = self.open.iter().map(|e| e.key().clone()).collect();
        for uri in &uris {
            self.mark_dirty(uri);
        }
    }

    pub fn take_dirty(&self) -> Vec<Uri> {
        self.dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect()
    }

    /// Makes journal writes durable; called before answering any request.
    /// Also retries journals that could not be opened.
    pub fn sync_journals(&self) {
        for notice in self.tracker().sync() {
            tracing::error!("{}", notice.0);
        }
    }

    /// What the user must be told about the journals (each said once).
    pub fn take_journal_messages(&self) -> Vec<String> {
        self.tracker().take_user_messages()
    }
}

/// The key a document has in the core: its absolute path for `file:` URIs
/// (so editors that spell the URI differently agree), else the URI itself.
pub fn document_key(uri: &Uri) -> (String, Option<PathBuf>) {
    match uri.to_file_path() {
        Some(path) => {
            let path = path.into_owned();
            (path.to_string_lossy().into_owned(), Some(path))
        }
        None => (uri.as_str().to_string(), None),
    }
}
