#![cfg(not(any(loom, shuttle)))]
//! Model-based (state-machine) property test of the sequential behaviour of [`Queue`].
//!
//! A random sequence of operations is applied to one or more handles of one queue and, step by
//! step, to a sequential reference model: a `VecDeque` with a capacity and a closed flag. Every
//! observable result must match the model, including the value given back by a failed send:
//!
//! * `try_send` / `try_receive`, and `send` / `receive` futures polled once and then dropped (a
//!   send that is still pending must not have enqueued its value, which is dropped with it);
//! * `close` (with `Close::is_first`, or awaited), `clone` and dropping a handle;
//! * permits (I7): `try_reserve` / `try_reserve_many`, sending through a held permit (also after a close) and
//!   dropping one unused; the model counts permits apart from values (values + permits <= capacity, and a
//!   closed queue answers `Closed` to receives only once no permit is left);
//! * `len`, `is_empty`, `is_full`, `is_closed` and `capacity`, asked explicitly by the sequence
//!   and on every live handle after every step;
//! * drop counts: after every step each item still in the model's queue has been dropped zero
//!   times and every other item exactly once, and dropping the last handle drops every remaining
//!   item exactly once.
//!
//! Both flavours: a quarter of the cases run on [`Queue::unbounded`] (the model's capacity is then
//! `usize::MAX`: never full).
//!
//! The sequence is a `Vec` of [`Op`], so a failure shrinks to a short sequence of operations.
//! Capacities are mostly 1..=8 and sequences are long enough for the ring to wrap many laps.
//!
//! `PROPTEST_CASES=N` replaces the default case count; failures are saved in
//! `proptest-regressions/model_based.txt` and replayed first by every later run.

mod common;

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::task::Poll;

use common::drop_ledger::{DropLedger, Tracked};
use proptest::prelude::*;
use tokio_mpmc::{Queue, SendError, TryRecvError, TrySendError};

/// Cases run by a plain `cargo test` (about 25 s on a 2-core machine); `PROPTEST_CASES` overrides it.
const DEFAULT_CASES: u32 = 50_000;

/// The longest operation sequence generated.
const MAX_OPS: usize = 400;

fn config() -> ProptestConfig {
    common::proptest_config(
        DEFAULT_CASES,
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/model_based.txt"
        ),
    )
}

/// An item that records its drop in a [`DropLedger`]. Deliberately neither `Clone` nor `Debug` (which
/// [`Tracked`] is).
struct Item(Tracked);

impl Item {
    fn id(&self) -> usize {
        self.0.id()
    }
}

/// One step of a sequence. Each handle selector is reduced modulo the number of live handles.
#[derive(Debug, Clone)]
enum Op {
    TrySend(usize),
    TryReceive(usize),
    /// Poll a `send` future once; if it is pending, drop it.
    PollSendOnce(usize),
    /// Poll a `receive` future once; if it is pending, drop it.
    PollReceiveOnce(usize),
    /// `close()`, then read `is_first()` (or await the `Close` when `awaited`).
    Close {
        handle: usize,
        awaited: bool,
    },
    Clone(usize),
    /// Drop a handle (never the last one; the last one is dropped after the sequence).
    Drop(usize),
    Len(usize),
    IsEmpty(usize),
    IsFull(usize),
    IsClosed(usize),
    Capacity(usize),
    /// `try_reserve_many(n)` (`try_reserve` for 1); the permits are kept.
    TryReserve(usize),
    /// Send a new item through the oldest permit held, if any.
    SendThroughPermit,
    /// Drop the oldest permit held unused, if any.
    DropPermit,
}

fn op() -> impl Strategy<Value = Op> {
    let h = || 0usize..8;
    // Close is rare so that most sequences wrap the ring several times before it.
    prop_oneof![
        30 => h().prop_map(Op::TrySend),
        30 => h().prop_map(Op::TryReceive),
        8 => h().prop_map(Op::PollSendOnce),
        8 => h().prop_map(Op::PollReceiveOnce),
        1 => (h(), any::<bool>()).prop_map(|(handle, awaited)| Op::Close { handle, awaited }),
        4 => h().prop_map(Op::Clone),
        4 => h().prop_map(Op::Drop),
        1 => h().prop_map(Op::Len),
        1 => h().prop_map(Op::IsEmpty),
        1 => h().prop_map(Op::IsFull),
        1 => h().prop_map(Op::IsClosed),
        1 => h().prop_map(Op::Capacity),
        4 => (0usize..=3).prop_map(Op::TryReserve),
        4 => Just(Op::SendThroughPermit),
        2 => Just(Op::DropPermit),
    ]
}

fn capacity() -> impl Strategy<Value = usize> {
    prop_oneof![9 => 1usize..=8, 1 => 9usize..=64]
}

/// The sequential reference model.
struct Model {
    capacity: usize,
    items: VecDeque<usize>,
    closed: bool,
    /// Permits held: capacity, not values.
    permits: usize,
}

/// What a send attempt observably did (the id is the value given back, if any).
#[derive(Debug, PartialEq, Eq)]
enum SendOutcome {
    Sent,
    Full(usize),
    Closed(usize),
    Pending,
}

/// What a receive attempt observably did.
#[derive(Debug, PartialEq, Eq)]
enum RecvOutcome {
    Item(usize),
    Empty,
    Closed,
    Pending,
    /// `receive` returned `Err`, which it never should.
    Error,
}

impl Model {
    fn try_send(&mut self, id: usize) -> SendOutcome {
        if self.closed {
            SendOutcome::Closed(id)
        } else if self.items.len() + self.permits == self.capacity {
            SendOutcome::Full(id)
        } else {
            self.items.push_back(id);
            SendOutcome::Sent
        }
    }

    /// A `send` future polled once: a full queue leaves it pending instead of failing.
    fn send_once(&mut self, id: usize) -> SendOutcome {
        match self.try_send(id) {
            SendOutcome::Full(_) => SendOutcome::Pending,
            outcome => outcome,
        }
    }

    fn try_receive(&mut self) -> RecvOutcome {
        match self.items.pop_front() {
            Some(id) => RecvOutcome::Item(id),
            // A permit held across the close may still send: the drain waits for it.
            None if self.closed && self.permits == 0 => RecvOutcome::Closed,
            None => RecvOutcome::Empty,
        }
    }

    /// A `receive` future polled once: an empty open queue leaves it pending.
    fn receive_once(&mut self) -> RecvOutcome {
        match self.try_receive() {
            RecvOutcome::Empty => RecvOutcome::Pending,
            outcome => outcome,
        }
    }

    /// `try_reserve_many(count)`: `Ok` (the permits are held), or the error.
    fn try_reserve(&mut self, count: usize) -> Result<(), TrySendError<()>> {
        if self.closed {
            Err(TrySendError::Closed(()))
        } else if self.items.len() + self.permits + count > self.capacity {
            Err(TrySendError::Full(()))
        } else {
            self.permits += count;
            Ok(())
        }
    }

    /// Closes the model; returns whether this call closed it.
    fn close(&mut self) -> bool {
        !std::mem::replace(&mut self.closed, true)
    }
}

fn try_send_outcome(result: Result<(), TrySendError<Item>>) -> SendOutcome {
    match result {
        Ok(()) => SendOutcome::Sent,
        Err(TrySendError::Full(item)) => SendOutcome::Full(item.id()),
        Err(TrySendError::Closed(item)) => SendOutcome::Closed(item.id()),
    }
}

fn send_once_outcome(poll: Poll<Result<(), SendError<Item>>>) -> SendOutcome {
    match poll {
        Poll::Ready(Ok(())) => SendOutcome::Sent,
        Poll::Ready(Err(SendError(item))) => SendOutcome::Closed(item.id()),
        Poll::Pending => SendOutcome::Pending,
    }
}

fn try_receive_outcome(result: Result<Item, TryRecvError>) -> RecvOutcome {
    match result {
        Ok(item) => RecvOutcome::Item(item.id()),
        Err(TryRecvError::Empty) => RecvOutcome::Empty,
        Err(TryRecvError::Closed) => RecvOutcome::Closed,
    }
}

fn receive_once_outcome(poll: Poll<Result<Option<Item>, tokio_mpmc::QueueError>>) -> RecvOutcome {
    match poll {
        Poll::Ready(Ok(Some(item))) => RecvOutcome::Item(item.id()),
        Poll::Ready(Ok(None)) => RecvOutcome::Closed,
        // The API never returns `Err` from `receive`: the model never expects this outcome.
        Poll::Ready(Err(_)) => RecvOutcome::Error,
        Poll::Pending => RecvOutcome::Pending,
    }
}

/// Every item the model holds has not been dropped; every other item made so far exactly once.
fn check_drops(
    log: &DropLedger,
    model: &Model,
    made: usize,
    at: &str,
) -> Result<(), TestCaseError> {
    let mut inside = vec![false; made];
    for &id in &model.items {
        inside[id] = true;
    }
    for (id, &inside) in inside.iter().enumerate() {
        let expected = usize::from(!inside);
        prop_assert_eq!(
            log.drops(id),
            expected,
            "{}: item {} dropped {} times, expected {} (in the queue: {})",
            at,
            id,
            log.drops(id),
            expected,
            inside
        );
    }
    Ok(())
}

/// The read-only observers of `queue` agree with the model.
fn check_observers(queue: &Queue<Item>, model: &Model, at: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(queue.len(), model.items.len(), "{}: len", at);
    prop_assert_eq!(queue.is_empty(), model.items.is_empty(), "{}: is_empty", at);
    let full = model.items.len() == model.capacity;
    prop_assert_eq!(queue.is_full(), full, "{}: is_full", at);
    prop_assert_eq!(queue.is_closed(), model.closed, "{}: is_closed", at);
    prop_assert_eq!(queue.capacity(), model.capacity, "{}: capacity", at);
    Ok(())
}

fn run(capacity: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let log = DropLedger::new(ops.len());
    let mut model = Model {
        capacity,
        items: VecDeque::new(),
        closed: false,
        permits: 0,
    };
    let queue = if capacity == usize::MAX {
        Queue::<Item>::unbounded()
    } else {
        Queue::<Item>::new(capacity)
    };
    let mut handles = vec![queue];
    // The permits borrow a handle of their own, which outlives them.
    let permit_handle = handles[0].clone();
    let mut permits: VecDeque<tokio_mpmc::Permit<'_, Item>> = VecDeque::new();
    let mut made = 0; // items created so far; the next item's id
    let item = |made: &mut usize| {
        let id = *made;
        *made += 1;
        Item(log.value(id))
    };

    for (step, op) in ops.iter().enumerate() {
        let at = format!("step {step} ({op:?})");
        let live = handles.len();
        match *op {
            Op::TrySend(h) => {
                let item = item(&mut made);
                let expected = model.try_send(item.id());
                let actual = try_send_outcome(handles[h % live].try_send(item));
                prop_assert_eq!(actual, expected, "{}", at);
            }
            Op::TryReceive(h) => {
                let actual = try_receive_outcome(handles[h % live].try_receive());
                prop_assert_eq!(actual, model.try_receive(), "{}", at);
            }
            Op::PollSendOnce(h) => {
                let item = item(&mut made);
                let expected = model.send_once(item.id());
                let mut send = tokio_test::task::spawn(handles[h % live].send(item));
                let actual = send_once_outcome(send.poll());
                drop(send);
                prop_assert_eq!(actual, expected, "{}", at);
            }
            Op::PollReceiveOnce(h) => {
                let mut receive = tokio_test::task::spawn(handles[h % live].receive());
                let actual = receive_once_outcome(receive.poll());
                drop(receive);
                prop_assert_eq!(actual, model.receive_once(), "{}", at);
            }
            Op::Close { handle, awaited } => {
                let queue = &handles[handle % live];
                let close = queue.close();
                // The close takes effect at the call, before the `Close` is used.
                prop_assert!(queue.is_closed(), "{}: is_closed right after close()", at);
                let first = if awaited {
                    tokio_test::block_on(close.into_future())
                } else {
                    close.is_first()
                };
                prop_assert_eq!(first, model.close(), "{}: is_first", at);
            }
            Op::Clone(h) => {
                let clone = handles[h % live].clone();
                handles.push(clone);
            }
            Op::Drop(h) => {
                if live > 1 {
                    handles.swap_remove(h % live);
                }
            }
            Op::Len(h) => prop_assert_eq!(handles[h % live].len(), model.items.len(), "{}", at),
            Op::IsEmpty(h) => {
                prop_assert_eq!(
                    handles[h % live].is_empty(),
                    model.items.is_empty(),
                    "{}",
                    at
                );
            }
            Op::IsFull(h) => {
                let full = model.items.len() == model.capacity;
                prop_assert_eq!(handles[h % live].is_full(), full, "{}", at);
            }
            Op::IsClosed(h) => {
                prop_assert_eq!(handles[h % live].is_closed(), model.closed, "{}", at)
            }
            Op::Capacity(h) => prop_assert_eq!(handles[h % live].capacity(), capacity, "{}", at),
            Op::TryReserve(count) => {
                // A batch of none: empty while open, refused once closed (as tokio's).
                let expected = if count == 0 && !model.closed {
                    Ok(())
                } else {
                    model.try_reserve(count)
                };
                let actual = match permit_handle.try_reserve_many(count) {
                    Ok(batch) => {
                        prop_assert_eq!(batch.len(), count, "{}", at);
                        permits.extend(batch);
                        Ok(())
                    }
                    Err(error) => Err(error),
                };
                prop_assert_eq!(actual, expected, "{}", at);
            }
            Op::SendThroughPermit => {
                if let Some(permit) = permits.pop_front() {
                    let item = item(&mut made);
                    // Never waits, never fails, also after a close.
                    model.items.push_back(item.id());
                    model.permits -= 1;
                    permit.send(item);
                }
            }
            Op::DropPermit => {
                if permits.pop_front().is_some() {
                    model.permits -= 1;
                }
            }
        }
        for queue in &handles {
            check_observers(queue, &model, &at)?;
        }
        check_drops(&log, &model, made, &at)?;
    }

    drop(permits);
    drop(permit_handle);
    // Drop the handles one by one: only the last drop may drop the items still inside.
    while let Some(queue) = handles.pop() {
        drop(queue);
        if !handles.is_empty() {
            check_drops(
                &log,
                &model,
                made,
                "after dropping a handle that was not the last",
            )?;
        }
    }
    model.items.clear();
    check_drops(&log, &model, made, "after dropping the last handle")
}

proptest! {
    #![proptest_config(config())]

    /// Every observable result of a random operation sequence on one queue (several handles)
    /// equals the sequential model's.
    #[test]
    fn queue_matches_sequential_model(
        capacity in capacity(),
        ops in proptest::collection::vec(op(), 0..=MAX_OPS),
        // Drawn last, so the saved failures of the bounded flavour still replay as they were.
        unbounded in proptest::bool::weighted(0.25),
    ) {
        run(if unbounded { usize::MAX } else { capacity }, &ops)?;
    }
}

/// The model's `check_drops` sees an item leak: a sanity check of the checker itself.
#[test]
fn drop_checker_notices_a_leaked_item() {
    let log = DropLedger::new(1);
    let leaked = Item(log.value(0));
    std::mem::forget(leaked);
    let model = Model {
        capacity: 1,
        items: VecDeque::new(),
        closed: false,
        permits: 0,
    };
    assert!(check_drops(&log, &model, 1, "leak").is_err());
}

/// `PROPTEST_CASES` really sets the case count (proptest's `with_cases` would ignore it).
#[test]
fn proptest_cases_env_var_sets_the_case_count() {
    assert_eq!(config().cases, common::expected_cases(DEFAULT_CASES));
}
