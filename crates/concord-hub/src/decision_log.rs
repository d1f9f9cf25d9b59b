//! Recent decisions, by id for response matching and by customer for the customer view.

use concord_model::codec::{BinaryCodec, DecodeError, Reader};
use concord_model::{ActionId, ChannelId, CustomerId, DecisionId, DecisionRecord, ResponseRecord};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet, VecDeque};

/// How many decisions stay matchable; older ones are forgotten first (their responses get 404).
pub(crate) const DECISIONS_KEPT: usize = 1_000_000;
/// How many of the newest decisions keep their replay inputs in memory; older ones are read
/// back from the journal by position when replayed (a kilobyte or so each).
pub(crate) const INPUTS_KEPT: usize = 50_000;
const DECISIONS_PER_CUSTOMER: usize = 10;
/// How many batch-run contacts stay matchable (8 bytes each in memory; their decisions stay
/// in the journal); the oldest runs' are forgotten first.
pub(crate) const RUN_CONTACTS_KEPT: usize = 20_000_000;
/// Run contacts one sweep times out at most (each is read back and answered like a decision).
const RUN_TIMEOUTS_PER_SWEEP: usize = 10_000;
/// A run contact's position once its decision has moved into the log.
const PROMOTED: u64 = u64::MAX;

/// A chunk of a batch run's contacts, held compact: decision `first + i` (id
/// `d-<time hex>-<first + i>`) is journaled at `positions[i]`. A response or a timeout reads it
/// back and moves it into the log, where it is matched like any decision.
#[derive(Debug, Clone, PartialEq)]
struct RunChunk {
    time_ms: i64,
    channel: ChannelId,
    positions: Vec<u64>,
    /// Contacts before this index have had their response timeout issued.
    expired: usize,
    /// Contacts from `expired` on still in the chunk (not promoted): those waiting for a
    /// timeout, counted as they change so a metrics scrape does not walk every contact.
    pending: usize,
}

impl RunChunk {
    fn new(time_ms: i64, channel: ChannelId, positions: Vec<u64>, expired: usize) -> Self {
        let pending = positions[expired.min(positions.len())..]
            .iter()
            .filter(|p| **p != PROMOTED)
            .count();
        RunChunk {
            time_ms,
            channel,
            positions,
            expired,
            pending,
        }
    }
}

/// The id of the decision with sequence number `seq` made at `time_ms`.
pub(crate) fn decision_id(time_ms: i64, seq: u64) -> DecisionId {
    DecisionId::new(format!("d-{time_ms:x}-{seq}"))
}

/// A batch run's contact (journaled by a run: `context.run` and no replay inputs), by its
/// decision's sequence number.
pub(crate) fn run_contact_seq(record: &DecisionRecord) -> Option<u64> {
    let run = matches!(
        record.context.get(crate::RUN_KEY),
        Some(concord_model::Value::Str(_))
    );
    if !run || record.inputs.is_some() {
        return None;
    }
    let seq = decision_seq(&record.decision_id)?;
    (decision_id(record.time.as_millisecond(), seq) == record.decision_id).then_some(seq)
}

/// The sequence number of a decision id of [`decision_id`]'s form.
fn decision_seq(id: &DecisionId) -> Option<u64> {
    id.as_str().rsplit_once('-')?.1.parse().ok()
}

#[derive(Debug)]
pub(crate) struct DecisionLog {
    /// Boxed, so growing the table moves pointers, not records (a resize happens under the
    /// lock every decision takes).
    by_id: HashMap<DecisionId, Box<Entry>>,
    order: VecDeque<DecisionId>,
    by_customer: HashMap<CustomerId, VecDeque<DecisionId>>,
    inputs_kept: usize,
    /// Channel -> how long an action presented there waits for a response (models.yaml
    /// `timeouts`).
    timeouts: HashMap<String, i64>,
    /// (deadline ms, decision): decisions in a channel with a timeout, soonest first.
    deadlines: BinaryHeap<Reverse<(i64, DecisionId)>>,
    /// Batch-run contacts by the first decision sequence number of their chunk.
    runs: BTreeMap<u64, RunChunk>,
    run_contacts: usize,
}

impl Default for DecisionLog {
    fn default() -> Self {
        Self {
            by_id: HashMap::new(),
            order: VecDeque::new(),
            by_customer: HashMap::new(),
            inputs_kept: INPUTS_KEPT,
            timeouts: HashMap::new(),
            deadlines: BinaryHeap::new(),
            runs: BTreeMap::new(),
            run_contacts: 0,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub record: DecisionRecord,
    /// The record's journal position (its inputs are there once dropped from memory).
    pub position: u64,
    /// Actions with a response claimed (taken before the response is durable, released on failure).
    pub responded: HashSet<ActionId>,
    /// Durable responses, in arrival order.
    pub responses: Vec<ResponseRecord>,
}

impl Entry {
    /// Actions presented with no response claimed yet.
    pub fn unanswered(&self) -> impl Iterator<Item = &ActionId> {
        self.record
            .actions
            .iter()
            .map(|a| &a.action_id)
            .filter(|a| !self.responded.contains(*a))
    }
}

impl DecisionLog {
    pub fn insert(&mut self, record: DecisionRecord, position: u64) {
        let id = record.decision_id.clone();
        if let Some(after) = self.timeouts.get(record.channel.as_str())
            && !record.actions.is_empty()
        {
            let deadline = record.time.as_millisecond().saturating_add(*after);
            self.deadlines.push(Reverse((deadline, id.clone())));
        }
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
            Box::new(Entry {
                record,
                position,
                responded: HashSet::new(),
                responses: Vec::new(),
            }),
        );
        self.order.push_back(id);
        if let Some(old) = self
            .order
            .len()
            .checked_sub(self.inputs_kept + 1)
            .and_then(|i| self.order.get(i))
            && let Some(entry) = self.by_id.get_mut(old)
        {
            entry.record.inputs = None;
        }
        while self.order.len() > DECISIONS_KEPT {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            // The customer's list forgets it too, so the index stays as small as the log.
            if let Some(entry) = self.by_id.remove(&old)
                && let Some(recent) = self.by_customer.get_mut(&entry.record.customer_id)
            {
                recent.retain(|id| *id != old);
                if recent.is_empty() {
                    self.by_customer.remove(&entry.record.customer_id);
                }
            }
        }
    }

    /// Sets each channel's response timeout and schedules every decision kept with an action
    /// still unanswered (after a snapshot is restored; later inserts schedule themselves).
    pub fn set_timeouts(&mut self, timeouts: HashMap<String, i64>) {
        self.timeouts = timeouts;
        self.deadlines.clear();
        for id in &self.order {
            let Some(entry) = self.by_id.get(id) else {
                continue;
            };
            if let Some(after) = self.timeouts.get(entry.record.channel.as_str())
                && entry.unanswered().next().is_some()
            {
                let deadline = entry.record.time.as_millisecond().saturating_add(*after);
                self.deadlines.push(Reverse((deadline, id.clone())));
            }
        }
    }

    /// Decisions whose response timeout has passed at `now_ms`, each with its deadline and
    /// the actions still unanswered (taken off the schedule: each comes due once).
    /// Batch-run contacts come with no actions (at most [`RUN_TIMEOUTS_PER_SWEEP`] a call, the
    /// rest at the next): the caller reads each back ([`DecisionLog::promote`]) and answers
    /// what it finds unanswered.
    pub fn due(&mut self, now_ms: i64) -> Vec<(DecisionId, i64, Vec<ActionId>)> {
        let mut out = Vec::new();
        let mut budget = RUN_TIMEOUTS_PER_SWEEP;
        for (first, chunk) in &mut self.runs {
            let Some(after) = self.timeouts.get(chunk.channel.as_str()) else {
                continue;
            };
            let deadline = chunk.time_ms.saturating_add(*after);
            if deadline > now_ms {
                continue;
            }
            while chunk.expired < chunk.positions.len() && budget > 0 {
                let i = chunk.expired;
                chunk.expired += 1;
                if chunk.positions[i] != PROMOTED {
                    chunk.pending = chunk.pending.saturating_sub(1);
                    out.push((
                        decision_id(chunk.time_ms, first + i as u64),
                        deadline,
                        Vec::new(),
                    ));
                    budget -= 1;
                }
            }
            if budget == 0 {
                break;
            }
        }
        while let Some(Reverse((deadline, _))) = self.deadlines.peek()
            && *deadline <= now_ms
        {
            let Some(Reverse((deadline, id))) = self.deadlines.pop() else {
                break;
            };
            if let Some(entry) = self.by_id.get(&id) {
                let open: Vec<ActionId> = entry.unanswered().cloned().collect();
                if !open.is_empty() {
                    out.push((id, deadline, open));
                }
            }
        }
        out
    }

    /// Puts a decision back on the schedule (its timeout responses could not be recorded).
    pub fn reschedule(&mut self, id: DecisionId, deadline: i64) {
        self.deadlines.push(Reverse((deadline, id)));
    }

    /// Decisions waiting for a response timeout (batch-run contacts included).
    pub fn scheduled(&self) -> usize {
        let runs: usize = self
            .runs
            .values()
            .filter(|c| self.timeouts.contains_key(c.channel.as_str()))
            .map(|c| c.pending)
            .sum();
        self.deadlines.len() + runs
    }

    /// Records a batch run's contacts: decisions `first..first + positions.len()` made at
    /// `time_ms` in `channel`, journaled at `positions`. Contacts that continue a chunk join
    /// it (replay adds them one by one). The oldest runs' contacts are forgotten past
    /// [`RUN_CONTACTS_KEPT`].
    pub fn add_run_contacts(
        &mut self,
        first: u64,
        time_ms: i64,
        channel: &ChannelId,
        positions: Vec<u64>,
    ) {
        self.run_contacts += positions.len();
        // The chunk just before `first` (chunks of two workers may be journaled in either
        // order, so not necessarily the newest).
        match self.runs.range_mut(..first).next_back() {
            Some((start, last))
                if start + last.positions.len() as u64 == first
                    && last.time_ms == time_ms
                    && last.channel == *channel =>
            {
                last.pending += positions.len();
                last.positions.extend(positions);
            }
            _ => {
                self.runs
                    .insert(first, RunChunk::new(time_ms, channel.clone(), positions, 0));
            }
        }
        while self.run_contacts > RUN_CONTACTS_KEPT {
            let Some((_, oldest)) = self.runs.pop_first() else {
                break;
            };
            self.run_contacts -= oldest.positions.len();
        }
    }

    /// Where a batch-run contact's decision is journaled, if `id` names one not yet moved
    /// into the log.
    pub fn run_position(&self, id: &DecisionId) -> Option<u64> {
        let seq = decision_seq(id)?;
        let (first, chunk) = self.runs.range(..=seq).next_back()?;
        let position = *chunk.positions.get(usize::try_from(seq - first).ok()?)?;
        (position != PROMOTED && decision_id(chunk.time_ms, seq) == *id).then_some(position)
    }

    /// Moves a batch-run contact's decision (read back from `position`) into the log, where
    /// responses and timeouts find it; a no-op if it is there already.
    pub fn promote(&mut self, record: DecisionRecord, position: u64) {
        let Some(seq) = decision_seq(&record.decision_id) else {
            return;
        };
        let Some((first, chunk)) = self.runs.range_mut(..=seq).next_back() else {
            return;
        };
        let Some(i) = usize::try_from(seq - *first).ok() else {
            return;
        };
        match chunk.positions.get_mut(i) {
            Some(p) if *p == position => *p = PROMOTED,
            _ => return,
        }
        if i >= chunk.expired {
            chunk.pending = chunk.pending.saturating_sub(1);
        }
        self.insert(record, position);
    }

    /// The oldest journal position a batch-run contact still needs (the journal is kept from
    /// there).
    pub fn oldest_run_position(&self) -> Option<u64> {
        self.runs
            .values()
            .filter_map(|c| c.positions.iter().copied().filter(|p| *p != PROMOTED).min())
            .min()
    }

    /// Batch-run contacts still matchable.
    pub fn run_contacts(&self) -> usize {
        self.run_contacts
    }

    /// Keeps replay inputs in memory for the newest `n` decisions only, from now on.
    pub fn set_inputs_kept(&mut self, n: usize) {
        self.inputs_kept = n;
        let keep_from = self.order.len().saturating_sub(n);
        for id in self.order.iter().take(keep_from) {
            if let Some(entry) = self.by_id.get_mut(id) {
                entry.record.inputs = None;
            }
        }
    }

    pub fn get(&self, id: &DecisionId) -> Option<&Entry> {
        self.by_id.get(id).map(|e| &**e)
    }

    pub fn get_mut(&mut self, id: &DecisionId) -> Option<&mut Entry> {
        self.by_id.get_mut(id).map(|e| &mut **e)
    }

    /// The customer's most recent decisions, newest first, each with its responses.
    pub fn recent_for(&self, customer: &CustomerId) -> Vec<(DecisionRecord, Vec<ResponseRecord>)> {
        self.by_customer
            .get(customer)
            .map(|ids| {
                ids.iter()
                    .rev()
                    .filter_map(|id| {
                        self.by_id
                            .get(id)
                            .map(|e| (e.record.clone(), e.responses.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every decision kept, oldest first, with its responses.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.order
            .iter()
            .filter_map(|id| self.by_id.get(id).map(|e| &**e))
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Appends the log's binary form, oldest decision first (for a snapshot).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let kept: Vec<&Entry> = self.entries().collect();
        (kept.len() as u64).encode(out);
        for entry in kept {
            entry.record.encode(out);
            entry.position.encode(out);
            let mut responded: Vec<&ActionId> = entry.responded.iter().collect();
            responded.sort();
            (responded.len() as u64).encode(out);
            for action in responded {
                action.encode(out);
            }
            entry.responses.encode(out);
        }
        (self.runs.len() as u64).encode(out);
        for (first, chunk) in &self.runs {
            first.encode(out);
            (chunk.time_ms as u64).encode(out);
            chunk.channel.encode(out);
            chunk.positions.encode(out);
            (chunk.expired as u64).encode(out);
        }
    }

    /// Rebuilds a log from [`DecisionLog::encode`]'s bytes by inserting in the same order;
    /// `version` 1 records predate the household field, versions 1 and 2 responses the custom
    /// outcome, versions before 7 records the experiment arm, versions before 9 the variant,
    /// versions before 10 batch-run contacts.
    pub fn decode(input: &mut Reader<'_>, version: u8) -> Result<Self, DecodeError> {
        let mut log = Self::default();
        for _ in 0..input.count()? {
            let (record, position) = if version == 1 {
                (DecisionRecord::decode_v1(input)?, u64::MAX)
            } else if version < 7 {
                (DecisionRecord::decode_v2(input)?, input.read()?)
            } else if version < 9 {
                (DecisionRecord::decode_v3(input)?, input.read()?)
            } else {
                (input.read()?, input.read()?)
            };
            let id = record.decision_id.clone();
            let mut responded = HashSet::new();
            for _ in 0..input.count()? {
                responded.insert(input.read::<ActionId>()?);
            }
            let responses: Vec<ResponseRecord> = if version < 3 {
                (0..input.count()?)
                    .map(|_| ResponseRecord::decode_v1(input))
                    .collect::<Result<_, _>>()?
            } else {
                input.read()?
            };
            log.insert(record, position);
            if let Some(entry) = log.by_id.get_mut(&id) {
                entry.responded = responded;
                entry.responses = responses;
            }
        }
        if version >= 10 {
            for _ in 0..input.count()? {
                let first: u64 = input.read()?;
                let time_ms = input.read::<u64>()? as i64;
                let channel: ChannelId = input.read()?;
                let positions: Vec<u64> = input.read()?;
                let expired: u64 = input.read()?;
                log.run_contacts += positions.len();
                let expired = usize::try_from(expired)
                    .unwrap_or(usize::MAX)
                    .min(positions.len());
                log.runs
                    .insert(first, RunChunk::new(time_ms, channel, positions, expired));
            }
        }
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_model::{Arm, Attributes, RankedAction, Timestamp};

    const T: i64 = 1_795_428_000_000;

    fn record(seq: u64) -> DecisionRecord {
        DecisionRecord {
            decision_id: decision_id(T, seq),
            customer_id: CustomerId::new(format!("c{seq}")),
            channel: ChannelId::new("sms"),
            time: Timestamp::from_millisecond(T).expect("time"),
            strategy_hash: "h".to_owned(),
            context: Attributes::new(),
            actions: vec![RankedAction {
                rank: 1,
                action_id: ActionId::new("offer"),
                issue: "growth".to_owned(),
                group: "data".to_owned(),
                propensity: 0.1,
                value: 1.0,
                priority: 0.1,
                treatment: None,
                price: None,
                valid_until: None,
            }],
            household: None,
            predictors: Vec::new(),
            inputs: None,
            arm: Arm::Test,
            variant: None,
        }
    }

    /// Two workers' chunks (decisions 1-4 and 5-8) journaled in either order and replayed one
    /// contact at a time make a chunk or two, never one a contact; every id finds its position, a promoted one
    /// moves into the log, the oldest position still needed is known, timeouts come a budget
    /// at a time, and the chunks survive a snapshot's encoding.
    #[test]
    fn run_chunks_join_find_promote_expire_and_encode() {
        let sms = ChannelId::new("sms");
        for order in [[1u64, 5], [5, 1]] {
            let mut log = DecisionLog::default();
            log.set_timeouts(HashMap::from([("sms".to_owned(), 1_000)]));
            let mut position = 100u64;
            for first in order {
                for seq in first..first + 4 {
                    log.add_run_contacts(seq, T, &sms, vec![position + seq]);
                }
                position += 1_000;
            }
            let where_of = |seq: u64| if (1..5).contains(&seq) == (order[0] == 1) { 100 } else { 1_100 } + seq;
            // A worker's contacts join its chunk, and the later-numbered chunk journaled first
            // continues into the other: never a chunk per contact.
            let chunks = if order[0] == 1 { 1 } else { 2 };
            assert_eq!(log.runs.len(), chunks, "order {order:?}");
            assert_eq!(log.run_contacts(), 8);
            for seq in 1..9 {
                assert_eq!(
                    log.run_position(&decision_id(T, seq)),
                    Some(where_of(seq)),
                    "{seq}"
                );
            }
            for unknown in [
                decision_id(T, 9),
                decision_id(T + 1, 3),
                DecisionId::new("d-x-y"),
            ] {
                assert_eq!(log.run_position(&unknown), None, "{unknown}");
            }
            assert_eq!(log.oldest_run_position(), (1..9).map(where_of).min());
            log.promote(record(3), where_of(3));
            assert!(
                log.get(&decision_id(T, 3)).is_some(),
                "promoted into the log"
            );
            assert_eq!(log.run_position(&decision_id(T, 3)), None);
            log.promote(record(3), where_of(3));
            assert_eq!(log.len(), 1, "promoting twice is a no-op");

            let mut bytes = Vec::new();
            log.encode(&mut bytes);
            let mut input = concord_model::codec::Reader::new(&bytes);
            let mut decoded = DecisionLog::decode(&mut input, 10).expect("decodes");
            assert_eq!(decoded.runs, log.runs);
            assert_eq!(decoded.run_contacts(), 8);
            decoded.set_timeouts(HashMap::from([("sms".to_owned(), 1_000)]));

            assert!(decoded.due(T + 999).is_empty(), "not due yet");
            // The promoted contact times out through the log's own schedule; the other seven
            // come from the chunk.
            let due = decoded.due(T + 1_000);
            let mut ids: Vec<String> = due.iter().map(|(id, _, _)| id.0.clone()).collect();
            ids.sort();
            let mut expected: Vec<String> = (1..9).map(|s| decision_id(T, s).0).collect();
            expected.sort();
            assert_eq!(ids, expected);
            assert!(decoded.due(T + 5_000).is_empty(), "each once");
        }
    }
}
