//! The funnel itself: which actions survive each stage, how survivors rank, and why.
//!
//! Stages, in order: channel (a treatment there) -> engagement policies (eligibility,
//! applicability, suitability; issue, group, action) -> holdings (the product sold, its
//! prerequisites and exclusions) -> suppression (strategy rules such as "open dispute: no sales";
//! suppressed actions make the do-not-mention list) -> arbitration (priority = propensity x
//! context weight x value x levers, each factor switchable; mandatory actions first) ->
//! diversity (at most K per group) -> placement (top N).

use crate::error::DecideError;
use crate::policy::Policy;
use concord_model::{ActionId, Attributes, ChannelId, RankedAction, TraceEntry, TraceStage, Value};
use concord_strategy::{Action, Frame, RuleEnv, Strategy, Var};
use std::borrow::Cow;

/// Where propensities come from (the learner's published snapshot).
pub trait Scorer {
    fn propensity(&self, action: &ActionId, channel: &ChannelId) -> f64;
}

/// One request: who, where, in what context, how many actions.
#[derive(Debug, Clone)]
pub struct DecisionRequest {
    pub channel: ChannelId,
    pub context: Attributes,
    /// How many actions to return; the placement's size (or the strategy's default) when
    /// absent, never more than the placement holds.
    pub limit: Option<usize>,
    /// A named placement of the channel (e.g. `menu`); its size bounds the answer.
    pub placement: Option<String>,
}

/// An action policy keeps out of this conversation, and why (the agent's "do not mention").
#[derive(Debug, Clone, PartialEq)]
pub struct DoNotMention {
    pub action_id: ActionId,
    pub reason: String,
}

/// The funnel's answer: ranked actions, the trace of every action's fate, and what not to
/// mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub actions: Vec<RankedAction>,
    pub trace: Vec<TraceEntry>,
    pub do_not_mention: Vec<DoNotMention>,
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

/// A survivor of the filters, with its priority factors.
struct Candidate<'s> {
    action: &'s Action,
    treatment: &'s str,
    propensity: f64,
    context_weight: f64,
    value: f64,
    levers: f64,
    priority: f64,
}

/// The placement size and the number of actions to return.
fn sizes(
    strategy: &Strategy,
    channel: &concord_strategy::Channel,
    request: &DecisionRequest,
) -> Result<usize, DecideError> {
    let size = match &request.placement {
        Some(name) => {
            *channel
                .placements
                .get(name)
                .ok_or_else(|| DecideError::UnknownPlacement {
                    channel: channel.id.0.clone(),
                    placement: name.clone(),
                    valid: channel.placements.keys().cloned().collect(),
                })?
        }
        None => channel.max_actions,
    };
    let wanted = match (request.limit, &request.placement) {
        (Some(limit), _) => limit,
        (None, Some(_)) => size,
        (None, None) => strategy.default_limit(),
    };
    Ok(wanted.min(size))
}

/// The product names a customer holds, read once per decision.
fn holdings<'f>(env: &'f Frame<'_>) -> Vec<Cow<'f, str>> {
    match env.value(&Var::Holdings) {
        Cow::Borrowed(Value::List(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(Cow::Borrowed))
            .collect(),
        Cow::Owned(Value::List(items)) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Str(s) => Some(Cow::Owned(s)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Why the customer's holdings rule the action out, if they do.
fn holdings_block(action: &Action, held: &[Cow<'_, str>]) -> Option<String> {
    let holds = |p: &str| held.iter().any(|h| h == p);
    if let Some(product) = &action.product
        && holds(product)
    {
        return Some(format!("already holds {product}"));
    }
    if let Some(missing) = action.requires.iter().find(|p| !holds(p)) {
        return Some(format!("needs {missing}, which the customer does not hold"));
    }
    if let Some(excluded) = action.excludes.iter().find(|p| holds(p)) {
        return Some(format!("holds {excluded}, which excludes this offer"));
    }
    None
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
    let limit = sizes(strategy, channel, request)?;
    let request_env = RequestEnv { customer, request };
    // Every variable is read from the profile once per decision, whatever number of rules read it.
    let env = Frame::new(strategy.profile_schema(), &request_env);
    let arbitration = strategy.arbitration();
    let held = holdings(&env);
    // Strategy-wide rules, judged once: a rule that can't be judged (a missing value) is not
    // in force.
    let suppressions: Vec<_> = strategy
        .suppressions()
        .iter()
        .filter(|s| s.when.eval_frame(&env) == Ok(true))
        .collect();
    let weights: Vec<_> = strategy
        .context_weights()
        .iter()
        .filter(|w| arbitration.use_context && w.when.eval_frame(&env) == Ok(true))
        .collect();
    let mut policy = Policy::new(&env);
    let mut trace_entries = Vec::with_capacity(strategy.actions().len());
    let mut do_not_mention = Vec::new();
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
        if let Err((stage, reason)) = policy.check(strategy, action) {
            trace_entries.push(trace(&action.id, stage, false, reason));
            continue;
        }
        if let Some(reason) = holdings_block(action, &held) {
            trace_entries.push(trace(&action.id, TraceStage::Holdings, false, reason));
            continue;
        }
        if let Some(s) = suppressions.iter().find(|s| s.suppress.matches(action)) {
            trace_entries.push(trace(
                &action.id,
                TraceStage::Suppression,
                false,
                format!("suppressed by {}: {}", s.id, s.reason),
            ));
            do_not_mention.push(DoNotMention {
                action_id: action.id.clone(),
                reason: s.reason.clone(),
            });
            continue;
        }
        let value = match &action.value_formula {
            None => action.value,
            Some(formula) => match formula.eval(&env) {
                Ok(Value::Num(v)) if v.is_finite() => v,
                Ok(other) => {
                    trace_entries.push(trace(
                        &action.id,
                        TraceStage::Arbitration,
                        false,
                        format!("value formula gave {other}, not a finite number: action dropped"),
                    ));
                    continue;
                }
                Err(e) => {
                    trace_entries.push(trace(
                        &action.id,
                        TraceStage::Arbitration,
                        false,
                        format!("value formula failed, action dropped: {e}"),
                    ));
                    continue;
                }
            },
        };
        let propensity = scorer.propensity(&action.id, &channel.id);
        let context_weight: f64 = weights
            .iter()
            .filter(|w| w.target.matches(action))
            .map(|w| w.weight)
            .product();
        let levers = match strategy.taxonomy(action) {
            Some((issue, group)) => issue.lever * group.lever * action.lever,
            None => action.lever,
        };
        let factor = |on: bool, x: f64| if on { x } else { 1.0 };
        let priority = factor(arbitration.use_propensity, propensity)
            * context_weight
            * factor(arbitration.use_value, value)
            * factor(arbitration.use_levers, levers);
        candidates.push(Candidate {
            action,
            treatment: &treatment.text,
            propensity,
            context_weight,
            value,
            levers,
            priority,
        });
    }

    // Mandatory first, then highest priority; equal priorities fall back to the action id so
    // replays agree.
    candidates.sort_by(|a, b| {
        b.action
            .mandatory
            .cmp(&a.action.mandatory)
            .then_with(|| b.priority.total_cmp(&a.priority))
            .then_with(|| a.action.id.cmp(&b.action.id))
    });
    let mut ranked = Vec::with_capacity(limit);
    let mut per_group: Vec<(&str, &str, usize)> = Vec::new();
    for (idx, c) in candidates.iter().enumerate() {
        let id = &c.action.id;
        let factors = format!(
            "priority {:.4} = propensity {:.4} x context {:.2} x value {:.2} x levers {:.2}{}",
            c.priority,
            c.propensity,
            c.context_weight,
            c.value,
            c.levers,
            if c.action.mandatory {
                " (mandatory)"
            } else {
                ""
            }
        );
        let key = (c.action.issue.as_str(), c.action.group.as_str());
        let shown = per_group
            .iter()
            .find(|(i, g, _)| (*i, *g) == key)
            .map_or(0, |(_, _, n)| *n);
        if let Some(max) = arbitration.max_per_group
            && shown >= max
            && !c.action.mandatory
        {
            trace_entries.push(trace(
                id,
                TraceStage::Diversity,
                false,
                format!(
                    "group {} already has {max} action(s) in this placement; {factors}",
                    c.action.group
                ),
            ));
            continue;
        }
        if ranked.len() >= limit {
            trace_entries.push(trace(
                id,
                TraceStage::Placement,
                false,
                format!("placement holds {limit}; ranked {} by {factors}", idx + 1),
            ));
            continue;
        }
        match per_group.iter_mut().find(|(i, g, _)| (*i, *g) == key) {
            Some(entry) => entry.2 += 1,
            None => per_group.push((key.0, key.1, 1)),
        }
        let rank = ranked.len() as u32 + 1;
        trace_entries.push(trace(
            id,
            TraceStage::Placement,
            true,
            format!("rank {rank} of {limit}: {factors}"),
        ));
        ranked.push(RankedAction {
            rank,
            action_id: id.clone(),
            issue: c.action.issue.clone(),
            group: c.action.group.clone(),
            propensity: c.propensity,
            value: c.value,
            priority: c.priority,
            treatment: Some(c.treatment.to_owned()),
        });
    }
    Ok(Decision {
        actions: ranked,
        trace: trace_entries,
        do_not_mention,
    })
}
