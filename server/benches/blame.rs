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
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// One random edit of C-like code: functions inserted between functions,
/// lines changed, deleted or duplicated — the kind of churn real files see.
fn edit(rng: &mut Rng, lines: &mut Vec<String>, serial: usize) {
    let at = rng.below(lines.len() + 1);
    match rng.below(6) {
        0 => {
            let block = [format!("int f{serial}(int x) {{"), format!("    return x + {serial};"), "}".into(), String::new()];
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
        _ => lines.insert(at, ["}", "", "    {", format!("    call({serial});").as_str()][rng.below(4)].to_owned()),
    }
    // Keep the file at a few hundred lines.
    while lines.len() > 450 {
        let at = rng.below(lines.len());
        lines.remove(at);
    }
}

fn generate(root: &Path, commits: usize) {
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
        stream.extend_from_slice(format!("M 100644 inline src/deep.c\ndata {}\n{text}\n", text.len()).as_bytes());
        if n % 50 == 0 {
            let other = format!("other file {n}\n");
            stream.extend_from_slice(format!("M 100644 inline src/other{}.c\ndata {}\n{other}\n", n % 10, other.len()).as_bytes());
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
    git(root, &["repack", "-adfq"]);
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let commits: usize = std::env::var("PROVENANCE_BENCH_COMMITS").ok().and_then(|s| s.parse().ok()).unwrap_or(1500);
    let dir = tempfile::tempdir().unwrap();
    // PROVENANCE_BENCH_DIR keeps the generated repository there for a closer look.
    let root = match std::env::var_os("PROVENANCE_BENCH_DIR") {
        Some(keep) => std::path::PathBuf::from(keep).join("repo"),
        None => dir.path().join("repo"),
    };
    let started = Instant::now();
    generate(&root, commits);
    let file = root.join("src/deep.c");
    let line_count = std::fs::read_to_string(&file).unwrap().lines().count();
    eprintln!("generated {commits} commits in {:.1}s; src/deep.c has {line_count} lines", started.elapsed().as_secs_f64());

    if let Ok(n) = std::env::var("PROVENANCE_BENCH_PROFILE_COLD") {
        // For `perf record`: only the in-process cold blame, n times.
        for _ in 0..n.parse().unwrap_or(20) {
            let history = History::new(Repo::discover(&file).unwrap(), Arc::new(BlameCache::new(None)));
            history.blame(&file, Some("HEAD")).unwrap();
        }
        return;
    }
    let git_blame = time(RUNS, || {
        git(&root, &["blame", "--porcelain", "HEAD", "--", "src/deep.c"]);
    });
    let binary = env!("CARGO_BIN_EXE_provenance-ls");
    let cli_cold = time(RUNS, || {
        let out = Command::new(binary)
            .current_dir(&root)
            .env_remove("PROVENANCE_LS_CACHE_DIR")
            .args(["blame", "src/deep.c", "--rev", "HEAD", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    });
    let lib_cold = time(RUNS, || {
        let history = History::new(Repo::discover(&file).unwrap(), Arc::new(BlameCache::new(None)));
        assert_eq!(history.blame(&file, Some("HEAD")).unwrap().len(), line_count);
    });
    let history = History::new(Repo::discover(&file).unwrap(), Arc::new(BlameCache::new(None)));
    history.blame(&file, Some("HEAD")).unwrap();
    let warm = time(RUNS * 3, || {
        history.blame(&file, Some("HEAD")).unwrap();
    });

    // One more commit, then blame the new HEAD with only the old HEAD cached.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.insert_str(text.len() / 2, "int added_by_one_commit(void) {\n    return 1;\n}\n\n");
    std::fs::write(&file, text).unwrap();
    git(&root, &["commit", "-qam", "one more"]);
    let mut refresh_times = Vec::new();
    for _ in 0..RUNS {
        let history = History::new(Repo::discover(&file).unwrap(), Arc::new(BlameCache::new(None)));
        history.blame(&file, Some("HEAD~1")).unwrap();
        let start = Instant::now();
        history.blame(&file, Some("HEAD")).unwrap();
        refresh_times.push(start.elapsed());
    }
    let refresh = median(refresh_times);
    let git_after = time(RUNS, || {
        git(&root, &["blame", "--porcelain", "HEAD", "--", "src/deep.c"]);
    });

    let ratio = |d: Duration, base: Duration| format!("{:.2}x", d.as_secs_f64() / base.as_secs_f64());
    println!("blame of src/deep.c ({line_count} lines, {commits} commits), median of {RUNS} runs");
    println!("| measurement | ms | vs git blame |");
    println!("|---|---:|---:|");
    println!("| git blame --porcelain (process) | {} | 1.00x |", ms(git_blame));
    println!("| provenance-ls blame --json (process, cold) | {} | {} |", ms(cli_cold), ratio(cli_cold, git_blame));
    println!("| History::blame cold (in process) | {} | {} |", ms(lib_cold), ratio(lib_cold, git_blame));
    println!("| History::blame warm (cache hit) | {} | {} |", ms(warm), ratio(warm, git_blame));
    println!(
        "| History::blame after one new commit (parent cached) | {} | {} of git, {} of cold |",
        ms(refresh),
        ratio(refresh, git_after),
        ratio(refresh, lib_cold)
    );
}
