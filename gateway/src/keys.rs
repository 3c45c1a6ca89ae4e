//! Data keys (or key shares) at rest.
//!
//! The author of a record deposits its data key, or one Shamir share of it
//! when custody is split across gateways, sealed to this gateway's X25519
//! key (the medvault sealed box). The gateway opens it and stores it per
//! (ciphertext, depositor), encrypted with XChaCha20-Poly1305 under its
//! master key, with everything it is bound to as associated data:
//!
//! ```text
//! keys/<data_hash hex>/<depositor hex> =
//!     "MRGK" 0x02 || kind (0 key, 1 share) || share x (0 for a key) || nonce (24) || sealed (32 + 16)
//! aad = "medrec-gateway key v2" || data_hash || depositor || kind || x
//! ```
//!
//! At release the record's on-chain metadata (at a finalized block) names
//! the ciphertext (`data_hash`) and the current version's author
//! (`updated_by`), so only what that author deposited for those bytes is
//! ever used: nobody else's deposit can stand in for it. A whole key must
//! also match the record's `key_id`; a share cannot be checked alone (the
//! client checks the combined key against `key_id`). Deleting the entries
//! of a ciphertext is the crypto-shredding of a deleted record.

use crate::store::{Store, StoreError};
use crate::AccountId;
use bytes::Bytes;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use medvault_core::KEY_LEN;
use rand::RngCore;
use zeroize::Zeroizing;

const MAGIC: &[u8; 4] = b"MRGK";
const VERSION: u8 = 2;
const ENTRY_LEN: usize = 4 + 1 + 1 + 1 + 24 + KEY_LEN + 16;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored key entry does not open under the master key")]
    Corrupt,
}

/// What a depositor left: the whole data key, or share `x` (1..=255) of it.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Key(Zeroizing<[u8; KEY_LEN]>),
    Share { x: u8, y: Zeroizing<[u8; KEY_LEN]> },
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Key(_) => f.write_str("Secret::Key(..)"),
            Secret::Share { x, .. } => write!(f, "Secret::Share {{ x: {x}, .. }}"),
        }
    }
}

impl Secret {
    fn kind_and_x(&self) -> (u8, u8) {
        match self {
            Secret::Key(_) => (0, 0),
            Secret::Share { x, .. } => (1, *x),
        }
    }

    fn bytes(&self) -> &[u8; KEY_LEN] {
        match self {
            Secret::Key(k) => k,
            Secret::Share { y, .. } => y,
        }
    }

    /// The bytes a release seals for the reader: the key, or `x || y`.
    pub fn to_release(&self) -> Zeroizing<Vec<u8>> {
        match self {
            Secret::Key(k) => Zeroizing::new(k.to_vec()),
            Secret::Share { x, y } => {
                let mut v = Vec::with_capacity(1 + KEY_LEN);
                v.push(*x);
                v.extend_from_slice(y.as_ref());
                Zeroizing::new(v)
            }
        }
    }

    /// Reads what a depositor sealed: 32 bytes (a key) or `x || y` with
    /// `x` in 1..=255 (a share).
    pub fn from_deposit(opened: &[u8]) -> Option<Self> {
        match opened.len() {
            KEY_LEN => {
                let mut k = Zeroizing::new([0u8; KEY_LEN]);
                k.copy_from_slice(opened);
                Some(Secret::Key(k))
            }
            n if n == KEY_LEN + 1 && opened[0] != 0 => {
                let mut y = Zeroizing::new([0u8; KEY_LEN]);
                y.copy_from_slice(&opened[1..]);
                Some(Secret::Share { x: opened[0], y })
            }
            _ => None,
        }
    }
}

/// The key id as bytes (the vault gives it in hex).
pub fn key_id(key: &[u8; KEY_LEN]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // key_id() is always 64 hex digits.
    let _ = hex::decode_to_slice(medvault_core::key_id(key), &mut out);
    out
}

fn aad(data_hash: &[u8; 32], depositor: &[u8; 32], kind: u8, x: u8) -> Vec<u8> {
    let mut a = b"medrec-gateway key v2".to_vec();
    a.extend_from_slice(data_hash);
    a.extend_from_slice(depositor);
    a.push(kind);
    a.push(x);
    a
}

fn acct(a: &AccountId) -> [u8; 32] {
    *AsRef::<[u8; 32]>::as_ref(a)
}

pub struct KeyStore {
    store: Store,
    master: Zeroizing<[u8; 32]>,
}

impl KeyStore {
    pub fn new(store: Store, master: Zeroizing<[u8; 32]>) -> Self {
        Self { store, master }
    }

    pub fn path(data_hash: &[u8; 32], depositor: &AccountId) -> object_store::path::Path {
        object_store::path::Path::from(format!(
            "keys/{}/{}",
            hex::encode(data_hash),
            hex::encode(acct(depositor))
        ))
    }

    /// Stores `secret` as `depositor`'s deposit for the ciphertext
    /// `data_hash`, replacing an earlier deposit of the same depositor for
    /// the same bytes (a client that retries after a crash may split the
    /// key anew).
    pub async fn put(
        &self,
        data_hash: &[u8; 32],
        depositor: &AccountId,
        secret: &Secret,
    ) -> Result<(), KeyError> {
        let (kind, x) = secret.kind_and_x();
        let cipher = XChaCha20Poly1305::new(self.master.as_ref().into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.bytes(),
                    aad: &aad(data_hash, &acct(depositor), kind, x),
                },
            )
            .map_err(|_| KeyError::Corrupt)?;
        let mut entry = Vec::with_capacity(ENTRY_LEN);
        entry.extend_from_slice(MAGIC);
        entry.push(VERSION);
        entry.push(kind);
        entry.push(x);
        entry.extend_from_slice(&nonce);
        entry.extend_from_slice(&sealed);
        self.store
            .put(&Self::path(data_hash, depositor), Bytes::from(entry))
            .await?;
        Ok(())
    }

    /// What `depositor` deposited for `data_hash`, or `None`.
    pub async fn get(
        &self,
        data_hash: &[u8; 32],
        depositor: &AccountId,
    ) -> Result<Option<Secret>, KeyError> {
        let Some(entry) = self.store.get(&Self::path(data_hash, depositor)).await? else {
            return Ok(None);
        };
        if entry.len() != ENTRY_LEN || &entry[..4] != MAGIC || entry[4] != VERSION {
            return Err(KeyError::Corrupt);
        }
        let (kind, x) = (entry[5], entry[6]);
        let nonce = XNonce::from_slice(&entry[7..31]);
        let cipher = XChaCha20Poly1305::new(self.master.as_ref().into());
        let opened = Zeroizing::new(
            cipher
                .decrypt(
                    nonce,
                    Payload {
                        msg: &entry[31..],
                        aad: &aad(data_hash, &acct(depositor), kind, x),
                    },
                )
                .map_err(|_| KeyError::Corrupt)?,
        );
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        if opened.len() != KEY_LEN {
            return Err(KeyError::Corrupt);
        }
        bytes.copy_from_slice(&opened);
        match (kind, x) {
            (0, 0) => Ok(Some(Secret::Key(bytes))),
            (1, x) if x != 0 => Ok(Some(Secret::Share { x, y: bytes })),
            _ => Err(KeyError::Corrupt),
        }
    }

    /// Destroys every deposit for the ciphertext `data_hash`
    /// (crypto-shredding); returns how many there were.
    pub async fn shred(&self, data_hash: &[u8; 32]) -> Result<u64, KeyError> {
        let mut n = 0u64;
        for path in self
            .store
            .list(&format!("keys/{}", hex::encode(data_hash)))
            .await?
        {
            self.store.delete(&path).await?;
            n = n.saturating_add(1);
        }
        Ok(n)
    }
}
