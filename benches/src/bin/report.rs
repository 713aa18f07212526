//! Turns benches/results/*.csv into /BENCHMARKS.md and benches/results/throughput.svg.
//! No plotting dependency: the SVG is written by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use tokio_mpmc_bench::peers::Peer;

const REGEN: &str = "CARGO_TARGET_DIR=target/bench cargo run --release -p tokio-mpmc-bench --bin throughput \\
  && CARGO_TARGET_DIR=target/bench cargo run --release -p tokio-mpmc-bench --bin latency \\
  && CARGO_TARGET_DIR=target/bench cargo run --release -p tokio-mpmc-bench --bin report";

/// One summary row of throughput.csv.
#[derive(Clone, Debug)]
struct Row {
    runtime: String,
    scenario: String,
    producers: usize,
    consumers: usize,
    cap: usize,
    peer: Peer,
    reps: usize,
    median: f64,
    min: f64,
    max: f64,
    recloses: u64,
    failures: u64,
    /// Quartiles of the per-repetition ratio ours / this peer (absent in older files).
    paired: Option<(f64, f64, f64)>,
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn parse_throughput(text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
        rows.push(Row {
            runtime: f[0].to_string(),
            scenario: f[1].to_string(),
            producers: f[2].parse().expect("producers"),
            consumers: f[3].parse().expect("consumers"),
            cap: f[4].parse().expect("capacity"),
            peer: Peer::from_key(f[5]).unwrap_or_else(|| panic!("unknown peer {}", f[5])),
            reps: f[6].parse().expect("reps"),
            median: num(7),
            min: num(8),
            max: num(9),
            recloses: f[10].parse().unwrap_or(0),
            failures: f[11].parse().unwrap_or(0),
            paired: (f.len() >= 15)
                .then(|| (num(12), num(13), num(14)))
                .filter(|(a, b, c)| a.is_finite() && b.is_finite() && c.is_finite()),
        });
    }
    rows
}

fn parse_meta(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Versions of the measured crates, from the workspace Cargo.lock.
fn crate_versions(lock: &str) -> Vec<(String, String)> {
    let wanted = [
        "tokio-mpmc",
        "tokio",
        "async-channel",
        "flume",
        "kanal",
        "crossbeam-queue",
    ];
    let mut out = Vec::new();
    let mut name = String::new();
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = n.trim_matches('"').to_string();
        } else if let Some(v) = line.strip_prefix("version = ") {
            if wanted.contains(&name.as_str()) {
                out.push((name.clone(), v.trim_matches('"').to_string()));
            }
        }
    }
    out.sort();
    out
}

fn runtime_title(rt: &str) -> String {
    if rt.starts_with("multi_thread") {
        format!("tokio `{rt}` runtime")
    } else {
        format!("tokio `{rt}` runtime (one thread: every wake is local)")
    }
}

fn scenario_label(r: &Row) -> String {
    let kind = match (r.producers, r.consumers) {
        (1, 1) => "SPSC",
        (_, 1) => "MPSC",
        (1, _) => "SPMC",
        _ => "MPMC",
    };
    format!("{kind} {}×{}", r.producers, r.consumers)
}

struct Data {
    rows: Vec<Row>,
}

impl Data {
    fn get(&self, rt: &str, scenario: &str, cap: usize, peer: Peer) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.runtime == rt && r.scenario == scenario && r.cap == cap && r.peer == peer)
    }
    fn median(&self, rt: &str, scenario: &str, cap: usize, peer: Peer) -> Option<f64> {
        self.get(rt, scenario, cap, peer)
            .map(|r| r.median)
            .filter(|m| m.is_finite())
    }
    fn runtimes(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for r in &self.rows {
            if !v.contains(&r.runtime) {
                v.push(r.runtime.clone());
            }
        }
        v
    }
    /// (scenario key, cap) in the order measured.
    fn cells(&self, rt: &str) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = Vec::new();
        for r in self.rows.iter().filter(|r| r.runtime == rt) {
            let k = (r.scenario.clone(), r.cap);
            if !v.contains(&k) {
                v.push(k);
            }
        }
        v
    }
    fn peers(&self) -> Vec<Peer> {
        Peer::ALL
            .into_iter()
            .filter(|p| self.rows.iter().any(|r| r.peer == *p))
            .collect()
    }
}

struct Target {
    what: String,
    ratio: Option<f64>,
    need: f64,
    /// Interquartile range of the per-repetition ratios.
    iqr: Option<(f64, f64)>,
}

fn targets(d: &Data) -> Vec<Target> {
    let mut t = Vec::new();
    for rt in d.runtimes() {
        let mut ratio = |what: String, scen: &str, cap: usize, peer: Peer, need: f64| {
            let ours = d.median(&rt, scen, cap, Peer::Ours);
            let theirs = d.median(&rt, scen, cap, peer);
            let ratio = ours.zip(theirs).map(|(o, p)| o / p);
            let iqr = d
                .get(&rt, scen, cap, peer)
                .and_then(|r| r.paired)
                .map(|(q1, _, q3)| (q1, q3));
            t.push(Target {
                what,
                ratio,
                need,
                iqr,
            });
        };
        for scen in ["4x4", "16x16"] {
            for cap in [16, 1024] {
                for (peer, need) in [
                    (Peer::Flume, 1.5),
                    (Peer::AsyncChannel, 1.5),
                    (Peer::Mpmc024, 1.5),
                    (Peer::Kanal, 1.0),
                ] {
                    ratio(
                        format!(
                            "{rt}: MPMC {} cap {cap}: ours / {}",
                            scen.replace('x', "×"),
                            peer.key()
                        ),
                        scen,
                        cap,
                        peer,
                        need,
                    );
                }
            }
        }
        for scen in ["4x4", "16x16"] {
            ratio(
                format!("{rt}: MPMC {} cap 1: ours / kanal", scen.replace('x', "×")),
                scen,
                1,
                Peer::Kanal,
                1.0,
            );
        }
        for scen in ["1x1", "4x1"] {
            for cap in [1, 16, 1024] {
                ratio(
                    format!(
                        "{rt}: {} {} cap {cap}: ours / tokio-mpsc",
                        if scen == "1x1" { "SPSC" } else { "MPSC" },
                        scen.replace('x', "×")
                    ),
                    scen,
                    cap,
                    Peer::TokioMpsc,
                    1.0,
                );
            }
        }
    }
    let ct = "current_thread";
    let a = d.median(ct, "16x16", 16, Peer::Ours);
    let b = d.median(ct, "4x4", 16, Peer::Ours);
    t.push(Target {
        what: "current_thread: ours 16×16 cap 16 / ours 4×4 cap 16".to_string(),
        ratio: a.zip(b).map(|(a, b)| a / b),
        need: 0.7,
        iqr: None,
    });
    t
}

fn fmt_mps(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x >= 10e6 {
        format!("{:.1}", x / 1e6)
    } else {
        format!("{:.2}", x / 1e6)
    }
}

fn markdown(
    d: &Data,
    tmeta: &BTreeMap<String, String>,
    lat: Option<(String, BTreeMap<String, String>)>,
) -> String {
    let root = tokio_mpmc_bench::repo_root();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let versions = crate_versions(&lock);
    let get = |k: &str| tmeta.get(k).cloned().unwrap_or_else(|| "?".into());
    let peers = d.peers();
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `benches/src/bin/report.rs` from `benches/results/*.csv`; do not edit by hand.\n"
    );
    let _ = writeln!(
        md,
        "- **Measured**: {}, tokio-mpmc at commit {}",
        get("date"),
        get("revision")
    );
    let _ = writeln!(
        md,
        "- **Machine**: {} — shared with other jobs (load average before / after the run: {} / {}), so absolute figures are noisy; ratios come from interleaved runs",
        get("machine"),
        get("load_before"),
        get("load_after")
    );
    let _ = writeln!(
        md,
        "- **Toolchain**: {}, `--release` (workspace default profile: opt-level 3, no LTO)",
        get("rustc")
    );
    let _ = writeln!(
        md,
        "- **Crates**: {}",
        versions
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        md,
        "- **Throughput runs**: N = {} `u64` messages per run, {} repetitions, multi-thread runtime with {} workers; whole suite took {} s",
        get("n"),
        get("reps"),
        get("workers"),
        get("wall_secs")
    );
    let _ = writeln!(
        md,
        "\nRegenerate everything (about 10 minutes):\n\n```sh\n{REGEN}\n```\n"
    );
    let _ = writeln!(
        md,
        "Quick look: `cargo run --release -p tokio-mpmc-bench --bin throughput -- --n 100000 --reps 1 --scenarios 4x4 --caps 16` \
         (partial runs write to `benches/results/raw/`, never over the committed summary; `--help` lists the flags).\n"
    );

    let _ = writeln!(md, "## Method\n");
    let _ = writeln!(
        md,
        "- P producer tasks send disjoint slices of `0..N`; C consumer tasks receive until the queue is closed \
         (ours, tokio-mpmc 0.2.4: `close()` once every producer finished) or disconnected (the channels: the last \
         sender is dropped). The clock runs from the first spawn to the last consumer's end. Every run checks the \
         count and the sum of what arrived; a failed or hung run is reported, never averaged in.\n\
         - Peers are interleaved: in each repetition every peer runs once, round-robin, and the order rotates \
         per repetition. Figures are medians over the repetitions; ratios are ours / peer, from the same run.\n\
         - Peers: `tokio_mpmc::Queue` 0.3.0 (ours), `async_channel::bounded`, `flume::bounded` (`send_async`/`recv_async`), \
         `kanal::bounded_async` (same capacity; never 0, which is kanal's rendezvous), `tokio::sync::mpsc::channel` \
         (one consumer only), the published `tokio_mpmc::Queue` 0.2.4, and crossbeam's `ArrayQueue` between spinning std \
         threads (spin, then `yield_now`) as the no-async reference. It uses no runtime, so it is run once, interleaved with the multi-thread \
         group (n/a in the current_thread table), and moves N/10 messages per run: with more spinning threads \
         than cores and a tiny capacity it crawls (a rate is a rate).\n\
         - tokio-mpmc 0.2.4's `close()` (`Notify::notify_waiters`, no stored permit) can lose a consumer's wakeup: \
         the driver re-closes every 1 ms until all consumers finish and counts the re-closes (column below); a run \
         that needed them carries up to about 1 ms of waiting per re-close.\n"
    );

    // Targets.
    let ts = targets(d);
    let met = ts
        .iter()
        .filter(|t| t.ratio.is_some_and(|r| r >= t.need))
        .count();
    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(
        md,
        "{met} of {} met (ratio of medians, same run).\n",
        ts.len()
    );
    let _ = writeln!(
        md,
        "Measured = ratio of the medians. Per-rep IQR = interquartile range of ours / peer computed within \
         each repetition (the two ran back to back). The machine is shared and loaded, so a verdict is only \
         *clear* when that whole range is on one side of the threshold; otherwise it is marked *uncertain*. \
         Two full runs of this suite differed by a median of about 10 % on a ratio (up to 20 % for a quarter \
         of them).\n"
    );
    let _ = writeln!(
        md,
        "| target | needed | measured | per-rep IQR | verdict |\n|---|---:|---:|---:|---|"
    );
    for t in &ts {
        let (r, iqr, verdict) = match t.ratio {
            Some(r) => {
                let met = r >= t.need;
                let clear = t
                    .iqr
                    .is_none_or(|(q1, q3)| if met { q1 >= t.need } else { q3 < t.need });
                let v = match (met, clear) {
                    (true, true) => "met",
                    (true, false) => "met (uncertain)",
                    (false, true) => "**missed**",
                    (false, false) => "**missed** (uncertain)",
                };
                let iqr = t
                    .iqr
                    .map(|(a, b)| format!("{a:.2}–{b:.2}"))
                    .unwrap_or_else(|| "—".into());
                (format!("{r:.2}×"), iqr, v)
            }
            None => ("—".into(), String::new(), "not measured"),
        };
        let _ = writeln!(
            md,
            "| {} | ≥ {:.1}× | {r} | {iqr} | {verdict} |",
            t.what, t.need
        );
    }
    let _ = writeln!(md);

    // Throughput tables.
    let _ = writeln!(md, "## Throughput (M msg/s, median; ratio = ours / peer)\n");
    let _ = writeln!(md, "![throughput chart](benches/results/throughput.svg)\n");
    for rt in d.runtimes() {
        let _ = writeln!(md, "### {}\n", runtime_title(&rt));
        let mut header = String::from("| scenario | cap |");
        let mut sep = String::from("|---|---:|");
        for p in &peers {
            let _ = write!(header, " {} |", p.key());
            sep.push_str("---:|");
        }
        let _ = writeln!(md, "{header}\n{sep}");
        for (scen, cap) in d.cells(&rt) {
            let Some(any) = d
                .rows
                .iter()
                .find(|r| r.runtime == rt && r.scenario == scen)
            else {
                continue;
            };
            let mut line = format!("| {} | {cap} |", scenario_label(any));
            let ours = d.median(&rt, &scen, cap, Peer::Ours);
            for &p in &peers {
                let cell = match d.get(&rt, &scen, cap, p) {
                    None => "n/a".to_string(),
                    Some(r) if !r.median.is_finite() => format!("FAILED ×{}", r.failures),
                    Some(r) => {
                        let mut c = fmt_mps(r.median);
                        if p == Peer::Ours {
                            c = format!("**{c}**");
                        } else if let Some(o) = ours {
                            let _ = write!(c, " ({:.2}×)", o / r.median);
                        }
                        if r.failures > 0 {
                            let _ = write!(c, " ⚠{} failed", r.failures);
                        }
                        c
                    }
                };
                let _ = write!(line, " {cell} |");
            }
            let _ = writeln!(md, "{line}");
        }
        let _ = writeln!(md);
    }

    // Spread and re-closes.
    let _ = writeln!(
        md,
        "### Spread of ours (min – max over repetitions, M msg/s)\n"
    );
    let _ = writeln!(
        md,
        "| runtime | scenario | cap | min | median | max |\n|---|---|---:|---:|---:|---:|"
    );
    for r in d.rows.iter().filter(|r| r.peer == Peer::Ours) {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            r.runtime,
            scenario_label(r),
            r.cap,
            fmt_mps(r.min),
            fmt_mps(r.median),
            fmt_mps(r.max)
        );
    }
    let _ = writeln!(md);
    let recl: Vec<&Row> = d.rows.iter().filter(|r| r.peer == Peer::Mpmc024).collect();
    if !recl.is_empty() {
        let total: u64 = recl.iter().map(|r| r.recloses).sum();
        let runs: usize = recl.iter().map(|r| r.reps).sum();
        let _ = writeln!(
            md,
            "### tokio-mpmc 0.2.4 lost close wakeups\n\n{total} re-closes over {runs} runs (a run that ends without one has none in this count).\n"
        );
        let hit: Vec<String> = recl
            .iter()
            .filter(|r| r.recloses > 0)
            .map(|r| {
                format!(
                    "{} {} cap {}: {}",
                    r.runtime,
                    scenario_label(r),
                    r.cap,
                    r.recloses
                )
            })
            .collect();
        if !hit.is_empty() {
            let _ = writeln!(md, "Where: {}.\n", hit.join("; "));
        }
    }
    let failed: Vec<String> = d
        .rows
        .iter()
        .filter(|r| r.failures > 0)
        .map(|r| {
            format!(
                "{} {} {} cap {}: {} of {}",
                r.peer.key(),
                r.runtime,
                scenario_label(r),
                r.cap,
                r.failures,
                r.reps
            )
        })
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(
            md,
            "**Failed runs** (wrong count/checksum or watchdog): {}.\n",
            failed.join("; ")
        );
    }

    // Latency.
    if let Some((csv, meta)) = lat {
        let _ = writeln!(md, "## Latency: ping-pong round trip (ns)\n");
        let _ = writeln!(
            md,
            "Two tasks, two queues of capacity 1 (one each way); {} recorded round trips after {} warm-up ones, {} \
             repetitions interleaved across peers; median and p99 are medians of the per-repetition figures, p99.9 is \
             over all samples. *cross-thread*: each task in its own `current_thread` runtime on its own OS thread, so \
             every hop wakes the other thread (tokio's multi-thread scheduler would pull the woken task onto the \
             waker's worker through its LIFO slot, so it cannot guarantee two workers). *same-thread*: both tasks on \
             one `current_thread` runtime. crossbeam: two spinning threads.\n",
            meta.get("rounds").map_or("?", String::as_str),
            meta.get("warmup").map_or("?", String::as_str),
            meta.get("reps").map_or("?", String::as_str)
        );
        let _ = writeln!(
            md,
            "| placement | peer | median | p99 | p99.9 |\n|---|---|---:|---:|---:|"
        );
        for line in csv.lines().skip(1).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() < 7 {
                continue;
            }
            let peer = if f[1] == "ours" {
                "**ours**".to_string()
            } else {
                f[1].to_string()
            };
            let _ = writeln!(md, "| {} | {peer} | {} | {} | {} |", f[0], f[4], f[5], f[6]);
        }
        let _ = writeln!(md);
    }

    // Hand-written sections kept next to the results.
    for extra in ["allocations.md", "profile.md"] {
        if let Ok(text) = std::fs::read_to_string(tokio_mpmc_bench::results_dir().join(extra)) {
            let _ = writeln!(md, "{}\n", text.trim_end());
        }
    }
    md
}

const COLORS: [&str; 7] = [
    "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#7f7f7f",
];

fn svg(d: &Data) -> String {
    let peers = d.peers();
    let runtimes = d.runtimes();
    let cells: Vec<(String, usize)> = runtimes.first().map(|rt| d.cells(rt)).unwrap_or_default();
    let bar_w = 9.0;
    let group_gap = 14.0;
    let left = 70.0;
    let group_w = bar_w * peers.len() as f64 + group_gap;
    let width = left + group_w * cells.len() as f64 + 20.0;
    let panel_h = 300.0;
    let top_pad = 70.0;
    let panel_gap = 70.0;
    let height = top_pad + (panel_h + panel_gap) * runtimes.len() as f64 + 10.0;
    // Log scale over the data's range.
    let vals: Vec<f64> = d
        .rows
        .iter()
        .map(|r| r.median)
        .filter(|m| m.is_finite() && *m > 0.0)
        .collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min).max(1.0);
    let hi = vals.iter().copied().fold(0.0, f64::max).max(10.0);
    let (lo_exp, hi_exp) = ((lo / 1e6).log10().floor(), (hi / 1e6).log10().ceil());
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="20" font-size="15" font-weight="bold">Throughput, M messages/s (median, log scale) — higher is better</text>"#
    );
    // Legend.
    let mut lx = left;
    for (i, p) in peers.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<rect x="{lx:.0}" y="32" width="11" height="11" fill="{}"/><text x="{:.0}" y="42">{}</text>"#,
            COLORS[i % COLORS.len()],
            lx + 15.0,
            p.key()
        );
        lx += 30.0 + 7.0 * p.key().len() as f64;
    }
    for (ri, rt) in runtimes.iter().enumerate() {
        let y0 = top_pad + ri as f64 * (panel_h + panel_gap) + 15.0;
        let y_of = |v: f64| {
            let e = (v / 1e6).log10().clamp(lo_exp, hi_exp);
            y0 + panel_h - (e - lo_exp) / (hi_exp - lo_exp) * panel_h
        };
        let _ = writeln!(
            s,
            r#"<text x="{left}" y="{:.0}" font-size="13" font-weight="bold">{rt}</text>"#,
            y0 - 5.0
        );
        let mut e = lo_exp;
        while e <= hi_exp + 1e-9 {
            let y = y_of(10f64.powf(e) * 1e6);
            let label = if e < 0.0 {
                format!("{}", 10f64.powf(e))
            } else {
                format!("{:.0}", 10f64.powf(e))
            };
            let _ = writeln!(
                s,
                r##"<line x1="{left}" x2="{:.0}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.0}" y="{:.1}" text-anchor="end">{label}</text>"##,
                width - 20.0,
                left - 6.0,
                y + 4.0
            );
            e += 1.0;
        }
        let _ = writeln!(
            s,
            r##"<line x1="{left}" x2="{left}" y1="{y0:.0}" y2="{:.0}" stroke="#333"/>"##,
            y0 + panel_h
        );
        for (ci, (scen, cap)) in cells.iter().enumerate() {
            let gx = left + 6.0 + ci as f64 * group_w;
            for (pi, p) in peers.iter().enumerate() {
                let Some(v) = d.median(rt, scen, *cap, *p) else {
                    continue;
                };
                let y = y_of(v);
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {rt} {scen} cap {cap}: {:.2} M msg/s</title></rect>"#,
                    gx + pi as f64 * bar_w,
                    bar_w - 1.0,
                    y0 + panel_h - y,
                    COLORS[pi % COLORS.len()],
                    p.key(),
                    v / 1e6
                );
            }
            let cx = gx + bar_w * peers.len() as f64 / 2.0;
            let _ = writeln!(
                s,
                r##"<text x="{cx:.0}" y="{:.0}" text-anchor="middle">{}</text><text x="{cx:.0}" y="{:.0}" text-anchor="middle" fill="#555">cap {cap}</text>"##,
                y0 + panel_h + 14.0,
                scen.replace('x', "×"),
                y0 + panel_h + 27.0
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn main() {
    let results = tokio_mpmc_bench::results_dir();
    let input = std::env::args()
        .nth(1)
        .map(Into::into)
        .unwrap_or_else(|| results.join("throughput.csv"));
    let rows = parse_throughput(&read(&input));
    let meta_path = input.with_file_name(format!(
        "{}-meta.txt",
        input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let tmeta = parse_meta(&std::fs::read_to_string(meta_path).unwrap_or_default());
    let lat = std::fs::read_to_string(results.join("latency.csv"))
        .ok()
        .map(|csv| {
            (
                csv,
                parse_meta(
                    &std::fs::read_to_string(results.join("latency-meta.txt")).unwrap_or_default(),
                ),
            )
        });
    let d = Data { rows };
    let md = markdown(&d, &tmeta, lat);
    let md_path = tokio_mpmc_bench::repo_root().join("BENCHMARKS.md");
    std::fs::write(&md_path, md).expect("write BENCHMARKS.md");
    let svg_path = results.join("throughput.svg");
    std::fs::write(&svg_path, svg(&d)).expect("write svg");
    println!("wrote {} and {}", md_path.display(), svg_path.display());
    for t in targets(&d) {
        let iqr = t
            .iqr
            .map(|(a, b)| format!(" [{a:.2}-{b:.2}]"))
            .unwrap_or_default();
        let v = match t.ratio {
            Some(r) if r >= t.need => format!("met     {r:.2}x{iqr}"),
            Some(r) => format!("MISSED  {r:.2}x{iqr}"),
            None => "n/a".into(),
        };
        println!("{v:<28} (need >= {:.1}x) {}", t.need, t.what);
    }
}
