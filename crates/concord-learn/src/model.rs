//! The model state: positive and negative counts per action x channel, and the propensity they imply.

use concord_decide::Scorer;
use concord_model::{ActionId, ChannelId, Outcome};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ModelKey {
    pub action: ActionId,
    pub channel: ChannelId,
}

/// All of a model's state is counts, so two nodes' models merge by adding them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ModelCounts {
    pub positives: u64,
    pub negatives: u64,
}

impl ModelCounts {
    pub fn evidence(&self) -> u64 {
        self.positives + self.negatives
    }

    /// Posterior mean under a uniform prior: an empty model answers 0.5.
    pub fn propensity(&self) -> f64 {
        (self.positives as f64 + 1.0) / (self.evidence() as f64 + 2.0)
    }

    pub fn record(&mut self, outcome: Outcome) {
        if outcome.is_positive() {
            self.positives += 1;
        } else {
            self.negatives += 1;
        }
    }
}

/// An immutable view of every model, as decisions read it.
#[derive(Debug, Default)]
pub struct ModelSnapshot {
    pub version: u64,
    pub models: HashMap<ModelKey, ModelCounts>,
    /// `models` by channel, then action, built on the first read: a lookup by borrowed ids,
    /// with no key to build. Not cloned (a clone may be changed before it is read).
    index: OnceLock<HashMap<String, HashMap<String, ModelCounts>>>,
}

impl Clone for ModelSnapshot {
    fn clone(&self) -> Self {
        Self {
            version: self.version,
            models: self.models.clone(),
            index: OnceLock::new(),
        }
    }
}

impl ModelSnapshot {
    pub fn new(version: u64, models: HashMap<ModelKey, ModelCounts>) -> Self {
        Self {
            version,
            models,
            index: OnceLock::new(),
        }
    }

    /// The counts of one model (empty when it has none). Read this only once the snapshot is
    /// published: the first read indexes `models` as they are then.
    pub fn counts(&self, action: &ActionId, channel: &ChannelId) -> ModelCounts {
        let index = self.index.get_or_init(|| {
            let mut index: HashMap<String, HashMap<String, ModelCounts>> = HashMap::new();
            for (key, counts) in &self.models {
                index
                    .entry(key.channel.0.clone())
                    .or_default()
                    .insert(key.action.0.clone(), *counts);
            }
            index
        });
        index
            .get(channel.as_str())
            .and_then(|actions| actions.get(action.as_str()))
            .copied()
            .unwrap_or_default()
    }
}

impl Scorer for ModelSnapshot {
    fn propensity(&self, action: &ActionId, channel: &ChannelId) -> f64 {
        self.counts(action, channel).propensity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(outcomes: &[Outcome], expected: f64) {
        let mut counts = ModelCounts::default();
        for &o in outcomes {
            counts.record(o);
        }
        assert!(
            (counts.propensity() - expected).abs() < 1e-12,
            "{outcomes:?}"
        );
    }

    #[test]
    fn propensity_is_the_posterior_mean() {
        check(&[], 0.5);
        check(&[Outcome::Accepted], 2.0 / 3.0);
        check(&[Outcome::Declined], 1.0 / 3.0);
        check(&[Outcome::Ignored, Outcome::Clicked], 0.25);
        check(
            &[Outcome::Accepted, Outcome::Accepted, Outcome::Declined],
            0.6,
        );
    }
}
