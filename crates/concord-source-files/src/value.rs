//! Cells, as CSV and Parquet hand them over, and how one becomes a typed attribute value.
//! The same rules read a mapping's `map:` and `default:` texts, so a default means exactly what
//! the same text in the file would.

use crate::report::RejectKind;
use concord_model::Value;
use concord_strategy::ValueType;
use std::borrow::Cow;

/// One field of one row. CSV fields are all `Text`; Parquet columns keep their type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Cell<'_> {
    /// Null, or text that is only whitespace: "no value" in either format.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Cell::Null => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The text `map:` keys, `equals:` and ids are compared with: trimmed text, or the
    /// number/bool as Rust prints it (`29.85`, `1`, `true`).
    pub(crate) fn key(&self) -> Cow<'_, str> {
        match self {
            Cell::Null => Cow::Borrowed(""),
            Cell::Text(text) => Cow::Borrowed(text.trim()),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Float(x) => Cow::Owned(x.to_string()),
            Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }
}

/// Why a cell could not become a value of the attribute's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadValue {
    pub(crate) kind: RejectKind,
    pub(crate) message: String,
}

impl BadValue {
    fn new(kind: RejectKind, message: String) -> Self {
        Self { kind, message }
    }
}

/// Converts a non-empty cell to `value_type`. `separator` splits list cells.
pub(crate) fn typed(
    cell: Cell<'_>,
    value_type: ValueType,
    separator: &str,
) -> Result<Value, BadValue> {
    match value_type {
        ValueType::Number => number(cell).map(Value::Num),
        ValueType::Bool => boolean(cell).map(Value::Bool),
        ValueType::String => Ok(Value::Str(cell.key().into_owned())),
        ValueType::List => Ok(Value::List(
            cell.key()
                .split(separator)
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(Value::from)
                .collect(),
        )),
    }
}

/// A finite number. Text is parsed as written: no thousands separators, no currency signs.
pub(crate) fn number(cell: Cell<'_>) -> Result<f64, BadValue> {
    let parsed = match cell {
        Cell::Int(n) => Some(n as f64),
        Cell::Float(x) => Some(x),
        Cell::Text(text) => text.trim().parse::<f64>().ok(),
        Cell::Bool(_) | Cell::Null => None,
    };
    match parsed {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(BadValue::new(
            RejectKind::BadNumber,
            format!("expected a number, found {}", shown(cell)),
        )),
    }
}

/// true/false, yes/no or 1/0 (any case), or a Parquet boolean.
pub(crate) fn boolean(cell: Cell<'_>) -> Result<bool, BadValue> {
    let parsed = match cell {
        Cell::Bool(b) => Some(b),
        Cell::Int(1) => Some(true),
        Cell::Int(0) => Some(false),
        Cell::Float(1.0) => Some(true),
        Cell::Float(0.0) => Some(false),
        Cell::Text(text) => {
            let text = text.trim();
            let is = |words: [&str; 3]| words.iter().any(|w| text.eq_ignore_ascii_case(w));
            if is(["true", "yes", "1"]) {
                Some(true)
            } else if is(["false", "no", "0"]) {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    };
    parsed.ok_or_else(|| {
        BadValue::new(
            RejectKind::BadBool,
            format!("expected true/false, yes/no or 1/0, found {}", shown(cell)),
        )
    })
}

/// A cell for an error message: quoted and cut short, so a runaway field stays readable.
pub(crate) fn shown(cell: Cell<'_>) -> String {
    const MAX_CHARS: usize = 40;
    match cell {
        Cell::Null => "nothing".to_owned(),
        Cell::Bool(b) => format!("the boolean {b}"),
        _ => {
            let key = cell.key();
            let mut text: String = key.chars().take(MAX_CHARS).collect();
            if key.chars().count() > MAX_CHARS {
                text.push_str("...");
            }
            format!("`{text}`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cell: Cell<'_>, value_type: ValueType, expected: Result<Value, RejectKind>) {
        let got = typed(cell, value_type, ";").map_err(|bad| bad.kind);
        assert_eq!(got, expected, "{cell:?} as {value_type:?}");
    }

    #[test]
    fn numbers() {
        check(
            Cell::Text(" 29.85 "),
            ValueType::Number,
            Ok(Value::Num(29.85)),
        );
        check(Cell::Text("-3"), ValueType::Number, Ok(Value::Num(-3.0)));
        check(Cell::Text("1e3"), ValueType::Number, Ok(Value::Num(1000.0)));
        check(Cell::Int(34), ValueType::Number, Ok(Value::Num(34.0)));
        check(Cell::Float(1.5), ValueType::Number, Ok(Value::Num(1.5)));
        check(
            Cell::Text("abc"),
            ValueType::Number,
            Err(RejectKind::BadNumber),
        );
        check(
            Cell::Text("1,234"),
            ValueType::Number,
            Err(RejectKind::BadNumber),
        );
        check(
            Cell::Text("NaN"),
            ValueType::Number,
            Err(RejectKind::BadNumber),
        );
        check(
            Cell::Text("inf"),
            ValueType::Number,
            Err(RejectKind::BadNumber),
        );
        check(
            Cell::Float(f64::NAN),
            ValueType::Number,
            Err(RejectKind::BadNumber),
        );
        check(
            Cell::Bool(true),
            ValueType::Number,
            Err(RejectKind::BadNumber),
        );
    }

    #[test]
    fn booleans() {
        check(Cell::Text("Yes"), ValueType::Bool, Ok(Value::Bool(true)));
        check(Cell::Text("no"), ValueType::Bool, Ok(Value::Bool(false)));
        check(Cell::Text("TRUE"), ValueType::Bool, Ok(Value::Bool(true)));
        check(Cell::Text("0"), ValueType::Bool, Ok(Value::Bool(false)));
        check(Cell::Int(1), ValueType::Bool, Ok(Value::Bool(true)));
        check(Cell::Bool(false), ValueType::Bool, Ok(Value::Bool(false)));
        check(Cell::Int(2), ValueType::Bool, Err(RejectKind::BadBool));
        check(
            Cell::Text("maybe"),
            ValueType::Bool,
            Err(RejectKind::BadBool),
        );
    }

    #[test]
    fn strings_and_lists() {
        check(
            Cell::Text(" DSL "),
            ValueType::String,
            Ok(Value::from("DSL")),
        );
        check(Cell::Int(415), ValueType::String, Ok(Value::from("415")));
        check(
            Cell::Float(29.85),
            ValueType::String,
            Ok(Value::from("29.85")),
        );
        check(Cell::Bool(true), ValueType::String, Ok(Value::from("true")));
        check(
            Cell::Text("a; b;;c "),
            ValueType::List,
            Ok(Value::List(vec!["a".into(), "b".into(), "c".into()])),
        );
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(100);
        let shown = shown(Cell::Text(&long));
        assert_eq!(shown.len(), 40 + "``...".len());
    }
}
