//! tokio's cooperative budget (feature `tokio`): a task that always finds room or a value still yields to the
//! others of its runtime after a while, as with tokio's own channels. Without the feature, or outside a tokio
//! runtime, the budget never runs out.
//!
//! Unlike tokio's mpsc, which charges one unit of the task's budget (128 units) per operation, an operation
//! that completes at once is charged one unit per [`READY_PER_UNIT`] such operations on its thread; one that
//! waited is charged a unit, as in tokio. So a task that never waits yields after about 128 × 64 = 8,192
//! operations instead of 128, and a budget spent elsewhere in the task is seen within 64 operations.
//!
//! Why 64: a forced yield is dear on a multi-thread runtime (the task waits for its worker to run out of work
//! and poll the driver, and meanwhile the other side of its queue runs dry and waits), so fewer of them speed up
//! a busy queue there, and 8,192 operations of a loop that does nothing else take about 90 µs (11 ns an
//! operation, `current_thread`), within the 10–100 µs between `.await`s that tokio's maintainers give as a rule
//! of thumb. Measured (`benches/results/profile.md`): 16 → 64 gave `multi_thread(2)` idle 1.16–1.57× our own
//! throughput, and was neutral beside a busy process and on `current_thread`.

use std::task::{Context, Poll};

/// Operations completing at once per unit of tokio's budget.
#[cfg(all(
    feature = "tokio",
    not(any(
        all(loom, any(test, feature = "loom")),
        all(shuttle, not(loom), any(test, feature = "shuttle"))
    ))
))]
pub(crate) const READY_PER_UNIT: u8 = 64;

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
        // Out of line: one call per 64 ready operations (or per wait), kept off the inlined fast path.
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

/// How many notifications one side of a queue of `capacity` keeps out at once (woken waiters whose futures
/// have not come back), read by each registration from where it waits (see `WaitList::throttle`; the
/// runtime's rule is remembered per task):
/// - on a current-thread runtime, 1: one task runs at a time, and the woken one runs after the tasks queued
///   before it, which free more units meanwhile; it finds them all and passes the notification on if it
///   leaves any (one wake-up per burst, not one per unit, most of them in vain);
/// - on a multi-thread runtime, or a thread blocked outside any runtime, no limit: a woken task often loses
///   its unit to a task running on another worker, and one wake-up per unit keeps every worker busy;
/// - at a capacity of 1, no limit on any runtime: at most one unit is free at a time, so no burst forms for
///   one woken waiter to find, and a notification kept out only makes its future take the side's lock when
///   it comes back (`current_thread` capacity 1: 1.14-1.24x the throughput idle, 1.19-1.25x beside a busy
///   process, polls unchanged; `benches/results/profile.md`).
///
/// Under a model checker the model's own limit applies at every capacity: the protocol is checked under both
/// rules, whichever this function would pick.
#[cfg(not(any(
    all(loom, any(test, feature = "loom")),
    all(shuttle, not(loom), any(test, feature = "shuttle"))
)))]
pub(crate) fn notifications_in_flight(capacity: Option<usize>) -> usize {
    if capacity == Some(1) {
        return usize::MAX;
    }
    #[cfg(feature = "tokio")]
    if let Some(task) = tokio::task::try_id() {
        return per_task::limit(task);
    }
    runtime_limit()
}

/// The limit of the runtime this thread is in (asks tokio: a clone of the runtime's handle, an `Arc` every
/// worker shares).
#[cfg(not(any(
    all(loom, any(test, feature = "loom")),
    all(shuttle, not(loom), any(test, feature = "shuttle"))
)))]
fn runtime_limit() -> usize {
    #[cfg(feature = "tokio")]
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
            return 1;
        }
    }
    usize::MAX
}

/// The limit remembered per task: a task runs on one runtime all its life, so its runtime is asked once, and
/// kept in a few entries per thread (the tasks of a runtime take turns on its threads). An entry is found by
/// the task's id; an id tokio gives again to a later task, of another runtime, could find a stale entry, and
/// that task would then wait under the other rule, which is as correct, only not the faster one there.
#[cfg(all(
    feature = "tokio",
    not(any(
        all(loom, any(test, feature = "loom")),
        all(shuttle, not(loom), any(test, feature = "shuttle"))
    ))
))]
mod per_task {
    use std::cell::Cell;
    use std::hash::{Hash, Hasher};

    use tokio::task::Id;

    const ENTRIES: usize = 16;

    std::thread_local! {
        static LIMITS: [Cell<Option<(Id, usize)>>; ENTRIES] = const { [const { Cell::new(None) }; ENTRIES] };
    }

    /// The limit for the running task `task`.
    pub(super) fn limit(task: Id) -> usize {
        let mut bits = IdBits(0);
        task.hash(&mut bits);
        // Fibonacci hashing: the top bits of the product spread consecutive ids over the entries.
        let entry = (bits.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - ENTRIES.trailing_zeros()))
            as usize;
        LIMITS.with(|limits| match limits[entry].get() {
            Some((id, limit)) if id == task => limit,
            _ => {
                let limit = super::runtime_limit();
                limits[entry].set(Some((task, limit)));
                limit
            }
        })
    }

    /// The bits of a task id (`Id` hashes its number with `write_u64`).
    struct IdBits(u64);

    impl Hasher for IdBits {
        fn finish(&self) -> u64 {
            self.0
        }

        fn write(&mut self, bytes: &[u8]) {
            for &byte in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(byte);
            }
        }

        fn write_u64(&mut self, n: u64) {
            self.0 ^= n;
        }
    }
}

/// Under a model checker, 1 (the throttled protocol, whose races the models are about), unless a crate model
/// sets another limit for its thread ([`models::limit_notifications`]).
#[cfg(any(
    all(loom, any(test, feature = "loom")),
    all(shuttle, not(loom), any(test, feature = "shuttle"))
))]
pub(crate) fn notifications_in_flight(_capacity: Option<usize>) -> usize {
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

#[cfg(all(test, feature = "tokio", not(any(loom, shuttle))))]
mod tests {
    use super::{Charge, READY_PER_UNIT, notifications_in_flight, poll_proceed};

    /// A unit charged for an operation that waited covers that operation alone: the next ready operation on
    /// the thread asks tokio again, and its unit covers the `READY_PER_UNIT - 1` ready ones after it.
    #[test]
    fn a_unit_charged_for_a_wait_covers_no_ready_operation() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(std::future::poll_fn(|cx| {
            let asks_tokio =
                |cx: &mut std::task::Context<'_>, waited: bool| match poll_proceed(cx, waited) {
                    std::task::Poll::Ready(charge) => {
                        charge.made_progress();
                        matches!(charge, Charge::Unit(_))
                    }
                    std::task::Poll::Pending => panic!("a fresh task has budget"),
                };
            // Spend what is left of a cover this thread had, then a whole one.
            while !asks_tokio(cx, false) {}
            for _ in 1..READY_PER_UNIT {
                assert!(!asks_tokio(cx, false), "covered by the unit before");
            }
            assert!(
                asks_tokio(cx, true),
                "an operation that waited takes a unit"
            );
            assert!(
                asks_tokio(cx, false),
                "the wait's unit covered a ready operation"
            );
            assert!(!asks_tokio(cx, false), "covered by the unit before");
            std::task::Poll::Ready(())
        }));
    }

    /// Polls `notifications_in_flight` twice (asked, then remembered) in each of 64 tasks spawned by `spawn`.
    async fn limits_of_tasks(
        spawn: impl Fn() -> tokio::task::JoinHandle<(usize, usize)>,
    ) -> Vec<(usize, usize)> {
        let tasks: Vec<_> = (0..64).map(|_| spawn()).collect();
        let mut limits = Vec::new();
        for task in tasks {
            limits.push(task.await.unwrap());
        }
        limits
    }

    fn twice() -> (usize, usize) {
        (
            notifications_in_flight(Some(16)),
            notifications_in_flight(Some(16)),
        )
    }

    /// Every task gets its own runtime's rule, however many tasks of another runtime took turns on its thread
    /// before it (more than the entries remembered per thread).
    #[test]
    fn each_task_is_given_the_limit_of_its_own_runtime() {
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let on_current = current.block_on(limits_of_tasks(|| tokio::spawn(async { twice() })));
        assert!(
            on_current.iter().all(|&limits| limits == (1, 1)),
            "{on_current:?}"
        );
        let at_capacity_1 = current
            .block_on(async { tokio::spawn(async { notifications_in_flight(Some(1)) }).await });
        assert_eq!(
            at_capacity_1.unwrap(),
            usize::MAX,
            "no throttle at capacity 1"
        );
        // A `LocalSet` runs its tasks on this thread, inside the multi-thread runtime.
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        let on_multi = multi.block_on(local.run_until(limits_of_tasks(|| {
            tokio::task::spawn_local(async { twice() })
        })));
        assert!(
            on_multi
                .iter()
                .all(|&limits| limits == (usize::MAX, usize::MAX)),
            "{on_multi:?}"
        );
        // Outside a task (`block_on`'s own future), and outside any runtime.
        assert_eq!(current.block_on(async { twice() }), (1, 1));
        assert_eq!(multi.block_on(async { twice() }), (usize::MAX, usize::MAX));
        assert_eq!(twice(), (usize::MAX, usize::MAX));
    }
}
