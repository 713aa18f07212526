//! The waiter protocol: a FIFO list of tasks blocked on one side of the queue (senders or receivers).
//!
//! A waiting future holds a [`WaiterId`]. While its node is in the list it is *waiting*. Whoever makes room
//! (a free slot, a value) **serves** the list, in one of two modes:
//! - *notify* (normal): the oldest waiter is taken out of the list and woken; the unit stays in the ring, where
//!   a running task may take it first (as with every MPMC peer: running tasks keep the fast path). A woken
//!   waiter that finds the unit gone was *overtaken*; it registers again at its old place, counting it.
//!   At most `limit` notifications are out at once (1 on a current-thread runtime, but for a capacity of 1):
//!   units freed meanwhile are left to the notified waiters, which pass the notification on when they come
//!   back (see `WaitList::throttle`). Without a limit (a multi-thread runtime, a blocked thread, a capacity
//!   of 1) a notified waiter's node is freed at once, and its future comes back without taking the lock (see
//!   `WaitList::first_seq`).
//! - *hand-off*: once a waiting waiter was overtaken [`OVERTAKES_BEFORE_HAND_OFF`] times, the side's `QUEUED`
//!   bit is set: newcomers give way, and every unit freed is acquired from the ring for the oldest waiter (a
//!   reserved slot, a promised value) and *granted* to it before it is woken, so it finds it when it runs.
//!   The mode ends when no waiting waiter has reached the bound. So no waiter is overtaken more than that
//!   many times while it waits (see I8 in `verification/README.md`).
//!
//! A future must:
//! 1. come back ([`WaitList::come_back`]): take its grant if it has one, end its notification if it had one;
//! 2. otherwise try its operation as a newcomer; on failure **register** ([`WaitList::register`], which in
//!    hand-off mode also serves the list), then try again before returning `Pending` (an operation that
//!    completed between the two tries either sees the waiter or is seen by the second try);
//! 3. when done or dropped, [`WaitList::leave`]: units it was granted and did not use go back to the ring, and
//!    a notification it did not act on goes on to the next waiter.
//!
//! The list is a doubly linked list threaded through a slab of nodes (freed nodes are reused, so waiting
//! does not allocate once the slab has grown to the most waiters seen at once). A waiter's id names its node
//! and a sequence number: it is found, served or cancelled in O(1), in any order. Sequence numbers grow
//! monotonically and the list is ordered by them, so a woken waiter that must wait again, or a future that
//! took its number before it could register ([`WaitList::hold_place`]), stands where it arrived. The list
//! touches the ring's bits (through its [`Gate`]) only under its lock, so "list not empty" implies "`WAITING`
//! set, or a notification out" there (see `WaitList::throttle`).

use std::task::Waker;

use crate::probe;
use crate::sync::{AtomicUsize, Mutex, MutexGuard, Ordering, lock};

/// The cell of `WaitList::first_seq`: a 64-bit atomic where the target has one (every target loom and shuttle
/// run on does).
#[cfg(target_has_atomic = "64")]
type SeqCell = crate::sync::AtomicU64;

/// Without 64-bit atomics (a sequence number must never wrap), every future comes back under the lock: the cell
/// always reads 0.
#[cfg(not(target_has_atomic = "64"))]
#[derive(Debug)]
struct SeqCell;

#[cfg(not(target_has_atomic = "64"))]
impl SeqCell {
    const fn new(_: u64) -> Self {
        SeqCell
    }

    fn load(&self, _: Ordering) -> u64 {
        0
    }

    fn store(&self, _: u64, _: Ordering) {}
}

/// How many times a waiting task may be overtaken (woken, then finding its slot or value taken by a running
/// task) before the list switches to hand-off mode for it.
#[cfg(not(any(all(loom, any(test, feature = "loom")), all(shuttle, test))))]
pub(crate) const OVERTAKES_BEFORE_HAND_OFF: u32 = 4;
/// Under loom, 1: a model reaches hand-off mode within the few operations it can explore.
#[cfg(all(loom, any(test, feature = "loom")))]
pub(crate) const OVERTAKES_BEFORE_HAND_OFF: u32 = 1;
/// In the crate's shuttle models, 2: their few values per task reach hand-off mode, and leave it, often.
#[cfg(all(shuttle, test, not(loom)))]
pub(crate) const OVERTAKES_BEFORE_HAND_OFF: u32 = 2;

/// No node: the end of a list, or a waiter that holds its place without a node.
const NONE: usize = usize::MAX;

/// A count that only the holder of its list's lock changes, and that others read without the lock. A change is
/// a load and a store, not a read-modify-write (a locked instruction, several times the cost of either; a wait
/// on a current-thread runtime made two): no other change can fall between the two.
#[derive(Debug)]
struct CountUnderTheLock(AtomicUsize);

impl CountUnderTheLock {
    /// The count. Relaxed: a reader without the lock learns from the value alone, ordered by what its caller
    /// says (a wake-up); a reader holding the lock sees the last change, made under it.
    #[inline]
    fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    /// Adds `n`; call with the lock held.
    #[inline]
    fn add(&self, n: usize) {
        self.0.store(self.get() + n, Ordering::Relaxed);
    }

    /// Subtracts `n`; call with the lock held.
    #[inline]
    fn sub(&self, n: usize) {
        self.0.store(self.get() - n, Ordering::Relaxed);
    }
}

/// How a wait list reaches the ring, for one side.
pub(crate) trait Gate {
    /// Sets the side's `WAITING` bit: operations of the other side will serve the list.
    fn mark(&self);
    /// Clears the side's `WAITING` bit (the list is empty, or a notification is out: see `WaitList::throttle`).
    fn unmark(&self);
    /// Sets or clears the side's `QUEUED` bit (hand-off mode).
    fn queue(&self, queued: bool);
    /// Acquires one unit from the ring for the oldest waiter (a reservation, a promise), if one is free.
    fn acquire(&self) -> bool;
    /// Whether the side is past a close: every serve then wakes all the waiters, not one (nothing may serve
    /// the rest one at a time again).
    fn hopeless(&self) -> bool;
    /// How many units may be counted (by serves and lap reports) while the side's notifications are out
    /// before the next waiter is woken anyway (a notified future may be stuck: woken, then neither polled nor
    /// dropped); laps are counted whole, so the delay is at most this and one lap.
    fn patience(&self) -> usize {
        usize::MAX
    }
    /// Whether `needs` more units cannot be acquired now even if the ring has room (a block list counts at
    /// most 2^20 - 1 reservations at once). Such a waiter waits for a release, not for room: it is not
    /// overtaken when a newcomer takes a free unit, and a hand-off passes over it rather than stall every
    /// other waiter and newcomer behind it.
    fn over_limit(&self, _needs: usize) -> bool {
        false
    }
}

/// Identifies one waiting future: its place in line (`seq`), its node in the slab (`node`, `NONE` until it
/// registers; a node that is no longer its own means it was notified), and how often it was overtaken. Kept
/// until it completes or is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaiterId {
    seq: u64,
    node: usize,
    overtaken: u32,
    /// Came back from a notification ([`WaitList::come_back`]) and has not registered since: if its operation
    /// now completes, it passes the notification on while a unit is still free (units freed while its
    /// notification was out were not served: see `throttle`).
    returned: bool,
}

#[derive(Debug)]
enum State {
    /// On the free list.
    Free { next_free: usize },
    /// In the waiting list; `holds` of the `needs` units it waits for were granted so far (hand-off mode
    /// serves the oldest waiter in full first).
    Waiting {
        waker: Waker,
        needs: usize,
        holds: usize,
        overtaken: u32,
        prev: usize,
        next: usize,
    },
    /// Woken in hand-off mode: holds `holds` units until its future takes them.
    Granted { holds: usize },
    /// Woken in notify mode while the side keeps a limit on the notifications out (a current-thread runtime),
    /// its future not back yet ([`WaitList::come_back`], or its registration or `leave`): one of the side's
    /// outstanding notifications. Without a limit, a notified waiter's node is freed at once, and its future
    /// learns it was woken from the list's `first_seq` (see [`WaitList::come_back`]).
    Notified,
}

#[derive(Debug)]
struct Node {
    seq: u64,
    state: State,
}

#[derive(Debug)]
struct Waiters {
    next_seq: u64,
    nodes: Vec<Node>,
    free: usize,
    /// The waiting list, oldest first.
    first: usize,
    last: usize,
    /// Waiting waiters overtaken [`OVERTAKES_BEFORE_HAND_OFF`] times or more: hand-off mode while any.
    starved: usize,
    /// Whether the side's `QUEUED` bit is set (hand-off mode).
    handing_off: bool,
    /// Nodes `Notified`: notifications out whose futures have not come back.
    notified: usize,
    /// The most notifications out at once before serves are suppressed (see `WaitList::throttle`): set by
    /// each registration from the runtime it waits on ([`crate::coop::notifications_in_flight`]).
    limit: usize,
}

#[derive(Debug)]
pub(crate) struct WaitList {
    waiters: Mutex<Waiters>,
    /// How many nodes are `Granted` or `Notified` (out of the list, still owned by a future), for a look
    /// without the lock (see [`WaitList::may_hold_nodes`]).
    detached: CountUnderTheLock,
    /// The notification throttle: 0 while serves go to the lock; `1 + s` while `limit` notifications are out
    /// (notify mode), `s` units having been counted since without waking anyone. While it is on, the side's
    /// `WAITING` bit is clear (a registration does not set it), so the other side's operations skip the serve
    /// altogether; a serve that still comes (a release, a pass-on) only adds its units here, without the lock.
    /// The first notified future to come back ends the throttle (sets the bit again if others wait, then a
    /// swap to 0 that reads every unit added before it) before its try, and, if its operation completes while
    /// a unit is still free, passes the notification on (see [`WaiterId`]'s `returned`). So a burst of `k`
    /// freed units wakes one waiter, which finds them all, instead of `k` waiters of which all but the first
    /// find nothing.
    /// A notified future that never comes back (woken, then neither polled nor dropped) delays its side by at
    /// most `Gate::patience` units and one lap of the storage: the operations that end a lap while the bit is
    /// clear report it ([`WaitList::lap_ended`]), and the report or serve that takes the count past the
    /// patience writes the outstanding notifications off and wakes the next waiter.
    throttle: AtomicUsize,
    /// What a future may learn of the list without the lock: the sequence number of the oldest waiting waiter
    /// (`u64::MAX` while none waits), or 0 while a node is detached (a grant not taken, a notification kept),
    /// stored under the lock ([`WaitList::publish`]) by every registration, and by the serves and the close
    /// that take waiters out. The list is ordered by sequence number, so while a waiter waits, or holds a
    /// grant, every value stored is at most its own: one that reads a larger value after its registration was
    /// taken out of the list since, by a notification that kept no node or by close, and holds nothing (see
    /// [`WaitList::come_back`]).
    first_seq: SeqCell,
}

/// What a waiter leaving the list gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Left {
    /// Units granted to it and not used: the caller gives them back to the ring.
    pub(crate) units: usize,
    /// Whether it had been notified and not acted on it: the caller passes the notification on.
    pub(crate) notified: bool,
}

/// Wakers collected under the lock, woken after it is released (waking runs user code). Holds a few inline,
/// so serving never allocates; a longer batch is served in several rounds.
struct Woken {
    wakers: [Option<Waker>; Woken::ROOM],
    len: usize,
    /// The node of the waiter that is serving (registering): it is running, so it is not woken.
    serving: usize,
    /// Its waker, if it was served, to drop after unlocking.
    own: Option<Waker>,
}

impl Woken {
    const ROOM: usize = 8;

    fn serving(node: usize) -> Self {
        Woken {
            wakers: Default::default(),
            len: 0,
            serving: node,
            own: None,
        }
    }

    fn is_full(&self) -> bool {
        self.len == Self::ROOM
    }

    fn push(&mut self, node: usize, waker: Waker) {
        if node == self.serving {
            self.own = Some(waker);
        } else {
            self.wakers[self.len] = Some(waker);
            self.len += 1;
        }
    }
}

impl Woken {
    /// Wakes them (call without holding any lock); see [`wake_all`].
    fn wake(self) {
        if self.len == 1 {
            // The common case, one waiter served: no unwinding guard needed for a single waker.
            let [Some(waker), ..] = self.wakers else {
                unreachable!("`len` counts the wakers from the start")
            };
            waker.wake();
        } else {
            wake_all(self);
        }
    }
}

impl IntoIterator for Woken {
    type Item = Waker;
    type IntoIter = std::iter::Flatten<std::array::IntoIter<Option<Waker>, { Woken::ROOM }>>;

    fn into_iter(self) -> Self::IntoIter {
        // The serving waiter's own waker is dropped here, unwoken.
        self.wakers.into_iter().flatten()
    }
}

impl WaitList {
    pub(crate) fn new() -> Self {
        WaitList {
            waiters: Mutex::new(Waiters {
                next_seq: 0,
                nodes: Vec::new(),
                free: NONE,
                first: NONE,
                last: NONE,
                starved: 0,
                handing_off: false,
                notified: 0,
                limit: usize::MAX,
            }),
            detached: CountUnderTheLock(AtomicUsize::new(0)),
            throttle: AtomicUsize::new(0),
            first_seq: SeqCell::new(u64::MAX),
        }
    }

    /// Whether some waiter out of the list may still own a node: a grant it has not taken, or a notification
    /// kept `Notified` (under a limit) it has not come back from. A waiter woken by either reads it `true` (the
    /// wake-up orders the change before the poll). One that has not seen its wake-up yet may read `false` and
    /// go on as a newcomer: its node is then found by its registration or its `leave` (which locks for every
    /// waiter that still names a node).
    pub(crate) fn may_hold_nodes(&self) -> bool {
        // The ordering that makes it visible is the wake-up's (see above).
        self.detached.get() > 0
    }

    /// Releases the node of a granted or notified waiter that came back.
    fn detach_ended(&self, waiters: &mut Waiters, node: usize, gate: &impl Gate) {
        if matches!(waiters.nodes[node].state, State::Notified) {
            waiters.notified -= 1;
            waiters.sync_throttle(&self.throttle, gate);
        }
        waiters.release_node(node);
        self.detached.sub(1);
    }

    #[inline]
    fn locked(&self) -> MutexGuard<'_, Waiters> {
        lock(&self.waiters)
    }

    /// Stores what `first_seq` says of `waiters` (call with the lock held). A registration must, before it
    /// unlocks: a value stored before it may be larger than its own sequence number. Elsewhere it only lets
    /// the waiters taken out come back without the lock sooner.
    #[inline]
    fn publish(&self, waiters: &Waiters) {
        let seq = if self.detached.get() > 0 {
            0
        } else if waiters.first == NONE {
            u64::MAX
        } else {
            waiters.nodes[waiters.first].seq
        };
        // Relaxed, read and store: only lock holders store it, and a future that reads it learns from the value
        // alone (both facts it carries were stored together), never from other memory.
        if self.first_seq.load(Ordering::Relaxed) != seq {
            self.first_seq.store(seq, Ordering::Relaxed);
        }
    }

    /// A polled waiter `id` comes back: takes its grant if it was served in hand-off mode (the units it holds;
    /// it is then out of the list), and ends its notification if it was notified (it then tries its operation
    /// as a newcomer with `returned` set; the throttle, if on, ends before that try, so the try sees every
    /// unit freed while it was off, and its side's `WAITING` bit is set again first if others wait).
    ///
    /// Without the lock when no node can be its own any more: its registration stored a `first_seq` no larger
    /// than its own, and so did every holder of the lock while it waited or held a grant, so a larger one read
    /// now means it was taken out of the list since by a notification that kept no node, or by close.
    #[inline]
    pub(crate) fn come_back(&self, id: &mut WaiterId, gate: &impl Gate) -> Option<usize> {
        if id.node == NONE {
            return None;
        }
        self.come_back_to_a_node(id, gate)
    }

    /// [`WaitList::come_back`] of a waiter that names a node; out of line, as waiting is the slow path.
    #[inline(never)]
    fn come_back_to_a_node(&self, id: &mut WaiterId, gate: &impl Gate) -> Option<usize> {
        // Relaxed: the value alone says it (see `first_seq`); coherence keeps it no older than the one its
        // registration stored or read.
        if self.first_seq.load(Ordering::Relaxed) > id.seq {
            probe::hit("waiters.came_back_without_the_lock");
            id.node = NONE;
            id.returned = true;
            return None;
        }
        if !self.may_hold_nodes() {
            return None;
        }
        let mut waiters = self.locked();
        match waiters.find(*id)?.state {
            State::Granted { holds } => {
                self.detach_ended(&mut waiters, id.node, gate);
                Some(holds)
            }
            State::Notified => {
                probe::hit("waiters.came_back_from_a_notification");
                self.detach_ended(&mut waiters, id.node, gate);
                id.node = NONE;
                id.returned = true;
                None
            }
            _ => None,
        }
    }

    /// Registers the waiter `id` (assigning an id on first use) for `needs` units with `waker`, or refreshes
    /// its waker if it is waiting already, and sets the side's `WAITING` bit; a waiter back from a
    /// notification it could not use counts one more overtake. `limit` is how many notifications its runtime
    /// keeps out at once ([`crate::coop::notifications_in_flight`]). In hand-off mode, serves the list.
    /// Returns the units it holds if it was served (it is then out of the list).
    pub(crate) fn register(
        &self,
        id: &mut Option<WaiterId>,
        needs: usize,
        waker: &Waker,
        limit: usize,
        gate: &impl Gate,
    ) -> Option<usize> {
        // Cloned before locking and the replaced waker dropped after unlocking: a waker's clone and drop are
        // user code, which may call back into the queue (and so lock this list).
        let mut fresh = Some(waker.clone());
        let replaced = {
            let mut guard = self.locked();
            let waiters = &mut *guard;
            let waiter = id.get_or_insert_with(|| waiters.take_seq());
            let mut replaced = None;
            let mut state = waiters.find(*waiter).map(|node| &mut node.state);
            if let Some(State::Notified) = state {
                // Back without `come_back` (polled before its wake-up was seen): the same.
                probe::hit("waiters.came_back_at_registration");
                self.detach_ended(waiters, waiter.node, gate);
                waiter.node = NONE;
                waiter.returned = true;
                state = None;
            }
            match state {
                Some(State::Waiting { waker, .. }) => {
                    probe::hit("waiters.refreshed_a_waker");
                    replaced = Some(std::mem::replace(waker, fresh.take().expect("unused")));
                }
                Some(&mut State::Granted { holds }) => {
                    self.detach_ended(waiters, waiter.node, gate);
                    return Some(holds);
                }
                Some(State::Free { .. }) => unreachable!("`find` skips free nodes"),
                Some(State::Notified) => unreachable!("handled above"),
                None => {
                    if waiter.node != NONE || waiter.returned {
                        // It was notified (its node is gone, or it came back), and is back because the unit
                        // was taken (unless it waits for a release, not for room).
                        if gate.over_limit(needs) {
                            probe::hit("waiters.back_over_the_limit");
                        } else {
                            probe::hit("waiters.overtaken");
                            waiter.overtaken += 1;
                        }
                    }
                    // Its try found nothing after the throttle ended: nothing left to pass on.
                    waiter.returned = false;
                    let waker = fresh.take().expect("unused");
                    waiter.node = waiters.enqueue(waiter.seq, waker, needs, waiter.overtaken);
                }
            }
            waiters.limit = limit;
            waiters.sync_throttle(&self.throttle, gate);
            waiters.sync_mode(gate, &self.throttle);
            // Relaxed: only this lock's holder turns the throttle on or off.
            if self.throttle.load(Ordering::Relaxed) == 0 {
                gate.mark();
            } else {
                // The bit stays clear while a notification is out: the notified waiter sets it again when it
                // comes back (before its try), and passes the notification on to this one if a unit is free.
                probe::hit("waiters.registered_while_a_notification_is_out");
            }
            if waiters.handing_off {
                return self.serve_after_registering(guard, waiter, (replaced, fresh), gate);
            }
            // Not handing off: nothing was granted to it since it registered.
            self.publish(waiters);
            replaced
        };
        drop((replaced, fresh));
        None
    }

    /// The rest of a registration (`guard` held) in hand-off mode: serves the list, then wakes the waiters
    /// served and drops `unused` (wakers) after unlocking. Returns the units the registering `waiter` holds if
    /// it was served itself. Out of line: the common registration builds no batch of wakers.
    #[inline(never)]
    fn serve_after_registering(
        &self,
        mut guard: MutexGuard<'_, Waiters>,
        waiter: &mut WaiterId,
        unused: (Option<Waker>, Option<Waker>),
        gate: &impl Gate,
    ) -> Option<usize> {
        let waiters = &mut *guard;
        let mut woken = Woken::serving(waiter.node);
        let granted = waiters.hand_off(gate, &mut woken, &self.throttle);
        // Changed before the wake-ups; see `may_hold_nodes`.
        self.detached.add(granted);
        let held = match waiters.find(*waiter).map(|node| &node.state) {
            Some(&State::Granted { holds }) => {
                self.detach_ended(waiters, waiter.node, gate);
                Some(holds)
            }
            _ => None,
        };
        self.publish(waiters);
        drop(guard);
        drop(unused);
        woken.wake();
        held
    }

    /// Gives the waiter `id` its place in line without registering it, for a future that must yield before it
    /// could try (tokio's budget ran out): when it registers later it stands where it arrived, behind the
    /// waiters that came before it and ahead of those that came after. It is not in the list meanwhile, so
    /// no one serves it and no bit is set for it.
    pub(crate) fn hold_place(&self, id: &mut Option<WaiterId>) {
        probe::hit("waiters.held_place_out_of_budget");
        if id.is_none() {
            *id = Some(self.locked().take_seq());
        }
    }

    /// Serves the list for `freed` units just made available in the ring: in notify mode wakes that many of
    /// the oldest waiters (fewer while notifications are out: see `throttle`), in hand-off mode grants the free
    /// units to the oldest waiters in order. Then, if waiters remain and the gate says the side is past a
    /// close, wakes them all too. Returns the units the waiters it woke without a grant held (part of a
    /// batch), for the caller to give back.
    #[inline]
    pub(crate) fn serve(&self, freed: usize, gate: &impl Gate) -> usize {
        if freed > 0 && self.suppress_without_the_lock(freed, gate) {
            return 0;
        }
        self.serve_under_the_lock(freed, gate, false)
    }

    /// An operation of the other side that read the side's `WAITING` bit clear ended a lap of the storage
    /// (`units` operations since the last such report): while the throttle is on (the bit is clear then), the
    /// lap counts toward the gate's patience, as suppressed serves do, so a stuck notified future delays its
    /// side by at most the patience and one lap. Otherwise nothing to do. Returns what `serve` returns.
    #[inline]
    pub(crate) fn lap_ended(&self, units: usize, gate: &impl Gate) -> usize {
        // Relaxed: an operation that read the bit cleared by the throttle's start sees the throttle on (see
        // `sync_throttle`); a 0 read after that means the notified waiter came back, and its try sees the lap.
        if self.throttle.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.count_lap(units, gate)
    }

    /// [`WaitList::lap_ended`] while the throttle is on.
    #[inline(never)]
    fn count_lap(&self, units: usize, gate: &impl Gate) -> usize {
        probe::hit("waiters.lap_ended_while_a_notification_is_out");
        if self.suppress_without_the_lock(units, gate) {
            return 0;
        }
        self.serve_under_the_lock(units, gate, true)
    }

    /// [`WaitList::serve`] past the throttle; for a lap report (`lap`), only while the throttle is on.
    #[inline(never)]
    fn serve_under_the_lock(&self, freed: usize, gate: &impl Gate, lap: bool) -> usize {
        // The common case, notify mode and one unit, without the batch (unless a close means waking them all;
        // the gate is asked only when more than one waits, to keep the other side's word out of this path).
        {
            let mut waiters = self.locked();
            // Relaxed: only this lock's holder ends the throttle.
            if lap && self.throttle.load(Ordering::Relaxed) == 0 {
                // The notified waiter came back since: the `WAITING` bit is set again if others wait, and its
                // try saw the units of the lap.
                return 0;
            }
            if freed == 1 && !waiters.handing_off {
                if waiters.first == NONE {
                    waiters.clear(gate);
                    return 0;
                }
                if waiters.first == waiters.last || !gate.hopeless() {
                    if waiters.notifications_allowed(1, gate, &self.throttle, &self.detached) == 0 {
                        return 0;
                    }
                    // A waiter may hold part of a batch from a hand-off mode that ended before it was served
                    // in full: notified, it holds nothing, so those units go back (to the caller).
                    let (_, waker, holds, kept) = waiters.notify_oldest(&self.throttle, gate);
                    if kept {
                        // Changed before the wake-up; see `may_hold_nodes`.
                        self.detached.add(1);
                    }
                    if waiters.first == NONE {
                        waiters.clear(gate);
                    }
                    self.publish(&waiters);
                    drop(waiters);
                    waker.wake();
                    return holds;
                }
            }
        }
        let mut to_notify = freed;
        let mut returned = 0;
        loop {
            let mut woken = Woken::serving(NONE);
            let (more, given_up) = {
                let mut waiters = self.locked();
                let more = if waiters.handing_off {
                    let granted = waiters.hand_off(gate, &mut woken, &self.throttle);
                    // Changed before the wake-ups; see `may_hold_nodes`.
                    self.detached.add(granted);
                    woken.is_full()
                } else {
                    let mut allowed = waiters.notifications_allowed(
                        to_notify,
                        gate,
                        &self.throttle,
                        &self.detached,
                    );
                    let before = allowed;
                    let mut kept = 0;
                    let more = waiters.notify(
                        &mut allowed,
                        &mut woken,
                        &mut returned,
                        &mut kept,
                        &self.throttle,
                        gate,
                    );
                    // As above.
                    self.detached.add(kept);
                    // Units beyond the notifications allowed now are left to the returning ones to pass on.
                    to_notify = if more {
                        to_notify - (before - allowed)
                    } else {
                        0
                    };
                    more
                };
                if waiters.first == NONE {
                    waiters.clear(gate);
                }
                let given_up = if !more && waiters.first != NONE && gate.hopeless() {
                    probe::hit("waiters.woke_all_past_the_end");
                    let given_up = waiters.take_waiting();
                    waiters.clear(gate);
                    Some(given_up)
                } else {
                    None
                };
                self.publish(&waiters);
                (more, given_up)
            };
            returned += given_up.as_ref().map_or(0, |(_, held)| *held);
            match given_up {
                None => woken.wake(),
                Some((taken, _)) => wake_all(woken.into_iter().chain(taken)),
            }
            if !more {
                return returned;
            }
        }
    }

    /// While the throttle is on, adds `freed` units to it instead of serving (see `throttle`); returns whether
    /// it did. Never past the gate's patience (that serve takes the lock and wakes the next waiter), nor once
    /// the side is past a close (that serve wakes them all).
    #[inline]
    fn suppress_without_the_lock(&self, freed: usize, gate: &impl Gate) -> bool {
        // Relaxed: a stale value only makes the exchange below fail, or sends this serve to the lock.
        let mut throttle = self.throttle.load(Ordering::Relaxed);
        if throttle == 0 || gate.hopeless() {
            return false;
        }
        let patience = gate.patience();
        while throttle != 0 && throttle - 1 + freed <= patience {
            // Release: the unit this serve was called for (freed before it) is seen by whoever ends the
            // throttle (its swap reads this value), so a returning waiter's try finds it.
            match self.throttle.compare_exchange_weak(
                throttle,
                throttle + freed,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    probe::hit("waiters.suppressed_a_serve_without_the_lock");
                    return true;
                }
                Err(now) => throttle = now,
            }
        }
        false
    }

    /// Ends the registration of a waiter that completed or was dropped: see [`Left`]. Takes the lock only for a
    /// waiter that names a node (registered, granted or notified, or woken by close).
    pub(crate) fn leave(&self, id: WaiterId, gate: &impl Gate) -> Left {
        let mut left = Left {
            units: 0,
            notified: id.returned,
        };
        if id.node == NONE {
            // Never registered, or came back from its notification already: not in the list.
            return left;
        }
        let removed = {
            let mut waiters = self.locked();
            let mut removed = None;
            match waiters.find(id).map(|node| &node.state) {
                Some(State::Waiting { .. }) => {
                    let (waker, holds, _) = waiters.dequeue(id.node);
                    removed = Some(waker);
                    left.units = holds;
                    if waiters.first == NONE {
                        waiters.clear(gate);
                    } else {
                        waiters.sync_mode(gate, &self.throttle);
                    }
                }
                Some(&State::Granted { holds }) => {
                    probe::hit("waiters.left_with_a_grant");
                    self.detach_ended(&mut waiters, id.node, gate);
                    left.units = holds;
                }
                Some(State::Notified) => {
                    probe::hit("waiters.left_after_a_wakeup");
                    self.detach_ended(&mut waiters, id.node, gate);
                    left.notified = true;
                }
                Some(State::Free { .. }) => unreachable!("`find` skips free nodes"),
                // Its node is gone: woken by close, or its notification was written off.
                None => {
                    probe::hit("waiters.left_after_a_wakeup");
                    left.notified = true;
                }
            }
            removed
        };
        // Its waker is dropped after unlocking: dropping a waker runs user code.
        drop(removed);
        left
    }

    /// Takes every waiting entry (on close), clearing the bits, and with `revoke_grants` every grant not yet
    /// taken; returns the wakers, to wake once every list is emptied, and the units they held, which the
    /// caller gives back to the ring.
    pub(crate) fn take_all(&self, gate: &impl Gate, revoke_grants: bool) -> (Taken, usize) {
        let mut waiters = self.locked();
        let (taken, mut held) = waiters.take_waiting();
        waiters.clear(gate);
        if revoke_grants {
            for node in 0..waiters.nodes.len() {
                if let State::Granted { holds } = waiters.nodes[node].state {
                    held += holds;
                    self.detach_ended(&mut waiters, node, gate);
                }
            }
        }
        self.publish(&waiters);
        (taken, held)
    }
}

/// In the crate's models, a dropped list must have every registration counted back: each node free, no
/// notification or grant out, no waiter starved, the mode and the throttle off. A node left behind is a
/// registration some path forgot (a leak, and a waiter a serve might still pick).
#[cfg(all(test, any(loom, shuttle)))]
impl Drop for WaitList {
    fn drop(&mut self) {
        if crate::sync::unwinding_out_of_a_model() {
            return;
        }
        let waiters = self.locked();
        let in_use = waiters
            .nodes
            .iter()
            .filter(|node| !matches!(node.state, State::Free { .. }))
            .count();
        assert_eq!(
            in_use, 0,
            "a dropped wait list still has nodes in use: {:?}",
            *waiters
        );
        assert_eq!(waiters.first, NONE);
        assert_eq!(waiters.notified, 0);
        assert_eq!(waiters.starved, 0);
        assert!(!waiters.handing_off);
        // Relaxed: the list is being dropped, no other thread can touch it.
        assert_eq!(self.detached.get(), 0);
        assert_eq!(self.throttle.load(Ordering::Relaxed), 0);
    }
}

impl Waiters {
    fn take_seq(&mut self) -> WaiterId {
        let seq = self.next_seq;
        self.next_seq += 1;
        WaiterId {
            seq,
            node: NONE,
            overtaken: 0,
            returned: false,
        }
    }

    /// The live node of waiter `id`.
    fn find(&mut self, id: WaiterId) -> Option<&mut Node> {
        self.nodes
            .get_mut(id.node)
            .filter(|node| node.seq == id.seq && !matches!(node.state, State::Free { .. }))
    }

    fn release_node(&mut self, node: usize) {
        self.nodes[node].state = State::Free {
            next_free: self.free,
        };
        self.free = node;
    }

    /// Links a new waiting node for `seq` into the list at its place (by `seq`: at the end, unless it held
    /// its place while newer waiters registered, or was woken and is back). Returns the node.
    fn enqueue(&mut self, seq: u64, waker: Waker, needs: usize, overtaken: u32) -> usize {
        let mut prev = self.last;
        while prev != NONE && self.nodes[prev].seq > seq {
            prev = self.links(prev).0;
        }
        let next = if prev == NONE {
            self.first
        } else {
            self.links(prev).1
        };
        let state = State::Waiting {
            waker,
            needs,
            holds: 0,
            overtaken,
            prev,
            next,
        };
        let node = if self.free == NONE {
            self.nodes.push(Node { seq, state });
            self.nodes.len() - 1
        } else {
            let node = self.free;
            let State::Free { next_free } = self.nodes[node].state else {
                unreachable!("the free list holds free nodes")
            };
            self.free = next_free;
            self.nodes[node] = Node { seq, state };
            node
        };
        *self.link_after(prev) = node;
        *self.link_before(next) = node;
        if overtaken >= OVERTAKES_BEFORE_HAND_OFF {
            self.starved += 1;
        }
        node
    }

    /// Unlinks the waiting `node` and frees it; returns its waker, the units it held and its overtakes.
    fn dequeue(&mut self, node: usize) -> (Waker, usize, u32) {
        let (prev, next) = self.links(node);
        *self.link_after(prev) = next;
        *self.link_before(next) = prev;
        let state = std::mem::replace(
            &mut self.nodes[node].state,
            State::Free {
                next_free: self.free,
            },
        );
        self.free = node;
        let State::Waiting {
            waker,
            holds,
            overtaken,
            ..
        } = state
        else {
            unreachable!("dequeued a node that was not waiting")
        };
        if overtaken >= OVERTAKES_BEFORE_HAND_OFF {
            self.starved -= 1;
        }
        (waker, holds, overtaken)
    }

    /// Turns the freed `node` (just dequeued, so at the head of the free list) into `state`.
    fn reuse_freed(&mut self, node: usize, state: State) {
        debug_assert_eq!(self.free, node);
        let State::Free { next_free } = self.nodes[node].state else {
            unreachable!("a dequeued node is free")
        };
        self.free = next_free;
        self.nodes[node].state = state;
    }

    fn links(&self, node: usize) -> (usize, usize) {
        match self.nodes[node].state {
            State::Waiting { prev, next, .. } => (prev, next),
            _ => unreachable!("a linked node is waiting"),
        }
    }

    /// The link that points forward to whatever follows `node` (`first` for `NONE`).
    fn link_after(&mut self, node: usize) -> &mut usize {
        if node == NONE {
            return &mut self.first;
        }
        match &mut self.nodes[node].state {
            State::Waiting { next, .. } => next,
            _ => unreachable!("a linked node is waiting"),
        }
    }

    /// The link that points back to whatever precedes `node` (`last` for `NONE`).
    fn link_before(&mut self, node: usize) -> &mut usize {
        if node == NONE {
            return &mut self.last;
        }
        match &mut self.nodes[node].state {
            State::Waiting { prev, .. } => prev,
            _ => unreachable!("a linked node is waiting"),
        }
    }

    /// Enters or leaves hand-off mode as the starved waiters say (the throttle is off in hand-off mode: every
    /// unit is granted).
    fn sync_mode(&mut self, gate: &impl Gate, throttle: &AtomicUsize) {
        let starving = self.starved > 0;
        if starving != self.handing_off {
            probe::hit(if starving {
                "waiters.hand_off_began"
            } else {
                "waiters.hand_off_ended"
            });
            #[cfg(all(feature = "counters", not(any(loom, shuttle))))]
            if starving {
                crate::counters::hand_off_began();
            }
            gate.queue(starving);
            self.handing_off = starving;
            self.sync_throttle(throttle, gate);
        }
    }

    /// Turns the throttle on or off as the notifications out, the limit and the mode say: on while `limit`
    /// or more notifications are out in notify mode. The side's `WAITING` bit is clear while it is on, so the
    /// other side's operations skip the serve; it is set again, if any waiter is left, when it ends.
    fn sync_throttle(&mut self, throttle: &AtomicUsize, gate: &impl Gate) {
        let on = self.notified >= self.limit && !self.handing_off;
        // Relaxed reads: only this lock's holder turns it on or off (others only add to it while on).
        if on && throttle.load(Ordering::Relaxed) == 0 {
            probe::hit("waiters.throttle_began");
            throttle.store(1, Ordering::Relaxed);
            // After the store: an operation whose read-modify-write of the word reads the bit cleared (this
            // Release) sees the throttle on, so it reports its lap to it (see `WaitList::lap_ended`).
            gate.unmark();
        } else if !on && throttle.load(Ordering::Relaxed) != 0 {
            probe::hit("waiters.throttle_ended");
            if self.first != NONE {
                // Before the returning waiter's try (as a registration's mark before its re-check): an operation
                // that moved the word before this read-modify-write is seen by that try; one after it serves.
                gate.mark();
            }
            // Acquire: pairs with the suppressing serves' Release, so whoever goes on after this (a returning
            // waiter's try, a serve under this lock) sees the units they freed.
            throttle.swap(0, Ordering::Acquire);
        }
    }

    /// How many of the oldest waiters a serve of `freed` units may notify now: none while the throttle is on
    /// (the units are added to it), unless that reaches the gate's patience or the side is past a close;
    /// then the notifications out are written off (a stuck future keeps no one else waiting) and the serve
    /// goes on. Otherwise up to `limit` notifications out.
    fn notifications_allowed(
        &mut self,
        freed: usize,
        gate: &impl Gate,
        throttle: &AtomicUsize,
        detached: &CountUnderTheLock,
    ) -> usize {
        // Relaxed: changed only under this lock but for the suppressing serves' additions.
        if throttle.load(Ordering::Relaxed) != 0 {
            if gate.hopeless() {
                return freed;
            }
            // Release, as the suppressing serves' exchange.
            let suppressed = throttle.fetch_add(freed, Ordering::Release) - 1 + freed;
            if suppressed <= gate.patience() {
                probe::hit("waiters.suppressed_a_serve_under_the_lock");
                return 0;
            }
            probe::hit("waiters.wrote_off_stuck_notifications");
            let written_off = self.write_off_notifications();
            detached.sub(written_off);
            self.sync_throttle(throttle, gate);
        }
        freed.min(self.limit.saturating_sub(self.notified))
    }

    /// Frees every `Notified` node (their futures find their node gone, as if woken by close); returns how
    /// many.
    fn write_off_notifications(&mut self) -> usize {
        let mut written_off = 0;
        for node in 0..self.nodes.len() {
            if matches!(self.nodes[node].state, State::Notified) {
                self.release_node(node);
                written_off += 1;
            }
        }
        self.notified -= written_off;
        written_off
    }

    /// Notifies the oldest waiter: out of the list, its node `Notified` while the side keeps a limit on the
    /// notifications out (the throttle counts them), otherwise freed at once. Returns its node, its waker, the
    /// units it held as part of a batch (a notified waiter holds nothing: the caller gives them back), and
    /// whether its node was kept (one more in `detached`).
    fn notify_oldest(
        &mut self,
        throttle: &AtomicUsize,
        gate: &impl Gate,
    ) -> (usize, Waker, usize, bool) {
        let oldest = self.first;
        let (waker, holds, _) = self.dequeue(oldest);
        probe::hit("waiters.notified");
        if holds > 0 {
            probe::hit("waiters.notified_one_holding_part_of_a_batch");
        }
        let kept = self.limit != usize::MAX;
        if kept {
            self.reuse_freed(oldest, State::Notified);
            self.notified += 1;
            self.sync_throttle(throttle, gate);
        } else {
            probe::hit("waiters.notified_without_a_node");
        }
        (oldest, waker, holds, kept)
    }

    /// The list is empty (or given up): clears the bits.
    fn clear(&mut self, gate: &impl Gate) {
        debug_assert_eq!(self.starved, 0);
        gate.unmark();
        if self.handing_off {
            gate.queue(false);
            self.handing_off = false;
        }
    }

    /// Notify mode: wakes up to `*count` of the oldest waiters (see `notify_oldest`). Units a waiter holds of
    /// a batch a hand-off mode began (the mode ended before it was served in full) are added to `*returned`,
    /// the nodes kept `Notified` to `*kept`. Returns whether it stopped only because `woken` is full.
    fn notify(
        &mut self,
        count: &mut usize,
        woken: &mut Woken,
        returned: &mut usize,
        kept: &mut usize,
        throttle: &AtomicUsize,
        gate: &impl Gate,
    ) -> bool {
        while *count > 0 && self.first != NONE {
            if woken.is_full() {
                return true;
            }
            let (notified, waker, holds, node_kept) = self.notify_oldest(throttle, gate);
            *returned += holds;
            *kept += usize::from(node_kept);
            woken.push(notified, waker);
            *count -= 1;
        }
        false
    }

    /// Hand-off mode: grants free units to the oldest waiters, in order, while the gate acquires them; each
    /// waiter served in full is woken. Leaves the mode once no starved waiter is left. Returns how many it
    /// granted (it stops early when `woken` is full).
    /// A waiter the gate cannot serve for now whatever the room ([`Gate::over_limit`]) is passed over: it
    /// keeps its place and what it holds.
    fn hand_off(&mut self, gate: &impl Gate, woken: &mut Woken, throttle: &AtomicUsize) -> usize {
        let mut granted = 0;
        let mut oldest = self.first;
        while oldest != NONE && !woken.is_full() {
            let (_, next) = self.links(oldest);
            let State::Waiting { needs, holds, .. } = self.nodes[oldest].state else {
                unreachable!("a linked node is waiting")
            };
            if gate.over_limit(needs - holds) {
                probe::hit("waiters.hand_off_passed_over_one_over_the_limit");
                oldest = next;
                continue;
            }
            self.take_younger_parts(oldest);
            let State::Waiting { holds, .. } = &mut self.nodes[oldest].state else {
                unreachable!("a linked node is waiting")
            };
            while *holds < needs && gate.acquire() {
                *holds += 1;
            }
            if *holds < needs {
                if *holds > 0 {
                    probe::hit("waiters.hand_off_granted_part_of_a_batch");
                }
                break;
            }
            probe::hit("waiters.hand_off_granted");
            let (waker, holds, _) = self.dequeue(oldest);
            self.reuse_freed(oldest, State::Granted { holds });
            woken.push(oldest, waker);
            granted += 1;
            oldest = next;
        }
        self.sync_mode(gate, throttle);
        granted
    }

    /// Moves to the waiter `node` the units that waiters behind it hold as part of a batch, up to what it
    /// needs. Only the waiter served first may hold part of a batch: a waiter that registers again at its old
    /// place, ahead of one a hand-off already gave part of its batch, would otherwise take the rest of the
    /// capacity, and the two batches would each hold part of it and wait for each other forever.
    fn take_younger_parts(&mut self, node: usize) {
        let State::Waiting {
            needs, holds, next, ..
        } = self.nodes[node].state
        else {
            unreachable!("a linked node is waiting")
        };
        let mut missing = needs - holds;
        let mut younger = next;
        while missing > 0 && younger != NONE {
            let State::Waiting { holds, next, .. } = &mut self.nodes[younger].state else {
                unreachable!("a linked node is waiting")
            };
            let moved = (*holds).min(missing);
            if moved > 0 {
                probe::hit("waiters.hand_off_moved_a_part_to_an_older_batch");
                *holds -= moved;
                missing -= moved;
            }
            younger = *next;
        }
        let State::Waiting { holds, .. } = &mut self.nodes[node].state else {
            unreachable!("a linked node is waiting")
        };
        *holds = needs - missing;
    }

    /// Takes the whole waiting list: its wakers and the units they held.
    fn take_waiting(&mut self) -> (Taken, usize) {
        let mut wakers = Vec::new();
        let mut held = 0;
        while self.first != NONE {
            let (waker, holds, _) = self.dequeue(self.first);
            wakers.push(waker);
            held += holds;
        }
        (Taken(wakers), held)
    }
}

/// Waiters removed from a list by [`WaitList::take_all`], still to be woken.
pub(crate) struct Taken(Vec<Waker>);

impl Taken {
    /// How many waiters were taken.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl IntoIterator for Taken {
    type Item = Waker;
    type IntoIter = std::vec::IntoIter<Waker>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Wakes every one of `wakers` (call without holding any lock). A waker that panics does not keep the others
/// from being woken: the first panic is resumed once all of them were.
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    let mut first_panic = None;
    for waker in wakers {
        // AssertUnwindSafe: no state of ours is borrowed; a waker that panicked is simply gone.
        if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()))
        {
            first_panic.get_or_insert(panic);
        }
    }
    if let Some(panic) = first_panic {
        std::panic::resume_unwind(panic);
    }
}
