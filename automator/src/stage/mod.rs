//! The stage: an embedded, faithful replica of the karaoke backing-track site, with the same DOM
//! contract as the real one, a seeded timing model, injectable faults and a ledger of ground
//! truth, so the automator runs offline and every measurement can be checked.
//!
//! ```no_run
//! # async fn demo() -> Result<(), automator::stage::StageError> {
//! use automator::stage::{Stage, StageConfig};
//! let stage = Stage::start(StageConfig { time_scale: 0.05, ..StageConfig::default() }).await?;
//! println!("serving {}", stage.url());
//! let ledger = stage.ledger();
//! // … drive the site …
//! for record in ledger.records() {
//!     println!("{} #{}: intrinsic {:?}", record.song, record.track, record.intrinsic());
//! }
//! stage.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Endpoints (HTML pages answer after the page think time):
//! - `GET /` home ("Log in" or "My Account"); `GET|POST /login` (`frm_login`, `frm_password`,
//!   `sbm`, optional `next`; success: session cookie + 302 to `next` or `/my/index.html`;
//!   failure: the form again with an error); `GET /logout`; `GET /my/index.html` (302 to
//!   `/login?next=…` without a valid session).
//! - `GET /custombackingtrack/<artist>/<song>.html` song pages (302 to login when logged out).
//! - Page script API: `POST /api/solo` `{song, track}` → 202; `GET /api/solo-state?song=&since=`
//!   long-poll → `{version, solo}`; `POST /api/mix` `{song, key, precount}` → 202
//!   `{id, status, file_name, url}` (403 if not purchased; 429 with `Retry-After` over the
//!   `rate_limit`; generation waits for one of `capacity` slots); `GET /api/mix/<id>` long-poll;
//!   `GET /download/<id>` the MP3 attachment. API calls answer 401 without a session.
//! - Admin (no session, no faults): `GET /__stage/ledger` ([`LedgerSnapshot`] as JSON),
//!   `DELETE /__stage/ledger` (clear), `GET /__stage/info` (scale, seed, faults, catalog).

mod capacity;
mod catalog;
mod faults;
mod ledger;
mod mix;
mod mp3;
mod pages;
mod rate_limit;
mod seeded;
mod server;
mod session;
mod standalone;
mod timing;
mod transfer;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use capacity::DEFAULT_CAPACITY;
pub use catalog::{
    CatalogSong, DEMO_PASSWORD, DEMO_USERNAME, NameStyle, SIMPLE_TRACK_LIMIT, demo_catalog,
    find_song,
};
pub use faults::{FaultKind, FaultSpec, FaultSpecError};
pub use ledger::{
    FaultEvent, Ledger, LedgerSnapshot, MixRecord, MixStatus, PageRecord, RateLimited, ServedMix,
    TrackRecord, TransferOutcome, TransferRecord,
};
pub use mix::{MAX_KEY_SHIFT, full_mix_file_name, mix_file_name, song_mix_file_name};
pub use mp3::{MixTag, Mp3Error, read_mix_tag};
pub use rate_limit::{RateLimit, RateLimitError};
pub use standalone::{StageArgs, parse_capacity, run_standalone};
pub use timing::TimingModel;

/// How to run the stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    /// Multiplies every stage delay (1.0 = realistic, 0.05 = 20x faster). Finite and ≥ 0.
    pub time_scale: f64,
    /// Which faults to inject (none by default).
    pub faults: FaultSpec,
    /// Seed of every timing and fault draw.
    pub seed: u64,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Sessions expire this long after login (real time, not scaled); `None` = never.
    pub session_ttl: Option<Duration>,
    /// Mixes generated at once; more wait in a FIFO queue (≥ 1; 0 is taken as 1).
    pub capacity: usize,
    /// Mix requests the account may make per period (scaled by `time_scale`); more are
    /// answered 429 with `Retry-After`. `None` = no limit.
    pub rate_limit: Option<RateLimit>,
}

impl Default for StageConfig {
    fn default() -> StageConfig {
        StageConfig {
            time_scale: 1.0,
            faults: FaultSpec::none(),
            seed: 0,
            port: 0,
            session_ttl: Some(Duration::from_secs(3600)),
            capacity: DEFAULT_CAPACITY,
            rate_limit: None,
        }
    }
}

/// Why the stage could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The time scale is negative, NaN or infinite.
    #[error("stage time scale {value} is invalid: use a finite number ≥ 0, e.g. 1.0 or 0.05")]
    InvalidTimeScale { value: f64 },
    /// The port could not be bound.
    #[error(
        "stage cannot listen on {addr}: {source} (pick another --port, or 0 for any free port)"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("stage server failed: {source}")]
    Serve { source: std::io::Error },
}

/// A running stage. Dropping it stops the server too; [`Stage::shutdown`] also waits for it.
#[derive(Debug)]
pub struct Stage {
    url: String,
    addr: SocketAddr,
    ledger: Ledger,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// How long [`Stage::shutdown`] waits for in-flight requests before abandoning them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

impl Stage {
    /// Starts the stage on `127.0.0.1:config.port` (must be called inside a Tokio runtime).
    pub async fn start(config: StageConfig) -> Result<Stage, StageError> {
        if !config.time_scale.is_finite() || config.time_scale < 0.0 {
            return Err(StageError::InvalidTimeScale {
                value: config.time_scale,
            });
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StageError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StageError::Bind { addr, source })?;
        let ledger = Ledger::new(Instant::now());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let site = server::Site::new(&config, ledger.clone(), shutdown_rx.clone());
        let server = tokio::spawn(server::serve(listener, site, shutdown_rx));
        Ok(Stage {
            url: format!("http://{addr}"),
            addr,
            ledger,
            shutdown,
            server: Some(server),
        })
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Handle to the ledger (cheap to clone, stays readable after shutdown).
    pub fn ledger(&self) -> Ledger {
        self.ledger.clone()
    }

    /// Stops accepting requests, ends long-polls and downloads in flight, and waits (briefly)
    /// for the server to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }

    /// Serves until the server stops on its own (it only does on error); used by standalone mode
    /// together with a Ctrl-C race.
    pub(crate) async fn wait(&mut self) -> Result<(), StageError> {
        let Some(server) = self.server.as_mut() else {
            return Ok(());
        };
        let result = server.await;
        self.server = None;
        match result {
            Ok(served) => served.map_err(|source| StageError::Serve { source }),
            Err(join) => Err(StageError::Serve {
                source: std::io::Error::other(join),
            }),
        }
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
