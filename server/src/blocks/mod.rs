//! Blocks a reader sees (functions, methods, classes, impls), named as in the
//! code: tree-sitter for Rust, Python, JavaScript/TypeScript, Go; an
//! indentation-and-brace heuristic for the rest. Per-block churn and the
//! explained maintenance-risk score (docs/risk.md).
//!
//! CONTRACT (other work streams code against these names; keep them):
//!
//! ```ignore
//! pub struct Block { pub name: String, pub kind: String, pub start_line: u32, pub end_line: u32 /*0-based, inclusive*/ }
//! pub fn split_blocks(path: &Path, text: &str) -> Vec<Block>;
//! pub struct RiskFactor { pub name: String, pub value: f64, pub weight: f64 }
//! pub struct Risk { pub score: u8, pub level: RiskLevel, pub factors: Vec<RiskFactor> }
//! pub struct BlockReport { pub block: Block, pub commits: u32, pub rewrites_90d: u32, pub churn_14d: f64,
//!     pub ai_share: f64, pub authors: u32, pub age_days: u32, pub risk: Risk }
//! /// serde: {range, name, commits, rewrites90d, churn14d, aiShare, authors, ageDays, risk}
//! pub fn block_reports(repo: &crate::history::Repo, path: &Path, text: &str, now: i64) -> Result<Vec<BlockReport>, BlocksError>;
//! ```
