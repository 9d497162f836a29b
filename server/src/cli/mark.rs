//! `provenance-ls mark`: records that an agent just wrote a file, for agent
//! hooks (Claude Code `PostToolUse`, Cursor `afterFileEdit`, any shell
//! hook). Appends one mark to the marks file of the file's workspace; needs
//! no running server and never takes the journal lock. Silent on success
//! (hooks show output to the user), errors on stderr with exit code 1.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use super::MarkArgs;
use crate::journal::{self, Mark, TranscriptCursor};
use crate::provenance::Usage;

pub fn run(args: MarkArgs) -> ExitCode {
    match mark(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => super::fail(message),
    }
}

fn mark(args: MarkArgs) -> Result<(), String> {
    let edit = if args.stdin_json {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the hook input on stdin: {e}"))?;
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| format!("the hook input on stdin is not JSON: {e}"))?;
        HookEdit::from_json(&json)?
    } else {
        HookEdit {
            file: args.file.ok_or("give --file PATH or --stdin-json")?,
            agent: None,
            model: None,
            session: None,
            transcript: None,
        }
    };
    let path = journal::canonical_file_path(&edit.file).map_err(|e| match e {
        journal::JournalError::NoFolder { dir } => format!(
            "cannot mark {}: the folder {} does not exist",
            edit.file.display(),
            dir.display()
        ),
        other => format!("cannot mark {}: {other}", edit.file.display()),
    })?;
    let dir = journal::marks_dir_for_file(&path).ok_or_else(|| {
        format!(
            "cannot mark {}: not in a git repository and no home folder for the per-user data",
            path.display()
        )
    })?;
    let mut model = args.model.or(edit.model);
    let mut usage = match (&edit.session, &edit.transcript) {
        (Some(session), Some(transcript)) => {
            let counted = journal::with_session_cursor(&dir, session, |cursor| {
                count_transcript(transcript, cursor)
            });
            match counted {
                Ok((usage, transcript_model)) => {
                    model = model.or(transcript_model);
                    usage
                }
                // The mark matters more than its cost: record it without.
                Err(e) => {
                    tracing::debug!(error = %e, "mark: cannot count the transcript");
                    None
                }
            }
        }
        _ => None,
    };
    if let Some(tokens) = args.tokens {
        usage = Some(Usage {
            tokens,
            ..Usage::default()
        });
    }
    if let Some(cost) = args.cost {
        usage.get_or_insert_with(Usage::default).cost_usd = Some(cost);
    }
    let usage = usage.map(|mut usage| {
        usage.session = edit.session.clone();
        usage.mark = Some(uuid::Uuid::new_v4().to_string());
        usage
    });
    let mark = Mark {
        path,
        agent: args.agent.or(edit.agent),
        model,
        at_ms: crate::clock::unix_ms(),
        usage,
    };
    journal::record_mark(&dir, &mark)
        .map_err(|e| format!("cannot mark {}: {e}", mark.path.display()))
}

/// The tokens of the assistant messages in the Claude Code transcript at
/// `path` after `cursor` (`None` when no message used tokens), and the
/// session's model (the last message's, counted now or before); moves the
/// cursor to the end of the last whole line.
///
/// A transcript line with `message.usage` is an API response (`message.id`);
/// Claude Code writes one line per content block, each repeating the
/// response's usage, so a response counts once (its last line's usage, the
/// most complete while streaming). `<synthetic>` messages cost nothing.
fn count_transcript(path: &Path, cursor: &mut TranscriptCursor) -> (Option<Usage>, Option<String>) {
    let Ok(bytes) = std::fs::read(path) else {
        return (None, cursor.model.clone());
    };
    if (bytes.len() as u64) < cursor.offset {
        // A different or rewritten transcript: count it from the start.
        *cursor = TranscriptCursor::default();
    }
    let new = &bytes[cursor.offset as usize..];
    let whole = new.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    // (message id, usage) in transcript order, one entry per response.
    let mut responses: Vec<(Option<String>, Usage)> = Vec::new();
    let mut model = cursor.model.clone();
    for line in new[..whole].split(|&b| b == b'\n') {
        let Ok(json) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let Some(message) = json.get("message") else {
            continue;
        };
        let Some(counts) = message.get("usage") else {
            continue;
        };
        let message_model = message.get("model").and_then(Value::as_str);
        if message_model == Some("<synthetic>") {
            continue;
        }
        let id = message
            .get("id")
            .or_else(|| json.get("uuid"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if id.is_some() && id == cursor.last_message {
            continue;
        }
        let count = |key: &str| counts.get(key).and_then(Value::as_u64).unwrap_or(0);
        let mut usage = Usage {
            input_tokens: count("input_tokens"),
            output_tokens: count("output_tokens"),
            cache_read_tokens: count("cache_read_input_tokens"),
            cache_write_tokens: count("cache_creation_input_tokens"),
            ..Usage::default()
        };
        usage.tokens = usage.input_tokens
            + usage.output_tokens
            + usage.cache_read_tokens
            + usage.cache_write_tokens;
        if let Some(m) = message_model {
            model = Some(m.to_owned());
        }
        match responses
            .iter_mut()
            .find(|(seen, _)| id.is_some() && *seen == id)
        {
            Some((_, earlier)) => *earlier = usage,
            None => responses.push((id, usage)),
        }
    }
    cursor.offset += whole as u64;
    cursor.model = model.clone();
    if let Some((id, _)) = responses.last() {
        cursor.last_message = id.clone();
    }
    let mut total = Usage::default();
    for (_, usage) in &responses {
        total.add(usage);
    }
    ((total.tokens > 0).then_some(total), model)
}

/// What an agent hook's JSON says about the edit it reports.
#[derive(Debug, PartialEq, Eq)]
struct HookEdit {
    file: PathBuf,
    agent: Option<String>,
    model: Option<String>,
    /// The agent's session (Claude Code `session_id`).
    session: Option<String>,
    /// Claude Code's JSONL transcript of the session (`transcript_path`).
    transcript: Option<PathBuf>,
}

impl HookEdit {
    /// Claude Code `PostToolUse`: `tool_input.file_path` (`notebook_path`
    /// for NotebookEdit, `tool_response.filePath` as a last resort), `cwd`. Cursor `afterFileEdit`: `file_path`,
    /// `workspace_roots`, `model`. A relative path is taken relative to the
    /// hook's `cwd`, else the first workspace root, else our own folder.
    fn from_json(json: &Value) -> Result<HookEdit, String> {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let tool_input = json.get("tool_input");
        let file = text(tool_input.and_then(|t| t.get("file_path")))
            .or_else(|| text(tool_input.and_then(|t| t.get("notebook_path"))))
            .or_else(|| text(json.get("file_path")))
            .or_else(|| text(json.get("tool_response").and_then(|t| t.get("filePath"))))
            .filter(|p| !p.is_empty())
            .ok_or("the hook input names no file (expected tool_input.file_path or file_path)")?;
        let mut file = PathBuf::from(file);
        if file.is_relative() {
            let base = text(json.get("cwd"))
                .or_else(|| text(json.get("workspace_roots").and_then(|roots| roots.get(0))));
            if let Some(base) = base {
                file = Path::new(&base).join(file);
            }
        }
        let agent = match json.get("hook_event_name").and_then(Value::as_str) {
            Some("PostToolUse") => Some("claude-code".to_owned()),
            Some("afterFileEdit") => Some("cursor".to_owned()),
            _ => None,
        };
        Ok(HookEdit {
            file,
            agent,
            model: text(json.get("model")).filter(|m| !m.is_empty()),
            session: text(json.get("session_id")).filter(|s| !s.is_empty()),
            transcript: text(json.get("transcript_path"))
                .filter(|t| !t.is_empty())
                .map(PathBuf::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_inputs() {
        let cases = [
            (
                "claude code Write",
                r#"{"session_id":"s","transcript_path":"/t","cwd":"/repo","hook_event_name":"PostToolUse",
                   "tool_name":"Write","tool_input":{"file_path":"/repo/src/a.rs","content":"x"},
                   "tool_response":{"success":true}}"#,
                Ok(("/repo/src/a.rs", Some("claude-code"), None)),
            ),
            (
                "claude code NotebookEdit",
                r#"{"hook_event_name":"PostToolUse","tool_input":{"notebook_path":"/repo/n.ipynb"}}"#,
                Ok(("/repo/n.ipynb", Some("claude-code"), None)),
            ),
            (
                "cursor afterFileEdit",
                r#"{"conversation_id":"c","generation_id":"g","hook_event_name":"afterFileEdit",
                   "workspace_roots":["/repo"],"model":"gpt-5","file_path":"/repo/src/b.ts",
                   "edits":[{"old_string":"a","new_string":"b"}]}"#,
                Ok(("/repo/src/b.ts", Some("cursor"), Some("gpt-5"))),
            ),
            (
                "only the tool response names the file",
                r#"{"hook_event_name":"PostToolUse","tool_input":{},"tool_response":{"filePath":"/repo/e.rs"}}"#,
                Ok(("/repo/e.rs", Some("claude-code"), None)),
            ),
            (
                "relative path against cwd",
                r#"{"cwd":"/repo","tool_input":{"file_path":"src/c.rs"}}"#,
                Ok(("/repo/src/c.rs", None, None)),
            ),
            (
                "relative path against the workspace root",
                r#"{"workspace_roots":["/ws"],"file_path":"d.py"}"#,
                Ok(("/ws/d.py", None, None)),
            ),
            (
                "no file",
                r#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#,
                Err("the hook input names no file (expected tool_input.file_path or file_path)"),
            ),
        ];
        for (name, json, want) in cases {
            let json: Value = serde_json::from_str(json).unwrap();
            let got = HookEdit::from_json(&json);
            let want = want.map(|(file, agent, model)| HookEdit {
                file: PathBuf::from(file),
                agent: agent.map(str::to_owned),
                model: model.map(str::to_owned),
                session: None,
                transcript: None,
            });
            let got = got.map(|edit| HookEdit {
                session: None,
                transcript: None,
                ..edit
            });
            assert_eq!(got, want.map_err(str::to_owned), "case {name}");
        }
    }

    /// One response split over two lines (the same `message.id`), a
    /// synthetic message, a user line, and a line still being written.
    #[test]
    fn a_transcript_counts_each_response_once_and_only_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let line = |id: &str, model: &str, input: u64, output: u64| {
            format!(
                "{{\"type\":\"assistant\",\"uuid\":\"u-{id}\",\"message\":{{\"id\":\"{id}\",\"model\":\"{model}\",\
                 \"usage\":{{\"input_tokens\":{input},\"output_tokens\":{output},\
                 \"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":1000}}}}}}\n"
            )
        };
        let mut text = String::from(
            "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}\n",
        );
        text += &line("m1", "claude-opus-4-5", 3, 1);
        text += &line("m1", "claude-opus-4-5", 3, 40);
        text += &line("s", "<synthetic>", 0, 9);
        let whole = text.len() as u64;
        text += "{\"type\":\"assistant\",\"message\":{\"id\":\"m2\"";
        std::fs::write(&path, &text).unwrap();
        let mut cursor = TranscriptCursor::default();
        let (usage, model) = count_transcript(&path, &mut cursor);
        let usage = usage.unwrap();
        assert_eq!(
            (
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_write_tokens,
                usage.cache_read_tokens,
                usage.tokens
            ),
            (3, 40, 100, 1000, 1143)
        );
        assert_eq!(model.as_deref(), Some("claude-opus-4-5"));
        assert_eq!(cursor.offset, whole);
        // The cut line completed, and m1 repeated after the cursor: only m2 counts.
        text.truncate(whole as usize);
        text += &line("m1", "claude-opus-4-5", 3, 40);
        text += &line("m2", "claude-sonnet-4-5", 5, 7);
        std::fs::write(&path, &text).unwrap();
        let (usage, model) = count_transcript(&path, &mut cursor);
        let usage = usage.unwrap();
        assert_eq!(
            (usage.input_tokens, usage.output_tokens, usage.tokens),
            (5, 7, 1112)
        );
        assert_eq!(model.as_deref(), Some("claude-sonnet-4-5"));
        // Nothing new: nothing counted, the session's model kept.
        assert_eq!(
            count_transcript(&path, &mut cursor),
            (None, Some("claude-sonnet-4-5".to_owned()))
        );
    }
}
