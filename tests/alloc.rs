#![cfg(not(any(loom, shuttle)))]
//! Heap allocations per message, counted by a global allocator.
//!
//! Only allocations made on the measuring thread while it has counting switched on are counted
//! (a thread-local switch), so the other tests of this binary, running in parallel threads, do
//! not disturb the figures. Every measurement comes after a warm-up, so one-off growth (the
//! waiter list's first allocation, tokio's run queue) is not charged to the steady state.
//!
//! Results (measured, then asserted):
//! - `try_send` / `try_receive`: 0 allocations per message.
//! - `send().await` / `receive().await` that complete without waiting: 0 per message.
//! - A wait (a future that returns `Pending`, is woken, and completes; or is cancelled): 0 in the
//!   steady state. The waiter list is a slab of nodes per side (freed nodes are reused), so
//!   waiting allocates only when more futures wait at once than ever before on that queue: the
//!   slab's vector doubles, so a queue on which at most W futures ever wait at once pays at most
//!   ⌈log2 W⌉ + 1 allocations per side over its whole life (measured: 5 for W = 64), and 0 per
//!   wait after that. Cloning a tokio or `Arc`-based `Waker` into the list does not allocate.
//! - End to end on tokio (a consumer task that waits for every message): a few allocations per
//!   run (the spawned task), 0 per message.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use common::waker::counting_waker;
use tokio_mpmc::Queue;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn note_alloc() {
    // `try_with`: the allocator also runs while thread-locals are being torn down.
    let on = COUNTING.try_with(Cell::get).unwrap_or(false);
    if on {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the `GlobalAlloc`
// contract; the bookkeeping touches only const-initialised thread-locals (which never allocate).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: the caller upholds `alloc`'s contract; forwarded as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc();
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through it) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made on this thread while running `f`.
fn count_allocs<R>(f: impl FnOnce() -> R) -> (u64, R) {
    ALLOCS.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCS.with(Cell::get), r)
}

const MESSAGES: u64 = 10_000;

#[test]
fn try_send_try_receive_allocate_nothing() {
    for cap in [1usize, 16, 1024] {
        let q = Queue::<u64>::new(cap);
        let round = |base: u64| {
            for i in 0..MESSAGES {
                let v = base + i;
                q.try_send(v).expect("room");
                assert_eq!(q.try_receive().expect("item"), v);
            }
            // Fill up, then drain (covers Full / Empty paths too).
            for i in 0..cap as u64 {
                q.try_send(i).expect("room");
            }
            assert!(q.try_send(0).is_err());
            for _ in 0..cap {
                q.try_receive().expect("item");
            }
            assert!(q.try_receive().is_err());
        };
        round(0); // warm-up
        let (allocs, ()) = count_allocs(|| round(MESSAGES));
        assert_eq!(
            allocs, 0,
            "capacity {cap}: {allocs} allocations for {MESSAGES} try_send/try_receive pairs"
        );
    }
}

#[test]
fn send_receive_await_without_waiting_allocate_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for cap in [1usize, 16, 1024] {
        let q = Queue::<u64>::new(cap);
        // `unconstrained`: with tokio's cooperative budget, every 128th operation yields, and tokio's
        // scheduler allocates its list of deferred wake-ups afresh in each `block_on`; that is tokio's
        // allocation, not ours (the yield itself is checked in tests/coop.rs).
        let round = |base: u64| {
            rt.block_on(tokio::task::unconstrained(async {
                for i in 0..MESSAGES {
                    q.send(base + i).await.expect("open");
                    assert_eq!(q.receive().await.expect("never Err"), Some(base + i));
                }
                // Bursts of `cap` sends then `cap` receives: never full on send, never empty
                // on receive, so nobody waits.
                for _ in 0..(MESSAGES / cap as u64).min(100) {
                    for i in 0..cap as u64 {
                        q.send(i).await.expect("open");
                    }
                    for i in 0..cap as u64 {
                        assert_eq!(q.receive().await.expect("never Err"), Some(i));
                    }
                }
            }))
        };
        round(0); // warm-up (also the runtime's own first allocations)
        let (allocs, ()) = count_allocs(|| round(MESSAGES));
        assert_eq!(
            allocs, 0,
            "capacity {cap}: {allocs} allocations for non-waiting send/receive"
        );
    }
}

/// Runs `iters` receive waits: poll `receive()` on an empty queue (Pending: it registers as a
/// waiter), make an item available, poll again (Ready).
fn receive_waits(q: &Queue<u64>, cx: &mut Context<'_>, base: u64, iters: u64) {
    for i in 0..iters {
        let mut fut = pin!(q.receive());
        assert!(
            fut.as_mut().poll(cx).is_pending(),
            "queue is empty: must wait"
        );
        q.try_send(base + i).expect("room");
        match fut.as_mut().poll(cx) {
            Poll::Ready(Ok(Some(v))) => assert_eq!(v, base + i),
            other => panic!("expected the item, got {other:?}"),
        }
    }
}

/// Runs `iters` send waits on a full queue of capacity 1.
fn send_waits(q: &Queue<u64>, cx: &mut Context<'_>, base: u64, iters: u64) {
    for i in 0..iters {
        let mut fut = pin!(q.send(base + i));
        assert!(
            fut.as_mut().poll(cx).is_pending(),
            "queue is full: must wait"
        );
        q.try_receive().expect("the item sent before");
        assert!(matches!(fut.as_mut().poll(cx), Poll::Ready(Ok(()))));
    }
}

/// Per wait with a single waiter at a time, after warm-up: measured 0 (the waiter list reuses its
/// storage; the waker clone is a reference-count increment). Asserted: 0.
#[test]
fn single_waiter_wait_cost_is_bounded() {
    const WAITS: u64 = 2_000;
    let (counter, w) = counting_waker();
    let mut cx = Context::from_waker(&w);

    let q = Queue::<u64>::new(4);
    receive_waits(&q, &mut cx, 0, 100); // warm-up
    let (recv_allocs, ()) = count_allocs(|| receive_waits(&q, &mut cx, 100, WAITS));

    let q1 = Queue::<u64>::new(1);
    q1.try_send(u64::MAX).expect("room");
    send_waits(&q1, &mut cx, 0, 100); // warm-up
    let (send_allocs, ()) = count_allocs(|| send_waits(&q1, &mut cx, 100, WAITS));

    assert!(
        counter.wakes() >= 2 * WAITS as usize,
        "every wait must be woken"
    );
    eprintln!(
        "alloc: receive wait {:.3}/wait, send wait {:.3}/wait",
        recv_allocs as f64 / WAITS as f64,
        send_allocs as f64 / WAITS as f64
    );
    assert_eq!(
        recv_allocs, 0,
        "receive: {recv_allocs} allocations for {WAITS} waits"
    );
    assert_eq!(
        send_allocs, 0,
        "send: {send_allocs} allocations for {WAITS} waits"
    );
}

/// Many waiters at once (64 receivers queued behind each other, FIFO), then woken one by one,
/// after one warm-up round with as many waiters: measured 0. Asserted: 0.
#[test]
fn many_waiters_wait_cost_is_bounded() {
    const WAITERS: usize = 64;
    const ROUNDS: u64 = 50;
    let (_counter, w) = counting_waker();
    let mut cx = Context::from_waker(&w);
    let q = Queue::<u64>::new(WAITERS);

    let round = |cx: &mut Context<'_>, futs: &mut Vec<Pin<Box<dyn Future<Output = _> + '_>>>| {
        for f in futs.iter_mut() {
            assert!(f.as_mut().poll(cx).is_pending());
        }
        for i in 0..WAITERS as u64 {
            q.try_send(i).expect("room");
        }
        for f in futs.iter_mut() {
            assert!(matches!(f.as_mut().poll(cx), Poll::Ready(Ok(Some(_)))));
        }
    };
    // The boxes are made outside the counted region: only the queue's own cost is counted.
    let make = || -> Vec<Pin<Box<dyn Future<Output = _> + '_>>> {
        (0..WAITERS)
            .map(|_| Box::pin(q.receive()) as Pin<Box<dyn Future<Output = _>>>)
            .collect()
    };
    let mut warm = make();
    round(&mut cx, &mut warm);
    drop(warm);
    let mut total = 0;
    for _ in 0..ROUNDS {
        let mut futs = make();
        let (a, ()) = count_allocs(|| round(&mut cx, &mut futs));
        total += a;
        drop(futs);
    }
    let waits = ROUNDS * WAITERS as u64;
    eprintln!(
        "alloc: {WAITERS} simultaneous receive waiters: {:.3}/wait",
        total as f64 / waits as f64
    );
    assert_eq!(total, 0, "{total} allocations for {waits} waits");
}

/// The one cost waiting has: the first time W futures wait at once on a fresh queue, the
/// waiter list grows (doubling), at most ⌈log2 W⌉ + 1 allocations. Measured: 5 for W = 64
/// (capacities 4, 8, 16, 32, 64).
#[test]
fn waiter_list_growth_is_logarithmic() {
    const WAITERS: usize = 64;
    let (_counter, w) = counting_waker();
    let mut cx = Context::from_waker(&w);
    let q = Queue::<u64>::new(WAITERS);
    let mut futs: Vec<Pin<Box<dyn Future<Output = _> + '_>>> = (0..WAITERS)
        .map(|_| Box::pin(q.receive()) as Pin<Box<dyn Future<Output = _>>>)
        .collect();
    let (allocs, ()) = count_allocs(|| {
        for f in futs.iter_mut() {
            assert!(f.as_mut().poll(&mut cx).is_pending());
        }
    });
    let bound = u64::from(WAITERS.next_power_of_two().trailing_zeros()) + 1;
    eprintln!(
        "alloc: first {WAITERS} simultaneous waiters on a fresh queue: {allocs} allocations (bound {bound})"
    );
    assert!(
        allocs <= bound,
        "{allocs} allocations to register {WAITERS} waiters, bound {bound}"
    );
    for i in 0..WAITERS as u64 {
        q.try_send(i).expect("room");
    }
    for f in futs.iter_mut() {
        assert!(matches!(f.as_mut().poll(&mut cx), Poll::Ready(Ok(Some(_)))));
    }
}

/// A wait that is cancelled (the future dropped while registered) costs no more than one that
/// completes.
#[test]
fn cancelled_wait_cost_is_bounded() {
    const WAITS: u64 = 2_000;
    let (_counter, w) = counting_waker();
    let mut cx = Context::from_waker(&w);
    let q = Queue::<u64>::new(4);
    let cancel = |cx: &mut Context<'_>, n: u64| {
        for _ in 0..n {
            let mut fut = Box::pin(q.receive());
            assert!(fut.as_mut().poll(cx).is_pending());
            drop(fut);
        }
    };
    cancel(&mut cx, 100);
    // Each iteration boxes its future (1 allocation, not the queue's): subtract it. Measured:
    // 0 per cancelled wait. Asserted: 0.
    let (allocs, ()) = count_allocs(|| cancel(&mut cx, WAITS));
    let queue_allocs = allocs.saturating_sub(WAITS);
    eprintln!(
        "alloc: cancelled receive wait {:.3}/wait (excluding the test's Box)",
        queue_allocs as f64 / WAITS as f64
    );
    assert_eq!(
        queue_allocs, 0,
        "{queue_allocs} allocations for {WAITS} cancelled waits"
    );
    assert_eq!(q.try_receive(), Err(tokio_mpmc::TryRecvError::Empty));
}

/// End to end on a real tokio `current_thread` runtime: a consumer task waits on every message
/// (the producer yields after each send), so each message costs one receive wait plus tokio's
/// wake and reschedule. Tokio's run queue and defer list are reused after warm-up.
/// Measured: 2 allocations in all for 10,000 messages (the spawned task), 0 per message.
/// Asserted: at most 64 in all (< 0.01 per message: slack for tokio's internals, none per message).
#[test]
fn tokio_tasks_waiting_per_message_cost_is_bounded() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let q = Queue::<u64>::new(16);
    let run = |n: u64| {
        rt.block_on(async {
            let consumer = {
                let q = q.clone();
                tokio::spawn(async move {
                    let mut sum = 0u64;
                    for _ in 0..n {
                        sum += q.receive().await.expect("never Err").expect("open");
                    }
                    sum
                })
            };
            // Let the consumer start and wait.
            tokio::task::yield_now().await;
            for i in 0..n {
                q.send(i).await.expect("open");
                tokio::task::yield_now().await;
            }
            assert_eq!(consumer.await.expect("consumer"), n * (n - 1) / 2);
        })
    };
    run(1_000); // warm-up
    // The spawn itself (task cell, join handle) is counted too: a handful, amortised away.
    let (allocs, ()) = count_allocs(|| run(MESSAGES));
    eprintln!(
        "alloc: tokio tasks, consumer waits on every message: {:.4}/message ({allocs} total)",
        allocs as f64 / MESSAGES as f64
    );
    assert!(allocs <= 64, "{allocs} allocations for {MESSAGES} messages");
}
