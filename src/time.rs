//! Async waits with a timeout (feature `tokio`): on tokio's timer, so they follow a paused clock. A send that
//! times out gives its value back.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Poll, ready};
use std::time::Duration;

use crate::error::{RecvTimeoutError, SendTimeoutError};
use crate::future::{RecvFuture, SendFuture};
use crate::shared::Shared;

/// Sends `value`, waiting at most `timeout` for room. The send is polled before the timer, so a closed queue
/// fails at once with `Closed` and a queue with room takes the value at once, whatever the timeout.
pub(crate) async fn send_timeout<T>(
    shared: &Shared<T>,
    value: T,
    timeout: Duration,
) -> Result<(), SendTimeoutError<T>> {
    let mut send = SendFuture::new(shared, value);
    match before_timer(&mut send, timeout).await {
        Some(sent) => sent.map_err(SendTimeoutError::from),
        None => Err(SendTimeoutError::Timeout(
            send.take_value().expect("a pending send holds its value"),
        )),
    }
}

/// Receives a value, waiting at most `timeout`; as [`send_timeout`], the receive is polled first.
pub(crate) async fn recv_timeout<T>(
    shared: &Shared<T>,
    timeout: Duration,
) -> Result<T, RecvTimeoutError> {
    let mut recv = RecvFuture::new(shared);
    match before_timer(&mut recv, timeout).await {
        Some(received) => received.ok_or(RecvTimeoutError::Closed),
        None => Err(RecvTimeoutError::Timeout),
    }
}

/// Polls `future` (first) against a `timeout` timer: its output, or `None` once the timer fired, with the
/// future left to the caller (to take a value back out of it, then drop it, which cancels it).
async fn before_timer<F: Future + Unpin>(future: &mut F, timeout: Duration) -> Option<F::Output> {
    let mut timer = pin!(tokio::time::sleep(timeout));
    poll_fn(|cx| {
        if let Poll::Ready(output) = Pin::new(&mut *future).poll(cx) {
            return Poll::Ready(Some(output));
        }
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(None)
    })
    .await
}
