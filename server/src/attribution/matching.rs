//! Finding recorded lines again by their content, in a commit the record was
//! not written for (an amend, a rebase, a squash, a cherry-pick made new
//! commits without notes). Owns the matching rules only: it reads no git and
//! decides nothing about who wrote what.
//!
//! Two kinds of record: provenance-ls's own notes keep one hash per line, so
//! every unchanged run of lines is found again and editing one line costs
//! exactly that line; other writers hash a whole range (`content_hash`), which
//! is found again only whole. A false "AI" mark is worse than a missed one, so
//! a run counts only when it could hardly be anything else: at least two lines
//! (or the whole recorded range) holding at least [`MIN_ANCHOR_CHARS`]
//! non-blank characters. Lines of the range around such an anchor (the line
//! before an edited one, say) are then aligned by a line diff, close to the
//! anchor only.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use imara_diff::intern::{InternedInput, Interner};
use imara_diff::Algorithm;

use super::agent_trace::{content_hash_with, normalize_content_hash};

/// Fewer non-blank characters than this never make an anchor: `}` / `end`
/// lines or a lone `x += 1;` are everywhere.
pub const MIN_ANCHOR_CHARS: usize = 8;
/// How many lines an anchored range may have grown by at either end and still
/// be aligned (a line split in two, a line added at its edge).
const SLACK: usize = 2;
/// A range found more often than this in one file is boilerplate, not a trace.
const MAX_ANCHORS: usize = 64;

/// What a recorded range says its lines were, as far as it can be found again.
#[derive(Debug, Clone, Copy)]
pub enum RecordedContent<'a> {
    /// One [`line_hash`] per line of the range.
    Lines(&'a [u64]),
    /// One `content_hash` over the whole range of `len` lines.
    Whole { hash: &'a str, len: usize },
}

/// The hash of one line as provenance-ls's notes keep it: the first 8 bytes
/// of the SHA-256 of the line without its line ending (written as 16 hex).
pub fn line_hash(line: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(line.trim_end_matches(['\r', '\n']).as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// For each line of `lines`, the index (into `recorded`) of the first recorded
/// range found again there, if any.
pub fn find_again(recorded: &[RecordedContent<'_>], lines: &[&str]) -> Vec<Option<usize>> {
    let mut claimed: Vec<Option<usize>> = vec![None; lines.len()];
    if recorded.is_empty() || lines.is_empty() {
        return claimed;
    }
    let mut claim = |line: usize, index: usize| {
        let slot = &mut claimed[line];
        if slot.is_none_or(|held| index < held) {
            *slot = Some(index);
        }
    };
    let file = FileLines::new(lines);
    let mut whole: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
    for (index, content) in recorded.iter().enumerate() {
        match *content {
            RecordedContent::Lines(hashes) => {
                for line in file.runs_of(hashes) {
                    claim(line, index);
                }
            }
            RecordedContent::Whole { hash, len } => whole
                .entry(len)
                .or_default()
                .push((index, normalize_content_hash(hash))),
        }
    }
    for (len, wanted) in whole {
        if len == 0 || len > lines.len() {
            continue;
        }
        for start in 0..=lines.len() - len {
            let window = &lines[start..start + len];
            if non_blank_chars(window) < MIN_ANCHOR_CHARS {
                continue;
            }
            // Each algorithm's hash of the window, computed once.
            let mut computed: HashMap<&str, Option<String>> = HashMap::new();
            let found = wanted
                .iter()
                .filter(|(_, hash)| {
                    let algorithm = hash.split_once(':').map_or("", |(a, _)| a);
                    computed
                        .entry(algorithm)
                        .or_insert_with(|| content_hash_with(algorithm, window.iter().copied()))
                        .as_deref()
                        == Some(hash.as_str())
                })
                .map(|(index, _)| *index)
                .min();
            if let Some(index) = found {
                for line in start..start + len {
                    claim(line, index);
                }
            }
        }
    }
    claimed
}

fn non_blank_chars(lines: &[&str]) -> usize {
    lines
        .iter()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).count())
        .sum()
}

/// A file's lines with their hashes, and where each non-blank line occurs.
struct FileLines<'a> {
    lines: &'a [&'a str],
    hashes: Vec<u64>,
    positions: HashMap<u64, Vec<usize>>,
}

impl<'a> FileLines<'a> {
    fn new(lines: &'a [&'a str]) -> FileLines<'a> {
        let hashes: Vec<u64> = lines.iter().map(|l| line_hash(l)).collect();
        let mut positions: HashMap<u64, Vec<usize>> = HashMap::new();
        for (at, (line, hash)) in lines.iter().zip(&hashes).enumerate() {
            if !line.trim().is_empty() {
                positions.entry(*hash).or_default().push(at);
            }
        }
        FileLines {
            lines,
            hashes,
            positions,
        }
    }

    /// The lines of this file where the recorded range `recorded` is found
    /// again: its anchored runs, and the lines a diff aligns around them.
    fn runs_of(&self, recorded: &[u64]) -> Vec<usize> {
        let n = recorded.len();
        let mut anchors: Vec<(usize, usize, usize)> = Vec::new();
        'search: for (i, hash) in recorded.iter().enumerate() {
            let Some(places) = self.positions.get(hash) else {
                continue;
            };
            for &j in places {
                // Only where a run starts: a continuation was found from its start.
                if i > 0 && j > 0 && self.hashes[j - 1] == recorded[i - 1] {
                    continue;
                }
                let mut len = 1;
                while i + len < n
                    && j + len < self.hashes.len()
                    && self.hashes[j + len] == recorded[i + len]
                {
                    len += 1;
                }
                let long_enough = len >= 2 || len == n;
                if long_enough && non_blank_chars(&self.lines[j..j + len]) >= MIN_ANCHOR_CHARS {
                    anchors.push((i, j, len));
                    if anchors.len() > MAX_ANCHORS {
                        return Vec::new();
                    }
                }
                if len == n {
                    continue 'search;
                }
            }
        }
        let mut found = Vec::new();
        for &(i, j, len) in &anchors {
            found.extend(j..j + len);
            // Where the rest of the range should be, give or take SLACK lines.
            let from = (j + SLACK).saturating_sub(i + SLACK * 2);
            let to = (j + len + (n - i - len) + SLACK).min(self.hashes.len());
            for (_, at) in aligned(recorded, &self.hashes[from..to]) {
                let line = from + at;
                if !self.lines[line].trim().is_empty() {
                    found.push(line);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// 0-based lines of `new` that a line diff from `old` adds.
pub fn added_lines(old: &str, new: &str) -> std::collections::HashSet<u32> {
    use imara_diff::sources::lines_with_terminator;
    let input = InternedInput::new(lines_with_terminator(old), lines_with_terminator(new));
    let mut added = std::collections::HashSet::new();
    imara_diff::diff(
        Algorithm::Histogram,
        &input,
        |_: Range<u32>, after: Range<u32>| added.extend(after),
    );
    added
}

/// The (before, after) index pairs a line diff of `before` → `after` keeps.
fn aligned(before: &[u64], after: &[u64]) -> Vec<(usize, usize)> {
    let mut input = InternedInput {
        before: Vec::new(),
        after: Vec::new(),
        interner: Interner::new(before.len() + after.len()),
    };
    input.update_before(before.iter().copied());
    input.update_after(after.iter().copied());
    let mut hunks: Vec<(Range<u32>, Range<u32>)> = Vec::new();
    imara_diff::diff(
        Algorithm::Histogram,
        &input,
        |b: Range<u32>, a: Range<u32>| hunks.push((b, a)),
    );
    let mut pairs = Vec::new();
    let (mut b, mut a) = (0usize, 0usize);
    for (hb, ha) in hunks.into_iter().chain(std::iter::once((
        before.len() as u32..0,
        after.len() as u32..0,
    ))) {
        while b < hb.start as usize && a < ha.start as usize {
            pairs.push((b, a));
            b += 1;
            a += 1;
        }
        b = hb.end.max(hb.start) as usize;
        a = ha.end.max(ha.start) as usize;
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "fn suggested() -> u32 {\n    let base = 40;\n    let extra = 2;\n    let total = base + extra;\n    total\n}";

    fn hashes(text: &str) -> Vec<u64> {
        text.lines().map(line_hash).collect()
    }

    /// 1-based lines of `file` where `recorded` (text) is found again.
    fn found(recorded: &str, file: &str) -> Vec<usize> {
        let hashes = hashes(recorded);
        let lines: Vec<&str> = file.lines().collect();
        find_again(&[RecordedContent::Lines(&hashes)], &lines)
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some())
            .map(|(i, _)| i + 1)
            .collect()
    }

    #[test]
    fn editing_one_line_costs_that_line() {
        let file = format!("use x;\n\n{}\n", BLOCK.replace("40", "41"));
        assert_eq!(found(BLOCK, &file), [3, 5, 6, 7, 8]);
    }

    #[test]
    fn moved_blocks_and_lines_added_inside_are_found() {
        let file = format!("a\nb\nc\n{BLOCK}\nfn other() {{}}\n");
        assert_eq!(found(BLOCK, &file), [4, 5, 6, 7, 8, 9]);
        let split = BLOCK.replace("    total\n", "    // human note\n    total\n");
        assert_eq!(found(BLOCK, &split), [1, 2, 3, 4, 6, 7]);
    }

    #[test]
    fn lone_common_lines_are_not_found() {
        // Only `}` and `    total` are left of the block: neither is a trace.
        assert_eq!(
            found(BLOCK, "fn mine() {\n    total\n}\n"),
            Vec::<usize>::new()
        );
        // A one-line range too short to be anything but common.
        assert_eq!(found("x += 1;", "x += 1;\n"), Vec::<usize>::new());
        assert_eq!(found("let answer = 42;", "let answer = 42;\n"), [1]);
    }

    #[test]
    fn every_line_edited_leaves_nothing() {
        let file = BLOCK.replace("    ", "\t");
        assert_eq!(found(BLOCK, &file), Vec::<usize>::new());
    }

    #[test]
    fn whole_ranges_match_only_whole() {
        let lines: Vec<&str> = BLOCK.lines().collect();
        let hash = super::super::agent_trace::content_hash(lines[1..4].iter().copied());
        let recorded = [RecordedContent::Whole {
            hash: &hash,
            len: 3,
        }];
        let text = format!("x\n{BLOCK}");
        let file: Vec<&str> = text.lines().collect();
        let claimed = find_again(&recorded, &file);
        let at: Vec<usize> = (0..file.len()).filter(|&i| claimed[i].is_some()).collect();
        assert_eq!(at, [2, 3, 4]);
        let edited = BLOCK.replace("extra = 2", "extra = 3");
        let edited: Vec<&str> = edited.lines().collect();
        assert!(find_again(&recorded, &edited).iter().all(Option::is_none));
    }

    proptest::proptest! {
        /// A line is only ever found where a recorded line with the same
        /// text is, and finding never panics, whatever the texts.
        #[test]
        fn found_lines_hold_recorded_text(
            recorded in proptest::collection::vec("(fn a\\(\\) \\{|    x \\+= 1;|\\}|| let total = 42;)", 0..12),
            file in proptest::collection::vec("(fn a\\(\\) \\{|    x \\+= 1;|\\}|| let total = 42;|other line)", 0..30),
        ) {
            let hashes: Vec<u64> = recorded.iter().map(|l| line_hash(l)).collect();
            let lines: Vec<&str> = file.iter().map(String::as_str).collect();
            let claimed = find_again(&[RecordedContent::Lines(&hashes)], &lines);
            proptest::prop_assert_eq!(claimed.len(), lines.len());
            for (line, claim) in lines.iter().zip(&claimed) {
                if claim.is_some() {
                    proptest::prop_assert!(recorded.iter().any(|r| r == line), "{line:?} found");
                }
            }
        }
    }
}
