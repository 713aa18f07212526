//! A connection pool from one MPMC channel: each pool task owns one TCP connection and takes the next request
//! from the shared channel, so whichever connection is free serves it. No lock around a connection, no
//! dispatcher; each request carries a `oneshot` sender for its reply.
//!
//! The example starts its own server on 127.0.0.1 (it squares the number on each line), and everything
//! shuts down by dropping handles: the callers' senders, then the pool's connections, then the server.
//!
//! Run with `cargo run --example connection_pool`.

// tokio leaves its `net` module out of a `--cfg loom` build, and `cargo test` builds the examples in that build
// too: there this example is an empty program.
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() -> std::io::Result<()> {
    pool::main()
}

#[cfg(not(loom))]
mod pool {
    use std::io;
    use std::net::SocketAddr;

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::oneshot;
    use tokio::task::JoinSet;
    use tokio_mpmc::{Receiver, channel};

    const CONNECTIONS: usize = 4;
    const CALLERS: u64 = 16;
    const REQUESTS_PER_CALLER: u64 = 50;

    /// The reply travels on its own oneshot, so no map of pending requests is shared between tasks.
    struct Request {
        n: u64,
        reply: oneshot::Sender<io::Result<u64>>,
    }

    fn invalid(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, error)
    }

    /// A toy server: squares the number on each line. It serves `connections` connections, then ends once
    /// they have all hung up; returns how many lines it answered.
    async fn serve(listener: TcpListener, connections: usize) -> io::Result<u64> {
        let mut handlers = JoinSet::new();
        for _ in 0..connections {
            let (socket, _) = listener.accept().await?;
            handlers.spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let mut answered = 0;
                while let Some(line) = lines.next_line().await? {
                    let n: u64 = line.parse().map_err(invalid)?;
                    write.write_all(format!("{}\n", n * n).as_bytes()).await?;
                    answered += 1;
                }
                io::Result::Ok(answered)
            });
        }
        handlers.join_all().await.into_iter().sum()
    }

    /// One connection, owned by one task: it needs `&mut`, which is why it is not shared.
    struct Connection {
        lines: Lines<BufReader<OwnedReadHalf>>,
        write: OwnedWriteHalf,
    }

    impl Connection {
        async fn square(&mut self, n: u64) -> io::Result<u64> {
            self.write.write_all(format!("{n}\n").as_bytes()).await?;
            let line = self.lines.next_line().await?;
            line.ok_or_else(|| invalid("server hung up"))?
                .parse()
                .map_err(invalid)
        }
    }

    /// A pool task: takes requests until every caller is gone and the channel is drained, then drops its
    /// connection (which tells the server it is done). Returns how many requests it served.
    async fn pool_task(addr: SocketAddr, requests: Receiver<Request>) -> io::Result<u64> {
        let (read, write) = TcpStream::connect(addr).await?.into_split();
        let mut connection = Connection {
            lines: BufReader::new(read).lines(),
            write,
        };
        let mut served = 0;
        while let Some(Request { n, reply }) = requests.recv().await {
            let answer = connection.square(n).await;
            let broken = answer.is_err();
            // The caller may have stopped waiting; that is its choice, not an error here.
            let _ = reply.send(answer);
            served += 1;
            if broken {
                // A real pool would reconnect. If every pool task ended, the last Receiver would be dropped and
                // callers would get their requests back from `send` instead of waiting forever.
                break;
            }
        }
        Ok(served)
    }

    #[tokio::main]
    pub(super) async fn main() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(serve(listener, CONNECTIONS));

        // Capacity bounds the requests waiting for a connection: beyond it, callers wait in `send` instead of
        // piling up memory (backpressure).
        let (tx, rx) = channel::<Request>(2 * CONNECTIONS);
        let mut pool = JoinSet::new();
        for _ in 0..CONNECTIONS {
            pool.spawn(pool_task(addr, rx.clone()));
        }
        drop(rx);

        let mut callers = JoinSet::new();
        for c in 0..CALLERS {
            let tx = tx.clone();
            callers.spawn(async move {
                for n in c * REQUESTS_PER_CALLER..(c + 1) * REQUESTS_PER_CALLER {
                    let (reply, answer) = oneshot::channel();
                    let request = Request { n, reply };
                    tx.send(request)
                        .await
                        .map_err(|_| io::Error::other("every connection is gone"))?;
                    let squared = answer
                        .await
                        .map_err(|_| io::Error::other("request dropped"))??;
                    assert_eq!(squared, n * n, "the reply belongs to this request");
                }
                io::Result::Ok(REQUESTS_PER_CALLER)
            });
        }
        // Callers hold the only senders now: when the last one finishes, the pool tasks see `None`.
        drop(tx);

        let answered: u64 = callers
            .join_all()
            .await
            .into_iter()
            .sum::<io::Result<u64>>()?;
        let per_connection = pool
            .join_all()
            .await
            .into_iter()
            .collect::<io::Result<Vec<u64>>>()?;
        let served_by_server = server.await.expect("the server task panicked")?;
        let total = CALLERS * REQUESTS_PER_CALLER;
        assert_eq!(answered, total, "every caller got every answer");
        assert_eq!(
            per_connection.iter().sum::<u64>(),
            total,
            "every request served once"
        );
        assert_eq!(served_by_server, total, "the server saw every request");
        println!("requests served per connection: {per_connection:?}");
        println!(
            "connection_pool: {total} requests answered over {CONNECTIONS} connections, server shut down cleanly"
        );
        Ok(())
    }
}
