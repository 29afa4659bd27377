//! Typed, layered configuration, validated at start-up.
//!
//! Precedence, highest first: the process environment (`AGENTED_*`), then a `.env` file in the
//! working folder, then `agented.toml` (or the file named by `AGENTED_CONFIG`), then the defaults.
//! Every problem names the variable to fix and stops the program with a non-zero exit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agented_api::{ApiConfig, RateLimitConfig, SecretKey};
use ipnet::IpNet;

/// One configuration problem, naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    /// The variable, e.g. `AGENTED_BIND`.
    pub var: &'static str,
    /// What is wrong and how to fix it.
    pub problem: String,
}

fn err(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The whole configuration of the binary.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the database, secret key and backups live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Database URL (SQLite file in the data folder by default).
    pub database_url: String,
    /// Most pooled database connections.
    pub db_max_connections: u32,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log_level: String,
    /// Separate address for `/metrics` without auth, if set.
    pub metrics_bind: Option<SocketAddr>,
    /// `AGENTED_SECRET_KEY`, if set (otherwise the key file is used).
    pub secret_key_env: Option<String>,
    /// Everything the HTTP layer needs except the secret key, which is loaded after the data
    /// folder is known to be writable.
    pub api: ApiSettings,
    /// Run limits and places.
    pub engine: agented_engine::EngineConfig,
}

/// HTTP settings before the secret key is resolved.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// See [`ApiConfig::body_limit`].
    pub body_limit: usize,
    /// See [`ApiConfig::cors_origins`].
    pub cors_origins: Vec<http::HeaderValue>,
    /// See [`ApiConfig::trusted_proxies`].
    pub trusted_proxies: Vec<IpNet>,
    /// See [`ApiConfig::force_https`].
    pub force_https: bool,
    /// See [`ApiConfig::allow_remote_setup`].
    pub allow_remote_setup: bool,
    /// `AGENTED_API_KEY`, if set.
    pub env_api_key: Option<String>,
    /// See [`ApiConfig::session_ttl`].
    pub session_ttl: Duration,
    /// See [`ApiConfig::rate_limits`].
    pub rate_limits: RateLimitConfig,
    /// See [`ApiConfig::shutdown_grace`].
    pub shutdown_grace: Duration,
}

/// Every variable: name, default, meaning. `.env.example` is checked against this table by a test.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "AGENTED_DATA_DIR",
        "./data",
        "Folder for the database, the secret key and backups",
    ),
    (
        "AGENTED_BIND",
        "127.0.0.1:20000",
        "Address and port the server listens on",
    ),
    (
        "AGENTED_DATABASE_URL",
        "",
        "sqlite://… or postgres://…; empty means <data>/agented.db",
    ),
    (
        "AGENTED_DB_MAX_CONNECTIONS",
        "8",
        "Most pooled database connections",
    ),
    (
        "AGENTED_SECRET_KEY",
        "",
        "Signs sessions; empty means generate once into <data>/secret.key",
    ),
    (
        "AGENTED_API_KEY",
        "",
        "An admin key for automation, accepted besides stored keys",
    ),
    ("AGENTED_LOG_FORMAT", "text", "text or json"),
    (
        "AGENTED_LOG_LEVEL",
        "info",
        "Log filter, e.g. info or agented=debug,info",
    ),
    (
        "AGENTED_CORS_ORIGINS",
        "",
        "Comma-separated origins allowed by CORS; empty means same-origin only",
    ),
    (
        "AGENTED_TRUSTED_PROXIES",
        "",
        "Comma-separated IPs/CIDRs whose X-Forwarded-* headers are believed",
    ),
    (
        "AGENTED_FORCE_HTTPS",
        "0",
        "1 to send HSTS and mark cookies Secure",
    ),
    (
        "AGENTED_ALLOW_REMOTE_SETUP",
        "0",
        "1 to allow POST /health/setup from non-loopback clients",
    ),
    (
        "AGENTED_MAX_BODY_BYTES",
        "10485760",
        "Largest request body accepted (bytes)",
    ),
    (
        "AGENTED_SESSION_TTL_SECS",
        "43200",
        "Browser session lifetime (seconds)",
    ),
    (
        "AGENTED_METRICS_BIND",
        "",
        "Optional separate address serving /metrics without auth",
    ),
    (
        "AGENTED_RATE_LIMIT_PUBLIC_PER_MIN",
        "600",
        "Requests per minute per IP on public endpoints (0 = off)",
    ),
    (
        "AGENTED_RATE_LIMIT_SETUP_PER_MIN",
        "5",
        "Setup attempts per minute per IP (0 = off)",
    ),
    (
        "AGENTED_RATE_LIMIT_AUTH_FAILURES_PER_MIN",
        "30",
        "Failed authentications per minute per IP (0 = off)",
    ),
    (
        "AGENTED_RATE_LIMIT_PER_KEY_PER_MIN",
        "6000",
        "Requests per minute per API key (0 = off)",
    ),
    (
        "AGENTED_MAX_STREAMS_PER_KEY",
        "64",
        "Concurrent live streams per API key",
    ),
    (
        "AGENTED_SHUTDOWN_GRACE_SECS",
        "10",
        "How long in-flight requests may take after SIGTERM",
    ),
    (
        "AGENTED_WORKSPACE_ROOT",
        "",
        "Runs may only work in folders inside this one; empty means <data>/workspace",
    ),
    (
        "AGENTED_MAX_CONCURRENT_RUNS",
        "4",
        "Runs that may be running or paused at once",
    ),
    (
        "AGENTED_MAX_RUNS_PER_BACKEND",
        "",
        "Per-backend limits, e.g. claude=2,codex=1",
    ),
    (
        "AGENTED_RUN_TIMEOUT_SECS",
        "600",
        "Default time limit of a run (paused time excluded)",
    ),
    (
        "AGENTED_KILL_GRACE_SECS",
        "10",
        "Seconds between SIGTERM and SIGKILL when a run is stopped",
    ),
    (
        "AGENTED_PAUSE_LIMIT_SECS",
        "1800",
        "A run paused longer than this ends as pause_timeout",
    ),
    (
        "AGENTED_LOG_CAP_BYTES",
        "52428800",
        "Log bytes stored per run before storage stops with a marker",
    ),
    (
        "AGENTED_CLAUDE_BIN",
        "",
        "Path of the claude executable; empty means claude on PATH",
    ),
    (
        "AGENTED_OPENCODE_BIN",
        "",
        "Path of the opencode executable; empty means opencode on PATH",
    ),
    (
        "AGENTED_GEMINI_BIN",
        "",
        "Path of the gemini executable; empty means gemini on PATH",
    ),
    (
        "AGENTED_CODEX_BIN",
        "",
        "Path of the codex executable; empty means codex on PATH",
    ),
    (
        "AGENTED_CONFIG",
        "./agented.toml",
        "Optional TOML file with the same settings (lower-case, no prefix)",
    ),
];

/// Where values come from, highest precedence first.
pub struct Sources {
    env: HashMap<String, String>,
    dotenv: HashMap<String, String>,
    toml: HashMap<String, String>,
}

impl Sources {
    /// Reads the process environment, `./.env` and the TOML file.
    pub fn from_process() -> Result<Sources, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let dotenv = match dotenvy::from_path_iter(".env") {
            Ok(iter) => iter
                .collect::<Result<HashMap<_, _>, _>>()
                .map_err(|e| err("AGENTED_CONFIG", format!(".env could not be read: {e}")))?,
            Err(_) => HashMap::new(),
        };
        let toml_path = env
            .get("AGENTED_CONFIG")
            .or_else(|| dotenv.get("AGENTED_CONFIG"))
            .cloned()
            .unwrap_or_else(|| "./agented.toml".to_owned());
        let explicit = env.contains_key("AGENTED_CONFIG") || dotenv.contains_key("AGENTED_CONFIG");
        let toml = read_toml(Path::new(&toml_path), explicit)?;
        Ok(Sources { env, dotenv, toml })
    }

    /// Sources from explicit maps (tests).
    #[cfg(test)]
    pub fn from_maps(env: HashMap<String, String>, toml: HashMap<String, String>) -> Sources {
        Sources {
            env,
            dotenv: HashMap::new(),
            toml,
        }
    }

    fn get(&self, var: &str) -> Option<String> {
        let toml_key = var.trim_start_matches("AGENTED_").to_lowercase();
        self.env
            .get(var)
            .or_else(|| self.dotenv.get(var))
            .or_else(|| self.toml.get(&toml_key))
            .cloned()
            .filter(|v| !v.trim().is_empty())
    }
}

fn read_toml(path: &Path, explicit: bool) -> Result<HashMap<String, String>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(HashMap::new())
        }
        Err(e) => {
            return Err(err(
                "AGENTED_CONFIG",
                format!("cannot read {}: {e}", path.display()),
            ))
        }
    };
    let table: toml::Table = text.parse().map_err(|e| {
        err(
            "AGENTED_CONFIG",
            format!("{} is not valid TOML: {e}", path.display()),
        )
    })?;
    let mut out = HashMap::new();
    for (k, v) in table {
        let value = match v {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => if b { "1" } else { "0" }.to_owned(),
            toml::Value::Array(items) => {
                let strings: Option<Vec<&str>> = items.iter().map(toml::Value::as_str).collect();
                strings
                    .ok_or_else(|| {
                        err("AGENTED_CONFIG", format!("{k:?} must be a list of strings"))
                    })?
                    .join(",")
            }
            toml::Value::Float(f) => f.to_string(),
            _ => {
                return Err(err(
                    "AGENTED_CONFIG",
                    format!("{k:?} must be a string, number or boolean"),
                ))
            }
        };
        let var = format!("AGENTED_{}", k.to_uppercase());
        if !VARIABLES.iter().any(|(name, _, _)| *name == var) {
            return Err(err(
                "AGENTED_CONFIG",
                format!("unknown setting {k:?} in {}", path.display()),
            ));
        }
        out.insert(k, value);
    }
    Ok(out)
}

fn default_of(var: &str) -> &'static str {
    VARIABLES
        .iter()
        .find(|(name, _, _)| *name == var)
        .map(|(_, d, _)| *d)
        .unwrap_or("")
}

fn string(s: &Sources, var: &'static str) -> String {
    s.get(var).unwrap_or_else(|| default_of(var).to_owned())
}

fn number<T: std::str::FromStr>(s: &Sources, var: &'static str) -> Result<T, ConfigError> {
    let raw = string(s, var);
    raw.trim()
        .parse()
        .map_err(|_| err(var, format!("{raw:?} is not a valid number")))
}

fn flag(s: &Sources, var: &'static str) -> Result<bool, ConfigError> {
    match string(s, var).trim().to_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(err(var, format!("{other:?} is not 0 or 1"))),
    }
}

fn list(s: &Sources, var: &'static str) -> Vec<String> {
    string(s, var)
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn socket(s: &Sources, var: &'static str) -> Result<SocketAddr, ConfigError> {
    let raw = string(s, var);
    raw.trim().parse().map_err(|_| {
        err(
            var,
            format!("{raw:?} is not an address like 127.0.0.1:20000"),
        )
    })
}

/// Validates one CORS origin: `scheme://host[:port]` with no path.
fn origin(raw: &str) -> Result<http::HeaderValue, ConfigError> {
    let bad = || {
        err(
            "AGENTED_CORS_ORIGINS",
            format!("{raw:?} is not an origin like https://agented.example.com"),
        )
    };
    let (scheme, rest) = raw.split_once("://").ok_or_else(bad)?;
    if !(scheme == "http" || scheme == "https")
        || rest.is_empty()
        || rest.contains('/')
        || rest.contains(' ')
    {
        return Err(bad());
    }
    let uri: http::Uri = raw.parse().map_err(|_| bad())?;
    if uri.host().is_none() {
        return Err(bad());
    }
    http::HeaderValue::from_str(raw).map_err(|_| bad())
}

impl Config {
    /// Builds and validates the configuration (no file system changes).
    pub fn load(s: &Sources) -> Result<Config, ConfigError> {
        let data_dir = PathBuf::from(string(s, "AGENTED_DATA_DIR"));
        let database_url = s.get("AGENTED_DATABASE_URL").unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("agented.db").display()
            )
        });
        if !(database_url.starts_with("sqlite://")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(err(
                "AGENTED_DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        }
        let log_format = match string(s, "AGENTED_LOG_FORMAT").to_lowercase().as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(err(
                    "AGENTED_LOG_FORMAT",
                    format!("{other:?} is not text or json"),
                ))
            }
        };
        let metrics_bind = match s.get("AGENTED_METRICS_BIND") {
            Some(_) => Some(socket(s, "AGENTED_METRICS_BIND")?),
            None => None,
        };
        let cors_origins = list(s, "AGENTED_CORS_ORIGINS")
            .iter()
            .map(|o| origin(o))
            .collect::<Result<_, _>>()?;
        let trusted_proxies = list(s, "AGENTED_TRUSTED_PROXIES")
            .iter()
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        err(
                            "AGENTED_TRUSTED_PROXIES",
                            format!("{p:?} is not an IP or CIDR"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        let secret_key_env = s.get("AGENTED_SECRET_KEY");
        if let Some(k) = &secret_key_env {
            if k.len() < 32 {
                return Err(err("AGENTED_SECRET_KEY", "must be at least 32 characters"));
            }
        }
        let body_limit: usize = number(s, "AGENTED_MAX_BODY_BYTES")?;
        if body_limit < 1024 {
            return Err(err("AGENTED_MAX_BODY_BYTES", "must be at least 1024"));
        }
        let session_secs: u64 = number(s, "AGENTED_SESSION_TTL_SECS")?;
        if session_secs < 60 {
            return Err(err("AGENTED_SESSION_TTL_SECS", "must be at least 60"));
        }
        let env_api_key = s.get("AGENTED_API_KEY");
        if let Some(k) = &env_api_key {
            if k.len() < 32 {
                return Err(err("AGENTED_API_KEY", "must be at least 32 characters"));
            }
        }
        let db_max_connections: u32 = number(s, "AGENTED_DB_MAX_CONNECTIONS")?;
        if db_max_connections == 0 {
            return Err(err("AGENTED_DB_MAX_CONNECTIONS", "must be at least 1"));
        }
        let engine = engine_config(s, &data_dir)?;
        Ok(Config {
            engine,
            bind: socket(s, "AGENTED_BIND")?,
            database_url,
            db_max_connections,
            log_format,
            log_level: string(s, "AGENTED_LOG_LEVEL"),
            metrics_bind,
            secret_key_env,
            api: ApiSettings {
                body_limit,
                cors_origins,
                trusted_proxies,
                force_https: flag(s, "AGENTED_FORCE_HTTPS")?,
                allow_remote_setup: flag(s, "AGENTED_ALLOW_REMOTE_SETUP")?,
                env_api_key,
                session_ttl: Duration::from_secs(session_secs),
                rate_limits: RateLimitConfig {
                    public_per_minute: number(s, "AGENTED_RATE_LIMIT_PUBLIC_PER_MIN")?,
                    setup_per_minute: number(s, "AGENTED_RATE_LIMIT_SETUP_PER_MIN")?,
                    auth_failures_per_minute: number(
                        s,
                        "AGENTED_RATE_LIMIT_AUTH_FAILURES_PER_MIN",
                    )?,
                    per_key_per_minute: number(s, "AGENTED_RATE_LIMIT_PER_KEY_PER_MIN")?,
                    streams_per_key: number(s, "AGENTED_MAX_STREAMS_PER_KEY")?,
                },
                shutdown_grace: Duration::from_secs(number(s, "AGENTED_SHUTDOWN_GRACE_SECS")?),
            },
            data_dir,
        })
    }

    /// Creates the data folder if needed and proves it is writable.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir).map_err(|e| {
            err(
                "AGENTED_DATA_DIR",
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let probe = dir.join(format!(".write-test-{}", std::process::id()));
        std::fs::write(&probe, b"ok")
            .and_then(|_| std::fs::remove_file(&probe))
            .map_err(|e| {
                err(
                    "AGENTED_DATA_DIR",
                    format!("{} is not writable: {e}", dir.display()),
                )
            })
    }

    /// The secret key: `AGENTED_SECRET_KEY`, or `<data>/secret.key`, generated once (mode 0600)
    /// and reused on every start so sessions survive restarts.
    pub fn secret_key(&self) -> Result<SecretKey, ConfigError> {
        if let Some(k) = &self.secret_key_env {
            return Ok(SecretKey::new(k.as_bytes().to_vec()));
        }
        let path = self.data_dir.join("secret.key");
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= 32 => {
                return Ok(SecretKey::new(text.trim().as_bytes().to_vec()))
            }
            Ok(_) => {
                return Err(err(
                    "AGENTED_SECRET_KEY",
                    format!(
                        "{} is too short; remove it to generate a new one (sessions end)",
                        path.display()
                    ),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(err(
                    "AGENTED_SECRET_KEY",
                    format!("cannot read {}: {e}", path.display()),
                ))
            }
        }
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let text = hex::encode(bytes);
        write_private(&path, text.as_bytes()).map_err(|e| {
            err(
                "AGENTED_SECRET_KEY",
                format!("cannot write {}: {e}", path.display()),
            )
        })?;
        Ok(SecretKey::new(text.into_bytes()))
    }

    /// The HTTP configuration with the resolved secret key.
    pub fn api_config(&self, secret_key: SecretKey) -> ApiConfig {
        let a = &self.api;
        ApiConfig {
            body_limit: a.body_limit,
            cors_origins: a.cors_origins.clone(),
            trusted_proxies: a.trusted_proxies.clone(),
            force_https: a.force_https,
            allow_remote_setup: a.allow_remote_setup,
            env_api_key_hash: a.env_api_key.as_deref().map(agented_api::auth::keys::hash),
            secret_key,
            session_ttl: a.session_ttl,
            rate_limits: a.rate_limits.clone(),
            shutdown_grace: a.shutdown_grace,
        }
    }
}

fn engine_config(
    s: &Sources,
    data_dir: &Path,
) -> Result<agented_engine::EngineConfig, ConfigError> {
    let mut per_backend = HashMap::new();
    for pair in list(s, "AGENTED_MAX_RUNS_PER_BACKEND") {
        let bad = || {
            err(
                "AGENTED_MAX_RUNS_PER_BACKEND",
                format!("{pair:?} is not backend=number"),
            )
        };
        let (name, n) = pair.split_once('=').ok_or_else(bad)?;
        let backend: agented_domain::Backend = name.trim().parse().map_err(|_| bad())?;
        per_backend.insert(
            backend.as_str().to_owned(),
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
    }
    let mut executables = HashMap::new();
    for (var, backend) in [
        ("AGENTED_CLAUDE_BIN", "claude"),
        ("AGENTED_OPENCODE_BIN", "opencode"),
        ("AGENTED_GEMINI_BIN", "gemini"),
        ("AGENTED_CODEX_BIN", "codex"),
    ] {
        if let Some(path) = s.get(var) {
            executables.insert(backend.to_owned(), PathBuf::from(path));
        }
    }
    let secs = |var: &'static str| -> Result<Duration, ConfigError> {
        let n: u64 = number(s, var)?;
        if n == 0 {
            return Err(err(var, "must be at least 1"));
        }
        Ok(Duration::from_secs(n))
    };
    let max_concurrent_runs: usize = number(s, "AGENTED_MAX_CONCURRENT_RUNS")?;
    if max_concurrent_runs == 0 {
        return Err(err("AGENTED_MAX_CONCURRENT_RUNS", "must be at least 1"));
    }
    let log_cap_bytes: u64 = number(s, "AGENTED_LOG_CAP_BYTES")?;
    if log_cap_bytes < 1024 {
        return Err(err("AGENTED_LOG_CAP_BYTES", "must be at least 1024"));
    }
    Ok(agented_engine::EngineConfig {
        max_concurrent_runs,
        max_runs_per_backend: per_backend,
        workspace_root: s
            .get("AGENTED_WORKSPACE_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("workspace")),
        default_timeout: secs("AGENTED_RUN_TIMEOUT_SECS")?,
        kill_grace: secs("AGENTED_KILL_GRACE_SECS")?,
        pause_limit: secs("AGENTED_PAUSE_LIMIT_SECS")?,
        log_cap_bytes,
        executables,
        ..agented_engine::EngineConfig::default()
    })
}

/// Writes a file readable only by its owner, creating it exclusively so a race cannot leave a
/// world-readable copy.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(&Sources::from_maps(env, HashMap::new()))
    }

    #[test]
    fn defaults_are_sane() {
        let c = load(&[]).expect("defaults load");
        assert_eq!(c.bind.to_string(), "127.0.0.1:20000");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.database_url.ends_with("agented.db?mode=rwc"));
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.api.body_limit, 10 * 1024 * 1024);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (var, value) in [
            ("AGENTED_BIND", "not-an-address"),
            (
                "AGENTED_CORS_ORIGINS",
                "https://ok.example,javascript:alert(1)",
            ),
            ("AGENTED_CORS_ORIGINS", "https://example.com/path"),
            ("AGENTED_LOG_FORMAT", "xml"),
            ("AGENTED_TRUSTED_PROXIES", "10.0.0.0/99"),
            ("AGENTED_MAX_BODY_BYTES", "lots"),
            ("AGENTED_FORCE_HTTPS", "maybe"),
            ("AGENTED_SECRET_KEY", "short"),
            ("AGENTED_DATABASE_URL", "mysql://x"),
            ("AGENTED_MAX_CONCURRENT_RUNS", "0"),
            ("AGENTED_MAX_RUNS_PER_BACKEND", "cursor=2"),
            ("AGENTED_RUN_TIMEOUT_SECS", "soon"),
        ] {
            let e = load(&[(var, value)]).expect_err(var);
            assert_eq!(e.var, var, "{value}");
        }
    }

    #[test]
    fn environment_beats_toml() {
        let env = HashMap::from([("AGENTED_BIND".to_owned(), "127.0.0.1:1234".to_owned())]);
        let toml = HashMap::from([
            ("bind".to_owned(), "127.0.0.1:9999".to_owned()),
            ("log_format".to_owned(), "json".to_owned()),
        ]);
        let c = Config::load(&Sources::from_maps(env, toml)).expect("load");
        assert_eq!(c.bind.port(), 1234);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn env_example_lists_every_variable_with_its_default() {
        let example = include_str!("../../../.env.example");
        for (var, default, _) in VARIABLES {
            let line = format!("{var}={default}");
            assert!(
                example.lines().any(|l| l.trim_start_matches("# ") == line),
                "missing {line}"
            );
        }
    }

    #[test]
    fn the_secret_key_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let c = load(&[("AGENTED_DATA_DIR", data.to_str().expect("utf8"))]).expect("load");
        c.prepare_data_dir().expect("writable");
        let first = c.secret_key().expect("generated");
        let second = c.secret_key().expect("reused");
        assert_eq!(first.expose(), second.expose());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("secret.key"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
