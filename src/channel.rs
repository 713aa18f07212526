//! The channel face: split [`Sender`] / [`Receiver`] handles over the same shared state as `Queue`, which
//! disconnect when every handle of one side is gone. Each method is a few lines over one call of `Shared`.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::blocking;
use crate::error::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::future::{
    ClosedFuture, RecvFuture, RecvManyFuture, ReserveFuture, ReserveManyFuture, ReserveOwnedFuture,
    SendFuture,
};
use crate::permit::{OwnedPermit, Permit, PermitIterator};
use crate::iter::{Iter, TryIter};
use crate::shared::Shared;
use crate::sync::Arc;
use crate::waiters::WaiterId;

/// Creates a bounded multi-producer multi-consumer channel holding at most `capacity` values.
///
/// Up to a capacity of 65,536 the buffer is allocated here, once, and sending and receiving allocate nothing
/// more (a task that waits stores its waker in a list that grows to the most waiters seen at once).
/// Above it, values live in blocks of 31 allocated as the channel fills and given back as it drains (as in
/// [`unbounded_channel`]): memory follows occupancy.
///
/// Both handles are clonable. When every [`Sender`] is gone, receivers get what is inside, then `None`; when
/// every [`Receiver`] is gone, the values inside are dropped and every send fails, giving its value back.
///
/// # Panics
///
/// If `capacity` is 0 (a rendezvous channel is not supported), above 2^39 − 1 on 64-bit targets (2^23 − 1
/// on 32-bit ones: an index word holds a position, flags and a count), or so large that the buffer (up
/// to 65,536) or a block (above) cannot be allocated. Above 65,536 (4,095 on 32-bit targets) at most
/// 1,048,575 permits (15 on 32-bit targets) are held at once: `reserve_many` of more fails at once (as
/// above the capacity), and further reservations wait as on a full channel.
///
/// # Examples
///
/// ```
/// # // A runtime without I/O, so the example also runs in the `--cfg loom` build of tokio.
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(16);
/// let workers: Vec<_> = (0..4)
///     .map(|_| {
///         let rx = rx.clone();
///         tokio::spawn(async move {
///             let mut sum = 0;
///             while let Some(n) = rx.recv().await {
///                 sum += n;
///             }
///             sum
///         })
///     })
///     .collect();
/// drop(rx);
/// for n in 1..=100 {
///     tx.send(n).await.unwrap();
/// }
/// drop(tx); // the last sender: the workers drain the channel, then `recv` answers `None`
/// let mut total = 0;
/// for worker in workers {
///     total += worker.await.unwrap();
/// }
/// assert_eq!(total, 5050);
/// # });
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    handles(Shared::bounded(capacity))
}

/// Creates an unbounded multi-producer multi-consumer channel: the same [`Sender`] and [`Receiver`] as
/// [`channel`], but a send never waits (it fails only once the channel is closed), and
/// [`capacity`](Sender::capacity) is `None`.
///
/// Values live in a list of blocks of 31 slots, allocated as the channel fills and freed as it drains: memory
/// follows occupancy. A drained channel keeps at most two blocks (the one in use and one spare), however
/// large the spike before.
///
/// Permits work as on a bounded channel and never wait, up to 2^20 − 1 (1,048,575; 15 on 32-bit targets)
/// held at once: `reserve_many` of more fails at once, and more single permits wait until some are released.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::unbounded_channel();
/// for n in 0..10_000 {
///     tx.try_send(n).unwrap(); // never `Full`
/// }
/// assert_eq!(tx.capacity(), None);
/// assert_eq!(rx.len(), 10_000);
/// drop(tx);
/// let mut expected = 0;
/// while let Some(n) = rx.recv().await {
///     assert_eq!(n, expected);
///     expected += 1;
/// }
/// assert_eq!(expected, 10_000);
/// # });
/// ```
pub fn unbounded_channel<T>() -> (Sender<T>, Receiver<T>) {
    handles(Shared::unbounded())
}

/// A bounded channel on a block list whatever its capacity, for the in-crate models (which cannot fill the
/// 65,536 values above which a bounded channel is a list).
#[cfg(all(test, shuttle))]
pub(crate) fn channel_on_block_list<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    handles(Shared::bounded_list(capacity))
}

/// The first sender and receiver of a new channel.
fn handles<T>(shared: Shared<T>) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(shared);
    shared.add_sender();
    shared.add_receiver();
    let receiver = Receiver::new(Arc::clone(&shared));
    (Sender { shared }, receiver)
}

/// The sending half of a [`channel`]. Clone it for every producer; the channel closes when the last one is
/// dropped (values already inside can still be received).
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(8);
/// let producers: Vec<_> = (0..2)
///     .map(|id| {
///         let tx = tx.clone();
///         tokio::spawn(async move { tx.send(id).await.unwrap() })
///     })
///     .collect();
/// drop(tx); // the producers hold the only senders left
/// for producer in producers {
///     producer.await.unwrap();
/// }
/// let mut received = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
/// received.sort();
/// assert_eq!(received, [0, 1]);
/// assert_eq!(rx.recv().await, None); // every sender is gone
/// # });
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tokio_mpmc::channel(1);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().try_send(1).unwrap();
/// drop(tx); // the last strong sender: the weak one does not keep the channel open
/// assert!(rx.is_closed());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

/// The receiving half of a [`channel`]. Clone it for every consumer: each value goes to exactly one of them.
/// When the last one is dropped, the channel closes and the values inside are dropped.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(4);
/// let other = rx.clone();
/// tx.send(1).await.unwrap();
/// tx.send(2).await.unwrap();
/// // Each value goes to exactly one receiver.
/// assert_eq!(rx.recv().await, Some(1));
/// assert_eq!(other.recv().await, Some(2));
/// drop(rx);
/// drop(other); // the last receiver: the channel closes
/// assert!(tx.send(3).await.is_err());
/// # });
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The place in line of [`poll_recv`](Receiver::poll_recv) between its polls (`None` while it waits for
    /// nothing). Cancelled by the drop, so a wake-up it got goes on; never cloned.
    waiter: Option<WaiterId>,
}

/// A receiver that does not keep the channel open; [`upgrade`](WeakReceiver::upgrade) it to receive.
///
/// Once every strong [`Receiver`] is gone the channel is closed and the values inside are dropped, weak
/// receivers or not, and no upgrade succeeds again.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tokio_mpmc::channel(1);
/// let weak = rx.downgrade();
/// tx.try_send(1).unwrap();
/// assert_eq!(weak.upgrade().unwrap().try_recv(), Ok(1));
/// drop(rx); // the last strong receiver: the weak one does not keep the channel open
/// assert!(tx.is_closed());
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakReceiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the channel is full.
    ///
    /// # Errors
    ///
    /// If the channel is closed (explicitly, or because every receiver is gone), before or while waiting,
    /// the value is given back in [`SendError`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, the value was not sent (it is dropped with
    /// the future), and a wake-up the future had received goes to the next waiting sender. To get the value
    /// back after a while, use [`send_timeout`](Sender::send_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// tx.send("hello").await.unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send("too late").await.unwrap_err().into_inner(), "too late");
    /// # });
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture::new(&self.shared, value)
    }

    /// Sends `value` if there is room now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel holds `capacity` values, [`TrySendError::Closed`] if it is
    /// closed; both give the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_mpmc::TrySendError;
    ///
    /// let (tx, _rx) = tokio_mpmc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.shared.try_send(value)
    }

    /// Sends `value`, waiting at most `timeout` for room (on tokio's timer, so it follows a paused clock).
    ///
    /// The send is tried before the timer: with room it succeeds, and on a closed channel it fails, at once.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] if the channel stayed full, [`SendTimeoutError::Closed`] if it is
    /// closed; both give the value back.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe as [`send`](Sender::send): dropped before it completes, it sent nothing.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime with the timer enabled, as `tokio::time::sleep`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tokio_mpmc::SendTimeoutError;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let (tx, _rx) = tokio_mpmc::channel(1);
    /// tx.send(1).await.unwrap();
    /// let error = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
    /// assert_eq!(error, SendTimeoutError::Timeout(2));
    /// # });
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        crate::time::send_timeout(&self.shared, value, timeout).await
    }

    /// Sends `value` from synchronous code, blocking this thread while the channel is full.
    ///
    /// # Errors
    ///
    /// As [`send`](Sender::send): the value back in [`SendError`] once the channel is closed.
    ///
    /// # Panics
    ///
    /// With the `tokio` feature, when called from a thread that runs async tasks (a tokio task or
    /// `block_on`), before sending anything: blocking there stalls the runtime. Call it from
    /// `tokio::task::spawn_blocking` or a plain thread. The check reads tokio's cooperative budget (tokio
    /// keeps its own check private), so it cannot see a task wrapped in `tokio::task::unconstrained`: there
    /// the call blocks the worker thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.blocking_send(i).unwrap();
    ///     }
    /// });
    /// assert_eq!(rx.blocking_recv(), Some(0));
    /// assert_eq!(rx.blocking_recv(), Some(1));
    /// assert_eq!(rx.blocking_recv(), Some(2));
    /// assert_eq!(rx.blocking_recv(), None);
    /// producer.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        blocking::send(&self.shared, value)
    }

    /// Sends `value` from synchronous code, blocking this thread at most `timeout` while the channel is full.
    /// Needs no runtime.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with the value.
    ///
    /// # Panics
    ///
    /// As [`blocking_send`](Sender::blocking_send).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = tokio_mpmc::channel(1);
    /// tx.blocking_send_timeout(1, Duration::from_millis(1)).unwrap();
    /// let error = tx.blocking_send_timeout(2, Duration::from_millis(1)).unwrap_err();
    /// assert!(error.is_timeout());
    /// assert_eq!(error.into_inner(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        blocking::send_timeout(&self.shared, value, timeout)
    }

    /// Waits until the channel is closed: by [`close`](Sender::close) on any handle, or because every
    /// receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
    /// let watcher = tokio::spawn(async move { tx.closed().await });
    /// drop(rx);
    /// watcher.await.unwrap();
    /// # });
    /// ```
    pub fn closed(&self) -> ClosedFuture<'_, T> {
        ClosedFuture::new(&self.shared)
    }

    /// Closes the channel for every handle; returns whether this call closed it (`false` if it was closed
    /// already, explicitly or by a disconnect).
    ///
    /// No send succeeds afterwards (waiting senders get their values back), except through a [`Permit`] held
    /// already, which never fails; receivers still get the values inside (and those of such permits), then
    /// `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!rx.close());
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    /// Waits for a free slot and holds it: the [`Permit`] sends into it later without waiting or failing.
    /// Waiting senders and reservers are served in the order they arrived.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the channel is closed before this future took its slot (a slot handed to it while it
    /// waited, see I8, and not taken yet goes back on close).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a slot granted to a dropped future goes to the next waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let permit = tx.reserve().await.unwrap();
    /// permit.send(format!("built once there was room"));
    /// assert!(rx.recv().await.is_some());
    /// # });
    /// ```
    pub fn reserve(&self) -> ReserveFuture<'_, T> {
        ReserveFuture::new(&self.shared)
    }

    /// Holds a free slot if there is one now. As every call that does not wait, it may take a slot before a
    /// waiting sender that was woken for it (see I8 in the crate docs), except while slots are handed to
    /// waiting senders: then it gives way and answers `Full`.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if no slot is free, [`TrySendError::Closed`] if the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_mpmc::TrySendError;
    ///
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    /// permit.send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.shared.try_reserve(1)?;
        Ok(Permit::new(&self.shared))
    }

    /// As [`reserve`](Sender::reserve), for a permit that owns this sender (to move into another task).
    ///
    /// # Errors
    ///
    /// [`SendError`] if the channel is closed before this future took its slot (a slot handed to it while it
    /// waited, see I8, and not taken yet goes back on close); the sender is dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`reserve`](Sender::reserve).
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let permit = tx.clone().reserve_owned().await.unwrap();
    /// tokio::spawn(async move { permit.send(1) }).await.unwrap();
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub fn reserve_owned(self) -> ReserveOwnedFuture<T> {
        ReserveOwnedFuture::new(self)
    }

    /// As [`try_reserve`](Sender::try_reserve), for a permit that owns this sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the sender given back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.send(1);
    /// let tx = tx.try_reserve_owned().unwrap_err().into_inner(); // full: the sender comes back
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # drop(tx);
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.shared.try_reserve(1) {
            Ok(()) => Ok(OwnedPermit::new(self)),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    /// Waits for `n` free slots and holds them all (the oldest waiting sender is served in full before
    /// later ones). `n == 0` gives an empty batch at once (an error once the channel is closed).
    ///
    /// # Errors
    ///
    /// [`SendError`] if the channel is closed before this future took its slots (slots handed to it while it
    /// waited and not taken yet go back on close), and at once if `n` is above the capacity (it could
    /// never be granted), as tokio's.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: slots granted to a dropped future go to the next waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(4);
    /// for (n, permit) in tx.reserve_many(3).await.unwrap().enumerate() {
    ///     permit.send(n);
    /// }
    /// assert_eq!(rx.len(), 3);
    /// assert!(tx.reserve_many(5).await.is_err()); // above the capacity
    /// # });
    /// ```
    pub fn reserve_many(&self, n: usize) -> ReserveManyFuture<'_, T> {
        ReserveManyFuture::new(&self.shared, n)
    }

    /// Holds `n` free slots if there are that many now. `n == 0` gives an empty batch (`Closed` once the channel
    /// is closed).
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if fewer are free (or `n` is above the capacity), [`TrySendError::Closed`] if
    /// the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tokio_mpmc::channel::<u8>(2);
    /// let permits = tx.try_reserve_many(2).unwrap();
    /// assert!(tx.try_reserve_many(1).is_err());
    /// drop(permits); // both slots go back
    /// assert_eq!(tx.try_reserve_many(2).unwrap().len(), 2);
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        self.shared.try_reserve_many(n)?;
        Ok(PermitIterator::new(&self.shared, n))
    }

    /// A [`Sink`](futures_sink::Sink) over this sender, built on [`reserve`](Sender::reserve): `poll_ready`
    /// holds a slot, `start_send` fills it, so a value is never taken by a sink that cannot send it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::SinkExt;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(4);
    /// let mut sink = tx.into_sink();
    /// sink.send(1).await.unwrap();
    /// sink.close().await.unwrap(); // drops the sender: the last one closes the channel
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    #[cfg(feature = "futures")]
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn into_sink(self) -> crate::sink::SendSink<T> {
        crate::sink::SendSink::new(self)
    }

    pub(crate) fn shared(&self) -> &Shared<T> {
        &self.shared
    }

    /// A handle that does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tokio_mpmc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    #[must_use]
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Receiver<T> {
    /// Receives the oldest value, waiting while the channel is empty and open.
    ///
    /// Returns `None` once the channel is closed (by [`close`](Receiver::close), or because every sender is
    /// gone) and every value sent before has been received; from then on at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future never takes a value, and a wake-up it had received goes to the next
    /// waiting receiver. It can be used in `tokio::select!` without losing values.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(4);
    /// tx.send(1).await.unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture::new(&self.shared)
    }

    /// Receives the oldest value if there is one now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if the channel is empty and open, [`TryRecvError::Closed`] if it is closed
    /// and empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_mpmc::TryRecvError;
    ///
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(7).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.shared.try_receive()
    }

    /// Receives a value, waiting at most `timeout` (on tokio's timer, so it follows a paused clock).
    ///
    /// The receive is tried before the timer: a value, or a closed and drained channel, answers at once.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if no value came, [`RecvTimeoutError::Closed`] once the channel is
    /// closed and drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe as [`recv`](Receiver::recv).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime with the timer enabled, as `tokio::time::sleep`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tokio_mpmc::RecvTimeoutError;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let (_tx, rx) = tokio_mpmc::channel::<u8>(1);
    /// assert_eq!(rx.recv_timeout(Duration::from_secs(1)).await, Err(RecvTimeoutError::Timeout));
    /// # });
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        crate::time::recv_timeout(&self.shared, timeout).await
    }

    /// Receives a value from synchronous code, blocking this thread while the channel is empty and open;
    /// `None` once it is closed and drained.
    ///
    /// # Panics
    ///
    /// As [`Sender::blocking_send`]: inside an async runtime, before taking anything.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(5).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(5));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&self) -> Option<T> {
        blocking::recv(&self.shared, "blocking_recv")
    }

    /// Receives a value from synchronous code, blocking this thread at most `timeout`. Needs no runtime.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Closed`].
    ///
    /// # Panics
    ///
    /// As [`Sender::blocking_send`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tokio_mpmc::RecvTimeoutError;
    ///
    /// let (_tx, rx) = tokio_mpmc::channel::<u8>(1);
    /// assert_eq!(rx.blocking_recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// ```
    #[track_caller]
    pub fn blocking_recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        blocking::recv_timeout(&self.shared, timeout)
    }

    /// Waits for at least one value, then appends it and up to `limit - 1` more that are already inside to
    /// `buffer`. Returns how many it appended: 0 only once the channel is closed and drained, or when
    /// `limit` is 0 (then it takes nothing and returns at once).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took nothing; the values it took are in `buffer` when it returns.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(8);
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 2);
    /// assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// # });
    /// ```
    pub fn recv_many<'a>(&'a self, buffer: &'a mut Vec<T>, limit: usize) -> RecvManyFuture<'a, T> {
        RecvManyFuture::new(&self.shared, buffer, limit)
    }

    /// Waits until the channel is closed (by any handle, or because every sender is gone). Values may
    /// still be inside.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// tx.send(1).await.unwrap();
    /// drop(tx);
    /// rx.closed().await; // closed, with the value still inside
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub fn closed(&self) -> ClosedFuture<'_, T> {
        ClosedFuture::new(&self.shared)
    }

    /// Closes the channel for every handle, as [`Sender::close`]: no send succeeds afterwards, receivers
    /// still drain what is inside. Returns whether this call closed it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(2);
    /// tx.try_send(1).unwrap();
    /// assert!(rx.close());
    /// assert_eq!(tx.try_send(2).unwrap_err().into_inner(), 2);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    /// Polls for the next value, for hand-written futures and streams (tokio's `poll_recv`).
    ///
    /// Returns `Ready(Some(value))`, `Ready(None)` once the channel is closed and drained, or `Pending`, and
    /// then the waker of `cx` is woken when a value may be there for this receiver (or the channel closes).
    /// Only the waker of the latest call is woken.
    ///
    /// Between polls the receiver keeps its place in line among the waiting receivers: polled again, it is
    /// served before those that started waiting after it. The place belongs to this handle, not to its
    /// clones: a clone starts with none.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a `Pending` poll took nothing. Dropping the receiver takes nothing either, and a wake-up
    /// it had received and not acted on goes to the next waiting receiver. A receiver that stops polling
    /// while it waits keeps its place, and a wake-up it got, until it is polled again or dropped: after a
    /// `Pending`, poll it again once woken, or drop it; do not leave it waiting and `recv` on it instead.
    ///
    /// # Examples
    ///
    /// A stream of the values doubled, written by hand:
    ///
    /// ```
    /// use std::pin::Pin;
    /// use std::task::{Context, Poll};
    /// use futures::{Stream, StreamExt};
    ///
    /// struct Doubled(tokio_mpmc::Receiver<u32>);
    ///
    /// impl Stream for Doubled {
    ///     type Item = u32;
    ///
    ///     fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
    ///         self.0.poll_recv(cx).map(|value| value.map(|v| v * 2))
    ///     }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(4);
    /// let doubled = tokio::spawn(Doubled(rx).collect::<Vec<_>>());
    /// for n in 1..=3 {
    ///     tx.send(n).await.unwrap();
    /// }
    /// drop(tx);
    /// assert_eq!(doubled.await.unwrap(), [2, 4, 6]);
    /// # });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.shared.poll_receive(&mut self.waiter, cx)
    }

    /// An iterator that blocks this thread for each value ([`blocking_recv`](Receiver::blocking_recv)) and
    /// ends once the channel is closed and drained. `for value in &rx` is the same.
    ///
    /// # Panics
    ///
    /// Each call of `next`, as [`blocking_recv`](Receiver::blocking_recv): inside an async runtime, before
    /// taking anything.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(2);
    /// let producer = std::thread::spawn(move || {
    ///     for n in 1..=10 {
    ///         tx.blocking_send(n).unwrap();
    ///     }
    /// }); // the last sender goes: the iterator ends once the channel is drained
    /// let sum: u32 = rx.iter().sum();
    /// assert_eq!(sum, 55);
    /// producer.join().unwrap();
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(self)
    }

    /// An iterator over the values inside now: it never waits, and ends at the first
    /// [`try_recv`](Receiver::try_recv) that fails (the channel may get more values later).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(4);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// assert_eq!(rx.try_iter().next(), None); // empty, and still open
    /// tx.try_send(3).unwrap();
    /// assert_eq!(rx.try_iter().next(), Some(3));
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter::new(self)
    }

    /// Turns this receiver into a [`Stream`](futures_core::Stream) of the values, ending once the channel is
    /// closed and drained. A place in line held by [`poll_recv`](Receiver::poll_recv) goes with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(4);
    /// tx.send(1).await.unwrap();
    /// tx.send(2).await.unwrap();
    /// drop(tx);
    /// let values: Vec<_> = rx.into_stream().collect().await;
    /// assert_eq!(values, [1, 2]);
    /// # });
    /// ```
    #[cfg(feature = "futures")]
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn into_stream(mut self) -> crate::stream::RecvStream<'static, T> {
        let waiter = self.waiter.take();
        crate::stream::RecvStream::owning(self, waiter)
    }

    /// A [`Stream`](futures_core::Stream) of the values that borrows this receiver, ending once the channel
    /// is closed and drained; the receiver is yours again once the stream is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (tx, rx) = tokio_mpmc::channel(4);
    /// for n in 1..=3 {
    ///     tx.send(n).await.unwrap();
    /// }
    /// let first_two: Vec<_> = rx.stream().take(2).collect().await;
    /// assert_eq!(first_two, [1, 2]);
    /// assert_eq!(rx.recv().await, Some(3)); // the receiver is still here
    /// # });
    /// ```
    #[cfg(feature = "futures")]
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn stream(&self) -> crate::stream::RecvStream<'_, T> {
        crate::stream::RecvStream::borrowing(self)
    }

    /// A handle that does not keep the channel open (async-channel's `WeakReceiver`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = tokio_mpmc::channel::<u8>(1);
    /// let weak = rx.downgrade();
    /// assert_eq!(rx.receiver_count(), 1); // a weak receiver does not count
    /// assert!(weak.upgrade().is_some());
    /// drop(rx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    #[must_use]
    pub fn downgrade(&self) -> WeakReceiver<T> {
        WeakReceiver {
            shared: Arc::clone(&self.shared),
        }
    }

    /// A receiver of `shared`, which counted it already.
    fn new(shared: Arc<Shared<T>>) -> Self {
        Receiver {
            shared,
            waiter: None,
        }
    }

    pub(crate) fn shared(&self) -> &Shared<T> {
        &self.shared
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], unless every strong sender is gone (the channel closed then, for good).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let weak = tx.downgrade();
    /// let upgraded = weak.upgrade().unwrap();
    /// assert_eq!(rx.sender_count(), 2);
    /// drop(tx);
    /// upgraded.try_send(1).unwrap(); // still open: `upgraded` is a strong sender
    /// drop(upgraded);
    /// assert!(weak.upgrade().is_none());
    /// ```
    #[must_use]
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.shared.try_add_sender().then(|| Sender {
            shared: Arc::clone(&self.shared),
        })
    }
}

impl<T> WeakReceiver<T> {
    /// A [`Receiver`], unless every strong receiver is gone (the channel closed then, for good, and the values
    /// inside were dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let weak = rx.downgrade();
    /// let upgraded = weak.upgrade().unwrap();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop(rx);
    /// tx.try_send(1).unwrap(); // still open: `upgraded` is a strong receiver
    /// assert_eq!(upgraded.try_recv(), Ok(1));
    /// drop(upgraded);
    /// assert!(tx.is_closed());
    /// assert!(weak.upgrade().is_none());
    /// ```
    #[must_use]
    pub fn upgrade(&self) -> Option<Receiver<T>> {
        self.shared
            .try_add_receiver()
            .then(|| Receiver::new(Arc::clone(&self.shared)))
    }
}

/// The observers every handle shares.
macro_rules! observers {
    ($handle:ident) => {
        impl<T> $handle<T> {
            /// Whether the channel is closed (explicitly, or because one side is gone).
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
            /// assert!(!tx.is_closed() && !rx.is_closed());
            /// drop(rx); // the last receiver
            /// assert!(tx.is_closed());
            /// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
            /// drop(tx); // the last sender
            /// assert!(rx.is_closed());
            /// ```
            pub fn is_closed(&self) -> bool {
                self.shared.is_closed()
            }

            /// The number of values inside: a snapshot, never more than the capacity.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel(4);
            /// tx.try_send(1).unwrap();
            /// tx.try_send(2).unwrap();
            /// assert_eq!((tx.len(), rx.len()), (2, 2));
            /// rx.try_recv().unwrap();
            /// assert_eq!((tx.len(), rx.len()), (1, 1));
            /// ```
            pub fn len(&self) -> usize {
                self.shared.len()
            }

            /// Whether the channel holds no value.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel(4);
            /// assert!(tx.is_empty() && rx.is_empty());
            /// tx.try_send(1).unwrap();
            /// assert!(!tx.is_empty() && !rx.is_empty());
            /// ```
            pub fn is_empty(&self) -> bool {
                self.shared.len() == 0
            }

            /// Whether the channel holds `capacity` values.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel(1);
            /// assert!(!tx.is_full() && !rx.is_full());
            /// tx.try_send(1).unwrap();
            /// assert!(tx.is_full() && rx.is_full());
            /// ```
            pub fn is_full(&self) -> bool {
                self.shared.capacity() == Some(self.shared.len())
            }

            /// The bound: the most values inside at once; `None` for an [`unbounded_channel`].
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel::<u8>(8);
            /// assert_eq!(tx.capacity(), Some(8));
            /// assert_eq!(rx.capacity(), Some(8));
            /// ```
            pub fn capacity(&self) -> Option<usize> {
                self.shared.capacity()
            }

            /// The strong [`Sender`]s alive.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
            /// let _clone = tx.clone();
            /// let _weak = tx.downgrade(); // a weak sender does not count
            /// assert_eq!(tx.sender_count(), 2);
            /// assert_eq!(rx.sender_count(), 2);
            /// ```
            pub fn sender_count(&self) -> usize {
                self.shared.sender_count()
            }

            /// The [`Receiver`]s alive.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
            /// let clone = rx.clone();
            /// assert_eq!((tx.receiver_count(), rx.receiver_count()), (2, 2));
            /// drop(clone);
            /// assert_eq!((tx.receiver_count(), rx.receiver_count()), (1, 1));
            /// ```
            pub fn receiver_count(&self) -> usize {
                self.shared.receiver_count()
            }

            /// Whether `other` is a handle to the same channel.
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
            /// let (other_tx, other_rx) = tokio_mpmc::channel::<u8>(1);
            /// assert!(tx.same_channel(&tx.clone()) && rx.same_channel(&rx.clone()));
            /// assert!(!tx.same_channel(&other_tx) && !rx.same_channel(&other_rx));
            /// ```
            pub fn same_channel(&self, other: &$handle<T>) -> bool {
                Arc::ptr_eq(&self.shared, &other.shared)
            }
        }

        impl<T> fmt::Debug for $handle<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($handle))
                    .field("len", &self.shared.len())
                    .field("capacity", &CapacityDebug(self.shared.capacity()))
                    .field("closed", &self.shared.is_closed())
                    .field("senders", &self.shared.sender_count())
                    .field("receivers", &self.shared.receiver_count())
                    .finish()
            }
        }
    };
}

observers!(Sender);
observers!(Receiver);

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.add_sender();
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.drop_sender();
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("senders", &self.shared.sender_count())
            .finish()
    }
}

/// A clone starts with no place in line: the registration of [`poll_recv`](Receiver::poll_recv) stays with
/// the handle that polled.
impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.add_receiver();
        Receiver::new(Arc::clone(&self.shared))
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // First out of line (a wake-up `poll_recv` got goes to the next waiting receiver), then uncounted: the
        // last receiver's drop closes the channel.
        self.shared.cancel_receive(&mut self.waiter);
        self.shared.drop_receiver();
    }
}

impl<T> Clone for WeakReceiver<T> {
    fn clone(&self) -> Self {
        WeakReceiver {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for WeakReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakReceiver")
            .field("receivers", &self.shared.receiver_count())
            .finish()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = crate::iter::IntoIter<T>;

    /// The values, blocking this thread for each, until the channel is closed and drained: see
    /// [`Receiver::iter`] (it panics where that does).
    fn into_iter(self) -> crate::iter::IntoIter<T> {
        crate::iter::IntoIter::new(self)
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    /// As [`Receiver::iter`].
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// A channel's capacity in `Debug` output: the bound, or `unbounded`.
pub(crate) struct CapacityDebug(pub(crate) Option<usize>);

impl fmt::Debug for CapacityDebug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(capacity) => fmt::Debug::fmt(&capacity, f),
            None => f.write_str("unbounded"),
        }
    }
}
