//! The LSP layer: converts positions and types at the edge and calls into the
//! core. Logs go to stderr, never stdout (stdout is the protocol).

use std::process::ExitCode;

use tower_lsp_server::{LspService, Server};

pub mod convert;
pub mod handlers;
pub mod protocol;
mod publish;
pub mod server;
pub mod settings;
pub mod state;

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
    runtime.block_on(async {
        let (service, socket) = LspService::build(Backend::new)
            .custom_method(protocol::REGIONS, Backend::regions)
            .custom_method(protocol::EDIT_SOURCE, Backend::edit_source)
            .finish();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    ExitCode::SUCCESS
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
