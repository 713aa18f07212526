//! A first loom model of your own code, ready to paste into `tests/loom.rs` of a crate that depends on
//! tokio-mpmc with its `loom` feature under `cfg(loom)` (see README.md). Run it with
//! `CARGO_TARGET_DIR=target/loom RUSTFLAGS="--cfg loom" cargo test --test loom`.
#![cfg(loom)]

use loom::future::block_on;
use loom::thread;

/// Two threads (the main thread counts): one producer sends two values into a channel of capacity 1 and
/// leaves; the main thread receives both in order, then `None`.
#[test]
fn one_producer_one_worker_values_arrive_in_order() {
    let mut builder = loom::model::Builder::new();
    // Two threads: bound 2 (3 takes about ten times as long). `LOOM_MAX_PREEMPTIONS` overrides it.
    builder.preemption_bound.get_or_insert(2);
    builder.check(|| {
        let (tx, rx) = tokio_mpmc::channel(1);
        let producer = thread::spawn(move || {
            for value in 0..2 {
                block_on(tx.send(value)).unwrap();
            }
        });
        assert_eq!(block_on(rx.recv()), Some(0));
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None); // the producer's sender is gone
        producer.join().unwrap();
    });
}

/// Three threads (two producers and the main thread as the worker) on a channel of capacity 1: the worker
/// gets each value exactly once, and its loop ends once both producers are gone.
#[test]
fn two_producers_one_worker_every_value_arrives_once() {
    let mut builder = loom::model::Builder::new();
    // Three threads: bound 1.
    builder.preemption_bound.get_or_insert(1);
    builder.check(|| {
        let (tx, rx) = tokio_mpmc::channel(1);
        let producers: Vec<_> = (0..2)
            .map(|id| {
                let tx = tx.clone();
                thread::spawn(move || block_on(tx.send(id)).unwrap())
            })
            .collect();
        drop(tx);
        let mut received = Vec::new();
        while let Some(value) = block_on(rx.recv()) {
            received.push(value);
        }
        received.sort_unstable();
        assert_eq!(received, [0, 1]);
        for producer in producers {
            producer.join().unwrap();
        }
    });
}
