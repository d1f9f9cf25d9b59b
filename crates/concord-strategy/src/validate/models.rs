//! models.yaml: each predictor compiles to a number, string or bool over the profile and the
//! request; the settings are in range.

use super::profile::rule_error;
use super::report::Report;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::models::{Models, Predictor};
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::ModelsFile;
use crate::rule::Rule;

/// `None` when anything is defective (reported).
pub(super) fn models(
    source: &Source,
    file: &ModelsFile,
    profile: Option<&ProfileSchema>,
    errors: &mut Vec<StrategyError>,
) -> Option<Models> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let mut out = Models::default();
    let mut seen = std::collections::HashSet::new();
    for (i, src) in file.predictors.iter().enumerate() {
        let field = format!("predictors[{i}]");
        let text = src.value.trim();
        if !seen.insert(text.to_owned()) {
            report.at(
                &src.referenced,
                field,
                StrategyErrorKind::Duplicate,
                format!("predictor `{text}` is declared twice"),
            );
            continue;
        }
        let Some(schema) = profile else {
            if let Err(err) = Rule::check_syntax(text) {
                rule_error(&mut report, src, text, err, field);
            }
            continue;
        };
        match Rule::compile_expression(text, schema) {
            Ok((formula, ValueType::Number)) => out.predictors.push(Predictor {
                name: text.to_owned(),
                formula,
                numeric: true,
            }),
            Ok((formula, ValueType::String | ValueType::Bool)) => out.predictors.push(Predictor {
                name: text.to_owned(),
                formula,
                numeric: false,
            }),
            Ok((_, other)) => report.at(
                &src.referenced,
                field,
                StrategyErrorKind::InvalidValue,
                format!(
                    "a predictor is a number, string or bool; `{text}` is a {}",
                    other.as_str()
                ),
            ),
            Err(err) => rule_error(&mut report, src, text, err, field),
        }
    }
    if let Some(max) = &file.max_bins {
        if max.value < 2 {
            report.at(
                &max.referenced,
                "max_bins".to_owned(),
                StrategyErrorKind::InvalidValue,
                format!("max_bins must be at least 2, found {}", max.value),
            );
        }
        out.max_bins = max.value as usize;
    }
    if let Some(auc) = &file.active_auc {
        if !(0.5..=1.0).contains(&auc.value) {
            report.at(
                &auc.referenced,
                "active_auc".to_owned(),
                StrategyErrorKind::InvalidValue,
                format!("active_auc must be between 0.5 and 1, found {}", auc.value),
            );
        }
        out.active_auc = auc.value;
    }
    if let Some(m) = &file.maturity_positives {
        if m.value == 0 {
            report.at(
                &m.referenced,
                "maturity_positives".to_owned(),
                StrategyErrorKind::InvalidValue,
                "maturity_positives must be at least 1".to_owned(),
            );
        }
        out.maturity_positives = u64::from(m.value);
    }
    out.thompson = !matches!(file.exploration, Some(crate::raw::ExplorationEntry::None));
    (errors.len() == n_errors).then_some(out)
}
