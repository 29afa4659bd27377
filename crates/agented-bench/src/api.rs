//! The few API calls the harness makes, and a minimal Server-Sent Events reader.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

use crate::server::Server;

/// Nanoseconds since the Unix epoch (the clock fake-cli stamps with).
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A started run.
pub struct Started {
    /// `exec-…`.
    pub id: String,
    /// Client clock just before the request was sent (ns since the epoch).
    pub sent_ns: u64,
    /// Time until the 202 answer.
    pub answered: Duration,
}

/// `POST /admin/executions` with the fake CLI's behaviour as the prompt.
pub async fn start_run(server: &Server, prompt: &str, timeout_secs: u64) -> Result<Started> {
    let body =
        serde_json::json!({"backend": "claude", "prompt": prompt, "timeout_secs": timeout_secs});
    let req = server
        .client
        .post(server.url("/admin/executions"))
        .header("X-API-Key", &server.key)
        .json(&body)
        .timeout(Duration::from_secs(30));
    let t0 = Instant::now();
    let sent_ns = now_ns();
    let resp = req.send().await.context("POST /admin/executions")?;
    let answered = t0.elapsed();
    let status = resp.status();
    let text = resp.text().await?;
    if status.as_u16() != 202 {
        bail!("POST /admin/executions answered {status}: {text}");
    }
    let v: Value = serde_json::from_str(&text)?;
    let id = v["execution_id"]
        .as_str()
        .ok_or_else(|| anyhow!("no execution_id in {text}"))?
        .to_owned();
    Ok(Started {
        id,
        sent_ns,
        answered,
    })
}

/// `GET /admin/executions/{id}` with at most one log line (the record itself).
pub async fn record(server: &Server, id: &str) -> Result<Value> {
    let resp = server
        .client
        .get(server.url(&format!("/admin/executions/{id}?log_limit=1")))
        .header("X-API-Key", &server.key)
        .timeout(Duration::from_secs(60))
        .send()
        .await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("GET /admin/executions/{id} answered {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// True for the statuses a run never leaves.
pub fn is_terminal(status: &str) -> bool {
    !matches!(status, "queued" | "running" | "paused")
}

/// Polls the run list until every run in `ids` has a terminal status, or `timeout`.
/// Calls `on_poll(running, terminal)` after each poll (counts among `ids`).
pub async fn wait_terminal(
    server: &Server,
    ids: &[String],
    timeout: Duration,
    poll: Duration,
    mut on_poll: impl FnMut(usize, usize),
) -> Result<()> {
    let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    let deadline = Instant::now() + timeout;
    loop {
        let mut running = 0;
        let mut terminal = 0;
        let mut offset = 0u64;
        // The list is newest first; page through it (bounded) until every wanted id was seen.
        for _ in 0..50 {
            let resp = server
                .client
                .get(server.url(&format!("/admin/executions?limit=500&offset={offset}")))
                .header("X-API-Key", &server.key)
                .timeout(Duration::from_secs(30))
                .send()
                .await?;
            let v: Value = resp.json().await?;
            let items = v["executions"].as_array().cloned().unwrap_or_default();
            for e in &items {
                if e["execution_id"]
                    .as_str()
                    .is_some_and(|id| wanted.contains(id))
                {
                    match e["status"].as_str().unwrap_or("") {
                        "running" | "paused" => running += 1,
                        s if is_terminal(s) => terminal += 1,
                        _ => {}
                    }
                }
            }
            offset += items.len() as u64;
            if items.len() < 500 || offset >= v["total_count"].as_u64().unwrap_or(0) {
                break;
            }
        }
        on_poll(running, terminal);
        if terminal >= ids.len() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{} of {} runs still not finished after {:?}",
                ids.len() - terminal,
                ids.len(),
                timeout
            );
        }
        tokio::time::sleep(poll).await;
    }
}

/// Calls `f(seq, stream, content)` for every stored line of a run, in order (paginated reads).
pub async fn for_each_stored_line(
    server: &Server,
    id: &str,
    mut f: impl FnMut(u64, &str, &str),
) -> Result<()> {
    let mut after = 0u64;
    for _ in 0..1000 {
        let resp = server
            .client
            .get(server.url(&format!(
                "/admin/executions/{id}?log_after={after}&log_limit=100000"
            )))
            .header("X-API-Key", &server.key)
            .timeout(Duration::from_secs(120))
            .send()
            .await?;
        let status = resp.status();
        if !status.is_success() {
            bail!("GET /admin/executions/{id} answered {status}");
        }
        let v: Value = resp.json().await?;
        for l in v["logs"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            f(
                l["seq"].as_u64().unwrap_or(0),
                l["stream"].as_str().unwrap_or(""),
                l["content"].as_str().unwrap_or(""),
            );
        }
        match v["next_log_after"].as_u64() {
            Some(n) if n > after => after = n,
            _ => return Ok(()),
        }
    }
    bail!("more than 1000 log pages for {id}")
}

/// Cancels a run (best effort).
pub async fn cancel(server: &Server, id: &str) {
    let _ = server
        .client
        .post(server.url(&format!("/admin/executions/{id}/cancel")))
        .header("X-API-Key", &server.key)
        .timeout(Duration::from_secs(30))
        .send()
        .await;
}

/// One SSE event, borrowed from the parser's buffers.
pub struct Event<'a> {
    /// `log`, `agent`, `status`, `complete` (empty for unnamed events).
    pub event: &'a str,
    /// The `id:` field, when numeric.
    pub id: Option<u64>,
    /// The data lines, joined by `\n`.
    pub data: &'a str,
}

/// An incremental SSE parser (the subset the server speaks: event, id, data, comments).
#[derive(Default)]
pub struct SseParser {
    buf: Vec<u8>,
    event: String,
    id: Option<u64>,
    data: String,
    has_data: bool,
}

impl SseParser {
    /// Feeds bytes; calls `on_event` for each complete event. Returns false if `on_event` did.
    pub fn feed(&mut self, chunk: &[u8], mut on_event: impl FnMut(Event<'_>) -> bool) -> bool {
        self.buf.extend_from_slice(chunk);
        let mut start = 0;
        let mut go_on = true;
        while let Some(pos) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let end = start + pos;
            let mut line = &self.buf[start..end];
            start = end + 1;
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            if line.is_empty() {
                if self.has_data || !self.event.is_empty() {
                    go_on = on_event(Event {
                        event: &self.event,
                        id: self.id,
                        data: &self.data,
                    });
                }
                self.event.clear();
                self.data.clear();
                self.has_data = false;
                self.id = None;
                if !go_on {
                    break;
                }
                continue;
            }
            if line[0] == b':' {
                continue;
            }
            let (field, value) = match line.iter().position(|&b| b == b':') {
                Some(i) => {
                    let v = &line[i + 1..];
                    (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
                }
                None => (line, &b""[..]),
            };
            let value = String::from_utf8_lossy(value);
            match field {
                b"event" => {
                    self.event.clear();
                    self.event.push_str(&value);
                }
                b"data" => {
                    if self.has_data {
                        self.data.push('\n');
                    }
                    self.data.push_str(&value);
                    self.has_data = true;
                }
                b"id" => self.id = value.trim().parse().ok(),
                _ => {}
            }
        }
        self.buf.drain(..start);
        go_on
    }
}

/// Opens `GET /admin/executions/{id}/stream` (optionally `?after=`) and checks for 200.
pub async fn open_stream(
    server: &Server,
    id: &str,
    after: Option<u64>,
) -> Result<reqwest::Response> {
    open_stream_with(&server.client, &server.base, &server.key, id, after).await
}

/// [`open_stream`] with an explicit client (one per client thread in `sse-fanout`).
pub async fn open_stream_with(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    id: &str,
    after: Option<u64>,
) -> Result<reqwest::Response> {
    let path = match after {
        Some(n) => format!("/admin/executions/{id}/stream?after={n}"),
        None => format!("/admin/executions/{id}/stream"),
    };
    let resp = client
        .get(format!("{base}{path}"))
        .header("X-API-Key", key)
        .header("Accept", "text/event-stream")
        .send()
        .await
        .context("opening the stream")?;
    let status = resp.status();
    if status.as_u16() != 200 {
        let text = resp.text().await.unwrap_or_default();
        bail!(
            "stream answered {status}: {}",
            text.chars().take(200).collect::<String>()
        );
    }
    Ok(resp)
}

/// The value of `key=` in a fake-cli line (`i=12 t=1700…`).
pub fn field(content: &str, key: &str) -> Option<u64> {
    content.split(' ').find_map(|w| {
        w.strip_prefix(key)
            .and_then(|r| r.strip_prefix('='))
            .and_then(|v| v.parse().ok())
    })
}

/// The `content` of a `log` event's data, without a full JSON parse when it needs no unescaping.
pub fn log_content(data: &str) -> Option<std::borrow::Cow<'_, str>> {
    let marker = "\"content\":\"";
    let start = data.find(marker)? + marker.len();
    let rest = &data[start..];
    let end = rest.find('"')?;
    let raw = &rest[..end];
    if !raw.contains('\\') {
        return Some(std::borrow::Cow::Borrowed(raw));
    }
    let v: Value = serde_json::from_str(data).ok()?;
    v["content"]
        .as_str()
        .map(|s| std::borrow::Cow::Owned(s.to_owned()))
}
