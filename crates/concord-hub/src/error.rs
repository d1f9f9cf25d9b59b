//! Errors of the hub's operations; the server maps each to a status and code.

use concord_model::{ActionId, CustomerId, DecisionId};

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("unknown customer {0}")]
    UnknownCustomer(CustomerId),
    #[error(transparent)]
    Decide(#[from] concord_decide::DecideError),
    #[error("unknown decision {0} (never made, or older than the decision log keeps)")]
    UnknownDecision(DecisionId),
    #[error("action {action} was not offered in decision {decision}; it offered: {}", offered.join(", "))]
    ActionNotInDecision {
        action: ActionId,
        decision: DecisionId,
        offered: Vec<String>,
    },
    #[error("unknown report `{name}` (reports.yaml has: {})", if known.is_empty() { "none".to_owned() } else { known.join(", ") })]
    UnknownReport { name: String, known: Vec<String> },
    #[error("cannot group by `{name}`: {reason}")]
    BadDimension { name: String, reason: String },
    #[error("unknown outcome `{name}` (known: {})", known.join(", "))]
    UnknownOutcome { name: String, known: Vec<String> },
    #[error("customer {customer}: {source}")]
    BadRow {
        customer: CustomerId,
        #[source]
        source: concord_profile::RowError,
    },
    #[error("the data folder {} is in use by another Concord process", .0.display())]
    DataDirInUse(std::path::PathBuf),
    #[error("snapshot {}: {reason}", path.display())]
    Snapshot {
        path: std::path::PathBuf,
        reason: String,
    },
    /// A batch run that can't start: which field of its request, and why.
    #[error("run: {field}: {reason}")]
    BadRun { field: String, reason: String },
    /// A batch run stopped because its sink failed.
    #[error("run stopped: the sink failed: {0}")]
    RunDelivery(String),
    #[error(transparent)]
    Journal(#[from] concord_profile::ProfileError),
    /// The candidate strategy can't be evaluated on this log (off-policy evaluation).
    #[error("the candidate strategy can't be evaluated on the live log: {0}")]
    Candidate(String),
    #[error(
        "decision {decision} was made by strategy {decided}; the hub runs {loaded}: replay needs the strategy folder that decided"
    )]
    ReplayStrategy {
        decision: DecisionId,
        decided: String,
        loaded: String,
    },
    #[error(
        "decision {0} can't be replayed: it was logged before decisions recorded their inputs, or its inputs are no longer in memory (older decisions) and its journal segment was removed after a snapshot"
    )]
    NotReplayable(DecisionId),
}
