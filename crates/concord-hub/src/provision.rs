//! Provisioning jobs: an accepted offer whose action names a fulfilment endpoint is queued for
//! the endpoint (the charging system), exactly once per acceptance, and its result recorded.
//!
//! The job is journaled in the same frame as the acceptance (`JournalRecord::Fulfil`), so one
//! exists exactly when the other does; the result (`JournalRecord::Provisioned`) closes it.
//! A job still open when the hub stops is open again after a restart (journal replay, or the
//! snapshot's section), and is tried again with the same key.

use concord_model::codec::{BinaryCodec, DecodeError, Reader};
use concord_model::{ActionId, ChannelId, CustomerId, DecisionId, Timestamp};
use std::collections::{BTreeMap, VecDeque};

/// Finished jobs kept for reading back; counts cover every job.
const RECENT_DONE: usize = 10_000;

/// An accepted offer to provision through `endpoint`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionJob {
    pub decision_id: DecisionId,
    pub action_id: ActionId,
    pub customer_id: CustomerId,
    /// Where it was accepted.
    pub channel: ChannelId,
    /// The endpoint's name (the connections file has its URL).
    pub endpoint: String,
    /// The product the action sells, if it names one.
    pub product: Option<String>,
    /// The price the customer accepted (the offer's private price).
    pub price: Option<f64>,
    pub valid_until: Option<Timestamp>,
    /// When the customer accepted.
    pub accepted: Timestamp,
}

impl ProvisionJob {
    /// `<decision>:<action>`: the idempotency key every attempt carries, on every restart.
    pub fn key(&self) -> String {
        format!("{}:{}", self.decision_id, self.action_id)
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ProvisionResult {
    /// The endpoint took it (a 2xx answer).
    Provisioned { attempts: u32, status: u16 },
    /// Refused, or every attempt failed: the customer gets a `provisioning_failed` event.
    Failed {
        attempts: u32,
        status: Option<u16>,
        reason: String,
    },
}

/// A job's end, as journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionRecord {
    pub decision_id: DecisionId,
    pub action_id: ActionId,
    pub time: Timestamp,
    pub result: ProvisionResult,
}

/// A finished job with how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionDone {
    pub job: ProvisionJob,
    pub time: Timestamp,
    pub result: ProvisionResult,
}

/// What `GET /v1/provisions` shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProvisionReport {
    pub pending: Vec<ProvisionJob>,
    pub provisioned: u64,
    pub failed: u64,
    /// Newest first.
    pub recent: Vec<ProvisionDone>,
}

type Key = (DecisionId, ActionId);

#[derive(Debug, Default)]
pub(crate) struct ProvisionBook {
    pending: BTreeMap<Key, ProvisionJob>,
    recent: VecDeque<ProvisionDone>,
    provisioned: u64,
    failed: u64,
}

impl ProvisionBook {
    pub(crate) fn queue(&mut self, job: ProvisionJob) {
        self.pending
            .insert((job.decision_id.clone(), job.action_id.clone()), job);
    }

    pub(crate) fn pending(&self) -> Vec<ProvisionJob> {
        self.pending.values().cloned().collect()
    }

    pub(crate) fn is_pending(&self, decision: &DecisionId, action: &ActionId) -> bool {
        self.pending
            .contains_key(&(decision.clone(), action.clone()))
    }

    /// Closes a job; `false` when it was not open (closed already).
    pub(crate) fn close(&mut self, record: &ProvisionRecord) -> bool {
        let Some(job) = self
            .pending
            .remove(&(record.decision_id.clone(), record.action_id.clone()))
        else {
            return false;
        };
        match record.result {
            ProvisionResult::Provisioned { .. } => self.provisioned += 1,
            ProvisionResult::Failed { .. } => self.failed += 1,
        }
        self.recent.push_back(ProvisionDone {
            job,
            time: record.time,
            result: record.result.clone(),
        });
        if self.recent.len() > RECENT_DONE {
            self.recent.pop_front();
        }
        true
    }

    pub(crate) fn stats(&self) -> crate::stats::ProvisionStats {
        crate::stats::ProvisionStats {
            pending: self.pending.len() as u64,
            provisioned: self.provisioned,
            failed: self.failed,
        }
    }

    pub(crate) fn report(&self, limit: usize) -> ProvisionReport {
        ProvisionReport {
            pending: self.pending.values().cloned().collect(),
            provisioned: self.provisioned,
            failed: self.failed,
            recent: self.recent.iter().rev().take(limit).cloned().collect(),
        }
    }

    /// The book's binary form (a snapshot section).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        self.provisioned.encode(out);
        self.failed.encode(out);
        (self.pending.len() as u64).encode(out);
        for job in self.pending.values() {
            job.encode(out);
        }
        (self.recent.len() as u64).encode(out);
        for done in &self.recent {
            done.job.encode(out);
            done.time.encode(out);
            done.result.encode(out);
        }
    }

    pub(crate) fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut book = Self {
            provisioned: input.read()?,
            failed: input.read()?,
            ..Self::default()
        };
        for _ in 0..input.count()? {
            let job: ProvisionJob = input.read()?;
            book.queue(job);
        }
        for _ in 0..input.count()? {
            book.recent.push_back(ProvisionDone {
                job: input.read()?,
                time: input.read()?,
                result: input.read()?,
            });
        }
        Ok(book)
    }
}

impl BinaryCodec for ProvisionJob {
    fn encode(&self, out: &mut Vec<u8>) {
        self.decision_id.encode(out);
        self.action_id.encode(out);
        self.customer_id.encode(out);
        self.channel.encode(out);
        self.endpoint.encode(out);
        self.product.encode(out);
        self.price.encode(out);
        self.valid_until.encode(out);
        self.accepted.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            decision_id: input.read()?,
            action_id: input.read()?,
            customer_id: input.read()?,
            channel: input.read()?,
            endpoint: input.read()?,
            product: input.read()?,
            price: input.read()?,
            valid_until: input.read()?,
            accepted: input.read()?,
        })
    }
}

const PROVISIONED: u8 = 0;
const FAILED: u8 = 1;

impl BinaryCodec for ProvisionResult {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ProvisionResult::Provisioned { attempts, status } => {
                out.push(PROVISIONED);
                attempts.encode(out);
                u32::from(*status).encode(out);
            }
            ProvisionResult::Failed {
                attempts,
                status,
                reason,
            } => {
                out.push(FAILED);
                attempts.encode(out);
                status.map(u32::from).encode(out);
                reason.encode(out);
            }
        }
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match input.byte()? {
            PROVISIONED => ProvisionResult::Provisioned {
                attempts: input.read()?,
                status: status(input.read()?, input)?,
            },
            FAILED => ProvisionResult::Failed {
                attempts: input.read()?,
                status: match input.read::<Option<u32>>()? {
                    Some(code) => Some(status(code, input)?),
                    None => None,
                },
                reason: input.read()?,
            },
            tag => return Err(input.error(format!("unknown provisioning result {tag}"))),
        })
    }
}

/// An HTTP status read back (written from a `u16`).
fn status(code: u32, input: &Reader<'_>) -> Result<u16, DecodeError> {
    u16::try_from(code).map_err(|_| input.error(format!("HTTP status {code} out of range")))
}

impl BinaryCodec for ProvisionRecord {
    fn encode(&self, out: &mut Vec<u8>) {
        self.decision_id.encode(out);
        self.action_id.encode(out);
        self.time.encode(out);
        self.result.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            decision_id: input.read()?,
            action_id: input.read()?,
            time: input.read()?,
            result: input.read()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(decision: &str) -> ProvisionJob {
        ProvisionJob {
            decision_id: DecisionId::new(decision),
            action_id: ActionId::new("bundle"),
            customer_id: CustomerId::new("27820000001"),
            channel: ChannelId::new("ussd"),
            endpoint: "charging".into(),
            product: Some("data_2gb".into()),
            price: Some(29.0),
            valid_until: Timestamp::from_second(1_795_000_000).ok(),
            accepted: Timestamp::from_second(1_794_000_000).unwrap_or_default(),
        }
    }

    #[test]
    fn a_job_closes_once_and_the_book_round_trips() {
        let mut book = ProvisionBook::default();
        book.queue(job("d-1"));
        book.queue(job("d-2"));
        let done = ProvisionRecord {
            decision_id: DecisionId::new("d-1"),
            action_id: ActionId::new("bundle"),
            time: Timestamp::from_second(1_794_000_010).unwrap_or_default(),
            result: ProvisionResult::Failed {
                attempts: 5,
                status: Some(503),
                reason: "HTTP 503".into(),
            },
        };
        assert!(book.close(&done));
        assert!(!book.close(&done), "closed once");
        let mut bytes = Vec::new();
        book.encode(&mut bytes);
        let mut input = Reader::new(&bytes);
        let back = ProvisionBook::decode(&mut input).expect("decodes");
        assert_eq!(back.report(10), book.report(10));
        assert_eq!(back.report(10).failed, 1);
        assert_eq!(back.pending(), vec![job("d-2")]);
        let mut record_bytes = Vec::new();
        done.encode(&mut record_bytes);
        assert_eq!(
            ProvisionRecord::decode(&mut Reader::new(&record_bytes)).ok(),
            Some(done)
        );
    }
}
