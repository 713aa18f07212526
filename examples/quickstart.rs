#[tokio::main]
async fn main() {
    let (tx, rx) = tokio_mpmc::channel(16);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let rx = rx.clone();
            tokio::spawn(async move {
                let mut sum = 0;
                while let Some(n) = rx.recv().await {
                    sum += n;
                }
                sum
            })
        })
        .collect();
    for n in 1..=100 {
        tx.send(n).await.unwrap(); // waits while 16 values are inside: backpressure
    }
    drop(tx); // the last sender: the workers drain the channel, then `recv` answers `None`
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    assert_eq!(total, 5050);
    println!("quickstart: 4 workers received 1..=100, total {total}");
}
