#![cfg(not(any(loom, shuttle)))]
//! Drop accounting: every value that enters the queue API is dropped exactly once, by whoever owns it
//! at the end: the receiver, the caller that got it back in an error, a cancelled send future, or the
//! queue itself when its last handle is dropped.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::drop_ledger::{DropLedger, Tracked};
use tokio_mpmc::{Queue, SendError, TryRecvError, TrySendError};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready};

// ---------------------------------------------------------------------------------------------------------
// Items left inside
// ---------------------------------------------------------------------------------------------------------

#[test]
fn items_left_inside_are_dropped_exactly_once_when_the_last_handle_drops() {
    let ledger = DropLedger::new(3);
    let queue = Queue::new(4);
    let other = queue.clone();
    for id in 0..3 {
        queue.try_send(ledger.value(id)).unwrap();
    }
    drop(queue);
    assert_eq!(
        ledger.all(),
        [0, 0, 0],
        "a remaining handle keeps the items alive"
    );
    assert_eq!(other.len(), 3);
    drop(other);
    assert_eq!(ledger.all(), [1, 1, 1]);
}

#[test]
fn items_left_inside_a_closed_queue_are_dropped_exactly_once() {
    let ledger = DropLedger::new(2);
    let queue = Queue::new(2);
    queue.try_send(ledger.value(0)).unwrap();
    queue.try_send(ledger.value(1)).unwrap();
    queue.close();
    assert_eq!(ledger.all(), [0, 0], "close must not drop the items inside");
    drop(queue);
    assert_eq!(ledger.all(), [1, 1]);
}

#[test]
fn received_items_belong_to_the_receiver_and_are_not_dropped_again() {
    let ledger = DropLedger::new(3);
    let queue = Queue::new(3);
    for id in 0..3 {
        queue.try_send(ledger.value(id)).unwrap();
    }
    let first = queue.try_receive().unwrap();
    let mut receive = spawn(queue.receive());
    let second = assert_ready!(receive.poll()).unwrap().unwrap();
    drop(receive);
    assert_eq!((first.id(), second.id()), (0, 1));
    assert_eq!(ledger.all(), [0, 0, 0]);
    drop(queue);
    assert_eq!(
        ledger.all(),
        [0, 0, 1],
        "only the item left inside is dropped with the queue"
    );
    drop(first);
    drop(second);
    assert_eq!(ledger.all(), [1, 1, 1]);
}

#[test]
fn a_queue_that_never_held_items_drops_nothing() {
    let ledger = DropLedger::new(2);
    let queue = Queue::new(2);
    queue.try_send(ledger.value(0)).unwrap();
    let item = queue.try_receive().unwrap();
    drop(queue);
    assert_eq!(ledger.all(), [0, 0]);
    drop(item);
    assert_eq!(ledger.all(), [1, 0]);
}

#[test]
fn queue_dropped_after_many_laps_drops_exactly_the_items_left_inside() {
    for capacity in [1, 2, 3, 4, 7, 8] {
        for laps_offset in 0..2 * capacity {
            for fill in 0..=capacity {
                let moves = 5 * capacity + laps_offset;
                let ledger = DropLedger::new(moves + fill);
                let queue = Queue::new(capacity);
                // Move `moves` items through one by one so head and tail wrap around several times.
                for id in 0..moves {
                    queue.try_send(ledger.value(id)).unwrap();
                    let item = queue.try_receive().unwrap();
                    assert_eq!(item.id(), id);
                }
                for id in moves..moves + fill {
                    queue.try_send(ledger.value(id)).unwrap();
                }
                assert_eq!(queue.len(), fill);
                assert!(ledger.all()[moves..].iter().all(|&d| d == 0));
                drop(queue);
                let drops = ledger.all();
                assert!(
                    drops.iter().all(|&d| d == 1),
                    "capacity {capacity}, {moves} moves, {fill} left inside: drop counts {drops:?}"
                );
            }
        }
    }
}

#[test]
fn queue_dropped_when_partly_drained_after_wrapping_drops_only_the_remainder() {
    // Items inside straddle the end of the buffer: some at the back, some wrapped to the front.
    let capacity = 5;
    let ledger = DropLedger::new(8);
    let queue = Queue::new(capacity);
    for id in 0..5 {
        queue.try_send(ledger.value(id)).unwrap();
    }
    let taken: Vec<Tracked> = (0..3).map(|_| queue.try_receive().unwrap()).collect();
    for id in 5..8 {
        queue.try_send(ledger.value(id)).unwrap();
    }
    assert!(queue.is_full());
    drop(queue);
    assert_eq!(ledger.all(), [0, 0, 0, 1, 1, 1, 1, 1]);
    drop(taken);
    assert_eq!(ledger.all(), [1; 8]);
}

#[test]
fn zero_sized_items_left_inside_are_dropped_exactly_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Zst;
    impl Drop for Zst {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    let queue = Queue::new(4);
    // Wrap around a few times first.
    for _ in 0..10 {
        queue.try_send(Zst).unwrap();
        drop(queue.try_receive().unwrap());
    }
    assert_eq!(DROPS.load(Ordering::SeqCst), 10);
    for _ in 0..3 {
        queue.try_send(Zst).unwrap();
    }
    assert!(matches!(queue.try_send(Zst), Ok(())));
    match queue.try_send(Zst) {
        Err(TrySendError::Full(zst)) => drop(zst),
        _ => panic!("a full queue of zero-sized items accepted a fifth"),
    }
    assert_eq!(DROPS.load(Ordering::SeqCst), 11);
    drop(queue);
    assert_eq!(DROPS.load(Ordering::SeqCst), 15);
}

// ---------------------------------------------------------------------------------------------------------
// Values given back in errors
// ---------------------------------------------------------------------------------------------------------

#[test]
fn value_given_back_by_try_send_on_a_full_queue_belongs_to_the_caller() {
    let ledger = DropLedger::new(2);
    let queue = Queue::new(1);
    queue.try_send(ledger.value(0)).unwrap();
    let Err(TrySendError::Full(back)) = queue.try_send(ledger.value(1)) else {
        panic!("expected Full");
    };
    assert_eq!(back.id(), 1);
    assert_eq!(
        ledger.all(),
        [0, 0],
        "the refused value must not be dropped by the queue"
    );
    drop(queue);
    assert_eq!(ledger.all(), [1, 0]);
    drop(back);
    assert_eq!(ledger.all(), [1, 1]);
}

#[test]
fn value_given_back_by_try_send_on_a_closed_queue_belongs_to_the_caller() {
    let ledger = DropLedger::new(1);
    let queue = Queue::new(1);
    queue.close();
    let error = queue.try_send(ledger.value(0)).unwrap_err();
    assert!(error.is_closed());
    drop(queue);
    assert_eq!(ledger.all(), [0]);
    let back = error.into_inner();
    assert_eq!(back.id(), 0);
    drop(back);
    assert_eq!(ledger.all(), [1]);
}

#[test]
fn value_given_back_by_send_on_a_closed_queue_belongs_to_the_caller() {
    let ledger = DropLedger::new(1);
    let queue = Queue::new(1);
    queue.close();
    let mut send = spawn(queue.send(ledger.value(0)));
    let SendError(back) = assert_ready!(send.poll()).unwrap_err();
    drop(send);
    drop(queue);
    assert_eq!(
        ledger.all(),
        [0],
        "the completed future must not drop the value it gave back"
    );
    assert_eq!(back.id(), 0);
    drop(back);
    assert_eq!(ledger.all(), [1]);
}

#[test]
fn value_given_back_to_a_sender_woken_by_close_belongs_to_the_caller() {
    let ledger = DropLedger::new(2);
    let queue = Queue::new(1);
    queue.try_send(ledger.value(0)).unwrap();
    let mut send = spawn(queue.send(ledger.value(1)));
    assert_pending!(send.poll());
    queue.close();
    let SendError(back) = assert_ready!(send.poll()).unwrap_err();
    drop(send);
    assert_eq!(back.id(), 1);
    drop(queue);
    assert_eq!(ledger.all(), [1, 0]);
    drop(back);
    assert_eq!(ledger.all(), [1, 1]);
}

// ---------------------------------------------------------------------------------------------------------
// Futures
// ---------------------------------------------------------------------------------------------------------

#[test]
fn unpolled_send_future_dropped_drops_its_value_exactly_once() {
    let ledger = DropLedger::new(1);
    let queue = Queue::new(1);
    let send = queue.send(ledger.value(0));
    assert_eq!(ledger.all(), [0]);
    drop(send);
    assert_eq!(ledger.all(), [1]);
    assert!(queue.is_empty());
    drop(queue);
    assert_eq!(ledger.all(), [1]);
}

#[test]
fn pending_send_future_dropped_drops_its_value_exactly_once() {
    let ledger = DropLedger::new(2);
    let queue = Queue::new(1);
    queue.try_send(ledger.value(0)).unwrap();
    let mut send = spawn(queue.send(ledger.value(1)));
    assert_pending!(send.poll());
    assert_eq!(ledger.all(), [0, 0]);
    drop(send);
    assert_eq!(ledger.all(), [0, 1]);
    drop(queue);
    assert_eq!(ledger.all(), [1, 1]);
}

#[test]
fn woken_send_future_dropped_drops_its_value_exactly_once() {
    let ledger = DropLedger::new(2);
    let queue = Queue::new(1);
    queue.try_send(ledger.value(0)).unwrap();
    let mut send = spawn(queue.send(ledger.value(1)));
    assert_pending!(send.poll());
    let first = queue.try_receive().unwrap();
    assert!(send.is_woken());
    drop(send);
    assert_eq!(ledger.all(), [0, 1]);
    assert_eq!(queue.try_receive().err(), Some(TryRecvError::Empty));
    drop(queue);
    drop(first);
    assert_eq!(ledger.all(), [1, 1]);
}

#[test]
fn send_future_dropped_after_close_woke_it_drops_its_value_exactly_once() {
    let ledger = DropLedger::new(2);
    let queue = Queue::new(1);
    queue.try_send(ledger.value(0)).unwrap();
    let mut send = spawn(queue.send(ledger.value(1)));
    assert_pending!(send.poll());
    queue.close();
    assert!(send.is_woken());
    drop(send);
    assert_eq!(ledger.all(), [0, 1]);
    drop(queue);
    assert_eq!(ledger.all(), [1, 1]);
}

#[test]
fn completed_send_future_dropped_leaves_the_sent_value_alone() {
    let ledger = DropLedger::new(1);
    let queue = Queue::new(1);
    let mut send = spawn(queue.send(ledger.value(0)));
    assert_ready!(send.poll()).unwrap();
    drop(send);
    assert_eq!(ledger.all(), [0]);
    let item = queue.try_receive().unwrap();
    assert_eq!(item.id(), 0);
    drop(queue);
    assert_eq!(ledger.all(), [0]);
    drop(item);
    assert_eq!(ledger.all(), [1]);
}

#[test]
fn dropped_receive_futures_never_drop_an_item() {
    let ledger = DropLedger::new(1);
    let queue = Queue::new(1);
    let mut pending = spawn(queue.receive());
    assert_pending!(pending.poll());
    queue.try_send(ledger.value(0)).unwrap();
    assert!(pending.is_woken());
    drop(pending);
    drop(queue.receive());
    assert_eq!(ledger.all(), [0]);
    let item = queue.try_receive().unwrap();
    assert_eq!(item.id(), 0);
    drop(queue);
    drop(item);
    assert_eq!(ledger.all(), [1]);
}

// ---------------------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------------------

#[test]
fn every_value_is_dropped_exactly_once_after_a_concurrent_run_is_closed_midway() {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 3;
    const PER_PRODUCER: usize = 5_000;
    let ledger = DropLedger::new(PRODUCERS * PER_PRODUCER);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let created = runtime.block_on(async {
        let queue = Queue::new(8);
        let received = Arc::new(AtomicUsize::new(0));
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let queue = queue.clone();
                let ledger = Arc::clone(&ledger);
                tokio::spawn(async move {
                    // How many values this producer created, and whether the last one was given back.
                    for i in 0..PER_PRODUCER {
                        let id = p * PER_PRODUCER + i;
                        if let Err(SendError(back)) = queue.send(ledger.value(id)).await {
                            assert_eq!(back.id(), id, "a failed send gave back another value");
                            return (i + 1, true);
                        }
                    }
                    (PER_PRODUCER, false)
                })
            })
            .collect();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let queue = queue.clone();
                let received = Arc::clone(&received);
                tokio::spawn(async move {
                    // Consumers stop early and at different points, leaving items inside.
                    let quota = 1_000 + 700 * c;
                    for _ in 0..quota {
                        match queue.receive().await {
                            Ok(Some(item)) => {
                                drop(item);
                                received.fetch_add(1, Ordering::SeqCst);
                            }
                            Ok(None) => break,
                            Err(error) => panic!("receive failed: {error}"),
                        }
                    }
                })
            })
            .collect();
        for consumer in consumers {
            consumer.await.unwrap();
        }
        queue.close();
        let mut created = Vec::new();
        for producer in producers {
            created.push(producer.await.unwrap());
        }
        // Received values and given-back values are dropped; those inside are not, yet.
        let given_back = created.iter().filter(|(_, failed)| *failed).count();
        let dropped_so_far: usize = ledger.all().iter().sum();
        assert_eq!(dropped_so_far, received.load(Ordering::SeqCst) + given_back);
        let inside = queue.len();
        drop(queue);
        let dropped: usize = ledger.all().iter().sum();
        assert_eq!(dropped, dropped_so_far + inside);
        created
    });
    drop(runtime);
    let drops = ledger.all();
    for (p, (count, _)) in created.into_iter().enumerate() {
        for i in 0..PER_PRODUCER {
            let id = p * PER_PRODUCER + i;
            let expected = usize::from(i < count);
            assert_eq!(
                drops[id], expected,
                "value {i} of producer {p} (created {count}) dropped {} times",
                drops[id]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// A value's `Drop` that panics while the last receiver drains
// ---------------------------------------------------------------------------------------------------------

/// A tracked value whose `Drop` panics when it is the bomb.
struct MaybeBomb {
    tracked: Tracked,
    bomb: bool,
}

impl Drop for MaybeBomb {
    fn drop(&mut self) {
        if self.bomb {
            panic!("value {} panics in drop", self.tracked.id());
        }
    }
}

/// The last receiver's drop drains the channel; a value that panics in `Drop` must not keep the values behind
/// it inside nor strand the waiting sender or the `closed()` waiter: all are dropped and woken, then the panic
/// resumes out of the receiver's drop (issue 18, item 2; tokio's `drop_all_elements_during_panic`).
fn a_panicking_value_in_the_last_receivers_drain_strands_no_one(
    (tx, rx): (
        tokio_mpmc::Sender<MaybeBomb>,
        tokio_mpmc::Receiver<MaybeBomb>,
    ),
) {
    let ledger = DropLedger::new(5);
    for id in 0..4 {
        let value = MaybeBomb {
            tracked: ledger.value(id),
            bomb: id == 1,
        };
        assert!(tx.try_send(value).is_ok());
    }
    let mut closed = spawn(tx.closed());
    assert_pending!(closed.poll());
    // With capacity 4 the queue is full: a sender waits.
    let mut waiting = (tx.capacity() == Some(4)).then(|| {
        let value = MaybeBomb {
            tracked: ledger.value(4),
            bomb: false,
        };
        spawn(tx.send(value))
    });
    if let Some(waiting) = &mut waiting {
        assert_pending!(waiting.poll());
    }
    let message = common::panic::panic_message_of(move || drop(rx));
    assert_eq!(message.as_deref(), Some("value 1 panics in drop"));
    assert_eq!(
        ledger.all()[..4],
        [1, 1, 1, 1],
        "every value inside dropped once"
    );
    assert!(closed.is_woken(), "the closed() waiter is woken");
    assert_ready!(closed.poll());
    if let Some(mut waiting) = waiting {
        assert!(waiting.is_woken(), "the waiting sender is woken");
        let Err(SendError(back)) = assert_ready!(waiting.poll()) else {
            panic!("a send after the last receiver left succeeded")
        };
        assert_eq!(back.tracked.id(), 4);
        drop(back);
        assert_eq!(ledger.drops(4), 1);
    }
}

#[test]
fn a_panicking_value_in_the_last_receivers_drain_strands_no_one_bounded() {
    a_panicking_value_in_the_last_receivers_drain_strands_no_one(tokio_mpmc::channel(4));
}

#[test]
fn a_panicking_value_in_the_last_receivers_drain_strands_no_one_block_list() {
    a_panicking_value_in_the_last_receivers_drain_strands_no_one(tokio_mpmc::channel(1 << 17));
}

#[test]
fn a_panicking_value_in_the_last_receivers_drain_strands_no_one_unbounded() {
    a_panicking_value_in_the_last_receivers_drain_strands_no_one(tokio_mpmc::unbounded_channel());
}
