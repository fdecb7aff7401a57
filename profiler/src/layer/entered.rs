//! The spans entered on this thread, innermost last: where a new span's contextual parent
//! is, without asking the registry.
//!
//! Every enter and exit of every span passes through here, so the stack is a fixed array
//! of `Cell`s in a thread-local that has no destructor: reaching it is one address
//! computation, with no lazy registration, borrow flag or allocation. Nesting deeper than
//! the array is still counted; a span opened down there asks the registry instead.

use std::cell::Cell;

use crate::recorder::Recorder;

/// Profiled spans remembered per thread.
const DEPTH: usize = 64;

struct Entered {
    /// Spans of any kind (profiled or not), so that a new root span can skip asking the
    /// registry for its current span.
    any: Cell<u32>,
    /// Profiled spans entered; may exceed [`DEPTH`].
    depth: Cell<usize>,
    /// (recorder id, span id) of the innermost [`DEPTH`] profiled spans.
    stack: [Cell<(u64, u64)>; DEPTH],
}

thread_local! {
    static ENTERED: Entered = const {
        Entered {
            any: Cell::new(0),
            depth: Cell::new(0),
            stack: [const { Cell::new((0, 0)) }; DEPTH],
        }
    };
}

/// Where to look for the contextual parent of a new span on this thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// The innermost profiled span of the recorder entered here.
    Profiled(u64),
    /// Nothing is entered on this thread: the span is a root.
    Nothing,
    /// Only other spans are entered (or too many to remember): ask the registry.
    Other,
}

/// Notes an enter of a span that no profiler records.
#[inline]
pub(crate) fn entered_other() {
    ENTERED.with(|entered| entered.any.set(entered.any.get().saturating_add(1)));
}

/// Notes an exit of a span that no profiler records.
#[inline]
pub(crate) fn exited_other() {
    ENTERED.with(|entered| entered.any.set(entered.any.get().saturating_sub(1)));
}

/// Notes that `recorder`'s span `id` was entered on this thread; returns the thread's
/// [`thread_token`].
#[inline]
pub(crate) fn entered(recorder: &Recorder, id: u64) -> u64 {
    ENTERED.with(|entered| {
        entered.any.set(entered.any.get().saturating_add(1));
        let depth = entered.depth.get();
        if let Some(top) = entered.stack.get(depth) {
            top.set((recorder.id, id));
        }
        entered.depth.set(depth + 1);
        token_of(entered)
    })
}

/// A number that tells this thread from every other live thread: the address of its
/// stack of entered spans. (A thread started after another exited may reuse it.)
#[inline]
pub(crate) fn thread_token() -> u64 {
    ENTERED.with(token_of)
}

#[inline(always)]
fn token_of(entered: &Entered) -> u64 {
    entered as *const Entered as u64
}

/// Notes that `recorder`'s span `id` was exited on this thread; normally the innermost.
#[inline]
pub(crate) fn exited(recorder: &Recorder, id: u64) {
    ENTERED.with(|entered| {
        entered.any.set(entered.any.get().saturating_sub(1));
        let depth = entered.depth.get();
        let innermost = match depth.checked_sub(1) {
            Some(innermost) => innermost,
            None => return,
        };
        let is_innermost = entered
            .stack
            .get(innermost)
            .is_none_or(|top| top.get() == (recorder.id, id));
        if is_innermost {
            entered.depth.set(innermost);
        } else {
            entered.remove((recorder.id, id));
        }
    });
}

/// Where the contextual parent of `recorder`'s new span is.
#[inline]
pub(crate) fn context(recorder: &Recorder) -> Context {
    ENTERED.with(|entered| {
        let depth = entered.depth.get();
        if depth > DEPTH {
            return Context::Other;
        }
        let innermost = entered.stack[..depth]
            .iter()
            .rev()
            .map(Cell::get)
            .find(|(owner, _)| *owner == recorder.id);
        match (innermost, entered.any.get()) {
            (Some((_, id)), _) => Context::Profiled(id),
            (None, 0) => Context::Nothing,
            (None, _) => Context::Other,
        }
    })
}

impl Entered {
    /// Removes a span exited out of order (its guards dropped in another order than they
    /// were made).
    #[cold]
    fn remove(&self, entry: (u64, u64)) {
        let depth = self.depth.get();
        let remembered = &self.stack[..depth.min(DEPTH)];
        match remembered.iter().rposition(|cell| cell.get() == entry) {
            Some(position) => {
                for index in position..remembered.len() - 1 {
                    remembered[index].set(remembered[index + 1].get());
                }
            }
            // Not remembered, so it was one of the spans nested too deep to keep.
            None if depth > DEPTH => {}
            None => return,
        }
        self.depth.set(depth - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::Clock;

    /// Runs `body` on a fresh thread, so that the thread-local starts empty.
    fn on_fresh_thread(body: impl FnOnce(&Recorder) + Send + 'static) {
        std::thread::spawn(move || body(&Recorder::new(Clock::monotonic())))
            .join()
            .unwrap();
    }

    #[test]
    fn the_innermost_profiled_span_is_the_context() {
        on_fresh_thread(|recorder| {
            assert_eq!(context(recorder), Context::Nothing);
            entered_other();
            assert_eq!(context(recorder), Context::Other);
            entered(recorder, 7);
            entered(recorder, 8);
            assert_eq!(context(recorder), Context::Profiled(8));
            exited(recorder, 8);
            assert_eq!(context(recorder), Context::Profiled(7));
            exited(recorder, 7);
            exited_other();
            assert_eq!(context(recorder), Context::Nothing);
        });
    }

    #[test]
    fn spans_of_another_recorder_are_not_a_context() {
        on_fresh_thread(|recorder| {
            let other = Recorder::new(Clock::monotonic());
            entered(recorder, 1);
            entered(&other, 2);
            assert_eq!(context(recorder), Context::Profiled(1));
            assert_eq!(context(&other), Context::Profiled(2));
        });
    }

    #[test]
    fn out_of_order_exits_keep_the_rest() {
        on_fresh_thread(|recorder| {
            for id in 1..=3 {
                entered(recorder, id);
            }
            exited(recorder, 2);
            assert_eq!(context(recorder), Context::Profiled(3));
            exited(recorder, 3);
            assert_eq!(context(recorder), Context::Profiled(1));
        });
    }

    #[test]
    fn nesting_deeper_than_remembered_falls_back_to_the_registry_and_recovers() {
        on_fresh_thread(|recorder| {
            let ids = 1..=(DEPTH as u64 + 3);
            ids.clone().for_each(|id| {
                entered(recorder, id);
            });
            assert_eq!(context(recorder), Context::Other);
            ids.clone()
                .rev()
                .take(3)
                .for_each(|id| exited(recorder, id));
            assert_eq!(context(recorder), Context::Profiled(DEPTH as u64));
            ids.rev().skip(3).for_each(|id| exited(recorder, id));
            assert_eq!(context(recorder), Context::Nothing);
        });
    }
}
