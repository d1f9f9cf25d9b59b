//! The wire form of experiment arms' KPIs and lift (GET /v1/kpis `arms`, GET /v1/lift).

use concord_measure::{ArmLift, ArmRow, LiftOrWhy};
use serde::Serialize;
use utoipa::ToSchema;

/// One experiment arm's totals over every action and channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiArmBody {
    /// test (the full strategy), holdout, random_action, propensity_only, no_levers,
    /// eligibility_only or random_propensity.
    pub arm: String,
    pub impressions: u64,
    pub accepts: u64,
    pub declines: u64,
    pub clicks: u64,
    pub ignores: u64,
    pub accept_rate: f64,
    pub accepted_value: f64,
    /// Accepted value per impression.
    pub value_per_impression: f64,
}

impl From<ArmRow> for KpiArmBody {
    fn from(r: ArmRow) -> Self {
        Self {
            arm: r.arm.as_str().to_owned(),
            impressions: r.tally.impressions,
            accepts: r.tally.accepts,
            declines: r.tally.declines,
            clicks: r.tally.clicks,
            ignores: r.tally.ignores,
            accept_rate: r.accept_rate,
            accepted_value: r.tally.accepted_value,
            value_per_impression: r.value_per_impression,
        }
    }
}

/// The lift report: the full strategy (`test`) against each control arm.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiftBody {
    /// The two-sided confidence level of every interval.
    pub confidence: f64,
    /// What a unit is in `arms`: every impression counts once, accepted or not.
    pub unit: String,
    pub arms: Vec<ArmLiftBody>,
    /// The business outcomes of experiments.yaml (`outcomes`), per customer, read from every
    /// customer's live profile: each arm (the hold-out included) against `test`.
    pub outcomes: Vec<OutcomeBody>,
    /// Each experiment's challengers against its champion (experiments.yaml `experiments`),
    /// per impression.
    pub experiments: Vec<VariantLiftBody>,
    /// Each challenger against its champion on the business outcomes, per customer (a
    /// customer counts in the variant they are assigned to: intent to treat).
    pub experiment_outcomes: Vec<VariantOutcomeBody>,
}

/// A challenger against its experiment's champion, per impression.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantLiftBody {
    pub experiment: String,
    pub challenger: String,
    pub impressions: u64,
    pub champion_impressions: u64,
    /// Lift of the accept rate: rate_challenger / rate_champion - 1 (`test_mean` is the
    /// challenger's, `arm_mean` the champion's).
    pub accept_rate: LiftValue,
    /// Lift of the accepted value per impression.
    pub value_per_impression: LiftValue,
}

impl From<concord_measure::VariantLift> for VariantLiftBody {
    fn from(l: concord_measure::VariantLift) -> Self {
        Self {
            experiment: l.experiment,
            challenger: l.challenger,
            impressions: l.impressions,
            champion_impressions: l.champion_impressions,
            accept_rate: l.accept_rate.into(),
            value_per_impression: l.value_per_impression.into(),
        }
    }
}

/// A challenger against its champion on one business outcome, per customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantOutcomeBody {
    pub outcome: String,
    /// `rate` or `value`.
    pub scale: String,
    pub experiment: String,
    pub challenger: String,
    pub customers: u64,
    pub champion_customers: u64,
    /// Challenger customers whose value could not be read (left out).
    pub missing: u64,
    pub mean: Option<f64>,
    pub champion_mean: Option<f64>,
    /// mean / champion_mean - 1.
    pub lift: LiftValue,
}

impl From<concord_measure::VariantOutcome> for VariantOutcomeBody {
    fn from(o: concord_measure::VariantOutcome) -> Self {
        Self {
            outcome: o.outcome,
            scale: scale_name(o.scale).to_owned(),
            experiment: o.experiment,
            challenger: o.challenger,
            customers: o.customers,
            champion_customers: o.champion_customers,
            missing: o.missing,
            mean: o.mean,
            champion_mean: o.champion_mean,
            lift: o.lift.into(),
        }
    }
}

fn scale_name(scale: concord_measure::OutcomeScale) -> &'static str {
    match scale {
        concord_measure::OutcomeScale::Rate => "rate",
        concord_measure::OutcomeScale::Value => "value",
    }
}

/// One business outcome across the arms.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeBody {
    pub outcome: String,
    /// `rate` (a bool per customer: the share it holds for) or `value` (a number per customer).
    pub scale: String,
    pub arms: Vec<OutcomeArmBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeArmBody {
    pub arm: String,
    /// Customers whose value was read.
    pub customers: u64,
    /// Customers whose value could not be read (left out).
    pub missing: u64,
    /// The rate, or the mean value per customer.
    pub mean: Option<f64>,
    /// `test` against this arm: mean_test / mean_arm - 1 (absent for `test`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lift: Option<LiftValue>,
}

impl From<concord_measure::OutcomeReport> for OutcomeBody {
    fn from(r: concord_measure::OutcomeReport) -> Self {
        Self {
            outcome: r.outcome,
            scale: scale_name(r.scale).to_owned(),
            arms: r
                .arms
                .into_iter()
                .map(|a| OutcomeArmBody {
                    arm: a.arm.as_str().to_owned(),
                    customers: a.customers,
                    missing: a.missing,
                    mean: a.mean,
                    lift: a.lift.map(Into::into),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArmLiftBody {
    /// The control arm compared with `test`.
    pub arm: String,
    pub impressions: u64,
    pub test_impressions: u64,
    /// Lift of the accept rate: rate_test / rate_arm - 1.
    pub accept_rate: LiftValue,
    /// Lift of the accepted value per impression.
    pub value_per_impression: LiftValue,
}

/// A lift with its delta-method interval, or why there is none yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiftValue {
    /// test_mean / control_mean - 1: 0.2 means the strategy did 20% better than the arm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lift: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std_error: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arm_mean: Option<f64>,
    /// The interval excludes 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub significant: Option<bool>,
    /// Why there is no lift yet (too few impressions, no accepts in the arm...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl From<LiftOrWhy> for LiftValue {
    fn from(l: LiftOrWhy) -> Self {
        match l {
            LiftOrWhy::Lift(l) => Self {
                lift: Some(l.lift),
                low: Some(l.low),
                high: Some(l.high),
                std_error: Some(l.std_error),
                test_mean: Some(l.test_mean),
                arm_mean: Some(l.control_mean),
                significant: Some(l.significant),
                unavailable: None,
            },
            LiftOrWhy::Why { unavailable } => Self {
                lift: None,
                low: None,
                high: None,
                std_error: None,
                test_mean: None,
                arm_mean: None,
                significant: None,
                unavailable: Some(unavailable),
            },
        }
    }
}

impl From<ArmLift> for ArmLiftBody {
    fn from(l: ArmLift) -> Self {
        Self {
            arm: l.arm.as_str().to_owned(),
            impressions: l.impressions,
            test_impressions: l.test_impressions,
            accept_rate: l.accept_rate.into(),
            value_per_impression: l.value_per_impression.into(),
        }
    }
}
