//! The layer's overhead targets, checked as ratios measured side by side.
//!
//! `cargo bench -p profiler --bench overhead_ratio`
//!
//! Absolute nanoseconds drift with whatever else the machine does, so a ratio taken from
//! two separate measurements is mostly noise. Here every subject runs one batch of spans
//! per round, in an order that rotates between rounds, and each ratio is the median over
//! rounds of the two subjects' times *in the same round*. Targets: the profiler costs at
//! most 1.25x the reference (registry + no-op layer + two clock reads) and less than every
//! peer layer; two threads recording at once cost at most 1.5x one thread per span.
//! Exits with status 1 when a target is missed.
//!
//! The two-thread check runs each subject in a child process that installs it as the
//! global default, as applications do: a scoped default (`with_default`) makes every span
//! clone and drop one shared `Arc`, and that cache line bouncing between the cores would
//! be measured instead of the layer.

mod shared;

use std::process::Command;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use tracing::Dispatch;

use shared::{one_span, subjects, within};

const ROUNDS: usize = 100;
const SPANS_PER_BATCH: u64 = 50_000;
const REFERENCE: &str = "reference_noop_two_clock_reads";
const PEERS: [&str; 2] = ["tracing_timing", "tracing_chrome_sink"];
/// The argument that makes this binary a child measuring one subject on 1 and 2 threads.
const SCALING_CHILD: &str = "--scaling-child";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|arg| arg == SCALING_CHILD) {
        return scaling_child(&args[position + 1]);
    }
    let subjects = subjects();
    let rounds = Rounds::measure(subjects.len(), |index| {
        let (_, dispatch) = &subjects[index];
        within(dispatch, time_batch)
    });
    let names: Vec<&str> = subjects.iter().map(|(name, _)| *name).collect();
    println!("{:<32} {:>10} {:>14}", "subject", "ns/span", "vs reference");
    let reference = position(&names, REFERENCE);
    for (index, name) in names.iter().enumerate() {
        println!(
            "{name:<32} {:>10.1} {:>13.2}x",
            median(rounds.times[index].clone()),
            rounds.ratio(index, reference)
        );
    }
    println!("({ROUNDS} rounds of {SPANS_PER_BATCH} spans each; medians over rounds)\n");

    let mut checks = Checks::default();
    let profiler = position(&names, "profiler");
    checks.at_most(
        "profiler vs reference",
        rounds.ratio(profiler, reference),
        1.25,
    );
    for peer in PEERS {
        let ratio = rounds.ratio(profiler, position(&names, peer));
        checks.below(&format!("profiler vs {peer}"), ratio, 1.0);
    }
    for name in [REFERENCE, "profiler"] {
        let ratio = two_threads_vs_one(name);
        let what = format!("{name}, 2 threads at once vs 1 thread, per span");
        if name == "profiler" {
            checks.at_most(&what, ratio, 1.5);
        } else {
            println!("{what}: {ratio:.2}x (for comparison)");
        }
    }
    if checks.missed {
        std::process::exit(1);
    }
}

/// Nanoseconds per span of one batch on this thread, under the current default.
fn time_batch() -> f64 {
    let start = Instant::now();
    for _ in 0..SPANS_PER_BATCH {
        one_span();
    }
    per_span(start.elapsed())
}

fn per_span(elapsed: Duration) -> f64 {
    elapsed.as_nanos() as f64 / SPANS_PER_BATCH as f64
}

/// Per-round timings of several batches, run in rotating order within each round.
struct Rounds {
    times: Vec<Vec<f64>>,
}

impl Rounds {
    fn measure(batches: usize, run: impl Fn(usize) -> f64) -> Rounds {
        (0..batches).for_each(|index| {
            run(index);
        });
        let mut times = vec![Vec::with_capacity(ROUNDS); batches];
        for round in 0..ROUNDS {
            for offset in 0..batches {
                let index = (round + offset) % batches;
                times[index].push(run(index));
            }
        }
        Rounds { times }
    }

    /// Median over rounds of batch `numerator`'s time over batch `denominator`'s.
    fn ratio(&self, numerator: usize, denominator: usize) -> f64 {
        let pairs = self.times[numerator].iter().zip(&self.times[denominator]);
        median(pairs.map(|(top, bottom)| top / bottom).collect())
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn position(names: &[&str], name: &str) -> usize {
    let found = names.iter().position(|each| *each == name);
    found.unwrap_or_else(|| panic!("no subject `{name}`"))
}

/// Prints each target check and remembers whether any was missed.
#[derive(Default)]
struct Checks {
    missed: bool,
}

impl Checks {
    fn at_most(&mut self, what: &str, ratio: f64, limit: f64) {
        self.report(what, ratio, "≤", limit, ratio <= limit);
    }

    fn below(&mut self, what: &str, ratio: f64, limit: f64) {
        self.report(what, ratio, "<", limit, ratio < limit);
    }

    fn report(&mut self, what: &str, ratio: f64, relation: &str, limit: f64, met: bool) {
        self.missed |= !met;
        let verdict = if met { "ok" } else { "MISSED" };
        println!("{what}: {ratio:.2}x (target {relation} {limit}x): {verdict}");
    }
}

/// Runs the scaling child for subject `name` and reads the ratio it prints.
fn two_threads_vs_one(name: &str) -> f64 {
    let output = Command::new(std::env::current_exe().expect("own path"))
        .args([SCALING_CHILD, name])
        .output()
        .expect("scaling child runs");
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("scaling child for `{name}` printed `{text}`"))
}

/// Installs subject `name` as the global default and prints the median ratio of the time
/// per span per thread with 2 threads recording at once over 1 thread.
fn scaling_child(name: &str) {
    let (_, dispatch) = subjects()
        .into_iter()
        .find(|(each, _)| *each == name)
        .unwrap_or_else(|| panic!("no subject `{name}`"));
    let dispatch: Dispatch = dispatch.expect("the subject has a subscriber");
    tracing::dispatcher::set_global_default(dispatch).expect("first global default");
    let rounds = Rounds::measure(2, |index| per_span(spans_on_threads(index + 1)));
    println!("{}", rounds.ratio(1, 0));
}

/// Runs a batch on each of `threads` threads at once; returns the slowest thread's time.
fn spans_on_threads(threads: usize) -> Duration {
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    one_span();
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..SPANS_PER_BATCH {
                        one_span();
                    }
                    start.elapsed()
                })
            })
            .collect();
        let times = workers.into_iter().map(|worker| worker.join().unwrap());
        times.max().unwrap_or_default()
    })
}
