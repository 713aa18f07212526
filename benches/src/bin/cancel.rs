//! Cancellation cost: N receive futures wait on an empty `tokio_mpmc::channel` (or N send futures
//! on a full one of capacity 1), each polled once by hand with a no-op waker so it is registered
//! as a waiter; then all are dropped in a random order and the drops are timed. Random order is
//! the hard case for a waiter list (no cancel is at either end). See `--help`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Instant;

use tokio_mpmc_bench::args::Args;
use tokio_mpmc_bench::stats::median;

const USAGE: &str = "\
cancel [flags]   (every flag also reads the environment variable in brackets)
  --sizes LIST     waiters per run            [CANCEL_SIZES, default 10000,100000]
  --runs R         runs per size (median)     [CANCEL_RUNS, default 3]
  --seed S         xorshift seed of the order [CANCEL_SEED, default 0x9E3779B97F4A7C15]
Prints microseconds per cancel for receive and send futures, and a baseline: the same boxes
dropped in the same order without ever having been polled (the allocator and drop glue alone).";

/// xorshift64: deterministic, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A Fisher–Yates shuffle of `0..n`.
    fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
        v
    }
}

/// Polls every future once (each must stay pending, i.e. become a registered waiter) unless
/// `register` is false, then drops them in `order` and returns the time per drop in µs.
fn drop_in_order<F: Future>(
    mut futs: Vec<Option<Pin<Box<F>>>>,
    order: &[usize],
    register: bool,
) -> f64 {
    if register {
        let mut cx = Context::from_waker(Waker::noop());
        for f in futs.iter_mut().flatten() {
            assert!(f.as_mut().poll(&mut cx).is_pending(), "a waiter completed");
        }
    }
    let t0 = Instant::now();
    for &i in order {
        drop(futs[i].take());
    }
    let el = t0.elapsed();
    el.as_secs_f64() * 1e6 / order.len() as f64
}

/// Receive-future cancels on an empty channel (`register` false: the unpolled baseline).
fn recv_run(n: usize, order: &[usize], register: bool) -> f64 {
    let (_tx, rx) = tokio_mpmc::channel::<u64>(16);
    let futs = (0..n).map(|_| Some(Box::pin(rx.recv()))).collect();
    let us = drop_in_order(futs, order, register);
    assert!(rx.try_recv().is_err(), "the channel must still be empty");
    us
}

/// Send-future cancels on a full channel of capacity 1 (`register` false: the baseline).
fn send_run(n: usize, order: &[usize], register: bool) -> f64 {
    let (tx, rx) = tokio_mpmc::channel::<u64>(1);
    tx.try_send(u64::MAX).expect("room for one");
    let futs = (0..n as u64).map(|v| Some(Box::pin(tx.send(v)))).collect();
    let us = drop_in_order(futs, order, register);
    // Only the value sent before the waiters is inside: no cancelled send got through.
    assert_eq!(rx.try_recv().ok(), Some(u64::MAX));
    assert!(rx.try_recv().is_err());
    us
}

fn main() {
    let args = Args::parse(USAGE);
    let sizes: Vec<usize> = args
        .list("sizes", "CANCEL_SIZES")
        .unwrap_or_else(|| vec!["10000".into(), "100000".into()])
        .iter()
        .map(|s| s.replace('_', "").parse().expect("size"))
        .collect();
    let runs: usize = args.value("runs", "CANCEL_RUNS", 3);
    let seed: u64 = args
        .get("seed", "CANCEL_SEED")
        .map(|s| {
            let s = s.replace('_', "");
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            }
            .expect("seed")
        })
        .unwrap_or(0x9E37_79B9_7F4A_7C15)
        .max(1); // xorshift's state must not be 0
    let mut rng = XorShift(seed);
    type Run = fn(usize, &[usize], bool) -> f64;
    let kinds: [(&str, &str, Run); 2] = [
        ("recv", "receive futures on an empty channel", recv_run),
        (
            "send",
            "send futures on a full channel of capacity 1",
            send_run,
        ),
    ];
    for &n in &sizes {
        let order = rng.permutation(n);
        for (key, what, run) in kinds {
            let cancel: Vec<f64> = (0..runs).map(|_| run(n, &order, true)).collect();
            let base: Vec<f64> = (0..runs).map(|_| run(n, &order, false)).collect();
            println!(
                "{key}: cancel {n} waiters in random order: {:.2} us per cancel \
                 (median of {runs}; {what}; unpolled baseline {:.3} us)",
                median(&cancel),
                median(&base)
            );
        }
    }
}
