//! A predictor value as adaptive models look it up: a number by its micro-bin, a symbol by a
//! hash, or missing. Computed once per decision, then compared as integers by every model.

use crate::value::Value;

/// A predictor value, keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// A finite number's micro-bin ([`micro_key`]).
    Number(i64),
    /// A symbol's [`symbol_hash`].
    Symbol(u64),
    Missing,
}

impl Feature {
    /// `value` read by a numeric (`true`) or symbolic predictor. Numbers read by a symbolic
    /// predictor are symbols (their decimal form); bools are `true`/`false`; anything else,
    /// or a string read by a numeric predictor, is missing.
    pub fn of(value: &Value, numeric: bool) -> Feature {
        match (numeric, value) {
            (true, Value::Num(x)) if x.is_finite() => Feature::Number(micro_key(*x)),
            (false, Value::Str(s)) => Feature::Symbol(symbol_hash(s)),
            (false, Value::Bool(b)) => {
                Feature::Symbol(symbol_hash(if *b { "true" } else { "false" }))
            }
            (false, Value::Num(x)) if x.is_finite() => Feature::Symbol(symbol_hash(&x.to_string())),
            _ => Feature::Missing,
        }
    }
}

/// The micro-bin of a finite number: sign, exponent and the top four mantissa bits, in value
/// order (16 intervals per power of two, about 6% wide). Zero (either sign) is key 0.
pub fn micro_key(x: f64) -> i64 {
    if x == 0.0 {
        return 0;
    }
    let bits = x.to_bits();
    let ordered = if x < 0.0 { !bits } else { bits | (1 << 63) };
    (ordered >> 48) as i64 - (1 << 15)
}

/// The lowest value of a micro-bin.
pub fn micro_lower(key: i64) -> f64 {
    let ordered = ((key + (1 << 15)) as u64) << 48;
    if ordered & (1 << 63) != 0 {
        f64::from_bits(ordered & !(1 << 63))
    } else {
        f64::from_bits(!ordered)
    }
}

/// FNV-1a over the symbol's bytes: stable across runs and machines.
pub fn symbol_hash(symbol: &str) -> u64 {
    symbol.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
