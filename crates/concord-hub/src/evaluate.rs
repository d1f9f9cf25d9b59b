//! Off-policy evaluation: what a candidate strategy would have earned on the decisions the
//! live strategy made, from the decision log alone. For each logged decision the candidate's
//! funnel runs again on what the decision read (customer values, request, contact history;
//! greedy on the models as they were at the decision), and its first action is compared with
//! the logged first action.
//! The logging policy's chance of that action follows from how every candidate competed
//! (`DecisionInputs::competed`, Monte Carlo over the Thompson draws; 1 / candidates in the
//! `random_action` arm). IPS, SNIPS and doubly-robust estimates (the reward model: the same
//! propensity, times the value) with bootstrap intervals, for the accept rate and the value per
//! decision of the first action.

use crate::error::HubError;
use crate::hub::Hub;
use crate::record::JournalRecord;
use concord_decide::{ArmDraw, DecisionRequest, History};
use concord_learn::{ModelSnapshot, Ranking};
use concord_measure::{Estimate, Estimator, Logged};
use concord_model::{
    ActionId, Arm, ChannelId, Contact, DecisionInputs, DecisionRecord, Feature, Offer, Outcome,
    ResponseRecord,
};
use concord_strategy::{Recorded, Strategy};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

mod remap;

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct EvaluateOptions {
    pub candidate: Arc<Strategy>,
    /// The newest this many logged decisions (0: every one the log keeps).
    pub decisions: usize,
    pub confidence: f64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Monte Carlo draws per decision for the logging policy's chance.
    pub draws: usize,
    pub seed: u64,
}

/// The reward an estimate is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reward {
    /// 1 when the first action was accepted.
    Accept,
    /// The first action's value when accepted.
    Value,
}

/// One estimate of the candidate's value per decision, or why there is none.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateRow {
    pub reward: Reward,
    pub estimator: Estimator,
    #[serde(flatten)]
    pub estimate: Option<Estimate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// One evaluated decision: the logged first action, the candidate's, and the logging chance.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluated {
    pub decision_id: concord_model::DecisionId,
    pub customer_id: concord_model::CustomerId,
    pub channel: ChannelId,
    pub arm: Arm,
    pub logged: ActionId,
    pub candidate: Option<ActionId>,
    pub logging_chance: f64,
    pub accepted: bool,
}

/// The candidate's estimated value, with what the live strategy observed on the same
/// decisions.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Logged decisions looked at.
    pub logged: usize,
    /// Decisions the estimates use.
    pub evaluated: usize,
    /// Why the others were left out, with counts.
    pub skipped: BTreeMap<String, usize>,
    /// Evaluated decisions where the candidate puts first what the live strategy did.
    pub matched: usize,
    /// The live strategy's observed accept rate of its first actions, on the evaluated
    /// decisions.
    pub live_accept_rate: f64,
    /// Its observed accepted value per decision.
    pub live_value_per_decision: f64,
    pub estimates: Vec<EstimateRow>,
    #[serde(skip)]
    pub decisions: Vec<Evaluated>,
}

/// A logged decision with its inputs and responses.
struct Entry {
    record: DecisionRecord,
    position: u64,
    responses: Vec<ResponseRecord>,
}

impl Hub {
    /// Estimates `options.candidate`'s value per decision on the newest logged decisions of the
    /// strategy this hub runs (see the module doc). The candidate must read customers the way
    /// the live strategy does (the same profile.yaml and model predictors): the log holds
    /// values by the live schema's slots, and the models learnt on its predictors.
    pub fn evaluate(&self, options: &EvaluateOptions) -> Result<Evaluation, HubError> {
        let live = &self.strategy;
        let candidate = &options.candidate;
        remap::check_compatible(live, candidate)?;
        let entries = self.logged_entries(options.decisions);
        let models = self.learner.snapshot();
        let remap = remap::Remap::new(live, candidate);
        let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
        let mut skip = |why: &str| *skipped.entry(why.to_owned()).or_default() += 1;
        let mut decisions = Vec::new();
        let mut rows: BTreeMap<Reward, Vec<Logged>> = BTreeMap::new();
        for (k, mut entry) in entries.into_iter().enumerate() {
            // Inputs older than the log keeps in memory are read back from the journal.
            if entry.record.inputs.is_none()
                && entry.position != u64::MAX
                && let Ok(JournalRecord::Decision(full)) = self
                    .journal
                    .read_at(concord_profile::Position(entry.position))
                && full.decision_id == entry.record.decision_id
            {
                entry.record.inputs = full.inputs;
            }
            let record = &entry.record;
            let Some(inputs) = record.inputs.as_deref() else {
                skip("its inputs are no longer kept");
                continue;
            };
            let ranking = match record.arm {
                Arm::Test => Ranking::Priority,
                Arm::RandomAction => Ranking::Uniform,
                _ => {
                    skip("decided in a control arm other than random_action");
                    continue;
                }
            };
            if record.strategy_hash != live.hash() {
                skip("decided by another strategy version");
                continue;
            }
            if inputs.fallback {
                skip("a circuit-breaker fallback");
                continue;
            }
            let Some(first) = record.actions.first() else {
                skip("no action placed");
                continue;
            };
            if inputs.competed.is_empty() {
                skip("logged before decisions kept how candidates competed");
                continue;
            }
            let Some(chosen) = live.action_index(first.action_id.as_str()).and_then(|pos| {
                inputs
                    .competed
                    .iter()
                    .position(|c| c.action as usize == pos)
            }) else {
                skip("its first action did not compete (a default)");
                continue;
            };
            let ranks: Vec<u32> = inputs
                .competed
                .iter()
                .map(|c| {
                    live.actions()
                        .get(c.action as usize)
                        .map_or(u32::MAX, |a| live.id_rank(a))
                })
                .collect();
            let seed = options.seed ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let chance = concord_learn::first_chance(
                &inputs.competed,
                &ranks,
                chosen,
                ranking,
                options.draws,
                seed,
            )
            .unwrap_or(0.0);
            if chance <= 0.0 {
                skip("the logged chance of its first action is 0");
                continue;
            }
            // The models as they were at the decision: the candidate's choice and the reward
            // model both read them.
            let scorer = AtDecision {
                means: at_decision(live, inputs),
                models: &models,
            };
            let Some(target) = candidate_first(candidate, &scorer, &remap, record, inputs)? else {
                skip("the candidate reads customer values the live decision did not");
                continue;
            };
            let accepted = entry
                .responses
                .iter()
                .any(|r| r.action_id == first.action_id && r.outcome == Outcome::Accepted);
            let features = features(live, &record.predictors);
            let model = |action: &ActionId| {
                concord_decide::Scorer::propensity(&scorer, action, &record.channel, &features)
            };
            let same = target.as_ref().map(|(id, _)| id) == Some(&first.action_id);
            for reward in [Reward::Accept, Reward::Value] {
                let worth = |value: f64| match reward {
                    Reward::Accept => 1.0,
                    Reward::Value => value,
                };
                rows.entry(reward).or_default().push(Logged {
                    logging_propensity: chance,
                    target_propensity: if same { 1.0 } else { 0.0 },
                    reward: if accepted { worth(first.value) } else { 0.0 },
                    model_logged: model(&first.action_id) * worth(first.value),
                    model_target: target
                        .as_ref()
                        .map_or(0.0, |(id, value)| model(id) * worth(*value)),
                });
            }
            decisions.push(Evaluated {
                decision_id: record.decision_id.clone(),
                customer_id: record.customer_id.clone(),
                channel: record.channel.clone(),
                arm: record.arm,
                logged: first.action_id.clone(),
                candidate: target.map(|(id, _)| id),
                logging_chance: chance,
                accepted,
            });
        }
        let evaluated = decisions.len();
        let live_accepts = decisions.iter().filter(|d| d.accepted).count();
        let live_value: f64 = rows
            .get(&Reward::Value)
            .map_or(0.0, |r| r.iter().map(|l| l.reward).sum());
        let mut estimates = Vec::new();
        for (reward, logged) in &rows {
            for estimator in [Estimator::Ips, Estimator::Snips, Estimator::DoublyRobust] {
                let result = concord_measure::estimate(
                    logged,
                    estimator,
                    options.confidence,
                    options.resamples,
                    options.seed,
                );
                let (estimate, unavailable) = match result {
                    Ok(e) => (Some(e), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                estimates.push(EstimateRow {
                    reward: *reward,
                    estimator,
                    estimate,
                    unavailable,
                });
            }
        }
        Ok(Evaluation {
            logged: evaluated + skipped.values().sum::<usize>(),
            evaluated,
            skipped,
            matched: decisions
                .iter()
                .filter(|d| d.candidate.as_ref() == Some(&d.logged))
                .count(),
            live_accept_rate: ratio(live_accepts as f64, evaluated),
            live_value_per_decision: ratio(live_value, evaluated),
            estimates,
            decisions,
        })
    }

    /// The newest `n` logged decisions (0: all), oldest first, with their responses.
    fn logged_entries(&self, n: usize) -> Vec<Entry> {
        let log = self.decisions.lock();
        let all: Vec<&crate::decision_log::Entry> = log.entries().collect();
        let skip = if n == 0 {
            0
        } else {
            all.len().saturating_sub(n)
        };
        all[skip..]
            .iter()
            .map(|e| Entry {
                record: e.record.clone(),
                position: e.position,
                responses: e.responses.clone(),
            })
            .collect()
    }
}

/// The candidate's first action (and its value) for a logged decision, greedy on `scorer`;
/// `Ok(None)` when the candidate read a value the decision did not record.
#[allow(clippy::type_complexity)]
fn candidate_first(
    candidate: &Strategy,
    scorer: &AtDecision<'_>,
    remap: &remap::Remap,
    record: &DecisionRecord,
    inputs: &DecisionInputs,
) -> Result<Option<Option<(ActionId, f64)>>, HubError> {
    let customer = Recorded::new(candidate.profile_schema(), &inputs.reads);
    let request = DecisionRequest {
        channel: record.channel.clone(),
        context: record.context.clone(),
        limit: inputs.limit.map(|l| l as usize),
        placement: inputs.placement.clone(),
        explain: false,
    };
    let contacts: Vec<Contact> = remap.contacts(&inputs.contacts);
    let household: Vec<Contact> = remap.contacts(&inputs.household_contacts);
    let offers: Vec<Offer> = remap.offers(&inputs.offers);
    let volume = remap.volume(&inputs.volume);
    let history = History {
        own: &contacts,
        household: &household,
        volume: volume.as_slice(),
        offers: &offers,
    };
    let decision = concord_decide::decide_in(
        candidate,
        &customer,
        &request,
        scorer,
        &history,
        record.time,
        ArmDraw {
            arm: Arm::Test,
            seed: inputs.seed,
            audience: concord_model::symbol_hash(record.customer_id.as_str()),
        },
    )?;
    if customer.unrecorded() > 0 {
        return Ok(None);
    }
    Ok(Some(
        decision
            .actions
            .into_iter()
            .next()
            .map(|a| (a.action_id, a.value)),
    ))
}

/// The propensities as the models gave them when the decision was made (the mean of every
/// draw it logged), today's models for an action the decision did not score. Neither the
/// candidate's choice nor the reward model then learns from the outcome it is judged on.
struct AtDecision<'m> {
    means: HashMap<ActionId, f64>,
    models: &'m ModelSnapshot,
}

impl concord_decide::Scorer for AtDecision<'_> {
    fn propensity(&self, action: &ActionId, channel: &ChannelId, features: &[Feature]) -> f64 {
        self.means
            .get(action)
            .copied()
            .unwrap_or_else(|| self.models.propensity(action, channel, features))
    }
}

fn at_decision(live: &Strategy, inputs: &DecisionInputs) -> HashMap<ActionId, f64> {
    inputs
        .competed
        .iter()
        .filter_map(|c| {
            let action = live.actions().get(c.action as usize)?;
            Some((action.id.clone(), f64::from(c.mean)))
        })
        .collect()
}

/// The models' features from a decision's logged predictor values.
fn features(strategy: &Strategy, predictors: &[concord_model::Value]) -> Vec<Feature> {
    predictors
        .iter()
        .zip(&strategy.models().predictors)
        .map(|(v, p)| Feature::of(v, p.numeric))
        .collect()
}

fn ratio(sum: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}
