//! Blame on a deep history, against `git blame` in the same run.
//!
//! `cargo bench -p provenance-ls --bench blame` generates (seeded, through
//! `git fast-import`) a repository whose one file of a few hundred lines went
//! through `PROVENANCE_BENCH_COMMITS` commits (default 1,500), then prints
//! the median of several runs for: `git blame --porcelain` (a process),
//! `provenance-ls blame --json` (a process, no cache), the library cold (no
//! cache), warm (cached) and after one new commit (the parent's blame cached).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use provenance_ls::history::{BlameCache, History, Repo};

const RUNS: usize = 7;
/// Set when this executable should act as `provenance-ls` itself.
const AS_CLI: &str = "PROVENANCE_BENCH_AS_CLI";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir.parent().unwrap())
        .env("XDG_CONFIG_HOME", dir.parent().unwrap())
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// One random edit of C-like code: functions inserted between functions,
/// lines changed, deleted or duplicated — the kind of churn real files see.
fn edit(rng: &mut Rng, lines: &mut Vec<String>, serial: usize) {
    let at = rng.below(lines.len() + 1);
    match rng.below(6) {
        0 => {
            let block = [
                format!("int f{serial}(int x) {{"),
                format!("    return x + {serial};"),
                "}".into(),
                String::new(),
            ];
            for (k, l) in block.into_iter().enumerate() {
                lines.insert(at + k, l);
            }
        }
        1 | 2 if !lines.is_empty() => {
            let at = at.min(lines.len() - 1);
            lines[at] = format!("    value = {serial}; /* changed */");
        }
        3 if lines.len() > 200 => {
            let n = 1 + rng.below(4);
            for _ in 0..n.min(lines.len() - at.min(lines.len() - 1)) {
                lines.remove(at.min(lines.len() - 1));
            }
        }
        4 if lines.len() > 3 => {
            let from = rng.below(lines.len() - 3);
            let copy: Vec<String> = lines[from..from + 3].to_vec();
            for (k, l) in copy.into_iter().enumerate() {
                lines.insert(at + k, l);
            }
        }
        _ => lines.insert(
            at,
            ["}", "", "    {", format!("    call({serial});").as_str()][rng.below(4)].to_owned(),
        ),
    }
    // Keep the file at a few hundred lines.
    while lines.len() > 450 {
        let at = rng.below(lines.len());
        lines.remove(at);
    }
}

/// `repack`: recompute deltas as `git gc` does; without it the pack keeps
/// `git fast-import`'s layout (each version a delta of the previous one).
fn generate(root: &Path, commits: usize, repack: bool) {
    std::fs::create_dir_all(root).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.name", "Bench"]);
    git(root, &["config", "user.email", "bench@example.com"]);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut lines: Vec<String> = (0..300)
        .map(|i| match i % 6 {
            0 => format!("int g{i}(void) {{"),
            1 => format!("    return {i};"),
            2 => "}".into(),
            3 => String::new(),
            4 => format!("/* note {i} */"),
            _ => String::new(),
        })
        .collect();
    let mut stream = Vec::new();
    for n in 1..=commits {
        if n > 1 {
            for _ in 0..1 + rng.below(3) {
                edit(&mut rng, &mut lines, n);
            }
        }
        let text = lines.join("\n") + "\n";
        let message = format!("commit {n}\n");
        let time = 1_600_000_000 + n * 3600;
        stream.extend_from_slice(
            format!(
                "commit refs/heads/main\nmark :{n}\nauthor Dev {d} <dev{d}@example.com> {time} +0000\ncommitter Dev <dev@example.com> {time} +0000\ndata {}\n{message}",
                message.len(),
                d = n % 7
            )
            .as_bytes(),
        );
        if n > 1 {
            stream.extend_from_slice(format!("from :{}\n", n - 1).as_bytes());
        }
        stream.extend_from_slice(
            format!("M 100644 inline src/deep.c\ndata {}\n{text}\n", text.len()).as_bytes(),
        );
        if n % 50 == 0 {
            let other = format!("other file {n}\n");
            stream.extend_from_slice(
                format!(
                    "M 100644 inline src/other{}.c\ndata {}\n{other}\n",
                    n % 10,
                    other.len()
                )
                .as_bytes(),
            );
        }
    }
    let mut child = Command::new("git")
        .current_dir(root)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(child.wait().unwrap().success());
    git(root, &["checkout", "-q", "main"]);
    // Recompute deltas as `git gc` on a server does (newest versions whole, older ones as deltas).
    if repack {
        git(root, &["repack", "-adfq"]);
    }
}

/// (commit, original line) per line, from `git blame --porcelain`.
fn git_lines(root: &Path) -> Vec<(String, u32)> {
    let out = git(root, &["blame", "--porcelain", "HEAD", "--", "src/deep.c"]);
    let mut rows = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let mut words = line.split(' ');
        let first = words.next().unwrap_or("");
        if first.len() == 40 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
            let original: u32 = words.next().unwrap().parse().unwrap();
            let final_line: usize = words.next().unwrap().parse().unwrap();
            assert_eq!(final_line, rows.len() + 1);
            rows.push((first.to_owned(), original));
        }
    }
    rows
}

/// Stock gix-blame on the same file: per-line (commit, original line).
fn gix_blame_lines(root: &Path, algorithm: gix::diff::blob::Algorithm) -> Vec<(String, u32)> {
    let repo = gix::open(root).unwrap();
    let head = repo.head_id().unwrap().detach();
    let options = gix::repository::blame_file::Options {
        diff_algorithm: Some(algorithm),
        ranges: Default::default(),
        since: None,
        rewrites: Some(Default::default()),
    };
    let outcome = repo.blame_file("src/deep.c".into(), head, options).unwrap();
    let mut rows = Vec::new();
    for entry in outcome.entries {
        for k in 0..entry.len.get() {
            rows.push((
                entry.commit_id.to_string(),
                entry.start_in_source_file + k + 1,
            ));
        }
    }
    rows
}

fn differing(a: &[(String, u32)], b: &[(String, u32)]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count() + a.len().abs_diff(b.len())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// User+sys time of this process and of its waited-for children.
fn cpu_time() -> Duration {
    let usage = |who| {
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: getrusage only writes into the struct we pass.
        unsafe { libc::getrusage(who, &mut u) };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(u.ru_utime) + tv(u.ru_stime)
    };
    usage(libc::RUSAGE_SELF) + usage(libc::RUSAGE_CHILDREN)
}

#[derive(Default)]
struct Samples {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Samples {
    fn measure(&mut self, f: impl FnOnce()) {
        let (wall, cpu) = (Instant::now(), cpu_time());
        f();
        self.wall.push(wall.elapsed());
        self.cpu.push(cpu_time().saturating_sub(cpu));
    }
    fn wall(&self) -> Duration {
        median(self.wall.clone())
    }
    fn cpu(&self) -> Duration {
        median(self.cpu.clone())
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() -> std::process::ExitCode {
    if std::env::var_os(AS_CLI).is_some() {
        return provenance_ls::cli::main();
    }
    let commits: usize = std::env::var("PROVENANCE_BENCH_COMMITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let dir = tempfile::tempdir().unwrap();
    // PROVENANCE_BENCH_DIR keeps the generated repository there for a closer look.
    let root = match std::env::var_os("PROVENANCE_BENCH_DIR") {
        Some(keep) => std::path::PathBuf::from(keep).join("repo"),
        None => dir.path().join("repo"),
    };
    let started = Instant::now();
    generate(&root, commits, true);
    let file = root.join("src/deep.c");
    let line_count = std::fs::read_to_string(&file).unwrap().lines().count();
    eprintln!(
        "generated {commits} commits in {:.1}s; src/deep.c has {line_count} lines",
        started.elapsed().as_secs_f64()
    );

    if let Ok(n) = std::env::var("PROVENANCE_BENCH_PROFILE_COLD") {
        // For `perf record`: only the in-process cold blame, n times.
        for _ in 0..n.parse().unwrap_or(20) {
            let history = History::new(
                Repo::discover(&file).unwrap(),
                Arc::new(BlameCache::new(None)),
            );
            history.blame(&file, Some("HEAD")).unwrap();
        }
        return std::process::ExitCode::SUCCESS;
    }
    // Correctness first: the same answer as git, line for line.
    let expected = git_lines(&root);
    let history = History::new(
        Repo::discover(&file).unwrap(),
        Arc::new(BlameCache::new(None)),
    );
    let ours: Vec<(String, u32)> = history
        .blame(&file, Some("HEAD"))
        .unwrap()
        .into_iter()
        .map(|l| (l.commit.unwrap(), l.original_line))
        .collect();
    assert_eq!(
        differing(&ours, &expected),
        0,
        "provenance-ls disagrees with git blame"
    );
    let gix_myers = gix_blame_lines(&root, gix::diff::blob::Algorithm::Myers);
    let gix_histogram = gix_blame_lines(&root, gix::diff::blob::Algorithm::Histogram);
    // Interleaved runs, so the load of a shared machine hits every contender alike.
    // The CLI rows run this very executable as the CLI (same code, same
    // build): the shared target/release/provenance-ls may be another
    // worktree's build by the time we run.
    let this = std::env::current_exe().unwrap();
    let cli = |dir: &Path| {
        let mut command = Command::new(&this);
        command
            .current_dir(dir)
            .env(AS_CLI, "1")
            .env_remove("PROVENANCE_LS_CACHE_DIR");
        command
    };
    let mut git_blame = Samples::default();
    let mut cli_cold = Samples::default();
    let mut lib_cold = Samples::default();
    let mut gix_time = Samples::default();
    for _ in 0..RUNS {
        git_blame.measure(|| {
            git(&root, &["blame", "--porcelain", "HEAD", "--", "src/deep.c"]);
        });
        cli_cold.measure(|| {
            let out = cli(&root)
                .args(["blame", "src/deep.c", "--rev", "HEAD", "--json"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        });
        lib_cold.measure(|| {
            let history = History::new(
                Repo::discover(&file).unwrap(),
                Arc::new(BlameCache::new(None)),
            );
            assert_eq!(
                history.blame(&file, Some("HEAD")).unwrap().len(),
                line_count
            );
        });
        gix_time.measure(|| {
            gix_blame_lines(&root, gix::diff::blob::Algorithm::Myers);
        });
    }
    // The same with a commit-graph file, which git (and we) read parents,
    // trees and dates from instead of inflating commits.
    git(&root, &["commit-graph", "write", "--reachable"]);
    let mut git_blame_graph = Samples::default();
    let mut cli_cold_graph = Samples::default();
    for _ in 0..RUNS {
        git_blame_graph.measure(|| {
            git(&root, &["blame", "--porcelain", "HEAD", "--", "src/deep.c"]);
        });
        cli_cold_graph.measure(|| {
            let out = cli(&root)
                .args(["blame", "src/deep.c", "--rev", "HEAD", "--json"])
                .output()
                .unwrap();
            assert!(out.status.success());
        });
    }
    std::fs::remove_file(root.join(".git/objects/info/commit-graph")).unwrap();

    // The same history as `git fast-import` leaves it, deltas running old to new.
    let imported = dir.path().join("imported");
    generate(&imported, commits, false);
    let mut git_blame_imported = Samples::default();
    let mut cli_cold_imported = Samples::default();
    for _ in 0..RUNS {
        git_blame_imported.measure(|| {
            git(
                &imported,
                &["blame", "--porcelain", "HEAD", "--", "src/deep.c"],
            );
        });
        cli_cold_imported.measure(|| {
            let out = cli(&imported)
                .args(["blame", "src/deep.c", "--rev", "HEAD", "--json"])
                .output()
                .unwrap();
            assert!(out.status.success());
        });
    }

    // Range history against `git log -L` on the same history.
    let git_log_l = || -> Vec<String> {
        let out = git(
            &root,
            &["log", "-L100,120:src/deep.c", "--format=%H", "--no-patch"],
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let range_history = || -> Vec<String> {
        let history = History::new(
            Repo::discover(&file).unwrap(),
            Arc::new(BlameCache::new(None)),
        );
        history
            .range_history(&file, 100, 120, None)
            .unwrap()
            .into_iter()
            .map(|c| c.commit)
            .collect()
    };
    let expected_commits = git_log_l();
    assert_eq!(
        range_history(),
        expected_commits,
        "range history disagrees with git log -L"
    );
    let mut git_range = Samples::default();
    let mut our_range = Samples::default();
    for _ in 0..RUNS {
        git_range.measure(|| {
            git_log_l();
        });
        our_range.measure(|| {
            range_history();
        });
    }

    let history = History::new(
        Repo::discover(&file).unwrap(),
        Arc::new(BlameCache::new(None)),
    );
    history.blame(&file, Some("HEAD")).unwrap();
    let mut warm = Samples::default();
    for _ in 0..RUNS * 3 {
        warm.measure(|| {
            history.blame(&file, Some("HEAD")).unwrap();
        });
    }

    // One more commit, then blame the new HEAD with only the old HEAD cached.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.insert_str(
        text.len() / 2,
        "int added_by_one_commit(void) {\n    return 1;\n}\n\n",
    );
    std::fs::write(&file, text).unwrap();
    git(&root, &["commit", "-qam", "one more"]);
    let mut refresh = Samples::default();
    let mut git_after = Samples::default();
    for _ in 0..RUNS {
        let history = History::new(
            Repo::discover(&file).unwrap(),
            Arc::new(BlameCache::new(None)),
        );
        history.blame(&file, Some("HEAD~1")).unwrap();
        let mut refreshed = Vec::new();
        refresh.measure(|| refreshed = history.blame(&file, Some("HEAD")).unwrap());
        let refreshed: Vec<(String, u32)> = refreshed
            .into_iter()
            .map(|l| (l.commit.unwrap(), l.original_line))
            .collect();
        assert_eq!(
            differing(&refreshed, &git_lines(&root)),
            0,
            "blame after one commit disagrees with git"
        );
        git_after.measure(|| {
            git(&root, &["blame", "--porcelain", "HEAD", "--", "src/deep.c"]);
        });
    }

    println!("blame of src/deep.c ({line_count} lines, {commits} commits), median of {RUNS} interleaved runs");
    println!("(cpu = user+sys time of the process, or of this process for in-process rows)");
    println!("| measurement | wall ms | cpu ms | wall vs git | cpu vs git |");
    println!("|---|---:|---:|---:|---:|");
    let row = |name: &str, s: &Samples, base: &Samples| {
        println!(
            "| {name} | {} | {} | {:.2}x | {:.2}x |",
            ms(s.wall()),
            ms(s.cpu()),
            s.wall().as_secs_f64() / base.wall().as_secs_f64(),
            s.cpu().as_secs_f64() / base.cpu().as_secs_f64()
        )
    };
    row("git blame --porcelain (process)", &git_blame, &git_blame);
    row(
        "provenance-ls blame --json (process, cold)",
        &cli_cold,
        &git_blame,
    );
    row("History::blame cold (in process)", &lib_cold, &git_blame);
    row(
        "stock gix-blame 0.20, Myers (in process)",
        &gix_time,
        &git_blame,
    );
    row(
        "with a commit-graph: git blame --porcelain (process)",
        &git_blame_graph,
        &git_blame_graph,
    );
    row(
        "with a commit-graph: provenance-ls blame --json (process, cold)",
        &cli_cold_graph,
        &git_blame_graph,
    );
    row(
        "fast-import pack: git blame --porcelain (process)",
        &git_blame_imported,
        &git_blame_imported,
    );
    row(
        "fast-import pack: provenance-ls blame --json (process, cold)",
        &cli_cold_imported,
        &git_blame_imported,
    );
    row("History::blame warm (cache hit)", &warm, &git_blame);
    row(
        "History::blame after one new commit (parent cached)",
        &refresh,
        &git_after,
    );
    println!(
        "after one new commit: {:.3}x the cold blame's wall time",
        refresh.wall().as_secs_f64() / lib_cold.wall().as_secs_f64()
    );
    println!();
    println!(
        "range history of lines 100-120 ({} commits, same list as git):",
        expected_commits.len()
    );
    println!("| measurement | wall ms | cpu ms | wall vs git | cpu vs git |");
    println!("|---|---:|---:|---:|---:|");
    row(
        "git log -L100,120:src/deep.c --format=%H --no-patch (process)",
        &git_range,
        &git_range,
    );
    row(
        "History::range_history (in process)",
        &our_range,
        &git_range,
    );
    println!();
    println!("lines differing from git blame (commit or original line), of {line_count}:");
    println!("| blamer | lines |");
    println!("|---|---:|");
    println!("| provenance-ls | 0 |");
    println!(
        "| stock gix-blame 0.20, Myers | {} |",
        differing(&gix_myers, &expected)
    );
    println!(
        "| stock gix-blame 0.20, Histogram (its default) | {} |",
        differing(&gix_histogram, &expected)
    );
    std::process::ExitCode::SUCCESS
}
