//! The shared state behind every handle: the storage plus one waiter list per side, and the one place where an
//! operation on the storage is combined with waiting. Every public call is written once here; the faces
//! (`Queue` and its futures) are thin wrappers.

use std::task::{Context, Poll};

use crate::error::{TryRecvError, TrySendError};
use crate::storage::ring::Ring;
use crate::storage::{Popped, Pushed};
use crate::waiters::{WaitList, WaiterId, wake_all};

pub(crate) struct Shared<T> {
    ring: Ring<T>,
    /// Senders waiting for a free slot; their `WAITING` bit is in the ring's head.
    senders: WaitList,
    /// Receivers waiting for a value or for close; their `WAITING` bit is in the ring's tail.
    receivers: WaitList,
}

impl<T> Shared<T> {
    #[track_caller]
    pub(crate) fn new(capacity: usize) -> Self {
        Shared {
            ring: Ring::new(capacity),
            senders: WaitList::new(),
            receivers: WaitList::new(),
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
    pub(crate) fn poll_send(
        &self,
        value: &mut Option<T>,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        let mut item = value.take().expect("send future polled after completion");
        let mut registered = false;
        loop {
            match self.try_send(item) {
                Ok(()) => {
                    self.finish_send(waiter);
                    return Poll::Ready(Ok(()));
                }
                Err(TrySendError::Closed(back)) => {
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
    /// queue is closed and drained.
    pub(crate) fn poll_receive(
        &self,
        waiter: &mut Option<WaiterId>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        let mut registered = false;
        loop {
            match self.try_receive() {
                Ok(value) => {
                    self.finish_receive(waiter);
                    return Poll::Ready(Some(value));
                }
                Err(TryRecvError::Closed) => {
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
        if let Some(id) = waiter.take() {
            self.senders
                .cancel(id, || self.ring.clear_senders_waiting());
        }
    }

    /// A receive future dropped before completing: it took no value; pass on any wake-up it holds.
    pub(crate) fn cancel_receive(&self, waiter: &mut Option<WaiterId>) {
        if let Some(id) = waiter.take() {
            self.receivers
                .cancel(id, || self.ring.clear_receivers_waiting());
        }
    }

    /// Closes the queue (returns whether this call did) and wakes every waiting sender and receiver. Waiters
    /// that register later see `CLOSED` in their re-check.
    pub(crate) fn close(&self) -> bool {
        let first = self.ring.close();
        let senders = self.senders.take_all(|| self.ring.clear_senders_waiting());
        let receivers = self
            .receivers
            .take_all(|| self.ring.clear_receivers_waiting());
        // Both lists emptied before any waker runs: one that panics cannot strand the other side.
        wake_all(senders.into_iter().chain(receivers));
        first
    }
}
