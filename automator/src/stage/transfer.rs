//! The throttled download body: sends a mix file in chunks spread over the planned transfer
//! time (so Chromium's `.crdownload` file exists for a while), cuts it halfway for the
//! `cut_download` fault, stops sending halfway (connection left open) for `stall_download`,
//! and records progress and outcome in the ledger.

use std::time::Duration;

use axum::body::{Body, Bytes};
use futures_util::stream;
use tokio::sync::watch;
use tokio::time::Instant;

use super::ledger::{Ledger, TransferId, TransferOutcome};
use super::mix::DownloadPlan;
use super::mp3::MixFile;

/// The file is sent in this many chunks: the first at once, the last at the planned end.
const CHUNKS: usize = 16;

/// A streaming body for one download.
pub(crate) fn throttled_body(
    plan: DownloadPlan,
    ledger: Ledger,
    shutdown: watch::Receiver<bool>,
) -> Body {
    let sender = ChunkSender {
        file: plan.file,
        planned: plan.planned,
        cut_after: plan.cut.then_some(CHUNKS / 2),
        stall_after: plan.stall.then_some(CHUNKS / 2),
        start: Instant::now(),
        next: 0,
        record: Recorder {
            ledger,
            id: plan.transfer,
            finished: false,
        },
        shutdown,
    };
    Body::from_stream(stream::unfold(sender, |mut sender| async move {
        let item = sender.next_chunk().await?;
        Some((item, sender))
    }))
}

struct ChunkSender {
    file: MixFile,
    planned: Duration,
    cut_after: Option<usize>,
    stall_after: Option<usize>,
    start: Instant,
    next: usize,
    record: Recorder,
    shutdown: watch::Receiver<bool>,
}

impl ChunkSender {
    /// The next chunk, an error that aborts the connection (cut or shutdown), or `None` at the end.
    async fn next_chunk(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.next >= CHUNKS {
            return None;
        }
        if self.cut_after == Some(self.next) {
            self.next = CHUNKS;
            self.record.finish(TransferOutcome::Cut);
            return Some(Err(std::io::Error::other(
                "download cut by the stage (fault cut_download)",
            )));
        }
        let due = if self.stall_after == Some(self.next) {
            // Nothing more until the client gives up (the body is dropped) or the stage stops.
            None
        } else {
            Some(self.start + self.planned.mul_f64(self.next as f64 / (CHUNKS - 1) as f64))
        };
        tokio::select! {
            () = sleep_until(due) => {}
            _ = self.shutdown.wait_for(|stop| *stop) => {
                self.next = CHUNKS;
                self.record.finish(TransferOutcome::Abandoned);
                return Some(Err(std::io::Error::other("stage shutting down")));
            }
        }
        let range = chunk_range(self.file.len(), self.next);
        self.next += 1;
        self.record.progress(range.len() as u64);
        if self.next == CHUNKS {
            // The body may be dropped right after its last byte, without being polled again.
            self.record.finish(TransferOutcome::Complete);
        }
        Some(Ok(Bytes::from(self.file.bytes(range))))
    }
}

/// Sleeps until `due`, or forever when `None`.
async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// Byte range of chunk `index` when a file of `len` bytes is split into [`CHUNKS`] near-equal parts.
fn chunk_range(len: usize, index: usize) -> std::ops::Range<usize> {
    (len * index / CHUNKS)..(len * (index + 1) / CHUNKS)
}

/// Writes progress to the ledger; a body dropped before its end (the client went away) is
/// recorded as abandoned.
struct Recorder {
    ledger: Ledger,
    id: Option<TransferId>,
    finished: bool,
}

impl Recorder {
    fn progress(&self, bytes: u64) {
        if let Some(id) = self.id {
            self.ledger.transfer_progress(id, bytes);
        }
    }

    fn finish(&mut self, outcome: TransferOutcome) {
        if !self.finished {
            self.finished = true;
            if let Some(id) = self.id {
                self.ledger.transfer_finished(id, outcome);
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.finish(TransferOutcome::Abandoned);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_file_exactly_once() {
        for len in [0, 1, 15, 16, 17, 16_523] {
            let mut next = 0;
            for index in 0..CHUNKS {
                let range = chunk_range(len, index);
                assert_eq!(range.start, next);
                next = range.end;
            }
            assert_eq!(next, len);
        }
    }
}
