//! `provenance-ls history`: the commits that changed a line range, newest
//! first, like `git log -L`. Owns the output format; never touches git itself.

use std::process::ExitCode;

use crate::attribution::AttributionIndex;
use crate::history::{History, HistoryError};

use super::HistoryArgs;

/// The assistant that wrote `commit`, if one did.
fn assistant_for(index: &AttributionIndex, commit: &str) -> Option<String> {
    index.commit_assistant(commit).map(|a| a.agent)
}

pub fn run(args: HistoryArgs) -> ExitCode {
    let Some((start, end)) = parse_lines(&args.lines) else {
        return super::fail(format!(
            "--lines wants A:B (1-based, inclusive), got {:?}",
            args.lines
        ));
    };
    match history(&args, start, end) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => super::fail(err),
    }
}

/// One commit of `history --json`, fields in this order. `linesChanged`:
/// the `+` and `-` lines `git log -L` prints for the commit — lines the
/// commit added inside the tracked range, plus every line deleted by a hunk
/// that touches the range (diff against the first parent).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCommit<'a> {
    commit: &'a str,
    author: &'a str,
    time: i64,
    summary: &'a str,
    ai: bool,
    agent: Option<String>,
    lines_changed: u32,
}

fn parse_lines(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once(':').or_else(|| text.split_once(','))?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a >= 1 && a <= b).then_some((a, b))
}

fn history(args: &HistoryArgs, start: u32, end: u32) -> Result<(), HistoryError> {
    if args.path.is_dir() {
        return Err(HistoryError::Directory {
            path: args.path.clone(),
        });
    }
    let history = History::discover(&args.path, super::blame::cache_dir())?;
    // As of T: the lines are those of the file at the commit a user at T had.
    let rev = match args.as_of.as_deref() {
        Some(text) => {
            super::moment(&history, Some(text))
                .map_err(|message| HistoryError::UnknownRevision {
                    rev: text.to_string(),
                    message,
                })?
                .commit
        }
        None => None,
    };
    let commits = history.range_history(&args.path, start, end, rev.as_deref())?;
    if args.json {
        let index = AttributionIndex::load_at(history.repo().workdir());
        let items: Vec<JsonCommit> = commits
            .iter()
            .map(|c| {
                let assistant = assistant_for(&index, &c.commit);
                JsonCommit {
                    commit: &c.commit,
                    author: &c.author,
                    time: c.time,
                    summary: &c.summary,
                    ai: assistant.is_some(),
                    agent: assistant,
                    lines_changed: c.lines_added + c.lines_deleted,
                }
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string(&items).expect("plain data serializes")
        );
    } else {
        for c in &commits {
            println!(
                "{} {} +{} -{} {}",
                &c.commit[..8],
                c.author,
                c.lines_added,
                c.lines_deleted,
                c.summary
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_ranges() {
        let table = [
            ("3:7", Some((3, 7))),
            ("1,1", Some((1, 1))),
            ("0:2", None),
            ("5:2", None),
            ("x", None),
        ];
        for (text, expected) in table {
            assert_eq!(super::parse_lines(text), expected, "{text}");
        }
    }
}
