//! One Kafka message -> its events, or the reasons its lines were rejected.
//!
//! The value is an event batch in the shared format (one JSON object, a JSON array, or NDJSON);
//! the key, when present, is the subscriber id every event in the message must be about.

use concord_ingest::parse_batch;
use concord_model::Event;

/// Where a message sits in Kafka.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
}

/// A line of a message, or a whole message, that did not become an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// The 1-based NDJSON line or JSON array element; `None` when the message was refused whole.
    pub line: Option<usize>,
    /// The offending field, when the reason is about one field.
    pub field: Option<String>,
    pub reason: String,
}

/// What one message yielded.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub events: Vec<Event>,
    pub rejections: Vec<Rejection>,
}

/// Reads a message's value as an event batch and holds its events to the message key.
pub(crate) fn decode(at: Position<'_>, key: Option<&[u8]>, value: Option<&[u8]>) -> Decoded {
    let refuse = |reason: String| Decoded {
        events: Vec::new(),
        rejections: vec![rejection(at, None, None, reason)],
    };
    let Some(value) = value else {
        return refuse("the message has no value (a tombstone?)".into());
    };
    // An empty key is as good as none: no subscriber has an empty id.
    let key = match key.filter(|k| !k.is_empty()).map(std::str::from_utf8) {
        None => None,
        Some(Ok(key)) => Some(key),
        Some(Err(_)) => return refuse("the message key is not UTF-8".into()),
    };
    let parsed = match parse_batch(value) {
        Ok(parsed) => parsed,
        Err(e) => return refuse(e.to_string()),
    };
    let mut decoded = Decoded {
        events: Vec::with_capacity(parsed.events.len()),
        rejections: parsed
            .rejected
            .into_iter()
            .map(|r| rejection(at, Some(r.line), r.field, r.message))
            .collect(),
    };
    for (line, event) in parsed.events {
        match key {
            Some(key) if event.customer_id.as_str() != key => {
                decoded.rejections.push(rejection(
                    at,
                    Some(line),
                    Some("customer_id".into()),
                    format!(
                        "customer_id `{}` differs from the message key `{key}`",
                        event.customer_id.as_str()
                    ),
                ));
            }
            _ => decoded.events.push(event),
        }
    }
    // Keep the report in line order, whatever stage rejected a line.
    decoded.rejections.sort_by_key(|r| r.line);
    decoded
}

fn rejection(
    at: Position<'_>,
    line: Option<usize>,
    field: Option<String>,
    reason: String,
) -> Rejection {
    Rejection {
        topic: at.topic.to_owned(),
        partition: at.partition,
        offset: at.offset,
        line,
        field,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Position<'static> = Position {
        topic: "events",
        partition: 2,
        offset: 41,
    };

    fn event(id: &str, customer: &str) -> String {
        format!(
            r#"{{"event_id":"{id}","customer_id":"{customer}","time":"2026-11-23T10:00:00Z","type":"dropped_call","cell":"C1"}}"#
        )
    }

    /// Decodes and compares (accepted event ids, [(rejected line, field)]).
    fn check(
        key: Option<&str>,
        value: Option<&str>,
        accepted: &[&str],
        rejected: &[(Option<usize>, Option<&str>)],
    ) {
        let decoded = decode(AT, key.map(str::as_bytes), value.map(str::as_bytes));
        let got: Vec<&str> = decoded.events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(got, accepted, "accepted from {value:?}");
        let got: Vec<(Option<usize>, Option<&str>)> = decoded
            .rejections
            .iter()
            .map(|r| (r.line, r.field.as_deref()))
            .collect();
        assert_eq!(
            got, rejected,
            "rejected from {value:?}: {:?}",
            decoded.rejections
        );
        for r in &decoded.rejections {
            assert_eq!((r.topic.as_str(), r.partition, r.offset), ("events", 2, 41));
            assert!(!r.reason.is_empty());
        }
    }

    #[test]
    fn messages_are_judged_line_by_line() {
        let (a, b) = (event("e1", "c1"), event("e2", "c1"));
        check(Some("c1"), Some(&a), &["e1"], &[]);
        check(None, Some(&a), &["e1"], &[]);
        check(Some(""), Some(&a), &["e1"], &[]);
        check(Some("c1"), Some(&format!("[{a},{b}]")), &["e1", "e2"], &[]);
        check(Some("c1"), Some(&format!("{a}\n{b}\n")), &["e1", "e2"], &[]);
        let other = event("e3", "c9");
        check(
            Some("c1"),
            Some(&format!("{a}\n{other}\n{b}")),
            &["e1", "e2"],
            &[(Some(2), Some("customer_id"))],
        );
        check(
            Some("c1"),
            Some(&format!(
                "{a}\nnot json\n{}",
                a.replace("dropped_call", "teleport")
            )),
            &["e1"],
            &[(Some(2), None), (Some(3), Some("type"))],
        );
    }

    #[test]
    fn unreadable_messages_are_refused_whole() {
        let a = event("e1", "c1");
        check(Some("c1"), None, &[], &[(None, None)]);
        check(Some("c1"), Some(""), &[], &[(None, None)]);
        check(Some("c1"), Some(&format!("[{a},")), &[], &[(None, None)]);
        let decoded = decode(AT, Some(&[0xff]), Some(a.as_bytes()));
        assert!(decoded.events.is_empty());
        assert_eq!(decoded.rejections.len(), 1);
        assert!(decoded.rejections[0].reason.contains("key"));
    }
}
