//! `provenance-ls report` against `git log --numstat` on the same history,
//! side by side in one run (docs/performance.md, "Report").
//!
//! Generates a repository with `git fast-import` (seconds, even for 20,000
//! commits): a year of work by six people and three assistants, with bots,
//! renames, short-lived branches and their merges, where young AI lines are
//! rewritten a little more often than human ones (so the example page shows
//! a difference). Then times both tools over the whole range and prints a
//! table with the ratio.
//!
//! ```text
//! cargo bench -p provenance-ls --bench report                  # 20,000 commits + this repository
//! cargo bench -p provenance-ls --bench report -- --commits 5000
//! cargo bench -p provenance-ls --bench report -- --generate DIR --commits 3000   # only make a repository
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DAY: i64 = 86_400;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, good enough for a workload.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < p
    }
}

#[derive(Clone)]
struct Line {
    text: String,
    ai: bool,
    born: usize,
}

struct File {
    path: String,
    lines: Vec<Line>,
}

const PEOPLE: [(&str, &str); 6] = [
    ("Ada Byron", "ada@example.com"),
    ("Linus Lee", "linus@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Ken Thompson", "ken@example.com"),
    ("Barbara Liskov", "barbara@example.com"),
    ("Dennis Ritchie", "dennis@example.com"),
];
const ASSISTANTS: [&str; 3] = [
    "Co-Authored-By: Claude <noreply@anthropic.com>",
    "Co-authored-by: Codex <noreply@openai.com>",
    "Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>",
];
const DIRS: [&str; 5] = [
    "server/src",
    "server/src/history",
    "client/src",
    "docs",
    "tests",
];

/// Writes a fast-import stream of `commits` commits ending around `end`.
fn generate(commits: usize, end: i64, out: &mut impl Write) -> std::io::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = end - 365 * DAY;
    let step = (365 * DAY) / commits.max(1) as i64;
    let mut files: Vec<File> = Vec::new();
    let mut counter = 0usize;
    let mut fresh = |rng: &mut Rng| {
        counter += 1;
        format!(
            "    let v{counter} = compute({}, {});",
            rng.below(1000),
            counter
        )
    };
    let mut mark = 0usize;
    let mut main_mark = 0usize;
    let mut branch: Option<(usize, usize, File, usize)> = None; // (file index, side mark, file, commits left)
    for i in 0..commits {
        let time = start + i as i64 * step + (rng.below(step.max(2) as usize / 2) as i64);
        let ai = rng.chance(0.3);
        let bot = !ai && rng.chance(0.02);
        let (name, email) = if bot {
            (
                "dependabot[bot]",
                "49699333+dependabot[bot]@users.noreply.github.com",
            )
        } else {
            PEOPLE[rng.below(PEOPLE.len())]
        };
        let mut message = format!("Change {i}");
        if ai {
            message.push_str("\n\n");
            message.push_str(ASSISTANTS[rng.below(ASSISTANTS.len())]);
        }
        // Start a short branch now and then: three commits on one file, then a merge.
        let on_side = match &mut branch {
            Some((_, _, _, left)) if *left > 0 => rng.chance(0.5),
            _ => false,
        };
        if branch.is_none() && i > 50 && !files.is_empty() && rng.chance(0.02) {
            let fi = rng.below(files.len());
            let copy = File {
                path: files[fi].path.clone(),
                lines: files[fi].lines.clone(),
            };
            branch = Some((fi, main_mark, copy, 3));
        }
        let mut changed: Vec<(String, Option<String>)> = Vec::new(); // (path, content or None = delete)
        let mut renamed: Option<(String, String)> = None;
        if on_side {
            let (_, side_mark, file, left) = branch.as_mut().expect("branch");
            edit(&mut rng, file, ai, i, &mut fresh);
            *left -= 1;
            mark += 1;
            writeln!(out, "commit refs/heads/feature\nmark :{mark}")?;
            writeln!(
                out,
                "author {name} <{email}> {time} +0000\ncommitter {name} <{email}> {time} +0000"
            )?;
            writeln!(out, "data {}\n{message}", message.len())?;
            writeln!(out, "from :{side_mark}")?;
            write_file(out, &file.path, &render(&file.lines))?;
            *side_mark = mark;
            continue;
        }
        let side_done = matches!(&branch, Some((_, _, _, 0))) && !bot;
        if side_done {
            // A clean merge: it only brings the branch's file.
        } else if bot {
            let lines: Vec<Line> = (0..5)
                .map(|k| Line {
                    text: format!("dep-{k} = \"1.{}.{}\"", i, k),
                    ai: false,
                    born: i,
                })
                .collect();
            changed.push(("deps.toml".into(), Some(render(&lines))));
        } else if files.len() < 20 || rng.chance(0.03) {
            let dir = DIRS[rng.below(DIRS.len())];
            let path = format!("{dir}/module_{}.rs", files.len());
            let mut f = File {
                path: path.clone(),
                lines: Vec::new(),
            };
            let n = 20 + rng.below(60);
            for _ in 0..n {
                let text = fresh(&mut rng);
                f.lines.push(Line { text, ai, born: i });
            }
            changed.push((path, Some(render(&f.lines))));
            files.push(f);
        } else {
            let side_file = branch.as_ref().map(|(fi, ..)| *fi);
            let touches = 1 + rng.below(3);
            for _ in 0..touches {
                let fi = rng.below(files.len());
                if Some(fi) == side_file {
                    continue;
                }
                if rng.chance(0.01) && renamed.is_none() {
                    let old = files[fi].path.clone();
                    let new = format!("{}/moved_{i}.rs", DIRS[rng.below(DIRS.len())]);
                    files[fi].path = new.clone();
                    renamed = Some((old, new));
                }
                edit(&mut rng, &mut files[fi], ai, i, &mut fresh);
                changed.push((files[fi].path.clone(), Some(render(&files[fi].lines))));
            }
        }
        mark += 1;
        writeln!(out, "commit refs/heads/main\nmark :{mark}")?;
        writeln!(
            out,
            "author {name} <{email}> {time} +0000\ncommitter {name} <{email}> {time} +0000"
        )?;
        let message = if side_done {
            "Merge branch 'feature'".to_string()
        } else {
            message
        };
        writeln!(out, "data {}\n{message}", message.len())?;
        if main_mark > 0 {
            writeln!(out, "from :{main_mark}")?;
        }
        if side_done {
            let (fi, side_mark, file, _) = branch.take().expect("branch");
            writeln!(out, "merge :{side_mark}")?;
            write_file(out, &file.path, &render(&file.lines))?;
            files[fi] = file;
        }
        if let Some((old, _)) = &renamed {
            writeln!(out, "D {old}")?;
        }
        for (path, content) in &changed {
            match content {
                Some(c) => write_file(out, path, c)?,
                None => writeln!(out, "D {path}")?,
            }
        }
        main_mark = mark;
    }
    writeln!(out, "done")?;
    Ok(())
}

fn write_file(out: &mut impl Write, path: &str, content: &str) -> std::io::Result<()> {
    writeln!(
        out,
        "M 100644 inline {path}\ndata {}\n{content}",
        content.len()
    )
}

fn render(lines: &[Line]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(&l.text);
        s.push('\n');
    }
    s
}

/// One edit of a file: insert, delete or replace a few lines. Young AI
/// lines are picked more often for rewriting than others.
fn edit(
    rng: &mut Rng,
    file: &mut File,
    ai: bool,
    now: usize,
    fresh: &mut impl FnMut(&mut Rng) -> String,
) {
    let len = file.lines.len();
    let young_ai: Vec<usize> = (0..len)
        .filter(|&k| file.lines[k].ai && now - file.lines[k].born < 40)
        .collect();
    let at = if !young_ai.is_empty() && rng.chance(0.35) {
        young_ai[rng.below(young_ai.len())]
    } else {
        rng.below(len + 1)
    };
    let n = 1 + rng.below(6);
    match rng.below(3) {
        0 => {
            for k in 0..n {
                let text = fresh(rng);
                file.lines.insert(
                    (at + k).min(file.lines.len()),
                    Line {
                        text,
                        ai,
                        born: now,
                    },
                );
            }
        }
        1 if len > 10 => {
            let end = (at + n).min(len);
            file.lines.drain(at.min(end)..end);
        }
        _ => {
            let end = (at + n).min(len);
            for k in at.min(end)..end {
                file.lines[k] = Line {
                    text: fresh(rng),
                    ai,
                    born: now,
                };
            }
            if at >= len {
                file.lines.push(Line {
                    text: fresh(rng),
                    ai,
                    born: now,
                });
            }
        }
    }
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir);
    c
}

/// Makes a repository at `dir` with `commits` generated commits.
fn make_repo(dir: &Path, commits: usize, end: i64) {
    std::fs::create_dir_all(dir).expect("dir");
    assert!(git(dir)
        .args(["init", "-q", "-b", "main"])
        .status()
        .expect("git")
        .success());
    let mut child = git(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    {
        let mut stdin = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
        generate(commits, end, &mut stdin).expect("stream");
    }
    assert!(child.wait().expect("fast-import").success());
    assert!(git(dir)
        .args(["reset", "-q", "--hard", "main"])
        .status()
        .expect("git")
        .success());
}

/// CPU seconds (user + system) used by this process's waited-for children,
/// from /proc (Linux); zero elsewhere. On a shared machine CPU time moves far
/// less than wall time.
fn children_cpu() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): cutime, cstime are 16 and 17.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(16) + ticks(17)) / 100.0
}

#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: f64,
}

fn time(mut command: Command) -> Run {
    let cpu = children_cpu();
    let started = Instant::now();
    let out = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    let wall = started.elapsed();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        wall,
        cpu: children_cpu() - cpu,
    }
}

fn best(runs: &[Run]) -> Run {
    Run {
        wall: runs.iter().map(|r| r.wall).min().expect("runs"),
        cpu: runs.iter().map(|r| r.cpu).fold(f64::INFINITY, f64::min),
    }
}

fn compare(label: &str, repo: &Path, rows: &mut Vec<String>) {
    // PROVENANCE_LS_BIN: time a copy (the shared target directory may be rebuilt meanwhile).
    let bin = std::env::var("PROVENANCE_LS_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_provenance-ls").to_string());
    let bin = bin.as_str();
    let commits = String::from_utf8(
        git(repo)
            .args(["rev-list", "--count", "HEAD"])
            .output()
            .expect("git")
            .stdout,
    )
    .expect("utf8")
    .trim()
    .to_string();
    let numstat = || {
        let mut c = git(repo);
        c.args(["log", "--numstat", "--no-color", "--format=%H"]);
        c
    };
    let report = |cache: bool, blocks: bool| {
        let mut c = Command::new(bin);
        c.args(["report", "--since", "all", "--json"]).arg(repo);
        if !cache {
            c.env("PROVENANCE_LS_NO_CACHE", "1");
        }
        if !blocks {
            c.env("PROVENANCE_LS_NO_BLOCKS", "1");
        }
        c
    };
    // Interleaved, best of five each, so that load from elsewhere hits both alike.
    let (mut ours, mut theirs, mut full) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        theirs.push(time(numstat()));
        ours.push(time(report(false, false)));
        full.push(time(report(false, true)));
    }
    // The cached second run: the first run fills the cache, the timed runs reuse it.
    let _ = time(report(true, true));
    let cached: Vec<Run> = (0..3).map(|_| time(report(true, true))).collect();
    let (n, r, f, c) = (best(&theirs), best(&ours), best(&full), best(&cached));
    rows.push(format!(
        "| {label} | {commits} | {:.2} s / {:.2} s | {:.2} s / {:.2} s | {:.2} / {:.2} | {:.2} s / {:.2} s | {:.3} s |",
        n.wall.as_secs_f64(),
        n.cpu,
        r.wall.as_secs_f64(),
        r.cpu,
        r.wall.as_secs_f64() / n.wall.as_secs_f64(),
        if n.cpu > 0.0 { r.cpu / n.cpu } else { f64::NAN },
        f.wall.as_secs_f64(),
        f.cpu,
        c.wall.as_secs_f64()
    ));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let commits: usize = value("--commits")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_200);
    let end = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    if let Some(dir) = value("--generate") {
        make_repo(Path::new(&dir), commits, end);
        println!("generated {commits} commits in {dir}");
        return;
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let generated: PathBuf = scratch.path().join("generated");
    let started = Instant::now();
    make_repo(&generated, commits, end);
    eprintln!(
        "generated {commits} commits in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut rows = vec![
        "| history | commits | git log --numstat (wall / CPU) | report, walk only (wall / CPU) | ratio (wall / CPU) | report with block hotspots (wall / CPU) | report, cached (wall) |"
            .to_string(),
        "|---|---:|---:|---:|---:|---:|---:|".to_string(),
    ];
    compare("generated", &generated, &mut rows);
    // This repository, cloned so that the cache lands in the clone.
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let clone = scratch.path().join("own");
    let cloned = git(scratch.path())
        .args(["clone", "-q", "--no-local"])
        .arg(&own)
        .arg(&clone)
        .status();
    if cloned.is_ok_and(|s| s.success()) {
        compare("provenance-ls itself", &clone, &mut rows);
    }
    for row in rows {
        println!("{row}");
    }
}
