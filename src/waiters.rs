//! The waiter protocol: a FIFO list of tasks blocked on one side of the queue (senders or receivers).
//!
//! A waiting future holds a [`WaiterId`]. While its entry is in the list it is *registered*; a notifier removes
//! the oldest entry and wakes it, so an id missing from the list means *notified*. A future must:
//! 1. try its operation; on failure **register**, then **try again** before returning `Pending` (an operation
//!    that completed between the two tries either sees the waiter or is seen by the second try);
//! 2. on completion, [`WaitList::finish`] its registration (`Shared` skips this when the side's `WAITING` bit
//!    reads clear: the list emptied after the future registered, so its entry is already gone);
//! 3. when dropped while registered, [`WaitList::cancel`], which passes an unconsumed wake-up on to the next
//!    waiter.
//!
//! Ids grow monotonically and the list stays sorted by id, so a notified future that must wait again re-enters
//! at its old place (FIFO across retries) and is found by binary search. The list touches the ring's
//! `WAITING` bit (through the `mark` / `unmark` closures) only under its lock, so "list not empty" implies
//! "bit set" there; operations take this lock only when they saw the bit.

use std::collections::VecDeque;
use std::task::Waker;

use crate::sync::{Mutex, lock};

/// Identifies one waiting future; assigned at its first registration, kept until it completes or is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WaiterId(u64);

#[derive(Debug)]
struct Waiters {
    next_id: u64,
    /// Registered waiters, oldest (smallest id) first.
    queue: VecDeque<(WaiterId, Waker)>,
}

#[derive(Debug)]
pub(crate) struct WaitList {
    waiters: Mutex<Waiters>,
}

impl WaitList {
    pub(crate) fn new() -> Self {
        WaitList {
            waiters: Mutex::new(Waiters {
                next_id: 0,
                queue: VecDeque::new(),
            }),
        }
    }

    /// Registers the waiter `id` (assigning an id on first use) with `waker`, or refreshes its waker if it is
    /// registered already, and calls `mark` to set the ring's `WAITING` bit. The caller must re-try its
    /// operation afterwards before it returns `Pending`.
    pub(crate) fn register(&self, id: &mut Option<WaiterId>, waker: &Waker, mark: impl FnOnce()) {
        // Cloned before locking and the replaced waker dropped after unlocking: a waker's clone and drop are
        // user code, which may call back into the queue (and so lock this list).
        let fresh = waker.clone();
        let replaced = {
            let mut waiters = lock(&self.waiters);
            let waiters = &mut *waiters;
            let waiter = *id.get_or_insert_with(|| {
                let fresh = WaiterId(waiters.next_id);
                waiters.next_id += 1;
                fresh
            });
            let replaced = match waiters.queue.binary_search_by_key(&waiter, |(id, _)| *id) {
                Ok(found) => Some(std::mem::replace(&mut waiters.queue[found].1, fresh)),
                Err(place) => {
                    waiters.queue.insert(place, (waiter, fresh));
                    None
                }
            };
            mark();
            replaced
        };
        drop(replaced);
    }

    /// Gives the waiter `id` its place in line (an id) without registering it, for a future that must yield
    /// before it could try (tokio's budget ran out): when it registers later it stands where it arrived,
    /// behind the waiters that came before it and ahead of those that came after. It is not in the list
    /// meanwhile, so no notifier picks it and no `WAITING` bit is set for it.
    pub(crate) fn hold_place(&self, id: &mut Option<WaiterId>) {
        if id.is_none() {
            let mut waiters = lock(&self.waiters);
            *id = Some(WaiterId(waiters.next_id));
            waiters.next_id += 1;
        }
    }

    /// Wakes the oldest waiter, removing it from the list; calls `unmark` if the list is then empty.
    pub(crate) fn notify_one(&self, unmark: impl FnOnce()) {
        let woken = {
            let mut waiters = lock(&self.waiters);
            let woken = waiters.queue.pop_front();
            if waiters.queue.is_empty() {
                unmark();
            }
            woken
        };
        // Wake outside the lock: the woken task may run at once and register again.
        if let Some((_, waker)) = woken {
            waker.wake();
        }
    }

    /// Removes every waiter (on close), calling `unmark`; the caller wakes them with [`wake_all`] once it has
    /// emptied every list it closes.
    pub(crate) fn take_all(&self, unmark: impl FnOnce()) -> Taken {
        let mut waiters = lock(&self.waiters);
        unmark();
        Taken(std::mem::take(&mut waiters.queue))
    }

    /// Ends the registration of a waiter whose operation completed. Returns whether it was still registered
    /// (`false`: it had been notified, and its completion consumed that wake-up).
    pub(crate) fn finish(&self, id: WaiterId, unmark: impl FnOnce()) -> bool {
        let removed = {
            let mut waiters = lock(&self.waiters);
            let removed = match waiters.queue.binary_search_by_key(&id, |(id, _)| *id) {
                Ok(found) => waiters.queue.remove(found),
                Err(_) => None,
            };
            if removed.is_some() && waiters.queue.is_empty() {
                unmark();
            }
            removed
        };
        // Its waker is dropped after unlocking: dropping a waker runs user code.
        removed.is_some()
    }

    /// Ends the registration of a waiter dropped before completing: a wake-up it received but did not act on
    /// goes to the next waiter, so it is not lost.
    pub(crate) fn cancel(&self, id: WaiterId, unmark: impl Fn()) {
        if !self.finish(id, &unmark) {
            self.notify_one(unmark);
        }
    }
}

/// Waiters removed from a list by [`WaitList::take_all`], still to be woken.
pub(crate) struct Taken(VecDeque<(WaiterId, Waker)>);

impl IntoIterator for Taken {
    type Item = Waker;
    type IntoIter = std::iter::Map<
        std::collections::vec_deque::IntoIter<(WaiterId, Waker)>,
        fn((WaiterId, Waker)) -> Waker,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().map(|(_, waker)| waker)
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
