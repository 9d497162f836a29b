//! `provenance-ls blame` and `history` against git itself: repositories built
//! with the git CLI, then the binary's answers compared with
//! `git blame --line-porcelain` and `git log -L` line by line.

use std::path::PathBuf;
use std::process::Command;

/// A repository made by the test, with a home of its own so the user's git
/// config can't interfere, and a clock that moves one minute per commit.
struct Repo {
    _dir: Option<tempfile::TempDir>,
    root: PathBuf,
    home: PathBuf,
    clock: std::cell::Cell<i64>,
    /// Seconds the clock moves per commit (0: every commit in the same second).
    step: std::cell::Cell<i64>,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        if std::env::var_os("PROVENANCE_KEEP_TEST_REPOS").is_some() {
            eprintln!("keeping {}", dir.path().display());
            std::mem::forget(dir);
            return Repo::new_in(root, home);
        }
        let mut repo = Repo::new_in(root, home);
        repo._dir = Some(dir);
        repo
    }

    fn new_in(root: PathBuf, home: PathBuf) -> Repo {
        let repo = Repo {
            _dir: None,
            root,
            home,
            clock: std::cell::Cell::new(1_700_000_000),
            step: std::cell::Cell::new(60),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Ada Lovelace"]);
        repo.git(&["config", "user.email", "ada@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        let date = format!("{} +0000", self.clock.get());
        c.current_dir(&self.root)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        c
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.command("git").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn try_git(&self, args: &[&str]) -> bool {
        self.command("git")
            .args(args)
            .output()
            .unwrap()
            .status
            .success()
    }

    fn write(&self, path: &str, text: &str) {
        let file = self.root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }

    fn commit(&self, message: &str) {
        self.clock.set(self.clock.get() + self.step.get());
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    fn provenance(&self, args: &[&str]) -> std::process::Output {
        self.command(&binary()).args(args).output().unwrap()
    }

    fn provenance_ok(&self, args: &[&str]) -> String {
        let out = self.provenance(args);
        assert!(
            out.status.success(),
            "provenance-ls {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// The binary under test; `PROVENANCE_LS_BIN` picks a specific build.
fn binary() -> String {
    std::env::var("PROVENANCE_LS_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_provenance-ls").to_owned())
}

/// (line, commit, original line, path, author, time) per line.
type Row = (u32, String, u32, String, String, i64);

fn git_blame(repo: &Repo, path: &str, rev: Option<&str>) -> Vec<Row> {
    let mut args = vec!["blame", "--line-porcelain"];
    args.extend(rev);
    args.extend(["--", path]);
    let out = repo.git(&args);
    let mut rows = Vec::new();
    let mut current: Option<Row> = None;
    for line in out.lines() {
        if let Some(content) = line.strip_prefix('\t') {
            let _ = content;
            rows.push(current.take().unwrap());
            continue;
        }
        let mut words = line.splitn(2, ' ');
        let key = words.next().unwrap();
        let rest = words.next().unwrap_or("");
        if key.len() == 40 && key.chars().all(|c| c.is_ascii_hexdigit()) {
            let mut n = rest.split(' ');
            let original: u32 = n.next().unwrap().parse().unwrap();
            let final_line: u32 = n.next().unwrap().parse().unwrap();
            let commit = if key.chars().all(|c| c == '0') {
                "null".to_owned()
            } else {
                key.to_owned()
            };
            current = Some((
                final_line,
                commit,
                original,
                String::new(),
                String::new(),
                0,
            ));
        } else if let Some(row) = current.as_mut() {
            match key {
                "author" => row.4 = rest.to_owned(),
                "author-time" => row.5 = rest.parse().unwrap(),
                "filename" => row.3 = rest.to_owned(),
                _ => {}
            }
        }
    }
    rows
}

fn our_blame(repo: &Repo, path: &str, rev: Option<&str>) -> Vec<Row> {
    let mut args = vec!["blame", path, "--json"];
    if let Some(rev) = rev {
        args.extend(["--rev", rev]);
    }
    repo.provenance_ok(&args)
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let commit = v["commit"].as_str().unwrap_or("null").to_owned();
            (
                v["line"].as_u64().unwrap() as u32,
                commit,
                v["originalLine"].as_u64().unwrap() as u32,
                v["path"].as_str().unwrap().to_owned(),
                v["author"].as_str().unwrap().to_owned(),
                v["time"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Compares line by line; uncommitted lines are compared on commit, line and path only.
fn assert_blame_agrees(repo: &Repo, path: &str, rev: Option<&str>) {
    let theirs = git_blame(repo, path, rev);
    let ours = our_blame(repo, path, rev);
    assert_eq!(ours.len(), theirs.len(), "line count of {path}");
    let mut differences = Vec::new();
    for (o, t) in ours.iter().zip(&theirs) {
        let same = if t.1 == "null" {
            (o.0, &o.1, o.2, &o.3) == (t.0, &t.1, t.2, &t.3)
        } else {
            o == t
        };
        if !same {
            differences.push(format!("line {}: ours {:?}\n        git  {:?}", t.0, o, t));
        }
    }
    assert!(
        differences.is_empty(),
        "{path} at {rev:?} differs from git blame:\n{}",
        differences.join("\n")
    );
}

fn git_log_l(repo: &Repo, path: &str, start: u32, end: u32) -> Vec<String> {
    repo.git(&[
        "log",
        &format!("-L{start},{end}:{path}"),
        "--format=%H",
        "--no-patch",
    ])
    .lines()
    .filter(|l| !l.is_empty())
    .map(str::to_owned)
    .collect()
}

fn our_history(repo: &Repo, path: &str, start: u32, end: u32) -> Vec<String> {
    let out = repo.provenance_ok(&[
        "history",
        path,
        "--lines",
        &format!("{start}:{end}"),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["commit"].as_str().unwrap().to_owned())
        .collect()
}

/// Per commit, the `+` and `-` lines `git log -L` prints (merges left out:
/// git prints their diff differently).
fn git_log_l_changed(repo: &Repo, path: &str, start: u32, end: u32) -> Vec<(String, u32)> {
    let out = repo.git(&[
        "log",
        &format!("-L{start},{end}:{path}"),
        "--format=commit %H %P",
    ]);
    let mut rows: Vec<(String, u32, bool)> = Vec::new();
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("commit ") {
            let words: Vec<&str> = rest.split(' ').collect();
            rows.push((words[0].to_owned(), 0, words.len() > 2));
        } else if (line.starts_with('+') && !line.starts_with("+++"))
            || (line.starts_with('-') && !line.starts_with("---"))
        {
            rows.last_mut().unwrap().1 += 1;
        }
    }
    rows.into_iter()
        .filter(|r| !r.2)
        .map(|r| (r.0, r.1))
        .collect()
}

fn our_changed(repo: &Repo, path: &str, start: u32, end: u32) -> Vec<(String, u32)> {
    let out = repo.provenance_ok(&[
        "history",
        path,
        "--lines",
        &format!("{start}:{end}"),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["commit"].as_str().unwrap().to_owned(),
                c["linesChanged"].as_u64().unwrap() as u32,
            )
        })
        .collect()
}

fn assert_history_agrees(repo: &Repo, path: &str, start: u32, end: u32) {
    let theirs = git_log_l_changed(repo, path, start, end);
    let ours: Vec<(String, u32)> = our_changed(repo, path, start, end)
        .into_iter()
        .filter(|(c, _)| theirs.iter().any(|(t, _)| t == c))
        .collect();
    assert_eq!(ours, theirs, "linesChanged for -L{start},{end}:{path}");
    assert_eq!(
        our_history(repo, path, start, end),
        git_log_l(repo, path, start, end),
        "-L{start},{end}:{path}"
    );
}

fn numbered(range: std::ops::Range<u32>) -> String {
    range.map(|i| format!("line {i}\n")).collect()
}

#[test]
fn blame_linear_history_agrees_with_git() {
    let repo = Repo::new();
    repo.write("src/a.txt", &numbered(0..10));
    repo.commit("first");
    repo.write(
        "src/a.txt",
        &(numbered(0..3) + "changed\n" + &numbered(4..10) + "appended\n"),
    );
    repo.commit("second");
    repo.write(
        "src/a.txt",
        &("top\n".to_owned() + &numbered(0..3) + "changed\n" + &numbered(6..10)),
    );
    repo.commit("third");
    assert_blame_agrees(&repo, "src/a.txt", None);
    assert_blame_agrees(&repo, "src/a.txt", Some("HEAD~1"));
    assert_history_agrees(&repo, "src/a.txt", 2, 5);
}

#[test]
fn blame_follows_a_whole_file_rename() {
    let repo = Repo::new();
    repo.write("old.rs", &numbered(0..20));
    repo.commit("add");
    repo.write(
        "old.rs",
        &(numbered(0..5) + "edited before the move\n" + &numbered(6..20)),
    );
    repo.commit("edit");
    repo.git(&["mv", "old.rs", "new.rs"]);
    repo.commit("move");
    repo.write(
        "new.rs",
        &(numbered(0..5) + "edited before the move\n" + &numbered(6..15) + "after\n"),
    );
    repo.commit("edit after the move");
    assert_blame_agrees(&repo, "new.rs", None);
    assert_history_agrees(&repo, "new.rs", 4, 8);
    // Moved and edited in the same commit.
    repo.git(&["mv", "new.rs", "newer.rs"]);
    repo.write("newer.rs", &(repo.read("newer.rs") + "one more\n"));
    repo.commit("move and edit");
    assert_blame_agrees(&repo, "newer.rs", None);
    assert_history_agrees(&repo, "newer.rs", 1, 17);
}

#[test]
fn blame_through_a_merge_with_changes_on_both_sides() {
    merge_with_changes_on_both_sides(60);
}

/// Scripted histories often commit within one second; git's walk order then
/// falls back to queue order, which must not change any answer.
#[test]
fn blame_through_a_merge_committed_in_one_second() {
    merge_with_changes_on_both_sides(0);
}

fn merge_with_changes_on_both_sides(step: i64) {
    let repo = Repo::new();
    repo.step.set(step);
    repo.write("f.txt", &numbered(0..30));
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    let side = repo.read("f.txt").replace("line 3\n", "side three\n");
    repo.write("f.txt", &side);
    repo.commit("side edit");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "f.txt",
        &repo
            .read("f.txt")
            .replace("line 25\n", "main twenty-five\nmain extra\n"),
    );
    repo.commit("main edit");
    repo.clock.set(repo.clock.get() + repo.step.get());
    repo.git(&["merge", "-q", "--no-edit", "side"]);
    repo.write(
        "f.txt",
        &repo.read("f.txt").replace("line 10\n", "after merge\n"),
    );
    repo.commit("after merge");
    assert_blame_agrees(&repo, "f.txt", None);
    assert_blame_agrees(&repo, "f.txt", Some("HEAD~1"));
    for (a, b) in [(1, 5), (3, 4), (20, 28), (1, 31)] {
        assert_history_agrees(&repo, "f.txt", a, b);
    }
}

#[test]
fn blame_places_sliders_like_git() {
    let repo = Repo::new();
    let f = |name: &str, body: &str| format!("fn {name}() {{\n    {body}\n}}\n\n");
    repo.write("lib.rs", &(f("a", "one();") + &f("c", "three();")));
    repo.commit("two functions");
    repo.write(
        "lib.rs",
        &(f("a", "one();") + &f("b", "two();") + &f("c", "three();")),
    );
    repo.commit("insert between");
    let nested = "impl X {\n    fn a() {\n        if x {\n            y();\n        }\n    }\n}\n";
    repo.write("nested.rs", nested);
    repo.commit("nested");
    repo.write(
        "nested.rs",
        &nested.replace(
            "        }\n    }\n",
            "        }\n        if z {\n            w();\n        }\n    }\n",
        ),
    );
    repo.commit("another if");
    repo.write(
        "lib.rs",
        &(f("a", "one();") + &f("b", "two();") + &f("b2", "two();") + &f("c", "three();")),
    );
    repo.commit("duplicate body");
    assert_blame_agrees(&repo, "lib.rs", None);
    assert_blame_agrees(&repo, "nested.rs", None);
}

#[test]
fn blame_of_an_uncommitted_edit() {
    let repo = Repo::new();
    repo.write("f.txt", &numbered(0..8));
    repo.commit("base");
    repo.write(
        "f.txt",
        &(numbered(0..2) + "typed\n" + &numbered(3..8) + "more\n"),
    );
    assert_blame_agrees(&repo, "f.txt", None);
    let ours = our_blame(&repo, "f.txt", None);
    assert_eq!(ours[2].1, "null");
    // Not UTF-8: still compared byte for byte with the committed version.
    std::fs::write(repo.root.join("latin1.txt"), b"caf\xe9\nna\xefve\n").unwrap();
    repo.commit("latin-1");
    std::fs::write(repo.root.join("latin1.txt"), b"caf\xe9\nna\xefve\nplus\n").unwrap();
    assert_blame_agrees(&repo, "latin1.txt", None);
    // A file git doesn't know yet: every line uncommitted.
    repo.write("new.txt", "a\nb\n");
    let ours = our_blame(&repo, "new.txt", None);
    assert!(ours.iter().all(|r| r.1 == "null"));
}

#[test]
fn errors_are_clear_and_exit_1() {
    let repo = Repo::new();
    repo.write("bin.dat", "a\0b");
    repo.write("f.txt", "x\n");
    let unborn = repo.provenance(&["blame", "f.txt", "--rev", "HEAD"]);
    assert_eq!(unborn.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unborn.stderr).contains("no commits yet"));
    // Before the first commit a buffer is all uncommitted.
    assert!(our_blame(&repo, "f.txt", None)
        .iter()
        .all(|r| r.1 == "null"));
    repo.commit("c");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.txt"), "x\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["blame".into(), "bin.dat".into()], "binary"),
        (
            vec![
                "blame".into(),
                outside.path().join("x.txt").display().to_string(),
            ],
            "not inside a git repository",
        ),
        (vec!["blame".into(), "missing.txt".into()], "does not exist"),
        (
            vec![
                "blame".into(),
                "f.txt".into(),
                "--rev".into(),
                "nope".into(),
            ],
            "unknown revision",
        ),
        (
            vec![
                "history".into(),
                "f.txt".into(),
                "--lines".into(),
                "2:3".into(),
            ],
            "not within",
        ),
    ];
    for (args, message) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = repo.provenance(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn detached_head_and_submodules() {
    let repo = Repo::new();
    repo.write("f.txt", &numbered(0..6));
    repo.commit("one");
    repo.write("f.txt", &(numbered(0..6) + "two\n"));
    repo.commit("two");
    repo.git(&["checkout", "-q", "--detach", "HEAD~1"]);
    assert_blame_agrees(&repo, "f.txt", None);
    repo.write("f.txt", &(numbered(0..3) + "edit\n" + &numbered(3..6)));
    assert_blame_agrees(&repo, "f.txt", None);
    // A gitlink: blaming it is a typed error, not a crash.
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{},sub", head.trim()),
    ]);
    repo.git(&["commit", "-q", "-m", "submodule"]);
    let out = repo.provenance(&["blame", "sub", "--rev", "HEAD"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("submodule"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn shallow_clone_blames_the_boundary_like_git() {
    let origin = Repo::new();
    origin.write("f.txt", &numbered(0..10));
    origin.commit("one");
    for i in 0..4 {
        origin.write(
            "f.txt",
            &origin
                .read("f.txt")
                .replace(&format!("line {i}\n"), &format!("edit {i}\n")),
        );
        origin.commit("edit");
    }
    let clone = Repo::new();
    std::fs::remove_dir_all(&clone.root).unwrap();
    let url = format!("file://{}", origin.root.display());
    let ok = clone
        .command("git")
        .current_dir(clone.root.parent().unwrap())
        .args(["clone", "-q", "--depth", "2", &url, "repo"])
        .status()
        .unwrap();
    assert!(ok.success());
    assert_blame_agrees(&clone, "f.txt", None);
}

/// A repository whose config and attributes point every hook, filter,
/// textconv, external diff, fsmonitor and credential helper at a script
/// leaving a marker; blame and history must not run any of them.
#[test]
fn never_runs_what_the_repository_configures() {
    let repo = Repo::new();
    let marker = repo.home.join("marker");
    let script = repo.home.join("evil.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\ncat\n", marker.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    repo.write(".gitattributes", "* filter=evil diff=evil\n");
    repo.write("f.txt", &numbered(0..5));
    repo.commit("one");
    repo.git(&["mv", "f.txt", "g.txt"]);
    repo.write("g.txt", &(numbered(0..5) + "two\n"));
    repo.commit("two");
    let hooks = repo.home.join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    for hook in [
        "post-checkout",
        "pre-commit",
        "post-index-change",
        "reference-transaction",
        "pre-auto-gc",
    ] {
        std::fs::copy(&script, hooks.join(hook)).unwrap();
        std::fs::copy(&script, repo.root.join(".git/hooks").join(hook)).unwrap();
    }
    let s = script.display().to_string();
    for (key, value) in [
        ("core.hooksPath", hooks.display().to_string()),
        ("core.fsmonitor", s.clone()),
        ("filter.evil.clean", s.clone()),
        ("filter.evil.smudge", s.clone()),
        ("filter.evil.process", s.clone()),
        ("filter.evil.required", "true".into()),
        ("diff.evil.textconv", s.clone()),
        ("diff.evil.command", s.clone()),
        ("diff.external", s.clone()),
        ("credential.helper", s.clone()),
        ("core.sshCommand", s.clone()),
        ("core.pager", s.clone()),
        ("core.editor", s.clone()),
        ("gpg.program", s.clone()),
        ("remote.origin.url", "https://example.invalid/x.git".into()),
    ] {
        repo.git(&["config", key, &value]);
    }
    // The working tree differs from HEAD, so blame reads the file on disk too.
    repo.write("g.txt", &(numbered(0..5) + "two\nthree\n"));
    assert!(!marker.exists(), "the test's own setup ran the script");
    let out = repo.provenance_ok(&["blame", "g.txt", "--json"]);
    assert_eq!(out.lines().count(), 7);
    repo.provenance_ok(&["blame", "g.txt", "--rev", "HEAD"]);
    repo.provenance_ok(&["history", "g.txt", "--lines", "1:3", "--json"]);
    // Attribution (notes, trace files), blocks and the report open it too.
    repo.provenance_ok(&["blocks", "g.txt", "--json"]);
    repo.provenance_ok(&["report", "--json"]);
    assert!(
        !marker.exists(),
        "provenance-ls ran a command the repository configured"
    );
}

/// A small seeded generator (xorshift) so the random history is the same on every run.
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

const MIDDLE: [&str; 3] = [
    "// ---- middle 1 ----",
    "// ---- middle 2 ----",
    "// ---- middle 3 ----",
];

/// One random edit within `lines[lo..hi]`: insert a function, a brace or a
/// blank line, delete, change or duplicate lines.
fn random_edit(rng: &mut Rng, lines: &mut Vec<String>, lo: usize, hi: usize, serial: &mut u32) {
    *serial += 1;
    let at = lo + rng.below(hi - lo + 1);
    match rng.below(7) {
        0 | 1 => {
            let name = format!("f{serial}");
            let body = ["    return 0;", "    x += 1;", "    }", "    if (x) {", ""][rng.below(5)];
            let block = [
                format!("int {name}() {{"),
                body.to_owned(),
                "}".to_owned(),
                String::new(),
            ];
            for (k, l) in block.into_iter().enumerate() {
                lines.insert(at + k, l);
            }
        }
        2 => lines.insert(at, ["}", "", "{", "    }", "x"][rng.below(5)].to_owned()),
        3 if hi > lo => {
            let n = 1 + rng.below(3).min(hi - at.min(hi));
            let at = at.min(hi - 1);
            for _ in 0..n.min(hi - at) {
                lines.remove(at);
            }
        }
        4 if hi > lo => {
            let at = at.min(hi - 1);
            lines[at] = format!("changed {serial}");
        }
        5 if hi > lo + 2 => {
            let from = lo + rng.below(hi - lo - 2);
            let copy: Vec<String> = lines[from..from + 3].to_vec();
            for (k, l) in copy.into_iter().enumerate() {
                lines.insert(at + k, l);
            }
        }
        _ => lines.insert(at, format!("text {serial}")),
    }
}

fn region(lines: &[String], top: bool) -> (usize, usize) {
    let first = lines.iter().position(|l| l == MIDDLE[0]).unwrap();
    let last = lines.iter().position(|l| l == MIDDLE[2]).unwrap();
    if top {
        (0, first)
    } else {
        (last + 1, lines.len())
    }
}

fn write_lines(repo: &Repo, path: &str, lines: &[String]) {
    repo.write(path, &(lines.join("\n") + "\n"));
}

fn read_lines(repo: &Repo, path: &str) -> Vec<String> {
    repo.read(path).lines().map(str::to_owned).collect()
}

const DEFAULT_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

#[test]
fn random_history_with_merges_agrees_with_git() {
    let repo = Repo::new();
    let seed = std::env::var("PROVENANCE_HISTORY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut rng = Rng(seed);
    let mut serial = 0;
    let mut path = "gen/file.c".to_owned();
    let mut lines: Vec<String> = (0..30).map(|i| format!("seed {i}")).collect();
    lines.splice(15..15, MIDDLE.iter().map(|s| s.to_string()));
    write_lines(&repo, &path, &lines);
    repo.commit("seed");
    let mut commits = 1;
    let mut merges = 0;
    let mut renames = 0;
    while commits < 100 {
        if rng.below(8) == 0 {
            // A side branch edits the top while main edits the bottom, then they merge.
            repo.git(&["checkout", "-q", "-b", "side"]);
            for _ in 0..1 + rng.below(3) {
                let mut l = read_lines(&repo, &path);
                let (lo, hi) = region(&l, true);
                random_edit(&mut rng, &mut l, lo, hi, &mut serial);
                write_lines(&repo, &path, &l);
                repo.commit("side");
                commits += 1;
            }
            repo.git(&["checkout", "-q", "main"]);
            for _ in 0..rng.below(3) {
                let mut l = read_lines(&repo, &path);
                let (lo, hi) = region(&l, false);
                random_edit(&mut rng, &mut l, lo, hi, &mut serial);
                write_lines(&repo, &path, &l);
                repo.commit("main");
                commits += 1;
            }
            repo.clock.set(repo.clock.get() + 60);
            if repo.try_git(&["merge", "-q", "--no-edit", "side"]) {
                merges += 1;
                commits += 1;
            } else {
                repo.git(&["merge", "--abort"]);
            }
            repo.git(&["branch", "-q", "-D", "side"]);
            continue;
        }
        if rng.below(25) == 0 {
            let new_path = format!("gen/renamed{commits}.c");
            repo.git(&["mv", &path, &new_path]);
            path = new_path;
            renames += 1;
            if rng.below(2) == 0 {
                repo.commit("rename");
                commits += 1;
                continue;
            }
        }
        let mut l = read_lines(&repo, &path);
        let top = rng.below(2) == 0;
        for _ in 0..1 + rng.below(3) {
            let (lo, hi) = region(&l, top);
            random_edit(&mut rng, &mut l, lo, hi, &mut serial);
        }
        write_lines(&repo, &path, &l);
        repo.commit("edit");
        commits += 1;
    }
    assert!(merges >= 3, "the generator made only {merges} merges");
    assert!(
        renames >= 1 || seed != DEFAULT_SEED,
        "the generator made no rename"
    );
    assert_blame_agrees(&repo, &path, None);
    for back in [1, 5, 17, 40] {
        let rev = format!("HEAD~{back}");
        if repo.try_git(&["cat-file", "-e", &format!("{rev}:{path}")]) {
            assert_blame_agrees(&repo, &path, Some(&rev));
        }
    }
    let total = read_lines(&repo, &path).len() as u32;
    for (a, b) in [
        (1, 3),
        (2, 10),
        (total / 2, total / 2 + 4),
        (total - 5, total),
        (1, total),
    ] {
        assert_history_agrees(&repo, &path, a.max(1), b);
    }
    // Same answers when parents, trees and dates come from a commit-graph file.
    repo.git(&["commit-graph", "write", "--reachable"]);
    assert_blame_agrees(&repo, &path, None);
    assert_history_agrees(&repo, &path, 2, 10);
}

#[test]
fn second_blame_is_served_from_the_cache() {
    let repo = Repo::new();
    repo.write("f.txt", &numbered(0..50));
    repo.commit("one");
    repo.write("f.txt", &numbered(0..60));
    repo.commit("two");
    let cache = repo.home.join("cache");
    let run = || {
        let out = repo
            .command(&binary())
            .env("PROVENANCE_LS_CACHE_DIR", &cache)
            .args(["blame", "f.txt", "--rev", "HEAD", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let cold = run();
    assert!(
        cache.join("blame").exists(),
        "nothing was written to the cache"
    );
    assert_eq!(run(), cold);
    // After one more commit the cached blame of the parent answers the unchanged lines.
    repo.write("f.txt", &(numbered(0..60) + "three\n"));
    repo.commit("three");
    let ours = {
        let out = repo
            .command(&binary())
            .env("PROVENANCE_LS_CACHE_DIR", &cache)
            .args(["blame", "f.txt", "--rev", "HEAD", "--json"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(ours.lines().count(), 61);
    assert_blame_agrees(&repo, "f.txt", Some("HEAD"));
}

/// Lines `start..=end` (1-based) of a hover's title, and the short commits it lists.
fn hover_history(hover: &serde_json::Value) -> (String, Vec<String>) {
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    let title = text.lines().next().unwrap_or_default().to_string();
    let commits = text
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .map(|l| l.split('`').next().unwrap().to_string())
        .collect();
    (title, commits)
}

/// The first commits `git log -L` lists for lines `start..=end` (1-based), shortened as hover shows them.
fn git_log_l_short(repo: &Repo, path: &str, start: u32, end: u32, limit: usize) -> Vec<String> {
    git_log_l(repo, path, start, end)
        .into_iter()
        .take(limit)
        .map(|c| c[..7].to_string())
        .collect()
}

/// Indexing an open file walks its history once for the blocks and for
/// every run of lines outside them (header, includes, globals, comments):
/// each hover, in a block or not, lists what `git log -L` lists for the
/// range it names — through edits, a rename and a merge — and none reads
/// history on its own.
#[test]
fn hovers_outside_blocks_come_from_the_indexing_walk_and_agree_with_git_log_l() {
    use crate::support::lsp::{file_uri, Client};
    use serde_json::json;

    let repo = Repo::new();
    // [header, include, counter, between, add's body, limit, tail]
    let render = |p: &[&str; 7]| {
        format!(
            "/* {} */\n#include <stdio.h>\n{}\n{}\n\nint add(int a, int b)\n{{\n\treturn {};\n}}\n\n\
             /* {} */\n{}\n\nint sub(int a, int b)\n{{\n\treturn a - b;\n}}\n{}",
            p[0], p[1], p[2], p[4], p[3], p[5], p[6]
        )
    };
    let mut s = [
        "header",
        "",
        "static int counter;",
        "between",
        "a + b",
        "static int limit = 3;",
        "",
    ];
    repo.write("a.c", &render(&s));
    repo.commit("start");
    s[0] = "header, now longer";
    s[1] = "#include <string.h>";
    repo.write("a.c", &render(&s));
    repo.commit("header and include");
    s[4] = "b + a";
    repo.write("a.c", &render(&s));
    repo.commit("add the other way round");
    repo.git(&["mv", "a.c", "b.c"]);
    s[5] = "static int limit = 4;";
    repo.write("b.c", &render(&s));
    repo.commit("rename, raise the limit");
    repo.git(&["checkout", "-q", "-b", "side"]);
    let mut side = s;
    side[2] = "static int counter = 1;";
    repo.write("b.c", &render(&side));
    repo.commit("side: start counting at one");
    repo.git(&["checkout", "-q", "main"]);
    s[3] = "between the two";
    repo.write("b.c", &render(&s));
    repo.commit("main: say between what");
    repo.git(&["merge", "-q", "--no-edit", "side"]);
    s[2] = side[2];
    s[6] = "/* the end */\n";
    repo.write("b.c", &render(&s));
    repo.commit("a comment at the end");
    assert_eq!(
        repo.read("b.c"),
        render(&s),
        "the merge took the side's counter"
    );

    let mut client = Client::spawn(&repo.root, &repo.home);
    client.initialize(&repo.root, json!({}));
    let uri = file_uri(&repo.root.join("b.c"));
    let text = repo.read("b.c");
    let lines = text.lines().count() as u32;
    client.open(&uri, "c", 1, &text);
    let blocks = client.request("provenance/blocks", json!({"textDocument": {"uri": uri}}));
    let blocks: Vec<(u32, u32)> = blocks
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let line = |end: &str| b["range"][end]["line"].as_u64().unwrap() as u32;
            (line("start"), line("end") - 1)
        })
        .collect();
    assert!(blocks.len() >= 2, "add and sub are blocks: {blocks:?}");
    let inside = |line: u32| blocks.iter().any(|&(s, e)| s <= line && line <= e);
    let mut outside_with_history = 0;
    for line in 0..lines {
        let (title, commits) = hover_history(&client.hover(&uri, line, 0));
        let (start, end) = if inside(line) {
            *blocks
                .iter()
                .filter(|&&(s, e)| s <= line && line <= e)
                .min_by_key(|&&(s, e)| e - s)
                .unwrap()
        } else {
            // The maximal run of lines outside every block holding this one.
            let start = (0..=line).rev().take_while(|&l| !inside(l)).last().unwrap();
            let end = (line..lines).take_while(|&l| !inside(l)).last().unwrap();
            let named = if start == end {
                format!("line {}", line + 1)
            } else {
                format!("lines {}–{}", start + 1, end + 1)
            };
            assert!(
                title.contains(&named),
                "line {line}: {title} (expected {named})"
            );
            if commits.len() > 1 {
                outside_with_history += 1;
            }
            (start, end)
        };
        assert_eq!(
            commits,
            git_log_l_short(&repo, "b.c", start + 1, end + 1, 5),
            "hover at line {line} (lines {}–{}): {title}",
            start + 1,
            end + 1
        );
    }
    assert!(
        outside_with_history > 0,
        "some run outside blocks changed more than once"
    );
    let log = client.log();
    assert!(
        !log.contains("hover reads history on its own"),
        "a hover walked history by itself:\n{log}"
    );
    client.shutdown();
}

/// A range history walked once is read back from the disk cache (what a
/// restarted server reopening a file does), and still agrees with `git log -L`.
#[test]
fn range_history_is_served_from_the_disk_cache() {
    let repo = Repo::new();
    repo.write("f.txt", &numbered(0..30));
    repo.commit("one");
    repo.write(
        "f.txt",
        &numbered(0..30).replace("line 12\n", "line twelve\n"),
    );
    repo.commit("two");
    let cache = repo.home.join("cache");
    let run = || {
        let out = repo
            .command(&binary())
            .env("PROVENANCE_LS_CACHE_DIR", &cache)
            .args(["history", "f.txt", "--lines", "10:15", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["commit"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let cold = run();
    assert_eq!(cold, git_log_l(&repo, "f.txt", 10, 15));
    assert_eq!(cold.len(), 2);
    let files: Vec<_> = walk_files(&cache.join("ranges"));
    assert_eq!(files.len(), 1, "one record for the walk: {files:?}");
    assert_eq!(run(), cold, "read back the same");
    // The record is what answers: without its newest commit, so is the answer.
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    // Entries are (the ranges walked from, their changes).
    record["entries"][0][1].as_array_mut().unwrap().remove(0);
    std::fs::write(&files[0], serde_json::to_vec(&record).unwrap()).unwrap();
    assert_eq!(run(), cold[1..].to_vec());
}

fn walk_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}
