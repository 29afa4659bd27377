//! 4. Memory of idle SSE connections to a silent running run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::api::{self, SseParser};
use crate::report::Report;
use crate::server::{Server, ServerOpts};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Opts {
    /// Idle connections.
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// Seconds to let memory settle before each reading.
    #[arg(long, default_value_t = 3)]
    pub settle: u64,
    /// Open-measure-close rounds (later rounds show whether the memory is reused).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
}

/// Average of a few RSS readings 200 ms apart.
async fn rss(server: &Server) -> Result<u64> {
    let mut sum = 0;
    for _ in 0..5 {
        sum += server.rss_kb()?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(sum / 5)
}

/// Opens a stream, waits for the first `log` event (so it is attached), then holds it open.
async fn hold(
    server: Arc<Server>,
    id: String,
    gate: Arc<tokio::sync::Semaphore>,
    ready: Arc<AtomicUsize>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<()> {
    let permit = gate.acquire_owned().await?;
    let mut resp = api::open_stream(&server, &id, None).await?;
    let mut parser = SseParser::default();
    let mut attached = false;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !attached {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Ok(Some(chunk))) = tokio::time::timeout(left, resp.chunk()).await else {
            bail!("no first line within 120 s");
        };
        parser.feed(&chunk, |e| {
            attached |= e.event == "log";
            true
        });
    }
    drop(permit);
    ready.fetch_add(1, Ordering::SeqCst);
    let mut stop = stop;
    // Keep the connection (and its response) alive until told to close, reading heartbeats.
    loop {
        tokio::select! {
            _ = stop.changed() => return Ok(()),
            c = resp.chunk() => match c {
                Ok(Some(_)) => {}
                _ => bail!("the idle stream ended early"),
            },
        }
    }
}

struct Round {
    connect_time: Duration,
    open: u64,
    closed: u64,
    closed_ok: usize,
}

/// Opens the connections, measures, closes them, measures again.
async fn round(server: &Arc<Server>, id: &str, o: &Opts) -> Result<Round> {
    let gate = Arc::new(tokio::sync::Semaphore::new(50));
    let ready = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..o.connections {
        set.spawn(hold(
            server.clone(),
            id.to_owned(),
            gate.clone(),
            ready.clone(),
            stop_rx.clone(),
        ));
    }
    let since = Instant::now();
    while ready.load(Ordering::SeqCst) < o.connections {
        if let Some(Ok(Err(e))) = set.try_join_next() {
            bail!("an idle stream failed: {e}");
        }
        if since.elapsed() > Duration::from_secs(180) {
            bail!(
                "only {} of {} idle streams attached within 180 s",
                ready.load(Ordering::SeqCst),
                o.connections
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_time = since.elapsed();
    tokio::time::sleep(Duration::from_secs(o.settle)).await;
    let open = rss(server).await?;
    let _ = stop_tx.send(true);
    let mut closed_ok = 0;
    while let Some(r) = set.join_next().await {
        if matches!(r, Ok(Ok(()))) {
            closed_ok += 1;
        }
    }
    tokio::time::sleep(Duration::from_secs(o.settle)).await;
    let closed = rss(server).await?;
    Ok(Round {
        connect_time,
        open,
        closed,
        closed_ok,
    })
}

/// Runs the measurement.
pub async fn run(server_opts: &ServerOpts, o: &Opts) -> Result<Report> {
    let mut report = Report::new(
        "idle-sse",
        format!(
            "{} idle SSE connections to a running but silent run",
            o.connections
        ),
        "< 20 KB of server RSS per connection",
    );
    let opts = ServerOpts {
        max_streams: server_opts.max_streams.max(o.connections + 50),
        ..server_opts.clone()
    };
    let server = Arc::new(Server::start(&opts).await?);
    let started = api::start_run(&server, "lines=1 sleep=900 bench=idle", 3600).await?;
    // Wait until it runs and its first line is stored.
    let since = Instant::now();
    loop {
        let rec = api::record(&server, &started.id).await?;
        if rec["status"] == "running" && rec["logs"].as_array().is_some_and(|l| !l.is_empty()) {
            break;
        }
        if since.elapsed() > Duration::from_secs(60) {
            bail!("the silent run was not running with its first line stored after 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(o.settle)).await;
    let before = rss(&server).await?;

    let mut rounds = Vec::new();
    for _ in 0..o.rounds.max(1) {
        rounds.push(round(&server, &started.id, o).await?);
    }
    api::cancel(&server, &started.id).await;
    let first = &rounds[0];
    let per_conn_kb = first.open.saturating_sub(before) as f64 / o.connections as f64;
    report.row(format!(
        "memory    server RSS {:.1} MB before, {:.1} MB with {} idle streams open",
        before as f64 / 1024.0,
        first.open as f64 / 1024.0,
        o.connections,
    ));
    report.row(format!(
        "per conn  {per_conn_kb:.1} KB of server RSS (user-space memory; kernel socket buffers are not in RSS)"
    ));
    for (i, r) in rounds.iter().enumerate() {
        report.row(format!(
            "round {}   {} streams attached in {:.1} s; RSS {:.1} MB open, {:.1} MB after closing; \
             {} closed cleanly",
            i + 1,
            o.connections,
            r.connect_time.as_secs_f64(),
            r.open as f64 / 1024.0,
            r.closed as f64 / 1024.0,
            r.closed_ok
        ));
        if r.closed_ok < o.connections {
            report.problem(format!(
                "round {}: {} idle stream(s) ended early (before the harness closed them)",
                i + 1,
                o.connections - r.closed_ok
            ));
        }
    }
    // A leak shows as RSS that keeps climbing round after round; allocator fragmentation as a
    // climb that flattens out. Judge by the last round's increment.
    if rounds.len() > 1 {
        let growth = first.open.saturating_sub(before).max(1);
        let n = rounds.len();
        let last_step = rounds[n - 1].open.saturating_sub(rounds[n - 2].open);
        if last_step * 4 > growth {
            report.problem(format!(
                "RSS with the streams open was still growing in round {n} (+{:.1} MB over round \
                 {}; round 1 added {:.1} MB): memory of closed streams may not be reused",
                last_step as f64 / 1024.0,
                n - 1,
                growth as f64 / 1024.0
            ));
        }
    }
    let closed_ok = rounds.iter().all(|r| r.closed_ok == o.connections);
    report.headline = format!("{per_conn_kb:.1} KB per idle connection");
    report.pass = per_conn_kb < 20.0 && closed_ok;
    server.stop().await;
    report.server_log = server.log();
    Ok(report)
}
