//! The learner: applies responses to a private copy and publishes it atomically for readers.

use crate::adm::AdmModel;
use crate::model::{ChannelModels, FnvMap, LearnConfig, Model, ModelKey, ModelSnapshot};
use arc_swap::ArcSwap;
use concord_model::{ResponseRecord, Value};
use parking_lot::Mutex;
use std::sync::Arc;

/// A response with the predictor values its decision recorded.
#[derive(Debug, Clone, Copy)]
pub struct Learned<'a> {
    pub response: &'a ResponseRecord,
    pub predictors: &'a [Value],
}

/// Decisions call [`Learner::snapshot`], a wait-free load; responses go through [`Learner::learn`].
#[derive(Debug)]
pub struct Learner {
    config: LearnConfig,
    published: ArcSwap<ModelSnapshot>,
    working: Mutex<ModelSnapshot>,
}

impl Learner {
    pub fn new(config: LearnConfig) -> Self {
        Self {
            config,
            published: ArcSwap::default(),
            working: Mutex::new(ModelSnapshot::default()),
        }
    }

    pub fn config(&self) -> &LearnConfig {
        &self.config
    }

    pub fn snapshot(&self) -> Arc<ModelSnapshot> {
        self.published.load_full()
    }

    /// A copy of the working state, for a snapshot.
    pub fn export(&self) -> ModelSnapshot {
        self.working.lock().clone()
    }

    /// Replaces every model with restored counts (a snapshot, before any response is learnt),
    /// compiled under this learner's configuration. A model whose predictors differ from the
    /// configured ones (models.yaml changed) keeps its totals and calibration; its predictors
    /// start afresh.
    pub fn restore(&self, version: u64, models: Vec<(ModelKey, AdmModel)>) {
        let mut channels: FnvMap<String, ChannelModels> = FnvMap::default();
        for (key, mut adm) in models {
            let kinds: Vec<_> = adm.predictors.iter().map(|p| p.kind).collect();
            if kinds != self.config.kinds {
                adm.predictors = AdmModel::new(&self.config.kinds).predictors;
            }
            channels.entry(key.channel.0).or_default().insert(
                key.action.0,
                Arc::new(Model::from_counts(adm, &self.config)),
            );
        }
        let snapshot = ModelSnapshot::new(
            version,
            channels
                .into_iter()
                .map(|(channel, models)| (channel, Arc::new(models)))
                .collect(),
        );
        let mut working = self.working.lock();
        *working = snapshot;
        self.published.store(Arc::new(working.clone()));
    }

    /// Applies a batch of responses and publishes one new snapshot for the whole batch. A
    /// model shared with the published snapshot is copied before it changes (readers keep
    /// the one they loaded).
    pub fn learn(&self, batch: &[Learned<'_>]) {
        if batch.is_empty() {
            return;
        }
        let mut working = self.working.lock();
        for learned in batch {
            let response = learned.response;
            let channel = Arc::make_mut(
                working
                    .channels_mut()
                    .entry(response.channel.0.clone())
                    .or_default(),
            );
            let model = channel
                .entry(response.action_id.0.clone())
                .or_insert_with(|| Arc::new(Model::new(&self.config)));
            Arc::make_mut(model).learn(
                learned.predictors,
                response.outcome.is_positive(),
                &self.config,
            );
        }
        working.version += 1;
        self.published.store(Arc::new(working.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adm::PredictorKind;
    use concord_decide::Scorer;
    use concord_model::{ActionId, ChannelId, CustomerId, DecisionId, Outcome, Timestamp};

    fn response(action: &str, outcome: Outcome) -> ResponseRecord {
        ResponseRecord {
            decision_id: DecisionId::new("d"),
            action_id: ActionId::new(action),
            customer_id: CustomerId::new("c"),
            channel: ChannelId::new("ussd"),
            outcome,
            time: Timestamp::UNIX_EPOCH,
        }
    }

    /// Readers keep the snapshot they loaded; a batch publishes once; the segment that
    /// accepts ends up with the higher propensity.
    #[test]
    fn batches_publish_once_and_readers_keep_their_snapshot() {
        let learner = Learner::new(LearnConfig {
            kinds: vec![PredictorKind::Symbolic],
            adm: Default::default(),
            thompson: false,
        });
        let before = learner.snapshot();
        let (yes, no) = (
            response("a", Outcome::Accepted),
            response("a", Outcome::Declined),
        );
        let prepaid = [Value::from("prepaid")];
        let postpaid = [Value::from("postpaid")];
        let mut batch = Vec::new();
        for _ in 0..20 {
            batch.push(Learned {
                response: &yes,
                predictors: &prepaid,
            });
            batch.push(Learned {
                response: &no,
                predictors: &postpaid,
            });
        }
        learner.learn(&batch);
        let after = learner.snapshot();
        assert_eq!((before.version, after.version), (0, 1));
        assert!(before.is_empty());
        let (a, ussd) = (ActionId::new("a"), ChannelId::new("ussd"));
        let key = |v: &[Value; 1]| [concord_model::Feature::of(&v[0], false)];
        assert_eq!(before.propensity(&a, &ussd, &key(&prepaid)), 0.5);
        let (p, q) = (
            after.propensity(&a, &ussd, &key(&prepaid)),
            after.propensity(&a, &ussd, &key(&postpaid)),
        );
        assert!(p > 0.8 && q < 0.2, "prepaid {p} postpaid {q}");
        let model = after.model(&a, &ussd).expect("learnt");
        assert_eq!(model.adm.counts.evidence(), 40);
    }
}
