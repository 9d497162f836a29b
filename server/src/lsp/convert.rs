//! Conversions between LSP types and the core's, at the edge. Column
//! arithmetic itself lives in `crate::text`.

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range, Uri};

use crate::provenance::{DocumentState, Region, Source};
use crate::text::{self, PositionEncoding, TextPosition};

use super::protocol::{DocumentRegions, RegionInfo};

pub fn to_text_position(position: Position) -> TextPosition {
    TextPosition {
        line: position.line,
        character: position.character,
    }
}

pub fn to_lsp_position(position: TextPosition) -> Position {
    Position::new(position.line, position.character)
}

pub fn char_range(rope: &Rope, range: Range, encoding: PositionEncoding) -> std::ops::Range<usize> {
    let start = text::char_offset(rope, to_text_position(range.start), encoding);
    let end = text::char_offset(rope, to_text_position(range.end), encoding);
    start.min(end)..start.max(end)
}

pub fn lsp_range(rope: &Rope, chars: std::ops::Range<usize>, encoding: PositionEncoding) -> Range {
    let (start, end) = text::range_positions(rope, chars, encoding);
    Range::new(to_lsp_position(start), to_lsp_position(end))
}

pub fn region_info(rope: &Rope, region: &Region, encoding: PositionEncoding) -> RegionInfo {
    RegionInfo {
        range: lsp_range(rope, region.range(), encoding),
        spans: region
            .spans()
            .iter()
            .map(|s| lsp_range(rope, s.clone(), encoding))
            .collect(),
        source: source_name(region.source).to_string(),
        agent: region.agent.clone(),
        model: region.model.clone(),
        inserted_at: region.inserted_at,
        reviewed: region.reviewed,
        modified: region.modified,
        retained: region.retained,
    }
}

/// The protocol's name of a source (its serde name).
pub fn source_name(source: Source) -> &'static str {
    match source {
        Source::Pasted => "pasted",
        Source::Completion => "completion",
        Source::Agent => "agent",
        Source::Bulk => "bulk",
        Source::External => "external",
        Source::Typed => "typed",
    }
}

pub fn document_regions(
    uri: &Uri,
    state: &DocumentState,
    encoding: PositionEncoding,
) -> DocumentRegions {
    DocumentRegions {
        uri: uri.clone(),
        version: state.version,
        regions: state
            .regions
            .iter()
            .map(|r| region_info(&state.text, r, encoding))
            .collect(),
    }
}
