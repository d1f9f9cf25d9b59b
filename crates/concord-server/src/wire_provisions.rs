//! Wire shapes of fulfilment (`GET /v1/provisions`).

use concord_hub::{ProvisionJob, ProvisionReport, ProvisionResult};
use serde::Serialize;
use utoipa::ToSchema;

/// Provisioning jobs: every open one, counts, and the newest finished ones.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisionsBody {
    /// Accepted, queued for the endpoint, not yet provisioned nor failed for good.
    pub pending: Vec<ProvisionJobBody>,
    /// Provisioned since the data folder was created.
    pub provisioned: u64,
    /// Failed for good since the data folder was created (each gave its customer a
    /// `provisioning_failed` event).
    pub failed: u64,
    /// Finished jobs, newest first.
    pub recent: Vec<ProvisionDoneBody>,
}

/// One accepted offer to provision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisionJobBody {
    /// `<decision>:<action>`, sent as the `Idempotency-Key` on every attempt.
    pub key: String,
    pub decision_id: String,
    pub action_id: String,
    pub customer_id: String,
    pub channel: String,
    pub endpoint: String,
    pub product: Option<String>,
    pub price: Option<f64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_until: Option<jiff::Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub accepted_at: jiff::Timestamp,
}

/// A finished job.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisionDoneBody {
    #[serde(flatten)]
    pub job: ProvisionJobBody,
    /// `provisioned` or `failed`.
    pub result: String,
    #[schema(value_type = String, format = DateTime)]
    pub finished_at: jiff::Timestamp,
    /// HTTP requests sent.
    pub attempts: u32,
    /// The endpoint's last HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why it failed.
    pub reason: Option<String>,
}

impl From<ProvisionJob> for ProvisionJobBody {
    fn from(job: ProvisionJob) -> Self {
        Self {
            key: job.key(),
            decision_id: job.decision_id.0,
            action_id: job.action_id.0,
            customer_id: job.customer_id.0,
            channel: job.channel.0,
            endpoint: job.endpoint,
            product: job.product,
            price: job.price,
            valid_until: job.valid_until,
            accepted_at: job.accepted,
        }
    }
}

impl From<ProvisionReport> for ProvisionsBody {
    fn from(report: ProvisionReport) -> Self {
        Self {
            pending: report.pending.into_iter().map(Into::into).collect(),
            provisioned: report.provisioned,
            failed: report.failed,
            recent: report
                .recent
                .into_iter()
                .map(|done| {
                    let (result, attempts, status, reason) = match done.result {
                        ProvisionResult::Provisioned { attempts, status } => {
                            ("provisioned", attempts, Some(status), None)
                        }
                        ProvisionResult::Failed {
                            attempts,
                            status,
                            reason,
                        } => ("failed", attempts, status, Some(reason)),
                    };
                    ProvisionDoneBody {
                        job: done.job.into(),
                        result: result.to_owned(),
                        finished_at: done.time,
                        attempts,
                        status,
                        reason,
                    }
                })
                .collect(),
        }
    }
}

/// The outbox: outbound decisions waiting for their sink, fires waiting for their decision,
/// counts, and the newest deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboundBody {
    /// Outbound decisions (made for a trigger fire or a run) waiting for their channel's sink.
    pub pending: Vec<OutboundDecisionBody>,
    /// Trigger fires of live events waiting for their decision.
    pub fires_waiting: u64,
    /// Fires dropped because too many were waiting (since the hub started).
    pub fires_dropped: u64,
    /// Contacts the sinks took, since the data folder was created.
    pub contacts_delivered: u64,
    /// Contacts failed for good or withheld (consent withdrawn after the decision).
    pub contacts_failed: u64,
    /// Deliveries, newest first.
    pub recent: Vec<OutboundDeliveryBody>,
}

/// An outbound decision waiting for its sink.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboundDecisionBody {
    pub decision_id: String,
    pub customer_id: String,
    pub channel: String,
    /// The actions to send, in rank order.
    pub actions: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: jiff::Timestamp,
}

/// How a sink took an outbound decision's contacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboundDeliveryBody {
    #[serde(flatten)]
    pub decision: OutboundDecisionBody,
    pub sink: String,
    pub delivered: u32,
    pub failed: u32,
    /// Why contacts failed (empty when none did).
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    pub delivered_at: jiff::Timestamp,
}

impl From<&concord_model::DecisionRecord> for OutboundDecisionBody {
    fn from(record: &concord_model::DecisionRecord) -> Self {
        Self {
            decision_id: record.decision_id.to_string(),
            customer_id: record.customer_id.to_string(),
            channel: record.channel.to_string(),
            actions: record
                .actions
                .iter()
                .map(|a| a.action_id.to_string())
                .collect(),
            decided_at: record.time,
        }
    }
}

impl From<concord_hub::OutboxReport> for OutboundBody {
    fn from(report: concord_hub::OutboxReport) -> Self {
        Self {
            pending: report.pending.iter().map(Into::into).collect(),
            fires_waiting: report.fires_waiting,
            fires_dropped: report.fires_dropped,
            contacts_delivered: report.contacts_delivered,
            contacts_failed: report.contacts_failed,
            recent: report
                .recent
                .into_iter()
                .map(|done| OutboundDeliveryBody {
                    decision: (&done.decision).into(),
                    sink: done.record.sink,
                    delivered: done.record.delivered,
                    failed: done.record.failed,
                    reason: done.record.reason,
                    delivered_at: done.record.time,
                })
                .collect(),
        }
    }
}
