//! Champion/challenger experiments (experiments.yaml `experiments`, validated) and which
//! experiment and variant a decision is in.
//!
//! A decision is in an experiment when the experiment is running at the decision's time (its
//! latest started roll-out stage, before `until`), the stage reaches the decision's store (by
//! name or by region; a stage naming neither reaches everyone) and the `where` rule holds. A
//! decision is in at most one experiment: the first in file order that takes it. Within an
//! experiment the customer's hash (salted per experiment) picks the variant: challenger k owns
//! [s_1 + ... + s_{k-1}, s_1 + ... + s_k) of [0, 1), the champion the rest, so a customer keeps
//! their variant through every stage of a roll-out.

use crate::rule::{Rule, RuleEnv};
use crate::strategy::Arbitration;
use concord_model::{ActionId, Timestamp, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The stores pilots name, by region, and where a decision's store is read from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Places {
    /// String expressions tried in order; the first non-empty string is the store.
    pub store_from: Vec<Rule>,
    /// Store -> region.
    pub regions: BTreeMap<String, String>,
}

impl Places {
    /// The decision's store and its region (`None` when no expression gives a store; the
    /// region `None` for a store the catalogue lacks).
    pub fn locate<E: RuleEnv + ?Sized>(&self, env: &E) -> Option<(String, Option<&str>)> {
        let store = self
            .store_from
            .iter()
            .find_map(|rule| match rule.eval(env) {
                Ok(Value::Str(s)) if !s.is_empty() => Some(s),
                _ => None,
            })?;
        let region = self.regions.get(&store).map(String::as_str);
        Some((store, region))
    }
}

/// One roll-out stage: from `from` on, the stores and regions it reaches (both empty:
/// everyone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub from: Timestamp,
    pub stores: BTreeSet<String>,
    pub regions: BTreeSet<String>,
}

impl Stage {
    pub fn reaches_everyone(&self) -> bool {
        self.stores.is_empty() && self.regions.is_empty()
    }

    fn reaches(&self, place: Option<&(String, Option<&str>)>) -> bool {
        self.reaches_everyone()
            || place.is_some_and(|(store, region)| {
                self.stores.contains(store) || region.is_some_and(|r| self.regions.contains(r))
            })
    }
}

/// A challenger: the champion with arbitration switches, levers or actions changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Challenger {
    pub name: String,
    pub description: String,
    pub share: f64,
    /// The arbitration switches in force for this challenger.
    pub arbitration: Arbitration,
    /// Each action's lever product (issue x group x action, times the challenger's
    /// multipliers), by position in [`crate::Strategy::actions`].
    #[serde(skip)]
    pub levers: Vec<f64>,
    /// Whether each action (by position) is switched off for this challenger.
    #[serde(skip)]
    pub off: Vec<bool>,
    /// The actions switched off, for reports.
    pub off_actions: Vec<ActionId>,
}

/// One experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    pub salt: String,
    /// The segment rule (`where`).
    pub segment: Option<Rule>,
    /// In start order; empty: everyone, always.
    pub stages: Vec<Stage>,
    pub until: Option<Timestamp>,
    pub challengers: Vec<Challenger>,
    #[serde(skip)]
    pub(crate) salt_hash: u64,
}

impl Experiment {
    /// The stage in force at `now`: `Some(None)` for an experiment without a roll-out that is
    /// running, `None` when it is not running (before its first stage, or from `until` on).
    pub fn stage_at(&self, now: Timestamp) -> Option<Option<&Stage>> {
        if self.until.is_some_and(|until| now >= until) {
            return None;
        }
        if self.stages.is_empty() {
            return Some(None);
        }
        self.stages
            .iter()
            .rev()
            .find(|stage| stage.from <= now)
            .map(Some)
    }

    /// The variant of a customer (by [`concord_model::symbol_hash`] of their id): 0 the
    /// champion, k the k-th challenger.
    pub fn variant_of(&self, audience: u64) -> usize {
        let u = (super::mix64(audience ^ self.salt_hash) >> 11) as f64 / (1u64 << 53) as f64;
        let mut end = 0.0;
        for (k, challenger) in self.challengers.iter().enumerate() {
            end += challenger.share;
            if u < end {
                return k + 1;
            }
        }
        0
    }

    /// The variant's name: `champion` or the challenger's.
    pub fn variant_name(&self, variant: usize) -> &str {
        variant
            .checked_sub(1)
            .and_then(|k| self.challengers.get(k))
            .map_or(concord_model::CHAMPION, |c| c.name.as_str())
    }

    /// The challenger a variant index names (`None` for the champion).
    pub fn challenger(&self, variant: usize) -> Option<&Challenger> {
        variant.checked_sub(1).and_then(|k| self.challengers.get(k))
    }
}

/// Every experiment, and the store catalogue their pilots name.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Experiments {
    pub places: Option<Places>,
    pub list: Vec<Experiment>,
}

impl Experiments {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The experiment (its position) and variant a decision at `now` for the customer
    /// `audience` (their id's [`concord_model::symbol_hash`]) is in, reading the store and the
    /// `where` rule from `env`. A rule that can't be judged (a missing value) does not hold.
    pub fn assign<E: RuleEnv + ?Sized>(
        &self,
        audience: u64,
        env: &E,
        now: Timestamp,
    ) -> Option<(usize, usize)> {
        if self.list.is_empty() {
            return None;
        }
        let mut place = None;
        let mut located = false;
        for (index, experiment) in self.list.iter().enumerate() {
            let Some(stage) = experiment.stage_at(now) else {
                continue;
            };
            if let Some(stage) = stage.filter(|s| !s.reaches_everyone()) {
                if !located {
                    place = self.places.as_ref().and_then(|p| p.locate(env));
                    located = true;
                }
                if !stage.reaches(place.as_ref()) {
                    continue;
                }
            }
            if let Some(rule) = &experiment.segment
                && rule.eval_bool(env) != Ok(true)
            {
                continue;
            }
            return Some((index, experiment.variant_of(audience)));
        }
        None
    }

    /// The recorded form of an assignment.
    pub fn tag(&self, (index, variant): (usize, usize)) -> Option<concord_model::Variant> {
        let experiment = self.list.get(index)?;
        Some(concord_model::Variant::new(
            experiment.name.clone(),
            experiment.variant_name(variant),
        ))
    }
}
