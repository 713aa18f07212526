//! tokio's cooperative budget (feature `tokio`): a task that always finds room or a value still yields to the
//! others of its runtime after a while, as with tokio's own channels. Without the feature, or outside a tokio
//! runtime, the budget never runs out.
//!
//! Unlike tokio's mpsc, which charges one unit of the task's budget (128 units) per operation, an operation
//! that completes at once is charged one unit per [`READY_PER_UNIT`] such operations on its thread; one that
//! waited is charged a unit, as in tokio. So a task that never waits yields after about 128 × 16 = 2,048
//! operations instead of 128 (each forced yield costs a multi-thread runtime a driver poll and maybe a wake-up
//! of another worker), and a budget spent elsewhere in the task is seen within 16 operations.

use std::task::{Context, Poll};

/// Operations completing at once per unit of tokio's budget.
#[cfg(all(
    feature = "tokio",
    not(any(
        all(loom, any(test, feature = "loom")),
        all(shuttle, not(loom), any(test, feature = "shuttle"))
    ))
))]
pub(crate) const READY_PER_UNIT: u8 = 16;

/// The charge of one operation: a unit of tokio's budget, or nothing (one of the operations a unit covers).
pub(crate) enum Charge {
    #[cfg(feature = "tokio")]
    Unit(tokio::task::coop::RestoreOnPending),
    #[cfg_attr(all(feature = "tokio", any(loom, shuttle)), allow(dead_code))]
    Covered,
}

impl Charge {
    /// The operation completed: its unit (if it took one) stays spent.
    pub(crate) fn made_progress(&self) {
        #[cfg(feature = "tokio")]
        if let Charge::Unit(unit) = self {
            unit.made_progress();
        }
    }
}

/// Asks the budget for one operation of a future that `waited` before (then always a unit of tokio's, as in
/// tokio) or that tries for the first time (a unit per [`READY_PER_UNIT`] of those on the thread). `Pending`:
/// the budget is spent, the task yields (tokio has arranged its wake-up).
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>, waited: bool) -> Poll<Charge> {
    #[cfg(all(
        feature = "tokio",
        not(any(
            all(loom, any(test, feature = "loom")),
            all(shuttle, not(loom), any(test, feature = "shuttle"))
        ))
    ))]
    {
        std::thread_local! {
            /// Operations left before the next one asks tokio's budget.
            static COVERED: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
        }
        if !waited {
            let covered = COVERED.get();
            if covered > 0 {
                COVERED.set(covered - 1);
                return Poll::Ready(Charge::Covered);
            }
        }
        // Out of line: one call per 16 ready operations (or per wait), kept off the inlined fast path.
        #[inline(never)]
        fn ask_tokio(cx: &mut Context<'_>, waited: bool) -> Poll<Charge> {
            let unit = std::task::ready!(tokio::task::coop::poll_proceed(cx));
            if !waited {
                COVERED.set(READY_PER_UNIT - 1);
            }
            Poll::Ready(Charge::Unit(unit))
        }
        ask_tokio(cx, waited)
    }
    // Under a model checker, every operation asks tokio's budget (nothing is kept per thread across runs).
    #[cfg(all(
        feature = "tokio",
        any(
            all(loom, any(test, feature = "loom")),
            all(shuttle, not(loom), any(test, feature = "shuttle"))
        )
    ))]
    {
        let _ = waited;
        tokio::task::coop::poll_proceed(cx).map(Charge::Unit)
    }
    #[cfg(not(feature = "tokio"))]
    {
        let _ = (cx, waited);
        Poll::Ready(Charge::Covered)
    }
}

/// How many notifications one side of a queue keeps out at once (woken waiters whose futures have not come
/// back), read by each registration from where it waits (see `WaitList::throttle`):
/// - on a current-thread runtime, 1: one task runs at a time, and the woken one runs after the tasks queued
///   before it, which free more units meanwhile; it finds them all and passes the notification on if it
///   leaves any (one wake-up per burst, not one per unit, most of them in vain);
/// - on a multi-thread runtime, or a thread blocked outside any runtime, no limit: a woken task often loses
///   its unit to a task running on another worker, and one wake-up per unit keeps every worker busy.
#[cfg(not(any(
    all(loom, any(test, feature = "loom")),
    all(shuttle, not(loom), any(test, feature = "shuttle"))
)))]
pub(crate) fn notifications_in_flight() -> usize {
    #[cfg(feature = "tokio")]
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
            return 1;
        }
    }
    usize::MAX
}

/// Under a model checker, 1 (the throttled protocol, whose races the models are about), unless a crate model
/// sets another limit for its thread ([`models::limit_notifications`]).
#[cfg(any(
    all(loom, any(test, feature = "loom")),
    all(shuttle, not(loom), any(test, feature = "shuttle"))
))]
pub(crate) fn notifications_in_flight() -> usize {
    #[cfg(test)]
    return models::LIMIT.with(std::cell::Cell::get);
    #[cfg(not(test))]
    1
}

#[cfg(all(test, any(loom, shuttle)))]
pub(crate) mod models {
    std::thread_local! {
        pub(super) static LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(1) };
    }

    /// Sets the notifications kept out at once in the models run on this thread (`usize::MAX`: no throttle).
    pub(crate) fn limit_notifications(limit: usize) {
        LIMIT.with(|cell| cell.set(limit));
    }
}
