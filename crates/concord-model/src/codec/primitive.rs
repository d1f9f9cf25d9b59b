//! Binary forms of the building blocks: integers, floats, strings, options, lists, times and ids.

use super::{BinaryCodec, Reader, put_varint, unzigzag, zigzag};
use crate::codec::DecodeError;
use crate::ids::{ActionId, ChannelId, CustomerId, DecisionId, EventId};
use jiff::Timestamp;

impl BinaryCodec for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match input.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(input.error(format!("bool byte {other}"))),
        }
    }
}

impl BinaryCodec for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, u128::from(*self));
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(input.varint(32)? as u32)
    }
}

impl BinaryCodec for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, u128::from(*self));
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(input.varint(64)? as u64)
    }
}

/// Bit-exact: NaN payloads and the sign of zero survive.
impl BinaryCodec for f64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(f64::from_le_bytes(input.array()?))
    }
}

impl BinaryCodec for f32 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(f32::from_le_bytes(input.array()?))
    }
}

impl BinaryCodec for String {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u128);
        out.extend_from_slice(self.as_bytes());
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = input.count()?;
        let at = input.position();
        let bytes = input.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(e) => Err(DecodeError {
                offset: at,
                reason: format!("string is not UTF-8: {e}"),
            }),
        }
    }
}

impl<T: BinaryCodec> BinaryCodec for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                value.encode(out);
            }
        }
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match input.byte()? {
            0 => Ok(None),
            1 => Ok(Some(T::decode(input)?)),
            other => Err(input.error(format!("option presence byte {other}"))),
        }
    }
}

impl<T: BinaryCodec> BinaryCodec for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u128);
        for item in self {
            item.encode(out);
        }
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // Every item takes at least one byte, so `count` bounds the allocation by the input.
        let count = input.count()?;
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(T::decode(input)?);
        }
        Ok(items)
    }
}

/// Nanoseconds since the Unix epoch, zig-zag varint: 9 bytes for today's times. jiff's range is
/// wider than `i64` nanoseconds (years -9999..=9999), so the varint is read as up to 128 bits and
/// anything outside jiff's range is rejected.
impl BinaryCodec for Timestamp {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, zigzag(self.as_nanosecond()));
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let at = input.position();
        let nanos = unzigzag(input.varint(128)?);
        Timestamp::from_nanosecond(nanos).map_err(|e| DecodeError {
            offset: at,
            reason: format!("time {nanos}ns is out of range: {e}"),
        })
    }
}

macro_rules! string_id_codec {
    ($($id:ident),*) => {$(
        impl BinaryCodec for $id {
            fn encode(&self, out: &mut Vec<u8>) {
                self.0.encode(out);
            }

            fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($id(String::decode(input)?))
            }
        }
    )*};
}

string_id_codec!(ActionId, ChannelId, CustomerId, DecisionId, EventId);
