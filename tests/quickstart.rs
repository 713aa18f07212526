#![cfg(not(any(loom, shuttle)))]
//! The quick start a newcomer reads, in README.md and in the crate docs, is the program
//! `cargo run --example quickstart` runs (and CI checks), character for character.

const EXAMPLE: &str = include_str!("../examples/quickstart.rs");

/// The first code block of `kind` after `heading` in `text`.
fn block_after<'a>(text: &'a str, heading: &str, kind: &str) -> &'a str {
    let section = text
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let start = format!("```{kind}\n");
    section
        .split(start.as_str())
        .nth(1)
        .and_then(|code| code.split("```").next())
        .unwrap_or_else(|| panic!("no {kind} block after {heading:?}"))
}

#[test]
fn the_readme_quick_start_is_examples_quickstart_rs() {
    let readme = include_str!("../README.md");
    assert_eq!(block_after(readme, "## Quick start", "rust"), EXAMPLE);
}

#[test]
fn the_crate_docs_quick_start_is_examples_quickstart_rs() {
    let docs: String = include_str!("../src/lib.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    assert_eq!(block_after(&docs, "# Quick start", "no_run"), EXAMPLE);
}
