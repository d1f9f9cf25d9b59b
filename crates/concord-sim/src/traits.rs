//! Latent traits: what a subscriber is really like. Observable attributes are noisy readings of
//! these, so a learner can recover much, never all, of the truth.

/// Hidden per-subscriber dispositions, each in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatentTraits {
    pub data_hunger: f64,
    pub price_sensitivity: f64,
    pub tech_affinity: f64,
    pub roaming_propensity: f64,
    pub family_orientation: f64,
    pub loyalty: f64,
    pub content_affinity: f64,
    pub digital_engagement: f64,
    /// General appetite for offers, visible only through response history.
    pub responsiveness: f64,
}

impl LatentTraits {
    pub const N: usize = 9;

    /// The traits centred on zero (`2t - 1`, in `[-1, 1]`), in declaration order.
    pub fn centred(&self) -> [f64; LatentTraits::N] {
        [
            self.data_hunger,
            self.price_sensitivity,
            self.tech_affinity,
            self.roaming_propensity,
            self.family_orientation,
            self.loyalty,
            self.content_affinity,
            self.digital_engagement,
            self.responsiveness,
        ]
        .map(|t| 2.0 * t - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centring_maps_the_unit_interval_to_plus_minus_one() {
        let t = LatentTraits {
            data_hunger: 0.0,
            price_sensitivity: 1.0,
            tech_affinity: 0.5,
            roaming_propensity: 0.0,
            family_orientation: 0.0,
            loyalty: 0.0,
            content_affinity: 0.0,
            digital_engagement: 0.0,
            responsiveness: 0.75,
        };
        let c = t.centred();
        assert_eq!(c[0], -1.0);
        assert_eq!(c[1], 1.0);
        assert_eq!(c[2], 0.0);
        assert_eq!(c[8], 0.5);
    }
}
