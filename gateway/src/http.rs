//! The HTTP API (axum). Every answer is JSON except `/metrics` and a
//! fetched ciphertext; every refusal is `{"error": code, "message": ..}`
//! with the code's status, and is logged.
//!
//! | method and path | signed | what |
//! |---|---|---|
//! | `GET /healthz` | no | the process is up |
//! | `GET /readyz` | no | the chain answers and the store takes a write |
//! | `GET /metrics` | no | Prometheus text |
//! | `GET /v1/info` | no | the X25519 public key to seal data keys to |
//! | `PUT /v1/objects/{sha256}` | yes | upload a ciphertext |
//! | `POST /v1/keys` | yes | deposit a sealed data key: `{"data_hash", "sealed_key"}` |
//! | `POST /v1/release` | yes | `{"patient", "record_id", "audit_index", "wrap_to"}` |
//! | `POST /v1/records/{patient}/{record_id}/bind` (patient: hex or SS58) | yes | bind the deposited key to the created record |
//! | `GET /v1/records/{patient}/{record_id}/ciphertext?audit_index=N` | yes | the ciphertext |

use crate::auth::{self, Nonces};
use crate::service::{Gateway, ReadProof};
use crate::{AccountId, Refusal};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Api {
    pub gateway: Gateway,
    pub nonces: Nonces,
    pub signature_window_ms: u64,
    pub request_timeout: Duration,
    /// Browser origins allowed to call the gateway (CORS), e.g. the web
    /// app's `https://records.example-hospital.org`; `*` allows any. Empty:
    /// no CORS headers, browsers on other origins are refused by themselves.
    pub cors_origins: Vec<String>,
}

type Shared = Arc<Api>;

fn refusal_response(r: Refusal) -> Response {
    (
        r.status(),
        axum::Json(serde_json::json!({"error": r.code(), "message": r.message()})),
    )
        .into_response()
}

pub fn router(api: Shared) -> Router {
    let cors = cors_layer(&api.cors_origins);
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/info", get(info))
        .route("/v1/objects/{hash}", put(upload))
        .route("/v1/keys", post(deposit))
        .route("/v1/release", post(release))
        .route("/v1/records/{patient}/{record_id}/ciphertext", get(fetch))
        .route("/v1/records/{patient}/{record_id}/bind", post(bind))
        .route("/v1/log", get(read_log))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(api);
    match cors {
        Some(layer) => router.layer(layer),
        None => router,
    }
}

/// The CORS policy for `origins` (None when empty). Requests stay signed:
/// CORS only lets a browser page on an allowed origin send them and read
/// the answers.
pub fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, HeaderValue, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::PUT, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                HeaderName::from_static(crate::auth::HEADER_ACCOUNT),
                HeaderName::from_static(crate::auth::HEADER_TIMESTAMP),
                HeaderName::from_static(crate::auth::HEADER_NONCE),
                HeaderName::from_static(crate::auth::HEADER_SIGNATURE),
            ])
            .expose_headers([HeaderName::from_static("x-medrec-data-hash")])
            .max_age(Duration::from_secs(600)),
    )
}

async fn not_found(State(api): State<Shared>) -> Response {
    api.gateway
        .refused("unknown", None, Refusal::NotFound)
        .await;
    refusal_response(Refusal::NotFound)
}

async fn method_not_allowed(State(api): State<Shared>) -> Response {
    api.gateway
        .refused("unknown", None, Refusal::MethodNotAllowed)
        .await;
    refusal_response(Refusal::MethodNotAllowed)
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({"status": "ok"})).into_response()
}

async fn readyz(State(api): State<Shared>) -> Response {
    let chain = api.gateway.chain.head().await;
    let store = api.gateway.store.probe().await;
    let ok = chain.is_ok() && store.is_ok();
    let body = serde_json::json!({
        "chain": match &chain { Ok(h) => format!("finalized block {}", h.number), Err(_) => "unreachable".into() },
        "store": if store.is_ok() { "writable" } else { "unavailable" },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(api): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        api.gateway.metrics.encode(),
    )
        .into_response()
}

async fn info(State(api): State<Shared>) -> Response {
    axum::Json(serde_json::json!({
        "service": "medrec-gateway",
        "version": env!("CARGO_PKG_VERSION"),
        "x25519_public_key": hex::encode(api.gateway.public_key().as_bytes()),
        "max_upload_bytes": api.gateway.settings.max_upload_bytes,
        "releases_per_entry": api.gateway.settings.releases_per_entry,
    }))
    .into_response()
}

/// A signed request, read and authenticated: the caller and the body.
struct Signed {
    caller: AccountId,
    body: Bytes,
}

/// Reads the body (at most `limit` bytes) within the request's time, then
/// checks the signature over it.
async fn authenticated(api: &Api, req: Request, limit: u64) -> Result<Signed, Refusal> {
    let (parts, body) = req.into_parts();
    if let Some(len) = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit {
            return Err(Refusal::TooLarge);
        }
    }
    let body = read_limited(body, limit).await?;
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let caller = auth::authenticate(
        &parts.headers,
        parts.method.as_str(),
        path,
        &body,
        crate::now_ms(),
        api.signature_window_ms,
        &api.nonces,
    )?;
    Ok(Signed { caller, body })
}

/// The whole body, refusing it once it passes `limit` bytes.
async fn read_limited(body: Body, limit: u64) -> Result<Bytes, Refusal> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut out = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Refusal::Malformed)?;
        if let Ok(data) = frame.into_data() {
            if (out.len() as u64).saturating_add(data.len() as u64) > limit {
                return Err(Refusal::TooLarge);
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out.freeze())
}

/// Runs `work` within the request timeout, counts it, and turns a refusal
/// into its answer (logged).
async fn handle<F>(api: &Shared, route: &'static str, work: F) -> Response
where
    F: std::future::Future<Output = (Option<AccountId>, Result<Response, Refusal>)>,
{
    let started = Instant::now();
    let (caller, outcome) = match tokio::time::timeout(api.request_timeout, work).await {
        Ok(r) => r,
        Err(_) => (None, Err(Refusal::Timeout)),
    };
    let response = match outcome {
        Ok(r) => r,
        Err(why) => {
            api.gateway.refused(route, caller.as_ref(), why).await;
            refusal_response(why)
        }
    };
    let m = &api.gateway.metrics;
    m.requests
        .get_or_create(&crate::metrics::RouteStatus {
            route: route.into(),
            status: response.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&crate::metrics::Route {
            route: route.into(),
        })
        .observe(started.elapsed().as_secs_f64());
    response
}

fn path_hash(hash: &str) -> Result<[u8; 32], Refusal> {
    if hash.len() != 64 {
        return Err(Refusal::Malformed);
    }
    crate::parse_hex32(hash).ok_or(Refusal::Malformed)
}

async fn upload(
    State(api): State<Shared>,
    axum::extract::Path(hash): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let a = api.clone();
    handle(&api, "upload", async move {
        let hash = match path_hash(&hash) {
            Ok(h) => h,
            Err(r) => return (None, Err(r)),
        };
        let limit = a.gateway.settings.max_upload_bytes;
        let s = match authenticated(&a, req, limit).await {
            Ok(s) => s,
            Err(r) => return (None, Err(r)),
        };
        let out = a
            .gateway
            .upload(&s.caller, &hash, s.body)
            .await
            .map(|created| {
                let status = match created {
                    crate::store::Created::New => StatusCode::CREATED,
                    crate::store::Created::AlreadyThere => StatusCode::OK,
                };
                (
                    status,
                    axum::Json(serde_json::json!({
                        "data_hash": hex::encode(hash),
                        "stored": "yes",
                        "new": status == StatusCode::CREATED,
                    })),
                )
                    .into_response()
            });
        (Some(s.caller), out)
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DepositBody {
    data_hash: String,
    sealed_key: String,
}

/// A deposit's body: `{"data_hash": hex, "sealed_key": hex}`: the sealed
/// box of a data key ([`medvault_core::WRAPPED_KEY_LEN`] bytes) or of a
/// share `x || y` (one byte more).
pub fn parse_deposit(body: &[u8]) -> Result<([u8; 32], Vec<u8>), Refusal> {
    let b: DepositBody = serde_json::from_slice(body).map_err(|_| Refusal::Malformed)?;
    let data_hash = crate::parse_hex32(&b.data_hash).ok_or(Refusal::Malformed)?;
    let sealed = hex::decode(b.sealed_key.strip_prefix("0x").unwrap_or(&b.sealed_key))
        .map_err(|_| Refusal::Malformed)?;
    // A sealed key, or a sealed share (one byte longer)
    if sealed.len() != medvault_core::WRAPPED_KEY_LEN
        && sealed.len() != medvault_core::WRAPPED_KEY_LEN + 1
    {
        return Err(Refusal::Malformed);
    }
    Ok((data_hash, sealed))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    patient: String,
    record_id: u64,
    audit_index: u64,
    wrap_to: String,
    #[serde(default)]
    version: Option<u32>,
}

/// A release's body: `{"patient": hex or SS58, "record_id", "audit_index",
/// "wrap_to": hex X25519 public key}`, and `"version"` for an earlier
/// version (the patient's own reads only).
pub fn parse_release(body: &[u8]) -> Result<(ReadProof, medvault_core::PublicKey), Refusal> {
    let b: ReleaseBody = serde_json::from_slice(body).map_err(|_| Refusal::Malformed)?;
    let patient = crate::parse_account(&b.patient).ok_or(Refusal::Malformed)?;
    let wrap_to = crate::parse_hex32(&b.wrap_to).ok_or(Refusal::Malformed)?;
    Ok((
        ReadProof {
            patient: AccountId::from(patient),
            record_id: b.record_id,
            audit_index: b.audit_index,
            version: b.version,
        },
        medvault_core::PublicKey::from(wrap_to),
    ))
}

/// Small JSON bodies: release and deposit.
const SMALL_BODY: u64 = 4096;

async fn deposit(State(api): State<Shared>, req: Request) -> Response {
    let a = api.clone();
    handle(&api, "deposit", async move {
        let s = match authenticated(&a, req, SMALL_BODY).await {
            Ok(s) => s,
            Err(r) => return (None, Err(r)),
        };
        let caller = Some(s.caller);
        let (data_hash, sealed) = match parse_deposit(&s.body) {
            Ok(b) => b,
            Err(r) => return (caller, Err(r)),
        };
        let out = a
            .gateway
            .deposit(&s.caller, &data_hash, &sealed)
            .await
            .map(|d| axum::Json(d).into_response());
        (caller, out)
    })
    .await
}

async fn release(State(api): State<Shared>, req: Request) -> Response {
    let a = api.clone();
    handle(&api, "release", async move {
        let s = match authenticated(&a, req, SMALL_BODY).await {
            Ok(s) => s,
            Err(r) => return (None, Err(r)),
        };
        let caller = Some(s.caller);
        let (proof, wrap_to) = match parse_release(&s.body) {
            Ok(b) => b,
            Err(r) => return (caller, Err(r)),
        };
        let out = a
            .gateway
            .release(&s.caller, &proof, &wrap_to)
            .await
            .map(|r| axum::Json(r).into_response());
        (caller, out)
    })
    .await
}

async fn bind(
    State(api): State<Shared>,
    axum::extract::Path((patient, record_id)): axum::extract::Path<(String, String)>,
    req: Request,
) -> Response {
    let a = api.clone();
    handle(&api, "bind", async move {
        let s = match authenticated(&a, req, 0).await {
            Ok(s) => s,
            Err(r) => return (None, Err(r)),
        };
        let caller = Some(s.caller);
        let (Some(patient), Ok(record_id)) =
            (crate::parse_account(&patient), record_id.parse::<u64>())
        else {
            return (caller, Err(Refusal::Malformed));
        };
        let out = a
            .gateway
            .bind(&s.caller, AccountId::from(patient), record_id)
            .await
            .map(|d| {
                let mut v = serde_json::to_value(d).unwrap_or_default();
                v["record_id"] = record_id.into();
                axum::Json(v).into_response()
            });
        (caller, out)
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchQuery {
    audit_index: u64,
    #[serde(default)]
    version: Option<u32>,
}

async fn fetch(
    State(api): State<Shared>,
    axum::extract::Path((patient, record_id)): axum::extract::Path<(String, String)>,
    req: Request,
) -> Response {
    let a = api.clone();
    handle(&api, "fetch", async move {
        let query = req.uri().query().unwrap_or("").to_owned();
        let s = match authenticated(&a, req, 0).await {
            Ok(s) => s,
            Err(r) => return (None, Err(r)),
        };
        let caller = Some(s.caller);
        let (Some(patient), Ok(record_id), Ok(q)) = (
            crate::parse_account(&patient),
            record_id.parse::<u64>(),
            serde_urlencoded::from_str::<FetchQuery>(&query),
        ) else {
            return (caller, Err(Refusal::Malformed));
        };
        let proof = ReadProof {
            patient: AccountId::from(patient),
            record_id,
            audit_index: q.audit_index,
            version: q.version,
        };
        let fetched = match a.gateway.fetch(&s.caller, &proof).await {
            Ok(f) => f,
            Err(r) => return (caller, Err(r)),
        };
        let resp = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, fetched.size)
            .header("x-medrec-data-hash", hex::encode(fetched.data_hash))
            .body(Body::from_stream(fetched.stream))
            .map_err(|_| Refusal::StoreUnavailable);
        (caller, resp)
    })
    .await
}

/// Serves `api` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    api: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(api))
        .with_graceful_shutdown(shutdown)
        .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    #[serde(default)]
    from: u64,
    #[serde(default = "default_log_limit")]
    limit: u64,
}

fn default_log_limit() -> u64 {
    100
}

/// Entries a log page holds at most.
pub const MAX_LOG_PAGE: u64 = 500;

/// `GET /v1/log?from=SEQ&limit=N` (signed; admins only): durable entries
/// `from`.. as written, `{"entries": [..], "total": N, "next": SEQ|null}`.
async fn read_log(State(api): State<Shared>, req: Request) -> Response {
    let a = api.clone();
    handle(&api, "log", async move {
        let query = req.uri().query().unwrap_or("").to_owned();
        let s = match authenticated(&a, req, 0).await {
            Ok(s) => s,
            Err(r) => return (None, Err(r)),
        };
        let caller = Some(s.caller);
        let q = match serde_urlencoded::from_str::<LogQuery>(&query) {
            Ok(q) if (1..=MAX_LOG_PAGE).contains(&q.limit) => q,
            _ => return (caller, Err(Refusal::Malformed)),
        };
        let out = a
            .gateway
            .log_page(&s.caller, q.from, q.limit)
            .await
            .map(|page| {
                let end = q.from.saturating_add(page.entries.len() as u64);
                let next = (end < page.total && !page.entries.is_empty()).then_some(end);
                axum::Json(serde_json::json!({
                    "entries": page.entries,
                    "total": page.total,
                    "next": next,
                }))
                .into_response()
            });
        (caller, out)
    })
    .await
}
