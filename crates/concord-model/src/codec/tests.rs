//! Round trips over arbitrary values of every type, and hostile input that must error, not panic.

use super::arbitrary::{attributes, decision, event};
use super::{BinaryCodec, DecodeError, from_bytes, to_bytes};
use crate::{
    Attributes, CustomerId, DecisionRecord, Event, EventId, EventKind, EventType, Outcome,
    Timestamp, Value,
};
use proptest::prelude::*;

/// Decodes what was encoded; equal by `Debug` (so NaN counts as equal) and bit-exact on re-encode.
fn round_trips<T: BinaryCodec + std::fmt::Debug>(value: &T) -> Result<(), TestCaseError> {
    let bytes = to_bytes(value);
    let back: T = from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(format!("{back:?}"), format!("{value:?}"));
    prop_assert_eq!(to_bytes(&back), bytes);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn events_round_trip(event in event()) {
        round_trips(&event)?;
    }

    #[test]
    fn attributes_round_trip(attributes in attributes()) {
        round_trips(&attributes)?;
    }

    #[test]
    fn decisions_and_responses_round_trip((decision, response) in decision()) {
        round_trips(&decision)?;
        round_trips(&response)?;
    }

    /// Garbage decodes to an error or to something, but never panics or over-allocates.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = from_bytes::<Event>(&bytes);
        let _ = from_bytes::<Attributes>(&bytes);
        let _ = from_bytes::<DecisionRecord>(&bytes);
    }

    /// Every strict prefix of an encoding is an error; a flipped byte is an error or a value.
    #[test]
    fn truncated_and_garbled_events_error(event in event(), flip in any::<(usize, u8)>()) {
        let bytes = to_bytes(&event);
        for len in 0..bytes.len() {
            prop_assert!(from_bytes::<Event>(&bytes[..len]).is_err(), "prefix {len} decoded");
        }
        let mut garbled = bytes.clone();
        let at = flip.0 % garbled.len();
        garbled[at] ^= flip.1.max(1);
        let _ = from_bytes::<Event>(&garbled);
        let mut longer = bytes;
        longer.push(0);
        prop_assert!(from_bytes::<Event>(&longer).is_err(), "a trailing byte was ignored");
    }
}

fn decode_err<T: BinaryCodec + std::fmt::Debug>(bytes: &[u8]) -> DecodeError {
    match from_bytes::<T>(bytes) {
        Ok(value) => panic!("{bytes:?} decoded to {value:?}"),
        Err(e) => e,
    }
}

#[test]
fn tags_follow_declaration_order() {
    for (i, t) in EventType::ALL.into_iter().enumerate() {
        assert_eq!(t as usize, i, "{t:?}");
    }
    for (i, o) in Outcome::ALL.into_iter().enumerate() {
        assert_eq!(o as usize, i, "{o:?}");
    }
}

#[test]
fn hostile_inputs_name_their_reason() {
    let check = |bytes: &[u8], reason: &str| {
        let err = decode_err::<Event>(bytes);
        assert!(err.reason.contains(reason), "{bytes:?}: {err}");
    };
    check(&[], "ends early");
    // A string claiming more bytes than there are.
    check(&[0xff, 0xff, 0x03], "exceeds");
    check(&[2, 0xc3, 0x28], "UTF-8");
    // A varint longer than 64 bits as a length.
    check(&[0xff; 11], "wider than");
    // Ids, then a time past jiff's range (year 9999): zig-zag of 2^90 nanoseconds.
    let mut far = vec![1, b'e', 1, b'c'];
    super::put_varint(&mut far, super::zigzag(1i128 << 90));
    check(&far, "out of range");
    let mut bad_tag = vec![1, b'e', 1, b'c', 0, EventType::ALL.len() as u8];
    check(&bad_tag, "unknown event tag");
    bad_tag.truncate(4);
    bad_tag.extend([0, 0, 1, 2]); // a voice call whose duration is cut short
    check(&bad_tag, "needs 8 bytes");
    // Lists nested past the limit.
    let mut deep = [5u8, 1].repeat(super::value::MAX_VALUE_DEPTH + 1);
    deep.push(0);
    let err = decode_err::<Value>(&deep);
    assert!(err.reason.contains("nest deeper"), "{err}");
}

#[test]
fn typical_event_sizes() {
    let at = Timestamp::from_second(1_795_000_000).unwrap_or_default();
    let typical = [
        EventKind::Recharge {
            amount: 20.0,
            channel: "ussd".into(),
        },
        EventKind::DataUsage { mb: 153.7 },
        EventKind::VoiceCall {
            duration_s: 74.0,
            international: false,
        },
        EventKind::DroppedCall {
            cell: "CELL-0042".into(),
        },
        EventKind::Sms { count: Some(1) },
    ];
    for kind in typical {
        let event = Event {
            event_id: EventId::new("ev-000123456789"),
            customer_id: CustomerId::new("c-0001234"),
            time: at,
            kind,
        };
        let binary = to_bytes(&event).len();
        let json = serde_json::to_vec(&event).map_or(0, |j| j.len());
        eprintln!(
            "{:<14} binary {binary:>3} B, JSON {json:>3} B",
            event.kind.event_type().as_str()
        );
        assert!(binary < json);
    }
}
