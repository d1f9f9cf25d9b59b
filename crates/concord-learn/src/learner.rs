//! The learner: responses queue without waiting; a worker thread applies them to a private
//! copy of the models and publishes it atomically for decisions, at most every
//! [`PUBLISH_EVERY`].

use crate::adm::AdmModel;
use crate::model::{ChannelModels, FnvMap, LearnConfig, Model, ModelKey, ModelSnapshot};
use arc_swap::ArcSwap;
use concord_model::{ResponseRecord, Value};
use parking_lot::{Condvar, Mutex};
use std::sync::Arc;
use std::time::Duration;

/// How long the worker gathers responses before it publishes them as one snapshot.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(50);

/// A response with the predictor values its decision recorded.
#[derive(Debug, Clone, Copy)]
pub struct Learned<'a> {
    pub response: &'a ResponseRecord,
    pub predictors: &'a [Value],
}

/// A queued response, owned: what [`Learner::submit`] takes.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub response: ResponseRecord,
    pub predictors: Vec<Value>,
}

/// Decisions call [`Learner::snapshot`], a wait-free load; responses are queued by
/// [`Learner::submit`] (or applied at once, in a batch, by [`Learner::learn`]).
#[derive(Debug)]
pub struct Learner {
    shared: Arc<Shared>,
    worker: Option<std::thread::JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    config: LearnConfig,
    published: ArcSwap<ModelSnapshot>,
    /// Taken before the queue whenever both are: lessons leave the queue in order.
    working: Mutex<ModelSnapshot>,
    queue: Mutex<Queue>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct Queue {
    lessons: Vec<Lesson>,
    closed: bool,
}

impl Learner {
    /// A learner with no models yet, and its worker thread.
    pub fn new(config: LearnConfig) -> Self {
        let empty = ModelSnapshot::default().with_contexts(&config.contexts);
        let shared = Arc::new(Shared {
            published: ArcSwap::from_pointee(empty.clone()),
            working: Mutex::new(empty),
            config,
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
        });
        let worker = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("concord-learn".into())
                .spawn(move || shared.work())
                .ok()
        };
        Self { shared, worker }
    }

    pub fn config(&self) -> &LearnConfig {
        &self.shared.config
    }

    pub fn snapshot(&self) -> Arc<ModelSnapshot> {
        self.shared.published.load_full()
    }

    /// Responses queued and not yet published.
    pub fn pending(&self) -> usize {
        self.shared.queue.lock().lessons.len()
    }

    /// Queues a response; the worker publishes it within [`PUBLISH_EVERY`] or so. Never waits
    /// for learning.
    pub fn submit(&self, lesson: Lesson) {
        let mut queue = self.shared.queue.lock();
        queue.lessons.push(lesson);
        if queue.lessons.len() == 1 {
            self.shared.wake.notify_one();
        }
        drop(queue);
        if self.worker.is_none() {
            // No worker thread could be started: learn on the caller's thread.
            self.flush();
        }
    }

    /// Applies and publishes everything queued so far, on the caller's thread.
    pub fn flush(&self) {
        self.shared.apply_queued();
    }

    /// A copy of the working state with everything queued applied, for a snapshot.
    pub fn export(&self) -> ModelSnapshot {
        let mut working = self.shared.working.lock();
        if self.shared.drain_into(&mut working) {
            // Published too: the worker finds nothing left to publish.
            self.shared.publish(&mut working);
        }
        working.clone()
    }

    /// Replaces every model with restored counts (a snapshot, before any response is learnt),
    /// compiled under this learner's configuration. A model whose predictors differ from the
    /// configured ones (models.yaml changed) keeps its totals and calibration; its predictors
    /// start afresh.
    pub fn restore(&self, version: u64, models: Vec<(ModelKey, AdmModel)>) {
        let config = &self.shared.config;
        let mut channels: FnvMap<String, ChannelModels> = FnvMap::default();
        for (key, mut adm) in models {
            let kinds: Vec<_> = adm.predictors.iter().map(|p| p.kind).collect();
            if kinds != config.kinds {
                let fresh = AdmModel::new(&config.kinds);
                adm.predictors = fresh.predictors;
                adm.pairs = fresh.pairs;
                adm.joint = fresh.joint;
            }
            channels
                .entry(key.channel.0)
                .or_default()
                .insert(key.action.0, Arc::new(Model::from_counts(adm, config)));
        }
        let snapshot = ModelSnapshot::new(
            version,
            channels
                .into_iter()
                .map(|(channel, models)| (channel, Arc::new(models)))
                .collect(),
        )
        .with_contexts(&config.contexts);
        let mut working = self.shared.working.lock();
        *working = snapshot;
        self.shared.published.store(Arc::new(working.clone()));
    }

    /// Applies a batch of responses at once (after anything queued) and publishes one new
    /// snapshot for the whole batch.
    pub fn learn(&self, batch: &[Learned<'_>]) {
        let mut working = self.shared.working.lock();
        let drained = self.shared.drain_into(&mut working);
        if self.shared.apply(&mut working, batch.iter().copied()) || drained {
            self.shared.publish(&mut working);
        }
    }
}

impl Drop for Learner {
    /// Publishes what is queued and stops the worker.
    fn drop(&mut self) {
        self.shared.queue.lock().closed = true;
        self.shared.wake.notify_one();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Shared {
    /// The worker: waits for a response, lets more gather for [`PUBLISH_EVERY`], publishes
    /// them all; until the learner is dropped, then publishes what is left.
    fn work(&self) {
        loop {
            {
                let mut queue = self.queue.lock();
                while queue.lessons.is_empty() && !queue.closed {
                    self.wake.wait(&mut queue);
                }
                if queue.closed {
                    drop(queue);
                    self.apply_queued();
                    return;
                }
                let _ = self.wake.wait_for(&mut queue, PUBLISH_EVERY);
            }
            self.apply_queued();
        }
    }

    fn apply_queued(&self) {
        let mut working = self.working.lock();
        if self.drain_into(&mut working) {
            self.publish(&mut working);
        }
    }

    /// Applies what is queued to `working` (held locked); true when anything was.
    fn drain_into(&self, working: &mut ModelSnapshot) -> bool {
        let lessons = std::mem::take(&mut self.queue.lock().lessons);
        self.apply(
            working,
            lessons.iter().map(|l| Learned {
                response: &l.response,
                predictors: &l.predictors,
            }),
        )
    }

    /// Learns each response its model's outcome lists say to (copying a model shared with
    /// the published snapshot before it changes: readers keep the one they loaded); true
    /// when any model changed.
    fn apply<'a>(
        &self,
        working: &mut ModelSnapshot,
        batch: impl Iterator<Item = Learned<'a>>,
    ) -> bool {
        let mut changed = false;
        for learned in batch {
            let response = learned.response;
            let Some(positive) = self.config.polarity_of(response) else {
                continue;
            };
            let context = working.context_of(response.channel.as_str()).to_owned();
            let channel = Arc::make_mut(working.channels_mut().entry(context).or_default());
            let model = channel
                .entry(response.action_id.0.clone())
                .or_insert_with(|| Arc::new(Model::new(&self.config)));
            Arc::make_mut(model).learn(learned.predictors, positive, &self.config);
            changed = true;
        }
        changed
    }

    fn publish(&self, working: &mut ModelSnapshot) {
        working.version += 1;
        self.published.store(Arc::new(working.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adm::PredictorKind;
    use crate::model::Polarity;
    use crate::recompile_due;
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
            custom_outcome: None,
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
            ..Default::default()
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

    fn config() -> LearnConfig {
        LearnConfig {
            kinds: vec![PredictorKind::Symbolic, PredictorKind::Numeric],
            ..Default::default()
        }
    }

    /// A stream of responses over two predictors, the same every call.
    fn stream(n: usize) -> Vec<(ResponseRecord, Vec<Value>)> {
        (0..n)
            .map(|i| {
                let segment = ["prepaid", "postpaid", "youth"][i % 3];
                let tenure = (i * 7 % 60) as f64;
                let positive = (i % 3 == 0 && i % 2 == 0) || i % 11 == 0;
                let outcome = if positive {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                let mut r = response(["a", "b"][i % 2], outcome);
                r.decision_id = DecisionId::new(format!("d{i}"));
                (r, vec![Value::from(segment), Value::Num(tenure)])
            })
            .collect()
    }

    fn models(learner: &Learner) -> Vec<(ModelKey, Model)> {
        let snapshot = learner.snapshot();
        let mut all: Vec<_> = snapshot
            .iter()
            .map(|(key, model)| (key, (**model).clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// What a model learns does not depend on how responses were batched for publishing:
    /// one at a time, queued, or all at once (as journal replay does) give equal models.
    #[test]
    fn batching_does_not_change_what_is_learnt() {
        let responses = stream(3_000);
        let one_by_one = Learner::new(config());
        for (response, predictors) in &responses {
            one_by_one.learn(&[Learned {
                response,
                predictors,
            }]);
        }
        let queued = Learner::new(config());
        for (i, (response, predictors)) in responses.iter().enumerate() {
            queued.submit(Lesson {
                response: response.clone(),
                predictors: predictors.clone(),
            });
            if i % 97 == 0 {
                queued.flush();
            }
        }
        queued.flush();
        let at_once = Learner::new(config());
        let batch: Vec<_> = responses
            .iter()
            .map(|(response, predictors)| Learned {
                response,
                predictors,
            })
            .collect();
        at_once.learn(&batch);
        let expected = models(&one_by_one);
        assert_eq!(expected.len(), 2);
        assert_eq!(expected[0].1.adm.counts.evidence(), 1_500);
        assert!(expected == models(&queued), "queued differs");
        assert!(expected == models(&at_once), "one batch differs");
        assert_eq!(at_once.snapshot().version, 1, "one batch, one publish");
    }

    /// A snapshot's export learns what is queued and publishes it too (the worker, finding
    /// the queue empty, would not).
    #[test]
    fn an_export_publishes_what_it_learns() {
        let learner = Learner::new(config());
        for (response, predictors) in stream(5) {
            learner.submit(Lesson {
                response,
                predictors,
            });
        }
        let exported = learner.export();
        assert_eq!(exported.len(), 2);
        assert_eq!(learner.snapshot().len(), 2, "published");
        assert_eq!(learner.snapshot().version, exported.version);
    }

    /// The worker publishes queued responses by itself, without a flush.
    #[test]
    fn the_worker_publishes_what_is_queued() {
        let learner = Learner::new(config());
        for (response, predictors) in stream(10) {
            learner.submit(Lesson {
                response,
                predictors,
            });
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while learner.snapshot().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(PUBLISH_EVERY / 5);
        }
        assert_eq!(learner.pending(), 0);
        let evidence: u64 = learner
            .snapshot()
            .iter()
            .map(|(_, m)| m.adm.counts.evidence())
            .sum();
        assert_eq!(evidence, 10);
    }

    /// Only outcomes on a model's lists teach it: by default a click teaches nothing; a
    /// custom outcome teaches what its list says; an action's own lists win.
    #[test]
    fn outcome_lists_decide_what_is_learnt() {
        let mut config = config();
        config.polarity.positive.push("converted".into());
        config.polarity_by_action.insert(
            "b".into(),
            Polarity {
                positive: vec!["clicked".into()],
                negative: vec![],
            },
        );
        let learner = Learner::new(config);
        let predictors = [Value::from("prepaid"), Value::Num(1.0)];
        let mut converted = response("a", Outcome::Accepted);
        converted.custom_outcome = Some("converted".into());
        let answers = [
            response("a", Outcome::Clicked),
            response("a", Outcome::Ignored),
            converted,
            response("b", Outcome::Clicked),
            response("b", Outcome::Declined),
        ];
        let batch: Vec<_> = answers
            .iter()
            .map(|response| Learned {
                response,
                predictors: &predictors,
            })
            .collect();
        learner.learn(&batch);
        let snapshot = learner.snapshot();
        let ussd = ChannelId::new("ussd");
        let counts = |a: &str| {
            let c = &snapshot
                .model(&ActionId::new(a), &ussd)
                .expect("learnt")
                .adm
                .counts;
            (c.positives, c.negatives)
        };
        assert_eq!(counts("a"), (1, 1), "click skipped, ignore -, converted +");
        assert_eq!(
            counts("b"),
            (1, 0),
            "b: clicks are its successes, declines nothing"
        );
    }

    #[test]
    fn recompiles_at_every_response_then_64_times_per_doubling() {
        let due = |from: u64, to: u64| (from..to).filter(|e| recompile_due(*e)).count();
        assert_eq!(due(1, 128), 127);
        assert_eq!(due(128, 256), 64);
        assert_eq!(due(1 << 20, 1 << 21), 64);
        assert!(recompile_due(0) && recompile_due(1 << 40));
        assert!(!recompile_due((1 << 20) + 1));
    }
}
