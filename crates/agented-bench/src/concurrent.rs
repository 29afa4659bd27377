//! 2. Many concurrent chatty runs: every line stored, server CPU and RSS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::api;
use crate::report::Report;
use crate::server::{proc_cpu_secs, sample_near, MachineCpu, Sampler, Server, ServerOpts};

/// Options.
#[derive(Debug, Clone, clap::Args)]
pub struct Opts {
    /// Concurrent runs.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
    /// Lines per second printed by each run.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// How long each run prints.
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// Bytes per line (padded with `x`).
    #[arg(long, default_value_t = 100)]
    pub line_bytes: usize,
}

/// What the stored log of one run looked like.
#[derive(Default)]
struct Check {
    stdout: u64,
    /// The `i=` of the last stdout line stored.
    last_i: u64,
    /// Lines whose sequence number or content was not the expected one.
    wrong: u64,
    last_system: String,
    total: u64,
}

async fn check_run(server: &Server, id: &str) -> Result<Check> {
    let mut c = Check::default();
    api::for_each_stored_line(server, id, |seq, stream, content| {
        c.total += 1;
        if seq != c.total {
            c.wrong += 1;
        }
        match stream {
            "stdout" => {
                c.stdout += 1;
                let ok = if c.stdout == 1 {
                    content.starts_with("start_ns=")
                } else {
                    c.last_i = api::field(content, "i").unwrap_or(0);
                    c.last_i == c.stdout
                };
                if !ok {
                    c.wrong += 1;
                }
            }
            "system" => c.last_system = content.to_owned(),
            _ => c.wrong += 1,
        }
    })
    .await?;
    Ok(c)
}

/// Runs the measurement.
pub async fn run(server_opts: &ServerOpts, o: &Opts) -> Result<Report> {
    let per_run = o.rate * o.seconds + 1;
    let mut report = Report::new(
        "concurrent-runs",
        format!(
            "{} concurrent runs × {} lines/s × {} s ({} B lines, {} lines per run)",
            o.runs, o.rate, o.seconds, o.line_bytes, per_run
        ),
        "every line stored; server < 1 core; server RSS < 200 MB",
    );
    let opts = ServerOpts {
        max_runs: o.runs + 10,
        ..server_opts.clone()
    };
    let server = Arc::new(Server::start(&opts).await?);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = server.rss_kb()?;
    let sampler = Sampler::start(server.pid);
    let t0 = Instant::now();
    let cpu0 = server.cpu_secs()?;
    let io0 = server.write_bytes();
    let m0 = MachineCpu::read();
    let kids0 = server.children_cpu_secs()?;
    let me0 = proc_cpu_secs("/proc/self/stat")?;
    let mut m_steady: Option<(MachineCpu, MachineCpu)> = None;
    let mut m_all_running = None;

    // Start the runs, 8 requests at a time.
    let prompt = format!(
        "lines={per_run} rate={} tick=10 bytes={} bench=concurrent",
        o.rate, o.line_bytes
    );
    let mut ids = Vec::with_capacity(o.runs);
    let mut post_ms = Vec::with_capacity(o.runs);
    // Generous, so slow storage shows as long runs rather than timeouts.
    let timeout = (o.seconds * 10 + 300).min(86_400);
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..o.runs {
        let (server, gate, prompt) = (server.clone(), gate.clone(), prompt.clone());
        set.spawn(async move {
            let _permit = gate.acquire_owned().await;
            api::start_run(&server, &prompt, timeout).await
        });
    }
    while let Some(r) = set.join_next().await {
        let started = r??;
        post_ms.push(started.answered.as_secs_f64() * 1000.0);
        ids.push(started.id);
    }
    let posted = t0.elapsed();

    let mut all_running: Option<Instant> = None;
    let mut first_done: Option<Instant> = None;
    let wait = api::wait_terminal(
        &server,
        &ids,
        Duration::from_secs(o.seconds * 6 + 300),
        Duration::from_millis(500),
        |running, terminal| {
            if all_running.is_none() && running == ids.len() {
                all_running = Some(Instant::now());
                m_all_running = Some(MachineCpu::read());
            }
            if first_done.is_none() && terminal > 0 {
                first_done = Some(Instant::now());
                if let Some(a) = m_all_running {
                    m_steady = Some((a, MachineCpu::read()));
                }
            }
        },
    )
    .await;
    let wall = t0.elapsed();
    let cpu1 = server.cpu_secs()?;
    let hwm = server.hwm_kb()?;
    let io1 = server.write_bytes();
    let m1 = MachineCpu::read();
    let kids = server.children_cpu_secs()? - kids0;
    let me = proc_cpu_secs("/proc/self/stat")? - me0;
    let samples = sampler.finish().await;
    wait?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = server.rss_kb()?;
    let anon_after = server.anon_kb()?;

    let stored_window = wall.as_secs_f64();
    let cores_overall = (cpu1 - cpu0) / stored_window;
    let steady = match (all_running, first_done) {
        (Some(a), Some(b)) if b > a + Duration::from_secs(1) => {
            match (sample_near(&samples, a), sample_near(&samples, b)) {
                (Some(sa), Some(sb)) if sb.at > sa.at => Some((
                    (sb.cpu - sa.cpu) / (sb.at - sa.at).as_secs_f64(),
                    (sb.at - sa.at).as_secs_f64(),
                )),
                _ => None,
            }
        }
        _ => None,
    };
    let peak_rss = samples
        .iter()
        .map(|s| s.rss_kb)
        .max()
        .unwrap_or(0)
        .max(idle_rss)
        .max(hwm);
    let peak_anon = samples.iter().map(|s| s.anon_kb).max().unwrap_or(0);
    // RSS at every tenth of the window, to show growth or a plateau.
    let timeline: Vec<String> = (1..=10)
        .filter_map(|k| sample_near(&samples, t0 + wall.mul_f64(k as f64 / 10.0)))
        .map(|s| format!("{:.0}", s.rss_kb as f64 / 1024.0))
        .collect();

    // Check every run's stored log, 4 runs at a time (after the measured window).
    let mut total_stdout = 0u64;
    let mut bad_runs = Vec::new();
    let mut not_success = 0;
    let mut log_lines_mismatch = 0;
    let mut durations = Vec::new();
    let mut set = tokio::task::JoinSet::new();
    let mut pending = ids.clone().into_iter();
    let mut results = Vec::new();
    loop {
        while set.len() < 4 {
            let Some(id) = pending.next() else { break };
            let server = server.clone();
            set.spawn(async move {
                let rec = api::record(&server, &id).await?;
                let check = check_run(&server, &id).await?;
                Ok::<_, anyhow::Error>((id, rec, check))
            });
        }
        let Some(r) = set.join_next().await else {
            break;
        };
        results.push(r??);
    }
    for (id, rec, c) in &results {
        total_stdout += c.stdout;
        if rec["status"] != "success" {
            not_success += 1;
        }
        if let Some(d) = rec["duration_ms"].as_i64() {
            durations.push(d);
        }
        let log_lines = rec["log_lines"].as_i64().unwrap_or(-1);
        if log_lines != c.total as i64 {
            log_lines_mismatch += 1;
        }
        if c.stdout != per_run || c.wrong > 0 || !c.last_system.contains("exited with code 0") {
            let tail = if c.wrong == 0 && c.last_i == c.stdout && c.stdout < per_run {
                format!(
                    " (lines i={}..={} — the END of the output — are missing)",
                    c.stdout + 1,
                    per_run
                )
            } else {
                String::new()
            };
            bad_runs.push(format!(
                "{id}: {} of {per_run} stdout lines stored{tail}, {} out of place, status {}, \
                 last system line {:?}",
                c.stdout, c.wrong, rec["status"], c.last_system
            ));
        }
    }
    let expected = per_run * o.runs as u64;
    let all_stored = bad_runs.is_empty() && results.len() == o.runs && total_stdout == expected;

    durations.sort_unstable();
    report.row(format!(
        "stored    {total_stdout} of {expected} lines ({}); {:.0} lines/s over the {:.1} s window \
         (all POSTs answered after {:.1} s)",
        if all_stored { "all" } else { "LINES MISSING" },
        total_stdout as f64 / stored_window,
        stored_window,
        posted.as_secs_f64()
    ));
    report.row(format!(
        "runs      {} success of {}; active duration min {:.1} s, median {:.1} s, max {:.1} s \
         (a run longer than {} s was held back by backpressure)",
        o.runs - not_success,
        o.runs,
        durations.first().copied().unwrap_or(0) as f64 / 1000.0,
        crate::report::pct(&durations, 50.0) as f64 / 1000.0,
        durations.last().copied().unwrap_or(0) as f64 / 1000.0,
        o.seconds
    ));
    match steady {
        Some((cores, span)) => report.row(format!(
            "CPU       server {cores:.2} cores while all {} runs were running ({span:.1} s); \
             {cores_overall:.2} cores over the whole window",
            o.runs
        )),
        None => report.row(format!(
            "CPU       server {cores_overall:.2} cores over the whole window (no steady phase with \
             all runs running was observed)"
        )),
    }
    let secs = wall.as_secs_f64();
    let others = m0.busy_cores(&m1) - (cpu1 - cpu0 + kids + me) / secs;
    report.row(format!(
        "          fake CLIs {:.2} cores, harness {:.2} cores, everything else on the box {:.2} \
         cores (other users' builds etc.)",
        kids / secs,
        me / secs,
        others.max(0.0)
    ));
    report.row(format!(
        "          {} over the whole window{}",
        m0.describe(&m1),
        m_steady
            .map(|(a, b)| format!("; steady phase: {}", a.describe(&b)))
            .unwrap_or_default()
    ));
    report.row(format!(
        "memory    server RSS peak {:.1} MB (VmHWM {:.1} MB; anonymous {:.1} MB), idle before \
         {:.1} MB, 2 s after the runs ended {:.1} MB (anonymous {:.1} MB)",
        peak_rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        peak_anon as f64 / 1024.0,
        idle_rss as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        anon_after as f64 / 1024.0
    ));
    report.row(format!(
        "          RSS (MB) at each tenth of the window: {}",
        timeline.join(" ")
    ));
    report.row(format!(
        "disk      server wrote {:.0} MB during the window; data directory {:.0} MB at the end",
        io1.saturating_sub(io0) as f64 / 1e6,
        server.data_bytes() as f64 / 1e6
    ));
    post_ms.sort_by(f64::total_cmp);
    report.row(format!(
        "POST→202  p50 {:.1} ms, max {:.1} ms while starting the runs",
        crate::report::pct(&post_ms, 50.0),
        crate::report::pct(&post_ms, 100.0)
    ));
    if not_success > 0 {
        report.problem(format!("{not_success} run(s) did not end as success"));
    }
    for b in bad_runs.iter().take(5) {
        report.problem(b.clone());
    }
    if bad_runs.len() > 5 {
        report.problem(format!(
            "… and {} more runs with missing lines",
            bad_runs.len() - 5
        ));
    }
    if log_lines_mismatch > 0 {
        report.problem(format!(
            "{log_lines_mismatch} of {} runs: the record's `log_lines` differs from the number of \
             stored lines (e.g. {} says {} but {} lines are stored)",
            results.len(),
            results.first().map(|r| r.0.as_str()).unwrap_or(""),
            results
                .first()
                .map(|r| r.1["log_lines"].clone())
                .unwrap_or_default(),
            results.first().map(|r| r.2.total).unwrap_or(0)
        ));
    }
    let cores = steady.map(|s| s.0).unwrap_or(cores_overall);
    report.headline = format!(
        "{:.0} lines/s stored, {} lost, server {:.2} cores, RSS peak {:.0} MB",
        total_stdout as f64 / stored_window,
        expected.saturating_sub(total_stdout),
        cores,
        peak_rss as f64 / 1024.0
    );
    report.pass =
        all_stored && not_success == 0 && cores < 1.0 && (peak_rss as f64) < 200.0 * 1024.0;
    server.stop().await;
    report.server_log = server.log();
    Ok(report)
}
