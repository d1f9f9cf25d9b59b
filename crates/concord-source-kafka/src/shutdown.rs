//! The caller's shutdown future, made safe to wait on again and again.

use std::future::Future;
use std::pin::Pin;

/// Wraps a one-shot future so that many `select!`s can race it: once it has fired, every
/// later wait returns at once.
pub(crate) struct Shutdown<F> {
    signal: Pin<Box<F>>,
    requested: bool,
}

impl<F: Future<Output = ()>> Shutdown<F> {
    pub(crate) fn new(signal: F) -> Self {
        Shutdown {
            signal: Box::pin(signal),
            requested: false,
        }
    }

    /// Returns once shutdown is requested. Cancel-safe: dropping it loses nothing.
    pub(crate) async fn requested(&mut self) {
        if !self.requested {
            self.signal.as_mut().await;
            self.requested = true;
        }
    }

    /// Whether a wait has seen the request (no polling here).
    pub(crate) fn is_requested(&self) -> bool {
        self.requested
    }
}

impl<F> std::fmt::Debug for Shutdown<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown")
            .field("requested", &self.requested)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fires_once_then_stays_fired() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let mut shutdown = Shutdown::new(async move {
            let _ = rx.await;
        });
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(10), shutdown.requested()).await;
        assert!(waited.is_err(), "not requested yet");
        assert!(!shutdown.is_requested());
        let _ = tx.send(());
        shutdown.requested().await;
        shutdown.requested().await;
        assert!(shutdown.is_requested());
    }
}
