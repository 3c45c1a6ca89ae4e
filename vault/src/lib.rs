//! # medvault: the native host of the medvault format
//!
//! The contracts hold only the SHA-256 of a record's ciphertext and the id of
//! its data key; the key itself stays off-chain, with a key-release gateway
//! (or split across several). The format itself (streamed
//! XChaCha20-Poly1305, the header, key wrapping, key ids, typed errors) is
//! [`medvault_core`], re-exported here; the same crate, compiled to
//! WebAssembly (`vault/wasm/`), serves the Node client and the browser. This
//! crate adds what needs a file system:
//!
//! - [`Store::seal_file`]: a fresh random 256-bit data key per record, the
//!   ciphertext kept in a content-addressed folder under its SHA-256, the key
//!   under its id.
//! - [`Store::wrap_key`]: the data key sealed to a recipient's X25519 public
//!   key (80 bytes), as deposited with a key-release gateway.
//! - [`Store::open_to_file`]: fetch by locator, check the SHA-256 against the
//!   on-chain hash **before** decrypting, unwrap with the caller's secret key,
//!   decrypt into a temporary file that is renamed into place only when the
//!   whole stream authenticated (nothing half-written).
//! - [`Store::shred`]: destroy the local data key (crypto-shredding).
//! - [`gateway`] (feature `gateway`): upload and deposit with one gateway or
//!   k of n; read back through them against the caller's recorded read.
//!
//! Store layout (shared with the Node client's `LocalStore`):
//! `objects/<sha256 hex>`, `keys/<key id>.key` (32 raw bytes, mode 0600, in a
//! 0700 folder), `tmp/`.
//!
//! Revocation on-chain stops the gateways from releasing the key for new
//! reads; it cannot recall a file a recipient already decrypted.

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

#[cfg(feature = "gateway")]
pub mod gateway;

pub use medvault_core::{
    check_hash, ciphertext_len, decrypt_stream, encrypt_stream, generate_data_key, key_id,
    unwrap_key, DataKey, DecryptError, EncryptError, Header, Opener, PublicKey, Sealer, SecretKey,
    StreamError, DEFAULT_CHUNK, HEADER_LEN, KEY_LEN, LOCATOR_PREFIX, MAGIC, MAX_CHUNK,
    NONCE_PREFIX_LEN, TAG_LEN, VERSION, WRAPPED_KEY_LEN,
};

/// Everything that can go wrong, each with a message a user can act on.
/// [`VaultError::code`] names the kind; for the format's own errors it is
/// [`DecryptError::code`] / [`EncryptError::code`], the same in every host.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("I/O error: {0}")]
    Stream(#[from] io::Error),
    #[error("bad locator {0:?}: expected {LOCATOR_PREFIX}<64 hex digits>")]
    BadLocator(String),
    #[error("no stored object for locator {0}")]
    UnknownLocator(String),
    #[error("no data key with id {0} (never stored here, or shredded)")]
    UnknownKey(String),
    #[error("{0:?} is not a key id (64 hex digits)")]
    BadKeyId(String),
    #[error("{0:?} is not hex of the expected length (a hash or key: 64 hex digits)")]
    BadHex(String),
    #[error("{0}: not a 32-byte key file")]
    BadKeyFile(PathBuf),
    #[error("the writer thread panicked")]
    WriterPanicked,
    #[error(transparent)]
    Split(#[from] medvault_core::split::SplitError),
    #[error("the signer is not a secret URI (//Alice on a dev chain, a mnemonic, or 0x and a 64-hex-digit seed)")]
    BadSigner,
    #[error("{url} refused: {status} {code}: {message}")]
    Refused {
        url: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("{url} did not answer: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{k} of {n} gateways is not a threshold (1 of 1, or 2 <= k <= n)")]
    Threshold { k: usize, n: usize },
    #[error("{got} gateway(s) released, {need} needed (refusals: {refusals:?})")]
    TooFewShares {
        got: usize,
        need: usize,
        refusals: Vec<(String, String)>,
    },
}

impl VaultError {
    /// The kind of error as one word: the variant's name, or for the
    /// format's errors the core's code (`SegmentAuth`, `Truncated`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Decrypt(e) => e.code(),
            Self::Encrypt(e) => e.code(),
            Self::Io { .. } | Self::Stream(_) => "Io",
            Self::BadLocator(_) => "BadLocator",
            Self::UnknownLocator(_) => "UnknownLocator",
            Self::UnknownKey(_) => "UnknownKey",
            Self::BadKeyId(_) => "BadKeyId",
            Self::BadHex(_) => "BadHex",
            Self::BadKeyFile(_) => "BadKeyFile",
            Self::WriterPanicked => "WriterPanicked",
            Self::Split(e) => e.code(),
            Self::BadSigner => "BadSigner",
            Self::Refused { .. } => "Refused",
            Self::Unreachable { .. } => "Unreachable",
            Self::Threshold { .. } => "Threshold",
            Self::TooFewShares { .. } => "TooFewShares",
        }
    }
}

impl From<StreamError> for VaultError {
    fn from(e: StreamError) -> Self {
        match e {
            StreamError::Decrypt(e) => Self::Decrypt(e),
            StreamError::Encrypt(e) => Self::Encrypt(e),
            StreamError::Io(e) => Self::Stream(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, VaultError>;

pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> VaultError + '_ {
    move |source| VaultError::Io {
        path: path.to_path_buf(),
        source,
    }
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
    /// `{"data_hash","key_id","locator","size"}`, as `medvault seal` prints it.
    pub fn to_json(&self) -> String {
        // Every field is hex, a locator made of hex, or a number: nothing to escape.
        format!(
            r#"{{"data_hash":"{}","key_id":"{}","locator":"{}","size":{}}}"#,
            hex::encode(self.data_hash),
            self.key_id,
            self.locator,
            self.size
        )
    }
}

/// Parses a locator into the object's hash.
pub fn parse_locator(locator: &str) -> Result<[u8; 32]> {
    medvault_core::parse_locator(locator).ok_or_else(|| VaultError::BadLocator(locator.into()))
}

/// Parses 64 hex digits into 32 bytes.
pub fn parse_hash(s: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim().trim_start_matches("0x"), &mut out)
        .map_err(|_| VaultError::BadHex(s.into()))?;
    Ok(out)
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
            return Err(VaultError::BadKeyId(key_id.into()));
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
        let written = writer.join().map_err(|_| VaultError::WriterPanicked)?;
        encrypted?;
        let (data_hash, size) = written.map_err(io_at(tmp.path()))?;
        let object = self.root.join("objects").join(hex::encode(data_hash));
        tmp.persist(&object).map_err(|e| VaultError::Io {
            path: object.clone(),
            source: e.error,
        })?;
        let key_id = key_id(&key);
        self.store_key(&key_id, &key)?;
        Ok(Sealed {
            data_hash,
            locator: medvault_core::locator(&data_hash),
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
            .map_err(|_| VaultError::BadKeyFile(path.clone()))?;
        Ok(Zeroizing::new(key))
    }

    /// The data key `key_id` sealed to `recipient` (80 bytes).
    pub fn wrap_key(&self, key_id: &str, recipient: &PublicKey) -> Result<Vec<u8>> {
        let key = self.data_key(key_id)?;
        Ok(medvault_core::wrap_key(&key, recipient)?)
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
        self.check_object(locator, expected)?;
        let key = unwrap_key(wrapped, secret)?;
        self.decrypt_to_file(locator, &key, out)
    }

    /// [`Store::open_to_file`] with the data key itself (released by a
    /// gateway, or combined from shares).
    pub fn open_with_key(
        &self,
        locator: &str,
        expected: &[u8; 32],
        key: &[u8; 32],
        out: &Path,
    ) -> Result<u64> {
        self.check_object(locator, expected)?;
        self.decrypt_to_file(locator, key, out)
    }

    /// The stored object's SHA-256 must be `expected`.
    fn check_object(&self, locator: &str, expected: &[u8; 32]) -> Result<()> {
        let object = self.object_path(locator)?;
        let actual = match sha256_file(&object) {
            Ok(h) => h,
            Err(VaultError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                return Err(VaultError::UnknownLocator(locator.into()))
            }
            Err(e) => return Err(e),
        };
        Ok(check_hash(expected, &actual)?)
    }

    /// Decrypts into a temporary file beside `out`, renamed into place only
    /// when the whole stream authenticated.
    fn decrypt_to_file(&self, locator: &str, key: &[u8; 32], out: &Path) -> Result<u64> {
        let object = self.object_path(locator)?;
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io_at(&dir))?;
        let mut input = io::BufReader::new(File::open(&object).map_err(io_at(&object))?);
        let n = decrypt_stream(key, &mut input, &mut io::BufWriter::new(tmp.as_file_mut()))?;
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
    let secret = medvault_core::generate_secret_key();
    write_secret_file(path, &Zeroizing::new(secret.to_bytes())[..])?;
    Ok(secret.public_key())
}

/// Reads a secret key written by [`keygen`].
pub fn read_secret_key(path: &Path) -> Result<SecretKey> {
    let bytes = Zeroizing::new(fs::read(path).map_err(io_at(path))?);
    SecretKey::from_slice(&bytes).map_err(|_| VaultError::BadKeyFile(path.to_path_buf()))
}

/// Parses a hex public key.
pub fn parse_public_key(s: &str) -> Result<PublicKey> {
    Ok(PublicKey::from_bytes(parse_hash(s)?))
}
