//! The async example end to end: plainly spawned tasks open root spans, tasks carried with
//! `.in_current_span()` nest under the span that spawned them.

use std::process::Command;

/// The output section printed for one way of spawning.
fn section<'a>(stdout: &'a str, title: &str) -> &'a str {
    let start = stdout
        .find(&format!("== {title}"))
        .unwrap_or_else(|| panic!("no section {title:?} in\n{stdout}"));
    let rest = &stdout[start + 3..];
    &rest[..rest.find("== ").unwrap_or(rest.len())]
}

fn line_starting<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|line| line.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?} in\n{text}"))
}

#[test]
fn spawned_tasks_are_roots_unless_carried_with_in_current_span() {
    let output = Command::new(env!("CARGO_BIN_EXE_async_requests"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();

    let plain = section(&stdout, "spawned plainly");
    let mut roots: Vec<&str> = line_starting(plain, "roots of the call tree: ")
        .trim_start_matches("roots of the call tree: ")
        .split(", ")
        .collect();
    roots.sort_unstable();
    assert_eq!(roots, ["app.run", "client.request"]);
    assert!(line_starting(plain, "client.request: 4 calls").contains("in flight"));

    let carried = section(&stdout, "spawned with .in_current_span()");
    assert_eq!(
        line_starting(carried, "roots of the call tree: "),
        "roots of the call tree: app.run"
    );
    let nested: Vec<&str> = line_starting(carried, "  client.request")
        .split_whitespace()
        .collect();
    assert_eq!(
        nested[..2],
        ["client.request", "4"],
        "indented under app.run"
    );
}
