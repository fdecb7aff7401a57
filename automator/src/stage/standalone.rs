//! `automator stage`: serves the replica site on its own until Ctrl-C, so a person can browse it
//! and an automator run can point `--site` at it.

use crate::cli::MAX_TIME_SCALE;

use super::capacity::DEFAULT_CAPACITY;
use super::catalog::{DEMO_PASSWORD, DEMO_USERNAME, demo_catalog};
use super::faults::FaultSpec;
use super::rate_limit::RateLimit;
use super::{Stage, StageConfig, StageError};

/// Flags of `automator stage`.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct StageArgs {
    /// Port on 127.0.0.1 to serve on (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Multiplies every stage delay (1 = realistic, 0.05 = 20x faster); 0 (no delays) to 100.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true, value_parser = parse_time_scale)]
    pub time_scale: f64,
    /// Faults to inject, e.g. `http500=0.05,solo_stuck=0.05` (probability per opportunity).
    #[arg(long, default_value = "none", value_parser = FaultSpec::parse)]
    pub faults: FaultSpec,
    /// Seed of every timing and fault draw (0 to 18446744073709551615).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,
    /// Mixes generated at once (1 to 1024); more requests wait in a first-come-first-served
    /// queue, recorded in the ledger as queue time apart from service time.
    #[arg(long, value_name = "K", default_value_t = DEFAULT_CAPACITY, allow_negative_numbers = true, value_parser = parse_capacity)]
    pub capacity: usize,
    /// Mix requests the account may make, e.g. `6/min` (also N/s, N/h; the period is scaled by
    /// --time-scale); more are answered 429 with Retry-After. Default: no limit.
    #[arg(long, value_name = "N/min", value_parser = RateLimit::parse)]
    pub rate_limit: Option<RateLimit>,
}

impl StageArgs {
    /// The stage configuration these flags describe.
    pub fn config(&self) -> StageConfig {
        StageConfig {
            time_scale: self.time_scale,
            faults: self.faults.clone(),
            seed: self.seed,
            port: self.port,
            capacity: self.capacity,
            rate_limit: self.rate_limit,
            ..StageConfig::default()
        }
    }
}

/// `--capacity K`: a whole number of generation slots from 1 to 1024.
pub fn parse_capacity(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(capacity) if (1..=1024).contains(&capacity) => Ok(capacity),
        _ => Err(format!(
            "`{text}` is not a valid capacity: use a whole number of mixes from 1 to 1024, e.g. 4"
        )),
    }
}

/// A stage time scale: 0 (no delays) up to the automator's largest, so every scaled delay
/// still fits a timer.
fn parse_time_scale(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(scale) if scale.is_finite() && (0.0..=MAX_TIME_SCALE).contains(&scale) => Ok(scale),
        _ => Err(format!(
            "`{text}` is not a valid time scale: use a number from 0 to {MAX_TIME_SCALE}, e.g. 1 or 0.05"
        )),
    }
}

/// Starts the stage, prints where it is and how to log in, and serves until Ctrl-C.
pub async fn run_standalone(args: StageArgs) -> Result<(), StageError> {
    let config = args.config();
    let mut stage = Stage::start(config.clone()).await?;
    println!("{}", banner(stage.url(), &config));
    let outcome = tokio::select! {
        _ = tokio::signal::ctrl_c() => Ok(()),
        served = stage.wait() => served,
    };
    stage.shutdown().await;
    println!("stage stopped");
    outcome
}

/// What `automator stage` prints on start.
fn banner(url: &str, config: &StageConfig) -> String {
    let songs: String = demo_catalog()
        .iter()
        .map(|song| {
            let note = if song.purchased {
                ""
            } else {
                "  (not purchased)"
            };
            format!(
                "    {url}{}  – {}, {} tracks{note}\n",
                song.path,
                song.title,
                song.tracks.len()
            )
        })
        .collect();
    format!(
        "Stage (replica karaoke site) serving at {url}\n\
         \x20 log in as {DEMO_USERNAME} with password {DEMO_PASSWORD}\n\
         \x20 songs:\n{songs}\
         \x20 ledger: {url}/__stage/ledger\n\
         \x20 time scale {}, seed {}, faults {}, capacity {} mixes at once, rate limit {}\n\
         Press Ctrl-C to stop.",
        config.time_scale,
        config.seed,
        config.faults,
        config.capacity,
        config
            .rate_limit
            .map_or_else(|| "none".to_owned(), |limit| limit.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        stage: StageArgs,
    }

    #[test]
    fn defaults_are_realistic_and_fault_free() {
        let cli = Cli::try_parse_from(["stage"]).unwrap();
        let config = cli.stage.config();
        assert_eq!(config.time_scale, 1.0);
        assert!(config.faults.is_none());
        assert_eq!((config.seed, config.port), (0, 0));
        assert_eq!(
            (config.capacity, config.rate_limit),
            (DEFAULT_CAPACITY, None)
        );
    }

    #[test]
    fn parses_every_flag() {
        let cli = Cli::try_parse_from([
            "stage",
            "--port",
            "8080",
            "--time-scale",
            "0.05",
            "--faults",
            "http500=0.1,cut_download=0.5",
            "--seed",
            "7",
            "--capacity",
            "2",
            "--rate-limit",
            "6/min",
        ])
        .unwrap();
        let config = cli.stage.config();
        assert_eq!(
            (config.port, config.seed, config.time_scale),
            (8080, 7, 0.05)
        );
        assert_eq!(config.faults.to_string(), "http500=0.1,cut_download=0.5");
        assert_eq!(config.capacity, 2);
        assert_eq!(config.rate_limit, Some(RateLimit::parse("6/min").unwrap()));
    }

    #[test]
    fn bad_flags_get_errors_naming_the_problem() {
        let faults = Cli::try_parse_from(["stage", "--faults", "http500=2"]).unwrap_err();
        assert!(faults.to_string().contains("outside [0, 1]"), "{faults}");
        for value in ["-1", "1e300", "inf", "101"] {
            let scale = Cli::try_parse_from(["stage", "--time-scale", value]).unwrap_err();
            assert!(
                scale.to_string().contains("not a valid time scale")
                    && scale.to_string().contains("--time-scale"),
                "{value}: {scale}"
            );
        }
        for value in ["0", "-2", "many", "1025"] {
            let capacity = Cli::try_parse_from(["stage", "--capacity", value]).unwrap_err();
            assert!(
                capacity.to_string().contains("not a valid capacity"),
                "{value}: {capacity}"
            );
        }
        let rate = Cli::try_parse_from(["stage", "--rate-limit", "6"]).unwrap_err();
        assert!(rate.to_string().contains("N/min"), "{rate}");
        let seed = Cli::try_parse_from(["stage", "--seed", "-1"]).unwrap_err();
        assert!(seed.to_string().contains("--seed"), "{seed}");
    }

    #[test]
    fn banner_shows_url_credentials_and_songs() {
        let text = banner("http://127.0.0.1:9", &StageConfig::default());
        assert!(text.contains("http://127.0.0.1:9/__stage/ledger"));
        assert!(text.contains(DEMO_USERNAME) && text.contains(DEMO_PASSWORD));
        assert!(text.contains("(not purchased)"));
        assert!(text.contains("faults none"));
        assert!(
            text.contains("capacity 4 mixes at once, rate limit none"),
            "{text}"
        );
    }
}
