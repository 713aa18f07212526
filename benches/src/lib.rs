//! Benchmarks for `tokio-mpmc`: throughput and latency against other bounded async channels,
//! and the generator of `BENCHMARKS.md`. See the binaries in `src/bin/`.

pub mod args;
pub mod latency;
pub mod peers;
pub mod report;
pub mod stats;
pub mod throughput;

use std::path::{Path, PathBuf};

/// `benches/results/` of this crate (from the compile-time manifest dir, so the binaries can be
/// run from anywhere in the workspace), or the directory in `BENCH_RESULTS_DIR` (scratch runs,
/// a report from other results).
pub fn results_dir() -> PathBuf {
    match std::env::var_os("BENCH_RESULTS_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => dir.into(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results"),
    }
}

/// The meta file of a results CSV: `throughput.csv` → `throughput-meta.txt`, beside it.
pub fn meta_path(csv: &Path) -> PathBuf {
    let stem = csv
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    csv.with_file_name(format!("{stem}-meta.txt"))
}

/// The machine-state label a run's meta file gets (`state=`) when `--state` / `BENCH_STATE`
/// gives none.
pub const DEFAULT_STATE: &str = "unspecified";

/// The repository root (`benches/..`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A short description of the machine: CPU model, cores, memory, kernel.
pub fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|r| r.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "? GiB".to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {cores} cores available, {mem} RAM, Linux {}",
        kernel.trim()
    )
}

/// `rustc --version` of the toolchain on PATH.
pub fn rustc_version() -> String {
    std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown rustc".into())
}

/// Seconds since the Unix epoch, formatted as a UTC date and time.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The commit of the measured code: `git rev-parse --short HEAD`, plus a note when `src/` has
/// uncommitted changes (the lead edits it while benchmarks run).
///
/// `BENCH_REVISION` overrides it (for runs from an exported tree without `.git`).
pub fn source_revision() -> String {
    if let Ok(rev) = std::env::var("BENCH_REVISION") {
        return rev;
    }
    let root = repo_root();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        None => "unknown".into(),
        Some(rev) => match git(&["status", "--porcelain", "--", "src"]) {
            Some(dirty) if !dirty.is_empty() => format!("{rev} (+ uncommitted changes in src/)"),
            _ => rev,
        },
    }
}

/// The 1-, 5- and 15-minute load averages (how busy the shared machine was).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
