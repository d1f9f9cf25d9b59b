//! Reading a strategy folder: which files belong to it, their bytes, and the content hash.

use crate::error::{StrategyError, StrategyErrorKind};
use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::Path;

pub(crate) const STRATEGY_FILE: &str = "strategy.yaml";
pub(crate) const CHANNELS_FILE: &str = "channels.yaml";
pub(crate) const PROFILE_FILE: &str = "profile.yaml";
/// Optional: real-time triggers.
pub(crate) const TRIGGERS_FILE: &str = "triggers.yaml";
/// Optional: caps, pauses and volume constraints.
pub(crate) const CONTACT_FILE: &str = "contact.yaml";
/// Optional: the adaptive models' predictors.
pub(crate) const MODELS_FILE: &str = "models.yaml";
/// Optional: the always-on control arms.
pub(crate) const EXPERIMENTS_FILE: &str = "experiments.yaml";
/// Optional: cohort reports over the customer base.
pub(crate) const REPORTS_FILE: &str = "reports.yaml";
pub(crate) const ACTIONS_DIR: &str = "actions";

/// One file of the folder: its `/`-separated path relative to the folder, and its bytes.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
}

/// Whether `path` names an actions file: `actions/<name>.yaml` or `.yml`.
pub(crate) fn is_actions_file(path: &str) -> bool {
    path.strip_prefix("actions/").is_some_and(|name| {
        !name.contains('/') && (name.ends_with(".yaml") || name.ends_with(".yml"))
    })
}

pub(crate) fn file_error(path: &str, message: impl Into<String>) -> StrategyError {
    StrategyError {
        kind: StrategyErrorKind::File,
        file: path.to_owned(),
        line: 1,
        column: 1,
        field: String::new(),
        message: message.into(),
    }
}

/// Reads the files a strategy consists of. A missing file is not an error here (the caller
/// reports every missing file the same way, whatever the files came from); unreadable is.
pub(crate) fn read(dir: &Path) -> (Vec<SourceFile>, Vec<StrategyError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if let Err(err) = fs::metadata(dir) {
        errors.push(file_error(
            ".",
            format!("cannot read strategy folder {}: {err}", dir.display()),
        ));
        return (files, errors);
    }
    let mut read_one = |path: String, files: &mut Vec<SourceFile>| match fs::read(dir.join(&path)) {
        Ok(bytes) => files.push(SourceFile { path, bytes }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => errors.push(file_error(&path, format!("cannot read: {err}"))),
    };
    for name in [
        STRATEGY_FILE,
        CHANNELS_FILE,
        PROFILE_FILE,
        TRIGGERS_FILE,
        CONTACT_FILE,
        MODELS_FILE,
        EXPERIMENTS_FILE,
        REPORTS_FILE,
    ] {
        read_one(name.to_owned(), &mut files);
    }
    let mut names: Vec<String> = match fs::read_dir(dir.join(ACTIONS_DIR)) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| is_actions_file(&format!("{ACTIONS_DIR}/{name}")))
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    for name in names {
        read_one(format!("{ACTIONS_DIR}/{name}"), &mut files);
    }
    (files, errors)
}

/// Hex SHA-256 over (path, NUL, bytes) of every file, sorted by path.
pub(crate) fn hash(files: &[SourceFile]) -> String {
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hasher = Sha256::new();
    for file in sorted {
        hasher.update(file.path.as_bytes());
        hasher.update([0u8]);
        hasher.update(&file.bytes);
    }
    hex::encode(hasher.finalize())
}
