//! The maintenance-risk score of a block: a pure function of its history
//! statistics, explained factor by factor. docs/risk.md is the reference for
//! the formula and why each factor is in it; keep the two in step. Reads no
//! git and knows no block text.

use serde::Serialize;

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

/// Levels: low below 40, medium from 40, high from 70.
pub const MEDIUM_FROM: u8 = 40;
pub const HIGH_FROM: u8 = 70;

/// Where each signal saturates (reaches 1).
const CHURN_14D_FULL: f64 = 0.25;
const REWRITES_90D_FULL: f64 = 5.0;
const AUTHORS_FULL: f64 = 5.0;
const CHURNED_PER_LINE_FULL: f64 = 2.0;
const DELETED_PER_LINE_FULL: f64 = 1.0;

/// The score and its factors, in a fixed order.
pub fn assess(inputs: &RiskInputs) -> Risk {
    let rework = scale(f64::from(inputs.rewrites_90d), REWRITES_90D_FULL);
    let factors = vec![
        factor(
            "recent_churn",
            scale(inputs.churn_14d, CHURN_14D_FULL),
            25.0,
        ),
        factor("fast_rework", rework, 20.0),
        // Unreviewed AI lines, or AI lines in a block that keeps being reworked.
        factor(
            "ai_unreviewed_or_reworked",
            clamp01(inputs.ai_unreviewed_share).max(clamp01(inputs.ai_share) * rework),
            20.0,
        ),
        factor(
            "author_spread",
            scale(
                f64::from(inputs.authors.saturating_sub(1)),
                AUTHORS_FULL - 1.0,
            ),
            15.0,
        ),
        factor(
            "relative_churn",
            scale(inputs.churned_per_line, CHURNED_PER_LINE_FULL),
            12.0,
        ),
        factor(
            "relative_deletion",
            scale(inputs.deleted_per_line, DELETED_PER_LINE_FULL),
            8.0,
        ),
    ];
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

fn factor(name: &str, value: f64, weight: f64) -> RiskFactor {
    RiskFactor {
        name: name.to_string(),
        // Three decimals: enough to explain, stable in snapshots.
        value: (value * 1000.0).round() / 1000.0,
        weight,
    }
}

fn scale(value: f64, full: f64) -> f64 {
    clamp01(value / full)
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

    fn score(inputs: RiskInputs) -> (u8, RiskLevel) {
        let risk = assess(&inputs);
        (risk.score, risk.level)
    }

    #[test]
    fn weights_add_up_to_a_hundred() {
        let total: f64 = assess(&RiskInputs::default())
            .factors
            .iter()
            .map(|f| f.weight)
            .sum();
        assert_eq!(total, 100.0);
    }

    #[test]
    fn edges() {
        let calm = RiskInputs::default();
        let worst = RiskInputs {
            churn_14d: 1.0,
            rewrites_90d: 50,
            ai_share: 1.0,
            ai_unreviewed_share: 1.0,
            authors: 30,
            churned_per_line: 40.0,
            deleted_per_line: 20.0,
        };
        #[rustfmt::skip]
        let cases: &[(&str, RiskInputs, (u8, RiskLevel))] = &[
            ("nothing happened", calm, (0, RiskLevel::Low)),
            ("everything saturated", worst, (100, RiskLevel::High)),
            ("one author is no spread", RiskInputs { authors: 1, ..calm }, (0, RiskLevel::Low)),
            ("five authors saturate", RiskInputs { authors: 5, ..calm }, (15, RiskLevel::Low)),
            (
                "NaN and negatives count as nothing",
                RiskInputs { churn_14d: f64::NAN, churned_per_line: -3.0, ..calm },
                (0, RiskLevel::Low),
            ),
            (
                "reviewed AI in a quiet block is no risk",
                RiskInputs { ai_share: 1.0, ..calm },
                (0, RiskLevel::Low),
            ),
            (
                "unreviewed AI alone",
                RiskInputs { ai_share: 1.0, ai_unreviewed_share: 1.0, ..calm },
                (20, RiskLevel::Low),
            ),
            (
                "reworked AI counts as much as unreviewed AI",
                RiskInputs { ai_share: 1.0, rewrites_90d: 5, ..calm },
                (40, RiskLevel::Medium),
            ),
            (
                "churn and rework reach high",
                RiskInputs {
                    churn_14d: 0.25, rewrites_90d: 5, authors: 5, churned_per_line: 2.0, deleted_per_line: 1.0, ..calm
                },
                (80, RiskLevel::High),
            ),
            (
                "just under medium",
                RiskInputs { churn_14d: 0.25, rewrites_90d: 3, ..calm },
                (37, RiskLevel::Low),
            ),
        ];
        for (what, inputs, expected) in cases {
            assert_eq!(score(*inputs), *expected, "{what}");
        }
    }

    #[test]
    fn factors_explain_the_score() {
        let risk = assess(&RiskInputs {
            churn_14d: 0.1,
            rewrites_90d: 2,
            ai_share: 0.5,
            ai_unreviewed_share: 0.25,
            authors: 3,
            churned_per_line: 1.0,
            deleted_per_line: 0.3,
        });
        let sum: f64 = risk.factors.iter().map(|f| f.value * f.weight).sum();
        assert_eq!(risk.score, sum.round() as u8);
        expect_test::expect![[r#"
            {"score":39,"level":"low","factors":[{"name":"recent_churn","value":0.4,"weight":25.0},{"name":"fast_rework","value":0.4,"weight":20.0},{"name":"ai_unreviewed_or_reworked","value":0.25,"weight":20.0},{"name":"author_spread","value":0.5,"weight":15.0},{"name":"relative_churn","value":0.5,"weight":12.0},{"name":"relative_deletion","value":0.3,"weight":8.0}]}
        "#]]
        .assert_eq(&format!("{}\n", serde_json::to_string(&risk).unwrap()));
    }
}
