//! The ADM maths against hand-computed values: the BRIEF's score formula on small fixtures,
//! predictor activity, calibration, AUC, maturity; and merge order independence.

use super::*;
use concord_model::Value;

fn learn_all(model: &mut AdmModel, rows: &[(Vec<Value>, bool)], config: &AdmConfig) {
    for (values, positive) in rows {
        let scoring = model.compile(config);
        model.learn(values, *positive, &scoring);
    }
}

fn seg(s: &str) -> Vec<Value> {
    vec![Value::from(s)]
}

#[test]
fn an_empty_model_answers_its_prior() {
    let model = AdmModel::new(&[PredictorKind::Numeric, PredictorKind::Symbolic]);
    let scoring = model.compile(&AdmConfig::default());
    let values = [Value::Num(3.0), Value::from("x")];
    assert_eq!(scoring.score(&values), 0.0);
    assert_eq!(scoring.propensity(&values), 0.5);
    assert_eq!(scoring.auc, None);
    assert!(!scoring.mature);
}

/// One symbolic predictor: prepaid 3 positives 1 negative, postpaid 1 and 3. P = N = 4, three
/// bins (postpaid, prepaid, missing), the predictor's AUC 0.75 (active). The BRIEF's formula,
/// written out: score = (log(1+P) - log(1+N) + log(pos + 1/3) - log(neg + 1/3) - log(1+P) +
/// log(1+N)) / (1 + 1).
#[test]
fn the_score_is_the_briefs_formula() {
    let mut model = AdmModel::new(&[PredictorKind::Symbolic]);
    let rows: Vec<(Vec<Value>, bool)> = [
        ("prepaid", true),
        ("prepaid", true),
        ("prepaid", true),
        ("prepaid", false),
        ("postpaid", true),
        ("postpaid", false),
        ("postpaid", false),
        ("postpaid", false),
    ]
    .iter()
    .map(|(s, p)| (seg(s), *p))
    .collect();
    let config = AdmConfig::default();
    learn_all(&mut model, &rows, &config);
    let scoring = model.compile(&config);
    let (p, n) = (4.0f64, 4.0f64);
    let formula = |pos: f64, neg: f64| {
        let third = 1.0 / 3.0;
        ((1.0 + p).ln() - (1.0 + n).ln() + (pos + third).ln() - (neg + third).ln() - (1.0 + p).ln()
            + (1.0 + n).ln())
            / 2.0
    };
    let cases = [
        ("prepaid", formula(3.0, 1.0)),
        ("postpaid", formula(1.0, 3.0)),
        ("hybrid", formula(0.0, 0.0)),
    ];
    // Scoring keeps single precision: 7 significant digits.
    for (segment, expected) in cases {
        let got = scoring.score(&seg(segment));
        assert!(
            (got - expected).abs() < 1e-6,
            "{segment}: {got} vs {expected}"
        );
    }
    assert!((scoring.score(&seg("prepaid")) - 2.5f64.ln() / 2.0).abs() < 1e-6);
    assert_eq!(scoring.predictors[0].auc, Some(0.75));
    assert!(scoring.predictors[0].active);
}

/// A predictor whose bins all respond alike has AUC 0.5 < 0.52: it does not take part, and
/// the denominator counts only the active ones.
#[test]
fn inactive_predictors_leave_the_score() {
    let mut model = AdmModel::new(&[PredictorKind::Symbolic, PredictorKind::Symbolic]);
    let mut rows = Vec::new();
    for (s, noise, pos) in [
        ("a", "x", true),
        ("a", "y", true),
        ("a", "x", false),
        ("a", "y", false),
        ("b", "x", false),
        ("b", "y", false),
        ("b", "x", false),
        ("b", "y", false),
        ("a", "x", true),
        ("a", "y", true),
    ] {
        rows.push((vec![Value::from(s), Value::from(noise)], pos));
    }
    let config = AdmConfig::default();
    learn_all(&mut model, &rows, &config);
    let scoring = model.compile(&config);
    assert!(scoring.predictors[0].active);
    // x and y: 2 of 5 positive each.
    assert_eq!(scoring.predictors[1].auc, Some(0.5));
    assert!(!scoring.predictors[1].active);
    assert_eq!(scoring.active, 1);
    let only_first = (scoring.prior + scoring.predictors[0].contribution[0]) / 2.0;
    assert_eq!(
        scoring.score(&[Value::from("a"), Value::from("y")]),
        only_first
    );
}

/// Learning separates good from bad customers: the calibrated propensity follows the truth,
/// the classifier's AUC rises above 0.5, and the model is mature at 200 positives.
#[test]
fn a_model_learns_a_numeric_signal_and_matures() {
    let config = AdmConfig::default();
    let mut model = AdmModel::new(&[PredictorKind::Numeric]);
    // Tenure 0..100: the chance of accepting grows from 10% to 50%; a fixed pseudo-random
    // stream decides.
    let mut state = 7u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut positives = 0;
    while positives < 250 {
        let tenure = (uniform() * 100.0).floor();
        let positive = uniform() < 0.1 + 0.4 * tenure / 100.0;
        positives += u64::from(positive);
        let scoring = model.compile(&config);
        model.learn(&[Value::Num(tenure)], positive, &scoring);
    }
    let scoring = model.compile(&config);
    assert!(scoring.mature, "{:?}", scoring.counts);
    let low = scoring.propensity(&[Value::Num(5.0)]);
    let high = scoring.propensity(&[Value::Num(95.0)]);
    assert!(low < 0.2 && high > 0.35, "low {low} high {high}");
    assert!(scoring.auc.is_some_and(|a| a > 0.6), "{:?}", scoring.auc);
    // Calibrated propensities never fall as the score rises (PAV).
    for pair in scoring.calibration.windows(2) {
        assert!(pair[0].propensity <= pair[1].propensity);
    }
    let mut young = AdmModel::new(&[PredictorKind::Numeric]);
    young.counts.positives = 199;
    assert!(!young.compile(&config).mature);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn stream() -> impl Strategy<Value = Vec<(f64, u8, bool)>> {
        proptest::collection::vec((0.0..1000.0f64, 0u8..4, any::<bool>()), 0..60)
    }

    /// Under naive Bayes, whose state is all counts (the joint technique's weights merge by
    /// an approximation, and only where both nodes learnt).
    fn model_of(rows: &[(f64, u8, bool)]) -> AdmModel {
        model_under(
            rows,
            &AdmConfig {
                technique: Technique::Bayes,
                ..AdmConfig::default()
            },
        )
    }

    fn model_under(rows: &[(f64, u8, bool)], config: &AdmConfig) -> AdmModel {
        let mut m = AdmModel::new(&[PredictorKind::Numeric, PredictorKind::Symbolic]);
        for (x, s, pos) in rows {
            let values = [Value::Num(*x), Value::from(format!("s{s}"))];
            let scoring = m.compile(config);
            m.learn(&values, *pos, &scoring);
        }
        m
    }

    proptest! {
        /// The flat layout decisions score with gives the structured model's propensity, bit
        /// for bit, for any values (seen, unseen, missing), under either technique (the joint
        /// one served as if its weights had learnt enough).
        #[test]
        fn the_flat_layout_scores_like_the_model(
            rows in stream(),
            probes in proptest::collection::vec((prop_oneof![Just(f64::NAN), -50.0..1500.0f64], 0u8..6), 1..20),
            joint in any::<bool>(),
        ) {
            let config = AdmConfig {
                technique: if joint { Technique::Joint } else { Technique::Bayes },
                ..AdmConfig::default()
            };
            let mut model = model_under(&rows, &config);
            model.joint.responses += super::super::joint::MIN_RESPONSES;
            let scoring = model.compile(&config);
            prop_assert_eq!(scoring.bias.is_some(), joint && !rows.is_empty());
            for (x, s) in probes {
                let values = [Value::Num(x), Value::from(format!("s{s}"))];
                let features = [
                    concord_model::Feature::of(&values[0], true),
                    concord_model::Feature::of(&values[1], false),
                ];
                let structured = match scoring.bias {
                    Some(_) => scoring.joint_propensity(&features),
                    None => calibrate(&scoring.calibration, scoring.score_features(&features)),
                };
                prop_assert_eq!(scoring.propensity_features(&features).to_bits(), structured.to_bits());
                prop_assert_eq!(scoring.propensity(&values).to_bits(), structured.to_bits());
            }
        }

        /// Merging three nodes' models gives the same counts in any order, and the predictors
        /// and totals equal one model that saw every response.
        #[test]
        fn merging_is_order_independent(a in stream(), b in stream(), c in stream()) {
            let (ma, mb, mc) = (model_of(&a), model_of(&b), model_of(&c));
            let mut abc = ma.clone();
            abc.merge(&mb);
            abc.merge(&mc);
            let mut cba = mc.clone();
            cba.merge(&mb);
            cba.merge(&ma);
            prop_assert_eq!(&abc, &cba);
            let all: Vec<_> = a.iter().chain(&b).chain(&c).copied().collect();
            let single = model_of(&all);
            prop_assert_eq!(&abc.predictors, &single.predictors);
            prop_assert_eq!(abc.counts, single.counts);
        }
    }
}

/// Two predictors carrying the same signal (a segment and its code) and one of its own: the
/// copy leaves the score, naming the one it follows; the independent one stays; a threshold
/// of 1 keeps all three.
#[test]
fn correlated_predictors_leave_the_score() {
    let kinds = [
        PredictorKind::Symbolic,
        PredictorKind::Symbolic,
        PredictorKind::Numeric,
    ];
    let rows: Vec<(Vec<Value>, bool)> = (0..3_000)
        .map(|i: i32| {
            let prepaid = i % 3 != 0;
            let tenure = f64::from((i * 37) % 60);
            // Prepaid accepts more; so do long-tenure customers, independently.
            let positive = (prepaid && i % 5 < 2) || (tenure > 40.0 && i % 7 < 3);
            let values = vec![
                Value::from(if prepaid { "prepaid" } else { "postpaid" }),
                Value::from(if prepaid { "P" } else { "Q" }),
                Value::Num(tenure),
            ];
            (values, positive)
        })
        .collect();
    let config = AdmConfig::default();
    let mut model = AdmModel::new(&kinds);
    learn_all(&mut model, &rows, &config);
    let scoring = model.compile(&config);
    let state: Vec<(bool, Option<usize>)> = scoring
        .predictors
        .iter()
        .map(|p| (p.active, p.correlated_with))
        .collect();
    assert_eq!(state, [(true, None), (false, Some(0)), (true, None)]);
    let r = model.pairs.correlation(0, 1).expect("varies");
    assert!(r > 0.99, "{r}");
    let keep_all = AdmConfig {
        correlation_threshold: 1.0,
        ..config
    };
    assert!(model.compile(&keep_all).predictors.iter().all(|p| p.active));
}
