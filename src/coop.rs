//! tokio's cooperative budget (feature `tokio`): a task that always finds room or a value still yields to the
//! others of its runtime after a while, as with tokio's own channels. Without the feature, or outside a tokio
//! runtime, the budget never runs out.
//!
//! The charge differs from tokio's mpsc, which takes one unit of the task's budget (128 units) per operation:
//! here an operation that waited is charged one unit, and operations that found their slot or value at once
//! are charged one unit per [`READY_OPERATIONS_PER_UNIT`] on the thread (so a task that never waits yields
//! after about 2,048 of them). Every operation still asks the budget first, so a task whose budget other
//! work spent yields at once. The study behind it (`shared/research`, design B): at capacity 1,024 on a
//! multi-thread runtime, the per-operation charge made 90 % of all task polls forced yields.

/// How many operations that did not wait share one unit of tokio's budget.
#[cfg(feature = "tokio")]
pub(crate) const READY_OPERATIONS_PER_UNIT: u32 = 16;

#[cfg(feature = "tokio")]
pub(crate) use charged::poll_proceed;

#[cfg(not(feature = "tokio"))]
pub(crate) use unlimited::poll_proceed;

#[cfg(feature = "tokio")]
mod charged {
    use std::cell::Cell;
    use std::task::{Context, Poll};

    use tokio::task::coop::RestoreOnPending;

    use super::READY_OPERATIONS_PER_UNIT;

    std::thread_local! {
        /// Operations that did not wait since this thread last charged one.
        static READY_UNCHARGED: Cell<u32> = const { Cell::new(0) };
    }

    /// One unit of the task's budget, taken for an operation; given back on drop unless charged.
    #[derive(Debug)]
    pub(crate) struct Budget {
        unit: RestoreOnPending,
        /// The operation waited before (its future returned `Pending` at least once): always charged.
        waited: bool,
    }

    impl Budget {
        /// The operation completed: charges the unit if it waited, else once per
        /// [`READY_OPERATIONS_PER_UNIT`] ready operations on this thread.
        pub(crate) fn made_progress(&self) {
            if self.waited || charge_a_ready_operation() {
                self.unit.made_progress();
            }
        }
    }

    /// Counts a ready operation; true for every [`READY_OPERATIONS_PER_UNIT`]-th.
    fn charge_a_ready_operation() -> bool {
        READY_UNCHARGED.with(|uncharged| {
            let count = uncharged.get() + 1;
            let charge = count >= READY_OPERATIONS_PER_UNIT;
            uncharged.set(if charge { 0 } else { count });
            charge
        })
    }

    /// Asks tokio's budget for an operation of a future that `waited` before: `Pending` (and the task is
    /// woken to be polled later) when the task has spent it.
    pub(crate) fn poll_proceed(cx: &mut Context<'_>, waited: bool) -> Poll<Budget> {
        tokio::task::coop::poll_proceed(cx).map(|unit| Budget { unit, waited })
    }
}

#[cfg(not(feature = "tokio"))]
mod unlimited {
    use std::task::{Context, Poll};

    /// The budget when there is none to keep: always enough.
    pub(crate) struct Unlimited;

    impl Unlimited {
        pub(crate) fn made_progress(&self) {}
    }

    pub(crate) fn poll_proceed(_cx: &mut Context<'_>, _waited: bool) -> Poll<Unlimited> {
        Poll::Ready(Unlimited)
    }
}
