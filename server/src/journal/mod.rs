//! The journal: the user's provenance record on disk. An append-only file
//! of checksummed frames (layout in `frame` and docs/journal.md), replayed on
//! start, compacted atomically, written by one server at a time. Plus the
//! marks agents leave with `provenance-ls mark` (`marks`), and where both
//! live (`location`).
//!
//! Invariants: damage is reported and skipped, never fatal, and never
//! silently deleted (the damaged file is kept as `journal.corrupt-<n>`);
//! every frame written before the damage is replayed. Plain std IO: no
//! tokio, no LSP types, no git library. The journal does not know what a
//! record means: it stores any `Serialize` value and gives back any
//! `DeserializeOwned` one; when to sync is the caller's policy.

mod frame;
mod location;
mod marks;

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use location::{git_dir, journal_dir, work_tree_root, workspace_folder_name, GIT_SUBFOLDER};
pub use marks::{
    canonical_file_path, marks_dir_for_file, read_marks, recent_mark, record_mark,
    workspace_root_of, Mark, DEFAULT_MARK_WINDOW_MS, MARKS_FILE, MARKS_OLD_FILE,
};

/// The journal file inside the journal folder.
pub const JOURNAL_FILE: &str = "journal";
/// Held (an OS file lock) by the one server writing the journal.
pub const LOCK_FILE: &str = "journal.lock";
/// Written and replaced whole, then renamed over the journal.
const TEMP_FILE: &str = "journal.tmp";
/// The format this build writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_NAME: &str = "provenance-ls journal";

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("another provenance-ls is writing the journal in {dir}")]
    Locked { dir: PathBuf },
    #[error(
        "the journal {path} was written by a newer provenance-ls (format {found}; this one reads up to {FORMAT_VERSION})"
    )]
    NewerFormat { path: PathBuf, found: u32 },
    #[error("cannot encode a record: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("a record of {len} bytes is larger than a journal frame may be")]
    TooLarge { len: usize },
    #[error("the folder {dir} does not exist")]
    NoFolder { dir: PathBuf },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> JournalError + 'a {
    move |source| JournalError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// What replay found: the records, and any damage it skipped.
#[derive(Debug)]
pub struct Recovery<T> {
    /// Every record that could be read, in the order it was appended.
    pub records: Vec<T>,
    /// Damage found and skipped, in file order. Empty for a healthy journal.
    pub problems: Vec<Problem>,
    /// Where the damaged journal was kept, byte for byte, when there were
    /// problems. The live journal was rewritten without the damage.
    pub set_aside: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte offset of the damage in the journal as it was found.
    pub offset: u64,
    pub kind: ProblemKind,
    pub bytes_skipped: u64,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            ProblemKind::TornTail => "torn last frame",
            ProblemKind::Corrupt => "damaged bytes",
            ProblemKind::Undecodable => "unreadable record",
            ProblemKind::MissingHeader => "missing header",
        };
        write!(
            f,
            "{what} at byte {} ({} bytes skipped)",
            self.offset, self.bytes_skipped
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file ends inside a frame: a write was cut short (crash, power loss).
    TornTail,
    /// Bytes that are not a valid frame (checksum mismatch, garbage),
    /// skipped up to the next valid frame or the end of the file.
    Corrupt,
    /// A valid frame whose JSON is not a record this build understands.
    Undecodable,
    /// The file does not start with a header frame.
    MissingHeader,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
}

impl Header {
    fn current() -> Header {
        Header {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
        }
    }

    fn parse(payload: &[u8]) -> Option<Header> {
        serde_json::from_slice::<Header>(payload)
            .ok()
            .filter(|h| h.format == FORMAT_NAME)
    }
}

/// The open journal of one workspace, locked for this process.
///
/// Appends are buffered; [`Journal::sync`] writes and fsyncs them. The
/// caller decides when: the LSP layer syncs before answering any request
/// and on a 200 ms timer, so an event is durable once the server has
/// answered any later request.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    pending: Vec<u8>,
    /// Written but not yet fsynced (a write succeeded, the fsync failed).
    unsynced: bool,
    /// Held for the journal's lifetime; the OS drops the lock with the file.
    _lock: File,
}

impl Journal {
    /// Opens (creating if needed) the journal in `dir` and replays it.
    ///
    /// Damage is never fatal: it is reported in [`Recovery::problems`], the
    /// damaged file is kept as `journal.corrupt-<n>`, and the journal is
    /// rewritten with the readable records so that appends continue on a
    /// clean file. Fails with [`JournalError::Locked`] when another process
    /// holds the journal.
    pub fn open<T: DeserializeOwned>(dir: &Path) -> Result<(Journal, Recovery<T>), JournalError> {
        let created_dir = !dir.exists();
        fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        if created_dir {
            if let Some(parent) = dir.parent() {
                sync_dir(parent);
            }
        }
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(JournalError::Locked {
                    dir: dir.to_path_buf(),
                })
            }
            Err(TryLockError::Error(source)) => {
                return Err(JournalError::Io {
                    action: "lock",
                    path: lock_path,
                    source,
                })
            }
        }

        let path = dir.join(JOURNAL_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_error("read", &path)(e)),
        };
        let replay = replay::<T>(&bytes);
        if let Some(found) = replay.newer_version {
            return Err(JournalError::NewerFormat { path, found });
        }

        let mut set_aside = None;
        if bytes.is_empty() || !replay.problems.is_empty() {
            if !replay.problems.is_empty() {
                let kept = keep_evidence(dir, &path, &bytes)?;
                tracing::warn!(
                    journal = %path.display(),
                    kept = %kept.display(),
                    problems = ?replay.problems,
                    "journal damaged; skipped the damage and kept the damaged file"
                );
                set_aside = Some(kept);
            }
            let mut frames = header_frame();
            for payload in &replay.payloads {
                frame::encode(payload, &mut frames);
            }
            write_atomically(dir, &path, &frames)?;
        }

        let file = open_for_append(&path)?;
        let journal = Journal {
            dir: dir.to_path_buf(),
            path,
            file,
            pending: Vec::new(),
            unsynced: false,
            _lock: lock,
        };
        Ok((
            journal,
            Recovery {
                records: replay.records,
                problems: replay.problems,
                set_aside,
            },
        ))
    }

    /// Adds a record to the write buffer. Not on disk until [`Journal::sync`].
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), JournalError> {
        let payload = serde_json::to_vec(record).map_err(JournalError::Encode)?;
        if payload.len() > frame::MAX_PAYLOAD {
            return Err(JournalError::TooLarge { len: payload.len() });
        }
        frame::encode(&payload, &mut self.pending);
        Ok(())
    }

    /// Writes the buffered records and fsyncs the file. Bytes that reached
    /// the file are never written twice, even when a write fails half-way.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        while !self.pending.is_empty() {
            match self.file.write(&self.pending) {
                Ok(0) => {
                    return Err(io_error("write", &self.path)(io::Error::from(
                        io::ErrorKind::WriteZero,
                    )))
                }
                Ok(n) => {
                    self.pending.drain(..n);
                    self.unsynced = true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error("write", &self.path)(e)),
            }
        }
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(io_error("fsync", &self.path))?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// Whether some appended record is not yet durable.
    pub fn is_dirty(&self) -> bool {
        !self.pending.is_empty() || self.unsynced
    }

    /// Replaces the whole journal with `records`, atomically: a crash leaves
    /// either the old journal or the new one. Records appended but not yet
    /// synced are dropped with the old content, so `records` must be the
    /// full state.
    pub fn compact<T: Serialize>(&mut self, records: &[T]) -> Result<(), JournalError> {
        let mut frames = header_frame();
        for record in records {
            let payload = serde_json::to_vec(record).map_err(JournalError::Encode)?;
            if payload.len() > frame::MAX_PAYLOAD {
                return Err(JournalError::TooLarge { len: payload.len() });
            }
            frame::encode(&payload, &mut frames);
        }
        write_atomically(&self.dir, &self.path, &frames)?;
        // The old handle points at the replaced file.
        self.file = open_for_append(&self.path)?;
        self.pending.clear();
        self.unsynced = false;
        Ok(())
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        if let Err(e) = self.sync() {
            tracing::warn!(error = %e, "journal: last sync on close failed");
        }
    }
}

struct Replay<T> {
    records: Vec<T>,
    /// The payloads of `records`, to rewrite the journal without the damage.
    payloads: Vec<Vec<u8>>,
    problems: Vec<Problem>,
    newer_version: Option<u32>,
}

fn replay<T: DeserializeOwned>(bytes: &[u8]) -> Replay<T> {
    let mut out = Replay {
        records: Vec::new(),
        payloads: Vec::new(),
        problems: Vec::new(),
        newer_version: None,
    };
    let mut seen_header = false;
    let mut first = true;
    for piece in frame::scan(bytes) {
        match piece {
            frame::Piece::Frame { offset, payload } => {
                if let Some(header) = Header::parse(payload) {
                    if header.version > FORMAT_VERSION {
                        out.newer_version = Some(header.version);
                    }
                    seen_header = true;
                } else {
                    if !seen_header && first {
                        out.problems.push(Problem {
                            offset: offset as u64,
                            kind: ProblemKind::MissingHeader,
                            bytes_skipped: 0,
                        });
                    }
                    match serde_json::from_slice::<T>(payload) {
                        Ok(record) => {
                            out.records.push(record);
                            out.payloads.push(payload.to_vec());
                        }
                        Err(e) => {
                            tracing::debug!(offset, error = %e, "journal: frame is not a record");
                            out.problems.push(Problem {
                                offset: offset as u64,
                                kind: ProblemKind::Undecodable,
                                bytes_skipped: (frame::HEADER_LEN + payload.len()) as u64,
                            });
                        }
                    }
                }
            }
            frame::Piece::Damaged {
                offset,
                len,
                damage,
            } => {
                let at_end = offset + len == bytes.len();
                let kind = if at_end && damage == frame::Damage::Incomplete {
                    ProblemKind::TornTail
                } else {
                    ProblemKind::Corrupt
                };
                out.problems.push(Problem {
                    offset: offset as u64,
                    kind,
                    bytes_skipped: len as u64,
                });
            }
        }
        first = false;
    }
    out
}

fn header_frame() -> Vec<u8> {
    let mut out = Vec::new();
    let payload = serde_json::to_vec(&Header::current()).expect("header serialises");
    frame::encode(&payload, &mut out);
    out
}

fn open_for_append(path: &Path) -> Result<File, JournalError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(io_error("open", path))
}

/// Keeps the damaged journal as `journal.corrupt-<n>` (first free n). A hard
/// link costs nothing and keeps the bytes exactly; a copy where links are
/// not supported.
fn keep_evidence(dir: &Path, path: &Path, bytes: &[u8]) -> Result<PathBuf, JournalError> {
    for n in 1.. {
        let kept = dir.join(format!("{JOURNAL_FILE}.corrupt-{n}"));
        if kept.exists() {
            continue;
        }
        if fs::hard_link(path, &kept).is_err() {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&kept)
                .map_err(io_error("create", &kept))?;
            file.write_all(bytes).map_err(io_error("write", &kept))?;
            file.sync_all().map_err(io_error("fsync", &kept))?;
        }
        sync_dir(dir);
        return Ok(kept);
    }
    unreachable!("some corrupt-<n> name is free")
}

/// Writes `bytes` to a temporary file in `dir`, fsyncs it, renames it over
/// `path` and fsyncs the folder: readers see the old file or the new one.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let temp = dir.join(TEMP_FILE);
    let mut file = File::create(&temp).map_err(io_error("create", &temp))?;
    file.write_all(bytes).map_err(io_error("write", &temp))?;
    file.sync_all().map_err(io_error("fsync", &temp))?;
    drop(file);
    fs::rename(&temp, path).map_err(io_error("rename", &temp))?;
    sync_dir(dir);
    Ok(())
}

/// Makes a new or renamed entry in `dir` durable. Best effort: not every
/// platform can open a folder (Windows cannot), and there rename is durable
/// enough once the file itself is synced.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(dir = %dir.display(), error = %e, "fsync of folder failed");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests;
