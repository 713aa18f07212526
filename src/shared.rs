//! The shared state behind every handle: the storage, one waiter list per side, the channel's handle counts,
//! and the one place where an operation on the storage is combined with waiting. Every public call is written
//! once here; the faces (`Queue`, `Sender`/`Receiver`, their futures) are thin wrappers.

use std::panic::{AssertUnwindSafe, RefUnwindSafe, UnwindSafe, catch_unwind, resume_unwind};
use std::task::{Context, Poll};

use crate::coop;
use crate::probe;
use crate::error::{TryRecvError, TrySendError};
use crate::storage::{Popped, Pushed, Storage};
use crate::sync::{AtomicBool, AtomicUsize, Ordering, fence, unwinding_out_of_a_model};
use crate::waiters::{Gate, WaitList, WaiterId, wake_all};

pub(crate) struct Shared<T> {
    storage: Storage<T>,
    /// Senders waiting for a free slot; their `WAITING` bit is in the storage's head word.
    senders: WaitList,
    /// Receivers waiting for a value or for close; their `WAITING` bit is in the storage's tail word.
    receivers: WaitList,
    /// Tasks waiting in `closed()` for the close; woken by it, no flag needed (they re-check `is_closed`).
    closing: WaitList,
    /// Strong `Sender` handles; the last one to go closes the channel. (`Queue` handles count in neither.)
    sender_handles: AtomicUsize,
    /// `Receiver` handles; the last one to go closes the channel and drops the values inside.
    receiver_handles: AtomicUsize,
    /// Set when the last `Receiver` went: values sent through permits afterwards are dropped at once.
    receivers_gone: AtomicBool,
}

// The shared state stays consistent when user code panics: no lock is held while a waker or a value's `Drop`
// runs, a panic out of either is resumed only after every value was dropped once and every waiter woken, and
// nothing is left half-moved. So the handles over it are unwind safe whatever `T` is (as tokio's channels).
/// In the crate's models, a dropped queue must have every unit counted back: no slot reserved (every permit and
/// grant is gone) and no value promised (every grant was taken, given back or revoked). The wait lists check
/// their registrations the same way.
#[cfg(all(test, any(loom, shuttle)))]
impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        if crate::sync::unwinding_out_of_a_model() {
            return;
        }
        assert_eq!(
            self.storage.held(),
            (0, 0),
            "a dropped queue still counts (reserved slots, promised values)"
        );
    }
}

impl<T> UnwindSafe for Shared<T> {}
impl<T> RefUnwindSafe for Shared<T> {}

impl<T> Shared<T> {
    /// A bounded queue with no channel handle yet (`Queue` handles are not counted).
    ///
    /// # Panics
    /// As [`Storage::bounded`].
    #[track_caller]
    pub(crate) fn bounded(capacity: usize) -> Self {
        Self::with(Storage::bounded(capacity))
    }

    /// A bounded queue on a block list whatever its capacity, for the in-crate models (which cannot fill
    /// the 65,536 values above which a bounded queue is a list).
    #[cfg(all(test, any(loom, shuttle)))]
    pub(crate) fn bounded_list(capacity: usize) -> Self {
        Self::with(Storage::List(crate::storage::list::List::bounded(capacity)))
    }

    /// An unbounded queue with no channel handle yet.
    #[track_caller]
    pub(crate) fn unbounded() -> Self {
        Self::with(Storage::unbounded())
    }

    fn with(storage: Storage<T>) -> Self {
        Shared {
            storage,
            senders: WaitList::new(),
            receivers: WaitList::new(),
            closing: WaitList::new(),
            sender_handles: AtomicUsize::new(0),
            receiver_handles: AtomicUsize::new(0),
            receivers_gone: AtomicBool::new(false),
        }
    }

    /// The strong `Sender` handles alive.
    pub(crate) fn sender_count(&self) -> usize {
        // Relaxed: a snapshot.
        self.sender_handles.load(Ordering::Relaxed)
    }

    /// The `Receiver` handles alive.
    pub(crate) fn receiver_count(&self) -> usize {
        // Relaxed: a snapshot.
        self.receiver_handles.load(Ordering::Relaxed)
    }

    /// Counts a new `Sender`, made from a live one (or by the constructor).
    pub(crate) fn add_sender(&self) {
        // Relaxed, as `Arc::clone`: the new handle comes from a live one, so the count cannot reach 0 meanwhile.
        self.sender_handles.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a new `Sender` made from a `WeakSender`, unless every strong one is gone (then the channel is
    /// closed for good and this returns `false`).
    pub(crate) fn try_add_sender(&self) -> bool {
        add_unless_zero(&self.sender_handles)
    }

    /// Counts a new `Receiver`, made from a live one (or by the constructor).
    pub(crate) fn add_receiver(&self) {
        // Relaxed: as `add_sender`.
        self.receiver_handles.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a new `Receiver` made from a `WeakReceiver`, unless every strong one is gone (then the channel
    /// is closed for good, its values dropped, and this returns `false`).
    pub(crate) fn try_add_receiver(&self) -> bool {
        add_unless_zero(&self.receiver_handles)
    }

    /// Uncounts a dropped `Sender`; the last one closes the channel, exactly once however drops race (one
    /// read-modify-write decides who was last).
    pub(crate) fn drop_sender(&self) {
        if unwinding_out_of_a_model() {
            return;
        }
        // AcqRel: every send made through the other handles happens before the close (as `Arc`'s drop).
        if self.sender_handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            probe::hit("handles.last_sender_closed");
            self.close();
        }
    }

    /// Uncounts a dropped `Receiver`; the last one closes the channel (waking every waiting sender, which
    /// gets its value back) and drops the values inside, each exactly once.
    pub(crate) fn drop_receiver(&self) {
        if unwinding_out_of_a_model() {
            return;
        }
        // AcqRel: as `drop_sender`.
        if self.receiver_handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            probe::hit("handles.last_receiver_closed");
            self.receivers_gone.store(true, Ordering::Relaxed);
            // SeqCst fence, pairing with `send_permitted`'s: a permit's push after this is seen by the drain
            // below, or that permit sees the flag and drains.
            fence(Ordering::SeqCst);
            // The drain runs before any sender is woken: a woken sender already sees `len() == 0`.
            self.close_then_wake(|| self.drain());
        }
    }

    /// The most values inside at once, `None` when unbounded.
    pub(crate) fn capacity(&self) -> Option<usize> {
        self.storage.capacity()
    }

    /// The number of values inside: a snapshot, never above the capacity.
    pub(crate) fn len(&self) -> usize {
        self.storage.len()
    }

    /// Whether the queue was closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.storage.is_closed()
    }

    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let pushed = self.storage.try_push(value)?;
        self.after_push(pushed);
        Ok(())
    }

    pub(crate) fn try_receive(&self) -> Result<T, TryRecvError> {
        Ok(self.after_pop(self.storage.try_pop()?))
    }

    /// What a push owes the receivers: nothing in the usual case (inline), else [`Shared::after_loud_push`].
    #[inline]
    fn after_push(&self, pushed: Pushed) {
        if pushed != Pushed::Quiet {
            self.after_loud_push(pushed);
        }
    }

    #[inline(never)]
    fn after_loud_push(&self, pushed: Pushed) {
        match pushed {
            Pushed::Quiet => {}
            Pushed::EndOfLap => {
                let held = self
                    .receivers
                    .lap_ended(self.storage.lap(), &ReceiverGate(&self.storage));
                debug_assert_eq!(held, 0, "a notified receiver holds nothing");
            }
            Pushed::ReceiversWaiting => {
                probe::hit("push.served_receivers");
                self.serve_receivers(1);
            }
        }
    }

    /// The popped value, after what the pop owes the senders: nothing in the usual case (inline), else
    /// [`Shared::after_loud_pop`].
    #[inline]
    fn after_pop(&self, popped: Popped<T>) -> T {
        match popped {
            Popped::Quiet(value) => value,
            loud => self.after_loud_pop(loud),
        }
    }

    #[inline(never)]
    fn after_loud_pop(&self, popped: Popped<T>) -> T {
        match popped {
            Popped::Quiet(value) => value,
            Popped::EndOfLap(value) => {
                let held = self
                    .senders
                    .lap_ended(self.storage.lap(), &SenderGate(&self.storage));
                self.release_reservations(held);
                value
            }
            Popped::SendersWaiting(value) => {
                probe::hit("pop.served_senders");
                self.serve_senders(1);
                value
            }
        }
    }

    /// Serves the waiting senders for `freed` slots just freed (see `waiters`).
    fn serve_senders(&self, freed: usize) {
        let held = self.senders.serve(freed, &SenderGate(&self.storage));
        self.release_reservations(held);
    }

    /// Serves the waiting receivers for `freed` values just made available; once the queue is closed, wakes
    /// them all (each then finds a value or the end: see `ReceiverGate::hopeless`).
    fn serve_receivers(&self, freed: usize) {
        let held = self.receivers.serve(freed, &ReceiverGate(&self.storage));
        debug_assert_eq!(
            held, 0,
            "a receiver waits for one value, held only once granted"
        );
    }

    /// Receives the value promised to this (served) receiver. After a close, the last promised value taken
    /// may leave the ring final and empty: the receivers that wait behind it are woken to see `Closed`.
    fn receive_promised(&self) -> T {
        let value = self.after_pop(self.storage.pop_promised());
        probe::hit("receive.took_promised_value");
        if self.storage.is_closed() {
            probe::hit("receive.took_promised_value_after_close");
            self.serve_receivers(0);
        }
        value
    }

    /// Gives `count` reservations back to the ring: to the waiting senders, and, if that was the last one of
    /// a closed ring, the waiting receivers learn it is final.
    pub(crate) fn release_reservations(&self, count: usize) {
        if count == 0 {
            return;
        }
        probe::hit("release.reservations");
        if self.storage.release(count) {
            probe::hit("release.made_final");
            self.serve_receivers(0);
        }
        // Under the senders' lock, unconditionally: a registration either came first (and is served here) or
        // comes after this unlock (and its re-check sees the slots).
        self.serve_senders(count);
    }

    /// Permits dropped unused: their slots go on.
    pub(crate) fn drop_permits(&self, count: usize) {
        if unwinding_out_of_a_model() {
            return;
        }
        self.release_reservations(count);
    }

    /// Gives `count` promises back to the ring, and so to the waiting receivers.
    fn release_promises(&self, count: usize) {
        if count == 0 {
            return;
        }
        probe::hit("release.promises");
        self.storage.release_promises(count);
        // Under the receivers' lock, unconditionally, as in `release_reservations`.
        self.serve_receivers(count);
    }

    /// Reserves `count` free slots (`1..=capacity`) without waiting.
    pub(crate) fn try_reserve(&self, count: usize) -> Result<(), TrySendError<()>> {
        self.storage.try_reserve(count)
    }

    /// The most slots one reservation can ever hold (the capacity, or the storage's limit below it).
    pub(crate) fn max_reservation(&self) -> usize {
        self.storage.max_reservation()
    }

    /// Reserves `count` free slots without waiting: none for 0 (`Closed` once closed), `Full` above what one
    /// request can hold.
    pub(crate) fn try_reserve_many(&self, count: usize) -> Result<(), TrySendError<()>> {
        match count {
            0 if self.is_closed() => Err(TrySendError::Closed(())),
            0 => Ok(()),
            count if count > self.max_reservation() => Err(if self.is_closed() {
                TrySendError::Closed(())
            } else {
                TrySendError::Full(())
            }),
            count => self.storage.try_reserve(count),
        }
    }

    /// Sends `value` through a reservation a permit holds: never waits, never fails. After the last receiver
    /// left, the value is dropped (exactly once: whoever pops it drops it).
    pub(crate) fn send_permitted(&self, value: T) {
        match self.storage.push_reserved(value, false) {
            Ok(pushed) => {
                self.after_push(pushed);
                if self.storage.is_final() {
                    // The push that makes the queue final wakes every waiting receiver (see
                    // `ReceiverGate::hopeless`), whatever it read: the `WAITING` bit is clear while a
                    // notification is out, and a serve for a bit read set may find the throttle on since.
                    if pushed != Pushed::ReceiversWaiting {
                        probe::hit("permit.made_final_with_the_bit_clear");
                    }
                    self.serve_receivers(0);
                }
            }
            Err(_) => unreachable!(
                "a push through a reservation that does not refuse close always succeeds"
            ),
        }
        // SeqCst fence, pairing with `drop_receiver`'s: either it drains after seeing this push, or this
        // sees that the last receiver left.
        fence(Ordering::SeqCst);
        if self.receivers_gone.load(Ordering::Relaxed) {
            probe::hit("permit.sent_after_receivers_gone");
            self.drain();
        }
    }

    /// Sends `value` through the reservation a served sender holds, unless the ring was closed meanwhile
    /// (then gives it back, releasing the reservation): a send future never succeeds after close.
    fn send_reserved(&self, value: T) -> Result<(), T> {
        match self.storage.push_reserved(value, true) {
            Ok(pushed) => {
                self.after_push(pushed);
                Ok(())
            }
            Err(TrySendError::Closed(value) | TrySendError::Full(value)) => {
                probe::hit("send.grant_refused_by_close");
                self.release_reservations(1);
                Err(value)
            }
        }
    }

    /// Drops every value inside (after the last receiver left). A value whose `Drop` panics does not keep the
    /// others inside: each is dropped exactly once, then the first panic resumes.
    fn drain(&self) {
        let mut first_panic = None;
        // No newcomer push succeeds after the ring's close, and `try_pop` waits out those already under way.
        while let Ok(popped) = self.storage.try_pop() {
            // AssertUnwindSafe: the value is gone whether or not its `Drop` finished; no state of ours is
            // borrowed across it.
            probe::hit("drain.dropped_value");
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| drop(popped))) {
                probe::hit("drain.value_panicked");
                first_panic.get_or_insert(panic);
            }
        }
        if let Some(panic) = first_panic {
            resume_unwind(panic);
        }
    }

    /// Polls a send of `*value` for the future whose registration is `*waiter`: takes the value when it is
    /// sent, hands it back in `Closed` when the queue is closed, and otherwise leaves it in place and waits.
    ///
    /// Out of cooperative budget, it returns `Pending` holding its place in line (tokio #8365): a waiter keeps
    /// its id, and a new one gets its id now, so it later registers where it arrived. The budget's own
    /// wake-up polls it again. (Registering instead would set the `WAITING` bit and draw a grant from the
    /// other side for a task that is already scheduled.)
    pub(crate) fn poll_send(
        &self,
        value: &mut Option<T>,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        assert!(value.is_some(), "send future polled after completion");
        let Poll::Ready(budget) = coop::poll_proceed(cx, waiter.is_some()) else {
            self.senders.hold_place(waiter);
            return Poll::Pending;
        };
        let mut item = value.take().expect("checked above");
        if self
            .take_grant(&self.senders, waiter, &SenderGate(&self.storage))
            .is_some()
        {
            probe::hit("send.took_grant");
            budget.made_progress();
            return Poll::Ready(self.send_reserved(item));
        }
        let mut registered = false;
        loop {
            match self.try_send(item) {
                Ok(()) => {
                    if registered {
                        probe::hit("send.recheck_found_room");
                    }
                    budget.made_progress();
                    self.leave_senders(waiter, true);
                    return Poll::Ready(Ok(()));
                }
                Err(TrySendError::Closed(back)) => {
                    budget.made_progress();
                    self.leave_senders(waiter, true);
                    return Poll::Ready(Err(back));
                }
                Err(TrySendError::Full(back)) if registered => {
                    probe::hit("send.waits");
                    *value = Some(back);
                    return Poll::Pending;
                }
                Err(TrySendError::Full(back)) => {
                    item = back;
                    if self.register_sender(waiter, 1, cx).is_some() {
                        probe::hit("send.granted_on_register");
                        budget.made_progress();
                        return Poll::Ready(self.send_reserved(item));
                    }
                    registered = true;
                }
            }
        }
    }

    /// Polls a reservation of `count` slots (`1..=capacity`) for the future whose registration is `*waiter`:
    /// `Ok` once it holds them, `Err` once the queue is closed. Out of cooperative budget, as `poll_send`.
    pub(crate) fn poll_reserve(
        &self,
        count: usize,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let Poll::Ready(budget) = coop::poll_proceed(cx, waiter.is_some()) else {
            self.senders.hold_place(waiter);
            return Poll::Pending;
        };
        if let Some(held) = self.take_grant(&self.senders, waiter, &SenderGate(&self.storage)) {
            probe::hit("reserve.took_grant");
            debug_assert_eq!(held, count);
            budget.made_progress();
            return Poll::Ready(Ok(()));
        }
        let mut registered = false;
        loop {
            match self.storage.try_reserve(count) {
                Ok(()) => {
                    if registered {
                        probe::hit("reserve.recheck_found_room");
                    }
                    budget.made_progress();
                    self.leave_senders(waiter, true);
                    return Poll::Ready(Ok(()));
                }
                Err(TrySendError::Closed(())) => {
                    budget.made_progress();
                    self.leave_senders(waiter, true);
                    return Poll::Ready(Err(()));
                }
                Err(TrySendError::Full(())) if registered => {
                    probe::hit(if count > 1 {
                        "reserve_many.waits"
                    } else {
                        "reserve.waits"
                    });
                    return Poll::Pending;
                }
                Err(TrySendError::Full(())) => {
                    if self.register_sender(waiter, count, cx).is_some() {
                        probe::hit("reserve.granted_on_register");
                        budget.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                    registered = true;
                }
            }
        }
    }

    /// Polls a receive for the future whose registration is `*waiter`: `Some(value)`, or `None` once the
    /// queue is closed and drained. Out of cooperative budget, as `poll_send`.
    pub(crate) fn poll_receive(
        &self,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        let Poll::Ready(budget) = coop::poll_proceed(cx, waiter.is_some()) else {
            self.receivers.hold_place(waiter);
            return Poll::Pending;
        };
        if self
            .take_grant(&self.receivers, waiter, &ReceiverGate(&self.storage))
            .is_some()
        {
            probe::hit("receive.took_grant");
            budget.made_progress();
            return Poll::Ready(Some(self.receive_promised()));
        }
        let mut registered = false;
        loop {
            match self.try_receive() {
                Ok(value) => {
                    if registered {
                        probe::hit("receive.recheck_found_value");
                    }
                    budget.made_progress();
                    self.leave_receivers(waiter, true);
                    return Poll::Ready(Some(value));
                }
                Err(TryRecvError::Closed) => {
                    if registered {
                        probe::hit("receive.recheck_found_the_end");
                    }
                    budget.made_progress();
                    self.leave_receivers(waiter, true);
                    return Poll::Ready(None);
                }
                Err(TryRecvError::Empty) if registered => {
                    probe::hit("receive.waits");
                    return Poll::Pending;
                }
                Err(TryRecvError::Empty) => {
                    let granted = self.receivers.register(
                        waiter,
                        1,
                        cx.waker(),
                        coop::notifications_in_flight(self.storage.capacity()),
                        &ReceiverGate(&self.storage),
                    );
                    if granted.is_some() {
                        probe::hit("receive.granted_on_register");
                        *waiter = None;
                        budget.made_progress();
                        return Poll::Ready(Some(self.receive_promised()));
                    }
                    registered = true;
                }
            }
        }
    }

    /// A polled waiter comes back ([`WaitList::come_back`]): takes its grant if it was served (it is then out of
    /// the list), ends its notification if it was notified.
    fn take_grant(
        &self,
        list: &WaitList,
        waiter: &mut Option<WaiterId>,
        gate: &impl Gate,
    ) -> Option<usize> {
        let held = list.come_back(waiter.as_mut()?, gate)?;
        *waiter = None;
        Some(held)
    }

    /// Registers a sender (or reserver) for `count` slots; `Some` if that served it at once.
    fn register_sender(
        &self,
        waiter: &mut Option<WaiterId>,
        count: usize,
        cx: &mut Context<'_>,
    ) -> Option<usize> {
        let held = self.senders.register(
            waiter,
            count,
            cx.waker(),
            coop::notifications_in_flight(self.storage.capacity()),
            &SenderGate(&self.storage),
        )?;
        *waiter = None;
        Some(held)
    }

    /// Polls a batch receive: waits as `poll_receive` for one value, then appends it and up to `limit - 1`
    /// more that are already inside to `buffer`. Returns how many it appended: 0 only once the queue is
    /// closed and drained, or for `limit == 0`. Every value taken is in `buffer` before this returns.
    pub(crate) fn poll_receive_many(
        &self,
        buffer: &mut Vec<T>,
        limit: usize,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let Some(first) = std::task::ready!(self.poll_receive(waiter, cx)) else {
            return Poll::Ready(0);
        };
        buffer.push(first);
        let mut taken = 1;
        while taken < limit {
            let Ok(value) = self.try_receive() else { break };
            probe::hit("receive_many.took_another");
            buffer.push(value);
            taken += 1;
        }
        Poll::Ready(taken)
    }

    /// Polls a wait for the close, for the future whose registration is `*waiter`.
    pub(crate) fn poll_closed(
        &self,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        if !self.is_closed() {
            // Nothing to acquire: only the close wakes these waiters.
            let served = self
                .closing
                .register(waiter, 1, cx.waker(), usize::MAX, &CloseGate);
            debug_assert!(served.is_none());
            // Re-check: a close that ran before this registration took the lock is seen here (the lock orders
            // its `fetch_or` of CLOSED before this load).
            if !self.is_closed() {
                probe::hit("closed.waits");
                return Poll::Pending;
            }
            probe::hit("closed.recheck_found_the_close");
        }
        self.cancel_closed(waiter);
        Poll::Ready(())
    }

    /// A `closed()` future done, or dropped before the close.
    pub(crate) fn cancel_closed(&self, waiter: &mut Option<WaiterId>) {
        if unwinding_out_of_a_model() {
            return;
        }
        if let Some(id) = waiter.take() {
            self.closing.leave(id, &CloseGate);
        }
    }

    /// Ends the registration of a send or reservation that completed (`done`) or was dropped: slots it was
    /// granted and did not use go back to the ring (and so to the next waiting sender). A notification it did
    /// not act on goes to the next waiting sender; after a completion only while a slot is free and not
    /// reserved (its own success may have used another slot than the one it was woken for; when none is
    /// free, every later pop or release serves the senders still registered).
    ///
    /// Without the lock when it has no node (it never registered, or came back from its notification: see
    /// `WaitList::leave`). A completed one that came back passes on only while the senders' `WAITING` bit is
    /// set: a clear bit means the list is empty or another notification is out, which carries the duty (the
    /// bit is cleared only under the lock, and a sender that registers after the clear with the throttle off
    /// sets it and re-checks, seeing every slot freed before).
    #[inline]
    fn leave_senders(&self, waiter: &mut Option<WaiterId>, done: bool) {
        // Inline: most operations never waited, and leave nothing.
        if let Some(id) = waiter.take() {
            self.leave_senders_list(id, done);
        }
    }

    /// [`Shared::leave_senders`] of a waiter that has an id.
    #[inline(never)]
    fn leave_senders_list(&self, id: WaiterId, done: bool) {
        let left = self.senders.leave(id, &SenderGate(&self.storage));
        if left.units > 0 {
            probe::hit("leave.sender_gave_back_units");
        }
        self.release_reservations(left.units);
        if left.notified
            && (!done || self.storage.has_free_slot() && self.storage.senders_waiting())
        {
            probe::hit("leave.sender_passed_on_a_wakeup");
            self.serve_senders(1);
        }
    }

    /// As `leave_senders`, for a receive: a value promised to it goes back to the ring, and so to the next
    /// waiting receiver; a notification goes on while a value is inside.
    #[inline]
    fn leave_receivers(&self, waiter: &mut Option<WaiterId>, done: bool) {
        if let Some(id) = waiter.take() {
            self.leave_receivers_list(id, done);
        }
    }

    /// [`Shared::leave_receivers`] of a waiter that has an id.
    #[inline(never)]
    fn leave_receivers_list(&self, id: WaiterId, done: bool) {
        let left = self.receivers.leave(id, &ReceiverGate(&self.storage));
        if left.units > 0 {
            probe::hit("leave.receiver_gave_back_a_value");
        }
        self.release_promises(left.units);
        if left.notified
            && (!done || self.storage.has_free_value() && self.storage.receivers_waiting())
        {
            probe::hit("leave.receiver_passed_on_a_wakeup");
            self.serve_receivers(1);
        }
    }

    /// A send or reserve future dropped before completing: its value was never sent; a slot it was granted,
    /// or a notification it received, goes on.
    pub(crate) fn cancel_send(&self, waiter: &mut Option<WaiterId>) {
        if unwinding_out_of_a_model() {
            return;
        }
        self.leave_senders(waiter, false);
    }

    /// A receive future dropped before completing: it took no value; a value promised to it, or a
    /// notification it received, goes on.
    pub(crate) fn cancel_receive(&self, waiter: &mut Option<WaiterId>) {
        if unwinding_out_of_a_model() {
            return;
        }
        self.leave_receivers(waiter, false);
    }

    /// Closes the queue (returns whether this call did) and wakes every waiting sender and receiver. Waiters
    /// that register later see `CLOSED` in their re-check.
    pub(crate) fn close(&self) -> bool {
        self.close_then_wake(|| {})
    }

    /// Closes the ring, runs `before_waking`, then wakes every waiter; returns whether this call closed it.
    /// Grants not yet taken by senders are revoked (their futures find the ring closed); receivers keep the
    /// values promised to them.
    ///
    /// # Panics
    /// If `before_waking` panics (a value's `Drop` in the drain): the panic resumes once every waiter was
    /// woken, so none is stranded by it.
    fn close_then_wake(&self, before_waking: impl FnOnce()) -> bool {
        let first = self.storage.close();
        // AssertUnwindSafe: the queue is closed and consistent whatever `before_waking` did before it panicked.
        let interrupted = catch_unwind(AssertUnwindSafe(before_waking)).err();
        let (senders, held) = self.senders.take_all(&SenderGate(&self.storage), true);
        if held > 0 {
            probe::hit("close.revoked_grants");
            // The receivers are all woken below: whether that made the ring final is for them to see.
            self.storage.release(held);
        }
        let (receivers, _) = self.receivers.take_all(&ReceiverGate(&self.storage), false);
        let (closing, _) = self.closing.take_all(&CloseGate, false);
        for (woke, probe) in [
            (senders.len(), "close.woke_senders"),
            (receivers.len(), "close.woke_receivers"),
            (closing.len(), "close.woke_closed_waiters"),
        ] {
            if woke > 0 {
                probe::hit(probe);
            }
        }
        if interrupted.is_some() {
            probe::hit("close.drain_panicked");
        }
        // Every list emptied before any waker runs: one that panics cannot strand another waiter.
        let woken = catch_unwind(AssertUnwindSafe(|| {
            wake_all(senders.into_iter().chain(receivers).chain(closing));
        }));
        // The drain's panic first (a value's `Drop`), else a waker's.
        if let Some(panic) = interrupted.or(woken.err()) {
            resume_unwind(panic);
        }
        first
    }
}

/// Adds one to a handle count unless it is 0, which is final (a weak handle's upgrade never revives a side).
fn add_unless_zero(count: &AtomicUsize) -> bool {
    // Relaxed: only the count's own coherence matters; a count of 0 is final.
    let mut now = count.load(Ordering::Relaxed);
    while now > 0 {
        match count.compare_exchange_weak(now, now + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(current) => now = current,
        }
    }
    false
}

/// The senders' list on the storage: `WAITING` in the head (pops serve it), `QUEUED` in the tail (newcomer
/// pushes give way), reservations as units.
struct SenderGate<'a, T>(&'a Storage<T>);

impl<T> Gate for SenderGate<'_, T> {
    fn mark(&self) {
        self.0.set_senders_waiting();
    }

    fn unmark(&self) {
        self.0.clear_senders_waiting();
    }

    fn queue(&self, queued: bool) {
        self.0.set_senders_queued(queued);
    }

    fn acquire(&self) -> bool {
        self.0.reserve_for_queued()
    }

    fn hopeless(&self) -> bool {
        self.0.is_closed()
    }

    fn over_limit(&self, needs: usize) -> bool {
        self.0.reservations_over_limit(needs)
    }

    /// The capacity: a stuck notified sender keeps at most that many more slots, and one lap, unserved.
    fn patience(&self) -> usize {
        self.0.capacity().unwrap_or(usize::MAX)
    }
}

/// The receivers' list on the storage: `WAITING` in the tail (pushes serve it), `QUEUED` in the head (newcomer
/// pops give way), promised values as units.
struct ReceiverGate<'a, T>(&'a Storage<T>);

impl<T> Gate for ReceiverGate<'_, T> {
    fn mark(&self) {
        self.0.set_receivers_waiting();
    }

    fn unmark(&self) {
        self.0.clear_receivers_waiting();
    }

    fn queue(&self, queued: bool) {
        self.0.set_receivers_queued(queued);
    }

    fn acquire(&self) -> bool {
        self.0.promise()
    }

    /// Once no value can come any more (closed, no permit left), every serve wakes every waiting receiver:
    /// each finds a value or the end itself. (Waking one per value would strand the others when the taker of
    /// the last value is the one woken.) While permits are held after a close, values still come: receivers
    /// are served one per value as before the close, so the overtaking bound holds. The serve that makes the
    /// queue final (the last permit's send or release) reads it here in its own thread.
    fn hopeless(&self) -> bool {
        self.0.is_final()
    }

    /// The capacity, or one block of the list (31 values) when unbounded.
    fn patience(&self) -> usize {
        self.0.capacity().unwrap_or(self.0.lap())
    }
}

/// The `closed()` waiters: no bits, nothing to acquire; only the close wakes them.
struct CloseGate;

impl Gate for CloseGate {
    fn mark(&self) {}

    fn unmark(&self) {}

    fn queue(&self, _: bool) {}

    fn acquire(&self) -> bool {
        false
    }

    fn hopeless(&self) -> bool {
        false
    }
}
