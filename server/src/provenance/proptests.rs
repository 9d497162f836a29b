//! Random edit scripts: never panic, keep the region invariants, and replay
//! (from empty, and twice) rebuilds exactly what live editing produced.

use super::script::{check_replay, Run};
use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Edit {
        doc: usize,
        edits: Vec<(usize, usize, String)>,
    },
    Full {
        doc: usize,
        keep: usize,
        text: String,
    },
    Hint {
        doc: usize,
        ahead: i32,
        source: HintSource,
    },
    Reinsert {
        doc: usize,
        at: usize,
    },
    Review {
        doc: usize,
        at: usize,
        len: usize,
    },
    Disk {
        doc: usize,
        keep: usize,
        text: String,
        agent: bool,
    },
    CloseReopen {
        doc: usize,
    },
}

const DOCS: [&str; 2] = ["a", "b"];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c😀é\n ]{0,6}",
        "[a-z\r\n]{0,4}",
        Just("fn a() {}\r\n".to_string()),
        (1usize..6).prop_map(|n| "line\n".repeat(n)),
        (100usize..140).prop_map(|n| "x".repeat(n)),
        Just("😀😀\n😀\n😀\n".to_string()),
    ]
}

fn hint_source() -> impl Strategy<Value = HintSource> {
    prop_oneof![
        Just(HintSource::Pasted),
        Just(HintSource::Completion),
        Just(HintSource::Agent),
        Just(HintSource::Typed),
        Just(HintSource::Undo),
        Just(HintSource::Format),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let edit = (any::<usize>(), 0usize..8, text());
    prop_oneof![
        4 => (0..2usize, prop::collection::vec(edit, 1..4)).prop_map(|(doc, edits)| Op::Edit { doc, edits }),
        1 => (0..2usize, any::<usize>(), text()).prop_map(|(doc, keep, text)| Op::Full { doc, keep, text }),
        2 => (0..2usize, -1..3i32, hint_source()).prop_map(|(doc, ahead, source)| Op::Hint { doc, ahead, source }),
        1 => (0..2usize, any::<usize>()).prop_map(|(doc, at)| Op::Reinsert { doc, at }),
        1 => (0..2usize, any::<usize>(), 0usize..10).prop_map(|(doc, at, len)| Op::Review { doc, at, len }),
        1 => (0..2usize, any::<usize>(), text(), any::<bool>()).prop_map(|(doc, keep, text, agent)| Op::Disk { doc, keep, text, agent }),
        1 => (0..2usize).prop_map(|doc| Op::CloseReopen { doc }),
    ]
}

/// The minimal steps must produce exactly what the editor's change did.
fn assert_text(ws: &Workspace, doc: usize, expected: &str) {
    let text = ws.document(DOCS[doc]).expect("open").text.to_string();
    assert_eq!(
        text, expected,
        "diffed steps diverge from the editor's text"
    );
}

fn check_invariants(ws: &Workspace) {
    for (doc, state) in ws.documents() {
        let len = state.text.len_chars();
        let mut owner = vec![None; len];
        // typed text is nobody's region: no char is both
        for regions in [&state.regions, &state.typed] {
            let mut previous_start = 0;
            for region in regions {
                assert!(!region.is_empty(), "{doc}: empty region {region:?}");
                assert!(
                    region.start >= previous_start,
                    "{doc}: unsorted {regions:?}"
                );
                assert!(
                    region.end <= len,
                    "{doc}: region past the end ({len}) {region:?}"
                );
                assert!(
                    (0.0..=1.0).contains(&region.retained),
                    "{doc}: retained {region:?}"
                );
                let spans = region.spans();
                assert!(
                    spans.iter().all(|s| s.start < s.end)
                        && spans.windows(2).all(|w| w[0].end < w[1].start)
                        && spans.first().map(|s| s.start) == Some(region.start)
                        && spans.last().map(|s| s.end) == Some(region.end),
                    "{doc}: spans {region:?}"
                );
                for span in spans {
                    for c in span.clone() {
                        assert!(
                            owner[c].replace(region.id).is_none(),
                            "{doc}: char {c} in two regions {:?} / typed {:?}",
                            state.regions,
                            state.typed
                        );
                    }
                }
                previous_start = region.start;
            }
        }
    }
}

/// `text` spliced into the document keeping `keep`-derived ends, so full
/// replacements and disk changes are mostly the same text.
fn spliced(state: &DocumentState, keep: usize, text: &str) -> String {
    let old = state.text.to_string();
    let chars: Vec<char> = old.chars().collect();
    let cut = keep % (chars.len() + 1);
    let head: String = chars[..cut].iter().collect();
    let tail: String = chars[cut..].iter().skip(keep % 3).collect();
    format!("{head}{text}{tail}")
}

fn run_ops(ops: &[Op]) -> Run {
    let mut ws = Workspace::new(Thresholds::default());
    let mut records = Vec::new();
    let mut deleted: Vec<String> = Vec::new();
    let mut now = 0;
    for doc in DOCS {
        records.extend(ws.open(doc, 0, "fn main() {\r\n    😀\n}\n", now));
    }
    for op in ops {
        now += 7;
        let out = match op.clone() {
            Op::Edit { doc, edits } => {
                let state = ws.document(DOCS[doc]).expect("open").clone();
                let mut text = state.text.clone();
                let mut changes = Vec::new();
                for (at, len, insert) in edits {
                    let at = at % (text.len_chars() + 1);
                    let end = (at + len).min(text.len_chars());
                    deleted.push(text.slice(at..end).to_string());
                    let change = Change {
                        range: at..end,
                        text: insert,
                    };
                    change.apply(&mut text);
                    changes.push(change);
                }
                let out = ws.change(DOCS[doc], state.version + 1, &changes, now);
                assert_text(&ws, doc, &text.to_string());
                out
            }
            Op::Full { doc, keep, text } => {
                let state = ws.document(DOCS[doc]).expect("open");
                let new = spliced(state, keep, &text);
                let change = Change {
                    range: 0..state.text.len_chars(),
                    text: new,
                };
                let version = state.version + 1;
                let expected = change.text.clone();
                let out = ws.change(DOCS[doc], version, &[change], now);
                assert_text(&ws, doc, &expected);
                out
            }
            Op::Hint { doc, ahead, source } => {
                let version = ws.document(DOCS[doc]).expect("open").version + ahead;
                ws.hint(DOCS[doc], version, Hint::new(source), now)
            }
            Op::Reinsert { doc, at } => match deleted.last() {
                Some(text) => {
                    let state = ws.document(DOCS[doc]).expect("open");
                    let at = at % (state.text.len_chars() + 1);
                    let version = state.version + 1;
                    let mut expected = state.text.clone();
                    let change = Change::insert(at, text);
                    change.apply(&mut expected);
                    let out = ws.change(DOCS[doc], version, &[change], now);
                    assert_text(&ws, doc, &expected.to_string());
                    out
                }
                None => Vec::new(),
            },
            Op::Review { doc, at, len } => {
                let state = ws.document(DOCS[doc]).expect("open");
                let at = at % (state.text.len_chars() + 1);
                ws.mark_reviewed(DOCS[doc], at..at + len).1
            }
            Op::Disk {
                doc,
                keep,
                text,
                agent,
            } => {
                // the file changes on disk, then the editor reloads it
                let state = ws.document(DOCS[doc]).expect("open");
                let new = spliced(state, keep, &text);
                let change = Change {
                    range: 0..state.text.len_chars(),
                    text: new.clone(),
                };
                let version = state.version + 1;
                let attribution = agent.then(|| Attribution {
                    source: Source::Agent,
                    agent: Some("claude-code".into()),
                    model: None,
                    usage: None,
                });
                let mut out = ws.replace_from_disk(DOCS[doc], &new, now, attribution);
                out.extend(ws.change(DOCS[doc], version, &[change], now));
                assert_text(&ws, doc, &new);
                out
            }
            Op::CloseReopen { doc } => {
                let known = ws.document(DOCS[doc]).expect("open").clone();
                let mut out = ws.close(DOCS[doc]);
                let text = format!("// header\n{}", known.text);
                out.extend(ws.open_with_known(DOCS[doc], known.version, &text, known, now, None));
                out
            }
        };
        records.extend(out);
        check_invariants(&ws);
    }
    Run {
        workspace: ws,
        records,
        last_doc: "a".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_edit_scripts_keep_invariants_and_replay(ops in prop::collection::vec(op(), 1..40)) {
        let run = run_ops(&ops);
        check_replay(&run, Thresholds::default());
    }
}

fn lines_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("😀"),
            Just("\n"),
            Just("\r\n"),
            Just(" ")
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn diffed_steps_turn_the_old_text_into_the_new(old in lines_text(), new in lines_text(), lines in any::<bool>()) {
        use super::diff::{text_steps, Grain};
        let grain = if lines { Grain::Lines } else { Grain::Chars };
        let mut rope = ropey::Rope::from_str(&format!("<{old}>"));
        for step in text_steps(&old, &new, 1, grain) {
            prop_assert!(step.delete > 0 || !step.insert.is_empty(), "empty step {step:?}");
            step.apply(&mut rope);
        }
        prop_assert_eq!(rope.to_string(), format!("<{new}>"));
    }
}

/// Single keystrokes and deletions (`true`: type the char at the position,
/// `false`: delete the char there), positions taken modulo the length. The
/// typed chars never occur in the completion, so no keystroke is an undo.
fn keystrokes() -> impl Strategy<Value = Vec<(bool, usize, char)>> {
    prop::collection::vec(
        (
            any::<bool>(),
            any::<usize>(),
            prop::sample::select(vec!['q', 'é', ' ']),
        ),
        1..30,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A completion followed by typing and deleting anywhere, inside it too:
    /// its spans hold exactly the completion's chars still there, nothing
    /// typed, and `retained` is their share.
    #[test]
    fn a_region_holds_exactly_its_own_chars(
        before in "[a-c\n]{0,8}",
        completion in "[x-z😀][x-z😀\n]{0,11}",
        keys in keystrokes(),
    ) {
        let mut ws = Workspace::new(Thresholds::default());
        let mut records = ws.open("a", 0, &before, 0);
        let at = before.chars().count() / 2;
        records.extend(ws.hint("a", 1, Hint::new(HintSource::Completion), 0));
        records.extend(ws.change("a", 1, &[Change::insert(at, &completion)], 0));
        // the truth: which chars are the completion's
        let mut theirs: Vec<bool> = vec![false; before.chars().count()];
        let n = completion.chars().count();
        theirs.splice(at..at, std::iter::repeat_n(true, n));
        for (version, (typing, pos, c)) in (2..).zip(keys) {
            let len = theirs.len();
            let change = if typing || len == 0 {
                let pos = pos % (len + 1);
                theirs.insert(pos, false);
                Change::insert(pos, &c.to_string())
            } else {
                let pos = pos % len;
                theirs.remove(pos);
                Change::delete(pos..pos + 1)
            };
            records.extend(ws.hint("a", version, Hint::new(HintSource::Typed), 0));
            records.extend(ws.change("a", version, &[change], 0));
        }
        let state = ws.document("a").expect("open");
        let mut marked = vec![false; theirs.len()];
        for region in &state.regions {
            for span in region.spans() {
                marked[span.clone()].iter_mut().for_each(|m| *m = true);
            }
        }
        for (i, (&mark, &truth)) in marked.iter().zip(&theirs).enumerate() {
            prop_assert!(!mark || truth, "char {i} typed but marked: {:?}", state.regions);
            prop_assert!(mark || !truth, "char {i} of the completion unmarked: {:?}", state.regions);
        }
        let held = theirs.iter().filter(|&&t| t).count();
        prop_assert!(state.regions.len() <= 1, "{:?}", state.regions);
        if let Some(region) = state.regions.first() {
            prop_assert_eq!(region.len(), held);
            prop_assert!((region.retained - held as f64 / n as f64).abs() < 1e-9);
        }
        check_replay(&Run { workspace: ws, records, last_doc: "a".into() }, Thresholds::default());
    }
}
