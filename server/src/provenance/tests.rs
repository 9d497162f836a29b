//! Edit scripts → expected regions. One row per rule of
//! docs/classification.md (see `script` for the language). Every run also
//! checks that replaying its records rebuilds the same documents.

use super::script::{run, run_typed, run_with};
use super::*;

fn check(table: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (script, expected) in table {
        let got = run(script);
        if got != *expected {
            failures.push(format!(
                "{script}\n   expected: {expected}\n        got: {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn typed_text_and_small_insertions_make_no_region() {
    check(&[
        (r#"open ""; type "a" at 0:0; type "b" at 0:1"#, "none"),
        (r#"open "fn main() {}\n"; type "x" at 0:3"#, "none"),
        // two line breaks: under the line threshold
        (r#"open ""; insert "fn a() {\n}\n" at 0:0"#, "none"),
        // whitespace only is never a region, however large
        (r#"open ""; insert "\n\n\n\n\n" at 0:0"#, "none"),
    ]);
}

#[test]
fn one_large_change_without_hint_is_bulk() {
    check(&[
        // three line breaks: at the line threshold
        (r#"open ""; insert "a\nb\nc\n" at 0:0"#, "bulk 0:0-3:0"),
        (r#"open "x\n"; insert "a\nb\nc\nd" at 1:0"#, "bulk 1:0-4:1"),
        // CRLF line breaks count once each
        (
            r#"open ""; insert "a\r\nb\r\nc\r\n" at 0:0"#,
            "bulk 0:0-3:0",
        ),
    ]);
}

#[test]
fn several_lines_of_code_at_once_are_bulk_however_short() {
    check(&[
        // the 3-line, 59-char completion Neovim accepted without a shim
        (
            r#"open "x\n"; insert "fn sub(a: u32, b: u32) -> u32 {\n    a.saturating_sub(b)\n}" at 1:0"#,
            "bulk 1:0-3:1",
        ),
        // two lines of code
        (
            r#"open "x\n"; insert "let a = 1;\nlet b = 2;" at 1:0"#,
            "bulk 1:0-2:10",
        ),
        // one line of code and brackets: a snippet, Enter between braces
        (r#"open ""; insert "fn name() {\n    \n}" at 0:0"#, "none"),
        (r#"open "if x {}"; insert "\n    y\n" at 0:6"#, "none"),
        (r#"open ""; insert "});\n}\n" at 0:0"#, "none"),
        // `:s` on several lines (Neovim sends the lines whole)
        (
            r#"open "let a: u32;\nlet b: u32;\n"; replace 0:0-2:0 "let a: u64;\nlet b: u64;\n""#,
            "none",
        ),
        // a reindent of several lines
        (
            r#"open "fn f() {\nlet a = 1;\nlet b = 2;\n}\n"; replace 1:0-3:0 "    let a = 1;\n    let b = 2;\n""#,
            "none",
        ),
        // `J` joins two lines of code: nothing new but a space
        (
            r#"open "let a = 1\n    + 2;\n"; replace 0:9-1:4 " ""#,
            "none",
        ),
        // typing two lines (each keystroke its own change) is typing
        (
            r#"open ""; type "a" at 0:0; type "\n" at 0:1; type "b" at 1:0"#,
            "none",
        ),
        // undo of a two-line deletion gives typed text back, not bulk
        (
            r#"open "let a = 1;\nlet b = 2;\nz\n"; delete 0:0-2:0; insert "let a = 1;\nlet b = 2;\n" at 0:0"#,
            "none",
        ),
    ]);
}

#[test]
fn an_undo_puts_text_back_where_it_was_only() {
    // the same text deleted in two places, once from a completion: an undo
    // re-inserting the human copy does not bring the completion's back there
    let setup = r#"open "fn a(x: u32, y: u32) -> u32 {}\n\n"; hint completion; insert "fn b(x: u32, y: u32) -> u32 {}\n" at 1:0"#;
    check(&[(
        &format!(
            r#"{setup}; replace 0:0-2:0 "fn a(x: u64, y: u64) -> u64 {{}}\nfn b(x: u64, y: u64) -> u64 {{}}\n"; hint undo; replace 0:0-2:0 "fn a(x: u32, y: u32) -> u32 {{}}\nfn b(x: u32, y: u32) -> u32 {{}}\n""#
        ),
        "completion 1:0-2:0",
    )]);
}

#[test]
fn bulk_char_threshold_edges() {
    let under = "x".repeat(119);
    let at = "x".repeat(120);
    assert_eq!(run(&format!(r#"open ""; insert "{under}" at 0:0"#)), "none");
    assert_eq!(
        run(&format!(r#"open ""; insert "{at}" at 0:0"#)),
        "bulk 0:0-0:120"
    );
    // the thresholds are configurable
    let strict = Thresholds {
        bulk_min_chars: 10,
        bulk_min_line_breaks: 1,
        ..Thresholds::default()
    };
    assert_eq!(
        run_with(r#"open ""; insert "123456789" at 0:0"#, strict.clone()),
        "none"
    );
    assert_eq!(
        run_with(r#"open ""; insert "1234567890" at 0:0"#, strict.clone()),
        "bulk 0:0-0:10"
    );
    assert_eq!(
        run_with(r#"open ""; insert "a\n" at 0:0"#, strict),
        "bulk 0:0-1:0"
    );
}

#[test]
fn thresholds_have_serde_defaults() {
    let t: Thresholds = serde_json::from_str(r#"{"bulkMinChars": 200}"#).expect("parse");
    assert_eq!(
        t,
        Thresholds {
            bulk_min_chars: 200,
            ..Thresholds::default()
        }
    );
}

#[test]
fn a_hint_wins() {
    check(&[
        // before the change
        (
            r#"open "x\n"; hint completion(copilot); insert "fn a() {}" at 1:0"#,
            "completion 1:0-1:9 copilot",
        ),
        // after the change
        (
            r#"open "x\n"; insert "fn a() {}" at 1:0; hint completion(copilot) v1"#,
            "completion 1:0-1:9 copilot",
        ),
        // after the change and more typing: the region followed the edit
        (
            r#"open "x\n"; insert "fn a() {}" at 1:0; type "z" at 0:0; hint completion(copilot) v1"#,
            "completion 1:0-1:9 copilot",
        ),
        // a late hint for a change that no longer exists makes nothing
        (
            r#"open "x\n"; insert "abc" at 1:0; delete 1:0-1:3; hint completion v1"#,
            "none",
        ),
        (
            r#"open ""; hint agent(claude-code,opus); insert "let x = 1;" at 0:0"#,
            "agent 0:0-0:10 claude-code/opus",
        ),
        (
            r#"open ""; hint pasted; insert "foo" at 0:0"#,
            "pasted 0:0-0:3",
        ),
        // not-authorship hints beat the bulk guess, before or after
        (
            r#"open ""; hint typed; insert "a\nb\nc\nd\n" at 0:0"#,
            "none",
        ),
        (
            r#"open ""; hint reload; insert "a\nb\nc\nd\n" at 0:0"#,
            "none",
        ),
        (
            r#"open ""; hint refactor; insert "a\nb\nc\nd\n" at 0:0"#,
            "none",
        ),
        (
            r#"open ""; insert "a\nb\nc\nd\n" at 0:0; hint format v1"#,
            "none",
        ),
        (
            r#"open ""; insert "a\nb\nc\nd\n" at 0:0; hint agent(x) v1"#,
            "agent 0:0-4:0 x",
        ),
        // a hint for another version does not apply
        (
            r#"open ""; hint completion v5; insert "abc" at 0:0"#,
            "none",
        ),
        // the first hint for a version decides; a second one is ignored
        (
            r#"open ""; hint completion(a); insert "xyz" at 0:0; hint agent(b) v1"#,
            "completion 0:0-0:3 a",
        ),
        // a hint names the version: edits of the batch all count
        (
            r#"open "a\nb\n"; hint completion; insert "X" at 0:0 & insert "Y" at 1:0"#,
            "completion 0:0-0:1, completion 1:0-1:1",
        ),
    ]);
}

#[test]
fn a_region_holds_exactly_the_chars_its_insertion_put_there() {
    let inserted = r#"open ""; hint completion; insert "abcd" at 0:0"#;
    check(&[
        // typing inside splits it: the typed char is nobody's; every
        // inserted char is still there, so retained stays 1
        (
            &format!(r#"{inserted}; type "X" at 0:2"#),
            "completion 0:0-0:2+0:3-0:5 modified",
        ),
        (
            &format!(r#"{inserted}; type "X" at 0:2; type "Y" at 0:3"#),
            "completion 0:0-0:2+0:4-0:6 modified",
        ),
        (
            &format!(r#"{inserted}; type "X" at 0:1; type "Y" at 0:4"#),
            "completion 0:0-0:1+0:2-0:4+0:5-0:6 modified",
        ),
        // typing at its edges is not inside it
        (
            &format!(r#"{inserted}; type "X" at 0:4"#),
            "completion 0:0-0:4",
        ),
        (
            &format!(r#"{inserted}; type "X" at 0:0"#),
            "completion 0:1-0:5",
        ),
        // deleting part of it
        (
            &format!(r#"{inserted}; delete 0:1-0:2"#),
            "completion 0:0-0:3 modified retained=0.75",
        ),
        // replacing part of it: the replacement is not the region's
        (
            &format!(r#"{inserted}; replace 0:1-0:2 "Z""#),
            "completion 0:0-0:1+0:2-0:4 modified retained=0.75",
        ),
        // deleting what was typed inside joins the spans again
        (
            &format!(r#"{inserted}; type "X" at 0:2; delete 0:2-0:3"#),
            "completion 0:0-0:4",
        ),
        // ... also when the undo names itself
        (
            &format!(r#"{inserted}; type "XY" at 0:2; hint undo; delete 0:2-0:4"#),
            "completion 0:0-0:4",
        ),
        // a deletion across typed text and the region's chars
        (
            &format!(r#"{inserted}; type "X" at 0:2; delete 0:1-0:4"#),
            "completion 0:0-0:2 modified retained=0.50",
        ),
        // deleting all of it removes it, typed text inside stays nobody's
        (&format!(r#"{inserted}; delete 0:0-0:4"#), "none"),
        (
            &format!(r#"{inserted}; type "X" at 0:2; delete 0:0-0:2; delete 0:1-0:3"#),
            "none",
        ),
        // regions shift with edits before them
        (
            &format!(r#"{inserted}; insert "\n\n" at 0:0"#),
            "completion 2:0-2:4",
        ),
    ]);
}

#[test]
fn an_insertion_inside_a_region_is_its_own_region() {
    let inserted = r#"open ""; hint completion(copilot); insert "abcd" at 0:0"#;
    check(&[
        // a paste inside a completion
        (
            &format!(r#"{inserted}; hint pasted; insert "XY" at 0:2"#),
            "completion 0:0-0:2+0:4-0:6 copilot modified, pasted 0:2-0:4",
        ),
        // a completion inside a completion
        (
            &format!(r#"{inserted}; hint completion(other); insert "XY" at 0:2"#),
            "completion 0:0-0:2+0:4-0:6 copilot modified, completion 0:2-0:4 other",
        ),
        // an agent write inside a completion
        (
            &format!(r#"{inserted}; hint agent(claude); insert "XY" at 0:2"#),
            "completion 0:0-0:2+0:4-0:6 copilot modified, agent 0:2-0:4 claude",
        ),
        // bulk inside a completion
        (
            &format!(r#"{inserted}; insert "1\n2\n3\n" at 0:2"#),
            "completion 0:0-0:2+3:0-3:2 copilot modified, bulk 0:2-3:0",
        ),
        // Neovim `p` of a block inside the last line of a 3-line completion
        (
            r#"open "fn f() {\n}\n"; hint completion(copilot); insert "    let a = 1;\n    let b = 2;\n    a + b" at 1:0; hint pasted; insert "x1\nx2\nx3\n" at 3:5"#,
            "completion 1:0-3:5+6:0-6:4 copilot modified, pasted 3:5-6:0",
        ),
        // undo of the paste: the completion is whole again
        (
            &format!(r#"{inserted}; hint pasted; insert "XY" at 0:2; hint undo; delete 0:2-0:4"#),
            "completion 0:0-0:4 copilot",
        ),
        // ... and redo brings the paste back
        (
            &format!(
                r#"{inserted}; hint pasted; insert "XY" at 0:2; hint undo; delete 0:2-0:4; hint undo; insert "XY" at 0:2"#
            ),
            "completion 0:0-0:2+0:4-0:6 copilot modified, pasted 0:2-0:4",
        ),
        // typing inside the pasted text inside the completion
        (
            &format!(r#"{inserted}; hint pasted; insert "XY" at 0:2; type "z" at 0:3"#),
            "completion 0:0-0:2+0:5-0:7 copilot modified, pasted 0:2-0:3+0:4-0:5 modified",
        ),
    ]);
}

#[test]
fn a_region_edited_inside_moves_with_its_spans() {
    let edited = r#"open "x\ny\n"; hint completion(copilot); insert "fn long_name() {}\n" at 0:0; type "_new" at 0:12"#;
    check(&[
        (edited, "completion 0:0-0:12+0:16-1:0 copilot modified"),
        // cut the line and paste it two lines down: the spans move with it,
        // the typed `_new` stays nobody's
        (
            &format!(r#"{edited}; delete 0:0-1:0; insert "fn long_name_new() {{}}\n" at 2:0"#),
            "completion 2:0-2:12+2:16-3:0 copilot modified",
        ),
        // moving it down in one change (Neovim `:m`, VS Code Alt+Down)
        (
            &format!(r#"{edited}; replace 0:0-2:0 "x\nfn long_name_new() {{}}\n""#),
            "completion 1:0-1:12+1:16-2:0 copilot modified",
        ),
        // into another document
        (
            &format!(
                r#"@b open ""; @a {edited}; delete 0:0-1:0; @b insert "fn long_name_new() {{}}\n" at 0:0"#
            ),
            "completion 0:0-0:12+0:16-1:0 copilot modified",
        ),
    ]);
}

#[test]
fn journals_from_before_spans_replay_char_exact() {
    // a region as journals stored it before regions were char-exact: the
    // covering range, with the text typed inside as `rewritten`
    let old = r#"{"id":7,"start":0,"end":6,"source":"completion","insertedAt":1,
        "reviewed":false,"modified":true,"retained":0.5,"insertedLen":4,
        "rewritten":[{"start":2,"end":4}]}"#;
    let region: Region = serde_json::from_str(old).expect("old region");
    assert_eq!(region.spans(), &[0..2, 4..6]);
    assert_eq!((region.start, region.end, region.len()), (0, 6, 4));
    assert_eq!(region.retained, 1.0);
    // and a region written now reads back the same
    let json = serde_json::to_string(&region).expect("serialize");
    assert!(json.contains(r#""spans":[{"start":0,"end":2},{"start":4,"end":6}]"#));
    assert!(!json.contains("rewritten"));
    let back: Region = serde_json::from_str(&json).expect("new region");
    assert_eq!(back, region);
    // an old snapshot replays into a workspace that keeps editing char-exact
    let mut ws = Workspace::new(Thresholds::default());
    ws.apply_record(&Record::Snapshot {
        doc: "a".into(),
        seq: 1,
        version: 0,
        text: "abXYcd".into(),
        regions: vec![region],
        typed: Vec::new(),
    });
    ws.change("a", 1, &[Change::delete(2..4)], 5);
    let state = ws.document("a").expect("open");
    assert_eq!(state.regions[0].spans(), std::slice::from_ref(&(0..4)));
    assert!(!state.regions[0].modified);
}

#[test]
fn undo_and_redo_bring_back_provenance() {
    check(&[
        // undo of an insertion removes its region
        (
            r#"open ""; hint completion; insert "abcd" at 0:0; hint undo; delete 0:0-0:4"#,
            "none",
        ),
        // redo brings it back with its old provenance
        (
            r#"open "x"; hint completion(c); insert "abcd" at 0:1; delete 0:1-0:5; insert "abcd" at 0:1"#,
            "completion 0:1-0:5 c",
        ),
        (
            r#"open "x"; hint completion(c); insert "abcd" at 0:1; delete 0:1-0:5; hint undo; insert "abcd" at 0:1"#,
            "completion 0:1-0:5 c",
        ),
        // undo of a partial deletion makes the region whole again
        (
            r#"open ""; hint completion; insert "abcdef" at 0:0; delete 0:2-0:4; insert "cd" at 0:2"#,
            "completion 0:0-0:6",
        ),
        (
            r#"open ""; hint completion; insert "abcdef" at 0:0; delete 0:4-0:6; insert "ef" at 0:4"#,
            "completion 0:0-0:6",
        ),
        // undo of the first line: a re-inserted block is not bulk again
        (
            r#"open "x\n"; insert "a\nb\nc\nd\n" at 1:0; delete 1:0-5:0; hint undo; insert "a\nb\nc\nd\n" at 1:0"#,
            "bulk 1:0-5:0",
        ),
        // Neovim sends undo and redo as a replacement of whole lines
        (
            r#"open "a\nb\n"; hint completion; insert "hello world" at 1:0; replace 1:0-2:0 "b\n"; replace 1:0-2:0 "hello worldb\n""#,
            "completion 1:0-1:11",
        ),
        // short deleted text typed again elsewhere is typed
        (
            r#"open "x\n"; hint completion; insert "abcd" at 0:0; delete 0:0-0:4; insert "abcd" at 1:0"#,
            "none",
        ),
    ]);
}

#[test]
fn only_really_new_text_counts() {
    check(&[
        // a coarse re-send of the same text changes nothing
        (r#"open "aaa\nbbb\nccc\n"; full "aaa\nbbb\nccc\n""#, "none"),
        (
            r#"open "aaa\nbbb\nccc\n"; hint completion(x); full "aaa\nbXb\nccc\n""#,
            "completion 1:1-1:2 x",
        ),
        // full sync: one keystroke is typed, a pasted block is bulk
        (
            r#"open "line one\nline two\n"; full "line one\nline twoo\n""#,
            "none",
        ),
        (
            r#"open "a\nb\n"; full "a\nx1\nx2\nx3\nx4\nb\n""#,
            "bulk 1:0-5:0",
        ),
        // a whole-line replacement (`:s`) with one changed char
        (
            r#"open "l1\nl2\nl3\nl4\n"; replace 0:0-4:0 "l1\nL2\nl3\nl4\n""#,
            "none",
        ),
        (
            r#"open "l1\nl2\nl3\nl4\n"; hint completion; replace 0:0-4:0 "l1\nL2\nl3\nl4\n""#,
            "completion 1:0-1:1",
        ),
        // two changed lines in one replacement: two regions via the line diff
        (
            r#"open "l1\nl2\nl3\nl4\n"; hint completion; replace 0:0-4:0 "X1\nl2\nl3\nX4\n""#,
            "completion 0:0-0:1, completion 3:0-3:1",
        ),
        // a replacement keeping the old lines around a new block: only the block
        (
            r#"open "fn a() {}\nfn b() {}\n"; replace 0:0-2:0 "fn a() {}\nfn n1() {}\nfn n2() {}\nfn n3() {}\nfn b() {}\n""#,
            "bulk 1:0-4:0",
        ),
    ]);
}

#[test]
fn machine_edits_are_not_authorship() {
    check(&[
        // formatter: many small edits in one batch
        (
            r#"open "a\nb\nc\n"; insert ";" at 0:1 & insert ";" at 1:1 & insert ";" at 2:1"#,
            "none",
        ),
        // even with a bulk-sized edit among them
        (
            r#"open "a\nb\nc\n"; insert "w\nx\ny\nz\n" at 0:0 & insert ";" at 5:1 & insert ";" at 6:1"#,
            "none",
        ),
        // just under the batch threshold, the bulk edit counts
        (
            r#"open "a\nb\nc\n"; insert "w\nx\ny\nz\n" at 0:0 & insert ";" at 5:1"#,
            "bulk 0:0-4:0",
        ),
        // rename: the same small edit in many places
        (
            r#"open "foo foo foo"; replace 0:0-0:3 "barbaz" & replace 0:7-0:10 "barbaz" & replace 0:14-0:17 "barbaz""#,
            "none",
        ),
        // snippet expansion (the prefix is replaced by a small template)
        (
            r#"open "fn\n"; replace 0:0-0:2 "fn name() {\n    \n}""#,
            "none",
        ),
        // auto-closed pair, Enter between braces
        (r#"open ""; type "()" at 0:0"#, "none"),
        (r#"open "{}"; insert "\n    \n" at 0:1"#, "none"),
    ]);
}

#[test]
fn moved_text_keeps_its_provenance() {
    let region = r#"open "x\ny\n"; hint completion(copilot); insert "fn long_name() {}\n" at 0:0"#;
    check(&[
        (
            &format!(r#"{region}; delete 0:0-1:0; insert "fn long_name() {{}}\n" at 2:0"#),
            "completion 2:0-3:0 copilot",
        ),
        // a paste hint does not turn moved AI text into "pasted"
        (
            &format!(
                r#"{region}; delete 0:0-1:0; hint pasted; insert "fn long_name() {{}}\n" at 2:0"#
            ),
            "completion 2:0-3:0 copilot",
        ),
        // into another document
        (
            &format!(
                r#"@b open ""; @a {region}; delete 0:0-1:0; @b insert "fn long_name() {{}}\n" at 0:0"#
            ),
            "completion 0:0-1:0 copilot",
        ),
        // moving a line down (one change, line diff sees delete + insert)
        (
            &format!(r#"{region}; replace 0:0-2:0 "x\nfn long_name() {{}}\n""#),
            "completion 1:0-2:0 copilot",
        ),
        // cut and paste of human text stays typed, even with a paste hint
        (
            r#"open "a\nb\nc\nd\ne\n"; delete 0:0-4:0; insert "a\nb\nc\nd\n" at 1:0"#,
            "none",
        ),
        (
            r#"open "a\nb\nc\nd\ne\n"; delete 0:0-4:0; hint pasted; insert "a\nb\nc\nd\n" at 1:0"#,
            "none",
        ),
    ]);
}

#[test]
fn a_block_copied_from_an_open_document_is_pasted() {
    check(&[
        (
            r#"@b open "l1\nl2\nl3\nl4\n"; @a open ""; insert "l1\nl2\nl3\nl4\n" at 0:0"#,
            "pasted 0:0-4:0",
        ),
        (
            r#"open "l1\nl2\nl3\n"; insert "l1\nl2\nl3\n" at 3:0"#,
            "pasted 3:0-6:0",
        ),
        // not in any open document: bulk
        (
            r#"@b open "l1\nl2\n"; @a open ""; insert "l1\nl2\nl3\nl4\n" at 0:0"#,
            "bulk 0:0-4:0",
        ),
    ]);
}

#[test]
fn review_disk_and_reopen() {
    check(&[
        (
            r#"open ""; hint completion; insert "abcd" at 0:0; review 0:1-0:2"#,
            "completion 0:0-0:4 reviewed",
        ),
        // an empty range marks the region under the cursor
        (
            r#"open ""; hint completion; insert "abcd" at 0:0; review 0:4-0:4"#,
            "completion 0:0-0:4 reviewed",
        ),
        (
            r#"open "zz"; hint completion; insert "abcd" at 0:0; review 0:5-0:5"#,
            "completion 0:0-0:4",
        ),
        // changed on disk by an agent, then reloaded by the editor (full text)
        (
            r#"open "a\nb\n"; disk "a\nB\nc\n" agent(claude); full "a\nB\nc\n""#,
            "agent 1:0-2:1 claude",
        ),
        // ... or as minimal edits (VS Code)
        (
            r#"open "a\nb\n"; disk "a\nb\nfn x() {}\n" agent(claude); insert "fn x() {}\n" at 2:0"#,
            "agent 2:0-3:0 claude",
        ),
        // a reload with nobody known behind it is not authorship, however large
        (
            r#"open "a\n"; disk "a\n1\n2\n3\n4\n"; insert "1\n2\n3\n4\n" at 1:0"#,
            "none",
        ),
        // the buffer is the truth: until the editor reloads, nothing changes
        (
            r#"open "a\n"; disk "zzz\n" agent(x); type "q" at 0:0"#,
            "none",
        ),
        (
            r#"open "a\n"; disk "a\nb\nc\nd\ne\n" agent(x); insert "b\nc\nd\ne\n" at 1:0 & insert "!" at 0:0"#,
            "bulk 1:0-5:0",
        ),
        // regions shift with the reload
        (
            r#"open "a\n"; hint completion; insert "zzz\n" at 1:0; disk "new\na\nzzz\n"; full "new\na\nzzz\n""#,
            "completion 2:0-3:0",
        ),
        // a save (same text on disk) changes nothing
        (r#"open "a\n"; disk "a\n" agent(x); full "a\n""#, "none"),
        // reopened: known regions carried onto the new text, new lines external
        (
            r#"open "a\n"; hint completion(c); insert "fn x() {}\n" at 1:0; close; reopen "top\na\nfn x() {}\n" external"#,
            "external 0:0-1:0, completion 2:0-3:0 c",
        ),
        (
            r#"open "a\n"; hint completion(c); insert "fn x() {}\n" at 1:0; close; reopen "a\nfn x() {}\n""#,
            "completion 1:0-2:0 c",
        ),
        (r#"open "a\n"; close"#, "closed"),
    ]);
}

#[test]
fn encodings_multi_byte_and_crlf() {
    check(&[
        (
            r#"open "😀\r\n"; hint completion; insert "a😀b" at 1:0"#,
            "completion 1:0-1:3",
        ),
        (
            r#"open "é\r\nx"; hint completion; insert "€€" at 1:0; type "😀" at 1:1"#,
            "completion 1:0-1:1+1:2-1:3 modified",
        ),
        (
            r#"open "a\r\nb\r\n"; insert "1\r\n2\r\n3\r\n" at 1:0"#,
            "bulk 1:0-4:0",
        ),
    ]);
}

#[test]
fn replay_skips_records_already_applied() {
    let run = super::script::execute(
        r#"open ""; hint completion; insert "abcd" at 0:0; type "X" at 0:2; review 0:0-0:1"#,
        Thresholds::default(),
    );
    let mut replayed = Workspace::new(Thresholds::default());
    for record in &run.records {
        replayed.apply_record(record);
        replayed.apply_record(record);
    }
    assert_eq!(replayed.document("a"), run.workspace.document("a"));
    // continuing live after a replay does not reuse ids or seqs
    let records = replayed.change("a", 9, &[Change::insert(0, "q")], 5);
    assert_eq!(
        records[0].seq(),
        run.records.last().map_or(0, Record::seq) + 1
    );
}

#[test]
fn replay_drops_regions_a_damaged_journal_puts_past_the_end() {
    let attribution = Attribution {
        source: Source::Agent,
        agent: None,
        model: None,
        usage: None,
    };
    let mut ws = Workspace::new(Thresholds::default());
    ws.apply_record(&Record::Snapshot {
        doc: "a".into(),
        seq: 1,
        version: 0,
        text: "abc".into(),
        regions: vec![
            Region::new(1, 0..2, &attribution, 0),
            Region::new(2, 1..3, &attribution, 0),
            Region::new(3, 2..9, &attribution, 0),
        ],
        typed: Vec::new(),
    });
    let ids: Vec<u64> = ws
        .document("a")
        .expect("open")
        .regions
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, vec![1]);
}

#[test]
fn lsp_edits_in_utf16_land_on_the_right_chars() {
    use crate::text::{changes_from_edits, PositionEncoding, TextEdit, TextPosition};
    let mut ws = Workspace::new(Thresholds::default());
    ws.open("a", 0, "😀x\r\n", 0);
    ws.hint("a", 1, Hint::new(HintSource::Completion), 0);
    let edits = [TextEdit {
        range: Some((TextPosition::new(0, 2), TextPosition::new(0, 2))),
        text: "é😀".into(),
    }];
    let state = ws.document("a").expect("open");
    let changes = changes_from_edits(&state.text, &edits, PositionEncoding::Utf16);
    ws.change("a", 1, &changes, 0);
    let state = ws.document("a").expect("open");
    assert_eq!(state.text.to_string(), "😀é😀x\r\n");
    let region = &state.regions[0];
    assert_eq!(
        state.positions(region, PositionEncoding::Utf16),
        (TextPosition::new(0, 2), TextPosition::new(0, 5))
    );
    assert_eq!(
        state.positions(region, PositionEncoding::Utf8),
        (TextPosition::new(0, 4), TextPosition::new(0, 10))
    );
}

#[test]
fn move_and_hint_window_edges() {
    let moved = |text: &str| {
        run(&format!(
            r#"open "x\n"; hint completion; insert "{text}" at 0:0; delete 0:0-0:{n}; insert "{text}" at 1:0"#,
            n = text.chars().count()
        ))
    };
    // just under `moveMinChars` (16): moved elsewhere, it is typed
    assert_eq!(moved("abcdefghijklmno"), "none");
    assert_eq!(moved("abcdefghijklmnop"), "completion 1:0-1:16");

    // a late hint finds the batch among the last `hintWindow` (8) batches
    let late_hint = |typed_after: usize| {
        let typing = "; type \"x\" at 3:0".repeat(typed_after);
        run(&format!(
            r#"open ""; insert "a\nb\nc\n" at 0:0{typing}; hint completion v1"#
        ))
    };
    assert_eq!(late_hint(7), "completion 0:0-3:0");
    assert_eq!(late_hint(8), "bulk 0:0-3:0");
}

fn check_typed(table: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (script, expected) in table {
        let got = run_typed(script);
        if got != *expected {
            failures.push(format!(
                "{script}\n   expected: {expected}\n        got: {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Typed text is kept, apart from the shown regions, as a few typed
/// regions: keystrokes in a row are one; a paste, a bulk insertion, a
/// formatter's batch, an undo and text already there are not typed.
#[test]
fn typed_text_is_kept_apart_as_a_few_typed_regions() {
    check_typed(&[
        // keystrokes in a row (spaces and Enter too) coalesce into one
        (
            r#"open ""; type "f" at 0:0; type "n" at 0:1; type " " at 0:2; type "a" at 0:3; type "\n" at 0:4; type "}" at 1:0"#,
            "typed 0:0-1:1",
        ),
        // typing elsewhere is another region; back inside the first joins it
        (
            r#"open "old\nold\n"; type "ab" at 0:0; type "xy" at 1:3; type "Z" at 0:1"#,
            "typed 0:0-0:3, typed 1:3-1:5",
        ),
        // text that was there when opened is nobody's
        (r#"open "fn main() {}\n""#, "none"),
        // a `typed` hint: typed; a paste hint, bulk, a completion: not
        (r#"open ""; hint typed; type "ab" at 0:0"#, "typed 0:0-0:2"),
        (r#"open ""; hint pasted; insert "ab" at 0:0"#, "none"),
        (r#"open ""; insert "a\nb\nc\n" at 0:0"#, "none"),
        (r#"open ""; hint typed; insert "a\nb\nc\n" at 0:0"#, "none"),
        (
            r#"open ""; type "ab" at 0:0; hint completion(copilot); insert "XYZ" at 0:1"#,
            "typed 0:0-0:1+0:4-0:5",
        ),
        // typing inside a completion is typed, the completion keeps its spans
        (
            r#"open ""; hint completion(copilot); insert "let value = 1;" at 0:0; type "X" at 0:4"#,
            "typed 0:4-0:5",
        ),
        // a batch of 3 edits without a hint is a formatter's; a typed hint makes it multi-cursor typing
        (
            r#"open "a\nb\nc\n"; type "x" at 0:0 & type "x" at 1:0 & type "x" at 2:0"#,
            "none",
        ),
        (
            r#"open "a\nb\nc\n"; hint typed; type "x" at 0:0 & type "x" at 1:0 & type "x" at 2:0"#,
            "typed 0:0-0:1, typed 1:0-1:1, typed 2:0-2:1",
        ),
        // undo, reload, format hints: not typed
        (r#"open ""; hint undo; insert "ab" at 0:0"#, "none"),
        (r#"open ""; hint format; insert "ab" at 0:0"#, "none"),
        // deleting typed text takes it away; typed back, it is typed again
        (
            r#"open ""; type "abc" at 0:0; delete 0:1-0:3"#,
            "typed 0:0-0:1",
        ),
        (
            r#"open ""; type "abc" at 0:0; delete 0:0-0:3; type "abc" at 0:0"#,
            "typed 0:0-0:3",
        ),
        // text that was there, deleted and put back where it was (an undo
        // without a hint, Neovim's `dd` then `u`): not typed
        (
            r#"open "a\nfoo();\nb\n"; delete 1:0-2:0; insert "foo();\n" at 1:0"#,
            "none",
        ),
        // ... but typed elsewhere, or other text there, is
        (
            r#"open "a\nfoo();\nb\n"; delete 1:0-2:0; type "bar" at 1:0"#,
            "typed 1:0-1:3",
        ),
        // a late paste hint takes the chars back out of the typed region
        (
            r#"open ""; type "ab" at 0:0; insert "XY" at 0:2; hint pasted v2"#,
            "typed 0:0-0:2",
        ),
        // a late typed hint keeps it; on a formatter-sized batch it makes it typed
        (
            r#"open ""; type "ab" at 0:0; hint typed v1"#,
            "typed 0:0-0:2",
        ),
        (
            r#"open "a\nb\nc\n"; type "x" at 0:0 & type "x" at 1:0 & type "x" at 2:0; hint typed v1"#,
            "typed 0:0-0:1, typed 1:0-1:1, typed 2:0-2:1",
        ),
        // reopened: the typed regions are carried onto the text like regions
        (
            r#"open "a\n"; type "let x = 1;\n" at 1:0; close; reopen "top\na\nlet x = 1;\n""#,
            "typed 2:0-3:0",
        ),
    ]);
    // and none of it is ever a shown region
    assert_eq!(
        run(r#"open ""; type "f" at 0:0; type "n" at 0:1; hint typed; type "x" at 0:2"#),
        "none"
    );
}

/// Journals from before typed text load as "nothing typed"; a record with
/// typed regions keeps every field an older reader knows.
#[test]
fn journals_without_typed_regions_load_and_typed_ones_add_a_field() {
    let old = r#"{"kind":"snapshot","doc":"a","seq":1,"version":0,"text":"ab","regions":[]}"#;
    let record: Record = serde_json::from_str(old).expect("old snapshot");
    let Record::Snapshot { typed, .. } = &record else {
        panic!("a snapshot")
    };
    assert!(typed.is_empty());
    assert_eq!(serde_json::to_string(&record).unwrap(), old);
    let mut ws = Workspace::new(Thresholds::default());
    ws.open("a", 0, "", 0);
    let records = ws.change("a", 1, &[Change::insert(0, "x")], 5);
    let json = serde_json::to_value(&records[0]).unwrap();
    assert_eq!(json["typed"][0]["source"], "typed", "{json}");
    assert_eq!(json["regions"], serde_json::json!([]));
    // A build from before typed text reads the record as it always did:
    // serde skips the unknown field (this is that build's `Record::Edit`).
    #[derive(serde::Deserialize)]
    #[serde(tag = "kind", rename_all = "camelCase")]
    #[allow(dead_code)]
    enum RecordBeforeTyped {
        Edit {
            doc: String,
            seq: u64,
            version: i32,
            steps: Vec<Step>,
            regions: Vec<Region>,
        },
    }
    let RecordBeforeTyped::Edit { steps, .. } =
        serde_json::from_value(json).expect("an older reader loads it");
    assert_eq!(steps.len(), 1);
}

/// A restarted server opens a document with what the journal knew: typed
/// regions carried in keep their ids, and new typing gets others.
#[test]
fn typed_regions_carried_into_a_new_workspace_keep_distinct_ids() {
    let mut before = Workspace::new(Thresholds::default());
    before.open("a", 0, "x\n", 0);
    before.change("a", 1, &[Change::insert(0, "ab")], 5);
    let known = before.document("a").unwrap().clone();
    let mut after = Workspace::new(Thresholds::default());
    after.open_with_known("a", 0, "abx\n", known, 10, None);
    after.change("a", 1, &[Change::insert(4, "cd")], 15);
    let typed = &after.document("a").unwrap().typed;
    let spans: Vec<_> = typed.iter().map(|r| r.range()).collect();
    assert_eq!(spans, [0..2, 4..6], "{typed:?}");
    assert_ne!(typed[0].id, typed[1].id);
}
