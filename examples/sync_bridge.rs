//! Bridging synchronous threads and async tasks with one channel type: plain threads use the blocking
//! calls, tasks use the async ones, on the same `Sender` / `Receiver`.
//!
//! The blocking calls park the thread they run on, so they belong on plain threads or in
//! `tokio::task::spawn_blocking`. Called from an async task they panic (before sending or taking
//! anything; with the default `tokio` feature) instead of silently stalling the runtime's worker thread.
//!
//! Run with `cargo run --example sync_bridge`.

use std::thread;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_mpmc::{RecvTimeoutError, SendTimeoutError, channel};

const PER_SIDE: u64 = 500;

/// Joining a thread blocks, so it too is done where blocking is allowed, not on a runtime worker.
async fn join_threads<R: Send + 'static>(threads: Vec<thread::JoinHandle<R>>) -> Vec<R> {
    let join = move || {
        threads
            .into_iter()
            .map(|t| t.join().expect("a thread panicked"))
            .collect()
    };
    tokio::task::spawn_blocking(join)
        .await
        .expect("the joining task panicked")
}

fn sorted(mut values: Vec<u64>) -> Vec<u64> {
    values.sort_unstable();
    values
}

#[tokio::main]
async fn main() {
    // 1. Threads produce, tasks consume: e.g. a blocking driver or a C callback feeding async code.
    let (tx, rx) = channel(16);
    let producers: Vec<_> = (0..2)
        .map(|t| {
            let tx = tx.clone();
            thread::spawn(move || {
                for n in t * PER_SIDE..(t + 1) * PER_SIDE {
                    // Blocks this thread (not a runtime worker) while the channel is full.
                    tx.blocking_send(n)
                        .expect("the consumers outlive the producers");
                }
            })
        })
        .collect();
    drop(tx);
    let mut consumers = JoinSet::new();
    for _ in 0..2 {
        let rx = rx.clone();
        consumers.spawn(async move {
            let mut got = Vec::new();
            while let Some(n) = rx.recv().await {
                got.push(n);
            }
            got
        });
    }
    drop(rx);
    let received = sorted(consumers.join_all().await.concat());
    join_threads(producers).await;
    assert!(
        received.iter().copied().eq(0..2 * PER_SIDE),
        "thread->task: each value once"
    );
    let thread_to_task = received.len();

    // 2. Tasks produce, threads consume: e.g. async network input feeding CPU-heavy or blocking work.
    let (tx, rx) = channel(16);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                // `None` once every sender is gone and the channel is drained.
                while let Some(n) = rx.blocking_recv() {
                    got.push(n);
                }
                got
            })
        })
        .collect();
    drop(rx);
    let mut producers = JoinSet::new();
    for t in 0..2 {
        let tx = tx.clone();
        producers.spawn(async move {
            for n in t * PER_SIDE..(t + 1) * PER_SIDE {
                tx.send(n)
                    .await
                    .expect("the consumer threads outlive the producers");
            }
        });
    }
    drop(tx);
    producers.join_all().await;
    let received = sorted(join_threads(consumers).await.concat());
    assert!(
        received.iter().copied().eq(0..2 * PER_SIDE),
        "task->thread: each value once"
    );
    let task_to_thread = received.len();

    // 3. Timeouts on a sync thread that must not block for long. A timed-out send hands its value back,
    // so the caller decides what to do with it; here it retries once there is room.
    let retried = tokio::task::spawn_blocking(|| {
        let (tx, rx) = channel(1);
        tx.blocking_send("first").expect("there is room");
        let patience = Duration::from_millis(20);
        let second = match tx.blocking_send_timeout("second", patience) {
            Err(SendTimeoutError::Timeout(value)) => value,
            other => panic!("a full channel with no receiver must time out, got {other:?}"),
        };
        assert_eq!(rx.blocking_recv_timeout(patience), Ok("first"));
        assert_eq!(
            rx.blocking_recv_timeout(patience),
            Err(RecvTimeoutError::Timeout)
        );
        tx.blocking_send_timeout(second, patience)
            .expect("there is room again");
        drop(tx);
        assert_eq!(rx.blocking_recv_timeout(patience), Ok("second"));
        // Closed and drained: answered at once, not after the timeout.
        assert_eq!(
            rx.blocking_recv_timeout(patience),
            Err(RecvTimeoutError::Closed)
        );
        second
    })
    .await
    .expect("the timeout demo panicked");
    println!("a send that timed out gave back {retried:?}, which was sent on retry");
    println!(
        "sync_bridge: {thread_to_task} values thread->task, {task_to_thread} task->thread, timeouts gave the value back"
    );
}
