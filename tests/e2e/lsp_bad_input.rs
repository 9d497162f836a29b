//! Bad input gets a clear error and loses nothing; the server never panics.

use serde_json::json;

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

fn started() -> (Repo, Client, String) {
    let mut repo = Repo::new();
    repo.write("a.txt", "one\ntwo\n");
    repo.commit("start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    let uri = file_uri(&repo.file("a.txt"));
    client.open(&uri, "plaintext", 1, "one\ntwo\n");
    (repo, client, uri)
}

#[test]
fn malformed_json_gets_a_parse_error_and_the_server_goes_on() {
    let (_repo, mut client, uri) = started();
    let body = b"{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": ";
    client.send_bytes(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    client.send_bytes(body);
    let error = client
        .wait_for(|m| m.get("error").is_some() && m["id"].is_null())
        .expect("a parse error response");
    assert_eq!(error["error"]["code"], -32700);
    client.edit_source(&uri, 2, "pasted", None);
    client.change(&uri, 2, ((2, 0), (2, 0)), "a\nb\nc\n");
    assert_eq!(client.regions(&uri)["regions"][0]["source"], "pasted");
}

#[test]
fn unknown_methods_get_method_not_found() {
    let (_repo, mut client, _uri) = started();
    let response = client.request_raw("provenance/nope", json!({}));
    assert_eq!(response["error"]["code"], -32601);
}

#[test]
fn positions_past_the_end_are_clamped() {
    let (_repo, mut client, uri) = started();
    client.edit_source(&uri, 2, "pasted", None);
    client.change(&uri, 2, ((99, 5), (120, 0)), "x\ny\nz\n");
    let regions = client.regions(&uri);
    let range = &regions["regions"][0]["range"];
    assert_eq!(range["start"], json!({"line": 2, "character": 0}));
    assert!(client.is_running());
}

#[test]
fn edits_and_requests_for_unopened_documents_are_refused_cleanly() {
    let (repo, mut client, _uri) = started();
    let other = file_uri(&repo.file("never-opened.txt"));
    client.change(&other, 2, ((0, 0), (0, 0)), "x");
    client.edit_source(&other, 2, "pasted", None);
    let response = client.request_raw(
        "provenance/regions",
        json!({"textDocument": {"uri": other}}),
    );
    assert_eq!(response["error"]["code"], -32602);
    assert!(response["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not open"));
    assert!(client.is_running());
}

#[test]
fn bad_params_get_invalid_params() {
    let (_repo, mut client, _uri) = started();
    let response = client.request_raw("provenance/regions", json!({"textDocument": 5}));
    assert_eq!(response["error"]["code"], -32602);
    let response = client.request_raw(
        "workspace/executeCommand",
        json!({"command": "provenance.markReviewed", "arguments": []}),
    );
    assert_eq!(response["error"]["code"], -32602);
}

#[test]
fn binary_documents_are_not_tracked() {
    let (repo, mut client, _uri) = started();
    let uri = file_uri(&repo.file("blob.bin"));
    client.open(&uri, "plaintext", 1, "\u{0}\u{1}binary");
    let response = client.request_raw("provenance/regions", json!({"textDocument": {"uri": uri}}));
    assert!(response.get("error").is_some());
    assert!(client.is_running());
}

#[test]
fn a_folder_that_is_not_a_git_repository_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "hello\n").unwrap();
    let mut client = Client::spawn(dir.path(), home.path());
    client.initialize(dir.path(), json!({}));
    let uri = file_uri(&dir.path().join("notes.md"));
    client.open(&uri, "markdown", 1, "hello\n");
    client.edit_source(&uri, 2, "completion", None);
    client.change(&uri, 2, ((1, 0), (1, 0)), "a\nb\nc\n");
    assert_eq!(client.regions(&uri)["regions"][0]["source"], "completion");
    // The journal goes to the per-user data directory, not into the folder.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    client.shutdown();
}
