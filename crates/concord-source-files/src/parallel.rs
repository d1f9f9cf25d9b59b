//! Converting a batch's rows on several threads. Rows are independent once the duplicate
//! check, which needs file order, is left to a sequential pass; building each row's attribute
//! map is most of a load's CPU, so this is where cores pay off.

use std::num::NonZeroUsize;

/// Below this many rows per thread, spawning costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 2_048;

/// The threads to use for `requested` (0 = one per available core).
pub(crate) fn threads(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
    }
}

/// `f(0), f(1), ..., f(n - 1)` in order, computed in contiguous chunks on up to `threads`
/// scoped threads. A chunk whose thread cannot be started runs on the calling thread.
pub(crate) fn map_rows<U: Send>(n: usize, threads: usize, f: impl Fn(usize) -> U + Sync) -> Vec<U> {
    let threads = threads.min(n / MIN_ROWS_PER_THREAD).max(1);
    if threads == 1 {
        return (0..n).map(&f).collect();
    }
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let parts: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * chunk).min(n)..((t + 1) * chunk).min(n);
                let work = move || range.map(f).collect::<Vec<U>>();
                // Chunk 0 runs here, so the calling thread works too.
                if t == 0 {
                    return Err(work);
                }
                std::thread::Builder::new()
                    .spawn_scoped(scope, work.clone())
                    .map_err(|_| work)
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for part in parts {
            match part {
                Err(work) => out.extend(work()),
                Ok(handle) => match handle.join() {
                    Ok(rows) => out.extend(rows),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(n: usize, threads: usize) {
        let got = map_rows(n, threads, |idx| idx * 2);
        let expected: Vec<usize> = (0..n).map(|idx| idx * 2).collect();
        assert_eq!(got, expected, "n={n} threads={threads}");
    }

    #[test]
    fn results_keep_row_order() {
        check(0, 4);
        check(1, 4);
        check(5_000, 1);
        check(10_000, 3);
        check(100_003, 8);
        assert!(threads(0) >= 1);
        assert_eq!(threads(3), 3);
    }
}
