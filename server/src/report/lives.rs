//! The life of every line: born in one commit, alive in the files of the
//! commits after it, ended when a later commit deletes or replaces it.
//! Streams the commits of the range once, in an order where parents come
//! first, diffing each commit once against its first parent, and keeps only
//! the lines alive at that point (one vector of line origins per file,
//! shared between branches until one of them changes the file).
//!
//! Merges: the diff against the first parent brings in the other branch's
//! work; lines that are unchanged from the second parent keep the origin
//! they had there (their own commit), so only the lines a merge really
//! wrote (conflict resolutions) are born in it. A line ended on both sides
//! of a fork is counted once.
//!
//! Must never hold whole histories: no list of all lines ever written, no
//! per-commit snapshots beyond the open branches.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::figures::{Class, Tally};
use super::walk::{BlobId, CommitId, CommitInfo, FileChange, Git};
use super::{GroupBy, ReportError};

/// Where a line came from. `origin` indexes the birth times of commits
/// (`UNKNOWN` for lines that were there before the range); `origin` and
/// `seq` together name the line uniquely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub origin: u32,
    pub seq: u32,
    pub class: Class,
    pub group: u32,
}

pub const UNKNOWN: u32 = u32::MAX;

impl Line {
    fn id(&self) -> u64 {
        (u64::from(self.origin) << 32) | u64::from(self.seq)
    }
}

/// The lines alive in every file changed since the start of the range.
/// Files missing here have not changed since then: their lines are of
/// unknown origin and are read from the blob when first touched.
pub type FileLines = HashMap<String, Rc<Vec<Line>>>;

/// Per-file figures, for hotspots.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathTally {
    pub commits: u32,
    pub lines_added: u64,
    pub churned: u64,
    pub last_change: i64,
    pub authors: Vec<u32>,
}

/// Everything a report is made of, and everything a later run resumes from.
#[derive(Debug, Default)]
pub struct Lives {
    /// Birth time of each origin (commit of the range), indexed by `Line::origin`.
    pub origins: Vec<i64>,
    pub total: Tally,
    /// Group names and their tallies (only with `--by`).
    pub group_names: Vec<String>,
    pub groups: Vec<Tally>,
    pub paths: HashMap<String, PathTally>,
    /// Authors (mailmapped email) named by `PathTally::authors`.
    pub author_keys: Vec<String>,
    /// The files of the commits at which the walk stopped.
    pub ends: Vec<(CommitId, FileLines)>,
    /// Commits processed so far (for the progress bar and the cache).
    pub processed: u64,
    pub bot_commits: u64,
}

struct Open {
    files: FileLines,
    children_left: u32,
}

/// Options that change what a line's class or group is.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub include_bots: bool,
    pub by: Option<GroupBy>,
}

pub struct Walker<'g> {
    git: &'g mut Git,
    sources: super::classify::LineSources,
    rules: Rules,
    lives: Lives,
    open: HashMap<CommitId, Open>,
    /// Ids of lines ended while another branch was open (they may end there too).
    ended_while_forked: HashSet<u64>,
    group_index: HashMap<String, u32>,
    author_index: HashMap<String, u32>,
    old: Vec<u8>,
    new: Vec<u8>,
    side: Vec<u8>,
}

impl<'g> Walker<'g> {
    /// Resumes from `lives` (empty for a first run).
    pub fn new(
        git: &'g mut Git,
        sources: super::classify::LineSources,
        rules: Rules,
        lives: Lives,
    ) -> Walker<'g> {
        let group_index = lives
            .group_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        let author_index = lives
            .author_keys
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        Walker {
            git,
            sources,
            rules,
            lives,
            open: HashMap::new(),
            ended_while_forked: HashSet::new(),
            group_index,
            author_index,
            old: Vec::new(),
            new: Vec::new(),
            side: Vec::new(),
        }
    }

    /// Walks `commits` (parents first). The ends of an earlier run are the
    /// starting states of the commits that follow them.
    pub fn walk(
        mut self,
        commits: &[CommitInfo],
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Lives, ReportError> {
        let mut children: HashMap<CommitId, u32> = HashMap::new();
        for c in commits {
            let mut seen = Vec::new();
            for p in &c.parents {
                if !seen.contains(p) {
                    seen.push(*p);
                    *children.entry(*p).or_default() += 1;
                }
            }
        }
        // States left by an earlier run: open for the commits that follow them.
        for (id, files) in std::mem::take(&mut self.lives.ends) {
            match children.get(&id) {
                Some(&n) => {
                    self.open.insert(
                        id,
                        Open {
                            files,
                            children_left: n,
                        },
                    );
                }
                None => self.lives.ends.push((id, files)),
            }
        }
        let total = commits.len() as u64;
        for (done, commit) in commits.iter().enumerate() {
            self.commit(commit, &children)?;
            if self.open.is_empty() {
                self.ended_while_forked.clear();
            }
            progress(done as u64 + 1, total);
        }
        // Open states whose children are all outside the range are ends too.
        for (id, open) in self.open.drain() {
            self.lives.ends.push((id, open.files));
        }
        Ok(self.lives)
    }

    fn take_state(&mut self, parent: &CommitId) -> FileLines {
        match self.open.get_mut(parent) {
            Some(open) if open.children_left <= 1 => {
                let open = self.open.remove(parent).expect("present");
                self.git.forget(*parent);
                open.files
            }
            Some(open) => {
                open.children_left -= 1;
                open.files.clone()
            }
            None => FileLines::new(),
        }
    }

    fn release(&mut self, parent: &CommitId) {
        if let Some(open) = self.open.get_mut(parent) {
            open.children_left -= 1;
            if open.children_left == 0 {
                self.open.remove(parent);
                self.git.forget(*parent);
            }
        }
    }

    fn group_of(&mut self, name: &str) -> u32 {
        if let Some(&g) = self.group_index.get(name) {
            return g;
        }
        let g = self.lives.group_names.len() as u32;
        self.lives.group_names.push(name.to_string());
        self.lives.groups.push(Tally::default());
        self.group_index.insert(name.to_string(), g);
        g
    }

    fn commit(
        &mut self,
        info: &CommitInfo,
        children: &HashMap<CommitId, u32>,
    ) -> Result<(), ReportError> {
        let text = self.git.commit_text(info.id)?;
        let bot = super::classify::is_bot(&text.author_name, &text.author_email);
        // Full hex only when line-level sources are read (they key by it).
        let hex = self.sources.active().then(|| Git::hex(info.id));
        let agent =
            super::classify::assistant(&text.message, &text.author_name, &text.author_email)
                .or_else(|| {
                    hex.as_deref()
                        .and_then(|h| self.sources.commit_assistant(h))
                });
        let class = if bot && !self.rules.include_bots {
            Class::Bot
        } else if agent.is_some() {
            Class::Ai
        } else {
            Class::Human
        };
        if bot {
            self.lives.bot_commits += 1;
        }
        let author_key = if text.author_email.is_empty() {
            text.author_name.clone()
        } else {
            text.author_email.to_lowercase()
        };
        let author = match self.author_index.get(&author_key) {
            Some(&a) => a,
            None => {
                let a = self.lives.author_keys.len() as u32;
                self.lives.author_keys.push(author_key.clone());
                self.author_index.insert(author_key, a);
                a
            }
        };
        let commit_group = match self.rules.by {
            Some(GroupBy::Author) => {
                Some(self.group_of(&format!("{} <{}>", text.author_name, text.author_email)))
            }
            Some(GroupBy::Agent) => Some(self.group_of(match (&agent, class) {
                (Some(a), _) => a,
                (None, Class::Bot) => "bot",
                _ => "human",
            })),
            _ => None,
        };

        let origin = self.lives.origins.len() as u32;
        self.lives.origins.push(info.time);
        let merge = info.parents.len() > 1;
        let first = info.parents.first().copied();
        // A parent outside the range has no state: its files are read lazily
        // (unknown origin). A parent from the cached run does.
        let mut files = match first {
            Some(p) => self.take_state(&p),
            None => FileLines::new(),
        };
        // The other parents' states, read for inheritance; released below.
        let side_parent = info.parents.get(1).copied();
        let changes = self.git.changes(first, info.id)?;

        let mut commit = CommitCounts::default();
        let mut seq = 0u32;
        let mut dirs_touched: Vec<u32> = Vec::new();
        for change in changes {
            let (path, old_path, old_blob, new_blob) = match change {
                FileChange::Added { path, blob } => (path, None, None, Some(blob)),
                FileChange::Deleted { path, blob } => (path.clone(), Some(path), Some(blob), None),
                FileChange::Modified { path, old, new } => {
                    (path.clone(), Some(path), Some(old), Some(new))
                }
                FileChange::Renamed { from, old, to, new } => {
                    (to, Some(from), Some(old), Some(new))
                }
            };
            let group = match self.rules.by {
                Some(GroupBy::Directory) => {
                    let g = self.group_of(directory(&path));
                    if !dirs_touched.contains(&g) {
                        dirs_touched.push(g);
                    }
                    Some(g)
                }
                _ => commit_group,
            };
            // The lines before this commit.
            let before: Rc<Vec<Line>> = match (&old_path, old_blob) {
                (Some(op), Some(ob)) => match files.remove(op) {
                    Some(lines) => lines,
                    None => Rc::new(self.unknown_lines(ob, op)?),
                },
                _ => Rc::new(Vec::new()),
            };
            if let (Some(op), true) = (&old_path, old_path.as_deref() != Some(path.as_str())) {
                if let Some(tally) = self.lives.paths.remove(op) {
                    self.lives.paths.insert(path.clone(), tally);
                }
            }
            let mut old_bytes = std::mem::take(&mut self.old);
            let mut new_bytes = std::mem::take(&mut self.new);
            match old_blob {
                Some(ob) => self.git.blob(ob, &mut old_bytes)?,
                None => old_bytes.clear(),
            }
            match new_blob {
                Some(nb) => self.git.blob(nb, &mut new_bytes)?,
                None => new_bytes.clear(),
            }
            let old_text = text_of(&old_bytes);
            let new_text = text_of(&new_bytes);
            let input = imara_diff::intern::InternedInput::new(old_text, new_text);
            let before = if before.len() == input.before.len() {
                before
            } else {
                // Should not happen; if it does, the file's history is unknown.
                Rc::new(self.unknown_lines_n(input.before.len(), old_blob, &path))
            };
            // For merges: which new lines are unchanged from the second parent.
            let mut inherited: Option<Inherited> = None;
            if merge {
                if let (Some(sp), Some(nb)) = (side_parent, new_blob) {
                    if let Some(side_blob) = self.git.blob_at(sp, &path)? {
                        let side_lines = match self.open.get(&sp).and_then(|o| o.files.get(&path)) {
                            Some(lines) => lines.clone(),
                            None => Rc::new(self.unknown_lines(side_blob, &path)?),
                        };
                        let map = if side_blob == nb {
                            (0..input.after.len() as u32).map(Some).collect()
                        } else {
                            let mut side = std::mem::take(&mut self.side);
                            self.git.blob(side_blob, &mut side)?;
                            let map = unchanged_from(text_of(&side), new_text);
                            self.side = side;
                            map
                        };
                        inherited = Some((map, side_lines));
                    }
                }
            }
            let mut after: Vec<Line> = Vec::with_capacity(input.after.len());
            let mut hunks: Vec<(std::ops::Range<u32>, std::ops::Range<u32>)> = Vec::new();
            imara_diff::diff(
                imara_diff::Algorithm::Histogram,
                &input,
                |b: std::ops::Range<u32>, a: std::ops::Range<u32>| hunks.push((b, a)),
            );
            let mut kept = 0u32;
            let mut ended_here = 0u64;
            let mut added_here = 0u64;
            for (b, a) in hunks {
                after.extend_from_slice(&before[kept as usize..b.start as usize]);
                for line in &before[b.start as usize..b.end as usize] {
                    if self.end(*line, info.time, &path) {
                        ended_here += 1;
                    }
                }
                for j in a.clone() {
                    let from_side = inherited.as_ref().and_then(|(map, lines)| {
                        map.get(j as usize)
                            .copied()
                            .flatten()
                            .and_then(|i| lines.get(i as usize).copied())
                    });
                    match from_side {
                        Some(line) => after.push(line),
                        None => {
                            let (class, group) = match (&hex, class) {
                                (Some(h), Class::Ai | Class::Human) => {
                                    self.line_class(h, &path, j + 1, class, group)
                                }
                                _ => (class, group),
                            };
                            let line = Line {
                                origin,
                                seq,
                                class,
                                group: group.unwrap_or(0),
                            };
                            seq = seq.wrapping_add(1);
                            self.born(line, info.time, &path);
                            added_here += 1;
                            after.push(line);
                        }
                    }
                }
                kept = b.end;
            }
            after.extend_from_slice(&before[kept as usize..]);
            drop(before);
            drop(input);
            self.old = old_bytes;
            self.new = new_bytes;
            commit.added += added_here;
            commit.deleted += ended_here;
            if class != Class::Bot && (added_here > 0 || ended_here > 0) {
                let tally = self.lives.paths.entry(path.clone()).or_default();
                tally.commits += 1;
                tally.last_change = info.time;
                if !tally.authors.contains(&author) {
                    tally.authors.push(author);
                }
            }
            if let Some(g) = group {
                if self.rules.by == Some(GroupBy::Directory) && class != Class::Bot {
                    self.lives.groups[g as usize].class(class).lines_deleted += ended_here;
                }
            }
            if new_blob.is_some() {
                files.insert(path, Rc::new(after));
            } else {
                self.lives.paths.remove(&path);
            }
        }

        if merge {
            self.lives.total.merges += 1;
        }
        if class != Class::Bot {
            let counts_commit = !merge;
            let t = self.lives.total.class(class);
            t.commits += u64::from(counts_commit);
            t.lines_deleted += commit.deleted;
            match self.rules.by {
                Some(GroupBy::Directory) => {
                    for g in dirs_touched {
                        self.lives.groups[g as usize].class(class).commits +=
                            u64::from(counts_commit);
                    }
                }
                Some(_) => {
                    if let Some(g) = commit_group {
                        let t = self.lives.groups[g as usize].class(class);
                        t.commits += u64::from(counts_commit);
                        t.lines_deleted += commit.deleted;
                    }
                }
                None => {}
            }
        }

        for p in info.parents.iter().skip(1) {
            self.release(p);
        }
        if children.get(&info.id).copied().unwrap_or(0) > 0 {
            self.open.insert(
                info.id,
                Open {
                    files,
                    children_left: children[&info.id],
                },
            );
        } else {
            self.lives.ends.push((info.id, files));
            self.git.forget(info.id);
        }
        self.lives.processed += 1;
        Ok(())
    }

    /// Line-level sources win over the commit: an added line an assistant
    /// wrote is AI even in a person's commit, and the reverse.
    fn line_class(
        &mut self,
        commit: &str,
        path: &str,
        line: u32,
        class: Class,
        group: Option<u32>,
    ) -> (Class, Option<u32>) {
        match self.sources.line(commit, path, line) {
            Some(Some(agent)) => {
                let group = if self.rules.by == Some(GroupBy::Agent) {
                    Some(self.group_of(&agent))
                } else {
                    group
                };
                (Class::Ai, group)
            }
            Some(None) => {
                let group = if self.rules.by == Some(GroupBy::Agent) {
                    Some(self.group_of("human"))
                } else {
                    group
                };
                (Class::Human, group)
            }
            None => (class, group),
        }
    }

    fn born(&mut self, line: Line, time: i64, path: &str) {
        if line.class == Class::Bot {
            return;
        }
        self.lives.total.class(line.class).born(time);
        if self.rules.by.is_some() {
            self.lives.groups[line.group as usize]
                .class(line.class)
                .born(time);
        }
        self.lives
            .paths
            .entry(path.to_string())
            .or_default()
            .lines_added += 1;
    }

    /// Ends a line's life at `at`; false if it had already ended on another
    /// branch (then it is not counted again).
    fn end(&mut self, line: Line, at: i64, path: &str) -> bool {
        if !self.open.is_empty() && !self.ended_while_forked.insert(line.id()) {
            return false;
        }
        if line.class == Class::Bot {
            return true;
        }
        let born = (line.origin != UNKNOWN).then(|| self.lives.origins[line.origin as usize]);
        self.lives.total.class(line.class).ended(born, at);
        if self.rules.by.is_some() {
            self.lives.groups[line.group as usize]
                .class(line.class)
                .ended(born, at);
        }
        if born.is_some_and(|b| at - b <= super::figures::CHURN_WINDOW) {
            if let Some(t) = self.lives.paths.get_mut(path) {
                t.churned += 1;
            }
        }
        true
    }

    fn unknown_lines(&mut self, blob: BlobId, path: &str) -> Result<Vec<Line>, ReportError> {
        let mut bytes = Vec::new();
        self.git.blob(blob, &mut bytes)?;
        let count = imara_diff::sources::byte_lines(text_of(&bytes)).count();
        Ok(self.unknown_lines_n(count, Some(blob), path))
    }

    /// The lines of a file as it was before the range: origin unknown. Their
    /// ids come from the blob id so that the same line gets the same id on
    /// every branch that reads it.
    fn unknown_lines_n(&mut self, count: usize, blob: Option<BlobId>, path: &str) -> Vec<Line> {
        let salt = blob.map_or(0, |b| crc32fast::hash(b.as_bytes()));
        let group = match self.rules.by {
            Some(GroupBy::Directory) => self.group_of(directory(path)),
            Some(_) => self.group_of("unknown"),
            None => 0,
        };
        (0..count as u32)
            .map(|i| Line {
                origin: UNKNOWN,
                seq: salt.wrapping_add(i.wrapping_mul(0x9E37_79B9)),
                class: Class::Unknown,
                group,
            })
            .collect()
    }
}

/// For a merge: which new lines are unchanged from the second parent, and
/// that parent's lines (whose origins they keep).
type Inherited = (Vec<Option<u32>>, Rc<Vec<Line>>);

#[derive(Default)]
struct CommitCounts {
    added: u64,
    deleted: u64,
}

/// Binary files (a NUL byte near the start, as git decides) have no lines.
fn text_of(bytes: &[u8]) -> &[u8] {
    let probe = &bytes[..bytes.len().min(8000)];
    if probe.contains(&0) {
        &[]
    } else {
        bytes
    }
}

/// For each line of `new`, the line of `side` it is unchanged from.
fn unchanged_from(side: &[u8], new: &[u8]) -> Vec<Option<u32>> {
    let input = imara_diff::intern::InternedInput::new(side, new);
    let mut map = vec![None; input.after.len()];
    let (mut s, mut n) = (0u32, 0u32);
    let mut hunks = Vec::new();
    imara_diff::diff(
        imara_diff::Algorithm::Histogram,
        &input,
        |b: std::ops::Range<u32>, a: std::ops::Range<u32>| hunks.push((b, a)),
    );
    for (b, a) in hunks {
        while n < a.start {
            map[n as usize] = Some(s);
            s += 1;
            n += 1;
        }
        s = b.end;
        n = a.end;
    }
    while (n as usize) < map.len() {
        map[n as usize] = Some(s);
        s += 1;
        n += 1;
    }
    map
}

/// The top-level directory of a path (`.` for files at the root).
pub fn directory(path: &str) -> &str {
    match path.split_once('/') {
        Some((dir, _)) => dir,
        None => ".",
    }
}

/// Whole days between two times, for censoring.
pub fn whole_days(from: i64, to: i64) -> usize {
    super::figures::days_bucket(to - from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_lines_map_to_their_side_line() {
        // side: a b c d; new: a X c d e → a←0, c←2, d←3; X and e are new.
        let map = unchanged_from(b"a\nb\nc\nd\n", b"a\nX\nc\nd\ne\n");
        assert_eq!(map, [Some(0), None, Some(2), Some(3), None]);
    }

    #[test]
    fn directories_are_top_level() {
        let table = [
            ("src/a/b.rs", "src"),
            ("README.md", "."),
            ("docs/x.md", "docs"),
        ];
        for (path, dir) in table {
            assert_eq!(directory(path), dir, "{path}");
        }
    }

    #[test]
    fn binary_files_have_no_lines() {
        assert!(text_of(b"PNG\0\x01\x02").is_empty());
        assert_eq!(text_of(b"a\nb\n"), b"a\nb\n");
    }
}
