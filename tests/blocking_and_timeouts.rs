#![cfg(all(feature = "tokio", not(any(loom, shuttle))))]
//! Blocking calls (for synchronous threads) and timeouts (blocking ones on the thread's clock, async ones on
//! tokio's timer), on both faces. Threads are ordered by joins and by the blocking calls themselves, never by
//! sleeps; async timeouts run on a paused clock, so their outcomes (and elapsed virtual time) are exact.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::panic::{panic_message, panic_message_of};
use futures::FutureExt;
use tokio_mpmc::{Queue, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, channel};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

/// Short real timeouts: only outcomes are asserted (and that a timeout waited at least this long).
const SHORT: Duration = Duration::from_millis(20);
/// Long enough never to pass in a correct run: a call with this timeout is expected to complete otherwise.
const LONG: Duration = Duration::from_secs(30);

/// The part of a blocking call's panic message that says why.
const RUNTIME_PANIC: &str = "inside an async runtime";

/// Runs `call`, expects it to panic for being inside a runtime, and returns the message.
fn runtime_panic<R>(call: impl FnOnce() -> R) -> String {
    let Some(message) = panic_message_of(call) else {
        panic!("a blocking call inside an async runtime must panic");
    };
    assert!(message.contains(RUNTIME_PANIC), "message: {message:?}");
    message
}

// ---------------------------------------------------------------------------------------------------------
// Blocking calls between plain threads
// ---------------------------------------------------------------------------------------------------------

#[test]
fn blocking_send_and_blocking_recv_move_every_value_once_between_threads_in_fifo_order_per_producer()
 {
    const PRODUCERS: u32 = 3;
    const PER_PRODUCER: u32 = 2000;
    let (tx, rx) = channel(2);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..PER_PRODUCER {
                    tx.blocking_send((producer, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut received = Vec::new();
                while let Some(value) = rx.blocking_recv() {
                    received.push(value);
                }
                received
            })
        })
        .collect();
    drop(rx);
    for producer in producers {
        producer.join().unwrap();
    }
    let mut seen = vec![Vec::new(); PRODUCERS as usize];
    for consumer in consumers {
        let received = consumer.join().unwrap();
        let mut last = vec![None; PRODUCERS as usize];
        for (producer, i) in received {
            let producer = producer as usize;
            assert!(
                last[producer] < Some(i),
                "one consumer saw producer {producer}'s {i} after {:?}",
                last[producer]
            );
            last[producer] = Some(i);
            seen[producer].push(i);
        }
    }
    for mut values in seen {
        values.sort_unstable();
        assert_eq!(values, (0..PER_PRODUCER).collect::<Vec<_>>());
    }
}

#[test]
fn blocking_recv_drains_then_returns_none_after_the_last_sender_drops() {
    let (tx, rx) = channel(2);
    tx.blocking_send(1).unwrap();
    let consumer = thread::spawn(move || {
        let first = rx.blocking_recv();
        let second = rx.blocking_recv(); // waits for the drop below, or sees it
        (first, second, rx.blocking_recv())
    });
    drop(tx);
    assert_eq!(consumer.join().unwrap(), (Some(1), None, None));
}

#[test]
fn blocking_send_waits_for_room_made_by_a_receiver_on_another_thread() {
    let (tx, rx) = channel(1);
    tx.blocking_send(1).unwrap();
    let producer = thread::spawn(move || tx.blocking_send(2));
    assert_eq!(rx.blocking_recv(), Some(1));
    assert_eq!(producer.join().unwrap(), Ok(()));
    assert_eq!(rx.blocking_recv(), Some(2));
}

#[test]
fn blocking_send_gives_the_value_back_when_the_last_receiver_drops_while_it_waits() {
    let (tx, rx) = channel(1);
    tx.blocking_send(1).unwrap();
    let producer = thread::spawn(move || tx.blocking_send(2));
    drop(rx);
    assert_eq!(producer.join().unwrap(), Err(SendError(2)));
}

#[test]
fn blocking_calls_on_a_closed_channel_return_at_once() {
    let (tx, rx) = channel(1);
    tx.blocking_send(1).unwrap();
    rx.close();
    assert_eq!(
        tx.blocking_send(2),
        Err(SendError(2)),
        "closed and full: no wait"
    );
    assert_eq!(rx.blocking_recv(), Some(1));
    assert_eq!(rx.blocking_recv(), None);
}

// ---------------------------------------------------------------------------------------------------------
// Blocking calls inside a runtime
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn blocking_calls_panic_inside_a_current_thread_runtime_before_sending_or_taking_anything() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    let message = runtime_panic(|| tx.blocking_send(2));
    assert!(
        message.contains("blocking_send"),
        "message names the call: {message:?}"
    );
    assert_eq!(tx.len(), 1, "the panicking blocking_send sent nothing");
    runtime_panic(|| tx.blocking_send_timeout(2, SHORT));
    assert_eq!(
        tx.len(),
        1,
        "the panicking blocking_send_timeout sent nothing"
    );
    let message = runtime_panic(|| rx.blocking_recv());
    assert!(
        message.contains("blocking_recv"),
        "message names the call: {message:?}"
    );
    runtime_panic(|| rx.blocking_recv_timeout(SHORT));
    assert_eq!(rx.len(), 1, "the panicking receives took nothing");
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // The channel still works from async code.
    tx.send(3).await.unwrap();
    assert_eq!(rx.recv().await, Some(3));
}

#[tokio::test]
async fn each_blocking_calls_panic_inside_a_runtime_names_that_very_call() {
    let (tx, rx) = channel::<u8>(1);
    let named = |call: &str, message: String| {
        assert!(
            message.contains(&format!("`{call}` called from inside an async runtime")),
            "the panic of {call} names {call}: {message:?}"
        );
    };
    named("blocking_send", runtime_panic(|| tx.blocking_send(1)));
    named(
        "blocking_send_timeout",
        runtime_panic(|| tx.blocking_send_timeout(1, SHORT)),
    );
    named("blocking_recv", runtime_panic(|| rx.blocking_recv()));
    named(
        "blocking_recv_timeout",
        runtime_panic(|| rx.blocking_recv_timeout(SHORT)),
    );
    named("Receiver::iter", runtime_panic(|| rx.iter().next()));
    named(
        "Receiver::into_iter",
        runtime_panic(|| rx.clone().into_iter().next()),
    );
    assert_eq!(tx.len(), 0, "the panicking calls sent nothing");
}

#[tokio::test]
async fn queue_blocking_calls_panic_inside_a_runtime_before_sending_or_taking_anything() {
    let queue = Queue::new(2);
    queue.try_send(1).unwrap();
    runtime_panic(|| queue.blocking_send(2));
    runtime_panic(|| queue.blocking_send_timeout(2, SHORT));
    runtime_panic(|| queue.blocking_receive());
    runtime_panic(|| queue.blocking_receive_timeout(SHORT));
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.try_receive(), Ok(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_calls_panic_inside_a_task_on_a_multi_thread_runtime() {
    let (tx, rx) = channel(2);
    tx.try_send(1).unwrap();
    let (task_tx, task_rx) = (tx.clone(), rx.clone());
    let send = tokio::spawn(async move { task_tx.blocking_send(2) });
    let recv = tokio::spawn(async move { task_rx.blocking_recv() });
    for (call, task) in [
        ("blocking_send", send.await.map(|_| ())),
        ("blocking_recv", recv.await.map(|_| ())),
    ] {
        let error = task.expect_err("a blocking call inside a task must panic");
        assert!(error.is_panic(), "{call}: {error}");
        let message = panic_message(error.into_panic());
        assert!(message.contains(RUNTIME_PANIC), "{call}: {message:?}");
    }
    assert_eq!(rx.len(), 1, "the panicking calls neither sent nor took");
    assert_eq!(rx.try_recv(), Ok(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_calls_work_inside_spawn_blocking_on_a_multi_thread_runtime() {
    let (tx, rx) = channel(1);
    let producer = tokio::task::spawn_blocking(move || {
        for i in 0..100 {
            tx.blocking_send(i).unwrap();
        }
        tx.blocking_send_timeout(100, LONG)
    });
    let consumer = tokio::task::spawn_blocking(move || {
        let mut received = Vec::new();
        while let Some(i) = rx.blocking_recv() {
            received.push(i);
        }
        (received, rx.blocking_recv_timeout(SHORT))
    });
    assert_eq!(producer.await.unwrap(), Ok(()));
    let (received, after) = consumer.await.unwrap();
    assert_eq!(received, (0..=100).collect::<Vec<_>>());
    assert_eq!(after, Err(RecvTimeoutError::Closed));
}

#[tokio::test]
async fn blocking_calls_work_inside_spawn_blocking_on_a_current_thread_runtime() {
    let (tx, rx) = channel(1);
    let queue = Queue::new(1);
    let queue2 = queue.clone();
    let worker = tokio::task::spawn_blocking(move || {
        tx.blocking_send(1).unwrap();
        queue2.blocking_send(2).unwrap();
        (rx.blocking_recv(), queue2.blocking_receive())
    });
    assert_eq!(worker.await.unwrap(), (Some(1), Some(2)));
    assert!(queue.is_empty());
}

#[test]
fn blocking_calls_work_on_a_thread_that_only_entered_a_runtime_context() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let (tx, rx) = channel(1);
    tx.blocking_send(1).unwrap();
    assert_eq!(rx.blocking_recv(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_calls_work_inside_block_in_place() {
    let (tx, rx) = channel(1);
    let received = tokio::task::block_in_place(|| {
        tx.blocking_send(1).unwrap();
        rx.blocking_recv()
    });
    assert_eq!(received, Some(1));
}

// ---------------------------------------------------------------------------------------------------------
// Blocking timeouts (real clock, no runtime)
// ---------------------------------------------------------------------------------------------------------

#[test]
fn blocking_send_timeout_on_a_full_channel_times_out_and_gives_the_value_back() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let start = Instant::now();
    assert_eq!(
        tx.blocking_send_timeout(2, SHORT),
        Err(SendTimeoutError::Timeout(2))
    );
    assert!(
        start.elapsed() >= SHORT,
        "gave up after {:?}",
        start.elapsed()
    );
    assert_eq!(rx.len(), 1, "the timed-out send left nothing inside");
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "and its value never arrives later"
    );
}

#[test]
fn blocking_send_timeout_with_room_succeeds_even_with_a_zero_timeout() {
    let (tx, rx) = channel(1);
    assert_eq!(tx.blocking_send_timeout(1, Duration::ZERO), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn blocking_send_timeout_on_a_closed_channel_fails_with_closed_not_timeout() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    rx.close();
    assert_eq!(
        tx.blocking_send_timeout(2, Duration::ZERO),
        Err(SendTimeoutError::Closed(2))
    );
    assert_eq!(
        tx.blocking_send_timeout(3, LONG),
        Err(SendTimeoutError::Closed(3))
    );
    let (tx, rx) = channel(1);
    drop(rx);
    assert_eq!(
        tx.blocking_send_timeout(4, LONG),
        Err(SendTimeoutError::Closed(4))
    );
}

#[test]
fn blocking_send_timeout_completes_when_a_receiver_makes_room_before_the_deadline() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let producer = thread::spawn(move || tx.blocking_send_timeout(2, LONG));
    assert_eq!(rx.blocking_recv(), Some(1));
    assert_eq!(producer.join().unwrap(), Ok(()));
    assert_eq!(rx.blocking_recv(), Some(2));
}

#[test]
fn blocking_recv_timeout_on_an_empty_channel_times_out() {
    let (tx, rx) = channel::<u32>(1);
    let start = Instant::now();
    assert_eq!(
        rx.blocking_recv_timeout(SHORT),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(
        start.elapsed() >= SHORT,
        "gave up after {:?}",
        start.elapsed()
    );
    tx.try_send(1).unwrap();
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "the timed-out receive took nothing later"
    );
}

#[test]
fn blocking_recv_timeout_with_a_value_inside_succeeds_even_with_a_zero_timeout() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    assert_eq!(rx.blocking_recv_timeout(Duration::ZERO), Ok(1));
}

#[test]
fn blocking_recv_timeout_on_a_closed_channel_drains_then_fails_with_closed_not_timeout() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    drop(tx);
    assert_eq!(rx.blocking_recv_timeout(Duration::ZERO), Ok(1));
    assert_eq!(
        rx.blocking_recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(
        rx.blocking_recv_timeout(LONG),
        Err(RecvTimeoutError::Closed)
    );
}

#[test]
fn blocking_recv_timeout_receives_a_value_sent_by_another_thread_before_the_deadline() {
    let (tx, rx) = channel(1);
    let consumer = thread::spawn(move || rx.blocking_recv_timeout(LONG));
    tx.blocking_send(7).unwrap();
    assert_eq!(consumer.join().unwrap(), Ok(7));
}

#[test]
fn a_blocking_timeout_too_large_for_the_clock_waits_as_if_it_had_none() {
    // `Duration::MAX` overflows an `Instant`: the call must wait for its outcome, not time out at once.
    const PARK_TIME: Duration = Duration::from_millis(100);
    let (tx, rx) = channel::<u8>(1);
    let consumer = thread::spawn(move || rx.blocking_recv_timeout(Duration::MAX));
    // Gives the consumer time to find the channel empty and park: the outcome is the same without the pause,
    // which only makes a call that does not wait (a deadline of now) fail here rather than pass by luck.
    thread::sleep(PARK_TIME);
    drop(tx);
    assert_eq!(
        consumer.join().unwrap(),
        Err(RecvTimeoutError::Closed),
        "a receive with an endless timeout waited until the last sender dropped"
    );

    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let producer = thread::spawn(move || tx.blocking_send_timeout(2, Duration::MAX));
    thread::sleep(PARK_TIME);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        producer.join().unwrap(),
        Ok(()),
        "a send with an endless timeout waited until a slot was freed"
    );
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn queue_blocking_calls_and_blocking_timeouts_work_between_threads() {
    let queue = Queue::new(1);
    let producer = queue.clone();
    let sending = thread::spawn(move || {
        producer.blocking_send(1).unwrap();
        producer.blocking_send(2).unwrap();
        producer.blocking_send_timeout(3, LONG)
    });
    assert_eq!(queue.blocking_receive(), Some(1));
    assert_eq!(queue.blocking_receive_timeout(LONG), Ok(2));
    assert_eq!(queue.blocking_receive(), Some(3));
    assert_eq!(sending.join().unwrap(), Ok(()));
    assert_eq!(
        queue.blocking_receive_timeout(SHORT),
        Err(RecvTimeoutError::Timeout)
    );
    queue.try_send(4).unwrap();
    assert_eq!(
        queue.blocking_send_timeout(5, SHORT),
        Err(SendTimeoutError::Timeout(5))
    );
    queue.close();
    assert_eq!(queue.blocking_send(6), Err(SendError(6)));
    assert_eq!(
        queue.blocking_send_timeout(7, LONG),
        Err(SendTimeoutError::Closed(7))
    );
    assert_eq!(queue.blocking_receive(), Some(4));
    assert_eq!(queue.blocking_receive(), None);
    assert_eq!(
        queue.blocking_receive_timeout(LONG),
        Err(RecvTimeoutError::Closed)
    );
}

// ---------------------------------------------------------------------------------------------------------
// Async timeouts (paused tokio clock)
// ---------------------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn send_timeout_on_a_full_channel_times_out_and_gives_the_value_back() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let start = tokio::time::Instant::now();
    assert_eq!(
        tx.send_timeout(2, Duration::from_secs(1)).await,
        Err(SendTimeoutError::Timeout(2))
    );
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "it waited the whole timeout"
    );
    assert_eq!(rx.len(), 1, "the timed-out send left nothing inside");
    assert_eq!(rx.recv().await, Some(1));
    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "and its value never arrives later"
    );
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_send_leaves_no_registration_behind_to_swallow_a_wake_up() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let mut later = spawn(tx.send(3));
    // The timed send starts waiting first, `later` second.
    let (timed_out, ()) = tokio::join!(tx.send_timeout(2, Duration::from_secs(1)), async {
        assert_pending!(later.poll());
    });
    assert_eq!(timed_out, Err(SendTimeoutError::Timeout(2)));
    assert!(!later.is_woken());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(
        later.is_woken(),
        "the slot's wake-up must reach the sender still waiting"
    );
    assert_ready_eq!(later.poll(), Ok(()));
    drop(later);
    assert_eq!(rx.try_recv(), Ok(3));
}

#[tokio::test(start_paused = true)]
async fn send_timeout_with_room_succeeds_at_once_even_with_a_zero_timeout() {
    let (tx, rx) = channel(1);
    let start = tokio::time::Instant::now();
    assert_eq!(tx.send_timeout(1, Duration::ZERO).await, Ok(()));
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[tokio::test(start_paused = true)]
async fn send_timeout_on_a_closed_channel_fails_at_once_with_closed_not_timeout() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    tx.close();
    let start = tokio::time::Instant::now();
    assert_eq!(
        tx.send_timeout(2, Duration::ZERO).await,
        Err(SendTimeoutError::Closed(2))
    );
    assert_eq!(
        tx.send_timeout(3, LONG).await,
        Err(SendTimeoutError::Closed(3))
    );
    assert_eq!(start.elapsed(), Duration::ZERO);
    drop(rx);
    assert_eq!(
        tx.send_timeout(4, LONG).await,
        Err(SendTimeoutError::Closed(4))
    );
}

#[tokio::test(start_paused = true)]
async fn send_timeout_completes_when_room_is_made_before_the_deadline() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let start = tokio::time::Instant::now();
    let (sent, received) = tokio::join!(tx.send_timeout(2, Duration::from_secs(1)), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        rx.recv().await
    });
    assert_eq!((sent, received), (Ok(()), Some(1)));
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(300),
        "it completed when room was made"
    );
    assert_eq!(rx.try_recv(), Ok(2));
}

#[tokio::test(start_paused = true)]
async fn a_send_timeout_waiting_on_a_full_channel_gets_its_value_back_when_the_last_receiver_drops()
{
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let (sent, ()) = tokio::join!(tx.send_timeout(2, LONG), async move { drop(rx) });
    assert_eq!(sent, Err(SendTimeoutError::Closed(2)));
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_on_an_empty_channel_times_out() {
    let (tx, rx) = channel::<u32>(1);
    let start = tokio::time::Instant::now();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(1)).await,
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    tx.try_send(1).unwrap();
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "the timed-out receive took nothing later"
    );
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_with_a_value_inside_succeeds_at_once_even_with_a_zero_timeout() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    let start = tokio::time::Instant::now();
    assert_eq!(rx.recv_timeout(Duration::ZERO).await, Ok(1));
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_on_a_closed_channel_drains_then_fails_at_once_with_closed() {
    let (tx, rx) = channel(1);
    tx.try_send(1).unwrap();
    drop(tx);
    let start = tokio::time::Instant::now();
    assert_eq!(rx.recv_timeout(LONG).await, Ok(1));
    assert_eq!(
        rx.recv_timeout(Duration::ZERO).await,
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(rx.recv_timeout(LONG).await, Err(RecvTimeoutError::Closed));
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_receives_a_value_sent_before_the_deadline() {
    let (tx, rx) = channel(1);
    let start = tokio::time::Instant::now();
    let (received, sent) = tokio::join!(rx.recv_timeout(Duration::from_secs(1)), async {
        tokio::time::sleep(Duration::from_millis(999)).await;
        tx.send(7).await
    });
    assert_eq!((received, sent), (Ok(7), Ok(())));
    assert_eq!(start.elapsed(), Duration::from_millis(999));
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_waiting_on_an_empty_channel_fails_with_closed_when_the_last_sender_drops() {
    let (tx, rx) = channel::<u32>(1);
    let (received, ()) = tokio::join!(rx.recv_timeout(LONG), async move { drop(tx) });
    assert_eq!(received, Err(RecvTimeoutError::Closed));
}

#[tokio::test(start_paused = true)]
async fn queue_send_timeout_and_receive_timeout_follow_the_same_rules() {
    let queue = Queue::new(1);
    let start = tokio::time::Instant::now();
    assert_eq!(queue.send_timeout(1, Duration::ZERO).await, Ok(()));
    assert_eq!(
        queue.send_timeout(2, Duration::from_secs(1)).await,
        Err(SendTimeoutError::Timeout(2))
    );
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(queue.receive_timeout(Duration::ZERO).await, Ok(1));
    assert_eq!(
        queue.receive_timeout(Duration::from_secs(1)).await,
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    let (received, sent) = tokio::join!(queue.receive_timeout(LONG), queue.send(3));
    assert_eq!((received, sent), (Ok(3), Ok(())));
    queue.try_send(4).unwrap();
    queue.close();
    assert_eq!(
        queue.send_timeout(5, LONG).await,
        Err(SendTimeoutError::Closed(5))
    );
    assert_eq!(queue.receive_timeout(LONG).await, Ok(4));
    assert_eq!(
        queue.receive_timeout(LONG).await,
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

// Cancel safety, as the plain futures' `woken_*_future_dropped_before_polling_passes_its_wakeup_on` in
// tests/wakeups.rs: a timed wait woken for a unit and dropped before it runs passes the wake-up on.

#[tokio::test(start_paused = true)]
async fn a_woken_send_timeout_dropped_before_it_runs_passes_its_wake_up_on() {
    let (tx, rx) = channel(1);
    tx.try_send(0).unwrap();
    let mut timed = spawn(tx.send_timeout(1, LONG));
    let mut next = spawn(tx.send(2));
    assert_pending!(timed.poll());
    assert_pending!(next.poll());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(timed.is_woken() && !next.is_woken());
    drop(timed);
    assert!(next.is_woken(), "the dropped timed send's wake-up was lost");
    assert_ready_eq!(next.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "it sent nothing");
}

#[tokio::test(start_paused = true)]
async fn a_woken_recv_timeout_dropped_before_it_runs_passes_its_wake_up_on() {
    let (tx, rx) = channel(1);
    let mut timed = spawn(rx.recv_timeout(LONG));
    let mut next = spawn(rx.recv());
    assert_pending!(timed.poll());
    assert_pending!(next.poll());
    tx.try_send(1).unwrap();
    assert!(timed.is_woken() && !next.is_woken());
    drop(timed);
    assert!(
        next.is_woken(),
        "the dropped timed receive's wake-up was lost"
    );
    assert_ready_eq!(next.poll(), Some(1));
}

#[tokio::test(start_paused = true)]
async fn the_queues_woken_timeout_futures_dropped_before_they_run_pass_their_wake_ups_on() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut timed = spawn(queue.send_timeout(1, LONG));
    let mut next = spawn(queue.send(2));
    assert_pending!(timed.poll());
    assert_pending!(next.poll());
    assert_eq!(queue.try_receive(), Ok(0));
    assert!(timed.is_woken() && !next.is_woken());
    drop(timed);
    assert!(
        next.is_woken(),
        "the dropped send_timeout's wake-up was lost"
    );
    assert_ready_eq!(next.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(2));

    let mut timed = spawn(queue.receive_timeout(LONG));
    let mut next = spawn(queue.receive());
    assert_pending!(timed.poll());
    assert_pending!(next.poll());
    queue.try_send(3).unwrap();
    assert!(timed.is_woken() && !next.is_woken());
    drop(timed);
    assert!(
        next.is_woken(),
        "the dropped receive_timeout's wake-up was lost"
    );
    assert_ready_eq!(next.poll(), Ok(Some(3)));
}

// `# Panics`: outside a runtime with the timer, as `tokio::time::sleep` (whose messages these are). Both wait
// (full, empty), so the timer is needed whatever the order of the try and the timer.

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn send_timeout_outside_a_runtime_panics_as_tokio_sleep_does() {
    let (tx, _rx) = channel(1);
    tx.try_send(1).unwrap();
    let _ = tx.send_timeout(2, LONG).now_or_never();
}

#[test]
#[should_panic(expected = "timers are disabled")]
fn recv_timeout_on_a_runtime_without_the_timer_panics_as_tokio_sleep_does() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _entered = runtime.enter();
    let (_tx, rx) = channel::<u8>(1);
    let _ = rx.recv_timeout(LONG).now_or_never();
}

// ---------------------------------------------------------------------------------------------------------
// Queue::receive_many
// ---------------------------------------------------------------------------------------------------------

#[test]
fn queue_receive_many_takes_up_to_limit_waits_when_empty_and_returns_zero_once_closed_and_drained()
{
    let queue = Queue::new(4);
    for i in 0..3 {
        queue.try_send(i).unwrap();
    }
    let mut buffer = Vec::new();
    assert_ready_eq!(spawn(queue.receive_many(&mut buffer, 0)).poll(), 0);
    assert_eq!(queue.len(), 3, "limit 0 takes nothing");
    assert_ready_eq!(spawn(queue.receive_many(&mut buffer, 2)).poll(), 2);
    assert_ready_eq!(spawn(queue.receive_many(&mut buffer, 2)).poll(), 1);
    assert_eq!(buffer, [0, 1, 2]);
    let mut waiting = spawn(queue.receive_many(&mut buffer, 2));
    assert_pending!(waiting.poll());
    queue.try_send(3).unwrap();
    assert!(waiting.is_woken());
    assert_ready_eq!(waiting.poll(), 1);
    drop(waiting);
    let mut waiting = spawn(queue.receive_many(&mut buffer, 2));
    assert_pending!(waiting.poll());
    queue.close();
    assert!(waiting.is_woken());
    assert_ready_eq!(waiting.poll(), 0);
    drop(waiting);
    assert_eq!(buffer, [0, 1, 2, 3]);
}
