//! A bounded multi-producer multi-consumer async queue for Tokio whose production code is model-checked.
//!
//! [`Queue<T>`] is a clonable handle: every clone can [`send`](Queue::send) and
//! [`receive`](Queue::receive). A full queue makes senders wait and an empty one makes receivers wait, as
//! tasks (never blocking a thread); [`close`](Queue::close) lets receivers drain what is inside and then
//! answer `Ok(None)`.
//!
//! # Guarantees
//!
//! Each is checked by loom models and shuttle tests of this very code (see `verification/` in the
//! repository):
//!
//! - **I1 no lost wake-ups**: whenever a waiting task could make progress, it is woken.
//! - **I2 FIFO per producer**: values sent by one task are received in the order they were sent.
//! - **I3 close drains to `Ok(None)`**: every value whose send returned `Ok` is received exactly once, then
//!   every receive returns `Ok(None)`; every send after [`close`](Queue::close) fails and gives its value back.
//! - **I4 capacity never exceeded**: never more than `capacity` values inside; `len() <= capacity()`.
//! - **I5 cancellation**: dropping a send or receive future at any point loses no value and strands no other
//!   waiter.
//!
//! # Shutdown
//!
//! The queue closes only when [`close`](Queue::close) is called (by any handle, from sync or async code).
//! Values still inside when the last handle is dropped are dropped with it.
//!
//! # Allocation
//!
//! The buffer is allocated once by [`Queue::new`]. Sending and receiving allocate nothing while no task has
//! to wait; a task that waits stores its waker in a list that grows to the largest number of simultaneous
//! waiters and is reused from then on.
//!
//! # Examples
//!
//! ```
//! use tokio_mpmc::Queue;
//!
//! # // A runtime without I/O, so the example also runs in the `--cfg loom` build of tokio.
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let queue = Queue::new(16);
//! let workers: Vec<_> = (0..4)
//!     .map(|_| {
//!         let queue = queue.clone();
//!         tokio::spawn(async move {
//!             let mut sum = 0;
//!             while let Ok(Some(n)) = queue.receive().await {
//!                 sum += n;
//!             }
//!             sum
//!         })
//!     })
//!     .collect();
//! for n in 1..=100 {
//!     queue.send(n).await.unwrap();
//! }
//! queue.close();
//! let mut total = 0;
//! for worker in workers {
//!     total += worker.await.unwrap();
//! }
//! assert_eq!(total, 5050);
//! # });
//! ```
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![warn(missing_debug_implementations)]

mod blocking;
mod channel;
mod coop;
mod error;
mod future;
mod queue;
mod shared;
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

pub use channel::{Receiver, Sender, WeakSender, channel};
pub use error::{QueueError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
pub use future::{ClosedFuture, Close, ReceiveFuture, RecvFuture, RecvManyFuture, SendFuture};
pub use queue::Queue;
#[cfg(feature = "futures")]
pub use stream::RecvStream;

#[cfg(all(test, shuttle))]
#[path = "../verification/shuttle.rs"]
mod shuttle_models;
