//! The maintenance-risk score of a block: a pure function of its history
//! statistics, explained factor by factor, with weights that are either the
//! documented defaults or fitted to the repository's own past
//! (`crate::backtest`). docs/risk.md is the reference for the factors and
//! why each is in it; keep the two in step. Reads no git and knows no block
//! text.

use serde::{Deserialize, Serialize};

/// One term of the score: `value` is the signal scaled to 0–1, `weight` the
/// points it can add; the score is the sum of `value × weight`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskFactor {
    pub name: String,
    pub value: f64,
    pub weight: f64,
}

impl RiskFactor {
    /// The factor in a reader's words (hover, tables); `name` stays the
    /// stable key of the JSON output and docs/risk.md.
    pub fn label(&self) -> &str {
        match self.name.as_str() {
            "prior_fixes" => "fixed before",
            "recent_fixes" => "fixed lately",
            "changes" => "changed often",
            "recent_changes" => "changed often lately",
            "minor_ownership" => "no clear owner",
            // Points grow with size from the first line on: "large" would be
            // false of a 3-line block.
            "size" => "its size in lines",
            "newness" => "new code",
            "recent_churn" => "lines reworked within 14 days",
            "fast_rework" => "rewritten often in 90 days",
            "ai_unreviewed_or_reworked" => "AI-written lines unreviewed or reworked",
            "author_spread" => "many authors",
            "relative_churn" => "much churn for its size",
            "relative_deletion" => "many deletions for its size",
            other => other,
        }
    }

    /// The points it adds to the score.
    pub fn points(&self) -> f64 {
        self.value * self.weight
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// 0–100.
    pub score: u8,
    pub level: RiskLevel,
    pub factors: Vec<RiskFactor>,
}

/// What the formula reads about a block (docs/risk.md defines each).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RiskInputs {
    /// Share of lines written in the last 90 days that were replaced or deleted within 14 days.
    pub churn_14d: f64,
    /// Commits in the last 90 days that changed or removed existing lines of the block.
    pub rewrites_90d: u32,
    /// Commits after the one that wrote the block, all time.
    pub changes: u32,
    /// Of those, the ones in the last 90 days.
    pub changes_90d: u32,
    /// Commits that touched the block whose message says they fix something.
    pub prior_fixes: u32,
    /// Those fix commits weighted by recency: each counts `0.5^(days ago / 180)`.
    pub recent_fixes: f64,
    /// The main author's share of the block's commits (1 with one author or none).
    pub top_author_share: f64,
    /// Current lines.
    pub lines: u32,
    /// Days since the commit that wrote the block.
    pub age_days: u32,
    /// Share of current lines written by an assistant.
    pub ai_share: f64,
    /// Share of current lines written by an assistant in a commit no one marked reviewed.
    pub ai_unreviewed_share: f64,
    /// Distinct authors of the block's commits.
    pub authors: u32,
    /// Lines added plus deleted in the last 90 days, over the block's current lines.
    pub churned_per_line: f64,
    /// Lines deleted in the last 90 days, over the block's current lines.
    pub deleted_per_line: f64,
}

/// Lines at which `size` is full: large functions still differ (a file-sized
/// block of 2,000 lines is not the same risk as one of 400).
pub const SIZE_FULL: f64 = 2000.0;
/// Half-life of a fix commit in `recent_fixes`, in days.
pub const FIX_HALF_LIFE_DAYS: f64 = 180.0;

/// Levels: low below 40, medium from 40, high from 70.
pub const MEDIUM_FROM: u8 = 40;
pub const HIGH_FROM: u8 = 70;

/// The factors, in the order they are listed and weighted.
pub const FACTORS: [&str; 11] = [
    "prior_fixes",
    "recent_fixes",
    "changes",
    "recent_changes",
    "relative_churn",
    "recent_churn",
    "author_spread",
    "minor_ownership",
    "size",
    "newness",
    "ai_unreviewed_or_reworked",
];

/// Points per factor (same order as [`FACTORS`]), adding up to 100.
pub type Weights = [f64; FACTORS.len()];

/// Default weights: fitted (docs/risk.md, "Calibration") on the pooled
/// backtests of public repositories, used when a repository's own past is
/// too short or has too few fixes to fit its own. Public histories carry no
/// AI attribution, so the AI factor keeps a prior 5 points and the fitted
/// ones share the other 95.
pub const DEFAULT_WEIGHTS: Weights = [5.7, 46.9, 4.7, 0.0, 0.0, 0.0, 0.0, 0.0, 37.7, 0.0, 5.0];

/// Each factor's value, 0–1 (same order as [`FACTORS`]). Counts grow on a
/// log scale: the tenth change says less than the second.
pub fn factor_values(inputs: &RiskInputs) -> Weights {
    let recent = log_scale(inputs.changes_90d, 8.0);
    [
        log_scale(inputs.prior_fixes, 8.0),
        log_scale_f(inputs.recent_fixes, 4.0),
        log_scale(inputs.changes, 40.0),
        recent,
        scale(inputs.churned_per_line, 2.0),
        scale(inputs.churn_14d, 0.25),
        scale(f64::from(inputs.authors.saturating_sub(1)), 4.0),
        if inputs.changes == 0 {
            0.0
        } else {
            clamp01(1.0 - inputs.top_author_share)
        },
        log_scale(inputs.lines, SIZE_FULL),
        clamp01(1.0 - f64::from(inputs.age_days) / 730.0),
        // Unreviewed AI lines, or AI lines in a block that keeps being changed.
        clamp01(inputs.ai_unreviewed_share).max(clamp01(inputs.ai_share) * recent),
    ]
}

/// The score and its factors with the default weights.
pub fn assess(inputs: &RiskInputs) -> Risk {
    assess_with(inputs, &DEFAULT_WEIGHTS)
}

/// The score and its factors with `weights` (points per factor, adding up to 100).
pub fn assess_with(inputs: &RiskInputs, weights: &Weights) -> Risk {
    let values = factor_values(inputs);
    let factors: Vec<RiskFactor> = FACTORS
        .iter()
        .zip(values)
        .zip(weights)
        .map(|((name, value), weight)| factor(name, value, *weight))
        .collect();
    let total: f64 = factors.iter().map(|f| f.value * f.weight).sum();
    let score = total.round().clamp(0.0, 100.0) as u8;
    let level = if score >= HIGH_FROM {
        RiskLevel::High
    } else if score >= MEDIUM_FROM {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    };
    Risk {
        score,
        level,
        factors,
    }
}

/// The unrounded score, for ranking (ties in the rounded score would hide order).
pub fn raw_score(inputs: &RiskInputs, weights: &Weights) -> f64 {
    factor_values(inputs)
        .iter()
        .zip(weights)
        .map(|(v, w)| v * w)
        .sum()
}

/// The score before issue 10 (recency and churn only), kept so `backtest`
/// can show what the rebuilt score gained: the old six factors and weights.
pub fn legacy_score(inputs: &RiskInputs) -> f64 {
    let rework = scale(f64::from(inputs.rewrites_90d), 5.0);
    scale(inputs.churn_14d, 0.25) * 25.0
        + rework * 20.0
        + clamp01(inputs.ai_unreviewed_share).max(clamp01(inputs.ai_share) * rework) * 20.0
        + scale(f64::from(inputs.authors.saturating_sub(1)), 4.0) * 15.0
        + scale(inputs.churned_per_line, 2.0) * 12.0
        + scale(inputs.deleted_per_line, 1.0) * 8.0
}

/// Weights fitted to one repository's past, and how well they predicted there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskModel {
    /// Factor name → points, adding up to 100.
    pub weights: Vec<(String, f64)>,
    /// `fitted` (this repository's past) or `default` (too little past: the public-history weights).
    pub source: String,
    /// Unix seconds of the moment the check scored (T − horizon).
    pub checked_at: i64,
    /// The horizon, in days.
    pub horizon_days: u32,
    /// AUC of the score at the check against fixes after it.
    pub check_auc: Option<f64>,
    /// Fix rate of the riskiest tenth of blocks over that of the rest, at the check.
    pub high_vs_rest: Option<f64>,
    /// The two baselines' AUC at the same check: commits that touched the block, and its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commits_auc: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_auc: Option<f64>,
    /// Blocks scored at the check, and how many of them a fix changed in the horizon.
    #[serde(default)]
    pub blocks: usize,
    #[serde(default)]
    pub fixed_blocks: usize,
}

impl RiskModel {
    /// The weights in [`FACTORS`] order (a name missing counts 0).
    pub fn weights(&self) -> Weights {
        let mut out = [0.0; FACTORS.len()];
        for (slot, name) in out.iter_mut().zip(FACTORS) {
            *slot = self
                .weights
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0.0, |(_, w)| *w);
        }
        out
    }

    /// One short line for hover: how the score did on this repository's past.
    pub fn hover_line(&self) -> Option<String> {
        let ratio = self.high_vs_rest?;
        let months = (f64::from(self.horizon_days) / 30.4).round();
        Some(format!(
            "in this repository, the riskiest tenth of blocks got {ratio:.1}× more fixes than the rest over the last {months} months"
        ))
    }
}

/// Named weights from a weight array.
pub fn named_weights(weights: &Weights) -> Vec<(String, f64)> {
    FACTORS
        .iter()
        .zip(weights)
        .map(|(n, w)| (n.to_string(), (w * 10.0).round() / 10.0))
        .collect()
}

/// What counts as a fix commit: a regular expression over the whole commit
/// message (case-insensitive by default; reverts included).
#[derive(Debug, Clone)]
pub struct FixPattern {
    regex: regex::Regex,
}

/// The default: the words a fix commit's message uses, reverts included.
pub const DEFAULT_FIX_PATTERN: &str = r"(?i)\b(fix(e[sd]|ing)?|bug(s|fix(es)?)?|hotfix(es)?|regressions?|crash(es|ed|ing)?|leak(s|ed|ing)?|broken|incorrect(ly)?|wrong(ly)?|revert(s|ed)?|mistake|fault(y)?|defect)\b";

impl FixPattern {
    pub fn new(pattern: &str) -> Result<FixPattern, regex::Error> {
        Ok(FixPattern {
            regex: regex::Regex::new(pattern)?,
        })
    }

    pub fn default_pattern() -> &'static FixPattern {
        static PATTERN: std::sync::OnceLock<FixPattern> = std::sync::OnceLock::new();
        PATTERN.get_or_init(|| FixPattern::new(DEFAULT_FIX_PATTERN).expect("a valid pattern"))
    }

    pub fn is_fix(&self, message: &str) -> bool {
        self.regex.is_match(message)
    }

    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }
}

fn factor(name: &str, value: f64, weight: f64) -> RiskFactor {
    RiskFactor {
        name: name.to_string(),
        // Three decimals: enough to explain, stable in snapshots.
        value: (value * 1000.0).round() / 1000.0,
        weight: (weight * 10.0).round() / 10.0,
    }
}

fn scale(value: f64, full: f64) -> f64 {
    clamp01(value / full)
}

fn log_scale(count: u32, full: f64) -> f64 {
    log_scale_f(f64::from(count), full)
}

fn log_scale_f(amount: f64, full: f64) -> f64 {
    if amount.is_nan() || amount <= 0.0 {
        return 0.0;
    }
    clamp01(amount.ln_1p() / full.ln_1p())
}

fn clamp01(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block of 10 lines written once, two years ago, by one person.
    const CALM: RiskInputs = RiskInputs {
        churn_14d: 0.0,
        rewrites_90d: 0,
        changes: 0,
        changes_90d: 0,
        prior_fixes: 0,
        recent_fixes: 0.0,
        top_author_share: 1.0,
        lines: 10,
        age_days: 800,
        ai_share: 0.0,
        ai_unreviewed_share: 0.0,
        authors: 1,
        churned_per_line: 0.0,
        deleted_per_line: 0.0,
    };

    fn score(inputs: RiskInputs) -> (u8, RiskLevel) {
        let risk = assess(&inputs);
        (risk.score, risk.level)
    }

    #[test]
    fn weights_add_up_to_a_hundred() {
        assert!((DEFAULT_WEIGHTS.iter().sum::<f64>() - 100.0).abs() < 1e-9);
        assert_eq!(DEFAULT_WEIGHTS.len(), FACTORS.len());
    }

    #[test]
    fn edges() {
        let worst = RiskInputs {
            churn_14d: 1.0,
            rewrites_90d: 50,
            changes: 100,
            changes_90d: 20,
            prior_fixes: 20,
            recent_fixes: 20.0,
            top_author_share: 0.0,
            lines: 2000,
            age_days: 0,
            ai_share: 1.0,
            ai_unreviewed_share: 1.0,
            authors: 30,
            churned_per_line: 40.0,
            deleted_per_line: 20.0,
        };
        #[rustfmt::skip]
        let cases: &[(&str, RiskInputs, (u8, RiskLevel))] = &[
            // Only size speaks: 37.7 × ln 11 / ln 2001 = 11.9.
            ("an old block written once", CALM, (12, RiskLevel::Low)),
            ("everything saturated", worst, (100, RiskLevel::High)),
            ("one author is no spread", RiskInputs { authors: 1, ..CALM }, (12, RiskLevel::Low)),
            // The spread has no points in the defaults (the pooled fit gave it none).
            ("five authors saturate the spread", RiskInputs { authors: 5, ..CALM }, (12, RiskLevel::Low)),
            // + 5.7 × ln 4 / ln 9 = 3.6: 15.5, all long ago.
            ("three old fixes", RiskInputs { prior_fixes: 3, ..CALM }, (15, RiskLevel::Low)),
            // + 46.9 × ln 3 / ln 5 = 32.0 when they are recent (weighing 2 in all after
            // halving for their age): 47.5.
            ("three recent fixes", RiskInputs { prior_fixes: 3, recent_fixes: 2.0, ..CALM }, (48, RiskLevel::Medium)),
            (
                "NaN and negatives count as nothing",
                RiskInputs { churn_14d: f64::NAN, churned_per_line: -3.0, ..CALM },
                (12, RiskLevel::Low),
            ),
            ("reviewed AI in a quiet block is no risk", RiskInputs { ai_share: 1.0, ..CALM }, (12, RiskLevel::Low)),
            (
                "unreviewed AI alone",
                RiskInputs { ai_share: 1.0, ai_unreviewed_share: 1.0, ..CALM },
                (17, RiskLevel::Low),
            ),
        ];
        for (what, inputs, expected) in cases {
            assert_eq!(score(*inputs), *expected, "{what}");
        }
    }

    #[test]
    fn more_fixes_and_changes_never_lower_the_score() {
        let mut last = 0.0;
        for n in 0..30 {
            let s = raw_score(
                &RiskInputs {
                    prior_fixes: n,
                    recent_fixes: f64::from(n) / 2.0,
                    changes: n * 2,
                    changes_90d: n / 3,
                    ..CALM
                },
                &DEFAULT_WEIGHTS,
            );
            assert!(s >= last, "{n}: {s} < {last}");
            last = s;
        }
    }

    #[test]
    fn factors_explain_the_score() {
        let risk = assess(&RiskInputs {
            churn_14d: 0.1,
            rewrites_90d: 2,
            changes: 4,
            changes_90d: 2,
            prior_fixes: 1,
            recent_fixes: 0.5,
            top_author_share: 0.6,
            lines: 40,
            age_days: 365,
            ai_share: 0.5,
            ai_unreviewed_share: 0.25,
            authors: 3,
            churned_per_line: 1.0,
            deleted_per_line: 0.3,
        });
        let sum: f64 = risk.factors.iter().map(|f| f.value * f.weight).sum();
        assert_eq!(risk.score, sum.round() as u8);
        expect_test::expect![[r#"
            {"score":35,"level":"low","factors":[{"name":"prior_fixes","value":0.315,"weight":5.7},{"name":"recent_fixes","value":0.252,"weight":46.9},{"name":"changes","value":0.433,"weight":4.7},{"name":"recent_changes","value":0.5,"weight":0.0},{"name":"relative_churn","value":0.5,"weight":0.0},{"name":"recent_churn","value":0.4,"weight":0.0},{"name":"author_spread","value":0.5,"weight":0.0},{"name":"minor_ownership","value":0.4,"weight":0.0},{"name":"size","value":0.489,"weight":37.7},{"name":"newness","value":0.5,"weight":0.0},{"name":"ai_unreviewed_or_reworked","value":0.25,"weight":5.0}]}
        "#]]
        .assert_eq(&format!("{}\n", serde_json::to_string(&risk).unwrap()));
    }

    #[test]
    fn fix_pattern() {
        let fix = FixPattern::default_pattern();
        for (message, expected) in [
            ("Fix the parser", true),
            ("fixes #12", true),
            ("Revert \"Add cache\"\n\nThis reverts commit abc.", true),
            ("Avoid a crash on empty input", true),
            ("Add prefix support", false),
            ("Update the suffix docs", false),
            ("debug output", false),
        ] {
            assert_eq!(fix.is_fix(message), expected, "{message}");
        }
    }

    #[test]
    fn hover_line_names_the_ratio() {
        let model = RiskModel {
            weights: named_weights(&DEFAULT_WEIGHTS),
            source: "fitted".into(),
            checked_at: 0,
            horizon_days: 182,
            check_auc: Some(0.8),
            high_vs_rest: Some(3.1),
            commits_auc: Some(0.7),
            size_auc: None,
            blocks: 120,
            fixed_blocks: 12,
        };
        assert_eq!(model.weights(), DEFAULT_WEIGHTS);
        assert_eq!(
            model.hover_line().as_deref(),
            Some("in this repository, the riskiest tenth of blocks got 3.1× more fixes than the rest over the last 6 months")
        );
    }
}
