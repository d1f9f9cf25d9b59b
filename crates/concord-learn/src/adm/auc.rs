//! Area under the ROC curve from binned counts: the chance that a random positive scores above
//! a random negative (ties count half).

/// `bins`: (positives, negatives), ordered from the lowest score (or propensity) to the
/// highest. `None` without both a positive and a negative.
pub fn auc(bins: &[(u64, u64)]) -> Option<f64> {
    let (p, n) = bins
        .iter()
        .fold((0u64, 0u64), |(p, n), (bp, bn)| (p + bp, n + bn));
    if p == 0 || n == 0 {
        return None;
    }
    let mut negatives_below = 0u64;
    let mut sum = 0.0;
    for &(bp, bn) in bins {
        sum += bp as f64 * (negatives_below as f64 + 0.5 * bn as f64);
        negatives_below += bn;
    }
    Some(sum / (p as f64 * n as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_cases() {
        type Case<'a> = (&'a [(u64, u64)], Option<f64>);
        let cases: &[Case<'_>] = &[
            (&[], None),
            (&[(3, 0)], None),
            // Perfect separation.
            (&[(0, 5), (5, 0)], Some(1.0)),
            // Inverted.
            (&[(5, 0), (0, 5)], Some(0.0)),
            // One bin: every pair ties.
            (&[(2, 3)], Some(0.5)),
            // 2 bins: pos (1 low, 3 high), neg (3 low, 1 high):
            // low pos: 0.5*3 = 1.5; high pos: 3*(3 + 0.5) = 10.5; (1.5+10.5)/(4*4) = 0.75.
            (&[(1, 3), (3, 1)], Some(0.75)),
        ];
        for (bins, expected) in cases {
            assert_eq!(auc(bins), *expected, "{bins:?}");
        }
    }
}
