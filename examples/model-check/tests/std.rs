//! The dispatcher on real threads and a real tokio runtime: what a plain `cargo test` runs.
//!
//! Gated off in the checkers' builds. There the board's atomics and (through the `loom` / `shuttle` feature)
//! the queue's come from the checker and panic outside a model, and tokio under `--cfg loom` refuses its I/O
//! driver (`#[tokio::test]` panics with `!enabled`).
#![cfg(not(any(loom, shuttle)))]

use std::thread::JoinHandle;

use tokio_mpmc_model_check_example::{dispatch, seeded_bugs, work};

/// Starts each worker on its own OS thread and keeps the handles, so a test can count the jobs each ran.
fn spawn_on_threads(
    handles: &mut Vec<JoinHandle<usize>>,
) -> impl FnMut(tokio_mpmc_model_check_example::Worker) {
    move |worker| handles.push(std::thread::spawn(move || worker.run()))
}

#[tokio::test]
async fn four_workers_deliver_every_output_in_input_order() {
    let inputs: Vec<usize> = (0..1000).collect();
    let mut workers = Vec::new();
    let outputs = dispatch(&inputs, 4, spawn_on_threads(&mut workers)).await;
    assert_eq!(outputs, inputs.iter().map(|&n| work(n)).collect::<Vec<_>>());
    let ran: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(ran, inputs.len(), "every job ran exactly once");
}

/// Why the seeded bugs need a checker: with one worker the ordering assumption holds, and a quick test of it
/// passes (tests/loom.rs and tests/shuttle.rs find it with two).
#[tokio::test]
async fn the_ordering_assumption_passes_a_one_worker_test() {
    let mut workers = Vec::new();
    let outputs =
        seeded_bugs::dispatch_assuming_reports_in_order(&[3, 4], 1, spawn_on_threads(&mut workers))
            .await;
    assert_eq!(outputs, [9, 16]);
    for worker in workers {
        worker.join().unwrap();
    }
}
