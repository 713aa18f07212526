#![cfg(not(any(loom, shuttle)))]
//! Deterministic wake-up tests: futures are polled by hand with mock tasks, so every test states exactly
//! which task is woken by which event, with no runtime and no timing.

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use common::waker::counting_waker;
use tokio_mpmc::{Queue, SendError, TryRecvError};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

// ---------------------------------------------------------------------------------------------------------
// Basic wake-ups
// ---------------------------------------------------------------------------------------------------------

#[test]
fn receiver_pending_on_empty_is_woken_by_try_send() {
    let queue = Queue::new(1);
    let mut receive = spawn(queue.receive());
    assert_pending!(receive.poll());
    assert!(!receive.is_woken());
    queue.try_send(7).unwrap();
    assert!(receive.is_woken());
    assert_ready_eq!(receive.poll(), Ok(Some(7)));
    assert!(queue.is_empty());
}

#[test]
fn receiver_pending_on_empty_is_woken_by_a_send_future() {
    let queue = Queue::new(1);
    let mut receive = spawn(queue.receive());
    assert_pending!(receive.poll());
    let mut send = spawn(queue.send(8));
    assert_ready_eq!(send.poll(), Ok(()));
    assert!(receive.is_woken());
    assert_ready_eq!(receive.poll(), Ok(Some(8)));
}

#[test]
fn sender_pending_on_full_is_woken_by_try_receive() {
    let queue = Queue::new(1);
    queue.try_send(1).unwrap();
    let mut send = spawn(queue.send(2));
    assert_pending!(send.poll());
    assert!(!send.is_woken());
    assert_eq!(queue.len(), 1, "a pending send must not enqueue");
    assert_eq!(queue.try_receive(), Ok(1));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));
}

#[test]
fn sender_pending_on_full_is_woken_by_a_receive_future() {
    let queue = Queue::new(1);
    queue.try_send(1).unwrap();
    let mut send = spawn(queue.send(2));
    assert_pending!(send.poll());
    let mut receive = spawn(queue.receive());
    assert_ready_eq!(receive.poll(), Ok(Some(1)));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));
}

#[test]
fn pending_futures_are_not_woken_without_an_event() {
    let queue = Queue::<u32>::new(1);
    let mut receive = spawn(queue.receive());
    assert_pending!(receive.poll());
    assert_pending!(receive.poll());
    assert!(!receive.is_woken());
    assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
    assert!(!receive.is_woken());

    let other = Queue::new(1);
    other.try_send(0).unwrap();
    let mut send = spawn(other.send(1));
    assert_pending!(send.poll());
    assert_pending!(send.poll());
    assert!(other.try_send(2).is_err());
    assert!(!send.is_woken());
}

// ---------------------------------------------------------------------------------------------------------
// Close
// ---------------------------------------------------------------------------------------------------------

#[test]
fn close_wakes_every_pending_receiver() {
    let queue = Queue::<u32>::new(2);
    let mut receivers: Vec<_> = (0..4).map(|_| spawn(queue.receive())).collect();
    for receive in &mut receivers {
        assert_pending!(receive.poll());
    }
    queue.close();
    for (i, receive) in receivers.iter_mut().enumerate() {
        assert!(receive.is_woken(), "receiver {i} was not woken by close");
        assert_ready_eq!(receive.poll(), Ok(None));
    }
}

#[test]
fn close_wakes_every_pending_sender() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut senders: Vec<_> = (1..=4).map(|i| spawn(queue.send(i))).collect();
    for send in &mut senders {
        assert_pending!(send.poll());
    }
    queue.close();
    for (i, send) in senders.iter_mut().enumerate() {
        assert!(send.is_woken(), "sender {i} was not woken by close");
        assert!(assert_ready!(send.poll()).is_err());
    }
    assert_eq!(queue.try_receive(), Ok(0));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
}

#[test]
fn close_wakes_pending_senders_and_receivers_on_different_handles() {
    // Senders wait on one queue handle, receivers on a clone: close through a third handle wakes all.
    let full = Queue::new(1);
    full.try_send(0).unwrap();
    let full_clone = full.clone();
    let mut senders: Vec<_> = (1..=3).map(|i| spawn(full_clone.send(i))).collect();
    for send in &mut senders {
        assert_pending!(send.poll());
    }
    let empty = Queue::<u32>::new(1);
    let empty_clone = empty.clone();
    let mut receivers: Vec<_> = (0..3).map(|_| spawn(empty_clone.receive())).collect();
    for receive in &mut receivers {
        assert_pending!(receive.poll());
    }
    full.clone().close();
    empty.clone().close();
    assert!(senders.iter().all(|send| send.is_woken()));
    assert!(receivers.iter().all(|receive| receive.is_woken()));
}

#[test]
fn sender_woken_by_close_returns_its_own_value() {
    let queue = Queue::new(1);
    queue.try_send(String::from("inside")).unwrap();
    let mut first = spawn(queue.send(String::from("first")));
    let mut second = spawn(queue.send(String::from("second")));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    queue.close();
    // Polled in the reverse order of registration: each still gets its own value.
    assert_ready_eq!(second.poll(), Err(SendError(String::from("second"))));
    assert_ready_eq!(first.poll(), Err(SendError(String::from("first"))));
    assert_eq!(queue.try_receive().as_deref(), Ok("inside"));
}

#[test]
fn receiver_woken_by_close_still_gets_the_items_inside_before_none() {
    let queue = Queue::new(2);
    let mut receive = spawn(queue.receive());
    assert_pending!(receive.poll());
    // try_send wakes the receiver, then close: the item sent before close must be delivered.
    queue.try_send(5).unwrap();
    queue.close();
    assert!(receive.is_woken());
    assert_ready_eq!(receive.poll(), Ok(Some(5)));
    let mut after = spawn(queue.receive());
    assert_ready_eq!(after.poll(), Ok(None));
}

#[test]
fn futures_created_after_close_complete_on_first_poll() {
    let queue = Queue::new(1);
    queue.try_send(1).unwrap();
    queue.close();
    let mut send = spawn(queue.send(2));
    assert_ready_eq!(send.poll(), Err(SendError(2)));
    let mut receive = spawn(queue.receive());
    assert_ready_eq!(receive.poll(), Ok(Some(1)));
    let mut receive = spawn(queue.receive());
    assert_ready_eq!(receive.poll(), Ok(None));
}

// ---------------------------------------------------------------------------------------------------------
// FIFO service
// ---------------------------------------------------------------------------------------------------------

#[test]
fn pending_receivers_are_served_in_registration_order() {
    let queue = Queue::new(2);
    let mut first = spawn(queue.receive());
    let mut second = spawn(queue.receive());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    queue.try_send(1).unwrap();
    assert!(
        first.is_woken(),
        "the first-registered receiver must be woken"
    );
    assert!(!second.is_woken(), "one item must wake one receiver");
    assert_ready_eq!(first.poll(), Ok(Some(1)));
    assert_pending!(second.poll());
    queue.try_send(2).unwrap();
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(Some(2)));
}

#[test]
fn pending_senders_are_served_in_registration_order() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut first = spawn(queue.send(1));
    let mut second = spawn(queue.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(
        first.is_woken(),
        "the first-registered sender must be woken"
    );
    assert!(!second.is_woken(), "one free slot must wake one sender");
    assert_ready_eq!(first.poll(), Ok(()));
    assert_pending!(second.poll());
    assert_eq!(queue.try_receive(), Ok(1));
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));
}

#[test]
fn each_item_wakes_a_distinct_receiver() {
    common::one_wake_per_unit::each_value_wakes_a_distinct_receiver();
}

#[test]
fn each_free_slot_wakes_a_distinct_sender() {
    common::one_wake_per_unit::each_free_slot_wakes_a_distinct_sender();
}

/// Slots freed together (one `receive_many`, one dropped batch of permits) wake as many waiting senders as
/// there are slots, no fewer (each left to a pass-on) and no more, past the eight wakers one round of the
/// serve collects.
#[test]
fn a_batch_of_freed_slots_wakes_one_sender_per_slot() {
    for freed in [3, 10] {
        let capacity = 12;
        let queue = Queue::new(capacity);
        for value in 0..capacity {
            queue.try_send(value).unwrap();
        }
        let mut senders: Vec<_> = (0..freed + 2).map(|i| spawn(queue.send(100 + i))).collect();
        for send in &mut senders {
            assert_pending!(send.poll());
        }
        let mut taken = Vec::new();
        assert_ready_eq!(spawn(queue.receive_many(&mut taken, freed)).poll(), freed);
        let woken = senders.iter().filter(|send| send.is_woken()).count();
        assert_eq!(woken, freed, "{freed} slots freed by one receive_many");
        let first_unwoken = senders.iter().position(|send| !send.is_woken());
        assert_eq!(first_unwoken, Some(freed), "the oldest are woken");
        for send in &mut senders[..freed] {
            assert_ready_eq!(send.poll(), Ok(()));
        }
        assert_pending!(senders[freed].poll());
    }
}

#[test]
fn a_dropped_batch_of_permits_wakes_one_sender_per_slot() {
    for freed in [3, 10] {
        let queue = Queue::<usize>::new(12);
        let permits = queue.try_reserve_many(freed).unwrap();
        for value in 0..12 - freed {
            queue.try_send(value).unwrap();
        }
        let mut senders: Vec<_> = (0..freed + 4).map(|i| spawn(queue.send(100 + i))).collect();
        for send in &mut senders {
            assert_pending!(send.poll());
        }
        drop(permits);
        let woken: Vec<bool> = senders.iter().map(|send| send.is_woken()).collect();
        let expected: Vec<bool> = (0..freed + 4).map(|i| i < freed).collect();
        assert_eq!(woken, expected, "{freed} slots given back at once");
        for send in &mut senders[..freed] {
            assert_ready_eq!(send.poll(), Ok(()));
        }
        assert_pending!(senders[freed].poll());
    }
}

#[test]
fn repolling_a_pending_receiver_keeps_a_single_place_in_line() {
    let queue = Queue::new(2);
    let mut first = spawn(queue.receive());
    let mut second = spawn(queue.receive());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    // Extra polls must neither re-queue `first` behind `second` nor register it twice.
    assert_pending!(first.poll());
    assert_pending!(first.poll());
    queue.try_send(1).unwrap();
    assert!(first.is_woken());
    assert!(!second.is_woken());
    assert_ready_eq!(first.poll(), Ok(Some(1)));
    queue.try_send(2).unwrap();
    assert!(
        second.is_woken(),
        "a stale registration of `first` swallowed the wake-up"
    );
    assert_ready_eq!(second.poll(), Ok(Some(2)));
}

#[test]
fn repolling_a_pending_sender_keeps_a_single_place_in_line() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut first = spawn(queue.send(1));
    let mut second = spawn(queue.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    assert_pending!(first.poll());
    assert_pending!(first.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(first.is_woken());
    assert!(!second.is_woken());
    assert_ready_eq!(first.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(1));
    assert!(
        second.is_woken(),
        "a stale registration of `first` swallowed the wake-up"
    );
    assert_ready_eq!(second.poll(), Ok(()));
}

#[test]
fn woken_receiver_that_finds_the_item_taken_waits_again() {
    let queue = Queue::new(1);
    let mut receive = spawn(queue.receive());
    assert_pending!(receive.poll());
    queue.try_send(1).unwrap();
    assert!(receive.is_woken());
    // Someone else takes the item before the woken task runs.
    assert_eq!(queue.try_receive(), Ok(1));
    assert_pending!(receive.poll());
    queue.try_send(2).unwrap();
    assert!(
        receive.is_woken(),
        "the receiver must re-register after a spurious wake-up"
    );
    assert_ready_eq!(receive.poll(), Ok(Some(2)));
}

#[test]
fn woken_sender_that_finds_the_slot_taken_waits_again() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut send = spawn(queue.send(2));
    assert_pending!(send.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(send.is_woken());
    // Someone else fills the slot before the woken task runs.
    queue.try_send(1).unwrap();
    assert_pending!(send.poll());
    assert_eq!(queue.try_receive(), Ok(1));
    assert!(
        send.is_woken(),
        "the sender must re-register after a spurious wake-up"
    );
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));
}

// ---------------------------------------------------------------------------------------------------------
// Cancellation (I5)
// ---------------------------------------------------------------------------------------------------------

/// `first` (a receive of some kind, named `what`) and then a plain receive wait on the empty `queue`; one value
/// arrives and wakes `first`, which is dropped before it runs: its wake-up goes on to the other, which gets the
/// value.
fn a_woken_receive_dropped_unpolled_passes_its_wakeup_on<F: Future<Output: std::fmt::Debug>>(
    queue: &Queue<i32>,
    first: F,
    what: &str,
) {
    let mut first = spawn(first);
    let mut second = spawn(queue.receive());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    queue.try_send(1).unwrap();
    assert!(first.is_woken());
    assert!(!second.is_woken());
    drop(first);
    assert!(second.is_woken(), "the dropped {what}'s wake-up was lost");
    assert_ready_eq!(second.poll(), Ok(Some(1)));
}

#[test]
fn woken_receive_future_dropped_before_polling_passes_its_wakeup_on() {
    let queue = Queue::new(1);
    a_woken_receive_dropped_unpolled_passes_its_wakeup_on(&queue, queue.receive(), "receiver");
}

#[test]
fn woken_receive_many_future_dropped_before_polling_passes_its_wakeup_on() {
    let queue = Queue::new(2);
    let mut buffer = Vec::new();
    a_woken_receive_dropped_unpolled_passes_its_wakeup_on(
        &queue,
        queue.receive_many(&mut buffer, 2),
        "receive_many",
    );
    assert!(buffer.is_empty(), "the dropped receive_many took nothing");
}

#[test]
fn woken_send_future_dropped_before_polling_passes_its_wakeup_on() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut first = spawn(queue.send(1));
    let mut second = spawn(queue.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(first.is_woken());
    assert!(!second.is_woken());
    drop(first);
    assert!(second.is_woken(), "the dropped sender's wake-up was lost");
    assert_ready_eq!(second.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
}

#[test]
fn wakeup_passes_down_a_chain_of_dropped_receivers() {
    let queue = Queue::new(1);
    let mut receivers: Vec<_> = (0..4).map(|_| spawn(queue.receive())).collect();
    for receive in &mut receivers {
        assert_pending!(receive.poll());
    }
    queue.try_send(1).unwrap();
    let mut last = receivers.pop().unwrap();
    // Drop the woken waiters one after the other, front first.
    for receive in receivers {
        assert!(receive.is_woken());
        drop(receive);
    }
    assert!(last.is_woken());
    assert_ready_eq!(last.poll(), Ok(Some(1)));
}

#[test]
fn pending_receive_future_dropped_unwoken_does_not_steal_a_later_wakeup() {
    let queue = Queue::new(1);
    let mut first = spawn(queue.receive());
    let mut second = spawn(queue.receive());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    drop(first);
    queue.try_send(1).unwrap();
    assert!(second.is_woken(), "a cancelled waiter was still in line");
    assert_ready_eq!(second.poll(), Ok(Some(1)));
}

#[test]
fn pending_send_future_dropped_unwoken_does_not_steal_a_later_wakeup() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut first = spawn(queue.send(1));
    let mut second = spawn(queue.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    drop(first);
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(second.is_woken(), "a cancelled waiter was still in line");
    assert_ready_eq!(second.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));
}

#[test]
fn pending_send_future_dropped_never_enqueues_its_value() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut send = spawn(queue.send(1));
    assert_pending!(send.poll());
    drop(send);
    assert_eq!(queue.try_receive(), Ok(0));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
    assert!(queue.is_empty());
    // The freed slot is really free.
    queue.try_send(2).unwrap();
    assert_eq!(queue.try_receive(), Ok(2));
}

#[test]
fn woken_send_future_dropped_never_enqueues_its_value() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut send = spawn(queue.send(1));
    assert_pending!(send.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(send.is_woken());
    drop(send);
    assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
    queue.try_send(2).unwrap();
    assert!(queue.is_full());
}

#[test]
fn woken_receive_future_dropped_leaves_the_item_in_the_queue() {
    let queue = Queue::new(1);
    let mut receive = spawn(queue.receive());
    assert_pending!(receive.poll());
    queue.try_send(1).unwrap();
    assert!(receive.is_woken());
    drop(receive);
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.try_receive(), Ok(1));
}

#[test]
fn unpolled_futures_dropped_change_nothing() {
    let queue = Queue::new(1);
    drop(queue.send(1));
    drop(queue.receive());
    assert!(queue.is_empty());
    queue.try_send(2).unwrap();
    drop(queue.receive());
    assert_eq!(queue.try_receive(), Ok(2));
}

// ---------------------------------------------------------------------------------------------------------
// Waker replacement
// ---------------------------------------------------------------------------------------------------------

#[test]
fn repolled_pending_receiver_wakes_the_newest_waker() {
    let queue = Queue::new(1);
    let (old_count, old_waker) = counting_waker();
    let (new_count, new_waker) = counting_waker();
    let mut receive = pin!(queue.receive());
    assert!(
        receive
            .as_mut()
            .poll(&mut Context::from_waker(&old_waker))
            .is_pending()
    );
    assert!(
        receive
            .as_mut()
            .poll(&mut Context::from_waker(&new_waker))
            .is_pending()
    );
    queue.try_send(1).unwrap();
    assert_eq!(
        new_count.wakes(),
        1,
        "the waker of the latest poll must be woken"
    );
    assert_eq!(old_count.wakes(), 0, "a replaced waker must not be woken");
    assert_eq!(
        receive.poll(&mut Context::from_waker(&new_waker)),
        Poll::Ready(Ok(Some(1)))
    );
}

#[test]
fn repolled_pending_sender_wakes_the_newest_waker() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let (old_count, old_waker) = counting_waker();
    let (new_count, new_waker) = counting_waker();
    let mut send = pin!(queue.send(1));
    assert!(
        send.as_mut()
            .poll(&mut Context::from_waker(&old_waker))
            .is_pending()
    );
    assert!(
        send.as_mut()
            .poll(&mut Context::from_waker(&new_waker))
            .is_pending()
    );
    assert_eq!(queue.try_receive(), Ok(0));
    assert_eq!(
        new_count.wakes(),
        1,
        "the waker of the latest poll must be woken"
    );
    assert_eq!(old_count.wakes(), 0, "a replaced waker must not be woken");
    assert_eq!(
        send.poll(&mut Context::from_waker(&new_waker)),
        Poll::Ready(Ok(()))
    );
    assert_eq!(queue.try_receive(), Ok(1));
}

#[test]
fn close_wakes_the_newest_waker_of_a_repolled_receiver() {
    let queue = Queue::<u8>::new(1);
    let (old_count, old_waker) = counting_waker();
    let (new_count, new_waker) = counting_waker();
    let mut receive = pin!(queue.receive());
    assert!(
        receive
            .as_mut()
            .poll(&mut Context::from_waker(&old_waker))
            .is_pending()
    );
    assert!(
        receive
            .as_mut()
            .poll(&mut Context::from_waker(&new_waker))
            .is_pending()
    );
    queue.close();
    assert_eq!(new_count.wakes(), 1);
    assert_eq!(old_count.wakes(), 0);
    assert_eq!(
        receive.poll(&mut Context::from_waker(&new_waker)),
        Poll::Ready(Ok(None))
    );
}
