//! What a change really changes. Editors re-send text they did not change
//! (Neovim sends undo and `:s` as a replacement of whole lines, full sync
//! sends the whole document), so a change is first diffed — what it removes
//! against what it inserts — into minimal steps. Only text in those steps
//! counts as new. Must never decide provenance: it only says what changed.

use crate::text::Change;
use imara_diff::{intern::InternedInput, sources::lines_with_terminator, Algorithm};
use ropey::Rope;
use serde::{Deserialize, Serialize};

/// One minimal edit: delete `delete` chars at char offset `at`, insert
/// `insert` there. Steps of one batch apply in order, each against the text
/// after the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub at: usize,
    pub delete: usize,
    pub insert: String,
}

impl Step {
    pub(crate) fn shape(&self) -> super::region::StepShape {
        super::region::StepShape {
            at: self.at,
            delete: self.delete,
            insert: self.insert.chars().count(),
        }
    }

    /// Applies the step to `rope` (clamped, never panics).
    pub fn apply(&self, rope: &mut Rope) {
        Change {
            range: self.at..self.at + self.delete,
            text: self.insert.clone(),
        }
        .apply(rope);
    }
}

/// Applies `steps` in order to `rope`, exactly as [`Step::apply`] one after
/// another does. Steps that go forward (each at or after the text the
/// previous one left, as the steps of one diff do) are applied in one pass
/// that builds the new text: 100k steps on a 200k-line text are one copy,
/// not 100k rope edits.
pub fn apply_steps(rope: &mut Rope, steps: &[Step]) {
    if steps.len() < 16 || !goes_forward(rope.len_chars(), steps) {
        for step in steps {
            step.apply(rope);
        }
        return;
    }
    let mut text = String::with_capacity(rope.len_bytes());
    let mut old_pos = 0;
    let mut shift = 0isize;
    for step in steps {
        let old_at = step.at.checked_add_signed(-shift).expect("goes forward");
        text.extend(rope.slice(old_pos..old_at).chunks());
        text.push_str(&step.insert);
        old_pos = old_at + step.delete;
        shift += step.insert.chars().count() as isize - step.delete as isize;
    }
    text.extend(rope.slice(old_pos..).chunks());
    *rope = Rope::from_str(&text);
}

/// Whether every step starts at or after what the previous one left and
/// stays inside the text (so no step is clamped).
fn goes_forward(len: usize, steps: &[Step]) -> bool {
    let mut old_pos = 0usize;
    let mut shift = 0isize;
    for step in steps {
        let Some(old_at) = step.at.checked_add_signed(-shift) else {
            return false;
        };
        if old_at < old_pos || old_at + step.delete > len {
            return false;
        }
        old_pos = old_at + step.delete;
        shift += step.insert.chars().count() as isize - step.delete as isize;
    }
    true
}

/// Changed blocks of more lines than this (both sides) are compared with
/// Myers instead of histogram (see `line_steps`).
const HISTOGRAM_MAX_LINES: usize = 4096;

/// How finely the inside of a changed line block is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    /// Trim common text at both ends of every changed block: only really new
    /// characters count (edits typed or sent by the editor).
    Chars,
    /// Keep changed lines whole (text changed on disk: "these lines differ").
    Lines,
}

/// The minimal steps equivalent to `change` applied to `rope`.
pub(crate) fn change_steps(rope: &Rope, change: &Change) -> Vec<Step> {
    let range = change.clamped_range(rope);
    if range.is_empty() || change.text.is_empty() {
        return step_if_any(range.start, range.len(), &change.text);
    }
    let removed = rope.slice(range.clone()).to_string();
    text_steps(&removed, &change.text, range.start, Grain::Chars)
}

/// The minimal steps turning `old` (which starts at char offset `base`)
/// into `new`.
pub(crate) fn text_steps(old: &str, new: &str, base: usize, grain: Grain) -> Vec<Step> {
    let (prefix, suffix) = common_ends(old, new);
    if prefix.bytes == old.len() && old.len() == new.len() {
        return Vec::new();
    }
    let old_mid = &old[prefix.bytes..old.len() - suffix.bytes];
    let new_mid = &new[prefix.bytes..new.len() - suffix.bytes];
    let multi_line = old_mid.contains('\n') || new_mid.contains('\n');
    if grain == Grain::Chars && (old_mid.is_empty() || new_mid.is_empty() || !multi_line) {
        return trimmed(old, prefix, old_mid, new_mid, base);
    }
    // Widen to whole lines so the line diff compares lines, not fragments.
    // The prefix and suffix are common, so the bounds are line bounds in both.
    let head = line_start_before(old, prefix.bytes);
    let old_tail = line_end_after(old, old.len() - suffix.bytes);
    let new_tail = new.len() - (old.len() - old_tail);
    let head_chars = old[..head].chars().count();
    line_steps(
        &old[head..old_tail],
        &new[head..new_tail],
        base + head_chars,
        grain,
    )
}

/// One step for a changed block, common ends trimmed (never a line diff).
fn trimmed_step(old: &str, new: &str, at: usize) -> Vec<Step> {
    let (prefix, suffix) = common_ends(old, new);
    let old_mid = &old[prefix.bytes..old.len() - suffix.bytes];
    let new_mid = &new[prefix.bytes..new.len() - suffix.bytes];
    trimmed(old, prefix, old_mid, new_mid, at)
}

/// The step for a trimmed block. A pure insertion that can slide to the
/// start of its line does (`fn a\n` inserted after `fn ` becomes `fn …`
/// inserted at the line start), so regions cover whole lines when they can.
fn trimmed(old: &str, prefix: End, old_mid: &str, new_mid: &str, base: usize) -> Vec<Step> {
    let partial = &old[line_start_before(old, prefix.bytes)..prefix.bytes];
    let slides = old_mid.is_empty()
        && !partial.is_empty()
        && new_mid.len() > partial.len()
        && new_mid.ends_with(partial);
    if !slides {
        return step_if_any(base + prefix.chars, old_mid.chars().count(), new_mid);
    }
    let text = format!("{partial}{}", &new_mid[..new_mid.len() - partial.len()]);
    step_if_any(base + prefix.chars - partial.chars().count(), 0, &text)
}

/// A common prefix or suffix, in bytes and chars.
#[derive(Debug, Clone, Copy, Default)]
struct End {
    bytes: usize,
    chars: usize,
}

/// Common prefix and (non-overlapping) common suffix of `a` and `b`.
fn common_ends(a: &str, b: &str) -> (End, End) {
    let mut prefix = End::default();
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            break;
        }
        prefix.bytes += x.len_utf8();
        prefix.chars += 1;
    }
    let mut suffix = End::default();
    let room = (a.len() - prefix.bytes).min(b.len() - prefix.bytes);
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y || suffix.bytes + x.len_utf8() > room {
            break;
        }
        suffix.bytes += x.len_utf8();
        suffix.chars += 1;
    }
    (prefix, suffix)
}

fn line_start_before(text: &str, byte: usize) -> usize {
    text[..byte].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end_after(text: &str, byte: usize) -> usize {
    text[byte..].find('\n').map_or(text.len(), |i| byte + i + 1)
}

/// Line diff of two blocks that start at a line start; one step per hunk.
fn line_steps(old: &str, new: &str, base: usize, grain: Grain) -> Vec<Step> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let input = InternedInput::new(lines_with_terminator(old), lines_with_terminator(new));
    let mut hunks = Vec::new();
    // Histogram reads best for code but recurses once per anchor line, each
    // time over the whole block: quadratic when a big block has many
    // changes between unique lines (a rewrite, a replace-all). Myers with
    // imara-diff's cost heuristic stays near-linear there.
    let algorithm = if old_lines.len() + new_lines.len() > HISTOGRAM_MAX_LINES {
        Algorithm::Myers
    } else {
        Algorithm::Histogram
    };
    imara_diff::diff(
        algorithm,
        &input,
        |before: std::ops::Range<u32>, after: std::ops::Range<u32>| {
            hunks.push((before, after));
        },
    );
    let mut steps = Vec::new();
    let mut old_pos = 0usize; // chars into `old` at line `old_line`
    let mut old_line = 0usize;
    let mut delta: isize = 0;
    for (before, after) in hunks {
        let (b0, b1) = (before.start as usize, before.end as usize);
        let (a0, a1) = (after.start as usize, after.end as usize);
        old_pos += chars_in(&old_lines[old_line..b0]);
        let removed: String = old_lines[b0..b1].concat();
        let inserted: String = new_lines[a0..a1].concat();
        let at = (base + old_pos).saturating_add_signed(delta);
        let hunk_steps = match grain {
            // as many lines replaced as replacing them (`:s` on several
            // lines, a reindent): each line is its own change
            Grain::Chars if b1 - b0 == a1 - a0 && b1 - b0 > 1 => {
                paired_line_steps(&old_lines[b0..b1], &new_lines[a0..a1], at)
            }
            Grain::Chars => trimmed_step(&removed, &inserted, at),
            Grain::Lines => step_if_any(at, removed.chars().count(), &inserted),
        };
        steps.extend(hunk_steps);
        let removed_chars = removed.chars().count();
        delta += inserted.chars().count() as isize - removed_chars as isize;
        old_pos += removed_chars;
        old_line = b1;
    }
    steps
}

/// One trimmed step per changed line of two blocks of as many lines.
fn paired_line_steps(old: &[&str], new: &[&str], at: usize) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut line_at = at;
    for (old_line, new_line) in old.iter().zip(new) {
        steps.extend(trimmed_step(old_line, new_line, line_at));
        line_at += new_line.chars().count();
    }
    steps
}

fn chars_in(lines: &[&str]) -> usize {
    lines.iter().map(|l| l.chars().count()).sum()
}

fn step_if_any(at: usize, delete: usize, insert: &str) -> Vec<Step> {
    if delete == 0 && insert.is_empty() {
        return Vec::new();
    }
    vec![Step {
        at,
        delete,
        insert: insert.to_string(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass path gives what applying the steps one by one gives.
    #[test]
    fn apply_steps_in_one_pass_equals_one_by_one() {
        let old: String = (0..300).map(|i| format!("line {i} é😀\r\n")).collect();
        let new: String = (0..300)
            .map(|i| match i % 3 {
                0 => format!("line {i} é😀\r\n"),
                1 => format!("changed {i}\n"),
                _ => String::new(),
            })
            .collect();
        for grain in [Grain::Chars, Grain::Lines] {
            let steps = text_steps(&old, &new, 0, grain);
            assert!(steps.len() > 16, "{}", steps.len());
            let mut one_pass = Rope::from_str(&old);
            apply_steps(&mut one_pass, &steps);
            let mut one_by_one = Rope::from_str(&old);
            for step in &steps {
                step.apply(&mut one_by_one);
            }
            assert_eq!(one_pass, one_by_one);
            assert_eq!(one_pass.to_string(), new);
        }
        // Steps that go backwards, or past the end, take the slow path.
        let backwards: Vec<Step> = (0..20)
            .rev()
            .map(|i| Step {
                at: i * 3,
                delete: 1,
                insert: "xy".into(),
            })
            .chain([Step {
                at: 10_000,
                delete: 5,
                insert: "end".into(),
            }])
            .collect();
        let mut one_pass = Rope::from_str(&old);
        apply_steps(&mut one_pass, &backwards);
        let mut one_by_one = Rope::from_str(&old);
        for step in &backwards {
            step.apply(&mut one_by_one);
        }
        assert_eq!(one_pass, one_by_one);
    }
}
