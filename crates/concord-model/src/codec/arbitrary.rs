//! Proptest strategies for every codec type: each event variant with every field arbitrary.

use crate::{
    ActionId, Attributes, ChannelId, Contact, ContactKind, CustomerId, DecisionId, DecisionInputs,
    DecisionRecord, Event, EventId, EventKind, EventType, Offer, Outcome, RankedAction,
    ResponseRecord, Timestamp, Value, VolumeUse,
};
use proptest::prelude::*;

pub(super) fn time() -> impl Strategy<Value = Timestamp> {
    let any_time = Timestamp::MIN.as_nanosecond()..=Timestamp::MAX.as_nanosecond();
    let today = 1_700_000_000_000_000_000i128..1_900_000_000_000_000_000;
    prop_oneof![any_time, today].prop_map(|n| Timestamp::from_nanosecond(n).unwrap_or_default())
}

pub(super) fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9_-]{0,12}", any::<String>()]
}

/// A kind of the given type with every field drawn from `f`.
fn kind(t: EventType, f: Fields) -> EventKind {
    let (s, [x, y, z], flag, [o1, o2], of, ou, ot) = f;
    let [s1, s2, s3, s4] = s;
    match t {
        EventType::VoiceCall => EventKind::VoiceCall {
            duration_s: x,
            international: flag,
        },
        EventType::Sms => EventKind::Sms { count: ou },
        EventType::DataUsage => EventKind::DataUsage { mb: x },
        EventType::DroppedCall => EventKind::DroppedCall { cell: s1 },
        EventType::BundleUsage => EventKind::BundleUsage {
            bundle: s1,
            used_mb: x,
            total_mb: y,
            expires: ot,
        },
        EventType::Recharge => EventKind::Recharge {
            amount: x,
            channel: s1,
        },
        EventType::BillIssued => EventKind::BillIssued { amount: z },
        EventType::Payment => EventKind::Payment { amount: y },
        EventType::DisputeOpened => EventKind::DisputeOpened {
            dispute_id: s1,
            amount: of,
        },
        EventType::DisputeClosed => EventKind::DisputeClosed {
            dispute_id: s1,
            resolution: o1,
        },
        EventType::CareContact => EventKind::CareContact {
            channel: s1,
            reason: s2,
        },
        EventType::StoreVisit => EventKind::StoreVisit { store: s1 },
        EventType::AppSession => EventKind::AppSession { duration_s: of },
        EventType::WebSession => EventKind::WebSession { duration_s: of },
        EventType::Order => EventKind::Order {
            order_id: s1,
            product: s2,
            channel: s3,
        },
        EventType::Activation => EventKind::Activation {
            channel: s1,
            dealer: o1,
            tariff: s4,
            promotion: o2,
        },
        EventType::ProductAdded => EventKind::ProductAdded { product: s1 },
        EventType::ProductRemoved => EventKind::ProductRemoved { product: s2 },
        EventType::DeviceChange => EventKind::DeviceChange {
            device: s1,
            network: o2,
        },
        EventType::LocationUpdate => EventKind::LocationUpdate {
            cell: s1,
            region: o1,
        },
        EventType::ConsentChange => EventKind::ConsentChange {
            channel: s3,
            granted: flag,
        },
        EventType::PortOut => EventKind::PortOut {
            reason: o1,
            destination: o2,
        },
        EventType::SurveyAnswer => EventKind::SurveyAnswer {
            survey: s1,
            score: of,
            answer: o2,
        },
        EventType::ProvisioningFailed => EventKind::ProvisioningFailed {
            action: s1,
            endpoint: s3,
            reason: o2.unwrap_or_default(),
        },
    }
}

type Fields = (
    [String; 4],
    [f64; 3],
    bool,
    [Option<String>; 2],
    Option<f64>,
    Option<u32>,
    Option<Timestamp>,
);

fn fields() -> impl Strategy<Value = Fields> {
    let num = proptest::num::f64::ANY;
    (
        [text(), text(), text(), text()],
        [num, num, num],
        any::<bool>(),
        [proptest::option::of(text()), proptest::option::of(text())],
        proptest::option::of(num),
        any::<Option<u32>>(),
        proptest::option::of(time()),
    )
}

pub(super) fn event() -> impl Strategy<Value = Event> {
    (0..EventType::ALL.len(), fields(), text(), text(), time()).prop_map(|(t, f, id, c, time)| {
        Event {
            event_id: EventId(id),
            customer_id: CustomerId(c),
            time,
            kind: kind(EventType::ALL[t], f),
        }
    })
}

pub(super) fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        proptest::num::f64::ANY.prop_map(Value::Num),
        text().prop_map(Value::Str),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        proptest::collection::vec(inner, 0..6).prop_map(Value::List)
    })
}

pub(super) fn attributes() -> impl Strategy<Value = Attributes> {
    proptest::collection::btree_map(text(), value(), 0..8)
}

pub(super) fn decision() -> impl Strategy<Value = (DecisionRecord, ResponseRecord)> {
    let action = (any::<u32>(), text(), text(), [proptest::num::f64::ANY; 3]).prop_map(
        |(rank, id, issue, [p, v, q])| RankedAction {
            rank,
            action_id: ActionId(id.clone()),
            issue,
            group: id,
            propensity: p,
            value: v,
            priority: q,
            treatment: (rank % 2 == 0).then(|| "sms".into()),
            price: (rank % 3 == 0).then_some(v),
            valid_until: (rank % 2 == 1).then_some(Timestamp::UNIX_EPOCH),
        },
    );
    let actions = proptest::collection::vec(action, 0..4);
    let contact = (
        any::<i64>(),
        any::<u32>(),
        any::<u16>(),
        0..ContactKind::ALL.len(),
    )
        .prop_map(|(time_ms, action, channel, k)| Contact {
            time_ms,
            action,
            channel,
            kind: ContactKind::ALL[k],
        });
    let offer = (
        any::<u32>(),
        proptest::option::of(proptest::num::f64::ANY),
        [any::<i64>(); 2],
        any::<u16>(),
        proptest::option::of(any::<i64>()),
    )
        .prop_map(
            |(action, price, [shown_ms, valid_until_ms], channel, accepted_ms)| Offer {
                action,
                price,
                shown_ms,
                valid_until_ms,
                channel,
                accepted_ms,
            },
        );
    let inputs = (
        any::<u64>(),
        proptest::option::of(any::<u32>()),
        proptest::option::of(text()),
        proptest::collection::vec((any::<u32>(), value()), 0..4),
        proptest::collection::vec((any::<u32>(), proptest::num::f64::ANY), 0..4),
        proptest::collection::vec(contact, 0..4),
        proptest::collection::vec(offer, 0..3),
        proptest::collection::vec((any::<u64>(), proptest::num::f64::ANY), 0..3),
        [any::<bool>(); 2],
    )
        .prop_map(
            |(
                seed,
                limit,
                placement,
                reads,
                propensities,
                contacts,
                offers,
                volume,
                [fallback, new_customer],
            )| {
                let propensities_competed = |seed: u64| {
                    (0..seed % 3)
                        .map(|k| crate::Competed {
                            action: k as u32,
                            mean: f32::from_bits(seed.rotate_left(k as u32) as u32),
                            evidence: if k == 0 {
                                f32::INFINITY
                            } else {
                                k as f32 * 10.0
                            },
                            factor: -0.0,
                            draws: k % 2 == 0,
                            tier: (k % 3) as u8,
                        })
                        .collect()
                };
                Box::new(DecisionInputs {
                    seed,
                    limit,
                    placement,
                    reads,
                    propensities,
                    household_contacts: contacts.iter().rev().copied().collect(),
                    contacts,
                    offers,
                    volume: volume
                        .into_iter()
                        .map(|(contacts, cost)| VolumeUse { contacts, cost })
                        .collect(),
                    competed: propensities_competed(seed),
                    fallback,
                    new_customer,
                })
            },
        );
    (
        text(),
        text(),
        time(),
        attributes(),
        actions,
        0..Outcome::ALL.len(),
        proptest::option::of(inputs),
    )
        .prop_map(|(id, customer, time, context, actions, outcome, inputs)| {
            let predictors = actions.iter().map(|a| Value::Num(a.value)).collect();
            let decision = DecisionRecord {
                decision_id: DecisionId(id.clone()),
                customer_id: CustomerId(customer.clone()),
                channel: ChannelId("ussd".into()),
                time,
                strategy_hash: "ab12".into(),
                context,
                actions,
                household: (time.as_second() % 2 == 0).then(|| "h1".into()),
                predictors,
                inputs,
                arm: crate::Arm::ALL
                    [time.as_second().unsigned_abs() as usize % crate::Arm::ALL.len()],
                variant: (time.as_second() % 3 == 0)
                    .then(|| crate::Variant::new("trial", "challenger_a")),
            };
            let response = ResponseRecord {
                decision_id: DecisionId(id),
                action_id: ActionId("a".into()),
                customer_id: CustomerId(customer),
                channel: ChannelId("ussd".into()),
                outcome: Outcome::ALL[outcome],
                time,
                custom_outcome: (outcome == 0).then(|| "converted".into()),
            };
            (decision, response)
        })
}
