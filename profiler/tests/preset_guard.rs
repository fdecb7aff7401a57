//! A preset guard restores the live configuration however its scope ends: success, error,
//! panic, and Ctrl-C (a real SIGINT sent to a child process).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use profiler::preset::{InterruptSignal, Interrupted, LiveConfig, Preset};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Knobs {
    solo_activation_delay: f64,
    download_wait: String,
}

fn original() -> Knobs {
    Knobs {
        solo_activation_delay: 5.0,
        download_wait: "watch".into(),
    }
}

fn slow_preset() -> Preset {
    let text = "name = \"slow\"\ndescription = \"Long blind waits\"\n[knobs]\nsolo_activation_delay = 12.0\ndownload_wait = \"poll\"\n";
    Preset::parse(text, "baselines/slow.toml".as_ref()).unwrap()
}

#[test]
fn restores_after_a_successful_scope_and_is_visible_to_other_threads_meanwhile() {
    let live = LiveConfig::new(original());
    let guard = live.apply(&slow_preset()).unwrap();
    let reader = live.clone();
    let seen = std::thread::spawn(move || reader.get()).join().unwrap();
    assert_eq!(seen.solo_activation_delay, 12.0);
    assert_eq!(seen.download_wait, "poll");
    drop(guard);
    assert_eq!(live.get(), original());
}

#[test]
fn restores_when_the_scope_returns_an_error() {
    fn run(live: &LiveConfig<Knobs>) -> Result<(), String> {
        let _guard = live
            .apply(&slow_preset())
            .map_err(|error| error.to_string())?;
        assert_eq!(live.get().solo_activation_delay, 12.0);
        Err("the browser crashed".to_string())
    }
    let live = LiveConfig::new(original());
    assert_eq!(run(&live), Err("the browser crashed".to_string()));
    assert_eq!(live.get(), original());
    assert_eq!(live.active_preset(), None);
}

#[test]
fn restores_when_the_scope_panics() {
    let live = LiveConfig::new(original());
    let inside = live.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _guard = inside.apply(&slow_preset()).unwrap();
        assert_eq!(inside.get().solo_activation_delay, 12.0);
        panic!("a step panicked with the preset applied");
    }));
    assert!(outcome.is_err());
    assert_eq!(live.get(), original());
    // The configuration is usable again: another preset can be applied.
    assert!(live.apply(&slow_preset()).is_ok());
}

#[test]
fn a_bad_preset_never_touches_the_live_configuration() {
    let live = LiveConfig::new(original());
    let text = "name = \"bad\"\ndescription = \"typo\"\n[knobs]\nsolo_activation_delay = 12.0\nsolo_delay = 1.0\n";
    let bad = Preset::parse(text, "baselines/bad.toml".as_ref()).unwrap();
    let error = live.apply(&bad).err().unwrap().to_string();
    assert!(
        error.starts_with("baselines/bad.toml:5: unknown knob `solo_delay`"),
        "{error}"
    );
    assert_eq!(live.get(), original());
}

// ---- Ctrl-C: this test binary re-runs one of its own tests as a child process. ----

const CHILD_MODE: &str = "PROFILER_TEST_INTERRUPT_CHILD";

/// The child's work: apply the preset, report it, then wait for Ctrl-C the way an application
/// would (a loop of interruptible sleeps), unwinding with `?` when it comes.
fn child_run(
    live: &LiveConfig<Knobs>,
    signal: InterruptSignal,
    stubborn: bool,
) -> Result<(), Interrupted> {
    let _guard = live.apply(&slow_preset()).expect("preset applies");
    println!("APPLIED {}", live.get().solo_activation_delay);
    for _ in 0..500 {
        match signal.sleep(Duration::from_millis(20)) {
            Err(Interrupted) if stubborn => {
                // Pretend to be stuck in a wait that cannot be cut short.
                println!("NOTICED");
                loop {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            result => result?,
        }
    }
    println!("TIMEOUT");
    Ok(())
}

fn child_main(mode: &str) {
    let signal = InterruptSignal::install().expect("handler installs");
    let live = LiveConfig::new(original());
    let outcome = child_run(&live, signal, mode == "stubborn");
    println!(
        "RESTORED {} {} {:?}",
        live.get().solo_activation_delay,
        live.get().download_wait,
        outcome
    );
}

/// Kills the child if the test fails half-way, so no process outlives the test.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_child(test_name: &str, mode: &str) -> (ChildGuard, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env(CHILD_MODE, mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (ChildGuard(child), receiver)
}

/// The child's next line containing `marker`, from the marker on (the test harness may print
/// `test name ... ` in front of it on the same line).
fn wait_for_line(lines: &mpsc::Receiver<String>, marker: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("child never printed {marker}"));
        if let Some(start) = line.find(marker) {
            return line[start..].to_string();
        }
    }
}

fn send_sigint(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_for_exit(child: &mut ChildGuard) -> std::process::ExitStatus {
    for _ in 0..1_000 {
        if let Some(status) = child.0.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("child did not exit after SIGINT");
}

#[test]
fn ctrl_c_unwinds_in_order_and_restores_the_configuration() {
    if let Ok(mode) = std::env::var(CHILD_MODE) {
        return child_main(&mode);
    }
    let (mut child, lines) = spawn_child(
        "ctrl_c_unwinds_in_order_and_restores_the_configuration",
        "orderly",
    );
    assert_eq!(wait_for_line(&lines, "APPLIED"), "APPLIED 12");
    send_sigint(&child.0);
    assert_eq!(
        wait_for_line(&lines, "RESTORED"),
        "RESTORED 5 watch Err(Interrupted)"
    );
    assert!(wait_for_exit(&mut child).success());
}

#[test]
fn a_second_ctrl_c_exits_at_once_with_status_130() {
    if let Ok(mode) = std::env::var(CHILD_MODE) {
        return child_main(&mode);
    }
    let (mut child, lines) =
        spawn_child("a_second_ctrl_c_exits_at_once_with_status_130", "stubborn");
    wait_for_line(&lines, "APPLIED");
    send_sigint(&child.0);
    wait_for_line(&lines, "NOTICED");
    send_sigint(&child.0);
    let status = wait_for_exit(&mut child);
    assert_eq!(status.code(), Some(profiler::preset::INTERRUPTED_EXIT_CODE));
}
