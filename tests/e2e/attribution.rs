//! Attribution against real repositories made with the git CLI: notes
//! written by provenance-ls read back by `git notes`, git-ai notes in a
//! fan-out tree, Agent Trace files, and attribution that survives amend and
//! rebase through content hashes.

use std::path::Path;
use std::process::Command;

use crate::support::git::Repo;

use provenance_ls::attribution::{
    write_provenance_note, AgentTraceRecord, Assistant, AttributionIndex, Authorship, Contributor,
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
    let note = "src/main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n  h_31dce776f88375 3-4\n  h_00000000000000 6\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"humans\":{\"h_31dce776f88375\":{\"author\":\"Ada Human\"}},\
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
    assert_eq!(
        index.line_authorship(&commit, "src/main.rs", 3),
        Authorship::Human
    );
    // Line 5: not in the note, and line 6: an `h_` key with no `humans`
    // record, which git-ai skips — so the commit-level answer holds.
    for line in [5, 6] {
        assert_eq!(
            index.line_assistant(&commit, "src/main.rs", line),
            Some(Assistant::new("claude-code", None))
        );
    }
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

/// The "Complete Example (Sessions Format)" of git-ai's standard
/// (`specs/git_ai_standard_v3.0.0.md`, §1.2.5), verbatim.
pub(crate) const GIT_AI_SESSIONS_EXAMPLE: &str = r#"src/main.rs
  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-10,15-20
  s_c9883b05a2487d::t_a1b2c3d4e5f678 25,30-35
  h_31dce776f88375 42-50
src/lib.rs
  s_e7f2a90b31cc48::t_deadbeef012345 1-50
---
{
  "schema_version": "authorship/3.0.0",
  "git_ai_version": "1.4.5",
  "base_commit_sha": "7734793b756b3921c88db5375a8c156e9532447b",
  "prompts": {},
  "humans": {
    "h_31dce776f88375": {
      "author": "Developer <dev@example.com>"
    }
  },
  "sessions": {
    "s_c9883b05a2487d": {
      "agent_id": {
        "tool": "cursor",
        "id": "6ef2299e-a67f-432b-aa80-3d2fb4d28999",
        "model": "claude-sonnet-4-5-20250514"
      },
      "human_author": "dev@example.com"
    },
    "s_e7f2a90b31cc48": {
      "agent_id": {
        "tool": "claude",
        "id": "conv_abc123def456",
        "model": "claude-sonnet-4-5-20250514"
      },
      "human_author": "dev@example.com",
      "custom_attributes": {
        "team": "backend"
      }
    }
  }
}
"#;

/// The same standard's "Complete Example (Mixed Format)" (§1.2.7), verbatim:
/// it holds the prompt record `abcd1234abcd1234`.
pub(crate) const GIT_AI_MIXED_EXAMPLE: &str = r#"src/main.rs
  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-10
  h_31dce776f88375 15-20
src/lib.rs
  abcd1234abcd1234 1-50
---
{
  "schema_version": "authorship/3.0.0",
  "git_ai_version": "1.4.5",
  "base_commit_sha": "7734793b756b3921c88db5375a8c156e9532447b",
  "prompts": {
    "abcd1234abcd1234": {
      "agent_id": {
        "tool": "cursor",
        "id": "old_session_id",
        "model": "gpt-4"
      },
      "human_author": "Developer <dev@example.com>",
      "total_additions": 50,
      "total_deletions": 0,
      "accepted_lines": 50,
      "overriden_lines": 0
    }
  },
  "humans": {
    "h_31dce776f88375": {
      "author": "Developer <dev@example.com>"
    }
  },
  "sessions": {
    "s_c9883b05a2487d": {
      "agent_id": {
        "tool": "claude",
        "id": "conv_abc123",
        "model": "claude-sonnet-4-5-20250514"
      },
      "human_author": "dev@example.com"
    }
  }
}
"#;

fn add_git_ai_note(repo: &Repo, commit: &str, note: &str) {
    let file = repo.home().join("git-ai-note.txt");
    std::fs::write(&file, note).unwrap();
    git(
        repo,
        &[
            "notes",
            "--ref=ai",
            "add",
            "-f",
            "-F",
            file.to_str().unwrap(),
            commit,
        ],
    );
}

/// `blame --json` of `path`, one object per line.
pub(crate) fn blame_json(repo: &Repo, path: &str) -> Vec<serde_json::Value> {
    let out =
        crate::support::git::run_binary(&repo.path(), &repo.home(), &["blame", path, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Each line as `authorship agent model`, compacted into runs: `1-10 ai cursor claude-sonnet-4-5-20250514`.
fn authorship(lines: &[serde_json::Value]) -> Vec<String> {
    let mut runs: Vec<(u64, u64, String)> = Vec::new();
    for line in lines {
        let what = format!(
            "{} {} {}",
            line["authorship"].as_str().unwrap(),
            line["agent"].as_str().unwrap_or("-"),
            line["model"].as_str().unwrap_or("-")
        );
        assert_eq!(line["ai"], line["authorship"] == "ai", "{line}");
        let n = line["line"].as_u64().unwrap();
        match runs.last_mut() {
            Some((_, end, last)) if *last == what && *end + 1 == n => *end = n,
            _ => runs.push((n, n, what)),
        }
    }
    runs.into_iter()
        .map(|(a, b, what)| format!("{a}-{b} {what}"))
        .collect()
}

/// git-ai's own example notes, read as git-ai's reader reads them: sessions
/// and known humans per line with the model, untracked lines apart, a prompt
/// record found in another commit's note, the later of two entries winning,
/// and keys nobody has a record for left untracked.
#[test]
fn git_ai_example_notes_read_as_git_ai_reads_them() {
    let mut repo = Repo::new();
    repo.write("src/main.rs", &numbered(1..=50));
    repo.write("src/lib.rs", &numbered(1..=50));
    let first = repo.commit("Add main and lib");
    add_git_ai_note(&repo, &first, GIT_AI_SESSIONS_EXAMPLE);
    repo.write("src/other.rs", &numbered(1..=3));
    let second = repo.commit("Add other");
    add_git_ai_note(&repo, &second, GIT_AI_MIXED_EXAMPLE);
    repo.write("src/later.rs", &numbered(1..=5));
    let third = repo.commit("Add later");
    add_git_ai_note(
        &repo,
        &third,
        "src/later.rs\n  abcd1234abcd1234 1-3\n  h_31dce776f88375 2\n  0000000000000000 4\n---\n\
         {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
         \"humans\":{\"h_31dce776f88375\":{\"author\":\"Developer <dev@example.com>\"}}}\n",
    );

    let sonnet = "claude-sonnet-4-5-20250514";
    assert_eq!(
        authorship(&blame_json(&repo, "src/main.rs")),
        [
            format!("1-10 ai cursor {sonnet}"),
            "11-14 untracked - -".into(),
            format!("15-20 ai cursor {sonnet}"),
            "21-24 untracked - -".into(),
            format!("25-25 ai cursor {sonnet}"),
            "26-29 untracked - -".into(),
            format!("30-35 ai cursor {sonnet}"),
            "36-41 untracked - -".into(),
            "42-50 human - -".into(),
        ]
    );
    assert_eq!(
        authorship(&blame_json(&repo, "src/lib.rs")),
        [format!("1-50 ai claude-code {sonnet}")]
    );
    // Line 1 and 3: the prompt record lives in the second commit's note;
    // line 2: the later (human) entry wins; 4: a key with no record anywhere.
    assert_eq!(
        authorship(&blame_json(&repo, "src/later.rs")),
        [
            "1-1 ai cursor gpt-4",
            "2-2 human - -",
            "3-3 ai cursor gpt-4",
            "4-5 untracked - -",
        ]
    );
}

/// An Agent Trace record as the spec's README writes it, with a `murmur3:`
/// content hash, still marks its lines after an amend moved them into a
/// commit its `vcs.revision` does not name.
#[test]
fn murmur3_content_hashes_follow_an_amend() {
    let mut repo = Repo::new();
    let body = "export function parse(input: string) {\n  return input.split(\",\");\n}\n";
    repo.write("src/parser.ts", &format!("// parser\n{body}"));
    let base = repo.commit("Add the parser");
    let lines: Vec<&str> = body.lines().collect();
    let hash = provenance_ls::attribution::agent_trace::content_hash_with(
        "murmur3",
        lines.iter().copied(),
    )
    .unwrap();
    assert!(hash.starts_with("murmur3:") && hash.len() == 16, "{hash}");
    let mut trace = record("src/parser.ts", 2, 4);
    trace.tool = Some(Tool {
        name: "cursor".into(),
        version: Some("2.4.0".into()),
    });
    trace.vcs = Some(provenance_ls::attribution::Vcs {
        kind: "git".into(),
        revision: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0".into(),
    });
    trace.files[0].conversations[0].ranges[0].content_hash =
        Some(hash.to_uppercase().replace("MURMUR3", "murmur3"));
    repo.write(
        ".agent-trace/traces.jsonl",
        &format!("{}\n", serde_json::to_string(&trace).unwrap()),
    );
    git(
        &repo,
        &[
            "commit",
            "-q",
            "-a",
            "--amend",
            "-m",
            "Add the parser and its trace",
        ],
    );
    let amended = git(&repo, &["rev-parse", "HEAD"]);
    assert_ne!(amended, base);
    assert_eq!(
        ai_lines(&index(&repo), &amended, "src/parser.ts", 4),
        ".AAA"
    );
    // The same record with the hash of other text marks nothing.
    trace.files[0].conversations[0].ranges[0].content_hash = Some("murmur3:00000000".into());
    repo.write(
        ".agent-trace/traces.jsonl",
        &format!("{}\n", serde_json::to_string(&trace).unwrap()),
    );
    assert_eq!(
        ai_lines(&index(&repo), &amended, "src/parser.ts", 4),
        "...."
    );
}

/// Re-anchoring walks only the commits since the tip it checked last, gives
/// a commit made by an unseen amend a note of its own, and stops at its limit.
#[test]
fn reanchoring_is_bounded_by_the_last_checked_tip() {
    use provenance_ls::attribution::reanchor;
    let now = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
    let mut repo = Repo::new();
    repo.write("src/lib.rs", &numbered(1..=4));
    repo.commit("Base");
    repo.write(
        "src/lib.rs",
        &format!("{}fn generated() {{\n    42\n}}\n", numbered(1..=4)),
    );
    let original = repo.commit("Add generated");
    write_provenance_note(&repo.path(), &original, &record("src/lib.rs", 5, 7)).unwrap();
    let first = reanchor(&repo.path(), "HEAD", None, 100, now).unwrap();
    assert_eq!((first.walked, first.noted.len()), (2, 0), "{first:?}");

    git(
        &repo,
        &["commit", "-q", "--amend", "-m", "Add generated code"],
    );
    let amended = git(&repo, &["rev-parse", "HEAD"]);
    // The amended commit's parent was checked already: only it is walked.
    let second = reanchor(&repo.path(), "HEAD", Some(&first.tip), 100, now).unwrap();
    assert_eq!(second.walked, 1, "{second:?}");
    assert_eq!(second.noted, [(amended.clone(), 1)]);
    let note = git(&repo, &["notes", "--ref=provenance", "show", &amended]);
    let derived: serde_json::Value = serde_json::from_str(&note).unwrap();
    assert_eq!(derived["tool"]["name"], "claude-code");
    let range = &derived["files"][0]["conversations"][0]["ranges"][0];
    assert_eq!(
        (&range["start_line"], &range["end_line"]),
        (&5.into(), &7.into())
    );
    assert_eq!(
        derived["metadata"]["dev.provenance-ls"]["derived_from"][0]["commit"],
        original
    );
    // Checked already: nothing to do.
    let again = reanchor(&repo.path(), "HEAD", Some(&second.tip), 100, now).unwrap();
    assert_eq!((again.walked, again.noted.len()), (0, 0));
    // Three more commits with the limit at two: the newest two, and it says so.
    for n in 0..3 {
        repo.write("NOTES.md", &format!("{n}\n"));
        repo.commit("Notes");
    }
    let limited = reanchor(&repo.path(), "HEAD", Some(&second.tip), 2, now).unwrap();
    assert_eq!((limited.walked, limited.truncated), (2, true));
}

/// A trace record repeating an earlier record's id with other content is
/// read, not dropped; the same record twice is read once.
#[test]
fn a_repeated_trace_id_is_read_not_dropped() {
    let mut repo = Repo::new();
    repo.write("a.py", &numbered(1..=3));
    let base = repo.commit("Base");
    repo.write("a.py", &numbered(1..=6));
    let mut early = record("a.py", 4, 4);
    let mut late = record("a.py", 6, 6);
    for trace in [&mut early, &mut late] {
        trace.vcs = Some(provenance_ls::attribution::Vcs {
            kind: "git".into(),
            revision: base.clone(),
        });
    }
    late.id = early.id.clone();
    let line = |r: &AgentTraceRecord| serde_json::to_string(r).unwrap();
    repo.write(
        ".agent-trace/traces.jsonl",
        &format!("{}\n{}\n{}\n", line(&early), line(&early), line(&late)),
    );
    let commit = repo.commit("Grow a.py");
    assert_eq!(ai_lines(&index(&repo), &commit, "a.py", 6), "...A.A");
}

/// `blocks --json` keeps a known human's lines (`h_` with its record) apart
/// from untracked ones: `humanShare` beside `aiShare`.
#[test]
fn blocks_keep_known_humans_apart_from_untracked_lines() {
    let mut repo = Repo::new();
    repo.write(
        "app.py",
        "def by_ai():\n    return 1\n\n\ndef by_ada():\n    return 2\n\n\ndef untracked():\n    return 3\n",
    );
    let commit = repo.commit("Add app");
    add_git_ai_note(
        &repo,
        &commit,
        "app.py\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n  h_31dce776f88375 5-6\n---\n\
         {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
         \"humans\":{\"h_31dce776f88375\":{\"author\":\"Ada Human <ada@example.com>\"}},\
         \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}}}}\n",
    );
    let out = crate::support::git::run_binary(
        &repo.path(),
        &repo.home(),
        &["blocks", "app.py", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blocks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let shares: Vec<(String, f64, f64)> = blocks
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["aiShare"].as_f64().unwrap(),
                b["humanShare"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [
            ("by_ai".to_string(), 1.0, 0.0),
            ("by_ada".to_string(), 0.0, 1.0),
            ("untracked".to_string(), 0.0, 0.0),
        ]
    );
}
