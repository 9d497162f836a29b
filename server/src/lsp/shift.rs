//! Moving line-based history insight through edits, so what hover, lenses
//! and inlay hints say about a line holds for the text as it is now, before
//! the history is read again. An edit is seen as whole lines: the lines it
//! touched in the old text and the lines that stand in their place in the
//! new one. Lines before it stay, lines after it move by the difference,
//! and the lines it wrote are not committed yet.

use ropey::Rope;

use crate::text::Change;

/// One change as lines: old lines `first..old_end` were replaced by new
/// lines `first..new_end`; every old line from `old_end` on moves by
/// `new_end - old_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineEdit {
    pub first: u32,
    pub old_end: u32,
    pub new_end: u32,
}

impl LineEdit {
    /// `change` as lines, against `rope`, the text before it. `None` when
    /// the change replaces the whole text (a full-document sync): nothing
    /// of the old lines can be told to survive.
    pub fn of(rope: &Rope, change: &Change) -> Option<LineEdit> {
        let range = change.clamped_range(rope);
        if range.start == 0 && range.end == rope.len_chars() && rope.len_chars() > 0 {
            return None;
        }
        let first = rope.char_to_line(range.start);
        let last = rope.char_to_line(range.end);
        let written = Rope::from_str(&change.text);
        let breaks = written.len_lines() - 1;
        let ends_on_break = written.len_chars() == written.line_to_char(breaks);
        // Whole lines in, whole lines out: the line the change ends before
        // is not touched (it only moves).
        let whole = range.start == rope.line_to_char(first)
            && range.end == rope.line_to_char(last)
            && ends_on_break;
        let (old_end, new_end) = if whole {
            (last, first + breaks)
        } else {
            (last + 1, first + breaks + 1)
        };
        let line = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Some(LineEdit {
            first: line(first),
            old_end: line(old_end),
            new_end: line(new_end),
        })
    }

    fn delta(&self) -> i64 {
        i64::from(self.new_end) - i64::from(self.old_end)
    }

    /// Where the inclusive line range `start..=end` of the old text is in
    /// the new one; `None` when the edit deleted all of it.
    pub fn map(&self, start: u32, end: u32) -> Option<(u32, u32)> {
        let moved = |line: u32| u32::try_from(i64::from(line) + self.delta()).unwrap_or(0);
        if end < self.first {
            return Some((start, end));
        }
        if start >= self.old_end {
            return Some((moved(start), moved(end)));
        }
        let new_start = start.min(self.first);
        let new_end = if end >= self.old_end {
            moved(end)
        } else if self.new_end > self.first {
            self.new_end - 1
        } else if start < self.first {
            self.first - 1
        } else {
            return None;
        };
        Some((new_start, new_end.max(new_start)))
    }

    /// The new lines this edit wrote (inclusive), if any.
    pub fn written(&self) -> Option<(u32, u32)> {
        (self.new_end > self.first).then(|| (self.first, self.new_end - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The edit replacing `old` (found in `text`) by `new`, as lines.
    fn edit(text: &str, at: usize, remove: usize, insert: &str) -> LineEdit {
        let rope = Rope::from_str(text);
        LineEdit::of(
            &rope,
            &Change {
                range: at..at + remove,
                text: insert.into(),
            },
        )
        .unwrap()
    }

    const TEXT: &str = "a\nfn f() {\n    1\n}\nz\n";

    #[test]
    fn lines_inserted_above_a_block_move_it_down() {
        let e = edit(TEXT, 2, 0, "x\ny\n");
        assert_eq!(e.map(1, 3), Some((3, 5)));
        assert_eq!(e.map(0, 0), Some((0, 0)));
        assert_eq!(e.written(), Some((1, 2)));
    }

    #[test]
    fn enter_at_the_end_of_the_line_above_moves_the_block() {
        let e = edit(TEXT, 1, 0, "\n");
        assert_eq!(e.map(1, 3), Some((2, 4)));
    }

    #[test]
    fn lines_typed_inside_a_block_grow_it() {
        let e = edit(TEXT, 16, 0, "\n    2");
        assert_eq!(e.map(1, 3), Some((1, 4)));
        assert_eq!(e.map(4, 4), Some((5, 5)));
        assert_eq!(e.written(), Some((2, 3)));
    }

    #[test]
    fn lines_added_below_a_block_leave_it() {
        let e = edit(TEXT, 19, 0, "fn g() {\n}\n");
        assert_eq!(e.map(1, 3), Some((1, 3)));
        assert_eq!(e.map(4, 4), Some((6, 6)));
    }

    #[test]
    fn a_deleted_block_is_gone_and_what_follows_moves_up() {
        let e = edit(TEXT, 2, 17, "");
        assert_eq!(e.map(1, 3), None);
        assert_eq!(e.map(4, 4), Some((1, 1)));
        assert_eq!(e.map(0, 4), Some((0, 1)));
        assert_eq!(e.written(), None);
    }

    #[test]
    fn a_whole_text_replacement_cannot_be_shifted() {
        let rope = Rope::from_str(TEXT);
        let all = Change {
            range: 0..rope.len_chars(),
            text: "b\n".into(),
        };
        assert_eq!(LineEdit::of(&rope, &all), None);
    }
}
