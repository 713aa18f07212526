//! The queues under test, behind one statically dispatched trait so every peer runs the
//! very same driver code (no boxing, no dynamic dispatch on the hot path).

use std::future::Future;

/// The capacity that stands for "unbounded" (every peer's unbounded flavour), on the command
/// line and in CSV files spelt `unbounded`. `usize::MAX` sorts after every bounded capacity and is
/// what `tokio_mpmc::Queue::unbounded().capacity()` reports.
pub const UNBOUNDED: usize = usize::MAX;

/// `"16"`, or `"unbounded"` for [`UNBOUNDED`].
pub fn cap_label(cap: usize) -> String {
    if cap == UNBOUNDED {
        "unbounded".to_string()
    } else {
        cap.to_string()
    }
}

/// Parses a capacity: a number, or `unbounded` (also `inf`, `u`) for [`UNBOUNDED`].
pub fn parse_cap(s: &str) -> Option<usize> {
    match s.trim() {
        "unbounded" | "inf" | "u" => Some(UNBOUNDED),
        n => n.replace('_', "").parse().ok().filter(|&c| c != UNBOUNDED),
    }
}

/// Which implementation a measurement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// `tokio_mpmc::Queue` from this repository (0.3.0).
    Ours,
    /// `tokio_mpmc::channel` from this repository: the same core behind `Sender` / `Receiver`, measured
    /// beside `Queue` so the cost of the channel face (handle counting, disconnection) shows.
    OursChannel,
    /// `async_channel::bounded`.
    AsyncChannel,
    /// `flume::bounded`, driven through `send_async` / `recv_async`.
    Flume,
    /// `kanal::bounded_async`.
    Kanal,
    /// `crossfire::mpmc::bounded_async` (crossfire 3.x).
    Crossfire,
    /// `tokio::sync::mpsc::channel` (single consumer only).
    TokioMpsc,
    /// The published `tokio_mpmc::Queue` 0.2.4.
    Mpmc024,
    /// `crossbeam_queue::ArrayQueue` driven by spinning std threads: no async at all. At
    /// capacity [`UNBOUNDED`] the same reference runs `crossbeam_queue::SegQueue` instead (key
    /// `crossbeam-segqueue` in those rows, see [`Peer::key_at`]).
    Crossbeam,
}

impl Peer {
    /// Every peer, in report order (ours first).
    pub const ALL: [Peer; 9] = [
        Peer::Ours,
        Peer::OursChannel,
        Peer::AsyncChannel,
        Peer::Flume,
        Peer::Kanal,
        Peer::Crossfire,
        Peer::TokioMpsc,
        Peer::Mpmc024,
        Peer::Crossbeam,
    ];

    /// Short machine-readable name, used in CSV files and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Peer::Ours => "ours",
            Peer::OursChannel => "ours-channel",
            Peer::AsyncChannel => "async-channel",
            Peer::Flume => "flume",
            Peer::Kanal => "kanal",
            Peer::Crossfire => "crossfire",
            Peer::TokioMpsc => "tokio-mpsc",
            Peer::Mpmc024 => "tokio-mpmc-0.2.4",
            Peer::Crossbeam => "crossbeam-arrayqueue",
        }
    }

    /// The key of what runs at capacity `cap`: [`Peer::key`], except `crossbeam-segqueue` for
    /// the crossbeam reference at [`UNBOUNDED`].
    pub fn key_at(self, cap: usize) -> &'static str {
        match self {
            Peer::Crossbeam if cap == UNBOUNDED => "crossbeam-segqueue",
            p => p.key(),
        }
    }

    /// Parses [`Peer::key`] (and `crossbeam-segqueue`, see [`Peer::key_at`]).
    pub fn from_key(key: &str) -> Option<Peer> {
        if key == "crossbeam-segqueue" {
            return Some(Peer::Crossbeam);
        }
        Peer::ALL.into_iter().find(|p| p.key() == key)
    }

    /// Whether the peer can serve `consumers` consumers.
    pub fn supports_consumers(self, consumers: usize) -> bool {
        self != Peer::TokioMpsc || consumers == 1
    }

    /// Whether the peer has a flavour of capacity `cap` ([`UNBOUNDED`]: an unbounded one;
    /// tokio-mpmc 0.2.4 has none).
    pub fn supports_cap(self, cap: usize) -> bool {
        cap != UNBOUNDED || self != Peer::Mpmc024
    }

    /// Whether the peer runs on the tokio runtime (false: plain std threads).
    pub fn is_async(self) -> bool {
        self != Peer::Crossbeam
    }
}

/// A bounded async queue of `u64`, as the benchmark drivers see it.
///
/// `Tx`/`Rx` are what producer/consumer tasks hold; `Ctl` is what the driver keeps to end the
/// run once every producer has finished (`close()` for the queues, nothing for the channels,
/// which disconnect when the last sender is dropped).
pub trait AsyncPeer: 'static {
    /// Producer handle.
    type Tx: Clone + Send + 'static;
    /// Consumer handle.
    type Rx: Send + 'static;
    /// Kept by the driver to close the queue after the producers finished.
    type Ctl: Send + Sync + 'static;
    /// Which peer this is.
    const PEER: Peer;

    /// A queue of capacity `cap` ([`UNBOUNDED`]: the peer's unbounded flavour, where `Tx`/`Rx`
    /// allow it; otherwise a separate type implements it, see [`TokioMpscUnbounded`] and
    /// [`CrossfireUnbounded`]), and `consumers` consumer handles on it.
    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl);
    /// Sends `v`, waiting while full. False when the queue is closed.
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = bool> + Send + '_;
    /// Receives, waiting while empty. None once closed (or disconnected) and drained.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
    /// Ends the run after every producer finished (and dropped its `Tx`).
    fn close(ctl: &Self::Ctl);
    /// Whether `close` may lose a wakeup, so the driver must repeat it on a timer.
    const NEEDS_RECLOSE: bool = false;
}

/// This repository's queue.
pub struct Ours;
impl AsyncPeer for Ours {
    type Tx = tokio_mpmc::Queue<u64>;
    type Rx = tokio_mpmc::Queue<u64>;
    type Ctl = tokio_mpmc::Queue<u64>;
    const PEER: Peer = Peer::Ours;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        let q = if cap == UNBOUNDED {
            tokio_mpmc::Queue::unbounded()
        } else {
            tokio_mpmc::Queue::new(cap)
        };
        (q.clone(), vec![q.clone(); consumers], q)
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.receive().await.ok().flatten()
    }
    fn close(ctl: &Self::Ctl) {
        // Takes effect at the call; whether this call was the first one does not matter here.
        let _ = ctl.close().is_first();
    }
}

/// This repository's channel: `Sender` / `Receiver` over the same core as [`Ours`].
pub struct OursChannel;
impl AsyncPeer for OursChannel {
    type Tx = tokio_mpmc::Sender<u64>;
    type Rx = tokio_mpmc::Receiver<u64>;
    type Ctl = ();
    const PEER: Peer = Peer::OursChannel;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        let (tx, rx) = if cap == UNBOUNDED {
            tokio_mpmc::unbounded_channel()
        } else {
            tokio_mpmc::channel(cap)
        };
        (tx, vec![rx; consumers], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
    fn close(_: &Self::Ctl) {}
}

/// async-channel.
pub struct AsyncChannel;
impl AsyncPeer for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    type Ctl = ();
    const PEER: Peer = Peer::AsyncChannel;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        let (tx, rx) = if cap == UNBOUNDED {
            async_channel::unbounded()
        } else {
            async_channel::bounded(cap)
        };
        (tx, vec![rx; consumers], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn close(_: &Self::Ctl) {}
}

/// flume, async API.
pub struct Flume;
impl AsyncPeer for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    type Ctl = ();
    const PEER: Peer = Peer::Flume;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        let (tx, rx) = if cap == UNBOUNDED {
            flume::unbounded()
        } else {
            flume::bounded(cap)
        };
        (tx, vec![rx; consumers], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send_async(v).await.is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
    fn close(_: &Self::Ctl) {}
}

/// kanal, async API. kanal's capacity 0 is a rendezvous channel; the benchmark never uses 0,
/// so the same capacity as everyone else means the same buffering.
pub struct Kanal;
impl AsyncPeer for Kanal {
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    type Ctl = ();
    const PEER: Peer = Peer::Kanal;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        assert!(cap > 0, "kanal capacity 0 is a rendezvous channel");
        let (tx, rx) = if cap == UNBOUNDED {
            kanal::unbounded_async()
        } else {
            kanal::bounded_async(cap)
        };
        (tx, vec![rx; consumers], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn close(_: &Self::Ctl) {}
}

/// crossfire 3.x, bounded MPMC with async sender and receiver (`MAsyncTx` / `MAsyncRx`, both
/// `Clone`). Capacity 1 is a true capacity of 1: crossfire switches to its `One` flavor (two
/// slots so a writer and a reader can work at once, but at most one message buffered); only 0
/// would be rounded up to 1, and the benchmark never uses 0. Below capacity 10 crossfire spins
/// (up to 63 `spin_loop` hints) on a full or empty channel before registering the waker, which
/// shows in its capacity-1 figures (on `current_thread`, a cliff between capacity 9 and 10).
pub struct Crossfire;
impl AsyncPeer for Crossfire {
    type Tx = crossfire::MAsyncTx<crossfire::mpmc::Array<u64>>;
    type Rx = crossfire::MAsyncRx<crossfire::mpmc::Array<u64>>;
    type Ctl = ();
    const PEER: Peer = Peer::Crossfire;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        assert!(cap > 0, "crossfire rounds capacity 0 up to 1");
        assert!(
            cap != UNBOUNDED,
            "crossfire unbounded is CrossfireUnbounded"
        );
        // What crossfire's docs ask applications to call once at start-up: switches its backoff
        // from spinning to yielding on a single-core machine, a no-op otherwise (and after the
        // first call).
        crossfire::detect_backoff_cfg();
        let (tx, rx) = crossfire::mpmc::bounded_async(cap);
        (tx, vec![rx; consumers], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn close(_: &Self::Ctl) {}
}

/// tokio's bounded mpsc (one consumer only).
pub struct TokioMpsc;
impl AsyncPeer for TokioMpsc {
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    type Ctl = ();
    const PEER: Peer = Peer::TokioMpsc;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        assert_eq!(consumers, 1, "tokio mpsc has exactly one consumer");
        assert!(
            cap != UNBOUNDED,
            "tokio unbounded mpsc is TokioMpscUnbounded"
        );
        let (tx, rx) = tokio::sync::mpsc::channel(cap);
        (tx, vec![rx], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    #[inline]
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
    fn close(_: &Self::Ctl) {}
}

/// crossfire 3.x unbounded MPMC: `crossfire::mpmc::unbounded_async`, whose sender is the
/// blocking `MTx` (an unbounded send never blocks, so it is called directly, as crossfire's docs
/// do) and whose receiver is `MAsyncRx`.
pub struct CrossfireUnbounded;
impl AsyncPeer for CrossfireUnbounded {
    type Tx = crossfire::MTx<crossfire::mpmc::List<u64>>;
    type Rx = crossfire::MAsyncRx<crossfire::mpmc::List<u64>>;
    type Ctl = ();
    const PEER: Peer = Peer::Crossfire;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        assert_eq!(cap, UNBOUNDED, "CrossfireUnbounded is unbounded only");
        crossfire::detect_backoff_cfg();
        let (tx, rx) = crossfire::mpmc::unbounded_async();
        (tx, vec![rx; consumers], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn close(_: &Self::Ctl) {}
}

/// tokio's unbounded mpsc (one consumer only); `UnboundedSender::send` is synchronous.
pub struct TokioMpscUnbounded;
impl AsyncPeer for TokioMpscUnbounded {
    type Tx = tokio::sync::mpsc::UnboundedSender<u64>;
    type Rx = tokio::sync::mpsc::UnboundedReceiver<u64>;
    type Ctl = ();
    const PEER: Peer = Peer::TokioMpsc;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        assert_eq!(cap, UNBOUNDED, "TokioMpscUnbounded is unbounded only");
        assert_eq!(consumers, 1, "tokio mpsc has exactly one consumer");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (tx, vec![rx], ())
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).is_ok()
    }
    #[inline]
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
    fn close(_: &Self::Ctl) {}
}

/// The published tokio-mpmc 0.2.4 `Queue` (send / receive / close).
///
/// Its `close()` uses `Notify::notify_waiters`, which stores no permit: a consumer that saw
/// "not closed" and is about to wait misses it and hangs. The driver re-closes on a timer and
/// counts how often that was needed. Its `receive` may also return `Err(QueueClosed)` while
/// another consumer is between popping and decrementing the counter; that is retried.
pub struct Mpmc024;
impl AsyncPeer for Mpmc024 {
    type Tx = tokio_mpmc_024::Queue<u64>;
    type Rx = tokio_mpmc_024::Queue<u64>;
    type Ctl = tokio_mpmc_024::Queue<u64>;
    const PEER: Peer = Peer::Mpmc024;
    const NEEDS_RECLOSE: bool = true;

    fn make(cap: usize, consumers: usize) -> (Self::Tx, Vec<Self::Rx>, Self::Ctl) {
        assert!(
            cap != UNBOUNDED,
            "tokio-mpmc 0.2.4 has no unbounded flavour"
        );
        let q = tokio_mpmc_024::Queue::new(cap);
        (q.clone(), vec![q.clone(); consumers], q)
    }
    #[inline]
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    #[inline]
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        loop {
            match rx.receive().await {
                Ok(v) => return v,
                Err(_) => tokio::task::yield_now().await,
            }
        }
    }
    fn close(ctl: &Self::Ctl) {
        ctl.close();
    }
}
