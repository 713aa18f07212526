//! A job dispatcher built on [`tokio_mpmc`]: the worked example of model-checking *your own* code, with the
//! queue's interleavings explored too (see README.md next to this crate).
//!
//! [`dispatch`] hands jobs to a pool of [`Worker`]s over one bounded channel (each job goes to exactly one
//! worker) and returns their outputs in input order. A worker writes its output in place on a shared
//! [`Board`] (in real code a large buffer one would rather not move through a channel) and then reports the
//! job's id on a second channel. That report is what publishes the output: a send on the channel
//! happens-before the receive that takes the value, so the dispatcher's read of the board sees the write.
//!
//! [`seeded_bugs`] holds three variants, each a few lines away from this code, that look right and are not.
//! The models in `tests/loom.rs` and `tests/shuttle.rs` pass on the code here and must fail on those.
//!
//! Threads are the caller's: [`dispatch`] takes a spawner, so the same code runs on `std::thread`, on
//! `loom::thread` and on `shuttle::thread`.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

pub mod seeded_bugs;
mod sync;

use tokio_mpmc::{Receiver, Sender, channel};

use crate::sync::{Arc, AtomicUsize, Ordering::Relaxed};

/// One unit of work: the input, and the id under which its output goes on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// The job's index in the dispatcher's input, and so its slot on the board.
    pub id: usize,
    /// What [`work`] runs on.
    pub input: usize,
}

/// The work a job does.
pub fn work(input: usize) -> usize {
    input * input
}

/// Where workers leave their outputs: one slot per job, written once by the worker that ran it, plus a
/// count of finished jobs for progress displays.
#[derive(Debug)]
pub struct Board {
    outputs: Vec<AtomicUsize>,
    finished: AtomicUsize,
}

impl Board {
    /// A board for `jobs` jobs, every slot 0.
    pub fn new(jobs: usize) -> Self {
        Board {
            outputs: (0..jobs).map(|_| AtomicUsize::new(0)).collect(),
            finished: AtomicUsize::new(0),
        }
    }

    /// Leaves `output` in `job`'s slot and counts the job as finished.
    ///
    /// Both `Relaxed`: neither store publishes anything. The output is published by what the worker does
    /// next (it reports the job on a channel), and the count is only a progress figure.
    pub fn write(&self, job: usize, output: usize) {
        self.outputs[job].store(output, Relaxed);
        self.finished.fetch_add(1, Relaxed);
    }

    /// The output in `job`'s slot. Sees the worker's write only once something ordered that write before
    /// this read (for [`dispatch`], receiving the job's report).
    pub fn read(&self, job: usize) -> usize {
        self.outputs[job].load(Relaxed)
    }

    /// How many jobs have finished so far: a progress figure, which orders nothing. Seeing every job
    /// finished here does *not* make their outputs readable ([`seeded_bugs::dispatch_polling_progress`]).
    pub fn finished(&self) -> usize {
        self.finished.load(Relaxed)
    }
}

/// One worker of the pool: start it on a thread of your choice and call [`Worker::run`] there.
#[derive(Debug)]
pub struct Worker {
    jobs: Receiver<Job>,
    reports: Sender<usize>,
    board: Arc<Board>,
}

impl Worker {
    /// Runs jobs until the job channel is closed and drained, and returns how many it ran.
    ///
    /// Blocks its thread while it waits (the channel's blocking calls, which park through the checker inside
    /// a model), so it must not run on an async runtime's thread.
    pub fn run(self) -> usize {
        let mut ran = 0;
        while let Some(job) = self.jobs.blocking_recv() {
            self.board.write(job.id, work(job.input));
            ran += 1;
            // Publishes the output: the dispatcher reads the slot only after it received this id. The send
            // fails only once the dispatcher is gone (its future was dropped): nobody wants outputs any more.
            if self.reports.blocking_send(job.id).is_err() {
                break;
            }
        }
        // Returning drops `reports`: when the last worker is gone, the dispatcher's `recv` answers `None`.
        ran
    }
}

/// Runs [`work`] over `inputs` on `workers` workers, each handed to `spawn` to run on a thread
/// (`|worker| std::thread::spawn(move || worker.run())`, or loom's or shuttle's spawn), and returns the
/// outputs in input order.
///
/// # Panics
///
/// If `workers` is 0.
pub async fn dispatch(inputs: &[usize], workers: usize, spawn: impl FnMut(Worker)) -> Vec<usize> {
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
    // No more jobs. Dropping the only sender closes the channel: each worker drains what is left, gets
    // `None` and exits, dropping its report sender, and then the loop below ends.
    drop(jobs);
    let mut outputs = vec![0; inputs.len()];
    while let Some(id) = reports.recv().await {
        // The worker wrote the slot before it sent `id`, and its send happens-before this receive.
        outputs[id] = board.read(id);
    }
    outputs
}

/// The dispatcher's ends of a started pool (shared by [`dispatch`] and [`seeded_bugs`]).
struct Pool {
    jobs: Sender<Job>,
    reports: Receiver<usize>,
    board: Arc<Board>,
}

impl Pool {
    /// Creates the channels and the board for `job_count` jobs and starts `workers` workers.
    fn start(job_count: usize, workers: usize, mut spawn: impl FnMut(Worker)) -> Pool {
        assert!(workers > 0, "a pool needs at least one worker");
        // One waiting job per worker keeps every worker busy and bounds memory.
        let (jobs, job_receiver) = channel(workers);
        // Room for every report: the dispatcher reads reports only once it has submitted every job, so a
        // worker must never wait for room to report (it would stop taking jobs, and the dispatcher would
        // wait for room to submit: a deadlock).
        let (report_sender, reports) = channel(job_count.max(1));
        let board = Arc::new(Board::new(job_count));
        for _ in 0..workers {
            spawn(Worker {
                jobs: job_receiver.clone(),
                reports: report_sender.clone(),
                board: Arc::clone(&board),
            });
        }
        // Only the workers hold the job receiver and the report sender from here on: when they are all
        // gone, sends of jobs fail and `reports.recv()` answers `None`.
        Pool {
            jobs,
            reports,
            board,
        }
    }
}
