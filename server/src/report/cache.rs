//! The report cache under `<git-dir>/provenance/cache/report/`: the state
//! at the HEAD of the last run (lines alive with their origins, and the
//! tallies so far), so that the next run walks only the commits that came
//! after it. One small binary file per set of options that change the
//! figures, checksummed; a file that does not read back whole is ignored
//! and rewritten. Keyed by everything else that decides the figures too
//! (`Key::inputs`: the notes refs' tips, the trace file, the mailmap, what
//! `.gitattributes` and HEAD's files say), so a cached run always equals a
//! full one. Must never be trusted across a rewritten history: the caller
//! checks that the cached HEAD is an ancestor of the new one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::figures::{Class, ClassTally, Tally, CLASSES};
use super::filter::Versions;
use super::lives::{FileLines, Line, Lives, PathTally};
use super::walk::CommitId;
use super::GroupBy;

const MAGIC: &[u8; 8] = b"PLSRPT03";

/// What a cached state depends on besides the commits.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub since: Option<i64>,
    pub include_bots: bool,
    pub by: Option<GroupBy>,
    /// The file rules and declared humans, as text (one file per set).
    pub rules: String,
    /// A checksum of what else decides the figures (checked inside the file).
    pub inputs: u32,
}

impl Key {
    fn file(&self, dir: &Path) -> PathBuf {
        let since = self.since.map_or("all".to_string(), |s| s.to_string());
        let by = match self.by {
            None => "total",
            Some(GroupBy::Author) => "author",
            // Its groups part an assistant's lines by model (`lives::MODEL_SEPARATOR`).
            Some(GroupBy::Agent) => "agent-models",
            Some(GroupBy::Model) => "model",
            Some(GroupBy::Directory) => "directory",
        };
        let bots = if self.include_bots { "bots" } else { "nobots" };
        let rules = crc32fast::hash(self.rules.as_bytes());
        dir.join(format!("since-{since}.{by}.{bots}.{rules:08x}.bin"))
    }
}

pub struct Cached {
    pub tip: CommitId,
    /// `Key::inputs` when it was written.
    pub inputs: u32,
    /// The files left out as rewritten wholesale in that walk.
    pub wholesale: HashSet<String>,
    pub lives: Lives,
}

pub fn load(dir: &Path, key: &Key) -> Option<Cached> {
    let bytes = std::fs::read(key.file(dir)).ok()?;
    let (body, sum) = bytes.split_at(bytes.len().checked_sub(4)?);
    if crc32fast::hash(body).to_le_bytes() != sum {
        return None;
    }
    let mut r = Reader { bytes: body, at: 0 };
    if r.take(8)? != MAGIC {
        return None;
    }
    let tip = CommitId::from_hex(r.str()?.as_bytes()).ok()?;
    let inputs = r.u32()?;
    let wholesale = (0..r.u64()?)
        .map(|_| r.str())
        .collect::<Option<HashSet<_>>>()?;
    let origins = (0..r.u64()?).map(|_| r.i64()).collect::<Option<Vec<_>>>()?;
    let total = r.tally()?;
    let group_names = (0..r.u64()?).map(|_| r.str()).collect::<Option<Vec<_>>>()?;
    let groups = (0..r.u64()?)
        .map(|_| r.tally())
        .collect::<Option<Vec<_>>>()?;
    let mut paths = HashMap::new();
    for _ in 0..r.u64()? {
        let path = r.str()?;
        let tally = PathTally {
            commits: r.u32()?,
            lines_added: r.u64()?,
            churned: r.u64()?,
            last_change: r.i64()?,
            authors: (0..r.u64()?).map(|_| r.u32()).collect::<Option<Vec<_>>>()?,
        };
        paths.insert(path, tally);
    }
    let author_keys = (0..r.u64()?).map(|_| r.str()).collect::<Option<Vec<_>>>()?;
    let mut files = FileLines::new();
    for _ in 0..r.u64()? {
        let path = r.str()?;
        let lines = (0..r.u64()?)
            .map(|_| {
                Some(Line {
                    origin: r.u32()?,
                    seq: r.u32()?,
                    class: Class::from_u8(r.u8()?),
                    group: r.u32()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        files.insert(path, Rc::new(lines));
    }
    let processed = r.u64()?;
    let bot_commits = r.u64()?;
    let mut versions = BTreeMap::new();
    for _ in 0..r.u64()? {
        let path = r.str()?;
        versions.insert(
            path,
            Versions {
                changed: r.u32()?,
                rewrites: r.u32()?,
            },
        );
    }
    let mut left_out = BTreeMap::new();
    for _ in 0..r.u64()? {
        let path = r.str()?;
        left_out.insert(path, (r.u8()?, r.u64()?));
    }
    let mut missing = BTreeMap::new();
    for _ in 0..r.u64()? {
        let object = r.str()?;
        missing.insert(object, r.str()?);
    }
    let lives = Lives {
        origins,
        total,
        group_names,
        groups,
        paths,
        author_keys,
        ends: vec![(tip, files)],
        processed,
        bot_commits,
        versions,
        left_out,
        missing,
    };
    Some(Cached {
        tip,
        inputs,
        wholesale,
        lives,
    })
}

/// Writes the state at `tip` (the only end of `lives`), atomically.
pub fn store(
    dir: &Path,
    key: &Key,
    tip: CommitId,
    wholesale: &HashSet<String>,
    lives: &Lives,
) -> std::io::Result<()> {
    let mut w = Vec::new();
    w.extend_from_slice(MAGIC);
    put_str(&mut w, &tip.to_string());
    w.extend_from_slice(&key.inputs.to_le_bytes());
    let mut wholesale: Vec<&String> = wholesale.iter().collect();
    wholesale.sort();
    put_u64(&mut w, wholesale.len() as u64);
    for path in wholesale {
        put_str(&mut w, path);
    }
    put_u64(&mut w, lives.origins.len() as u64);
    for &o in &lives.origins {
        w.extend_from_slice(&o.to_le_bytes());
    }
    put_tally(&mut w, &lives.total);
    put_u64(&mut w, lives.group_names.len() as u64);
    for name in &lives.group_names {
        put_str(&mut w, name);
    }
    put_u64(&mut w, lives.groups.len() as u64);
    for g in &lives.groups {
        put_tally(&mut w, g);
    }
    put_u64(&mut w, lives.paths.len() as u64);
    for (path, t) in &lives.paths {
        put_str(&mut w, path);
        w.extend_from_slice(&t.commits.to_le_bytes());
        put_u64(&mut w, t.lines_added);
        put_u64(&mut w, t.churned);
        w.extend_from_slice(&t.last_change.to_le_bytes());
        put_u64(&mut w, t.authors.len() as u64);
        for a in &t.authors {
            w.extend_from_slice(&a.to_le_bytes());
        }
    }
    put_u64(&mut w, lives.author_keys.len() as u64);
    for a in &lives.author_keys {
        put_str(&mut w, a);
    }
    let files = &lives.ends[0].1;
    put_u64(&mut w, files.len() as u64);
    for (path, lines) in files {
        put_str(&mut w, path);
        put_u64(&mut w, lines.len() as u64);
        for l in lines.iter() {
            w.extend_from_slice(&l.origin.to_le_bytes());
            w.extend_from_slice(&l.seq.to_le_bytes());
            w.push(l.class as u8);
            w.extend_from_slice(&l.group.to_le_bytes());
        }
    }
    put_u64(&mut w, lives.processed);
    put_u64(&mut w, lives.bot_commits);
    put_u64(&mut w, lives.versions.len() as u64);
    for (path, v) in &lives.versions {
        put_str(&mut w, path);
        w.extend_from_slice(&v.changed.to_le_bytes());
        w.extend_from_slice(&v.rewrites.to_le_bytes());
    }
    put_u64(&mut w, lives.left_out.len() as u64);
    for (path, (reason, lines)) in &lives.left_out {
        put_str(&mut w, path);
        w.push(*reason);
        put_u64(&mut w, *lines);
    }
    put_u64(&mut w, lives.missing.len() as u64);
    for (object, path) in &lives.missing {
        put_str(&mut w, object);
        put_str(&mut w, path);
    }
    let sum = crc32fast::hash(&w);
    w.extend_from_slice(&sum.to_le_bytes());

    std::fs::create_dir_all(dir)?;
    let file = key.file(dir);
    // States for an older default window (yesterday's `--since`) are never read again.
    if let Some(suffix) = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split_once('.'))
        .map(|(_, s)| s.to_string())
    {
        for entry in std::fs::read_dir(dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("since-") && name.ends_with(&suffix) && entry.path() != file {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let tmp = file.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&w)?;
    f.sync_all()?;
    std::fs::rename(tmp, file)
}

fn put_u64(w: &mut Vec<u8>, v: u64) {
    w.extend_from_slice(&v.to_le_bytes());
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    put_u64(w, s.len() as u64);
    w.extend_from_slice(s.as_bytes());
}

fn put_map(w: &mut Vec<u8>, m: &BTreeMap<i64, u64>) {
    put_u64(w, m.len() as u64);
    for (k, v) in m {
        w.extend_from_slice(&k.to_le_bytes());
        put_u64(w, *v);
    }
}

fn put_tally(w: &mut Vec<u8>, t: &Tally) {
    put_u64(w, t.merges);
    for c in &t.classes {
        put_u64(w, c.commits);
        put_u64(w, c.lines_added);
        put_u64(w, c.lines_deleted);
        put_u64(w, c.lines_ended);
        put_map(w, &c.added_by_day);
        put_map(w, &c.churned_by_day);
        put_u64(w, c.ended_after.len() as u64);
        for v in &c.ended_after {
            put_u64(w, *v);
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<String> {
        let n = usize::try_from(self.u64()?).ok()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn map(&mut self) -> Option<BTreeMap<i64, u64>> {
        (0..self.u64()?)
            .map(|_| Some((self.i64()?, self.u64()?)))
            .collect()
    }
    fn tally(&mut self) -> Option<Tally> {
        let merges = self.u64()?;
        let mut classes: [ClassTally; CLASSES] = Default::default();
        for c in &mut classes {
            c.commits = self.u64()?;
            c.lines_added = self.u64()?;
            c.lines_deleted = self.u64()?;
            c.lines_ended = self.u64()?;
            c.added_by_day = self.map()?;
            c.churned_by_day = self.map()?;
            c.ended_after = (0..self.u64()?)
                .map(|_| self.u64())
                .collect::<Option<Vec<_>>>()?;
        }
        Some(Tally { classes, merges })
    }
}
