//! medvault-core for JavaScript hosts (Node, browsers), through wasm-bindgen.
//!
//! Streaming: a [`Sealer`] or [`Opener`] takes chunks of any size and hands
//! back the bytes that are ready, so a host pipes files of any size through
//! it in constant memory. Errors are thrown as `Error`s whose `code` is the
//! core's variant name (`SegmentAuth`, `Truncated`, `WrongKey`, ...), with
//! `index` for `SegmentAuth`: the same kinds the native `medvault` reports.

use medvault_core as core;
use sha2::Digest;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

/// An `Error` with `name = "MedvaultError"`, `code` and, for a segment,
/// `index`.
fn error(code: &str, message: &str, index: Option<u64>) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name("MedvaultError");
    let obj: &JsValue = e.as_ref();
    // Reflect::set only fails on frozen or non-objects; a fresh Error is neither.
    let _ = js_sys::Reflect::set(obj, &"code".into(), &code.into());
    if let Some(i) = index {
        let _ = js_sys::Reflect::set(obj, &"index".into(), &JsValue::from_f64(i as f64));
    }
    e.into()
}

fn decrypt_error(e: core::DecryptError) -> JsValue {
    let index = match e {
        core::DecryptError::SegmentAuth { index } => Some(index),
        _ => None,
    };
    error(e.code(), &e.to_string(), index)
}

fn encrypt_error(e: core::EncryptError) -> JsValue {
    error(e.code(), &e.to_string(), None)
}

/// A misuse by the caller (wrong length, finished stream): `code` "BadInput".
fn bad_input(message: &str) -> JsValue {
    error("BadInput", message, None)
}

fn array32(bytes: &[u8], what: &str) -> Result<Zeroizing<[u8; 32]>, JsValue> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| bad_input(&format!("{what}: expected 32 bytes, got {}", bytes.len())))?;
    Ok(Zeroizing::new(arr))
}

fn chunk_size(chunk_size: Option<u32>) -> u32 {
    chunk_size.unwrap_or(core::DEFAULT_CHUNK)
}

/// The format's constants: `{MAGIC, VERSION, HEADER_LEN, TAG_LEN, KEY_LEN,
/// WRAPPED_KEY_LEN, DEFAULT_CHUNK, MAX_CHUNK, LOCATOR_PREFIX}`.
#[wasm_bindgen]
pub fn constants() -> js_sys::Object {
    let o = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v);
    };
    set(
        "MAGIC",
        String::from_utf8_lossy(core::MAGIC).as_ref().into(),
    );
    set("VERSION", core::VERSION.into());
    set("HEADER_LEN", (core::HEADER_LEN as u32).into());
    set("TAG_LEN", (core::TAG_LEN as u32).into());
    set("KEY_LEN", (core::KEY_LEN as u32).into());
    set("WRAPPED_KEY_LEN", (core::WRAPPED_KEY_LEN as u32).into());
    set("DEFAULT_CHUNK", core::DEFAULT_CHUNK.into());
    set("MAX_CHUNK", core::MAX_CHUNK.into());
    set("LOCATOR_PREFIX", core::LOCATOR_PREFIX.into());
    o
}

/// Seals a stream: `push(chunk)` returns the ciphertext that is ready (the
/// header first), `finish()` the last segment. Concatenated, they are the
/// ciphertext. `key` and `keyId` are there from the start.
#[wasm_bindgen]
pub struct Sealer {
    inner: Option<core::Sealer>,
    key: Zeroizing<[u8; 32]>,
    key_id: String,
    plaintext_len: u64,
}

impl Sealer {
    fn wrap(inner: core::Sealer) -> Self {
        let key = Zeroizing::new(**inner.key());
        Self {
            key_id: core::key_id(&key),
            key,
            inner: Some(inner),
            plaintext_len: 0,
        }
    }

    fn inner(&mut self) -> Result<&mut core::Sealer, JsValue> {
        self.inner
            .as_mut()
            .ok_or_else(|| bad_input("the stream is already finished"))
    }
}

#[wasm_bindgen]
impl Sealer {
    /// A new stream under a fresh random data key and nonce prefix
    /// (`chunkSize` defaults to 64 KiB).
    #[wasm_bindgen(constructor)]
    pub fn new(chunk_size_opt: Option<u32>) -> Result<Sealer, JsValue> {
        Ok(Self::wrap(
            core::Sealer::new(chunk_size(chunk_size_opt)).map_err(encrypt_error)?,
        ))
    }

    /// **Test vectors only** (vault/wasm/pkg-testing): a fixed key and nonce
    /// prefix. Never for real data.
    #[cfg(feature = "testing")]
    #[wasm_bindgen(js_name = withFixedNonce)]
    pub fn with_fixed_nonce(
        key: &[u8],
        chunk_size: u32,
        nonce_prefix: &[u8],
    ) -> Result<Sealer, JsValue> {
        let nonce: [u8; core::NONCE_PREFIX_LEN] = nonce_prefix
            .try_into()
            .map_err(|_| bad_input("noncePrefix: expected 19 bytes"))?;
        let key = array32(key, "key")?;
        Ok(Self::wrap(
            core::Sealer::with_fixed_nonce(*key, chunk_size, nonce).map_err(encrypt_error)?,
        ))
    }

    /// Plaintext in, ready ciphertext out.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, JsValue> {
        let mut out = Vec::with_capacity(chunk.len() + chunk.len() / 1024 + core::HEADER_LEN);
        self.inner()?.push(chunk, &mut out).map_err(encrypt_error)?;
        self.plaintext_len += chunk.len() as u64;
        Ok(out)
    }

    /// The last segment; the sealer cannot be used afterwards.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        let inner = self
            .inner
            .take()
            .ok_or_else(|| bad_input("the stream is already finished"))?;
        let mut out = Vec::with_capacity(core::HEADER_LEN + core::DEFAULT_CHUNK as usize);
        inner.finish(&mut out).map_err(encrypt_error)?;
        Ok(out)
    }

    /// The stream's 32-byte data key (store it, wrap it for recipients).
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> Vec<u8> {
        self.key.to_vec()
    }

    /// The data key's id (64 hex digits).
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> String {
        self.key_id.clone()
    }

    /// Plaintext bytes pushed so far.
    #[wasm_bindgen(getter, js_name = plaintextLength)]
    pub fn plaintext_length(&self) -> f64 {
        self.plaintext_len as f64
    }
}

/// Opens a stream: `push(chunk)` returns the plaintext of every segment that
/// authenticated, `finish()` the last one. The plaintext is only known to be
/// complete and authentic once `finish()` returned; a host writes it to a
/// temporary place until then.
#[wasm_bindgen]
pub struct Opener {
    inner: Option<core::Opener>,
    plaintext_len: u64,
}

#[wasm_bindgen]
impl Opener {
    /// An opener for a ciphertext sealed under the 32-byte `key`.
    #[wasm_bindgen(constructor)]
    pub fn new(key: &[u8]) -> Result<Opener, JsValue> {
        let key = array32(key, "key")?;
        Ok(Self {
            inner: Some(core::Opener::new(&key)),
            plaintext_len: 0,
        })
    }

    /// Ciphertext in, authenticated plaintext out.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, JsValue> {
        let inner = self
            .inner
            .as_mut()
            .ok_or_else(|| bad_input("the stream is already finished"))?;
        let mut out = Vec::with_capacity(chunk.len());
        inner.push(chunk, &mut out).map_err(decrypt_error)?;
        self.plaintext_len += out.len() as u64;
        Ok(out)
    }

    /// The last segment's plaintext; throws when the ciphertext is truncated
    /// or its last segment does not authenticate.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        let inner = self
            .inner
            .take()
            .ok_or_else(|| bad_input("the stream is already finished"))?;
        let mut out = Vec::new();
        inner.finish(&mut out).map_err(decrypt_error)?;
        self.plaintext_len += out.len() as u64;
        Ok(out)
    }

    /// Plaintext bytes handed out so far.
    #[wasm_bindgen(getter, js_name = plaintextLength)]
    pub fn plaintext_length(&self) -> f64 {
        self.plaintext_len as f64
    }
}

/// The 32-byte data key sealed to a recipient's X25519 public key (80 bytes).
#[wasm_bindgen(js_name = wrapKey)]
pub fn wrap_key(key: &[u8], recipient_public: &[u8]) -> Result<Vec<u8>, JsValue> {
    let key = array32(key, "key")?;
    let public = core::PublicKey::from_bytes(*array32(recipient_public, "recipientPublic")?);
    core::wrap_key(&key, &public).map_err(encrypt_error)
}

/// **Test vectors only** (vault/wasm/pkg-testing): [`wrap_key`] with a fixed
/// ephemeral secret.
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = wrapKeyWithEphemeral)]
pub fn wrap_key_with_ephemeral(
    key: &[u8],
    recipient_public: &[u8],
    ephemeral_secret: &[u8],
) -> Result<Vec<u8>, JsValue> {
    let key = array32(key, "key")?;
    let public = core::PublicKey::from_bytes(*array32(recipient_public, "recipientPublic")?);
    let eph = array32(ephemeral_secret, "ephemeralSecret")?;
    core::wrap_key_with_ephemeral(&key, &public, *eph).map_err(encrypt_error)
}

/// Opens a wrapped key with the recipient's 32-byte X25519 secret key; throws
/// `WrongKey` when it does not open.
#[wasm_bindgen(js_name = unwrapKey)]
pub fn unwrap_key(wrapped: &[u8], secret_key: &[u8]) -> Result<Vec<u8>, JsValue> {
    let secret = core::SecretKey::from_bytes(*array32(secret_key, "secretKey")?);
    let key = core::unwrap_key(wrapped, &secret).map_err(decrypt_error)?;
    Ok(key.to_vec())
}

/// Any short secret (a key share) sealed to a recipient's X25519 public key
/// (48 bytes longer than the secret).
#[wasm_bindgen(js_name = sealTo)]
pub fn seal_to(bytes: &[u8], recipient_public: &[u8]) -> Result<Vec<u8>, JsValue> {
    let public = core::PublicKey::from_bytes(*array32(recipient_public, "recipientPublic")?);
    core::seal_to(bytes, &public).map_err(encrypt_error)
}

/// Opens what `sealTo` sealed; throws `WrongKey` when it does not open.
#[wasm_bindgen(js_name = openSealed)]
pub fn open_sealed(sealed: &[u8], secret_key: &[u8]) -> Result<Vec<u8>, JsValue> {
    let secret = core::SecretKey::from_bytes(*array32(secret_key, "secretKey")?);
    let opened = core::open_sealed(sealed, &secret).map_err(decrypt_error)?;
    Ok(opened.to_vec())
}

/// Splits a 32-byte data key into `n` shares (`x || y`, 33 bytes each), any
/// `k` of which give it back (2 <= k <= n <= 255).
#[wasm_bindgen(js_name = splitKey)]
pub fn split_key(key: &[u8], k: u32, n: u32) -> Result<js_sys::Array, JsValue> {
    let key = array32(key, "key")?;
    let shares = core::split::split_key(&key, k as usize, n as usize).map_err(split_error)?;
    let out = js_sys::Array::new();
    for s in shares {
        out.push(&js_sys::Uint8Array::from(s.as_slice()));
    }
    Ok(out)
}

/// Combines shares (an array of 33-byte arrays) into the key; check the
/// result against the record's key id.
#[wasm_bindgen(js_name = combineKey)]
pub fn combine_key(shares: js_sys::Array) -> Result<Vec<u8>, JsValue> {
    let owned: Vec<Vec<u8>> = shares
        .iter()
        .map(|v| js_sys::Uint8Array::new(&v).to_vec())
        .collect();
    let refs: Vec<&[u8]> = owned.iter().map(|v| v.as_slice()).collect();
    let key = core::split::combine_key(&refs).map_err(split_error)?;
    Ok(key.to_vec())
}

fn split_error(e: core::split::SplitError) -> JsValue {
    error(e.code(), &e.to_string(), None)
}

/// A new X25519 secret key (32 bytes) for receiving wrapped keys.
#[wasm_bindgen(js_name = generateSecretKey)]
pub fn generate_secret_key() -> Vec<u8> {
    core::generate_secret_key().to_bytes().to_vec()
}

/// The X25519 public key of a secret key.
#[wasm_bindgen(js_name = publicKey)]
pub fn public_key(secret_key: &[u8]) -> Result<Vec<u8>, JsValue> {
    let secret = core::SecretKey::from_bytes(*array32(secret_key, "secretKey")?);
    Ok(secret.public_key().as_bytes().to_vec())
}

/// The id of a data key (64 hex digits).
#[wasm_bindgen(js_name = keyId)]
pub fn key_id(key: &[u8]) -> Result<String, JsValue> {
    let key = array32(key, "key")?;
    Ok(core::key_id(&key))
}

/// `vault://sha256/<hex>` for a 32-byte SHA-256.
#[wasm_bindgen]
pub fn locator(data_hash: &[u8]) -> Result<String, JsValue> {
    let hash: [u8; 32] = data_hash
        .try_into()
        .map_err(|_| bad_input("dataHash: expected 32 bytes"))?;
    Ok(core::locator(&hash))
}

/// The SHA-256 a locator names; throws `BadLocator` for anything else.
#[wasm_bindgen(js_name = parseLocator)]
pub fn parse_locator(locator: &str) -> Result<Vec<u8>, JsValue> {
    core::parse_locator(locator)
        .map(|h| h.to_vec())
        .ok_or_else(|| {
            error(
                "BadLocator",
                &format!(
                    "bad locator {locator:?}: expected {}<64 hex digits>",
                    core::LOCATOR_PREFIX
                ),
                None,
            )
        })
}

/// Throws `HashMismatch` unless the stored bytes' SHA-256 (`actual`) is the
/// expected (on-chain) one: the check made before decrypting.
#[wasm_bindgen(js_name = checkHash)]
pub fn check_hash(expected: &[u8], actual: &[u8]) -> Result<(), JsValue> {
    let expected: [u8; 32] = expected
        .try_into()
        .map_err(|_| bad_input("expected: 32 bytes"))?;
    let actual: [u8; 32] = actual
        .try_into()
        .map_err(|_| bad_input("actual: 32 bytes"))?;
    core::check_hash(&expected, &actual).map_err(decrypt_error)
}

/// Streaming SHA-256, for hosts without one (a browser's SubtleCrypto
/// cannot stream).
#[wasm_bindgen]
pub struct Sha256(sha2::Sha256);

#[wasm_bindgen]
impl Sha256 {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Sha256 {
        Sha256(sha2::Sha256::new())
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest (32 bytes); the hasher starts over afterwards.
    pub fn digest(&mut self) -> Vec<u8> {
        self.0.finalize_reset().to_vec()
    }
}
