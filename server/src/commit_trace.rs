//! Provenance travels with commits: when HEAD moves to a new commit, the
//! committed lines that came from assistant regions (`completion`, `agent`)
//! are written as Agent Trace 0.1.0 records on `refs/notes/provenance`.
//! A line counts when the commit adds it (a line diff against the first
//! parent) and an assistant region of the document holds the same text,
//! still as the assistant wrote it ([`line_as_written`]).
//! No LSP, no tokio; git is reached through `history` and `attribution`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use crate::attribution::{added_lines, AgentTraceRecord};
use crate::history::History;
use crate::provenance::{DocumentState, Region, Source};

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
        .map(|((agent, model), files)| {
            AgentTraceRecord::assistant_lines(commit, &agent, model, &files, now)
        })
        .collect()
}

/// The non-blank lines of assistant regions still as the assistant wrote
/// them (see [`line_as_written`]), with who wrote them.
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
        let first = state.text.char_to_line(region.start);
        let last = state.text.char_to_line(region.end - 1);
        for line in first..=last {
            let start = state.text.line_to_char(line);
            let text = state.text.line(line).to_string();
            let text = text.trim_end_matches(['\r', '\n']);
            let content = start..start + text.chars().count();
            if !text.trim().is_empty() && line_as_written(region, content) {
                lines.push((text.to_string(), who.clone()));
            }
        }
    }
    lines
}

/// Whether the part of the line `content` (its chars without the line
/// ending, absolute offsets) that `region` covers is still exactly as the
/// assistant inserted it: every char of it lies in one of the region's
/// spans, so nothing typed or put inside the region later touches it.
///
/// The one place that decides a line. A deletion alone (chars removed,
/// nothing put in their place) leaves the spans whole, so that line still
/// counts.
pub(crate) fn line_as_written(region: &Region, content: Range<usize>) -> bool {
    let from = content.start.max(region.start);
    let to = content.end.min(region.end);
    if from >= to {
        return false;
    }
    let mut covered_to = from;
    for span in region.spans() {
        if span.end <= covered_to {
            continue;
        }
        if span.start > covered_to {
            return false;
        }
        covered_to = span.end;
        if covered_to >= to {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::assistant_lines;
    use crate::provenance::{Attribution, DocumentState, Region, Source};

    /// `text` with one completion region over all of it, `rewritten` relative to its start.
    fn completion(text: &str, rewritten: Option<std::ops::Range<usize>>) -> DocumentState {
        let mut state = DocumentState::new(text, 1);
        let who = Attribution {
            source: Source::Completion,
            agent: Some("copilot".into()),
            model: None,
            usage: None,
        };
        let region = Region::new(1, 0..text.chars().count(), &who, 0);
        // The stored form of an older journal: `rewritten` holes become gaps
        // between spans, as text typed inside the region does live.
        let mut stored = serde_json::to_value(&region).unwrap();
        stored["modified"] = serde_json::json!(rewritten.is_some());
        if let Some(hole) = rewritten {
            stored.as_object_mut().unwrap().remove("spans");
            stored["rewritten"] = serde_json::json!([hole]);
        }
        state.regions.push(serde_json::from_value(stored).unwrap());
        state
    }

    fn written(state: &DocumentState) -> Vec<String> {
        assistant_lines(state).into_iter().map(|(l, _)| l).collect()
    }

    #[test]
    fn a_line_typed_into_is_no_longer_the_assistants() {
        let text = "fn a() {\n    41 + 2\n}\n";
        assert_eq!(
            written(&completion(text, None)),
            ["fn a() {", "    41 + 2", "}"]
        );
        // "41" replaced "40": the span lies in line 2 only.
        assert_eq!(written(&completion(text, Some(13..14))), ["fn a() {", "}"]);
        // A line break typed at the end of line 1 touches no line's text.
        assert_eq!(
            written(&completion(text, Some(8..9))),
            ["fn a() {", "    41 + 2", "}"]
        );
    }

    #[test]
    fn a_line_the_region_only_ends_on_is_not_the_assistants() {
        let mut state = completion("let x = 1;\nfoo();\n", None);
        // The region starts at the line break after `let x = 1;`.
        state.regions[0].start = 10;
        assert_eq!(written(&state), ["foo();"]);
    }
}
