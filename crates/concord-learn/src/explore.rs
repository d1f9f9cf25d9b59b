//! Exploration by Thompson sampling: instead of its model's propensity p, an action competes
//! with a draw from Beta(1 + p·E, 1 + (1 − p)·E), E the model's evidence. A model with little
//! evidence draws widely (new actions get tried), a mature one close to p. Draws are
//! deterministic in the decision's seed, the channel and the action, so a decision replays.

use crate::model::{ChannelModels, LearnConfig, Model, ModelSnapshot};
use concord_decide::Scorer;
use concord_model::{ActionId, ChannelId, Feature};
use std::cell::{Cell, OnceCell};
use std::sync::Arc;

/// An action's model found: (the model's key, the id's hash, the channel's hash, the model).
type Found<'a> = (&'a str, u64, u64, &'a Arc<Model>);

/// One decision's model lookups: the channel's models (a decision asks about one channel),
/// and the last action's model with its id's hash (maturity capping, then the propensity, ask
/// about the same action one after the other).
struct Lookup<'a> {
    models: &'a ModelSnapshot,
    channel: OnceCell<(u64, Option<&'a ChannelModels>)>,
    last: Cell<Option<Found<'a>>>,
}

impl<'a> Lookup<'a> {
    fn new(models: &'a ModelSnapshot) -> Self {
        Self {
            models,
            channel: OnceCell::new(),
            last: Cell::new(None),
        }
    }

    /// The channel's hash and models.
    fn channel(&self, channel: &ChannelId) -> (u64, Option<&'a ChannelModels>) {
        let hash = concord_model::symbol_hash(channel.as_str());
        let &(cached, models) = self
            .channel
            .get_or_init(|| (hash, self.models.channel(channel)));
        if cached == hash {
            (hash, models)
        } else {
            (hash, self.models.channel(channel))
        }
    }

    /// The action id's hash and its model among `models`, the channel's (of `channel_hash`).
    fn action(
        &self,
        action: &ActionId,
        (channel_hash, models): (u64, Option<&'a ChannelModels>),
    ) -> (u64, Option<&'a Arc<Model>>) {
        if let Some((key, hash, channel, model)) = self.last.get()
            && channel == channel_hash
            && key == action.as_str()
        {
            return (hash, Some(model));
        }
        let hash = concord_model::symbol_hash(action.as_str());
        match models.and_then(|m| m.get_key_value(action.as_str())) {
            Some((key, model)) => {
                self.last
                    .set(Some((key.as_str(), hash, channel_hash, model)));
                (hash, Some(model))
            }
            None => (hash, None),
        }
    }
}

impl std::fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookup")
            .field("models", &self.models.version)
            .finish_non_exhaustive()
    }
}

/// A scorer that explores: the published models' propensities, drawn per decision.
#[derive(Debug)]
pub struct Thompson<'a> {
    lookup: Lookup<'a>,
    /// The decision's seed.
    seed: u64,
    /// (mean, evidence) of the last draw.
    last: Cell<(f64, f64)>,
    /// Outbound maturity capping (see [`Capped`]) with the customer's audience hash, when on.
    capping: Option<(&'a LearnConfig, u64)>,
}

impl<'a> Thompson<'a> {
    pub fn new(models: &'a ModelSnapshot, seed: u64) -> Self {
        Self {
            lookup: Lookup::new(models),
            seed,
            last: Cell::new((0.5, 0.0)),
            capping: None,
        }
    }

    /// With outbound maturity capping, as [`Capped`] around it would (one model lookup an
    /// action serves both).
    pub fn capped(mut self, config: &'a LearnConfig, audience: u64) -> Self {
        self.capping = Some((config, audience));
        self
    }
}

impl Scorer for Thompson<'_> {
    fn propensity(&self, action: &ActionId, channel: &ChannelId, features: &[Feature]) -> f64 {
        let channel = self.lookup.channel(channel);
        let channel_hash = channel.0;
        let (action_hash, model) = self.lookup.action(action, channel);
        let (p, evidence) = match model {
            Some(m) => (
                m.scoring.propensity_features(features),
                m.adm.counts.evidence() as f64,
            ),
            None => (0.5, 0.0),
        };
        let mut rng = SplitMix::new(self.seed ^ action_hash ^ channel_hash.rotate_left(17));
        self.last.set((p, evidence));
        beta(&mut rng, 1.0 + p * evidence, 1.0 + (1.0 - p) * evidence)
    }

    fn posterior(&self) -> Option<(f64, f64)> {
        Some(self.last.get())
    }

    fn reaches(&self, action: &ActionId, channel: &ChannelId) -> bool {
        match self.capping {
            Some((config, audience)) => reaches(&self.lookup, config, audience, action, channel),
            None => true,
        }
    }
}

/// Maturity capping's answer for `action` in `channel` for the customer of `audience`.
fn reaches(
    lookup: &Lookup<'_>,
    config: &LearnConfig,
    audience: u64,
    action: &ActionId,
    channel: &ChannelId,
) -> bool {
    if config.outbound_start_share >= 1.0 {
        return true;
    }
    let channel = lookup.channel(channel);
    let channel_hash = channel.0;
    let (action_hash, model) = lookup.action(action, channel);
    let positives = model.map_or(0, |m| m.adm.counts.positives);
    let share = config.outbound_share(positives);
    share >= 1.0 || draw_hashed(audience, action_hash, channel_hash) < share
}

impl std::fmt::Debug for Capped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capped")
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Outbound maturity capping around another scorer: an action whose model has `positives`
/// reaches the customers whose draw (by customer, action and channel, the same at every
/// decision) falls under [`LearnConfig::outbound_share`]; as positives grow, those reached
/// stay reached and more join.
pub struct Capped<'a> {
    /// The scorer whose propensities decisions use.
    pub inner: &'a dyn Scorer,
    pub config: &'a LearnConfig,
    /// The customer's hash ([`concord_model::symbol_hash`] of the id).
    pub audience: u64,
    lookup: Lookup<'a>,
}

impl<'a> Capped<'a> {
    pub fn new(
        inner: &'a dyn Scorer,
        models: &'a ModelSnapshot,
        config: &'a LearnConfig,
        audience: u64,
    ) -> Self {
        Self {
            inner,
            config,
            audience,
            lookup: Lookup::new(models),
        }
    }
}

impl Scorer for Capped<'_> {
    fn propensity(&self, action: &ActionId, channel: &ChannelId, features: &[Feature]) -> f64 {
        self.inner.propensity(action, channel, features)
    }

    fn posterior(&self) -> Option<(f64, f64)> {
        self.inner.posterior()
    }

    fn reaches(&self, action: &ActionId, channel: &ChannelId) -> bool {
        reaches(&self.lookup, self.config, self.audience, action, channel)
    }
}

/// A uniform in [0, 1) fixed by customer, action and channel.
pub fn audience_draw(audience: u64, action: &ActionId, channel: &ChannelId) -> f64 {
    draw(
        audience,
        action,
        concord_model::symbol_hash(channel.as_str()),
    )
}

/// [`audience_draw`] with the action's and the channel's hashes in hand.
fn draw(audience: u64, action: &ActionId, channel_hash: u64) -> f64 {
    draw_hashed(
        audience,
        concord_model::symbol_hash(action.as_str()),
        channel_hash,
    )
}

fn draw_hashed(audience: u64, action_hash: u64, channel_hash: u64) -> f64 {
    let mut rng =
        SplitMix::new(audience ^ action_hash.rotate_left(29) ^ channel_hash.rotate_left(41));
    rng.uniform()
}

/// SplitMix64: small, fast, and good enough to drive a few draws per action. Normals come in
/// pairs (the polar method): the second is kept for the next draw.
pub(crate) struct SplitMix(pub u64, pub Option<f64>);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed, None)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1): never 0, so logarithms stay finite.
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        if let Some(z) = self.1.take() {
            return z;
        }
        // Marsaglia's polar method: two normals per accepted point, no sine or cosine.
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                self.1 = Some(v * f);
                return u * f;
            }
        }
    }
}

/// Gamma(shape, 1) by Marsaglia and Tsang; shape < 1 through Gamma(shape + 1) x U^(1/shape).
fn gamma(rng: &mut SplitMix, shape: f64) -> f64 {
    if shape < 1.0 {
        return gamma(rng, shape + 1.0) * rng.uniform().powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.uniform();
        // The squeeze accepts about 98% of draws without a logarithm.
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// Beta(a, b) as Gamma(a) / (Gamma(a) + Gamma(b)); Beta(1, 1) (a model without evidence) is
/// the uniform.
pub(crate) fn beta(rng: &mut SplitMix, a: f64, b: f64) -> f64 {
    if a == 1.0 && b == 1.0 {
        return rng.uniform();
    }
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    x / (x + y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(a: f64, b: f64, n: usize) -> (f64, f64) {
        let mut rng = SplitMix::new(42);
        let draws: Vec<f64> = (0..n).map(|_| beta(&mut rng, a, b)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        (mean, var)
    }

    /// Beta(a, b) has mean a/(a+b) and variance ab/((a+b)^2 (a+b+1)): checked on 20,000 draws
    /// (a fixed seed, so the check is exact to the tolerance every run).
    #[test]
    fn draws_have_the_beta_moments() {
        for (a, b) in [
            (1.0, 1.0),
            (0.5, 0.5),
            (2.0, 5.0),
            (31.0, 71.0),
            (301.0, 701.0),
        ] {
            let (mean, var) = moments(a, b, 20_000);
            let (m, v) = (a / (a + b), a * b / ((a + b).powi(2) * (a + b + 1.0)));
            assert!((mean - m).abs() < 0.01, "Beta({a}, {b}) mean {mean} vs {m}");
            assert!(
                (var - v).abs() < 0.1 * v + 1e-4,
                "Beta({a}, {b}) var {var} vs {v}"
            );
        }
    }

    /// With the propensity fixed at 0.3, draws spread less and less as evidence grows.
    #[test]
    fn sampling_concentrates_as_evidence_grows() {
        let spread = |evidence: f64| {
            moments(1.0 + 0.3 * evidence, 1.0 + 0.7 * evidence, 5_000)
                .1
                .sqrt()
        };
        let spreads: Vec<f64> = [0.0, 10.0, 100.0, 1_000.0, 10_000.0]
            .iter()
            .map(|e| spread(*e))
            .collect();
        for pair in spreads.windows(2) {
            assert!(pair[1] < pair[0], "{spreads:?}");
        }
        assert!(spreads[4] < 0.005, "{spreads:?}");
        assert!(spreads[0] > 0.25, "uniform: {spreads:?}");
    }

    /// The same seed, action and channel draw the same; another seed draws otherwise.
    #[test]
    fn draws_are_deterministic_in_the_seed() {
        let models = ModelSnapshot::default();
        let (a, c) = (ActionId::new("a"), ChannelId::new("ussd"));
        let draw = |seed| Thompson::new(&models, seed).propensity(&a, &c, &[]);
        assert_eq!(draw(7).to_bits(), draw(7).to_bits());
        assert_ne!(draw(7).to_bits(), draw(8).to_bits());
        let other = Thompson::new(&models, 7).propensity(&ActionId::new("b"), &c, &[]);
        assert_ne!(draw(7).to_bits(), other.to_bits());
    }

    /// A new model reaches about the start share of outbound audiences, half-way to maturity
    /// about half way, and everyone at maturity; a customer reached stays reached as the
    /// model's positives grow. Inbound channels are the funnel's to exempt (it never asks).
    #[test]
    fn maturity_capping_grows_the_audience_to_everyone() {
        let config = LearnConfig {
            outbound_start_share: 0.02,
            ..Default::default()
        };
        assert_eq!(config.adm.maturity_positives, 200);
        let (action, sms) = (ActionId::new("new_offer"), ChannelId::new("sms"));
        let audiences: Vec<u64> = (0..20_000u64)
            .map(|i| concord_model::symbol_hash(&format!("c{i}")))
            .collect();
        let reached_at = |positives: u64| -> Vec<bool> {
            let mut models = ModelSnapshot::default();
            if positives > 0 {
                let mut model = crate::Model::new(&config);
                for _ in 0..positives {
                    model.learn(&[], true, &config);
                }
                let mut channel = crate::model::ChannelModels::default();
                channel.insert(action.0.clone(), std::sync::Arc::new(model));
                models
                    .channels_mut()
                    .insert(sms.0.clone(), std::sync::Arc::new(channel));
            }
            audiences
                .iter()
                .map(|&audience| {
                    Capped::new(&models, &models, &config, audience).reaches(&action, &sms)
                })
                .collect()
        };
        let share = |reached: &[bool]| reached.iter().filter(|r| **r).count() as f64 / 20_000.0;
        let (new, half, mature) = (reached_at(0), reached_at(100), reached_at(200));
        assert!((share(&new) - 0.02).abs() < 0.005, "{}", share(&new));
        assert!((share(&half) - 0.51).abs() < 0.02, "{}", share(&half));
        assert_eq!(share(&mature), 1.0);
        assert!(
            new.iter().zip(&half).all(|(n, h)| !n || *h),
            "reached customers stay reached"
        );
        let off = LearnConfig::default();
        assert_eq!(off.outbound_share(0), 1.0, "no capping by default");
    }

    /// Thompson sampling capped by itself (the hub's scorer, its lookups kept for the
    /// decision) answers exactly as `Capped` around plain Thompson sampling with every lookup
    /// made afresh: every reach, draw and posterior, for actions with and without a model, in
    /// two channels asked in turn (a kept lookup must not serve one channel's model for
    /// another's).
    #[test]
    fn thompson_capped_answers_as_capped_around_thompson() {
        let config = LearnConfig {
            outbound_start_share: 0.1,
            ..Default::default()
        };
        let actions: Vec<ActionId> = (0..12).map(|i| ActionId::new(format!("a{i}"))).collect();
        let channels = [ChannelId::new("sms"), ChannelId::new("email")];
        let mut models = ModelSnapshot::default();
        for (c, channel) in channels.iter().enumerate() {
            let mut by_action = crate::model::ChannelModels::default();
            // Every third action has no model in a channel; the others learnt differently.
            for (i, action) in actions.iter().enumerate().filter(|(i, _)| (i + c) % 3 != 0) {
                let mut model = crate::Model::new(&config);
                for k in 0..(i * 17 + c * 5) {
                    model.learn(&[], k % 4 == 0, &config);
                }
                by_action.insert(action.0.clone(), std::sync::Arc::new(model));
            }
            models
                .channels_mut()
                .insert(channel.0.clone(), std::sync::Arc::new(by_action));
        }
        for customer in 0..200u64 {
            let audience = concord_model::symbol_hash(&format!("c{customer}"));
            let seed = customer.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let own = Thompson::new(&models, seed).capped(&config, audience);
            for round in 0..2 {
                for action in &actions {
                    for channel in &channels {
                        let what =
                            format!("customer {customer}, {action} in {channel}, round {round}");
                        // The reference looks everything up afresh for each question.
                        let inner = Thompson::new(&models, seed);
                        let fresh = Capped::new(&inner, &models, &config, audience);
                        assert_eq!(
                            own.reaches(action, channel),
                            fresh.reaches(action, channel),
                            "{what}"
                        );
                        let p = own.propensity(action, channel, &[]);
                        let q = fresh.propensity(action, channel, &[]);
                        assert_eq!(p.to_bits(), q.to_bits(), "{what}");
                        assert_eq!(own.posterior(), fresh.posterior(), "{what}");
                    }
                }
            }
        }
        let uncapped = Thompson::new(&models, 1);
        assert!(
            actions.iter().all(|a| uncapped.reaches(a, &channels[0])),
            "no capping asked"
        );
    }
}
