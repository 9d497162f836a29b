//! `provenance-ls report --json`: what lines needed after they were written
//! (fix commits by origin, time to fix) and the landed clock, on scripted
//! histories whose answers are worked out by hand in each test.

use serde_json::{json, Value};

use crate::support::git::{run_binary, Repo};

const DAY: i64 = 86_400;
/// 2024-01-01T00:00:00Z
const T0: i64 = 1_704_067_200;
const CLAUDE: &str = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>";
/// The range of every test: 2024-01-01 to 2024-01-31 (day 30).
const RANGE: [&str; 4] = ["--since", "2024-01-01", "--until", "2024-01-31"];

fn lines(prefix: &str, range: std::ops::RangeInclusive<u32>) -> String {
    range.map(|i| format!("{prefix}{i}\n")).collect()
}

fn at(repo: &mut Repo, day: i64) {
    repo.clock = T0 + day * DAY;
}

/// `report --json` with Ada (every commit's author) declared human.
fn report(repo: &Repo, extra: &[&str]) -> Value {
    let mut args = vec![
        "report",
        "--json",
        "--no-blocks",
        "--human-author",
        "ada@example.com",
    ];
    args.extend_from_slice(extra);
    let out = run_binary(&repo.path(), &repo.home(), &args);
    assert!(
        out.status.success(),
        "report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report prints JSON")
}

fn fixes(figures: &Value) -> Value {
    json!({
        "fixedLines": figures["fixedLines"],
        "fixCommits": figures["fixCommits"],
        "fixesPer1000Lines": figures["fixesPer1000Lines"],
        "daysToFix": figures["daysToFix"],
    })
}

/// Day 0: Ada writes h.rs (10 lines), Claude a.rs (10 lines). Day 2 a fix
/// deletes a1–a2; day 5 a tidy-up (no fix) deletes h1–h2; day 10 a fix
/// deletes a3 and h3.
fn fixed_history() -> Repo {
    let mut repo = Repo::new();
    at(&mut repo, 0);
    repo.write("h.rs", &lines("h", 1..=10));
    repo.commit("Add h");
    at(&mut repo, 0);
    repo.write("a.rs", &lines("a", 1..=10));
    repo.commit(&format!("Add a{CLAUDE}"));
    at(&mut repo, 2);
    repo.write("a.rs", &lines("a", 3..=10));
    repo.commit("Fix the off-by-one in a");
    at(&mut repo, 5);
    repo.write("h.rs", &lines("h", 3..=10));
    repo.commit("Tidy h");
    at(&mut repo, 10);
    repo.write("a.rs", &lines("a", 4..=10));
    repo.write("h.rs", &lines("h", 4..=10));
    repo.commit("Handle the crash on empty input");
    repo
}

#[test]
fn fix_commits_are_counted_by_the_origin_of_the_lines_they_change() {
    let repo = fixed_history();
    let r = report(&repo, &RANGE);
    // AI: 3 of 10 lines fixed, by 2 fix commits: 200 per 1,000 lines. Time to
    // fix (Kaplan–Meier, 10 at risk): 2 fixed after 2 days (S = 0.8), 1 after
    // 10 (8 at risk: S = 0.7); 30 % fixed, half of it by day 2, 90 % by day 10.
    // Human: 1 of 10 fixed after 10 days by 1 fix; the 2 tidied away on day 5
    // are censored there (not fixes): median = p90 = 10.
    assert_eq!(
        fixes(&r),
        json!({
            "fixedLines": {"ai": 3, "human": 1, "noEvidence": 0, "unknown": 0},
            "fixCommits": {"ai": 2, "human": 1, "noEvidence": 0, "unknown": 0},
            "fixesPer1000Lines": {"ai": 200.0, "human": 100.0, "noEvidence": null, "unknown": null},
            "daysToFix": {
                "ai": {"median": 2, "p90": 10},
                "human": {"median": 10, "p90": 10},
                "noEvidence": {"median": null, "p90": null},
                "unknown": {"median": null, "p90": null},
            },
        })
    );
    // The curve behind the chart: 20 % of AI lines fixed after day 2, 30 % after day 10.
    let curve = &r["timeToFixCurve"]["ai"];
    assert_eq!(curve[2]["share"], json!(0.0));
    assert_eq!(curve[3]["share"], json!(0.2));
    assert_eq!(curve[11]["share"], json!(0.3));

    // --by agent: the same figures in the assistant's group and in Ada's.
    let by = report(&repo, &[&RANGE[..], &["--by", "agent"]].concat());
    let group = |key: &str| {
        by["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .unwrap_or_else(|| panic!("no group {key}: {}", by["groups"]))
            .clone()
    };
    let claude = group("claude-code");
    assert_eq!(claude["fixedLines"]["ai"], 3);
    assert_eq!(claude["fixesPer1000Lines"]["ai"], 200.0);
    assert_eq!(claude["daysToFix"]["ai"], json!({"median": 2, "p90": 10}));
    let human = group("human");
    assert_eq!(
        human["fixedLines"],
        json!({"ai": 0, "human": 1, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(
        human["daysToFix"]["human"],
        json!({"median": 10, "p90": 10})
    );

    // The rule is backtest's, and configurable: with "tidy" as the only fix
    // word, the two lines tidied on day 5 are Ada's fixed lines.
    let tidy = report(
        &repo,
        &[&RANGE[..], &["--fix-pattern", "(?i)tidy"]].concat(),
    );
    assert_eq!(tidy["fixPattern"], "(?i)tidy");
    assert_eq!(
        tidy["fixedLines"],
        json!({"ai": 0, "human": 2, "noEvidence": 0, "unknown": 0})
    );
    assert_eq!(tidy["daysToFix"]["human"], json!({"median": 5, "p90": 5}));
}

#[test]
fn a_resumed_report_has_the_outcomes_of_a_full_walk() {
    let mut repo = fixed_history();
    let first = report(&repo, &["--since", "2024-01-01"]);
    assert_eq!(first["fixedLines"]["ai"], 3);
    at(&mut repo, 12);
    repo.write("a.rs", &lines("a", 5..=10));
    repo.commit("Revert the a4 change");
    let resumed = report(&repo, &["--since", "2024-01-01"]);
    assert!(
        resumed["run"]["commitsFromCache"].as_u64().unwrap() > 0,
        "{}",
        resumed["run"]
    );
    let full = report(&repo, &["--since", "2024-01-01", "--no-cache"]);
    assert_eq!(resumed["fixedLines"]["ai"], 4, "a revert is a fix");
    for field in [
        "fixedLines",
        "fixCommits",
        "fixesPer1000Lines",
        "daysToFix",
        "landed",
    ] {
        assert_eq!(resumed[field], full[field], "{field}");
    }
}

#[test]
fn the_landed_clock_starts_when_a_branch_is_merged() {
    let mut repo = Repo::new();
    at(&mut repo, 0);
    repo.write("base.rs", &lines("b", 1..=5));
    repo.commit("Add base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    at(&mut repo, 1);
    repo.write("f.rs", &lines("f", 1..=10));
    repo.commit(&format!("Add f{CLAUDE}"));
    at(&mut repo, 2);
    repo.write("f.rs", &lines("f", 3..=10));
    repo.commit(&format!("Trim f{CLAUDE}"));
    repo.git(&["checkout", "-q", "main"]);
    at(&mut repo, 8);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]);
    at(&mut repo, 11);
    repo.write("f.rs", &lines("f", 6..=10));
    repo.commit("Simplify f");
    let r = report(&repo, &RANGE);
    let shares = |survival: &Value| -> Vec<Value> {
        survival
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["share"].clone())
            .collect()
    };
    // The commit clock: 10 AI lines born on day 1; 2 end after 1 day (on the
    // branch), 3 after 10 days (on main), 5 alive after 29. S(7) = 0.8,
    // S(21) = 0.8 · 5/8 = 0.5; none watched 90 days. Churn: 5 of 10.
    assert_eq!(
        shares(&r["survival"]["ai"]),
        [json!(1.0), json!(0.8), json!(0.5), Value::Null]
    );
    assert_eq!(r["churn14d"]["ai"], 0.5);
    // The landed clock: the 8 lines that reached main landed with the merge
    // on day 8; 3 end 3 days later, 5 are alive after 22. S(7) = S(21) =
    // 5/8; churn 3 of 8. The 2 trimmed on the branch never landed.
    let landed = &r["landed"];
    assert_eq!(landed["linesLanded"]["ai"], 8);
    assert_eq!(landed["endedBeforeLanding"]["ai"], 2);
    assert_eq!(landed["linesLanded"]["human"], 5);
    assert_eq!(
        shares(&landed["survival"]["ai"]),
        [json!(1.0), json!(0.625), json!(0.625), Value::Null]
    );
    assert_eq!(landed["churn14d"]["ai"], 0.375);
    // Ada's lines were committed on main: both clocks agree.
    assert_eq!(landed["survival"]["human"], r["survival"]["human"]);
}

/// A Claude Code session writes a function through its hook (the transcript
/// says what it spent), the server carries the usage to the commit's note,
/// and the report reads it back and follows the lines it paid for.
#[test]
fn a_sessions_tokens_follow_its_lines_from_the_transcript_to_the_report() {
    use crate::support::lsp::{file_uri, Client};
    use crate::usage::{append, hook_input, mark, transcript_path, transcript_to_first_write};
    use crate::usage::{wait_for_note, BLOCK, MODEL};

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
    std::fs::write(&path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
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
    std::thread::sleep(std::time::Duration::from_millis(1500));
    repo.commit("Add added");
    wait_for_note(&repo, "HEAD");
    client.shutdown();
    // Two days later a person deletes one of the session's four lines.
    repo.clock += 2 * DAY;
    repo.write(
        "src/lib.rs",
        &format!("fn main() {{\n}}\n{}", BLOCK.replace("    x + 1\n", "")),
    );
    repo.commit("Shorten added");

    // The session spent 12,834 tokens (usage.rs works them out) on 4 lines:
    // all 4 alive after 1 day (3,208.5 a line), 3 after 7, 21 and 90 days
    // (4,278 a line); the line deleted after 2 days took a quarter of them.
    let r = report(&repo, &["--since", "all"]);
    let tokens = &r["tokens"];
    let alive = |t: &Value| -> Vec<Value> {
        t["alive"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!([p["days"], p["linesAlive"], p["tokensPerLine"]]))
            .collect()
    };
    assert_eq!(tokens["commits"], 1, "{tokens}");
    assert_eq!(tokens["tokens"], 12834);
    assert_eq!(tokens["lines"], 4.0);
    assert_eq!(
        tokens["costUsd"],
        Value::Null,
        "no cost without a price or a hook's cost"
    );
    assert_eq!(
        alive(tokens),
        [
            json!([1, 4.0, 3208.5]),
            json!([7, 3.0, 4278.0]),
            json!([21, 3.0, 4278.0]),
            json!([90, 3.0, 4278.0])
        ]
    );
    assert_eq!(tokens["churned14dTokens"], 3208.5);
    assert_eq!(tokens["churned14dShare"], 0.25);
    assert_eq!(tokens["byModel"][0]["key"], format!("claude-code/{MODEL}"));
    assert_eq!(tokens["byModel"][0]["tokens"], 12834);

    // With a price table: (14 × 5 + 320 × 25 + 11,000 × 0.5 + 1,500 × 6.25)
    // / 1e6 = $0.022945, $0.007648 a line alive after 7 days. The model in
    // the note (claude-opus-4-5-20251101) takes the price of its prefix.
    let prices = repo.home().join("prices.json");
    std::fs::write(
        &prices,
        r#"{"models": {"claude-opus-4-5": {"input": 5, "output": 25, "cacheRead": 0.5, "cacheWrite": 6.25}}}"#,
    )
    .unwrap();
    let priced = report(
        &repo,
        &["--since", "all", "--prices", prices.to_str().unwrap()],
    );
    let tokens = &priced["tokens"];
    assert_eq!(tokens["priced"], true);
    assert_eq!(tokens["costUsd"], 0.022945);
    assert_eq!(tokens["alive"][1]["costPerLineUsd"], 0.007648);
}

/// A session's usage is counted once however its lines reach history: a
/// Write committed in two halves puts half its tokens in each note, and a
/// commit re-made by an amend the server did not see gets a derived note
/// that carries the usage of the lines found again.
#[test]
fn a_marks_usage_is_split_between_the_commits_that_hold_its_lines() {
    use crate::support::lsp::{file_uri, Client};
    use crate::usage::{append, hook_input, mark, transcript_path, transcript_to_first_write};
    use crate::usage::{wait_for_note, BLOCK};

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
    std::fs::write(&path, format!("fn main() {{\n}}\n{BLOCK}")).unwrap();
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
    std::thread::sleep(std::time::Duration::from_millis(1500));

    // The last two of the Write's four lines, staged alone and committed.
    let half = repo.home().join("half.rs");
    std::fs::write(&half, "fn main() {\n}\n    x + 1\n}\n").unwrap();
    let blob = repo.git(&["hash-object", "-w", half.to_str().unwrap()]);
    let entry = format!("100644,{},src/lib.rs", blob.trim());
    repo.git(&["update-index", "--cacheinfo", &entry]);
    repo.git(&["commit", "-q", "-m", "Add the end"]);
    repo.clock += 3600;
    let tokens = |note: &str| -> Vec<Value> {
        note.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|r| r["metadata"]["dev.provenance-ls.usage"]["tokens"].clone())
            .collect()
    };
    // 12,834 tokens for 4 lines: 6,417 for the 2 in each commit.
    assert_eq!(tokens(&wait_for_note(&repo, "HEAD")), [json!(6417)]);
    repo.commit("Add the rest");
    assert_eq!(tokens(&wait_for_note(&repo, "HEAD")), [json!(6417)]);
    client.shutdown();

    // Reworded while no server runs: the new commit has no note until a
    // server starts and derives one, usage included.
    repo.git(&["commit", "-q", "--amend", "-m", "Add the start of added"]);
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    let derived = wait_for_note(&repo, "HEAD");
    client.shutdown();
    assert!(derived.contains("derived_from"), "{derived}");
    assert_eq!(tokens(&derived), [json!(6417)]);
    let r = report(&repo, &["--since", "all"]);
    assert_eq!(r["tokens"]["tokens"], 12834, "{}", r["tokens"]);
    assert_eq!(r["tokens"]["commits"], 2);
    assert_eq!(r["tokens"]["lines"], 4.0);
}
