//! 3. One busy run, many live subscribers: delivery latency per line, completeness and order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use crate::api::{self, field, log_content, SseParser};
use crate::report::{pct, Report};
use crate::server::{proc_cpu_secs, MachineCpu, Sampler, Server, ServerOpts};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Opts {
    /// Concurrent SSE subscribers.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Lines per second the run prints.
    #[arg(long, default_value_t = 200)]
    pub rate: u64,
    /// How long it prints.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Streams being opened at once.
    #[arg(long, default_value_t = 50)]
    pub connect_parallel: usize,
    /// Client threads the subscribers are spread over (default: the number of CPUs).
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
    pub client_threads: usize,
}

#[derive(Default)]
struct Sub {
    /// Receive minus send time per stamped line, in µs.
    lat_us: Vec<u32>,
    /// `log` events received.
    logs: u64,
    /// Events whose `id` was not the previous one plus one.
    out_of_order: u64,
    /// Stamped lines whose `i=` was not the expected one.
    wrong_content: u64,
    complete: bool,
}

struct Shared {
    ready: AtomicUsize,
    failed: AtomicUsize,
}

/// Where the subscribers connect.
struct Target {
    base: String,
    key: String,
    id: String,
}

async fn subscriber(
    client: reqwest::Client,
    target: Arc<Target>,
    gate: Arc<tokio::sync::Semaphore>,
    shared: Arc<Shared>,
    expected: u64,
    deadline: Instant,
) -> Result<Sub> {
    let permit = gate.acquire_owned().await?;
    let mut resp =
        api::open_stream_with(&client, &target.base, &target.key, &target.id, None).await?;
    let mut permit = Some(permit);
    let mut parser = SseParser::default();
    let mut sub = Sub {
        lat_us: Vec::with_capacity(expected as usize),
        ..Sub::default()
    };
    let mut next_seq = 1u64;
    let mut next_i = 2u64;
    while !sub.complete {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = match tokio::time::timeout(left, resp.chunk()).await {
            Err(_) => bail!("no `complete` before the deadline ({} lines)", sub.logs),
            Ok(Err(e)) => bail!("stream failed after {} lines: {e}", sub.logs),
            Ok(Ok(None)) => bail!("stream ended without `complete` after {} lines", sub.logs),
            Ok(Ok(Some(c))) => c,
        };
        let now = api::now_ns();
        parser.feed(&chunk, |e| {
            match e.event {
                "log" => {
                    sub.logs += 1;
                    let seq = e.id.unwrap_or(0);
                    if seq != next_seq {
                        sub.out_of_order += 1;
                    }
                    next_seq = seq + 1;
                    if let Some(content) = log_content(e.data) {
                        if let Some(t) = field(&content, "t") {
                            let lat = now.saturating_sub(t) / 1000;
                            sub.lat_us.push(lat.min(u64::from(u32::MAX)) as u32);
                            if field(&content, "i") != Some(next_i) {
                                sub.wrong_content += 1;
                            }
                            next_i += 1;
                        }
                    }
                }
                "complete" => {
                    sub.complete = true;
                    return false;
                }
                _ => {}
            }
            true
        });
        if sub.logs > 0 && permit.is_some() {
            // Attached (it received the start line): let the next subscriber connect.
            permit = None;
            shared.ready.fetch_add(1, Ordering::SeqCst);
        }
    }
    Ok(sub)
}

/// Runs the measurement.
pub async fn run(server_opts: &ServerOpts, o: &Opts) -> Result<Report> {
    let lines = o.rate * o.seconds + 1;
    let mut report = Report::new(
        "sse-fanout",
        format!(
            "{} SSE subscribers on one run printing {} lines/s for {} s ({} lines)",
            o.subscribers, o.rate, o.seconds, lines
        ),
        "p99 line delivery (fake CLI's write → subscriber's read) < 100 ms; every line once, in order",
    );
    let opts = ServerOpts {
        max_streams: server_opts.max_streams.max(o.subscribers + 50),
        ..server_opts.clone()
    };
    let server = Arc::new(Server::start(&opts).await?);
    let go = server.temp_path("go");
    let prompt = format!(
        "lines={lines} rate={} stamp=1 tick=5 go={} gotimeout=900 bench=fanout",
        o.rate,
        go.display()
    );
    let started = api::start_run(&server, &prompt, 3600).await?;
    let shared = Arc::new(Shared {
        ready: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
    });
    // Connecting may take a while; the lines only start once everybody is attached.
    let deadline = Instant::now() + Duration::from_secs(600 + o.seconds * 10);
    let target = Arc::new(Target {
        base: server.base.clone(),
        key: server.key.clone(),
        id: started.id.clone(),
    });
    // The subscribers are spread over client threads, each with its own single-threaded runtime
    // and HTTP client: a connection and its reader then share a thread, which avoids a
    // cross-thread wake-up per event (that alone made one multi-threaded client the bottleneck).
    let threads = o.client_threads.max(1);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Result<Sub>>();
    // Dropping this (on any early return) stops the client threads.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for t in 0..threads {
        let n = o.subscribers / threads + usize::from(t < o.subscribers % threads);
        let (target, shared, tx, mut stop) =
            (target.clone(), shared.clone(), tx.clone(), stop_rx.clone());
        let parallel = (o.connect_parallel / threads).max(1);
        let expected = lines + 1;
        handles.push(
            std::thread::Builder::new()
                .name(format!("sse-client-{t}"))
                .spawn(move || {
                    let clients = async {
                        let client = reqwest::Client::builder()
                            .no_proxy()
                            .tcp_nodelay(true)
                            .build()?;
                        let gate = Arc::new(tokio::sync::Semaphore::new(parallel));
                        let mut set = tokio::task::JoinSet::new();
                        for _ in 0..n {
                            set.spawn(subscriber(
                                client.clone(),
                                target.clone(),
                                gate.clone(),
                                shared.clone(),
                                expected,
                                deadline,
                            ));
                        }
                        while let Some(r) = set.join_next().await {
                            let r = r.map_err(|e| anyhow!(e)).and_then(|r| r);
                            if r.is_err() {
                                shared.failed.fetch_add(1, Ordering::SeqCst);
                            }
                            let _ = tx.send(r);
                        }
                        Ok::<(), anyhow::Error>(())
                    };
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    let outcome = match rt {
                        Ok(rt) => rt.block_on(async {
                            tokio::select! {
                                r = clients => r,
                                _ = stop.changed() => Ok(()),
                            }
                        }),
                        Err(e) => Err(e.into()),
                    };
                    if let Err(e) = outcome {
                        shared.failed.fetch_add(n, Ordering::SeqCst);
                        let _ = tx.send(Err(e));
                    }
                })?,
        );
    }
    drop(tx);
    let connecting = Instant::now();
    loop {
        let ready = shared.ready.load(Ordering::SeqCst);
        let failed = shared.failed.load(Ordering::SeqCst);
        if ready + failed >= o.subscribers {
            break;
        }
        if connecting.elapsed() > Duration::from_secs(300) {
            std::fs::write(&go, b"")?;
            bail!(
                "only {ready} of {} subscribers attached within 300 s ({failed} failed)",
                o.subscribers
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_time = connecting.elapsed();
    let rss_connected = server.rss_kb()?;
    let sampler = Sampler::start(server.pid);
    let cpu0 = server.cpu_secs()?;
    let me0 = proc_cpu_secs("/proc/self/stat")?;
    let m0 = MachineCpu::read();
    let t_go = Instant::now();
    std::fs::write(&go, b"")?;

    let mut subs = Vec::new();
    let mut errors = Vec::new();
    while let Some(r) = rx.recv().await {
        match r {
            Ok(s) => subs.push(s),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    let _ = stop_tx.send(true);
    for h in handles {
        let _ = h.join();
    }
    let wall = t_go.elapsed().as_secs_f64();
    let cpu = (server.cpu_secs()? - cpu0) / wall;
    let me = (proc_cpu_secs("/proc/self/stat")? - me0) / wall;
    let m1 = MachineCpu::read();
    let samples = sampler.finish().await;
    let peak_rss = samples.iter().map(|s| s.rss_kb).max().unwrap_or(0);

    let expected_logs = lines + 1; // the CLI's lines and the server's exit line
    let complete_ok = subs
        .iter()
        .filter(|s| {
            s.complete
                && s.logs == expected_logs
                && s.out_of_order == 0
                && s.wrong_content == 0
                && s.lat_us.len() as u64 == lines - 1
        })
        .count();
    let mut lat: Vec<u32> = Vec::with_capacity(subs.iter().map(|s| s.lat_us.len()).sum());
    for s in &subs {
        lat.extend_from_slice(&s.lat_us);
    }
    lat.sort_unstable();
    let over = lat.iter().filter(|&&l| l > 100_000).count();
    let f = |us: u32| format!("{:.1} ms", f64::from(us) / 1000.0);
    let p99 = pct(&lat, 99.0);
    report.row(format!(
        "latency   p50 {}   p90 {}   p99 {}   p99.9 {}   max {}   ({} deliveries; {} over 100 ms)",
        f(pct(&lat, 50.0)),
        f(pct(&lat, 90.0)),
        f(p99),
        f(pct(&lat, 99.9)),
        f(pct(&lat, 100.0)),
        lat.len(),
        over
    ));
    report.row(format!(
        "delivery  {complete_ok} of {} subscribers got all {expected_logs} log events exactly once \
         and in order, then `complete`",
        o.subscribers
    ));
    report.row(format!(
        "load      server {cpu:.2} cores, harness {me:.2} cores ({} client threads) over {wall:.1} s; \
         server RSS {:.1} MB with all attached, peak {:.1} MB",
        threads,
        rss_connected as f64 / 1024.0,
        peak_rss as f64 / 1024.0
    ));
    let others = m0.busy_cores(&m1) - cpu - me;
    report.row(format!(
        "          {}; everything else on the box {:.2} cores",
        m0.describe(&m1),
        others.max(0.0)
    ));
    report.row(format!(
        "attach    {} subscribers connected and got the first line in {:.1} s",
        o.subscribers,
        connect_time.as_secs_f64()
    ));
    for s in subs
        .iter()
        .filter(|s| {
            !(s.complete && s.logs == expected_logs && s.out_of_order == 0 && s.wrong_content == 0)
        })
        .take(3)
    {
        report.problem(format!(
            "a subscriber got {} of {expected_logs} log events, {} out of order, {} wrong, complete: {}",
            s.logs, s.out_of_order, s.wrong_content, s.complete
        ));
    }
    if !errors.is_empty() {
        report.problem(format!(
            "{} subscriber(s) failed, e.g.: {}",
            errors.len(),
            errors[0]
        ));
    }
    report.headline = format!(
        "p99 {} (p50 {}, max {}), {complete_ok}/{} subscribers complete",
        f(p99),
        f(pct(&lat, 50.0)),
        f(pct(&lat, 100.0)),
        o.subscribers
    );
    report.pass = complete_ok == o.subscribers && p99 < 100_000;
    server.stop().await;
    report.server_log = server.log();
    Ok(report)
}
