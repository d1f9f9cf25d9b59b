//! triggers.yaml: ids, the `when` rule (profile only, no request context), the channel, the
//! cool-down and the context handed to the outbound decision.

use super::profile::{parse_duration, rule_error};
use super::report::{Report, check_id, check_unique};
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::TriggersFile;
use crate::rule::{Rule, Var};
use crate::strategy::{Channel, Trigger};
use concord_model::{Attributes, ChannelId, Value};
use std::collections::HashMap;

/// `None` when any trigger is defective (the strategy then fails as a whole).
pub(super) fn triggers(
    source: &Source,
    file: &TriggersFile,
    channels: Option<&[Channel]>,
    profile: Option<&ProfileSchema>,
    errors: &mut Vec<StrategyError>,
) -> Option<Vec<Trigger>> {
    let mut report = Report { source, errors };
    let n_errors = report.errors.len();
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (idx, entry) in file.triggers.iter().enumerate() {
        let entry = &entry.value;
        let field = format!("triggers[{idx}]");
        check_id(&mut report, &entry.id, format!("{field}.id"), "trigger");
        check_unique(
            &mut report,
            &mut seen,
            &entry.id,
            format!("{field}.id"),
            "trigger",
        );
        if let Some(channels) = channels
            && !channels
                .iter()
                .any(|c| c.id.as_str() == entry.channel.value)
        {
            let known: Vec<&str> = channels.iter().map(|c| c.id.as_str()).collect();
            report.at(
                &entry.channel.referenced,
                format!("{field}.channel"),
                StrategyErrorKind::UnknownReference,
                format!(
                    "unknown channel `{}`; channels.yaml declares: {}",
                    entry.channel.value,
                    known.join(", ")
                ),
            );
        }
        let cooldown_ms = match parse_duration(&entry.cooldown.value) {
            Ok(ms) => Some(ms),
            Err(message) => {
                report.at(
                    &entry.cooldown.referenced,
                    format!("{field}.cooldown"),
                    StrategyErrorKind::InvalidValue,
                    message,
                );
                None
            }
        };
        let Some(schema) = profile else {
            if let Err(err) = Rule::check_syntax(entry.when.value.trim_end()) {
                rule_error(
                    &mut report,
                    &entry.when,
                    entry.when.value.trim_end(),
                    err,
                    format!("{field}.when"),
                );
            }
            continue;
        };
        let mut context = Attributes::new();
        for (key, value) in &entry.context.0 {
            match schema.context_field(&key.value) {
                Some(ValueType::String) => {
                    context.insert(key.value.clone(), Value::Str(value.clone()));
                }
                _ => report.at(
                    &key.referenced,
                    format!("{field}.context.{}", key.value),
                    StrategyErrorKind::UnknownReference,
                    format!(
                        "`{}` must be a string field declared in profile.yaml context",
                        key.value
                    ),
                ),
            }
        }
        let src = entry.when.value.trim_end();
        let when = match Rule::compile(src, schema) {
            Ok(rule)
                if rule
                    .vars()
                    .iter()
                    .any(|v| matches!(v, Var::Context { .. } | Var::Channel)) =>
            {
                report.at(
                    &entry.when.referenced,
                    format!("{field}.when"),
                    StrategyErrorKind::Rule,
                    "a trigger is checked as events arrive, with no request: it can't read context. or channel".to_owned(),
                );
                None
            }
            Ok(rule) => Some(rule),
            Err(err) => {
                rule_error(&mut report, &entry.when, src, err, format!("{field}.when"));
                None
            }
        };
        if let (Some(when), Some(cooldown_ms)) = (when, cooldown_ms) {
            out.push(Trigger {
                id: entry.id.value.clone(),
                name: entry.name.clone().unwrap_or_else(|| entry.id.value.clone()),
                when,
                channel: ChannelId::new(entry.channel.value.clone()),
                cooldown_ms,
                context,
            });
        }
    }
    (report.errors.len() == n_errors).then_some(out)
}
