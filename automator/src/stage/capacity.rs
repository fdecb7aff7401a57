//! The mix-generation pool: the site generates at most `capacity` mixes at once (`--capacity K`);
//! a mix requested while every slot is busy waits, first come first served, for a free slot
//! before its generation (the timing model's service time) starts. The ledger records both,
//! so a track's site time splits into queue and service.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many mixes the stage generates at once unless told otherwise: a small site's worker
/// pool (an assumption; the real site's is unknown).
pub const DEFAULT_CAPACITY: usize = 4;

/// The pool of generation slots.
#[derive(Debug, Clone)]
pub(crate) struct MixPool {
    slots: Arc<Semaphore>,
}

/// A held generation slot; dropping it frees the slot for the next mix in the queue.
#[derive(Debug)]
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl MixPool {
    /// A pool of `capacity` slots (at least 1).
    pub(crate) fn new(capacity: usize) -> MixPool {
        MixPool {
            slots: Arc::new(Semaphore::new(capacity.max(1))),
        }
    }

    /// Waits for a free slot. Waiters are served in the order they started waiting (Tokio's
    /// semaphore is fair), which makes the queue FIFO.
    pub(crate) async fn slot(&self) -> Slot {
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("the pool's semaphore is never closed"));
        Slot { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_slot_beyond_capacity_waits_for_one_to_be_freed_in_order() {
        let pool = MixPool::new(2);
        let first = pool.slot().await;
        let _second = pool.slot().await;
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let waiter = |name: &'static str| {
            let (pool, order) = (pool.clone(), Arc::clone(&order));
            tokio::spawn(async move {
                let slot = pool.slot().await;
                order.lock().unwrap().push(name);
                slot
            })
        };
        let third = waiter("third");
        tokio::task::yield_now().await;
        let fourth = waiter("fourth");
        tokio::task::yield_now().await;
        assert!(
            order.lock().unwrap().is_empty(),
            "both wait while the pool is full"
        );
        drop(first);
        let third_slot = third.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["third"]);
        drop(third_slot);
        fourth.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["third", "fourth"]);
    }
}
