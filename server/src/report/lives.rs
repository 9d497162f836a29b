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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;

use crate::attribution::Assistant;

use super::figures::{Class, Tally};
use super::filter::{FileFilter, Versions};
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
    /// How each file's versions changed (every file, left out or not), for
    /// the wholesale rule.
    pub versions: BTreeMap<String, Versions>,
    /// Files left out of the figures: (`LeftOutReason` as u8, lines added).
    pub left_out: BTreeMap<String, (u8, u64)>,
    /// Objects that could not be read (by id), with the path they held.
    pub missing: BTreeMap<String, String>,
}

struct Open {
    files: FileLines,
    children_left: u32,
}

/// Options that change what a line's class or group is.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub include_bots: bool,
    pub by: Option<GroupBy>,
    /// Authors declared human (`--human-author`, `provenance.humanAuthor`):
    /// lowercased names or emails.
    pub human_authors: Vec<String>,
}

impl Rules {
    /// Whether the user declared this (mailmapped) author a person.
    pub fn declares_human(&self, name: &str, email: &str) -> bool {
        let (name, email) = (name.to_lowercase(), email.to_lowercase());
        self.human_authors
            .iter()
            .any(|h| *h == email || *h == name || *h == format!("{name} <{email}>"))
    }
}

/// The `--by agent` group of lines with no evidence of who wrote them.
pub const NO_EVIDENCE_GROUP: &str = "no evidence";

/// Inside a `--by agent` walk, what parts an assistant's group from the
/// model its source names: the report joins the parts into one row per
/// assistant that lists its models (`mod.rs`, `join_models`).
pub const MODEL_SEPARATOR: char = '\u{1f}';

/// The group of an assistant's lines: for `--by model` the agent and the
/// model as the source writes it (`claude-code/claude-opus-4-5`); for
/// `--by agent` the same, parted by [`MODEL_SEPARATOR`]; the agent alone
/// when no source names a model.
fn assistant_group(assistant: &Assistant, by: Option<GroupBy>) -> String {
    match (&assistant.model, by) {
        (Some(model), Some(GroupBy::Model)) => format!("{}/{}", assistant.agent, model),
        (Some(model), Some(GroupBy::Agent)) => {
            format!("{}{MODEL_SEPARATOR}{model}", assistant.agent)
        }
        _ => assistant.agent.clone(),
    }
}

/// Told of each commit as it is walked and of each line's end (once, when
/// it counts), for the figures `super::outcomes` computes from them.
pub trait LineEvents {
    fn commit(&mut self, origin: u32, info: &CommitInfo, message: &str);
    fn ended(&mut self, line: Line, path: &str);
}

pub struct Walker<'g> {
    git: &'g mut Git,
    events: Option<&'g mut dyn LineEvents>,
    filter: &'g mut FileFilter,
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
        filter: &'g mut FileFilter,
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
            events: None,
            filter,
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

    /// Tells `events` of every commit and line end of the walk.
    pub fn observe(mut self, events: &'g mut dyn LineEvents) -> Walker<'g> {
        self.events = Some(events);
        self
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
        // The commit's own marks (trailers, author), then what its notes say.
        let marked =
            super::classify::assistant(&text.message, &text.author_name, &text.author_email);
        let agent = marked.clone().or_else(|| {
            hex.as_deref()
                .and_then(|h| self.sources.commit_assistant(h))
        });
        let declared_human = self
            .rules
            .declares_human(&text.author_name, &text.author_email);
        let evidence = |assistant: bool| {
            if bot && !self.rules.include_bots {
                Class::Bot
            } else if assistant {
                Class::Ai
            } else if declared_human {
                Class::Human
            } else {
                Class::NoEvidence
            }
        };
        let class = evidence(agent.is_some());
        // A line no line-level source lists takes the commit's own marks, not
        // what its notes say of other lines (git-ai: untracked).
        let line_default = evidence(marked.is_some());
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
        let by = self.rules.by;
        let agent_group = |agent: Option<&Assistant>, class: Class| -> String {
            match (agent, class) {
                (Some(a), Class::Ai) => assistant_group(a, by),
                (_, Class::Bot) => "bot".to_string(),
                (_, Class::Human) => "human".to_string(),
                _ => NO_EVIDENCE_GROUP.to_string(),
            }
        };
        let (commit_group, line_default_group) = match self.rules.by {
            Some(GroupBy::Author) => {
                let g = self.group_of(&format!("{} <{}>", text.author_name, text.author_email));
                (Some(g), Some(g))
            }
            Some(GroupBy::Agent | GroupBy::Model) => {
                let commit = agent_group(agent.as_ref(), class);
                let lines = agent_group(marked.as_ref(), line_default);
                (Some(self.group_of(&commit)), Some(self.group_of(&lines)))
            }
            _ => (None, None),
        };

        let origin = self.lives.origins.len() as u32;
        self.lives.origins.push(info.time);
        if let Some(events) = self.events.as_deref_mut() {
            events.commit(origin, info, &text.message);
        }
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
        // A tree that cannot be read is skipped (named in the report); the
        // files it changed keep their earlier lines.
        let changes = match self.git.changes(first, info.id) {
            Ok(changes) => changes,
            Err(error) => {
                tracing::debug!("report: tree of {} skipped: {error}", info.id);
                let name = format!("(the tree of commit {})", &Git::hex(info.id)[..10]);
                self.skip(&format!("tree:{}", info.id), &name);
                Vec::new()
            }
        };

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
            let left_out = {
                let git = &mut *self.git;
                self.filter.left_out(&path, || git.attributes(&path))
            };
            // The lines before this commit (None: not followed, read below).
            let state = old_path.as_ref().and_then(|op| files.remove(op));
            if let (Some(op), true) = (&old_path, old_path.as_deref() != Some(path.as_str())) {
                if let Some(tally) = self.lives.paths.remove(op) {
                    self.lives.paths.insert(path.clone(), tally);
                }
                if let Some(v) = self.lives.versions.remove(op) {
                    self.lives.versions.insert(path.clone(), v);
                }
            }
            let mut old_bytes = std::mem::take(&mut self.old);
            let mut new_bytes = std::mem::take(&mut self.new);
            let old_read = match (old_blob, &old_path) {
                (Some(ob), Some(op)) => self.read(ob, op, &mut old_bytes),
                _ => {
                    old_bytes.clear();
                    true
                }
            };
            let new_read = match new_blob {
                Some(nb) => self.read(nb, &path, &mut new_bytes),
                None => {
                    new_bytes.clear();
                    true
                }
            };
            if !(old_read && new_read) {
                // The file's lines leave the sample (neither ended nor alive);
                // the next commit that touches it reads it afresh.
                if new_blob.is_none() {
                    self.lives.paths.remove(&path);
                }
                self.old = old_bytes;
                self.new = new_bytes;
                continue;
            }
            let old_text = text_of(&old_bytes);
            let new_text = text_of(&new_bytes);
            let LineDiff {
                hunks,
                old_lines,
                new_lines,
            } = line_diff(old_text, new_text);
            let added: u64 = hunks.iter().map(|(_, a)| u64::from(a.end - a.start)).sum();
            let ended: u64 = hunks.iter().map(|(b, _)| u64::from(b.end - b.start)).sum();
            // How this version changed the file, from the diff alone (the same
            // whether the file is followed or left out, so that every walk finds
            // the same files rewritten wholesale). Not a bot's, not a merge's.
            if class != Class::Bot && !merge {
                self.lives
                    .versions
                    .entry(path.clone())
                    .or_default()
                    .record(old_lines, new_lines, ended, added);
            }
            if let Some(reason) = left_out {
                // Counted, never followed: what the report says it left out.
                if class != Class::Bot {
                    let entry = self
                        .lives
                        .left_out
                        .entry(path.clone())
                        .or_insert((reason as u8, 0));
                    entry.0 = reason as u8;
                    entry.1 += added;
                }
                if new_blob.is_none() {
                    self.lives.paths.remove(&path);
                }
                self.old = old_bytes;
                self.new = new_bytes;
                continue;
            }
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
            let line_group = match self.rules.by {
                Some(GroupBy::Directory) => group,
                _ => line_default_group,
            };
            let before: Rc<Vec<Line>> = match (state, &old_path) {
                (Some(lines), _) if lines.len() == old_lines => lines,
                // Not followed yet (from before the range), or (should not
                // happen) out of step: the file's lines are of unknown origin.
                (_, Some(op)) => Rc::new(self.unknown_lines_n(old_lines, old_blob, op)),
                (_, None) => Rc::new(Vec::new()),
            };
            // For merges: which new lines are unchanged from the second parent.
            let mut inherited: Option<Inherited> = None;
            if merge {
                if let (Some(sp), Some(nb)) = (side_parent, new_blob) {
                    if let Some(side_blob) = self.git.blob_at(sp, &path).ok().flatten() {
                        let mut side = std::mem::take(&mut self.side);
                        if self.read(side_blob, &path, &mut side) {
                            let side_lines =
                                match self.open.get(&sp).and_then(|o| o.files.get(&path)) {
                                    Some(lines) => lines.clone(),
                                    None => {
                                        let n =
                                            imara_diff::sources::byte_lines(text_of(&side)).count();
                                        Rc::new(self.unknown_lines_n(n, Some(side_blob), &path))
                                    }
                                };
                            let map = if side_blob == nb {
                                (0..new_lines as u32).map(Some).collect()
                            } else {
                                unchanged_from(text_of(&side), new_text)
                            };
                            inherited = Some((map, side_lines));
                        }
                        self.side = side;
                    }
                }
            }
            let mut after: Vec<Line> = Vec::with_capacity(new_lines);
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
                            let (class, group) = match (&hex, line_default) {
                                (Some(h), c) if c != Class::Bot => {
                                    self.line_class(h, &path, j + 1, line_default, line_group)
                                }
                                _ => (line_default, line_group),
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
    /// wrote is AI even in a person's commit, a line git-ai says a person
    /// wrote is human in an assistant's; a line no source lists keeps the
    /// commit's own evidence (`class`).
    fn line_class(
        &mut self,
        commit: &str,
        path: &str,
        line: u32,
        class: Class,
        group: Option<u32>,
    ) -> (Class, Option<u32>) {
        match self.sources.line(commit, path, line) {
            Some(super::classify::LineVerdict::Assistant(assistant)) => {
                let group = if matches!(self.rules.by, Some(GroupBy::Agent | GroupBy::Model)) {
                    Some(self.group_of(&assistant_group(&assistant, self.rules.by)))
                } else {
                    group
                };
                (Class::Ai, group)
            }
            Some(super::classify::LineVerdict::Human) => {
                let group = if matches!(self.rules.by, Some(GroupBy::Agent | GroupBy::Model)) {
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
        if let Some(events) = self.events.as_deref_mut() {
            events.ended(line, path);
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

    /// Reads a blob; one that cannot be read (absent from a partial clone,
    /// a damaged pack) is recorded as skipped, with the path it held.
    fn read(&mut self, blob: BlobId, path: &str, out: &mut Vec<u8>) -> bool {
        match self.git.blob(blob, out) {
            Ok(()) => true,
            Err(error) => {
                tracing::debug!("report: {path} skipped: {error}");
                out.clear();
                self.skip(&blob.to_string(), path);
                false
            }
        }
    }

    fn skip(&mut self, object: &str, path: &str) {
        self.lives
            .missing
            .entry(object.to_string())
            .or_insert_with(|| path.to_string());
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

/// A line diff: the hunks (old lines → new lines, 0-based, half-open) and
/// how many lines each side has.
struct LineDiff {
    hunks: Vec<(Range<u32>, Range<u32>)>,
    old_lines: usize,
    new_lines: usize,
}

/// The line diff of `old` → `new` (imara-diff's histogram; lines compared
/// without their terminator, as imara-diff reads them). The lines both share
/// at the start and at the end are found by comparing bytes before any line
/// is interned: imara-diff strips a common prefix and suffix itself before
/// it diffs, so the hunks are the ones a diff of the whole files gives, and a
/// big file with a small change costs a compare of its bytes instead of
/// hashing each of its lines twice (the largest cost of the walk on a long
/// history of big files).
fn line_diff(old: &[u8], new: &[u8]) -> LineDiff {
    // The lines both start with, exactly as imara-diff would strip them:
    // whole lines of the common bytes, then line by line (a line may end in
    // `\r\n` on one side and `\n` on the other and still be the same line).
    let common = common_prefix_len(old, new);
    let start = memchr::memrchr(b'\n', &old[..common]).map_or(0, |i| i + 1);
    let mut prefix_lines = memchr::memchr_iter(b'\n', &old[..start]).count();
    let (mut po, mut pn) = (start, start);
    let mut old_rest = imara_diff::sources::byte_lines_with_terminator(&old[start..]);
    let mut new_rest = imara_diff::sources::byte_lines_with_terminator(&new[start..]);
    while let (Some(o), Some(n)) = (old_rest.next(), new_rest.next()) {
        if line_token(o) != line_token(n) {
            break;
        }
        po += o.len();
        pn += n.len();
        prefix_lines += 1;
    }
    // Whole lines both end with (fewer than imara-diff may find: it strips
    // the rest itself): from the first newline of the common bytes on, which
    // starts a line on both sides.
    let tail = common_suffix_len(&old[po..], &new[pn..]);
    let suffix = match memchr::memchr(b'\n', &old[old.len() - tail..]) {
        Some(i) => tail - i - 1,
        None => 0,
    };
    let (old_mid, new_mid) = (&old[po..old.len() - suffix], &new[pn..new.len() - suffix]);
    let suffix_lines = imara_diff::sources::byte_lines(&old[old.len() - suffix..]).count();
    let at = prefix_lines as u32;
    if old_mid.is_empty() || new_mid.is_empty() {
        // Lines only added or only deleted (a new file, a deleted one, lines
        // appended): one hunk, nothing to intern.
        let old_n = imara_diff::sources::byte_lines(old_mid).count();
        let new_n = imara_diff::sources::byte_lines(new_mid).count();
        let hunks = if old_n + new_n == 0 {
            Vec::new()
        } else {
            vec![(at..at + old_n as u32, at..at + new_n as u32)]
        };
        return LineDiff {
            hunks,
            old_lines: prefix_lines + old_n + suffix_lines,
            new_lines: prefix_lines + new_n + suffix_lines,
        };
    }
    let input = imara_diff::intern::InternedInput::new(old_mid, new_mid);
    let mut hunks = Vec::new();
    imara_diff::diff(
        imara_diff::Algorithm::Histogram,
        &input,
        |b: Range<u32>, a: Range<u32>| {
            hunks.push((b.start + at..b.end + at, a.start + at..a.end + at))
        },
    );
    LineDiff {
        hunks,
        old_lines: prefix_lines + input.before.len() + suffix_lines,
        new_lines: prefix_lines + input.after.len() + suffix_lines,
    }
}

/// A line as imara-diff compares it: without `\n` or `\r\n` at its end.
fn line_token(raw: &[u8]) -> &[u8] {
    match raw.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => raw,
    }
}

/// How many bytes `a` and `b` share at the start.
fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + CHUNK <= n && a[i..i + CHUNK] == b[i..i + CHUNK] {
        i += CHUNK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many bytes `a` and `b` share at the end.
fn common_suffix_len(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut k = 0;
    while k + CHUNK <= n && a[n - k - CHUNK..n - k] == b[n - k - CHUNK..n - k] {
        k += CHUNK;
    }
    while k < n && a[n - k - 1] == b[n - k - 1] {
        k += 1;
    }
    k
}

/// For each line of `new`, the line of `side` it is unchanged from.
fn unchanged_from(side: &[u8], new: &[u8]) -> Vec<Option<u32>> {
    let LineDiff {
        hunks, new_lines, ..
    } = line_diff(side, new);
    let mut map = vec![None; new_lines];
    let (mut s, mut n) = (0u32, 0u32);
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

    /// The hunks and line counts of imara-diff over the whole files: what
    /// `line_diff` must give.
    fn whole_file_diff(old: &[u8], new: &[u8]) -> LineDiff {
        let input = imara_diff::intern::InternedInput::new(old, new);
        let mut hunks = Vec::new();
        imara_diff::diff(
            imara_diff::Algorithm::Histogram,
            &input,
            |b: Range<u32>, a: Range<u32>| hunks.push((b, a)),
        );
        LineDiff {
            hunks,
            old_lines: input.before.len(),
            new_lines: input.after.len(),
        }
    }

    fn check(old: &[u8], new: &[u8]) {
        let (d, whole) = (line_diff(old, new), whole_file_diff(old, new));
        assert_eq!(
            (d.hunks, d.old_lines, d.new_lines),
            (whole.hunks, whole.old_lines, whole.new_lines),
            "{:?} → {:?}",
            String::from_utf8_lossy(old),
            String::from_utf8_lossy(new)
        );
    }

    #[test]
    fn line_diff_gives_the_hunks_of_a_whole_file_diff() {
        let table: [(&str, &str); 16] = [
            ("", ""),
            ("", "a\n"),
            ("a\n", ""),
            ("a\nb\nc\n", "a\nb\nc\n"),
            ("a\nb\nc\n", "a\nX\nc\n"),
            ("a\nb\nc\n", "a\nb\nc\nd\n"),
            ("a\nb\nc\n", "z\na\nb\nc\n"),
            // The last line with and without its newline is the same line to imara-diff.
            ("a\nb", "a\nb\n"),
            ("a\nb\n", "a\nbc\n"),
            ("a\r\nb\r\n", "a\nb\n"),
            ("a\nb\r", "a\nb\r\n"),
            ("x\nsame\nsame\n", "y\nsame\nsame\n"),
            // A change inside a run of equal lines: prefix and suffix overlap.
            ("a\na\na\n", "a\na\n"),
            ("a\na\n", "a\na\na\n"),
            ("ab\n", "abab\n"),
            ("}\n\n}\n", "}\n\n\n}\n"),
        ];
        for (old, new) in table {
            check(old.as_bytes(), new.as_bytes());
            check(new.as_bytes(), old.as_bytes());
        }
    }

    #[test]
    fn line_diff_agrees_with_a_whole_file_diff_on_random_edits() {
        // Seeded edits of files made of few distinct lines (so that prefix,
        // suffix and the moved lines between them are often alike), with
        // and without a newline at the end, LF and CRLF.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let pieces = ["a", "b", "}", "", "  x = 1;", "a\r", "{"];
        for _ in 0..3000 {
            let len = next(40) as usize;
            let mut lines: Vec<&str> = (0..len).map(|_| pieces[next(7) as usize]).collect();
            let old = lines.join("\n") + if next(2) == 0 { "\n" } else { "" };
            for _ in 0..=next(4) {
                let at = next(lines.len() as u64 + 1) as usize;
                match next(3) {
                    0 => lines.insert(at, pieces[next(7) as usize]),
                    1 if at < lines.len() => {
                        lines.remove(at);
                    }
                    _ if at < lines.len() => lines[at] = pieces[next(7) as usize],
                    _ => {}
                }
            }
            let new = lines.join("\n") + if next(2) == 0 { "\n" } else { "" };
            check(old.as_bytes(), new.as_bytes());
        }
    }

    #[test]
    fn binary_files_have_no_lines() {
        assert!(text_of(b"PNG\0\x01\x02").is_empty());
        assert_eq!(text_of(b"a\nb\n"), b"a\nb\n");
    }
}
