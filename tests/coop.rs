//! tokio's cooperative budget (feature `tokio`): a task that always finds a value or room still yields to the
//! other tasks of a current-thread runtime, and a waiter made to yield keeps its place in line.
#![cfg(all(feature = "tokio", not(any(loom, shuttle))))]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use tokio_test::{assert_pending, task};

/// Operations a looping task may complete before the test calls it starved. tokio's budget is 128 units.
const STARVED_AFTER: usize = 100_000;

/// The most operations completing at once before a task yields: the queue charges one unit of tokio's budget
/// (128 units) per 64 of them (tokio's mpsc: one per operation), and the next one asks again.
const YIELDS_WITHIN: usize = 128 * 64 + 1;

/// Uses up the current task's budget, as 128 completed operations would.
fn exhaust_budget() {
    let mut cx = Context::from_waker(Waker::noop());
    while let Poll::Ready(progress) = tokio::task::coop::poll_proceed(&mut cx) {
        progress.made_progress();
    }
}

/// Starts a task that raises a flag when it first runs, on the current-thread runtime.
fn flag_raiser() -> Arc<AtomicBool> {
    let raised = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&raised);
    tokio::spawn(async move { flag.store(true, Ordering::Relaxed) });
    raised
}

#[tokio::test(flavor = "current_thread")]
async fn a_task_looping_on_recv_over_a_channel_that_always_has_values_lets_other_tasks_run() {
    let (tx, rx) = tokio_mpmc::channel(16);
    let raised = flag_raiser();
    let mut received = 0;
    while !raised.load(Ordering::Relaxed) && received < STARVED_AFTER {
        tx.try_send(received).unwrap();
        assert_eq!(rx.recv().await, Some(received));
        received += 1;
    }
    assert!(
        received <= YIELDS_WITHIN,
        "the other task ran only after {received} receives"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_task_looping_on_send_into_a_channel_that_always_has_room_lets_other_tasks_run() {
    let (tx, rx) = tokio_mpmc::channel(16);
    let raised = flag_raiser();
    let mut sent = 0;
    while !raised.load(Ordering::Relaxed) && sent < STARVED_AFTER {
        tx.send(sent).await.unwrap();
        assert_eq!(rx.try_recv(), Ok(sent));
        sent += 1;
    }
    assert!(
        sent <= YIELDS_WITHIN,
        "the other task ran only after {sent} sends"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_queue_receive_loop_also_yields() {
    let queue = tokio_mpmc::Queue::new(4);
    let raised = flag_raiser();
    let mut received = 0;
    while !raised.load(Ordering::Relaxed) && received < STARVED_AFTER {
        queue.try_send(received).unwrap();
        assert_eq!(queue.receive().await, Ok(Some(received)));
        received += 1;
    }
    assert!(
        received <= YIELDS_WITHIN,
        "the other task ran only after {received} receives"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_receiver_made_to_yield_by_the_budget_keeps_its_place_in_line() {
    let (tx, rx) = tokio_mpmc::channel::<u32>(1);
    let mut first = task::spawn(rx.recv());
    let mut second = task::spawn(rx.recv());
    exhaust_budget();
    // Out of budget: it yields, holding its place (the budget's own wake-up will poll it again).
    assert_pending!(first.poll());
    tokio::task::yield_now().await; // a fresh budget
    assert_pending!(second.poll());
    assert_pending!(first.poll());
    tx.try_send(1).unwrap();
    assert!(
        first.is_woken(),
        "the value's wake-up went past the older waiter"
    );
    assert!(!second.is_woken());
}

#[tokio::test(flavor = "current_thread")]
async fn a_sender_made_to_yield_by_the_budget_keeps_its_place_in_line() {
    let (tx, rx) = tokio_mpmc::channel::<u32>(1);
    tx.try_send(0).unwrap();
    let mut first = task::spawn(tx.send(1));
    let mut second = task::spawn(tx.send(2));
    exhaust_budget();
    assert_pending!(first.poll());
    tokio::task::yield_now().await;
    assert_pending!(second.poll());
    assert_pending!(first.poll());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(
        first.is_woken(),
        "the freed slot's wake-up went past the older waiter"
    );
    assert!(!second.is_woken());
}
