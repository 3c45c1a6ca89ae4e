//! Split custody of a data key: Shamir secret sharing over GF(256) (the
//! `vsss-rs` crate), k of n. Each share is `x || y`: a non-zero x
//! coordinate and 32 bytes, one per byte of the key. Any k shares give the
//! key back; fewer give a different key (which the client detects against
//! the record's on-chain `key_id`). A share sealed to a gateway's X25519
//! key is what that gateway holds; none of them alone can decrypt.

use crate::{DataKey, KEY_LEN};
use chacha20poly1305::aead::rand_core::RngCore as _;
use chacha20poly1305::aead::OsRng;
use core::convert::Infallible;
use zeroize::Zeroizing;

/// One share: x (1..=255) then 32 bytes.
pub const SHARE_LEN: usize = 1 + KEY_LEN;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("threshold and share count must satisfy 2 <= k <= n <= 255")]
    Parameters,
    #[error("a share is not {SHARE_LEN} bytes with a non-zero x")]
    ShareFormat,
    #[error("two shares have the same x")]
    DuplicateShare,
    #[error("at least two shares are needed")]
    TooFewShares,
    #[error("the shares do not combine")]
    Combine,
}

impl SplitError {
    /// A stable code for bindings and logs.
    pub fn code(&self) -> &'static str {
        match self {
            SplitError::Parameters => "split_parameters",
            SplitError::ShareFormat => "share_format",
            SplitError::DuplicateShare => "duplicate_share",
            SplitError::TooFewShares => "too_few_shares",
            SplitError::Combine => "combine_failed",
        }
    }
}

/// The operating system's randomness as a `rand_core` 0.10 generator (what
/// `vsss-rs` takes), through the same source the rest of the vault uses.
struct SysRng;

impl rand_core::TryRng for SysRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(OsRng.next_u32())
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(OsRng.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        OsRng.fill_bytes(dst);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SysRng {}

/// Splits `key` into `n` shares, any `k` of which give it back.
pub fn split_key(
    key: &[u8; KEY_LEN],
    k: usize,
    n: usize,
) -> Result<Vec<Zeroizing<Vec<u8>>>, SplitError> {
    if !(2..=n).contains(&k) || n > 255 {
        return Err(SplitError::Parameters);
    }
    let shares =
        vsss_rs::Gf256::split_bytes(k, n, key, SysRng).map_err(|_| SplitError::Parameters)?;
    let out: Vec<Zeroizing<Vec<u8>>> = shares.into_iter().map(Zeroizing::new).collect();
    if out.len() != n || out.iter().any(|s| s.len() != SHARE_LEN || s[0] == 0) {
        return Err(SplitError::Parameters);
    }
    Ok(out)
}

/// Combines shares into a key. It is the right key only if at least the
/// threshold of shares of that key were given: check it against `key_id`.
pub fn combine_key(shares: &[&[u8]]) -> Result<DataKey, SplitError> {
    if shares.len() < 2 {
        return Err(SplitError::TooFewShares);
    }
    let mut seen = [false; 256];
    let mut owned = Vec::with_capacity(shares.len());
    for s in shares {
        if s.len() != SHARE_LEN || s[0] == 0 {
            return Err(SplitError::ShareFormat);
        }
        let x = usize::from(s[0]);
        if seen[x] {
            return Err(SplitError::DuplicateShare);
        }
        seen[x] = true;
        owned.push(s.to_vec());
    }
    let secret =
        Zeroizing::new(vsss_rs::Gf256::combine_bytes(&owned).map_err(|_| SplitError::Combine)?);
    for s in owned.iter_mut() {
        zeroize::Zeroize::zeroize(s);
    }
    let key: [u8; KEY_LEN] = secret
        .as_slice()
        .try_into()
        .map_err(|_| SplitError::Combine)?;
    Ok(Zeroizing::new(key))
}
