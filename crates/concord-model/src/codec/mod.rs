//! A compact binary form of the model's types, for the journal: no field names, varint integers
//! and lengths, `f64` as 8 little-endian bytes, `Option` as a presence byte, enums as one tag byte.
//!
//! Decoding never panics and never allocates more than the input could hold: every length is
//! checked against the bytes that remain, and arbitrary input ends in a [`DecodeError`].

mod contact;
mod decision;
mod event;
mod primitive;
mod reader;
mod value;

#[cfg(test)]
mod arbitrary;
#[cfg(test)]
mod tests;

pub use reader::{DecodeError, Reader};

/// A type with a compact, lossless binary form.
pub trait BinaryCodec: Sized {
    /// Appends the value's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads one value from `input`, leaving it positioned after the value.
    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// Encodes one value into a fresh buffer.
pub fn to_bytes<T: BinaryCodec>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// Decodes exactly one value from `bytes`; bytes left over are an error.
pub fn from_bytes<T: BinaryCodec>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut input = Reader::new(bytes);
    let value = T::decode(&mut input)?;
    input.finish()?;
    Ok(value)
}

/// Appends `value` as an unsigned LEB128 varint (7 bits a byte, low bits first).
pub fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Zig-zag maps signed to unsigned so small magnitudes of either sign stay short.
pub fn zigzag(value: i128) -> u128 {
    ((value << 1) ^ (value >> 127)) as u128
}

pub fn unzigzag(value: u128) -> i128 {
    ((value >> 1) as i128) ^ -((value & 1) as i128)
}
