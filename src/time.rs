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
    let mut timer = pin!(tokio::time::sleep(timeout));
    poll_fn(|cx| {
        if let Poll::Ready(sent) = Pin::new(&mut send).poll(cx) {
            return Poll::Ready(sent.map_err(SendTimeoutError::from));
        }
        ready!(timer.as_mut().poll(cx));
        let value = send.take_value().expect("a pending send holds its value");
        Poll::Ready(Err(SendTimeoutError::Timeout(value)))
    })
    .await
}

/// Receives a value, waiting at most `timeout`; as [`send_timeout`], the receive is polled first.
pub(crate) async fn recv_timeout<T>(
    shared: &Shared<T>,
    timeout: Duration,
) -> Result<T, RecvTimeoutError> {
    let mut recv = RecvFuture::new(shared);
    let mut timer = pin!(tokio::time::sleep(timeout));
    poll_fn(|cx| {
        if let Poll::Ready(received) = Pin::new(&mut recv).poll(cx) {
            return Poll::Ready(received.ok_or(RecvTimeoutError::Closed));
        }
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Err(RecvTimeoutError::Timeout))
    })
    .await
}
