//! channels.yaml's `follow_up`: after a response in an inbound channel, a text in an outbound
//! one per outcome. The channel must be outbound, the outcomes known, each text a template
//! whose placeholders exist (`{price}` and `{valid_until}` are allowed: a follow-up of an
//! action without them is not sent, never sent with a hole).

use super::report::Report;
use crate::error::StrategyErrorKind;
use crate::profile::ProfileSchema;
use crate::raw::FollowUpEntry;
use crate::strategy::FollowUp;
use crate::template::Checks;
use concord_model::{ChannelId, Direction, Outcome};

/// `entry` of the channel `from` (its direction), against the strategy's channels (id,
/// direction).
pub(super) fn resolve(
    report: &mut Report<'_, '_>,
    entry: &FollowUpEntry,
    field: &str,
    from: Direction,
    channels: &[(ChannelId, Direction)],
    profile: Option<&ProfileSchema>,
) -> Option<FollowUp> {
    let n_errors = report.errors.len();
    if from != Direction::Inbound {
        report.at(
            &entry.channel.referenced,
            format!("{field}.channel"),
            StrategyErrorKind::InvalidValue,
            "a follow-up answers a response in an inbound channel (the call centre, a store); this channel is outbound".to_owned(),
        );
    }
    let target = &entry.channel.value;
    match channels.iter().find(|(id, _)| id.as_str() == target) {
        None => report.at(
            &entry.channel.referenced,
            format!("{field}.channel"),
            StrategyErrorKind::UnknownReference,
            format!(
                "unknown channel `{target}` (channels: {})",
                channels
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Some((_, Direction::Inbound)) => report.at(
            &entry.channel.referenced,
            format!("{field}.channel"),
            StrategyErrorKind::InvalidValue,
            format!("`{target}` is inbound; a follow-up goes out through an outbound channel"),
        ),
        Some(_) => {}
    }
    let checks = Checks {
        profile,
        priced: true,
        valid: true,
    };
    let mut texts = Vec::new();
    for (outcome, text) in &entry.texts.0 {
        let at = format!("{field}.texts.{}", outcome.value);
        let Some(known) = Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == outcome.value)
        else {
            report.at(
                &outcome.referenced,
                at,
                StrategyErrorKind::InvalidValue,
                format!(
                    "unknown outcome `{}` (outcomes: accepted, declined, clicked, ignored)",
                    outcome.value
                ),
            );
            continue;
        };
        if let Some(template) = super::treatment::text(report, &checks, text, at) {
            texts.push((known, template));
        }
    }
    if texts.is_empty() && report.errors.len() == n_errors {
        report.at(
            &entry.channel.referenced,
            format!("{field}.texts"),
            StrategyErrorKind::InvalidValue,
            "a follow-up needs the text of at least one outcome (e.g. `accepted: ...`)".to_owned(),
        );
    }
    (report.errors.len() == n_errors).then(|| FollowUp {
        channel: ChannelId::new(target.as_str()),
        texts,
    })
}
