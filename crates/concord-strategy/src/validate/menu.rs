//! channels.yaml's `afford`, `fallback`, `menu` and `follow_up` (`follow_up.rs`) (checked once the profile and the actions
//! are known): `afford` a number formula over the profile, `fallback` actions with a
//! treatment in the channel and no per-customer price, a menu's page size (40-182
//! characters), timeout and placement.

use super::report::Report;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::{ChannelsFile, FollowUpEntry, MenuEntry};
use crate::rule::Rule;
use crate::strategy::{Action, Channel, Menu};
use serde_saphyr::Spanned;

/// A channel's `afford`, `fallback` and `menu` as written, by channel id and entry position.
pub(super) struct Pending {
    channel: String,
    index: usize,
    afford: Option<Spanned<String>>,
    fallback: Vec<Spanned<String>>,
    menu: Option<MenuEntry>,
    follow_up: Option<FollowUpEntry>,
}

pub(super) fn pending(file: &ChannelsFile) -> Vec<Pending> {
    file.channels
        .iter()
        .enumerate()
        .map(|(index, entry)| Pending {
            channel: entry.value.id.value.clone(),
            index,
            afford: entry.value.afford.clone(),
            fallback: entry.value.fallback.clone().unwrap_or_default(),
            menu: entry.value.menu.clone(),
            follow_up: entry.value.follow_up.clone(),
        })
        .filter(|p| {
            p.afford.is_some()
                || !p.fallback.is_empty()
                || p.menu.is_some()
                || p.follow_up.is_some()
        })
        .collect()
}

pub(super) fn resolve(
    source: &Source,
    channels: &mut [Channel],
    pending: &[Pending],
    profile: Option<&ProfileSchema>,
    actions: &[Action],
    errors: &mut Vec<StrategyError>,
) {
    let mut report = Report { source, errors };
    let directions: Vec<_> = channels
        .iter()
        .map(|c| (c.id.clone(), c.direction))
        .collect();
    for p in pending {
        let Some(channel) = channels.iter_mut().find(|c| c.id.as_str() == p.channel) else {
            continue;
        };
        let field = format!("channels[{}]", p.index);
        if let (Some(afford), Some(schema)) = (&p.afford, profile) {
            let at = format!("{field}.afford");
            match Rule::compile_expression(afford.value.trim(), schema) {
                Ok((rule, ValueType::Number)) => channel.afford = Some(rule),
                Ok((_, other)) => report.at(
                    &afford.referenced,
                    at,
                    StrategyErrorKind::InvalidValue,
                    format!(
                        "`{}` is a {other:?} expression; afford is an amount of money (a number)",
                        afford.value
                    ),
                ),
                Err(err) => {
                    super::profile::rule_error(&mut report, afford, afford.value.trim(), err, at)
                }
            }
        }
        if channel.direction == concord_model::Direction::Outbound
            && let Some(first) = p.fallback.first()
        {
            report.at(
                &first.referenced,
                format!("{field}.fallback"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "fallback fills inbound placements only; {} is outbound, where a contact must be an action that qualified",
                    channel.id
                ),
            );
        }
        for (k, id) in p.fallback.iter().enumerate() {
            let position = actions.iter().position(|a| a.id.as_str() == id.value);
            let problem = match position.map(|i| &actions[i]) {
                None => Some(format!("unknown action `{}`", id.value)),
                Some(action) if !action.treatments.contains_key(&channel.id) => Some(format!(
                    "action `{}` has no treatment in channel {}",
                    id.value, channel.id
                )),
                Some(action) if action.price.as_ref().is_some_and(|r| r.min != r.max) => {
                    Some(format!(
                        "action `{}` is priced per customer; a fallback needs a fixed price (min = max) or none",
                        id.value
                    ))
                }
                Some(_) => None,
            };
            match (problem, position) {
                (Some(message), _) => report.at(
                    &id.referenced,
                    format!("{field}.fallback[{k}]"),
                    StrategyErrorKind::UnknownReference,
                    message,
                ),
                (None, Some(i)) => channel.fallback.push(i),
                (None, None) => {}
            }
        }
        if let Some(entry) = &p.menu {
            channel.menu = menu(&mut report, entry, &format!("{field}.menu"), channel);
        }
        if let Some(entry) = &p.follow_up {
            channel.follow_up = super::follow_up::resolve(
                &mut report,
                entry,
                &format!("{field}.follow_up"),
                channel.direction,
                &directions,
                profile,
            );
        }
    }
}

fn menu(
    report: &mut Report<'_, '_>,
    entry: &MenuEntry,
    field: &str,
    channel: &Channel,
) -> Option<Menu> {
    let n_errors = report.errors.len();
    if entry.title.trim().is_empty() {
        report.at_position(
            1,
            1,
            format!("{field}.title"),
            StrategyErrorKind::InvalidValue,
            "a menu needs a title (the first line of every page)".to_owned(),
        );
    }
    let page_chars = match &entry.page_chars {
        Some(n) if !(40..=Menu::MAX_PAGE_CHARS as u32).contains(&n.value) => {
            report.at(
                &n.referenced,
                format!("{field}.page_chars"),
                StrategyErrorKind::InvalidValue,
                format!(
                    "page_chars must be 40 to {} (USSD shows at most {} characters a page), found {}",
                    Menu::MAX_PAGE_CHARS,
                    Menu::MAX_PAGE_CHARS,
                    n.value
                ),
            );
            Menu::MAX_PAGE_CHARS
        }
        Some(n) => n.value as usize,
        None => Menu::MAX_PAGE_CHARS,
    };
    if entry.title.chars().count() + 12 > page_chars {
        report.at_position(
            1,
            1,
            format!("{field}.title"),
            StrategyErrorKind::InvalidValue,
            format!("the title leaves no room for an option on a {page_chars}-character page"),
        );
    }
    let timeout_ms = match &entry.timeout {
        Some(text) => match super::profile::parse_duration(&text.value) {
            Ok(ms) if ms > 0 => ms,
            Ok(_) => {
                report.at(
                    &text.referenced,
                    format!("{field}.timeout"),
                    StrategyErrorKind::InvalidValue,
                    "timeout must be longer than 0".to_owned(),
                );
                0
            }
            Err(why) => {
                report.at(
                    &text.referenced,
                    format!("{field}.timeout"),
                    StrategyErrorKind::InvalidValue,
                    why,
                );
                0
            }
        },
        None => Menu::DEFAULT_TIMEOUT_MS,
    };
    if let Some(placement) = &entry.placement
        && !channel.placements.contains_key(&placement.value)
    {
        let known: Vec<&str> = channel.placements.keys().map(String::as_str).collect();
        report.at(
            &placement.referenced,
            format!("{field}.placement"),
            StrategyErrorKind::UnknownReference,
            format!(
                "unknown placement `{}` (channel {} has: {})",
                placement.value,
                channel.id,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        );
    }
    (report.errors.len() == n_errors).then(|| Menu {
        title: entry.title.trim().to_owned(),
        page_chars,
        timeout_ms,
        placement: entry.placement.as_ref().map(|p| p.value.clone()),
        accepted: entry
            .accepted
            .clone()
            .unwrap_or_else(|| Menu::DEFAULT_ACCEPTED.to_owned()),
        currency: entry.currency.clone().unwrap_or_default(),
    })
}
