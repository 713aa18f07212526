//! A [`Receiver`] as an `Iterator`, for sync threads: [`Iter`] and [`IntoIter`] block for each value until
//! the channel is closed and drained (crossbeam's, flume's and std's `for value in rx`); [`TryIter`] takes
//! what is inside now. Each `next` is one call of the receiver.

use std::fmt;
use std::iter::FusedIterator;

use crate::blocking;
use crate::channel::Receiver;

/// The values of a [`Receiver`], blocking this thread for each; made by [`Receiver::iter`] or by
/// `for value in &rx`. Ends once the channel is closed and drained, and from then on answers `None` at once.
///
/// # Panics
///
/// `next` panics inside an async runtime, before taking anything, as
/// [`blocking_recv`](Receiver::blocking_recv).
///
/// # Examples
///
/// ```
/// let (tx, rx) = tokio_mpmc::channel(4);
/// std::thread::spawn(move || {
///     for word in ["a", "b", "c"] {
///         tx.blocking_send(word).unwrap();
///     }
/// });
/// let mut words = String::new();
/// for word in &rx {
///     words.push_str(word);
/// }
/// assert_eq!(words, "abc");
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

/// The values inside a [`Receiver`] now; made by [`Receiver::try_iter`]. Never waits: it ends at the first
/// value that is not there (the channel may be empty and open, or closed and drained).
///
/// # Examples
///
/// ```
/// let (tx, rx) = tokio_mpmc::channel(8);
/// for n in 0..5 {
///     tx.try_send(n).unwrap();
/// }
/// let batch: Vec<_> = rx.try_iter().take(3).collect();
/// assert_eq!(batch, [0, 1, 2]);
/// assert_eq!(rx.len(), 2);
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

/// The values of a [`Receiver`] it owns, blocking this thread for each; made by `for value in rx`. Ends
/// once the channel is closed and drained; dropping it drops the receiver.
///
/// # Panics
///
/// As [`Iter`].
///
/// # Examples
///
/// ```
/// let (tx, rx) = tokio_mpmc::channel(4);
/// let consumer = std::thread::spawn(move || {
///     let mut sum = 0;
///     for n in rx {
///         sum += n;
///     }
///     sum
/// });
/// for n in 1..=4 {
///     tx.blocking_send(n).unwrap();
/// }
/// drop(tx);
/// assert_eq!(consumer.join().unwrap(), 10);
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

impl<'a, T> Iter<'a, T> {
    pub(crate) fn new(receiver: &'a Receiver<T>) -> Self {
        Iter { receiver }
    }
}

impl<'a, T> TryIter<'a, T> {
    pub(crate) fn new(receiver: &'a Receiver<T>) -> Self {
        TryIter { receiver }
    }
}

impl<T> IntoIter<T> {
    pub(crate) fn new(receiver: Receiver<T>) -> Self {
        IntoIter { receiver }
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        blocking::recv(self.receiver.shared(), "Receiver::iter")
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        blocking::recv(self.receiver.shared(), "Receiver::into_iter")
    }
}

// A closed and drained channel stays so: once `None`, always `None`.
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> FusedIterator for IntoIter<T> {}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("receiver", self.receiver)
            .finish()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter")
            .field("receiver", self.receiver)
            .finish()
    }
}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("receiver", &self.receiver)
            .finish()
    }
}
