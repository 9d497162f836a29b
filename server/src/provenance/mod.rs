//! The provenance map: per document, the regions that were pasted, accepted
//! from a completion, written by an agent, bulk-inserted or changed on disk,
//! shifting with every later edit. Pure: no LSP, no tokio, no IO.
//!
//! Owns: [`Workspace`] (all open documents and the cross-document memory:
//! recently deleted text, pending hints), the classification rules
//! (docs/classification.md) and the [`Record`]s the journal persists.
//! Text typed in the editor is kept too, as `typed` regions apart from the
//! shown ones: it is human evidence for the commit notes, never a
//! decoration.
//!
//! Invariants: regions are sorted by start, non-empty and inside their
//! document; each holds sorted, disjoint spans and no char is in two
//! regions' spans (one region may sit in a gap of another: a paste inside a
//! completion); `retained` is in 0..=1. Replaying the records a
//! workspace returned, from an empty workspace, rebuilds the same documents:
//! records carry decisions (steps and resulting regions), never hints or
//! clock readings. Must never: read the clock (callers pass `now_ms`), do IO,
//! or see an LSP type (positions arrive as char offsets, see `crate::text`).

mod classify;
mod diff;
mod graveyard;
mod region;
mod workspace;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod script;
#[cfg(test)]
mod tests;

pub use crate::text::Change;
pub use classify::{Hint, HintSource, Thresholds};
pub use diff::Step;
pub use region::{Attribution, Region, Source, Usage};
pub use workspace::Workspace;

use crate::text::{range_positions, PositionEncoding, TextPosition};
use ropey::Rope;
use serde::{Deserialize, Serialize};

/// One document as the provenance map knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentState {
    #[serde(with = "rope_as_string")]
    pub text: Rope,
    pub version: i32,
    /// Sorted by start; no char in two regions' spans.
    pub regions: Vec<Region>,
    /// What was typed here (source `typed`), sorted by start: a person's
    /// text, never shown. No char is both typed and in a region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub typed: Vec<Region>,
}

impl DocumentState {
    pub fn new(text: &str, version: i32) -> DocumentState {
        DocumentState {
            text: Rope::from_str(text),
            version,
            regions: Vec::new(),
            typed: Vec::new(),
        }
    }

    /// `region`'s covering range as client positions in `enc`.
    pub fn positions(
        &self,
        region: &Region,
        enc: PositionEncoding,
    ) -> (TextPosition, TextPosition) {
        range_positions(&self.text, region.range(), enc)
    }

    /// The regions holding a char of `range` (for an empty range, a span
    /// touching it).
    pub fn regions_at(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(move |r| touches(r, &range))
    }

    /// The region holding the char at `offset`, with the span that holds it.
    pub fn region_at(&self, offset: usize) -> Option<(&Region, std::ops::Range<usize>)> {
        self.regions
            .iter()
            .find_map(|r| r.span_at(offset).filter(|s| offset < s.end).map(|s| (r, s)))
    }
}

fn touches(region: &Region, range: &std::ops::Range<usize>) -> bool {
    if range.is_empty() {
        region.span_at(range.start).is_some()
    } else {
        region.overlaps(range)
    }
}

/// What the journal persists. Replaying records in order from an empty
/// workspace rebuilds every document; a record whose `(doc, seq)` was
/// already applied is skipped.
///
/// The typed regions travel in fields of their own (`typed`), absent when
/// empty: journals written before them read as "nothing typed", and a
/// server from before them ignores the field and keeps everything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Record {
    /// The whole state of a document (open, reload from disk, close, on demand).
    Snapshot {
        doc: String,
        seq: u64,
        version: i32,
        text: String,
        regions: Vec<Region>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        typed: Vec<Region>,
    },
    /// One change batch: apply `steps` in order (regions and typed regions
    /// shift with them), then insert or replace (by id) each of `regions`
    /// and of `typed` — what was decided (an empty one removes its id).
    Edit {
        doc: String,
        seq: u64,
        version: i32,
        steps: Vec<Step>,
        regions: Vec<Region>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        typed: Vec<Region>,
    },
    /// The document's regions after a reclassification or a review; its
    /// typed regions too when they changed (`None`: as they were).
    Regions {
        doc: String,
        seq: u64,
        regions: Vec<Region>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        typed: Option<Vec<Region>>,
    },
    /// The document was closed.
    Closed { doc: String, seq: u64 },
}

impl Record {
    pub fn doc(&self) -> &str {
        match self {
            Record::Snapshot { doc, .. }
            | Record::Edit { doc, .. }
            | Record::Regions { doc, .. }
            | Record::Closed { doc, .. } => doc,
        }
    }

    pub fn seq(&self) -> u64 {
        match self {
            Record::Snapshot { seq, .. }
            | Record::Edit { seq, .. }
            | Record::Regions { seq, .. }
            | Record::Closed { seq, .. } => *seq,
        }
    }
}

mod rope_as_string {
    use ropey::Rope;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(rope: &Rope, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(rope)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Rope, D::Error> {
        String::deserialize(deserializer).map(|s| Rope::from_str(&s))
    }
}
