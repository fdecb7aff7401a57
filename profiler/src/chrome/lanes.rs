//! Tracks of the trace, so that complete events on one track always nest.
//!
//! Viewers nest the complete events of one track (`tid`) by time, so two spans that overlap
//! without one containing the other must not share a track. Each track keeps the stack of
//! its open spans. A new span goes on its parent's track when the parent is the innermost
//! open span there (the usual synchronous nesting); otherwise (a root, or one of several
//! children running at once, as with `tokio::join!` or spawned tasks) it goes on the lowest
//! free track opened by a span of the same key, or on a new track named after it.
//!
//! Only the innermost span of a track can close: a span on a track is a descendant of every
//! span below it, and `tracing` closes a span only after all its children.
//!
//! Start and end times may be the profiler's, read on each thread before the trace's lock
//! is taken, so a span can be placed after another closed on the same track yet start before
//! that one ended. A track therefore remembers the latest end of a span that left it, and
//! takes a new span only if it starts no earlier.

use std::collections::{BTreeSet, HashMap};

use super::args::Args;

/// A span recorded in the trace and not closed yet.
#[derive(Debug)]
pub(crate) struct OpenSpan {
    pub(crate) id: u64,
    pub(crate) key: u32,
    pub(crate) start_ns: u64,
    /// The times are the profiler's (see [`SpanTimes`](crate::layer::SpanTimes)).
    pub(crate) profiler_times: bool,
    pub(crate) args: Args,
}

struct Track {
    /// Key of the span that opened the track; free tracks are reused by the same key.
    owner: u32,
    stack: Vec<OpenSpan>,
    /// The latest end of a span closed on this track: a new span must not start before it.
    ended_ns: u64,
}

/// Where a new span went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A track that already existed.
    Existing(u32),
    /// A new track, to be named.
    New(u32),
}

impl Placement {
    pub(crate) fn track(self) -> u32 {
        match self {
            Placement::Existing(track) | Placement::New(track) => track,
        }
    }
}

#[derive(Default)]
pub(crate) struct Lanes {
    /// Track `n` is `tracks[n - 1]` (track numbers start at 1).
    tracks: Vec<Track>,
    /// Free tracks by owner key.
    free: HashMap<u32, BTreeSet<u32>>,
}

impl Lanes {
    /// Places `span`, whose nearest recorded ancestor is `parent` (its track and id).
    pub(crate) fn place(&mut self, span: OpenSpan, parent: Option<(u32, u64)>) -> Placement {
        if let Some((track, parent_id)) = parent
            && let Some(lane) = self.track_mut(track)
            && lane.stack.last().is_some_and(|top| top.id == parent_id)
            && lane.ended_ns <= span.start_ns
        {
            lane.stack.push(span);
            return Placement::Existing(track);
        }
        let reusable = self.reusable(span.key, span.start_ns);
        match reusable {
            Some(track) => {
                if let Some(lane) = self.track_mut(track) {
                    lane.stack.push(span);
                }
                Placement::Existing(track)
            }
            None => {
                self.tracks.push(Track {
                    owner: span.key,
                    stack: vec![span],
                    ended_ns: 0,
                });
                Placement::New(u32::try_from(self.tracks.len()).unwrap_or(u32::MAX))
            }
        }
    }

    /// The lowest free track opened by `key` whose spans all ended by `start_ns`, taken
    /// off the free list.
    fn reusable(&mut self, key: u32, start_ns: u64) -> Option<u32> {
        let free = self.free.get_mut(&key)?;
        let tracks = &self.tracks;
        let track = free.iter().copied().find(|&track| {
            usize::try_from(track)
                .ok()
                .and_then(|track| track.checked_sub(1))
                .and_then(|index| tracks.get(index))
                .is_some_and(|lane| lane.ended_ns <= start_ns)
        })?;
        free.remove(&track);
        Some(track)
    }

    /// Takes span `id`, which ended at `end_ns`, off `track` (it is the innermost open span
    /// there).
    pub(crate) fn remove(&mut self, track: u32, id: u64, end_ns: u64) -> Option<OpenSpan> {
        let lane = self.track_mut(track)?;
        let position = lane.stack.iter().rposition(|open| open.id == id)?;
        let span = lane.stack.remove(position);
        lane.ended_ns = lane.ended_ns.max(end_ns);
        if lane.stack.is_empty() {
            let owner = lane.owner;
            self.free.entry(owner).or_default().insert(track);
        }
        Some(span)
    }

    /// The open span `id` on `track`, to record a field on it.
    pub(crate) fn get_mut(&mut self, track: u32, id: u64) -> Option<&mut OpenSpan> {
        let lane = self.track_mut(track)?;
        lane.stack.iter_mut().rev().find(|open| open.id == id)
    }

    /// The innermost open span of `track`.
    #[cfg(test)]
    fn top(&self, track: u32) -> Option<&OpenSpan> {
        let index = usize::try_from(track).ok()?.checked_sub(1)?;
        self.tracks.get(index)?.stack.last()
    }

    /// Every span still open, with its track, outermost first on each track.
    pub(crate) fn take_open(&mut self) -> Vec<(u32, OpenSpan)> {
        let mut open = Vec::new();
        for (index, lane) in self.tracks.iter_mut().enumerate() {
            let track = u32::try_from(index + 1).unwrap_or(u32::MAX);
            open.extend(lane.stack.drain(..).map(|span| (track, span)));
        }
        open
    }

    fn track_mut(&mut self, track: u32) -> Option<&mut Track> {
        let index = usize::try_from(track).ok()?.checked_sub(1)?;
        self.tracks.get_mut(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: u64, key: u32) -> OpenSpan {
        OpenSpan {
            id,
            key,
            start_ns: 0,
            profiler_times: false,
            args: Args::new(),
        }
    }

    #[test]
    fn a_child_of_the_innermost_span_shares_its_track() {
        let mut lanes = Lanes::default();
        assert_eq!(lanes.place(span(1, 0), None), Placement::New(1));
        assert_eq!(
            lanes.place(span(2, 1), Some((1, 1))),
            Placement::Existing(1)
        );
        assert_eq!(
            lanes.place(span(3, 2), Some((1, 2))),
            Placement::Existing(1)
        );
        assert_eq!(lanes.top(1).map(|open| open.id), Some(3));
    }

    #[test]
    fn concurrent_siblings_get_tracks_of_their_own_reused_by_their_key() {
        let mut lanes = Lanes::default();
        lanes.place(span(1, 0), None);
        // Three children open at once: the first nests, the others do not fit.
        assert_eq!(
            lanes.place(span(2, 5), Some((1, 1))),
            Placement::Existing(1)
        );
        assert_eq!(lanes.place(span(3, 5), Some((1, 1))), Placement::New(2));
        assert_eq!(lanes.place(span(4, 5), Some((1, 1))), Placement::New(3));
        assert_eq!(lanes.remove(3, 4, 0).map(|open| open.id), Some(4));
        assert_eq!(lanes.remove(2, 3, 0).map(|open| open.id), Some(3));
        // A root of another key does not take a track named after key 5.
        assert_eq!(lanes.place(span(6, 7), None), Placement::New(4));
        // The next key-5 span that cannot nest takes the lowest free key-5 track.
        assert_eq!(
            lanes.place(span(7, 5), Some((1, 1))),
            Placement::Existing(2)
        );
    }

    fn starting_at(id: u64, key: u32, start_ns: u64) -> OpenSpan {
        OpenSpan {
            start_ns,
            ..span(id, key)
        }
    }

    /// Times read before the trace's lock (the profiler's): a span placed after another
    /// left a track may have started before that one ended, and must then go elsewhere.
    #[test]
    fn a_span_starting_before_a_track_was_left_takes_another_track() {
        let mut lanes = Lanes::default();
        lanes.place(starting_at(1, 0, 0), None);
        assert_eq!(
            lanes.place(starting_at(2, 5, 10), Some((1, 1))),
            Placement::Existing(1)
        );
        lanes.remove(1, 2, 50);
        // A sibling that started at 40 (before its sibling's end at 50) cannot nest there.
        assert_eq!(
            lanes.place(starting_at(3, 5, 40), Some((1, 1))),
            Placement::New(2)
        );
        lanes.remove(2, 3, 80);
        // Nor reuse the free key-5 track that was left at 80.
        assert_eq!(
            lanes.place(starting_at(4, 5, 70), Some((9, 9))),
            Placement::New(3)
        );
        // One that started after both ends takes the parent's track, then the free one.
        assert_eq!(
            lanes.place(starting_at(5, 5, 90), Some((1, 1))),
            Placement::Existing(1)
        );
        assert_eq!(
            lanes.place(starting_at(6, 5, 90), Some((1, 1))),
            Placement::Existing(2)
        );
    }

    #[test]
    fn overlapping_roots_never_share_a_track() {
        let mut lanes = Lanes::default();
        assert_eq!(lanes.place(span(1, 0), None), Placement::New(1));
        assert_eq!(lanes.place(span(2, 0), None), Placement::New(2));
        lanes.remove(1, 1, 0);
        assert_eq!(lanes.place(span(3, 0), None), Placement::Existing(1));
        let open: Vec<(u32, u64)> = lanes
            .take_open()
            .into_iter()
            .map(|(track, open)| (track, open.id))
            .collect();
        assert_eq!(open, [(1, 3), (2, 2)]);
    }
}
