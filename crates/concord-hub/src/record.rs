//! What the journal holds: every state change of every stage, in the order it was acknowledged.
//!
//! On disk a record is one tag byte (`CUSTOMER`, `EVENT`, ...) and then the variant's fields in
//! `concord_model::codec`'s binary form.

use crate::outbox::DeliveryRecord;
use crate::provision::{ProvisionJob, ProvisionRecord};
use concord_model::codec::{BinaryCodec, DecodeError, Reader};
use concord_model::{Attributes, CustomerId, DecisionRecord, Event, ResponseRecord};
use concord_profile::JournalCodec;

#[derive(Debug, Clone, PartialEq)]
pub enum JournalRecord {
    /// A base-load row: static attributes and initial holdings.
    Customer {
        customer_id: CustomerId,
        attributes: Attributes,
        holdings: Vec<String>,
    },
    /// An event, with the journal position of the same customer's previous event: the chain
    /// the customer view and timeline walk back through.
    Event {
        event: Event,
        prev: Option<u64>,
    },
    Decision(DecisionRecord),
    Response(ResponseRecord),
    /// An acceptance that queues provisioning: one frame, so the job exists exactly when the
    /// acceptance does.
    Fulfil {
        response: ResponseRecord,
        job: ProvisionJob,
    },
    /// A provisioning job's end.
    Provisioned(ProvisionRecord),
    /// A sink took (or failed for good) an outbound decision's contacts.
    Delivered(DeliveryRecord),
}

const CUSTOMER: u8 = 0;
const EVENT: u8 = 1;
/// A decision in the first layout (no household): still read, no longer written.
const DECISION_V1: u8 = 2;
/// A response in the first layout (no custom outcome): still read, no longer written.
const RESPONSE_V1: u8 = 3;
/// A decision in the second layout (no experiment arm): still read, no longer written.
const DECISION_V2: u8 = 4;
const RESPONSE: u8 = 5;
/// A decision in the third layout (no experiment variant): still read, no longer written.
const DECISION_V3: u8 = 6;
const DECISION: u8 = 7;
const FULFIL: u8 = 8;
const PROVISIONED: u8 = 9;
const DELIVERED: u8 = 10;

impl JournalCodec for JournalRecord {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            JournalRecord::Customer {
                customer_id,
                attributes,
                holdings,
            } => {
                out.push(CUSTOMER);
                customer_id.encode(out);
                attributes.encode(out);
                holdings.encode(out);
            }
            JournalRecord::Event { event, prev } => {
                out.push(EVENT);
                event.encode(out);
                prev.encode(out);
            }
            JournalRecord::Decision(decision) => {
                out.push(DECISION);
                decision.encode(out);
            }
            JournalRecord::Response(response) => {
                out.push(RESPONSE);
                response.encode(out);
            }
            JournalRecord::Fulfil { response, job } => {
                out.push(FULFIL);
                response.encode(out);
                job.encode(out);
            }
            JournalRecord::Provisioned(record) => {
                out.push(PROVISIONED);
                record.encode(out);
            }
            JournalRecord::Delivered(record) => {
                out.push(DELIVERED);
                record.encode(out);
            }
        }
    }

    fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut input = Reader::new(bytes);
        let record = read(&mut input).and_then(|record| input.finish().map(|()| record));
        record.map_err(|e| e.to_string())
    }
}

fn read(input: &mut Reader<'_>) -> Result<JournalRecord, DecodeError> {
    Ok(match input.byte()? {
        CUSTOMER => JournalRecord::Customer {
            customer_id: input.read()?,
            attributes: input.read()?,
            holdings: input.read()?,
        },
        EVENT => JournalRecord::Event {
            event: input.read()?,
            prev: input.read()?,
        },
        DECISION_V1 => JournalRecord::Decision(DecisionRecord::decode_v1(input)?),
        DECISION_V2 => JournalRecord::Decision(DecisionRecord::decode_v2(input)?),
        DECISION_V3 => JournalRecord::Decision(DecisionRecord::decode_v3(input)?),
        DECISION => JournalRecord::Decision(input.read()?),
        RESPONSE_V1 => JournalRecord::Response(ResponseRecord::decode_v1(input)?),
        RESPONSE => JournalRecord::Response(input.read()?),
        FULFIL => JournalRecord::Fulfil {
            response: input.read()?,
            job: input.read()?,
        },
        PROVISIONED => JournalRecord::Provisioned(input.read()?),
        DELIVERED => JournalRecord::Delivered(input.read()?),
        tag => return Err(input.error(format!("unknown journal record tag {tag}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_model::{
        ActionId, ChannelId, DecisionId, EventId, EventKind, Outcome, RankedAction, Timestamp,
        Value,
    };

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + second).unwrap_or_default()
    }

    /// The variant, by an exhaustive match: a new variant fails to compile here first.
    fn tag(record: &JournalRecord) -> u8 {
        match record {
            JournalRecord::Customer { .. } => CUSTOMER,
            JournalRecord::Event { .. } => EVENT,
            JournalRecord::Decision(_) => DECISION,
            JournalRecord::Response(_) => RESPONSE,
            JournalRecord::Fulfil { .. } => FULFIL,
            JournalRecord::Provisioned(_) => PROVISIONED,
            JournalRecord::Delivered(_) => DELIVERED,
        }
    }

    fn one_of_each() -> Vec<JournalRecord> {
        let mut records = vec![
            JournalRecord::Customer {
                customer_id: CustomerId::new("c1"),
                attributes: Attributes::from([
                    ("segment".to_owned(), Value::from("youth")),
                    ("arpu".to_owned(), Value::Num(f64::NAN)),
                    (
                        "tags".to_owned(),
                        Value::List(vec![Value::Null, true.into()]),
                    ),
                ]),
                holdings: vec!["roaming_pack".into()],
            },
            JournalRecord::Event {
                event: Event {
                    event_id: EventId::new("e1"),
                    customer_id: CustomerId::new("c1"),
                    time: at(0),
                    kind: EventKind::Recharge {
                        amount: 20.0,
                        channel: "ussd".into(),
                    },
                },
                prev: Some(1234),
            },
            JournalRecord::Decision(DecisionRecord {
                decision_id: DecisionId::new("d1"),
                customer_id: CustomerId::new("c1"),
                channel: ChannelId::new("ussd"),
                time: at(1),
                strategy_hash: "abc".into(),
                context: Attributes::from([("x".to_owned(), Value::Num(-0.0))]),
                actions: vec![RankedAction {
                    rank: 1,
                    action_id: ActionId::new("a1"),
                    issue: "retention".into(),
                    group: "data".into(),
                    propensity: f64::NAN,
                    value: 3.5,
                    priority: f64::INFINITY,
                    treatment: Some("Dial *123#".into()),
                    price: Some(9.5),
                    valid_until: Some(at(5)),
                }],
                household: Some("h-9".into()),
                predictors: Vec::new(),
                inputs: Some(Box::new(concord_model::DecisionInputs {
                    seed: 7,
                    reads: vec![(3, Value::Num(2.0))],
                    propensities: vec![(0, 0.25)],
                    competed: vec![concord_model::Competed {
                        action: 0,
                        mean: 0.2,
                        evidence: 40.0,
                        factor: 3.5,
                        draws: true,
                        tier: 0,
                    }],
                    ..Default::default()
                })),
                arm: concord_model::Arm::RandomPropensity,
                variant: Some(concord_model::Variant::new("retention_push", "levers_up")),
            }),
            JournalRecord::Response(ResponseRecord {
                decision_id: DecisionId::new("d1"),
                action_id: ActionId::new("a1"),
                customer_id: CustomerId::new("c1"),
                channel: ChannelId::new("ussd"),
                outcome: Outcome::Accepted,
                time: at(2),
                custom_outcome: Some("converted".into()),
            }),
            JournalRecord::Fulfil {
                response: ResponseRecord {
                    decision_id: DecisionId::new("d1"),
                    action_id: ActionId::new("a1"),
                    customer_id: CustomerId::new("c1"),
                    channel: ChannelId::new("ussd"),
                    outcome: Outcome::Accepted,
                    time: at(2),
                    custom_outcome: None,
                },
                job: crate::provision::ProvisionJob {
                    decision_id: DecisionId::new("d1"),
                    action_id: ActionId::new("a1"),
                    customer_id: CustomerId::new("c1"),
                    channel: ChannelId::new("ussd"),
                    endpoint: "charging".into(),
                    product: None,
                    price: Some(9.5),
                    valid_until: Some(at(5)),
                    accepted: at(2),
                },
            },
            JournalRecord::Provisioned(crate::provision::ProvisionRecord {
                decision_id: DecisionId::new("d1"),
                action_id: ActionId::new("a1"),
                time: at(3),
                result: crate::provision::ProvisionResult::Failed {
                    attempts: 5,
                    status: None,
                    reason: "connection refused".into(),
                },
            }),
        ];
        records.push(JournalRecord::Delivered(crate::outbox::DeliveryRecord {
            decision_id: DecisionId::new("d1"),
            sink: "sms_gateway".into(),
            time: at(4),
            delivered: 1,
            failed: 0,
            reason: String::new(),
        }));
        let covered: std::collections::BTreeSet<u8> = records.iter().map(tag).collect();
        assert_eq!(covered.len(), 7, "one record of every variant");
        records
    }

    fn encoded(record: &JournalRecord) -> Vec<u8> {
        let mut bytes = Vec::new();
        record.encode(&mut bytes);
        bytes
    }

    /// Whatever the variant: decode(encode(r)) is r, bit for bit, and every prefix is an error.
    #[test]
    fn every_variant_round_trips_bit_exact() {
        for record in one_of_each() {
            let bytes = encoded(&record);
            let back = JournalRecord::decode(&bytes).unwrap_or_else(|e| panic!("{record:?}: {e}"));
            // Debug, not ==, so NaN compares equal; re-encoding proves the bits survived.
            assert_eq!(format!("{back:?}"), format!("{record:?}"));
            assert_eq!(encoded(&back), bytes);
            for len in 0..bytes.len() {
                assert!(JournalRecord::decode(&bytes[..len]).is_err());
            }
        }
        assert!(JournalRecord::decode(&[11]).is_err_and(|e| e.contains("tag 11")));
        assert!(JournalRecord::decode(&[255]).is_err_and(|e| e.contains("tag 255")));
    }

    /// A journal written before decisions carried a household, prices and offer validity still
    /// opens: tag 2 is the first layout, read without them.
    #[test]
    fn first_layout_decisions_still_decode() {
        let Some(JournalRecord::Decision(mut decision)) = one_of_each()
            .into_iter()
            .find(|r| matches!(r, JournalRecord::Decision(_)))
        else {
            panic!("one_of_each has a decision");
        };
        decision.household = None;
        decision.predictors = Vec::new();
        decision.inputs = None;
        decision.arm = concord_model::Arm::Test;
        decision.variant = None;
        assert_eq!(decision.actions.len(), 1);
        decision.actions[0].price = None;
        decision.actions[0].valid_until = None;
        let mut bytes = encoded(&JournalRecord::Decision(decision.clone()));
        assert_eq!(bytes.first(), Some(&DECISION));
        // The first layout: the same fields, without the action's price and validity presence
        // bytes, the household's, the (empty) predictors' count, the inputs', the arm's and
        // the variant's (the last seven bytes here).
        bytes[0] = DECISION_V1;
        bytes.truncate(bytes.len() - 7);
        let back = JournalRecord::decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            format!("{back:?}"),
            format!("{:?}", JournalRecord::Decision(decision))
        );
    }

    /// A journal written before experiment arms still opens: tag 4 is the second layout, read
    /// as the `test` arm (and without the candidates' competition).
    #[test]
    fn second_layout_decisions_still_decode() {
        let Some(JournalRecord::Decision(mut decision)) = one_of_each()
            .into_iter()
            .find(|r| matches!(r, JournalRecord::Decision(_)))
        else {
            panic!("one_of_each has a decision");
        };
        assert_ne!(decision.arm, concord_model::Arm::Test);
        decision.variant = None;
        if let Some(inputs) = decision.inputs.as_mut() {
            inputs.competed.clear();
        }
        let mut bytes = encoded(&JournalRecord::Decision(decision.clone()));
        assert_eq!(bytes.first(), Some(&DECISION));
        // The second layout: the same fields without the inputs' (empty) competition count,
        // the arm's byte and the variant's presence byte, the last three.
        bytes.remove(bytes.len() - 3);
        bytes[0] = DECISION_V2;
        bytes.truncate(bytes.len() - 2);
        let back = JournalRecord::decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        let test = DecisionRecord {
            arm: concord_model::Arm::Test,
            ..decision
        };
        assert_eq!(
            format!("{back:?}"),
            format!("{:?}", JournalRecord::Decision(test))
        );
    }

    /// A journal written before experiments still opens: tag 6 is the third layout, read
    /// outside every experiment and without the candidates' competition.
    #[test]
    fn third_layout_decisions_still_decode() {
        let Some(JournalRecord::Decision(mut decision)) = one_of_each()
            .into_iter()
            .find(|r| matches!(r, JournalRecord::Decision(_)))
        else {
            panic!("one_of_each has a decision");
        };
        assert!(decision.variant.is_some());
        decision.variant = None;
        if let Some(inputs) = decision.inputs.as_mut() {
            inputs.competed.clear();
        }
        let mut bytes = encoded(&JournalRecord::Decision(decision.clone()));
        // The third layout: the same fields without the inputs' (empty) competition count
        // (before the arm's byte) and the variant's presence byte, the last.
        bytes.remove(bytes.len() - 3);
        bytes[0] = DECISION_V3;
        bytes.truncate(bytes.len() - 1);
        let back = JournalRecord::decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            format!("{back:?}"),
            format!("{:?}", JournalRecord::Decision(decision))
        );
    }

    /// A journal written before custom outcomes still opens: tag 3 is the first response layout.
    #[test]
    fn first_layout_responses_still_decode() {
        let Some(JournalRecord::Response(mut response)) = one_of_each()
            .into_iter()
            .find(|r| matches!(r, JournalRecord::Response(_)))
        else {
            panic!("one_of_each has a response");
        };
        response.custom_outcome = None;
        let mut bytes = encoded(&JournalRecord::Response(response.clone()));
        assert_eq!(bytes.first(), Some(&RESPONSE));
        // The first layout: the same fields, without the custom outcome's presence byte.
        bytes[0] = RESPONSE_V1;
        bytes.truncate(bytes.len() - 1);
        let back = JournalRecord::decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, JournalRecord::Response(response));
    }

    /// `cargo test -p concord-hub --release --lib -- --ignored --nocapture replay_throughput`
    #[test]
    #[ignore = "a measurement, not a check"]
    fn event_replay_throughput() -> Result<(), Box<dyn std::error::Error>> {
        use concord_profile::{Journal, JournalOptions, Position};
        let dir = tempfile::tempdir()?;
        let n = 1_000_000;
        let batch: Vec<JournalRecord> = (0..10_000)
            .map(|i| JournalRecord::Event {
                event: Event {
                    event_id: EventId::new(format!("ev-{i:012}")),
                    customer_id: CustomerId::new(format!("c-{:07}", i % 5_000)),
                    time: at(i),
                    kind: EventKind::Recharge {
                        amount: 20.0,
                        channel: "ussd".into(),
                    },
                },
                prev: (i >= 5_000).then(|| (i as u64 - 5_000) * 60),
            })
            .collect();
        {
            let (journal, _) = Journal::open(
                dir.path(),
                JournalOptions::default(),
                Position(0),
                |_, _: JournalRecord| {},
            )?;
            for _ in 0..n / batch.len() {
                journal.append_blocking(&batch)?;
            }
        }
        let started = std::time::Instant::now();
        let mut events = 0u64;
        let (_journal, stats) = Journal::open(
            dir.path(),
            JournalOptions::default(),
            Position(0),
            |_, record: JournalRecord| {
                events += u64::from(matches!(record, JournalRecord::Event { .. }))
            },
        )?;
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(events, n as u64);
        eprintln!(
            "replayed {n} event records ({:.1} B each with the frame) in {seconds:.3}s: {:.0} records/s",
            stats.end.0 as f64 / n as f64,
            n as f64 / seconds
        );
        Ok(())
    }
}
