//! Proof of value: KPIs computed from the hub's own decision and response logs.

mod cohort;
mod dimension;
mod kpis;
pub mod lift;
pub mod ope;
mod outcomes;

pub use cohort::{CohortBook, CohortGroup, CohortReport, FlagRule, MeasureValue};
pub use dimension::{KpiDimension, UnknownDimension, day_label};
pub use kpis::{
    ArmLift, ArmRow, Cell, KpiBook, KpiKey, KpiReport, KpiRow, LiftOrWhy, Tally, UNKNOWN_DAY,
    VariantLift, day_of, group_tallies,
};
pub use lift::{
    Lift, LiftError, LiftSide, Sample, SampleSize, lift, minimum_detectable_effect,
    normal_quantile, sample_size,
};
pub use ope::{Estimate, Estimator, Logged, LoggedField, OpeError, estimate};
pub use outcomes::{
    OutcomeArm, OutcomeBook, OutcomeReport, OutcomeScale, VariantOutcome, VariantOutcomeBook,
};
