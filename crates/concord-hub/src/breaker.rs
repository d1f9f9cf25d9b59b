//! Per-channel circuit breakers: decisions that overrun the channel's latency budget too many
//! times in a row switch the channel to its default actions for a cool-down of request time.
//! The funnel stays pure; the hub times it.

use concord_decide::Decision;
use concord_model::{Factors, RankedAction, TraceEntry, TraceStage};
use concord_strategy::{Breaker, Strategy};
use parking_lot::Mutex;

/// One channel's breaker state.
#[derive(Debug, Default, Clone, Copy)]
struct State {
    consecutive: u32,
    /// Request time (ms) until which the channel answers its defaults.
    open_until_ms: i64,
    trips: u64,
    fallbacks: u64,
}

/// A channel's breaker figures, for `/metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerStats {
    pub channel: String,
    pub open_until_ms: Option<i64>,
    pub trips: u64,
    pub fallbacks: u64,
}

/// The breakers of every channel that declares one, by channel position.
#[derive(Debug)]
pub(crate) struct Breakers {
    states: Vec<Mutex<State>>,
}

impl Breakers {
    pub(crate) fn new(strategy: &Strategy) -> Self {
        Breakers {
            states: strategy
                .channels()
                .iter()
                .map(|_| Mutex::new(State::default()))
                .collect(),
        }
    }

    /// Whether the channel at `index` is open at request time `time_ms` (and counts the
    /// fallback it is about to answer).
    pub(crate) fn open(&self, index: usize, time_ms: i64) -> bool {
        let Some(state) = self.states.get(index) else {
            return false;
        };
        let mut state = state.lock();
        let open = time_ms < state.open_until_ms;
        if open {
            state.fallbacks += 1;
        }
        open
    }

    /// Records how long a decision took; opens the breaker after `overruns` in a row.
    pub(crate) fn record(&self, index: usize, breaker: &Breaker, elapsed_ms: f64, time_ms: i64) {
        let Some(state) = self.states.get(index) else {
            return;
        };
        let mut state = state.lock();
        if elapsed_ms <= breaker.budget_ms {
            state.consecutive = 0;
            return;
        }
        state.consecutive += 1;
        if state.consecutive >= breaker.overruns {
            state.consecutive = 0;
            state.open_until_ms = time_ms.saturating_add(breaker.cooldown_ms);
            state.trips += 1;
            tracing::warn!(
                channel = index,
                budget_ms = breaker.budget_ms,
                cooldown_ms = breaker.cooldown_ms,
                "decision latency over budget: circuit breaker open, answering default actions"
            );
        }
    }

    pub(crate) fn stats(&self, strategy: &Strategy) -> Vec<BreakerStats> {
        strategy
            .channels()
            .iter()
            .zip(&self.states)
            .filter(|(channel, _)| channel.breaker.is_some())
            .map(|(channel, state)| {
                let state = *state.lock();
                BreakerStats {
                    channel: channel.id.0.clone(),
                    open_until_ms: (state.open_until_ms > 0).then_some(state.open_until_ms),
                    trips: state.trips,
                    fallbacks: state.fallbacks,
                }
            })
            .collect()
    }
}

/// The channel's default actions as a decision (no funnel ran): in the breaker's order, up
/// to `limit`, each with its treatment in the channel.
pub(crate) fn fallback(
    strategy: &Strategy,
    channel: &concord_strategy::Channel,
    breaker: &Breaker,
    limit: usize,
    explain: bool,
    arm: concord_model::Arm,
) -> Decision {
    let mut actions = Vec::new();
    let mut trace = Vec::new();
    // The universal hold-out gets no sales actions, defaults included.
    let defaults = breaker.defaults.iter().filter_map(|id| {
        strategy.action(id.as_str()).filter(|a| {
            arm != concord_model::Arm::Holdout || a.kind != concord_strategy::ActionKind::Sales
        })
    });
    for action in defaults.take(limit) {
        let rank = actions.len() as u32 + 1;
        actions.push(RankedAction {
            rank,
            action_id: action.id.clone(),
            issue: action.issue.clone(),
            group: action.group.clone(),
            propensity: 0.0,
            value: action.value,
            priority: 0.0,
            treatment: action
                .treatment(channel.id.as_str())
                .map(|t| t.text.clone()),
            // Defaults have fixed prices (checked at load) and no offer memory: no funnel ran.
            price: action.price.as_ref().map(|p| p.max),
            valid_until: None,
        });
        if explain {
            trace.push(TraceEntry {
                action_id: action.id.clone(),
                stage: TraceStage::Placement,
                passed: true,
                reason: format!(
                    "circuit breaker open for channel {}: default action {rank}",
                    channel.id
                ),
                factors: None::<Factors>,
            });
        }
    }
    Decision {
        actions,
        trace,
        do_not_mention: Vec::new(),
        reads: Vec::new(),
        propensities: Vec::new(),
        predictors: Vec::new(),
        variant: None,
        competed: Vec::new(),
        held: None,
    }
}
