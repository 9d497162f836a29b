//! The command line: with no subcommand the binary speaks LSP on stdio.
//! Each subcommand lives in its own file and turns library errors into
//! messages on stderr and an exit code; nothing here knows git or LSP.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub mod backtest;
pub mod blame;
pub mod blocks;
pub mod history;
pub mod mark;
pub mod report;

#[derive(Debug, Parser)]
#[command(
    name = "provenance-ls",
    version,
    about = "Language server and CLI: which code came from an AI assistant, and whether code like it keeps churning.",
    long_about = "With no subcommand, provenance-ls speaks the Language Server Protocol on stdin/stdout."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Speak LSP on stdin/stdout (the default).
    Lsp,
    /// Record that an agent just wrote a file (for agent hooks).
    Mark(MarkArgs),
    /// Blame a file: the commit that wrote each line, and whether an assistant did.
    Blame(BlameArgs),
    /// The commits that touched a line range, newest first (like `git log -L`).
    History(HistoryArgs),
    /// The blocks of a file (functions, classes, …) with churn, AI share and risk.
    Blocks(BlocksArgs),
    /// How AI-written code survives in this repository compared with human-written code.
    Report(ReportArgs),
    /// How well the risk score predicted fix commits in this repository's past.
    Backtest(BacktestArgs),
}

/// `--as-of DATE|REV`: read the repository as a user at that moment did (docs/risk.md).
const AS_OF_HELP: &str = "Read history as of a moment: YYYY-MM-DD (midnight UTC), an RFC 3339 time, @SECONDS, or a revision (its committer date). Starts at the newest commit of HEAD's first-parent line committed at or before it; nothing later is read.";

#[derive(Debug, Args)]
pub struct MarkArgs {
    /// The file the agent wrote.
    #[arg(long, required_unless_present = "stdin_json")]
    pub file: Option<PathBuf>,
    /// Read the file (and the agent and model, when given) from a hook's JSON
    /// on stdin: Claude Code `tool_input.file_path`, Cursor `file_path`.
    #[arg(long, conflicts_with = "file")]
    pub stdin_json: bool,
    /// The agent's name, e.g. `claude-code`, `cursor`.
    #[arg(long)]
    pub agent: Option<String>,
    /// The model, e.g. `claude-opus-4-5`.
    #[arg(long)]
    pub model: Option<String>,
    /// Tokens the agent spent on this write (replaces what a hook's
    /// transcript says).
    #[arg(long)]
    pub tokens: Option<u64>,
    /// What this write cost, in US dollars.
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<f64>,
}

fn parse_cost(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(cost) if cost.is_finite() && cost >= 0.0 => Ok(cost),
        _ => Err(format!(
            "`{text}` is not an amount of US dollars (like 0.42)"
        )),
    }
}

#[derive(Debug, Args)]
pub struct BlameArgs {
    pub path: PathBuf,
    /// Revision to blame at (default HEAD).
    #[arg(long)]
    pub rev: Option<String>,
    /// Print one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    pub path: PathBuf,
    /// 1-based inclusive line range, `A:B`.
    #[arg(long)]
    pub lines: String,
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_name = "DATE|REV", help = AS_OF_HELP)]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct BlocksArgs {
    pub path: PathBuf,
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_name = "DATE|REV", help = AS_OF_HELP)]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Repository or folder (default: the current directory).
    pub path: Option<PathBuf>,
    /// The moment T scored (default: one horizon before HEAD's committer date).
    #[arg(long, value_name = "DATE|REV")]
    pub as_of: Option<String>,
    /// How long after T fixes are looked for: `180d`, `6 months`, `1y`.
    #[arg(long, default_value = "180d")]
    pub horizon: String,
    /// How many of the busiest source files at T to score.
    #[arg(long, default_value_t = 30)]
    pub files: usize,
    /// What counts as a fix commit: a regular expression over the whole message.
    #[arg(long, value_name = "REGEX")]
    pub fix_pattern: Option<String>,
    /// Score with the default weights only (no fit on the repository's past).
    #[arg(long)]
    pub default_weights: bool,
    #[arg(long)]
    pub json: bool,
    /// With --json: list every scored block with its factor values and label.
    #[arg(long)]
    pub blocks: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Repository or folder to report on (default: the current directory).
    pub path: Option<PathBuf>,
    /// Start of the range: a date (YYYY-MM-DD) or a duration (`90d`, `6 months`).
    #[arg(long)]
    pub since: Option<String>,
    /// End of the range, same forms as --since.
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long)]
    pub json: bool,
    /// Write a self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Split figures by author, agent, model or directory.
    #[arg(long, value_name = "author|agent|model|directory")]
    pub by: Option<String>,
    /// Keep bot commits (dependabot, renovate, …), excluded by default.
    #[arg(long)]
    pub include_bots: bool,
    /// Walk the whole range again instead of resuming from the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// List files only: skip splitting the riskiest files into blocks.
    #[arg(long)]
    pub no_blocks: bool,
    /// Count files matching PATHSPEC even when a default rule leaves them out (repeatable).
    #[arg(long, value_name = "PATHSPEC")]
    pub include: Vec<String>,
    /// Leave out files matching PATHSPEC (repeatable).
    #[arg(long, value_name = "PATHSPEC")]
    pub exclude: Vec<String>,
    /// Count every file: no default rule (generated, vendored, lock, data files…).
    #[arg(long)]
    pub all_files: bool,
    /// Declare an author (email or name) human: their commits are human evidence (repeatable).
    #[arg(long, value_name = "EMAIL|NAME")]
    pub human_author: Vec<String>,
    /// Report as a user at that moment: "now" and the end of the range are
    /// then its date, `YYYY-MM-DD`, an RFC 3339 time, `@SECONDS` or a revision.
    #[arg(long, value_name = "DATE|REV")]
    pub as_of: Option<String>,
    /// What counts as a fix commit, as in `backtest`: a regular expression over the whole message.
    #[arg(long, value_name = "REGEX")]
    pub fix_pattern: Option<String>,
    /// Prices per million tokens by model, as JSON (docs/report.md); none is built in.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Also write the commits and line cohorts as Parquet and JSON Lines into DIR (docs/report.md).
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None | Some(Command::Lsp) => crate::lsp::run_stdio(),
        Some(Command::Mark(args)) => mark::run(args),
        Some(Command::Blame(args)) => blame::run(args),
        Some(Command::History(args)) => history::run(args),
        Some(Command::Blocks(args)) => blocks::run(args),
        Some(Command::Report(args)) => report::run(args),
        Some(Command::Backtest(args)) => backtest::run(args),
    }
}

/// A command's "now" and the commit history is read from.
#[derive(Debug, Clone)]
pub(crate) struct Moment {
    /// Unix seconds.
    pub now: i64,
    /// `None`: HEAD and the work tree (the wall clock).
    pub commit: Option<String>,
}

/// Resolves `--as-of`: a date becomes the newest commit of HEAD's
/// first-parent line committed at or before it; a revision is read as it
/// is, "now" being its committer date. Without `--as-of`: the wall clock.
pub(crate) fn moment(
    history: &crate::history::History,
    as_of: Option<&str>,
) -> Result<Moment, String> {
    use crate::clock::AsOf;
    let Some(text) = as_of else {
        return Ok(Moment {
            now: crate::clock::unix_seconds(),
            commit: None,
        });
    };
    match AsOf::parse(text) {
        AsOf::Date(now) => {
            let commit = history
                .commit_as_of(now)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| {
                    format!("no commit of HEAD's first-parent line is as old as {text}")
                })?;
            Ok(Moment {
                now,
                commit: Some(commit.commit),
            })
        }
        AsOf::Revision(rev) => {
            let now = history.commit_time(&rev).map_err(|e| e.to_string())?;
            Ok(Moment {
                now,
                commit: Some(rev),
            })
        }
    }
}

/// Prints an error for the user and returns the failure exit code.
pub(crate) fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("provenance-ls: {message}");
    ExitCode::FAILURE
}
