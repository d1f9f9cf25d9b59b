//! The funnel itself: which actions survive each stage, how survivors rank, and why.
//!
//! Stages, in order: contact policy for the channel (consent, quiet hours, a channel-wide cap
//! reached) -> channel (a treatment there) -> engagement policies (eligibility, applicability,
//! suitability; issue, group, action) -> holdings (the product sold, its prerequisites and
//! exclusions) -> suppression (strategy rules such as "open dispute: no sales"; suppressed
//! actions make the do-not-mention list) -> contact policy per action (caps per action, group
//! or issue; pauses after outcomes) -> arbitration (priority = propensity x context weight x
//! value x levers, each factor switchable; mandatory actions first) -> diversity (at most K per
//! group) -> volume (operator-wide budgets) -> treatment (the text filled in the customer's
//! language; one with a placeholder that has no value and no fallback is not placed) ->
//! placement (top N).

use crate::contact::{History, Judge, consent_block, customer_zone};
use crate::error::DecideError;
use crate::policy::Policy;
use concord_model::{
    ActionId, Arm, Attributes, ChannelId, Factors, Feature, RankedAction, Timestamp, TraceEntry,
    TraceStage, Value,
};
use concord_strategy::{Action, Frame, RuleEnv, Strategy, Var};
use std::borrow::Cow;

/// Where propensities come from (the learner's published snapshot): an action in a channel
/// for a customer described by the strategy's predictors (models.yaml, in order), keyed once
/// per decision.
pub trait Scorer {
    fn propensity(&self, action: &ActionId, channel: &ChannelId, features: &[Feature]) -> f64;

    /// Outbound maturity capping: whether a young model's action may reach this customer in
    /// an outbound channel (asked only there, and never for a mandatory action).
    fn reaches(&self, _action: &ActionId, _channel: &ChannelId) -> bool {
        true
    }

    /// The distribution the last [`Scorer::propensity`] was drawn from, as (mean, evidence):
    /// Beta(1 + mean x evidence, 1 + (1 - mean) x evidence). `None`: the propensity was the
    /// model's own, no draw.
    fn posterior(&self) -> Option<(f64, f64)> {
        None
    }
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
    /// Build the trace: every action's fate and reason (costs time: off on the hot path).
    pub explain: bool,
}

/// An action policy keeps out of this conversation, and why (the agent's "do not mention").
#[derive(Debug, Clone, PartialEq)]
pub struct DoNotMention {
    pub action_id: ActionId,
    pub reason: String,
}

/// The funnel's answer: ranked actions, the trace of every action's fate (when the request
/// asked to explain), and what not to mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub actions: Vec<RankedAction>,
    pub trace: Vec<TraceEntry>,
    pub do_not_mention: Vec<DoNotMention>,
    /// The customer's variables the rules read, by frame slot (for the decision log: replay
    /// reads the same values).
    pub reads: Vec<(u32, Value)>,
    /// (action position, propensity) of every action the scorer was asked about.
    pub propensities: Vec<(u32, f64)>,
    /// The models' predictor values for this customer and request (what learning from a
    /// response to this decision reads).
    pub predictors: Vec<Value>,
    /// The experiment and variant the decision ran in (experiments.yaml `experiments`).
    pub variant: Option<concord_model::Variant>,
    /// How every action that reached arbitration competed for the top (off-policy
    /// evaluation reads it).
    pub competed: Vec<concord_model::Competed>,
    /// For a decision that placed nothing: the furthest stage of the funnel an action reached
    /// before it was dropped (the channel's contact policy when consent, quiet hours or a
    /// channel-wide cap stopped the customer first); what a batch run reports as held back.
    pub held: Option<TraceStage>,
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

/// The trace being built, or nothing when the request did not ask: reasons are written only
/// when they will be read.
struct Trace {
    on: bool,
    entries: Vec<TraceEntry>,
    /// The furthest stage (in funnel order) any action was dropped at.
    furthest: Option<TraceStage>,
}

/// A stage's place in the funnel's order (the enum's order is the trace's, not the funnel's:
/// the contact policy per action comes after suppression).
fn funnel_order(stage: TraceStage) -> u8 {
    match stage {
        TraceStage::Channel => 0,
        TraceStage::Holdout => 1,
        TraceStage::Experiment => 2,
        TraceStage::Eligibility => 3,
        TraceStage::Applicability => 4,
        TraceStage::Suitability => 5,
        TraceStage::Holdings => 6,
        TraceStage::Suppression => 7,
        TraceStage::ContactPolicy => 8,
        TraceStage::OfferMemory => 9,
        TraceStage::Pricing => 10,
        TraceStage::Maturity => 11,
        TraceStage::Arbitration => 12,
        TraceStage::Diversity => 13,
        TraceStage::Volume => 14,
        TraceStage::Treatment => 15,
        TraceStage::Placement => 16,
    }
}

impl Trace {
    fn push(
        &mut self,
        action: &ActionId,
        stage: TraceStage,
        passed: bool,
        reason: impl FnOnce() -> String,
        factors: Option<Factors>,
    ) {
        if !passed
            && self
                .furthest
                .is_none_or(|f| funnel_order(stage) > funnel_order(f))
        {
            self.furthest = Some(stage);
        }
        if self.on {
            self.entries.push(TraceEntry {
                action_id: action.clone(),
                stage,
                passed,
                reason: reason(),
                factors,
            });
        }
    }
}

/// A survivor of the filters, with its priority factors.
struct Candidate<'s> {
    action: &'s Action,
    /// The action's position in the strategy.
    position: usize,
    terms: crate::offer::Terms,
    propensity: f64,
    context_weight: f64,
    value: f64,
    levers: f64,
    priority: f64,
}

/// How many actions a request gets in `channel`: the placement's size (or, without one, the
/// request's limit or the strategy's default), never more than the placement holds.
pub fn placement_limit(
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

/// Actions placed so far per (issue, group) position: the diversity limit's count.
#[derive(Default)]
struct GroupCounts(Vec<((usize, usize), usize)>);

impl GroupCounts {
    fn shown(&self, key: (usize, usize)) -> usize {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, n)| *n)
    }

    fn add(&mut self, key: (usize, usize)) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => self.0.push((key, 1)),
        }
    }

    /// Whether diversity lets a candidate of group `key` through (mandatory ones always pass).
    fn admits(&self, key: (usize, usize), max: Option<usize>, mandatory: bool) -> bool {
        mandatory || max.is_none_or(|max| self.shown(key) < max)
    }
}

/// Runs the funnel for one customer and channel at request time `now`, judging the contact
/// policy against `history` (the customer's contacts before this decision).
pub fn decide(
    strategy: &Strategy,
    customer: &dyn RuleEnv,
    request: &DecisionRequest,
    scorer: &dyn Scorer,
    history: &History<'_>,
    now: Timestamp,
) -> Result<Decision, DecideError> {
    decide_in(
        strategy,
        customer,
        request,
        scorer,
        history,
        now,
        ArmDraw::default(),
    )
}

/// The customer's experiment arm for one decision, and the decision's seed: the random arms'
/// draws come from it, so the decision replays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArmDraw {
    pub arm: Arm,
    pub seed: u64,
    /// The customer's id hashed ([`concord_model::symbol_hash`]): which variant of an
    /// experiment they are in.
    pub audience: u64,
}

impl ArmDraw {
    /// A uniform draw in [0, 1) for `action`, one stream per `purpose`.
    fn uniform(&self, action: &ActionId, purpose: u64) -> f64 {
        let mut x = self.seed
            ^ concord_model::symbol_hash(action.as_str())
            ^ purpose.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // splitmix64's finaliser
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// [`decide`] for a customer in an experiment arm (experiments.yaml `control_arms`): the
/// hold-out gets no sales actions; `random_action` ranks eligible actions at random;
/// `propensity_only` ranks by propensity alone; `no_levers` drops the levers;
/// `eligibility_only` skips applicability and suitability; `random_propensity` replaces every
/// propensity with a uniform draw. Everything else (contact policy, constraints, placement)
/// holds in every arm. A customer in the `test` arm whose decision an experiment reaches
/// (experiments.yaml `experiments`) gets its variant: a challenger's arbitration switches,
/// levers and switched-off actions replace the strategy's.
pub fn decide_in(
    strategy: &Strategy,
    customer: &dyn RuleEnv,
    request: &DecisionRequest,
    scorer: &dyn Scorer,
    history: &History<'_>,
    now: Timestamp,
    draw: ArmDraw,
) -> Result<Decision, DecideError> {
    decide_with(
        strategy, customer, request, scorer, history, now, draw, true,
    )
}

/// [`decide_in`], collecting the customer's values the rules read ([`Decision::reads`]) only
/// when `replayable`: a decision nobody will replay (a batch run's) gets the same answer
/// without them.
#[allow(clippy::too_many_arguments)]
pub fn decide_with(
    strategy: &Strategy,
    customer: &dyn RuleEnv,
    request: &DecisionRequest,
    scorer: &dyn Scorer,
    history: &History<'_>,
    now: Timestamp,
    draw: ArmDraw,
    replayable: bool,
) -> Result<Decision, DecideError> {
    let reads = |env: &Frame<'_>| {
        if replayable {
            env.customer_reads()
        } else {
            Vec::new()
        }
    };
    let (channel_index, channel) =
        strategy
            .channel_at(request.channel.as_str())
            .ok_or_else(|| DecideError::UnknownChannel {
                channel: request.channel.0.clone(),
                valid: strategy.channels().iter().map(|c| c.id.0.clone()).collect(),
            })?;
    let limit = placement_limit(strategy, channel, request)?;
    let request_env = RequestEnv { customer, request };
    // Every variable is read from the profile once per decision, whatever number of rules read it.
    let env = Frame::new(strategy.profile_schema(), &request_env);
    let mut trace = Trace {
        on: request.explain,
        entries: Vec::with_capacity(if request.explain {
            strategy.actions().len()
        } else {
            0
        }),
        furthest: None,
    };
    let zone = customer_zone(strategy, &env);
    let now_ms = now.as_millisecond();
    let mut judge = Judge::new(strategy, channel_index, channel, history, &zone, now);
    if let Some(reason) = consent_block(channel, &env, &zone, now).or_else(|| judge.channel_block())
    {
        if trace.on {
            for action in strategy.actions() {
                let reason = reason.clone();
                trace.push(
                    &action.id,
                    TraceStage::ContactPolicy,
                    false,
                    || reason,
                    None,
                );
            }
        }
        return Ok(Decision {
            actions: Vec::new(),
            trace: trace.entries,
            do_not_mention: Vec::new(),
            reads: reads(&env),
            propensities: Vec::new(),
            predictors: Vec::new(),
            variant: None,
            competed: Vec::new(),
            held: Some(TraceStage::ContactPolicy),
        });
    }
    let experiments = strategy.experiments();
    // Judged in every arm (a control arm's customers are in no experiment), so every decision
    // reads the same values for it: off-policy evaluation replays any logged decision as the
    // full strategy would have made it.
    let assigned = experiments
        .assign(draw.audience, &env, now)
        .filter(|_| draw.arm == Arm::Test);
    let challenger =
        assigned.and_then(|(e, v)| experiments.list.get(e).and_then(|x| x.challenger(v)));
    let mut arbitration = challenger.map_or(strategy.arbitration(), |c| c.arbitration);
    match draw.arm {
        Arm::PropensityOnly => {
            arbitration.use_value = false;
            arbitration.use_context = false;
            arbitration.use_levers = false;
        }
        Arm::NoLevers => arbitration.use_levers = false,
        _ => {}
    }
    let policy_levels = if draw.arm == Arm::EligibilityOnly {
        1
    } else {
        3
    };
    let held = holdings(&env);
    // Strategy-wide rules, judged once: a rule that can't be judged (a missing value) is not
    // in force.
    let suppressions: Vec<_> = strategy
        .suppressions()
        .iter()
        .filter(|s| s.when.holds(&env))
        .collect();
    let weights: Vec<_> = strategy
        .context_weights()
        .iter()
        .filter(|w| arbitration.use_context && w.when.holds(&env))
        .collect();
    let mut policy = Policy::new(strategy, &env);
    let mut do_not_mention = Vec::new();
    let mut candidates = Vec::new();
    let mut propensities = Vec::new();
    let mut competed = Vec::new();
    // What the customer can pay here (channels.yaml `afford`), read at the first priced offer.
    let mut afford: Option<Option<f64>> = None;
    // The models' predictors, once per decision; one that can't be computed is missing.
    let predictors: Vec<Value> = strategy
        .models()
        .predictors
        .iter()
        .map(|p| p.formula.eval(&env).unwrap_or(Value::Null))
        .collect();
    let features: Vec<Feature> = predictors
        .iter()
        .zip(&strategy.models().predictors)
        .map(|(v, p)| Feature::of(v, p.numeric))
        .collect();

    for (position, action) in strategy.actions().iter().enumerate() {
        if !strategy.offered_in(action, channel_index) {
            trace.push(
                &action.id,
                TraceStage::Channel,
                false,
                || format!("no treatment for channel {}", channel.id),
                None,
            );
            continue;
        }
        if draw.arm == Arm::Holdout && action.kind == concord_strategy::ActionKind::Sales {
            trace.push(
                &action.id,
                TraceStage::Holdout,
                false,
                || "the customer is in the universal hold-out: no sales actions".to_owned(),
                None,
            );
            continue;
        }
        if let Some(c) = challenger.filter(|c| c.off.get(position).copied().unwrap_or(false)) {
            trace.push(
                &action.id,
                TraceStage::Experiment,
                false,
                || {
                    format!(
                        "switched off by challenger {} of the customer's experiment",
                        c.name
                    )
                },
                None,
            );
            continue;
        }
        if let Err(failed) = policy.check(strategy, action, policy_levels) {
            trace.push(&action.id, failed.stage, false, || failed.reason(), None);
            continue;
        }
        if let Some(reason) = holdings_block(action, &held) {
            trace.push(&action.id, TraceStage::Holdings, false, || reason, None);
            continue;
        }
        if let Some(s) = suppressions.iter().find(|s| s.suppress.matches(action)) {
            trace.push(
                &action.id,
                TraceStage::Suppression,
                false,
                || format!("suppressed by {}: {}", s.id, s.reason),
                None,
            );
            do_not_mention.push(DoNotMention {
                action_id: action.id.clone(),
                reason: s.reason.clone(),
            });
            continue;
        }
        if let Some(reason) = judge.check(strategy, action, position) {
            trace.push(
                &action.id,
                TraceStage::ContactPolicy,
                false,
                || reason,
                None,
            );
            continue;
        }
        let terms = match crate::offer::terms(strategy, action, position, &env, history, now_ms) {
            Ok(terms) => terms,
            Err((stage, reason)) => {
                trace.push(&action.id, stage, false, || reason, None);
                continue;
            }
        };
        if let Some(over) = unaffordable(channel, &env, &mut afford, terms.price) {
            trace.push(
                &action.id,
                TraceStage::Pricing,
                false,
                || over.reason(channel),
                None,
            );
            continue;
        }
        let value = match &action.value_formula {
            None => action.value,
            Some(formula) => {
                match formula.eval(&env) {
                    Ok(Value::Num(v)) if v.is_finite() => v,
                    Ok(other) => {
                        trace.push(
                        &action.id,
                        TraceStage::Arbitration,
                        false,
                        || format!("value formula gave {other}, not a finite number: action dropped"),
                        None,
                    );
                        continue;
                    }
                    Err(e) => {
                        trace.push(
                            &action.id,
                            TraceStage::Arbitration,
                            false,
                            || format!("value formula failed, action dropped: {e}"),
                            None,
                        );
                        continue;
                    }
                }
            }
        };
        if channel.direction == concord_model::Direction::Outbound
            && !action.mandatory
            && !scorer.reaches(&action.id, &channel.id)
        {
            trace.push(
                &action.id,
                TraceStage::Maturity,
                false,
                || "outbound maturity capping: the action's model is young and reaches part of the audience, not this customer yet".to_owned(),
                None,
            );
            continue;
        }
        let (propensity, posterior) = if draw.arm == Arm::RandomPropensity {
            (draw.uniform(&action.id, 1), None)
        } else {
            let p = scorer.propensity(&action.id, &channel.id, &features);
            propensities.push((position as u32, p));
            (p, scorer.posterior())
        };
        let context_weight: f64 = weights
            .iter()
            .filter(|w| w.target.matches(action))
            .map(|w| w.weight)
            .product();
        let levers = match (challenger, strategy.taxonomy(action)) {
            (Some(c), _) => c.levers.get(position).copied().unwrap_or(action.lever),
            (None, Some((issue, group))) => issue.lever * group.lever * action.lever,
            (None, None) => action.lever,
        };
        let factor = |on: bool, x: f64| if on { x } else { 1.0 };
        let rest = context_weight
            * factor(arbitration.use_value, value)
            * factor(arbitration.use_levers, levers);
        let priority = if draw.arm == Arm::RandomAction {
            draw.uniform(&action.id, 2)
        } else {
            factor(arbitration.use_propensity, propensity) * rest
        };
        let (mean, evidence) = posterior.unwrap_or((propensity, f64::INFINITY));
        competed.push(concord_model::Competed {
            action: position as u32,
            mean: mean as f32,
            evidence: evidence as f32,
            factor: rest as f32,
            draws: arbitration.use_propensity,
            tier: if action.mandatory {
                2
            } else {
                u8::from(terms.remembered.is_some())
            },
        });
        candidates.push(Candidate {
            action,
            position,
            terms,
            propensity,
            context_weight,
            value,
            levers,
            priority,
        });
    }

    // Mandatory first, then highest priority; equal priorities fall back to the action id so
    // replays agree. Without a trace to write, only the head needs ordering: select it first.
    // Offers the customer was shown and may still take (offer memory) come next, so every
    // channel presents them at the same price while they are valid.
    let order = |a: &Candidate<'_>, b: &Candidate<'_>| {
        b.action
            .mandatory
            .cmp(&a.action.mandatory)
            .then_with(|| {
                b.terms
                    .remembered
                    .is_some()
                    .cmp(&a.terms.remembered.is_some())
            })
            .then_with(|| b.priority.total_cmp(&a.priority))
            .then_with(|| strategy.id_rank(a.action).cmp(&strategy.id_rank(b.action)))
    };
    let head = limit.saturating_mul(4).max(limit + 8);
    // The first `sorted` candidates are in order. Diversity, caps and volume budgets may hold
    // back any number of the head, so the placement loop orders the rest if it gets there
    // short of `limit`.
    let mut sorted = candidates.len();
    if request.explain || candidates.len() <= head {
        candidates.sort_unstable_by(order);
    } else {
        candidates.select_nth_unstable_by(head, order);
        candidates[..head].sort_unstable_by(order);
        sorted = head;
    }
    let mut ranked = Vec::with_capacity(limit);
    let mut per_group = GroupCounts::default();
    for idx in 0..candidates.len() {
        if idx == sorted {
            if ranked.len() >= limit {
                // Untraced and full: the rest can't place.
                break;
            }
            candidates[idx..].sort_unstable_by(order);
            sorted = candidates.len();
        }
        let c = &candidates[idx];
        let id = &c.action.id;
        let factors = Some(Factors {
            propensity: c.propensity,
            context_weight: c.context_weight,
            value: c.value,
            levers: c.levers,
            priority: c.priority,
            mandatory: c.action.mandatory,
        });
        let key = strategy.taxonomy_at(c.action);
        if let Some(max) = arbitration.max_per_group
            && !per_group.admits(key, Some(max), c.action.mandatory)
        {
            trace.push(
                id,
                TraceStage::Diversity,
                false,
                || {
                    format!(
                        "group {} already has {max} action(s) in this placement",
                        c.action.group
                    )
                },
                factors,
            );
            continue;
        }
        if ranked.len() >= limit {
            trace.push(
                id,
                TraceStage::Placement,
                false,
                || format!("placement holds {limit}; ranked {} by priority", idx + 1),
                factors,
            );
            continue;
        }
        if let Some(reason) = judge.cap_room(strategy, c.action, c.position) {
            trace.push(id, TraceStage::ContactPolicy, false, || reason, factors);
            continue;
        }
        if let Some(reason) = judge.volume_block(c.action) {
            trace.push(id, TraceStage::Volume, false, || reason, factors);
            continue;
        }
        // Rendered only once the action is sure to place, so a decision fills at most
        // `limit` texts; one that can't be shown whole makes room for the next candidate.
        let valid_until = c
            .terms
            .valid_until_ms
            .and_then(|ms| Timestamp::from_millisecond(ms).ok());
        let offered = concord_strategy::Offered {
            price: c.terms.price,
            valid_until,
            value: c.value,
            action_name: &c.action.name,
            zone: &zone,
        };
        let treatment = match c.action.treatment(channel.id.as_str()) {
            Some(treatment) => {
                match crate::render::treatment_text(strategy, treatment, &env, &offered) {
                    Ok(text) => Some(text),
                    Err(unrendered) => {
                        trace.push(
                            id,
                            TraceStage::Treatment,
                            false,
                            || unrendered.reason(channel.id.as_str()),
                            factors,
                        );
                        continue;
                    }
                }
            }
            None => None,
        };
        judge.place(strategy, c.action, c.position);
        per_group.add(key);
        let rank = ranked.len() as u32 + 1;
        trace.push(
            id,
            TraceStage::Placement,
            true,
            || match c.terms.remembered {
                Some((channel, shown)) => format!(
                    "rank {rank} of {limit}: the offer shown in {} at {}, open until {}",
                    crate::offer::channel_name(strategy, channel),
                    crate::offer::time_text(shown),
                    c.terms
                        .valid_until_ms
                        .map_or_else(String::new, crate::offer::time_text)
                ),
                None => format!("rank {rank} of {limit}"),
            },
            factors,
        );
        ranked.push(RankedAction {
            rank,
            action_id: id.clone(),
            issue: c.action.issue.clone(),
            group: c.action.group.clone(),
            propensity: c.propensity,
            value: c.value,
            priority: c.priority,
            treatment,
            price: c.terms.price,
            valid_until,
        });
    }
    if ranked.is_empty() {
        // Scored like any action (and logged, so the decision replays); they don't compete.
        let mut score = |action: &Action, position: usize| {
            let p = scorer.propensity(&action.id, &channel.id, &features);
            propensities.push((position as u32, p));
            p
        };
        fallback(
            strategy,
            (channel_index, channel),
            (&env, &zone),
            &mut afford,
            draw.arm,
            limit,
            (&mut ranked, &mut trace),
            &mut score,
        );
    }
    let held = if ranked.is_empty() {
        trace.furthest
    } else {
        None
    };
    Ok(Decision {
        held,
        actions: ranked,
        trace: trace.entries,
        do_not_mention,
        reads: reads(&env),
        propensities,
        predictors,
        variant: assigned.and_then(|a| experiments.tag(a)),
        competed,
    })
}

/// A priced offer the customer can't pay for in this channel (channels.yaml `afford`): its
/// price, and what they can pay (`None`: unknown).
struct Unaffordable {
    price: f64,
    can: Option<f64>,
}

impl Unaffordable {
    /// The trace's reason (written only when a trace is asked for).
    fn reason(&self, channel: &concord_strategy::Channel) -> String {
        let rule = channel.afford.as_ref().map_or("", |r| r.source());
        match self.can {
            Some(can) => format!(
                "costs {}, more than the customer can pay in {} now ({can}: {rule})",
                self.price, channel.id
            ),
            None => format!(
                "costs {}, and what the customer can pay in {} ({rule}) is unknown",
                self.price, channel.id
            ),
        }
    }
}

/// Whether a priced offer is above what the customer can pay in `channel`, or that is
/// unknown. `afford` caches the amount (read once per decision, at the first priced offer).
fn unaffordable(
    channel: &concord_strategy::Channel,
    env: &Frame<'_>,
    afford: &mut Option<Option<f64>>,
    price: Option<f64>,
) -> Option<Unaffordable> {
    let (rule, price) = (channel.afford.as_ref()?, price?);
    let can = *afford.get_or_insert_with(|| match rule.eval(env) {
        Ok(Value::Num(x)) if x.is_finite() => Some(x),
        _ => None,
    });
    match can {
        Some(can) if price <= can + 1e-9 => None,
        can => Some(Unaffordable { price, can }),
    }
}

/// Nothing qualified: the channel's fallback actions (channels.yaml `fallback`) fill the
/// placement, so it is never empty; a fixed-price one the customer can't afford, and sales in
/// the hold-out, stay out.
#[allow(clippy::too_many_arguments)]
fn fallback(
    strategy: &Strategy,
    (channel_index, channel): (usize, &concord_strategy::Channel),
    (env, zone): (&Frame<'_>, &jiff::tz::TimeZone),
    afford: &mut Option<Option<f64>>,
    arm: Arm,
    limit: usize,
    (ranked, trace): (&mut Vec<RankedAction>, &mut Trace),
    score: &mut dyn FnMut(&Action, usize) -> f64,
) {
    for &position in &channel.fallback {
        if ranked.len() >= limit {
            break;
        }
        let Some(action) = strategy.actions().get(position) else {
            continue;
        };
        if !strategy.offered_in(action, channel_index)
            || (arm == Arm::Holdout && action.kind == concord_strategy::ActionKind::Sales)
        {
            continue;
        }
        let price = action.price.as_ref().map(|p| p.max);
        if let Some(over) = unaffordable(channel, env, afford, price) {
            trace.push(
                &action.id,
                TraceStage::Pricing,
                false,
                || over.reason(channel),
                None,
            );
            continue;
        }
        let offered = concord_strategy::Offered {
            price,
            valid_until: None,
            value: action.value,
            action_name: &action.name,
            zone,
        };
        let treatment = match action.treatment(channel.id.as_str()) {
            Some(t) => match crate::render::treatment_text(strategy, t, env, &offered) {
                Ok(text) => Some(text),
                Err(unrendered) => {
                    let reason = unrendered.reason(channel.id.as_str());
                    trace.push(&action.id, TraceStage::Treatment, false, || reason, None);
                    continue;
                }
            },
            None => None,
        };
        let rank = ranked.len() as u32 + 1;
        trace.push(
            &action.id,
            TraceStage::Placement,
            true,
            || format!("rank {rank} of {limit}: the channel's fallback (no action qualified)"),
            None,
        );
        let propensity = score(action, position);
        ranked.push(RankedAction {
            rank,
            action_id: action.id.clone(),
            issue: action.issue.clone(),
            group: action.group.clone(),
            propensity,
            value: action.value,
            priority: 0.0,
            treatment,
            price,
            valid_until: None,
        });
    }
}
