//! Ping-pong round trips: two tasks, two queues of capacity 1 (one each way).

use std::sync::{Arc, Barrier};
use std::time::Instant;

use crossbeam_queue::ArrayQueue;

use crate::peers::{self, AsyncPeer, Peer};

/// Where the two tasks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Each task on its own OS thread, in its own `current_thread` runtime: the two tasks are
    /// guaranteed to be on different workers, so every hop is a cross-thread wake (which tokio's
    /// multi-thread scheduler cannot guarantee: its LIFO slot pulls a woken task onto the waker's
    /// worker).
    CrossThread,
    /// Both tasks on one `current_thread` runtime: the cost of the queue plus a local wake.
    SameThread,
}

impl Placement {
    /// Key used in the CSV.
    pub fn key(self) -> &'static str {
        match self {
            Placement::CrossThread => "cross-thread",
            Placement::SameThread => "same-thread",
        }
    }
}

fn current_thread_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Round-trip times in nanoseconds, `rounds` of them after `warmup` unrecorded ones.
pub fn ping_pong(peer: Peer, place: Placement, rounds: usize, warmup: usize) -> Vec<u64> {
    match peer {
        Peer::Ours => ping_pong_async::<peers::Ours>(place, rounds, warmup),
        Peer::OursChannel => ping_pong_async::<peers::OursChannel>(place, rounds, warmup),
        Peer::AsyncChannel => ping_pong_async::<peers::AsyncChannel>(place, rounds, warmup),
        Peer::Flume => ping_pong_async::<peers::Flume>(place, rounds, warmup),
        Peer::Kanal => ping_pong_async::<peers::Kanal>(place, rounds, warmup),
        Peer::Crossfire => ping_pong_async::<peers::Crossfire>(place, rounds, warmup),
        Peer::TokioMpsc => ping_pong_async::<peers::TokioMpsc>(place, rounds, warmup),
        Peer::Mpmc024 => ping_pong_async::<peers::Mpmc024>(place, rounds, warmup),
        Peer::Crossbeam => ping_pong_threads(place, rounds, warmup),
    }
}

async fn ponger<P: AsyncPeer>(mut rx: P::Rx, tx: P::Tx, total: usize) {
    for _ in 0..total {
        let v = P::recv(&mut rx).await.expect("ping");
        assert!(P::send(&tx, v).await);
    }
}

async fn pinger<P: AsyncPeer>(tx: P::Tx, mut rx: P::Rx, rounds: usize, warmup: usize) -> Vec<u64> {
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..(warmup + rounds) {
        let t0 = Instant::now();
        assert!(P::send(&tx, i as u64).await);
        let v = P::recv(&mut rx).await.expect("pong");
        let dt = t0.elapsed();
        debug_assert_eq!(v, i as u64);
        if i >= warmup {
            samples.push(dt.as_nanos() as u64);
        }
    }
    samples
}

fn ping_pong_async<P: AsyncPeer>(place: Placement, rounds: usize, warmup: usize) -> Vec<u64> {
    let (tx_ab, mut rx_ab, _c1) = P::make(1, 1);
    let (tx_ba, mut rx_ba, _c2) = P::make(1, 1);
    let (rx_ab, rx_ba) = (rx_ab.pop().unwrap(), rx_ba.pop().unwrap());
    let total = warmup + rounds;
    match place {
        Placement::SameThread => current_thread_rt().block_on(async move {
            let pong = tokio::spawn(ponger::<P>(rx_ab, tx_ba, total));
            let samples = pinger::<P>(tx_ab, rx_ba, rounds, warmup).await;
            pong.await.expect("ponger");
            samples
        }),
        Placement::CrossThread => {
            let barrier = Arc::new(Barrier::new(2));
            let b2 = barrier.clone();
            let pong = std::thread::spawn(move || {
                let rt = current_thread_rt();
                b2.wait();
                rt.block_on(ponger::<P>(rx_ab, tx_ba, total));
            });
            let rt = current_thread_rt();
            barrier.wait();
            let samples = rt.block_on(pinger::<P>(tx_ab, rx_ba, rounds, warmup));
            pong.join().expect("ponger thread");
            samples
        }
    }
}

fn spin_push(q: &ArrayQueue<u64>, mut v: u64) {
    let mut step = 0u32;
    while let Err(back) = q.push(v) {
        v = back;
        spin_wait(&mut step);
    }
}

fn spin_pop(q: &ArrayQueue<u64>) -> u64 {
    let mut step = 0u32;
    loop {
        if let Some(v) = q.pop() {
            return v;
        }
        spin_wait(&mut step);
    }
}

#[inline]
fn spin_wait(step: &mut u32) {
    // Spin for a good while (tens of microseconds) before yielding: this is the busy-polling
    // hardware reference, and a yield on a loaded 2-core machine can cost a time slice.
    if *step < 1000 {
        for _ in 0..(1u32 << (*step).min(6)) {
            std::hint::spin_loop();
        }
        *step += 1;
    } else {
        std::thread::yield_now();
    }
}

/// crossbeam `ArrayQueue`s between two spinning std threads (same-thread is impossible for
/// spinning threads, so that placement runs the same cross-thread test).
fn ping_pong_threads(_place: Placement, rounds: usize, warmup: usize) -> Vec<u64> {
    let ab = Arc::new(ArrayQueue::new(1));
    let ba = Arc::new(ArrayQueue::new(1));
    let total = warmup + rounds;
    let (ab2, ba2) = (ab.clone(), ba.clone());
    let pong = std::thread::spawn(move || {
        for _ in 0..total {
            let v = spin_pop(&ab2);
            spin_push(&ba2, v);
        }
    });
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..total {
        let t0 = Instant::now();
        spin_push(&ab, i as u64);
        let _ = spin_pop(&ba);
        let dt = t0.elapsed();
        if i >= warmup {
            samples.push(dt.as_nanos() as u64);
        }
    }
    pong.join().expect("ponger thread");
    samples
}
