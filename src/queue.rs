//! The public face: `Queue<T>`, a clonable handle that both sends and receives, and its futures.

use std::fmt;

use std::time::Duration;

use crate::blocking;
use crate::channel::CapacityDebug;
use crate::error::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::future::{
    Close, ReceiveFuture, RecvManyFuture, ReserveFuture, ReserveManyFuture, SendFuture,
};
use crate::permit::{Permit, PermitIterator};
use crate::shared::Shared;
use crate::sync::Arc;

/// A multi-producer multi-consumer async queue, bounded ([`Queue::new`]) or unbounded ([`Queue::unbounded`]),
/// with the API of tokio-mpmc 0.2 (one handle that sends, receives and closes).
///
/// `Queue` is a cheap handle: clone it for every producer and consumer task. Values are received in the
/// order they were sent (FIFO); tasks that cannot proceed wait (without blocking their thread) and are woken
/// in the order they started waiting (a woken task can still be overtaken by one that arrives first). A full queue makes senders wait: that is the backpressure.
///
/// The queue stays open until [`close`](Queue::close) is called. Dropping the last handle drops every value
/// still inside, exactly once.
///
/// # Examples
///
/// ```
/// use tokio_mpmc::Queue;
///
/// # // A runtime without I/O, so the example also runs in the `--cfg loom` build of tokio.
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let queue = Queue::new(2);
/// let producer = queue.clone();
/// tokio::spawn(async move {
///     for i in 0..5 {
///         producer.send(i).await.unwrap();
///     }
///     producer.close();
/// });
/// let mut received = Vec::new();
/// while let Ok(Some(i)) = queue.receive().await {
///     received.push(i);
/// }
/// assert_eq!(received, [0, 1, 2, 3, 4]);
/// # });
/// ```
pub struct Queue<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Queue<T> {
    /// Creates an empty queue that holds at most `capacity` values.
    ///
    /// Up to a capacity of 65,536 the buffer is allocated here, once, and sending and receiving allocate nothing
    /// more (a task that waits stores its waker in a list that grows to the most waiters seen at once). Above
    /// it, values live in blocks of 31 allocated as the queue fills and given back as it drains (a drained queue
    /// keeps at most two): memory follows occupancy, and creating a queue of 2^24 costs one block instead of
    /// every slot.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 (a rendezvous queue is not supported), above 2^39 − 1 on 64-bit targets (2^23 − 1
    /// on 32-bit ones: an index word holds a position, flags and a count), or so large that the buffer (up
    /// to 65,536) or a block (above) cannot be allocated. Above 65,536 (4,095 on 32-bit targets) at most
    /// 1,048,575 permits (15 on 32-bit targets) are held at once: `reserve_many` of more fails at once (as
    /// above the capacity), and further reservations wait as on a full channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::<String>::new(100);
    /// assert_eq!(queue.capacity(), 100);
    /// ```
    #[track_caller]
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Queue {
            shared: Arc::new(Shared::bounded(capacity)),
        }
    }

    /// A queue of `capacity` on the block list whatever the capacity (see `Shared::bounded_list`).
    #[cfg(all(test, any(loom, shuttle)))]
    pub(crate) fn on_block_list(capacity: usize) -> Self {
        Queue {
            shared: Arc::new(Shared::bounded_list(capacity)),
        }
    }

    /// Creates an empty queue with no bound, as [`unbounded_channel`](crate::unbounded_channel): a send never
    /// waits (it fails only once the queue is closed), memory follows occupancy (blocks of 31 slots,
    /// allocated as it fills, freed as it drains; a drained queue keeps at most two), and
    /// [`capacity`](Queue::capacity) is `usize::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::unbounded();
    /// for n in 0..1_000 {
    ///     queue.try_send(n).unwrap();
    /// }
    /// assert_eq!(queue.len(), 1_000);
    /// assert!(!queue.is_full());
    /// assert_eq!(queue.capacity(), usize::MAX);
    /// ```
    #[must_use]
    pub fn unbounded() -> Self {
        Queue {
            shared: Arc::new(Shared::unbounded()),
        }
    }

    /// Sends `value`, waiting while the queue is full.
    ///
    /// # Errors
    ///
    /// If the queue is closed (before or while waiting), the value is given back in [`SendError`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, the value was not sent (it is dropped with
    /// the future), and a wake-up the future had received goes to the next waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # // A runtime without I/O, so the example also runs in the `--cfg loom` build of tokio.
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let queue = tokio_mpmc::Queue::new(1);
    /// queue.send("hello").await.unwrap();
    /// queue.close();
    /// let error = queue.send("too late").await.unwrap_err();
    /// assert_eq!(error.into_inner(), "too late");
    /// # });
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture::new(&self.shared, value)
    }

    /// Receives the oldest value, waiting while the queue is empty and open.
    ///
    /// Returns `Ok(None)` once the queue is closed and every value sent before has been received; from then
    /// on every receive returns `Ok(None)` at once.
    ///
    /// # Errors
    ///
    /// Never: the `Result` keeps the shape of the original tokio-mpmc API, so code matching on
    /// `Err(QueueError)` still compiles. A closed queue is reported as `Ok(None)`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future never takes a value, and a wake-up it had received goes to the next
    /// waiting receiver. It can be used in `tokio::select!` without losing values.
    ///
    /// # Examples
    ///
    /// ```
    /// # // A runtime without I/O, so the example also runs in the `--cfg loom` build of tokio.
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let queue = tokio_mpmc::Queue::new(4);
    /// queue.send(1).await.unwrap();
    /// queue.close();
    /// assert_eq!(queue.receive().await, Ok(Some(1)));
    /// assert_eq!(queue.receive().await, Ok(None));
    /// # });
    /// ```
    pub fn receive(&self) -> ReceiveFuture<'_, T> {
        ReceiveFuture::new(&self.shared)
    }

    /// Sends `value` if there is room now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the queue holds `capacity` values, [`TrySendError::Closed`] if it is closed;
    /// both give the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_mpmc::{Queue, TrySendError};
    ///
    /// let queue = Queue::new(1);
    /// assert!(queue.try_send(1).is_ok());
    /// assert_eq!(queue.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.shared.try_send(value)
    }

    /// Receives the oldest value if there is one now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if the queue is empty and open, [`TryRecvError::Closed`] if it is closed and
    /// empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio_mpmc::{Queue, TryRecvError};
    ///
    /// let queue = Queue::new(1);
    /// assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
    /// queue.try_send(7).unwrap();
    /// assert_eq!(queue.try_receive(), Ok(7));
    /// ```
    pub fn try_receive(&self) -> Result<T, TryRecvError> {
        self.shared.try_receive()
    }

    /// Sends `value`, waiting at most `timeout` for room; as
    /// [`Sender::send_timeout`](crate::Sender::send_timeout), on the same core.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with the value.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropped before it completes, it sent nothing.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime with the timer enabled, as `tokio::time::sleep`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let queue = tokio_mpmc::Queue::new(1);
    /// queue.send(1).await.unwrap();
    /// let error = queue.send_timeout(2, Duration::from_secs(1)).await.unwrap_err();
    /// assert!(error.is_timeout());
    /// assert_eq!(error.into_inner(), 2);
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

    /// Receives a value, waiting at most `timeout`; as
    /// [`Receiver::recv_timeout`](crate::Receiver::recv_timeout).
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if no value came, [`RecvTimeoutError::Closed`] once the queue is closed
    /// and drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future never takes a value.
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
    /// let queue = tokio_mpmc::Queue::<u8>::new(1);
    /// let timeout = Duration::from_secs(1);
    /// assert_eq!(queue.receive_timeout(timeout).await, Err(RecvTimeoutError::Timeout));
    /// queue.close();
    /// assert_eq!(queue.receive_timeout(timeout).await, Err(RecvTimeoutError::Closed));
    /// # });
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn receive_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        crate::time::recv_timeout(&self.shared, timeout).await
    }

    /// Sends `value` from synchronous code, blocking this thread while the queue is full.
    ///
    /// # Errors
    ///
    /// The value back in [`SendError`] once the queue is closed.
    ///
    /// # Panics
    ///
    /// With the `tokio` feature, when called from a thread that runs async tasks, before sending anything.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(1);
    /// let producer = queue.clone();
    /// std::thread::spawn(move || producer.blocking_send(1).unwrap());
    /// assert_eq!(queue.blocking_receive(), Some(1));
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        blocking::send(&self.shared, value)
    }

    /// Sends `value` from synchronous code, blocking at most `timeout`. Needs no runtime.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with the value.
    ///
    /// # Panics
    ///
    /// As [`blocking_send`](Queue::blocking_send).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let queue = tokio_mpmc::Queue::new(1);
    /// queue.blocking_send_timeout(1, Duration::from_millis(1)).unwrap();
    /// let error = queue.blocking_send_timeout(2, Duration::from_millis(1)).unwrap_err();
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

    /// Receives a value from synchronous code, blocking this thread while the queue is empty and open;
    /// `None` once it is closed and drained.
    ///
    /// # Panics
    ///
    /// As [`blocking_send`](Queue::blocking_send).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(1);
    /// let producer = queue.clone();
    /// let thread = std::thread::spawn(move || {
    ///     producer.blocking_send(1).unwrap();
    ///     producer.close();
    /// });
    /// assert_eq!(queue.blocking_receive(), Some(1));
    /// assert_eq!(queue.blocking_receive(), None); // closed and drained
    /// thread.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_receive(&self) -> Option<T> {
        blocking::recv(&self.shared, "blocking_recv")
    }

    /// Receives a value from synchronous code, blocking at most `timeout`. Needs no runtime.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Closed`].
    ///
    /// # Panics
    ///
    /// As [`blocking_send`](Queue::blocking_send).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use tokio_mpmc::RecvTimeoutError;
    ///
    /// let queue = tokio_mpmc::Queue::new(1);
    /// let timeout = Duration::from_millis(1);
    /// assert_eq!(queue.blocking_receive_timeout(timeout), Err(RecvTimeoutError::Timeout));
    /// queue.try_send(7).unwrap();
    /// assert_eq!(queue.blocking_receive_timeout(timeout), Ok(7));
    /// ```
    #[track_caller]
    pub fn blocking_receive_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        blocking::recv_timeout(&self.shared, timeout)
    }

    /// Waits for at least one value, then appends it and up to `limit - 1` more that are already inside to
    /// `buffer`; as [`Receiver::recv_many`](crate::Receiver::recv_many). Returns how many it appended: 0
    /// only once the queue is closed and drained, or when `limit` is 0.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped future took nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let queue = tokio_mpmc::Queue::new(4);
    /// queue.send(1).await.unwrap();
    /// queue.send(2).await.unwrap();
    /// let mut batch = Vec::new();
    /// assert_eq!(queue.receive_many(&mut batch, 10).await, 2);
    /// assert_eq!(batch, [1, 2]);
    /// # });
    /// ```
    pub fn receive_many<'a>(
        &'a self,
        buffer: &'a mut Vec<T>,
        limit: usize,
    ) -> RecvManyFuture<'a, T> {
        RecvManyFuture::new(&self.shared, buffer, limit)
    }

    /// Waits for a free slot and holds it: the [`Permit`] sends into it later without waiting or failing.
    /// Waiting senders and reservers are served in the order they arrived.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the queue is closed before this future took its slot (a slot handed to it while it
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
    /// let queue = tokio_mpmc::Queue::new(1);
    /// let permit = queue.reserve().await.unwrap();
    /// permit.send(1);
    /// assert_eq!(queue.try_receive(), Ok(1));
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
    /// [`TrySendError::Full`] if no slot is free, [`TrySendError::Closed`] if the queue is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(1);
    /// let permit = queue.try_reserve().unwrap();
    /// assert!(queue.try_send(2).is_err()); // the slot is held
    /// permit.send(1);
    /// assert_eq!(queue.try_receive(), Ok(1));
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.shared.try_reserve(1)?;
        Ok(Permit::new(&self.shared))
    }

    /// Waits for `n` free slots and holds them all; `n == 0` gives an empty batch at once (an error once the
    /// queue is closed).
    ///
    /// # Errors
    ///
    /// [`SendError`] if the queue is closed before this future took its slots (slots handed to it while it
    /// waited and not taken yet go back on close), and at once if `n` is above the capacity.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: slots granted to a dropped future go to the next waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let queue = tokio_mpmc::Queue::new(2);
    /// for (permit, value) in queue.reserve_many(2).await.unwrap().zip([1, 2]) {
    ///     permit.send(value);
    /// }
    /// assert_eq!(queue.len(), 2);
    /// # });
    /// ```
    pub fn reserve_many(&self, n: usize) -> ReserveManyFuture<'_, T> {
        ReserveManyFuture::new(&self.shared, n)
    }

    /// Holds `n` free slots if there are that many now; `n == 0` gives an empty batch (`Closed` once the queue
    /// is closed).
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if fewer are free (or `n` is above the capacity), [`TrySendError::Closed`] if
    /// the queue is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::<u8>::new(2);
    /// assert_eq!(queue.try_reserve_many(2).unwrap().len(), 2);
    /// assert!(queue.try_reserve_many(3).is_err());
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        self.shared.try_reserve_many(n)?;
        Ok(PermitIterator::new(&self.shared, n))
    }

    /// Closes the queue, for every handle.
    ///
    /// Takes effect at the call, whether or not the result is awaited: no send succeeds after `close`
    /// returned (except through a [`Permit`] held already, which never fails), values already inside can
    /// still be received, and every waiting sender (which gets its value back) and receiver is woken. Closing
    /// a closed queue does nothing.
    ///
    /// The returned [`Close`] tells whether this call closed the queue; it can be awaited, so
    /// `queue.close().await;` works as in the original tokio-mpmc API.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::<u8>::new(1);
    /// assert!(queue.close().is_first());
    /// assert!(!queue.close().is_first());
    /// assert!(queue.is_closed());
    /// ```
    pub fn close(&self) -> Close {
        Close::new(self.shared.close())
    }

    /// Whether [`close`](Queue::close) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::<u8>::new(1);
    /// let other = queue.clone();
    /// assert!(!queue.is_closed());
    /// other.close();
    /// assert!(queue.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The number of values inside. Never more than [`capacity`](Queue::capacity), even while other tasks
    /// send and receive (it is then a snapshot of one instant).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(4);
    /// queue.try_send(1).unwrap();
    /// queue.try_send(2).unwrap();
    /// assert_eq!(queue.len(), 2);
    /// queue.try_receive().unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether the queue holds no value.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(4);
    /// assert!(queue.is_empty());
    /// queue.try_send(1).unwrap();
    /// assert!(!queue.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue holds `capacity` values (never, for an unbounded one).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(2);
    /// queue.try_send(1).unwrap();
    /// assert!(!queue.is_full());
    /// queue.try_send(2).unwrap();
    /// assert!(queue.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.shared.capacity() == Some(self.len())
    }

    /// The most values the queue holds; `usize::MAX` for an [unbounded](Queue::unbounded) one.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::<u8>::new(8);
    /// assert_eq!(queue.capacity(), 8);
    /// ```
    pub fn capacity(&self) -> usize {
        self.shared.capacity().unwrap_or(usize::MAX)
    }
}

impl<T> Clone for Queue<T> {
    /// Another handle to the same queue.
    fn clone(&self) -> Self {
        Queue {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.len())
            .field("capacity", &CapacityDebug(self.shared.capacity()))
            .field("closed", &self.is_closed())
            .finish()
    }
}
