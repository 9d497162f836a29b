//! Marks: "an agent just wrote this file", left by `provenance-ls mark` from
//! an agent's hook, read by the server to attribute the change it sees next.
//!
//! Many writers, no lock: each mark is one checksummed line appended with
//! O_APPEND and fsynced, so the CLI works whether or not a server holds the
//! journal, and a line torn by a crash is skipped by readers. Nothing here
//! ever rewrites the marks file in place.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{io_error, journal_dir, sync_dir, work_tree_root, JournalError};
use crate::provenance::Usage;

/// The marks file inside the journal folder.
pub const MARKS_FILE: &str = "marks.jsonl";
/// The previous marks file, kept for readers after a rotation.
pub const MARKS_OLD_FILE: &str = "marks.1.jsonl";
/// Past this size the marks file is rotated; marks matter for minutes, so
/// the one previous file is more than enough history.
const ROTATE_AT_BYTES: u64 = 1 << 20;
/// How long a mark explains a change, unless the caller says otherwise.
pub const DEFAULT_MARK_WINDOW_MS: u64 = 10 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Canonical absolute path of the file the agent wrote.
    pub path: PathBuf,
    pub agent: Option<String>,
    pub model: Option<String>,
    /// When the mark was made, Unix milliseconds.
    pub at_ms: u64,
    /// What the agent's session spent since its previous mark, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// The folder inside the journal folder keeping, per agent session, how far
/// its transcript has been counted.
pub const SESSIONS_DIR: &str = "sessions";

/// How far a session's transcript has been counted by earlier marks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptCursor {
    /// Bytes of the transcript already counted (whole lines only).
    pub offset: u64,
    /// The id of the last message counted: the transcript repeats a
    /// message's usage on each of its lines, which may straddle two marks.
    #[serde(default)]
    pub last_message: Option<String>,
    /// The model of the last message counted: the session's model for a
    /// mark that finds nothing new.
    #[serde(default)]
    pub model: Option<String>,
}

/// Runs `count` on the cursor of `session` in `dir`, under a lock so that
/// two marks of one session never count the same lines, and keeps the
/// cursor it leaves (written whole, by rename). A missing or damaged
/// cursor starts at the beginning of the transcript.
pub fn with_session_cursor<T>(
    dir: &Path,
    session: &str,
    count: impl FnOnce(&mut TranscriptCursor) -> T,
) -> Result<T, JournalError> {
    let sessions = dir.join(SESSIONS_DIR);
    fs::create_dir_all(&sessions).map_err(io_error("create", &sessions))?;
    let name = session_file_name(session);
    let lock_path = sessions.join(format!("{name}.lock"));
    let lock = super::open_lock_file(&lock_path)?;
    lock.lock().map_err(io_error("lock", &lock_path))?;
    let path = sessions.join(format!("{name}.json"));
    let mut cursor: TranscriptCursor = fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let before = cursor.clone();
    let result = count(&mut cursor);
    if cursor != before {
        let json = serde_json::to_vec(&cursor).map_err(JournalError::Encode)?;
        let temp = sessions.join(format!("{name}.json.tmp"));
        fs::write(&temp, json).map_err(io_error("write", &temp))?;
        File::open(&temp)
            .and_then(|f| f.sync_all())
            .map_err(io_error("fsync", &temp))?;
        fs::rename(&temp, &path).map_err(io_error("rename", &path))?;
    }
    drop(lock);
    Ok(result)
}

/// A session id as a file name: kept when it is a plain id (Claude Code's
/// are UUIDs), else the hex SHA-256 of it.
fn session_file_name(session: &str) -> String {
    let plain = !session.is_empty()
        && session.len() <= 80
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        session.to_owned()
    } else {
        use sha2::Digest;
        sha2::Sha256::digest(session.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Appends `mark` to the marks file in `dir` (creating both as needed) and
/// fsyncs it. Safe to call from many processes at once.
pub fn record_mark(dir: &Path, mark: &Mark) -> Result<(), JournalError> {
    let json = serde_json::to_string(mark).map_err(JournalError::Encode)?;
    let line = format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes()));

    fs::create_dir_all(dir).map_err(io_error("create", dir))?;
    let path = dir.join(MARKS_FILE);
    rotate_if_large(dir, &path);
    let existed = path.exists();
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(io_error("open", &path))?;
    // A writer that died mid-line left no newline; start on a fresh line so
    // this mark is not glued to the torn one.
    let mut out = Vec::with_capacity(line.len() + 1);
    if !ends_with_newline(&mut file).map_err(io_error("read", &path))? {
        out.push(b'\n');
    }
    out.extend_from_slice(line.as_bytes());
    // One write call: with O_APPEND the line lands whole after any other
    // writer's line.
    file.write_all(&out).map_err(io_error("write", &path))?;
    file.sync_data().map_err(io_error("fsync", &path))?;
    if !existed {
        sync_dir(dir);
    }
    Ok(())
}

fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

fn rotate_if_large(dir: &Path, path: &Path) {
    let large = fs::metadata(path).is_ok_and(|m| m.len() > ROTATE_AT_BYTES);
    if large {
        // A writer that opened the old file still appends to it under its new
        // name, and readers read both files, so its mark is not lost.
        if let Err(e) = fs::rename(path, dir.join(MARKS_OLD_FILE)) {
            tracing::debug!(error = %e, "marks: rotation failed; appending anyway");
        }
    }
}

/// Every readable mark in `dir`, oldest file first, in the order written.
/// Torn or damaged lines are skipped; a missing file reads as no marks.
pub fn read_marks(dir: &Path) -> Vec<Mark> {
    let mut marks = Vec::new();
    for name in [MARKS_OLD_FILE, MARKS_FILE] {
        let Ok(bytes) = fs::read(dir.join(name)) else {
            continue;
        };
        marks.extend(bytes.split(|&b| b == b'\n').filter_map(parse_line));
    }
    marks
}

/// `<8 hex digits: CRC-32 of the JSON> <JSON>`.
fn parse_line(line: &[u8]) -> Option<Mark> {
    let text = std::str::from_utf8(line).ok()?;
    let (crc, json) = text.split_once(' ')?;
    if crc.len() != 8 || u32::from_str_radix(crc, 16).ok()? != crc32fast::hash(json.as_bytes()) {
        return None;
    }
    serde_json::from_str(json).ok()
}

/// The latest mark naming `path` made within `within_ms` of `now_ms`.
pub fn recent_mark(dir: &Path, path: &Path, now_ms: u64, within_ms: u64) -> Option<Mark> {
    let canonical = canonical_file_path(path).ok();
    read_marks(dir)
        .into_iter()
        .filter(|m| m.path == path || Some(&m.path) == canonical.as_ref())
        .filter(|m| m.at_ms.abs_diff(now_ms) <= within_ms)
        .max_by_key(|m| m.at_ms)
}

/// The canonical absolute form of `path`, which need not exist (an agent
/// may just have deleted it) but whose folder must.
pub fn canonical_file_path(path: &Path) -> Result<PathBuf, JournalError> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(io_error("read", Path::new(".")))?
            .join(path)
    };
    if let Ok(canonical) = fs::canonicalize(&absolute) {
        return Ok(canonical);
    }
    let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Err(JournalError::NoFolder { dir: absolute });
    };
    match fs::canonicalize(parent) {
        Ok(parent) if parent.is_dir() => Ok(parent.join(name)),
        _ => Err(JournalError::NoFolder {
            dir: parent.to_path_buf(),
        }),
    }
}

/// The workspace a file belongs to: the git work tree containing it, else
/// the folder it is in.
pub fn workspace_root_of(file: &Path) -> PathBuf {
    let folder = file.parent().unwrap_or(file);
    work_tree_root(folder).unwrap_or_else(|| folder.to_path_buf())
}

/// Where marks for `file` (canonical) are written and read. The CLI and the
/// server both use this, so they agree even when the server's workspace
/// root or journal folder setting differs.
pub fn marks_dir_for_file(file: &Path) -> Option<PathBuf> {
    journal_dir(&workspace_root_of(file), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(path: &str, at_ms: u64) -> Mark {
        Mark {
            path: PathBuf::from(path),
            agent: Some("claude-code".into()),
            model: None,
            at_ms,
            usage: None,
        }
    }

    #[test]
    fn marks_without_usage_still_load_and_usage_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        // A mark written before usage existed.
        let json = r#"{"path":"/r/a.rs","agent":"claude-code","model":null,"at_ms":7}"#;
        let line = format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes()));
        fs::write(dir.path().join(MARKS_FILE), line).unwrap();
        let mut with = mark("/r/b.rs", 8);
        with.usage = Some(Usage {
            tokens: 30,
            input_tokens: 10,
            output_tokens: 20,
            cost_usd: Some(0.25),
            session: Some("s1".into()),
            ..Usage::default()
        });
        record_mark(dir.path(), &with).unwrap();
        assert_eq!(read_marks(dir.path()), [mark("/r/a.rs", 7), with]);
    }

    #[test]
    fn a_session_cursor_is_kept_between_marks_and_per_session() {
        let dir = tempfile::tempdir().unwrap();
        let read = |session: &str| with_session_cursor(dir.path(), session, |c| c.clone()).unwrap();
        assert_eq!(read("s-1"), TranscriptCursor::default());
        with_session_cursor(dir.path(), "s-1", |c| {
            c.offset = 120;
            c.last_message = Some("msg_1".into());
        })
        .unwrap();
        assert_eq!(read("s-1").offset, 120);
        assert_eq!(read("s-1").last_message.as_deref(), Some("msg_1"));
        assert_eq!(read("other/../session"), TranscriptCursor::default());
        // A damaged cursor starts over rather than failing the mark.
        fs::write(dir.path().join(SESSIONS_DIR).join("s-1.json"), "{oops").unwrap();
        assert_eq!(read("s-1"), TranscriptCursor::default());
    }

    #[test]
    fn marks_round_trip_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let marks = [mark("/r/a.rs", 1), mark("/r/b.rs", 2), mark("/r/a.rs", 3)];
        for m in &marks {
            record_mark(dir.path(), m).unwrap();
        }
        assert_eq!(read_marks(dir.path()), marks);
    }

    #[test]
    fn torn_and_damaged_lines_are_skipped_and_later_marks_kept() {
        let dir = tempfile::tempdir().unwrap();
        record_mark(dir.path(), &mark("/r/a.rs", 1)).unwrap();
        let path = dir.path().join(MARKS_FILE);
        let good = fs::read_to_string(&path).unwrap();
        // A flipped character in a whole line, then a line cut short.
        let mut text = good.replace("a.rs", "x.rs");
        text.push_str(&good[..good.len() / 2]);
        fs::write(&path, text).unwrap();
        record_mark(dir.path(), &mark("/r/b.rs", 2)).unwrap();
        assert_eq!(read_marks(dir.path()), [mark("/r/b.rs", 2)]);
    }

    #[test]
    fn recent_mark_picks_the_latest_inside_the_window() {
        let dir = tempfile::tempdir().unwrap();
        for m in [
            mark("/r/a.rs", 1_000),
            mark("/r/a.rs", 5_000),
            mark("/r/b.rs", 6_000),
        ] {
            record_mark(dir.path(), &m).unwrap();
        }
        let a = Path::new("/r/a.rs");
        let table = [
            // (now, window, expected at_ms)
            (6_000, 10_000, Some(5_000)),
            (6_000, 1_000, Some(5_000)),
            (6_000, 500, None),
            (3_000, 2_000, Some(5_000)),
            (100_000, DEFAULT_MARK_WINDOW_MS, Some(5_000)),
        ];
        for (now, window, want) in table {
            let got = recent_mark(dir.path(), a, now, window).map(|m| m.at_ms);
            assert_eq!(got, want, "now {now} window {window}");
        }
        assert_eq!(
            recent_mark(dir.path(), Path::new("/r/c.rs"), 6_000, 10_000),
            None
        );
    }

    #[test]
    fn rotation_keeps_marks_readable() {
        let dir = tempfile::tempdir().unwrap();
        record_mark(dir.path(), &mark("/r/old.rs", 1)).unwrap();
        let path = dir.path().join(MARKS_FILE);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&vec![b'#'; ROTATE_AT_BYTES as usize + 1])
            .unwrap();
        file.write_all(b"\n").unwrap();
        record_mark(dir.path(), &mark("/r/new.rs", 2)).unwrap();
        assert!(dir.path().join(MARKS_OLD_FILE).exists());
        assert_eq!(
            read_marks(dir.path()),
            [mark("/r/old.rs", 1), mark("/r/new.rs", 2)]
        );
    }

    #[test]
    fn a_missing_file_may_be_marked_but_not_a_missing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            canonical_file_path(&root.join("gone.rs")).unwrap(),
            root.join("gone.rs")
        );
        assert!(matches!(
            canonical_file_path(&root.join("no/such/folder.rs")),
            Err(JournalError::NoFolder { .. })
        ));
    }
}
