//! tokio's cooperative budget (feature `tokio`): a task that always finds room or a value still yields to the
//! others of its runtime after a while, as with tokio's own channels. Without the feature, or outside a tokio
//! runtime, the budget never runs out.

#[cfg(feature = "tokio")]
pub(crate) use tokio::task::coop::poll_proceed;

#[cfg(not(feature = "tokio"))]
pub(crate) use unlimited::poll_proceed;

#[cfg(not(feature = "tokio"))]
mod unlimited {
    use std::task::{Context, Poll};

    /// The budget when there is none to keep: always enough.
    pub(crate) struct Unlimited;

    impl Unlimited {
        pub(crate) fn made_progress(&self) {}
    }

    pub(crate) fn poll_proceed(_cx: &mut Context<'_>) -> Poll<Unlimited> {
        Poll::Ready(Unlimited)
    }
}
