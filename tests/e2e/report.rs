//! `provenance-ls report --json` on small scripted histories whose figures
//! are computed by hand below (deleted lines, a moved file, a bot, a merge).

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

const DAY: i64 = 86_400;
/// 2024-01-01T00:00:00Z
const T0: i64 = 1_704_067_200;

struct Repo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        repo.git(
            0,
            "Alice",
            "alice@example.com",
            &["init", "-q", "-b", "main"],
        );
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, day: i64, name: &str, email: &str, args: &[&str]) -> String {
        let date = format!("{} +0000", T0 + day * DAY);
        let out = Command::new("git")
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(&self, file: &str, lines: &[&str]) {
        let path = self.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(path, text).unwrap();
    }

    /// Stages everything and commits as `who` on `day`.
    fn commit(&self, day: i64, who: (&str, &str), message: &str) {
        self.git(day, who.0, who.1, &["add", "-A"]);
        self.git(
            day,
            who.0,
            who.1,
            &["commit", "-q", "--allow-empty", "-m", message],
        );
    }

    fn report(&self, extra: &[&str]) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_provenance-ls"))
            .arg("report")
            .arg(self.path())
            .args(extra)
            .arg("--json")
            .env("HOME", self.home.path())
            .output()
            .expect("provenance-ls runs");
        assert!(
            out.status.success(),
            "report failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("report prints JSON")
    }

    /// The binary run in the repository's folder; its stdout (it must succeed).
    fn run(&self, args: &[&str]) -> String {
        let out = self.run_status(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn run_status(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_provenance-ls"))
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.home.path())
            .output()
            .expect("provenance-ls runs")
    }

    /// `report` with Alice and Bob declared human (`--human-author`): their
    /// commits are human evidence, as the figures worked out below assume.
    fn declared(&self, extra: &[&str]) -> Value {
        let mut args = vec![
            "--human-author",
            "alice@example.com",
            "--human-author",
            "Bob",
        ];
        args.extend_from_slice(extra);
        self.report(&args)
    }
}

const ALICE: (&str, &str) = ("Alice", "alice@example.com");
const BOB: (&str, &str) = ("Bob", "bob@example.com");
const BOT: (&str, &str) = (
    "dependabot[bot]",
    "49699333+dependabot[bot]@users.noreply.github.com",
);
const CLAUDE: &str = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>";
const CODEX: &str = "\n\nCo-authored-by: Codex <noreply@openai.com>";

fn numbered(prefix: &str, range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i}")).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The scripted history (days after 2024-01-01, all at midnight UTC):
///
/// - C1 day 0, Alice: a.txt = a1..a10, b.txt = b1..b4                 (human +14)
/// - C2 day 1, Alice + Claude: ai.rs = x1..x10                        (AI +10)
/// - C3 day 3, Bob: ai.rs x1..x4 → y1..y4; a.txt drops a9, a10       (human +4, −6)
/// - C4 day 5, dependabot: deps.txt (5 lines); b.txt b4 → b4-bumped   (bot: left out)
/// - C5 day 10, Alice: moves a.txt to src/a.txt and edits a1           (human +1, −1)
/// - branch `feature` from C5: S1 day 12, Alice + Codex: ai.rs += z1, z2 (AI +2)
/// - C6 day 13, Bob on main: src/a.txt += a11                          (human +1)
/// - M  day 14, merge of `feature` (no conflict: brings z1, z2, born in S1)
/// - C7 day 30, Bob + Claude: ai.rs drops x5..x8                      (AI −4)
/// - C8 day 40, Alice: ai.rs drops y1, y2                             (human −2)
fn scripted() -> Repo {
    let r = Repo::new();
    let a = numbered("a", 1..=10);
    let b = numbered("b", 1..=4);
    let x = numbered("x", 1..=10);
    r.write("a.txt", &refs(&a));
    r.write("b.txt", &refs(&b));
    r.commit(0, ALICE, "C1 start");
    r.write("ai.rs", &refs(&x));
    r.commit(1, ALICE, &format!("C2 add ai.rs{CLAUDE}"));
    let mut ai: Vec<String> = numbered("y", 1..=4);
    ai.extend(numbered("x", 5..=10));
    r.write("ai.rs", &refs(&ai));
    r.write("a.txt", &refs(&a[..8]));
    r.commit(3, BOB, "C3 rewrite x1-x4, drop a9 a10");
    r.write("deps.txt", &["d1", "d2", "d3", "d4", "d5"]);
    r.write("b.txt", &["b1", "b2", "b3", "b4-bumped"]);
    r.commit(5, BOT, "C4 bump deps");
    std::fs::remove_file(r.path().join("a.txt")).unwrap();
    let mut moved: Vec<String> = vec!["a1-edited".into()];
    moved.extend(a[1..8].iter().cloned());
    r.write("src/a.txt", &refs(&moved));
    r.commit(10, ALICE, "C5 move a.txt to src/ and edit a1");
    r.git(12, ALICE.0, ALICE.1, &["checkout", "-q", "-b", "feature"]);
    let mut with_z = ai.clone();
    with_z.extend(["z1".to_string(), "z2".to_string()]);
    r.write("ai.rs", &refs(&with_z));
    r.commit(12, ALICE, &format!("S1 add z1 z2{CODEX}"));
    r.git(13, BOB.0, BOB.1, &["checkout", "-q", "main"]);
    let mut with_a11 = moved.clone();
    with_a11.push("a11".into());
    r.write("src/a.txt", &refs(&with_a11));
    r.commit(13, BOB, "C6 add a11");
    r.git(
        14,
        BOB.0,
        BOB.1,
        &["merge", "-q", "--no-ff", "-m", "M merge feature", "feature"],
    );
    // ai.rs is now y1..y4, x5..x10, z1, z2.
    let mut c7: Vec<String> = numbered("y", 1..=4);
    c7.extend(numbered("x", 9..=10));
    c7.extend(["z1".to_string(), "z2".to_string()]);
    r.write("ai.rs", &refs(&c7));
    r.commit(30, BOB, &format!("C7 drop x5-x8{CLAUDE}"));
    r.write("ai.rs", &refs(&c7[2..]));
    r.commit(40, ALICE, "C8 drop y1 y2");
    r
}

fn point(days: u32, share: f64, at_risk: u64) -> Value {
    json!({"days": days, "share": share, "atRisk": at_risk})
}

#[test]
fn scripted_history_matches_hand_computed_figures() {
    let r = scripted();
    // Observed until day 100 (2024-04-10); the whole history.
    let report = r.declared(&["--since", "all", "--until", "2024-04-10"]);

    // Commits: AI C2, S1, C7; human C1, C3, C5, C6, C8. The merge and the bot are not counted.
    assert_eq!(
        report["commits"],
        json!({"ai": 3, "human": 5, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(report["merges"], 1);
    assert_eq!(report["botCommits"], 1);
    // Added: AI x1..x10 + z1, z2 = 12 (the merge brings z1, z2 again: not counted);
    // human a1..a10, b1..b4 (14) + y1..y4 (4) + a1-edited (1) + a11 (1) = 20.
    // The move of a.txt is a rename: a2..a8 are not born again.
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 12, "human": 20, "noEvidence": 0, "unknown": 0})
    );
    // Deleted by commit: human C3 4 + 2, C5 1, C8 2 = 9; AI C7 4; the bot's b4 is left out.
    assert_eq!(
        report["linesDeleted"],
        json!({"ai": 4, "human": 9, "noEvidence": 0, "unknown": 0})
    );
    // Deleted by who wrote the line: AI x1..x8 = 8; human a9, a10, b4, a1, y1, y2 = 6.
    assert_eq!(
        report["linesDeletedByOrigin"],
        json!({"ai": 8, "human": 6, "noEvidence": 0, "unknown": 0})
    );
    // Churn: every line was born by day 86 (= day 100 − 14), so all are watched 14 days.
    // AI: x1..x4 ended after 2 days → 4 / 12 = 0.3333.
    // Human: a9, a10 (3 days), b4 (5), a1 (10) → 4 / 20 = 0.2; y1, y2 lived 37 days.
    assert_eq!(
        report["churn14d"],
        json!({"ai": 0.3333, "human": 0.2, "noEvidence": null, "unknown": null})
    );
    // Rework: lines added in the range later ended. AI 8 / 12; human 6 / 20.
    assert_eq!(
        report["reworkPerLine"],
        json!({"ai": 0.6667, "human": 0.3, "noEvidence": null, "unknown": null})
    );
    // Kaplan–Meier, AI (12 lives): ends after 2 days (4), 29 days (4, x5..x8 born day 1,
    // ended day 30); censored at day 100: z1, z2 after 88 days, x9, x10 after 99.
    //   S(1) = 1, at risk 12; S(7) = 1 − 4/12 = 0.6667, at risk 8; S(21) = 0.6667, at risk 8;
    //   S(90) = 0.6667 × (1 − 4/8) = 0.3333, at risk 12 − 8 − 2 = 2.
    assert_eq!(
        report["survival"]["ai"],
        json!([
            point(1, 1.0, 12),
            point(7, 0.6667, 8),
            point(21, 0.6667, 8),
            point(90, 0.3333, 2)
        ])
    );
    // Human (20 lives): ends after 3 days (2), 5 (1), 10 (1), 37 (2: y1, y2 born day 3, ended 40);
    // censored: a11 87 days, a1-edited 90, y3, y4 97, a2..a8 and b1..b3 100.
    //   S(7) = (1 − 2/20)(1 − 1/18) = 0.85, at risk 17; S(21) = 0.85 (1 − 1/17) = 0.8, at risk 16;
    //   S(90) = 0.8 (1 − 2/16) = 0.7, at risk 20 − 6 − 1 = 13.
    assert_eq!(
        report["survival"]["human"],
        json!([
            point(1, 1.0, 20),
            point(7, 0.85, 17),
            point(21, 0.8, 16),
            point(90, 0.7, 13)
        ])
    );
    assert_eq!(
        report["range"],
        json!({"since": null, "until": "2024-04-10T00:00:00Z"})
    );
    // Hotspots: files alive now with their AI share: ai.rs holds x9, x10, y3, y4, z1, z2 → 4 of 6 AI.
    let ai_txt = report["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["path"] == "ai.rs")
        .unwrap();
    assert_eq!(ai_txt["aiShare"], 0.6667);
    assert_eq!(ai_txt["lines"], 6);
}

#[test]
fn bots_are_counted_with_include_bots() {
    let r = scripted();
    let report = r.declared(&["--since", "all", "--until", "2024-04-10", "--include-bots"]);
    // The bot's commit is now counted like any other: no assistant, no one declared
    // it human, so it has no evidence: +5 (deps.txt) +1 (b4-bumped), −1 (b4).
    assert_eq!(
        report["commits"],
        json!({"ai": 3, "human": 5, "noEvidence": 1, "unknown": 0})
    );
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 12, "human": 20, "noEvidence": 6, "unknown": 0})
    );
    assert_eq!(
        report["linesDeleted"],
        json!({"ai": 4, "human": 9, "noEvidence": 1, "unknown": 0})
    );
}

#[test]
fn lines_from_before_since_are_unknown() {
    let r = scripted();
    // From day 20 (2024-01-21): only C7 and C8 are walked; the lines they delete
    // were written before the range, so their origin is unknown.
    let report = r.declared(&["--since", "2024-01-21", "--until", "2024-04-10"]);
    assert_eq!(
        report["commits"],
        json!({"ai": 1, "human": 1, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 0, "human": 0, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(
        report["linesDeleted"],
        json!({"ai": 4, "human": 2, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(
        report["linesDeletedByOrigin"],
        json!({"ai": 0, "human": 0, "noEvidence": 0, "unknown": 6})
    );
    assert_eq!(
        report["churn14d"],
        json!({"ai": null, "human": null, "noEvidence": null, "unknown": null})
    );
}

#[test]
fn by_agent_splits_the_figures() {
    let r = scripted();
    let report = r.declared(&["--since", "all", "--until", "2024-04-10", "--by", "agent"]);
    let groups: Vec<(String, Value, Value)> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["commits"].clone(),
                g["linesAdded"].clone(),
            )
        })
        .collect();
    // claude-code: C2 (+10), C7; codex: S1 (+2); human: C1, C3, C5, C6, C8 (+20).
    assert_eq!(
        groups,
        vec![
            (
                "human".into(),
                json!({"ai": 0, "human": 5, "noEvidence": 0, "unknown": 0}),
                json!({"ai": 0, "human": 20, "noEvidence": 0, "unknown": 0})
            ),
            (
                "claude-code".into(),
                json!({"ai": 2, "human": 0, "noEvidence": 0, "unknown": 0}),
                json!({"ai": 10, "human": 0, "noEvidence": 0, "unknown": 0})
            ),
            (
                "codex".into(),
                json!({"ai": 1, "human": 0, "noEvidence": 0, "unknown": 0}),
                json!({"ai": 2, "human": 0, "noEvidence": 0, "unknown": 0})
            ),
        ]
    );
}

#[test]
fn second_run_reuses_the_cache_and_walks_only_new_commits() {
    let r = scripted();
    let first = r.report(&["--since", "all"]);
    assert_eq!(first["run"]["commitsWalked"], 10);
    assert!(r.path().join(".git/provenance/cache/report").is_dir());
    let x: Vec<String> = vec![
        "x9".into(),
        "x10".into(),
        "z1".into(),
        "z2".into(),
        "new".into(),
    ];
    r.write("ai.rs", &refs(&x));
    r.commit(50, BOB, "C9 add a line");
    let second = r.report(&["--since", "all"]);
    assert_eq!(second["run"]["commitsWalked"], 1);
    assert_eq!(second["run"]["commitsFromCache"], 10);
    // Same figures as a run without the cache.
    let mut fresh = r.report(&["--since", "all", "--until", "2100-01-01"]);
    let mut cached = second.clone();
    for v in [&mut fresh, &mut cached] {
        for key in ["run", "range", "survival", "survivalCurve"] {
            v.as_object_mut().unwrap().remove(key);
        }
    }
    assert_eq!(cached, fresh);
}

#[test]
fn lines_added_and_deleted_agree_with_git_log_numstat() {
    let r = scripted();
    // The oracle: git's own count over non-merge commits (git log shows no diff for merges),
    // with the same diff algorithm; bots included so that every commit counts.
    let numstat = r.git(
        0,
        "x",
        "x@example.com",
        &[
            "log",
            "--numstat",
            "--format=",
            "--diff-algorithm=histogram",
        ],
    );
    let (mut added, mut deleted) = (0u64, 0u64);
    for line in numstat.lines().filter(|l| !l.is_empty()) {
        let mut cols = line.split_whitespace();
        added += cols.next().unwrap().parse::<u64>().unwrap();
        deleted += cols.next().unwrap().parse::<u64>().unwrap();
    }
    let report = r.report(&["--since", "all", "--until", "2024-04-10", "--include-bots"]);
    let sum = |v: &Value| {
        ["ai", "human", "noEvidence", "unknown"]
            .iter()
            .map(|k| v[k].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        (sum(&report["linesAdded"]), sum(&report["linesDeleted"])),
        (added, deleted)
    );
}

#[test]
fn git_ai_notes_decide_line_by_line() {
    let r = Repo::new();
    r.write("main.rs", &["l1", "l2", "l3", "l4", "l5", "l6"]);
    r.commit(0, ALICE, "Add main.rs");
    let commit = r
        .git(0, ALICE.0, ALICE.1, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    // git-ai says a cursor session wrote lines 1-2; the commit itself names no assistant.
    let note = "main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}}}}\n";
    std::fs::write(r.home.path().join("note.txt"), note).unwrap();
    let note_file = r.home.path().join("note.txt");
    r.git(
        0,
        ALICE.0,
        ALICE.1,
        &[
            "notes",
            "--ref=ai",
            "add",
            "-F",
            note_file.to_str().unwrap(),
            &commit,
        ],
    );
    let report = r.report(&["--since", "all", "--until", "2024-04-10", "--by", "agent"]);
    // The commit is an assistant's by its note; its lines are split by the note: 2 AI,
    // and 4 the note does not list (git-ai: untracked) — no evidence, not human.
    assert_eq!(
        report["commits"],
        json!({"ai": 1, "human": 0, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 2, "human": 0, "noEvidence": 4, "unknown": 0})
    );
    assert_eq!(report["coverage"], 0.3333);
    let cursor = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "cursor")
        .unwrap();
    assert_eq!(
        cursor["linesAdded"],
        json!({"ai": 2, "human": 0, "noEvidence": 0, "unknown": 0})
    );
}

#[test]
fn by_model_splits_an_assistants_lines_by_the_model_its_notes_name() {
    let r = Repo::new();
    r.write("main.rs", &["l1", "l2", "l3", "l4", "l5", "l6"]);
    r.commit(0, ALICE, "Add main.rs");
    let commit = r
        .git(0, ALICE.0, ALICE.1, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    // git-ai: one cursor session on gpt-5 wrote lines 1-2, another on claude-sonnet-4-5 line 3.
    let note = "main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n  s_0a1b2c3d4e5f60::t_1234567890abcd 3\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}},\
        \"s_0a1b2c3d4e5f60\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"2\",\"model\":\"claude-sonnet-4-5\"}}}}\n";
    let note_file = r.home.path().join("note.txt");
    std::fs::write(&note_file, note).unwrap();
    r.git(
        0,
        ALICE.0,
        ALICE.1,
        &[
            "notes",
            "--ref=ai",
            "add",
            "-F",
            note_file.to_str().unwrap(),
            &commit,
        ],
    );
    let group = |report: &Value, key: &str| -> Value {
        report["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .unwrap_or_else(|| panic!("no group {key:?} in {}", report["groups"]))["linesAdded"]
            .clone()
    };
    let by_model = r.report(&["--since", "all", "--until", "2024-04-10", "--by", "model"]);
    assert_eq!(by_model["by"], "model");
    assert_eq!(
        group(&by_model, "cursor/gpt-5"),
        json!({"ai": 2, "human": 0, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(
        group(&by_model, "cursor/claude-sonnet-4-5"),
        json!({"ai": 1, "human": 0, "noEvidence": 0, "unknown": 0})
    );
    // Lines 4-6 no session lists: no evidence, as with --by agent.
    assert_eq!(
        group(&by_model, "no evidence"),
        json!({"ai": 0, "human": 0, "noEvidence": 3, "unknown": 0})
    );
    // --by agent over the same history (its own cache file) joins the two models.
    let by_agent = r.report(&["--since", "all", "--until", "2024-04-10", "--by", "agent"]);
    assert_eq!(
        group(&by_agent, "cursor"),
        json!({"ai": 3, "human": 0, "noEvidence": 0, "unknown": 0})
    );
    // Runs ending now use the cache: one --by agent run stored, the --by model
    // run after it must not take the agent groups from it.
    let cached_agent = r.report(&["--since", "all", "--by", "agent"]);
    assert_eq!(group(&cached_agent, "cursor")["ai"], 3);
    let cached_model = r.report(&["--since", "all", "--by", "model"]);
    assert_eq!(group(&cached_model, "cursor/gpt-5")["ai"], 2);
    assert_eq!(group(&cached_model, "cursor/claude-sonnet-4-5")["ai"], 1);
}

#[test]
fn the_riskiest_files_are_split_into_blocks() {
    let r = Repo::new();
    let calm = ["fn calm() {", "    1", "}"];
    let hot = |v: u32| {
        [
            "fn hot() {".to_string(),
            format!("    {v}"),
            "}".to_string(),
        ]
    };
    let file = |v: u32| -> Vec<String> {
        calm.iter()
            .map(|s| s.to_string())
            .chain([String::new()])
            .chain(hot(v))
            .collect()
    };
    r.write("src/lib.rs", &refs(&file(0)));
    r.commit(0, ALICE, "Add lib");
    // An assistant rewrites `hot` three times; `calm` stays as Alice wrote it.
    for day in 1..=3 {
        r.write("src/lib.rs", &refs(&file(day as u32)));
        r.commit(day, ALICE, &format!("Tune hot{CLAUDE}"));
    }
    let report = r.report(&["--since", "all", "--until", "2024-04-10"]);
    let blocks = report["blockHotspots"].as_array().unwrap();
    let find = |name: &str| {
        blocks
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {blocks:?}"))
    };
    assert_eq!(find("hot")["path"], "src/lib.rs");
    // Its body line is the assistant's, its braces Alice's: 1 of 3 lines.
    assert!((find("hot")["aiShare"].as_f64().unwrap() - 1.0 / 3.0).abs() < 0.001);
    assert_eq!(find("calm")["aiShare"], 0.0);
    assert!(find("hot")["risk"].as_u64().unwrap() >= find("calm")["risk"].as_u64().unwrap());
}

/// The figures a reader compares, without what names the repository or the run.
fn figures_only(report: &Value) -> Value {
    let mut v = report.clone();
    // `range.until` is "now": two runs a second apart differ there alone.
    for key in [
        "range",
        "head",
        "repository",
        "name",
        "files",
        "run",
        "blockHotspots",
        // `until` defaults to now: two runs a second apart differ there only.
        "range",
    ] {
        v.as_object_mut().unwrap().remove(key);
    }
    v
}

/// Three commits of code; with `extra`, each also rewrites a data file, a lock
/// file and a file a tool regenerates from scratch.
fn code_history(extra: bool) -> Repo {
    let r = Repo::new();
    for (day, n) in [(0, 4), (2, 6), (5, 3), (9, 8)] {
        let mut code = numbered("let a = ", 1..=3);
        code.extend(numbered(&format!("let day{day} = "), 1..=n));
        r.write("src/app.rs", &refs(&code));
        if extra {
            let events = numbered(&format!("{{\"day\":{day},\"n\":"), 1..=40);
            r.write("data/events.jsonl", &refs(&events));
            r.write(
                "package-lock.json",
                &refs(&numbered(&format!("\"v{day}\": "), 1..=30)),
            );
            r.write(
                "schema/all.txt",
                &refs(&numbered(&format!("generated {day} "), 1..=20)),
            );
        }
        let message = if day == 2 {
            format!("Work on day {day}{CLAUDE}")
        } else {
            format!("Work on day {day}")
        };
        r.commit(day, ALICE, &message);
    }
    r
}

#[test]
fn data_and_lock_files_rewritten_every_commit_leave_the_figures_unchanged() {
    let plain = code_history(false);
    let noisy = code_history(true);
    let args = ["--since", "all", "--until", "2024-04-10"];
    let (a, b) = (plain.report(&args), noisy.report(&args));
    assert_eq!(figures_only(&a), figures_only(&b));
    assert_eq!(
        b["hotspots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["path"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["src/app.rs"]
    );
    // Each is listed as left out, with why and how many lines it gained.
    let left_out: Vec<(String, u64, Value)> = b["files"]["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["reason"].as_str().unwrap().to_string(),
                l["linesAdded"].as_u64().unwrap(),
                l["paths"].clone(),
            )
        })
        .collect();
    // Every version replaces every line: 4 × 30, 4 × 40, 4 × 20.
    assert_eq!(
        left_out,
        [
            ("lockFile".to_string(), 120, json!(["package-lock.json"])),
            ("data".to_string(), 160, json!(["data/events.jsonl"])),
            (
                "rewrittenWholesale".to_string(),
                80,
                json!(["schema/all.txt"])
            ),
        ]
    );
    assert_eq!(a["files"]["leftOut"], json!([]));
    // The files found rewritten wholesale are kept with the cache: a second run resumes.
    let first = noisy.report(&["--since", "all"]);
    let second = noisy.report(&["--since", "all"]);
    assert_eq!(
        second["run"],
        json!({"commitsWalked": 0, "commitsFromCache": 4})
    );
    assert_eq!(second["files"], first["files"]);
    // --all-files counts them: the same history then says something else.
    let all = noisy.report(&["--since", "all", "--until", "2024-04-10", "--all-files"]);
    assert_eq!(all["files"]["leftOut"], json!([]));
    // Three of their versions (270 lines) came without evidence, the AI commit's (90) with.
    let added = |r: &Value, class: &str| r["linesAdded"][class].as_u64().unwrap();
    assert_eq!(added(&all, "noEvidence"), added(&a, "noEvidence") + 270);
    assert_eq!(added(&all, "ai"), added(&a, "ai") + 90);
    // --include keeps what a default rule leaves out; --exclude leaves out more.
    let some = noisy.report(&[
        "--since",
        "all",
        "--until",
        "2024-04-10",
        "--include",
        "data/",
        "--exclude",
        "src/*.rs",
    ]);
    let reasons: Vec<&str> = some["files"]["leftOut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["lockFile", "rewrittenWholesale", "excluded"]);
}

#[test]
fn gitattributes_linguist_generated_is_honoured() {
    let r = Repo::new();
    r.write(
        ".gitattributes",
        &[
            "api/*.pb.go linguist-generated",
            "keep/*.go -linguist-generated",
        ],
    );
    r.write("main.go", &["package main", "func main() {}"]);
    r.write(
        "api/service.pb.go",
        &refs(&numbered("// generated ", 1..=50)),
    );
    r.write("keep/handwritten.go", &["package keep"]);
    // No attribute, but its header says a tool wrote it (linguist reads it so too).
    r.write(
        "proto/types.go",
        &[
            "// Code generated by protoc-gen-go. DO NOT EDIT.",
            "package proto",
            "type T int",
        ],
    );
    r.write("keep/vendor/lib.go", &["package lib", "// vendored"]);
    r.commit(0, ALICE, "Start");
    r.write(
        "api/service.pb.go",
        &refs(&numbered("// regenerated ", 1..=50)),
    );
    r.write("main.go", &["package main", "func main() { run() }"]);
    r.commit(1, ALICE, "Regenerate");
    let report = r.report(&["--since", "all", "--until", "2024-04-10"]);
    // Counted: .gitattributes (2), main.go (2 + 1), keep/handwritten.go (1); the
    // generated files' 100 + 3 lines and the vendored folder's 2 are left out.
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 0, "human": 0, "noEvidence": 6, "unknown": 0})
    );
    assert_eq!(
        report["files"]["leftOut"],
        json!([
            {"reason": "generated", "why": "generated (linguist-generated, or says so in its header)", "files": 2,
             "linesAdded": 103, "paths": ["api/service.pb.go", "proto/types.go"]},
            {"reason": "vendored", "why": "vendored", "files": 1,
             "linesAdded": 2, "paths": ["keep/vendor/lib.go"]},
        ])
    );
    let paths: Vec<&str> = report["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["main.go", "keep/handwritten.go"]);
}

#[test]
fn a_commit_with_no_evidence_lands_in_no_evidence() {
    let r = Repo::new();
    r.write("a.py", &["a = 1", "b = 2", "c = 3"]);
    r.commit(0, ALICE, "Alice: no trailer, not declared");
    r.write("b.py", &["x = 1", "y = 2"]);
    r.commit(1, ALICE, &format!("With an assistant{CLAUDE}"));
    r.write("c.py", &["z = 1"]);
    r.commit(2, BOB, "Bob, declared human");
    let args = [
        "--since",
        "all",
        "--until",
        "2024-04-10",
        "--human-author",
        "bob@example.com",
    ];
    let report = r.report(&args);
    assert_eq!(
        report["commits"],
        json!({"ai": 1, "human": 1, "noEvidence": 1, "unknown": 0})
    );
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 2, "human": 1, "noEvidence": 3, "unknown": 0})
    );
    // Evidence for 3 of the 6 lines added.
    assert_eq!(report["coverage"], 0.5);
    assert_eq!(report["humanAuthors"], json!(["bob@example.com"]));
    let mut by = args.to_vec();
    by.extend(["--by", "agent"]);
    let groups: Vec<(String, Value)> = r.report(&by)["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["linesAdded"].clone(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                "no evidence".to_string(),
                json!({"ai": 0, "human": 0, "noEvidence": 3, "unknown": 0})
            ),
            (
                "claude-code".to_string(),
                json!({"ai": 2, "human": 0, "noEvidence": 0, "unknown": 0})
            ),
            (
                "human".to_string(),
                json!({"ai": 0, "human": 1, "noEvidence": 0, "unknown": 0})
            ),
        ]
    );
    // Without the declaration Bob's line has no evidence either.
    let undeclared = r.report(&["--since", "all", "--until", "2024-04-10"]);
    assert_eq!(
        undeclared["linesAdded"],
        json!({"ai": 2, "human": 0, "noEvidence": 4, "unknown": 0})
    );
    // The terminal summary and the page show the three apart, titled by the folder's name.
    let name = r.path().file_name().unwrap().to_str().unwrap().to_string();
    let summary = r.run(&["report", ".", "--since", "all", "--until", "2024-04-10"]);
    assert!(
        summary.contains(&format!("AI vs human code in {name}\n")),
        "{summary}"
    );
    let header = summary.lines().find(|l| l.contains("no evidence")).unwrap();
    assert!(
        header.contains("AI") && header.contains("human"),
        "{summary}"
    );
    assert!(
        summary.contains("evidence: 33.3% of the lines added"),
        "{summary}"
    );
    let page = r.home.path().join("page.html");
    r.run(&[
        "report",
        ".",
        "--since",
        "all",
        "--html",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.contains(&format!("<title>AI vs human code — {name}</title>")));
    assert!(html.contains("Evidence covers 33.3% of the lines added."));
}

#[test]
fn a_repository_with_a_deleted_loose_blob_reports_everything_else_and_names_it() {
    let r = Repo::new();
    r.write("a.rs", &["fn a() {}", "fn b() {}", "fn c() {}"]);
    r.write("big.rs", &["fn big() {", "}"]);
    r.commit(0, ALICE, "Start");
    r.write(
        "a.rs",
        &["fn a() {}", "fn b() {}", "fn c() {}", "fn d() {}"],
    );
    r.write("big.rs", &["fn big() {", "    1", "}"]);
    r.commit(1, ALICE, "Grow");
    // The second version of big.rs goes missing, as in a partial clone.
    let blob = r.git(1, ALICE.0, ALICE.1, &["rev-parse", "HEAD:big.rs"]);
    let blob = blob.trim();
    let loose = r
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&loose).unwrap();
    let report = r.report(&["--since", "all", "--until", "2024-04-10"]);
    // a.rs: 3 + 1 lines; big.rs: its first 2 lines (the change that lost its blob is skipped).
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 0, "human": 0, "noEvidence": 6, "unknown": 0})
    );
    assert_eq!(
        report["skipped"],
        json!({"objects": 1, "paths": ["big.rs"]})
    );
    let summary = r.run(&["report", ".", "--since", "all", "--until", "2024-04-10"]);
    assert!(
        summary.contains("skipped: 1 objects missing, e.g. big.rs"),
        "{summary}"
    );
    // The other commands say what is missing and exit 1; none panics.
    for args in [
        vec!["blame", "big.rs"],
        vec!["history", "big.rs", "--lines", "1:2"],
        vec!["blocks", "big.rs"],
    ] {
        let out = r.run_status(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(blob) && stderr.contains("missing from this clone"),
            "{args:?}: {stderr}"
        );
    }
    // What is still there still answers.
    assert!(r.run(&["blame", "a.rs"]).contains("fn d() {}"));
}

#[test]
fn a_git_ai_note_added_after_a_report_changes_the_next_default_run() {
    let r = Repo::new();
    r.write("main.rs", &["l1", "l2", "l3", "l4", "l5", "l6"]);
    r.commit(0, ALICE, "Add main.rs");
    let commit = r.git(0, ALICE.0, ALICE.1, &["rev-parse", "HEAD"]);
    let first = r.report(&["--since", "all"]);
    assert_eq!(first["linesAdded"]["ai"], 0);
    assert!(r.path().join(".git/provenance/cache/report").is_dir());
    // git-ai attaches its note later (as `git-ai` does after a commit hook).
    let note = "main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}}}}\n";
    let note_file = r.home.path().join("note.txt");
    std::fs::write(&note_file, note).unwrap();
    r.git(
        0,
        ALICE.0,
        ALICE.1,
        &[
            "notes",
            "--ref=ai",
            "add",
            "-F",
            note_file.to_str().unwrap(),
            commit.trim(),
        ],
    );
    let second = r.report(&["--since", "all"]);
    assert_eq!(second["linesAdded"]["ai"], 2);
    let fresh = r.report(&["--since", "all", "--no-cache"]);
    assert_eq!(figures_only(&second), figures_only(&fresh));
    // A mailmap that changes who an author is changes the next run too.
    let bob = ["--since", "all", "--human-author", "bob@example.com"];
    assert_eq!(r.report(&bob)["linesAdded"]["human"], 0);
    r.write(".mailmap", &["Bob <bob@example.com> <alice@example.com>"]);
    let mapped = r.report(&bob);
    assert_eq!(mapped["linesAdded"]["human"], 4);
    assert_eq!(mapped["run"]["commitsFromCache"], 0);
}

#[test]
fn git_ai_human_records_are_human_evidence() {
    let r = Repo::new();
    r.write("main.rs", &["l1", "l2", "l3", "l4", "l5", "l6"]);
    r.commit(0, ALICE, "Add main.rs");
    let commit = r.git(0, ALICE.0, ALICE.1, &["rev-parse", "HEAD"]);
    // git-ai attests lines 1-3 to a known human (`h_`), 4 to a session; 5-6 it does not list.
    let note = "main.rs\n  h_31dce776f88375 1-3\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 4\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"humans\":{\"h_31dce776f88375\":{\"name\":\"Alice\"}},\
        \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"claude\",\"id\":\"1\",\"model\":\"claude-opus-4-5\"}}}}\n";
    let note_file = r.home.path().join("note.txt");
    std::fs::write(&note_file, note).unwrap();
    r.git(
        0,
        ALICE.0,
        ALICE.1,
        &[
            "notes",
            "--ref=ai",
            "add",
            "-F",
            note_file.to_str().unwrap(),
            commit.trim(),
        ],
    );
    let report = r.report(&["--since", "all", "--until", "2024-04-10"]);
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 1, "human": 3, "noEvidence": 2, "unknown": 0})
    );
    assert_eq!(report["coverage"], 0.6667);
}

#[test]
fn by_agent_rows_name_their_models_as_blame_json_gives_them() {
    let r = Repo::new();
    r.write("main.rs", &["l1", "l2", "l3", "l4", "l5", "l6"]);
    r.commit(0, ALICE, "Add main.rs");
    // git-ai: one cursor session on gpt-5 wrote lines 1-2 and 4, another on claude-sonnet-4-5 line 3.
    let note = "main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2,4\n  s_0a1b2c3d4e5f60::t_1234567890abcd 3\n---\n\
        {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
        \"sessions\":{\"s_c9883b05a2487d\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}},\
        \"s_0a1b2c3d4e5f60\":{\"agent_id\":{\"tool\":\"cursor\",\"id\":\"2\",\"model\":\"claude-sonnet-4-5\"}}}}\n";
    put_git_ai_note(&r, &head(&r), note);
    // A commit whose trailer names Claude and no model.
    r.write("util.rs", &["u1", "u2"]);
    r.commit(1, BOB, &format!("Add util.rs{CLAUDE}"));

    // What blame --json says of each line: the oracle for the models.
    let mut by_blame: std::collections::BTreeMap<String, u64> = Default::default();
    for line in r.run(&["blame", "main.rs", "--json"]).lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        if line["agent"] == "cursor" {
            *by_blame
                .entry(line["model"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(by_blame.len(), 2, "{by_blame:?}");
    let from_blame: Vec<Value> = {
        let mut models: Vec<(&String, &u64)> = by_blame.iter().collect();
        models.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        models
            .into_iter()
            .map(|(model, lines)| json!({"model": model, "linesAdded": lines}))
            .collect()
    };

    let by_model = r.report(&["--since", "all", "--until", "2024-04-10", "--by", "model"]);
    for extra in [&["--until", "2024-04-10"][..], &[]] {
        // Once up to a date (no cache), once up to now (cached the second time).
        for _ in 0..2 {
            let mut args = vec!["--since", "all", "--by", "agent"];
            args.extend_from_slice(extra);
            let by_agent = r.report(&args);
            let cursor = group_row(&by_agent, "cursor");
            assert_eq!(cursor["models"], json!(from_blame), "{cursor}");
            assert_eq!(
                cursor["models"][0],
                json!({"model": "gpt-5", "linesAdded": 3})
            );
            // The row is its models' rows of --by model added up.
            let (gpt, sonnet) = (
                group_row(&by_model, "cursor/gpt-5"),
                group_row(&by_model, "cursor/claude-sonnet-4-5"),
            );
            for figure in ["linesAdded", "commits", "linesDeleted"] {
                for class in ["ai", "human", "noEvidence", "unknown"] {
                    assert_eq!(
                        cursor[figure][class].as_u64().unwrap(),
                        gpt[figure][class].as_u64().unwrap()
                            + sonnet[figure][class].as_u64().unwrap(),
                        "{figure}.{class}: {cursor}"
                    );
                }
            }
            // No source names Claude's model: no list.
            let claude = group_row(&by_agent, "claude-code");
            assert_eq!(claude["linesAdded"]["ai"], 2, "{claude}");
            assert!(claude.get("models").is_none(), "{claude}");
            assert!(
                group_row(&by_agent, "no evidence").get("models").is_none(),
                "{by_agent}"
            );
        }
    }
}

/// The `--by` row of `key`.
fn group_row(report: &Value, key: &str) -> Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group {key:?} in {}", report["groups"]))
        .clone()
}

/// Attaches (or replaces, as git-ai does when it rewrites one) the git-ai
/// note of `commit`.
fn put_git_ai_note(r: &Repo, commit: &str, note: &str) {
    let note_file = r.home.path().join("git-ai-note.txt");
    std::fs::write(&note_file, note).unwrap();
    r.git(
        0,
        ALICE.0,
        ALICE.1,
        &[
            "notes",
            "--ref=ai",
            "add",
            "-f",
            "-F",
            note_file.to_str().unwrap(),
            commit,
        ],
    );
}

fn head(r: &Repo) -> String {
    r.git(0, ALICE.0, ALICE.1, &["rev-parse", "HEAD"])
        .trim()
        .to_string()
}

/// Lines of `paths` by what `blame --json` says of them: `ai`, `human` and
/// `untracked` counts, and the assistant lines by `agent` and by `agent/model`.
fn blame_counts(r: &Repo, paths: &[&str]) -> std::collections::BTreeMap<String, u64> {
    let mut counts = std::collections::BTreeMap::new();
    for path in paths {
        for line in r.run(&["blame", path, "--json"]).lines() {
            let line: Value = serde_json::from_str(line).unwrap();
            let mut keys = vec![line["authorship"].as_str().unwrap().to_string()];
            if let Some(agent) = line["agent"].as_str() {
                keys.push(agent.to_string());
                if let Some(model) = line["model"].as_str() {
                    keys.push(format!("{agent}/{model}"));
                }
            }
            for key in keys {
                *counts.entry(key).or_default() += 1;
            }
        }
    }
    counts
}

/// git-ai's own example notes (its standard's Sessions and Mixed examples,
/// and a note with a key whose prompt record lives in another commit's note,
/// an entry overridden by a later one, and a key nobody has a record for):
/// the report counts every line as `blame --json` reads it.
#[test]
fn the_report_reads_git_ai_example_notes_as_blame_does() {
    use crate::attribution::{GIT_AI_MIXED_EXAMPLE, GIT_AI_SESSIONS_EXAMPLE};
    let r = Repo::new();
    let lines = numbered("l", 1..=50);
    r.write("src/main.rs", &refs(&lines));
    r.write("src/lib.rs", &refs(&lines));
    r.commit(0, ALICE, "Add main and lib");
    put_git_ai_note(&r, &head(&r), GIT_AI_SESSIONS_EXAMPLE);
    r.write("src/other.rs", &["o1", "o2", "o3"]);
    r.commit(1, ALICE, "Add other");
    put_git_ai_note(&r, &head(&r), GIT_AI_MIXED_EXAMPLE);
    r.write("src/later.rs", &["a", "b", "c", "d", "e"]);
    r.commit(2, ALICE, "Add later");
    put_git_ai_note(
        &r,
        &head(&r),
        "src/later.rs\n  abcd1234abcd1234 1-3\n  h_31dce776f88375 2\n  0000000000000000 4\n---\n\
         {\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{},\
         \"humans\":{\"h_31dce776f88375\":{\"author\":\"Developer <dev@example.com>\"}}}\n",
    );

    let blame = blame_counts(
        &r,
        &["src/main.rs", "src/lib.rs", "src/other.rs", "src/later.rs"],
    );
    let count = |key: &str| blame.get(key).copied().unwrap_or(0);
    // As git-ai decides them (tests/e2e/attribution.rs, line by line): the
    // prompt record found in the other note, the later human entry, the key
    // with no record untracked.
    assert_eq!(count("ai"), 23 + 50 + 2, "{blame:?}");
    assert_eq!(count("human"), 9 + 1, "{blame:?}");
    assert_eq!(count("cursor/gpt-4"), 2, "{blame:?}");

    let report = r.report(&["--since", "all", "--until", "2024-04-10", "--by", "agent"]);
    assert_eq!(
        report["linesAdded"],
        json!({"ai": count("ai"), "human": count("human"),
               "noEvidence": count("untracked"), "unknown": 0}),
        "{blame:?}"
    );
    for agent in ["cursor", "claude-code"] {
        let group = group_row(&report, agent);
        assert_eq!(group["linesAdded"]["ai"], count(agent), "{agent}: {group}");
        let models: Vec<(String, u64)> = group["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    format!("{agent}/{}", m["model"].as_str().unwrap()),
                    m["linesAdded"].as_u64().unwrap(),
                )
            })
            .collect();
        for (key, lines) in &models {
            assert_eq!(*lines, count(key), "{key}: {group}");
        }
        assert_eq!(
            models.iter().map(|m| m.1).sum::<u64>(),
            count(agent),
            "{group}"
        );
    }
    assert_eq!(
        group_row(&report, "human")["linesAdded"]["human"],
        count("human")
    );
    assert_eq!(
        group_row(&report, "no evidence")["linesAdded"]["noEvidence"],
        count("untracked")
    );
}

/// The cache case of issue 13: a git-ai note rewritten after a first report,
/// then new commits: every default (cached) run equals a full one, and
/// `--by agent` (another cache file) agrees with it.
#[test]
fn a_git_ai_note_rewritten_after_a_report_changes_every_later_cached_run() {
    let r = Repo::new();
    r.write("main.rs", &["l1", "l2", "l3", "l4", "l5", "l6"]);
    r.commit(0, ALICE, "Add main.rs");
    let first = head(&r);
    let note = |lines: &str| {
        format!(
            "main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 {lines}\n---\n\
             {{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"x\",\"prompts\":{{}},\
             \"sessions\":{{\"s_c9883b05a2487d\":{{\"agent_id\":{{\"tool\":\"cursor\",\"id\":\"1\",\"model\":\"gpt-5\"}}}}}}}}\n"
        )
    };
    put_git_ai_note(&r, &first, &note("1-2"));
    let ai = |report: &Value| report["linesAdded"]["ai"].as_u64().unwrap();
    let cursor = |report: &Value| group_row(report, "cursor")["linesAdded"]["ai"].clone();
    assert_eq!(ai(&r.report(&["--since", "all"])), 2);
    assert_eq!(cursor(&r.report(&["--since", "all", "--by", "agent"])), 2);
    // git-ai rewrites the note (all six lines), then work goes on.
    put_git_ai_note(&r, &first, &note("1-6"));
    for day in 1..=2 {
        r.write(&format!("util{day}.rs"), &["u1", "u2"]);
        r.commit(day, BOB, "Add a util");
        let cached = r.report(&["--since", "all"]);
        assert_eq!(ai(&cached), 6, "day {day}");
        let full = r.report(&["--since", "all", "--no-cache"]);
        assert_eq!(figures_only(&cached), figures_only(&full), "day {day}");
        let by_agent = r.report(&["--since", "all", "--by", "agent"]);
        assert_eq!(cursor(&by_agent), ai(&cached), "day {day}");
    }
}
