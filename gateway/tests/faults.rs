//! Crash safety: the gateway is killed with SIGKILL in the middle of
//! uploads and deposits, again and again. After each restart every upload
//! and deposit it acknowledged is there and intact, no object is visible
//! under its final name with other bytes than its hash says (no partial
//! object), and its log still verifies (a line cut short is dropped).
//!
//! Needs a node with a deployment on which Dr Charlie is a verified
//! provider (scripts/test.sh runs it after the client's journey):
//!
//! ```text
//! MEDREC_WS=ws://127.0.0.1:9955 MEDREC_DEPLOYMENT=target/test-deployment.json \
//!     cargo test -p medrec-gateway --test faults -- --ignored --nocapture
//! ```

use medrec_gateway::auth;
use medrec_gateway::keys::{KeyStore, Secret};
use medrec_gateway::store::Store;
use schnorrkel::{signing_context, ExpansionMode, Keypair, MiniSecretKey};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type R<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// //Charlie's well-known development seed (checked against his public key).
const CHARLIE_SEED: &str = "bc1ede780f784bb6991a585e4f6e61522c14e1cae6ad0895fb57b9a205a8f938";
const CHARLIE_PUBLIC: &str = "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22";

fn charlie() -> R<Keypair> {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(CHARLIE_SEED, &mut seed)?;
    let kp = MiniSecretKey::from_bytes(&seed)
        .map_err(|e| format!("{e:?}"))?
        .expand_to_keypair(ExpansionMode::Ed25519);
    if hex::encode(kp.public.to_bytes()) != CHARLIE_PUBLIC {
        return Err("not //Charlie's seed".into());
    }
    Ok(kp)
}

fn signed(
    kp: &Keypair,
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    path: &str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let now = medrec_gateway::now_ms();
    let nonce = hex::encode(&medvault_core::generate_data_key()[..16]);
    let msg = auth::signed_bytes(method.as_str(), path, &body, now, &nonce);
    let sig = kp
        .sign(signing_context(b"substrate").bytes(&msg))
        .to_bytes();
    http.request(method, format!("{url}{path}"))
        .header(auth::HEADER_ACCOUNT, hex::encode(kp.public.to_bytes()))
        .header(auth::HEADER_TIMESTAMP, now.to_string())
        .header(auth::HEADER_NONCE, nonce)
        .header(auth::HEADER_SIGNATURE, hex::encode(sig))
        .body(body)
}

fn free_port() -> R<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

struct Setup {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Setup {
    fn new() -> R<Self> {
        let ws = std::env::var("MEDREC_WS")?;
        let d: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(std::env::var(
            "MEDREC_DEPLOYMENT",
        )?)?)?;
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_medrec-gateway"));
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let st = Command::new(&bin)
            .arg("keygen")
            .arg(dir.path().join("keys"))
            .stdout(Stdio::null())
            .status()?;
        if !st.success() {
            return Err("keygen failed".into());
        }
        let a = |k: &str| d["addresses"][k].as_str().unwrap_or_default().to_owned();
        let cfg = format!(
            "listen = \"127.0.0.1:{port}\"\nstore = \"file://{0}/store\"\nmaster_key_file = \"{0}/keys/master.key\"\nx25519_key_file = \"{0}/keys/x25519.key\"\nlog_file = \"{0}/gateway.log\"\nnode_url = \"{ws}\"\naccess_control = \"{1}\"\npatient_consent = \"{2}\"\nrecord_management = \"{3}\"\n",
            dir.path().display(),
            a("accessControl"),
            a("patientConsent"),
            a("recordManagement")
        );
        std::fs::write(dir.path().join("gateway.toml"), cfg)?;
        Ok(Self { dir, bin, port })
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn start(&self) -> R<Child> {
        Ok(Command::new(&self.bin)
            .arg("serve")
            .arg("--config")
            .arg(self.path("gateway.toml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

async fn ready(http: &reqwest::Client, url: &str) -> R<()> {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the gateway did not become ready".into())
}

/// Every object's bytes hash to its name; no temporary is left.
fn objects_intact(root: &Path) -> R<usize> {
    let dir = root.join("objects");
    let mut n = 0;
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.contains('#') {
            return Err(format!("a temporary is visible after restart: {name}").into());
        }
        let digest = hex::encode(Sha256::digest(std::fs::read(e.path())?));
        if digest != name {
            return Err(format!("object {name} holds other bytes ({digest})").into());
        }
        n += 1;
    }
    Ok(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a node with a deployment and the client's journey on it (scripts/test.sh)"]
async fn killed_mid_write_the_gateway_loses_nothing_it_acknowledged() -> R<()> {
    let s = Setup::new()?;
    let kp = charlie()?;
    let charlie_id = medrec_gateway::AccountId::from(kp.public.to_bytes());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let master = medrec_gateway::config::read_secret(&s.path("keys/master.key"))
        .map_err(|e| e.to_string())?;
    let x = medrec_gateway::config::read_secret(&s.path("keys/x25519.key"))
        .map_err(|e| e.to_string())?;
    let gateway_public = medvault_core::SecretKey::from(*x).public_key();
    let rounds = 12;
    let mut acked_objects: Vec<[u8; 32]> = Vec::new();
    let mut acked_keys: Vec<([u8; 32], [u8; 32])> = Vec::new();
    let mut kills = 0;
    let mut table = Vec::new();
    for round in 0..rounds {
        let mut child = s.start()?;
        ready(&http, &s.url()).await?;
        // Writers: uploads of 256 KiB and deposits, as fast as they go
        let mut tasks = Vec::new();
        for w in 0..4u8 {
            let (http, url, kp) = (http.clone(), s.url(), kp.clone());
            let gateway_public = gateway_public.clone();
            tasks.push(tokio::spawn(async move {
                let mut objects = Vec::new();
                let mut keys = Vec::new();
                for i in 0..1000u32 {
                    let mut body = vec![w; 256 * 1024];
                    body[..4].copy_from_slice(&i.to_le_bytes());
                    body[4..12].copy_from_slice(&(round as u64).to_le_bytes());
                    let hash: [u8; 32] = Sha256::digest(&body).into();
                    let path = format!("/v1/objects/{}", hex::encode(hash));
                    match signed(&kp, &http, reqwest::Method::PUT, &url, &path, body).send().await {
                        Ok(r) if r.status().is_success() => objects.push(hash),
                        _ => break,
                    }
                    let key = medvault_core::generate_data_key();
                    let Ok(sealed) = medvault_core::wrap_key(&key, &gateway_public) else {
                        break;
                    };
                    let body = serde_json::json!({"data_hash": hex::encode(hash), "sealed_key": hex::encode(sealed)})
                        .to_string()
                        .into_bytes();
                    match signed(&kp, &http, reqwest::Method::POST, &url, "/v1/keys", body).send().await {
                        Ok(r) if r.status().is_success() => keys.push((hash, *key)),
                        _ => break,
                    }
                }
                (objects, keys)
            }));
        }
        // SIGKILL after a varying time
        let delay = 150 + (round as u64 * 97) % 600;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill()?; // SIGKILL
        child.wait()?;
        kills += 1;
        for t in tasks {
            let (o, k) = t.await?;
            acked_objects.extend(o);
            acked_keys.extend(k);
        }
        // Restart: what was acknowledged is there, nothing partial is
        let mut child = s.start()?;
        ready(&http, &s.url()).await?;
        let intact = objects_intact(&s.path("store"))?;
        for h in &acked_objects {
            let p = s.path("store").join("objects").join(hex::encode(h));
            if !p.exists() {
                return Err(format!("acknowledged object {} lost", hex::encode(h)).into());
            }
        }
        let store = Store::open(
            &format!("file://{}", s.path("store").display()),
            None,
            "us-east-1",
        )
        .map_err(|e| e.to_string())?;
        let keystore = KeyStore::new(store, master.clone());
        for (h, key) in &acked_keys {
            match keystore
                .get(h, &charlie_id)
                .await
                .map_err(|e| e.to_string())?
            {
                Some(Secret::Key(k)) if *k == *key => {}
                other => {
                    return Err(
                        format!("acknowledged key for {} lost: {other:?}", hex::encode(h)).into(),
                    )
                }
            }
        }
        let log = medrec_gateway::log::verify(&s.path("gateway.log")).map_err(|e| e.to_string())?;
        table.push(format!(
            "| {round} | {delay} | {intact} | {} | {} | {} |",
            acked_objects.len(),
            acked_keys.len(),
            log.entries
        ));
        println!(
            "round {round}: killed after {delay} ms; {} objects on disk, all intact; {} uploads and {} deposits acknowledged so far, none lost; log {} entries, verified",
            intact,
            acked_objects.len(),
            acked_keys.len(),
            log.entries
        );
        child.kill()?;
        child.wait()?;
    }
    println!(
        "faults: {kills} SIGKILLs during writes; {} acknowledged uploads and {} acknowledged deposits, all present and intact after every restart",
        acked_objects.len(),
        acked_keys.len()
    );
    assert!(!acked_objects.is_empty() && !acked_keys.is_empty());
    if let Ok(report) = std::env::var("MEDREC_FAULTS_REPORT") {
        let report_text = format!(
            "# Gateway faults: SIGKILL during writes\n\n\
             Written by `gateway/tests/faults.rs` on {} (UTC), run by \
             `MEDREC_FAULTS_REPORT=docs/gateway-faults.md scripts/test.sh` (its node \
             section: the `medrec-gateway` binary that `cargo test` builds, serving a deployment on a --dev \
             substrate-contracts-node, a local file store).\n\n\
             Each round starts the gateway, runs 4 writers (256 KiB uploads, each \
             followed by a key deposit) as fast as they go, SIGKILLs the gateway \
             after the delay, restarts it and checks that every object on disk hashes \
             to its name (nothing partial is visible), that every acknowledged upload \
             and deposit is there (keys decrypted and compared), and that the \
             hash-chained log verifies.\n\n\
             | round | killed after (ms) | objects on disk, all intact | acknowledged uploads (total) | acknowledged deposits (total) | log entries, verified |\n\
             |---:|---:|---:|---:|---:|---:|\n{}\n\n\
             **{kills} SIGKILLs; {} acknowledged uploads and {} acknowledged deposits, none lost, none partial.**\n",
            utc_now(),
            table.join("\n"),
            acked_objects.len(),
            acked_keys.len()
        );
        std::fs::write(&report, report_text)?;
        println!("faults: report written to {report}");
    }
    Ok(())
}

/// `YYYY-MM-DD HH:MM` now, in UTC (civil-from-days, Howard Hinnant's).
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}
