//! # medvault-core: the one ciphertext format of the medical records system
//!
//! Everything a host needs to produce or read a record's ciphertext and its
//! wrapped keys, with no file system: the native `medvault` CLI and library
//! (`vault/`) and the WebAssembly package used by the Node client and, later,
//! the browser (`vault/wasm/`) are thin layers over this crate, so there is
//! one implementation of the format.
//!
//! - [`Sealer`] / [`Opener`]: streaming seal and open over byte chunks of any
//!   size, in constant memory (one segment buffered at most).
//! - [`encrypt_stream`] / [`decrypt_stream`]: the same over `std::io`.
//! - [`wrap_key`] / [`unwrap_key`]: a data key sealed to a recipient's X25519
//!   public key (a libsodium-compatible sealed box, [`WRAPPED_KEY_LEN`] bytes).
//! - [`key_id`]: the id under which a data key is stored and referred to
//!   on-chain.
//! - [`DecryptError`] / [`EncryptError`]: typed errors whose [`code`]s
//!   (the variant names) every host reports identically.
//!
//! [`code`]: DecryptError::code
//!
//! ## Ciphertext format (version 1)
//!
//! ```text
//! header (32 bytes) = "MEDVAULT" | version u8 = 1 | chunk_size u32 LE | nonce prefix (19 bytes)
//! segment*          = XChaCha20-Poly1305 STREAM-BE32 segments, the header as associated data
//! ```
//! Every segment but the last carries exactly `chunk_size` plaintext bytes;
//! the last (flagged in its nonce) carries fewer, possibly none. So a full
//! segment is never the last, a short one must be, and a missing last segment
//! (truncation), a moved one (reordering) or a changed byte anywhere (header
//! included, since it is the associated data) fails authentication.
//!
//! Bytes appended after the last segment cannot be told apart from a changed
//! last segment (they join it, or make it look full): they are refused as
//! [`DecryptError::SegmentAuth`] of that segment, not as a kind of their own.
//! A wrong data key is likewise `SegmentAuth { index: 0 }`: the AEAD does not
//! say why a tag failed.

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};
use zeroize::Zeroizing;

pub use crypto_box::{PublicKey, SecretKey};

pub mod request;
pub mod split;

/// File magic of the ciphertext format.
pub const MAGIC: &[u8; 8] = b"MEDVAULT";
/// Current format version.
pub const VERSION: u8 = 1;
/// STREAM-BE32 nonce prefix of XChaCha20 (24 - 5 bytes).
pub const NONCE_PREFIX_LEN: usize = 19;
/// Header length: magic, version, chunk size, nonce prefix.
pub const HEADER_LEN: usize = 8 + 1 + 4 + NONCE_PREFIX_LEN;
/// Poly1305 tag per segment.
pub const TAG_LEN: usize = 16;
/// Length of a data key.
pub const KEY_LEN: usize = 32;
/// Length of a wrapped data key: ephemeral public key (32), key (32), tag (16).
pub const WRAPPED_KEY_LEN: usize = 80;
/// Default plaintext bytes per segment.
pub const DEFAULT_CHUNK: u32 = 64 * 1024;
/// Largest chunk size a reader accepts (bounds memory on hostile input).
pub const MAX_CHUNK: u32 = 16 * 1024 * 1024;
/// Locators look like `vault://sha256/<64 hex>` (79 bytes, within the
/// contract's 128).
pub const LOCATOR_PREFIX: &str = "vault://sha256/";

/// Why a ciphertext or a wrapped key was refused. [`DecryptError::code`] is
/// the variant's name; the WebAssembly package throws errors whose `code` is
/// the same string, so every host reports the same kinds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The input does not start with a medvault header.
    #[error("not a medvault ciphertext (bad header)")]
    BadHeader,
    /// A medvault header of a version this code does not read.
    #[error("unsupported ciphertext format version {0}")]
    UnsupportedVersion(u8),
    /// The header's chunk size is 0 or above [`MAX_CHUNK`].
    #[error("invalid chunk size {0} in the header")]
    BadChunkSize(u32),
    /// The input ends before its last segment (or inside the header).
    #[error("the ciphertext is truncated")]
    Truncated,
    /// A segment's tag does not verify: the ciphertext was altered,
    /// reordered, extended or cut inside a segment, or the data key is wrong.
    #[error("segment {index} failed authentication: the ciphertext was altered, reordered or truncated, or the key is wrong")]
    SegmentAuth { index: u64 },
    /// The wrapped key does not open with this secret key (or is not a
    /// wrapped key).
    #[error("the wrapped key does not open with this secret key")]
    WrongKey,
    /// The stored bytes do not hash to the expected (on-chain) hash; nothing
    /// was decrypted.
    #[error("hash mismatch: on-chain {expected}, stored object {actual}; refusing to decrypt")]
    HashMismatch { expected: String, actual: String },
}

impl DecryptError {
    /// The variant's name, identical in every host.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadHeader => "BadHeader",
            Self::UnsupportedVersion(_) => "UnsupportedVersion",
            Self::BadChunkSize(_) => "BadChunkSize",
            Self::Truncated => "Truncated",
            Self::SegmentAuth { .. } => "SegmentAuth",
            Self::WrongKey => "WrongKey",
            Self::HashMismatch { .. } => "HashMismatch",
        }
    }
}

/// Why sealing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptError {
    /// The requested chunk size is 0 or above [`MAX_CHUNK`].
    #[error("invalid chunk size {0}: expected 1..={MAX_CHUNK}")]
    BadChunkSize(u32),
    /// The STREAM segment counter is exhausted (2^32 - 1 segments).
    #[error("too much plaintext for one stream")]
    TooLong,
    /// The sealed box could not be made (not expected to happen).
    #[error("sealing the key failed")]
    KeyWrap,
}

impl EncryptError {
    /// The variant's name, identical in every host.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadChunkSize(_) => "BadChunkSize",
            Self::TooLong => "TooLong",
            Self::KeyWrap => "KeyWrap",
        }
    }
}

/// A 256-bit data key, wiped from memory when dropped.
pub type DataKey = Zeroizing<[u8; KEY_LEN]>;

/// A fresh random data key.
pub fn generate_data_key() -> DataKey {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(key.as_mut());
    key
}

/// The id under which a data key is stored: hex SHA-256 of a domain tag and
/// the key (reveals nothing about a random 256-bit key).
pub fn key_id(key: &[u8; KEY_LEN]) -> String {
    let mut h = Sha256::new();
    h.update(b"medvault key id v1");
    h.update(key);
    hex::encode(h.finalize())
}

/// The locator of a stored object with this SHA-256.
pub fn locator(data_hash: &[u8; 32]) -> String {
    format!("{LOCATOR_PREFIX}{}", hex::encode(data_hash))
}

/// The object's SHA-256 named by a locator, or `None` if it is not
/// `vault://sha256/<64 lowercase or uppercase hex digits>`.
pub fn parse_locator(locator: &str) -> Option<[u8; 32]> {
    let hex_part = locator.strip_prefix(LOCATOR_PREFIX)?;
    let mut hash = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut hash).ok()?;
    Some(hash)
}

/// Refuses stored bytes whose SHA-256 is not the expected (on-chain) one:
/// the check every host makes **before** decrypting.
pub fn check_hash(expected: &[u8; 32], actual: &[u8; 32]) -> Result<(), DecryptError> {
    if expected == actual {
        Ok(())
    } else {
        Err(DecryptError::HashMismatch {
            expected: hex::encode(expected),
            actual: hex::encode(actual),
        })
    }
}

/// Ciphertext bytes for `plaintext_len` bytes sealed with `chunk_size`:
/// the header, every full chunk and one short (possibly empty) last segment,
/// each with its tag.
pub fn ciphertext_len(plaintext_len: u64, chunk_size: u32) -> u64 {
    let segments = plaintext_len / u64::from(chunk_size.max(1)) + 1;
    HEADER_LEN as u64 + plaintext_len + segments * TAG_LEN as u64
}

/// The 32-byte header: format version, chunk size and the stream's nonce
/// prefix. Its bytes are the associated data of every segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    chunk_size: u32,
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
}

impl Header {
    /// A header for a new stream: the chunk size and a random nonce prefix.
    pub fn new(chunk_size: u32) -> Result<Self, EncryptError> {
        let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
        OsRng.fill_bytes(&mut nonce_prefix);
        Self::with_nonce_prefix(chunk_size, nonce_prefix)
    }

    fn with_nonce_prefix(
        chunk_size: u32,
        nonce_prefix: [u8; NONCE_PREFIX_LEN],
    ) -> Result<Self, EncryptError> {
        if chunk_size == 0 || chunk_size > MAX_CHUNK {
            return Err(EncryptError::BadChunkSize(chunk_size));
        }
        Ok(Self {
            chunk_size,
            nonce_prefix,
        })
    }

    /// Parses the first [`HEADER_LEN`] bytes of a ciphertext. Fewer bytes
    /// that begin like a header are [`DecryptError::Truncated`]; anything
    /// else that is not a header is [`DecryptError::BadHeader`].
    pub fn parse(bytes: &[u8]) -> Result<Self, DecryptError> {
        if bytes.len() < HEADER_LEN {
            let k = bytes.len().min(MAGIC.len());
            return Err(if k > 0 && bytes[..k] == MAGIC[..k] {
                DecryptError::Truncated
            } else {
                DecryptError::BadHeader
            });
        }
        if &bytes[..8] != MAGIC {
            return Err(DecryptError::BadHeader);
        }
        if bytes[8] != VERSION {
            return Err(DecryptError::UnsupportedVersion(bytes[8]));
        }
        let chunk_size = u32::from_le_bytes([bytes[9], bytes[10], bytes[11], bytes[12]]);
        if chunk_size == 0 || chunk_size > MAX_CHUNK {
            return Err(DecryptError::BadChunkSize(chunk_size));
        }
        let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
        nonce_prefix.copy_from_slice(&bytes[13..HEADER_LEN]);
        Ok(Self {
            chunk_size,
            nonce_prefix,
        })
    }

    /// The header's bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(MAGIC);
        out[8] = VERSION;
        out[9..13].copy_from_slice(&self.chunk_size.to_le_bytes());
        out[13..].copy_from_slice(&self.nonce_prefix);
        out
    }

    /// Plaintext bytes per full segment.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// The stream's nonce prefix.
    pub fn nonce_prefix(&self) -> &[u8; NONCE_PREFIX_LEN] {
        &self.nonce_prefix
    }

    /// Ciphertext bytes of a full segment (chunk plus tag).
    pub fn segment_len(&self) -> usize {
        self.chunk_size as usize + TAG_LEN
    }

    fn cipher(&self, key: &[u8; KEY_LEN]) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(key.into())
    }
}

/// What [`Sealer::finish`] hands back: the data key (to store, and to wrap
/// for recipients), its id and the plaintext length.
pub struct SealOutcome {
    pub key: DataKey,
    pub key_id: String,
    pub plaintext_len: u64,
}

/// Seals a stream pushed in chunks of any size, in constant memory. The
/// output of the pushes and of [`Sealer::finish`], concatenated, is the
/// ciphertext, header first.
pub struct Sealer {
    key: DataKey,
    aad: [u8; HEADER_LEN],
    chunk: usize,
    encryptor: EncryptorBE32<XChaCha20Poly1305>,
    /// Plaintext of the segment being filled (always shorter than a chunk
    /// between calls); full chunks are encrypted straight into the output.
    buf: Vec<u8>,
    header_sent: bool,
    plaintext_len: u64,
}

impl Sealer {
    /// A new stream under a fresh random data key and nonce prefix.
    pub fn new(chunk_size: u32) -> Result<Self, EncryptError> {
        Self::with_key(generate_data_key(), chunk_size)
    }

    /// A new stream under `key`, with a fresh random nonce prefix.
    pub fn with_key(key: DataKey, chunk_size: u32) -> Result<Self, EncryptError> {
        Ok(Self::build(key, Header::new(chunk_size)?))
    }

    /// **Test vectors only**: a stream under a fixed key and nonce prefix, so
    /// that every implementation can reproduce the same bytes. Never for real
    /// data: the same prefix twice under one key breaks confidentiality.
    #[cfg(feature = "testing")]
    pub fn with_fixed_nonce(
        key: [u8; KEY_LEN],
        chunk_size: u32,
        nonce_prefix: [u8; NONCE_PREFIX_LEN],
    ) -> Result<Self, EncryptError> {
        Ok(Self::build(
            Zeroizing::new(key),
            Header::with_nonce_prefix(chunk_size, nonce_prefix)?,
        ))
    }

    fn build(key: DataKey, header: Header) -> Self {
        let encryptor =
            EncryptorBE32::from_aead(header.cipher(&key), header.nonce_prefix.as_ref().into());
        let chunk = header.chunk_size as usize;
        Self {
            key,
            aad: header.to_bytes(),
            chunk,
            encryptor,
            buf: Vec::with_capacity(chunk),
            header_sent: false,
            plaintext_len: 0,
        }
    }

    /// The stream's data key.
    pub fn key(&self) -> &DataKey {
        &self.key
    }

    /// The stream's header bytes (also the first bytes of the output).
    pub fn header(&self) -> [u8; HEADER_LEN] {
        self.aad
    }

    fn send_header(&mut self, out: &mut Vec<u8>) {
        if !self.header_sent {
            out.extend_from_slice(&self.aad);
            self.header_sent = true;
        }
    }

    /// Takes more plaintext; appends to `out` the ciphertext that is ready
    /// (the header on the first call, then every completed segment).
    pub fn push(&mut self, mut plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), EncryptError> {
        self.send_header(out);
        self.plaintext_len += plaintext.len() as u64;
        // A full chunk is never the last segment, so it can go at once.
        if !self.buf.is_empty() {
            let take = (self.chunk - self.buf.len()).min(plaintext.len());
            self.buf.extend_from_slice(&plaintext[..take]);
            plaintext = &plaintext[take..];
            if self.buf.len() < self.chunk {
                return Ok(());
            }
            let start = out.len();
            out.extend_from_slice(&self.buf);
            self.buf.clear();
            self.seal_next(out, start)?;
        }
        while plaintext.len() >= self.chunk {
            let start = out.len();
            out.extend_from_slice(&plaintext[..self.chunk]);
            plaintext = &plaintext[self.chunk..];
            self.seal_next(out, start)?;
        }
        self.buf.extend_from_slice(plaintext);
        Ok(())
    }

    /// Encrypts `out[start..]` (one full chunk) in place and appends its tag.
    fn seal_next(&mut self, out: &mut Vec<u8>, start: usize) -> Result<(), EncryptError> {
        out.reserve(TAG_LEN);
        self.encryptor
            .encrypt_next_in_place(&self.aad, &mut Tail { vec: out, start })
            .map_err(|_| {
                out.truncate(start);
                EncryptError::TooLong
            })
    }

    /// Ends the stream: appends the last (short, possibly empty) segment to
    /// `out` and hands back the key.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<SealOutcome, EncryptError> {
        self.send_header(out);
        let Self {
            key,
            aad,
            encryptor,
            buf,
            plaintext_len,
            ..
        } = self;
        let start = out.len();
        out.reserve(buf.len() + TAG_LEN);
        out.extend_from_slice(&buf);
        encryptor
            .encrypt_last_in_place(&aad, &mut Tail { vec: out, start })
            .map_err(|_| {
                out.truncate(start);
                EncryptError::TooLong
            })?;
        let key_id = key_id(&key);
        Ok(SealOutcome {
            key,
            key_id,
            plaintext_len,
        })
    }
}

/// The end of a `Vec` from `start` on, as an in-place AEAD buffer: segments
/// are encrypted and decrypted where they land in the output, without a
/// second copy.
struct Tail<'a> {
    vec: &'a mut Vec<u8>,
    start: usize,
}

impl AsRef<[u8]> for Tail<'_> {
    fn as_ref(&self) -> &[u8] {
        &self.vec[self.start..]
    }
}

impl AsMut<[u8]> for Tail<'_> {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.vec[self.start..]
    }
}

impl chacha20poly1305::aead::Buffer for Tail<'_> {
    fn extend_from_slice(&mut self, other: &[u8]) -> chacha20poly1305::aead::Result<()> {
        self.vec.extend_from_slice(other);
        Ok(())
    }

    fn truncate(&mut self, len: usize) {
        self.vec.truncate(self.start + len);
    }
}

enum OpenState {
    /// Collecting the header's bytes in `buf`.
    Header,
    /// Collecting segments in `buf`.
    Body {
        aad: [u8; HEADER_LEN],
        segment: usize,
        decryptor: DecryptorBE32<XChaCha20Poly1305>,
    },
}

/// Opens a ciphertext pushed in chunks of any size, in constant memory (one
/// segment, at most [`MAX_CHUNK`] + [`TAG_LEN`] bytes, is buffered).
///
/// Plaintext comes out segment by segment as each one authenticates, but the
/// caller must treat it as untrusted until [`Opener::finish`] returns `Ok`:
/// truncation is only known at the end. After an error every later call
/// returns the same error.
pub struct Opener {
    key: DataKey,
    state: OpenState,
    buf: Vec<u8>,
    index: u64,
    plaintext_len: u64,
    failed: Option<DecryptError>,
}

impl Opener {
    /// An opener for a ciphertext sealed under `key`.
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        Self {
            key: Zeroizing::new(*key),
            state: OpenState::Header,
            buf: Vec::new(),
            index: 0,
            plaintext_len: 0,
            failed: None,
        }
    }

    /// Takes more ciphertext; appends to `out` the plaintext of every segment
    /// that authenticated.
    pub fn push(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), DecryptError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.push_inner(ciphertext, out);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn push_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), DecryptError> {
        if let OpenState::Header = self.state {
            let take = (HEADER_LEN - self.buf.len()).min(input.len());
            self.buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.buf.len() < HEADER_LEN {
                return Ok(());
            }
            let header = Header::parse(&self.buf)?;
            self.state = OpenState::Body {
                aad: header.to_bytes(),
                segment: header.segment_len(),
                decryptor: DecryptorBE32::from_aead(
                    header.cipher(&self.key),
                    header.nonce_prefix.as_ref().into(),
                ),
            };
            self.buf.clear();
        }
        let OpenState::Body {
            aad,
            segment,
            decryptor,
        } = &mut self.state
        else {
            return Ok(());
        };
        let segment = *segment;
        // A full segment with more input after it is not the last one: it
        // can be opened now. Only the final (at most one) segment waits.
        if !self.buf.is_empty() {
            let take = (segment - self.buf.len()).min(input.len());
            self.buf.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.buf.len() == segment && !input.is_empty() {
                let start = out.len();
                out.extend_from_slice(&self.buf);
                self.buf.clear();
                open_next(decryptor, aad, out, start, self.index)?;
                self.plaintext_len += (out.len() - start) as u64;
                self.index += 1;
            }
        }
        while input.len() > segment {
            let start = out.len();
            out.extend_from_slice(&input[..segment]);
            input = &input[segment..];
            open_next(decryptor, aad, out, start, self.index)?;
            self.plaintext_len += (out.len() - start) as u64;
            self.index += 1;
        }
        self.buf.extend_from_slice(input);
        Ok(())
    }

    /// Ends the ciphertext: authenticates the last segment, appends its
    /// plaintext to `out` and returns the whole plaintext length. Only now is
    /// the output known to be complete and authentic.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<u64, DecryptError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let Self {
            state,
            mut buf,
            index,
            plaintext_len,
            ..
        } = self;
        match state {
            OpenState::Header => Err(match Header::parse(&buf) {
                Ok(_) => DecryptError::Truncated,
                Err(e) => e,
            }),
            OpenState::Body {
                aad,
                segment,
                mut decryptor,
            } => {
                if buf.len() == segment {
                    // A full segment cannot be the last: it must verify, and
                    // then the stream ended early.
                    decryptor
                        .decrypt_next_in_place(&aad, &mut buf)
                        .map_err(|_| DecryptError::SegmentAuth { index })?;
                    return Err(DecryptError::Truncated);
                }
                if buf.len() < TAG_LEN {
                    return Err(DecryptError::Truncated);
                }
                let start = out.len();
                out.extend_from_slice(&buf);
                decryptor
                    .decrypt_last_in_place(&aad, &mut Tail { vec: out, start })
                    .map_err(|_| {
                        out.truncate(start);
                        DecryptError::SegmentAuth { index }
                    })?;
                Ok(plaintext_len + (out.len() - start) as u64)
            }
        }
    }
}

/// Opens the full segment at `out[start..]` in place (its tag is dropped);
/// on failure `out` is cut back to `start`.
fn open_next(
    decryptor: &mut DecryptorBE32<XChaCha20Poly1305>,
    aad: &[u8; HEADER_LEN],
    out: &mut Vec<u8>,
    start: usize,
    index: u64,
) -> Result<(), DecryptError> {
    decryptor
        .decrypt_next_in_place(aad, &mut Tail { vec: out, start })
        .map_err(|_| {
            out.truncate(start);
            DecryptError::SegmentAuth { index }
        })
}

/// The data key sealed to `recipient` ([`WRAPPED_KEY_LEN`] bytes): what an
/// uploader deposits at the key-release gateway, and what the gateway
/// releases to a reader.
pub fn wrap_key(key: &[u8; KEY_LEN], recipient: &PublicKey) -> Result<Vec<u8>, EncryptError> {
    recipient
        .seal(&mut OsRng, key)
        .map_err(|_| EncryptError::KeyWrap)
}

/// **Test vectors only**: [`wrap_key`] with a fixed ephemeral secret key, so
/// that the sealed box is reproducible.
#[cfg(feature = "testing")]
pub fn wrap_key_with_ephemeral(
    key: &[u8; KEY_LEN],
    recipient: &PublicKey,
    ephemeral_secret: [u8; 32],
) -> Result<Vec<u8>, EncryptError> {
    recipient
        .seal(&mut testing::FixedRng::new(ephemeral_secret), key)
        .map_err(|_| EncryptError::KeyWrap)
}

/// Opens a wrapped data key with the recipient's secret key.
pub fn unwrap_key(wrapped: &[u8], secret: &SecretKey) -> Result<DataKey, DecryptError> {
    let opened = Zeroizing::new(secret.unseal(wrapped).map_err(|_| DecryptError::WrongKey)?);
    let key: [u8; KEY_LEN] = opened
        .as_slice()
        .try_into()
        .map_err(|_| DecryptError::WrongKey)?;
    Ok(Zeroizing::new(key))
}

/// Any short secret (a key share: `x || y`) sealed to `recipient`: the
/// sealed box [`wrap_key`] uses, for other lengths (48 bytes longer than
/// `bytes`).
pub fn seal_to(bytes: &[u8], recipient: &PublicKey) -> Result<Vec<u8>, EncryptError> {
    recipient
        .seal(&mut OsRng, bytes)
        .map_err(|_| EncryptError::KeyWrap)
}

/// Opens what [`seal_to`] sealed.
pub fn open_sealed(sealed: &[u8], secret: &SecretKey) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    Ok(Zeroizing::new(
        secret.unseal(sealed).map_err(|_| DecryptError::WrongKey)?,
    ))
}

/// A new X25519 secret key for receiving wrapped keys.
pub fn generate_secret_key() -> SecretKey {
    SecretKey::generate(&mut OsRng)
}

#[cfg(feature = "testing")]
mod testing {
    use chacha20poly1305::aead::rand_core::{CryptoRng, Error, RngCore};

    /// Yields the given 32 bytes, then zeros: the sealed box draws exactly
    /// one 32-byte ephemeral secret from it.
    pub struct FixedRng {
        bytes: [u8; 32],
        pos: usize,
    }

    impl FixedRng {
        pub fn new(bytes: [u8; 32]) -> Self {
            Self { bytes, pos: 0 }
        }
    }

    impl RngCore for FixedRng {
        fn next_u32(&mut self) -> u32 {
            let mut b = [0u8; 4];
            self.fill_bytes(&mut b);
            u32::from_le_bytes(b)
        }
        fn next_u64(&mut self) -> u64 {
            let mut b = [0u8; 8];
            self.fill_bytes(&mut b);
            u64::from_le_bytes(b)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for d in dest {
                *d = self.bytes.get(self.pos).copied().unwrap_or(0);
                self.pos += 1;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl CryptoRng for FixedRng {}
}

// ---------------------------------------------------------------------------
// std::io adapters (readers and writers; still no file system)
// ---------------------------------------------------------------------------

/// An error of [`encrypt_stream`] or [`decrypt_stream`]: the format's, or
/// the reader's / writer's.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
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

/// Encrypts everything `reader` yields under `key` (with a fresh nonce
/// prefix) and hands each output piece (the header, then one piece per
/// segment) to `sink`, in order. `progress` gets the plaintext bytes done so
/// far. Returns the plaintext length. The bytes are those a [`Sealer`] makes.
pub fn encrypt_stream(
    key: &[u8; KEY_LEN],
    chunk_size: u32,
    reader: &mut impl Read,
    mut sink: impl FnMut(Vec<u8>) -> io::Result<()>,
    mut progress: impl FnMut(u64),
) -> Result<u64, StreamError> {
    let mut sealer = Sealer::with_key(Zeroizing::new(*key), chunk_size)?;
    let chunk = chunk_size as usize;
    let mut plain = vec![0u8; chunk];
    let mut total = 0u64;
    loop {
        let n = read_full(reader, &mut plain)?;
        total += n as u64;
        // A full read fills exactly one segment; a short one ends the stream.
        let mut piece = Vec::with_capacity(HEADER_LEN + chunk + TAG_LEN);
        if n == chunk {
            sealer.push(&plain, &mut piece)?;
            sink(piece)?;
            progress(total);
        } else {
            sealer.push(&plain[..n], &mut piece)?;
            sealer.finish(&mut piece)?;
            sink(piece)?;
            progress(total);
            return Ok(total);
        }
    }
}

/// Decrypts a ciphertext stream, writing plaintext segments to `out` as they
/// authenticate. The caller must treat the output as untrusted until this
/// returns `Ok` (truncation is only known at the end). Returns the plaintext
/// length.
pub fn decrypt_stream(
    key: &[u8; KEY_LEN],
    reader: &mut impl Read,
    out: &mut impl Write,
) -> Result<u64, StreamError> {
    let mut opener = Opener::new(key);
    let mut input = vec![0u8; DEFAULT_CHUNK as usize + TAG_LEN];
    let mut plain = Vec::with_capacity(input.len());
    loop {
        let n = read_full(reader, &mut input)?;
        if n == 0 {
            let total = opener.finish(&mut plain)?;
            out.write_all(&plain)?;
            return Ok(total);
        }
        opener.push(&input[..n], &mut plain)?;
        out.write_all(&plain)?;
        plain.clear();
    }
}
