//! A ledger of drops: one counter per value id, to check that every value is dropped exactly once.

use std::fmt;
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many times each tracked value has been dropped, indexed by the value's id. The test keeps the
/// ledger and hands out [`Tracked`] values with [`DropLedger::value`]; each counts its own drop here.
///
/// Values hold the ledger by `Arc`, so they can move into spawned tasks and a ledger per test case is
/// freed with the case. A value dropped twice (by a bug in the code under test) counts 2 and releases its
/// `Arc` only once, so the test can read and report the count instead of crashing on a freed ledger.
pub struct DropLedger {
    drops: Vec<AtomicUsize>,
}

impl DropLedger {
    /// A ledger for the ids `0..values`, none dropped yet.
    pub fn new(values: usize) -> Arc<DropLedger> {
        Arc::new(DropLedger {
            drops: (0..values).map(|_| AtomicUsize::new(0)).collect(),
        })
    }

    /// A new value with id `id` (below [`values`](Self::values)) whose drop this ledger counts. Make each id
    /// once: the drop of a second value with the same id counts as a double drop.
    pub fn value(self: &Arc<Self>, id: usize) -> Tracked {
        assert!(id < self.drops.len(), "id {id} is not in the ledger");
        Tracked {
            id,
            ledger: ManuallyDrop::new(Arc::clone(self)),
        }
    }

    /// How many ids the ledger has.
    pub fn values(&self) -> usize {
        self.drops.len()
    }

    /// How many times the value with id `id` has been dropped.
    pub fn drops(&self, id: usize) -> usize {
        self.drops[id].load(Ordering::SeqCst)
    }

    /// The drop count of every id, in id order.
    pub fn all(&self) -> Vec<usize> {
        (0..self.drops.len()).map(|id| self.drops(id)).collect()
    }
}

/// A value whose drop is counted in its [`DropLedger`] under its id. Not `Clone`: each id is one value.
pub struct Tracked {
    id: usize,
    /// Released by the first drop of this id only: see [`DropLedger`].
    ledger: ManuallyDrop<Arc<DropLedger>>,
}

impl Tracked {
    /// The id this value was made with.
    pub fn id(&self) -> usize {
        self.id
    }
}

/// Shows the id only (`Tracked(3)`), so that assertions on queue results can print a tracked value.
impl fmt::Debug for Tracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tracked({})", self.id)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let before = self.ledger.drops[self.id].fetch_add(1, Ordering::SeqCst);
        if before == 0 {
            // SAFETY: `drop` runs at most once per value and `self.ledger` is not used after this line, so the
            // `Arc` is released at most once. (A later drop of the same id, which only a double drop by the code
            // under test can cause, counts without releasing: the test's own `Arc` keeps the ledger alive.)
            unsafe { ManuallyDrop::drop(&mut self.ledger) };
        }
    }
}
