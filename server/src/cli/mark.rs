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
use crate::journal::{self, Mark};

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
    let mark = Mark {
        path,
        agent: args.agent.or(edit.agent),
        model: args.model.or(edit.model),
        at_ms: crate::clock::unix_ms(),
    };
    journal::record_mark(&dir, &mark)
        .map_err(|e| format!("cannot mark {}: {e}", mark.path.display()))
}

/// What an agent hook's JSON says about the edit it reports.
#[derive(Debug, PartialEq, Eq)]
struct HookEdit {
    file: PathBuf,
    agent: Option<String>,
    model: Option<String>,
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
            });
            assert_eq!(got, want.map_err(str::to_owned), "case {name}");
        }
    }
}
