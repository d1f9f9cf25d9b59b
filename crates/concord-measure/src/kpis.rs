//! Volume and value KPIs per action x channel: impressions, outcomes, accept rate, accepted value.

use concord_model::{ActionId, ChannelId, DecisionRecord, Outcome, ResponseRecord};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::BTreeMap;

/// Counts for one action in one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    pub impressions: u64,
    pub accepts: u64,
    pub declines: u64,
    pub clicks: u64,
    pub ignores: u64,
    /// Sum of the value of accepted actions, in the operator's currency.
    pub accepted_value: f64,
}

impl Tally {
    pub fn accept_rate(&self) -> f64 {
        if self.impressions == 0 {
            0.0
        } else {
            self.accepts as f64 / self.impressions as f64
        }
    }

    fn add(&mut self, other: &Tally) {
        self.impressions += other.impressions;
        self.accepts += other.accepts;
        self.declines += other.declines;
        self.clicks += other.clicks;
        self.ignores += other.ignores;
        self.accepted_value += other.accepted_value;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiRow {
    pub action_id: ActionId,
    pub channel: ChannelId,
    #[serde(flatten)]
    pub tally: Tally,
    pub accept_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    pub rows: Vec<KpiRow>,
    pub total: Tally,
    pub total_accept_rate: f64,
}

/// The running KPI book. Every decision's actions are impressions; responses add outcomes.
#[derive(Debug, Default)]
pub struct KpiBook {
    tallies: Mutex<BTreeMap<(ActionId, ChannelId), Tally>>,
}

impl KpiBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every tally, for a snapshot.
    pub fn export(&self) -> Vec<((ActionId, ChannelId), Tally)> {
        self.tallies
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Replaces every tally with `tallies` (restoring a snapshot).
    pub fn restore(&self, tallies: Vec<((ActionId, ChannelId), Tally)>) {
        *self.tallies.lock() = tallies.into_iter().collect();
    }

    pub fn record_decision(&self, decision: &DecisionRecord) {
        let mut tallies = self.tallies.lock();
        for action in &decision.actions {
            tallies
                .entry((action.action_id.clone(), decision.channel.clone()))
                .or_default()
                .impressions += 1;
        }
    }

    /// Records an outcome; `value` is the accepted action's value (used only for acceptances).
    pub fn record_response(&self, response: &ResponseRecord, value: f64) {
        let mut tallies = self.tallies.lock();
        let tally = tallies
            .entry((response.action_id.clone(), response.channel.clone()))
            .or_default();
        match response.outcome {
            Outcome::Accepted => {
                tally.accepts += 1;
                tally.accepted_value += value;
            }
            Outcome::Declined => tally.declines += 1,
            Outcome::Clicked => tally.clicks += 1,
            Outcome::Ignored => tally.ignores += 1,
        }
    }

    pub fn report(&self) -> KpiReport {
        let tallies = self.tallies.lock();
        let mut total = Tally::default();
        let rows = tallies
            .iter()
            .map(|((action_id, channel), tally)| {
                total.add(tally);
                KpiRow {
                    action_id: action_id.clone(),
                    channel: channel.clone(),
                    tally: *tally,
                    accept_rate: tally.accept_rate(),
                }
            })
            .collect();
        KpiReport {
            rows,
            total_accept_rate: total.accept_rate(),
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_model::{CustomerId, DecisionId, RankedAction, Timestamp};

    fn decision(channel: &str, actions: &[&str]) -> DecisionRecord {
        DecisionRecord {
            decision_id: DecisionId::new("d"),
            customer_id: CustomerId::new("c"),
            channel: ChannelId::new(channel),
            time: Timestamp::UNIX_EPOCH,
            strategy_hash: "h".into(),
            context: Default::default(),
            actions: actions
                .iter()
                .enumerate()
                .map(|(i, a)| RankedAction {
                    rank: i as u32 + 1,
                    action_id: ActionId::new(*a),
                    issue: "growth".into(),
                    group: "data".into(),
                    propensity: 0.5,
                    value: 10.0,
                    priority: 5.0,
                    treatment: None,
                    price: None,
                    valid_until: None,
                })
                .collect(),
            household: None,
            predictors: Vec::new(),
            inputs: None,
        }
    }

    fn response(channel: &str, action: &str, outcome: Outcome) -> ResponseRecord {
        ResponseRecord {
            decision_id: DecisionId::new("d"),
            action_id: ActionId::new(action),
            customer_id: CustomerId::new("c"),
            channel: ChannelId::new(channel),
            outcome,
            time: Timestamp::UNIX_EPOCH,
            custom_outcome: None,
        }
    }

    #[test]
    fn accept_rate_is_accepts_over_impressions_per_action_and_channel() {
        let book = KpiBook::new();
        for _ in 0..4 {
            book.record_decision(&decision("ussd", &["a", "b"]));
        }
        book.record_decision(&decision("sms", &["a"]));
        book.record_response(&response("ussd", "a", Outcome::Accepted), 25.0);
        book.record_response(&response("ussd", "b", Outcome::Declined), 10.0);
        let report = book.report();
        let row = |a: &str, c: &str| {
            report
                .rows
                .iter()
                .find(|r| r.action_id.as_str() == a && r.channel.as_str() == c)
                .cloned()
        };
        let a_ussd = row("a", "ussd").expect("row a/ussd");
        assert_eq!((a_ussd.tally.impressions, a_ussd.tally.accepts), (4, 1));
        assert_eq!(a_ussd.accept_rate, 0.25);
        assert_eq!(a_ussd.tally.accepted_value, 25.0);
        assert_eq!(row("b", "ussd").map(|r| r.tally.declines), Some(1));
        assert_eq!(row("a", "sms").map(|r| r.tally.impressions), Some(1));
        assert_eq!(report.total.impressions, 9);
        assert!((report.total_accept_rate - 1.0 / 9.0).abs() < 1e-12);
    }
}
