//! Named payload fields of each event type, so aggregates and filters can read events by name.

use crate::event::{EventKind, EventType};
use crate::value::Value;

/// The type of an event payload field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Str,
    Num,
    Bool,
}

impl EventType {
    /// The payload fields of this type, with their types. `bundle_usage` also offers `used_pct`,
    /// the share of the bundle used (0-100), derived from `used_mb` and `total_mb`.
    pub fn fields(self) -> &'static [(&'static str, FieldType)] {
        use FieldType::{Bool, Num, Str};
        match self {
            EventType::VoiceCall => &[("duration_s", Num), ("international", Bool)],
            EventType::Sms => &[("count", Num)],
            EventType::DataUsage => &[("mb", Num)],
            EventType::DroppedCall => &[("cell", Str)],
            EventType::BundleUsage => &[
                ("bundle", Str),
                ("used_mb", Num),
                ("total_mb", Num),
                ("used_pct", Num),
            ],
            EventType::Recharge => &[("amount", Num), ("channel", Str)],
            EventType::BillIssued | EventType::Payment => &[("amount", Num)],
            EventType::DisputeOpened => &[("dispute_id", Str), ("amount", Num)],
            EventType::DisputeClosed => &[("dispute_id", Str), ("resolution", Str)],
            EventType::CareContact => &[("channel", Str), ("reason", Str)],
            EventType::StoreVisit => &[("store", Str)],
            EventType::AppSession | EventType::WebSession => &[("duration_s", Num)],
            EventType::Order => &[("order_id", Str), ("product", Str), ("channel", Str)],
            EventType::Activation => &[
                ("channel", Str),
                ("dealer", Str),
                ("tariff", Str),
                ("promotion", Str),
            ],
            EventType::ProductAdded | EventType::ProductRemoved => &[("product", Str)],
            EventType::DeviceChange => &[("device", Str), ("network", Str)],
            EventType::LocationUpdate => &[("cell", Str), ("region", Str)],
            EventType::ConsentChange => &[("channel", Str), ("granted", Bool)],
            EventType::PortOut => &[("reason", Str), ("destination", Str)],
            EventType::SurveyAnswer => &[("survey", Str), ("score", Num), ("answer", Str)],
            EventType::ProvisioningFailed => &[("action", Str), ("endpoint", Str), ("reason", Str)],
        }
    }

    pub fn field_type(self, name: &str) -> Option<FieldType> {
        self.fields()
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, t)| *t)
    }
}

fn opt_str(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |s| Value::Str(s.clone()))
}

fn opt_num(value: Option<f64>) -> Value {
    value.map_or(Value::Null, Value::Num)
}

impl EventKind {
    /// The value of a payload field by name; `Null` when the field is absent or unknown.
    pub fn field(&self, name: &str) -> Value {
        match (self, name) {
            (EventKind::VoiceCall { duration_s, .. }, "duration_s") => Value::Num(*duration_s),
            (EventKind::VoiceCall { international, .. }, "international") => {
                Value::Bool(*international)
            }
            (EventKind::Sms { count }, "count") => Value::Num(f64::from(count.unwrap_or(1))),
            (EventKind::DataUsage { mb }, "mb") => Value::Num(*mb),
            (EventKind::DroppedCall { cell }, "cell") => Value::Str(cell.clone()),
            (EventKind::BundleUsage { bundle, .. }, "bundle") => Value::Str(bundle.clone()),
            (EventKind::BundleUsage { used_mb, .. }, "used_mb") => Value::Num(*used_mb),
            (EventKind::BundleUsage { total_mb, .. }, "total_mb") => Value::Num(*total_mb),
            (
                EventKind::BundleUsage {
                    used_mb, total_mb, ..
                },
                "used_pct",
            ) => {
                if *total_mb > 0.0 {
                    Value::Num(used_mb / total_mb * 100.0)
                } else {
                    Value::Null
                }
            }
            (EventKind::Recharge { amount, .. }, "amount")
            | (EventKind::BillIssued { amount }, "amount")
            | (EventKind::Payment { amount }, "amount") => Value::Num(*amount),
            (EventKind::Recharge { channel, .. }, "channel")
            | (EventKind::CareContact { channel, .. }, "channel")
            | (EventKind::Order { channel, .. }, "channel")
            | (EventKind::Activation { channel, .. }, "channel")
            | (EventKind::ConsentChange { channel, .. }, "channel") => Value::Str(channel.clone()),
            (EventKind::DisputeOpened { dispute_id, .. }, "dispute_id")
            | (EventKind::DisputeClosed { dispute_id, .. }, "dispute_id") => {
                Value::Str(dispute_id.clone())
            }
            (EventKind::DisputeOpened { amount, .. }, "amount") => opt_num(*amount),
            (EventKind::DisputeClosed { resolution, .. }, "resolution") => opt_str(resolution),
            (EventKind::CareContact { reason, .. }, "reason") => Value::Str(reason.clone()),
            (EventKind::StoreVisit { store }, "store") => Value::Str(store.clone()),
            (EventKind::AppSession { duration_s }, "duration_s")
            | (EventKind::WebSession { duration_s }, "duration_s") => opt_num(*duration_s),
            (EventKind::Order { order_id, .. }, "order_id") => Value::Str(order_id.clone()),
            (EventKind::Order { product, .. }, "product")
            | (EventKind::ProductAdded { product }, "product")
            | (EventKind::ProductRemoved { product }, "product") => Value::Str(product.clone()),
            (EventKind::Activation { dealer, .. }, "dealer") => opt_str(dealer),
            (EventKind::Activation { tariff, .. }, "tariff") => Value::Str(tariff.clone()),
            (EventKind::Activation { promotion, .. }, "promotion") => opt_str(promotion),
            (EventKind::DeviceChange { device, .. }, "device") => Value::Str(device.clone()),
            (EventKind::DeviceChange { network, .. }, "network") => opt_str(network),
            (EventKind::LocationUpdate { cell, .. }, "cell") => Value::Str(cell.clone()),
            (EventKind::LocationUpdate { region, .. }, "region") => opt_str(region),
            (EventKind::ConsentChange { granted, .. }, "granted") => Value::Bool(*granted),
            (EventKind::PortOut { reason, .. }, "reason") => opt_str(reason),
            (EventKind::PortOut { destination, .. }, "destination") => opt_str(destination),
            (EventKind::SurveyAnswer { survey, .. }, "survey") => Value::Str(survey.clone()),
            (EventKind::SurveyAnswer { score, .. }, "score") => opt_num(*score),
            (EventKind::SurveyAnswer { answer, .. }, "answer") => opt_str(answer),
            (EventKind::ProvisioningFailed { action, .. }, "action") => Value::Str(action.clone()),
            (EventKind::ProvisioningFailed { endpoint, .. }, "endpoint") => {
                Value::Str(endpoint.clone())
            }
            (EventKind::ProvisioningFailed { reason, .. }, "reason") => Value::Str(reason.clone()),
            _ => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every declared field of every type reads back with its declared type (or null when optional).
    #[test]
    fn declared_fields_read_with_their_types() {
        let samples: Vec<EventKind> = vec![
            EventKind::VoiceCall {
                duration_s: 60.0,
                international: true,
            },
            EventKind::Sms { count: Some(2) },
            EventKind::DataUsage { mb: 5.0 },
            EventKind::DroppedCall { cell: "C1".into() },
            EventKind::BundleUsage {
                bundle: "b".into(),
                used_mb: 800.0,
                total_mb: 1000.0,
                expires: None,
            },
            EventKind::Recharge {
                amount: 10.0,
                channel: "ussd".into(),
            },
            EventKind::BillIssued { amount: 300.0 },
            EventKind::Payment { amount: 300.0 },
            EventKind::DisputeOpened {
                dispute_id: "d".into(),
                amount: Some(1.0),
            },
            EventKind::DisputeClosed {
                dispute_id: "d".into(),
                resolution: Some("credit".into()),
            },
            EventKind::CareContact {
                channel: "call".into(),
                reason: "billing".into(),
            },
            EventKind::StoreVisit { store: "S1".into() },
            EventKind::AppSession {
                duration_s: Some(3.0),
            },
            EventKind::WebSession {
                duration_s: Some(3.0),
            },
            EventKind::Order {
                order_id: "o".into(),
                product: "p".into(),
                channel: "web".into(),
            },
            EventKind::Activation {
                channel: "store".into(),
                dealer: Some("D1".into()),
                tariff: "T".into(),
                promotion: Some("P".into()),
            },
            EventKind::ProductAdded {
                product: "p".into(),
            },
            EventKind::ProductRemoved {
                product: "p".into(),
            },
            EventKind::DeviceChange {
                device: "x".into(),
                network: Some("5g".into()),
            },
            EventKind::LocationUpdate {
                cell: "C".into(),
                region: Some("R".into()),
            },
            EventKind::ConsentChange {
                channel: "sms".into(),
                granted: false,
            },
            EventKind::PortOut {
                reason: Some("price".into()),
                destination: Some("Rival".into()),
            },
            EventKind::SurveyAnswer {
                survey: "nps".into(),
                score: Some(9.0),
                answer: Some("ok".into()),
            },
            EventKind::ProvisioningFailed {
                action: "bundle".into(),
                endpoint: "charging".into(),
                reason: "HTTP 400".into(),
            },
        ];
        assert_eq!(samples.len(), EventType::ALL.len());
        for kind in &samples {
            for (name, field_type) in kind.event_type().fields() {
                let value = kind.field(name);
                let ok = matches!(
                    (field_type, &value),
                    (FieldType::Str, Value::Str(_))
                        | (FieldType::Num, Value::Num(_))
                        | (FieldType::Bool, Value::Bool(_))
                );
                assert!(ok, "{:?}.{name} read {value:?}", kind.event_type());
            }
            assert_eq!(kind.field("no_such_field"), Value::Null);
        }
        let bundle = &samples[4];
        assert_eq!(bundle.field("used_pct"), Value::Num(80.0));
    }
}
