//! Recent decisions, by id for response matching and by customer for the customer view.

use concord_model::{ActionId, CustomerId, DecisionId, DecisionRecord};
use std::collections::{HashMap, HashSet, VecDeque};

/// How many decisions stay matchable; older ones are forgotten first (their responses get 404).
pub(crate) const DECISIONS_KEPT: usize = 1_000_000;
const DECISIONS_PER_CUSTOMER: usize = 10;

#[derive(Debug, Default)]
pub(crate) struct DecisionLog {
    by_id: HashMap<DecisionId, Entry>,
    order: VecDeque<DecisionId>,
    by_customer: HashMap<CustomerId, VecDeque<DecisionId>>,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub record: DecisionRecord,
    pub responded: HashSet<ActionId>,
}

impl DecisionLog {
    pub fn insert(&mut self, record: DecisionRecord) {
        let id = record.decision_id.clone();
        let recent = self
            .by_customer
            .entry(record.customer_id.clone())
            .or_default();
        recent.push_back(id.clone());
        if recent.len() > DECISIONS_PER_CUSTOMER {
            recent.pop_front();
        }
        self.by_id.insert(
            id.clone(),
            Entry {
                record,
                responded: HashSet::new(),
            },
        );
        self.order.push_back(id);
        while self.order.len() > DECISIONS_KEPT {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
    }

    pub fn get_mut(&mut self, id: &DecisionId) -> Option<&mut Entry> {
        self.by_id.get_mut(id)
    }

    pub fn recent_for(&self, customer: &CustomerId) -> Vec<DecisionRecord> {
        self.by_customer
            .get(customer)
            .map(|ids| {
                ids.iter()
                    .rev()
                    .filter_map(|id| self.by_id.get(id).map(|e| e.record.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }
}
