#![cfg(all(feature = "futures", not(any(loom, shuttle))))]
//! Permits (I7) as a user reads them in the API contract: a permit holds capacity, not a ring position; its
//! `send` never waits or fails; a dropped permit's slot goes to the next waiting sender; the sink built on
//! them. Futures are polled by hand, values count their drops.

mod common;

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use common::drop_ledger::DropLedger;
use futures::{FutureExt, Sink, SinkExt};
use tokio_mpmc::{Queue, SendError, TryRecvError, TrySendError, channel};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

#[test]
fn a_permit_holds_capacity_but_is_not_a_value() {
    let (tx, rx) = channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    assert_eq!(rx.len(), 0);
    assert!(!rx.is_full());
    tx.try_send(1).unwrap();
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    permit.send(3);
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_held_permit_never_stalls_the_values_sent_before_or_after_it() {
    let queue = Queue::new(3);
    queue.try_send(1).unwrap();
    let permit = queue.try_reserve().unwrap();
    queue.try_send(2).unwrap();
    // Both values flow past the unused permit, on every lap of the ring.
    for round in 0..10 {
        assert_eq!(queue.try_receive(), Ok(round * 2 + 1));
        assert_eq!(queue.try_receive(), Ok(round * 2 + 2));
        queue.try_send(round * 2 + 3).unwrap();
        queue.try_send(round * 2 + 4).unwrap();
        assert!(queue.try_send(0).is_err(), "the permit's slot stays held");
    }
    permit.send(100);
    assert_eq!(queue.len(), 3);
}

#[test]
fn a_dropped_permit_gives_its_slot_to_the_oldest_waiting_sender() {
    let queue = Queue::new(1);
    let permit = queue.try_reserve().unwrap();
    let mut first = spawn(queue.send(1));
    let mut second = spawn(queue.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    drop(permit);
    assert!(first.is_woken());
    assert!(!second.is_woken());
    assert_ready_eq!(first.poll(), Ok(()));
    assert_pending!(second.poll());
    assert_eq!(queue.try_receive(), Ok(1));
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(()));
}

#[test]
fn reserve_waits_for_a_slot_and_its_permit_sends_without_waiting() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let mut reserve = spawn(tx.reserve());
    assert_pending!(reserve.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(reserve.is_woken());
    let permit = assert_ready!(reserve.poll()).unwrap();
    permit.send(2);
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn reserve_fails_once_the_channel_is_closed_and_a_permit_held_before_still_sends() {
    let (tx, rx) = channel::<u8>(2);
    let held = tx.try_reserve().unwrap();
    tx.try_send(1).unwrap();
    let mut waiting = spawn(tx.reserve());
    assert_pending!(waiting.poll());
    assert!(rx.close());
    assert!(waiting.is_woken());
    assert_eq!(assert_ready!(waiting.poll()).unwrap_err(), SendError(()));
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
    // The receiver drains what is inside, then waits for the permit held across the close.
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    held.send(2);
    assert!(recv.is_woken());
    assert_ready_eq!(recv.poll(), Some(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_permit_dropped_after_close_ends_the_drain() {
    let (tx, rx) = channel::<u8>(1);
    let held = tx.try_reserve().unwrap();
    tx.close();
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    drop(held);
    assert!(recv.is_woken());
    assert_ready_eq!(recv.poll(), None);
}

#[test]
fn a_permit_sent_after_the_last_receiver_left_drops_its_value_at_once() {
    let ledger = DropLedger::new(2);
    let (tx, rx) = channel(2);
    let permit = tx.try_reserve().unwrap();
    tx.try_send(ledger.value(0)).unwrap();
    drop(rx);
    assert_eq!(
        ledger.all(),
        [1, 0],
        "the value inside went with the last receiver"
    );
    permit.send(ledger.value(1));
    assert_eq!(
        ledger.all(),
        [1, 1],
        "the permit's value is dropped at once, exactly once"
    );
    assert_eq!(tx.len(), 0);
}

#[test]
fn a_reserve_future_dropped_after_its_wake_up_passes_it_on() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut dropped = spawn(queue.reserve());
    let mut next = spawn(queue.send(1));
    assert_pending!(dropped.poll());
    assert_pending!(next.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(dropped.is_woken());
    drop(dropped);
    assert!(
        next.is_woken(),
        "the wake-up was lost with the dropped reserve"
    );
    assert_ready_eq!(next.poll(), Ok(()));
}

#[test]
fn a_reserve_owned_future_dropped_while_waiting_or_after_its_wake_up_leaves_the_line() {
    for woken_first in [false, true] {
        let (tx, rx) = channel(1);
        tx.try_send(0).unwrap();
        let mut dropped = spawn(tx.clone().reserve_owned());
        let mut next = spawn(tx.send(1));
        assert_pending!(dropped.poll());
        assert_pending!(next.poll());
        if woken_first {
            assert_eq!(rx.try_recv(), Ok(0));
            assert!(dropped.is_woken() && !next.is_woken());
            drop(dropped);
        } else {
            drop(dropped);
            assert_eq!(rx.try_recv(), Ok(0));
        }
        assert!(
            next.is_woken(),
            "woken first: {woken_first}: the slot's wake-up went to the dropped reserve_owned"
        );
        assert_ready_eq!(next.poll(), Ok(()));
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(
            tx.sender_count(),
            1,
            "the dropped future dropped its sender"
        );
    }
}

#[test]
fn reserve_many_holds_n_slots_and_gives_back_the_unused_ones() {
    let (tx, rx) = channel(4);
    let mut permits = tx.try_reserve_many(3).unwrap();
    assert_eq!(permits.len(), 3);
    assert_eq!(tx.try_reserve_many(2).unwrap_err(), TrySendError::Full(()));
    permits.next().unwrap().send(1);
    assert_eq!(permits.len(), 2);
    drop(permits);
    assert_eq!(tx.try_reserve_many(3).unwrap().len(), 3);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn reserve_many_of_zero_or_above_the_capacity_answers_at_once() {
    let (tx, _rx) = channel::<u8>(2);
    assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
    assert_eq!(tx.reserve_many(0).now_or_never().unwrap().unwrap().len(), 0);
    assert_eq!(tx.try_reserve_many(3).unwrap_err(), TrySendError::Full(()));
    assert_eq!(
        tx.reserve_many(3).now_or_never().unwrap().unwrap_err(),
        SendError(())
    );
}

#[test]
fn reserve_many_waits_until_all_n_slots_are_free() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut many = spawn(tx.reserve_many(2));
    assert_pending!(many.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    if many.is_woken() {
        assert_pending!(many.poll());
    }
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(many.is_woken());
    assert_eq!(assert_ready!(many.poll()).unwrap().len(), 2);
}

#[test]
fn owned_permits_give_the_sender_back() {
    let (tx, rx) = channel(1);
    let permit = tx.try_reserve_owned().unwrap();
    let tx = match permit.release().try_reserve_owned() {
        Ok(permit) => permit.send(1),
        Err(_) => panic!("the released slot is free again"),
    };
    let tx = match tx.try_reserve_owned() {
        Err(TrySendError::Full(tx)) => tx,
        other => panic!("expected Full with the sender back, got {other:?}"),
    };
    assert_eq!(rx.try_recv(), Ok(1));
    let permit = tx.reserve_owned().now_or_never().unwrap().unwrap();
    drop(permit);
    assert_eq!(rx.len(), 0);
}

#[test]
fn a_dropped_owned_permit_gives_its_slot_to_the_oldest_waiting_sender() {
    let (tx, rx) = channel(1);
    let permit = tx.clone().try_reserve_owned().unwrap();
    let mut first = spawn(tx.send(1));
    let mut second = spawn(tx.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    drop(permit);
    assert!(
        first.is_woken(),
        "the slot of the dropped owned permit went to the oldest waiting sender"
    );
    assert!(!second.is_woken(), "one slot freed, one sender woken");
    assert_ready_eq!(first.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        tx.sender_count(),
        1,
        "the dropped permit dropped its sender"
    );
}

#[test]
fn owned_reservations_fail_on_a_closed_channel_and_the_try_gives_the_sender_back() {
    let (tx, _rx) = channel::<u8>(1);
    let other = tx.clone();
    tx.close();
    let tx = match tx.try_reserve_owned() {
        Err(TrySendError::Closed(tx)) => tx,
        other => panic!("expected Closed with the sender back, got {other:?}"),
    };
    assert!(tx.same_channel(&other));
    assert_eq!(other.sender_count(), 2, "the sender given back is alive");
    assert!(tx.reserve_owned().now_or_never().unwrap().is_err());
    assert_eq!(
        other.sender_count(),
        1,
        "the failed reserve_owned dropped its sender"
    );
}

#[test]
fn the_sink_sends_in_order_and_its_close_drops_the_sender() {
    let (tx, rx) = channel(2);
    let mut sink = tx.into_sink();
    futures::executor::block_on(async {
        sink.send(1).await.unwrap();
        sink.send(2).await.unwrap();
        // Full: `poll_ready` waits for a slot without taking the value.
        assert!(sink.send(3).now_or_never().is_none());
        assert_eq!(rx.try_recv(), Ok(1));
        sink.send(3).await.unwrap();
        sink.close().await.unwrap();
    });
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn the_sink_fails_once_every_receiver_is_gone() {
    let (tx, rx) = channel::<u8>(1);
    let mut sink = tx.into_sink();
    drop(rx);
    let error = futures::executor::block_on(sink.send(1)).unwrap_err();
    assert_eq!(error, SendError(()));
}

#[test]
fn a_cancelled_sink_send_gives_its_held_slot_back() {
    let (tx, rx) = channel(1);
    let other = tx.clone();
    let mut sink = tx.into_sink();
    tx_full(&other);
    // The cancelled send had not reserved (full): nothing held. Make room, reserve through `poll_ready`,
    // then drop the sink: the held slot goes back.
    assert!(sink.send(5).now_or_never().is_none());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(
        futures::executor::block_on(futures::future::poll_fn(|cx| {
            futures::Sink::<u8>::poll_ready(std::pin::Pin::new(&mut sink), cx)
        })),
        Ok(())
    );
    assert!(other.try_send(1).is_err(), "the sink holds the slot");
    drop(sink);
    other.try_send(1).unwrap();
}

#[test]
fn closing_the_sink_gives_its_held_slot_to_a_waiting_sender() {
    let (tx, rx) = channel(1);
    let other = tx.clone();
    let mut sink = tx.into_sink();
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(Pin::new(&mut sink).poll_ready(&mut cx), Poll::Ready(Ok(())));
    let mut waiting = spawn(other.send(1));
    assert_pending!(waiting.poll());
    assert_eq!(Pin::new(&mut sink).poll_close(&mut cx), Poll::Ready(Ok(())));
    assert!(
        waiting.is_woken(),
        "the slot the sink held was not given back"
    );
    assert_ready_eq!(waiting.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn a_closed_sink_refuses_further_sends() {
    let (tx, rx) = channel(1);
    let mut sink = tx.into_sink();
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(Pin::new(&mut sink).poll_close(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(
        Pin::new(&mut sink).poll_ready(&mut cx),
        Poll::Ready(Err(SendError(()))),
        "a closed sink is never ready"
    );
    assert_eq!(
        futures::executor::block_on(sink.send(1)),
        Err(SendError(())),
        "a send through a closed sink fails"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "nothing was sent");
}

#[test]
#[should_panic(expected = "start_send called without a successful poll_ready")]
fn the_sinks_start_send_without_poll_ready_panics() {
    let (tx, _rx) = channel(1);
    let mut sink = tx.into_sink();
    let _ = Pin::new(&mut sink).start_send(1);
}

#[test]
#[should_panic(expected = "start_send called without a successful poll_ready")]
fn the_sinks_start_send_after_poll_close_panics() {
    let (tx, _rx) = channel(1);
    let mut sink = tx.into_sink();
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(Pin::new(&mut sink).poll_ready(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(Pin::new(&mut sink).poll_close(&mut cx), Poll::Ready(Ok(())));
    let _ = Pin::new(&mut sink).start_send(1);
}

fn tx_full(tx: &tokio_mpmc::Sender<u8>) {
    tx.try_send(0).unwrap();
}

#[test]
fn permits_and_their_futures_show_in_debug_output() {
    let (tx, _rx) = channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    assert!(format!("{permit:?}").starts_with("Permit"));
    let many = tx.try_reserve_many(1).unwrap();
    assert!(format!("{many:?}").contains("left: 1"));
    assert!(format!("{:?}", tx.reserve()).starts_with("ReserveFuture"));
    assert!(format!("{:?}", tx.reserve_many(1)).starts_with("ReserveManyFuture"));
    assert!(format!("{:?}", tx.clone().reserve_owned()).starts_with("ReserveOwnedFuture"));
    assert!(format!("{:?}", tx.clone().into_sink()).starts_with("SendSink"));
}

#[test]
fn a_permit_sent_after_close_wakes_every_receiver_once_it_is_taken() {
    let queue = Queue::new(2);
    let permit = queue.try_reserve().unwrap();
    let mut first = spawn(queue.receive());
    let mut second = spawn(queue.receive());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    queue.close();
    // Woken by the close, both wait again: the permit may still deliver.
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    permit.send(7);
    assert!(first.is_woken());
    assert_ready_eq!(first.poll(), Ok(Some(7)));
    // The value that made the ring final was taken: nothing will ever come for the second receiver.
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(None));
}

/// Issue 18, item 1: a batch reservation that a hand-off mode served in part, when the mode ends before its
/// batch is complete, is woken later in notify mode holding nothing; the part it held goes back to the
/// ring. (It was kept: every such round leaked a slot until the channel stalled for good with `len() == 0`.)
#[test]
fn a_batch_served_in_part_by_a_hand_off_that_ended_gives_its_part_back_when_notified() {
    let queue = Queue::new(3);
    let batch_of_two = queue.try_reserve_many(2).unwrap();
    queue.try_send(0).unwrap();
    let mut starved = spawn(queue.send(99));
    assert_pending!(starved.poll());
    // Overtaken 4 times (the bound): the senders' side hands off from now on.
    for value in 0..4 {
        assert_eq!(queue.try_receive(), Ok(value));
        assert!(starved.is_woken());
        queue.try_send(value + 1).unwrap();
        assert_pending!(starved.poll());
    }
    let mut batch = spawn(queue.reserve_many(2));
    assert_pending!(batch.poll());
    // Two slots come back at once: one is granted to the starved sender, which ends the hand-off, and one to
    // the batch, which needs two.
    drop(batch_of_two);
    assert!(starved.is_woken());
    assert!(!batch.is_woken());
    // In notify mode again, a receive wakes the batch: it must find both slots free.
    assert_eq!(queue.try_receive(), Ok(4));
    assert!(batch.is_woken());
    let permits = assert_ready!(batch.poll()).unwrap();
    assert_eq!(permits.len(), 2);
    assert_ready_eq!(starved.poll(), Ok(()));
    drop(permits);
    assert_eq!(queue.try_receive(), Ok(99));
    // Nothing was kept: all three slots are free.
    for value in 0..3 {
        queue.try_send(value).unwrap();
    }
    assert_eq!(queue.try_send(3), Err(TrySendError::Full(3)));
}

/// Issue 18, item 5: a batch of none on a closed channel is refused like any other, as tokio's.
#[test]
fn a_batch_of_zero_permits_on_a_closed_channel_is_refused() {
    let (tx, _rx) = channel::<u8>(2);
    assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
    tx.close();
    assert_eq!(
        tx.try_reserve_many(0).unwrap_err(),
        TrySendError::Closed(())
    );
    assert!(tx.reserve_many(0).now_or_never().unwrap().is_err());
    let queue = Queue::<u8>::new(1);
    queue.close();
    assert_eq!(
        queue.try_reserve_many(0).unwrap_err(),
        TrySendError::Closed(())
    );
    assert!(queue.reserve_many(0).now_or_never().unwrap().is_err());
}
