//! `provenance-ls blocks PATH [--json]`: the blocks of a file with their
//! churn, AI share and risk — the same list as the LSP request
//! `provenance/blocks`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::attribution::AttributionIndex;
use crate::blocks::{self, BlockReport, RiskLevel};
use crate::history::History;

use super::BlocksArgs;

pub fn run(args: BlocksArgs) -> ExitCode {
    match reports(&args.path, args.as_of.as_deref()) {
        Ok(reports) => {
            let mut out = std::io::stdout().lock();
            let written = if args.json {
                serde_json::to_writer_pretty(&mut out, &reports)
                    .map_err(std::io::Error::other)
                    .and_then(|()| writeln!(out))
            } else {
                out.write_all(table(&reports).as_bytes())
            };
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = written.and_then(|()| out.flush());
            ExitCode::SUCCESS
        }
        Err(message) => super::fail(message),
    }
}

fn reports(path: &Path, as_of: Option<&str>) -> Result<Vec<BlockReport>, String> {
    let history = History::discover(path, super::blame::cache_dir()).map_err(|e| e.to_string())?;
    let index = AttributionIndex::load(history.repo());
    let moment = super::moment(&history, as_of)?;
    let weights = crate::backtest::cached_weights(history.repo().git_dir());
    if let Some(commit) = &moment.commit {
        // As of T: the file as committed then, its history up to then.
        return blocks::block_reports_at(&history, &index, path, commit, moment.now, &weights)
            .map_err(|e| e.to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    blocks::block_reports_fitted(&history, &index, path, &text, moment.now, &weights)
        .map_err(|e| e.to_string())
}

/// A table for people: 1-based lines, percentages, the risk's largest factor.
fn table(reports: &[BlockReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<9} {:<11} {:>4} {:>8} {:>7} {:>7} {:>7} {:>6}  {:<24} name",
        "lines", "risk", "ai", "churn14d", "rewr90d", "commits", "authors", "age", "main factor"
    );
    for r in reports {
        let lines = format!("{}-{}", r.block.start_line + 1, r.block.end_line + 1);
        let risk = format!("{} {}", r.risk.score, level_word(r));
        let main = r
            .risk
            .factors
            .iter()
            .filter(|f| f.value > 0.0)
            .max_by(|a, b| (a.value * a.weight).total_cmp(&(b.value * b.weight)))
            .map_or_else(|| "-".to_string(), |f| f.label().to_string());
        let _ = writeln!(
            out,
            "{lines:<9} {risk:<11} {:>3.0}% {:>7.1}% {:>7} {:>7} {:>7} {:>5}d  {main:<24} {}",
            r.ai_share * 100.0,
            r.churn_14d * 100.0,
            r.rewrites_90d,
            r.commits,
            r.authors,
            r.age_days,
            r.block.name,
        );
    }
    out
}

fn level_word(report: &BlockReport) -> &'static str {
    match report.risk.level {
        RiskLevel::Low => "low",
        RiskLevel::Medium => "medium",
        RiskLevel::High => "high",
    }
}
