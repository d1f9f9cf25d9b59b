//! Binary forms of the contact history's types: [`ContactKind`], [`Contact`], [`Offer`],
//! [`VolumeUse`]. Positions (actions, channels) are written as they are; whoever stores them
//! says which strategy they index.

use super::{BinaryCodec, DecodeError, Reader, put_varint, unzigzag, zigzag};
use crate::contact::{Contact, Offer, VolumeUse};
use crate::decision::ContactKind;

impl BinaryCodec for ContactKind {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let tag = input.byte()?;
        ContactKind::ALL
            .get(usize::from(tag))
            .copied()
            .ok_or_else(|| input.error(format!("unknown contact kind {tag}")))
    }
}

/// Milliseconds since the epoch, zig-zag varint.
fn put_ms(out: &mut Vec<u8>, ms: i64) {
    put_varint(out, zigzag(i128::from(ms)));
}

fn ms(input: &mut Reader<'_>) -> Result<i64, DecodeError> {
    let at = input.position();
    i64::try_from(unzigzag(input.varint(128)?)).map_err(|_| DecodeError {
        offset: at,
        reason: "time out of range".into(),
    })
}

fn channel(input: &mut Reader<'_>) -> Result<u16, DecodeError> {
    let raw: u32 = input.read()?;
    u16::try_from(raw).map_err(|_| input.error(format!("channel position {raw} out of range")))
}

impl BinaryCodec for Contact {
    fn encode(&self, out: &mut Vec<u8>) {
        put_ms(out, self.time_ms);
        self.action.encode(out);
        u32::from(self.channel).encode(out);
        self.kind.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Contact {
            time_ms: ms(input)?,
            action: input.read()?,
            channel: channel(input)?,
            kind: input.read()?,
        })
    }
}

impl BinaryCodec for Offer {
    fn encode(&self, out: &mut Vec<u8>) {
        self.action.encode(out);
        self.price.encode(out);
        put_ms(out, self.shown_ms);
        put_ms(out, self.valid_until_ms);
        u32::from(self.channel).encode(out);
        match self.accepted_ms {
            None => out.push(0),
            Some(at) => {
                out.push(1);
                put_ms(out, at);
            }
        }
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Offer {
            action: input.read()?,
            price: input.read()?,
            shown_ms: ms(input)?,
            valid_until_ms: ms(input)?,
            channel: channel(input)?,
            accepted_ms: match input.byte()? {
                0 => None,
                1 => Some(ms(input)?),
                tag => return Err(input.error(format!("bad presence byte {tag}"))),
            },
        })
    }
}

impl BinaryCodec for VolumeUse {
    fn encode(&self, out: &mut Vec<u8>) {
        self.contacts.encode(out);
        self.cost.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(VolumeUse {
            contacts: input.read()?,
            cost: input.read()?,
        })
    }
}
