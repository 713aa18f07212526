//! What a hostile (or merely unusual) user can do to the queue through its public API, and what must still
//! hold: wakers whose `Drop` calls back into the queue, values whose `Drop` panics, capacities that cannot be
//! built, and `Close` used as an ordinary future. Every test is hand-polled and deterministic; the ones that
//! used to hang run under a watchdog so that a regression fails instead of hanging.

mod common;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::{Arc, Once, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::drop_ledger::{DropLedger, Tracked};
use common::waker::counting_waker;
use tokio_mpmc::{Queue, SendError, TryRecvError, TrySendError};

/// Runs `body` on its own thread and fails the test if it does not finish within 10 s: a lock taken twice by
/// one thread hangs for ever, and a hung test must fail, not stall the suite.
fn finishes(body: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        body();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => worker.join().unwrap(),
        // The body panicked (its sender was dropped): report its panic.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("hung: the queue called user code while holding its lock")
        }
    }
}

/// A waker that does nothing when woken but, when its last clone is dropped, calls back into the queue.
struct CallsBackOnDrop {
    queue: Queue<u8>,
    action: fn(&Queue<u8>),
}

impl Wake for CallsBackOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for CallsBackOnDrop {
    fn drop(&mut self) {
        (self.action)(&self.queue);
    }
}

/// A waker whose drop runs `action` on `queue`; the caller polls with it and drops its own clone, so the
/// queue's waiter list holds the last one.
fn calling_back(queue: &Queue<u8>, action: fn(&Queue<u8>)) -> Waker {
    Waker::from(Arc::new(CallsBackOnDrop {
        queue: queue.clone(),
        action,
    }))
}

/// The user actions a dropped waker performs: every one locks a waiter list.
const CALLBACKS: [fn(&Queue<u8>); 3] = [
    |queue| {
        queue.close();
    },
    |queue| {
        let _ = queue.try_send(9);
    },
    |queue| {
        let _ = queue.try_receive();
    },
];

fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

#[test]
fn a_waker_dropped_when_its_receive_is_cancelled_may_call_back_into_the_queue() {
    for action in CALLBACKS {
        finishes(move || {
            let queue: Queue<u8> = Queue::new(1);
            let waker = calling_back(&queue, action);
            let mut receive = Box::pin(queue.receive());
            assert!(poll(&mut receive, &waker).is_pending());
            drop(waker);
            drop(receive);
        });
    }
}

#[test]
fn a_waker_replaced_by_a_repoll_may_call_back_into_the_queue() {
    for action in CALLBACKS {
        finishes(move || {
            let queue: Queue<u8> = Queue::new(1);
            let waker = calling_back(&queue, action);
            let mut receive = Box::pin(queue.receive());
            assert!(poll(&mut receive, &waker).is_pending());
            drop(waker);
            // The new waker replaces the stored one, whose drop calls back.
            let _ = poll(&mut receive, Waker::noop());
        });
    }
}

#[test]
fn a_waker_removed_when_its_receive_completes_while_registered_may_call_back_into_the_queue() {
    for action in CALLBACKS {
        finishes(move || {
            let queue: Queue<u8> = Queue::new(1);
            let mut first = Box::pin(queue.receive());
            let mut second = Box::pin(queue.receive());
            let waker = calling_back(&queue, action);
            assert!(poll(&mut first, Waker::noop()).is_pending());
            assert!(poll(&mut second, &waker).is_pending());
            drop(waker);
            // The send wakes `first`; `second`, still registered, takes the value and leaves the list.
            queue.try_send(1).unwrap();
            assert_eq!(poll(&mut second, Waker::noop()), Poll::Ready(Ok(Some(1))));
        });
    }
}

#[test]
fn a_waker_dropped_when_its_send_is_cancelled_may_call_back_into_the_queue() {
    for action in CALLBACKS {
        finishes(move || {
            let queue: Queue<u8> = Queue::new(1);
            queue.try_send(0).unwrap();
            let waker = calling_back(&queue, action);
            let mut send = Box::pin(queue.send(1));
            assert!(poll(&mut send, &waker).is_pending());
            drop(waker);
            drop(send);
        });
    }
}

/// A waker whose `wake` panics.
struct PanicsOnWake;

impl Wake for PanicsOnWake {
    fn wake(self: Arc<Self>) {
        panic!("a user waker panicked");
    }
}

#[test]
fn close_wakes_every_waiter_even_when_one_waker_panics() {
    let queue: Queue<u8> = Queue::new(1);
    let panicking = Waker::from(Arc::new(PanicsOnWake));
    let mut first = Box::pin(queue.receive());
    let mut second = Box::pin(queue.receive());
    let (second_wakes, second_waker) = counting_waker();
    assert!(poll(&mut first, &panicking).is_pending());
    assert!(poll(&mut second, &second_waker).is_pending());
    let panic = catch_unwind(AssertUnwindSafe(|| queue.close())).unwrap_err();
    assert_eq!(panic.downcast_ref(), Some(&"a user waker panicked"));
    assert!(
        second_wakes.wakes() > 0,
        "the waiter after the panicking one was not woken"
    );
    assert!(queue.is_closed());
    assert_eq!(poll(&mut second, Waker::noop()), Poll::Ready(Ok(None)));
}

/// The same across a channel's lists: `close()` wakes the senders first, so a sender's panicking waker is the
/// one that could strand the rest. The other sender gets its value back, the `closed()` waiter and the receiver
/// are woken, and a value sent afterwards through a permit held before the close is still received.
#[test]
fn close_wakes_both_sides_and_closed_waiters_even_when_a_senders_waker_panics() {
    let (tx, rx) = tokio_mpmc::channel(1);
    // The permit holds the one slot: full with nothing inside, so senders and a receiver both wait.
    let permit = tx.try_reserve().unwrap();
    let panicking = Waker::from(Arc::new(PanicsOnWake));
    let (second_wakes, second_waker) = counting_waker();
    let (closed_wakes, closed_waker) = counting_waker();
    let (receive_wakes, receive_waker) = counting_waker();
    let mut first = Box::pin(tx.send(1));
    let mut second = Box::pin(tx.send(2));
    let mut closed = Box::pin(tx.closed());
    let mut receive = Box::pin(rx.recv());
    assert!(poll(&mut first, &panicking).is_pending());
    assert!(poll(&mut second, &second_waker).is_pending());
    assert!(poll(&mut closed, &closed_waker).is_pending());
    assert!(poll(&mut receive, &receive_waker).is_pending());
    let panic = catch_unwind(AssertUnwindSafe(|| tx.close())).unwrap_err();
    assert_eq!(panic.downcast_ref(), Some(&"a user waker panicked"));
    assert_eq!(second_wakes.wakes(), 1, "the other sender was not woken");
    assert_eq!(closed_wakes.wakes(), 1, "the closed() waiter was not woken");
    assert_eq!(receive_wakes.wakes(), 1, "the receiver was not woken");
    assert_eq!(
        poll(&mut second, Waker::noop()),
        Poll::Ready(Err(SendError(2)))
    );
    assert_eq!(
        poll(&mut first, Waker::noop()),
        Poll::Ready(Err(SendError(1)))
    );
    assert_eq!(poll(&mut closed, Waker::noop()), Poll::Ready(()));
    // The held permit may still send: the receiver waits for its value, then the channel is over.
    assert!(poll(&mut receive, &receive_waker).is_pending());
    permit.send(7);
    assert_eq!(poll(&mut receive, Waker::noop()), Poll::Ready(Some(7)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// A value that counts its drops in a [`DropLedger`] and, if told to, panics in `Drop`.
struct Fragile {
    /// Dropped, so counted, after `drop` returns or while it unwinds: a panic in `drop` still counts.
    _tracked: Tracked,
    panics: bool,
}

impl Drop for Fragile {
    fn drop(&mut self) {
        if self.panics {
            panic!("a user value panicked in Drop");
        }
    }
}

#[test]
fn a_value_that_panics_in_drop_does_not_leak_the_others() {
    // Capacities and rotations put the panicking value at each place, wrapping around the end of the buffer.
    for capacity in [5, 7] {
        for rotation in 0..capacity {
            let queue = Queue::new(capacity);
            let ledger = DropLedger::new(5);
            let spare = DropLedger::new(rotation);
            for turn in 0..rotation {
                queue
                    .try_send(Fragile {
                        _tracked: spare.value(turn),
                        panics: false,
                    })
                    .ok()
                    .unwrap();
                drop(queue.try_receive().unwrap());
            }
            for index in 0..5 {
                let value = Fragile {
                    _tracked: ledger.value(index),
                    panics: index == 2,
                };
                queue.try_send(value).ok().unwrap();
            }
            let panic = catch_unwind(AssertUnwindSafe(|| drop(queue))).unwrap_err();
            assert_eq!(panic.downcast_ref(), Some(&"a user value panicked in Drop"));
            assert_eq!(
                ledger.all(),
                [1; 5],
                "capacity {capacity}, rotation {rotation}"
            );
        }
    }
}

thread_local! {
    /// Where the last panic on this thread was raised (set by the hook installed in `panic_location`).
    static PANICKED_AT: std::cell::RefCell<Option<(String, u32)>> = const { std::cell::RefCell::new(None) };
}

/// Runs `body`, which must panic, and returns the file and line the panic reports.
fn panic_location(body: impl FnOnce()) -> (String, u32) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|at| (at.file().to_owned(), at.line()));
            PANICKED_AT.with(|at| *at.borrow_mut() = location);
            default(info);
        }));
    });
    PANICKED_AT.with(|at| at.borrow_mut().take());
    assert!(catch_unwind(AssertUnwindSafe(body)).is_err(), "no panic");
    PANICKED_AT
        .with(|at| at.borrow_mut().take())
        .expect("the hook saw no location")
}

/// Asserts that `$call` panics and that the panic reports this very line (`line!()` in a macro is the line
/// of the invocation).
macro_rules! assert_panics_at_this_line {
    ($call:expr) => {
        assert_eq!(
            panic_location(|| drop($call)),
            (file!().to_owned(), line!()),
            "{}",
            stringify!($call)
        )
    };
}

#[test]
fn capacity_panics_point_at_the_callers_line() {
    assert_panics_at_this_line!(Queue::<u8>::new(0));
    assert_panics_at_this_line!(Queue::<u8>::new(usize::MAX));
    assert_panics_at_this_line!(Queue::<u8>::new(1 << 57));
    assert_panics_at_this_line!(Queue::<[u8; 1 << 20]>::new(1 << 40));
}

#[test]
fn close_is_a_future_ready_at_once() {
    let queue: Queue<u8> = Queue::new(1);
    // A plain statement: `Close` is not `#[must_use]`.
    queue.close();
    assert!(queue.is_closed());
    let mut boxed: Pin<Box<dyn Future<Output = bool> + Send>> = Box::pin(queue.close());
    assert_eq!(poll(&mut boxed, Waker::noop()), Poll::Ready(false));
    let third: Queue<u8> = Queue::new(1);
    let mut pinned = pin!(third.close());
    assert_eq!(
        pinned
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(true)
    );
    let fourth: Queue<u8> = Queue::new(1);
    let (first, second) =
        futures::executor::block_on(async { tokio::join!(fourth.close(), fourth.close()) });
    assert!(first && !second);
    assert!(futures::executor::block_on(Queue::<u8>::new(1).close()));
}

#[test]
fn a_capacity_beyond_the_index_words_panics_before_allocating() {
    // 2^39 − 1 is the largest capacity on 64-bit targets (a block list's positions must not wrap the word).
    #[cfg(target_pointer_width = "64")]
    assert_panics_at_this_line!(Queue::<u8>::new(1 << 39));
    #[cfg(target_pointer_width = "32")]
    assert_panics_at_this_line!(Queue::<u8>::new(1 << 23));
}

#[test]
fn the_largest_documented_capacity_is_accepted_and_works() {
    #[cfg(target_pointer_width = "64")]
    let largest = (1 << 39) - 1;
    #[cfg(target_pointer_width = "32")]
    let largest = (1 << 23) - 1;
    let queue = Queue::<u8>::new(largest);
    assert_eq!(queue.capacity(), largest);
    queue.try_send(1).unwrap();
    assert_eq!(queue.try_receive(), Ok(1));
    let (tx, rx) = tokio_mpmc::channel::<u8>(largest);
    assert_eq!(tx.capacity(), Some(largest));
    tx.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_large_capacity_is_cheap_to_create_and_still_bounds_the_queue() {
    // Above 65,536 a bounded queue is a block list: 2^28 would have been 4 GiB of slots up front.
    let queue = Queue::<u64>::new(1 << 28);
    assert_eq!(queue.capacity(), 1 << 28);
    let queue = Queue::<u64>::new(70_000);
    for value in 0..70_000 {
        queue.try_send(value).unwrap();
    }
    assert!(queue.is_full());
    assert_eq!(queue.try_send(7), Err(TrySendError::Full(7)));
    assert_eq!(queue.try_reserve().unwrap_err(), TrySendError::Full(()));
    assert_eq!(queue.try_receive(), Ok(0));
    let permit = queue.try_reserve().unwrap();
    assert_eq!(
        queue.try_send(8),
        Err(TrySendError::Full(8)),
        "the permit holds the free slot"
    );
    permit.send(70_000);
    for value in 1..=70_000 {
        assert_eq!(queue.try_receive(), Ok(value));
    }
    assert!(queue.is_empty());
}
