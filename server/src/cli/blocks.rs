//! `provenance-ls blocks PATH [--json]`: the blocks of a file with their
//! churn, AI share and risk — the same list as the LSP request
//! `provenance/blocks`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::attribution::AttributionIndex;
use crate::blocks::{self, BlockReport};
use crate::history::History;

use super::BlocksArgs;

pub fn run(args: BlocksArgs) -> ExitCode {
    match reports(&args.path) {
        Ok(reports) => {
            let mut out = std::io::stdout().lock();
            let written = if args.json {
                serde_json::to_writer_pretty(&mut out, &reports)
                    .map_err(std::io::Error::other)
                    .and_then(|()| writeln!(out))
            } else {
                print_table(&reports, &mut out)
            };
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = written.and_then(|()| out.flush());
            ExitCode::SUCCESS
        }
        Err(message) => super::fail(message),
    }
}

fn reports(path: &Path) -> Result<Vec<BlockReport>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    let history = History::discover(path, super::blame::cache_dir()).map_err(|e| e.to_string())?;
    let index = AttributionIndex::load_at(history.repo().workdir());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    blocks::block_reports(&history, &index, path, &text, now).map_err(|e| e.to_string())
}

fn print_table(reports: &[BlockReport], out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>6}  {:>5}  {:>4}  {:>6}  {:>4}  {:<8}  block",
        "lines", "↻", "90d", "AI", "risk", "level"
    )?;
    for r in reports {
        writeln!(
            out,
            "{:>6}  {:>5}  {:>4}  {:>5.0}%  {:>4}  {:<8}  {}",
            format!("{}-{}", r.block.start_line + 1, r.block.end_line + 1),
            r.commits,
            r.rewrites_90d,
            r.ai_share * 100.0,
            r.risk.score,
            format!("{:?}", r.risk.level).to_lowercase(),
            r.block.name
        )?;
    }
    Ok(())
}
