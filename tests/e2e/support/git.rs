//! A real git repository made by a test with the git CLI, isolated from the
//! user's configuration (HOME points into the temp dir) and with fixed dates.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Repo {
    pub dir: tempfile::TempDir,
    /// Seconds since the epoch used for the next commit; advanced by `commit`.
    pub clock: i64,
}

impl Repo {
    /// An empty repository on branch `main`.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        let repo = Repo {
            dir,
            clock: 1_700_000_000,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Ada Human"]);
        repo.git(&["config", "user.email", "ada@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// The work tree.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.file(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap()
    }

    /// Runs git in the work tree; panics with git's stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn git_output(&self, args: &[&str]) -> Output {
        let date = format!("@{} +0000", self.clock);
        Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs")
    }

    /// Stages everything and commits with `message`; returns the commit id.
    pub fn commit(&mut self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.clock += 3600;
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Commits as another author.
    pub fn commit_as(&mut self, name: &str, email: &str, message: &str) -> String {
        self.git(&["add", "-A"]);
        let author = format!("{name} <{email}>");
        self.git(&[
            "commit",
            "-q",
            "--allow-empty",
            "--author",
            &author,
            "-m",
            message,
        ]);
        self.clock += 3600;
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// The `.git` directory.
    pub fn git_dir(&self) -> PathBuf {
        self.path().join(".git")
    }
}

/// Runs the binary under test in `dir` with `args`, isolated like the repo.
pub fn run_binary(dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(super::binary())
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs")
}
