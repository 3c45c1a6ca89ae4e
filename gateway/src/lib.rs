//! medrec-gateway: the off-chain half of a read.
//!
//! The contracts decide who may read a record and record every read; this
//! service holds what the chain must not: the ciphertext (stored under its
//! SHA-256, the record's on-chain `data_hash`) and the record's data key
//! (encrypted at rest under the gateway's master key). It gives a key out
//! only against a read the chain recorded: the caller signs its request
//! with its chain account and names the audit entry its own `get_record`
//! transaction appended; the gateway reads that one entry at a finalized
//! block and checks it (the actor is the caller, the record is the record,
//! the action is a read, the entry is fresh and not used up, the record is
//! not deleted) before it wraps the key for the caller's X25519 key.
//!
//! The decision logic ([`service::Gateway`]) is plain Rust over two
//! interfaces: [`chain::ChainView`] (the node over RPC, [`node::NodeChain`],
//! or the in-process sandbox runtime in the tests) and [`store::Store`]
//! (`object_store`: a local folder, or any S3-compatible store). The HTTP
//! layer ([`http`]) only parses, authenticates and maps refusals to status
//! codes.

pub mod auth;
pub mod chain;
pub mod config;
pub mod error;
pub mod http;
pub mod keys;
pub mod log;
pub mod metrics;
pub mod node;
pub mod service;
pub mod store;

pub use error::Refusal;

/// A chain account (sr25519 public key), as the contracts see it.
pub type AccountId = ink::primitives::AccountId;

/// Lowercase hex without a prefix.
pub fn hex32(bytes: &[u8; 32]) -> String {
    hex::encode(bytes)
}

/// Parses 32 bytes from hex (with or without `0x`).
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// Parses an account: 32 bytes of hex (with or without `0x`) or an SS58
/// address (any network prefix below 64, checksum checked), the form
/// polkadot.js prints.
pub fn parse_account(s: &str) -> Option<[u8; 32]> {
    if let Some(a) = parse_hex32(s) {
        return Some(a);
    }
    let raw = bs58::decode(s).into_vec().ok()?;
    // one prefix byte (< 64), the key, two checksum bytes
    if raw.len() != 35 || raw[0] >= 64 {
        return None;
    }
    use blake2::Digest;
    let mut h = blake2::Blake2b512::new();
    h.update(b"SS58PRE");
    h.update(&raw[..33]);
    let sum = h.finalize();
    if sum[..2] != raw[33..] {
        return None;
    }
    raw[1..33].try_into().ok()
}

/// Milliseconds since the Unix epoch on this machine's clock.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
