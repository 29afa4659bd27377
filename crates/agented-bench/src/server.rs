//! The server under test: the real release binary as a child process on a free loopback port with
//! a fresh data directory, plus what `/proc` says about it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Where the binaries are and how to configure the server.
#[derive(Debug, Clone)]
pub struct ServerOpts {
    /// `target/release/agented`.
    pub server_bin: PathBuf,
    /// `target/release/fake-cli`.
    pub fake_cli: PathBuf,
    /// `AGENTED_MAX_CONCURRENT_RUNS`.
    pub max_runs: usize,
    /// `AGENTED_MAX_STREAMS_PER_KEY`.
    pub max_streams: usize,
}

/// A running server.
pub struct Server {
    child: std::sync::Mutex<Option<Child>>,
    /// Its process id.
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// An admin API key.
    pub key: String,
    /// A client for it (no proxy, no timeouts of its own: callers bound every wait).
    pub client: reqwest::Client,
    stderr_path: PathBuf,
    dir: tempfile::TempDir,
}

/// What the server wrote to stderr at level warn and above.
#[derive(Debug, Default)]
pub struct ServerLog {
    /// Lines containing `WARN`.
    pub warnings: usize,
    /// Lines containing `ERROR`.
    pub errors: usize,
    /// The first few distinct messages.
    pub samples: Vec<String>,
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

fn configure(cmd: &mut Command, opts: &ServerOpts, data: &Path, port: u16) {
    cmd.env("AGENTED_DATA_DIR", data)
        .env("AGENTED_BIND", format!("127.0.0.1:{port}"))
        .env("AGENTED_LOG_LEVEL", "warn")
        .env("AGENTED_LOG_FORMAT", "text")
        .env("NO_COLOR", "1")
        .env("AGENTED_CLAUDE_BIN", &opts.fake_cli)
        .env("AGENTED_MAX_CONCURRENT_RUNS", opts.max_runs.to_string())
        .env("AGENTED_RATE_LIMIT_PER_KEY_PER_MIN", "0")
        .env("AGENTED_RATE_LIMIT_PUBLIC_PER_MIN", "0")
        .env("AGENTED_MAX_STREAMS_PER_KEY", opts.max_streams.to_string())
        .env("AGENTED_KILL_GRACE_SECS", "2")
        .env("AGENTED_SHUTDOWN_GRACE_SECS", "5")
        .env_remove("AGENTED_CONFIG")
        .env_remove("AGENTED_DATABASE_URL")
        .env_remove("AGENTED_API_KEY");
}

impl Server {
    /// Creates an admin key, starts `agented serve` and waits (≤ 30 s) for "listening on".
    pub async fn start(opts: &ServerOpts) -> Result<Server> {
        for bin in [&opts.server_bin, &opts.fake_cli] {
            if !bin.is_file() {
                bail!(
                    "{} not found: build it first (cargo build --release -p agented --bin agented; \
                     cargo build --release -p agented-bench)",
                    bin.display()
                );
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("agented-bench-")
            .tempdir()
            .context("creating a temporary directory")?;
        let data = dir.path().join("data");
        let port = free_port()?;

        let mut keys = Command::new(&opts.server_bin);
        keys.args(["keys", "create", "--role", "admin", "--label", "bench"]);
        configure(&mut keys, opts, &data, port);
        let out = tokio::time::timeout(Duration::from_secs(60), keys.output())
            .await
            .context("`agented keys create` took over 60 s")?
            .context("running `agented keys create`")?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let key = stdout
            .lines()
            .find(|l| l.starts_with("  agd_"))
            .map(|l| l.trim().to_owned())
            .ok_or_else(|| {
                anyhow!(
                    "`agented keys create` printed no key (exit {:?}): {}{}",
                    out.status.code(),
                    stdout,
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;

        let stderr_path = dir.path().join("server.stderr");
        let stderr = std::fs::File::create(&stderr_path)?;
        let mut cmd = Command::new(&opts.server_bin);
        cmd.arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true);
        configure(&mut cmd, opts, &data, port);
        let mut child = cmd.spawn().context("starting the server")?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow!("the server exited at once"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no server stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = async {
            while let Some(line) = lines.next_line().await? {
                if line.contains("listening on http://") {
                    return Ok::<bool, std::io::Error>(true);
                }
            }
            Ok(false)
        };
        let server = Server {
            child: std::sync::Mutex::new(Some(child)),
            pid,
            base: format!("http://127.0.0.1:{port}"),
            key,
            client: reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(64)
                .tcp_nodelay(true)
                .build()?,
            stderr_path,
            dir,
        };
        match tokio::time::timeout(Duration::from_secs(30), ready).await {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) | Ok(Err(_)) => {
                let log = server.log();
                server.stop().await;
                bail!(
                    "the server exited before it was ready; its stderr: {}",
                    log.samples.join(" | ")
                );
            }
            Err(_) => {
                server.stop().await;
                bail!("the server was not ready within 30 s");
            }
        }
        // Keep draining stdout so the pipe never fills.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(server)
    }

    /// A file path inside the server's temporary directory (removed with it).
    pub fn temp_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `base + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// CPU time (user + system) of the server process alone, in seconds.
    pub fn cpu_secs(&self) -> Result<f64> {
        proc_cpu_secs(&format!("/proc/{}/stat", self.pid))
    }

    /// `VmRSS` of the server process, in KiB.
    pub fn rss_kb(&self) -> Result<u64> {
        proc_status_kb(self.pid, "VmRSS:")
    }

    /// CPU seconds of the server's reaped children (the fake CLIs that have exited).
    pub fn children_cpu_secs(&self) -> Result<f64> {
        proc_children_cpu_secs(&format!("/proc/{}/stat", self.pid))
    }

    /// `RssAnon` (heap, stacks: not file mappings) of the server process, in KiB.
    pub fn anon_kb(&self) -> Result<u64> {
        proc_status_kb(self.pid, "RssAnon:")
    }

    /// Bytes the server process caused to be written to storage (`write_bytes` of /proc/pid/io).
    pub fn write_bytes(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/io", self.pid))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("write_bytes:"))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// Total size of the files in the data directory (the database and its WAL), in bytes.
    pub fn data_bytes(&self) -> u64 {
        std::fs::read_dir(self.dir.path().join("data"))
            .map(|d| {
                d.filter_map(|e| e.ok()?.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    /// `VmHWM` (peak RSS) of the server process, in KiB.
    pub fn hwm_kb(&self) -> Result<u64> {
        proc_status_kb(self.pid, "VmHWM:")
    }

    /// Warnings and errors the server logged so far.
    pub fn log(&self) -> ServerLog {
        let text = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let mut log = ServerLog::default();
        for raw in text.lines() {
            let line = strip_ansi(raw);
            let is_error = line.contains("ERROR");
            let is_warn = line.contains("WARN");
            if is_error {
                log.errors += 1;
            } else if is_warn {
                log.warnings += 1;
            }
            if (is_error || is_warn || line.contains("panicked"))
                && log.samples.len() < 5
                && !log.samples.iter().any(|s| similar(s, &line))
            {
                log.samples.push(line.chars().take(300).collect());
            }
        }
        log
    }

    /// SIGTERM, wait up to 20 s for a graceful exit (which stops its runs), then SIGKILL.
    pub async fn stop(&self) {
        let Some(mut child) = self.child.lock().ok().and_then(|mut c| c.take()) else {
            return;
        };
        if let Ok(pid) = i32::try_from(self.pid) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        if tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

impl Drop for Server {
    /// On an error path (or Ctrl-C) the server is stopped the same way, synchronously.
    fn drop(&mut self) {
        let Some(mut child) = self.child.lock().ok().and_then(|mut c| c.take()) else {
            return;
        };
        if let Ok(pid) = i32::try_from(self.pid) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let since = Instant::now();
        while since.elapsed() < Duration::from_secs(20) {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.start_kill();
    }
}

/// Two log lines with the same message (timestamps and ids differ).
fn similar(a: &str, b: &str) -> bool {
    let msg = |s: &str| {
        s.split_whitespace()
            .skip(2)
            .take(6)
            .collect::<Vec<_>>()
            .join(" ")
    };
    msg(a) == msg(b)
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// utime + stime of `/proc/<pid>/stat` (USER_HZ is 100 on Linux), in seconds.
pub fn proc_cpu_secs(stat_path: &str) -> Result<f64> {
    proc_stat_secs(stat_path, 11)
}

/// cutime + cstime of `/proc/<pid>/stat`: CPU of the children it has reaped, in seconds.
pub fn proc_children_cpu_secs(stat_path: &str) -> Result<f64> {
    proc_stat_secs(stat_path, 13)
}

/// Two consecutive tick fields of `/proc/<pid>/stat` starting at `first` (counted from field 3).
fn proc_stat_secs(stat_path: &str, first: usize) -> Result<f64> {
    let text =
        std::fs::read_to_string(stat_path).with_context(|| format!("reading {stat_path}"))?;
    // The command name (field 2) may contain spaces; fields are counted after its ')'.
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow!("unexpected {stat_path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    let a: u64 = fields.get(first).and_then(|f| f.parse().ok()).unwrap_or(0);
    let b: u64 = fields
        .get(first + 1)
        .and_then(|f| f.parse().ok())
        .unwrap_or(0);
    Ok((a + b) as f64 / 100.0)
}

fn proc_status_kb(pid: u32, field: &str) -> Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("no {field} in /proc/{pid}/status"))
}

/// Samples the server's CPU time and RSS every 100 ms in the background.
pub struct Sampler {
    task: tokio::task::JoinHandle<Vec<Sample>>,
    stop: tokio::sync::watch::Sender<bool>,
}

/// One sample.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// When.
    pub at: Instant,
    /// Server CPU seconds so far.
    pub cpu: f64,
    /// Server RSS in KiB.
    pub rss_kb: u64,
    /// Its anonymous part (heap, stacks) in KiB.
    pub anon_kb: u64,
}

impl Sampler {
    /// Starts sampling `pid` (for at most an hour).
    pub fn start(pid: u32) -> Sampler {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let stat = format!("/proc/{pid}/stat");
            let mut out = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            for _ in 0..36_000 {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let (Ok(cpu), Ok(rss_kb), Ok(anon_kb)) = (
                    proc_cpu_secs(&stat),
                    proc_status_kb(pid, "VmRSS:"),
                    proc_status_kb(pid, "RssAnon:"),
                ) else {
                    break;
                };
                out.push(Sample {
                    at: Instant::now(),
                    cpu,
                    rss_kb,
                    anon_kb,
                });
            }
            out
        });
        Sampler { task, stop }
    }

    /// Stops and returns the samples.
    pub async fn finish(self) -> Vec<Sample> {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}

/// The sample closest to `at`.
pub fn sample_near(samples: &[Sample], at: Instant) -> Option<Sample> {
    samples
        .iter()
        .min_by_key(|s| if s.at > at { s.at - at } else { at - s.at })
        .copied()
}

/// Whole-machine CPU counters from the `cpu` line of `/proc/stat` (jiffies over all CPUs).
#[derive(Debug, Clone, Copy, Default)]
pub struct MachineCpu {
    busy: u64,
    iowait: u64,
    steal: u64,
    total: u64,
}

impl MachineCpu {
    /// Reads the counters now (zeros if unreadable).
    pub fn read() -> MachineCpu {
        let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
            return MachineCpu::default();
        };
        let v: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        let get = |i: usize| v.get(i).copied().unwrap_or(0);
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let total: u64 = (0..8).map(get).sum();
        MachineCpu {
            busy: get(0) + get(1) + get(2) + get(5) + get(6),
            iowait: get(4),
            steal: get(7),
            total,
        }
    }

    /// Cores busy on the whole machine between `self` (earlier) and `later`.
    pub fn busy_cores(&self, later: &MachineCpu) -> f64 {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let total = later.total.saturating_sub(self.total).max(1) as f64;
        later.busy.saturating_sub(self.busy) as f64 / total * cpus
    }

    /// "busy X of N cores, iowait Y, steal Z" between `self` (earlier) and `later`.
    pub fn describe(&self, later: &MachineCpu) -> String {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let total = later.total.saturating_sub(self.total).max(1) as f64;
        let share = |a: u64, b: u64| b.saturating_sub(a) as f64 / total * cpus;
        format!(
            "machine busy {:.2} of {cpus:.0} cores (iowait {:.2}, steal {:.2})",
            share(self.busy, later.busy),
            share(self.iowait, later.iowait),
            share(self.steal, later.steal)
        )
    }
}
