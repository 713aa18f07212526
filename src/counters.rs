//! Statistics for the benchmarks (the hidden `counters` feature, which only `benches/` turns on): how often
//! hand-off mode began, so the `polls` bench can show that it stays the backstop it is meant to be.
//!
//! A plain `std` atomic, not the sync facade's: the count is written and never read by the queue, so it is
//! no part of the protocol the models check, and the feature is left out of the loom and shuttle builds.

use std::sync::atomic::{AtomicU64, Ordering};

static HAND_OFFS_BEGUN: AtomicU64 = AtomicU64::new(0);

/// Counts one beginning of hand-off mode (either side, any queue of the process).
pub(crate) fn hand_off_began() {
    // Relaxed: a statistic, read after the run it counts.
    HAND_OFFS_BEGUN.fetch_add(1, Ordering::Relaxed);
}

/// How many times hand-off mode began in this process, on either side of any queue.
#[must_use]
pub fn hand_offs_begun() -> u64 {
    // Relaxed: see `hand_off_began`.
    HAND_OFFS_BEGUN.load(Ordering::Relaxed)
}
