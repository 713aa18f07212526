#![cfg(not(any(loom, shuttle)))]
//! The public API contract of `tokio_mpmc`, one guarantee per test.
//!
//! Every public method and every error variant is exercised here on a single thread, so each outcome is
//! exact. Wake-up behaviour lives in `wakeups.rs`, drop accounting in `drops.rs`, concurrency in `stress.rs`.

use std::error::Error;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Barrier};

use tokio_mpmc::{
    Queue, QueueError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};

/// An item type that implements neither `Debug` nor `Clone`: every API must work without them.
#[derive(PartialEq, Eq)]
struct Opaque(u32);

/// The observable state of a queue, compared as one value so a failing step shows everything.
#[derive(Debug, PartialEq, Eq)]
struct State {
    len: usize,
    empty: bool,
    full: bool,
    capacity: usize,
    closed: bool,
}

fn state<T>(queue: &Queue<T>) -> State {
    State {
        len: queue.len(),
        empty: queue.is_empty(),
        full: queue.is_full(),
        capacity: queue.capacity(),
        closed: queue.is_closed(),
    }
}

fn expected(len: usize, capacity: usize, closed: bool) -> State {
    State {
        len,
        empty: len == 0,
        full: len == capacity,
        capacity,
        closed,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Construction and capacity
// ---------------------------------------------------------------------------------------------------------

#[test]
fn new_queue_is_empty_open_and_has_the_requested_capacity() {
    for capacity in [1, 2, 3, 7, 16, 1000] {
        let queue = Queue::<u32>::new(capacity);
        assert_eq!(
            state(&queue),
            expected(0, capacity, false),
            "capacity {capacity}"
        );
    }
}

#[test]
#[should_panic(expected = "capacity")]
fn zero_capacity_panics() {
    let _queue = Queue::<u32>::new(0);
}

#[test]
fn zero_capacity_panic_message_names_the_value() {
    let payload = catch_unwind(|| Queue::<u32>::new(0)).expect_err("capacity 0 must panic");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .expect("panic message is a string");
    assert!(message.contains("capacity"), "message: {message:?}");
    assert!(message.contains('0'), "message: {message:?}");
}

#[test]
fn huge_capacity_panics_instead_of_aborting_or_misbehaving() {
    let huge = [
        usize::MAX,
        usize::MAX - 1,
        usize::MAX / 2 + 1,
        usize::MAX / 2,
        usize::MAX / 4 + 1,
    ];
    for capacity in huge {
        let result = catch_unwind(|| Queue::<u64>::new(capacity));
        assert!(
            result.is_err(),
            "Queue::<u64>::new({capacity}) did not panic"
        );
        // Zero-sized items still need a stamp per slot: the buffer is just as impossible.
        let result = catch_unwind(|| Queue::<()>::new(capacity));
        assert!(
            result.is_err(),
            "Queue::<()>::new({capacity}) did not panic"
        );
    }
}

#[test]
fn queue_holds_exactly_capacity_items_for_any_capacity() {
    // Non-powers of two matter: a ring rounded up to a power of two must still refuse the extra slots.
    for capacity in [1, 2, 3, 5, 8, 13, 100] {
        let queue = Queue::new(capacity);
        for i in 0..capacity {
            assert_eq!(queue.try_send(i), Ok(()), "capacity {capacity}, item {i}");
        }
        assert_eq!(state(&queue), expected(capacity, capacity, false));
        assert_eq!(queue.try_send(capacity), Err(TrySendError::Full(capacity)));
        for i in 0..capacity {
            assert_eq!(queue.try_receive(), Ok(i), "capacity {capacity}");
        }
        assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
    }
}

// ---------------------------------------------------------------------------------------------------------
// len / is_empty / is_full at each step
// ---------------------------------------------------------------------------------------------------------

#[test]
fn len_is_empty_and_is_full_follow_every_send_and_receive() {
    let queue = Queue::new(3);
    assert_eq!(state(&queue), expected(0, 3, false));
    queue.try_send('a').unwrap();
    assert_eq!(state(&queue), expected(1, 3, false));
    queue.try_send('b').unwrap();
    assert_eq!(state(&queue), expected(2, 3, false));
    queue.try_send('c').unwrap();
    assert_eq!(state(&queue), expected(3, 3, false));
    assert!(queue.try_send('d').is_err());
    assert_eq!(state(&queue), expected(3, 3, false));
    assert_eq!(queue.try_receive(), Ok('a'));
    assert_eq!(state(&queue), expected(2, 3, false));
    queue.try_send('e').unwrap();
    assert_eq!(state(&queue), expected(3, 3, false));
    assert_eq!(queue.try_receive(), Ok('b'));
    assert_eq!(queue.try_receive(), Ok('c'));
    assert_eq!(state(&queue), expected(1, 3, false));
    queue.close();
    assert_eq!(state(&queue), expected(1, 3, true));
    assert_eq!(queue.try_receive(), Ok('e'));
    assert_eq!(state(&queue), expected(0, 3, true));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
    assert_eq!(state(&queue), expected(0, 3, true));
}

#[test]
fn items_come_out_in_the_order_they_went_in_across_many_laps() {
    let capacity = 5;
    let queue = Queue::new(capacity);
    // A VecDeque is the model: the queue must agree with it after every operation.
    let mut model = std::collections::VecDeque::new();
    let mut next = 0u32;
    let (mut fulls, mut empties) = (0, 0);
    // Varying batch sizes so head and tail cross the end of the buffer at every offset and fill level.
    for round in 0..300usize {
        let sends = (round * 3) % (capacity + 2);
        let receives = (round * 5 + 2) % (capacity + 2);
        for _ in 0..sends {
            let result = queue.try_send(next);
            if model.len() < capacity {
                assert_eq!(result, Ok(()));
                model.push_back(next);
            } else {
                assert_eq!(result, Err(TrySendError::Full(next)));
                fulls += 1;
            }
            next += 1;
            assert_eq!(state(&queue), expected(model.len(), capacity, false));
        }
        for _ in 0..receives {
            let result = queue.try_receive();
            assert_eq!(result, model.pop_front().ok_or(TryRecvError::Empty));
            empties += usize::from(result.is_err());
            assert_eq!(state(&queue), expected(model.len(), capacity, false));
        }
    }
    assert!(
        next > 100 * capacity as u32,
        "the test must wrap around many times"
    );
    assert!(
        fulls > 0 && empties > 0,
        "the test must hit both a full and an empty queue"
    );
}

// ---------------------------------------------------------------------------------------------------------
// try_send / try_receive
// ---------------------------------------------------------------------------------------------------------

#[test]
fn try_send_on_a_full_queue_gives_the_value_back_as_full() {
    let queue = Queue::new(1);
    queue.try_send(Opaque(1)).unwrap();
    match queue.try_send(Opaque(2)) {
        Err(TrySendError::Full(Opaque(2))) => {}
        Err(TrySendError::Full(Opaque(n))) => panic!("Full carried the wrong value {n}"),
        Err(TrySendError::Closed(_)) => panic!("an open queue reported Closed"),
        Ok(()) => panic!("a full queue accepted a value"),
    }
    assert_eq!(queue.len(), 1);
    assert!(queue.try_receive() == Ok(Opaque(1)));
}

#[test]
fn try_receive_on_an_empty_open_queue_is_empty() {
    let queue = Queue::<u8>::new(2);
    assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
    queue.try_send(1).unwrap();
    assert_eq!(queue.try_receive(), Ok(1));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
    assert!(!queue.is_closed());
}

// ---------------------------------------------------------------------------------------------------------
// send / receive
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn send_and_receive_complete_at_once_when_possible_and_keep_fifo_order() {
    let queue = Queue::new(4);
    for i in 0..4 {
        queue.send(i).await.unwrap();
        assert_eq!(queue.len(), i + 1);
    }
    assert!(queue.is_full());
    for i in 0..4 {
        assert_eq!(queue.receive().await, Ok(Some(i)));
    }
    assert!(queue.is_empty());
}

#[tokio::test]
async fn a_waiting_sender_completes_when_a_receiver_makes_room() {
    let queue = Queue::new(1);
    queue.send(1).await.unwrap();
    let sender = {
        let queue = queue.clone();
        tokio::spawn(async move { queue.send(2).await })
    };
    assert_eq!(queue.receive().await, Ok(Some(1)));
    assert_eq!(sender.await.unwrap(), Ok(()));
    assert_eq!(queue.receive().await, Ok(Some(2)));
}

#[tokio::test]
async fn a_waiting_receiver_completes_when_a_sender_delivers() {
    let queue = Queue::new(1);
    let receiver = {
        let queue = queue.clone();
        tokio::spawn(async move { queue.receive().await })
    };
    tokio::task::yield_now().await;
    queue.send(42).await.unwrap();
    assert_eq!(receiver.await.unwrap(), Ok(Some(42)));
    assert!(queue.is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// close
// ---------------------------------------------------------------------------------------------------------

#[test]
fn close_called_from_sync_code_takes_effect_at_the_call() {
    let queue = Queue::new(2);
    queue.try_send(1).unwrap();
    queue.close();
    assert!(queue.is_closed());
    assert_eq!(queue.try_send(2), Err(TrySendError::Closed(2)));
    assert_eq!(queue.try_receive(), Ok(1));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
}

#[tokio::test]
async fn awaited_close_closes_and_answers_whether_it_was_first() {
    let queue = Queue::<u8>::new(2);
    let first: bool = queue.close().await;
    assert!(first);
    assert!(queue.is_closed());
    assert!(!queue.close().await);
    assert!(queue.is_closed());
}

#[test]
fn close_is_first_only_for_the_call_that_closed_the_queue() {
    let queue = Queue::<u8>::new(2);
    let other = queue.clone();
    let first = queue.close();
    assert!(first.is_first());
    assert!(!other.close().is_first());
    assert!(!queue.close().is_first());
    // Asking twice does not change the answer.
    assert!(first.is_first());
}

#[test]
fn exactly_one_of_many_racing_closes_is_first() {
    const THREADS: usize = 8;
    for _ in 0..50 {
        let queue = Queue::<u8>::new(1);
        let barrier = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let queue = queue.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    queue.close().is_first()
                })
            })
            .collect();
        let firsts = threads
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .filter(|&first| first)
            .count();
        assert_eq!(firsts, 1);
        assert!(queue.is_closed());
    }
}

#[tokio::test]
async fn receive_after_close_drains_the_items_then_returns_none_forever() {
    let queue = Queue::new(4);
    for i in 0..3 {
        queue.send(i).await.unwrap();
    }
    queue.close().await;
    assert_eq!(state(&queue), expected(3, 4, true));
    for i in 0..3 {
        assert_eq!(queue.receive().await, Ok(Some(i)));
    }
    for _ in 0..5 {
        assert_eq!(queue.receive().await, Ok(None));
        assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
    }
    assert_eq!(state(&queue), expected(0, 4, true));
}

#[test]
fn try_receive_after_close_drains_the_items_then_reports_closed() {
    let queue = Queue::new(2);
    queue.try_send('x').unwrap();
    queue.try_send('y').unwrap();
    queue.close();
    assert_eq!(queue.try_receive(), Ok('x'));
    assert_eq!(queue.try_receive(), Ok('y'));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
}

#[tokio::test]
async fn send_after_close_gives_the_value_back() {
    let queue = Queue::new(2);
    queue.close();
    let error = queue.send(Opaque(7)).await.unwrap_err();
    assert!(error.0 == Opaque(7));
    assert!(queue.is_empty());
    // Still refused after the queue was drained.
    assert!(queue.try_receive().is_err());
    let SendError(value) = queue.send(Opaque(8)).await.unwrap_err();
    assert!(value == Opaque(8));
}

#[test]
fn try_send_after_close_gives_the_value_back_as_closed() {
    let queue = Queue::new(2);
    queue.close();
    match queue.try_send(Opaque(3)) {
        Err(TrySendError::Closed(Opaque(3))) => {}
        Err(TrySendError::Closed(_)) => panic!("Closed carried the wrong value"),
        Err(TrySendError::Full(_)) => panic!("an empty closed queue reported Full"),
        Ok(()) => panic!("a closed queue accepted a value"),
    }
    assert!(queue.is_empty());
}

#[test]
fn try_send_on_a_closed_full_queue_reports_closed_not_full() {
    let queue = Queue::new(1);
    queue.try_send(1).unwrap();
    queue.close();
    assert_eq!(queue.try_send(2), Err(TrySendError::Closed(2)));
    assert_eq!(queue.len(), 1);
}

#[tokio::test]
async fn send_on_a_closed_full_queue_fails_at_once_instead_of_waiting() {
    let queue = Queue::new(1);
    queue.send(1).await.unwrap();
    queue.close();
    assert_eq!(queue.send(2).await, Err(SendError(2)));
    assert_eq!(queue.receive().await, Ok(Some(1)));
    assert_eq!(queue.receive().await, Ok(None));
}

// ---------------------------------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn clones_share_items_capacity_and_closed_state() {
    let a = Queue::new(3);
    let b = a.clone();
    assert_eq!(b.capacity(), 3);
    a.send(1).await.unwrap();
    b.try_send(2).unwrap();
    assert_eq!((a.len(), b.len()), (2, 2));
    assert_eq!(b.receive().await, Ok(Some(1)));
    assert_eq!(a.try_receive(), Ok(2));
    assert!(a.is_empty() && b.is_empty());
    b.close();
    assert!(a.is_closed());
    assert_eq!(a.try_send(3), Err(TrySendError::Closed(3)));
    // A clone made after the close sees it too.
    let c = a.clone();
    assert!(c.is_closed());
    assert_eq!(c.receive().await, Ok(None));
}

#[test]
fn dropping_a_clone_leaves_the_queue_usable_through_the_others() {
    let a = Queue::new(2);
    let b = a.clone();
    a.try_send(1).unwrap();
    drop(a);
    assert!(!b.is_closed(), "dropping a handle must not close the queue");
    assert_eq!(b.try_receive(), Ok(1));
    b.try_send(2).unwrap();
    assert_eq!(b.try_receive(), Ok(2));
}

#[test]
fn queue_debug_needs_no_item_debug_and_shows_len_capacity_and_closed() {
    let queue = Queue::new(3);
    queue.try_send(Opaque(1)).unwrap();
    let open = format!("{queue:?}");
    assert!(open.contains("Queue"), "{open}");
    assert!(open.contains("len: 1"), "{open}");
    assert!(open.contains("capacity: 3"), "{open}");
    assert!(open.contains("closed: false"), "{open}");
    queue.close();
    let closed = format!("{queue:?}");
    assert!(closed.contains("closed: true"), "{closed}");
}

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------

#[test]
fn send_error_gives_its_value_back_and_formats_without_item_debug() {
    let error = SendError(Opaque(5));
    assert_eq!(error.to_string(), "sending on a closed queue");
    assert_eq!(format!("{error:?}"), "SendError { .. }");
    assert!(error.source().is_none());
    assert!(error.into_inner() == Opaque(5));
    assert_eq!(SendError("v").0, "v");
}

#[test]
fn try_send_error_variants_give_their_value_back_and_say_which_they_are() {
    let full = TrySendError::Full(Opaque(1));
    assert!(full.is_full() && !full.is_closed());
    assert_eq!(full.to_string(), "sending on a full queue");
    assert_eq!(format!("{full:?}"), "Full(..)");
    assert!(full.source().is_none());
    assert!(full.into_inner() == Opaque(1));

    let closed = TrySendError::Closed(Opaque(2));
    assert!(closed.is_closed() && !closed.is_full());
    assert_eq!(closed.to_string(), "sending on a closed queue");
    assert_eq!(format!("{closed:?}"), "Closed(..)");
    assert!(closed.into_inner() == Opaque(2));
}

#[test]
fn timeout_errors_give_their_value_back_and_format_without_item_debug() {
    let timeout = SendTimeoutError::Timeout(Opaque(1));
    assert!(timeout.is_timeout() && !timeout.is_closed());
    assert_eq!(timeout.to_string(), "timed out waiting on send operation");
    assert_eq!(format!("{timeout:?}"), "Timeout(..)");
    assert!(timeout.source().is_none());
    assert!(timeout.into_inner() == Opaque(1));

    let closed = SendTimeoutError::Closed(Opaque(2));
    assert!(closed.is_closed() && !closed.is_timeout());
    assert_eq!(closed.to_string(), "sending on a closed queue");
    assert_eq!(format!("{closed:?}"), "Closed(..)");
    assert!(closed.into_inner() == Opaque(2));

    assert_eq!(
        RecvTimeoutError::Timeout.to_string(),
        "timed out waiting on receive operation"
    );
    assert_eq!(
        RecvTimeoutError::Closed.to_string(),
        "receiving on a closed queue"
    );
    assert_eq!(format!("{:?}", RecvTimeoutError::Timeout), "Timeout");
}

#[test]
fn send_error_converts_into_try_send_error_closed() {
    let converted: TrySendError<u8> = SendError(9).into();
    assert_eq!(converted, TrySendError::Closed(9));
}

#[test]
fn try_recv_error_variants_format_as_documented() {
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty queue"
    );
    assert_eq!(
        TryRecvError::Closed.to_string(),
        "receiving on a closed queue"
    );
    assert_eq!(format!("{:?}", TryRecvError::Empty), "Empty");
    assert_eq!(format!("{:?}", TryRecvError::Closed), "Closed");
    assert_ne!(TryRecvError::Empty, TryRecvError::Closed);
}

#[test]
fn queue_error_formats_as_documented() {
    assert_eq!(QueueError::QueueClosed.to_string(), "queue closed");
    assert_eq!(format!("{:?}", QueueError::QueueClosed), "QueueClosed");
}

#[tokio::test]
async fn question_mark_converts_a_send_error_into_queue_error() {
    async fn forward(queue: &Queue<Opaque>, value: Opaque) -> Result<usize, QueueError> {
        queue.send(value).await?;
        Ok(queue.len())
    }

    let queue = Queue::new(1);
    assert_eq!(forward(&queue, Opaque(1)).await, Ok(1));
    queue.close();
    assert_eq!(
        forward(&queue, Opaque(2)).await,
        Err(QueueError::QueueClosed)
    );
}

#[test]
fn errors_box_into_send_sync_dyn_error() {
    let boxed: Vec<Box<dyn Error + Send + Sync>> = vec![
        Box::new(SendError(Opaque(1))),
        Box::new(TrySendError::Full(Opaque(2))),
        Box::new(TryRecvError::Empty),
        Box::new(QueueError::QueueClosed),
    ];
    let messages: Vec<String> = boxed.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "sending on a closed queue",
            "sending on a full queue",
            "receiving on an empty queue",
            "queue closed"
        ]
    );
}

#[test]
fn a_panic_while_holding_a_handle_does_not_poison_the_queue() {
    let queue = Queue::new(2);
    let clone = queue.clone();
    let result = catch_unwind(AssertUnwindSafe(move || {
        clone.try_send(1).unwrap();
        panic!("user code panics while holding a handle");
    }));
    assert!(result.is_err());
    assert_eq!(queue.try_receive(), Ok(1));
    queue.try_send(2).unwrap();
    assert_eq!(queue.try_receive(), Ok(2));
}
