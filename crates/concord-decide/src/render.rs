//! A placed action's treatment text: in the customer's language, its placeholders filled
//! from the decision (price, validity, value) and the customer's values read through the
//! decision's frame, so a replay reads the same values and writes the same text.

use concord_model::Value;
use concord_strategy::{Frame, MissingValue, Offered, RuleEnv, Strategy, Treatment};
use std::borrow::Cow;

/// Why a treatment can't be shown: the text's placeholder without a value, and the
/// fallback's when there is a fallback and it failed too.
#[derive(Debug)]
pub(crate) struct Unrendered {
    text: MissingValue,
    fallback: Option<MissingValue>,
}

impl Unrendered {
    /// The trace's reason.
    pub(crate) fn reason(&self, channel: &str) -> String {
        let fallback = match &self.fallback {
            Some(missing) => format!("its fallback's {missing} too"),
            None => "it has no fallback text".to_owned(),
        };
        format!(
            "treatment in {channel}: {} for this customer and {fallback}: not placed, never shown with a hole",
            self.text
        )
    }
}

/// The text a customer reads: their language's version (else the default text) rendered;
/// when one of its placeholders has no value, the fallback in the same way.
pub(crate) fn treatment_text(
    strategy: &Strategy,
    treatment: &Treatment,
    env: &Frame<'_>,
    offered: &Offered<'_>,
) -> Result<String, Unrendered> {
    // The language is read only where it matters: a decision reads (and logs) no more than it uses.
    let language = if treatment.has_languages() {
        customer_language(strategy, env)
    } else {
        None
    };
    let language = language.as_deref();
    let missing = match treatment.text_for(language).render(env, offered) {
        Ok(text) => return Ok(text),
        Err(missing) => missing,
    };
    match treatment.fallback_for(language) {
        Some(fallback) => fallback.render(env, offered).map_err(|also| Unrendered {
            text: missing,
            fallback: Some(also),
        }),
        None => Err(Unrendered {
            text: missing,
            fallback: None,
        }),
    }
}

/// The customer's language code as the profile holds it (`None`: not recorded, or the
/// strategy has no `language`).
fn customer_language<'f>(strategy: &Strategy, env: &'f Frame<'_>) -> Option<Cow<'f, str>> {
    match env.value(&strategy.language()?.attribute) {
        Cow::Borrowed(Value::Str(code)) => Some(Cow::Borrowed(code.as_str())),
        Cow::Owned(Value::Str(code)) => Some(Cow::Owned(code)),
        _ => None,
    }
}
