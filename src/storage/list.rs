//! The unbounded lock-free block list: crossbeam's `SegQueue` (crossbeam-queue 0.3, MIT OR Apache-2.0, by the
//! crossbeam developers), written on the sync facade so that loom and shuttle see every atomic, and given the
//! same words as the ring ([`super::ring`]): flags for the waiter protocol, *reservations* (permits) in the tail
//! and *promises* (values held for woken receivers) in the head.
//!
//! Unbounded, a push never fails `Full` and senders never wait. Bounded (the storage of capacities above
//! 65,536, see [`super::Storage::bounded`]), a newcomer push or reservation needs room: the values inside (its
//! tail word's position against the head) plus the reservations held (its count) stay within the capacity.
//! The head is read after a `SeqCst` fence and may be stale, which only overstates what is inside: a stale
//! `Full` is answered only if the tail word is unchanged, and a waiting sender's re-check (after its `WAITING`
//! bit is set in the head) reads the head that every later pop moves, as on the ring.
//!
//! # Blocks and positions
//!
//! Values live in heap blocks of `BLOCK_CAP` slots, linked oldest to newest. Positions count through blocks in
//! laps of `LAP = BLOCK_CAP + 1`: offsets `0..BLOCK_CAP` of a lap are slots, offset `BLOCK_CAP` is a sentinel
//! that no value uses. The push that claims a block's last slot moves the tail to the sentinel, installs the
//! next block, then moves the tail past the sentinel; the pop that claims the last slot does the same for the
//! head. Every other operation that finds its word at a sentinel waits for that move. A value's count
//! ([`List::len`]) counts positions, not sentinels.
//!
//! Each slot's `state` has three bits: `WRITE` (the push wrote the value), `READ` (the pop read it out) and
//! `DESTROY` (a pop is destroying the block and left this slot's reader to go on).
//!
//! # Words
//!
//! `head` and `tail` are *words*, each beside a pointer to the block its position is in:
//!
//! ```text
//!   | position ........ | count (COUNT_BITS) | CLOSED (tail) / HAS_NEXT (head) | QUEUED | WAITING |
//!     ONE_POSITION        COUNT_UNIT = 8       4        2        1
//! ```
//!
//! with 20 count bits on 64-bit targets (4 on 32-bit ones). Positions wrap with the word, which is sound
//! because `LAP` divides the number of positions (a power of two).
//! - `tail`'s count `r`: reservations held (permits). Unbounded, a newcomer push ignores it; bounded, it
//!   counts against the capacity; a push through a reservation drops it by one in the same compare-exchange
//!   that claims its position. Pops report `Closed` only once the tail is closed with `r == 0`: from then on
//!   it never moves.
//! - `head`'s count `g`: values *promised* to woken receivers. A newcomer pop needs a value beyond the `g`
//!   promised ones (pushes that claimed a position count) but still takes the oldest: promises are a count, so
//!   FIFO order is kept. A pop through a promise needs no check and drops `g` by one.
//! - `tail & CLOSED`, `tail & WAITING` (receivers wait), `head & WAITING` (senders wait), `tail & QUEUED` and
//!   `head & QUEUED` mean what they mean on the ring (unbounded, senders never wait, so their bits stay
//!   clear).
//!
//! Every compare-exchange compares the whole word, so it fails if a flag or a count changed meanwhile; the
//! move past a sentinel is a `fetch_add`, which keeps them.
//!
//! # Destroying blocks, and memory
//!
//! A block is destroyed once every value in it was read out (crossbeam's protocol): the pop of the last slot
//! walks the other slots; at one whose reader has not finished it sets `DESTROY` and leaves, and that reader,
//! seeing `DESTROY` when it sets `READ`, walks on from the next slot. Whoever finds no reader left owns the
//! block. Instead of freeing it, the owner keeps it as the one *spare* block (if there is none yet), which the
//! next block install reuses: a list drained and refilled in steady state does not allocate.
//!
//! So memory follows occupancy: with no operation in flight and `len` values inside, the list holds at most
//! `⌈len / BLOCK_CAP⌉ + 1` blocks on its chain plus one spare; a drained list holds at most two blocks. Each
//! operation in flight can add one more (a push that got the next block ready but lost the race to install
//! it, or a block whose last reader is still reading).

use std::alloc::{Layout, alloc};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use super::{By, HOLDER, NEWCOMER, Popped, Pushed};
use crate::error::{TryRecvError, TrySendError};
use crate::probe;
use crate::sync::{
    AtomicPtr, AtomicUsize, CachePadded, Ordering, UnsafeCell, backoff, contention_spin, fence,
};

/// Slots per block; tiny under the model checkers so that a few operations cross block boundaries.
#[cfg(not(any(loom, shuttle)))]
pub(crate) const BLOCK_CAP: usize = 31;
#[cfg(loom)]
pub(crate) const BLOCK_CAP: usize = 2;
#[cfg(all(shuttle, not(loom)))]
pub(crate) const BLOCK_CAP: usize = 3;

/// Positions per block: its slots and the sentinel.
const LAP: usize = BLOCK_CAP + 1;

// Positions wrap with the word: a lap must divide their number, or offsets would jump at the wrap. (The models'
// laps are not powers of two, but they never run long enough to wrap.)
#[cfg(not(any(loom, shuttle)))]
const _: () = assert!(LAP.is_power_of_two());

/// Set in a slot's state once its value is written.
const WRITE: usize = 1;
/// Set in a slot's state once its value is read out.
const READ: usize = 2;
/// Set in a slot's state by a pop destroying the block, which leaves the rest of the walk to this slot's reader.
const DESTROY: usize = 4;

/// Head: senders may be waiting. Tail: receivers may be waiting.
const WAITING: usize = 1;
/// Head: receivers are queued. Tail: senders are queued.
const QUEUED: usize = 2;
/// Tail only: the list is closed.
const CLOSED: usize = 4;
/// Head only (the same bit as the tail's `CLOSED`): the tail was seen in a later block, so every slot of the
/// head's block from its position on has a claimed value, and a pop with enough of them beyond the promised
/// ones need not read the tail (crossbeam's `HAS_NEXT`). Cleared when the head moves to the next block.
const HAS_NEXT: usize = 4;
/// Where the count field starts.
const COUNT_SHIFT: u32 = 3;
#[cfg(target_pointer_width = "64")]
const COUNT_BITS: u32 = 20;
#[cfg(not(target_pointer_width = "64"))]
const COUNT_BITS: u32 = 4;
/// One in the count field.
const COUNT_UNIT: usize = 1 << COUNT_SHIFT;
/// The largest count (reservations or promises) a word holds.
const COUNT_MAX: usize = (1 << COUNT_BITS) - 1;
/// Where the position starts.
const POSITION_SHIFT: u32 = COUNT_SHIFT + COUNT_BITS;
/// One position, in a word.
const ONE_POSITION: usize = 1 << POSITION_SHIFT;
/// The bits of a position once shifted down.
const POSITION_MASK: usize = usize::MAX >> POSITION_SHIFT;

struct Slot<T> {
    /// Initialised from the push's write (`WRITE` set after it) until the pop's read (`READ` set after it).
    value: UnsafeCell<MaybeUninit<T>>,
    /// `WRITE`, `READ` and `DESTROY` bits.
    state: AtomicUsize,
}

impl<T> Slot<T> {
    fn new() -> Self {
        Slot {
            value: UnsafeCell::new(MaybeUninit::uninit()),
            state: AtomicUsize::new(0),
        }
    }

    /// Waits until the push that claimed this slot has written its value.
    fn wait_write(&self) {
        let mut step = 0;
        // Acquire: pairs with the push's Release, so the value is visible before we read it.
        while self.state.load(Ordering::Acquire) & WRITE == 0 {
            probe::hit("list.reader_waited_for_a_write");
            backoff(step);
            step += 1;
        }
    }
}

struct Block<T> {
    /// The next block, once the push that claimed this block's last slot installed it.
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    /// Waits until the next block is installed and returns it.
    fn wait_next(&self) -> *mut Block<T> {
        let mut step = 0;
        loop {
            // Acquire: pairs with the installing push's Release, so the block's reset is visible.
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            probe::hit("list.reader_waited_for_the_next_block");
            backoff(step);
            step += 1;
        }
    }

    /// Makes a destroyed block empty again, for reuse.
    fn reset(&self) {
        // Relaxed: the block is ours alone; installing it publishes these stores (Release).
        self.next.store(ptr::null_mut(), Ordering::Relaxed);
        for slot in &self.slots {
            slot.state.store(0, Ordering::Relaxed);
        }
    }
}

/// One end of the list: its word and the block its position is in.
struct End<T> {
    /// Position | flags | count (see the module docs).
    word: AtomicUsize,
    /// The block of the word's position; changes, before the word moves past a sentinel, to the next block.
    block: AtomicPtr<Block<T>>,
}

pub(crate) struct List<T> {
    /// The bound on values inside plus reservations held; `None` when unbounded.
    capacity: Option<usize>,
    /// The next pop: `WAITING` (senders wait) | `QUEUED` (receivers queue) | `g`.
    head: CachePadded<End<T>>,
    /// The next push: `WAITING` (receivers wait) | `QUEUED` (senders queue) | `CLOSED` | `r`.
    tail: CachePadded<End<T>>,
    /// At most one destroyed block kept for the next install; null when there is none.
    spare: AtomicPtr<Block<T>>,
    /// Blocks allocated and not freed, the spare included.
    #[cfg(all(test, not(loom), not(shuttle)))]
    live_blocks: AtomicUsize,
    /// The list owns `T`s (for the drop check and the auto traits).
    _values: PhantomData<T>,
}

// SAFETY: the list owns its `T`s and hands each to exactly one thread (a slot's value goes to the single push
// and the single pop that won its position), so sending or sharing the list only moves `T`s between threads,
// which `T: Send` allows; the blocks are reached only through the list.
unsafe impl<T: Send> Send for List<T> {}
// SAFETY: as above; `&List` never gives out `&T`.
unsafe impl<T: Send> Sync for List<T> {}

fn position(word: usize) -> usize {
    word >> POSITION_SHIFT
}

/// The count field of a word (`r` of the tail, `g` of the head).
fn count(word: usize) -> usize {
    (word >> COUNT_SHIFT) & COUNT_MAX
}

/// Whether a tail word is closed with no reservation left: no value will ever be pushed again.
fn final_word(tail: usize) -> bool {
    tail & CLOSED != 0 && count(tail) == 0
}

/// How many values the positions from `head` up to (not including) `tail` hold: positions minus sentinels.
/// `head` must not be after `tail`.
fn values_between(head: usize, tail: usize) -> usize {
    /// The number of value positions before `position`, counted from the start of its lap 0.
    fn values_before(position: usize) -> usize {
        position / LAP * BLOCK_CAP + (position % LAP).min(BLOCK_CAP)
    }
    let distance = tail.wrapping_sub(head) & POSITION_MASK;
    let start = head % LAP;
    values_before(start + distance) - values_before(start)
}

/// The largest bound a list takes: positions (sentinels included) must stay far from wrapping the word.
pub(crate) const MAX_CAPACITY: usize = POSITION_MASK / 4;

impl<T> List<T> {
    /// Creates an empty unbounded list with its first block.
    ///
    /// # Panics
    /// If that block cannot be allocated.
    #[track_caller]
    pub(crate) fn new() -> Self {
        Self::with_capacity(None)
    }

    /// Creates an empty list that holds at most `capacity` values and reservations: a bounded queue whose
    /// memory follows occupancy.
    ///
    /// # Panics
    /// If `capacity` is 0 or above [`MAX_CAPACITY`].
    #[track_caller]
    pub(crate) fn bounded(capacity: usize) -> Self {
        assert!(
            (1..=MAX_CAPACITY).contains(&capacity),
            "tokio_mpmc: capacity {capacity} is too large"
        );
        Self::with_capacity(Some(capacity))
    }

    /// The bound, `None` when unbounded.
    pub(crate) fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    /// The most reservations one request can hold: the capacity, at most what the count field holds.
    pub(crate) fn max_reservation(&self) -> usize {
        self.capacity
            .map_or(COUNT_MAX, |capacity| capacity.min(COUNT_MAX))
    }

    #[track_caller]
    fn with_capacity(capacity: Option<usize>) -> Self {
        let list = List {
            capacity,
            head: CachePadded(End {
                word: AtomicUsize::new(0),
                block: AtomicPtr::new(ptr::null_mut()),
            }),
            tail: CachePadded(End {
                word: AtomicUsize::new(0),
                block: AtomicPtr::new(ptr::null_mut()),
            }),
            spare: AtomicPtr::new(ptr::null_mut()),
            #[cfg(all(test, not(loom), not(shuttle)))]
            live_blocks: AtomicUsize::new(0),
            _values: PhantomData,
        };
        let first = list.allocate_block();
        // Relaxed: nothing else can see the list yet; sharing it publishes the stores.
        list.head.block.store(first, Ordering::Relaxed);
        list.tail.block.store(first, Ordering::Relaxed);
        list
    }

    /// A new empty block on the heap (built in place: a block of large `T`s would not fit on the stack).
    ///
    /// # Panics
    /// If the block cannot be allocated (a huge `T`): a panic, not an abort, as the ring's.
    #[track_caller]
    fn allocate_block(&self) -> *mut Block<T> {
        let layout = Layout::new::<Block<T>>();
        // SAFETY: a block is never zero-sized (every slot has a state word).
        let raw = unsafe { alloc(layout) }.cast::<Block<T>>();
        if raw.is_null() {
            panic!(
                "tokio_mpmc: a block of {BLOCK_CAP} values ({} bytes) cannot be allocated",
                layout.size()
            );
        }
        // SAFETY: `raw` points to a fresh allocation of a block's layout, valid for writes and not yet shared;
        // each field is written exactly once (the slots one by one through a pointer to the array's first),
        // so the block is fully initialised afterwards, and `Box::from_raw` in `free_block` frees it with the
        // same layout.
        unsafe {
            (&raw mut (*raw).next).write(AtomicPtr::new(ptr::null_mut()));
            let slots = (&raw mut (*raw).slots).cast::<Slot<T>>();
            for index in 0..BLOCK_CAP {
                slots.add(index).write(Slot::new());
            }
        }
        #[cfg(all(test, not(loom), not(shuttle)))]
        self.live_blocks.fetch_add(1, Ordering::Relaxed);
        raw
    }

    /// Frees `block`.
    ///
    /// # Safety
    /// `block` came from [`List::allocate_block`] of this list, holds no initialised value, and no thread uses
    /// it or will: the caller owns it.
    unsafe fn free_block(&self, block: *mut Block<T>) {
        // SAFETY: the caller's contract; the slots' values are `MaybeUninit`, so nothing else is dropped.
        drop(unsafe { Box::from_raw(block) });
        #[cfg(all(test, not(loom), not(shuttle)))]
        self.live_blocks.fetch_sub(1, Ordering::Relaxed);
    }

    /// An empty block for the next install: the spare if there is one, else a new one.
    fn take_block(&self) -> *mut Block<T> {
        // Acquire: pairs with `recycle`'s Release, so every use of the block before it was destroyed happens
        // before our reset.
        let spare = self.spare.swap(ptr::null_mut(), Ordering::Acquire);
        if spare.is_null() {
            probe::hit("list.block_allocated");
            return self.allocate_block();
        }
        probe::hit("list.block_reused");
        // SAFETY: the swap took the spare out, so this thread alone owns it, and it is live (only owners free).
        unsafe { (*spare).reset() };
        spare
    }

    /// Keeps `block` as the spare, or frees it if there is one already.
    ///
    /// # Safety
    /// As [`List::free_block`]: the caller owns `block`, which holds no value and which no thread uses.
    unsafe fn recycle(&self, block: *mut Block<T>) {
        // Release: whoever takes the spare (Acquire) sees every use of the block as done. Relaxed on failure:
        // we keep the block and learn nothing.
        if self
            .spare
            .compare_exchange(ptr::null_mut(), block, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            // SAFETY: the caller's contract, and the spare slot did not take the block.
            unsafe { self.free_block(block) };
        }
    }

    /// Goes on destroying `block` from slot `start`: marks `DESTROY` on the first slot whose reader has not
    /// finished and leaves the rest to that reader, or, if every reader finished, recycles the block.
    ///
    /// # Safety
    /// Every position of `block` was claimed by a pop, and the caller is the thread the protocol hands the
    /// walk to: the reader of the last slot (`start == 0`), or the reader of slot `start - 1` that found
    /// `DESTROY` set when it set `READ`.
    unsafe fn destroy(&self, block: *mut Block<T>, start: usize) {
        // The last slot is not marked: its reader began this walk.
        for index in start..BLOCK_CAP - 1 {
            // SAFETY: the block is live: it is freed only at the end of this walk, which is ours now.
            let slot = unsafe { &(*block).slots[index] };
            // Acquire (AcqRel for the RMW): a reader's `READ` is stored after its read of the value (Release), so
            // seeing it orders that read before the block's reuse. Releasing `DESTROY` hands the walk so far to
            // the reader, who then goes on.
            if slot.state.load(Ordering::Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, Ordering::AcqRel) & READ == 0
            {
                probe::hit("list.destroy_walk_handed_to_a_reader");
                // That reader will see `DESTROY` and go on from the next slot.
                return;
            }
        }
        // SAFETY: every slot was read out and every reader is done with the block (their `READ` seen above, or
        // the walk handed over after it), and it is unreachable from the words: it is ours.
        unsafe { self.recycle(block) };
    }

    /// Whether `more` values or reservations fit beside those of the tail word `tail` (always, unbounded). A
    /// `false` is only sure while `tail` is the current word: the caller re-reads it before answering `Full`.
    fn has_room(&self, tail: usize, more: usize) -> bool {
        let Some(capacity) = self.capacity else {
            return true;
        };
        // SeqCst fence: do not read a `head` older than the stamps and words read before (as the ring's
        // `full_at`). A stale `head` only overstates what is inside: never room that is not there.
        fence(Ordering::SeqCst);
        let head = self.head.word.load(Ordering::Relaxed);
        let inside = values_between(position(head), position(tail));
        // A `head` past `tail` (which is then stale) reads as a huge distance: no room, and the caller retries.
        inside
            .checked_add(count(tail) + more)
            .is_some_and(|total| total <= capacity)
    }

    /// Whether the tail word is still `tail` (a bounded list's `Full` is answered only then).
    fn tail_is(&self, tail: usize) -> bool {
        // Relaxed: compared with the word the caller read; a change means retry.
        self.tail.word.load(Ordering::Relaxed) == tail
    }

    /// Pushes `value` as a newcomer: on a bounded list only into room beyond the values and reservations
    /// inside, and not while senders are queued. On success, tells whether receivers may be waiting
    /// (`tail & WAITING` was set).
    ///
    /// # Errors
    /// `Full(value)` on a bounded list without room (or with senders queued); `Closed(value)` once
    /// [`List::close`] was called.
    pub(crate) fn try_push(&self, value: T) -> Result<Pushed, TrySendError<T>> {
        self.push::<NEWCOMER>(value)
    }

    /// Pushes `value` through one reservation, which it uses up. With `refuse_closed`, a closed list refuses it
    /// (`Closed(value)`, the reservation kept for the caller to release); without, the push succeeds even after
    /// close (a permit never fails).
    pub(crate) fn push_reserved(
        &self,
        value: T,
        refuse_closed: bool,
    ) -> Result<Pushed, TrySendError<T>> {
        if refuse_closed && self.is_closed() {
            return Err(TrySendError::Closed(value));
        }
        self.push::<HOLDER>(value)
    }

    /// `BY`: [`NEWCOMER`] or [`HOLDER`].
    fn push<const BY: bool>(&self, value: T) -> Result<Pushed, TrySendError<T>> {
        let by = By::of(BY);
        let mut step = 0;
        let mut lost = 0;
        // Made ready before claiming a block's last slot; given back if the claim went elsewhere.
        let mut next_block: Option<*mut Block<T>> = None;
        // Acquire: pairs with the Release of the move past a sentinel, so the block loaded below is at least
        // the one this word's position is in.
        let mut tail = self.tail.word.load(Ordering::Acquire);
        let result = loop {
            let reserved = count(tail);
            let used = match by {
                By::Newcomer => {
                    if tail & CLOSED != 0 {
                        break Err(TrySendError::Closed(value));
                    }
                    if tail & QUEUED != 0 && self.capacity.is_some() {
                        // Senders are queued (they wait only on a bounded list): the room is theirs.
                        break Err(TrySendError::Full(value));
                    }
                    if !self.has_room(tail, 1) {
                        if self.tail_is(tail) {
                            break Err(TrySendError::Full(value));
                        }
                        // Acquire: as above.
                        tail = self.tail.word.load(Ordering::Acquire);
                        continue;
                    }
                    0
                }
                By::Holder => {
                    debug_assert!(reserved > 0, "a push through a reservation found none");
                    COUNT_UNIT
                }
            };
            let offset = position(tail) % LAP;
            if offset == BLOCK_CAP {
                probe::hit("list.push_waited_at_a_block_end");
                // The push that claimed the block's last slot is installing the next block.
                backoff(step);
                step += 1;
                // Acquire: as above.
                tail = self.tail.word.load(Ordering::Acquire);
                continue;
            }
            if offset + 1 == BLOCK_CAP && next_block.is_none() {
                // Ready before the claim, so that the others wait at the sentinel only briefly.
                next_block = Some(self.take_block());
            }
            // Acquire: pairs with the Release store of the installing push, so the block's reset is visible.
            let block = self.tail.block.load(Ordering::Acquire);
            // Keeps the flags and the rest of the count; the compare-exchange fails if any of them changed.
            let new_tail = (tail - used).wrapping_add(ONE_POSITION);
            // SeqCst, as crossbeam: totally ordered with the pops' compare-exchanges and the fences before their
            // reads of `tail`. Acquire on failure: the word read then is used as the one loaded above.
            match self.tail.word.compare_exchange_weak(
                tail,
                new_tail,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if offset + 1 == BLOCK_CAP {
                        probe::hit("list.push_installed_the_next_block");
                        let next = next_block
                            .take()
                            .expect("the next block is made ready before claiming the last slot");
                        // Before the word moves on: a push that sees the next block's positions sees it.
                        self.tail.block.store(next, Ordering::Release);
                        // Release: publishes the block store above (and the block's reset) to the pushes that
                        // load the word with Acquire. A `fetch_add`, not a store: flags and the count may have
                        // changed while the word sat at the sentinel.
                        self.tail.word.fetch_add(ONE_POSITION, Ordering::Release);
                        // SAFETY: `block` is the block of the position we claimed (see the Acquire loads above),
                        // and it lives until its last value, ours included, is read out.
                        unsafe { (*block).next.store(next, Ordering::Release) };
                    }
                    // SAFETY: as above, `block` is live.
                    let slot = unsafe { &(*block).slots[offset] };
                    // SAFETY: winning the compare-exchange at this position makes this thread the slot's only
                    // writer, and its pop waits for `WRITE` below before reading; the slot is uninitialised
                    // (a fresh or reset block, and each slot is used once per block life).
                    slot.value.with_mut(|cell| unsafe { (*cell).write(value) });
                    // Release: the value is written before a pop can see `WRITE`.
                    slot.state.fetch_or(WRITE, Ordering::Release);
                    break Ok(if tail & WAITING != 0 {
                        Pushed::ReceiversWaiting
                    } else if offset + 1 == BLOCK_CAP {
                        Pushed::EndOfLap
                    } else {
                        Pushed::Quiet
                    });
                }
                Err(current) => {
                    // Lost to another push: let the winner's line settle before reading it again.
                    contention_spin(&mut lost);
                    tail = current;
                }
            }
        };
        if let Some(unused) = next_block {
            // SAFETY: the block came from `take_block` and was never installed: this thread owns it, empty.
            unsafe { self.recycle(unused) };
        }
        result
    }

    /// Reserves `count` slots (permits) as a newcomer: on a bounded list only with room for them beside the
    /// values and reservations inside, and not while senders are queued; always on an unbounded one.
    ///
    /// # Errors
    /// `Full(())` on a bounded list without room (or with senders queued); `Closed(())` once the list is
    /// closed.
    ///
    /// More than `COUNT_MAX` reservations (2^20 - 1 on 64-bit targets, 15 on 32-bit) held at once are `Full`
    /// too, until some are released; a single request beyond [`List::max_reservation`] is refused before.
    pub(crate) fn try_reserve(&self, count: usize) -> Result<(), TrySendError<()>> {
        self.reserve(count, By::Newcomer)
    }

    /// Reserves one slot for the oldest queued sender (the caller serves the queue, so `QUEUED` does not stop
    /// it). Returns whether there was room (always, unless closed, on an unbounded list).
    pub(crate) fn reserve_for_queued(&self) -> bool {
        self.reserve(1, By::Holder).is_ok()
    }

    fn reserve(&self, count: usize, by: By) -> Result<(), TrySendError<()>> {
        debug_assert!(count > 0, "reserved nothing");
        // Relaxed: only a guess, checked by the compare-exchange; no block is touched.
        let mut tail = self.tail.word.load(Ordering::Relaxed);
        loop {
            if tail & CLOSED != 0 {
                return Err(TrySendError::Closed(()));
            }
            if by == By::Newcomer && tail & QUEUED != 0 && self.capacity.is_some() {
                return Err(TrySendError::Full(()));
            }
            if !self.has_room(tail, count) {
                if self.tail_is(tail) {
                    return Err(TrySendError::Full(()));
                }
                // Relaxed: as above.
                tail = self.tail.word.load(Ordering::Relaxed);
                continue;
            }
            debug_assert!(
                count <= COUNT_MAX,
                "larger requests fail before (`max_reservation`)"
            );
            if self::count(tail) + count > COUNT_MAX {
                // The count field is full for now, as the room would be: `Full` until some are released.
                return Err(TrySendError::Full(()));
            }
            // SeqCst: as `push`.
            match self.tail.word.compare_exchange_weak(
                tail,
                tail + count * COUNT_UNIT,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(current) => tail = current,
            }
        }
    }

    /// Releases `count` reservations that will not be pushed through. Returns whether that left a closed list
    /// final while receivers were waiting: they must be woken to see `Closed`.
    pub(crate) fn release(&self, count: usize) -> bool {
        // SeqCst: as `push`; the caller then serves the waiters under their lock (see the ring's `release`).
        let before = self
            .tail
            .word
            .fetch_sub(count * COUNT_UNIT, Ordering::SeqCst);
        debug_assert!(
            self::count(before) >= count,
            "released more than was reserved"
        );
        final_word(before - count * COUNT_UNIT) && before & WAITING != 0
    }

    /// Pops the oldest value as a newcomer: only if a value beyond the promised ones is inside (its push has
    /// claimed its position) and no receivers are queued. On success, tells whether senders may be waiting
    /// (`head & WAITING` was set).
    ///
    /// # Errors
    /// `Empty` when there is no such value and the list is open, still has reservations or holds promised
    /// values; `Closed` when it is empty and closed with no reservation left, which is final.
    pub(crate) fn try_pop(&self) -> Result<Popped<T>, TryRecvError> {
        self.pop::<NEWCOMER>()
    }

    /// Pops the oldest value through one promise, which it uses up. Never fails: the promised value is inside,
    /// or its push is under way.
    pub(crate) fn pop_promised(&self) -> Popped<T> {
        match self.pop::<HOLDER>() {
            Ok(popped) => popped,
            Err(_) => unreachable!("a promised value is always there"),
        }
    }

    /// `BY`: [`NEWCOMER`] or [`HOLDER`].
    fn pop<const BY: bool>(&self) -> Result<Popped<T>, TryRecvError> {
        let by = By::of(BY);
        let mut step = 0;
        let mut lost = 0;
        // Acquire: pairs with the Release of the move past a sentinel, so the block loaded below is at least
        // the one this word's position is in.
        let mut head = self.head.word.load(Ordering::Acquire);
        loop {
            let offset = position(head) % LAP;
            if offset == BLOCK_CAP {
                probe::hit("list.pop_waited_at_a_block_end");
                // The pop that claimed the block's last slot is moving the head to the next block.
                backoff(step);
                step += 1;
                // Acquire: as above.
                head = self.head.word.load(Ordering::Acquire);
                continue;
            }
            let promised = count(head);
            let mut has_next = head & HAS_NEXT;
            let used = match by {
                // With the tail in a later block, the rest of this block is claimed: enough beyond the promised
                // values, without reading the tail.
                By::Newcomer
                    if head & QUEUED == 0 && has_next != 0 && BLOCK_CAP - offset > promised =>
                {
                    0
                }
                By::Newcomer => {
                    // SeqCst fence: do not read a `tail` older than the `head` just read (crossbeam's
                    // argument), or a value could seem missing, or present past the end.
                    fence(Ordering::SeqCst);
                    let tail = self.tail.word.load(Ordering::Relaxed);
                    let inside = values_between(position(head), position(tail));
                    // Queued receivers own what is inside; otherwise a value beyond the promised ones is needed.
                    if head & QUEUED != 0 || inside <= promised {
                        // `Closed` means drained: promised values or reservations left make this `Empty`.
                        return Err(if final_word(tail) && inside == 0 {
                            TryRecvError::Closed
                        } else {
                            TryRecvError::Empty
                        });
                    }
                    if position(tail) / LAP != position(head) / LAP {
                        has_next = HAS_NEXT;
                    }
                    0
                }
                By::Holder => {
                    debug_assert!(promised > 0, "a pop through a promise found none");
                    COUNT_UNIT
                }
            };
            // Acquire: pairs with the Release store of the pop that moved the head to this block.
            let block = self.head.block.load(Ordering::Acquire);
            // Keeps the flags and the rest of the count; the compare-exchange fails if any of them changed.
            // `HAS_NEXT` is learned, kept, or (moving to the sentinel, so that the next block starts without
            // it) cleared.
            let last = offset + 1 == BLOCK_CAP;
            let has_next = if last { 0 } else { has_next };
            let new_head = ((head & !HAS_NEXT | has_next) - used).wrapping_add(ONE_POSITION);
            // SeqCst: see `push`. Acquire on failure: as the loads above.
            match self.head.word.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if last {
                        probe::hit("list.pop_moved_to_the_next_block");
                        // SAFETY: `block` is the block of the position we claimed (see the Acquire loads
                        // above); it lives at least until our value is read out, which only we do.
                        let next = unsafe { (*block).wait_next() };
                        self.head.block.store(next, Ordering::Release);
                        // Release: publishes the store above to the pops that load the word with Acquire. A
                        // `fetch_add`: flags and the count may have changed while the word sat at the sentinel.
                        self.head.word.fetch_add(ONE_POSITION, Ordering::Release);
                    }
                    // SAFETY: as above, `block` is live.
                    let slot = unsafe { &(*block).slots[offset] };
                    // Our position was claimed by a push (checked against `tail`, or by the promise); it may
                    // still be writing.
                    slot.wait_write();
                    // SAFETY: winning the compare-exchange at this position makes this thread the only reader of
                    // the value its push initialised and published (`WRITE`, seen with Acquire); it is read
                    // exactly once, as `READ` or the destroy walk below hand the slot over.
                    let value = slot
                        .value
                        .with(|cell| unsafe { (*cell).assume_init_read() });
                    if last {
                        // SAFETY: every position of the block was claimed (ours was its last), and the reader of
                        // the last slot starts the walk.
                        unsafe { self.destroy(block, 0) };
                    } else if slot.state.fetch_or(READ, Ordering::AcqRel) & DESTROY != 0 {
                        probe::hit("list.reader_took_over_the_destroy_walk");
                        // AcqRel: Release orders our read before the block's reuse; Acquire takes over the walk.
                        // SAFETY: a pop found our slot unread and set `DESTROY`: the walk is ours from the next
                        // slot, and every position was claimed (the last slot's pop started the walk).
                        unsafe { self.destroy(block, offset + 1) };
                    }
                    return Ok(if head & WAITING != 0 {
                        Popped::SendersWaiting(value)
                    } else if last {
                        Popped::EndOfLap(value)
                    } else {
                        Popped::Quiet(value)
                    });
                }
                Err(current) => {
                    // Lost to another pop: as in `push`.
                    contention_spin(&mut lost);
                    head = current;
                }
            }
        }
    }

    /// Promises the oldest unpromised value to a queued receiver (the caller serves the queue). Returns whether
    /// there was one, written or with its push under way (`false` too if `COUNT_MAX` promises are held).
    pub(crate) fn promise(&self) -> bool {
        // Relaxed: only a guess, checked by the compare-exchange; no block is touched.
        let mut head = self.head.word.load(Ordering::Relaxed);
        loop {
            let promised = count(head);
            if promised == COUNT_MAX {
                return false;
            }
            // SeqCst fence: as in `pop`.
            fence(Ordering::SeqCst);
            let tail = self.tail.word.load(Ordering::Relaxed);
            if values_between(position(head), position(tail)) <= promised {
                return false;
            }
            // SeqCst: see `push`.
            match self.head.word.compare_exchange_weak(
                head,
                head + COUNT_UNIT,
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
            .word
            .fetch_sub(count * COUNT_UNIT, Ordering::SeqCst);
        debug_assert!(
            self::count(before) >= count,
            "released more than was promised"
        );
    }

    /// Closes the list; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        // Relaxed: pushes observe CLOSED through the coherence of `tail` (their compare-exchange fails), and
        // the waiter lists order the wake-ups that follow with their lock.
        self.tail.word.fetch_or(CLOSED, Ordering::Relaxed) & CLOSED == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        // Relaxed: a snapshot; pushes see CLOSED through their compare-exchange on `tail`.
        self.tail.word.load(Ordering::Relaxed) & CLOSED != 0
    }

    /// Whether the list is closed with no reservation left: no value will ever be pushed again.
    pub(crate) fn is_final(&self) -> bool {
        // Relaxed: a snapshot; the caller acting on it read the word that made it final in its own thread, or
        // serves under the receivers' lock after the one that did.
        final_word(self.tail.word.load(Ordering::Relaxed))
    }

    /// Whether `count` more reservations would overflow the count field (`COUNT_MAX` held at once): such a
    /// request waits for a release, not for room.
    pub(crate) fn reservations_over_limit(&self, count: usize) -> bool {
        // Relaxed: a snapshot, read by a waiter under its list's lock to tell why it failed.
        self::count(self.tail.word.load(Ordering::Relaxed)) + count > COUNT_MAX
    }

    /// Marks that senders may be waiting. Call with the senders' waiter-list lock held.
    pub(crate) fn set_senders_waiting(&self) {
        // Relaxed: a pop that later moves `head` reads the bit by coherence, and any pop that moved it earlier
        // is seen by the caller's re-check (a load of `head` after this read-modify-write of it).
        self.head.word.fetch_or(WAITING, Ordering::Relaxed);
    }

    /// Sets or clears the senders' `QUEUED` bit. Call with the senders' lock held. (Senders never wait on an
    /// unbounded list, so no push gives way to it.)
    pub(crate) fn set_senders_queued(&self, queued: bool) {
        // Relaxed: the lock orders the changes.
        if queued {
            self.tail.word.fetch_or(QUEUED, Ordering::Relaxed);
        } else {
            self.tail.word.fetch_and(!QUEUED, Ordering::Relaxed);
        }
    }

    /// Clears the senders' `WAITING` bit. Call with the senders' lock held, the list empty or a notification
    /// out.
    pub(crate) fn clear_senders_waiting(&self) {
        // Release: what the list did under the lock before (grants) is visible to whoever reads the bit clear
        // with `senders_waiting`; the lock orders this with every `set_senders_waiting`.
        self.head.word.fetch_and(!WAITING, Ordering::Release);
    }

    /// Whether the senders' `WAITING` bit is set.
    pub(crate) fn senders_waiting(&self) -> bool {
        // Acquire: pairs with `clear_senders_waiting`.
        self.head.word.load(Ordering::Acquire) & WAITING != 0
    }

    /// Marks that receivers may be waiting. Call with the receivers' waiter-list lock held.
    pub(crate) fn set_receivers_waiting(&self) {
        // Relaxed: as `set_senders_waiting`, with pushes and `tail`.
        self.tail.word.fetch_or(WAITING, Ordering::Relaxed);
    }

    /// Sets or clears the receivers' `QUEUED` bit (newcomer pops give way while it is set). Call with the
    /// receivers' lock held.
    pub(crate) fn set_receivers_queued(&self, queued: bool) {
        // Relaxed: newcomers read it by the coherence of `head`, the lock orders the changes.
        if queued {
            self.head.word.fetch_or(QUEUED, Ordering::Relaxed);
        } else {
            self.head.word.fetch_and(!QUEUED, Ordering::Relaxed);
        }
    }

    /// Clears the receivers' `WAITING` bit. Call with the receivers' lock held, the list empty or a notification
    /// out.
    pub(crate) fn clear_receivers_waiting(&self) {
        // Release: as `clear_senders_waiting`.
        self.tail.word.fetch_and(!WAITING, Ordering::Release);
    }

    /// Whether the receivers' `WAITING` bit is set.
    pub(crate) fn receivers_waiting(&self) -> bool {
        // Acquire: pairs with `clear_receivers_waiting`.
        self.tail.word.load(Ordering::Acquire) & WAITING != 0
    }

    /// The number of values inside (pushes that claimed a position and whose value is not popped yet): a
    /// consistent snapshot, even while racing.
    /// Slots reserved (permits held, grants not yet used): a snapshot.
    pub(crate) fn reserved(&self) -> usize {
        // Relaxed: a snapshot, for a wake-up that may go on.
        count(self.tail.word.load(Ordering::Relaxed))
    }

    /// Values promised to receivers and not yet taken: a snapshot.
    pub(crate) fn promised(&self) -> usize {
        // Relaxed: a snapshot, for a wake-up that may go on.
        count(self.head.word.load(Ordering::Relaxed))
    }

    pub(crate) fn len(&self) -> usize {
        loop {
            // Acquire on both words: a `head` read here was moved past a position by a pop that saw the tail
            // beyond it, so the re-read of `tail` sees at least that tail: the head is never past the tail.
            let tail = self.tail.word.load(Ordering::Acquire);
            let head = self.head.word.load(Ordering::Acquire);
            // `tail` unchanged across the read of `head` (positions only grow): both held at that instant.
            if self.tail.word.load(Ordering::Acquire) == tail {
                return values_between(position(head), position(tail));
            }
        }
    }

    /// Blocks allocated and not freed, the spare included.
    #[cfg(all(test, not(loom), not(shuttle)))]
    fn live_blocks(&self) -> usize {
        self.live_blocks.load(Ordering::Relaxed)
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can reach the list, no operation is in flight (so neither word sits at a
        // sentinel), and Relaxed loads are exact.
        let spare = self.spare.swap(ptr::null_mut(), Ordering::Relaxed);
        if !spare.is_null() {
            // SAFETY: the spare is an empty block that only the list owns.
            unsafe { self.free_block(spare) };
        }
        let head = position(self.head.word.load(Ordering::Relaxed));
        let tail = position(self.tail.word.load(Ordering::Relaxed));
        let block = self.head.block.load(Ordering::Relaxed);
        // SAFETY: `block` is the head's block; the positions from `head` to `tail` hold the values pushed and
        // never popped, through the chain of blocks from it, which only the list owns; the blocks before it
        // were destroyed.
        let mut values = unsafe { Inside::new(self, block, head, tail) };
        values.drop_each();
    }
}

/// The values and blocks still inside a list being dropped. If one value's `Drop` panics, unwinding drops this
/// guard, which goes on dropping the rest (as `Vec` does): none leaks, none is dropped twice, every block is
/// freed once.
struct Inside<'a, T> {
    list: &'a List<T>,
    /// The block of `next`; null once freed.
    block: *mut Block<T>,
    /// The position of the next value to drop (or sentinel to pass).
    next: usize,
    /// The tail's position: where the values end.
    end: usize,
}

impl<'a, T> Inside<'a, T> {
    /// # Safety
    /// `block` must be the block of position `next`, and the positions from `next` up to `end`, through the
    /// chain of blocks from `block` (linked at each sentinel), must hold initialised values that nothing else
    /// will read or drop; the chain's blocks must be owned by the caller alone. The guard drops each value
    /// exactly once and frees each block, `end`'s included.
    unsafe fn new(list: &'a List<T>, block: *mut Block<T>, next: usize, end: usize) -> Self {
        Inside {
            list,
            block,
            next,
            end,
        }
    }

    fn drop_each(&mut self) {
        while !self.block.is_null() {
            if self.next == self.end {
                // Null first: a second call (from the guard's `Drop`) then finds nothing to free.
                let last = std::mem::replace(&mut self.block, ptr::null_mut());
                // SAFETY: `new`'s contract: the block of `end` is ours, and its values before `end` were
                // dropped already (no value is at or after `end`).
                unsafe { self.list.free_block(last) };
                return;
            }
            let offset = self.next % LAP;
            // Advance first: if this value's drop panics, the guard resumes with the next one.
            self.next = (self.next + 1) & POSITION_MASK;
            if offset < BLOCK_CAP {
                // SAFETY: `new`'s contract: the block is live and this slot holds an initialised value that
                // only this guard drops; `next` moved past it before the drop, so it is never dropped again.
                unsafe {
                    (*self.block).slots[offset]
                        .value
                        .with_mut(|cell| (*cell).assume_init_drop());
                }
            } else {
                // The sentinel: every value of this block is dropped; go on to the next block, then free this one.
                // SAFETY: `new`'s contract: the block is live and linked to the next.
                let next_block = unsafe { (*self.block).next.load(Ordering::Relaxed) };
                let done = std::mem::replace(&mut self.block, next_block);
                // SAFETY: `new`'s contract: the block is ours and holds no value any more.
                unsafe { self.list.free_block(done) };
            }
        }
    }
}

impl<T> Drop for Inside<'_, T> {
    fn drop(&mut self) {
        // Reached with something left only while unwinding from a value's panicking `Drop`.
        self.drop_each();
    }
}

#[cfg(all(test, not(loom), not(shuttle)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Fewer values under Miri, which runs each operation thousands of times slower.
    const MANY: usize = if cfg!(miri) { 200 } else { 10_000 };

    /// The value a pop took, whatever it learned about waiting senders.
    fn value_of<T>(popped: Popped<T>) -> T {
        match popped {
            Popped::Quiet(value) | Popped::EndOfLap(value) | Popped::SendersWaiting(value) => value,
        }
    }

    #[test]
    fn pops_in_fifo_order_across_many_blocks() {
        let list = List::new();
        let count = if cfg!(miri) { 100 } else { 1000 };
        for value in 0..count {
            let lap_ended = value % BLOCK_CAP == BLOCK_CAP - 1;
            let expected = if lap_ended {
                Pushed::EndOfLap
            } else {
                Pushed::Quiet
            };
            assert_eq!(list.try_push(value).ok(), Some(expected));
        }
        assert_eq!(list.len(), count);
        for value in 0..count {
            let lap_ended = value % BLOCK_CAP == BLOCK_CAP - 1;
            let expected = if lap_ended {
                Popped::EndOfLap(value)
            } else {
                Popped::Quiet(value)
            };
            assert_eq!(list.try_pop().ok(), Some(expected));
            assert_eq!(list.len(), count - value - 1);
        }
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
    }

    #[test]
    fn interleaved_pushes_and_pops_cross_block_boundaries() {
        let list = List::new();
        let mut next_in = 0;
        let mut next_out = 0;
        // Occupancies around a block's size, so both words cross sentinels at every distance from each other.
        for batch in [
            1,
            2,
            BLOCK_CAP - 1,
            BLOCK_CAP,
            BLOCK_CAP + 1,
            2 * BLOCK_CAP + 3,
        ] {
            for _ in 0..3 {
                for _ in 0..batch {
                    list.try_push(next_in).unwrap();
                    next_in += 1;
                }
                assert_eq!(list.len(), next_in - next_out);
                for _ in 0..batch - 1 {
                    assert_eq!(list.try_pop().map(value_of), Ok(next_out));
                    next_out += 1;
                }
            }
        }
        while let Ok(popped) = list.try_pop() {
            assert_eq!(value_of(popped), next_out);
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn close_refuses_pushes_and_drains_to_closed() {
        let list = List::new();
        list.try_push(1).unwrap();
        assert!(!list.is_closed());
        assert!(list.close());
        assert!(!list.close());
        assert!(list.is_closed());
        assert!(matches!(list.try_push(2), Err(TrySendError::Closed(2))));
        assert_eq!(list.try_reserve(1), Err(TrySendError::Closed(())));
        assert!(!list.reserve_for_queued());
        assert_eq!(list.try_pop().map(value_of), Ok(1));
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Closed));
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Closed));
    }

    #[test]
    fn reservations_outlive_close_and_hold_off_closed() {
        let list = List::new();
        list.try_reserve(2).unwrap();
        assert!(list.reserve_for_queued());
        assert!(list.close());
        assert!(!list.is_final());
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
        list.push_reserved(7, false).unwrap();
        assert!(matches!(
            list.push_reserved(8, true),
            Err(TrySendError::Closed(8))
        ));
        assert_eq!(list.try_pop().map(value_of), Ok(7));
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
        assert!(!list.release(1));
        assert!(!list.is_final());
        list.set_receivers_waiting();
        // The last reservation released with receivers waiting: they must be woken to see `Closed`.
        assert!(list.release(1));
        assert!(list.is_final());
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Closed));
    }

    #[test]
    fn release_reports_only_a_final_close_with_receivers_waiting() {
        let list = List::<u8>::new();
        list.try_reserve(3).unwrap();
        list.set_receivers_waiting();
        assert!(!list.release(1), "open");
        list.clear_receivers_waiting();
        list.close();
        assert!(!list.release(1), "closed and final, but no receiver waits");
        list.try_reserve(1).unwrap_err();
        list.set_receivers_waiting();
        assert!(list.release(1), "closed, final, receivers waiting");
    }

    #[test]
    fn reserved_pushes_flow_across_blocks() {
        let list = List::new();
        for value in 0..3 * LAP {
            list.try_reserve(1).unwrap();
            list.try_push(value * 10).unwrap();
            list.push_reserved(value * 10 + 1, false).unwrap();
        }
        for value in 0..3 * LAP {
            assert_eq!(list.try_pop().map(value_of), Ok(value * 10));
            assert_eq!(list.try_pop().map(value_of), Ok(value * 10 + 1));
        }
        assert!(!list.release(0));
    }

    #[test]
    fn a_bounded_list_holds_values_plus_reservations_up_to_its_capacity() {
        let list = List::bounded(40);
        for value in 0..39 {
            list.try_push(value).unwrap();
        }
        list.try_reserve(1).unwrap();
        assert!(matches!(list.try_push(99), Err(TrySendError::Full(99))));
        assert_eq!(list.try_reserve(1), Err(TrySendError::Full(())));
        // A reservation counts until it is used or released; the value pushed through it is the 40th.
        list.push_reserved(39, false).unwrap();
        assert_eq!(list.len(), 40);
        assert!(matches!(list.try_push(99), Err(TrySendError::Full(99))));
        assert_eq!(value_of(list.try_pop().unwrap()), 0);
        list.try_push(40).unwrap();
        // Queued senders (hand-off) take the room before newcomers; the serving side still reserves it.
        assert_eq!(value_of(list.try_pop().unwrap()), 1);
        list.set_senders_queued(true);
        assert!(matches!(list.try_push(98), Err(TrySendError::Full(98))));
        assert!(list.reserve_for_queued());
        assert!(!list.reserve_for_queued(), "no room left");
        list.set_senders_queued(false);
        list.push_reserved(41, false).unwrap();
        for value in 2..=41 {
            assert_eq!(value_of(list.try_pop().unwrap()), value);
        }
        assert_eq!(list.try_pop(), Err(TryRecvError::Empty));
    }

    #[test]
    fn permits_beyond_the_count_field_are_full_until_some_are_released() {
        let list = List::<u8>::new();
        assert_eq!(list.max_reservation(), COUNT_MAX);
        list.try_reserve(COUNT_MAX).unwrap();
        assert_eq!(list.try_reserve(1), Err(TrySendError::Full(())));
        // Pushes do not count against the field.
        list.try_push(1).unwrap();
        assert!(!list.release(1));
        list.try_reserve(1).unwrap();
        assert_eq!(List::<u8>::bounded(3).max_reservation(), 3);
    }

    #[test]
    fn promises_leave_the_oldest_to_newcomers_and_count_in_order() {
        let list = List::new();
        assert!(!list.promise(), "nothing to promise");
        list.try_push(1).unwrap();
        assert!(list.promise());
        assert!(!list.promise(), "the one value is promised already");
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
        assert_eq!(value_of(list.pop_promised()), 1);

        list.try_push(2).unwrap();
        list.try_push(3).unwrap();
        assert!(list.promise());
        // One value beyond the promised one: a newcomer takes the oldest, the holder the next.
        assert_eq!(list.try_pop().map(value_of), Ok(2));
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
        list.try_push(4).unwrap();
        assert!(list.close());
        assert_eq!(value_of(list.pop_promised()), 3);
        // A promise given back leaves the value to newcomers again.
        assert!(list.promise());
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
        list.release_promises(1);
        assert_eq!(list.try_pop().map(value_of), Ok(4));
        assert!(!list.promise());
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Closed));
    }

    #[test]
    fn promises_cross_block_boundaries() {
        let list = List::new();
        for value in 0..4 * LAP {
            list.try_reserve(1).unwrap();
            list.push_reserved(value, false).unwrap();
            assert!(list.promise());
            assert_eq!(value_of(list.pop_promised()), value);
        }
        // Many promises at once, spanning blocks.
        for value in 0..2 * LAP {
            list.try_push(value).unwrap();
        }
        for _ in 0..2 * LAP {
            assert!(list.promise());
        }
        assert!(!list.promise());
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
        for value in 0..2 * LAP {
            assert_eq!(value_of(list.pop_promised()), value);
        }
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn waiting_bits_are_reported_and_do_not_disturb_positions() {
        let list = List::new();
        list.set_receivers_waiting();
        assert!(list.receivers_waiting());
        assert_eq!(list.try_push(1).ok(), Some(Pushed::ReceiversWaiting));
        list.clear_receivers_waiting();
        assert!(!list.receivers_waiting());
        assert_eq!(list.try_push(2).ok(), Some(Pushed::Quiet));
        list.set_senders_waiting();
        assert!(list.senders_waiting());
        list.set_senders_queued(true);
        // Senders never wait on an unbounded list: their `QUEUED` bit stops no push.
        list.try_push(3).unwrap();
        list.set_senders_queued(false);
        assert_eq!(list.len(), 3);
        assert_eq!(list.try_pop().ok(), Some(Popped::SendersWaiting(1)));
        list.clear_senders_waiting();
        assert!(!list.senders_waiting());
        assert_eq!(list.try_pop().ok(), Some(Popped::Quiet(2)));
        assert_eq!(list.try_pop().ok(), Some(Popped::Quiet(3)));
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn the_bits_survive_the_move_past_a_sentinel() {
        let list = List::new();
        list.set_receivers_waiting();
        list.set_senders_waiting();
        list.try_reserve(2).unwrap();
        for value in 0..2 * LAP {
            assert_eq!(list.try_push(value).ok(), Some(Pushed::ReceiversWaiting));
        }
        for value in 0..2 * LAP {
            assert_eq!(list.try_pop().ok(), Some(Popped::SendersWaiting(value)));
        }
        assert!(list.receivers_waiting() && list.senders_waiting());
        list.close();
        assert!(!list.is_final(), "the two reservations are still held");
        assert!(list.release(2));
    }

    #[test]
    fn queued_receivers_make_newcomer_pops_empty() {
        let list = List::new();
        list.try_push(1).unwrap();
        list.set_receivers_queued(true);
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Empty));
        // The queue is served through promises.
        assert!(list.promise());
        assert_eq!(value_of(list.pop_promised()), 1);
        list.close();
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Closed));
        list.set_receivers_queued(false);
        assert_eq!(list.try_pop().map(value_of), Err(TryRecvError::Closed));
    }

    #[test]
    fn drop_drops_each_remaining_value_once() {
        let token = Arc::new(());
        let list = List::new();
        for _ in 0..2 * LAP + 1 {
            list.try_push(Arc::clone(&token)).unwrap();
            drop(list.try_pop().unwrap());
        }
        for _ in 0..3 * LAP {
            list.try_push(Arc::clone(&token)).unwrap();
        }
        assert_eq!(Arc::strong_count(&token), 3 * LAP + 1);
        drop(list);
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn a_panicking_drop_does_not_stop_the_others() {
        /// Counts its drops; the one marked panics in its `Drop`.
        struct Noisy {
            drops: Arc<AtomicUsize>,
            panics: bool,
        }
        impl Drop for Noisy {
            fn drop(&mut self) {
                self.drops.fetch_add(1, Ordering::Relaxed);
                assert!(!self.panics, "this value's drop panics");
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let list = List::new();
        let count = 2 * LAP + 5;
        for index in 0..count {
            let noisy = Noisy {
                drops: Arc::clone(&drops),
                panics: index == BLOCK_CAP - 1,
            };
            list.try_push(noisy)
                .unwrap_or_else(|_| unreachable!("open"));
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(list)));
        assert!(outcome.is_err(), "the panic reaches the dropper");
        assert_eq!(drops.load(Ordering::Relaxed), count);
    }

    #[test]
    fn memory_follows_occupancy() {
        let list = List::new();
        assert_eq!(list.live_blocks(), 1);
        for value in 0..MANY {
            list.try_push(value).unwrap();
        }
        assert!(list.live_blocks() >= MANY / BLOCK_CAP);
        for value in 0..MANY {
            assert_eq!(list.try_pop().map(value_of), Ok(value));
        }
        // A drained list holds its current block and at most one spare.
        assert!(list.live_blocks() <= 2, "{} blocks", list.live_blocks());
        // Steady state reuses the spare: no more blocks, whatever the traffic.
        for value in 0..MANY {
            list.try_push(value).unwrap();
            list.try_push(value).unwrap();
            list.try_pop().unwrap();
            list.try_pop().unwrap();
            assert!(list.live_blocks() <= 2, "{} blocks", list.live_blocks());
        }
    }

    #[test]
    fn two_producers_two_consumers_every_value_once_in_producer_order() {
        const PRODUCERS: usize = 2;
        const CONSUMERS: usize = 2;
        let per_producer = if cfg!(miri) { 300 } else { 20_000 };
        let list = Arc::new(List::new());
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|producer| {
                let list = Arc::clone(&list);
                std::thread::spawn(move || {
                    for sequence in 0..per_producer {
                        list.try_push((producer, sequence))
                            .unwrap_or_else(|_| unreachable!("never closed while producing"));
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let list = Arc::clone(&list);
                std::thread::spawn(move || {
                    let mut received = Vec::new();
                    let mut last = [None; PRODUCERS];
                    loop {
                        match list.try_pop() {
                            Ok(popped) => {
                                let (producer, sequence) = value_of(popped);
                                // One consumer sees each producer's values in the order they were sent.
                                assert!(last[producer] < Some(sequence), "FIFO per producer");
                                last[producer] = Some(sequence);
                                received.push((producer, sequence));
                            }
                            Err(TryRecvError::Empty) => std::thread::yield_now(),
                            Err(TryRecvError::Closed) => return received,
                        }
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.join().expect("a producer panicked");
        }
        list.close();
        let mut all: Vec<_> = consumers
            .into_iter()
            .flat_map(|consumer| consumer.join().expect("a consumer panicked"))
            .collect();
        all.sort_unstable();
        let expected: Vec<_> = (0..PRODUCERS)
            .flat_map(|producer| (0..per_producer).map(move |sequence| (producer, sequence)))
            .collect();
        assert_eq!(all, expected);
        assert!(list.live_blocks() <= 2, "{} blocks", list.live_blocks());
    }
}
