//! The hub's own sections of a snapshot: the cuts (meta), the trigger log, and the decision side
//! (decision log, KPIs, models), in `concord_model::codec`'s binary form.

use crate::contacts::ContactBook;
use crate::decision_log::DecisionLog;
use crate::provision::ProvisionBook;
use crate::trigger_log::TriggerLog;
use concord_learn::adm::{AdmModel, Counts};
use concord_learn::{Learner, ModelKey};
use concord_measure::{KpiBook, KpiKey, Tally, UNKNOWN_DAY};
use concord_model::codec::{BinaryCodec, DecodeError, Reader};
use concord_model::{Arm, Timestamp};

/// The layout version of every section this file writes. Version 2: decisions carry the
/// customer's household; version 3: responses carry a custom outcome; version 4: models carry
/// their predictors' correlation sums; version 5: models carry their joint weights; version 6:
/// the joint weights carry a slope per numeric predictor; version 7: decisions carry their
/// experiment arm and KPIs are kept per arm with the accepted value's sum of squares; version 8:
/// KPIs are kept per UTC day of decisions; version 9: decisions and KPIs carry the experiment
/// variant; version 10: the decision log carries batch-run contacts; older sections are still
/// read.
pub(crate) const VERSION: u8 = 10;

/// Where each part of the snapshot was cut: replay applies a record to a part only at or after
/// the part's cut.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta {
    /// The journal's end when the dedup index was dumped: it holds every event admitted before.
    pub(crate) journal_end: u64,
    /// Where replay starts: the smallest cut.
    pub(crate) replay_from: u64,
    pub(crate) shard_cuts: Vec<u64>,
    pub(crate) triggers_cut: u64,
    pub(crate) decisions_cut: u64,
    pub(crate) taken_at: Timestamp,
    pub(crate) customers: u64,
    pub(crate) strategy_hash: String,
}

impl Meta {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        self.journal_end.encode(&mut out);
        self.replay_from.encode(&mut out);
        self.shard_cuts.encode(&mut out);
        self.triggers_cut.encode(&mut out);
        self.decisions_cut.encode(&mut out);
        self.taken_at.encode(&mut out);
        self.customers.encode(&mut out);
        self.strategy_hash.encode(&mut out);
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = versioned(bytes)?;
        let meta = Self {
            journal_end: input.read()?,
            replay_from: input.read()?,
            shard_cuts: input.read()?,
            triggers_cut: input.read()?,
            decisions_cut: input.read()?,
            taken_at: input.read()?,
            customers: input.read()?,
            strategy_hash: input.read()?,
        };
        input.finish()?;
        Ok(meta)
    }
}

pub(crate) fn encode_triggers(log: &TriggerLog) -> Vec<u8> {
    let mut out = vec![VERSION];
    log.encode(&mut out);
    out
}

pub(crate) fn decode_triggers(bytes: &[u8]) -> Result<TriggerLog, DecodeError> {
    let mut input = versioned(bytes)?;
    let log = TriggerLog::decode(&mut input)?;
    input.finish()?;
    Ok(log)
}

/// The decision side, restored together.
pub(crate) struct DecisionSide {
    pub(crate) decision_count: u64,
    pub(crate) log: DecisionLog,
    pub(crate) kpis: Vec<(KpiKey, Tally)>,
    pub(crate) models_version: u64,
    pub(crate) models: Vec<(ModelKey, AdmModel)>,
}

pub(crate) fn encode_decisions(
    decision_count: u64,
    log: &DecisionLog,
    kpis: &KpiBook,
    learner: &Learner,
) -> Vec<u8> {
    let mut out = vec![VERSION];
    decision_count.encode(&mut out);
    log.encode(&mut out);
    let tallies = kpis.export();
    (tallies.len() as u64).encode(&mut out);
    for (key, tally) in &tallies {
        key.action.encode(&mut out);
        key.channel.encode(&mut out);
        out.push(key.arm.code());
        key.variant.encode(&mut out);
        concord_model::codec::put_varint(
            &mut out,
            concord_model::codec::zigzag(i128::from(key.day)),
        );
        for count in [
            tally.impressions,
            tally.accepts,
            tally.declines,
            tally.clicks,
            tally.ignores,
        ] {
            count.encode(&mut out);
        }
        tally.accepted_value.encode(&mut out);
        tally.accepted_value_sq.encode(&mut out);
    }
    let models = learner.export();
    models.version.encode(&mut out);
    let mut all: Vec<_> = models.iter().collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    (all.len() as u64).encode(&mut out);
    for (key, model) in all {
        key.action.encode(&mut out);
        key.channel.encode(&mut out);
        model.adm.encode(&mut out);
    }
    out
}

pub(crate) fn encode_contacts(book: &ContactBook) -> Vec<u8> {
    let mut out = vec![VERSION];
    book.encode(&mut out);
    out
}

pub(crate) fn decode_contacts(bytes: &[u8], book: &ContactBook) -> Result<(), DecodeError> {
    let mut input = versioned(bytes)?;
    book.decode(&mut input)?;
    input.finish()
}

/// The provisioning section: [`VERSION`] then the book (read from version 9, when it came).
pub(crate) fn decode_provisions(bytes: &[u8]) -> Result<ProvisionBook, DecodeError> {
    let (mut input, _) = versioned_from(bytes, 9)?;
    let book = ProvisionBook::decode(&mut input)?;
    input.finish()?;
    Ok(book)
}

/// The outbox section: [`VERSION`] then the outbox (read from version 9, when it came).
pub(crate) fn decode_outbox(bytes: &[u8]) -> Result<crate::outbox::Outbox, DecodeError> {
    let (mut input, _) = versioned_from(bytes, 9)?;
    let outbox = crate::outbox::Outbox::decode(&mut input)?;
    input.finish()?;
    Ok(outbox)
}

pub(crate) fn decode_decisions(bytes: &[u8]) -> Result<DecisionSide, DecodeError> {
    let (mut input, version) = versioned_from(bytes, 1)?;
    let decision_count = input.read()?;
    let log = DecisionLog::decode(&mut input, version)?;
    let n = input.count()?;
    let mut kpis = Vec::with_capacity(n);
    for _ in 0..n {
        let (action, channel) = (input.read()?, input.read()?);
        let arm = if version < 7 {
            Arm::Test
        } else {
            let code = input.byte()?;
            Arm::from_code(code).ok_or_else(|| input.error(format!("unknown arm {code}")))?
        };
        let variant = if version < 9 { None } else { input.read()? };
        let day = if version < 8 {
            UNKNOWN_DAY
        } else {
            let day = concord_model::codec::unzigzag(input.varint(128)?);
            i32::try_from(day).map_err(|_| input.error(format!("day {day} out of range")))?
        };
        let mut tally = Tally {
            impressions: input.read()?,
            accepts: input.read()?,
            declines: input.read()?,
            clicks: input.read()?,
            ignores: input.read()?,
            accepted_value: input.read()?,
            accepted_value_sq: 0.0,
        };
        tally.accepted_value_sq = if version < 7 {
            // Not kept before version 7: as if every accepted value were the mean, the least
            // spread the sum allows.
            if tally.accepts == 0 {
                0.0
            } else {
                tally.accepted_value * tally.accepted_value / tally.accepts as f64
            }
        } else {
            input.read()?
        };
        kpis.push((
            KpiKey {
                action,
                channel,
                arm,
                variant,
                day,
            },
            tally,
        ));
    }
    let models_version = input.read()?;
    let mut models = Vec::new();
    for _ in 0..input.count()? {
        let key = ModelKey {
            action: input.read()?,
            channel: input.read()?,
        };
        let adm = if version == 1 {
            // The first layout kept totals only: the model's predictors start afresh.
            let mut adm = AdmModel::new(&[]);
            adm.counts = Counts {
                positives: input.read()?,
                negatives: input.read()?,
            };
            adm
        } else if version < 4 {
            AdmModel::decode_v1(&mut input)?
        } else if version < 5 {
            AdmModel::decode_v2(&mut input)?
        } else if version < 6 {
            AdmModel::decode_v3(&mut input)?
        } else {
            input.read()?
        };
        models.push((key, adm));
    }
    input.finish()?;
    Ok(DecisionSide {
        decision_count,
        log,
        kpis,
        models_version,
        models,
    })
}

fn versioned(bytes: &[u8]) -> Result<Reader<'_>, DecodeError> {
    versioned_from(bytes, 1).map(|(input, _)| input)
}

/// The section's reader past its version byte, and the version: `oldest` to [`VERSION`].
fn versioned_from(bytes: &[u8], oldest: u8) -> Result<(Reader<'_>, u8), DecodeError> {
    let mut input = Reader::new(bytes);
    let version = input.byte()?;
    if !(oldest..=VERSION).contains(&version) {
        return Err(input.error(format!(
            "layout version {version}, this build reads versions {oldest} to {VERSION}"
        )));
    }
    Ok((input, version))
}
