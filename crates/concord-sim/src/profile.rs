//! A subscriber's static facts in typed, compact form: what generation decided and what the
//! event engine and the truth read. The public attribute map is rendered from this.

use crate::segments::{
    AcquisitionChannel, Device, Network, Promotion, RechargeHabit, Segment, Tariff,
};

/// Marketing consents per outbound channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Consents {
    pub sms: bool,
    pub email: bool,
    pub outbound_call: bool,
    pub push: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    pub segment: Segment,
    pub tariff: Tariff,
    pub device: Device,
    pub network: Network,
    pub region: u8,
    pub city: u16,
    pub home_store: u16,
    pub home_cell: u32,
    pub acquisition: AcquisitionChannel,
    pub dealer: Option<u16>,
    pub bad_dealer: bool,
    pub promotion: Promotion,
    pub household: u32,
    pub household_size: u8,
    pub age: u8,
    pub language: &'static str,
    pub tenure_months: f64,
    pub arpu: f64,
    pub initial_balance: f64,
    pub avg_recharge: f64,
    pub habit: RechargeHabit,
    pub consents: Consents,
    /// Day of month the bill is cut (postpaid), 1-28; 0 for prepaid.
    pub bill_day: u8,
    /// Monthly data appetite in MB; above the bundle size the bundle runs out before renewal.
    pub data_demand_mb: f64,
    /// Filled in once the social graph is built.
    pub social_degree: u32,
    /// Filled in once the social graph is built.
    pub value_score: f64,
}

impl Profile {
    pub fn is_prepaid(&self) -> bool {
        self.segment == Segment::Prepaid
    }

    pub fn is_smartphone(&self) -> bool {
        self.device == Device::Smartphone
    }
}

/// The operator's value formula: current spend, loyalty, social reach and household potential,
/// each saturating, weighted 45/20/20/15 and scaled to 0-100.
pub(crate) fn value_score(
    arpu: f64,
    tenure_months: f64,
    social_degree: f64,
    household_size: f64,
) -> f64 {
    let spend = arpu.max(0.0) / (arpu.max(0.0) + 250.0);
    let tenure = tenure_months.max(0.0) / (tenure_months.max(0.0) + 36.0);
    let reach = social_degree.max(0.0) / (social_degree.max(0.0) + 10.0);
    let household = ((household_size - 1.0) / 4.0).clamp(0.0, 1.0);
    let score = 100.0 * (0.45 * spend + 0.20 * tenure + 0.20 * reach + 0.15 * household);
    (score * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(arpu: f64, tenure: f64, degree: f64, household: f64, expected: f64) {
        let got = value_score(arpu, tenure, degree, household);
        assert!(
            (got - expected).abs() < 0.05,
            "value_score({arpu}, {tenure}, {degree}, {household}) = {got}, want {expected}"
        );
    }

    #[test]
    fn value_score_weights_spend_tenure_reach_household() {
        check(0.0, 0.0, 0.0, 1.0, 0.0);
        check(250.0, 0.0, 0.0, 1.0, 22.5);
        check(0.0, 36.0, 0.0, 1.0, 10.0);
        check(0.0, 0.0, 10.0, 1.0, 10.0);
        check(0.0, 0.0, 0.0, 5.0, 15.0);
        check(1e12, 1e12, 1e12, 9.0, 100.0);
        check(-5.0, -1.0, -1.0, 0.0, 0.0);
    }
}
