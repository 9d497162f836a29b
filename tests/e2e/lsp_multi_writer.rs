//! Many servers on one repository (two editors, a window reload, a restart
//! that overlaps the old server): each keeps every acknowledged event, and
//! a later server sees all of them. A server that cannot write its journal
//! tells the user once and keeps trying.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

const START: &str = "fn main() {\n}\n";
const PASTE_A: &str = "// pasted in the first editor\n// line two\n";
const PASTE_B: &str = "// pasted in the second editor\n// line two\n";

fn repo() -> Repo {
    let mut repo = Repo::new();
    for file in ["src/a.rs", "src/b.rs", "src/shared.rs"] {
        repo.write(file, START);
    }
    repo.commit("start");
    repo
}

fn server(repo: &Repo, options: Value) -> Client {
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), options);
    client
}

/// Pastes `text` at the start of line `line`; the answered regions request
/// makes it acknowledged (durable).
fn paste(client: &mut Client, uri: &str, version: i32, line: u32, text: &str) -> Value {
    client.edit_source(uri, version, "pasted", None);
    client.change(uri, version, ((line, 0), (line, 0)), text);
    client.regions(uri)
}

/// (source, start line, end line) of every region.
fn lines(regions: &Value) -> Vec<(String, u64, u64)> {
    regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_string(),
                r["range"]["start"]["line"].as_u64().unwrap(),
                r["range"]["end"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn pasted(ranges: &[(u64, u64)]) -> Vec<(String, u64, u64)> {
    ranges
        .iter()
        .map(|&(start, end)| ("pasted".to_string(), start, end))
        .collect()
}

enum End {
    Exit,
    Kill9,
}

fn end(client: Client, how: &End) {
    match how {
        End::Exit => {
            client.shutdown();
        }
        End::Kill9 => client.kill9(),
    }
}

fn two_servers_pasting(how: End) {
    let repo = repo();
    let (a, b, shared) = (
        file_uri(&repo.file("src/a.rs")),
        file_uri(&repo.file("src/b.rs")),
        file_uri(&repo.file("src/shared.rs")),
    );
    let mut first = server(&repo, json!({}));
    let mut second = server(&repo, json!({}));

    // Different files.
    first.open(&a, "rust", 1, START);
    assert_eq!(
        lines(&paste(&mut first, &a, 2, 0, PASTE_A)),
        pasted(&[(0, 2)])
    );
    second.open(&b, "rust", 1, START);
    assert_eq!(
        lines(&paste(&mut second, &b, 2, 0, PASTE_B)),
        pasted(&[(0, 2)])
    );

    // One file: the first pastes, saves and closes it; the second opens it
    // and finds the first's paste, then pastes its own.
    first.open(&shared, "rust", 1, START);
    paste(&mut first, &shared, 2, 0, PASTE_A);
    let saved = format!("{PASTE_A}{START}");
    repo.write("src/shared.rs", &saved);
    first.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": shared}}),
    );
    first.regions(&a);
    second.open(&shared, "rust", 1, &saved);
    assert_eq!(
        lines(&second.regions(&shared)),
        pasted(&[(0, 2)]),
        "the second server sees what the first recorded"
    );
    assert_eq!(
        lines(&paste(&mut second, &shared, 2, 4, PASTE_B)),
        pasted(&[(0, 2), (4, 6)])
    );

    end(first, &how);
    end(second, &how);

    let mut third = server(&repo, json!({}));
    third.open(&a, "rust", 1, &format!("{PASTE_A}{START}"));
    assert_eq!(lines(&third.regions(&a)), pasted(&[(0, 2)]));
    third.open(&b, "rust", 1, &format!("{PASTE_B}{START}"));
    assert_eq!(lines(&third.regions(&b)), pasted(&[(0, 2)]));
    third.open(&shared, "rust", 1, &format!("{PASTE_A}{START}{PASTE_B}"));
    assert_eq!(lines(&third.regions(&shared)), pasted(&[(0, 2), (4, 6)]));
    third.shutdown();
    // Both writers are gone: their segments were folded into the base, and
    // only the third's own is left.
    let writers = repo.git_dir().join("provenance/writers");
    let left: Vec<_> = std::fs::read_dir(&writers)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "journal"))
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn two_servers_that_exit_keep_every_paste() {
    two_servers_pasting(End::Exit);
}

#[test]
fn two_servers_killed_keep_every_acknowledged_paste() {
    two_servers_pasting(End::Kill9);
}

#[test]
fn a_second_server_keeps_its_work_when_the_first_exits_first() {
    let repo = repo();
    let (a, b) = (
        file_uri(&repo.file("src/a.rs")),
        file_uri(&repo.file("src/b.rs")),
    );
    let mut first = server(&repo, json!({}));
    first.open(&a, "rust", 1, START);
    let mut second = server(&repo, json!({}));
    assert!(!second.log().contains("not available"), "{}", second.log());
    second.open(&b, "rust", 1, START);
    paste(&mut second, &b, 2, 0, PASTE_B);
    first.shutdown();
    // Work after the first has gone is kept too.
    paste(&mut second, &b, 3, 4, PASTE_A);
    second.kill9();

    let mut third = server(&repo, json!({}));
    third.open(&b, "rust", 1, &format!("{PASTE_B}{START}{PASTE_A}"));
    assert_eq!(lines(&third.regions(&b)), pasted(&[(0, 2), (4, 6)]));
}

#[test]
fn an_overlapping_restart_loses_nothing() {
    let repo = repo();
    let a = file_uri(&repo.file("src/a.rs"));
    let mut old = server(&repo, json!({}));
    old.open(&a, "rust", 1, START);
    let before = paste(&mut old, &a, 2, 0, PASTE_A);
    // The editor starts the new server before the old one has exited, and
    // sends it the unsaved buffer.
    let mut new = server(&repo, json!({}));
    let unsaved = format!("{PASTE_A}{START}");
    new.open(&a, "rust", 1, &unsaved);
    old.shutdown();
    assert_eq!(lines(&new.regions(&a)), lines(&before));
    let after = paste(&mut new, &a, 2, 4, PASTE_B);
    new.kill9();

    let mut next = server(&repo, json!({}));
    next.open(&a, "rust", 1, &format!("{unsaved}{PASTE_B}"));
    assert_eq!(lines(&next.regions(&a)), lines(&after));
    assert_eq!(lines(&after), pasted(&[(0, 2), (4, 6)]));
}

fn journal_messages(client: &mut Client, wait: Duration) -> Vec<String> {
    let mut out = Vec::new();
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if let Some(message) = client.wait_for(|m| m["method"] == "window/showMessage") {
            out.push(message["params"]["message"].as_str().unwrap().to_string());
        }
    }
    out
}

#[test]
fn a_journal_that_cannot_be_written_is_said_once_and_retried() {
    let repo = repo();
    let (a, b) = (
        file_uri(&repo.file("src/a.rs")),
        file_uri(&repo.file("src/b.rs")),
    );
    // The journal folder's parent is a file: no folder can be made there.
    let blocked = repo.home().join("journals");
    std::fs::write(&blocked, "not a folder").unwrap();
    let options = json!({"journal": {"path": blocked}});
    let mut client = server(&repo, options.clone());
    let said = client.wait_notification("window/showMessage", |_| true);
    assert_eq!(said["type"], 2, "a warning");
    assert!(
        said["message"]
            .as_str()
            .unwrap()
            .contains("cannot write its journal"),
        "{said}"
    );

    client.open(&a, "rust", 1, START);
    paste(&mut client, &a, 2, 0, PASTE_A);
    client.open(&b, "rust", 1, START);
    paste(&mut client, &b, 2, 0, PASTE_B);
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": b}}));
    // Retried every second, said once.
    let again = journal_messages(&mut client, Duration::from_millis(2500));
    assert!(again.is_empty(), "{again:?}");
    assert!(
        client.log().matches("still not available").count() <= 1,
        "retries are quiet"
    );

    std::fs::remove_file(&blocked).unwrap();
    let back = client.wait_notification("window/showMessage", |_| true);
    assert!(
        back["message"]
            .as_str()
            .unwrap()
            .contains("can be written again"),
        "{back}"
    );
    client.regions(&a);
    client.kill9();

    let mut next = server(&repo, options);
    next.open(&a, "rust", 1, &format!("{PASTE_A}{START}"));
    assert_eq!(lines(&next.regions(&a)), pasted(&[(0, 2)]));
    next.open(&b, "rust", 1, &format!("{PASTE_B}{START}"));
    assert_eq!(lines(&next.regions(&b)), pasted(&[(0, 2)]));
}

#[test]
fn a_damaged_segment_is_kept_aside_and_the_rest_replayed() {
    let repo = repo();
    let a = file_uri(&repo.file("src/a.rs"));
    let mut client = server(&repo, json!({}));
    client.open(&a, "rust", 1, START);
    paste(&mut client, &a, 2, 0, PASTE_A);
    client.kill9();
    let writers = repo.git_dir().join("provenance/writers");
    let segment = std::fs::read_dir(&writers)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "journal"))
        .expect("the killed server's segment");
    // A write cut short by the crash.
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes.extend_from_slice(b"\xFFPVJ\x40\x00");
    std::fs::write(&segment, &bytes).unwrap();

    let mut next = server(&repo, json!({}));
    next.open(&a, "rust", 1, &format!("{PASTE_A}{START}"));
    assert_eq!(lines(&next.regions(&a)), pasted(&[(0, 2)]));
    assert!(next.log().contains("torn last frame"), "{}", next.log());
    let kept = repo.git_dir().join("provenance/journal.corrupt-1");
    assert_eq!(std::fs::read(&kept).unwrap(), bytes, "kept byte for byte");
    assert!(!segment.exists(), "folded into the base");
}

/// The editor saved `text` and the other editor reloaded it: a file-watch
/// event, then the whole text as one change.
fn reload(client: &mut Client, uri: &str, version: i32, text: &str) {
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri, "type": 2}]}),
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
    );
}

#[test]
fn two_editors_on_one_file_each_saving_keep_both_pastes() {
    let repo = repo();
    let shared = file_uri(&repo.file("src/shared.rs"));
    let mut first = server(&repo, json!({}));
    let mut second = server(&repo, json!({}));
    first.open(&shared, "rust", 1, START);
    second.open(&shared, "rust", 1, START);

    paste(&mut first, &shared, 2, 0, PASTE_A);
    let one = format!("{PASTE_A}{START}");
    repo.write("src/shared.rs", &one);
    reload(&mut second, &shared, 2, &one);
    // On its own, each server sees the other's paste arrive from disk.
    second.regions(&shared);
    paste(&mut second, &shared, 3, 4, PASTE_B);
    let both = format!("{PASTE_A}{START}{PASTE_B}");
    repo.write("src/shared.rs", &both);
    reload(&mut first, &shared, 3, &both);
    first.regions(&shared);
    first.kill9();
    second.kill9();

    let mut third = server(&repo, json!({}));
    third.open(&shared, "rust", 1, &both);
    assert_eq!(lines(&third.regions(&shared)), pasted(&[(0, 2), (4, 6)]));
}

/// One frame of the journal's byte layout (docs/journal.md), written here by
/// hand so the test does not trust the code it checks.
fn frame(payload: &Value) -> Vec<u8> {
    let payload = serde_json::to_vec(payload).unwrap();
    let len = (payload.len() as u32).to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(&payload);
    let mut out = vec![0xFF, b'P', b'V', b'J'];
    out.extend_from_slice(&len);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

#[test]
fn a_journal_written_by_the_one_writer_format_still_loads() {
    let repo = repo();
    let path = repo.file("src/a.rs");
    let doc = path.to_str().unwrap();
    let text = format!("{PASTE_A}{START}");
    let region = json!({"id": 1, "start": 0, "end": PASTE_A.chars().count(), "source": "pasted",
                        "insertedAt": 1_700_000_000_000u64, "reviewed": false, "modified": false,
                        "retained": 1.0, "insertedLen": PASTE_A.chars().count()});
    let dir = repo.git_dir().join("provenance");
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = frame(&json!({"format": "provenance-ls journal", "version": 1}));
    bytes.extend(frame(
        &json!({"kind": "snapshot", "doc": doc, "seq": 1, "version": 3,
                               "text": text, "regions": [region]}),
    ));
    bytes.extend(frame(&json!({"kind": "closed", "doc": doc, "seq": 2})));
    std::fs::write(dir.join("journal"), &bytes).unwrap();

    let uri = file_uri(&path);
    let mut client = server(&repo, json!({}));
    client.open(&uri, "rust", 1, &text);
    assert_eq!(lines(&client.regions(&uri)), pasted(&[(0, 2)]));
    client.shutdown();
    assert!(!dir.join("journal.corrupt-1").exists(), "not damage");

    // The next start folds it into a format-2 base and still finds it.
    let mut client = server(&repo, json!({}));
    client.open(&uri, "rust", 1, &text);
    assert_eq!(lines(&client.regions(&uri)), pasted(&[(0, 2)]));
    client.shutdown();
    let base = std::fs::read(dir.join("journal")).unwrap();
    assert!(
        String::from_utf8_lossy(&base).contains(r#""version":2"#),
        "rewritten in the current format"
    );
}

#[test]
fn restart_after_restart_each_overlapping_keeps_every_paste() {
    let repo = repo();
    let a = file_uri(&repo.file("src/a.rs"));
    let mut text = START.to_string();
    let mut old = server(&repo, json!({}));
    old.open(&a, "rust", 1, &text);
    let mut want = Vec::new();
    for round in 0..4u64 {
        let block = format!("// paste {round}\n// its second line\n");
        paste(&mut old, &a, 2, 0, &block);
        text = format!("{block}{text}");
        want.push((2 * round, 2 * round + 2));
        // The next server starts and gets the buffer before the old one ends.
        let mut new = server(&repo, json!({}));
        new.open(&a, "rust", 1, &text);
        if round % 2 == 0 {
            old.shutdown();
        } else {
            old.kill9();
        }
        assert_eq!(lines(&new.regions(&a)), pasted(&want), "round {round}");
        old = new;
    }
    old.kill9();
    let mut last = server(&repo, json!({}));
    last.open(&a, "rust", 1, &text);
    assert_eq!(lines(&last.regions(&a)), pasted(&want));
}

#[test]
fn a_journal_of_a_newer_format_is_left_untouched_and_said_once() {
    let repo = repo();
    let dir = repo.git_dir().join("provenance");
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = frame(&json!({"format": "provenance-ls journal", "version": 99}));
    std::fs::write(dir.join("journal"), &bytes).unwrap();
    let a = file_uri(&repo.file("src/a.rs"));
    let mut client = server(&repo, json!({}));
    let said = client.wait_notification("window/showMessage", |_| true);
    assert!(
        said["message"]
            .as_str()
            .unwrap()
            .contains("newer provenance-ls"),
        "{said}"
    );
    client.open(&a, "rust", 1, START);
    assert_eq!(
        lines(&paste(&mut client, &a, 2, 0, PASTE_A)),
        pasted(&[(0, 2)]),
        "works without a journal"
    );
    assert!(journal_messages(&mut client, Duration::from_millis(1500)).is_empty());
    client.shutdown();
    assert_eq!(std::fs::read(dir.join("journal")).unwrap(), bytes);
}

#[test]
fn a_file_opened_as_saved_while_another_editor_holds_unsaved_changes_gets_no_false_mark() {
    let repo = repo();
    let a = file_uri(&repo.file("src/a.rs"));
    let body = "fn main() {\n    let x = 1;\n}\n";
    let saved = format!("{PASTE_A}{body}");
    // An earlier session pasted, saved and closed.
    let mut earlier = server(&repo, json!({}));
    earlier.open(&a, "rust", 1, body);
    paste(&mut earlier, &a, 2, 0, PASTE_A);
    repo.write("src/a.rs", &saved);
    earlier.notify("textDocument/didClose", json!({"textDocument": {"uri": a}}));
    earlier.shutdown();

    // One editor deletes a line and pastes, unsaved.
    let mut first = server(&repo, json!({}));
    first.open(&a, "rust", 1, &saved);
    first.change(&a, 2, ((3, 0), (4, 0)), "");
    paste(&mut first, &a, 3, 0, PASTE_B);
    // Another opens the file as it is on disk.
    let mut second = server(&repo, json!({}));
    second.open(&a, "rust", 1, &saved);
    assert_eq!(
        lines(&second.regions(&a)),
        pasted(&[(0, 2)]),
        "the saved paste, and no mark for the line the other editor deleted"
    );
    first.kill9();
    second.kill9();
}

/// Two servers edit one file in turn (open, type, paste, save, close), three
/// turns each, so each writer's segment holds the document's records in runs
/// with the other's in between; both are killed, the next server folds the
/// two segments, and the one after reads the fold alone. Replay stops a
/// document at a gap in its record numbers (docs/journal.md, "Recovery"):
/// numbers only count within one writer's segment, so interleaved writers
/// never make one, and every paste of every turn is still there.
#[test]
fn two_servers_editing_one_file_in_turn_keep_every_paste_through_kills_and_the_fold() {
    let repo = repo();
    let (a, shared) = (
        file_uri(&repo.file("src/a.rs")),
        file_uri(&repo.file("src/shared.rs")),
    );
    let mut servers = [server(&repo, json!({})), server(&repo, json!({}))];
    for client in servers.iter_mut() {
        client.open(&a, "rust", 1, START);
    }
    let mut text = START.to_string();
    let mut want: Vec<(u64, u64)> = Vec::new();
    for turn in 0..6u64 {
        let client = &mut servers[turn as usize % 2];
        client.open(&shared, "rust", 1, &text);
        assert_eq!(
            lines(&client.regions(&shared)),
            pasted(&want),
            "turn {turn}: what both recorded so far"
        );
        // Typing at the end (records that make no region), then a paste at
        // the top: the older pastes move down two lines.
        let mut version = 1;
        let end = text.lines().count() as u32;
        for (i, key) in ["x", "y", "z", "\n"].iter().enumerate() {
            version += 1;
            client.change(&shared, version, ((end, i as u32), (end, i as u32)), key);
        }
        text.push_str("xyz\n");
        version += 1;
        let block = format!("// paste {turn}\n// its second line\n");
        paste(client, &shared, version, 0, &block);
        text = format!("{block}{text}");
        want = std::iter::once((0, 2))
            .chain(want.iter().map(|&(s, e)| (s + 2, e + 2)))
            .collect();
        repo.write("src/shared.rs", &text);
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": shared}}),
        );
        // Answered: the close is durable before the other server opens.
        client.regions(&a);
    }
    let [first, second] = servers;
    first.kill9();
    second.kill9();

    let mut folder = server(&repo, json!({}));
    folder.open(&shared, "rust", 1, &text);
    assert_eq!(lines(&folder.regions(&shared)), pasted(&want));
    folder.shutdown();
    let writers = repo.git_dir().join("provenance/writers");
    let segments = std::fs::read_dir(&writers)
        .unwrap()
        .filter(|e| {
            let path = e.as_ref().unwrap().path();
            path.extension().is_some_and(|x| x == "journal")
        })
        .count();
    assert_eq!(segments, 1, "the two killed writers were folded");

    let mut next = server(&repo, json!({}));
    next.open(&shared, "rust", 1, &text);
    assert_eq!(lines(&next.regions(&shared)), pasted(&want));
}

/// Types `text` at the end of `text_before` in the open document, one char
/// per `didChange` from `version` + 1 on; returns the last version.
fn type_at_end(client: &mut Client, uri: &str, mut version: i32, before: &str, text: &str) -> i32 {
    let mut line = before.matches('\n').count() as u32;
    let mut col = before.rsplit('\n').next().unwrap_or("").chars().count() as u32;
    for c in text.chars() {
        version += 1;
        client.change(uri, version, ((line, col), (line, col)), &c.to_string());
        if c == '\n' {
            (line, col) = (line + 1, 0);
        } else {
            col += 1;
        }
    }
    version
}

/// Two editors on one file: the first types two functions and saves, the
/// second reloads the file (it sees the lines arrive from disk) and so
/// writes last. Both gone, the next server's merge still holds the first's
/// typed text, and the commit shows it as the typist's in `blame --json`.
#[test]
fn text_one_editor_typed_while_another_ran_is_human_evidence_after_both_end_and_a_commit() {
    const TYPED: &str = "fn typed() -> u32 {\n    7\n}\n";
    let mut repo = repo();
    let a = file_uri(&repo.file("src/a.rs"));
    let mut first = server(&repo, json!({}));
    let mut second = server(&repo, json!({}));
    first.open(&a, "rust", 1, START);
    second.open(&a, "rust", 1, START);

    type_at_end(&mut first, &a, 1, START, TYPED);
    // Answered: the typing is durable.
    assert_eq!(lines(&first.regions(&a)), [], "typed text shows no region");
    let saved = format!("{START}{TYPED}");
    repo.write("src/a.rs", &saved);
    reload(&mut second, &a, 2, &saved);
    assert_eq!(
        lines(&second.regions(&a)),
        [("external".to_string(), 2, 5)],
        "the second sees the lines arrive from disk"
    );
    first.kill9();
    second.shutdown();

    // The editor restarts; the file is committed as saved.
    let mut third = server(&repo, json!({}));
    third.open(&a, "rust", 1, &saved);
    assert_eq!(lines(&third.regions(&a)), []);
    std::thread::sleep(Duration::from_millis(1500));
    repo.commit("Type a function");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !repo
        .git_output(&["notes", "--ref=provenance", "show", "HEAD"])
        .status
        .success()
    {
        assert!(Instant::now() < deadline, "no provenance note on HEAD");
        std::thread::sleep(Duration::from_millis(200));
    }
    let blame: Vec<String> = crate::attribution::blame_json(&repo, "src/a.rs")
        .iter()
        .map(|l| {
            format!(
                "{} {}",
                l["authorship"].as_str().unwrap(),
                l["evidence"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        blame,
        [
            "untracked -",
            "untracked -",
            "human typed",
            "human typed",
            "human typed"
        ]
    );
    third.shutdown();
}
