//! `--as-of` and `backtest` on repositories built by the test: the blocks a
//! user at T saw do not change when later commits exist, and a backtest over
//! fix commits known by construction gives the hand-worked labels, AUCs and
//! top-tenth shares.

use serde_json::Value;

use crate::support::git::{run_binary, Repo};

const DAY: i64 = 86_400;

/// A Python file of the functions `(name, body lines)`, blank lines between.
fn source(functions: &[(&str, &[&str])]) -> String {
    functions
        .iter()
        .map(|(name, body)| {
            let mut f = format!("def {name}():\n");
            for line in *body {
                f.push_str(&format!("    {line}\n"));
            }
            f
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn json(repo: &Repo, args: &[&str]) -> Value {
    let out = run_binary(&repo.path(), &repo.home(), args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Four functions: `big` (6 lines, written once), `b` (3 lines, changed twice
/// before T, once by a fix), `c` (3 lines, changed once), `d` (4 lines,
/// written once). Returns the repository and T (Unix seconds): one day after
/// the last commit before it.
fn before_t() -> (Repo, i64) {
    let mut repo = Repo::new();
    repo.clock = 1_600_000_000;
    let big: &[&str] = &["x = 1", "x += 1", "x += 2", "x += 3", "return x"];
    repo.write(
        "app.py",
        &source(&[
            ("big", big),
            ("b", &["return 1", "# b"]),
            ("c", &["return 2", "# c"]),
            ("d", &["y = 4", "y += 1", "return y"]),
        ]),
    );
    repo.commit("Add app");
    repo.clock += 10 * DAY;
    repo.write(
        "app.py",
        &source(&[
            ("big", big),
            ("b", &["return 10", "# b"]),
            ("c", &["return 2", "# c"]),
            ("d", &["y = 4", "y += 1", "return y"]),
        ]),
    );
    repo.commit("Tweak b");
    repo.clock += 10 * DAY;
    repo.write(
        "app.py",
        &source(&[
            ("big", big),
            ("b", &["return 11", "# b"]),
            ("c", &["return 2", "# c"]),
            ("d", &["y = 4", "y += 1", "return y"]),
        ]),
    );
    repo.commit_as("Bob", "bob@example.com", "Fix the value of b");
    repo.clock += 10 * DAY;
    repo.write(
        "app.py",
        &source(&[
            ("big", big),
            ("b", &["return 11", "# b"]),
            ("c", &["return 3", "# c"]),
            ("d", &["y = 4", "y += 1", "return y"]),
        ]),
    );
    repo.commit("Make c three");
    let t = repo.clock + DAY;
    (repo, t)
}

/// After T, within 30 days: a fix of `b`, a feature in `d`, a revert in `c`;
/// after 30 days: a fix of `big` (outside the horizon).
fn after_t(repo: &mut Repo, t: i64) {
    let big: &[&str] = &["x = 1", "x += 1", "x += 2", "x += 3", "return x"];
    repo.clock = t + 2 * DAY;
    repo.write(
        "app.py",
        &source(&[
            ("big", big),
            ("b", &["return 12", "# b"]),
            ("c", &["return 3", "# c"]),
            ("d", &["y = 4", "y += 1", "return y"]),
        ]),
    );
    repo.commit("Avoid a crash in b");
    repo.clock += 2 * DAY;
    repo.write(
        "app.py",
        &source(&[
            ("big", big),
            ("b", &["return 12", "# b"]),
            ("c", &["return 3", "# c"]),
            ("d", &["y = 4", "log(y)", "return y"]),
        ]),
    );
    repo.commit("Add logging to d");
    repo.clock += 2 * DAY;
    repo.write(
        "app.py",
        &source(&[
            ("big", big),
            ("b", &["return 12", "# b"]),
            ("c", &["return 2", "# c"]),
            ("d", &["y = 4", "log(y)", "return y"]),
        ]),
    );
    repo.commit("Revert \"Make c three\"");
    repo.clock = t + 40 * DAY;
    repo.write(
        "app.py",
        &source(&[
            ("big", &["x = 1", "x += 1", "x += 2", "x += 4", "return x"]),
            ("b", &["return 12", "# b"]),
            ("c", &["return 2", "# c"]),
            ("d", &["y = 4", "log(y)", "return y"]),
        ]),
    );
    repo.commit("Fix big");
}

#[test]
fn as_of_reports_the_same_blocks_before_and_after_later_commits() {
    let (mut repo, t) = before_t();
    let as_of = format!("@{t}");
    let blocks_args = ["blocks", "app.py", "--json", "--as-of", &as_of];
    let history_args = [
        "history", "app.py", "--lines", "4:6", "--json", "--as-of", &as_of,
    ];
    let blocks_then = json(&repo, &blocks_args);
    let history_then = json(&repo, &history_args);
    after_t(&mut repo, t);
    assert_eq!(json(&repo, &blocks_args), blocks_then);
    assert_eq!(json(&repo, &history_args), history_then);

    // Ages, windows and fixes are those of a user at T.
    let b = &blocks_then.as_array().unwrap()[1];
    assert_eq!(
        (
            b["name"].as_str(),
            b["commits"].as_u64(),
            b["fixes"].as_u64()
        ),
        (Some("b"), Some(3), Some(1))
    );
    assert_eq!(b["ageDays"], 31);
    assert_eq!(b["rewrites90d"], 2);
    // Now, b has one more commit (the crash fix) and is older.
    let now = json(&repo, &["blocks", "app.py", "--json"]);
    let b_now = &now.as_array().unwrap()[1];
    assert_eq!(
        (b_now["commits"].as_u64(), b_now["fixes"].as_u64()),
        (Some(4), Some(2))
    );
    // A revision works too: T is its committer date.
    let at_rev = json(&repo, &["blocks", "app.py", "--json", "--as-of", "HEAD~4"]);
    assert_eq!(at_rev.as_array().unwrap()[1]["commits"], 3);
    assert_eq!(at_rev.as_array().unwrap()[1]["ageDays"], 30);
}

#[test]
fn backtest_labels_blocks_by_later_fix_commits() {
    let (mut repo, t) = before_t();
    after_t(&mut repo, t);
    let as_of = format!("@{t}");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "backtest",
            ".",
            "--as-of",
            &as_of,
            "--horizon",
            "30d",
            "--json",
            "--default-weights",
        ];
        args.extend_from_slice(extra);
        json(&repo, &args)
    };
    let result = run(&[]);
    // Fixed in (T, T+30d]: b (the crash fix) and c (the revert); not d (a
    // feature) nor big (fixed 40 days after T).
    assert_eq!(result["files"], serde_json::json!(["app.py"]));
    assert_eq!(
        (
            result["blocks"].as_u64(),
            result["fixedBlocks"].as_u64(),
            result["fixCommits"].as_u64()
        ),
        (Some(4), Some(2), Some(2))
    );
    let score = |name: &str| {
        let s = result["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap();
        (s["auc"].as_f64(), s["top10Share"].as_f64())
    };
    // commits: b 3, c 2 (fixed) over big 1, d 1: every pair won, AUC 1; the one top
    // slot (10 % of 4, rounded up) holds b: 1 of the 2 fixed blocks.
    assert_eq!(score("commits"), (Some(1.0), Some(0.5)));
    // size: b 3, c 3 (fixed) under big 6, d 4: every pair lost; the top slot is big.
    assert_eq!(score("size"), (Some(0.0), Some(0.0)));
    // The risk ranks b (a recent fix before T) first; c's one change weighs less than
    // the extra lines of big (6) and d (4): 37.7 × ln 4 / ln 2001 + 4.7 × ln 2 / ln 41 = 7.7
    // against 9.7 and 8.0. Pairs won: b over big and d, c over neither: AUC 2/4.
    assert_eq!(score("risk"), (Some(0.5), Some(0.5)));
    assert_eq!(result["model"]["source"], "default");

    // What counts as a fix is configurable: now only d's commit is one.
    let logging = run(&["--fix-pattern", "(?i)logging"]);
    assert_eq!(
        (
            logging["fixedBlocks"].as_u64(),
            logging["fixCommits"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

#[test]
fn backtest_rejects_a_bad_fix_pattern() {
    let (repo, t) = before_t();
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &[
            "backtest",
            "--as-of",
            &format!("@{t}"),
            "--fix-pattern",
            "(",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fix-pattern"));
}

#[test]
fn backtest_caches_its_model_and_blocks_scores_with_it() {
    let (mut repo, t) = before_t();
    after_t(&mut repo, t);
    // The default T (one horizon before HEAD) is the check of the present: it is cached.
    let result = json(&repo, &["backtest", ".", "--horizon", "30d", "--json"]);
    let cached = repo.git_dir().join("provenance/cache/risk-model.json");
    let model: Value = serde_json::from_str(&std::fs::read_to_string(&cached).unwrap()).unwrap();
    assert_eq!(model, result["model"]);
    assert_eq!(model["horizonDays"], 30);
    assert_eq!(model["source"], "default", "too few fixes here to fit");

    // `blocks` scores with the cached weights: put every point on size.
    let mut only_size = model.clone();
    for pair in only_size["weights"].as_array_mut().unwrap() {
        pair[1] = Value::from(if pair[0] == "size" { 100.0 } else { 0.0 });
    }
    std::fs::write(&cached, only_size.to_string()).unwrap();
    let blocks = json(&repo, &["blocks", "app.py", "--json"]);
    for block in blocks.as_array().unwrap() {
        for factor in block["risk"]["factors"].as_array().unwrap() {
            let expected = if factor["name"] == "size" { 100.0 } else { 0.0 };
            assert_eq!(factor["weight"].as_f64(), Some(expected), "{factor}");
        }
    }
}

#[test]
fn report_as_of_splits_the_files_as_they_were_then() {
    let (mut repo, t) = before_t();
    let as_of = format!("@{t}");
    let args = ["report", ".", "--since", "all", "--as-of", &as_of, "--json"];
    let then = json(&repo, &args);
    after_t(&mut repo, t);
    let again = json(&repo, &args);
    assert_eq!(again["blockHotspots"], then["blockHotspots"]);
    assert_eq!(again["hotspots"], then["hotspots"]);
    // The blocks are those of app.py at T: b had 3 commits then (4 now).
    let b = |report: &Value| -> Value {
        report["blockHotspots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "b")
            .cloned()
            .expect("b is a block hotspot")
    };
    assert_eq!(b(&then)["commits"], 3);
    let now = json(&repo, &["report", ".", "--since", "all", "--json"]);
    assert_eq!(b(&now)["commits"], 4);
}

#[test]
fn report_says_how_well_risk_predicted_fixes() {
    let (mut repo, t) = before_t();
    after_t(&mut repo, t);
    let report = ["report", ".", "--since", "all"];
    let with = |extra: &[&str]| -> Vec<String> {
        report.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_binary(&repo.path(), &repo.home(), &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let before: Value = serde_json::from_str(&run(with(&["--json"]))).unwrap();
    assert_eq!(before["riskCheck"], Value::Null);
    assert!(run(with(&[])).contains("not checked yet"));

    // A backtest of the present (T = HEAD − 30 days) leaves its check with the history.
    let check = json(&repo, &["backtest", ".", "--horizon", "30d", "--json"]);
    let after: Value = serde_json::from_str(&run(with(&["--json"]))).unwrap();
    let shown = &after["riskCheck"];
    assert_eq!(shown["auc"], check["model"]["checkAuc"]);
    assert_eq!(shown["commitsAuc"], check["scores"][1]["auc"]);
    assert_eq!(shown["sizeAuc"], check["scores"][2]["auc"]);
    assert_eq!(shown["blocks"], check["blocks"]);
    assert_eq!(shown["fixedBlocks"], check["fixedBlocks"]);
    assert_eq!(shown["horizonDays"], 30);
    let at = check["at"].as_i64().unwrap();
    let day = |s: &str| s[..10].to_string();
    let expected_day = {
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{at}"), "+%Y-%m-%d"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(day(shown["checkedAt"].as_str().unwrap()), expected_day);

    let summary = run(with(&[]));
    assert!(
        summary.contains("How well risk predicted fixes here"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("as of {expected_day}")),
        "{summary}"
    );
    let page = repo.path().join("report.html");
    run(with(&["--html", page.to_str().unwrap()]));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("How well risk predicted fixes here"));

    // A report ending before the check's fixes were all counted does not show it.
    let early = format!("@{}", t + 20 * DAY);
    let early: Value = serde_json::from_str(&run(with(&["--as-of", &early, "--json"]))).unwrap();
    assert_eq!(early["riskCheck"], Value::Null);
}

#[test]
fn hover_scores_with_the_cached_model_and_says_how_it_did() {
    use crate::support::lsp::{file_uri, Client};
    let (mut repo, t) = before_t();
    after_t(&mut repo, t);
    json(&repo, &["backtest", ".", "--horizon", "30d", "--json"]);
    // The cached model as a fitted one would be: every point on size, a known lift.
    let cached = repo.git_dir().join("provenance/cache/risk-model.json");
    let mut model: Value =
        serde_json::from_str(&std::fs::read_to_string(&cached).unwrap()).unwrap();
    for pair in model["weights"].as_array_mut().unwrap() {
        pair[1] = Value::from(if pair[0] == "size" { 100.0 } else { 0.0 });
    }
    model["highVsRest"] = Value::from(3.1);
    model["horizonDays"] = Value::from(182);
    std::fs::write(&cached, model.to_string()).unwrap();

    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), serde_json::json!({}));
    let uri = file_uri(&repo.file("app.py"));
    client.open(&uri, "python", 1, &repo.read("app.py"));
    // Line 8 is in `b`.
    let hover = client.hover(&uri, 8, 4);
    let text = hover["contents"]["value"].as_str().unwrap().to_string();
    assert!(text.contains("`b`"), "{text}");
    assert!(
        text.contains(
            "in this repository, the riskiest tenth of blocks got 3.1× more fixes than the rest over the last 6 months"
        ),
        "{text}"
    );
    // Scored with the cached weights: size is the only factor that adds points.
    let risk_line = text.lines().find(|l| l.starts_with("**Risk")).unwrap();
    assert!(risk_line.contains(": its size in lines +"), "{risk_line}");
    assert!(!risk_line.contains(","), "one factor only: {risk_line}");
    client.shutdown();
}
