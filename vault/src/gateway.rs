//! medvault's client of medrec-gateway (feature `gateway`): the ciphertext
//! and the data key go to one gateway, or the key is split k-of-n across n
//! gateways; a reader gets them back only against its own recorded read.
//!
//! - [`Store::deposit`]: upload the sealed object to every gateway, then the
//!   data key sealed to the gateway's X25519 key (one gateway), or one
//!   Shamir share of it per gateway, each sealed to that gateway (k of n).
//! - [`bind`]: once `create_record` is final, each gateway checks the
//!   on-chain `key_id` and binds what was deposited to the record.
//! - [`Store::read`]: with the audit index of the caller's own `get_record`
//!   transaction, ask every gateway to release its key or share, sealed to a
//!   fresh X25519 key made for this read; combine k shares; fetch the
//!   ciphertext, check its SHA-256 against the on-chain hash **before**
//!   decrypting, and decrypt atomically into the output file.
//!
//! Requests are signed with the caller's chain account (sr25519), exactly as
//! [`medvault_core::request`] defines and the gateway checks. The signer's
//! secret URI (`//Alice` on a dev chain, a mnemonic, or a `0x` seed) is read
//! from the environment or a file, never from the command line.

use crate::{check_hash, io_at, key_id, PublicKey, Result, Sealed, Store, VaultError};
use medvault_core::request::{
    self, HEADER_ACCOUNT, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use medvault_core::split::{combine_key, split_key};
use reqwest::blocking::{Body, Client, Response};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use subxt_signer::{sr25519::Keypair, SecretUri};
use zeroize::Zeroizing;

/// A chain account that signs gateway requests.
pub struct Signer(Keypair);

impl Signer {
    /// From a secret URI: `//Alice`, `<mnemonic>//hard/soft`, `0x<seed>`.
    pub fn from_uri(uri: &str) -> Result<Self> {
        let uri: SecretUri = uri.trim().parse().map_err(|_| VaultError::BadSigner)?;
        Keypair::from_uri(&uri)
            .map(Self)
            .map_err(|_| VaultError::BadSigner)
    }

    /// From a file holding a secret URI (its first line).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io_at(path))?);
        Self::from_uri(text.lines().next().unwrap_or_default())
    }

    /// The account's public key.
    pub fn account(&self) -> [u8; 32] {
        self.0.public_key().0
    }

    fn headers(&self, method: &str, path: &str, body_sha256: &[u8; 32]) -> [(&str, String); 4] {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        let nonce = hex::encode(&medvault_core::generate_data_key()[..16]);
        let message = request::signed_bytes(method, path, body_sha256, now, &nonce);
        [
            (HEADER_ACCOUNT, hex::encode(self.account())),
            (HEADER_TIMESTAMP, now.to_string()),
            (HEADER_NONCE, nonce),
            (HEADER_SIGNATURE, hex::encode(self.0.sign(&message).0)),
        ]
    }
}

/// Codes meaning "the gateway's finalized head does not show it yet".
const NOT_FINAL_YET: &[&str] = &["unknown_record", "no_audit_entry"];
/// For uploads and deposits: a provider just verified (or a patient just
/// registered) is not in the finalized state for a block or two.
const UPLOADER_NOT_FINAL_YET: &[&str] = &["unknown_uploader"];

/// One gateway.
pub struct Gateway {
    url: String,
    http: Client,
    /// How long bind and release keep asking while the gateway's finalized
    /// head does not show the caller's transaction yet.
    pub finality_wait: Duration,
}

/// What a gateway released: the key or a share, opened.
pub enum Released {
    Key(Zeroizing<[u8; 32]>),
    /// `x || y`, 33 bytes.
    Share(Zeroizing<Vec<u8>>),
}

/// Shows the kind (and a share's x), never the secret.
impl std::fmt::Debug for Released {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Released::Key(_) => f.write_str("Key(..)"),
            Released::Share(s) => write!(f, "Share(x = {}, ..)", s.first().copied().unwrap_or(0)),
        }
    }
}

/// Names a recorded read: the patient, the record, the audit index of the
/// caller's own `get_record` transaction.
#[derive(Debug, Clone)]
pub struct ReadProof {
    /// Hex public key or SS58 address.
    pub patient: String,
    pub record_id: u64,
    pub audit_index: u64,
}

impl Gateway {
    pub fn new(url: &str) -> Result<Self> {
        let http = Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(None)
            .build()
            .map_err(|e| VaultError::Unreachable {
                url: url.into(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            url: url.trim_end_matches('/').into(),
            http,
            finality_wait: Duration::from_secs(30),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn unreachable(&self, e: reqwest::Error) -> VaultError {
        VaultError::Unreachable {
            url: self.url.clone(),
            reason: e.to_string(),
        }
    }

    /// Sends a request (signed when `signer` is given); a refusal becomes
    /// [`VaultError::Refused`] with the gateway's status and code.
    fn send(
        &self,
        signer: Option<&Signer>,
        method: reqwest::Method,
        path: &str,
        body: Body,
        body_sha256: &[u8; 32],
    ) -> Result<Response> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.url))
            .body(body);
        if let Some(signer) = signer {
            for (name, value) in signer.headers(method.as_str(), path, body_sha256) {
                req = req.header(name, value);
            }
        }
        let resp = req.send().map_err(|e| self.unreachable(e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let v: serde_json::Value = resp.json().unwrap_or_default();
        Err(VaultError::Refused {
            url: self.url.clone(),
            status,
            code: v["error"].as_str().unwrap_or("unknown").into(),
            message: v["message"].as_str().unwrap_or_default().into(),
        })
    }

    fn send_json(
        &self,
        signer: &Signer,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<serde_json::Value> {
        let hash: [u8; 32] = Sha256::digest(&body).into();
        let resp = self.send(Some(signer), method, path, Body::from(body), &hash)?;
        resp.json().map_err(|e| self.unreachable(e))
    }

    /// Retries `attempt` while the gateway's finalized head is behind.
    fn until_final<T>(&self, codes: &[&str], mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
        let deadline = Instant::now() + self.finality_wait;
        loop {
            match attempt() {
                Err(VaultError::Refused { code, .. })
                    if codes.contains(&code.as_str()) && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(500));
                }
                other => return other,
            }
        }
    }

    /// The X25519 key to seal data keys (or shares) to.
    pub fn public_key(&self) -> Result<PublicKey> {
        let resp = self.send(
            None,
            reqwest::Method::GET,
            "/v1/info",
            Body::from(Vec::new()),
            &Sha256::digest(b"").into(),
        )?;
        let v: serde_json::Value = resp.json().map_err(|e| self.unreachable(e))?;
        let key = v["x25519_public_key"].as_str().unwrap_or_default();
        crate::parse_public_key(key)
    }

    /// Uploads the stored object `sealed` (streamed from the store); returns
    /// whether the gateway did not have it yet.
    pub fn upload(&self, signer: &Signer, store: &Store, sealed: &Sealed) -> Result<bool> {
        let path = store.object_path(&sealed.locator)?;
        let url_path = format!("/v1/objects/{}", hex::encode(sealed.data_hash));
        let resp = self.until_final(UPLOADER_NOT_FINAL_YET, || {
            let file = File::open(&path).map_err(io_at(&path))?;
            self.send(
                Some(signer),
                reqwest::Method::PUT,
                &url_path,
                Body::sized(file, sealed.size),
                &sealed.data_hash,
            )
        })?;
        Ok(resp.status().as_u16() == 201)
    }

    /// Deposits a key or share sealed to this gateway for `data_hash`.
    pub fn deposit(
        &self,
        signer: &Signer,
        data_hash: &[u8; 32],
        secret: &[u8],
    ) -> Result<serde_json::Value> {
        let sealed = medvault_core::seal_to(secret, &self.public_key()?)?;
        let body = serde_json::json!({
            "data_hash": hex::encode(data_hash),
            "sealed_key": hex::encode(sealed),
        });
        self.send_json(
            signer,
            reqwest::Method::POST,
            "/v1/keys",
            body.to_string().into_bytes(),
        )
    }

    /// Binds the deposit to the record once `create_record` is final.
    pub fn bind(
        &self,
        signer: &Signer,
        patient: &str,
        record_id: u64,
    ) -> Result<serde_json::Value> {
        let path = format!("/v1/records/{patient}/{record_id}/bind");
        self.until_final(NOT_FINAL_YET, || {
            self.send_json(signer, reqwest::Method::POST, &path, Vec::new())
        })
    }

    /// The key or this gateway's share, released against the recorded read.
    pub fn release(&self, signer: &Signer, proof: &ReadProof) -> Result<(Released, String)> {
        let mine = medvault_core::generate_secret_key();
        let body = serde_json::json!({
            "patient": proof.patient,
            "record_id": proof.record_id,
            "audit_index": proof.audit_index,
            "wrap_to": hex::encode(mine.public_key().as_bytes()),
        })
        .to_string()
        .into_bytes();
        let v = self.until_final(NOT_FINAL_YET, || {
            self.send_json(signer, reqwest::Method::POST, "/v1/release", body.clone())
        })?;
        let wrapped = hex::decode(v["wrapped_key"].as_str().unwrap_or_default())
            .map_err(|_| self.bad_answer("wrapped_key is not hex"))?;
        let opened = medvault_core::open_sealed(&wrapped, &mine)?;
        let released = match opened.len() {
            32 => {
                let mut key = Zeroizing::new([0u8; 32]);
                key.copy_from_slice(&opened);
                Released::Key(key)
            }
            33 => Released::Share(Zeroizing::new(opened.to_vec())),
            _ => return Err(self.bad_answer("the released secret is neither a key nor a share")),
        };
        Ok((released, v["key_id"].as_str().unwrap_or_default().into()))
    }

    /// Streams the record's ciphertext into `out`; returns its SHA-256 and
    /// length.
    pub fn fetch(
        &self,
        signer: &Signer,
        proof: &ReadProof,
        out: &mut impl Write,
    ) -> Result<([u8; 32], u64)> {
        let path = format!(
            "/v1/records/{}/{}/ciphertext?audit_index={}",
            proof.patient, proof.record_id, proof.audit_index
        );
        let mut resp = self.send(
            Some(signer),
            reqwest::Method::GET,
            &path,
            Body::from(Vec::new()),
            &Sha256::digest(b"").into(),
        )?;
        let mut hashing = HashingWriter {
            inner: out,
            hasher: Sha256::new(),
            n: 0,
        };
        resp.copy_to(&mut hashing)
            .map_err(|e| self.unreachable(e))?;
        Ok((hashing.hasher.finalize().into(), hashing.n))
    }

    fn bad_answer(&self, what: &str) -> VaultError {
        VaultError::Unreachable {
            url: self.url.clone(),
            reason: format!("unexpected answer: {what}"),
        }
    }
}

struct HashingWriter<'a, W: Write> {
    inner: &'a mut W,
    hasher: Sha256,
    n: u64,
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What one gateway did with a deposit.
#[derive(Debug)]
pub struct Deposited {
    pub url: String,
    /// The gateway did not have the ciphertext before.
    pub uploaded_new: bool,
    /// `key`, or `share` with its x coordinate.
    pub stored: String,
    pub x: Option<u8>,
}

/// Binds the deposits at every gateway; each checks the on-chain key id.
pub fn bind(
    gateways: &[Gateway],
    signer: &Signer,
    patient: &str,
    record_id: u64,
) -> Result<Vec<serde_json::Value>> {
    gateways
        .iter()
        .map(|g| g.bind(signer, patient, record_id))
        .collect()
}

/// The outcome of asking every gateway for a read.
#[derive(Debug)]
pub struct Read {
    pub out_size: u64,
    /// The gateways that released (by URL).
    pub released_by: Vec<String>,
    /// The gateways that did not, with why (`404 unknown_record`, `unreachable`).
    pub refusals: Vec<(String, String)>,
    /// The gateway the ciphertext came from.
    pub fetched_from: String,
}

impl Store {
    /// Uploads `sealed` (already in this store) to every gateway and
    /// deposits its data key: whole to a single gateway (`threshold` 1), or
    /// split `threshold`-of-n, one share per gateway.
    pub fn deposit(
        &self,
        signer: &Signer,
        sealed: &Sealed,
        gateways: &[Gateway],
        threshold: usize,
    ) -> Result<Vec<Deposited>> {
        let key = self.data_key(&sealed.key_id)?;
        let secrets: Vec<Zeroizing<Vec<u8>>> = match (gateways.len(), threshold) {
            (0, _) => return Err(VaultError::Threshold { k: threshold, n: 0 }),
            (1, 1) => vec![Zeroizing::new(key.to_vec())],
            (n, k) if (2..=n).contains(&k) => split_key(&key, k, n)?,
            (n, k) => return Err(VaultError::Threshold { k, n }),
        };
        let mut out = Vec::with_capacity(gateways.len());
        for (g, secret) in gateways.iter().zip(&secrets) {
            let uploaded_new = g.upload(signer, self, sealed)?;
            let v = g.deposit(signer, &sealed.data_hash, secret)?;
            out.push(Deposited {
                url: g.url.clone(),
                uploaded_new,
                stored: v["stored"].as_str().unwrap_or_default().into(),
                x: v["x"].as_u64().and_then(|x| u8::try_from(x).ok()),
            });
        }
        Ok(out)
    }

    /// Reads a record through the gateways: releases (k of them must
    /// answer), the ciphertext fetched into this store and checked against
    /// `expected_hash` (the on-chain data hash) before anything is
    /// decrypted, then decrypted atomically into `out`. `key_id` is the
    /// on-chain key id; without it, the one the gateways report (all must
    /// agree) is used to tell the right combination of shares.
    #[allow(clippy::too_many_arguments)]
    pub fn read(
        &self,
        signer: &Signer,
        gateways: &[Gateway],
        threshold: usize,
        proof: &ReadProof,
        expected_hash: &[u8; 32],
        key_id_hint: Option<&str>,
        out: &Path,
    ) -> Result<Read> {
        if gateways.is_empty() || !(1..=gateways.len()).contains(&threshold) {
            return Err(VaultError::Threshold {
                k: threshold,
                n: gateways.len(),
            });
        }
        let mut keys = Vec::new();
        let mut shares = Vec::new();
        let mut released_by = Vec::new();
        let mut refusals = Vec::new();
        let mut reported = Vec::new();
        for g in gateways {
            match g.release(signer, proof) {
                Ok((released, id)) => {
                    released_by.push(g.url.clone());
                    reported.push(id);
                    match released {
                        Released::Key(k) => keys.push(k),
                        Released::Share(s) => shares.push(s),
                    }
                }
                Err(VaultError::Refused { status, code, .. }) => {
                    refusals.push((g.url.clone(), format!("{status} {code}")))
                }
                Err(VaultError::Unreachable { .. }) => {
                    refusals.push((g.url.clone(), "unreachable".into()))
                }
                Err(e) => return Err(e),
            }
        }
        let want = match key_id_hint {
            Some(id) => id.trim_start_matches("0x").to_ascii_lowercase(),
            None => match reported.split_first() {
                Some((first, rest)) if rest.iter().all(|r| r == first) => first.clone(),
                _ => {
                    return Err(VaultError::TooFewShares {
                        got: 0,
                        need: threshold,
                        refusals,
                    })
                }
            },
        };
        let key = keys
            .into_iter()
            .find(|k| key_id(k) == want)
            .or_else(|| combine_matching(&shares, threshold, &want))
            .ok_or_else(|| VaultError::TooFewShares {
                got: released_by.len(),
                need: threshold,
                refusals: refusals.clone(),
            })?;

        // The ciphertext: from the first gateway that serves it, into the
        // store's tmp/, checked, then kept under its hash.
        let mut fetched_from = None;
        let tmp_dir = self.root().join("tmp");
        for g in gateways {
            let mut tmp = tempfile::NamedTempFile::new_in(&tmp_dir).map_err(io_at(&tmp_dir))?;
            let fetched = {
                let mut w = BufWriter::new(tmp.as_file_mut());
                let r = g.fetch(signer, proof, &mut w);
                w.flush().map_err(io_at(&tmp_dir))?;
                r
            };
            match fetched {
                Ok((hash, _)) => {
                    check_hash(expected_hash, &hash)?;
                    tmp.as_file().sync_all().map_err(io_at(&tmp_dir))?;
                    let locator = format!("{}{}", crate::LOCATOR_PREFIX, hex::encode(hash));
                    let dest = self.object_path(&locator)?;
                    tmp.persist(&dest).map_err(|e| VaultError::Io {
                        path: dest.clone(),
                        source: e.error,
                    })?;
                    fetched_from = Some((g.url.clone(), locator));
                    break;
                }
                Err(VaultError::Refused { .. } | VaultError::Unreachable { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        let (fetched_from, locator) = fetched_from.ok_or(VaultError::TooFewShares {
            got: 0,
            need: 1,
            refusals: refusals.clone(),
        })?;
        let out_size = self.open_with_key(&locator, expected_hash, &key, out)?;
        Ok(Read {
            out_size,
            released_by,
            refusals,
            fetched_from,
        })
    }
}

/// The first `threshold`-subset of `shares` that combines to the key with
/// id `want` (a gateway answering with a wrong share cannot block a read
/// while `threshold` honest ones answer).
fn combine_matching(
    shares: &[Zeroizing<Vec<u8>>],
    threshold: usize,
    want: &str,
) -> Option<Zeroizing<[u8; 32]>> {
    if threshold < 2 || shares.len() < threshold {
        return None;
    }
    let n = shares.len();
    let mut pick: Vec<usize> = (0..threshold).collect();
    loop {
        let refs: Vec<&[u8]> = pick.iter().map(|&i| shares[i].as_slice()).collect();
        if let Ok(key) = combine_key(&refs) {
            if key_id(&key) == want {
                return Some(key);
            }
        }
        // next combination in lexicographic order
        let mut i = threshold;
        loop {
            if i == 0 {
                return None;
            }
            i -= 1;
            if pick[i] < n - threshold + i {
                break;
            }
        }
        pick[i] += 1;
        for j in i + 1..threshold {
            pick[j] = pick[j - 1] + 1;
        }
    }
}
