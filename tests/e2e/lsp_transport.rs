//! The transport under hostile input, through the real binary (issue 12):
//! each case of protocol garbage gets exactly the errors it should (with the
//! message's id where it has one), and the 40 well-formed hovers sent right
//! after it are all answered correctly. A seeded fuzzer mixes random garbage
//! with valid requests; junk without a line break must not grow the server's
//! memory. docs/robustness.md says how to run these longer.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

/// The server's wait for bytes that would finish a broken frame, plus slack.
const STALL: Duration = Duration::from_millis(600);

/// Ids of the well-formed requests; garbage uses small ids.
const FIRST_GOOD_ID: i64 = 1_000_000;

struct Server {
    _repo: Repo,
    client: Client,
    uri: String,
    next_id: i64,
}

/// A server with one open document holding a pasted region on lines 2..5.
fn started() -> Server {
    let mut repo = Repo::new();
    repo.write("a.txt", "one\ntwo\n");
    repo.commit("start");
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize(&repo.path(), json!({}));
    let uri = file_uri(&repo.file("a.txt"));
    client.open(&uri, "plaintext", 1, "one\ntwo\n");
    client.edit_source(&uri, 2, "pasted", None);
    client.change(&uri, 2, ((2, 0), (2, 0)), "a\nb\nc\n");
    assert_eq!(client.regions(&uri)["regions"][0]["source"], "pasted");
    Server {
        _repo: repo,
        client,
        uri,
        next_id: FIRST_GOOD_ID,
    }
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// A hover request over the pasted region, with `id` spelled as given.
fn hover_body(uri: &str, id: &str) -> Vec<u8> {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"textDocument/hover","params":{{"textDocument":{{"uri":"{uri}"}},"position":{{"line":3,"character":0}}}}}}"#
    )
    .into_bytes()
}

impl Server {
    fn good_hover(&mut self) -> (i64, Vec<u8>) {
        let id = self.next_id;
        self.next_id += 1;
        (id, frame(&hover_body(&self.uri, &id.to_string())))
    }

    fn good_regions(&mut self) -> (i64, Vec<u8>) {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "provenance/regions",
            "params": {"textDocument": {"uri": self.uri}}});
        (id, frame(body.to_string().as_bytes()))
    }

    /// Waits for the answer to `id` and checks it is the right one.
    fn assert_answered(&mut self, id: i64, what: &str) {
        let answer = self
            .client
            .wait_for(|m| m["id"] == id && m.get("method").is_none())
            .unwrap_or_else(|| panic!("{what}: no answer to {id}\n{}", self.client.log()));
        assert!(answer.get("error").is_none(), "{what}: {answer}");
        let result = &answer["result"];
        let right = result["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("**Pasted**"))
            || result["regions"][0]["source"] == "pasted";
        assert!(right, "{what}: wrong answer to {id}: {answer}");
    }

    /// Sends `garbage`, then 40 hovers (the first in the same write unless
    /// `pause`), and checks every hover is answered correctly.
    fn forty_hovers_after(&mut self, garbage: &[u8], pause: bool, what: &str) {
        let (first, bytes) = self.good_hover();
        if pause {
            self.client.send_bytes(garbage);
            std::thread::sleep(STALL);
            self.client.send_bytes(&bytes);
        } else {
            self.client.send_bytes(&[garbage, &bytes].concat());
        }
        let mut ids = vec![first];
        let mut rest = Vec::new();
        for _ in 1..40 {
            let (id, bytes) = self.good_hover();
            ids.push(id);
            rest.extend(bytes);
        }
        self.client.send_bytes(&rest);
        for id in ids {
            self.assert_answered(id, what);
        }
    }

    /// Every error response received so far that is not for a good request.
    /// The server writes in order, so the errors for garbage sent before a
    /// request all arrive before its answer: a last request marks the end.
    fn garbage_errors(&mut self) -> Vec<(i64, Value)> {
        let (mark, bytes) = self.good_regions();
        self.client.send_bytes(&bytes);
        let mut errors = Vec::new();
        loop {
            let m = self
                .client
                .wait_for(|m| {
                    m["id"] == mark
                        || (m.get("error").is_some()
                            && m["id"].as_i64().is_none_or(|id| id < FIRST_GOOD_ID))
                })
                .unwrap_or_else(|| panic!("no answer to {mark}\n{}", self.client.log()));
            if m["id"] == mark {
                return errors;
            }
            errors.push((m["error"]["code"].as_i64().unwrap(), m["id"].clone()));
        }
    }
}

struct Case {
    name: &'static str,
    garbage: Vec<u8>,
    /// The errors it must get: (code, id).
    errors: Vec<(i64, Value)>,
    /// Stay silent after the garbage (a client waiting for its answer).
    pause: bool,
}

fn case(name: &'static str, garbage: Vec<u8>, errors: Vec<(i64, Value)>) -> Case {
    Case {
        name,
        garbage,
        errors,
        pause: false,
    }
}

fn cases(uri: &str) -> Vec<Case> {
    let null = Value::Null;
    let request = |id: &str| hover_body(uri, id);
    let with_length = |length: &str, body: &[u8]| {
        [format!("Content-Length: {length}\r\n\r\n").as_bytes(), body].concat()
    };
    let mut table = Vec::new();
    for id in [
        "1.5",
        "1e3",
        "true",
        "{}",
        "[1]",
        "9223372036854775808",
        "18446744073709551615",
    ] {
        table.push(Case {
            name: "an id that is not a string or an i64",
            garbage: frame(&request(id)),
            errors: vec![(-32600, null.clone())],
            pause: false,
        });
    }
    let body = request("3");
    let duplicated = |key: &str, value: &str| {
        let text = String::from_utf8(body.clone()).unwrap();
        text.replacen('{', &format!("{{\"{key}\":{value},"), 1)
            .into_bytes()
    };
    table.extend([
        case(
            "duplicate id",
            frame(&duplicated("id", "4")),
            vec![(-32600, null.clone())],
        ),
        case(
            "duplicate method",
            frame(&duplicated("method", "\"x\"")),
            vec![(-32600, json!(3))],
        ),
        case(
            "duplicate jsonrpc",
            frame(&duplicated("jsonrpc", "\"2.0\"")),
            vec![(-32600, json!(3))],
        ),
        case("not JSON", frame(b"hello"), vec![(-32700, null.clone())]),
        case("a number", frame(b"5"), vec![(-32600, null.clone())]),
        case("a string", frame(b"\"x\""), vec![(-32600, null.clone())]),
        case("null", frame(b"null"), vec![(-32600, null.clone())]),
        case(
            "a batch",
            frame(&[b"[", &request("5")[..], b"]"].concat()),
            vec![(-32600, null.clone())],
        ),
        case(
            "invalid UTF-16 escape",
            frame(br#"{"jsonrpc":"2.0","id":6,"method":"x","params":"\ud800"}"#),
            vec![(-32700, null.clone())],
        ),
        case(
            "Content-Length negative",
            with_length("-5", &request("10")),
            vec![(-32600, json!(10))],
        ),
        case(
            "Content-Length smaller than the body",
            with_length("10", &request("11")),
            vec![(-32600, json!(11))],
        ),
        case(
            "Content-Length larger by 1,000",
            with_length(&(request("12").len() + 1000).to_string(), &request("12")),
            vec![(-32600, json!(12))],
        ),
        Case {
            name: "Content-Length larger by 1,000, then silence",
            garbage: with_length(&(request("13").len() + 1000).to_string(), &request("13")),
            errors: vec![(-32600, json!(13))],
            pause: true,
        },
        case(
            "Content-Length 2^64-1 and no body",
            with_length("18446744073709551615", b""),
            vec![(-32700, null.clone())],
        ),
        case(
            "Content-Length 300,000,000 and no body",
            with_length("300000000", b""),
            vec![(-32700, null.clone())],
        ),
        Case {
            name: "Content-Length 300,000,000, no body, then silence",
            garbage: with_length("300000000", b""),
            errors: vec![(-32700, null.clone())],
            pause: true,
        },
        case(
            "Content-Length 0 before a body",
            with_length("0", &request("14")),
            vec![(-32600, json!(14))],
        ),
        case(
            "no Content-Length",
            [b"Content-Type: x\r\n\r\n", &request("15")[..]].concat(),
            vec![(-32600, json!(15))],
        ),
        case(
            "a header line without a line break",
            b"Content-Type: abc".to_vec(),
            vec![(-32700, null.clone())],
        ),
        case(
            "a header line longer than the limit",
            [b"X-Junk: ", &[b'a'; 10_000][..], b"\r\n\r\n"].concat(),
            vec![(-32700, null.clone())],
        ),
        case(
            "not a header",
            b"hello world\r\n\r\n".to_vec(),
            vec![(-32700, null.clone())],
        ),
        case(
            "binary bytes",
            b"\x00\xff\xfe\x01\r\n\x80".to_vec(),
            vec![(-32700, null.clone())],
        ),
        case(
            "a body cut short at its own length",
            frame(br#"{"jsonrpc":"2.0","id":16,"method":"#),
            vec![(-32700, null.clone())],
        ),
        case(
            "two messages in one frame",
            frame(&[&request("17")[..], &request("18")[..]].concat()),
            vec![(-32600, json!(17)), (-32700, null.clone())],
        ),
        case(
            "a $/ request",
            frame(br#"{"jsonrpc":"2.0","id":19,"method":"$/nope"}"#),
            vec![(-32601, json!(19))],
        ),
        case(
            "a $/ notification",
            frame(br#"{"jsonrpc":"2.0","method":"$/nope"}"#),
            vec![],
        ),
        case(
            "a notification with a wrong length",
            with_length("3", br#"{"jsonrpc":"2.0","method":"x"}"#),
            vec![],
        ),
        case(
            "a method and a result",
            frame(br#"{"jsonrpc":"2.0","id":20,"method":"x","result":1}"#),
            vec![(-32600, json!(20))],
        ),
        case(
            "JSON-RPC 1.0",
            frame(br#"{"jsonrpc":"1.0","id":21,"method":"x"}"#),
            vec![(-32600, json!(21))],
        ),
        case(
            "a client error response tower-lsp-server would refuse",
            frame(br#"{"jsonrpc":"2.0","id":22,"error":{"code":"x","extra":1}}"#),
            vec![],
        ),
        case(
            "hover params of the wrong type",
            frame(br#"{"jsonrpc":"2.0","id":23,"method":"textDocument/hover","params":5}"#),
            vec![(-32602, json!(23))],
        ),
    ]);
    table
}

#[test]
fn every_kind_of_protocol_garbage_is_answered_and_the_next_40_hovers_are_too() {
    let mut server = started();
    let uri = server.uri.clone();
    for case in cases(&uri) {
        if case.pause {
            server.client.send_bytes(&case.garbage);
            std::thread::sleep(STALL);
            for (code, id) in &case.errors {
                let answer = server
                    .client
                    .wait_for(|m| m["id"] == *id && m["error"]["code"] == *code);
                assert!(
                    answer.is_some(),
                    "{}: no {code} for {id} after a pause",
                    case.name
                );
            }
            server.forty_hovers_after(b"", false, case.name);
        } else {
            server.forty_hovers_after(&case.garbage, false, case.name);
            let mut got = server.garbage_errors();
            // tower-lsp-server answers bad params on its own time.
            for (code, id) in &case.errors {
                if !got.contains(&(*code, id.clone())) {
                    if let Some(m) = server
                        .client
                        .wait_for(|m| m["id"] == *id && m["error"]["code"] == *code)
                    {
                        got.push((m["error"]["code"].as_i64().unwrap(), m["id"].clone()));
                    }
                }
            }
            got.sort_by_key(|e| e.0);
            let mut want = case.errors.clone();
            want.sort_by_key(|e| e.0);
            assert_eq!(got, want, "{}", case.name);
        }
        assert!(server.client.is_running(), "{}", case.name);
    }
    server.client.shutdown();
}

#[test]
fn garbage_followed_by_silence_still_lets_the_next_hovers_through() {
    let mut server = started();
    let uri = server.uri.clone();
    for case in cases(&uri) {
        server.forty_hovers_after(&case.garbage, true, case.name);
    }
    assert!(server.client.is_running());
}

/// The peak resident memory of the server, in KiB.
fn vm_hwm(repo: &std::path::Path) -> u64 {
    let me = std::process::id().to_string();
    let repo = repo.canonicalize().unwrap();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let dir = entry.path();
        let Ok(status) = std::fs::read_to_string(dir.join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
        };
        let ours = field("PPid:").as_deref() == Some(me.as_str())
            && std::fs::read_link(dir.join("cwd")).ok().as_deref() == Some(repo.as_path());
        if ours {
            let kib = field("VmHWM:").unwrap_or_default();
            return kib.trim_end_matches("kB").trim().parse().unwrap();
        }
    }
    panic!("the server's process was not found");
}

#[test]
fn a_100_mb_header_line_without_a_line_break_is_not_buffered() {
    let mut server = started();
    server.forty_hovers_after(b"", false, "warm up");
    let before = vm_hwm(&server._repo.path());
    let mut junk = b"Content-Type: ".to_vec();
    junk.resize(100 * 1024 * 1024, b'a');
    server.forty_hovers_after(&junk, false, "100 MB header line");
    let after = vm_hwm(&server._repo.path());
    eprintln!("peak RSS {before} KiB before the junk, {after} KiB after");
    assert!(
        after < before + 16 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB"
    );
    assert_eq!(server.garbage_errors(), vec![(-32700, Value::Null)]);
}

#[test]
fn requests_about_a_document_that_is_not_open_get_invalid_params() {
    let mut server = started();
    let other = file_uri(&server._repo.file("never-opened.txt"));
    let doc = |uri: &str| json!({"textDocument": {"uri": uri}});
    let at =
        |uri: &str| json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}});
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}});
    let table = [
        ("textDocument/hover", at(&other), at(&server.uri)),
        ("textDocument/codeLens", doc(&other), doc(&server.uri)),
        (
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": other}, "range": range}),
            json!({"textDocument": {"uri": server.uri}, "range": range}),
        ),
        ("provenance/regions", doc(&other), doc(&server.uri)),
        ("provenance/blocks", doc(&other), doc(&server.uri)),
        (
            "workspace/executeCommand",
            json!({"command": "provenance.showHistory", "arguments": [{"uri": other, "position": {"line": 0, "character": 0}}]}),
            json!({"command": "provenance.showHistory", "arguments": [{"uri": server.uri, "position": {"line": 0, "character": 0}}]}),
        ),
    ];
    for (method, not_open, open) in table {
        let response = server.client.request_raw(method, not_open);
        assert_eq!(response["error"]["code"], -32602, "{method}: {response}");
        let message = response["error"]["message"].as_str().unwrap();
        assert!(message.contains("is not open"), "{method}: {message}");
        let response = server.client.request_raw(method, open);
        assert!(
            response.get("error").is_none(),
            "{method} on the open document: {response}"
        );
    }
}

#[test]
fn an_open_binary_document_gets_nothing_rather_than_an_error() {
    let mut server = started();
    let uri = file_uri(&server._repo.file("blob.bin"));
    server.client.open(&uri, "plaintext", 1, "\u{0}\u{1}binary");
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}});
    let response = server.client.request_raw("textDocument/hover", at);
    assert_eq!(response["result"], Value::Null, "{response}");
    assert!(response.get("error").is_none(), "{response}");
    let doc = json!({"textDocument": {"uri": uri}});
    let response = server
        .client
        .request_raw("textDocument/codeLens", doc.clone());
    assert!(response.get("error").is_none(), "{response}");
    let response = server.client.request_raw("provenance/regions", doc);
    let message = response["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("binary"), "{response}");
}

/// A seeded source of garbage: fragments of headers and JSON, real messages
/// with bad framing or bad ids, and random bytes.
struct Garbage {
    seed: u64,
}

impl Garbage {
    fn next(&mut self, n: usize) -> usize {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed % n as u64) as usize
    }

    fn make(&mut self, uri: &str) -> Vec<u8> {
        const PIECES: &[&[u8]] = &[
            b"Content-Length: ",
            b"content-length:",
            b"Content-Le",
            b"Content-Type: x",
            b"X-A: b",
            b"\r\n",
            b"\r\n\r\n",
            b"\n",
            b" ",
            b"-5",
            b"0",
            b"18446744073709551615",
            b"300000000",
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b":",
            b",",
            b"{\"a\":",
            b"{\"a\":\"x",
            b"1e3",
            b"true",
            b"\x00",
            b"\xe2\x82",
        ];
        let mut out = Vec::new();
        for _ in 0..self.next(5) {
            match self.next(6) {
                0 => out.extend((0..self.next(16)).map(|_| self.next(256) as u8)),
                1 => out.extend_from_slice(self.next(2000).to_string().as_bytes()),
                2 => {
                    let ids = ["1.5", "true", "[1]", "{}", "9223372036854775808", "7"];
                    let id = ids[self.next(ids.len())];
                    let body = hover_body(uri, id);
                    let length = match self.next(4) {
                        0 => body.len() + 1 + self.next(2000),
                        1 => self.next(body.len()),
                        _ => body.len(),
                    };
                    out.extend(format!("Content-Length: {length}\r\n\r\n").as_bytes());
                    out.extend(body);
                }
                3 => {
                    let body = br#"{"jsonrpc":"2.0","id":8,"id":9,"method":"x"}"#;
                    out.extend(frame(body));
                }
                _ => out.extend_from_slice(PIECES[self.next(PIECES.len())]),
            }
        }
        out
    }
}

#[test]
fn fuzz_random_garbage_between_valid_requests_costs_no_answer() {
    let seed: u64 = std::env::var("PROVENANCE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let rounds: usize = std::env::var("PROVENANCE_FUZZ_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(250);
    let mut server = started();
    let uri = server.uri.clone();
    let mut garbage = Garbage { seed };
    let started_at = Instant::now();
    for round in 0..rounds {
        // Ten requests in flight at a time, each glued after its garbage.
        let mut batch = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..10 {
            let (id, request) = if garbage.next(2) == 0 {
                server.good_hover()
            } else {
                server.good_regions()
            };
            batch.extend(garbage.make(&uri));
            batch.extend(request);
            ids.push(id);
        }
        if round % 25 == 24 {
            // A client that pauses anywhere, even inside a header.
            let cut = garbage.next(batch.len());
            server.client.send_bytes(&batch[..cut]);
            std::thread::sleep(STALL);
            server.client.send_bytes(&batch[cut..]);
        } else {
            server.client.send_bytes(&batch);
        }
        for id in ids {
            server.assert_answered(id, &format!("seed {seed}, round {round}"));
        }
        server.garbage_errors();
        assert!(server.client.is_running(), "seed {seed}, round {round}");
    }
    eprintln!(
        "fuzz: {} valid requests answered among garbage in {:?}",
        rounds * 10,
        started_at.elapsed()
    );
    server.client.shutdown();
}
