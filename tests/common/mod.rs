//! What the test files share: a counting waker ([`waker`]), a drop ledger ([`drop_ledger`]), a runtime
//! that fails a hung run ([`runtime`]), the message of a panic ([`panic`]), a history of calls and its check
//! against the sequential FIFO queue ([`history`]), overtaking a waiter by hand ([`overtake`]), one wake-up per
//! freed unit ([`one_wake_per_unit`]), and, for the
//! property tests, the case count and where failure seeds are kept.

// Each test binary compiles this module for the few helpers it uses: the others are dead code there.
#![allow(dead_code)]

pub mod drop_ledger;
pub mod history;
pub mod one_wake_per_unit;
pub mod overtake;
pub mod panic;
pub mod runtime;
pub mod waker;

use proptest::test_runner::{Config, FileFailurePersistence};

/// `default_cases` cases (what a plain `cargo test` runs), or `PROPTEST_CASES` when it is set (proptest's own
/// `with_cases` would ignore the variable); failure seeds persist to `regressions_file`, which every later run
/// replays first.
pub fn proptest_config(default_cases: u32, regressions_file: &'static str) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions_file))),
        ..Config::default()
    }
}

/// The case count a run should use: `PROPTEST_CASES` when it is set, else `default_cases`. Each property file
/// checks its configuration against it, independently of `proptest_config`'s own parsing.
pub fn expected_cases(default_cases: u32) -> u32 {
    match std::env::var("PROPTEST_CASES") {
        Ok(cases) => cases.parse().expect("PROPTEST_CASES is a number"),
        Err(_) => default_cases,
    }
}
