use super::*;
use PositionEncoding::{Utf16, Utf32, Utf8};

/// (text, line, character, encoding, expected char offset)
const CHAR_OFFSETS: &[(&str, u32, u32, PositionEncoding, usize)] = &[
    // plain ASCII, every encoding agrees
    ("abc\ndef", 0, 0, Utf8, 0),
    ("abc\ndef", 0, 2, Utf16, 2),
    ("abc\ndef", 1, 1, Utf32, 5),
    // past the line end clamps before the line break
    ("abc\ndef", 0, 9, Utf8, 3),
    ("abc\ndef", 0, 9, Utf16, 3),
    ("abc\ndef", 0, 9, Utf32, 3),
    ("abc\ndef", 1, 99, Utf16, 7),
    // past the last line clamps to the document end
    ("abc\ndef", 2, 0, Utf16, 7),
    ("abc\ndef", 99, 5, Utf8, 7),
    // a trailing line break opens an empty last line
    ("abc\n", 1, 0, Utf16, 4),
    ("abc\n", 1, 3, Utf16, 4),
    ("", 0, 0, Utf16, 0),
    ("", 0, 4, Utf8, 0),
    ("", 3, 4, Utf32, 0),
    // CRLF: the line ends before "\r\n"
    ("ab\r\ncd", 0, 2, Utf16, 2),
    ("ab\r\ncd", 0, 3, Utf16, 2),
    ("ab\r\ncd", 0, 9, Utf8, 2),
    ("ab\r\ncd", 1, 0, Utf16, 4),
    ("ab\r\ncd", 1, 2, Utf32, 6),
    ("ab\r\n\r\ncd", 1, 5, Utf16, 4),
    ("ab\r\n\r\ncd", 2, 1, Utf16, 7),
    // a lone CR is a line break too (LSP)
    ("ab\rcd", 1, 1, Utf16, 4),
    ("ab\rcd", 0, 7, Utf16, 2),
    // Unicode line separators are not line breaks in LSP
    ("a\u{2028}b", 0, 2, Utf32, 2),
    ("a\u{2028}b\nc", 1, 0, Utf32, 4),
    // "é" is 2 bytes in UTF-8, 1 unit in UTF-16 and UTF-32
    ("héllo", 0, 3, Utf8, 2),
    ("héllo", 0, 2, Utf8, 1), // inside "é": snaps to its start
    ("héllo", 0, 2, Utf16, 2),
    ("héllo", 0, 2, Utf32, 2),
    // "€" is 3 bytes
    ("a€b", 0, 4, Utf8, 2),
    ("a€b", 0, 2, Utf8, 1),
    ("a€b", 0, 3, Utf8, 1),
    ("a€b", 0, 2, Utf16, 2),
    // "😀" (non-BMP): 4 bytes, 2 UTF-16 units, 1 char
    ("a😀b", 0, 1, Utf16, 1),
    ("a😀b", 0, 2, Utf16, 1), // inside the surrogate pair: snaps
    ("a😀b", 0, 3, Utf16, 2),
    ("a😀b", 0, 4, Utf16, 3),
    ("a😀b", 0, 5, Utf16, 3),
    ("a😀b", 0, 5, Utf8, 2),
    ("a😀b", 0, 3, Utf8, 1),
    ("a😀b", 0, 6, Utf8, 3),
    ("a😀b", 0, 2, Utf32, 2),
    ("a😀b", 0, 3, Utf32, 3),
    ("a😀b", 0, 4, Utf32, 3),
    // non-BMP on a later CRLF line
    ("x\r\n😀😀\r\ny", 1, 2, Utf16, 4),
    ("x\r\n😀😀\r\ny", 1, 4, Utf16, 5),
    ("x\r\n😀😀\r\ny", 1, 6, Utf16, 5),
    ("x\r\n😀😀\r\ny", 1, 8, Utf8, 5),
    ("x\r\n😀😀\r\ny", 2, 1, Utf8, 8),
];

#[test]
fn char_offset_table() {
    for &(text, line, character, enc, expected) in CHAR_OFFSETS {
        let rope = Rope::from_str(text);
        let got = char_offset(&rope, TextPosition::new(line, character), enc);
        assert_eq!(got, expected, "{text:?} {line}:{character} {enc:?}");
    }
}

/// (text, char offset, encoding, expected line, expected character)
const POSITIONS: &[(&str, usize, PositionEncoding, u32, u32)] = &[
    ("abc\ndef", 0, Utf16, 0, 0),
    ("abc\ndef", 3, Utf16, 0, 3),
    ("abc\ndef", 4, Utf16, 1, 0),
    ("abc\ndef", 7, Utf8, 1, 3),
    ("abc\ndef", 99, Utf8, 1, 3),
    ("abc\n", 4, Utf32, 1, 0),
    ("ab\r\ncd", 2, Utf16, 0, 2),
    // between "\r" and "\n" there is no position: the line end
    ("ab\r\ncd", 3, Utf16, 0, 2),
    ("ab\r\ncd", 3, Utf8, 0, 2),
    ("a\r\nl1\n", 2, Utf32, 0, 1),
    ("\r\n", 1, Utf16, 0, 0),
    ("ab\rcd", 2, Utf16, 0, 2),
    ("ab\r\ncd", 4, Utf16, 1, 0),
    ("ab\rcd", 3, Utf16, 1, 0),
    ("héllo", 2, Utf8, 0, 3),
    ("héllo", 2, Utf16, 0, 2),
    ("a😀b", 2, Utf16, 0, 3),
    ("a😀b", 2, Utf8, 0, 5),
    ("a😀b", 2, Utf32, 0, 2),
    ("a😀b", 3, Utf16, 0, 4),
    ("x\r\n😀😀\r\ny", 5, Utf16, 1, 4),
    ("x\r\n😀😀\r\ny", 5, Utf8, 1, 8),
    ("x\r\n😀😀\r\ny", 8, Utf16, 2, 1),
    ("", 0, Utf16, 0, 0),
];

#[test]
fn position_table() {
    for &(text, offset, enc, line, character) in POSITIONS {
        let rope = Rope::from_str(text);
        let got = position(&rope, offset, enc);
        assert_eq!(
            got,
            TextPosition::new(line, character),
            "{text:?} @{offset} {enc:?}"
        );
    }
}

#[test]
fn position_and_char_offset_round_trip_on_every_char_boundary() {
    let text = "a😀b\r\nhé€\n\n😀\rz";
    let rope = Rope::from_str(text);
    for enc in [Utf8, Utf16, Utf32] {
        for offset in 0..=rope.len_chars() {
            let pos = position(&rope, offset, enc);
            let back = char_offset(&rope, pos, enc);
            // Between '\r' and '\n' there is no LSP position; it maps to the line end.
            let between_crlf =
                offset > 0 && rope.char(offset - 1) == '\r' && rope.get_char(offset) == Some('\n');
            let content = line_content(rope.line(pos.line as usize));
            let units = match enc {
                Utf8 => content.len_bytes(),
                Utf16 => content.len_utf16_cu(),
                Utf32 => content.len_chars(),
            };
            assert!(
                pos.character as usize <= units,
                "{enc:?} @{offset}: {pos:?}"
            );
            if between_crlf {
                assert_eq!(back, offset - 1, "{enc:?} @{offset}");
            } else {
                assert_eq!(back, offset, "{enc:?} @{offset}");
            }
        }
    }
}

#[test]
fn encoding_names_and_negotiation() {
    for enc in [Utf8, Utf16, Utf32] {
        assert_eq!(
            PositionEncoding::from_lsp_name(enc.as_lsp_name()),
            Some(enc)
        );
    }
    assert_eq!(PositionEncoding::from_lsp_name("utf-7"), None);
    let cases: &[(&[&str], PositionEncoding)] = &[
        (&[], Utf16),
        (&["utf-16"], Utf16),
        (&["utf-16", "utf-8"], Utf8),
        (&["utf-32", "utf-16"], Utf32),
        (&["utf-32", "utf-8"], Utf8),
        (&["latin-1"], Utf16),
    ];
    for &(offered, expected) in cases {
        assert_eq!(
            PositionEncoding::negotiate(offered.iter().copied()),
            expected,
            "{offered:?}"
        );
    }
}

#[test]
fn text_edits_convert_in_batch_order() {
    let rope = Rope::from_str("a😀b\nc");
    let p = TextPosition::new;
    let edits = [
        TextEdit {
            range: Some((p(0, 3), p(0, 3))),
            text: "X".into(),
        },
        // after the first edit, "b" is at UTF-16 column 4
        TextEdit {
            range: Some((p(0, 5), p(0, 4))),
            text: "".into(),
        },
        TextEdit {
            range: None,
            text: "new".into(),
        },
    ];
    let changes = changes_from_edits(&rope, &edits, Utf16);
    assert_eq!(
        changes,
        vec![
            Change::insert(2, "X"),
            Change::delete(3..4),
            Change {
                range: 0..5,
                text: "new".into()
            },
        ]
    );
}

#[test]
#[allow(clippy::reversed_empty_ranges)] // a reversed range is what is tested
fn change_apply_clamps() {
    let mut rope = Rope::from_str("abc");
    Change {
        range: 2..99,
        text: "Z".into(),
    }
    .apply(&mut rope);
    assert_eq!(rope.to_string(), "abZ");
    Change {
        range: 9..1,
        text: "!".into(),
    }
    .apply(&mut rope);
    assert_eq!(rope.to_string(), "abZ!");
}

/// (line, character)
type At = (u32, u32);

/// (text, char range, expected start, expected end) in UTF-16.
const RANGES: &[(&str, (usize, usize), At, At)] = &[
    // the paste "\nl1\nl2\nl3\n" after "a\r" joins the CR: the range starts on line 1
    ("a\r\nl1\nl2\nl3\n", (2, 12), (1, 0), (4, 0)),
    // an end inside a CRLF stays on its line, at the line end
    ("ab\r\ncd", (0, 3), (0, 0), (0, 2)),
    // both ends inside the same CRLF: an empty range on the next line
    ("ab\r\ncd", (3, 3), (1, 0), (1, 0)),
    // lone CR: every offset is a real position
    ("a\rb\r", (1, 3), (0, 1), (1, 1)),
    ("a\rb\r", (2, 4), (1, 0), (2, 0)),
    // CRLF after CRLF, start inside the second
    ("\r\n\r\nx", (3, 5), (2, 0), (2, 1)),
    // past the end clamps
    ("ab\r\n", (3, 99), (1, 0), (1, 0)),
];

#[test]
fn ranges_never_start_or_end_inside_a_crlf() {
    for &(text, (start, end), from, to) in RANGES {
        let rope = Rope::from_str(text);
        for enc in [Utf8, Utf16, Utf32] {
            let got = range_positions(&rope, start..end, enc);
            assert_eq!(
                got,
                (
                    TextPosition::new(from.0, from.1),
                    TextPosition::new(to.0, to.1)
                ),
                "{text:?} {start}..{end} {enc:?}"
            );
        }
    }
}

#[test]
fn too_large_documents_and_lines() {
    assert_eq!(too_large("fn main() {}\n"), None);
    let long_line = "x".repeat(MAX_LINE_BYTES);
    assert_eq!(too_large(&long_line), None);
    assert!(too_large(&format!("{long_line}x")).is_some());
    assert!(too_large(&format!("a\n{long_line}x\nb")).is_some());
    // a lone CR ends a line too
    assert_eq!(too_large(&format!("{long_line}\r{long_line}")), None);
    let many_lines = "abc\n".repeat(MAX_DOCUMENT_BYTES / 4 + 1);
    assert!(too_large(&many_lines).unwrap().contains("MiB"));
}
