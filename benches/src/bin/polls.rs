//! Diagnostic: how often each peer's send/receive futures return `Pending` per message, and how
//! many of those wake-ups were wasted (woken, polled, still `Pending`). A structural measure that
//! the machine's noise does not move. See `--help`.

use std::fmt::Write as _;
use std::future::{Future, poll_fn};
use std::path::PathBuf;
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
  --workers W      [default 2]
  --out FILE       also write a CSV, one row per peer per cell, and its `-meta.txt` beside it
                   [POLLS_OUT; default: print only]
  --state LABEL    the machine's state, for the meta file [BENCH_STATE, default unspecified]";

const CSV_HEADER: &str = "runtime,scenario,producers,consumers,capacity,peer,msgs_per_sec,send_polls,send_waits,send_wasted,recv_polls,recv_waits,recv_wasted,hand_offs_begun\n";

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

/// Per message, one side: polls beyond each future's first (a `Pending` return is followed by one
/// more poll: its wake-up, or the budget's yield), futures that waited, wasted wake-ups (woken,
/// polled, still `Pending`).
struct PerMsg {
    polls: f64,
    waits: f64,
    wasted: f64,
}

impl PerMsg {
    fn of(side: &Side, n: u64) -> PerMsg {
        let (pendings, waited) = (side.pendings.load(Relaxed), side.waited.load(Relaxed));
        PerMsg {
            polls: pendings as f64 / n as f64,
            waits: waited as f64 / n as f64,
            wasted: (pendings - waited) as f64 / n as f64,
        }
    }
}

/// One peer in one cell.
struct Measured {
    msgs_per_sec: f64,
    send: PerMsg,
    recv: PerMsg,
    /// Ours only: how many times either side entered hand-off mode during the run.
    hand_offs_begun: Option<u64>,
}

impl Measured {
    fn line(&self, peer: &str) -> String {
        let (s, r) = (&self.send, &self.recv);
        let hand_offs = self
            .hand_offs_begun
            .map(|h| format!(" | hand-off mode began {h} times"))
            .unwrap_or_default();
        format!(
            "{peer:<18} {:>6.2}M/s | send: polls/msg {:>5.3} waits/msg {:>5.3} wasted wakes/msg {:>5.3} | recv: polls/msg {:>5.3} waits/msg {:>5.3} wasted wakes/msg {:>5.3}{hand_offs}",
            self.msgs_per_sec / 1e6,
            s.polls,
            s.waits,
            s.wasted,
            r.polls,
            r.waits,
            r.wasted
        )
    }

    /// The CSV columns after the peer (the per-message figures as printed).
    fn csv(&self) -> String {
        let (s, r) = (&self.send, &self.recv);
        format!(
            "{:.0},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{}",
            self.msgs_per_sec,
            s.polls,
            s.waits,
            s.wasted,
            r.polls,
            r.waits,
            r.wasted,
            self.hand_offs_begun
                .map(|h| h.to_string())
                .unwrap_or_default()
        )
    }
}

fn run<P: AsyncPeer>(rt: &tokio::runtime::Runtime, s: Scenario, cap: usize, n: u64) -> Measured {
    let send: &'static Side = Box::leak(Box::default());
    let recv: &'static Side = Box::leak(Box::default());
    let hand_offs_before = tokio_mpmc::counters::hand_offs_begun();
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
    Measured {
        msgs_per_sec: n as f64 / t0.elapsed().as_secs_f64(),
        send: PerMsg::of(send, n),
        recv: PerMsg::of(recv, n),
        hand_offs_begun: matches!(P::PEER, Peer::Ours | Peer::OursChannel)
            .then(|| tokio_mpmc::counters::hand_offs_begun() - hand_offs_before),
    }
}

fn main() {
    let args = Args::parse(USAGE);
    let n: u64 = args.value("n", "POLLS_N", 200_000);
    let workers: usize = args.value("workers", "POLLS_WORKERS", 2);
    let out: Option<PathBuf> = args.get("out", "POLLS_OUT").map(Into::into);
    // One line of the meta file.
    let state = args.get("state", "BENCH_STATE").map_or_else(
        || tokio_mpmc_bench::DEFAULT_STATE.into(),
        |s| s.replace('\n', " "),
    );
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
    let t_all = std::time::Instant::now();
    let load_before = tokio_mpmc_bench::load_average();
    let revision = tokio_mpmc_bench::source_revision();
    let mut csv = String::from(CSV_HEADER);
    for &rk in &runtimes {
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
                    let m = match p {
                        Peer::Crossfire if unbounded => {
                            run::<peers::CrossfireUnbounded>(&rt, s, cap, n)
                        }
                        Peer::TokioMpsc if unbounded => {
                            run::<peers::TokioMpscUnbounded>(&rt, s, cap, n)
                        }
                        Peer::Ours => run::<peers::Ours>(&rt, s, cap, n),
                        Peer::OursChannel => run::<peers::OursChannel>(&rt, s, cap, n),
                        Peer::AsyncChannel => run::<peers::AsyncChannel>(&rt, s, cap, n),
                        Peer::Flume => run::<peers::Flume>(&rt, s, cap, n),
                        Peer::Kanal => run::<peers::Kanal>(&rt, s, cap, n),
                        Peer::Crossfire => run::<peers::Crossfire>(&rt, s, cap, n),
                        Peer::TokioMpsc => run::<peers::TokioMpsc>(&rt, s, cap, n),
                        Peer::Mpmc024 => run::<peers::Mpmc024>(&rt, s, cap, n),
                        Peer::Crossbeam => unreachable!(),
                    };
                    println!("  {}", m.line(p.key_at(cap)));
                    let _ = writeln!(
                        csv,
                        "{},{},{},{},{},{},{}",
                        rk.key(),
                        s.key(),
                        s.producers,
                        s.consumers,
                        peers::cap_label(cap),
                        p.key_at(cap),
                        m.csv()
                    );
                }
            }
        }
    }
    let Some(out) = out else { return };
    std::fs::write(&out, &csv).expect("write polls csv");
    let meta = format!(
        "date={}\nmachine={}\nrustc={}\nrevision={revision}\nload_before={load_before}\nload_after={}\nn={n}\nworkers={workers}\nruntimes={}\nwall_secs={:.0}\nstate={state}\n",
        tokio_mpmc_bench::utc_now(),
        tokio_mpmc_bench::machine_description(),
        tokio_mpmc_bench::rustc_version(),
        tokio_mpmc_bench::load_average(),
        runtimes
            .iter()
            .map(|r| r.key())
            .collect::<Vec<_>>()
            .join(" "),
        t_all.elapsed().as_secs_f64()
    );
    let meta_path = tokio_mpmc_bench::meta_path(&out);
    std::fs::write(&meta_path, meta).expect("write meta");
    println!("wrote {} and {}", out.display(), meta_path.display());
}
