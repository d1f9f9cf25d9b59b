//! The learner: applies responses to a private copy and publishes it atomically for readers.

use crate::model::{ModelKey, ModelSnapshot};
use arc_swap::ArcSwap;
use concord_model::ResponseRecord;
use parking_lot::Mutex;
use std::sync::Arc;

/// Decisions call [`Learner::snapshot`], a wait-free load; responses go through [`Learner::learn`].
#[derive(Debug, Default)]
pub struct Learner {
    published: ArcSwap<ModelSnapshot>,
    working: Mutex<ModelSnapshot>,
}

impl Learner {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn snapshot(&self) -> Arc<ModelSnapshot> {
        self.published.load_full()
    }

    /// A copy of the working state, for a snapshot.
    pub fn export(&self) -> ModelSnapshot {
        self.working.lock().clone()
    }

    /// Replaces every model with `state` (restoring a snapshot, before any response is learnt).
    pub fn restore(&self, state: ModelSnapshot) {
        let mut working = self.working.lock();
        *working = state;
        self.published.store(Arc::new(working.clone()));
    }

    /// Applies a batch of responses and publishes one new snapshot for the whole batch.
    pub fn learn(&self, responses: &[ResponseRecord]) {
        if responses.is_empty() {
            return;
        }
        let mut working = self.working.lock();
        for response in responses {
            let key = ModelKey {
                action: response.action_id.clone(),
                channel: response.channel.clone(),
            };
            working
                .models
                .entry(key)
                .or_default()
                .record(response.outcome);
        }
        working.version += 1;
        self.published.store(Arc::new(working.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_decide::Scorer;
    use concord_model::{ActionId, ChannelId, CustomerId, DecisionId, Outcome, Timestamp};

    fn response(action: &str, outcome: Outcome) -> ResponseRecord {
        ResponseRecord {
            decision_id: DecisionId::new("d1"),
            action_id: ActionId::new(action),
            customer_id: CustomerId::new("c1"),
            channel: ChannelId::new("ussd"),
            outcome,
            time: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_held_snapshot_does_not_change_under_the_reader() {
        let learner = Learner::new();
        let before = learner.snapshot();
        learner.learn(&[
            response("a", Outcome::Accepted),
            response("a", Outcome::Accepted),
        ]);
        let after = learner.snapshot();
        let (a, ussd) = (ActionId::new("a"), ChannelId::new("ussd"));
        assert_eq!(before.propensity(&a, &ussd), 0.5);
        assert_eq!(after.propensity(&a, &ussd), 0.75);
        assert_eq!(after.version, 1);
    }
}
