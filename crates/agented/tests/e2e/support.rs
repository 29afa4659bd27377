//! Starting and stopping the real binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_agented");

/// A running server.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub stderr_path: PathBuf,
    stdout_lines: Arc<Mutex<Vec<String>>>,
}

/// A command for the binary with a clean environment pointing at `data`.
pub fn agented(data: &Path, envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AGENTED_DATA_DIR", data)
        .env("AGENTED_BIND", "127.0.0.1:0")
        .current_dir(data.parent().unwrap_or(data));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

impl Server {
    /// Starts `agented serve` and waits for its "listening on" line.
    pub fn start(data: &Path, envs: &[(&str, &str)]) -> Server {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, Ordering::Relaxed);
        let stderr_path = data.with_extension(format!("stderr-{n}.log"));
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        let mut child = agented(data, envs)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn agented");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut base = None;
        while Instant::now() < deadline {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some(url) = line.trim().split("listening on ").nth(1) {
                base = Some(url.to_owned());
            }
            let done = line.contains("data folder");
            lines.push(line.trim_end().to_owned());
            if done {
                break;
            }
        }
        // Keep reading stdout (the rest of the banner) so the server never blocks on a full pipe.
        let stdout_lines = Arc::new(Mutex::new(lines.clone()));
        let sink = stdout_lines.clone();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if let Ok(mut v) = sink.lock() {
                    v.push(line);
                }
            }
        });
        let Some(base) = base else {
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!("agented did not start: {lines:?}\n{err}");
        };
        Server {
            child,
            base,
            stderr_path,
            stdout_lines,
        }
    }

    /// What the server printed on stdout so far (waits briefly for the banner to finish).
    pub fn stdout(&self) -> String {
        std::thread::sleep(Duration::from_millis(100));
        self.stdout_lines
            .lock()
            .map(|v| v.join("\n"))
            .unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (status, self.logs());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("agented did not exit after SIGTERM:\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client with a timeout.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// Runs setup against `server` and returns the admin key.
pub async fn setup(server: &Server) -> String {
    let r = client()
        .post(server.url("/health/setup"))
        .send()
        .await
        .expect("setup");
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.expect("json");
    body["api_key"].as_str().expect("key").to_owned()
}

/// Runs the binary to completion and returns (status, stdout, stderr).
pub fn run(data: &Path, envs: &[(&str, &str)], args: &[&str]) -> (ExitStatus, String, String) {
    let out = agented(data, envs)
        .args(args)
        .output()
        .expect("run agented");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
