//! Hints that describe the text as it is now: after an edit, hover, lenses
//! and inlay hints answer for the moved lines at once, before history is
//! read again, and the client is asked to refresh when it has been (history
//! is read again once edits pause, whether or not the client asks); a note
//! written after history was read still counts, and a hover sent while a
//! long history is read waits for its answer.

use serde_json::{json, Value};

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

/// `parse` rewritten twice (the last time by Bo Other), `keep` never.
fn repository() -> Repo {
    let mut repo = Repo::new();
    let text = |n: u32| format!("fn parse() -> u32 {{\n    {n}\n}}\n\nfn keep() {{\n}}\n");
    repo.write("src/lib.rs", &text(1));
    repo.commit("Add the parser");
    repo.write("src/lib.rs", &text(2));
    repo.commit("Parse two");
    repo.write("src/lib.rs", &text(3));
    repo.commit_as("Bo Other", "bo@example.com", "Parse three");
    repo
}

const FRESH: &str = "fn fresh() {\n    0\n}\n\n";

fn lens_lines(lenses: &Value) -> Vec<u64> {
    lenses
        .as_array()
        .map(|l| {
            l.iter()
                .map(|lens| lens["range"]["start"]["line"].as_u64().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

fn lenses(client: &mut Client, uri: &str) -> Value {
    client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    )
}

fn hover_text(client: &mut Client, uri: &str, line: u32, character: u32) -> String {
    client.hover(uri, line, character)["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A server on the repository with `src/lib.rs` open and indexed.
fn start(repo: &Repo, capabilities: Value) -> (Client, String) {
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize_with(&repo.path(), json!({}), capabilities);
    let uri = file_uri(&repo.file("src/lib.rs"));
    client.open(&uri, "rust", 1, &repo.read("src/lib.rs"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while lens_lines(&lenses(&mut client, &uri)) != [0, 4] {
        assert!(std::time::Instant::now() < deadline, "{}", client.log());
    }
    (client, uri)
}

#[test]
fn a_hover_after_lines_inserted_above_answers_for_the_block_now_under_it() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}));
    client.change(&uri, 2, ((0, 0), (0, 0)), FRESH);
    // `keep` is now lines 9–10, `parse` lines 5–7.
    let keep = hover_text(&mut client, &uri, 9, 0);
    assert!(keep.contains("`keep` (lines 9–10)"), "{keep}");
    assert!(keep.contains("Add the parser"), "{keep}");
    assert!(!keep.contains("Parse three"), "{keep}");
    let parse = hover_text(&mut client, &uri, 5, 4);
    assert!(parse.contains("`parse` (lines 5–7)"), "{parse}");
    assert!(parse.contains("Parse three"), "{parse}");
    // The lines just written have no history, whatever lines 1–3 at HEAD had.
    let fresh = hover_text(&mut client, &uri, 1, 4);
    assert!(fresh.contains("Not committed yet"), "{fresh}");
    assert!(!fresh.contains("Parse"), "{fresh}");
    assert!(!fresh.contains("Add the parser"), "{fresh}");
}

#[test]
fn a_lens_moves_with_its_function_and_the_client_is_told_when_history_is_read_again() {
    let repo = repository();
    let capabilities = json!({"workspace": {"codeLens": {"refreshSupport": true}}});
    let (mut client, uri) = start(&repo, capabilities);
    // The refresh that follows indexing on open.
    client
        .wait_for(|m| m["method"] == "workspace/codeLens/refresh")
        .unwrap_or_else(|| panic!("no codeLens refresh after open\n{}", client.log()));
    client.drain();
    client.change(&uri, 2, ((0, 0), (0, 0)), FRESH);
    // At once: the known lenses, moved with their functions (on a loaded
    // machine history may already have been read again, lenses for the new
    // function included; before the change the lenses stayed at 0 and 4).
    let at_once = lens_lines(&lenses(&mut client, &uri));
    if at_once == [4, 8] {
        // Then history is read for the new text and the client asked to
        // refresh.
        client
            .wait_for(|m| m["method"] == "workspace/codeLens/refresh")
            .unwrap_or_else(|| panic!("no codeLens refresh\n{}", client.log()));
    } else {
        assert_eq!(at_once, [0, 4, 8]);
    }
    let now = lenses(&mut client, &uri);
    assert_eq!(lens_lines(&now), [0, 4, 8], "{now}");
    // The new function is not committed: its lens says so (issue 13 item 5).
    assert_eq!(now[0]["command"]["title"], "not committed yet", "{now}");
}

#[test]
fn lines_typed_inside_a_block_keep_its_history() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}));
    // A new line inside `parse`, after `    3`.
    client.change(&uri, 2, ((1, 5), (1, 5)), "\n    + 1");
    let typed = hover_text(&mut client, &uri, 2, 4);
    assert!(typed.contains("`parse` (lines 1–4)"), "{typed}");
    assert!(typed.contains("Parse three"), "{typed}");
    let keep = hover_text(&mut client, &uri, 5, 0);
    assert!(keep.contains("`keep` (lines 6–7)"), "{keep}");
}

#[test]
fn history_is_read_again_once_edits_pause_and_the_client_is_asked_to_refresh() {
    let repo = repository();
    let capabilities = json!({"workspace": {"codeLens": {"refreshSupport": true}}});
    let (mut client, uri) = start(&repo, capabilities);
    client
        .wait_for(|m| m["method"] == "workspace/codeLens/refresh")
        .unwrap_or_else(|| panic!("no codeLens refresh after open\n{}", client.log()));
    client.drain();
    client.change(&uri, 2, ((0, 0), (0, 0)), FRESH);
    // No request in between: the server reads history again on its own.
    client
        .wait_for(|m| m["method"] == "workspace/codeLens/refresh")
        .unwrap_or_else(|| panic!("no codeLens refresh after the edit\n{}", client.log()));
    assert_eq!(lens_lines(&lenses(&mut client, &uri)), [0, 4, 8]);
}

/// git-ai writes its note in a post-commit hook, after the commit: the
/// server may have read the new HEAD's history already. A note that lands
/// later still changes what lenses and hover say.
#[test]
fn a_git_ai_note_written_after_history_was_read_shows_in_lenses_and_hover() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}));
    let titles = |client: &mut Client| -> Vec<String> {
        lenses(client, &uri)
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["command"]["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(titles(&mut client).iter().all(|t| !t.contains("AI")));
    // A cursor session wrote `parse` (lines 1-3) in HEAD, as git-ai records
    // it; of them HEAD added line 2 alone (`    3`), the others are older.
    let note = "src/lib.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-3\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}}}}\n";
    let file = repo.home().join("note.txt");
    std::fs::write(&file, note).unwrap();
    repo.git(&[
        "notes",
        "--ref=ai",
        "add",
        "-F",
        file.to_str().unwrap(),
        "HEAD",
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = titles(&mut client);
        if now[0].contains("33% AI") {
            assert!(!now[1].contains("AI"), "{now:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{now:?}\n{}",
            client.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let hover = hover_text(&mut client, &uri, 1, 4);
    assert!(
        hover.contains("AI-written (completion or agent): 33% of its committed lines"),
        "{hover}"
    );
}

/// `src/long.rs`: `functions` functions, each changed in turn by one of
/// `commits` commits (written with `git fast-import`, so a long history
/// takes a moment to make and a while to read).
fn long_history(functions: usize, commits: usize) -> Repo {
    use std::io::Write;
    let repo = Repo::new();
    let text = |values: &[usize]| -> String {
        values
            .iter()
            .enumerate()
            .map(|(f, v)| format!("// f{f}\nfn f{f}() -> usize {{\n    {v}\n}}\n\n"))
            .collect()
    };
    let mut values = vec![0; functions];
    let mut stream = Vec::new();
    for i in 0..commits {
        values[i % functions] = i;
        let content = text(&values);
        let message = format!("Change f{}", i % functions);
        write!(
            stream,
            "commit refs/heads/main\ncommitter Ada Human <ada@example.com> {} +0000\ndata {}\n{message}\n",
            repo.clock + i as i64 * 600,
            message.len()
        )
        .unwrap();
        write!(
            stream,
            "M 644 inline src/long.rs\ndata {}\n{content}\n",
            content.len()
        )
        .unwrap();
    }
    let mut child = std::process::Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(repo.path())
        .env("HOME", repo.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(child.wait().unwrap().success());
    repo.git(&["reset", "-q", "--hard", "main"]);
    repo
}

/// "indexing…" stayed until the mouse moved: a hover sent while a file's
/// long history is read waits for it and gets the real answer.
#[test]
fn a_hover_sent_while_a_long_history_is_read_gets_the_answer_not_indexing() {
    let repo = long_history(40, 800);
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize_with(
        &repo.path(),
        json!({}),
        json!({"window": {"workDoneProgress": true}}),
    );
    let uri = file_uri(&repo.file("src/long.rs"));
    let text = repo.read("src/long.rs");
    let started = std::time::Instant::now();
    client.open(&uri, "rust", 1, &text);
    let line = text
        .lines()
        .position(|l| l == "fn f7() -> usize {")
        .unwrap() as u32;
    // Sent at once: reading 800 commits takes seconds (about 3 s, debug
    // build), longer than a request's budget. The hover stays pending on
    // the indexing and answers with its result.
    let hover = hover_text(&mut client, &uri, line + 1, 4);
    let answered = started.elapsed();
    client.wait_notification("$/progress", |p| p["value"]["kind"] == "end");
    let indexed = started.elapsed();
    let said = format!("answered after {answered:?}, indexed after {indexed:?}: {hover}");
    assert!(
        !hover.contains("indexing") && !hover.contains("still reading"),
        "{said}"
    );
    assert!(hover.contains("`f7`"), "{said}");
    assert!(hover.contains("Change f7"), "{said}");
}

/// An inlay hint ends its function's header line, past the doc comment and
/// attribute, and moves with it through an edit at once.
#[test]
fn an_inlay_hint_ends_the_header_line_and_moves_with_it_at_once() {
    let mut repo = Repo::new();
    let text = "/// Parses it.\n#[inline]\nfn parse() -> u32 {\n    1\n}\n";
    repo.write("src/lib.rs", text);
    repo.commit("Add the parser");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({"hints": {"style": "inlay"}}));
    let uri = file_uri(&repo.file("src/lib.rs"));
    client.open(&uri, "rust", 1, text);
    let positions = |client: &mut Client| -> Vec<Value> {
        let hints = client.request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}}}),
        );
        hints
            .as_array()
            .map(|h| h.iter().map(|h| h["position"].clone()).collect())
            .unwrap_or_default()
    };
    let header = "fn parse() -> u32 {".len();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while positions(&mut client) != [json!({"line": 2, "character": header})] {
        assert!(std::time::Instant::now() < deadline, "{}", client.log());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    client.change(&uri, 2, ((0, 0), (0, 0)), FRESH);
    let moved = positions(&mut client);
    assert!(
        moved.contains(&json!({"line": 6, "character": header})),
        "{moved:?}"
    );
    assert!(
        !moved.contains(&json!({"line": 2, "character": header})),
        "{moved:?}"
    );
}
