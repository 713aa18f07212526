#![cfg(not(any(loom, shuttle)))]
//! I8, bounded overtaking, as a user reads it in the README: a waiting task woken for a value (a slot) that
//! a running task took first is *overtaken*; after `BOUND` overtakes, newcomers give way and the next value
//! (slot) is handed to it, so it finds it when it runs. Hand-polled, so the count is exact; the shuttle model
//! `overtaken_waiters_are_handed_a_value_within_the_bound` checks the bound under random schedules.

mod common;

use common::overtake::{BOUND, overtake_receive, overtake_send};
use tokio_mpmc::{Queue, TryRecvError, TrySendError};
use tokio_test::task::{Spawn, spawn};
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

#[test]
fn a_receiver_overtaken_bound_times_is_handed_the_next_value() {
    let queue = Queue::new(1);
    let mut waiting = spawn(queue.receive());
    assert_pending!(waiting.poll());
    overtake_receive(&queue, &mut waiting, BOUND);
    queue.try_send(99).unwrap();
    assert!(waiting.is_woken());
    assert_eq!(
        queue.try_receive(),
        Err(TryRecvError::Empty),
        "after {BOUND} overtakes the value is the waiting receiver's"
    );
    assert_ready_eq!(waiting.poll(), Ok(Some(99)));
    // Hand-off ends with it: running tasks take values directly again.
    queue.try_send(100).unwrap();
    assert_eq!(queue.try_receive(), Ok(100));
}

#[test]
fn a_sender_overtaken_bound_times_is_handed_the_next_slot() {
    let queue = Queue::new(1);
    queue.try_send(0).unwrap();
    let mut waiting = spawn(queue.send(99));
    assert_pending!(waiting.poll());
    overtake_send(&queue, &mut waiting, BOUND);
    assert_eq!(queue.try_receive(), Ok(BOUND));
    assert!(waiting.is_woken());
    assert_eq!(
        queue.try_send(7),
        Err(TrySendError::Full(7)),
        "after {BOUND} overtakes the slot is the waiting sender's"
    );
    // A reservation that does not wait gives way as a plain `try_send` does.
    assert_eq!(
        queue.try_reserve().map(drop),
        Err(TrySendError::Full(())),
        "after {BOUND} overtakes try_reserve must not take the waiting sender's slot"
    );
    assert_ready_eq!(waiting.poll(), Ok(()));
    assert_eq!(queue.try_receive(), Ok(99));
    queue.try_send(100).unwrap();
}

#[test]
fn while_handing_off_newcomers_queue_behind_the_overtaken_waiter() {
    let queue = Queue::new(1);
    let mut overtaken = spawn(queue.receive());
    assert_pending!(overtaken.poll());
    overtake_receive(&queue, &mut overtaken, BOUND);
    // A newcomer that must wait now stands behind it, and the values come in that order.
    let mut later = spawn(queue.receive());
    assert_pending!(later.poll());
    queue.try_send(1).unwrap();
    assert!(overtaken.is_woken());
    assert!(!later.is_woken());
    assert_ready_eq!(overtaken.poll(), Ok(Some(1)));
    queue.try_send(2).unwrap();
    assert!(later.is_woken());
    assert_ready_eq!(later.poll(), Ok(Some(2)));
}

#[test]
fn a_receiver_overtaken_less_than_the_bound_is_only_notified() {
    let queue = Queue::new(1);
    let mut waiting = spawn(queue.receive());
    assert_pending!(waiting.poll());
    overtake_receive(&queue, &mut waiting, BOUND - 1);
    // Below the bound, a running task keeps its fast path.
    queue.try_send(5).unwrap();
    assert_eq!(queue.try_receive(), Ok(5));
}

#[test]
fn close_gives_back_a_slot_granted_to_a_sender_that_has_not_run_yet() {
    use std::future::Future;
    use std::pin::Pin;
    for kind in ["send", "reserve", "reserve_many(1)"] {
        let queue = Queue::new(1);
        queue.try_send(0).unwrap();
        let waiting: Pin<Box<dyn Future<Output = bool> + '_>> = match kind {
            "send" => Box::pin(async { queue.send(99).await == Err(tokio_mpmc::SendError(99)) }),
            "reserve" => Box::pin(async { queue.reserve().await.is_err() }),
            _ => Box::pin(async { queue.reserve_many(1).await.is_err() }),
        };
        let mut waiting = spawn(waiting);
        assert_pending!(waiting.poll());
        overtake_send(&queue, &mut waiting, BOUND);
        // This receive grants the freed slot to the overtaken sender, which has not run yet when the queue
        // closes.
        assert_eq!(queue.try_receive(), Ok(BOUND), "{kind}");
        assert!(waiting.is_woken(), "{kind}");
        queue.close();
        // The grant went back with the close: the queue is closed and drained, not waiting for a send.
        assert_eq!(queue.try_receive(), Err(TryRecvError::Closed), "{kind}");
        assert_ready_eq!(waiting.poll(), true, "{kind}: it fails once closed");
    }
}

#[test]
fn a_receiver_dropped_with_a_value_handed_to_it_passes_the_value_on() {
    let queue = Queue::new(1);
    let mut overtaken = spawn(queue.receive());
    assert_pending!(overtaken.poll());
    overtake_receive(&queue, &mut overtaken, BOUND);
    let mut next = spawn(queue.receive());
    assert_pending!(next.poll());
    queue.try_send(7).unwrap();
    assert!(overtaken.is_woken());
    // Dropped before it takes the value handed to it: the value goes to the next waiter.
    drop(overtaken);
    assert!(next.is_woken());
    assert_ready_eq!(next.poll(), Ok(Some(7)));
}

/// Cancel safety of every waiting send in hand-off mode: a slot granted to an overtaken `send`, `reserve` or
/// `reserve_many(1)` that is dropped before it runs goes to the next waiting sender.
#[test]
fn a_sender_dropped_with_a_slot_handed_to_it_passes_the_slot_on() {
    use std::future::Future;
    use std::pin::Pin;
    for kind in ["send", "reserve", "reserve_many(1)"] {
        let queue = Queue::new(1);
        queue.try_send(0).unwrap();
        let overtaken: Pin<Box<dyn Future<Output = ()> + '_>> = match kind {
            "send" => Box::pin(async { queue.send(99).await.unwrap() }),
            "reserve" => Box::pin(async { queue.reserve().await.unwrap().send(99) }),
            _ => Box::pin(async {
                queue
                    .reserve_many(1)
                    .await
                    .unwrap()
                    .next()
                    .unwrap()
                    .send(99)
            }),
        };
        let mut overtaken = spawn(overtaken);
        assert_pending!(overtaken.poll());
        overtake_send(&queue, &mut overtaken, BOUND);
        let mut next = spawn(queue.send(7));
        assert_pending!(next.poll());
        // This receive grants the freed slot to the overtaken waiter, which is dropped before it runs.
        assert_eq!(queue.try_receive(), Ok(BOUND));
        assert!(overtaken.is_woken() && !next.is_woken(), "{kind}");
        assert_eq!(
            queue.try_send(5),
            Err(TrySendError::Full(5)),
            "{kind}: the slot is granted"
        );
        drop(overtaken);
        assert!(
            next.is_woken(),
            "{kind}: the granted slot was not passed on"
        );
        assert_ready_eq!(next.poll(), Ok(()));
        assert_eq!(queue.try_receive(), Ok(7), "{kind}");
        // Nothing was lost: the slot is free again.
        queue.try_send(8).unwrap();
    }
}

#[test]
fn a_value_handed_to_a_receiver_dropped_after_close_goes_on_and_the_rest_see_the_end() {
    let queue = Queue::new(1);
    let mut overtaken = spawn(queue.receive());
    assert_pending!(overtaken.poll());
    overtake_receive(&queue, &mut overtaken, BOUND);
    let mut second = spawn(queue.receive());
    let mut third = spawn(queue.receive());
    assert_pending!(second.poll());
    assert_pending!(third.poll());
    queue.try_send(7).unwrap();
    queue.close();
    // Woken by the close, both wait again: the value inside is handed to the overtaken receiver.
    assert_pending!(second.poll());
    assert_pending!(third.poll());
    drop(overtaken);
    assert!(second.is_woken());
    assert_ready_eq!(second.poll(), Ok(Some(7)));
    // That was the last value of a closed queue: the third receiver is woken to see the end.
    assert!(third.is_woken());
    assert_ready_eq!(third.poll(), Ok(None));
}

/// Issue 18, item 3: a reserve that waits because a block list counts no more permits (2^20 - 1 held) waits
/// for a release, not for room. Sends and receives that pass it are not overtaking it, so the hand-off never
/// engages for it, and plain sends keep their fast path however many go by.
#[test]
fn a_reserve_waiting_on_the_permit_limit_never_stalls_plain_sends() {
    let (tx, rx) = tokio_mpmc::channel::<u32>(1 << 21);
    let held = tx.try_reserve_many((1 << 20) - 1).unwrap();
    let mut reserve = spawn(tx.reserve());
    assert_pending!(reserve.poll());
    for round in 0..3 * BOUND as u32 {
        assert_eq!(tx.try_send(round), Ok(()), "round {round}");
        assert_eq!(rx.try_recv(), Ok(round));
        if reserve.is_woken() {
            assert_pending!(reserve.poll());
        }
    }
    assert_eq!(rx.len(), 0);
    drop(held);
    assert!(reserve.is_woken(), "the release serves it");
    assert!(assert_ready!(reserve.poll()).is_ok());
}

/// Issue 18, item 4: after `close()` with permits still held, values still come, and each wakes the oldest
/// waiting receiver: the youngest is not woken in vain once per value before its turn (the bound is 4).
#[test]
fn after_close_with_permits_held_receivers_are_still_served_in_order() {
    let (tx, rx) = tokio_mpmc::channel::<usize>(64);
    let mut permits = tx.try_reserve_many(20).unwrap();
    assert!(tx.close());
    let mut older: Vec<_> = (0..10).map(|_| spawn(rx.recv())).collect();
    for receiver in &mut older {
        assert_pending!(receiver.poll());
    }
    let mut youngest = spawn(rx.recv());
    assert_pending!(youngest.poll());
    let mut in_vain = 0;
    for value in 0.. {
        permits.next().unwrap().send(value);
        for receiver in older.iter_mut().filter(|receiver| receiver.is_woken()) {
            assert!(
                receiver.poll().is_ready(),
                "an older receiver gets its value"
            );
        }
        if youngest.is_woken() {
            match youngest.poll() {
                std::task::Poll::Ready(received) => {
                    assert_eq!(received, Some(10), "served after the ten older ones");
                    break;
                }
                std::task::Poll::Pending => in_vain += 1,
            }
        }
    }
    assert!(in_vain <= BOUND, "woken in vain {in_vain} times");
    drop(permits);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// Issue 18, item 5: waiting senders of every kind (`send`, `reserve`, `reserve_owned`, `reserve_many(1)`)
/// on a full capacity-1 channel are woken one per freed slot, oldest first, and complete in arrival order,
/// whatever order the woken tasks are polled in. A waiter that completes through a permit holds its slot: it
/// passes no wake-up on for it.
#[test]
fn waiting_senders_of_every_kind_are_woken_one_per_slot_in_arrival_order() {
    use std::future::Future;
    use std::pin::Pin;
    type Waiting<'a> = Spawn<Pin<Box<dyn Future<Output = usize> + 'a>>>;
    let (tx, rx) = tokio_mpmc::channel::<usize>(1);
    tx.try_send(usize::MAX).unwrap();
    let mut waiting: Vec<Waiting<'_>> = (0..12)
        .map(|id| {
            let tx = &tx;
            let future: Pin<Box<dyn Future<Output = usize> + '_>> =
                match id % 4 {
                    0 => Box::pin(async move { tx.send(id).await.map(|()| id).unwrap() }),
                    1 => Box::pin(async move {
                        tx.reserve().await.map(|p| p.send(id)).map(|()| id).unwrap()
                    }),
                    2 => Box::pin(async move {
                        let permit = tx.clone().reserve_owned().await.unwrap();
                        drop(permit.send(id));
                        id
                    }),
                    _ => Box::pin(async move {
                        tx.reserve_many(1).await.unwrap().next().unwrap().send(id);
                        id
                    }),
                };
            spawn(future)
        })
        .collect();
    for waiter in &mut waiting {
        assert_pending!(waiter.poll());
    }
    let mut done = Vec::new();
    for round in 0..12 {
        rx.try_recv().unwrap();
        let woken: Vec<usize> = (0..12).filter(|&id| waiting[id].is_woken()).collect();
        assert_eq!(
            woken.len(),
            1,
            "round {round}: woken {woken:?} for one slot"
        );
        // Youngest first: the order of polls does not matter.
        for id in woken.into_iter().rev() {
            if let std::task::Poll::Ready(sent) = waiting[id].poll() {
                done.push(sent);
            }
        }
    }
    assert_eq!(done, (0..12).collect::<Vec<_>>());
}

// Found by the linearizability histories (tests/linearizability.rs, issue 19) on the code of a8f3ab1. The last
// two pass since the fixes of issue 18 (a notified waiter gives its part of a batch back; the batch served
// first takes the parts younger batches hold); the first is a documented limit of I10 (see
// `verification/README.md`) and stays ignored: run it with `--ignored`.

/// A value handed to a waiting receiver is that receiver's: a newcomer told `Empty` while it was inside must
/// not take it afterwards. Today a promise is a count, not a value: the newcomer takes the oldest value (the
/// one handed off) and the waiter finds the next. No order of the calls explains that `Empty` (I10).
#[test]
#[ignore = "a limit of hand-off mode, documented under I10: a newcomer takes the value handed to the waiter"]
fn a_value_handed_to_a_waiting_receiver_is_not_taken_by_a_newcomer_told_empty() {
    let queue = Queue::new(2);
    let mut waiting = spawn(queue.receive());
    assert_pending!(waiting.poll());
    overtake_receive(&queue, &mut waiting, BOUND);
    queue.try_send(10).unwrap();
    assert!(waiting.is_woken());
    assert_eq!(
        queue.try_receive(),
        Err(TryRecvError::Empty),
        "10 is handed to the waiter"
    );
    queue.try_send(11).unwrap();
    assert_eq!(
        queue.try_receive(),
        Ok(11),
        "10 left the queue with the hand-off"
    );
    assert_ready_eq!(waiting.poll(), Ok(Some(10)));
}

/// A `reserve_many(2)` waiting behind an overtaken sender: two slots freed at once (a dropped batch of
/// permits) are granted one to each; the grant to the overtaken sender ends hand-off mode, leaving the batch
/// waiter with one slot of two. The next slot freed is served in notify mode, which wakes the batch waiter
/// and forgets the slot it held: a debug build panics ("units are granted only in hand-off mode",
/// src/waiters.rs), a release build loses the slot for good (the capacity shrinks by one; a `reserve_many`
/// of the whole capacity then waits forever).
#[test]
fn a_partly_served_reserve_many_keeps_its_slot_when_hand_off_ends() {
    let queue = Queue::new(3);
    let batch = queue.try_reserve_many(2).unwrap();
    queue.try_send(0).unwrap();
    let mut overtaken = spawn(queue.send(100));
    assert_pending!(overtaken.poll());
    // Four overtakes on the one slot left: each freed slot wakes the sender, a newcomer fills it first.
    for value in 1..=BOUND {
        assert_eq!(queue.try_receive(), Ok(value - 1));
        assert!(overtaken.is_woken());
        queue.try_send(value).unwrap();
        assert_pending!(overtaken.poll());
    }
    // Hand-off mode: the batch waits behind the overtaken sender.
    let mut pair = spawn(queue.reserve_many(2));
    assert_pending!(pair.poll());
    drop(batch);
    assert_ready_eq!(overtaken.poll(), Ok(()));
    assert_pending!(pair.poll());
    // One more slot: the pair holds both.
    assert_eq!(queue.try_receive(), Ok(BOUND));
    let permits = assert_ready!(pair.poll()).unwrap();
    assert_eq!(permits.len(), 2);
    drop(permits);
    // Nothing was lost: all three slots are free once the last value is out.
    assert_eq!(queue.try_receive(), Ok(100));
    assert_eq!(
        queue.try_reserve_many(3).map(|permits| permits.len()),
        Ok(3)
    );
}

/// Two `reserve_many(2)` waiters at capacity 2: one is notified and has not run again when the other, after
/// its overtakes, starts the hand-off and is granted one slot; the first then re-registers at its old place,
/// ahead of it, and is granted the next slot. Each holds one slot of the two it needs and the queue is empty:
/// no value, no free slot, no one ever woken again (a deadlock of the whole channel short of a close).
#[test]
fn two_reserve_many_waiters_never_split_the_capacity_between_them() {
    let queue = Queue::new(2);
    queue.try_send(0).unwrap();
    queue.try_send(1).unwrap();
    let mut first = spawn(queue.reserve_many(2));
    let mut second = spawn(queue.reserve_many(2));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    // The first is notified by a receive and does not run yet; the second is overtaken four times: each
    // time both slots are freed, it is woken, and a newcomer takes them first.
    let mut next = 2;
    for overtake in 0..BOUND {
        for _ in 0..2 {
            assert!(queue.try_receive().is_ok());
        }
        assert!(overtake > 0 || first.is_woken());
        assert!(second.is_woken());
        for _ in 0..2 {
            queue.try_send(next).unwrap();
            next += 1;
        }
        assert_pending!(second.poll());
    }
    // Hand-off: a freed slot is granted to the overtaken second waiter.
    assert!(queue.try_receive().is_ok());
    // The first runs again: it stands ahead of the second, and is granted the last slot freed.
    assert_pending!(first.poll());
    assert!(queue.try_receive().is_ok());
    // The queue is empty and both slots are held by waiters: one of them must have both.
    let first_done = first.poll().is_ready();
    let second_done = second.poll().is_ready();
    // (Closed first, so that dropping the futures of a failed run does not serve the list again.)
    queue.close();
    assert!(
        first_done || second_done,
        "both wait, each holding one slot of two"
    );
}
