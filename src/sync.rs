//! The one sync facade: every atomic, lock and cell of the queue comes from here.
//!
//! Normal builds use `std`. The model checkers replace it under `--cfg loom` / `--cfg shuttle` in two cases:
//! this crate's own test build (its models), and a user's build that turns on the crate's `loom` / `shuttle`
//! feature (their models then explore the queue's interleavings too). Without the feature a user's
//! `--cfg loom` build links the `std` arm, so their tests that use the queue outside a model keep working.
//! Every arm offers the same API; `UnsafeCell` has loom's `with`/`with_mut` shape everywhere. Thread parking
//! (`current_thread`, `park`, `park_until`, `Thread::unpark`) is here too, so a blocking call parks through the
//! checker.

#[cfg(all(loom, any(test, feature = "loom")))]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
    };
    pub(crate) use loom::sync::{Mutex, MutexGuard};
    pub(crate) use loom::thread::{Thread, current as current_thread, park};

    /// loom's `Arc`, except that a handle dropped while loom unwinds out of a failed model (a deadlock report,
    /// a failed assertion) is leaked: loom's runtime is gone then, and touching it from a destructor would
    /// abort the test process instead of failing the test.
    #[derive(Debug)]
    pub(crate) struct Arc<T>(Option<loom::sync::Arc<T>>);

    impl<T> Arc<T> {
        pub(crate) fn new(value: T) -> Self {
            Arc(Some(loom::sync::Arc::new(value)))
        }

        pub(crate) fn ptr_eq(this: &Self, other: &Self) -> bool {
            loom::sync::Arc::ptr_eq(this.inner(), other.inner())
        }

        fn inner(&self) -> &loom::sync::Arc<T> {
            self.0.as_ref().expect("taken only in drop")
        }
    }

    impl<T> Clone for Arc<T> {
        fn clone(&self) -> Self {
            Arc(Some(loom::sync::Arc::clone(self.inner())))
        }
    }

    impl<T> std::ops::Deref for Arc<T> {
        type Target = T;

        fn deref(&self) -> &T {
            self.inner()
        }
    }

    impl<T> Drop for Arc<T> {
        fn drop(&mut self) {
            if unwinding_out_of_a_model() {
                std::mem::forget(self.0.take());
            }
        }
    }

    /// loom must see every spin as a yield, or it explores the spin forever.
    pub(crate) fn backoff(_step: u32) {
        loom::thread::yield_now();
    }

    /// Nothing to wait for under loom: a lost compare-exchange means another thread made progress.
    pub(crate) fn contention_spin(_lost: &mut u32) {}

    /// Whether loom is unwinding out of a failed model (a deadlock or a failed assertion). Its runtime is
    /// gone then, so every lock or atomic panics again and aborts the test process: cleanup that would touch
    /// them (a future's cancel, a handle's drop) is skipped, as loom's own `Mutex` does. Inside
    /// [`expecting_user_panics`], a panic is a user's (a value's `Drop`) that the model catches: the runtime
    /// lives on, and cleanup runs as in production.
    pub(crate) fn unwinding_out_of_a_model() -> bool {
        std::thread::panicking() && !USER_PANICS_EXPECTED.with(std::cell::Cell::get)
    }

    std::thread_local! {
        // A std cell: loom runs every model thread on the test's own OS thread.
        static USER_PANICS_EXPECTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Runs `call`, in which a model expects a user's panic to unwind through the queue (see
    /// [`unwinding_out_of_a_model`]), and catches it.
    #[cfg(test)]
    pub(crate) fn expecting_user_panics<R>(call: impl FnOnce() -> R) -> std::thread::Result<R> {
        USER_PANICS_EXPECTED.with(|expected| expected.set(true));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
        USER_PANICS_EXPECTED.with(|expected| expected.set(false));
        result
    }

    /// loom has no clock: a timed park waits until unparked, and the deadline never passes.
    pub(crate) fn park_until(_deadline: std::time::Instant) -> bool {
        park();
        true
    }
}

#[cfg(all(shuttle, not(loom), any(test, feature = "shuttle")))]
mod imp {
    pub(crate) use super::std_cell::UnsafeCell;
    pub(crate) use shuttle::sync::atomic::{
        AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
    };
    // The production lock, on shuttle's atomics: the shuttle models run the queue as it runs.
    pub(crate) use crate::storage::lock::{SpinLock as Mutex, SpinLockGuard as MutexGuard};
    pub(crate) use shuttle::sync::Arc;
    pub(crate) use shuttle::thread::{Thread, current as current_thread, park};

    /// shuttle schedules cooperatively: a spin that does not yield would never let the other thread finish.
    pub(crate) fn backoff(_step: u32) {
        shuttle::thread::yield_now();
    }

    /// As under loom: nothing to wait for.
    pub(crate) fn contention_spin(_lost: &mut u32) {}

    /// shuttle's primitives stay usable while a failed test unwinds: cleanup runs as usual.
    pub(crate) fn unwinding_out_of_a_model() -> bool {
        false
    }

    /// shuttle has no clock, so a timed park is modelled as one that may end at any moment: the deadline
    /// passes or not at the scheduler's (seeded, replayable) choice, and a wait that goes on returns after a
    /// yield, as a spurious wake-up would. A caller re-polls either way, so both outcomes are explored.
    pub(crate) fn park_until(_deadline: std::time::Instant) -> bool {
        use shuttle::rand::Rng;
        if shuttle::rand::thread_rng().gen_bool(0.5) {
            return false;
        }
        shuttle::thread::yield_now();
        true
    }
}

#[cfg(not(any(
    all(loom, any(test, feature = "loom")),
    all(shuttle, any(test, feature = "shuttle"))
)))]
mod imp {
    pub(crate) use super::std_cell::UnsafeCell;
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
    #[cfg(target_has_atomic = "64")]
    pub(crate) use std::sync::atomic::AtomicU64;
    pub(crate) use crate::storage::lock::{SpinLock as Mutex, SpinLockGuard as MutexGuard};
    pub(crate) use std::sync::Arc;
    pub(crate) use std::thread::{Thread, current as current_thread, park};

    /// Spin briefly (the other side is usually a few instructions from done), then give up the core.
    pub(crate) fn backoff(step: u32) {
        if step < 6 {
            for _ in 0..(1u32 << step) {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }

    /// After a lost compare-exchange on a contended word: spins 2^lost hints (up to 1,024), never yields (the
    /// winner is already done), as crossbeam's `Backoff::spin` but longer: on two cores, a loser that stays off
    /// the word lets the winner's core run a burst of operations with the lines it needs in its own cache (what
    /// a spin lock's waiter does for kanal). Measured against the cap of 64: `multi_thread(2)` capacity 1024
    /// 0.5 -> 0.8-0.9x kanal, capacity 16 unchanged (`benches/results/profile.md`).
    #[inline]
    pub(crate) fn contention_spin(lost: &mut u32) {
        for _ in 0..(1u32 << (*lost).min(10)) {
            std::hint::spin_loop();
        }
        *lost += 1;
    }

    /// No model, nothing to skip.
    pub(crate) fn unwinding_out_of_a_model() -> bool {
        false
    }

    /// Parks until unparked (or spuriously) or until `deadline`; `false`, without parking, once the deadline
    /// has passed.
    pub(crate) fn park_until(deadline: std::time::Instant) -> bool {
        let now = std::time::Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::park_timeout(deadline - now);
        true
    }
}

pub(crate) use imp::*;

/// `std::cell::UnsafeCell` with loom's closure-based API (shuttle has no cell of its own).
#[cfg_attr(all(loom, any(test, feature = "loom")), allow(dead_code))]
mod std_cell {
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// Locks `mutex`, ignoring poisoning (loom's `Mutex` poisons; the spin lock of the `std` and shuttle arms
/// never does): every critical section of the queue leaves its data consistent before it can panic (the only
/// panics in them are allocation failures).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps a hot atomic on its own cache line(s) so the producers' and consumers' words do not false-share.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
