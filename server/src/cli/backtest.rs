//! `provenance-ls backtest [PATH] [--as-of DATE|REV] [--horizon 180d]
//! [--files N] [--fix-pattern REGEX] [--json]`: how well the risk score
//! predicted fix commits in this repository's past (`crate::backtest`).
//! Also keeps the fitted weights and their check in the history cache
//! (`crate::backtest::cache`) when T is the default (one horizon before
//! HEAD), where `blocks`, the report and hover read them.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::attribution::AttributionIndex;
use crate::backtest::{self, Backtest, Options};
use crate::blocks::FixPattern;
use crate::history::History;

use super::BacktestArgs;

const DAY: i64 = 86_400;

pub fn run(args: BacktestArgs) -> ExitCode {
    match run_inner(&args) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => super::fail(message),
    }
}

fn run_inner(args: &BacktestArgs) -> Result<String, String> {
    let path = args.path.clone().unwrap_or_else(|| ".".into());
    let history = History::discover(&path, super::blame::cache_dir()).map_err(|e| e.to_string())?;
    let attribution = AttributionIndex::load(history.repo());
    let compact: String = args.horizon.split_whitespace().collect();
    let horizon = humantime::parse_duration(&compact)
        .map_err(|e| format!("--horizon {:?}: {e}", args.horizon))?;
    let horizon_days = (horizon.as_secs() as i64 / DAY).max(1) as u32;
    let fix = match &args.fix_pattern {
        Some(p) => FixPattern::new(p).map_err(|e| format!("--fix-pattern: {e}"))?,
        None => FixPattern::default_pattern().clone(),
    };
    let at = match &args.as_of {
        Some(text) => super::moment(&history, Some(text))?.now,
        None => {
            let head = history.commit_time("HEAD").map_err(|e| e.to_string())?;
            head - i64::from(horizon_days) * DAY
        }
    };
    let options = Options {
        at,
        horizon_days,
        files: args.files,
        fix,
        fit: !args.default_weights,
        rows: args.blocks,
    };
    let result = backtest::run(&history, &attribution, &options).map_err(|e| e.to_string())?;
    if args.as_of.is_none() && !args.default_weights && args.fix_pattern.is_none() {
        // The last check of the present: what `blocks` and hover show.
        if let Err(e) = backtest::store_model(history.repo().git_dir(), &result.model) {
            tracing::warn!("could not cache the risk model: {e}");
        }
    }
    if args.json {
        let mut text = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        text.push('\n');
        Ok(text)
    } else {
        Ok(table(&result))
    }
}

fn date(t: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.max(0) as u64);
    humantime::format_rfc3339_seconds(time).to_string()[..10].to_string()
}

fn table(r: &Backtest) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "as of {} ({}), fixes up to {} ({} days)",
        date(r.at),
        &r.at_commit[..r.at_commit.len().min(10)],
        date(r.until),
        r.horizon_days
    );
    let _ = writeln!(
        out,
        "{} files, {} blocks, {} fixed by {} fix commits",
        r.files.len(),
        r.blocks,
        r.fixed_blocks,
        r.fix_commits
    );
    let _ = writeln!(out, "\n{:<12} {:>6} {:>10}", "score", "AUC", "top 10 %");
    for s in &r.scores {
        let auc = s.auc.map_or("-".to_string(), |a| format!("{a:.3}"));
        let top = s
            .top10_share
            .map_or("-".to_string(), |t| format!("{:.1}%", t * 100.0));
        let _ = writeln!(out, "{:<12} {auc:>6} {top:>10}", s.name);
    }
    let _ = writeln!(
        out,
        "\nweights ({}, fitted on {} blocks, {} fixed, in the {} days before):",
        r.model.source, r.fit_blocks, r.fit_fixed_blocks, r.horizon_days
    );
    for (name, w) in &r.model.weights {
        let _ = writeln!(out, "  {name:<28} {w:>5.1}");
    }
    if let Some(line) = r.model.hover_line() {
        let _ = writeln!(out, "\n{line}");
    }
    out
}
