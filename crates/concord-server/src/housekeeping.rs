//! What the server does between requests: answering actions whose response window closed.

use crate::state::AppState;
use std::time::Duration;

/// How often response timeouts are checked.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Every [`SWEEP_EVERY`], records the timeout outcome of each action whose channel's response
/// window (models.yaml `timeouts`) closed by the clock's now. Runs until the runtime stops; a
/// sweep that could not make its responses durable is retried at the next one.
pub fn spawn_housekeeping(state: &AppState) -> tokio::task::JoinHandle<()> {
    let (hub, clock) = (state.hub.clone(), state.clock.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match hub.expire_responses(clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(responses = n, "response timeouts recorded"),
                Err(error) => tracing::warn!(%error, "response timeouts: will retry"),
            }
        }
    })
}
