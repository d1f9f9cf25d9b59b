//! The snapshot file: CRC-checked sections written back to back, then a table of them.
//!
//! Layout: `MAGIC`, the sections, the table (`[u32 count]`, then per section `[u8 kind]
//! [u32 index][u64 offset][u64 len][u32 crc32]`), and a footer `[u64 table offset][u32 crc32 of
//! the table][MAGIC]`, all little-endian. Sections can be written in any order and read in
//! another (shards are dumped before the symbols they use, but restored after them). A file is
//! written under a temporary name and renamed once synced, so a crash never leaves a half file
//! under a real name.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

pub(crate) const MAGIC: &[u8; 8] = b"CCSNAP01";
const FOOTER: usize = 8 + 4 + MAGIC.len();
const ENTRY: usize = 1 + 4 + 8 + 8 + 4;

/// What a section holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Section {
    Meta,
    Symbols,
    Dedup,
    Shard(u32),
    Triggers,
    Decisions,
    /// The contact history (absent from snapshots written before it existed).
    Contacts,
    /// Provisioning jobs (absent from snapshots written before them: none open).
    Provisions,
    /// Outbound decisions waiting for their sink (absent from older snapshots: none).
    Outbox,
}

impl Section {
    fn code(self) -> (u8, u32) {
        match self {
            Section::Meta => (0, 0),
            Section::Symbols => (1, 0),
            Section::Dedup => (2, 0),
            Section::Shard(i) => (3, i),
            Section::Triggers => (4, 0),
            Section::Decisions => (5, 0),
            Section::Contacts => (6, 0),
            Section::Provisions => (7, 0),
            Section::Outbox => (8, 0),
        }
    }

    fn from_code(kind: u8, index: u32) -> Option<Self> {
        Some(match kind {
            0 => Section::Meta,
            1 => Section::Symbols,
            2 => Section::Dedup,
            3 => Section::Shard(index),
            4 => Section::Triggers,
            5 => Section::Decisions,
            6 => Section::Contacts,
            7 => Section::Provisions,
            8 => Section::Outbox,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: u64,
    len: u64,
    crc: u32,
}

/// Writes one snapshot file under `<final>.tmp`; [`SnapshotWriter::finish`] publishes it.
pub(crate) struct SnapshotWriter {
    out: BufWriter<File>,
    tmp: PathBuf,
    offset: u64,
    table: Vec<(Section, Entry)>,
}

impl SnapshotWriter {
    pub(crate) fn create(tmp: PathBuf) -> std::io::Result<Self> {
        let file = File::create(&tmp)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(MAGIC)?;
        Ok(Self {
            out,
            tmp,
            offset: MAGIC.len() as u64,
            table: Vec::new(),
        })
    }

    pub(crate) fn put(&mut self, section: Section, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.table.push((
            section,
            Entry {
                offset: self.offset,
                len: bytes.len() as u64,
                crc: crc32fast::hash(bytes),
            },
        ));
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Writes the table, syncs, and renames the file to `path`. Returns the file's size.
    pub(crate) fn finish(mut self, path: &Path) -> std::io::Result<u64> {
        let mut table = Vec::with_capacity(4 + self.table.len() * ENTRY);
        table.extend_from_slice(&(self.table.len() as u32).to_le_bytes());
        for (section, entry) in &self.table {
            let (kind, index) = section.code();
            table.push(kind);
            table.extend_from_slice(&index.to_le_bytes());
            table.extend_from_slice(&entry.offset.to_le_bytes());
            table.extend_from_slice(&entry.len.to_le_bytes());
            table.extend_from_slice(&entry.crc.to_le_bytes());
        }
        self.out.write_all(&table)?;
        self.out.write_all(&self.offset.to_le_bytes())?;
        self.out.write_all(&crc32fast::hash(&table).to_le_bytes())?;
        self.out.write_all(MAGIC)?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        let size = file.metadata()?.len();
        drop(file);
        std::fs::rename(&self.tmp, path)?;
        if let Some(dir) = path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(size)
    }
}

/// A snapshot file opened for reading: its table checked, sections read on demand.
#[derive(Debug)]
pub(crate) struct SnapshotFile {
    file: File,
    table: HashMap<Section, Entry>,
}

impl SnapshotFile {
    /// Opens `path` and checks its footer and table; a section's own CRC is checked on reading.
    pub(crate) fn open(path: &Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("opening: {e}"))?;
        let size = file.metadata().map_err(|e| format!("reading: {e}"))?.len();
        if size < (MAGIC.len() + FOOTER) as u64 {
            return Err(format!("{size} bytes is too short for a snapshot"));
        }
        let mut head = [0u8; MAGIC.len()];
        read_exact_at(&file, &mut head, 0)?;
        let mut footer = [0u8; FOOTER];
        read_exact_at(&file, &mut footer, size - FOOTER as u64)?;
        if &head != MAGIC || &footer[12..] != MAGIC {
            return Err("not a Concord snapshot (or a different format version)".into());
        }
        let table_at = u64::from_le_bytes(footer[..8].try_into().unwrap_or_default());
        let table_crc = u32::from_le_bytes(footer[8..12].try_into().unwrap_or_default());
        let table_end = size - FOOTER as u64;
        if table_at < MAGIC.len() as u64 || table_at > table_end {
            return Err(format!(
                "the section table offset {table_at} is outside the file"
            ));
        }
        let mut table = vec![0u8; (table_end - table_at) as usize];
        read_exact_at(&file, &mut table, table_at)?;
        if crc32fast::hash(&table) != table_crc {
            return Err("the section table fails its CRC".into());
        }
        let count = table
            .get(..4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
            .ok_or("the section table is empty")?;
        if table.len() != 4 + count * ENTRY {
            return Err(format!(
                "the section table holds {} bytes, not {count} entries",
                table.len()
            ));
        }
        let mut sections = HashMap::with_capacity(count);
        for raw in table[4..].chunks_exact(ENTRY) {
            let index = u32::from_le_bytes(raw[1..5].try_into().unwrap_or_default());
            let entry = Entry {
                offset: u64::from_le_bytes(raw[5..13].try_into().unwrap_or_default()),
                len: u64::from_le_bytes(raw[13..21].try_into().unwrap_or_default()),
                crc: u32::from_le_bytes(raw[21..25].try_into().unwrap_or_default()),
            };
            let section = Section::from_code(raw[0], index)
                .ok_or_else(|| format!("unknown section kind {}", raw[0]))?;
            if entry
                .offset
                .checked_add(entry.len)
                .is_none_or(|end| end > table_at)
            {
                return Err(format!("section {section:?} runs past the section data"));
            }
            sections.insert(section, entry);
        }
        Ok(Self {
            file,
            table: sections,
        })
    }

    /// The section's bytes, CRC-checked.
    pub(crate) fn has(&self, section: Section) -> bool {
        self.table.contains_key(&section)
    }

    pub(crate) fn read(&self, section: Section) -> Result<Vec<u8>, String> {
        let entry = self
            .table
            .get(&section)
            .ok_or_else(|| format!("section {section:?} is missing"))?;
        let mut bytes = vec![0u8; entry.len as usize];
        read_exact_at(&self.file, &mut bytes, entry.offset)?;
        if crc32fast::hash(&bytes) != entry.crc {
            return Err(format!("section {section:?} fails its CRC"));
        }
        Ok(bytes)
    }
}

fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> Result<(), String> {
    file.read_exact_at(buf, offset)
        .map_err(|e| format!("reading {} bytes at {offset}: {e}", buf.len()))
}

#[cfg(test)]
mod tests {
    use super::Section;

    /// Every section reads back from its code: a section written but not known to the reader
    /// would make every snapshot unreadable.
    #[test]
    fn every_section_code_reads_back() {
        for section in [
            Section::Meta,
            Section::Symbols,
            Section::Dedup,
            Section::Shard(7),
            Section::Triggers,
            Section::Decisions,
            Section::Contacts,
            Section::Provisions,
            Section::Outbox,
        ] {
            let (kind, index) = section.code();
            assert_eq!(Section::from_code(kind, index), Some(section));
        }
    }
}
