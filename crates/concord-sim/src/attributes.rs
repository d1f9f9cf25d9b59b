//! Renders a typed profile as the public attribute map, with exactly the keys of
//! [`ATTRIBUTE_KEYS`] (the example strategy's profile schema relies on them).

use crate::dealers::Dealers;
use crate::geography::Geography;
use crate::holdings::Holdings;
use crate::profile::Profile;
use concord_model::{Attributes, Value};

/// Every attribute key a subscriber carries, with its value type.
pub const ATTRIBUTE_KEYS: [(&str, AttributeType); 27] = [
    ("segment", AttributeType::Str),
    ("tariff", AttributeType::Str),
    ("tenure_months", AttributeType::Num),
    ("arpu", AttributeType::Num),
    ("balance", AttributeType::Num),
    ("avg_recharge", AttributeType::Num),
    ("recharge_habit", AttributeType::Str),
    ("device_type", AttributeType::Str),
    ("network", AttributeType::Str),
    ("region", AttributeType::Str),
    ("city", AttributeType::Str),
    ("home_store", AttributeType::Str),
    ("home_cell", AttributeType::Str),
    ("acquisition_channel", AttributeType::Str),
    ("dealer", AttributeType::Str),
    ("promotion", AttributeType::Str),
    ("household_id", AttributeType::Str),
    ("household_size", AttributeType::Num),
    ("social_degree", AttributeType::Num),
    ("age", AttributeType::Num),
    ("language", AttributeType::Str),
    ("data_bundle_mb", AttributeType::Num),
    ("consent_sms", AttributeType::Bool),
    ("consent_email", AttributeType::Bool),
    ("consent_outbound_call", AttributeType::Bool),
    ("consent_push", AttributeType::Bool),
    ("value_score", AttributeType::Num),
];

/// The value type of an attribute, as [`Value::type_name`] prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    Str,
    Num,
    Bool,
}

impl AttributeType {
    pub fn matches(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (AttributeType::Str, Value::Str(_))
                | (AttributeType::Num, Value::Num(_))
                | (AttributeType::Bool, Value::Bool(_))
        )
    }
}

pub(crate) fn render(
    profile: &Profile,
    holdings: Holdings,
    geography: &Geography,
    dealers: &Dealers,
) -> Attributes {
    let city = geography.cities.get(profile.city as usize);
    let dealer = profile.dealer.map_or("none", |d| dealers.name(d));
    let bundle_mb = holdings
        .data_bundle()
        .and_then(|b| b.bundle_mb())
        .unwrap_or(0.0);
    // In key order: collecting sorted input skips the sort and bulk-builds the tree, several
    // times cheaper than 27 inserts (this map is most of what building a base costs).
    let entries: [(&str, Value); 27] = [
        ("acquisition_channel", profile.acquisition.as_str().into()),
        ("age", f64::from(profile.age).into()),
        ("arpu", profile.arpu.into()),
        ("avg_recharge", profile.avg_recharge.into()),
        ("balance", profile.initial_balance.into()),
        ("city", city.map_or("unknown", |c| c.name).into()),
        ("consent_email", profile.consents.email.into()),
        (
            "consent_outbound_call",
            profile.consents.outbound_call.into(),
        ),
        ("consent_push", profile.consents.push.into()),
        ("consent_sms", profile.consents.sms.into()),
        ("data_bundle_mb", bundle_mb.into()),
        ("dealer", dealer.into()),
        ("device_type", profile.device.as_str().into()),
        (
            "home_cell",
            geography.cell_name(profile.home_cell as usize).into(),
        ),
        (
            "home_store",
            geography
                .store_name(profile.city as usize, profile.home_store as usize)
                .into(),
        ),
        ("household_id", format!("H{:07}", profile.household).into()),
        ("household_size", f64::from(profile.household_size).into()),
        ("language", profile.language.into()),
        ("network", profile.network.as_str().into()),
        ("promotion", profile.promotion.as_str().into()),
        ("recharge_habit", profile.habit.as_str().into()),
        (
            "region",
            geography.region_name(profile.region as usize).into(),
        ),
        ("segment", profile.segment.as_str().into()),
        ("social_degree", f64::from(profile.social_degree).into()),
        ("tariff", profile.tariff.as_str().into()),
        ("tenure_months", profile.tenure_months.into()),
        ("value_score", profile.value_score.into()),
    ];
    debug_assert!(
        entries.windows(2).all(|w| w[0].0 < w[1].0),
        "entries out of key order"
    );
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, stream_rng};

    #[test]
    fn rendered_keys_are_the_schema() {
        let mut rng = stream_rng(1, Stream::Geography);
        let geography = Geography::generate(&mut rng, 0.04);
        let dealers = Dealers::generate(&mut rng, 10, 0.1, 9);
        let generator = crate::population::Generator {
            geography: &geography,
            dealers: &dealers,
            prepaid_share: 0.7,
            first_household: 0,
        };
        let population = generator.generate(&mut stream_rng(1, Stream::Population), 3);
        let attributes = render(
            &population.profiles[0],
            population.holdings[0],
            &geography,
            &dealers,
        );
        let mut want: Vec<&str> = ATTRIBUTE_KEYS.iter().map(|(k, _)| *k).collect();
        want.sort_unstable();
        let got: Vec<&str> = attributes.keys().map(String::as_str).collect();
        assert_eq!(got, want);
    }
}
