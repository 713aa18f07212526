//! A pipeline: source -> parse -> square -> sink, each stage one or more tasks, joined by bounded channels.
//!
//! Bounded channels make a slow stage slow down the ones before it instead of filling memory, and several
//! tasks can share one stage's receiver, so a stage scales without a dispatcher. Shutdown needs no extra
//! signal past the source: when a stage's last sender is dropped, the next stage drains what is inside and
//! ends, dropping its own senders, so the shutdown travels down the pipeline behind the last value.
//!
//! Run with `cargo run --example pipeline`.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio_mpmc::{Receiver, SendTimeoutError, Sender, channel};

const PARSERS: usize = 3;
const SQUARERS: usize = 2;
const BATCH: usize = 32;
/// How long the source waits on a full channel before it notes a stall (and tries again).
const PATIENCE: Duration = Duration::from_millis(5);

/// What the source put into the pipeline, to check what comes out against.
#[derive(Default)]
struct Produced {
    lines: u64,
    numbers: u64,
    checksum: u64,
    stalls: u64,
}

/// Emits lines until told to stop; every 100th line is garbage for the parse stage to reject.
async fn source(lines: Sender<String>, mut stop: oneshot::Receiver<()>) -> Produced {
    let mut produced = Produced::default();
    for i in 0u64.. {
        let valid = i % 100 != 99;
        let mut line = if valid {
            i.to_string()
        } else {
            "n/a".to_string()
        };
        loop {
            tokio::select! {
                // When the stop wins, the send is dropped unsent: this line never entered the pipeline,
                // like a line left unread on a socket. Nothing inside is lost.
                _ = &mut stop => return produced,
                sent = lines.send_timeout(line, PATIENCE) => match sent {
                    Ok(()) => break,
                    // Downstream is slow. Unlike `send` raced against a `sleep`, the timeout hands the line
                    // back, so it is not lost: note the stall and try again with it.
                    Err(SendTimeoutError::Timeout(back)) => {
                        produced.stalls += 1;
                        line = back;
                    }
                    Err(SendTimeoutError::Closed(_)) => panic!("the parse stage ended before the source"),
                },
            }
        }
        produced.lines += 1;
        if valid {
            produced.numbers += 1;
            produced.checksum += i * i;
        }
    }
    produced
}

/// Parses lines into numbers; returns how many lines it rejected.
async fn parse(lines: Receiver<String>, numbers: Sender<u64>) -> u64 {
    let mut rejected = 0;
    while let Some(line) = lines.recv().await {
        match line.parse() {
            Ok(n) => numbers
                .send(n)
                .await
                .expect("the square stage outlives this one"),
            Err(_) => rejected += 1,
        }
    }
    rejected
}

/// Squares numbers a batch at a time: `recv_many` takes everything already waiting (up to `BATCH`) for one
/// wake-up, and the sink gets one message per batch.
async fn square(numbers: Receiver<u64>, batches: Sender<Vec<u64>>) {
    let mut batch = Vec::with_capacity(BATCH);
    // 0 only once the parse stage is gone and the channel is drained.
    while numbers.recv_many(&mut batch, BATCH).await > 0 {
        let squares = batch.drain(..).map(|n| n * n).collect();
        batches
            .send(squares)
            .await
            .expect("the sink outlives this stage");
    }
}

/// Consumes the batches as a `Stream`, which ends once the channel is closed and drained.
async fn sink(batches: Receiver<Vec<u64>>) -> (u64, u64) {
    let fold = |(count, checksum), batch: Vec<u64>| async move {
        // A slow write (a database, a file): every stage before it slows down to its pace.
        tokio::time::sleep(Duration::from_millis(10)).await;
        (
            count + batch.len() as u64,
            checksum + batch.iter().sum::<u64>(),
        )
    };
    batches.into_stream().fold((0, 0), fold).await
}

#[tokio::main]
async fn main() {
    let (lines_tx, lines_rx) = channel(64);
    let (numbers_tx, numbers_rx) = channel(64);
    let (batches_tx, batches_rx) = channel(4);
    let (stop_tx, stop_rx) = oneshot::channel();

    let source = tokio::spawn(source(lines_tx, stop_rx));
    let mut parsers = JoinSet::new();
    for _ in 0..PARSERS {
        parsers.spawn(parse(lines_rx.clone(), numbers_tx.clone()));
    }
    let mut squarers = JoinSet::new();
    for _ in 0..SQUARERS {
        squarers.spawn(square(numbers_rx.clone(), batches_tx.clone()));
    }
    let sink = tokio::spawn(sink(batches_rx));
    // Only the stages hold handles now. A sender kept here would keep the next stage waiting forever.
    drop((lines_rx, numbers_tx, numbers_rx, batches_tx));

    // In a service this would be `tokio::signal::ctrl_c().await`.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(()).expect("the source runs until stopped");

    let produced = source.await.expect("the source panicked");
    let rejected: u64 = parsers.join_all().await.into_iter().sum();
    squarers.join_all().await;
    let (count, checksum) = sink.await.expect("the sink panicked");
    assert_eq!(produced.lines, count + rejected, "count in == count out");
    assert_eq!(produced.numbers, count, "every valid line came out");
    assert_eq!(
        produced.checksum, checksum,
        "each number came out exactly once"
    );
    println!(
        "{} lines in: {count} squares out, {rejected} rejected; the source stalled {} times and kept its line",
        produced.lines, produced.stalls,
    );
    println!("pipeline: count in == count out, nothing lost at shutdown");
}
