//! With `default-features = false` the queue needs no tokio: it runs under any executor (here `futures`'
//! `block_on` and plain threads). CI runs this file with `cargo test --no-default-features --test without_tokio`.

use std::thread;

use futures::executor::block_on;
use tokio_mpmc::{Queue, channel};

#[test]
fn a_channel_works_under_the_futures_executor_across_threads() {
    let (tx, rx) = channel(2);
    let producers: Vec<_> = (0..3)
        .map(|producer| {
            let tx = tx.clone();
            thread::spawn(move || {
                for seq in 0..100 {
                    block_on(tx.send((producer, seq))).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut last = [None; 3];
    let mut received = 0;
    while let Some((producer, seq)) = block_on(rx.recv()) {
        assert!(
            last[producer] < Some(seq),
            "producer {producer} out of order"
        );
        last[producer] = Some(seq);
        received += 1;
    }
    assert_eq!(received, 300);
    for producer in producers {
        producer.join().unwrap();
    }
}

#[test]
fn blocking_calls_and_their_timeouts_need_no_runtime() {
    let queue = Queue::new(1);
    let producer = queue.clone();
    let sender = thread::spawn(move || producer.blocking_send(7));
    assert_eq!(queue.blocking_receive(), Some(7));
    sender.join().unwrap().unwrap();
    let timeout = std::time::Duration::from_millis(5);
    assert!(queue.blocking_receive_timeout(timeout).is_err());
    queue.close();
    assert_eq!(block_on(queue.receive()), Ok(None));
}
