//! Binary forms of [`Value`] (a tag byte, then the payload) and [`Attributes`] (count, then pairs).

use super::{BinaryCodec, DecodeError, Reader, put_varint};
use crate::value::{Attributes, Value};

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUM: u8 = 3;
const STR: u8 = 4;
const LIST: u8 = 5;

/// Lists nest at most this deep, so hostile input can't overflow the decoder's stack. Twice
/// serde_json's recursion limit, so any value that arrived as JSON fits.
pub const MAX_VALUE_DEPTH: usize = 256;

impl BinaryCodec for Value {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.push(NULL),
            Value::Bool(false) => out.push(FALSE),
            Value::Bool(true) => out.push(TRUE),
            Value::Num(n) => {
                out.push(NUM);
                n.encode(out);
            }
            Value::Str(s) => {
                out.push(STR);
                s.encode(out);
            }
            Value::List(items) => {
                out.push(LIST);
                items.encode(out);
            }
        }
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        decode_value(input, 0)
    }
}

fn decode_value(input: &mut Reader<'_>, depth: usize) -> Result<Value, DecodeError> {
    Ok(match input.byte()? {
        NULL => Value::Null,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        NUM => Value::Num(input.read()?),
        STR => Value::Str(input.read()?),
        LIST if depth >= MAX_VALUE_DEPTH => {
            return Err(input.error(format!("lists nest deeper than {MAX_VALUE_DEPTH}")));
        }
        LIST => {
            let count = input.count()?;
            let mut items = Vec::with_capacity(count);
            for _ in 0..count {
                items.push(decode_value(input, depth + 1)?);
            }
            Value::List(items)
        }
        tag => return Err(input.error(format!("unknown value tag {tag}"))),
    })
}

impl BinaryCodec for Attributes {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u128);
        for (name, value) in self {
            name.encode(out);
            value.encode(out);
        }
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let count = input.count()?;
        let mut attributes = Attributes::new();
        for _ in 0..count {
            let name: String = input.read()?;
            let value: Value = input.read()?;
            if attributes.insert(name, value).is_some() {
                return Err(input.error("an attribute name appears twice"));
            }
        }
        Ok(attributes)
    }
}
