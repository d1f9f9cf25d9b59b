//! Parses an event batch (a JSON array, one JSON object, or NDJSON) into events plus per-line rejections.

use concord_model::{CustomerId, Event, EventId, EventKind, Timestamp};
use serde::Serialize;

/// A batch larger than this is refused whole, so one request can't monopolise the writer.
pub const MAX_EVENTS_PER_BATCH: usize = 100_000;

/// Why one line (NDJSON) or one element (JSON array, 1-based) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: usize,
    /// The offending field, when the reason is about one field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

/// The batch could not be read at all: nothing in it was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    Empty,
    NotUtf8,
    MalformedArray {
        line: usize,
        column: usize,
        message: String,
    },
    TooManyEvents {
        count: usize,
    },
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::Empty => f.write_str("the body holds no events"),
            BatchError::NotUtf8 => f.write_str("the body is not UTF-8"),
            BatchError::MalformedArray {
                line,
                column,
                message,
            } => {
                write!(
                    f,
                    "malformed JSON at line {line} column {column}: {message}"
                )
            }
            BatchError::TooManyEvents { count } => write!(
                f,
                "{count} events in one batch; the limit is {MAX_EVENTS_PER_BATCH}"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

/// Good events (with their line numbers) and the rejected lines.
#[derive(Debug, Default)]
pub struct ParsedBatch {
    pub events: Vec<(usize, Event)>,
    pub rejected: Vec<LineError>,
}

/// Reads a batch. A JSON array or a single object is read as JSON; anything else as NDJSON.
pub fn parse_batch(body: &[u8]) -> Result<ParsedBatch, BatchError> {
    let text = std::str::from_utf8(body).map_err(|_| BatchError::NotUtf8)?;
    let trimmed = text.trim_start();
    let mut parsed = ParsedBatch::default();
    if trimmed.starts_with('[') {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| BatchError::MalformedArray {
                line: e.line(),
                column: e.column(),
                message: strip_position(&e.to_string()),
            })?;
        if items.len() > MAX_EVENTS_PER_BATCH {
            return Err(BatchError::TooManyEvents { count: items.len() });
        }
        for (idx, item) in items.into_iter().enumerate() {
            accept(&mut parsed, idx + 1, event_from_value(item));
        }
    } else {
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, l))
            .collect();
        if lines.len() > MAX_EVENTS_PER_BATCH {
            return Err(BatchError::TooManyEvents { count: lines.len() });
        }
        for (line_no, line) in lines {
            let event = serde_json::from_str(line)
                .map_err(|e| (None, strip_position(&e.to_string())))
                .and_then(event_from_value);
            accept(&mut parsed, line_no, event);
        }
    }
    if parsed.events.is_empty() && parsed.rejected.is_empty() {
        return Err(BatchError::Empty);
    }
    Ok(parsed)
}

type Rejection = (Option<String>, String);

/// Reads the envelope and the payload separately, so a bad payload field is named by its path.
fn event_from_value(value: serde_json::Value) -> Result<Event, Rejection> {
    let serde_json::Value::Object(mut fields) = value else {
        return Err((None, "an event must be a JSON object".into()));
    };
    let mut envelope = serde_json::Map::new();
    for name in ["event_id", "customer_id", "time"] {
        let value = fields
            .remove(name)
            .ok_or_else(|| (Some(name.to_owned()), format!("missing field `{name}`")))?;
        envelope.insert(name.to_owned(), value);
    }
    let payload = serde_json::Value::Object(fields.clone());
    let kind: EventKind = serde_path_to_error::deserialize(payload).map_err(|e| {
        let (field, message) = rejection(e.path().to_string(), e.inner());
        (
            field.or_else(|| field_holding_bad_value(&fields, &message)),
            message,
        )
    })?;
    envelope.insert(
        "type".into(),
        serde_json::Value::String(kind.event_type().as_str().into()),
    );
    // The payload is already typed; re-reading the envelope alone names envelope fields.
    let head: Envelope = serde_path_to_error::deserialize(serde_json::Value::Object(envelope))
        .map_err(|e| rejection(e.path().to_string(), e.inner()))?;
    Ok(Event {
        event_id: head.event_id,
        customer_id: head.customer_id,
        time: head.time,
        kind,
    })
}

#[derive(serde::Deserialize)]
struct Envelope {
    event_id: EventId,
    customer_id: CustomerId,
    time: Timestamp,
    #[serde(rename = "type")]
    _type: String,
}

fn rejection(path: String, error: &serde_json::Error) -> Rejection {
    let message = strip_position(&error.to_string());
    let field = if path.is_empty() || path == "." || path == "?" {
        field_of(&message)
    } else {
        Some(path)
    };
    (field, message)
}

fn accept(parsed: &mut ParsedBatch, line: usize, result: Result<Event, Rejection>) {
    match result.and_then(|event| validate(event).map_err(|m| (field_of(&m), m))) {
        Ok(event) => parsed.events.push((line, event)),
        Err((field, message)) => parsed.rejected.push(LineError {
            line,
            field,
            message,
        }),
    }
}

/// Checks serde cannot express: ids present, amounts finite.
fn validate(event: Event) -> Result<Event, String> {
    if event.event_id.as_str().trim().is_empty() {
        return Err("field `event_id` is empty".into());
    }
    if event.customer_id.as_str().trim().is_empty() {
        return Err("field `customer_id` is empty".into());
    }
    let json = serde_json::to_value(&event.kind).map_err(|e| e.to_string())?;
    if let serde_json::Value::Object(fields) = json {
        for (name, value) in fields {
            if let Some(n) = value.as_f64()
                && (!n.is_finite() || n < 0.0)
            {
                return Err(format!(
                    "field `{name}` must be a non-negative number, got {n}"
                ));
            }
        }
    }
    Ok(event)
}

/// serde_json appends " at line L column C"; per-line reports carry the line themselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Internally tagged payloads lose serde's path; the message quotes the bad value, so find its field.
fn field_holding_bad_value(
    fields: &serde_json::Map<String, serde_json::Value>,
    message: &str,
) -> Option<String> {
    // serde quotes a bad string as string "x" and other bad values in backticks.
    let quoted = match message.find("string \"") {
        Some(at) => {
            let start = at + "string \"".len();
            &message[start..start + message[start..].find('"')?]
        }
        None => {
            let start = message.find('`')? + 1;
            &message[start..start + message[start..].find('`')?]
        }
    };
    let mut holders = fields.iter().filter(|(name, value)| {
        name.as_str() != "type"
            && match value {
                serde_json::Value::String(s) => s == quoted,
                other => other.to_string().as_str() == quoted,
            }
    });
    let first = holders.next()?;
    holders.next().is_none().then(|| first.0.clone())
}

/// The field a serde message is about: the first `backticked` name, which serde uses for fields.
fn field_of(message: &str) -> Option<String> {
    if message.starts_with("unknown variant") {
        return Some("type".into());
    }
    if !(message.contains("field `")) {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"event_id":"e1","customer_id":"c1","time":"2026-11-23T10:00:00Z","type":"dropped_call","cell":"C1"}"#;

    /// Parses `body` and compares (accepted lines, [(rejected line, field)]).
    fn check(body: &str, accepted: &[usize], rejected: &[(usize, Option<&str>)]) {
        let parsed = parse_batch(body.as_bytes()).expect("batch parses");
        let got: Vec<usize> = parsed.events.iter().map(|(l, _)| *l).collect();
        assert_eq!(got, accepted, "accepted lines of {body}");
        let got: Vec<(usize, Option<&str>)> = parsed
            .rejected
            .iter()
            .map(|r| (r.line, r.field.as_deref()))
            .collect();
        assert_eq!(
            got, rejected,
            "rejected lines of {body}: {:?}",
            parsed.rejected
        );
    }

    #[test]
    fn lines_are_judged_one_by_one() {
        check(OK, &[1], &[]);
        check(&format!("[{OK},{OK}]"), &[1, 2], &[]);
        check(&format!("{OK}\n\n{OK}\n"), &[1, 3], &[]);
        check(
            &format!("{OK}\n{}\n{OK}", OK.replace("dropped_call", "teleport")),
            &[1, 3],
            &[(2, Some("type"))],
        );
        check(
            &OK.replace(r#","cell":"C1""#, ""),
            &[],
            &[(1, Some("cell"))],
        );
        check(
            &OK.replace(r#""cell":"C1""#, r#""cell":7"#),
            &[],
            &[(1, Some("cell"))],
        );
        check(
            &OK.replace(r#""cell":"C1""#, r#""cell":"C1","x":1"#),
            &[],
            &[(1, Some("x"))],
        );
        check(&OK.replace("c1", ""), &[], &[(1, Some("customer_id"))]);
        check(
            &OK.replace("2026-11-23T10:00:00Z", "yesterday"),
            &[],
            &[(1, Some("time"))],
        );
        check("{not json", &[], &[(1, None)]);
        let recharge = r#"{"event_id":"e2","customer_id":"c1","time":"2026-11-23T10:00:00Z","type":"recharge","amount":-5,"channel":"ussd"}"#;
        check(recharge, &[], &[(1, Some("amount"))]);
        check(
            &recharge.replace("-5", "\"lots\""),
            &[],
            &[(1, Some("amount"))],
        );
    }

    #[test]
    fn unreadable_batches_are_refused_whole() {
        assert_eq!(parse_batch(b"  \n ").err(), Some(BatchError::Empty));
        assert_eq!(parse_batch(&[0xff, 0xfe]).err(), Some(BatchError::NotUtf8));
        assert!(matches!(
            parse_batch(format!("[{OK},").as_bytes()),
            Err(BatchError::MalformedArray { line: 1, .. })
        ));
    }
}
