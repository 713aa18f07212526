//! loom models of the production queue (compiled into the crate's unit tests under `--cfg loom`; see
//! `verification/README.md`). Each model names the invariant it checks; a lost wake-up shows up as loom's
//! deadlock report ("Model deadlocked"), a leaked value or handle as loom's leak report.
//!
//! Bounds: 2–3 threads, capacity 1–2. Models of two threads run exhaustively; three-thread models run at a
//! preemption bound of 3 (`LOOM_MAX_PREEMPTIONS` overrides it).

use std::future::Future;
use std::io::Write;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use loom::future::block_on;
use loom::thread;

use crate::{Queue, SendError, TryRecvError, TrySendError};

/// Runs `model` for every interleaving loom explores within `preemption_bound` (`None`: all of them) and
/// prints how many it explored. The print bypasses the test harness's capture so that it always shows.
fn explore(name: &str, preemption_bound: Option<usize>, model: impl Fn() + Send + Sync + 'static) {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = builder.preemption_bound.or(preemption_bound);
    let bound = builder.preemption_bound;
    let started = Instant::now();
    let before = RUNS.load(Relaxed);
    builder.check(move || {
        RUNS.fetch_add(1, Relaxed);
        model();
    });
    let runs = RUNS.load(Relaxed) - before;
    let bound = bound.map_or("none (exhaustive)".to_string(), |b| b.to_string());
    let _ = writeln!(
        std::io::stderr(),
        "loom model {name}: {runs} interleavings, preemption bound {bound}, {:.2?}",
        started.elapsed()
    );
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
        || {
            let queue = Queue::new(1);
            queue.try_send(1).unwrap();
            let sender = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.send(2)))
            };
            assert_eq!(queue.try_receive(), Ok(1));
            // A sender left waiting would never finish: loom reports the deadlock.
            sender.join().unwrap().unwrap();
            assert_eq!(queue.try_receive(), Ok(2));
        },
    );
}

/// I1: two receivers waiting at once are both woken by two sends, each value received once.
#[test]
fn i1_two_waiting_receivers_are_each_woken_by_one_of_two_sends() {
    explore(
        "i1_two_waiting_receivers_are_each_woken_by_one_of_two_sends",
        Some(3),
        || {
            let queue = Queue::new(1);
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let queue = queue.clone();
                    thread::spawn(move || block_on(queue.receive()).unwrap().unwrap())
                })
                .collect();
            block_on(queue.send(1)).unwrap();
            block_on(queue.send(2)).unwrap();
            let mut got: Vec<i32> = receivers.into_iter().map(|r| r.join().unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
        },
    );
}

/// I2: one producer's values arrive in order across two laps of a capacity-1 ring, both sides waiting.
#[test]
fn i2_values_of_one_producer_arrive_in_order_across_wraps() {
    explore(
        "i2_values_of_one_producer_arrive_in_order_across_wraps",
        None,
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

/// I2: with two producers racing, each producer's values arrive in its own order.
#[test]
fn i2_each_of_two_producers_values_arrive_in_its_order() {
    explore(
        "i2_each_of_two_producers_values_arrive_in_its_order",
        Some(3),
        || {
            let queue = Queue::new(2);
            let producers: Vec<_> = (0..2)
                .map(|producer| {
                    let queue = queue.clone();
                    thread::spawn(move || {
                        for seq in 0..2 {
                            block_on(queue.send((producer, seq))).unwrap();
                        }
                    })
                })
                .collect();
            let mut next_seq = [0; 2];
            for _ in 0..4 {
                let (producer, seq) = block_on(queue.receive()).unwrap().unwrap();
                assert_eq!(seq, next_seq[producer], "producer {producer} out of order");
                next_seq[producer] += 1;
            }
            for producer in producers {
                producer.join().unwrap();
            }
        },
    );
}

/// I3: racing a close, every value whose send returned Ok is received exactly once, every refused send gives
/// its value back, and once a receive returns Ok(None) every later one does.
#[test]
fn i3_close_drains_every_accepted_value_then_answers_none() {
    explore(
        "i3_close_drains_every_accepted_value_then_answers_none",
        Some(3),
        || {
            let queue = Queue::new(1);
            let producer = {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut accepted = Vec::new();
                    for value in 1..=2 {
                        match block_on(queue.send(value)) {
                            Ok(()) => accepted.push(value),
                            Err(SendError(back)) => assert_eq!(back, value),
                        }
                    }
                    accepted
                })
            };
            let closer = {
                let queue = queue.clone();
                thread::spawn(move || {
                    queue.close();
                })
            };
            let mut received = Vec::new();
            while let Some(value) = block_on(queue.receive()).unwrap() {
                received.push(value);
            }
            assert_eq!(block_on(queue.receive()), Ok(None));
            assert_eq!(queue.try_receive(), Err(TryRecvError::Closed));
            closer.join().unwrap();
            assert_eq!(received, producer.join().unwrap());
            assert_eq!(queue.try_send(3), Err(TrySendError::Closed(3)));
        },
    );
}

/// I1 + I3: close wakes a receiver waiting on an empty queue, which then answers Ok(None).
#[test]
fn i3_close_wakes_a_waiting_receiver_with_none() {
    explore("i3_close_wakes_a_waiting_receiver_with_none", None, || {
        let queue = Queue::<i32>::new(1);
        let receiver = {
            let queue = queue.clone();
            thread::spawn(move || block_on(queue.receive()))
        };
        queue.close();
        assert_eq!(receiver.join().unwrap(), Ok(None));
    });
}

/// I1 + I3: close wakes a sender waiting on a full queue and gives it its value back; the value already
/// inside is still received.
#[test]
fn i3_close_wakes_a_waiting_sender_and_returns_its_value() {
    explore(
        "i3_close_wakes_a_waiting_sender_and_returns_its_value",
        None,
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
        || {
            let queue = Queue::new(2);
            let other = queue.clone();
            let sender = thread::spawn(move || {
                other.try_send(loom::alloc::Track::new(1)).unwrap();
                drop(other);
            });
            queue.try_send(loom::alloc::Track::new(2)).unwrap();
            drop(queue);
            sender.join().unwrap();
        },
    );
}

/// I4: two producers racing on a capacity-1 queue with a consumer: never more than `capacity` values inside
/// (`len() <= capacity()` at every step), and the values accepted are exactly those received or still inside.
#[test]
fn i4_capacity_is_never_exceeded() {
    explore("i4_capacity_is_never_exceeded", Some(3), || {
        let queue = Queue::new(1);
        let producers: Vec<_> = (0..2)
            .map(|producer| {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut accepted = 0;
                    for value in 0..2 {
                        if queue.try_send(producer * 10 + value).is_ok() {
                            accepted += 1;
                        }
                        assert!(queue.len() <= queue.capacity());
                    }
                    accepted
                })
            })
            .collect();
        let received = usize::from(queue.try_receive().is_ok());
        assert!(queue.len() <= queue.capacity());
        let accepted: usize = producers.into_iter().map(|p| p.join().unwrap()).sum();
        let inside = queue.len();
        assert!(inside <= queue.capacity());
        assert!(
            accepted <= queue.capacity() + received,
            "{accepted} accepted, {received} received"
        );
        assert_eq!(accepted, received + inside);
    });
}

/// I5: a receiver woken and then cancelled (polled once, dropped without acting on its wake-up) passes the
/// wake-up on: the other waiting receiver still gets the value.
#[test]
fn i5_a_cancelled_woken_receiver_passes_its_wakeup_on() {
    explore(
        "i5_a_cancelled_woken_receiver_passes_its_wakeup_on",
        Some(3),
        || {
            let queue = Queue::new(1);
            let cancelled = {
                let queue = queue.clone();
                thread::spawn(move || {
                    matches!(poll_once(queue.receive()), Poll::Ready(Ok(Some(_))))
                })
            };
            let waiting = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.receive()))
            };
            block_on(queue.send(1)).unwrap();
            if cancelled.join().unwrap() {
                // The cancelled receiver took the value while it could: let the other one finish.
                queue.close();
                assert_eq!(waiting.join().unwrap(), Ok(None));
            } else {
                assert_eq!(waiting.join().unwrap(), Ok(Some(1)));
            }
        },
    );
}

/// I5: a sender woken and then cancelled passes its wake-up on to the other waiting sender, and its own value
/// is never delivered unless its send completed.
#[test]
fn i5_a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing() {
    explore(
        "i5_a_cancelled_woken_sender_passes_its_wakeup_on_and_sends_nothing",
        Some(3),
        || {
            let queue = Queue::new(1);
            queue.try_send(0).unwrap();
            let cancelled = {
                let queue = queue.clone();
                thread::spawn(move || matches!(poll_once(queue.send(1)), Poll::Ready(Ok(()))))
            };
            let waiting = {
                let queue = queue.clone();
                thread::spawn(move || block_on(queue.send(2)))
            };
            let mut received = vec![block_on(queue.receive()).unwrap().unwrap()];
            let cancelled_sent = cancelled.join().unwrap();
            if cancelled_sent {
                received.push(block_on(queue.receive()).unwrap().unwrap());
            }
            waiting.join().unwrap().unwrap();
            while let Ok(value) = queue.try_receive() {
                received.push(value);
            }
            received.sort_unstable();
            let expected: &[i32] = if cancelled_sent { &[0, 1, 2] } else { &[0, 2] };
            assert_eq!(received, expected);
        },
    );
}
