//! Turns benches/results/*.csv into /BENCHMARKS.md and benches/results/throughput.svg (see
//! `tokio_mpmc_bench::report`). An optional argument names another throughput.csv; its meta
//! file is the `-meta.txt` next to it.

use std::path::{Path, PathBuf};

use tokio_mpmc_bench::report::markdown::{self, Inputs};
use tokio_mpmc_bench::report::results::{Results, parse_meta, parse_throughput};
use tokio_mpmc_bench::report::{svg, targets};

/// Hand-written sections kept next to the results, appended in this order.
const EXTRA_SECTIONS: [&str; 2] = ["allocations.md", "profile.md"];

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The file's text, or empty when it does not exist (an optional input).
fn read_optional(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `throughput.csv` → `throughput-meta.txt`.
fn meta_path(csv: &Path) -> PathBuf {
    let stem = csv
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    csv.with_file_name(format!("{stem}-meta.txt"))
}

fn inputs(throughput_csv: &Path) -> Inputs {
    let results = tokio_mpmc_bench::results_dir();
    let latency = std::fs::read_to_string(results.join("latency.csv"))
        .ok()
        .map(|csv| {
            (
                csv,
                parse_meta(&read_optional(&results.join("latency-meta.txt"))),
            )
        });
    Inputs {
        throughput_meta: parse_meta(&read_optional(&meta_path(throughput_csv))),
        latency,
        lock: read_optional(&tokio_mpmc_bench::repo_root().join("Cargo.lock")),
        extra_sections: EXTRA_SECTIONS
            .iter()
            .filter_map(|name| std::fs::read_to_string(results.join(name)).ok())
            .collect(),
    }
}

fn main() {
    let results = tokio_mpmc_bench::results_dir();
    let csv: PathBuf = std::env::args()
        .nth(1)
        .map_or_else(|| results.join("throughput.csv"), Into::into);
    let d = Results {
        rows: parse_throughput(&read(&csv)),
    };
    let targets = targets::targets(&d);
    let md = markdown::markdown(&d, &targets, inputs(&csv));
    let md_path = tokio_mpmc_bench::repo_root().join("BENCHMARKS.md");
    std::fs::write(&md_path, md).expect("write BENCHMARKS.md");
    let svg_path = results.join("throughput.svg");
    std::fs::write(&svg_path, svg::svg(&d)).expect("write svg");
    println!("wrote {} and {}", md_path.display(), svg_path.display());
    for t in &targets {
        println!("{}", t.console_line());
    }
}
