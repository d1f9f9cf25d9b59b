//! strategy.yaml's `language`: the string attribute each customer's language code is read
//! from, and the language every treatment's `text` is written in.

use super::report::Report;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::load::Source;
use crate::profile::{ProfileSchema, ValueType};
use crate::raw::LanguageEntry;
use crate::rule::Var;
use crate::strategy::LanguageRule;

/// Why `code` is not a language code (2 or 3 lowercase letters, as ISO 639 writes them).
pub(super) fn code_problem(code: &str) -> Option<String> {
    let ok = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
    (!ok).then(|| {
        format!("`{code}` is not a language code: write 2 or 3 lowercase letters, e.g. zu or af")
    })
}

/// The language rule; `None` when it has a defect (reported) or the profile did not load.
pub(super) fn language(
    source: &Source,
    entry: &LanguageEntry,
    profile: Option<&ProfileSchema>,
    errors: &mut Vec<StrategyError>,
) -> Option<LanguageRule> {
    let mut report = Report { source, errors };
    let default = &entry.default;
    let default_ok = match code_problem(&default.value) {
        Some(problem) => {
            report.at(
                &default.referenced,
                "language.default".to_owned(),
                StrategyErrorKind::InvalidValue,
                problem,
            );
            false
        }
        None => true,
    };
    let name = &entry.attribute;
    let attribute = match profile?.attribute_at(&name.value) {
        Some((index, ValueType::String)) => Some(Var::Attribute {
            index,
            name: name.value.clone(),
        }),
        found => {
            let why = match found {
                Some((_, kind)) => format!("is a {}", kind.as_str()),
                None => "is not declared".to_owned(),
            };
            report.at(
                &name.referenced,
                "language.attribute".to_owned(),
                if found.is_some() {
                    StrategyErrorKind::InvalidValue
                } else {
                    StrategyErrorKind::UnknownReference
                },
                format!(
                    "`{}` {why}: the language comes from a string attribute in profile.yaml \
                     `attributes` holding each customer's language code",
                    name.value
                ),
            );
            None
        }
    };
    Some(LanguageRule {
        attribute: attribute?,
        default: default_ok.then(|| default.value.clone())?,
    })
}
