//! Attribute columns in a snapshot: numbers as f64 bits, strings as interned ids, bools as
//! bytes, each one little-endian array; lists (rare) value by value in the journal's codec.

use super::bytes::{Fault, Input, put_all};
use crate::store::column::Column;
use crate::symbols::NO_SYMBOL;
use concord_model::Value;
use concord_model::codec::{BinaryCodec, Reader, put_varint};
use concord_strategy::ValueType;

pub(crate) fn encode(column: &Column, out: &mut Vec<u8>) {
    match column {
        Column::Num(rows) => rows.slices().for_each(|page| put_all(out, page)),
        Column::Str(rows) => rows.slices().for_each(|page| put_all(out, page)),
        Column::Bool(rows) => rows.slices().for_each(|page| put_all(out, page)),
        Column::List(rows) => {
            for row in rows.iter() {
                match row {
                    None => out.push(0),
                    Some(items) => {
                        out.push(1);
                        put_varint(out, items.len() as u128);
                        items.iter().for_each(|item| item.encode(out));
                    }
                }
            }
        }
    }
}

/// Reads a column of `rows` rows that fills `section` exactly (`start`: the section's offset in
/// the blob). String ids must be below `symbols`.
pub(crate) fn decode(
    value_type: ValueType,
    rows: usize,
    section: &[u8],
    start: usize,
    symbols: usize,
) -> Result<Column, Fault> {
    let mut column = Column::new(value_type);
    let mut input = Input::new(section, 0);
    let shifted = |fault: Fault| Fault::at(start + fault.offset, fault.reason);
    match &mut column {
        Column::Num(paged) => paged.extend(input.array::<f64>(rows).map_err(shifted)?),
        Column::Bool(paged) => paged.extend(input.array::<u8>(rows).map_err(shifted)?),
        Column::Str(paged) => {
            let ids = input.array::<u32>(rows).map_err(shifted)?;
            if let Some((row, id)) = ids
                .clone()
                .enumerate()
                .find(|&(_, id)| id != NO_SYMBOL && id as usize >= symbols)
            {
                return Err(Fault::at(
                    start + row * 4,
                    format!("customer {row}: string id {id}, but {symbols} strings are interned"),
                ));
            }
            paged.extend(ids);
        }
        Column::List(paged) => {
            let mut reader = Reader::new(section);
            let mut values = Vec::with_capacity(rows.min(section.len()));
            for _ in 0..rows {
                let items = Option::<Vec<Value>>::decode(&mut reader)
                    .map_err(|e| Fault::at(start + e.offset, e.reason))?;
                values.push(items.map(Vec::into_boxed_slice));
            }
            paged.extend(values.into_iter());
            input = Input::new(section, reader.position());
        }
    }
    input.finish().map_err(shifted).map(|()| column)
}
