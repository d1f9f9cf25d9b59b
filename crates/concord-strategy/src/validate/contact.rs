//! contact.yaml: caps, pauses and volume constraints; channels, targets and the household
//! attribute resolved, periods and durations parsed.

use super::profile::parse_duration;
use super::report::{Report, check_id, check_unique};
use super::targets::target;
use crate::contact::{Cap, ContactPolicy, Each, Pause, Period, Scope, Volume};
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::{ContactFile, DirectionEntry, EachEntry, OutcomeEntry, TargetEntry};
use crate::rule::Var;
use crate::strategy::{Action, Channel, Issue};
use concord_model::{ContactKind, Direction};
use serde_saphyr::Spanned;
use std::collections::HashMap;

/// What the checks need from the rest of the folder; `None` parts did not parse.
pub(super) struct Known<'a> {
    pub(super) channels: Option<&'a [Channel]>,
    pub(super) profile: Option<&'a ProfileSchema>,
    pub(super) taxonomy: Option<(&'a [Issue], &'a [Action])>,
}

/// `None` when any rule is defective (reported).
pub(super) fn contact_policy(
    source: &Source,
    file: &ContactFile,
    known: &Known<'_>,
    errors: &mut Vec<StrategyError>,
) -> Option<ContactPolicy> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let household = file.household_attribute.as_ref().and_then(|name| {
        let profile = known.profile?;
        match profile.attribute_at(&name.value) {
            Some((index, ValueType::String)) => Some(Var::Attribute {
                index,
                name: name.value.clone(),
            }),
            _ => {
                report.at(
                    &name.referenced,
                    "household_attribute".to_owned(),
                    StrategyErrorKind::InvalidValue,
                    format!(
                        "`{}` must be a string attribute declared in profile.yaml",
                        name.value
                    ),
                );
                None
            }
        }
    });
    let mut seen = HashMap::new();
    let mut caps = Vec::new();
    for (idx, entry) in file.caps.iter().enumerate() {
        let entry = &entry.value;
        let field = format!("caps[{idx}]");
        id(&mut report, &mut seen, &entry.id, &field, "cap");
        let scope = scope(
            &mut report,
            known,
            (&entry.channels, entry.direction, entry.target.as_ref()),
            &field,
        );
        if entry.max.value == 0 {
            report.at(
                &entry.max.referenced,
                format!("{field}.max"),
                StrategyErrorKind::InvalidValue,
                "max must be at least 1 (to stop contact in a channel, use its consent attribute or remove its treatments)".to_owned(),
            );
        }
        let per = period(&mut report, &entry.per, &format!("{field}.per"), true);
        if entry.household && file.household_attribute.is_none() {
            report.at(
                &entry.id.referenced,
                format!("{field}.household"),
                StrategyErrorKind::InvalidValue,
                "a household cap needs `household_attribute` (the attribute naming a customer's household)".to_owned(),
            );
        }
        if let (Some(scope), Some(per)) = (scope, per) {
            caps.push(Cap {
                id: entry.id.value.clone(),
                scope,
                each: each(entry.each, Each::All),
                max: entry.max.value,
                per,
                household: entry.household,
                inbound_exempt: entry.inbound_exempt.unwrap_or(file.inbound_exempt),
            });
        }
    }
    let mut seen = HashMap::new();
    let mut pauses = Vec::new();
    for (idx, entry) in file.pauses.iter().enumerate() {
        let entry = &entry.value;
        let field = format!("pauses[{idx}]");
        id(&mut report, &mut seen, &entry.id, &field, "pause");
        let scope = scope(
            &mut report,
            known,
            (&entry.channels, entry.direction, entry.target.as_ref()),
            &field,
        );
        if entry.count.value == 0 {
            report.at(
                &entry.count.referenced,
                format!("{field}.count"),
                StrategyErrorKind::InvalidValue,
                "count must be at least 1".to_owned(),
            );
        }
        let within = duration(&mut report, &entry.within, &format!("{field}.within"));
        let pause = duration(&mut report, &entry.pause, &format!("{field}.pause"));
        if let (Some(scope), Some(within_ms), Some(pause_ms)) = (scope, within, pause) {
            pauses.push(Pause {
                id: entry.id.value.clone(),
                scope,
                each: each(entry.each, Each::Action),
                outcome: match entry.outcome {
                    OutcomeEntry::Impression => ContactKind::Impression,
                    OutcomeEntry::Accepted => ContactKind::Accepted,
                    OutcomeEntry::Declined => ContactKind::Declined,
                    OutcomeEntry::Clicked => ContactKind::Clicked,
                    OutcomeEntry::Ignored => ContactKind::Ignored,
                },
                count: entry.count.value,
                within_ms,
                pause_ms,
            });
        }
    }
    let mut seen = HashMap::new();
    let mut volumes = Vec::new();
    for (idx, entry) in file.volume.iter().enumerate() {
        let entry = &entry.value;
        let field = format!("volume[{idx}]");
        id(
            &mut report,
            &mut seen,
            &entry.id,
            &field,
            "volume constraint",
        );
        let scope = scope(
            &mut report,
            known,
            (&entry.channels, entry.direction, entry.target.as_ref()),
            &field,
        );
        let per = period(&mut report, &entry.per, &format!("{field}.per"), false);
        let max_contacts = entry.max.as_ref().map(|m| m.value);
        let max_cost = entry.max_cost.as_ref().map(|m| m.value);
        match (&entry.max, &entry.max_cost) {
            (Some(_), Some(_)) | (None, None) => report.at(
                &entry.id.referenced,
                field.clone(),
                StrategyErrorKind::InvalidValue,
                "give exactly one of `max` (contacts) or `max_cost` (sum of channel costs)"
                    .to_owned(),
            ),
            (Some(max), None) if max.value == 0 => report.at(
                &max.referenced,
                format!("{field}.max"),
                StrategyErrorKind::InvalidValue,
                "max must be at least 1".to_owned(),
            ),
            (None, Some(cost)) if !(cost.value.is_finite() && cost.value > 0.0) => report.at(
                &cost.referenced,
                format!("{field}.max_cost"),
                StrategyErrorKind::InvalidValue,
                format!("max_cost must be a number > 0, found {}", cost.value),
            ),
            _ => {}
        }
        if let (Some(scope), Some(per)) = (scope, per) {
            volumes.push(Volume {
                id: entry.id.value.clone(),
                scope,
                per,
                max_contacts,
                max_cost,
            });
        }
    }
    (errors.len() == n_errors).then_some(ContactPolicy {
        household,
        caps,
        pauses,
        volumes,
    })
}

fn id(
    report: &mut Report<'_, '_>,
    seen: &mut HashMap<String, (String, u64)>,
    id: &Spanned<String>,
    field: &str,
    what: &str,
) {
    check_id(report, id, format!("{field}.id"), what);
    check_unique(report, seen, id, format!("{field}.id"), what);
}

fn each(entry: Option<EachEntry>, default: Each) -> Each {
    match entry {
        None => default,
        Some(EachEntry::Action) => Each::Action,
        Some(EachEntry::Group) => Each::Group,
        Some(EachEntry::Issue) => Each::Issue,
    }
}

/// Channels (each declared) or a direction, not both; and a target.
fn scope(
    report: &mut Report<'_, '_>,
    known: &Known<'_>,
    (channels, direction, target_entry): (
        &[Spanned<String>],
        Option<DirectionEntry>,
        Option<&TargetEntry>,
    ),
    field: &str,
) -> Option<Scope> {
    let n_errors = report.errors.len();
    if let (Some(first), Some(_)) = (channels.first(), direction) {
        report.at(
            &first.referenced,
            format!("{field}.channels"),
            StrategyErrorKind::InvalidValue,
            "give `channels` or `direction`, not both".to_owned(),
        );
    }
    let mut positions = Vec::with_capacity(channels.len());
    if let Some(declared) = known.channels {
        for (i, name) in channels.iter().enumerate() {
            match declared.iter().position(|c| c.id.as_str() == name.value) {
                Some(p) => positions.push(p),
                None => report.at(
                    &name.referenced,
                    format!("{field}.channels[{i}]"),
                    StrategyErrorKind::UnknownReference,
                    format!(
                        "unknown channel `{}`; channels.yaml declares: {}",
                        name.value,
                        declared
                            .iter()
                            .map(|c| c.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
    }
    let target = match target_entry {
        None => None,
        Some(entry) => Some(target(
            report,
            entry,
            known.taxonomy,
            &format!("{field}.target"),
        )?),
    };
    (report.errors.len() == n_errors).then(|| Scope {
        channels: positions,
        direction: direction.map(|d| match d {
            DirectionEntry::Inbound => Direction::Inbound,
            DirectionEntry::Outbound => Direction::Outbound,
        }),
        target,
    })
}

pub(super) fn duration(
    report: &mut Report<'_, '_>,
    text: &Spanned<String>,
    field: &str,
) -> Option<i64> {
    match parse_duration(&text.value) {
        Ok(ms) => Some(ms),
        Err(message) => {
            report.at(
                &text.referenced,
                field.to_owned(),
                StrategyErrorKind::InvalidValue,
                message,
            );
            None
        }
    }
}

/// `day`, `week`, `month`, or (when `rolling` is allowed) a duration.
fn period(
    report: &mut Report<'_, '_>,
    text: &Spanned<String>,
    field: &str,
    rolling: bool,
) -> Option<Period> {
    match text.value.trim() {
        "day" => Some(Period::Day),
        "week" => Some(Period::Week),
        "month" => Some(Period::Month),
        other if rolling => match parse_duration(other) {
            Ok(ms) => Some(Period::Rolling { ms }),
            Err(_) => {
                report.at(
                    &text.referenced,
                    field.to_owned(),
                    StrategyErrorKind::InvalidValue,
                    format!(
                        "`{other}` is not a period: write day, week, month, or a duration such as 72h or 7d"
                    ),
                );
                None
            }
        },
        other => {
            report.at(
                &text.referenced,
                field.to_owned(),
                StrategyErrorKind::InvalidValue,
                format!("`{other}` is not a period: volume budgets are per day, week or month"),
            );
            None
        }
    }
}
