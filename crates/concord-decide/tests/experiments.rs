//! Champion/challenger experiments in the funnel (experiments.yaml `experiments`): who is in
//! which experiment and variant (roll-out stage by time, pilot stores and regions, segment
//! rule, first experiment wins, control arms excluded), in what proportions, and what a
//! challenger changes (levers, arbitration switches, actions switched off).

use concord_decide::{ArmDraw, DecisionRequest, History, Scorer, decide_in};
use concord_model::{
    ActionId, Arm, Attributes, ChannelId, Feature, TraceStage, Value, Variant, symbol_hash,
};
use concord_strategy::{RuleEnv, Strategy, Var};

const STRATEGY: &str = "name: t\nversion: \"1\"\ndefault_limit: 1\n";
const CHANNELS: &str =
    "channels:\n  - {id: ussd, name: USSD, direction: inbound, max_actions: 3}\n";
const PROFILE: &str = "attributes:
  segment: string
  home_store: string
context:
  store_id: string
";
// Without an experiment a1 ranks first (0.5 x 10 = 5 against 0.4 x 10 = 4).
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    groups: [{id: data, name: Data}]
  - id: retention
    name: Retention
    groups: [{id: save, name: Save}]
actions:
  - {id: a1, name: A1, issue: growth, group: data, kind: sales, value: 10,
     treatments: {ussd: {text: A1}}}
  - {id: a2, name: A2, issue: retention, group: save, kind: sales, value: 10,
     treatments: {ussd: {text: A2}}}
";
const PLACES: &str = "places:
  store_from: [context.store_id, customer.home_store]
  regions:
    north: [N1, N2]
    south: [S1]
";

/// A pilot in store N1 from day 0, region north from day 10, everyone from day 20, until day
/// 30; prepaid only. `boost` doubles retention (a2 then wins), `no_a1` switches a1 off.
fn pilot() -> String {
    format!(
        "{PLACES}experiments:
  - name: push
    where: \"customer.segment == 'prepaid'\"
    rollout:
      - {{from: 2026-11-01, stores: [N1]}}
      - {{from: 2026-11-11, regions: [north]}}
      - {{from: 2026-11-21}}
    until: 2026-12-01
    challengers:
      - {{name: boost, share: 0.3, levers: [{{target: {{issue: retention}}, multiply: 2}}]}}
      - {{name: no_a1, share: 0.2, off: [{{action: a1}}]}}
"
    )
}

fn strategy(experiments: &str) -> Strategy {
    Strategy::from_files([
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", ACTIONS),
        ("experiments.yaml", experiments),
    ])
    .unwrap_or_else(|e| panic!("{e}"))
}

struct Customer {
    segment: &'static str,
    home_store: Option<&'static str>,
}

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } if name == "segment" => Value::from(self.segment),
            Var::Attribute { name, .. } if name == "home_store" => {
                self.home_store.map_or(Value::Null, Value::from)
            }
            Var::Holdings => Value::List(Vec::new()),
            _ => Value::Null,
        }
    }
}

/// a1 0.5, a2 0.4.
struct Fixed;

impl Scorer for Fixed {
    fn propensity(&self, action: &ActionId, _: &ChannelId, _: &[Feature]) -> f64 {
        if action.as_str() == "a1" { 0.5 } else { 0.4 }
    }
}

fn day(d: i64) -> concord_model::Timestamp {
    // 2026-11-01T12:00:00Z plus `d` days.
    concord_model::Timestamp::from_second(1_793_491_200 + 43_200 + d * 86_400).expect("time")
}

fn decide(
    strategy: &Strategy,
    customer: &Customer,
    store: Option<&str>,
    at: concord_model::Timestamp,
    id: &str,
    arm: Arm,
) -> concord_decide::Decision {
    let mut context = Attributes::new();
    if let Some(store) = store {
        context.insert("store_id".to_owned(), Value::from(store));
    }
    let request = DecisionRequest {
        channel: ChannelId::new("ussd"),
        context,
        limit: None,
        placement: None,
        explain: true,
    };
    decide_in(
        strategy,
        customer,
        &request,
        &Fixed,
        &History::default(),
        at,
        ArmDraw {
            arm,
            seed: 1,
            audience: symbol_hash(id),
        },
    )
    .expect("decides")
}

const PREPAID_N1: Customer = Customer {
    segment: "prepaid",
    home_store: Some("N1"),
};

/// Which experiment reaches a decision: (customer, store in the request, day, in it?).
#[test]
fn the_rollout_reaches_the_pilot_then_the_region_then_everyone() {
    let strategy = strategy(&pilot());
    let north2 = Customer {
        segment: "prepaid",
        home_store: Some("N2"),
    };
    let south = Customer {
        segment: "prepaid",
        home_store: Some("S1"),
    };
    let postpaid = Customer {
        segment: "postpaid",
        home_store: Some("N1"),
    };
    let homeless = Customer {
        segment: "prepaid",
        home_store: None,
    };
    let cases: &[(&Customer, Option<&str>, i64, bool, &str)] = &[
        (&PREPAID_N1, None, -1, false, "before the first stage"),
        (&PREPAID_N1, None, 0, true, "home store N1 in the pilot"),
        (&north2, None, 0, false, "N2 is not in the pilot yet"),
        (
            &north2,
            Some("N1"),
            0,
            true,
            "standing in N1: the request's store wins",
        ),
        (
            &PREPAID_N1,
            Some("S1"),
            0,
            false,
            "standing in S1: not the pilot",
        ),
        (&north2, None, 10, true, "stage 2 takes region north"),
        (&south, None, 10, false, "south is not in stage 2"),
        (&south, None, 20, true, "stage 3 takes everyone"),
        (
            &homeless,
            None,
            10,
            false,
            "no store: a region stage can't reach them",
        ),
        (
            &homeless,
            None,
            20,
            true,
            "no store: everyone still means them",
        ),
        (
            &postpaid,
            None,
            20,
            false,
            "the segment rule keeps postpaid out",
        ),
        (&south, None, 30, false, "until: the experiment is over"),
    ];
    for (i, (customer, store, d, in_it, why)) in cases.iter().enumerate() {
        let id = format!("c{i}");
        let decision = decide(&strategy, customer, *store, day(*d), &id, Arm::Test);
        assert_eq!(
            decision.variant.as_ref().map(|v| v.experiment.as_str()),
            in_it.then_some("push"),
            "case {i}: {why}"
        );
    }
    // A control arm's customers are in no experiment.
    let held = decide(
        &strategy,
        &PREPAID_N1,
        None,
        day(0),
        "c1",
        Arm::RandomAction,
    );
    assert_eq!(held.variant, None);
}

/// Shares hold over many customers, a customer keeps their variant from stage to stage, and
/// each challenger changes what it says it changes.
#[test]
fn variants_split_by_share_and_change_the_ranking() {
    let strategy = strategy(&pilot());
    let n = 20_000;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..n {
        let id = format!("cust-{i}");
        let first = decide(&strategy, &PREPAID_N1, None, day(0), &id, Arm::Test);
        let later = decide(&strategy, &PREPAID_N1, None, day(25), &id, Arm::Test);
        let variant = first.variant.expect("in the pilot");
        assert_eq!(
            Some(&variant),
            later.variant.as_ref(),
            "{id} kept its variant"
        );
        let top = first.actions[0].action_id.as_str();
        match variant.variant.as_str() {
            "champion" => assert_eq!(top, "a1"),
            "boost" => {
                // a2: 0.4 x 10 x 2 = 8 beats a1's 5.
                assert_eq!(top, "a2");
                assert_eq!(first.actions[0].priority, 8.0);
            }
            "no_a1" => {
                assert_eq!(top, "a2");
                let trace = first
                    .trace
                    .iter()
                    .find(|t| t.action_id.as_str() == "a1")
                    .expect("a1 traced");
                assert_eq!((trace.stage, trace.passed), (TraceStage::Experiment, false));
            }
            other => panic!("unknown variant {other}"),
        }
        *counts.entry(variant.variant).or_default() += 1;
    }
    // Binomial: 3 standard deviations of 20,000 draws at 0.3 is 0.0097.
    for (variant, share) in [("champion", 0.5), ("boost", 0.3), ("no_a1", 0.2)] {
        let got = counts[variant] as f64 / n as f64;
        assert!((got - share).abs() < 0.01, "{variant}: {got} vs {share}");
    }
}

/// A decision is in the first experiment that reaches it; a new salt reshuffles variants;
/// an arbitration switch of a challenger takes effect.
#[test]
fn the_first_experiment_wins_and_switches_apply() {
    let text = format!(
        "{PLACES}experiments:
  - name: pilot_south
    rollout: [{{from: 2026-11-01, regions: [south]}}]
    challengers: [{{name: flat, share: 0.5, arbitration: {{use_value: false, use_propensity: false}}}}]
  - name: everyone
    challengers: [{{name: other, share: 0.5}}]
"
    );
    let strategy = strategy(&text);
    let south = Customer {
        segment: "prepaid",
        home_store: Some("S1"),
    };
    let experiment_of = |customer: &Customer, id: &str| {
        decide(&strategy, customer, None, day(1), id, Arm::Test)
            .variant
            .map(|v| v.experiment)
    };
    assert_eq!(experiment_of(&south, "x").as_deref(), Some("pilot_south"));
    assert_eq!(experiment_of(&PREPAID_N1, "x").as_deref(), Some("everyone"));
    // `flat`: priority is 1 for both (no propensity, no value): the id breaks the tie.
    let flat = (0..200)
        .map(|i| format!("s{i}"))
        .map(|id| decide(&strategy, &south, None, day(1), &id, Arm::Test))
        .find(|d| d.variant.as_ref().is_some_and(|v| v.variant == "flat"))
        .expect("someone is in `flat`");
    assert_eq!(flat.actions[0].priority, 1.0);
    // The variant is the same for a customer across experiments only by chance: salts differ.
    let variants = |s: &Strategy| -> Vec<Option<Variant>> {
        (0..400)
            .map(|i| decide(s, &PREPAID_N1, None, day(1), &format!("k{i}"), Arm::Test).variant)
            .collect()
    };
    let resalted = strategy_with_salt(&text, "everyone", "new-salt");
    let (a, b) = (variants(&strategy), variants(&resalted));
    let moved = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!((120..280).contains(&moved), "about half move: {moved}");
}

fn strategy_with_salt(text: &str, experiment: &str, salt: &str) -> Strategy {
    let from = format!("  - name: {experiment}\n");
    strategy(&text.replace(&from, &format!("{from}    salt: {salt}\n")))
}
