#![cfg(all(feature = "futures", not(any(loom, shuttle))))]
//! The channel face as a user reads it in the API contract: split `Sender` / `Receiver` handles that
//! disconnect when every handle of one side is gone, `WeakSender`, `closed()`, `recv_many`, `into_stream`,
//! and `Debug` (the auto traits are in `tests/send_sync.rs`). Futures are polled by hand (no runtime, no timing), and values count their
//! drops, so every test states exactly what happens at which call.

mod common;

use std::future::Future;
use std::sync::Barrier;

use common::drop_ledger::{DropLedger, Tracked};
use common::panic::panic_message_of;
use futures::FutureExt;
use futures::StreamExt;
use futures::stream::FusedStream;
use tokio_mpmc::{Queue, Receiver, SendError, Sender, TryRecvError, TrySendError, channel};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

/// Polls `future` once, outside any runtime, and expects it to be ready.
fn ready<F: Future>(future: F) -> F::Output {
    future
        .now_or_never()
        .expect("the future should be ready at once")
}

// ---------------------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------------------

#[test]
fn channel_of_capacity_zero_panics_with_the_same_message_as_queue_new() {
    let channel_message = panic_message_of(|| channel::<u32>(0)).expect("channel(0) must panic");
    let queue_message =
        panic_message_of(|| Queue::<u32>::new(0)).expect("Queue::new(0) must panic");
    assert!(
        channel_message.contains("capacity must be greater than zero"),
        "message: {channel_message:?}"
    );
    assert_eq!(channel_message, queue_message);
}

#[test]
fn a_new_channel_is_empty_open_with_one_handle_per_side_and_reports_its_capacity() {
    let (tx, rx) = channel::<u32>(3);
    for (capacity, len, empty, full, closed) in [
        (
            tx.capacity(),
            tx.len(),
            tx.is_empty(),
            tx.is_full(),
            tx.is_closed(),
        ),
        (
            rx.capacity(),
            rx.len(),
            rx.is_empty(),
            rx.is_full(),
            rx.is_closed(),
        ),
    ] {
        assert_eq!(capacity, Some(3));
        assert_eq!((len, empty, full, closed), (0, true, false, false));
    }
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    assert_eq!((rx.sender_count(), rx.receiver_count()), (1, 1));
}

#[test]
fn len_is_empty_and_is_full_are_the_same_seen_from_either_side() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    assert_eq!(
        (tx.len(), rx.len(), tx.is_empty(), rx.is_empty()),
        (1, 1, false, false)
    );
    tx.try_send(2).unwrap();
    assert!(tx.is_full() && rx.is_full());
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((tx.len(), rx.len(), tx.is_full()), (1, 1, false));
}

// ---------------------------------------------------------------------------------------------------------
// Disconnection: the last sender
// ---------------------------------------------------------------------------------------------------------

#[test]
fn dropping_the_last_sender_lets_receivers_drain_then_answers_none_and_closed() {
    let (tx, rx) = channel(4);
    let rx2 = rx.clone();
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(rx.sender_count(), 0);
    assert_eq!(ready(rx.recv()), Some(1));
    assert_eq!(rx2.try_recv(), Ok(2));
    assert_eq!(ready(rx.recv()), None);
    assert_eq!(
        ready(rx2.recv()),
        None,
        "and from then on, on every receiver"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_receiver_waiting_on_an_empty_channel_is_woken_by_the_last_sender_drop_and_gets_none() {
    let (tx, rx) = channel::<u32>(1);
    let tx2 = tx.clone();
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    drop(tx);
    assert!(!recv.is_woken(), "a sender is still alive");
    assert_pending!(recv.poll());
    drop(tx2);
    assert!(
        recv.is_woken(),
        "the last sender's drop must wake a waiting receiver"
    );
    assert_ready_eq!(recv.poll(), None);
}

#[test]
fn dropping_one_of_two_senders_does_not_close_the_channel() {
    let (tx, rx) = channel(2);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    drop(tx);
    assert!(!rx.is_closed());
    assert!(!tx2.is_closed());
    assert_eq!(rx.sender_count(), 1);
    tx2.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "open: empty, not closed"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Disconnection: the last receiver
// ---------------------------------------------------------------------------------------------------------

#[test]
fn dropping_the_last_receiver_wakes_a_waiting_sender_and_gives_its_value_back() {
    let ledger = DropLedger::new(2);
    let (tx, rx) = channel(1);
    let rx2 = rx.clone();
    tx.try_send(ledger.value(0)).unwrap();
    let mut send = spawn(tx.send(ledger.value(1)));
    assert_pending!(send.poll());
    drop(rx);
    assert!(!send.is_woken(), "a receiver is still alive");
    assert_pending!(send.poll());
    drop(rx2);
    assert!(
        send.is_woken(),
        "the last receiver's drop must wake a waiting sender"
    );
    let SendError(back) = assert_ready!(send.poll()).unwrap_err();
    assert_eq!(back.id(), 1);
    assert_eq!(
        ledger.all(),
        [1, 0],
        "the value inside is dropped, the waiting one is given back"
    );
    drop(back);
    assert_eq!(ledger.all(), [1, 1]);
}

#[test]
fn sends_after_the_last_receiver_is_gone_fail_and_give_the_value_back() {
    let (tx, rx) = channel(2);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
    assert_eq!(ready(tx.send(2)), Err(SendError(2)));
    assert_eq!(tx.len(), 0);
}

#[test]
fn values_inside_are_dropped_exactly_once_at_the_moment_the_last_receiver_drops() {
    let ledger = DropLedger::new(5);
    let (tx, rx) = channel(4);
    let rx2 = rx.clone();
    for id in 0..4 {
        tx.try_send(ledger.value(id)).unwrap();
    }
    let received = rx.try_recv().unwrap();
    assert_eq!(received.id(), 0);
    drop(rx);
    assert_eq!(
        ledger.all(),
        [0, 0, 0, 0, 0],
        "a receiver still holds the channel open"
    );
    assert_eq!(tx.len(), 3);
    drop(rx2);
    assert_eq!(
        ledger.all(),
        [0, 1, 1, 1, 0],
        "the values inside go at the last receiver's drop, the received one stays with its owner"
    );
    assert_eq!(tx.len(), 0);
    assert!(tx.is_empty());
    let Err(TrySendError::Closed(refused)) = tx.try_send(ledger.value(4)) else {
        panic!("a send after the last receiver's drop must fail with Closed");
    };
    assert_eq!(refused.id(), 4);
    drop(tx);
    assert_eq!(
        ledger.all(),
        [0, 1, 1, 1, 0],
        "nothing is dropped twice, the refused value is ours"
    );
    drop((received, refused));
    assert_eq!(ledger.all(), [1, 1, 1, 1, 1]);
}

// ---------------------------------------------------------------------------------------------------------
// close()
// ---------------------------------------------------------------------------------------------------------

#[test]
fn close_returns_true_only_for_the_first_call_from_either_side() {
    let (tx, rx) = channel::<u32>(1);
    let tx2 = tx.clone();
    assert!(tx.close());
    assert!(!rx.close());
    assert!(!tx2.close());
    assert!(!tx.close());

    let (tx, rx) = channel::<u32>(1);
    assert!(rx.close());
    assert!(!tx.close());
    assert!(!rx.close());
}

#[test]
fn close_lets_receivers_drain_and_refuses_every_later_send() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    assert!(rx.close());
    assert!(tx.is_closed());
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    assert_eq!(ready(tx.send(3)), Err(SendError(3)));
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "an explicit close keeps the values inside"
    );
    assert_eq!(ready(rx.recv()), None);
}

#[test]
fn close_returns_false_after_the_last_receiver_disconnected() {
    let (tx, rx) = channel::<u32>(1);
    drop(rx);
    assert!(!tx.close());
}

#[test]
fn close_returns_false_after_the_last_sender_disconnected() {
    let (tx, rx) = channel::<u32>(1);
    drop(tx);
    assert!(!rx.close());
}

// ---------------------------------------------------------------------------------------------------------
// Racing clones and drops of handles
// ---------------------------------------------------------------------------------------------------------

#[test]
fn racing_clones_and_drops_of_senders_never_close_the_channel_while_one_sender_lives() {
    let (tx, rx) = channel::<u32>(1);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..1000 {
                    let clone = tx.clone();
                    assert!(!rx.is_closed(), "closed while the original sender lives");
                    drop(clone);
                }
            });
        }
    });
    assert!(!rx.is_closed());
    assert_eq!(rx.sender_count(), 1);
    assert!(rx.closed().now_or_never().is_none());
    tx.try_send(7).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    ready(rx.closed());
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn racing_clones_and_drops_of_receivers_never_drop_the_values_while_one_receiver_lives() {
    let ledger = DropLedger::new(1);
    let (tx, rx) = channel(1);
    tx.try_send(ledger.value(0)).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..1000 {
                    let clone = rx.clone();
                    assert!(!tx.is_closed(), "closed while the original receiver lives");
                    drop(clone);
                }
            });
        }
    });
    assert_eq!(ledger.all(), [0]);
    assert_eq!(
        (tx.receiver_count(), tx.len(), tx.is_closed()),
        (1, 1, false)
    );
    drop(rx);
    assert_eq!(ledger.all(), [1]);
    assert!(tx.is_closed());
}

#[test]
fn the_last_of_many_racing_sender_drops_closes_the_channel_once_and_wakes_its_waiters() {
    for _ in 0..200 {
        let (tx, rx) = channel::<u32>(1);
        let mut closed = spawn(rx.closed());
        let mut recv = spawn(rx.recv());
        assert_pending!(closed.poll());
        assert_pending!(recv.poll());
        let barrier = Barrier::new(4);
        let handles: Vec<Sender<u32>> = vec![tx.clone(), tx.clone(), tx.clone(), tx];
        std::thread::scope(|scope| {
            for handle in handles {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    drop(handle);
                });
            }
        });
        assert_eq!(rx.sender_count(), 0);
        assert!(rx.is_closed());
        assert!(closed.is_woken() && recv.is_woken());
        assert_ready!(closed.poll());
        assert_ready_eq!(recv.poll(), None);
        assert!(!rx.close(), "the racing drops already closed the channel");
    }
}

#[test]
fn the_last_of_many_racing_receiver_drops_closes_the_channel_and_drops_the_values_once() {
    for _ in 0..200 {
        let ledger = DropLedger::new(2);
        let (tx, rx) = channel(2);
        tx.try_send(ledger.value(0)).unwrap();
        tx.try_send(ledger.value(1)).unwrap();
        let mut closed = spawn(tx.closed());
        assert_pending!(closed.poll());
        let barrier = Barrier::new(4);
        let handles: Vec<Receiver<Tracked>> = vec![rx.clone(), rx.clone(), rx.clone(), rx];
        std::thread::scope(|scope| {
            for handle in handles {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    drop(handle);
                });
            }
        });
        assert_eq!(ledger.all(), [1, 1]);
        assert_eq!((tx.receiver_count(), tx.len()), (0, 0));
        assert!(closed.is_woken());
        assert_ready!(closed.poll());
        assert!(!tx.close());
    }
}

// ---------------------------------------------------------------------------------------------------------
// WeakSender
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_weak_sender_does_not_keep_the_channel_open() {
    let (tx, rx) = channel::<u32>(1);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!(rx.sender_count(), 1, "weak senders are not counted");
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    drop(tx);
    assert!(recv.is_woken());
    assert_ready_eq!(recv.poll(), None);
    assert!(rx.is_closed());
    assert!(weak.upgrade().is_none());
    assert!(weak2.upgrade().is_none());
}

#[test]
fn upgrade_gives_a_counted_sender_of_the_same_channel_while_a_strong_sender_lives() {
    let (tx, rx) = channel(2);
    let weak = tx.downgrade();
    let upgraded = weak.upgrade().expect("a strong sender lives");
    assert!(upgraded.same_channel(&tx));
    assert_eq!(rx.sender_count(), 2);
    upgraded.try_send(1).unwrap();
    drop(tx);
    assert!(
        !rx.is_closed(),
        "the upgraded sender keeps the channel open"
    );
    assert_eq!(rx.try_recv(), Ok(1));
    let again = weak.upgrade().expect("the upgraded sender still lives");
    assert_eq!(rx.sender_count(), 2);
    drop(again);
    drop(upgraded);
    assert!(rx.is_closed());
    assert_eq!(rx.sender_count(), 0);
    assert!(
        weak.upgrade().is_none(),
        "once every strong sender is gone, upgrade fails for good"
    );
    assert_eq!(rx.sender_count(), 0, "a failed upgrade counts nothing");
}

#[test]
fn upgrade_fails_after_the_last_receiver_is_gone_only_if_every_strong_sender_is_gone_too() {
    let (tx, rx) = channel::<u32>(1);
    let weak = tx.downgrade();
    drop(rx);
    let upgraded = weak.upgrade().expect("a strong sender still lives");
    assert_eq!(upgraded.try_send(1), Err(TrySendError::Closed(1)));
}

// ---------------------------------------------------------------------------------------------------------
// Handle counts and identity
// ---------------------------------------------------------------------------------------------------------

#[test]
fn sender_and_receiver_counts_follow_clones_and_drops_seen_from_either_side() {
    let (tx, rx) = channel::<u32>(1);
    let senders: Vec<_> = (0..3).map(|_| tx.clone()).collect();
    let receivers: Vec<_> = (0..2).map(|_| rx.clone()).collect();
    assert_eq!((tx.sender_count(), tx.receiver_count()), (4, 3));
    assert_eq!((rx.sender_count(), rx.receiver_count()), (4, 3));
    drop(senders);
    assert_eq!((rx.sender_count(), rx.receiver_count()), (1, 3));
    drop(receivers);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    let weak = tx.downgrade();
    assert_eq!(tx.sender_count(), 1, "a weak sender is not counted");
    drop(weak);
    assert_eq!(tx.sender_count(), 1);
    drop(rx);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 0));
}

#[test]
fn same_channel_is_true_for_clones_and_false_across_channels() {
    let (tx, rx) = channel::<u32>(1);
    let (other_tx, other_rx) = channel::<u32>(1);
    assert!(tx.same_channel(&tx.clone()));
    assert!(tx.same_channel(&tx));
    assert!(rx.same_channel(&rx.clone()));
    assert!(!tx.same_channel(&other_tx));
    assert!(!rx.same_channel(&other_rx));
    let upgraded = tx.downgrade().upgrade().unwrap();
    assert!(upgraded.same_channel(&tx));
    assert!(!upgraded.same_channel(&other_tx));
}

// ---------------------------------------------------------------------------------------------------------
// closed()
// ---------------------------------------------------------------------------------------------------------

#[test]
fn closed_completes_on_an_explicit_close_from_either_side() {
    for close_from_sender in [true, false] {
        let (tx, rx) = channel::<u32>(1);
        let mut sender_closed = spawn(tx.closed());
        let mut receiver_closed = spawn(rx.closed());
        assert_pending!(sender_closed.poll());
        assert_pending!(receiver_closed.poll());
        if close_from_sender {
            assert!(tx.close());
        } else {
            assert!(rx.close());
        }
        assert!(sender_closed.is_woken(), "sender side not woken");
        assert!(receiver_closed.is_woken(), "receiver side not woken");
        assert_ready!(sender_closed.poll());
        assert_ready!(receiver_closed.poll());
    }
}

#[test]
fn closed_completes_when_the_last_receiver_drops() {
    let (tx, rx) = channel::<u32>(1);
    let rx2 = rx.clone();
    let mut closed = spawn(tx.closed());
    assert_pending!(closed.poll());
    drop(rx);
    assert!(!closed.is_woken());
    assert_pending!(closed.poll());
    drop(rx2);
    assert!(closed.is_woken());
    assert_ready!(closed.poll());
}

#[test]
fn closed_completes_when_the_last_sender_drops() {
    let (tx, rx) = channel::<u32>(1);
    let tx2 = tx.clone();
    let mut closed = spawn(rx.closed());
    assert_pending!(closed.poll());
    drop(tx);
    assert!(!closed.is_woken());
    assert_pending!(closed.poll());
    drop(tx2);
    assert!(closed.is_woken());
    assert_ready!(closed.poll());
}

#[test]
fn closed_is_ready_at_once_on_a_closed_channel_and_pending_while_open() {
    let (tx, rx) = channel::<u32>(1);
    tx.try_send(1).unwrap();
    assert!(
        tx.closed().now_or_never().is_none(),
        "open, even with values inside"
    );
    assert!(rx.closed().now_or_never().is_none());
    tx.close();
    assert!(tx.closed().now_or_never().is_some());
    assert!(
        rx.closed().now_or_never().is_some(),
        "closed, even with values inside"
    );
}

#[test]
fn dropping_a_pending_closed_future_is_harmless_and_leaves_the_others_waiting() {
    let (tx, rx) = channel::<u32>(1);
    let mut dropped = spawn(tx.closed());
    let mut kept = spawn(tx.closed());
    assert_pending!(dropped.poll());
    assert_pending!(kept.poll());
    drop(dropped);
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(!kept.is_woken());
    drop(rx);
    assert!(kept.is_woken());
    assert_ready!(kept.poll());
}

// ---------------------------------------------------------------------------------------------------------
// recv_many
// ---------------------------------------------------------------------------------------------------------

#[test]
fn recv_many_with_limit_zero_returns_zero_at_once_and_takes_nothing() {
    let (tx, rx) = channel(4);
    let mut buffer = vec![100];
    assert_eq!(
        ready(rx.recv_many(&mut buffer, 0)),
        0,
        "even on an empty open channel"
    );
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(ready(rx.recv_many(&mut buffer, 0)), 0);
    assert_eq!(buffer, [100]);
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn recv_many_appends_up_to_limit_of_the_values_inside_in_order() {
    let (tx, rx) = channel(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    let mut buffer = vec![100];
    assert_eq!(ready(rx.recv_many(&mut buffer, 3)), 3);
    assert_eq!(buffer, [100, 0, 1, 2], "appended, not overwritten");
    assert_eq!(rx.len(), 2);
    assert_eq!(
        ready(rx.recv_many(&mut buffer, 10)),
        2,
        "no more than what is inside"
    );
    assert_eq!(buffer, [100, 0, 1, 2, 3, 4]);
    assert!(rx.is_empty());
}

#[test]
fn recv_many_waits_on_an_empty_channel_and_is_woken_by_a_send() {
    let (tx, rx) = channel(4);
    let mut buffer = Vec::new();
    let mut recv_many = spawn(rx.recv_many(&mut buffer, 4));
    assert_pending!(recv_many.poll());
    assert_pending!(recv_many.poll());
    assert!(!recv_many.is_woken());
    tx.try_send(1).unwrap();
    assert!(recv_many.is_woken());
    tx.try_send(2).unwrap();
    assert_ready_eq!(recv_many.poll(), 2);
    drop(recv_many);
    assert_eq!(buffer, [1, 2]);
}

#[test]
fn recv_many_returns_zero_once_the_channel_is_closed_and_drained() {
    let (tx, rx) = channel(4);
    let mut buffer = Vec::new();
    let mut waiting = spawn(rx.recv_many(&mut buffer, 4));
    assert_pending!(waiting.poll());
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    drop(tx);
    assert_ready_eq!(waiting.poll(), 1);
    drop(waiting);
    let mut waiting = spawn(rx.recv_many(&mut buffer, 4));
    assert_pending!(waiting.poll());
    drop(tx2);
    assert!(
        waiting.is_woken(),
        "the last sender's drop wakes a waiting recv_many"
    );
    assert_ready_eq!(waiting.poll(), 0);
    drop(waiting);
    assert_eq!(
        ready(rx.recv_many(&mut buffer, 4)),
        0,
        "and from then on at once"
    );
    assert_eq!(buffer, [1]);
}

#[test]
fn a_recv_many_future_dropped_while_pending_takes_nothing() {
    let (tx, rx) = channel(4);
    let mut buffer = Vec::new();
    let mut recv_many = spawn(rx.recv_many(&mut buffer, 4));
    assert_pending!(recv_many.poll());
    drop(recv_many);
    tx.try_send(1).unwrap();
    assert!(buffer.is_empty());
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn a_woken_recv_many_future_dropped_before_it_ran_passes_its_wake_up_on() {
    let (tx, rx) = channel(4);
    let mut buffer = Vec::new();
    let mut recv_many = spawn(rx.recv_many(&mut buffer, 4));
    let mut recv = spawn(rx.recv());
    assert_pending!(recv_many.poll());
    assert_pending!(recv.poll());
    tx.try_send(1).unwrap();
    assert!(recv_many.is_woken(), "the first waiter is served first");
    drop(recv_many);
    assert!(
        recv.is_woken(),
        "the dropped future's wake-up must go to the next waiter"
    );
    assert_ready_eq!(recv.poll(), Some(1));
    assert!(buffer.is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// into_stream
// ---------------------------------------------------------------------------------------------------------

#[test]
fn into_stream_yields_every_value_in_order_then_ends() {
    let (tx, rx) = channel(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    drop(tx);
    let values: Vec<u32> = futures::executor::block_on(rx.into_stream().collect());
    assert_eq!(values, [0, 1, 2, 3, 4]);
}

#[test]
fn a_stream_waits_for_values_and_is_terminated_once_it_returned_none() {
    let (tx, rx) = channel(2);
    let mut stream = spawn(rx.into_stream());
    assert!(!stream.is_terminated());
    assert_pending!(stream.poll_next());
    tx.try_send(1).unwrap();
    assert!(stream.is_woken());
    assert_ready_eq!(stream.poll_next(), Some(1));
    assert_pending!(stream.poll_next());
    drop(tx);
    assert!(
        stream.is_woken(),
        "the last sender's drop wakes a waiting stream"
    );
    assert!(!stream.is_terminated(), "not before it returned None");
    assert_ready_eq!(stream.poll_next(), None);
    assert!(stream.is_terminated());
    assert_ready_eq!(
        stream.poll_next(),
        None,
        "a fused stream keeps answering None"
    );
}

#[test]
fn a_stream_dropped_while_waiting_loses_nothing_and_passes_its_wake_up_on() {
    let (tx, rx) = channel(2);
    let rx2 = rx.clone();
    let mut stream = spawn(rx.into_stream());
    assert_pending!(stream.poll_next());
    let mut recv = spawn(rx2.recv());
    assert_pending!(recv.poll());
    tx.try_send(7).unwrap();
    assert!(
        stream.is_woken(),
        "the stream waited first, so it is served first"
    );
    drop(stream);
    assert_eq!(rx2.receiver_count(), 1, "the stream owned a receiver");
    assert!(!rx2.is_closed());
    assert!(
        recv.is_woken(),
        "the dropped stream's wake-up must go to the other receiver"
    );
    assert_ready_eq!(recv.poll(), Some(7));
}

#[test]
fn a_stream_holding_the_last_receiver_closes_the_channel_when_dropped() {
    let ledger = DropLedger::new(1);
    let (tx, rx) = channel(1);
    tx.try_send(ledger.value(0)).unwrap();
    let stream = rx.into_stream();
    assert!(!tx.is_closed());
    drop(stream);
    assert!(tx.is_closed());
    assert_eq!(ledger.all(), [1]);
}

// ---------------------------------------------------------------------------------------------------------
// Debug
// ---------------------------------------------------------------------------------------------------------

struct NotDebug;

fn assert_shows(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{text:?} does not show {part:?}");
    }
}

#[test]
fn handles_debug_without_item_debug_and_show_len_capacity_closed_and_counts() {
    let (tx, rx) = channel::<NotDebug>(2);
    tx.try_send(NotDebug).unwrap();
    let weak = tx.downgrade();
    // Three senders and one receiver: a count shown under the other's name would be seen.
    let _more_senders = (tx.clone(), tx.clone());
    let expected = [
        "len: 1",
        "capacity: 2",
        "closed: false",
        "senders: 3",
        "receivers: 1",
    ];
    let sender = format!("{tx:?}");
    assert_shows(&sender, &["Sender"]);
    assert_shows(&sender, &expected);
    let receiver = format!("{rx:?}");
    assert_shows(&receiver, &["Receiver"]);
    assert_shows(&receiver, &expected);
    assert_shows(&format!("{weak:?}"), &["WeakSender", "senders: 3"]);
    tx.close();
    assert_shows(&format!("{rx:?}"), &["closed: true"]);
    let stream = rx.into_stream();
    assert_shows(
        &format!("{stream:?}"),
        &["RecvStream", "len: 1", "closed: true", "terminated: false"],
    );
}

#[test]
fn a_send_futures_debug_shows_whether_it_still_holds_its_value_and_whether_it_waits() {
    let (tx, rx) = channel::<NotDebug>(1);
    tx.try_send(NotDebug).unwrap();
    let mut send = spawn(tx.send(NotDebug));
    assert_shows(
        &send.enter(|_, f| format!("{f:?}")),
        &["SendFuture", "done: false", "waiting: false"],
    );
    assert_pending!(send.poll());
    assert_shows(
        &send.enter(|_, f| format!("{f:?}")),
        &["SendFuture", "done: false", "waiting: true"],
    );
    assert!(rx.try_recv().is_ok());
    assert!(send.is_woken());
    assert!(assert_ready!(send.poll()).is_ok());
    assert_shows(
        &send.enter(|_, f| format!("{f:?}")),
        &["SendFuture", "done: true"],
    );
}

#[test]
fn futures_debug_without_item_debug_and_show_their_state() {
    let (tx, rx) = channel::<NotDebug>(1);
    let mut recv = spawn(rx.recv());
    assert_shows(
        &recv.enter(|_, f| format!("{f:?}")),
        &["RecvFuture", "waiting: false"],
    );
    assert!(recv.poll().is_pending());
    assert_shows(
        &recv.enter(|_, f| format!("{f:?}")),
        &["RecvFuture", "waiting: true"],
    );
    drop(recv);
    tx.try_send(NotDebug).unwrap();
    let send = tx.send(NotDebug);
    assert_shows(&format!("{send:?}"), &["SendFuture"]);
    drop(send);
    let mut buffer = Vec::new();
    let recv_many = rx.recv_many(&mut buffer, 3);
    assert_shows(&format!("{recv_many:?}"), &["RecvManyFuture", "limit: 3"]);
    drop(recv_many);
    assert_shows(&format!("{:?}", tx.closed()), &["ClosedFuture"]);
}
