//! What a caller of medrec-gateway signs: one definition for the gateway
//! that checks it, medvault that signs natively, and the WebAssembly build
//! that signs in Node and the browser.
//!
//! The payload names the protocol, the method, the path with its query, the
//! SHA-256 of the body, a timestamp and a nonce, and is wrapped in
//! `<Bytes>`..`</Bytes>`, the form polkadot.js and browser extensions sign
//! for raw bytes (so a signed request can never be a transaction):
//!
//! ```text
//! <Bytes>medrec-gateway/v1
//! POST
//! /v1/release
//! <hex sha256 of the body>
//! <timestamp, ms since the epoch>
//! <nonce></Bytes>
//! ```
//!
//! Signed with sr25519 under the signing context `substrate`; sent in the
//! headers `x-medrec-account` (hex public key), `x-medrec-timestamp`,
//! `x-medrec-nonce` (16 to 64 characters of `[0-9A-Za-z_-]`) and
//! `x-medrec-signature` (hex, 64 bytes).

pub const HEADER_ACCOUNT: &str = "x-medrec-account";
pub const HEADER_TIMESTAMP: &str = "x-medrec-timestamp";
pub const HEADER_NONCE: &str = "x-medrec-nonce";
pub const HEADER_SIGNATURE: &str = "x-medrec-signature";

/// The bytes a caller signs, given the SHA-256 of the body.
pub fn signed_bytes(
    method: &str,
    path_and_query: &str,
    body_sha256: &[u8; 32],
    timestamp_ms: u64,
    nonce: &str,
) -> Vec<u8> {
    let payload = format!(
        "medrec-gateway/v1\n{method}\n{path_and_query}\n{}\n{timestamp_ms}\n{nonce}",
        hex::encode(body_sha256)
    );
    let mut out = Vec::with_capacity(payload.len() + 15);
    out.extend_from_slice(b"<Bytes>");
    out.extend_from_slice(payload.as_bytes());
    out.extend_from_slice(b"</Bytes>");
    out
}
