//! The bounded pool that password hashing runs on.
//!
//! Argon2 takes tens of milliseconds of CPU and 19 MiB of memory per hash. Run on the async
//! workers it stalls every other request; run on an unbounded blocking pool, 150 parallel
//! logins take 150 threads and 150 × 19 MiB that the allocator keeps. So at most `workers`
//! hashes run at once, at most `queue` more wait (each for at most `wait`), and anything
//! beyond is answered "busy" at once instead of piling up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

/// Why a hash did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Every worker is busy and the queue is full, or the wait ran out.
    #[error("password checks are queued to the limit; try again shortly")]
    Busy,
    /// The hashing task panicked.
    #[error("the password check failed")]
    Failed,
}

/// A semaphore of `workers` permits around `spawn_blocking`, with a bounded wait.
#[derive(Debug)]
pub struct HashPool {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    wait: Duration,
}

/// Counts a waiter for as long as it waits (also when its request is cancelled).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl HashPool {
    /// At most `workers` hashes at once (at least one), `queue` waiting, each for at most `wait`.
    pub fn new(workers: usize, queue: usize, wait: Duration) -> HashPool {
        HashPool { permits: Arc::new(Semaphore::new(workers.max(1))), waiting: AtomicUsize::new(0), queue, wait }
    }

    /// One per core: hashing is CPU-bound, so more at once only adds memory and takes the
    /// cores from the async workers.
    pub fn default_workers() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    /// Runs `f` on a blocking thread once a worker is free.
    pub async fn run<T, F>(&self, f: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(PoolError::Busy);
                }
                let _waiting = Waiting(&self.waiting);
                match tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => return Err(PoolError::Busy),
                }
            }
        };
        // The permit goes with the work: a cancelled request does not free a worker that is
        // still hashing.
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|_| PoolError::Failed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_workers_run_and_the_queue_is_bounded() {
        let pool = Arc::new(HashPool::new(2, 3, Duration::from_secs(5)));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    pool.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(100));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        let mut busy = 0;
        for t in tasks {
            if t.await.expect("task") == Err(PoolError::Busy) {
                busy += 1;
            }
        }
        assert!(most.load(Ordering::SeqCst) <= 2, "more than 2 hashes ran at once");
        assert!(busy >= 20 - 2 - 3, "only {busy} of 20 were turned away");
        assert_eq!(pool.waiting.load(Ordering::SeqCst), 0);
        assert_eq!(pool.run(|| 7).await, Ok(7), "the pool works again once idle");
    }

    #[tokio::test]
    async fn a_long_wait_gives_up() {
        let pool = Arc::new(HashPool::new(1, 10, Duration::from_millis(50)));
        let slow = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(|| std::thread::sleep(Duration::from_millis(300))).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(|| ()).await, Err(PoolError::Busy));
        assert_eq!(slow.await.expect("task"), Ok(()));
    }
}
