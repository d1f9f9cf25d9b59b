//! Binary form of [`Event`]: ids, time, then the kind's tag byte (its position in
//! [`EventType::ALL`], i.e. declaration order) and every field of the variant, in declaration order.

use super::{BinaryCodec, DecodeError, Reader};
use crate::event::{Event, EventKind, EventType};

impl BinaryCodec for Event {
    fn encode(&self, out: &mut Vec<u8>) {
        self.event_id.encode(out);
        self.customer_id.encode(out);
        self.time.encode(out);
        self.kind.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Event {
            event_id: input.read()?,
            customer_id: input.read()?,
            time: input.read()?,
            kind: input.read()?,
        })
    }
}

impl BinaryCodec for EventKind {
    fn encode(&self, out: &mut Vec<u8>) {
        use EventKind as K;
        // `EventType` is fieldless and declared in the same order, so its discriminant is the tag.
        out.push(self.event_type() as u8);
        match self {
            K::VoiceCall {
                duration_s,
                international,
            } => {
                duration_s.encode(out);
                international.encode(out);
            }
            K::Sms { count } => count.encode(out),
            K::DataUsage { mb } => mb.encode(out),
            K::DroppedCall { cell } => cell.encode(out),
            K::BundleUsage {
                bundle,
                used_mb,
                total_mb,
                expires,
            } => {
                bundle.encode(out);
                used_mb.encode(out);
                total_mb.encode(out);
                expires.encode(out);
            }
            K::Recharge { amount, channel } => {
                amount.encode(out);
                channel.encode(out);
            }
            K::BillIssued { amount } | K::Payment { amount } => amount.encode(out),
            K::DisputeOpened { dispute_id, amount } => {
                dispute_id.encode(out);
                amount.encode(out);
            }
            K::DisputeClosed {
                dispute_id,
                resolution,
            } => {
                dispute_id.encode(out);
                resolution.encode(out);
            }
            K::CareContact { channel, reason } => {
                channel.encode(out);
                reason.encode(out);
            }
            K::StoreVisit { store } => store.encode(out),
            K::AppSession { duration_s } | K::WebSession { duration_s } => duration_s.encode(out),
            K::Order {
                order_id,
                product,
                channel,
            } => {
                order_id.encode(out);
                product.encode(out);
                channel.encode(out);
            }
            K::Activation {
                channel,
                dealer,
                tariff,
                promotion,
            } => {
                channel.encode(out);
                dealer.encode(out);
                tariff.encode(out);
                promotion.encode(out);
            }
            K::ProductAdded { product } | K::ProductRemoved { product } => product.encode(out),
            K::DeviceChange { device, network } => {
                device.encode(out);
                network.encode(out);
            }
            K::LocationUpdate { cell, region } => {
                cell.encode(out);
                region.encode(out);
            }
            K::ConsentChange { channel, granted } => {
                channel.encode(out);
                granted.encode(out);
            }
            K::PortOut {
                reason,
                destination,
            } => {
                reason.encode(out);
                destination.encode(out);
            }
            K::SurveyAnswer {
                survey,
                score,
                answer,
            } => {
                survey.encode(out);
                score.encode(out);
                answer.encode(out);
            }
            K::ProvisioningFailed {
                action,
                endpoint,
                reason,
            } => {
                action.encode(out);
                endpoint.encode(out);
                reason.encode(out);
            }
        }
    }

    /// Struct fields evaluate in the order written, which is the order `encode` wrote them.
    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        use EventKind as K;
        use EventType as T;
        let tag = input.byte()?;
        let Some(event_type) = T::ALL.get(usize::from(tag)) else {
            return Err(input.error(format!("unknown event tag {tag}")));
        };
        let r = input;
        Ok(match event_type {
            T::VoiceCall => K::VoiceCall {
                duration_s: r.read()?,
                international: r.read()?,
            },
            T::Sms => K::Sms { count: r.read()? },
            T::DataUsage => K::DataUsage { mb: r.read()? },
            T::DroppedCall => K::DroppedCall { cell: r.read()? },
            T::BundleUsage => K::BundleUsage {
                bundle: r.read()?,
                used_mb: r.read()?,
                total_mb: r.read()?,
                expires: r.read()?,
            },
            T::Recharge => K::Recharge {
                amount: r.read()?,
                channel: r.read()?,
            },
            T::BillIssued => K::BillIssued { amount: r.read()? },
            T::Payment => K::Payment { amount: r.read()? },
            T::DisputeOpened => K::DisputeOpened {
                dispute_id: r.read()?,
                amount: r.read()?,
            },
            T::DisputeClosed => K::DisputeClosed {
                dispute_id: r.read()?,
                resolution: r.read()?,
            },
            T::CareContact => K::CareContact {
                channel: r.read()?,
                reason: r.read()?,
            },
            T::StoreVisit => K::StoreVisit { store: r.read()? },
            T::AppSession => K::AppSession {
                duration_s: r.read()?,
            },
            T::WebSession => K::WebSession {
                duration_s: r.read()?,
            },
            T::Order => K::Order {
                order_id: r.read()?,
                product: r.read()?,
                channel: r.read()?,
            },
            T::Activation => K::Activation {
                channel: r.read()?,
                dealer: r.read()?,
                tariff: r.read()?,
                promotion: r.read()?,
            },
            T::ProductAdded => K::ProductAdded { product: r.read()? },
            T::ProductRemoved => K::ProductRemoved { product: r.read()? },
            T::DeviceChange => K::DeviceChange {
                device: r.read()?,
                network: r.read()?,
            },
            T::LocationUpdate => K::LocationUpdate {
                cell: r.read()?,
                region: r.read()?,
            },
            T::ConsentChange => K::ConsentChange {
                channel: r.read()?,
                granted: r.read()?,
            },
            T::PortOut => K::PortOut {
                reason: r.read()?,
                destination: r.read()?,
            },
            T::SurveyAnswer => K::SurveyAnswer {
                survey: r.read()?,
                score: r.read()?,
                answer: r.read()?,
            },
            T::ProvisioningFailed => K::ProvisioningFailed {
                action: r.read()?,
                endpoint: r.read()?,
                reason: r.read()?,
            },
        })
    }
}
