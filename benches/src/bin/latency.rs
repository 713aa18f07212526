//! Latency: ping-pong round trips between two tasks through two queues of capacity 1 (one each
//! way), for every peer, interleaved per repetition. See `--help`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use tokio_mpmc_bench::args::Args;
use tokio_mpmc_bench::latency::{Placement, ping_pong};
use tokio_mpmc_bench::peers::Peer;
use tokio_mpmc_bench::stats::{median, percentile};

const USAGE: &str = "\
latency [flags]   (every flag also reads the environment variable in brackets)
  --rounds R        recorded round trips per repetition   [LAT_ROUNDS, default 50000]
  --warmup W        unrecorded round trips first          [LAT_WARMUP, default 2000]
  --reps N          repetitions (peers interleaved)       [LAT_REPS, default 5]
  --peers LIST      as for throughput                     [LAT_PEERS, default all]
  --out FILE        summary CSV                           [LAT_OUT, default benches/results/latency.csv]
Per-repetition rows go to benches/results/raw/latency-runs.csv.";

fn main() {
    let args = Args::parse(USAGE);
    let rounds: usize = args.value("rounds", "LAT_ROUNDS", 50_000);
    let warmup: usize = args.value("warmup", "LAT_WARMUP", 2_000);
    let reps: usize = args.value("reps", "LAT_REPS", 5);
    let peers: Vec<Peer> = match args.list("peers", "LAT_PEERS") {
        None => Peer::ALL.to_vec(),
        Some(l) => l
            .iter()
            .map(|s| Peer::from_key(s).unwrap_or_else(|| panic!("unknown peer {s:?}")))
            .collect(),
    };
    let results = tokio_mpmc_bench::results_dir();
    let raw_dir = results.join("raw");
    std::fs::create_dir_all(&raw_dir).expect("create results/raw");
    let out = args
        .get("out", "LAT_OUT")
        .map(Into::into)
        .unwrap_or_else(|| results.join("latency.csv"));

    let t_all = Instant::now();
    let mut raw = String::from("placement,peer,rep,rounds,median_ns,p99_ns\n");
    let mut summary = String::from("placement,peer,reps,rounds,median_ns,p99_ns,p999_ns\n");
    for place in [Placement::CrossThread, Placement::SameThread] {
        let place_peers: Vec<Peer> = peers
            .iter()
            .copied()
            // Spinning threads have no same-thread form.
            .filter(|p| place == Placement::CrossThread || p.is_async())
            .collect();
        let mut samples: BTreeMap<Peer, Vec<u64>> = BTreeMap::new();
        let mut rep_stats: BTreeMap<Peer, Vec<(f64, f64)>> = BTreeMap::new();
        for rep in 0..reps {
            for i in 0..place_peers.len() {
                let p = place_peers[(i + rep) % place_peers.len()];
                let s = ping_pong(p, place, rounds, warmup);
                let (m, p99) = (percentile(&s, 50.0), percentile(&s, 99.0));
                let _ = writeln!(raw, "{},{},{rep},{rounds},{m},{p99}", place.key(), p.key());
                rep_stats.entry(p).or_default().push((m as f64, p99 as f64));
                samples.entry(p).or_default().extend(s);
            }
        }
        println!("{}: median / p99 round trip (ns)", place.key());
        for (p, reps_v) in &rep_stats {
            // Medians of the per-repetition figures (robust to one noisy repetition); p99.9 over
            // all samples pooled.
            let med = median(&reps_v.iter().map(|x| x.0).collect::<Vec<_>>());
            let p99 = median(&reps_v.iter().map(|x| x.1).collect::<Vec<_>>());
            let p999 = percentile(&samples[p], 99.9);
            let _ = writeln!(
                summary,
                "{},{},{},{rounds},{med:.0},{p99:.0},{p999}",
                place.key(),
                p.key(),
                reps_v.len()
            );
            println!("  {:<22} {:>9.0} {:>9.0}", p.key(), med, p99);
        }
    }
    std::fs::write(raw_dir.join("latency-runs.csv"), raw).expect("write raw");
    std::fs::write(&out, summary).expect("write summary");
    let meta = format!(
        "date={}\nmachine={}\nrustc={}\nrevision={}\nrounds={rounds}\nwarmup={warmup}\nreps={reps}\nwall_secs={:.0}\n",
        tokio_mpmc_bench::utc_now(),
        tokio_mpmc_bench::machine_description(),
        tokio_mpmc_bench::rustc_version(),
        tokio_mpmc_bench::source_revision(),
        t_all.elapsed().as_secs_f64()
    );
    std::fs::write(out.with_file_name("latency-meta.txt"), meta).expect("write meta");
    println!(
        "done in {:.0}s: {}",
        t_all.elapsed().as_secs_f64(),
        out.display()
    );
}
