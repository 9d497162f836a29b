//! Hover latency of the real `provenance-ls` binary, end to end over stdio:
//! a deep history (default 1,500 commits, seeded pseudo-random edits of one
//! Rust file with 30 functions) is made with `git fast-import`, the server
//! is started on it, and hovers are timed from request sent to answer read.
//! Cases: cold (didOpen → first hover with commits, and didOpen →
//! `provenance/blocks`), warm (first hover per block, repeat hovers) and a
//! keystroke followed by a hover (answered from the insight of the text
//! before the keystroke) and by `provenance/blocks` (the re-index);
//! `git blame --porcelain` and `git log -L` of the same file are timed as
//! anchors so the figures read as ratios.
//!
//! Run: `cargo bench -p provenance-ls --bench hover` (see docs/performance.md).
//! Knobs (environment): `HOVER_BENCH_COMMITS` (1500), `HOVER_BENCH_COLD_RUNS`
//! (3), `HOVER_BENCH_WARM` (500), `HOVER_BENCH_KEYSTROKES` (20),
//! `HOVER_BENCH_KEEP=1` keeps the temp dir (server logs are in it),
//! `PROVENANCE_LOG` is passed to the server (default `warn`).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "support/server.rs"]
mod server;
use server::Server;

/// The binary cargo built for this bench, in the bench profile.
const SERVER: &str = env!("CARGO_BIN_EXE_provenance-ls");
const FILE: &str = "src/lib.rs";
const FUNCTIONS: usize = 30;
const SEED: u64 = 0x5eed_1234_abcd_0042;
/// First commit's date; each commit is an hour later.
const EPOCH: i64 = 1_700_000_000;
/// Longer than any answer should take: the bench fails rather than hangs.
const TIMEOUT: Duration = Duration::from_secs(300);

fn main() {
    let commits = knob("HOVER_BENCH_COMMITS", 1500);
    let cold_runs = knob("HOVER_BENCH_COLD_RUNS", 3);
    let warm_hovers = knob("HOVER_BENCH_WARM", 500);
    let keystrokes = knob("HOVER_BENCH_KEYSTROKES", 20);

    let bench = Bench::new(commits);
    println!(
        "hover bench: {commits} commits, {} lines, {FUNCTIONS} functions, server {SERVER}",
        bench.text.lines().count()
    );
    let mut table = Table::default();
    let mut rng = Rng(SEED ^ 0xb10c);

    table.add("git blame --porcelain (anchor)", bench.time_git_blame(5));
    table.add("git log -L one function (anchor)", bench.time_git_log_l(5));

    // Cold: a fresh server and no disk cache; hover until the answer lists commits.
    let mut cold_hover = Vec::new();
    let mut not_ready = Vec::new();
    let mut cold_blocks = Vec::new();
    let mut restart_hover = Vec::new();
    for run in 0..cold_runs {
        bench.forget_cache();
        let mut server = bench.start(&format!("cold-hover-{run}"));
        let (elapsed, answers) = server.hover_until_real(&bench.uri, bench.middle_line);
        cold_hover.push(elapsed);
        not_ready.push(answers - 1);
        server.shutdown();

        // The disk cache the run above left: what a server restart costs.
        let mut server = bench.start(&format!("restart-hover-{run}"));
        restart_hover.push(server.hover_until_real(&bench.uri, bench.middle_line).0);
        server.shutdown();

        bench.forget_cache();
        let mut server = bench.start(&format!("cold-blocks-{run}"));
        let (blocks, elapsed) = server.request(
            "provenance/blocks",
            json!({"textDocument": {"uri": bench.uri}}),
        );
        cold_blocks.push(elapsed);
        if run + 1 < cold_runs {
            server.shutdown();
            continue;
        }

        // Warm: the last server has indexed the file and hovered nothing yet.
        let blocks = block_lines(&blocks);
        assert!(blocks.len() >= FUNCTIONS, "blocks: {blocks:?}");
        let mut first = Vec::new();
        let mut repeat = Vec::new();
        let mut seen = HashSet::new();
        for _ in 0..warm_hovers {
            let block = rng.below(blocks.len());
            let (start, end) = blocks[block];
            let line = start + 1 + rng.below((end - start).max(1) as usize) as u32;
            let (text, elapsed) = server.hover(&bench.uri, line.min(end), 4);
            assert!(is_real(&text), "warm hover at {line} said: {text}");
            if seen.insert(block) {
                first.push(elapsed);
            } else {
                repeat.push(elapsed);
            }
        }
        table.add(
            "cold: didOpen → first hover with commits",
            cold_hover.clone(),
        );
        table.add("cold: didOpen → provenance/blocks", cold_blocks.clone());
        table.add("restart, disk cache kept: → hover", restart_hover.clone());
        let all = first.iter().chain(&repeat).copied().collect();
        table.add("warm: first hover per block", first);
        table.add("warm: repeat hover", repeat);
        table.add("warm: all hovers", all);

        // A keystroke changes the text: the insight is recomputed in the
        // background while hovers answer at once from the previous one.
        let mut typed = Vec::new();
        let mut reindex = Vec::new();
        let mut stale = 0;
        let mut version = 1;
        for _ in 0..keystrokes {
            let (start, end) = blocks[rng.below(blocks.len())];
            let line = (start + 1).min(end);
            version += 1;
            let sent = Instant::now();
            server.type_char(&bench.uri, version, line);
            let (text, _) = server.hover(&bench.uri, line, 4);
            typed.push(sent.elapsed());
            if !is_real(&text) {
                stale += 1;
            }
            // Let the recomputation finish so every keystroke starts alike.
            server.request(
                "provenance/blocks",
                json!({"textDocument": {"uri": bench.uri}}),
            );
            reindex.push(sent.elapsed());
        }
        table.add("keystroke → hover (previous insight)", typed);
        table.add("keystroke → provenance/blocks", reindex);
        server.shutdown();
        println!(
            "cold hovers answered \"indexing…\" before the real one: {not_ready:?}; \
             keystroke hovers without commits: {stale}/{keystrokes}"
        );
    }
    println!("{}", table.render());
    if std::env::var_os("HOVER_BENCH_KEEP").is_some() {
        let kept = bench.dir.keep();
        println!("kept {}", kept.display());
    }
}

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A hover that shows the block's commits, not "indexing…".
fn is_real(text: &str) -> bool {
    text.contains("Churn history") && text.lines().any(|l| l.starts_with("- `"))
}

/// (first, last) 0-based lines of each block `provenance/blocks` listed.
fn block_lines(blocks: &Value) -> Vec<(u32, u32)> {
    blocks
        .as_array()
        .expect("provenance/blocks answers a list")
        .iter()
        .map(|b| {
            let line = |end: &str| b["range"][end]["line"].as_u64().unwrap() as u32;
            (line("start"), line("end") - 1)
        })
        .collect()
}

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The generated Rust file: functions whose bodies the history keeps editing.
struct Source {
    functions: Vec<(String, Vec<String>)>,
}

impl Source {
    fn new(rng: &mut Rng) -> Source {
        let functions = (0..FUNCTIONS)
            .map(|i| {
                let body = (0..6 + rng.below(6)).map(|_| statement(rng)).collect();
                (format!("step_{i:02}"), body)
            })
            .collect();
        Source { functions }
    }

    /// One seeded edit of one function; returns its name.
    fn edit(&mut self, rng: &mut Rng) -> String {
        let f = rng.below(self.functions.len());
        let (name, body) = &mut self.functions[f];
        let at = rng.below(body.len());
        match rng.below(10) {
            0..=1 if body.len() < 14 => body.insert(at, statement(rng)),
            2..=3 if body.len() > 4 => {
                body.remove(at);
            }
            _ => body[at] = statement(rng),
        }
        name.clone()
    }

    fn render(&self) -> String {
        let mut out = String::from("//! Generated by the hover benchmark.\n\n");
        for (name, body) in &self.functions {
            let _ = writeln!(out, "pub fn {name}(x: u64) -> u64 {{");
            for line in body {
                out.push_str(line);
                out.push('\n');
            }
            out.push_str("    x\n}\n\n");
        }
        out
    }
}

fn statement(rng: &mut Rng) -> String {
    let ops = [
        "wrapping_mul",
        "wrapping_add",
        "rotate_left",
        "wrapping_sub",
    ];
    format!(
        "    let x = x.{}({}) ^ {};",
        ops[rng.below(ops.len())],
        rng.below(64) + 1,
        rng.next() % 100_000
    )
}

/// The repository on disk and how to start a server on it.
struct Bench {
    dir: tempfile::TempDir,
    text: String,
    uri: String,
    /// A line inside the middle function, for the cold hovers.
    middle_line: u32,
    /// The last function's lines (1-based, inclusive), for `git log -L`.
    last_function: (usize, usize),
}

impl Bench {
    fn new(commits: usize) -> Bench {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let mut bench = Bench {
            dir,
            text: String::new(),
            uri: String::new(),
            middle_line: 0,
            last_function: (0, 0),
        };
        std::fs::copy(SERVER, bench.server()).expect("copy the server binary");
        let made = Instant::now();
        bench.git(&["init", "-q", "-b", "main", "work"], bench.dir.path());
        bench.import(commits);
        bench.git(&["reset", "-q", "--hard", "main"], &bench.work());
        bench.text = std::fs::read_to_string(bench.work().join(FILE)).unwrap();
        bench.uri = format!("file://{}", bench.work().join(FILE).display());
        let lines: Vec<&str> = bench.text.lines().collect();
        let starts: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with("pub fn"))
            .collect();
        bench.middle_line = starts[FUNCTIONS / 2] as u32 + 2;
        let last = *starts.last().unwrap();
        let close = (last..lines.len()).find(|&i| lines[i] == "}").unwrap();
        bench.last_function = (last + 1, close + 1);
        println!(
            "history made with git fast-import in {:.1} s",
            made.elapsed().as_secs_f64()
        );
        bench
    }

    /// The server binary, copied beside the repository when the bench
    /// starts: the target dir may be shared, and another build replacing the
    /// binary mid-run would otherwise change what is measured.
    fn server(&self) -> PathBuf {
        self.dir.path().join("provenance-ls")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Writes the whole history as one fast-import stream: fixed dates,
    /// four authors, every tenth commit co-authored by an assistant.
    fn import(&self, commits: usize) {
        let mut rng = Rng(SEED);
        let mut source = Source::new(&mut rng);
        let authors = [
            ("Ada Human", "ada@example.com"),
            ("Bo Other", "bo@example.com"),
            ("Cy Third", "cy@example.com"),
            ("Di Fourth", "di@example.com"),
        ];
        let mut stream = Vec::new();
        for n in 0..commits {
            let name = if n == 0 {
                "everything".to_string()
            } else {
                source.edit(&mut rng)
            };
            let text = source.render();
            let (who, email) = authors[rng.below(authors.len())];
            let when = EPOCH + 3600 * n as i64;
            let mut message = format!("Rework {name} (#{n})\n");
            if n % 10 == 5 {
                message.push_str("\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
            }
            let _ = write!(
                stream,
                "commit refs/heads/main\nmark :{}\nauthor {who} <{email}> {when} +0000\n\
                 committer {who} <{email}> {when} +0000\ndata {}\n{message}",
                n + 1,
                message.len()
            );
            if n > 0 {
                let _ = writeln!(stream, "from :{n}");
            }
            let _ = write!(
                stream,
                "M 100644 inline {FILE}\ndata {}\n{text}\n",
                text.len()
            );
        }
        let mut child = self
            .git_command(&["fast-import", "--quiet"], &self.work())
            .stdin(Stdio::piped())
            .spawn()
            .expect("git fast-import starts");
        child.stdin.take().unwrap().write_all(&stream).unwrap();
        assert!(child.wait().unwrap().success(), "git fast-import failed");
    }

    fn git_command(&self, args: &[&str], cwd: &Path) -> Command {
        let mut command = Command::new("git");
        command
            .args(args)
            .current_dir(cwd)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1");
        command
    }

    fn git(&self, args: &[&str], cwd: &Path) -> String {
        let out = self.git_command(args, cwd).output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn time_git(&self, args: &[&str], runs: usize) -> Vec<Duration> {
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                self.git(args, &self.work());
                started.elapsed()
            })
            .collect()
    }

    fn time_git_blame(&self, runs: usize) -> Vec<Duration> {
        self.time_git(&["blame", "--porcelain", FILE], runs)
    }

    fn time_git_log_l(&self, runs: usize) -> Vec<Duration> {
        let (start, end) = self.last_function;
        let range = format!("-L{start},{end}:{FILE}");
        self.time_git(&["log", "--no-patch", &range], runs)
    }

    /// Removes the server's disk cache (and journal) from the repository.
    fn forget_cache(&self) {
        let _ = std::fs::remove_dir_all(self.work().join(".git/provenance"));
    }

    /// A server initialised on the work tree, the file open; `name` names its log.
    fn start(&self, name: &str) -> Server {
        let log_path = self.dir.path().join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let level = std::env::var("PROVENANCE_LOG").unwrap_or_else(|_| "warn".into());
        let child = Command::new(self.server())
            .current_dir(self.work())
            .env("HOME", self.home())
            .env("XDG_DATA_HOME", self.home().join(".local/share"))
            .env("XDG_CONFIG_HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PROVENANCE_LOG", level)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("provenance-ls starts");
        let mut server = Server::new(child, log_path, TIMEOUT);
        let root = format!("file://{}", self.work().display());
        server.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root,
                "workspaceFolders": [{"uri": root, "name": "work"}],
                "capabilities": {},
            }),
        );
        server.notify("initialized", json!({}));
        server.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": self.uri, "languageId": "rust", "version": 1, "text": self.text}}),
        );
        server
    }
}

/// What this bench asks of the server beyond the shared client.
impl Server {
    /// Hovers until the answer lists commits: the time from the first
    /// request, and how many answers that took.
    fn hover_until_real(&mut self, uri: &str, line: u32) -> (Duration, usize) {
        let started = Instant::now();
        for answers in 1.. {
            let (text, _) = self.hover(uri, line, 4);
            if is_real(&text) {
                return (started.elapsed(), answers);
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "no real hover in {TIMEOUT:?}: {text}"
            );
        }
        unreachable!()
    }

    /// Types one character at the start of `line`'s code.
    fn type_char(&mut self, uri: &str, version: i32, line: u32) {
        let at = json!({"line": line, "character": 4});
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": at, "end": at}, "text": "z"}]}),
        );
    }
}

/// Rows of latencies, summarised as percentiles in milliseconds.
#[derive(Default)]
struct Table {
    rows: Vec<(String, Vec<Duration>)>,
}

impl Table {
    fn add(&mut self, case: &str, samples: Vec<Duration>) {
        self.rows.push((case.to_string(), samples));
    }

    fn render(&self) -> String {
        let mut out = format!(
            "{:<42} {:>4} {:>9} {:>9} {:>9} {:>9}  (ms)\n",
            "case", "n", "p50", "p90", "p99", "max"
        );
        for (case, samples) in &self.rows {
            let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
            ms.sort_by(f64::total_cmp);
            if ms.is_empty() {
                let _ = writeln!(out, "{case:<42} {:>4}", 0);
                continue;
            }
            let _ = writeln!(
                out,
                "{case:<42} {:>4} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                ms.len(),
                percentile(&ms, 50.0),
                percentile(&ms, 90.0),
                percentile(&ms, 99.0),
                ms[ms.len() - 1]
            );
        }
        out
    }
}

/// Nearest rank on sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
