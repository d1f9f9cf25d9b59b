//! The simulated operator: builds the world from a config and a catalog, and holds it while the
//! event stream and the responses run.

use crate::activity::ActivityRates;
use crate::catalog::{ActionFeatures, ActionSpec};
use crate::config::SimConfig;
use crate::dealers::Dealers;
use crate::diurnal::Diurnal;
use crate::error::SimError;
use crate::geography::Geography;
use crate::partition::Partition;
use crate::population::Generator;
use crate::profile::value_score;
use crate::rng::{SimRng, Stream, hashed_unit, partition_rng, stream_rng};
use crate::schedule::Schedule;
use crate::social::SocialGraph;
use crate::state::{Experience, SubscriberState};
use crate::subscriber::{Subscriber, build_subscribers, msisdn_index};
use crate::truth::Truth;
use concord_model::{CustomerId, Timestamp};
use std::collections::HashMap;
use std::fmt;

/// A simulated mobile operator: a subscriber base, a clock, an event stream and hidden truth.
/// Same config and catalog, same calls: same subscribers, events and outcomes.
pub struct Operator {
    pub(crate) config: SimConfig,
    pub(crate) partition: Partition,
    /// The global index (position in the numbering plan) of `subscribers[0]`.
    pub(crate) first_subscriber: usize,
    pub(crate) event_id_prefix: String,
    pub(crate) subscribers: Vec<Subscriber>,
    pub(crate) graph: SocialGraph,
    pub(crate) truth: Truth,
    pub(crate) schedule: Schedule,
    pub(crate) diurnal: Diurnal,
    pub(crate) catalog: Vec<ActionSpec>,
    pub(crate) event_rng: SimRng,
    pub(crate) response_rng: SimRng,
    pub(crate) events_emitted: u64,
}

impl fmt::Debug for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operator")
            .field("config", &self.config)
            .field("partition", &self.partition)
            .field("subscribers", &self.subscribers.len())
            .field("catalog", &self.catalog.len())
            .field("events_emitted", &self.events_emitted)
            .field("truth", &self.truth)
            .finish_non_exhaustive()
    }
}

impl Operator {
    /// Generates the subscriber base, plants the bad cells and dealers, and schedules the first
    /// events. The catalog gives the actions `respond` knows; more can be added later.
    pub fn new(config: SimConfig, catalog: &[ActionSpec]) -> Result<Operator, SimError> {
        Operator::new_partition(config, catalog, Partition::WHOLE)
    }

    /// One partition of the base that `config.subscribers` sizes, built alone: only its own
    /// subscribers are in memory, with the MSISDNs of [`Partition::range`], so the partitions
    /// of one config never share a customer id, household id or event id, and their sizes sum
    /// to `config.subscribers`. Geography, cells and dealers are the whole base's; households,
    /// social ties, the event stream and responses stay inside the partition (its events only
    /// name its own subscribers). Indices taken or returned by [`Operator::subscriber_idx`],
    /// [`Operator::social_ties`] and [`Truth`] are positions in this partition's
    /// [`Operator::subscribers`]. Same config and partition, same operator;
    /// `Partition::WHOLE` is [`Operator::new`].
    pub fn new_partition(
        config: SimConfig,
        catalog: &[ActionSpec],
        partition: Partition,
    ) -> Result<Operator, SimError> {
        config.validate()?;
        partition.validate(config.subscribers)?;
        let actions = derive_actions(catalog, &HashMap::new())?;
        let range = partition.range(config.subscribers);
        let first_subscriber = range.start;
        let part = partition.index;

        // Partition 0's streams are the whole base's: the world (geography, dealers) is the same
        // in every partition, so it always comes from them.
        let mut geo_rng = stream_rng(config.seed, Stream::Geography);
        let geography = Geography::generate(&mut geo_rng, config.bad_cell_share);
        let dealers = Dealers::generate(
            &mut geo_rng,
            config.dealers,
            config.bad_dealer_share,
            geography.n_regions(),
        );

        let mut pop_rng = partition_rng(config.seed, Stream::Population, part);
        let generator = Generator {
            geography: &geography,
            dealers: &dealers,
            prepaid_share: config.prepaid_share,
            // A partition has no more households than subscribers, so this keeps them apart.
            first_household: first_subscriber as u32,
        };
        let mut population = generator.generate(&mut pop_rng, range.len());
        let graph = SocialGraph::build(
            &mut pop_rng,
            &population.profiles,
            &population.outside_ties,
            geography.cities.len(),
        );
        for (i, profile) in population.profiles.iter_mut().enumerate() {
            profile.social_degree = graph.degree(i) as u32;
            profile.value_score = value_score(
                profile.arpu,
                profile.tenure_months,
                f64::from(profile.social_degree),
                f64::from(profile.household_size),
            );
        }

        let subscribers = build_subscribers(
            first_subscriber,
            &population.profiles,
            &population.holdings,
            &geography,
            &dealers,
        );

        let noise_key = crate::rng::mix64(config.seed ^ 0x5eed_ac71_u64);
        let rates: Vec<ActivityRates> = population
            .profiles
            .iter()
            .zip(&population.traits)
            .enumerate()
            .map(|(i, (profile, traits))| {
                let global = (first_subscriber + i) as u64;
                let key = noise_key ^ global.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let noise = [
                    hashed_unit(key, 1),
                    hashed_unit(key, 2),
                    hashed_unit(key, 3),
                ];
                ActivityRates::new(profile, traits, noise, config.activity_scale)
            })
            .collect();
        let states = (0..population.profiles.len())
            .filter_map(|i| {
                Some(SubscriberState::new(
                    population.profiles.get(i)?,
                    population.traits.get(i)?,
                    *population.holdings.get(i)?,
                    *rates.get(i)?,
                ))
            })
            .collect();
        let experiences = vec![Experience::default(); population.profiles.len()];

        let start_ms = config.start.as_millisecond();
        let truth = Truth {
            geography,
            dealers,
            profiles: population.profiles,
            traits: population.traits,
            states,
            experiences,
            actions,
            churn_log: Vec::new(),
            saves: 0,
            start_ms,
            now_ms: start_ms,
            churn_scale: config.churn_scale,
        };
        let event_id_prefix = if partition.count == 1 {
            "sim-".to_owned()
        } else {
            format!("sim-{part}-")
        };
        let mut operator = Operator {
            partition,
            first_subscriber,
            event_id_prefix,
            subscribers,
            graph,
            truth,
            schedule: Schedule::starting_at(start_ms),
            diurnal: Diurnal::default(),
            catalog: catalog.to_vec(),
            event_rng: partition_rng(config.seed, Stream::Events, part),
            response_rng: partition_rng(config.seed, Stream::Responses, part),
            events_emitted: 0,
            config,
        };
        operator.schedule_first_events();
        Ok(operator)
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Which slice of the configured base this operator holds ([`Partition::WHOLE`] from
    /// [`Operator::new`]).
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The global index (position in the numbering plan) of the first of
    /// [`Operator::subscribers`]; 0 unless this is a later partition.
    pub fn first_subscriber(&self) -> usize {
        self.first_subscriber
    }

    /// The subscriber base as it was generated (attributes do not follow later events).
    pub fn subscribers(&self) -> &[Subscriber] {
        &self.subscribers
    }

    /// Every subscriber as a base-load row (id, attributes, holdings), in order.
    pub fn base_rows(
        &self,
    ) -> Vec<(
        concord_model::CustomerId,
        concord_model::Attributes,
        Vec<String>,
    )> {
        self.subscribers.iter().map(Subscriber::base_row).collect()
    }

    pub fn subscriber(&self, id: &CustomerId) -> Option<&Subscriber> {
        self.subscriber_idx(id)
            .and_then(|i| self.subscribers.get(i))
    }

    /// The index of a subscriber in [`Operator::subscribers`], from the MSISDN alone; `None`
    /// for ids of other partitions.
    pub fn subscriber_idx(&self, id: &CustomerId) -> Option<usize> {
        msisdn_index(id.as_str())
            .and_then(|i| i.checked_sub(self.first_subscriber))
            .filter(|i| *i < self.subscribers.len())
    }

    /// Who the subscriber talks to, by index: the operator's call graph, which the truth also
    /// uses for word of mouth.
    pub fn social_ties(&self, subscriber_idx: usize) -> &[u32] {
        self.graph.ties(subscriber_idx)
    }

    pub fn catalog(&self) -> &[ActionSpec] {
        &self.catalog
    }

    /// Makes more actions known to `respond`; an id already known is an error.
    pub fn add_actions(&mut self, specs: &[ActionSpec]) -> Result<(), SimError> {
        let added = derive_actions(specs, &self.truth.actions)?;
        self.truth.actions.extend(added);
        self.catalog.extend_from_slice(specs);
        Ok(())
    }

    /// The simulation clock: the end of the last `events_until`, or the last event's time.
    pub fn now(&self) -> Timestamp {
        self.truth.now()
    }

    /// How many events the stream has produced so far.
    pub fn events_emitted(&self) -> u64 {
        self.events_emitted
    }

    /// The hidden ground truth. Decisioning must never read it; checks compare against it.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }
}

fn derive_actions(
    specs: &[ActionSpec],
    known: &HashMap<concord_model::ActionId, ActionFeatures>,
) -> Result<HashMap<concord_model::ActionId, ActionFeatures>, SimError> {
    let mut actions = HashMap::with_capacity(specs.len());
    for spec in specs {
        if spec.id.as_str().trim().is_empty() {
            return Err(SimError::EmptyActionId(format!(
                "{}/{}",
                spec.issue, spec.group
            )));
        }
        if !spec.value.is_finite() || spec.value < 0.0 {
            return Err(SimError::BadActionValue {
                action: spec.id.to_string(),
                value: spec.value,
            });
        }
        if known.contains_key(&spec.id)
            || actions
                .insert(spec.id.clone(), ActionFeatures::derive(spec))
                .is_some()
        {
            return Err(SimError::DuplicateAction(spec.id.to_string()));
        }
    }
    Ok(actions)
}
