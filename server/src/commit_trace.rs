//! Provenance travels with commits: when HEAD moves to a new commit, the
//! committed lines that came from assistant regions (`completion`, `agent`)
//! are written as Agent Trace 0.1.0 records on `refs/notes/provenance`.
//! A line counts when the commit adds it (a line diff against the first
//! parent) and an assistant region of the document holds the same text.
//! No LSP, no tokio; git is reached through `history` and `attribution`.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::Path;

use imara_diff::intern::InternedInput;
use imara_diff::sources::lines_with_terminator;
use imara_diff::Algorithm;

use crate::attribution::{
    AgentTraceRecord, Contributor, Conversation, Tool, TraceFile, TraceRange, Vcs,
};
use crate::history::History;
use crate::provenance::{DocumentState, Source};

/// One record per assistant: Agent Trace names the writer in `tool`.
pub fn commit_traces(
    history: &History,
    commit: &str,
    documents: &[(&Path, &DocumentState)],
    now: std::time::SystemTime,
) -> Vec<AgentTraceRecord> {
    // (agent, model) → path → 1-based committed lines
    let mut found: BTreeMap<(String, Option<String>), BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    for (path, state) in documents {
        let written = assistant_lines(state);
        if written.is_empty() {
            continue;
        }
        let Ok(committed) = history.file_text(path, Some(commit)) else {
            continue;
        };
        let parent = history
            .file_text(path, Some(&format!("{commit}~1")))
            .unwrap_or_default();
        let added = added_lines(&parent, &committed);
        let Ok(relative) = history.repo().relative_path(path) else {
            continue;
        };
        for (index, line) in committed.lines().enumerate() {
            if !added.contains(&(index as u32)) {
                continue;
            }
            if let Some(who) = written
                .iter()
                .find(|(text, _)| text == line)
                .map(|(_, who)| who.clone())
            {
                found
                    .entry(who)
                    .or_default()
                    .entry(relative.clone())
                    .or_default()
                    .push(index as u32 + 1);
            }
        }
    }
    found
        .into_iter()
        .map(|((agent, model), files)| record(commit, &agent, model, files, now))
        .collect()
}

/// 0-based lines of `new` that a line diff from `old` adds.
fn added_lines(old: &str, new: &str) -> HashSet<u32> {
    let input = InternedInput::new(lines_with_terminator(old), lines_with_terminator(new));
    let mut added = HashSet::new();
    imara_diff::diff(
        Algorithm::Histogram,
        &input,
        |_: Range<u32>, after: Range<u32>| {
            added.extend(after);
        },
    );
    added
}

/// The non-blank lines holding chars of assistant regions, with who wrote them.
fn assistant_lines(state: &DocumentState) -> Vec<(String, (String, Option<String>))> {
    let mut lines = Vec::new();
    for region in &state.regions {
        if !matches!(region.source, Source::Completion | Source::Agent)
            || region.start >= region.end
        {
            continue;
        }
        let who = (
            region.agent.clone().unwrap_or_else(|| "assistant".into()),
            region.model.clone(),
        );
        // the lines its spans touch: a line typed inside it is not its own
        let mut held: Vec<usize> = region
            .spans()
            .iter()
            .flat_map(|s| state.text.char_to_line(s.start)..=state.text.char_to_line(s.end - 1))
            .collect();
        held.dedup();
        for line in held {
            let text = state.text.line(line).to_string();
            let text = text.trim_end_matches(['\r', '\n']);
            if !text.trim().is_empty() {
                lines.push((text.to_string(), who.clone()));
            }
        }
    }
    lines
}

fn record(
    commit: &str,
    agent: &str,
    model: Option<String>,
    files: BTreeMap<String, Vec<u32>>,
    now: std::time::SystemTime,
) -> AgentTraceRecord {
    let files = files
        .into_iter()
        .map(|(path, lines)| TraceFile {
            path,
            conversations: vec![Conversation {
                url: None,
                contributor: Some(Contributor {
                    kind: "ai".into(),
                    model_id: model.clone(),
                }),
                ranges: runs(&lines)
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
            name: agent.to_string(),
            version: None,
        }),
        files,
        metadata: Some(
            serde_json::json!({"dev.provenance-ls": {"writer": concat!("provenance-ls ", env!("CARGO_PKG_VERSION"))}}),
        ),
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
    use super::runs;

    #[test]
    fn runs_join_consecutive_lines() {
        assert_eq!(runs(&[1, 2, 3, 5, 7, 8]), vec![(1, 3), (5, 5), (7, 8)]);
        assert_eq!(runs(&[]), vec![]);
    }
}
