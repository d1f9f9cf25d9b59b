//! Dry runs of a strategy over the base (`concord simulate`): what each channel would place
//! for a sample of the customers, scored by the current models, recording nothing.
//!
//! Nothing is journaled, no impression enters the contact history, no KPI moves: a dry run
//! reads the profiles, the contact history and the models, and returns a report. Every
//! sampled customer is decided as the full strategy decides (the `test` arm, whatever the
//! control arms say; in their experiment variant, as live), with each model's calibrated
//! propensity (no Thompson draw) and the live outbound maturity capping, so the same data,
//! strategy and options give the same report.
//! Each channel is decided on the history as it stands: one channel's placements don't count
//! against another's caps.

mod report;

pub use report::{ActionSimulation, ChannelSimulation, SimulationReport};

use crate::error::HubError;
use crate::hub::Hub;
use concord_decide::{ArmDraw, Decision, DecisionRequest, decide_in};
use concord_learn::ModelSnapshot;
use concord_model::{ChannelId, CustomerId, Timestamp};
use report::Sums;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Customers decided for per unit of work: partial sums are added in chunk order, so the
/// report does not depend on how many threads ran.
const CHUNK: usize = 256;

/// What to simulate: which customers, in which channels, when.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateOptions {
    /// How many customers to decide for: the `sample` whose hash of `seed` and id is smallest
    /// (a customer in a sample stays in any larger one). 0, or the base's size or more: all.
    pub sample: usize,
    /// Picks the sample: another seed, another (equally random) sample.
    pub seed: u64,
    /// The channels to decide in, in this order; empty: every channel of the strategy.
    pub channels: Vec<ChannelId>,
    /// When the decisions are made: profiles are read and contact policy judged at this time.
    pub now: Timestamp,
}

impl SimulateOptions {
    pub const DEFAULT_SAMPLE: usize = 10_000;

    /// The default sample, in every channel, at `now`.
    pub fn new(now: Timestamp) -> Self {
        Self {
            sample: Self::DEFAULT_SAMPLE,
            seed: 0,
            channels: Vec::new(),
            now,
        }
    }
}

/// One dry-run decision, as [`Hub::simulate_each`] hands it over.
#[derive(Debug, Clone, Copy)]
pub struct SimulatedDecision<'a> {
    pub customer: &'a CustomerId,
    pub channel: &'a ChannelId,
    pub decision: &'a Decision,
}

/// A channel to simulate: the request every customer gets there (no context, no placement),
/// and what the report says of the channel.
#[derive(Debug)]
struct ChannelRun<'s> {
    request: DecisionRequest,
    channel: report::Channel<'s>,
}

impl Hub {
    /// Decides for a sample of the base in each channel, as a dry run (see the module's
    /// documentation), and sums what was placed.
    pub fn simulate(&self, options: &SimulateOptions) -> Result<SimulationReport, HubError> {
        self.simulate_each(options, |_| ())
    }

    /// [`Hub::simulate`], handing every decision to `each` as it is made (on any thread, in
    /// no particular order).
    pub fn simulate_each(
        &self,
        options: &SimulateOptions,
        each: impl Fn(SimulatedDecision<'_>) + Sync,
    ) -> Result<SimulationReport, HubError> {
        let runs = self.channel_runs(&options.channels)?;
        let (base, customers) = self.sample(options.sample, options.seed);
        // One published snapshot for the whole run, however the learner moves meanwhile.
        let models = self.learner.snapshot();
        let chunks: Vec<&[CustomerId]> = customers.chunks(CHUNK).collect();
        let next = AtomicUsize::new(0);
        let work = || -> Result<Vec<(usize, Sums)>, HubError> {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(chunk) = chunks.get(i) else {
                    return Ok(done);
                };
                let sums = self.simulate_chunk(chunk, &runs, &models, options.now, &each)?;
                done.push((i, sums));
            }
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, chunks.len().max(1));
        let mut done = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            let mut done = Vec::new();
            for worker in workers {
                match worker.join() {
                    Ok(result) => done.extend(result?),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Ok::<_, HubError>(done)
        })?;
        done.sort_by_key(|(i, _)| *i);
        let mut total = Sums::new(runs.len(), self.strategy.actions().len());
        for (_, sums) in &done {
            total.add(sums);
        }
        let channels: Vec<report::Channel<'_>> = runs.iter().map(|r| r.channel).collect();
        Ok(total.report(
            &self.strategy,
            &channels,
            options.now,
            base,
            customers.len() as u64,
        ))
    }

    /// The channels asked for (duplicates dropped), or every channel of the strategy.
    fn channel_runs(&self, asked: &[ChannelId]) -> Result<Vec<ChannelRun<'_>>, HubError> {
        let strategy = &*self.strategy;
        let mut positions: Vec<usize> = Vec::new();
        for channel in asked {
            let Some((i, _)) = strategy.channel_at(channel.as_str()) else {
                return Err(concord_decide::DecideError::UnknownChannel {
                    channel: channel.0.clone(),
                    valid: self.channel_ids().into_iter().map(|c| c.0).collect(),
                }
                .into());
            };
            if !positions.contains(&i) {
                positions.push(i);
            }
        }
        if asked.is_empty() {
            positions = (0..strategy.channels().len()).collect();
        }
        positions
            .into_iter()
            .map(|index| {
                let channel = &strategy.channels()[index];
                let request = DecisionRequest {
                    channel: channel.id.clone(),
                    context: Default::default(),
                    limit: None,
                    placement: None,
                    explain: false,
                };
                let slots = concord_decide::placement_limit(strategy, channel, &request)?;
                Ok(ChannelRun {
                    request,
                    channel: report::Channel {
                        index,
                        id: &channel.id,
                        slots,
                    },
                })
            })
            .collect()
    }

    /// The base's size and the sampled customers in the order they are decided for (by
    /// sample key, so the sums add up in the same order every run).
    fn sample(&self, size: usize, seed: u64) -> (u64, Vec<CustomerId>) {
        let mut base = 0u64;
        let everyone = size == 0 || size >= self.profiles().len();
        // The `size` smallest keys so far, largest on top (a bottom-k sample).
        let mut kept: BinaryHeap<(u64, CustomerId)> = BinaryHeap::new();
        let mut all: Vec<(u64, CustomerId)> = Vec::new();
        self.profiles().for_each(|profile| {
            base += 1;
            let id = profile.customer_id();
            let key = sample_key(seed, &id);
            if everyone {
                all.push((key, id));
            } else if kept.len() < size {
                kept.push((key, id));
            } else if kept.peek().is_some_and(|top| (key, &id) < (top.0, &top.1)) {
                kept.pop();
                kept.push((key, id));
            }
        });
        let mut sampled = if everyone { all } else { kept.into_vec() };
        sampled.sort_unstable();
        (base, sampled.into_iter().map(|(_, id)| id).collect())
    }

    /// Decides for `customers` in each channel of `runs`.
    fn simulate_chunk(
        &self,
        customers: &[CustomerId],
        runs: &[ChannelRun<'_>],
        models: &ModelSnapshot,
        now: Timestamp,
        each: &(impl Fn(SimulatedDecision<'_>) + Sync),
    ) -> Result<Sums, HubError> {
        let strategy = &*self.strategy;
        let mut sums = Sums::new(runs.len(), strategy.actions().len());
        for customer in customers {
            let household = self.household(customer, now);
            // The live scorer less Thompson's draws: the models' means, and outbound maturity
            // capping (a draw fixed by customer, action and channel: deterministic).
            let audience = concord_model::symbol_hash(customer.as_str());
            let scorer =
                concord_learn::Capped::new(models, models, self.learner.config(), audience);
            // The `test` arm (no control arm's handicap), in the customer's experiment variant
            // as live: the seed only feeds the random arms' draws.
            let draw = ArmDraw {
                audience,
                ..ArmDraw::default()
            };
            for (c, run) in runs.iter().enumerate() {
                let request = &run.request;
                let decided = self.contacts.peek(
                    customer,
                    household.as_deref(),
                    request.channel.as_str(),
                    now,
                    |history| {
                        self.profiles().read(customer, |profile| {
                            let env = profile.env(now);
                            decide_in(strategy, &env, request, &scorer, history, now, draw)
                        })
                    },
                );
                // The store never drops a row, but a customer it no longer held would be no
                // part of the base.
                let Some(decision) = decided.transpose()? else {
                    break;
                };
                each(SimulatedDecision {
                    customer,
                    channel: &request.channel,
                    decision: &decision,
                });
                sums.decided(c, &decision, strategy);
            }
            sums.customer_done();
        }
        Ok(sums)
    }
}

/// Where a customer falls in the sample: a hash of the seed and the id.
fn sample_key(seed: u64, customer: &CustomerId) -> u64 {
    let mut x =
        concord_model::symbol_hash(customer.as_str()) ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // splitmix64's finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
