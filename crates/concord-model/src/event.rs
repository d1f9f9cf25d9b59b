//! OSS/BSS events: the envelope every event carries and the typed payload of each kind.

use crate::ids::{CustomerId, EventId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One event about one subscriber, as it happened at `time` (event time, not arrival time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event_id: EventId,
    pub customer_id: CustomerId,
    pub time: Timestamp,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The typed payload. The wire tag is `type`; an unknown type is rejected, never guessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    /// A completed voice call.
    VoiceCall {
        duration_s: f64,
        #[serde(default)]
        international: bool,
    },
    /// An SMS sent.
    Sms {
        #[serde(default)]
        count: Option<u32>,
    },
    /// Data consumed, in megabytes.
    DataUsage { mb: f64 },
    /// A call the network dropped, on the cell that dropped it.
    DroppedCall { cell: String },
    /// Data-bundle consumption: how much of the current bundle is used.
    BundleUsage {
        bundle: String,
        used_mb: f64,
        total_mb: f64,
        #[serde(default)]
        expires: Option<Timestamp>,
    },
    /// Airtime bought.
    Recharge { amount: f64, channel: String },
    /// A bill issued (postpaid).
    BillIssued { amount: f64 },
    /// A bill paid.
    Payment { amount: f64 },
    /// A billing dispute opened.
    DisputeOpened {
        dispute_id: String,
        #[serde(default)]
        amount: Option<f64>,
    },
    /// A billing dispute closed.
    DisputeClosed {
        dispute_id: String,
        #[serde(default)]
        resolution: Option<String>,
    },
    /// The customer contacted care.
    CareContact { channel: String, reason: String },
    /// The customer walked into a store.
    StoreVisit { store: String },
    /// A session in the self-care app.
    AppSession {
        #[serde(default)]
        duration_s: Option<f64>,
    },
    /// A session on the web site.
    WebSession {
        #[serde(default)]
        duration_s: Option<f64>,
    },
    /// An order for a product or plan.
    Order {
        order_id: String,
        product: String,
        channel: String,
    },
    /// A new connection.
    Activation {
        channel: String,
        #[serde(default)]
        dealer: Option<String>,
        tariff: String,
        #[serde(default)]
        promotion: Option<String>,
    },
    /// A product now held.
    ProductAdded { product: String },
    /// A product no longer held.
    ProductRemoved { product: String },
    /// A new handset.
    DeviceChange {
        device: String,
        #[serde(default)]
        network: Option<String>,
    },
    /// The customer was seen on a new cell or region.
    LocationUpdate {
        cell: String,
        #[serde(default)]
        region: Option<String>,
    },
    /// Consent for a channel granted or withdrawn.
    ConsentChange { channel: String, granted: bool },
    /// The number ported out to another operator: churn.
    PortOut {
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        destination: Option<String>,
    },
    /// An answer to a survey (NPS, exit interview).
    SurveyAnswer {
        survey: String,
        #[serde(default)]
        score: Option<f64>,
        #[serde(default)]
        answer: Option<String>,
    },
    /// Concord's call to a provisioning endpoint (the charging system) for an accepted offer
    /// failed for good: the customer said yes and did not get it. Written by the hub itself.
    ProvisioningFailed {
        action: String,
        endpoint: String,
        reason: String,
    },
}

/// The type tag alone, for counting and for rules that test "what happened".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    VoiceCall,
    Sms,
    DataUsage,
    DroppedCall,
    BundleUsage,
    Recharge,
    BillIssued,
    Payment,
    DisputeOpened,
    DisputeClosed,
    CareContact,
    StoreVisit,
    AppSession,
    WebSession,
    Order,
    Activation,
    ProductAdded,
    ProductRemoved,
    DeviceChange,
    LocationUpdate,
    ConsentChange,
    PortOut,
    SurveyAnswer,
    ProvisioningFailed,
}

impl EventType {
    pub const ALL: [EventType; 24] = [
        EventType::VoiceCall,
        EventType::Sms,
        EventType::DataUsage,
        EventType::DroppedCall,
        EventType::BundleUsage,
        EventType::Recharge,
        EventType::BillIssued,
        EventType::Payment,
        EventType::DisputeOpened,
        EventType::DisputeClosed,
        EventType::CareContact,
        EventType::StoreVisit,
        EventType::AppSession,
        EventType::WebSession,
        EventType::Order,
        EventType::Activation,
        EventType::ProductAdded,
        EventType::ProductRemoved,
        EventType::DeviceChange,
        EventType::LocationUpdate,
        EventType::ConsentChange,
        EventType::PortOut,
        EventType::SurveyAnswer,
        EventType::ProvisioningFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::VoiceCall => "voice_call",
            EventType::Sms => "sms",
            EventType::DataUsage => "data_usage",
            EventType::DroppedCall => "dropped_call",
            EventType::BundleUsage => "bundle_usage",
            EventType::Recharge => "recharge",
            EventType::BillIssued => "bill_issued",
            EventType::Payment => "payment",
            EventType::DisputeOpened => "dispute_opened",
            EventType::DisputeClosed => "dispute_closed",
            EventType::CareContact => "care_contact",
            EventType::StoreVisit => "store_visit",
            EventType::AppSession => "app_session",
            EventType::WebSession => "web_session",
            EventType::Order => "order",
            EventType::Activation => "activation",
            EventType::ProductAdded => "product_added",
            EventType::ProductRemoved => "product_removed",
            EventType::DeviceChange => "device_change",
            EventType::LocationUpdate => "location_update",
            EventType::ConsentChange => "consent_change",
            EventType::PortOut => "port_out",
            EventType::SurveyAnswer => "survey_answer",
            EventType::ProvisioningFailed => "provisioning_failed",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl EventKind {
    pub fn event_type(&self) -> EventType {
        match self {
            EventKind::VoiceCall { .. } => EventType::VoiceCall,
            EventKind::Sms { .. } => EventType::Sms,
            EventKind::DataUsage { .. } => EventType::DataUsage,
            EventKind::DroppedCall { .. } => EventType::DroppedCall,
            EventKind::BundleUsage { .. } => EventType::BundleUsage,
            EventKind::Recharge { .. } => EventType::Recharge,
            EventKind::BillIssued { .. } => EventType::BillIssued,
            EventKind::Payment { .. } => EventType::Payment,
            EventKind::DisputeOpened { .. } => EventType::DisputeOpened,
            EventKind::DisputeClosed { .. } => EventType::DisputeClosed,
            EventKind::CareContact { .. } => EventType::CareContact,
            EventKind::StoreVisit { .. } => EventType::StoreVisit,
            EventKind::AppSession { .. } => EventType::AppSession,
            EventKind::WebSession { .. } => EventType::WebSession,
            EventKind::Order { .. } => EventType::Order,
            EventKind::Activation { .. } => EventType::Activation,
            EventKind::ProductAdded { .. } => EventType::ProductAdded,
            EventKind::ProductRemoved { .. } => EventType::ProductRemoved,
            EventKind::DeviceChange { .. } => EventType::DeviceChange,
            EventKind::LocationUpdate { .. } => EventType::LocationUpdate,
            EventKind::ConsentChange { .. } => EventType::ConsentChange,
            EventKind::PortOut { .. } => EventType::PortOut,
            EventKind::SurveyAnswer { .. } => EventType::SurveyAnswer,
            EventKind::ProvisioningFailed { .. } => EventType::ProvisioningFailed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Event, String> {
        serde_json::from_str::<Event>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_type_name_round_trips() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn known_event_parses_and_unknown_is_rejected() {
        let ok = parse(
            r#"{"event_id":"e1","customer_id":"c1","time":"2026-11-23T10:00:00Z","type":"dropped_call","cell":"C7"}"#,
        );
        let event = ok.expect("dropped_call parses");
        assert_eq!(event.kind.event_type(), EventType::DroppedCall);

        let unknown = parse(
            r#"{"event_id":"e1","customer_id":"c1","time":"2026-11-23T10:00:00Z","type":"teleport"}"#,
        );
        let err = unknown.expect_err("unknown type is rejected");
        assert!(err.contains("teleport"), "{err}");

        let missing = parse(
            r#"{"event_id":"e1","customer_id":"c1","time":"2026-11-23T10:00:00Z","type":"recharge","amount":5}"#,
        );
        let err = missing.expect_err("missing field is rejected");
        assert!(err.contains("channel"), "{err}");
    }
}
