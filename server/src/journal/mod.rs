//! The journal: the user's provenance record on disk, written by any number
//! of servers at once. Each server process appends to its own segment
//! (`writers/<id>.journal`, checksummed frames, layout in `frame` and
//! docs/journal.md) and holds an OS lock on `writers/<id>.lock` while it
//! lives; the base file `journal` holds what dead writers left, folded in by
//! whoever holds `journal.lock`. Plus the marks agents leave with
//! `provenance-ls mark` (`marks`), and where both live (`location`).
//!
//! Invariants: a live writer's segment is only ever appended to, by its
//! writer; the base is rewritten (atomically) only under `journal.lock`, and a
//! segment is deleted only after the base holding its records is durable.
//! Readers take no lock: they read the segments before the base, so a fold
//! running meanwhile can make them see records twice (the caller's merge is
//! idempotent) but never miss one. Damage is reported and skipped, never
//! fatal, and never silently deleted (the damaged file is kept as
//! `journal.corrupt-<n>`). Plain std IO: no tokio, no LSP types, no git
//! library, no clock. The journal does not know what a record means: it
//! stores any `Serialize` value and gives back any `DeserializeOwned` one;
//! how streams merge and when to sync are the caller's policy.

mod frame;
mod location;
mod marks;

use std::collections::hash_map::RandomState;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use location::{git_dir, journal_dir, work_tree_root, workspace_folder_name, GIT_SUBFOLDER};
pub use marks::{
    canonical_file_path, marks_dir_for_file, read_marks, recent_mark, record_mark,
    with_session_cursor, workspace_root_of, Mark, TranscriptCursor, DEFAULT_MARK_WINDOW_MS,
    MARKS_FILE, MARKS_OLD_FILE, SESSIONS_DIR,
};

/// The base file inside the journal folder: what finished writers left.
pub const JOURNAL_FILE: &str = "journal";
/// Held (an OS file lock) by the one server folding segments into the base.
pub const LOCK_FILE: &str = "journal.lock";
/// The folder of the writers' segments and their locks.
pub const WRITERS_DIR: &str = "writers";
const SEGMENT_EXT: &str = "journal";
const SEGMENT_LOCK_EXT: &str = "lock";
/// Written and replaced whole, then renamed over the base.
const TEMP_FILE: &str = "journal.tmp";
/// The format this build writes, and the newest it reads. Version 1 (one
/// file, one writer) reads as a base without segments.
pub const FORMAT_VERSION: u32 = 2;
const FORMAT_NAME: &str = "provenance-ls journal";

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
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

/// The records of one writer, in the order it appended them.
#[derive(Debug)]
pub struct Stream<T> {
    /// `base` for the base file, else the writer's segment id. Segment ids
    /// sort in no particular order but always the same one.
    pub writer: String,
    /// The writer is still running (its segment may grow).
    pub live: bool,
    pub records: Vec<T>,
}

/// The writer name of the base file's stream.
pub const BASE_WRITER: &str = "base";

/// What replay found: every writer's records, and any damage it skipped.
#[derive(Debug)]
pub struct Recovery<T> {
    /// The base first, then every other writer's segment by id.
    pub streams: Vec<Stream<T>>,
    /// Damage found and skipped. Empty for a healthy journal.
    pub problems: Vec<Problem>,
    /// Where damaged files were kept, byte for byte.
    pub set_aside: Vec<PathBuf>,
    /// Why folding finished segments into the base failed, if it did (the
    /// segments are then left as they are and folded by a later start).
    pub fold_error: Option<JournalError>,
}

impl<T> Recovery<T> {
    /// Every record of every stream, base first.
    pub fn records(&self) -> impl Iterator<Item = &T> {
        self.streams.iter().flat_map(|s| s.records.iter())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the damage is in.
    pub file: PathBuf,
    /// Byte offset of the damage in the file as it was found.
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
        let file = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        write!(
            f,
            "{what} at byte {} of {file} ({} bytes skipped)",
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

/// A file of the journal another process owns (the base, another writer's
/// segment), with its size and time when listed: the same file with the
/// same size and time holds the same records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherFile {
    /// [`BASE_WRITER`] or the segment's id.
    pub writer: String,
    pub path: PathBuf,
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl OtherFile {
    fn stat(writer: String, path: PathBuf) -> Option<OtherFile> {
        let meta = fs::metadata(&path).ok()?;
        Some(OtherFile {
            writer,
            len: meta.len(),
            modified: meta.modified().ok(),
            path,
        })
    }
}

/// This process's segment of the journal of one workspace, locked for it.
///
/// Appends are buffered; [`Journal::sync`] writes and fsyncs them. The
/// caller decides when: the LSP layer syncs before answering any request
/// and on a 200 ms timer, so an event is durable once the server has
/// answered any later request.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    id: String,
    path: PathBuf,
    lock_path: PathBuf,
    file: File,
    pending: Vec<u8>,
    /// Written but not yet fsynced (a write succeeded, the fsync failed).
    unsynced: bool,
    /// Something was ever appended (an unused segment is removed on close).
    used: bool,
    /// Held for the segment's lifetime; the OS drops the lock with the file
    /// (also when the process is killed), which is how others know it died.
    _lock: File,
}

impl Journal {
    /// Opens the journal in `dir` (creating the folder if needed), replays
    /// it and starts this process's segment.
    ///
    /// When no other process is folding, segments of writers that are gone
    /// are folded into the base: `fold` gets the base and those streams and
    /// returns the records the new base holds (the caller's merge; for
    /// records that mean nothing together, their concatenation). Damage is
    /// never fatal: it is reported in [`Recovery::problems`] and each damaged
    /// file is kept as `journal.corrupt-<n>`; a damaged base is rewritten
    /// without the damage by the folder.
    pub fn open<T, F>(dir: &Path, fold: F) -> Result<(Journal, Recovery<T>), JournalError>
    where
        T: DeserializeOwned + Serialize,
        F: FnOnce(&[&Stream<T>]) -> Vec<T>,
    {
        let created_dir = !dir.exists();
        fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        if created_dir {
            if let Some(parent) = dir.parent() {
                sync_dir(parent);
            }
        }
        let writers = dir.join(WRITERS_DIR);
        if !writers.is_dir() {
            fs::create_dir_all(&writers).map_err(io_error("create", &writers))?;
            sync_dir(dir);
        }
        let folder_lock = take_folder_lock(dir)?;
        let holding = folder_lock.is_some();
        let mut read = read_streams::<T>(dir, None, holding)?;

        let mut set_aside = Vec::new();
        if holding {
            for file in read.damaged.iter() {
                let bytes = fs::read(file).map_err(io_error("read", file))?;
                let kept = keep_evidence(dir, file, &bytes)?;
                tracing::warn!(
                    file = %file.display(),
                    kept = %kept.display(),
                    "journal damaged; skipped the damage and kept the damaged file"
                );
                set_aside.push(kept);
            }
        }

        let journal = Journal::start_segment(dir)?;

        let mut fold_error = None;
        if holding && (read.base_needs_rewrite || !read.dead.is_empty()) {
            let finished: Vec<&Stream<T>> = read.streams.iter().filter(|s| !s.live).collect();
            let base = fold(&finished);
            if let Err(e) = write_base(dir, &base).and_then(|()| remove_segments(dir, &read.dead)) {
                tracing::warn!(error = %e, "journal: folding finished segments failed");
                fold_error = Some(e);
            }
        }
        drop(folder_lock);
        read.streams
            .retain(|s| !s.records.is_empty() || s.writer == BASE_WRITER);
        Ok((
            journal,
            Recovery {
                streams: read.streams,
                problems: read.problems,
                set_aside,
                fold_error,
            },
        ))
    }

    /// Creates this process's segment: its lock file first (created new,
    /// then locked), then the segment with a header, so a segment without a
    /// held lock is always a finished one.
    fn start_segment(dir: &Path) -> Result<Journal, JournalError> {
        let writers = dir.join(WRITERS_DIR);
        for attempt in 0u32.. {
            let id = format!(
                "{}-{:016x}",
                std::process::id(),
                RandomState::new().build_hasher().finish()
            );
            let lock_path = segment_lock_path(dir, &id);
            let lock = match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock_path)
            {
                Ok(lock) => lock,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => continue,
                Err(e) => return Err(io_error("create", &lock_path)(e)),
            };
            lock.try_lock().map_err(|e| match e {
                TryLockError::WouldBlock => JournalError::Io {
                    action: "lock",
                    path: lock_path.clone(),
                    source: io::Error::from(io::ErrorKind::WouldBlock),
                },
                TryLockError::Error(source) => JournalError::Io {
                    action: "lock",
                    path: lock_path.clone(),
                    source,
                },
            })?;
            let path = writers.join(format!("{id}.{SEGMENT_EXT}"));
            let created = OpenOptions::new()
                .append(true)
                .create_new(true)
                .open(&path)
                .map_err(io_error("create", &path))
                .and_then(|mut file| {
                    file.write_all(&header_frame())
                        .map_err(io_error("write", &path))?;
                    file.sync_all().map_err(io_error("fsync", &path))?;
                    Ok(file)
                });
            let file = match created {
                Ok(file) => file,
                Err(e) => {
                    let _ = fs::remove_file(&path);
                    let _ = fs::remove_file(&lock_path);
                    return Err(e);
                }
            };
            sync_dir(&writers);
            return Ok(Journal {
                dir: dir.to_path_buf(),
                id,
                path,
                lock_path,
                file,
                pending: Vec::new(),
                unsynced: false,
                used: false,
                _lock: lock,
            });
        }
        unreachable!("the loop returns")
    }

    /// The files other processes own, as they are now: the other writers'
    /// segments by id, then the base. Read them in this order (see
    /// [`Journal::read_other`]); equal listings, nothing new to read.
    pub fn others(&self) -> Vec<OtherFile> {
        let mut files: Vec<OtherFile> = segment_ids(&self.dir)
            .into_iter()
            .filter(|id| *id != self.id)
            .filter_map(|id| OtherFile::stat(id.clone(), segment_path(&self.dir, &id)))
            .collect();
        files.extend(OtherFile::stat(
            BASE_WRITER.to_owned(),
            self.dir.join(JOURNAL_FILE),
        ));
        files
    }

    /// `file` as it is now (`None`: gone).
    pub fn restat(&self, file: &OtherFile) -> Option<OtherFile> {
        OtherFile::stat(file.writer.clone(), file.path.clone())
    }

    /// Reads one file another process owns, touching nothing: to see what
    /// other writers recorded since the journal was opened. `None`: the
    /// file is gone (a segment folded since it was listed) or of a newer
    /// format. Damage is skipped (and logged); a torn tail is a write in
    /// progress.
    pub fn read_other<T: DeserializeOwned>(
        &self,
        file: &OtherFile,
    ) -> Result<Option<Stream<T>>, JournalError> {
        let Some(replay) = read_file::<T>(&file.path)? else {
            return Ok(None);
        };
        if let Some(found) = replay.newer_version {
            if file.writer == BASE_WRITER {
                return Err(JournalError::NewerFormat {
                    path: file.path.clone(),
                    found,
                });
            }
            return Ok(None);
        }
        for problem in replay
            .problems
            .iter()
            .filter(|p| p.kind != ProblemKind::TornTail)
        {
            tracing::debug!(file = %file.path.display(), %problem, "journal: skipped damage in another writer's file");
        }
        let live = file.writer != BASE_WRITER && writer_is_live(&self.dir, &file.writer);
        Ok(Some(Stream {
            writer: file.writer.clone(),
            live,
            records: replay.records,
        }))
    }

    /// Adds a record to the write buffer. Not on disk until [`Journal::sync`].
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), JournalError> {
        let payload = serde_json::to_vec(record).map_err(JournalError::Encode)?;
        if payload.len() > frame::MAX_PAYLOAD {
            return Err(JournalError::TooLarge { len: payload.len() });
        }
        frame::encode(&payload, &mut self.pending);
        self.used = true;
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

    /// This process's segment.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        if let Err(e) = self.sync() {
            tracing::warn!(error = %e, "journal: last sync on close failed");
            return;
        }
        if !self.used {
            // Nothing but a header: nobody needs to fold it.
            let _ = fs::remove_file(&self.path);
            let _ = fs::remove_file(&self.lock_path);
        }
    }
}

/// Opens (creating it) a file that is only ever locked, never written.
pub(crate) fn open_lock_file(path: &Path) -> Result<File, JournalError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_error("open", path))
}

/// Takes `journal.lock` if nobody holds it. `None`: another process is
/// folding (or an older provenance-ls, which held it for its whole life,
/// is running), so this one reads without folding.
fn take_folder_lock(dir: &Path) -> Result<Option<File>, JournalError> {
    let lock_path = dir.join(LOCK_FILE);
    let lock = open_lock_file(&lock_path)?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(source)) => Err(JournalError::Io {
            action: "lock",
            path: lock_path,
            source,
        }),
    }
}

fn segment_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(WRITERS_DIR).join(format!("{id}.{SEGMENT_EXT}"))
}

fn segment_lock_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(WRITERS_DIR)
        .join(format!("{id}.{SEGMENT_LOCK_EXT}"))
}

/// The ids of every segment in `dir`, sorted.
fn segment_ids(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir.join(WRITERS_DIR)) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(&format!(".{SEGMENT_EXT}"))
                .map(str::to_owned)
        })
        .collect();
    ids.sort();
    ids
}

/// Whether the writer of segment `id` is still running: its lock is held.
/// A segment whose lock file is gone is finished (the lock is created
/// before the segment and removed after it).
fn writer_is_live(dir: &Path, id: &str) -> bool {
    let Ok(lock) = OpenOptions::new()
        .write(true)
        .open(segment_lock_path(dir, id))
    else {
        return false;
    };
    matches!(lock.try_lock(), Err(TryLockError::WouldBlock))
}

struct Read<T> {
    streams: Vec<Stream<T>>,
    problems: Vec<Problem>,
    /// Damaged files the folder may set aside (base, finished segments).
    damaged: Vec<PathBuf>,
    /// Finished segments that were read, to delete once folded.
    dead: Vec<String>,
    base_needs_rewrite: bool,
}

/// Reads the segments (all but `own`'s), then the base: in that order a
/// fold running meanwhile can only make a record appear twice, never
/// vanish. `folding`: whether the caller holds `journal.lock`.
fn read_streams<T: DeserializeOwned>(
    dir: &Path,
    own: Option<&str>,
    folding: bool,
) -> Result<Read<T>, JournalError> {
    let mut out = Read {
        streams: Vec::new(),
        problems: Vec::new(),
        damaged: Vec::new(),
        dead: Vec::new(),
        base_needs_rewrite: false,
    };
    let mut segments = Vec::new();
    for id in segment_ids(dir) {
        let live = own == Some(id.as_str()) || writer_is_live(dir, &id);
        let path = segment_path(dir, &id);
        // None: folded into the base since the folder was listed.
        let Some(mut replay) = read_file::<T>(&path)? else {
            continue;
        };
        if let Some(found) = replay.newer_version {
            // A newer build's segment: not ours to read or fold.
            tracing::warn!(segment = %path.display(), found, "journal: segment of a newer format left alone");
            continue;
        }
        if live {
            // A live writer may be in the middle of a write.
            replay.problems.retain(|p| p.kind != ProblemKind::TornTail);
        } else {
            if !replay.problems.is_empty() {
                out.damaged.push(path.clone());
            }
            out.dead.push(id.clone());
        }
        for mut problem in replay.problems {
            problem.file = path.clone();
            out.problems.push(problem);
        }
        segments.push(Stream {
            writer: id,
            live,
            records: replay.records,
        });
    }

    let path = dir.join(JOURNAL_FILE);
    let (mut replay, empty) = match read_file::<T>(&path)? {
        Some(replay) => {
            let empty = replay.len == 0;
            (replay, empty)
        }
        None => (replay::<T>(&[]), true),
    };
    if let Some(found) = replay.newer_version {
        return Err(JournalError::NewerFormat { path, found });
    }
    if !folding {
        // The folder may be rewriting it right now; a torn tail is its to judge.
        replay.problems.retain(|p| p.kind != ProblemKind::TornTail);
    }
    if !replay.problems.is_empty() {
        out.damaged.insert(0, path.clone());
    }
    out.base_needs_rewrite = empty || !replay.problems.is_empty();
    let mut problems: Vec<Problem> = replay
        .problems
        .into_iter()
        .map(|mut p| {
            p.file = path.clone();
            p
        })
        .collect();
    problems.append(&mut out.problems);
    out.problems = problems;
    out.streams.push(Stream {
        writer: BASE_WRITER.to_owned(),
        live: false,
        records: replay.records,
    });
    out.streams.append(&mut segments);
    Ok(out)
}

/// Reads and scans one file; `None` when it does not exist.
fn read_file<T: DeserializeOwned>(path: &Path) -> Result<Option<Replay<T>>, JournalError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(replay::<T>(&bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path)(e)),
    }
}

/// Replaces the base with `records`, atomically.
fn write_base<T: Serialize>(dir: &Path, records: &[T]) -> Result<(), JournalError> {
    let mut frames = header_frame();
    for record in records {
        let payload = serde_json::to_vec(record).map_err(JournalError::Encode)?;
        if payload.len() > frame::MAX_PAYLOAD {
            return Err(JournalError::TooLarge { len: payload.len() });
        }
        frame::encode(&payload, &mut frames);
    }
    write_atomically(dir, &dir.join(JOURNAL_FILE), &frames)
}

/// Deletes folded segments: the segment, then its lock file.
fn remove_segments(dir: &Path, ids: &[String]) -> Result<(), JournalError> {
    for id in ids {
        let path = segment_path(dir, id);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("remove", &path)(e)),
        }
        let _ = fs::remove_file(segment_lock_path(dir, id));
    }
    sync_dir(&dir.join(WRITERS_DIR));
    Ok(())
}

struct Replay<T> {
    /// Bytes scanned.
    len: usize,
    records: Vec<T>,
    problems: Vec<Problem>,
    newer_version: Option<u32>,
}

fn replay<T: DeserializeOwned>(bytes: &[u8]) -> Replay<T> {
    let mut out = Replay {
        len: bytes.len(),
        records: Vec::new(),
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
                            file: PathBuf::new(),
                            offset: offset as u64,
                            kind: ProblemKind::MissingHeader,
                            bytes_skipped: 0,
                        });
                    }
                    match serde_json::from_slice::<T>(payload) {
                        Ok(record) => {
                            out.records.push(record);
                        }
                        Err(e) => {
                            tracing::debug!(offset, error = %e, "journal: frame is not a record");
                            out.problems.push(Problem {
                                file: PathBuf::new(),
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
                    file: PathBuf::new(),
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
