//! Document text and the one place for position encodings (UTF-8/16/32 ↔
//! char offsets over ropey). No other module does column arithmetic.
//!
//! Owns: [`PositionEncoding`], [`TextPosition`], the conversions
//! [`char_offset`] / [`position`], and the LSP content-change shape
//! [`TextEdit`] with its conversion into the core's char-offset [`Change`].
//! Lines are split the way LSP splits them: at `\n`, `\r\n` and `\r` only
//! (ropey is built without `unicode_lines` for that reason).
//!
//! Must never: panic on a position a client sends (positions past the end are
//! clamped), know about LSP types (the LSP layer converts at the edge), or
//! read anything but the rope it is given.

use ropey::{Rope, RopeSlice};
use std::ops::Range;

#[cfg(test)]
mod tests;

/// The unit `TextPosition::character` is counted in, as negotiated with the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PositionEncoding {
    Utf8,
    /// The LSP default when the client offers nothing.
    #[default]
    Utf16,
    Utf32,
}

impl PositionEncoding {
    /// `"utf-8"`, `"utf-16"` or `"utf-32"` (the names LSP uses); anything else is `None`.
    pub fn from_lsp_name(name: &str) -> Option<PositionEncoding> {
        match name {
            "utf-8" => Some(PositionEncoding::Utf8),
            "utf-16" => Some(PositionEncoding::Utf16),
            "utf-32" => Some(PositionEncoding::Utf32),
            _ => None,
        }
    }

    pub fn as_lsp_name(self) -> &'static str {
        match self {
            PositionEncoding::Utf8 => "utf-8",
            PositionEncoding::Utf16 => "utf-16",
            PositionEncoding::Utf32 => "utf-32",
        }
    }

    /// Picks the encoding from the client's offer: utf-8 if offered (what
    /// editors store natively), else utf-32, else utf-16 — which is also the
    /// answer when the client offers nothing, as LSP requires.
    pub fn negotiate<'a>(offered: impl IntoIterator<Item = &'a str>) -> PositionEncoding {
        let offered: Vec<PositionEncoding> = offered
            .into_iter()
            .filter_map(PositionEncoding::from_lsp_name)
            .collect();
        [PositionEncoding::Utf8, PositionEncoding::Utf32]
            .into_iter()
            .find(|e| offered.contains(e))
            .unwrap_or(PositionEncoding::Utf16)
    }
}

/// A position as the client sends it: 0-based line, `character` in the
/// negotiated encoding's code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TextPosition {
    pub line: u32,
    pub character: u32,
}

impl TextPosition {
    pub fn new(line: u32, character: u32) -> TextPosition {
        TextPosition { line, character }
    }
}

/// The char offset of `pos` in `rope`. A character past the end of its line
/// clamps to the line end (before the line break); a line past the end of
/// the document clamps to the document end; a position inside a multi-unit
/// character snaps to the start of that character.
pub fn char_offset(rope: &Rope, pos: TextPosition, enc: PositionEncoding) -> usize {
    let line_index = pos.line as usize;
    if line_index >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line_index);
    let content = line_content(rope.line(line_index));
    let character = pos.character as usize;
    let column = match enc {
        PositionEncoding::Utf32 => character.min(content.len_chars()),
        PositionEncoding::Utf16 if character >= content.len_utf16_cu() => content.len_chars(),
        PositionEncoding::Utf16 => content.utf16_cu_to_char(character),
        PositionEncoding::Utf8 if character >= content.len_bytes() => content.len_chars(),
        PositionEncoding::Utf8 => content.byte_to_char(character),
    };
    line_start + column
}

/// The position of char offset `offset` (clamped to the document end). An
/// offset between the `\r` and `\n` of a CRLF has no LSP position: it maps
/// to the end of its line, before the `\r`.
pub fn position(rope: &Rope, offset: usize, enc: PositionEncoding) -> TextPosition {
    let offset = offset.min(rope.len_chars());
    let offset = if inside_crlf(rope, offset) {
        offset - 1
    } else {
        offset
    };
    let line = rope.char_to_line(offset);
    let line_start = rope.line_to_char(line);
    let character = match enc {
        PositionEncoding::Utf32 => offset - line_start,
        PositionEncoding::Utf16 => {
            rope.char_to_utf16_cu(offset) - rope.char_to_utf16_cu(line_start)
        }
        PositionEncoding::Utf8 => rope.char_to_byte(offset) - rope.char_to_byte(line_start),
    };
    TextPosition {
        line: line as u32,
        character: character as u32,
    }
}

/// The client range of the chars `range`: both ends as [`position`] gives
/// them, except that a start between the `\r` and `\n` of a CRLF moves to
/// the start of the next line (the range holds the `\n`, not the line
/// before it). So no range starts or ends inside a CRLF, and start ≤ end.
pub fn range_positions(
    rope: &Rope,
    range: Range<usize>,
    enc: PositionEncoding,
) -> (TextPosition, TextPosition) {
    let len = rope.len_chars();
    let start = range.start.min(len);
    let start = if inside_crlf(rope, start) {
        start + 1
    } else {
        start
    };
    let end = range.end.clamp(start, len);
    (position(rope, start, enc), position(rope, end, enc))
}

/// Whether char offset `offset` falls between the `\r` and the `\n` of a CRLF.
pub fn inside_crlf(rope: &Rope, offset: usize) -> bool {
    offset > 0
        && offset < rope.len_chars()
        && rope.char(offset - 1) == '\r'
        && rope.char(offset) == '\n'
}

/// A line without its line break (`\n`, `\r\n` or `\r`).
fn line_content(line: RopeSlice<'_>) -> RopeSlice<'_> {
    let len = line.len_chars();
    let last = |k: usize| (len >= k).then(|| line.char(len - k));
    let break_len = match (last(2), last(1)) {
        (Some('\r'), Some('\n')) => 2,
        (_, Some('\n')) | (_, Some('\r')) => 1,
        _ => 0,
    };
    line.slice(..len - break_len)
}

/// Documents larger than this are not tracked: the text, its rope, the
/// journal snapshot and the history index would each hold a copy
/// (docs/robustness.md, "Huge files").
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;

/// Documents with a line longer than this are not tracked (minified or
/// generated text): provenance is kept per line range, and one line of
/// megabytes makes every region, diff and hover about that one line.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Why `text` is too large to track, if it is: past [`MAX_DOCUMENT_BYTES`]
/// or with a line past [`MAX_LINE_BYTES`]. Linear, allocates nothing.
pub fn too_large(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Some(format!(
            "{} MiB is more than the {} MiB provenance-ls tracks",
            bytes.len() >> 20,
            MAX_DOCUMENT_BYTES >> 20
        ));
    }
    let mut line_start = 0;
    for end in memchr::memchr2_iter(b'\n', b'\r', bytes).chain([bytes.len()]) {
        if end - line_start > MAX_LINE_BYTES {
            return Some(format!(
                "a line of {} KiB is longer than the {} KiB provenance-ls tracks",
                (end - line_start) >> 10,
                MAX_LINE_BYTES >> 10
            ));
        }
        line_start = end + 1;
    }
    None
}

/// An edit in char offsets of the text it applies to: replace `range` by
/// `text`. This is what the provenance core works on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub range: Range<usize>,
    pub text: String,
}

impl Change {
    pub fn insert(at: usize, text: &str) -> Change {
        Change {
            range: at..at,
            text: text.to_string(),
        }
    }

    pub fn delete(range: Range<usize>) -> Change {
        Change {
            range,
            text: String::new(),
        }
    }

    /// The range clamped to the rope, start ≤ end, so applying never panics.
    pub fn clamped_range(&self, rope: &Rope) -> Range<usize> {
        let len = rope.len_chars();
        let start = self.range.start.min(len);
        start..self.range.end.clamp(start, len)
    }

    /// Applies the change to `rope` (range clamped first).
    pub fn apply(&self, rope: &mut Rope) {
        let range = self.clamped_range(rope);
        if !range.is_empty() {
            rope.remove(range.clone());
        }
        if !self.text.is_empty() {
            rope.insert(range.start, &self.text);
        }
    }
}

/// One LSP content change: a range in client positions and its new text;
/// `range: None` replaces the whole document (full sync).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextEdit {
    pub range: Option<(TextPosition, TextPosition)>,
    pub text: String,
}

impl TextEdit {
    /// This edit as a char-offset [`Change`] against `rope` (the text it
    /// applies to). A reversed range is put in order.
    pub fn to_change(&self, rope: &Rope, enc: PositionEncoding) -> Change {
        let range = match self.range {
            None => 0..rope.len_chars(),
            Some((a, b)) => {
                let (a, b) = (char_offset(rope, a, enc), char_offset(rope, b, enc));
                a.min(b)..a.max(b)
            }
        };
        Change {
            range,
            text: self.text.clone(),
        }
    }
}

/// The changes of one LSP `didChange` batch. Each edit is converted against
/// the text after the previous one (LSP semantics); `rope` is not modified.
pub fn changes_from_edits(rope: &Rope, edits: &[TextEdit], enc: PositionEncoding) -> Vec<Change> {
    // A ropey clone shares its nodes, so this costs nothing until written.
    let mut text = rope.clone();
    let mut changes = Vec::with_capacity(edits.len());
    for edit in edits {
        let change = edit.to_change(&text, enc);
        if edits.len() > 1 {
            change.apply(&mut text);
        }
        changes.push(change);
    }
    changes
}
