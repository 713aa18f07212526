//! Waiting from synchronous code: runs one of the queue's futures to completion on the calling thread,
//! parking it between polls. Parking goes through the sync facade, so under loom and shuttle a blocked thread
//! is parked by the checker (never by the OS) and the models drive blocking calls like async ones.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use std::time::Duration;

use crate::error::{RecvTimeoutError, SendError, SendTimeoutError};
use crate::future::{RecvFuture, SendFuture};
use crate::shared::Shared;
use crate::sync::{Thread, current_thread, park, park_until};

/// Unparks the blocked thread when the future it polls is woken.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// A waker that unparks this thread. (`Wake` requires `std::sync::Arc`; it only carries the thread handle,
/// which comes from the facade.)
fn unparker() -> Waker {
    Waker::from(std::sync::Arc::new(Unparker(current_thread())))
}

/// Polls `future` on this thread until it completes, parking in between.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    block_on_until(&mut pin!(future), None).expect("no deadline to pass")
}

/// Polls `future` on this thread until it completes, parking in between; with a `deadline`, gives up once
/// it has passed: `None`, and the future is left to the caller (to take a value back out of it, then drop
/// it, which cancels it).
///
/// No flag beside the park token: an `unpark` before `park` makes that `park` return at once, and a spurious
/// return only costs a poll that answers `Pending` again, so a wake-up is never lost.
pub(crate) fn block_on_until<F: Future + Unpin>(
    future: &mut F,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    let waker = unparker();
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = std::pin::Pin::new(&mut *future).poll(&mut cx) {
            return Some(output);
        }
        crate::probe::hit("blocking.parked");
        match deadline {
            None => park(),
            Some(deadline) => {
                if !park_until(deadline) {
                    return None;
                }
            }
        }
    }
}

/// `blocking_send`: sends `value`, blocking this thread while the queue is full.
#[track_caller]
pub(crate) fn send<T>(shared: &Shared<T>, value: T) -> Result<(), SendError<T>> {
    assert_blocking_allowed("blocking_send");
    block_on(SendFuture::new(shared, value))
}

/// `blocking_send_timeout`: as [`send`], giving the value back in `Timeout` after `timeout`.
#[track_caller]
pub(crate) fn send_timeout<T>(
    shared: &Shared<T>,
    value: T,
    timeout: Duration,
) -> Result<(), SendTimeoutError<T>> {
    assert_blocking_allowed("blocking_send_timeout");
    let mut send = SendFuture::new(shared, value);
    match block_on_until(&mut send, Some(deadline_after(timeout))) {
        Some(result) => result.map_err(SendTimeoutError::from),
        None => Err(SendTimeoutError::Timeout(
            send.take_value().expect("a pending send holds its value"),
        )),
    }
}

/// `blocking_recv` (and each step of a blocking iterator, `call` names it in the panic): receives a value,
/// blocking this thread while the queue is empty and open.
#[track_caller]
pub(crate) fn recv<T>(shared: &Shared<T>, call: &str) -> Option<T> {
    assert_blocking_allowed(call);
    block_on(RecvFuture::new(shared))
}

/// `blocking_recv_timeout`: as [`recv`], giving up with `Timeout` after `timeout`.
#[track_caller]
pub(crate) fn recv_timeout<T>(
    shared: &Shared<T>,
    timeout: Duration,
) -> Result<T, RecvTimeoutError> {
    assert_blocking_allowed("blocking_recv_timeout");
    let mut recv = RecvFuture::new(shared);
    match block_on_until(&mut recv, Some(deadline_after(timeout))) {
        Some(Some(value)) => Ok(value),
        Some(None) => Err(RecvTimeoutError::Closed),
        None => Err(RecvTimeoutError::Timeout),
    }
}

/// `now + timeout`, or a deadline that never comes when that is past what `Instant` can hold.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        // About 30 years: no thread waits that long.
        .unwrap_or_else(|| now + Duration::from_secs(1 << 30))
}

/// Panics (at the caller's line) when called from a thread that is driving async tasks, where blocking
/// would stall the runtime and, on a current-thread runtime, deadlock it (as tokio's blocking calls do).
#[track_caller]
pub(crate) fn assert_blocking_allowed(call: &str) {
    if inside_async_runtime() {
        panic!(
            "tokio_mpmc: `{call}` called from inside an async runtime, which it would block (or deadlock); \
             use the async call with `.await` there, or call it from `tokio::task::spawn_blocking` or a \
             plain thread"
        );
    }
}

/// Whether this thread is polling a tokio task or a `block_on` future. tokio keeps that check private
/// (`try_enter_blocking_region`), but shows it through the cooperative budget: a task and a runtime's
/// `block_on` run under a budget of at most 128 units, while `spawn_blocking` closures and plain threads run
/// unconstrained. So: take units until the budget runs out (constrained) or more than 128 were taken
/// (unconstrained), then give every one back (each `RestoreOnPending` restores the budget it saw on drop;
/// the recursion drops them in reverse order).
#[cfg(feature = "tokio")]
fn inside_async_runtime() -> bool {
    fn exhausts(cx: &mut Context<'_>, taken: u32) -> bool {
        if taken > 128 {
            return false;
        }
        match tokio::task::coop::poll_proceed(cx) {
            Poll::Pending => true,
            Poll::Ready(_restore) => exhausts(cx, taken + 1),
        }
    }
    tokio::runtime::Handle::try_current().is_ok()
        && exhausts(&mut Context::from_waker(Waker::noop()), 0)
}

/// Without tokio the crate cannot tell which threads drive an executor: blocking is the caller's choice.
#[cfg(not(feature = "tokio"))]
fn inside_async_runtime() -> bool {
    false
}

#[cfg(all(test, not(loom), not(shuttle)))]
mod tests {
    use super::block_on;
    use crate::Queue;

    #[test]
    fn a_thread_blocked_on_an_empty_queue_is_unparked_by_a_send() {
        let queue = Queue::new(1);
        let sender = queue.clone();
        let receiver = std::thread::spawn(move || block_on(queue.receive()));
        sender.try_send(7).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(Some(7)));
    }

    #[test]
    fn a_thread_blocked_on_a_full_queue_is_unparked_by_a_receive() {
        let queue = Queue::new(1);
        queue.try_send(1).unwrap();
        let sender = queue.clone();
        let blocked = std::thread::spawn(move || block_on(sender.send(2)));
        assert_eq!(block_on(queue.receive()), Ok(Some(1)));
        blocked.join().unwrap().unwrap();
        assert_eq!(queue.try_receive(), Ok(2));
    }

    #[test]
    fn a_thread_blocked_on_a_full_queue_is_unparked_by_close_with_its_value() {
        let queue = Queue::new(1);
        queue.try_send(1).unwrap();
        let sender = queue.clone();
        let blocked = std::thread::spawn(move || block_on(sender.send(2)));
        queue.close();
        assert_eq!(blocked.join().unwrap().unwrap_err().into_inner(), 2);
    }
}
