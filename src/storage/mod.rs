//! Where the values live. Each flavour is a lock-free structure that keeps the closed flag and the two
//! `WAITING` flags of the waiter protocol in the words its operations move, and reports in its results
//! whether the other side may be waiting. This is the only part of the crate with `unsafe`.
//!
//! Two flavours: the bounded [`ring::Ring`] (every slot allocated up front, no allocation afterwards) and the
//! unbounded [`list::List`] of blocks (memory follows occupancy). [`Storage`] is the one the queue was made
//! with; both keep the same words (flags and counts), so the waiter protocol above is the same for both.

pub(crate) mod list;
pub(crate) mod ring;

use crate::error::{TryRecvError, TrySendError};
use list::List;
use ring::Ring;

/// The storage of one queue. A `match` per call rather than a type parameter: the faces stay one type for
/// both flavours (`Sender<T>` of `channel` and of `unbounded_channel`), and the branch is always predicted.
// One per queue, inside its `Arc`: boxing the larger flavour would add a pointer chase to every operation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Storage<T> {
    Bounded(Ring<T>),
    Unbounded(List<T>),
}

/// Calls the same method on whichever flavour this is.
macro_rules! dispatch {
    ($self:ident, $flavour:ident => $call:expr) => {
        match $self {
            Storage::Bounded($flavour) => $call,
            Storage::Unbounded($flavour) => $call,
        }
    };
}

impl<T> Storage<T> {
    /// The bound, `None` when unbounded.
    pub(crate) fn capacity(&self) -> Option<usize> {
        match self {
            Storage::Bounded(ring) => Some(ring.capacity()),
            Storage::Unbounded(_) => None,
        }
    }

    pub(crate) fn try_push(&self, value: T) -> Result<Pushed, TrySendError<T>> {
        dispatch!(self, s => s.try_push(value))
    }

    pub(crate) fn push_reserved(
        &self,
        value: T,
        refuse_closed: bool,
    ) -> Result<Pushed, TrySendError<T>> {
        dispatch!(self, s => s.push_reserved(value, refuse_closed))
    }

    pub(crate) fn try_reserve(&self, count: usize) -> Result<(), TrySendError<()>> {
        dispatch!(self, s => s.try_reserve(count))
    }

    pub(crate) fn reserve_for_queued(&self) -> bool {
        dispatch!(self, s => s.reserve_for_queued())
    }

    pub(crate) fn release(&self, count: usize) -> bool {
        dispatch!(self, s => s.release(count))
    }

    pub(crate) fn try_pop(&self) -> Result<Popped<T>, TryRecvError> {
        dispatch!(self, s => s.try_pop())
    }

    pub(crate) fn pop_promised(&self) -> Popped<T> {
        dispatch!(self, s => s.pop_promised())
    }

    pub(crate) fn promise(&self) -> bool {
        dispatch!(self, s => s.promise())
    }

    pub(crate) fn release_promises(&self, count: usize) {
        dispatch!(self, s => s.release_promises(count))
    }

    pub(crate) fn close(&self) -> bool {
        dispatch!(self, s => s.close())
    }

    pub(crate) fn is_closed(&self) -> bool {
        dispatch!(self, s => s.is_closed())
    }

    pub(crate) fn set_senders_waiting(&self) {
        dispatch!(self, s => s.set_senders_waiting())
    }

    pub(crate) fn set_senders_queued(&self, queued: bool) {
        dispatch!(self, s => s.set_senders_queued(queued))
    }

    pub(crate) fn clear_senders_waiting(&self) {
        dispatch!(self, s => s.clear_senders_waiting())
    }

    pub(crate) fn senders_waiting(&self) -> bool {
        dispatch!(self, s => s.senders_waiting())
    }

    pub(crate) fn set_receivers_waiting(&self) {
        dispatch!(self, s => s.set_receivers_waiting())
    }

    pub(crate) fn set_receivers_queued(&self, queued: bool) {
        dispatch!(self, s => s.set_receivers_queued(queued))
    }

    pub(crate) fn clear_receivers_waiting(&self) {
        dispatch!(self, s => s.clear_receivers_waiting())
    }

    pub(crate) fn receivers_waiting(&self) -> bool {
        dispatch!(self, s => s.receivers_waiting())
    }

    pub(crate) fn len(&self) -> usize {
        dispatch!(self, s => s.len())
    }
}

/// What a successful push learned from the word it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// No receiver was registered as waiting.
    Quiet,
    /// The receivers' `WAITING` flag was set: one of them must be woken.
    ReceiversWaiting,
}

/// What a successful pop took, and what it learned from the word it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Popped<T> {
    /// The value; no sender was registered as waiting.
    Quiet(T),
    /// The value; the senders' `WAITING` flag was set: one of them must be woken.
    SendersWaiting(T),
}
