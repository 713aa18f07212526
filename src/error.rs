//! Error types. Every error produced by a failed send carries the value back.
//!
//! Every type derives `Display` and `Error` with `thiserror`; those that carry a value write `Debug` by hand
//! so that it needs no `T: Debug` (as tokio's do).

use std::fmt;

/// The error of the seed API: the queue was closed.
///
/// [`Queue::receive`](crate::Queue::receive) keeps `Result<Option<T>, QueueError>` so that the seed's
/// three-arm `match` compiles, but it never returns `Err`: a closed and drained queue answers `Ok(None)`.
/// A [`SendError`] converts into `QueueError` with `?` (dropping the value it carries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The queue is closed.
    #[error("queue closed")]
    QueueClosed,
}

/// The queue was closed: the value could not be sent and is given back.
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("sending on a closed queue")]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// Returns the value that could not be sent.
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

/// Why [`Queue::try_send`](crate::Queue::try_send) failed; the value is given back.
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TrySendError<T> {
    /// The queue holds `capacity` items.
    #[error("sending on a full queue")]
    Full(T),
    /// The queue is closed.
    #[error("sending on a closed queue")]
    Closed(T),
}

impl<T> TrySendError<T> {
    /// Returns the value that could not be sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }

    /// Whether the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the queue was closed.
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

/// Why [`Queue::try_receive`](crate::Queue::try_receive) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TryRecvError {
    /// The queue is empty but open: an item may still arrive.
    #[error("receiving on an empty queue")]
    Empty,
    /// The queue is closed and drained: no item will ever arrive.
    #[error("receiving on a closed queue")]
    Closed,
}

/// Why a send with a timeout failed; the value is given back.
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
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(value) | SendTimeoutError::Closed(value) => value,
        }
    }

    /// Whether the send timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// Whether the channel was closed.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RecvTimeoutError {
    /// No value arrived before the timeout.
    #[error("timed out waiting on receive operation")]
    Timeout,
    /// The channel is closed and drained: no value will ever arrive.
    #[error("receiving on a closed queue")]
    Closed,
}
