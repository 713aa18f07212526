//! Error types. Every error produced by a failed send carries the value back.
//!
//! Every type derives `Display` and `Error` with `thiserror`; those that carry a value write `Debug` by hand
//! so that it needs no `T: Debug` (as tokio's do).

use std::fmt;

/// The error of tokio-mpmc 0.2's API, which [`Queue`](crate::Queue) keeps: the queue was closed.
///
/// [`Queue::receive`](crate::Queue::receive) keeps `Result<Option<T>, QueueError>` so that 0.2's
/// three-arm `match` compiles, but it never returns `Err`: a closed and drained queue answers `Ok(None)`.
/// A [`SendError`] converts into `QueueError` with `?` (dropping the value it carries).
///
/// # Examples
///
/// ```
/// use tokio_mpmc::{Queue, QueueError};
///
/// async fn produce(queue: &Queue<u32>) -> Result<(), QueueError> {
///     queue.send(1).await?; // a `SendError` converts with `?`
///     Ok(())
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let queue = Queue::new(1);
/// queue.close();
/// assert_eq!(produce(&queue).await, Err(QueueError::QueueClosed));
/// assert_eq!(queue.receive().await, Ok(None)); // a closed queue is `Ok(None)`, never `Err`
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The queue is closed.
    #[error("queue closed")]
    QueueClosed,
}

/// The channel (queue) was closed: the value could not be sent and is given back.
///
/// # Examples
///
/// ```
/// use tokio_mpmc::SendError;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(1);
/// drop(rx); // the last receiver: the channel is closed
/// let SendError(value) = tx.send(5).await.unwrap_err();
/// assert_eq!(value, 5);
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("sending on a closed queue")]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// Returns the value that could not be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// drop(rx);
    /// assert_eq!(tx.blocking_send("lost").unwrap_err().into_inner(), "lost");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError { .. }")
    }
}

impl<T> From<SendError<T>> for QueueError {
    fn from(_: SendError<T>) -> Self {
        QueueError::QueueClosed
    }
}

/// Why a `try_send` failed ([`Sender::try_send`](crate::Sender::try_send),
/// [`Queue::try_send`](crate::Queue::try_send)); the value is given back. [`Sender::try_reserve`](crate::Sender::try_reserve)
/// and the other `try_reserve*` calls fail with it too, carrying `()` or the sender.
///
/// # Examples
///
/// ```
/// use tokio_mpmc::TrySendError;
///
/// let (tx, rx) = tokio_mpmc::channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// drop(rx);
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TrySendError<T> {
    /// The channel (queue) holds `capacity` values, or as many with the permits held.
    #[error("sending on a full queue")]
    Full(T),
    /// The channel (queue) is closed: explicitly, or because every receiver is gone.
    #[error("sending on a closed queue")]
    Closed(T),
}

impl<T> TrySendError<T> {
    /// Returns the value that could not be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(1);
    /// queue.try_send(1).unwrap();
    /// assert_eq!(queue.try_send(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }

    /// Whether the queue was full.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(1);
    /// queue.try_send(1).unwrap();
    /// assert!(queue.try_send(2).unwrap_err().is_full());
    /// queue.close();
    /// assert!(!queue.try_send(3).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the queue was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = tokio_mpmc::Queue::new(1);
    /// queue.try_send(1).unwrap();
    /// assert!(!queue.try_send(2).unwrap_err().is_closed());
    /// queue.close();
    /// assert!(queue.try_send(3).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(SendError(value): SendError<T>) -> Self {
        TrySendError::Closed(value)
    }
}

/// Why a `try_recv` failed ([`Receiver::try_recv`](crate::Receiver::try_recv),
/// [`Queue::try_receive`](crate::Queue::try_receive)).
///
/// # Examples
///
/// ```
/// use tokio_mpmc::TryRecvError;
///
/// let (tx, rx) = tokio_mpmc::channel(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// tx.try_send(1).unwrap();
/// drop(tx); // closed, with one value still inside
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TryRecvError {
    /// The channel (queue) is empty but open: a value may still arrive.
    #[error("receiving on an empty queue")]
    Empty,
    /// The channel (queue) is closed and drained: no value will ever arrive.
    #[error("receiving on a closed queue")]
    Closed,
}

/// Why a send with a timeout failed; the value is given back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tokio_mpmc::SendTimeoutError;
///
/// let (tx, rx) = tokio_mpmc::channel(1);
/// tx.try_send(1).unwrap();
/// let full = tx.blocking_send_timeout(2, Duration::from_millis(1));
/// assert_eq!(full, Err(SendTimeoutError::Timeout(2)));
/// drop(rx);
/// let closed = tx.blocking_send_timeout(3, Duration::from_millis(1));
/// assert_eq!(closed, Err(SendTimeoutError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum SendTimeoutError<T> {
    /// The channel stayed full until the timeout.
    #[error("timed out waiting on send operation")]
    Timeout(T),
    /// The channel is closed.
    #[error("sending on a closed queue")]
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// Returns the value that could not be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = tokio_mpmc::channel(1);
    /// tx.try_send(1).unwrap();
    /// let error = tx.blocking_send_timeout(2, Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(error.into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(value) | SendTimeoutError::Closed(value) => value,
        }
    }

    /// Whether the send timed out.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.blocking_send_timeout(2, Duration::from_millis(1)).unwrap_err().is_timeout());
    /// drop(rx);
    /// assert!(!tx.blocking_send_timeout(3, Duration::from_millis(1)).unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// Whether the channel was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(!tx.blocking_send_timeout(2, Duration::from_millis(1)).unwrap_err().is_closed());
    /// drop(rx);
    /// assert!(tx.blocking_send_timeout(3, Duration::from_millis(1)).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(SendError(value): SendError<T>) -> Self {
        SendTimeoutError::Closed(value)
    }
}

/// Why a receive with a timeout failed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tokio_mpmc::RecvTimeoutError;
///
/// let (tx, rx) = tokio_mpmc::channel::<u8>(1);
/// let timeout = Duration::from_millis(1);
/// assert_eq!(rx.blocking_recv_timeout(timeout), Err(RecvTimeoutError::Timeout));
/// drop(tx); // the last sender: closed and drained
/// assert_eq!(rx.blocking_recv_timeout(timeout), Err(RecvTimeoutError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RecvTimeoutError {
    /// No value arrived before the timeout.
    #[error("timed out waiting on receive operation")]
    Timeout,
    /// The channel is closed and drained: no value will ever arrive.
    #[error("receiving on a closed queue")]
    Closed,
}
