//! The logging policy's chance of what it put first: from how every candidate competed in a
//! decision (`concord_model::Competed`), the probability that the chosen one ranked first,
//! by Monte Carlo over the Thompson draws (exact when nothing was drawn). Off-policy
//! evaluation divides by it.

use crate::explore::{SplitMix, beta};
use concord_model::Competed;

/// How the logging policy ranked a decision's candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranking {
    /// By priority = draw x factor (the full strategy, Thompson sampling).
    Priority,
    /// Uniformly at random (the `random_action` control arm).
    Uniform,
}

/// The probability that `competed[chosen]` ranked first: a higher tier first, then the higher
/// priority, then the lower `ranks` entry (the strategy's id order). `draws` Monte Carlo draws
/// from `seed` when some priority was drawn; `None` when `chosen` is out of range. A chosen
/// candidate no draw put first gets half a draw's chance (so a weight is never infinite), a
/// bias the estimate's `max_weight` shows.
pub fn first_chance(
    competed: &[Competed],
    ranks: &[u32],
    chosen: usize,
    ranking: Ranking,
    draws: usize,
    seed: u64,
) -> Option<f64> {
    let me = competed.get(chosen)?;
    let top_tier = competed.iter().map(|c| c.tier).max()?;
    if me.tier < top_tier {
        return Some(0.0);
    }
    let rivals: Vec<usize> = (0..competed.len())
        .filter(|&i| competed[i].tier == top_tier)
        .collect();
    if ranking == Ranking::Uniform {
        return Some(1.0 / rivals.len() as f64);
    }
    let drawn = |c: &Competed| c.draws && c.evidence.is_finite();
    let mean = |c: &Competed| f64::from(c.mean);
    if !rivals.iter().any(|&i| drawn(&competed[i])) {
        // Deterministic: first or not.
        let first = rivals.iter().all(|&i| {
            i == chosen
                || beats(
                    priority(me, mean(me)),
                    ranks,
                    chosen,
                    priority(&competed[i], mean(&competed[i])),
                    i,
                )
        });
        return Some(if first { 1.0 } else { 0.0 });
    }
    let mut rng = SplitMix::new(seed);
    let draws = draws.max(1);
    let mut wins = 0usize;
    let mut values = vec![0.0; rivals.len()];
    for _ in 0..draws {
        for (v, &i) in values.iter_mut().zip(&rivals) {
            let c = &competed[i];
            let p = if drawn(c) {
                let (m, e) = (mean(c), f64::from(c.evidence));
                beta(&mut rng, 1.0 + m * e, 1.0 + (1.0 - m) * e)
            } else {
                mean(c)
            };
            *v = priority(c, p);
        }
        let mine = rivals
            .iter()
            .position(|&i| i == chosen)
            .map_or(0.0, |k| values[k]);
        let first = rivals
            .iter()
            .zip(&values)
            .all(|(&i, &v)| i == chosen || beats(mine, ranks, chosen, v, i));
        wins += usize::from(first);
    }
    Some(if wins == 0 {
        0.5 / draws as f64
    } else {
        wins as f64 / draws as f64
    })
}

fn priority(c: &Competed, drawn: f64) -> f64 {
    let factor = f64::from(c.factor);
    if c.draws { drawn * factor } else { factor }
}

/// Whether priority `a` of candidate `i` ranks above priority `b` of candidate `j`.
fn beats(a: f64, ranks: &[u32], i: usize, b: f64, j: usize) -> bool {
    match a.total_cmp(&b) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => ranks.get(i) < ranks.get(j),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(mean: f32, evidence: f32, factor: f32, tier: u8) -> Competed {
        Competed {
            action: 0,
            mean,
            evidence,
            factor,
            draws: true,
            tier,
        }
    }

    /// Two actions without evidence draw uniforms: each is first half the time, and a factor
    /// of 2 makes the first win with P(2U > V) = 3/4. Deterministic ones are first or not; a
    /// higher tier always wins; uniform ranking is 1 / the top tier's size.
    #[test]
    fn chances_match_their_closed_forms() {
        let ranks = [0, 1, 2];
        let even = [c(0.3, 0.0, 1.0, 0), c(0.6, 0.0, 1.0, 0)];
        let p = first_chance(&even, &ranks, 0, Ranking::Priority, 20_000, 7).expect("in range");
        assert!((p - 0.5).abs() < 0.01, "{p}");
        let doubled = [c(0.3, 0.0, 2.0, 0), c(0.6, 0.0, 1.0, 0)];
        let p = first_chance(&doubled, &ranks, 0, Ranking::Priority, 20_000, 7).expect("in range");
        assert!((p - 0.75).abs() < 0.01, "{p}");
        let fixed = [c(0.3, f32::INFINITY, 1.0, 0), c(0.6, f32::INFINITY, 1.0, 0)];
        assert_eq!(
            first_chance(&fixed, &ranks, 1, Ranking::Priority, 10, 7),
            Some(1.0)
        );
        assert_eq!(
            first_chance(&fixed, &ranks, 0, Ranking::Priority, 10, 7),
            Some(0.0)
        );
        // Equal deterministic priorities: the lower id rank is first.
        let tied = [c(0.5, f32::INFINITY, 1.0, 0), c(0.5, f32::INFINITY, 1.0, 0)];
        assert_eq!(
            first_chance(&tied, &ranks, 0, Ranking::Priority, 10, 7),
            Some(1.0)
        );
        let mandatory = [c(0.01, 5.0, 1.0, 2), c(0.9, 5.0, 9.0, 0)];
        assert_eq!(
            first_chance(&mandatory, &ranks, 0, Ranking::Priority, 100, 7),
            Some(1.0)
        );
        assert_eq!(
            first_chance(&mandatory, &ranks, 1, Ranking::Priority, 100, 7),
            Some(0.0)
        );
        let three = [
            c(0.1, 9.0, 1.0, 0),
            c(0.2, 9.0, 1.0, 0),
            c(0.3, 9.0, 1.0, 0),
        ];
        assert_eq!(
            first_chance(&three, &ranks, 2, Ranking::Uniform, 1, 7),
            Some(1.0 / 3.0)
        );
        assert_eq!(
            first_chance(&three, &ranks, 3, Ranking::Uniform, 1, 7),
            None
        );
    }

    /// Beta draws: P(X > Y) for X ~ Beta(13, 9), Y ~ Beta(9, 13) (mean 0.6 and 0.4 with
    /// evidence 20) is about 0.895 (their difference is near normal: mean 0.182, sd 0.145);
    /// the chances of all candidates add up to 1.
    #[test]
    fn thompson_chances_add_up_to_one() {
        let ranks = [0, 1, 2];
        let pair = [c(0.6, 20.0, 1.0, 0), c(0.4, 20.0, 1.0, 0)];
        let p = first_chance(&pair, &ranks, 0, Ranking::Priority, 20_000, 3).expect("in range");
        assert!((p - 0.895).abs() < 0.015, "{p}");
        let three = [
            c(0.2, 30.0, 2.0, 0),
            c(0.5, 10.0, 1.0, 0),
            c(0.1, 0.0, 3.0, 0),
        ];
        let total: f64 = (0..3)
            .map(|i| {
                first_chance(&three, &ranks, i, Ranking::Priority, 20_000, 11).expect("in range")
            })
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }
}
