//! The report's section "How well risk predicted fixes here": the last
//! check `provenance-ls backtest` made of the risk score on this
//! repository's own past (its cached model, `crate::backtest::cache`) —
//! the AUC against the two baselines, the date, and the lift of the
//! riskiest tenth — in the JSON, the terminal summary and the HTML page.
//! Reads only that cached file; runs no backtest itself (one takes minutes).

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::blocks::RiskModel;

const DAY: i64 = 86_400;

/// `riskCheck` of the report JSON (docs/report.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskCheck {
    /// The moment the blocks were scored (RFC 3339): a user then.
    pub checked_at: String,
    /// Fixes were counted in the `horizon_days` after it.
    pub horizon_days: u32,
    /// `fitted` (weights fitted on the window before the check) or `default`.
    pub weights: String,
    /// Blocks scored, and those a fix commit then changed.
    pub blocks: usize,
    pub fixed_blocks: usize,
    /// The chance that a fixed block scored above an unfixed one.
    pub auc: Option<f64>,
    /// The same for the two baselines: commits that touched the block, its size in lines.
    pub commits_auc: Option<f64>,
    pub size_auc: Option<f64>,
    /// Fix rate of the riskiest tenth of blocks over that of the rest.
    pub top_tenth_lift: Option<f64>,
}

impl RiskCheck {
    fn from_model(model: &RiskModel) -> RiskCheck {
        RiskCheck {
            checked_at: super::figures::rfc3339(model.checked_at),
            horizon_days: model.horizon_days,
            weights: model.source.clone(),
            blocks: model.blocks,
            fixed_blocks: model.fixed_blocks,
            auc: model.check_auc,
            commits_auc: model.commits_auc,
            size_auc: model.size_auc,
            top_tenth_lift: model.high_vs_rest,
        }
    }
}

/// The check cached for the repository at `git_dir`, when a report ending
/// at `until` may show it: its fixes were all counted by then (a report as
/// of an earlier moment must not use what came after).
pub fn for_report(git_dir: &Path, until: i64) -> Option<RiskCheck> {
    let model = crate::backtest::cached_model(git_dir)?;
    let complete = model.checked_at + i64::from(model.horizon_days) * DAY;
    (complete <= until).then(|| RiskCheck::from_model(&model))
}

fn auc(x: Option<f64>) -> String {
    x.map_or("–".into(), |a| format!("{a:.2}"))
}

fn lift(x: Option<f64>) -> String {
    x.map_or("–".into(), |l| format!("{l:.1}×"))
}

/// One sentence a reader can act on; `None` when there is nothing to say it from.
fn verdict(check: &RiskCheck) -> String {
    let Some(risk) = check.auc else {
        return "No block was fixed in the horizon (or every one was): nothing to rank.".into();
    };
    let best_baseline = check
        .commits_auc
        .into_iter()
        .chain(check.size_auc)
        .fold(f64::NAN, f64::max);
    let against = if best_baseline.is_nan() {
        String::new()
    } else if risk > best_baseline {
        ", better than counting commits or lines".into()
    } else {
        ", no better than counting commits or lines".into()
    };
    format!(
        "A fixed block scored above an unfixed one {:.0}% of the time{against}.",
        risk * 100.0
    )
}

/// The terminal summary's lines.
pub fn terminal(check: Option<&RiskCheck>) -> String {
    let mut s = String::from("\nHow well risk predicted fixes here\n");
    let Some(c) = check else {
        s.push_str(
            "  not checked yet: `provenance-ls backtest` checks it on this repository's past\n",
        );
        return s;
    };
    let _ = writeln!(
        s,
        "  scored {} blocks as of {}, {} fixed in the {} days after ({} weights)",
        c.blocks,
        &c.checked_at[..10],
        c.fixed_blocks,
        c.horizon_days,
        c.weights
    );
    let _ = writeln!(
        s,
        "  AUC risk {} · commits {} · size {} · riskiest tenth {} the fix rate of the rest",
        auc(c.auc),
        auc(c.commits_auc),
        auc(c.size_auc),
        lift(c.top_tenth_lift)
    );
    let _ = writeln!(s, "  {}", verdict(c));
    s
}

/// The HTML section.
pub fn html(page: &mut String, check: Option<&RiskCheck>) {
    page.push_str("<h2>How well risk predicted fixes here</h2>");
    let Some(c) = check else {
        page.push_str(r#"<p class="sub">Not checked yet: <code>provenance-ls backtest</code> checks the risk score on this repository's past.</p>"#);
        return;
    };
    let _ = write!(
        page,
        r#"<p class="sub">Every block of the busiest files scored as of {date} ({weights} weights), then watched for {days} days: {fixed} of {blocks} were changed by a fix commit. {verdict}</p>"#,
        date = &c.checked_at[..10],
        weights = super::html::esc(&c.weights),
        days = c.horizon_days,
        fixed = c.fixed_blocks,
        blocks = c.blocks,
        verdict = verdict(c),
    );
    let _ = write!(
        page,
        "<table><thead><tr><th>ranked by</th><th>AUC</th></tr></thead><tbody>\
         <tr><td>risk</td><td>{}</td></tr><tr><td>commits that touched the block</td><td>{}</td></tr>\
         <tr><td>size in lines</td><td>{}</td></tr></tbody></table>\
         <p class=\"sub\">The riskiest tenth of blocks got {} the fix rate of the rest. AUC: the chance that a fixed block ranked above an unfixed one (0.5 is chance).</p>",
        auc(c.auc),
        auc(c.commits_auc),
        auc(c.size_auc),
        lift(c.top_tenth_lift)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check() -> RiskCheck {
        RiskCheck {
            checked_at: "2026-02-21T00:00:00Z".into(),
            horizon_days: 180,
            weights: "fitted".into(),
            blocks: 1216,
            fixed_blocks: 67,
            auc: Some(0.781),
            commits_auc: Some(0.707),
            size_auc: Some(0.726),
            top_tenth_lift: Some(3.12),
        }
    }

    #[test]
    fn terminal_says_the_check_and_its_baselines() {
        expect_test::expect![[r#"

            How well risk predicted fixes here
              scored 1216 blocks as of 2026-02-21, 67 fixed in the 180 days after (fitted weights)
              AUC risk 0.78 · commits 0.71 · size 0.73 · riskiest tenth 3.1× the fix rate of the rest
              A fixed block scored above an unfixed one 78% of the time, better than counting commits or lines.
        "#]]
        .assert_eq(&terminal(Some(&check())));
        let worse = RiskCheck {
            auc: Some(0.7),
            ..check()
        };
        assert!(terminal(Some(&worse)).contains("no better than"));
        assert!(terminal(None).contains("not checked yet"));
    }

    #[test]
    fn a_check_that_ends_after_the_report_is_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let model = RiskModel {
            weights: Vec::new(),
            source: "default".into(),
            checked_at: 1_000 * DAY,
            horizon_days: 30,
            check_auc: Some(0.6),
            high_vs_rest: None,
            commits_auc: None,
            size_auc: None,
            blocks: 10,
            fixed_blocks: 2,
        };
        crate::backtest::store_model(dir.path(), &model).unwrap();
        assert_eq!(for_report(dir.path(), 1_029 * DAY), None);
        let shown = for_report(dir.path(), 1_030 * DAY).expect("complete by then");
        assert_eq!(shown.checked_at, "1972-09-27T00:00:00Z");
        let mut page = String::new();
        html(&mut page, Some(&shown));
        assert!(
            page.contains("2 of 10 were changed by a fix commit"),
            "{page}"
        );
    }
}
