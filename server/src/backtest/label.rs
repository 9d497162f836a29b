//! Which lines of a file at T later fix commits changed: the file's lines at
//! T carried forward through each later commit's diff (one walk per file,
//! like `git blame --reverse`), noting for each line at T the fix commits
//! that deleted or replaced it, and for each gap between two lines at T the
//! fix commits that inserted code there. Pure: fed the changes by `history`.

use crate::blocks::FixPattern;
use crate::history::FileChange;

/// For the lines of a file at T (0-based), the fix commits that touched each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixTouches {
    /// `lines[i]`: indices (into the changes) of fix commits that deleted or replaced line `i`.
    pub lines: Vec<Vec<usize>>,
    /// `gaps[i]`: fix commits that inserted lines between line `i` and line `i + 1`.
    pub gaps: Vec<Vec<usize>>,
}

impl FixTouches {
    /// The distinct fix commits that touched lines `start..=end` or inserted between them.
    pub fn in_block(&self, start: u32, end: u32) -> Vec<usize> {
        let (start, end) = (start as usize, end as usize);
        let mut out: Vec<usize> = Vec::new();
        for i in start..=end.min(self.lines.len().saturating_sub(1)) {
            out.extend(&self.lines[i]);
            if i < end {
                out.extend(&self.gaps[i]);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Carries `line_count` lines at T through `changes` (oldest first).
pub fn fix_touches(line_count: u32, changes: &[FileChange], fix: &FixPattern) -> FixTouches {
    let n = line_count as usize;
    let mut touches = FixTouches {
        lines: vec![Vec::new(); n],
        gaps: vec![Vec::new(); n],
    };
    // For each current line: the line at T it still is, if any.
    let mut current: Vec<Option<u32>> = (0..line_count).map(Some).collect();
    for (index, change) in changes.iter().enumerate() {
        let is_fix = fix.is_fix(&change.message);
        if change.removed {
            // A file that went away (or was renamed) is not followed further.
            break;
        }
        let mut next: Vec<Option<u32>> = Vec::with_capacity(current.len());
        let mut at = 0usize;
        for (before, after) in &change.hunks {
            let (b_start, b_end) = (before.start as usize, before.end as usize);
            let b_start = b_start.min(current.len());
            let b_end = b_end.min(current.len());
            next.extend_from_slice(&current[at..b_start]);
            if is_fix {
                for origin in current[b_start..b_end].iter().flatten() {
                    touches.lines[*origin as usize].push(index);
                }
                if b_start == b_end && b_start > 0 && b_start < current.len() {
                    // A pure insertion between two lines that are both still lines at T.
                    if let (Some(a), Some(b)) = (current[b_start - 1], current[b_start]) {
                        if b == a + 1 {
                            touches.gaps[a as usize].push(index);
                        }
                    }
                }
            }
            next.extend(std::iter::repeat_n(None, after.len()));
            at = b_end;
        }
        next.extend_from_slice(&current[at.min(current.len())..]);
        current = next;
    }
    touches
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(before, after)` line ranges, 0-based, half open.
    type Hunk = ((u32, u32), (u32, u32));

    fn change(message: &str, hunks: &[Hunk]) -> FileChange {
        FileChange {
            commit: String::new(),
            time: 0,
            message: message.into(),
            hunks: hunks.iter().map(|&((a, b), (c, d))| (a..b, c..d)).collect(),
            removed: false,
        }
    }

    #[test]
    fn lines_are_followed_through_later_commits() {
        let fix = FixPattern::default_pattern();
        // 10 lines at T. Commit 0 (a feature) inserts 3 lines at the top; commit 1 fixes
        // what are now lines 5–6 (lines 2–3 at T); commit 2 fixes by inserting between
        // lines 7 and 8 at T (now 9 and 10); commit 3 (no fix) rewrites line 9 at T (now 13).
        let changes = [
            change("Add a header", &[((0, 0), (0, 3))]),
            change("Fix the off-by-one", &[((5, 7), (5, 6))]),
            change("Handle the empty case (bug 12)", &[((10, 10), (10, 12))]),
            change("Tidy", &[((13, 14), (13, 14))]),
        ];
        let touches = fix_touches(10, &changes, fix);
        assert_eq!(touches.in_block(0, 1), Vec::<usize>::new());
        assert_eq!(touches.in_block(2, 2), vec![1]);
        assert_eq!(touches.in_block(3, 8), vec![1, 2]);
        assert_eq!(touches.in_block(8, 9), Vec::<usize>::new());
        // The insertion sat between 7 and 8: a block ending at 7 does not contain it.
        assert_eq!(touches.in_block(4, 7), Vec::<usize>::new());
    }
}
