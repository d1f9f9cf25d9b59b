//! Strategy loading errors: each points at a file, line, column and field, and all of them
//! are reported at once so a marketer fixes a folder in one pass.

use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// What kind of defect an error reports; a stable code for APIs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyErrorKind {
    /// A file could not be read, or a required file is missing.
    File,
    /// Not valid YAML, an unknown field, a missing field or a wrong type.
    Syntax,
    /// Two things share an id.
    Duplicate,
    /// A reference to an issue, group or channel that is not declared.
    UnknownReference,
    /// A value out of range: negative value, empty text, zero placement size...
    InvalidValue,
    /// An eligibility rule that does not parse or type-check.
    Rule,
}

impl StrategyErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyErrorKind::File => "file",
            StrategyErrorKind::Syntax => "syntax",
            StrategyErrorKind::Duplicate => "duplicate",
            StrategyErrorKind::UnknownReference => "unknown_reference",
            StrategyErrorKind::InvalidValue => "invalid_value",
            StrategyErrorKind::Rule => "rule",
        }
    }
}

/// One defect in a strategy folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Error)]
pub struct StrategyError {
    pub kind: StrategyErrorKind,
    /// Path relative to the strategy folder, `/`-separated: `actions/growth.yaml`.
    pub file: String,
    /// 1-based; 1 for errors about a whole file.
    pub line: u64,
    /// 1-based, in characters.
    pub column: u64,
    /// Where in the file's structure: `actions[3].eligibility`; empty for the whole file.
    pub field: String,
    pub message: String,
}

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// Every defect found in a strategy folder, sorted by file and position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Error)]
pub struct StrategyErrors {
    pub errors: Vec<StrategyError>,
}

impl fmt::Display for StrategyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, error) in self.errors.iter().enumerate() {
            if idx > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}
