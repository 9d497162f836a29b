//! How well a score ranks blocks that later got fixed: AUC and the share of
//! fixed blocks caught by the top tenth. Pure arithmetic on (score, label).

/// Area under the ROC curve (Mann–Whitney): the chance that a fixed block
/// scores above an unfixed one, ties counting half. `None` without both kinds.
pub fn auc(scored: &[(f64, bool)]) -> Option<f64> {
    let positives = scored.iter().filter(|(_, fixed)| *fixed).count();
    let negatives = scored.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the ranks of the positives, ties sharing their mean rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        let tied_positives = sorted[i..j].iter().filter(|(_, f)| *f).count();
        rank_sum += mean_rank * tied_positives as f64;
        i = j;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// The share of fixed blocks among the `ceil(10 %)` highest-scored blocks,
/// over all fixed blocks. Blocks tied at the cut count in proportion (the
/// expected share when ties are broken at random). `None` without fixed blocks.
pub fn top_tenth_share(scored: &[(f64, bool)]) -> Option<f64> {
    let positives = scored.iter().filter(|(_, fixed)| *fixed).count();
    if positives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut slots = (scored.len() as f64 / 10.0).ceil();
    let mut caught = 0.0;
    let mut i = 0;
    while i < sorted.len() && slots > 0.0 {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let group = (j - i) as f64;
        let fixed = sorted[i..j].iter().filter(|(_, f)| *f).count() as f64;
        let taken = group.min(slots);
        caught += fixed * taken / group;
        slots -= taken;
        i = j;
    }
    Some(caught / positives as f64)
}

/// Fix rate of blocks scored at least `cut` over that of the rest; `None`
/// when either side is empty or the rest had no fix.
pub fn rate_ratio(scored: &[(f64, bool)], cut: f64) -> Option<f64> {
    let rate = |high: bool| {
        let side: Vec<bool> = scored
            .iter()
            .filter(|(s, _)| (*s >= cut) == high)
            .map(|(_, f)| *f)
            .collect();
        (!side.is_empty()).then(|| side.iter().filter(|f| **f).count() as f64 / side.len() as f64)
    };
    let (high, rest) = (rate(true)?, rate(false)?);
    (rest > 0.0).then(|| high / rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Positives 0.9 and 0.4; negatives 0.5, 0.1, 0.4. Pairs won: 0.9 beats all 3;
        // 0.4 beats 0.1, ties 0.4 (½), loses to 0.5: (3 + 1.5) / 6 = 0.75.
        let scored = [
            (0.9, true),
            (0.4, true),
            (0.5, false),
            (0.1, false),
            (0.4, false),
        ];
        assert_eq!(auc(&scored), Some(0.75));
        assert_eq!(auc(&[(1.0, true), (0.0, false)]), Some(1.0));
        assert_eq!(auc(&[(0.0, true), (1.0, false)]), Some(0.0));
        assert_eq!(auc(&[(1.0, true), (1.0, false)]), Some(0.5));
        assert_eq!(auc(&[(1.0, false)]), None);
    }

    #[test]
    fn top_tenth_by_hand() {
        // 20 blocks: top 2 slots. Scores 9 (fixed), then 8, 8 (one fixed): the cut splits the tie,
        // so half of that fixed block counts: (1 + 0.5) / 3 fixed blocks = 0.5.
        let mut scored = vec![(9.0, true), (8.0, true), (8.0, false), (1.0, true)];
        scored.extend(std::iter::repeat_n((0.0, false), 16));
        assert_eq!(top_tenth_share(&scored), Some(0.5));
        assert_eq!(top_tenth_share(&[(1.0, false)]), None);
    }

    #[test]
    fn ratio_of_fix_rates() {
        let scored = [
            (80.0, true),
            (75.0, false),
            (10.0, true),
            (5.0, false),
            (1.0, false),
            (0.0, false),
        ];
        // High: 1 of 2; rest: 1 of 4 → 2×.
        assert_eq!(rate_ratio(&scored, 70.0), Some(2.0));
    }
}
