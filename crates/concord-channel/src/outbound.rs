//! Outbound: the worker that turns trigger fires into decisions and outbound decisions into
//! contacts at their channel's sink (connections file `channels`).
//!
//! Each sweep: the fires waiting are decided (once per fire, `Hub::decide_for_fire`, so the
//! contact policy, quiet hours, volume budgets and control arms of the channel hold, and every
//! contact is an impression before it is sent), and the follow-ups of responses (channels.yaml
//! `follow_up`, `Hub::follow_up`); then the outbox's decisions are sent, grouped by
//! sink, each action one `OutboundContact` keyed `<decision>:<action>`; a customer whose consent
//! for the channel was withdrawn since the decision is not sent. A decision leaves the outbox
//! only once its sink answered for every contact (journaled), so a restart sends what was not
//! yet answered again, with the same ids.

mod files;

pub use files::CallListDir;

use crate::connections::{Connections, SinkSpec};
use concord_hub::{DeliveryRecord, FollowedUp, Hub, HubError};
use concord_model::{Clock, DecisionRecord, Value};
use concord_sink::{ContactSink, OutboundContact, WebhookConfig, WebhookSink};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often the worker looks at the outbox even when nothing woke it.
const SWEEP: Duration = Duration::from_secs(1);
/// Fires decided per sweep at most.
const FIRES_PER_SWEEP: usize = 10_000;
/// A fire older than this (event time against the clock) is not acted on: a backfill of
/// history must not reach customers today.
pub const MAX_FIRE_AGE: Duration = Duration::from_secs(3_600);

/// The contacts of an outbound decision: one per action, in rank order.
pub fn contacts_of(record: &DecisionRecord) -> Vec<OutboundContact> {
    let text = |key: &str| match record.context.get(key) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let trigger = text("trigger").filter(|_| record.context.contains_key(concord_hub::FIRE_KEY));
    let run = text(concord_hub::RUN_KEY);
    record
        .actions
        .iter()
        .map(|a| OutboundContact {
            contact_id: OutboundContact::id_of(record.decision_id.as_str(), a.action_id.as_str()),
            decision_id: record.decision_id.to_string(),
            customer_id: record.customer_id.to_string(),
            channel: record.channel.to_string(),
            action_id: a.action_id.to_string(),
            rank: a.rank,
            issue: a.issue.clone(),
            group: a.group.clone(),
            text: a.treatment.clone(),
            price: a.price,
            valid_until: a.valid_until,
            propensity: a.propensity,
            value: a.value,
            time: record.time,
            trigger: trigger.clone(),
            run: run.clone(),
            arm: record.arm.as_str().to_owned(),
            variant: record.variant.as_ref().map(ToString::to_string),
        })
        .collect()
}

/// Builds the file and webhook sinks of `connections`; a Kafka sink comes from the caller
/// (`kafka`, built where librdkafka is), or is an error naming the sink.
pub fn build_sinks(
    connections: &Connections,
    mut kafka: impl FnMut(&str, &SinkSpec) -> Result<Arc<dyn ContactSink>, String>,
) -> Result<BTreeMap<String, Arc<dyn ContactSink>>, String> {
    let mut sinks: BTreeMap<String, Arc<dyn ContactSink>> = BTreeMap::new();
    for (name, spec) in &connections.sinks {
        let sink: Arc<dyn ContactSink> = match spec {
            SinkSpec::File { dir, format } => Arc::new(
                CallListDir::create(name, dir.clone(), *format)
                    .map_err(|e| format!("sink {name}: {e}"))?,
            ),
            SinkSpec::Webhook {
                url,
                retry,
                concurrency,
            } => Arc::new(
                WebhookSink::new(WebhookConfig {
                    name: name.clone(),
                    url: url.clone(),
                    retry: *retry,
                    concurrency: *concurrency,
                    body: concord_sink::WebhookBody::Contact,
                })
                .map_err(|e| format!("sink {name}: {e}"))?,
            ),
            SinkSpec::Kafka { .. } => kafka(name, spec)?,
        };
        sinks.insert(name.clone(), sink);
    }
    Ok(sinks)
}

/// Contacts sent and held back (for `/metrics` and tests).
#[derive(Debug, Default)]
pub struct OutboundStats {
    pub fires_decided: AtomicU64,
    pub contacts_sent: AtomicU64,
    pub contacts_failed: AtomicU64,
    /// Not sent: consent withdrawn after the decision.
    pub contacts_withheld: AtomicU64,
    /// Follow-ups of responses decided, and not sent (no consent, a text without a value).
    pub follow_ups_decided: AtomicU64,
    pub follow_ups_skipped: AtomicU64,
}

/// The outbound worker.
pub struct Outbound {
    hub: Arc<Hub>,
    sinks: BTreeMap<String, Arc<dyn ContactSink>>,
    /// Channel -> sink name.
    routes: BTreeMap<String, String>,
    clock: Arc<dyn Clock>,
    stats: OutboundStats,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    pub fn new(
        hub: Arc<Hub>,
        connections: &Connections,
        sinks: BTreeMap<String, Arc<dyn ContactSink>>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        Arc::new(Self {
            hub,
            sinks,
            routes: connections.channels.clone(),
            clock,
            stats: OutboundStats::default(),
        })
    }

    pub fn stats(&self) -> &OutboundStats {
        &self.stats
    }

    /// Runs until aborted: a sweep, then wait for a fire, an outbound decision or the sweep's
    /// period.
    pub async fn run(self: Arc<Self>) {
        loop {
            if let Err(e) = self.sweep().await {
                tracing::error!(error = %e, "outbound sweep stopped; trying again");
            }
            tokio::select! {
                () = self.hub.fire_queued() => {}
                () = self.hub.outbox_queued() => {}
                () = tokio::time::sleep(SWEEP) => {}
            }
        }
    }

    /// Decides the fires waiting, then sends the outbox. Returns the contacts sent.
    pub async fn sweep(&self) -> Result<u64, HubError> {
        loop {
            let fires = self.hub.take_fires(FIRES_PER_SWEEP);
            if fires.is_empty() {
                break;
            }
            let max_age = i64::try_from(MAX_FIRE_AGE.as_millis()).unwrap_or(i64::MAX);
            for fire in fires {
                if self
                    .hub
                    .decide_for_fire(&fire, self.clock.now(), max_age)
                    .await?
                    .is_some()
                {
                    self.stats.fires_decided.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        self.follow_ups().await?;
        let mut by_sink: BTreeMap<&str, Vec<DecisionRecord>> = BTreeMap::new();
        for record in self.hub.outbox_pending() {
            match self.routes.get(record.channel.as_str()) {
                Some(sink) => by_sink.entry(sink.as_str()).or_default().push(record),
                None => tracing::debug!(
                    channel = %record.channel,
                    "no sink for this outbound channel in the connections file; decisions wait"
                ),
            }
        }
        let mut sent = 0;
        for (name, records) in by_sink {
            let Some(sink) = self.sinks.get(name) else {
                continue;
            };
            sent += self.send(sink.as_ref(), &records).await?;
        }
        Ok(sent)
    }

    /// Decides the follow-ups waiting (channels.yaml `follow_up`); those in quiet hours, and
    /// the rest after an error, wait for the next sweep.
    async fn follow_ups(&self) -> Result<(), HubError> {
        let mut jobs = self.hub.take_follow_ups().into_iter();
        let mut later = Vec::new();
        while let Some(job) = jobs.next() {
            match self.hub.follow_up(&job, self.clock.now()).await {
                Ok(FollowedUp::Decided(_)) => {
                    self.stats
                        .follow_ups_decided
                        .fetch_add(1, Ordering::Relaxed);
                }
                Ok(FollowedUp::Done) => {}
                Ok(FollowedUp::Later) => later.push(job),
                Ok(FollowedUp::Skipped(reason)) => {
                    self.stats
                        .follow_ups_skipped
                        .fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(follow_up = %job.key, reason, "follow-up not sent");
                }
                Err(e) => {
                    later.push(job);
                    later.extend(jobs);
                    self.hub.defer_follow_ups(later);
                    return Err(e);
                }
            }
        }
        if !later.is_empty() {
            self.hub.defer_follow_ups(later);
        }
        Ok(())
    }

    async fn send(
        &self,
        sink: &dyn ContactSink,
        records: &[DecisionRecord],
    ) -> Result<u64, HubError> {
        let now = self.clock.now();
        let mut contacts = Vec::new();
        // (decision, its contacts' range in `contacts`, withheld)
        let mut spans = Vec::with_capacity(records.len());
        for record in records {
            let start = contacts.len();
            let consents = self.hub.consents(&record.customer_id, &record.channel, now);
            if consents {
                contacts.extend(contacts_of(record));
            }
            spans.push((record, start..contacts.len(), !consents));
        }
        let results = sink.send(&contacts).await;
        let mut sent = 0;
        for (record, range, withheld) in spans {
            let mut delivered = 0u32;
            let mut failed = 0u32;
            let mut reasons = Vec::new();
            for result in results.get(range).unwrap_or_default() {
                match result {
                    Ok(()) => delivered += 1,
                    Err(e) => {
                        failed += 1;
                        reasons.push(e.to_string());
                    }
                }
            }
            if withheld {
                failed = u32::try_from(record.actions.len()).unwrap_or(u32::MAX);
                reasons.push(format!(
                    "not sent: consent for {} withdrawn after the decision",
                    record.channel
                ));
                self.stats
                    .contacts_withheld
                    .fetch_add(u64::from(failed), Ordering::Relaxed);
            } else {
                self.stats
                    .contacts_failed
                    .fetch_add(u64::from(failed), Ordering::Relaxed);
            }
            self.stats
                .contacts_sent
                .fetch_add(u64::from(delivered), Ordering::Relaxed);
            sent += u64::from(delivered);
            self.hub
                .delivered(DeliveryRecord {
                    decision_id: record.decision_id.clone(),
                    sink: sink.name().to_owned(),
                    time: self.clock.now(),
                    delivered,
                    failed,
                    reason: reasons.join("; "),
                })
                .await?;
        }
        Ok(sent)
    }
}
