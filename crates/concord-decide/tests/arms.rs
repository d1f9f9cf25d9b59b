//! The control arms in the funnel (experiments.yaml): each arm switches off one part of the
//! strategy, the rest of the funnel holds, and the random arms draw from the decision's seed.

mod common;

use concord_decide::{ArmDraw, DecisionRequest, History, Scorer, decide_in};
use concord_model::{ActionId, Arm, Attributes, ChannelId, Feature, TraceStage, Value};
use concord_strategy::{RuleEnv, Strategy, Var};

const STRATEGY: &str = "name: t\nversion: \"1\"\ndescription: arm tests\ndefault_limit: 4\n";
const CHANNELS: &str = "channels:
  - {id: ussd, name: USSD, direction: inbound, max_actions: 4}
";
const PROFILE: &str = "attributes:
  balance: number
  segment: string
";
// a1 fails applicability and a2 suitability for the customer below; a1 and a4 have levers.
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    groups: [{id: data, name: Data}]
  - id: service
    name: Service
    groups: [{id: care, name: Care}]
actions:
  - {id: a1, name: A1, issue: growth, group: data, kind: sales, value: 100, lever: 3,
     applicability: \"customer.balance >= 50\", treatments: {ussd: {text: A1}}}
  - {id: a2, name: A2, issue: growth, group: data, kind: sales, value: 10,
     suitability: \"customer.segment == 'x'\", treatments: {ussd: {text: A2}}}
  - {id: a3, name: A3, issue: service, group: care, kind: service, value: 5,
     treatments: {ussd: {text: A3}}}
  - {id: a4, name: A4, issue: growth, group: data, kind: sales, value: 20, lever: 0.5,
     treatments: {ussd: {text: A4}}}
";

struct Customer;

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } if name == "balance" => Value::Num(10.0),
            Var::Attribute { name, .. } if name == "segment" => Value::from("y"),
            Var::Holdings => Value::List(Vec::new()),
            _ => Value::Null,
        }
    }
}

/// a1 0.1, a2 0.2, a3 0.3, a4 0.4.
struct Fixed;

impl Scorer for Fixed {
    fn propensity(&self, action: &ActionId, _: &ChannelId, _: &[Feature]) -> f64 {
        match action.as_str() {
            "a1" => 0.1,
            "a2" => 0.2,
            "a3" => 0.3,
            _ => 0.4,
        }
    }
}

fn decide(strategy: &Strategy, arm: Arm, seed: u64) -> concord_decide::Decision {
    let request = DecisionRequest {
        channel: ChannelId::new("ussd"),
        context: Attributes::new(),
        limit: None,
        placement: None,
        explain: true,
    };
    let at = concord_model::Timestamp::from_second(1_795_000_000).expect("valid time");
    decide_in(
        strategy,
        &Customer,
        &request,
        &Fixed,
        &History::default(),
        at,
        ArmDraw {
            arm,
            seed,
            audience: 0,
        },
    )
    .expect("decides")
}

fn ranked(d: &concord_decide::Decision) -> Vec<(&str, f64)> {
    d.actions
        .iter()
        .map(|a| (a.action_id.as_str(), a.priority))
        .collect()
}

fn dropped_at(d: &concord_decide::Decision, action: &str) -> Option<TraceStage> {
    d.trace
        .iter()
        .find(|t| t.action_id.as_str() == action && !t.passed)
        .map(|t| t.stage)
}

/// (arm, ranked with priorities, (action, stage it left at)).
type Case = (
    Arm,
    Vec<(&'static str, f64)>,
    Vec<(&'static str, TraceStage)>,
);

#[test]
fn each_arm_switches_off_its_part() {
    let strategy = common::strategy(STRATEGY, CHANNELS, PROFILE, ACTIONS);
    // Priority = propensity x value x levers in the test arm.
    let cases: [Case; 5] = [
        (
            Arm::Test,
            vec![("a4", 0.4 * 20.0 * 0.5), ("a3", 0.3 * 5.0)],
            vec![
                ("a1", TraceStage::Applicability),
                ("a2", TraceStage::Suitability),
            ],
        ),
        (
            Arm::Holdout,
            vec![("a3", 0.3 * 5.0)],
            vec![
                ("a1", TraceStage::Holdout),
                ("a2", TraceStage::Holdout),
                ("a4", TraceStage::Holdout),
            ],
        ),
        (
            Arm::EligibilityOnly,
            vec![
                ("a1", 0.1 * 100.0 * 3.0),
                ("a4", 0.4 * 20.0 * 0.5),
                ("a2", 0.2 * 10.0),
                ("a3", 0.3 * 5.0),
            ],
            vec![],
        ),
        (
            Arm::NoLevers,
            vec![("a4", 0.4 * 20.0), ("a3", 0.3 * 5.0)],
            vec![
                ("a1", TraceStage::Applicability),
                ("a2", TraceStage::Suitability),
            ],
        ),
        (
            Arm::PropensityOnly,
            vec![("a4", 0.4), ("a3", 0.3)],
            vec![
                ("a1", TraceStage::Applicability),
                ("a2", TraceStage::Suitability),
            ],
        ),
    ];
    for (arm, expected, dropped) in cases {
        let d = decide(&strategy, arm, 7);
        assert_eq!(ranked(&d), expected, "{arm}");
        for (action, stage) in dropped {
            assert_eq!(dropped_at(&d, action), Some(stage), "{arm}: {action}");
        }
        // The models were asked about every action that reached arbitration.
        assert_eq!(d.propensities.len(), expected.len(), "{arm}");
    }
}

#[test]
fn the_random_arms_draw_from_the_decisions_seed() {
    let strategy = common::strategy(STRATEGY, CHANNELS, PROFILE, ACTIONS);
    // random_propensity: no model is asked; each propensity is a draw in [0, 1), the same for
    // the same seed, and priority = that draw x value x levers.
    let d = decide(&strategy, Arm::RandomPropensity, 11);
    assert!(d.propensities.is_empty());
    assert_eq!(
        ranked(&d),
        ranked(&decide(&strategy, Arm::RandomPropensity, 11))
    );
    for a in &d.actions {
        assert!((0.0..1.0).contains(&a.propensity), "{a:?}");
        assert_ne!(
            a.propensity,
            Fixed.propensity(&a.action_id, &ChannelId::new("ussd"), &[])
        );
        let (value, lever) = if a.action_id.as_str() == "a4" {
            (20.0, 0.5)
        } else {
            (5.0, 1.0)
        };
        assert_eq!(a.priority, a.propensity * value * lever, "{a:?}");
    }
    // random_action: the eligible actions (a3, a4) in a random order, with the draw as the
    // priority; over seeds, both orders come up, each about half the time.
    let mut a4_first = 0;
    for seed in 0..400 {
        let d = decide(&strategy, Arm::RandomAction, seed);
        let ids: Vec<&str> = d.actions.iter().map(|a| a.action_id.as_str()).collect();
        assert!(ids == ["a4", "a3"] || ids == ["a3", "a4"], "{ids:?}");
        assert!(d.actions.iter().all(|a| (0.0..1.0).contains(&a.priority)));
        a4_first += usize::from(ids[0] == "a4");
    }
    assert!((150..250).contains(&a4_first), "{a4_first} of 400");
}
