//! A Tokio runtime that runs a future under a deadline, so that a hang fails the test instead of stalling it.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::task::JoinError;

/// Why a future given to [`run_with_deadline`] produced no output.
#[derive(Debug)]
pub enum Unfinished {
    /// The future (the task running it) panicked.
    Panicked(JoinError),
    /// The future was still running at the deadline: some task waits forever (a lost wake-up?) or spins.
    Hung(Duration),
}

impl fmt::Display for Unfinished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unfinished::Panicked(panic) => write!(f, "the run panicked: {panic}"),
            Unfinished::Hung(deadline) => write!(
                f,
                "the run did not finish within {deadline:?}: a task is waiting forever (lost wake-up?)"
            ),
        }
    }
}

/// Runs `future` as a task on a fresh multi-thread runtime with `worker_threads` workers (timers and I/O
/// on) and returns its output, or [`Unfinished`] if it panicked or had not finished after `deadline`.
/// The runtime is then shut down without waiting for tasks still running, so a hung run returns too.
pub fn run_with_deadline<F>(
    worker_threads: usize,
    deadline: Duration,
    future: F,
) -> Result<F::Output, Unfinished>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads)
        .enable_all()
        .build()
        .expect("build a Tokio runtime");
    let outcome = runtime.block_on(async {
        match tokio::time::timeout(deadline, tokio::spawn(future)).await {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(panic)) => Err(Unfinished::Panicked(panic)),
            Err(_) => Err(Unfinished::Hung(deadline)),
        }
    });
    runtime.shutdown_background();
    outcome
}
