//! A waker that counts its wake-ups, for futures polled by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};

/// Counts how often the [`Waker`] made from it was woken, so a test that polls a future by hand can
/// tell which waker an event woke, and how many times. Waking and cloning the waker never allocate
/// (the count lives in the `Arc` made once by [`counting_waker`]), so allocation counts may include them.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    /// How many times the waker has been woken so far (by `wake` or `wake_by_ref`).
    pub fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counter at 0 and a [`Waker`] that increments it: poll with the waker, read the counter.
pub fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));
    (counter, waker)
}
