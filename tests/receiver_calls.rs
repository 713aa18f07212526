#![cfg(not(any(loom, shuttle)))]
//! The receiver calls a user of other channels reaches for, as the API contract states them: `poll_recv`
//! (tokio), `downgrade` / `WeakReceiver` (async-channel), `iter` / `try_iter` / `IntoIterator` (crossbeam,
//! flume, std) and `stream` beside `into_stream` (flume). Futures and `poll_recv` are polled by hand with
//! wakers that count their wake-ups, so every test states which waiter an event wakes; values count their
//! drops. The auto traits are in `tests/send_sync.rs`.

mod common;

use std::task::{Context, Poll, Waker};
use std::thread;

use common::drop_ledger::DropLedger;
use common::waker::counting_waker;
use tokio_mpmc::{Receiver, TryRecvError, TrySendError, channel};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

/// One `poll_recv` of `rx` with `waker`.
fn poll_recv<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Option<T>> {
    rx.poll_recv(&mut Context::from_waker(waker))
}

// ---------------------------------------------------------------------------------------------------------
// poll_recv
// ---------------------------------------------------------------------------------------------------------

#[test]
fn poll_recv_answers_a_value_inside_at_once_then_waits_then_answers_none_once_closed_and_drained() {
    let (tx, mut rx) = channel(2);
    let (wakes, waker) = counting_waker();
    tx.try_send(1).unwrap();
    assert_eq!(poll_recv(&mut rx, &waker), Poll::Ready(Some(1)));
    assert_eq!(poll_recv(&mut rx, &waker), Poll::Pending);
    tx.try_send(2).unwrap();
    assert_eq!(wakes.wakes(), 1, "a send wakes the waiting receiver");
    assert_eq!(poll_recv(&mut rx, &waker), Poll::Ready(Some(2)));
    assert_eq!(poll_recv(&mut rx, &waker), Poll::Pending);
    drop(tx);
    assert_eq!(wakes.wakes(), 2, "the last sender's drop wakes it");
    assert_eq!(poll_recv(&mut rx, &waker), Poll::Ready(None));
    assert_eq!(
        poll_recv(&mut rx, &waker),
        Poll::Ready(None),
        "and None from then on"
    );
}

#[test]
fn poll_recv_keeps_its_place_in_line_between_polls() {
    let (tx, rx) = channel(4);
    let mut first = rx.clone();
    let (first_wakes, first_waker) = counting_waker();
    assert_eq!(poll_recv(&mut first, &first_waker), Poll::Pending);
    let mut later = spawn(rx.recv());
    assert_pending!(later.poll());
    // Polled again while it waits: the same place, ahead of `later`, not a second one behind it.
    assert_eq!(poll_recv(&mut first, &first_waker), Poll::Pending);
    tx.try_send(1).unwrap();
    assert_eq!(first_wakes.wakes(), 1, "the oldest waiter is woken first");
    assert!(!later.is_woken());
    tx.try_send(2).unwrap();
    assert!(
        later.is_woken(),
        "the second value wakes the next waiter (a stale second place of `first` would take it)"
    );
    assert_eq!(first_wakes.wakes(), 1);
    assert_eq!(poll_recv(&mut first, &first_waker), Poll::Ready(Some(1)));
    assert_ready_eq!(later.poll(), Some(2));
}

#[test]
fn polling_again_while_waiting_keeps_one_place_and_a_completed_poll_recv_leaves_none_behind() {
    let (tx, rx) = channel(2);
    let mut first = rx.clone();
    let (wakes, waker) = counting_waker();
    assert_eq!(poll_recv(&mut first, &waker), Poll::Pending);
    assert_eq!(poll_recv(&mut first, &waker), Poll::Pending);
    tx.try_send(1).unwrap();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_recv(&mut first, &waker), Poll::Ready(Some(1)));
    let mut next = spawn(rx.recv());
    assert_pending!(next.poll());
    tx.try_send(2).unwrap();
    assert!(
        next.is_woken(),
        "the receiver waiting now is woken: `first` left no place in line behind"
    );
    assert_eq!(wakes.wakes(), 1);
    assert_ready_eq!(next.poll(), Some(2));
}

#[test]
fn poll_recv_wakes_only_the_waker_of_the_latest_poll() {
    let (tx, mut rx) = channel(1);
    let (old_wakes, old_waker) = counting_waker();
    let (new_wakes, new_waker) = counting_waker();
    assert_eq!(poll_recv(&mut rx, &old_waker), Poll::Pending);
    assert_eq!(poll_recv(&mut rx, &new_waker), Poll::Pending);
    tx.try_send(1).unwrap();
    assert_eq!((old_wakes.wakes(), new_wakes.wakes()), (0, 1));
    assert_eq!(poll_recv(&mut rx, &new_waker), Poll::Ready(Some(1)));
}

#[test]
fn a_receiver_dropped_after_poll_recv_was_woken_took_nothing_and_passes_the_wake_up_on() {
    let ledger = DropLedger::new(1);
    let (tx, rx) = channel(1);
    let mut first = rx.clone();
    let (first_wakes, first_waker) = counting_waker();
    assert!(poll_recv(&mut first, &first_waker).is_pending());
    let mut later = spawn(rx.recv());
    assert_pending!(later.poll());
    tx.try_send(ledger.value(0)).unwrap();
    assert_eq!(first_wakes.wakes(), 1);
    assert!(!later.is_woken());
    drop(first); // woken, never polled again
    assert!(
        later.is_woken(),
        "the dropped receiver's wake-up goes to the next waiting receiver"
    );
    assert_eq!(ledger.all(), [0], "the dropped receiver took nothing");
    let value = later.poll().map(|value| value.map(|value| value.id()));
    assert_eq!(value, Poll::Ready(Some(0)));
}

#[test]
fn a_receiver_that_stops_polling_takes_nothing_and_its_drop_leaves_the_channel_open() {
    let (tx, rx) = channel(1);
    let mut idle = rx.clone();
    let (_, waker) = counting_waker();
    assert!(poll_recv(&mut idle, &waker).is_pending());
    tx.try_send(1).unwrap();
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "the value is still inside for the others"
    );
    drop(idle);
    assert!(!rx.is_closed());
    assert_eq!(rx.receiver_count(), 1);
    tx.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_clone_starts_without_the_place_in_line_of_the_receiver_it_was_cloned_from() {
    let (tx, mut rx) = channel(1);
    let (wakes, waker) = counting_waker();
    assert!(poll_recv(&mut rx, &waker).is_pending());
    let clone = rx.clone();
    drop(clone); // must not take `rx` out of line
    tx.try_send(1).unwrap();
    assert_eq!(wakes.wakes(), 1, "rx still waits, and is woken");
    let mut clone = rx.clone();
    let (clone_wakes, clone_waker) = counting_waker();
    assert_eq!(
        poll_recv(&mut clone, &clone_waker),
        Poll::Ready(Some(1)),
        "a newcomer in notify mode"
    );
    assert_eq!(poll_recv(&mut clone, &clone_waker), Poll::Pending);
    assert_eq!(poll_recv(&mut rx, &waker), Poll::Pending);
    tx.try_send(2).unwrap();
    assert_eq!(
        (clone_wakes.wakes(), wakes.wakes()),
        (0, 2),
        "rx waits again at its old place, ahead of the clone that started waiting after it"
    );
}

#[cfg(feature = "futures")]
#[test]
fn into_stream_keeps_the_place_in_line_poll_recv_held() {
    use futures::Stream;
    use std::pin::Pin;

    let (tx, rx) = channel(2);
    let mut first = rx.clone();
    let (_, waker) = counting_waker();
    assert!(poll_recv(&mut first, &waker).is_pending());
    let mut later = spawn(rx.recv());
    assert_pending!(later.poll());
    let mut stream = first.into_stream();
    tx.try_send(1).unwrap();
    assert!(!later.is_woken(), "the stream holds the place `first` had");
    let mut cx = Context::from_waker(&waker);
    assert_eq!(
        Pin::new(&mut stream).poll_next(&mut cx),
        Poll::Ready(Some(1))
    );
}

#[cfg(feature = "futures")]
#[test]
fn a_stream_polled_with_a_new_waker_is_woken_in_the_place_poll_recv_held() {
    use futures::Stream;
    use std::pin::Pin;

    let (tx, rx) = channel(2);
    let mut first = rx.clone();
    let (poll_recv_wakes, poll_recv_waker) = counting_waker();
    assert!(poll_recv(&mut first, &poll_recv_waker).is_pending());
    let mut later = spawn(rx.recv());
    assert_pending!(later.poll());
    // The stream's task is another one: its poll refreshes the registration `first` made.
    let mut stream = first.into_stream();
    let (stream_wakes, stream_waker) = counting_waker();
    assert!(
        Pin::new(&mut stream)
            .poll_next(&mut Context::from_waker(&stream_waker))
            .is_pending()
    );
    tx.try_send(1).unwrap();
    assert_eq!(
        stream_wakes.wakes(),
        1,
        "the stream is woken in `first`'s place"
    );
    assert_eq!(
        poll_recv_wakes.wakes(),
        0,
        "no registration kept the old waker"
    );
    assert!(!later.is_woken(), "the stream stands before `later`");
    assert_eq!(
        Pin::new(&mut stream).poll_next(&mut Context::from_waker(&stream_waker)),
        Poll::Ready(Some(1))
    );
    // Nothing of `first` is left in line: the next value goes to `later`.
    tx.try_send(2).unwrap();
    assert!(later.is_woken());
    assert_ready_eq!(later.poll(), Some(2));
}

// ---------------------------------------------------------------------------------------------------------
// WeakReceiver
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_weak_receiver_does_not_keep_the_channel_open() {
    let ledger = DropLedger::new(2);
    let (tx, rx) = channel(2);
    tx.try_send(ledger.value(0)).unwrap();
    tx.try_send(ledger.value(1)).unwrap();
    let weak = rx.downgrade();
    assert_eq!(tx.receiver_count(), 1, "a weak receiver does not count");
    drop(rx);
    assert!(
        tx.is_closed(),
        "the last strong receiver closed the channel"
    );
    assert_eq!(tx.len(), 0);
    assert_eq!(
        ledger.all(),
        [1, 1],
        "the values inside were dropped with it"
    );
    assert!(matches!(
        tx.try_send(ledger.value(0)),
        Err(TrySendError::Closed(_))
    ));
    assert!(weak.upgrade().is_none());
}

#[test]
fn upgrade_gives_a_counted_receiver_of_the_same_channel_while_a_strong_one_lives() {
    let (tx, rx) = channel(2);
    let weak = rx.downgrade();
    let upgraded = weak.upgrade().expect("a strong receiver lives");
    assert!(upgraded.same_channel(&rx));
    assert_eq!((tx.receiver_count(), rx.receiver_count()), (2, 2));
    drop(rx);
    assert!(
        !tx.is_closed(),
        "the upgraded receiver keeps the channel open"
    );
    tx.try_send(1).unwrap();
    assert_eq!(upgraded.try_recv(), Ok(1));
    drop(upgraded);
    assert!(tx.is_closed());
}

#[test]
fn upgrade_fails_for_good_once_the_last_strong_receiver_is_gone() {
    let (tx, rx) = channel::<u32>(1);
    let weak = rx.downgrade();
    let weak_clone = weak.clone();
    drop(rx);
    assert!(weak.upgrade().is_none());
    assert!(weak_clone.upgrade().is_none());
    assert_eq!(tx.receiver_count(), 0, "a failed upgrade counts nothing");
    assert!(weak.upgrade().is_none(), "and keeps failing");
}

#[test]
fn upgrade_after_an_explicit_close_gives_a_receiver_that_drains_while_a_strong_one_lives() {
    let (tx, rx) = channel(2);
    let weak = rx.downgrade();
    tx.try_send(1).unwrap();
    rx.close();
    let upgraded = weak.upgrade().expect("closed, but a strong receiver lives");
    drop(rx);
    assert_eq!(upgraded.try_recv(), Ok(1));
    assert_eq!(upgraded.try_recv(), Err(TryRecvError::Closed));
}

// ---------------------------------------------------------------------------------------------------------
// iter, try_iter, IntoIterator
// ---------------------------------------------------------------------------------------------------------

#[test]
fn iter_blocks_for_each_value_and_ends_once_the_channel_is_closed_and_drained() {
    let (tx, rx) = channel(2);
    let producer = thread::spawn(move || {
        for n in 0..100 {
            tx.blocking_send(n).unwrap(); // waits while 2 are inside: the iterator waits too
        }
    });
    let received: Vec<u32> = rx.iter().collect();
    producer.join().unwrap();
    assert_eq!(received, (0..100).collect::<Vec<_>>());
    let mut iter = rx.iter();
    assert_eq!(iter.next(), None, "closed and drained: None at once");
    assert_eq!(iter.next(), None, "and from then on");
}

#[test]
fn try_iter_takes_what_is_inside_now_and_never_waits() {
    let (tx, rx) = channel(4);
    assert_eq!(
        rx.try_iter().next(),
        None,
        "empty and open: ends at once, no wait"
    );
    for n in 0..3 {
        tx.try_send(n).unwrap();
    }
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    assert!(!rx.is_closed());
    tx.try_send(3).unwrap();
    let mut iter = rx.try_iter();
    assert_eq!(iter.next(), Some(3));
    assert_eq!(iter.next(), None);
    tx.try_send(4).unwrap();
    assert_eq!(iter.next(), Some(4), "not fused: a later value is taken");
    drop(tx);
    assert_eq!(rx.try_iter().next(), None);
}

#[test]
fn for_over_a_reference_iterates_until_closed_and_drained_and_leaves_the_receiver() {
    let (tx, rx) = channel(2);
    let producer = thread::spawn(move || {
        for n in 1..=10 {
            tx.blocking_send(n).unwrap();
        }
    });
    let mut sum = 0;
    for n in &rx {
        sum += n;
    }
    producer.join().unwrap();
    assert_eq!(sum, 55);
    assert_eq!(rx.receiver_count(), 1, "the receiver is still here");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn for_over_a_receiver_consumes_it_ends_at_close_and_drain_and_drops_the_receiver() {
    let (tx, rx) = channel(2);
    let consumer = thread::spawn(move || {
        let mut received = Vec::new();
        for n in rx {
            received.push(n);
        }
        received
    });
    for n in 0..20 {
        tx.blocking_send(n).unwrap();
    }
    tx.close(); // an explicit close ends it too, once drained
    assert_eq!(consumer.join().unwrap(), (0..20).collect::<Vec<_>>());
    assert_eq!(
        tx.receiver_count(),
        0,
        "the iterator owned the last receiver, dropped at the end of the loop"
    );
}

#[test]
fn an_into_iter_dropped_early_drops_its_receiver() {
    let (tx, rx) = channel(4);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut iter = rx.into_iter();
    assert_eq!(iter.next(), Some(1));
    drop(iter);
    assert!(tx.is_closed(), "it held the last receiver");
    assert_eq!(tx.len(), 0);
}

#[cfg(feature = "tokio")]
#[test]
fn blocking_iteration_panics_inside_a_runtime_before_taking_anything_and_try_iter_does_not() {
    use common::panic::panic_message_of;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, rx) = channel(2);
        tx.try_send(1).unwrap();
        let message = panic_message_of(|| rx.iter().next()).expect("iter inside a runtime panics");
        assert!(
            message.contains("inside an async runtime") && message.contains("Receiver::iter"),
            "message: {message:?}"
        );
        let message = panic_message_of(|| (&rx).into_iter().next()).expect("`for v in &rx` panics");
        assert!(message.contains("Receiver::iter"), "message: {message:?}");
        let clone = rx.clone();
        let message =
            panic_message_of(move || clone.into_iter().next()).expect("`for v in rx` panics");
        assert!(
            message.contains("Receiver::into_iter"),
            "message: {message:?}"
        );
        assert_eq!(rx.len(), 1, "the panicking calls took nothing");
        assert_eq!(rx.receiver_count(), 1);
        assert_eq!(rx.try_iter().next(), Some(1), "try_iter never blocks");
    });
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_iteration_works_on_a_spawn_blocking_thread() {
    let (tx, rx) = channel(2);
    let consumer = tokio::task::spawn_blocking(move || rx.into_iter().sum::<u32>());
    for n in 1..=10 {
        tx.send(n).await.unwrap();
    }
    drop(tx);
    assert_eq!(consumer.await.unwrap(), 55);
}

// ---------------------------------------------------------------------------------------------------------
// stream(&self)
// ---------------------------------------------------------------------------------------------------------

#[cfg(feature = "futures")]
#[test]
fn stream_borrows_the_receiver_which_is_usable_again_once_the_stream_is_dropped() {
    use futures::StreamExt;
    use futures::executor::block_on;
    use futures::stream::FusedStream;

    let (tx, rx) = channel(4);
    for n in 1..=3 {
        tx.try_send(n).unwrap();
    }
    let stream = rx.stream();
    assert_eq!(
        rx.receiver_count(),
        1,
        "a borrowing stream is no new receiver"
    );
    let first_two: Vec<u32> = block_on(stream.take(2).collect());
    assert_eq!(first_two, [1, 2]);
    assert_eq!(rx.try_recv(), Ok(3));
    drop(tx);
    let mut stream = rx.stream();
    assert_eq!(block_on(stream.next()), None);
    assert!(stream.is_terminated());
    drop(stream);
    assert_eq!(
        rx.receiver_count(),
        1,
        "dropping a borrowing stream drops no receiver"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[cfg(feature = "futures")]
#[test]
fn a_borrowing_stream_dropped_while_waiting_passes_its_wake_up_on() {
    let (tx, rx) = channel(2);
    let mut stream = spawn(rx.stream());
    assert_pending!(stream.poll_next());
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    tx.try_send(7).unwrap();
    assert!(stream.is_woken(), "the stream waited first");
    drop(stream);
    assert!(
        recv.is_woken(),
        "the dropped stream's wake-up goes to the next receiver"
    );
    assert_ready_eq!(recv.poll(), Some(7));
    assert!(!rx.is_closed());
}

// ---------------------------------------------------------------------------------------------------------
// Debug
// ---------------------------------------------------------------------------------------------------------

#[test]
fn the_new_types_debug_without_item_debug() {
    struct NotDebug;
    let (tx, rx) = channel::<NotDebug>(2);
    tx.try_send(NotDebug).unwrap();
    let weak = rx.downgrade();
    let shows = |text: String, parts: &[&str]| {
        for part in parts {
            assert!(text.contains(part), "{text:?} does not show {part:?}");
        }
    };
    // One sender and two receivers: the sender count shown as the receivers' would be seen.
    let second = rx.clone();
    shows(format!("{weak:?}"), &["WeakReceiver", "receivers: 2"]);
    drop(second);
    shows(format!("{:?}", rx.iter()), &["Iter", "len: 1"]);
    shows(format!("{:?}", rx.try_iter()), &["TryIter", "len: 1"]);
    shows(
        format!("{:?}", rx.clone().into_iter()),
        &["IntoIter", "len: 1"],
    );
    #[cfg(feature = "futures")]
    shows(
        format!("{:?}", rx.stream()),
        &["RecvStream", "len: 1", "owned: false", "terminated: false"],
    );
}
