//! The generator of `BENCHMARKS.md` and the throughput charts `results/throughput.svg` and
//! `results/throughput-loaded.svg` (the `report` binary).
//!
//! The prose is the template `benches/report/BENCHMARKS.md.in` and the speed targets are
//! `benches/report/targets.txt`; both are compiled in, so the binary runs from anywhere.

mod crates;
pub mod markdown;
pub mod results;
pub mod svg;
pub mod targets;
mod template;
