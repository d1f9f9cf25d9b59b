//! The published models: one adaptive model per action x channel, each with what scoring
//! needs compiled from its counts, read by decisions through the [`Scorer`] trait.

use crate::adm::{AdmConfig, AdmModel, PredictorKind, Scoring};
use concord_decide::Scorer;
use concord_model::{ActionId, ChannelId, Feature, ResponseRecord, Value};
pub use concord_strategy::Polarity;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ModelKey {
    pub action: ActionId,
    pub channel: ChannelId,
}

/// What every model is made of: its predictors' kinds (models.yaml, in order) and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnConfig {
    pub kinds: Vec<PredictorKind>,
    pub adm: AdmConfig,
    /// Decisions draw propensities by Thompson sampling ([`crate::Thompson`]).
    pub thompson: bool,
    /// Which outcomes teach a model as a success or a failure (models.yaml `outcomes`).
    pub polarity: Polarity,
    /// Actions whose models have other lists (models.yaml `outcomes.overrides`).
    pub polarity_by_action: FnvMap<String, Polarity>,
    /// Outbound maturity capping: the share of the audience a model without positives
    /// reaches in outbound channels, growing linearly to all at maturity (1: no capping).
    pub outbound_start_share: f64,
    /// Channel -> the context its models are kept under, for channels that share models
    /// (models.yaml `context_key: direction` or `none`); a channel not here has its own.
    pub contexts: FnvMap<String, String>,
}

impl Default for LearnConfig {
    /// No predictors, default ADM settings, no exploration, default outcome lists, no
    /// capping.
    fn default() -> Self {
        Self {
            kinds: Vec::new(),
            adm: AdmConfig::default(),
            thompson: false,
            polarity: Polarity::default(),
            polarity_by_action: FnvMap::default(),
            outbound_start_share: 1.0,
            contexts: FnvMap::default(),
        }
    }
}

impl LearnConfig {
    /// The share of the audience a model with `positives` reaches in outbound channels.
    pub fn outbound_share(&self, positives: u64) -> f64 {
        let start = self.outbound_start_share.clamp(0.0, 1.0);
        let grown = positives as f64 / self.adm.maturity_positives.max(1) as f64;
        start + (1.0 - start) * grown.min(1.0)
    }
}

impl LearnConfig {
    /// Whether a response teaches `action`'s model a success (`Some(true)`), a failure, or
    /// nothing.
    pub fn polarity_of(&self, response: &ResponseRecord) -> Option<bool> {
        self.polarity_by_action
            .get(response.action_id.as_str())
            .unwrap_or(&self.polarity)
            .of(response.outcome_name())
    }
}

/// One adaptive model: its counts, and the scoring compiled from them.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub adm: AdmModel,
    pub scoring: Scoring,
}

impl Model {
    pub fn new(config: &LearnConfig) -> Self {
        Self::from_counts(AdmModel::new(&config.kinds), config)
    }

    pub fn from_counts(adm: AdmModel, config: &LearnConfig) -> Self {
        let scoring = adm.compile(&config.adm);
        Self { adm, scoring }
    }

    /// Learns one response, scored first by the model as last compiled (for the classifier),
    /// and recompiles at [`recompile_due`] evidence.
    pub fn learn(&mut self, predictors: &[Value], positive: bool, config: &LearnConfig) {
        self.adm.learn(predictors, positive, &self.scoring);
        if recompile_due(self.adm.counts.evidence()) {
            self.scoring = self.adm.compile(&config.adm);
        }
    }
}

/// Whether a model recompiles on reaching `evidence` responses: at every response up to 127,
/// then 64 times per doubling (every 2, 4, 8, ... responses), so scoring lags the counts by at
/// most 1/64 of the evidence. A function of the evidence alone: how responses were batched
/// for publishing does not change what the model learns, so replaying the journal rebuilds
/// the same models.
pub fn recompile_due(evidence: u64) -> bool {
    let magnitude = 63 - evidence.max(1).leading_zeros();
    let step = 1u64 << magnitude.saturating_sub(6);
    evidence.is_multiple_of(step)
}

/// FNV-1a for the model index: its keys are short ids, hashed once per action per decision,
/// where SipHash's setup dominates. (The ids are the operator's, not an attacker's.)
#[derive(Debug, Clone, Copy, Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// One channel's models by action id.
pub type ChannelModels = FnvMap<String, Arc<Model>>;

/// An immutable view of every model, as decisions read it: by model context (the channel,
/// by default), then action id. A context's map is shared with the learner's working copy
/// until a response changes it, so publishing after a response copies only that map, not
/// every model.
#[derive(Debug, Clone, Default)]
pub struct ModelSnapshot {
    pub version: u64,
    channels: FnvMap<String, Arc<ChannelModels>>,
    /// Channel -> the context its models are kept under ([`LearnConfig::contexts`]).
    contexts: Arc<FnvMap<String, String>>,
}

impl ModelSnapshot {
    pub fn new(version: u64, channels: FnvMap<String, Arc<ChannelModels>>) -> Self {
        Self {
            version,
            channels,
            contexts: Arc::default(),
        }
    }

    /// The same models, with channels mapped to contexts by `contexts`.
    pub(crate) fn with_contexts(mut self, contexts: &FnvMap<String, String>) -> Self {
        self.contexts = Arc::new(contexts.clone());
        self
    }

    /// The context a channel's models are kept under: the channel itself unless models.yaml
    /// keys models by direction or not at all.
    pub fn context_of<'a>(&'a self, channel: &'a str) -> &'a str {
        self.contexts.get(channel).map_or(channel, String::as_str)
    }

    /// One model, if it has learnt anything.
    pub fn model(&self, action: &ActionId, channel: &ChannelId) -> Option<&Arc<Model>> {
        self.channel(channel)?.get(action.as_str())
    }

    /// Every model a channel's decisions read, by action id.
    pub fn channel(&self, channel: &ChannelId) -> Option<&ChannelModels> {
        self.channels
            .get(self.context_of(channel.as_str()))
            .map(|m| &**m)
    }

    /// Every model with its key (the channel field names the context), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (ModelKey, &Arc<Model>)> {
        self.channels.iter().flat_map(|(channel, models)| {
            models.iter().map(move |(action, model)| {
                (
                    ModelKey {
                        action: ActionId::new(action.as_str()),
                        channel: ChannelId::new(channel.as_str()),
                    },
                    model,
                )
            })
        })
    }

    pub fn len(&self) -> usize {
        self.channels.values().map(|m| m.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The channels' maps, for the learner to change (copy on write).
    pub(crate) fn channels_mut(&mut self) -> &mut FnvMap<String, Arc<ChannelModels>> {
        &mut self.channels
    }
}

impl Scorer for ModelSnapshot {
    /// The model's calibrated propensity for these predictor values; 0.5 (the prior of an
    /// empty model) for an action no response has taught yet.
    fn propensity(&self, action: &ActionId, channel: &ChannelId, features: &[Feature]) -> f64 {
        self.model(action, channel)
            .map_or(0.5, |m| m.scoring.propensity_features(features))
    }
}
