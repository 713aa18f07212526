//! Turns benches/results/*.csv into /BENCHMARKS.md and the throughput charts (see
//! `tokio_mpmc_bench::report`).
//!
//! Inputs, from benches/results/ (or `BENCH_RESULTS_DIR`): `throughput.csv` (the idle machine;
//! required) and, when present, `throughput-loaded.csv` (beside one busy-looping process),
//! `polls.csv`, `latency.csv`, each with its `-meta.txt` beside it, and the hand-written
//! sections. An optional argument names another idle throughput.csv. Writes BENCHMARKS.md at
//! the repository root (or `BENCH_REPORT_MD`) and `throughput.svg` / `throughput-loaded.svg` in
//! the results directory.

use std::path::{Path, PathBuf};

use tokio_mpmc_bench::meta_path;
use tokio_mpmc_bench::report::markdown::{self, Inputs};
use tokio_mpmc_bench::report::results::{Results, Run, parse_meta, parse_polls, parse_throughput};
use tokio_mpmc_bench::report::{svg, targets};

/// Hand-written sections kept next to the results, appended in this order.
const EXTRA_SECTIONS: [&str; 2] = ["allocations.md", "profile.md"];

/// The machine states, and the label a run gets when its meta file records none.
const IDLE: (&str, &str) = ("idle", "idle");
const LOADED: (&str, &str) = ("loaded", "beside one busy-looping process");
const LOADED_CSV: &str = "throughput-loaded.csv";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The file's text, or empty when it does not exist (an optional input).
fn read_optional(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A throughput summary and its meta file, as the run measured in state `name`.
fn run(csv: &Path, (name, default_state): (&'static str, &str), text: &str) -> Run {
    let mut meta = parse_meta(&read_optional(&meta_path(csv)));
    meta.entry("state".into())
        .or_insert_with(|| default_state.into());
    Run {
        name,
        file: csv
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        results: Results {
            rows: parse_throughput(text),
        },
        meta,
    }
}

/// A CSV and its meta file, when the CSV exists.
fn optional_with_meta(results: &Path, csv: &str) -> Option<(String, PathBuf)> {
    let path = results.join(csv);
    std::fs::read_to_string(&path).ok().map(|t| (t, path))
}

fn inputs(results: &Path) -> Inputs {
    let with_meta = |csv: &str| {
        optional_with_meta(results, csv)
            .map(|(text, path)| (text, parse_meta(&read_optional(&meta_path(&path)))))
    };
    Inputs {
        polls: with_meta("polls.csv").map(|(csv, meta)| (parse_polls(&csv), meta)),
        latency: with_meta("latency.csv"),
        lock: read_optional(&tokio_mpmc_bench::repo_root().join("Cargo.lock")),
        extra_sections: EXTRA_SECTIONS
            .iter()
            .filter_map(|name| std::fs::read_to_string(results.join(name)).ok())
            .collect(),
    }
}

/// The run's chart, its title naming the state.
fn write_svg(path: &Path, run: &Run) {
    let state = &run.meta["state"];
    let label = if state == run.name {
        state.clone()
    } else {
        format!("{}: {state}", run.name)
    };
    std::fs::write(path, svg::svg(&run.results, &label)).expect("write svg");
    println!("wrote {}", path.display());
}

fn main() {
    let results = tokio_mpmc_bench::results_dir();
    let csv: PathBuf = std::env::args()
        .nth(1)
        .map_or_else(|| results.join("throughput.csv"), Into::into);
    let idle = run(&csv, IDLE, &read(&csv));
    let loaded = optional_with_meta(&results, LOADED_CSV).map(|(t, p)| run(&p, LOADED, &t));
    let states: Vec<(&'static str, &Results)> = std::iter::once(&idle)
        .chain(&loaded)
        .map(|r| (r.name, &r.results))
        .collect();
    let targets = targets::targets(&states);
    let md = markdown::markdown(&idle, loaded.as_ref(), &targets, inputs(&results));
    let md_path = std::env::var_os("BENCH_REPORT_MD")
        .filter(|p| !p.is_empty())
        .map_or_else(
            || tokio_mpmc_bench::repo_root().join("BENCHMARKS.md"),
            Into::into,
        );
    std::fs::write(&md_path, md).expect("write BENCHMARKS.md");
    println!("wrote {}", md_path.display());
    write_svg(&results.join("throughput.svg"), &idle);
    match &loaded {
        Some(l) => write_svg(&results.join("throughput-loaded.svg"), l),
        None => println!("no {LOADED_CSV}: targets judged on the idle run only"),
    }
    for t in &targets {
        println!("{}", t.console_line());
    }
}
