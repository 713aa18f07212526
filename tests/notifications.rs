#![cfg(not(any(loom, shuttle)))]
//! How many waiters a freed unit wakes (issue 20): on a current-thread runtime one notification per side is
//! out at a time, and units freed meanwhile are left to the notified waiter, which passes the notification on
//! when it leaves one free; elsewhere (a multi-thread runtime, no runtime, a capacity of 1) one waiter per
//! unit, as the `on_a_multi_thread_runtime_*` and `*_capacity_1_*` tests check here and `tests/wakeups.rs`
//! off a runtime. A notified
//! future that never comes back delays its side by at most twice the capacity (one block and the patience
//! when unbounded). Futures are polled by hand inside a
//! runtime's context, so every test states exactly who is woken by what.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use tokio_mpmc::Queue;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

/// A current-thread runtime, entered: registrations read its flavour.
fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

#[test]
fn on_a_current_thread_runtime_a_burst_of_receives_wakes_one_sender_who_passes_it_on() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let queue = Queue::new(4);
    for value in 0..4 {
        queue.try_send(value).unwrap();
    }
    let mut senders: Vec<_> = (4..8).map(|value| spawn(queue.send(value))).collect();
    for send in &mut senders {
        assert_pending!(send.poll());
    }
    for value in 0..4 {
        assert_eq!(queue.try_receive(), Ok(value));
    }
    let woken: Vec<bool> = senders.iter().map(|send| send.is_woken()).collect();
    assert_eq!(
        woken,
        [true, false, false, false],
        "one wake-up for four slots"
    );
    // The oldest sends into one of the four slots and passes the notification on: three are still free.
    assert_ready_eq!(senders[0].poll(), Ok(()));
    let woken: Vec<bool> = senders[1..].iter().map(|send| send.is_woken()).collect();
    assert_eq!(woken, [true, false, false]);
    assert_ready_eq!(senders[1].poll(), Ok(()));
    assert_ready_eq!(senders[2].poll(), Ok(()));
    assert_ready_eq!(senders[3].poll(), Ok(()));
    let received: Vec<i32> = std::iter::from_fn(|| queue.try_receive().ok()).collect();
    assert_eq!(received, [4, 5, 6, 7]);
}

#[test]
fn on_a_current_thread_runtime_a_burst_of_sends_wakes_one_receiver_who_passes_it_on() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let queue = Queue::new(4);
    let mut receivers: Vec<_> = (0..3).map(|_| spawn(queue.receive())).collect();
    for receive in &mut receivers {
        assert_pending!(receive.poll());
    }
    for value in 0..3 {
        queue.try_send(value).unwrap();
    }
    let woken: Vec<bool> = receivers.iter().map(|r| r.is_woken()).collect();
    assert_eq!(woken, [true, false, false]);
    assert_ready_eq!(receivers[0].poll(), Ok(Some(0)));
    assert!(receivers[1].is_woken() && !receivers[2].is_woken());
    assert_ready_eq!(receivers[1].poll(), Ok(Some(1)));
    assert!(receivers[2].is_woken());
    assert_ready_eq!(receivers[2].poll(), Ok(Some(2)));
}

/// A multi-thread runtime, entered: registrations read its flavour (one worker is enough for that).
fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap()
}

// The two below are the multi-thread side of the two above: no throttle, one waiter woken per unit.

#[test]
fn on_a_multi_thread_runtime_each_free_slot_wakes_a_distinct_sender() {
    let runtime = multi_thread();
    let _entered = runtime.enter();
    common::one_wake_per_unit::each_free_slot_wakes_a_distinct_sender();
}

#[test]
fn on_a_multi_thread_runtime_each_value_wakes_a_distinct_receiver() {
    let runtime = multi_thread();
    let _entered = runtime.enter();
    common::one_wake_per_unit::each_value_wakes_a_distinct_receiver();
}

#[test]
fn a_notified_sender_that_finds_its_slot_taken_lets_the_next_be_woken_by_the_next_receive() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut first = spawn(queue.send(1));
    let mut second = spawn(queue.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(first.is_woken() && !second.is_woken());
    queue.try_send(9).unwrap(); // a newcomer takes the slot
    assert_pending!(first.poll()); // overtaken: back in line, the throttle off
    assert_eq!(queue.try_receive(), Ok(9));
    assert!(first.is_woken(), "the oldest again, at its place");
    assert!(!second.is_woken());
    assert_ready_eq!(first.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(1));
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(()));
}

// At a capacity of 1 no burst forms (one slot, one value at most): no throttle, one waiter woken per unit on a
// current-thread runtime too, and a woken future comes back without the side's lock.

#[test]
fn on_a_current_thread_runtime_at_capacity_1_each_free_slot_wakes_its_own_sender() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut first = spawn(queue.send(1));
    let mut second = spawn(queue.send(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(first.is_woken() && !second.is_woken());
    queue.try_send(9).unwrap(); // a newcomer takes the slot before the woken sender runs
    assert_eq!(queue.try_receive(), Ok(9));
    assert!(
        second.is_woken(),
        "a second slot freed, a second sender woken"
    );
    assert_ready_eq!(first.poll(), Ok(()));
    assert_pending!(second.poll()); // the slot went to the older one
    assert_eq!(queue.try_receive(), Ok(1));
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));
}

#[test]
fn on_a_current_thread_runtime_at_capacity_1_each_value_wakes_its_own_receiver() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let queue = Queue::new(1);
    let mut first = spawn(queue.receive());
    let mut second = spawn(queue.receive());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    queue.try_send(1).unwrap();
    assert!(first.is_woken() && !second.is_woken());
    assert_eq!(queue.try_receive(), Ok(1)); // a newcomer takes the value before the woken receiver runs
    queue.try_send(2).unwrap();
    assert!(second.is_woken(), "a second value, a second receiver woken");
    assert_ready_eq!(first.poll(), Ok(Some(2)));
    assert_pending!(second.poll());
    queue.try_send(3).unwrap();
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(Some(3)));
}

#[test]
fn a_notified_sender_never_polled_again_delays_the_next_by_at_most_twice_the_capacity() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    // (At a capacity of 1 each slot freed wakes its own sender: see the test above.)
    for capacity in [2, 3, 5] {
        let queue = Queue::new(capacity);
        for value in 0..capacity {
            queue.try_send(value).unwrap();
        }
        let mut stuck = spawn(queue.send(100));
        let mut next = spawn(queue.send(200));
        assert_pending!(stuck.poll());
        assert_pending!(next.poll());
        assert_eq!(queue.try_receive(), Ok(0));
        assert!(stuck.is_woken(), "notified, and never polled again");
        // Slots freed while its notification is out are left to it; pops report them by laps of the ring,
        // and the lap that takes the count past the capacity wakes the next sender.
        let mut freed = 0;
        let mut value = capacity;
        while !next.is_woken() {
            assert!(
                freed < 2 * capacity,
                "capacity {capacity}: the next sender still waits after {freed} slots freed"
            );
            queue.try_send(value).unwrap();
            value += 1;
            assert_eq!(queue.try_receive(), Ok(freed + 1));
            freed += 1;
        }
        assert!(
            freed > capacity,
            "capacity {capacity}: woken after {freed} slots, before the patience ran out"
        );
        assert_ready_eq!(next.poll(), Ok(()));
        drop(stuck); // its notification was written off: nothing to pass on, nothing sent
        let rest: Vec<usize> = std::iter::from_fn(|| queue.try_receive().ok()).collect();
        let expected: Vec<usize> = (freed + 1..value).chain([200]).collect();
        assert_eq!(rest, expected, "capacity {capacity}");
    }
}

#[test]
fn a_notified_receiver_never_polled_again_delays_the_next_by_at_most_two_blocks_when_unbounded() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let (tx, rx) = tokio_mpmc::unbounded_channel();
    let mut stuck = spawn(rx.recv());
    let mut next = spawn(rx.recv());
    assert_pending!(stuck.poll());
    assert_pending!(next.poll());
    tx.try_send(0).unwrap();
    assert!(stuck.is_woken(), "notified, and never polled again");
    // The patience is one block of the list (31 values); sends count by blocks while the notification is out,
    // so the next receiver is woken within two blocks of values.
    for value in 1..=31 {
        tx.try_send(value).unwrap();
    }
    assert!(
        !next.is_woken(),
        "a block of values is left to the notified one"
    );
    for value in 32..=62 {
        tx.try_send(value).unwrap();
    }
    assert!(next.is_woken(), "woken within two blocks of values");
    assert_ready_eq!(next.poll(), Some(0));
}

#[test]
fn a_notified_receiver_dropped_unpolled_passes_its_notification_on() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let queue = Queue::new(2);
    let mut dropped = spawn(queue.receive());
    let mut next = spawn(queue.receive());
    assert_pending!(dropped.poll());
    assert_pending!(next.poll());
    queue.try_send(1).unwrap();
    queue.try_send(2).unwrap();
    assert!(dropped.is_woken() && !next.is_woken());
    drop(dropped);
    assert!(next.is_woken());
    assert_ready_eq!(next.poll(), Ok(Some(1)));
}

/// Counts the polls of the future it wraps.
struct Counted<F> {
    future: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        self.future.as_mut().poll(cx)
    }
}

/// Task polls per message of each side, for `tasks` producers and as many consumers through a queue of
/// `capacity` on a current-thread runtime.
fn polls_per_message(tasks: usize, capacity: usize, messages: usize) -> (f64, f64) {
    let runtime = current_thread();
    let queue = Queue::new(capacity);
    let (send_polls, receive_polls) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    runtime.block_on(async {
        let mut handles = vec![];
        for _ in 0..tasks {
            let queue = queue.clone();
            let future = async move {
                for value in 0..messages / tasks {
                    queue.send(value).await.unwrap();
                }
            };
            handles.push(tokio::spawn(Counted {
                future: Box::pin(future),
                polls: Arc::clone(&send_polls),
            }));
        }
        for _ in 0..tasks {
            let queue = queue.clone();
            let future = async move {
                for _ in 0..messages / tasks {
                    queue.receive().await.unwrap().unwrap();
                }
            };
            handles.push(tokio::spawn(Counted {
                future: Box::pin(future),
                polls: Arc::clone(&receive_polls),
            }));
        }
        for handle in handles {
            handle.await.unwrap();
        }
    });
    let per = |polls: &AtomicUsize| polls.load(Ordering::Relaxed) as f64 / messages as f64;
    (per(&send_polls), per(&receive_polls))
}

/// The lower bound of a cancel-safe channel on one thread is 1/capacity polls per message per side (a poll
/// moves at most the capacity); these counts are deterministic on a current-thread runtime.
#[test]
fn on_a_current_thread_runtime_each_side_polls_about_once_per_capacity_of_messages() {
    for tasks in [4, 16] {
        let (send, receive) = polls_per_message(tasks, 16, 64_000);
        eprintln!(
            "{tasks}x{tasks} capacity 16: {send:.4} send / {receive:.4} receive polls per message"
        );
        assert!(
            send <= 0.10 && receive <= 0.10,
            "{tasks}x{tasks} capacity 16: {send:.3} send polls and {receive:.3} receive polls per message"
        );
    }
}

#[test]
fn the_last_permits_send_after_close_wakes_every_waiting_receiver() {
    let runtime = current_thread();
    let _entered = runtime.enter();
    let queue = Queue::new(4);
    let first = queue.try_reserve().unwrap();
    let last = queue.try_reserve().unwrap();
    let mut receivers: Vec<_> = (0..3).map(|_| spawn(queue.receive())).collect();
    for receive in &mut receivers {
        assert_pending!(receive.poll());
    }
    queue.close(); // wakes them all; while permits may send they wait again, served one per value
    for receive in &mut receivers {
        assert_pending!(receive.poll());
    }
    first.send(1); // one receiver notified, the throttle on
    assert!(receivers[0].is_woken() && !receivers[2].is_woken());
    last.send(2); // nothing can come after this value: every receiver must learn it
    assert!(receivers[1].is_woken() && receivers[2].is_woken());
    assert_ready_eq!(receivers[0].poll(), Ok(Some(1)));
    assert_ready_eq!(receivers[1].poll(), Ok(Some(2)));
    assert_ready_eq!(receivers[2].poll(), Ok(None));
}
