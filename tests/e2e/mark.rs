//! `provenance-ls mark` end to end: the real binary, real git repositories
//! made with the git CLI, and the marks file read back with the library.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use provenance_ls::journal::{read_marks, Journal, Mark};

const BIN: &str = env!("CARGO_BIN_EXE_provenance-ls");

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A git repository with one committed file `src/a.rs`.
struct Repo {
    _tmp: tempfile::TempDir,
    /// Where per-user data goes for files outside any repository.
    data_home: PathBuf,
    root: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(tmp.path()).unwrap();
        let root = base.join("repo");
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(root.join("src/a.rs"), "fn a() {}\n").unwrap();
        git(&root, &["init", "-q"]);
        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "first"]);
        Repo {
            data_home: base.join("data"),
            _tmp: tmp,
            root,
        }
    }

    fn marks_dir(&self) -> PathBuf {
        self.root.join(".git/provenance")
    }

    /// Runs `provenance-ls mark ARGS` in `cwd` with `stdin` piped in.
    fn mark(&self, cwd: &Path, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(BIN)
            .arg("mark")
            .args(args)
            .current_dir(cwd)
            .env("XDG_DATA_HOME", &self.data_home)
            .env("HOME", self.data_home.join("home"))
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
        child.wait_with_output().unwrap()
    }
}

fn assert_silent_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "hooks want no output on success");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn mark_of(path: &Path, agent: Option<&str>, model: Option<&str>, at_ms: u64) -> Mark {
    Mark {
        path: path.to_path_buf(),
        agent: agent.map(str::to_owned),
        model: model.map(str::to_owned),
        at_ms,
        usage: None,
    }
}

/// The marks with their times replaced by 0, which the test cannot know.
fn marks_without_time(dir: &Path) -> Vec<Mark> {
    read_marks(dir)
        .into_iter()
        .map(|m| Mark { at_ms: 0, ..m })
        .collect()
}

#[test]
fn mark_with_flags_lands_in_the_git_dir() {
    let repo = Repo::new();
    let file = repo.root.join("src/a.rs");
    let out = repo.mark(
        &repo.root,
        &[
            "--file",
            file.to_str().unwrap(),
            "--agent",
            "claude-code",
            "--model",
            "claude-opus-4-5",
        ],
        "",
    );
    assert_silent_success(&out);
    let marks = read_marks(&repo.marks_dir());
    assert_eq!(marks.len(), 1);
    assert!(marks[0].at_ms > 1_700_000_000_000, "a Unix time in ms");
    assert_eq!(
        marks_without_time(&repo.marks_dir()),
        [mark_of(
            &file,
            Some("claude-code"),
            Some("claude-opus-4-5"),
            0
        )]
    );
}

#[test]
fn relative_paths_and_deleted_files_are_marked_canonically() {
    let repo = Repo::new();
    assert_silent_success(&repo.mark(&repo.root.join("src"), &["--file", "a.rs"], ""));
    assert_silent_success(&repo.mark(&repo.root, &["--file", "src/../gone.rs"], ""));
    assert_eq!(
        marks_without_time(&repo.marks_dir()),
        [
            mark_of(&repo.root.join("src/a.rs"), None, None, 0),
            mark_of(&repo.root.join("gone.rs"), None, None, 0),
        ]
    );
}

#[test]
fn mark_works_while_a_server_holds_the_journal() {
    let repo = Repo::new();
    let (_journal, _) =
        Journal::open::<serde_json::Value, _>(&repo.marks_dir(), |_| Vec::new()).unwrap();
    let file = repo.root.join("src/a.rs");
    assert_silent_success(&repo.mark(&repo.root, &["--file", file.to_str().unwrap()], ""));
    assert_eq!(read_marks(&repo.marks_dir()).len(), 1);
}

#[test]
fn marks_from_many_processes_at_once_are_all_kept() {
    let repo = Repo::new();
    let files: Vec<PathBuf> = (0..8)
        .map(|n| {
            let file = repo.root.join(format!("src/f{n}.rs"));
            fs::write(&file, "").unwrap();
            file
        })
        .collect();
    let children: Vec<_> = files
        .iter()
        .map(|file| {
            Command::new(BIN)
                .args(["mark", "--file", file.to_str().unwrap(), "--agent", "swarm"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut marked: Vec<PathBuf> = read_marks(&repo.marks_dir())
        .into_iter()
        .map(|m| m.path)
        .collect();
    marked.sort();
    assert_eq!(marked, files);
}

#[test]
fn claude_code_hook_input_on_stdin() {
    let repo = Repo::new();
    let input = serde_json::json!({
        "session_id": "abc",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": repo.root,
        "hook_event_name": "PostToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": repo.root.join("src/a.rs"), "old_string": "a", "new_string": "b"},
        "tool_response": {"success": true}
    });
    let out = repo.mark(&repo.root, &["--stdin-json"], &input.to_string());
    assert_silent_success(&out);
    assert_eq!(
        marks_without_time(&repo.marks_dir()),
        [mark_of(
            &repo.root.join("src/a.rs"),
            Some("claude-code"),
            None,
            0
        )]
    );
}

#[test]
fn cursor_hook_input_on_stdin_with_flags_overriding() {
    let repo = Repo::new();
    let input = serde_json::json!({
        "conversation_id": "c",
        "generation_id": "g",
        "hook_event_name": "afterFileEdit",
        "workspace_roots": [repo.root],
        "model": "gpt-5",
        "file_path": "src/a.rs",
        "edits": [{"old_string": "a", "new_string": "b"}]
    });
    // A hook may run in any folder; the relative path is resolved against
    // the workspace root the input names.
    let elsewhere = repo.data_home.parent().unwrap();
    let out = repo.mark(
        elsewhere,
        &["--stdin-json", "--agent", "cursor-agent"],
        &input.to_string(),
    );
    assert_silent_success(&out);
    assert_eq!(
        marks_without_time(&repo.marks_dir()),
        [mark_of(
            &repo.root.join("src/a.rs"),
            Some("cursor-agent"),
            Some("gpt-5"),
            0
        )]
    );
}

#[test]
fn a_linked_worktree_keeps_its_own_marks() {
    let repo = Repo::new();
    let tree = repo.root.parent().unwrap().join("feature");
    git(
        &repo.root,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            tree.to_str().unwrap(),
        ],
    );
    let file = tree.join("src/a.rs");
    assert_silent_success(&repo.mark(&tree, &["--file", file.to_str().unwrap()], ""));
    let dir = repo.root.join(".git/worktrees/feature/provenance");
    assert_eq!(marks_without_time(&dir), [mark_of(&file, None, None, 0)]);
}

#[cfg(target_os = "linux")]
#[test]
fn outside_git_marks_go_to_the_per_user_data_folder() {
    let repo = Repo::new();
    let loose = repo.root.parent().unwrap().join("loose");
    fs::create_dir_all(&loose).unwrap();
    let file = loose.join("notes.py");
    assert_silent_success(&repo.mark(&loose, &["--file", file.to_str().unwrap()], ""));
    let workspaces = repo.data_home.join("provenance-ls/workspaces");
    let folders: Vec<PathBuf> = fs::read_dir(&workspaces)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let name = folders[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("loose-"), "{name}");
    assert_eq!(
        marks_without_time(&folders[0]),
        [mark_of(&file, None, None, 0)]
    );
}

#[test]
fn errors_are_clear_and_write_nothing() {
    let repo = Repo::new();
    let missing_folder = repo.root.join("no/such/dir/x.rs");
    let cases: Vec<(&str, Vec<&str>, &str, &str)> = vec![
        (
            "folder missing",
            vec!["--file", missing_folder.to_str().unwrap()],
            "",
            "does not exist",
        ),
        (
            "stdin not JSON",
            vec!["--stdin-json"],
            "not json",
            "not JSON",
        ),
        (
            "no file in the hook input",
            vec!["--stdin-json"],
            r#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#,
            "names no file",
        ),
        ("neither --file nor --stdin-json", vec![], "", "--file"),
    ];
    for (name, args, stdin, want) in cases {
        let out = repo.mark(&repo.root, &args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "case {name}");
        assert!(stderr.contains(want), "case {name}: {stderr}");
        assert!(out.stdout.is_empty(), "case {name}");
    }
    assert!(read_marks(&repo.marks_dir()).is_empty());
}

// ---- an editor that reloads a marked file without watching files ----
//
// ALE, coc without watchman and Kakoune send no `didChangeWatchedFiles`
// and no `reload` hint: the reload from disk arrives as a plain didChange
// (ALE: the whole text). A recent mark naming the file makes it the
// agent's; without one it stays what any such change is.

mod reload_without_a_watcher {
    use serde_json::{json, Value};

    use crate::support::git::{run_binary, Repo};
    use crate::support::lsp::{file_uri, Client};

    const BEFORE: &str = "fn main() {\n}\n";
    const BLOCK: &str = "fn added() {\n    let x = 1;\n    x + 1\n}\n";

    /// A repository with `src/lib.rs` committed, a server with it open.
    fn opened() -> (Repo, Client, String) {
        let mut repo = Repo::new();
        repo.write("src/lib.rs", BEFORE);
        repo.commit("start");
        let mut client = Client::spawn(&repo.path(), &repo.home());
        client.initialize(&repo.path(), json!({}));
        let uri = file_uri(&repo.file("src/lib.rs"));
        client.open(&uri, "rust", 1, BEFORE);
        (repo, client, uri)
    }

    fn mark(repo: &Repo, agent: &str) {
        let path = repo.file("src/lib.rs");
        let file = path.to_str().unwrap();
        let out = run_binary(
            &repo.path(),
            &repo.home(),
            &["mark", "--file", file, "--agent", agent, "--model", "m-1"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// What ALE sends when Vim reloads a buffer: the whole new text.
    fn full_text_change(client: &mut Client, uri: &str, version: i32, text: &str) {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    fn regions(client: &mut Client, uri: &str) -> Vec<Value> {
        client.regions(uri)["regions"].as_array().unwrap().clone()
    }

    #[test]
    fn a_marked_write_reloaded_as_full_text_is_the_agents() {
        let (repo, mut client, uri) = opened();
        mark(&repo, "claude-code");
        let after = format!("{BEFORE}{BLOCK}");
        repo.write("src/lib.rs", &after);
        full_text_change(&mut client, &uri, 2, &after);
        let found = regions(&mut client, &uri);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["source"], "agent", "{found:?}");
        assert_eq!(found[0]["agent"], "claude-code");
        assert_eq!(found[0]["model"], "m-1");
        // The diff against the buffer gives the region: the new lines only.
        assert_eq!(
            found[0]["range"]["start"],
            json!({"line": 2, "character": 0})
        );
        assert_eq!(found[0]["range"]["end"], json!({"line": 6, "character": 0}));
        // The hover says who wrote it.
        let hover = client.hover(&uri, 3, 4);
        let text = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(text.contains("claude-code"), "{text}");
    }

    #[test]
    fn a_marked_write_reloaded_as_minimal_edits_is_the_agents() {
        // coc and Kakoune send the reload as edits against the buffer.
        let (repo, mut client, uri) = opened();
        repo.write("src/lib.rs", &format!("{BEFORE}{BLOCK}"));
        mark(&repo, "cursor");
        client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
        let found = regions(&mut client, &uri);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["source"], "agent", "{found:?}");
        assert_eq!(found[0]["agent"], "cursor");
    }

    #[test]
    fn the_same_reload_without_a_mark_is_no_agents() {
        let (repo, mut client, uri) = opened();
        let after = format!("{BEFORE}{BLOCK}");
        repo.write("src/lib.rs", &after);
        full_text_change(&mut client, &uri, 2, &after);
        let found = regions(&mut client, &uri);
        // A large insertion of unknown origin, as before: bulk, never agent.
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0]["source"], "bulk", "{found:?}");
    }

    #[test]
    fn typing_that_happens_to_equal_the_disk_text_is_not_the_agents() {
        // Unsaved edits thrown away in the buffer, then typed back: the
        // buffer ends equal to the file, and no mark names it.
        let (repo, mut client, uri) = opened();
        let after = "fn main() {\n    go();\n}\n";
        repo.write("src/lib.rs", after);
        client.change(&uri, 2, ((0, 11), (0, 11)), "\n");
        let mut version = 3;
        for (at, c) in "    go();".chars().enumerate() {
            let at = at as u32;
            client.change(&uri, version, ((1, at), (1, at)), &c.to_string());
            version += 1;
        }
        client.drain();
        assert_eq!(regions(&mut client, &uri), Vec::<Value>::new());
        // A mark explains the change it precedes, not later ones: the
        // agent's write typed over and then typed back is nobody's.
        mark(&repo, "claude-code");
        client.change(&uri, version, ((1, 4), (1, 9)), "");
        client.change(&uri, version + 1, ((1, 4), (1, 4)), "go();");
        assert_eq!(client.regions(&uri)["version"], version + 1);
        assert_eq!(regions(&mut client, &uri), Vec::<Value>::new());
    }
}
