//! [`SendSink`]: a [`Sender`] as a `futures_sink::Sink` (feature `futures`), built on permits.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_sink::Sink;

use crate::channel::Sender;
use crate::error::SendError;
use crate::waiters::WaiterId;

/// A [`Sender`] as a [`Sink`]; made by [`Sender::into_sink`].
///
/// `poll_ready` waits for a free slot and holds it (a permit), `start_send` sends into it, so a value handed
/// to the sink is never dropped for want of room, and cancelling a `send` of `SinkExt` loses nothing:
/// the held slot goes back when the sink is dropped. `poll_flush` has nothing to do (values go in at
/// `start_send`); `poll_close` gives a held slot back and drops the sender (the last one closes the channel).
///
/// # Panics
///
/// `start_send` panics if `poll_ready` did not return `Ready(Ok(()))` before it, or after `poll_close`
/// (the `Sink` contract).
///
/// # Examples
///
/// ```
/// use futures::{SinkExt, StreamExt, stream};
/// use tokio_mpmc::SendSink;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(2);
/// let mut sink: SendSink<u32> = tx.into_sink();
/// let consumer = tokio::spawn(async move { rx.into_stream().collect::<Vec<_>>().await });
/// sink.send_all(&mut stream::iter(1..=5).map(Ok)).await.unwrap();
/// sink.close().await.unwrap();
/// assert_eq!(consumer.await.unwrap(), [1, 2, 3, 4, 5]);
/// # });
/// ```
#[must_use = "sinks do nothing unless polled"]
pub struct SendSink<T> {
    /// `None` once closed.
    sender: Option<Sender<T>>,
    waiter: Option<WaiterId>,
    /// Whether a slot is held for the next `start_send`.
    reserved: bool,
}

impl<T> SendSink<T> {
    pub(crate) fn new(sender: Sender<T>) -> Self {
        SendSink {
            sender: Some(sender),
            waiter: None,
            reserved: false,
        }
    }

    /// The sender, while the sink is not closed.
    #[must_use]
    pub fn get_ref(&self) -> Option<&Sender<T>> {
        self.sender.as_ref()
    }

    /// Gives up a waiting registration and a held slot.
    fn give_back(&mut self) {
        if let Some(sender) = &self.sender {
            sender.shared().cancel_send(&mut self.waiter);
            if std::mem::take(&mut self.reserved) {
                sender.shared().drop_permits(1);
            }
        }
    }
}

impl<T> Unpin for SendSink<T> {}

impl<T> Sink<T> for SendSink<T> {
    type Error = SendError<()>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        if this.reserved {
            return Poll::Ready(Ok(()));
        }
        let Some(sender) = &this.sender else {
            return Poll::Ready(Err(SendError(())));
        };
        let reserved = std::task::ready!(sender.shared().poll_reserve(1, &mut this.waiter, cx));
        this.reserved = reserved.is_ok();
        Poll::Ready(reserved.map_err(|()| SendError(())))
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Self::Error> {
        let this = self.get_mut();
        assert!(
            this.reserved,
            "SendSink::start_send called without a successful poll_ready"
        );
        this.reserved = false;
        let sender = this
            .sender
            .as_ref()
            .expect("a held slot implies an open sink");
        sender.shared().send_permitted(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        this.give_back();
        this.sender = None;
        Poll::Ready(Ok(()))
    }
}

impl<T> Drop for SendSink<T> {
    fn drop(&mut self) {
        self.give_back();
    }
}

impl<T> fmt::Debug for SendSink<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSink")
            .field("closed", &self.sender.is_none())
            .field("reserved", &self.reserved)
            .finish_non_exhaustive()
    }
}
