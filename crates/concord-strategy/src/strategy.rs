//! The validated strategy: the only form of the configuration downstream code ever sees.

use crate::profile::ProfileSchema;
use crate::rule::{Rule, Var};
use crate::template::Template;
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
    pub(crate) context_weights: Vec<ContextWeight>,
    pub(crate) suppressions: Vec<Suppression>,
    pub(crate) time_zone: Option<TimeZoneRule>,
    pub(crate) language: Option<LanguageRule>,
    pub(crate) contact: crate::contact::ContactPolicy,
    pub(crate) models: crate::models::Models,
    pub(crate) control_arms: crate::experiments::ControlArms,
    pub(crate) arm_outcomes: Vec<crate::experiments::ArmOutcome>,
    pub(crate) experiments: crate::experiments::Experiments,
    pub(crate) reports: Vec<crate::reports::Report>,
    #[serde(skip)]
    pub(crate) action_index: std::collections::HashMap<String, usize>,
    pub(crate) hash: String,
}

/// Which actions a context weight or suppression applies to: an action matches when it matches
/// every field that is set (at least one is).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Target {
    pub kind: Option<ActionKind>,
    pub issue: Option<String>,
    pub group: Option<String>,
    pub action: Option<ActionId>,
}

impl Target {
    pub fn matches(&self, action: &Action) -> bool {
        self.kind.is_none_or(|k| k == action.kind)
            && self.issue.as_ref().is_none_or(|i| *i == action.issue)
            && self.group.as_ref().is_none_or(|g| *g == action.group)
            && self.action.as_ref().is_none_or(|a| *a == action.id)
    }
}

/// While `when` holds for the request, the priority of the targeted actions is multiplied by
/// `weight` (e.g. call reason = cancel -> retention x2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextWeight {
    pub when: Rule,
    pub target: Target,
    pub weight: f64,
}

/// While `when` holds, the targeted actions are not offered; the response lists them as
/// do-not-mention with `reason` (e.g. open billing dispute -> no sales).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppression {
    pub id: String,
    pub when: Rule,
    pub suppress: Target,
    pub reason: String,
}

/// The three engagement policies, each optional: eligibility (can the customer get it at all),
/// applicability (is it relevant now, in this context), suitability (is it right for them).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Policies {
    pub eligibility: Option<Rule>,
    pub applicability: Option<Rule>,
    pub suitability: Option<Rule>,
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
    pub use_context: bool,
    pub use_levers: bool,
    /// At most this many actions of one group per placement; `None`: no limit.
    pub max_per_group: Option<usize>,
}

/// A channel and its placement size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    pub id: ChannelId,
    pub name: String,
    pub direction: Direction,
    /// At most this many actions are shown at once in this channel.
    pub max_actions: usize,
    /// Named placements and their sizes (each at most `max_actions`).
    pub placements: BTreeMap<String, usize>,
    pub breaker: Option<Breaker>,
    /// The bool attribute that must be true to contact the customer here.
    pub consent: Option<Var>,
    pub quiet_hours: Option<QuietHours>,
    /// What one contact costs, for volume budgets in cost (0 when not set).
    pub cost: f64,
    /// The most a customer can pay here now (a number formula): a priced offer above it is
    /// not shown.
    pub afford: Option<Rule>,
    /// Positions (in [`Strategy::actions`]) of the actions shown when none qualifies.
    pub fallback: Vec<usize>,
    /// A menu channel's session settings (USSD).
    pub menu: Option<Menu>,
    /// The message an outbound channel sends after a response here (channels.yaml
    /// `follow_up`).
    #[serde(skip)]
    pub follow_up: Option<FollowUp>,
}

/// After a response in an inbound channel, a message in an outbound one, per outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub channel: ChannelId,
    pub texts: Vec<(concord_model::Outcome, crate::template::Template)>,
}

impl FollowUp {
    /// The text sent after `outcome`, if any.
    pub fn text(&self, outcome: concord_model::Outcome) -> Option<&crate::template::Template> {
        self.texts
            .iter()
            .find(|(o, _)| *o == outcome)
            .map(|(_, t)| t)
    }
}

/// How a menu session (USSD) shows a decision: numbered options on pages of at most
/// `page_chars` characters under `title`, a confirmation, then `accepted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Menu {
    pub title: String,
    pub page_chars: usize,
    pub timeout_ms: i64,
    /// The placement decided for (`None`: the channel's `max_actions`).
    pub placement: Option<String>,
    pub accepted: String,
    /// Written before a price, e.g. `R`.
    pub currency: String,
}

impl Menu {
    /// USSD's page limit, and the default.
    pub const MAX_PAGE_CHARS: usize = 182;
    pub const DEFAULT_TIMEOUT_MS: i64 = 180_000;
    pub const DEFAULT_ACCEPTED: &'static str = "Thank you: your request is on its way.";
}

/// No contact from `from` to `to`, minutes after local midnight (wrapping past midnight when
/// `from > to`, e.g. 21:00-08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuietHours {
    pub from: u16,
    pub to: u16,
}

impl QuietHours {
    /// Whether `minute` (after local midnight) falls in the quiet period.
    pub fn contains(&self, minute: u16) -> bool {
        if self.from <= self.to {
            (self.from..self.to).contains(&minute)
        } else {
            minute >= self.from || minute < self.to
        }
    }
}

/// Where customers' local time comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeZoneRule {
    pub default_name: String,
    #[serde(skip)]
    pub default: jiff::tz::TimeZone,
    /// A string attribute holding the customer's IANA zone.
    pub attribute: Option<Var>,
}

/// A channel's circuit breaker: after `overruns` consecutive decisions over `budget_ms`, the
/// channel answers `defaults` for `cooldown_ms` of request time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breaker {
    pub budget_ms: f64,
    pub overruns: u32,
    pub cooldown_ms: i64,
    pub defaults: Vec<ActionId>,
}

/// A business issue and its groups: the top two levels of Issue -> Group -> Action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub id: String,
    pub name: String,
    pub policies: Policies,
    /// Multiplies the priority of every action in the issue (1 when not set).
    pub lever: f64,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub policies: Policies,
    pub lever: f64,
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
    /// Replaces `value` per customer when set (a number formula over the profile).
    pub value_formula: Option<Rule>,
    /// The action's own policies (its issue's and group's are checked first).
    pub policies: Policies,
    pub lever: f64,
    /// Ranks above every non-mandatory action.
    pub mandatory: bool,
    /// The product it sells: not offered to a customer who holds it.
    pub product: Option<String>,
    /// The provisioning endpoint (by name) an acceptance is fulfilled through.
    pub fulfilment: Option<String>,
    /// Must all be held.
    pub requires: Vec<String>,
    /// Must none be held.
    pub excludes: Vec<String>,
    /// Private pricing, when the action has a price rule.
    pub price: Option<PriceRule>,
    /// How long a shown offer stays open at its price everywhere (offer memory).
    pub validity_ms: Option<i64>,
    /// Positions of the action's issue in `Strategy::issues` and group in that issue's groups,
    /// set when the strategy is built.
    #[serde(skip)]
    pub(crate) taxonomy_at: (usize, usize),
    /// The action's position in id order among the strategy's actions (a cheap tie-break that
    /// orders like the ids).
    #[serde(skip)]
    pub(crate) id_rank: u32,
    /// Bit `i` set when the action has a treatment in the strategy's `i`th channel (first 64
    /// channels; later ones are looked up in `treatments`).
    #[serde(skip)]
    pub(crate) channel_mask: u64,
    /// The channels the action is offered in; never empty.
    pub treatments: BTreeMap<ChannelId, Treatment>,
}

/// The price a customer is offered: the highest point of the grid `min + k x step` (any price
/// when `step` is 0) up to `max` that `target` reaches; `max` without a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceRule {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub target: Option<Rule>,
}

impl PriceRule {
    /// The price for an affordable amount `target`, or `None` when even `min` is too much.
    pub fn price_for(&self, target: f64) -> Option<f64> {
        if target.is_nan() || target < self.min {
            return None;
        }
        if target >= self.max {
            return Some(self.max);
        }
        if self.step <= 0.0 {
            return Some(target);
        }
        let steps = ((target - self.min) / self.step + 1e-9).floor();
        Some((self.min + steps * self.step).min(self.max))
    }
}

impl Action {
    /// The rendering for `channel`, or `None` when the action is not offered there.
    pub fn treatment(&self, channel: &str) -> Option<&Treatment> {
        self.treatments.get(channel)
    }
}

/// An action's rendering in one channel: its text, the same in other languages, and what to
/// show when a placeholder has no value for the customer. The funnel fills the placeholders of
/// placed actions only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Treatment {
    /// The default language's text as written, placeholders unfilled: shown as is only where
    /// no decision fills it (see [`Template::is_plain`]).
    pub text: String,
    /// `text` compiled.
    pub template: Template,
    /// The text in other languages, by language code (`zu`, `af`).
    pub texts: BTreeMap<String, Template>,
    /// Shown instead of the text when one of its placeholders has no value.
    pub fallback: Option<Template>,
    /// The fallback in other languages, by language code.
    pub fallbacks: BTreeMap<String, Template>,
}

impl Treatment {
    /// Whether any text or fallback has a language version: only then does a decision read
    /// the customer's language.
    pub fn has_languages(&self) -> bool {
        !self.texts.is_empty() || !self.fallbacks.is_empty()
    }

    /// The text a reader of `language` gets: their language's when there is one, else the
    /// default. `language` may carry a region (`zu-ZA`) and any case.
    pub fn text_for(&self, language: Option<&str>) -> &Template {
        in_language(&self.texts, language).unwrap_or(&self.template)
    }

    /// The fallback a reader of `language` gets, chosen like [`Treatment::text_for`].
    pub fn fallback_for(&self, language: Option<&str>) -> Option<&Template> {
        in_language(&self.fallbacks, language).or(self.fallback.as_ref())
    }
}

fn in_language<'t>(
    versions: &'t BTreeMap<String, Template>,
    language: Option<&str>,
) -> Option<&'t Template> {
    let primary = language?.split(['-', '_']).next()?.trim();
    versions
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(primary))
        .map(|(_, template)| template)
}

/// Which language a customer reads treatments in: the string attribute holding their language
/// code; `default` is the language every treatment's `text` is written in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageRule {
    pub attribute: Var,
    pub default: String,
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
        self.channel_at(id).map(|(_, channel)| channel)
    }

    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// The issue and group an action of this strategy belongs to, and their positions (the
    /// issue's in [`Strategy::issues`], the group's in its issue).
    pub fn taxonomy(&self, action: &Action) -> Option<(&Issue, &Group)> {
        let (i, g) = action.taxonomy_at;
        // One of this strategy's own actions: its positions were resolved against these
        // issues (an address test, not two string compares, on every action of every decision).
        let own = self
            .actions
            .as_ptr_range()
            .contains(&std::ptr::from_ref(action));
        let issue = self.issues.get(i).filter(|x| own || x.id == action.issue)?;
        let group = issue
            .groups
            .get(g)
            .filter(|x| own || x.id == action.group)?;
        Some((issue, group))
    }

    /// `(issue position, group position)` of an action of this strategy.
    pub fn taxonomy_at(&self, action: &Action) -> (usize, usize) {
        action.taxonomy_at
    }

    /// Whether `action` has a treatment in the channel at `channel_index` (its position in
    /// [`Strategy::channels`]): a bit test for the first 64 channels.
    pub fn offered_in(&self, action: &Action, channel_index: usize) -> bool {
        match 1u64.checked_shl(u32::try_from(channel_index).unwrap_or(u32::MAX)) {
            Some(bit) if channel_index < 64 => action.channel_mask & bit != 0,
            _ => self
                .channels
                .get(channel_index)
                .is_some_and(|c| action.treatments.contains_key(&c.id)),
        }
    }

    /// The channel and its position in [`Strategy::channels`].
    pub fn channel_at(&self, id: &str) -> Option<(usize, &Channel)> {
        self.channels
            .iter()
            .enumerate()
            .find(|(_, channel)| channel.id.as_str() == id)
    }

    /// The action's position in id order: comparing these compares the ids.
    pub fn id_rank(&self, action: &Action) -> u32 {
        action.id_rank
    }

    pub fn context_weights(&self) -> &[ContextWeight] {
        &self.context_weights
    }

    pub fn suppressions(&self) -> &[Suppression] {
        &self.suppressions
    }

    /// The adaptive models' predictors and settings (models.yaml; defaults without it).
    pub fn models(&self) -> &crate::models::Models {
        &self.models
    }

    /// The always-on control arms and which customer is in which (experiments.yaml; all off
    /// without it).
    pub fn control_arms(&self) -> &crate::experiments::ControlArms {
        &self.control_arms
    }

    /// What each arm's customers are worth, measured from their profile when a lift is asked
    /// for (experiments.yaml `outcomes`; empty without it).
    pub fn arm_outcomes(&self) -> &[crate::experiments::ArmOutcome] {
        &self.arm_outcomes
    }

    /// Champion/challenger experiments, their pilots and roll-outs (experiments.yaml
    /// `experiments`; none without it).
    pub fn experiments(&self) -> &crate::experiments::Experiments {
        &self.experiments
    }

    /// Caps, pauses and volume constraints (contact.yaml; empty without it).
    pub fn contact(&self) -> &crate::contact::ContactPolicy {
        &self.contact
    }

    /// Where customers' local time comes from (`None`: UTC for everyone).
    pub fn time_zone(&self) -> Option<&TimeZoneRule> {
        self.time_zone.as_ref()
    }

    /// Which language customers read treatments in (`None`: every treatment's `text`).
    pub fn language(&self) -> Option<&LanguageRule> {
        self.language.as_ref()
    }

    /// Actions in file-name order, then file order. Ids are unique.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    pub fn action(&self, id: &str) -> Option<&Action> {
        self.action_index(id).map(|i| &self.actions[i])
    }

    /// The action's position in [`Strategy::actions`].
    pub fn action_index(&self, id: &str) -> Option<usize> {
        self.action_index.get(id).copied()
    }

    /// Real-time triggers from triggers.yaml, in file order (empty without the file).
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    /// Logged reads (frame slot, value) with the names rules write them by.
    pub fn named_reads(
        &self,
        reads: &[(u32, concord_model::Value)],
    ) -> Vec<(String, concord_model::Value)> {
        reads
            .iter()
            .map(|(slot, v)| {
                let name = self
                    .profile
                    .slot_name(*slot)
                    .unwrap_or_else(|| format!("slot {slot}"));
                (name, v.clone())
            })
            .collect()
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
