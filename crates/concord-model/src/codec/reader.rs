//! The decoding cursor: bounds-checked reads over a byte slice, each failure a [`DecodeError`].

use super::BinaryCodec;

/// Why bytes did not decode, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {reason}")]
pub struct DecodeError {
    pub offset: usize,
    pub reason: String,
}

/// A cursor over encoded bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// An error at the current position.
    pub fn error(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError {
            offset: self.pos,
            reason: reason.into(),
        }
    }

    /// Succeeds only if every byte was read.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.error(format!("{n} bytes left over"))),
        }
    }

    /// Reads one value of any [`BinaryCodec`] type.
    pub fn read<T: BinaryCodec>(&mut self) -> Result<T, DecodeError> {
        T::decode(self)
    }

    pub fn byte(&mut self) -> Result<u8, DecodeError> {
        let byte = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.error("input ends early"))?;
        self.pos += 1;
        Ok(byte)
    }

    /// The next `n` bytes, borrowed.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.error(format!("needs {n} bytes, {} remain", self.remaining())));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    /// An unsigned LEB128 varint of at most `bits` significant bits.
    pub fn varint(&mut self, bits: u32) -> Result<u128, DecodeError> {
        let start = self.pos;
        let mut value = 0u128;
        let mut shift = 0u32;
        loop {
            let byte = self.byte()?;
            let low = u128::from(byte & 0x7f);
            let room = bits.saturating_sub(shift);
            if room == 0 || (room < 7 && low >> room != 0) {
                self.pos = start;
                return Err(self.error(format!("varint wider than {bits} bits")));
            }
            value |= low << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    /// A varint count of items that each take at least one byte, so it can't exceed the input.
    pub fn count(&mut self) -> Result<usize, DecodeError> {
        let count = self.varint(64)?;
        match usize::try_from(count) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(self.error(format!(
                "count {count} exceeds the {} bytes left",
                self.remaining()
            ))),
        }
    }
}
