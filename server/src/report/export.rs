//! `report --export DIR`: the facts behind the figures, to combine across
//! repositories — one row per walked commit (`commits`) and one per cohort
//! of added lines (`lines`: the lines of one commit, origin, agent/model and
//! file that ended in the same later commit, or are alive at the end), as
//! Parquet and as JSON Lines, schema in docs/report.md. Written from what
//! the walk already holds (`outcomes::Collector`, the lines alive at its
//! end): no second walk.
//!
//! Must never write outside DIR, and never leave a half-written file under
//! a final name (each file is written beside it, then renamed).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use serde::Serialize;

use super::figures::Class;
use super::lives::Lives;
use super::outcomes::{cohorts, landed, Collector};
use super::walk::{CommitId, Git};

/// One row of `lines`: a cohort of lines written in the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineRow {
    pub repository: String,
    pub path: String,
    /// The commit that wrote them.
    pub commit: String,
    /// `ai`, `human` or `noEvidence`.
    pub origin: &'static str,
    pub agent: Option<String>,
    pub model: Option<String>,
    /// Unix seconds in JSON Lines; timestamps (UTC, microseconds) in Parquet.
    pub added_at: i64,
    /// When they reached the default branch; null when they ended before.
    pub landed_at: Option<i64>,
    pub died_at: Option<i64>,
    /// The commit that deleted or replaced them.
    pub died_in: Option<String>,
    /// `died_in` when it is a fix commit.
    pub fix_commit: Option<String>,
    pub lines: i64,
    /// Tokens spent on them (their share of their commit's recorded usage).
    pub tokens: Option<f64>,
}

/// One row of `commits`: a commit of the range (merges included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitRow {
    pub repository: String,
    pub commit: String,
    pub committed_at: i64,
    pub landed_at: i64,
    pub merge: bool,
    pub fix: bool,
    /// Lines it wrote that the report follows (code files, not bots').
    pub lines_added: i64,
    pub ai_lines_added: i64,
    pub tokens: Option<i64>,
    pub cost_usd: Option<f64>,
}

fn origin_name(class: Class) -> Option<&'static str> {
    match class {
        Class::Ai => Some("ai"),
        Class::Human => Some("human"),
        Class::NoEvidence => Some("noEvidence"),
        _ => None,
    }
}

/// The rows of both tables.
pub fn rows(
    repository: &str,
    collector: &Collector,
    lives: &Lives,
    head: CommitId,
    spent: Option<super::cost::SpentOf<'_>>,
) -> (Vec<CommitRow>, Vec<LineRow>) {
    let commits = &collector.commits;
    let cohorts = cohorts(collector, lives);
    let landed = landed(collector, &Git::hex(head));
    let mut added: HashMap<u32, (i64, i64)> = HashMap::new();
    for c in &cohorts {
        if origin_name(c.class).is_some() {
            let entry = added.entry(c.origin).or_default();
            entry.0 += c.lines as i64;
            if c.class == Class::Ai {
                entry.1 += c.lines as i64;
            }
        }
    }
    // Each commit's recorded usage: (tokens, cost when known).
    let mut usage: HashMap<u32, (u64, Option<f64>)> = HashMap::new();
    if let Some(spent) = spent {
        for (&origin, &(_, ai)) in &added {
            if ai == 0 {
                continue;
            }
            let records = spent(&commits[origin as usize].id);
            if records.is_empty() {
                continue;
            }
            let tokens = records.iter().map(|r| r.usage.tokens).sum();
            let cost = records
                .iter()
                .map(|r| r.usage.cost_usd)
                .sum::<Option<f64>>();
            usage.insert(origin, (tokens, cost));
        }
    }
    let commit_rows = commits
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (lines, ai) = added.get(&(i as u32)).copied().unwrap_or_default();
            let spent = usage.get(&(i as u32));
            CommitRow {
                repository: repository.to_string(),
                commit: c.id.clone(),
                committed_at: c.time,
                landed_at: landed[i].1,
                merge: c.parents.len() > 1,
                fix: c.fix,
                lines_added: lines,
                ai_lines_added: ai,
                tokens: spent.map(|s| s.0 as i64),
                cost_usd: spent.and_then(|s| s.1),
            }
        })
        .collect();
    let mut line_rows: Vec<LineRow> = cohorts
        .iter()
        .filter_map(|c| {
            let origin = origin_name(c.class)?;
            let commit = commits.get(c.origin as usize)?;
            let (agent, model) = match (c.class, lives.group_names.get(c.group as usize)) {
                (Class::Ai, Some(key)) => match key.split_once('/') {
                    Some((a, m)) => (Some(a.to_string()), Some(m.to_string())),
                    None => (Some(key.clone()), None),
                },
                _ => (None, None),
            };
            let (via, landed_at) = landed[c.origin as usize];
            let before_landing = c.ended_by.is_some_and(|e| landed[e as usize].0 == via);
            let died = c.ended_by.map(|e| &commits[e as usize]);
            let tokens = usage
                .get(&c.origin)
                .filter(|_| c.class == Class::Ai)
                .map(|u| {
                    let ai = added[&c.origin].1.max(1) as f64;
                    u.0 as f64 * c.lines as f64 / ai
                });
            Some(LineRow {
                repository: repository.to_string(),
                path: c.path.clone(),
                commit: commit.id.clone(),
                origin,
                agent,
                model,
                added_at: commit.time,
                landed_at: (!before_landing).then_some(landed_at),
                died_at: died.map(|d| d.time),
                died_in: died.map(|d| d.id.clone()),
                fix_commit: died.filter(|d| d.fix).map(|d| d.id.clone()),
                lines: c.lines as i64,
                tokens,
            })
        })
        .collect();
    line_rows.sort_by(|a, b| {
        (a.added_at, &a.commit, &a.path, a.origin, &a.died_in)
            .cmp(&(b.added_at, &b.commit, &b.path, b.origin, &b.died_in))
    });
    (commit_rows, line_rows)
}

/// Writes `commits` and `lines` into `dir` as `.parquet` and `.jsonl`.
pub fn write(dir: &Path, commits: &[CommitRow], lines: &[LineRow]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_jsonl(&dir.join("commits.jsonl"), commits)?;
    write_jsonl(&dir.join("lines.jsonl"), lines)?;
    let micros = |t: i64| t * 1_000_000;
    let commit_columns = vec![
        Column::text(
            "repository",
            commits.iter().map(|c| Some(c.repository.clone())),
        ),
        Column::text("commit", commits.iter().map(|c| Some(c.commit.clone()))),
        Column::time(
            "committed_at",
            commits.iter().map(|c| Some(micros(c.committed_at))),
        ),
        Column::time(
            "landed_at",
            commits.iter().map(|c| Some(micros(c.landed_at))),
        ),
        Column::flag("merge", commits.iter().map(|c| c.merge)),
        Column::flag("fix", commits.iter().map(|c| c.fix)),
        Column::int("lines_added", commits.iter().map(|c| Some(c.lines_added))),
        Column::int(
            "ai_lines_added",
            commits.iter().map(|c| Some(c.ai_lines_added)),
        ),
        Column::int("tokens", commits.iter().map(|c| c.tokens)),
        Column::real("cost_usd", commits.iter().map(|c| c.cost_usd)),
    ];
    write_parquet(&dir.join("commits.parquet"), "commits", commit_columns)?;
    let line_columns = vec![
        Column::text(
            "repository",
            lines.iter().map(|l| Some(l.repository.clone())),
        ),
        Column::text("path", lines.iter().map(|l| Some(l.path.clone()))),
        Column::text("commit", lines.iter().map(|l| Some(l.commit.clone()))),
        Column::text("origin", lines.iter().map(|l| Some(l.origin.to_string()))),
        Column::text("agent", lines.iter().map(|l| l.agent.clone())),
        Column::text("model", lines.iter().map(|l| l.model.clone())),
        Column::time("added_at", lines.iter().map(|l| Some(micros(l.added_at)))),
        Column::time("landed_at", lines.iter().map(|l| l.landed_at.map(micros))),
        Column::time("died_at", lines.iter().map(|l| l.died_at.map(micros))),
        Column::text("died_in", lines.iter().map(|l| l.died_in.clone())),
        Column::text("fix_commit", lines.iter().map(|l| l.fix_commit.clone())),
        Column::int("lines", lines.iter().map(|l| Some(l.lines))),
        Column::real("tokens", lines.iter().map(|l| l.tokens)),
    ];
    write_parquet(&dir.join("lines.parquet"), "lines", line_columns)
}

fn write_jsonl<T: Serialize>(file: &Path, rows: &[T]) -> std::io::Result<()> {
    let tmp = file.with_extension("jsonl.tmp");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    for row in rows {
        serde_json::to_writer(&mut out, row).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(tmp, file)
}

/// One column's values (None: null) and its Parquet type.
enum Values {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Time(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Flag(Vec<bool>),
}

struct Column {
    name: &'static str,
    values: Values,
}

impl Column {
    fn text(name: &'static str, v: impl Iterator<Item = Option<String>>) -> Column {
        Column {
            name,
            values: Values::Text(v.collect()),
        }
    }
    fn int(name: &'static str, v: impl Iterator<Item = Option<i64>>) -> Column {
        Column {
            name,
            values: Values::Int(v.collect()),
        }
    }
    fn time(name: &'static str, v: impl Iterator<Item = Option<i64>>) -> Column {
        Column {
            name,
            values: Values::Time(v.collect()),
        }
    }
    fn real(name: &'static str, v: impl Iterator<Item = Option<f64>>) -> Column {
        Column {
            name,
            values: Values::Real(v.collect()),
        }
    }
    fn flag(name: &'static str, v: impl Iterator<Item = bool>) -> Column {
        Column {
            name,
            values: Values::Flag(v.collect()),
        }
    }

    /// Its line in the Parquet message type: every column may be null but flags.
    fn schema(&self) -> String {
        let name = self.name;
        match self.values {
            Values::Text(_) => format!("OPTIONAL BYTE_ARRAY {name} (UTF8);"),
            Values::Int(_) => format!("OPTIONAL INT64 {name};"),
            Values::Time(_) => format!("OPTIONAL INT64 {name} (TIMESTAMP(MICROS,true));"),
            Values::Real(_) => format!("OPTIONAL DOUBLE {name};"),
            Values::Flag(_) => format!("REQUIRED BOOLEAN {name};"),
        }
    }
}

/// The values present and the definition levels (1: present, 0: null).
fn split<T: Clone>(values: &[Option<T>]) -> (Vec<T>, Vec<i16>) {
    let levels = values.iter().map(|v| i16::from(v.is_some())).collect();
    (values.iter().flatten().cloned().collect(), levels)
}

fn write_parquet(file: &Path, table: &str, columns: Vec<Column>) -> std::io::Result<()> {
    let err = std::io::Error::other;
    let message = format!(
        "message {table} {{ {} }}",
        columns
            .iter()
            .map(Column::schema)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let schema = Arc::new(parse_message_type(&message).map_err(err)?);
    let props = Arc::new(WriterProperties::builder().build());
    let tmp = file.with_extension("parquet.tmp");
    let out = std::fs::File::create(&tmp)?;
    let mut writer = SerializedFileWriter::new(out, schema, props).map_err(err)?;
    let mut group = writer.next_row_group().map_err(err)?;
    for column in &columns {
        let Some(mut w) = group.next_column().map_err(err)? else {
            break;
        };
        match &column.values {
            Values::Text(v) => {
                let (present, levels) = split(v);
                let bytes: Vec<ByteArray> = present
                    .into_iter()
                    .map(|s| ByteArray::from(s.into_bytes()))
                    .collect();
                w.typed::<ByteArrayType>()
                    .write_batch(&bytes, Some(&levels), None)
                    .map_err(err)?;
            }
            Values::Int(v) | Values::Time(v) => {
                let (present, levels) = split(v);
                w.typed::<Int64Type>()
                    .write_batch(&present, Some(&levels), None)
                    .map_err(err)?;
            }
            Values::Real(v) => {
                let (present, levels) = split(v);
                w.typed::<DoubleType>()
                    .write_batch(&present, Some(&levels), None)
                    .map_err(err)?;
            }
            Values::Flag(v) => {
                w.typed::<BoolType>()
                    .write_batch(v, None, None)
                    .map_err(err)?;
            }
        }
        w.close().map_err(err)?;
    }
    group.close().map_err(err)?;
    writer.close().map_err(err)?;
    std::fs::rename(tmp, file)
}
