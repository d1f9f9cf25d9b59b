//! Draws the subscriber base: households first (they share a city, store, language and income),
//! then each member's latent traits, and from those the observable profile and holdings.

use crate::dealers::Dealers;
use crate::geography::Geography;
use crate::holdings::Holdings;
use crate::portfolio::{draw_holdings, draw_promotion};
use crate::profile::{Consents, Profile};
use crate::rng::{
    SimRng, chance, exponential, index, lognormal_mean1, pick_weighted, sigmoid, std_normal,
    uniform,
};
use crate::segments::{AcquisitionChannel, Device, Network, RechargeHabit, Segment, Tariff};
use crate::traits::LatentTraits;

/// Household sizes 1..=5 and how common each is.
const HOUSEHOLD_SIZE_WEIGHTS: [f64; 5] = [35.0, 20.0, 18.0, 15.0, 12.0];

/// What generation produces, index-aligned: subscriber `i` is entry `i` of each vector.
#[derive(Debug)]
pub(crate) struct Population {
    pub profiles: Vec<Profile>,
    pub traits: Vec<LatentTraits>,
    pub holdings: Vec<Holdings>,
    /// How many ties outside the household each subscriber has (the social graph draws them).
    pub outside_ties: Vec<u32>,
}

/// What household members share.
struct Household {
    id: u32,
    size: u8,
    city: usize,
    store: usize,
    language: &'static str,
    income: f64,
    head_segment: Segment,
}

/// Everything generation needs besides the random stream.
pub(crate) struct Generator<'a> {
    pub geography: &'a Geography,
    pub dealers: &'a Dealers,
    pub prepaid_share: f64,
    /// Households are numbered from here + 1, so partitions of one base never share one.
    pub first_household: u32,
}

impl Generator<'_> {
    pub fn generate(&self, rng: &mut SimRng, n: usize) -> Population {
        let mut population = Population {
            profiles: Vec::with_capacity(n),
            traits: Vec::with_capacity(n),
            holdings: Vec::with_capacity(n),
            outside_ties: Vec::with_capacity(n),
        };
        let mut household_no: u32 = self.first_household;
        while population.profiles.len() < n {
            household_no += 1;
            let left = n - population.profiles.len();
            let size = (pick_weighted(rng, &HOUSEHOLD_SIZE_WEIGHTS) + 1).min(left) as u8;
            let household = self.draw_household(rng, household_no, size);
            for member in 0..size {
                let (profile, traits, holdings) = self.draw_member(rng, &household, member == 0);
                population.profiles.push(profile);
                population.traits.push(traits);
                population.holdings.push(holdings);
                // Log-normal reach: most people know a handful, a few know very many.
                let reach = (1.6 + 0.8 * std_normal(rng)).exp().floor().min(150.0);
                population.outside_ties.push(reach as u32);
            }
        }
        population
    }

    fn draw_household(&self, rng: &mut SimRng, id: u32, size: u8) -> Household {
        let city = self.geography.draw_city(rng);
        let region = self.geography.cities.get(city).map_or(0, |c| c.region);
        let income = std_normal(rng);
        let post_logit = logit(1.0 - self.prepaid_share) + 0.9 * income;
        let head_segment = if chance(rng, sigmoid(post_logit)) {
            Segment::Postpaid
        } else {
            Segment::Prepaid
        };
        Household {
            id,
            size,
            city,
            store: self.geography.draw_store(rng, city),
            language: self.geography.draw_language(rng, region),
            income,
            head_segment,
        }
    }

    fn draw_member(
        &self,
        rng: &mut SimRng,
        household: &Household,
        is_head: bool,
    ) -> (Profile, LatentTraits, Holdings) {
        let geo = self.geography;
        let city = household.city;
        let region = geo.cities.get(city).map_or(0, |c| c.region);
        let age = if is_head {
            (40.0 + 12.0 * std_normal(rng)).clamp(18.0, 85.0)
        } else {
            (30.0 + 16.0 * std_normal(rng)).clamp(16.0, 85.0)
        };
        let income = 0.7 * household.income + 0.7 * std_normal(rng);
        let segment = if !is_head && chance(rng, 0.5) {
            household.head_segment
        } else {
            let post_logit = logit(1.0 - self.prepaid_share) + 0.9 * income + 0.01 * (age - 35.0);
            if chance(rng, sigmoid(post_logit)) {
                Segment::Postpaid
            } else {
                Segment::Prepaid
            }
        };
        let prepaid = segment == Segment::Prepaid;
        let z_tech = std_normal(rng) + (35.0 - age) / 25.0;
        let tariff = match segment {
            Segment::Prepaid if income + 0.6 * z_tech + 0.5 * std_normal(rng) > 0.0 => {
                Tariff::PreSmart
            }
            Segment::Prepaid => Tariff::PreBasic,
            Segment::Postpaid => match income + 0.5 * std_normal(rng) {
                x if x < -0.2 => Tariff::PostS,
                x if x < 0.8 => Tariff::PostM,
                _ => Tariff::PostL,
            },
        };

        let acquisition = match pick_weighted(
            rng,
            &[
                35.0,
                if prepaid { 40.0 } else { 25.0 },
                10.0 + 8.0 * z_tech.max(0.0),
                if prepaid { 8.0 } else { 20.0 },
            ],
        ) {
            0 => AcquisitionChannel::Store,
            1 => AcquisitionChannel::Dealer,
            2 => AcquisitionChannel::Online,
            _ => AcquisitionChannel::Telesales,
        };
        let dealer =
            (acquisition == AcquisitionChannel::Dealer).then(|| self.dealers.draw(rng, region));
        let bad_dealer = dealer.is_some_and(|d| self.dealers.is_bad(d));

        let traits = LatentTraits {
            data_hunger: sigmoid(0.7 * std_normal(rng) + 0.6 * z_tech),
            price_sensitivity: sigmoid(
                -0.9 * income + 0.6 * std_normal(rng) + if prepaid { 0.5 } else { -0.5 },
            ),
            tech_affinity: sigmoid(0.9 * z_tech + 0.4 * income),
            roaming_propensity: sigmoid(
                -2.4 + 0.9 * std_normal(rng)
                    + 0.7 * income
                    + if tariff == Tariff::PostL { 0.8 } else { 0.0 },
            ),
            family_orientation: sigmoid(
                0.8 * std_normal(rng) + 0.6 * (f64::from(household.size) - 2.5),
            ),
            loyalty: sigmoid(0.9 * std_normal(rng) - if bad_dealer { 1.0 } else { 0.0 }),
            content_affinity: sigmoid(0.8 * std_normal(rng) + 0.5 * z_tech),
            digital_engagement: sigmoid(0.7 * std_normal(rng) + 0.7 * z_tech),
            responsiveness: sigmoid(0.9 * std_normal(rng)),
        };

        let p_smartphone = match tariff {
            Tariff::PreBasic => 0.3 + 0.5 * traits.tech_affinity,
            Tariff::PreSmart => 0.92,
            Tariff::PostS => 0.95,
            Tariff::PostM => 0.98,
            Tariff::PostL => 0.99,
        };
        let device = if chance(rng, p_smartphone) {
            Device::Smartphone
        } else {
            Device::FeaturePhone
        };
        let network = match device {
            Device::FeaturePhone => Network::G3,
            Device::Smartphone => {
                let p5g = (0.03 + 0.3 * traits.tech_affinity) * if prepaid { 0.6 } else { 1.5 };
                let p3g = 0.15 * (1.0 - traits.tech_affinity);
                match uniform(rng) {
                    u if u < p5g => Network::G5,
                    u if u < p5g + p3g => Network::G3,
                    _ => Network::G4,
                }
            }
        };

        // False acquisitions are recent by construction: the older ones have already churned.
        let max_tenure = ((age - 15.0) * 12.0).max(1.0);
        let tenure_months = if bad_dealer {
            exponential(rng, 5.0)
        } else {
            exponential(rng, 10.0 + 60.0 * traits.loyalty)
        }
        .min(max_tenure)
        .min(300.0)
        .floor();

        let promotion = draw_promotion(rng, prepaid, bad_dealer, household.size);
        let arpu_noise =
            (0.25 * income).exp() * lognormal_mean1(rng, if prepaid { 0.45 } else { 0.15 });
        let arpu = round2(tariff.base_arpu() * arpu_noise * if bad_dealer { 0.6 } else { 1.0 });
        let habit = if prepaid {
            match pick_weighted(rng, &[10.0 + 30.0 * traits.price_sensitivity, 50.0, 35.0]) {
                0 => RechargeHabit::Daily,
                1 => RechargeHabit::Weekly,
                _ => RechargeHabit::Monthly,
            }
        } else {
            RechargeHabit::Monthly
        };
        let avg_recharge = if prepaid {
            let per_month = 30.0 / habit.interval_days();
            round2((arpu / per_month * lognormal_mean1(rng, 0.1)).max(5.0))
        } else {
            0.0
        };
        let initial_balance = if prepaid {
            round2(avg_recharge * 1.2 * uniform(rng))
        } else {
            0.0
        };

        // Monthly appetite: ~300 MB for the indifferent, ~10 GB for the hungriest.
        let data_demand_mb = match device {
            Device::Smartphone => 300.0 * (3.5 * traits.data_hunger + 0.4 * std_normal(rng)).exp(),
            Device::FeaturePhone => 30.0 * lognormal_mean1(rng, 0.5),
        };
        let holdings = draw_holdings(
            rng,
            &traits,
            segment,
            device,
            network,
            household.size,
            data_demand_mb,
        );

        let consents = Consents {
            sms: chance(rng, 0.88),
            email: chance(rng, if prepaid { 0.25 } else { 0.6 }),
            outbound_call: chance(rng, 0.5),
            push: device == Device::Smartphone
                && chance(rng, 0.35 + 0.45 * traits.digital_engagement),
        };
        let home_store = if chance(rng, 0.8) {
            household.store
        } else {
            geo.draw_store(rng, city)
        };
        let language = if chance(rng, 0.9) {
            household.language
        } else {
            geo.draw_language(rng, region)
        };
        let profile = Profile {
            segment,
            tariff,
            device,
            network,
            region: region as u8,
            city: city as u16,
            home_store: home_store as u16,
            home_cell: geo.draw_cell(rng, city) as u32,
            acquisition,
            dealer,
            bad_dealer,
            promotion,
            household: household.id,
            household_size: household.size,
            age: age.round() as u8,
            language,
            tenure_months,
            arpu,
            initial_balance,
            avg_recharge,
            habit,
            consents,
            bill_day: if prepaid { 0 } else { 1 + index(rng, 28) as u8 },
            data_demand_mb,
            social_degree: 0,
            value_score: 0.0,
        };
        (profile, traits, holdings)
    }
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
