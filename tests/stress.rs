#![cfg(not(any(loom, shuttle)))]
//! Multi-threaded stress tests on a real Tokio runtime.
//!
//! Each item is `(producer << 32) | sequence`, so the receivers can check that every item arrives exactly
//! once (I3) and that each receiver sees each producer's items in increasing order (I2). Every producer and
//! consumer also checks `len() <= capacity()` after each operation (I4). A lost wake-up (I1) shows up as a
//! run that never finishes, which the deadline turns into a failure.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::runtime::run_with_deadline;
use tokio_mpmc::{Queue, SendError, TryRecvError, TrySendError};

/// Far longer than any run takes; only reached if a task waits forever.
const DEADLINE: Duration = Duration::from_secs(180);

fn item(producer: usize, seq: usize) -> u64 {
    ((producer as u64) << 32) | seq as u64
}

fn split(item: u64) -> (usize, usize) {
    ((item >> 32) as usize, (item & 0xffff_ffff) as usize)
}

/// Runs `test` on a multi-threaded runtime with more workers than cores, failing if it exceeds DEADLINE.
fn run<F: Future<Output = ()> + Send + 'static>(test: F) {
    run_with_deadline(4, DEADLINE, test).unwrap_or_else(|unfinished| panic!("{unfinished}"));
}

fn check_len<T>(queue: &Queue<T>) {
    let len = queue.len();
    assert!(
        len <= queue.capacity(),
        "len {len} > capacity {}",
        queue.capacity()
    );
}

/// What one consumer received, checked for per-producer order as it arrives.
struct Received {
    items: Vec<u64>,
    last_seq: Vec<Option<usize>>,
}

impl Received {
    fn new(producers: usize) -> Self {
        Received {
            items: Vec::new(),
            last_seq: vec![None; producers],
        }
    }

    fn push(&mut self, item: u64) {
        let (producer, seq) = split(item);
        if let Some(last) = self.last_seq[producer] {
            assert!(
                seq > last,
                "producer {producer}: received seq {seq} after {last}"
            );
        }
        self.last_seq[producer] = Some(seq);
        self.items.push(item);
    }
}

/// Asserts that `all` holds producer `p`'s items `0..sent[p]` exactly once each, and nothing else.
fn assert_exactly_once(all: impl IntoIterator<Item = Vec<u64>>, sent: &[usize]) {
    let mut counts: Vec<Vec<u8>> = sent.iter().map(|&n| vec![0; n]).collect();
    for item in all.into_iter().flatten() {
        let (producer, seq) = split(item);
        assert!(
            producer < sent.len() && seq < sent[producer],
            "received item ({producer}, {seq}) that was never sent successfully"
        );
        counts[producer][seq] += 1;
    }
    for (producer, counts) in counts.iter().enumerate() {
        for (seq, &count) in counts.iter().enumerate() {
            assert_eq!(count, 1, "item ({producer}, {seq}) received {count} times");
        }
    }
}

/// Receives until `Ok(None)`, then checks the queue stays closed and drained.
async fn consume_all(queue: Queue<u64>, producers: usize) -> Vec<u64> {
    let mut received = Received::new(producers);
    loop {
        match queue.receive().await {
            Ok(Some(item)) => received.push(item),
            Ok(None) => break,
            Err(error) => panic!("receive returned an error: {error}"),
        }
        check_len(&queue);
    }
    assert_eq!(queue.receive().await, Ok(None));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
    assert!(queue.is_closed() && queue.is_empty());
    received.items
}

/// Receives with `try_receive`, yielding while empty, until the queue reports `Closed`.
async fn try_consume_all(queue: Queue<u64>, producers: usize) -> Vec<u64> {
    let mut received = Received::new(producers);
    loop {
        match queue.try_receive() {
            Ok(item) => received.push(item),
            Err(TryRecvError::Empty) => tokio::task::yield_now().await,
            Err(TryRecvError::Closed) => break,
        }
        check_len(&queue);
    }
    assert_eq!(queue.receive().await, Ok(None));
    received.items
}

/// `producers` senders and `consumers` receivers move `per_producer` items each through the queue;
/// the queue is closed once every send has completed.
async fn all_items_once_in_order(
    capacity: usize,
    producers: usize,
    consumers: usize,
    per_producer: usize,
    use_try: bool,
) {
    let queue = Queue::new(capacity);
    let consumer_tasks: Vec<_> = (0..consumers)
        .map(|c| {
            let queue = queue.clone();
            tokio::spawn(async move {
                if use_try && c % 2 == 1 {
                    try_consume_all(queue, producers).await
                } else {
                    consume_all(queue, producers).await
                }
            })
        })
        .collect();
    let producer_tasks: Vec<_> = (0..producers)
        .map(|p| {
            let queue = queue.clone();
            tokio::spawn(async move {
                for seq in 0..per_producer {
                    if use_try && p % 2 == 1 {
                        let mut value = item(p, seq);
                        while let Err(error) = queue.try_send(value) {
                            match error {
                                TrySendError::Full(back) => value = back,
                                TrySendError::Closed(_) => panic!("closed before the end"),
                            }
                            tokio::task::yield_now().await;
                        }
                    } else {
                        queue
                            .send(item(p, seq))
                            .await
                            .expect("closed before the end");
                    }
                    check_len(&queue);
                }
            })
        })
        .collect();
    for producer in producer_tasks {
        producer.await.unwrap();
    }
    assert!(queue.close().is_first());
    let mut all = Vec::new();
    for consumer in consumer_tasks {
        all.push(consumer.await.unwrap());
    }
    assert_exactly_once(all, &vec![per_producer; producers]);
    assert!(queue.is_empty());
}

#[test]
fn eight_by_eight_at_capacity_one_delivers_every_item_once_in_producer_order() {
    run(all_items_once_in_order(1, 8, 8, 100_000, false));
}

#[test]
fn eight_by_eight_at_capacity_sixteen_delivers_every_item_once_in_producer_order() {
    run(all_items_once_in_order(16, 8, 8, 250_000, false));
}

#[test]
fn mixed_try_and_async_callers_deliver_every_item_once_in_producer_order() {
    run(all_items_once_in_order(4, 8, 8, 50_000, true));
}

#[test]
fn more_producers_than_consumers_and_the_reverse_deliver_every_item_once() {
    run(async {
        all_items_once_in_order(2, 8, 1, 20_000, false).await;
        all_items_once_in_order(2, 1, 8, 160_000, false).await;
    });
}

#[test]
fn len_never_exceeds_capacity_as_seen_from_another_thread() {
    let capacity = 1;
    let queue = Queue::new(capacity);
    let done = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let sampler = {
        let queue = queue.clone();
        let (done, started) = (Arc::clone(&done), Arc::clone(&started));
        std::thread::spawn(move || {
            let (mut samples, mut max_len) = (0usize, 0usize);
            // At least one sample, and the first one before the run begins (the main thread waits for it):
            // a sampler the OS started late would otherwise sample nothing of the run.
            loop {
                let len = queue.len();
                assert!(len <= capacity, "len {len} > capacity {capacity}");
                assert!(!(queue.is_full() && queue.capacity() != capacity));
                max_len = max_len.max(len);
                samples += 1;
                started.store(true, Ordering::Release);
                if done.load(Ordering::Acquire) {
                    break;
                }
                std::thread::yield_now();
            }
            (samples, max_len)
        })
    };
    while !started.load(Ordering::Acquire) {
        std::thread::yield_now();
    }
    {
        let queue = queue.clone();
        run(async move {
            let consumers: Vec<_> = (0..4)
                .map(|_| tokio::spawn(consume_all(queue.clone(), 4)))
                .collect();
            let producers: Vec<_> = (0..4)
                .map(|p| {
                    let queue = queue.clone();
                    tokio::spawn(async move {
                        for seq in 0..50_000 {
                            queue.send(item(p, seq)).await.unwrap();
                        }
                    })
                })
                .collect();
            for producer in producers {
                producer.await.unwrap();
            }
            queue.close();
            let mut all = Vec::new();
            for consumer in consumers {
                all.push(consumer.await.unwrap());
            }
            assert_exactly_once(all, &[50_000; 4]);
        });
    }
    done.store(true, Ordering::Release);
    let (samples, max_len) = sampler.join().expect("the sampler saw len > capacity");
    assert!(samples > 0);
    assert!(max_len <= capacity);
}

/// Closes the queue while producers are still sending: every send that returned `Ok` is received exactly
/// once, every failed send gives back its own value, and no send succeeds after the first failure.
async fn close_midway(capacity: usize, producers: usize, consumers: usize, close_after: usize) {
    const PER_PRODUCER: usize = 1_000_000;
    let queue = Queue::new(capacity);
    let received_total = Arc::new(AtomicUsize::new(0));
    let closes = Arc::new(AtomicUsize::new(0));
    let consumer_tasks: Vec<_> = (0..consumers)
        .map(|_| {
            let queue = queue.clone();
            let received_total = Arc::clone(&received_total);
            let closes = Arc::clone(&closes);
            tokio::spawn(async move {
                let mut received = Received::new(producers);
                while let Some(item) = queue.receive().await.expect("receive never fails") {
                    received.push(item);
                    check_len(&queue);
                    if received_total.fetch_add(1, Ordering::SeqCst) + 1 == close_after {
                        // Exactly one consumer gets here; the queue must not have been closed before.
                        assert!(queue.close().is_first());
                        closes.fetch_add(1, Ordering::SeqCst);
                    }
                }
                assert_eq!(queue.receive().await, Ok(None));
                received.items
            })
        })
        .collect();
    let producer_tasks: Vec<_> = (0..producers)
        .map(|p| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut sent = 0;
                while sent < PER_PRODUCER {
                    let value = item(p, sent);
                    match queue.send(value).await {
                        Ok(()) => sent += 1,
                        Err(SendError(back)) => {
                            assert_eq!(back, value, "a failed send gave back another value");
                            break;
                        }
                    }
                    check_len(&queue);
                }
                assert!(sent < PER_PRODUCER, "the queue was never closed");
                // Once a send failed, the queue is closed for good.
                assert!(queue.is_closed());
                let late = item(p, sent + 1);
                assert_eq!(queue.try_send(late), Err(TrySendError::Closed(late)));
                assert_eq!(queue.send(late).await, Err(SendError(late)));
                sent
            })
        })
        .collect();
    let mut sent = Vec::new();
    for producer in producer_tasks {
        sent.push(producer.await.unwrap());
    }
    let mut all = Vec::new();
    for consumer in consumer_tasks {
        all.push(consumer.await.unwrap());
    }
    assert_eq!(closes.load(Ordering::SeqCst), 1);
    let received: usize = all.iter().map(Vec::len).sum();
    assert!(received >= close_after);
    assert_eq!(received, sent.iter().sum::<usize>());
    assert_exactly_once(all, &sent);
}

#[test]
fn close_midway_at_capacity_one_loses_no_sent_item_and_returns_every_failed_value() {
    run(close_midway(1, 8, 8, 400_000));
}

#[test]
fn close_midway_at_capacity_sixteen_loses_no_sent_item_and_returns_every_failed_value() {
    run(close_midway(16, 8, 8, 1_000_000));
}

/// Consumers and producers race their futures against `yield_now` in `select!`, so many receive and send
/// futures are dropped while registered, some right after being woken (I5): no item may be lost or
/// duplicated, and the plain (never cancelling) tasks must still be woken.
#[test]
fn futures_cancelled_by_select_lose_no_item_and_strand_no_waiter() {
    const PRODUCERS: usize = 6;
    const CONSUMERS: usize = 6;
    const PER_PRODUCER: usize = 50_000;
    run(async {
        let queue = Queue::new(2);
        let cancelled = Arc::new(AtomicUsize::new(0));
        let consumer_tasks: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let queue = queue.clone();
                let cancelled = Arc::clone(&cancelled);
                tokio::spawn(async move {
                    if c % 2 == 0 {
                        return consume_all(queue, PRODUCERS).await;
                    }
                    let mut received = Received::new(PRODUCERS);
                    loop {
                        tokio::select! {
                            result = queue.receive() => match result {
                                Ok(Some(item)) => received.push(item),
                                Ok(None) => break,
                                Err(error) => panic!("receive returned an error: {error}"),
                            },
                            () = tokio::task::yield_now() => {
                                cancelled.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    received.items
                })
            })
            .collect();
        let producer_tasks: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let queue = queue.clone();
                let cancelled = Arc::clone(&cancelled);
                tokio::spawn(async move {
                    for seq in 0..PER_PRODUCER {
                        let value = item(p, seq);
                        if p % 2 == 0 {
                            queue.send(value).await.unwrap();
                            continue;
                        }
                        // A cancelled send never enqueued its value, so sending it again is no duplicate.
                        loop {
                            tokio::select! {
                                result = queue.send(value) => {
                                    result.unwrap();
                                    break;
                                }
                                () = tokio::task::yield_now() => {
                                    cancelled.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        for producer in producer_tasks {
            producer.await.unwrap();
        }
        queue.close();
        let mut all = Vec::new();
        for consumer in consumer_tasks {
            all.push(consumer.await.unwrap());
        }
        assert!(
            cancelled.load(Ordering::Relaxed) > 0,
            "the test cancelled no future"
        );
        assert_exactly_once(all, &[PER_PRODUCER; PRODUCERS]);
    });
}

#[test]
fn close_wakes_every_task_waiting_on_a_full_or_empty_queue() {
    run(async {
        for _ in 0..500 {
            // Receivers wait on an empty queue, senders on a full one, then one close releases them all.
            let empty = Queue::<u64>::new(1);
            let full = Queue::new(1);
            full.try_send(0).unwrap();
            let receivers: Vec<_> = (0..8)
                .map(|_| {
                    let empty = empty.clone();
                    tokio::spawn(async move { empty.receive().await })
                })
                .collect();
            let senders: Vec<_> = (1..=8u64)
                .map(|i| {
                    let full = full.clone();
                    tokio::spawn(async move { (i, full.send(i).await) })
                })
                .collect();
            tokio::task::yield_now().await;
            empty.close();
            full.close();
            for receiver in receivers {
                assert_eq!(receiver.await.unwrap(), Ok(None));
            }
            for sender in senders {
                let (i, result) = sender.await.unwrap();
                assert_eq!(result, Err(SendError(i)));
            }
            assert_eq!(full.try_receive(), Ok(0));
        }
    });
}

/// A small deterministic generator for the choices of one task (no dependency, same sequence every run).
struct Choices(u64);

impl Choices {
    fn below(&mut self, bound: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % bound
    }
}

/// The race of issue 18 (its first item): producers choose at random between `send` and `reserve_many(2)`
/// (one slot used after a few yields, the other given back when the iterator drops), receivers between
/// `recv` and `try_recv` + yield, on a capacity-4 channel that is never closed while they run. Every value
/// arrives; a slot that a batch reservation keeps without using it, or a wake-up it swallows, stalls the
/// producers for good (the deadline fails the test).
#[test]
fn batch_reservations_mixed_with_sends_never_stall_the_channel() {
    const PRODUCERS: usize = 8;
    const PER_PRODUCER: usize = 12_000;
    run(async {
        let (tx, rx) = tokio_mpmc::channel::<u64>(4);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|producer| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut choices = Choices(0x9e37_79b9_7f4a_7c15 ^ (producer as u64 + 1));
                    for seq in 0..PER_PRODUCER {
                        if choices.below(2) == 0 {
                            tx.send(item(producer, seq)).await.unwrap();
                            continue;
                        }
                        let mut permits = tx.reserve_many(2).await.unwrap();
                        for _ in 0..choices.below(3) {
                            tokio::task::yield_now().await;
                        }
                        permits.next().unwrap().send(item(producer, seq));
                        for _ in 0..choices.below(3) {
                            tokio::task::yield_now().await;
                        }
                        drop(permits);
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..8)
            .map(|consumer| {
                let rx = rx.clone();
                tokio::spawn(async move {
                    let mut received = Received::new(PRODUCERS);
                    if consumer % 2 == 0 {
                        while let Some(item) = rx.recv().await {
                            received.push(item);
                        }
                    } else {
                        loop {
                            match rx.try_recv() {
                                Ok(item) => received.push(item),
                                Err(TryRecvError::Closed) => break,
                                Err(TryRecvError::Empty) => tokio::task::yield_now().await,
                            }
                        }
                    }
                    received.items
                })
            })
            .collect();
        drop(rx);
        for producer in producers {
            producer.await.unwrap();
        }
        let mut all = Vec::new();
        for consumer in consumers {
            all.push(consumer.await.unwrap());
        }
        assert_exactly_once(all, &[PER_PRODUCER; PRODUCERS]);
    });
}
