//! How log lines look on the terminal: `warning: <message> <fields>` — no span context, no
//! timestamp, so a person reads what happened and not the profiler's bookkeeping (the tiers
//! and components are in the reports).

use std::fmt;

use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Whether an event is worth a log line: not the `error = …` events `#[instrument(err)]`
/// emits for every failed span (the profiler counts those as failures; the run reports each
/// failure once, in its own words).
pub fn is_for_people(metadata: &Metadata<'_>) -> bool {
    let mut fields = metadata.fields().iter();
    let only_error =
        fields.next().is_some_and(|field| field.name() == "error") && fields.next().is_none();
    !(metadata.is_event() && only_error)
}

/// The event format of `automator`'s log lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogLine;

impl<S, N> FormatEvent<S, N> for LogLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "{}: ", level_word(*event.metadata().level()))?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warning",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::prelude::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What `body` logs through `LogLine`, filtered as `automator` filters its log.
    fn logged(body: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .event_format(LogLine)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .with_filter(tracing_subscriber::filter::filter_fn(is_for_people)),
        );
        tracing::subscriber::with_default(subscriber, body);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn instrument_error_events_are_left_to_the_profiler() {
        #[tracing::instrument(err)]
        fn fails() -> Result<(), String> {
            Err("boom".into())
        }
        let text = logged(|| {
            let _ = fails();
            tracing::error!(error = "kept", "a message of the run");
        });
        assert_eq!(text, "error: a message of the run error=\"kept\"\n");
    }

    #[test]
    fn a_line_is_level_message_and_fields_without_span_context() {
        let text = logged(|| {
            let span = tracing::info_span!("song", tier = "system", component = "automation");
            span.in_scope(|| tracing::warn!(track = "Bass", "track failed"));
        });
        assert_eq!(text, "warning: track failed track=\"Bass\"\n");
    }
}
