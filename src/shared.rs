//! The shared state behind every handle: the storage, one waiter list per side, the channel's handle counts,
//! and the one place where an operation on the storage is combined with waiting. Every public call is written
//! once here; the faces (`Queue`, `Sender`/`Receiver`, their futures) are thin wrappers.

use std::task::{Context, Poll};

use crate::coop;
use crate::error::{TryRecvError, TrySendError};
use crate::storage::ring::Ring;
use crate::storage::{Popped, Pushed};
use crate::sync::{AtomicUsize, Ordering, unwinding_out_of_a_model};
use crate::waiters::{WaitList, WaiterId, wake_all};

pub(crate) struct Shared<T> {
    ring: Ring<T>,
    /// Senders waiting for a free slot; their `WAITING` bit is in the ring's head.
    senders: WaitList,
    /// Receivers waiting for a value or for close; their `WAITING` bit is in the ring's tail.
    receivers: WaitList,
    /// Tasks waiting in `closed()` for the close; woken by it, no flag needed (they re-check `is_closed`).
    closing: WaitList,
    /// Strong `Sender` handles; the last one to go closes the channel. (`Queue` handles count in neither.)
    sender_handles: AtomicUsize,
    /// `Receiver` handles; the last one to go closes the channel and drops the values inside.
    receiver_handles: AtomicUsize,
}

impl<T> Shared<T> {
    /// A queue with no channel handle yet (`Queue` handles are not counted).
    #[track_caller]
    pub(crate) fn new(capacity: usize) -> Self {
        Shared {
            ring: Ring::new(capacity),
            senders: WaitList::new(),
            receivers: WaitList::new(),
            closing: WaitList::new(),
            sender_handles: AtomicUsize::new(0),
            receiver_handles: AtomicUsize::new(0),
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
        // Relaxed: only the count's own coherence matters; a count of 0 is final.
        let mut count = self.sender_handles.load(Ordering::Relaxed);
        while count > 0 {
            match self.sender_handles.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => count = now,
            }
        }
        false
    }

    /// Counts a new `Receiver`, made from a live one (or by the constructor).
    pub(crate) fn add_receiver(&self) {
        // Relaxed: as `add_sender`.
        self.receiver_handles.fetch_add(1, Ordering::Relaxed);
    }

    /// Uncounts a dropped `Sender`; the last one closes the channel, exactly once however drops race (one
    /// read-modify-write decides who was last).
    pub(crate) fn drop_sender(&self) {
        if unwinding_out_of_a_model() {
            return;
        }
        // AcqRel: every send made through the other handles happens before the close (as `Arc`'s drop).
        if self.sender_handles.fetch_sub(1, Ordering::AcqRel) == 1 {
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
            self.close_then_wake(|| {
                // No push succeeds after the ring's close, and `try_pop` waits out those already under way,
                // so this empties the ring for good before any sender is woken. (The waiting senders are
                // woken by the close itself, not by these pops.)
                while let Ok(popped) = self.ring.try_pop() {
                    drop(popped);
                }
            });
        }
    }

    /// The most values inside at once.
    pub(crate) fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// The number of values inside: a snapshot, never above the capacity.
    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether the queue was closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.ring.is_closed()
    }

    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.ring.try_push(value)? {
            Pushed::Quiet => {}
            Pushed::ReceiversWaiting => {
                self.receivers
                    .notify_one(|| self.ring.clear_receivers_waiting());
            }
        }
        Ok(())
    }

    pub(crate) fn try_receive(&self) -> Result<T, TryRecvError> {
        match self.ring.try_pop()? {
            Popped::Quiet(value) => Ok(value),
            Popped::SendersWaiting(value) => {
                self.senders
                    .notify_one(|| self.ring.clear_senders_waiting());
                Ok(value)
            }
        }
    }

    /// Polls a send of `*value` for the future whose registration is `*waiter`: takes the value when it is
    /// sent, hands it back in `Closed` when the queue is closed, and otherwise leaves it in place and waits.
    ///
    /// Out of cooperative budget, it returns `Pending` holding its place in line (tokio #8365): a waiter keeps
    /// its id, and a new one gets its id now, so it later registers where it arrived. The budget's own
    /// wake-up polls it again. (Registering instead would set the `WAITING` bit and draw a notify from the
    /// other side for a task that is already scheduled: measured at a third of multi-thread throughput.)
    pub(crate) fn poll_send(
        &self,
        value: &mut Option<T>,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        assert!(value.is_some(), "send future polled after completion");
        let Poll::Ready(budget) = coop::poll_proceed(cx) else {
            self.senders.hold_place(waiter);
            return Poll::Pending;
        };
        let mut item = value.take().expect("checked above");
        let mut registered = false;
        loop {
            match self.try_send(item) {
                Ok(()) => {
                    budget.made_progress();
                    self.finish_send(waiter);
                    return Poll::Ready(Ok(()));
                }
                Err(TrySendError::Closed(back)) => {
                    budget.made_progress();
                    // Close wakes every sender itself: no wake-up to pass on.
                    self.finish_send(waiter);
                    return Poll::Ready(Err(back));
                }
                Err(TrySendError::Full(back)) if registered => {
                    *value = Some(back);
                    return Poll::Pending;
                }
                Err(TrySendError::Full(back)) => {
                    item = back;
                    self.senders
                        .register(waiter, cx.waker(), || self.ring.set_senders_waiting());
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
        let Poll::Ready(budget) = coop::poll_proceed(cx) else {
            self.receivers.hold_place(waiter);
            return Poll::Pending;
        };
        let mut registered = false;
        loop {
            match self.try_receive() {
                Ok(value) => {
                    budget.made_progress();
                    self.finish_receive(waiter);
                    return Poll::Ready(Some(value));
                }
                Err(TryRecvError::Closed) => {
                    budget.made_progress();
                    self.finish_receive(waiter);
                    return Poll::Ready(None);
                }
                Err(TryRecvError::Empty) if registered => return Poll::Pending,
                Err(TryRecvError::Empty) => {
                    self.receivers
                        .register(waiter, cx.waker(), || self.ring.set_receivers_waiting());
                    registered = true;
                }
            }
        }
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
            self.closing.register(waiter, cx.waker(), || {});
            // Re-check: a close that ran before this registration took the lock is seen here (the lock orders
            // its `fetch_or` of CLOSED before this load).
            if !self.is_closed() {
                return Poll::Pending;
            }
        }
        if let Some(id) = waiter.take() {
            // Every waiter is woken by the close: nothing to pass on.
            self.closing.finish(id, || {});
        }
        Poll::Ready(())
    }

    /// A `closed()` future dropped before the close.
    pub(crate) fn cancel_closed(&self, waiter: &mut Option<WaiterId>) {
        if unwinding_out_of_a_model() {
            return;
        }
        if let Some(id) = waiter.take() {
            self.closing.finish(id, || {});
        }
    }

    /// Ends the registration of a send that completed. If it had been notified, that wake-up may have been
    /// meant for a slot its own success did not use: a pop can pick this waiter between its successful
    /// re-check and this call. So while a slot is free, the wake-up goes on to the next sender; when the ring
    /// is full, every later pop sees the `WAITING` bit of the senders still registered.
    ///
    /// Without the lock when the senders' `WAITING` bit reads clear. This waiter set the bit when it
    /// registered, and the bit is cleared only under the lock with the list empty, so a clear bit read after
    /// that set means the list emptied since: this waiter was notified (or woken by close) and has no entry
    /// to remove. Every sender registered since set the bit after that clear, so its own re-check sees every
    /// slot freed before then: no wake-up to pass on either.
    fn finish_send(&self, waiter: &mut Option<WaiterId>) {
        if let Some(id) = waiter.take() {
            if !self.ring.senders_waiting() {
                return;
            }
            let unmark = || self.ring.clear_senders_waiting();
            if !self.senders.finish(id, unmark) && self.len() < self.capacity() {
                self.senders.notify_one(unmark);
            }
        }
    }

    /// Ends the registration of a receive that completed; as `finish_send`, with values for slots and the
    /// receivers' `WAITING` bit.
    fn finish_receive(&self, waiter: &mut Option<WaiterId>) {
        if let Some(id) = waiter.take() {
            if !self.ring.receivers_waiting() {
                return;
            }
            let unmark = || self.ring.clear_receivers_waiting();
            if !self.receivers.finish(id, unmark) && self.len() > 0 {
                self.receivers.notify_one(unmark);
            }
        }
    }

    /// A send future dropped before completing: its value was never sent; pass on any wake-up it holds.
    pub(crate) fn cancel_send(&self, waiter: &mut Option<WaiterId>) {
        if unwinding_out_of_a_model() {
            return;
        }
        if let Some(id) = waiter.take() {
            self.senders
                .cancel(id, || self.ring.clear_senders_waiting());
        }
    }

    /// A receive future dropped before completing: it took no value; pass on any wake-up it holds.
    pub(crate) fn cancel_receive(&self, waiter: &mut Option<WaiterId>) {
        if unwinding_out_of_a_model() {
            return;
        }
        if let Some(id) = waiter.take() {
            self.receivers
                .cancel(id, || self.ring.clear_receivers_waiting());
        }
    }

    /// Closes the queue (returns whether this call did) and wakes every waiting sender and receiver. Waiters
    /// that register later see `CLOSED` in their re-check.
    pub(crate) fn close(&self) -> bool {
        self.close_then_wake(|| {})
    }

    /// Closes the ring, runs `before_waking`, then wakes every waiter; returns whether this call closed it.
    fn close_then_wake(&self, before_waking: impl FnOnce()) -> bool {
        let first = self.ring.close();
        before_waking();
        let senders = self.senders.take_all(|| self.ring.clear_senders_waiting());
        let receivers = self
            .receivers
            .take_all(|| self.ring.clear_receivers_waiting());
        let closing = self.closing.take_all(|| {});
        // Every list emptied before any waker runs: one that panics cannot strand another waiter.
        wake_all(senders.into_iter().chain(receivers).chain(closing));
        first
    }
}
