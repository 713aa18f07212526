//! Moving N messages from P producers to C consumers, for every peer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_queue::{ArrayQueue, SegQueue};
use tokio::runtime::Runtime;

use crate::peers::{self, AsyncPeer, Peer, UNBOUNDED};

/// A producers × consumers shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Producer tasks.
    pub producers: usize,
    /// Consumer tasks.
    pub consumers: usize,
}

impl Scenario {
    /// The four scenarios of the suite.
    pub const ALL: [Scenario; 4] = [
        Scenario {
            producers: 1,
            consumers: 1,
        },
        Scenario {
            producers: 4,
            consumers: 1,
        },
        Scenario {
            producers: 4,
            consumers: 4,
        },
        Scenario {
            producers: 16,
            consumers: 16,
        },
    ];

    /// "1x1", "4x4", ...
    pub fn key(self) -> String {
        format!("{}x{}", self.producers, self.consumers)
    }

    /// Human label: "SPSC 1×1", "MPSC 4×1", "MPMC 4×4".
    pub fn label(self) -> String {
        let kind = match (self.producers, self.consumers) {
            (1, 1) => "SPSC",
            (_, 1) => "MPSC",
            (1, _) => "SPMC",
            _ => "MPMC",
        };
        format!("{kind} {}×{}", self.producers, self.consumers)
    }

    /// Parses "4x4" (or "4×4").
    pub fn parse(s: &str) -> Option<Scenario> {
        let (p, c) = s.split_once('x').or_else(|| s.split_once('×'))?;
        Some(Scenario {
            producers: p.trim().parse().ok()?,
            consumers: c.trim().parse().ok()?,
        })
    }
}

/// Which runtime a measurement ran on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeKind {
    /// `new_multi_thread().worker_threads(n)`.
    MultiThread(usize),
    /// `new_current_thread()`.
    CurrentThread,
}

impl RuntimeKind {
    /// "multi_thread(2)" or "current_thread".
    pub fn key(self) -> String {
        match self {
            RuntimeKind::MultiThread(w) => format!("multi_thread({w})"),
            RuntimeKind::CurrentThread => "current_thread".to_string(),
        }
    }

    /// Builds the runtime (timers enabled: the driver's watchdog uses them).
    pub fn build(self) -> Runtime {
        let mut b = match self {
            RuntimeKind::MultiThread(w) => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(w);
                b
            }
            RuntimeKind::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        };
        b.enable_all().build().expect("runtime")
    }
}

/// One run's outcome.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Messages sent.
    pub n: u64,
    /// Wall time from the first spawn to the last consumer's end.
    pub elapsed: Duration,
    /// Messages received.
    pub count: u64,
    /// Wrapping sum of the values received.
    pub checksum: u64,
    /// Extra `close()` calls that were needed to end the run (tokio-mpmc 0.2.4 only).
    pub recloses: u32,
    /// The run hit the watchdog and was aborted.
    pub hung: bool,
}

impl RunResult {
    /// Whether every message arrived exactly once (count and checksum).
    pub fn ok(&self) -> bool {
        !self.hung && self.checksum_ok()
    }

    /// Whether count and checksum match what was sent.
    pub fn checksum_ok(&self) -> bool {
        self.count == self.n && self.checksum == expected_checksum(self.n)
    }

    /// Messages per second.
    pub fn msgs_per_sec(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }
}

/// Sum of 0..n (wrapping), what the consumers must add up to.
pub fn expected_checksum(n: u64) -> u64 {
    // n(n-1)/2 without overflow for the n used here; wrapping for safety.
    let (a, b) = if n % 2 == 0 {
        (n / 2, n.wrapping_sub(1))
    } else {
        (n, (n - 1) / 2)
    };
    a.wrapping_mul(b)
}

/// The values producer `i` of `p` sends: a contiguous slice of 0..n.
pub fn producer_range(i: usize, p: usize, n: u64) -> std::ops::Range<u64> {
    let lo = n * i as u64 / p as u64;
    let hi = n * (i as u64 + 1) / p as u64;
    lo..hi
}

/// How long the driver waits between two `close()` calls for peers whose close can lose a
/// wakeup, and how often it checks the watchdog.
pub const RECLOSE_PERIOD: Duration = Duration::from_millis(1);

/// Runs one peer on the runtime. `cap` may be [`UNBOUNDED`] (the peer's unbounded flavour);
/// the caller checks [`Peer::supports_cap`] first.
pub fn run_peer(
    peer: Peer,
    rt: &Runtime,
    s: Scenario,
    cap: usize,
    n: u64,
    watchdog: Duration,
) -> RunResult {
    let unbounded = cap == UNBOUNDED;
    match peer {
        Peer::Crossfire if unbounded => {
            run_async::<peers::CrossfireUnbounded>(rt, s, cap, n, watchdog)
        }
        Peer::TokioMpsc if unbounded => {
            run_async::<peers::TokioMpscUnbounded>(rt, s, cap, n, watchdog)
        }
        Peer::Ours => run_async::<peers::Ours>(rt, s, cap, n, watchdog),
        Peer::OursChannel => run_async::<peers::OursChannel>(rt, s, cap, n, watchdog),
        Peer::AsyncChannel => run_async::<peers::AsyncChannel>(rt, s, cap, n, watchdog),
        Peer::Flume => run_async::<peers::Flume>(rt, s, cap, n, watchdog),
        Peer::Kanal => run_async::<peers::Kanal>(rt, s, cap, n, watchdog),
        Peer::Crossfire => run_async::<peers::Crossfire>(rt, s, cap, n, watchdog),
        Peer::TokioMpsc => run_async::<peers::TokioMpsc>(rt, s, cap, n, watchdog),
        Peer::Mpmc024 => run_async::<peers::Mpmc024>(rt, s, cap, n, watchdog),
        Peer::Crossbeam if unbounded => run_crossbeam(s, SegQueue::<u64>::new(), n),
        Peer::Crossbeam => run_crossbeam(s, ArrayQueue::<u64>::new(cap), n),
    }
}

/// The async driver: spawn consumers, spawn producers, wait for the producers, close, wait for
/// the consumers. The clock covers all of it.
pub fn run_async<P: AsyncPeer>(
    rt: &Runtime,
    s: Scenario,
    cap: usize,
    n: u64,
    watchdog: Duration,
) -> RunResult {
    rt.block_on(async move {
        let (tx, rxs, ctl) = P::make(cap, s.consumers);
        let start = Instant::now();
        let mut consumers = Vec::with_capacity(s.consumers);
        for mut rx in rxs {
            consumers.push(tokio::spawn(async move {
                let mut count = 0u64;
                let mut sum = 0u64;
                while let Some(v) = P::recv(&mut rx).await {
                    count += 1;
                    sum = sum.wrapping_add(v);
                }
                (count, sum)
            }));
        }
        let mut producers = Vec::with_capacity(s.producers);
        for i in 0..s.producers {
            let tx = tx.clone();
            let range = producer_range(i, s.producers, n);
            producers.push(tokio::spawn(async move {
                for v in range {
                    assert!(
                        P::send(&tx, v).await,
                        "{}: send failed on an open queue",
                        P::PEER.key()
                    );
                }
            }));
        }
        drop(tx);

        let deadline = start + watchdog;
        let mut hung = false;
        for h in &mut producers {
            match tokio::time::timeout_at(deadline.into(), h).await {
                Ok(r) => r.expect("producer panicked"),
                Err(_) => {
                    hung = true;
                    break;
                }
            }
        }
        P::close(&ctl);
        let mut recloses = 0u32;
        let (mut count, mut checksum) = (0u64, 0u64);
        if !hung {
            for h in &mut consumers {
                loop {
                    if P::NEEDS_RECLOSE {
                        match tokio::time::timeout(RECLOSE_PERIOD, &mut *h).await {
                            Ok(r) => {
                                let (c, sum) = r.expect("consumer panicked");
                                count += c;
                                checksum = checksum.wrapping_add(sum);
                                break;
                            }
                            Err(_) if Instant::now() < deadline => {
                                P::close(&ctl);
                                recloses += 1;
                            }
                            Err(_) => {
                                hung = true;
                                break;
                            }
                        }
                    } else {
                        match tokio::time::timeout_at(deadline.into(), &mut *h).await {
                            Ok(r) => {
                                let (c, sum) = r.expect("consumer panicked");
                                count += c;
                                checksum = checksum.wrapping_add(sum);
                            }
                            Err(_) => hung = true,
                        }
                        break;
                    }
                }
                if hung {
                    break;
                }
            }
        }
        let elapsed = start.elapsed();
        if hung {
            producers.iter().for_each(|h| h.abort());
            consumers.iter().for_each(|h| h.abort());
        }
        RunResult {
            n,
            elapsed,
            count,
            checksum,
            recloses,
            hung,
        }
    })
}

/// Spin, then yield the thread: the retry policy of the std-thread reference.
#[inline]
fn backoff(step: &mut u32) {
    if *step < 6 {
        for _ in 0..(1u32 << *step) {
            std::hint::spin_loop();
        }
        *step += 1;
    } else {
        std::thread::yield_now();
    }
}

/// A crossbeam queue the std-thread reference can drive.
pub trait SpinQueue: Send + Sync {
    /// Pushes, or gives the value back when full.
    fn push(&self, v: u64) -> Result<(), u64>;
    /// Pops, or None when empty.
    fn pop(&self) -> Option<u64>;
}

impl SpinQueue for ArrayQueue<u64> {
    #[inline]
    fn push(&self, v: u64) -> Result<(), u64> {
        ArrayQueue::push(self, v)
    }
    #[inline]
    fn pop(&self) -> Option<u64> {
        ArrayQueue::pop(self)
    }
}

impl SpinQueue for SegQueue<u64> {
    #[inline]
    fn push(&self, v: u64) -> Result<(), u64> {
        SegQueue::push(self, v);
        Ok(())
    }
    #[inline]
    fn pop(&self) -> Option<u64> {
        SegQueue::pop(self)
    }
}

/// The hardware reference: crossbeam's `ArrayQueue` (or `SegQueue`, unbounded) between plain
/// std threads that spin (then yield) on full/empty. No runtime, no wakers.
pub fn run_crossbeam<Q: SpinQueue>(s: Scenario, q: Q, n: u64) -> RunResult {
    let q = Arc::new(q);
    let producers_left = Arc::new(AtomicUsize::new(s.producers));
    let start = Instant::now();
    let (count, checksum) = std::thread::scope(|scope| {
        let mut consumers = Vec::with_capacity(s.consumers);
        for _ in 0..s.consumers {
            let q = &q;
            let left = &producers_left;
            consumers.push(scope.spawn(move || {
                let (mut count, mut sum) = (0u64, 0u64);
                let mut step = 0;
                loop {
                    if let Some(v) = q.pop() {
                        count += 1;
                        sum = sum.wrapping_add(v);
                        step = 0;
                    } else if left.load(Ordering::Acquire) == 0 {
                        // Producers are done: drain what is left, then stop.
                        while let Some(v) = q.pop() {
                            count += 1;
                            sum = sum.wrapping_add(v);
                        }
                        return (count, sum);
                    } else {
                        backoff(&mut step);
                    }
                }
            }));
        }
        for i in 0..s.producers {
            let q = &q;
            let left = &producers_left;
            let range = producer_range(i, s.producers, n);
            scope.spawn(move || {
                for v in range {
                    let mut v = v;
                    let mut step = 0;
                    while let Err(back) = q.push(v) {
                        v = back;
                        backoff(&mut step);
                    }
                }
                left.fetch_sub(1, Ordering::Release);
            });
        }
        consumers
            .into_iter()
            .map(|h| h.join().expect("consumer thread"))
            .fold((0u64, 0u64), |(c, s), (c2, s2)| {
                (c + c2, s.wrapping_add(s2))
            })
    });
    RunResult {
        n,
        elapsed: start.elapsed(),
        count,
        checksum,
        recloses: 0,
        hung: false,
    }
}
