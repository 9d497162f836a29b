//! Tokens and cost, end to end: an agent's hook marks a write with its
//! session's usage (a Claude Code transcript, or `--tokens/--cost`), the
//! server's region carries it (hover names it), the commit's provenance note
//! carries it, and the attribution index reads it back.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use provenance_ls::attribution::AttributionIndex;
use provenance_ls::journal::read_marks;

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

pub(crate) const BLOCK: &str = "fn added() {\n    let x = 1;\n    x + 1\n}\n";
pub(crate) const SESSION: &str = "6f1d2c3b-8a7e-4b5c-9d0e-1f2a3b4c5d6e";
pub(crate) const MODEL: &str = "claude-opus-4-5-20251101";

/// One transcript line of an assistant response, shaped as Claude Code
/// writes them: one line per content block, each repeating the response's
/// `message.id` and `usage` (input, cache write, cache read, output).
pub(crate) fn assistant(uuid: &str, id: &str, block: Value, usage: [u64; 4]) -> String {
    let line = json!({
        "parentUuid": null, "isSidechain": false, "userType": "external",
        "cwd": "/work/repo", "sessionId": SESSION, "version": "2.0.50", "gitBranch": "main",
        "type": "assistant", "uuid": uuid, "timestamp": "2026-12-01T22:00:00.000Z",
        "requestId": format!("req_{id}"),
        "message": {
            "id": id, "type": "message", "role": "assistant", "model": MODEL,
            "content": [block], "stop_reason": null, "stop_sequence": null,
            "usage": {
                "input_tokens": usage[0], "cache_creation_input_tokens": usage[1],
                "cache_read_input_tokens": usage[2], "output_tokens": usage[3],
                "service_tier": "standard"
            }
        }
    });
    format!("{line}\n")
}

pub(crate) fn user(uuid: &str, content: Value) -> String {
    let line = json!({
        "parentUuid": null, "isSidechain": false, "userType": "external",
        "cwd": "/work/repo", "sessionId": SESSION, "version": "2.0.50", "gitBranch": "main",
        "type": "user", "uuid": uuid, "timestamp": "2026-12-01T22:00:00.000Z",
        "message": {"role": "user", "content": content}
    });
    format!("{line}\n")
}

/// The session up to its first Write: a text response (6,030 tokens) and the
/// Write's response (6,804 tokens, its two lines repeating the usage, the
/// first written while the output was still streaming).
pub(crate) fn transcript_to_first_write(file: &Path) -> String {
    let write = json!({"type": "tool_use", "id": "toolu_01", "name": "Write",
                       "input": {"file_path": file, "content": "…"}});
    [
        user("u1", json!("add a function")),
        assistant(
            "a1",
            "msg_01",
            json!({"type": "text", "text": "I'll add it."}),
            [10, 1000, 5000, 20],
        ),
        assistant(
            "a2",
            "msg_02",
            json!({"type": "text", "text": "Writing."}),
            [4, 500, 6000, 1],
        ),
        assistant("a3", "msg_02", write, [4, 500, 6000, 300]),
    ]
    .concat()
}

/// What the session did after the first Write: its tool result, a line of
/// the first Write's response again, and a second response (12,353 tokens).
fn transcript_to_second_write(file: &Path) -> String {
    let result = json!([{"tool_use_id": "toolu_01", "type": "tool_result", "content": "ok"}]);
    let write = json!({"type": "tool_use", "id": "toolu_02", "name": "Write",
                       "input": {"file_path": file, "content": "…"}});
    [
        user("u2", result),
        assistant(
            "a3",
            "msg_02",
            json!({"type": "text", "text": "Writing."}),
            [4, 500, 6000, 300],
        ),
        assistant("a4", "msg_03", write, [3, 200, 12000, 150]),
    ]
    .concat()
}

/// Claude Code's `PostToolUse` hook input for a Write of `file`.
pub(crate) fn hook_input(transcript: &Path, cwd: &Path, file: &Path) -> String {
    json!({
        "session_id": SESSION,
        "transcript_path": transcript,
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": "PostToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": file, "content": "…"},
        "tool_response": {"filePath": file, "success": true},
        "tool_use_id": "toolu_01"
    })
    .to_string()
}

/// Runs `provenance-ls mark ARGS` with `stdin`, isolated like the repo.
pub(crate) fn mark(repo: &Repo, args: &[&str], stdin: &str) -> Output {
    let home = repo.home();
    let mut child = Command::new(crate::support::binary())
        .arg("mark")
        .args(args)
        .current_dir(repo.path())
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "mark {args:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub(crate) fn transcript_path(repo: &Repo) -> std::path::PathBuf {
    let dir = repo.home().join(".claude/projects/-work-repo");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{SESSION}.jsonl"))
}

pub(crate) fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

pub(crate) fn wait_for_note(repo: &Repo, rev: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = repo.git_output(&["notes", "--ref=provenance", "show", rev]);
        if out.status.success() {
            return String::from_utf8(out.stdout).unwrap();
        }
        assert!(Instant::now() < deadline, "no provenance note on {rev}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_transcripts_tokens_go_from_the_hook_to_the_region_the_note_and_back() {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", "fn main() {\n}\n");
    repo.commit("start");
    let path = repo.file("src/lib.rs");
    let uri = file_uri(&path);
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client.open(&uri, "rust", 1, "fn main() {\n}\n");

    // The agent writes the file; its PostToolUse hook runs `mark --stdin-json`.
    let transcript = transcript_path(&repo);
    append(&transcript, &transcript_to_first_write(&path));
    std::fs::write(&path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
    mark(
        &repo,
        &["--stdin-json", "--cost", "0.12"],
        &hook_input(&transcript, &repo.path(), &path),
    );
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let regions = client.regions(&uri);
    assert_eq!(regions["regions"][0]["source"], "agent", "{regions}");

    let hover = client.hover(&uri, 3, 4);
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("claude-code ({MODEL})")),
        "hover names agent and model: {text}"
    );
    assert!(
        text.contains("12,834 tokens") && text.contains("$0.12"),
        "hover names the session's tokens: {text}"
    );

    std::thread::sleep(Duration::from_millis(1500));
    let commit = repo.commit("Add added");
    let note = wait_for_note(&repo, "HEAD");
    let record: Value = serde_json::from_str(note.lines().next().unwrap()).unwrap();
    assert_eq!(record["tool"]["name"], "claude-code");
    assert_eq!(
        record["files"][0]["conversations"][0]["contributor"]["model_id"],
        MODEL
    );
    // msg_01 (10 + 1000 + 5000 + 20) and msg_02 once (4 + 500 + 6000 + 300).
    assert_eq!(
        record["metadata"]["dev.provenance-ls.usage"],
        json!({
            "tokens": 12834, "inputTokens": 14, "outputTokens": 320,
            "cacheReadTokens": 11000, "cacheWriteTokens": 1500,
            "costUsd": 0.12, "session": SESSION
        }),
        "{note}"
    );
    client.shutdown();

    // Read back from the note by the attribution index.
    let index = AttributionIndex::load_at(&repo.path());
    let spent = index.commit_usage(commit.trim());
    assert_eq!(spent.len(), 1, "{spent:?}");
    assert_eq!(spent[0].assistant.agent, "claude-code");
    assert_eq!(spent[0].assistant.model.as_deref(), Some(MODEL));
    assert_eq!(spent[0].usage.tokens, 12834);
    assert_eq!(spent[0].usage.cost_usd, Some(0.12));
    let lines: Vec<_> = spent[0]
        .lines
        .iter()
        .map(|(p, l)| (p.as_str(), *l))
        .collect();
    assert_eq!(
        lines,
        [
            ("src/lib.rs", 3),
            ("src/lib.rs", 4),
            ("src/lib.rs", 5),
            ("src/lib.rs", 6)
        ]
    );
    // A commit with no note costs nothing known.
    assert!(index.commit_usage("HEAD~1").is_empty());
}

#[test]
fn a_second_mark_in_the_session_counts_only_what_came_after_the_first() {
    let mut repo = Repo::new();
    repo.write("src/a.rs", "\n");
    repo.commit("start");
    let (a, b) = (repo.file("src/a.rs"), repo.file("src/b.rs"));
    let transcript = transcript_path(&repo);
    append(&transcript, &transcript_to_first_write(&a));
    mark(
        &repo,
        &["--stdin-json"],
        &hook_input(&transcript, &repo.path(), &a),
    );
    append(&transcript, &transcript_to_second_write(&b));
    mark(
        &repo,
        &["--stdin-json"],
        &hook_input(&transcript, &repo.path(), &b),
    );
    // Nothing new in the transcript: a third mark has no usage.
    mark(
        &repo,
        &["--stdin-json"],
        &hook_input(&transcript, &repo.path(), &b),
    );

    let marks = read_marks(&repo.git_dir().join("provenance"));
    let spent: Vec<_> = marks
        .iter()
        .map(|m| {
            m.usage.as_ref().map(|u| {
                (
                    u.tokens,
                    u.input_tokens,
                    u.output_tokens,
                    u.cache_read_tokens,
                    u.cache_write_tokens,
                    u.session.as_deref(),
                )
            })
        })
        .collect();
    assert_eq!(
        spent,
        [
            Some((12834, 14, 320, 11000, 1500, Some(SESSION))),
            Some((12353, 3, 150, 12000, 200, Some(SESSION))),
            None,
        ]
    );
    assert!(marks.iter().all(|m| m.model.as_deref() == Some(MODEL)));
    assert!(marks
        .iter()
        .all(|m| m.agent.as_deref() == Some("claude-code")));
}

#[test]
fn tokens_and_cost_flags_are_recorded_and_bad_costs_refused() {
    let mut repo = Repo::new();
    repo.write("src/a.rs", "\n");
    repo.commit("start");
    let file = repo.file("src/a.rs");
    let file = file.to_str().unwrap();
    mark(
        &repo,
        &[
            "--file", file, "--agent", "aider", "--tokens", "5000", "--cost", "0.42",
        ],
        "",
    );
    let marks = read_marks(&repo.git_dir().join("provenance"));
    let usage = marks[0].usage.clone().expect("usage recorded");
    assert_eq!(
        (usage.tokens, usage.input_tokens, usage.cost_usd),
        (5000, 0, Some(0.42))
    );
    assert_eq!(usage.session, None);

    for bad in ["-1", "lots", "NaN"] {
        let out = Command::new(crate::support::binary())
            .args(["mark", "--file", file, &format!("--cost={bad}")])
            .current_dir(repo.path())
            .env("HOME", repo.home())
            .output()
            .unwrap();
        assert!(!out.status.success(), "--cost {bad} accepted");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("US dollars"),
            "--cost {bad}"
        );
    }
    assert_eq!(read_marks(&repo.git_dir().join("provenance")).len(), 1);
}

#[test]
fn one_mark_over_two_regions_counts_once_in_the_note() {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", "fn main() {}\n");
    repo.commit("start");
    let path = repo.file("src/lib.rs");
    let uri = file_uri(&path);
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client.open(&uri, "rust", 1, "fn main() {}\n");

    // One Write adds lines above and below `main`: two regions, one mark.
    let transcript = transcript_path(&repo);
    append(&transcript, &transcript_to_first_write(&path));
    let top = "// Written by the agent,\n// above main.\n";
    std::fs::write(&path, format!("{top}fn main() {{}}\n{BLOCK}")).unwrap();
    mark(
        &repo,
        &["--stdin-json"],
        &hook_input(&transcript, &repo.path(), &path),
    );
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    client.changes(
        &uri,
        2,
        vec![(((0, 0), (0, 0)), top), (((3, 0), (3, 0)), BLOCK)],
    );
    let regions = client.regions(&uri);
    let agent = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "agent")
        .count();
    assert_eq!(agent, 2, "{regions}");

    std::thread::sleep(Duration::from_millis(1500));
    repo.commit("Add above and below");
    let note = wait_for_note(&repo, "HEAD");
    let records: Vec<Value> = note
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1, "{note}");
    assert_eq!(
        records[0]["metadata"]["dev.provenance-ls.usage"]["tokens"], 12834,
        "{note}"
    );
    let ranges: Vec<(u64, u64)> = records[0]["files"][0]["conversations"][0]["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["start_line"].as_u64().unwrap(),
                r["end_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranges, [(1, 2), (4, 7)], "{note}");
    client.shutdown();
}

#[test]
fn a_regions_usage_survives_a_restart_through_the_journal() {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", "fn main() {\n}\n");
    repo.commit("start");
    let path = repo.file("src/lib.rs");
    let uri = file_uri(&path);
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client.open(&uri, "rust", 1, "fn main() {\n}\n");
    let transcript = transcript_path(&repo);
    append(&transcript, &transcript_to_first_write(&path));
    let text = format!("fn main() {{\n}}\n{BLOCK}");
    std::fs::write(&path, &text).unwrap();
    mark(
        &repo,
        &["--stdin-json"],
        &hook_input(&transcript, &repo.path(), &path),
    );
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    client.regions(&uri);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    client.shutdown();

    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client.open(&uri, "rust", 1, &text);
    let hover = client.hover(&uri, 3, 4);
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        value.contains("12,834 tokens")
            && value.contains("(14 input, 320 output, 11,000 cache read, 1,500 cache write)"),
        "{hover}"
    );
    client.shutdown();
}
