//! `provenance-ls blame`: the commit behind each line of a file, as JSON
//! Lines or a table. Without `--rev` the file on disk is blamed, so lines not
//! committed yet show no commit. Owns the output format; never touches git
//! itself.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::attribution::{AttributionIndex, Authorship};
use crate::history::{BlameLine, History, HistoryError};

use super::BlameArgs;

pub fn run(args: BlameArgs) -> ExitCode {
    match blame(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => super::fail(err),
    }
}

/// Where results are remembered between runs: `PROVENANCE_LS_CACHE_DIR` if set.
pub(crate) fn cache_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("PROVENANCE_LS_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(Into::into)
}

fn blame(args: &BlameArgs) -> Result<(), HistoryError> {
    let path = &args.path;
    if !path.exists() && args.rev.is_none() {
        return Err(HistoryError::NotFound { path: path.clone() });
    }
    if path.is_dir() {
        return Err(HistoryError::Directory { path: path.clone() });
    }
    let history = History::discover(path, cache_dir())?;
    let (lines, text) = match &args.rev {
        Some(rev) => (history.blame(path, Some(rev))?, None),
        None => {
            let bytes = std::fs::read(path).map_err(|err| HistoryError::Io {
                path: path.clone(),
                message: err.to_string(),
            })?;
            // Bytes, not text: a Latin-1 file must still match its blob.
            let lines = history.blame_bytes(path, &bytes)?;
            (lines, Some(String::from_utf8_lossy(&bytes).into_owned()))
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = if args.json {
        print_json(&history, &lines, &mut out)
    } else {
        let text = match text {
            Some(text) => text,
            None => committed_text(&history, path, args.rev.as_deref())?,
        };
        print_table(&lines, &text, &mut out)
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = result.and_then(|()| out.flush());
    Ok(())
}

fn committed_text(
    history: &History,
    path: &Path,
    rev: Option<&str>,
) -> Result<String, HistoryError> {
    history.file_text(path, rev)
}

/// One line of `blame --json` output (JSON Lines), fields in this order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonLine<'a> {
    line: u32,
    commit: Option<&'a str>,
    original_line: u32,
    path: &'a str,
    author: &'a str,
    time: i64,
    ai: bool,
    agent: Option<String>,
    model: Option<String>,
    /// `ai`, `human` (a line-level source names a person) or `untracked`.
    authorship: &'static str,
    /// For a `human` line, which source says so: `typed` (provenance-ls saw
    /// it typed in the editor), `git-ai` or `agent-trace`; else null.
    evidence: Option<&'static str>,
}

fn print_json(history: &History, lines: &[BlameLine], out: &mut impl Write) -> std::io::Result<()> {
    let index = AttributionIndex::load_at(history.repo().workdir());
    for l in lines {
        // Line-level sources first, then the commit's own marks; lines not committed are untracked.
        let authorship = l.commit.as_deref().map_or(Authorship::Untracked, |commit| {
            index.line_authorship(commit, &l.path, l.original_line)
        });
        let (agent, model) = match &authorship {
            Authorship::Assistant(a) => (Some(a.agent.clone()), a.model.clone()),
            _ => (None, None),
        };
        let evidence = match (&authorship, l.commit.as_deref()) {
            (Authorship::Human, Some(commit)) => index
                .human_evidence(commit, &l.path, l.original_line)
                .map(|e| e.as_str()),
            _ => None,
        };
        let json = JsonLine {
            line: l.line,
            commit: l.commit.as_deref(),
            original_line: l.original_line,
            path: &l.path,
            author: &l.author,
            time: l.time,
            ai: agent.is_some(),
            agent,
            model,
            authorship: authorship.as_str(),
            evidence,
        };
        serde_json::to_writer(&mut *out, &json)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn print_table(lines: &[BlameLine], text: &str, out: &mut impl Write) -> std::io::Result<()> {
    let author_width = lines
        .iter()
        .map(|l| l.author.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let number_width = lines.len().to_string().len();
    for (l, content) in lines.iter().zip(text.lines()) {
        let hash = l.commit.as_deref().map(|c| &c[..8]).unwrap_or("        ");
        let date = if l.commit.is_some() {
            format_date(l.time)
        } else {
            "          ".into()
        };
        let author: String = l.author.chars().take(author_width).collect();
        writeln!(
            out,
            "{hash} {author:<author_width$} {date} {:>number_width$}) {content}",
            l.line
        )?;
    }
    Ok(())
}

/// `YYYY-MM-DD` (UTC) for unix seconds.
fn format_date(time: i64) -> String {
    let days = time.div_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", if m <= 2 { y + 1 } else { y })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        for (time, date) in [
            (0, "1970-01-01"),
            (1_700_000_000, "2023-11-14"),
            (951_782_400, "2000-02-29"),
        ] {
            assert_eq!(super::format_date(time), date);
        }
    }
}
