//! A scaling study of a workload that is not a browser: N client threads share a queue of
//! 16 requests to a server pool that serves two at a time (40 ms each); the rest wait for a
//! free server, and that wait is the site's queue time. The library's study runs 1, 2, 4 and
//! 8 clients, one warm-up and four repeats each in rotated order (about 8 s), and finds the
//! knee at 2 with the site (the pool's queue) as the limit. On a machine busy with other
//! work the run times scatter, the intervals widen, and the study may say that a step's
//! gain is not established rather than guess.
//!
//! `cargo run -p examples --bin scaling_pool -- [--out DIR]`
//!
//! Prints the answer and the table; with `--out DIR` also writes `DIR/scaling_pool.json`,
//! `.txt` and `.html`. Bad arguments: one line, exit 2.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use profiler::html::RunContext;
use profiler::scaling::{ScalingRun, ScalingStudy};

/// Servers in the pool: requests beyond this many wait.
const CAPACITY: usize = 2;
const SERVICE: Duration = Duration::from_millis(40);
const REQUESTS: usize = 16;

/// A pool of `CAPACITY` servers: `serve` waits for a free one, holds it for `SERVICE`, and
/// returns how long it waited.
struct ServerPool {
    free: Mutex<usize>,
    freed: Condvar,
}

impl ServerPool {
    fn serve(&self) -> Duration {
        let asked = Instant::now();
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *free -= 1;
        drop(free);
        let waited = asked.elapsed();
        std::thread::sleep(SERVICE);
        *self
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) += 1;
        self.freed.notify_one();
        waited
    }
}

/// One run: `clients` threads work through `REQUESTS` requests; each request's latency
/// (wait + service) and the summed wait are reported.
fn run(clients: usize) -> Result<ScalingRun, Infallible> {
    let pool = Arc::new(ServerPool {
        free: Mutex::new(CAPACITY),
        freed: Condvar::new(),
    });
    let queue = Arc::new(Mutex::new((0..REQUESTS).collect::<VecDeque<_>>()));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (pool, queue) = (Arc::clone(&pool), Arc::clone(&queue));
            std::thread::spawn(move || {
                let mut done = Vec::new();
                loop {
                    let next = queue
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .pop_front();
                    if next.is_none() {
                        return done;
                    }
                    let began = Instant::now();
                    let waited = pool.serve();
                    done.push((began.elapsed(), waited));
                }
            })
        })
        .collect();
    let finished: Vec<(Duration, Duration)> = workers
        .into_iter()
        .flat_map(|worker| worker.join().unwrap_or_default())
        .collect();
    let wall = started.elapsed();
    let queued: f64 = finished
        .iter()
        .map(|(_, waited)| waited.as_secs_f64())
        .sum();
    Ok(ScalingRun::new(wall, finished.len() as u64)
        .latencies(finished.iter().map(|(latency, _)| *latency))
        .site(queued, 0))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--out", Some(dir)) => out = Some(PathBuf::from(dir)),
            _ => {
                eprintln!(
                    "scaling_pool: unexpected argument {arg:?}; usage: scaling_pool [--out DIR]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let study = ScalingStudy::new([1, 2, 4, 8])
        .repeats(4)
        .warmup(1)
        .unit("request");
    let report = match study.run(run) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("scaling_pool: {error}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", report.render_text());
    if let Some(dir) = out {
        let context = RunContext::default().target(format!(
            "in-process server pool, capacity {CAPACITY}, {} ms per request",
            SERVICE.as_millis()
        ));
        match report.write_reports(&dir, "scaling_pool", &context) {
            Ok(paths) => {
                for path in paths {
                    println!("wrote {}", path.display());
                }
            }
            Err(error) => {
                eprintln!("scaling_pool: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
