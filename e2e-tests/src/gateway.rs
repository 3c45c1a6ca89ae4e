//! The gateway on the sandbox chain: [`SandboxChain`] is the gateway's
//! [`ChainView`] over the in-process runtime running the release builds
//! (every state is final: the sandbox has no forks), and [`Harness`]
//! starts a real gateway (HTTP on a loopback port, a local store, its log)
//! on it, and signs requests the way polkadot.js does.

use crate::session::Session;
use crate::E2EResult;
use ink::primitives::AccountId;
use medrec_gateway::auth;
use medrec_gateway::chain::{ChainError, ChainView, Contract, Head};
use medrec_gateway::http::Api;
use medrec_gateway::log::Log;
use medrec_gateway::service::{Gateway, Settings};
use medrec_gateway::store::Store;
use sha2::Digest as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The sandbox chain, shared by the test (which sends transactions) and
/// the gateway (which reads).
#[derive(Clone)]
pub struct SandboxChain {
    pub session: Arc<Mutex<Session>>,
    /// When set, every read fails as if the node were unreachable.
    pub unreachable: Arc<std::sync::atomic::AtomicBool>,
    /// When set, reads go to this other chain instead (a gateway whose
    /// node was pointed elsewhere).
    pub elsewhere: Arc<Mutex<Option<Arc<Mutex<Session>>>>>,
}

impl SandboxChain {
    pub fn new(session: Session) -> Self {
        Self {
            session: Arc::new(Mutex::new(session)),
            unreachable: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            elsewhere: Arc::new(Mutex::new(None)),
        }
    }

    /// A view of the same chain whose redirection and reachability can be
    /// switched on their own (another gateway's node connection).
    pub fn another_view(&self) -> Self {
        Self {
            session: self.session.clone(),
            unreachable: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            elsewhere: Arc::new(Mutex::new(None)),
        }
    }

    /// Points this view at `other`'s chain (or back, with `None`).
    pub fn point_at(&self, other: Option<&SandboxChain>) {
        if let Ok(mut e) = self.elsewhere.lock() {
            *e = other.map(|o| o.session.clone());
        }
    }

    fn down(&self) -> bool {
        self.unreachable.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn target(&self) -> Result<Arc<Mutex<Session>>, ChainError> {
        let e = self
            .elsewhere
            .lock()
            .map_err(|_| ChainError::Unreachable("lock poisoned".into()))?;
        Ok(e.clone().unwrap_or_else(|| self.session.clone()))
    }
}

/// The account the gateway's reads are sent from (queries need no funds).
const READER: [u8; 32] = [0x6A; 32];

#[async_trait::async_trait]
impl ChainView for SandboxChain {
    async fn head(&self) -> Result<Head, ChainError> {
        if self.down() {
            return Err(ChainError::Unreachable("sandbox marked unreachable".into()));
        }
        let target = self.target()?;
        let s = target
            .lock()
            .map_err(|_| ChainError::Unreachable("session lock poisoned".into()))?;
        // The sandbox has no block hashes: one from this chain's identity
        // and its position, so two chains' heads never look alike.
        let mut h = sha2::Sha256::new();
        sha2::Digest::update(&mut h, (Arc::as_ptr(&target) as usize).to_le_bytes());
        sha2::Digest::update(&mut h, s.chain.calls().to_le_bytes());
        sha2::Digest::update(&mut h, s.now().to_le_bytes());
        Ok(Head {
            hash: sha2::Digest::finalize(h).into(),
            number: s.chain.calls(),
            time_ms: s.now(),
        })
    }

    async fn call(
        &self,
        _at: &Head,
        contract: Contract,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, ChainError> {
        if self.down() {
            return Err(ChainError::Unreachable("sandbox marked unreachable".into()));
        }
        let target = self.target()?;
        let mut s = target
            .lock()
            .map_err(|_| ChainError::Unreachable("session lock poisoned".into()))?;
        let callee = match contract {
            Contract::AccessControl => s.ac,
            Contract::PatientConsent => s.pc,
            Contract::RecordManagement => s.rm,
        };
        s.chain
            .call_raw(AccountId::from(READER), callee, input)
            .map_err(|e| ChainError::BadAnswer(e.to_string()))
    }
}

/// A running gateway on the sandbox chain.
pub struct Harness {
    pub chain: SandboxChain,
    pub url: String,
    pub api: Arc<Api>,
    pub dir: tempfile::TempDir,
    pub runtime: tokio::runtime::Runtime,
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Harness {
    /// Starts a gateway with `settings` on `session`'s chain (requests
    /// may take 5 s).
    pub fn start(session: Session, settings: Settings) -> E2EResult<Self> {
        Self::start_with(session, settings, Duration::from_secs(5))
    }

    /// As [`Harness::start`], with the request time limit.
    pub fn start_with(
        session: Session,
        settings: Settings,
        request_timeout: Duration,
    ) -> E2EResult<Self> {
        Self::start_on(SandboxChain::new(session), settings, request_timeout)
    }

    /// A gateway on a chain another gateway may read too (several
    /// institutions' gateways, one chain), with its own store, keys and log.
    pub fn start_on(
        chain: SandboxChain,
        settings: Settings,
        request_timeout: Duration,
    ) -> E2EResult<Self> {
        Self::start_full(chain, settings, request_timeout, None)
    }

    /// A gateway on a shared store with shared keys: `(store URL, master
    /// key, X25519 secret)`, as stateless gateways behind a load balancer
    /// run (their logs stay their own).
    pub fn start_shared(
        chain: SandboxChain,
        settings: Settings,
        store_url: &str,
        master: [u8; 32],
        x25519: [u8; 32],
    ) -> E2EResult<Self> {
        Self::start_full(
            chain,
            settings,
            Duration::from_secs(5),
            Some((store_url.to_owned(), master, x25519)),
        )
    }

    fn start_full(
        chain: SandboxChain,
        settings: Settings,
        request_timeout: Duration,
        shared: Option<(String, [u8; 32], [u8; 32])>,
    ) -> E2EResult<Self> {
        let dir = tempfile::tempdir()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (store, master, secret) = match shared {
            Some((url, master, x)) => (
                Store::open(
                    &url,
                    std::env::var("MEDREC_S3_ENDPOINT").ok().as_deref(),
                    "us-east-1",
                )?,
                zeroize::Zeroizing::new(master),
                medvault_core::SecretKey::from(x),
            ),
            None => (
                Store::open(
                    &format!("file://{}", dir.path().join("store").display()),
                    None,
                    "us-east-1",
                )?,
                medvault_core::generate_data_key(),
                medvault_core::generate_secret_key(),
            ),
        };
        let log = Log::open(&dir.path().join("gateway.log"))?;
        // The same cache the server puts in front of a node; the head is
        // not reused (every request sees the sandbox's latest state).
        let cached = medrec_gateway::chain::Cached::new(chain.clone(), Duration::ZERO);
        let gateway = Gateway::new(Arc::new(cached), store, master, secret, log, settings);
        let api = Arc::new(Api {
            gateway,
            nonces: auth::Nonces::new(300_000),
            signature_window_ms: 300_000,
            request_timeout,
            cors_origins: vec!["http://127.0.0.1:5173".into()],
        });
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = api.clone();
        runtime.spawn(async move {
            let _ = medrec_gateway::http::serve(listener, serving, async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(Self {
            chain,
            url,
            api,
            dir,
            runtime,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
        })
    }

    /// The default settings: 15 minutes, one release per read.
    pub fn settings() -> Settings {
        Settings {
            max_upload_bytes: 1024 * 1024,
            entry_max_age_ms: 15 * 60 * 1000,
            releases_per_entry: 1,
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("gateway.log")
    }

    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Runs `f` with the session (to send transactions).
    pub fn with<T>(&self, f: impl FnOnce(&mut Session) -> T) -> E2EResult<T> {
        let mut s = self
            .chain
            .session
            .lock()
            .map_err(|_| "session lock poisoned")?;
        Ok(f(&mut s))
    }

    /// Sends a request signed by `signer`; returns the status and body.
    pub fn send(&self, req: &Signed) -> E2EResult<(u16, Vec<u8>)> {
        self.send_to(&self.url, req)
    }

    /// Sends a request to the gateway at `base` (another institution's).
    pub fn send_to(&self, base: &str, req: &Signed) -> E2EResult<(u16, Vec<u8>)> {
        let url = format!("{base}{}", req.path);
        let method = reqwest::Method::from_bytes(req.method.as_bytes())?;
        let mut b = self.http.request(method, url).body(req.body.clone());
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let resp = self.runtime.block_on(b.send())?;
        let status = resp.status().as_u16();
        let body = self.runtime.block_on(resp.bytes())?.to_vec();
        Ok((status, body))
    }

    /// A request's status and its JSON body.
    pub fn send_json(&self, req: &Signed) -> E2EResult<(u16, serde_json::Value)> {
        let (status, body) = self.send(req)?;
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        Ok((status, json))
    }

    /// Stops the gateway and hands the chain back (the rest of a journey
    /// runs on the session alone).
    pub fn into_session(self) -> E2EResult<Session> {
        let Harness {
            chain,
            api,
            runtime,
            shutdown,
            ..
        } = self;
        if let Some(tx) = shutdown {
            let _ = tx.send(());
        }
        runtime.shutdown_timeout(Duration::from_secs(5));
        drop(api);
        let SandboxChain { session, .. } = chain;
        let session = Arc::try_unwrap(session).map_err(|_| "the gateway still holds the chain")?;
        Ok(session.into_inner().map_err(|_| "session lock poisoned")?)
    }

    /// An unsigned GET.
    pub fn get(&self, path: &str) -> E2EResult<(u16, String)> {
        let resp = self
            .runtime
            .block_on(self.http.get(format!("{}{path}", self.url)).send())?;
        let status = resp.status().as_u16();
        Ok((status, self.runtime.block_on(resp.text())?))
    }
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Signed {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

/// Signs a request as `keypair` (a development account's sr25519 key),
/// with this clock's time and a fresh nonce.
pub fn sign(keypair: &ink_e2e::Keypair, method: &str, path: &str, body: Vec<u8>) -> Signed {
    sign_at(
        keypair,
        method,
        path,
        body,
        medrec_gateway::now_ms(),
        &fresh_nonce(),
    )
}

/// Signs with a given timestamp and nonce.
pub fn sign_at(
    keypair: &ink_e2e::Keypair,
    method: &str,
    path: &str,
    body: Vec<u8>,
    timestamp_ms: u64,
    nonce: &str,
) -> Signed {
    let message = auth::signed_bytes(method, path, &body, timestamp_ms, nonce);
    let signature = keypair.sign(&message);
    Signed {
        method: method.into(),
        path: path.into(),
        headers: vec![
            (
                auth::HEADER_ACCOUNT.into(),
                hex::encode(keypair.public_key().0),
            ),
            (auth::HEADER_TIMESTAMP.into(), timestamp_ms.to_string()),
            (auth::HEADER_NONCE.into(), nonce.into()),
            (auth::HEADER_SIGNATURE.into(), hex::encode(signature.0)),
        ],
        body,
    }
}

/// 32 random hex characters.
pub fn fresh_nonce() -> String {
    hex::encode(&medvault_core::generate_data_key()[..16])
}
