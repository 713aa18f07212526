//! Where the values live. Each flavour is a lock-free structure that keeps the closed flag and the two
//! `WAITING` flags of the waiter protocol in the words its operations move, and reports in its results
//! whether the other side may be waiting. With the wait lists' lock ([`lock`]), this is the only part of the
//! crate with `unsafe`.
//!
//! Two flavours: the [`ring::Ring`] (bounded, every slot allocated up front, no allocation afterwards) and the
//! [`list::List`] of blocks (unbounded, or bounded by a count: memory follows occupancy). [`Storage`] is the
//! one the queue was made with: the ring up to [`RING_MAX_CAPACITY`], the list above it and when unbounded.
//! Both keep the same words (flags and counts), so the waiter protocol above is the same for both.

pub(crate) mod list;
// Under loom the queue locks with loom's `Mutex`; this lock's own model still builds it.
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod lock;
pub(crate) mod ring;

use crate::error::{TryRecvError, TrySendError};
use list::List;
use ring::Ring;

/// The storage of one queue. A `match` per call rather than a type parameter: the faces stay one type for
/// both flavours (`Sender<T>` of `channel` and of `unbounded_channel`), and the branch is always predicted.
// One per queue, inside its `Arc`: boxing the larger flavour would add a pointer chase to every operation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Storage<T> {
    Ring(Ring<T>),
    List(List<T>),
}

/// The largest capacity kept in a ring. Above it a bounded queue is a block list: creating it costs one block
/// instead of every slot (a ring of 2^24 `u64`s allocates 256 MiB up front), and a drained one gives its memory
/// back. Below it the ring's fixed slots are cheap (at most 1 MiB for `u64`s) and allocation-free.
#[cfg(target_pointer_width = "64")]
pub(crate) const RING_MAX_CAPACITY: usize = 1 << 16;
/// On 32-bit targets, the ring's own limit (its index words hold a position, flags and a count).
#[cfg(not(target_pointer_width = "64"))]
pub(crate) const RING_MAX_CAPACITY: usize = 4_095;

impl<T> Storage<T> {
    /// A queue of at most `capacity` values: a ring, or above [`RING_MAX_CAPACITY`] a bounded block list.
    ///
    /// # Panics
    /// If `capacity` is 0 or too large (see [`Ring::new`] and [`List::bounded`]).
    #[track_caller]
    pub(crate) fn bounded(capacity: usize) -> Self {
        if capacity <= RING_MAX_CAPACITY {
            Storage::Ring(Ring::new(capacity))
        } else {
            Storage::List(List::bounded(capacity))
        }
    }

    /// A queue with no bound: a block list.
    #[track_caller]
    pub(crate) fn unbounded() -> Self {
        Storage::List(List::new())
    }
}

/// Calls the same method on whichever flavour this is.
macro_rules! dispatch {
    ($self:ident, $flavour:ident => $call:expr) => {
        match $self {
            Storage::Ring($flavour) => $call,
            Storage::List($flavour) => $call,
        }
    };
}

impl<T> Storage<T> {
    /// The bound, `None` when unbounded.
    pub(crate) fn capacity(&self) -> Option<usize> {
        match self {
            Storage::Ring(ring) => Some(ring.capacity()),
            Storage::List(list) => list.capacity(),
        }
    }

    /// How many positions make a lap: the capacity of a ring, a block of a list. Every lap's last push (pop)
    /// that reads the other side's `WAITING` bit clear reports `EndOfLap`.
    pub(crate) fn lap(&self) -> usize {
        match self {
            Storage::Ring(ring) => ring.capacity(),
            Storage::List(_) => list::BLOCK_CAP,
        }
    }

    /// The most reservations one request can ever hold: the capacity, or for a list the most its count field
    /// holds (2^20 − 1 on 64-bit targets) if that is less. A larger request fails at once.
    pub(crate) fn max_reservation(&self) -> usize {
        match self {
            Storage::Ring(ring) => ring.capacity(),
            Storage::List(list) => list.max_reservation(),
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

    pub(crate) fn is_final(&self) -> bool {
        dispatch!(self, s => s.is_final())
    }

    /// Whether `count` more reservations exceed what the storage can count at once although there may be
    /// room (never for a ring; a list's count field holds 2^20 - 1).
    pub(crate) fn reservations_over_limit(&self, count: usize) -> bool {
        match self {
            Storage::Ring(_) => false,
            Storage::List(list) => list.reservations_over_limit(count),
        }
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

    /// Whether a newcomer could take a slot now (none of the room is reserved): a snapshot.
    pub(crate) fn has_free_slot(&self) -> bool {
        self.capacity()
            .is_none_or(|capacity| dispatch!(self, s => s.len() + s.reserved()) < capacity)
    }

    /// Whether a newcomer could take a value now (one beyond the promised ones is inside): a snapshot.
    pub(crate) fn has_free_value(&self) -> bool {
        dispatch!(self, s => s.len() > s.promised())
    }

    /// The slots reserved and the values promised: a snapshot (the crate's models check both are 0 once the
    /// queue is dropped).
    #[cfg(all(test, any(loom, shuttle)))]
    pub(crate) fn held(&self) -> (usize, usize) {
        dispatch!(self, s => (s.reserved(), s.promised()))
    }
}

/// Who moves a word: a newcomer, which must leave reserved slots and promised values alone and give way to a
/// queue of waiters, or the holder of a reservation (a promise), which uses it up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum By {
    Newcomer,
    Holder,
}

/// [`By::Newcomer`] as the constant parameter of the flavours' `push` and `pop`: each caller gets its own copy
/// without the other's branches (5-8 % on `current_thread`, where that path is most of an operation;
/// `benches/results/profile.md`). The ring's newcomer also makes one inline try before its loop
/// (`Ring::try_push`).
const NEWCOMER: bool = false;
/// [`By::Holder`] as the constant parameter of the flavours' `push` and `pop`.
const HOLDER: bool = true;

impl By {
    const fn of(holder: bool) -> By {
        if holder { By::Holder } else { By::Newcomer }
    }
}

/// What a successful push learned from the word it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// The receivers' `WAITING` flag was clear.
    Quiet,
    /// The receivers' `WAITING` flag was clear and this push ended a lap (see [`Storage::lap`]): the receivers'
    /// list counts it while a notification is out (`WaitList::lap_ended`).
    EndOfLap,
    /// The receivers' `WAITING` flag was set: one of them must be woken.
    ReceiversWaiting,
}

/// What a successful pop took, and what it learned from the word it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Popped<T> {
    /// The value; the senders' `WAITING` flag was clear.
    Quiet(T),
    /// The value; the senders' `WAITING` flag was clear and this pop ended a lap (see [`Storage::lap`]).
    EndOfLap(T),
    /// The value; the senders' `WAITING` flag was set: one of them must be woken.
    SendersWaiting(T),
}
