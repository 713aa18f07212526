//! BENCHMARKS.md: the prose is `benches/report/BENCHMARKS.md.in`; this fills in its figures
//! and tables.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::peers::{Peer, cap_label};
use crate::throughput::Scenario;

use crate::report::crates;
use crate::report::results::{PollsRow, Results, Row, Run};
use crate::report::targets::Target;
use crate::report::template::{Vars, render};

/// Compiled in, so the binary does not depend on where it is run from.
const TEMPLATE: &str = include_str!("../../report/BENCHMARKS.md.in");

/// What the report is made from, besides the throughput runs.
pub struct Inputs {
    /// polls.csv and its meta file, when the polls were counted.
    pub polls: Option<(Vec<PollsRow>, BTreeMap<String, String>)>,
    /// latency.csv and its meta file, when latency was measured.
    pub latency: Option<(String, BTreeMap<String, String>)>,
    /// The workspace Cargo.lock (empty when missing).
    pub lock: String,
    /// Hand-written sections kept next to the results, in order.
    pub extra_sections: Vec<String>,
}

/// `idle`: the run on the otherwise idle machine (its meta is `throughput.*` in the template);
/// `loaded`: the run beside a busy process (`loaded.*`), when there is one.
pub fn markdown(idle: &Run, loaded: Option<&Run>, targets: &[Target], inputs: Inputs) -> String {
    let mut v = Vars::default();
    v.meta("throughput", idle.meta.clone());
    v.meta("loaded", loaded.map(|r| r.meta.clone()).unwrap_or_default());
    v.section("loaded", loaded.is_some());
    v.section("idle_only", loaded.is_none());
    v.set("idle_csv", &idle.file);
    v.set(
        "loaded_csv",
        loaded.map_or("throughput-loaded.csv", |r| &r.file),
    );
    crate_vars(&mut v, &inputs.lock);
    target_vars(&mut v, targets);
    v.set("throughput_tables", throughput_tables(idle));
    v.set("spread_rows", spread_rows(&idle.results));
    if let Some(l) = loaded {
        v.set("loaded_tables", throughput_tables(l));
        v.set("loaded_spread_rows", spread_rows(&l.results));
    }
    let runs: Vec<&Run> = std::iter::once(idle).chain(loaded).collect();
    reclose_vars(&mut v, &runs);
    let failed = runs.iter().flat_map(|run| {
        run.results
            .rows
            .iter()
            .filter(|r| r.failures > 0)
            .map(|r| format!("{}: {}", run.name, failed_run(r)))
    });
    list_section(&mut v, "failed_runs", failed);
    polls_vars(&mut v, inputs.polls);
    latency_vars(&mut v, inputs.latency);
    v.set("extra_sections", extra_sections(&inputs.extra_sections));
    render(TEMPLATE, &v)
}

fn crate_vars(v: &mut Vars, lock: &str) {
    let lock = crates::parse_lock(lock);
    v.set("crates", crates::measured(&lock));
    v.set("ours_version", crates::tokio_mpmc(&lock, false));
    v.set("published_version", crates::tokio_mpmc(&lock, true));
}

fn target_vars(v: &mut Vars, targets: &[Target]) {
    v.set("targets_met", targets.iter().filter(|t| t.met()).count());
    v.set("targets_total", targets.len());
    v.set(
        "targets_rows",
        lines(targets.iter().map(Target::markdown_row)),
    );
}

/// One table per runtime, each followed by a blank line; the headings name the run's state.
fn throughput_tables(run: &Run) -> String {
    let d = &run.results;
    let peers = d.peers();
    let mut md = String::new();
    for rt in d.runtimes() {
        let _ = writeln!(md, "#### {}, {}\n", runtime_title(&rt), run.name);
        let keys = row_cells(peers.iter().map(|p| p.key().to_string()));
        let _ = writeln!(
            md,
            "| scenario | cap |{keys}\n|---|---:|{}",
            "---:|".repeat(peers.len())
        );
        for (scenario, cap) in d.cells(&rt) {
            md.push_str(&throughput_row(d, &rt, scenario, cap, &peers));
        }
        md.push('\n');
    }
    md
}

fn runtime_title(rt: &str) -> String {
    if rt.starts_with("multi_thread") {
        format!("tokio `{rt}` runtime")
    } else {
        format!("tokio `{rt}` runtime (one thread: every wake is local)")
    }
}

fn throughput_row(d: &Results, rt: &str, s: Scenario, cap: usize, peers: &[Peer]) -> String {
    let ours = d.median(rt, s, cap, Peer::Ours);
    let cells = peers
        .iter()
        .map(|&p| throughput_cell(d.get(rt, s, cap, p), ours));
    format!(
        "| {} | {} |{}\n",
        s.label(),
        cap_label(cap),
        row_cells(cells)
    )
}

/// " a | b |": the cells after a row's opening columns.
fn row_cells(cells: impl Iterator<Item = String>) -> String {
    cells.map(|c| format!(" {c} |")).collect()
}

/// M msg/s, with the ratio ours / peer; ours in bold.
fn throughput_cell(row: Option<&Row>, ours: Option<f64>) -> String {
    let Some(r) = row else {
        return "n/a".into();
    };
    if !r.median.is_finite() {
        return format!("FAILED ×{}", r.failures);
    }
    let mut c = fmt_mps(r.median);
    if r.peer == Peer::Ours {
        c = format!("**{c}**");
    } else if let Some(o) = ours {
        let _ = write!(c, " ({:.2}×)", o / r.median);
    }
    if r.failures > 0 {
        let _ = write!(c, " ⚠{} failed", r.failures);
    }
    c
}

/// Messages per second as M msg/s, three significant figures or so.
fn fmt_mps(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x >= 10e6 {
        format!("{:.1}", x / 1e6)
    } else {
        format!("{:.2}", x / 1e6)
    }
}

fn spread_rows(d: &Results) -> String {
    lines(d.rows_of(Peer::Ours).map(spread_row))
}

fn spread_row(r: &Row) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |",
        r.runtime,
        r.scenario.label(),
        cap_label(r.cap),
        fmt_mps(r.min),
        fmt_mps(r.median),
        fmt_mps(r.max)
    )
}

/// "runtime scenario cap": where a row was measured.
fn place(r: &Row) -> String {
    format!(
        "{} {} cap {}",
        r.runtime,
        r.scenario.label(),
        cap_label(r.cap)
    )
}

/// tokio-mpmc 0.2.4's re-closes, per run.
fn reclose_vars(v: &mut Vars, runs: &[&Run]) {
    let per_run: Vec<(&str, Vec<&Row>)> = runs
        .iter()
        .map(|run| (run.name, run.results.rows_of(Peer::Mpmc024).collect()))
        .filter(|(_, rows): &(&str, Vec<&Row>)| !rows.is_empty())
        .collect();
    v.section("recloses", !per_run.is_empty());
    let counts = per_run.iter().map(|(name, rows)| {
        format!(
            "{name}: {} re-closes over {} runs",
            rows.iter().map(|r| r.recloses).sum::<u64>(),
            rows.iter().map(|r| r.reps).sum::<usize>()
        )
    });
    v.set("reclose_counts", counts.collect::<Vec<_>>().join("; "));
    let hit = per_run.iter().flat_map(|(name, rows)| {
        rows.iter()
            .filter(|r| r.recloses > 0)
            .map(move |r| format!("{name} {}: {}", place(r), r.recloses))
    });
    list_section(v, "reclose_where", hit);
}

fn failed_run(r: &Row) -> String {
    format!(
        "{} {}: {} of {}",
        r.peer.key(),
        place(r),
        r.failures,
        r.reps
    )
}

/// A "; "-separated list, and a section of the same name shown when it is not empty.
fn list_section(v: &mut Vars, name: &str, items: impl Iterator<Item = String>) {
    let list = items.collect::<Vec<_>>().join("; ");
    v.section(name, !list.is_empty());
    v.set(name, list);
}

/// A table per runtime and cell, in the order measured.
fn polls_vars(v: &mut Vars, polls: Option<(Vec<PollsRow>, BTreeMap<String, String>)>) {
    v.section("polls", polls.is_some());
    let (rows, meta) = polls.unwrap_or_default();
    v.meta("polls", meta);
    let mut cells: Vec<(&str, Scenario, usize)> = Vec::new();
    for r in &rows {
        let cell = (r.runtime.as_str(), r.scenario, r.cap);
        if !cells.contains(&cell) {
            cells.push(cell);
        }
    }
    let mut md = String::new();
    for (rt, s, cap) in cells {
        let _ = writeln!(
            md,
            "#### `{rt}` {} cap {}\n\n\
             | peer | M msg/s | send polls | send waits | send wasted | recv polls | recv waits | recv wasted | hand-off mode began |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|",
            s.label(),
            cap_label(cap)
        );
        let here = rows
            .iter()
            .filter(|r| r.runtime == rt && r.scenario == s && r.cap == cap);
        for r in here {
            let peer = if r.peer == Peer::Ours.key() {
                format!("**{}**", r.peer)
            } else {
                r.peer.clone()
            };
            let hand_offs = if r.hand_offs_begun.is_empty() {
                "—"
            } else {
                r.hand_offs_begun.as_str()
            };
            let _ = writeln!(
                md,
                "| {peer} | {} |{}{} {hand_offs} |",
                fmt_mps(r.msgs_per_sec),
                row_cells(r.send.iter().cloned()),
                row_cells(r.recv.iter().cloned())
            );
        }
        md.push('\n');
    }
    v.set("polls_tables", md);
}

fn latency_vars(v: &mut Vars, latency: Option<(String, BTreeMap<String, String>)>) {
    v.section("latency", latency.is_some());
    let (csv, meta) = latency.unwrap_or_default();
    v.meta("latency", meta);
    v.set(
        "latency_rows",
        lines(csv.lines().skip(1).filter_map(latency_row)),
    );
}

/// placement,peer,reps,rounds,median_ns,p99_ns,p999_ns → a table row.
fn latency_row(line: &str) -> Option<String> {
    let f: Vec<&str> = line.split(',').collect();
    let [placement, peer, _, _, median, p99, p999, ..] = f[..] else {
        return None;
    };
    let peer = if peer == "ours" { "**ours**" } else { peer };
    Some(format!(
        "| {placement} | {peer} | {median} | {p99} | {p999} |"
    ))
}

/// Each hand-written section, then a blank line.
fn extra_sections(texts: &[String]) -> String {
    texts
        .iter()
        .map(|t| format!("{}\n\n", t.trim_end()))
        .collect()
}

/// Each item as a line.
fn lines(items: impl Iterator<Item = String>) -> String {
    items.map(|l| l + "\n").collect()
}
