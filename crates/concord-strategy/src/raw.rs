//! The YAML files as written, before validation. Only `load` and `validate` see these types;
//! every field that a later check may point at is `Spanned` so the error gets its line:col.

use crate::profile::ValueType;
use crate::strategy::ActionKind;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

mod contact;
mod experiments;
mod models;
mod reports;
mod trials;
pub(crate) use contact::{ContactFile, EachEntry, OutcomeEntry};
pub(crate) use experiments::{ArmOutcomeEntry, ExperimentsFile, ShareValue};
pub(crate) use models::{
    ContextKeyEntry, ExplorationEntry, ModelsFile, OutcomesEntry, TechniqueEntry, TimeoutEntry,
};
pub(crate) use reports::{MeasureEntry, ReportEntry, ReportsFile};
pub(crate) use trials::{ChallengerEntry, ExperimentEntry, PlacesEntry};

/// `strategy.yaml`: what the strategy is called and how it ranks.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "strategy.yaml")]
pub(crate) struct StrategyFile {
    /// The strategy's name, shown in the console and recorded with every decision.
    #[schemars(with = "String")]
    pub(crate) name: Spanned<String>,
    /// A version label chosen by the team, e.g. "2026.11-pilot". Quote numbers: "1.0".
    #[schemars(with = "String")]
    pub(crate) version: Spanned<String>,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) arbitration: ArbitrationFile,
    /// How many actions a decision returns when the request does not say. Default 3.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1), extend("default" = 3))]
    pub(crate) default_limit: Option<Spanned<u32>>,
    /// Multiply the priority of matching actions while a condition on the request holds.
    #[serde(default)]
    #[schemars(with = "Vec<ContextWeightEntry>")]
    pub(crate) context_weights: Vec<Spanned<ContextWeightEntry>>,
    /// While a condition holds, the named actions are not offered and go on the response's
    /// do-not-mention list.
    #[serde(default)]
    #[schemars(with = "Vec<SuppressionEntry>")]
    pub(crate) suppressions: Vec<Spanned<SuppressionEntry>>,
    /// The customers' time zone, for quiet hours (default: UTC).
    #[serde(default)]
    pub(crate) time_zone: Option<TimeZoneEntry>,
    /// Which language customers read treatments in; treatments give other languages than
    /// the default under `texts`.
    #[serde(default)]
    pub(crate) language: Option<LanguageEntry>,
}

/// Where a customer's language comes from, e.g. `{attribute: language, default: en}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LanguageEntry {
    /// A string attribute holding the customer's language code (`zu`, `af`, `zu-ZA`).
    #[schemars(with = "String")]
    pub(crate) attribute: Spanned<String>,
    /// The language every treatment's `text` is written in (2 or 3 lowercase letters).
    #[schemars(with = "String", regex(pattern = r"^[a-z]{2,3}$"))]
    pub(crate) default: Spanned<String>,
}

/// Which actions a context weight or a suppression applies to; at least one field set, and
/// an action matches when it matches every field given.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TargetEntry {
    #[serde(default)]
    pub(crate) kind: Option<ActionKind>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) issue: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) group: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) action: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContextWeightEntry {
    /// A rule over the profile and the request context.
    #[schemars(with = "String")]
    pub(crate) when: Spanned<String>,
    /// The actions the weight multiplies.
    pub(crate) target: TargetEntry,
    #[schemars(with = "f64", range(min = 0))]
    pub(crate) weight: Spanned<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuppressionEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    #[schemars(with = "String")]
    pub(crate) when: Spanned<String>,
    pub(crate) suppress: TargetEntry,
    /// Shown to agents in the do-not-mention list.
    pub(crate) reason: String,
}

/// Which factors of priority = propensity x context weight x value x levers are switched on.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArbitrationFile {
    #[serde(default = "yes")]
    pub(crate) use_propensity: bool,
    #[serde(default = "yes")]
    pub(crate) use_value: bool,
    #[serde(default = "yes")]
    pub(crate) use_context: bool,
    #[serde(default = "yes")]
    pub(crate) use_levers: bool,
    /// Diversity: at most this many actions of one group in a placement.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub(crate) max_per_group: Option<Spanned<u32>>,
}

impl Default for ArbitrationFile {
    fn default() -> Self {
        Self {
            use_propensity: true,
            use_value: true,
            use_context: true,
            use_levers: true,
            max_per_group: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// `channels.yaml`: the channels (placements) the strategy serves.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "channels.yaml")]
pub(crate) struct ChannelsFile {
    #[schemars(with = "Vec<ChannelEntry>")]
    pub(crate) channels: Vec<Spanned<ChannelEntry>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelEntry {
    /// The id requests and treatments use: `ussd`, `call_centre`, `sms`...
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    pub(crate) name: String,
    pub(crate) direction: DirectionEntry,
    /// The placement size: at most this many actions are shown at once.
    #[schemars(with = "u32", range(min = 1))]
    pub(crate) max_actions: Spanned<u32>,
    /// Named placements and how many actions each shows (e.g. `menu: 5`, `banner: 1`); a
    /// request without a placement gets `max_actions`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, u32>")]
    pub(crate) placements: SpannedMap<Spanned<u32>>,
    /// Circuit breaker: when decisions overrun the latency budget `overruns` times in a row,
    /// the channel answers `defaults` for `cooldown`.
    #[serde(default)]
    pub(crate) breaker: Option<BreakerEntry>,
    /// A bool attribute that must be true to contact a customer in this channel (their consent;
    /// false or missing: opted out).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) consent: Option<Spanned<String>>,
    /// No contact between `from` and `to` (HH:MM) in the customer's local time.
    #[serde(default)]
    pub(crate) quiet_hours: Option<QuietHoursEntry>,
    /// What one contact costs (e.g. an SMS 0.02, an outbound call 0.80), for volume
    /// constraints with `max_cost` in contact.yaml. Default 0.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub(crate) cost: Option<Spanned<f64>>,
    /// The most a customer can pay here now, a number formula over the profile (e.g.
    /// `customer.balance` for offers bought from airtime): a priced offer above it is never
    /// shown (nor one whose customer's amount is unknown).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) afford: Option<Spanned<String>>,
    /// Shown when no action qualifies, so the placement is never empty: action ids with a
    /// treatment in this channel and no per-customer price.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub(crate) fallback: Option<Vec<Spanned<String>>>,
    /// A menu channel (USSD): how a session shows a decision as numbered pages.
    #[serde(default)]
    pub(crate) menu: Option<MenuEntry>,
    /// After a response to an action here (an inbound channel, e.g. the call centre), a
    /// message in an outbound channel consistent with it (the reinforcement SMS).
    #[serde(default)]
    pub(crate) follow_up: Option<FollowUpEntry>,
}

/// A follow-up: the outbound channel and, per outcome, the text (placeholders as in
/// treatments: `{action.name}`, `{price}`, `{valid_until}`, `{customer.<field>}`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FollowUpEntry {
    /// An outbound channel (`sms`, `email`).
    #[schemars(with = "String")]
    pub(crate) channel: Spanned<String>,
    /// Outcome (`accepted`, `declined`, `clicked`, `ignored`) -> the text sent after it.
    #[schemars(with = "BTreeMap<String, String>")]
    pub(crate) texts: SpannedMap<Spanned<String>>,
}

/// A menu session's settings (`POST /v1/ussd`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MenuEntry {
    /// The first line of every page, e.g. `Just For You`.
    pub(crate) title: String,
    /// Characters a page may hold (USSD: at most 182, the default).
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 40, max = 182))]
    pub(crate) page_chars: Option<Spanned<u32>>,
    /// How long a session waits for the customer's next input (default 180s).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) timeout: Option<Spanned<String>>,
    /// The placement the menu decides for (default: the channel's `max_actions`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) placement: Option<Spanned<String>>,
    /// The last page after an acceptance (default `Thank you: your request is on its way.`).
    #[serde(default)]
    pub(crate) accepted: Option<String>,
    /// Written before a price on the confirmation page, e.g. `R` (default none).
    #[serde(default)]
    pub(crate) currency: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuietHoursEntry {
    #[schemars(with = "String")]
    pub(crate) from: Spanned<String>,
    #[schemars(with = "String")]
    pub(crate) to: Spanned<String>,
}

/// Where a customer's local time comes from: a string attribute holding an IANA zone name,
/// else the default.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeZoneEntry {
    /// An IANA time zone, e.g. Africa/Johannesburg.
    #[schemars(with = "String")]
    pub(crate) default: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) attribute: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BreakerEntry {
    /// The latency budget of one decision, in milliseconds (> 0).
    #[schemars(with = "f64")]
    pub(crate) budget_ms: Spanned<f64>,
    /// Consecutive overruns that open the breaker (default 5).
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub(crate) overruns: Option<Spanned<u32>>,
    /// How long the channel gets its defaults once open, e.g. `30s` (default 30s).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) cooldown: Option<Spanned<String>>,
    /// The actions answered while open, in order; each needs a treatment in this channel.
    #[schemars(with = "Vec<String>")]
    pub(crate) defaults: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DirectionEntry {
    /// The customer came to us: USSD, app, web, store, call centre.
    Inbound,
    /// We reach out: SMS, e-mail, outbound calls, push.
    Outbound,
}

/// `profile.yaml`: the names and types rules may read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "profile.yaml")]
pub(crate) struct ProfileFile {
    /// Customer static attributes, `customer.<name>` in rules.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ValueType>")]
    pub(crate) attributes: SpannedMap<ValueType>,
    /// Request context fields, `context.<name>` in rules.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ValueType>")]
    pub(crate) context: SpannedMap<ValueType>,
    /// Windowed aggregates over events, `customer.<name>` in rules.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, AggregateEntry>")]
    pub(crate) aggregates: SpannedMap<AggregateEntry>,
    /// Derived fields: a formula over attributes and aggregates, `customer.<name>` in rules.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub(crate) derived: SpannedMap<Spanned<String>>,
    /// How late (in event time, behind the newest event seen) an event may arrive and still
    /// count, e.g. `24h` (the default). Older events are rejected with a reason; duplicates are
    /// recognised within this horizon.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) allowed_lateness: Option<Spanned<String>>,
}

/// One aggregate, e.g. `{event: dropped_call, function: count, window: 24h}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AggregateEntry {
    /// The event type folded, e.g. `dropped_call`, `recharge`, `care_contact`.
    #[schemars(with = "String")]
    pub(crate) event: Spanned<String>,
    /// count, sum, min, max, last or distinct.
    pub(crate) function: crate::profile::AggFn,
    /// The event's payload field folded; required except for `count`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) field: Option<Spanned<String>>,
    /// Sliding window in event time, e.g. `24h`, `7d`, `30d` (units s, m, h, d); absent = lifetime.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) window: Option<Spanned<String>>,
    /// Bucket size of the window (default: window / 24); the window must hold a whole number of them.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) bucket: Option<Spanned<String>>,
    /// A filter over the event's fields, e.g. `event.reason == 'billing'`.
    #[serde(default, rename = "where")]
    #[schemars(with = "Option<String>")]
    pub(crate) filter: Option<Spanned<String>>,
}

/// `actions/*.yaml`: issues with their groups, and actions with their treatments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "actions/*.yaml")]
pub(crate) struct ActionsFile {
    #[serde(default)]
    #[schemars(with = "Vec<IssueEntry>")]
    pub(crate) issues: Vec<Spanned<IssueEntry>>,
    #[serde(default)]
    #[schemars(with = "Vec<ActionEntry>")]
    pub(crate) actions: Vec<Spanned<ActionEntry>>,
}

/// A business issue (onboarding, growth, retention...): the top of the action taxonomy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IssueEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    pub(crate) name: String,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) eligibility: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) applicability: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) suitability: Option<Spanned<String>>,
    /// Business lever: multiplies the priority of every action below (default 1).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub(crate) lever: Option<Spanned<f64>>,
    #[serde(default)]
    #[schemars(with = "Vec<GroupEntry>")]
    pub(crate) groups: Vec<Spanned<GroupEntry>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    pub(crate) name: String,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) eligibility: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) applicability: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) suitability: Option<Spanned<String>>,
    /// Business lever: multiplies the priority of every action below (default 1).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub(crate) lever: Option<Spanned<f64>>,
}

/// An offer or service treatment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    pub(crate) name: String,
    /// An issue id declared under `issues:` in any actions file.
    #[schemars(with = "String")]
    pub(crate) issue: Spanned<String>,
    /// A group id declared under that issue.
    #[schemars(with = "String")]
    pub(crate) group: Spanned<String>,
    pub(crate) kind: ActionKind,
    /// The margin of an acceptance, in the operator's currency; 0 for pure service actions.
    #[schemars(with = "f64", range(min = 0))]
    pub(crate) value: Spanned<f64>,
    /// A number formula over the profile that replaces `value` per customer (e.g. margin x
    /// customer value); a formula that can't be computed drops the action.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) value_formula: Option<Spanned<String>>,
    /// Eligibility: must hold for the action to be offered at all; absent means always.
    /// E.g. `customer.segment == 'prepaid' && !('roaming_pack' in holdings)`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) eligibility: Option<Spanned<String>>,
    /// Applicability: is it relevant now, in this context (e.g. `context.call_reason == 'data'`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) applicability: Option<Spanned<String>>,
    /// Suitability: is it right for this customer (e.g. affordable: `customer.balance >= 20`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) suitability: Option<Spanned<String>>,
    /// Business lever: multiplies the action's priority (default 1).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub(crate) lever: Option<Spanned<f64>>,
    /// Ranks above every non-mandatory action whenever it survives the policies.
    #[serde(default)]
    pub(crate) mandatory: bool,
    /// Private pricing: the price each customer is offered, between `min` and `max`.
    #[serde(default)]
    pub(crate) price: Option<PriceEntry>,
    /// How long an offer, once shown, stays open at its price in every channel (offer
    /// memory), e.g. `7d`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) validity: Option<Spanned<String>>,
    /// The product this action sells: a customer who holds it is not offered it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) product: Option<Spanned<String>>,
    /// The provisioning endpoint an acceptance is fulfilled through (its name; the URL and
    /// retries are deployment settings, in the connections file).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) fulfilment: Option<Spanned<String>>,
    /// Products the customer must hold (prerequisites).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) requires: Vec<Spanned<String>>,
    /// Products the customer must not hold (incompatible offers).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(crate) excludes: Vec<Spanned<String>>,
    /// The action's rendering per channel id; it is offered only where it has one.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, TreatmentEntry>")]
    pub(crate) treatments: SpannedMap<TreatmentEntry>,
}

/// A price rule: the highest price on the grid `min`, `min + step`, ... up to `max` that the
/// customer can afford by `target` (a number formula, e.g. `min(customer.balance,
/// customer.avg_recharge) * 1.5`); `max` when there is no target. A customer whose target is
/// below `min` is not offered the action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PriceEntry {
    #[schemars(with = "f64", range(min = 0))]
    pub(crate) min: Spanned<f64>,
    #[schemars(with = "f64", range(min = 0))]
    pub(crate) max: Spanned<f64>,
    /// Price steps above `min` (absent: any price between the bounds).
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub(crate) step: Option<Spanned<f64>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) target: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TreatmentEntry {
    /// What the customer sees or the agent says, in strategy.yaml's `language.default`. May
    /// hold placeholders, filled per decision: `{price}`, `{valid_until}`, `{value}`,
    /// `{action.name}`, `{customer.<field>}`, `{context.<field>}`; `{{` and `}}` are braces.
    #[schemars(with = "String")]
    pub(crate) text: Spanned<String>,
    /// The text in other languages, by language code, e.g. `{zu: "...", af: "..."}`; a
    /// customer whose language (strategy.yaml `language`) has none reads `text`.
    #[serde(default)]
    #[schemars(
        with = "BTreeMap<String, String>",
        extend("propertyNames" = {"pattern": "^[a-z]{2,3}$"})
    )]
    pub(crate) texts: SpannedMap<Spanned<String>>,
    /// Shown instead of the text when one of its placeholders has no value for the customer
    /// (without one, the action is not placed for that customer: never a text with a hole).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) fallback: Option<Spanned<String>>,
    /// The fallback in other languages, by language code.
    #[serde(default)]
    #[schemars(
        with = "BTreeMap<String, String>",
        extend("propertyNames" = {"pattern": "^[a-z]{2,3}$"})
    )]
    pub(crate) fallbacks: SpannedMap<Spanned<String>>,
}

/// A YAML mapping kept in file order, each key with its location (serde maps drop it).
#[derive(Debug, Clone)]
pub struct SpannedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for SpannedMap<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = SpannedMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value::<V>()?));
                }
                Ok(SpannedMap(entries))
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// `triggers.yaml` (optional): conditions on the profile, checked as events arrive, that ask for
/// an outbound decision in a channel.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "triggers.yaml")]
pub(crate) struct TriggersFile {
    #[serde(default)]
    #[schemars(with = "Vec<TriggerEntry>")]
    pub(crate) triggers: Vec<Spanned<TriggerEntry>>,
}

/// One trigger, e.g. three dropped calls in 24 hours -> an outbound health-check call.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriggerEntry {
    #[schemars(with = "String")]
    pub(crate) id: Spanned<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    /// A rule over the profile (no request context), e.g. `customer.dropped_calls_24h >= 3`.
    #[schemars(with = "String")]
    pub(crate) when: Spanned<String>,
    /// The channel the decision is asked for, e.g. `outbound_call` or `sms`.
    #[schemars(with = "String")]
    pub(crate) channel: Spanned<String>,
    /// Fires at most once per customer per cool-down, in event time, e.g. `7d`.
    #[schemars(with = "String")]
    pub(crate) cooldown: Spanned<String>,
    /// Context the outbound decision gets, e.g. `{trigger: dropped_calls}`; keys declared in profile.yaml context.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub(crate) context: SpannedMap<String>,
}
