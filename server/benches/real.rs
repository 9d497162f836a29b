//! provenance-ls on a real repository (git/git by default), each row of
//! issue 9's table timed against the C git command doing the same work, in
//! the same run, alternating: cold didOpen → `provenance/blocks` of one file
//! against `git blame --porcelain` of it; server RSS with the busiest files
//! open and indexed, against the peak of `git blame` of the largest; hover
//! latency over random lines of those files once indexed; a restart that
//! reopens them from the disk cache; `provenance-ls blame` against `git
//! blame`; `provenance-ls report` over the last year against `git log
//! --numstat` of the same range. Times are medians; RSS is VmHWM (peak) and
//! VmRSS (now) from /proc for the server, `ru_maxrss` from wait4 for one-shot
//! processes.
//!
//! Run: `cargo bench -p provenance-ls --bench real -- /path/to/git-clone`
//! (or `REAL_BENCH_REPO=…`). The clone must be a work tree with the files
//! below checked out; the bench deletes its `.git/provenance` (the server's
//! journal and disk cache) before each cold run. Knobs (environment):
//! `REAL_BENCH_RUNS` (3) runs of each timed pair, `REAL_BENCH_HOVERS` (300),
//! `REAL_BENCH_FILES` (a comma-separated list; default git.git's 12 busiest C
//! files), `REAL_BENCH_OPEN` (diff.c), `REAL_BENCH_BLAME` (apply.c,remote.c),
//! `REAL_BENCH_SKIP` (comma-separated rows to skip: open, refresh, busy, blame, report),
//! `PROVENANCE_LS_BIN` (time that binary instead of the one cargo built).
//! It cannot run in CI (it needs the clone); see docs/performance.md.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "support/server.rs"]
mod server;
use server::Server;

const SERVER: &str = env!("CARGO_BIN_EXE_provenance-ls");
const BUSY: &str = "diff.c,sequencer.c,refs.c,revision.c,remote.c,apply.c,config.c,read-cache.c,\
                    merge-ort.c,commit.c,http.c,object-file.c";
/// Longer than any answer should take: the bench fails rather than hangs.
const TIMEOUT: Duration = Duration::from_secs(900);

fn main() {
    let repo = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .or_else(|| std::env::var("REAL_BENCH_REPO").ok())
        .expect("usage: cargo bench --bench real -- /path/to/clone (or REAL_BENCH_REPO)");
    let repo = std::fs::canonicalize(repo).expect("the clone exists");
    let runs = knob("REAL_BENCH_RUNS", 3);
    let hovers = knob("REAL_BENCH_HOVERS", 300);
    let files = list("REAL_BENCH_FILES", BUSY);
    let open = list("REAL_BENCH_OPEN", "diff.c");
    let blamed = list("REAL_BENCH_BLAME", "apply.c,remote.c");
    let skip = list("REAL_BENCH_SKIP", "");
    let bench = Bench::new(repo);
    println!(
        "real bench on {} at {}, server {}",
        bench.repo.display(),
        bench.git_out(&["rev-parse", "--short", "HEAD"]).trim(),
        bench.server.display()
    );
    let mut table = Table::default();

    if !skip.iter().any(|s| s == "open") {
        for file in &open {
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for _ in 0..runs {
                theirs.push(bench.git_timed(&["blame", "--porcelain", file]));
                bench.forget_cache();
                let mut server = bench.start("open");
                let sent = Instant::now();
                server.open(&bench.repo.join(file));
                server.blocks(&bench.uri(file));
                let elapsed = sent.elapsed();
                let rss = server.rss();
                server.shutdown();
                ours.push(Run { elapsed, rss });
            }
            table.pair(
                &format!("didOpen {file} → provenance/blocks"),
                &format!("git blame --porcelain {file}"),
                ours,
                theirs,
            );
        }
    }

    if !skip.iter().any(|s| s == "refresh") {
        for file in &open {
            bench.refresh(&mut table, file, runs);
        }
    }

    if !skip.iter().any(|s| s == "busy") {
        bench.busy_files(&mut table, &files, hovers);
    }

    if !skip.iter().any(|s| s == "blame") {
        for file in &blamed {
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            for _ in 0..runs {
                theirs.push(bench.git_timed(&["blame", "--porcelain", file]));
                ours.push(bench.ours_timed(&["blame", "--json", file]));
            }
            table.pair(
                &format!("provenance-ls blame --json {file}"),
                &format!("git blame --porcelain {file}"),
                ours,
                theirs,
            );
        }
    }

    if !skip.iter().any(|s| s == "report") {
        // The year before HEAD's commit, by committer date, as both read `--since`.
        let head: i64 = bench
            .git_out(&["log", "-1", "--format=%ct"])
            .trim()
            .parse()
            .unwrap();
        let since = bench
            .git_out(&[
                "log",
                "-1",
                "--format=%cd",
                "--date=format:%Y-%m-%d",
                &format!("--before={}", head - 365 * 86_400),
            ])
            .trim()
            .to_string();
        let since = if since.is_empty() {
            "1970-01-01".into()
        } else {
            since
        };
        let in_range = bench.git_out(&["rev-list", "--count", &format!("--since={since}"), "HEAD"]);
        println!("report range: since {since}, {} commits", in_range.trim());
        let mut ours = Vec::new();
        let mut walk_only = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..runs {
            theirs.push(bench.git_timed(&[
                "log",
                "--numstat",
                "--format=%H",
                &format!("--since={since}"),
            ]));
            walk_only.push(bench.ours_timed(&[
                "report",
                "--json",
                "--no-cache",
                "--no-blocks",
                "--since",
                &since,
            ]));
            ours.push(bench.ours_timed(&["report", "--json", "--no-cache", "--since", &since]));
        }
        table.pair(
            "provenance-ls report (block hotspots)",
            "git log --numstat, same range",
            ours,
            theirs.clone(),
        );
        table.pair(
            "provenance-ls report --no-blocks",
            "git log --numstat, same range",
            walk_only,
            theirs,
        );
    }
    println!("{}", table.render());
}

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One timed run: wall time and memory in KiB (peak, and now where known).
#[derive(Clone, Copy, Default)]
struct Run {
    elapsed: Duration,
    rss: Rss,
}

#[derive(Clone, Copy, Default)]
struct Rss {
    peak_kib: u64,
    now_kib: Option<u64>,
}

struct Bench {
    repo: PathBuf,
    home: tempfile::TempDir,
    server: PathBuf,
}

impl Bench {
    fn new(repo: PathBuf) -> Bench {
        let home = tempfile::tempdir().expect("tempdir");
        let built = std::env::var_os("PROVENANCE_LS_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| SERVER.into());
        // A copy: another build may replace the target dir's binary mid-run.
        let server = home.path().join("provenance-ls");
        std::fs::copy(&built, &server).expect("copy the server binary");
        Bench { repo, home, server }
    }

    fn uri(&self, file: &str) -> String {
        format!("file://{}", self.repo.join(file).display())
    }

    fn env(&self, command: &mut Command) {
        command
            .current_dir(&self.repo)
            .env("HOME", self.home.path())
            .env("XDG_DATA_HOME", self.home.path().join("share"))
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("PROVENANCE_LS_CACHE_DIR");
    }

    fn git_out(&self, args: &[&str]) -> String {
        let mut command = Command::new("git");
        command.args(args);
        self.env(&mut command);
        let out = command.output().expect("git runs");
        assert!(out.status.success(), "git {args:?} failed");
        String::from_utf8(out.stdout).unwrap()
    }

    fn git_timed(&self, args: &[&str]) -> Run {
        let mut command = Command::new("git");
        command.args(args);
        self.env(&mut command);
        timed(command)
    }

    fn ours_timed(&self, args: &[&str]) -> Run {
        let mut command = Command::new(&self.server);
        command.args(args).env("PROVENANCE_LOG", "warn");
        self.env(&mut command);
        timed(command)
    }

    /// The server's journal and disk cache in the clone.
    fn forget_cache(&self) {
        let _ = std::fs::remove_dir_all(self.repo.join(".git/provenance"));
    }

    fn start(&self, name: &str) -> Server {
        let log_path = self.home.path().join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let mut command = Command::new(&self.server);
        self.env(&mut command);
        let level = std::env::var("PROVENANCE_LOG").unwrap_or_else(|_| "warn".into());
        let child = command
            .env("PROVENANCE_LOG", level)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("provenance-ls starts");
        let mut server = Server::new(child, log_path, TIMEOUT);
        let root = format!("file://{}", self.repo.display());
        server.request(
            "initialize",
            json!({"processId": null, "rootUri": root,
                   "workspaceFolders": [{"uri": root, "name": "repo"}], "capabilities": {}}),
        );
        server.notify("initialized", json!({}));
        server
    }

    /// A cold index of `file` in one server, then `runs` times: one new
    /// commit changing a line in the middle of the file (the buffer follows
    /// with a didChange, as after committing from the editor) and the time
    /// until `provenance/blocks` answers for the new HEAD. The commits are
    /// undone afterwards (`git reset --hard` to the HEAD it started at).
    fn refresh(&self, table: &mut Table, file: &str, runs: usize) {
        let start = self.git_out(&["rev-parse", "HEAD"]).trim().to_string();
        self.forget_cache();
        let mut server = self.start("refresh");
        let uri = self.uri(file);
        let path = self.repo.join(file);
        let sent = Instant::now();
        server.open(&path);
        server.blocks(&uri);
        let cold = Run {
            elapsed: sent.elapsed(),
            rss: server.rss(),
        };
        let mut refreshed = Vec::new();
        for run in 0..runs {
            let text = std::fs::read_to_string(&path).expect("the file is text");
            let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
            let middle = lines.len() / 2;
            let marked = format!("/* refresh {run} */\n");
            lines.insert(middle, &marked);
            let text: String = lines.concat();
            std::fs::write(&path, &text).expect("write the file");
            self.git_out(&[
                "-c",
                "user.name=Bench",
                "-c",
                "user.email=bench@example.com",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "-q",
                "--no-verify",
                "-m",
                &format!("refresh {run}"),
                "--",
                file,
            ]);
            let sent = Instant::now();
            server.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": run + 2},
                       "contentChanges": [{"text": text}]}),
            );
            server.blocks(&uri);
            refreshed.push(Run {
                elapsed: sent.elapsed(),
                rss: server.rss(),
            });
        }
        server.shutdown();
        self.git_out(&["reset", "-q", "--hard", &start]);
        table.pair(
            &format!("one new commit, {file} refreshed → provenance/blocks"),
            &format!("cold didOpen {file} → provenance/blocks (same server)"),
            refreshed,
            vec![cold],
        );
    }

    /// Opens the busy files in a cold server, waits for each to be indexed,
    /// reads its RSS, hovers random lines of them; then restarts the server
    /// on the disk cache the first left and reopens them.
    fn busy_files(&self, table: &mut Table, files: &[String], hovers: usize) {
        let largest = files
            .iter()
            .max_by_key(|f| std::fs::metadata(self.repo.join(f)).map_or(0, |m| m.len()))
            .expect("files to open");
        let git = self.git_timed(&["blame", "--porcelain", largest]);
        self.forget_cache();
        let mut server = self.start("busy");
        let started = Instant::now();
        for file in files {
            server.open(&self.repo.join(file));
        }
        for file in files {
            server.blocks(&self.uri(file));
        }
        let cold = Run {
            elapsed: started.elapsed(),
            rss: server.rss(),
        };
        table.pair(
            &format!("open {} busy files → all indexed", files.len()),
            &format!("git blame --porcelain {largest}"),
            vec![cold],
            vec![git],
        );

        let mut rng = Rng(0x5eed9);
        let lines: Vec<usize> = files
            .iter()
            .map(|f| {
                std::fs::read_to_string(self.repo.join(f))
                    .unwrap()
                    .lines()
                    .count()
            })
            .collect();
        let mut samples = Vec::with_capacity(hovers);
        let mut unready = 0;
        for _ in 0..hovers {
            let f = rng.below(files.len());
            let line = rng.below(lines[f].max(1));
            let (text, elapsed) = server.hover(&self.uri(&files[f]), line as u32, 0);
            if text.contains("still reading") || text.contains("indexing…") {
                unready += 1;
            }
            samples.push(elapsed);
        }
        let after = server.rss();
        server.shutdown();
        table.latency(
            &format!("hover, random lines, indexed ({unready} not ready)"),
            samples,
        );
        table.note(format!(
            "server RSS after the hovers: peak {} MiB, now {} MiB",
            after.peak_kib / 1024,
            after.now_kib.unwrap_or(0) / 1024
        ));

        let mut server = self.start("busy-restart");
        let started = Instant::now();
        for file in files {
            server.open(&self.repo.join(file));
        }
        for file in files {
            server.blocks(&self.uri(file));
        }
        let restart = Run {
            elapsed: started.elapsed(),
            rss: server.rss(),
        };
        server.shutdown();
        table.pair(
            &format!("restart, reopen {} files → indexed", files.len()),
            &format!("cold open of the {} files (above)", files.len()),
            vec![restart],
            vec![cold],
        );
    }
}

/// Runs `command` to the end, output discarded; wall time and peak RSS.
/// The child is reaped by `wait4`, which std's `wait` cannot do with rusage.
#[allow(clippy::zombie_processes)]
fn timed(mut command: Command) -> Run {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command starts");
    let mut stdout = child.stdout.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
        sink.len()
    });
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    let (status, peak_kib) = wait4(&child);
    let elapsed = started.elapsed();
    let bytes = drain.join().unwrap();
    assert!(
        status == 0 && bytes > 0,
        "{command:?}: status {status}, {bytes} bytes out, {stderr}"
    );
    Run {
        elapsed,
        rss: Rss {
            peak_kib,
            now_kib: None,
        },
    }
}

/// Reaps the child with its resource usage: exit status and `ru_maxrss` (KiB).
fn wait4(child: &Child) -> (i32, u64) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss as u64)
}

/// VmHWM and VmRSS of a running process, in KiB.
fn proc_rss(pid: u32) -> Rss {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Rss {
        peak_kib: field("VmHWM:").unwrap_or(0),
        now_kib: field("VmRSS:"),
    }
}

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// What this bench asks of the server beyond the shared client.
impl Server {
    fn rss(&self) -> Rss {
        proc_rss(self.pid())
    }

    fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).expect("the file is text");
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": format!("file://{}", path.display()),
                   "languageId": "c", "version": 1, "text": text}}),
        );
    }

    fn blocks(&mut self, uri: &str) -> Value {
        self.request("provenance/blocks", json!({"textDocument": {"uri": uri}}))
            .0
    }
}

/// The printed table: pairs of (ours, anchor) as medians with ratios, and
/// latency rows as percentiles.
#[derive(Default)]
struct Table {
    out: String,
}

fn median(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(|r| r.elapsed);
    let mut mid = runs[runs.len() / 2];
    // Memory: the median of the peaks too, not the peak of the median run.
    let mut peaks: Vec<u64> = runs.iter().map(|r| r.rss.peak_kib).collect();
    peaks.sort();
    mid.rss.peak_kib = peaks[peaks.len() / 2];
    mid
}

impl Table {
    fn pair(&mut self, ours: &str, anchor: &str, mine: Vec<Run>, theirs: Vec<Run>) {
        let n = mine.len();
        let all: Vec<String> = mine
            .iter()
            .map(|r| format!("{:.2}", r.elapsed.as_secs_f64()))
            .collect();
        let anchors: Vec<String> = theirs
            .iter()
            .map(|r| format!("{:.2}", r.elapsed.as_secs_f64()))
            .collect();
        let (m, t) = (median(mine), median(theirs));
        let now = m
            .rss
            .now_kib
            .map_or(String::from("-"), |k| format!("{}", k / 1024));
        let _ = writeln!(
            self.out,
            "| {ours} | {n} | {:.2} s | {} MiB | {now} MiB | {anchor} | {:.2} s | {} MiB | **{:.2}×** | {:.2}× |",
            m.elapsed.as_secs_f64(),
            m.rss.peak_kib / 1024,
            t.elapsed.as_secs_f64(),
            t.rss.peak_kib / 1024,
            m.elapsed.as_secs_f64() / t.elapsed.as_secs_f64().max(1e-9),
            m.rss.peak_kib as f64 / t.rss.peak_kib.max(1) as f64,
        );
        let _ = writeln!(
            self.out,
            "|   runs (s): {} | | | | | anchor runs (s): {} | | | | |",
            all.join(", "),
            anchors.join(", ")
        );
    }

    fn latency(&mut self, case: &str, samples: Vec<Duration>) {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let p = |q: f64| {
            let rank = (q / 100.0 * ms.len() as f64).ceil() as usize;
            ms[rank.clamp(1, ms.len()) - 1]
        };
        let _ = writeln!(
            self.out,
            "| {case} | {} | p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms | | | — | | | | |",
            ms.len(),
            p(50.0),
            p(90.0),
            p(99.0),
            ms[ms.len() - 1]
        );
    }

    fn note(&mut self, text: String) {
        let _ = writeln!(self.out, "| {text} | | | | | | | | | |");
    }

    fn render(&self) -> String {
        format!(
            "| what | n | provenance-ls (median) | peak RSS | RSS now | anchor | anchor (median) | anchor peak RSS | time ratio | peak RSS ratio |\n\
             |---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n{}",
            self.out
        )
    }
}
