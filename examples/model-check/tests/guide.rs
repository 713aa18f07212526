//! The guide (README.md) shows `tests/first_model.rs` as it is: what a user pastes is what CI runs.
#![cfg(not(any(loom, shuttle)))]

#[test]
fn the_guide_shows_the_first_model_verbatim() {
    let guide = include_str!("../README.md");
    let model = include_str!("first_model.rs");
    let section = guide
        .split("## A first model to paste")
        .nth(1)
        .expect("the guide has the section");
    let shown = section
        .split("```rust\n")
        .nth(1)
        .and_then(|code| code.split("\n```").next())
        .expect("the section shows a rust block");
    assert_eq!(format!("{shown}\n"), model);
}
