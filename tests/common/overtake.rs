//! Overtaking a waiting future by hand (I8): the waiter is woken, and a running task takes what it was woken
//! for before it runs again.

use std::future::Future;

use tokio_mpmc::Queue;
use tokio_test::task::Spawn;

/// The overtaking bound the README states.
pub const BOUND: usize = 4;

/// Overtakes the waiting receive `times` times: each value sent wakes it, and a running task takes the value
/// before it runs again (it then waits at its old place).
pub fn overtake_receive<F: Future>(queue: &Queue<usize>, waiting: &mut Spawn<F>, times: usize) {
    for value in 0..times {
        queue.try_send(value).unwrap();
        assert!(waiting.is_woken());
        assert_eq!(queue.try_receive(), Ok(value));
        assert!(waiting.poll().is_pending());
    }
}

/// Overtakes the waiting send `times` times on a full capacity-1 queue holding 0: each receive wakes it, and a
/// running task fills the slot before it runs again. The queue holds `times` afterwards.
pub fn overtake_send<F: Future>(queue: &Queue<usize>, waiting: &mut Spawn<F>, times: usize) {
    for value in 0..times {
        assert_eq!(queue.try_receive(), Ok(value));
        assert!(waiting.is_woken());
        queue.try_send(value + 1).unwrap();
        assert!(waiting.poll().is_pending());
    }
}
