//! `provenance-ls blocks PATH [--json]`: the blocks of a file with churn, AI
//! share and risk — the same list `provenance/blocks` answers in the editor.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use super::BlocksArgs;
use crate::blocks::{block_reports, BlockReport};
use crate::history::Repo;

pub fn run(args: BlocksArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.path) {
        Ok(text) => text,
        Err(error) => {
            return super::fail(format_args!("cannot read {}: {error}", args.path.display()))
        }
    };
    let repo = match Repo::discover(&args.path) {
        Ok(repo) => repo,
        Err(error) => return super::fail(error),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let reports = match block_reports(&repo, &args.path, &text, now) {
        Ok(reports) => reports,
        Err(error) => return super::fail(error),
    };
    if args.json {
        match serde_json::to_string(&reports) {
            Ok(json) => println!("{json}"),
            Err(error) => return super::fail(error),
        }
    } else {
        print!("{}", table(&reports));
    }
    ExitCode::SUCCESS
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
            .map_or_else(|| "-".to_string(), |f| f.name.clone());
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
        crate::blocks::RiskLevel::Low => "low",
        crate::blocks::RiskLevel::Medium => "medium",
        crate::blocks::RiskLevel::High => "high",
    }
}
