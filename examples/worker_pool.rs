//! A worker pool: producers put jobs on one bounded channel and each worker takes the next job as soon as it
//! is free, so a long job never holds up the ones behind it.
//!
//! Two ways to stop the pool, and in both every job is accounted for:
//! 1. Gracefully: the producers finish and the last `Sender` is dropped; the workers drain what is queued,
//!    then `recv` answers `None`.
//! 2. Early, with `close()`: every later send is refused and hands its job back in `SendError`, while the
//!    workers still finish what was already queued.
//!
//! Run with `cargo run --example worker_pool`.

use std::time::Duration;

use tokio::task::JoinSet;
use tokio_mpmc::{Receiver, SendError, channel};

const PRODUCERS: u64 = 4;
const JOBS_PER_PRODUCER: u64 = 250;
const WORKERS: usize = 8;
/// Phase 2 gives producer `p` the ids `p * ID_STRIDE ..`, so ids stay unique however long it runs.
const ID_STRIDE: u64 = 1 << 32;

/// Takes jobs until the channel is closed and drained; returns the ids it completed.
async fn worker(jobs: Receiver<u64>) -> Vec<u64> {
    let mut done = Vec::new();
    while let Some(job) = jobs.recv().await {
        // Jobs of uneven length: a worker that finishes early takes the next job instead of waiting.
        tokio::time::sleep(Duration::from_micros(job % 3 * 500)).await;
        done.push(job);
    }
    done
}

fn spawn_workers(jobs: Receiver<u64>) -> JoinSet<Vec<u64>> {
    let mut workers = JoinSet::new();
    for _ in 0..WORKERS {
        workers.spawn(worker(jobs.clone()));
    }
    // `jobs` is dropped here, so only workers hold receivers: if they all died, senders would get their
    // jobs back instead of waiting forever for room.
    workers
}

/// Every id the workers completed, sorted, so it can be compared with what was sent.
async fn completed(workers: JoinSet<Vec<u64>>) -> Vec<u64> {
    let mut done: Vec<u64> = workers.join_all().await.into_iter().flatten().collect();
    done.sort_unstable();
    done
}

#[tokio::main]
async fn main() {
    // Phase 1: graceful shutdown. Capacity 32 is the backpressure: producers wait when workers fall behind.
    let (tx, rx) = channel(32);
    let workers = spawn_workers(rx);
    let mut producers = JoinSet::new();
    for p in 0..PRODUCERS {
        let tx = tx.clone();
        producers.spawn(async move {
            for i in 0..JOBS_PER_PRODUCER {
                let job = p * JOBS_PER_PRODUCER + i;
                tx.send(job)
                    .await
                    .expect("nothing closes the pool in phase 1");
            }
        });
    }
    // The workers stop when the last Sender is gone; one kept here would make them wait forever.
    drop(tx);
    producers.join_all().await;
    let done = completed(workers).await;
    let total = PRODUCERS * JOBS_PER_PRODUCER;
    assert!(
        done.iter().copied().eq(0..total),
        "every job done exactly once"
    );
    println!(
        "phase 1: {total} jobs sent, {} done; dropping the last sender ended the workers",
        done.len()
    );

    // Phase 2: early stop. Producers are endless (think of a socket) and stop only when the pool refuses.
    let (tx, rx) = channel(32);
    let workers = spawn_workers(rx);
    let mut producers = JoinSet::new();
    for p in 0..PRODUCERS {
        let tx = tx.clone();
        producers.spawn(async move {
            let mut accepted = 0;
            loop {
                match tx.send(p * ID_STRIDE + accepted).await {
                    Ok(()) => accepted += 1,
                    // The refused job comes back: retry it elsewhere, persist it, or report it.
                    Err(SendError(refused)) => return (p, accepted, refused),
                }
            }
        });
    }
    // In a service this would be `tokio::signal::ctrl_c().await`.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tx.close(), "only this call closes the channel");
    // A snapshot after close(): these jobs were queued but not yet taken, and will still be done.
    let queued_at_close = tx.len();
    drop(tx);

    let (mut sent, mut expected, mut refused) = (0, Vec::new(), Vec::new());
    for (p, accepted, job) in producers.join_all().await {
        sent += accepted as usize + 1;
        expected.extend((0..accepted).map(|i| p * ID_STRIDE + i));
        refused.push(job);
    }
    expected.sort_unstable();
    let done = completed(workers).await;
    assert_eq!(done, expected, "every accepted job done exactly once");
    assert!(
        refused.iter().all(|job| done.binary_search(job).is_err()),
        "a refused job never ran"
    );
    assert_eq!(sent, done.len() + refused.len(), "sent == done + refused");
    println!(
        "phase 2: close() after {sent} sends: {} done ({queued_at_close} of them drained after close), {} refused and handed back",
        done.len(),
        refused.len(),
    );
    println!("worker_pool: {total} jobs done, none lost; early stop: sent == done + refused");
}
