//! Which files the report counts: source code, by default. Files git is
//! told are generated, vendored or binary (`.gitattributes` as of HEAD),
//! well-known lock files, minified files, data files (JSON Lines, CSV, TSV,
//! large JSON, snapshots) and files that tools rewrite wholesale (most of
//! their versions replace most of their lines) are left out, each with the
//! reason shown in the report. `--include` keeps files a default rule would
//! leave out, `--exclude` leaves out more, `--all-files` turns the default
//! rules off (docs/report.md, "Which files count").
//!
//! Plain decisions on paths, attribute values and sizes: never reads git
//! (`walk` hands it what `.gitattributes` says), never changes its answer
//! for a path within one walk.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// Why a file is left out of the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[repr(u8)]
pub enum LeftOutReason {
    /// `linguist-generated` in `.gitattributes`.
    Generated = 0,
    /// `linguist-vendored`, or under `vendor/`, `node_modules/`, `third_party/`.
    Vendored = 1,
    /// `binary` or `-diff` in `.gitattributes`.
    Binary = 2,
    LockFile = 3,
    Minified = 4,
    /// JSON Lines, CSV, TSV, JSON over `LARGE_JSON_BYTES` at HEAD, snapshots.
    Data = 5,
    /// Most of the file's versions replaced most of its lines.
    RewrittenWholesale = 6,
    /// Matched an `--exclude` pattern.
    Excluded = 7,
}

impl LeftOutReason {
    pub const ALL: [LeftOutReason; 8] = [
        LeftOutReason::Generated,
        LeftOutReason::Vendored,
        LeftOutReason::Binary,
        LeftOutReason::LockFile,
        LeftOutReason::Minified,
        LeftOutReason::Data,
        LeftOutReason::RewrittenWholesale,
        LeftOutReason::Excluded,
    ];

    /// In words, for the summary and the page.
    pub fn why(self) -> &'static str {
        match self {
            LeftOutReason::Generated => "generated (linguist-generated)",
            LeftOutReason::Vendored => "vendored",
            LeftOutReason::Binary => "binary (-diff in .gitattributes)",
            LeftOutReason::LockFile => "lock file",
            LeftOutReason::Minified => "minified",
            LeftOutReason::Data => "data file (JSON Lines, CSV, large JSON, snapshot)",
            LeftOutReason::RewrittenWholesale => "rewritten wholesale by a tool",
            LeftOutReason::Excluded => "--exclude",
        }
    }

    pub fn from_u8(v: u8) -> Option<LeftOutReason> {
        LeftOutReason::ALL.get(usize::from(v)).copied()
    }
}

/// A JSON file bigger than this at HEAD is data, not code.
pub const LARGE_JSON_BYTES: u64 = 100 * 1024;

/// What `.gitattributes` says of a path: `Some(false)` when it says
/// `-linguist-generated` (or `=false`), which keeps the file in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attributes {
    pub generated: Option<bool>,
    pub vendored: Option<bool>,
    pub binary: bool,
}

/// The rules the user chose; part of the cache key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRules {
    pub all_files: bool,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl FileRules {
    /// The reason `path` is left out before looking at its history (None: counted).
    pub fn decide(
        &self,
        path: &str,
        attrs: Attributes,
        size_at_head: Option<u64>,
    ) -> Option<LeftOutReason> {
        if self.exclude.iter().any(|p| matches(p, path)) {
            return Some(LeftOutReason::Excluded);
        }
        if self.keeps(path) {
            return None;
        }
        default_reason(path, attrs, size_at_head)
    }

    /// Whether no default rule applies to `path` (`--all-files`, `--include`).
    pub fn keeps(&self, path: &str) -> bool {
        self.all_files || self.include.iter().any(|p| matches(p, path))
    }

    /// A canonical text of the rules, for the cache key.
    pub fn key(&self) -> String {
        format!(
            "all={};include={};exclude={}",
            self.all_files,
            self.include.join("\u{1f}"),
            self.exclude.join("\u{1f}")
        )
    }
}

/// The default rules (docs/report.md): attributes first, then names.
pub fn default_reason(
    path: &str,
    attrs: Attributes,
    size_at_head: Option<u64>,
) -> Option<LeftOutReason> {
    if attrs.generated == Some(true) {
        return Some(LeftOutReason::Generated);
    }
    let under = |dir: &str| path.split('/').rev().skip(1).any(|c| c == dir);
    if attrs.vendored == Some(true)
        || (attrs.vendored.is_none()
            && (under("vendor") || under("node_modules") || under("third_party")))
    {
        return Some(LeftOutReason::Vendored);
    }
    if attrs.binary {
        return Some(LeftOutReason::Binary);
    }
    if attrs.generated == Some(false) {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if is_lock_file(&name) {
        return Some(LeftOutReason::LockFile);
    }
    if [".min.js", ".min.css", ".min.mjs", "-min.js", ".bundle.js"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        return Some(LeftOutReason::Minified);
    }
    // `issues.jsonl`, and its copies (`deletions.jsonl.migrated`, `x.csv.bak`).
    let data_ext = [".jsonl", ".ndjson", ".csv", ".tsv"];
    if data_ext
        .iter()
        .any(|e| name.ends_with(e) || name.contains(&format!("{e}.")))
        || name.ends_with(".snap")
        || name.ends_with(".snapshot")
        || path.split('/').any(|c| c == "__snapshots__")
    {
        return Some(LeftOutReason::Data);
    }
    if name.ends_with(".json") && size_at_head.is_some_and(|s| s > LARGE_JSON_BYTES) {
        return Some(LeftOutReason::Data);
    }
    None
}

fn is_lock_file(name: &str) -> bool {
    name.ends_with(".lock")
        || name.ends_with(".lockb")
        || name.ends_with("-lock.json")
        || name.ends_with("-lock.yaml")
        || matches!(
            name,
            "package-lock.json"
                | "npm-shrinkwrap.json"
                | "pnpm-lock.yaml"
                | "go.sum"
                | "gradle.lockfile"
                | "packages.lock.json"
                | "flake.lock"
        )
}

/// A pathspec as git reads one by default: a path or folder prefix
/// (`cmd/`, `cmd/bd`), or a glob where `*` also crosses `/` (`*.go`).
pub fn matches(pattern: &str, path: &str) -> bool {
    let p = pattern.trim_start_matches("./");
    let dir = p.trim_end_matches('/');
    if dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/")) {
        return true;
    }
    p.contains(['*', '?', '['])
        && gix::glob::wildmatch(p.into(), path.into(), gix::glob::wildmatch::Mode::empty())
}

/// How a file's versions changed, for the wholesale rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    /// Modifications with lines before and after.
    pub changed: u32,
    /// Of those, the ones that replaced most lines (more than half of the
    /// old lines ended and more than half of the new ones were written).
    pub rewrites: u32,
}

impl Versions {
    pub fn record(&mut self, old_lines: usize, new_lines: usize, ended: u64, added: u64) {
        if old_lines == 0 || new_lines == 0 {
            return;
        }
        self.changed += 1;
        if ended * 2 > old_lines as u64 && added * 2 > new_lines as u64 {
            self.rewrites += 1;
        }
    }

    /// Three changes at least, most of them rewrites.
    pub fn wholesale(&self) -> bool {
        self.changed >= 3 && self.rewrites * 2 > self.changed
    }
}

/// One walk's decisions: the rules, what HEAD says of its files, and the
/// files found rewritten wholesale by an earlier walk. Memoised per path.
pub struct FileFilter {
    pub rules: FileRules,
    at_head: HashMap<String, Option<LeftOutReason>>,
    pub wholesale: HashSet<String>,
    memo: HashMap<String, Option<LeftOutReason>>,
}

impl FileFilter {
    /// `at_head`: the decision for every file at HEAD (attributes and size known).
    pub fn new(
        rules: FileRules,
        at_head: HashMap<String, Option<LeftOutReason>>,
        wholesale: HashSet<String>,
    ) -> FileFilter {
        FileFilter {
            rules,
            at_head,
            wholesale,
            memo: HashMap::new(),
        }
    }

    /// Why `path` is left out, `attrs` read only for paths not at HEAD.
    pub fn left_out(
        &mut self,
        path: &str,
        attrs: impl FnOnce() -> Attributes,
    ) -> Option<LeftOutReason> {
        if let Some(r) = self.memo.get(path) {
            return *r;
        }
        let r = match self.at_head.get(path) {
            Some(r) => *r,
            None => self.rules.decide(path, attrs(), None),
        }
        .or_else(|| {
            (self.wholesale.contains(path) && !self.rules.keeps(path))
                .then_some(LeftOutReason::RewrittenWholesale)
        });
        self.memo.insert(path.to_string(), r);
        r
    }

    /// The files a walk found rewritten wholesale (that no other rule left out).
    pub fn wholesale_of(&mut self, versions: &BTreeMap<String, Versions>) -> HashSet<String> {
        versions
            .iter()
            .filter(|(path, v)| {
                v.wholesale()
                    && !self.rules.keeps(path)
                    && !matches!(
                        self.memo.get(path.as_str()).copied().flatten(),
                        Some(r) if r != LeftOutReason::RewrittenWholesale
                    )
            })
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// Whether a file is source code a person maintains, for hotspots: not
/// prose, configuration or markup.
pub fn is_code(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if matches!(
        name.as_str(),
        "makefile" | "dockerfile" | "justfile" | "rakefile" | "gemfile"
    ) {
        return true;
    }
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    const CODE: &[&str] = &[
        "rs", "go", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "m", "mm", "java", "kt", "kts",
        "scala", "cs", "fs", "py", "pyi", "rb", "php", "pl", "pm", "js", "mjs", "cjs", "jsx", "ts",
        "tsx", "vue", "svelte", "swift", "dart", "lua", "sh", "bash", "zsh", "fish", "ps1", "ex",
        "exs", "erl", "hrl", "hs", "ml", "mli", "clj", "cljs", "elm", "r", "jl", "zig", "nim", "v",
        "sql", "proto", "nix", "el", "vim", "tf", "groovy", "gradle", "cmake", "asm", "s", "f90",
        "d", "cr", "sol",
    ];
    CODE.contains(&ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_leave_out_what_no_one_writes_by_hand() {
        let none = Attributes::default();
        let table: [(&str, Attributes, Option<u64>, Option<LeftOutReason>); 14] = [
            ("cmd/bd/main.go", none, Some(900), None),
            (
                "website/package-lock.json",
                none,
                Some(9),
                Some(LeftOutReason::LockFile),
            ),
            ("Cargo.lock", none, None, Some(LeftOutReason::LockFile)),
            ("go.sum", none, None, Some(LeftOutReason::LockFile)),
            (".beads/issues.jsonl", none, None, Some(LeftOutReason::Data)),
            (
                ".beads/deletions.jsonl.migrated",
                none,
                None,
                Some(LeftOutReason::Data),
            ),
            ("data/x.csv", none, None, Some(LeftOutReason::Data)),
            (
                "src/__snapshots__/a.ts.snap",
                none,
                None,
                Some(LeftOutReason::Data),
            ),
            (
                "big.json",
                none,
                Some(LARGE_JSON_BYTES + 1),
                Some(LeftOutReason::Data),
            ),
            ("package.json", none, Some(800), None),
            ("dist/app.min.js", none, None, Some(LeftOutReason::Minified)),
            (
                "vendor/github.com/x/y.go",
                none,
                None,
                Some(LeftOutReason::Vendored),
            ),
            (
                "gen/api.go",
                Attributes {
                    generated: Some(true),
                    ..none
                },
                None,
                Some(LeftOutReason::Generated),
            ),
            (
                "assets/blob.dat",
                Attributes {
                    binary: true,
                    ..none
                },
                None,
                Some(LeftOutReason::Binary),
            ),
        ];
        for (path, attrs, size, expected) in table {
            assert_eq!(default_reason(path, attrs, size), expected, "{path}");
        }
    }

    #[test]
    fn include_exclude_and_all_files_change_the_rules() {
        let rules = FileRules {
            all_files: false,
            include: vec![".beads/".into()],
            exclude: vec!["*.md".into(), "docs".into()],
        };
        let none = Attributes::default();
        assert_eq!(rules.decide(".beads/issues.jsonl", none, None), None);
        assert_eq!(
            rules.decide("README.md", none, None),
            Some(LeftOutReason::Excluded)
        );
        assert_eq!(
            rules.decide("docs/a/b.go", none, None),
            Some(LeftOutReason::Excluded)
        );
        assert_eq!(
            rules.decide("go.sum", none, None),
            Some(LeftOutReason::LockFile)
        );
        let all = FileRules {
            all_files: true,
            ..FileRules::default()
        };
        assert_eq!(all.decide("go.sum", none, None), None);
    }

    #[test]
    fn wholesale_needs_most_versions_to_replace_most_lines() {
        let mut v = Versions::default();
        v.record(10, 10, 9, 9);
        v.record(10, 10, 10, 10);
        assert!(!v.wholesale(), "two versions are not enough");
        v.record(10, 10, 1, 1);
        assert!(v.wholesale(), "2 of 3 rewrites");
        v.record(10, 11, 0, 1);
        assert!(!v.wholesale(), "2 of 4 is not most");
    }
}
