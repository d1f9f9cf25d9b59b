//! Snapshot bytes at the lowest level: fixed-width little-endian values and bulk arrays out, a
//! bounds-checked cursor in, whose failures carry the byte they happened at.

use crate::error::SnapshotError;

/// A fixed-width value stored little-endian.
pub(crate) trait Le: Copy {
    const SIZE: usize;
    fn put(self, dst: &mut [u8]);
    fn get(src: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();

            fn put(self, dst: &mut [u8]) {
                dst.copy_from_slice(&self.to_le_bytes());
            }

            fn get(src: &[u8]) -> Self {
                let mut bytes = [0u8; std::mem::size_of::<$t>()];
                bytes.copy_from_slice(src);
                <$t>::from_le_bytes(bytes)
            }
        }
    )*};
}

le!(u8, u16, u32, u64, i64, f64);

pub(crate) fn put<T: Le>(out: &mut Vec<u8>, value: T) {
    put_all(out, &[value]);
}

/// Appends `values` as one little-endian array (sized once, so the loop vectorises).
pub(crate) fn put_all<T: Le>(out: &mut Vec<u8>, values: &[T]) {
    let start = out.len();
    out.resize(start + values.len() * T::SIZE, 0);
    for (dst, value) in out[start..].chunks_exact_mut(T::SIZE).zip(values) {
        value.put(dst);
    }
}

/// A string as a u32 length and its bytes.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put(out, u32::try_from(s.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(s.as_bytes());
}

/// Overwrites the u64 at `at` (a length written before its section was).
pub(crate) fn patch_u64(out: &mut [u8], at: usize, value: u64) {
    if let Some(dst) = out.get_mut(at..at + 8) {
        value.put(dst);
    }
}

/// Why bytes did not decode: a reason and the byte it happened at.
#[derive(Debug)]
pub(crate) struct Fault {
    pub(crate) offset: usize,
    pub(crate) reason: String,
}

impl Fault {
    pub(crate) fn at(offset: usize, reason: impl Into<String>) -> Self {
        Self {
            offset,
            reason: reason.into(),
        }
    }
}

/// Names what was being read when a [`Fault`] happened.
pub(crate) trait Within<T> {
    fn within(self, context: impl FnOnce() -> String) -> Result<T, SnapshotError>;
}

impl<T> Within<T> for Result<T, Fault> {
    fn within(self, context: impl FnOnce() -> String) -> Result<T, SnapshotError> {
        self.map_err(|fault| SnapshotError::Corrupt {
            context: context(),
            offset: fault.offset,
            reason: fault.reason,
        })
    }
}

/// A cursor over a blob; offsets are from the blob's start.
#[derive(Debug, Clone)]
pub(crate) struct Input<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    /// A cursor over `bytes` starting at `pos`.
    pub(crate) fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self {
            bytes,
            pos: pos.min(bytes.len()),
        }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(crate) fn fault(&self, reason: impl Into<String>) -> Fault {
        Fault::at(self.pos, reason)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Fault> {
        if n > self.remaining() {
            return Err(self.fault(format!(
                "truncated ({n} bytes needed, {} left)",
                self.remaining()
            )));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    pub(crate) fn get<T: Le>(&mut self) -> Result<T, Fault> {
        self.take(T::SIZE).map(T::get)
    }

    /// A u64 length as a `usize`.
    pub(crate) fn len(&mut self) -> Result<usize, Fault> {
        let at = self.pos;
        let n = self.get::<u64>()?;
        usize::try_from(n).map_err(|_| Fault::at(at, format!("length {n} is too large")))
    }

    /// `n` values stored as one little-endian array, checked against the bytes left first.
    pub(crate) fn array<T: Le>(
        &mut self,
        n: usize,
    ) -> Result<impl ExactSizeIterator<Item = T> + Clone + use<'a, T>, Fault> {
        let bytes = match n.checked_mul(T::SIZE) {
            Some(size) => self.take(size)?,
            None => return Err(self.fault(format!("{n} values cannot fit in a snapshot"))),
        };
        Ok(bytes.chunks_exact(T::SIZE).map(T::get))
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, Fault> {
        let at = self.pos;
        let len = self.get::<u32>()? as usize;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map_err(|e| Fault::at(at, format!("text is not UTF-8: {e}")))
    }

    /// Succeeds only if every byte was read.
    pub(crate) fn finish(&self) -> Result<(), Fault> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.fault(format!("{n} bytes left over"))),
        }
    }
}
