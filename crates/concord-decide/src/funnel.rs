//! The funnel itself: which actions survive each stage, how survivors rank, and why.

use crate::error::DecideError;
use concord_model::{ActionId, Attributes, ChannelId, RankedAction, TraceEntry, TraceStage, Value};
use concord_strategy::{Frame, RuleEnv, Strategy, Var};

/// Where propensities come from (the learner's published snapshot).
pub trait Scorer {
    fn propensity(&self, action: &ActionId, channel: &ChannelId) -> f64;
}

/// One request: who, where, in what context, how many actions.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    pub channel: ChannelId,
    pub context: Attributes,
    /// How many actions to return; the strategy's default when absent, never more than the placement holds.
    pub limit: Option<usize>,
}

/// The funnel's answer: ranked actions and the trace of every action's fate.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub actions: Vec<RankedAction>,
    pub trace: Vec<TraceEntry>,
}

struct RequestEnv<'a> {
    customer: &'a dyn RuleEnv,
    request: &'a DecisionRequest,
}

impl RuleEnv for RequestEnv<'_> {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Context { name, .. } => self
                .request
                .context
                .get(name)
                .cloned()
                .unwrap_or(Value::Null),
            Var::Channel => Value::Str(self.request.channel.0.clone()),
            _ => self.customer.lookup(var),
        }
    }
}

fn trace(action: &ActionId, stage: TraceStage, passed: bool, reason: String) -> TraceEntry {
    TraceEntry {
        action_id: action.clone(),
        stage,
        passed,
        reason,
    }
}

/// Runs the funnel for one customer and channel.
pub fn decide(
    strategy: &Strategy,
    customer: &dyn RuleEnv,
    request: &DecisionRequest,
    scorer: &dyn Scorer,
) -> Result<Decision, DecideError> {
    let channel =
        strategy
            .channel(request.channel.as_str())
            .ok_or_else(|| DecideError::UnknownChannel {
                channel: request.channel.0.clone(),
                valid: strategy.channels().iter().map(|c| c.id.0.clone()).collect(),
            })?;
    let request_env = RequestEnv { customer, request };
    // Every variable is read from the profile once per decision, whatever number of rules read it.
    let env = Frame::new(strategy.profile_schema(), &request_env);
    let arbitration = strategy.arbitration();
    let mut trace_entries = Vec::with_capacity(strategy.actions().len());
    let mut candidates = Vec::new();

    for action in strategy.actions() {
        let Some(treatment) = action.treatments.get(&channel.id) else {
            trace_entries.push(trace(
                &action.id,
                TraceStage::Channel,
                false,
                format!("no treatment for channel {}", channel.id),
            ));
            continue;
        };
        if let Some(rule) = &action.eligibility {
            match rule.eval_frame(&env) {
                Ok(true) => {}
                Ok(false) => {
                    trace_entries.push(trace(
                        &action.id,
                        TraceStage::Eligibility,
                        false,
                        format!("eligibility is false: {}", rule.source()),
                    ));
                    continue;
                }
                Err(e) => {
                    trace_entries.push(trace(
                        &action.id,
                        TraceStage::Eligibility,
                        false,
                        format!("eligibility rule failed, action dropped: {e}"),
                    ));
                    continue;
                }
            }
        }
        let propensity = scorer.propensity(&action.id, &channel.id);
        let propensity_factor = if arbitration.use_propensity {
            propensity
        } else {
            1.0
        };
        let value_factor = if arbitration.use_value {
            action.value
        } else {
            1.0
        };
        candidates.push(RankedAction {
            rank: 0,
            action_id: action.id.clone(),
            issue: action.issue.clone(),
            group: action.group.clone(),
            propensity,
            value: action.value,
            priority: propensity_factor * value_factor,
            treatment: Some(treatment.text.clone()),
        });
    }

    // Highest priority first; equal priorities fall back to the action id so replays agree.
    candidates.sort_by(|a, b| {
        b.priority
            .total_cmp(&a.priority)
            .then_with(|| a.action_id.cmp(&b.action_id))
    });
    let limit = request
        .limit
        .unwrap_or(strategy.default_limit())
        .min(channel.max_actions);
    for (idx, candidate) in candidates.iter_mut().enumerate() {
        let kept = idx < limit;
        let reason = if kept {
            format!(
                "rank {} of {}: priority {:.4} = propensity {:.4} x value {:.2}",
                idx + 1,
                limit,
                candidate.priority,
                candidate.propensity,
                candidate.value
            )
        } else {
            format!(
                "placement holds {limit}; priority {:.4} ranked {}",
                candidate.priority,
                idx + 1
            )
        };
        trace_entries.push(trace(
            &candidate.action_id,
            TraceStage::Arbitration,
            kept,
            reason,
        ));
        candidate.rank = idx as u32 + 1;
    }
    candidates.truncate(limit);
    Ok(Decision {
        actions: candidates,
        trace: trace_entries,
    })
}
