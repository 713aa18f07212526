#![cfg(not(any(loom, shuttle)))]
//! Compile-time checks of auto traits: what may cross threads, and what must not.
//!
//! Positive checks are trait-bounded functions. Negative checks use the ambiguity trick of tokio's
//! `tests/async_send_sync.rs`: `AmbiguousIfSend<_>` has two impls when the type is `Send`, so the path
//! only compiles (infers a unique impl) when the type is *not* `Send`.

use std::cell::Cell;
use std::error::Error;
use std::fmt::Debug;
use std::future::{Future, IntoFuture};
use std::rc::Rc;

use tokio_mpmc::{
    Close, ClosedFuture, Queue, QueueError, ReceiveFuture, Receiver, RecvFuture, RecvManyFuture,
    RecvTimeoutError, SendError, SendFuture, SendTimeoutError, Sender, TryRecvError, TrySendError,
    WeakReceiver, WeakSender,
};

fn require_send<T: Send>() {}
fn require_sync<T: Sync>() {}
fn require_unpin<T: Unpin>() {}
fn require_debug<T: Debug>() {}
fn require_clone<T: Clone>() {}
fn require_static_error<T: Error + Send + Sync + 'static>() {}

/// Compiles only if `T` is not `Send`.
trait AmbiguousIfSend<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

/// Compiles only if `T` is not `Sync`.
trait AmbiguousIfSync<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}

macro_rules! assert_not_send {
    ($ty:ty) => {
        let _ = <$ty as AmbiguousIfSend<_>>::some_item;
    };
}

macro_rules! assert_not_sync {
    ($ty:ty) => {
        let _ = <$ty as AmbiguousIfSync<_>>::some_item;
    };
}

/// Neither `Debug` nor `Sync`, but `Send`: the bound the queue actually needs.
struct SendOnly(#[allow(dead_code)] Cell<u8>);

#[test]
fn queue_is_send_sync_unpin_clone_and_debug_when_items_are_send() {
    require_send::<Queue<SendOnly>>();
    require_sync::<Queue<SendOnly>>();
    require_unpin::<Queue<SendOnly>>();
    require_clone::<Queue<SendOnly>>();
    require_debug::<Queue<SendOnly>>();
    require_send::<Queue<String>>();
    require_sync::<Queue<String>>();
}

#[test]
fn queue_of_non_send_items_is_neither_send_nor_sync() {
    assert_not_send!(Queue<Rc<u8>>);
    assert_not_sync!(Queue<Rc<u8>>);
}

#[test]
fn futures_are_send_unpin_and_debug_when_items_are_send() {
    require_send::<SendFuture<'static, SendOnly>>();
    require_send::<ReceiveFuture<'static, SendOnly>>();
    require_unpin::<SendFuture<'static, SendOnly>>();
    require_unpin::<ReceiveFuture<'static, SendOnly>>();
    require_debug::<SendFuture<'static, SendOnly>>();
    require_debug::<ReceiveFuture<'static, SendOnly>>();
}

#[test]
fn futures_are_sync_when_items_are_send_and_sync() {
    require_sync::<SendFuture<'static, String>>();
    require_sync::<ReceiveFuture<'static, String>>();
}

#[test]
fn futures_of_non_send_items_are_not_send() {
    assert_not_send!(SendFuture<'static, Rc<u8>>);
    assert_not_send!(ReceiveFuture<'static, Rc<u8>>);
}

#[test]
fn futures_returned_by_methods_can_be_moved_into_spawned_tasks() {
    // The futures a caller actually gets, checked through inference rather than by name.
    fn spawnable<F: Future + Send + Unpin + Debug>(future: F) -> F {
        future
    }
    let queue = Queue::<SendOnly>::new(1);
    let send = spawnable(queue.send(SendOnly(Cell::new(1))));
    let receive = spawnable(queue.receive());
    assert!(format!("{send:?}").contains("SendFuture"));
    assert!(format!("{receive:?}").contains("ReceiveFuture"));
    drop(send);
    drop(receive);
    let close = spawnable(queue.close());
    assert!(format!("{close:?}").contains("Close"));
}

#[test]
fn close_is_send_sync_unpin_debug_and_awaitable_to_bool() {
    fn into_bool_future<C: IntoFuture<Output = bool, IntoFuture: Send>>() {}
    require_send::<Close>();
    require_sync::<Close>();
    require_unpin::<Close>();
    require_debug::<Close>();
    into_bool_future::<Close>();
}

#[test]
fn errors_are_thread_safe_error_values_without_item_debug() {
    require_static_error::<QueueError>();
    require_static_error::<TryRecvError>();
    require_static_error::<SendError<String>>();
    require_static_error::<TrySendError<String>>();
    // Debug and Error need no `T: Debug`.
    struct NoDebug;
    require_static_error::<SendError<NoDebug>>();
    require_static_error::<TrySendError<NoDebug>>();
    require_static_error::<SendTimeoutError<NoDebug>>();
    require_unpin::<SendError<String>>();
    require_unpin::<TrySendError<String>>();
    require_unpin::<QueueError>();
    require_unpin::<TryRecvError>();
    // An error carries its value: it is Send exactly when the value is.
    require_send::<SendError<SendOnly>>();
    require_send::<TrySendError<SendOnly>>();
    assert_not_send!(SendError<Rc<u8>>);
    assert_not_send!(TrySendError<Rc<u8>>);
    assert_not_sync!(SendError<SendOnly>);
}

#[test]
fn channel_handles_are_send_sync_unpin_clone_and_debug_when_items_are_send() {
    require_send::<Sender<SendOnly>>();
    require_sync::<Sender<SendOnly>>();
    require_unpin::<Sender<SendOnly>>();
    require_clone::<Sender<SendOnly>>();
    require_debug::<Sender<SendOnly>>();
    require_send::<Receiver<SendOnly>>();
    require_sync::<Receiver<SendOnly>>();
    require_unpin::<Receiver<SendOnly>>();
    require_clone::<Receiver<SendOnly>>();
    require_debug::<Receiver<SendOnly>>();
    require_send::<WeakSender<SendOnly>>();
    require_sync::<WeakSender<SendOnly>>();
    require_clone::<WeakSender<SendOnly>>();
    require_debug::<WeakSender<SendOnly>>();
    require_send::<WeakReceiver<SendOnly>>();
    require_sync::<WeakReceiver<SendOnly>>();
    require_unpin::<WeakReceiver<SendOnly>>();
    require_clone::<WeakReceiver<SendOnly>>();
    require_debug::<WeakReceiver<SendOnly>>();
}

#[test]
fn channel_handles_of_non_send_items_are_neither_send_nor_sync() {
    assert_not_send!(Sender<Rc<u8>>);
    assert_not_sync!(Sender<Rc<u8>>);
    assert_not_send!(Receiver<Rc<u8>>);
    assert_not_sync!(Receiver<Rc<u8>>);
    assert_not_send!(WeakReceiver<Rc<u8>>);
    assert_not_sync!(WeakReceiver<Rc<u8>>);
}

#[test]
fn receiver_iterators_are_send_sync_and_debug_when_items_are_send() {
    use tokio_mpmc::{IntoIter, Iter, TryIter};
    require_send::<Iter<'static, SendOnly>>();
    require_sync::<Iter<'static, SendOnly>>();
    require_unpin::<Iter<'static, SendOnly>>();
    require_debug::<Iter<'static, SendOnly>>();
    require_send::<TryIter<'static, SendOnly>>();
    require_sync::<TryIter<'static, SendOnly>>();
    require_unpin::<TryIter<'static, SendOnly>>();
    require_debug::<TryIter<'static, SendOnly>>();
    require_send::<IntoIter<SendOnly>>();
    require_sync::<IntoIter<SendOnly>>();
    require_unpin::<IntoIter<SendOnly>>();
    require_debug::<IntoIter<SendOnly>>();
    assert_not_send!(Iter<'static, Rc<u8>>);
    assert_not_send!(IntoIter<Rc<u8>>);
}

#[cfg(feature = "futures")]
#[test]
fn the_stream_is_send_sync_and_unpin_when_items_are_send() {
    use tokio_mpmc::RecvStream;
    require_send::<RecvStream<'static, SendOnly>>();
    require_sync::<RecvStream<'static, SendOnly>>();
    require_unpin::<RecvStream<'static, SendOnly>>();
    require_debug::<RecvStream<'static, SendOnly>>();
    // The borrowing stream of `Receiver::stream` too.
    fn borrowing_stream_is_send_and_unpin<'a>(rx: &'a tokio_mpmc::Receiver<SendOnly>) {
        fn check<S: Send + Sync + Unpin + Debug>(_: &S) {}
        check::<RecvStream<'a, SendOnly>>(&rx.stream());
    }
    let (_tx, rx) = tokio_mpmc::channel(1);
    borrowing_stream_is_send_and_unpin(&rx);
    assert_not_send!(RecvStream<'static, Rc<u8>>);
}

#[test]
fn the_channel_futures_are_send_when_items_are_send() {
    require_send::<SendFuture<'static, SendOnly>>();
    require_send::<RecvFuture<'static, SendOnly>>();
    require_send::<RecvManyFuture<'static, SendOnly>>();
    require_send::<ClosedFuture<'static, SendOnly>>();
    require_static_error::<SendTimeoutError<String>>();
    require_static_error::<RecvTimeoutError>();
}

#[cfg(feature = "tokio")]
#[test]
fn the_timeout_futures_are_send_when_items_are_send() {
    fn require_send_value<T: Send>(_: &T) {}
    let (tx, rx) = tokio_mpmc::channel::<SendOnly>(1);
    let timeout = std::time::Duration::from_secs(1);
    // Never polled: only their types are checked.
    let send_timeout = tx.send_timeout(SendOnly(Cell::new(0)), timeout);
    require_send_value(&send_timeout);
    let recv_timeout = rx.recv_timeout(timeout);
    require_send_value(&recv_timeout);
    drop((send_timeout, recv_timeout));
}

#[test]
fn permits_and_reserve_futures_are_send_sync_and_debug_when_items_are_send() {
    use tokio_mpmc::{
        OwnedPermit, Permit, PermitIterator, ReserveFuture, ReserveManyFuture, ReserveOwnedFuture,
    };
    require_send::<Permit<'static, SendOnly>>();
    require_sync::<Permit<'static, SendOnly>>();
    require_debug::<Permit<'static, SendOnly>>();
    require_send::<OwnedPermit<SendOnly>>();
    require_sync::<OwnedPermit<SendOnly>>();
    require_debug::<OwnedPermit<SendOnly>>();
    require_send::<PermitIterator<'static, SendOnly>>();
    require_debug::<PermitIterator<'static, SendOnly>>();
    require_send::<ReserveFuture<'static, SendOnly>>();
    require_unpin::<ReserveFuture<'static, SendOnly>>();
    require_debug::<ReserveFuture<'static, SendOnly>>();
    require_send::<ReserveManyFuture<'static, SendOnly>>();
    require_send::<ReserveOwnedFuture<SendOnly>>();
    require_unpin::<ReserveOwnedFuture<SendOnly>>();
    assert_not_send!(Permit<'static, Rc<u8>>);
    assert_not_send!(OwnedPermit<Rc<u8>>);
}

#[cfg(feature = "futures")]
#[test]
fn the_sink_is_send_sync_and_unpin_when_items_are_send() {
    use tokio_mpmc::SendSink;
    require_send::<SendSink<SendOnly>>();
    require_sync::<SendSink<SendOnly>>();
    require_unpin::<SendSink<SendOnly>>();
    require_debug::<SendSink<SendOnly>>();
}

fn require_unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}

/// As tokio's handles: `catch_unwind(move || drop(rx))` compiles without `AssertUnwindSafe` (a panic out of a
/// value's `Drop` leaves the queue consistent: see the drop policy in the crate docs).
#[test]
fn handles_permits_and_the_queue_are_unwind_safe() {
    use tokio_mpmc::{OwnedPermit, Permit, PermitIterator};
    require_unwind_safe::<Queue<SendOnly>>();
    require_unwind_safe::<Sender<SendOnly>>();
    require_unwind_safe::<Receiver<SendOnly>>();
    require_unwind_safe::<WeakSender<SendOnly>>();
    require_unwind_safe::<Permit<'static, SendOnly>>();
    require_unwind_safe::<OwnedPermit<SendOnly>>();
    require_unwind_safe::<PermitIterator<'static, SendOnly>>();
    require_unwind_safe::<tokio_mpmc::WeakReceiver<SendOnly>>();
    require_unwind_safe::<tokio_mpmc::Iter<'static, SendOnly>>();
    require_unwind_safe::<tokio_mpmc::TryIter<'static, SendOnly>>();
    require_unwind_safe::<tokio_mpmc::IntoIter<SendOnly>>();
    #[cfg(feature = "futures")]
    require_unwind_safe::<tokio_mpmc::RecvStream<'static, SendOnly>>();
    let (_tx, rx) = tokio_mpmc::channel::<u8>(1);
    assert!(std::panic::catch_unwind(move || drop(rx)).is_ok());
}
