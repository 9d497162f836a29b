//! A tiny edit-script language for the provenance tests, so a test reads as
//! what the user did:
//!
//! ```text
//! open "fn main() {}\n"; hint completion(copilot); insert "a\nb\nc\n" at 1:0
//! ```
//!
//! Commands, separated by `;` (positions are `line:char`, chars counted in
//! Unicode scalar values):
//! - `open "text"` — open the current document at version 0
//! - `@b` before a command — switch the current document to `b` (start: `a`)
//! - `insert "t" at L:C`, `type "t" at L:C`, `delete L:C-L:C`,
//!   `replace L:C-L:C "t"`, `full "t"` — one edit; `&` joins edits into one
//!   batch; a trailing `vN` sets the version (else current + 1)
//! - `hint SOURCE[(agent[,model])] [vN]` — default version: the next one
//! - `review L:C-L:C`, `disk "t" [agent(x)|external]`, `close`,
//!   `reopen "t" [agent(x)|external]` (open_with_known with the state at
//!   the last close), `at N` (set the clock)
//!
//! [`run`] renders the final regions of the document the script touched
//! last (`source L:C-L:C`, spans of one region joined by `+`, then
//! `modified`, `retained=…`, `reviewed`) and checks on the way
//! that replaying the records from an empty workspace (twice) gives the same
//! documents.

use super::*;
use crate::text::{char_offset, position, PositionEncoding, TextPosition};

pub struct Run {
    pub workspace: Workspace,
    pub records: Vec<Record>,
    /// The document the script touched last (the one rendered).
    pub last_doc: String,
}

pub fn run(script: &str) -> String {
    run_with(script, Thresholds::default())
}

pub fn run_with(script: &str, thresholds: Thresholds) -> String {
    let run = execute(script, thresholds.clone());
    check_replay(&run, thresholds);
    render(run.workspace.document(&run.last_doc))
}

/// As [`run`], rendering what was typed (the typed regions) instead.
pub fn run_typed(script: &str) -> String {
    let run = execute(script, Thresholds::default());
    check_replay(&run, Thresholds::default());
    render_typed(run.workspace.document(&run.last_doc))
}

pub fn execute(script: &str, thresholds: Thresholds) -> Run {
    let mut ws = Workspace::new(thresholds);
    let mut records = Vec::new();
    let mut doc = "a".to_string();
    let mut now = 1_000u64;
    let mut closed: HashMap<String, DocumentState> = HashMap::new();
    for command in split_outside_quotes(script, ';') {
        let mut command = command.trim();
        if command.is_empty() {
            continue;
        }
        if let Some(rest) = command.strip_prefix('@') {
            let (name, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            doc = name.to_string();
            command = rest.trim();
        }
        let words = tokenize(command);
        let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let out = match word(0) {
            "open" => ws.open(&doc, 0, &words[1], now),
            "at" => {
                now = word(1).parse().expect("at N");
                Vec::new()
            }
            "hint" => {
                let (hint, version) = parse_hint(&words[1..]);
                let version = version.unwrap_or_else(|| current_version(&ws, &doc) + 1);
                ws.hint(&doc, version, hint, now)
            }
            "review" => {
                let state = ws.document(&doc).expect("open document");
                let range = parse_range(&state.text, word(1));
                ws.mark_reviewed(&doc, range).1
            }
            "disk" => {
                let attribution = parse_attribution(words.get(2).map(String::as_str));
                ws.replace_from_disk(&doc, &words[1], now, attribution)
            }
            "close" => {
                if let Some(state) = ws.document(&doc) {
                    closed.insert(doc.clone(), state.clone());
                }
                ws.close(&doc)
            }
            "reopen" => {
                let known = closed.get(&doc).cloned().expect("closed before");
                let attribution = parse_attribution(words.get(2).map(String::as_str));
                ws.open_with_known(&doc, 0, &words[1], known, now, attribution)
            }
            _ => {
                let (edits, version) = parse_batch(&ws, &doc, command);
                ws.change(&doc, version, &edits, now)
            }
        };
        records.extend(out);
    }
    Run {
        workspace: ws,
        records,
        last_doc: doc,
    }
}

fn current_version(ws: &Workspace, doc: &str) -> i32 {
    ws.document(doc).map_or(0, |d| d.version)
}

/// Replay from empty equals live; replaying everything again changes nothing.
pub fn check_replay(run: &Run, thresholds: Thresholds) {
    let mut replayed = Workspace::new(thresholds);
    for record in &run.records {
        let json = serde_json::to_string(record).expect("serialize");
        let back: Record = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(&back, record, "record survives JSON");
        replayed.apply_record(&back);
    }
    assert_same_documents(&run.workspace, &replayed);
    for record in &run.records {
        replayed.apply_record(record);
    }
    assert_same_documents(&run.workspace, &replayed);
}

fn assert_same_documents(live: &Workspace, replayed: &Workspace) {
    let mut a: Vec<_> = live.documents().collect();
    let mut b: Vec<_> = replayed.documents().collect();
    a.sort_by_key(|(k, _)| *k);
    b.sort_by_key(|(k, _)| *k);
    assert_eq!(a, b, "replay equals live");
}

pub fn render(state: Option<&DocumentState>) -> String {
    let Some(state) = state else {
        return "closed".into();
    };
    if state.regions.is_empty() {
        return "none".into();
    }
    let pos = |offset| {
        let p = position(&state.text, offset, PositionEncoding::Utf32);
        format!("{}:{}", p.line, p.character)
    };
    let regions: Vec<String> = state
        .regions
        .iter()
        .map(|r| {
            let source = serde_json::to_value(r.source).expect("source");
            let spans: Vec<String> = r
                .spans()
                .iter()
                .map(|s| format!("{}-{}", pos(s.start), pos(s.end)))
                .collect();
            let mut out = format!("{} {}", source.as_str().expect("string"), spans.join("+"));
            if let Some(agent) = &r.agent {
                out += &format!(" {agent}");
            }
            if let Some(model) = &r.model {
                out += &format!("/{model}");
            }
            if r.modified {
                out += " modified";
            }
            if r.retained < 1.0 {
                out += &format!(" retained={:.2}", r.retained);
            }
            if r.reviewed {
                out += " reviewed";
            }
            out
        })
        .collect();
    regions.join(", ")
}

/// The typed regions: `typed` and their spans, `; ` between regions.
pub fn render_typed(state: Option<&DocumentState>) -> String {
    let Some(state) = state else {
        return "closed".into();
    };
    if state.typed.is_empty() {
        return "none".into();
    }
    let pos = |offset| {
        let p = position(&state.text, offset, PositionEncoding::Utf32);
        format!("{}:{}", p.line, p.character)
    };
    let typed: Vec<String> = state
        .typed
        .iter()
        .map(|r| {
            let spans: Vec<String> = r
                .spans()
                .iter()
                .map(|s| format!("{}-{}", pos(s.start), pos(s.end)))
                .collect();
            format!("typed {}", spans.join("+"))
        })
        .collect();
    typed.join(", ")
}

fn parse_batch(ws: &Workspace, doc: &str, command: &str) -> (Vec<Change>, i32) {
    let mut text = ws.document(doc).expect("open document").text.clone();
    let mut version = current_version(ws, doc) + 1;
    let mut changes = Vec::new();
    for part in split_outside_quotes(command, '&') {
        let mut words = tokenize(part.trim());
        if let Some(v) = words
            .last()
            .and_then(|w| w.strip_prefix('v'))
            .and_then(|v| v.parse().ok())
        {
            version = v;
            words.pop();
        }
        let change = match words[0].as_str() {
            "insert" | "type" => {
                assert_eq!(words[2], "at", "insert \"t\" at L:C");
                Change::insert(parse_pos(&text, &words[3]), &words[1])
            }
            "delete" => Change::delete(parse_range(&text, &words[1])),
            "replace" => Change {
                range: parse_range(&text, &words[1]),
                text: words[2].clone(),
            },
            "full" => Change {
                range: 0..text.len_chars(),
                text: words[1].clone(),
            },
            other => panic!("unknown command {other:?}"),
        };
        change.apply(&mut text);
        changes.push(change);
    }
    (changes, version)
}

fn parse_pos(text: &ropey::Rope, word: &str) -> usize {
    let (line, character) = word.split_once(':').expect("L:C");
    let pos = TextPosition::new(
        line.parse().expect("line"),
        character.parse().expect("char"),
    );
    char_offset(text, pos, PositionEncoding::Utf32)
}

fn parse_range(text: &ropey::Rope, word: &str) -> std::ops::Range<usize> {
    let (a, b) = word.split_once('-').expect("L:C-L:C");
    parse_pos(text, a)..parse_pos(text, b)
}

fn parse_hint(words: &[String]) -> (Hint, Option<i32>) {
    let spec = &words[0];
    let (name, args) = spec.split_once('(').unwrap_or((spec, ""));
    let source: HintSource =
        serde_json::from_value(serde_json::Value::String(name.into())).expect("hint source");
    let args: Vec<&str> = args
        .trim_end_matches(')')
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    let hint = Hint {
        source,
        agent: args.first().map(|s| s.to_string()),
        model: args.get(1).map(|s| s.to_string()),
    };
    let version = words
        .get(1)
        .and_then(|w| w.strip_prefix('v'))
        .map(|v| v.parse().expect("vN"));
    (hint, version)
}

fn parse_attribution(word: Option<&str>) -> Option<Attribution> {
    let word = word?;
    if word == "external" {
        return Some(Attribution {
            source: Source::External,
            agent: None,
            model: None,
            usage: None,
        });
    }
    let agent = word.strip_prefix("agent(")?.strip_suffix(')')?;
    Some(Attribution {
        source: Source::Agent,
        agent: Some(agent.to_string()),
        model: None,
        usage: None,
    })
}

fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Words and quoted strings (with `\n`, `\r`, `\t`, `\"`, `\\` escapes).
fn tokenize(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = command.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut word = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => word.push(match chars.next() {
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some(other) => other,
                        None => '\\',
                    }),
                    c => word.push(c),
                }
            }
            words.push(word);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            words.push(word);
        }
    }
    words
}

use std::collections::HashMap;
