//! Truth check for the off-policy estimators: a synthetic contextual bandit (3 contexts x 4
//! actions, known reward probabilities) logged by a softmax policy, and a greedy candidate whose
//! true value is computed exactly. The intervals must cover that truth, DR must beat IPS on width,
//! and over 200 independent logs the 95% IPS interval must cover it 90-99% of the time.

use concord_measure::ope::{Estimate, Estimator, Logged, LoggedField, OpeError, estimate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CONTEXT_PROBS: [f64; 3] = [0.5, 0.3, 0.2];
/// P(reward = 1 | context, action).
const REWARD: [[f64; 4]; 3] = [
    [0.10, 0.30, 0.05, 0.20],
    [0.40, 0.15, 0.25, 0.05],
    [0.08, 0.12, 0.35, 0.60],
];
/// What the live policy scores; it favours action 0 everywhere.
const LOGGING_SCORES: [[f64; 4]; 3] = [
    [2.0, 1.0, 0.5, 0.0],
    [2.0, 0.0, 1.0, 0.5],
    [2.0, 1.5, 0.0, 0.5],
];
/// What the candidate scores: greedy on these picks actions 1, 0 and 3.
const TARGET_SCORES: [[f64; 4]; 3] = [
    [0.2, 0.9, 0.1, 0.5],
    [0.8, 0.1, 0.3, 0.0],
    [0.0, 0.2, 0.4, 0.7],
];
const CONFIDENCE: f64 = 0.95;

/// Softmax of the scores mixed with 20% uniform, so every action keeps probability >= 0.05.
fn logging_policy(context: usize) -> [f64; 4] {
    let exp = LOGGING_SCORES[context].map(f64::exp);
    let total: f64 = exp.iter().sum();
    exp.map(|e| 0.8 * e / total + 0.2 / 4.0)
}

fn target_action(context: usize) -> usize {
    let scores = TARGET_SCORES[context];
    (0..4)
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
        .expect("four actions")
}

/// The candidate's exact value: `sum_c P(c) P(r = 1 | c, target(c))`.
fn true_value() -> f64 {
    (0..3)
        .map(|c| CONTEXT_PROBS[c] * REWARD[c][target_action(c)])
        .sum()
}

fn draw_index(probs: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let mut u = rng.random::<f64>();
    for (i, p) in probs.iter().enumerate() {
        if u < *p {
            return i;
        }
        u -= p;
    }
    probs.len() - 1
}

/// A reward model: the true probabilities, each off by up to ±0.05.
fn noisy_model(rng: &mut ChaCha8Rng) -> [[f64; 4]; 3] {
    REWARD.map(|row| row.map(|p| p + rng.random_range(-0.05..0.05)))
}

/// `n` decisions of the logging policy, with the candidate's propensity and the model's values.
/// With `target_is_logging`, the candidate is the logging policy itself.
fn simulate(n: usize, target_is_logging: bool, seed: u64) -> Vec<Logged> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let model = noisy_model(&mut rng);
    (0..n)
        .map(|_| {
            let context = draw_index(&CONTEXT_PROBS, &mut rng);
            let probs = logging_policy(context);
            let action = draw_index(&probs, &mut rng);
            let reward = f64::from(u8::from(rng.random_bool(REWARD[context][action])));
            let target = target_action(context);
            let (target_propensity, model_target) = if target_is_logging {
                let expected = (0..4).map(|a| probs[a] * model[context][a]).sum();
                (probs[action], expected)
            } else {
                (
                    f64::from(u8::from(action == target)),
                    model[context][target],
                )
            };
            Logged {
                logging_propensity: probs[action],
                target_propensity,
                reward,
                model_logged: model[context][action],
                model_target,
            }
        })
        .collect()
}

fn width(e: &Estimate) -> f64 {
    e.high - e.low
}

#[test]
fn the_policies_are_what_the_test_claims() {
    for context in 0..3 {
        let probs = logging_policy(context);
        assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(probs.iter().all(|&p| p >= 0.05), "{probs:?}");
    }
    assert_eq!((0..3).map(target_action).collect::<Vec<_>>(), [1, 0, 3]);
    // 0.5 * 0.30 + 0.3 * 0.40 + 0.2 * 0.60.
    assert!((true_value() - 0.39).abs() < 1e-12);
}

#[test]
fn intervals_cover_the_true_value_and_dr_is_narrowest() {
    let truth = true_value();
    let logged = simulate(20_000, false, 7);
    let mean_reward = logged.iter().map(|row| row.reward).sum::<f64>() / logged.len() as f64;
    eprintln!("truth {truth:.4}, logging policy's mean reward {mean_reward:.4}");
    let mut widths = Vec::new();
    for estimator in [Estimator::Ips, Estimator::Snips, Estimator::DoublyRobust] {
        let e = estimate(&logged, estimator, CONFIDENCE, 1_000, 42).expect("valid log");
        eprintln!(
            "{estimator}: {:.4} [{:.4}, {:.4}] width {:.4}, effective_n {:.0}, max_weight {:.2}",
            e.value,
            e.low,
            e.high,
            width(&e),
            e.effective_n,
            e.max_weight
        );
        assert!(e.low <= truth && truth <= e.high, "{e:?} misses {truth}");
        assert!(e.low <= e.value && e.value <= e.high, "{e:?}");
        assert_eq!((e.n, e.confidence), (20_000, CONFIDENCE));
        widths.push(width(&e));
    }
    assert!(
        widths[2] < widths[0],
        "DR {} vs IPS {}",
        widths[2],
        widths[0]
    );
    assert_eq!(
        estimate(&logged, Estimator::Ips, CONFIDENCE, 1_000, 42),
        estimate(&logged, Estimator::Ips, CONFIDENCE, 1_000, 42),
        "same seed, same interval"
    );
}

#[test]
fn evaluating_the_logging_policy_itself_gives_its_mean_reward() {
    let logged = simulate(5_000, true, 11);
    let mean_reward = logged.iter().map(|row| row.reward).sum::<f64>() / logged.len() as f64;
    let ips = estimate(&logged, Estimator::Ips, CONFIDENCE, 200, 1).expect("valid log");
    let snips = estimate(&logged, Estimator::Snips, CONFIDENCE, 200, 1).expect("valid log");
    assert!((ips.value - mean_reward).abs() < 1e-12, "{ips:?}");
    assert_eq!(snips.value, mean_reward);
    assert_eq!((ips.effective_n, ips.max_weight), (5_000.0, 1.0));
}

#[test]
fn tiny_log_matches_hand_computation() {
    fn check(estimator: Estimator, expected: f64) {
        let rows = [
            // w = 2
            row(0.5, 1.0, 1.0, 0.6, 0.6),
            // w = 0
            row(0.25, 0.0, 0.0, 0.2, 0.5),
            // w = 0.5
            row(0.8, 0.4, 3.0, 2.0, 1.0),
        ];
        let e = estimate(&rows, estimator, 0.9, 100, 3).expect("valid log");
        assert!((e.value - expected).abs() < 1e-12, "{estimator}: {e:?}");
        assert!(e.low <= e.value && e.value <= e.high, "{e:?}");
        // (2 + 0 + 0.5)² / (4 + 0 + 0.25).
        assert!((e.effective_n - 6.25 / 4.25).abs() < 1e-12, "{e:?}");
        assert_eq!((e.n, e.max_weight, e.estimator), (3, 2.0, estimator));
    }
    // IPS: (2·1 + 0·0 + 0.5·3) / 3.
    check(Estimator::Ips, 3.5 / 3.0);
    // SNIPS: 3.5 / (2 + 0 + 0.5).
    check(Estimator::Snips, 1.4);
    // DR: ((0.6 + 2·(1 - 0.6)) + (0.5 + 0) + (1 + 0.5·(3 - 2))) / 3 = (1.4 + 0.5 + 1.5) / 3.
    check(Estimator::DoublyRobust, 3.4 / 3.0);
}

fn row(logging: f64, target: f64, reward: f64, model_logged: f64, model_target: f64) -> Logged {
    Logged {
        logging_propensity: logging,
        target_propensity: target,
        reward,
        model_logged,
        model_target,
    }
}

#[test]
fn bad_inputs_name_their_field_and_row() {
    fn check(
        rows: &[Logged],
        estimator: Estimator,
        confidence: f64,
        resamples: usize,
        message: &str,
    ) {
        let error = estimate(rows, estimator, confidence, resamples, 0).expect_err(message);
        assert_eq!(error.to_string(), message);
    }
    let ok = row(0.5, 1.0, 1.0, 0.5, 0.5);
    let ips = Estimator::Ips;
    check(&[], ips, 0.95, 100, "no logged decisions to evaluate");
    for (bad, message) in [
        (
            row(0.0, 1.0, 1.0, 0.0, 0.0),
            "logged[1].logging_propensity = 0 is out of range ((0, 1])",
        ),
        (
            row(1.5, 1.0, 1.0, 0.0, 0.0),
            "logged[1].logging_propensity = 1.5 is out of range ((0, 1])",
        ),
        (
            row(f64::NAN, 1.0, 1.0, 0.0, 0.0),
            "logged[1].logging_propensity = NaN is out of range ((0, 1])",
        ),
        (
            row(0.5, -0.1, 1.0, 0.0, 0.0),
            "logged[1].target_propensity = -0.1 is out of range ([0, 1])",
        ),
        (
            row(0.5, 1.01, 1.0, 0.0, 0.0),
            "logged[1].target_propensity = 1.01 is out of range ([0, 1])",
        ),
        (
            row(0.5, 1.0, f64::INFINITY, 0.0, 0.0),
            "logged[1].reward = inf is not finite",
        ),
    ] {
        check(&[ok, bad, bad], ips, 0.95, 100, message);
    }
    let dr = Estimator::DoublyRobust;
    let bad_model = row(0.5, 1.0, 1.0, f64::NAN, 0.0);
    check(
        &[ok, ok, bad_model],
        dr,
        0.95,
        100,
        "logged[2].model_logged = NaN is not finite",
    );
    let bad_model = row(0.5, 1.0, 1.0, 0.0, f64::NEG_INFINITY);
    check(
        &[bad_model],
        dr,
        0.95,
        100,
        "logged[0].model_target = -inf is not finite",
    );
    // IPS never reads the model, so a missing one (NaN) does not stop it.
    assert!(estimate(&[bad_model], ips, 0.95, 100, 0).is_ok());
    for confidence in [0.0, 1.0, f64::NAN] {
        let message = format!("confidence must lie strictly between 0 and 1, got {confidence}");
        check(&[ok], ips, confidence, 100, &message);
    }
    check(
        &[ok],
        ips,
        0.95,
        99,
        "99 bootstrap resamples are too few; at least 100 are needed",
    );
    let never_taken = row(0.5, 0.0, 1.0, 0.0, 0.0);
    assert_eq!(
        estimate(&[never_taken, never_taken], Estimator::Snips, 0.95, 100, 0),
        Err(OpeError::ZeroWeightSum)
    );
    assert!(matches!(
        estimate(&[ok, bad_model], dr, 0.95, 100, 0),
        Err(OpeError::NonFinite {
            index: 1,
            field: LoggedField::ModelTarget,
            ..
        })
    ));
}

#[test]
fn ips_interval_coverage_over_independent_logs() {
    const LOGS: u64 = 200;
    let truth = true_value();
    let estimators = [Estimator::Ips, Estimator::Snips, Estimator::DoublyRobust];
    let mut covered = [0_u32; 3];
    let mut total_width = [0.0; 3];
    for log in 0..LOGS {
        let logged = simulate(2_000, false, 1_000 + log);
        for (k, estimator) in estimators.into_iter().enumerate() {
            let e = estimate(&logged, estimator, CONFIDENCE, 200, log).expect("valid log");
            covered[k] += u32::from(e.low <= truth && truth <= e.high);
            total_width[k] += width(&e);
        }
    }
    for (k, estimator) in estimators.into_iter().enumerate() {
        eprintln!(
            "{estimator}: 95% interval covered the truth in {}/{LOGS} logs of 2,000 decisions, mean width {:.4}",
            covered[k],
            total_width[k] / LOGS as f64
        );
    }
    let ips_coverage = f64::from(covered[0]) / LOGS as f64;
    assert!(
        (0.90..=0.99).contains(&ips_coverage),
        "IPS coverage {ips_coverage}"
    );
}
