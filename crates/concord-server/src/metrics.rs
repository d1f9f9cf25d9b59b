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

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub events: Family<ResultLabel, Counter>,
    pub decisions: Family<ChannelLabel, Counter>,
    pub responses: Family<OutcomeLabel, Counter>,
    pub decision_latency: Histogram,
    pub customers: Gauge,
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
        Self {
            registry,
            events,
            decisions,
            responses,
            decision_latency,
            customers,
        }
    }

    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
