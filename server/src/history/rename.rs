//! Whole-file rename detection as git's diffcore-rename does it for blame
//! and `log -L`: among files deleted between parent and child, an identical
//! blob wins, otherwise the most similar one scoring at least 50%, with
//! similarity counted on git's 64-byte line spans. Must never read objects
//! itself; callers hand it contents.

use std::collections::HashMap;

/// git's `MAX_SCORE`; 50% of it is the default minimum for a rename.
const MAX_SCORE: u64 = 60_000;
const MIN_SCORE: u64 = MAX_SCORE / 2;
/// git's `HASHBASE` for span hashes.
const HASHBASE: u32 = 107_927;

/// Bytes per span hash, as git's `hash_chars` computes them. A trailing span
/// that ends neither at a newline nor at 64 bytes is not counted (git drops it too).
fn spans(data: &[u8], is_text: bool) -> HashMap<u32, u64> {
    let mut out = HashMap::new();
    let (mut accum1, mut accum2): (u32, u32) = (0, 0);
    let mut n: u64 = 0;
    let mut i = 0;
    while i < data.len() {
        let c = data[i] as u32;
        i += 1;
        if is_text && c == u32::from(b'\r') && i < data.len() && data[i] == b'\n' {
            continue;
        }
        let old_1 = accum1;
        accum1 = (accum1 << 7) ^ (accum2 >> 25);
        accum2 = (accum2 << 7) ^ (old_1 >> 25);
        accum1 = accum1.wrapping_add(c);
        n += 1;
        if n < 64 && c != u32::from(b'\n') {
            continue;
        }
        let hash = accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASHBASE;
        *out.entry(hash).or_insert(0) += n;
        n = 0;
        accum1 = 0;
        accum2 = 0;
    }
    out
}

fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(8000)].contains(&0)
}

/// git's rename score of `src` as the origin of `dst` (0..=60000), or 0
/// when the sizes alone rule it out.
pub(crate) fn score(src: &[u8], dst: &[u8]) -> u64 {
    let max_size = src.len().max(dst.len()) as u64;
    let delta = src.len().abs_diff(dst.len()) as u64;
    if max_size == 0 || max_size * (MAX_SCORE - MIN_SCORE) < delta * MAX_SCORE {
        return 0;
    }
    let src_spans = spans(src, !is_binary(src));
    let dst_spans = spans(dst, !is_binary(dst));
    let copied: u64 = src_spans
        .iter()
        .map(|(hash, &count)| count.min(dst_spans.get(hash).copied().unwrap_or(0)))
        .sum();
    copied * MAX_SCORE / max_size
}

/// Picks the rename source for `dst_path` among `candidates` (path, blob id,
/// contents loaded lazily by `load`): an identical blob first (preferring the
/// same file name), else the best score of at least 50%.
pub(crate) fn find_source<Id: PartialEq + Copy, E>(
    dst_path: &str,
    dst_id: Id,
    dst: &[u8],
    candidates: &[(String, Id)],
    mut load: impl FnMut(Id) -> Result<Vec<u8>, E>,
) -> Result<Option<(String, Id)>, E> {
    let basename = |p: &str| p.rsplit('/').next().unwrap_or(p).to_owned();
    let exact: Vec<&(String, Id)> = candidates.iter().filter(|(_, id)| *id == dst_id).collect();
    if let Some(same_name) = exact
        .iter()
        .find(|(p, _)| basename(p) == basename(dst_path))
    {
        return Ok(Some((*same_name).clone()));
    }
    if let Some(first) = exact.first() {
        return Ok(Some((*first).clone()));
    }
    let mut best: Option<(u64, &(String, Id))> = None;
    for candidate in candidates {
        let src = load(candidate.1)?;
        let s = score(&src, dst);
        if s >= MIN_SCORE && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, candidate));
        }
    }
    Ok(best.map(|(_, c)| c.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores() {
        let a = "one\ntwo\nthree\nfour\n";
        let table = [
            (a, a, 60_000),
            (a, "one\ntwo\nthree\nfive\n", 44_210),
            (a, "x\ny\nz\n", 0),
            ("", "", 0),
        ];
        for (src, dst, expected) in table {
            assert_eq!(
                score(src.as_bytes(), dst.as_bytes()),
                expected,
                "{src:?} -> {dst:?}"
            );
        }
    }
}
