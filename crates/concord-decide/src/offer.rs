//! Private pricing and offer memory: the price an action is offered at, and whether an offer
//! this customer was already shown decides it instead (same price, same validity; closed once
//! accepted anywhere).

use crate::contact::History;
use concord_model::{TraceStage, Value};
use concord_strategy::{Action, Frame, Strategy};

/// An action's price and validity in this decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Terms {
    pub(crate) price: Option<f64>,
    pub(crate) valid_until_ms: Option<i64>,
    /// The offer shown before that these terms repeat: (channel position, shown at).
    pub(crate) remembered: Option<(u16, i64)>,
}

/// The terms `action` is offered on, or the stage and reason it is not offered.
pub(crate) fn terms(
    strategy: &Strategy,
    action: &Action,
    index: usize,
    env: &Frame<'_>,
    history: &History<'_>,
    now_ms: i64,
) -> Result<Terms, (TraceStage, String)> {
    if !history.offers.is_empty()
        && let Some(offer) = history.open_offer(index, now_ms)
    {
        let channel = channel_name(strategy, offer.channel);
        if let Some(accepted) = offer.accepted_ms {
            return Err((
                TraceStage::OfferMemory,
                format!(
                    "accepted at {} (offer shown in {channel}): closed in every channel until {}",
                    time_text(accepted),
                    time_text(offer.valid_until_ms)
                ),
            ));
        }
        return Ok(Terms {
            price: offer.price,
            valid_until_ms: Some(offer.valid_until_ms),
            remembered: Some((offer.channel, offer.shown_ms)),
        });
    }
    let price = match &action.price {
        None => None,
        Some(rule) => {
            let target = match &rule.target {
                None => rule.max,
                Some(formula) => match formula.eval(env) {
                    Ok(Value::Num(t)) if t.is_finite() => t,
                    Ok(other) => {
                        return Err((
                            TraceStage::Pricing,
                            format!(
                                "price target gave {other}, not a finite number: action dropped"
                            ),
                        ));
                    }
                    Err(e) => {
                        return Err((
                            TraceStage::Pricing,
                            format!("price target failed, action dropped: {e}"),
                        ));
                    }
                },
            };
            match rule.price_for(target) {
                Some(price) => Some(price),
                None => {
                    return Err((
                        TraceStage::Pricing,
                        format!(
                            "affordable price {target:.2} is below the lowest price {}",
                            rule.min
                        ),
                    ));
                }
            }
        }
    };
    Ok(Terms {
        price,
        valid_until_ms: action.validity_ms.map(|v| now_ms.saturating_add(v)),
        remembered: None,
    })
}

pub(crate) fn channel_name(strategy: &Strategy, channel: u16) -> &str {
    strategy
        .channels()
        .get(usize::from(channel))
        .map_or("another channel", |c| c.id.as_str())
}

pub(crate) fn time_text(ms: i64) -> String {
    concord_model::Timestamp::from_millisecond(ms)
        .map_or_else(|_| ms.to_string(), |t| t.to_string())
}
