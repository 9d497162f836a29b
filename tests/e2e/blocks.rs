//! `provenance-ls blocks` on a real repository: block names and LSP ranges,
//! commits, rewrites, churn, AI share and authors from real history, also
//! when the work tree has uncommitted edits that move the blocks.

use serde_json::Value;

use crate::support::git::{run_binary, Repo};

const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const V1: &str = "def stable():\n    return 1\n\n\ndef hot(x):\n    return x\n";
const V2: &str = "def stable():\n    return 1\n\n\ndef hot(x):\n    y = x * 2\n    return y\n";
const V3: &str =
    "def stable():\n    return 1\n\n\ndef hot(x):\n    y = x * 3\n    z = y + 1\n    return z\n";

/// `stable` written once; `hot` rewritten twice within days, once with Claude.
fn history() -> Repo {
    let mut repo = Repo::new();
    repo.clock = now() - 30 * DAY;
    repo.write("app.py", V1);
    repo.commit("Add app");
    repo.clock += 2 * DAY;
    repo.write("app.py", V2);
    repo.commit("Double it\n\nCo-authored-by: Claude <noreply@anthropic.com>");
    repo.clock += 3 * DAY;
    repo.write("app.py", V3);
    repo.commit_as("Bob", "bob@example.com", "Triple it");
    repo
}

fn blocks_json(repo: &Repo) -> Vec<Value> {
    let out = run_binary(&repo.path(), &repo.home(), &["blocks", "app.py", "--json"]);
    assert!(
        out.status.success(),
        "blocks failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("a JSON array")
}

fn summary(block: &Value) -> String {
    format!(
        "{} lines {}-{} commits={} rewrites90d={} churn14d={} aiShare={} authors={} risk={}",
        block["name"].as_str().unwrap(),
        block["range"]["start"]["line"],
        block["range"]["end"]["line"],
        block["commits"],
        block["rewrites90d"],
        block["churn14d"],
        block["aiShare"],
        block["authors"],
        block["risk"]["level"].as_str().unwrap(),
    )
}

#[test]
fn blocks_json_reports_history_per_block() {
    let repo = history();
    let blocks = blocks_json(&repo);
    let rendered: Vec<String> = blocks.iter().map(summary).collect();
    // hot, as `git log -L 5,8:app.py` counts it (lines added inside the range): V1 wrote
    // 2 (`def hot`, `return x`), V2 replaced `return x` within 2 days (+2), V3 replaced V2's
    // 2 lines within 3 days (+3): 3 of 7 written lines churned. Claude's lines (V2) are all
    // gone, so no current line is AI.
    expect_test::expect![[r#"
        [
            "stable lines 0-2 commits=1 rewrites90d=0 churn14d=0.0 aiShare=0.0 authors=1 risk=low",
            "hot lines 4-8 commits=3 rewrites90d=2 churn14d=0.429 aiShare=0.0 authors=2 risk=low",
        ]
    "#]]
    .assert_debug_eq(&rendered);
    let hot = &blocks[1];
    // Changed twice by two people: riskier than the block written once (docs/risk.md).
    assert!(hot["risk"]["score"].as_u64() > blocks[0]["risk"]["score"].as_u64());
    assert_eq!(hot["range"]["start"]["character"], 0);
    assert!(hot["ageDays"].as_u64().unwrap() >= 29);
    let factors: Vec<&str> = hot["risk"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        factors,
        [
            "prior_fixes",
            "changes",
            "recent_changes",
            "relative_churn",
            "recent_churn",
            "author_spread",
            "minor_ownership",
            "size",
            "newness",
            "ai_unreviewed_or_reworked"
        ]
    );
}

#[test]
fn uncommitted_edits_move_blocks_but_keep_their_history() {
    let repo = history();
    repo.write("app.py", &format!("import os\nimport sys\n\n\n{V3}"));
    let blocks = blocks_json(&repo);
    let hot = blocks.iter().find(|b| b["name"] == "hot").expect("hot");
    assert_eq!(hot["range"]["start"]["line"], 8);
    assert_eq!(hot["commits"], 3);
}

#[test]
fn ai_share_counts_lines_an_assistant_wrote() {
    let mut repo = Repo::new();
    repo.clock = now() - 10 * DAY;
    repo.write(
        "lib.go",
        "package lib\n\nfunc Human() int {\n\treturn 1\n}\n",
    );
    repo.commit("Add Human");
    repo.write(
        "lib.go",
        "package lib\n\nfunc Human() int {\n\treturn 1\n}\n\nfunc Agent() int {\n\treturn 2\n}\n",
    );
    repo.commit("Add Agent\n\nCo-authored-by: Codex <noreply@openai.com>");
    let out = run_binary(&repo.path(), &repo.home(), &["blocks", "lib.go", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blocks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let shares: Vec<(String, f64)> = blocks
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["aiShare"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [("Human".to_string(), 0.0), ("Agent".to_string(), 1.0)]
    );
}

#[test]
fn table_without_json_and_errors_outside_a_repository() {
    let repo = history();
    let out = run_binary(&repo.path(), &repo.home(), &["blocks", "app.py"]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.lines().next().unwrap().starts_with("lines"),
        "{table}"
    );
    assert!(table.contains("hot") && table.contains("5-8"), "{table}");

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.py"), "def f():\n    pass\n").unwrap();
    let out = run_binary(
        outside.path(),
        outside.path(),
        &["blocks", "x.py", "--json"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("provenance-ls:"));
}
