//! Diagnostic: how often each peer's send/receive futures return `Pending` per message, and how
//! many of those wake-ups were wasted (woken, polled, still `Pending`). A structural measure that
//! the machine's noise does not move. See `--help`.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use tokio_mpmc_bench::args::Args;
use tokio_mpmc_bench::peers::{self, AsyncPeer, Peer};
use tokio_mpmc_bench::throughput::{RuntimeKind, Scenario, producer_range};

const USAGE: &str = "\
polls [flags]
  --n N            messages [default 200000]
  --scenarios L    [default 4x4,16x16]
  --caps L         [default 1,16,1024]
  --runtimes L     multi,current [default current]
  --peers L        async peers, as for throughput [default all]
  --workers W      [default 2]";

/// Futures that returned Pending at least once, total Pending returns.
#[derive(Default)]
struct Side {
    ops: AtomicU64,
    waited: AtomicU64,
    pendings: AtomicU64,
}

async fn counted<F: Future>(f: F, side: &Side) -> F::Output {
    let mut f = pin!(f);
    let mut pend = 0u64;
    let out = poll_fn(|cx| {
        let r = f.as_mut().poll(cx);
        if r.is_pending() {
            pend += 1;
        }
        r
    })
    .await;
    side.ops.fetch_add(1, Relaxed);
    if pend > 0 {
        side.waited.fetch_add(1, Relaxed);
        side.pendings.fetch_add(pend, Relaxed);
    }
    out
}

fn run<P: AsyncPeer>(rt: &tokio::runtime::Runtime, s: Scenario, cap: usize, n: u64) -> String {
    let send: &'static Side = Box::leak(Box::default());
    let recv: &'static Side = Box::leak(Box::default());
    let t0 = std::time::Instant::now();
    rt.block_on(async move {
        let (tx, rxs, ctl) = P::make(cap, s.consumers);
        let mut cons = Vec::new();
        for mut rx in rxs {
            cons.push(tokio::spawn(async move {
                let mut c = 0u64;
                while counted(P::recv(&mut rx), recv).await.is_some() {
                    c += 1;
                }
                c
            }));
        }
        let mut prods = Vec::new();
        for i in 0..s.producers {
            let tx = tx.clone();
            let r = producer_range(i, s.producers, n);
            prods.push(tokio::spawn(async move {
                for v in r {
                    assert!(counted(P::send(&tx, v), send).await);
                }
            }));
        }
        drop(tx);
        for p in prods {
            p.await.unwrap();
        }
        P::close(&ctl);
        let mut total = 0;
        for mut c in cons {
            // tokio-mpmc 0.2.4 can lose the close wake-up: re-close until the consumer ends.
            loop {
                match tokio::time::timeout(std::time::Duration::from_millis(5), &mut c).await {
                    Ok(r) => {
                        total += r.unwrap();
                        break;
                    }
                    Err(_) => P::close(&ctl),
                }
            }
        }
        assert_eq!(total, n);
    });
    let el = t0.elapsed().as_secs_f64();
    let f = |x: &AtomicU64| x.load(Relaxed) as f64 / n as f64;
    let wasted = |s: &Side| (s.pendings.load(Relaxed) - s.waited.load(Relaxed)) as f64 / n as f64;
    // Every Pending return is followed by one more poll of the task (its wake-up, or the budget's yield):
    // the polls per message beyond the first poll of each task.
    format!(
        "{:<18} {:>6.2}M/s | send: polls/msg {:>5.3} waits/msg {:>5.3} wasted wakes/msg {:>5.3} | recv: polls/msg {:>5.3} waits/msg {:>5.3} wasted wakes/msg {:>5.3}",
        P::PEER.key(),
        n as f64 / el / 1e6,
        f(&send.pendings),
        f(&send.waited),
        wasted(send),
        f(&recv.pendings),
        f(&recv.waited),
        wasted(recv)
    )
}

fn main() {
    let args = Args::parse(USAGE);
    let n: u64 = args.value("n", "POLLS_N", 200_000);
    let workers: usize = args.value("workers", "POLLS_WORKERS", 2);
    let scenarios: Vec<Scenario> = args
        .list("scenarios", "POLLS_SCENARIOS")
        .unwrap_or_else(|| vec!["4x4".into(), "16x16".into()])
        .iter()
        .map(|s| Scenario::parse(s).expect("scenario"))
        .collect();
    let caps: Vec<usize> = args
        .list("caps", "POLLS_CAPS")
        .unwrap_or_else(|| vec!["1".into(), "16".into(), "1024".into()])
        .iter()
        .map(|s| peers::parse_cap(s).expect("cap"))
        .collect();
    let runtimes: Vec<RuntimeKind> = args
        .list("runtimes", "POLLS_RUNTIMES")
        .unwrap_or_else(|| vec!["current".into()])
        .iter()
        .map(|s| {
            if s.starts_with('m') {
                RuntimeKind::MultiThread(workers)
            } else {
                RuntimeKind::CurrentThread
            }
        })
        .collect();
    let peers: Vec<Peer> = match args.list("peers", "POLLS_PEERS") {
        None => Peer::ALL.to_vec(),
        Some(l) => l
            .iter()
            .map(|s| Peer::from_key(s).unwrap_or_else(|| panic!("unknown peer {s:?}")))
            .collect(),
    };
    for rk in runtimes {
        let rt = rk.build();
        for &s in &scenarios {
            for &cap in &caps {
                println!(
                    "{} {} cap {} (n = {n})",
                    rk.key(),
                    s.label(),
                    peers::cap_label(cap)
                );
                for p in peers.iter().copied().filter(|p| {
                    p.is_async() && p.supports_consumers(s.consumers) && p.supports_cap(cap)
                }) {
                    let unbounded = cap == peers::UNBOUNDED;
                    let line = match p {
                        Peer::Crossfire if unbounded => {
                            run::<peers::CrossfireUnbounded>(&rt, s, cap, n)
                        }
                        Peer::TokioMpsc if unbounded => {
                            run::<peers::TokioMpscUnbounded>(&rt, s, cap, n)
                        }
                        Peer::Ours => run::<peers::Ours>(&rt, s, cap, n),
                        Peer::AsyncChannel => run::<peers::AsyncChannel>(&rt, s, cap, n),
                        Peer::Flume => run::<peers::Flume>(&rt, s, cap, n),
                        Peer::Kanal => run::<peers::Kanal>(&rt, s, cap, n),
                        Peer::Crossfire => run::<peers::Crossfire>(&rt, s, cap, n),
                        Peer::TokioMpsc => run::<peers::TokioMpsc>(&rt, s, cap, n),
                        Peer::Mpmc024 => run::<peers::Mpmc024>(&rt, s, cap, n),
                        Peer::Crossbeam => unreachable!(),
                    };
                    println!("  {line}");
                }
            }
        }
    }
}
