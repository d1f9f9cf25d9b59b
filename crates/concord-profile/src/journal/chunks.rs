//! Sequential reads of a segment in large chunks, so replay costs a few syscalls per megabyte.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Bytes read from the file at a time.
const CHUNK: usize = 4 << 20;

/// A read buffer over a file: `buf[start..end]` are the next unconsumed bytes.
pub(super) struct Chunks<'a> {
    file: &'a File,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<'a> Chunks<'a> {
    /// `len` is the file's length, so a small segment gets a small buffer.
    pub(super) fn new(file: &'a File, len: u64) -> Self {
        let size = usize::try_from(len).map_or(CHUNK, |len| len.clamp(1, CHUNK));
        Self {
            file,
            buf: vec![0; size],
            start: 0,
            end: 0,
        }
    }

    /// The next `n` bytes, reading more as needed. The caller has checked the file holds them.
    pub(super) fn fill(&mut self, n: usize) -> std::io::Result<&[u8]> {
        if self.end - self.start < n {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() < n {
                self.buf.resize(n, 0);
            }
            while self.end < n {
                let read = self.file.read(&mut self.buf[self.end..])?;
                if read == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                self.end += read;
            }
        }
        Ok(&self.buf[self.start..self.start + n])
    }

    /// Consumes `n` bytes, seeking past those not read yet.
    pub(super) fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let buffered = (self.end - self.start) as u64;
        if n <= buffered {
            self.start += n as usize;
        } else {
            self.start = 0;
            self.end = 0;
            let ahead = i64::try_from(n - buffered).map_err(std::io::Error::other)?;
            self.file.seek(SeekFrom::Current(ahead))?;
        }
        Ok(())
    }
}
