//! What every handler shares: the hub, the keys, the metrics and the clock.

use crate::auth::ApiKeys;
use crate::metrics::Metrics;
use concord_hub::Hub;
use concord_model::Clock;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub keys: Arc<ApiKeys>,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
    /// The USSD menu's sessions, when the strategy has a menu channel.
    pub ussd: Option<Arc<concord_channel::UssdSessions>>,
    /// Batch outbound runs; without a connections file every run is refused, naming the flag
    /// (`serve` replaces it with one over the connections' sinks).
    pub runs: Arc<concord_channel::Runs>,
    ready: Arc<AtomicBool>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(hub: Arc<Hub>, keys: ApiKeys, clock: Arc<dyn Clock>) -> Self {
        let ussd = concord_channel::UssdSessions::new(hub.clone())
            .ok()
            .map(Arc::new);
        let runs = concord_channel::Runs::new(
            hub.clone(),
            None,
            std::collections::BTreeMap::new(),
            clock.clone(),
        );
        Self {
            ussd,
            runs,
            hub,
            keys: Arc::new(keys),
            metrics: Arc::new(Metrics::new()),
            clock,
            ready: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Readiness: false while a base load or warm-up runs; `/readyz` answers 503 until it ends.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}
