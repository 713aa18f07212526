#![cfg(not(any(loom, shuttle)))]
//! Concurrent properties of [`Queue`] on a real multi-thread Tokio runtime (one runtime per case), on both
//! flavours (a quarter of the cases run on [`Queue::unbounded`]).
//!
//! Each case draws the number of worker threads, producers, consumers, the capacity, the send
//! attempts per producer, the moment of `close` and how often sends and receives are cancelled
//! (raced by `tokio::select!` against `yield_now()` or a short timer, or polled once and dropped),
//! then checks:
//!
//! * every item whose send returned `Ok` is received exactly once, and no other item is: a send
//!   future dropped before completing did not enqueue, a receive future dropped before completing
//!   did not take an item, a failed send gave its own value back;
//! * each consumer sees each producer's items in increasing order;
//! * once closed, `Ok(None)` is final (a consumer that saw it sees it again, `try_receive` says
//!   `Closed`, the queue stays empty), and every send that starts after `close()` returned gives
//!   its value back; a producer whose send failed on a closed queue never succeeds again;
//! * `len() <= capacity()`, sampled throughout by a sampler task and after every operation;
//! * every item is dropped exactly once by the end;
//! * no case hangs: each case runs under `tokio::time::timeout`, and a timeout fails it.
//!
//! `PROPTEST_CASES=N` replaces the default case counts; failures are saved in
//! `proptest-regressions/concurrent_properties.txt` and replayed first by every later run (a
//! replayed concurrent failure reproduces the same scenario, not necessarily the same schedule).

mod common;

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use common::drop_ledger::{DropLedger, Tracked};
use common::runtime::{Unfinished, run_with_deadline};
use proptest::prelude::*;
use tokio_mpmc::{Queue, SendError, TryRecvError, TrySendError};

/// Cases of the main property run by a plain `cargo test`; `PROPTEST_CASES` overrides it.
const DEFAULT_CASES: u32 = 50_000;

/// Cases of the close-wakes-waiters property run by a plain `cargo test`.
const WAITER_CASES: u32 = 5_000;

/// A case that has not finished after this long has hung (a case takes milliseconds alone; the margin covers a
/// loaded two-core machine).
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

fn config(default_cases: u32) -> ProptestConfig {
    ProptestConfig {
        // A hanging case costs `CASE_TIMEOUT` per shrink step: bound the shrinking time.
        max_shrink_time: 120_000,
        ..common::proptest_config(
            default_cases,
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/proptest-regressions/concurrent_properties.txt"
            ),
        )
    }
}

/// One randomly drawn concurrent scenario.
#[derive(Debug, Clone)]
struct Scenario {
    worker_threads: usize,
    producers: usize,
    consumers: usize,
    capacity: usize,
    /// Send attempts per producer (cancelled and failed attempts included).
    attempts: usize,
    /// `Some(n)`: close as soon as sends of `n`% of all the attempts have succeeded (or every
    /// producer is done); `None`: close after every producer is done.
    close_at_percent: Option<usize>,
    /// Percentage of sends that are cancellable (select against yield/timer, or polled once).
    send_cancel_percent: u32,
    /// Percentage of receives that are cancellable.
    receive_cancel_percent: u32,
    /// Seeds the per-task choices of how each operation is performed.
    seed: u64,
    /// Run on [`Queue::unbounded`] instead (`capacity` unused; `len()` is then only bounded by what was sent).
    unbounded: bool,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        2usize..=4,
        1usize..=8,
        1usize..=8,
        prop_oneof![1 => Just(1usize), 3 => 1usize..=8, 2 => 9usize..=64],
        prop_oneof![1 => 0usize..=16, 2 => 17usize..=256, 1 => 257usize..=2_000],
        prop::option::weighted(0.5, 0usize..=100),
        prop_oneof![1 => Just(0u32), 3 => 0u32..=60],
        prop_oneof![1 => Just(0u32), 3 => 0u32..=60],
        any::<u64>(),
        // Drawn last, so the saved failures of the bounded flavour still replay as they were.
        proptest::bool::weighted(0.25),
    )
        .prop_map(
            |(
                worker_threads,
                producers,
                consumers,
                capacity,
                attempts,
                close_at_percent,
                send_cancel_percent,
                receive_cancel_percent,
                seed,
                unbounded,
            )| Scenario {
                worker_threads,
                producers,
                consumers,
                capacity,
                attempts,
                close_at_percent,
                send_cancel_percent,
                receive_cancel_percent,
                seed,
                unbounded,
            },
        )
}

/// A small deterministic generator (SplitMix64) for the per-operation choices.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How one send or receive is performed.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// `.await` to completion.
    Await,
    /// `try_send` / `try_receive` (`Full` / `Empty` count as an attempt that did nothing).
    Try,
    /// `tokio::select!` against `yield_now()`.
    RaceYield,
    /// `tokio::select!` against a timer of 1..=200 µs.
    RaceTimer(u64),
    /// Polled once with the task's waker, then dropped if pending.
    PollOnce,
}

impl Mode {
    fn pick(rng: &mut Rng, cancel_percent: u32) -> Mode {
        if rng.below(100) < u64::from(cancel_percent) {
            match rng.below(3) {
                0 => Mode::RaceYield,
                1 => Mode::RaceTimer(1 + rng.below(200)),
                _ => Mode::PollOnce,
            }
        } else if rng.below(100) < 15 {
            Mode::Try
        } else {
            Mode::Await
        }
    }
}

/// Runs `future` under `mode`'s cancellation: `None` when it was dropped before completing.
async fn cancellable<F: Future>(mode: Mode, future: F) -> Option<F::Output> {
    match mode {
        Mode::Await | Mode::Try => Some(future.await),
        Mode::RaceYield => tokio::select! {
            output = future => Some(output),
            () = tokio::task::yield_now() => None,
        },
        Mode::RaceTimer(micros) => tokio::select! {
            output = future => Some(output),
            () = tokio::time::sleep(Duration::from_micros(micros)) => None,
        },
        Mode::PollOnce => {
            let mut future = pin!(future);
            std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
                Poll::Ready(output) => Poll::Ready(Some(output)),
                Poll::Pending => Poll::Ready(None),
            })
            .await
        }
    }
}

/// Per-item counters shared by every task of a case, indexed by item id.
struct Ledger {
    /// The send of this item returned `Ok`.
    sent: Vec<AtomicBool>,
    /// How many times a consumer received this item.
    received: Vec<AtomicU32>,
    /// How many times this item was dropped.
    dropped: Arc<DropLedger>,
}

impl Ledger {
    fn new(items: usize) -> Self {
        Ledger {
            sent: (0..items).map(|_| AtomicBool::new(false)).collect(),
            received: (0..items).map(|_| AtomicU32::new(0)).collect(),
            dropped: DropLedger::new(items),
        }
    }

    /// The item with global id `id`, sent by `producer` as its item `seq`.
    fn item(&self, producer: usize, seq: usize, id: usize) -> Item {
        Item {
            producer,
            seq,
            tracked: self.dropped.value(id),
        }
    }
}

/// A sent value: which producer sent it, its sequence number there, and (in `tracked`, which counts its
/// drops) its global id.
struct Item {
    producer: usize,
    seq: usize,
    tracked: Tracked,
}

impl Item {
    fn id(&self) -> usize {
        self.tracked.id()
    }
}

/// State shared by the tasks of one case.
struct Shared {
    scenario: Scenario,
    ledger: Arc<Ledger>,
    /// Set once `close()` has returned.
    closed: AtomicBool,
    /// Sends that returned `Ok` so far.
    sent: AtomicUsize,
    /// Producers that have finished.
    producers_done: AtomicUsize,
    /// Tells the sampler to stop.
    stop_sampler: AtomicBool,
    /// Items received so far (reported when a case hangs).
    received: AtomicUsize,
    /// Every violation found, in the order found: the first one is the cause.
    failures: Mutex<Vec<String>>,
}

/// What a send attempt observably did.
enum SendOutcome {
    Sent,
    /// Given back: `(closed, id of the value given back)`.
    Refused(bool, usize),
    Cancelled,
}

type TaskResult = Result<(), String>;

type BoxedTask = std::pin::Pin<Box<dyn Future<Output = TaskResult> + Send>>;

/// Which task did what, for failure messages (formatted only when a check fails).
#[derive(Clone, Copy)]
enum Who {
    /// Producer, sequence number of the item, how it was sent.
    Producer(usize, usize, Mode),
    /// Consumer, how it received.
    Consumer(usize, Mode),
    Sampler,
}

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Who::Producer(p, seq, mode) => write!(f, "producer {p}, item {seq} ({mode:?})"),
            Who::Consumer(c, mode) => write!(f, "consumer {c} ({mode:?})"),
            Who::Sampler => f.write_str("sampler"),
        }
    }
}

fn check_len(queue: &Queue<Item>, who: Who) -> TaskResult {
    let (len, capacity) = (queue.len(), queue.capacity());
    if len > capacity {
        return Err(format!("{who}: len() = {len} > capacity() = {capacity}"));
    }
    Ok(())
}

async fn producer(queue: Queue<Item>, shared: Arc<Shared>, p: usize) -> TaskResult {
    let s = &shared.scenario;
    let mut rng = Rng::new(s.seed, p as u64);
    let mut refused_closed = false;
    for seq in 0..s.attempts {
        let id = p * s.attempts + seq;
        let item = shared.ledger.item(p, seq, id);
        let closed_before = shared.closed.load(Ordering::SeqCst);
        let mode = Mode::pick(&mut rng, s.send_cancel_percent);
        let outcome = match mode {
            Mode::Try => match queue.try_send(item) {
                Ok(()) => SendOutcome::Sent,
                Err(TrySendError::Full(back)) => SendOutcome::Refused(false, back.id()),
                Err(TrySendError::Closed(back)) => SendOutcome::Refused(true, back.id()),
            },
            _ => match cancellable(mode, queue.send(item)).await {
                Some(Ok(())) => SendOutcome::Sent,
                Some(Err(SendError(back))) => SendOutcome::Refused(true, back.id()),
                None => SendOutcome::Cancelled,
            },
        };
        let who = Who::Producer(p, seq, mode);
        match outcome {
            SendOutcome::Sent => {
                if closed_before || refused_closed {
                    return Err(format!("{who}: send succeeded after the queue was closed"));
                }
                shared.ledger.sent[id].store(true, Ordering::SeqCst);
                shared.sent.fetch_add(1, Ordering::SeqCst);
            }
            SendOutcome::Refused(closed, back) => {
                if back != id {
                    return Err(format!("{who}: the failed send gave back item {back}"));
                }
                if !closed && (closed_before || refused_closed) {
                    return Err(format!(
                        "{who}: try_send said Full instead of Closed after close"
                    ));
                }
                if closed && !queue.is_closed() {
                    return Err(format!(
                        "{who}: refused as closed, but is_closed() is false"
                    ));
                }
                refused_closed |= closed;
            }
            SendOutcome::Cancelled => {}
        }
        check_len(&queue, who)?;
    }
    Ok(())
}

async fn consumer(queue: Queue<Item>, shared: Arc<Shared>, c: usize) -> TaskResult {
    let s = &shared.scenario;
    let mut rng = Rng::new(s.seed, 1_000 + c as u64);
    let mut last_seen: Vec<Option<usize>> = vec![None; s.producers];
    loop {
        let mode = Mode::pick(&mut rng, s.receive_cancel_percent);
        let who = Who::Consumer(c, mode);
        let received = match mode {
            Mode::Try => match queue.try_receive() {
                Ok(item) => Some(Some(item)),
                Err(TryRecvError::Empty) => {
                    tokio::task::yield_now().await;
                    None
                }
                Err(TryRecvError::Closed) => Some(None),
            },
            _ => match cancellable(mode, queue.receive()).await {
                Some(Ok(item)) => Some(item),
                Some(Err(err)) => return Err(format!("{who}: receive returned Err({err:?})")),
                None => None,
            },
        };
        check_len(&queue, who)?;
        match received {
            Some(Some(item)) => {
                let (p, seq) = (item.producer, item.seq);
                if let Some(last) = last_seen[p] {
                    if seq <= last {
                        return Err(format!(
                            "{who}: producer {p}'s item {seq} received after its item {last}"
                        ));
                    }
                }
                last_seen[p] = Some(seq);
                shared.ledger.received[item.id()].fetch_add(1, Ordering::SeqCst);
                shared.received.fetch_add(1, Ordering::Relaxed);
            }
            Some(None) => {
                // Closed and drained: that is final.
                if !queue.is_closed() {
                    return Err(format!("{who}: end of stream but is_closed() is false"));
                }
                for _ in 0..2 {
                    match queue.receive().await {
                        Ok(None) => {}
                        Ok(Some(item)) => {
                            return Err(format!(
                                "{who}: received item {} of producer {} after Ok(None)",
                                item.seq, item.producer
                            ));
                        }
                        Err(err) => return Err(format!("{who}: receive returned Err({err:?})")),
                    }
                    if !matches!(queue.try_receive(), Err(TryRecvError::Closed)) {
                        return Err(format!("{who}: try_receive is not Closed after Ok(None)"));
                    }
                    let (len, empty) = (queue.len(), queue.is_empty());
                    if len > 0 || !empty {
                        return Err(format!(
                            "{who}: closed and drained, but len() = {len}, is_empty() = {empty}"
                        ));
                    }
                    tokio::task::yield_now().await;
                }
                return Ok(());
            }
            None => {}
        }
    }
}

async fn sampler(queue: Queue<Item>, shared: Arc<Shared>) -> TaskResult {
    while !shared.stop_sampler.load(Ordering::SeqCst) {
        check_len(&queue, Who::Sampler)?;
        tokio::task::yield_now().await;
    }
    Ok(())
}

async fn closer(queue: Queue<Item>, shared: Arc<Shared>) -> TaskResult {
    let s = &shared.scenario;
    let threshold = s.close_at_percent.map_or(usize::MAX, |percent| {
        s.producers * s.attempts * percent / 100
    });
    while shared.sent.load(Ordering::SeqCst) < threshold
        && shared.producers_done.load(Ordering::SeqCst) < s.producers
        && !shared.failed()
    {
        tokio::task::yield_now().await;
    }
    if shared.failed() {
        // A task failed and closed the queue: the case is already lost.
        return Ok(());
    }
    if !queue.close().is_first() {
        return Err("closer: the first close() says is_first() == false".into());
    }
    if !queue.is_closed() {
        return Err("closer: is_closed() is false right after close()".into());
    }
    shared.closed.store(true, Ordering::SeqCst);
    if queue.close().await {
        return Err("closer: a second close() says it was the first".into());
    }
    // Every send that starts now gives its value back (the ledger's first spare slot).
    let probe = shared.ledger.item(0, 0, shared.ledger.sent.len() - 2);
    match queue.try_send(probe) {
        Err(TrySendError::Closed(back)) if back.id() == shared.ledger.sent.len() - 2 => {}
        Err(TrySendError::Closed(_)) => {
            return Err("closer: try_send after close gave back another value".into());
        }
        Err(TrySendError::Full(_)) => return Err("closer: try_send after close said Full".into()),
        Ok(()) => return Err("closer: try_send after close succeeded".into()),
    }
    Ok(())
}

impl Shared {
    fn new(scenario: Scenario) -> Arc<Self> {
        // Two spare slots for the probes sent after close.
        let items = scenario.producers * scenario.attempts + 2;
        Arc::new(Shared {
            scenario,
            ledger: Arc::new(Ledger::new(items)),
            closed: AtomicBool::new(false),
            sent: AtomicUsize::new(0),
            producers_done: AtomicUsize::new(0),
            stop_sampler: AtomicBool::new(false),
            received: AtomicUsize::new(0),
            failures: Mutex::new(Vec::new()),
        })
    }

    fn failed(&self) -> bool {
        !self.failures.lock().unwrap().is_empty()
    }

    /// Progress so far, for the report of a hung case.
    fn progress(&self) -> String {
        format!(
            "{} sends returned Ok, {} items received, {} of {} producers done, closed: {}",
            self.sent.load(Ordering::SeqCst),
            self.received.load(Ordering::SeqCst),
            self.producers_done.load(Ordering::SeqCst),
            self.scenario.producers,
            self.closed.load(Ordering::SeqCst),
        )
    }
}

/// Runs `task` as one task of a case: a violation it reports (or a panic) is recorded, and the
/// queue is closed so that every other task finishes instead of hanging.
async fn checked(queue: Queue<Item>, shared: Arc<Shared>, task: impl Future<Output = TaskResult>) {
    if let Err(why) = catch_panic(task).await {
        shared.failures.lock().unwrap().push(why);
        queue.close();
    }
}

/// Turns a panic while polling `task` into an `Err`.
async fn catch_panic(task: impl Future<Output = TaskResult>) -> TaskResult {
    let mut task = pin!(task);
    std::future::poll_fn(|cx| {
        catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(cx))).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Poll::Ready(Err(format!("panicked: {message}")))
        })
    })
    .await
}

/// Runs one scenario to completion; `Err` describes the first property violated.
async fn run_case(shared: Arc<Shared>) -> TaskResult {
    let s = shared.scenario.clone();
    let ledger = shared.ledger.clone();
    let items = ledger.sent.len();
    let queue = if s.unbounded {
        Queue::unbounded()
    } else {
        Queue::new(s.capacity)
    };
    let spawn = |task: BoxedTask| tokio::spawn(checked(queue.clone(), shared.clone(), task));
    let sampler = tokio::spawn(checked(
        queue.clone(),
        shared.clone(),
        sampler(queue.clone(), shared.clone()),
    ));
    let mut tasks = vec![spawn(Box::pin(closer(queue.clone(), shared.clone())))];
    for p in 0..s.producers {
        let (queue, shared) = (queue.clone(), shared.clone());
        tasks.push(spawn(Box::pin(async move {
            let result = catch_panic(producer(queue, shared.clone(), p)).await;
            shared.producers_done.fetch_add(1, Ordering::SeqCst);
            result
        })));
    }
    for c in 0..s.consumers {
        tasks.push(spawn(Box::pin(consumer(queue.clone(), shared.clone(), c))));
    }
    for task in tasks {
        task.await.expect("checked tasks catch panics");
    }
    shared.stop_sampler.store(true, Ordering::SeqCst);
    sampler.await.expect("checked tasks catch panics");
    if let Some(first) = shared.failures.lock().unwrap().first() {
        return Err(first.clone());
    }

    // After close, a send gives its value back (the ledger's last spare slot).
    let late = ledger.item(0, 0, items - 1);
    match queue.send(late).await {
        Err(SendError(back)) if back.id() == items - 1 => {}
        Err(_) => return Err("a send after close gave back another value".into()),
        Ok(()) => return Err("a send after close succeeded".into()),
    }

    drop(queue);
    for id in 0..items {
        let sent = ledger.sent[id].load(Ordering::SeqCst);
        let received = ledger.received[id].load(Ordering::SeqCst);
        let dropped = ledger.dropped.drops(id);
        let what = if id + 2 < items {
            format!("producer {}'s item {}", id / s.attempts, id % s.attempts)
        } else {
            format!("the probe sent after close ({})", items - id)
        };
        if received != u32::from(sent) {
            let send = if sent { "Ok" } else { "no Ok" };
            return Err(format!(
                "{what}: send returned {send}, but it was received {received} times"
            ));
        }
        if dropped != 1 {
            return Err(format!("{what} was dropped {dropped} times"));
        }
    }
    Ok(())
}

/// Builds a runtime for the case, runs `case` under [`CASE_TIMEOUT`] and reports the outcome;
/// `progress` describes how far a hung case got.
fn on_runtime<F>(
    worker_threads: usize,
    case: F,
    progress: impl FnOnce() -> String,
) -> Result<(), TestCaseError>
where
    F: Future<Output = TaskResult> + Send + 'static,
{
    let outcome = match run_with_deadline(worker_threads, CASE_TIMEOUT, case) {
        Ok(result) => result,
        Err(Unfinished::Panicked(panic)) => Err(format!("the case panicked: {panic}")),
        Err(Unfinished::Hung(deadline)) => Err(format!(
            "the case hung: not finished after {deadline:?} ({})",
            progress()
        )),
    };
    outcome.map_err(TestCaseError::fail)
}

/// Senders blocked on a full queue and receivers blocked on an empty one, all woken by `close`.
#[derive(Debug, Clone)]
struct Waiters {
    worker_threads: usize,
    capacity: usize,
    senders: usize,
    receivers: usize,
    /// `yield_now()` calls before closing, to let the waiters block (the property holds either way).
    yields: usize,
}

fn waiters() -> impl Strategy<Value = Waiters> {
    (
        2usize..=4,
        1usize..=8,
        1usize..=16,
        1usize..=16,
        0usize..=32,
    )
        .prop_map(
            |(worker_threads, capacity, senders, receivers, yields)| Waiters {
                worker_threads,
                capacity,
                senders,
                receivers,
                yields,
            },
        )
}

/// `close` wakes every waiting sender (each gets its own value back) and every waiting receiver
/// (each gets `Ok(None)`); the items inside stay receivable in order, then `Ok(None)`.
async fn close_wakes_every_waiter(w: Waiters) -> TaskResult {
    let ledger = Ledger::new(w.capacity + w.senders);
    let item = |id| ledger.item(0, id, id);
    let full = Queue::new(w.capacity);
    for id in 0..w.capacity {
        if full.try_send(item(id)).is_err() {
            return Err(format!("try_send {id} refused below capacity"));
        }
    }
    let senders: Vec<_> = (0..w.senders)
        .map(|k| {
            let (queue, value) = (full.clone(), item(w.capacity + k));
            tokio::spawn(async move { queue.send(value).await })
        })
        .collect();
    let empty = Queue::<Item>::new(w.capacity);
    let receivers: Vec<_> = (0..w.receivers)
        .map(|_| {
            let queue = empty.clone();
            tokio::spawn(async move { queue.receive().await })
        })
        .collect();
    for _ in 0..w.yields {
        tokio::task::yield_now().await;
    }
    full.close();
    empty.close();

    for (k, sender) in senders.into_iter().enumerate() {
        match sender
            .await
            .map_err(|panic| format!("sender {k} panicked: {panic}"))?
        {
            Err(SendError(back)) if back.id() == w.capacity + k => {}
            Err(SendError(back)) => return Err(format!("sender {k} got back item {}", back.id())),
            Ok(()) => {
                return Err(format!(
                    "sender {k}: Ok from a queue that was full until closed"
                ));
            }
        }
    }
    for (k, receiver) in receivers.into_iter().enumerate() {
        match receiver
            .await
            .map_err(|panic| format!("receiver {k} panicked: {panic}"))?
        {
            Ok(None) => {}
            Ok(Some(item)) => return Err(format!("receiver {k} got item {}", item.id())),
            Err(err) => return Err(format!("receiver {k} got Err({err:?})")),
        }
    }
    for id in 0..w.capacity {
        match full.receive().await {
            Ok(Some(item)) if item.id() == id => {}
            Ok(Some(item)) => return Err(format!("expected item {id}, received {}", item.id())),
            other => {
                return Err(format!(
                    "expected item {id}, received {:?}",
                    other.map(|o| o.map(|i| i.id()))
                ));
            }
        }
    }
    if !matches!(full.receive().await, Ok(None))
        || !matches!(full.try_receive(), Err(TryRecvError::Closed))
    {
        return Err("a closed and drained queue did not say so".into());
    }
    drop((full, empty));
    for id in 0..ledger.dropped.values() {
        let dropped = ledger.dropped.drops(id);
        if dropped != 1 {
            return Err(format!("item {id} was dropped {dropped} times"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    /// Producers and consumers with cancellation and a random close: exactly-once delivery of
    /// every `Ok` send, per-producer order, final close, bounded length, no hang.
    #[test]
    fn concurrent_delivery_is_exactly_once_ordered_and_closes(s in scenario()) {
        let shared = Shared::new(s);
        let progress = shared.clone();
        on_runtime(shared.scenario.worker_threads, run_case(shared), move || progress.progress())?;
    }
}

proptest! {
    #![proptest_config(config(WAITER_CASES))]

    /// `close` wakes every waiting sender and receiver with the right answer.
    #[test]
    fn close_wakes_every_waiting_sender_and_receiver(w in waiters()) {
        let threads = w.worker_threads;
        on_runtime(threads, close_wakes_every_waiter(w), String::new)?;
    }
}

/// `PROPTEST_CASES` really sets the case count (proptest's `with_cases` would ignore it).
#[test]
fn proptest_cases_env_var_sets_the_case_count() {
    assert_eq!(
        config(DEFAULT_CASES).cases,
        common::expected_cases(DEFAULT_CASES)
    );
}
