//! Attribution through every rewrite, line by line: a 6-line completion
//! accepted in the editor and committed through the real server, then
//! rewritten with the git CLI — with the server running during the rewrite,
//! and with it stopped. Each case × mode checks `blame --json` right after
//! the rewrite, then once the server has looked at HEAD (started again when
//! it was stopped), the old commits' notes pruned (`git notes prune`) and the
//! old commits collected (`gc --prune=now`): the same lines, exactly, are
//! copilot's and no other line is AI.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::git::{run_binary, Repo};
use crate::support::lsp::{file_uri, Client};

/// Four lines; the completion goes in after them (lines 5–10).
const START: &str = "//! The library.\n\nfn main() {\n}\n";
const COMPLETION: &str = "fn suggested() -> u32 {\n    let base = 40;\n    let extra = 2;\n    let total = base + extra;\n    total\n}\n";
/// The completion's lines in the file as committed.
const WRITTEN: [u32; 6] = [5, 6, 7, 8, 9, 10];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// The server runs while git rewrites.
    Running,
    /// The server is stopped before the rewrite and started again after it.
    Stopped,
}

/// A repository with the completion committed through the server.
struct Scene {
    repo: Repo,
    client: Option<Client>,
    uri: String,
    version: i32,
    /// Where the rewritten history is read (another clone, for the notes-sharing case).
    read_in: PathBuf,
    /// The file blamed at the end.
    path: &'static str,
}

struct Case {
    /// Rewrites the history; may edit in the editor when the server runs.
    rewrite: fn(&mut Scene, Mode),
    /// 1-based lines of `Scene::path` that must be copilot's at the end.
    ai: &'static [u32],
}

fn edited_line(scene: &mut Scene, mode: Mode) {
    // Line 6 (`    let base = 40;`): "40" becomes "41".
    if let (Mode::Running, Some(client)) = (mode, scene.client.as_mut()) {
        scene.version += 1;
        client.change(&scene.uri, scene.version, ((5, 15), (5, 17)), "41");
        client.regions(&scene.uri); // applied before the commit
    }
    let text = format!("{START}{}", COMPLETION.replace("40", "41"));
    scene.repo.write("src/lib.rs", &text);
}

const CASES: &[(&str, Case)] = &[
    (
        "plain commit",
        Case {
            rewrite: |_, _| {},
            ai: &WRITTEN,
        },
    ),
    (
        "amend of the message",
        Case {
            rewrite: |s, _| {
                s.repo
                    .git(&["commit", "-q", "--amend", "-m", "Add suggested, reworded"]);
            },
            ai: &WRITTEN,
        },
    ),
    (
        "amend editing one AI line",
        Case {
            rewrite: |s, mode| {
                edited_line(s, mode);
                s.repo.git(&["commit", "-q", "-a", "--amend", "--no-edit"]);
            },
            ai: &[5, 7, 8, 9, 10],
        },
    ),
    (
        "rebase onto a new base that adds lines above",
        Case {
            rewrite: |s, _| {
                s.repo.git(&["checkout", "-q", "-b", "upstream", "HEAD~1"]);
                s.repo
                    .write("src/lib.rs", &format!("// one\n// two\n// three\n{START}"));
                s.repo.commit("Add a header");
                s.repo.git(&["checkout", "-q", "main"]);
                s.repo.git(&["rebase", "-q", "upstream"]);
            },
            ai: &[8, 9, 10, 11, 12, 13],
        },
    ),
    (
        "reset --soft squash",
        Case {
            rewrite: |s, _| {
                s.repo.write("NOTES.md", "by hand\n");
                s.repo.commit("Add notes");
                s.repo.git(&["reset", "-q", "--soft", "HEAD~2"]);
                s.repo.commit("Add suggested and notes");
            },
            ai: &WRITTEN,
        },
    ),
    (
        "cherry-pick, the original branch deleted",
        Case {
            rewrite: |s, _| {
                s.repo.git(&["checkout", "-q", "-b", "picked", "HEAD~1"]);
                s.repo.write("NOTES.md", "by hand\n");
                s.repo.commit("Add notes");
                s.repo.git(&["cherry-pick", "main"]);
                s.repo.git(&["branch", "-q", "-D", "main"]);
            },
            ai: &WRITTEN,
        },
    ),
    (
        "merge --squash, the branch deleted",
        Case {
            rewrite: |s, _| {
                s.repo.git(&["branch", "feature"]);
                s.repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
                s.repo.write("NOTES.md", "by hand\n");
                s.repo.commit("Add notes");
                s.repo.git(&["merge", "-q", "--squash", "feature"]);
                s.repo.commit("Squashed feature");
                s.repo.git(&["branch", "-q", "-D", "feature"]);
            },
            ai: &WRITTEN,
        },
    ),
    (
        "GitHub-style squash: same diff, new parent",
        Case {
            rewrite: |s, _| {
                // The branch: the completion, then a human commit.
                s.repo.write("NOTES.md", "by hand\n");
                s.repo.commit("Add notes");
                s.repo.git(&["branch", "feature"]);
                // Meanwhile main moved on.
                s.repo.git(&["reset", "-q", "--hard", "HEAD~2"]);
                s.repo.write("UPSTREAM.md", "upstream\n");
                s.repo.commit("Upstream change");
                // One commit with the branch's whole diff on main's new tip.
                s.repo
                    .git(&["checkout", "-q", "feature", "--", "src/lib.rs", "NOTES.md"]);
                s.repo.commit("Add suggested (#1)");
                s.repo.git(&["branch", "-q", "-D", "feature"]);
            },
            ai: &WRITTEN,
        },
    ),
    (
        "git mv later",
        Case {
            rewrite: |s, _| {
                s.repo.git(&["mv", "src/lib.rs", "src/moved.rs"]);
                s.repo.commit("Move the library");
                s.path = "src/moved.rs";
            },
            ai: &WRITTEN,
        },
    ),
    (
        "notes pushed to a bare repository and fetched into another clone",
        Case {
            rewrite: |s, _| {
                let bare = s.repo.dir.path().join("shared.git");
                let clone = s.repo.dir.path().join("clone");
                let (bare_s, clone_s) = (bare.to_str().unwrap(), clone.to_str().unwrap());
                s.repo.git(&["init", "-q", "--bare", "-b", "main", bare_s]);
                s.repo
                    .git(&["push", "-q", bare_s, "main", "refs/notes/provenance"]);
                s.repo.git(&["clone", "-q", bare_s, clone_s]);
                let in_clone = |args: &[&str]| {
                    let mut all = vec!["-C", clone_s];
                    all.extend_from_slice(args);
                    s.repo.git(&all);
                };
                in_clone(&[
                    "fetch",
                    "-q",
                    "origin",
                    "refs/notes/provenance:refs/notes/provenance",
                ]);
                s.read_in = clone;
            },
            ai: &WRITTEN,
        },
    ),
];

fn case(name: &str) -> &'static Case {
    &CASES.iter().find(|(n, _)| *n == name).expect("a case").1
}

/// The completion accepted in the editor, saved and committed while the server runs.
fn committed_completion() -> Scene {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", START);
    repo.commit("Start");
    let uri = file_uri(&repo.file("src/lib.rs"));
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client.open(&uri, "rust", 1, START);
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((4, 0), (4, 0)), COMPLETION);
    assert_eq!(client.regions(&uri)["regions"][0]["source"], "completion");
    // Let the HEAD watcher see the starting commit first.
    wait_until_checked(&repo.path(), &client);
    repo.write("src/lib.rs", &format!("{START}{COMPLETION}"));
    repo.commit("Add suggested");
    wait_for_note(&repo.path(), "HEAD", &client);
    let read_in = repo.path();
    Scene {
        repo,
        client: Some(client),
        uri,
        version: 2,
        read_in,
        path: "src/lib.rs",
    }
}

fn git_in(dir: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs")
}

fn git_ok(dir: &Path, home: &Path, args: &[&str]) -> String {
    let out = git_in(dir, home, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn wait_for_note(dir: &Path, rev: &str, client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let home = dir.parent().unwrap().join("home");
    while !git_in(dir, &home, &["notes", "--ref=provenance", "show", rev])
        .status
        .success()
    {
        assert!(
            Instant::now() < deadline,
            "no provenance note on {rev}\n{}",
            client.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the server has re-anchored up to HEAD of `dir` (it remembers
/// the tip it checked in the journal folder).
fn wait_until_checked(dir: &Path, client: &Client) {
    let home = dir.parent().unwrap().join("home");
    let git_dir = git_ok(dir, &home, &["rev-parse", "--absolute-git-dir"]);
    let marker = Path::new(git_dir.trim()).join("provenance/reanchored-tip");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let head = git_ok(dir, &home, &["rev-parse", "HEAD"]);
        if std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == head.trim()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "HEAD {} never checked\n{}",
            head.trim(),
            client.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The lines `blame --json` calls AI, each asserted to be copilot's.
fn ai_lines(scene: &Scene) -> Vec<u32> {
    let out = run_binary(
        &scene.read_in,
        &scene.repo.home(),
        &["blame", scene.path, "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), scene_len(scene), "{lines:?}");
    lines
        .iter()
        .filter(|l| l["ai"] == true)
        .inspect(|l| assert_eq!(l["agent"], "copilot", "{l}"))
        .map(|l| l["line"].as_u64().unwrap() as u32)
        .collect()
}

fn scene_len(scene: &Scene) -> usize {
    std::fs::read_to_string(scene.read_in.join(scene.path))
        .unwrap()
        .lines()
        .count()
}

fn check(name: &str, mode: Mode) {
    let case = case(name);
    let mut scene = committed_completion();
    let original = scene.repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    assert_eq!(ai_lines(&scene), WRITTEN, "{name}: before the rewrite");
    if mode == Mode::Stopped {
        scene.client.take().unwrap().shutdown();
    }
    (case.rewrite)(&mut scene, mode);
    assert_eq!(
        ai_lines(&scene),
        case.ai,
        "{name}, {mode:?}: after the rewrite"
    );

    // The server looks at HEAD (started again if it was stopped): commits
    // the rewrite made get notes of their own.
    let client = match scene.client.take() {
        Some(client) if scene.read_in == scene.repo.path() => client,
        running => {
            drop(running);
            let mut client = Client::spawn(&scene.read_in, &scene.repo.home());
            client.initialize(&scene.read_in, json!({}));
            client
        }
    };
    wait_until_checked(&scene.read_in, &client);
    client.shutdown();
    let home = scene.repo.home();
    // Collect the commits the rewrite left behind, then their notes.
    git_ok(
        &scene.read_in,
        &home,
        &["reflog", "expire", "--expire=now", "--all"],
    );
    git_ok(&scene.read_in, &home, &["gc", "-q", "--prune=now"]);
    git_ok(
        &scene.read_in,
        &home,
        &["notes", "--ref=provenance", "prune"],
    );
    let original_gone = !git_in(&scene.read_in, &home, &["cat-file", "-e", &original])
        .status
        .success();
    let notes = git_ok(
        &scene.read_in,
        &home,
        &["notes", "--ref=provenance", "list"],
    );
    assert_eq!(
        notes.contains(&original),
        !original_gone,
        "{name}, {mode:?}: the original commit's note is pruned exactly when the commit is gone"
    );
    assert_eq!(
        ai_lines(&scene),
        case.ai,
        "{name}, {mode:?}: after notes prune and gc"
    );
}

macro_rules! rewrite_tests {
    ($($test:ident: $name:literal;)*) => {
        mod server_running {
            $(#[test] fn $test() { super::check($name, super::Mode::Running) })*
        }
        mod server_stopped {
            $(#[test] fn $test() { super::check($name, super::Mode::Stopped) })*
        }
        /// Every case of the table has its tests.
        #[test]
        fn every_case_is_tested() {
            let tested = [$($name),*];
            for (name, _) in CASES {
                assert!(tested.contains(name), "{name} has no test");
            }
        }
    };
}

rewrite_tests! {
    plain_commit: "plain commit";
    amend_message: "amend of the message";
    amend_editing_one_ai_line: "amend editing one AI line";
    rebase_onto_new_base_with_lines_above: "rebase onto a new base that adds lines above";
    reset_soft_squash: "reset --soft squash";
    cherry_pick: "cherry-pick, the original branch deleted";
    merge_squash: "merge --squash, the branch deleted";
    github_style_squash: "GitHub-style squash: same diff, new parent";
    git_mv_later: "git mv later";
    notes_shared_through_a_bare_repository: "notes pushed to a bare repository and fetched into another clone";
}

/// A note written for a commit the server did not see made says what it was
/// derived from, and holds exactly the lines still as written.
#[test]
fn a_derived_note_names_its_source_and_the_lines_left() {
    let mut scene = committed_completion();
    let old = scene.repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let old_note = scene
        .repo
        .git(&["notes", "--ref=provenance", "show", "HEAD"]);
    let old_record: Value = serde_json::from_str(old_note.lines().next().unwrap()).unwrap();
    scene.client.take().unwrap().shutdown();
    edited_line(&mut scene, Mode::Stopped);
    scene
        .repo
        .git(&["commit", "-q", "-a", "--amend", "--no-edit"]);
    assert!(!scene
        .repo
        .git_output(&["notes", "--ref=provenance", "show", "HEAD"])
        .status
        .success());

    let mut client = Client::spawn(&scene.repo.path(), &scene.repo.home());
    client.initialize(&scene.repo.path(), json!({}));
    wait_for_note(&scene.repo.path(), "HEAD", &client);
    wait_until_checked(&scene.repo.path(), &client);
    client.shutdown();
    let note = scene
        .repo
        .git(&["notes", "--ref=provenance", "show", "HEAD"]);
    assert_eq!(note.lines().count(), 1, "{note}");
    let record: Value = serde_json::from_str(note.trim()).unwrap();
    let head = scene.repo.git(&["rev-parse", "HEAD"]);
    assert_eq!(record["vcs"]["revision"], head.trim());
    assert_eq!(record["tool"]["name"], "copilot");
    let ranges: Vec<(u64, u64)> = record["files"][0]["conversations"][0]["ranges"]
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
    assert_eq!(ranges, [(5, 5), (7, 10)]);
    assert_eq!(
        record["metadata"]["dev.provenance-ls"]["derived_from"],
        json!([{"commit": old, "record": old_record["id"]}])
    );
}
