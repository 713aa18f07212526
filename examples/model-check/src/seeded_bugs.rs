//! SEEDED BUGS: three broken copies of [`dispatch`](crate::dispatch), kept so the model tests can prove they
//! find them. Do not use these. Each differs from `dispatch` only where marked `SEEDED BUG`. The first and
//! the third pass a test with one worker, and most runs with several on x86; the second hangs the program
//! (in a model, a deadlock report instead of a hang).
//!
//! | function | bug | loom | shuttle |
//! |---|---|---|---|
//! | [`dispatch_assuming_reports_in_order`] | ordering assumption | wrong output order | wrong output order |
//! | [`dispatch_forgetting_close`] | forgotten close | deadlock | deadlock |
//! | [`dispatch_polling_progress`] | `Relaxed` flag publishes data | stale read of the board | not found |
//!
//! Shuttle runs every atomic as `SeqCst`, so it cannot find the third: weak-memory bugs need loom.

use crate::sync::yield_now;
use crate::{Job, Pool, Worker};

/// Seeded bug 1, an ordering assumption: takes the reports to arrive in job order and lists the outputs in
/// arrival order. True with one worker; with two, the second job can finish first.
pub async fn dispatch_assuming_reports_in_order(
    inputs: &[usize],
    workers: usize,
    spawn: impl FnMut(Worker),
) -> Vec<usize> {
    let Pool {
        jobs,
        reports,
        board,
    } = Pool::start(inputs.len(), workers, spawn);
    for (id, &input) in inputs.iter().enumerate() {
        jobs.send(Job { id, input })
            .await
            .expect("workers keep receiving until the job channel closes");
    }
    drop(jobs);
    let mut outputs = Vec::with_capacity(inputs.len());
    while let Some(id) = reports.recv().await {
        outputs.push(board.read(id)); // SEEDED BUG: should be `outputs[id] = board.read(id)`.
    }
    outputs
}

/// Seeded bug 2, a forgotten close: never drops the job sender before it waits for the workers to finish.
/// The workers wait for more jobs, the dispatcher waits for the workers to leave: every thread waits.
pub async fn dispatch_forgetting_close(
    inputs: &[usize],
    workers: usize,
    spawn: impl FnMut(Worker),
) -> Vec<usize> {
    let Pool {
        jobs,
        reports,
        board,
    } = Pool::start(inputs.len(), workers, spawn);
    for (id, &input) in inputs.iter().enumerate() {
        jobs.send(Job { id, input })
            .await
            .expect("workers keep receiving until the job channel closes");
    }
    // SEEDED BUG: `drop(jobs);` is missing, so `jobs` lives until this function returns, which it never does.
    let mut outputs = vec![0; inputs.len()];
    while let Some(id) = reports.recv().await {
        outputs[id] = board.read(id);
    }
    outputs
}

/// Seeded bug 3, a `Relaxed` flag that publishes data: instead of receiving the reports, waits until the
/// board's progress count says every job finished, then reads the outputs. The count is `Relaxed`, so seeing
/// it complete orders nothing: a slot can still read as its old value 0 (on ARM, or under loom).
pub async fn dispatch_polling_progress(
    inputs: &[usize],
    workers: usize,
    spawn: impl FnMut(Worker),
) -> Vec<usize> {
    // The reports are left unread (but kept open until this function returns, as `dispatch` does).
    let Pool {
        jobs,
        reports: _unread,
        board,
    } = Pool::start(inputs.len(), workers, spawn);
    for (id, &input) in inputs.iter().enumerate() {
        jobs.send(Job { id, input })
            .await
            .expect("workers keep receiving until the job channel closes");
    }
    drop(jobs);
    // SEEDED BUG: a Relaxed progress count used as "the outputs are ready" (fix: receive the reports).
    while board.finished() < inputs.len() {
        yield_now();
    }
    (0..inputs.len()).map(|id| board.read(id)).collect()
}
