//! Load on loopback: N concurrent clients fetching 1 MiB records through the
//! key-release gateway (each request signed, its recorded read checked at
//! the chain's head, the ciphertext streamed from the store), side by side
//! with a plain static-file server (tower-http's `ServeDir`) serving the
//! same objects from the same folder, in the same run, alternating. Also
//! the latency of key releases. Bounded in count: `--clients`, `--requests`.
//!
//!   scripts/gateway-bench.sh [docs/gateway-bench.md]
//!   target/debug/gateway-bench --out FILE [--clients 8] [--requests 48] [--records 16] [--size 1048576]

use e2e_tests::gateway::{sign, Harness};
use e2e_tests::{cast, Session, DAY};
use medrec_gateway::service::Settings;
use medrec_types::{AccessLevel, DataType, Purpose, RecordType, Role};
use record_management::Confidentiality;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error>;

struct Args {
    out: String,
    clients: usize,
    requests: usize,
    records: usize,
    size: usize,
}

fn args() -> Result<Args, Error> {
    let mut a = Args {
        out: "docs/gateway-bench.md".into(),
        clients: 8,
        requests: 48,
        records: 16,
        size: 1024 * 1024,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v.get(i + 1).ok_or(format!("{} needs a value", v[i]))?;
        match v[i].as_str() {
            "--out" => a.out = val.clone(),
            "--clients" => a.clients = val.parse()?,
            "--requests" => a.requests = val.parse()?,
            "--records" => a.records = val.parse()?,
            "--size" => a.size = val.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 2;
    }
    if a.clients == 0 || a.requests == 0 || a.records == 0 || a.size == 0 {
        return Err("counts must be positive".into());
    }
    Ok(a)
}

/// Latencies of one run and its wall time.
struct Run {
    latencies: Vec<Duration>,
    wall: Duration,
    bytes: u64,
}

impl Run {
    fn pct(&self, p: f64) -> f64 {
        let mut l: Vec<f64> = self
            .latencies
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        l.sort_by(|a, b| a.total_cmp(b));
        let idx = ((l.len() as f64 - 1.0) * p).round() as usize;
        l.get(idx).copied().unwrap_or(0.0)
    }
    fn mib_s(&self) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0) / self.wall.as_secs_f64()
    }
    fn req_s(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// `clients` tasks, each sending `requests` requests built by `make(client, i)`.
fn load<F>(h: &Harness, clients: usize, requests: usize, make: F) -> Result<Run, Error>
where
    F: Fn(usize, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = std::sync::Arc::new(make);
    let start = Instant::now();
    let results = h.runtime.block_on(async {
        let mut tasks = Vec::new();
        for c in 0..clients {
            let make = make.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(requests);
                let mut bytes = 0u64;
                for i in 0..requests {
                    let t = Instant::now();
                    let resp = make(c, i).send().await.map_err(|e| e.to_string())?;
                    if !resp.status().is_success() {
                        return Err(format!("status {}", resp.status()));
                    }
                    let body = resp.bytes().await.map_err(|e| e.to_string())?;
                    bytes += body.len() as u64;
                    lat.push(t.elapsed());
                }
                Ok::<_, String>((lat, bytes))
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.map_err(|e| e.to_string())??);
        }
        Ok::<_, String>(out)
    })?;
    let wall = start.elapsed();
    let mut latencies = Vec::new();
    let mut bytes = 0;
    for (l, b) in results {
        latencies.extend(l);
        bytes += b;
    }
    Ok(Run {
        latencies,
        wall,
        bytes,
    })
}

fn main() -> Result<(), Error> {
    let a = args()?;
    let (alice, bob, charlie, ferdie) =
        (cast::alice(), cast::bob(), cast::charlie(), cast::ferdie());
    let mut s = Session::new()?;
    let msg = s
        .ac()
        .register_provider(charlie.account, Role::Doctor, [0xC0; 32]);
    s.ok(&alice, &msg)?;
    let msg = s.ac().verify_provider(charlie.account);
    s.ok(&bob, &msg)?;
    let msg = s.pc().register_patient();
    s.ok(&ferdie, &msg)?;
    let msg = s.pc().grant_consent(
        ferdie.account,
        charlie.account,
        DataType::MedicalRecords,
        30 * DAY,
        vec![Purpose::Treatment],
    );
    s.ok(&ferdie, &msg)?;
    let msg = s.rm().grant_permission(
        ferdie.account,
        charlie.account,
        RecordType::Diagnosis,
        AccessLevel::Write,
        None,
        None,
    );
    s.ok(&ferdie, &msg)?;
    let h = Harness::start_with(
        s,
        Settings {
            max_upload_bytes: (a.size as u64) * 2,
            entry_max_age_ms: 24 * 3600 * 1000,
            releases_per_entry: 100,
        },
        Duration::from_secs(120),
    )?;
    let kc = ink_e2e::charlie();
    let (_, info) = h.get("/v1/info")?;
    let info: serde_json::Value = serde_json::from_str(&info)?;
    let gw_key = info["x25519_public_key"]
        .as_str()
        .and_then(medrec_gateway::parse_hex32)
        .ok_or("no gateway key")?;
    let gw_key = medvault_core::PublicKey::from(gw_key);
    let ferdie_hex = hex::encode(AsRef::<[u8; 32]>::as_ref(&ferdie.account));
    // Records: sealed, uploaded, deposited, created, bound, read once
    let mut reads = Vec::new(); // (record id, audit index, data hash)
    for n in 0..a.records {
        let mut plain = vec![0u8; a.size - 1024];
        plain[..8].copy_from_slice(&(n as u64).to_le_bytes());
        let mut sealer = medvault_core::Sealer::new(medvault_core::DEFAULT_CHUNK)?;
        let mut ct = Vec::new();
        sealer.push(&plain, &mut ct)?;
        let sealed = sealer.finish(&mut ct)?;
        let hash: [u8; 32] = Sha256::digest(&ct).into();
        let (st, _) = h.send(&sign(
            &kc,
            "PUT",
            &format!("/v1/objects/{}", hex::encode(hash)),
            ct.clone(),
        ))?;
        if st != 201 {
            return Err(format!("upload: {st}").into());
        }
        let wrapped = medvault_core::wrap_key(&sealed.key, &gw_key)?;
        let body =
            serde_json::json!({"data_hash": hex::encode(hash), "sealed_key": hex::encode(wrapped)});
        let (st, _) = h.send(&sign(
            &kc,
            "POST",
            "/v1/keys",
            body.to_string().into_bytes(),
        ))?;
        if st != 200 {
            return Err(format!("deposit: {st}").into());
        }
        let key_id = medrec_gateway::keys::key_id(&sealed.key);
        let (id, index) = h.with(|s| -> Result<(u64, u64), Error> {
            let m = s.rm().create_record(
                ferdie.account,
                RecordType::Diagnosis,
                hash,
                key_id,
                ct.len() as u64,
                0,
                Confidentiality::Normal,
                Purpose::Treatment,
            );
            let id = s.ok(&charlie, &m)?.value;
            let m = s.rm().get_record(ferdie.account, id, Purpose::Treatment);
            Ok((id, s.ok(&charlie, &m)?.value.audit_index))
        })??;
        let (st, _) = h.send(&sign(
            &kc,
            "POST",
            &format!("/v1/records/{ferdie_hex}/{id}/bind"),
            Vec::new(),
        ))?;
        if st != 200 {
            return Err(format!("bind: {st}").into());
        }
        reads.push((id, index, hash));
    }
    let reads = std::sync::Arc::new(reads);
    // The static server: the same objects, the same folder
    let objects = h.store_dir().join("objects");
    let static_listener = h
        .runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let static_url = format!("http://{}", static_listener.local_addr()?);
    h.runtime.spawn(async move {
        let app =
            axum::Router::new().fallback_service(tower_http::services::ServeDir::new(objects));
        let _ = axum::serve(static_listener, app).await;
    });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let (clients, requests) = (a.clients, a.requests);
    let static_run = |h: &Harness| {
        let (client, reads, url) = (client.clone(), reads.clone(), static_url.clone());
        load(h, clients, requests, move |c, i| {
            let (_, _, hash) = reads[(c * requests + i) % reads.len()];
            client.get(format!("{url}/{}", hex::encode(hash)))
        })
    };
    let gateway_run = |h: &Harness| {
        let (client, reads, url, kc) = (client.clone(), reads.clone(), h.url.clone(), kc.clone());
        let ferdie_hex = ferdie_hex.clone();
        load(h, clients, requests, move |c, i| {
            let (id, index, _) = reads[(c * requests + i) % reads.len()];
            let path = format!("/v1/records/{ferdie_hex}/{id}/ciphertext?audit_index={index}");
            let req = sign(&kc, "GET", &path, Vec::new());
            let mut b = client.get(format!("{url}{path}"));
            for (k, v) in req.headers {
                b = b.header(k, v);
            }
            b
        })
    };
    // Warm both, then alternate
    static_run(&h)?;
    gateway_run(&h)?;
    let mut rows = Vec::new();
    for round in 1..=2 {
        rows.push((
            format!("static file server, round {round}"),
            static_run(&h)?,
        ));
        rows.push((format!("gateway fetch, round {round}"), gateway_run(&h)?));
    }
    // Releases: signed, checked, a key sealed per request
    let mine = medvault_core::generate_secret_key().public_key();
    let release_run = {
        let (client, reads, url, kc) = (client.clone(), reads.clone(), h.url.clone(), kc.clone());
        let ferdie_hex = ferdie_hex.clone();
        let rel_requests = (requests / 4).max(1);
        load(&h, clients.min(4), rel_requests, move |c, i| {
            let (id, index, _) = reads[(c * rel_requests + i) % reads.len()];
            let body = serde_json::json!({"patient": ferdie_hex, "record_id": id, "audit_index": index, "wrap_to": hex::encode(mine.as_bytes())})
                .to_string()
                .into_bytes();
            let req = sign(&kc, "POST", "/v1/release", body.clone());
            let mut b = client.post(format!("{url}/v1/release")).body(body);
            for (k, v) in req.headers {
                b = b.header(k, v);
            }
            b
        })?
    };
    let static_mean = (rows[0].1.mib_s() + rows[2].1.mib_s()) / 2.0;
    let gateway_mean = (rows[1].1.mib_s() + rows[3].1.mib_s()) / 2.0;
    let ratio = gateway_mean / static_mean;
    let mut md = String::new();
    md.push_str("# Gateway load on loopback\n\n");
    md.push_str(&format!(
        "Written by `scripts/gateway-bench.sh` ({} cores). {} clients, {} requests each, over {} records of {} bytes \
         of ciphertext, each fetched through the gateway (signed request, the recorded read checked at the sandbox \
         chain's head, streamed from the local store) and from a plain static-file server (tower-http `ServeDir`) \
         over the same folder, in the same run, alternating after a warm-up round of each. Clients, servers and \
         the chain share the machine. Build: {}.\n\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        clients,
        requests,
        a.records,
        a.size,
        if cfg!(debug_assertions) {
            "debug (unoptimized, as scripts/test.sh builds it; the gateway's signature check and hashing run unoptimized, the static server does neither)"
        } else {
            "release"
        }
    ));
    md.push_str("| run | requests | MiB/s | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n");
    for (name, r) in rows.iter().chain(std::iter::once(&(
        "key release (POST /v1/release)".to_owned(),
        release_run,
    ))) {
        md.push_str(&format!(
            "| {name} | {} | {:.1} | {:.1} | {:.2} | {:.2} |\n",
            r.latencies.len(),
            r.mib_s(),
            r.req_s(),
            r.pct(0.5),
            r.pct(0.99)
        ));
    }
    md.push_str(&format!(
        "\nFetch throughput, gateway / static server (mean of the two rounds): {gateway_mean:.1} / {static_mean:.1} MiB/s = **{ratio:.2}** (goal >= 0.8: {}).\n",
        if ratio >= 0.8 { "meets" } else { "misses" }
    ));
    if let Some(dir) = std::path::Path::new(&a.out).parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&a.out, &md)?;
    print!("{md}");
    Ok(())
}
