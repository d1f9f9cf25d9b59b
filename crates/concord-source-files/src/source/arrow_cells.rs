//! Arrow columns (as the Parquet reader decodes them) read cell by cell: one downcast per
//! column and batch, then a cheap match per cell.

use crate::value::Cell;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, BooleanArray, Decimal128Array, Float32Array, Float64Array, Int8Array, Int16Array,
    Int32Array, Int64Array, LargeStringArray, StringArray, StringViewArray, UInt8Array,
    UInt16Array, UInt32Array, UInt64Array,
};
use arrow_schema::DataType;

/// Why a column of this type cannot be read, or `None` when it can.
pub(crate) fn unsupported(data_type: &DataType) -> Option<String> {
    match data_type {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => None,
        DataType::Dictionary(_, values) if !matches!(**values, DataType::Dictionary(..)) => {
            unsupported(values)
        }
        other => Some(format!(
            "its type {other} is not one a base load reads (strings, integers, floats, \
             decimal128, booleans, or dictionaries of those)"
        )),
    }
}

/// One column of one batch, downcast.
pub(crate) enum Column<'a> {
    Null,
    Bool(&'a BooleanArray),
    I8(&'a Int8Array),
    I16(&'a Int16Array),
    I32(&'a Int32Array),
    I64(&'a Int64Array),
    U8(&'a UInt8Array),
    U16(&'a UInt16Array),
    U32(&'a UInt32Array),
    U64(&'a UInt64Array),
    F32(&'a Float32Array),
    F64(&'a Float64Array),
    Decimal(&'a Decimal128Array, f64),
    Str(&'a StringArray),
    LargeStr(&'a LargeStringArray),
    StrView(&'a StringViewArray),
    Dictionary {
        keys: &'a dyn Array,
        /// Each row's index into `values`.
        indices: Vec<usize>,
        values: Box<Column<'a>>,
    },
}

impl<'a> Column<'a> {
    /// Downcasts `array`; `None` for a type [`unsupported`] rejects (checked up front).
    pub(crate) fn new(array: &'a dyn Array) -> Option<Column<'a>> {
        Some(match array.data_type() {
            DataType::Null => Column::Null,
            DataType::Boolean => Column::Bool(array.as_boolean_opt()?),
            DataType::Int8 => Column::I8(array.as_primitive_opt::<Int8Type>()?),
            DataType::Int16 => Column::I16(array.as_primitive_opt::<Int16Type>()?),
            DataType::Int32 => Column::I32(array.as_primitive_opt::<Int32Type>()?),
            DataType::Int64 => Column::I64(array.as_primitive_opt::<Int64Type>()?),
            DataType::UInt8 => Column::U8(array.as_primitive_opt::<UInt8Type>()?),
            DataType::UInt16 => Column::U16(array.as_primitive_opt::<UInt16Type>()?),
            DataType::UInt32 => Column::U32(array.as_primitive_opt::<UInt32Type>()?),
            DataType::UInt64 => Column::U64(array.as_primitive_opt::<UInt64Type>()?),
            DataType::Float32 => Column::F32(array.as_primitive_opt::<Float32Type>()?),
            DataType::Float64 => Column::F64(array.as_primitive_opt::<Float64Type>()?),
            DataType::Decimal128(_, scale) => Column::Decimal(
                array.as_primitive_opt::<Decimal128Type>()?,
                10f64.powi(-i32::from(*scale)),
            ),
            DataType::Utf8 => Column::Str(array.as_string_opt::<i32>()?),
            DataType::LargeUtf8 => Column::LargeStr(array.as_string_opt::<i64>()?),
            DataType::Utf8View => Column::StrView(array.as_string_view_opt()?),
            DataType::Dictionary(..) => {
                let dictionary = array.as_any_dictionary_opt()?;
                // No values means every key is null (and `normalized_keys` would panic).
                if dictionary.values().is_empty() {
                    return Some(Column::Null);
                }
                let values = Column::new(dictionary.values().as_ref())?;
                if matches!(values, Column::Dictionary { .. }) {
                    return None;
                }
                Column::Dictionary {
                    keys: dictionary.keys(),
                    indices: dictionary.normalized_keys(),
                    values: Box::new(values),
                }
            }
            _ => return None,
        })
    }

    /// Row `idx` of this batch (in bounds: the caller iterates the batch's rows).
    pub(crate) fn cell(&self, idx: usize) -> Cell<'_> {
        fn int<T: Array>(array: &T, idx: usize, value: impl FnOnce() -> i64) -> Cell<'static> {
            if array.is_null(idx) {
                Cell::Null
            } else {
                Cell::Int(value())
            }
        }
        if idx >= self.len() {
            return Cell::Null;
        }
        match self {
            Column::Null => Cell::Null,
            Column::Bool(a) if !a.is_null(idx) => Cell::Bool(a.value(idx)),
            Column::I8(a) => int(*a, idx, || i64::from(a.value(idx))),
            Column::I16(a) => int(*a, idx, || i64::from(a.value(idx))),
            Column::I32(a) => int(*a, idx, || i64::from(a.value(idx))),
            Column::I64(a) => int(*a, idx, || a.value(idx)),
            Column::U8(a) => int(*a, idx, || i64::from(a.value(idx))),
            Column::U16(a) => int(*a, idx, || i64::from(a.value(idx))),
            Column::U32(a) => int(*a, idx, || i64::from(a.value(idx))),
            Column::U64(a) if !a.is_null(idx) => match i64::try_from(a.value(idx)) {
                Ok(n) => Cell::Int(n),
                Err(_) => Cell::Float(a.value(idx) as f64),
            },
            Column::F32(a) if !a.is_null(idx) => Cell::Float(f64::from(a.value(idx))),
            Column::F64(a) if !a.is_null(idx) => Cell::Float(a.value(idx)),
            Column::Decimal(a, factor) if !a.is_null(idx) => {
                Cell::Float(a.value(idx) as f64 * factor)
            }
            Column::Str(a) if !a.is_null(idx) => Cell::Text(a.value(idx)),
            Column::LargeStr(a) if !a.is_null(idx) => Cell::Text(a.value(idx)),
            Column::StrView(a) if !a.is_null(idx) => Cell::Text(a.value(idx)),
            Column::Dictionary {
                keys,
                indices,
                values,
            } if !keys.is_null(idx) => indices
                .get(idx)
                .filter(|&&value_idx| value_idx < values.len())
                .map_or(Cell::Null, |&value_idx| values.cell(value_idx)),
            _ => Cell::Null,
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Null => usize::MAX,
            Column::Bool(a) => a.len(),
            Column::I8(a) => a.len(),
            Column::I16(a) => a.len(),
            Column::I32(a) => a.len(),
            Column::I64(a) => a.len(),
            Column::U8(a) => a.len(),
            Column::U16(a) => a.len(),
            Column::U32(a) => a.len(),
            Column::U64(a) => a.len(),
            Column::F32(a) => a.len(),
            Column::F64(a) => a.len(),
            Column::Decimal(a, _) => a.len(),
            Column::Str(a) => a.len(),
            Column::LargeStr(a) => a.len(),
            Column::StrView(a) => a.len(),
            Column::Dictionary { keys, .. } => keys.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::StringDictionaryBuilder;
    use arrow_array::types::Int8Type;
    use arrow_array::{ArrayRef, DictionaryArray, NullArray};
    use std::sync::Arc;

    fn check(array: ArrayRef, expected: &[Cell<'_>]) {
        assert_eq!(
            unsupported(array.data_type()),
            None,
            "{}",
            array.data_type()
        );
        let column = Column::new(array.as_ref()).expect("a supported type");
        let cells: Vec<Cell<'_>> = (0..expected.len()).map(|idx| column.cell(idx)).collect();
        assert_eq!(cells, expected, "{}", array.data_type());
        assert_eq!(column.cell(usize::MAX), Cell::Null);
    }

    #[test]
    fn every_supported_type_reads_as_cells() {
        check(
            Arc::new(Int64Array::from(vec![Some(1), None])),
            &[Cell::Int(1), Cell::Null],
        );
        check(Arc::new(Int8Array::from(vec![-3])), &[Cell::Int(-3)]);
        check(Arc::new(UInt32Array::from(vec![7])), &[Cell::Int(7)]);
        check(
            Arc::new(UInt64Array::from(vec![u64::MAX])),
            &[Cell::Float(u64::MAX as f64)],
        );
        check(Arc::new(Float32Array::from(vec![0.5])), &[Cell::Float(0.5)]);
        check(
            Arc::new(BooleanArray::from(vec![Some(true), None])),
            &[Cell::Bool(true), Cell::Null],
        );
        check(
            Arc::new(
                Decimal128Array::from(vec![2985, -5])
                    .with_precision_and_scale(10, 2)
                    .expect("decimal"),
            ),
            &[Cell::Float(29.85), Cell::Float(-0.05)],
        );
        check(
            Arc::new(StringArray::from(vec![Some("DSL"), None])),
            &[Cell::Text("DSL"), Cell::Null],
        );
        check(
            Arc::new(LargeStringArray::from(vec!["x"])),
            &[Cell::Text("x")],
        );
        check(
            Arc::new(StringViewArray::from(vec!["a long string view value"])),
            &[Cell::Text("a long string view value")],
        );
        check(Arc::new(NullArray::new(2)), &[Cell::Null, Cell::Null]);
        let dictionary: DictionaryArray<Int32Type> =
            vec![Some("Yes"), None, Some("No"), Some("Yes")]
                .into_iter()
                .collect();
        check(
            Arc::new(dictionary),
            &[
                Cell::Text("Yes"),
                Cell::Null,
                Cell::Text("No"),
                Cell::Text("Yes"),
            ],
        );
    }

    #[test]
    fn an_all_null_dictionary_has_no_values_and_reads_as_nulls() {
        let mut builder = StringDictionaryBuilder::<Int8Type>::new();
        builder.append_null();
        builder.append_null();
        let array: ArrayRef = Arc::new(builder.finish());
        check(array, &[Cell::Null, Cell::Null]);
    }

    #[test]
    fn other_types_are_named_in_the_error() {
        let message = unsupported(&DataType::Date32).unwrap_or_default();
        assert!(
            message.starts_with("its type Date32 is not one"),
            "{message}"
        );
        let nested = DataType::Dictionary(
            Box::new(DataType::Int8),
            Box::new(DataType::Dictionary(
                Box::new(DataType::Int8),
                Box::new(DataType::Utf8),
            )),
        );
        assert!(unsupported(&nested).is_some());
    }
}
