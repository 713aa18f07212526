//! tokio-mpmc: a bounded async MPMC queue (core under construction).
mod error;
pub use error::{QueueError, SendError, TryRecvError, TrySendError};
