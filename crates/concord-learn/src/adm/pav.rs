//! Pool-adjacent-violators: the isotonic (non-decreasing) fit of response rates over score
//! bins, each bin weighted by its evidence, each pooled block's propensity (0.5 + pos) /
//! (1 + pos + neg) as ADM calibrates.

/// One block of the calibration: scores from `lower` (inclusive) up to the next block's
/// `lower` map to `propensity`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    pub lower: f64,
    pub positives: u64,
    pub negatives: u64,
    pub propensity: f64,
}

fn rate(pos: u64, neg: u64) -> f64 {
    (0.5 + pos as f64) / (1.0 + pos as f64 + neg as f64)
}

/// `bins`: (lowest score of the bin, positives, negatives), sorted by score. Adjacent bins
/// whose rates do not increase are pooled until every block's rate is above the one before
/// (equal rates pool too: the blocks are then exactly the propensities the model can give).
pub fn pav(bins: &[(f64, u64, u64)]) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::with_capacity(bins.len());
    for &(lower, pos, neg) in bins {
        if pos + neg == 0 {
            continue;
        }
        let mut block = Block {
            lower,
            positives: pos,
            negatives: neg,
            propensity: rate(pos, neg),
        };
        while let Some(prev) = blocks.last()
            && prev.propensity >= block.propensity
        {
            block = Block {
                lower: prev.lower,
                positives: prev.positives + block.positives,
                negatives: prev.negatives + block.negatives,
                propensity: rate(
                    prev.positives + block.positives,
                    prev.negatives + block.negatives,
                ),
            };
            blocks.pop();
        }
        blocks.push(block);
    }
    blocks
}

/// The propensity of `score` under a calibration: its block's; below the first block, the
/// first's; no blocks (no responses yet): 0.5.
pub fn calibrate(blocks: &[Block], score: f64) -> f64 {
    let i = blocks.partition_point(|b| b.lower <= score);
    match i {
        0 => blocks.first().map_or(0.5, |b| b.propensity),
        i => blocks[i - 1].propensity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (bins, expected (lower, propensity) blocks), rates hand-computed with (0.5+p)/(1+p+n).
    #[test]
    fn violators_are_pooled() {
        type Case<'a> = (&'a [(f64, u64, u64)], &'a [(f64, f64)]);
        let cases: &[Case<'_>] = &[
            (&[], &[]),
            // Already increasing: 0.5/2 = 0.25, 2.5/4 = 0.625.
            (&[(0.0, 0, 1), (1.0, 2, 1)], &[(0.0, 0.25), (1.0, 0.625)]),
            // Decreasing: pooled into one block of 3 pos, 1 neg: 3.5/5 = 0.7.
            (&[(0.0, 3, 0), (1.0, 0, 1)], &[(0.0, 0.7)]),
            // The third violates the pooled second: (1,1)+(0,2) = (1,3) -> 1.5/5 = 0.3, which
            // is above the first (0,4) -> 0.5/5 = 0.1, so it stays a block.
            (
                &[(0.0, 0, 4), (1.0, 1, 1), (2.0, 0, 2)],
                &[(0.0, 0.1), (1.0, 0.3)],
            ),
            // Equal rates pool: (0,1) 0.25, (0,1) 0.25 -> (0,2) 0.5/3.
            (&[(0.0, 0, 1), (1.0, 0, 1)], &[(0.0, 0.5 / 3.0)]),
            // Empty bins are skipped.
            (&[(0.0, 0, 0), (1.0, 1, 0)], &[(1.0, 0.75)]),
        ];
        for (bins, expected) in cases {
            let got: Vec<(f64, f64)> = pav(bins).iter().map(|b| (b.lower, b.propensity)).collect();
            assert_eq!(got.len(), expected.len(), "{bins:?}: {got:?}");
            for ((l, p), (el, ep)) in got.iter().zip(expected.iter()) {
                assert_eq!(l, el, "{bins:?}");
                assert!((p - ep).abs() < 1e-12, "{bins:?}: {p} vs {ep}");
            }
        }
    }

    #[test]
    fn scores_map_to_their_block() {
        let blocks = pav(&[(-1.0, 0, 4), (0.5, 1, 1)]);
        for (score, expected) in [(-5.0, 0.1), (-1.0, 0.1), (0.4, 0.1), (0.5, 0.5), (9.0, 0.5)] {
            assert!(
                (calibrate(&blocks, score) - expected).abs() < 1e-12,
                "{score}"
            );
        }
        assert_eq!(calibrate(&[], 1.0), 0.5);
    }
}
