//! loom models of the dispatcher, run with `RUSTFLAGS="--cfg loom" cargo test`.
//!
//! tokio-mpmc's `loom` feature (Cargo.toml) makes the queue's atomics, locks and thread parking loom's, and
//! src/sync.rs does the same for the board: loom explores the interleavings of our code and the queue's
//! together, and the memory orderings of both. Each model names what it checks; the correct code must pass
//! and every seeded bug must be found (`explore_expecting_failure`), so the demonstration cannot rot.
//!
//! Bounds (each model states its own; `LOOM_MAX_PREEMPTIONS` overrides them): two-thread models at a
//! preemption bound of 2–3, the three-thread ones at 1. Every queue operation is a handful of atomics and
//! locks, each a branch point for loom, so a whole dispatch round explodes quickly: one worker and one job
//! is ~47,000 interleavings at bound 2 and ~630,000 at bound 3; two workers and one job ~100,000 at bound 1
//! and more than 880,000 (unfinished after 60 s) at bound 2. Most bugs need one or two preemptions: the
//! seeded ones here are found within those bounds in under two seconds each.
#![cfg(loom)]

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::thread::{self, JoinHandle};
use tokio_mpmc_model_check_example::{Worker, dispatch, seeded_bugs, work};

/// Runs `model` in every interleaving loom explores within `preemption_bound` and prints how many it
/// explored and how long that took (bypassing the test harness's capture, so it always shows).
fn explore(name: &str, preemption_bound: usize, model: impl Fn() + Send + Sync + 'static) {
    let started = Instant::now();
    let (result, interleavings, bound) = run(preemption_bound, model);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    let _ = writeln!(
        std::io::stderr(),
        "loom model {name}: {interleavings} interleavings, preemption bound {bound}, {:.2?}",
        started.elapsed()
    );
}

/// Runs `model` as [`explore`] does, requires loom to find an interleaving in which it fails, and returns
/// that failure's panic message.
fn explore_expecting_failure(
    name: &str,
    preemption_bound: usize,
    model: impl Fn() + Send + Sync + 'static,
) -> String {
    let started = Instant::now();
    let (result, interleavings, bound) = run(preemption_bound, model);
    let Err(panic) = result else {
        panic!(
            "loom model {name}: the seeded bug was NOT found in {interleavings} interleavings (bound {bound})"
        );
    };
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "loom model {name}: bug found in interleaving {interleavings}, preemption bound {bound}, {:.2?}",
        started.elapsed()
    );
    message
}

/// `Builder::check` with the bound (unless `LOOM_MAX_PREEMPTIONS` sets one), counting executions. The
/// count lives outside the model: loom resets nothing that is not its own.
fn run(
    preemption_bound: usize,
    model: impl Fn() + Send + Sync + 'static,
) -> (std::thread::Result<()>, usize, usize) {
    let executions = std::sync::Arc::new(AtomicUsize::new(0));
    let mut builder = loom::model::Builder::new();
    let bound = *builder.preemption_bound.get_or_insert(preemption_bound);
    let counter = std::sync::Arc::clone(&executions);
    let result = catch_unwind(AssertUnwindSafe(|| {
        builder.check(move || {
            counter.fetch_add(1, Relaxed);
            model();
        })
    }));
    (result, executions.load(Relaxed), bound)
}

/// Starts each worker on a loom thread and keeps the handles, so the model can join them.
fn on_loom_threads(handles: &mut Vec<JoinHandle<usize>>) -> impl FnMut(Worker) + '_ {
    |worker| handles.push(thread::spawn(move || worker.run()))
}

/// Joins the workers and returns how many jobs they ran in all.
fn join(workers: Vec<JoinHandle<usize>>) -> usize {
    workers.into_iter().map(|w| w.join().unwrap()).sum()
}

/// What every dispatcher must return.
#[track_caller]
fn assert_outputs_in_input_order(inputs: &[usize], outputs: &[usize]) {
    let expected: Vec<usize> = inputs.iter().map(|&n| work(n)).collect();
    assert_eq!(
        outputs, expected,
        "outputs must be work(input) in input order"
    );
}

/// One worker: the output read after the job's report is the worker's write, never the board's initial 0
/// (the report on the channel orders the two), and the worker leaves once the job channel closes (a worker
/// left waiting is loom's deadlock report).
#[test]
fn one_worker_delivers_the_output_and_exits() {
    explore("one_worker_delivers_the_output_and_exits", 2, || {
        let inputs = [3];
        let mut workers = Vec::new();
        let outputs = block_on(dispatch(&inputs, 1, on_loom_threads(&mut workers)));
        assert_outputs_in_input_order(&inputs, &outputs);
        assert_eq!(join(workers), inputs.len());
    });
}

/// Two workers on one job channel (two consumers of one queue: inside a model on the std build of the
/// queue, this hung the test process): the job runs exactly once, its output arrives, and both workers
/// leave once the channel closes, the one that got the job and the one that got `None`.
#[test]
fn two_workers_on_one_channel_run_the_job_once_and_exit() {
    explore(
        "two_workers_on_one_channel_run_the_job_once_and_exit",
        1,
        || {
            let inputs = [3];
            let mut workers = Vec::new();
            let outputs = block_on(dispatch(&inputs, 2, on_loom_threads(&mut workers)));
            assert_outputs_in_input_order(&inputs, &outputs);
            assert_eq!(join(workers), inputs.len());
        },
    );
}

/// Message passing, with loom's `UnsafeCell` (which reports any access not ordered by happens-before as a
/// causality violation): data written before a send is readable after the receive that takes the value.
#[test]
fn data_written_before_a_send_is_readable_after_the_receive() {
    explore(
        "data_written_before_a_send_is_readable_after_the_receive",
        3,
        || {
            let data = Arc::new(UnsafeCell::new(0));
            let (sender, receiver) = tokio_mpmc::channel(1);
            let writer = {
                let data = Arc::clone(&data);
                thread::spawn(move || {
                    // SAFETY: the reader touches `data` only after it received the value sent below.
                    data.with_mut(|data| unsafe { *data = 42 });
                    sender.blocking_send(()).unwrap();
                })
            };
            block_on(receiver.recv()).unwrap();
            // SAFETY: the writer wrote before its send, which happens-before this receive.
            assert_eq!(data.with(|data| unsafe { *data }), 42);
            writer.join().unwrap();
        },
    );
}

/// The same pattern with a `Relaxed` flag in place of the channel: loom must report the causality
/// violation, which shows that the model above passes because the channel orders the accesses.
#[test]
fn data_published_through_a_relaxed_flag_is_a_causality_violation() {
    let message = explore_expecting_failure(
        "data_published_through_a_relaxed_flag_is_a_causality_violation",
        3,
        || {
            let data = Arc::new(UnsafeCell::new(0));
            let ready = Arc::new(AtomicBool::new(false));
            let writer = {
                let (data, ready) = (Arc::clone(&data), Arc::clone(&ready));
                thread::spawn(move || {
                    // SAFETY: none; this is the bug loom must find (the reader is not ordered after it).
                    data.with_mut(|data| unsafe { *data = 42 });
                    ready.store(true, loom::sync::atomic::Ordering::Relaxed);
                })
            };
            if ready.load(loom::sync::atomic::Ordering::Relaxed) {
                // SAFETY: none; a Relaxed load orders nothing.
                assert_eq!(data.with(|data| unsafe { *data }), 42);
            }
            writer.join().unwrap();
        },
    );
    assert!(message.contains("Causality violation"), "{message}");
}

/// Seeded bug 1 (an ordering assumption) found: with two workers the second job can finish first, and the
/// outputs come back swapped. One preemption is enough: the first worker takes job 0 and is preempted; the
/// second takes job 1 and reports first.
#[test]
fn seeded_bug_ordering_assumption_is_found() {
    let message = explore_expecting_failure("seeded_bug_ordering_assumption_is_found", 1, || {
        let inputs = [3, 4];
        let mut workers = Vec::new();
        let outputs = block_on(seeded_bugs::dispatch_assuming_reports_in_order(
            &inputs,
            2,
            on_loom_threads(&mut workers),
        ));
        assert_outputs_in_input_order(&inputs, &outputs);
        join(workers);
    });
    assert!(message.contains("in input order"), "{message}");
}

/// Seeded bug 2 (a forgotten close) found: the worker waits for jobs, the dispatcher for the worker to
/// leave, and loom reports the deadlock in the very first interleaving.
///
/// The model runs in a child process (the next test, run again by this one). After a deadlock report loom
/// unwinds the blocked threads, and any loom object they drop then (here the worker's `Arc<Board>`) calls
/// into loom's finished runtime, which panics inside a destructor and aborts the process. (tokio-mpmc's own
/// handles and futures skip that cleanup while unwinding.) The child holds the abort; this test reads loom's
/// report from the child's stderr.
#[test]
fn seeded_bug_forgotten_close_is_found() {
    let started = Instant::now();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            FORGOTTEN_CLOSE_CHILD,
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VARIABLE, FORGOTTEN_CLOSE_CHILD)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&child.stderr);
    let Some(deadlock) = report
        .lines()
        .find(|line| line.starts_with("deadlock; threads ="))
    else {
        panic!("loom reported no deadlock ({}):\n{report}", child.status);
    };
    let _ = writeln!(
        std::io::stderr(),
        "loom model seeded_bug_forgotten_close_is_found: {deadlock} (child process: {}), {:.2?}",
        child.status,
        started.elapsed()
    );
}

/// The environment variable that tells a child process which model to run, and the one model run that way.
const CHILD_VARIABLE: &str = "MODEL_CHECK_EXAMPLE_CHILD";
const FORGOTTEN_CLOSE_CHILD: &str = "forgotten_close_model_in_a_child_process";

/// The model of seeded bug 2; does nothing unless run as the child of [`seeded_bug_forgotten_close_is_found`]
/// (an environment variable, not `#[ignore]`, so that `--include-ignored` cannot abort the whole run).
#[test]
fn forgotten_close_model_in_a_child_process() {
    if std::env::var(CHILD_VARIABLE).as_deref() != Ok(FORGOTTEN_CLOSE_CHILD) {
        return;
    }
    let message = explore_expecting_failure("seeded_bug_forgotten_close_is_found", 3, || {
        let mut workers = Vec::new();
        block_on(seeded_bugs::dispatch_forgetting_close(
            &[3],
            1,
            on_loom_threads(&mut workers),
        ));
        join(workers);
    });
    assert!(message.contains("deadlock"), "{message}");
}

/// Seeded bug 3 (a `Relaxed` flag that publishes data) found: the dispatcher sees the progress count
/// complete and still reads the board's old 0, because nothing ordered the worker's write before the read.
#[test]
fn seeded_bug_relaxed_progress_flag_is_found() {
    let message = explore_expecting_failure("seeded_bug_relaxed_progress_flag_is_found", 2, || {
        let inputs = [3];
        let mut workers = Vec::new();
        let outputs = block_on(seeded_bugs::dispatch_polling_progress(
            &inputs,
            1,
            on_loom_threads(&mut workers),
        ));
        assert_outputs_in_input_order(&inputs, &outputs);
        join(workers);
    });
    assert!(message.contains("in input order"), "{message}");
}
