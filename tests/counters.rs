#![cfg(all(feature = "counters", not(any(loom, shuttle))))]
//! The benchmarks' count of hand-off mode (the hidden `counters` feature, `cargo test --features counters
//! --test counters`): the `polls` bench reports it beside every cell of ours, so it must count each beginning
//! once, and nothing before a waiter is overtaken `BOUND` times. Its own test binary: the count is
//! process-wide.

mod common;

use common::overtake::{BOUND, overtake_receive, overtake_send};
use tokio_mpmc::Queue;
use tokio_mpmc::counters::hand_offs_begun;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

#[test]
fn each_beginning_of_hand_off_mode_is_counted_once_on_either_side() {
    let before = hand_offs_begun();
    let queue = Queue::new(1);
    let mut receive = spawn(queue.receive());
    assert_pending!(receive.poll());
    overtake_receive(&queue, &mut receive, BOUND - 1);
    assert_eq!(
        hand_offs_begun(),
        before,
        "overtaken less than the bound: no hand-off yet"
    );
    overtake_receive(&queue, &mut receive, 1);
    assert_eq!(
        hand_offs_begun(),
        before + 1,
        "the receivers' side began hand-off mode"
    );
    queue.try_send(7).unwrap();
    assert_ready_eq!(receive.poll(), Ok(Some(7)));

    queue.try_send(0).unwrap();
    let mut send = spawn(queue.send(99));
    assert_pending!(send.poll());
    overtake_send(&queue, &mut send, BOUND);
    assert_eq!(
        hand_offs_begun(),
        before + 2,
        "the senders' side began it too"
    );
    assert_eq!(queue.try_receive(), Ok(BOUND));
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(99));
}
