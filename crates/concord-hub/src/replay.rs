//! Replaying a logged decision: the funnel run again on what the log recorded (the customer
//! values the rules read, the propensities, the contact history and open offers, the request)
//! under the strategy that decided, compared bit for bit with what was answered. The replay
//! always builds the full trace, so every action's fate per stage is available for any logged
//! decision, not only those asked with `explain`.

use crate::error::HubError;
use crate::hub::Hub;
use crate::record::JournalRecord;
use concord_decide::{DecisionRequest, DoNotMention, History, Scorer};
use concord_model::{
    ActionId, ChannelId, DecisionId, DecisionRecord, RankedAction, TraceEntry, Value,
};
use concord_strategy::Recorded;
use std::collections::HashMap;

/// A logged decision and the same decision made again.
#[derive(Debug, Clone)]
pub struct Replay {
    /// As logged (and answered).
    pub logged: DecisionRecord,
    /// As made again from the logged inputs.
    pub actions: Vec<RankedAction>,
    /// Every action's fate, stage by stage, with the factors of those that competed.
    pub trace: Vec<TraceEntry>,
    pub do_not_mention: Vec<DoNotMention>,
    /// The customer values the rules read, by name, as logged.
    pub reads: Vec<(String, Value)>,
    pub seed: u64,
    /// What differs between the logged and the replayed decision; empty when they agree bit
    /// for bit.
    pub differences: Vec<String>,
}

/// Propensities as the log recorded them, by action id.
struct Logged(HashMap<ActionId, f64>);

impl Scorer for Logged {
    fn propensity(&self, action: &ActionId, _: &ChannelId, _: &[concord_model::Feature]) -> f64 {
        self.0.get(action).copied().unwrap_or(f64::NAN)
    }

    /// An action outbound maturity capping held back was never scored: no logged propensity.
    fn reaches(&self, action: &ActionId, _: &ChannelId) -> bool {
        self.0.contains_key(action)
    }
}

impl Hub {
    /// Makes decision `id` again from its logged inputs and says whether it comes out the same.
    pub fn replay(&self, id: &DecisionId) -> Result<Replay, HubError> {
        let (mut logged, position) = self
            .decisions
            .lock()
            .get(id)
            .map(|e| (e.record.clone(), e.position))
            .ok_or_else(|| HubError::UnknownDecision(id.clone()))?;
        if logged.inputs.is_none() && position != u64::MAX {
            // Older decisions keep their inputs only in the journal.
            match self.journal.read_at(concord_profile::Position(position)) {
                Ok(JournalRecord::Decision(full)) if full.decision_id == logged.decision_id => {
                    logged.inputs = full.inputs;
                }
                Ok(_) => {
                    tracing::warn!(decision = %id, position, "the journal position of a decision holds another record")
                }
                Err(e) => {
                    tracing::debug!(decision = %id, error = %e, "decision no longer in the journal")
                }
            }
        }
        let strategy = &self.strategy;
        if logged.strategy_hash != strategy.hash() {
            return Err(HubError::ReplayStrategy {
                decision: id.clone(),
                decided: logged.strategy_hash.clone(),
                loaded: strategy.hash().to_owned(),
            });
        }
        let inputs = logged
            .inputs
            .as_deref()
            .ok_or_else(|| HubError::NotReplayable(id.clone()))?;
        let request = DecisionRequest {
            channel: logged.channel.clone(),
            context: logged.context.clone(),
            limit: inputs.limit.map(|l| l as usize),
            placement: inputs.placement.clone(),
            explain: true,
        };
        let mut differences = Vec::new();
        let decision = if inputs.fallback {
            let (_, channel) = strategy
                .channel_at(logged.channel.as_str())
                .ok_or_else(|| concord_decide::DecideError::UnknownChannel {
                    channel: logged.channel.0.clone(),
                    valid: Vec::new(),
                })?;
            let limit = concord_decide::placement_limit(strategy, channel, &request)?;
            match &channel.breaker {
                Some(b) => crate::breaker::fallback(strategy, channel, b, limit, true, logged.arm),
                None => {
                    differences.push(format!(
                        "logged as a circuit-breaker fallback, but channel {} has no breaker",
                        channel.id
                    ));
                    concord_decide::Decision {
                        actions: Vec::new(),
                        trace: Vec::new(),
                        do_not_mention: Vec::new(),
                        reads: Vec::new(),
                        propensities: Vec::new(),
                        predictors: Vec::new(),
                        variant: None,
                        competed: Vec::new(),
                        held: None,
                    }
                }
            }
        } else {
            let customer = Recorded::new(strategy.profile_schema(), &inputs.reads);
            let scores = Logged(
                inputs
                    .propensities
                    .iter()
                    .filter_map(|(pos, p)| {
                        Some((strategy.actions().get(*pos as usize)?.id.clone(), *p))
                    })
                    .collect(),
            );
            let history = History {
                own: &inputs.contacts,
                household: &inputs.household_contacts,
                volume: &inputs.volume,
                offers: &inputs.offers,
            };
            let decision = concord_decide::decide_in(
                strategy,
                &customer,
                &request,
                &scores,
                &history,
                logged.time,
                concord_decide::ArmDraw {
                    arm: logged.arm,
                    seed: inputs.seed,
                    audience: concord_model::symbol_hash(logged.customer_id.as_str()),
                },
            )?;
            if decision.variant != logged.variant {
                differences.push(format!(
                    "the replay ran in experiment variant {}, the decision in {}",
                    variant_text(decision.variant.as_ref()),
                    variant_text(logged.variant.as_ref())
                ));
            }
            if customer.unrecorded() > 0 {
                differences.push(format!(
                    "the replay read {} value(s) the log did not record",
                    customer.unrecorded()
                ));
            }
            if !same_pairs(&decision.propensities, &inputs.propensities) {
                differences
                    .push("the replay asked for other propensities than the decision".into());
            }
            if format!("{:?}", decision.reads) != format!("{:?}", inputs.reads) {
                differences.push("the replay read other customer values than the decision".into());
            }
            decision
        };
        compare(&logged.actions, &decision.actions, &mut differences);
        Ok(Replay {
            reads: strategy.named_reads(&inputs.reads),
            seed: inputs.seed,
            actions: decision.actions,
            trace: decision.trace,
            do_not_mention: decision.do_not_mention,
            differences,
            logged,
        })
    }
}

fn variant_text(variant: Option<&concord_model::Variant>) -> String {
    variant.map_or_else(|| "none".to_owned(), ToString::to_string)
}

fn same_pairs(a: &[(u32, f64)], b: &[(u32, f64)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && x.1.to_bits() == y.1.to_bits())
}

/// Every field of every action, floats by their bits.
fn compare(logged: &[RankedAction], replayed: &[RankedAction], out: &mut Vec<String>) {
    if logged.len() != replayed.len() {
        out.push(format!(
            "{} action(s) logged, {} replayed",
            logged.len(),
            replayed.len()
        ));
    }
    for (a, b) in logged.iter().zip(replayed) {
        let bits = |x: f64, y: f64| x.to_bits() == y.to_bits();
        let opt_bits = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) => bits(x, y),
            (None, None) => true,
            _ => false,
        };
        let same = a.rank == b.rank
            && a.action_id == b.action_id
            && a.issue == b.issue
            && a.group == b.group
            && bits(a.propensity, b.propensity)
            && bits(a.value, b.value)
            && bits(a.priority, b.priority)
            && a.treatment == b.treatment
            && opt_bits(a.price, b.price)
            && a.valid_until == b.valid_until;
        if !same {
            out.push(format!("rank {}: logged {a:?}, replayed {b:?}", a.rank));
        }
    }
}
