//! Live provenance over LSP: regions, hints, encodings, ordering, hover,
//! diagnostics, review.

use serde_json::{json, Value};

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

const BLOCK: &str = "fn added() {\n    let x = 1;\n    x + 1\n}\n";

/// A repository with one committed file, and a server initialised on it.
fn start(options: Value) -> (Repo, Client, String) {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", "fn main() {\n}\n");
    repo.commit("start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), options);
    let uri = file_uri(&repo.file("src/lib.rs"));
    client.open(&uri, "rust", 1, &repo.read("src/lib.rs"));
    (repo, client, uri)
}

fn sources(regions: &Value) -> Vec<String> {
    regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap().to_string())
        .collect()
}

fn range_of(region: &Value) -> ((u64, u64), (u64, u64)) {
    let r = &region["range"];
    (
        (
            r["start"]["line"].as_u64().unwrap(),
            r["start"]["character"].as_u64().unwrap(),
        ),
        (
            r["end"]["line"].as_u64().unwrap(),
            r["end"]["character"].as_u64().unwrap(),
        ),
    )
}

#[test]
fn hinted_completion_becomes_a_region_with_its_agent() {
    let (_repo, mut client, uri) = start(json!({}));
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let regions = client.regions(&uri);
    assert_eq!(regions["version"], 2);
    let region = &regions["regions"][0];
    assert_eq!(region["source"], "completion");
    assert_eq!(region["agent"], "copilot");
    assert_eq!(region["reviewed"], false);
    assert_eq!(region["modified"], false);
    assert_eq!(region["retained"], 1.0);
    assert_eq!(range_of(region), ((2, 0), (6, 0)));
}

#[test]
fn a_hint_after_its_change_still_applies() {
    let (_repo, mut client, uri) = start(json!({}));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    client.edit_source(&uri, 2, "agent", Some("claude-code"));
    let regions = client.regions(&uri);
    assert_eq!(sources(&regions), vec!["agent"]);
    assert_eq!(regions["regions"][0]["agent"], "claude-code");
}

#[test]
fn typing_makes_no_region_and_an_unhinted_block_is_bulk() {
    let (_repo, mut client, uri) = start(json!({}));
    for (i, ch) in "let".chars().enumerate() {
        client.change(
            &uri,
            2 + i as i32,
            ((1, i as u32), (1, i as u32)),
            &ch.to_string(),
        );
    }
    assert_eq!(sources(&client.regions(&uri)), Vec::<String>::new());
    client.change(&uri, 10, ((2, 0), (2, 0)), BLOCK);
    assert_eq!(sources(&client.regions(&uri)), vec!["bulk"]);
}

#[test]
fn text_typed_inside_a_region_is_not_its_own_but_splits_its_spans() {
    let (_repo, mut client, uri) = start(json!({}));
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    // Replace "1" in "let x = 1;" by "42".
    client.change(&uri, 3, ((3, 12), (3, 13)), "42");
    let regions = client.regions(&uri);
    assert_eq!(sources(&regions), vec!["completion"]);
    let region = &regions["regions"][0];
    assert_eq!(region["modified"], true);
    let retained = region["retained"].as_f64().unwrap();
    assert!(retained < 1.0 && retained > 0.9, "retained {retained}");
    // `range` covers it all, `spans` is what it holds: not the typed "42"
    assert_eq!(range_of(region), ((2, 0), (6, 0)));
    let spans: Vec<_> = region["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| range_of(&json!({ "range": s })))
        .collect();
    assert_eq!(spans, vec![((2, 0), (3, 12)), ((3, 14), (6, 0))]);
    // hover over the typed text says nothing of the completion, hover
    // after it names the span it is in, and says it changed
    let typed = client.hover(&uri, 3, 12);
    assert!(
        !typed.to_string().contains("completion"),
        "hover over typed text: {typed}"
    );
    let after = client.hover(&uri, 4, 4);
    let text = after["contents"]["value"].as_str().unwrap();
    assert!(text.contains("changed since"), "{text}");
    assert_eq!(after["range"]["start"], json!({"line": 3, "character": 14}));
    // one diagnostic per span
    let published = client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["diagnostics"].as_array().is_some_and(|d| d.len() == 2)
    });
    assert_eq!(
        published["diagnostics"][1]["range"]["start"],
        json!({"line": 3, "character": 14})
    );
}

#[test]
fn utf16_ranges_count_an_emoji_as_two_units() {
    let mut repo = Repo::new();
    repo.write("a.txt", "😀 hi\n");
    repo.commit("start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    let uri = file_uri(&repo.file("a.txt"));
    client.open(&uri, "plaintext", 1, "😀 hi\n");
    // After the emoji (2 UTF-16 units) and the space: character 3.
    client.edit_source(&uri, 2, "completion", None);
    client.change(&uri, 2, ((0, 3), (0, 3)), "one\ntwo\nthree");
    let regions = client.regions(&uri);
    assert_eq!(range_of(&regions["regions"][0]), ((0, 3), (2, 5)));
}

#[test]
fn utf8_is_negotiated_when_offered() {
    let mut repo = Repo::new();
    repo.write("a.txt", "😀 hi\n");
    repo.commit("start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    let init = client.initialize_with(
        &repo.path(),
        json!({}),
        json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let uri = file_uri(&repo.file("a.txt"));
    client.open(&uri, "plaintext", 1, "😀 hi\n");
    client.edit_source(&uri, 2, "completion", None);
    // After the emoji (4 bytes) and the space: byte 5.
    client.change(&uri, 2, ((0, 5), (0, 5)), "one\ntwo\nthree");
    assert_eq!(
        range_of(&client.regions(&uri)["regions"][0]),
        ((0, 5), (2, 5))
    );
}

#[test]
fn utf16_is_the_default_and_crlf_lines_end_before_the_break() {
    let mut repo = Repo::new();
    repo.write("a.txt", "ab\r\ncd\r\n");
    repo.commit("start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    let init = client.initialize(&repo.path(), json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let uri = file_uri(&repo.file("a.txt"));
    client.open(&uri, "plaintext", 1, "ab\r\ncd\r\n");
    // A position past the end of line 0 clamps to its end, before "\r\n".
    client.edit_source(&uri, 2, "pasted", None);
    client.change(&uri, 2, ((0, 99), (0, 99)), "x\r\ny\r\nz");
    assert_eq!(
        range_of(&client.regions(&uri)["regions"][0]),
        ((0, 2), (2, 1))
    );
}

#[test]
fn a_burst_of_edits_with_requests_in_flight_applies_in_order() {
    let (_repo, mut client, uri) = start(json!({}));
    // Each change appends one character at the end of line 1; every 50th is a
    // hinted paste of "[P]". Out-of-order application would clamp positions
    // and move the pasted regions.
    let mut column = 0u32;
    let mut expected = Vec::new();
    for i in 0..3000 {
        let version = 2 + i;
        if i % 50 == 0 {
            client.edit_source(&uri, version, "pasted", None);
            client.change(&uri, version, ((1, column), (1, column)), "[P]");
            expected.push(((1, column as u64), (1, column as u64 + 3)));
            column += 3;
        } else {
            let ch = char::from(b'a' + (i % 26) as u8).to_string();
            client.change(&uri, version, ((1, column), (1, column)), &ch);
            column += 1;
        }
        if i % 100 == 0 {
            // A request in flight between notifications.
            client.send(
                &json!({"jsonrpc": "2.0", "id": 100_000 + i, "method": "provenance/regions",
                "params": {"textDocument": {"uri": uri}}}),
            );
        }
    }
    let regions = client.regions(&uri);
    assert_eq!(regions["version"], 3001);
    let got: Vec<_> = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(range_of)
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn hover_over_a_region_says_what_inserted_it() {
    let (_repo, mut client, uri) = start(json!({}));
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let hover = client.hover(&uri, 3, 4);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("completion"), "{text}");
    assert!(text.contains("copilot"), "{text}");
    assert!(text.contains("not reviewed"), "{text}");
    assert!(text.contains("unchanged"), "{text}");
}

#[test]
fn unreviewed_completion_publishes_a_hint_diagnostic_until_reviewed() {
    let (_repo, mut client, uri) = start(json!({}));
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let published = client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["source"], "provenance");
    assert_eq!(diagnostic["severity"], 4);

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diagnostic["range"],
               "context": {"diagnostics": [diagnostic]}}),
    );
    let action = &actions[0];
    assert!(action["title"]
        .as_str()
        .unwrap()
        .starts_with("Mark as reviewed"));
    let command = &action["command"];
    let marked = client.request(
        "workspace/executeCommand",
        json!({"command": command["command"], "arguments": command["arguments"]}),
    );
    assert_eq!(marked, 1);
    assert_eq!(client.regions(&uri)["regions"][0]["reviewed"], true);
    client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["diagnostics"].as_array().is_some_and(|d| d.is_empty())
    });
}

#[test]
fn a_paste_inside_a_completion_is_its_own_region_and_is_reviewed_on_its_own() {
    let (_repo, mut client, uri) = start(json!({}));
    client.edit_source(&uri, 2, "completion", Some("copilot"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    // paste a line between the two lines of the body
    client.edit_source(&uri, 3, "pasted", None);
    client.change(&uri, 3, ((4, 0), (4, 0)), "    let y = 2;\n");
    let regions = client.regions(&uri);
    assert_eq!(sources(&regions), vec!["completion", "pasted"]);
    assert_eq!(range_of(&regions["regions"][1]), ((4, 0), (5, 0)));
    assert_eq!(regions["regions"][0]["spans"].as_array().unwrap().len(), 2);
    // reviewing the completion (its last line) leaves the paste in its gap alone
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 5, "character": 2}, "end": {"line": 5, "character": 2}},
               "context": {"diagnostics": []}}),
    );
    let command = &actions[0]["command"];
    let marked = client.request(
        "workspace/executeCommand",
        json!({"command": command["command"], "arguments": command["arguments"]}),
    );
    assert_eq!(marked, 1);
    let regions = client.regions(&uri);
    assert_eq!(regions["regions"][0]["reviewed"], true);
    assert_eq!(regions["regions"][1]["reviewed"], false);
}

#[test]
fn diagnostics_follow_their_settings() {
    let (_repo, mut client, uri) = start(json!({"diagnostics": {"severity": "warning"}}));
    client.edit_source(&uri, 2, "agent", Some("claude-code"));
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let published = client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    assert_eq!(published["diagnostics"][0]["severity"], 2);
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"provenance": {"diagnostics": {"enabled": false}}}}),
    );
    client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["diagnostics"].as_array().is_some_and(|d| d.is_empty())
    });
}

#[test]
fn regions_changed_is_sent_after_an_edit() {
    let (_repo, mut client, uri) = start(json!({"customNotifications": true}));
    client.edit_source(&uri, 2, "pasted", None);
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let params = client.wait_notification("provenance/regionsChanged", |p| {
        p["version"] == 2 && p["regions"].as_array().is_some_and(|r| r.len() == 1)
    });
    assert_eq!(params["uri"], uri.as_str());
    assert_eq!(params["regions"][0]["source"], "pasted");
}

/// Issue 13 item 5: a pasted function that is not committed has no
/// history, AI share or risk, and its inlay hint and code lens say so
/// instead of `↻ 0 · risk 17`; a committed function keeps its numbers.
#[test]
fn lenses_and_inlay_hints_say_a_pasted_function_is_not_committed_yet() {
    let (_repo, mut client, uri) = start(json!({"hints": {"style": "both"}}));
    client.edit_source(&uri, 2, "pasted", None);
    client.change(&uri, 2, ((2, 0), (2, 0)), BLOCK);
    let hint_labels = |client: &mut Client| -> Vec<(u64, String)> {
        let hints = client.request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}),
        );
        hints
            .as_array()
            .map(|h| {
                h.iter()
                    .map(|h| {
                        let line = h["position"]["line"].as_u64().unwrap();
                        (line, h["label"].as_str().unwrap().to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // The pasted function has a block once the history is read again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut labels = hint_labels(&mut client);
    while labels.len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "{labels:?}\n{}",
            client.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
        labels = hint_labels(&mut client);
    }
    assert_eq!(
        labels[1],
        (2, "not committed yet".to_string()),
        "{labels:?}"
    );
    assert_eq!(labels[0].0, 0, "{labels:?}");
    assert!(labels[0].1.starts_with("↻ 1 · "), "{labels:?}");
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let titles: Vec<(u64, String)> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["command"]["title"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles[0].1.starts_with("↻ 1 · "), "{titles:?}");
    assert_eq!(
        titles[1],
        (2, "not committed yet".to_string()),
        "{titles:?}"
    );
    assert!(titles.iter().all(|(_, t)| !t.contains("↻ 0")), "{titles:?}");
}
