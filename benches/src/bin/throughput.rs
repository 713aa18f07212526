//! Throughput: N u64 messages from P producer tasks to C consumer tasks through a bounded (or,
//! with `--caps unbounded`, an unbounded) queue,
//! for every peer, interleaved round-robin per repetition. See `--help`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use tokio_mpmc_bench::args::Args;
use tokio_mpmc_bench::peers::{Peer, UNBOUNDED, cap_label, parse_cap};
use tokio_mpmc_bench::stats::{median, min_max, quantile};
use tokio_mpmc_bench::throughput::{RunResult, RuntimeKind, Scenario, run_peer};

const USAGE: &str = "\
throughput [flags]   (every flag also reads the environment variable in brackets)
  --n N                messages per run                        [BENCH_N, default 1000000]
  --reps R             repetitions (peers interleaved per rep)  [BENCH_REPS, default 7]
  --scenarios LIST     e.g. 1x1,4x1,4x4,16x16                   [BENCH_SCENARIOS, default all]
  --caps LIST          e.g. 1,16,1024 or 16,unbounded           [BENCH_CAPS, default 1,16,1024]
                       `unbounded`: every peer's unbounded flavour (tokio-mpmc 0.2.4 has none
                       and is skipped; the crossbeam reference is then crossbeam-segqueue)
  --peers LIST         ours,async-channel,flume,kanal,crossfire,tokio-mpsc,
                       tokio-mpmc-0.2.4,crossbeam-arrayqueue    [BENCH_PEERS, default all]
  --runtimes LIST      multi,current                            [BENCH_RUNTIMES, default both]
  --workers W          multi-thread runtime workers             [BENCH_WORKERS, default 2]
  --reference-n N      messages per run for the crossbeam std-thread reference, whose spinning
                       threads crawl when they outnumber the cores [BENCH_REFERENCE_N, default N/10]
  --watchdog-secs S    abort a run (and mark it failed) after S [BENCH_WATCHDOG, default 60]
  --out FILE           summary CSV; default benches/results/throughput.csv for a full run,
                       benches/results/raw/throughput-partial.csv when any filter/N/reps is changed
                       [BENCH_OUT]; its meta file is the `-meta.txt` beside it
  --state LABEL        the machine's state during the run, written to the meta file, e.g. idle
                       or 'beside one busy-looping process'     [BENCH_STATE, default unspecified]
Raw per-run rows always go to benches/results/raw/throughput-runs.csv. BENCH_RESULTS_DIR
replaces benches/results/ (for the default summary and the raw rows).";

/// The (runtime, scenario, capacity) a group of interleaved runs belongs to.
struct Cell {
    runtime: String,
}

fn main() {
    let args = Args::parse(USAGE);
    let n: u64 = args.value("n", "BENCH_N", 1_000_000);
    let reps: usize = args.value("reps", "BENCH_REPS", 7);
    let reference_n: u64 = args.value("reference-n", "BENCH_REFERENCE_N", (n / 10).max(1));
    let workers: usize = args.value("workers", "BENCH_WORKERS", 2);
    let watchdog = Duration::from_secs(args.value("watchdog-secs", "BENCH_WATCHDOG", 60));
    // One line of the meta file.
    let state = args.get("state", "BENCH_STATE").map_or_else(
        || tokio_mpmc_bench::DEFAULT_STATE.into(),
        |s| s.replace('\n', " "),
    );
    let scenarios: Vec<Scenario> = match args.list("scenarios", "BENCH_SCENARIOS") {
        None => Scenario::ALL.to_vec(),
        Some(l) => l
            .iter()
            .map(|s| Scenario::parse(s).unwrap_or_else(|| panic!("bad scenario {s:?}")))
            .collect(),
    };
    let caps: Vec<usize> = match args.list("caps", "BENCH_CAPS") {
        None => vec![1, 16, 1024],
        Some(l) => l
            .iter()
            .map(|s| parse_cap(s).unwrap_or_else(|| panic!("bad capacity {s:?}")))
            .collect(),
    };
    let peers: Vec<Peer> = match args.list("peers", "BENCH_PEERS") {
        None => Peer::ALL.to_vec(),
        Some(l) => l
            .iter()
            .map(|s| Peer::from_key(s).unwrap_or_else(|| panic!("unknown peer {s:?}")))
            .collect(),
    };
    let peers_given = args.get("peers", "BENCH_PEERS").is_some();
    let runtimes: Vec<RuntimeKind> = match args.list("runtimes", "BENCH_RUNTIMES") {
        None => vec![
            RuntimeKind::MultiThread(workers),
            RuntimeKind::CurrentThread,
        ],
        Some(l) => l
            .iter()
            .map(|s| match s.as_str() {
                "multi" | "multi_thread" | "mt" => RuntimeKind::MultiThread(workers),
                "current" | "current_thread" | "ct" => RuntimeKind::CurrentThread,
                _ => panic!("unknown runtime {s:?}"),
            })
            .collect(),
    };
    let full = n == 1_000_000
        && reps >= 3
        && args.get("scenarios", "BENCH_SCENARIOS").is_none()
        && args.get("caps", "BENCH_CAPS").is_none()
        && args.get("peers", "BENCH_PEERS").is_none()
        && args.get("runtimes", "BENCH_RUNTIMES").is_none();
    let results = tokio_mpmc_bench::results_dir();
    let raw_dir = results.join("raw");
    std::fs::create_dir_all(&raw_dir).expect("create results/raw");
    let out = args
        .get("out", "BENCH_OUT")
        .map(Into::into)
        .unwrap_or_else(|| {
            if full {
                results.join("throughput.csv")
            } else {
                raw_dir.join("throughput-partial.csv")
            }
        });

    println!(
        "throughput: n={n} reps={reps} workers={workers} state={state:?} peers={} scenarios={} caps={}",
        peers.iter().map(|p| p.key()).collect::<Vec<_>>().join(","),
        scenarios
            .iter()
            .map(|s| s.key())
            .collect::<Vec<_>>()
            .join(","),
        caps.iter()
            .map(|&c| cap_label(c))
            .collect::<Vec<_>>()
            .join(",")
    );
    let t_all = Instant::now();
    let load_before = tokio_mpmc_bench::load_average();
    let revision = tokio_mpmc_bench::source_revision();
    let mut raw = String::from(
        "runtime,scenario,capacity,peer,rep,n,elapsed_ns,msgs_per_sec,count,checksum_ok,recloses,hung\n",
    );
    let mut summary = String::from(
        "runtime,scenario,producers,consumers,capacity,peer,reps,median_msgs_per_sec,min_msgs_per_sec,max_msgs_per_sec,recloses,failures,paired_ratio_q1,paired_ratio_median,paired_ratio_q3\n",
    );
    let mut ours_failed = false;

    for &rk in &runtimes {
        let rt = rk.build();
        let skip_sync_here = rk == RuntimeKind::CurrentThread
            && runtimes.contains(&RuntimeKind::MultiThread(workers))
            && !peers_given;
        // Warm-up: every peer once, small, so first-touch costs land in no measurement (and
        // once more unbounded when that is measured: other types for some peers).
        let warm_caps: &[usize] = if caps.contains(&UNBOUNDED) {
            &[16, UNBOUNDED]
        } else {
            &[16]
        };
        for &p in &peers {
            for s in &scenarios {
                for &wc in warm_caps {
                    if p.supports_consumers(s.consumers) && p.supports_cap(wc) {
                        let _ = run_peer(p, &rt, *s, wc, (n / 20).max(1000), watchdog);
                    }
                }
            }
        }
        for &s in &scenarios {
            let cell_peers: Vec<Peer> = peers
                .iter()
                .copied()
                .filter(|p| p.supports_consumers(s.consumers))
                // The std-thread reference uses no runtime: measure it once (with the
                // multi-thread group) unless it was asked for by name.
                .filter(|p| p.is_async() || !skip_sync_here)
                .collect();
            for &cap in &caps {
                let cell_peers: Vec<Peer> = cell_peers
                    .iter()
                    .copied()
                    .filter(|p| p.supports_cap(cap))
                    .collect();
                if cell_peers.is_empty() {
                    continue;
                }
                let cell = Cell { runtime: rk.key() };
                let mut per_peer: BTreeMap<Peer, Vec<RunResult>> = BTreeMap::new();
                for rep in 0..reps {
                    // Round-robin, rotated each repetition so no peer always runs first.
                    for i in 0..cell_peers.len() {
                        let p = cell_peers[(i + rep) % cell_peers.len()];
                        let pn = if p.is_async() { n } else { reference_n };
                        let r = run_peer(p, &rt, s, cap, pn, watchdog);
                        let ok = r.ok();
                        if !ok {
                            eprintln!(
                                "FAILED: {} {} cap={} {} rep {rep}: count={} checksum_ok={} hung={}",
                                cell.runtime,
                                s.key(),
                                cap_label(cap),
                                p.key_at(cap),
                                r.count,
                                r.checksum_ok(),
                                r.hung
                            );
                            if p == Peer::Ours {
                                ours_failed = true;
                            }
                        }
                        let _ = writeln!(
                            raw,
                            "{},{},{},{},{},{},{},{:.0},{},{},{},{}",
                            cell.runtime,
                            s.key(),
                            cap_label(cap),
                            p.key_at(cap),
                            rep,
                            r.n,
                            r.elapsed.as_nanos(),
                            r.msgs_per_sec(),
                            r.count,
                            r.checksum_ok(),
                            r.recloses,
                            r.hung
                        );
                        per_peer.entry(p).or_default().push(r);
                    }
                }
                let ours_med = per_peer.get(&Peer::Ours).map(|rs| {
                    median(
                        &rs.iter()
                            .filter(|r| r.ok())
                            .map(|r| r.msgs_per_sec())
                            .collect::<Vec<_>>(),
                    )
                });
                let mut line = format!(
                    "{:>17} {:<10} cap {:>5} |",
                    cell.runtime,
                    s.label(),
                    cap_label(cap)
                );
                for (&p, rs) in &per_peer {
                    let mps: Vec<f64> = rs
                        .iter()
                        .filter(|r| r.ok())
                        .map(|r| r.msgs_per_sec())
                        .collect();
                    let failures = rs.len() - mps.len();
                    let med = median(&mps);
                    let (lo, hi) = min_max(&mps);
                    let recloses: u32 = rs.iter().map(|r| r.recloses).sum();
                    // ours / peer within each repetition (the two ran back to back, so slow drifts
                    // of the machine's load cancel): quartiles show how noisy the ratio is.
                    let paired: Vec<f64> = match per_peer.get(&Peer::Ours) {
                        Some(ours) if p != Peer::Ours => ours
                            .iter()
                            .zip(rs)
                            .filter(|(o, r)| o.ok() && r.ok())
                            .map(|(o, r)| o.msgs_per_sec() / r.msgs_per_sec())
                            .collect(),
                        _ => Vec::new(),
                    };
                    let q = |f: f64| {
                        if paired.is_empty() {
                            String::new()
                        } else {
                            format!("{:.4}", quantile(&paired, f))
                        }
                    };
                    let _ = writeln!(
                        summary,
                        "{},{},{},{},{},{},{},{:.0},{:.0},{:.0},{},{},{},{},{}",
                        cell.runtime,
                        s.key(),
                        s.producers,
                        s.consumers,
                        cap_label(cap),
                        p.key_at(cap),
                        rs.len(),
                        med,
                        if mps.is_empty() { f64::NAN } else { lo },
                        if mps.is_empty() { f64::NAN } else { hi },
                        recloses,
                        failures,
                        q(0.25),
                        q(0.5),
                        q(0.75)
                    );
                    let ratio = match ours_med {
                        Some(o) if p != Peer::Ours => format!(" ({:.2}x)", o / med),
                        _ => String::new(),
                    };
                    let extra = if recloses > 0 {
                        format!(" [{recloses} re-closes]")
                    } else {
                        String::new()
                    };
                    let fail = if failures > 0 {
                        format!(" [{failures} FAILED]")
                    } else {
                        String::new()
                    };
                    let _ = write!(
                        line,
                        " {} {:.2}M{ratio}{extra}{fail};",
                        p.key_at(cap),
                        med / 1e6
                    );
                }
                println!("{line}");
                // Keep partial results on disk as the run goes.
                let _ = std::fs::write(raw_dir.join("throughput-runs.csv"), &raw);
            }
        }
    }
    let total = t_all.elapsed();
    std::fs::write(raw_dir.join("throughput-runs.csv"), &raw).expect("write raw csv");
    std::fs::write(&out, &summary).expect("write summary csv");
    let meta = format!(
        "date={}\nmachine={}\nrustc={}\nrevision={revision}\nload_before={load_before}\nload_after={}\nn={n}\nreference_n={reference_n}\nreps={reps}\nworkers={workers}\nwall_secs={:.0}\nstate={state}\n",
        tokio_mpmc_bench::utc_now(),
        tokio_mpmc_bench::machine_description(),
        tokio_mpmc_bench::rustc_version(),
        tokio_mpmc_bench::load_average(),
        total.as_secs_f64()
    );
    let meta_path = tokio_mpmc_bench::meta_path(&out);
    std::fs::write(&meta_path, meta).expect("write meta");
    println!(
        "done in {:.0}s: {} and {}",
        total.as_secs_f64(),
        out.display(),
        meta_path.display()
    );
    if ours_failed {
        eprintln!("tokio-mpmc (ours) lost or duplicated messages, or hung");
        std::process::exit(1);
    }
}
