//! Regions and how one edit step moves them. This is the mechanical part:
//! the same function runs live and on replay, so both agree by construction.
//! Must never classify or look at text: it moves ranges, nothing else.
//!
//! A region is character-exact: it holds the chars its insertion put there
//! that are still there, as sorted, disjoint spans. Text typed or pasted
//! inside it splits a span and is not part of it; deleting that text again
//! joins the spans.

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
    /// Typed in the editor: positive evidence that a person wrote it. Kept
    /// in [`crate::provenance::DocumentState::typed`], apart from the regions
    /// that are shown (docs/classification.md, *Typed text*).
    Typed,
}

/// Who wrote text that arrives from outside the editor (disk, journal).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attribution {
    pub source: Source,
    pub agent: Option<String>,
    pub model: Option<String>,
    /// What the agent's session spent on the write, when its hook said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// Tokens (and, when the hook gave it, the cost) an agent's session spent
/// on one mark: everything since the session's previous mark. Carried by the
/// regions the mark explains and written into the commit's provenance note
/// (docs/assistants.md, *Tokens and cost*).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// All tokens: the four kinds below, or the total a hook gave alone.
    pub tokens: u64,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_read_tokens: u64,
    #[serde(default)]
    pub cache_write_tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// The agent's session (Claude Code `session_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The mark this came from, so that regions of one mark count it once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
}

impl Usage {
    /// The part of this usage spent on `lines` of the `of` lines it was
    /// spent on: each count in proportion, rounded to the nearest token.
    pub fn share(&self, lines: u64, of: u64) -> Usage {
        if lines >= of || of == 0 {
            return self.clone();
        }
        let part = |n: u64| {
            ((u128::from(n) * u128::from(lines) + u128::from(of) / 2) / u128::from(of)) as u64
        };
        Usage {
            tokens: part(self.tokens),
            input_tokens: part(self.input_tokens),
            output_tokens: part(self.output_tokens),
            cache_read_tokens: part(self.cache_read_tokens),
            cache_write_tokens: part(self.cache_write_tokens),
            cost_usd: self.cost_usd.map(|c| c * lines as f64 / of as f64),
            ..self.clone()
        }
    }

    /// `self` plus `other`'s counts (the session and mark stay `self`'s).
    pub fn add(&mut self, other: &Usage) {
        self.tokens += other.tokens;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
        self.cost_usd = match (self.cost_usd, other.cost_usd) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
    }
}

// Costs compare and hash by their bits: a usage is data carried along, never
// computed on, and two equal journals must compare equal.
impl PartialEq for Usage {
    fn eq(&self, other: &Usage) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Usage {}

impl std::hash::Hash for Usage {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl Usage {
    #[allow(clippy::type_complexity)]
    fn key(
        &self,
    ) -> (
        u64,
        u64,
        u64,
        u64,
        u64,
        Option<u64>,
        &Option<String>,
        &Option<String>,
    ) {
        (
            self.tokens,
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_write_tokens,
            self.cost_usd.map(f64::to_bits),
            &self.session,
            &self.mark,
        )
    }
}

/// The chars of a document one insertion put there and that are still
/// there, with their provenance. `start..end` is the covering range (first
/// span's start to last span's end) in char offsets of the current text;
/// other regions may sit in the gaps between its spans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "StoredRegion")]
pub struct Region {
    pub id: u64,
    pub start: usize,
    pub end: usize,
    /// Sorted, non-empty, neither overlapping nor touching, absolute char
    /// offsets: the chars still exactly as inserted.
    spans: Vec<Range<usize>>,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What the agent's session spent, for an agent region whose mark said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Unix milliseconds, as given by the caller.
    pub inserted_at: u64,
    pub reviewed: bool,
    /// Changed since inserted: a char of it deleted or replaced, or text put
    /// inside it.
    pub modified: bool,
    /// Share of the inserted characters still exactly as inserted:
    /// chars in the spans / max(chars in the spans, inserted length).
    pub retained: f64,
    /// Length in chars when inserted.
    pub inserted_len: usize,
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
/// replay stays exactly equal to live. Journals written before regions were
/// character-exact have no `spans` but `rewritten` (text typed inside,
/// relative to `start`): their spans are the covering range minus those.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRegion {
    id: u64,
    start: usize,
    end: usize,
    #[serde(default)]
    spans: Option<Vec<Range<usize>>>,
    source: Source,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<Usage>,
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
        let mut spans = match s.spans {
            Some(spans) => spans,
            None => s
                .rewritten
                .iter()
                .map(|r| s.start + r.start..s.start + r.end)
                .fold(
                    std::iter::once(s.start..s.end).collect(),
                    |spans: Vec<_>, hole| {
                        spans
                            .into_iter()
                            .flat_map(|span| subtract(span, hole.clone()))
                            .collect()
                    },
                ),
        };
        normalize(&mut spans);
        let mut region = Region {
            id: s.id,
            start: s.start,
            end: s.end,
            spans,
            source: s.source,
            agent: s.agent,
            model: s.model,
            usage: s.usage,
            inserted_at: s.inserted_at,
            reviewed: s.reviewed,
            modified: s.modified,
            retained: 1.0,
            inserted_len: s.inserted_len,
            hunks: s.hunks,
        };
        region.settle();
        region
    }
}

impl Region {
    /// A fresh region over `range`, exactly as inserted.
    pub fn new(id: u64, range: Range<usize>, attribution: &Attribution, now_ms: u64) -> Region {
        let spans = if range.is_empty() {
            Vec::new()
        } else {
            vec![range.clone()]
        };
        Region {
            id,
            start: range.start,
            end: range.end,
            spans,
            source: attribution.source,
            agent: attribution.agent.clone(),
            model: attribution.model.clone(),
            usage: attribution.usage.clone(),
            inserted_at: now_ms,
            reviewed: false,
            modified: false,
            retained: 1.0,
            inserted_len: range.len(),
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
        region.spans = shadow.spans.clone();
        region.inserted_len = shadow.inserted_len;
        region.modified = shadow.modified;
        region.settle();
        region
    }

    /// The chars the region holds (absolute char offsets, sorted, disjoint).
    pub fn spans(&self) -> &[Range<usize>] {
        &self.spans
    }

    /// The covering range: from the first span's start to the last's end.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Chars the region holds (in its spans).
    pub fn len(&self) -> usize {
        self.spans.iter().map(|s| s.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn attribution(&self) -> Attribution {
        Attribution {
            source: self.source,
            agent: self.agent.clone(),
            model: self.model.clone(),
            usage: self.usage.clone(),
        }
    }

    /// Whether a char of `range` is one of the region's.
    pub fn overlaps(&self, range: &Range<usize>) -> bool {
        if self.end <= range.start || range.end <= self.start {
            return false;
        }
        let first = self.spans.partition_point(|s| s.end <= range.start);
        self.spans
            .get(first)
            .is_some_and(|s| s.start < range.end && range.start < s.end)
    }

    /// Whether the two regions share a char.
    pub fn overlaps_region(&self, other: &Region) -> bool {
        other.spans.iter().any(|s| self.overlaps(s))
    }

    /// The span holding the char at `offset`, or, for an offset just past a
    /// span (a cursor at its end), that span.
    pub fn span_at(&self, offset: usize) -> Option<Range<usize>> {
        let first = self.spans.partition_point(|s| s.end < offset);
        self.spans
            .get(first)
            .filter(|s| s.start <= offset && offset <= s.end)
            .cloned()
    }

    /// Exactly as inserted: one span of the inserted length.
    pub(crate) fn is_intact(&self) -> bool {
        self.spans.len() == 1 && self.len() == self.inserted_len
    }

    /// Moves the whole region by `delta` chars (its spans with it).
    pub(crate) fn shift_signed(&mut self, delta: isize) {
        for span in &mut self.spans {
            span.start = span.start.saturating_add_signed(delta);
            span.end = span.end.saturating_add_signed(delta);
        }
        self.start = self.start.saturating_add_signed(delta);
        self.end = self.end.saturating_add_signed(delta);
    }

    pub(crate) fn shift(&mut self, by: usize) {
        for span in &mut self.spans {
            span.start += by;
            span.end += by;
        }
        self.settle();
    }

    /// Recomputes the covering range and `retained` from the spans.
    fn settle(&mut self) {
        if let (Some(first), Some(last)) = (self.spans.first(), self.spans.last()) {
            self.start = first.start;
            self.end = last.end;
        } else {
            self.end = self.start;
        }
        let held = self.len();
        let base = held.max(self.inserted_len);
        self.retained = if base == 0 {
            0.0
        } else {
            (held as f64 / base as f64).clamp(0.0, 1.0)
        };
    }

    /// The part of this region inside `range` (absolute), positioned
    /// relative to `range.start` — what a deletion of `range` takes away.
    fn piece(&self, range: &Range<usize>) -> Region {
        let spans: Vec<Range<usize>> = self
            .spans
            .iter()
            .map(|s| s.start.max(range.start)..s.end.min(range.end))
            .filter(|s| !s.is_empty())
            .map(|s| s.start - range.start..s.end - range.start)
            .collect();
        let mut piece = self.clone();
        piece.spans = spans;
        if piece.len() != self.len() {
            piece.inserted_len = piece.len();
        }
        piece.settle();
        piece
    }

    /// Adds `spans` (absolute, disjoint from the region's): typing that
    /// continues a typed region. The typed chars are all the region ever
    /// held, so it stays whole (`retained` 1, not `modified`).
    pub(crate) fn add_spans(&mut self, spans: &[Range<usize>]) {
        self.spans.extend(spans.iter().cloned());
        normalize(&mut self.spans);
        self.inserted_len = self.len();
        self.modified = false;
        self.settle();
    }

    /// Takes `spans` (absolute) out of the region: chars a late hint says
    /// were not what the region holds (a paste first taken for typing).
    pub(crate) fn remove_spans(&mut self, spans: &[Range<usize>]) {
        for hole in spans {
            self.spans = std::mem::take(&mut self.spans)
                .into_iter()
                .flat_map(|span| subtract(span, hole.clone()))
                .collect();
        }
        self.inserted_len = self.len();
        self.settle();
    }

    /// Takes back `piece` (same id, absolute spans in gaps of this region or
    /// touching it): its chars count as inserted again, as before they were
    /// cut.
    pub(crate) fn absorb(&mut self, piece: &Region) {
        self.spans.extend(piece.spans.iter().cloned());
        normalize(&mut self.spans);
        self.modified = !self.is_intact();
        self.settle();
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

/// Moves the `regions` (sorted by start, spans disjoint) through one step:
/// spans after it shift, spans it cuts shrink (a region vanishes when it has
/// none left), a span the insertion lands strictly inside splits around the
/// new text (typing inside is not the region's). Returns the pieces the
/// deletion took away, relative to `step.at`.
///
/// Cost: one pass over the regions, a binary search in each that reaches
/// the edit.
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
    let mut pieces = Vec::new();
    let mut emptied = false;
    for region in regions.iter_mut() {
        if region.end <= range.start {
            continue;
        }
        let cuts_chars = region.overlaps(&range);
        let cuts_gap = !cuts_chars && region.start < range.end && range.start < region.end;
        if cuts_chars {
            pieces.push(region.piece(&range));
        }
        let first = region.spans.partition_point(|s| s.end < range.start);
        for span in &mut region.spans[first..] {
            span.start = after_delete(span.start, &range);
            span.end = after_delete(span.end, &range);
        }
        normalize(&mut region.spans);
        if cuts_chars {
            region.modified = true;
        } else if cuts_gap && region.is_intact() {
            // the text put inside it is gone again (undo of typing inside)
            region.modified = false;
        }
        region.settle();
        emptied |= region.is_empty();
    }
    if emptied {
        regions.retain(|r| !r.is_empty());
    }
    // a cut can remove a region's first span and move its start past others'
    if !regions.is_sorted_by_key(|r| r.start) {
        regions.sort_by_key(|r| r.start);
    }
    pieces
}

fn insert(regions: &mut [Region], at: usize, len: usize) {
    for region in regions.iter_mut() {
        if region.end <= at {
            continue;
        }
        let first = region.spans.partition_point(|s| s.end <= at);
        let mut split = None;
        for (i, span) in region.spans[first..].iter_mut().enumerate() {
            if span.start < at {
                split = Some((first + i, span.end + len));
                span.end = at;
            } else {
                span.start += len;
                span.end += len;
            }
        }
        if let Some((i, end)) = split {
            region.spans.insert(i + 1, at + len..end);
            region.modified = true;
        }
        region.settle();
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

fn subtract(span: Range<usize>, hole: Range<usize>) -> Vec<Range<usize>> {
    [
        span.start..span.end.min(hole.start),
        span.start.max(hole.end)..span.end,
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

/// Sorts spans, drops empty ones and merges those that touch.
fn normalize(spans: &mut Vec<Range<usize>>) {
    spans.retain(|s| !s.is_empty());
    if !spans.is_sorted_by_key(|s| s.start) {
        spans.sort_by_key(|s| s.start);
    }
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

/// Drops the regions a record from a damaged or foreign journal could leave
/// past the end (`len` chars), empty, or sharing chars with an earlier one.
/// Records written by this code never do, so for them this changes nothing.
pub(crate) fn keep_valid(regions: &mut Vec<Region>, len: usize) {
    regions.sort_by_key(|r| r.start);
    let mut kept: Vec<Range<usize>> = Vec::new();
    regions.retain(|r| {
        let valid = !r.is_empty()
            && r.end <= len
            && r.spans.windows(2).all(|w| w[0].end < w[1].start)
            && !r.spans.iter().any(|s| {
                let i = kept.partition_point(|k| k.end <= s.start);
                kept.get(i).is_some_and(|k| k.start < s.end)
            });
        if valid {
            for s in &r.spans {
                let i = kept.partition_point(|k| k.start < s.start);
                kept.insert(i, s.clone());
            }
        }
        valid
    });
}

#[cfg(test)]
mod usage_tests {
    use super::*;

    #[test]
    fn a_region_without_usage_loads_and_one_with_usage_round_trips() {
        let who = Attribution {
            source: Source::Agent,
            agent: Some("claude-code".into()),
            model: None,
            usage: None,
        };
        let plain = Region::new(3, 0..10, &who, 5);
        let json = serde_json::to_value(&plain).unwrap();
        assert!(json.get("usage").is_none(), "{json}");
        let back: Region = serde_json::from_value(json).unwrap();
        assert_eq!(back, plain);

        let usage = Usage {
            tokens: 1143,
            input_tokens: 3,
            output_tokens: 40,
            cache_read_tokens: 1000,
            cache_write_tokens: 100,
            cost_usd: Some(0.25),
            session: Some("s".into()),
            mark: Some("m".into()),
        };
        let with = Region::new(
            4,
            0..10,
            &Attribution {
                usage: Some(usage.clone()),
                ..who
            },
            5,
        );
        assert_eq!(with.attribution().usage.as_ref(), Some(&usage));
        let json = serde_json::to_value(&with).unwrap();
        assert_eq!(json["usage"]["cacheWriteTokens"], 100);
        let back: Region = serde_json::from_value(json).unwrap();
        assert_eq!(back.usage, Some(usage));
    }

    #[test]
    fn usages_add_up_and_a_cost_appears_once_given() {
        let mut total = Usage {
            tokens: 10,
            input_tokens: 10,
            ..Usage::default()
        };
        total.add(&Usage {
            tokens: 5,
            output_tokens: 5,
            ..Usage::default()
        });
        assert_eq!(
            (
                total.tokens,
                total.input_tokens,
                total.output_tokens,
                total.cost_usd
            ),
            (15, 10, 5, None)
        );
        total.add(&Usage {
            cost_usd: Some(0.5),
            ..Usage::default()
        });
        assert_eq!(total.cost_usd, Some(0.5));
    }
}
