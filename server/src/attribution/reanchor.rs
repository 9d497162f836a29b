//! Re-anchoring: commits made by rewrites nobody saw (an amend, a rebase, a
//! squash while no server ran) carry assistant lines only by content; their
//! notes stay on the old commits, which `git notes prune` or `gc` may drop.
//! This gives each such commit reachable from HEAD a provenance note of its
//! own, derived by content matching and saying what it was derived from, so
//! that attribution never depends on unreachable commits.
//!
//! Bounded: it walks only the commits reachable from HEAD and not from the
//! tip checked last, at most `limit` of them. Reads and writes notes through
//! gix: no hooks, no network, no `git`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use super::agent_trace::{AgentTraceRecord, RecordUsage, METADATA_KEY};
use super::notes::{self, write_provenance_note};
use super::{AttributionError, AttributionIndex, DerivedLine};
use crate::provenance::Usage;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reanchored {
    /// The tip checked: pass it as `checked` next time.
    pub tip: String,
    /// Commits looked at.
    pub walked: usize,
    /// Commits that got a derived note, with the records written.
    pub noted: Vec<(String, usize)>,
    /// The walk stopped at `limit` before reaching commits checked before.
    pub truncated: bool,
}

/// Gives every commit reachable from `head` (and not from `checked`, the tip
/// a previous pass returned) that adds assistant lines (or lines typed in the
/// editor) found by content in other commits' records, and has no
/// provenance note, a derived note.
pub fn reanchor(
    repo_path: &Path,
    head: &str,
    checked: Option<&str>,
    limit: usize,
    now: SystemTime,
) -> Result<Reanchored, AttributionError> {
    let repo = notes::open(repo_path)?;
    let tip = notes::resolve_commit(&repo, head)?;
    let mut done = Reanchored {
        tip: tip.to_string(),
        ..Reanchored::default()
    };
    if checked == Some(done.tip.as_str()) {
        return Ok(done);
    }
    let index = AttributionIndex::load_at(repo_path);
    if !index.has_provenance_notes() {
        return Ok(done);
    }
    // A checked tip that no longer exists (gc'd after a rewrite) hides nothing.
    let hidden: Vec<gix::ObjectId> = checked
        .and_then(|c| notes::resolve_commit(&repo, c).ok())
        .into_iter()
        .collect();
    let walk = repo
        .rev_walk([tip])
        .with_hidden(hidden)
        .all()
        .map_err(|e| AttributionError::Git(format!("cannot walk from {head}: {e}")))?;
    let mut commits = Vec::new();
    for info in walk {
        let info = info.map_err(|e| AttributionError::Git(format!("walk: {e}")))?;
        if commits.len() == limit {
            done.truncated = true;
            break;
        }
        commits.push(info.id.to_string());
    }
    done.walked = commits.len();
    for commit in commits.iter().rev() {
        let derived = index.derived_lines(commit);
        if derived.is_empty() {
            continue;
        }
        let records = derived_records(commit, &derived, now, &|from| index.commit_usage(from));
        for record in &records {
            write_provenance_note(repo_path, commit, record)?;
        }
        done.noted.push((commit.clone(), records.len()));
    }
    Ok(done)
}

/// One record per assistant, and one for typed lines, like a note written
/// live, plus `metadata."dev.provenance-ls".derived_from`: the records the
/// lines were found in. The usage those records carry comes along in the
/// share of their lines found here (`usage_of(commit)`: a commit's records'
/// usage).
fn derived_records(
    commit: &str,
    derived: &[DerivedLine],
    now: SystemTime,
    usage_of: &dyn Fn(&str) -> Vec<RecordUsage>,
) -> Vec<AgentTraceRecord> {
    /// `None`: typed in the editor.
    type Who = Option<(String, Option<String>)>;
    /// path → lines, and the records they were found in with how many lines each.
    type Found = (BTreeMap<String, Vec<u32>>, Vec<(serde_json::Value, u64)>);
    let mut by_who: BTreeMap<Who, Found> = BTreeMap::new();
    for line in derived {
        let who = line
            .assistant
            .as_ref()
            .map(|a| (a.agent.clone(), a.model.clone()));
        let (files, sources) = by_who.entry(who).or_default();
        files.entry(line.path.clone()).or_default().push(line.line);
        let source = serde_json::json!({"commit": line.from_commit, "record": line.from_record});
        match sources.iter_mut().find(|(s, _)| *s == source) {
            Some((_, n)) => *n += 1,
            None => sources.push((source, 1)),
        }
    }
    // assistants first, typed lines last, as a note written live has them
    let mut by_who: Vec<_> = by_who.into_iter().collect();
    let typed_first = usize::from(by_who.first().is_some_and(|(who, _)| who.is_none()));
    by_who.rotate_left(typed_first);
    by_who
        .into_iter()
        .map(|(who, (mut files, sources))| {
            for lines in files.values_mut() {
                lines.sort_unstable();
                lines.dedup();
            }
            let mut spent: Option<Usage> = None;
            for (source, found) in &sources {
                let (Some(from), Some(id)) = (source["commit"].as_str(), source["record"].as_str())
                else {
                    continue;
                };
                if let Some(r) = usage_of(from).into_iter().find(|r| r.record == id) {
                    let part = r.usage.share(*found, r.lines.len() as u64);
                    match &mut spent {
                        Some(total) => total.add(&part),
                        None => spent = Some(part),
                    }
                }
            }
            let sources: Vec<serde_json::Value> = sources.into_iter().map(|(s, _)| s).collect();
            let mut record = match who {
                Some((agent, model)) => {
                    AgentTraceRecord::assistant_lines(commit, &agent, model, &files, now)
                }
                None => AgentTraceRecord::typed_lines(commit, &files, now),
            };
            if let Some(usage) = &spent {
                record.set_usage(usage);
            }
            if let Some(ours) = record
                .metadata
                .as_mut()
                .and_then(|m| m.get_mut(METADATA_KEY))
                .and_then(serde_json::Value::as_object_mut)
            {
                ours.insert("derived_from".into(), serde_json::Value::Array(sources));
            }
            record
        })
        .collect()
}
