//! The bounded lock-free ring: Dmitry Vyukov's array queue (as in crossbeam's `ArrayQueue`), written on the
//! sync facade so that loom and shuttle see every atomic, and extended with *reservations* (free slots held
//! for a permit or a woken sender) and *promises* (values held for a woken receiver). The only module of the
//! crate with `unsafe`.
//!
//! # Words and stamps
//!
//! `head` and `tail` are *words*: a position, three flag bits and a count, laid out as
//!
//! ```text
//!   | lap ........ | count (log2(span) bits) | CLOSED | QUEUED | WAITING | index (log2(span) bits) |
//!     one_lap        count_unit = span << 3   span << 2  span << 1  span
//! ```
//!
//! where `span = (capacity + 1).next_power_of_two()`, so neither an index nor a count (both `<= capacity`)
//! reaches the next field. A *position* is a word with its flags and count cleared. Each slot's `stamp` is a
//! position: `stamp == pos` means the slot is free for the push at `pos`; `stamp == pos + 1` means it holds
//! the value pushed at `pos`, ready for the pop at `pos`. A pop frees the slot for the next lap with
//! `stamp = pos + one_lap`.
//!
//! The counts keep capacity apart from positions, so a held permit never stalls the values around it:
//! - `tail`'s count `r`: free slots *reserved*. A newcomer push needs a free slot beyond the `r` reserved
//!   ones; a push through a reservation takes the next slot and drops `r` by one. Values inside plus `r`
//!   never exceed the capacity.
//! - `head`'s count `g`: values *promised* to woken receivers, the `g` oldest. A newcomer pop needs a value
//!   beyond them (it still takes the oldest: promises are a count, so FIFO order is kept); a pop through a
//!   promise drops `g` by one.
//!
//! The flags live in the words so that the state the waiter protocol depends on is changed by a
//! read-modify-write of the same word the operation moves:
//! - `tail & CLOSED`: the ring is closed. No newcomer push, reservation or promise-less wait succeeds
//!   afterwards; pushes through reservations still may (a permit never fails), so pops report `Closed` only
//!   once the tail is closed with `r == 0`, and from then on the tail never moves again.
//! - `tail & WAITING`: receivers may be waiting. A push learns from the word it replaced whether to serve one;
//!   the last push of a lap that finds it clear reports the lap (`Pushed::EndOfLap`: the receivers' list
//!   counts laps while a notification is out and the bit is clear).
//! - `head & WAITING`: senders may be waiting; the same for pops.
//! - `tail & QUEUED`, `head & QUEUED`: a waiting sender (receiver) was overtaken too often: until it is
//!   served, newcomers of that side give way, and every free slot (value) is handed to the waiters in order.
//!
//! The waiter lists set and clear these bits only while holding their lock, so under that lock "list not
//! empty" implies "`WAITING` set, or a notification out" (see `WaitList::throttle`).

use std::mem::MaybeUninit;

use super::{By, HOLDER, NEWCOMER, Popped, Pushed};
use crate::error::{TryRecvError, TrySendError};
use crate::probe;
use crate::sync::{AtomicUsize, CachePadded, Ordering, UnsafeCell, backoff, contention_spin, fence};

struct Slot<T> {
    /// The position this slot is ready for (see the module docs).
    stamp: AtomicUsize,
    /// Initialised exactly when `stamp == pos + 1` for the position `pos` that owns the slot.
    value: UnsafeCell<MaybeUninit<T>>,
}

pub(crate) struct Ring<T> {
    /// The word of the next pop: position | `WAITING` (senders wait) | `QUEUED` (receivers queue) | `g`.
    head: CachePadded<AtomicUsize>,
    /// The word of the next push: position | `WAITING` (receivers wait) | `QUEUED` (senders queue) |
    /// `CLOSED` | `r`.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// `span`: the power of two above every index and count; also the `WAITING` bit.
    waiting_bit: usize,
    /// `span << 1`.
    queued_bit: usize,
    /// `span << 2`.
    closed_bit: usize,
    /// `span << 3`: one in the count field.
    count_unit: usize,
    /// `log2(count_unit)`.
    count_shift: u32,
    /// The bits of a word that make its position (index and lap).
    position_mask: usize,
    /// `count_unit * span`: adding it to a position moves it to the same index one lap later.
    one_lap: usize,
}

/// Where the loop of a push or pop begins: what an inline first try (`try_push`, `try_pop`) already did, so
/// that the loop goes on with the same atomic operations, in the same order, as if it had done them itself.
#[derive(Clone, Copy)]
enum Resume {
    /// Nothing: the loop reads the word.
    Fresh,
    /// The word was read (its flags or count ruled out the inline try).
    Word(usize),
    /// The word was read, then its own position's stamp (nothing reserved or promised: the loop's target).
    Stamp(usize, usize),
    /// The compare-exchange was lost; the word it found.
    Lost(usize),
}

impl Resume {
    /// Where the loop starts: the word (read from `word` if nothing was) and the stamp already read, if any.
    /// After a lost compare-exchange, backs off first, as the loop does.
    #[inline]
    fn begin(self, word: &AtomicUsize, lost: &mut u32) -> (usize, Option<usize>) {
        match self {
            // Relaxed: only a guess, checked by the stamp and the compare-exchange.
            Resume::Fresh => (word.load(Ordering::Relaxed), None),
            Resume::Word(word) => (word, None),
            Resume::Stamp(word, stamp) => (word, Some(stamp)),
            Resume::Lost(current) => {
                contention_spin(lost);
                (current, None)
            }
        }
    }
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
        // Index, three flags, count and four lap bits at least, so laps cannot alias while a slot is in use:
        // `span² << 7` must fit in a word (capacity < 2^28 on 64-bit targets).
        // `let else`, not `unwrap_or_else`: `#[track_caller]` does not reach into a closure, and the panic must
        // point at the caller's line.
        let Some(span) = capacity
            .checked_add(1)
            .and_then(usize::checked_next_power_of_two)
            .filter(|span| {
                span.checked_mul(*span)
                    .is_some_and(|square| square <= usize::MAX >> 7)
            })
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
        let count_unit = span << 3;
        let one_lap = count_unit * span;
        Ring {
            head: CachePadded(AtomicUsize::new(0)),
            tail: CachePadded(AtomicUsize::new(0)),
            slots: slots.into_boxed_slice(),
            waiting_bit: span,
            queued_bit: span << 1,
            closed_bit: span << 2,
            count_unit,
            count_shift: count_unit.trailing_zeros(),
            position_mask: (span - 1) | !(one_lap - 1),
            one_lap,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    fn position(&self, word: usize) -> usize {
        word & self.position_mask
    }

    /// The bits of a word's count field.
    fn count_mask(&self) -> usize {
        self.one_lap - self.count_unit
    }

    /// The count field of a word (`r` of the tail, `g` of the head).
    fn count(&self, word: usize) -> usize {
        (word & self.count_mask()) >> self.count_shift
    }

    /// The position `steps` after `pos` (`steps <= capacity`), wrapping to the next lap.
    fn advance(&self, pos: usize, steps: usize) -> usize {
        if steps == 0 {
            return pos;
        }
        let index = pos & (self.waiting_bit - 1);
        if index + steps < self.capacity() {
            pos + steps
        } else {
            (pos & !(self.one_lap - 1))
                .wrapping_add(self.one_lap)
                .wrapping_add(index + steps - self.capacity())
        }
    }

    /// The position after `pos`, given whether `pos` ends its lap.
    fn after(&self, pos: usize, ends_a_lap: bool) -> usize {
        if ends_a_lap {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        } else {
            pos + 1
        }
    }

    /// Whether `pos` is the last position of its lap.
    fn ends_a_lap(&self, pos: usize) -> bool {
        pos & (self.waiting_bit - 1) == self.capacity() - 1
    }

    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & (self.waiting_bit - 1)]
    }

    /// Whether the pop one lap before `target` has not begun (the head is at or before it): the ring has no
    /// free slot at `target`. Call after reading a stamp that does not free `target`.
    fn full_at(&self, target: usize) -> bool {
        // SeqCst fence: do not read a `head` older than the stamp just read (crossbeam's argument).
        fence(Ordering::SeqCst);
        let head = self.position(self.head.load(Ordering::Relaxed));
        // `head + one_lap <= target`, as a distance: positions within a lap of each other differ by less
        // than `one_lap`, and a head past that point makes the difference wrap to a huge number.
        target.wrapping_sub(head.wrapping_add(self.one_lap)) < self.one_lap
    }

    /// Whether no push has claimed `target`, which the head is about to reach: the ring has no value there.
    /// Returns the tail word read, for its flags.
    fn empty_at(&self, target: usize) -> Option<usize> {
        // SeqCst fence: do not read a `tail` older than the stamp just read (crossbeam's argument).
        fence(Ordering::SeqCst);
        let tail = self.tail.load(Ordering::Relaxed);
        (self.position(tail) == target).then_some(tail)
    }

    /// Whether a closed tail word is final: no reservation is left to push through it.
    fn final_word(&self, tail: usize) -> bool {
        tail & self.closed_bit != 0 && self.count(tail) == 0
    }

    /// Pushes `value` as a newcomer: into a free slot beyond the reserved ones, unless senders are queued.
    /// On success, tells whether receivers may be waiting (`tail & WAITING` was set).
    ///
    /// # Errors
    /// `Full(value)` when there is no unreserved free slot (or senders are queued for them), `Closed(value)`
    /// once [`Ring::close`] was called.
    #[inline]
    pub(crate) fn try_push(&self, value: T) -> Result<Pushed, TrySendError<T>> {
        // Relaxed: only a guess, checked by the stamp and the compare-exchange.
        let tail = self.tail.load(Ordering::Relaxed);
        if tail & (self.count_mask() | self.queued_bit | self.closed_bit) != 0 {
            return self.push::<NEWCOMER>(value, Resume::Word(tail));
        }
        // The usual case, inline: open, no sender queued, nothing reserved, so the target is the tail's own
        // position (the word less its `WAITING` flag). Any other outcome than a won compare-exchange resumes
        // `push` at the same step, so the atomic operations are the loop's own, in its order.
        let pos = tail & !self.waiting_bit;
        let index = pos & (self.waiting_bit - 1);
        let slot = &self.slots[index];
        // Acquire: as in `push`.
        let stamp = slot.stamp.load(Ordering::Acquire);
        if stamp != pos {
            return self.push::<NEWCOMER>(value, Resume::Stamp(tail, stamp));
        }
        let ends_a_lap = index + 1 == self.capacity();
        let new_tail = self.after(pos, ends_a_lap) | (tail & self.waiting_bit);
        // SeqCst: as in `push`.
        match self
            .tail
            .compare_exchange_weak(tail, new_tail, Ordering::SeqCst, Ordering::Relaxed)
        {
            // SAFETY: the compare-exchange moved the tail past `pos`, whose slot was free (`stamp == pos`).
            Ok(_) => Ok(unsafe { self.fill(slot, pos, tail, ends_a_lap, value) }),
            Err(current) => self.push::<NEWCOMER>(value, Resume::Lost(current)),
        }
    }

    /// Pushes `value` through one reservation, which it uses up; never `Full`. With `refuse_closed`, a
    /// closed ring refuses it (`Closed(value)`, the reservation kept for the caller to release); without,
    /// the push succeeds even after close (a permit never fails).
    pub(crate) fn push_reserved(
        &self,
        value: T,
        refuse_closed: bool,
    ) -> Result<Pushed, TrySendError<T>> {
        if refuse_closed && self.is_closed() {
            return Err(TrySendError::Closed(value));
        }
        self.push::<HOLDER>(value, Resume::Fresh)
    }

    /// `BY`: [`NEWCOMER`] or [`HOLDER`]; `resume`: what an inline first try already did.
    #[inline(never)]
    fn push<const BY: bool>(&self, value: T, resume: Resume) -> Result<Pushed, TrySendError<T>> {
        let by = By::of(BY);
        let mut step = 0;
        let mut lost = 0;
        let (mut tail, mut stamp_read) = resume.begin(&self.tail, &mut lost);
        loop {
            let reserved = self.count(tail);
            let (skip, new_count) = match by {
                By::Newcomer => {
                    if tail & self.closed_bit != 0 {
                        return Err(TrySendError::Closed(value));
                    }
                    if tail & self.queued_bit != 0 {
                        return Err(TrySendError::Full(value));
                    }
                    (reserved, reserved)
                }
                By::Holder => {
                    debug_assert!(reserved > 0, "a push through a reservation found none");
                    (0, reserved - 1)
                }
            };
            let pos = self.position(tail);
            let target = self.advance(pos, skip);
            // Acquire: pairs with the Release of the pop that freed the slot, so its read of the old value
            // happens before our write (to `target`'s slot, or to `pos`'s below). (A stamp read by the inline
            // try is `pos`'s, which is `target` then: nothing was reserved.)
            let stamp = match stamp_read.take() {
                Some(stamp) => stamp,
                None => self.slot(target).stamp.load(Ordering::Acquire),
            };
            if stamp == target {
                // Keep the flags; the compare-exchange fails if any of them or the count changed meanwhile.
                let new_tail = self.advance(pos, 1)
                    | (tail & (self.waiting_bit | self.queued_bit | self.closed_bit))
                    | (new_count * self.count_unit);
                // SeqCst, as crossbeam: totally ordered with the pops' compare-exchange and the fences of the
                // full/empty checks.
                match self.tail.compare_exchange_weak(
                    tail,
                    new_tail,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // `target`'s slot being free means every pop of the previous lap up to it has begun;
                        // the one at `pos` may still be reading its value out. (With nothing skipped,
                        // `target` is `pos`, whose stamp was read above.)
                        let mut wait = 0;
                        // Acquire: as above, for `pos`'s slot.
                        while skip > 0 && self.slot(pos).stamp.load(Ordering::Acquire) != pos {
                            backoff(wait);
                            wait += 1;
                        }
                        // SAFETY: the compare-exchange moved the tail past `pos`, whose slot is free.
                        return Ok(unsafe {
                            self.fill(self.slot(pos), pos, tail, self.ends_a_lap(pos), value)
                        });
                    }
                    Err(current) => {
                        // Lost to another push: let the winner's line settle before reading it again.
                        contention_spin(&mut lost);
                        tail = current;
                    }
                }
            } else if (stamp.wrapping_add(self.one_lap) == target + 1
                || stamp == target.wrapping_sub(self.one_lap))
                && by == By::Newcomer
                && self.full_at(target)
            {
                // `target`'s slot still holds the value pushed one lap ago (or, with every slot reserved,
                // waits for the push one lap ago), and no pop is under way there.
                return Err(TrySendError::Full(value));
            } else {
                // A pop is under way, another push claimed `pos`, or our `tail` is stale.
                probe::hit("ring.push_waited_for_a_slot");
                backoff(step);
                step += 1;
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Writes `value` into `slot`, `pos`'s, and publishes it; says what the push learned from `tail`, the word
    /// it replaced, and from `ends_a_lap` (whether `pos` ends its lap; the caller often knows it already).
    ///
    /// # Safety
    /// `slot` is `pos`'s. The caller won the compare-exchange that moved the tail from `tail` (at `pos`) past
    /// `pos`, and read `pos`'s stamp as `pos` (the slot is free) after it was stored.
    unsafe fn fill(
        &self,
        slot: &Slot<T>,
        pos: usize,
        tail: usize,
        ends_a_lap: bool,
        value: T,
    ) -> Pushed {
        // SAFETY: winning the compare-exchange at `pos` makes this thread the slot's only writer until it
        // publishes the stamp below; `stamp == pos` says the slot is uninitialised (the pop of the previous lap
        // read its value out before storing that stamp).
        slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
        // Release: the value is written before a pop can see the slot as ready.
        slot.stamp.store(pos + 1, Ordering::Release);
        if tail & self.waiting_bit != 0 {
            Pushed::ReceiversWaiting
        } else if ends_a_lap {
            Pushed::EndOfLap
        } else {
            Pushed::Quiet
        }
    }

    /// Reserves `count` free slots as a newcomer (`count <= capacity`): beyond those reserved already, unless
    /// senders are queued.
    ///
    /// # Errors
    /// `Full(())` when fewer are free (or senders are queued), `Closed(())` once the ring is closed.
    pub(crate) fn try_reserve(&self, count: usize) -> Result<(), TrySendError<()>> {
        self.reserve(count, By::Newcomer)
    }

    /// Reserves one free slot for the oldest queued sender (the caller serves the queue, so `QUEUED` does
    /// not stop it). Returns whether a slot was free.
    pub(crate) fn reserve_for_queued(&self) -> bool {
        self.reserve(1, By::Holder).is_ok()
    }

    fn reserve(&self, count: usize, by: By) -> Result<(), TrySendError<()>> {
        debug_assert!((1..=self.capacity()).contains(&count));
        let mut step = 0;
        // Relaxed: only a guess, checked by the stamp and the compare-exchange.
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.closed_bit != 0 {
                return Err(TrySendError::Closed(()));
            }
            if by == By::Newcomer && tail & self.queued_bit != 0 {
                return Err(TrySendError::Full(()));
            }
            let reserved = self.count(tail);
            if reserved + count > self.capacity() {
                return Err(TrySendError::Full(()));
            }
            let pos = self.position(tail);
            // The last of the slots to reserve; it being free means all before it are free or being freed.
            let target = self.advance(pos, reserved + count - 1);
            // Acquire: as in `push`; the slot will be written by a push that reads its stamp again.
            let stamp = self.slot(target).stamp.load(Ordering::Acquire);
            if stamp == target {
                // SeqCst: as `push`.
                match self.tail.compare_exchange_weak(
                    tail,
                    tail + count * self.count_unit,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(()),
                    Err(current) => tail = current,
                }
            } else if (stamp.wrapping_add(self.one_lap) == target + 1
                || stamp == target.wrapping_sub(self.one_lap))
                && self.full_at(target)
            {
                return Err(TrySendError::Full(()));
            } else {
                backoff(step);
                step += 1;
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Releases `count` reservations that will not be pushed through. Returns whether that left a closed
    /// ring final while receivers were waiting: they must be woken to see `Closed`.
    pub(crate) fn release(&self, count: usize) -> bool {
        // SeqCst: as `push`; the caller then serves the senders under their lock, which orders this with every
        // registration (a sender registered before sees the slot in that serve, one registered after in its
        // re-check).
        let before = self
            .tail
            .fetch_sub(count * self.count_unit, Ordering::SeqCst);
        debug_assert!(
            self.count(before) >= count,
            "released more than was reserved"
        );
        let after = before - count * self.count_unit;
        self.final_word(after) && before & self.waiting_bit != 0
    }

    /// Pops the oldest value as a newcomer: only if a value beyond the promised ones is inside and no
    /// receivers are queued. On success, tells whether senders may be waiting (`head & WAITING` was set).
    ///
    /// # Errors
    /// `Empty` when there is no such value and the ring is open, still has reservations or holds promised
    /// values; `Closed` when it is empty and closed with no reservation left, which is final.
    #[inline]
    pub(crate) fn try_pop(&self) -> Result<Popped<T>, TryRecvError> {
        // Relaxed: only a guess, checked by the stamp and the compare-exchange.
        let head = self.head.load(Ordering::Relaxed);
        if head & (self.count_mask() | self.queued_bit) != 0 {
            return self.pop::<NEWCOMER>(Resume::Word(head));
        }
        // The usual case, inline, as in `try_push`: no receiver queued, nothing promised.
        let pos = head & !self.waiting_bit;
        let index = pos & (self.waiting_bit - 1);
        let slot = &self.slots[index];
        // Acquire: as in `pop`.
        let stamp = slot.stamp.load(Ordering::Acquire);
        if stamp != pos + 1 {
            return self.pop::<NEWCOMER>(Resume::Stamp(head, stamp));
        }
        let ends_a_lap = index + 1 == self.capacity();
        let new_head = self.after(pos, ends_a_lap) | (head & self.waiting_bit);
        // SeqCst: as in `push`.
        match self
            .head
            .compare_exchange_weak(head, new_head, Ordering::SeqCst, Ordering::Relaxed)
        {
            // SAFETY: the compare-exchange moved the head past `pos`, whose slot holds its value
            // (`stamp == pos + 1`).
            Ok(_) => Ok(unsafe { self.take(slot, pos, head, ends_a_lap) }),
            Err(current) => self.pop::<NEWCOMER>(Resume::Lost(current)),
        }
    }

    /// Pops the oldest value through one promise, which it uses up. Never fails: the promised value is
    /// inside, or its push is under way.
    pub(crate) fn pop_promised(&self) -> Popped<T> {
        match self.pop::<HOLDER>(Resume::Fresh) {
            Ok(popped) => popped,
            Err(_) => unreachable!("a promised value is always there"),
        }
    }

    /// `BY`, `resume`: as in [`Ring::push`].
    #[inline(never)]
    fn pop<const BY: bool>(&self, resume: Resume) -> Result<Popped<T>, TryRecvError> {
        let by = By::of(BY);
        let mut step = 0;
        let mut lost = 0;
        let (mut head, mut stamp_read) = resume.begin(&self.head, &mut lost);
        loop {
            let promised = self.count(head);
            let pos = self.position(head);
            let (skip, new_count) = match by {
                By::Newcomer => (promised, promised),
                By::Holder => {
                    debug_assert!(promised > 0, "a pop through a promise found none");
                    (0, promised - 1)
                }
            };
            let target = self.advance(pos, skip);
            if by == By::Newcomer && head & self.queued_bit != 0 {
                // Receivers are queued: what is inside is theirs. Only a final close of an empty ring ends this
                // wait.
                fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                return Err(if self.final_word(tail) && self.position(tail) == pos {
                    TryRecvError::Closed
                } else {
                    TryRecvError::Empty
                });
            }
            // Acquire: pairs with the push's Release, so the value is visible before we read it. (A stamp read
            // by the inline try is `pos`'s, which is `target` then: nothing was promised.)
            let stamp = match stamp_read.take() {
                Some(stamp) => stamp,
                None => self.slot(target).stamp.load(Ordering::Acquire),
            };
            if stamp == target + 1 {
                let new_head = self.advance(pos, 1)
                    | (head & (self.waiting_bit | self.queued_bit))
                    | (new_count * self.count_unit);
                // SeqCst: see `push`.
                match self.head.compare_exchange_weak(
                    head,
                    new_head,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // A value at `target` means every push up to it has claimed its position; the one at
                        // `pos` may still be writing. (With nothing skipped, `target` is `pos`.)
                        let mut wait = 0;
                        // Acquire: as above, for `pos`'s slot.
                        while skip > 0 && self.slot(pos).stamp.load(Ordering::Acquire) != pos + 1 {
                            backoff(wait);
                            wait += 1;
                        }
                        // SAFETY: the compare-exchange moved the head past `pos`, whose value is published.
                        return Ok(unsafe {
                            self.take(self.slot(pos), pos, head, self.ends_a_lap(pos))
                        });
                    }
                    Err(current) => {
                        // Lost to another pop: as in `push`.
                        contention_spin(&mut lost);
                        head = current;
                    }
                }
            } else {
                let may_be_empty = by == By::Newcomer
                    && (stamp == target || stamp.wrapping_add(self.one_lap) == target + 1);
                if let Some(tail) = may_be_empty.then(|| self.empty_at(target)).flatten() {
                    // No push has claimed `target` (or every value inside is promised). `Closed` means
                    // drained: while promised values remain, this is `Empty`.
                    return Err(if self.final_word(tail) && promised == 0 {
                        TryRecvError::Closed
                    } else {
                        TryRecvError::Empty
                    });
                }
                // A push is under way, another pop took `pos`, or our `head` is stale.
                probe::hit("ring.pop_waited_for_a_slot");
                backoff(step);
                step += 1;
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Reads the value out of `slot`, `pos`'s, and frees the slot for the next lap; says what the pop learned
    /// from `head`, the word it replaced, and from `ends_a_lap` (as in [`Ring::fill`]).
    ///
    /// # Safety
    /// `slot` is `pos`'s. The caller won the compare-exchange that moved the head from `head` (at `pos`) past
    /// `pos`, and read `pos`'s stamp as `pos + 1` (the value is published) after it was stored.
    unsafe fn take(&self, slot: &Slot<T>, pos: usize, head: usize, ends_a_lap: bool) -> Popped<T> {
        // SAFETY: winning the compare-exchange at `pos` makes this thread the only reader of the value the push
        // at `pos` initialised and published (`stamp == pos + 1`); no one touches the slot again until we
        // store the next lap's stamp below.
        let value = slot
            .value
            .with(|cell| unsafe { (*cell).assume_init_read() });
        // Release: our read is done before a push can see the slot as free.
        slot.stamp
            .store(pos.wrapping_add(self.one_lap), Ordering::Release);
        if head & self.waiting_bit != 0 {
            Popped::SendersWaiting(value)
        } else if ends_a_lap {
            Popped::EndOfLap(value)
        } else {
            Popped::Quiet(value)
        }
    }

    /// Promises the oldest unpromised value to a queued receiver (the caller serves the queue). Returns
    /// whether there was one, written or with its push under way.
    pub(crate) fn promise(&self) -> bool {
        // Relaxed: only a guess, checked by the compare-exchange.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let promised = self.count(head);
            if promised == self.capacity() {
                return false;
            }
            let target = self.advance(self.position(head), promised);
            // Acquire: as in `pop`, a cheap first look at the slot.
            let written = self.slot(target).stamp.load(Ordering::Acquire) == target + 1;
            if !written && self.empty_at(target).is_some() {
                return false;
            }
            // SeqCst: see `push`.
            match self.head.compare_exchange_weak(
                head,
                head + self.count_unit,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => head = current,
            }
        }
    }

    /// Takes back `count` promises that will not be popped through.
    pub(crate) fn release_promises(&self, count: usize) {
        // SeqCst: as `push`; the caller then serves the receivers under their lock (see `release`).
        let before = self
            .head
            .fetch_sub(count * self.count_unit, Ordering::SeqCst);
        debug_assert!(
            self.count(before) >= count,
            "released more than was promised"
        );
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

    /// Whether the ring is closed with no reservation left: no value will ever be pushed again.
    pub(crate) fn is_final(&self) -> bool {
        // Relaxed: a snapshot; the caller acting on it read the word that made it final in its own thread, or
        // serves under the receivers' lock after the one that did.
        self.final_word(self.tail.load(Ordering::Relaxed))
    }

    /// Marks that senders may be waiting. Call with the senders' waiter-list lock held.
    pub(crate) fn set_senders_waiting(&self) {
        // Relaxed: a pop that later moves `head` reads the bit by coherence, and any pop that moved it earlier
        // is seen by the caller's re-check (a load of `head` after this read-modify-write of it).
        self.head.fetch_or(self.waiting_bit, Ordering::Relaxed);
    }

    /// Sets or clears the senders' `QUEUED` bit (newcomer pushes and reservations give way while it is set).
    /// Call with the senders' lock held.
    pub(crate) fn set_senders_queued(&self, queued: bool) {
        // Relaxed: newcomers read it by the coherence of `tail`, the lock orders the changes.
        if queued {
            self.tail.fetch_or(self.queued_bit, Ordering::Relaxed);
        } else {
            self.tail.fetch_and(!self.queued_bit, Ordering::Relaxed);
        }
    }

    /// Clears the senders' `WAITING` bit. Call with the senders' lock held, the list empty or a notification
    /// out.
    pub(crate) fn clear_senders_waiting(&self) {
        // Release: what the list did under the lock before (grants) is visible to whoever reads the bit clear
        // with `senders_waiting`; the lock orders this with every `set_senders_waiting`.
        self.head.fetch_and(!self.waiting_bit, Ordering::Release);
    }

    /// Whether the senders' `WAITING` bit is set.
    pub(crate) fn senders_waiting(&self) -> bool {
        // Acquire: pairs with `clear_senders_waiting`.
        self.head.load(Ordering::Acquire) & self.waiting_bit != 0
    }

    /// Marks that receivers may be waiting. Call with the receivers' waiter-list lock held.
    pub(crate) fn set_receivers_waiting(&self) {
        // Relaxed: as `set_senders_waiting`, with pushes and `tail`.
        self.tail.fetch_or(self.waiting_bit, Ordering::Relaxed);
    }

    /// Sets or clears the receivers' `QUEUED` bit; as `set_senders_queued`, with `head`.
    pub(crate) fn set_receivers_queued(&self, queued: bool) {
        // Relaxed: as `set_senders_queued`.
        if queued {
            self.head.fetch_or(self.queued_bit, Ordering::Relaxed);
        } else {
            self.head.fetch_and(!self.queued_bit, Ordering::Relaxed);
        }
    }

    /// Clears the receivers' `WAITING` bit. Call with the receivers' lock held, the list empty or a notification
    /// out.
    pub(crate) fn clear_receivers_waiting(&self) {
        // Release: as `clear_senders_waiting`.
        self.tail.fetch_and(!self.waiting_bit, Ordering::Release);
    }

    /// Whether the receivers' `WAITING` bit is set.
    pub(crate) fn receivers_waiting(&self) -> bool {
        // Acquire: pairs with `clear_receivers_waiting`.
        self.tail.load(Ordering::Acquire) & self.waiting_bit != 0
    }

    /// Slots reserved (permits held, grants not yet used): a snapshot.
    pub(crate) fn reserved(&self) -> usize {
        // Relaxed: a snapshot, for a wake-up that may go on.
        self.count(self.tail.load(Ordering::Relaxed))
    }

    /// Values promised to receivers and not yet taken: a snapshot.
    pub(crate) fn promised(&self) -> usize {
        // Relaxed: a snapshot, for a wake-up that may go on.
        self.count(self.head.load(Ordering::Relaxed))
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
                let (head, tail) = (self.position(head), self.position(tail));
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
        let head = self.position(self.head.load(Ordering::Relaxed));
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
            Popped::Quiet(value) | Popped::EndOfLap(value) | Popped::SendersWaiting(value) => value,
        }
    }

    #[test]
    fn fills_to_capacity_then_reports_full_with_the_value() {
        let ring = Ring::new(3);
        for value in 0..2 {
            assert_eq!(ring.try_push(value).ok(), Some(Pushed::Quiet));
        }
        assert_eq!(ring.try_push(2).ok(), Some(Pushed::EndOfLap));
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
        let ring = Ring::new(3);
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
    fn the_last_operation_of_each_lap_reports_it_while_the_bit_is_clear() {
        let ring = Ring::new(3);
        let mut pushes = Vec::new();
        let mut pops = Vec::new();
        for value in 0..7 {
            pushes.push(ring.try_push(value).ok());
            pops.push(ring.try_pop().ok());
        }
        let lap_ends = |index: usize| index % 3 == 2;
        for (index, (pushed, popped)) in pushes.into_iter().zip(pops).enumerate() {
            let (expected_push, expected_pop) = if lap_ends(index) {
                (Pushed::EndOfLap, Popped::EndOfLap(index))
            } else {
                (Pushed::Quiet, Popped::Quiet(index))
            };
            assert_eq!((pushed, popped), (Some(expected_push), Some(expected_pop)));
        }
        // With the bit set, the bit is reported instead.
        ring.set_receivers_waiting();
        ring.set_senders_waiting();
        assert_eq!(ring.try_push(7).ok(), Some(Pushed::ReceiversWaiting));
        assert_eq!(ring.try_pop().ok(), Some(Popped::SendersWaiting(7)));
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
    fn reservations_hold_slots_apart_from_positions() {
        let ring = Ring::new(3);
        ring.try_reserve(2).unwrap();
        // One free slot beyond the two reserved: a newcomer takes it, the next one finds none.
        ring.try_push(1).unwrap();
        assert!(matches!(ring.try_push(2), Err(TrySendError::Full(2))));
        assert_eq!(ring.try_reserve(1), Err(TrySendError::Full(())));
        assert_eq!(ring.len(), 1);
        // The value flows past the reservations, lap after lap.
        for value in 2..20 {
            assert_eq!(ring.try_pop().map(value_of), Ok(value - 1));
            ring.try_push(value).unwrap();
        }
        ring.push_reserved(20, false).unwrap();
        ring.push_reserved(21, true).unwrap();
        assert_eq!(ring.len(), 3);
        for value in [19, 20, 21] {
            assert_eq!(ring.try_pop().map(value_of), Ok(value));
        }
        assert!(!ring.release(0));
    }

    #[test]
    fn a_released_reservation_frees_its_slot_and_a_closed_ring_waits_for_the_rest() {
        let ring = Ring::new(2);
        ring.try_reserve(2).unwrap();
        assert!(ring.close());
        assert_eq!(ring.try_pop().map(value_of), Err(TryRecvError::Empty));
        ring.push_reserved(7, false).unwrap();
        assert!(matches!(
            ring.push_reserved(8, true),
            Err(TrySendError::Closed(8))
        ));
        assert_eq!(ring.try_pop().map(value_of), Ok(7));
        assert!(!ring.is_final());
        ring.release(1);
        assert!(ring.is_final());
        assert_eq!(ring.try_pop().map(value_of), Err(TryRecvError::Closed));
    }

    #[test]
    fn promised_values_are_left_to_their_holders_in_order() {
        let ring = Ring::new(3);
        for value in 1..=3 {
            ring.try_push(value).unwrap();
        }
        assert!(ring.promise());
        assert!(ring.promise());
        // One value beyond the two promised: a newcomer takes the oldest, the holders the next two.
        assert_eq!(ring.try_pop().map(value_of), Ok(1));
        assert_eq!(ring.try_pop().map(value_of), Err(TryRecvError::Empty));
        assert_eq!(value_of(ring.pop_promised()), 2);
        ring.try_push(4).unwrap();
        assert!(ring.close());
        assert_eq!(value_of(ring.pop_promised()), 3);
        // A promise given back leaves the value to newcomers again.
        assert!(ring.promise());
        ring.release_promises(1);
        assert_eq!(ring.try_pop().map(value_of), Ok(4));
        assert!(!ring.promise());
        assert_eq!(ring.try_pop().map(value_of), Err(TryRecvError::Closed));
    }

    #[test]
    fn reservations_and_promises_wrap_with_the_ring() {
        for capacity in [1, 2, 3, 5] {
            let ring = Ring::new(capacity);
            for value in 0..4 * capacity {
                ring.try_reserve(1).unwrap();
                ring.push_reserved(value, false).unwrap();
                assert!(ring.promise());
                assert_eq!(value_of(ring.pop_promised()), value);
            }
            assert_eq!(ring.len(), 0);
        }
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
