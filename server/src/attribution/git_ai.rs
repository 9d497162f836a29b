//! git-ai authorship notes (`authorship/3.0.0`, stored on `refs/notes/ai`):
//! an attestation section (a path at column 0, then `  <key> <ranges>`
//! lines), a `---` line, then a JSON object that says who each key is.
//! Owns parsing only; finding the note for a commit is `notes.rs`'s job.

use std::collections::HashMap;

use serde::Deserialize;

use super::agent_trace::{normalize_agent, LineAuthor};
use super::Assistant;

/// A parsed note: for each file, the entries in the note's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GitAiNote {
    pub files: Vec<GitAiFile>,
    /// The note's own prompt records (bare keys), resolved to assistants:
    /// other notes whose entries name these keys find them here.
    pub prompts: HashMap<String, Assistant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GitAiFile {
    pub path: String,
    pub entries: Vec<GitAiEntry>,
}

/// One `  <key> <ranges>` line.
#[derive(Debug, Clone, PartialEq)]
pub struct GitAiEntry {
    pub key: String,
    /// `(first, last)`, 1-based inclusive.
    pub ranges: Vec<(u32, u32)>,
    /// Who the key is by this note's own records; `None` when the note has
    /// no record for it (a bare key may still be found in another note).
    pub author: Option<LineAuthor>,
}

impl GitAiEntry {
    /// A bare (prompt) key: the only kind git-ai looks up in other notes.
    pub fn is_prompt_key(&self) -> bool {
        !self.key.starts_with("h_") && !self.key.starts_with("s_")
    }

    fn covers(&self, line: u32) -> bool {
        self.ranges
            .iter()
            .any(|(first, last)| (*first..=*last).contains(&line))
    }
}

impl GitAiNote {
    /// Who wrote `line` (1-based) of `path`, as git-ai's own reader decides:
    /// the file's entries newest first (where two cover a line, the later
    /// wins), skipping entries whose key has no record — a bare key is first
    /// looked up through `foreign_prompt` (the prompt records of other
    /// notes). `None`: no usable entry covers the line (untracked, neither AI
    /// nor human).
    pub fn line_author(
        &self,
        path: &str,
        line: u32,
        foreign_prompt: impl Fn(&str) -> Option<Assistant>,
    ) -> Option<LineAuthor> {
        let file = self.files.iter().find(|file| file.path == path)?;
        file.entries
            .iter()
            .rev()
            .filter(|entry| entry.covers(line))
            .find_map(|entry| match &entry.author {
                Some(author) => Some(author.clone()),
                None if entry.is_prompt_key() => {
                    foreign_prompt(&entry.key).map(LineAuthor::Assistant)
                }
                None => None,
            })
    }

    /// Bare keys of `path`'s entries that this note has no record for.
    pub fn missing_prompts(&self, path: &str) -> Vec<&str> {
        self.files
            .iter()
            .filter(|file| file.path == path)
            .flat_map(|file| &file.entries)
            .filter(|entry| entry.author.is_none() && entry.is_prompt_key())
            .map(|entry| entry.key.as_str())
            .collect()
    }

    /// The first assistant the note names, for a commit-level answer.
    pub fn any_assistant(&self) -> Option<&Assistant> {
        self.files
            .iter()
            .flat_map(|f| &f.entries)
            .find_map(|entry| match &entry.author {
                Some(LineAuthor::Assistant(assistant)) => Some(assistant),
                _ => None,
            })
    }
}

#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    schema_version: Option<String>,
    /// Required by git-ai's reader: a note without it is not read.
    #[allow(dead_code)]
    base_commit_sha: String,
    /// Required too (may be empty).
    prompts: HashMap<String, AgentRecord>,
    #[serde(default)]
    sessions: HashMap<String, AgentRecord>,
    #[serde(default)]
    humans: HashMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct AgentRecord {
    #[serde(default)]
    agent_id: Option<AgentId>,
}

#[derive(Debug, Deserialize)]
struct AgentId {
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    model: Option<String>,
}

/// Parses a note; `None` when it is not an `authorship/3.x` note with a
/// `base_commit_sha` and `prompts` (git-ai ignores such notes whole).
/// Malformed attestation lines are skipped: a partial answer beats none.
pub fn parse_note(text: &str) -> Option<GitAiNote> {
    let (attestation, json) = split_at_divider(text)?;
    let metadata: Metadata = serde_json::from_str(json.trim()).ok()?;
    if !metadata
        .schema_version
        .as_deref()
        .is_some_and(|version| version.starts_with("authorship/3."))
    {
        return None;
    }
    let mut note = GitAiNote {
        files: Vec::new(),
        prompts: metadata
            .prompts
            .iter()
            .map(|(key, record)| (key.clone(), record.assistant()))
            .collect(),
    };
    for line in attestation.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(entry) = line.strip_prefix("  ") {
            let Some(file) = note.files.last_mut() else {
                continue;
            };
            let Some((key, ranges)) = entry.trim().rsplit_once(' ') else {
                continue;
            };
            file.entries.push(GitAiEntry {
                key: key.to_string(),
                ranges: parse_ranges(ranges),
                author: resolve_key(key, &metadata),
            });
        } else {
            note.files.push(GitAiFile {
                path: unquote_path(line),
                entries: Vec::new(),
            });
        }
    }
    Some(note)
}

/// The attestation before the line that is exactly `---`, the JSON after it.
fn split_at_divider(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_prefix("---\n") {
        return Some(("", rest));
    }
    let at = text.find("\n---\n").or_else(|| text.find("\n---\r\n"))?;
    let after = &text[at + 1..];
    let json_start = after.find('\n')? + 1;
    Some((&text[..at], &after[json_start..]))
}

/// `s_…::t_…` → the session; `h_…` → a human; bare hex → a prompt (pre-1.4
/// notes). `None` when the note has no record for the key: git-ai skips such
/// entries (an `h_` key without a `humans` record is not a known human).
fn resolve_key(key: &str, metadata: &Metadata) -> Option<LineAuthor> {
    if key.starts_with("h_") {
        return metadata
            .humans
            .contains_key(key)
            .then_some(LineAuthor::Human);
    }
    let record = if key.starts_with("s_") {
        let session = key.split("::").next().unwrap_or(key);
        metadata.sessions.get(session)
    } else {
        metadata.prompts.get(key)
    }?;
    Some(LineAuthor::Assistant(record.assistant()))
}

impl AgentRecord {
    fn assistant(&self) -> Assistant {
        let agent_id = self.agent_id.as_ref();
        let agent = agent_id
            .and_then(|id| id.tool.as_deref())
            .map(normalize_agent)
            .unwrap_or_else(|| "unknown".to_string());
        let model = agent_id
            .and_then(|id| id.model.clone())
            .filter(|m| !m.is_empty());
        Assistant::new(agent, model)
    }
}

/// `1-4,9-10,12` → `[(1,4),(9,10),(12,12)]`; bad pieces are skipped.
fn parse_ranges(text: &str) -> Vec<(u32, u32)> {
    text.split(',')
        .filter_map(|piece| {
            let piece = piece.trim();
            match piece.split_once('-') {
                Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                None => piece.parse().ok().map(|n| (n, n)),
            }
        })
        .filter(|(a, b)| a <= b && *a >= 1)
        .collect()
}

/// Paths with spaces, tabs or newlines are written in double quotes with C escapes.
fn unquote_path(line: &str) -> String {
    let Some(inner) = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) else {
        return line.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    const NOTE: &str = r#"src/main.rs
  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-10,15-20
  h_31dce776f88375 42-50
"docs/read me.md"
  0123456789abcdef 3
---
{"schema_version":"authorship/3.0.0","base_commit_sha":"7734","prompts":{"0123456789abcdef":{"agent_id":{"tool":"cursor","id":"x","model":"gpt-5"},"human_author":null,"total_additions":1,"total_deletions":0,"accepted_lines":1,"overriden_lines":0,"custom_attributes":{}}},"humans":{"h_31dce776f88375":{"name":"Jane"}},"sessions":{"s_c9883b05a2487d":{"agent_id":{"tool":"claude","id":"y","model":"claude-opus-4-5"}}}}
"#;

    fn none(_: &str) -> Option<Assistant> {
        None
    }

    /// `path`'s lines `1..=n` as git-ai reads them: `C`(laude), `c`(ursor), `H`(uman), `.` untracked.
    fn lines(
        note: &GitAiNote,
        path: &str,
        n: u32,
        foreign: impl Fn(&str) -> Option<Assistant>,
    ) -> String {
        (1..=n)
            .map(|line| match note.line_author(path, line, &foreign) {
                Some(LineAuthor::Human) => 'H',
                Some(LineAuthor::Assistant(a)) if a.agent == "claude-code" => 'C',
                Some(LineAuthor::Assistant(a)) if a.agent == "cursor" => 'c',
                Some(LineAuthor::Assistant(_)) => '?',
                None => '.',
            })
            .collect()
    }

    #[test]
    fn parses_attestation_and_metadata() {
        let note = parse_note(NOTE).expect("a git-ai note");
        assert_eq!(note.files.len(), 2);
        assert_eq!(note.files[1].path, "docs/read me.md");
        assert_eq!(
            note.line_author("docs/read me.md", 3, none),
            Some(LineAuthor::Assistant(Assistant::new(
                "cursor",
                Some("gpt-5".into())
            )))
        );
        assert_eq!(
            note.line_author("src/main.rs", 1, none),
            Some(LineAuthor::Assistant(Assistant::new(
                "claude-code",
                Some("claude-opus-4-5".into())
            )))
        );
        expect!["CCCCCCCCCC....CCCCCC.....................HHHHHHHHH."].assert_eq(&lines(
            &note,
            "src/main.rs",
            51,
            none,
        ));
        assert_eq!(
            note.any_assistant().map(|a| a.agent.as_str()),
            Some("claude-code")
        );
    }

    /// git-ai's `get_line_attribution`: entries newest first, keys without a
    /// record skipped (untracked, not AI), `h_` only with a `humans` record.
    #[test]
    fn reads_as_git_ai_reads() {
        let note = parse_note(
            r#"src/a.rs
  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-6
  h_31dce776f88375 3-4
  s_00000000000000::t_00000000000000 7-8
  h_00000000000000 9
  0123456789abcdef 10
  fedcba9876543210 11
---
{"schema_version":"authorship/3.0.0","base_commit_sha":"7734","prompts":{"0123456789abcdef":{"agent_id":{"tool":"cursor","id":"x","model":"gpt-5"},"human_author":null,"total_additions":1,"total_deletions":0,"accepted_lines":1,"overriden_lines":0,"custom_attributes":{}}},"humans":{"h_31dce776f88375":{"author":"Jane"}},"sessions":{"s_c9883b05a2487d":{"agent_id":{"tool":"claude","id":"y","model":"claude-opus-4-5"}}}}
"#,
        )
        .unwrap();
        // 3–4: the later human entry wins; 7–9: keys with no record; 11: a prompt nobody has.
        expect!["CCHHCC...c."].assert_eq(&lines(&note, "src/a.rs", 11, none));
        // A prompt record kept in another commit's note is found.
        let elsewhere =
            |key: &str| (key == "fedcba9876543210").then(|| Assistant::new("claude-code", None));
        expect!["CCHHCC...cC"].assert_eq(&lines(&note, "src/a.rs", 11, elsewhere));
        assert_eq!(note.missing_prompts("src/a.rs"), ["fedcba9876543210"]);
    }

    #[test]
    fn rejects_other_notes() {
        assert_eq!(parse_note("just a review note"), None);
        assert_eq!(
            parse_note(
                "a\n---\n{\"schema_version\":\"other/1\",\"base_commit_sha\":\"1\",\"prompts\":{}}"
            ),
            None
        );
        // git-ai requires `base_commit_sha` and `prompts`.
        assert_eq!(
            parse_note("---\n{\"schema_version\":\"authorship/3.0.0\",\"prompts\":{}}"),
            None
        );
        assert_eq!(
            parse_note("---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"1\"}"),
            None
        );
        assert!(parse_note(
            "---\n{\"schema_version\":\"authorship/3.0.0\",\"base_commit_sha\":\"1\",\"prompts\":{}}"
        )
        .is_some());
    }
}
