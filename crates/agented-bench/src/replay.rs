//! 5. A finished run's long log streamed to a new subscriber.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use crate::api::{self, SseParser};
use crate::report::Report;
use crate::server::{proc_cpu_secs, MachineCpu, Server, ServerOpts};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Opts {
    /// Lines the run prints (as fast as it can).
    #[arg(long, default_value_t = 1_000_000)]
    pub lines: u64,
    /// How many times a new subscriber reads the whole log.
    #[arg(long, default_value_t = 2)]
    pub repeat: usize,
}

struct Read {
    logs: u64,
    out_of_order: u64,
    elapsed: Duration,
    bytes: u64,
    status: String,
}

async fn read_all(server: &Server, id: &str, timeout: Duration) -> Result<Read> {
    let t0 = Instant::now();
    let mut resp = api::open_stream(server, id, None).await?;
    let mut parser = SseParser::default();
    let mut r = Read {
        logs: 0,
        out_of_order: 0,
        elapsed: Duration::ZERO,
        bytes: 0,
        status: String::new(),
    };
    let mut next = 1u64;
    let mut done = false;
    let deadline = t0 + timeout;
    while !done {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, resp.chunk())
            .await
            .map_err(|_| anyhow!("the replay took over {timeout:?} ({} lines read)", r.logs))??
            .ok_or_else(|| anyhow!("the stream ended without `complete` after {} lines", r.logs))?;
        r.bytes += chunk.len() as u64;
        parser.feed(&chunk, |e| {
            match e.event {
                "log" => {
                    r.logs += 1;
                    if e.id != Some(next) {
                        r.out_of_order += 1;
                    }
                    next = e.id.unwrap_or(next) + 1;
                }
                "complete" => {
                    let v: serde_json::Value = serde_json::from_str(e.data).unwrap_or_default();
                    r.status = v["status"].as_str().unwrap_or("?").to_owned();
                    done = true;
                    return false;
                }
                _ => {}
            }
            true
        });
    }
    r.elapsed = t0.elapsed();
    Ok(r)
}

/// Runs the measurement.
pub async fn run(server_opts: &ServerOpts, o: &Opts) -> Result<Report> {
    let mut report = Report::new(
        "replay",
        format!(
            "a finished run's {}-line log streamed to a new subscriber",
            o.lines
        ),
        "≥ 200,000 lines/s",
    );
    let server = Server::start(server_opts).await?;
    let t0 = Instant::now();
    let started = api::start_run(
        &server,
        &format!("lines={} rate=0 bench=replay", o.lines),
        3600,
    )
    .await?;
    api::wait_terminal(
        &server,
        std::slice::from_ref(&started.id),
        Duration::from_secs(900),
        Duration::from_millis(100),
        |_, _| {},
    )
    .await?;
    let ingest = t0.elapsed();
    let rec = api::record(&server, &started.id).await?;
    let status = rec["status"].as_str().unwrap_or("?").to_owned();
    if status != "success" {
        bail!("the long run ended as {status}: {}", rec["error_message"]);
    }
    let rss_before = server.rss_kb()?;
    let expected = o.lines + 1; // the CLI's lines and the server's exit line
    let mut rates = Vec::new();
    let mut correct = true;
    for i in 0..o.repeat.max(1) {
        let cpu0 = server.cpu_secs()?;
        let me0 = proc_cpu_secs("/proc/self/stat")?;
        let m0 = MachineCpu::read();
        let r = read_all(&server, &started.id, Duration::from_secs(600)).await?;
        let secs = r.elapsed.as_secs_f64();
        let cpu = (server.cpu_secs()? - cpu0) / secs;
        let me = (proc_cpu_secs("/proc/self/stat")? - me0) / secs;
        let m1 = MachineCpu::read();
        let others = m0.busy_cores(&m1) - cpu - me;
        let machine = format!("{}, others {:.2}", m0.describe(&m1), others.max(0.0));
        let rate = r.logs as f64 / secs;
        rates.push(rate);
        let ok = r.logs == expected && r.out_of_order == 0 && r.status == "success";
        correct &= ok;
        report.row(format!(
            "read {}    {} of {expected} log events in {:.2} s = {:.0} lines/s ({:.1} MB of SSE; \
             server {cpu:.2} cores, harness {me:.2} cores, {machine}){}",
            i + 1,
            r.logs,
            secs,
            rate,
            r.bytes as f64 / 1e6,
            if ok { "" } else { "  WRONG COUNT OR ORDER" }
        ));
        if !ok {
            report.problem(format!(
                "read {}: {} log events (expected {expected}), {} out of order, complete status {:?}",
                i + 1,
                r.logs,
                r.out_of_order,
                r.status
            ));
        }
    }
    let rss_after = server.hwm_kb()?;
    report.row(format!(
        "ingest    the run printed and stored {} lines in {:.1} s ({:.0} lines/s, POST to final status)",
        o.lines,
        ingest.as_secs_f64(),
        o.lines as f64 / ingest.as_secs_f64()
    ));
    report.row(format!(
        "memory    server RSS {:.1} MB before the reads, peak (VmHWM) {:.1} MB",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0
    ));
    let first = rates.first().copied().unwrap_or(0.0);
    report.headline = format!("{first:.0} lines/s (first read)");
    report.pass = correct && first >= 200_000.0;
    server.stop().await;
    report.server_log = server.log();
    Ok(report)
}
