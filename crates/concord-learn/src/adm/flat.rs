//! A compiled model laid out in one allocation of 32-bit words for scoring: a decision scores
//! thousands of models, and following a pointer per predictor per model, or reading twice the
//! bytes, costs more than the arithmetic. Contributions, the prior and the calibration are
//! stored as f32 (the compiled model rounds them so, so both layouts agree bit for bit).
//!
//! Words: the technique (0 naive Bayes, 1 joint), prior (f32 bits; joint: the bias), divisor
//! (1 + active; joint: 1, unused), the calibration's block count b (joint: 0), b lower bounds,
//! b propensities; then per predictor in the score (naive Bayes: the active ones; joint: those
//! [`super::model::in_joint`] names): its position, its kind (0 numeric, 1 symbolic), its key
//! count k, then numeric: k keys (the first micro-bin of each bin, i32); symbolic: k symbol
//! hashes (sorted, two words each, high first) and k bin numbers; then k + 1 contributions
//! (joint: bin weights; the last for the missing bin). Naive Bayes calibrates
//! sum / divisor; joint answers sigmoid(sum).

use super::joint::sigmoid;
use super::model::in_joint;
use super::pav::Block;
use super::predictor::PredictorKind;
use crate::adm::CompiledPredictor;
use concord_model::Feature;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flat {
    words: Box<[u32]>,
}

fn bits(x: f64) -> u32 {
    (x as f32).to_bits()
}

impl Flat {
    /// `bias`: the joint fit's, when the model serves it (then `prior` and `calibration` go
    /// unused).
    pub fn new(
        prior: f64,
        bias: Option<f64>,
        predictors: &[CompiledPredictor],
        calibration: &[Block],
    ) -> Self {
        let joint = bias.is_some();
        let active: Vec<(usize, &CompiledPredictor)> = predictors
            .iter()
            .enumerate()
            .filter(|(_, p)| if joint { in_joint(p) } else { p.active })
            .collect();
        let calibration = if joint { &[] } else { calibration };
        let mut w: Vec<u32> = vec![
            u32::from(joint),
            bits(bias.unwrap_or(prior)),
            bits(if joint {
                1.0
            } else {
                1.0 + active.len() as f64
            }),
            calibration.len() as u32,
        ];
        w.extend(calibration.iter().map(|b| bits(b.lower)));
        w.extend(calibration.iter().map(|b| bits(b.propensity)));
        for (position, p) in active {
            w.push(position as u32);
            match p.binning.kind {
                PredictorKind::Numeric => {
                    w.push(0);
                    w.push(p.binning.cuts.len() as u32);
                    // Micro-bin keys lie in -32768..32768.
                    w.extend(p.binning.cuts.iter().map(|c| *c as i32 as u32));
                }
                PredictorKind::Symbolic => {
                    w.push(1);
                    w.push(p.binning.hashes.len() as u32);
                    for (h, _) in &p.binning.hashes {
                        w.push((h >> 32) as u32);
                        w.push(*h as u32);
                    }
                    w.extend(p.binning.hashes.iter().map(|(_, bin)| *bin as u32));
                }
            }
            let contribution = if joint { &p.joint } else { &p.contribution };
            w.extend(contribution.iter().map(|c| bits(*c)));
        }
        Flat {
            words: w.into_boxed_slice(),
        }
    }

    /// The calibrated propensity of keyed predictor values; 0.5 before any response.
    pub fn propensity(&self, features: &[Feature]) -> f64 {
        let w = &self.words;
        if w.len() < 4 {
            return 0.5;
        }
        let f = |i: usize| f64::from(f32::from_bits(w[i]));
        let blocks = w[3] as usize;
        let mut at = 4 + 2 * blocks;
        let mut sum = f(1);
        while at + 3 <= w.len() {
            let feature = features
                .get(w[at] as usize)
                .copied()
                .unwrap_or(Feature::Missing);
            let symbolic = w[at + 1] == 1;
            let k = w[at + 2] as usize;
            at += 3;
            let bin = if symbolic {
                let hashes = &w[at..at + 2 * k];
                let bins = &w[at + 2 * k..at + 3 * k];
                at += 3 * k;
                match feature {
                    Feature::Symbol(h) => {
                        let hash_at = |i: usize| {
                            (u64::from(hashes[2 * i]) << 32) | u64::from(hashes[2 * i + 1])
                        };
                        let (mut lo, mut hi) = (0, k);
                        while lo < hi {
                            let mid = (lo + hi) / 2;
                            if hash_at(mid) < h {
                                lo = mid + 1;
                            } else {
                                hi = mid;
                            }
                        }
                        if lo < k && hash_at(lo) == h {
                            bins[lo] as usize
                        } else {
                            k
                        }
                    }
                    _ => k,
                }
            } else {
                let keys = &w[at..at + k];
                at += k;
                match feature {
                    // Below the first bin: the first bin; no bins: the missing one.
                    Feature::Number(key) if k > 0 => {
                        keys.partition_point(|c| i64::from(*c as i32) <= key).max(1) - 1
                    }
                    _ => k,
                }
            };
            sum += f(at + bin);
            at += k + 1;
        }
        if w[0] == 1 {
            return sigmoid(sum);
        }
        let score = sum / f(2);
        // The calibration block holding `score`; below the first, the first.
        let lowers = &w[4..4 + blocks];
        match lowers.partition_point(|l| f64::from(f32::from_bits(*l)) <= score) {
            _ if blocks == 0 => 0.5,
            0 => f(4 + blocks),
            i => f(4 + blocks + i - 1),
        }
    }
}
