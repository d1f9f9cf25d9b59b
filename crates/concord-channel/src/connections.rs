//! The connections file: the systems Concord calls out to, by name (deployment settings, not
//! part of the strategy or its hash). Provisioning `endpoints` (the charging system) that
//! actions name in their `fulfilment`, each with its URL and retry policy.
//!
//! Outbound `sinks` (call-list files, webhooks, Kafka topics) and which sink each outbound
//! channel sends to (`channels`).
//!
//! ```yaml
//! endpoints:
//!   charging:
//!     url: http://charging.internal:8080/provision
//!     timeout: 2s        # each attempt (default 5s)
//!     attempts: 5        # in all (default 5, at most 20)
//!     backoff: 500ms     # before the second attempt, then doubling (default 1s)
//!     max_backoff: 30s   # (default 60s)
//! sinks:
//!   call_list:
//!     file: {dir: outbound, format: csv}   # relative to this file; csv or parquet
//!   sms_gateway:
//!     webhook: {url: http://sms.internal/send, attempts: 5, backoff: 1s, concurrency: 8}
//!   contacts_topic:
//!     kafka: {brokers: "kafka1:9092", topic: concord.contacts}
//! channels:
//!   outbound_call: call_list
//!   sms: sms_gateway
//! ```

use concord_sink::Retry;
use concord_strategy::yaml::{SpannedMap, path_at};
use concord_strategy::{Strategy, StrategyError, StrategyErrorKind, StrategyErrors};
use serde::Deserialize;
use serde_saphyr::{DefaultMessageFormatter, MessageFormatter, Spanned};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Most attempts an endpoint may make for one call.
pub const MAX_ATTEMPTS: u32 = 20;

/// The validated connections file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Connections {
    /// As it was named when loaded.
    pub file: String,
    pub endpoints: BTreeMap<String, Endpoint>,
    pub sinks: BTreeMap<String, SinkSpec>,
    /// Outbound channel id -> sink name.
    pub channels: BTreeMap<String, String>,
}

/// Where a sink sends.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkSpec {
    /// Call-list files in `dir`: one complete file per send, `<sink>-<time>-<seq>.<csv|parquet>`.
    File {
        dir: std::path::PathBuf,
        format: concord_sink::FileFormat,
    },
    Webhook {
        url: String,
        retry: Retry,
        concurrency: usize,
    },
    Kafka {
        brokers: String,
        topic: String,
        options: Vec<(String, String)>,
    },
}

/// A provisioning endpoint: where an accepted offer is fulfilled.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub name: String,
    pub url: String,
    pub retry: Retry,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    endpoints: SpannedMap<RawEndpoint>,
    #[serde(default)]
    sinks: SpannedMap<RawSink>,
    #[serde(default)]
    channels: SpannedMap<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSink {
    #[serde(default)]
    file: Option<RawFileSink>,
    #[serde(default)]
    webhook: Option<RawWebhook>,
    #[serde(default)]
    kafka: Option<RawKafka>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFileSink {
    dir: String,
    #[serde(default)]
    format: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: Spanned<String>,
    #[serde(default)]
    timeout: Option<Spanned<String>>,
    #[serde(default)]
    attempts: Option<Spanned<u32>>,
    #[serde(default)]
    backoff: Option<Spanned<String>>,
    #[serde(default)]
    max_backoff: Option<Spanned<String>>,
    #[serde(default)]
    concurrency: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKafka {
    brokers: String,
    topic: String,
    #[serde(default)]
    options: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoint {
    url: Spanned<String>,
    #[serde(default)]
    timeout: Option<Spanned<String>>,
    #[serde(default)]
    attempts: Option<Spanned<u32>>,
    #[serde(default)]
    backoff: Option<Spanned<String>>,
    #[serde(default)]
    max_backoff: Option<Spanned<String>>,
}

impl Connections {
    /// Reads and validates a connections file; errors name the file as `path` is written.
    pub fn load(path: &Path) -> Result<Connections, StrategyErrors> {
        let file = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut connections = Connections::parse(&file, &text)?;
                // File sinks' folders are relative to the connections file.
                let base = path.parent().unwrap_or(Path::new("."));
                for sink in connections.sinks.values_mut() {
                    if let SinkSpec::File { dir, .. } = sink
                        && dir.is_relative()
                    {
                        *dir = base.join(&*dir);
                    }
                }
                Ok(connections)
            }
            Err(err) => Err(StrategyErrors {
                errors: vec![StrategyError {
                    kind: StrategyErrorKind::File,
                    file,
                    line: 1,
                    column: 1,
                    field: String::new(),
                    message: format!("cannot read: {err}"),
                }],
            }),
        }
    }

    /// Validates connections YAML held in memory; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Connections, StrategyErrors> {
        let raw = serde_saphyr::from_str::<RawFile>(text).map_err(|err| {
            let (line, column) = err
                .location()
                .filter(|loc| loc.line() > 0)
                .map_or((1, 1), |loc| (loc.line(), loc.column().max(1)));
            let message = DefaultMessageFormatter
                .format_message(err.without_snippet())
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            StrategyErrors {
                errors: vec![StrategyError {
                    kind: StrategyErrorKind::Syntax,
                    file: file.to_owned(),
                    line,
                    column,
                    field: path_at(text, line, column),
                    message,
                }],
            }
        })?;
        let mut errors = Vec::new();
        let mut at = |kind, line: u64, column: u64, field: String, message: String| {
            errors.push(StrategyError {
                kind,
                file: file.to_owned(),
                line,
                column,
                field,
                message,
            });
        };
        let mut endpoints = BTreeMap::new();
        for (name, entry) in raw.endpoints.0 {
            let field = format!("endpoints.{}", name.value);
            let (line, column) = (name.referenced.line(), name.referenced.column());
            named(
                &mut at,
                "endpoint",
                &name,
                &field,
                endpoints.contains_key(&name.value),
            );
            url(&mut at, &entry.url, format!("{field}.url"));
            let retry = retry(
                &mut at,
                &field,
                (line, column),
                [&entry.timeout, &entry.backoff, &entry.max_backoff],
                entry.attempts.as_ref(),
            );
            endpoints.insert(
                name.value.clone(),
                Endpoint {
                    name: name.value,
                    url: entry.url.value,
                    retry,
                },
            );
        }
        let mut sinks = BTreeMap::new();
        for (name, entry) in raw.sinks.0 {
            let field = format!("sinks.{}", name.value);
            let (line, column) = (name.referenced.line(), name.referenced.column());
            named(
                &mut at,
                "sink",
                &name,
                &field,
                sinks.contains_key(&name.value),
            );
            let kinds = usize::from(entry.file.is_some())
                + usize::from(entry.webhook.is_some())
                + usize::from(entry.kafka.is_some());
            if kinds != 1 {
                at(
                    StrategyErrorKind::InvalidValue,
                    line,
                    column,
                    field.clone(),
                    "a sink is exactly one of `file`, `webhook` or `kafka`".to_owned(),
                );
                continue;
            }
            let spec = if let Some(file) = entry.file {
                let format = match file.format.as_ref().map(|f| f.value.as_str()) {
                    None | Some("csv") => concord_sink::FileFormat::Csv,
                    Some("parquet") => concord_sink::FileFormat::Parquet,
                    Some(other) => {
                        let (l, c) = file.format.as_ref().map_or((line, column), |f| {
                            (f.referenced.line(), f.referenced.column())
                        });
                        at(
                            StrategyErrorKind::InvalidValue,
                            l,
                            c,
                            format!("{field}.file.format"),
                            format!("format `{other}`: use csv or parquet"),
                        );
                        concord_sink::FileFormat::Csv
                    }
                };
                SinkSpec::File {
                    dir: std::path::PathBuf::from(file.dir),
                    format,
                }
            } else if let Some(hook) = entry.webhook {
                url(&mut at, &hook.url, format!("{field}.webhook.url"));
                let webhook_field = format!("{field}.webhook");
                let retry = retry(
                    &mut at,
                    &webhook_field,
                    (line, column),
                    [&hook.timeout, &hook.backoff, &hook.max_backoff],
                    hook.attempts.as_ref(),
                );
                if let Some(c) = &hook.concurrency
                    && !(1..=256).contains(&c.value)
                {
                    at(
                        StrategyErrorKind::InvalidValue,
                        c.referenced.line(),
                        c.referenced.column(),
                        format!("{webhook_field}.concurrency"),
                        format!("concurrency must be 1 to 256, found {}", c.value),
                    );
                }
                SinkSpec::Webhook {
                    url: hook.url.value,
                    retry,
                    concurrency: hook.concurrency.as_ref().map_or(8, |c| c.value as usize),
                }
            } else if let Some(kafka) = entry.kafka {
                SinkSpec::Kafka {
                    brokers: kafka.brokers,
                    topic: kafka.topic,
                    options: kafka.options.into_iter().collect(),
                }
            } else {
                continue;
            };
            sinks.insert(name.value, spec);
        }
        let mut channels = BTreeMap::new();
        for (channel, sink) in raw.channels.0 {
            if !sinks.contains_key(&sink.value) {
                at(
                    StrategyErrorKind::UnknownReference,
                    sink.referenced.line(),
                    sink.referenced.column(),
                    format!("channels.{}", channel.value),
                    format!(
                        "no sink `{}` (sinks: {})",
                        sink.value,
                        if sinks.is_empty() {
                            "none".to_owned()
                        } else {
                            sinks.keys().cloned().collect::<Vec<_>>().join(", ")
                        }
                    ),
                );
            }
            channels.insert(channel.value, sink.value);
        }
        errors.sort_by_key(|e| (e.line, e.column));
        if errors.is_empty() {
            Ok(Connections {
                file: file.to_owned(),
                endpoints,
                sinks,
                channels,
            })
        } else {
            Err(StrategyErrors { errors })
        }
    }

    /// Every action of `strategy` whose `fulfilment` names an endpoint this file lacks: one
    /// error each (at the connections file, naming the action and the endpoints defined).
    pub fn check(&self, strategy: &Strategy) -> Result<(), StrategyErrors> {
        let file = if self.file.is_empty() {
            "(no connections file)".to_owned()
        } else {
            self.file.clone()
        };
        let routes = self.channels.keys().filter_map(|channel| {
            let outbound = strategy
                .channel(channel)
                .is_some_and(|c| c.direction == concord_model::Direction::Outbound);
            (!outbound).then(|| StrategyError {
                kind: StrategyErrorKind::UnknownReference,
                file: file.clone(),
                line: 1,
                column: 1,
                field: format!("channels.{channel}"),
                message: format!(
                    "`{channel}` is not an outbound channel of the strategy (outbound: {})",
                    strategy
                        .channels()
                        .iter()
                        .filter(|c| c.direction == concord_model::Direction::Outbound)
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        });
        let errors: Vec<StrategyError> = routes.chain(strategy
            .actions()
            .iter()
            .filter_map(|action| {
                let name = action.fulfilment.as_ref()?;
                (!self.endpoints.contains_key(name)).then(|| StrategyError {
                    kind: StrategyErrorKind::UnknownReference,
                    file: if self.file.is_empty() {
                        "(no connections file)".to_owned()
                    } else {
                        self.file.clone()
                    },
                    line: 1,
                    column: 1,
                    field: "endpoints".to_owned(),
                    message: format!(
                        "action `{}` is fulfilled through endpoint `{name}`, which is not defined here (defined: {})",
                        action.id,
                        if self.endpoints.is_empty() {
                            "none".to_owned()
                        } else {
                            self.endpoints.keys().cloned().collect::<Vec<_>>().join(", ")
                        }
                    ),
                })
            }))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StrategyErrors { errors })
        }
    }
}

/// Reports a name that is not letters, digits, `_` and `-`, or one defined before.
fn named(
    at: &mut impl FnMut(StrategyErrorKind, u64, u64, String, String),
    kind: &str,
    name: &Spanned<String>,
    field: &str,
    seen: bool,
) {
    let (line, column) = (name.referenced.line(), name.referenced.column());
    if !is_name(&name.value) {
        let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        at(
            StrategyErrorKind::InvalidValue,
            line,
            column,
            field.to_owned(),
            format!(
                "`{}` is not {article} {kind} name: use letters, digits, `_` and `-`",
                name.value
            ),
        );
    }
    if seen {
        at(
            StrategyErrorKind::Duplicate,
            line,
            column,
            field.to_owned(),
            format!("{kind} `{}` is defined twice", name.value),
        );
    }
}

/// Reports a URL [`check_url`] refuses, at its place.
fn url(
    at: &mut impl FnMut(StrategyErrorKind, u64, u64, String, String),
    url: &Spanned<String>,
    field: String,
) {
    if let Err(message) = check_url(&url.value) {
        at(
            StrategyErrorKind::InvalidValue,
            url.referenced.line(),
            url.referenced.column(),
            field,
            message,
        );
    }
}

/// A retry policy from its optional fields (defaults for what is absent), reporting each bad
/// one at its place.
fn retry(
    at: &mut impl FnMut(StrategyErrorKind, u64, u64, String, String),
    field: &str,
    (line, column): (u64, u64),
    [timeout, backoff, max_backoff]: [&Option<Spanned<String>>; 3],
    attempts: Option<&Spanned<u32>>,
) -> Retry {
    let defaults = Retry::default();
    let mut duration = |value: &Option<Spanned<String>>, key: &str, default: Duration| {
        let Some(value) = value else {
            return default;
        };
        parse_duration(&value.value).unwrap_or_else(|message| {
            at(
                StrategyErrorKind::InvalidValue,
                value.referenced.line(),
                value.referenced.column(),
                format!("{field}.{key}"),
                message,
            );
            default
        })
    };
    let timeout_d = duration(timeout, "timeout", defaults.timeout);
    let backoff_d = duration(backoff, "backoff", defaults.backoff);
    let max_backoff_d = duration(max_backoff, "max_backoff", defaults.max_backoff);
    if let Some(n) = attempts
        && !(1..=MAX_ATTEMPTS).contains(&n.value)
    {
        at(
            StrategyErrorKind::InvalidValue,
            n.referenced.line(),
            n.referenced.column(),
            format!("{field}.attempts"),
            format!("attempts must be 1 to {MAX_ATTEMPTS}, found {}", n.value),
        );
    }
    if max_backoff_d < backoff_d {
        let (line, column) = max_backoff.as_ref().map_or((line, column), |v| {
            (v.referenced.line(), v.referenced.column())
        });
        at(
            StrategyErrorKind::InvalidValue,
            line,
            column,
            format!("{field}.max_backoff"),
            format!("max_backoff ({max_backoff_d:?}) is shorter than backoff ({backoff_d:?})"),
        );
    }
    Retry {
        attempts: attempts.map_or(defaults.attempts, |n| n.value),
        timeout: timeout_d,
        backoff: backoff_d,
        max_backoff: max_backoff_d,
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// An `http://` URL with a host (this build speaks plain HTTP: put a TLS-terminating proxy in
/// front of an `https://` system).
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    match parsed.scheme() {
        "http" if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" => Err(format!("`{url}` has no host")),
        "https" => Err(format!(
            "`{url}`: this build calls plain http:// only; put a TLS-terminating proxy in front"
        )),
        other => Err(format!(
            "`{url}`: scheme `{other}` is not supported, use http://"
        )),
    }
}

/// `250ms`, `2s`, `1m`, `1h`: a positive whole number and a unit.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let unit_ms: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!(
                "`{text}` is not a duration: write a whole number and ms, s, m or h, e.g. 500ms"
            ));
        }
    };
    match digits.parse::<u64>() {
        Ok(n) if n > 0 && n.saturating_mul(unit_ms) <= 24 * 3_600_000 => {
            Ok(Duration::from_millis(n * unit_ms))
        }
        _ => Err(format!(
            "`{text}` is not a duration: write a positive whole number up to a day, e.g. 500ms"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str, expected: Result<&str, &[&str]>) {
        match (Connections::parse("connections.yaml", yaml), expected) {
            (Ok(c), Ok(summary)) => {
                let got: Vec<String> = c
                    .endpoints
                    .values()
                    .map(|e| {
                        format!(
                            "{} {} {}x{:?} {:?}..{:?}",
                            e.name,
                            e.url,
                            e.retry.attempts,
                            e.retry.timeout,
                            e.retry.backoff,
                            e.retry.max_backoff
                        )
                    })
                    .collect();
                assert_eq!(got.join("; "), summary);
            }
            (Err(errors), Err(expected)) => {
                let got: Vec<String> = errors.errors.iter().map(ToString::to_string).collect();
                assert_eq!(got, expected, "{yaml}");
            }
            (got, want) => panic!("{yaml}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn endpoints_parse_with_defaults_and_every_defect_is_located() {
        check("", Ok(""));
        check(
            "endpoints:\n  charging:\n    url: http://127.0.0.1:9/provision\n",
            Ok("charging http://127.0.0.1:9/provision 5x5s 1s..60s"),
        );
        check(
            "endpoints:\n  charging:\n    url: http://c/p\n    timeout: 250ms\n    attempts: 3\n    backoff: 10ms\n    max_backoff: 1s\n",
            Ok("charging http://c/p 3x250ms 10ms..1s"),
        );
        check(
            "endpoints:\n  charging:\n    url: https://c/p\n    attempts: 0\n    timeout: soon\n",
            Err(&[
                "connections.yaml:3:10: endpoints.charging.url: `https://c/p`: this build calls plain http:// only; put a TLS-terminating proxy in front",
                "connections.yaml:4:15: endpoints.charging.attempts: attempts must be 1 to 20, found 0",
                "connections.yaml:5:14: endpoints.charging.timeout: `soon` is not a duration: write a whole number and ms, s, m or h, e.g. 500ms",
            ]),
        );
        check(
            "endpoints:\n  bad name:\n    url: ftp://x/\n    backoff: 2s\n    max_backoff: 1s\n",
            Err(&[
                "connections.yaml:2:3: endpoints.bad name: `bad name` is not an endpoint name: use letters, digits, `_` and `-`",
                "connections.yaml:3:10: endpoints.bad name.url: `ftp://x/`: scheme `ftp` is not supported, use http://",
                "connections.yaml:5:18: endpoints.bad name.max_backoff: max_backoff (1s) is shorter than backoff (2s)",
            ]),
        );
        check(
            "sinks:\n  calls: {file: {dir: out}}\n  sms: {webhook: {url: http://sms/send, concurrency: 4}}\nchannels:\n  outbound_call: calls\n  sms: sms\n",
            Ok(""),
        );
        check(
            "sinks:\n  calls: {file: {dir: out, format: xlsx}}\n  both: {file: {dir: a}, webhook: {url: http://x/}}\n  hook: {webhook: {url: http://x/, concurrency: 0}}\nchannels:\n  sms: nowhere\n",
            Err(&[
                "connections.yaml:2:36: sinks.calls.file.format: format `xlsx`: use csv or parquet",
                "connections.yaml:3:3: sinks.both: a sink is exactly one of `file`, `webhook` or `kafka`",
                "connections.yaml:4:49: sinks.hook.webhook.concurrency: concurrency must be 1 to 256, found 0",
                "connections.yaml:6:8: channels.sms: no sink `nowhere` (sinks: calls, hook)",
            ]),
        );
        check(
            "endpoints:\n  charging:\n    uri: http://c/p\n",
            Err(&[
                "connections.yaml:3:5: endpoints.charging: unknown field `uri`, expected one of url, timeout, attempts, backoff, max_backoff",
            ]),
        );
    }
}
