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
