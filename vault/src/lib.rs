//! # medvault: the off-chain half of the medical records system
//!
//! The contracts hold only the SHA-256 of a record's ciphertext, a locator and
//! each recipient's *wrapped* data key. This crate makes that true:
//!
//! - [`Store::seal_file`]: a fresh random 256-bit data key per record,
//!   XChaCha20-Poly1305 in the STREAM construction (chunked, constant memory,
//!   truncation, reordering and bit flips all detected), the ciphertext kept
//!   in a content-addressed folder under its SHA-256, the key under its id.
//! - [`Store::wrap_key`]: the data key sealed to a recipient's X25519 public
//!   key (a libsodium-compatible sealed box, 80 bytes): what
//!   `record-management::share_key` stores.
//! - [`Store::open_to_file`]: fetch by locator, check the SHA-256 against the
//!   on-chain hash **before** decrypting, unwrap with the caller's secret key,
//!   decrypt into a temporary file that is renamed into place only when the
//!   whole stream authenticated (nothing half-written).
//! - [`Store::shred`]: destroy the local data key (crypto-shredding).
//!
//! Revocation on-chain stops the contracts from handing out a wrapped key; it
//! cannot recall a file a recipient already decrypted.
//!
//! ## Ciphertext format (version 1)
//!
//! ```text
//! header (32 bytes) = "MEDVAULT" | version u8 = 1 | chunk_size u32 LE | nonce prefix (19 bytes)
//! chunk*            = XChaCha20-Poly1305 STREAM-BE32 segments, header as associated data
//! ```
//! Every segment but the last carries exactly `chunk_size` plaintext bytes;
//! the last (flagged in its nonce) carries fewer, possibly none. So a full
//! segment is never the last, a short one must be, and a missing last segment
//! (truncation), a moved one (reordering) or a changed byte anywhere (header
//! included, since it is the associated data) fails authentication.

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub use crypto_box::{PublicKey, SecretKey};

/// File magic of the ciphertext format.
pub const MAGIC: &[u8; 8] = b"MEDVAULT";
/// Current format version.
pub const VERSION: u8 = 1;
/// Header length: magic, version, chunk size, nonce prefix.
pub const HEADER_LEN: usize = 8 + 1 + 4 + NONCE_PREFIX_LEN;
/// STREAM-BE32 nonce prefix of XChaCha20 (24 - 5 bytes).
pub const NONCE_PREFIX_LEN: usize = 19;
/// Poly1305 tag per segment.
pub const TAG_LEN: usize = 16;
/// Default plaintext bytes per segment.
pub const DEFAULT_CHUNK: u32 = 64 * 1024;
/// Largest chunk size a reader accepts (bounds memory on hostile input).
pub const MAX_CHUNK: u32 = 16 * 1024 * 1024;
/// Locators look like `vault://sha256/<64 hex>` (79 bytes, within the
/// contract's 128).
pub const LOCATOR_PREFIX: &str = "vault://sha256/";

/// Everything that can go wrong, each with a message a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("I/O error: {0}")]
    Stream(#[from] io::Error),
    #[error("not a medvault ciphertext (bad header)")]
    BadHeader,
    #[error("unsupported ciphertext format version {0}")]
    UnsupportedVersion(u8),
    #[error("invalid chunk size {0} in the header")]
    BadChunkSize(u32),
    #[error("the ciphertext is truncated")]
    Truncated,
    #[error("segment {0} failed authentication: the ciphertext was altered, reordered or truncated, or the key is wrong")]
    Tampered(u64),
    #[error("hash mismatch: on-chain {expected}, stored object {actual}; refusing to decrypt")]
    HashMismatch { expected: String, actual: String },
    #[error("bad locator {0:?}: expected {LOCATOR_PREFIX}<64 hex digits>")]
    BadLocator(String),
    #[error("no stored object for locator {0}")]
    UnknownLocator(String),
    #[error("no data key with id {0} (never stored here, or shredded)")]
    UnknownKey(String),
    #[error("the wrapped key does not open with this secret key")]
    WrongKey,
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, VaultError>;

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> VaultError + '_ {
    move |source| VaultError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A 256-bit data key, wiped from memory when dropped.
pub type DataKey = Zeroizing<[u8; 32]>;

/// A fresh random data key.
pub fn generate_data_key() -> DataKey {
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(key.as_mut());
    key
}

/// The id under which a data key is stored: hex SHA-256 of a domain tag and
/// the key (reveals nothing about a random 256-bit key).
pub fn key_id(key: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"medvault key id v1");
    h.update(key);
    hex::encode(h.finalize())
}

/// What `seal` prints and what goes on-chain with `create_record`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// SHA-256 of the exact stored bytes (the contract's `data_hash`).
    pub data_hash: [u8; 32],
    pub locator: String,
    pub key_id: String,
    /// Stored (ciphertext) bytes.
    pub size: u64,
}

impl Sealed {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "data_hash": hex::encode(self.data_hash),
            "locator": self.locator,
            "key_id": self.key_id,
            "size": self.size,
        })
    }
}

/// Reads until `buf` is full or the reader ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Encrypts everything `reader` yields and hands each output piece (header,
/// then segments) to `sink`, in order. Returns the plaintext length.
pub fn encrypt_stream(
    key: &[u8; 32],
    chunk_size: u32,
    reader: &mut impl Read,
    mut sink: impl FnMut(Vec<u8>) -> io::Result<()>,
    mut progress: impl FnMut(u64),
) -> Result<u64> {
    if chunk_size == 0 || chunk_size > MAX_CHUNK {
        return Err(VaultError::BadChunkSize(chunk_size));
    }
    let mut nonce = [0u8; NONCE_PREFIX_LEN];
    OsRng.fill_bytes(&mut nonce);
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.push(VERSION);
    header.extend_from_slice(&chunk_size.to_le_bytes());
    header.extend_from_slice(&nonce);
    sink(header.clone())?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut encryptor = EncryptorBE32::from_aead(cipher, nonce.as_ref().into());
    let chunk = chunk_size as usize;
    let mut total = 0u64;
    loop {
        let mut buf = vec![0u8; chunk];
        buf.reserve_exact(TAG_LEN);
        let n = read_full(reader, &mut buf)?;
        buf.truncate(n);
        total += n as u64;
        if n == chunk {
            encryptor
                .encrypt_next_in_place(&header, &mut buf)
                .map_err(|_| VaultError::Invalid("encryption failed".into()))?;
            sink(buf)?;
            progress(total);
        } else {
            encryptor
                .encrypt_last_in_place(&header, &mut buf)
                .map_err(|_| VaultError::Invalid("encryption failed".into()))?;
            sink(buf)?;
            progress(total);
            return Ok(total);
        }
    }
}

/// Parses and decrypts a ciphertext stream, writing authenticated plaintext
/// segments to `out` as they verify. The caller must treat the output as
/// untrusted until this returns `Ok` (truncation is only known at the end):
/// [`Store::open_to_file`] writes to a temporary file and renames it only then.
/// Returns the plaintext length.
pub fn decrypt_stream(key: &[u8; 32], reader: &mut impl Read, out: &mut impl Write) -> Result<u64> {
    let mut header = [0u8; HEADER_LEN];
    let n = read_full(reader, &mut header)?;
    if n < HEADER_LEN {
        // A prefix of a real header is a truncated ciphertext; anything else is not ours.
        let k = n.min(MAGIC.len());
        return Err(if n > 0 && header[..k] == MAGIC[..k] {
            VaultError::Truncated
        } else {
            VaultError::BadHeader
        });
    }
    if &header[..8] != MAGIC {
        return Err(VaultError::BadHeader);
    }
    if header[8] != VERSION {
        return Err(VaultError::UnsupportedVersion(header[8]));
    }
    let chunk_size = u32::from_le_bytes([header[9], header[10], header[11], header[12]]);
    if chunk_size == 0 || chunk_size > MAX_CHUNK {
        return Err(VaultError::BadChunkSize(chunk_size));
    }
    let nonce = &header[13..HEADER_LEN];
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut decryptor = DecryptorBE32::from_aead(cipher, nonce.into());
    let segment = chunk_size as usize + TAG_LEN;
    let mut buf = vec![0u8; segment];
    let mut index = 0u64;
    let mut total = 0u64;
    loop {
        buf.resize(segment, 0);
        let n = read_full(reader, &mut buf)?;
        if n < TAG_LEN {
            return Err(VaultError::Truncated);
        }
        buf.truncate(n);
        if n == segment {
            decryptor
                .decrypt_next_in_place(&header, &mut buf)
                .map_err(|_| VaultError::Tampered(index))?;
            out.write_all(&buf)?;
            total += buf.len() as u64;
            index += 1;
        } else {
            decryptor
                .decrypt_last_in_place(&header, &mut buf)
                .map_err(|_| VaultError::Tampered(index))?;
            out.write_all(&buf)?;
            total += buf.len() as u64;
            // A short read means the reader ended: bytes appended after the
            // final segment were read into it and failed its tag above.
            return Ok(total);
        }
    }
}

/// Parses a locator into the object's hash.
pub fn parse_locator(locator: &str) -> Result<[u8; 32]> {
    let hex_part = locator
        .strip_prefix(LOCATOR_PREFIX)
        .ok_or_else(|| VaultError::BadLocator(locator.into()))?;
    parse_hash(hex_part).map_err(|_| VaultError::BadLocator(locator.into()))
}

/// Parses 64 hex digits into 32 bytes.
pub fn parse_hash(s: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(s.trim()).map_err(|e| VaultError::Invalid(format!("{s:?}: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| VaultError::Invalid(format!("{s:?}: expected 32 bytes (64 hex digits)")))
}

/// A local content-addressed ciphertext store and key store:
/// `objects/<sha256 hex>` and `keys/<key id>.key` (mode 0600).
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating if needed) a store at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        for dir in [root.join("objects"), root.join("keys"), root.join("tmp")] {
            fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let keys = root.join("keys");
            fs::set_permissions(&keys, fs::Permissions::from_mode(0o700)).map_err(io_at(&keys))?;
        }
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the object of a locator lives.
    pub fn object_path(&self, locator: &str) -> Result<PathBuf> {
        let hash = parse_locator(locator)?;
        Ok(self.root.join("objects").join(hex::encode(hash)))
    }

    fn key_path(&self, key_id: &str) -> Result<PathBuf> {
        if key_id.len() != 64 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(VaultError::Invalid(format!(
                "{key_id:?} is not a key id (64 hex digits)"
            )));
        }
        Ok(self.root.join("keys").join(format!("{key_id}.key")))
    }

    /// Encrypts `path` under a fresh data key into the store. Hashing and
    /// writing run on a second thread beside the cipher. `progress` gets the
    /// plaintext bytes done so far.
    pub fn seal_file(
        &self,
        path: &Path,
        chunk_size: u32,
        progress: impl FnMut(u64),
    ) -> Result<Sealed> {
        let mut file = File::open(path).map_err(io_at(path))?;
        self.seal_reader(&mut file, chunk_size, progress)
    }

    /// [`Store::seal_file`] for any reader.
    pub fn seal_reader(
        &self,
        reader: &mut impl Read,
        chunk_size: u32,
        progress: impl FnMut(u64),
    ) -> Result<Sealed> {
        let key = generate_data_key();
        let tmp_dir = self.root.join("tmp");
        let tmp = tempfile::NamedTempFile::new_in(&tmp_dir).map_err(io_at(&tmp_dir))?;
        let mut out = tmp.reopen().map_err(io_at(tmp.path()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
        let writer = std::thread::spawn(move || -> io::Result<([u8; 32], u64)> {
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            for piece in rx {
                hasher.update(&piece);
                out.write_all(&piece)?;
                size += piece.len() as u64;
            }
            out.sync_all()?;
            Ok((hasher.finalize().into(), size))
        });
        let encrypted = encrypt_stream(
            &key,
            chunk_size,
            reader,
            |piece| {
                tx.send(piece)
                    .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "writer thread stopped"))
            },
            progress,
        );
        drop(tx);
        let written = writer
            .join()
            .map_err(|_| VaultError::Invalid("writer thread panicked".into()))?;
        encrypted?;
        let (data_hash, size) = written.map_err(io_at(tmp.path()))?;
        let hex_hash = hex::encode(data_hash);
        let object = self.root.join("objects").join(&hex_hash);
        tmp.persist(&object).map_err(|e| VaultError::Io {
            path: object.clone(),
            source: e.error,
        })?;
        let key_id = key_id(&key);
        self.store_key(&key_id, &key)?;
        Ok(Sealed {
            data_hash,
            locator: format!("{LOCATOR_PREFIX}{hex_hash}"),
            key_id,
            size,
        })
    }

    fn store_key(&self, key_id: &str, key: &[u8; 32]) -> Result<()> {
        let path = self.key_path(key_id)?;
        write_secret_file(&path, key)
    }

    /// The data key stored under `key_id`.
    pub fn data_key(&self, key_id: &str) -> Result<DataKey> {
        let path = self.key_path(key_id)?;
        let bytes = Zeroizing::new(fs::read(&path).map_err(|e| key_error(key_id, &path, e))?);
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Invalid(format!("{}: not a 32-byte key", path.display())))?;
        Ok(Zeroizing::new(key))
    }

    /// The data key `key_id` sealed to `recipient` (80 bytes).
    pub fn wrap_key(&self, key_id: &str, recipient: &PublicKey) -> Result<Vec<u8>> {
        let key = self.data_key(key_id)?;
        recipient
            .seal(&mut OsRng, key.as_ref())
            .map_err(|_| VaultError::Invalid("sealing the key failed".into()))
    }

    /// Checks the stored object's SHA-256 against `expected` (the on-chain
    /// hash) and only then unwraps the key and decrypts into `out`, atomically.
    /// Returns the plaintext length.
    pub fn open_to_file(
        &self,
        locator: &str,
        expected: &[u8; 32],
        wrapped: &[u8],
        secret: &SecretKey,
        out: &Path,
    ) -> Result<u64> {
        let object = self.object_path(locator)?;
        let actual = match sha256_file(&object) {
            Ok(h) => h,
            Err(VaultError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                return Err(VaultError::UnknownLocator(locator.into()))
            }
            Err(e) => return Err(e),
        };
        if &actual != expected {
            return Err(VaultError::HashMismatch {
                expected: hex::encode(expected),
                actual: hex::encode(actual),
            });
        }
        let key = unwrap_key(wrapped, secret)?;
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io_at(&dir))?;
        let mut input = io::BufReader::new(File::open(&object).map_err(io_at(&object))?);
        let n = decrypt_stream(&key, &mut input, &mut io::BufWriter::new(tmp.as_file_mut()))?;
        tmp.as_file().sync_all().map_err(io_at(out))?;
        tmp.persist(out).map_err(|e| VaultError::Io {
            path: out.to_path_buf(),
            source: e.error,
        })?;
        Ok(n)
    }

    /// Destroys the data key `key_id`: overwritten, synced, removed. The
    /// ciphertext stays but nobody can decrypt it from this store again.
    pub fn shred(&self, key_id: &str) -> Result<()> {
        let path = self.key_path(key_id)?;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| key_error(key_id, &path, e))?;
        file.write_all(&[0u8; 32]).map_err(io_at(&path))?;
        file.sync_all().map_err(io_at(&path))?;
        drop(file);
        fs::remove_file(&path).map_err(io_at(&path))
    }
}

/// A missing key file means the key is unknown (or shredded); anything else
/// is an I/O error at that path.
fn key_error(key_id: &str, path: &Path, e: io::Error) -> VaultError {
    if e.kind() == io::ErrorKind::NotFound {
        VaultError::UnknownKey(key_id.into())
    } else {
        VaultError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Opens a wrapped data key with the recipient's secret key.
pub fn unwrap_key(wrapped: &[u8], secret: &SecretKey) -> Result<DataKey> {
    let opened = Zeroizing::new(secret.unseal(wrapped).map_err(|_| VaultError::WrongKey)?);
    let key: [u8; 32] = opened
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::WrongKey)?;
    Ok(Zeroizing::new(key))
}

/// SHA-256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<[u8; 32]> {
    let mut file = File::open(path).map_err(io_at(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io_at(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// Writes a new secret file with mode 0600, refusing to overwrite one.
pub fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_at(path))?;
    file.write_all(bytes).map_err(io_at(path))?;
    file.sync_all().map_err(io_at(path))
}

/// A new X25519 key pair for receiving wrapped keys; the secret is written
/// (32 raw bytes, mode 0600) to `path`, which must not exist yet.
pub fn keygen(path: &Path) -> Result<PublicKey> {
    let secret = SecretKey::generate(&mut OsRng);
    write_secret_file(path, &Zeroizing::new(secret.to_bytes())[..])?;
    Ok(secret.public_key())
}

/// Reads a secret key written by [`keygen`].
pub fn read_secret_key(path: &Path) -> Result<SecretKey> {
    let bytes = Zeroizing::new(fs::read(path).map_err(io_at(path))?);
    SecretKey::from_slice(&bytes)
        .map_err(|_| VaultError::Invalid(format!("{}: not a 32-byte secret key", path.display())))
}

/// Parses a hex public key.
pub fn parse_public_key(s: &str) -> Result<PublicKey> {
    Ok(PublicKey::from_bytes(parse_hash(s)?))
}
