//! Markdown and one-line summaries of history insight, for hover, code
//! lenses and inlay hints. Short and readable: a reader glances at them.

use crate::blocks::BlockReport;

use super::insight::{FileInsight, ShownCommit};

/// What a code lens or inlay hint says of a block none of whose lines is
/// committed: it has no history, AI share or risk yet (hover says the same).
pub const NOT_COMMITTED: &str = "not committed yet";

/// The tooltip of [`NOT_COMMITTED`].
pub const NOT_COMMITTED_LEGEND: &str =
    "history, AI share and risk come with the block's first commit";

/// The one line a code lens or inlay hint shows for `report`: its summary,
/// or [`NOT_COMMITTED`] when none of its lines is committed (read from git:
/// no commit touched it; or written since history was read), never the
/// empty statistics of code without history.
pub fn block_line(insight: &FileInsight, report: &BlockReport) -> String {
    if is_uncommitted(insight, report) {
        NOT_COMMITTED.into()
    } else {
        block_summary(report)
    }
}

/// The tooltip for [`block_line`].
pub fn block_legend(insight: &FileInsight, report: &BlockReport) -> &'static str {
    if is_uncommitted(insight, report) {
        NOT_COMMITTED_LEGEND
    } else {
        SUMMARY_LEGEND
    }
}

fn is_uncommitted(insight: &FileInsight, report: &BlockReport) -> bool {
    let block = &report.block;
    report.commits == 0 || (block.start_line..=block.end_line).all(|line| insight.is_fresh(line))
}

/// `↻ 7 · 43% AI · risk 71`
pub fn block_summary(report: &BlockReport) -> String {
    let mut parts = vec![format!("↻ {}", report.commits)];
    if report.ai_share > 0.0 {
        parts.push(format!("{:.0}% AI", report.ai_share * 100.0));
    }
    parts.push(format!("risk {}", report.risk.score));
    parts.join(" · ")
}

/// "just now", "5 minutes ago", "3 days ago", "2 years ago".
pub fn ago(seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, unit) = match s {
        0..=59 => return "just now".into(),
        60..=3_599 => (s / 60, "minute"),
        3_600..=86_399 => (s / 3_600, "hour"),
        86_400..=2_591_999 => (s / 86_400, "day"),
        2_592_000..=31_535_999 => (s / 2_592_000, "month"),
        _ => (s / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// What the block line (`↻ 7 · 43% AI · risk 71`) says, for its tooltip
/// and the hover.
pub const SUMMARY_LEGEND: &str = "↻ commits that changed the block · share of its committed lines written by an AI assistant (completion or agent) · maintenance risk 0–100";

/// The churn history of a block (or a line) under the cursor. `risk_note`
/// is how the score did on this repository's past (the cached model's
/// `RiskModel::hover_line`), said under the risk when there is one.
pub fn churn_history(
    title: &str,
    report: Option<&BlockReport>,
    commits: &[ShownCommit],
    now: i64,
    risk_note: Option<&str>,
) -> String {
    let mut out = format!("**Churn history** · {title}\n\n");
    if commits.is_empty() {
        // Uncommitted code has no statistics to show, only this.
        out.push_str("Not committed yet: history, AI share and risk come with its first commit.\n");
        return out;
    }
    for c in commits {
        let short = &c.commit[..c.commit.len().min(7)];
        let by = match &c.agent {
            Some(agent) => format!("{} · 🤖 {agent}", c.author),
            None => c.author.clone(),
        };
        out.push_str(&format!(
            "- `{short}` {} · {by} — {}\n",
            ago(now - c.time),
            escape(&c.summary)
        ));
    }
    let Some(r) = report else {
        return out;
    };
    if r.commits == 0 {
        return out;
    }
    out.push('\n');
    out.push_str(&format!(
        "↻ {} commit{} changed it · rewritten {} in the last 90 days · {:.0}% of its lines churned within 14 days · {} author{} · {} old\n\n",
        r.commits,
        if r.commits == 1 { "" } else { "s" },
        times(r.rewrites_90d),
        r.churn_14d * 100.0,
        r.authors,
        if r.authors == 1 { "" } else { "s" },
        days(r.age_days)
    ));
    out.push_str(&format!(
        "AI-written (completion or agent): {:.0}% of its committed lines\n\n",
        r.ai_share * 100.0
    ));
    let mut factors: Vec<_> = r.risk.factors.iter().collect();
    factors.sort_by(|a, b| b.points().total_cmp(&a.points()));
    let top: Vec<String> = factors
        .iter()
        .filter(|f| f.points() >= 0.5)
        .take(3)
        .map(|f| format!("{} +{:.0}", f.label(), f.points()))
        .collect();
    out.push_str(&format!(
        "**Risk {} ({})**{}",
        r.risk.score,
        level_name(r),
        if top.is_empty() {
            String::new()
        } else {
            format!(": {}", top.join(", "))
        }
    ));
    if let Some(note) = risk_note {
        out.push_str(&format!("\n\n_{}_", escape(note)));
    }
    out
}

fn days(n: u32) -> String {
    match n {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

fn level_name(report: &BlockReport) -> String {
    serde_json::to_value(report.risk.level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn times(n: u32) -> String {
    match n {
        0 => "never".into(),
        1 => "once".into(),
        n => format!("{n} times"),
    }
}

/// Keeps a commit summary from turning into markdown structure.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('`', "\\`")
        .replace('[', "\\[")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(commits: u32) -> BlockReport {
        use crate::blocks::{assess, Block, RiskInputs};
        BlockReport {
            block: Block {
                name: "total".into(),
                kind: "function".into(),
                start_line: 0,
                end_line: 2,
                definition_line: 0,
            },
            commits,
            rewrites_90d: 0,
            churn_14d: 0.0,
            ai_share: 0.0,
            human_share: 0.0,
            fixes: 0,
            authors: 2,
            age_days: 688,
            risk: assess(&RiskInputs {
                authors: 2,
                lines: 30,
                ..Default::default()
            }),
            recent: Vec::new(),
        }
    }

    fn commit() -> ShownCommit {
        ShownCommit {
            commit: "68c8a33aa".into(),
            author: "Bo Other".into(),
            time: 0,
            summary: "Count unknown items as free".into(),
            agent: None,
            lines_added: 1,
            lines_deleted: 1,
        }
    }

    #[test]
    fn uncommitted_code_says_so_instead_of_empty_statistics() {
        let text = churn_history("`total`", Some(&report(0)), &[], 100, Some("a note"));
        assert!(text.contains("Not committed yet"), "{text}");
        assert!(!text.contains("Rewritten never"), "{text}");
        assert!(!text.contains("0 authors"), "{text}");
        assert!(!text.contains("Risk") && !text.contains("a note"), "{text}");
    }

    fn insight(fresh: &[(u32, u32)]) -> FileInsight {
        FileInsight {
            text_hash: 0,
            head: None,
            blocks: Vec::new(),
            unavailable: None,
            recent: Default::default(),
            exact: fresh.is_empty(),
            fresh: fresh.to_vec(),
        }
    }

    /// Lenses and inlay hints of a block with no committed line say so;
    /// a block with one committed line keeps its numbers.
    #[test]
    fn the_block_line_of_uncommitted_code_says_not_committed_yet() {
        let committed = report(2);
        let table = [
            (report(0), vec![], NOT_COMMITTED),
            (committed.clone(), vec![(0, 2)], NOT_COMMITTED),
            (committed.clone(), vec![(0, 0), (1, 2)], NOT_COMMITTED),
            (committed.clone(), vec![(1, 2)], "↻ 2 · risk"),
            (committed.clone(), vec![], "↻ 2 · risk"),
        ];
        for (block, fresh, said) in table {
            let insight = insight(&fresh);
            let line = block_line(&insight, &block);
            assert!(line.starts_with(said), "{fresh:?}: {line}");
            let legend = block_legend(&insight, &block);
            assert_eq!(legend == NOT_COMMITTED_LEGEND, said == NOT_COMMITTED);
        }
    }

    #[test]
    fn risk_factors_read_as_words_with_their_points() {
        let block = report(2);
        let text = churn_history("`total`", Some(&block), &[commit()], 100, None);
        let top = block
            .risk
            .factors
            .iter()
            .max_by(|a, b| a.points().total_cmp(&b.points()))
            .expect("factors");
        let said = format!(
            "**Risk {} (low)**: {} +{:.0}",
            block.risk.score,
            top.label(),
            top.points()
        );
        assert_ne!(top.label(), top.name, "every factor has words");
        assert!(text.contains(&said), "{said} in {text}");
        assert!(
            !text.contains("author_spread") && !text.contains("×"),
            "{text}"
        );
        assert!(text.contains("↻ 2 commits changed it"), "{text}");
        assert!(text.contains("688 days old"), "{text}");
    }

    #[test]
    fn ago_reads_naturally() {
        let table = [
            (5, "just now"),
            (60, "1 minute ago"),
            (7_200, "2 hours ago"),
            (86_400 * 3, "3 days ago"),
            (86_400 * 40, "1 month ago"),
            (86_400 * 800, "2 years ago"),
        ];
        for (seconds, expected) in table {
            assert_eq!(ago(seconds), expected);
        }
    }
}
