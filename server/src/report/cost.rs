//! What assistant lines cost and what the tokens bought: the usage the
//! commits' provenance notes carry (`AttributionIndex::commit_usage`, one
//! record per agent, model and session) spread over the assistant lines each
//! commit added, then followed with those lines: tokens per line still alive
//! after 1, 7, 21 and 90 days, and tokens spent on lines deleted or
//! rewritten within 14 days. Cost is the hook's when it gave one, else the
//! user's price table (`--prices FILE`); none is built in, so without either
//! the figures are tokens only.
//!
//! Must never guess a price or a model: a usage without a cost and without a
//! price for its model has no cost, and the total says so (`null`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::attribution::RecordUsage;
use crate::provenance::Usage;

use super::figures::{Class, DAY, SURVIVAL_DAYS};
use super::outcomes::{Cohort, CommitRow};

/// What a commit's note says its assistant lines cost (`AttributionIndex::commit_usage`).
pub type SpentOf<'a> = &'a dyn Fn(&str) -> Vec<RecordUsage>;

/// USD per million tokens of each kind, for one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelPrice {
    pub input: f64,
    pub output: f64,
    #[serde(default)]
    pub cache_read: f64,
    #[serde(default)]
    pub cache_write: f64,
    /// For usage that gives a total alone (`mark --tokens N`).
    #[serde(default)]
    pub tokens: Option<f64>,
}

/// The user's price table: `{"models": {"claude-opus-4-5": {"input": 5, …}}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    pub models: BTreeMap<String, ModelPrice>,
}

impl Prices {
    pub fn read(file: &Path) -> Result<Prices, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let prices: Prices = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a price table ({e})", file.display()))?;
        for (model, p) in &prices.models {
            let all = [
                p.input,
                p.output,
                p.cache_read,
                p.cache_write,
                p.tokens.unwrap_or(0.0),
            ];
            if all.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(format!(
                    "{}: a price of {model} is negative",
                    file.display()
                ));
            }
        }
        Ok(prices)
    }

    /// The price of `model`: its own entry, else the longest entry it starts
    /// with (`claude-opus-4-5` prices `claude-opus-4-5-20251101`).
    fn of(&self, model: &str) -> Option<&ModelPrice> {
        self.models.get(model).or_else(|| {
            self.models
                .iter()
                .filter(|(k, _)| model.starts_with(k.as_str()))
                .max_by_key(|(k, _)| k.len())
                .map(|(_, p)| p)
        })
    }

    /// What `usage` cost at these prices; None without a price for `model`.
    fn cost(&self, model: Option<&str>, usage: &Usage) -> Option<f64> {
        let p = self.of(model?)?;
        let kinds = usage.input_tokens
            + usage.output_tokens
            + usage.cache_read_tokens
            + usage.cache_write_tokens;
        let per_million = if kinds == 0 {
            usage.tokens as f64 * p.tokens?
        } else {
            usage.input_tokens as f64 * p.input
                + usage.output_tokens as f64 * p.output
                + usage.cache_read_tokens as f64 * p.cache_read
                + usage.cache_write_tokens as f64 * p.cache_write
        };
        Some(per_million / 1e6)
    }
}

/// Tokens per line still alive `days` after it was written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokensAlive {
    pub days: u32,
    /// Tokens of the commits written at least `days` before `until`.
    pub tokens: u64,
    /// Of their lines, those still alive after `days`.
    pub lines_alive: f64,
    pub tokens_per_line: Option<f64>,
    pub cost_per_line_usd: Option<f64>,
}

/// Tokens and cost of one set of assistant lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spend {
    pub tokens: u64,
    /// Hook costs plus priced usage; null when some usage has neither.
    pub cost_usd: Option<f64>,
    /// The assistant lines the tokens were spent on (committed).
    pub lines: f64,
    pub alive: Vec<TokensAlive>,
    /// Tokens spent on lines deleted or replaced within 14 days of their commit.
    pub churned14d_tokens: f64,
    /// Their share of all tokens; null without tokens.
    pub churned14d_share: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyedSpend {
    /// `agent/model` as the note names them (the bare agent without a model).
    pub key: String,
    #[serde(flatten)]
    pub spend: Spend,
}

/// The usage figures of a report: assistant lines only (only they carry usage).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// Commits whose notes carry usage.
    pub commits: u64,
    /// Whether a price table was given.
    pub priced: bool,
    #[serde(flatten)]
    pub total: Spend,
    pub by_model: Vec<KeyedSpend>,
}

#[derive(Default)]
struct Running {
    seen: bool,
    alive_seen: [bool; 4],
    tokens: u64,
    cost: Option<f64>,
    lines: f64,
    alive_tokens: [u64; 4],
    alive_cost: [Option<f64>; 4],
    alive_lines: [f64; 4],
    churned: f64,
}

/// Adds a cost to a sum that is unknown (None) once any part is.
fn add_cost(sum: &mut Option<f64>, seen: &mut bool, cost: Option<f64>) {
    *sum = match (*seen, *sum, cost) {
        (false, _, c) => c,
        (true, Some(s), Some(c)) => Some(s + c),
        _ => None,
    };
    *seen = true;
}

impl Running {
    fn spend(&self) -> Spend {
        let round = super::round4;
        // Dollars to the millionth: a line's cost is a fraction of a cent.
        let usd = |x: f64| (x * 1e6).round() / 1e6;
        Spend {
            tokens: self.tokens,
            cost_usd: self.cost.map(usd),
            lines: round(self.lines),
            alive: SURVIVAL_DAYS
                .iter()
                .enumerate()
                .map(|(i, &d)| {
                    let lines = self.alive_lines[i];
                    TokensAlive {
                        days: d as u32,
                        tokens: self.alive_tokens[i],
                        lines_alive: round(lines),
                        tokens_per_line: (lines > 0.0)
                            .then(|| round(self.alive_tokens[i] as f64 / lines)),
                        cost_per_line_usd: self.alive_cost[i]
                            .filter(|_| lines > 0.0)
                            .map(|c| usd(c / lines)),
                    }
                })
                .collect(),
            churned14d_tokens: round(self.churned),
            churned14d_share: (self.tokens > 0).then(|| round(self.churned / self.tokens as f64)),
        }
    }
}

/// The usage figures: `spent(commit)` is what the commit's note says it cost.
pub(super) fn tokens(
    commits: &[CommitRow],
    cohorts: &[Cohort],
    spent: SpentOf<'_>,
    prices: Option<&Prices>,
    until: i64,
) -> Option<Tokens> {
    // The assistant cohorts of each commit.
    let mut by_origin: BTreeMap<u32, Vec<&Cohort>> = BTreeMap::new();
    for c in cohorts {
        if c.class == Class::Ai && (c.origin as usize) < commits.len() {
            by_origin.entry(c.origin).or_default().push(c);
        }
    }
    let mut total = Running::default();
    let mut keys: BTreeMap<String, Running> = BTreeMap::new();
    let mut with_usage = 0u64;
    for (&origin, lines) in &by_origin {
        let commit = &commits[origin as usize];
        let records = spent(&commit.id);
        if records.is_empty() {
            continue;
        }
        with_usage += 1;
        let written: u64 = lines.iter().map(|c| c.lines).sum();
        let weights: u64 = records.iter().map(|r| r.lines.len().max(1) as u64).sum();
        for r in &records {
            let key = match &r.assistant.model {
                Some(model) => format!("{}/{model}", r.assistant.agent),
                None => r.assistant.agent.clone(),
            };
            let cost = r
                .usage
                .cost_usd
                .or_else(|| prices.and_then(|p| p.cost(r.assistant.model.as_deref(), &r.usage)));
            // This record's share of the commit's assistant lines.
            let share = r.lines.len().max(1) as f64 / weights as f64;
            let per_line = r.usage.tokens as f64 / written.max(1) as f64;
            let entry = keys.entry(key).or_default();
            for run in [&mut total, entry] {
                run.tokens += r.usage.tokens;
                add_cost(&mut run.cost, &mut run.seen, cost);
                run.lines += written as f64 * share;
                for (i, &d) in SURVIVAL_DAYS.iter().enumerate() {
                    let days = d as i64 * DAY;
                    if commit.time + days > until {
                        continue;
                    }
                    run.alive_tokens[i] += r.usage.tokens;
                    add_cost(&mut run.alive_cost[i], &mut run.alive_seen[i], cost);
                    let alive: u64 = lines
                        .iter()
                        .filter(|c| match c.ended_by {
                            None => true,
                            Some(e) => commits[e as usize].time - commit.time >= days,
                        })
                        .map(|c| c.lines)
                        .sum();
                    run.alive_lines[i] += alive as f64 * share;
                }
                let churned: u64 = lines
                    .iter()
                    .filter(|c| {
                        c.ended_by.is_some_and(|e| {
                            commits[e as usize].time - commit.time <= super::figures::CHURN_WINDOW
                        })
                    })
                    .map(|c| c.lines)
                    .sum();
                run.churned += churned as f64 * per_line;
            }
        }
    }
    (with_usage > 0).then(|| Tokens {
        commits: with_usage,
        priced: prices.is_some(),
        total: total.spend(),
        by_model: keys
            .into_iter()
            .map(|(key, run)| KeyedSpend {
                key,
                spend: run.spend(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_match_the_longest_model_prefix_and_price_each_kind() {
        let prices: Prices = serde_json::from_str(
            r#"{"models": {"claude-opus-4-5": {"input": 5, "output": 25, "cacheRead": 0.5, "cacheWrite": 6.25},
                           "claude": {"input": 1, "output": 1, "tokens": 2}}}"#,
        )
        .unwrap();
        let usage = Usage {
            tokens: 12834,
            input_tokens: 14,
            output_tokens: 320,
            cache_read_tokens: 11000,
            cache_write_tokens: 1500,
            ..Usage::default()
        };
        // (14 × 5 + 320 × 25 + 11000 × 0.5 + 1500 × 6.25) / 1e6 = 0.022945
        let cost = prices
            .cost(Some("claude-opus-4-5-20251101"), &usage)
            .unwrap();
        assert!((cost - 0.022945).abs() < 1e-12, "{cost}");
        // A total alone is priced by `tokens`; no price, no cost.
        let total = Usage {
            tokens: 1_000_000,
            ..Usage::default()
        };
        assert_eq!(prices.cost(Some("claude-haiku"), &total), Some(2.0));
        assert_eq!(prices.cost(Some("gpt-5"), &usage), None);
        assert_eq!(prices.cost(None, &usage), None);
    }
}
