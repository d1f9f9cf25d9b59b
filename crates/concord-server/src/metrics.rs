//! Prometheus metrics, named `concord_<area>_<thing>_<unit>`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabel {
    pub channel: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TriggerLabel {
    pub trigger: String,
}

/// A gauge holding seconds or other fractions.
type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;

/// Gauges copied from [`concord_hub::HubStats`] at each scrape.
#[derive(Debug, Default)]
pub struct StorageGauges {
    pub symbols: Gauge,
    pub aggregate_cells: Gauge,
    pub dedup_entries: Gauge,
    pub journal_end: Gauge,
    pub apply_lag: Gauge,
    pub unsnapshotted: Gauge,
    pub snapshots: Gauge,
    pub snapshot_seconds: FloatGauge,
    pub snapshot_bytes: Gauge,
    pub recovery_snapshot_seconds: FloatGauge,
    pub recovery_replay_seconds: FloatGauge,
    pub recovery_replayed: Gauge,
    pub trigger_fires: Family<TriggerLabel, Gauge>,
    /// 1 while a channel's circuit breaker is open (at scrape time), else 0.
    pub breaker_open: Family<ChannelLabel, Gauge>,
    pub breaker_trips: Family<ChannelLabel, Gauge>,
    pub breaker_fallbacks: Family<ChannelLabel, Gauge>,
    pub contacts_kept: Gauge,
    pub learn_pending: Gauge,
    pub learn_models: Gauge,
    pub learn_published: Gauge,
    pub timeouts_scheduled: Gauge,
    pub provisions_pending: Gauge,
    pub provisions_provisioned: Gauge,
    pub provisions_failed: Gauge,
    pub outbound_pending: Gauge,
    pub outbound_fires_waiting: Gauge,
    pub outbound_delivered: Gauge,
    pub outbound_failed: Gauge,
    pub runs_active: Gauge,
    pub runs_contacted: Gauge,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub events: Family<ResultLabel, Counter>,
    pub decisions: Family<ChannelLabel, Counter>,
    pub responses: Family<OutcomeLabel, Counter>,
    pub decision_latency: Histogram,
    pub customers: Gauge,
    pub storage: StorageGauges,
    /// USSD menu inputs, by what they did (opened, paged, confirm, accepted, invalid, ...).
    pub ussd: Family<StepLabel, Counter>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabel {
    pub step: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let events = Family::<ResultLabel, Counter>::default();
        let decisions = Family::<ChannelLabel, Counter>::default();
        let responses = Family::<OutcomeLabel, Counter>::default();
        // 50 µs .. ~0.8 s
        let decision_latency = Histogram::new(exponential_buckets(0.000_05, 2.0, 15));
        let customers = Gauge::default();
        registry.register(
            "concord_ingest_events",
            "Events received over HTTP, by result (accepted, duplicate, rejected)",
            events.clone(),
        );
        registry.register(
            "concord_decide_decisions",
            "Decisions served over HTTP, by channel",
            decisions.clone(),
        );
        registry.register(
            "concord_learn_responses",
            "Responses recorded over HTTP, by outcome",
            responses.clone(),
        );
        registry.register(
            "concord_decide_latency_seconds",
            "Time to decide and durably record a decision",
            decision_latency.clone(),
        );
        registry.register(
            "concord_profile_customers",
            "Customers with a profile",
            customers.clone(),
        );
        let ussd = Family::<StepLabel, Counter>::default();
        registry.register(
            "concord_ussd_inputs",
            "USSD menu inputs, by what they did (opened, empty, paged, confirm, accepted, invalid, ended, retried)",
            ussd.clone(),
        );
        let storage = StorageGauges::default();
        storage.register(&mut registry);
        Self {
            ussd,
            registry,
            events,
            decisions,
            responses,
            decision_latency,
            customers,
            storage,
        }
    }

    /// Copies the hub's storage figures into the gauges.
    pub fn observe(&self, stats: &concord_hub::HubStats) {
        let g = &self.storage;
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.customers.set(int(stats.store.customers as u64));
        g.symbols.set(int(stats.store.symbols as u64));
        g.aggregate_cells
            .set(int(stats.store.aggregate_cells as u64));
        g.dedup_entries.set(int(stats.store.dedup_entries as u64));
        g.journal_end.set(int(stats.journal_end));
        g.apply_lag.set(int(stats.apply_lag_bytes));
        g.unsnapshotted.set(int(stats.journal_bytes_since_snapshot));
        g.snapshots.set(int(stats.snapshots_taken));
        g.contacts_kept.set(int(stats.contacts_kept));
        g.learn_pending.set(int(stats.learning.pending));
        g.learn_models.set(int(stats.learning.models));
        g.learn_published.set(int(stats.learning.published_version));
        g.timeouts_scheduled
            .set(int(stats.learning.timeouts_scheduled));
        g.provisions_pending.set(int(stats.provisions.pending));
        g.provisions_provisioned
            .set(int(stats.provisions.provisioned));
        g.provisions_failed.set(int(stats.provisions.failed));
        g.outbound_pending.set(int(stats.outbound.pending));
        g.outbound_fires_waiting
            .set(int(stats.outbound.fires_waiting));
        g.outbound_delivered
            .set(int(stats.outbound.contacts_delivered));
        g.outbound_failed.set(int(stats.outbound.contacts_failed));
        if let Some(last) = &stats.last_snapshot {
            g.snapshot_seconds.set(last.seconds);
            g.snapshot_bytes.set(int(last.bytes));
        }
        g.recovery_snapshot_seconds
            .set(stats.recovery.snapshot_seconds);
        g.recovery_replay_seconds.set(stats.recovery.replay_seconds);
        g.recovery_replayed
            .set(int(stats.recovery.replayed_records));
        let now_ms = jiff::Timestamp::now().as_millisecond();
        for b in &stats.breakers {
            let label = ChannelLabel {
                channel: b.channel.clone(),
            };
            let open = b.open_until_ms.is_some_and(|until| now_ms < until);
            g.breaker_open.get_or_create(&label).set(i64::from(open));
            g.breaker_trips.get_or_create(&label).set(int(b.trips));
            g.breaker_fallbacks
                .get_or_create(&label)
                .set(int(b.fallbacks));
        }
        for (trigger, fires) in &stats.trigger_fires {
            g.trigger_fires
                .get_or_create(&TriggerLabel {
                    trigger: trigger.clone(),
                })
                .set(int(*fires));
        }
    }

    /// Batch runs: scheduled or running, and the customers the runs kept have contacted.
    pub fn observe_runs(&self, active: u64, contacted: u64) {
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.storage.runs_active.set(int(active));
        self.storage.runs_contacted.set(int(contacted));
    }

    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

impl StorageGauges {
    fn register(&self, registry: &mut Registry) {
        let gauges: [(&str, &str, Gauge); 22] = [
            (
                "concord_runs_active",
                "Batch outbound runs scheduled or running",
                self.runs_active.clone(),
            ),
            (
                "concord_runs_contacted",
                "Customers contacted by the batch runs whose reports are kept",
                self.runs_contacted.clone(),
            ),
            (
                "concord_outbound_pending",
                "Outbound decisions waiting for their channel's sink",
                self.outbound_pending.clone(),
            ),
            (
                "concord_outbound_fires_waiting",
                "Trigger fires of live events waiting for their outbound decision",
                self.outbound_fires_waiting.clone(),
            ),
            (
                "concord_outbound_contacts_delivered",
                "Outbound contacts the sinks took, since the data folder was created",
                self.outbound_delivered.clone(),
            ),
            (
                "concord_outbound_contacts_failed",
                "Outbound contacts failed for good or withheld (consent withdrawn after the decision)",
                self.outbound_failed.clone(),
            ),
            (
                "concord_fulfilment_pending",
                "Accepted offers queued for their provisioning endpoint, not yet provisioned nor failed",
                self.provisions_pending.clone(),
            ),
            (
                "concord_fulfilment_provisioned",
                "Accepted offers the provisioning endpoint took, since the data folder was created",
                self.provisions_provisioned.clone(),
            ),
            (
                "concord_fulfilment_failed",
                "Accepted offers whose provisioning failed for good (each one a provisioning_failed event)",
                self.provisions_failed.clone(),
            ),
            (
                "concord_learn_pending_responses",
                "Responses acknowledged and queued, not yet in the published models",
                self.learn_pending.clone(),
            ),
            (
                "concord_learn_models",
                "Adaptive models in the published snapshot",
                self.learn_models.clone(),
            ),
            (
                "concord_learn_published_version",
                "Model snapshots published since the hub opened (after a restore: its version)",
                self.learn_published.clone(),
            ),
            (
                "concord_learn_timeouts_scheduled",
                "Decisions waiting for a channel's response timeout",
                self.timeouts_scheduled.clone(),
            ),
            (
                "concord_contact_history_entries",
                "Impressions and outcomes kept for the contact policy (caps, pauses, volume)",
                self.contacts_kept.clone(),
            ),
            (
                "concord_profile_symbols",
                "Distinct strings interned by the profile store",
                self.symbols.clone(),
            ),
            (
                "concord_profile_aggregate_cells",
                "Aggregate cells held (one per bucket, group and distinct value)",
                self.aggregate_cells.clone(),
            ),
            (
                "concord_profile_dedup_entries",
                "Event fingerprints held for exactly-once admission",
                self.dedup_entries.clone(),
            ),
            (
                "concord_journal_end_bytes",
                "Bytes journaled in the data folder's life (the next record's position)",
                self.journal_end.clone(),
            ),
            (
                "concord_journal_apply_lag_bytes",
                "Journaled bytes not yet applied to memory",
                self.apply_lag.clone(),
            ),
            (
                "concord_journal_unsnapshotted_bytes",
                "Journal bytes since the newest snapshot (what a restart replays)",
                self.unsnapshotted.clone(),
            ),
            (
                "concord_snapshot_taken",
                "Snapshots written by this process",
                self.snapshots.clone(),
            ),
            (
                "concord_snapshot_last_bytes",
                "Size of the newest snapshot written by this process",
                self.snapshot_bytes.clone(),
            ),
        ];
        for (name, help, gauge) in gauges {
            registry.register(name, help, gauge);
        }
        let seconds: [(&str, &str, FloatGauge); 3] = [
            (
                "concord_snapshot_last_seconds",
                "Time the newest snapshot took",
                self.snapshot_seconds.clone(),
            ),
            (
                "concord_recovery_snapshot_seconds",
                "Time the last start took to restore its snapshot",
                self.recovery_snapshot_seconds.clone(),
            ),
            (
                "concord_recovery_replay_seconds",
                "Time the last start took to replay the journal after its snapshot",
                self.recovery_replay_seconds.clone(),
            ),
        ];
        for (name, help, gauge) in seconds {
            registry.register(name, help, gauge);
        }
        registry.register(
            "concord_recovery_replayed_records",
            "Journal records the last start replayed",
            self.recovery_replayed.clone(),
        );
        registry.register(
            "concord_trigger_fires",
            "Trigger fires since the data folder was created, by trigger",
            self.trigger_fires.clone(),
        );
        registry.register(
            "concord_breaker_open",
            "1 while the channel's circuit breaker answers its default actions",
            self.breaker_open.clone(),
        );
        registry.register(
            "concord_breaker_trips",
            "Times the channel's circuit breaker opened since start",
            self.breaker_trips.clone(),
        );
        registry.register(
            "concord_breaker_fallbacks",
            "Decisions answered with the channel's default actions since start",
            self.breaker_fallbacks.clone(),
        );
    }
}
