//! The wait lists' lock: a spin lock whose unlock is a plain store.
//!
//! A wait takes its side's lock two or three times (register, the other side's serve, the return), and each
//! critical section is a few dozen instructions that never run user code (wakers are cloned before and woken
//! after). std's futex lock releases with a swap, a locked instruction, so it can tell whether to wake a
//! sleeper; this lock never sleeps, so its release is a store (one locked instruction fewer per acquisition).
//! A waiter spins briefly and then yields its thread (the facade's `backoff`), as kanal's lock does (and
//! flume's with its `spin` feature; both also sleep at last, which critical sections this short do not need).
//! Same-day A/B against std's lock, idle, `current_thread` capacity 1 +8 to +11 %, capacity 16 +3 to +7 %
//! (`benches/results/profile.md`).
//!
//! Built from the facade, so under loom its own model (`verification/loom.rs`, `lock_*`) checks that it
//! excludes and orders, and the shuttle models run the queue on it; the loom models of the queue lock with
//! loom's `Mutex`, which has the same contract and fewer scheduling points.

use std::marker::PhantomData;

use crate::sync::{AtomicBool, Ordering, UnsafeCell, backoff};

/// A lock around a `T`.
#[derive(Debug)]
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to the value to one thread at a time (a guard), so sharing the lock moves
// the value between threads, as `std::sync::Mutex` does: `T: Send` is enough.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: the lock owns its value.
unsafe impl<T: Send> Send for SpinLock<T> {}

/// Access to the value of a [`SpinLock`] until dropped. Not `Send`, as std's guard: it is released on the
/// thread that took it.
#[derive(Debug)]
pub(crate) struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
    _not_send: PhantomData<*const ()>,
}

impl<T> SpinLock<T> {
    pub(crate) fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Takes the lock. Never fails: the `Result` is std's shape, for the facade's `lock` (no poisoning: a
    /// panic while it is held unlocks it on the way out, and the queue's critical sections leave their data
    /// consistent before they can panic).
    #[inline]
    pub(crate) fn lock(
        &self,
    ) -> Result<SpinLockGuard<'_, T>, std::sync::PoisonError<SpinLockGuard<'_, T>>> {
        // Acquire: the holder's writes, published by its Release store in `drop`, are seen by this one.
        if self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        Ok(SpinLockGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }

    /// The lock was held (or the weak exchange failed spuriously): waits with loads until it looks free, so the
    /// waiter does not steal the line from the holder, then tries again.
    #[cold]
    #[inline(never)]
    fn lock_contended(&self) {
        crate::probe::hit("lock.waited");
        let mut step = 0;
        loop {
            // Relaxed: only a hint; the exchange below acquires.
            while self.locked.load(Ordering::Relaxed) {
                backoff(step);
                step += 1;
            }
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }
}

impl<T> SpinLockGuard<'_, T> {
    /// Runs `f` on the value. The one access a loom model makes: loom tracks it for the closure's length, where
    /// a reference from `Deref` would escape its tracking.
    #[cfg(all(test, loom))]
    pub(crate) fn with_mut<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: this guard holds the lock, so no other access to the value is under way.
        self.lock.value.with_mut(|value| f(unsafe { &mut *value }))
    }
}

impl<T> std::ops::Deref for SpinLockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock, so no other thread accesses the value until it is dropped, and
        // the reference cannot outlive the guard.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T> std::ops::DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as `deref`, and `&mut self` makes this the only reference through the guard.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Release: the next holder's Acquire exchange sees every write made under the lock.
        self.lock.locked.store(false, Ordering::Release);
    }
}

#[cfg(all(test, not(loom), not(shuttle)))]
mod tests {
    use super::SpinLock;
    use std::sync::Arc;

    /// Threads that add under the lock lose no addition: each read-modify-write of the value ran alone.
    #[test]
    fn threads_that_add_under_the_lock_lose_no_addition() {
        let lock = Arc::new(SpinLock::new(0_u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for _ in 0..if cfg!(miri) { 100 } else { 100_000 } {
                        let mut value = lock.lock().unwrap();
                        // A read and a write apart, so an overlap loses an addition.
                        let read = *value;
                        std::hint::black_box(());
                        *value = read + 1;
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let expected = if cfg!(miri) { 400 } else { 400_000 };
        assert_eq!(*lock.lock().unwrap(), expected);
    }

    /// A panic while the lock is held releases it: the next caller gets it (there is no poisoning).
    #[test]
    fn a_panic_while_held_releases_the_lock() {
        let lock = SpinLock::new(vec![1]);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut value = lock.lock().unwrap();
            value.push(2);
            panic!("inside the lock");
        }));
        assert!(caught.is_err());
        assert_eq!(*lock.lock().unwrap(), [1, 2]);
    }
}
