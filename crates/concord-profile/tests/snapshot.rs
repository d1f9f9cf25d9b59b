//! Store snapshots through the public API: exact round trips, behaviour after a restore, bad
//! bytes, and restoring under a changed profile.yaml.

#[path = "snapshot/support.rs"]
mod support;

#[path = "snapshot/corrupt.rs"]
mod corrupt;
#[path = "snapshot/round_trip.rs"]
mod round_trip;
#[path = "snapshot/schema_change.rs"]
mod schema_change;
#[path = "snapshot/speed.rs"]
mod speed;
