//! Journal tests on real files in a temporary folder: every kind of damage
//! a crash, a bad disk or a stray write can leave.

use std::fs;

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Event {
    n: u32,
    text: String,
}

fn event(n: u32) -> Event {
    Event {
        n,
        text: format!("event {n} ✓"),
    }
}

/// Folds by concatenation: events mean nothing together.
fn concat(streams: &[&Stream<Event>]) -> Vec<Event> {
    streams
        .iter()
        .flat_map(|s| s.records.iter().cloned())
        .collect()
}

/// A journal in `dir` holding events `0..count` in its base, closed.
fn write_events(dir: &Path, count: u32) {
    let (mut journal, recovery) = reopen(dir);
    assert_eq!(recovery.records().count(), 0);
    for n in 0..count {
        journal.append(&event(n)).unwrap();
    }
    journal.sync().unwrap();
    drop(journal);
    // The next open folds the finished segment into the base.
    drop(reopen(dir));
    assert_eq!(segments(dir), 0);
}

fn reopen(dir: &Path) -> (Journal, Recovery<Event>) {
    Journal::open::<Event, _>(dir, concat).unwrap()
}

fn numbers(recovery: &Recovery<Event>) -> Vec<u32> {
    recovery.records().map(|e| e.n).collect()
}

/// How many segments the journal in `dir` has.
fn segments(dir: &Path) -> usize {
    segment_ids(dir).len()
}

fn kinds(recovery: &Recovery<Event>) -> Vec<ProblemKind> {
    recovery.problems.iter().map(|p| p.kind).collect()
}

/// Byte offsets where each frame starts, header first.
fn frame_offsets(bytes: &[u8]) -> Vec<usize> {
    frame::scan(bytes)
        .iter()
        .map(|piece| match piece {
            frame::Piece::Frame { offset, .. } => *offset,
            frame::Piece::Damaged { .. } => panic!("healthy journal expected"),
        })
        .collect()
}

/// Rewrites the journal in `dir` through `harm`, which gets the bytes and
/// the offsets of its frames (header first); returns the damaged bytes.
fn damage(dir: &Path, harm: impl FnOnce(&mut Vec<u8>, &[usize])) -> Vec<u8> {
    let path = dir.join(JOURNAL_FILE);
    let mut bytes = fs::read(&path).unwrap();
    let offsets = frame_offsets(&bytes);
    harm(&mut bytes, &offsets);
    fs::write(&path, &bytes).unwrap();
    bytes
}

/// Appends event `n` after a repair, closes, and replays: the repaired
/// journal must read back cleanly with the new event last.
fn append_and_replay(mut journal: Journal, dir: &Path, n: u32) -> Vec<u32> {
    journal.append(&event(n)).unwrap();
    drop(journal);
    let (_journal, recovery) = reopen(dir);
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
    numbers(&recovery)
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 3);
    let (_journal, recovery) = reopen(dir.path());
    assert_eq!(
        recovery.records().cloned().collect::<Vec<_>>(),
        [event(0), event(1), event(2)]
    );
    assert!(recovery.problems.is_empty());
    assert!(recovery.set_aside.is_empty());
}

#[test]
fn replay_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 4);
    let path = dir.path().join(JOURNAL_FILE);
    let before = fs::read(&path).unwrap();
    let first = numbers(&reopen(dir.path()).1);
    let second = numbers(&reopen(dir.path()).1);
    assert_eq!(first, [0, 1, 2, 3]);
    assert_eq!(first, second);
    assert_eq!(fs::read(&path).unwrap(), before, "replay must not rewrite");
}

#[test]
fn appends_are_buffered_until_sync() {
    let dir = tempfile::tempdir().unwrap();
    let (mut journal, _) = reopen(dir.path());
    assert!(!journal.is_dirty());
    let size = fs::metadata(journal.path()).unwrap().len();
    journal.append(&event(0)).unwrap();
    assert!(journal.is_dirty());
    assert_eq!(fs::metadata(journal.path()).unwrap().len(), size);
    journal.sync().unwrap();
    assert!(!journal.is_dirty());
    assert!(fs::metadata(journal.path()).unwrap().len() > size);
}

#[test]
fn records_appended_but_not_synced_are_written_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let (mut journal, _) = reopen(dir.path());
    journal.append(&event(7)).unwrap();
    drop(journal);
    assert_eq!(numbers(&reopen(dir.path()).1), [7]);
}

#[test]
fn torn_tail_is_reported_kept_and_appending_continues() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 3);
    let mut last = 0;
    let torn = damage(dir.path(), |bytes, offsets| {
        last = *offsets.last().unwrap();
        bytes.truncate(bytes.len() - 3);
    });

    let (journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0, 1]);
    assert_eq!(
        recovery.problems,
        [Problem {
            file: dir.path().join(JOURNAL_FILE),
            offset: last as u64,
            kind: ProblemKind::TornTail,
            bytes_skipped: (torn.len() - last) as u64,
        }]
    );
    expect_test::expect!["torn last frame at byte 138 of journal (37 bytes skipped)"]
        .assert_eq(&recovery.problems[0].to_string());
    let kept = recovery.set_aside[0].clone();
    assert_eq!(kept, dir.path().join("journal.corrupt-1"));
    assert_eq!(
        fs::read(&kept).unwrap(),
        torn,
        "evidence kept byte for byte"
    );

    assert_eq!(append_and_replay(journal, dir.path(), 9), [0, 1, 9]);
}

#[test]
fn flipped_byte_in_the_middle_loses_only_that_frame() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 3);
    let mut offsets = Vec::new();
    damage(dir.path(), |bytes, at| {
        // at[0] is the header; at[2] is event 1.
        bytes[at[2] + frame::HEADER_LEN + 2] ^= 0x20;
        offsets = at.to_vec();
    });

    let (journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0, 2]);
    assert_eq!(
        recovery.problems,
        [Problem {
            file: dir.path().join(JOURNAL_FILE),
            offset: offsets[2] as u64,
            kind: ProblemKind::Corrupt,
            bytes_skipped: (offsets[3] - offsets[2]) as u64,
        }]
    );
    assert_eq!(append_and_replay(journal, dir.path(), 3), [0, 2, 3]);
}

#[test]
fn garbage_appended_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 2);
    damage(dir.path(), |bytes, _| {
        bytes.extend_from_slice(b"{\"not\":\"a frame\"}\n\0\0\0");
    });

    let (journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0, 1]);
    assert_eq!(kinds(&recovery), [ProblemKind::Corrupt]);
    assert_eq!(append_and_replay(journal, dir.path(), 2), [0, 1, 2]);
}

#[test]
fn each_repair_keeps_its_own_evidence() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 1);
    for n in 1..=2 {
        damage(dir.path(), |bytes, _| bytes.extend_from_slice(b"junk"));
        let (_journal, recovery) = reopen(dir.path());
        let want = dir.path().join(format!("journal.corrupt-{n}"));
        assert_eq!(recovery.set_aside, [want]);
    }
}

#[test]
fn empty_file_gets_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(JOURNAL_FILE);
    fs::write(&path, b"").unwrap();
    let (_journal, recovery) = reopen(dir.path());
    assert_eq!(recovery.records().count(), 0);
    assert!(recovery.problems.is_empty());
    let bytes = fs::read(&path).unwrap();
    let (payload, len) = frame::decode(&bytes).unwrap();
    assert_eq!(len, bytes.len());
    expect_test::expect![[r#"{"format":"provenance-ls journal","version":2}"#]]
        .assert_eq(std::str::from_utf8(payload).unwrap());
}

#[test]
fn header_only_is_an_empty_journal() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 0);
    let (_journal, recovery) = reopen(dir.path());
    assert_eq!(recovery.records().count(), 0);
    assert!(recovery.problems.is_empty());
    assert!(!dir.path().join("journal.corrupt-1").exists());
}

#[test]
fn missing_header_is_reported_and_records_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for n in 0..2 {
        frame::encode(&serde_json::to_vec(&event(n)).unwrap(), &mut bytes);
    }
    fs::write(dir.path().join(JOURNAL_FILE), &bytes).unwrap();
    let (_journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0, 1]);
    assert_eq!(kinds(&recovery), [ProblemKind::MissingHeader]);
    let (_journal, recovery) = {
        drop(_journal);
        reopen(dir.path())
    };
    assert!(recovery.problems.is_empty(), "repaired with a header");
}

#[test]
fn a_frame_of_another_shape_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut journal, _) = reopen(dir.path());
        journal.append(&event(0)).unwrap();
        journal.append(&serde_json::json!({"other": true})).unwrap();
        journal.append(&event(2)).unwrap();
    }
    let (_journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0, 2]);
    assert_eq!(kinds(&recovery), [ProblemKind::Undecodable]);
}

#[test]
fn a_newer_format_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    frame::encode(
        br#"{"format":"provenance-ls journal","version":99}"#,
        &mut bytes,
    );
    let path = dir.path().join(JOURNAL_FILE);
    fs::write(&path, &bytes).unwrap();
    let err = Journal::open::<Event, _>(dir.path(), concat).unwrap_err();
    assert!(
        matches!(err, JournalError::NewerFormat { found: 99, .. }),
        "{err}"
    );
    assert_eq!(fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_fold_cut_short_leaves_the_old_base() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 3);
    // A crash before the rename leaves a temp file behind, maybe half written.
    fs::write(dir.path().join(TEMP_FILE), b"\xFFPVJ half").unwrap();
    let (journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0, 1, 2]);
    assert!(recovery.problems.is_empty());
    assert_eq!(append_and_replay(journal, dir.path(), 3), [0, 1, 2, 3]);
}

#[test]
fn two_writers_at_once_each_keep_every_record() {
    let dir = tempfile::tempdir().unwrap();
    write_events(dir.path(), 1);
    let (mut first, _) = reopen(dir.path());
    let (mut second, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0]);
    first.append(&event(1)).unwrap();
    second.append(&event(2)).unwrap();
    first.sync().unwrap();
    second.sync().unwrap();
    assert_ne!(first.path(), second.path());
    // A third reads both live segments and folds neither.
    let (third, recovery) = reopen(dir.path());
    let mut seen = numbers(&recovery);
    seen.sort();
    assert_eq!(seen, [0, 1, 2]);
    assert_eq!(recovery.streams.iter().filter(|s| s.live).count(), 2);
    drop(third);
    assert_eq!(segments(dir.path()), 2, "live segments are never touched");
    // The first writer sees what the second wrote since.
    second.append(&event(3)).unwrap();
    second.sync().unwrap();
    let listed = first.others();
    let mut again: Vec<u32> = listed
        .iter()
        .filter_map(|file| first.read_other::<Event>(file).unwrap())
        .flat_map(|stream| stream.records)
        .map(|e| e.n)
        .collect();
    again.sort();
    assert_eq!(again, [0, 2, 3], "the base and the second's segment");
    assert_eq!(first.others(), listed, "reading changes nothing");
    drop(first);
    drop(second);
    // Both gone: the next start folds both segments into the base.
    let (_fourth, recovery) = reopen(dir.path());
    let mut seen = numbers(&recovery);
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3]);
    assert_eq!(segments(dir.path()), 1, "only the fourth's own segment");
    assert_eq!(recovery.streams.len(), 3);
}

#[test]
fn writers_and_folds_racing_lose_nothing_and_fold_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..6u32)
        .map(|t| {
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || {
                for round in 0..5u32 {
                    let (mut journal, _) = reopen(&dir);
                    for i in 0..4u32 {
                        journal.append(&event(t * 1000 + round * 10 + i)).unwrap();
                        journal.sync().unwrap();
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let (_journal, recovery) = reopen(dir.path());
    let mut seen = numbers(&recovery);
    seen.sort();
    let mut want: Vec<u32> = (0..6u32)
        .flat_map(|t| (0..5u32).flat_map(move |r| (0..4u32).map(move |i| t * 1000 + r * 10 + i)))
        .collect();
    want.sort();
    assert_eq!(seen, want);
    assert!(recovery.problems.is_empty(), "{:?}", recovery.problems);
}

#[test]
fn a_segment_whose_lock_is_held_is_never_folded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut journal, _) = reopen(dir.path());
    journal.append(&event(5)).unwrap();
    journal.sync().unwrap();
    // Hung, not dead: no destructor runs and its lock stays held.
    std::mem::forget(journal);
    let (second, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [5]);
    assert!(recovery.streams.iter().any(|s| s.live));
    drop(second);
    assert_eq!(segments(dir.path()), 1);
}

#[test]
fn a_damaged_finished_segment_is_kept_and_its_readable_records_folded() {
    let dir = tempfile::tempdir().unwrap();
    let path = {
        let (mut journal, _) = reopen(dir.path());
        journal.append(&event(0)).unwrap();
        journal.append(&event(1)).unwrap();
        journal.path().to_path_buf()
    };
    let mut bytes = fs::read(&path).unwrap();
    bytes.truncate(bytes.len() - 2);
    fs::write(&path, &bytes).unwrap();
    let (journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [0]);
    assert_eq!(kinds(&recovery), [ProblemKind::TornTail]);
    assert_eq!(recovery.problems[0].file, path);
    assert_eq!(
        fs::read(&recovery.set_aside[0]).unwrap(),
        bytes,
        "evidence kept byte for byte"
    );
    assert!(!path.exists(), "folded");
    assert_eq!(append_and_replay(journal, dir.path(), 2), [0, 2]);
}

#[test]
fn a_format_1_journal_reads_as_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    frame::encode(
        br#"{"format":"provenance-ls journal","version":1}"#,
        &mut bytes,
    );
    frame::encode(&serde_json::to_vec(&event(4)).unwrap(), &mut bytes);
    fs::write(dir.path().join(JOURNAL_FILE), &bytes).unwrap();
    let (journal, recovery) = reopen(dir.path());
    assert_eq!(numbers(&recovery), [4]);
    assert!(recovery.problems.is_empty());
    assert_eq!(append_and_replay(journal, dir.path(), 5), [4, 5]);
}

#[test]
fn open_creates_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b/provenance");
    write_events(&nested, 1);
    assert_eq!(numbers(&reopen(&nested).1), [0]);
}

#[derive(Debug, Clone)]
enum Harm {
    Truncate(usize),
    Flip(usize, u8),
    Garbage(Vec<u8>),
}

fn harm() -> impl Strategy<Value = Harm> {
    prop_oneof![
        any::<usize>().prop_map(Harm::Truncate),
        (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Harm::Flip(at, bits)),
        proptest::collection::vec(any::<u8>(), 1..64).prop_map(Harm::Garbage),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the damage, open succeeds, every frame wholly before the
    /// damage is replayed, and only the frame hit by a flipped byte is lost.
    #[test]
    fn damage_never_loses_a_frame_before_it(count in 0u32..12, harm in harm()) {
        let dir = tempfile::tempdir().unwrap();
        write_events(dir.path(), count);
        let path = dir.path().join(JOURNAL_FILE);
        let mut bytes = fs::read(&path).unwrap();
        let offsets = frame_offsets(&bytes);
        let ends: Vec<usize> = offsets.iter().skip(1).copied().chain([bytes.len()]).collect();
        // Records are frames 1.. (frame 0 is the header).
        let all: Vec<u32> = (0..count).collect();
        let expected: Vec<u32> = match &harm {
            Harm::Truncate(at) => {
                let at = at % (bytes.len() + 1);
                bytes.truncate(at);
                all.iter().copied().filter(|n| ends[*n as usize + 1] <= at).collect()
            }
            Harm::Flip(at, bits) => {
                let at = at % bytes.len();
                bytes[at] ^= bits;
                all.iter().copied()
                    .filter(|n| !(offsets[*n as usize + 1]..ends[*n as usize + 1]).contains(&at))
                    .collect()
            }
            Harm::Garbage(junk) => {
                bytes.extend_from_slice(junk);
                all.clone()
            }
        };
        fs::write(&path, &bytes).unwrap();
        let (mut journal, recovery) = reopen(dir.path());
        prop_assert_eq!(numbers(&recovery), expected.clone());
        journal.append(&event(1000)).unwrap();
        drop(journal);
        let (_journal, again) = reopen(dir.path());
        let mut after = expected;
        after.push(1000);
        prop_assert_eq!(numbers(&again), after);
        prop_assert!(again.problems.is_empty());
    }
}
