//! Where the dispatcher's own synchronisation comes from: std in a normal build, the checker under
//! `--cfg loom` / `--cfg shuttle`.
//!
//! A checker only explores what it can see. The queue's atomics come from the checker through tokio-mpmc's
//! `loom` / `shuttle` feature; the board's atomics must come from it too, or loom could not tell that a
//! `Relaxed` read of the board may return a stale value (seeded bug 3). The price: under `--cfg loom` a
//! [`Board`](crate::Board) can only be created inside `loom::model` (loom's atomics panic anywhere else), so
//! the tests that run outside a model are gated off in that build (tests/std.rs).

#[cfg(loom)]
pub(crate) use loom::{
    sync::Arc,
    sync::atomic::{AtomicUsize, Ordering},
    thread::yield_now,
};

#[cfg(all(shuttle, not(loom)))]
pub(crate) use shuttle::{
    sync::Arc,
    sync::atomic::{AtomicUsize, Ordering},
    thread::yield_now,
};

#[cfg(not(any(loom, shuttle)))]
pub(crate) use std::{
    sync::Arc,
    sync::atomic::{AtomicUsize, Ordering},
    thread::yield_now,
};
