//! A small program profiled on all four tiers: it "processes songs" (system), each through
//! sign-in, track isolation and downloads (components), their steps (methods) and the
//! commands those send (operations). Some commands fail and are retried, one download
//! fails for good, and the downloads run concurrently on tokio.
//!
//! `cargo run -p examples --bin tiered_demo [-- --fail] [-- --hold-ms 3000]`

use std::time::Duration;

use tracing::instrument;

const SONGS: [&str; 2] = ["Song A", "Song B"];

struct Arguments {
    fail: bool,
    hold: Option<Duration>,
}

fn arguments() -> Result<Arguments, String> {
    let mut arguments = Arguments {
        fail: false,
        hold: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(argument) = given.next() {
        match argument.as_str() {
            "--fail" => arguments.fail = true,
            "--hold-ms" => {
                let value = given
                    .next()
                    .ok_or("--hold-ms needs a number of milliseconds")?;
                let millis = value
                    .parse()
                    .map_err(|_| format!("--hold-ms: `{value}` is not a number of milliseconds"))?;
                arguments.hold = Some(Duration::from_millis(millis));
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}` (expected --fail or --hold-ms N)"
                ));
            }
        }
    }
    Ok(arguments)
}

fn pause(millis: u64) {
    std::thread::sleep(Duration::from_millis(millis));
}

#[instrument(skip_all, fields(tier = "operation", component = "browser", command = kind))]
fn command(kind: &str, millis: u64, fails: bool) -> Result<(), String> {
    pause(millis);
    match fails {
        true => {
            tracing::error!(error = "element is not clickable", "{kind} failed");
            Err(format!("{kind}: element is not clickable"))
        }
        false => Ok(()),
    }
}

#[instrument(skip_all, fields(tier = "method", component = "track_management"))]
fn solo_track(track: usize) {
    // The first click on every third track fails and is retried.
    let _ = command("click", 2, track.is_multiple_of(3)).or_else(|_| command("click", 2, false));
    let _ = command("find_element", 1, false);
}

#[instrument(skip_all, fields(tier = "method", component = "track_management"))]
fn wait_for_render() {
    pause(6);
}

#[instrument(skip_all, fields(tier = "component", component = "track_management"))]
fn isolate_tracks(tracks: usize) {
    for track in 0..tracks {
        solo_track(track);
        wait_for_render();
    }
}

#[instrument(skip_all, fields(tier = "component", component = "authentication"))]
fn sign_in() {
    let _ = command("type_password", 3, false);
    let _ = command("submit", 4, false);
}

#[instrument(
    skip_all,
    fields(tier = "operation", component = "download_management"),
    err
)]
async fn fetch_file(name: &'static str, millis: u64) -> Result<u64, std::io::Error> {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    match name {
        "drums.mp3" => Err(std::io::Error::other("server closed the connection")),
        _ => Ok(millis * 1000),
    }
}

#[instrument(skip_all, fields(tier = "method", component = "download_management"))]
async fn download_all() -> u64 {
    // Concurrent children: the method's self time counts their overlap once.
    let (vocals, bass, drums) = tokio::join!(
        fetch_file("vocals.mp3", 12),
        fetch_file("bass.mp3", 8),
        fetch_file("drums.mp3", 5)
    );
    [vocals, bass, drums]
        .into_iter()
        .filter_map(Result::ok)
        .sum()
}

#[instrument(
    skip_all,
    fields(tier = "component", component = "download_management")
)]
fn download(runtime: &tokio::runtime::Runtime) -> u64 {
    runtime.block_on(download_all())
}

#[instrument(skip_all, fields(tier = "system", component = "pipeline", song = title))]
fn process_song(title: &str, runtime: &tokio::runtime::Runtime) -> u64 {
    sign_in();
    isolate_tracks(4);
    download(runtime)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments = arguments()?;
    // The Chrome trace is opt-in for library users; the demo writes all four reports.
    let profiling = profiler::init(profiler::Options::new("tiered_demo").chrome_trace(true))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let bytes: u64 = SONGS
        .iter()
        .map(|title| process_song(title, &runtime))
        .sum();
    println!("processed {} songs, {bytes} bytes downloaded", SONGS.len());
    if let Some(hold) = arguments.hold {
        tracing::info_span!("hold", tier = "system", component = "pipeline").in_scope(|| {
            println!(
                "holding for {} ms (press Ctrl-C to interrupt)",
                hold.as_millis()
            );
            std::thread::sleep(hold);
        });
    }
    if arguments.fail {
        // Returning an error drops the guard, which still writes every report.
        return Err("--fail was given: ending with an error".into());
    }
    println!("{}", profiling.write_reports()?);
    Ok(())
}
