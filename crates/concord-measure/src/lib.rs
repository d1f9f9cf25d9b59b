//! Proof of value: KPIs computed from the hub's own decision and response logs.

mod kpis;

pub use kpis::{KpiBook, KpiReport, KpiRow, Tally};
