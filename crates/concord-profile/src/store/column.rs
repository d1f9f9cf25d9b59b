//! One typed attribute column: numbers as f64, strings as interned ids, bools as bytes.

use super::paged::Paged;
use crate::symbols::{NO_SYMBOL, Symbols};
use concord_model::Value;
use concord_strategy::ValueType;

/// The bit pattern a null number is stored as (a NaN no arithmetic produces).
const NULL_NUM: u64 = 0x7ff8_dead_beef_0001;
const NULL_BOOL: u8 = 2;

#[derive(Debug)]
pub(crate) enum Column {
    Num(Paged<f64>),
    Str(Paged<u32>),
    Bool(Paged<u8>),
    List(Paged<Option<Box<[Value]>>>),
}

/// A value that does not fit its column's declared type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeMismatch {
    pub expected: ValueType,
    pub got: &'static str,
}

impl Column {
    pub(crate) fn new(value_type: ValueType) -> Self {
        match value_type {
            ValueType::Number => Column::Num(Paged::new(f64::from_bits(NULL_NUM))),
            ValueType::String => Column::Str(Paged::new(NO_SYMBOL)),
            ValueType::Bool => Column::Bool(Paged::new(NULL_BOOL)),
            ValueType::List => Column::List(Paged::new(None)),
        }
    }

    pub(crate) fn value_type(&self) -> ValueType {
        match self {
            Column::Num(_) => ValueType::Number,
            Column::Str(_) => ValueType::String,
            Column::Bool(_) => ValueType::Bool,
            Column::List(_) => ValueType::List,
        }
    }

    pub(crate) fn push_null(&mut self) {
        match self {
            Column::Num(c) => c.push_fill(),
            Column::Str(c) => c.push_fill(),
            Column::Bool(c) => c.push_fill(),
            Column::List(c) => c.push_fill(),
        }
    }

    /// Whether `value` may be stored here (null always may).
    pub(crate) fn accepts(value_type: ValueType, value: &Value) -> Result<(), TypeMismatch> {
        let fits = matches!(
            (value_type, value),
            (_, Value::Null)
                | (ValueType::Number, Value::Num(_))
                | (ValueType::String, Value::Str(_))
                | (ValueType::Bool, Value::Bool(_))
                | (ValueType::List, Value::List(_))
        );
        if fits {
            Ok(())
        } else {
            Err(TypeMismatch {
                expected: value_type,
                got: value.type_name(),
            })
        }
    }

    /// Stores `value` in `row`; a value of the wrong type is refused and the row left as it was.
    pub(crate) fn set(
        &mut self,
        row: u32,
        value: &Value,
        symbols: &Symbols,
    ) -> Result<(), TypeMismatch> {
        Self::accepts(self.value_type(), value)?;
        match (self, value) {
            (Column::Num(c), Value::Num(n)) => c.set(row, *n),
            (Column::Num(c), _) => c.set(row, f64::from_bits(NULL_NUM)),
            (Column::Str(c), Value::Str(s)) => c.set(row, symbols.intern(s).unwrap_or(NO_SYMBOL)),
            (Column::Str(c), _) => c.set(row, NO_SYMBOL),
            (Column::Bool(c), Value::Bool(b)) => c.set(row, u8::from(*b)),
            (Column::Bool(c), _) => c.set(row, NULL_BOOL),
            (Column::List(c), Value::List(items)) => {
                c.set(row, Some(items.clone().into_boxed_slice()));
            }
            (Column::List(c), _) => c.set(row, None),
        }
        Ok(())
    }

    pub(crate) fn get(&self, row: u32, symbols: &Symbols) -> Value {
        match self {
            Column::Num(c) => {
                let n = c.at(row);
                if n.to_bits() == NULL_NUM {
                    Value::Null
                } else {
                    Value::Num(n)
                }
            }
            Column::Str(c) => match c.at(row) {
                NO_SYMBOL => Value::Null,
                id => symbols.name(id).map_or(Value::Null, Value::Str),
            },
            Column::Bool(c) => match c.at(row) {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => Value::Null,
            },
            Column::List(c) => c
                .get(row)
                .and_then(|items| items.as_ref())
                .map_or(Value::Null, |items| Value::List(items.to_vec())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_null_is_distinct() {
        let symbols = Symbols::default();
        for (value_type, value) in [
            (ValueType::Number, Value::Num(12.5)),
            (ValueType::Number, Value::Num(f64::NAN)),
            (ValueType::String, Value::from("prepaid")),
            (ValueType::Bool, Value::Bool(false)),
            (ValueType::List, Value::List(vec![Value::from("a")])),
        ] {
            let mut column = Column::new(value_type);
            column.push_null();
            column.push_null();
            assert_eq!(column.get(0, &symbols), Value::Null);
            assert_eq!(column.set(1, &value, &symbols), Ok(()));
            let got = column.get(1, &symbols);
            match (&got, &value) {
                (Value::Num(a), Value::Num(b)) if b.is_nan() => assert!(a.is_nan()),
                _ => assert_eq!(got, value),
            }
            assert_eq!(column.set(1, &Value::Null, &symbols), Ok(()));
            assert_eq!(column.get(1, &symbols), Value::Null);
        }
    }

    #[test]
    fn a_wrong_type_is_refused_and_changes_nothing() {
        let symbols = Symbols::default();
        let mut column = Column::new(ValueType::Number);
        column.push_null();
        assert_eq!(column.set(0, &Value::Num(3.0), &symbols), Ok(()));
        let err = column.set(0, &Value::from("three"), &symbols);
        assert_eq!(
            err,
            Err(TypeMismatch {
                expected: ValueType::Number,
                got: "string"
            })
        );
        assert_eq!(column.get(0, &symbols), Value::Num(3.0));
    }
}
