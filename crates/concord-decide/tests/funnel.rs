//! The funnel on a small in-memory strategy: every stage's keep/drop, the ranking, and the trace.

mod common;

use concord_decide::{DecideError, DecisionRequest, History, Scorer, decide};
use concord_model::{ActionId, Attributes, ChannelId, Feature, TraceStage, Value};
use concord_strategy::{RuleEnv, Strategy, Var};
use std::collections::HashMap;

/// Request time: the funnel never reads the clock.
fn at() -> concord_model::Timestamp {
    concord_model::Timestamp::from_second(1_795_000_000).expect("valid time")
}

const STRATEGY: &str = "name: t\nversion: \"1\"\ndescription: funnel tests\ndefault_limit: 2\n";
const CHANNELS: &str = "channels:
  - {id: ussd, name: USSD, direction: inbound, max_actions: 3}
  - {id: sms, name: SMS, direction: outbound, max_actions: 1}
";
const PROFILE: &str = "attributes:
  balance: number
  segment: string
aggregates:
  dropped_calls_24h: {event: dropped_call, function: count, window: 24h}
context:
  call_reason: string
";
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    groups: [{id: data, name: Data}]
  - id: service
    name: Service
    groups: [{id: network, name: Network}]
actions:
  - id: big_bundle
    name: Big bundle
    issue: growth
    group: data
    kind: sales
    value: 100
    eligibility: \"customer.balance >= 50\"
    treatments: {ussd: {text: Big}, sms: {text: Big}}
  - id: small_bundle
    name: Small bundle
    issue: growth
    group: data
    kind: sales
    value: 10
    treatments: {ussd: {text: Small}}
  - id: health_check
    name: Health check
    issue: service
    group: network
    kind: service
    value: 80
    eligibility: \"customer.dropped_calls_24h >= 3\"
    treatments: {ussd: {text: Sorry}}
  - id: retention
    name: Retention
    issue: growth
    group: data
    kind: sales
    value: 10
    eligibility: \"context.call_reason == 'cancel'\"
    treatments: {ussd: {text: Stay}}
  - id: twin
    name: Twin of small
    issue: growth
    group: data
    kind: sales
    value: 10
    treatments: {ussd: {text: Twin}}
";

fn strategy() -> Strategy {
    common::strategy(STRATEGY, CHANNELS, PROFILE, ACTIONS)
}

struct Customer {
    attributes: Attributes,
    dropped_calls: f64,
}

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } => {
                self.attributes.get(name).cloned().unwrap_or(Value::Null)
            }
            Var::Aggregate { name, .. } if name == "dropped_calls_24h" => {
                Value::Num(self.dropped_calls)
            }
            Var::Holdings => Value::List(Vec::new()),
            _ => Value::Null,
        }
    }
}

struct Fixed(HashMap<&'static str, f64>);

impl Scorer for Fixed {
    fn propensity(&self, action: &ActionId, _channel: &ChannelId, _: &[Feature]) -> f64 {
        self.0.get(action.as_str()).copied().unwrap_or(0.5)
    }
}

/// Runs one decision and compares the ranked ids and the stage each dropped action left at.
fn check(
    balance: Option<f64>,
    dropped_calls: f64,
    channel: &str,
    call_reason: Option<&str>,
    limit: Option<usize>,
    ranked: &[&str],
    dropped: &[(&str, TraceStage)],
) {
    let mut attributes = Attributes::new();
    if let Some(balance) = balance {
        attributes.insert("balance".into(), Value::Num(balance));
    }
    let mut context = Attributes::new();
    if let Some(reason) = call_reason {
        context.insert("call_reason".into(), Value::from(reason));
    }
    let scorer = Fixed(HashMap::from([
        ("big_bundle", 0.1),
        ("small_bundle", 0.5),
        ("health_check", 0.5),
        ("twin", 0.5),
    ]));
    let request = DecisionRequest {
        channel: ChannelId::new(channel),
        context,
        limit,
        placement: None,
        explain: true,
    };
    let decision = decide(
        &strategy(),
        &Customer {
            attributes,
            dropped_calls,
        },
        &request,
        &scorer,
        &History::default(),
        at(),
    )
    .expect("known channel decides");
    let got: Vec<&str> = decision
        .actions
        .iter()
        .map(|a| a.action_id.as_str())
        .collect();
    assert_eq!(
        got, ranked,
        "ranking for balance {balance:?}, dropped {dropped_calls}, {channel}, {call_reason:?}"
    );
    let ranks: Vec<u32> = decision.actions.iter().map(|a| a.rank).collect();
    assert_eq!(ranks, (1..=ranked.len() as u32).collect::<Vec<_>>());
    for (action, stage) in dropped {
        let entry = decision
            .trace
            .iter()
            .find(|t| t.action_id.as_str() == *action && !t.passed)
            .unwrap_or_else(|| panic!("{action} should be dropped; trace: {:#?}", decision.trace));
        assert_eq!(entry.stage, *stage, "{action}: {}", entry.reason);
    }
    // Every action of the strategy has a trace entry.
    for action in strategy().actions() {
        assert!(
            decision.trace.iter().any(|t| t.action_id == action.id),
            "{} untraced",
            action.id
        );
    }
}

#[test]
fn funnel_stages_and_ranking() {
    use TraceStage::*;
    // priority = propensity x value: big 0.1x100=10, health 0.5x80=40, small/twin 0.5x10=5 (tie -> id order).
    check(
        Some(60.0),
        0.0,
        "ussd",
        None,
        Some(3),
        &["big_bundle", "small_bundle", "twin"],
        &[("health_check", Eligibility)],
    );
    check(
        Some(60.0),
        3.0,
        "ussd",
        None,
        Some(3),
        &["health_check", "big_bundle", "small_bundle"],
        &[("twin", Placement)],
    );
    // The strategy's default limit (2) applies when the request doesn't say.
    check(
        Some(60.0),
        3.0,
        "ussd",
        None,
        None,
        &["health_check", "big_bundle"],
        &[("small_bundle", Placement)],
    );
    // A request can't exceed the channel's placement (ussd holds 3).
    check(
        Some(60.0),
        3.0,
        "ussd",
        None,
        Some(10),
        &["health_check", "big_bundle", "small_bundle"],
        &[],
    );
    // Low balance: the big bundle's rule is false.
    check(
        Some(10.0),
        0.0,
        "ussd",
        None,
        Some(3),
        &["small_bundle", "twin"],
        &[("big_bundle", Eligibility)],
    );
    // A missing attribute makes the rule fail: the action is dropped, the decision is not.
    check(
        None,
        0.0,
        "ussd",
        None,
        Some(3),
        &["small_bundle", "twin"],
        &[("big_bundle", Eligibility)],
    );
    // sms holds one action and only big_bundle has an sms treatment.
    check(
        Some(60.0),
        0.0,
        "sms",
        None,
        None,
        &["big_bundle"],
        &[("small_bundle", Channel), ("health_check", Channel)],
    );
    // Context reaches the rules.
    check(
        Some(10.0),
        0.0,
        "ussd",
        Some("cancel"),
        Some(3),
        &["retention", "small_bundle", "twin"],
        &[],
    );
}

#[test]
fn rule_failures_are_explained_in_the_trace() {
    let request = DecisionRequest {
        channel: ChannelId::new("ussd"),
        context: Attributes::new(),
        limit: None,
        placement: None,
        explain: true,
    };
    let customer = Customer {
        attributes: Attributes::new(),
        dropped_calls: 0.0,
    };
    let decision = decide(
        &strategy(),
        &customer,
        &request,
        &Fixed(HashMap::new()),
        &History::default(),
        at(),
    )
    .expect("decides");
    let reason = |id: &str| {
        decision
            .trace
            .iter()
            .find(|t| t.action_id.as_str() == id)
            .map(|t| t.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        reason("big_bundle").contains("customer.balance is missing"),
        "{}",
        reason("big_bundle")
    );
    assert!(
        reason("retention").contains("context.call_reason"),
        "{}",
        reason("retention")
    );
}

#[test]
fn unknown_channel_is_an_error_listing_the_valid_ones() {
    let request = DecisionRequest {
        channel: ChannelId::new("pigeon"),
        context: Attributes::new(),
        limit: None,
        placement: None,
        explain: true,
    };
    let customer = Customer {
        attributes: Attributes::new(),
        dropped_calls: 0.0,
    };
    let err = decide(
        &strategy(),
        &customer,
        &request,
        &Fixed(HashMap::new()),
        &History::default(),
        at(),
    )
    .expect_err("unknown channel");
    assert_eq!(
        err,
        DecideError::UnknownChannel {
            channel: "pigeon".into(),
            valid: vec!["ussd".into(), "sms".into()]
        }
    );
}

#[test]
fn switching_value_off_ranks_by_propensity_alone() {
    let files = [
        (
            "strategy.yaml",
            format!("{STRATEGY}arbitration: {{use_propensity: true, use_value: false}}\n"),
        ),
        ("channels.yaml", CHANNELS.to_owned()),
        ("profile.yaml", PROFILE.to_owned()),
        ("actions/all.yaml", ACTIONS.to_owned()),
    ];
    let strategy =
        Strategy::from_files(files.iter().map(|(p, t)| (*p, t.as_str()))).expect("valid");
    let mut attributes = Attributes::new();
    attributes.insert("balance".into(), Value::Num(60.0));
    let request = DecisionRequest {
        channel: ChannelId::new("ussd"),
        context: Attributes::new(),
        limit: Some(1),
        placement: None,
        explain: true,
    };
    let scorer = Fixed(HashMap::from([("big_bundle", 0.1), ("small_bundle", 0.9)]));
    let decision = decide(
        &strategy,
        &Customer {
            attributes,
            dropped_calls: 0.0,
        },
        &request,
        &scorer,
        &History::default(),
        at(),
    )
    .expect("decides");
    assert_eq!(decision.actions[0].action_id.as_str(), "small_bundle");
    assert_eq!(decision.actions[0].priority, 0.9);
}
