//! The layout header of a shard snapshot: what its columns, aggregate cells and fire history
//! mean, so a snapshot taken under one profile.yaml restores under a changed one.
//!
//! Columns map by attribute name when the type matches; aggregate cells by name when the
//! definition's fingerprint matches (anything else would read old cells as something they
//! are not); fire history by trigger id. What does not map is dropped and named.

use super::bytes::{Fault, Input, put, put_str};
use crate::schema::CompiledSchema;
use concord_strategy::{AggregateSpec, ValueType};
use std::collections::{HashMap, HashSet};

/// A shard snapshot's layout, borrowing its names from the blob.
#[derive(Debug)]
pub(crate) struct Layout<'a> {
    pub(crate) attributes: Vec<(&'a str, ValueType)>,
    pub(crate) aggregates: Vec<(&'a str, u64)>,
    pub(crate) triggers: Vec<&'a str>,
}

/// Where each item of a snapshot's layout goes in the current schema (`None`: dropped).
#[derive(Debug)]
pub(crate) struct Mapping {
    pub(crate) columns: Vec<Option<usize>>,
    pub(crate) aggregates: Vec<Option<u16>>,
    pub(crate) triggers: Vec<Option<u16>>,
    pub(crate) dropped_attributes: Vec<String>,
    pub(crate) dropped_aggregates: Vec<String>,
    pub(crate) dropped_triggers: Vec<String>,
}

/// What defines an aggregate's cells: two definitions with the same fingerprint read the same
/// cells the same way.
pub(crate) fn aggregate_fingerprint(spec: &AggregateSpec) -> u64 {
    let canonical = format!(
        "v1|{}|{}|{:?}|{:?}|{:?}|{}",
        spec.event.as_str(),
        spec.function.as_str(),
        spec.field.as_deref(),
        spec.window.map(|w| (w.length_ms, w.bucket_ms)),
        spec.filter.as_ref().map(|f| f.source()),
        spec.value_type.as_str(),
    );
    twox_hash::XxHash3_64::oneshot(canonical.as_bytes())
}

fn type_tag(value_type: ValueType) -> u8 {
    match value_type {
        ValueType::String => 1,
        ValueType::Number => 2,
        ValueType::Bool => 3,
        ValueType::List => 4,
    }
}

fn tag_type(tag: u8) -> Option<ValueType> {
    Some(match tag {
        1 => ValueType::String,
        2 => ValueType::Number,
        3 => ValueType::Bool,
        4 => ValueType::List,
        _ => return None,
    })
}

pub(crate) fn encode(schema: &CompiledSchema, out: &mut Vec<u8>) {
    put(out, schema.attributes().len() as u32);
    for (name, value_type) in schema.attributes() {
        put_str(out, name);
        put(out, type_tag(*value_type));
    }
    put(out, schema.aggregates().len() as u32);
    for spec in schema.aggregates() {
        put_str(out, &spec.name);
        put(out, aggregate_fingerprint(spec));
    }
    put(out, schema.triggers().len() as u32);
    for trigger in schema.triggers() {
        put_str(out, &trigger.id);
    }
}

/// A count of items that take at least `min_bytes` each, so it can't exceed what is left.
fn count(input: &mut Input<'_>, min_bytes: usize) -> Result<usize, Fault> {
    let at = input.position();
    let n = input.get::<u32>()? as usize;
    if n.saturating_mul(min_bytes) > input.remaining() {
        return Err(Fault::at(
            at,
            format!("truncated ({n} items, {} bytes left)", input.remaining()),
        ));
    }
    Ok(n)
}

fn unique<'a>(seen: &mut HashSet<&'a str>, name: &'a str, at: usize) -> Result<(), Fault> {
    if seen.insert(name) {
        Ok(())
    } else {
        Err(Fault::at(at, format!("`{name}` appears twice")))
    }
}

pub(crate) fn decode<'a>(input: &mut Input<'a>) -> Result<Layout<'a>, Fault> {
    let mut seen = HashSet::new();
    let mut attributes = Vec::with_capacity(count(input, 5)?);
    for _ in 0..attributes.capacity() {
        let at = input.position();
        let name = input.str()?;
        unique(&mut seen, name, at)?;
        let tag_at = input.position();
        let tag = input.get::<u8>()?;
        let value_type =
            tag_type(tag).ok_or_else(|| Fault::at(tag_at, format!("unknown type tag {tag}")))?;
        attributes.push((name, value_type));
    }
    seen.clear();
    let mut aggregates = Vec::with_capacity(count(input, 12)?);
    for _ in 0..aggregates.capacity() {
        let at = input.position();
        let name = input.str()?;
        unique(&mut seen, name, at)?;
        aggregates.push((name, input.get::<u64>()?));
    }
    seen.clear();
    let mut triggers = Vec::with_capacity(count(input, 4)?);
    for _ in 0..triggers.capacity() {
        let at = input.position();
        let id = input.str()?;
        unique(&mut seen, id, at)?;
        triggers.push(id);
    }
    Ok(Layout {
        attributes,
        aggregates,
        triggers,
    })
}

impl Layout<'_> {
    pub(crate) fn map(&self, schema: &CompiledSchema) -> Mapping {
        let mut dropped_attributes = Vec::new();
        let columns = self
            .attributes
            .iter()
            .map(|&(name, value_type)| {
                let index = schema
                    .attribute_index(name)
                    .filter(|&i| schema.attributes().get(i).map(|a| a.1) == Some(value_type));
                if index.is_none() {
                    dropped_attributes.push(name.to_owned());
                }
                index
            })
            .collect();
        let current: HashMap<&str, (usize, &AggregateSpec)> = schema
            .aggregates()
            .iter()
            .enumerate()
            .map(|(i, spec)| (spec.name.as_str(), (i, spec)))
            .collect();
        let mut dropped_aggregates = Vec::new();
        let aggregates = self
            .aggregates
            .iter()
            .map(|&(name, fingerprint)| {
                let index = current
                    .get(name)
                    .filter(|(_, spec)| aggregate_fingerprint(spec) == fingerprint)
                    .and_then(|&(i, _)| u16::try_from(i).ok());
                if index.is_none() {
                    dropped_aggregates.push(name.to_owned());
                }
                index
            })
            .collect();
        let trigger_index: HashMap<&str, usize> = schema
            .triggers()
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let mut dropped_triggers = Vec::new();
        let triggers = self
            .triggers
            .iter()
            .map(|&id| {
                let index = trigger_index.get(id).and_then(|&i| u16::try_from(i).ok());
                if index.is_none() {
                    dropped_triggers.push(id.to_owned());
                }
                index
            })
            .collect();
        Mapping {
            columns,
            aggregates,
            triggers,
            dropped_attributes,
            dropped_aggregates,
            dropped_triggers,
        }
    }
}
