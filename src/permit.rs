//! Permits: capacity held for a value not yet sent. A permit is a reservation in the ring's tail word (see
//! `storage::ring`), not a ring position, so holding one across an `.await` never stalls the values sent
//! before or after it; values inside plus permits held never exceed the capacity.

use std::fmt;
use std::iter::FusedIterator;

use crate::channel::Sender;
use crate::shared::Shared;

/// One slot held for a value: [`send`](Permit::send) never waits and never fails; dropping the permit gives
/// the slot back (to the oldest waiting sender, if any).
///
/// Got from [`Sender::reserve`], [`Sender::try_reserve`], [`Sender::reserve_many`] or the same calls of
/// [`Queue`](crate::Queue).
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(1);
/// let permit = tx.reserve().await.unwrap();
/// assert!(tx.try_send(1).is_err()); // the one slot is held
/// assert_eq!(rx.len(), 0); // a permit is not a value
/// permit.send(2); // the value is computed only now that there is room
/// assert_eq!(rx.recv().await, Some(2));
/// # });
/// ```
#[must_use = "a permit holds a slot until it is used or dropped"]
pub struct Permit<'a, T> {
    shared: &'a Shared<T>,
}

impl<'a, T> Permit<'a, T> {
    /// A permit over one reservation the caller holds.
    pub(crate) fn new(shared: &'a Shared<T>) -> Self {
        Permit { shared }
    }

    /// Sends `value` into the slot this permit holds, at once.
    ///
    /// It never fails: even after the channel was closed the value goes in, and receivers get it before they
    /// see the close (as with tokio's permits). If every receiver is gone, nothing will ever take it, and it
    /// is dropped here.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(2);
    /// let permit = tx.try_reserve().unwrap();
    /// tx.close();
    /// permit.send("sent through a permit held before the close");
    /// assert!(rx.try_recv().is_ok());
    /// assert!(rx.try_recv().is_err()); // closed and drained
    /// ```
    pub fn send(self, value: T) {
        let shared = self.shared;
        std::mem::forget(self);
        shared.send_permitted(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.shared.drop_permits(1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// A [`Permit`] that owns its [`Sender`], so it can be moved into another task (`'static`). Sending or
/// releasing it gives the sender back.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(1);
/// let permit = tx.reserve_owned().await.unwrap();
/// let handle = tokio::spawn(async move {
///     let tx = permit.send(7);
///     tx.sender_count()
/// });
/// assert_eq!(handle.await.unwrap(), 1);
/// assert_eq!(rx.recv().await, Some(7));
/// # });
/// ```
#[must_use = "a permit holds a slot until it is used or dropped"]
pub struct OwnedPermit<T> {
    /// `Some` until the permit is used.
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    /// A permit over one reservation the caller holds.
    pub(crate) fn new(sender: Sender<T>) -> Self {
        OwnedPermit {
            sender: Some(sender),
        }
    }

    /// Sends `value` into the slot this permit holds, at once, and gives the sender back. Never fails, as
    /// [`Permit::send`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tokio_mpmc::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// tx.try_send(2).unwrap();
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.sender.take().expect("a permit is used once");
        sender.shared().send_permitted(value);
        sender
    }

    /// Gives the slot back without sending, and the sender with it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = tokio_mpmc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release();
    /// tx.try_send(1).unwrap(); // the slot is free again
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let sender = self.sender.take().expect("a permit is used once");
        sender.shared().release_reservations(1);
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            sender.shared().drop_permits(1);
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

/// `n` slots held at once, handed out one [`Permit`] at a time; the slots not taken go back when the
/// iterator is dropped.
///
/// # Examples
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = tokio_mpmc::channel(4);
/// let permits = tx.reserve_many(3).await.unwrap();
/// assert_eq!(permits.len(), 3);
/// for (permit, value) in permits.zip([1, 2]) {
///     permit.send(value);
/// }
/// // `zip` stopped after two: the third slot went back with the iterator.
/// assert_eq!(tx.try_reserve_many(2).unwrap().len(), 2);
/// assert_eq!(rx.len(), 2);
/// # });
/// ```
#[must_use = "permits hold slots until they are used or dropped"]
pub struct PermitIterator<'a, T> {
    shared: &'a Shared<T>,
    left: usize,
}

impl<'a, T> PermitIterator<'a, T> {
    /// An iterator over `count` reservations the caller holds.
    pub(crate) fn new(shared: &'a Shared<T>, count: usize) -> Self {
        PermitIterator {
            shared,
            left: count,
        }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(Permit::new(self.shared))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        self.shared.drop_permits(self.left);
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}
