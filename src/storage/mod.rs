//! Where the values live. Each flavour is a lock-free structure that keeps the closed flag and the two
//! `WAITING` flags of the waiter protocol in the words its operations move, and reports in its results
//! whether the other side may be waiting. This is the only part of the crate with `unsafe`.
//!
//! Today there is one flavour, the bounded [`ring::Ring`]; an unbounded block list will sit beside it.

pub(crate) mod ring;

/// What a successful push learned from the word it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// No receiver was registered as waiting.
    Quiet,
    /// The receivers' `WAITING` flag was set: one of them must be woken.
    ReceiversWaiting,
}

/// What a successful pop took, and what it learned from the word it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Popped<T> {
    /// The value; no sender was registered as waiting.
    Quiet(T),
    /// The value; the senders' `WAITING` flag was set: one of them must be woken.
    SendersWaiting(T),
}
