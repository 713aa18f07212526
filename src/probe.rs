//! Coverage probes: named counters on the branches the models are about (a waiter registered and its re-check
//! found nothing, a hand-off granted a unit, a block boundary crossed, …). A model asserts that the probes of
//! what it names fired and prints every count (`covered: name=count …`), so a model that never reaches its
//! race fails instead of passing vacuously.
//!
//! Compiled only into the crate's own models (`cfg(test)` under `--cfg loom` or `--cfg shuttle`); elsewhere
//! [`hit`] is an empty inline function. The counts are per OS thread: loom and shuttle run every thread of a
//! model on the test's own thread, while parallel tests keep apart.

#[cfg(all(test, any(loom, shuttle)))]
mod counting {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    std::thread_local! {
        static HITS: RefCell<BTreeMap<&'static str, u64>> = const { RefCell::new(BTreeMap::new()) };
    }

    /// Counts one pass through the branch `name`.
    pub(crate) fn hit(name: &'static str) {
        // `try_with`: a probe in a destructor that runs while the thread's locals are torn down counts nothing.
        let _ = HITS.try_with(|hits| *hits.borrow_mut().entry(name).or_default() += 1);
    }

    /// The counts since the last call, by name, and resets them.
    pub(crate) fn take() -> BTreeMap<&'static str, u64> {
        HITS.with(|hits| std::mem::take(&mut *hits.borrow_mut()))
    }

    /// The counts as a model prints them after `covered:`: `name=count`, space-separated.
    pub(crate) fn covered(counts: &BTreeMap<&'static str, u64>) -> String {
        let shown: Vec<String> = counts
            .iter()
            .map(|(probe, count)| format!("{probe}={count}"))
            .collect();
        shown.join(" ")
    }

    /// The probes of `covers` that never fired.
    pub(crate) fn missed<'a>(
        covers: &[&'a str],
        counts: &BTreeMap<&'static str, u64>,
    ) -> Vec<&'a str> {
        covers
            .iter()
            .copied()
            .filter(|probe| !counts.contains_key(probe))
            .collect()
    }
}

#[cfg(all(test, any(loom, shuttle)))]
pub(crate) use counting::{covered, hit, missed, take};

/// Counts one pass through the branch `name` (only in the crate's own models).
#[cfg(not(all(test, any(loom, shuttle))))]
#[inline(always)]
pub(crate) fn hit(_name: &'static str) {}
