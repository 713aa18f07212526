//! [`RecvStream`]: a [`Receiver`] as a `futures_core::Stream` (feature `futures`), owning the receiver or
//! borrowing it.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};

use crate::channel::Receiver;
use crate::shared::Shared;
use crate::waiters::WaiterId;

/// The values of a [`Receiver`] as a [`Stream`], ending once the channel is closed and drained; made by
/// [`Receiver::into_stream`] (`RecvStream<'static, T>`, owning the receiver) or [`Receiver::stream`]
/// (borrowing it).
///
/// Cancel safe: a stream dropped while it waits took no value and passes on any wake-up it had received.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// use futures::stream::FusedStream;
/// use tokio_mpmc::RecvStream;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(4);
/// let mut stream: RecvStream<'static, u32> = rx.into_stream();
/// tx.send(1).await.unwrap();
/// drop(tx);
/// assert_eq!(stream.next().await, Some(1));
/// assert_eq!(stream.next().await, None); // closed and drained: the stream ends
/// assert!(stream.is_terminated());
/// # });
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
#[must_use = "streams do nothing unless polled"]
pub struct RecvStream<'a, T> {
    receiver: Held<'a, T>,
    waiter: Option<WaiterId>,
    terminated: bool,
}

/// The receiver a stream reads from.
enum Held<'a, T> {
    /// From `into_stream`: dropped with the stream (the last receiver's drop closes the channel).
    Owned(Receiver<T>),
    /// From `stream`: the caller's, again once the stream is dropped.
    Borrowed(&'a Receiver<T>),
}

impl<T> Held<'_, T> {
    fn get(&self) -> &Receiver<T> {
        match self {
            Held::Owned(receiver) => receiver,
            Held::Borrowed(receiver) => receiver,
        }
    }

    fn shared(&self) -> &Shared<T> {
        self.get().shared()
    }
}

impl<T> RecvStream<'static, T> {
    /// A stream that owns `receiver`, keeping the place in line `waiter` it held.
    pub(crate) fn owning(receiver: Receiver<T>, waiter: Option<WaiterId>) -> Self {
        RecvStream {
            receiver: Held::Owned(receiver),
            waiter,
            terminated: false,
        }
    }
}

impl<'a, T> RecvStream<'a, T> {
    pub(crate) fn borrowing(receiver: &'a Receiver<T>) -> Self {
        RecvStream {
            receiver: Held::Borrowed(receiver),
            waiter: None,
            terminated: false,
        }
    }
}

impl<T> Stream for RecvStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.terminated {
            return Poll::Ready(None);
        }
        let next = std::task::ready!(this.receiver.shared().poll_receive(&mut this.waiter, cx));
        this.terminated = next.is_none();
        Poll::Ready(next)
    }
}

impl<T> FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        self.receiver.shared().cancel_receive(&mut self.waiter);
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("receiver", self.receiver.get())
            .field("owned", &matches!(self.receiver, Held::Owned(_)))
            .field("terminated", &self.terminated)
            .finish()
    }
}
