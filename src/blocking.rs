//! Waiting from synchronous code: runs one of the queue's futures to completion on the calling thread,
//! parking it between polls. Parking goes through the sync facade, so under loom and shuttle a blocked thread
//! is parked by the checker (never by the OS) and the models drive blocking calls like async ones.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::{Thread, current_thread, park};

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

/// Polls `future` on this thread until it completes, parking in between.
///
/// No flag beside the park token: an `unpark` before `park` makes that `park` return at once, and a spurious
/// return only costs a poll that answers `Pending` again, so a wake-up is never lost. (`Wake` requires
/// `std::sync::Arc`; it only carries the thread handle, which comes from the facade.)
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(std::sync::Arc::new(Unparker(current_thread())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        park();
    }
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
