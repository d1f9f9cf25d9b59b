//! A call-list folder: every send is one complete file (written under a temporary name and
//! moved into place once synced), named `<sink>-<UTC time>-<seq>.<csv|parquet>`.

use concord_sink::{
    BoxFuture, CallListWriter, ContactSink, FileFormat, OutboundContact, SinkError,
};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub struct CallListDir {
    name: String,
    dir: PathBuf,
    format: FileFormat,
    seq: AtomicU64,
}

impl CallListDir {
    /// Creates `dir` if it is missing.
    pub fn create(name: &str, dir: PathBuf, format: FileFormat) -> Result<Self, SinkError> {
        std::fs::create_dir_all(&dir).map_err(|e| SinkError::File {
            path: dir.display().to_string(),
            reason: format!("can't create the call-list folder: {e}"),
        })?;
        Ok(Self {
            name: name.to_owned(),
            dir,
            format,
            seq: AtomicU64::new(0),
        })
    }

    fn next_path(&self) -> PathBuf {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S%.3fZ");
        let ext = match self.format {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
        };
        self.dir.join(format!(
            "{}-{stamp}-{}-{seq}.{ext}",
            self.name,
            std::process::id()
        ))
    }

    fn write(&self, contacts: &[OutboundContact]) -> Result<(), SinkError> {
        let mut writer = CallListWriter::create(self.next_path(), self.format)?;
        for contact in contacts {
            writer.push(contact)?;
        }
        writer.finish().map(|_| ())
    }
}

impl ContactSink for CallListDir {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        contacts: &'a [OutboundContact],
    ) -> BoxFuture<'a, Vec<Result<(), SinkError>>> {
        Box::pin(async move {
            if contacts.is_empty() {
                return Vec::new();
            }
            // Written inline: the worker sends one sweep's contacts at a time, a small file.
            match self.write(contacts) {
                Ok(()) => contacts.iter().map(|_| Ok(())).collect(),
                Err(e) => {
                    let reason = e.to_string();
                    contacts
                        .iter()
                        .map(|_| {
                            Err(SinkError::Other {
                                sink: self.name.clone(),
                                reason: reason.clone(),
                            })
                        })
                        .collect()
                }
            }
        })
    }

    fn finish(&self) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}
