//! Private pricing and offer memory: the price a customer is offered from the price rule's
//! bounds, steps and target; an offer shown before keeps its price and validity in every
//! channel and ranks first; an accepted offer is closed everywhere until it lapses.

use concord_decide::{DecisionRequest, History, Offer, Scorer, decide};
use concord_model::{ActionId, Attributes, ChannelId, Feature, Timestamp, TraceStage, Value};
use concord_strategy::{RuleEnv, Strategy, Var};

const STRATEGY: &str = "name: t\nversion: \"1\"\ndefault_limit: 3\n";
const CHANNELS: &str = "channels:
  - {id: ussd, name: USSD, direction: inbound, max_actions: 3}
  - {id: store, name: Store, direction: inbound, max_actions: 3}
";
const PROFILE: &str = "attributes:\n  avg_recharge: number\n";

fn strategy(price: &str) -> Strategy {
    let actions = format!(
        "issues:
  - {{id: growth, name: Growth, groups: [{{id: data, name: Data}}]}}
actions:
  - {{id: big, name: Big, issue: growth, group: data, kind: sales, value: 100, treatments: {{ussd: {{text: b}}, store: {{text: b}}}}}}
  - {{id: priced, name: Priced, issue: growth, group: data, kind: sales, value: 10, price: {price}, validity: 3d, treatments: {{ussd: {{text: p}}, store: {{text: p}}}}}}
"
    );
    Strategy::from_files([
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/all.yaml", actions.as_str()),
    ])
    .unwrap_or_else(|e| panic!("test strategy is valid:\n{e}"))
}

struct Customer(Option<f64>);

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match (var, self.0) {
            (Var::Attribute { name, .. }, Some(v)) if name == "avg_recharge" => Value::Num(v),
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

const NOW: &str = "2026-11-23T10:00:00Z";

fn now() -> Timestamp {
    NOW.parse().expect("time")
}

fn request(channel: &str) -> DecisionRequest {
    DecisionRequest {
        channel: ChannelId::new(channel),
        context: Attributes::new(),
        limit: None,
        placement: None,
        explain: true,
    }
}

/// (price rule, avg_recharge, expected price or the reason it is not offered)
#[test]
fn the_price_rule_picks_an_affordable_price_within_bounds() {
    const RULE: &str = "{min: 15, max: 49, step: 1, target: \"customer.avg_recharge * 1.5\"}";
    const STEP_5: &str = "{min: 10, max: 50, step: 5, target: \"customer.avg_recharge\"}";
    const ANY: &str = "{min: 10, max: 50, target: \"customer.avg_recharge\"}";
    const LIST: &str = "{min: 30, max: 30}";
    let cases: &[(&str, Option<f64>, Result<f64, &str>)] = &[
        (
            RULE,
            Some(6.0),
            Err("affordable price 9.00 is below the lowest price 15"),
        ),
        (RULE, Some(10.0), Ok(15.0)),
        (RULE, Some(15.2), Ok(22.0)),
        (RULE, Some(32.66), Ok(48.0)),
        (RULE, Some(40.0), Ok(49.0)),
        (RULE, None, Err("price target failed, action dropped")),
        (STEP_5, Some(23.0), Ok(20.0)),
        (STEP_5, Some(25.0), Ok(25.0)),
        (STEP_5, Some(49.9), Ok(45.0)),
        (STEP_5, Some(9.99), Err("below the lowest price 10")),
        (ANY, Some(23.25), Ok(23.25)),
        (LIST, None, Ok(30.0)),
    ];
    for (rule, recharge, expected) in cases {
        let strategy = strategy(rule);
        let decision = decide(
            &strategy,
            &Customer(*recharge),
            &request("ussd"),
            &Even,
            &History::default(),
            now(),
        )
        .expect("decides");
        let priced = decision
            .actions
            .iter()
            .find(|a| a.action_id.as_str() == "priced");
        let case = format!("{rule} with {recharge:?}");
        match expected {
            Ok(price) => {
                let priced = priced.unwrap_or_else(|| panic!("{case}: offered"));
                assert_eq!(priced.price, Some(*price), "{case}");
                let until: Timestamp = "2026-11-26T10:00:00Z".parse().expect("time");
                assert_eq!(priced.valid_until, Some(until), "{case}: valid 3 days");
            }
            Err(reason) => {
                assert!(priced.is_none(), "{case}");
                let entry = decision
                    .trace
                    .iter()
                    .find(|e| e.action_id.as_str() == "priced")
                    .expect("traced");
                assert_eq!(entry.stage, TraceStage::Pricing, "{case}");
                assert!(entry.reason.contains(reason), "{case}: {}", entry.reason);
            }
        }
        // The action without a price rule or validity has neither.
        let big = &decision.actions[0];
        assert_eq!((big.price, big.valid_until), (None, None), "{case}");
    }
}

#[test]
fn an_offer_shown_before_keeps_its_terms_and_closes_once_accepted() {
    const RULE: &str = "{min: 15, max: 49, step: 1, target: \"customer.avg_recharge * 1.5\"}";
    let strategy = strategy(RULE);
    let priced = strategy.action_index("priced").expect("declared") as u32;
    let at = |t: &str| t.parse::<Timestamp>().expect("time").as_millisecond();
    let shown = Offer {
        action: priced,
        price: Some(18.0),
        shown_ms: at("2026-11-22T09:00:00Z"),
        valid_until_ms: at("2026-11-25T09:00:00Z"),
        channel: 0,
        accepted_ms: None,
    };
    // (offer in the history, what the store sees for `priced`: Ok((rank, price)) or the stage)
    type Case<'a> = (&'a str, Offer, Result<(u32, f64), TraceStage>);
    let cases: &[Case<'_>] = &[
        // Shown on USSD yesterday at 18 (the customer's recharges have grown since): the store
        // shows it first, at 18, until the same time.
        ("remembered", shown, Ok((1, 18.0))),
        (
            "accepted on USSD",
            Offer {
                accepted_ms: Some(at("2026-11-22T09:05:00Z")),
                ..shown
            },
            Err(TraceStage::OfferMemory),
        ),
        // Lapsed: priced afresh (recharge 30 x 1.5 = 45) and ranked by priority again.
        (
            "lapsed",
            Offer {
                valid_until_ms: at("2026-11-23T09:59:59Z"),
                ..shown
            },
            Ok((2, 45.0)),
        ),
    ];
    for (name, offer, expected) in cases {
        let offers = [*offer];
        let history = History {
            offers: &offers,
            ..History::default()
        };
        let decision = decide(
            &strategy,
            &Customer(Some(30.0)),
            &request("store"),
            &Even,
            &history,
            now(),
        )
        .expect("decides");
        let found = decision
            .actions
            .iter()
            .find(|a| a.action_id.as_str() == "priced");
        match expected {
            Ok((rank, price)) => {
                let found = found.unwrap_or_else(|| panic!("{name}: offered"));
                assert_eq!((found.rank, found.price), (*rank, Some(*price)), "{name}");
                let expected_until = if *name == "remembered" {
                    offer.valid_until_ms
                } else {
                    at("2026-11-26T10:00:00Z")
                };
                assert_eq!(
                    found.valid_until.map(|t| t.as_millisecond()),
                    Some(expected_until),
                    "{name}"
                );
                if *name == "remembered" {
                    let entry = decision
                        .trace
                        .iter()
                        .find(|e| e.action_id.as_str() == "priced")
                        .expect("traced");
                    assert!(
                        entry
                            .reason
                            .contains("the offer shown in ussd at 2026-11-22T09:00:00Z"),
                        "{}",
                        entry.reason
                    );
                }
            }
            Err(stage) => {
                assert!(found.is_none(), "{name}");
                let entry = decision
                    .trace
                    .iter()
                    .find(|e| e.action_id.as_str() == "priced")
                    .expect("traced");
                assert_eq!(entry.stage, *stage, "{name}");
                assert!(
                    entry
                        .reason
                        .contains("closed in every channel until 2026-11-25T09:00:00Z"),
                    "{name}: {}",
                    entry.reason
                );
            }
        }
    }
}
