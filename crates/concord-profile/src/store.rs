//! The in-memory profile store: profiles sharded by customer so writers to different customers never meet.

use crate::profile::{ApplyOutcome, Profile};
use crate::schema::{CompiledSchema, TriggerFire};
use concord_model::{Attributes, CustomerId, Event};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

const SHARDS: usize = 64;

#[derive(Debug)]
pub struct ProfileStore {
    schema: CompiledSchema,
    shards: Vec<RwLock<HashMap<CustomerId, Profile>>>,
}

impl ProfileStore {
    pub fn new(schema: CompiledSchema) -> Self {
        Self {
            schema,
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }

    pub fn schema(&self) -> &CompiledSchema {
        &self.schema
    }

    fn shard(&self, id: &CustomerId) -> &RwLock<HashMap<CustomerId, Profile>> {
        let mut hasher = DefaultHasher::new();
        id.hash(&mut hasher);
        &self.shards[(hasher.finish() as usize) % SHARDS]
    }

    /// Creates the customer if new and merges `attributes` and `holdings` (a base load row).
    pub fn upsert(&self, id: &CustomerId, attributes: Attributes, holdings: &[String]) {
        let mut shard = self.shard(id).write();
        let profile = shard
            .entry(id.clone())
            .or_insert_with(|| Profile::new(id.clone()));
        profile.set_attributes(attributes);
        profile.holdings.extend(holdings.iter().cloned());
    }

    /// Applies an event, creating the profile on a customer's first event (a new connection),
    /// then checks the triggers it can affect. A duplicate changes nothing and fires nothing.
    pub fn apply(&self, event: &Event) -> (ApplyOutcome, Vec<TriggerFire>) {
        let mut shard = self.shard(&event.customer_id).write();
        let profile = shard
            .entry(event.customer_id.clone())
            .or_insert_with(|| Profile::new(event.customer_id.clone()));
        match profile.apply(&self.schema, event) {
            ApplyOutcome::Applied => (
                ApplyOutcome::Applied,
                profile.fire_triggers(&self.schema, event),
            ),
            ApplyOutcome::Duplicate => (ApplyOutcome::Duplicate, Vec::new()),
        }
    }

    pub fn is_duplicate(&self, event: &Event) -> bool {
        self.shard(&event.customer_id)
            .read()
            .get(&event.customer_id)
            .is_some_and(|p| p.has_seen(&event.event_id))
    }

    pub fn contains(&self, id: &CustomerId) -> bool {
        self.shard(id).read().contains_key(id)
    }

    /// Runs `f` over the profile under a read lock; `None` for an unknown customer.
    pub fn read<R>(&self, id: &CustomerId, f: impl FnOnce(&Profile) -> R) -> Option<R> {
        self.shard(id).read().get(id).map(f)
    }

    pub fn get(&self, id: &CustomerId) -> Option<Profile> {
        self.read(id, Profile::clone)
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read().len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
