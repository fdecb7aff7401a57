//! An A/B test of a workload that is not the automator: sorting batches of records by a
//! derived key under two presets of a serde configuration, with the library's runner doing
//! the loop (warm-ups, A B B A interleaving, a fresh profile per run, early stop, analysis,
//! report files, the live configuration restored afterwards).
//!
//! `cargo run -p examples --bin ab_sort -- [--runs N] [--warmup N] [--out DIR]`
//!
//! The presets are the TOML files in `examples/presets/`: `recomputed_keys` (A) computes the
//! sort key, a lower-cased copy of the name, at every comparison; `cached_keys` (B) computes it
//! once per record. The unit of work is a batch; a batch succeeds when its output is
//! verified sorted. A run is timed by its `sorting.sort_batch` spans only (the harness's work
//! key), so making up the records and checking the order do not dilute the difference. Prints the verdict; with `--out DIR` also writes
//! `DIR/ab_recomputed_keys_vs_cached_keys.{json,md,html}`. Bad arguments: one line, exit 2.

use std::convert::Infallible;
use std::path::PathBuf;
use std::process::ExitCode;

use profiler::abtest::{AbTest, Blocking, Harness, RunContext, RunOutcome};
use profiler::preset::{LiveConfig, Preset};
use serde::{Deserialize, Serialize};
use tracing_subscriber::prelude::*;

/// What the presets change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SortSettings {
    algorithm: Algorithm,
    /// Compute each record's key once (`sort_by_cached_key`) instead of at every comparison.
    cached_keys: bool,
    batches: u64,
    records_per_batch: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Algorithm {
    Stable,
    Unstable,
}

impl Default for SortSettings {
    fn default() -> Self {
        SortSettings {
            algorithm: Algorithm::Stable,
            cached_keys: false,
            batches: 4,
            records_per_batch: 3000,
        }
    }
}

struct Record {
    name: String,
}

/// The same pseudo-random names for the same `seed` (run *k* of each arm sorts the same data).
fn batch(seed: u64, records: usize) -> Vec<Record> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..records)
        .map(|_| {
            let name = (0..48)
                .map(|position| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let letter = b'a' + ((state >> 33) % 26) as u8;
                    char::from(if position % 3 == 0 {
                        letter.to_ascii_uppercase()
                    } else {
                        letter
                    })
                })
                .collect();
            Record { name }
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(tier = "method", component = "sorting"))]
fn sort_batch(records: &mut [Record], settings: &SortSettings) {
    let key = |record: &Record| record.name.to_lowercase();
    match (settings.cached_keys, settings.algorithm) {
        (true, _) => records.sort_by_cached_key(key),
        (false, Algorithm::Stable) => records.sort_by_key(key),
        (false, Algorithm::Unstable) => records.sort_unstable_by_key(key),
    }
}

fn is_sorted(records: &[Record]) -> bool {
    records
        .windows(2)
        .all(|pair| pair[0].name.to_lowercase() <= pair[1].name.to_lowercase())
}

/// One run: every batch sorted and checked.
fn sort_run(settings: &SortSettings, run: &RunContext<'_>) -> Result<RunOutcome<()>, Infallible> {
    let mut sorted = 0;
    for index in 0..settings.batches {
        let mut records = batch(run.replicate * 1000 + index, settings.records_per_batch);
        sort_batch(&mut records, settings);
        sorted += u64::from(is_sorted(&records));
    }
    Ok(RunOutcome::counted(settings.batches, sorted))
}

struct Arguments {
    runs: usize,
    warmup: usize,
    out: Option<PathBuf>,
}

fn arguments() -> Result<Arguments, String> {
    let mut parsed = Arguments {
        runs: 6,
        warmup: 1,
        out: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given.next().ok_or_else(|| {
            format!("{flag} needs a value (usage: ab_sort [--runs N] [--warmup N] [--out DIR])")
        })?;
        let count = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag} {value}: expected a whole number"))
        };
        match flag.as_str() {
            "--runs" => parsed.runs = count()?,
            "--warmup" => parsed.warmup = count()?,
            "--out" => parsed.out = Some(PathBuf::from(&value)),
            _ => {
                return Err(format!(
                    "unknown argument {flag} (usage: ab_sort [--runs N] [--warmup N] [--out DIR])"
                ));
            }
        }
    }
    Ok(parsed)
}

fn preset(text: &str, file: &str) -> Preset {
    Preset::parse(text, file.as_ref()).expect("the example's presets are valid")
}

fn main() -> ExitCode {
    let arguments = match arguments() {
        Ok(arguments) => arguments,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    let (layer, profiler) = profiler::ProfilerLayer::new(profiler::Config::default());
    tracing_subscriber::registry().with(layer).init();

    let a = preset(
        include_str!("../../presets/recomputed_keys.toml"),
        "examples/presets/recomputed_keys.toml",
    );
    let b = preset(
        include_str!("../../presets/cached_keys.toml"),
        "examples/presets/cached_keys.toml",
    );
    let live = LiveConfig::new(SortSettings::default());
    let result = AbTest::new(
        Harness::new(live.clone())
            .profiler(profiler)
            .work_key("sorting.sort_batch"),
        a,
        b,
    )
    .runs_per_arm(arguments.runs)
    .warmup(arguments.warmup)
    .unit("batch")
    .run_blocking(&mut Blocking::new(sort_run));
    let result = match result {
        Ok(result) => result,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let how_it_ended = result.how_it_ended();
    let comparison = match result.comparison {
        Ok(comparison) => comparison,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    println!("{how_it_ended}");
    println!("{}", comparison.render_text());
    if let Some(dir) = &arguments.out {
        match comparison.write_reports(dir, "ab_recomputed_keys_vs_cached_keys") {
            Ok(paths) => {
                for path in paths {
                    println!("Saved: {}", path.display());
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }
    if live.get() == SortSettings::default() && live.active_preset().is_none() {
        println!("Settings restored: no preset is applied.");
    }
    println!("Verdict: {}", comparison.verdict);
    ExitCode::SUCCESS
}
