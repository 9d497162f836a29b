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
/// - C2 day 1, Alice + Claude: ai.txt = x1..x10                        (AI +10)
/// - C3 day 3, Bob: ai.txt x1..x4 → y1..y4; a.txt drops a9, a10       (human +4, −6)
/// - C4 day 5, dependabot: deps.txt (5 lines); b.txt b4 → b4-bumped   (bot: left out)
/// - C5 day 10, Alice: moves a.txt to src/a.txt and edits a1           (human +1, −1)
/// - branch `feature` from C5: S1 day 12, Alice + Codex: ai.txt += z1, z2 (AI +2)
/// - C6 day 13, Bob on main: src/a.txt += a11                          (human +1)
/// - M  day 14, merge of `feature` (no conflict: brings z1, z2, born in S1)
/// - C7 day 30, Bob + Claude: ai.txt drops x5..x8                      (AI −4)
/// - C8 day 40, Alice: ai.txt drops y1, y2                             (human −2)
fn scripted() -> Repo {
    let r = Repo::new();
    let a = numbered("a", 1..=10);
    let b = numbered("b", 1..=4);
    let x = numbered("x", 1..=10);
    r.write("a.txt", &refs(&a));
    r.write("b.txt", &refs(&b));
    r.commit(0, ALICE, "C1 start");
    r.write("ai.txt", &refs(&x));
    r.commit(1, ALICE, &format!("C2 add ai.txt{CLAUDE}"));
    let mut ai: Vec<String> = numbered("y", 1..=4);
    ai.extend(numbered("x", 5..=10));
    r.write("ai.txt", &refs(&ai));
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
    r.write("ai.txt", &refs(&with_z));
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
    // ai.txt is now y1..y4, x5..x10, z1, z2.
    let mut c7: Vec<String> = numbered("y", 1..=4);
    c7.extend(numbered("x", 9..=10));
    c7.extend(["z1".to_string(), "z2".to_string()]);
    r.write("ai.txt", &refs(&c7));
    r.commit(30, BOB, &format!("C7 drop x5-x8{CLAUDE}"));
    r.write("ai.txt", &refs(&c7[2..]));
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
    let report = r.report(&["--since", "all", "--until", "2024-04-10"]);

    // Commits: AI C2, S1, C7; human C1, C3, C5, C6, C8. The merge and the bot are not counted.
    assert_eq!(
        report["commits"],
        json!({"ai": 3, "human": 5, "unknown": 0})
    );
    assert_eq!(report["merges"], 1);
    assert_eq!(report["botCommits"], 1);
    // Added: AI x1..x10 + z1, z2 = 12 (the merge brings z1, z2 again: not counted);
    // human a1..a10, b1..b4 (14) + y1..y4 (4) + a1-edited (1) + a11 (1) = 20.
    // The move of a.txt is a rename: a2..a8 are not born again.
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 12, "human": 20, "unknown": 0})
    );
    // Deleted by commit: human C3 4 + 2, C5 1, C8 2 = 9; AI C7 4; the bot's b4 is left out.
    assert_eq!(
        report["linesDeleted"],
        json!({"ai": 4, "human": 9, "unknown": 0})
    );
    // Deleted by who wrote the line: AI x1..x8 = 8; human a9, a10, b4, a1, y1, y2 = 6.
    assert_eq!(
        report["linesDeletedByOrigin"],
        json!({"ai": 8, "human": 6, "unknown": 0})
    );
    // Churn: every line was born by day 86 (= day 100 − 14), so all are watched 14 days.
    // AI: x1..x4 ended after 2 days → 4 / 12 = 0.3333.
    // Human: a9, a10 (3 days), b4 (5), a1 (10) → 4 / 20 = 0.2; y1, y2 lived 37 days.
    assert_eq!(
        report["churn14d"],
        json!({"ai": 0.3333, "human": 0.2, "unknown": null})
    );
    // Rework: lines added in the range later ended. AI 8 / 12; human 6 / 20.
    assert_eq!(
        report["reworkPerLine"],
        json!({"ai": 0.6667, "human": 0.3, "unknown": null})
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
    // Hotspots: files alive now with their AI share: ai.txt holds x9, x10, y3, y4, z1, z2 → 4 of 6 AI.
    let ai_txt = report["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["path"] == "ai.txt")
        .unwrap();
    assert_eq!(ai_txt["aiShare"], 0.6667);
    assert_eq!(ai_txt["lines"], 6);
}

#[test]
fn bots_are_counted_with_include_bots() {
    let r = scripted();
    let report = r.report(&["--since", "all", "--until", "2024-04-10", "--include-bots"]);
    // The bot's commit is now a human one: +5 (deps.txt) +1 (b4-bumped), −1 (b4).
    assert_eq!(
        report["commits"],
        json!({"ai": 3, "human": 6, "unknown": 0})
    );
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 12, "human": 26, "unknown": 0})
    );
    assert_eq!(
        report["linesDeleted"],
        json!({"ai": 4, "human": 10, "unknown": 0})
    );
}

#[test]
fn lines_from_before_since_are_unknown() {
    let r = scripted();
    // From day 20 (2024-01-21): only C7 and C8 are walked; the lines they delete
    // were written before the range, so their origin is unknown.
    let report = r.report(&["--since", "2024-01-21", "--until", "2024-04-10"]);
    assert_eq!(
        report["commits"],
        json!({"ai": 1, "human": 1, "unknown": 0})
    );
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 0, "human": 0, "unknown": 0})
    );
    assert_eq!(
        report["linesDeleted"],
        json!({"ai": 4, "human": 2, "unknown": 0})
    );
    assert_eq!(
        report["linesDeletedByOrigin"],
        json!({"ai": 0, "human": 0, "unknown": 6})
    );
    assert_eq!(
        report["churn14d"],
        json!({"ai": null, "human": null, "unknown": null})
    );
}

#[test]
fn by_agent_splits_the_figures() {
    let r = scripted();
    let report = r.report(&["--since", "all", "--until", "2024-04-10", "--by", "agent"]);
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
                json!({"ai": 0, "human": 5, "unknown": 0}),
                json!({"ai": 0, "human": 20, "unknown": 0})
            ),
            (
                "claude-code".into(),
                json!({"ai": 2, "human": 0, "unknown": 0}),
                json!({"ai": 10, "human": 0, "unknown": 0})
            ),
            (
                "codex".into(),
                json!({"ai": 1, "human": 0, "unknown": 0}),
                json!({"ai": 2, "human": 0, "unknown": 0})
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
    r.write("ai.txt", &refs(&x));
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
        ["ai", "human", "unknown"]
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
    // The commit is an assistant's by its note; its lines are split by the note: 2 AI, 4 human.
    assert_eq!(
        report["commits"],
        json!({"ai": 1, "human": 0, "unknown": 0})
    );
    assert_eq!(
        report["linesAdded"],
        json!({"ai": 2, "human": 4, "unknown": 0})
    );
    let cursor = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "cursor")
        .unwrap();
    assert_eq!(
        cursor["linesAdded"],
        json!({"ai": 2, "human": 0, "unknown": 0})
    );
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
