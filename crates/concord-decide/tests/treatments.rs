//! Treatment texts in the funnel: placeholders filled from the decision (price, validity in
//! the customer's time zone) and the customer, the customer's language, literal braces, and
//! what happens when a value is missing (the fallback, else the next action takes the place).
//! Only placed actions are rendered, and a replay on the logged reads writes the same texts.

mod common;

use concord_decide::{Decision, DecisionRequest, History, Scorer, decide};
use concord_model::{ActionId, Attributes, ChannelId, Feature, Timestamp, TraceStage, Value};
use concord_strategy::{Recorded, RuleEnv, Strategy, Var};

const STRATEGY: &str = "name: t
version: \"1\"
time_zone: {default: Africa/Johannesburg, attribute: tz}
language: {attribute: language, default: en}
";
const CHANNELS: &str = "channels:\n  - {id: sms, name: SMS, direction: inbound, max_actions: 3}\n";
const PROFILE: &str = "attributes:
  first_name: string
  nickname: string
  language: string
  tz: string
  avg_recharge: number
";
/// By priority: bundle (value 30), nameless (20), plain (10).
const ACTIONS: &str = "issues:
  - {id: growth, name: Growth, groups: [{id: data, name: Data}]}
actions:
  - id: bundle
    name: Bigger bundle
    issue: growth
    group: data
    kind: sales
    value: 30
    price: {min: 15, max: 49, step: 1, target: \"customer.avg_recharge * 1.5\"}
    validity: 3d
    treatments:
      sms:
        text: \"Hi {customer.first_name}: 2GB for R{price}, valid until {valid_until}. {{Reply YES}}\"
        texts:
          zu: \"Sawubona {customer.first_name}: 2GB ngo-R{price} kuze kube ngu-{valid_until}\"
          af: \"Hallo {customer.first_name}: 2GB vir R{price}, geldig tot {valid_until}\"
        fallback: \"2GB for R{price}, valid until {valid_until}\"
        fallbacks: {zu: \"2GB ngo-R{price}\"}
  - id: nameless
    name: Nameless
    issue: growth
    group: data
    kind: sales
    value: 20
    treatments: {sms: {text: \"Hi {customer.nickname}, {action.name} is worth {value}\"}}
  - id: plain
    name: Plain
    issue: growth
    group: data
    kind: sales
    value: 10
    treatments: {sms: {text: Plain offer}}
";

fn strategy() -> Strategy {
    common::strategy(STRATEGY, CHANNELS, PROFILE, ACTIONS)
}

/// A customer's attributes by name; anything else is missing.
struct Customer(Vec<(&'static str, Value)>);

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } => self
                .0
                .iter()
                .find(|(n, _)| n == name)
                .map_or(Value::Null, |(_, v)| v.clone()),
            _ => Value::Null,
        }
    }
}

/// Thandi, who can afford R22 (14.8 x 1.5 = 22.2 on a grid of whole rands), with `changes`
/// applied (`Null` removes an attribute).
fn customer(changes: &[(&'static str, Value)]) -> Customer {
    let mut attributes = vec![
        ("first_name", Value::from("Thandi")),
        ("nickname", Value::from("Tee")),
        ("language", Value::from("en")),
        ("avg_recharge", Value::from(14.8)),
    ];
    for (name, value) in changes {
        attributes.retain(|(n, _)| n != name);
        if !value.is_null() {
            attributes.push((name, value.clone()));
        }
    }
    Customer(attributes)
}

struct Even;

impl Scorer for Even {
    fn propensity(&self, _: &ActionId, _: &ChannelId, _: &[Feature]) -> f64 {
        0.5
    }
}

fn decide_at(
    strategy: &Strategy,
    customer: &dyn RuleEnv,
    limit: usize,
    explain: bool,
    now: &str,
) -> Decision {
    let request = DecisionRequest {
        channel: ChannelId::new("sms"),
        context: Attributes::new(),
        limit: Some(limit),
        placement: None,
        explain,
    };
    let now: Timestamp = now.parse().expect("time");
    decide(
        strategy,
        customer,
        &request,
        &Even,
        &History::default(),
        now,
    )
    .expect("decides")
}

/// The placed actions as `id: text`.
fn texts(decision: &Decision) -> Vec<String> {
    decision
        .actions
        .iter()
        .map(|a| format!("{}: {}", a.action_id, a.treatment.as_deref().unwrap_or("-")))
        .collect()
}

const MORNING: &str = "2026-11-23T10:00:00Z";

/// (attributes changed, the bundle's text); the other two actions place after it.
#[test]
fn texts_are_filled_in_the_customer_language() {
    let strategy = strategy();
    let english = "Hi Thandi: 2GB for R22, valid until 26 Nov. {Reply YES}";
    let cases: &[(&[(&str, Value)], &str)] = &[
        (&[], english),
        (
            &[("language", Value::from("zu"))],
            "Sawubona Thandi: 2GB ngo-R22 kuze kube ngu-26 Nov",
        ),
        // A region and another case read as the language.
        (
            &[("language", Value::from("AF-za"))],
            "Hallo Thandi: 2GB vir R22, geldig tot 26 Nov",
        ),
        // No text in the customer's language, or no language recorded: the default text.
        (&[("language", Value::from("xh"))], english),
        (&[("language", Value::Null)], english),
        // The price follows the customer.
        (
            &[("avg_recharge", Value::from(40.0))],
            "Hi Thandi: 2GB for R49, valid until 26 Nov. {Reply YES}",
        ),
        // No first name: the fallback, in the customer's language when it has one.
        (
            &[("first_name", Value::Null)],
            "2GB for R22, valid until 26 Nov",
        ),
        (
            &[("first_name", Value::Null), ("language", Value::from("zu"))],
            "2GB ngo-R22",
        ),
        (
            &[("first_name", Value::Null), ("language", Value::from("af"))],
            "2GB for R22, valid until 26 Nov",
        ),
    ];
    for (changes, bundle) in cases {
        let decision = decide_at(&strategy, &customer(changes), 3, true, MORNING);
        assert_eq!(
            texts(&decision),
            [
                format!("bundle: {bundle}"),
                "nameless: Hi Tee, Nameless is worth 20".to_owned(),
                "plain: Plain offer".to_owned(),
            ],
            "{changes:?}"
        );
    }
    // No nickname and no fallback: never shown with a hole; the next action moves up.
    let decision = decide_at(
        &strategy,
        &customer(&[("nickname", Value::Null)]),
        3,
        true,
        MORNING,
    );
    assert_eq!(
        texts(&decision),
        [
            format!("bundle: {english}"),
            "plain: Plain offer".to_owned()
        ]
    );
}

#[test]
fn valid_until_is_a_day_in_the_customer_time_zone() {
    let strategy = strategy();
    // 22:30 UTC: 00:30 the next day in Johannesburg (the strategy's default zone).
    let late = "2026-11-23T22:30:00Z";
    for (zone, expected) in [
        (Value::Null, "27 Nov"),
        (Value::from("UTC"), "26 Nov"),
        (Value::from("Africa/Johannesburg"), "27 Nov"),
        (Value::from("Not/A_Zone"), "27 Nov"),
    ] {
        let decision = decide_at(
            &strategy,
            &customer(&[("tz", zone.clone())]),
            1,
            false,
            late,
        );
        let text = decision.actions[0].treatment.as_deref().unwrap_or_default();
        assert!(
            text.ends_with(&format!("valid until {expected}. {{Reply YES}}")),
            "{zone:?}: {text}"
        );
    }
}

#[test]
fn a_text_that_cant_be_filled_leaves_the_place_to_the_next_action() {
    let strategy = strategy();
    // The bundle is priced out (no recharge history); the nameless action's text misses a value.
    let who = customer(&[("avg_recharge", Value::Null), ("nickname", Value::Null)]);
    let decision = decide_at(&strategy, &who, 1, true, MORNING);
    assert_eq!(texts(&decision), ["plain: Plain offer"]);
    let fate = |id: &str| {
        decision
            .trace
            .iter()
            .find(|e| e.action_id.as_str() == id)
            .map(|e| (e.stage, e.passed, e.reason.as_str()))
    };
    assert_eq!(
        fate("nameless"),
        Some((
            TraceStage::Treatment,
            false,
            "treatment in sms: `{customer.nickname}` has no value for this customer and it has no \
             fallback text: not placed, never shown with a hole"
        ))
    );
    assert_eq!(
        fate("plain"),
        Some((TraceStage::Placement, true, "rank 1 of 1"))
    );
    // The untraced decision (the hot path) places the same.
    let quiet = decide_at(&strategy, &who, 1, false, MORNING);
    assert_eq!(texts(&quiet), texts(&decision));
}

#[test]
fn only_placed_actions_read_their_placeholders_and_replays_write_the_same_texts() {
    let strategy = strategy();
    let names = |decision: &Decision| -> Vec<String> {
        strategy
            .named_reads(&decision.reads)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    };
    let who = customer(&[("language", Value::from("zu"))]);
    // One place: the bundle's text reads the name and the language; the nickname of the
    // action it outranked is never read.
    let decision = decide_at(&strategy, &who, 1, false, MORNING);
    assert_eq!(
        names(&decision),
        [
            "customer.avg_recharge",
            "customer.first_name",
            "customer.language",
            "customer.tz",
            "holdings",
        ]
    );
    // The plain text placed reads no language; the nickname was read by the text that could
    // not be filled.
    let priced_out = customer(&[("avg_recharge", Value::Null), ("nickname", Value::Null)]);
    let plain = decide_at(&strategy, &priced_out, 1, false, MORNING);
    assert_eq!(
        names(&plain),
        [
            "customer.avg_recharge",
            "customer.nickname",
            "customer.tz",
            "holdings"
        ]
    );
    // Replayed on what the log keeps (the reads), with a trace: the same texts, nothing unread.
    for logged in [&decision, &plain] {
        let recorded = Recorded::new(strategy.profile_schema(), &logged.reads);
        let replay = decide_at(&strategy, &recorded, 1, true, MORNING);
        assert_eq!(replay.actions, logged.actions);
        assert_eq!(recorded.unrecorded(), 0);
        assert_eq!(replay.reads, logged.reads);
    }
}
