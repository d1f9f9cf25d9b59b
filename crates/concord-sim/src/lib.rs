//! A simulated mobile operator with hidden ground truth, deterministic by seed: a subscriber base
//! with realistic attributes and holdings, an OSS/BSS event stream (usage, dropped calls on bad
//! cells, recharges, bills, disputes, care contacts, product changes, port-outs), and customers
//! who answer offers with a true, hidden propensity.
//!
//! A base too big for memory is built one [`Partition`] at a time
//! ([`Operator::new_partition`]): disjoint MSISDNs, and events that stay inside their partition.
//!
//! Decisioning sees only what a real operator sees ([`Operator::subscribers`], the events, the
//! outcomes of [`Operator::respond`]); [`Operator::truth`] is for checks and benchmarks.
//!
//! ```
//! use concord_model::{ActionId, Attributes};
//! use concord_sim::{ActionKind, ActionSpec, Operator, SimConfig};
//!
//! let catalog = [ActionSpec::new("data_5gb_private_price", "Grow", "Data", ActionKind::Sales, 79.0)];
//! let mut operator = Operator::new(SimConfig::with_seed(7, 1_000), &catalog)?;
//! let start = operator.now();
//! let day_one = operator.events_until(start + jiff::SignedDuration::from_hours(24));
//! assert!(!day_one.is_empty());
//!
//! let customer = operator.subscribers()[0].id.clone();
//! let action = ActionId::new("data_5gb_private_price");
//! let context = Attributes::new();
//! let p = operator.truth().true_propensity(0, &action, "ussd", &context);
//! assert!((0.0..=1.0).contains(&p));
//! let _outcome = operator.respond(&customer, &action, "ussd", &context, operator.now());
//! # Ok::<(), concord_sim::SimError>(())
//! ```

mod activity;
mod attributes;
mod billing;
mod catalog;
mod channel;
mod churn;
mod config;
mod dealers;
mod diurnal;
mod error;
mod geography;
mod holdings;
mod lifecycle;
mod operator;
mod partition;
mod population;
mod portfolio;
mod products;
mod profile;
mod propensity;
mod respond;
mod rng;
mod schedule;
mod segments;
mod social;
mod state;
mod stream;
mod subscriber;
mod traits;
mod truth;
mod usage;

pub use attributes::{ATTRIBUTE_KEYS, AttributeType};
pub use catalog::{ActionFamily, ActionFeatures, ActionKind, ActionSpec, ServiceTopic, family_of};
pub use channel::ChannelClass;
pub use churn::{ChurnReason, ChurnRecord, DESTINATIONS};
pub use config::{MAX_SUBSCRIBERS, SimConfig};
pub use error::SimError;
pub use geography::store_regions;
pub use holdings::{Holdings, Product};
pub use operator::Operator;
pub use partition::Partition;
pub use stream::EventsUntil;
pub use subscriber::Subscriber;
pub use traits::LatentTraits;
pub use truth::Truth;
