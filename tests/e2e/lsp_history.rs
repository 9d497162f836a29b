//! History in the editor: hover shows churn history, code lenses summarise
//! blocks, `provenance/blocks` answers what `provenance-ls blocks` prints.

use serde_json::{json, Value};

use crate::support::git::{run_binary, Repo};
use crate::support::lsp::{file_uri, Client};

/// A Rust file whose `parse` function was rewritten twice, once by Claude.
fn repository() -> Repo {
    let mut repo = Repo::new();
    repo.write(
        "src/lib.rs",
        "fn parse() -> u32 {\n    1\n}\n\nfn keep() {\n}\n",
    );
    repo.commit("Add the parser");
    repo.write(
        "src/lib.rs",
        "fn parse() -> u32 {\n    2\n}\n\nfn keep() {\n}\n",
    );
    repo.commit("Fix parse for two\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    repo.write(
        "src/lib.rs",
        "fn parse() -> u32 {\n    3\n}\n\nfn keep() {\n}\n",
    );
    repo.commit_as("Bo Other", "bo@example.com", "Parse three");
    repo
}

fn start(repo: &Repo, capabilities: Value) -> (Client, String) {
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize_with(&repo.path(), json!({}), capabilities);
    let uri = file_uri(&repo.file("src/lib.rs"));
    client.open(&uri, "rust", 1, &repo.read("src/lib.rs"));
    (client, uri)
}

#[test]
fn hover_shows_the_churn_history_of_the_block() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}));
    let head = repo.git(&["rev-parse", "--short=7", "HEAD"]);
    let hover = client.hover(&uri, 1, 4);
    let text = hover["contents"]["value"].as_str().unwrap().to_string();
    assert!(text.contains("Churn history"), "{text}");
    assert!(text.contains("parse"), "{text}");
    assert!(text.contains(head.trim()), "{text}");
    assert!(text.contains("Parse three"), "{text}");
    assert!(text.contains("Bo Other"), "{text}");
    assert!(
        text.contains("claude"),
        "the assistant's commit is named: {text}"
    );
    assert!(text.contains("Risk"), "{text}");
}

#[test]
fn provenance_blocks_matches_the_cli() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}));
    let from_lsp = client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &["blocks", "src/lib.rs", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strip = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|b| {
                json!([
                    b["range"],
                    b["name"],
                    b["commits"],
                    b["aiShare"],
                    b["authors"],
                    b["risk"]["score"]
                ])
            })
            .collect()
    };
    assert_eq!(strip(&from_lsp), strip(&from_cli));
    let parse = &from_lsp[0];
    assert_eq!(parse["name"], "parse");
    assert_eq!(parse["range"]["start"], json!({"line": 0, "character": 0}));
    assert_eq!(parse["commits"], 3);
    assert_eq!(parse["authors"], 2);
    assert!(parse["risk"]["score"].as_u64().unwrap() <= 100);
    assert!(["low", "medium", "high"].contains(&parse["risk"]["level"].as_str().unwrap()));
}

#[test]
fn code_lenses_give_one_quiet_line_per_block() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}));
    // The first answer may come before indexing ends; ask until it has lenses.
    let mut lenses = Value::Null;
    for _ in 0..50 {
        lenses = client.request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        );
        if lenses.as_array().is_some_and(|l| l.len() == 2) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert!(titles[0].starts_with("↻ 3 · "), "{titles:?}");
    assert!(titles[0].contains("risk "), "{titles:?}");
    assert_eq!(lenses[1]["range"]["start"]["line"], 4);

    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"provenance": {"hints": {"enabled": false}}}}),
    );
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(lenses.is_null() || lenses.as_array().unwrap().is_empty());
}

#[test]
fn inlay_hints_when_asked_for() {
    let repo = repository();
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({"hints": {"style": "inlay"}}));
    let uri = file_uri(&repo.file("src/lib.rs"));
    client.open(&uri, "rust", 1, &repo.read("src/lib.rs"));
    client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
    let hints = client.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}),
    );
    assert_eq!(hints[0]["position"], json!({"line": 0, "character": 19}));
    assert!(hints[0]["label"].as_str().unwrap().starts_with("↻ 3"));
}

#[test]
fn indexing_reports_progress_when_the_client_shows_it() {
    let repo = repository();
    let (mut client, _uri) = start(&repo, json!({"window": {"workDoneProgress": true}}));
    let begin = client.wait_notification("$/progress", |p| p["value"]["kind"] == "begin");
    assert_eq!(begin["value"]["title"], "Indexing history");
    client.wait_notification("$/progress", |p| {
        p["value"]["kind"] == "end" && p["token"] == begin["token"]
    });
}

/// A cold index reports how far its walk is: percentages of the commits
/// walked out of the commits to walk, rising, ending at all of them.
#[test]
fn indexing_reports_the_share_of_commits_walked() {
    let mut repo = repository();
    for n in 0..40 {
        repo.write("notes.txt", &format!("note {n}\n"));
        repo.commit(&format!("Note {n}"));
    }
    let commits: u64 = repo
        .git(&["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap();
    let (mut client, _uri) = start(&repo, json!({"window": {"workDoneProgress": true}}));
    let begin = client.wait_notification("$/progress", |p| p["value"]["kind"] == "begin");
    assert_eq!(begin["value"]["percentage"], 0);
    let token = begin["token"].clone();
    let mut reports = Vec::new();
    loop {
        let note = client.wait_notification("$/progress", |p| p["token"] == token);
        match note["value"]["kind"].as_str() {
            Some("report") => reports.push(note["value"].clone()),
            Some("end") => break,
            other => panic!("unexpected progress {other:?}: {note}"),
        }
    }
    let percents: Vec<u64> = reports
        .iter()
        .map(|r| r["percentage"].as_u64().unwrap())
        .collect();
    assert!(
        percents.windows(2).all(|w| w[0] < w[1]),
        "percentages rise: {percents:?}"
    );
    let last = reports.last().expect("at least the walk's end is reported");
    assert_eq!(last["percentage"], 100, "{reports:?}");
    assert_eq!(
        last["message"],
        format!("lib.rs: {commits} of {commits} commits"),
        "{reports:?}"
    );
}

#[test]
fn hover_outside_a_repository_says_why_there_is_no_history() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rs"), "fn a() {\n}\n").unwrap();
    let mut client = Client::spawn(dir.path(), home.path());
    client.initialize(dir.path(), json!({}));
    let uri = file_uri(&dir.path().join("a.rs"));
    client.open(&uri, "rust", 1, "fn a() {\n}\n");
    let hover = client.hover(&uri, 0, 3);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("unavailable") && text.contains("not inside a git repository"),
        "{text}"
    );
}

#[test]
fn unsaved_lines_below_a_block_keep_its_history() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}));
    client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(
        &uri,
        2,
        ((6, 0), (6, 0)),
        "let x = 1;\n\nfn pasted() {\n    2\n}\n",
    );
    let blocks = client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
    assert_eq!(blocks[0]["name"], "parse");
    assert_eq!(blocks[0]["commits"], 3, "{blocks}");
    let hover = client.hover(&uri, 1, 4);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("Parse three"), "{text}");
}

#[test]
fn a_repository_nested_in_another_is_read_as_itself() {
    // The outer repository is seen first (a file of it is opened), then a
    // file of the inner one: its history must come from the inner one.
    let mut outer = Repo::new();
    outer.write("notes.rs", "fn outer() {\n}\n");
    outer.commit("Outer start");
    let inner_root = outer.path().join("vendor/inner");
    std::fs::create_dir_all(&inner_root).unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(&inner_root)
            .env("HOME", outer.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(inner_root.join("lib.rs"), "fn inner() -> u32 {\n    7\n}\n").unwrap();
    git(&["add", "-A"]);
    git(&[
        "-c",
        "user.name=Ina Inner",
        "-c",
        "user.email=ina@example.com",
        "commit",
        "-q",
        "-m",
        "Inner seven",
    ]);

    let mut client = Client::spawn(&outer.path(), &outer.home());
    client.initialize(&outer.path(), json!({}));
    let outer_uri = file_uri(&outer.file("notes.rs"));
    client.open(&outer_uri, "rust", 1, "fn outer() {\n}\n");
    client.request(
        "provenance/blocks",
        json!({"textDocument": {"uri": outer_uri}}),
    );
    let inner_uri = file_uri(&inner_root.join("lib.rs"));
    client.open(&inner_uri, "rust", 1, "fn inner() -> u32 {\n    7\n}\n");
    let blocks = client.request(
        "provenance/blocks",
        json!({"textDocument": {"uri": inner_uri}}),
    );
    assert_eq!(blocks[0]["commits"], 1, "{blocks}");
    let hover = client.hover(&inner_uri, 1, 4);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("Inner seven") && text.contains("Ina Inner"),
        "{text}"
    );
}
