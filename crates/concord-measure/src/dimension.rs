//! The dimensions KPIs can be broken down by (GET /v1/kpis?by=issue,channel): every one is
//! derived from where a tally counts (action, channel, arm, day) and the strategy.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiDimension {
    Issue,
    Group,
    Action,
    Channel,
    /// inbound or outbound, the channel's.
    Direction,
    /// The control arm (experiments.yaml `control_arms`).
    Arm,
    /// The experiment (experiments.yaml `experiments`; `(none)` outside every experiment).
    Experiment,
    /// The experiment's variant: `champion` or a challenger (`(none)` outside).
    Variant,
    /// The UTC day of the decisions, `YYYY-MM-DD`.
    Day,
}

impl KpiDimension {
    pub const ALL: [KpiDimension; 9] = [
        KpiDimension::Issue,
        KpiDimension::Group,
        KpiDimension::Action,
        KpiDimension::Channel,
        KpiDimension::Direction,
        KpiDimension::Arm,
        KpiDimension::Experiment,
        KpiDimension::Variant,
        KpiDimension::Day,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KpiDimension::Issue => "issue",
            KpiDimension::Group => "group",
            KpiDimension::Action => "action",
            KpiDimension::Channel => "channel",
            KpiDimension::Direction => "direction",
            KpiDimension::Arm => "arm",
            KpiDimension::Experiment => "experiment",
            KpiDimension::Variant => "variant",
            KpiDimension::Day => "day",
        }
    }

    /// A comma-separated list (`issue,channel`): each known, none twice, at least one.
    pub fn parse_list(text: &str) -> Result<Vec<KpiDimension>, UnknownDimension> {
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim) {
            let dimension: KpiDimension = part.parse()?;
            if out.contains(&dimension) {
                return Err(UnknownDimension(format!("{part} (listed twice)")));
            }
            out.push(dimension);
        }
        Ok(out)
    }
}

impl fmt::Display for KpiDimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dimension KPIs do not know, with the ones they do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown dimension `{0}` (valid: issue, group, action, channel, direction, arm, experiment, variant, day)"
)]
pub struct UnknownDimension(pub String);

impl FromStr for KpiDimension {
    type Err = UnknownDimension;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KpiDimension::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDimension(s.to_owned()))
    }
}

/// `YYYY-MM-DD` of a day since 1970-01-01 (`unknown` for tallies kept before days were).
pub fn day_label(day: i32) -> String {
    if day == crate::UNKNOWN_DAY {
        return "unknown".to_owned();
    }
    jiff::Timestamp::from_second(i64::from(day) * 86_400)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimension_lists_parse_or_name_the_bad_one() {
        let cases: [(&str, Result<Vec<KpiDimension>, &str>); 5] = [
            ("issue", Ok(vec![KpiDimension::Issue])),
            (
                "arm, day,channel",
                Ok(vec![
                    KpiDimension::Arm,
                    KpiDimension::Day,
                    KpiDimension::Channel,
                ]),
            ),
            (
                "segment",
                Err("unknown dimension `segment` (valid: issue, group"),
            ),
            ("arm,arm", Err("unknown dimension `arm (listed twice)`")),
            ("", Err("unknown dimension ``")),
        ];
        for (text, expected) in cases {
            let got = KpiDimension::parse_list(text).map_err(|e| e.to_string());
            match (got, expected) {
                (Ok(got), Ok(expected)) => assert_eq!(got, expected, "{text}"),
                (Err(got), Err(expected)) => assert!(got.starts_with(expected), "{text}: {got}"),
                (got, expected) => panic!("{text}: {got:?} vs {expected:?}"),
            }
        }
        assert_eq!(day_label(0), "1970-01-01");
        assert_eq!(day_label(20_787), "2026-11-30");
        assert_eq!(day_label(crate::UNKNOWN_DAY), "unknown");
    }
}
