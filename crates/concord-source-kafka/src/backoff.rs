//! Bounded exponential back-off between retries of the same work.

use std::time::Duration;

/// Doubles the pause after each failure, from `first` up to `max`; `reset` after a success.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub(crate) fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max,
            next: first.min(max),
        }
    }

    /// The pause to take now; the following one is twice as long (capped).
    pub(crate) fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        pause
    }

    pub(crate) fn reset(&mut self) {
        self.next = self.first.min(self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(first_ms: u64, max_ms: u64, expected_ms: &[u64]) {
        let mut backoff = Backoff::new(
            Duration::from_millis(first_ms),
            Duration::from_millis(max_ms),
        );
        let got: Vec<u64> = expected_ms
            .iter()
            .map(|_| backoff.next_pause().as_millis() as u64)
            .collect();
        assert_eq!(got, expected_ms);
    }

    #[test]
    fn doubles_up_to_the_cap() {
        check(100, 1_000, &[100, 200, 400, 800, 1_000, 1_000]);
        check(100, 100, &[100, 100]);
        check(500, 100, &[100, 100]);
        check(0, 100, &[0, 0]);
    }

    #[test]
    fn reset_starts_over() {
        let mut backoff = Backoff::new(Duration::from_millis(10), Duration::from_secs(1));
        backoff.next_pause();
        backoff.next_pause();
        backoff.reset();
        assert_eq!(backoff.next_pause(), Duration::from_millis(10));
    }
}
