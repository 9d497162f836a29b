//! Provenance travels with commits: when HEAD moves to a new commit, the
//! committed lines that came from assistant regions (`completion`, `agent`)
//! are written as Agent Trace 0.1.0 records on `refs/notes/provenance`.
//! A line counts when the commit adds it (a line diff against the first
//! parent) and an assistant region of the document holds the same text,
//! still as the assistant wrote it ([`line_as_written`]). The lines typed in
//! the editor ([`line_as_typed`]) that the commit adds, and no assistant's
//! line claims, go into one more record whose contributor is `human`.
//! No LSP, no tokio; git is reached through `history` and `attribution`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use crate::attribution::{added_lines, AgentTraceRecord};
use crate::history::History;
use crate::provenance::{DocumentState, Region, Source, Usage};

/// Who wrote a line: agent, model, and the agent's session when its mark had usage.
type Writer = (String, Option<String>, Option<String>);

/// One record per assistant and session: Agent Trace names the writer in
/// `tool`. A record whose lines came from marks with usage carries those
/// marks' usage, each mark once however many lines it wrote, and in the
/// share of the mark's lines this commit holds: a mark whose lines are
/// committed in two commits is counted half in each, not twice.
pub fn commit_traces(
    history: &History,
    commit: &str,
    documents: &[(&Path, &DocumentState)],
    now: std::time::SystemTime,
) -> Vec<AgentTraceRecord> {
    // writer → path → 1-based committed lines
    let mut found: BTreeMap<Writer, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    // writer → mark id → that mark's usage and its lines this commit holds
    let mut spent: BTreeMap<Writer, BTreeMap<String, (Usage, u64)>> = BTreeMap::new();
    // path → 1-based committed lines typed in the editor
    let mut typed_found: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let written: Vec<_> = documents
        .iter()
        .map(|(path, state)| (*path, assistant_lines(state), typed_lines(state)))
        .collect();
    // mark id → the lines its regions hold as written, in every open document
    let mut held: BTreeMap<String, u64> = BTreeMap::new();
    for (_, lines, _) in &written {
        for (_, _, usage) in lines {
            if let Some(usage) = usage {
                *held
                    .entry(usage.mark.clone().unwrap_or_default())
                    .or_default() += 1;
            }
        }
    }
    for (path, written, typed) in written {
        if written.is_empty() && typed.is_empty() {
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
            if let Some((who, usage)) = written
                .iter()
                .find(|(text, _, _)| text == line)
                .map(|(_, who, usage)| (who.clone(), usage.clone()))
            {
                if let Some(usage) = usage {
                    let mark = usage.mark.clone().unwrap_or_default();
                    spent
                        .entry(who.clone())
                        .or_default()
                        .entry(mark)
                        .or_insert((usage, 0))
                        .1 += 1;
                }
                found
                    .entry(who)
                    .or_default()
                    .entry(relative.clone())
                    .or_default()
                    .push(index as u32 + 1);
            } else if !line.trim().is_empty() && typed.contains(line) {
                typed_found
                    .entry(relative.clone())
                    .or_default()
                    .push(index as u32 + 1);
            }
        }
    }
    let human =
        (!typed_found.is_empty()).then(|| AgentTraceRecord::typed_lines(commit, &typed_found, now));
    found
        .into_iter()
        .map(|(who, files)| {
            let mut record =
                AgentTraceRecord::assistant_lines(commit, &who.0, who.1.clone(), &files, now);
            if let Some(marks) = spent.get(&who) {
                let mut total = Usage {
                    session: who.2.clone(),
                    ..Usage::default()
                };
                for (mark, (usage, lines)) in marks {
                    let of = held.get(mark).copied().unwrap_or(*lines).max(*lines);
                    total.add(&usage.share(*lines, of));
                }
                record.set_usage(&total);
            }
            record
        })
        .chain(human)
        .collect()
}

/// The non-blank lines of assistant regions still as the assistant wrote
/// them (see [`line_as_written`]), with who wrote them and what the region's
/// mark said they cost.
fn assistant_lines(state: &DocumentState) -> Vec<(String, Writer, Option<Usage>)> {
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
            region.usage.as_ref().and_then(|u| u.session.clone()),
        );
        let first = state.text.char_to_line(region.start);
        let last = state.text.char_to_line(region.end - 1);
        for line in first..=last {
            let start = state.text.line_to_char(line);
            let text = state.text.line(line).to_string();
            let text = text.trim_end_matches(['\r', '\n']);
            let content = start..start + text.chars().count();
            if !text.trim().is_empty() && line_as_written(region, content) {
                lines.push((text.to_string(), who.clone(), region.usage.clone()));
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

/// The non-blank lines typed in the editor, whole ([`line_as_typed`]).
fn typed_lines(state: &DocumentState) -> std::collections::HashSet<String> {
    let mut spans: Vec<Range<usize>> = state
        .typed
        .iter()
        .flat_map(|r| r.spans().iter().cloned())
        .collect();
    spans.sort_by_key(|s| s.start);
    let mut lines = std::collections::HashSet::new();
    let mut last_line = None;
    for span in &spans {
        let first = state.text.char_to_line(span.start);
        let last = state
            .text
            .char_to_line(span.end.saturating_sub(1).max(span.start));
        for line in first..=last {
            if last_line.is_some_and(|done| line <= done) {
                continue;
            }
            last_line = Some(line);
            let start = state.text.line_to_char(line);
            let text = state.text.line(line).to_string();
            let text = text.trim_end_matches(['\r', '\n']);
            let content = start..start + text.chars().count();
            if !text.trim().is_empty() && line_as_typed(&spans, text, content) {
                lines.insert(text.to_string());
            }
        }
    }
    lines
}

/// Whether every non-blank char of the line `text` (its chars without the
/// line ending, at `content`, absolute offsets) was typed in the editor:
/// lies in one of `typed` (the document's typed spans, sorted by start). A
/// line holding a char someone else put there — text that was there
/// before, a paste, a completion — is not the typist's. The one place that
/// decides a typed line.
pub(crate) fn line_as_typed(typed: &[Range<usize>], text: &str, content: Range<usize>) -> bool {
    let mut i = typed.partition_point(|s| s.end <= content.start);
    for (offset, c) in (content.start..content.end).zip(text.chars()) {
        if c.is_whitespace() {
            continue;
        }
        while i < typed.len() && typed[i].end <= offset {
            i += 1;
        }
        if typed.get(i).is_none_or(|s| s.start > offset) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{assistant_lines, typed_lines};
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
        assistant_lines(state)
            .into_iter()
            .map(|(l, _, _)| l)
            .collect()
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

    /// A line counts as typed when every non-blank char of it was typed:
    /// not a line typed into (text there before), not one holding a paste.
    #[test]
    fn a_line_is_typed_only_when_all_its_chars_were() {
        let mut ws = crate::provenance::Workspace::new(Default::default());
        ws.open("d", 0, "old();\n", 0);
        let mut version = 0;
        let mut type_at = |ws: &mut crate::provenance::Workspace, at: usize, text: &str| {
            for (i, c) in text.chars().enumerate() {
                version += 1;
                let change = crate::provenance::Change::insert(at + i, &c.to_string());
                ws.change("d", version, &[change], 0);
            }
        };
        // "let a = 1;" typed on a new line 2, "x" typed into line 1
        type_at(&mut ws, 7, "let a = 1;\n  b();\n");
        type_at(&mut ws, 0, "x");
        // a paste at the end of line 2 ("let a = 1;" + pasted)
        version += 1;
        let hint = crate::provenance::Hint::new(crate::provenance::HintSource::Pasted);
        ws.hint("d", version, hint, 0);
        ws.change(
            "d",
            version,
            &[crate::provenance::Change::insert(18, " // p")],
            0,
        );
        let state = ws.document("d").unwrap();
        assert_eq!(state.text.to_string(), "xold();\nlet a = 1; // p\n  b();\n");
        let mut lines: Vec<String> = typed_lines(state).into_iter().collect();
        lines.sort();
        assert_eq!(lines, ["  b();"]);
    }
}
