//! Fulfilment: the worker that provisions accepted offers through their endpoints (the
//! charging system) and records each result in the hub.
//!
//! Every open job is POSTed as JSON with `Idempotency-Key: <decision>:<action>`, the same on
//! every attempt and after every restart, retried per the endpoint's policy; the result is
//! journaled by the hub, which gives a customer whose provisioning failed for good a
//! `provisioning_failed` event. One acceptance is one job (the hub queues it in the acceptance's
//! journal frame and counts an acceptance once), and a job is in flight at most once here.

use crate::connections::{Connections, Endpoint};
use concord_hub::{Hub, HubError, ProvisionJob, ProvisionResult};
use concord_model::{Clock, Timestamp};
use concord_sink::{DeliveryError, deliver};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often open jobs are looked at even when nothing was queued (a job whose result could
/// not be journaled is picked up again).
const SWEEP: Duration = Duration::from_secs(1);

/// The body an endpoint receives.
#[derive(Debug, Serialize)]
pub struct ProvisionRequest<'a> {
    pub idempotency_key: &'a str,
    pub customer_id: &'a str,
    pub action_id: &'a str,
    pub product: Option<&'a str>,
    pub price: Option<f64>,
    pub valid_until: Option<Timestamp>,
    pub channel: &'a str,
    pub decision_id: &'a str,
    pub accepted_at: Timestamp,
}

/// Calls made, by endpoint and result (for `/metrics`).
#[derive(Debug, Default)]
pub struct FulfilStats {
    pub provisioned: AtomicU64,
    pub failed: AtomicU64,
    /// HTTP requests sent, retries included.
    pub attempts: AtomicU64,
}

/// Provisions the hub's open jobs.
pub struct Fulfiller {
    hub: Arc<Hub>,
    endpoints: BTreeMap<String, Endpoint>,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    in_flight: Mutex<HashSet<String>>,
    stats: FulfilStats,
}

impl std::fmt::Debug for Fulfiller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fulfiller")
            .field("endpoints", &self.endpoints.keys().collect::<Vec<_>>())
            .field("in_flight", &self.in_flight.lock().len())
            .finish_non_exhaustive()
    }
}

impl Fulfiller {
    /// A worker for `hub` over `connections`' endpoints; refuses a strategy with an action
    /// fulfilled through an endpoint the connections lack.
    pub fn new(
        hub: Arc<Hub>,
        connections: &Connections,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, concord_strategy::StrategyErrors> {
        connections.check(hub.strategy())?;
        Ok(Arc::new(Self {
            hub,
            endpoints: connections.endpoints.clone(),
            client: concord_sink::http_client(),
            clock,
            in_flight: Mutex::new(HashSet::new()),
            stats: FulfilStats::default(),
        }))
    }

    pub fn stats(&self) -> &FulfilStats {
        &self.stats
    }

    /// Jobs being tried now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.lock().len()
    }

    /// Runs until the task is dropped or aborted: starts every open job not in flight, then
    /// waits for a new one (or the sweep).
    pub async fn run(self: Arc<Self>) {
        loop {
            self.start_open();
            tokio::select! {
                () = self.hub.provision_queued() => {}
                () = tokio::time::sleep(SWEEP) => {}
            }
        }
    }

    /// Spawns a task for every open job that is not in flight.
    fn start_open(self: &Arc<Self>) {
        for job in self.hub.provisions_pending() {
            let key = job.key();
            if !self.in_flight.lock().insert(key.clone()) {
                continue;
            }
            let me = Arc::clone(self);
            tokio::spawn(async move {
                if let Err(e) = me.fulfil(&job).await {
                    // Not journaled: the job stays open and the next sweep tries it again
                    // (same key, so the endpoint applies it once).
                    tracing::error!(key, error = %e, "provisioning result not recorded");
                }
                me.in_flight.lock().remove(&key);
            });
        }
    }

    /// Provisions one job and records the result; `Ok(false)` when it was closed meanwhile.
    pub async fn fulfil(&self, job: &ProvisionJob) -> Result<bool, HubError> {
        let result = self.call(job).await;
        let attempts = match &result {
            ProvisionResult::Provisioned { attempts, .. } => {
                self.stats.provisioned.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    key = job.key(),
                    endpoint = job.endpoint,
                    attempts,
                    "provisioned"
                );
                *attempts
            }
            ProvisionResult::Failed {
                attempts, reason, ..
            } => {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    key = job.key(),
                    endpoint = job.endpoint,
                    attempts,
                    reason,
                    "provisioning failed"
                );
                *attempts
            }
        };
        self.stats
            .attempts
            .fetch_add(u64::from(attempts), Ordering::Relaxed);
        self.hub.provisioned(job, result, self.clock.now()).await
    }

    async fn call(&self, job: &ProvisionJob) -> ProvisionResult {
        let Some(endpoint) = self.endpoints.get(&job.endpoint) else {
            return ProvisionResult::Failed {
                attempts: 0,
                status: None,
                reason: format!("endpoint `{}` is not in the connections file", job.endpoint),
            };
        };
        let key = job.key();
        let body = ProvisionRequest {
            idempotency_key: &key,
            customer_id: job.customer_id.as_str(),
            action_id: job.action_id.as_str(),
            product: job.product.as_deref(),
            price: job.price,
            valid_until: job.valid_until,
            channel: job.channel.as_str(),
            decision_id: job.decision_id.as_str(),
            accepted_at: job.accepted,
        };
        let body = match serde_json::to_value(&body) {
            Ok(body) => body,
            Err(e) => {
                return ProvisionResult::Failed {
                    attempts: 0,
                    status: None,
                    reason: format!("the request can't be written: {e}"),
                };
            }
        };
        match deliver(&self.client, &endpoint.url, &key, &body, &endpoint.retry).await {
            Ok(done) => ProvisionResult::Provisioned {
                attempts: done.attempts,
                status: done.status,
            },
            Err(e) => ProvisionResult::Failed {
                attempts: e.attempts(),
                status: e.status(),
                reason: match &e {
                    DeliveryError::Refused { status, body, .. } => {
                        format!("HTTP {status} {body}").trim_end().to_owned()
                    }
                    DeliveryError::Exhausted { last, attempts, .. } => {
                        format!("{attempts} attempts; last: {last}")
                    }
                    DeliveryError::Invalid { reason, .. } => reason.clone(),
                },
            },
        }
    }
}
