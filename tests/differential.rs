#![cfg(not(any(loom, shuttle)))]
//! Differential property: sequentially, [`Queue`] behaves exactly like crossbeam-queue's
//! [`ArrayQueue`] of the same capacity.
//!
//! Both get the same random sequence of pushes and pops, generated as bursts so that the
//! queues are regularly filled to capacity and drained to empty, whatever the capacity. After
//! every operation:
//!
//! * `try_send` is `Ok` exactly when `push` is, and `Err(Full(v))` exactly when `push` gives
//!   `Err(v)`, with the same `v`;
//! * `try_receive` yields the same value as `pop`, and `Err(Empty)` exactly when `pop` is `None`;
//! * `len`, `is_empty`, `is_full` and `capacity` agree.
//!
//! `PROPTEST_CASES=N` replaces the default case count; failures are saved in
//! `proptest-regressions/differential.txt` and replayed first by every later run.

mod common;

use crossbeam_queue::ArrayQueue;
use proptest::prelude::*;
use tokio_mpmc::{Queue, TryRecvError, TrySendError};

/// Cases run by a plain `cargo test` (under 10 s on a 2-core machine); `PROPTEST_CASES` overrides it.
const DEFAULT_CASES: u32 = 50_000;

fn config() -> ProptestConfig {
    common::proptest_config(
        DEFAULT_CASES,
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/differential.txt"
        ),
    )
}

/// A burst of identical operations.
#[derive(Debug, Clone, Copy)]
enum Burst {
    Push(u8),
    Pop(u8),
}

fn burst() -> impl Strategy<Value = Burst> {
    // Up to 80 at once: enough to fill or drain the largest capacity generated from any state.
    let size = || prop_oneof![3 => 1u8..=4, 1 => 1u8..=80];
    prop_oneof![size().prop_map(Burst::Push), size().prop_map(Burst::Pop)]
}

fn capacity() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 1usize..=8, 3 => 9usize..=64, 1 => 65usize..=1024]
}

/// What a push observably did, in crossbeam's terms.
#[derive(Debug, PartialEq, Eq)]
enum Push {
    Ok,
    Full(u64),
    Closed(u64),
}

fn run(capacity: usize, bursts: &[Burst]) -> Result<(), TestCaseError> {
    let queue = Queue::new(capacity);
    let reference = ArrayQueue::new(capacity);
    let mut next = 0u64;
    let mut step = 0usize;
    for &burst in bursts {
        let (push, times) = match burst {
            Burst::Push(times) => (true, times),
            Burst::Pop(times) => (false, times),
        };
        for _ in 0..times {
            if push {
                let value = next;
                next += 1;
                let expected = match reference.push(value) {
                    Ok(()) => Push::Ok,
                    Err(back) => Push::Full(back),
                };
                let actual = match queue.try_send(value) {
                    Ok(()) => Push::Ok,
                    Err(TrySendError::Full(back)) => Push::Full(back),
                    Err(TrySendError::Closed(back)) => Push::Closed(back),
                };
                prop_assert_eq!(actual, expected, "op {}: push {}", step, value);
            } else {
                let expected = reference.pop().ok_or(TryRecvError::Empty);
                prop_assert_eq!(queue.try_receive(), expected, "op {}: pop", step);
            }
            prop_assert_eq!(queue.len(), reference.len(), "op {}: len", step);
            prop_assert_eq!(
                queue.is_empty(),
                reference.is_empty(),
                "op {}: is_empty",
                step
            );
            prop_assert_eq!(queue.is_full(), reference.is_full(), "op {}: is_full", step);
            prop_assert_eq!(
                queue.capacity(),
                reference.capacity(),
                "op {}: capacity",
                step
            );
            step += 1;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// For the same capacity and the same push/pop sequence, `Queue` (try_send / try_receive)
    /// and crossbeam's `ArrayQueue` (push / pop) give the same results and lengths.
    #[test]
    fn queue_matches_crossbeam_array_queue(
        capacity in capacity(),
        bursts in proptest::collection::vec(burst(), 0..=200),
    ) {
        run(capacity, &bursts)?;
    }
}

/// `PROPTEST_CASES` really sets the case count (proptest's `with_cases` would ignore it).
#[test]
fn proptest_cases_env_var_sets_the_case_count() {
    assert_eq!(config().cases, common::expected_cases(DEFAULT_CASES));
}
