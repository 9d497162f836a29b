//! Blocks a reader sees (functions, methods, classes, impls), named as in the
//! code: tree-sitter for Rust, Python, JavaScript/TypeScript, Go, C, C++,
//! Java, C#, Ruby, PHP, Bash, Lua and Kotlin; an indentation-and-brace
//! heuristic for the rest. A block starts at the doc comments, attributes
//! and decorators written right above it. Per-block churn and the
//! explained maintenance-risk score (docs/risk.md).
//!
//! CONTRACT (other work streams code against these names; keep them):
//!
//! ```ignore
//! pub struct Block { pub name: String, pub kind: String, pub start_line: u32, pub end_line: u32 /*0-based, inclusive*/,
//!     pub definition_line: u32 /*the header's line, past doc comments and attributes*/ }
//! pub fn split_blocks(path: &Path, text: &str) -> Vec<Block>;
//! pub struct RiskFactor { pub name: String, pub value: f64, pub weight: f64 }
//! pub struct Risk { pub score: u8, pub level: RiskLevel, pub factors: Vec<RiskFactor> }
//! pub struct BlockReport { pub block: Block, pub commits: u32, pub rewrites_90d: u32, pub churn_14d: f64,
//!     pub ai_share: f64, pub human_share: f64, pub authors: u32, pub age_days: u32, pub risk: Risk }
//! /// serde: {range, definitionLine, name, commits, rewrites90d, churn14d, aiShare, humanShare, authors, ageDays, risk}
//! pub fn block_reports(history: &crate::history::History, attribution: &crate::attribution::AttributionIndex,
//!     path: &Path, text: &str, now: i64) -> Result<Vec<BlockReport>, BlocksError>;
//! ```
//!
//! Blocks are top-level items and the members of containers (methods of an
//! impl, class, trait or namespace), never closures or functions nested in a
//! function body; a container and its members are both listed. Names follow
//! the code: `parse`, `impl Display for Span`, `Span::len`, `class Cache`,
//! `Cache.get`, `type Server` / `Server.Serve` (Go), `geo::Shape::area`
//! (C++), `Tasks::Runner#run` / `Runner.make` (Ruby), `Cart::add` (PHP),
//! `M.setup` / `M:reset` (Lua). [`block_reports`] reads
//! git through `crate::history` (`from_history.rs`); [`block_reports_with`] takes any
//! [`BlockHistorySource`], which is how the statistics are tested.

use std::path::Path;

use serde::ser::{Serialize, SerializeStruct, Serializer};

mod heuristic;
mod risk;
mod stats;
mod syntax;

mod from_history;
pub use from_history::{
    block_histories_at, block_reports, block_reports_and_gaps, block_reports_at,
    block_reports_fitted, BlockHistory, LinesHistory,
};
pub use risk::{
    assess, assess_with, factor_values, legacy_score, named_weights, raw_score, FixPattern, Risk,
    RiskFactor, RiskInputs, RiskLevel, RiskModel, Weights, DEFAULT_FIX_PATTERN, DEFAULT_WEIGHTS,
    FACTORS, HIGH_FROM, MEDIUM_FROM,
};
pub use stats::{block_stats, block_stats_with, BlockHistorySource, BlockStats, LineOrigin};

/// A block of a file a reader sees.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Block {
    /// As in the code: `Span::len`, `impl Display for Span`, `class Cache`, `Cache.get`.
    pub name: String,
    /// `function`, `method`, `impl`, `class`, `struct`, `enum`, `trait`, `interface`, `module`, `type`, `macro`, `union`.
    pub kind: String,
    /// 0-based, inclusive: from the first doc comment, attribute or
    /// decorator written above the item to its last line.
    pub start_line: u32,
    pub end_line: u32,
    /// 0-based: the item's own header line (`fn`, `def`, `class`, a C
    /// function's return type), past its doc comments, attributes,
    /// annotations and decorators. Inlay hints go at its end, while code
    /// lenses sit above `start_line`.
    pub definition_line: u32,
}

/// A block with its history and risk.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockReport {
    pub block: Block,
    pub commits: u32,
    pub rewrites_90d: u32,
    pub churn_14d: f64,
    pub ai_share: f64,
    /// Share of lines known to be a person's (see `stats::LineOrigin::human`).
    pub human_share: f64,
    pub authors: u32,
    pub age_days: u32,
    /// Commits that touched the block whose message says they fix something.
    pub fixes: u32,
    pub risk: Risk,
    /// The newest commits that touched the block (at most `RECENT_COMMITS`),
    /// newest first: what hover lists. Not serialized.
    pub recent: Vec<crate::history::RangeCommit>,
}

/// How many of a block's commits a report keeps for display.
pub const RECENT_COMMITS: usize = 5;

/// serde: {range, definitionLine, name, kind, commits, rewrites90d, churn14d, aiShare, humanShare, authors, ageDays, fixes, risk}
/// `range` is an LSP range of whole lines: from the block's first line,
/// character 0, to the start of the line after its last (no column
/// arithmetic, so it holds in every position encoding). `definitionLine`
/// is the 0-based line of the item's header inside it.
impl Serialize for BlockReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let range = serde_json::json!({
            "start": {"line": self.block.start_line, "character": 0},
            "end": {"line": self.block.end_line + 1, "character": 0},
        });
        let mut s = serializer.serialize_struct("BlockReport", 14)?;
        s.serialize_field("range", &range)?;
        s.serialize_field("definitionLine", &self.block.definition_line)?;
        s.serialize_field("name", &self.block.name)?;
        s.serialize_field("kind", &self.block.kind)?;
        s.serialize_field("commits", &self.commits)?;
        s.serialize_field("rewrites90d", &self.rewrites_90d)?;
        s.serialize_field("churn14d", &self.churn_14d)?;
        s.serialize_field("aiShare", &self.ai_share)?;
        s.serialize_field("humanShare", &self.human_share)?;
        s.serialize_field("authors", &self.authors)?;
        s.serialize_field("ageDays", &self.age_days)?;
        s.serialize_field("fixes", &self.fixes)?;
        s.serialize_field("risk", &self.risk)?;
        s.end()
    }
}

/// What can go wrong building block reports.
#[derive(Debug, thiserror::Error)]
pub enum BlocksError {
    #[error("history: {0}")]
    History(String),
}

/// The blocks of `text`, by `path`'s extension: a grammar when there is one, the heuristic otherwise.
pub fn split_blocks(path: &Path, text: &str) -> Vec<Block> {
    let grammar = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(syntax::Grammar::for_extension);
    grammar
        .and_then(|g| syntax::split(g, text))
        .unwrap_or_else(|| heuristic::split(text))
}

/// Reports for every block of `text` (the current text of `path`), with
/// history from `source`. `now` is Unix seconds.
pub fn block_reports_with(
    source: &impl BlockHistorySource,
    path: &Path,
    text: &str,
    now: i64,
) -> Result<Vec<BlockReport>, BlocksError> {
    block_reports_weighted(source, path, text, now, &DEFAULT_WEIGHTS)
}

/// [`block_reports_with`], scored with `weights`.
pub fn block_reports_weighted(
    source: &impl BlockHistorySource,
    path: &Path,
    text: &str,
    now: i64,
    weights: &Weights,
) -> Result<Vec<BlockReport>, BlocksError> {
    let blocks = split_blocks(path, text);
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let origins = source.line_origins(path, text)?;
    // The history walk dominates: one for all the blocks, which share every
    // commit's diff (one walk per block re-read and re-diffed the file's
    // whole history each time).
    let ranges: Vec<(u32, u32)> = blocks
        .iter()
        .map(|b| (b.start_line + 1, b.end_line + 1))
        .collect();
    let histories = source.range_histories(path, &ranges)?;
    Ok(blocks
        .into_iter()
        .zip(histories)
        .map(|(block, commits)| {
            let lines = origins
                .get(
                    block.start_line as usize
                        ..=(block.end_line as usize).min(origins.len().saturating_sub(1)),
                )
                .unwrap_or_default();
            let stats = block_stats(&commits, lines, now);
            BlockReport {
                block,
                commits: stats.commits,
                rewrites_90d: stats.rewrites_90d,
                churn_14d: stats.churn_14d,
                ai_share: stats.ai_share,
                human_share: stats.human_share,
                authors: stats.authors,
                age_days: stats.age_days,
                fixes: stats.fixes,
                risk: assess_with(&stats.risk_inputs, weights),
                recent: commits.into_iter().take(RECENT_COMMITS).collect(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests;
