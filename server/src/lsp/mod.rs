//! The LSP layer: converts positions and types at the edge and calls into the
//! core. Logs go to stderr, never stdout (stdout is the protocol).

use std::process::ExitCode;

use tower_lsp_server::{LspService, Server};

pub mod churn;
pub mod convert;
pub mod handlers;
mod head_watch;
pub mod insight;
mod progress;
pub mod protocol;
mod publish;
pub mod render;
pub mod server;
pub mod settings;
pub mod shift;
pub mod state;
pub mod transport;

use server::Backend;

pub fn run_stdio() -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return crate::cli::fail(format!("cannot start the async runtime: {e}")),
    };
    let state = std::sync::Arc::new(std::sync::OnceLock::new());
    let keep = state.clone();
    runtime.block_on(async move {
        let (service, socket) = LspService::build(move |client| {
            let backend = Backend::new(client);
            let _ = keep.set(backend.state.clone());
            backend
        })
        .custom_method(protocol::REGIONS, Backend::regions)
        .custom_method(protocol::EDIT_SOURCE, Backend::edit_source)
        .custom_method(protocol::BLOCKS, Backend::blocks)
        .finish();
        serve_guarded(service, socket).await;
    });
    // Whatever was appended since the last sync is made durable on the way out.
    if let Some(state) = state.get() {
        state.sync_journals();
    }
    // The stdin reader may still be blocked in a read: don't wait for it.
    runtime.shutdown_background();
    ExitCode::SUCCESS
}

/// Serves over stdio through the guard in `transport`.
async fn serve_guarded(service: LspService<Backend>, socket: tower_lsp_server::ClientSocket) {
    let (to_server, server_input) = tokio::io::duplex(1 << 20);
    let (server_output, from_server) = tokio::io::duplex(1 << 20);
    let (frames, queued) = tokio::sync::mpsc::unbounded_channel();
    let guard = tokio::spawn(transport::guard_input(
        tokio::io::stdin(),
        to_server,
        frames.clone(),
    ));
    let forward = tokio::spawn(transport::forward_output(from_server, frames));
    let writer = tokio::spawn(transport::write_output(queued, tokio::io::stdout()));
    Server::new(server_input, server_output, socket)
        .serve(service)
        .await;
    // The server has exited: stop reading, let the last answers out.
    guard.abort();
    let _ = forward.await;
    let _ = writer.await;
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PROVENANCE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
