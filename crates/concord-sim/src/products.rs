//! Holdings over time: the data-bundle cycle (fill, report, renew), organic product changes,
//! and provisioning what an accepted offer sells.

use crate::holdings::Product;
use crate::operator::Operator;
use crate::rng::{chance, pick_weighted};
use crate::schedule::Task;
use crate::segments::Network;
use crate::stream::{BUNDLE_CYCLE_MS, timestamp};
use concord_model::EventKind;

impl Operator {
    pub(crate) fn on_bundle_renewal(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let state = self.truth.states.get_mut(idx)?;
        let experience = self.truth.experiences.get_mut(idx)?;
        // A renewal from a cycle that ended (bundle dropped, or restarted) is stale.
        if experience.bundle_expires_ms != at {
            return None;
        }
        let Some(bundle) = state.holdings.data_bundle() else {
            experience.bundle_expires_ms = 0;
            return None;
        };
        state.bundle_used_mb = 0.0;
        state.bundle_reported_tenths = 0;
        experience.bundle_expires_ms = at + BUNDLE_CYCLE_MS;
        self.schedule.push(
            experience.bundle_expires_ms,
            idx as u32,
            Task::BundleRenewal,
        );
        Some(EventKind::BundleUsage {
            bundle: bundle.as_str().to_owned(),
            used_mb: 0.0,
            total_mb: bundle.bundle_mb().unwrap_or(0.0),
            expires: Some(timestamp(experience.bundle_expires_ms)),
        })
    }

    pub(crate) fn bundle_report(&mut self, idx: usize) -> Option<EventKind> {
        let state = self.truth.states.get(idx)?;
        let bundle = state.holdings.data_bundle()?;
        let total = bundle.bundle_mb()?;
        let used = f64::from(state.bundle_used_mb).min(total);
        Some(EventKind::BundleUsage {
            bundle: bundle.as_str().to_owned(),
            used_mb: (used * 100.0).round() / 100.0,
            total_mb: total,
            expires: Some(timestamp(
                self.truth.experiences.get(idx)?.bundle_expires_ms,
            )),
        })
    }

    /// Customers add and drop products on their own too: mostly adds that fit them, some drops.
    pub(crate) fn organic_product_change(&mut self, idx: usize, at: i64) -> Option<EventKind> {
        let profile = self.truth.profiles.get(idx)?;
        let traits = self.truth.traits.get(idx)?;
        let held = self.truth.states.get(idx)?.holdings;
        let rng = &mut self.event_rng;
        if chance(rng, 0.6) {
            let smartphone = profile.is_smartphone();
            let appetite = |p: Product| -> f64 {
                if held.contains(p) {
                    return 0.0;
                }
                match p {
                    Product::VoiceBasic => 0.5,
                    Product::Data1Gb | Product::Data5Gb | Product::Data20Gb => {
                        let fits =
                            held.data_bundle().is_none() && (smartphone || p == Product::Data1Gb);
                        if fits { traits.data_hunger } else { 0.0 }
                    }
                    Product::RoamingPack => traits.roaming_propensity,
                    Product::FamilyPlan if profile.household_size >= 3 => traits.family_orientation,
                    Product::FamilyPlan => 0.0,
                    Product::DeviceInsurance if smartphone => 0.3 * traits.tech_affinity,
                    Product::FiveGPlan if profile.network == Network::G5 => traits.tech_affinity,
                    Product::MusicPack | Product::VideoPack if smartphone => {
                        traits.content_affinity
                    }
                    _ => 0.0,
                }
            };
            let weights = Product::ALL.map(appetite);
            if weights.iter().all(|w| *w <= 0.0) {
                return None;
            }
            let product = *Product::ALL.get(pick_weighted(rng, &weights))?;
            self.provision(idx, at, product, false);
            Some(EventKind::ProductAdded {
                product: product.as_str().to_owned(),
            })
        } else {
            let droppable: Vec<Product> =
                held.iter().filter(|p| *p != Product::VoiceBasic).collect();
            let weights = vec![1.0; droppable.len()];
            let product = *droppable.get(pick_weighted(rng, &weights))?;
            if let Some(state) = self.truth.states.get_mut(idx) {
                state.holdings.remove(product);
            }
            Some(EventKind::ProductRemoved {
                product: product.as_str().to_owned(),
            })
        }
    }

    /// Adds a product now. A data bundle replaces the old one (keeping the cycle) or starts a
    /// fresh cycle; `announce` schedules the product events at `at` (an accepted offer), otherwise
    /// the caller emits the event itself.
    pub(crate) fn provision(&mut self, idx: usize, at: i64, product: Product, announce: bool) {
        let (Some(state), Some(experience)) = (
            self.truth.states.get_mut(idx),
            self.truth.experiences.get_mut(idx),
        ) else {
            return;
        };
        if state.holdings.contains(product) {
            return;
        }
        let sub = idx as u32;
        if product.bundle_mb().is_some() {
            if let Some(old) = state.holdings.data_bundle() {
                // An upgrade: the cycle and what was used in it carry over.
                state.holdings.remove(old);
                if announce {
                    self.schedule.push(at, sub, Task::ProductRemoved(old));
                }
            } else {
                // A fresh bundle starts a fresh cycle; any older renewal becomes stale.
                state.bundle_used_mb = 0.0;
                experience.bundle_expires_ms = at + BUNDLE_CYCLE_MS;
                self.schedule
                    .push(experience.bundle_expires_ms, sub, Task::BundleRenewal);
            }
            state.holdings.insert(product);
            if announce {
                self.schedule.push(at, sub, Task::ProductAdded(product));
            }
            // Re-read the fill level against the new size on the next report.
            let total = product.bundle_mb().unwrap_or(1.0);
            let used = f64::from(state.bundle_used_mb);
            state.bundle_reported_tenths = (used / total * 10.0).floor().min(10.0) as u8;
            self.schedule.push(at, sub, Task::BundleReport);
        } else {
            state.holdings.insert(product);
            if announce {
                self.schedule.push(at, sub, Task::ProductAdded(product));
            }
        }
    }
}
