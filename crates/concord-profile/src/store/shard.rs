//! One shard of the store: the rows of the customers whose id hashes here, column by column.

use super::column::Column;
use super::ids::Ids;
use super::paged::Paged;
use crate::aggregate::AggCells;
use crate::schema::CompiledSchema;
use std::collections::HashMap;

/// No journal position: a customer with no event yet.
pub(crate) const NO_HEAD: u64 = u64::MAX;
/// No event time: a customer with no event yet.
pub(crate) const NO_TIME: i64 = i64::MIN;

#[derive(Debug)]
pub(crate) struct Shard {
    pub(crate) ids: Ids,
    /// One per declared attribute, in the schema's attribute order.
    pub(crate) columns: Vec<Column>,
    /// Holdings among the first 64 products interned, as bits.
    pub(crate) holdings: Paged<u64>,
    /// Holdings among products interned later (rare): row -> product ids.
    pub(crate) more_holdings: HashMap<u32, Vec<u32>>,
    pub(crate) aggs: Paged<AggCells>,
    pub(crate) last_event_ms: Paged<i64>,
    /// The journal position of the customer's newest event (the head of their event chain).
    pub(crate) head: Paged<u64>,
    /// When each trigger last fired, for the few customers a trigger fired for.
    pub(crate) fires: HashMap<u32, Vec<(u16, i64)>>,
    /// Every journal record for this shard before this position is applied, none after it (the
    /// shard's cut, for a snapshot taken while events keep arriving).
    pub(crate) applied: u64,
}

impl Shard {
    pub(crate) fn new(schema: &CompiledSchema) -> Self {
        Self {
            ids: Ids::default(),
            columns: schema
                .attributes()
                .iter()
                .map(|(_, t)| Column::new(*t))
                .collect(),
            holdings: Paged::new(0),
            more_holdings: HashMap::new(),
            aggs: Paged::new(AggCells::default()),
            last_event_ms: Paged::new(NO_TIME),
            head: Paged::new(NO_HEAD),
            fires: HashMap::new(),
            applied: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn row(&self, hash: u64, id: &str) -> Option<u32> {
        self.ids.find(hash, id)
    }

    /// The customer's row, added (all null) when new; `None` for an id too long to store.
    pub(crate) fn row_or_insert(&mut self, hash: u64, id: &str) -> Option<u32> {
        if let Some(row) = self.ids.find(hash, id) {
            return Some(row);
        }
        let row = self.ids.insert(hash, id)?;
        for column in &mut self.columns {
            column.push_null();
        }
        self.holdings.push_fill();
        self.aggs.push_fill();
        self.last_event_ms.push_fill();
        self.head.push_fill();
        Some(row)
    }

    /// The product ids the row holds, ascending.
    pub(crate) fn holdings_of(&self, row: u32) -> Vec<u32> {
        let bits = self.holdings.at(row);
        let mut out: Vec<u32> = (0..64).filter(|b| bits & (1u64 << b) != 0).collect();
        if let Some(more) = self.more_holdings.get(&row) {
            out.extend(more.iter().copied());
        }
        out
    }

    pub(crate) fn add_holding(&mut self, row: u32, product: u32) {
        if product < 64 {
            if let Some(bits) = self.holdings.get_mut(row) {
                *bits |= 1u64 << product;
            }
        } else {
            let more = self.more_holdings.entry(row).or_default();
            if let Err(at) = more.binary_search(&product) {
                more.insert(at, product);
            }
        }
    }

    pub(crate) fn remove_holding(&mut self, row: u32, product: u32) {
        if product < 64 {
            if let Some(bits) = self.holdings.get_mut(row) {
                *bits &= !(1u64 << product);
            }
        } else if let Some(more) = self.more_holdings.get_mut(&row) {
            more.retain(|p| *p != product);
            if more.is_empty() {
                self.more_holdings.remove(&row);
            }
        }
    }
}
