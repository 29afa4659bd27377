//! A fake agent CLI for the engine benchmark. The server starts it like `claude`
//! (`… -p --output-format stream-json … -- <prompt>`); it ignores every argument except the LAST one,
//! the prompt, which holds its behaviour as `key=value` words:
//!
//! - `lines=N`     stdout lines in all, the first included (default 1). When absent and both `rate`
//!   and `seconds` are given, `N = rate × seconds + 1`.
//! - `rate=R`      lines per second after the first (0 = as fast as possible; default 0).
//! - `seconds=S`   see `lines`.
//! - `tick=MS`     with a rate: wake up every MS milliseconds and write what is due (default 10).
//! - `stamp=1`     put `t=<ns since the Unix epoch>` (taken just before the write) in every line.
//! - `bytes=B`     pad each line with `x` to about B bytes.
//! - `sleep=S`     after the first line, stay silent for S seconds before the rest.
//! - `go=PATH`     after the first line, wait until PATH exists (polled every millisecond) …
//! - `gotimeout=S` … for at most S seconds (default 300), then exit 3.
//!
//! Line 1 is always `start_ns=<ns>`, taken as the first thing in `main`. Line k (2..=N) is
//! `i=k[ t=<ns>][ xxx…]`. It prints exactly N lines, then exits 0 (1 if stdout is gone).
//! `--version` alone prints a version (the server asks at start-up).

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

#[derive(Debug)]
struct Plan {
    lines: u64,
    rate: u64,
    tick: Duration,
    stamp: bool,
    bytes: usize,
    sleep: Duration,
    go: Option<String>,
    go_timeout: Duration,
}

fn plan(prompt: &str) -> Plan {
    let mut p = Plan {
        lines: 1,
        rate: 0,
        tick: Duration::from_millis(10),
        stamp: false,
        bytes: 0,
        sleep: Duration::ZERO,
        go: None,
        go_timeout: Duration::from_secs(300),
    };
    let mut lines = None;
    let mut seconds = None;
    for word in prompt.split_whitespace() {
        let Some((k, v)) = word.split_once('=') else {
            continue;
        };
        let num = v.parse::<u64>().ok();
        match (k, num) {
            ("lines", Some(n)) => lines = Some(n.max(1)),
            ("rate", Some(n)) => p.rate = n,
            ("seconds", Some(n)) => seconds = Some(n),
            ("tick", Some(n)) => p.tick = Duration::from_millis(n.max(1)),
            ("stamp", Some(n)) => p.stamp = n != 0,
            ("bytes", Some(n)) => p.bytes = n.min(1 << 20) as usize,
            ("sleep", Some(n)) => p.sleep = Duration::from_secs(n),
            ("gotimeout", Some(n)) => p.go_timeout = Duration::from_secs(n),
            ("go", _) => p.go = Some(v.to_owned()),
            _ => {}
        }
    }
    p.lines = match (lines, seconds) {
        (Some(n), _) => n,
        (None, Some(s)) if p.rate > 0 => p.rate * s + 1,
        _ => 1,
    };
    p
}

/// Appends line `k` to `buf`.
fn line(buf: &mut Vec<u8>, k: u64, stamp: Option<u128>, bytes: usize) {
    let start = buf.len();
    // Writing into a Vec cannot fail.
    let _ = match stamp {
        Some(t) => write!(buf, "i={k} t={t}"),
        None => write!(buf, "i={k}"),
    };
    let len = buf.len() - start;
    if bytes > len + 1 {
        buf.push(b' ');
        buf.resize(start + bytes, b'x');
    }
    buf.push(b'\n');
}

fn main() {
    let start = now_ns();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() == 1 && args[0] == "--version" {
        println!("9.9.9 (fake-cli for agented-bench)");
        return;
    }
    let p = plan(args.last().map(String::as_str).unwrap_or(""));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let fail = |r: std::io::Result<()>| {
        if r.is_err() {
            std::process::exit(1);
        }
    };
    fail(out.write_all(format!("start_ns={start}\n").as_bytes()));
    if !p.sleep.is_zero() {
        std::thread::sleep(p.sleep);
    }
    if let Some(go) = &p.go {
        let since = Instant::now();
        while !std::path::Path::new(go).exists() {
            if since.elapsed() > p.go_timeout {
                std::process::exit(3);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let total = p.lines;
    let mut next = 2u64;
    let mut buf = Vec::with_capacity(128 * 1024);
    if p.rate == 0 {
        while next <= total {
            buf.clear();
            let stamp = p.stamp.then(now_ns);
            while next <= total && buf.len() < 60 * 1024 {
                line(&mut buf, next, stamp, p.bytes);
                next += 1;
            }
            fail(out.write_all(&buf));
        }
    } else {
        // Deadline pacing: at every tick write whatever is due by now, so a late wake-up (or a
        // blocked pipe) is caught up in one write instead of drifting.
        let t0 = Instant::now();
        let mut ticks = 0u32;
        while next <= total {
            let due = 1 + (t0.elapsed().as_secs_f64() * p.rate as f64) as u64;
            if due >= next {
                buf.clear();
                let stamp = p.stamp.then(now_ns);
                while next <= due.min(total) {
                    line(&mut buf, next, stamp, p.bytes);
                    next += 1;
                }
                fail(out.write_all(&buf));
            }
            if next > total {
                break;
            }
            ticks += 1;
            let wake = t0 + p.tick * ticks;
            let now = Instant::now();
            if wake > now {
                std::thread::sleep(wake - now);
            } else {
                // Far behind the schedule: restart the tick grid from now.
                ticks = (now.duration_since(t0).as_millis() / p.tick.as_millis().max(1)) as u32;
            }
        }
    }
    fail(out.flush());
}
