//! Multi-producer multi-consumer async channels for Tokio, bounded or unbounded, whose production code is
//! model-checked.
//!
//! Two faces over one verified core:
//!
//! - [`channel`] (bounded) and [`unbounded_channel`] give split [`Sender`] / [`Receiver`] handles, both
//!   clonable, that **disconnect**: when the
//!   last sender is gone, receivers drain what is inside and then get `None`; when the last receiver is gone,
//!   the values inside are dropped and every send fails, giving its value back. This is what users of
//!   tokio's `mpsc`, async-channel, flume and kanal expect.
//! - [`Queue`] keeps the API of tokio-mpmc 0.2 (the crate's original design document): one clonable handle
//!   that both sends and receives, open until [`close`](Queue::close) is called.
//!
//! A full channel makes senders wait and an empty one makes receivers wait, as tasks (never blocking a
//! thread), or as threads through the `blocking_*` calls and [`Receiver::iter`] (`for value in rx`).
//! [`Receiver::poll_recv`] serves hand-written futures and streams; [`Receiver::stream`] and
//! [`Receiver::into_stream`] are `Stream`s.
//!
//! Two storages under the same handles: a bounded channel of capacity up to 65,536 is a lock-free ring
//! allocated once (no allocation afterwards); an unbounded one ([`unbounded_channel`], [`Queue::unbounded`]),
//! and a bounded one above 65,536, is a lock-free list of 31-slot blocks whose memory follows occupancy (a
//! drained channel keeps at most two blocks). Sends on an unbounded channel never wait.
//!
//! # Quick start
//!
//! With `tokio = { version = "1", features = ["macros", "rt-multi-thread"] }` beside this crate:
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() {
//!     let (tx, rx) = tokio_mpmc::channel(16);
//!     let workers: Vec<_> = (0..4)
//!         .map(|_| {
//!             let rx = rx.clone();
//!             tokio::spawn(async move {
//!                 let mut sum = 0;
//!                 while let Some(n) = rx.recv().await {
//!                     sum += n;
//!                 }
//!                 sum
//!             })
//!         })
//!         .collect();
//!     for n in 1..=100 {
//!         tx.send(n).await.unwrap(); // waits while 16 values are inside: backpressure
//!     }
//!     drop(tx); // the last sender: the workers drain the channel, then `recv` answers `None`
//!     let mut total = 0;
//!     for worker in workers {
//!         total += worker.await.unwrap();
//!     }
//!     assert_eq!(total, 5050);
//!     println!("quickstart: 4 workers received 1..=100, total {total}");
//! }
//! ```
//!
//! This is `examples/quickstart.rs` in the repository (`cargo run --example quickstart` runs it). The other
//! examples on these pages build their runtime in hidden lines, with
//! `tokio::runtime::Builder::new_current_thread().build()` instead of `#[tokio::main]`: this crate's own
//! `--cfg loom` test build runs them against tokio's loom build, which refuses the I/O driver
//! `#[tokio::main]` turns on. Your code needs none of that: `#[tokio::main]` (or `#[tokio::test]`) is enough.
//!
//! # Guarantees
//!
//! Each is checked by loom models and shuttle tests of this very code (see `verification/` in the
//! repository), and every check is shown to fail on a seeded bug (a small deliberate bug applied to a copy of
//! the source, the repository's mutant gate):
//!
//! - **I1 no lost wake-ups**: whenever a waiting task or blocked thread could make progress, it is woken,
//!   or a task of its side already was and has not come back yet: on a current-thread runtime (above
//!   capacity 1) one notification per side is out at a time (see I8); the woken task passes it on if it
//!   leaves a unit free, and one that is never polled again (nor dropped) delays its side by at most twice
//!   the capacity in units (62 values, two blocks, when unbounded).
//! - **I2 FIFO per producer**: values sent by one task are received in the order they were sent.
//! - **I3 close drains**: every value whose send returned `Ok` is received exactly once (unless every
//!   receiver is gone), then every receive answers closed; every send after the close fails and gives its
//!   value back (a [`Permit`] taken before the close still sends: it never fails).
//! - **I4 capacity never exceeded**: never more than `capacity` values inside; `len() <= capacity()`.
//!   (Unbounded: none; I9 instead: a block is freed only once nothing can touch it, and a drained channel
//!   keeps at most two.)
//! - **I5 cancellation**: dropping a send or receive future (or a stream, or a receiver between two
//!   [`poll_recv`](Receiver::poll_recv)s) at any point loses no value and strands no other waiter.
//! - **I6 disconnection**: the last drop of a side closes the channel exactly once, however drops and
//!   upgrades of weak handles race ([`WeakSender`] and [`WeakReceiver`] never keep it open); it wakes every
//!   waiter of the other side; values inside when the last receiver goes are dropped exactly once, at that
//!   moment. If a value's `Drop` panics there, the other values are still dropped and every waiter (a
//!   waiting send, a blocked `blocking_send`, every `closed()`) is still woken, then the panic resumes out of
//!   the receiver's drop (tokio's policy; crossbeam-channel leaks the values behind it instead).
//! - **I7 permits**: values inside plus permits held never exceed the capacity; a held permit never stalls
//!   the values around it; [`Permit::send`] never waits or fails; a dropped permit's slot goes to the next
//!   waiting sender.
//! - **I8 bounded overtaking**: waiting tasks are woken in the order they started waiting: on a multi-thread
//!   runtime (for blocked threads, and at capacity 1) one per freed slot (value); on a current-thread
//!   runtime one at a time per side, the units freed meanwhile left to it (one task runs at a time there, so
//!   the woken one finds them all; waking one per unit would wake tasks that find nothing). A woken task can
//!   be overtaken by a running one, or by another woken one polled first, that takes the value (slot) first;
//!   it keeps its place, and after 4 overtakes the next value (slot) is handed to it before it is woken. So a
//!   receive or send is woken in vain at most 4 times.
//! - **I10 linearizability**: histories of the real channel on real threads are checked against the
//!   sequential FIFO queue, except while a value is handed to a waiting receiver (see I8): then a newcomer
//!   may take that value and the waiter the next one.
//!
//! # Cancel safety
//!
//! | call | dropped before it completes |
//! |---|---|
//! | `send`, `send_timeout` | sent nothing; the value is dropped with the future (`send_timeout` gives it back on timeout) |
//! | `recv`, `receive`, `recv_timeout`, `recv_many`, `receive_many`, `RecvStream::next` | took nothing |
//! | `reserve`, `reserve_many`, `reserve_owned` | holds nothing; a slot granted to it goes to the next waiting sender |
//! | `closed` | nothing to lose |
//! | [`Receiver::poll_recv`] (the receiver dropped, or not polled again, after `Pending`) | took nothing; once the receiver is dropped, a wake-up it got goes on |
//!
//! A dropped future that had been woken passes its wake-up on to the next waiter.
//!
//! # Cargo features
//!
//! | feature | default | what it turns on |
//! |---|---|---|
//! | `tokio` | yes | tokio's cooperative budget (one unit per operation that waited, one per 64 that did not: a task that never waits yields after about 8,192 operations, where tokio's mpsc yields after 128); `send_timeout` / `recv_timeout`; blocking calls that panic inside a runtime |
//! | `futures` | yes | [`RecvStream`] (`futures_core::Stream` + `FusedStream`) |
//! | `loom` | no | with `--cfg loom`, the queue's atomics, locks, cells and parking come from loom, so your loom models explore them |
//! | `shuttle` | no | the same with shuttle and `--cfg shuttle` |
//!
//! With `default-features = false` the crate needs no tokio and runs under any executor. Then there is no
//! `recv_timeout` / `send_timeout`, and the blocking calls cannot see that they run on an executor's thread:
//! `blocking_recv_timeout`, which rustc suggests in their place, would block the worker thread (or deadlock a
//! single-threaded executor) instead of panicking. In async code put `recv()` (cancel safe) under your
//! executor's timeout, and for a send, `reserve()` under the timeout, then `permit.send(value)`.
//!
//! # Model-check your own code
//!
//! With the `loom` feature, a `--cfg loom` build takes the queue's atomics, locks, cells, `Arc` and thread
//! parking from loom, so a user's `loom::model` explores the queue's interleavings with theirs (the same with
//! `shuttle`):
//!
//! ```toml
//! [target.'cfg(loom)'.dev-dependencies]
//! tokio-mpmc = { version = "0.3", features = ["loom"] }
//! loom = { version = "0.7", features = ["futures"] }
//! ```
//!
//! loom explores thousands of interleavings, so optimise the test build (a dependency's profile does not
//! reach your crate) and declare the cfg:
//!
//! ```toml
//! [profile.test]
//! opt-level = 2
//!
//! [lints.rust]
//! unexpected_cfgs = { level = "warn", check-cfg = ["cfg(loom)"] }
//! ```
//!
//! Then `CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg loom" cargo test` (a target directory of its own, or
//! every switch between the cfgs rebuilds everything). Create every queue inside the model, drive it with
//! `loom::future::block_on` or the `blocking_*` calls (they park through loom), and count the model's main
//! thread among its threads: keep two-thread models at a preemption bound of 2–3, three-thread ones at 1.
//! Under loom a timed blocking call never times out (no clock); under shuttle it may time out at any moment.
//! `examples/model-check` in the repository is a worked example with a test to paste, seeded bugs and
//! measured times.
//!
//! # Allocation
//!
//! Up to a capacity of 65,536, the buffer is allocated once by [`channel`] / [`Queue::new`]; above it, and
//! unbounded, values live in blocks of 31 allocated as the channel fills and given back as it drains (see
//! [`unbounded_channel`]). Beyond that, sending and receiving allocate nothing while no task has to wait; a
//! task that waits stores its waker in a list that grows to the largest number of simultaneous waiters and is
//! reused from then on.
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![warn(missing_debug_implementations)]

mod blocking;
mod channel;
mod coop;
/// Benchmark statistics; not part of the API (see `benches/`).
#[cfg(all(feature = "counters", not(any(loom, shuttle))))]
#[doc(hidden)]
pub mod counters;
mod error;
mod future;
mod iter;
mod permit;
mod probe;
mod queue;
mod shared;
#[cfg(feature = "futures")]
mod sink;
#[allow(unsafe_code)]
mod storage;
#[cfg(feature = "futures")]
mod stream;
mod sync;
#[cfg(feature = "tokio")]
mod time;
mod waiters;

#[cfg(all(test, loom))]
#[path = "../verification/loom.rs"]
mod loom_models;

pub use channel::{Receiver, Sender, WeakReceiver, WeakSender, channel, unbounded_channel};
pub use error::{QueueError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
pub use future::{
    ClosedFuture, Close, ReceiveFuture, RecvFuture, RecvManyFuture, ReserveFuture,
    ReserveManyFuture, ReserveOwnedFuture, SendFuture,
};
pub use iter::{IntoIter, Iter, TryIter};
pub use permit::{OwnedPermit, Permit, PermitIterator};
pub use queue::Queue;
#[cfg(feature = "futures")]
pub use sink::SendSink;
#[cfg(feature = "futures")]
pub use stream::RecvStream;

#[cfg(all(test, shuttle))]
#[path = "../verification/shuttle.rs"]
mod shuttle_models;
