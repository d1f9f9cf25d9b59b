//! A call list as CSV: the serde form of each contact, one line each.

use super::{CALL_LIST_COLUMNS, EncodeError};
use crate::OutboundContact;
use std::fs::File;

pub(super) struct CsvRows {
    writer: csv::Writer<File>,
}

impl CsvRows {
    /// Writes the header at once, so a list with no contacts still says what its columns are.
    pub(super) fn new(file: File) -> Result<Self, EncodeError> {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .buffer_capacity(1 << 16)
            .from_writer(file);
        writer.write_record(CALL_LIST_COLUMNS)?;
        Ok(Self { writer })
    }

    pub(super) fn push(&mut self, contact: &OutboundContact) -> Result<(), EncodeError> {
        Ok(self.writer.serialize(contact)?)
    }

    pub(super) fn finish(self) -> Result<File, EncodeError> {
        self.writer.into_inner().map_err(|e| e.into_error().into())
    }
}
