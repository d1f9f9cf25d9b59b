//! What a new subscriber was sold with and holds at the start: the promotion (bad dealers push
//! free SIMs) and the products, consistent with device, network, household and appetite.

use crate::holdings::{Holdings, Product};
use crate::rng::{SimRng, chance, pick_weighted, uniform};
use crate::segments::{Device, Network, Promotion, Segment};
use crate::traits::LatentTraits;

pub(crate) fn draw_promotion(
    rng: &mut SimRng,
    prepaid: bool,
    bad_dealer: bool,
    household_size: u8,
) -> Promotion {
    let (options, weights): (&[Promotion], [f64; 4]) = if prepaid {
        (
            &[
                Promotion::NoPromo,
                Promotion::FreeSim,
                Promotion::DoubleData,
                Promotion::Welcome1Gb,
            ],
            if bad_dealer {
                [20.0, 55.0, 25.0, 0.0]
            } else {
                [50.0, 12.0, 18.0, 20.0]
            },
        )
    } else {
        (
            &[
                Promotion::NoPromo,
                Promotion::DeviceDeal,
                Promotion::HalfPrice3M,
                Promotion::FamilyBonus,
            ],
            [
                40.0,
                30.0,
                20.0,
                if household_size >= 3 { 10.0 } else { 0.0 },
            ],
        )
    };
    options
        .get(pick_weighted(rng, &weights))
        .copied()
        .unwrap_or(Promotion::NoPromo)
}

pub(crate) fn draw_holdings(
    rng: &mut SimRng,
    traits: &LatentTraits,
    segment: Segment,
    device: Device,
    network: Network,
    household_size: u8,
    data_demand_mb: f64,
) -> Holdings {
    let postpaid = segment == Segment::Postpaid;
    let smartphone = device == Device::Smartphone;
    let mut held = Holdings::default();
    if chance(rng, 0.96) {
        held.insert(Product::VoiceBasic);
    }
    let wants_bundle = if smartphone {
        chance(rng, 0.75 + 0.2 * traits.data_hunger)
    } else {
        chance(rng, 0.1)
    };
    if wants_bundle {
        // People buy the bundle near their appetite, often a size too small.
        let target = data_demand_mb * (0.6 + 0.7 * uniform(rng));
        let bundle = if target > 20_480.0 * 0.7 {
            Product::Data20Gb
        } else if target > 5_120.0 * 0.7 {
            Product::Data5Gb
        } else {
            Product::Data1Gb
        };
        held.insert(bundle);
    }
    if chance(
        rng,
        traits.roaming_propensity * if postpaid { 0.6 } else { 0.15 },
    ) {
        held.insert(Product::RoamingPack);
    }
    if household_size >= 3
        && chance(
            rng,
            traits.family_orientation * if postpaid { 0.5 } else { 0.12 },
        )
    {
        held.insert(Product::FamilyPlan);
    }
    if smartphone
        && chance(
            rng,
            if postpaid {
                0.3
            } else {
                0.08 * traits.tech_affinity
            },
        )
    {
        held.insert(Product::DeviceInsurance);
    }
    if network == Network::G5 && chance(rng, 0.55) {
        held.insert(Product::FiveGPlan);
    }
    if smartphone && chance(rng, 0.2 * traits.content_affinity) {
        held.insert(Product::MusicPack);
    }
    if smartphone
        && network != Network::G3
        && chance(
            rng,
            0.15 * traits.content_affinity * if postpaid { 1.5 } else { 0.7 },
        )
    {
        held.insert(Product::VideoPack);
    }
    held
}
