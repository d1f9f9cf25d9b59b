//! Concord's strategy: the YAML strategy folder validated into a typed [`Strategy`], and the
//! eligibility rule language it uses.
//!
//! Data flow: `folder` reads the files and hashes them -> `load` parses each into the `raw`
//! types (syntax errors) -> `validate` checks and converts them into a [`Strategy`] (semantic
//! errors, rules compiled by [`rule`]). Downstream crates only ever see [`Strategy`].

mod contact;
mod error;
mod experiments;
mod folder;
mod json_schema;
mod load;
mod models;
mod profile;
mod raw;
mod reports;
pub mod rule;
mod strategy;
mod template;
mod validate;
mod yaml_pos;

/// YAML helpers other config readers share (e.g. base-load mappings): key-located maps and
/// the field path at a line:col, for `file:line:col: field` errors.
pub mod yaml {
    pub use crate::raw::SpannedMap;
    pub use crate::yaml_pos::path_at;
}

pub use contact::{Cap, ContactPolicy, Each, Pause, Period, Scope, Volume, duration_text};
pub use error::{StrategyError, StrategyErrorKind, StrategyErrors};
pub use experiments::{
    ArmOutcome, Challenger, ControlArms, DEFAULT_SALT, Experiment, Experiments, MAX_ARM_OUTCOMES,
    MAX_ARM_SHARE, OutcomeKind, Places, Stage,
};
pub use json_schema::json_schema;
pub use models::{ContextKey, Models, Outcomes, Polarity, Predictor, Technique, Timeout};
pub use profile::{
    AggFn, AggregateSpec, DEFAULT_ALLOWED_LATENESS_MS, DerivedSpec, ProfileSchema, ValueType,
    Window,
};
pub use reports::{
    DEFAULT_MIN_CUSTOMERS, Dimension, MAX_DIMENSIONS, MAX_REPORT_MEASURES, MAX_REPORTS,
    MISSING_KEY, Report,
};
pub use rule::{EvalError, Fault, Frame, Recorded, Rule, RuleEnv, RuleError, Var};
pub use strategy::{
    Action, ActionKind, Arbitration, Breaker, Channel, ContextWeight, FollowUp, Group, Issue,
    LanguageRule, Menu, Policies, PriceRule, QuietHours, Strategy, Suppression, Target,
    TimeZoneRule, Treatment, Trigger,
};
pub use template::{MissingValue, Offered, Template};
