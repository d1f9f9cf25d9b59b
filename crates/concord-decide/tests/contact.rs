//! Channel contact policy: consent per channel and quiet hours in the customer's local time.

mod common;

use concord_decide::{DecisionRequest, History, Scorer, decide};
use concord_model::{ActionId, Attributes, ChannelId, Feature, Timestamp, TraceStage, Value};
use concord_strategy::{RuleEnv, Strategy, Var};

const STRATEGY: &str = "name: t
version: \"1\"
time_zone: {default: Africa/Johannesburg, attribute: tz}
";
const CHANNELS: &str = "channels:
  - {id: ussd, name: USSD, direction: inbound, max_actions: 3}
  - id: sms
    name: SMS
    direction: outbound
    max_actions: 1
    consent: consent_sms
    quiet_hours: {from: \"21:00\", to: \"08:00\"}
";
const PROFILE: &str = "attributes:
  consent_sms: bool
  tz: string
";
const ACTIONS: &str = "issues:
  - {id: growth, name: Growth, groups: [{id: data, name: Data}]}
actions:
  - id: offer
    name: Offer
    issue: growth
    group: data
    kind: sales
    value: 10
    treatments: {ussd: {text: Hi}, sms: {text: Hi}}
";

fn strategy() -> Strategy {
    common::strategy(STRATEGY, CHANNELS, PROFILE, ACTIONS)
}

struct Customer(Attributes);

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } => self.0.get(name).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }
}

struct Even;

impl Scorer for Even {
    fn propensity(&self, _: &ActionId, _: &ChannelId, _: &[Feature]) -> f64 {
        0.5
    }
}

#[test]
fn consent_and_quiet_hours_decide_whether_a_channel_may_contact() {
    // (channel, consent, tz attribute, UTC time, Ok(()) = offered or Err(reason substring))
    type Case<'a> = (
        &'a str,
        Option<bool>,
        Option<&'a str>,
        &'a str,
        Result<(), &'a str>,
    );
    let cases: &[Case<'_>] = &[
        ("sms", Some(true), None, "2026-11-20T12:00:00Z", Ok(())),
        (
            "sms",
            Some(false),
            None,
            "2026-11-20T12:00:00Z",
            Err("customer.consent_sms is false"),
        ),
        (
            "sms",
            None,
            None,
            "2026-11-20T12:00:00Z",
            Err("customer.consent_sms is not recorded"),
        ),
        // 19:30 UTC is 21:30 in Johannesburg (the default zone): quiet.
        (
            "sms",
            Some(true),
            None,
            "2026-11-20T19:30:00Z",
            Err("local time 21:30 (Africa/Johannesburg)"),
        ),
        // The customer's own zone: 19:30 in London, before quiet hours.
        (
            "sms",
            Some(true),
            Some("Europe/London"),
            "2026-11-20T19:30:00Z",
            Ok(()),
        ),
        // An unknown zone in the profile falls back to the default.
        (
            "sms",
            Some(true),
            Some("Nowhere/Bogus"),
            "2026-11-20T19:30:00Z",
            Err("local time 21:30"),
        ),
        // The quiet period wraps midnight and ends at 08:00 local.
        (
            "sms",
            Some(true),
            None,
            "2026-11-20T05:59:00Z",
            Err("local time 07:59"),
        ),
        ("sms", Some(true), None, "2026-11-20T06:00:00Z", Ok(())),
        // USSD declares neither: an inbound session is answered whatever the hour or consent.
        ("ussd", Some(false), None, "2026-11-20T19:30:00Z", Ok(())),
    ];
    let strategy = strategy();
    for (channel, consent, tz, time, expected) in cases {
        let mut attributes = Attributes::new();
        if let Some(c) = consent {
            attributes.insert("consent_sms".into(), Value::Bool(*c));
        }
        if let Some(tz) = tz {
            attributes.insert("tz".into(), Value::from(*tz));
        }
        let request = DecisionRequest {
            channel: ChannelId::new(*channel),
            context: Attributes::new(),
            limit: None,
            placement: None,
            explain: true,
        };
        let now: Timestamp = time.parse().expect("valid time");
        let decision = decide(
            &strategy,
            &Customer(attributes),
            &request,
            &Even,
            &History::default(),
            now,
        )
        .expect("decides");
        let case = format!("{channel} {consent:?} {tz:?} {time}");
        match expected {
            Ok(()) => assert_eq!(decision.actions.len(), 1, "{case}: {:?}", decision.trace),
            Err(reason) => {
                assert!(decision.actions.is_empty(), "{case}");
                let entry = &decision.trace[0];
                assert_eq!(entry.stage, TraceStage::ContactPolicy, "{case}");
                assert!(entry.reason.contains(reason), "{case}: {}", entry.reason);
            }
        }
    }
}

/// On random customers and instants: an SMS goes out only to a customer whose consent is
/// recorded true, outside 21:00-08:00 in their own zone (or the default zone when theirs is
/// missing or unknown); USSD answers whatever the consent or hour.
mod properties {
    use super::*;
    use proptest::prelude::*;

    const ZONES: [Option<&str>; 5] = [
        None,
        Some("Europe/London"),
        Some("America/Sao_Paulo"),
        Some("Asia/Kolkata"),
        Some("Nowhere/Bogus"),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn sms_only_with_consent_and_outside_quiet_hours(
            consent in prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
            zone in 0usize..ZONES.len(),
            minute in 0i64..7 * 24 * 60,
            channel in prop_oneof![Just("sms"), Just("ussd")],
        ) {
            let mut attributes = Attributes::new();
            if let Some(c) = consent {
                attributes.insert("consent_sms".into(), Value::Bool(c));
            }
            if let Some(tz) = ZONES[zone] {
                attributes.insert("tz".into(), Value::from(tz));
            }
            let start: Timestamp = "2026-11-16T00:00:00Z".parse().expect("time");
            let now = Timestamp::from_second(start.as_second() + minute * 60).expect("time");
            let request = DecisionRequest {
                channel: ChannelId::new(channel),
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain: false,
            };
            let decision = decide(&strategy(), &Customer(attributes), &request, &Even, &History::default(), now)
                .expect("decides");
            if channel == "ussd" {
                prop_assert_eq!(decision.actions.len(), 1);
            } else {
                let zone = ZONES[zone]
                    .and_then(|z| jiff::tz::TimeZone::get(z).ok())
                    .unwrap_or_else(|| jiff::tz::TimeZone::get("Africa/Johannesburg").expect("zone"));
                let hour = now.to_zoned(zone).hour();
                let quiet = !(8..21).contains(&hour);
                let allowed = consent == Some(true) && !quiet;
                prop_assert_eq!(decision.actions.len(), usize::from(allowed), "consent {:?} hour {}", consent, hour);
            }
        }
    }
}
