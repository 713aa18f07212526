#![cfg(all(feature = "futures", not(any(loom, shuttle))))]
//! The unbounded channel as a user reads it in the API contract: the same `Sender` / `Receiver` as a bounded
//! channel, but a send never waits and `capacity()` is `None`; close, disconnection, permits and drops behave
//! as on a bounded channel. Futures are polled by hand where the test states what happens at which call.

mod common;

use std::collections::HashSet;

use common::drop_ledger::DropLedger;
use futures::FutureExt;
use tokio_mpmc::{Queue, SendError, TryRecvError, TrySendError, unbounded_channel};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

#[test]
fn a_send_never_waits_and_there_is_no_bound() {
    let (tx, rx) = unbounded_channel();
    assert_eq!(tx.capacity(), None);
    assert_eq!(rx.capacity(), None);
    for n in 0..100_000 {
        tx.try_send(n).unwrap();
    }
    // An awaited send completes on its first poll, however full the channel.
    assert_eq!(tx.send(100_000).now_or_never(), Some(Ok(())));
    assert_eq!(rx.len(), 100_001);
    assert!(!tx.is_full() && !rx.is_full());
    for n in 0..=100_000 {
        assert_eq!(rx.try_recv(), Ok(n));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
}

#[test]
fn an_unbounded_channel_is_never_full_not_even_when_empty() {
    let (tx, rx) = unbounded_channel::<u8>();
    assert!(
        !tx.is_full(),
        "an empty unbounded channel is not full (sender)"
    );
    assert!(
        !rx.is_full(),
        "an empty unbounded channel is not full (receiver)"
    );
    tx.try_send(1).unwrap();
    assert!(!tx.is_full() && !rx.is_full(), "holding one value");
}

#[test]
fn an_unbounded_queue_reports_a_capacity_of_usize_max_and_is_never_full() {
    let queue = Queue::unbounded();
    assert_eq!(queue.capacity(), usize::MAX, "empty");
    assert!(!queue.is_full(), "empty");
    for n in 0..1_000 {
        queue.try_send(n).unwrap();
    }
    assert_eq!(queue.capacity(), usize::MAX, "holding 1,000 values");
    assert!(!queue.is_full(), "holding 1,000 values");
    assert_eq!(queue.len(), 1_000);
}

#[test]
fn a_waiting_receiver_is_woken_by_a_send() {
    let (tx, rx) = unbounded_channel();
    let mut receive = spawn(rx.recv());
    assert_pending!(receive.poll());
    tx.try_send(7).unwrap();
    assert!(receive.is_woken());
    assert_ready_eq!(receive.poll(), Some(7));
}

#[test]
fn close_refuses_sends_with_their_value_and_receivers_drain_then_see_none() {
    let (tx, rx) = unbounded_channel();
    for n in 0..40 {
        tx.try_send(n).unwrap();
    }
    assert!(rx.close());
    assert!(!tx.close());
    assert_eq!(tx.try_send(99), Err(TrySendError::Closed(99)));
    assert_eq!(tx.send(98).now_or_never(), Some(Err(SendError(98))));
    for n in 0..40 {
        assert_eq!(rx.try_recv(), Ok(n));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx.recv().now_or_never(), Some(None));
}

#[test]
fn the_last_sender_drop_wakes_a_waiting_receiver_with_none() {
    let (tx, rx) = unbounded_channel::<u8>();
    let mut receive = spawn(rx.recv());
    assert_pending!(receive.poll());
    drop(tx);
    assert!(receive.is_woken());
    assert_ready_eq!(receive.poll(), None);
}

#[test]
fn the_last_receiver_drop_drops_every_value_inside_once_and_sends_give_theirs_back() {
    let ledger = DropLedger::new(101);
    let (tx, rx) = unbounded_channel();
    for id in 0..100 {
        tx.try_send(ledger.value(id)).unwrap();
    }
    drop(rx);
    for id in 0..100 {
        assert_eq!(ledger.drops(id), 1, "value {id}");
    }
    assert_eq!(tx.len(), 0);
    match tx.try_send(ledger.value(100)) {
        Err(TrySendError::Closed(back)) => assert_eq!(back.id(), 100),
        other => panic!("expected Closed with the value back, got {other:?}"),
    }
    assert_eq!(ledger.drops(100), 1);
}

#[test]
fn permits_never_wait_and_a_permit_held_across_close_delivers_before_none() {
    let (tx, rx) = unbounded_channel();
    let many = tx.try_reserve_many(1_000).unwrap();
    assert_eq!(many.len(), 1_000);
    // More than one request can ever hold (2^20 − 1 permits at once) fails at once, never waits nor panics.
    assert_eq!(
        tx.try_reserve_many(usize::MAX).unwrap_err(),
        TrySendError::Full(())
    );
    assert!(matches!(
        tx.reserve_many(1 << 20).now_or_never(),
        Some(Err(SendError(())))
    ));
    let permit = tx.reserve().now_or_never().unwrap().unwrap();
    tx.try_send(1).unwrap();
    drop(many);
    let mut receive = spawn(rx.recv());
    assert_eq!(receive.poll(), std::task::Poll::Ready(Some(1)));
    let mut waiting = spawn(rx.recv());
    assert_pending!(waiting.poll());
    rx.close();
    assert_pending!(waiting.poll());
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
    permit.send(2);
    assert!(waiting.is_woken());
    assert_ready_eq!(waiting.poll(), Some(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn blocking_calls_work_from_plain_threads() {
    let (tx, rx) = unbounded_channel();
    let producer = std::thread::spawn(move || {
        for n in 0..10_000u32 {
            tx.blocking_send(n).unwrap();
        }
    });
    let mut expected = 0;
    while let Some(n) = rx.blocking_recv() {
        assert_eq!(n, expected);
        expected += 1;
    }
    assert_eq!(expected, 10_000);
    producer.join().unwrap();
}

/// Four producers and four consumers on a multi-thread runtime: every value received exactly once, each
/// producer's values in order at every consumer, and the receivers end once the last sender is gone.
#[test]
fn many_producers_and_consumers_deliver_each_value_once_in_order() {
    const PRODUCERS: usize = 4;
    const PER_PRODUCER: usize = 20_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let received = runtime.block_on(async {
        let (tx, rx) = unbounded_channel();
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            tokio::spawn(async move {
                for seq in 0..PER_PRODUCER {
                    tx.send((p, seq)).await.unwrap();
                    if seq % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            });
        }
        drop(tx);
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                tokio::spawn(async move {
                    let mut last = [None; PRODUCERS];
                    let mut got = Vec::new();
                    while let Some((p, seq)) = rx.recv().await {
                        assert!(
                            last[p] < Some(seq),
                            "producer {p}: {seq} after {:?}",
                            last[p]
                        );
                        last[p] = Some(seq);
                        got.push((p, seq));
                    }
                    got
                })
            })
            .collect();
        drop(rx);
        let mut all = Vec::new();
        for consumer in consumers {
            all.extend(consumer.await.unwrap());
        }
        all
    });
    assert_eq!(received.len(), PRODUCERS * PER_PRODUCER);
    let distinct: HashSet<_> = received.into_iter().collect();
    assert_eq!(distinct.len(), PRODUCERS * PER_PRODUCER);
}
