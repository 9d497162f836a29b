//! `provenance-ls blocks` on a real repository: block names and LSP ranges,
//! commits, rewrites, churn, AI share and authors from real history, also
//! when the work tree has uncommitted edits that move the blocks.

use serde_json::{json, Value};

use crate::support::git::{run_binary, Repo};
use crate::support::lsp::{file_uri, Client};

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
            "recent_fixes",
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

/// git.git's `diff.c` shape: a comment block, a nine-line parameter list, the
/// brace on a line of its own, a label; another function after it.
const DIFF_C: &str = r#"#include "git-compat-util.h"

static int diff_suppress_blank_empty;

/*
 * Show the diff of one file pair.
 */
static void builtin_diff(const char *name_a,
			 const char *name_b,
			 struct diff_filespec *one,
			 struct diff_filespec *two,
			 const char *xfrm_msg,
			 int must_show_header,
			 struct diff_options *o,
			 int complete_rewrite,
			 const struct range_set *line_ranges)
{
	mmfile_t mf1, mf2;
	const char *lbl[2];

	if (must_show_header) {
		fprintf(o->file, "%s", header.buf);
		strbuf_reset(&header);
	}

	if (complete_rewrite) {
		emit_rewrite_diff(name_a, name_b, one, two, o);
		goto free_ab_and_return;
	}

 free_ab_and_return:
	strbuf_release(&header);
	return;
}

static int diff_filespec_is_binary(struct repository *r,
				   struct diff_filespec *one)
{
	return one->is_binary;
}
"#;

/// `builtin_diff` changed in its comment, its parameters, its body and its
/// last line, in separate commits; the function after it changed alone.
fn git_style_history(file: &str) -> Repo {
    let mut repo = Repo::new();
    repo.clock = now() - 60 * DAY;
    let mut text = DIFF_C.to_string();
    repo.write(file, &text);
    repo.commit("Add diff machinery");
    for (from, to, message) in [
        (
            "\tconst char *lbl[2];\n",
            "\tconst char *lbl[2];\n\tchar *a_one, *b_two;\n",
            "Name both sides",
        ),
        (
            "\t\t\t int must_show_header,\n",
            "\t\t\t int must_show_header,\n\t\t\t int show_binary,\n",
            "Pass show_binary",
        ),
        (
            "\treturn one->is_binary;\n",
            "\treturn one->is_binary > 0;\n",
            "Binary is positive",
        ),
        (
            " * Show the diff of one file pair.\n",
            " * Show the diff of one file pair, with its header.\n",
            "Say what it shows",
        ),
        (
            "\tstrbuf_release(&header);\n\treturn;\n",
            "\tstrbuf_release(&header);\n\tfree(a_one);\n\treturn;\n",
            "Free a_one",
        ),
    ] {
        assert!(text.contains(from), "{from:?}");
        text = text.replacen(from, to, 1);
        repo.write(file, &text);
        repo.clock += DAY;
        repo.commit(message);
    }
    repo
}

/// Commits `git log -L` finds for lines `start..=end` (1-based) of `file`.
fn git_log_l_commits(repo: &Repo, file: &str, start: u64, end: u64) -> usize {
    repo.git(&[
        "log",
        &format!("-L{start},{end}:{file}"),
        "--format=commit %H",
    ])
    .lines()
    .filter(|line| line.starts_with("commit "))
    .count()
}

#[test]
fn a_c_function_with_a_nine_line_parameter_list_is_one_block() {
    // `.c` is read by the C grammar; `.pc` (Pro*C) has none, so the heuristic reads it.
    for file in ["diff.c", "diff.pc"] {
        let repo = git_style_history(file);
        let out = run_binary(&repo.path(), &repo.home(), &["blocks", file, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let blocks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let text = repo.read(file);
        let lines: Vec<&str> = text.lines().collect();
        let diff = blocks
            .iter()
            .find(|b| b["name"] == "builtin_diff")
            .unwrap_or_else(|| panic!("{file}: no builtin_diff in {blocks:?}"));
        let start = diff["range"]["start"]["line"].as_u64().unwrap();
        let end = diff["range"]["end"]["line"].as_u64().unwrap(); // exclusive
                                                                  // From the comment block above it to its closing brace, parameters and body.
        assert_eq!(lines[start as usize], "/*", "{file}");
        assert_eq!(lines[end as usize - 1], "}", "{file}");
        assert!(lines[start as usize..end as usize].contains(&"\tfree(a_one);"));
        assert_eq!(
            diff["commits"].as_u64().unwrap() as usize,
            git_log_l_commits(&repo, file, start + 1, end),
            "{file}: commits of lines {}-{end}",
            start + 1
        );
        // Every commit but the one to the other function: a block cut at the `)` would miss the body's.
        assert_eq!(diff["commits"], 5, "{file}");
        let other = blocks
            .iter()
            .find(|b| b["name"] == "diff_filespec_is_binary")
            .expect("the function after it");
        assert_eq!(other["range"]["start"]["line"].as_u64().unwrap(), end + 1);
        assert_eq!(other["commits"], 2, "{file}");
    }
}

/// ripgrep's shape: a documented, attributed method inside an `impl`.
const SEARCHER_V1: &str = "pub struct Searcher {
    line_term: u8,
}

impl Searcher {
    /// Create a new searcher.
    ///
    /// It uses the default configuration.
    #[inline]
    pub fn new() -> Searcher {
        Searcher { line_term: b'\\n' }
    }

    pub fn line_terminator(&self) -> u8 {
        self.line_term
    }
}
";

#[test]
fn hovering_a_doc_comment_gives_its_function_and_the_lens_sits_above_it() {
    let mut repo = Repo::new();
    repo.write("src/searcher.rs", SEARCHER_V1);
    repo.commit("Add the searcher");
    let v2 = SEARCHER_V1.replace("self.line_term\n", "self.line_term.max(1)\n");
    repo.write("src/searcher.rs", &v2);
    repo.commit("Never a zero terminator");
    let v3 = v2.replace(
        "/// Create a new searcher.",
        "/// Create a new searcher with defaults.",
    );
    repo.write("src/searcher.rs", &v3);
    repo.commit("Document new");

    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    let uri = file_uri(&repo.file("src/searcher.rs"));
    client.open(&uri, "rust", 1, &v3);
    let doc_line = v3.lines().position(|l| l.contains("/// It uses")).unwrap() as u32;
    let mut text = String::new();
    for _ in 0..50 {
        let hover = client.hover(&uri, doc_line, 8);
        text = hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if text.contains("Churn history") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(text.contains("Searcher::new"), "{text}");
    assert!(text.contains("Document new"), "{text}");
    assert!(
        !text.contains("Never a zero terminator"),
        "the impl's history, not the method's: {text}"
    );

    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let starts: Vec<u64> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    let first_doc_line = v3.lines().position(|l| l.contains("/// Create")).unwrap() as u64;
    assert!(starts.contains(&first_doc_line), "{starts:?}");
    let fn_line = v3.lines().position(|l| l.contains("pub fn new")).unwrap() as u64;
    assert!(!starts.contains(&fn_line), "{starts:?}");
}
