//! git-ai authorship notes (`authorship/3.0.0`, stored on `refs/notes/ai`):
//! an attestation section (a path at column 0, then `  <key> <ranges>`
//! lines), a `---` line, then a JSON object that says who each key is.
//! Owns parsing only; finding the note for a commit is `notes.rs`'s job.

use std::collections::HashMap;

use serde::Deserialize;

use super::agent_trace::{normalize_agent, LineAuthor};
use super::Assistant;

/// A parsed note: for each file, the lines each author wrote (1-based).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GitAiNote {
    pub files: Vec<GitAiFile>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GitAiFile {
    pub path: String,
    /// `(first, last, author)`, 1-based inclusive.
    pub ranges: Vec<(u32, u32, LineAuthor)>,
}

impl GitAiNote {
    /// Who wrote `line` (1-based) of `path`; `None` when the note does not list it (untracked, not human).
    pub fn line_author(&self, path: &str, line: u32) -> Option<&LineAuthor> {
        self.files
            .iter()
            .filter(|file| file.path == path)
            .flat_map(|file| &file.ranges)
            .find(|(first, last, _)| (*first..=*last).contains(&line))
            .map(|(_, _, author)| author)
    }

    /// The first assistant the note names, for a commit-level answer.
    pub fn any_assistant(&self) -> Option<&Assistant> {
        self.files
            .iter()
            .flat_map(|f| &f.ranges)
            .find_map(|(_, _, author)| match author {
                LineAuthor::Assistant(assistant) => Some(assistant),
                LineAuthor::Human => None,
            })
    }
}

#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    schema_version: Option<String>,
    #[serde(default)]
    prompts: HashMap<String, AgentRecord>,
    #[serde(default)]
    sessions: HashMap<String, AgentRecord>,
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

/// Parses a note; `None` when it is not an `authorship/3.x` note. Unknown
/// keys and malformed lines are skipped: a partial answer beats none.
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
    let mut note = GitAiNote::default();
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
            let Some(author) = resolve_key(key, &metadata) else {
                continue;
            };
            for (first, last) in parse_ranges(ranges) {
                file.ranges.push((first, last, author.clone()));
            }
        } else {
            note.files.push(GitAiFile {
                path: unquote_path(line),
                ranges: Vec::new(),
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

/// `s_…::t_…` → the session; `h_…` → a human; bare hex → a prompt (pre-1.4 notes).
fn resolve_key(key: &str, metadata: &Metadata) -> Option<LineAuthor> {
    if key.starts_with("h_") {
        return Some(LineAuthor::Human);
    }
    let record = if key.starts_with("s_") {
        let session = key.split("::").next().unwrap_or(key);
        metadata.sessions.get(session)
    } else {
        metadata.prompts.get(key)
    };
    // A key the note lists but does not describe is still an AI line: git-ai
    // only attests humans with `h_` keys.
    let agent_id = record.and_then(|r| r.agent_id.as_ref());
    let agent = agent_id
        .and_then(|id| id.tool.as_deref())
        .map(normalize_agent)
        .unwrap_or_else(|| "unknown".to_string());
    let model = agent_id
        .and_then(|id| id.model.clone())
        .filter(|m| !m.is_empty());
    Some(LineAuthor::Assistant(Assistant::new(agent, model)))
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

    #[test]
    fn parses_attestation_and_metadata() {
        let note = parse_note(NOTE).expect("a git-ai note");
        expect![[r#"
            [
                GitAiFile {
                    path: "src/main.rs",
                    ranges: [
                        (
                            1,
                            10,
                            Assistant(
                                Assistant {
                                    agent: "claude-code",
                                    model: Some(
                                        "claude-opus-4-5",
                                    ),
                                },
                            ),
                        ),
                        (
                            15,
                            20,
                            Assistant(
                                Assistant {
                                    agent: "claude-code",
                                    model: Some(
                                        "claude-opus-4-5",
                                    ),
                                },
                            ),
                        ),
                        (
                            42,
                            50,
                            Human,
                        ),
                    ],
                },
                GitAiFile {
                    path: "docs/read me.md",
                    ranges: [
                        (
                            3,
                            3,
                            Assistant(
                                Assistant {
                                    agent: "cursor",
                                    model: Some(
                                        "gpt-5",
                                    ),
                                },
                            ),
                        ),
                    ],
                },
            ]
        "#]]
        .assert_debug_eq(&note.files);
        assert_eq!(note.line_author("src/main.rs", 11), None);
        assert_eq!(
            note.line_author("src/main.rs", 42),
            Some(&LineAuthor::Human)
        );
    }

    #[test]
    fn rejects_other_notes() {
        assert_eq!(parse_note("just a review note"), None);
        assert_eq!(
            parse_note("a\n---\n{\"schema_version\":\"other/1\",\"prompts\":{}}"),
            None
        );
        assert!(
            parse_note("---\n{\"schema_version\":\"authorship/3.0.0\",\"prompts\":{}}").is_some()
        );
    }
}
