//! The contact history the contact policy judges: per customer (and per household) the
//! impressions and outcomes any rule of contact.yaml counts, back to the policy's horizon; the
//! operator-wide use of each volume budget per period; and the customer's open offers (offer
//! memory: actions with a validity, shown at a price, maybe accepted).
//!
//! A decision holds its customer's shard (and, when rules need them, the households and the
//! volume budgets) from reading the history to recording its impressions, so two decisions for
//! one customer can't both pass a cap that only one of them fits under. The book is rebuilt on
//! replay from decision and response records, and kept in snapshots.

use concord_decide::{Contact, History, Offer, UNKNOWN, VolumeUse};
use concord_model::codec::{BinaryCodec, DecodeError, Reader};
use concord_model::{
    ContactKind, CustomerId, DecisionRecord, Outcome, RankedAction, ResponseRecord, Timestamp,
};
use concord_strategy::Strategy;
use parking_lot::{Mutex, MutexGuard};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const SHARDS: usize = 64;
/// Periods of each volume budget kept (the current one and a little behind it).
const VOLUME_PERIODS_KEPT: usize = 3;

/// One entry of a customer's contact history, as the customer view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactEntry {
    pub time: Timestamp,
    pub action_id: String,
    pub channel: String,
    pub kind: ContactKind,
}

#[derive(Debug, Default)]
struct Entry {
    /// The household of the customer's latest decision.
    household: Option<String>,
    contacts: Vec<Contact>,
    /// Offers shown with a validity, until they lapse.
    offers: Vec<Offer>,
}

/// aHash: keyed at random per process like SipHash, a fraction of its cost per id (every
/// decision reads and writes a customer's entry).
type Shard = HashMap<CustomerId, Entry, ahash::RandomState>;
type Households = HashMap<String, Vec<Contact>>;
/// Per volume constraint: period start (ms) -> use.
type VolumeBook = Vec<BTreeMap<i64, VolumeUse>>;

#[derive(Debug)]
pub(crate) struct ContactBook {
    strategy: Arc<Strategy>,
    /// False when there is nothing to keep: no contact rules and no action with a validity.
    enabled: bool,
    horizon_ms: i64,
    /// Per channel position, per contact kind: whether any rule counts it (else not kept).
    kept: Vec<[bool; 5]>,
    hasher: ahash::RandomState,
    shards: Box<[Mutex<Shard>]>,
    households: Mutex<Households>,
    volume: Mutex<VolumeBook>,
}

/// What a decision holds while it reads the history and records its impressions.
pub(crate) struct Held<'b> {
    book: &'b ContactBook,
    customer: &'b CustomerId,
    shard: Option<MutexGuard<'b, Shard>>,
    household: Option<(&'b str, MutexGuard<'b, Households>)>,
    volume: Option<MutexGuard<'b, VolumeBook>>,
    volume_now: Vec<VolumeUse>,
}

impl Held<'_> {
    pub(crate) fn history(&self) -> History<'_> {
        let entry = self.shard.as_ref().and_then(|s| s.get(self.customer));
        let own = entry.map_or(&[][..], |e| e.contacts.as_slice());
        let offers = entry.map_or(&[][..], |e| e.offers.as_slice());
        let household = self
            .household
            .as_ref()
            .and_then(|(h, map)| map.get(*h))
            .map_or(&[][..], Vec::as_slice);
        History {
            own,
            household,
            volume: &self.volume_now,
            offers,
        }
    }

    /// Records the decision's actions as impressions (before the decision is journaled: undo
    /// with [`ContactBook::forget`] if that fails).
    pub(crate) fn record(mut self, channel: &str, actions: &[RankedAction], time: Timestamp) {
        let book = self.book;
        let Some(shard) = self.shard.as_mut() else {
            return;
        };
        let household = self.household.as_ref().map(|(h, _)| (*h).to_owned());
        let contacts = book.impressions(channel, actions, time);
        book.add(shard, self.customer, household.as_deref(), &contacts);
        book.remember(shard, self.customer, channel, actions, time);
        if let Some((h, map)) = self.household.as_mut() {
            book.add_household(map, h, &contacts);
        }
        if let Some(volume) = self.volume.as_mut() {
            book.charge(volume, &contacts, 1);
        }
    }
}

impl ContactBook {
    pub(crate) fn new(strategy: Arc<Strategy>) -> Self {
        let policy = strategy.contact();
        let remembers = strategy.actions().iter().any(|a| a.validity_ms.is_some());
        let kept = strategy
            .channels()
            .iter()
            .enumerate()
            .map(|(i, channel)| {
                let mut kinds = [false; 5];
                for (k, kind) in ContactKind::ALL.iter().enumerate() {
                    let impression = *kind == ContactKind::Impression;
                    kinds[k] = policy
                        .pauses
                        .iter()
                        .any(|p| p.outcome == *kind && p.scope.covers_channel(i, channel))
                        || (impression
                            && (policy
                                .caps
                                .iter()
                                .any(|c| c.scope.covers_channel(i, channel))
                                || policy
                                    .volumes
                                    .iter()
                                    .any(|v| v.scope.covers_channel(i, channel))));
                }
                kinds
            })
            .collect();
        ContactBook {
            enabled: remembers || !policy.is_empty(),
            horizon_ms: policy.horizon_ms(),
            kept,
            hasher: ahash::RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            households: Mutex::new(HashMap::new()),
            volume: Mutex::new(vec![BTreeMap::new(); policy.volumes.len()]),
            strategy,
        }
    }

    fn enabled(&self) -> bool {
        self.enabled
    }

    /// Keeps the offers of `actions` that carry a validity, unless the same offer (action and
    /// validity) is open already; lapsed offers go.
    fn remember(
        &self,
        shard: &mut Shard,
        customer: &CustomerId,
        channel: &str,
        actions: &[RankedAction],
        time: Timestamp,
    ) {
        let shown_ms = time.as_millisecond();
        let channel = self
            .strategy
            .channel_at(channel)
            .map_or(u16::MAX, |(i, _)| i as u16);
        let mut new = actions.iter().filter_map(|a| {
            Some(Offer {
                action: self.action_position(a.action_id.as_str()),
                price: a.price,
                shown_ms,
                valid_until_ms: a.valid_until?.as_millisecond(),
                channel,
                accepted_ms: None,
            })
        });
        let Some(first) = new.next() else {
            return;
        };
        let entry = shard.entry(customer.clone()).or_default();
        entry.offers.retain(|o| o.valid_until_ms > shown_ms);
        for offer in std::iter::once(first).chain(new) {
            let same = |o: &&mut Offer| {
                o.action == offer.action && o.valid_until_ms == offer.valid_until_ms
            };
            if !entry.offers.iter_mut().any(|o| same(&o)) {
                entry.offers.push(offer);
            }
        }
    }

    /// Marks the offer (action, valid until) accepted at `time_ms`; false when it already was
    /// (another decision showed the same offer and its acceptance came first).
    pub(crate) fn accept(
        &self,
        customer: &CustomerId,
        action: &str,
        valid_until: Timestamp,
        time_ms: i64,
    ) -> bool {
        if !self.enabled() {
            return true;
        }
        let action = self.action_position(action);
        let until = valid_until.as_millisecond();
        let mut shard = self.shard(customer).lock();
        let Some(offer) = shard.get_mut(customer).and_then(|e| {
            e.offers
                .iter_mut()
                .find(|o| o.action == action && o.valid_until_ms == until)
        }) else {
            return true;
        };
        if offer.accepted_ms.is_some() {
            return false;
        }
        offer.accepted_ms = Some(time_ms);
        true
    }

    /// Takes back [`ContactBook::accept`] for a response that was not journaled.
    pub(crate) fn unaccept(&self, customer: &CustomerId, action: &str, valid_until: Timestamp) {
        let action = self.action_position(action);
        let until = valid_until.as_millisecond();
        if let Some(offer) = self.shard(customer).lock().get_mut(customer).and_then(|e| {
            e.offers
                .iter_mut()
                .find(|o| o.action == action && o.valid_until_ms == until)
        }) {
            offer.accepted_ms = None;
        }
    }

    fn shard(&self, customer: &CustomerId) -> &Mutex<Shard> {
        &self.shards[(self.hasher.hash_one(customer) % SHARDS as u64) as usize]
    }

    /// Holds what a decision in `channel` at `now` reads and records. Nothing is held (and the
    /// history is empty) when the strategy has no contact rules.
    pub(crate) fn hold<'b>(
        &'b self,
        customer: &'b CustomerId,
        household: Option<&'b str>,
        channel: &str,
        now: Timestamp,
    ) -> Held<'b> {
        let mut held = Held {
            book: self,
            customer,
            shard: None,
            household: None,
            volume: None,
            volume_now: Vec::new(),
        };
        if !self.enabled() {
            return held;
        }
        held.shard = Some(self.shard(customer).lock());
        if let Some(h) = household
            && self.strategy.contact().needs_household()
        {
            held.household = Some((h, self.households.lock()));
        }
        if self.volume_covers(channel) {
            let volume = self.volume.lock();
            held.volume_now = self.volume_now(&volume, now);
            held.volume = Some(volume);
        }
        held
    }

    /// Whether any volume budget counts impressions in `channel`.
    fn volume_covers(&self, channel: &str) -> bool {
        let policy = self.strategy.contact();
        self.strategy
            .channel_at(channel)
            .is_some_and(|(i, c)| policy.volumes.iter().any(|v| v.scope.covers_channel(i, c)))
    }

    /// Each volume budget's use in the period holding `now`.
    fn volume_now(&self, volume: &VolumeBook, now: Timestamp) -> Vec<VolumeUse> {
        let zone = self.zone();
        self.strategy
            .contact()
            .volumes
            .iter()
            .zip(volume.iter())
            .map(|(v, periods)| {
                let start = v.per.start_ms(now, &zone);
                // A request older than the newest period recorded is judged on that newest
                // period's use (never on none).
                match periods.last_key_value() {
                    Some((&newest, used)) if newest > start => *used,
                    _ => periods.get(&start).copied().unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Runs `f` over the history a decision in `channel` at `now` would be judged on, recording
    /// nothing (dry runs: `Hub::simulate`). Only the customer's shard stays locked while `f`
    /// runs; the household's contacts and the volume use are copied out first, so concurrent
    /// dry runs don't queue on the book-wide locks.
    pub(crate) fn peek<R>(
        &self,
        customer: &CustomerId,
        household: Option<&str>,
        channel: &str,
        now: Timestamp,
        f: impl FnOnce(&History<'_>) -> R,
    ) -> R {
        if !self.enabled() {
            return f(&History::default());
        }
        let household: Vec<Contact> = household
            .filter(|_| self.strategy.contact().needs_household())
            .and_then(|h| self.households.lock().get(h).cloned())
            .unwrap_or_default();
        let volume = if self.volume_covers(channel) {
            self.volume_now(&self.volume.lock(), now)
        } else {
            Vec::new()
        };
        let shard = self.shard(customer).lock();
        let entry = shard.get(customer);
        f(&History {
            own: entry.map_or(&[][..], |e| e.contacts.as_slice()),
            household: &household,
            volume: &volume,
            offers: entry.map_or(&[][..], |e| e.offers.as_slice()),
        })
    }

    /// Volume periods are in the strategy's default time zone.
    fn zone(&self) -> jiff::tz::TimeZone {
        self.strategy
            .time_zone()
            .map_or(jiff::tz::TimeZone::UTC, |t| t.default.clone())
    }

    /// The contacts worth keeping for a decision's actions in `channel`.
    fn impressions(
        &self,
        channel: &str,
        actions: &[RankedAction],
        time: Timestamp,
    ) -> Vec<Contact> {
        let Some((c, _)) = self.strategy.channel_at(channel) else {
            return Vec::new();
        };
        if !self.kept.get(c).is_some_and(|k| k[0]) {
            return Vec::new();
        }
        actions
            .iter()
            .map(|a| Contact {
                time_ms: time.as_millisecond(),
                action: self.action_position(a.action_id.as_str()),
                channel: c as u16,
                kind: ContactKind::Impression,
            })
            .collect()
    }

    fn action_position(&self, id: &str) -> u32 {
        self.strategy.action_index(id).map_or(UNKNOWN, |i| i as u32)
    }

    fn add(
        &self,
        shard: &mut Shard,
        customer: &CustomerId,
        household: Option<&str>,
        contacts: &[Contact],
    ) {
        if contacts.is_empty() {
            return;
        }
        let entry = shard.entry(customer.clone()).or_default();
        if household.is_some() {
            entry.household = household.map(str::to_owned);
        }
        push_pruned(&mut entry.contacts, contacts, self.horizon_ms);
    }

    fn add_household(
        &self,
        map: &mut HashMap<String, Vec<Contact>>,
        household: &str,
        contacts: &[Contact],
    ) {
        if contacts.is_empty() {
            return;
        }
        let list = map.entry(household.to_owned()).or_default();
        push_pruned(list, contacts, self.horizon_ms);
    }

    /// Adds (`sign` 1) or takes back (`sign` -1) the impressions' use of volume budgets.
    fn charge(&self, volume: &mut VolumeBook, contacts: &[Contact], sign: i64) {
        let policy = self.strategy.contact();
        let zone = self.zone();
        for contact in contacts
            .iter()
            .filter(|c| c.kind == ContactKind::Impression)
        {
            let Some(channel) = self.strategy.channels().get(usize::from(contact.channel)) else {
                continue;
            };
            let action = self.strategy.actions().get(contact.action as usize);
            for (v, periods) in policy.volumes.iter().zip(volume.iter_mut()) {
                let covered = v
                    .scope
                    .covers_contact(Some((usize::from(contact.channel), channel)), action);
                if !covered {
                    continue;
                }
                let Ok(time) = Timestamp::from_millisecond(contact.time_ms) else {
                    continue;
                };
                let used = periods.entry(v.per.start_ms(time, &zone)).or_default();
                if sign > 0 {
                    used.contacts += 1;
                    used.cost += channel.cost;
                } else {
                    used.contacts = used.contacts.saturating_sub(1);
                    used.cost -= channel.cost;
                }
                while periods.len() > VOLUME_PERIODS_KEPT {
                    periods.pop_first();
                }
            }
        }
    }

    /// Takes back what [`Held::record`] recorded for a decision that was not journaled.
    pub(crate) fn forget(&self, record: &DecisionRecord) {
        if !self.enabled() {
            return;
        }
        let shown_ms = record.time.as_millisecond();
        if let Some(entry) = self
            .shard(&record.customer_id)
            .lock()
            .get_mut(&record.customer_id)
        {
            for a in &record.actions {
                let (Some(until), action) =
                    (a.valid_until, self.action_position(a.action_id.as_str()))
                else {
                    continue;
                };
                let until = until.as_millisecond();
                entry.offers.retain(|o| {
                    !(o.action == action && o.valid_until_ms == until && o.shown_ms == shown_ms)
                });
            }
        }
        let contacts = self.impressions(record.channel.as_str(), &record.actions, record.time);
        if contacts.is_empty() {
            return;
        }
        let remove = |list: &mut Vec<Contact>| {
            for c in &contacts {
                if let Some(i) = list.iter().rposition(|x| x == c) {
                    list.remove(i);
                }
            }
        };
        if let Some(entry) = self
            .shard(&record.customer_id)
            .lock()
            .get_mut(&record.customer_id)
        {
            remove(&mut entry.contacts);
        }
        if let Some(h) = &record.household
            && let Some(list) = self.households.lock().get_mut(h)
        {
            remove(list);
        }
        self.charge(&mut self.volume.lock(), &contacts, -1);
    }

    /// A journaled decision, on replay.
    pub(crate) fn replay_decision(&self, record: &DecisionRecord) {
        if !self.enabled() {
            return;
        }
        let contacts = self.impressions(record.channel.as_str(), &record.actions, record.time);
        {
            let mut shard = self.shard(&record.customer_id).lock();
            self.add(
                &mut shard,
                &record.customer_id,
                record.household.as_deref(),
                &contacts,
            );
            self.remember(
                &mut shard,
                &record.customer_id,
                record.channel.as_str(),
                &record.actions,
                record.time,
            );
        }
        if let Some(h) = &record.household
            && self.strategy.contact().needs_household()
        {
            self.add_household(&mut self.households.lock(), h, &contacts);
        }
        self.charge(&mut self.volume.lock(), &contacts, 1);
    }

    /// A response: an outcome in the decision's channel, for pauses that count it; an
    /// acceptance also closes the offer it answered (`valid_until`, from the decision).
    pub(crate) fn record_response(
        &self,
        response: &ResponseRecord,
        household: Option<&str>,
        valid_until: Option<Timestamp>,
    ) {
        if !self.enabled() {
            return;
        }
        if let (Outcome::Accepted, Some(until)) = (response.outcome, valid_until) {
            // On replay this closes the offer; live, `accept` closed it already (no change).
            self.accept(
                &response.customer_id,
                response.action_id.as_str(),
                until,
                response.time.as_millisecond(),
            );
        }
        let Some((c, _)) = self.strategy.channel_at(response.channel.as_str()) else {
            return;
        };
        let kind = ContactKind::from(response.outcome);
        let slot = ContactKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0);
        if !self.kept.get(c).is_some_and(|k| k[slot]) {
            return;
        }
        let contact = [Contact {
            time_ms: response.time.as_millisecond(),
            action: self.action_position(response.action_id.as_str()),
            channel: c as u16,
            kind,
        }];
        self.add(
            &mut self.shard(&response.customer_id).lock(),
            &response.customer_id,
            household,
            &contact,
        );
    }

    /// The customer's kept contacts, newest first, with ids (`?` for what the strategy no
    /// longer declares).
    pub(crate) fn of(&self, customer: &CustomerId) -> Vec<ContactEntry> {
        let shard = self.shard(customer).lock();
        let Some(entry) = shard.get(customer) else {
            return Vec::new();
        };
        let mut out: Vec<ContactEntry> = entry
            .contacts
            .iter()
            .map(|c| ContactEntry {
                time: Timestamp::from_millisecond(c.time_ms).unwrap_or_default(),
                action_id: self
                    .strategy
                    .actions()
                    .get(c.action as usize)
                    .map_or_else(|| "?".to_owned(), |a| a.id.0.clone()),
                channel: self
                    .strategy
                    .channels()
                    .get(usize::from(c.channel))
                    .map_or_else(|| "?".to_owned(), |ch| ch.id.0.clone()),
                kind: c.kind,
            })
            .collect();
        out.sort_by_key(|c| std::cmp::Reverse(c.time));
        out
    }

    /// How many contacts are kept, over all customers (for stats and tests).
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().values().map(|e| e.contacts.len()).sum::<usize>())
            .sum()
    }

    /// Appends the book's binary form: the strategy's action and channel ids (contacts and
    /// offers name them by position), then each customer's household, contacts and offers.
    /// Households and volume use are rebuilt from these on restore.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let actions = self.strategy.actions().iter().map(|a| a.id.0.clone());
        (self.strategy.actions().len() as u64).encode(out);
        actions.for_each(|id| id.encode(out));
        (self.strategy.channels().len() as u64).encode(out);
        for channel in self.strategy.channels() {
            channel.id.0.encode(out);
        }
        let mut customers = Vec::new();
        for shard in &self.shards {
            let shard = shard.lock();
            for (id, entry) in shard.iter() {
                customers.push((
                    id.clone(),
                    entry.household.clone(),
                    entry.contacts.clone(),
                    entry.offers.clone(),
                ));
            }
        }
        (customers.len() as u64).encode(out);
        for (id, household, contacts, offers) in customers {
            id.encode(out);
            household.encode(out);
            contacts.encode(out);
            offers.encode(out);
        }
    }

    /// Restores what [`ContactBook::encode`] wrote, mapping its action and channel positions
    /// onto this strategy's by id (ids it no longer declares become [`UNKNOWN`]; contacts in a
    /// channel it no longer declares are dropped: they count toward nothing).
    pub(crate) fn decode(&self, input: &mut Reader<'_>) -> Result<(), DecodeError> {
        let mut actions = Vec::new();
        for _ in 0..input.count()? {
            actions.push(self.action_position(&input.read::<String>()?));
        }
        let mut channels = Vec::new();
        for _ in 0..input.count()? {
            let name: String = input.read()?;
            channels.push(
                self.strategy
                    .channel_at(&name)
                    .and_then(|(i, _)| u16::try_from(i).ok()),
            );
        }
        let action = |old: u32| actions.get(old as usize).copied().unwrap_or(UNKNOWN);
        let channel = |old: u16| channels.get(usize::from(old)).copied().flatten();
        let mut households = self.households.lock();
        let mut volume = self.volume.lock();
        for _ in 0..input.count()? {
            let customer: CustomerId = input.read()?;
            let household: Option<String> = input.read()?;
            let contacts: Vec<Contact> = input
                .read::<Vec<Contact>>()?
                .into_iter()
                .filter_map(|c| {
                    Some(Contact {
                        action: action(c.action),
                        channel: channel(c.channel)?,
                        ..c
                    })
                })
                .collect();
            let offers: Vec<Offer> = input
                .read::<Vec<Offer>>()?
                .into_iter()
                .map(|o| Offer {
                    action: action(o.action),
                    channel: channel(o.channel).unwrap_or(u16::MAX),
                    ..o
                })
                .collect();
            if let Some(h) = &household
                && self.strategy.contact().needs_household()
            {
                self.add_household(&mut households, h, &contacts);
            }
            self.charge(&mut volume, &contacts, 1);
            self.shard(&customer).lock().insert(
                customer,
                Entry {
                    household,
                    contacts,
                    offers,
                },
            );
        }
        Ok(())
    }
}

/// Appends `new`, then drops what is older than the horizon behind the newest contact added.
fn push_pruned(list: &mut Vec<Contact>, new: &[Contact], horizon_ms: i64) {
    list.extend_from_slice(new);
    let newest = new.iter().map(|c| c.time_ms).max().unwrap_or(i64::MIN);
    let cutoff = newest.saturating_sub(horizon_ms);
    if list.first().is_some_and(|c| c.time_ms < cutoff) {
        list.retain(|c| c.time_ms >= cutoff);
    }
}
