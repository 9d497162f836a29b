//! Attribution against real repositories made with the git CLI: notes
//! written by provenance-ls read back by `git notes`, git-ai notes in a
//! fan-out tree, Agent Trace files, and attribution that survives amend and
//! rebase through content hashes.

use std::path::Path;
use std::process::Command;

use crate::support::git::Repo;

use provenance_ls::attribution::{
    write_provenance_note, AgentTraceRecord, Assistant, AttributionIndex, Contributor,
    Conversation, Tool, TraceFile, TraceRange,
};

/// git's output without the trailing newline.
fn git(repo: &Repo, args: &[&str]) -> String {
    repo.git(args).trim().to_string()
}

fn index(repo: &Repo) -> AttributionIndex {
    AttributionIndex::load_at(&repo.path())
}

fn numbered(lines: std::ops::RangeInclusive<u32>) -> String {
    lines.map(|n| format!("line {n}\n")).collect()
}

fn record(path: &str, start: u32, end: u32) -> AgentTraceRecord {
    AgentTraceRecord {
        version: "0.1.0".into(),
        id: format!("00000000-0000-4000-8000-{start:012}"),
        timestamp: "2026-11-26T12:00:00Z".into(),
        vcs: None,
        tool: Some(Tool {
            name: "claude-code".into(),
            version: None,
        }),
        files: vec![TraceFile {
            path: path.into(),
            conversations: vec![Conversation {
                url: None,
                contributor: Some(Contributor {
                    kind: "ai".into(),
                    model_id: Some("anthropic/claude-opus-4-5".into()),
                }),
                ranges: vec![TraceRange {
                    start_line: start,
                    end_line: end,
                    content_hash: None,
                    contributor: None,
                }],
                related: None,
            }],
        }],
        metadata: None,
    }
}

fn claude() -> Option<Assistant> {
    Some(Assistant::new(
        "claude-code",
        Some("anthropic/claude-opus-4-5".into()),
    ))
}

/// Which of lines `1..=n` the index gives to an assistant, as a compact string.
fn ai_lines(index: &AttributionIndex, commit: &str, path: &str, n: u32) -> String {
    (1..=n)
        .map(|line| match index.line_assistant(commit, path, line) {
            Some(_) => 'A',
            None => '.',
        })
        .collect()
}

#[test]
fn provenance_note_round_trips_through_git_notes() {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", &numbered(1..=6));
    let commit = repo.commit("Add lib");

    let count = write_provenance_note(&repo.path(), &commit, &record("src/lib.rs", 2, 3)).unwrap();
    assert_eq!(count, 1);
    let shown = git(&repo, &["notes", "--ref=provenance", "show", &commit]);
    let back: AgentTraceRecord = serde_json::from_str(&shown).expect("git reads our note");
    let hash = back.files[0].conversations[0].ranges[0]
        .content_hash
        .clone();
    assert!(hash.is_some_and(|h| h.starts_with("sha256:")), "{shown}");

    // A second record on the same commit is appended as another JSON line.
    assert_eq!(
        write_provenance_note(&repo.path(), &commit, &record("src/lib.rs", 5, 5)).unwrap(),
        2
    );
    assert_eq!(
        git(&repo, &["notes", "--ref=provenance", "show", &commit])
            .lines()
            .count(),
        2
    );

    let index = index(&repo);
    assert_eq!(ai_lines(&index, &commit, "src/lib.rs", 6), ".AA.A.");
    assert_eq!(index.line_assistant(&commit, "src/lib.rs", 2), claude());
    assert_eq!(index.commit_assistant(&commit), claude());
    // Revisions other than full ids are resolved.
    assert_eq!(index.commit_assistant("HEAD"), claude());
    assert_eq!(
        index.line_assistant(&commit[..10], "src/lib.rs", 5),
        claude()
    );
}

#[test]
fn attribution_follows_amend_and_rebase_by_content() {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", &numbered(1..=4));
    repo.commit("Base");
    git(&repo, &["checkout", "-q", "-b", "feature"]);
    repo.write(
        "src/lib.rs",
        &format!("{}fn generated() {{\n    42\n}}\n", numbered(1..=4)),
    );
    let original = repo.commit("Add generated");
    write_provenance_note(&repo.path(), &original, &record("src/lib.rs", 5, 7)).unwrap();

    // Amend: a new commit id with no note of its own.
    git(
        &repo,
        &["commit", "-q", "--amend", "-m", "Add generated code"],
    );
    let amended = git(&repo, &["rev-parse", "HEAD"]);
    assert_ne!(amended, original);
    assert_eq!(
        ai_lines(&index(&repo), &amended, "src/lib.rs", 7),
        "....AAA"
    );

    // Rebase onto a main that grew lines at the top: the lines move down.
    git(&repo, &["checkout", "-q", "main"]);
    repo.write(
        "src/lib.rs",
        &format!("// header\n// more\n{}", numbered(1..=4)),
    );
    repo.commit("Add header");
    git(&repo, &["checkout", "-q", "feature"]);
    git(&repo, &["rebase", "-q", "main"]);
    let rebased = git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(
        ai_lines(&index(&repo), &rebased, "src/lib.rs", 9),
        "......AAA"
    );
}

#[test]
fn git_ai_notes_in_a_fan_out_tree_and_human_lines_win() {
    let mut repo = Repo::new();
    repo.write("src/main.rs", &numbered(1..=6));
    let commit = repo.commit("Add main\n\nCo-authored-by: Claude <noreply@anthropic.com>");
    let note = "src/main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n  h_31dce776f88375 3-4\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}}}}\n";
    // Lay the notes tree out with fan-out by hand, as git does for large notes trees.
    let blob = {
        let path = repo.path().join("note.txt");
        std::fs::write(&path, note).unwrap();
        let blob = git(&repo, &["hash-object", "-w", "note.txt"]);
        std::fs::remove_file(path).unwrap();
        blob
    };
    let (fan, rest) = commit.split_at(2);
    let inner = mktree(&repo.path(), &format!("100644 blob {blob}\t{rest}\n"));
    let root = mktree(&repo.path(), &format!("040000 tree {inner}\t{fan}\n"));
    let notes_commit = git(
        &repo,
        &["commit-tree", &root, "-m", "Notes added by git-ai"],
    );
    git(&repo, &["update-ref", "refs/notes/ai", &notes_commit]);
    assert_eq!(
        git(&repo, &["notes", "--ref=ai", "show", &commit]),
        note.trim_end()
    );

    let index = index(&repo);
    assert_eq!(
        index.line_assistant(&commit, "src/main.rs", 1),
        Some(Assistant::new("cursor", Some("gpt-5".into())))
    );
    // Line 3-4: git-ai says a human wrote them, over the commit's Claude trailer.
    assert_eq!(index.line_assistant(&commit, "src/main.rs", 3), None);
    // Line 5: not in the note, so the commit-level answer holds.
    assert_eq!(
        index.line_assistant(&commit, "src/main.rs", 5),
        Some(Assistant::new("claude-code", None))
    );
}

#[test]
fn agent_trace_file_matches_the_commit_or_its_parent() {
    let mut repo = Repo::new();
    repo.write("a.py", &numbered(1..=3));
    let base = repo.commit("Base");
    repo.write("a.py", &numbered(1..=5));
    let mut trace = record("a.py", 4, 5);
    trace.vcs = Some(provenance_ls::attribution::Vcs {
        kind: "git".into(),
        revision: base.clone(),
    });
    trace.tool = Some(Tool {
        name: "cursor".into(),
        version: Some("2.0".into()),
    });
    trace.version = "1.0".into();
    repo.write(
        ".agent-trace/traces.jsonl",
        &format!("{}\n", serde_json::to_string(&trace).unwrap()),
    );
    let commit = repo.commit("Grow a.py");

    let index = index(&repo);
    assert_eq!(ai_lines(&index, &commit, "a.py", 5), "...AA");
    assert_eq!(
        index.line_assistant(&commit, "a.py", 4).map(|a| a.agent),
        Some("cursor".to_string())
    );
    // The record names `base` as its revision, but base's own lines are not its.
    assert_eq!(ai_lines(&index, &base, "a.py", 3), "...");
}

#[test]
fn no_repository_means_no_answers() {
    let dir = tempfile::tempdir().unwrap();
    let index = AttributionIndex::load_at(dir.path());
    assert_eq!(
        index.commit_assistant("0000000000000000000000000000000000000000"),
        None
    );
}

fn mktree(dir: &Path, listing: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .arg("mktree")
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(listing.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn provenance_note_is_written_without_a_configured_identity() {
    let mut repo = Repo::new();
    repo.write("a.rs", "fn a() {}\n");
    let commit = repo.commit("Add a");
    git(&repo, &["config", "--unset", "user.name"]);
    git(&repo, &["config", "--unset", "user.email"]);
    write_provenance_note(&repo.path(), &commit, &record("a.rs", 1, 1)).unwrap();
    assert!(git(&repo, &["notes", "--ref=provenance", "show", &commit]).contains("claude-code"));
}
