//! Provenance travels with commits: assistant lines committed from the
//! editor get an Agent Trace note on refs/notes/provenance, which blame reads
//! back, also after an amend.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

const BLOCK: &str = "fn suggested() -> u32 {\n    40 + 2\n}\n";

fn wait_for_note(repo: &Repo, rev: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = repo.git_output(&["notes", "--ref=provenance", "show", rev]);
        if out.status.success() {
            return String::from_utf8(out.stdout).unwrap();
        }
        assert!(Instant::now() < deadline, "no provenance note on {rev}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn blame(repo: &Repo) -> Vec<Value> {
    crate::attribution::blame_json(repo, "src/lib.rs")
}

#[test]
fn committing_assistant_lines_writes_a_note_that_blame_reads() {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", "fn main() {\n}\n");
    repo.commit("start");
    let uri = file_uri(&repo.file("src/lib.rs"));
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    client.open(&uri, "rust", 1, "fn main() {\n}\n");
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    assert_eq!(client.regions(&uri)["regions"][0]["source"], "completion");
    // Give the HEAD watcher a look at the starting commit, then save and commit.
    std::thread::sleep(Duration::from_millis(1500));
    repo.write("src/lib.rs", &format!("fn main() {{\n}}\n{BLOCK}"));
    repo.commit("Add suggested");

    let note = wait_for_note(&repo, "HEAD");
    let record: Value = serde_json::from_str(note.lines().next().unwrap()).unwrap();
    assert_eq!(record["version"], "0.1.0");
    assert_eq!(record["tool"]["name"], "copilot");
    assert_eq!(record["files"][0]["path"], "src/lib.rs");
    assert_eq!(
        record["files"][0]["conversations"][0]["ranges"][0]["start_line"],
        3
    );
    assert_eq!(
        record["files"][0]["conversations"][0]["ranges"][0]["end_line"],
        5
    );

    let lines = blame(&repo);
    let ai: Vec<bool> = lines.iter().map(|l| l["ai"].as_bool().unwrap()).collect();
    assert_eq!(ai, vec![false, false, true, true, true]);
    assert_eq!(lines[2]["agent"], "copilot");

    // An amend makes a new commit with the same lines: attribution stays.
    repo.git(&["commit", "-q", "--amend", "-m", "Add suggested (amended)"]);
    let lines = blame(&repo);
    assert_eq!(lines[3]["ai"], true, "{:?}", lines[3]);
    client.shutdown();
}
