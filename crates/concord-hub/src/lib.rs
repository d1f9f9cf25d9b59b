//! The hub: one object that owns every stage's state and the journal that makes it durable.
//!
//! The write path is always journal first, then memory, so anything acknowledged survives a
//! restart; [`Hub::open`] rebuilds memory from the newest snapshot and the journal after it.

mod apply;
mod breaker;
mod contacts;
mod decision_log;
mod error;
mod evaluate;
mod follow_up;
mod hub;
mod open;
mod outbox;
mod provision;
mod record;
mod replay;
mod run;
mod simulate;
mod snapshot;
mod stats;
mod trigger_log;
mod value_finder;

pub use breaker::BreakerStats;
pub use concord_ingest::IngestSummary;
pub use contacts::ContactEntry;
pub use error::HubError;
pub use evaluate::{EstimateRow, EvaluateOptions, Evaluated, Evaluation, Reward};
pub use follow_up::{FOLLOW_UP_KEY, FollowUpJob, FollowedUp};
pub use hub::{
    Answer, CustomerSnapshot, DecisionOutcome, Hub, Outcomes, ResponseOutcome, TimelineItem,
    learn_config,
};
pub use open::{HubOptions, Recovery};
pub use outbox::{DeliveryDone, DeliveryRecord, FIRE_KEY, OutboxReport, RUN_KEY, fire_key};
pub use provision::{
    ProvisionDone, ProvisionJob, ProvisionRecord, ProvisionReport, ProvisionResult,
};
pub use record::JournalRecord;
pub use replay::Replay;
pub use run::{RunPlan, RunProgress, RunSpec, RunTally};
pub use simulate::{
    ActionSimulation, ChannelSimulation, SimulateOptions, SimulatedDecision, SimulationReport,
};
pub use snapshot::{SnapshotInfo, SnapshotPolicy, Snapshotter};
pub use stats::{HubStats, LearningStats, OutboundStats, ProvisionStats};
pub use trigger_log::TriggerReport;
