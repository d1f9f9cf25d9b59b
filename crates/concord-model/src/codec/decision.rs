//! Binary forms of [`DecisionRecord`] and [`ResponseRecord`], lossless where JSON is not (a NaN
//! propensity or context number would come back from JSON as `null`).

use super::{BinaryCodec, DecodeError, Reader};
use crate::arm::Arm;
use crate::decision::{DecisionInputs, DecisionRecord, RankedAction, ResponseRecord};
use crate::outcome::Outcome;

impl BinaryCodec for Outcome {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let tag = input.byte()?;
        Outcome::ALL
            .get(usize::from(tag))
            .copied()
            .ok_or_else(|| input.error(format!("unknown outcome tag {tag}")))
    }
}

impl BinaryCodec for RankedAction {
    fn encode(&self, out: &mut Vec<u8>) {
        self.rank.encode(out);
        self.action_id.encode(out);
        self.issue.encode(out);
        self.group.encode(out);
        self.propensity.encode(out);
        self.value.encode(out);
        self.priority.encode(out);
        self.treatment.encode(out);
        self.price.encode(out);
        self.valid_until.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut action = RankedAction::decode_v1(input)?;
        action.price = input.read()?;
        action.valid_until = input.read()?;
        Ok(action)
    }
}

impl RankedAction {
    /// The first layout (before prices and offer validity).
    fn decode_v1(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(RankedAction {
            rank: input.read()?,
            action_id: input.read()?,
            issue: input.read()?,
            group: input.read()?,
            propensity: input.read()?,
            value: input.read()?,
            priority: input.read()?,
            treatment: input.read()?,
            price: None,
            valid_until: None,
        })
    }
}

impl BinaryCodec for DecisionRecord {
    fn encode(&self, out: &mut Vec<u8>) {
        self.decision_id.encode(out);
        self.customer_id.encode(out);
        self.channel.encode(out);
        self.time.encode(out);
        self.strategy_hash.encode(out);
        self.context.encode(out);
        self.actions.encode(out);
        self.household.encode(out);
        self.predictors.encode(out);
        self.inputs.encode(out);
        out.push(self.arm.code());
        self.variant.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut record = DecisionRecord::decode_fields(input, true)?;
        record.arm = read_arm(input)?;
        record.variant = input.read()?;
        Ok(record)
    }
}

fn read_arm(input: &mut Reader<'_>) -> Result<Arm, DecodeError> {
    let code = input.byte()?;
    Arm::from_code(code).ok_or_else(|| input.error(format!("unknown arm {code}")))
}

impl BinaryCodec for crate::Variant {
    fn encode(&self, out: &mut Vec<u8>) {
        self.experiment.encode(out);
        self.variant.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(crate::Variant {
            experiment: input.read()?,
            variant: input.read()?,
        })
    }
}

impl DecisionRecord {
    /// The third layout (with the experiment arm; before experiments and the candidates'
    /// competition): no variant.
    pub fn decode_v3(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut record = DecisionRecord::decode_fields(input, false)?;
        record.arm = read_arm(input)?;
        Ok(record)
    }

    /// The second layout (households, predictors and inputs; before experiment arms): the
    /// decision reads as the `test` arm.
    pub fn decode_v2(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        DecisionRecord::decode_fields(input, false)
    }

    /// The fields every layout from the second on shares, up to the inputs (read with the
    /// candidates' competition when `competed`).
    fn decode_fields(input: &mut Reader<'_>, competed: bool) -> Result<Self, DecodeError> {
        Ok(DecisionRecord {
            decision_id: input.read()?,
            customer_id: input.read()?,
            channel: input.read()?,
            time: input.read()?,
            strategy_hash: input.read()?,
            context: input.read()?,
            actions: input.read()?,
            household: input.read()?,
            predictors: input.read()?,
            inputs: if competed {
                input.read()?
            } else {
                match input.byte()? {
                    0 => None,
                    1 => Some(DecisionInputs::decode_v1(input)?),
                    other => return Err(input.error(format!("option presence byte {other}"))),
                }
            },
            arm: Arm::Test,
            variant: None,
        })
    }
}

impl BinaryCodec for Box<DecisionInputs> {
    fn encode(&self, out: &mut Vec<u8>) {
        let i = &**self;
        i.seed.encode(out);
        i.limit.encode(out);
        i.placement.encode(out);
        (i.reads.len() as u64).encode(out);
        for (slot, value) in &i.reads {
            slot.encode(out);
            value.encode(out);
        }
        (i.propensities.len() as u64).encode(out);
        for (action, p) in &i.propensities {
            action.encode(out);
            p.encode(out);
        }
        i.contacts.encode(out);
        i.household_contacts.encode(out);
        i.offers.encode(out);
        i.volume.encode(out);
        i.fallback.encode(out);
        i.new_customer.encode(out);
        i.competed.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut i = DecisionInputs::decode_v1(input)?;
        i.competed = input.read()?;
        Ok(i)
    }
}

impl BinaryCodec for crate::Competed {
    fn encode(&self, out: &mut Vec<u8>) {
        self.action.encode(out);
        self.mean.encode(out);
        self.evidence.encode(out);
        self.factor.encode(out);
        // The switch and the tier in one byte: bit 7 draws, bits 0-6 the tier.
        out.push(u8::from(self.draws) << 7 | (self.tier & 0x7f));
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (action, mean, evidence, factor) =
            (input.read()?, input.read()?, input.read()?, input.read()?);
        let flags = input.byte()?;
        Ok(crate::Competed {
            action,
            mean,
            evidence,
            factor,
            draws: flags & 0x80 != 0,
            tier: flags & 0x7f,
        })
    }
}

impl DecisionInputs {
    /// The first layout (before the candidates' competition was kept).
    fn decode_v1(input: &mut Reader<'_>) -> Result<Box<Self>, DecodeError> {
        let mut i = DecisionInputs {
            seed: input.read()?,
            limit: input.read()?,
            placement: input.read()?,
            ..DecisionInputs::default()
        };
        for _ in 0..input.count()? {
            i.reads.push((input.read()?, input.read()?));
        }
        for _ in 0..input.count()? {
            i.propensities.push((input.read()?, input.read()?));
        }
        i.contacts = input.read()?;
        i.household_contacts = input.read()?;
        i.offers = input.read()?;
        i.volume = input.read()?;
        i.fallback = input.read()?;
        i.new_customer = input.read()?;
        Ok(Box::new(i))
    }
}

impl DecisionRecord {
    /// Reads the first layout (no household, no prices or validity), which older journals and
    /// snapshots hold.
    pub fn decode_v1(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut record = DecisionRecord {
            decision_id: input.read()?,
            customer_id: input.read()?,
            channel: input.read()?,
            time: input.read()?,
            strategy_hash: input.read()?,
            context: input.read()?,
            actions: Vec::new(),
            household: None,
            predictors: Vec::new(),
            inputs: None,
            arm: Arm::Test,
            variant: None,
        };
        for _ in 0..input.count()? {
            record.actions.push(RankedAction::decode_v1(input)?);
        }
        Ok(record)
    }
}

impl BinaryCodec for ResponseRecord {
    fn encode(&self, out: &mut Vec<u8>) {
        self.decision_id.encode(out);
        self.action_id.encode(out);
        self.customer_id.encode(out);
        self.channel.encode(out);
        self.outcome.encode(out);
        self.time.encode(out);
        self.custom_outcome.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut response = ResponseRecord::decode_v1(input)?;
        response.custom_outcome = input.read()?;
        Ok(response)
    }
}

impl ResponseRecord {
    /// The first layout (before custom outcomes).
    pub fn decode_v1(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ResponseRecord {
            decision_id: input.read()?,
            action_id: input.read()?,
            customer_id: input.read()?,
            channel: input.read()?,
            outcome: input.read()?,
            time: input.read()?,
            custom_outcome: None,
        })
    }
}
