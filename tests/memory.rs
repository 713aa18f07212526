#![cfg(not(any(loom, shuttle)))]
//! Memory that follows occupancy: the bytes an unbounded queue and a large bounded channel hold, measured by
//! a global allocator that counts live bytes, when new, after a spike of 1,000,000 values and after a drain. The binary has
//! one test, so nothing else allocates while it counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use tokio_mpmc::{Queue, unbounded_channel};

struct LiveBytes;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping is one atomic add.
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract; forwarded as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through it) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: LiveBytes = LiveBytes;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The most a drained unbounded queue may hold beyond its handles: the block in use and one spare, each
/// 31 slots of a `u64` and a state word plus a header, rounded up generously.
const DRAINED_BOUND: isize = 2 * 1024;

#[test]
fn memory_follows_occupancy() {
    a_queue_returns_to_a_small_bound_after_a_spike_and_a_drain();
    a_channel_frees_its_blocks_as_receivers_drain_it_concurrently();
    a_large_bounded_channel_costs_a_block_to_create_and_returns_to_it_after_a_drain();
    cancelled_waits_leave_nothing_behind();
}

/// Every future that waits and is dropped while it waits gives its place in line back at once, not at the
/// close: a `select!` loop that drops a pending `recv()`, `send()`, `reserve()`, `closed()` or sink `send` on
/// every turn must not grow the channel.
fn cancelled_waits_leave_nothing_behind() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    fn pending<F: Future>(future: F) {
        let future = pin!(future);
        assert!(
            future
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending(),
            "the future waits"
        );
    }

    let (tx, rx) = tokio_mpmc::channel::<u64>(1);
    let (full_tx, _full_rx) = tokio_mpmc::channel::<u64>(1);
    full_tx.try_send(0).unwrap();
    // The sink keeps its place in line across the `send` futures dropped on it (feature `futures`).
    #[cfg(feature = "futures")]
    let mut sink = full_tx.clone().into_sink();
    #[cfg_attr(not(feature = "futures"), allow(unused_mut))]
    let mut round = || {
        pending(rx.recv());
        pending(rx.closed());
        pending(tx.closed());
        pending(full_tx.send(1));
        pending(full_tx.reserve());
        #[cfg(feature = "futures")]
        pending(futures::SinkExt::send(&mut sink, 2));
    };
    // One round first: the wait lists' first nodes are part of the channel, not of the rounds.
    round();
    let before = live();
    for _ in 0..10_000 {
        round();
    }
    let grown = live() - before;
    eprintln!("10,000 rounds of cancelled waits: {grown} B");
    assert!(
        grown <= 0,
        "cancelled waits kept {grown} B: a registration outlived its future"
    );
}

/// Above a capacity of 65,536 a bounded channel is a block list: `channel(1 << 24)` allocates one block, not
/// 2^24 slots (256 MiB of `u64`s as a ring), and gives its memory back after a spike.
fn a_large_bounded_channel_costs_a_block_to_create_and_returns_to_it_after_a_drain() {
    let before = live();
    let (tx, rx) = tokio_mpmc::channel::<u64>(1 << 24);
    let created = live() - before;
    for value in 0..1_000_000 {
        tx.try_send(value).unwrap();
    }
    let spike = live() - before;
    for value in 0..1_000_000 {
        assert_eq!(rx.try_recv(), Ok(value));
    }
    let drained = live() - before;
    drop((tx, rx));
    let dropped = live() - before;
    eprintln!(
        "channel::<u64>(1 << 24): {created} B created, {spike} B holding 1,000,000 values, {drained} B after the drain"
    );
    assert_eq!(dropped, 0, "dropping the channel frees everything");
    assert!(
        created <= 4 * 1024,
        "creating it costs a block: {created} B"
    );
    assert!(
        drained - created <= DRAINED_BOUND,
        "a drained channel keeps at most two blocks: {drained} B, {created} B when new"
    );
}

fn a_queue_returns_to_a_small_bound_after_a_spike_and_a_drain() {
    let before = live();
    let queue = Queue::<u64>::unbounded();
    let empty = live() - before;
    for value in 0..1_000_000 {
        queue.try_send(value).unwrap();
    }
    let spike = live() - before;
    for value in 0..1_000_000 {
        assert_eq!(queue.try_receive(), Ok(value));
    }
    let drained = live() - before;
    drop(queue);
    let dropped = live() - before;
    // Printed (and asserted, which formats) only now: the test harness's capture of the output allocates.
    eprintln!(
        "unbounded Queue<u64>: {empty} B empty, {spike} B holding 1,000,000 values, {drained} B after the drain"
    );
    assert_eq!(dropped, 0, "dropping the queue frees everything");
    assert!(
        spike >= 8_000_000,
        "the values live in the queue: {spike} B"
    );
    assert!(
        drained - empty <= DRAINED_BOUND,
        "a drained queue keeps at most two blocks: {drained} B, {empty} B when new"
    );
}

fn a_channel_frees_its_blocks_as_receivers_drain_it_concurrently() {
    // Threads leave some bookkeeping of their own behind the first time: not the channel's.
    std::thread::spawn(|| ()).join().unwrap();
    std::thread::spawn(|| ()).join().unwrap();
    let before = live();
    let (tx, rx) = unbounded_channel::<u64>();
    let producer = std::thread::spawn(move || {
        for value in 0..200_000 {
            tx.try_send(value).unwrap();
        }
    });
    let consumer = std::thread::spawn(move || {
        let mut next = 0;
        while let Some(value) = rx.blocking_recv() {
            assert_eq!(value, next);
            next += 1;
        }
        assert_eq!(next, 200_000);
    });
    producer.join().unwrap();
    consumer.join().unwrap();
    // Both handles are gone with their threads: nothing of the channel is left.
    assert_eq!(
        live() - before,
        0,
        "bytes left after both handles were dropped"
    );
}
