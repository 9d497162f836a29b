//! Provenance survives restarts, crashes and writes from outside the editor.

use serde_json::{json, Value};

use crate::support::git::{run_binary, Repo};
use crate::support::lsp::{file_uri, Client};

const BLOCK: &str = "fn added() {\n    let x = 1;\n    x + 1\n}\n";

fn repo_with_file() -> Repo {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", "fn main() {\n}\n");
    repo.commit("start");
    repo
}

fn server(repo: &Repo) -> Client {
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client
}

fn summary(regions: &Value) -> Vec<(String, Value, Value)> {
    regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_string(),
                r["range"].clone(),
                r["agent"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_restart_keeps_every_region() {
    let repo = repo_with_file();
    let uri = file_uri(&repo.file("src/lib.rs"));
    let mut client = server(&repo);
    client.open(&uri, "rust", 1, "fn main() {\n}\n");
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    client.edit_source(&uri, 3, "pasted", None);
    client.change(&uri, 3, ((0, 0), (0, 0)), "// one\n// two\n// three\n");
    let before = client.regions(&uri);
    assert_eq!(before["regions"].as_array().unwrap().len(), 2);
    let text = format!("// one\n// two\n// three\nfn main() {{\n}}\n{BLOCK}");
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    client.shutdown();

    let mut client = server(&repo);
    client.open(&uri, "rust", 1, &text);
    let after = client.regions(&uri);
    assert_eq!(summary(&after), summary(&before));
    assert!(repo.git_dir().join("provenance").is_dir());
}

#[test]
fn kill_9_right_after_an_answered_request_loses_nothing() {
    let repo = repo_with_file();
    let uri = file_uri(&repo.file("src/lib.rs"));
    let mut client = server(&repo);
    client.open(&uri, "rust", 1, "fn main() {\n}\n");
    client.edit_source(&uri, 2, "agent", Some("claude-code"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let before = client.regions(&uri);
    client.kill9();

    let mut client = server(&repo);
    // The document was open when the server died: reopening it with the
    // same text finds its regions.
    client.open(&uri, "rust", 1, &format!("fn main() {{\n}}\n{BLOCK}"));
    assert_eq!(summary(&client.regions(&uri)), summary(&before));
}

#[test]
fn a_file_changed_while_the_server_was_away_is_re_anchored() {
    let repo = repo_with_file();
    let uri = file_uri(&repo.file("src/lib.rs"));
    let mut client = server(&repo);
    client.open(&uri, "rust", 1, "fn main() {\n}\n");
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    client.regions(&uri);
    client.shutdown();

    // Someone adds two lines at the top while no server runs.
    let text = format!("use std::fmt;\nuse std::io;\nfn main() {{\n}}\n{BLOCK}");
    let mut client = server(&repo);
    client.open(&uri, "rust", 1, &text);
    let regions = client.regions(&uri);
    let completion: Vec<_> = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "completion")
        .collect();
    assert_eq!(completion.len(), 1);
    assert_eq!(completion[0]["range"]["start"]["line"], 4);
    // Nobody knows who wrote the two new lines (no mark names the file, the
    // server did not see them written): no region (tests/e2e/lsp_false_marks.rs).
    assert_eq!(regions["regions"].as_array().unwrap().len(), 1, "{regions}");
}

/// Opens and closes the file (so the server knows it), lets `write` change
/// it on disk, tells the server, reopens it and returns its regions.
fn regions_after_a_disk_write(repo: &Repo, write: impl FnOnce(&std::path::Path)) -> Value {
    let path = repo.file("src/lib.rs");
    let uri = file_uri(&path);
    let mut client = server(repo);
    client.open(&uri, "rust", 1, "fn main() {\n}\n");
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    write(&path);
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    client.open(&uri, "rust", 1, &std::fs::read_to_string(&path).unwrap());
    client.regions(&uri)
}

#[test]
fn mark_then_an_on_disk_write_becomes_an_agent_region() {
    let repo = repo_with_file();
    let regions = regions_after_a_disk_write(&repo, |path| {
        // The agent writes the file, and its hook runs `provenance-ls mark`.
        std::fs::write(path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
        let file = path.to_str().unwrap();
        let args = [
            "mark",
            "--file",
            file,
            "--agent",
            "claude-code",
            "--model",
            "opus",
        ];
        let out = run_binary(&repo.path(), &repo.home(), &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    let region = &regions["regions"][0];
    assert_eq!(region["source"], "agent", "{regions}");
    assert_eq!(region["agent"], "claude-code");
    assert_eq!(region["model"], "opus");
    assert_eq!(region["range"]["start"]["line"], 2);
    assert_eq!(region["range"]["end"]["line"], 6);
}

#[test]
fn an_on_disk_write_without_a_mark_is_external() {
    let repo = repo_with_file();
    let regions = regions_after_a_disk_write(&repo, |path| {
        std::fs::write(path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
    });
    assert_eq!(regions["regions"][0]["source"], "external", "{regions}");
}

#[test]
fn each_workspace_folder_keeps_its_own_journal_and_outside_files_get_none() {
    let a = repo_with_file();
    let b = repo_with_file();
    let outside = tempfile::tempdir().unwrap();
    let mut client = Client::spawn(&a.path(), &a.home());
    client.request(
        "initialize",
        json!({"processId": null, "capabilities": {},
               "workspaceFolders": [{"uri": file_uri(&a.path()), "name": "a"},
                                    {"uri": file_uri(&b.path()), "name": "b"}]}),
    );
    client.notify("initialized", json!({}));
    let outside_file = outside.path().join("loose.txt");
    std::fs::write(&outside_file, "x\n").unwrap();
    for (uri, text) in [
        (file_uri(&a.file("src/lib.rs")), "fn main() {\n}\n"),
        (file_uri(&b.file("src/lib.rs")), "fn main() {\n}\n"),
        (file_uri(&outside_file), "x\n"),
    ] {
        client.open(&uri, "rust", 1, text);
        client.edit_source(&uri, 2, "pasted", None);
        client.change(&uri, 2, ((1, 0), (1, 0)), BLOCK);
        assert_eq!(client.regions(&uri)["regions"][0]["source"], "pasted");
    }
    client.shutdown();
    for repo in [&a, &b] {
        let dir = repo.git_dir().join("provenance");
        let size: u64 = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(size > 0, "{} holds no journal", dir.display());
    }
    let names: Vec<_> = std::fs::read_dir(outside.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names.len(),
        1,
        "nothing written beside a file outside the workspace: {names:?}"
    );
}

#[test]
fn an_open_file_rewritten_by_a_marked_agent_is_attributed_when_the_editor_reloads() {
    let repo = repo_with_file();
    let path = repo.file("src/lib.rs");
    let uri = file_uri(&path);
    let mut client = server(&repo);
    client.open(&uri, "rust", 1, "fn main() {\n}\n");
    std::fs::write(&path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &[
            "mark",
            "--file",
            path.to_str().unwrap(),
            "--agent",
            "cursor",
        ],
    );
    assert!(out.status.success());
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    // The editor reloads the buffer from disk with a minimal edit.
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let regions = client.regions(&uri);
    assert_eq!(regions["regions"][0]["source"], "agent", "{regions}");
    assert_eq!(regions["regions"][0]["agent"], "cursor");
}

#[test]
fn a_marked_write_to_a_file_never_opened_is_measured_against_head() {
    let repo = repo_with_file();
    let path = repo.file("src/lib.rs");
    let uri = file_uri(&path);
    let mut client = server(&repo);
    std::fs::write(&path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
    let file = path.to_str().unwrap();
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &["mark", "--file", file, "--agent", "claude-code"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    client.open(&uri, "rust", 1, &std::fs::read_to_string(&path).unwrap());
    let regions = client.regions(&uri);
    assert_eq!(regions["regions"].as_array().unwrap().len(), 1, "{regions}");
    assert_eq!(regions["regions"][0]["source"], "agent");
    assert_eq!(regions["regions"][0]["range"]["start"]["line"], 2);

    // A new file the agent created is all the agent's.
    let created = repo.file("src/new.rs");
    std::fs::write(&created, "pub fn made() {}\n").unwrap();
    let file = created.to_str().unwrap();
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &["mark", "--file", file, "--agent", "claude-code"],
    );
    assert!(out.status.success());
    let new_uri = file_uri(&created);
    client.open(&new_uri, "rust", 1, "pub fn made() {}\n");
    assert_eq!(client.regions(&new_uri)["regions"][0]["source"], "agent");
}

#[test]
fn an_unmarked_file_never_opened_has_no_regions_on_open() {
    let repo = repo_with_file();
    let path = repo.file("src/lib.rs");
    let uri = file_uri(&path);
    let mut client = server(&repo);
    std::fs::write(&path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
    client.open(&uri, "rust", 1, &std::fs::read_to_string(&path).unwrap());
    assert_eq!(client.regions(&uri)["regions"], json!([]));
}
