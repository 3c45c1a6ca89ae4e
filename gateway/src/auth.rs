//! Signed requests.
//!
//! A caller signs each request with its chain account (sr25519), the way a
//! polkadot.js keyring pair or a browser extension's `signRaw` signs raw
//! bytes: the payload wrapped in `<Bytes>`..`</Bytes>` (so a signed request
//! can never be a transaction), under the signing context `substrate`.
//! The signed bytes and the headers are defined once, in
//! [`medvault_core::request`], for the gateway and every client.

use crate::{AccountId, Refusal};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

pub use medvault_core::request::{
    HEADER_ACCOUNT, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};

/// The signing context of Substrate's sr25519 signatures.
const SIGNING_CONTEXT: &[u8] = b"substrate";

/// The bytes a caller signs (already wrapped in `<Bytes>`..`</Bytes>`).
pub fn signed_bytes(
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp_ms: u64,
    nonce: &str,
) -> Vec<u8> {
    let body_hash: [u8; 32] = Sha256::digest(body).into();
    medvault_core::request::signed_bytes(method, path_and_query, &body_hash, timestamp_ms, nonce)
}

/// The signature headers of a request, as received.
#[derive(Debug, Clone)]
pub struct SignatureHeaders {
    pub account: [u8; 32],
    pub timestamp_ms: u64,
    pub nonce: String,
    pub signature: [u8; 64],
}

impl SignatureHeaders {
    /// Reads the four headers; any missing or malformed one is a bad signature.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Result<Self, Refusal> {
        let get = |name: &str| -> Result<&str, Refusal> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(Refusal::BadSignature)
        };
        let account = crate::parse_hex32(get(HEADER_ACCOUNT)?).ok_or(Refusal::BadSignature)?;
        let timestamp_ms = get(HEADER_TIMESTAMP)?
            .parse::<u64>()
            .map_err(|_| Refusal::BadSignature)?;
        let nonce = get(HEADER_NONCE)?.to_owned();
        if !(16..=64).contains(&nonce.len())
            || !nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Refusal::BadSignature);
        }
        let sig_hex = get(HEADER_SIGNATURE)?;
        let sig_hex = sig_hex.strip_prefix("0x").unwrap_or(sig_hex);
        let mut signature = [0u8; 64];
        hex::decode_to_slice(sig_hex, &mut signature).map_err(|_| Refusal::BadSignature)?;
        Ok(Self {
            account,
            timestamp_ms,
            nonce,
            signature,
        })
    }
}

/// Checks an sr25519 signature over `message` by `account`.
pub fn verify_sr25519(account: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(public) = schnorrkel::PublicKey::from_bytes(account) else {
        return false;
    };
    let Ok(signature) = schnorrkel::Signature::from_bytes(signature) else {
        return false;
    };
    public
        .verify_simple(SIGNING_CONTEXT, message, &signature)
        .is_ok()
}

/// Nonces seen within the window, per account. A nonce is remembered once
/// its request's signature checked out, so nobody can burn another
/// account's nonces. Kept in memory: a restart forgets them, which is safe
/// because what a replay could obtain is bounded by the stores' own
/// idempotence (an upload or deposit again) and by the used-entry markers
/// (a release again), which are durable.
pub struct Nonces {
    window_ms: u64,
    seen: Mutex<HashMap<([u8; 32], String), u64>>,
}

impl Nonces {
    pub fn new(window_ms: u64) -> Self {
        Self {
            window_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records `nonce` for `account`; false if it was already there.
    pub fn first_use(&self, account: &[u8; 32], nonce: &str, now_ms: u64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        // Forget what can no longer pass the timestamp check (twice the
        // window: a timestamp may be up to one window in the future).
        let horizon = self.window_ms.saturating_mul(2);
        if seen.len() > 4096 {
            seen.retain(|_, at| now_ms.saturating_sub(*at) <= horizon);
        }
        match seen.entry((*account, nonce.to_owned())) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                if now_ms.saturating_sub(*e.get()) > horizon {
                    e.insert(now_ms);
                    true
                } else {
                    false
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(now_ms);
                true
            }
        }
    }
}

/// Authenticates a request: the signature over exactly this method, path,
/// body, timestamp and nonce; the timestamp within `window_ms` of `now_ms`;
/// the nonce not seen before. Returns the signing account.
pub fn authenticate(
    headers: &axum::http::HeaderMap,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now_ms: u64,
    window_ms: u64,
    nonces: &Nonces,
) -> Result<AccountId, Refusal> {
    let h = SignatureHeaders::from_headers(headers)?;
    let message = signed_bytes(method, path_and_query, body, h.timestamp_ms, &h.nonce);
    if !verify_sr25519(&h.account, &message, &h.signature) {
        return Err(Refusal::BadSignature);
    }
    if h.timestamp_ms.abs_diff(now_ms) > window_ms {
        return Err(Refusal::StaleTimestamp);
    }
    if !nonces.first_use(&h.account, &h.nonce, now_ms) {
        return Err(Refusal::ReplayedNonce);
    }
    Ok(AccountId::from(h.account))
}
