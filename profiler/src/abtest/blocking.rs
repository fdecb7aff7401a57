//! Synchronous workloads: a closure as a [`Workload`], and the minimal executor that drives
//! the runner for it without an async runtime.

use std::future::{Future, Ready, ready};
use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use super::workload::{RunContext, RunOutcome, Workload};

/// The closure's types, for the compiler only.
type Signature<C, D, E> = fn(&C) -> Result<D, E>;

/// A closure `FnMut(&Config, &RunContext) -> Result<RunOutcome<D>, E>` as a workload; see
/// [`super::AbTest::run_blocking`].
pub struct Blocking<C, D, E, F> {
    run: F,
    types: PhantomData<Signature<C, D, E>>,
}

impl<C, D, E, F> Blocking<C, D, E, F>
where
    F: FnMut(&C, &RunContext<'_>) -> Result<RunOutcome<D>, E>,
{
    /// Wraps `run`, called once per run with the arm's configuration and the run's context.
    pub fn new(run: F) -> Self {
        Blocking {
            run,
            types: PhantomData,
        }
    }
}

impl<C, D, E, F> Workload for Blocking<C, D, E, F>
where
    F: FnMut(&C, &RunContext<'_>) -> Result<RunOutcome<D>, E>,
{
    type Config = C;
    type Detail = D;
    type Error = E;

    #[allow(refining_impl_trait)]
    fn run(&mut self, config: &C, run: &RunContext<'_>) -> Ready<Result<RunOutcome<D>, E>> {
        ready((self.run)(config, run))
    }
}

/// Wakes the thread that waits in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread, parking while it is pending. With a
/// [`Blocking`] workload every poll is ready at once, so this never parks.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A future that is pending once and wakes itself from another thread.
    struct WokenLater(bool);

    impl Future for WokenLater {
        type Output = u32;
        fn poll(mut self: std::pin::Pin<&mut Self>, context: &mut Context<'_>) -> Poll<u32> {
            if self.0 {
                return Poll::Ready(7);
            }
            self.0 = true;
            let waker = context.waker().clone();
            thread::spawn(move || waker.wake());
            Poll::Pending
        }
    }

    #[test]
    fn block_on_waits_for_a_wake_up() {
        assert_eq!(block_on(WokenLater(false)), 7);
        assert_eq!(block_on(async { 1 + 1 }), 2);
    }
}
