//! Truth check for `lift`: over 1,000 simulated experiments with a known true lift, the 95%
//! intervals cover it 93-97% of the time; they narrow as the arms grow; and `sample_size` buys the
//! power it promises.
//!
//! Units are drawn exactly (binomial counts by geometric skips, values per responding unit), never
//! from a normal approximation, so the check does not assume what it tests. Seeds are fixed.

use concord_measure::lift::{Sample, lift, sample_size};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const EXPERIMENTS: usize = 1_000;
const CONFIDENCE: f64 = 0.95;

/// How one arm's per-unit metric is generated.
#[derive(Debug, Clone, Copy)]
enum Metric {
    /// 0/1 per unit.
    Rate(f64),
    /// 0 unless the unit accepts (probability `accept`); then one of `prices` with its weight.
    PricePoints {
        accept: f64,
        prices: &'static [(f64, f64)],
    },
    /// 0 unless the unit accepts; then `exp(N(mu, sigma²))`.
    LogNormal { accept: f64, mu: f64, sigma: f64 },
}

impl Metric {
    /// The true per-unit mean, from the generating parameters.
    fn mean(self) -> f64 {
        match self {
            Metric::Rate(p) => p,
            Metric::PricePoints { accept, prices } => {
                let total: f64 = prices.iter().map(|(_, w)| w).sum();
                accept * prices.iter().map(|(v, w)| v * w).sum::<f64>() / total
            }
            Metric::LogNormal { accept, mu, sigma } => accept * (mu + sigma * sigma / 2.0).exp(),
        }
    }

    fn draw(self, n: u64, rng: &mut ChaCha8Rng) -> Sample {
        match self {
            Metric::Rate(p) => Sample::bernoulli(binomial(n, p, rng), n).expect("successes <= n"),
            Metric::PricePoints { accept, prices } => {
                let total: f64 = prices.iter().map(|(_, w)| w).sum();
                responders(n, accept, rng, |rng| {
                    let mut target = rng.random::<f64>() * total;
                    for &(value, weight) in prices {
                        if target < weight {
                            return value;
                        }
                        target -= weight;
                    }
                    prices[prices.len() - 1].0
                })
            }
            Metric::LogNormal { accept, mu, sigma } => responders(n, accept, rng, |rng| {
                (mu + sigma * standard_normal(rng)).exp()
            }),
        }
    }
}

/// `n` units of which a Binomial(n, accept) number respond, each with a value from `value`.
fn responders(
    n: u64,
    accept: f64,
    rng: &mut ChaCha8Rng,
    mut value: impl FnMut(&mut ChaCha8Rng) -> f64,
) -> Sample {
    let accepted = binomial(n, accept, rng);
    let mut sample = Sample {
        n: n - accepted,
        sum: 0.0,
        sum_sq: 0.0,
    };
    for _ in 0..accepted {
        sample.add(value(rng));
    }
    sample
}

/// An exact Binomial(n, p) draw: the gaps between successes in a run of Bernoulli trials are
/// Geometric(p), drawn by inversion, so the work is about `n·p` draws rather than `n`.
fn binomial(n: u64, p: f64, rng: &mut ChaCha8Rng) -> u64 {
    let log_miss = (-p).ln_1p();
    let (mut successes, mut trials) = (0, 0);
    loop {
        let u = 1.0 - rng.random::<f64>(); // in (0, 1], so ln(u) is finite
        let misses = (u.ln() / log_miss).floor();
        if misses >= (n - trials) as f64 {
            return successes;
        }
        trials += misses as u64 + 1;
        successes += 1;
    }
}

/// Box-Muller.
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[derive(Debug, Clone, Copy)]
struct Case {
    name: &'static str,
    control: Metric,
    test: Metric,
    control_n: u64,
    test_n: u64,
}

impl Case {
    fn true_lift(&self) -> f64 {
        self.test.mean() / self.control.mean() - 1.0
    }
}

/// What 1,000 experiments of a case gave.
#[derive(Debug, Clone, Copy)]
struct Figures {
    coverage: f64,
    significant: f64,
    mean_width: f64,
}

fn simulate(case: &Case, seed: u64) -> Figures {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let truth = case.true_lift();
    let (mut covered, mut significant, mut width) = (0, 0, 0.0);
    for _ in 0..EXPERIMENTS {
        let control = case.control.draw(case.control_n, &mut rng);
        let test = case.test.draw(case.test_n, &mut rng);
        let l = lift(&test, &control, CONFIDENCE).expect("arms large enough for an interval");
        covered += usize::from(l.low <= truth && truth <= l.high);
        significant += usize::from(l.significant);
        width += l.high - l.low;
    }
    let experiments = EXPERIMENTS as f64;
    let figures = Figures {
        coverage: covered as f64 / experiments,
        significant: significant as f64 / experiments,
        mean_width: width / experiments,
    };
    eprintln!(
        "{:<44} n_c {:>6} n_t {:>7} true lift {:+.4}: coverage {:.3}, significant {:.3}, mean width {:.4}",
        case.name,
        case.control_n,
        case.test_n,
        truth,
        figures.coverage,
        figures.significant,
        figures.mean_width
    );
    figures
}

const BUNDLES: &[(f64, f64)] = &[(1.0, 0.5), (3.0, 0.3), (10.0, 0.2)];
const BUNDLES_UPSOLD: &[(f64, f64)] = &[(1.0, 0.4), (3.0, 0.35), (10.0, 0.25)];

#[test]
fn intervals_cover_the_true_lift_93_to_97_percent_of_the_time() {
    let cases = [
        Case {
            name: "rate 5% -> 6%, 2% control of 500k",
            control: Metric::Rate(0.05),
            test: Metric::Rate(0.06),
            control_n: 10_000,
            test_n: 490_000,
        },
        Case {
            name: "rate 8% -> 6% (negative lift), 10% control",
            control: Metric::Rate(0.08),
            test: Metric::Rate(0.06),
            control_n: 5_000,
            test_n: 45_000,
        },
        Case {
            name: "rate 2% -> 2% (no lift), 10% control",
            control: Metric::Rate(0.02),
            test: Metric::Rate(0.02),
            control_n: 5_000,
            test_n: 45_000,
        },
        Case {
            name: "value, 10% accept, price points, upsold",
            control: Metric::PricePoints {
                accept: 0.10,
                prices: BUNDLES,
            },
            test: Metric::PricePoints {
                accept: 0.11,
                prices: BUNDLES_UPSOLD,
            },
            control_n: 5_000,
            test_n: 45_000,
        },
        Case {
            name: "value, 10% accept, lognormal sigma 1",
            control: Metric::LogNormal {
                accept: 0.10,
                mu: 1.0,
                sigma: 1.0,
            },
            test: Metric::LogNormal {
                accept: 0.11,
                mu: 1.05,
                sigma: 1.0,
            },
            control_n: 5_000,
            test_n: 45_000,
        },
    ];
    let mut failures = Vec::new();
    for (seed, case) in (1..).zip(&cases) {
        let figures = simulate(case, seed);
        if !(0.93..=0.97).contains(&figures.coverage) {
            failures.push(format!("{}: coverage {:.3}", case.name, figures.coverage));
        }
    }
    assert!(failures.is_empty(), "outside 93-97%: {failures:?}");
}

#[test]
fn intervals_narrow_as_the_arms_grow() {
    // The standard error goes as 1/sqrt(n): four times the units, half the width.
    let at = |control_n: u64| Case {
        name: "rate 5% -> 5.5%, 20% control",
        control: Metric::Rate(0.05),
        test: Metric::Rate(0.055),
        control_n,
        test_n: 4 * control_n,
    };
    let widths: Vec<(u64, Figures)> = [2_500, 10_000, 40_000]
        .into_iter()
        .zip(10..)
        .map(|(n, seed)| (n, simulate(&at(n), seed)))
        .collect();
    for pair in widths.windows(2) {
        let [(small_n, small), (large_n, large)] = pair else {
            unreachable!("windows(2)")
        };
        let ratio = large.mean_width / small.mean_width;
        assert!(
            (0.45..=0.55).contains(&ratio),
            "width at {large_n} over width at {small_n}: {ratio:.3}"
        );
        assert!((0.93..=0.97).contains(&large.coverage), "{large:?}");
    }
}

#[test]
fn heavy_tails_are_where_the_promise_stops() {
    // Lognormal values with sigma 2 (mean/median 7.4) and 500 control responders: the means are
    // still far from normal, and the 95% interval covers the truth only about 90% of the time.
    // Pinned so that a change of method (e.g. a bootstrap, or trimming) shows up here.
    let case = Case {
        name: "value, 10% accept, lognormal sigma 2",
        control: Metric::LogNormal {
            accept: 0.10,
            mu: 1.0,
            sigma: 2.0,
        },
        test: Metric::LogNormal {
            accept: 0.11,
            mu: 1.05,
            sigma: 2.0,
        },
        control_n: 5_000,
        test_n: 45_000,
    };
    let figures = simulate(&case, 30);
    assert!((0.86..0.93).contains(&figures.coverage), "{figures:?}");
}

#[test]
fn sample_size_buys_the_power_it_promises() {
    // Sized for 80% power. With 1,000 experiments the share significant has a standard error of
    // about 0.013; the first-order formula overshoots for upward lifts (82-85% over 4,000
    // experiments), so the band is 0.76-0.88: at least the power asked, up to noise, and not
    // wastefully more.
    let mut failures = Vec::new();
    for (seed, (baseline, mde, control_share)) in
        (20..).zip([(0.05, 0.10, 0.5), (0.05, 0.20, 0.02), (0.05, -0.10, 0.5)])
    {
        let size = sample_size(baseline, mde, control_share, 0.05, 0.8).expect("valid inputs");
        let case = Case {
            name: "rate at sample_size's n for 80% power",
            control: Metric::Rate(baseline),
            test: Metric::Rate(baseline * (1.0 + mde)),
            control_n: size.control,
            test_n: size.test,
        };
        let figures = simulate(&case, seed);
        if !(0.76..=0.88).contains(&figures.significant) {
            failures.push(format!("{mde:+} at {control_share}: {figures:?}"));
        }
    }
    assert!(failures.is_empty(), "power outside 0.76-0.88: {failures:?}");
}
