//! Semantic checks on the parsed files, turning them into a [`Strategy`]: ids unique and
//! well-formed, references resolved, values in range, rules compiled. Every defect is
//! recorded; a part whose file did not parse is skipped rather than reported twice.

mod action;
mod contact;
mod experiments;
mod follow_up;
mod language;
mod measures;
mod menu;
mod models;
mod profile;
mod report;
mod reports;
mod targets;
mod treatment;
mod trials;
mod trigger;

use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::profile::ProfileSchema;
use crate::raw::{
    ActionsFile, ChannelsFile, ContactFile, DirectionEntry, ExperimentsFile, ModelsFile,
    ProfileFile, ReportsFile, StrategyFile, TriggersFile,
};
use crate::strategy::{Arbitration, Channel, Group, Issue, Strategy};
use action::{ActionContext, action};
use concord_model::{ChannelId, Direction};
use report::{Report, check_id, check_unique};
use std::collections::HashMap;

const DEFAULT_LIMIT: usize = 3;

pub(crate) struct Parsed<'a> {
    pub(crate) strategy: Option<(&'a Source, StrategyFile)>,
    pub(crate) channels: Option<(&'a Source, ChannelsFile)>,
    pub(crate) profile: Option<(&'a Source, ProfileFile)>,
    pub(crate) triggers: Option<(&'a Source, TriggersFile)>,
    pub(crate) contact: Option<(&'a Source, ContactFile)>,
    /// False when contact.yaml exists but did not parse (the strategy fails either way).
    pub(crate) contact_complete: bool,
    pub(crate) models: Option<(&'a Source, ModelsFile)>,
    pub(crate) models_complete: bool,
    pub(crate) experiments: Option<(&'a Source, ExperimentsFile)>,
    pub(crate) experiments_complete: bool,
    pub(crate) reports: Option<(&'a Source, ReportsFile)>,
    pub(crate) reports_complete: bool,
    pub(crate) actions: Vec<(&'a Source, ActionsFile)>,
    /// False when some actions file did not parse: its issues are unknown, so references to
    /// issues can't be checked without false alarms.
    pub(crate) actions_complete: bool,
}

pub(crate) fn validate(
    parsed: Parsed<'_>,
    hash: String,
    errors: &mut Vec<StrategyError>,
) -> Option<Strategy> {
    let (meta, language_entry) = match parsed.strategy {
        Some((source, mut file)) => {
            let language = file.language.take().map(|entry| (source, entry));
            (
                Some((source, strategy_meta(source, file, errors))),
                language,
            )
        }
        None => (None, None),
    };
    let (mut channels, pending_defaults, pending_menus) = match parsed.channels {
        Some((source, file)) => {
            let menus = menu::pending(&file);
            let (channels, pending) = channels(source, file, errors);
            (Some(channels), Some((source, pending)), menus)
        }
        None => (None, None, Vec::new()),
    };
    let profile = parsed
        .profile
        .map(|(source, file)| profile::profile(source, &file, errors));
    if let (Some(channels), Some((source, (_, consents))), Some(profile)) =
        (&mut channels, &pending_defaults, &profile)
    {
        resolve_consents(source, channels, consents, profile, errors);
    }
    let issues = issues(&parsed.actions, profile.as_ref(), errors);
    let context = ActionContext {
        channels: channels.as_deref(),
        profile: profile.as_ref(),
        issues: parsed.actions_complete.then_some(issues.as_slice()),
        languages: match (&meta, &language_entry) {
            (None, _) => treatment::Languages::Unknown,
            (Some(_), None) => treatment::Languages::Off,
            (Some(_), Some((_, entry))) => treatment::Languages::Default(&entry.default.value),
        },
    };
    let mut actions = Vec::new();
    let mut seen = HashMap::new();
    for (source, file) in &parsed.actions {
        let mut report = Report { source, errors };
        for (idx, entry) in file.actions.iter().enumerate() {
            let field = format!("actions[{idx}]");
            if let Some(action) = action(&mut report, &context, &mut seen, &entry.value, &field) {
                actions.push(action);
            }
        }
    }
    let declares_none = parsed
        .actions
        .iter()
        .all(|(_, file)| file.actions.is_empty());
    if declares_none
        && parsed.actions_complete
        && let Some((source, _)) = parsed.actions.first()
    {
        Report { source, errors }.at_position(
            1,
            1,
            String::new(),
            StrategyErrorKind::InvalidValue,
            "the strategy declares no actions".to_owned(),
        );
    }
    let triggers = match parsed.triggers {
        Some((source, file)) => {
            trigger::triggers(source, &file, channels.as_deref(), profile.as_ref(), errors)
        }
        None => Some(Vec::new()),
    };
    // Each action learns where its issue and group sit, so lookups during decisions are O(1).
    for action in &mut actions {
        action.taxonomy_at = issues
            .iter()
            .enumerate()
            .find(|(_, i)| i.id == action.issue)
            .and_then(|(i, issue)| {
                let g = issue.groups.iter().position(|g| g.id == action.group)?;
                Some((i, g))
            })
            .unwrap_or((usize::MAX, usize::MAX));
    }
    if let (Some(channels), Some((source, (pending, _)))) = (&channels, &pending_defaults)
        && parsed.actions_complete
    {
        check_defaults(source, channels, pending, &actions, errors);
    }
    if let (Some(channels), Some((source, _))) = (&mut channels, &pending_defaults)
        && parsed.actions_complete
    {
        menu::resolve(
            source,
            channels,
            &pending_menus,
            profile.as_ref(),
            &actions,
            errors,
        );
    }
    if let Some(channels) = &channels {
        for action in &mut actions {
            action.channel_mask = channels
                .iter()
                .take(64)
                .enumerate()
                .filter(|(_, c)| action.treatments.contains_key(&c.id))
                .fold(0, |mask, (i, _)| mask | 1 << i);
        }
    }
    let mut by_id: Vec<usize> = (0..actions.len()).collect();
    by_id.sort_by(|&a, &b| actions[a].id.cmp(&actions[b].id));
    for (rank, &index) in by_id.iter().enumerate() {
        actions[index].id_rank = u32::try_from(rank).unwrap_or(u32::MAX);
    }
    // What contact.yaml and models.yaml are checked against.
    let known = contact::Known {
        channels: channels.as_deref(),
        profile: profile.as_ref(),
        taxonomy: parsed
            .actions_complete
            .then_some((issues.as_slice(), actions.as_slice())),
    };
    let contact = match &parsed.contact {
        Some((source, file)) => contact::contact_policy(source, file, &known, errors),
        None => parsed.contact_complete.then(Default::default),
    };
    let models = match &parsed.models {
        Some((source, file)) => models::models(source, file, &known, errors),
        None => parsed.models_complete.then(Default::default),
    };
    let control_arms = match &parsed.experiments {
        Some((source, file)) => experiments::control_arms(source, file, errors),
        None => parsed.experiments_complete.then(Default::default),
    };
    let arm_outcomes = match &parsed.experiments {
        Some((source, file)) => experiments::arm_outcomes(source, file, profile.as_ref(), errors),
        None => parsed.experiments_complete.then(Vec::new),
    };
    let reports = match &parsed.reports {
        Some((source, file)) => reports::reports(source, file, profile.as_ref(), errors),
        None => parsed.reports_complete.then(Vec::new),
    };
    let language = match &language_entry {
        None => Some(None),
        Some((source, entry)) => {
            language::language(source, entry, profile.as_ref(), errors).map(Some)
        }
    };
    let (source, (name, version, description, arbitration, default_limit, rules)) = meta?;
    let experiments = match &parsed.experiments {
        Some((experiments_source, file)) => trials::experiments(
            experiments_source,
            file,
            &trials::Known {
                profile: profile.as_ref(),
                taxonomy: parsed
                    .actions_complete
                    .then_some((issues.as_slice(), actions.as_slice())),
                arbitration,
            },
            errors,
        ),
        None => parsed.experiments_complete.then(Default::default),
    };
    let (weights, suppression_entries, time_zone_entry) = rules;
    let time_zone = match (&time_zone_entry, &profile) {
        (Some(entry), Some(profile)) => Some(targets::time_zone(source, entry, profile, errors)?),
        _ => None,
    };
    let (context_weights, suppressions) = targets::rules(
        source,
        (weights, suppression_entries),
        profile.as_ref(),
        parsed
            .actions_complete
            .then_some((issues.as_slice(), actions.as_slice())),
        errors,
    )?;
    Some(Strategy {
        name,
        version,
        description,
        arbitration,
        default_limit,
        channels: channels?,
        issues,
        profile: profile?,
        triggers: triggers?,
        context_weights,
        suppressions,
        time_zone,
        language: language?,
        contact: contact?,
        models: models?,
        control_arms: control_arms?,
        arm_outcomes: arm_outcomes?,
        experiments: experiments?,
        reports: reports?,
        action_index: actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.0.clone(), i))
            .collect(),
        actions,
        hash,
    })
}

type Meta = (
    String,
    String,
    String,
    Arbitration,
    usize,
    targets::RawRules,
);

fn strategy_meta(source: &Source, file: StrategyFile, errors: &mut Vec<StrategyError>) -> Meta {
    let mut report = Report { source, errors };
    for (value, field) in [(&file.name, "name"), (&file.version, "version")] {
        if value.value.trim().is_empty() {
            report.at(
                &value.referenced,
                field.to_owned(),
                StrategyErrorKind::InvalidValue,
                format!("{field} must not be empty"),
            );
        }
    }
    let default_limit = match &file.default_limit {
        Some(limit) if limit.value == 0 => {
            report.at(
                &limit.referenced,
                "default_limit".to_owned(),
                StrategyErrorKind::InvalidValue,
                "default_limit must be at least 1".to_owned(),
            );
            DEFAULT_LIMIT
        }
        Some(limit) => limit.value as usize,
        None => DEFAULT_LIMIT,
    };
    let max_per_group = match &file.arbitration.max_per_group {
        Some(max) if max.value == 0 => {
            report.at(
                &max.referenced,
                "arbitration.max_per_group".to_owned(),
                StrategyErrorKind::InvalidValue,
                "max_per_group must be at least 1".to_owned(),
            );
            None
        }
        Some(max) => Some(max.value as usize),
        None => None,
    };
    let arbitration = Arbitration {
        use_propensity: file.arbitration.use_propensity,
        use_value: file.arbitration.use_value,
        use_context: file.arbitration.use_context,
        use_levers: file.arbitration.use_levers,
        max_per_group,
    };
    (
        file.name.value,
        file.version.value,
        file.description,
        arbitration,
        default_limit,
        (file.context_weights, file.suppressions, file.time_zone),
    )
}

/// A breaker's default actions, to check once every action is known: the channel's position,
/// the field path, and the ids as written.
type PendingDefaults = (
    Vec<(usize, String, Vec<serde_saphyr::Spanned<String>>)>,
    Vec<(usize, String, serde_saphyr::Spanned<String>)>,
);

fn channels(
    source: &Source,
    file: ChannelsFile,
    errors: &mut Vec<StrategyError>,
) -> (Vec<Channel>, PendingDefaults) {
    let mut report = Report { source, errors };
    let mut seen = HashMap::new();
    let mut channels = Vec::new();
    let mut pending = Vec::new();
    let mut consents = Vec::new();
    for (idx, entry) in file.channels.into_iter().enumerate() {
        let entry = entry.value;
        check_id(
            &mut report,
            &entry.id,
            format!("channels[{idx}].id"),
            "channel",
        );
        let is_new = check_unique(
            &mut report,
            &mut seen,
            &entry.id,
            format!("channels[{idx}].id"),
            "channel",
        );
        if entry.max_actions.value == 0 {
            report.at(
                &entry.max_actions.referenced,
                format!("channels[{idx}].max_actions"),
                StrategyErrorKind::InvalidValue,
                "max_actions must be at least 1".to_owned(),
            );
        }
        let mut placements = std::collections::BTreeMap::new();
        for (name, size) in &entry.placements.0 {
            let at = format!("channels[{idx}].placements.{}", name.value);
            if size.value == 0 || size.value > entry.max_actions.value {
                report.at(
                    &size.referenced,
                    at,
                    StrategyErrorKind::InvalidValue,
                    format!(
                        "a placement shows 1 to max_actions ({}) actions, found {}",
                        entry.max_actions.value, size.value
                    ),
                );
            } else if placements
                .insert(name.value.clone(), size.value as usize)
                .is_some()
            {
                report.at(
                    &name.referenced,
                    at,
                    StrategyErrorKind::Duplicate,
                    format!("placement `{}` is declared twice", name.value),
                );
            }
        }
        let breaker = entry
            .breaker
            .as_ref()
            .and_then(|b| breaker(&mut report, b, &format!("channels[{idx}].breaker")));
        let quiet_hours = entry.quiet_hours.as_ref().and_then(|q| {
            let at = format!("channels[{idx}].quiet_hours");
            let from = clock_minute(&mut report, &q.from, &format!("{at}.from"));
            let to = clock_minute(&mut report, &q.to, &format!("{at}.to"));
            Some(crate::strategy::QuietHours {
                from: from?,
                to: to?,
            })
        });
        let cost = match &entry.cost {
            Some(cost) if !(cost.value.is_finite() && cost.value >= 0.0) => {
                report.at(
                    &cost.referenced,
                    format!("channels[{idx}].cost"),
                    StrategyErrorKind::InvalidValue,
                    format!("cost must be a number >= 0, found {}", cost.value),
                );
                0.0
            }
            Some(cost) => cost.value,
            None => 0.0,
        };
        if is_new && let Some(consent) = &entry.consent {
            consents.push((
                channels.len(),
                format!("channels[{idx}].consent"),
                consent.clone(),
            ));
        }
        if is_new && let Some(b) = &entry.breaker {
            pending.push((
                channels.len(),
                format!("channels[{idx}].breaker.defaults"),
                b.defaults.clone(),
            ));
        }
        if is_new {
            channels.push(Channel {
                id: ChannelId::new(entry.id.value),
                name: entry.name,
                direction: match entry.direction {
                    DirectionEntry::Inbound => Direction::Inbound,
                    DirectionEntry::Outbound => Direction::Outbound,
                },
                max_actions: entry.max_actions.value as usize,
                placements,
                breaker,
                consent: None,
                quiet_hours,
                cost,
                afford: None,
                fallback: Vec::new(),
                menu: None,
                follow_up: None,
            });
        }
    }
    if channels.is_empty() {
        report.at_position(
            1,
            1,
            "channels".to_owned(),
            StrategyErrorKind::InvalidValue,
            "declare at least one channel".to_owned(),
        );
    }
    (channels, (pending, consents))
}

/// `HH:MM` on a 24-hour clock, as minutes after midnight.
fn clock_minute(
    report: &mut Report<'_, '_>,
    text: &serde_saphyr::Spanned<String>,
    field: &str,
) -> Option<u16> {
    let parsed = text.value.trim().split_once(':').and_then(|(h, m)| {
        let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
        (h < 24 && m < 60 && text.value.trim().len() == 5).then_some(h * 60 + m)
    });
    if parsed.is_none() {
        report.at(
            &text.referenced,
            field.to_owned(),
            StrategyErrorKind::InvalidValue,
            format!(
                "`{}` is not a time of day: write HH:MM, e.g. 21:00",
                text.value
            ),
        );
    }
    parsed
}

/// Each channel's consent attribute must be a declared bool attribute.
fn resolve_consents(
    source: &Source,
    channels: &mut [Channel],
    consents: &[(usize, String, serde_saphyr::Spanned<String>)],
    profile: &ProfileSchema,
    errors: &mut Vec<StrategyError>,
) {
    let mut report = Report { source, errors };
    for (index, field, name) in consents {
        match profile.attribute_at(&name.value) {
            Some((at, crate::profile::ValueType::Bool)) => {
                if let Some(channel) = channels.get_mut(*index) {
                    channel.consent = Some(crate::rule::Var::Attribute {
                        index: at,
                        name: name.value.clone(),
                    });
                }
            }
            Some((_, other)) => report.at(
                &name.referenced,
                field.clone(),
                StrategyErrorKind::InvalidValue,
                format!(
                    "consent attribute `{}` is a {}, it must be a bool",
                    name.value,
                    other.as_str()
                ),
            ),
            None => report.at(
                &name.referenced,
                field.clone(),
                StrategyErrorKind::UnknownReference,
                format!(
                    "unknown attribute `{}` (profile.yaml attributes declares the consent flags)",
                    name.value
                ),
            ),
        }
    }
}

/// Each breaker default must be a declared action with a treatment in its channel.
fn check_defaults(
    source: &Source,
    channels: &[Channel],
    pending: &[(usize, String, Vec<serde_saphyr::Spanned<String>>)],
    actions: &[crate::strategy::Action],
    errors: &mut Vec<StrategyError>,
) {
    let mut report = Report { source, errors };
    for (index, field, defaults) in pending {
        let Some(channel) = channels.get(*index) else {
            continue;
        };
        for (k, id) in defaults.iter().enumerate() {
            let problem = match actions.iter().find(|a| a.id.as_str() == id.value) {
                None => Some(format!("unknown action `{}`", id.value)),
                Some(action) if !action.treatments.contains_key(&channel.id) => Some(format!(
                    "action `{}` has no treatment in channel {}",
                    id.value, channel.id
                )),
                // No funnel runs while the breaker is open: nothing fills a placeholder.
                Some(action)
                    if action
                        .treatments
                        .get(&channel.id)
                        .is_some_and(|t| !t.template.is_plain() || t.has_languages()) =>
                {
                    Some(format!(
                        "action `{}`'s treatment in {} has placeholders or languages; a breaker default is shown as written, with no decision to fill them",
                        id.value, channel.id
                    ))
                }
                // No funnel runs while the breaker is open, so no price is chosen per customer.
                Some(action) if action.price.as_ref().is_some_and(|p| p.min != p.max) => {
                    Some(format!(
                        "action `{}` is priced per customer (price min {} < max {}); a breaker default needs a fixed price (min = max)",
                        id.value,
                        action.price.as_ref().map_or(0.0, |p| p.min),
                        action.price.as_ref().map_or(0.0, |p| p.max)
                    ))
                }
                Some(_) => None,
            };
            if let Some(message) = problem {
                report.at(
                    &id.referenced,
                    format!("{field}[{k}]"),
                    StrategyErrorKind::UnknownReference,
                    message,
                );
            }
        }
    }
}

/// A breaker's numbers; its default actions are checked once the actions are known.
fn breaker(
    report: &mut Report<'_, '_>,
    entry: &crate::raw::BreakerEntry,
    field: &str,
) -> Option<crate::strategy::Breaker> {
    let n_errors = report.errors.len();
    let budget = &entry.budget_ms;
    if !budget.value.is_finite() || budget.value <= 0.0 {
        report.at(
            &budget.referenced,
            format!("{field}.budget_ms"),
            StrategyErrorKind::InvalidValue,
            format!("budget_ms must be a number > 0, found {}", budget.value),
        );
    }
    let overruns = match &entry.overruns {
        Some(n) if n.value == 0 => {
            report.at(
                &n.referenced,
                format!("{field}.overruns"),
                StrategyErrorKind::InvalidValue,
                "overruns must be at least 1".to_owned(),
            );
            1
        }
        Some(n) => n.value,
        None => 5,
    };
    let cooldown_ms = match &entry.cooldown {
        Some(text) => match profile::parse_duration(&text.value) {
            Ok(ms) => ms,
            Err(message) => {
                report.at(
                    &text.referenced,
                    format!("{field}.cooldown"),
                    StrategyErrorKind::InvalidValue,
                    message,
                );
                0
            }
        },
        None => 30_000,
    };
    if entry.defaults.is_empty() {
        report.at_position(
            1,
            1,
            format!("{field}.defaults"),
            StrategyErrorKind::InvalidValue,
            "a breaker needs at least one default action to answer with".to_owned(),
        );
    }
    (report.errors.len() == n_errors).then(|| crate::strategy::Breaker {
        budget_ms: budget.value,
        overruns,
        cooldown_ms,
        defaults: entry
            .defaults
            .iter()
            .map(|d| concord_model::ActionId::new(d.value.clone()))
            .collect(),
    })
}

/// Issues and their groups from every actions file; ids unique across the folder.
fn issues(
    files: &[(&Source, ActionsFile)],
    profile: Option<&ProfileSchema>,
    errors: &mut Vec<StrategyError>,
) -> Vec<Issue> {
    let mut seen = HashMap::new();
    let mut issues = Vec::new();
    for (source, file) in files {
        let mut report = Report { source, errors };
        for (idx, entry) in file.issues.iter().enumerate() {
            let entry = &entry.value;
            let field = format!("issues[{idx}].id");
            check_id(&mut report, &entry.id, field.clone(), "issue");
            if !check_unique(&mut report, &mut seen, &entry.id, field, "issue") {
                continue;
            }
            let mut seen_groups = HashMap::new();
            let mut groups = Vec::new();
            for (group_idx, group) in entry.groups.iter().enumerate() {
                let group = &group.value;
                let field = format!("issues[{idx}].groups[{group_idx}].id");
                check_id(&mut report, &group.id, field.clone(), "group");
                let at = format!("issues[{idx}].groups[{group_idx}]");
                let policies = action::policies(
                    &mut report,
                    profile,
                    [&group.eligibility, &group.applicability, &group.suitability],
                    &at,
                );
                let lever = action::lever(&mut report, group.lever.as_ref(), &at);
                if check_unique(&mut report, &mut seen_groups, &group.id, field, "group") {
                    groups.push(Group {
                        id: group.id.value.clone(),
                        name: group.name.clone(),
                        policies,
                        lever,
                    });
                }
            }
            let at = format!("issues[{idx}]");
            let policies = action::policies(
                &mut report,
                profile,
                [&entry.eligibility, &entry.applicability, &entry.suitability],
                &at,
            );
            let lever = action::lever(&mut report, entry.lever.as_ref(), &at);
            issues.push(Issue {
                id: entry.id.value.clone(),
                name: entry.name.clone(),
                policies,
                lever,
                groups,
            });
        }
    }
    issues
}
