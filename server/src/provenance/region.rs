//! Regions and how one edit step moves them. This is the mechanical part:
//! the same function runs live and on replay, so both agree by construction.
//! Must never classify or look at text: it moves ranges, nothing else.

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Where a region's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Pasted,
    Completion,
    Agent,
    /// Inserted in one large change with no hint: possibly AI, possibly a paste.
    Bulk,
    /// Changed on disk by another program.
    External,
}

/// Who wrote text that arrives from outside the editor (disk, journal).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attribution {
    pub source: Source,
    pub agent: Option<String>,
    pub model: Option<String>,
}

/// A stretch of a document with known provenance. `start..end` are char
/// offsets in the document's current text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "StoredRegion")]
pub struct Region {
    pub id: u64,
    pub start: usize,
    pub end: usize,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Unix milliseconds, as given by the caller.
    pub inserted_at: u64,
    pub reviewed: bool,
    pub modified: bool,
    /// Share of the inserted characters still exactly as inserted:
    /// unchanged chars / max(current length, inserted length).
    pub retained: f64,
    /// Length in chars when inserted.
    pub inserted_len: usize,
    /// Spans (relative to `start`) of text typed into the region later.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rewritten: Vec<Range<usize>>,
    /// A file rewritten wholesale outside the editor gets a few regions, not
    /// one per changed hunk: how many hunks this region stands for (0 when
    /// it is just itself).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hunks: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A region as read back: `retained` is recomputed from the spans rather
/// than trusted, so a JSON round trip cannot change it by one ulp and
/// replay stays exactly equal to live.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRegion {
    id: u64,
    start: usize,
    end: usize,
    source: Source,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    model: Option<String>,
    inserted_at: u64,
    reviewed: bool,
    modified: bool,
    inserted_len: usize,
    #[serde(default)]
    rewritten: Vec<Range<usize>>,
    #[serde(default)]
    hunks: usize,
}

impl From<StoredRegion> for Region {
    fn from(s: StoredRegion) -> Region {
        let mut region = Region {
            id: s.id,
            start: s.start,
            end: s.end,
            source: s.source,
            agent: s.agent,
            model: s.model,
            inserted_at: s.inserted_at,
            reviewed: s.reviewed,
            modified: s.modified,
            retained: 1.0,
            inserted_len: s.inserted_len,
            rewritten: s.rewritten,
            hunks: s.hunks,
        };
        region.update_retained();
        region
    }
}

impl Region {
    /// A fresh region over `range`, exactly as inserted.
    pub fn new(id: u64, range: Range<usize>, attribution: &Attribution, now_ms: u64) -> Region {
        Region {
            id,
            start: range.start,
            end: range.end,
            source: attribution.source,
            agent: attribution.agent.clone(),
            model: attribution.model.clone(),
            inserted_at: now_ms,
            reviewed: false,
            modified: false,
            retained: 1.0,
            inserted_len: range.len(),
            rewritten: Vec::new(),
            hunks: 0,
        }
    }

    /// A region over what `shadow` tracked: an insertion followed through
    /// the edits after it (typed-in text, cuts).
    pub(crate) fn from_shadow(
        id: u64,
        shadow: &Region,
        attribution: &Attribution,
        now_ms: u64,
    ) -> Region {
        let mut region = Region::new(id, shadow.range(), attribution, now_ms);
        region.inserted_len = shadow.inserted_len;
        region.rewritten = shadow.rewritten.clone();
        region.modified = shadow.modified;
        region.update_retained();
        region
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    pub fn attribution(&self) -> Attribution {
        Attribution {
            source: self.source,
            agent: self.agent.clone(),
            model: self.model.clone(),
        }
    }

    pub fn overlaps(&self, range: &Range<usize>) -> bool {
        self.start < range.end && range.start < self.end
    }

    /// Chars still exactly as inserted.
    fn intact(&self) -> usize {
        let rewritten: usize = self.rewritten.iter().map(|s| s.len()).sum();
        self.len().saturating_sub(rewritten)
    }

    fn update_retained(&mut self) {
        let base = self.len().max(self.inserted_len);
        self.retained = if base == 0 {
            0.0
        } else {
            (self.intact() as f64 / base as f64).clamp(0.0, 1.0)
        };
    }

    /// The part of this region inside `range` (absolute), positioned
    /// relative to `range.start` — what a deletion of `range` takes away.
    fn piece(&self, range: &Range<usize>) -> Region {
        let cut = self.start.max(range.start)..self.end.min(range.end);
        let whole = cut == self.range();
        let rel = cut.start - self.start..cut.end - self.start;
        let mut piece = self.clone();
        piece.start = cut.start - range.start;
        piece.end = cut.end - range.start;
        piece.rewritten = clip_spans(&self.rewritten, &rel);
        if !whole {
            piece.inserted_len = piece.len();
        }
        piece.update_retained();
        piece
    }

    /// Takes back `piece` (same id, absolute range touching or inside this
    /// region): its chars count as inserted again, as before they were cut.
    pub(crate) fn absorb(&mut self, piece: &Region) {
        let start = self.start.min(piece.start);
        let end = self.end.max(piece.end);
        let mut spans: Vec<Range<usize>> = self
            .rewritten
            .iter()
            .map(|s| s.start + self.start..s.end + self.start)
            .flat_map(|s| subtract(s, piece.range()))
            .chain(
                piece
                    .rewritten
                    .iter()
                    .map(|s| s.start + piece.start..s.end + piece.start),
            )
            .map(|s| s.start - start..s.end - start)
            .collect();
        normalize(&mut spans);
        self.start = start;
        self.end = end;
        self.rewritten = spans;
        self.modified = !(self.rewritten.is_empty() && self.len() == self.inserted_len);
        self.update_retained();
    }
}

/// One edit step in char offsets: delete `delete` chars at `at`, then insert
/// `insert` chars there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StepShape {
    pub at: usize,
    pub delete: usize,
    pub insert: usize,
}

/// Moves the sorted, non-overlapping `regions` through one step: regions
/// after it shift, regions it cuts shrink (and vanish when empty), a region
/// the insertion lands strictly inside grows (typing inside). Returns the
/// pieces the deletion took away, relative to `step.at`.
///
/// Cost: a binary search plus a pass over the regions from the edit on.
pub(crate) fn apply_step(regions: &mut Vec<Region>, step: StepShape) -> Vec<Region> {
    let cut = if step.delete > 0 {
        delete(regions, step.at..step.at + step.delete)
    } else {
        Vec::new()
    };
    if step.insert > 0 {
        insert(regions, step.at, step.insert);
    }
    cut
}

fn delete(regions: &mut Vec<Region>, range: Range<usize>) -> Vec<Region> {
    let first = regions.partition_point(|r| r.end <= range.start);
    let shift = |x: usize| after_delete(x, &range);
    let mut pieces = Vec::new();
    let mut emptied = false;
    for region in &mut regions[first..] {
        let overlapped = region.overlaps(&range);
        if overlapped {
            pieces.push(region.piece(&range));
            let rel =
                range.start.saturating_sub(region.start)..range.end.min(region.end) - region.start;
            region.rewritten = delete_spans(&region.rewritten, &rel);
            region.modified = true;
        }
        region.start = shift(region.start);
        region.end = shift(region.end);
        if region.is_empty() {
            emptied = true;
        } else if overlapped {
            region.update_retained();
        }
    }
    if emptied {
        regions.retain(|r| !r.is_empty());
    }
    pieces
}

fn insert(regions: &mut [Region], at: usize, len: usize) {
    let first = regions.partition_point(|r| r.end <= at);
    let mut rest = &mut regions[first..];
    if let Some(region) = rest.first_mut() {
        if region.start < at {
            let rel = at - region.start;
            region.end += len;
            region.rewritten = insert_span(&region.rewritten, rel, len);
            region.modified = true;
            region.update_retained();
            rest = &mut rest[1..];
        }
    }
    for region in rest {
        region.start += len;
        region.end += len;
    }
}

/// Where offset `x` ends up once `cut` is deleted.
fn after_delete(x: usize, cut: &Range<usize>) -> usize {
    if x <= cut.start {
        x
    } else if x >= cut.end {
        x - cut.len()
    } else {
        cut.start
    }
}

/// Spans after deleting `cut` (relative offsets).
fn delete_spans(spans: &[Range<usize>], cut: &Range<usize>) -> Vec<Range<usize>> {
    let shift = |x: usize| after_delete(x, cut);
    spans
        .iter()
        .map(|s| shift(s.start)..shift(s.end))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Spans after inserting `len` rewritten chars at `at` (relative offsets).
fn insert_span(spans: &[Range<usize>], at: usize, len: usize) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(spans.len() + 2);
    for s in spans {
        if s.end <= at {
            out.push(s.clone());
        } else if s.start >= at {
            out.push(s.start + len..s.end + len);
        } else {
            // the new text splits this span; `normalize` joins the parts again
            out.push(s.start..at);
            out.push(at + len..s.end + len);
        }
    }
    out.push(at..at + len);
    normalize(&mut out);
    out
}

/// The parts of `spans` inside `range`, relative to `range.start`.
fn clip_spans(spans: &[Range<usize>], range: &Range<usize>) -> Vec<Range<usize>> {
    spans
        .iter()
        .map(|s| s.start.max(range.start)..s.end.min(range.end))
        .filter(|s| !s.is_empty())
        .map(|s| s.start - range.start..s.end - range.start)
        .collect()
}

fn subtract(span: Range<usize>, hole: Range<usize>) -> Vec<Range<usize>> {
    [
        span.start..span.end.min(hole.start),
        span.start.max(hole.end)..span.end,
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

/// Sorts spans and merges those that touch.
fn normalize(spans: &mut Vec<Range<usize>>) {
    spans.retain(|s| !s.is_empty());
    spans.sort_by_key(|s| s.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans.drain(..) {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    *spans = merged;
}

/// Inserts or replaces (same id) `region` keeping the list sorted by start.
pub(crate) fn upsert(regions: &mut Vec<Region>, region: Region) {
    if let Some(i) = regions.iter().position(|r| r.id == region.id) {
        regions.remove(i);
    }
    if region.is_empty() {
        return;
    }
    let at = regions.partition_point(|r| r.start < region.start);
    regions.insert(at, region);
}
