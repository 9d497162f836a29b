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
    // The main factor in words, as hover says it, not its JSON key.
    let hot = table.lines().find(|l| l.ends_with(" hot")).unwrap();
    assert!(!hot.contains('_'), "{table}");

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

/// A block, its first line and its header line, lines named by what they hold.
type Headed = (&'static str, &'static str, &'static str);

/// Blocks that open with doc comments, attributes, decorators, annotations
/// or a comment block, in four languages: `(file, language, text, [(block,
/// its first line, its header line)])`.
const HEADED: &[(&str, &str, &str, &[Headed])] = &[
    (
        "src/searcher.rs",
        "rust",
        "impl Searcher {
    /// Create a new searcher.
    ///
    /// It uses the default configuration.
    #[inline]
    #[must_use]
    pub fn new() -> Searcher {
        Searcher { line_term: 10 }
    }
}

/// What to search.
#[derive(Clone, Debug)]
pub struct Searcher {
    line_term: u8,
}
",
        &[
            ("Searcher::new", "/// Create", "pub fn new"),
            (
                "struct Searcher",
                "/// What to search",
                "pub struct Searcher",
            ),
        ],
    ),
    (
        "app/views.py",
        "python",
        "import functools


# Cached: computing it is slow.
@functools.cache
@login_required
def dashboard(request):
    return render(request)


class Views:
    @staticmethod
    def home():
        return 1
",
        &[
            ("dashboard", "# Cached", "def dashboard"),
            ("Views.home", "@staticmethod", "def home"),
        ],
    ),
    (
        "src/Main.java",
        "java",
        "package app;

/**
 * The entry point.
 */
@Service
public class Main {
    /** Runs it. */
    @Override
    @SuppressWarnings(\"unchecked\")
    public void run() {
        System.out.println(\"hi\");
    }
}
",
        &[
            ("class Main", "/**", "public class Main"),
            ("Main.run", "/** Runs it", "public void run"),
        ],
    ),
    (
        "diff.c",
        "c",
        "#include \"git-compat-util.h\"

/*
 * Show the diff of one file pair,
 * with its header.
 */
static void builtin_diff(const char *name_a,
\t\t\t const char *name_b,
\t\t\t struct diff_filespec *one,
\t\t\t struct diff_filespec *two,
\t\t\t const char *xfrm_msg,
\t\t\t int must_show_header,
\t\t\t struct diff_options *o,
\t\t\t int complete_rewrite,
\t\t\t const struct range_set *line_ranges)
{
\tstrbuf_release(&header);
}
",
        &[("builtin_diff", "/*", "static void builtin_diff(")],
    ),
];

/// The 0-based line of `text` that holds `what` (the first one).
fn line_holding(text: &str, what: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no line holds {what:?}")) as u64
}

/// `(name, first line, header line)` of each block of a blocks list.
fn first_and_header_lines(blocks: &Value) -> Vec<(String, u64, u64)> {
    blocks
        .as_array()
        .unwrap_or_else(|| panic!("a list of blocks: {blocks}"))
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["range"]["start"]["line"].as_u64().unwrap(),
                b["definitionLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_block_starts_at_its_doc_comments_and_its_inlay_hint_ends_its_header_line() {
    for (file, language, text, expected) in HEADED {
        let mut repo = Repo::new();
        repo.write(file, text);
        repo.commit("Add it");

        let out = run_binary(&repo.path(), &repo.home(), &["blocks", file, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let from_cli = first_and_header_lines(&serde_json::from_slice(&out.stdout).unwrap());
        for (name, first, header) in *expected {
            let want = (
                name.to_string(),
                line_holding(text, first),
                line_holding(text, header),
            );
            assert!(
                want.1 < want.2,
                "{file}: a fixture with something above {name}"
            );
            assert!(from_cli.contains(&want), "{file}: {want:?} in {from_cli:?}");
        }

        let mut client = Client::spawn(&repo.path(), &repo.home());
        client.initialize(&repo.path(), json!({"hints": {"style": "both"}}));
        let uri = file_uri(&repo.file(file));
        client.open(&uri, language, 1, text);
        let blocks = client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
        assert_eq!(first_and_header_lines(&blocks), from_cli, "{file}");

        let lines: Vec<&str> = text.lines().collect();
        let hints = client.request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": {"line": 0, "character": 0},
                             "end": {"line": lines.len(), "character": 0}}}),
        );
        let mut hinted: Vec<Value> = hints
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["position"].clone())
            .collect();
        let mut headers: Vec<Value> = from_cli
            .iter()
            .map(|(_, _, header)| {
                let end = lines[*header as usize].encode_utf16().count();
                json!({"line": header, "character": end})
            })
            .collect();
        hinted.sort_by_key(|p| p["line"].as_u64());
        headers.sort_by_key(|p| p["line"].as_u64());
        assert_eq!(
            hinted, headers,
            "{file}: one hint at the end of each header line"
        );

        let lenses = client.request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        );
        let mut lensed: Vec<u64> = lenses
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
            .collect();
        let mut firsts: Vec<u64> = from_cli.iter().map(|(_, first, _)| *first).collect();
        lensed.sort();
        firsts.sort();
        assert_eq!(
            lensed, firsts,
            "{file}: one lens above each block's doc comments"
        );
    }
}

/// The hover of `line` (0-based), asked again until it has a block's history.
fn block_hover(client: &mut Client, uri: &str, line: u32) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let hover = client.hover(uri, line, 4);
        let text = hover["contents"]["value"].as_str().unwrap_or_default();
        if text.contains("**Risk ") || text.contains("Not committed yet") {
            return text.to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{text}\n{}",
            client.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn hover_gives_risk_factors_in_words_and_hints_explain_their_symbols() {
    let repo = history();
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({"hints": {"style": "both"}}));
    let uri = file_uri(&repo.file("app.py"));
    client.open(&uri, "python", 1, V3);
    let blocks = client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
    let hot = blocks
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "hot")
        .expect("hot");
    let text = block_hover(&mut client, &uri, 5);
    // The factor that adds most, in words, with its points.
    let factors: Vec<provenance_ls::blocks::RiskFactor> = hot["risk"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| provenance_ls::blocks::RiskFactor {
            name: f["name"].as_str().unwrap().to_string(),
            value: f["value"].as_f64().unwrap(),
            weight: f["weight"].as_f64().unwrap(),
        })
        .collect();
    let top = factors
        .iter()
        .max_by(|a, b| a.points().total_cmp(&b.points()))
        .unwrap();
    let said = format!(
        "**Risk {} ({})**: {} +{:.0}",
        hot["risk"]["score"],
        hot["risk"]["level"].as_str().unwrap(),
        top.label(),
        top.points()
    );
    assert!(text.contains(&said), "{said} in {text}");
    for factor in &factors {
        assert!(
            !factor.name.contains('_') || !text.contains(&factor.name),
            "{} in {text}",
            factor.name
        );
    }
    assert!(!text.contains('×'), "{text}");
    // `↻` said in words in the hover, and in the tooltip of every hint.
    assert!(
        text.contains(&format!("↻ {} commits changed it", hot["commits"])),
        "{text}"
    );
    let hints = client.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}),
    );
    let hints = hints.as_array().unwrap();
    assert_eq!(hints.len(), 2, "{hints:?}");
    for hint in hints {
        let tooltip = hint["tooltip"].as_str().unwrap_or_default();
        assert!(
            tooltip.contains("↻ commits that changed the block"),
            "{hint}"
        );
        assert!(
            tooltip.contains("AI assistant (completion or agent)"),
            "{hint}"
        );
    }
}

/// One story in every number: a paste is not AI in diagnostics, hover,
/// lenses, blocks, blame or the report, while a completion beside it is in
/// all of them.
#[test]
fn a_paste_is_not_ai_anywhere_and_a_completion_is_ai_everywhere() {
    let mut repo = Repo::new();
    let start = "def main():\n    pass\n";
    repo.write("app.py", start);
    repo.commit("Start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    let uri = file_uri(&repo.file("app.py"));
    client.open(&uri, "python", 1, start);
    let pasted = "\n\ndef pasted():\n    return 1\n";
    let completed = "\n\ndef completed():\n    return 2\n";
    client.edit_source(&uri, 2, "pasted", None);
    client.change(&uri, 2, ((2, 0), (2, 0)), pasted);
    client.edit_source(&uri, 3, "completion", Some("copilot"));
    client.change(&uri, 3, ((6, 0), (6, 0)), completed);
    let text = format!("{start}{pasted}{completed}");
    let line_of = |what: &str| text.lines().position(|l| l.contains(what)).unwrap() as u32;
    let (pasted_line, completed_line) = (line_of("def pasted"), line_of("def completed"));
    let sources: Vec<&str> = vec!["pasted", "completion"];
    let regions = client.regions(&uri);
    let found: Vec<&str> = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(found, sources, "{regions}");

    // Diagnostics: the completion is unreviewed AI, the paste is nothing.
    let diagnostics = client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    for d in diagnostics["diagnostics"].as_array().unwrap() {
        assert_eq!(d["code"], "unreviewed-ai", "{d}");
        assert!(
            d["range"]["start"]["line"].as_u64().unwrap() >= u64::from(completed_line) - 2,
            "a diagnostic over the paste: {d}"
        );
    }
    let over_paste = client.hover(&uri, pasted_line + 1, 6)["contents"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(over_paste.starts_with("**Pasted**"), "{over_paste}");

    // Committed as the user would: the paste stays not AI, the completion is.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    repo.write("app.py", &text);
    repo.commit("Add two functions");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let blocks = loop {
        let blocks = client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
        let done = blocks.as_array().unwrap().iter().any(|b| {
            b["name"] == "completed" && b["aiShare"].as_f64().is_some_and(|share| share > 0.0)
        });
        if done {
            break blocks;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{blocks}\n{}",
            client.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let share = |name: &str| {
        blocks
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {blocks}"))["aiShare"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(share("pasted"), 0.0, "{blocks}");
    assert_eq!(share("completed"), 1.0, "{blocks}");

    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let title_at = |line: u32| {
        lenses
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["range"]["start"]["line"] == line)
            .unwrap_or_else(|| panic!("no lens at {line}: {lenses}"))["command"]["title"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(!title_at(pasted_line).contains("AI"), "{lenses}");
    assert!(title_at(completed_line).contains("100% AI"), "{lenses}");
    let hover_pasted = block_hover(&mut client, &uri, pasted_line + 1);
    assert!(
        hover_pasted.contains("AI-written (completion or agent): 0% of its committed lines"),
        "{hover_pasted}"
    );
    let hover_completed = block_hover(&mut client, &uri, completed_line + 1);
    assert!(
        hover_completed.contains("AI-written (completion or agent): 100% of its committed lines"),
        "{hover_completed}"
    );

    // blame --json and the report count the same lines.
    let blame = crate::attribution::blame_json(&repo, "app.py");
    let ai_lines: Vec<u32> = blame
        .iter()
        .filter(|l| l["ai"] == true)
        .map(|l| l["line"].as_u64().unwrap() as u32 - 1)
        .collect();
    assert!(ai_lines.contains(&completed_line), "{blame:?}");
    assert!(
        ai_lines.iter().all(|&l| l > pasted_line + 1),
        "pasted lines blamed as AI: {blame:?}"
    );
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &["report", "--json", "--since", "all"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["linesAdded"]["ai"].as_u64().unwrap(),
        ai_lines.len() as u64,
        "{}",
        report["linesAdded"]
    );
}
