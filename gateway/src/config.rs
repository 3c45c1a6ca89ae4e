//! The gateway's settings: a TOML file, each value overridable by an
//! environment variable `MEDREC_GATEWAY_<NAME>` (for example
//! `MEDREC_GATEWAY_LISTEN=0.0.0.0:8080`). Every bound is checked at start.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Where ciphertexts, sealed keys and used-entry markers go:
    /// `file:///absolute/path` (the default store, a local folder, written
    /// with fsync) or `s3://bucket` (with the `s3_*` settings).
    pub store: String,
    /// S3 endpoint (`http://127.0.0.1:8333` for a local SeaweedFS); the
    /// credentials come from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    #[serde(default)]
    pub s3_endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub s3_region: String,
    /// File holding the 32-byte master key (hex) that encrypts data keys
    /// at rest; it must be readable by its owner only (mode 0600).
    pub master_key_file: PathBuf,
    /// File holding the gateway's X25519 secret key (hex), mode 0600; its
    /// public key is what uploaders seal data keys to (`GET /v1/info`).
    pub x25519_key_file: PathBuf,
    /// The gateway's own hash-chained log (appended, fsynced).
    pub log_file: PathBuf,
    /// The node's RPC endpoint (`ws://` or `http://`).
    #[serde(default)]
    pub node_url: Option<String>,
    /// The three contracts' addresses (hex).
    #[serde(default)]
    pub access_control: Option<String>,
    #[serde(default)]
    pub patient_consent: Option<String>,
    #[serde(default)]
    pub record_management: Option<String>,
    /// Largest accepted upload.
    #[serde(default = "default_max_upload")]
    pub max_upload_bytes: u64,
    /// How far a request's signed timestamp may be from this clock.
    #[serde(default = "default_window")]
    pub signature_window_secs: u64,
    /// How old (chain time) a recorded read may be when it is used.
    #[serde(default = "default_entry_age")]
    pub entry_max_age_secs: u64,
    /// How many key releases one recorded read allows.
    #[serde(default = "default_releases")]
    pub releases_per_entry: u32,
    /// Longest a request may take, body included.
    #[serde(default = "default_timeout")]
    pub request_timeout_secs: u64,
    /// How often bound records are checked for deletion (their keys then
    /// destroyed).
    #[serde(default = "default_sweep")]
    pub sweep_interval_secs: u64,
    /// How long a finalized head is reused before the node is asked again
    /// (0: every request asks). Reads at one head are cached.
    #[serde(default = "default_head_cache")]
    pub head_cache_ms: u64,
    /// Longest a chain read may take.
    #[serde(default = "default_chain_timeout")]
    pub chain_timeout_secs: u64,
    /// Browser origins allowed to call the gateway (the web app's origin,
    /// `scheme://host[:port]`; `*` for any). A list in the file; in the
    /// environment (`MEDREC_GATEWAY_CORS_ORIGINS`) comma-separated.
    #[serde(default, deserialize_with = "list_or_csv")]
    pub cors_origins: Vec<String>,
}

fn list_or_csv<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(v) => v,
        Either::Csv(s) => s
            .split(',')
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
    })
}

fn default_listen() -> String {
    "127.0.0.1:8745".into()
}
fn default_region() -> String {
    "us-east-1".into()
}
fn default_max_upload() -> u64 {
    64 * 1024 * 1024
}
fn default_window() -> u64 {
    300
}
fn default_entry_age() -> u64 {
    15 * 60
}
fn default_releases() -> u32 {
    1
}
fn default_timeout() -> u64 {
    120
}
fn default_head_cache() -> u64 {
    1000
}
fn default_sweep() -> u64 {
    300
}
fn default_chain_timeout() -> u64 {
    10
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0}: {1}")]
    Parse(PathBuf, String),
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads `path`, then applies the environment's overrides, then checks.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?;
        let mut table: toml::Table = toml::from_str(&text)
            .map_err(|e| ConfigError::Parse(path.to_owned(), e.to_string()))?;
        for (name, value) in std::env::vars() {
            let Some(key) = name.strip_prefix("MEDREC_GATEWAY_") else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            // Numbers stay numbers; everything else is a string.
            let v = match value.parse::<i64>() {
                Ok(n) => toml::Value::Integer(n),
                Err(_) => toml::Value::String(value),
            };
            table.insert(key, v);
        }
        let cfg: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse(path.to_owned(), e.to_string()))?;
        cfg.check()?;
        Ok(cfg)
    }

    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.into()));
        if !(1..=4 * 1024 * 1024 * 1024).contains(&self.max_upload_bytes) {
            return bad("max_upload_bytes must be between 1 and 4 GiB");
        }
        if !(10..=3600).contains(&self.signature_window_secs) {
            return bad("signature_window_secs must be between 10 and 3600");
        }
        if !(10..=7 * 24 * 3600).contains(&self.entry_max_age_secs) {
            return bad("entry_max_age_secs must be between 10 s and 7 days");
        }
        if !(1..=100).contains(&self.releases_per_entry) {
            return bad("releases_per_entry must be between 1 and 100");
        }
        if !(1..=3600).contains(&self.request_timeout_secs) {
            return bad("request_timeout_secs must be between 1 and 3600");
        }
        if !(10..=86_400).contains(&self.sweep_interval_secs) {
            return bad("sweep_interval_secs must be between 10 s and 1 day");
        }
        if self.head_cache_ms > 60_000 {
            return bad("head_cache_ms must be at most 60000");
        }
        if !(1..=600).contains(&self.chain_timeout_secs) {
            return bad("chain_timeout_secs must be between 1 and 600");
        }
        for o in &self.cors_origins {
            let scheme_ok = o.starts_with("http://") || o.starts_with("https://");
            if o != "*" && (!scheme_ok || o.trim_end_matches('/').matches('/').count() != 2) {
                return bad("cors_origins: each must be * or scheme://host[:port], without a path");
            }
        }
        if !(self.store.starts_with("file:///") || self.store.starts_with("s3://")) {
            return bad("store must be file:///absolute/path or s3://bucket");
        }
        Ok(())
    }
}

/// Reads a 32-byte secret (hex) from a file that only its owner may read.
pub fn read_secret(path: &Path) -> Result<zeroize::Zeroizing<[u8; 32]>, ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(ConfigError::Invalid(format!(
                "{} is readable by others: chmod 600 it",
                path.display()
            )));
        }
    }
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?,
    );
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), key.as_mut())
        .map_err(|_| ConfigError::Invalid(format!("{}: not 32 bytes of hex", path.display())))?;
    Ok(key)
}

/// Writes a new random 32-byte secret (hex) to `path`, mode 0600; refuses
/// to overwrite.
pub fn write_new_secret(path: &Path, secret: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(hex::encode(secret).as_bytes())?;
    f.sync_all()
}
