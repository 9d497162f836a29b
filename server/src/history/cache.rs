//! Remembered blame results, keyed by (commit, path): a commit id fixes the
//! whole history behind it, so a file's blame at a commit never changes.
//! In memory (bounded, least recently used goes first) and optionally on
//! disk as one small JSON file per entry. Also remembers commit facts
//! (author, time, summary), and on disk the range histories of a file's
//! blocks at a commit (what indexing walks), so a restart walks nothing.
//! Must never compute blame or history itself.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use gix::ObjectId;

use super::range::{self, RangeChange, Tracked};
use super::repo::{CommitFacts, Objects};
use super::{FileBlame, HistoryError, LineOrigin};

/// Whole-file blames kept in memory.
const MEMORY_ENTRIES: usize = 256;
/// Commit facts kept in memory.
const MEMORY_FACTS: usize = 65_536;
/// Bump when the disk format or the blame algorithm's answers change.
const DISK_VERSION: u32 = 1;
/// The same for the range histories on disk (2: keyed by tracked ranges).
const RANGES_VERSION: u32 = 2;

pub struct BlameCache {
    dir: Option<PathBuf>,
    memory: Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    tick: u64,
    blames: HashMap<(ObjectId, String), (u64, Arc<FileBlame>)>,
    facts: HashMap<ObjectId, Arc<CommitFacts>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct DiskBlame {
    version: u32,
    commit: String,
    path: String,
    commits: Vec<(String, CommitFacts)>,
    paths: Vec<String>,
    /// (commit index, path index, 0-based line) per line.
    lines: Vec<(u32, u32, u32)>,
}

/// The range histories walked for one file at one commit, each keyed by
/// the ranges it started from there (a block, a run of lines, or what a
/// range of a later commit tracks here: what refreshing after a new commit
/// looks up).
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct DiskRanges {
    version: u32,
    commit: String,
    path: String,
    /// (tracked ranges: per path, 0-based half-open; the changes, newest
    /// first: (commit, path there, lines added, lines deleted)).
    entries: Vec<(Tracked, Vec<DiskChange>)>,
}

/// (commit, path there, lines added, lines deleted).
type DiskChange = (String, String, u32, u32);

/// Range histories kept per file and commit: enough for every block and
/// run of lines of a few versions of the file; the oldest go first.
const RANGE_ENTRIES: usize = 8192;

impl BlameCache {
    /// The range histories of exactly these `ranges` (1-based, inclusive)
    /// of `path` at `commit`, if on disk.
    pub(crate) fn ranges_get(
        &self,
        commit: ObjectId,
        path: &str,
        ranges: &[(u32, u32)],
    ) -> Option<Vec<Vec<RangeChange>>> {
        let keys: Vec<Tracked> = ranges.iter().map(|&r| range::tracked(path, r)).collect();
        self.tracked_get(commit, path, &keys).into_iter().collect()
    }

    /// Whether any range history of `path` at `commit` is on disk.
    pub(crate) fn ranges_known(&self, commit: ObjectId, path: &str) -> bool {
        self.ranges_file(commit, path).is_some_and(|f| f.exists())
    }

    /// For each of `keys` (tracked ranges at `commit`), its range history if on disk.
    pub(crate) fn tracked_get(
        &self,
        commit: ObjectId,
        path: &str,
        keys: &[Tracked],
    ) -> Vec<Option<Vec<RangeChange>>> {
        let Some(record) = self.ranges_read(commit, path) else {
            return vec![None; keys.len()];
        };
        let by_key: HashMap<&Tracked, &Vec<DiskChange>> =
            record.entries.iter().map(|(k, v)| (k, v)).collect();
        keys.iter()
            .map(|key| {
                by_key.get(&canonical(key)).and_then(|changes| {
                    changes
                        .iter()
                        .map(|(hex, path, added, deleted)| {
                            Some(RangeChange {
                                commit: ObjectId::from_hex(hex.as_bytes()).ok()?,
                                path: path.clone(),
                                added: *added,
                                deleted: *deleted,
                            })
                        })
                        .collect()
                })
            })
            .collect()
    }

    fn ranges_read(&self, commit: ObjectId, path: &str) -> Option<DiskRanges> {
        let file = self.ranges_file(commit, path)?;
        let bytes = std::fs::read(file).ok()?;
        let record: DiskRanges = serde_json::from_slice(&bytes).ok()?;
        if record.version != RANGES_VERSION
            || record.path != path
            || ObjectId::from_hex(record.commit.as_bytes()).ok() != Some(commit)
        {
            return None;
        }
        Some(record)
    }

    /// Remembers what [`BlameCache::ranges_get`] answers (disk only: the
    /// caller keeps what it shows; memory stays bounded by what is open).
    pub(crate) fn ranges_put(
        &self,
        commit: ObjectId,
        path: &str,
        ranges: &[(u32, u32)],
        changes: &[Vec<RangeChange>],
    ) {
        let keys: Vec<Tracked> = ranges.iter().map(|&r| range::tracked(path, r)).collect();
        self.tracked_put(commit, path, &keys, changes);
    }

    /// Remembers the range history of each of `keys` (tracked ranges at `commit`).
    pub(crate) fn tracked_put(
        &self,
        commit: ObjectId,
        path: &str,
        keys: &[Tracked],
        changes: &[Vec<RangeChange>],
    ) {
        let Some(file) = self.ranges_file(commit, path) else {
            return;
        };
        let mut record = self.ranges_read(commit, path).unwrap_or_default();
        record.version = RANGES_VERSION;
        record.commit = commit.to_string();
        record.path = path.to_owned();
        let fresh: std::collections::HashSet<Tracked> = keys.iter().map(canonical).collect();
        record.entries.retain(|(k, _)| !fresh.contains(k));
        record
            .entries
            .extend(keys.iter().zip(changes).map(|(key, c)| {
                (
                    canonical(key),
                    c.iter()
                        .map(|c| (c.commit.to_string(), c.path.clone(), c.added, c.deleted))
                        .collect(),
                )
            }));
        let over = record.entries.len().saturating_sub(RANGE_ENTRIES);
        record.entries.drain(..over);
        // A cache that can't be written is only slower: ignore failures.
        let _ = write_atomically(&file, &record);
    }

    fn ranges_file(&self, commit: ObjectId, path: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let hex = commit.to_string();
        Some(dir.join("ranges").join(&hex[..2]).join(format!(
            "{}-{:08x}.json",
            &hex[2..],
            crc32fast::hash(path.as_bytes()),
        )))
    }

    /// `dir`: where to keep results across runs (the caller passes
    /// `<journal dir>/cache`); `None` keeps them in memory only.
    pub fn new(dir: Option<PathBuf>) -> BlameCache {
        BlameCache {
            dir,
            memory: Mutex::new(Memory::default()),
        }
    }

    pub(crate) fn get(&self, commit: ObjectId, path: &str) -> Option<Arc<FileBlame>> {
        {
            let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
            memory.tick += 1;
            let tick = memory.tick;
            if let Some(entry) = memory.blames.get_mut(&(commit, path.to_owned())) {
                entry.0 = tick;
                return Some(entry.1.clone());
            }
        }
        let disk = self.read_disk(commit, path)?;
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        for (id, facts) in disk.1 {
            memory.facts.entry(id).or_insert_with(|| Arc::new(facts));
        }
        let blame = Arc::new(disk.0);
        memory.insert_blame(commit, path, blame.clone());
        Some(blame)
    }

    pub(crate) fn put(
        &self,
        objects: &mut Objects,
        commit: ObjectId,
        path: &str,
        blame: Arc<FileBlame>,
    ) -> Result<(), HistoryError> {
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert_blame(commit, path, blame.clone());
        if self.dir.is_some() {
            let mut commits = Vec::with_capacity(blame.commits.len());
            for &id in &blame.commits {
                commits.push((id.to_string(), (*self.facts(objects, id)?).clone()));
            }
            let record = DiskBlame {
                version: DISK_VERSION,
                commit: commit.to_string(),
                path: path.to_owned(),
                commits,
                paths: blame.paths.iter().map(|p| p.to_string()).collect(),
                lines: blame
                    .lines
                    .iter()
                    .map(|l| (l.commit, l.path, l.line))
                    .collect(),
            };
            // A cache that can't be written is only slower: ignore failures.
            let _ = self.write_disk(commit, path, &record);
        }
        Ok(())
    }

    pub(crate) fn facts(
        &self,
        objects: &mut Objects,
        commit: ObjectId,
    ) -> Result<Arc<CommitFacts>, HistoryError> {
        if let Some(facts) = self
            .memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .facts
            .get(&commit)
        {
            return Ok(facts.clone());
        }
        let facts = objects.commit_facts(commit)?;
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        if memory.facts.len() >= MEMORY_FACTS {
            memory.facts.clear();
        }
        memory.facts.insert(commit, facts.clone());
        Ok(facts)
    }

    fn file_for(&self, commit: ObjectId, path: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let hex = commit.to_string();
        Some(dir.join("blame").join(&hex[..2]).join(format!(
            "{}-{:08x}.json",
            &hex[2..],
            crc32fast::hash(path.as_bytes())
        )))
    }

    fn read_disk(
        &self,
        commit: ObjectId,
        path: &str,
    ) -> Option<(FileBlame, Vec<(ObjectId, CommitFacts)>)> {
        let file = self.file_for(commit, path)?;
        let bytes = std::fs::read(file).ok()?;
        let record: DiskBlame = serde_json::from_slice(&bytes).ok()?;
        if record.version != DISK_VERSION
            || record.path != path
            || ObjectId::from_hex(record.commit.as_bytes()).ok() != Some(commit)
        {
            return None;
        }
        let mut commits = Vec::with_capacity(record.commits.len());
        let mut facts = Vec::with_capacity(record.commits.len());
        for (hex, f) in record.commits {
            let id = ObjectId::from_hex(hex.as_bytes()).ok()?;
            commits.push(id);
            facts.push((id, f));
        }
        let lines = record
            .lines
            .iter()
            .map(|&(commit, path, line)| LineOrigin { commit, path, line })
            .collect::<Vec<_>>();
        if lines
            .iter()
            .any(|l| l.commit as usize >= commits.len() || l.path as usize >= record.paths.len())
        {
            return None;
        }
        let paths = record.paths.into_iter().map(Arc::from).collect();
        Some((
            FileBlame {
                commits,
                paths,
                lines,
            },
            facts,
        ))
    }

    fn write_disk(&self, commit: ObjectId, path: &str, record: &DiskBlame) -> std::io::Result<()> {
        let Some(file) = self.file_for(commit, path) else {
            return Ok(());
        };
        write_atomically(&file, record)
    }
}

/// Write then rename, so a reader never sees half a file.
/// Tracked ranges in one spelling: by path.
fn canonical(key: &Tracked) -> Tracked {
    let mut key = key.clone();
    key.sort();
    key
}

fn write_atomically(file: &std::path::Path, record: &impl serde::Serialize) -> std::io::Result<()> {
    let parent = file.parent().expect("cache files live in a folder");
    std::fs::create_dir_all(parent)?;
    let temp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temp, serde_json::to_vec(record)?)?;
    std::fs::rename(&temp, file)
}

impl Memory {
    fn insert_blame(&mut self, commit: ObjectId, path: &str, blame: Arc<FileBlame>) {
        self.tick += 1;
        let tick = self.tick;
        if self.blames.len() >= MEMORY_ENTRIES {
            if let Some(oldest) = self
                .blames
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone())
            {
                self.blames.remove(&oldest);
            }
        }
        self.blames.insert((commit, path.to_owned()), (tick, blame));
    }
}
