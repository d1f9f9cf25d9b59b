//! The validated strategy: the only form of the configuration downstream code ever sees.

use crate::profile::ProfileSchema;
use crate::rule::Rule;
use concord_model::{ActionId, ChannelId, Direction};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A loaded, fully validated decision strategy. Build it with [`Strategy::load`].
#[derive(Debug, Clone, Serialize)]
pub struct Strategy {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) arbitration: Arbitration,
    pub(crate) default_limit: usize,
    pub(crate) channels: Vec<Channel>,
    pub(crate) issues: Vec<Issue>,
    pub(crate) actions: Vec<Action>,
    pub(crate) profile: ProfileSchema,
    pub(crate) triggers: Vec<Trigger>,
    pub(crate) hash: String,
}

/// A real-time trigger: when `when` holds for a customer after an event, ask for a decision in
/// `channel`, at most once per customer per `cooldown_ms` of event time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    pub id: String,
    pub name: String,
    pub when: Rule,
    pub channel: ChannelId,
    pub cooldown_ms: i64,
    /// The context the outbound decision gets (always includes `trigger: <id>` when declared).
    pub context: concord_model::Attributes,
}

/// Which factors of the priority formula are switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Arbitration {
    pub use_propensity: bool,
    pub use_value: bool,
}

/// A channel and its placement size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Channel {
    pub id: ChannelId,
    pub name: String,
    pub direction: Direction,
    /// At most this many actions are shown at once in this channel.
    pub max_actions: usize,
}

/// A business issue and its groups: the top two levels of Issue -> Group -> Action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub id: String,
    pub name: String,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: String,
    pub name: String,
}

/// Whether an action sells or serves. Service actions come before sales when both apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Sales,
    Service,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Sales => "sales",
            ActionKind::Service => "service",
        }
    }
}

/// An offer or service treatment, with its renderings per channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub id: ActionId,
    pub name: String,
    pub issue: String,
    pub group: String,
    pub kind: ActionKind,
    /// Margin of an acceptance, in the operator's currency; finite and >= 0.
    pub value: f64,
    /// `None`: always eligible.
    pub eligibility: Option<Rule>,
    /// The channels the action is offered in; never empty.
    pub treatments: BTreeMap<ChannelId, Treatment>,
}

impl Action {
    /// The rendering for `channel`, or `None` when the action is not offered there.
    pub fn treatment(&self, channel: &str) -> Option<&Treatment> {
        self.treatments.get(channel)
    }
}

/// An action's rendering in one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Treatment {
    pub text: String,
}

impl Strategy {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn arbitration(&self) -> Arbitration {
        self.arbitration
    }

    /// How many actions a decision returns when the request does not say; at least 1.
    pub fn default_limit(&self) -> usize {
        self.default_limit
    }

    /// Channels in channels.yaml order.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels
            .iter()
            .find(|channel| channel.id.as_str() == id)
    }

    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Actions in file-name order, then file order. Ids are unique.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|action| action.id.as_str() == id)
    }

    /// Real-time triggers from triggers.yaml, in file order (empty without the file).
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    pub fn profile_schema(&self) -> &ProfileSchema {
        &self.profile
    }

    /// Hex SHA-256 over every file read (relative path, NUL, bytes; sorted by path). Every
    /// decision records it, so a decision can be replayed against the exact strategy.
    pub fn hash(&self) -> &str {
        &self.hash
    }
}
