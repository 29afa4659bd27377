//! 1. Request → process spawned: sequential runs; fake-cli's first line is its own start time.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use crate::api::{self, field, log_content, SseParser};
use crate::report::{ms, pct, Report};
use crate::server::{Server, ServerOpts};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Opts {
    /// Runs measured (one after the other).
    #[arg(long, default_value_t = 100)]
    pub runs: usize,
    /// Runs before those, not measured (warm caches).
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
}

/// Start time of the CLI (ns) and how the run ended, read from its live stream.
async fn follow(server: &Server, id: &str) -> Result<(u64, String)> {
    let mut resp = api::open_stream(server, id, None).await?;
    let mut parser = SseParser::default();
    let mut start = None;
    let mut done = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while done.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(chunk) = tokio::time::timeout(left, resp.chunk())
            .await
            .map_err(|_| anyhow!("run {id}: no `complete` within 30 s"))??
        else {
            bail!("run {id}: the stream ended without `complete`");
        };
        parser.feed(&chunk, |e| {
            match e.event {
                "log" if start.is_none() => {
                    start = log_content(e.data).and_then(|c| field(&c, "start_ns"));
                }
                "complete" => {
                    let v: serde_json::Value = serde_json::from_str(e.data).unwrap_or_default();
                    done = Some(v["status"].as_str().unwrap_or("?").to_owned());
                    return false;
                }
                _ => {}
            }
            true
        });
    }
    let start = start.ok_or_else(|| anyhow!("run {id}: no start_ns line"))?;
    Ok((start, done.unwrap_or_default()))
}

/// Runs the measurement.
pub async fn run(server_opts: &ServerOpts, o: &Opts) -> Result<Report> {
    let mut report = Report::new(
        "spawn-latency",
        format!(
            "POST /admin/executions → fake CLI's first instruction, {} sequential runs",
            o.runs
        ),
        "p50 < 10 ms",
    );
    let server = Server::start(server_opts).await?;
    let mut spawn_ns = Vec::with_capacity(o.runs);
    let mut answer_ns = Vec::with_capacity(o.runs);
    let mut failed = 0;
    for i in 0..o.warmup + o.runs {
        let started = api::start_run(&server, "lines=1 bench=spawn", 60).await?;
        let (start_ns, status) = follow(&server, &started.id).await?;
        if status != "success" {
            failed += 1;
        }
        if i >= o.warmup {
            spawn_ns.push(start_ns.saturating_sub(started.sent_ns) as f64);
            answer_ns.push(started.answered.as_nanos() as f64);
        }
    }
    spawn_ns.sort_by(f64::total_cmp);
    answer_ns.sort_by(f64::total_cmp);
    let p50 = pct(&spawn_ns, 50.0);
    report.row(format!(
        "spawn     p50 {}   p90 {}   p99 {}   min {}   max {}",
        ms(p50),
        ms(pct(&spawn_ns, 90.0)),
        ms(pct(&spawn_ns, 99.0)),
        ms(pct(&spawn_ns, 0.0)),
        ms(pct(&spawn_ns, 100.0)),
    ));
    report.row(format!(
        "POST→202  p50 {}   p99 {}   (the answer; the spawn happens after it, asynchronously)",
        ms(pct(&answer_ns, 50.0)),
        ms(pct(&answer_ns, 99.0)),
    ));
    if failed > 0 {
        report.problem(format!("{failed} run(s) did not end as success"));
    }
    report.headline = format!("spawn p50 {}", ms(p50));
    report.pass = p50 < 10e6 && failed == 0;
    server.stop().await;
    report.server_log = server.log();
    Ok(report)
}
