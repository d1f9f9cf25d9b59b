//! The file formats a base load reads.

use std::fmt;
use std::path::Path;

/// A base file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated, first line the header, RFC 4180 quoting, UTF-8 (a BOM is skipped).
    Csv,
    /// Apache Parquet with flat columns; compressed with Snappy (or zstd with the `zstd`
    /// feature) or not at all.
    Parquet,
}

impl Format {
    /// From the extension, case-insensitively: `.csv`, `.parquet`, `.pq`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, expected: Option<Format>) {
        assert_eq!(Format::from_path(Path::new(path)), expected, "{path}");
    }

    #[test]
    fn from_the_extension() {
        check("data/wa_churn.csv", Some(Format::Csv));
        check("BASE.CSV", Some(Format::Csv));
        check("base.parquet", Some(Format::Parquet));
        check("base.pq", Some(Format::Parquet));
        check("base.csv.gz", None);
        check("base", None);
    }
}
