//! Agent Trace records (RFC 0.1.0, cursor/agent-trace): the JSON shape, the
//! JSON Lines reader, and the `content_hash` provenance-ls writes into every
//! range. Owns parsing and hashing only; it never touches git.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Assistant;
use crate::provenance::Usage;

/// One Agent Trace record: which lines of which files a contributor wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentTraceRecord {
    /// `"0.1.0"`, or `"1.0"` / X.Y as some writers put it.
    pub version: String,
    /// A UUID.
    pub id: String,
    /// RFC 3339.
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<Vcs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<Tool>,
    pub files: Vec<TraceFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vcs {
    /// `git`, `jj`, `hg`, `svn`.
    #[serde(rename = "type")]
    pub kind: String,
    /// HEAD when the edit happened: usually the parent of the commit that carries the lines.
    pub revision: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceFile {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub conversations: Vec<Conversation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributor: Option<Contributor>,
    pub ranges: Vec<TraceRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contributor {
    /// `human`, `ai`, `mixed` or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Like `anthropic/claude-opus-4-5-20251101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
}

/// 1-based inclusive lines of the file at the recorded revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRange {
    pub start_line: u32,
    pub end_line: u32,
    /// provenance-ls writes `sha256:<hex>` of the range's lines (see [`content_hash`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributor: Option<Contributor>,
}

/// What a record's assistant lines cost ([`AgentTraceRecord::usage_of_lines`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordUsage {
    /// The record's `id`.
    pub record: String,
    pub assistant: Assistant,
    pub usage: Usage,
    /// (path, 1-based line) of every line the usage was spent on.
    pub lines: Vec<(String, u32)>,
}

/// Who wrote a line according to a line-level source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineAuthor {
    Assistant(Assistant),
    /// Said to be a human's: wins over a commit-level assistant.
    Human,
}

/// Whether this reader understands `version`: `0.1.0`, or `X.Y` with major 0 or 1.
pub fn supported_version(version: &str) -> bool {
    let mut parts = version.split('.');
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let rest_ok = parts.all(|p| p.parse::<u32>().is_ok());
    matches!(major, Some(0 | 1)) && rest_ok && version.contains('.')
}

/// Records in `text`: one JSON object, a JSON array, or JSON Lines. Lines
/// that do not parse or carry an unknown version are skipped, not fatal: one
/// bad writer must not hide everyone else's records.
pub fn parse_records(text: &str) -> Vec<AgentTraceRecord> {
    let trimmed = text.trim();
    if trimmed.starts_with('[') {
        if let Ok(records) = serde_json::from_str::<Vec<AgentTraceRecord>>(trimmed) {
            return records
                .into_iter()
                .filter(|r| supported_version(&r.version))
                .collect();
        }
    }
    if let Ok(record) = serde_json::from_str::<AgentTraceRecord>(trimmed) {
        return if supported_version(&record.version) {
            vec![record]
        } else {
            Vec::new()
        };
    }
    trimmed
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| match serde_json::from_str::<AgentTraceRecord>(line) {
            Ok(record) if supported_version(&record.version) => Some(record),
            Ok(record) => {
                tracing::debug!(version = %record.version, "skipping Agent Trace record of unknown version");
                None
            }
            Err(error) => {
                tracing::debug!(%error, "skipping unreadable Agent Trace line");
                None
            }
        })
        .collect()
}

/// `sha256:<hex>` of the lines, each without its line ending, joined by `\n`.
/// Line endings are left out so a checkout with CRLF still matches.
pub fn content_hash<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for (i, line) in lines.into_iter().enumerate() {
        if i > 0 {
            hasher.update(b"\n");
        }
        hasher.update(line.trim_end_matches(['\r', '\n']).as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(7 + digest.len() * 2);
    hex.push_str("sha256:");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The `content_hash` of `lines` by `algorithm` (the part before `:`):
/// `sha256` as [`content_hash`] writes it, `murmur3` as the Agent Trace
/// README's examples spell it (`murmur3:9f2e8a1b`: MurmurHash3 x86 32-bit,
/// seed 0, 8 lowercase hex) over the same text — the lines without their
/// endings, joined by `\n`. `None` for an algorithm this reader lacks.
pub fn content_hash_with<'a>(
    algorithm: &str,
    lines: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    match algorithm {
        "sha256" => Some(content_hash(lines)),
        "murmur3" => {
            let mut text = Vec::new();
            for (i, line) in lines.into_iter().enumerate() {
                if i > 0 {
                    text.push(b'\n');
                }
                text.extend_from_slice(line.trim_end_matches(['\r', '\n']).as_bytes());
            }
            let hash = murmur3::murmur3_32(&mut text.as_slice(), 0).ok()?;
            Some(format!("murmur3:{hash:08x}"))
        }
        _ => None,
    }
}

/// A recorded `content_hash` in the form [`content_hash_with`] writes:
/// lowercase hex, a murmur3 value padded to 8 digits.
pub fn normalize_content_hash(recorded: &str) -> String {
    let lower = recorded.trim().to_ascii_lowercase();
    match lower
        .strip_prefix("murmur3:")
        .map(|hex| u32::from_str_radix(hex, 16))
    {
        Some(Ok(value)) => format!("murmur3:{value:08x}"),
        _ => lower,
    }
}

/// The key of provenance-ls's own part of a record's `metadata` (Agent Trace
/// asks for reverse-domain keys there): the writer, the per-line hashes of
/// every range, and for a derived record what it was derived from.
pub const METADATA_KEY: &str = "dev.provenance-ls";

/// The `metadata` key of what the record's lines cost the agent's session
/// (docs/assistants.md, *Tokens and cost*).
pub const USAGE_METADATA_KEY: &str = "dev.provenance-ls.usage";

impl AgentTraceRecord {
    /// The per-line hashes ([`super::matching::line_hash`]) provenance-ls
    /// keeps for a range, by (path, `start_line`): from
    /// `metadata."dev.provenance-ls".line_hashes`, a list of
    /// `{path, start_line, hashes: [16 hex, …]}`. Entries that do not parse are left out.
    pub fn line_hashes(&self) -> HashMap<(String, u32), Vec<u64>> {
        let mut out = HashMap::new();
        let entries = self
            .metadata
            .as_ref()
            .and_then(|m| m.get(METADATA_KEY))
            .and_then(|m| m.get("line_hashes"))
            .and_then(serde_json::Value::as_array);
        for entry in entries.into_iter().flatten() {
            let path = entry.get("path").and_then(serde_json::Value::as_str);
            let start = entry.get("start_line").and_then(serde_json::Value::as_u64);
            let hashes: Option<Vec<u64>> = entry
                .get("hashes")
                .and_then(serde_json::Value::as_array)
                .and_then(|list| {
                    list.iter()
                        .map(|h| h.as_str().and_then(|h| u64::from_str_radix(h, 16).ok()))
                        .collect()
                });
            if let (Some(path), Some(Ok(start)), Some(hashes)) =
                (path, start.map(u32::try_from), hashes)
            {
                out.insert((path.to_string(), start), hashes);
            }
        }
        out
    }

    /// What the record's lines cost, from `metadata."dev.provenance-ls.usage"`;
    /// `None` when the record has none or it does not parse.
    pub fn usage(&self) -> Option<Usage> {
        let value = self.metadata.as_ref()?.get(USAGE_METADATA_KEY)?;
        serde_json::from_value(value.clone()).ok()
    }

    /// The usage of the record with the assistant and the lines it was
    /// spent on (path, 1-based line): what the report sums per origin,
    /// agent and model, and divides among lines.
    pub fn usage_of_lines(&self) -> Option<RecordUsage> {
        let usage = self.usage()?;
        let mut assistant = None;
        let mut lines = Vec::new();
        for file in &self.files {
            for conversation in &file.conversations {
                for range in &conversation.ranges {
                    if let Some(LineAuthor::Assistant(who)) = self.author_of(conversation, range) {
                        assistant.get_or_insert(who);
                        lines.extend(
                            (range.start_line..=range.end_line)
                                .map(|line| (file.path.clone(), line)),
                        );
                    }
                }
            }
        }
        Some(RecordUsage {
            record: self.id.clone(),
            assistant: assistant?,
            usage,
            lines,
        })
    }

    /// Stores `usage` (without its mark id) as the record's
    /// `metadata."dev.provenance-ls.usage"`.
    pub fn set_usage(&mut self, usage: &Usage) {
        let metadata = self.metadata.get_or_insert_with(|| serde_json::json!({}));
        if !metadata.is_object() {
            *metadata = serde_json::json!({});
        }
        let usage = Usage {
            mark: None,
            ..usage.clone()
        };
        if let Ok(value) = serde_json::to_value(usage) {
            metadata
                .as_object_mut()
                .expect("an object")
                .insert(USAGE_METADATA_KEY.to_owned(), value);
        }
    }

    /// Records the per-line hashes of the range of `path` starting at `start_line`.
    pub fn set_line_hashes(&mut self, path: &str, start_line: u32, hashes: &[u64]) {
        let metadata = self.metadata.get_or_insert_with(|| serde_json::json!({}));
        if !metadata.is_object() {
            *metadata = serde_json::json!({});
        }
        let ours = metadata
            .as_object_mut()
            .expect("an object")
            .entry(METADATA_KEY)
            .or_insert_with(|| serde_json::json!({}));
        if !ours.is_object() {
            *ours = serde_json::json!({});
        }
        let list = ours
            .as_object_mut()
            .expect("an object")
            .entry("line_hashes")
            .or_insert_with(|| serde_json::json!([]));
        if !list.is_array() {
            *list = serde_json::json!([]);
        }
        let hex: Vec<String> = hashes.iter().map(|h| format!("{h:016x}")).collect();
        list.as_array_mut()
            .expect("an array")
            .push(serde_json::json!({"path": path, "start_line": start_line, "hashes": hex}));
    }

    /// A record of assistant lines provenance-ls writes for `commit`: one
    /// conversation per file, contributor `ai`, the lines (1-based, sorted)
    /// as inclusive runs. `content_hash` and the line hashes are added when
    /// the note is written.
    pub fn assistant_lines(
        commit: &str,
        agent: &str,
        model: Option<String>,
        files: &BTreeMap<String, Vec<u32>>,
        now: std::time::SystemTime,
    ) -> AgentTraceRecord {
        let contributor = Contributor {
            kind: "ai".into(),
            model_id: model,
        };
        let ours = serde_json::json!({"writer": WRITER});
        lines_record(commit, agent, contributor, files, now, ours)
    }

    /// A record of the lines provenance-ls saw typed in the editor: as
    /// [`Self::assistant_lines`], contributor `human`, tool `provenance-ls`,
    /// and `"source": "typed"` in its `metadata."dev.provenance-ls"`.
    pub fn typed_lines(
        commit: &str,
        files: &BTreeMap<String, Vec<u32>>,
        now: std::time::SystemTime,
    ) -> AgentTraceRecord {
        let contributor = Contributor {
            kind: "human".into(),
            model_id: None,
        };
        let ours = serde_json::json!({"writer": WRITER, "source": TYPED_SOURCE});
        lines_record(commit, "provenance-ls", contributor, files, now, ours)
    }

    /// Whether provenance-ls wrote the record for lines it saw typed.
    pub fn is_typed(&self) -> bool {
        self.metadata
            .as_ref()
            .and_then(|m| m.get(METADATA_KEY))
            .and_then(|m| m.get("source"))
            .and_then(serde_json::Value::as_str)
            == Some(TYPED_SOURCE)
    }
}

/// Who wrote a record: `metadata."dev.provenance-ls".writer`.
const WRITER: &str = concat!("provenance-ls ", env!("CARGO_PKG_VERSION"));

/// `metadata."dev.provenance-ls".source` of a record of typed lines.
const TYPED_SOURCE: &str = "typed";

/// One conversation per file by `contributor`, the lines (1-based, sorted)
/// as inclusive runs; `content_hash` and the line hashes are added when the
/// note is written.
fn lines_record(
    commit: &str,
    tool: &str,
    contributor: Contributor,
    files: &BTreeMap<String, Vec<u32>>,
    now: std::time::SystemTime,
    ours: serde_json::Value,
) -> AgentTraceRecord {
    {
        let files = files
            .iter()
            .map(|(path, lines)| TraceFile {
                path: path.clone(),
                conversations: vec![Conversation {
                    url: None,
                    contributor: Some(contributor.clone()),
                    ranges: runs(lines)
                        .into_iter()
                        .map(|(start_line, end_line)| TraceRange {
                            start_line,
                            end_line,
                            content_hash: None,
                            contributor: None,
                        })
                        .collect(),
                    related: None,
                }],
            })
            .collect();
        AgentTraceRecord {
            version: "0.1.0".into(),
            id: uuid::Uuid::new_v4().to_string(),
            timestamp: humantime::format_rfc3339_seconds(now).to_string(),
            vcs: Some(Vcs {
                kind: "git".into(),
                revision: commit.to_string(),
            }),
            tool: Some(Tool {
                name: tool.to_string(),
                version: None,
            }),
            files,
            metadata: Some(serde_json::json!({ METADATA_KEY: ours })),
        }
    }
}

impl AgentTraceRecord {
    /// Who a range says wrote its lines: the range's contributor, else the
    /// conversation's; `ai` and `mixed` count as the assistant (the tool's
    /// name), `human` as a human, `unknown` or none as nothing.
    pub fn author_of(&self, conversation: &Conversation, range: &TraceRange) -> Option<LineAuthor> {
        let contributor = range
            .contributor
            .as_ref()
            .or(conversation.contributor.as_ref())?;
        match contributor.kind.as_str() {
            "human" => Some(LineAuthor::Human),
            "ai" | "mixed" => Some(LineAuthor::Assistant(Assistant::new(
                self.agent_name(contributor),
                contributor.model_id.clone(),
            ))),
            _ => None,
        }
    }

    fn agent_name(&self, contributor: &Contributor) -> String {
        if let Some(tool) = &self.tool {
            return normalize_agent(&tool.name);
        }
        // No tool: the model's vendor is the best name left (`anthropic/…` → anthropic).
        contributor
            .model_id
            .as_deref()
            .and_then(|model| model.split('/').next())
            .map(normalize_agent)
            .unwrap_or_else(|| "unknown".to_string())
    }
}

/// Tool names as other tools spell them → the agent names of docs/assistants.md.
pub fn normalize_agent(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "claude" | "claude code" | "claude_code" => "claude-code".to_string(),
        "github copilot" | "github-copilot" => "copilot".to_string(),
        _ => lower.replace(' ', "-"),
    }
}

/// Sorted line numbers → inclusive runs.
fn runs(lines: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &line in lines {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == line => *end = line,
            _ => out.push((line, line)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_join_consecutive_lines() {
        assert_eq!(runs(&[1, 2, 3, 5, 7, 8]), vec![(1, 3), (5, 5), (7, 8)]);
        assert_eq!(runs(&[]), vec![]);
    }

    const RECORD: &str = r#"{"version":"0.1.0","id":"3f1c2e9a-0000-4000-8000-000000000001","timestamp":"2026-01-05T10:00:00Z","vcs":{"type":"git","revision":"a1b2c3"},"tool":{"name":"cursor","version":"2.0"},"files":[{"path":"src/lib.rs","conversations":[{"contributor":{"type":"ai","model_id":"anthropic/claude-opus-4-5-20251101"},"ranges":[{"start_line":3,"end_line":5},{"start_line":9,"end_line":9,"contributor":{"type":"human"}}]}]}]}"#;

    #[test]
    fn reads_one_record_json_lines_and_arrays() {
        assert_eq!(parse_records(RECORD).len(), 1);
        let lines = format!("{RECORD}\nnot json\n\n{}\n", RECORD.replace("0.1.0", "1.0"));
        assert_eq!(parse_records(&lines).len(), 2);
        assert_eq!(parse_records(&format!("[{RECORD}]")).len(), 1);
        assert!(parse_records(&RECORD.replace("0.1.0", "7.0")).is_empty());
    }

    #[test]
    fn versions() {
        for (version, ok) in [
            ("0.1.0", true),
            ("1.0", true),
            ("1.2", true),
            ("2.0", false),
            ("1", false),
            ("x.y", false),
        ] {
            assert_eq!(supported_version(version), ok, "{version}");
        }
    }

    #[test]
    fn range_contributor_overrides_conversation() {
        let record = &parse_records(RECORD)[0];
        let conversation = &record.files[0].conversations[0];
        assert_eq!(
            record.author_of(conversation, &conversation.ranges[0]),
            Some(LineAuthor::Assistant(Assistant::new(
                "cursor",
                Some("anthropic/claude-opus-4-5-20251101".into())
            )))
        );
        assert_eq!(
            record.author_of(conversation, &conversation.ranges[1]),
            Some(LineAuthor::Human)
        );
    }

    #[test]
    fn murmur3_hashes_as_the_reference_vectors_say() {
        // MurmurHash3 x86_32, seed 0: "" → 0, "hello" → 0x248bfa47, "hello, world" → 0x149bbb7f.
        assert_eq!(
            content_hash_with("murmur3", [""]).unwrap(),
            "murmur3:00000000"
        );
        assert_eq!(
            content_hash_with("murmur3", ["hello"]).unwrap(),
            "murmur3:248bfa47"
        );
        assert_eq!(
            content_hash_with("murmur3", ["hello,", "world"]),
            content_hash_with("murmur3", ["hello,\r\n", "world"])
        );
        assert_eq!(content_hash_with("md5", ["x"]), None);
        assert_eq!(
            normalize_content_hash("MURMUR3:248BFA47"),
            "murmur3:248bfa47"
        );
        assert_eq!(normalize_content_hash("murmur3:bfa47"), "murmur3:000bfa47");
    }

    #[test]
    fn content_hash_ignores_line_endings() {
        assert_eq!(content_hash(["a", "b"]), content_hash(["a\r", "b\r\n"]));
        assert_ne!(content_hash(["a", "b"]), content_hash(["ab"]));
        // The same digest as `printf 'fn main() {}' | sha256sum`.
        assert_eq!(
            content_hash(["fn main() {}"]),
            "sha256:ef32637cb9c3ec2e3968c9cbdf26a5e9c172be94f88af533e14bd43f892d5297"
        );
    }
}
