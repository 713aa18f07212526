//! The bounded lock-free ring: Dmitry Vyukov's array queue (as in crossbeam's `ArrayQueue`), written on the
//! sync facade so that loom and shuttle see every atomic. The only module of the crate with `unsafe`.
//!
//! # Words and stamps
//!
//! `head` and `tail` are *words*: a position plus two flag bits, laid out as
//!
//! ```text
//!   | lap ........ | CLOSED | WAITING | index (log2(span) bits) |
//!     one_lap = span << 2      span << 1   span
//! ```
//!
//! where `span = (capacity + 1).next_power_of_two()`, so `index + 1 <= capacity` never reaches a flag bit.
//! A *position* is a word with its flags cleared. Each slot's `stamp` is a position: `stamp == pos` means the
//! slot is free for the push at `pos`; `stamp == pos + 1` means it holds the value pushed at `pos`, ready for
//! the pop at `pos`. A pop frees the slot for the next lap with `stamp = pos + one_lap`.
//!
//! The flags live in the words so that the state the waiter protocol depends on is changed by a
//! read-modify-write of the same word the operation moves:
//! - `tail & CLOSED`: the ring is closed. Set by [`Ring::close`]; a push's compare-exchange on `tail` fails
//!   once it is set, so no push succeeds after `close` returned, and a closed tail never moves again.
//! - `tail & WAITING`: receivers may be waiting. A push that moves `tail` learns from the very word it replaced
//!   whether to wake one.
//! - `head & WAITING`: senders may be waiting; the same for pops.
//!
//! The waiter lists set and clear a `WAITING` bit only while holding their lock, so under that lock "list not
//! empty" implies "bit set".

use std::mem::MaybeUninit;

use super::{Popped, Pushed};
use crate::error::{TryRecvError, TrySendError};
use crate::sync::{AtomicUsize, CachePadded, Ordering, UnsafeCell, backoff, fence};

struct Slot<T> {
    /// The position this slot is ready for (see the module docs).
    stamp: AtomicUsize,
    /// Initialised exactly when `stamp == pos + 1` for the position `pos` that owns the slot.
    value: UnsafeCell<MaybeUninit<T>>,
}

pub(crate) struct Ring<T> {
    /// The word of the next pop: position | `WAITING` (senders wait).
    head: CachePadded<AtomicUsize>,
    /// The word of the next push: position | `WAITING` (receivers wait) | `CLOSED`.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// `span`: the power of two above every index; also the `WAITING` bit.
    waiting_bit: usize,
    /// `span << 1`.
    closed_bit: usize,
    /// `span << 2`: adding it to a position moves it to the same index one lap later.
    one_lap: usize,
}

// SAFETY: the ring owns its `T`s and hands each to exactly one thread (the stamp protocol gives a slot's value
// to the single push or pop that won the position), so sharing or sending the ring only moves `T`s between
// threads, which `T: Send` allows.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above; `&Ring` never gives out `&T`.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// Creates an empty ring.
    ///
    /// # Panics
    /// If `capacity` is 0, too large for the word layout, or cannot be allocated.
    #[track_caller]
    pub(crate) fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "tokio_mpmc: capacity must be greater than zero, got capacity {capacity}"
        );
        // Four lap bits at least, so laps cannot alias while a slot is in use.
        // `let else`, not `unwrap_or_else`: `#[track_caller]` does not reach into a closure, and the panic must
        // point at the caller's line.
        let Some(span) = capacity
            .checked_add(1)
            .and_then(usize::checked_next_power_of_two)
            .filter(|span| *span <= usize::MAX >> 6)
        else {
            panic!("tokio_mpmc: capacity {capacity} is too large");
        };
        let mut slots = Vec::new();
        if slots.try_reserve_exact(capacity).is_err() {
            panic!("tokio_mpmc: capacity {capacity} cannot be allocated");
        }
        slots.extend((0..capacity).map(|index| Slot {
            stamp: AtomicUsize::new(index),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }));
        Ring {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
            slots: slots.into_boxed_slice(),
            waiting_bit: span,
            closed_bit: span << 1,
            one_lap: span << 2,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    fn flags(&self) -> usize {
        self.waiting_bit | self.closed_bit
    }

    /// The position following `pos`: the next index, or index 0 of the next lap.
    fn next_position(&self, pos: usize) -> usize {
        let index = pos & (self.waiting_bit - 1);
        if index + 1 < self.capacity() {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & (self.waiting_bit - 1)]
    }

    /// Pushes `value`. On success, tells whether receivers may be waiting (`tail & WAITING` was set).
    ///
    /// # Errors
    /// `Full(value)` when the ring holds `capacity` values, `Closed(value)` once [`Ring::close`] was called.
    pub(crate) fn try_push(&self, value: T) -> Result<Pushed, TrySendError<T>> {
        let mut step = 0;
        // Relaxed: only a guess, checked by the stamp and the compare-exchange.
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.closed_bit != 0 {
                return Err(TrySendError::Closed(value));
            }
            let pos = tail & !self.flags();
            let slot = self.slot(pos);
            // Acquire: pairs with the Release of the pop that freed the slot, so its read of the old value
            // happens before our write.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos {
                // Keep WAITING; the compare-exchange fails if CLOSED or WAITING changed meanwhile.
                let new_tail = self.next_position(pos) | (tail & self.waiting_bit);
                // SeqCst, as crossbeam: totally ordered with the pops' compare-exchange and the fences of the
                // full/empty checks.
                match self.tail.compare_exchange_weak(
                    tail,
                    new_tail,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the compare-exchange at `pos` while `stamp == pos` makes this thread
                        // the slot's only writer until it publishes the stamp below; the slot is uninitialised
                        // (its last value was read out by the pop that set `stamp = pos`).
                        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                        // Release: the value is written before a pop can see the slot as ready.
                        slot.stamp.store(pos + 1, Ordering::Release);
                        return Ok(if tail & self.waiting_bit != 0 {
                            Pushed::ReceiversWaiting
                        } else {
                            Pushed::Quiet
                        });
                    }
                    Err(current) => tail = current,
                }
            } else if stamp.wrapping_add(self.one_lap) == pos + 1 {
                // The slot still holds the value pushed one lap ago: full, unless a pop is under way.
                // SeqCst fence: do not read a `head` older than the stamp just read (crossbeam's argument).
                fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                if (head & !self.flags()).wrapping_add(self.one_lap) == pos {
                    return Err(TrySendError::Full(value));
                }
                backoff(step);
                tail = self.tail.load(Ordering::Relaxed);
            } else {
                // Another push claimed `pos` and has not published it yet, or our `tail` is stale.
                backoff(step);
                tail = self.tail.load(Ordering::Relaxed);
            }
            step += 1;
        }
    }

    /// Pops the oldest value. On success, tells whether senders may be waiting (`head & WAITING` was set).
    ///
    /// # Errors
    /// `Empty` when there is no value and the ring is open; `Closed` when there is none and it is closed,
    /// which is final: a closed tail never moves again.
    pub(crate) fn try_pop(&self) -> Result<Popped<T>, TryRecvError> {
        let mut step = 0;
        // Relaxed: only a guess, checked by the stamp and the compare-exchange.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let pos = head & !self.flags();
            let slot = self.slot(pos);
            // Acquire: pairs with the push's Release, so the value is visible before we read it.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos + 1 {
                let new_head = self.next_position(pos) | (head & self.waiting_bit);
                // SeqCst: see `try_push`.
                match self.head.compare_exchange_weak(
                    head,
                    new_head,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the compare-exchange at `pos` while `stamp == pos + 1` makes this
                        // thread the only reader of the value the push at `pos` initialised and published;
                        // no one touches the slot again until we store the next lap's stamp below.
                        let value = slot
                            .value
                            .with(|cell| unsafe { (*cell).assume_init_read() });
                        // Release: our read is done before a push can see the slot as free.
                        slot.stamp
                            .store(pos.wrapping_add(self.one_lap), Ordering::Release);
                        return Ok(if head & self.waiting_bit != 0 {
                            Popped::SendersWaiting(value)
                        } else {
                            Popped::Quiet(value)
                        });
                    }
                    Err(current) => head = current,
                }
            } else if stamp == pos {
                // The slot is free: empty, unless a push is under way.
                // SeqCst fence: do not read a `tail` older than the stamp just read (crossbeam's argument).
                fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                if tail & !self.flags() == pos {
                    return Err(if tail & self.closed_bit != 0 {
                        TryRecvError::Closed
                    } else {
                        TryRecvError::Empty
                    });
                }
                backoff(step);
                head = self.head.load(Ordering::Relaxed);
            } else {
                // Another pop took `pos` and has not freed the slot yet, or our `head` is stale.
                backoff(step);
                head = self.head.load(Ordering::Relaxed);
            }
            step += 1;
        }
    }

    /// Closes the ring; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        // Relaxed: pushes observe CLOSED through the coherence of `tail` (their compare-exchange fails), and
        // the waiter lists order the wake-ups that follow with their lock.
        self.tail.fetch_or(self.closed_bit, Ordering::Relaxed) & self.closed_bit == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        // Relaxed: a snapshot; pushes see CLOSED through their compare-exchange on `tail`.
        self.tail.load(Ordering::Relaxed) & self.closed_bit != 0
    }

    /// Marks that senders may be waiting. Call with the senders' waiter-list lock held.
    pub(crate) fn set_senders_waiting(&self) {
        // Relaxed: a pop that later moves `head` reads the bit by coherence, and any pop that moved it earlier
        // is seen by the caller's re-check (a load of `head` after this read-modify-write of it).
        self.head.fetch_or(self.waiting_bit, Ordering::Relaxed);
    }

    /// Clears the senders' `WAITING` bit. Call with the senders' waiter-list lock held, list empty.
    pub(crate) fn clear_senders_waiting(&self) {
        // Relaxed: the lock orders this with every `set_senders_waiting`.
        self.head.fetch_and(!self.waiting_bit, Ordering::Relaxed);
    }

    /// Whether the senders' `WAITING` bit is set.
    pub(crate) fn senders_waiting(&self) -> bool {
        // Relaxed: a caller that set the bit reads that write or a later one (read-after-write coherence of
        // `head`), which is all `Core::finish_send` relies on.
        self.head.load(Ordering::Relaxed) & self.waiting_bit != 0
    }

    /// Whether the receivers' `WAITING` bit is set.
    pub(crate) fn receivers_waiting(&self) -> bool {
        // Relaxed: as `senders_waiting`, with `tail`.
        self.tail.load(Ordering::Relaxed) & self.waiting_bit != 0
    }

    /// Marks that receivers may be waiting. Call with the receivers' waiter-list lock held.
    pub(crate) fn set_receivers_waiting(&self) {
        // Relaxed: as `set_senders_waiting`, with pushes and `tail`.
        self.tail.fetch_or(self.waiting_bit, Ordering::Relaxed);
    }

    /// Clears the receivers' `WAITING` bit. Call with the receivers' waiter-list lock held, list empty.
    pub(crate) fn clear_receivers_waiting(&self) {
        // Relaxed: the lock orders this with every `set_receivers_waiting`.
        self.tail.fetch_and(!self.waiting_bit, Ordering::Relaxed);
    }

    /// The number of values inside: a consistent snapshot, so never more than the capacity, even while racing.
    pub(crate) fn len(&self) -> usize {
        loop {
            // Acquire on both words: a `tail` read here was moved by a push that saw its slot freed, so the
            // `head` read after it is at least `tail - capacity`, and a `head` read here is at most the
            // `tail` re-read below.
            let tail = self.tail.load(Ordering::Acquire);
            let head = self.head.load(Ordering::Acquire);
            // `tail` unchanged across the read of `head`: both held at that instant.
            if self.tail.load(Ordering::Acquire) == tail {
                let (head, tail) = (head & !self.flags(), tail & !self.flags());
                let index_mask = self.waiting_bit - 1;
                let (head_index, tail_index) = (head & index_mask, tail & index_mask);
                return if head_index < tail_index {
                    tail_index - head_index
                } else if head_index > tail_index {
                    self.capacity() - head_index + tail_index
                } else if head == tail {
                    0
                } else {
                    self.capacity()
                };
            }
        }
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can reach the ring; Relaxed loads are exact here.
        let head = self.head.load(Ordering::Relaxed) & !self.flags();
        let len = self.len();
        // SAFETY: the `len` slots from `head`'s index on hold values pushed and never popped, and no operation
        // can be in flight while we hold `&mut self`.
        let mut values = unsafe { Inside::new(&self.slots, head & (self.waiting_bit - 1), len) };
        values.drop_each();
    }
}

/// The values still inside a ring being dropped. If one value's `Drop` panics, unwinding drops this guard,
/// which goes on dropping the rest (as `Vec` does): none leaks, none is dropped twice.
struct Inside<'a, T> {
    slots: &'a [Slot<T>],
    /// The index of the next value to drop.
    next: usize,
    /// How many values are left to drop, from `next` on (wrapping around the slots).
    left: usize,
}

impl<'a, T> Inside<'a, T> {
    /// # Safety
    /// The `left` slots from index `next` on (wrapping) must hold initialised values that nothing else will
    /// read or drop: the guard drops each of them exactly once.
    unsafe fn new(slots: &'a [Slot<T>], next: usize, left: usize) -> Self {
        Inside { slots, next, left }
    }

    fn drop_each(&mut self) {
        while self.left > 0 {
            let slot = &self.slots[self.next];
            // Advance first: if this value's drop panics, the guard resumes with the next one.
            self.next = (self.next + 1) % self.slots.len();
            self.left -= 1;
            // SAFETY: `new`'s contract: this slot holds an initialised value that only this guard drops, and
            // the counters above were advanced before the drop, so it is never dropped again.
            slot.value
                .with_mut(|cell| unsafe { (*cell).assume_init_drop() });
        }
    }
}

impl<T> Drop for Inside<'_, T> {
    fn drop(&mut self) {
        // Reached with values left only while unwinding from a value's panicking `Drop`.
        self.drop_each();
    }
}

#[cfg(all(test, not(loom), not(shuttle)))]
mod tests {
    use super::*;

    /// The value a pop took, whatever it learned about waiting senders.
    fn value_of<T>(popped: Popped<T>) -> T {
        match popped {
            Popped::Quiet(value) | Popped::SendersWaiting(value) => value,
        }
    }

    #[test]
    fn fills_to_capacity_then_reports_full_with_the_value() {
        let ring = Ring::new(3);
        for value in 0..3 {
            assert_eq!(ring.try_push(value).ok(), Some(Pushed::Quiet));
        }
        assert!(matches!(ring.try_push(3), Err(TrySendError::Full(3))));
        assert_eq!(ring.len(), 3);
    }

    #[test]
    fn pops_in_fifo_order_across_many_laps() {
        for capacity in [1, 2, 3, 4, 7, 8] {
            let ring = Ring::new(capacity);
            let mut next_out = 0;
            for value in 0..100 {
                if ring.try_push(value).is_err() {
                    assert_eq!(value_of(ring.try_pop().unwrap()), next_out);
                    next_out += 1;
                    ring.try_push(value).unwrap();
                }
                assert!(ring.len() <= capacity);
            }
            while let Ok(popped) = ring.try_pop() {
                assert_eq!(value_of(popped), next_out);
                next_out += 1;
            }
            assert_eq!(next_out, 100);
        }
    }

    #[test]
    fn close_refuses_pushes_and_drains_to_closed() {
        let ring = Ring::new(2);
        ring.try_push(1).unwrap();
        assert!(ring.close());
        assert!(!ring.close());
        assert!(matches!(ring.try_push(2), Err(TrySendError::Closed(2))));
        assert_eq!(ring.try_pop().map(value_of), Ok(1));
        assert_eq!(ring.try_pop().map(value_of), Err(TryRecvError::Closed));
        assert_eq!(ring.try_pop().map(value_of), Err(TryRecvError::Closed));
    }

    #[test]
    fn waiting_bits_are_reported_and_do_not_disturb_positions() {
        let ring = Ring::new(2);
        ring.set_receivers_waiting();
        assert_eq!(ring.try_push(1).ok(), Some(Pushed::ReceiversWaiting));
        ring.clear_receivers_waiting();
        assert_eq!(ring.try_push(2).ok(), Some(Pushed::Quiet));
        ring.set_senders_waiting();
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.try_pop().ok(), Some(Popped::SendersWaiting(1)));
        ring.clear_senders_waiting();
        assert_eq!(ring.try_pop().ok(), Some(Popped::Quiet(2)));
        assert_eq!(ring.len(), 0);
    }

    #[test]
    fn drop_drops_each_remaining_value_once() {
        use std::sync::Arc;
        let token = Arc::new(());
        let ring = Ring::new(3);
        for _ in 0..5 {
            ring.try_push(Arc::clone(&token)).unwrap();
            drop(ring.try_pop().unwrap());
        }
        ring.try_push(Arc::clone(&token)).unwrap();
        ring.try_push(Arc::clone(&token)).unwrap();
        assert_eq!(Arc::strong_count(&token), 3);
        drop(ring);
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    #[should_panic(expected = "capacity must be greater than zero")]
    fn zero_capacity_panics() {
        let _ = Ring::<u8>::new(0);
    }

    #[test]
    #[should_panic(expected = "too large")]
    fn huge_capacity_panics() {
        let _ = Ring::<u8>::new(usize::MAX);
    }
}
