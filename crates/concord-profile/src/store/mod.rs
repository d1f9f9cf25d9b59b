//! The in-memory profile store: customers sharded by id hash, each shard a set of typed columns
//! (attributes as f64 / interned string / bool, holdings as bits, aggregates as packed cells).

mod admit;
mod batch;
mod column;
mod ids;
mod paged;
mod row;
mod shard;
mod snapshot;

pub use admit::{Admitter, Chain, Prepared, RowSlot};
pub use batch::BatchOutcome;
pub use column::TypeMismatch;
pub use row::{ProfileEnv, ProfileRef};
pub use snapshot::RestoredShard;

use crate::aggregate::Contribution;
use crate::dedup::{Admission, Dedup};
use crate::schema::{CompiledSchema, TriggerFire};
use crate::symbols::{Symbols, hash_str};
use crate::view::Profile;
use column::Column;
use concord_model::{Attributes, CustomerId, Event, EventKind, Timestamp, Value};
use ids::MAX_ID_BYTES;
use parking_lot::{Mutex, RwLock};
use row::EventEnv;
use shard::Shard;

const SHARD_BITS: u32 = 6;

fn shard_index(hash: u64) -> usize {
    (hash >> (64 - SHARD_BITS)) as usize
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    Applied,
    /// The event was seen before: nothing changed.
    Duplicate,
    /// The event is older than the allowed lateness: refused, nothing changed.
    Late {
        watermark_ms: i64,
    },
    /// The event can't be stored (its reason says why): refused, nothing changed.
    Invalid(&'static str),
}

/// A base-row value that does not fit the schema.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("attribute `{attribute}`: {reason}")]
pub struct RowError {
    pub attribute: String,
    pub reason: String,
}

impl RowError {
    fn id_too_long() -> Self {
        Self {
            attribute: "customer_id".into(),
            reason: format!("longer than {} bytes", MAX_ID_BYTES - 1),
        }
    }

    fn undeclared(name: &str) -> Self {
        Self {
            attribute: name.to_owned(),
            reason: "not declared in profile.yaml attributes".into(),
        }
    }

    fn mismatch(name: &str, e: &TypeMismatch) -> Self {
        Self {
            attribute: name.to_owned(),
            reason: format!("expected a {}, got a {}", e.expected.as_str(), e.got),
        }
    }
}

/// One journaled change to apply in a batch.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// An admitted event, with the row admission found for it (`None` on replay: looked up).
    Event {
        event: &'a Event,
        at: Option<RowSlot>,
    },
    /// A base-load row.
    Row {
        id: &'a CustomerId,
        attributes: &'a Attributes,
        holdings: &'a [String],
    },
}

impl Change<'_> {
    pub fn customer_id(&self) -> &CustomerId {
        match self {
            Change::Event { event, .. } => &event.customer_id,
            Change::Row { id, .. } => id,
        }
    }
}

/// Sizes, for metrics and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    pub customers: usize,
    pub symbols: usize,
    pub products: usize,
    pub dedup_entries: usize,
    pub aggregate_cells: usize,
}

#[derive(Debug)]
pub struct ProfileStore {
    pub(crate) schema: CompiledSchema,
    pub(crate) symbols: Symbols,
    pub(crate) products: Symbols,
    shards: Box<[RwLock<Shard>]>,
    dedup: Mutex<Dedup>,
}

impl ProfileStore {
    pub fn new(schema: CompiledSchema) -> Self {
        let shards = (0..1usize << SHARD_BITS)
            .map(|_| RwLock::new(Shard::new(&schema)))
            .collect();
        let dedup = Mutex::new(Dedup::new(schema.allowed_lateness_ms()));
        Self {
            schema,
            symbols: Symbols::default(),
            products: Symbols::default(),
            shards,
            dedup,
        }
    }

    pub fn schema(&self) -> &CompiledSchema {
        &self.schema
    }

    fn locate(&self, id: &str) -> (u64, &RwLock<Shard>) {
        let hash = hash_str(id);
        (hash, &self.shards[shard_index(hash)])
    }

    /// Checks a base row against the schema: every attribute declared, every value its type.
    pub fn check_row(&self, id: &CustomerId, attributes: &Attributes) -> Result<(), RowError> {
        if id.0.len() >= MAX_ID_BYTES {
            return Err(RowError::id_too_long());
        }
        for (name, value) in attributes {
            let Some(index) = self.schema.attribute_index(name) else {
                return Err(RowError::undeclared(name));
            };
            let (_, value_type) = &self.schema.attributes()[index];
            Column::accepts(*value_type, value).map_err(|e| RowError::mismatch(name, &e))?;
        }
        Ok(())
    }

    /// Creates the customer if new and merges `attributes` and `holdings` (a base-load row).
    /// What does not fit the schema is skipped and returned (check rows first with
    /// [`ProfileStore::check_row`]; replaying under a changed schema is where this happens).
    pub fn upsert(
        &self,
        id: &CustomerId,
        attributes: &Attributes,
        holdings: &[String],
    ) -> Vec<RowError> {
        let (hash, shard) = self.locate(&id.0);
        self.upsert_in(&mut shard.write(), hash, id, attributes, holdings)
    }

    fn upsert_in(
        &self,
        shard: &mut Shard,
        hash: u64,
        id: &CustomerId,
        attributes: &Attributes,
        holdings: &[String],
    ) -> Vec<RowError> {
        let mut problems = Vec::new();
        let Some(row) = shard.row_or_insert(hash, &id.0) else {
            problems.push(RowError::id_too_long());
            return problems;
        };
        for (name, value) in attributes {
            let Some(column) = self
                .schema
                .attribute_index(name)
                .and_then(|i| shard.columns.get_mut(i))
            else {
                problems.push(RowError::undeclared(name));
                continue;
            };
            if let Err(e) = column.set(row, value, &self.symbols) {
                problems.push(RowError::mismatch(name, &e));
            }
        }
        for product in holdings {
            if let Some(p) = self.products.intern(product) {
                shard.add_holding(row, p);
            }
        }
        problems
    }

    /// Decides whether `event` is new (and remembers it if so). `wall_ms` is the wall clock.
    pub fn admit(&self, event: &Event, wall_ms: i64) -> Admission {
        if let Some(reason) = invalid(event) {
            return Admission::Invalid(reason);
        }
        self.dedup.lock().admit(event, wall_ms)
    }

    /// Forgets admitted events whose journal write failed, so a retry is accepted.
    pub fn forget(&self, events: &[&Event]) {
        let mut dedup = self.dedup.lock();
        for event in events {
            dedup.forget(event);
        }
    }

    /// Remembers an event replayed from the journal (admitted before the restart).
    pub fn replayed(&self, event: &Event, wall_ms: i64) {
        self.dedup.lock().replayed(event, wall_ms);
    }

    /// The newest event time seen (capped at the wall clock plus an hour).
    pub fn watermark(&self) -> Option<Timestamp> {
        self.dedup
            .lock()
            .watermark_ms()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok())
    }

    /// Admits and applies one event at the current wall-clock time (in-memory use: tests,
    /// benchmarks). A duplicate or late event changes nothing and fires nothing.
    pub fn apply(&self, event: &Event) -> (ApplyOutcome, Vec<TriggerFire>) {
        match self.admit(event, Timestamp::now().as_millisecond()) {
            Admission::Fresh => (ApplyOutcome::Applied, self.apply_admitted(event, None)),
            Admission::Duplicate => (ApplyOutcome::Duplicate, Vec::new()),
            Admission::Late { watermark_ms } => (ApplyOutcome::Late { watermark_ms }, Vec::new()),
            Admission::Invalid(reason) => (ApplyOutcome::Invalid(reason), Vec::new()),
        }
    }

    /// Applies an admitted event, creating the profile on a customer's first event, then checks
    /// the triggers it can affect. `head` is the event's journal position, if journaled.
    pub fn apply_admitted(&self, event: &Event, head: Option<u64>) -> Vec<TriggerFire> {
        let (hash, shard) = self.locate(&event.customer_id.0);
        let mut shard = shard.write();
        match shard.row_or_insert(hash, &event.customer_id.0) {
            Some(row) => self.apply_in(&mut shard, row, event, head),
            None => Vec::new(),
        }
    }

    fn apply_in(
        &self,
        shard: &mut Shard,
        row: u32,
        event: &Event,
        head: Option<u64>,
    ) -> Vec<TriggerFire> {
        self.fold_into_aggregates(shard, row, event);
        let time_ms = event.time.as_millisecond();
        if let Some(last) = shard.last_event_ms.get_mut(row) {
            *last = (*last).max(time_ms);
        }
        if let Some(position) = head
            && let Some(slot) = shard.head.get_mut(row)
        {
            *slot = position;
        }
        match &event.kind {
            EventKind::ProductAdded { product } => {
                if let Some(p) = self.products.intern(product) {
                    shard.add_holding(row, p);
                }
            }
            EventKind::ProductRemoved { product } => {
                if let Some(p) = self.products.lookup(product) {
                    shard.remove_holding(row, p);
                }
            }
            EventKind::ConsentChange { channel, granted } => {
                // Consent is an attribute when profile.yaml declares `consent_<channel>: bool`.
                if let Some(column) = self
                    .schema
                    .attribute_index(&format!("consent_{channel}"))
                    .and_then(|i| shard.columns.get_mut(i))
                {
                    let _ = column.set(row, &Value::Bool(*granted), &self.symbols);
                }
            }
            _ => {}
        }
        self.fire_triggers(shard, row, event)
    }

    fn fold_into_aggregates(&self, shard: &mut Shard, row: u32, event: &Event) {
        let indices = self.schema.aggregates_of(event.kind.event_type());
        if indices.is_empty() {
            return;
        }
        // Filters read the row; judge them all before changing it.
        let counted: smallvec::SmallVec<[(usize, Value); 4]> = {
            let env = EventEnv {
                row: ProfileRef {
                    store: self,
                    shard,
                    row,
                },
                event,
            };
            indices
                .iter()
                .filter_map(|&index| {
                    let spec = &self.schema.aggregates()[index];
                    // An event the filter can't judge (a missing optional field) does not count.
                    if let Some(filter) = &spec.filter
                        && !filter.eval_bool(&env).unwrap_or(false)
                    {
                        return None;
                    }
                    let value = spec
                        .field
                        .as_deref()
                        .map_or(Value::Null, |f| event.kind.field(f));
                    Some((index, value))
                })
                .collect()
        };
        let Some(cells) = shard.aggs.get_mut(row) else {
            return;
        };
        for (index, value) in &counted {
            let spec = &self.schema.aggregates()[*index];
            let contribution = Contribution {
                time_ms: event.time.as_millisecond(),
                event_id: &event.event_id,
                value,
            };
            cells.add(
                *index,
                spec,
                &contribution,
                self.schema.keep_ms(spec),
                &self.symbols,
            );
        }
    }

    fn fire_triggers(&self, shard: &mut Shard, row: u32, event: &Event) -> Vec<TriggerFire> {
        let candidates = self.schema.triggers_of(event.kind.event_type());
        if candidates.is_empty() {
            return Vec::new();
        }
        let mut fired: smallvec::SmallVec<[(u16, usize); 2]> = smallvec::SmallVec::new();
        let now_ms = event.time.as_millisecond();
        {
            let profile = ProfileRef {
                store: self,
                shard,
                row,
            };
            let env = profile.env(event.time);
            let history = shard.fires.get(&row);
            for &index in candidates {
                let trigger = &self.schema.triggers()[index];
                let Ok(slot) = u16::try_from(index) else {
                    continue;
                };
                let last = history.and_then(|h| h.iter().find(|(i, _)| *i == slot));
                if last.is_some_and(|(_, at)| now_ms - at < trigger.cooldown_ms) {
                    continue;
                }
                // A rule that can't be judged (a missing value) does not fire.
                if trigger.when.eval_bool(&env).unwrap_or(false) {
                    fired.push((slot, index));
                }
            }
        }
        if fired.is_empty() {
            return Vec::new();
        }
        let history = shard.fires.entry(row).or_default();
        for &(slot, _) in &fired {
            match history.iter_mut().find(|(i, _)| *i == slot) {
                Some(entry) => entry.1 = now_ms,
                None => history.push((slot, now_ms)),
            }
        }
        fired
            .into_iter()
            .map(|(_, index)| {
                let trigger = &self.schema.triggers()[index];
                TriggerFire {
                    trigger: trigger.id.clone(),
                    customer_id: event.customer_id.clone(),
                    channel: trigger.channel.clone(),
                    time: event.time,
                    event_id: event.event_id.clone(),
                    context: trigger.context.clone(),
                }
            })
            .collect()
    }

    /// Runs `f` over the customer's row under a read lock; `None` for an unknown customer.
    pub fn read<R>(&self, id: &CustomerId, f: impl FnOnce(ProfileRef<'_>) -> R) -> Option<R> {
        let (hash, shard) = self.locate(&id.0);
        let shard = shard.read();
        let row = shard.row(hash, &id.0)?;
        Some(f(ProfileRef {
            store: self,
            shard: &shard,
            row,
        }))
    }

    /// Runs `f` over every customer's row, one shard at a time under its read lock (events for
    /// that shard wait meanwhile; other shards go on). In no particular order.
    pub fn for_each(&self, mut f: impl FnMut(ProfileRef<'_>)) {
        for shard in self.shards.iter() {
            let shard = shard.read();
            for row in 0..shard.len() as u32 {
                f(ProfileRef {
                    store: self,
                    shard: &shard,
                    row,
                });
            }
        }
    }

    /// Up to `max` customer ids of shard `shard` (of [`Self::shard_count`]) from row `from` on, in row order (rows are
    /// never removed, so walking `from` upwards sees every customer the shard held when the
    /// walk began, and some added since). Empty past the shard's end or for no such shard.
    pub fn ids_in(&self, shard: usize, from: usize, max: usize) -> Vec<CustomerId> {
        let Some(shard) = self.shards.get(shard) else {
            return Vec::new();
        };
        let shard = shard.read();
        let end = shard.len().min(from.saturating_add(max));
        (from..end)
            .filter_map(|row| u32::try_from(row).ok())
            .filter_map(|row| shard.ids.id(row).map(CustomerId::new))
            .collect()
    }

    pub fn get(&self, id: &CustomerId) -> Option<Profile> {
        self.read(id, |p| p.view())
    }

    pub fn contains(&self, id: &CustomerId) -> bool {
        let (hash, shard) = self.locate(&id.0);
        shard.read().row(hash, &id.0).is_some()
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read().len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> StoreStats {
        let mut stats = StoreStats {
            symbols: self.symbols.len(),
            products: self.products.len(),
            dedup_entries: self.dedup.lock().len(),
            ..StoreStats::default()
        };
        for shard in self.shards.iter() {
            let shard = shard.read();
            stats.customers += shard.len();
            stats.aggregate_cells += shard.aggs.iter().map(|c| c.len()).sum::<usize>();
        }
        stats
    }
}

/// Why an event can't be stored, if it can't.
fn invalid(event: &Event) -> Option<&'static str> {
    if event.customer_id.0.len() >= MAX_ID_BYTES {
        return Some("the customer id is 16 KiB or longer");
    }
    if event.time.as_millisecond() < 0 {
        return Some("the event time is before 1970");
    }
    None
}
