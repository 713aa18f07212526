//! Two units freed before anyone runs wake the two oldest waiters, not the first one twice, and no third: the
//! rule off a runtime and on a multi-thread one (a current-thread runtime keeps one notification out per side
//! instead: `tests/notifications.rs`). Futures are polled by hand; the caller enters the context to check.

use tokio_mpmc::Queue;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

/// Three receivers wait on an empty queue; two values arrive.
pub fn each_value_wakes_a_distinct_receiver() {
    let queue = Queue::new(4);
    let mut receivers: Vec<_> = (0..3).map(|_| spawn(queue.receive())).collect();
    for receive in &mut receivers {
        assert_pending!(receive.poll());
    }
    queue.try_send(10).unwrap();
    queue.try_send(11).unwrap();
    let woken: Vec<bool> = receivers.iter().map(|receive| receive.is_woken()).collect();
    assert_eq!(woken, [true, true, false], "one wake-up per value");
    assert_ready_eq!(receivers[0].poll(), Ok(Some(10)));
    assert_ready_eq!(receivers[1].poll(), Ok(Some(11)));
    assert_pending!(receivers[2].poll());
}

/// Three senders wait on a full queue of capacity 2; two slots are freed.
pub fn each_free_slot_wakes_a_distinct_sender() {
    let queue = Queue::new(2);
    queue.try_send(0).unwrap();
    queue.try_send(1).unwrap();
    let mut senders: Vec<_> = (2..5).map(|value| spawn(queue.send(value))).collect();
    for send in &mut senders {
        assert_pending!(send.poll());
    }
    assert_eq!(queue.try_receive(), Ok(0));
    assert_eq!(queue.try_receive(), Ok(1));
    let woken: Vec<bool> = senders.iter().map(|send| send.is_woken()).collect();
    assert_eq!(woken, [true, true, false], "one wake-up per slot");
    assert_ready_eq!(senders[0].poll(), Ok(()));
    assert_ready_eq!(senders[1].poll(), Ok(()));
    assert_pending!(senders[2].poll());
    assert_eq!(queue.try_receive(), Ok(2));
    assert_eq!(queue.try_receive(), Ok(3));
}
