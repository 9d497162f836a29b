//! Line diffs that place changes where git's xdiff places them: Myers, the
//! same pruning of unmatched and too-frequent lines, the same compaction of
//! sliders (with the indent heuristic for blame, without it for `log -L`,
//! which calls xdiff with zeroed options), and git's `trim_common_tail`,
//! which hides a long identical tail from the diff. Owns line tokenizing;
//! must never read objects or know about commits.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use gix_imara_diff::{Algorithm, Diff, IndentHeuristic, IndentLevel, NoSliderHeuristic, Token};

/// One change: lines `before` of the old file became lines `after` of the new one (0-based, half open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hunk {
    pub before: Range<u32>,
    pub after: Range<u32>,
}

/// A file split into lines, each line interned (the line includes its `\n`,
/// so a last line without one differs from the same text with one, as in git).
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    pub tokens: Vec<Token>,
    /// Byte offset where each line starts, plus the file's length at the end.
    pub starts: Vec<usize>,
}

impl Lines {
    pub fn len(&self) -> u32 {
        self.tokens.len() as u32
    }
}

/// Interns lines across many diffs, so each blob is tokenized once per request.
#[derive(Default)]
pub(crate) struct LineInterner {
    ids: HashMap<Vec<u8>, Token, BuildHasherDefault<LineHasher>>,
    indents: Vec<IndentLevel>,
}

impl LineInterner {
    pub fn lines(&mut self, data: &[u8]) -> Lines {
        let mut tokens = Vec::new();
        let mut starts = Vec::new();
        let mut start = 0;
        while start < data.len() {
            let end = memchr_newline(&data[start..])
                .map(|i| start + i + 1)
                .unwrap_or(data.len());
            let line = &data[start..end];
            let token = match self.ids.get(line) {
                Some(token) => *token,
                None => {
                    let token = Token::from(self.indents.len() as u32);
                    self.indents
                        .push(IndentLevel::for_ascii_line(line.iter().copied(), 8));
                    self.ids.insert(line.to_vec(), token);
                    token
                }
            };
            tokens.push(token);
            starts.push(start);
            start = end;
        }
        starts.push(data.len());
        Lines { tokens, starts }
    }

    fn num_tokens(&self) -> u32 {
        self.indents.len() as u32
    }

    /// The hunks turning `old` into `new`, as git computes them.
    /// `indent_heuristic` is git's `diff.indentHeuristic` (on for blame).
    pub fn diff(
        &self,
        old: &Lines,
        old_data: &[u8],
        new: &Lines,
        new_data: &[u8],
        indent_heuristic: bool,
    ) -> Vec<Hunk> {
        let hidden = common_tail_lines(old, old_data, new, new_data);
        let before = &old.tokens[..old.tokens.len() - hidden];
        let after = &new.tokens[..new.tokens.len() - hidden];
        let mut diff = Diff::default();
        diff.compute_with(Algorithm::Myers, before, after, self.num_tokens());
        if indent_heuristic {
            let indents = &self.indents;
            diff.postprocess_with(
                before,
                after,
                IndentHeuristic::new(|token: Token| indents[u32::from(token) as usize]),
            );
        } else {
            diff.postprocess_with(before, after, NoSliderHeuristic);
        }
        diff.hunks()
            .map(|h| Hunk {
                before: h.before,
                after: h.after,
            })
            .collect()
    }
}

/// A fast non-cryptographic hash for lines (FxHash's mixing, 8 bytes at a
/// time): lines come from the repository, and a collision only costs a compare.
#[derive(Default)]
struct LineHasher(u64);

impl Hasher for LineHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn memchr_newline(data: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', data)
}

/// How many whole lines at the end git's `trim_common_tail` hides from xdiff:
/// it drops identical 1 KiB blocks from the end of both files, then gives
/// back bytes up to and including the first newline of the dropped part.
fn common_tail_lines(old: &Lines, old_data: &[u8], new: &Lines, new_data: &[u8]) -> usize {
    const BLOCK: usize = 1024;
    let smaller = old_data.len().min(new_data.len());
    let mut trimmed = 0;
    while BLOCK + trimmed <= smaller
        && old_data[old_data.len() - trimmed - BLOCK..old_data.len() - trimmed]
            == new_data[new_data.len() - trimmed - BLOCK..new_data.len() - trimmed]
    {
        trimmed += BLOCK;
    }
    if trimmed == 0 {
        return 0;
    }
    let tail = &old_data[old_data.len() - trimmed..];
    let recovered = match memchr_newline(tail) {
        Some(i) => i + 1,
        None => trimmed,
    };
    let dropped = trimmed - recovered;
    if dropped == 0 {
        return 0;
    }
    // The kept part ends right after a newline, so the dropped bytes are
    // whole lines: count the lines starting at or after the cut.
    let cut_old = old_data.len() - dropped;
    let cut_new = new_data.len() - dropped;
    let lines_old = old.starts[..old.starts.len() - 1]
        .iter()
        .rev()
        .take_while(|&&s| s >= cut_old)
        .count();
    let lines_new = new.starts[..new.starts.len() - 1]
        .iter()
        .rev()
        .take_while(|&&s| s >= cut_new)
        .count();
    debug_assert_eq!(lines_old, lines_new);
    lines_old.min(lines_new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hunks(old: &str, new: &str, indent: bool) -> Vec<(Range<u32>, Range<u32>)> {
        let mut interner = LineInterner::default();
        let a = interner.lines(old.as_bytes());
        let b = interner.lines(new.as_bytes());
        interner
            .diff(&a, old.as_bytes(), &b, new.as_bytes(), indent)
            .into_iter()
            .map(|h| (h.before, h.after))
            .collect()
    }

    #[test]
    fn inserted_function_takes_the_closing_brace_git_would_choose() {
        let old = "fn a() {\n    1;\n}\n\nfn c() {\n    3;\n}\n";
        let new = "fn a() {\n    1;\n}\n\nfn b() {\n    2;\n}\n\nfn c() {\n    3;\n}\n";
        // With the indent heuristic the insertion is the whole new function plus its blank line.
        assert_eq!(hunks(old, new, true), vec![(4..4, 4..8)]);
    }

    #[test]
    fn last_line_without_newline_differs() {
        assert_eq!(hunks("a\nb", "a\nb\n", false), vec![(1..2, 1..2)]);
    }

    #[test]
    fn long_common_tail_is_hidden_like_git() {
        let tail: String = (0..200).map(|i| format!("line {i}\n")).collect();
        let old = format!("x\n{tail}");
        let new = format!("y\n{tail}");
        assert_eq!(hunks(&old, &new, true), vec![(0..1, 0..1)]);
    }
}
