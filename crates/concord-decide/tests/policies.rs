//! Engagement policies, holdings, suppression, levers, context weights, value formulas,
//! mandatory actions, diversity and placements: one small strategy, one case per behaviour.

mod common;

use concord_decide::{DecideError, DecisionRequest, History, Scorer, decide};
use concord_model::{ActionId, Attributes, ChannelId, Feature, TraceStage, Value};
use concord_strategy::{RuleEnv, Strategy, Var};

const STRATEGY: &str = "name: t
version: \"1\"
default_limit: 3
arbitration: {max_per_group: 2}
context_weights:
  - {when: \"context.call_reason == 'cancel'\", target: {issue: retention}, weight: 3}
suppressions:
  - id: open_dispute
    when: \"customer.open_disputes > 0\"
    suppress: {kind: sales}
    reason: \"open billing dispute: resolve it first, no sales\"
";
const CHANNELS: &str = "channels:
  - {id: ussd, name: USSD, direction: inbound, max_actions: 5, placements: {menu: 4, banner: 1}}
";
const PROFILE: &str = "attributes:
  tenure_months: number
  balance: number
  arpu: number
  open_disputes: number
  dropped_calls: number
context:
  call_reason: string
";
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    lever: 0.5
    groups:
      - {id: data, name: Data}
      - {id: roaming, name: Roaming, applicability: \"context.call_reason == 'travel'\"}
  - id: retention
    name: Retention
    eligibility: \"customer.tenure_months >= 6\"
    groups: [{id: loyalty, name: Loyalty}]
  - id: service
    name: Service
    groups: [{id: network, name: Network}]
actions:
  - id: bundle_10gb
    name: 10 GB bundle
    issue: growth
    group: data
    kind: sales
    value: 100
    product: BUNDLE_10GB
    requires: [DATA_PLAN]
    excludes: [UNLIMITED]
    treatments: {ussd: {text: 10GB}}
  - id: bundle_1gb
    name: 1 GB bundle
    issue: growth
    group: data
    kind: sales
    value: 40
    suitability: \"customer.balance >= 20\"
    treatments: {ussd: {text: 1GB}}
  - id: bundle_day
    name: Day pass
    issue: growth
    group: data
    kind: sales
    value: 30
    lever: 2
    treatments: {ussd: {text: Day}}
  - id: roam_pack
    name: Roaming pack
    issue: growth
    group: roaming
    kind: sales
    value: 200
    treatments: {ussd: {text: Roam}}
  - id: loyalty_gift
    name: Loyalty gift
    issue: retention
    group: loyalty
    kind: sales
    value_formula: \"customer.arpu * 0.5\"
    value: 0
    treatments: {ussd: {text: Gift}}
  - id: health_check
    name: Health check
    issue: service
    group: network
    kind: service
    value: 1
    mandatory: true
    eligibility: \"customer.dropped_calls >= 3\"
    treatments: {ussd: {text: Sorry}}
";

fn strategy() -> Strategy {
    common::strategy(STRATEGY, CHANNELS, PROFILE, ACTIONS)
}

struct Customer {
    attributes: Attributes,
    holdings: Vec<&'static str>,
}

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } => {
                self.attributes.get(name).cloned().unwrap_or(Value::Null)
            }
            Var::Holdings => Value::List(self.holdings.iter().map(|h| Value::from(*h)).collect()),
            _ => Value::Null,
        }
    }
}

/// Request time: 12:00 UTC (14:00 in Johannesburg).
fn noon() -> concord_model::Timestamp {
    concord_model::Timestamp::from_second(1_795_003_200 - 1_795_003_200 % 86_400 + 12 * 3_600)
        .expect("valid time")
}

struct Even;

impl Scorer for Even {
    fn propensity(&self, _: &ActionId, _: &ChannelId, _: &[Feature]) -> f64 {
        0.5
    }
}

/// One case: the customer's attributes over a baseline, holdings, call reason and placement;
/// the ranked action ids, the stage each named action is dropped at, and the do-not-mention ids.
struct Case {
    name: &'static str,
    set: &'static [(&'static str, f64)],
    holdings: &'static [&'static str],
    call_reason: Option<&'static str>,
    placement: Option<&'static str>,
    ranked: &'static [&'static str],
    dropped: &'static [(&'static str, TraceStage)],
    do_not_mention: &'static [&'static str],
}

fn run(case: &Case) -> Result<concord_decide::Decision, DecideError> {
    let mut attributes: Attributes = [
        ("tenure_months", 12.0),
        ("balance", 50.0),
        ("arpu", 100.0),
        ("open_disputes", 0.0),
        ("dropped_calls", 0.0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Value::Num(v)))
    .collect();
    for (k, v) in case.set {
        attributes.insert((*k).to_owned(), Value::Num(*v));
    }
    let mut context = Attributes::new();
    if let Some(reason) = case.call_reason {
        context.insert("call_reason".into(), Value::from(reason));
    }
    let request = DecisionRequest {
        channel: ChannelId::new("ussd"),
        context,
        limit: None,
        placement: case.placement.map(str::to_owned),
        explain: true,
    };
    let customer = Customer {
        attributes,
        holdings: case.holdings.to_vec(),
    };
    decide(
        &strategy(),
        &customer,
        &request,
        &Even,
        &History::default(),
        noon(),
    )
}

#[test]
fn each_policy_kind_keeps_and_drops_what_it_should() {
    use TraceStage::*;
    // Priorities at propensity 0.5: bundle_10gb 100 x 0.5 lever = 25, bundle_1gb 40 x 0.5 = 10,
    // bundle_day 30 x 0.5 x 2 = 15, roam_pack 200 x 0.5 = 50, loyalty_gift (arpu 100 x 0.5) = 25.
    let cases = [
        Case {
            name: "baseline: holdings prerequisite missing, roaming not applicable, menu of 4",
            set: &[],
            holdings: &[],
            call_reason: None,
            placement: Some("menu"),
            ranked: &["loyalty_gift", "bundle_day", "bundle_1gb"],
            dropped: &[
                ("bundle_10gb", Holdings),
                ("roam_pack", Applicability),
                ("health_check", Eligibility),
            ],
            do_not_mention: &[],
        },
        Case {
            name: "prerequisite held: the 10 GB bundle ranks (tie with the gift broken by id)",
            set: &[],
            holdings: &["DATA_PLAN"],
            call_reason: None,
            placement: Some("menu"),
            ranked: &["bundle_10gb", "loyalty_gift", "bundle_day"],
            // max_per_group 2: the third data action is held back by diversity.
            dropped: &[("bundle_1gb", Diversity)],
            do_not_mention: &[],
        },
        Case {
            name: "already holds the product",
            set: &[],
            holdings: &["DATA_PLAN", "BUNDLE_10GB"],
            call_reason: None,
            placement: None,
            ranked: &["loyalty_gift", "bundle_day", "bundle_1gb"],
            dropped: &[("bundle_10gb", Holdings)],
            do_not_mention: &[],
        },
        Case {
            name: "an excluding product",
            set: &[],
            holdings: &["DATA_PLAN", "UNLIMITED"],
            call_reason: None,
            placement: None,
            ranked: &["loyalty_gift", "bundle_day", "bundle_1gb"],
            dropped: &[("bundle_10gb", Holdings)],
            do_not_mention: &[],
        },
        Case {
            name: "unaffordable: suitability drops the 1 GB bundle",
            set: &[("balance", 5.0)],
            holdings: &[],
            call_reason: None,
            placement: None,
            ranked: &["loyalty_gift", "bundle_day"],
            dropped: &[("bundle_1gb", Suitability)],
            do_not_mention: &[],
        },
        Case {
            name: "new customer: the retention issue's eligibility drops its actions",
            set: &[("tenure_months", 2.0)],
            holdings: &[],
            call_reason: None,
            placement: None,
            ranked: &["bundle_day", "bundle_1gb"],
            dropped: &[("loyalty_gift", Eligibility)],
            do_not_mention: &[],
        },
        Case {
            name: "travel call: the roaming group applies",
            set: &[],
            holdings: &[],
            call_reason: Some("travel"),
            placement: None,
            ranked: &["roam_pack", "loyalty_gift", "bundle_day"],
            dropped: &[("bundle_1gb", Placement)],
            do_not_mention: &[],
        },
        Case {
            name: "value formula follows the customer's ARPU (gift 30 x 0.5 x 0.5 = 7.5)",
            set: &[("arpu", 30.0)],
            holdings: &[],
            call_reason: None,
            placement: None,
            ranked: &["bundle_day", "bundle_1gb", "loyalty_gift"],
            dropped: &[],
            do_not_mention: &[],
        },
        Case {
            name: "cancel call: retention weighs x3 (gift 22.5)",
            set: &[("arpu", 30.0)],
            holdings: &[],
            call_reason: Some("cancel"),
            placement: None,
            ranked: &["loyalty_gift", "bundle_day", "bundle_1gb"],
            dropped: &[],
            do_not_mention: &[],
        },
        Case {
            name: "mandatory service action ranks first whatever its priority",
            set: &[("dropped_calls", 3.0)],
            holdings: &[],
            call_reason: None,
            placement: Some("banner"),
            ranked: &["health_check"],
            dropped: &[("loyalty_gift", Placement)],
            do_not_mention: &[],
        },
        Case {
            name: "open dispute: every sales action suppressed and listed, service stays",
            set: &[("open_disputes", 1.0), ("dropped_calls", 4.0)],
            holdings: &[],
            call_reason: None,
            placement: None,
            ranked: &["health_check"],
            dropped: &[("bundle_day", Suppression), ("loyalty_gift", Suppression)],
            do_not_mention: &["bundle_1gb", "bundle_day", "loyalty_gift"],
        },
    ];
    for case in &cases {
        let decision = run(case).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let got: Vec<&str> = decision
            .actions
            .iter()
            .map(|a| a.action_id.as_str())
            .collect();
        assert_eq!(got, case.ranked, "{}", case.name);
        for (action, stage) in case.dropped {
            let entry = decision
                .trace
                .iter()
                .find(|t| t.action_id.as_str() == *action && !t.passed)
                .unwrap_or_else(|| panic!("{}: {action} should be dropped", case.name));
            assert_eq!(
                entry.stage, *stage,
                "{}: {action}: {}",
                case.name, entry.reason
            );
        }
        let mut quiet: Vec<&str> = decision
            .do_not_mention
            .iter()
            .map(|d| d.action_id.as_str())
            .collect();
        quiet.sort();
        assert_eq!(quiet, case.do_not_mention, "{}", case.name);
        // Every action has exactly one final fate in the trace.
        for action in strategy().actions() {
            let fates = decision
                .trace
                .iter()
                .filter(|t| t.action_id == action.id)
                .count();
            assert_eq!(fates, 1, "{}: {}", case.name, action.id);
        }
    }
}

#[test]
fn an_unknown_placement_is_a_clear_error() {
    let case = Case {
        name: "unknown placement",
        set: &[],
        holdings: &[],
        call_reason: None,
        placement: Some("carousel"),
        ranked: &[],
        dropped: &[],
        do_not_mention: &[],
    };
    let err = run(&case).expect_err("unknown placement");
    assert_eq!(
        err.to_string(),
        "unknown placement \"carousel\" for channel ussd; it declares: banner, menu"
    );
}

/// What the funnel promises, checked against the rules themselves on random customers: no
/// ranked action fails a policy, is ruled out by holdings or is suppressed; mandatory actions
/// come first, and an eligible mandatory action is always shown.
mod properties {
    use super::*;
    use proptest::prelude::*;

    const PRODUCTS: [&str; 4] = ["DATA_PLAN", "BUNDLE_10GB", "UNLIMITED", "OTHER"];

    fn holds_all(rule: Option<&concord_strategy::Rule>, env: &dyn RuleEnv) -> bool {
        rule.is_none_or(|r| r.eval_bool(env) == Ok(true))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn ranked_actions_pass_every_filter(
            tenure in 0.0..24.0f64,
            balance in 0.0..60.0f64,
            arpu in 0.0..200.0f64,
            disputes in 0u8..2,
            drops in 0u8..5,
            held in proptest::collection::vec(any::<bool>(), 4),
            reason in prop_oneof![Just(None), Just(Some("cancel")), Just(Some("travel"))],
            placement in prop_oneof![Just(None), Just(Some("menu")), Just(Some("banner"))],
        ) {
            let strategy = strategy();
            let attributes: Attributes = [
                ("tenure_months", tenure),
                ("balance", balance),
                ("arpu", arpu),
                ("open_disputes", f64::from(disputes)),
                ("dropped_calls", f64::from(drops)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::Num(v)))
            .collect();
            let holdings: Vec<&'static str> = PRODUCTS
                .iter()
                .zip(&held)
                .filter(|(_, h)| **h)
                .map(|(p, _)| *p)
                .collect();
            let mut context = Attributes::new();
            if let Some(r) = reason {
                context.insert("call_reason".into(), Value::from(r));
            }
            let customer = Customer { attributes, holdings: holdings.clone() };
            let request = DecisionRequest {
                channel: ChannelId::new("ussd"),
                context: context.clone(),
                limit: None,
                placement: placement.map(str::to_owned),
                explain: true,
            };
            let decision = decide(&strategy, &customer, &request, &Even, &History::default(), noon()).expect("decides");
            // The rules read the request context too.
            let env = |var: &Var| match var {
                Var::Context { name, .. } => context.get(name).cloned().unwrap_or(Value::Null),
                other => customer.lookup(other),
            };
            let suppressed = |action: &concord_strategy::Action| {
                strategy.suppressions().iter().any(|s| {
                    s.when.eval_bool(&env) == Ok(true) && s.suppress.matches(action)
                })
            };
            let mut seen_optional = false;
            for ranked in &decision.actions {
                let action = strategy.action(ranked.action_id.as_str()).expect("declared");
                let (issue, group) = strategy.taxonomy(action).expect("declared");
                for policies in [&issue.policies, &group.policies, &action.policies] {
                    prop_assert!(holds_all(policies.eligibility.as_ref(), &env), "{}", action.id);
                    prop_assert!(holds_all(policies.applicability.as_ref(), &env), "{}", action.id);
                    prop_assert!(holds_all(policies.suitability.as_ref(), &env), "{}", action.id);
                }
                if let Some(p) = &action.product {
                    prop_assert!(!holdings.contains(&p.as_str()), "{} already held", action.id);
                }
                prop_assert!(action.requires.iter().all(|p| holdings.contains(&p.as_str())));
                prop_assert!(!action.excludes.iter().any(|p| holdings.contains(&p.as_str())));
                prop_assert!(!suppressed(action), "{} is suppressed", action.id);
                if action.mandatory {
                    prop_assert!(!seen_optional, "mandatory {} after an optional action", action.id);
                } else {
                    seen_optional = true;
                }
            }
            for action in strategy.actions().iter().filter(|a| a.mandatory) {
                let eligible = holds_all(action.policies.eligibility.as_ref(), &env) && !suppressed(action);
                if eligible {
                    prop_assert_eq!(
                        decision.actions.first().map(|a| a.action_id.as_str()),
                        Some(action.id.as_str())
                    );
                }
            }
        }
    }
}
