//! loom models of the production queue (compiled into the crate's unit tests under `--cfg loom`; see
//! `verification/README.md`). Each model names the invariant it checks; a lost wake-up shows up as loom's
//! deadlock report ("Model deadlocked"), a leaked value or handle as loom's leak report.
//!
//! Bounds: 2–3 threads, capacity 1–2, each stated in the model (`LOOM_MAX_PREEMPTIONS` overrides it). Models
//! run exhaustively (no preemption bound) wherever loom can finish them. Where both threads may spin, loom
//! can re-schedule a yielding thread forever without a bound (the ring waits for an in-flight push or pop to
//! publish its slot), so those models, and the three-thread ones, run at a preemption bound of 3 to 5.

use std::future::Future;
use std::io::Write;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use loom::future::block_on;
use loom::thread;

use crate::{Queue, SendError, TryRecvError, TrySendError, channel};

/// Runs `model` for every interleaving loom explores within `preemption_bound` (`None`: all of them), prints
/// how many it explored and how often each coverage probe of the production code fired (`src/probe.rs`), and
/// fails unless every probe in `covers` (the branches the model is about) fired in some interleaving. The
/// print bypasses the test harness's capture so that it always shows.
fn explore(
    name: &str,
    preemption_bound: Option<usize>,
    covers: &[&str],
    model: impl Fn() + Send + Sync + 'static,
) {
    // One counter per model (a `static` would be shared by every model running on parallel test threads).
    let runs = Arc::new(AtomicUsize::new(0));
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = builder.preemption_bound.or(preemption_bound);
    let bound = builder.preemption_bound;
    let started = Instant::now();
    let counter = Arc::clone(&runs);
    crate::probe::take();
    builder.check(move || {
        counter.fetch_add(1, Relaxed);
        model();
    });
    // Back to the default for the next model on this thread (a model may have lifted the limit).
    crate::coop::models::limit_notifications(1);
    let probes = crate::probe::take();
    let runs = runs.load(Relaxed);
    let bound = bound.map_or("none (exhaustive)".to_string(), |b| b.to_string());
    let _ = writeln!(
        std::io::stderr(),
        "loom model {name}: {runs} interleavings, preemption bound {bound}, {:.2?}, covered: {}",
        started.elapsed(),
        crate::probe::covered(&probes)
    );
    let missed = crate::probe::missed(covers, &probes);
    assert!(
        missed.is_empty(),
        "loom model {name} never reached {missed:?}: it does not explore what it names"
    );
}

/// [`explore`] with the notification limit lifted, as on a multi-thread runtime or for a blocked thread: each
/// unit freed wakes its own waiter, and a woken waiter comes back without the lock.
fn explore_unthrottled(
    name: &str,
    preemption_bound: Option<usize>,
    covers: &[&str],
    model: impl Fn() + Send + Sync + 'static,
) {
    crate::coop::models::limit_notifications(usize::MAX);
    explore(name, preemption_bound, covers, model);
}

/// Polls `future` once with a waker that does nothing and tells whether it is still pending.
fn poll_pending<F: Future>(future: Pin<&mut F>) -> bool {
    future
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending()
}

/// Polls `future` once with a waker that does nothing, as a task that is cancelled right after it would have
/// been woken: whatever wake-up the future receives is never acted on.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
}

/// I1: a receiver waiting on an empty queue is woken by a send.
#[test]
fn i1_receiver_waiting_on_empty_is_woken_by_a_send() {
    explore(
        "i1_receiver_waiting_on_empty_is_woken_by_a_send",
        None,
        &[
            "receive.waits",
            "push.served_receivers",
            "receive.recheck_found_value",
        ],
        || {
            let queue = Queue::new(1);
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.receive()))
            };
            block_on(queue.send(7)).unwrap();
            assert_eq!(receiver.join().unwrap(), Ok(Some(7)));
        },
    );
}

/// I1: a sender waiting on a full queue is woken by a receive.
#[test]
fn i1_sender_waiting_on_full_is_woken_by_a_receive() {
    explore(
        "i1_sender_waiting_on_full_is_woken_by_a_receive",
        None,
        &[
            "send.waits",
            "pop.served_senders",
            "send.recheck_found_room",
        ],
        || a_sender_waiting_on_full_is_woken_by_a_receive(Queue::new(1)),
    );
}

/// The body of the I1 sender models, on an empty capacity-1 `queue` (a ring or a bounded block list).
fn a_sender_waiting_on_full_is_woken_by_a_receive(queue: Queue<i32>) {
    queue.try_send(1).unwrap();
    let sender = {
        let queue = queue.clone();
        thread::spawn(move || block_on(queue.send(2)))
    };
    assert_eq!(queue.try_receive(), Ok(1));
    // A sender left waiting would never finish: loom reports the deadlock.
    sender.join().unwrap().unwrap();
    assert_eq!(queue.try_receive(), Ok(2));
}

/// I1 for sync threads: a thread blocked (parked through the facade, as the blocking calls are) on an empty
/// queue is unparked by a send, and one blocked on a full queue by a receive. A lost unpark is loom's
/// deadlock report.
#[test]
fn i1_blocked_threads_are_unparked_by_the_other_side() {
    // A thread blocked outside any runtime keeps no limit on notifications, as in production.
    explore_unthrottled(
        "i1_blocked_threads_are_unparked_by_the_other_side",
        None,
        &["blocking.parked", "receive.waits", "send.waits"],
        || {
            let queue = Queue::new(1);
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || crate::blocking::block_on(queue.receive()))
            };
            crate::blocking::block_on(queue.send(1)).unwrap();
            crate::blocking::block_on(queue.send(2)).unwrap();
            assert_eq!(receiver.join().unwrap(), Ok(Some(1)));
            assert_eq!(queue.try_receive(), Ok(2));
        },
    );
}

/// I1: two receivers waiting at once on a capacity-2 queue are both woken by two sends that complete without
/// waiting (so a wake-up only on the empty-to-non-empty transition would strand one of them).
#[test]
fn i1_two_waiting_receivers_are_each_woken_by_one_of_two_sends() {
    explore(
        "i1_two_waiting_receivers_are_each_woken_by_one_of_two_sends",
        Some(5),
        &[
            "receive.waits",
            "waiters.notified",
            "leave.receiver_passed_on_a_wakeup",
        ],
        two_waiting_receivers_are_each_woken_by_one_of_two_sends,
    );
}

/// I1 without the throttle (a multi-thread runtime, a blocked thread): each send wakes its own receiver.
#[test]
fn i1_unthrottled_two_waiting_receivers_are_each_woken_by_one_of_two_sends() {
    explore_unthrottled(
        "i1_unthrottled_two_waiting_receivers_are_each_woken_by_one_of_two_sends",
        Some(5),
        &["receive.waits", "waiters.notified"],
        two_waiting_receivers_are_each_woken_by_one_of_two_sends,
    );
}

/// The body of the I1 two-receiver models.
fn two_waiting_receivers_are_each_woken_by_one_of_two_sends() {
    let queue = Queue::new(2);
    // The first receiver waits in this thread, the second in another.
    let mut first = Box::pin(queue.receive());
    assert!(poll_pending(first.as_mut()));
    let second = {
        let queue = queue.clone();
        thread::spawn(move || block_on(queue.receive()).unwrap().unwrap())
    };
    queue.try_send(1).unwrap();
    queue.try_send(2).unwrap();
    let mut got = vec![block_on(first).unwrap().unwrap(), second.join().unwrap()];
    got.sort_unstable();
    assert_eq!(got, [1, 2]);
}

/// I2: values arrive in the order they were sent, across the wrap of a capacity-2 ring, while the receiver
/// waits for each of them.
#[test]
fn i2_values_arrive_in_send_order_across_a_wrap() {
    explore(
        "i2_values_arrive_in_send_order_across_a_wrap",
        Some(5),
        &["receive.waits", "ring.pop_waited_for_a_slot"],
        || {
            let queue = Queue::new(2);
            // Start at index 1, so the two sends below land on index 1 and then index 0 of the next lap.
            queue.try_send(0).unwrap();
            assert_eq!(queue.try_receive(), Ok(0));
            let producer = {
                let queue = queue.clone();
                thread::spawn(move || {
                    queue.try_send(1).unwrap();
                    queue.try_send(2).unwrap();
                })
            };
            assert_eq!(block_on(queue.receive()), Ok(Some(1)));
            assert_eq!(block_on(queue.receive()), Ok(Some(2)));
            producer.join().unwrap();
        },
    );
}

/// I2, I3 (memory ordering): a sender that never waits pushes into the slot a racing receiver has just freed.
/// Neither waits, so no lock orders the two: only the slot's stamp does (the pop stores it with Release after
/// reading the value out, the push reads it with Acquire before writing), or the push's write races that read.
#[test]
fn i2_a_push_into_a_slot_a_racing_pop_just_freed_writes_after_its_read() {
    explore(
        "i2_a_push_into_a_slot_a_racing_pop_just_freed_writes_after_its_read",
        None,
        &["model.the_sender_found_the_slot_full"],
        || {
            let queue = Queue::new(1);
            queue.try_send(1).unwrap();
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || queue.try_receive())
            };
            // Until the receiver frees the slot; loom explores each order of the two.
            loop {
                match queue.try_send(2) {
                    Ok(()) => break,
                    Err(TrySendError::Full(_)) => {
                        crate::probe::hit("model.the_sender_found_the_slot_full");
                        thread::yield_now();
                    }
                    Err(other) => panic!("the queue is open: {other:?}"),
                }
            }
            assert_eq!(receiver.join().unwrap(), Ok(1));
            assert_eq!(queue.try_receive(), Ok(2));
        },
    );
}

/// I2: with both sides waiting on a capacity-1 queue, one producer's values arrive in order over two laps.
#[test]
fn i2_values_arrive_in_order_when_both_sides_wait() {
    explore(
        "i2_values_arrive_in_order_when_both_sides_wait",
        Some(4),
        &[
            "send.waits",
            "receive.waits",
            "pop.served_senders",
            "push.served_receivers",
        ],
        || {
            let queue = Queue::new(1);
            let producer = {
                let queue = queue.clone();
                thread::spawn(move || {
                    for value in 0..2 {
                        block_on(queue.send(value)).unwrap();
                    }
                })
            };
            for expected in 0..2 {
                assert_eq!(block_on(queue.receive()), Ok(Some(expected)));
            }
            producer.join().unwrap();
        },
    );
}

/// I3: racing a close, every value whose send returned Ok is received exactly once, every refused send gives
/// its value back, and once a receive returns Ok(None) every later one does.
#[test]
fn i3_close_drains_every_accepted_value_then_answers_none() {
    explore(
        "i3_close_drains_every_accepted_value_then_answers_none",
        None,
        &[
            "model.a_send_was_refused_by_the_close",
            "model.a_send_beat_the_close",
        ],
        || {
            let queue = Queue::new(1);
            let producer = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut accepted = Vec::new();
                    for value in 1..=2 {
                        match queue.try_send(value) {
                            Ok(()) => {
                                crate::probe::hit("model.a_send_beat_the_close");
                                accepted.push(value);
                            }
                            Err(TrySendError::Full(_)) => {}
                            Err(TrySendError::Closed(back)) => {
                                crate::probe::hit("model.a_send_was_refused_by_the_close");
                                assert_eq!(back, value);
                            }
                        }
                    }
                    accepted
                })
            };
            queue.close();
            let mut received = Vec::new();
            while let Some(value) = block_on(queue.receive()).unwrap() {
                received.push(value);
            }
            assert_eq!(block_on(queue.receive()), Ok(None));
            assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
            assert_eq!(received, producer.join().unwrap());
            assert_eq!(queue.try_send(3), Err(TrySendError::Closed(3)));
        },
    );
}

/// I3: a sender waiting on a full queue races a receive followed by a close: its value is either received
/// or given back, never lost, and the drain ends on Ok(None).
#[test]
fn i3_a_waiting_sender_racing_close_is_either_received_or_refused() {
    explore(
        "i3_a_waiting_sender_racing_close_is_either_received_or_refused",
        Some(5),
        &[
            "close.woke_senders",
            "send.grant_refused_by_close",
            "send.waits",
        ],
        a_waiting_sender_racing_close_is_either_received_or_refused,
    );
}

/// I3 without the throttle: the woken sender's node is freed at once, and it comes back without the lock.
#[test]
fn i3_unthrottled_a_waiting_sender_racing_close_is_either_received_or_refused() {
    explore_unthrottled(
        "i3_unthrottled_a_waiting_sender_racing_close_is_either_received_or_refused",
        Some(5),
        &[
            "close.woke_senders",
            "send.grant_refused_by_close",
            "send.waits",
            "waiters.notified_without_a_node",
            "waiters.came_back_without_the_lock",
        ],
        a_waiting_sender_racing_close_is_either_received_or_refused,
    );
}

/// The body of the `i3_a_waiting_sender_racing_close_is_either_received_or_refused` models.
fn a_waiting_sender_racing_close_is_either_received_or_refused() {
    let queue = Queue::new(1);
    queue.try_send(1).unwrap();
    let sender = {
        let queue = queue.clone();
        thread::spawn(move || block_on(queue.send(2)).map_err(SendError::into_inner))
    };
    let mut received = vec![block_on(queue.receive()).unwrap().unwrap()];
    queue.close();
    while let Some(value) = block_on(queue.receive()).unwrap() {
        received.push(value);
    }
    let expected: &[i32] = match sender.join().unwrap() {
        Ok(()) => &[1, 2],
        Err(back) => {
            assert_eq!(back, 2);
            &[1]
        }
    };
    assert_eq!(received, expected);
}

/// I1 + I3: close wakes a receiver waiting on an empty queue, which then answers Ok(None).
#[test]
fn i3_close_wakes_a_waiting_receiver_with_none() {
    explore(
        "i3_close_wakes_a_waiting_receiver_with_none",
        None,
        &[
            "close.woke_receivers",
            "receive.waits",
            "receive.recheck_found_the_end",
        ],
        || {
            let queue = Queue::<i32>::new(1);
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.receive()))
            };
            queue.close();
            assert_eq!(receiver.join().unwrap(), Ok(None));
        },
    );
}

/// I1 + I3: close wakes a sender waiting on a full queue and gives it its value back; the value already
/// inside is still received.
#[test]
fn i3_close_wakes_a_waiting_sender_and_returns_its_value() {
    explore(
        "i3_close_wakes_a_waiting_sender_and_returns_its_value",
        None,
        &["close.woke_senders", "send.waits"],
        || {
            let queue = Queue::new(1);
            queue.try_send(1).unwrap();
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.send(2)))
            };
            queue.close();
            assert_eq!(sender.join().unwrap(), Err(SendError(2)));
            assert_eq!(queue.try_receive(), Ok(1));
            assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
        },
    );
}

/// I3: dropping the last handles, from two threads, drops every value still inside exactly once (loom's
/// `Track` reports a value never dropped; a double drop is a double free loom's `Arc` catches).
#[test]
fn i3_dropping_the_last_handle_drops_every_value_inside() {
    explore(
        "i3_dropping_the_last_handle_drops_every_value_inside",
        None,
        &["model.both_values_inside_before_the_drops"],
        || {
            let queue = Queue::new(2);
            let other = queue.clone();
            let sender = thread::spawn(move || {
                other.try_send(loom::alloc::Track::new(1)).unwrap();
                if other.try_send(loom::alloc::Track::new(3)).is_err() {
                    crate::probe::hit("model.both_values_inside_before_the_drops");
                }
                drop(other);
            });
            // Full if the other thread's two values are in: the value comes back and is dropped here.
            let _ = queue.try_send(loom::alloc::Track::new(2));
            drop(queue);
            sender.join().unwrap();
        },
    );
}

/// I4: two producers racing on a capacity-1 queue with a consumer on a third thread: never more than
/// `capacity` values inside (`len() <= capacity()` at every step of every thread), and the values accepted
/// are exactly those received or still inside. Covered: the consumer takes a value while the producers race,
/// and more values are accepted in all than the queue holds at once.
#[test]
fn i4_capacity_is_never_exceeded() {
    explore(
        "i4_capacity_is_never_exceeded",
        Some(2),
        &[
            "model.consumer_took_a_value_during_the_race",
            "model.more_accepted_than_the_capacity",
        ],
        || capacity_is_never_exceeded(Queue::new(1)),
    );
}

/// The body of the I4 models, on an empty capacity-1 `queue` (a ring or a bounded block list).
fn capacity_is_never_exceeded(queue: Queue<usize>) {
    let produce = |queue: &Queue<usize>, producer: usize| {
        let mut accepted = 0;
        for value in 0..2 {
            if queue.try_send(producer * 10 + value).is_ok() {
                accepted += 1;
            }
            assert!(queue.len() <= queue.capacity());
        }
        accepted
    };
    let producer = {
        let queue = queue.clone();
        thread::spawn(move || produce(&queue, 1))
    };
    let consumer = {
        let queue = queue.clone();
        thread::spawn(move || {
            let mut received = 0;
            for _ in 0..2 {
                if queue.try_receive().is_ok() {
                    crate::probe::hit("model.consumer_took_a_value_during_the_race");
                    received += 1;
                }
                assert!(queue.len() <= queue.capacity());
            }
            received
        })
    };
    let accepted = produce(&queue, 0) + producer.join().unwrap();
    let received = consumer.join().unwrap();
    let inside = queue.len();
    assert!(inside <= queue.capacity());
    assert!(
        accepted <= queue.capacity() + received,
        "{accepted} accepted, {received} received"
    );
    assert_eq!(accepted, received + inside);
    if accepted > queue.capacity() {
        crate::probe::hit("model.more_accepted_than_the_capacity");
    }
}

/// I4: `len()` read by one thread while another sends and receives stays within `0..=capacity()`: it is a
/// snapshot, never a difference of two counters read at different times. On a capacity of 1 the snapshot's bound
/// (at most one value was ever inside) is the capacity's.
#[test]
fn i4_len_never_exceeds_capacity_while_racing() {
    explore(
        "i4_len_never_exceeds_capacity_while_racing",
        None,
        &["model.len_read_one"],
        || len_counts_the_values_of_one_instant(Queue::new(1)),
    );
}

/// I4, the snapshot half: `len` is the count at one instant, so it never shows more values than were inside at
/// once (here one, below the capacity of 2: a `len` that only stays within the capacity passes the model
/// above). Its reads of the two ends race two sends and receives, which move both ends a lap.
#[test]
fn i4_len_counts_the_values_of_one_instant() {
    explore(
        "i4_len_counts_the_values_of_one_instant",
        None,
        &["model.len_read_one"],
        || len_counts_the_values_of_one_instant(Queue::new(2)),
    );
}

/// The same on the unbounded block list.
#[test]
fn i4_len_counts_the_values_of_one_instant_unbounded() {
    explore(
        "i4_len_counts_the_values_of_one_instant_unbounded",
        None,
        &["model.len_read_one"],
        || len_counts_the_values_of_one_instant(Queue::unbounded()),
    );
}

/// The body of the `len` snapshot models, on an empty `queue`.
fn len_counts_the_values_of_one_instant(queue: Queue<usize>) {
    let observer = {
        let queue = queue.clone();
        thread::spawn(move || {
            for _ in 0..2 {
                let len = queue.len();
                assert!(len <= queue.capacity(), "len {len} above the capacity");
                assert!(len <= 1, "len {len}, and at most one value was ever inside");
                if len == 1 {
                    crate::probe::hit("model.len_read_one");
                }
            }
        })
    };
    for value in 0..2 {
        queue.try_send(value).unwrap();
        assert_eq!(queue.try_receive(), Ok(value));
    }
    observer.join().unwrap();
}

/// I5: a receiver woken and then cancelled (dropped without acting on its wake-up) passes the wake-up on:
/// the other waiting receiver still gets the value.
#[test]
fn i5_a_cancelled_woken_receiver_passes_its_wakeup_on() {
    explore(
        "i5_a_cancelled_woken_receiver_passes_its_wakeup_on",
        None,
        &["leave.receiver_passed_on_a_wakeup", "receive.waits"],
        a_cancelled_woken_receiver_passes_its_wakeup_on,
    );
}

/// I5 without the throttle: the cancelled receiver's node was freed when it was woken; its drop still passes
/// the wake-up on.
#[test]
fn i5_unthrottled_a_cancelled_woken_receiver_passes_its_wakeup_on() {
    explore_unthrottled(
        "i5_unthrottled_a_cancelled_woken_receiver_passes_its_wakeup_on",
        None,
        &[
            "leave.receiver_passed_on_a_wakeup",
            "receive.waits",
            "waiters.notified_without_a_node",
        ],
        a_cancelled_woken_receiver_passes_its_wakeup_on,
    );
}

/// The body of the `i5_a_cancelled_woken_receiver_passes_its_wakeup_on` models.
fn a_cancelled_woken_receiver_passes_its_wakeup_on() {
    let queue = Queue::new(1);
    // Registered first, so the send below wakes it before the other receiver.
    let mut cancelled = Box::pin(queue.receive());
    assert!(poll_pending(cancelled.as_mut()));
    let waiting = {
        let queue = queue.clone();
        thread::spawn(move || block_on(queue.receive()))
    };
    queue.try_send(1).unwrap();
    drop(cancelled);
    assert_eq!(waiting.join().unwrap(), Ok(Some(1)));
}

/// I5: a sender woken and then cancelled passes its wake-up on to the other waiting sender, and its own value
/// is never delivered.
#[test]
fn i5_a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing() {
    explore(
        "i5_a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing",
        None,
        &["leave.sender_passed_on_a_wakeup", "send.waits"],
        a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing,
    );
}

/// I5 without the throttle.
#[test]
fn i5_unthrottled_a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing() {
    explore_unthrottled(
        "i5_unthrottled_a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing",
        None,
        &["leave.sender_passed_on_a_wakeup", "send.waits"],
        a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing,
    );
}

/// The body of the I5 cancelled-sender models.
fn a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut cancelled = Box::pin(queue.send(1));
    assert!(poll_pending(cancelled.as_mut()));
    let waiting = {
        let queue = queue.clone();
        thread::spawn(move || block_on(queue.send(2)))
    };
    assert_eq!(queue.try_receive(), Ok(0));
    drop(cancelled);
    waiting.join().unwrap().unwrap();
    assert_eq!(queue.try_receive(), Ok(2));
    assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
}

/// I5: a receive future cancelled at any point while a send races it takes nothing it does not return: the
/// value is received exactly once, by the cancelled future or afterwards.
#[test]
fn i5_a_receive_cancelled_mid_race_loses_no_value() {
    explore(
        "i5_a_receive_cancelled_mid_race_loses_no_value",
        None,
        &["leave.receiver_passed_on_a_wakeup", "receive.waits"],
        || {
            let queue = Queue::new(1);
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || queue.try_send(1).unwrap())
            };
            let got = match poll_once(queue.receive()) {
                Poll::Ready(Ok(Some(value))) => value,
                _ => {
                    sender.join().unwrap();
                    return assert_eq!(queue.try_receive(), Ok(1));
                }
            };
            sender.join().unwrap();
            assert_eq!(got, 1);
            assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
        },
    );
}

/// I1: a receiver waiting on a capacity-2 queue is woken when two sends race, although the send that
/// finishes last does not take the queue from empty to non-empty (waking only on that transition, as
/// tokio-mpmc 0.2.4 did, strands the receiver). The second send may find the receivers' `WAITING` bit
/// cleared by the first one's notification (and end a lap with it clear).
#[test]
fn i1_a_waiting_receiver_is_woken_by_two_racing_sends() {
    explore(
        "i1_a_waiting_receiver_is_woken_by_two_racing_sends",
        Some(3),
        &[
            "receive.waits",
            "push.served_receivers",
            "waiters.lap_ended_while_a_notification_is_out",
        ],
        || {
            let queue = Queue::new(2);
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.receive()).unwrap().unwrap())
            };
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || queue.try_send(1).unwrap())
            };
            queue.try_send(2).unwrap();
            sender.join().unwrap();
            let mut got = [receiver.join().unwrap(), queue.try_receive().unwrap()];
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
        },
    );
}

/// I6: the last sender's drop closes the channel and wakes a receiver waiting on it, which then answers
/// `None`. The receiver registered first (a `poll_recv` that returned `Pending`), then blocks on another
/// thread (parking through the facade, as `blocking_recv` does): the drop races its waker's refresh and its
/// park, so the blocked thread must be unparked by the close or see it in its re-check.
#[test]
fn i6_the_last_sender_drop_wakes_a_blocked_receiver_with_none() {
    explore(
        "i6_the_last_sender_drop_wakes_a_blocked_receiver_with_none",
        None,
        &[
            "handles.last_sender_closed",
            "blocking.parked",
            "close.woke_receivers",
            "model.the_receiver_was_unparked_by_the_close",
        ],
        || {
            let (tx, mut rx) = channel::<u8>(1);
            assert!(
                rx.poll_recv(&mut Context::from_waker(Waker::noop()))
                    .is_pending()
            );
            let receiver = thread::spawn(move || {
                let mut polls = 0;
                let got = crate::blocking::block_on(std::future::poll_fn(|cx| {
                    polls += 1;
                    rx.poll_recv(cx)
                }));
                if polls > 1 {
                    crate::probe::hit("model.the_receiver_was_unparked_by_the_close");
                }
                got
            });
            drop(tx);
            assert_eq!(receiver.join().unwrap(), None);
        },
    );
}

/// I6: the last receiver's drop closes the channel, wakes a sender waiting on the full channel with its own
/// value back, and drops the value inside exactly once (`Track` reports a leak; loom's `Arc` a double drop).
#[test]
fn i6_the_last_receiver_drop_gives_a_waiting_sender_its_value_and_drops_the_rest() {
    explore(
        "i6_the_last_receiver_drop_gives_a_waiting_sender_its_value_and_drops_the_rest",
        None,
        &[
            "handles.last_receiver_closed",
            "close.woke_senders",
            "drain.dropped_value",
        ],
        || {
            let (tx, rx) = channel(1);
            tx.try_send(loom::alloc::Track::new(1)).unwrap();
            let sender = thread::spawn(move || {
                let back = block_on(tx.send(loom::alloc::Track::new(2))).unwrap_err();
                assert_eq!(*back.into_inner().get_ref(), 2);
                assert!(tx.is_closed());
                tx
            });
            drop(rx);
            let tx = sender.join().unwrap();
            assert_eq!(
                tx.len(),
                0,
                "the value inside was not dropped with the last receiver"
            );
        },
    );
}

/// I6: two last senders dropped at once on two threads close the channel exactly when the second goes
/// (one read-modify-write decides), so a waiting receiver gets both values, then `None`.
#[test]
fn i6_racing_drops_of_the_last_two_senders_close_once_after_both() {
    explore(
        "i6_racing_drops_of_the_last_two_senders_close_once_after_both",
        // Both threads push while the receiver may spin on an unpublished slot: bounded (see the module docs).
        Some(3),
        &[
            "handles.last_sender_closed",
            "close.woke_receivers",
            "receive.recheck_found_the_end",
        ],
        || {
            let (tx, rx) = channel(2);
            let other = tx.clone();
            let first = thread::spawn(move || {
                other.try_send(1).unwrap();
                drop(other);
            });
            tx.try_send(2).unwrap();
            drop(tx);
            let mut got = vec![block_on(rx.recv()).unwrap(), block_on(rx.recv()).unwrap()];
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
            assert_eq!(block_on(rx.recv()), None);
            first.join().unwrap();
        },
    );
}

/// I6: two last receivers dropped at once on two threads while a sender waits on a full channel: the
/// channel closes once both are gone (one `fetch_sub` decides), the values inside are dropped exactly once
/// (loom `Track`), and the waiting sender is woken and gets its value back.
#[test]
fn i6_racing_drops_of_the_last_two_receivers_drop_every_value_once() {
    explore(
        "i6_racing_drops_of_the_last_two_receivers_drop_every_value_once",
        None,
        &[
            "handles.last_receiver_closed",
            "drain.dropped_value",
            "close.woke_senders",
        ],
        || {
            let (tx, rx) = channel(2);
            let other = rx.clone();
            tx.try_send(loom::alloc::Track::new(1)).unwrap();
            tx.try_send(loom::alloc::Track::new(2)).unwrap();
            let woken = Arc::new(WokenFlag::default());
            let waker = Waker::from(Arc::clone(&woken));
            let mut waiting = Box::pin(tx.send(loom::alloc::Track::new(3)));
            assert!(
                waiting
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            let first = thread::spawn(move || drop(other));
            drop(rx);
            first.join().unwrap();
            assert!(
                woken.0.load(Relaxed),
                "the waiting sender was woken by the close"
            );
            match waiting.as_mut().poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(Err(SendError(back))) => assert_eq!(*back.get_ref(), 3),
                other => panic!("the waiting sender got {:?}", other.map(|r| r.is_ok())),
            }
            assert!(tx.is_closed());
            assert_eq!(tx.len(), 0);
            assert!(tx.try_send(loom::alloc::Track::new(4)).is_err());
        },
    );
}

/// I6: a weak sender's upgrade racing the last strong sender's drop either fails, or keeps the channel open
/// until the upgraded sender goes: a value it sends is received before `None`.
#[test]
fn i6_an_upgrade_racing_the_last_drop_never_reopens_a_closed_channel() {
    explore(
        "i6_an_upgrade_racing_the_last_drop_never_reopens_a_closed_channel",
        None,
        &["handles.last_sender_closed"],
        || {
            let (tx, rx) = channel(1);
            let weak = tx.downgrade();
            let upgrader = thread::spawn(move || match weak.upgrade() {
                Some(tx) => {
                    tx.try_send(1)
                        .expect("an upgraded sender's channel is open");
                    true
                }
                None => false,
            });
            drop(tx);
            let sent = upgrader.join().unwrap();
            let received = block_on(rx.recv());
            assert_eq!(received, sent.then_some(1));
            assert_eq!(block_on(rx.recv()), None);
        },
    );
}

/// I6 with weak receivers: a `WeakReceiver`'s upgrade racing the drop of the last strong receiver either
/// fails (the channel is closed for good), or keeps the channel open until the upgraded receiver goes: a value
/// sent meanwhile is accepted, and dropped exactly once with the last receiver (`Track` reports a leak).
/// Afterwards the channel is closed and empty and no upgrade succeeds. Probes: both outcomes of the race.
#[test]
fn i6_a_weak_receivers_upgrade_racing_the_last_drop_never_reopens_a_closed_channel() {
    let name = "i6_a_weak_receivers_upgrade_racing_the_last_drop_never_reopens_a_closed_channel";
    explore(
        name,
        None,
        &["model.upgraded", "model.upgrade_failed"],
        move || {
            let (tx, rx) = channel(1);
            let weak = rx.downgrade();
            let later = weak.clone();
            let upgrader = {
                let tx = tx.clone();
                thread::spawn(move || match weak.upgrade() {
                    Some(rx) => {
                        tx.try_send(loom::alloc::Track::new(1))
                            .expect("a channel with an upgraded receiver is open");
                        // Left inside: the last receiver's drop, this one's or the other's, drops it.
                        drop(rx);
                        true
                    }
                    None => false,
                })
            };
            drop(rx);
            let upgraded = upgrader.join().unwrap();
            crate::probe::hit(if upgraded {
                "model.upgraded"
            } else {
                "model.upgrade_failed"
            });
            assert!(tx.is_closed(), "every strong receiver is gone");
            assert_eq!(tx.len(), 0, "the values inside went with the last receiver");
            assert!(later.upgrade().is_none());
        },
    );
}

/// I1, I3 through the blocking calls: a sender blocked in `blocking_send` on a full channel is unparked by
/// a `blocking_recv`, values arrive in order, and the last sender's drop ends the receiver.
#[test]
fn i1_blocking_send_and_recv_hand_values_over_in_order() {
    // A thread blocked outside any runtime keeps no limit on notifications, as in production.
    explore_unthrottled(
        "i1_blocking_send_and_recv_hand_values_over_in_order",
        // Both threads push while the receiver may spin on an unpublished slot: bounded (see the module docs).
        Some(4),
        &[
            "blocking.parked",
            "send.waits",
            "receive.waits",
            "receive.recheck_found_the_end",
        ],
        || {
            let (tx, rx) = channel(1);
            let sender = thread::spawn(move || {
                tx.blocking_send(1).unwrap();
                tx.blocking_send(2).unwrap();
            });
            assert_eq!(rx.blocking_recv(), Some(1));
            assert_eq!(rx.blocking_recv(), Some(2));
            assert_eq!(rx.blocking_recv(), None);
            sender.join().unwrap();
        },
    );
}

/// I5 through the channel face: a `RecvStream` woken and then dropped passes its wake-up on, so a receiver
/// blocked in `blocking_recv` still gets the value.
#[test]
fn i5_a_dropped_woken_stream_passes_its_wakeup_on_to_a_blocked_receiver() {
    explore(
        "i5_a_dropped_woken_stream_passes_its_wakeup_on_to_a_blocked_receiver",
        None,
        &["leave.receiver_passed_on_a_wakeup", "blocking.parked"],
        || {
            use futures_core::Stream;
            let (tx, rx) = channel(1);
            // Registered first, so the send below wakes it before the blocked receiver.
            let mut stream = rx.clone().into_stream();
            assert!(
                Pin::new(&mut stream)
                    .poll_next(&mut Context::from_waker(Waker::noop()))
                    .is_pending()
            );
            let waiting = thread::spawn(move || rx.blocking_recv());
            tx.try_send(1).unwrap();
            drop(stream);
            assert_eq!(waiting.join().unwrap(), Some(1));
        },
    );
}

/// I1 + I5 through `Receiver::poll_recv`: a receiver handle registered by a `Pending` poll (with one waker) is
/// polled again with another (loom's `block_on`) while a sender sends and then drops the last sender: it keeps
/// its registration between polls, the send or the drop always wakes the latest waker (a lost wake-up is
/// loom's deadlock report), and it gets the value, then `None`. Probes: the value was already there at the
/// second poll, or the handle waited for it.
#[test]
fn i1_a_receiver_polled_through_poll_recv_is_woken_by_the_send_and_then_by_the_last_senders_drop() {
    let name = "i1_a_receiver_polled_through_poll_recv_is_woken_by_the_send_and_then_by_the_last_senders_drop";
    // Both threads park and wake each other twice: exhaustive would run for many minutes.
    explore(
        name,
        Some(3),
        &[
            "model.the_value_was_there_at_the_second_poll",
            "model.the_handle_waited_for_the_value",
        ],
        move || {
            let (tx, mut rx) = channel(1);
            // Registered before the sender exists: the send must find this registration (or its refresh).
            assert!(
                rx.poll_recv(&mut Context::from_waker(Waker::noop()))
                    .is_pending()
            );
            let sender = thread::spawn(move || {
                tx.try_send(7).unwrap();
                drop(tx);
            });
            let mut polls = 0;
            let value = block_on(std::future::poll_fn(|cx| {
                polls += 1;
                rx.poll_recv(cx)
            }));
            assert_eq!(value, Some(7));
            crate::probe::hit(if polls == 1 {
                "model.the_value_was_there_at_the_second_poll"
            } else {
                "model.the_handle_waited_for_the_value"
            });
            assert_eq!(block_on(std::future::poll_fn(|cx| rx.poll_recv(cx))), None);
            sender.join().unwrap();
        },
    );
}

/// I5 through `Receiver::poll_recv`: a receiver handle that waited through `poll_recv`, was woken by a send
/// and is dropped without polling again took nothing and passes the wake-up on: the other receiver, waiting
/// through `poll_recv` on another thread, gets the value (a lost wake-up is loom's deadlock report). Probes:
/// the other receiver was only woken by the dropped handle's pass-on, or found the value itself.
#[test]
fn i5_a_receiver_dropped_after_poll_recv_was_woken_passes_the_wakeup_on() {
    let name = "i5_a_receiver_dropped_after_poll_recv_was_woken_passes_the_wakeup_on";
    explore(
        name,
        None,
        &[
            "model.woken_by_the_pass_on",
            "model.found_the_value_itself",
            "leave.receiver_passed_on_a_wakeup",
        ],
        move || {
            let (tx, rx) = channel(1);
            // Registered first, so the send below wakes it before the other receiver.
            let mut dropped = rx.clone();
            assert!(
                dropped
                    .poll_recv(&mut Context::from_waker(Waker::noop()))
                    .is_pending()
            );
            let waiting = thread::spawn(move || {
                let mut rx = rx;
                let mut polls = 0;
                let value = block_on(std::future::poll_fn(|cx| {
                    polls += 1;
                    rx.poll_recv(cx)
                }));
                (value, polls)
            });
            tx.try_send(1).unwrap();
            drop(dropped);
            let (value, polls) = waiting.join().unwrap();
            assert_eq!(value, Some(1));
            crate::probe::hit(if polls > 1 {
                "model.woken_by_the_pass_on"
            } else {
                "model.found_the_value_itself"
            });
        },
    );
}

/// I7: a permit holds a slot: a sender waiting on the capacity-1 queue it fills gets the slot when the permit
/// is dropped unused (a lost wake-up is loom's deadlock report), and the permit's slot was never also given
/// to that sender (values inside plus permits held never exceed the capacity).
#[test]
fn i7_a_dropped_permit_gives_its_slot_to_a_waiting_sender() {
    explore(
        "i7_a_dropped_permit_gives_its_slot_to_a_waiting_sender",
        None,
        &["release.reservations", "send.waits"],
        || {
            let queue = Queue::new(1);
            let permit = queue.try_reserve().unwrap();
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.send(1)))
            };
            assert_eq!(queue.len(), 0, "a permit is not a value");
            drop(permit);
            sender.join().unwrap().unwrap();
            assert_eq!(queue.try_receive(), Ok(1));
            assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
        },
    );
}

/// I7: `Permit::send` never waits or fails, even racing a close: a permit taken before the close delivers its
/// value, and a receiver draining the closed queue gets every value (the permit's too) before `None`.
#[test]
fn i7_a_permit_held_across_close_delivers_before_the_drain_ends() {
    explore(
        "i7_a_permit_held_across_close_delivers_before_the_drain_ends",
        Some(3),
        &[
            "receive.took_promised_value_after_close",
            "close.woke_receivers",
        ],
        || {
            let queue = Queue::new(2);
            queue.try_send(1).unwrap();
            let permit = queue.try_reserve().unwrap();
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut got = Vec::new();
                    while let Some(value) = block_on(queue.receive()).unwrap() {
                        got.push(value);
                    }
                    got
                })
            };
            queue.close();
            permit.send(2);
            assert_eq!(receiver.join().unwrap(), [1, 2]);
        },
    );
}

/// I7 + I3: two receivers wait on a closed channel while a permit is still held; the permit's value reaches
/// one of them, and the other is woken to see the end (taking the last value of a closed queue must not
/// strand the other waiters). The receivers are futures this thread polls whenever their waker was woken; a
/// lost wake-up shows as the sender done and no receiver woken while one is unfinished. (Two threads
/// spinning on a third's in-flight push would hit loom's scheduler limit, tokio-rs/loom#53.)
#[test]
fn i7_receivers_waiting_across_close_all_see_the_end_after_the_permits_value() {
    explore(
        "i7_receivers_waiting_across_close_all_see_the_end_after_the_permits_value",
        None,
        &["waiters.woke_all_past_the_end", "receive.waits"],
        || {
            let (tx, rx) = channel(1);
            let permit = tx.try_reserve_owned().unwrap();
            rx.close();
            let mut receivers: Vec<_> = (0..2)
                .map(|_| {
                    let woken = Arc::new(WokenFlag::default());
                    (Waker::from(Arc::clone(&woken)), woken, Box::pin(rx.recv()))
                })
                .collect();
            for (waker, _, receive) in &mut receivers {
                let polled = receive.as_mut().poll(&mut Context::from_waker(waker));
                assert!(polled.is_pending(), "the permit may still send");
            }
            let sent = Arc::new(loom::sync::atomic::AtomicBool::new(false));
            let sender = {
                let sent = Arc::clone(&sent);
                thread::spawn(move || {
                    // The sender is kept: dropping the last one would close again, waking every receiver.
                    let tx = permit.send(7);
                    sent.store(true, std::sync::atomic::Ordering::Release);
                    tx
                })
            };
            let mut received = [None, None];
            while received.contains(&None) {
                // Acquire: the sender's wake-ups happened before, so their flags are seen below.
                let sender_done = sent.load(std::sync::atomic::Ordering::Acquire);
                let mut polled_any = false;
                for ((waker, woken, receive), received) in receivers.iter_mut().zip(&mut received) {
                    if received.is_none() && woken.0.swap(false, Relaxed) {
                        polled_any = true;
                        if let Poll::Ready(value) =
                            receive.as_mut().poll(&mut Context::from_waker(waker))
                        {
                            *received = Some(value);
                        }
                    }
                }
                assert!(
                    !sender_done || polled_any,
                    "a receiver still waits on a closed channel and nothing will wake it: {received:?}"
                );
                thread::yield_now();
            }
            drop(sender.join().unwrap());
            let mut received = received.map(Option::unwrap);
            received.sort();
            assert_eq!(received, [None, Some(7)]);
        },
    );
}

/// A waker that records that it was woken.
#[derive(Default)]
struct WokenFlag(std::sync::atomic::AtomicBool);
// (A std atomic: loom runs every model thread on one OS thread, and this flag is not part of the queue.)

impl std::task::Wake for WokenFlag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Relaxed);
    }
}

/// I7 + I5: a reserve future woken for a slot and dropped before it acts on the wake-up passes it on: the
/// other waiting sender gets the slot.
#[test]
fn i7_a_reserve_woken_then_dropped_passes_the_slot_on() {
    explore(
        "i7_a_reserve_woken_then_dropped_passes_the_slot_on",
        None,
        &["reserve.waits", "leave.sender_passed_on_a_wakeup"],
        || {
            let queue = Queue::new(1);
            queue.try_send(0).unwrap();
            let mut cancelled = Box::pin(queue.reserve());
            assert!(poll_pending(cancelled.as_mut()));
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.send(2)))
            };
            assert_eq!(queue.try_receive(), Ok(0));
            drop(cancelled);
            sender.join().unwrap().unwrap();
            assert_eq!(queue.try_receive(), Ok(2));
        },
    );
}

/// I6 for `closed()`: a receiver's `closed()` racing the close on another thread completes, whether it reads
/// the queue open and registers before the close takes the list (woken by it) or after (it reads the flag
/// again after registering).
#[test]
fn i6_a_closed_future_racing_the_close_completes() {
    explore(
        "i6_a_closed_future_racing_the_close_completes",
        None,
        &[
            "closed.waits",
            "close.woke_closed_waiters",
            "closed.recheck_found_the_close",
        ],
        || {
            let (tx, rx) = channel::<usize>(1);
            let waiter = thread::spawn(move || block_on(rx.closed()));
            assert!(tx.close());
            waiter.join().unwrap();
        },
    );
}

/// I7 + I5 for the sink: a `SendSink` whose `poll_ready` waits, woken for the slot a receive frees and then
/// dropped before it polls again, passes the slot on to the other waiting sender.
#[test]
fn i7_a_sink_woken_then_dropped_passes_the_slot_on() {
    use futures_sink::Sink;
    explore(
        "i7_a_sink_woken_then_dropped_passes_the_slot_on",
        None,
        &["reserve.waits", "leave.sender_passed_on_a_wakeup"],
        || {
            let (tx, rx) = channel(1);
            tx.try_send(0).unwrap();
            let mut sink = tx.clone().into_sink();
            let pending = Pin::new(&mut sink).poll_ready(&mut Context::from_waker(Waker::noop()));
            assert!(pending.is_pending());
            let sender = thread::spawn(move || block_on(tx.send(2)));
            assert_eq!(rx.try_recv(), Ok(0));
            // Woken (or about to be) for the freed slot, and dropped without polling again.
            drop(sink);
            sender.join().unwrap().unwrap();
            assert_eq!(rx.try_recv(), Ok(2));
        },
    );
}

/// I7 + I6: a value sent through a permit while the last receiver is dropped on another thread is dropped
/// exactly once, and at once (`Track` reports a leak, `len() == 0` that it did not linger inside).
#[test]
fn i7_a_permit_sent_as_the_last_receiver_leaves_is_dropped_once() {
    explore(
        "i7_a_permit_sent_as_the_last_receiver_leaves_is_dropped_once",
        None,
        &["permit.sent_after_receivers_gone", "drain.dropped_value"],
        || {
            let (tx, rx) = channel(1);
            let permit = tx.try_reserve().unwrap();
            let receiver = thread::spawn(move || drop(rx));
            permit.send(loom::alloc::Track::new(5));
            receiver.join().unwrap();
            assert_eq!(tx.len(), 0, "the permit's value outlived the last receiver");
        },
    );
}

/// I7 + I4: a reservation racing two newcomer sends on a capacity-2 queue: values inside plus permits held
/// never exceed the capacity, and every send that returned `Ok` is received.
#[test]
fn i7_values_inside_plus_permits_never_exceed_the_capacity() {
    explore(
        "i7_values_inside_plus_permits_never_exceed_the_capacity",
        Some(3),
        &[
            "model.a_permit_and_a_send_both_won",
            "model.a_permit_was_refused",
        ],
        || {
            let queue = Queue::new(2);
            let reserver = {
                let queue = queue.clone();
                thread::spawn(move || match queue.try_reserve() {
                    Ok(permit) => {
                        permit.send(10);
                        1
                    }
                    Err(_) => {
                        crate::probe::hit("model.a_permit_was_refused");
                        0
                    }
                })
            };
            let sent = (0..2).filter(|&n| queue.try_send(n).is_ok()).count();
            let permitted = reserver.join().unwrap();
            assert!(sent + permitted <= 2, "{sent} sends and {permitted} permit");
            if sent > 0 && permitted > 0 {
                crate::probe::hit("model.a_permit_and_a_send_both_won");
            }
            let mut received = 0;
            while queue.try_receive().is_ok() {
                received += 1;
            }
            assert_eq!(received, sent + permitted);
        },
    );
}

/// I8: a waiting receiver is woken in vain at most once (the bound under loom) while a newcomer on another
/// thread races for the values: if the newcomer takes the value it was woken for, the next value is handed
/// to it (the newcomer never takes that one), so it completes at its second wake-up at the latest.
#[test]
fn i8_an_overtaken_receiver_is_handed_the_next_value() {
    explore(
        "i8_an_overtaken_receiver_is_handed_the_next_value",
        // The newcomer may spin on the waiter's in-flight operations: bounded (see the module docs).
        Some(3),
        &[
            "waiters.overtaken",
            "receive.took_grant",
            "model.the_waiter_won_the_first_value",
        ],
        || {
            let queue = Queue::new(1);
            let mut waiting = Box::pin(queue.receive());
            assert!(poll_pending(waiting.as_mut()));
            let newcomer = {
                let queue = queue.clone();
                thread::spawn(move || [(); 2].map(|()| queue.try_receive().ok()))
            };
            queue.try_send(1).unwrap();
            // The send woke it (its wake-up was issued before `try_send` returned): it is polled now.
            let first = waiting
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            let mut received = Vec::new();
            match first {
                Poll::Ready(value) => {
                    crate::probe::hit("model.the_waiter_won_the_first_value");
                    received.push(value.unwrap().unwrap());
                }
                // Overtaken: the newcomer took 1, so the next value must be handed to the waiter.
                Poll::Pending => {
                    queue.try_send(2).unwrap();
                    assert_eq!(poll_once(waiting), Poll::Ready(Ok(Some(2))));
                    received.push(2);
                }
            }
            let taken_by_newcomer: Vec<i32> =
                newcomer.join().unwrap().into_iter().flatten().collect();
            received.extend(taken_by_newcomer);
            received.sort_unstable();
            assert!(received == [1] || received == [1, 2], "{received:?}");
        },
    );
}

/// I8: the same for senders: a waiting sender overtaken once by a newcomer on another thread is handed the
/// next free slot; the newcomer never takes that one.
#[test]
fn i8_an_overtaken_sender_is_handed_the_next_slot() {
    explore(
        "i8_an_overtaken_sender_is_handed_the_next_slot",
        // The newcomer may spin on the waiter's in-flight operations: bounded (see the module docs).
        Some(3),
        &[
            "waiters.overtaken",
            "send.took_grant",
            "model.the_waiter_won_the_first_slot",
        ],
        an_overtaken_sender_is_handed_the_next_slot,
    );
}

/// I8 without the throttle: the overtaken sender came back without the lock, and the grant still reaches it.
#[test]
fn i8_unthrottled_an_overtaken_sender_is_handed_the_next_slot() {
    explore_unthrottled(
        "i8_unthrottled_an_overtaken_sender_is_handed_the_next_slot",
        Some(3),
        &[
            "waiters.overtaken",
            "send.took_grant",
            "model.the_waiter_won_the_first_slot",
            "waiters.notified_without_a_node",
            "waiters.came_back_without_the_lock",
        ],
        an_overtaken_sender_is_handed_the_next_slot,
    );
}

/// The body of the `i8_an_overtaken_sender_is_handed_the_next_slot` models.
fn an_overtaken_sender_is_handed_the_next_slot() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut waiting = Box::pin(queue.send(9));
    assert!(poll_pending(waiting.as_mut()));
    let newcomer = {
        let queue = queue.clone();
        thread::spawn(move || [1, 2].map(|value| queue.try_send(value).is_ok()))
    };
    assert_eq!(queue.try_receive(), Ok(0));
    let first = waiting
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    let mut received = Vec::new();
    if first.is_ready() {
        crate::probe::hit("model.the_waiter_won_the_first_slot");
    } else {
        // Overtaken: a newcomer's value took the slot; the slot the next receive frees is the waiter's.
        received.push(queue.try_receive().unwrap());
        assert_eq!(poll_once(waiting), Poll::Ready(Ok(())));
    }
    let sent_by_newcomer = newcomer.join().unwrap();
    while let Ok(value) = queue.try_receive() {
        received.push(value);
    }
    assert!(
        received.contains(&9),
        "the waiter's value was sent: {received:?}"
    );
    let newcomer_values: Vec<i32> = received.iter().copied().filter(|&v| v != 9).collect();
    let expected: Vec<i32> = [1, 2]
        .into_iter()
        .zip(sent_by_newcomer)
        .filter_map(|(value, sent)| sent.then_some(value))
        .collect();
    assert_eq!(
        newcomer_values, expected,
        "each accepted value is received once, in order"
    );
}

/// I8 + I1 without the throttle (where a notified waiter's node is freed at once and its future comes back
/// without the lock): a receiver overtaken once polls again while another thread sends the value it is to be
/// handed. Whether its poll comes before the grant (it waits on), after it (it takes it), or reads the list
/// emptied by the grant without the lock (it must not take that for a notification and go on as a newcomer),
/// the value reaches it at the latest on the poll after the send, and every registration is counted back.
#[test]
fn i8_unthrottled_a_grant_racing_the_waiters_own_poll_reaches_it() {
    explore_unthrottled(
        "i8_unthrottled_a_grant_racing_the_waiters_own_poll_reaches_it",
        None,
        &[
            "waiters.notified_without_a_node",
            "waiters.came_back_without_the_lock",
            "waiters.hand_off_granted",
            "receive.took_grant",
            "model.polled_before_the_grant",
        ],
        || {
            let queue = Queue::new(1);
            let mut waiting = Box::pin(queue.receive());
            assert!(poll_pending(waiting.as_mut()));
            // Notified, then overtaken by a newcomer: it waits again, and hand-off mode begins (bound 1).
            queue.try_send(1).unwrap();
            assert_eq!(queue.try_receive(), Ok(1));
            assert!(poll_pending(waiting.as_mut()));
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || queue.try_send(2).unwrap())
            };
            let racing = waiting
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            sender.join().unwrap();
            if racing.is_pending() {
                crate::probe::hit("model.polled_before_the_grant");
                assert_eq!(
                    poll_once(waiting),
                    Poll::Ready(Ok(Some(2))),
                    "the value handed to the waiter reaches it on its next poll"
                );
            } else {
                assert_eq!(racing, Poll::Ready(Ok(Some(2))));
            }
            assert_eq!(queue.try_receive(), Err(TryRecvError::Empty));
        },
    );
}

// ---------------------------------------------------------------------------------------------------------
// The unbounded flavour (blocks of 2 slots under loom, so three values cross a block boundary)
// ---------------------------------------------------------------------------------------------------------

/// I1 + I2 + I9 on the unbounded flavour: a sender crosses a block boundary (it installs the next block)
/// while a receiver waits and follows it; the values arrive in order, and every block and value is freed
/// (`Track` reports a value never dropped; a block freed under a reader is a causality violation on its
/// cells).
#[test]
fn i9_unbounded_values_cross_a_block_in_order_to_a_waiting_receiver() {
    explore(
        "i9_unbounded_values_cross_a_block_in_order_to_a_waiting_receiver",
        Some(3),
        &[
            "list.push_installed_the_next_block",
            "list.reader_waited_for_the_next_block",
            "receive.waits",
        ],
        || {
            let queue = Queue::unbounded();
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || {
                    for value in 0..3 {
                        queue.try_send(loom::alloc::Track::new(value)).unwrap();
                    }
                })
            };
            for expected in 0..3 {
                let value = block_on(queue.receive()).unwrap().expect("not closed");
                assert_eq!(*value.get_ref(), expected);
            }
            sender.join().unwrap();
        },
    );
}

/// I3 + I9: two receivers race through a block boundary (the one that reads the last slot of a block frees
/// it, or leaves that to a reader still inside): each value is received exactly once, and what is left is
/// dropped with the queue (`Track`).
#[test]
fn i9_unbounded_receivers_racing_through_a_block_take_each_value_once() {
    explore(
        "i9_unbounded_receivers_racing_through_a_block_take_each_value_once",
        None,
        &[
            "list.pop_waited_at_a_block_end",
            "list.reader_took_over_the_destroy_walk",
        ],
        || {
            let queue = Queue::unbounded();
            for value in 0..3 {
                queue.try_send(loom::alloc::Track::new(value)).unwrap();
            }
            let other = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut got = Vec::new();
                    for _ in 0..2 {
                        if let Ok(value) = queue.try_receive() {
                            got.push(*value.get_ref());
                        }
                    }
                    got
                })
            };
            let mut got = Vec::new();
            for _ in 0..2 {
                if let Ok(value) = queue.try_receive() {
                    got.push(*value.get_ref());
                }
            }
            got.extend(other.join().unwrap());
            got.sort_unstable();
            // Four tries for three values: each value is taken at most once, and a try finds `Empty` only
            // once all three are taken.
            assert_eq!(got, [0, 1, 2]);
        },
    );
}

/// I3 + I7 on the unbounded flavour: a close races sends that cross a block; every send that returned `Ok`
/// is received exactly once, in order, and then `None`; a refused send gives its own value back.
#[test]
fn i3_unbounded_close_racing_sends_drains_every_accepted_value() {
    explore(
        "i3_unbounded_close_racing_sends_drains_every_accepted_value",
        None,
        &[
            "list.push_installed_the_next_block",
            "list.reader_waited_for_a_write",
        ],
        || {
            let queue = Queue::unbounded();
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut accepted = Vec::new();
                    for value in 0..3 {
                        match queue.try_send(value) {
                            Ok(()) => accepted.push(value),
                            Err(TrySendError::Closed(back)) => assert_eq!(back, value),
                            Err(TrySendError::Full(_)) => {
                                panic!("an unbounded queue is never full")
                            }
                        }
                    }
                    accepted
                })
            };
            queue.close();
            let mut received = Vec::new();
            while let Some(value) = block_on(queue.receive()).unwrap() {
                received.push(value);
            }
            let accepted = sender.join().unwrap();
            // Accepted sends are a prefix (none succeeds after one was refused), all received in order.
            assert_eq!(received, accepted);
            assert_eq!(accepted, (0..accepted.len() as i32).collect::<Vec<_>>());
        },
    );
}

/// I9: a block is reused only once every reader is done with it. One receiver takes the first slot of a full
/// block while the other takes its last slot (which starts the destroy walk) and then sends enough to reuse
/// the block as the spare: a reuse while the first read is under way writes the slot it reads (loom reports
/// the concurrent access to the cell).
#[test]
fn i9_a_block_is_reused_only_once_its_last_reader_is_done() {
    explore(
        "i9_a_block_is_reused_only_once_its_last_reader_is_done",
        None,
        &["list.block_reused", "list.destroy_walk_handed_to_a_reader"],
        || {
            let queue = Queue::unbounded();
            // Block 0 full; its last push installed block 1.
            queue.try_send(0).unwrap();
            queue.try_send(1).unwrap();
            let reader = {
                let queue = queue.clone();
                thread::spawn(move || queue.try_receive().unwrap())
            };
            let mine = queue.try_receive().unwrap();
            // Fill block 1 (its last push installs block 2, the spare if block 0 was recycled) and write into
            // block 2's first slot.
            for value in 2..5 {
                queue.try_send(value).unwrap();
            }
            let theirs = reader.join().unwrap();
            let mut first_two = [mine, theirs];
            first_two.sort_unstable();
            assert_eq!(first_two, [0, 1]);
            for value in 2..5 {
                assert_eq!(queue.try_receive(), Ok(value));
            }
        },
    );
}

/// I1 on a bounded block list (the storage of capacities above 65,536; capacity 1 here, blocks of 2): a sender
/// waiting on the full list is woken by a receive, across a block boundary.
#[test]
fn i1_a_sender_waiting_on_a_full_block_list_is_woken_by_a_receive() {
    explore(
        "i1_a_sender_waiting_on_a_full_block_list_is_woken_by_a_receive",
        None,
        &[
            "send.waits",
            "pop.served_senders",
            "list.push_installed_the_next_block",
        ],
        || {
            let queue = Queue::on_block_list(1);
            // One value in and out first, so that the model's second value crosses into the next block.
            queue.try_send(0).unwrap();
            assert_eq!(queue.try_receive(), Ok(0));
            a_sender_waiting_on_full_is_woken_by_a_receive(queue);
        },
    );
}

/// I4 on a bounded block list: two producers race a consumer on capacity 1; never more than one value
/// inside, and what was accepted is what was received or is still inside.
#[test]
fn i4_a_bounded_block_list_never_exceeds_its_capacity() {
    explore(
        "i4_a_bounded_block_list_never_exceeds_its_capacity",
        Some(1),
        &[
            "model.consumer_took_a_value_during_the_race",
            "model.more_accepted_than_the_capacity",
        ],
        || capacity_is_never_exceeded(Queue::on_block_list(1)),
    );
}

// ---------------------------------------------------------------------------------------------------------
// Reservations and batches waiting while the other side receives, with no close (a close wakes every waiter
// and would hide a lost wake-up)
// ---------------------------------------------------------------------------------------------------------

/// I1 + I7: a `reserve()` waiting on a full queue is woken by a receive on another thread and gets the slot.
#[test]
fn i1_a_reserve_waiting_on_a_full_queue_is_woken_by_a_receive() {
    explore(
        "i1_a_reserve_waiting_on_a_full_queue_is_woken_by_a_receive",
        None,
        &[
            "reserve.waits",
            "reserve.recheck_found_room",
            "pop.served_senders",
        ],
        || {
            let queue = Queue::new(1);
            queue.try_send(0).unwrap();
            let reserver = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.reserve()).unwrap().send(1))
            };
            assert_eq!(queue.try_receive(), Ok(0));
            // A reserve left waiting would never finish: loom reports the deadlock.
            reserver.join().unwrap();
            assert_eq!(queue.try_receive(), Ok(1));
        },
    );
}

/// I1 + I7: `reserve_owned()` on a full channel, woken by a receive (the owned future keeps its sender).
#[test]
fn i1_an_owned_reserve_waiting_on_a_full_channel_is_woken_by_a_receive() {
    explore(
        "i1_an_owned_reserve_waiting_on_a_full_channel_is_woken_by_a_receive",
        None,
        &["reserve.waits", "pop.served_senders"],
        || {
            let (tx, rx) = channel(1);
            tx.try_send(0).unwrap();
            let reserver =
                thread::spawn(move || drop(block_on(tx.reserve_owned()).unwrap().send(1)));
            assert_eq!(rx.try_recv(), Ok(0));
            reserver.join().unwrap();
            assert_eq!(rx.try_recv(), Ok(1));
        },
    );
}

/// I1 + I7: `reserve_many(2)` waiting on a full capacity-2 queue: two receives free its slots one at a time
/// (the first wakes it for one slot it cannot use yet); it gets both, and the values arrive in order.
#[test]
fn i1_a_batch_reservation_waiting_on_a_full_queue_is_woken_by_two_receives() {
    explore(
        "i1_a_batch_reservation_waiting_on_a_full_queue_is_woken_by_two_receives",
        Some(4),
        &[
            "reserve_many.waits",
            "waiters.overtaken",
            "pop.served_senders",
        ],
        || {
            let queue = Queue::new(2);
            queue.try_send(0).unwrap();
            queue.try_send(1).unwrap();
            let reserver = {
                let queue = queue.clone();
                thread::spawn(move || {
                    for (permit, value) in block_on(queue.reserve_many(2)).unwrap().zip([2, 3]) {
                        permit.send(value);
                    }
                })
            };
            assert_eq!(queue.try_receive(), Ok(0));
            assert_eq!(queue.try_receive(), Ok(1));
            reserver.join().unwrap();
            assert_eq!(queue.try_receive(), Ok(2));
            assert_eq!(queue.try_receive(), Ok(3));
        },
    );
}

/// I1 for `receive_many`: a batch receive frees two slots (its first value waited for, the second taken as
/// it goes); a batch reservation waiting for both is served by each, not only by the first.
#[test]
fn i1_a_batch_receive_frees_slots_for_a_waiting_batch_reservation() {
    explore(
        "i1_a_batch_receive_frees_slots_for_a_waiting_batch_reservation",
        Some(4),
        &[
            "receive_many.took_another",
            "reserve_many.waits",
            "pop.served_senders",
        ],
        || {
            let queue = Queue::new(2);
            queue.try_send(0).unwrap();
            queue.try_send(1).unwrap();
            let reserver = {
                let queue = queue.clone();
                thread::spawn(move || {
                    for (permit, value) in block_on(queue.reserve_many(2)).unwrap().zip([2, 3]) {
                        permit.send(value);
                    }
                })
            };
            let mut batch = Vec::new();
            while batch.len() < 2 {
                block_on(queue.receive_many(&mut batch, 2));
            }
            assert_eq!(batch, [0, 1]);
            reserver.join().unwrap();
            assert_eq!(queue.try_receive(), Ok(2));
            assert_eq!(queue.try_receive(), Ok(3));
        },
    );
}

// ---------------------------------------------------------------------------------------------------------
// The block list's boundaries and reuse, raced (blocks of 2 slots under loom)
// ---------------------------------------------------------------------------------------------------------

/// I9 + I3: two pushes race across a block end: one claims the block's last slot and installs the next
/// block, the other waits at the boundary, then pushes into the block just installed (it must see it: the
/// tail's move past the boundary publishes the block). Both values are received once; nothing leaks.
#[test]
fn i9_two_pushes_crossing_a_block_end_land_in_the_installed_block() {
    explore(
        "i9_two_pushes_crossing_a_block_end_land_in_the_installed_block",
        None,
        &[
            "list.push_installed_the_next_block",
            "list.push_waited_at_a_block_end",
        ],
        || {
            let queue = Queue::unbounded();
            // The tail is now at the first block's last slot.
            queue.try_send(loom::alloc::Track::new(0)).unwrap();
            assert_eq!(queue.try_receive().map(|value| *value.get_ref()), Ok(0));
            let pusher = {
                let queue = queue.clone();
                thread::spawn(move || queue.try_send(loom::alloc::Track::new(1)).unwrap())
            };
            queue.try_send(loom::alloc::Track::new(2)).unwrap();
            pusher.join().unwrap();
            let mut received = [0; 2].map(|_| *queue.try_receive().unwrap().get_ref());
            received.sort_unstable();
            assert_eq!(received, [1, 2]);
            assert_eq!(queue.try_receive().err(), Some(TryRecvError::Empty));
        },
    );
}

/// I9: a block destroyed and kept as the spare is reset and installed again by a push while two receivers
/// race through the boundary: the one that takes the old block's last value moves the head to the reused
/// block, and the other, reading it next, must see its reset (the next-block link publishes it), never the
/// slot states of its first life. Every value is received once; nothing leaks.
#[test]
fn i9_a_reused_block_is_seen_reset_by_every_reader() {
    explore(
        "i9_a_reused_block_is_seen_reset_by_every_reader",
        Some(2),
        &[
            "list.block_reused",
            "list.pop_moved_to_the_next_block",
            "list.push_installed_the_next_block",
        ],
        || {
            let queue = Queue::unbounded();
            // Block A holds 0, 1 (the push of 1 installs block B), B holds 2; taking 0 and 1 destroys A,
            // which becomes the spare. The tail is at B's last slot.
            for value in 0..3 {
                queue.try_send(loom::alloc::Track::new(value)).unwrap();
            }
            for value in 0..2 {
                assert_eq!(queue.try_receive().map(|v| *v.get_ref()), Ok(value));
            }
            let writer = {
                let queue = queue.clone();
                // 3 fills B's last slot and installs A again; 4 goes into the reused A.
                thread::spawn(move || {
                    for value in 3..5 {
                        queue.try_send(loom::alloc::Track::new(value)).unwrap();
                    }
                })
            };
            let reader = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut got = Vec::new();
                    for _ in 0..2 {
                        if let Ok(value) = queue.try_receive() {
                            got.push(*value.get_ref());
                        }
                    }
                    got
                })
            };
            let mut got = Vec::new();
            for _ in 0..2 {
                if let Ok(value) = queue.try_receive() {
                    got.push(*value.get_ref());
                }
            }
            writer.join().unwrap();
            got.extend(reader.join().unwrap());
            while let Ok(value) = queue.try_receive() {
                got.push(*value.get_ref());
            }
            got.sort_unstable();
            assert_eq!(got, [2, 3, 4]);
        },
    );
}

// ---------------------------------------------------------------------------------------------------------
// A value's `Drop` that panics inside the queue
// ---------------------------------------------------------------------------------------------------------

/// A value whose `Drop` panics (with [`BOMB`]) when it is armed.
struct Bomb(bool);

const BOMB: &str = "a value panics in its Drop";

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.0 && !std::thread::panicking() {
            panic!("{BOMB}");
        }
    }
}

/// Keeps the expected [`BOMB`] panics of the models out of the test output (the default hook prints every
/// panic, once per interleaving); every other panic is printed as before.
fn quiet_bombs() {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&BOMB)
                && info.payload().downcast_ref::<String>().map(String::as_str) != Some(BOMB)
            {
                previous(info);
            }
        }));
    });
}

/// I6 + I3 (issue 18, item 2): the last receiver's drop drains the channel while a sender waits on another
/// thread; the first value's `Drop` panics. The value behind it is still dropped, the sender is woken and gets
/// its value back (a lost wake-up is loom's deadlock), then the panic comes out of the receiver's drop.
#[test]
fn i6_a_value_panicking_in_the_last_receivers_drain_strands_no_waiter() {
    quiet_bombs();
    explore(
        "i6_a_value_panicking_in_the_last_receivers_drain_strands_no_waiter",
        // The sender may spin on the drain's in-flight pops: bounded (see the module docs).
        Some(3),
        &["drain.value_panicked", "close.woke_senders", "send.waits"],
        || {
            let (tx, rx) = channel(2);
            tx.try_send(Bomb(true)).unwrap();
            tx.try_send(Bomb(false)).unwrap();
            let sender = thread::spawn(move || match block_on(tx.send(Bomb(false))) {
                Err(SendError(back)) => assert!(!back.0),
                Ok(()) => panic!("a send succeeded after the last receiver left"),
            });
            let dropped = crate::sync::expecting_user_panics(move || drop(rx));
            assert!(dropped.is_err(), "the value's panic comes out of the drop");
            sender.join().unwrap();
        },
    );
}

// ---------------------------------------------------------------------------------------------------------
// The notification throttle (issue 20): one notification out per side; units freed meanwhile are left to the
// notified waiter, which ends the throttle when it comes back and passes the notification on if a unit is
// still free. The models run with the limit of a current-thread runtime (1), as every model here unless it
// says otherwise.
// ---------------------------------------------------------------------------------------------------------

/// Polls `future` once with a [`WokenFlag`] waker; returns whether it is still pending, and the flag.
fn poll_flagged<F: Future>(future: Pin<&mut F>) -> (bool, Arc<WokenFlag>) {
    let flag = Arc::new(WokenFlag::default());
    let waker = Waker::from(Arc::clone(&flag));
    let pending = future.poll(&mut Context::from_waker(&waker)).is_pending();
    (pending, flag)
}

/// I1 under the throttle: two senders wait on a full capacity-2 queue while a receiver on another thread
/// frees both slots. The first receive notifies the oldest sender and turns the throttle on; the second adds
/// its slot to the throttle without the lock, or races the notified sender's return, which ends it. Either
/// way the second sender is not left waiting beside a free slot: the returning one passes the notification
/// on when its send leaves a slot free.
#[test]
fn i1_a_returning_notified_sender_passes_on_the_slots_freed_while_it_was_out() {
    explore(
        "i1_a_returning_notified_sender_passes_on_the_slots_freed_while_it_was_out",
        Some(3),
        &[
            "waiters.throttle_began",
            "waiters.suppressed_a_serve_without_the_lock",
            "waiters.came_back_from_a_notification",
            "waiters.throttle_ended",
            "leave.sender_passed_on_a_wakeup",
        ],
        || {
            let queue = Queue::new(2);
            queue.try_send(1).unwrap();
            queue.try_send(2).unwrap();
            let mut oldest = Box::pin(queue.send(3));
            assert!(poll_pending(oldest.as_mut()));
            let mut next = Box::pin(queue.send(4));
            let (pending, next_woken) = poll_flagged(next.as_mut());
            assert!(pending);
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || [queue.try_receive(), queue.try_receive()])
            };
            block_on(oldest).unwrap();
            assert_eq!(receiver.join().unwrap(), [Ok(1), Ok(2)]);
            assert!(
                next_woken.0.load(Relaxed) || queue.len() == 2,
                "the next sender waits beside a free slot"
            );
            block_on(next).unwrap();
            assert_eq!([queue.try_receive(), queue.try_receive()], [Ok(3), Ok(4)]);
        },
    );
}

/// I1 under the throttle, receivers' side: two receivers wait on an empty queue while a sender on another
/// thread sends two values; the second receiver is not left waiting beside a value.
#[test]
fn i1_a_returning_notified_receiver_passes_on_the_values_sent_while_it_was_out() {
    explore(
        "i1_a_returning_notified_receiver_passes_on_the_values_sent_while_it_was_out",
        Some(3),
        &[
            "waiters.throttle_began",
            "waiters.suppressed_a_serve_without_the_lock",
            "waiters.came_back_from_a_notification",
            "waiters.throttle_ended",
            "leave.receiver_passed_on_a_wakeup",
        ],
        || {
            let queue = Queue::new(2);
            let mut oldest = Box::pin(queue.receive());
            assert!(poll_pending(oldest.as_mut()));
            let mut next = Box::pin(queue.receive());
            let (pending, next_woken) = poll_flagged(next.as_mut());
            assert!(pending);
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || [queue.try_send(1), queue.try_send(2)])
            };
            assert_eq!(block_on(oldest), Ok(Some(1)));
            assert_eq!(sender.join().unwrap(), [Ok(()), Ok(())]);
            assert!(
                next_woken.0.load(Relaxed) || queue.is_empty(),
                "the next receiver waits beside a value"
            );
            assert_eq!(block_on(next), Ok(Some(2)));
        },
    );
}

/// I1 under the throttle with a registration while the notification is out: a sender on another thread
/// arrives while the oldest one's notification is out (racing the receive that sent it) and takes the slot
/// or registers; the notified one comes back, sends or is overtaken and waits again at its place. Every
/// later receive serves the senders again (the throttle ended with the return): both sends finish (a lost
/// wake-up is loom's deadlock).
#[test]
fn i1_a_sender_registering_while_a_notification_is_out_is_served() {
    explore(
        "i1_a_sender_registering_while_a_notification_is_out_is_served",
        Some(3),
        &[
            "waiters.throttle_began",
            "waiters.came_back_from_a_notification",
            "waiters.overtaken",
            "send.waits",
        ],
        || {
            let queue = Queue::new(1);
            queue.try_send(1).unwrap();
            let mut oldest = Box::pin(queue.send(2));
            assert!(poll_pending(oldest.as_mut()));
            let receiver = {
                let queue = queue.clone();
                thread::spawn(move || queue.try_receive())
            };
            let late = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.send(3)).unwrap())
            };
            assert_eq!(receiver.join().unwrap(), Ok(1));
            // The oldest comes back: it sends, or (the late one took the slot) waits again.
            let oldest_waits = poll_pending(oldest.as_mut());
            let second = block_on(queue.receive()).unwrap().unwrap();
            if oldest_waits {
                block_on(oldest).unwrap();
            }
            late.join().unwrap();
            let mut all = vec![1, second];
            all.extend(std::iter::from_fn(|| queue.try_receive().ok()));
            all.sort_unstable();
            assert_eq!(all, [1, 2, 3]);
        },
    );
}

/// I3 under the throttle: close (on another thread) while a sender's notification is out and another sender
/// waits behind it. Both finish: a send that returned `Ok` is drained after the close, one that failed got its
/// value back; the waiting one is woken by the close, the notified one sees it when it comes back.
#[test]
fn i3_close_while_a_notification_is_out_wakes_every_sender() {
    explore(
        "i3_close_while_a_notification_is_out_wakes_every_sender",
        Some(3),
        &["waiters.throttle_began", "close.woke_senders"],
        || {
            let queue = Queue::new(1);
            queue.try_send(1).unwrap();
            let mut oldest = Box::pin(queue.send(2));
            assert!(poll_pending(oldest.as_mut()));
            let mut next = Box::pin(queue.send(3));
            let (pending, next_woken) = poll_flagged(next.as_mut());
            assert!(pending);
            let closer = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let first = queue.try_receive();
                    queue.close();
                    first
                })
            };
            let oldest = block_on(oldest);
            assert_eq!(closer.join().unwrap(), Ok(1));
            assert!(
                next_woken.0.load(Relaxed),
                "the close wakes every waiting sender"
            );
            let next = block_on(next);
            let sent: Vec<i32> = [(2, oldest.is_ok()), (3, next.is_ok())]
                .into_iter()
                .filter_map(|(value, ok)| ok.then_some(value))
                .collect();
            assert_eq!(
                next.err().map(|back| back.0),
                (!sent.contains(&3)).then_some(3)
            );
            let mut drained = vec![];
            while let Some(value) = block_on(queue.receive()).unwrap() {
                drained.push(value);
            }
            assert_eq!(
                drained, sent,
                "exactly the sends that returned Ok are delivered"
            );
        },
    );
}

/// The stuck-future fallback: a receiver notified and then never polled again (held, as in a `select!` arm
/// that is not polled) keeps its side's throttle on, and the receivers' `WAITING` bit clear, but only for at
/// most twice the queue's capacity in values: sends count by laps of the ring while the bit is clear, and the
/// lap that takes the count past the capacity writes the notification off and wakes the next waiting
/// receiver (without the fallback that receiver waits forever beside values: loom's deadlock). The stuck
/// future, dropped at last, takes nothing.
#[test]
fn i1_a_stuck_notified_receiver_delays_the_next_by_at_most_twice_the_capacity() {
    explore(
        "i1_a_stuck_notified_receiver_delays_the_next_by_at_most_twice_the_capacity",
        Some(2),
        &[
            "waiters.throttle_began",
            "waiters.lap_ended_while_a_notification_is_out",
            "waiters.wrote_off_stuck_notifications",
            "model.the_next_receiver_was_woken_past_the_stuck_one",
        ],
        || {
            let queue = Queue::new(2);
            // Registered first: the first send notifies it; it is never polled again.
            let mut stuck = Box::pin(queue.receive());
            assert!(poll_pending(stuck.as_mut()));
            let next = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut receive = pin!(queue.receive());
                    let mut waited = false;
                    let value = block_on(std::future::poll_fn(|cx| {
                        let polled = receive.as_mut().poll(cx);
                        waited |= polled.is_pending();
                        polled
                    }));
                    (value.unwrap().unwrap(), waited)
                })
            };
            let mut taken = vec![];
            for value in 1..=4 {
                queue.try_send(value).unwrap();
                if value > 1 {
                    // Keeps room for the next send (the thread may have taken some already).
                    taken.extend(queue.try_receive().ok());
                }
            }
            let (value, waited) = next.join().unwrap();
            if waited {
                crate::probe::hit("model.the_next_receiver_was_woken_past_the_stuck_one");
            }
            drop(stuck);
            taken.push(value);
            taken.extend(std::iter::from_fn(|| queue.try_receive().ok()));
            taken.sort_unstable();
            assert_eq!(
                taken,
                [1, 2, 3, 4],
                "every value taken once, none by the stuck future"
            );
        },
    );
}

/// The wait lists' lock under `std` (`src/storage/lock.rs`, built on the facade, so here on loom's atomics and
/// cell) excludes and orders its holders: two threads each add one, a read and a write apart under the lock, and
/// no addition is lost; loom's cell fails the model on any access the lock did not order after the last.
#[test]
fn lock_excludes_and_orders_its_holders() {
    explore(
        "lock_excludes_and_orders_its_holders",
        None,
        &["lock.waited"],
        || {
            let lock = loom::sync::Arc::new(crate::storage::lock::SpinLock::new(0_usize));
            let other = {
                let lock = loom::sync::Arc::clone(&lock);
                thread::spawn(move || add_one_under(&lock))
            };
            add_one_under(&lock);
            other.join().unwrap();
            let total = lock.lock().unwrap().with_mut(|value| *value);
            assert_eq!(total, 2, "an addition under the lock was lost");
        },
    );
}

/// Adds one to the value under `lock`, reading and writing in two accesses.
fn add_one_under(lock: &crate::storage::lock::SpinLock<usize>) {
    let mut guard = lock.lock().unwrap();
    let read = guard.with_mut(|value| *value);
    guard.with_mut(|value| *value = read + 1);
}
