//! Volume and value KPIs per action x channel x experiment arm: impressions, outcomes, accept
//! rate, accepted value (and its sum of squares, for the value's confidence intervals).

use concord_model::{
    ActionId, Arm, ChannelId, DecisionRecord, Outcome, ResponseRecord, Timestamp, Variant,
};
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
    /// Sum of the squares of the accepted actions' values: with the impressions and the sum,
    /// the variance of the value per impression.
    #[serde(skip)]
    pub accepted_value_sq: f64,
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
        self.accepted_value_sq += other.accepted_value_sq;
    }

    /// Accepts per impression, as a sample of 0/1 units (one per impression).
    pub fn accept_sample(&self) -> crate::Sample {
        crate::Sample {
            n: self.impressions,
            sum: self.accepts as f64,
            sum_sq: self.accepts as f64,
        }
    }

    /// Accepted value per impression, as a sample of one unit per impression (0 unless
    /// accepted).
    pub fn value_sample(&self) -> crate::Sample {
        crate::Sample {
            n: self.impressions,
            sum: self.accepted_value,
            sum_sq: self.accepted_value_sq,
        }
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
    /// Per action x channel, every arm together.
    pub rows: Vec<KpiRow>,
    pub total: Tally,
    pub total_accept_rate: f64,
    /// Per experiment arm, every action and channel together (only arms with impressions).
    pub arms: Vec<ArmRow>,
}

/// One experiment arm's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmRow {
    pub arm: Arm,
    #[serde(flatten)]
    pub tally: Tally,
    pub accept_rate: f64,
    /// Accepted value per impression.
    pub value_per_impression: f64,
}

/// The full strategy (`test`) against one control arm, per impression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmLift {
    pub arm: Arm,
    pub impressions: u64,
    pub test_impressions: u64,
    /// Lift of the accept rate: `rate_test / rate_arm - 1`, with its interval.
    pub accept_rate: LiftOrWhy,
    /// Lift of the accepted value per impression.
    pub value_per_impression: LiftOrWhy,
}

/// A lift, or why there is none yet (too few impressions, no accepts in the arm...).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LiftOrWhy {
    Lift(crate::Lift),
    Why { unavailable: String },
}

impl LiftOrWhy {
    pub(crate) fn of(test: &crate::Sample, control: &crate::Sample, confidence: f64) -> Self {
        match crate::lift(test, control, confidence) {
            Ok(lift) => LiftOrWhy::Lift(lift),
            Err(e) => LiftOrWhy::Why {
                unavailable: e.to_string(),
            },
        }
    }

    pub fn lift(&self) -> Option<&crate::Lift> {
        match self {
            LiftOrWhy::Lift(l) => Some(l),
            LiftOrWhy::Why { .. } => None,
        }
    }
}

/// Where a tally counts: an action in a channel for the customers of one experiment arm and
/// (inside an experiment) one variant, on one UTC day of decisions (days since 1970-01-01; a
/// response counts on its decision's day, so a day's accept rate reads its own impressions).
/// [`UNKNOWN_DAY`] holds tallies kept before days were.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KpiKey {
    pub action: ActionId,
    pub channel: ChannelId,
    pub arm: Arm,
    pub variant: Option<Variant>,
    pub day: i32,
}

/// The day of tallies restored from a snapshot written before KPIs were kept per day.
pub const UNKNOWN_DAY: i32 = i32::MIN;

/// The UTC day (days since 1970-01-01) of `time`.
pub fn day_of(time: concord_model::Timestamp) -> i32 {
    i32::try_from(time.as_second().div_euclid(86_400)).unwrap_or(UNKNOWN_DAY)
}

/// The running KPI book. Every decision's actions are impressions; responses add outcomes.
#[derive(Debug, Default)]
pub struct KpiBook {
    tallies: Mutex<BTreeMap<KpiKey, Tally>>,
}

impl KpiBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every tally, for a snapshot.
    pub fn export(&self) -> Vec<(KpiKey, Tally)> {
        self.tallies
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Replaces every tally with `tallies` (restoring a snapshot).
    pub fn restore(&self, tallies: Vec<(KpiKey, Tally)>) {
        *self.tallies.lock() = tallies.into_iter().collect();
    }

    pub fn record_decision(&self, decision: &DecisionRecord) {
        let mut tallies = self.tallies.lock();
        for action in &decision.actions {
            tallies
                .entry(KpiKey {
                    action: action.action_id.clone(),
                    channel: decision.channel.clone(),
                    arm: decision.arm,
                    variant: decision.variant.clone(),
                    day: day_of(decision.time),
                })
                .or_default()
                .impressions += 1;
        }
    }

    /// Records an outcome of `decision` (its arm, variant and day count); `value` is the
    /// accepted action's value (used only for acceptances).
    pub fn record_response(&self, response: &ResponseRecord, value: f64, decision: Cell<'_>) {
        let mut tallies = self.tallies.lock();
        let tally = tallies
            .entry(KpiKey {
                action: response.action_id.clone(),
                channel: response.channel.clone(),
                arm: decision.arm,
                variant: decision.variant.cloned(),
                day: day_of(decision.time),
            })
            .or_default();
        match response.outcome {
            Outcome::Accepted => {
                tally.accepts += 1;
                tally.accepted_value += value;
                tally.accepted_value_sq += value * value;
            }
            Outcome::Declined => tally.declines += 1,
            Outcome::Clicked => tally.clicks += 1,
            Outcome::Ignored => tally.ignores += 1,
        }
    }

    pub fn report(&self) -> KpiReport {
        let tallies = self.tallies.lock();
        let mut total = Tally::default();
        let mut rows: BTreeMap<(&ActionId, &ChannelId), Tally> = BTreeMap::new();
        for (key, tally) in tallies.iter() {
            total.add(tally);
            rows.entry((&key.action, &key.channel))
                .or_default()
                .add(tally);
        }
        let rows = rows
            .into_iter()
            .map(|((action_id, channel), tally)| KpiRow {
                action_id: action_id.clone(),
                channel: channel.clone(),
                tally,
                accept_rate: tally.accept_rate(),
            })
            .collect();
        let arms = arm_totals(&tallies)
            .into_iter()
            .map(|(arm, tally)| ArmRow {
                arm,
                accept_rate: tally.accept_rate(),
                value_per_impression: tally.value_sample().mean().unwrap_or(0.0),
                tally,
            })
            .collect();
        KpiReport {
            rows,
            total_accept_rate: total.accept_rate(),
            total,
            arms,
        }
    }

    /// The full strategy against every control arm that has impressions, per impression,
    /// with intervals at `confidence` (delta method; impressions taken as independent units,
    /// which understates the spread a little when one customer sees many). The universal
    /// hold-out shows no sales actions, so its per-impression rates compare service
    /// treatments with everything: it is left out here.
    pub fn lift(&self, confidence: f64) -> Vec<ArmLift> {
        let totals = arm_totals(&self.tallies.lock());
        let test = totals.get(&Arm::Test).copied().unwrap_or_default();
        totals
            .iter()
            .filter(|(arm, _)| !matches!(arm, Arm::Test | Arm::Holdout))
            .map(|(&arm, tally)| ArmLift {
                arm,
                impressions: tally.impressions,
                test_impressions: test.impressions,
                accept_rate: LiftOrWhy::of(
                    &test.accept_sample(),
                    &tally.accept_sample(),
                    confidence,
                ),
                value_per_impression: LiftOrWhy::of(
                    &test.value_sample(),
                    &tally.value_sample(),
                    confidence,
                ),
            })
            .collect()
    }
}

/// A challenger against its experiment's champion, per impression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantLift {
    pub experiment: String,
    pub challenger: String,
    pub impressions: u64,
    pub champion_impressions: u64,
    /// Lift of the accept rate: `rate_challenger / rate_champion - 1`, with its interval.
    pub accept_rate: LiftOrWhy,
    /// Lift of the accepted value per impression.
    pub value_per_impression: LiftOrWhy,
}

impl KpiBook {
    /// Each experiment's challengers against its champion (experiments.yaml `experiments`),
    /// per impression, with intervals at `confidence` (delta method, impressions as units).
    /// Experiments in key order, challengers by name.
    pub fn variant_lift(&self, confidence: f64) -> Vec<VariantLift> {
        let mut totals: BTreeMap<&Variant, Tally> = BTreeMap::new();
        let tallies = self.tallies.lock();
        for (key, tally) in tallies.iter() {
            if let Some(variant) = &key.variant {
                totals.entry(variant).or_default().add(tally);
            }
        }
        totals
            .iter()
            .filter(|(v, _)| !v.is_champion())
            .map(|(variant, tally)| {
                let champion = totals
                    .iter()
                    .find(|(v, _)| v.experiment == variant.experiment && v.is_champion())
                    .map(|(_, t)| *t)
                    .unwrap_or_default();
                VariantLift {
                    experiment: variant.experiment.clone(),
                    challenger: variant.variant.clone(),
                    impressions: tally.impressions,
                    champion_impressions: champion.impressions,
                    accept_rate: LiftOrWhy::of(
                        &tally.accept_sample(),
                        &champion.accept_sample(),
                        confidence,
                    ),
                    value_per_impression: LiftOrWhy::of(
                        &tally.value_sample(),
                        &champion.value_sample(),
                        confidence,
                    ),
                }
            })
            .collect()
    }
}

/// Every tally added up by the key `key_of` gives its cell, in key order: the KPIs by any
/// dimensions the caller can derive from a cell.
pub fn group_tallies<K: Ord>(book: &KpiBook, key_of: impl Fn(&KpiKey) -> K) -> Vec<(K, Tally)> {
    let mut groups: BTreeMap<K, Tally> = BTreeMap::new();
    for (key, tally) in book.tallies.lock().iter() {
        groups.entry(key_of(key)).or_default().add(tally);
    }
    groups.into_iter().collect()
}

/// The decision a response answers, as far as KPIs care: its arm, variant and time.
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    pub arm: Arm,
    pub variant: Option<&'a Variant>,
    pub time: Timestamp,
}

impl<'a> Cell<'a> {
    pub fn of(decision: &'a DecisionRecord) -> Self {
        Self {
            arm: decision.arm,
            variant: decision.variant.as_ref(),
            time: decision.time,
        }
    }
}

fn arm_totals(tallies: &BTreeMap<KpiKey, Tally>) -> BTreeMap<Arm, Tally> {
    let mut arms: BTreeMap<Arm, Tally> = BTreeMap::new();
    for (key, tally) in tallies {
        arms.entry(key.arm).or_default().add(tally);
    }
    arms
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
            arm: concord_model::Arm::Test,
            variant: None,
        }
    }

    fn cell(arm: Arm) -> Cell<'static> {
        Cell {
            arm,
            variant: None,
            time: Timestamp::UNIX_EPOCH,
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
        book.record_response(
            &response("ussd", "a", Outcome::Accepted),
            25.0,
            cell(Arm::Test),
        );
        book.record_response(
            &response("ussd", "b", Outcome::Declined),
            10.0,
            cell(Arm::Test),
        );
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

    /// Tallies split by arm: the rows add every arm up, the arm rows split them, and the lift
    /// compares the test arm with each control arm per impression (hand-computed: test 30 of
    /// 200 = 15%, random_action 10 of 100 = 10%: lift 0.5; the delta-method standard error
    /// sqrt(v_t / m_c² + m_t² v_c / m_c⁴) with v = s²/n, s² = n p (1 - p) / (n - 1)).
    #[test]
    fn arms_split_the_tallies_and_lift_compares_them() {
        let book = KpiBook::new();
        let mut test = decision("ussd", &["a"]);
        let mut control = decision("ussd", &["a"]);
        control.arm = Arm::RandomAction;
        let mut held = decision("ussd", &["a"]);
        held.arm = Arm::Holdout;
        for i in 0..200 {
            book.record_decision(&test);
            if i < 30 {
                book.record_response(
                    &response("ussd", "a", Outcome::Accepted),
                    10.0,
                    cell(Arm::Test),
                );
            }
        }
        for i in 0..100 {
            book.record_decision(&control);
            if i < 10 {
                let value = if i % 2 == 0 { 10.0 } else { 30.0 };
                book.record_response(
                    &response("ussd", "a", Outcome::Accepted),
                    value,
                    cell(Arm::RandomAction),
                );
            }
        }
        book.record_decision(&held);
        test.arm = Arm::Test;
        let report = book.report();
        assert_eq!(report.rows.len(), 1);
        assert_eq!(report.rows[0].tally.impressions, 301);
        assert_eq!(report.rows[0].tally.accepts, 40);
        let arms: Vec<(Arm, u64, u64)> = report
            .arms
            .iter()
            .map(|r| (r.arm, r.tally.impressions, r.tally.accepts))
            .collect();
        assert_eq!(
            arms,
            [
                (Arm::Test, 200, 30),
                (Arm::Holdout, 1, 0),
                (Arm::RandomAction, 100, 10)
            ]
        );
        assert_eq!(report.arms[2].value_per_impression, 2.0);
        let lifts = book.lift(0.95);
        assert_eq!(lifts.len(), 1, "the hold-out is left out: {lifts:?}");
        assert_eq!(lifts[0].arm, Arm::RandomAction);
        let rate = lifts[0].accept_rate.lift().expect("a lift");
        assert!((rate.lift - 0.5).abs() < 1e-12, "{rate:?}");
        let var = |n: f64, p: f64| n * p * (1.0 - p) / (n - 1.0) / n;
        let (v_t, v_c) = (var(200.0, 0.15), var(100.0, 0.10));
        let se = (v_t / 0.01 + 0.0225 * v_c / 1e-4).sqrt();
        assert!(
            (rate.std_error - se).abs() < 1e-12,
            "{} vs {se}",
            rate.std_error
        );
        // Value per impression: test 300 / 200 = 1.5, control (5 x 10 + 5 x 30) / 100 = 2.
        let value = lifts[0].value_per_impression.lift().expect("a lift");
        assert!((value.lift - (1.5 / 2.0 - 1.0)).abs() < 1e-12, "{value:?}");
        // An arm without accepts has no baseline: the reason, not a number.
        let empty = KpiBook::new();
        empty.record_decision(&test);
        empty.record_decision(&test);
        empty.record_decision(&control);
        empty.record_decision(&control);
        let lifts = empty.lift(0.95);
        assert!(
            matches!(&lifts[0].accept_rate, LiftOrWhy::Why { unavailable } if unavailable.contains("control mean")),
            "{lifts:?}"
        );
    }
}
