//! `agented-bench`: measures the execution engine's numbers against the real release server.
//!
//! Every measurement starts `target/release/agented serve` as a child process on a free
//! 127.0.0.1 port with a fresh temporary data directory (`AGENTED_LOG_LEVEL=warn`, per-key rate
//! limit off, enough run and stream slots), creates an admin key with `agented keys create`, and
//! points `AGENTED_CLAUDE_BIN` at `fake-cli` (the second binary of this crate). The server runs
//! `fake-cli … -- <prompt>`; the prompt says what fake-cli does (`lines=N rate=R stamp=1 …`, see
//! `src/bin/fake_cli.rs`). Fake-cli prints exactly the lines asked for and exits 0; its first line
//! is `start_ns=<ns since the epoch>`, taken as the first thing in `main`, and with `stamp=1` each
//! line carries `t=<ns>` taken just before it is written. Client and fake-cli share the machine's
//! clock, so "receive time − send time" is meaningful. The server is stopped (SIGTERM, then SIGKILL
//! after 20 s) at the end of each measurement, on errors and on Ctrl-C; its stderr (warnings and
//! errors) is summarised in each report. CPU and memory are the server process's own, from
//! `/proc/<pid>/stat` (utime + stime) and `/proc/<pid>/status` (VmRSS, VmHWM); the fake CLIs are
//! separate processes and are not counted.
//!
//! The measurements (targets are the "Execution engine" issue's, for a 2-core machine):
//!
//! 1. `spawn-latency` — request to process spawned, p50 < 10 ms. For `--runs` sequential runs
//!    (after `--warmup` unmeasured ones): client time just before `POST /admin/executions` is
//!    sent, versus fake-cli's `start_ns` read back from the run's live stream. p50/p90/p99/max.
//! 2. `concurrent-runs` — `--runs` (200) runs at once, each printing `--rate` (1,000) lines/s of
//!    `--line-bytes` (100) bytes for `--seconds` (15) s. Afterwards every run's stored log is read
//!    back page by page and checked line by line (count, sequence numbers, content; the record's
//!    `log_lines` must match, and a run must take about `--seconds`: longer means the server held
//!    the CLI back through its pipe, i.e. it could not store as fast as asked). Server CPU
//!    (cores = CPU seconds / wall seconds) is reported for the steady phase (all runs observed
//!    running → first run observed finished) and for the whole window (first POST → last run
//!    finished); RSS is sampled every 100 ms. Targets: every line stored, < 1 core, < 200 MB RSS.
//! 3. `sse-fanout` — `--subscribers` (1,000) SSE clients (tokio tasks, reqwest streaming bodies, a
//!    minimal SSE parser) on one run printing `--rate` (200) stamped lines/s for `--seconds` (10) s.
//!    The run prints its first line and waits for a "go" file; the harness creates it once every
//!    subscriber has received that first line, so all of them are attached to the live run before
//!    the measured lines start. Latency = receive time of the chunk holding the event − the line's
//!    `t=`; p50/p99/max over all deliveries. Each subscriber must get every `log` event exactly
//!    once with consecutive ids, then `complete`. Target: p99 < 100 ms. The subscribers are spread
//!    over `--client-threads` (one per CPU) threads, each with its own single-threaded runtime and
//!    HTTP client: with one multi-threaded runtime, every event cost a cross-thread wake-up and the
//!    client, not the server, was the bottleneck. The clients share the 2 cores with the server, so
//!    the report gives the CPU of both (and of everything else on the machine).
//! 4. `idle-sse` — `--connections` (1,000) streams to a running run that is silent (fake-cli sleeps
//!    after its first line); each stream counts once it received that line. Server RSS (average of
//!    5 readings) before and after, after `--settle` s; KB per connection = growth / connections.
//!    Target: < 20 KB each. It then closes them and repeats (`--rounds`, 3): RSS that keeps
//!    climbing from round to round would be a leak; a climb that flattens out is the allocator.
//! 5. `replay` — a run prints `--lines` (1,000,000) short lines as fast as it can; once it has
//!    finished, a new subscriber reads the whole log from its stream; lines/s = `log` events /
//!    time from request to `complete` (`--repeat` reads; the first one is judged). The count and
//!    order of ids are checked. Target: ≥ 200,000 lines/s.
//!
//! The harness itself runs on a single-threaded tokio runtime (one stream is read fastest without
//! cross-thread wake-ups; `sse-fanout` starts its own client threads). Each report ends with how
//! busy the machine already was in the second before the measurement started: other users' work
//! on the same cores skews these figures, and the report says so.
//!
//! `all` runs the five in that order with the same per-measurement defaults (scale them with the
//! same flags, e.g. `all --runs 20 --seconds 5`) and prints a final table. The process raises its
//! soft `RLIMIT_NOFILE` to the hard limit first; if that is too low for the connections asked for,
//! it says so. This is a benchmark program: nothing here is a test with timed assertions.

mod api;
mod concurrent;
mod fanout;
mod idle;
mod replay;
mod report;
mod server;
mod spawn;

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};

use crate::report::Report;
use crate::server::ServerOpts;

#[derive(Parser)]
#[command(about = "Benchmarks of the agented execution engine (see the crate docs)")]
struct Cli {
    /// The server binary (default: `agented` next to this program).
    #[arg(long, global = true)]
    server_bin: Option<PathBuf>,
    /// The fake agent CLI (default: `fake-cli` next to this program).
    #[arg(long, global = true)]
    fake_cli: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// 1. Request → fake CLI started, sequential runs.
    SpawnLatency(spawn::Opts),
    /// 2. Many concurrent chatty runs: storage completeness, server CPU and RSS.
    ConcurrentRuns(concurrent::Opts),
    /// 3. Many SSE subscribers on one busy run: delivery latency.
    SseFanout(fanout::Opts),
    /// 4. Idle SSE connections: server memory per connection.
    IdleSse(idle::Opts),
    /// 5. A finished run's long log streamed to a new subscriber.
    Replay(replay::Opts),
    /// All five, one after the other.
    All(AllOpts),
}

/// Flags of `all`: each scales the measurements it applies to.
#[derive(clap::Args)]
struct AllOpts {
    /// Sequential runs of spawn-latency; concurrent runs of concurrent-runs.
    #[arg(long)]
    runs: Option<usize>,
    /// Seconds the runs of concurrent-runs and sse-fanout print.
    #[arg(long)]
    seconds: Option<u64>,
    /// Lines/s per run in concurrent-runs.
    #[arg(long)]
    rate: Option<u64>,
    /// Lines/s of the run in sse-fanout.
    #[arg(long)]
    fanout_rate: Option<u64>,
    /// Subscribers in sse-fanout and connections in idle-sse.
    #[arg(long)]
    subscribers: Option<usize>,
    /// Lines of the replayed run.
    #[arg(long)]
    lines: Option<u64>,
}

/// Raises the soft open-files limit to the hard one; returns the limit now in force.
fn raise_nofile() -> u64 {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => hard,
            Err(e) => {
                eprintln!(
                    "warning: could not raise the open-files limit from {soft} to {hard}: {e}"
                );
                soft
            }
        },
        Ok((soft, _)) => soft,
        Err(_) => 1024,
    }
}

/// Fails clearly when `connections` streams cannot fit in the open-files limit.
fn need_fds(limit: u64, connections: usize) -> Result<()> {
    let needed = connections as u64 + 200;
    if limit < needed {
        bail!(
            "the open-files limit is {limit} (hard limit included), but {connections} connections \
             need about {needed} descriptors in this process (and as many in the server): raise \
             it (ulimit -Hn / LimitNOFILE) or ask for fewer connections"
        );
    }
    Ok(())
}

/// Runs a measurement after noting how busy the machine already is (other users' work on the
/// same cores skews every figure here), and adds that to its report.
async fn measured(m: impl std::future::Future<Output = Result<Report>>) -> Result<Report> {
    let before = server::MachineCpu::read();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let busy = before.busy_cores(&server::MachineCpu::read());
    let mut report = m.await?;
    report.row(format!(
        "box       {busy:.2} cores were already busy (other processes) in the second before it \
         started{}",
        if busy > 0.3 {
            " — the machine was not quiet; figures may be pessimistic"
        } else {
            ""
        }
    ));
    Ok(report)
}

async fn run(cli: Cli) -> Result<Vec<Report>> {
    let limit = raise_nofile();
    let here = std::env::current_exe()?
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let opts = ServerOpts {
        server_bin: cli.server_bin.unwrap_or_else(|| here.join("agented")),
        fake_cli: cli.fake_cli.unwrap_or_else(|| here.join("fake-cli")),
        max_runs: 250,
        max_streams: 2000,
    };
    println!(
        "agented-bench: server {}, fake CLI {}, {} CPUs, open-files limit {limit}",
        opts.server_bin.display(),
        opts.fake_cli.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut reports = Vec::new();
    let mut keep = |r: Report| {
        r.print();
        reports.push(r);
    };
    match cli.command {
        Cmd::SpawnLatency(o) => keep(measured(spawn::run(&opts, &o)).await?),
        Cmd::ConcurrentRuns(o) => keep(measured(concurrent::run(&opts, &o)).await?),
        Cmd::SseFanout(o) => {
            need_fds(limit, o.subscribers)?;
            keep(measured(fanout::run(&opts, &o)).await?)
        }
        Cmd::IdleSse(o) => {
            need_fds(limit, o.connections)?;
            keep(measured(idle::run(&opts, &o)).await?)
        }
        Cmd::Replay(o) => keep(measured(replay::run(&opts, &o)).await?),
        Cmd::All(a) => {
            let subscribers = a.subscribers.unwrap_or(1000);
            need_fds(limit, subscribers)?;
            let spawn_o = spawn::Opts {
                runs: a.runs.map_or(100, |r| r.min(100)),
                warmup: 3,
            };
            let conc_o = concurrent::Opts {
                runs: a.runs.unwrap_or(200),
                rate: a.rate.unwrap_or(1000),
                seconds: a.seconds.unwrap_or(15),
                line_bytes: 100,
            };
            let fan_o = fanout::Opts {
                subscribers,
                rate: a.fanout_rate.unwrap_or(200),
                seconds: a.seconds.map_or(10, |s| s.min(10)),
                connect_parallel: 50,
                client_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            };
            let idle_o = idle::Opts {
                connections: subscribers,
                settle: 3,
                rounds: 3,
            };
            let replay_o = replay::Opts {
                lines: a.lines.unwrap_or(1_000_000),
                repeat: 2,
            };
            // A failed measurement is reported and the next one still runs.
            let mut failures = Vec::new();
            for step in 0..5 {
                let (name, r) = match step {
                    0 => ("spawn-latency", measured(spawn::run(&opts, &spawn_o)).await),
                    1 => (
                        "concurrent-runs",
                        measured(concurrent::run(&opts, &conc_o)).await,
                    ),
                    2 => ("sse-fanout", measured(fanout::run(&opts, &fan_o)).await),
                    3 => ("idle-sse", measured(idle::run(&opts, &idle_o)).await),
                    _ => ("replay", measured(replay::run(&opts, &replay_o)).await),
                };
                match r {
                    Ok(r) => keep(r),
                    Err(e) => {
                        println!("\n== {name}: FAILED TO RUN: {e:#}");
                        failures.push(name);
                    }
                }
            }
            println!("\n== summary");
            for r in &reports {
                println!("   {:<16} {}  {}", r.name, r.verdict(), r.headline);
            }
            for f in failures {
                println!("   {f:<16} ERROR (see above)");
            }
        }
    }
    Ok(reports)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let outcome = tokio::select! {
        r = run(cli) => r,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: stopping the server");
            Err(anyhow::anyhow!("interrupted"))
        }
    };
    match outcome {
        Ok(reports) if reports.iter().all(|r| r.pass) => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("agented-bench: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
