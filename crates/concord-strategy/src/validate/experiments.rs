//! experiments.yaml: each control arm's share is a number from 0 to 0.1, the salt non-empty;
//! each outcome a unique snake_case name and a bool or a number over the customer's profile.

use super::measures::{Reader, measure};
use super::report::Report;
use crate::error::{StrategyError, StrategyErrorKind};
use crate::experiments::{ArmOutcome, ControlArms, MAX_ARM_OUTCOMES, MAX_ARM_SHARE};
use crate::load::Source;
use crate::profile::ProfileSchema;
use crate::raw::{ArmOutcomeEntry, ExperimentsFile, ShareValue};
use serde_saphyr::Spanned;
use std::collections::HashSet;

/// Outcomes are read when a lift is asked for, long after any request.
const OUTCOME_READER: Reader = Reader {
    who: "an outcome",
    when: "the lift is measured",
};

/// `None` when anything is defective (reported).
pub(super) fn control_arms(
    source: &Source,
    file: &ExperimentsFile,
    errors: &mut Vec<StrategyError>,
) -> Option<ControlArms> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let mut out = ControlArms::default();
    let Some(entry) = &file.control_arms else {
        return Some(out);
    };
    if let Some(salt) = &entry.salt {
        if salt.value.trim().is_empty() {
            report.at(
                &salt.referenced,
                "control_arms.salt".to_owned(),
                StrategyErrorKind::InvalidValue,
                "salt must be a non-empty string: it is mixed into every customer's hash (leave it out for the default, `concord`)".to_owned(),
            );
        }
        out.salt = salt.value.clone();
    }
    let mut share = |value: &Option<Spanned<ShareValue>>, name: &str| {
        value
            .as_ref()
            .map_or(0.0, |value| check_share(&mut report, value, name))
    };
    out.holdout = share(&entry.holdout, "holdout");
    out.random_action = share(&entry.random_action, "random_action");
    out.propensity_only = share(&entry.propensity_only, "propensity_only");
    out.no_levers = share(&entry.no_levers, "no_levers");
    out.eligibility_only = share(&entry.eligibility_only, "eligibility_only");
    out.random_propensity = share(&entry.random_propensity, "random_propensity");
    (errors.len() == n_errors).then_some(out)
}

/// The share as a number in [0, 0.1]; 0 after reporting anything else.
fn check_share(report: &mut Report<'_, '_>, value: &Spanned<ShareValue>, arm: &str) -> f64 {
    let message = match &value.value {
        ShareValue::Number(share) if (0.0..=MAX_ARM_SHARE).contains(share) => return *share,
        ShareValue::Number(share) if *share > MAX_ARM_SHARE => format!(
            "{arm} share must be at most 0.1: each arm owns a tenth of the customer hash space, so resizing one never moves another's customers; found {share}"
        ),
        // Negative or NaN.
        ShareValue::Number(share) => format!(
            "{arm} share must be a number from 0 (off) to 0.1, the fraction of customers in the arm; found {share}"
        ),
        ShareValue::Other(text) => format!(
            "{arm} share must be a number from 0 (off) to 0.1, the fraction of customers in the arm; found {text}"
        ),
    };
    report.at(
        &value.referenced,
        format!("control_arms.{arm}"),
        StrategyErrorKind::InvalidValue,
        message,
    );
    0.0
}

/// The outcomes the arms are measured by. Without a profile schema (profile.yaml is broken,
/// and the strategy fails anyway) rules are checked for syntax only. `None` when anything is
/// defective (reported).
pub(super) fn arm_outcomes(
    source: &Source,
    file: &ExperimentsFile,
    profile: Option<&ProfileSchema>,
    errors: &mut Vec<StrategyError>,
) -> Option<Vec<ArmOutcome>> {
    let n_errors = errors.len();
    let mut report = Report { source, errors };
    let outcomes = file.outcomes.as_deref().unwrap_or_default();
    if let Some(extra) = outcomes.get(MAX_ARM_OUTCOMES) {
        report.at(
            &extra.referenced,
            format!("outcomes[{MAX_ARM_OUTCOMES}]"),
            StrategyErrorKind::InvalidValue,
            format!(
                "at most {MAX_ARM_OUTCOMES} outcomes, found {}: each is measured for every customer of every arm whenever a lift is asked for",
                outcomes.len()
            ),
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, entry) in outcomes.iter().enumerate() {
        let ArmOutcomeEntry { name, rule } = &entry.value;
        let field = format!("outcomes[{i}]");
        if let Some(outcome) = measure(
            &mut report,
            (name, rule),
            profile,
            (&field, "outcome"),
            &mut seen,
            OUTCOME_READER,
        ) {
            out.push(outcome);
        }
    }
    (errors.len() == n_errors).then_some(out)
}
