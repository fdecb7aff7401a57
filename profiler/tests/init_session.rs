//! The one-call setup installs a global subscriber, so it gets a process of its own: this
//! file holds a single test.

use serde_json::Value;

#[tracing::instrument(skip_all, fields(tier = "method", component = "setup"), err)]
fn configure(ok: bool) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err("missing setting".to_owned())
    }
}

#[test]
fn init_profiles_the_program_and_writes_every_report_once() {
    let dir = tempfile::tempdir().unwrap();
    let options = profiler::Options::new("init test")
        .report_dir(dir.path())
        .log_to_stderr(false)
        .chrome_trace(true)
        .handle_ctrl_c(true);
    let guard = profiler::init(options).unwrap();
    tracing::info_span!("main", tier = "system", component = "app").in_scope(|| {
        configure(true).unwrap();
        configure(false).unwrap_err();
    });

    let paths = guard.write_reports().unwrap();
    assert_eq!(
        guard.write_reports().unwrap(),
        paths,
        "written once, same paths after"
    );
    let stamp = guard.stamp().to_string();
    assert_eq!(
        paths.log,
        Some(dir.path().join(format!("performance_{stamp}.log")))
    );
    assert_eq!(
        paths.json,
        Some(dir.path().join(format!("performance_{stamp}.json")))
    );
    assert!(paths.failed.is_empty());
    assert_eq!(
        paths.html,
        Some(dir.path().join(format!("performance_{stamp}.html")))
    );
    assert_eq!(
        paths.trace,
        Some(dir.path().join(format!("trace_{stamp}.json")))
    );

    let profile = profiler::report::json::parse(
        &std::fs::read_to_string(paths.json.as_ref().unwrap()).unwrap(),
    )
    .unwrap();
    let configure = profile
        .keys
        .iter()
        .find(|key| key.key == "setup.configure")
        .unwrap();
    assert_eq!((configure.count, configure.failures), (2, 1));
    assert_eq!(configure.last_error.as_deref(), Some("missing setting"));
    assert!(
        std::fs::read_to_string(paths.log.as_ref().unwrap())
            .unwrap()
            .contains("setup.configure")
    );
    assert!(
        std::fs::read_to_string(paths.html.unwrap())
            .unwrap()
            .contains("setup.configure")
    );
    let trace: Value =
        serde_json::from_str(&std::fs::read_to_string(paths.trace.unwrap()).unwrap()).unwrap();
    let complete = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["ph"] == "X")
        .count();
    assert_eq!(complete, 3, "one complete event per span");

    let second = profiler::init(
        profiler::Options::new("again")
            .report_dir(dir.path())
            .handle_ctrl_c(false),
    );
    assert!(matches!(
        second,
        Err(profiler::InitError::SubscriberAlreadySet)
    ));
}
