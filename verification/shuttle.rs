//! Shuttle models of the production [`Queue`]: randomised schedules of many tasks over the real code.
//!
//! Compiled only by `RUSTFLAGS="--cfg shuttle" cargo test` (as an in-crate unit-test module, so `src/sync.rs`
//! swaps every atomic, mutex and `Arc` of the core for shuttle's). Where the loom models explore every
//! interleaving of 2–3 threads, these run 3 producers × 3 consumers (plus closers) with random cancellation and
//! sample schedules: `shuttle::check_random` and `shuttle::check_pct` (depth 3), `SHUTTLE_ITERATIONS` each
//! (default [`DEFAULT_ITERATIONS`]).
//!
//! Every task is an async task (`shuttle::future::spawn`); the main thread orchestrates with
//! `shuttle::future::block_on`. All randomness (which futures are cancelled, after how many polls, when the
//! queue closes) comes from `shuttle::rand`, so a schedule string replays the whole run.
//!
//! # The models
//!
//! - **drain** (`close_after_drain_*`): producers send; the queue is closed only after every producer finished
//!   *and* the consumers received every value that was sent. Nothing but the queue's own wake-ups can then
//!   wake a waiting task, so a lost wake-up leaves every task blocked, which shuttle reports as a deadlock (I1).
//! - **race** (`close_races_*`): two closers close after a random number of yields, racing every send and
//!   receive (I3: refused sends give their value back, no send succeeds after close, everything sent drains).
//! - **drain 2×1** (`close_after_drain_2x1_capacity_1`): the reduction of a lost wake-up the drain model
//!   found in the core (a waiter whose re-check succeeded, notified before it deregistered, swallowed the
//!   wake-up); small and cheap, so it runs ten times the iterations.
//!
//! In both, producer 0 and consumer 0 are *steady* (they always `.await`); the others are *fickle*: about half
//! their operations are polled by hand 1–3 times with a no-op waker and, if still pending, left alone for up
//! to two yields and dropped (cancellation, I5); after a cancellation a fickle task leaves for good with
//! probability 3/4. A wake-up swallowed by a dropped future would therefore strand the steady task, as in a
//! real `select!` loop that gives up. Every task also draws a pace and yields 0..=pace times after each
//! operation, so the queue is often found full (slow consumers) or empty (slow producers).
//!
//! Checked at the end of every execution: every value whose send returned `Ok` was received exactly once and
//! no other value was (I3, I5); each consumer saw each producer's values in increasing order (I2); every
//! refused send gave back its own value (I3); after `Ok(None)` every receive is `Ok(None)` and sends fail (I3).
//! Every task checks `len() <= capacity()` after each of its operations (I4).
//!
//! # Running
//!
//! ```text
//! RUSTFLAGS="--cfg shuttle" cargo test --lib                           # 10,000 per scheduler, ~10 s
//! SHUTTLE_ITERATIONS=100000 RUSTFLAGS="--cfg shuttle" cargo test --lib  # the long local run, a few minutes
//! SHUTTLE_SCHEDULER=pct RUSTFLAGS="--cfg shuttle" cargo test --lib close_races   # one scheduler, some models
//! ```
//!
//! Each run prints `shuttle model <name>: <scheduler>, <n> iterations, <t> s (...)` on stderr, with how many
//! sends were delivered, refused and cancelled and how many receives were cancelled in total.
//!
//! # Replaying a failure
//!
//! A failing execution panics with `failing schedule: "<string>"`. Replay exactly that execution with
//!
//! ```text
//! SHUTTLE_REPLAY_MODEL=close_after_drain_capacity_1 SHUTTLE_REPLAY='<string>' \
//!     RUSTFLAGS="--cfg shuttle" cargo test --lib replay_failing_schedule -- --ignored --nocapture
//! ```
//!
//! (the model name is printed on the line `shuttle model <name>: ... FAILED`; `SHUTTLE_REPLAY` may also be
//! the path of a file holding the string, quotes and line breaks included), or call
//! `shuttle::replay(close_after_drain_capacity_1, "<string>")` in a test. `SHUTTLE_CAPTURE_BACKTRACE=1` adds
//! each task's backtrace to the report. A `check_random` failure also prints a `failing seed`:
//! `SHUTTLE_RANDOM_SEED=<seed> SHUTTLE_SCHEDULER=random SHUTTLE_ITERATIONS=1` with the test's name as filter
//! reruns it.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use shuttle::future::{JoinHandle, block_on, spawn, yield_now};
use shuttle::rand::{Rng, thread_rng};
use shuttle::sync::mpsc;

use crate::{
    Queue, Receiver, RecvTimeoutError, SendError, SendTimeoutError, Sender, TryRecvError,
    TrySendError, channel, unbounded_channel,
};

/// Iterations per scheduler when `SHUTTLE_ITERATIONS` is not set.
const DEFAULT_ITERATIONS: usize = 10_000;
/// Depth of the PCT scheduler: bugs needing up to 2 forced preemptions are found with probability ≥ 1/(n·k²).
const PCT_DEPTH: usize = 3;

/// The size of one model.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// The bound, or [`UNBOUNDED`].
    capacity: usize,
    producers: usize,
    consumers: usize,
    /// Values each producer tries to send successfully.
    items: usize,
    /// Whether the producers and consumers other than number 0 are fickle (cancel, leave).
    fickle: bool,
    /// A bounded queue on the block list (the storage above 65,536) rather than the ring.
    block_list: bool,
}

/// The main models: 3 producers × 3 consumers, 3 values each, fickle tasks.
const FULL: Shape = Shape {
    capacity: 1,
    producers: 3,
    consumers: 3,
    items: 3,
    fickle: true,
    block_list: false,
};
/// A [`Shape`]'s capacity for [`Queue::unbounded`] (blocks of 3 slots under shuttle: 9 values cross two
/// block boundaries).
const UNBOUNDED: usize = usize::MAX;

/// The queue of a model of `shape`: unbounded, a ring, or a bounded block list.
fn queue_of(shape: Shape) -> Queue<Item> {
    match shape.capacity {
        UNBOUNDED => Queue::unbounded(),
        capacity if shape.block_list => Queue::on_block_list(capacity),
        capacity => Queue::new(capacity),
    }
}

/// A closer yields up to this many times before closing.
const MAX_CLOSE_YIELDS: usize = 150;
/// Probability that a fickle task leaves for good after cancelling an operation.
const LEAVE_AFTER_CANCEL: f64 = 0.75;
/// Each producer and consumer draws a pace in `0..=MAX_PACE` per execution and yields up to that many times
/// after each operation ("work"): slow consumers fill the queue, slow producers empty it.
const MAX_PACE: usize = 3;

/// A value tagged with its producer and that producer's attempt number (increasing, also across
/// cancelled attempts, so every attempt is a distinct value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Item {
    producer: usize,
    seq: usize,
}

/// What became of one send attempt, as its producer saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// The send returned `Ok`.
    Delivered,
    /// The send returned `Err(SendError(item))`, with its own item.
    Refused,
    /// The future was dropped while pending.
    Cancelled,
}

/// What one consumer received, and how many of its receives it cancelled.
#[derive(Debug, Default)]
struct Received {
    items: Vec<Item>,
    cancelled: usize,
}

std::thread_local! {
    /// Totals over the executions of one scheduler run, to show what the models exercise: sends delivered,
    /// refused and cancelled; receives cancelled. (Shuttle runs every task of an execution on the thread of
    /// the test that called it.)
    static COVERAGE: Cell<[usize; 4]> = const { Cell::new([0; 4]) };
}

async fn pause(pace: usize) {
    for _ in 0..thread_rng().gen_range(0..=pace) {
        yield_now().await;
    }
}

fn assert_within_capacity(queue: &Queue<Item>) {
    let (len, capacity) = (queue.len(), queue.capacity());
    assert!(len <= capacity, "I4: len {len} > capacity {capacity}");
}

/// Polls `future` by hand up to `polls` times with a no-op waker, yielding to the scheduler in between.
/// Returns its output if it completed; otherwise drops it (cancellation) after up to two more yields and
/// returns `None`.
async fn poll_then_drop<F: Future + Unpin>(mut future: F, polls: usize) -> Option<F::Output> {
    for poll in 0..polls {
        if poll > 0 {
            yield_now().await;
        }
        // A fresh `Context` per poll: it is not `Send`, so it must not live across the `yield_now`.
        if let Poll::Ready(output) =
            Pin::new(&mut future).poll(&mut Context::from_waker(Waker::noop()))
        {
            return Some(output);
        }
    }
    // Abandoned but not yet dropped (as a `select!` branch that lost): a wake-up arriving now is swallowed by
    // the no-op waker, and the drop must pass it on.
    for _ in 0..thread_rng().gen_range(0..=2) {
        yield_now().await;
    }
    drop(future);
    None
}

/// Producer `id`: tries until `items` sends returned `Ok` or one was refused. A fickle producer
/// cancels about half its sends and may leave after a cancellation. Returns every attempt and its fate.
async fn produce(queue: Queue<Item>, id: usize, items: usize, fickle: bool) -> Vec<(Item, Sent)> {
    let mut rng = thread_rng();
    let pace = rng.gen_range(0..=MAX_PACE);
    let mut log = Vec::new();
    let mut delivered = 0;
    let mut seq = 0;
    while delivered < items {
        let item = Item { producer: id, seq };
        seq += 1;
        let closed_before = queue.is_closed();
        let outcome = if fickle && rng.gen_bool(0.5) {
            let polls = rng.gen_range(1..=3);
            poll_then_drop(queue.send(item), polls).await
        } else {
            Some(queue.send(item).await)
        };
        assert_within_capacity(&queue);
        match outcome {
            Some(Ok(())) => {
                assert!(
                    !closed_before,
                    "I3: {item:?} was sent after the queue closed"
                );
                log.push((item, Sent::Delivered));
                delivered += 1;
            }
            Some(Err(SendError(back))) => {
                assert_eq!(back, item, "I3: a refused send gave back another value");
                assert!(queue.is_closed(), "I3: {item:?} refused by an open queue");
                log.push((item, Sent::Refused));
                break;
            }
            None => {
                log.push((item, Sent::Cancelled));
                if rng.gen_bool(LEAVE_AFTER_CANCEL) {
                    break;
                }
            }
        }
        pause(pace).await;
    }
    log
}

/// Consumer: receives until `Ok(None)` (then checks that the queue stays closed and drained), reporting each
/// value on `received`. A fickle consumer cancels about half its receives and may leave after a cancellation.
async fn consume(queue: Queue<Item>, fickle: bool, reception: mpsc::Sender<()>) -> Received {
    let mut rng = thread_rng();
    let pace = rng.gen_range(0..=MAX_PACE);
    let mut log = Received::default();
    loop {
        let outcome = if fickle && rng.gen_bool(0.5) {
            let polls = rng.gen_range(1..=3);
            poll_then_drop(queue.receive(), polls).await
        } else {
            Some(queue.receive().await)
        };
        assert_within_capacity(&queue);
        match outcome {
            Some(Ok(Some(item))) => {
                log.items.push(item);
                reception
                    .send(())
                    .expect("the main thread counts until every consumer ended");
            }
            Some(Ok(None)) => {
                assert!(queue.is_closed(), "I3: Ok(None) from an open queue");
                break;
            }
            Some(Err(error)) => panic!("receive never fails, got {error:?}"),
            None => {
                log.cancelled += 1;
                if rng.gen_bool(LEAVE_AFTER_CANCEL) {
                    return log;
                }
            }
        }
        pause(pace).await;
    }
    // Closed and drained is final.
    assert_eq!(
        queue.receive().await,
        Ok(None),
        "I3: a value after Ok(None)"
    );
    assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
    let probe = Item {
        producer: usize::MAX,
        seq: 0,
    };
    assert_eq!(queue.try_send(probe), Err(TrySendError::Closed(probe)));
    assert_eq!(
        poll_then_drop(queue.send(probe), 1).await,
        Some(Err(SendError(probe)))
    );
    assert_within_capacity(&queue);
    log
}

/// Closer: yields a random number of times, then closes. Returns whether its call closed the queue.
async fn close_later(queue: Queue<Item>) -> bool {
    for _ in 0..thread_rng().gen_range(0..=MAX_CLOSE_YIELDS) {
        yield_now().await;
    }
    let first = queue.close().is_first();
    assert!(queue.is_closed());
    let probe = Item {
        producer: usize::MAX,
        seq: 1,
    };
    assert_eq!(queue.try_send(probe), Err(TrySendError::Closed(probe)));
    assert_within_capacity(&queue);
    first
}

fn join<T>(task: JoinHandle<T>) -> T {
    block_on(task).expect("a model task failed")
}

/// The end-of-execution checks shared by both models (I2, I3, I5).
fn check_outcome(sends: &[Vec<(Item, Sent)>], receives: &[Received]) {
    let fate: BTreeMap<Item, Sent> = sends.iter().flatten().copied().collect();
    let mut times_received: BTreeMap<Item, usize> = BTreeMap::new();
    for log in receives {
        let log = &log.items;
        for item in log {
            *times_received.entry(*item).or_default() += 1;
            match fate.get(item) {
                Some(Sent::Delivered) => {}
                Some(Sent::Cancelled) => panic!("I5: the cancelled send of {item:?} delivered it"),
                Some(Sent::Refused) => panic!("I3: the refused send of {item:?} delivered it"),
                None => panic!("{item:?} was received but never sent"),
            }
        }
        // I2: per producer, the sequence numbers one consumer sees increase.
        let mut last_seen: BTreeMap<usize, usize> = BTreeMap::new();
        for item in log {
            if let Some(previous) = last_seen.insert(item.producer, item.seq) {
                assert!(
                    previous < item.seq,
                    "I2: a consumer received seq {} of producer {} after seq {previous}",
                    item.seq,
                    item.producer
                );
            }
        }
    }
    for (item, fate) in &fate {
        if *fate == Sent::Delivered {
            let times = times_received.get(item).copied().unwrap_or(0);
            assert_eq!(
                times, 1,
                "I3: {item:?} was sent once and received {times} times"
            );
        }
    }
    COVERAGE.with(|coverage| {
        let mut totals = coverage.get();
        for (_, fate) in sends.iter().flatten() {
            totals[*fate as usize] += 1;
        }
        totals[3] += receives.iter().map(|log| log.cancelled).sum::<usize>();
        coverage.set(totals);
    });
}

/// Spawns the producers and consumers (task 0 of each kind steady, the others fickle if `shape.fickle`).
#[allow(clippy::type_complexity)]
fn spawn_workers(
    queue: &Queue<Item>,
    shape: Shape,
) -> (
    Vec<JoinHandle<Vec<(Item, Sent)>>>,
    Vec<JoinHandle<Received>>,
    mpsc::Receiver<()>,
) {
    let (received, receptions) = mpsc::channel();
    let fickle = |id| shape.fickle && id != 0;
    let consumers = (0..shape.consumers)
        .map(|id| spawn(consume(queue.clone(), fickle(id), received.clone())))
        .collect();
    let producers = (0..shape.producers)
        .map(|id| spawn(produce(queue.clone(), id, shape.items, fickle(id))))
        .collect();
    (producers, consumers, receptions)
}

/// The drain model: close only once every producer finished and every delivered value was received.
fn close_after_drain(shape: Shape) {
    let queue = queue_of(shape);
    let (producers, consumers, receptions) = spawn_workers(&queue, shape);
    let sends: Vec<_> = producers.into_iter().map(join).collect();
    assert!(
        sends[0].iter().all(|(_, fate)| *fate == Sent::Delivered),
        "the steady producer's sends must all succeed before the close"
    );
    let delivered = sends
        .iter()
        .flatten()
        .filter(|(_, fate)| *fate == Sent::Delivered)
        .count();
    for _ in 0..delivered {
        // Blocks until a consumer reports a value: a lost wake-up leaves every task blocked (deadlock).
        receptions
            .recv()
            .expect("the steady consumer keeps receiving until the close");
    }
    assert!(queue.is_empty(), "every delivered value was received");
    assert!(queue.close().is_first());
    let receives: Vec<_> = consumers.into_iter().map(join).collect();
    check_outcome(&sends, &receives);
}

/// The race model: two closers close at random moments while producers send and consumers receive.
fn close_races(shape: Shape) {
    let queue = queue_of(shape);
    let closers: Vec<_> = (0..2).map(|_| spawn(close_later(queue.clone()))).collect();
    let (producers, consumers, _receptions) = spawn_workers(&queue, shape);
    let sends: Vec<_> = producers.into_iter().map(join).collect();
    let receives: Vec<_> = consumers.into_iter().map(join).collect();
    let firsts = closers.into_iter().map(join).filter(|first| *first).count();
    assert_eq!(firsts, 1, "exactly one close call closes the queue");
    assert!(queue.is_empty(), "I3: the consumers drained the queue");
    check_outcome(&sends, &receives);
}

fn close_after_drain_capacity_1() {
    close_after_drain(FULL);
}

fn close_after_drain_capacity_2() {
    close_after_drain(Shape {
        capacity: 2,
        ..FULL
    });
}

fn close_races_capacity_1() {
    close_races(FULL);
}

fn close_races_capacity_2() {
    close_races(Shape {
        capacity: 2,
        ..FULL
    });
}

fn close_after_drain_block_list_capacity_1() {
    close_after_drain(Shape {
        block_list: true,
        ..FULL
    });
}

fn close_races_block_list_capacity_2() {
    close_races(Shape {
        capacity: 2,
        block_list: true,
        ..FULL
    });
}

fn close_after_drain_unbounded() {
    close_after_drain(Shape {
        capacity: UNBOUNDED,
        ..FULL
    });
}

fn close_races_unbounded() {
    close_races(Shape {
        capacity: UNBOUNDED,
        ..FULL
    });
}

/// The reduction of the lost wake-up found by `close_after_drain_capacity_1`: 2 steady producers × 1 steady
/// consumer, 2 values each, capacity 1.
fn close_after_drain_2x1_capacity_1() {
    close_after_drain(Shape {
        capacity: 1,
        producers: 2,
        consumers: 1,
        items: 2,
        fickle: false,
        block_list: false,
    });
}

/// Sync threads beside async tasks: 2 producer threads and 1 consumer thread blocked through
/// `blocking::block_on` (parking through the facade, as the blocking calls do), 1 consumer task, capacity 1,
/// 3 values per producer, then close.
fn blocking_threads_and_tasks() {
    blocking_threads_and_tasks_on(Queue::new(1));
}

fn blocking_threads_and_tasks_block_list() {
    blocking_threads_and_tasks_on(Queue::on_block_list(1));
}

fn blocking_threads_and_tasks_unbounded() {
    blocking_threads_and_tasks_on(Queue::unbounded());
}

/// The body of the blocking models, on an empty `queue`.
fn blocking_threads_and_tasks_on(queue: Queue<Item>) {
    const PRODUCERS: usize = 2;
    const ITEMS: usize = 3;
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|producer| {
            let queue = queue.clone();
            shuttle::thread::spawn(move || {
                for seq in 0..ITEMS {
                    crate::blocking::block_on(queue.send(Item { producer, seq })).unwrap();
                }
            })
        })
        .collect();
    let consumer_thread = {
        let queue = queue.clone();
        shuttle::thread::spawn(move || {
            let mut items = Vec::new();
            while let Ok(Some(item)) = crate::blocking::block_on(queue.receive()) {
                items.push(item);
            }
            items
        })
    };
    let consumer_task = {
        let queue = queue.clone();
        spawn(async move {
            let mut items = Vec::new();
            while let Ok(Some(item)) = queue.receive().await {
                items.push(item);
            }
            items
        })
    };
    for producer in producers {
        producer.join().expect("a producer thread failed");
    }
    queue.close();
    let consumed = [consumer_thread.join().unwrap(), join(consumer_task)];
    for items in &consumed {
        for producer in 0..PRODUCERS {
            let seqs: Vec<_> = items
                .iter()
                .filter(|item| item.producer == producer)
                .collect();
            assert!(
                seqs.is_sorted(),
                "producer {producer}'s values out of order"
            );
        }
    }
    let mut all: Vec<_> = consumed.concat();
    all.sort_unstable();
    let expected: Vec<_> = (0..PRODUCERS)
        .flat_map(|producer| (0..ITEMS).map(move |seq| Item { producer, seq }))
        .collect();
    assert_eq!(all, expected, "every value received exactly once");
}

/// The channel face with handles that come and go: 3 producers (2 async tasks, 1 blocking thread) and 3
/// consumers (2 tasks, 1 blocking thread) on a capacity-1 channel. The threads use the blocking calls with a
/// timeout, which shuttle lets expire at any moment: a timed-out send's value comes back and is never received. Producers clone their `Sender` and drop the
/// clone at random moments and drop their own when done, so the channel closes when the last of them goes;
/// consumers 1 and 2 may leave early (dropping their `Receiver`). Each value is tagged; every value whose send
/// returned `Ok` must be received exactly once, in its producer's order per consumer, and a lost wake-up
/// (also one that the last sender's drop owes a waiting receiver) deadlocks.
fn channel_handles_come_and_go() {
    handles_come_and_go(channel(1));
}

/// As [`channel_handles_come_and_go`], on an unbounded channel (sends never wait; blocks are allocated and
/// freed as values come and go, while receivers race through them).
fn unbounded_channel_handles_come_and_go() {
    handles_come_and_go(unbounded_channel());
}

fn handles_come_and_go((tx, rx): (Sender<Item>, Receiver<Item>)) {
    let producers = vec![
        spawn_task(produce_on_channel(tx.clone(), 0, Wait::Async)),
        spawn_task(produce_on_channel(tx.clone(), 1, Wait::Async)),
        spawn_thread(move || block_on(produce_on_channel(tx, 2, Wait::Blocking))),
    ];
    let consumers = vec![
        spawn_task(consume_from_channel(rx.clone(), 0, Wait::Async)),
        spawn_task(consume_from_channel(rx.clone(), 1, Wait::Async)),
        spawn_thread(move || block_on(consume_from_channel(rx, 2, Wait::Blocking))),
    ];
    let delivered: Vec<Item> = producers.into_iter().flat_map(|join| join()).collect();
    let received: Vec<Vec<Item>> = consumers.into_iter().map(|join| join()).collect();
    check_delivered_once_in_order(delivered, &received);
}

/// Every value in `delivered` was received exactly once, and each consumer saw each producer's values in
/// increasing order (I2, I3).
fn check_delivered_once_in_order(mut delivered: Vec<Item>, received: &[Vec<Item>]) {
    for items in received {
        for producer in 0..3 {
            let seqs: Vec<_> = items
                .iter()
                .filter(|item| item.producer == producer)
                .collect();
            assert!(
                seqs.is_sorted(),
                "producer {producer}'s values out of order"
            );
        }
    }
    let mut all: Vec<Item> = received.concat();
    all.sort_unstable();
    delivered.sort_unstable();
    assert_eq!(
        all, delivered,
        "every delivered value received exactly once"
    );
}

/// I7 with 3 × 3 tasks on a capacity-2 channel: producer 0 sends through `reserve`, producer 1 through
/// `reserve_many(2)`, producer 2 with `send`; each now and then drops a reserve future after polling it once
/// (cancellation) or a permit unused, and a closer closes at a random moment. Checked: a permit's `send`
/// never fails, even after the close (its value is received); a reservation after the close fails; every
/// value sent is received exactly once, in each producer's order; `None` comes only once nothing is left
/// and is final.
fn permits_race_sends_and_close() {
    permits_race_sends_and_close_on(channel(2));
}

fn permits_race_sends_and_close_block_list() {
    permits_race_sends_and_close_on(crate::channel::channel_on_block_list(2));
}

fn permits_race_sends_and_close_unbounded() {
    permits_race_sends_and_close_on(unbounded_channel());
}

/// The body of the permit models, on a new channel (a capacity-2 ring or block list, or unbounded).
fn permits_race_sends_and_close_on((tx, rx): (Sender<Item>, Receiver<Item>)) {
    let producers: Vec<_> = (0..3)
        .map(|producer| {
            let tx = tx.clone();
            spawn_task(async move {
                let mut sent = Vec::new();
                let rng_says = |n: u32| thread_rng().gen_range(0..n) == 0;
                // Every value gets the next number, so each producer's values are sent in increasing order.
                let mut next = 0..;
                for _ in 0..3 {
                    let item = Item {
                        producer,
                        seq: next.next().unwrap(),
                    };
                    match producer {
                        0 | 1 if rng_says(4) => {
                            // A reserve future polled once and dropped: it must pass on any slot it was granted.
                            let reserve = Box::pin(tx.reserve());
                            let _ = poll_then_drop(reserve, 1).await;
                        }
                        0 if rng_says(4) => {
                            if let Ok(permit) = tx.reserve().await {
                                drop(permit);
                            }
                        }
                        0 => match tx.reserve().await {
                            Ok(permit) => {
                                permit.send(item);
                                sent.push(item);
                            }
                            Err(SendError(())) => assert!(tx.is_closed()),
                        },
                        1 => match tx.reserve_many(2).await {
                            Ok(mut permits) => {
                                permits.next().unwrap().send(item);
                                sent.push(item);
                                if rng_says(2) {
                                    let second = Item {
                                        producer,
                                        seq: next.next().unwrap(),
                                    };
                                    permits.next().unwrap().send(second);
                                    sent.push(second);
                                }
                            }
                            Err(SendError(())) => assert!(tx.is_closed()),
                        },
                        _ => {
                            if tx.send(item).await.is_ok() {
                                sent.push(item);
                            }
                        }
                    }
                    yield_now().await;
                }
                sent
            })
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let rx = rx.clone();
            spawn_task(async move {
                let mut got = Vec::new();
                while let Some(item) = rx.recv().await {
                    got.push(item);
                }
                assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "None is final");
                got
            })
        })
        .collect();
    drop(rx);
    let closer = spawn_closer(39, move || {
        tx.close();
        assert!(matches!(tx.try_reserve(), Err(TrySendError::Closed(()))));
    });
    let sent: Vec<Item> = producers.into_iter().flat_map(|join| join()).collect();
    closer();
    let received: Vec<Vec<Item>> = consumers.into_iter().map(|join| join()).collect();
    // Through a permit or not, every value sent is received exactly once.
    check_delivered_once_in_order(sent, &received);
}

/// The overtaking bound (I8): 4 in production, 2 in these models (see `waiters::OVERTAKES_BEFORE_HAND_OFF`).
const OVERTAKE_BOUND: usize = crate::waiters::OVERTAKES_BEFORE_HAND_OFF as usize;

/// Forwards to a task's waker and counts the wake-ups it passes on.
struct CountedWaker {
    wakes: AtomicUsize,
    task: Waker,
}

impl CountedWaker {
    fn wrap(task: &Waker) -> std::sync::Arc<Self> {
        std::sync::Arc::new(CountedWaker {
            wakes: AtomicUsize::new(0),
            task: task.clone(),
        })
    }

    fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

impl std::task::Wake for CountedWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.task.wake_by_ref();
    }
}

/// I8 under random schedules: two receivers wait for 3 values each on a capacity-1 queue while a third task
/// takes values in a loop without ever waiting. Each receive is woken in vain (woken, then finding its value
/// taken) at most [`OVERTAKE_BOUND`] times: the next wake-up hands it a value.
fn overtaken_waiters_are_handed_a_value_within_the_bound() {
    overtaken_waiters_are_handed_a_value_within_the_bound_on(Queue::new(1));
}

fn overtaken_waiters_on_a_block_list_are_handed_a_value_within_the_bound() {
    overtaken_waiters_are_handed_a_value_within_the_bound_on(Queue::on_block_list(1));
}

/// The body of the I8 models, on an empty capacity-1 `queue`.
fn overtaken_waiters_are_handed_a_value_within_the_bound_on(queue: Queue<usize>) {
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let queue = queue.clone();
            spawn_task(async move {
                for _ in 0..3 {
                    let mut receive = Box::pin(queue.receive());
                    // The waker of the last poll, which counts the wake-ups the queue gives it.
                    let mut last: Option<std::sync::Arc<CountedWaker>> = None;
                    let mut in_vain = 0;
                    let value = std::future::poll_fn(|cx| {
                        let woken = last.as_ref().is_some_and(|waker| waker.wakes() > 0);
                        let counted = CountedWaker::wrap(cx.waker());
                        let polled = receive.as_mut().poll(&mut Context::from_waker(&Waker::from(
                            std::sync::Arc::clone(&counted),
                        )));
                        // A poll after a wake-up from the queue that is still pending: woken in vain.
                        // (Polls without a wake-up, which executors may make, do not count.)
                        in_vain += usize::from(woken && polled.is_pending());
                        last = Some(counted);
                        polled
                    })
                    .await;
                    assert!(matches!(value, Ok(Some(_))));
                    assert!(
                        in_vain <= OVERTAKE_BOUND,
                        "a receive was woken in vain {in_vain} times"
                    );
                }
            })
        })
        .collect();
    let done = std::sync::Arc::new(AtomicUsize::new(0));
    let thief = {
        let (queue, done) = (queue.clone(), std::sync::Arc::clone(&done));
        spawn_task(async move {
            while done.load(Ordering::Relaxed) < 2 {
                let _ = queue.try_receive();
                yield_now().await;
            }
        })
    };
    let producer = {
        let (queue, done) = (queue.clone(), std::sync::Arc::clone(&done));
        spawn_task(async move {
            let mut value = 0;
            while done.load(Ordering::Relaxed) < 2 {
                if queue.try_send(value).is_ok() {
                    value += 1;
                }
                yield_now().await;
            }
        })
    };
    for receiver in receivers {
        receiver();
        done.fetch_add(1, Ordering::Relaxed);
    }
    thief();
    producer();
}

/// How a model's producer or consumer waits: `.await` in a task, or the blocking calls on a thread.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Async,
    Blocking,
}

/// Sends 3 values, cloning its sender at random and dropping the clone after a send; returns what it sent.
/// (`Wait::Blocking` runs on a thread, where the `.await`s below never wait: every wait is the blocking call.)
async fn produce_on_channel(tx: Sender<Item>, producer: usize, wait: Wait) -> Vec<Item> {
    let mut delivered = Vec::new();
    for seq in 0..3 {
        let extra = thread_rng().gen_bool(0.5).then(|| tx.clone());
        let item = Item { producer, seq };
        match wait {
            Wait::Async => {
                let sent = tx.send(item).await;
                assert!(sent.is_ok(), "consumer 0 stays: the channel stays open");
                delivered.push(item);
            }
            // The timed wait may time out at any moment (see `sync::park_until`): the value comes back and
            // must never be received.
            Wait::Blocking => match tx.blocking_send_timeout(item, Duration::from_millis(1)) {
                Ok(()) => delivered.push(item),
                Err(SendTimeoutError::Timeout(back)) => assert_eq!(back, item),
                Err(SendTimeoutError::Closed(_)) => {
                    panic!("consumer 0 stays: the channel stays open")
                }
            },
        }
        drop(extra);
    }
    delivered
}

/// Receives until the channel closes; consumers other than 0 leave after a random number of values.
async fn consume_from_channel(rx: Receiver<Item>, consumer: usize, wait: Wait) -> Vec<Item> {
    let leaves_after = (consumer > 0).then(|| thread_rng().gen_range(0..=3));
    let mut received = Vec::new();
    while leaves_after != Some(received.len()) {
        let next = match wait {
            Wait::Async => rx.recv().await.ok_or(RecvTimeoutError::Closed),
            Wait::Blocking => rx.blocking_recv_timeout(Duration::from_millis(1)),
        };
        match next {
            Ok(item) => received.push(item),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Closed) => break,
        }
    }
    received
}

/// Spawns `future` as a shuttle task and returns a way to join it.
fn spawn_task<R: Send + 'static>(
    future: impl Future<Output = R> + Send + 'static,
) -> Box<dyn FnOnce() -> R> {
    let task = spawn(future);
    Box::new(move || join(task))
}

/// Spawns a closer: a task that yields up to `max_yields` times (a random count each execution), then calls
/// `close`. Returns a way to join it.
fn spawn_closer(max_yields: usize, close: impl FnOnce() + Send + 'static) -> Box<dyn FnOnce()> {
    spawn_task(async move {
        for _ in 0..thread_rng().gen_range(0..=max_yields) {
            yield_now().await;
        }
        close();
    })
}

/// Runs `body` on a shuttle thread and returns a way to join it.
fn spawn_thread<R: Send + 'static>(
    body: impl FnOnce() -> R + Send + 'static,
) -> Box<dyn FnOnce() -> R> {
    let thread = shuttle::thread::spawn(body);
    Box::new(move || thread.join().expect("a model thread failed"))
}

/// Sends and batch reservations with no close while anything waits (issue 18, item 1): 3 producers send 3
/// values each, choosing at random between `send` and `reserve_many` of 2 or, where the capacity allows, 3
/// slots (one slot used after 0–2 yields, the others given back 0–2 yields later when the iterator drops);
/// 2 consumers receive with `recv`. The channel is closed only after every value was received, so a lost
/// wake-up or a slot kept by no one leaves every task blocked: shuttle reports the deadlock (I1, I7). Each
/// value arrives once, in its producer's order (I2, I3).
fn sends_and_batch_reservations_on((tx, rx): (Sender<Item>, Receiver<Item>)) {
    batch_reservations_on((tx, rx), 3, 2, 0.5);
}

/// The body of the batch-reservation models: `producers` producers, each value sent with `send` with
/// probability `plain_sends`, else through `reserve_many` (2 slots, or 3 where the capacity allows);
/// `consumers` consumers.
fn batch_reservations_on(
    (tx, rx): (Sender<Item>, Receiver<Item>),
    producers: usize,
    consumers: usize,
    plain_sends: f64,
) {
    // Batches of 2, and of 3 where the capacity allows (past 2).
    let largest = tx.capacity().map_or(3, |capacity| capacity.min(3));
    let batch = move || thread_rng().gen_range(2..=largest);
    let producers: Vec<_> = (0..producers)
        .map(|producer| {
            let tx = tx.clone();
            spawn_task(async move {
                let mut sent = Vec::new();
                for seq in 0..3 {
                    let item = Item { producer, seq };
                    if thread_rng().gen_bool(plain_sends) {
                        tx.send(item)
                            .await
                            .expect("open until every value was received");
                    } else {
                        let mut permits = tx.reserve_many(batch()).await.expect("open");
                        for _ in 0..thread_rng().gen_range(0..3) {
                            yield_now().await;
                        }
                        permits.next().unwrap().send(item);
                        for _ in 0..thread_rng().gen_range(0..3) {
                            yield_now().await;
                        }
                        drop(permits);
                    }
                    sent.push(item);
                }
                sent
            })
        })
        .collect();
    let (reception, receptions) = mpsc::channel();
    let consumers: Vec<_> = (0..consumers)
        .map(|_| {
            let (rx, reception) = (rx.clone(), reception.clone());
            spawn_task(async move {
                let mut got = Vec::new();
                while let Some(item) = rx.recv().await {
                    got.push(item);
                    reception.send(()).unwrap();
                }
                got
            })
        })
        .collect();
    drop(rx);
    let sent: Vec<Item> = producers.into_iter().flat_map(|join| join()).collect();
    for _ in 0..sent.len() {
        // Blocks until a consumer reports a value: a lost wake-up leaves every task blocked (deadlock).
        receptions
            .recv()
            .expect("the consumers keep receiving until the close");
    }
    assert_eq!(tx.len(), 0);
    drop(tx);
    let received: Vec<Vec<Item>> = consumers.into_iter().map(|join| join()).collect();
    check_delivered_once_in_order(sent, &received);
}

/// Reduced: 3 producers that only reserve batches of 2, 1 consumer, capacity 2 (two batches that each hold
/// one slot wait for each other forever).
fn batch_reservations_3x1_capacity_2() {
    batch_reservations_on(channel(2), 3, 1, 0.0);
}

fn sends_and_batch_reservations_capacity_2() {
    sends_and_batch_reservations_on(channel(2));
}

fn sends_and_batch_reservations_capacity_4() {
    sends_and_batch_reservations_on(channel(4));
}

fn sends_and_batch_reservations_block_list_capacity_3() {
    sends_and_batch_reservations_on(crate::channel::channel_on_block_list(3));
}

/// `receive_many` consumers with waiting senders (I1: each value it takes frees a slot a waiting sender is
/// told of, not only the first): `producers` steady producers send 3 values each with `send`, `consumers`
/// consumers take batches of 1 to 3 (a fickle one drops its batch future after a poll now and then, I5).
/// Without `closes`, the queue is closed only once every value was received, so a lost wake-up deadlocks;
/// with it, a closer closes at a random moment and refused producers stop. Each value sent arrives once, in
/// its producer's order.
fn receive_many_on(queue: Queue<Item>, producers: usize, consumers: usize, closes: bool) {
    let producer_tasks: Vec<_> = (0..producers)
        .map(|producer| {
            let queue = queue.clone();
            spawn_task(async move {
                let mut sent = Vec::new();
                for seq in 0..3 {
                    let item = Item { producer, seq };
                    if queue.send(item).await.is_err() {
                        assert!(closes, "open until every value was received");
                        break;
                    }
                    sent.push(item);
                }
                sent
            })
        })
        .collect();
    let (reception, receptions) = mpsc::channel();
    let consumer_tasks: Vec<_> = (0..consumers)
        .map(|consumer| {
            let (queue, reception) = (queue.clone(), reception.clone());
            spawn_task(async move {
                let mut got = Vec::new();
                loop {
                    let mut batch = Vec::new();
                    // Batches of 1 to 3: past the capacity of 2 and up to that of 3.
                    let limit = thread_rng().gen_range(1..=3);
                    let taken = if consumer > 0 && thread_rng().gen_bool(0.25) {
                        // A batch future polled once and dropped: it takes nothing it does not return.
                        let future = Box::pin(queue.receive_many(&mut batch, limit));
                        match poll_then_drop(future, 1).await {
                            Some(taken) => taken,
                            None => continue,
                        }
                    } else {
                        queue.receive_many(&mut batch, limit).await
                    };
                    if taken == 0 {
                        break;
                    }
                    assert_eq!(taken, batch.len());
                    assert!(taken <= limit, "a batch holds at most its limit");
                    for item in batch {
                        got.push(item);
                        reception.send(()).unwrap();
                    }
                }
                got
            })
        })
        .collect();
    let closer = closes.then(|| {
        let queue = queue.clone();
        spawn_closer(39, move || {
            queue.close();
        })
    });
    let sent: Vec<Item> = producer_tasks.into_iter().flat_map(|join| join()).collect();
    if let Some(closer) = closer {
        closer();
    } else {
        for _ in 0..sent.len() {
            receptions
                .recv()
                .expect("the consumers keep receiving until the close");
        }
        assert!(queue.close().is_first());
    }
    let received: Vec<Vec<Item>> = consumer_tasks.into_iter().map(|join| join()).collect();
    check_delivered_once_in_order(sent, &received);
}

fn receive_many_2x1_capacity_1() {
    receive_many_on(Queue::new(1), 2, 1, false);
}

fn receive_many_3x3_capacity_2() {
    receive_many_on(Queue::new(2), 3, 3, false);
}

fn receive_many_3x3_block_list_capacity_2() {
    receive_many_on(Queue::on_block_list(2), 3, 3, false);
}

fn receive_many_3x3_unbounded() {
    receive_many_on(Queue::unbounded(), 3, 3, false);
}

fn receive_many_close_races_capacity_3() {
    receive_many_on(Queue::new(3), 3, 3, true);
}

fn receive_many_close_races_unbounded() {
    receive_many_on(Queue::unbounded(), 3, 3, true);
}

/// The sink (`Sender::into_sink`: `poll_ready` waits for a slot and holds it, `start_send` fills it) racing
/// receivers, cancellations and, with `closes`, a close. Producers 0 and 1 send 3 values each through a
/// `SendSink`, each value at random with `SinkExt::send`, with a `send` future polled by hand and dropped (the
/// value goes with it; the sink keeps its place in line and polls again with a new waker), or by hand:
/// `poll_ready`, a few yields, `start_send`. Then each closes its sink or drops it, half the time after one
/// more `poll_ready` polled once, so it holds a slot or waits for one as it goes. Producer 2 sends with `send`.
/// Consumers 0 and 1 receive with `recv`, consumer 2 through the `Stream`.
///
/// Without `closes`, the channel closes only once every value was received and every slot is counted back
/// (`try_reserve_many(capacity)` succeeds), so a lost wake-up deadlocks and a slot a sink kept fails the
/// count (I1, I7). With `closes`, a closer closes at a random moment: a sink's `poll_ready` then fails, and a
/// slot it held still becomes a value or goes back (I3, I7). Either way each value sent is received exactly
/// once, in its producer's order (I2, I3).
fn sink_races_receivers_cancels_and_close_on(
    (tx, rx): (Sender<Item>, Receiver<Item>),
    closes: bool,
) {
    use futures::{Sink, SinkExt, StreamExt};
    let sinks = (0..2).map(|producer| {
        let mut sink = tx.clone().into_sink();
        spawn_task(async move {
            let mut sent = Vec::new();
            for seq in 0..3 {
                let item = Item { producer, seq };
                let outcome = match thread_rng().gen_range(0..3) {
                    0 => Some(sink.send(item).await),
                    1 => poll_then_drop(sink.send(item), thread_rng().gen_range(1..=2)).await,
                    _ => {
                        match std::future::poll_fn(|cx| Pin::new(&mut sink).poll_ready(cx)).await {
                            Ok(()) => {
                                for _ in 0..thread_rng().gen_range(0..3) {
                                    yield_now().await;
                                }
                                Some(Pin::new(&mut sink).start_send(item))
                            }
                            Err(refused) => Some(Err(refused)),
                        }
                    }
                };
                match outcome {
                    Some(Ok(())) => sent.push(item),
                    Some(Err(SendError(()))) => {
                        assert!(closes, "nothing closes the channel while the sinks send");
                        let sender = sink.get_ref().expect("the sink is open");
                        assert!(
                            sender.is_closed(),
                            "a sink fails only once the channel is closed"
                        );
                        break;
                    }
                    // Cancelled while waiting for a slot: the value was dropped with the future.
                    None => {}
                }
            }
            if thread_rng().gen_bool(0.5) {
                // One more slot, polled once: held (ready) or waited for (a registration) as the sink goes.
                let ready = std::future::poll_fn(|cx| Pin::new(&mut sink).poll_ready(cx));
                let _ = poll_then_drop(ready, 1).await;
            }
            if thread_rng().gen_bool(0.5) {
                sink.close().await.expect("closing a sink cannot fail");
                assert!(sink.get_ref().is_none(), "a closed sink drops its sender");
            }
            drop(sink);
            sent
        })
    });
    let plain = {
        let tx = tx.clone();
        spawn_task(async move {
            let mut sent = Vec::new();
            for seq in 0..3 {
                let item = Item { producer: 2, seq };
                if tx.send(item).await.is_err() {
                    assert!(
                        closes,
                        "nothing closes the channel while the producers send"
                    );
                    break;
                }
                sent.push(item);
            }
            sent
        })
    };
    let producers: Vec<_> = sinks.chain([plain]).collect();
    let (reception, receptions) = mpsc::channel();
    let consumers: Vec<_> = (0..3)
        .map(|consumer| {
            let (rx, reception) = (rx.clone(), reception.clone());
            spawn_task(async move {
                let mut got = Vec::new();
                loop {
                    let next = if consumer == 2 {
                        rx.stream().next().await
                    } else {
                        rx.recv().await
                    };
                    let Some(item) = next else { break };
                    got.push(item);
                    reception.send(()).unwrap();
                }
                got
            })
        })
        .collect();
    drop(rx);
    let closer = closes.then(|| {
        let tx = tx.clone();
        spawn_closer(39, move || {
            tx.close();
        })
    });
    let sent: Vec<Item> = producers.into_iter().flat_map(|join| join()).collect();
    if let Some(closer) = closer {
        closer();
    } else {
        for _ in 0..sent.len() {
            // Blocks until a consumer reports a value: a lost wake-up leaves every task blocked (deadlock).
            receptions
                .recv()
                .expect("the consumers keep receiving until the close");
        }
        // Every slot is back: the sinks gave up what they held or waited for as they closed or dropped.
        assert_eq!(tx.len(), 0);
        if let Some(capacity) = tx.capacity() {
            let every_slot = tx.try_reserve_many(capacity);
            assert!(every_slot.is_ok(), "a slot was kept by no one");
        }
    }
    drop(tx);
    let received: Vec<Vec<Item>> = consumers.into_iter().map(|join| join()).collect();
    check_delivered_once_in_order(sent, &received);
}

fn sink_3x3_capacity_3() {
    sink_races_receivers_cancels_and_close_on(channel(3), false);
}

fn sink_3x3_block_list_capacity_3() {
    sink_races_receivers_cancels_and_close_on(crate::channel::channel_on_block_list(3), false);
}

fn sink_3x3_unbounded() {
    sink_races_receivers_cancels_and_close_on(unbounded_channel(), false);
}

fn sink_close_races_capacity_3() {
    sink_races_receivers_cancels_and_close_on(channel(3), true);
}

fn sink_close_races_unbounded() {
    sink_races_receivers_cancels_and_close_on(unbounded_channel(), true);
}

/// How the channel of a `closed()` model closes.
#[derive(Debug, Clone, Copy)]
enum Ending {
    /// A task calls `close` at a random moment.
    Explicit,
    /// The receivers leave after 0 or 1 value each; the last one's drop closes the channel.
    ReceiversLeave,
    /// The producers drop their senders when done; the last one's drop closes the channel.
    SendersLeave,
}

/// The `closed()` futures of both sides racing the close, the other side and cancellations. Each execution
/// draws how the channel ends (`Ending`). A producer sends 3 values and 2 consumers receive; 2 tasks per side
/// that can see the end (senders' `closed()` for a close or the receivers leaving, receivers' `closed()` for a
/// close or the senders leaving) each await `closed()`, one of them after a first `closed()` polled by hand
/// and dropped (a cancellation; its registration must go). Every task must finish: a `closed()` future that
/// misses the close is a deadlock (I1, I6). What the consumers received was sent once, in order (I2, I3);
/// the wait lists count every registration back when the channel is dropped.
fn closed_futures_race_the_close_on((tx, rx): (Sender<Item>, Receiver<Item>)) {
    let ending = match thread_rng().gen_range(0..3) {
        0 => Ending::Explicit,
        1 => Ending::ReceiversLeave,
        _ => Ending::SendersLeave,
    };
    let mut tasks: Vec<Box<dyn FnOnce()>> = Vec::new();
    // The senders' side sees a close, or every receiver gone.
    if !matches!(ending, Ending::SendersLeave) {
        for fickle in [false, true] {
            let tx = tx.clone();
            tasks.push(spawn_task(async move {
                if fickle {
                    let first = tx.closed();
                    let _ = poll_then_drop(Box::pin(first), thread_rng().gen_range(1..=2)).await;
                }
                tx.closed().await;
                assert!(
                    tx.is_closed(),
                    "closed() ends only once the channel is closed"
                );
            }));
        }
    }
    // The receivers' side sees a close, or every sender gone.
    if !matches!(ending, Ending::ReceiversLeave) {
        for fickle in [false, true] {
            let rx = rx.clone();
            tasks.push(spawn_task(async move {
                if fickle {
                    let first = rx.closed();
                    let _ = poll_then_drop(Box::pin(first), thread_rng().gen_range(1..=2)).await;
                }
                rx.closed().await;
                assert!(
                    rx.is_closed(),
                    "closed() ends only once the channel is closed"
                );
            }));
        }
    }
    let producer = {
        let tx = tx.clone();
        spawn_task(async move {
            let mut sent = Vec::new();
            for seq in 0..3 {
                let item = Item { producer: 0, seq };
                if tx.send(item).await.is_err() {
                    assert!(
                        !matches!(ending, Ending::SendersLeave),
                        "the senders close nothing before they leave"
                    );
                    break;
                }
                sent.push(item);
            }
            sent
        })
    };
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            let leaves_after = match ending {
                // At most 2 of the 3 values in all: the senders' `closed()` tasks keep the channel open, so a
                // consumer waiting for a value never sent would wait for good.
                Ending::ReceiversLeave => Some(thread_rng().gen_range(0..=1)),
                _ => None,
            };
            spawn_task(async move {
                let mut got = Vec::new();
                while leaves_after != Some(got.len()) {
                    match rx.recv().await {
                        Some(item) => got.push(item),
                        None => break,
                    }
                }
                got
            })
        })
        .collect();
    drop(rx);
    let closer = matches!(ending, Ending::Explicit).then(|| {
        let tx = tx.clone();
        spawn_closer(19, move || {
            tx.close();
        })
    });
    // The model's own sender must not keep the channel open: only the tasks' handles decide the end.
    let weak = tx.downgrade();
    drop(tx);
    let sent = producer();
    if let Some(closer) = closer {
        closer();
    }
    let received: Vec<Vec<Item>> = consumers.into_iter().map(|join| join()).collect();
    for task in tasks {
        task();
    }
    let delivered_at_most: Vec<Item> = received.concat();
    for item in &delivered_at_most {
        assert!(sent.contains(item), "a received value was sent");
    }
    if !matches!(ending, Ending::ReceiversLeave) {
        // Nobody left early: every value sent was received, once and in order.
        check_delivered_once_in_order(sent, &received);
    }
    drop(weak);
}

fn closed_futures_capacity_2() {
    closed_futures_race_the_close_on(channel(2));
}

fn closed_futures_unbounded() {
    closed_futures_race_the_close_on(unbounded_channel());
}

/// Every model by name, for [`replay_failing_schedule`].
const MODELS: [(&str, fn()); 36] = [
    (
        "batch_reservations_3x1_capacity_2",
        batch_reservations_3x1_capacity_2,
    ),
    ("close_after_drain_capacity_1", close_after_drain_capacity_1),
    ("close_after_drain_capacity_2", close_after_drain_capacity_2),
    ("close_races_capacity_1", close_races_capacity_1),
    ("close_races_capacity_2", close_races_capacity_2),
    (
        "close_after_drain_2x1_capacity_1",
        close_after_drain_2x1_capacity_1,
    ),
    ("blocking_threads_and_tasks", blocking_threads_and_tasks),
    ("channel_handles_come_and_go", channel_handles_come_and_go),
    ("permits_race_sends_and_close", permits_race_sends_and_close),
    (
        "overtaken_waiters_are_handed_a_value_within_the_bound",
        overtaken_waiters_are_handed_a_value_within_the_bound,
    ),
    ("close_after_drain_unbounded", close_after_drain_unbounded),
    (
        "close_after_drain_block_list_capacity_1",
        close_after_drain_block_list_capacity_1,
    ),
    (
        "close_races_block_list_capacity_2",
        close_races_block_list_capacity_2,
    ),
    ("close_races_unbounded", close_races_unbounded),
    (
        "unbounded_channel_handles_come_and_go",
        unbounded_channel_handles_come_and_go,
    ),
    (
        "blocking_threads_and_tasks_block_list",
        blocking_threads_and_tasks_block_list,
    ),
    (
        "blocking_threads_and_tasks_unbounded",
        blocking_threads_and_tasks_unbounded,
    ),
    (
        "permits_race_sends_and_close_block_list",
        permits_race_sends_and_close_block_list,
    ),
    (
        "permits_race_sends_and_close_unbounded",
        permits_race_sends_and_close_unbounded,
    ),
    (
        "overtaken_waiters_on_a_block_list_are_handed_a_value_within_the_bound",
        overtaken_waiters_on_a_block_list_are_handed_a_value_within_the_bound,
    ),
    (
        "sends_and_batch_reservations_capacity_2",
        sends_and_batch_reservations_capacity_2,
    ),
    (
        "sends_and_batch_reservations_capacity_4",
        sends_and_batch_reservations_capacity_4,
    ),
    (
        "sends_and_batch_reservations_block_list_capacity_3",
        sends_and_batch_reservations_block_list_capacity_3,
    ),
    ("receive_many_2x1_capacity_1", receive_many_2x1_capacity_1),
    ("receive_many_3x3_capacity_2", receive_many_3x3_capacity_2),
    (
        "receive_many_3x3_block_list_capacity_2",
        receive_many_3x3_block_list_capacity_2,
    ),
    ("receive_many_3x3_unbounded", receive_many_3x3_unbounded),
    ("sink_3x3_capacity_3", sink_3x3_capacity_3),
    (
        "sink_3x3_block_list_capacity_3",
        sink_3x3_block_list_capacity_3,
    ),
    ("sink_3x3_unbounded", sink_3x3_unbounded),
    ("sink_close_races_capacity_3", sink_close_races_capacity_3),
    ("sink_close_races_unbounded", sink_close_races_unbounded),
    ("closed_futures_capacity_2", closed_futures_capacity_2),
    ("closed_futures_unbounded", closed_futures_unbounded),
    (
        "receive_many_close_races_capacity_3",
        receive_many_close_races_capacity_3,
    ),
    (
        "receive_many_close_races_unbounded",
        receive_many_close_races_unbounded,
    ),
];

fn iterations() -> usize {
    std::env::var("SHUTTLE_ITERATIONS")
        .ok()
        .map(|n| n.parse().expect("SHUTTLE_ITERATIONS must be a number"))
        .unwrap_or(DEFAULT_ITERATIONS)
}

/// Runs `model` under `check_random` then `check_pct`, reporting name, scheduler, iterations, wall time and how
/// often each coverage probe of the production code fired (`src/probe.rs`) on stderr (not captured by the
/// test harness), and on failure the iteration that failed. Fails unless every probe in `covers` (the
/// branches the model is about) fired under each scheduler.
fn check(name: &str, covers: &[&str], model: fn()) {
    check_scaled(name, covers, model, 1);
}

/// [`check`] with `scale` times the iterations (for the small, cheap models).
fn check_scaled(name: &str, covers: &[&str], model: fn(), scale: usize) {
    let iterations = iterations() * scale;
    let only = std::env::var("SHUTTLE_SCHEDULER").unwrap_or_default();
    for pct in [false, true] {
        if !only.is_empty() && only != if pct { "pct" } else { "random" } {
            continue;
        }
        let scheduler = if pct {
            format!("check_pct(depth {PCT_DEPTH})")
        } else {
            "check_random".to_owned()
        };
        let executions = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&executions);
        let counted = move || {
            counter.fetch_add(1, Ordering::Relaxed);
            model();
        };
        COVERAGE.with(|coverage| coverage.set([0; 4]));
        crate::probe::take();
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            if pct {
                shuttle::check_pct(counted, iterations, PCT_DEPTH);
            } else {
                shuttle::check_random(counted, iterations);
            }
        }));
        let seconds = started.elapsed().as_secs_f64();
        let executions = executions.load(Ordering::Relaxed);
        let coverage = match COVERAGE.with(Cell::get) {
            // Only the producer/consumer models count their operations.
            [0, 0, 0, 0] => String::new(),
            [delivered, refused, cancelled, receives_cancelled] => format!(
                " (sends: {delivered} delivered, {refused} refused, {cancelled} cancelled; \
                 {receives_cancelled} receives cancelled)"
            ),
        };
        let probes = crate::probe::take();
        let covered = crate::probe::covered(&probes);
        let _ = match &result {
            Ok(()) => writeln!(
                std::io::stderr(),
                "shuttle model {name}: {scheduler}, {executions} iterations, {seconds:.2} s{coverage}, \
                 covered: {covered}"
            ),
            Err(_) => writeln!(
                std::io::stderr(),
                "shuttle model {name}: {scheduler}, FAILED at iteration {executions} of {iterations}, \
                 after {seconds:.2} s"
            ),
        };
        if let Err(panic) = result {
            resume_unwind(panic);
        }
        let missed = crate::probe::missed(covers, &probes);
        assert!(
            missed.is_empty(),
            "shuttle model {name} ({scheduler}) never reached {missed:?}: it does not explore what it names"
        );
    }
}

/// I1 no lost wake-up (a lost one deadlocks: nothing else wakes a task before the close), I2 per-producer
/// FIFO, I3 exactly-once delivery and `Ok(None)` is final, I4 `len() <= capacity()`, I5 cancelled sends deliver
/// nothing and cancelled receives take nothing nor strand a waiter; 3 producers × 3 consumers, capacity 1.
#[test]
fn close_after_drain_capacity_1_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check(
        "close_after_drain_capacity_1",
        &[
            "send.waits",
            "receive.waits",
            "leave.receiver_passed_on_a_wakeup",
            "leave.sender_passed_on_a_wakeup",
        ],
        close_after_drain_capacity_1,
    );
}

/// As [`close_after_drain_capacity_1_loses_no_wakeup_and_delivers_exactly_once_in_order`], capacity 2 (a
/// slot can be freed while another is being filled).
#[test]
fn close_after_drain_capacity_2_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check(
        "close_after_drain_capacity_2",
        &[
            "send.waits",
            "receive.waits",
            "leave.sender_passed_on_a_wakeup",
        ],
        close_after_drain_capacity_2,
    );
}

/// I3 under a racing close: no send succeeds after `close` was observed, refused sends give back their own
/// value, everything delivered is received exactly once before `Ok(None)`, which is final, and exactly one
/// `close` is first; with I1 (no task hangs), I2, I4 and I5 as in the drain model. Capacity 1.
#[test]
fn close_races_capacity_1_refuses_later_sends_and_drains_exactly_once() {
    check(
        "close_races_capacity_1",
        &["close.woke_receivers", "close.woke_senders"],
        close_races_capacity_1,
    );
}

/// As [`close_races_capacity_1_refuses_later_sends_and_drains_exactly_once`], capacity 2.
#[test]
fn close_races_capacity_2_refuses_later_sends_and_drains_exactly_once() {
    check(
        "close_races_capacity_2",
        &["close.woke_receivers", "close.woke_senders"],
        close_races_capacity_2,
    );
}

/// I1 no lost wake-up, reduced: 2 steady producers × 1 steady consumer, 2 values each, capacity 1. A waiter
/// whose re-check succeeds while it is still registered, and is notified before it deregisters, must not
/// swallow that wake-up (found by `close_after_drain_capacity_1`; see `verification/README.md`).
#[test]
fn close_after_drain_2x1_capacity_1_loses_no_wakeup() {
    // An execution costs a tenth of a 3 × 3 one: run ten times as many.
    check_scaled(
        "close_after_drain_2x1_capacity_1",
        &["send.waits", "pop.served_senders"],
        close_after_drain_2x1_capacity_1,
        10,
    );
}

/// I1 to I5 as `close_after_drain_capacity_2`, with one wake-up per freed unit (the rule of a multi-thread
/// runtime and of blocked threads; every other model here keeps one notification out per side).
#[test]
fn close_after_drain_capacity_2_unthrottled_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check_unthrottled(
        "close_after_drain_capacity_2_unthrottled",
        &["send.waits", "receive.waits", "waiters.notified"],
        close_after_drain_capacity_2,
    );
}

/// [`check`] with one wake-up per freed unit (the rule of a multi-thread runtime and of blocked threads: a
/// notified waiter's node is freed at once and its future comes back without the lock), where the other
/// models keep one notification out per side; the model must reach both branches.
fn check_unthrottled(name: &str, covers: &[&str], model: fn()) {
    crate::coop::models::limit_notifications(usize::MAX);
    let covers: Vec<&str> = covers
        .iter()
        .copied()
        .chain([
            "waiters.notified_without_a_node",
            "waiters.came_back_without_the_lock",
        ])
        .collect();
    let result = catch_unwind(AssertUnwindSafe(|| check(name, &covers, model)));
    crate::coop::models::limit_notifications(1);
    if let Err(panic) = result {
        resume_unwind(panic);
    }
}

/// As [`close_races_capacity_2_refuses_later_sends_and_drains_exactly_once`], unthrottled.
#[test]
fn close_races_capacity_2_unthrottled_refuses_later_sends_and_drains_exactly_once() {
    check_unthrottled(
        "close_races_capacity_2_unthrottled",
        &["close.woke_receivers", "close.woke_senders"],
        close_races_capacity_2,
    );
}

/// As [`permits_race_sends_and_close_deliver_exactly_once_in_order`], unthrottled.
#[test]
fn permits_race_sends_and_close_unthrottled_deliver_exactly_once_in_order() {
    check_unthrottled(
        "permits_race_sends_and_close_unthrottled",
        &[
            "reserve.waits",
            "reserve_many.waits",
            "release.reservations",
        ],
        permits_race_sends_and_close,
    );
}

/// As [`overtaken_waiters_are_handed_a_value_within_the_bound_of_overtakes`], unthrottled.
#[test]
fn overtaken_waiters_unthrottled_are_handed_a_value_within_the_bound_of_overtakes() {
    check_unthrottled(
        "overtaken_waiters_are_handed_a_value_within_the_bound_unthrottled",
        &["waiters.overtaken", "waiters.hand_off_granted"],
        overtaken_waiters_are_handed_a_value_within_the_bound,
    );
}

/// As [`sends_and_batch_reservations_capacity_4_lose_no_wakeup_and_keep_no_slot`], unthrottled.
#[test]
fn sends_and_batch_reservations_capacity_4_unthrottled_lose_no_wakeup_and_keep_no_slot() {
    check_unthrottled(
        "sends_and_batch_reservations_capacity_4_unthrottled",
        &["reserve_many.waits", "release.reservations"],
        sends_and_batch_reservations_capacity_4,
    );
}

/// As [`receive_many_3x3_capacity_2_loses_no_wakeup_and_delivers_exactly_once_in_order`], unthrottled.
#[test]
fn receive_many_3x3_capacity_2_unthrottled_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check_unthrottled(
        "receive_many_3x3_capacity_2_unthrottled",
        &["receive_many.took_another", "send.waits", "receive.waits"],
        receive_many_3x3_capacity_2,
    );
}

/// I1, I2 and I3 for sync threads: threads blocked in sends and receives are unparked (a lost unpark
/// deadlocks), each consumer sees each producer's values in order, and every value arrives exactly once.
#[test]
fn blocking_threads_and_tasks_lose_no_wakeup_and_deliver_exactly_once_in_order() {
    check(
        "blocking_threads_and_tasks",
        &["blocking.parked", "send.waits", "receive.waits"],
        blocking_threads_and_tasks,
    );
}

/// I6 disconnection with I1, I2, I3: handles cloned and dropped at random, blocking threads beside tasks,
/// consumers leaving early; the last sender's drop ends every consumer.
#[test]
fn channel_handles_come_and_go_lose_no_wakeup_and_deliver_exactly_once_in_order() {
    check(
        "channel_handles_come_and_go",
        &["handles.last_sender_closed", "blocking.parked"],
        channel_handles_come_and_go,
    );
}

/// I1–I5 on the unbounded flavour, as [`close_after_drain_capacity_1_loses_no_wakeup_and_delivers_exactly_once_in_order`]:
/// the values cross block boundaries while consumers race through them (I9: a block is freed only once
/// every value in it was read).
#[test]
fn close_after_drain_unbounded_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check(
        "close_after_drain_unbounded",
        &[
            "receive.waits",
            "list.push_installed_the_next_block",
            "list.block_reused",
        ],
        close_after_drain_unbounded,
    );
}

/// I1–I5 on a bounded block list (the storage above a capacity of 65,536), capacity 1, blocks of 3: senders
/// wait, are woken by receives and overtaken as on the ring.
#[test]
fn close_after_drain_block_list_capacity_1_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check(
        "close_after_drain_block_list_capacity_1",
        &["send.waits", "list.block_reused"],
        close_after_drain_block_list_capacity_1,
    );
}

/// I3 under a racing close on a bounded block list, capacity 2.
#[test]
fn close_races_block_list_capacity_2_refuses_later_sends_and_drains_exactly_once() {
    check(
        "close_races_block_list_capacity_2",
        &["close.woke_receivers", "close.woke_senders"],
        close_races_block_list_capacity_2,
    );
}

/// I3 under a racing close on the unbounded flavour, as
/// [`close_races_capacity_1_refuses_later_sends_and_drains_exactly_once`].
#[test]
fn close_races_unbounded_refuses_later_sends_and_drains_exactly_once() {
    check(
        "close_races_unbounded",
        &["close.woke_receivers", "list.push_installed_the_next_block"],
        close_races_unbounded,
    );
}

/// I6 on an unbounded channel, as [`channel_handles_come_and_go_lose_no_wakeup_and_deliver_exactly_once_in_order`].
#[test]
fn unbounded_channel_handles_come_and_go_lose_no_wakeup_and_deliver_exactly_once_in_order() {
    check(
        "unbounded_channel_handles_come_and_go",
        &["handles.last_sender_closed", "list.block_reused"],
        unbounded_channel_handles_come_and_go,
    );
}

/// I7: permits (`reserve`, `reserve_many`, dropped reserve futures and permits) racing plain sends and a
/// close on a capacity-2 channel, 3 producers × 3 consumers.
#[test]
fn permits_race_sends_and_close_deliver_exactly_once_in_order() {
    check(
        "permits_race_sends_and_close",
        &[
            "reserve.waits",
            "reserve_many.waits",
            "release.reservations",
        ],
        permits_race_sends_and_close,
    );
}

/// I8: a waiting receiver is woken in vain at most the stated bound of times per receive.
#[test]
fn overtaken_waiters_are_handed_a_value_within_the_bound_of_overtakes() {
    check(
        "overtaken_waiters_are_handed_a_value_within_the_bound",
        &["waiters.overtaken"],
        overtaken_waiters_are_handed_a_value_within_the_bound,
    );
}

/// I1, I2, I3 for sync threads on a bounded block list (capacity 1).
#[test]
fn blocking_threads_and_tasks_on_a_block_list_lose_no_wakeup_and_deliver_exactly_once_in_order() {
    check(
        "blocking_threads_and_tasks_block_list",
        &["blocking.parked", "send.waits"],
        blocking_threads_and_tasks_block_list,
    );
}

/// I1, I2, I3 for sync threads on the unbounded flavour (only receivers wait).
#[test]
fn blocking_threads_and_tasks_unbounded_lose_no_wakeup_and_deliver_exactly_once_in_order() {
    check(
        "blocking_threads_and_tasks_unbounded",
        &["blocking.parked", "receive.waits"],
        blocking_threads_and_tasks_unbounded,
    );
}

/// I7 on a bounded block list of capacity 2, as [`permits_race_sends_and_close_deliver_exactly_once_in_order`].
#[test]
fn permits_race_sends_and_close_on_a_block_list_deliver_exactly_once_in_order() {
    check(
        "permits_race_sends_and_close_block_list",
        &[
            "reserve.waits",
            "reserve_many.waits",
            "release.reservations",
        ],
        permits_race_sends_and_close_block_list,
    );
}

/// I7 on the unbounded flavour (a reservation never waits there; permits still race the close).
#[test]
fn permits_race_sends_and_close_unbounded_deliver_exactly_once_in_order() {
    check(
        "permits_race_sends_and_close_unbounded",
        &["release.reservations", "receive.waits"],
        permits_race_sends_and_close_unbounded,
    );
}

/// I8 on a bounded block list of capacity 1.
#[test]
fn overtaken_waiters_on_a_block_list_are_handed_a_value_within_the_bound_of_overtakes() {
    check(
        "overtaken_waiters_on_a_block_list_are_handed_a_value_within_the_bound",
        &["waiters.overtaken"],
        overtaken_waiters_on_a_block_list_are_handed_a_value_within_the_bound,
    );
}

/// I1 + I7 with no close while anything waits (issue 18's hang): `send` and `reserve_many(2)` with permits
/// held across yields, 3 producers × 2 consumers, capacity 2.
#[test]
fn sends_and_batch_reservations_capacity_2_lose_no_wakeup_and_keep_no_slot() {
    check(
        "sends_and_batch_reservations_capacity_2",
        &["reserve_many.waits", "send.waits", "release.reservations"],
        sends_and_batch_reservations_capacity_2,
    );
}

/// I1 + I7, reduced: three producers reserving batches of 2 on a capacity-2 channel: a hand-off never leaves
/// each batch holding one slot.
#[test]
fn batch_reservations_3x1_capacity_2_never_split_the_capacity() {
    check_scaled(
        "batch_reservations_3x1_capacity_2",
        &["reserve_many.waits", "waiters.hand_off_granted"],
        batch_reservations_3x1_capacity_2,
        3,
    );
}

/// As [`sends_and_batch_reservations_capacity_2_lose_no_wakeup_and_keep_no_slot`], capacity 4 (the
/// capacity of the race that hung).
#[test]
fn sends_and_batch_reservations_capacity_4_lose_no_wakeup_and_keep_no_slot() {
    check(
        "sends_and_batch_reservations_capacity_4",
        &["reserve_many.waits", "release.reservations"],
        sends_and_batch_reservations_capacity_4,
    );
}

/// As [`sends_and_batch_reservations_capacity_2_lose_no_wakeup_and_keep_no_slot`] on a bounded block list
/// of capacity 3.
#[test]
fn sends_and_batch_reservations_on_a_block_list_lose_no_wakeup_and_keep_no_slot() {
    check(
        "sends_and_batch_reservations_block_list_capacity_3",
        &["reserve_many.waits", "release.reservations"],
        sends_and_batch_reservations_block_list_capacity_3,
    );
}

/// I1 for `receive_many`, reduced: 2 producers × 1 batch consumer, capacity 1.
#[test]
fn receive_many_2x1_capacity_1_loses_no_wakeup() {
    check_scaled(
        "receive_many_2x1_capacity_1",
        &["send.waits", "pop.served_senders"],
        receive_many_2x1_capacity_1,
        3,
    );
}

/// I1, I2, I3, I5 for `receive_many`: 3 producers × 3 batch consumers (two of them cancel), capacity 2.
#[test]
fn receive_many_3x3_capacity_2_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check(
        "receive_many_3x3_capacity_2",
        &["receive_many.took_another", "send.waits", "receive.waits"],
        receive_many_3x3_capacity_2,
    );
}

/// As [`receive_many_3x3_capacity_2_loses_no_wakeup_and_delivers_exactly_once_in_order`] on a bounded block
/// list of capacity 2.
#[test]
fn receive_many_3x3_on_a_block_list_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check(
        "receive_many_3x3_block_list_capacity_2",
        &["receive_many.took_another", "send.waits"],
        receive_many_3x3_block_list_capacity_2,
    );
}

/// As [`receive_many_3x3_capacity_2_loses_no_wakeup_and_delivers_exactly_once_in_order`], unbounded.
#[test]
fn receive_many_3x3_unbounded_loses_no_wakeup_and_delivers_exactly_once_in_order() {
    check(
        "receive_many_3x3_unbounded",
        &["receive_many.took_another", "receive.waits"],
        receive_many_3x3_unbounded,
    );
}

/// Replays one failing schedule: set `SHUTTLE_REPLAY_MODEL` to the model's name (as printed by [`check`])
/// and `SHUTTLE_REPLAY` to the schedule string shuttle printed (or to a file holding it), then run with
/// `--ignored`.
#[test]
#[ignore = "replays the schedule in SHUTTLE_REPLAY; see the module docs"]
fn replay_failing_schedule() {
    let name =
        std::env::var("SHUTTLE_REPLAY_MODEL").expect("set SHUTTLE_REPLAY_MODEL to a model name");
    let schedule =
        std::env::var("SHUTTLE_REPLAY").expect("set SHUTTLE_REPLAY to the failing schedule");
    let model = MODELS
        .iter()
        .find(|(model, _)| *model == name)
        .unwrap_or_else(|| {
            panic!(
                "unknown model {name}; one of {:?}",
                MODELS.map(|(name, _)| name)
            )
        })
        .1;
    // The schedule as printed (quotes and line breaks are fine), or the path of a file holding it.
    let schedule = std::fs::read_to_string(&schedule).unwrap_or(schedule);
    shuttle::replay(model, &schedule.replace('"', ""));
}

/// I1, I2, I3, I5, I7 for the sink (`SendSink`): sinks that send, cancel, hold a slot and close or drop,
/// racing receivers (one through the `Stream`) on a capacity-3 ring; every slot is counted back.
#[test]
fn sink_3x3_capacity_3_loses_no_wakeup_and_keeps_no_slot() {
    check(
        "sink_3x3_capacity_3",
        &[
            "reserve.waits",
            "release.reservations",
            "waiters.refreshed_a_waker",
        ],
        sink_3x3_capacity_3,
    );
}

/// As [`sink_3x3_capacity_3_loses_no_wakeup_and_keeps_no_slot`], unthrottled (the multi-thread rule).
#[test]
fn sink_3x3_capacity_3_unthrottled_loses_no_wakeup_and_keeps_no_slot() {
    check_unthrottled(
        "sink_3x3_capacity_3_unthrottled",
        &["reserve.waits", "release.reservations"],
        sink_3x3_capacity_3,
    );
}

/// As [`sink_3x3_capacity_3_loses_no_wakeup_and_keeps_no_slot`], on a bounded block list.
#[test]
fn sink_3x3_block_list_capacity_3_loses_no_wakeup_and_keeps_no_slot() {
    check(
        "sink_3x3_block_list_capacity_3",
        &["reserve.waits", "release.reservations"],
        sink_3x3_block_list_capacity_3,
    );
}

/// As [`sink_3x3_capacity_3_loses_no_wakeup_and_keeps_no_slot`], unbounded (a sink never waits; receivers
/// do, across block boundaries).
#[test]
fn sink_3x3_unbounded_loses_no_wakeup_and_keeps_no_slot() {
    check(
        "sink_3x3_unbounded",
        &["receive.waits", "release.reservations"],
        sink_3x3_unbounded,
    );
}

/// I3, I7 for the sink under a racing close: a sink's `poll_ready` fails once the channel is closed; what it
/// sent before is received exactly once, and the receivers end.
#[test]
fn sink_close_races_capacity_3_refuses_later_sends_and_drains_exactly_once() {
    check(
        "sink_close_races_capacity_3",
        &[
            "reserve.waits",
            "close.woke_senders",
            "release.reservations",
        ],
        sink_close_races_capacity_3,
    );
}

/// As [`sink_close_races_capacity_3_refuses_later_sends_and_drains_exactly_once`], unbounded.
#[test]
fn sink_close_races_unbounded_refuses_later_sends_and_drains_exactly_once() {
    check(
        "sink_close_races_unbounded",
        &["close.woke_receivers", "release.reservations"],
        sink_close_races_unbounded,
    );
}

/// I1, I6 for `closed()`: the futures of both sides, some cancelled first, race a close, the receivers
/// leaving, or the senders leaving, on a capacity-2 ring; every one ends.
#[test]
fn closed_futures_capacity_2_see_every_end() {
    check(
        "closed_futures_capacity_2",
        &[
            "closed.waits",
            "close.woke_closed_waiters",
            "handles.last_receiver_closed",
            "handles.last_sender_closed",
        ],
        closed_futures_capacity_2,
    );
}

/// As [`closed_futures_capacity_2_see_every_end`], unbounded.
#[test]
fn closed_futures_unbounded_see_every_end() {
    check(
        "closed_futures_unbounded",
        &[
            "closed.waits",
            "close.woke_closed_waiters",
            "handles.last_receiver_closed",
            "handles.last_sender_closed",
        ],
        closed_futures_unbounded,
    );
}

/// I3, I5 for `receive_many` under a racing close: batches of 1 to 3 on a capacity-3 ring (one consumer drops
/// batch futures after a poll), producers refused once it is closed; every value sent is received once, in
/// order, and every consumer ends.
#[test]
fn receive_many_close_races_capacity_3_drains_exactly_once() {
    check(
        "receive_many_close_races_capacity_3",
        &[
            "receive_many.took_another",
            "close.woke_receivers",
            "send.waits",
        ],
        receive_many_close_races_capacity_3,
    );
}

/// As [`receive_many_close_races_capacity_3_drains_exactly_once`], unbounded.
#[test]
fn receive_many_close_races_unbounded_drains_exactly_once() {
    check(
        "receive_many_close_races_unbounded",
        &["receive_many.took_another", "close.woke_receivers"],
        receive_many_close_races_unbounded,
    );
}
