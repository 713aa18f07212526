//! A history of queue operations recorded on real threads, and its check against the sequential FIFO queue
//! (I10, linearizability) by the violation patterns of Henzinger, Sezgin and Vafeiadis, "Aspect-oriented
//! linearizability proofs" (CONCUR 2013).
//!
//! # Recording
//!
//! Every operation takes two stamps from one [`Clock`]: `inv` just before the call, `res` just after it
//! returned. The clock is one `SeqCst` `fetch_add`: read-modify-writes of one word extend each other's release
//! sequences, so `a.res < b.inv` means the call `a` *happens before* the call `b`. Stamps are distinct, and an
//! operation takes effect (if it is linearizable) at some instant strictly between its two stamps.
//!
//! # The sequential queue
//!
//! A FIFO queue of capacity `C` (none when unbounded) with `P` permits held and a closed flag:
//! `try_send` answers `Closed` once closed, `Full` when values + `P` = `C`, else appends; `send` (async or
//! blocking) waits for the same room, fails once closed; a reservation of `n` is the same for `n` units, and
//! `Permit::send` appends (even when closed) and gives its unit back, as a dropped permit does; `try_recv`
//! takes the oldest value, answers `Closed` when closed, empty and `P` = 0, else `Empty`; `recv` waits for a
//! value or that end (`None`); `recv_many` takes one or more of the oldest values, one after another.
//!
//! # The patterns (each sound: a history that shows one has no linearization)
//!
//! Assumptions: values are unique; the history is complete (every call returned); a value leaves the queue
//! only by a receive in the history (no receiver handle is dropped mid-run). An interval `[inv, res]` holds
//! the operation's linearization point, so a value is *provably inside* from its send's `res` to its
//! receive's `inv` (to the end if never received), and *possibly inside* from its send's `inv` to its
//! receive's `res`.
//!
//! 1. [`Pattern::Repeated`], [`Pattern::Fresh`]: a value received twice, or received without a send that
//!    succeeded (never sent, or its send answered `Full` / `Closed`). A queue hands out what it was given,
//!    once.
//! 2. [`Pattern::ReceivedBeforeSent`]: a receive of `v` returned before the send of `v` was called: its
//!    linearization point precedes the send's.
//! 3. [`Pattern::Order`]: `send(a)` returned before `send(b)` was called, and `b` was received by a call that
//!    returned before any receive of `a` was called, or `a` was never received at all. Then `a` is enqueued
//!    before `b` in every linearization, so FIFO needs `a` dequeued before `b`: impossible.
//!    [`Pattern::BatchOrder`] is the same inside one `recv_many`, whose values are taken one after another
//!    in buffer order: `x` before `y` in the buffer while `send(y)` returned before `send(x)` was called.
//! 4. [`Pattern::EmptyWhileInside`]: a `try_recv` answered `Empty`, or a receive answered `Closed` / `None`,
//!    while every instant of its interval lies in some value's provably-inside interval (one value, or
//!    several overlapping ones): at its linearization point the queue holds a value. For `Closed` answers
//!    the intervals of permits provably held (acquired before the call, released after) count too: the
//!    queue answers `None` only once no permit is left. An `Empty` that a waiting receive (`recv`,
//!    `blocking_recv`, `recv_many`) overlapped is reported as [`Pattern::EmptyGivingWay`] instead: the same
//!    violation, which the channel's hand-off to waiting receivers (I8) produces today (see
//!    tests/linearizability.rs), kept apart so that a run can tell it from any other.
//! 5. [`Pattern::FullWithRoom`]: a `try_send` (a `try_reserve` of `n` units) answered `Full` although the
//!    units that can *possibly* be inside at any instant of its interval, plus `n`, fit in `C`. Counted
//!    (an upper bound, so no false alarm): values whose send was called before its `res` and not received
//!    before its `inv`; permits acquired (the reserve called) before its `res` and not released before its
//!    `inv`; and waiting sends and reserves that failed while overlapping it (a sender waiting after 4
//!    overtakes may be granted a slot, which the close takes back: I8). Unbounded: any `Full` of a
//!    `try_send`, and a `Full` of a reservation below [`UNBOUNDED_PERMIT_LIMIT`].
//! 6. [`Pattern::SentAfterClose`], [`Pattern::ClosedBeforeClose`]: a send (not through a permit) or a
//!    reservation called after a `close()` returned succeeded; or a call answered `Closed` / `None` before any
//!    `close()` was called.
//! 7. [`Pattern::OverCapacity`]: at some instant more than `C` values and permits were provably inside (values
//!    between their send's `res` and their receive's `inv`, permits between their reservation's `res` and
//!    their release's `inv`): every linearization holds them all at that instant, which the sequential queue
//!    never does (I4, I7).
//!
//! Pattern 5 counts what is *possibly* inside, not what is provably inside: a `Full` is wrong only if the
//! queue cannot have been full at any instant of the call, and sends and receives that overlap it may have
//! taken effect on either side of it.
//!
//! For a queue without a bound, permits or close, Henzinger et al. show that patterns 1–4 (4 in this
//! covering form) find every complete history with unique values that is not linearizable. With the bound,
//! permits and close the patterns stay sound but are not complete: a `Full` that can only be explained by an
//! order of the sends that the receives contradict, for one, is not looked for.
//!
//! The check is one sweep per pattern, O(n log n). Each pattern's *probes* count how often its
//! precondition was met near the line it draws (see [`Probes`]): a check that never came close proves
//! nothing, so the tests assert them.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// The one clock of a history: see the module docs.
#[derive(Debug, Default)]
pub struct Clock(AtomicU64);

impl Clock {
    /// A stamp later than every stamp taken before it.
    pub fn stamp(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

/// A value sent through the queue; unique in a history.
pub type Value = u64;

/// A permit's id; unique in a history.
pub type PermitId = u64;

/// One call and its answer, between its two stamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub inv: u64,
    pub res: u64,
    pub call: Call,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `try_send` (`waits: false`), `send` or `blocking_send` (`waits: true`) of `value`.
    Send {
        value: Value,
        waits: bool,
        answer: SendAnswer,
    },
    /// `Permit::send(value)` through `permit`, which it releases.
    PermitSend { permit: PermitId, value: Value },
    /// `try_recv` (`waits: false`), `recv`, `blocking_recv` or `recv_many` (`waits: true`).
    Recv { waits: bool, answer: RecvAnswer },
    /// `try_reserve` / `try_reserve_many(units)` (`waits: false`), `reserve` / `reserve_many(units)`.
    Reserve {
        units: usize,
        waits: bool,
        answer: ReserveAnswer,
    },
    /// A permit dropped unused.
    DropPermit { permit: PermitId },
    /// `close()`.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendAnswer {
    Sent,
    Full,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecvAnswer {
    /// The values taken, in the order taken (one, or a `recv_many` batch).
    Values(Vec<Value>),
    /// `try_recv`'s `Empty`.
    Empty,
    /// `None`, `TryRecvError::Closed`, or `recv_many`'s 0.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveAnswer {
    /// The permits given, one id per unit.
    Permits(Vec<PermitId>),
    Full,
    Closed,
}

/// The most permits an unbounded channel holds at once (2^20 − 1 on 64-bit targets, see
/// `unbounded_channel`): below it a reservation on an unbounded channel is never `Full`.
pub const UNBOUNDED_PERMIT_LIMIT: usize = (1 << 20) - 1;

/// The violation patterns; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    Repeated,
    Fresh,
    ReceivedBeforeSent,
    Order,
    BatchOrder,
    EmptyWhileInside,
    EmptyGivingWay,
    FullWithRoom,
    OverCapacity,
    SentAfterClose,
    ClosedBeforeClose,
}

impl Pattern {
    pub const ALL: [Pattern; 11] = [
        Pattern::Repeated,
        Pattern::Fresh,
        Pattern::ReceivedBeforeSent,
        Pattern::Order,
        Pattern::BatchOrder,
        Pattern::EmptyWhileInside,
        Pattern::EmptyGivingWay,
        Pattern::FullWithRoom,
        Pattern::OverCapacity,
        Pattern::SentAfterClose,
        Pattern::ClosedBeforeClose,
    ];
}

/// One instance of a pattern, with the operations that show it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub pattern: Pattern,
    pub detail: String,
}

/// How often each pattern's precondition was met close to its line: the check's own coverage.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Probes {
    /// Values received (pattern 1 looked at each).
    pub received: usize,
    /// Receives called before the send of their value had returned (pattern 2 at its edge).
    pub receive_raced_send: usize,
    /// Received values `b` with a value `a` sent strictly before them whose receive began while `b`'s was
    /// under way (pattern 3 at its edge: the receives raced, FIFO still had to hold).
    pub ordered_receives_raced: usize,
    /// Pairs of values in one `recv_many` batch (pattern 3, in-batch).
    pub batch_pairs: usize,
    /// `Empty` answers checked (pattern 4).
    pub empty_checked: usize,
    /// ... of which some value was provably inside for part of the interval, not all of it.
    pub empty_partly_covered: usize,
    /// `Empty` answers that no waiting receive overlapped: a violation there is [`Pattern::EmptyWhileInside`],
    /// with no excuse.
    pub empty_alone: usize,
    /// ... of which some value can have been inside (its send began before the `Empty` returned, its receive
    /// returned after the `Empty` began): the answer raced a value.
    pub empty_alone_raced: usize,
    /// ... of which partly covered.
    pub empty_alone_partly_covered: usize,
    /// `Full` answers checked (pattern 5).
    pub full_checked: usize,
    /// ... of which the possible units were at most two too many to fit.
    pub full_near: usize,
    /// ... of which exactly one too many: one fewer would have been a violation.
    pub full_tight: usize,
    /// Instants when exactly the capacity of values and permits was provably inside (pattern 7 at its line).
    pub at_capacity: usize,
    /// Sends and reservations called after a `close()` returned (pattern 6: each had to fail).
    pub called_after_close: usize,
    /// `Closed` answers checked against the close (pattern 6) and, for receives, against the values and
    /// permits inside (pattern 4).
    pub closed_checked: usize,
}

impl Probes {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Probes) {
        self.received += other.received;
        self.receive_raced_send += other.receive_raced_send;
        self.ordered_receives_raced += other.ordered_receives_raced;
        self.batch_pairs += other.batch_pairs;
        self.empty_checked += other.empty_checked;
        self.empty_partly_covered += other.empty_partly_covered;
        self.empty_alone += other.empty_alone;
        self.empty_alone_raced += other.empty_alone_raced;
        self.empty_alone_partly_covered += other.empty_alone_partly_covered;
        self.full_checked += other.full_checked;
        self.full_near += other.full_near;
        self.full_tight += other.full_tight;
        self.at_capacity += other.at_capacity;
        self.called_after_close += other.called_after_close;
        self.closed_checked += other.closed_checked;
    }
}

/// The result of [`check`].
#[derive(Debug, Default)]
pub struct Report {
    pub ops: usize,
    /// Violations per pattern.
    pub counts: HashMap<Pattern, usize>,
    /// The first few violations, with the operations involved.
    pub examples: Vec<Violation>,
    pub probes: Probes,
}

impl Report {
    const EXAMPLES: usize = 12;

    /// All violations.
    pub fn violations(&self) -> usize {
        self.counts.values().sum()
    }

    /// How many times `pattern` was found.
    pub fn count(&self, pattern: Pattern) -> usize {
        self.counts.get(&pattern).copied().unwrap_or(0)
    }

    fn report(&mut self, pattern: Pattern, detail: impl FnOnce() -> String) {
        *self.counts.entry(pattern).or_default() += 1;
        if self.examples.len() < Self::EXAMPLES {
            self.examples.push(Violation {
                pattern,
                detail: detail(),
            });
        }
    }
}

impl fmt::Display for Report {
    /// One line: operations, violations, probes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.probes;
        write!(
            f,
            "{} ops, violations={}; probes: received={} receive-raced-send={} ordered-receives-raced={} \
             batch-pairs={} empty-checked={} empty-partly-covered={} empty-alone={} empty-alone-raced={} \
             empty-alone-partly-covered={} full-checked={} full-near={} full-tight={} at-capacity={} \
             called-after-close={} closed-checked={}",
            self.ops,
            self.violations(),
            p.received,
            p.receive_raced_send,
            p.ordered_receives_raced,
            p.batch_pairs,
            p.empty_checked,
            p.empty_partly_covered,
            p.empty_alone,
            p.empty_alone_raced,
            p.empty_alone_partly_covered,
            p.full_checked,
            p.full_near,
            p.full_tight,
            p.at_capacity,
            p.called_after_close,
            p.closed_checked,
        )?;
        for pattern in Pattern::ALL {
            if self.count(pattern) > 0 {
                write!(f, "\n  {pattern:?}: {}", self.count(pattern))?;
            }
        }
        for example in &self.examples {
            write!(f, "\n  e.g. {:?}: {}", example.pattern, example.detail)?;
        }
        Ok(())
    }
}

/// What the history says about one value.
#[derive(Debug, Default)]
struct ValueLife {
    /// The interval of the send that succeeded.
    sent: Option<(u64, u64)>,
    /// The interval of every receive that returned it, with the op index.
    received: Vec<(u64, u64, usize)>,
}

impl ValueLife {
    /// The first receive's `inv` (`u64::MAX` if never received): until then the value is provably inside.
    fn first_receive_inv(&self) -> u64 {
        self.received.iter().map(|r| r.0).min().unwrap_or(u64::MAX)
    }

    /// The first receive's `res`, if received.
    fn first_receive_res(&self) -> Option<u64> {
        self.received.iter().map(|r| r.1).min()
    }
}

/// A permit's acquisition and release intervals.
#[derive(Debug)]
struct PermitLife {
    acquired: (u64, u64),
    released: Option<(u64, u64)>,
}

/// Checks `history` against the sequential FIFO queue of `capacity` (`None`: unbounded). Panics if the history
/// itself is malformed (a value sent twice, a permit acquired twice): that is the recorder's bug.
pub fn check(history: &[Op], capacity: Option<usize>) -> Report {
    let mut report = Report {
        ops: history.len(),
        ..Report::default()
    };
    let mut values: HashMap<Value, ValueLife> = HashMap::new();
    let mut permits: HashMap<PermitId, PermitLife> = HashMap::new();
    let mut sent_calls = HashMap::new();
    let mut closes = Vec::new();
    for (index, op) in history.iter().enumerate() {
        assert!(
            op.inv < op.res,
            "op {index} responds before it is invoked: {op:?}"
        );
        match &op.call {
            Call::Send { value, answer, .. } => {
                sent_once(&mut sent_calls, *value, index);
                if *answer == SendAnswer::Sent {
                    values.entry(*value).or_default().sent = Some((op.inv, op.res));
                }
            }
            Call::PermitSend { permit, value } => {
                sent_once(&mut sent_calls, *value, index);
                values.entry(*value).or_default().sent = Some((op.inv, op.res));
                release(&mut permits, *permit, op, index);
            }
            Call::Recv {
                answer: RecvAnswer::Values(taken),
                ..
            } => {
                for value in taken {
                    values
                        .entry(*value)
                        .or_default()
                        .received
                        .push((op.inv, op.res, index));
                }
            }
            Call::Reserve {
                answer: ReserveAnswer::Permits(given),
                ..
            } => {
                for permit in given {
                    let previous = permits.insert(
                        *permit,
                        PermitLife {
                            acquired: (op.inv, op.res),
                            released: None,
                        },
                    );
                    assert!(
                        previous.is_none(),
                        "permit {permit} is given twice (op {index})"
                    );
                }
            }
            Call::DropPermit { permit } => release(&mut permits, *permit, op, index),
            Call::Close => closes.push((op.inv, op.res)),
            Call::Recv { .. } | Call::Reserve { .. } => {}
        }
    }

    check_values(&values, history, &mut report);
    check_order(&values, history, &mut report);
    check_batches(&values, history, &mut report);
    let possible = Possible::new(&values, &permits, history);
    check_empty(&values, &permits, &possible, history, &mut report);
    check_full(&possible, history, capacity, &mut report);
    check_bound(&values, &permits, capacity, &mut report);
    check_close(&closes, history, &mut report);
    report
}

fn sent_once(sent_calls: &mut HashMap<Value, usize>, value: Value, index: usize) {
    let previous = sent_calls.insert(value, index);
    assert!(
        previous.is_none(),
        "value {value} is sent by two calls: {previous:?} and {index}"
    );
}

fn release(permits: &mut HashMap<PermitId, PermitLife>, permit: PermitId, op: &Op, index: usize) {
    let life = permits
        .get_mut(&permit)
        .unwrap_or_else(|| panic!("op {index} releases permit {permit}, which was never given"));
    assert!(
        life.released.is_none(),
        "op {index} releases permit {permit} a second time"
    );
    assert!(
        life.acquired.1 < op.inv,
        "op {index} releases permit {permit} before it was given"
    );
    life.released = Some((op.inv, op.res));
}

/// Patterns 1 and 2, value by value.
fn check_values(values: &HashMap<Value, ValueLife>, history: &[Op], report: &mut Report) {
    for (value, life) in values {
        report.probes.received += life.received.len();
        if life.received.len() > 1 {
            report.report(Pattern::Repeated, || {
                let ops: Vec<_> = life.received.iter().map(|r| &history[r.2]).collect();
                format!("value {value} received {} times: {ops:?}", ops.len())
            });
        }
        match life.sent {
            None if !life.received.is_empty() => report.report(Pattern::Fresh, || {
                format!(
                    "value {value} received by {:?} but never sent successfully",
                    history[life.received[0].2]
                )
            }),
            None => {}
            Some((send_inv, send_res)) => {
                for &(inv, res, index) in &life.received {
                    if res < send_inv {
                        report.report(Pattern::ReceivedBeforeSent, || {
                            format!(
                                "value {value}: received by {:?}, which returned before the send [{send_inv}, \
                                 {send_res}] began",
                                history[index]
                            )
                        });
                    } else if inv < send_res {
                        report.probes.receive_raced_send += 1;
                    }
                }
            }
        }
    }
}

/// Pattern 3 across calls: sweep the values by their send's `inv`, keeping the latest first-receive `inv` of
/// the values whose send returned before it.
fn check_order(values: &HashMap<Value, ValueLife>, history: &[Op], report: &mut Report) {
    let mut by_send_res: Vec<(u64, Value)> = Vec::new();
    let mut by_send_inv: Vec<(u64, Value)> = Vec::new();
    for (value, life) in values {
        if let Some((inv, res)) = life.sent {
            by_send_res.push((res, *value));
            by_send_inv.push((inv, *value));
        }
    }
    by_send_res.sort_unstable();
    by_send_inv.sort_unstable();
    let mut next = 0;
    // The value sent earlier whose first receive began last (never received: `u64::MAX`).
    let mut latest: Option<(u64, Value)> = None;
    for &(send_inv, b) in &by_send_inv {
        while next < by_send_res.len() && by_send_res[next].0 < send_inv {
            let a = by_send_res[next].1;
            let key = values[&a].first_receive_inv();
            if latest.is_none_or(|(k, _)| key > k) {
                latest = Some((key, a));
            }
            next += 1;
        }
        let life_b = &values[&b];
        let (Some(b_res), Some((a_inv, a))) = (life_b.first_receive_res(), latest) else {
            continue;
        };
        let b_inv = life_b.first_receive_inv();
        if a_inv > b_res {
            report.report(Pattern::Order, || {
                let receive_a = values[&a]
                    .received
                    .first()
                    .map_or("never received".to_string(), |r| format!("{:?}", history[r.2]));
                format!(
                    "value {a} was sent before value {b} (send({a}) returned before send({b}) began), but {b} \
                     was received by {:?} before {a} was received: {receive_a}",
                    history[life_b.received[0].2]
                )
            });
        } else if a_inv > b_inv {
            report.probes.ordered_receives_raced += 1;
        }
    }
}

/// Pattern 3 inside one `recv_many` batch.
fn check_batches(values: &HashMap<Value, ValueLife>, history: &[Op], report: &mut Report) {
    for op in history {
        let Call::Recv {
            answer: RecvAnswer::Values(batch),
            ..
        } = &op.call
        else {
            continue;
        };
        // The latest send `inv` among the values taken before this one in the batch.
        let mut latest: Option<(u64, Value)> = None;
        for &y in batch {
            let sent_y = values.get(&y).and_then(|life| life.sent);
            if let (Some((x_inv, x)), Some((_, y_res))) = (latest, sent_y) {
                report.probes.batch_pairs += 1;
                if y_res < x_inv {
                    report.report(Pattern::BatchOrder, || {
                        format!(
                            "{op:?} took {x} before {y}, but send({y}) returned before send({x}) began"
                        )
                    });
                }
            }
            if let Some((y_inv, _)) = sent_y {
                if latest.is_none_or(|(inv, _)| y_inv > inv) {
                    latest = Some((y_inv, y));
                }
            }
        }
    }
}

/// The union of closed intervals, merged and sorted.
struct Union(Vec<(u64, u64)>);

impl Union {
    fn new(mut intervals: Vec<(u64, u64)>) -> Union {
        intervals.retain(|&(start, end)| start < end);
        intervals.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(intervals.len());
        for (start, end) in intervals {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Union(merged)
    }

    /// The merged interval that starts last before `at`.
    fn last_starting_before(&self, at: u64) -> Option<(u64, u64)> {
        let index = self.0.partition_point(|&(start, _)| start < at);
        index.checked_sub(1).map(|index| self.0[index])
    }

    /// Whether every instant strictly between `inv` and `res` is in the union.
    fn covers(&self, inv: u64, res: u64) -> bool {
        self.last_starting_before(inv + 1)
            .is_some_and(|(_, end)| end >= res)
    }

    /// Whether some instant strictly between `inv` and `res` is in the union.
    fn meets(&self, inv: u64, res: u64) -> bool {
        self.last_starting_before(res)
            .is_some_and(|(_, end)| end > inv)
    }
}

/// Intervals of calls, asked whether any of them overlaps a given interval.
struct Calls {
    /// Sorted by `inv`.
    invs: Vec<u64>,
    /// The latest `res` among the calls up to each index.
    latest_res: Vec<u64>,
}

impl Calls {
    fn new(mut intervals: Vec<(u64, u64)>) -> Calls {
        intervals.sort_unstable();
        let mut latest = 0;
        let latest_res = intervals
            .iter()
            .map(|&(_, res)| {
                latest = latest.max(res);
                latest
            })
            .collect();
        Calls {
            invs: intervals.into_iter().map(|(inv, _)| inv).collect(),
            latest_res,
        }
    }

    /// Whether a call was under way at some instant strictly between `inv` and `res`.
    fn overlap(&self, inv: u64, res: u64) -> bool {
        let called_before = self.invs.partition_point(|&call_inv| call_inv < res);
        called_before > 0 && self.latest_res[called_before - 1] > inv
    }
}

/// Pattern 4: `Empty` (and `Closed`) answers against the union of provably-inside intervals.
fn check_empty(
    values: &HashMap<Value, ValueLife>,
    permits: &HashMap<PermitId, PermitLife>,
    possible: &Possible,
    history: &[Op],
    report: &mut Report,
) {
    let inside: Vec<(u64, u64)> = values
        .values()
        .filter_map(|life| Some((life.sent?.1, life.first_receive_inv())))
        .collect();
    let held: Vec<(u64, u64)> = permits
        .values()
        .map(|life| (life.acquired.1, life.released.map_or(u64::MAX, |r| r.0)))
        .collect();
    let values_inside = Union::new(inside.clone());
    let units_inside = Union::new(inside.into_iter().chain(held).collect());
    let waiting_receives = Calls::new(
        history
            .iter()
            .filter(|op| matches!(op.call, Call::Recv { waits: true, .. }))
            .map(|op| (op.inv, op.res))
            .collect(),
    );
    for op in history {
        let (union, empty) = match op.call {
            Call::Recv {
                answer: RecvAnswer::Empty,
                ..
            } => (&values_inside, true),
            Call::Recv {
                answer: RecvAnswer::Closed,
                ..
            } => (&units_inside, false),
            _ => continue,
        };
        let beside_waiter = empty && waiting_receives.overlap(op.inv, op.res);
        if empty {
            report.probes.empty_checked += 1;
            if !beside_waiter {
                report.probes.empty_alone += 1;
                if possible.values(op.inv, op.res) > 0 {
                    report.probes.empty_alone_raced += 1;
                }
            }
        }
        if union.covers(op.inv, op.res) {
            let pattern = if beside_waiter {
                Pattern::EmptyGivingWay
            } else {
                Pattern::EmptyWhileInside
            };
            report.report(pattern, || {
                let witnesses: Vec<_> = values
                    .iter()
                    .filter(|(_, life)| {
                        life.sent.is_some_and(|s| s.1 < op.res) && life.first_receive_inv() > op.inv
                    })
                    .map(|(value, life)| {
                        let received = life.received.first().map(|r| &history[r.2]);
                        format!("{value} sent {:?} received by {received:?}", life.sent)
                    })
                    .take(4)
                    .collect();
                format!("{op:?} while provably inside all along: {witnesses:?} (or permits held)")
            });
        } else if empty && union.meets(op.inv, op.res) {
            report.probes.empty_partly_covered += 1;
            if !beside_waiter {
                report.probes.empty_alone_partly_covered += 1;
            }
        }
    }
}

/// Sorted stamps, counted below a bound.
struct Stamps(Vec<u64>);

impl Stamps {
    fn new(mut stamps: Vec<u64>) -> Stamps {
        stamps.sort_unstable();
        Stamps(stamps)
    }

    fn below(&self, bound: u64) -> usize {
        self.0.partition_point(|&stamp| stamp < bound)
    }
}

/// Upper bounds of what can be inside during an interval.
struct Possible {
    /// Successful sends by `inv`, and the first receive's `res` of each value received after its send began
    /// (a value received before its send began, pattern 2, is not subtracted: the bound stays an upper bound).
    sends_called: Stamps,
    receives_done: Stamps,
    /// Permits by their reservation's `inv`, and their release's `res`.
    acquires_called: Stamps,
    releases_done: Stamps,
    /// Waiting sends and reservations that failed (one unit per slot asked): one may have held a granted slot
    /// until the close took it back.
    failed_called: Stamps,
    failed_done: Stamps,
}

impl Possible {
    fn new(
        values: &HashMap<Value, ValueLife>,
        permits: &HashMap<PermitId, PermitLife>,
        history: &[Op],
    ) -> Possible {
        let mut failed_called = Vec::new();
        let mut failed_done = Vec::new();
        for op in history {
            let units = match op.call {
                Call::Send {
                    waits: true,
                    answer: SendAnswer::Closed | SendAnswer::Full,
                    ..
                } => 1,
                Call::Reserve {
                    waits: true,
                    units,
                    answer: ReserveAnswer::Closed | ReserveAnswer::Full,
                } => units,
                _ => continue,
            };
            for _ in 0..units {
                failed_called.push(op.inv);
                failed_done.push(op.res);
            }
        }
        Possible {
            sends_called: Stamps::new(values.values().filter_map(|l| Some(l.sent?.0)).collect()),
            receives_done: Stamps::new(
                values
                    .values()
                    .filter_map(|l| {
                        let (send_inv, _) = l.sent?;
                        l.first_receive_res().filter(|&res| res > send_inv)
                    })
                    .collect(),
            ),
            acquires_called: Stamps::new(permits.values().map(|l| l.acquired.0).collect()),
            releases_done: Stamps::new(
                permits
                    .values()
                    .filter_map(|l| Some(l.released?.1))
                    .collect(),
            ),
            failed_called: Stamps::new(failed_called),
            failed_done: Stamps::new(failed_done),
        }
    }

    /// Values whose send was called before `res` and not received before `inv`: every value that can be
    /// inside at some instant between them. (Each subtracted value was also counted: its receive returned
    /// after its send began, and before `inv`.)
    fn values(&self, inv: u64, res: u64) -> usize {
        self.sends_called.below(res) - self.receives_done.below(inv)
    }

    /// [`values`](Self::values), plus the permits and the failed waiting calls that can hold a slot at some
    /// instant between `inv` and `res`.
    fn units(&self, inv: u64, res: u64) -> usize {
        self.values(inv, res) + self.acquires_called.below(res) - self.releases_done.below(inv)
            + self.failed_called.below(res)
            - self.failed_done.below(inv)
    }
}

/// Pattern 5: `Full` answers against an upper bound of the units possibly inside.
fn check_full(possible: &Possible, history: &[Op], capacity: Option<usize>, report: &mut Report) {
    for op in history {
        let (units, is_send) = match op.call {
            Call::Send {
                answer: SendAnswer::Full,
                ..
            } => (1, true),
            Call::Reserve {
                units,
                answer: ReserveAnswer::Full,
                ..
            } => (units, false),
            _ => continue,
        };
        report.probes.full_checked += 1;
        let bound = match capacity {
            Some(capacity) => capacity,
            None if is_send => usize::MAX,
            None => UNBOUNDED_PERMIT_LIMIT,
        };
        let possible = possible.units(op.inv, op.res);
        if possible + units <= bound {
            report.report(Pattern::FullWithRoom, || {
                format!(
                    "{op:?}: at most {possible} values and permits can have been inside during it, capacity \
                     {capacity:?}"
                )
            });
        } else if possible + units <= bound + 2 {
            report.probes.full_near += 1;
            if possible + units == bound + 1 {
                report.probes.full_tight += 1;
            }
        }
    }
}

/// Pattern 7: a sweep over the provably-inside intervals of values and permits, for the most at once.
fn check_bound(
    values: &HashMap<Value, ValueLife>,
    permits: &HashMap<PermitId, PermitLife>,
    capacity: Option<usize>,
    report: &mut Report,
) {
    let Some(capacity) = capacity else { return };
    // (stamp, +1 from a send's `res` or a reservation's `res`, -1 from a receive's or a release's `inv`);
    // at equal stamps (hand-written histories) the leaving goes first, so only a true overlap counts.
    let mut events: Vec<(u64, i64)> = Vec::new();
    let intervals = values
        .values()
        .filter_map(|life| Some((life.sent?.1, life.first_receive_inv())))
        .chain(
            permits
                .values()
                .map(|life| (life.acquired.1, life.released.map_or(u64::MAX, |r| r.0))),
        );
    for (start, end) in intervals.filter(|(start, end)| start < end) {
        events.push((start, 1));
        events.push((end, -1));
    }
    events.sort_unstable();
    let (mut inside, mut most, mut first_over) = (0i64, 0i64, None);
    for (stamp, step) in events {
        inside += step;
        most = most.max(inside);
        if inside == capacity as i64 && step == 1 {
            report.probes.at_capacity += 1;
        }
        if inside > capacity as i64 && first_over.is_none() {
            first_over = Some(stamp);
        }
    }
    if let Some(stamp) = first_over {
        report.report(Pattern::OverCapacity, || {
            format!(
                "from stamp {stamp}, {most} values and permits (at most) were provably inside at once, capacity \
                 {capacity}"
            )
        });
    }
}

/// Pattern 6.
fn check_close(closes: &[(u64, u64)], history: &[Op], report: &mut Report) {
    let first_close_called = closes.iter().map(|c| c.0).min().unwrap_or(u64::MAX);
    let first_close_done = closes.iter().map(|c| c.1).min().unwrap_or(u64::MAX);
    for op in history {
        let (succeeded, closed) = match &op.call {
            Call::Send { answer, .. } => {
                (*answer == SendAnswer::Sent, *answer == SendAnswer::Closed)
            }
            Call::Reserve { answer, .. } => (
                matches!(answer, ReserveAnswer::Permits(_)),
                *answer == ReserveAnswer::Closed,
            ),
            Call::Recv { answer, .. } => (false, *answer == RecvAnswer::Closed),
            _ => continue,
        };
        if !matches!(op.call, Call::Recv { .. }) && op.inv > first_close_done {
            report.probes.called_after_close += 1;
            if succeeded {
                report.report(Pattern::SentAfterClose, || {
                    format!("{op:?} succeeded, called after close() returned at {first_close_done}")
                });
            }
        }
        if closed {
            report.probes.closed_checked += 1;
            if op.res < first_close_called {
                report.report(Pattern::ClosedBeforeClose, || {
                    format!("{op:?} answered closed before any close() was called ({first_close_called})")
                });
            }
        }
    }
}
