//! The methods provenance-ls adds to LSP, each declared once with its params
//! and result types. docs/protocol.md mirrors this module.

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{
    notification::Notification, Range, TextDocumentIdentifier, Uri, VersionedTextDocumentIdentifier,
};

/// Request `provenance/regions`.
pub const REGIONS: &str = "provenance/regions";
/// Request `provenance/blocks`.
pub const BLOCKS: &str = "provenance/blocks";
/// Client notification `provenance/editSource`.
pub const EDIT_SOURCE: &str = "provenance/editSource";
/// Command `provenance.showHistory` `{uri, position}`: the churn history of
/// the block at `position`, as markdown (what hover shows). Code lenses carry it.
pub const SHOW_HISTORY: &str = "provenance.showHistory";

/// Command `provenance.markReviewed`.
pub const MARK_REVIEWED: &str = "provenance.markReviewed";

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionsParams {
    pub text_document: TextDocumentIdentifier,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlocksParams {
    pub text_document: TextDocumentIdentifier,
}

/// Result of `provenance/regions` and params of `provenance/regionsChanged`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DocumentRegions {
    pub uri: Uri,
    pub version: i32,
    pub regions: Vec<RegionInfo>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RegionInfo {
    /// The covering range: from the first span's start to the last's end.
    pub range: Range,
    /// The text the region holds, in order; more than one when something
    /// was typed or put inside it.
    pub spans: Vec<Range>,
    pub source: String,
    pub agent: Option<String>,
    pub model: Option<String>,
    pub inserted_at: u64,
    pub reviewed: bool,
    pub modified: bool,
    pub retained: f64,
}

/// Params of `provenance/editSource`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditSourceParams {
    pub text_document: VersionedTextDocumentIdentifier,
    pub source: String,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
}

/// Argument of the `provenance.markReviewed` command.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkReviewedArgs {
    pub uri: Uri,
    pub range: Range,
}

/// Argument of the `provenance.showHistory` command.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShowHistoryArgs {
    pub uri: Uri,
    pub position: tower_lsp_server::ls_types::Position,
}

/// Server notification `provenance/regionsChanged`.
pub enum RegionsChanged {}

impl Notification for RegionsChanged {
    type Params = DocumentRegions;
    const METHOD: &'static str = "provenance/regionsChanged";
}
