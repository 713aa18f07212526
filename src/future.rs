//! The named futures of both faces. Each is a few lines over one call of [`Shared`]: it holds its waiter
//! registration, polls the shared state, and on drop cancels (passing on any wake-up it received).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::channel::Sender;
use crate::error::{QueueError, SendError};
use crate::permit::{OwnedPermit, Permit, PermitIterator};
use crate::shared::Shared;
use crate::waiters::WaiterId;

/// The future of [`Queue::send`](crate::Queue::send) and [`Sender::send`](crate::Sender::send).
///
/// # Examples
///
/// ```
/// use tokio_mpmc::{SendFuture, TryRecvError};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(1);
/// let send: SendFuture<'_, u32> = tx.send(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // nothing is sent until it is polled
/// send.await.unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a, T> {
    shared: &'a Shared<T>,
    /// `Some` until the future completes.
    value: Option<T>,
    waiter: Option<WaiterId>,
}

impl<'a, T> SendFuture<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>, value: T) -> Self {
        SendFuture {
            shared,
            value: Some(value),
            waiter: None,
        }
    }

    /// Gives the value back from a send that did not complete (a timed-out one); the future's drop then
    /// cancels its registration. `None` once it completed.
    pub(crate) fn take_value(&mut self) -> Option<T> {
        self.value.take()
    }
}

// The value is moved in and out, never pinned.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.shared
            .poll_send(&mut this.value, &mut this.waiter, cx)
            .map_err(SendError)
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_send(&mut self.waiter);
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("done", &self.value.is_none())
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// The future of [`Receiver::recv`](crate::Receiver::recv): `Some(value)`, or `None` once the channel is
/// closed and drained.
///
/// # Examples
///
/// ```
/// use futures::FutureExt;
/// use tokio_mpmc::RecvFuture;
///
/// let (tx, rx) = tokio_mpmc::channel(1);
/// // Pending on an empty channel: dropped there, it took nothing.
/// assert_eq!(rx.recv().now_or_never(), None);
/// tx.try_send(1).unwrap();
/// let recv: RecvFuture<'_, u32> = rx.recv();
/// assert_eq!(recv.now_or_never(), Some(Some(1)));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFuture<'a, T> {
    shared: &'a Shared<T>,
    waiter: Option<WaiterId>,
}

impl<'a, T> RecvFuture<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>) -> Self {
        RecvFuture {
            shared,
            waiter: None,
        }
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.shared.poll_receive(&mut this.waiter, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_receive(&mut self.waiter);
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// The future of [`Queue::receive`](crate::Queue::receive): [`RecvFuture`] in tokio-mpmc 0.2's
/// `Result<Option<T>, QueueError>` shape (never `Err`).
///
/// # Examples
///
/// ```
/// use tokio_mpmc::{Queue, ReceiveFuture};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let queue = Queue::new(1);
/// queue.try_send(1).unwrap();
/// queue.close();
/// let receive: ReceiveFuture<'_, u32> = queue.receive();
/// assert_eq!(receive.await, Ok(Some(1)));
/// assert_eq!(queue.receive().await, Ok(None));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReceiveFuture<'a, T> {
    recv: RecvFuture<'a, T>,
}

impl<'a, T> ReceiveFuture<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>) -> Self {
        ReceiveFuture {
            recv: RecvFuture::new(shared),
        }
    }
}

impl<T> Future for ReceiveFuture<'_, T> {
    type Output = Result<Option<T>, QueueError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.recv).poll(cx).map(Ok)
    }
}

impl<T> fmt::Debug for ReceiveFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiveFuture")
            .field("waiting", &self.recv.waiter.is_some())
            .finish()
    }
}

/// The future of [`Receiver::recv_many`](crate::Receiver::recv_many) and
/// [`Queue::receive_many`](crate::Queue::receive_many): how many values it appended.
///
/// # Examples
///
/// ```
/// use tokio_mpmc::RecvManyFuture;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(4);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// drop(tx);
/// let mut buffer = Vec::new();
/// let many: RecvManyFuture<'_, u32> = rx.recv_many(&mut buffer, 8);
/// assert_eq!(many.await, 2);
/// assert_eq!(buffer, [1, 2]);
/// assert_eq!(rx.recv_many(&mut buffer, 8).await, 0); // closed and drained
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvManyFuture<'a, T> {
    shared: &'a Shared<T>,
    buffer: &'a mut Vec<T>,
    limit: usize,
    waiter: Option<WaiterId>,
}

impl<'a, T> RecvManyFuture<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>, buffer: &'a mut Vec<T>, limit: usize) -> Self {
        RecvManyFuture {
            shared,
            buffer,
            limit,
            waiter: None,
        }
    }
}

impl<T> Future for RecvManyFuture<'_, T> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = self.get_mut();
        this.shared
            .poll_receive_many(this.buffer, this.limit, &mut this.waiter, cx)
    }
}

impl<T> Drop for RecvManyFuture<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_receive(&mut self.waiter);
    }
}

impl<T> fmt::Debug for RecvManyFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvManyFuture")
            .field("limit", &self.limit)
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// The future of [`Sender::closed`](crate::Sender::closed) and [`Receiver::closed`](crate::Receiver::closed):
/// ready once the channel is closed.
///
/// # Examples
///
/// ```
/// use futures::FutureExt;
/// use tokio_mpmc::ClosedFuture;
///
/// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
/// assert_eq!(tx.closed().now_or_never(), None); // still open
/// rx.close();
/// let closed: ClosedFuture<'_, u8> = tx.closed();
/// assert_eq!(closed.now_or_never(), Some(()));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ClosedFuture<'a, T> {
    shared: &'a Shared<T>,
    waiter: Option<WaiterId>,
}

impl<'a, T> ClosedFuture<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>) -> Self {
        ClosedFuture {
            shared,
            waiter: None,
        }
    }
}

impl<T> Future for ClosedFuture<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.shared.poll_closed(&mut this.waiter, cx)
    }
}

impl<T> Drop for ClosedFuture<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_closed(&mut self.waiter);
    }
}

impl<T> fmt::Debug for ClosedFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClosedFuture")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// What `close()` did. The close has already happened when `close` returns; `Close` is also a future, ready
/// at once with [`is_first`](Close::is_first), so `queue.close().await`, `block_on(queue.close())` and
/// `join!(queue.close(), …)` work as with the original `async fn close`. Ignoring it is fine.
///
/// # Examples
///
/// ```
/// use tokio_mpmc::{Close, Queue};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let queue = Queue::<u8>::new(1);
/// let close: Close = queue.close();
/// assert!(queue.is_closed()); // closed at the call, before any `.await`
/// assert!(close.await); // this call closed it
/// assert!(!queue.close().await); // closed already
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    first: bool,
}

impl Close {
    pub(crate) fn new(first: bool) -> Self {
        Close { first }
    }

    /// Whether this call closed the queue (`false` if it was closed already).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::<u8>::new(1);
    /// let other = queue.clone();
    /// assert!(queue.close().is_first());
    /// assert!(!other.close().is_first()); // the same queue, closed already
    /// ```
    pub fn is_first(&self) -> bool {
        self.first
    }
}

impl Future for Close {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<bool> {
        Poll::Ready(self.first)
    }
}

/// A wait for `count` slots, the part every reserve future shares: it holds the waiter registration and, on
/// drop, passes on what it was granted but did not hand out.
struct Reservation<'a, T> {
    shared: &'a Shared<T>,
    count: usize,
    waiter: Option<WaiterId>,
}

impl<T> Reservation<'_, T> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<()>>> {
        self.shared
            .poll_reserve(self.count, &mut self.waiter, cx)
            .map_err(|()| SendError(()))
    }
}

impl<T> Drop for Reservation<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_send(&mut self.waiter);
    }
}

/// The future of [`Sender::reserve`](crate::Sender::reserve) and [`Queue::reserve`](crate::Queue::reserve): a
/// [`Permit`] once a slot is free (waiting senders are served first, in order).
///
/// # Examples
///
/// ```
/// use tokio_mpmc::ReserveFuture;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(1);
/// let reserve: ReserveFuture<'_, u32> = tx.reserve();
/// reserve.await.unwrap().send(1);
/// assert_eq!(rx.recv().await, Some(1));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReserveFuture<'a, T> {
    reservation: Reservation<'a, T>,
}

impl<'a, T> ReserveFuture<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>) -> Self {
        ReserveFuture {
            reservation: Reservation {
                shared,
                count: 1,
                waiter: None,
            },
        }
    }
}

impl<'a, T> Future for ReserveFuture<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let shared = self.reservation.shared;
        self.reservation.poll(cx).map_ok(|()| Permit::new(shared))
    }
}

impl<T> fmt::Debug for ReserveFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveFuture")
            .field("waiting", &self.reservation.waiter.is_some())
            .finish()
    }
}

/// The future of [`Sender::reserve_many`](crate::Sender::reserve_many) and
/// [`Queue::reserve_many`](crate::Queue::reserve_many): a [`PermitIterator`] once `n` slots are free.
///
/// # Examples
///
/// ```
/// use tokio_mpmc::ReserveManyFuture;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(4);
/// let reserve: ReserveManyFuture<'_, u32> = tx.reserve_many(2);
/// for (permit, value) in reserve.await.unwrap().zip([1, 2]) {
///     permit.send(value);
/// }
/// assert_eq!(rx.len(), 2);
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReserveManyFuture<'a, T> {
    /// `None` for a request that fails or succeeds at once (more than the capacity, or none).
    reservation: Option<Reservation<'a, T>>,
    shared: &'a Shared<T>,
    count: usize,
}

impl<'a, T> ReserveManyFuture<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>, count: usize) -> Self {
        let reservation = (1..=shared.max_reservation())
            .contains(&count)
            .then_some(Reservation {
                shared,
                count,
                waiter: None,
            });
        ReserveManyFuture {
            reservation,
            shared,
            count,
        }
    }
}

impl<'a, T> Future for ReserveManyFuture<'a, T> {
    type Output = Result<PermitIterator<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (shared, count) = (self.shared, self.count);
        match &mut self.reservation {
            Some(reservation) => reservation
                .poll(cx)
                .map_ok(|()| PermitIterator::new(shared, count)),
            None if count == 0 && !shared.is_closed() => {
                Poll::Ready(Ok(PermitIterator::new(shared, 0)))
            }
            // More than the capacity can never be held at once: fails at once, as tokio's does.
            None => Poll::Ready(Err(SendError(()))),
        }
    }
}

impl<T> fmt::Debug for ReserveManyFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveManyFuture")
            .field("count", &self.count)
            .field(
                "waiting",
                &self
                    .reservation
                    .as_ref()
                    .is_some_and(|r| r.waiter.is_some()),
            )
            .finish()
    }
}

/// The future of [`Sender::reserve_owned`](crate::Sender::reserve_owned): an [`OwnedPermit`] once a slot is
/// free. It owns the sender; if the channel closes, the sender is dropped with the error (as tokio's).
///
/// # Examples
///
/// ```
/// use tokio_mpmc::ReserveOwnedFuture;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(1);
/// let reserve: ReserveOwnedFuture<u32> = tx.reserve_owned();
/// let tx = reserve.await.unwrap().send(1);
/// assert_eq!(rx.recv().await, Some(1));
/// # drop(tx);
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReserveOwnedFuture<T> {
    /// `Some` until the future completes.
    sender: Option<Sender<T>>,
    waiter: Option<WaiterId>,
}

impl<T> ReserveOwnedFuture<T> {
    pub(crate) fn new(sender: Sender<T>) -> Self {
        ReserveOwnedFuture {
            sender: Some(sender),
            waiter: None,
        }
    }
}

impl<T> Unpin for ReserveOwnedFuture<T> {}

impl<T> Future for ReserveOwnedFuture<T> {
    type Output = Result<OwnedPermit<T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let sender = this
            .sender
            .as_ref()
            .expect("reserve future polled after completion");
        let reserved = std::task::ready!(sender.shared().poll_reserve(1, &mut this.waiter, cx));
        let sender = this.sender.take().expect("checked above");
        Poll::Ready(match reserved {
            Ok(()) => Ok(OwnedPermit::new(sender)),
            Err(()) => Err(SendError(())),
        })
    }
}

impl<T> Drop for ReserveOwnedFuture<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            sender.shared().cancel_send(&mut self.waiter);
        }
    }
}

impl<T> fmt::Debug for ReserveOwnedFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveOwnedFuture")
            .field("done", &self.sender.is_none())
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}
