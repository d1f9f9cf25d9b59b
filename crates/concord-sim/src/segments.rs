//! The closed vocabularies of a subscriber profile: segment, tariff, device, network, habits,
//! acquisition channel and promotion. Each renders as the exact string the attributes carry.

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum $name {
            $($variant),+
        }

        impl $name {
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }
    };
}

vocabulary!(
    /// How the subscriber pays.
    Segment { Prepaid => "prepaid", Postpaid => "postpaid" }
);
vocabulary!(
    /// The price plan; the first three letters say the segment.
    Tariff {
        PreBasic => "PRE_BASIC",
        PreSmart => "PRE_SMART",
        PostS => "POST_S",
        PostM => "POST_M",
        PostL => "POST_L",
    }
);
vocabulary!(
    /// The handset class, which bounds data and app use.
    Device { Smartphone => "smartphone", FeaturePhone => "feature_phone" }
);
vocabulary!(
    /// The best radio technology the handset and plan reach.
    Network { G3 => "3g", G4 => "4g", G5 => "5g" }
);
vocabulary!(
    /// How often a prepaid subscriber buys airtime.
    RechargeHabit { Daily => "daily", Weekly => "weekly", Monthly => "monthly" }
);
vocabulary!(
    /// Where the connection was sold.
    AcquisitionChannel {
        Store => "store",
        Dealer => "dealer",
        Online => "online",
        Telesales => "telesales",
    }
);
vocabulary!(
    /// The promotion the connection was sold with.
    Promotion {
        NoPromo => "none",
        FreeSim => "FREE_SIM",
        DoubleData => "DOUBLE_DATA",
        Welcome1Gb => "WELCOME_1GB",
        DeviceDeal => "DEVICE_DEAL",
        HalfPrice3M => "HALF_PRICE_3M",
        FamilyBonus => "FAMILY_BONUS",
    }
);

impl Tariff {
    #[cfg(test)]
    pub fn segment(self) -> Segment {
        match self {
            Tariff::PreBasic | Tariff::PreSmart => Segment::Prepaid,
            Tariff::PostS | Tariff::PostM | Tariff::PostL => Segment::Postpaid,
        }
    }

    /// Typical monthly spend on the plan, in rand.
    pub fn base_arpu(self) -> f64 {
        match self {
            Tariff::PreBasic => 55.0,
            Tariff::PreSmart => 130.0,
            Tariff::PostS => 249.0,
            Tariff::PostM => 449.0,
            Tariff::PostL => 799.0,
        }
    }
}

impl RechargeHabit {
    /// Mean days between recharges.
    pub fn interval_days(self) -> f64 {
        match self {
            RechargeHabit::Daily => 1.2,
            RechargeHabit::Weekly => 7.0,
            RechargeHabit::Monthly => 30.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tariffs_know_their_segment() {
        for tariff in Tariff::ALL {
            let prefix = match tariff.segment() {
                Segment::Prepaid => "PRE_",
                Segment::Postpaid => "POST_",
            };
            assert!(tariff.as_str().starts_with(prefix), "{tariff:?}");
        }
        assert_eq!(Network::G5.as_str(), "5g");
        assert_eq!(Promotion::NoPromo.as_str(), "none");
    }
}
