//! The message of a panic, caught from a closure or taken from a payload (a `JoinError`'s, say).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The text of a caught panic payload: its `String` or `&str` message (panics if it has neither).
pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .expect("panic message is a string")
}

/// Runs `call` and returns the message of its panic, or `None` if it returned without panicking.
pub fn panic_message_of<R>(call: impl FnOnce() -> R) -> Option<String> {
    catch_unwind(AssertUnwindSafe(call))
        .err()
        .map(panic_message)
}
