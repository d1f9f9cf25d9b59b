//! What a dry run reports (`SimulationReport`), and the sums it is built from: added up one
//! decision at a time, per chunk of customers, then chunk by chunk in order.

use concord_decide::Decision;
use concord_model::{ActionId, ChannelId, Timestamp};
use concord_strategy::Strategy;

/// What a strategy would do for the sample, per channel and action.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationReport {
    pub strategy_hash: String,
    pub now: Timestamp,
    /// Customers in the profile store.
    pub base: u64,
    /// Customers decided for, in every channel.
    pub sample: u64,
    pub channels: Vec<ChannelSimulation>,
    /// Every action offered in a channel simulated, in strategy order, over those channels:
    /// `reach` counts a customer once however many channels placed the action, `impressions`
    /// every placement.
    pub actions: Vec<ActionSimulation>,
}

/// One channel's decisions for the sample.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSimulation {
    pub channel: ChannelId,
    /// The most actions one decision places (the request names no placement).
    pub slots: usize,
    pub decided: u64,
    /// Customers the channel placed nothing for.
    pub no_action: u64,
    /// Customers with at least one action on the do-not-mention list.
    pub do_not_mention: u64,
    /// Actions placed, over all decisions.
    pub placed: u64,
    pub expected_accepts: f64,
    pub expected_value: f64,
    /// The actions offered in the channel (a treatment there), in strategy order, placed or not.
    pub actions: Vec<ActionSimulation>,
}

/// One action's share of the decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSimulation {
    pub action: ActionId,
    pub issue: String,
    pub group: String,
    /// Customers who got the action.
    pub reach: u64,
    /// Times it was placed.
    pub impressions: u64,
    /// The sum of the propensities it was placed with.
    pub expected_accepts: f64,
    /// The sum of propensity x value (the value the funnel ranked it with).
    pub expected_value: f64,
    /// Customers told not to mention it (suppressions).
    pub do_not_mention: u64,
}

/// A channel simulated: its position in the strategy, its id and how many actions one of its
/// decisions places.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Channel<'s> {
    pub(crate) index: usize,
    pub(crate) id: &'s ChannelId,
    pub(crate) slots: usize,
}

/// Sums for one action (per channel, or over all of them).
#[derive(Debug, Clone, Copy, Default)]
struct ActionSums {
    reach: u64,
    impressions: u64,
    accepts: f64,
    value: f64,
    do_not_mention: u64,
}

impl ActionSums {
    fn add(&mut self, other: &ActionSums) {
        self.reach += other.reach;
        self.impressions += other.impressions;
        self.accepts += other.accepts;
        self.value += other.value;
        self.do_not_mention += other.do_not_mention;
    }
}

#[derive(Debug, Clone, Default)]
struct ChannelSums {
    decided: u64,
    no_action: u64,
    do_not_mention: u64,
    /// Per strategy action position.
    actions: Vec<ActionSums>,
}

/// The sums of some customers' decisions: per channel simulated, and per action the customers
/// reached (told not to mention it) in any channel.
#[derive(Debug, Clone)]
pub(crate) struct Sums {
    channels: Vec<ChannelSums>,
    overall: Vec<ActionSums>,
    /// The current customer's actions placed (told not to mention) in any channel so far.
    reached: Vec<bool>,
    unmentioned: Vec<bool>,
}

impl Sums {
    pub(crate) fn new(n_channels: usize, n_actions: usize) -> Self {
        let channel = ChannelSums {
            actions: vec![ActionSums::default(); n_actions],
            ..ChannelSums::default()
        };
        Self {
            channels: vec![channel; n_channels],
            overall: vec![ActionSums::default(); n_actions],
            reached: vec![false; n_actions],
            unmentioned: vec![false; n_actions],
        }
    }

    /// Counts the current customer's decision in the channel at position `channel` of the run.
    pub(crate) fn decided(&mut self, channel: usize, decision: &Decision, strategy: &Strategy) {
        let sums = &mut self.channels[channel];
        sums.decided += 1;
        sums.no_action += u64::from(decision.actions.is_empty());
        sums.do_not_mention += u64::from(!decision.do_not_mention.is_empty());
        for placed in &decision.actions {
            let Some(i) = strategy.action_index(placed.action_id.as_str()) else {
                continue;
            };
            let action = &mut sums.actions[i];
            action.reach += 1;
            action.impressions += 1;
            action.accepts += placed.propensity;
            action.value += placed.propensity * placed.value;
            self.reached[i] = true;
        }
        for told in &decision.do_not_mention {
            if let Some(i) = strategy.action_index(told.action_id.as_str()) {
                sums.actions[i].do_not_mention += 1;
                self.unmentioned[i] = true;
            }
        }
    }

    /// Closes the current customer: each action they got anywhere counts them once.
    pub(crate) fn customer_done(&mut self) {
        for (i, overall) in self.overall.iter_mut().enumerate() {
            overall.reach += u64::from(std::mem::take(&mut self.reached[i]));
            overall.do_not_mention += u64::from(std::mem::take(&mut self.unmentioned[i]));
        }
    }

    pub(crate) fn add(&mut self, other: &Sums) {
        for (mine, theirs) in self.channels.iter_mut().zip(&other.channels) {
            mine.decided += theirs.decided;
            mine.no_action += theirs.no_action;
            mine.do_not_mention += theirs.do_not_mention;
            for (a, b) in mine.actions.iter_mut().zip(&theirs.actions) {
                a.add(b);
            }
        }
        for (a, b) in self.overall.iter_mut().zip(&other.overall) {
            a.add(b);
        }
    }

    /// The report of these sums for `channels` (in the order they were decided in).
    pub(crate) fn report(
        &self,
        strategy: &Strategy,
        channels: &[Channel<'_>],
        now: Timestamp,
        base: u64,
        sample: u64,
    ) -> SimulationReport {
        let action = |i: usize, sums: &ActionSums| {
            let a = &strategy.actions()[i];
            ActionSimulation {
                action: a.id.clone(),
                issue: a.issue.clone(),
                group: a.group.clone(),
                reach: sums.reach,
                impressions: sums.impressions,
                expected_accepts: sums.accepts,
                expected_value: sums.value,
                do_not_mention: sums.do_not_mention,
            }
        };
        let offered = |i: usize, channel: &Channel<'_>| {
            strategy.offered_in(&strategy.actions()[i], channel.index)
        };
        let simulated = channels
            .iter()
            .zip(&self.channels)
            .map(|(channel, sums)| ChannelSimulation {
                channel: channel.id.clone(),
                slots: channel.slots,
                decided: sums.decided,
                no_action: sums.no_action,
                do_not_mention: sums.do_not_mention,
                placed: sums.actions.iter().map(|a| a.impressions).sum(),
                expected_accepts: sums.actions.iter().map(|a| a.accepts).sum(),
                expected_value: sums.actions.iter().map(|a| a.value).sum(),
                actions: (0..sums.actions.len())
                    .filter(|&i| offered(i, channel))
                    .map(|i| action(i, &sums.actions[i]))
                    .collect(),
            })
            .collect();
        let overall = (0..self.overall.len())
            .filter(|&i| channels.iter().any(|c| offered(i, c)))
            .map(|i| {
                let mut sums = self.overall[i];
                for channel in &self.channels {
                    let placed = &channel.actions[i];
                    sums.impressions += placed.impressions;
                    sums.accepts += placed.accepts;
                    sums.value += placed.value;
                }
                action(i, &sums)
            })
            .collect();
        SimulationReport {
            strategy_hash: strategy.hash().to_owned(),
            now,
            base,
            sample,
            channels: simulated,
            actions: overall,
        }
    }
}
