//! experiments.yaml's experiments and places: names unique, shares strictly between 0 and 1
//! and leaving the champion some customers, roll-out stages in time order naming catalogued
//! stores and regions, challengers' levers and switched-off actions naming declared actions,
//! and no experiment left without traffic by an earlier one that takes everyone.

use super::action::compile_rule;
use super::report::Report;
use super::targets::target;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::experiments::{Challenger, Experiment, Experiments, Places, Stage};
use crate::load::Source;
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::{ChallengerEntry, ExperimentEntry, ExperimentsFile, PlacesEntry, ShareValue};
use crate::rule::Rule;
use crate::strategy::{Action, Arbitration, Issue};
use concord_model::{CHAMPION, Timestamp};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What the experiments are checked against.
pub(super) struct Known<'a> {
    pub(super) profile: Option<&'a ProfileSchema>,
    /// `None` when some actions file did not parse.
    pub(super) taxonomy: Option<(&'a [Issue], &'a [Action])>,
    pub(super) arbitration: Arbitration,
}

/// `None` when anything is defective (reported).
pub(super) fn experiments(
    source: &Source,
    file: &ExperimentsFile,
    known: &Known<'_>,
    errors: &mut Vec<StrategyError>,
) -> Option<Experiments> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let places = file
        .places
        .as_ref()
        .and_then(|p| places(&mut report, p, known.profile));
    let mut list = Vec::new();
    let mut names = HashSet::new();
    let entries = file.experiments.as_deref().unwrap_or_default();
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("experiments[{i}]");
        let name = &entry.value.name;
        if !names.insert(name.value.clone()) {
            report.at(
                &name.referenced,
                format!("{field}.name"),
                StrategyErrorKind::Duplicate,
                format!("duplicate experiment name `{}`", name.value),
            );
        }
        if let Some(experiment) =
            experiment(&mut report, &entry.value, &field, places.as_ref(), known)
        {
            list.push((entry, experiment));
        }
    }
    shadowed(&mut report, &list);
    (report.errors.len() == n_errors).then(|| Experiments {
        places,
        list: list.into_iter().map(|(_, e)| e).collect(),
    })
}

fn places(
    report: &mut Report<'_, '_>,
    entry: &PlacesEntry,
    profile: Option<&ProfileSchema>,
) -> Option<Places> {
    let n_errors = report.errors.len();
    let mut store_from = Vec::new();
    if entry.store_from.is_empty() {
        report.at_position(
            1,
            1,
            "places.store_from".to_owned(),
            StrategyErrorKind::InvalidValue,
            "name at least one expression a decision's store is read from, e.g. [context.store_id, customer.home_store]".to_owned(),
        );
    }
    for (i, expression) in entry.store_from.iter().enumerate() {
        let field = format!("places.store_from[{i}]");
        let Some(schema) = profile else { continue };
        match Rule::compile_expression(expression.value.trim(), schema) {
            Ok((rule, ValueType::String)) => store_from.push(rule),
            Ok((_, other)) => report.at(
                &expression.referenced,
                field,
                StrategyErrorKind::InvalidValue,
                format!(
                    "`{}` is a {other:?} expression; a store is a string (a store id)",
                    expression.value
                ),
            ),
            Err(err) => {
                super::profile::rule_error(report, expression, expression.value.trim(), err, field)
            }
        }
    }
    let mut regions: BTreeMap<String, String> = BTreeMap::new();
    for (region, stores) in &entry.regions {
        for store in &stores.value {
            let field = format!("places.regions.{region}");
            if store.value.trim().is_empty() {
                report.at(
                    &store.referenced,
                    field,
                    StrategyErrorKind::InvalidValue,
                    "a store id must be non-empty".to_owned(),
                );
            } else if let Some(first) = regions.insert(store.value.clone(), region.clone()) {
                report.at(
                    &store.referenced,
                    field,
                    StrategyErrorKind::Duplicate,
                    format!(
                        "store `{}` is listed in region `{first}` already: a store is in one region",
                        store.value
                    ),
                );
            }
        }
    }
    (report.errors.len() == n_errors).then_some(Places {
        store_from,
        regions,
    })
}

fn experiment(
    report: &mut Report<'_, '_>,
    entry: &ExperimentEntry,
    field: &str,
    places: Option<&Places>,
    known: &Known<'_>,
) -> Option<Experiment> {
    let n_errors = report.errors.len();
    let name = &entry.name;
    if !is_snake_case(&name.value) {
        report.at(
            &name.referenced,
            format!("{field}.name"),
            StrategyErrorKind::InvalidValue,
            format!(
                "experiment name `{}` must be lowercase snake_case (a-z, 0-9, _; a letter first): KPIs and exports name it",
                name.value
            ),
        );
    }
    let salt = match &entry.salt {
        Some(salt) if salt.value.trim().is_empty() => {
            report.at(
                &salt.referenced,
                format!("{field}.salt"),
                StrategyErrorKind::InvalidValue,
                "salt must be a non-empty string (leave it out to use the experiment's name)"
                    .to_owned(),
            );
            String::new()
        }
        Some(salt) => salt.value.clone(),
        None => name.value.clone(),
    };
    let segment = entry
        .segment
        .as_ref()
        .and_then(|rule| compile_rule(report, known.profile, rule, &format!("{field}.where")));
    let stages = stages(report, entry, field, places);
    let until = entry.until.as_ref().and_then(|until| {
        let at = time(report, until, &format!("{field}.until"))?;
        if let Some(first) = stages.first().filter(|s| s.from >= at) {
            report.at(
                &until.referenced,
                format!("{field}.until"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "until ({at}) must come after the first roll-out stage starts ({})",
                    first.from
                ),
            );
        }
        Some(at)
    });
    let mut challengers = Vec::new();
    let mut seen = HashSet::new();
    let mut total = 0.0;
    if entry.challengers.is_empty() {
        report.at(
            &name.referenced,
            format!("{field}.challengers"),
            StrategyErrorKind::InvalidValue,
            "an experiment needs at least one challenger to compare with the champion".to_owned(),
        );
    }
    for (k, challenger_entry) in entry.challengers.iter().enumerate() {
        let field = format!("{field}.challengers[{k}]");
        let c = &challenger_entry.value;
        if c.name.value == CHAMPION || !is_snake_case(&c.name.value) {
            report.at(
                &c.name.referenced,
                format!("{field}.name"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "challenger name `{}` must be lowercase snake_case and not `champion` (the name of everyone in no challenger)",
                    c.name.value
                ),
            );
        } else if !seen.insert(c.name.value.clone()) {
            report.at(
                &c.name.referenced,
                format!("{field}.name"),
                StrategyErrorKind::Duplicate,
                format!("duplicate challenger name `{}`", c.name.value),
            );
        }
        let share = share(report, &c.share, &field);
        total += share;
        if total >= 1.0 && share > 0.0 {
            report.at(
                &c.share.referenced,
                format!("{field}.share"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "the challengers' shares add up to {total} by here: they must stay under 1, the rest being the champion's customers"
                ),
            );
        }
        if let Some(challenger) = challenger(report, c, &field, share, known) {
            challengers.push(challenger);
        }
    }
    let salt_hash = concord_model::symbol_hash(&salt);
    (report.errors.len() == n_errors).then(|| Experiment {
        name: name.value.clone(),
        description: entry.description.clone().unwrap_or_default(),
        salt,
        segment,
        stages,
        until,
        challengers,
        salt_hash,
    })
}

fn stages(
    report: &mut Report<'_, '_>,
    entry: &ExperimentEntry,
    field: &str,
    places: Option<&Places>,
) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    for (s, stage) in entry.rollout.iter().flatten().enumerate() {
        let field = format!("{field}.rollout[{s}]");
        let stage = &stage.value;
        let Some(from) = time(report, &stage.from, &format!("{field}.from")) else {
            continue;
        };
        if let Some(last) = out.last().filter(|last| last.from >= from) {
            report.at(
                &stage.from.referenced,
                format!("{field}.from"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "stages must start in time order: this one starts {from}, not after the stage before ({})",
                    last.from
                ),
            );
        }
        let mut stores = BTreeSet::new();
        let mut regions = BTreeSet::new();
        let named = |what: &str| format!("{field}.{what}");
        for (list, what, into) in [
            (&stage.stores, "stores", &mut stores),
            (&stage.regions, "regions", &mut regions),
        ] {
            for place in list.iter().flatten() {
                let Some(catalogue) = places else {
                    report.at(
                        &place.referenced,
                        named(what),
                        StrategyErrorKind::UnknownReference,
                        format!(
                            "the stage names {what}, but experiments.yaml has no `places` catalogue to find `{}` in",
                            place.value
                        ),
                    );
                    continue;
                };
                let exists = if what == "stores" {
                    catalogue.regions.contains_key(&place.value)
                } else {
                    catalogue.regions.values().any(|r| *r == place.value)
                };
                if !exists {
                    let known: BTreeSet<&str> = if what == "stores" {
                        catalogue.regions.keys().map(String::as_str).collect()
                    } else {
                        catalogue.regions.values().map(String::as_str).collect()
                    };
                    let listed: Vec<&str> = known.into_iter().take(12).collect();
                    report.at(
                        &place.referenced,
                        named(what),
                        StrategyErrorKind::UnknownReference,
                        format!(
                            "unknown {} `{}`: not in places.regions (known: {}{})",
                            &what[..what.len() - 1],
                            place.value,
                            listed.join(", "),
                            if listed.len() == 12 { ", ..." } else { "" }
                        ),
                    );
                }
                into.insert(place.value.clone());
            }
        }
        out.push(Stage {
            from,
            stores,
            regions,
        });
    }
    out
}

fn challenger(
    report: &mut Report<'_, '_>,
    entry: &ChallengerEntry,
    field: &str,
    share: f64,
    known: &Known<'_>,
) -> Option<Challenger> {
    let n_errors = report.errors.len();
    let mut arbitration = known.arbitration;
    if let Some(over) = &entry.arbitration {
        let pairs = [
            (over.use_propensity, &mut arbitration.use_propensity),
            (over.use_value, &mut arbitration.use_value),
            (over.use_context, &mut arbitration.use_context),
            (over.use_levers, &mut arbitration.use_levers),
        ];
        for (given, into) in pairs {
            if let Some(given) = given {
                *into = given;
            }
        }
        if let Some(max) = &over.max_per_group {
            if max.value == 0 {
                report.at(
                    &max.referenced,
                    format!("{field}.arbitration.max_per_group"),
                    StrategyErrorKind::InvalidValue,
                    "max_per_group must be at least 1".to_owned(),
                );
            }
            arbitration.max_per_group = Some(max.value as usize);
        }
    }
    let mut multipliers = Vec::new();
    for (l, lever) in entry.levers.iter().flatten().enumerate() {
        let field = format!("{field}.levers[{l}]");
        let multiply = &lever.value.multiply;
        if !multiply.value.is_finite() || multiply.value < 0.0 {
            report.at(
                &multiply.referenced,
                format!("{field}.multiply"),
                StrategyErrorKind::InvalidValue,
                format!("multiply must be a number >= 0, found {}", multiply.value),
            );
        }
        if let Some(t) = target(
            report,
            &lever.value.target,
            known.taxonomy,
            &format!("{field}.target"),
        ) {
            multipliers.push((t, multiply.value));
        }
    }
    let mut off_targets = Vec::new();
    for (o, entry) in entry.off.iter().flatten().enumerate() {
        if let Some(t) = target(report, entry, known.taxonomy, &format!("{field}.off[{o}]")) {
            off_targets.push(t);
        }
    }
    let (issues, actions) = known.taxonomy.unwrap_or_default();
    let levers = actions
        .iter()
        .map(|action| {
            let base = issues
                .get(action.taxonomy_at.0)
                .and_then(|i| Some((i.lever, i.groups.get(action.taxonomy_at.1)?.lever)))
                .map_or(action.lever, |(i, g)| i * g * action.lever);
            multipliers
                .iter()
                .filter(|(t, _)| t.matches(action))
                .fold(base, |lever, (_, m)| lever * m)
        })
        .collect();
    let off: Vec<bool> = actions
        .iter()
        .map(|action| off_targets.iter().any(|t| t.matches(action)))
        .collect();
    let off_actions = actions
        .iter()
        .zip(&off)
        .filter(|(_, off)| **off)
        .map(|(a, _)| a.id.clone())
        .collect();
    (report.errors.len() == n_errors).then(|| Challenger {
        name: entry.name.value.clone(),
        description: entry.description.clone().unwrap_or_default(),
        share,
        arbitration,
        levers,
        off,
        off_actions,
    })
}

/// A challenger's share: strictly between 0 and 1; 0 after reporting anything else.
fn share(report: &mut Report<'_, '_>, value: &Spanned<ShareValue>, field: &str) -> f64 {
    let found = match &value.value {
        ShareValue::Number(share) if *share > 0.0 && *share < 1.0 => return *share,
        ShareValue::Number(share) => share.to_string(),
        ShareValue::Other(text) => text.clone(),
    };
    report.at(
        &value.referenced,
        format!("{field}.share"),
        StrategyErrorKind::InvalidValue,
        format!(
            "share must be a number strictly between 0 and 1, the fraction of the experiment's customers who get this challenger; found {found}"
        ),
    );
    0.0
}

/// RFC 3339 (`2026-12-01T08:00:00+02:00`) or a date (`2026-12-01`, midnight UTC).
fn time(report: &mut Report<'_, '_>, text: &Spanned<String>, field: &str) -> Option<Timestamp> {
    let value = text.value.trim();
    if let Ok(at) = value.parse::<Timestamp>() {
        return Some(at);
    }
    let date = value
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok());
    if let Some(zoned) = date {
        return Some(zoned.timestamp());
    }
    report.at(
        &text.referenced,
        field.to_owned(),
        StrategyErrorKind::InvalidValue,
        format!(
            "`{value}` is not a time: write RFC 3339 (2026-12-01T08:00:00+02:00) or a date (2026-12-01, midnight UTC)"
        ),
    );
    None
}

fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// An experiment that an earlier one (everyone, no `where`) takes every decision from, for
/// its whole run, never gets traffic: reported at the later one's name.
fn shadowed(report: &mut Report<'_, '_>, list: &[(&Spanned<ExperimentEntry>, Experiment)]) {
    let start = |e: &Experiment| e.stages.first().map(|s| s.from);
    for (j, (entry, later)) in list.iter().enumerate() {
        for (_, earlier) in &list[..j] {
            if earlier.segment.is_some() {
                continue;
            }
            // From when the earlier one takes everyone (its first stage that reaches everyone,
            // or always without a roll-out) until it stops.
            let takes_all_from = if earlier.stages.is_empty() {
                Some(None)
            } else {
                earlier
                    .stages
                    .iter()
                    .find(|s| s.reaches_everyone())
                    .map(|s| Some(s.from))
            };
            let Some(takes_all_from) = takes_all_from else {
                continue;
            };
            let begins_after = match (takes_all_from, start(later)) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(t), Some(s)) => s >= t,
            };
            let ends_before = match (earlier.until, later.until) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(e), Some(l)) => l <= e,
            };
            if begins_after && ends_before {
                report.at(
                    &entry.value.name.referenced,
                    format!("experiments[{j}].name"),
                    StrategyErrorKind::InvalidValue,
                    format!(
                        "experiment `{}` would never run: `{}`, earlier in the file, takes every decision for all of its run (a decision is in the first experiment that reaches it); narrow the earlier one with `where` or a roll-out, or end it with `until`",
                        later.name, earlier.name
                    ),
                );
                break;
            }
        }
    }
}
