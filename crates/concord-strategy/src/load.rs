//! Loading: files -> parsed YAML (syntax errors with line:col and field path) -> validation.

use crate::error::{StrategyError, StrategyErrorKind, StrategyErrors};
use crate::folder::{self, SourceFile};
use crate::raw::{
    ActionsFile, ChannelsFile, ContactFile, ExperimentsFile, ModelsFile, ProfileFile, ReportsFile,
    StrategyFile, TriggersFile,
};
use crate::strategy::Strategy;
use crate::validate::{self, Parsed};
use crate::yaml_pos;
use serde::de::DeserializeOwned;
use serde_saphyr::{DefaultMessageFormatter, MessageFormatter};
use std::borrow::Cow;
use std::path::Path;

/// A file of the folder, decoded.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) path: String,
    pub(crate) text: String,
}

impl Strategy {
    /// Loads and validates the strategy folder at `dir`: `strategy.yaml`, `channels.yaml`,
    /// `profile.yaml`, `actions/*.yaml` and, optionally, `triggers.yaml`, `contact.yaml`,
    /// `models.yaml`, `experiments.yaml` and `reports.yaml`. Reports every defect found, not
    /// just the first.
    pub fn load(dir: &Path) -> Result<Strategy, StrategyErrors> {
        let (files, errors) = folder::read(dir);
        build(files, errors)
    }

    /// The same as [`Strategy::load`] from in-memory files, given as (relative path, text):
    /// `("strategy.yaml", "...")`, `("actions/growth.yaml", "...")`. For tests and tools.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Strategy, StrategyErrors> {
        let mut errors = Vec::new();
        let mut sources = Vec::new();
        for (path, text) in files {
            let known = [
                folder::STRATEGY_FILE,
                folder::CHANNELS_FILE,
                folder::PROFILE_FILE,
                folder::TRIGGERS_FILE,
                folder::CONTACT_FILE,
                folder::MODELS_FILE,
                folder::EXPERIMENTS_FILE,
                folder::REPORTS_FILE,
            ]
            .contains(&path)
                || folder::is_actions_file(path);
            if known {
                sources.push(SourceFile {
                    path: path.to_owned(),
                    bytes: text.as_bytes().to_vec(),
                });
            } else {
                errors.push(folder::file_error(
                    path,
                    "not part of a strategy folder (expected strategy.yaml, channels.yaml, profile.yaml, triggers.yaml, contact.yaml, models.yaml, experiments.yaml, reports.yaml or actions/*.yaml)",
                ));
            }
        }
        build(sources, errors)
    }
}

fn build(
    files: Vec<SourceFile>,
    mut errors: Vec<StrategyError>,
) -> Result<Strategy, StrategyErrors> {
    let hash = folder::hash(&files);
    let mut sources = Vec::with_capacity(files.len());
    for file in files {
        match String::from_utf8(file.bytes) {
            Ok(text) => sources.push(Source {
                path: file.path,
                text,
            }),
            Err(_) => errors.push(folder::file_error(&file.path, "not valid UTF-8")),
        }
    }
    let find = |name: &str| sources.iter().find(|source| source.path == name);
    for name in [
        folder::STRATEGY_FILE,
        folder::CHANNELS_FILE,
        folder::PROFILE_FILE,
    ] {
        if find(name).is_none() && !errors.iter().any(|e| e.file == name) {
            errors.push(folder::file_error(
                name,
                format!("missing required file {name}"),
            ));
        }
    }
    let action_sources: Vec<&Source> = sources
        .iter()
        .filter(|source| folder::is_actions_file(&source.path))
        .collect();
    if action_sources.is_empty() && !errors.iter().any(|e| folder::is_actions_file(&e.file)) {
        errors.push(folder::file_error(
            "actions/",
            "missing required files: no actions/*.yaml",
        ));
    }

    let mut actions = Vec::with_capacity(action_sources.len());
    let mut actions_complete = true;
    for source in action_sources {
        match parse::<ActionsFile>(source, &mut errors) {
            Some(file) => actions.push((source, file)),
            None => actions_complete = false,
        }
    }
    let parsed = Parsed {
        strategy: find(folder::STRATEGY_FILE)
            .and_then(|s| parse::<StrategyFile>(s, &mut errors).map(|f| (s, f))),
        channels: find(folder::CHANNELS_FILE)
            .and_then(|s| parse::<ChannelsFile>(s, &mut errors).map(|f| (s, f))),
        profile: find(folder::PROFILE_FILE)
            .and_then(|s| parse::<ProfileFile>(s, &mut errors).map(|f| (s, f))),
        triggers: find(folder::TRIGGERS_FILE)
            .and_then(|s| parse::<TriggersFile>(s, &mut errors).map(|f| (s, f))),
        contact: find(folder::CONTACT_FILE)
            .and_then(|s| parse::<ContactFile>(s, &mut errors).map(|f| (s, f))),
        contact_complete: find(folder::CONTACT_FILE).is_none()
            || !errors.iter().any(|e| e.file == folder::CONTACT_FILE),
        models: find(folder::MODELS_FILE)
            .and_then(|s| parse::<ModelsFile>(s, &mut errors).map(|f| (s, f))),
        models_complete: find(folder::MODELS_FILE).is_none()
            || !errors.iter().any(|e| e.file == folder::MODELS_FILE),
        experiments: find(folder::EXPERIMENTS_FILE)
            .and_then(|s| parse::<ExperimentsFile>(s, &mut errors).map(|f| (s, f))),
        experiments_complete: find(folder::EXPERIMENTS_FILE).is_none()
            || !errors.iter().any(|e| e.file == folder::EXPERIMENTS_FILE),
        reports: find(folder::REPORTS_FILE)
            .and_then(|s| parse::<ReportsFile>(s, &mut errors).map(|f| (s, f))),
        reports_complete: find(folder::REPORTS_FILE).is_none()
            || !errors.iter().any(|e| e.file == folder::REPORTS_FILE),
        actions,
        actions_complete,
    };
    let strategy = validate::validate(parsed, hash, &mut errors);
    match strategy {
        Some(strategy) if errors.is_empty() => Ok(strategy),
        _ => {
            errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
            Err(StrategyErrors { errors })
        }
    }
}

/// Deserializes one file; on failure records the error with its position and field path.
fn parse<T: DeserializeOwned>(source: &Source, errors: &mut Vec<StrategyError>) -> Option<T> {
    match serde_saphyr::from_str::<T>(&source.text) {
        Ok(value) => Some(value),
        Err(err) => {
            let (line, column) = err
                .location()
                .filter(|loc| loc.line() > 0)
                .map_or((1, 1), |loc| (loc.line(), loc.column().max(1)));
            let raw = DefaultMessageFormatter.format_message(err.without_snippet());
            let message: String = plain_message(&raw)
                .as_ref()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            errors.push(StrategyError {
                kind: StrategyErrorKind::Syntax,
                file: source.path.clone(),
                line,
                column,
                field: yaml_pos::path_at(&source.text, line, column),
                message,
            });
            None
        }
    }
}

/// Serde's wording for a few common mistakes is written for programmers; say it for the
/// marketer editing the file.
fn plain_message(message: &str) -> Cow<'_, str> {
    if let Some(value) = message
        .strip_prefix("non-finite float ")
        .and_then(|rest| rest.strip_suffix(" rejected by the configured policy"))
    {
        return Cow::Owned(format!("expected a finite number, found {value}"));
    }
    Cow::Borrowed(match message {
        "invalid u32" | "invalid u64" => "expected a whole number >= 0",
        "expected sequence start" => "expected a list: `[a, b]`, or one `- item` a line",
        "invalid floating point" => "expected a number",
        "externally tagged enum expected scalar or mapping" => "expected a single name",
        other => other,
    })
}

#[cfg(test)]
mod tests;
