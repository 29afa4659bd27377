//! Logging set-up in one place: JSON lines or human-readable text, filtered by
//! `AGENTED_LOG_LEVEL`. Each request's span carries its request id, so every line of a request
//! names it. The writer is a parameter so tests can capture output.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber (once, in `main`).
pub fn init<W>(format: LogFormat, level: &str, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    // sqlx logs every statement at info; that is noise (and could echo values), so keep it quiet.
    let filter =
        EnvFilter::try_new(format!("sqlx=warn,{level}")).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
    if let Err(e) = result {
        eprintln!("logging was already initialised: {e}");
    }
}
