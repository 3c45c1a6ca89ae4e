//! `medrec-gateway`: see the crate documentation and the README.
//!
//! ```text
//! medrec-gateway serve --config gateway.toml
//! medrec-gateway keygen DIR          # master.key and x25519.key, mode 0600
//! medrec-gateway verify-log FILE     # checks the hash-chained log
//! ```

use medrec_gateway::auth::Nonces;
use medrec_gateway::config::{read_secret, write_new_secret, Config};
use medrec_gateway::http::{serve, Api};
use medrec_gateway::log::{verify, Log};
use medrec_gateway::node::{Addresses, NodeChain};
use medrec_gateway::service::{Gateway, Settings};
use medrec_gateway::store::Store;
use medrec_gateway::AccountId;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  medrec-gateway serve --config FILE\n  medrec-gateway keygen DIR\n  medrec-gateway verify-log FILE"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["serve", "--config", file] => run_serve(Path::new(file)),
        ["keygen", dir] => keygen(Path::new(dir)),
        ["verify-log", file] => match verify(Path::new(file)) {
            Ok(v) => {
                println!("ok: {} entries, head {}", v.entries, hex::encode(v.head));
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        },
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("medrec-gateway: {e}");
            ExitCode::FAILURE
        }
    }
}

fn keygen(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let master = medvault_core::generate_data_key();
    let master_path = dir.join("master.key");
    write_new_secret(&master_path, &master)
        .map_err(|e| format!("{}: {e}", master_path.display()))?;
    let secret = medvault_core::generate_secret_key();
    let x_path = dir.join("x25519.key");
    write_new_secret(&x_path, &secret.to_bytes())
        .map_err(|e| format!("{}: {e}", x_path.display()))?;
    println!(
        "wrote {} and {} (mode 0600)",
        master_path.display(),
        x_path.display()
    );
    println!(
        "x25519 public key: {}",
        hex::encode(secret.public_key().as_bytes())
    );
    Ok(())
}

fn address(name: &str, v: &Option<String>) -> Result<AccountId, String> {
    v.as_deref()
        .and_then(medrec_gateway::parse_account)
        .map(AccountId::from)
        .ok_or_else(|| format!("config: {name} must be the contract's address (SS58 or hex)"))
}

fn run_serve(config: &Path) -> Result<(), String> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cfg = Config::load(config).map_err(|e| e.to_string())?;
    let master = read_secret(&cfg.master_key_file).map_err(|e| e.to_string())?;
    let x = read_secret(&cfg.x25519_key_file).map_err(|e| e.to_string())?;
    let secret = medvault_core::SecretKey::from(*x);
    let node_url = cfg
        .node_url
        .clone()
        .ok_or("config: node_url is required to serve")?;
    let addresses = Addresses {
        access_control: address("access_control", &cfg.access_control)?,
        patient_consent: address("patient_consent", &cfg.patient_consent)?,
        record_management: address("record_management", &cfg.record_management)?,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let chain = NodeChain::new(
            &node_url,
            addresses,
            Duration::from_secs(cfg.chain_timeout_secs),
        )
        .map_err(|e| e.to_string())?;
        let store = Store::open(&cfg.store, cfg.s3_endpoint.as_deref(), &cfg.s3_region)
            .map_err(|e| e.to_string())?;
        let log = Log::open(&PathBuf::from(&cfg.log_file)).map_err(|e| e.to_string())?;
        let chain =
            medrec_gateway::chain::Cached::new(chain, Duration::from_millis(cfg.head_cache_ms));
        let gateway = Gateway::new(
            Arc::new(chain),
            store,
            master,
            secret,
            log,
            Settings {
                max_upload_bytes: cfg.max_upload_bytes,
                entry_max_age_ms: cfg.entry_max_age_secs.saturating_mul(1000),
                releases_per_entry: cfg.releases_per_entry,
            },
        );
        let api = Arc::new(Api {
            gateway,
            nonces: Nonces::new(cfg.signature_window_secs.saturating_mul(1000)),
            signature_window_ms: cfg.signature_window_secs.saturating_mul(1000),
            request_timeout: Duration::from_secs(cfg.request_timeout_secs),
            cors_origins: cfg.cors_origins.clone(),
        });
        // Deleted records' keys are destroyed by a periodic sweep (and by
        // any request that finds the record deleted).
        let sweeping = api.clone();
        let every = Duration::from_secs(cfg.sweep_interval_secs);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                match sweeping.gateway.sweep().await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(keys = n, "sweep: destroyed the keys of deleted records")
                    }
                    Err(why) => tracing::warn!(code = why.code(), "sweep failed"),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind(&cfg.listen)
            .await
            .map_err(|e| format!("{}: {e}", cfg.listen))?;
        tracing::info!(listen = %cfg.listen, "medrec-gateway serving");
        serve(listener, api, shutdown_signal())
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!("medrec-gateway stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
