//! Text typed in the editor is positive human evidence: typed keystroke by
//! keystroke (with a `typed` hint or none), committed, it is `human` with
//! evidence `typed` in `blame --json`, `blocks` and `report`, also after a
//! kill -9 and a restart before the commit and after an amend; pasted lines
//! and the lines the file had before stay "no evidence".

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::git::{run_binary, Repo};
use crate::support::lsp::{file_uri, Client};

const START: &str = "fn main() {\n}\n";
/// Typed one keystroke at a time, without a hint.
const TYPED: &str = "fn typed() -> u32 {\n    7\n}\n";
/// Typed one keystroke at a time, each with a `typed` hint.
const HINTED: &str = "fn hinted() {}\n";
/// One paste.
const PASTED: &str = "fn pasted() -> u8 { 1 }\n";

/// An editor session on `src/lib.rs`: the document version and its text.
struct Session {
    uri: String,
    version: i32,
    text: String,
}

impl Session {
    /// Where the text ends: (line, character) of an insertion at the end.
    fn end(&self) -> (u32, u32) {
        let line = self.text.matches('\n').count() as u32;
        let col = self.text.rsplit('\n').next().unwrap_or("").chars().count() as u32;
        (line, col)
    }

    /// Types `text` at the end, one char per `didChange`, each with a
    /// `typed` hint when `hint`.
    fn type_at_end(&mut self, client: &mut Client, text: &str, hint: bool) {
        for c in text.chars() {
            self.version += 1;
            if hint {
                client.edit_source(&self.uri, self.version, "typed", None);
            }
            let at = self.end();
            client.change(&self.uri, self.version, (at, at), &c.to_string());
            self.text.push(c);
        }
    }

    /// Pastes `text` at the end in one change, with a `pasted` hint.
    fn paste_at_end(&mut self, client: &mut Client, text: &str) {
        self.version += 1;
        client.edit_source(&self.uri, self.version, "pasted", None);
        let at = self.end();
        client.change(&self.uri, self.version, (at, at), text);
        self.text.push_str(text);
    }
}

fn start(repo: &mut Repo) -> Session {
    repo.write("src/lib.rs", START);
    repo.commit("start");
    Session {
        uri: file_uri(&repo.file("src/lib.rs")),
        version: 1,
        text: START.to_string(),
    }
}

fn server(repo: &Repo, session: &Session) -> Client {
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client.open(&session.uri, "rust", session.version, &session.text);
    client
}

fn wait_for_note(repo: &Repo, rev: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = repo.git_output(&["notes", "--ref=provenance", "show", rev]);
        if out.status.success() {
            return String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
        }
        assert!(Instant::now() < deadline, "no provenance note on {rev}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Each line of `blame --json` as `authorship evidence`, e.g. `human typed`.
fn blame(repo: &Repo) -> Vec<String> {
    crate::attribution::blame_json(repo, "src/lib.rs")
        .iter()
        .map(|l| {
            format!(
                "{} {}",
                l["authorship"].as_str().unwrap(),
                l["evidence"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

/// What blame says of START + TYPED + HINTED + PASTED once committed.
fn expected_blame() -> Vec<&'static str> {
    vec![
        "untracked -", // fn main() {  (was there before)
        "untracked -", // }
        "human typed", // fn typed() -> u32 {
        "human typed", //     7
        "human typed", // }
        "human typed", // fn hinted() {}
        "untracked -", // fn pasted() -> u8 { 1 }  (pasted: origin unknown)
    ]
}

fn report(repo: &Repo) -> Value {
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &["report", "--json", "--since", "all", "--no-cache"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn type_the_session(client: &mut Client, session: &mut Session) {
    session.type_at_end(client, TYPED, false);
    session.type_at_end(client, HINTED, true);
    session.paste_at_end(client, PASTED);
    // Typed text is never a region: only the paste shows.
    let regions = client.regions(&session.uri);
    let sources: Vec<&str> = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["pasted"], "{regions}");
}

#[test]
fn lines_typed_in_the_editor_are_human_evidence_in_blame_blocks_and_report() {
    let mut repo = Repo::new();
    let mut session = start(&mut repo);
    let mut client = server(&repo, &session);
    type_the_session(&mut client, &mut session);
    // Give the HEAD watcher a look at the starting commit, then save and commit.
    std::thread::sleep(Duration::from_millis(1500));
    repo.write("src/lib.rs", &session.text);
    repo.commit("Type two functions, paste one");

    let note = wait_for_note(&repo, "HEAD");
    let human: Vec<&Value> = note
        .iter()
        .filter(|r| r["files"][0]["conversations"][0]["contributor"]["type"] == "human")
        .collect();
    assert_eq!(human.len(), 1, "{note:?}");
    let record = human[0];
    assert_eq!(record["tool"]["name"], "provenance-ls");
    assert_eq!(record["metadata"]["dev.provenance-ls"]["source"], "typed");
    let ranges = &record["files"][0]["conversations"][0]["ranges"];
    assert_eq!(
        (&ranges[0]["start_line"], &ranges[0]["end_line"]),
        (&json!(3), &json!(6)),
        "{record}"
    );
    assert_eq!(ranges.as_array().unwrap().len(), 1, "{record}");
    assert_eq!(note.len(), 1, "no assistant record: {note:?}");

    assert_eq!(blame(&repo), expected_blame());

    // blocks: the typed functions are a known human's, the others nobody's.
    let out = run_binary(
        &repo.path(),
        &repo.home(),
        &["blocks", "src/lib.rs", "--json"],
    );
    assert!(out.status.success());
    let blocks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let shares: Vec<(String, f64, f64)> = blocks
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["aiShare"].as_f64().unwrap(),
                b["humanShare"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [
            ("main".to_string(), 0.0, 0.0),
            ("typed".to_string(), 0.0, 1.0),
            ("hinted".to_string(), 0.0, 1.0),
            ("pasted".to_string(), 0.0, 0.0),
        ]
    );

    // report: 4 typed lines human, the 2 first lines and the pasted one no evidence.
    let figures = report(&repo);
    assert_eq!(
        figures["linesAdded"],
        json!({"ai": 0, "human": 4, "noEvidence": 3, "unknown": 0}),
        "{figures}"
    );
    assert_eq!(
        figures["coverage"],
        json!(0.5714),
        "4 of 7 lines have evidence"
    );

    // An amend makes a new commit without a note: the typed lines are found again.
    repo.git(&["commit", "-q", "--amend", "-m", "Type (amended)"]);
    assert_eq!(blame(&repo), expected_blame());
    client.shutdown();
}

#[test]
fn typed_lines_survive_a_kill_and_a_restart_before_the_commit() {
    let mut repo = Repo::new();
    let mut session = start(&mut repo);
    let mut client = server(&repo, &session);
    type_the_session(&mut client, &mut session);
    // Answered, so journaled; then the server dies without a word.
    client.regions(&session.uri);
    client.kill9();

    // The editor reconnects and opens its buffer again.
    let client = server(&repo, &session);
    std::thread::sleep(Duration::from_millis(1500));
    repo.write("src/lib.rs", &session.text);
    repo.commit("Typed before the restart");

    let note = wait_for_note(&repo, "HEAD");
    assert_eq!(note.len(), 1, "{note:?}");
    assert_eq!(note[0]["metadata"]["dev.provenance-ls"]["source"], "typed");
    assert_eq!(blame(&repo), expected_blame());
    let figures = report(&repo);
    assert_eq!(
        figures["linesAdded"],
        json!({"ai": 0, "human": 4, "noEvidence": 3, "unknown": 0}),
        "{figures}"
    );
    client.shutdown();
}

#[test]
fn typed_lines_keep_their_evidence_through_an_amend_nobody_saw_and_a_gc() {
    let mut repo = Repo::new();
    let mut session = start(&mut repo);
    let mut client = server(&repo, &session);
    type_the_session(&mut client, &mut session);
    std::thread::sleep(Duration::from_millis(1500));
    repo.write("src/lib.rs", &session.text);
    repo.commit("Typed");
    let old = wait_for_note(&repo, "HEAD");
    let old_commit = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    client.shutdown();

    // Amended while no server runs: the new commit has no note.
    repo.git(&["commit", "-q", "--amend", "-m", "Typed (amended)"]);
    assert!(!repo
        .git_output(&["notes", "--ref=provenance", "show", "HEAD"])
        .status
        .success());
    // A server starting looks at HEAD and derives a note from the old one.
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    let note = wait_for_note(&repo, "HEAD");
    client.shutdown();
    assert_eq!(note.len(), 1, "{note:?}");
    let ours = &note[0]["metadata"]["dev.provenance-ls"];
    assert_eq!(ours["source"], "typed");
    assert_eq!(
        ours["derived_from"],
        json!([{"commit": old_commit, "record": old[0]["id"]}])
    );
    // The old commit and its note go; the typed lines stay the typist's.
    repo.git(&["reflog", "expire", "--expire=now", "--all"]);
    repo.git(&["gc", "-q", "--prune=now"]);
    repo.git(&["notes", "--ref=provenance", "prune"]);
    let notes = repo.git(&["notes", "--ref=provenance", "list"]);
    assert!(!notes.contains(&old_commit), "{notes}");
    assert_eq!(blame(&repo), expected_blame());
}
