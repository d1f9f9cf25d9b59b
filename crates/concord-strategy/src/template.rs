//! Treatment texts with placeholders (`2GB for R{price}, valid until {valid_until}`): parsed
//! and checked once when the strategy loads, filled per placed action from its decision.
//!
//! Placeholders: `{price}` (the private price chosen), `{valid_until}` (the offer's last day,
//! in the customer's time zone, e.g. `3 Dec`), `{value}` (the action's value in the
//! decision), `{action.name}`, and `{customer.<field>}` / `{context.<field>}` for any field
//! profile.yaml declares. `{{` and `}}` are literal braces.

use crate::profile::{ProfileSchema, ValueType};
use crate::rule::{Rule, RuleEnv, RuleError};
use concord_model::{Timestamp, Value};
use serde::{Serialize, Serializer};
use std::fmt::Write as _;
use thiserror::Error;

#[cfg(test)]
mod tests;

/// A compiled text: literal runs and placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Slot(Slot),
}

/// What one placeholder shows.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Price,
    ValidUntil,
    Value,
    ActionName,
    /// `customer.<field>` or `context.<field>`, compiled as an expression over the profile.
    Field(Rule),
}

/// What a text is checked against when the strategy loads.
pub(crate) struct Checks<'a> {
    /// `None` when profile.yaml did not load: fields are then checked for their shape only.
    pub(crate) profile: Option<&'a ProfileSchema>,
    /// The action has a price rule (`{price}` has a value).
    pub(crate) priced: bool,
    /// The action has a validity (`{valid_until}` has a value).
    pub(crate) valid: bool,
}

/// A defect in a text, at a character of it (0-based).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum TemplateError {
    #[error(
        "`{{` is never closed: end the placeholder with `}}`, or write `{{{{` for a literal brace"
    )]
    Unclosed { at: usize },
    #[error("`}}` closes no placeholder: write `}}}}` for a literal brace")]
    StrayClose { at: usize },
    #[error("`{{}}` names no placeholder: write `{{{{}}}}` for literal braces")]
    Empty { at: usize },
    #[error(
        "unknown placeholder `{{{name}}}`: use {{price}}, {{valid_until}}, {{value}}, \
         {{action.name}}, {{customer.<field>}} or {{context.<field>}}"
    )]
    Unknown { at: usize, name: String },
    #[error(
        "`{{price}}` needs a price rule on the action (`price:`): without one there is no personal price to show"
    )]
    NoPrice { at: usize },
    #[error(
        "`{{valid_until}}` needs `validity` on the action: without it the offer has no last day"
    )]
    NoValidity { at: usize },
    #[error("`{{{name}}}` is a {kind}: a placeholder shows a number or a string")]
    NotShown {
        at: usize,
        name: String,
        kind: &'static str,
    },
    #[error("{}", .error.message)]
    Field { at: usize, error: RuleError },
}

impl TemplateError {
    /// The character of the text the error points at.
    pub(crate) fn at(&self) -> usize {
        match self {
            TemplateError::Unclosed { at }
            | TemplateError::StrayClose { at }
            | TemplateError::Empty { at }
            | TemplateError::Unknown { at, .. }
            | TemplateError::NoPrice { at }
            | TemplateError::NoValidity { at }
            | TemplateError::NotShown { at, .. } => *at,
            TemplateError::Field { at, error } => at + error.pos,
        }
    }

    pub(crate) fn kind(&self) -> crate::StrategyErrorKind {
        match self {
            TemplateError::Unknown { .. } => crate::StrategyErrorKind::UnknownReference,
            TemplateError::Field { .. } => crate::StrategyErrorKind::Rule,
            _ => crate::StrategyErrorKind::InvalidValue,
        }
    }
}

/// The decision's values the action-level placeholders show.
#[derive(Debug, Clone, Copy)]
pub struct Offered<'a> {
    /// The private price chosen (`{price}`).
    pub price: Option<f64>,
    /// When the offer lapses (`{valid_until}`).
    pub valid_until: Option<Timestamp>,
    /// The action's value in this decision (`{value}`).
    pub value: f64,
    pub action_name: &'a str,
    /// The customer's time zone: `{valid_until}` is a day there.
    pub zone: &'a jiff::tz::TimeZone,
}

/// A placeholder without a value for this customer or request (a null field, a price the
/// decision did not set): the text can't be shown without a hole in it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{{{placeholder}}}` has no value")]
pub struct MissingValue {
    /// The placeholder as written between the braces.
    pub placeholder: String,
}

impl Template {
    /// Parses `text` and checks every placeholder; every defect found is returned.
    pub(crate) fn compile(text: &str, checks: &Checks<'_>) -> Result<Template, Vec<TemplateError>> {
        let chars: Vec<char> = text.chars().collect();
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut errors = Vec::new();
        // Set when a field could not be checked (no profile): the strategy fails anyway, so the
        // text is kept as written.
        let mut unchecked = false;
        let mut i = 0;
        while i < chars.len() {
            match (chars[i], chars.get(i + 1)) {
                ('{', Some('{')) | ('}', Some('}')) => {
                    literal.push(chars[i]);
                    i += 2;
                }
                ('}', _) => {
                    errors.push(TemplateError::StrayClose { at: i });
                    i += 1;
                }
                ('{', _) => {
                    let Some(len) = chars[i + 1..].iter().position(|&c| c == '}') else {
                        errors.push(TemplateError::Unclosed { at: i });
                        break;
                    };
                    let inner: String = chars[i + 1..i + 1 + len].iter().collect();
                    let lead = inner.chars().take_while(|c| c.is_whitespace()).count();
                    match slot(inner.trim(), i, i + 1 + lead, checks) {
                        Ok(Some(slot)) => {
                            if !literal.is_empty() {
                                pieces.push(Piece::Text(std::mem::take(&mut literal)));
                            }
                            pieces.push(Piece::Slot(slot));
                        }
                        Ok(None) => unchecked = true,
                        Err(error) => errors.push(error),
                    }
                    i += len + 2;
                }
                (c, _) => {
                    literal.push(c);
                    i += 1;
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        if unchecked {
            pieces = vec![Piece::Text(text.to_owned())];
        }
        Ok(Template {
            source: text.to_owned(),
            pieces,
        })
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the text has no placeholder (it reads the same for everyone).
    pub fn is_plain(&self) -> bool {
        self.pieces.iter().all(|p| matches!(p, Piece::Text(_)))
    }

    /// The text with every placeholder filled: fields read through `env` (a decision's frame,
    /// so the reads are logged for replay), the rest from `offered`. Numbers show at most
    /// two decimals and no trailing zeros (29, 23.5, 4.99).
    pub fn render<E: RuleEnv + ?Sized>(
        &self,
        env: &E,
        offered: &Offered<'_>,
    ) -> Result<String, MissingValue> {
        let mut out = String::with_capacity(self.source.len() + 8);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Slot(slot) => slot.write(env, offered, &mut out)?,
            }
        }
        Ok(out)
    }
}

impl Slot {
    fn write<E: RuleEnv + ?Sized>(
        &self,
        env: &E,
        offered: &Offered<'_>,
        out: &mut String,
    ) -> Result<(), MissingValue> {
        let missing = || MissingValue {
            placeholder: self.name().to_owned(),
        };
        match self {
            Slot::Price => {
                write_number(out, offered.price.ok_or_else(missing)?).ok_or_else(missing)
            }
            Slot::Value => write_number(out, offered.value).ok_or_else(missing),
            Slot::ActionName => {
                out.push_str(offered.action_name);
                Ok(())
            }
            Slot::ValidUntil => {
                let until = offered.valid_until.ok_or_else(missing)?;
                let day = until.to_zoned(offered.zone.clone());
                write!(out, "{}", day.strftime("%-d %b")).map_err(|_| missing())
            }
            Slot::Field(rule) => match rule.eval(env) {
                Ok(Value::Num(x)) => write_number(out, x).ok_or_else(missing),
                Ok(Value::Str(text)) => {
                    out.push_str(&text);
                    Ok(())
                }
                _ => Err(missing()),
            },
        }
    }

    /// The placeholder as written between the braces.
    fn name(&self) -> &str {
        match self {
            Slot::Price => "price",
            Slot::ValidUntil => "valid_until",
            Slot::Value => "value",
            Slot::ActionName => "action.name",
            Slot::Field(rule) => rule.source(),
        }
    }
}

/// A number with at most two decimals, trailing zeros dropped; `None` when not finite.
fn write_number(out: &mut String, x: f64) -> Option<()> {
    if !x.is_finite() {
        return None;
    }
    let text = format!("{x:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    out.push_str(if text == "-0" { "0" } else { text });
    Some(())
}

/// The placeholder `name` (trimmed), whose `{` is at character `open` and whose name starts at
/// `at`; `Ok(None)` for a field that can't be checked without the profile.
fn slot(
    name: &str,
    open: usize,
    at: usize,
    checks: &Checks<'_>,
) -> Result<Option<Slot>, TemplateError> {
    match name {
        "" => Err(TemplateError::Empty { at: open }),
        "price" if checks.priced => Ok(Some(Slot::Price)),
        "price" => Err(TemplateError::NoPrice { at }),
        "valid_until" if checks.valid => Ok(Some(Slot::ValidUntil)),
        "valid_until" => Err(TemplateError::NoValidity { at }),
        "value" => Ok(Some(Slot::Value)),
        "action.name" => Ok(Some(Slot::ActionName)),
        _ => field(name, at, checks),
    }
}

/// `customer.<field>` or `context.<field>`: a declared number or string.
fn field(name: &str, at: usize, checks: &Checks<'_>) -> Result<Option<Slot>, TemplateError> {
    let unknown = || TemplateError::Unknown {
        at,
        name: name.to_owned(),
    };
    let (scope, field) = name.split_once('.').ok_or_else(unknown)?;
    let is_name = field.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !matches!(scope, "customer" | "context") || !is_name {
        return Err(unknown());
    }
    let Some(schema) = checks.profile else {
        return Ok(None);
    };
    let declared = match scope {
        "customer" => schema.attribute(field),
        _ => schema.context_field(field),
    };
    let not_shown = |kind: ValueType| TemplateError::NotShown {
        at,
        name: name.to_owned(),
        kind: kind.as_str(),
    };
    if declared == Some(ValueType::List) {
        return Err(not_shown(ValueType::List));
    }
    match Rule::compile_expression(name, schema) {
        Ok((rule, ValueType::Number | ValueType::String)) => Ok(Some(Slot::Field(rule))),
        Ok((_, kind)) => Err(not_shown(kind)),
        Err(error) => Err(TemplateError::Field { at, error }),
    }
}

/// A text serializes as written.
impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}
