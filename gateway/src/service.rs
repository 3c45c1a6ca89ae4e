//! The gateway's decisions, without HTTP: upload, deposit, release, fetch.
//! Each takes an already authenticated caller and returns what to answer
//! or the [`Refusal`]; every outcome is written to the log before the
//! answer goes out.

use crate::chain::{self, ChainError, ChainView, Head};
use crate::keys::{self, KeyError, KeyStore, Secret};
use crate::log::{Log, Page};
use crate::metrics::Metrics;
use crate::store::{Created, Store, StoreError};
use crate::{hex32, AccountId, Refusal};
use bytes::Bytes;
use medrec_types::{RecordStatus, Role};
use medvault_core::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The settings the decisions use.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_upload_bytes: u64,
    pub entry_max_age_ms: u64,
    pub releases_per_entry: u32,
}

pub struct Gateway {
    pub chain: Arc<dyn ChainView>,
    pub store: Store,
    pub keys: KeyStore,
    pub log: Log,
    pub metrics: Metrics,
    pub settings: Settings,
    secret: SecretKey,
}

/// What a deposit stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "stored", rename_all = "lowercase")]
pub enum Deposited {
    /// A whole data key, with its id (what `create_record` must carry).
    Key { key_id: String },
    /// Share `x` of a data key split across gateways.
    Share { x: u8 },
}

/// What a release returns.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Released {
    /// What the author deposited, sealed to the caller's X25519 key (hex):
    /// the 32-byte data key, or `x || y` (33 bytes) for a share.
    pub wrapped_key: String,
    /// `key` or `share`.
    pub kind: String,
    /// The share's x coordinate (shares only).
    pub x: Option<u8>,
    pub key_id: String,
    pub data_hash: String,
    pub size: u64,
    /// The version released (the current one unless an earlier one was
    /// named).
    pub version: u32,
    /// The finalized block the decision was made at.
    pub block: u64,
}

/// A checked fetch: the ciphertext's hash, size and bytes.
pub struct Fetched {
    pub data_hash: [u8; 32],
    pub size: u64,
    pub stream: crate::store::ByteStream,
}

/// A release or fetch request: whose record, which record, and the audit
/// index of the caller's own recorded read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadProof {
    pub patient: AccountId,
    pub record_id: u64,
    pub audit_index: u64,
    /// An earlier version of the record (the patient's own reads only);
    /// `None` or the current version: the current one.
    pub version: Option<u32>,
}

/// The version of a record a release or a fetch serves: its ciphertext's
/// hash, its key id, its size and who deposited its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Served {
    version: u32,
    data_hash: [u8; 32],
    key_id: [u8; 32],
    size: u64,
    author: AccountId,
}

fn acct(a: &AccountId) -> String {
    hex32(AsRef::<[u8; 32]>::as_ref(a))
}

fn chain_refusal(e: ChainError) -> Refusal {
    tracing::warn!(error = %e, "chain read failed");
    Refusal::ChainUnavailable
}

fn store_refusal(e: StoreError) -> Refusal {
    tracing::warn!(error = %e, "store failed");
    Refusal::StoreUnavailable
}

fn key_refusal(e: KeyError) -> Refusal {
    match e {
        KeyError::Store(e) => store_refusal(e),
        KeyError::Corrupt => {
            tracing::error!("a stored key entry does not open under the master key");
            Refusal::StoreUnavailable
        }
    }
}

impl Served {
    fn current(meta: &record_management::RecordMeta) -> Self {
        Self {
            version: meta.version,
            data_hash: meta.data_hash,
            key_id: meta.key_id,
            size: meta.size,
            author: meta.updated_by,
        }
    }
}

impl Gateway {
    pub fn new(
        chain: Arc<dyn ChainView>,
        store: Store,
        master: zeroize::Zeroizing<[u8; 32]>,
        secret: SecretKey,
        log: Log,
        settings: Settings,
    ) -> Self {
        Self {
            chain,
            keys: KeyStore::new(store.clone(), master),
            store,
            log,
            metrics: Metrics::default(),
            settings,
            secret,
        }
    }

    /// The X25519 public key uploaders seal data keys to.
    pub fn public_key(&self) -> PublicKey {
        self.secret.public_key()
    }

    /// Writes one log entry; a log that cannot be written stops the answer.
    pub async fn note(&self, event: &str, fields: BTreeMap<String, String>) -> Result<(), Refusal> {
        self.log
            .record(crate::now_ms(), event, fields)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "the log cannot be written");
                Refusal::StoreUnavailable
            })
    }

    /// Logs a refusal (who, what route, why) and counts it.
    pub async fn refused(&self, route: &str, caller: Option<&AccountId>, why: Refusal) {
        self.metrics
            .refusals
            .get_or_create(&crate::metrics::Code {
                code: why.code().into(),
            })
            .inc();
        let mut f = BTreeMap::new();
        f.insert("route".into(), route.into());
        f.insert("code".into(), why.code().into());
        if let Some(c) = caller {
            f.insert("caller".into(), acct(c));
        }
        // A refusal that cannot be logged is still refused.
        let _ = self.note("refusal", f).await;
    }

    async fn head(&self) -> Result<Head, Refusal> {
        self.chain.head().await.map_err(chain_refusal)
    }

    /// Stores a ciphertext under its SHA-256. The caller must be a
    /// verified, active provider or a registered patient at the finalized
    /// block. The same bytes again are accepted and change nothing.
    pub async fn upload(
        &self,
        caller: &AccountId,
        claimed_hash: &[u8; 32],
        body: Bytes,
    ) -> Result<Created, Refusal> {
        if body.len() as u64 > self.settings.max_upload_bytes {
            return Err(Refusal::TooLarge);
        }
        let actual: [u8; 32] = Sha256::digest(&body).into();
        if &actual != claimed_hash {
            return Err(Refusal::HashMismatch);
        }
        let head = self.head().await?;
        if !chain::may_upload(self.chain.as_ref(), &head, *caller)
            .await
            .map_err(chain_refusal)?
        {
            return Err(Refusal::UnknownUploader);
        }
        let size = body.len() as u64;
        let created = self
            .store
            .create(&Store::object_path(claimed_hash), body)
            .await
            .map_err(store_refusal)?;
        self.metrics.bytes_in.inc_by(size);
        let mut f = BTreeMap::new();
        f.insert("uploader".into(), acct(caller));
        f.insert("data_hash".into(), hex32(claimed_hash));
        f.insert("size".into(), size.to_string());
        f.insert("new".into(), (created == Created::New).to_string());
        f.insert("block".into(), head.number.to_string());
        self.note("upload", f).await?;
        Ok(created)
    }

    /// Takes a data key, or one share of it, sealed to this gateway, for
    /// the ciphertext `data_hash`; stores it encrypted under the master
    /// key as the caller's deposit. Only the record's author's deposit is
    /// ever released, so a deposit by anyone else is inert.
    pub async fn deposit(
        &self,
        caller: &AccountId,
        data_hash: &[u8; 32],
        sealed: &[u8],
    ) -> Result<Deposited, Refusal> {
        let opened =
            medvault_core::open_sealed(sealed, &self.secret).map_err(|_| Refusal::BadSealedKey)?;
        let secret = Secret::from_deposit(&opened).ok_or(Refusal::BadSealedKey)?;
        let head = self.head().await?;
        if !chain::may_upload(self.chain.as_ref(), &head, *caller)
            .await
            .map_err(chain_refusal)?
        {
            return Err(Refusal::UnknownUploader);
        }
        self.keys
            .put(data_hash, caller, &secret)
            .await
            .map_err(key_refusal)?;
        let deposited = match &secret {
            Secret::Key(k) => Deposited::Key {
                key_id: hex32(&keys::key_id(k)),
            },
            Secret::Share { x, .. } => Deposited::Share { x: *x },
        };
        let mut f = BTreeMap::new();
        f.insert("depositor".into(), acct(caller));
        f.insert("data_hash".into(), hex32(data_hash));
        f.insert(
            "kind".into(),
            match deposited {
                Deposited::Key { .. } => "key".into(),
                Deposited::Share { x } => format!("share {x}"),
            },
        );
        f.insert("block".into(), head.number.to_string());
        self.note("deposit", f).await?;
        Ok(deposited)
    }

    /// The checks both a release and a fetch make, at one finalized block:
    /// the record is the patient's and is not deleted (a deleted record's
    /// keys are shredded here, whoever asks), and the caller's recorded read
    /// of it exists, is a read, and is fresh. A read serves the record's
    /// current version; an earlier one only to the patient (whose records
    /// they all are: a provider's read opens what the record is now).
    async fn check_read(
        &self,
        caller: &AccountId,
        proof: &ReadProof,
    ) -> Result<(Head, record_management::RecordMeta, Served), Refusal> {
        let head = self.head().await?;
        let meta = self
            .live_record(&head, proof.patient, proof.record_id)
            .await?;
        let entry =
            chain::audit_entry(self.chain.as_ref(), &head, proof.patient, proof.audit_index)
                .await
                .map_err(chain_refusal)?
                .ok_or(Refusal::NoAuditEntry)?;
        if entry.actor != *caller {
            return Err(Refusal::NotYourEntry);
        }
        if entry.record_id != Some(proof.record_id) {
            return Err(Refusal::WrongRecord);
        }
        if !entry.action.is_read() {
            return Err(Refusal::NotARead);
        }
        if head.time_ms.saturating_sub(entry.at) > self.settings.entry_max_age_ms {
            return Err(Refusal::EntryExpired);
        }
        let served = match proof.version {
            None => Served::current(&meta),
            Some(v) if v == meta.version => Served::current(&meta),
            Some(v) => {
                if *caller != proof.patient {
                    return Err(Refusal::EarlierVersionPatientOnly);
                }
                let e = chain::record_version(self.chain.as_ref(), &head, proof.record_id, v)
                    .await
                    .map_err(chain_refusal)?
                    .ok_or(Refusal::UnknownVersion)?;
                Served {
                    version: v,
                    data_hash: e.data_hash,
                    key_id: e.key_id,
                    size: e.size,
                    author: e.author,
                }
            }
        };
        Ok((head, meta, served))
    }

    /// The record at `head` if it is `patient`'s and not deleted; a
    /// deleted record's keys are destroyed on the way.
    async fn live_record(
        &self,
        head: &Head,
        patient: AccountId,
        record_id: u64,
    ) -> Result<record_management::RecordMeta, Refusal> {
        let meta = chain::record(self.chain.as_ref(), head, record_id)
            .await
            .map_err(chain_refusal)?
            .ok_or(Refusal::UnknownRecord)?;
        if meta.patient != patient {
            return Err(Refusal::UnknownRecord);
        }
        if meta.status == RecordStatus::Deleted {
            self.shred(record_id, &meta, head).await?;
            return Err(Refusal::RecordDeleted);
        }
        Ok(meta)
    }

    /// The author's deposit for the version's ciphertext; a whole key must
    /// be the version's key (`key_id` on-chain).
    async fn deposit_for(&self, served: &Served) -> Result<Secret, Refusal> {
        let secret = self
            .keys
            .get(&served.data_hash, &served.author)
            .await
            .map_err(key_refusal)?
            .ok_or(Refusal::KeyNotDeposited)?;
        if let Secret::Key(k) = &secret {
            if keys::key_id(k) != served.key_id {
                return Err(Refusal::KeyNotDeposited);
            }
        }
        Ok(secret)
    }

    /// Destroys every key deposited for a deleted record's ciphertexts (the
    /// current one and every earlier version's), and says so in the log.
    pub async fn shred(
        &self,
        record_id: u64,
        meta: &record_management::RecordMeta,
        head: &Head,
    ) -> Result<u64, Refusal> {
        let mut hashes = vec![meta.data_hash];
        let mut from = 1u32;
        loop {
            let page = chain::record_versions(self.chain.as_ref(), head, record_id, from, 50)
                .await
                .map_err(chain_refusal)?;
            let n = u32::try_from(page.len()).unwrap_or(u32::MAX);
            hashes.extend(page.into_iter().map(|v| v.data_hash));
            if n < 50 {
                break;
            }
            from = from.saturating_add(n);
        }
        hashes.sort();
        hashes.dedup();
        let mut destroyed = 0u64;
        for h in &hashes {
            destroyed = destroyed.saturating_add(self.keys.shred(h).await.map_err(key_refusal)?);
        }
        if destroyed > 0 {
            let mut f = BTreeMap::new();
            f.insert("record_id".into(), record_id.to_string());
            f.insert("deposits".into(), destroyed.to_string());
            f.insert("block".into(), head.number.to_string());
            self.note("shred", f).await?;
            tracing::info!(
                record_id,
                deposits = destroyed,
                "keys destroyed: the record is deleted on-chain"
            );
        }
        Ok(destroyed)
    }

    /// Binds a created record to this gateway, once `create_record` (or
    /// `update_record`) is final: the author's deposit for the record's
    /// ciphertext must be here (and a whole key must match `key_id`).
    /// Bound records are what [`Gateway::sweep`] watches for deletion.
    pub async fn bind(
        &self,
        caller: &AccountId,
        patient: AccountId,
        record_id: u64,
    ) -> Result<Deposited, Refusal> {
        let head = self.head().await?;
        if !chain::may_upload(self.chain.as_ref(), &head, *caller)
            .await
            .map_err(chain_refusal)?
        {
            return Err(Refusal::UnknownUploader);
        }
        let meta = self.live_record(&head, patient, record_id).await?;
        let secret = self.deposit_for(&Served::current(&meta)).await?;
        self.store
            .put(
                &Store::binding_path(record_id),
                Bytes::copy_from_slice(&meta.data_hash),
            )
            .await
            .map_err(store_refusal)?;
        let mut f = BTreeMap::new();
        f.insert("caller".into(), acct(caller));
        f.insert("record_id".into(), record_id.to_string());
        f.insert("block".into(), head.number.to_string());
        self.note("bind", f).await?;
        Ok(match secret {
            Secret::Key(_) => Deposited::Key {
                key_id: hex32(&meta.key_id),
            },
            Secret::Share { x, .. } => Deposited::Share { x },
        })
    }

    /// Destroys the keys of bound records that are deleted on-chain (at the
    /// finalized head) and forgets their bindings; returns how many records.
    /// Run periodically by the server; its cost grows with the bound
    /// records, off the chain.
    pub async fn sweep(&self) -> Result<u64, Refusal> {
        let head = self.head().await?;
        let mut swept = 0u64;
        for path in self.store.list("bindings").await.map_err(store_refusal)? {
            let Some(record_id) = path.filename().and_then(|n| n.parse::<u64>().ok()) else {
                continue;
            };
            let Some(meta) = chain::record(self.chain.as_ref(), &head, record_id)
                .await
                .map_err(chain_refusal)?
            else {
                continue;
            };
            if meta.status == RecordStatus::Deleted {
                self.shred(record_id, &meta, &head).await?;
                self.store.delete(&path).await.map_err(store_refusal)?;
                swept = swept.saturating_add(1);
            }
        }
        Ok(swept)
    }

    /// Releases the author's deposit for the record (its data key, or this
    /// gateway's share of it), sealed to `wrap_to`, against the caller's
    /// recorded read; uses the read up (one release per entry by default).
    pub async fn release(
        &self,
        caller: &AccountId,
        proof: &ReadProof,
        wrap_to: &PublicKey,
    ) -> Result<Released, Refusal> {
        let (head, meta, served) = self.check_read(caller, proof).await?;
        let secret = self.deposit_for(&served).await?;
        // Use the read up: the first free marker of its allowance (for an
        // earlier version, of that version's allowance: the patient's one
        // read of a record opens each of its versions). A marker is created
        // before the key leaves, so a crash in between costs the caller a
        // new read, never an extra release.
        let patient: &[u8; 32] = proof.patient.as_ref();
        let earlier = (served.version != meta.version).then_some(served.version);
        let mut used = None;
        for n in 0..self.settings.releases_per_entry {
            let marker = Store::used_path(patient, proof.audit_index, earlier, n);
            let mut f = Vec::new();
            f.extend_from_slice(AsRef::<[u8; 32]>::as_ref(caller));
            f.extend_from_slice(&head.number.to_le_bytes());
            match self
                .store
                .create(&marker, Bytes::from(f))
                .await
                .map_err(store_refusal)?
            {
                Created::New => {
                    used = Some(n);
                    break;
                }
                Created::AlreadyThere => continue,
            }
        }
        let Some(n) = used else {
            return Err(Refusal::EntryUsed);
        };
        // A record read through the gateway is watched for deletion too.
        self.store
            .create(
                &Store::binding_path(proof.record_id),
                Bytes::copy_from_slice(&meta.data_hash),
            )
            .await
            .map_err(store_refusal)?;
        let wrapped = medvault_core::seal_to(&secret.to_release(), wrap_to)
            .map_err(|_| Refusal::StoreUnavailable)?;
        let mut f = BTreeMap::new();
        f.insert("caller".into(), acct(caller));
        f.insert("patient".into(), acct(&proof.patient));
        f.insert("record_id".into(), proof.record_id.to_string());
        f.insert("audit_index".into(), proof.audit_index.to_string());
        f.insert("use".into(), n.saturating_add(1).to_string());
        if let Some(v) = earlier {
            f.insert("version".into(), v.to_string());
        }
        f.insert("block".into(), head.number.to_string());
        self.note("release", f).await?;
        self.metrics.releases.inc();
        let (kind, x) = match secret {
            Secret::Key(_) => ("key", None),
            Secret::Share { x, .. } => ("share", Some(x)),
        };
        Ok(Released {
            wrapped_key: hex::encode(wrapped),
            kind: kind.into(),
            x,
            key_id: hex32(&served.key_id),
            data_hash: hex32(&served.data_hash),
            size: served.size,
            version: served.version,
            block: head.number,
        })
    }

    /// The record's ciphertext against the caller's recorded read (which a
    /// fetch does not use up: the bytes are useless without the key); logged.
    pub async fn fetch(&self, caller: &AccountId, proof: &ReadProof) -> Result<Fetched, Refusal> {
        let (head, meta, served) = self.check_read(caller, proof).await?;
        let (size, stream) = self
            .store
            .stream(&Store::object_path(&served.data_hash))
            .await
            .map_err(store_refusal)?
            .ok_or(Refusal::ObjectMissing)?;
        let mut f = BTreeMap::new();
        f.insert("caller".into(), acct(caller));
        f.insert("patient".into(), acct(&proof.patient));
        f.insert("record_id".into(), proof.record_id.to_string());
        f.insert("audit_index".into(), proof.audit_index.to_string());
        if served.version != meta.version {
            f.insert("version".into(), served.version.to_string());
        }
        f.insert("block".into(), head.number.to_string());
        self.note("fetch", f).await?;
        self.metrics.bytes_out.inc_by(size);
        Ok(Fetched {
            data_hash: served.data_hash,
            size,
            stream,
        })
    }

    /// A page of the gateway's own log (uploads, deposits, releases,
    /// fetches, shreddings and refusals) for an auditor: a verified, active
    /// provider with the Admin role at the finalized block. The entries
    /// hold accounts, record ids and refusal codes (never a key or a byte of
    /// a record), so the log is not public; the read itself is logged.
    pub async fn log_page(
        &self,
        caller: &AccountId,
        from: u64,
        limit: u64,
    ) -> Result<Page, Refusal> {
        let head = self.head().await?;
        let reader = chain::provider(self.chain.as_ref(), &head, *caller)
            .await
            .map_err(chain_refusal)?
            .is_some_and(|p| p.verified && p.active && p.role == Role::Admin);
        if !reader {
            return Err(Refusal::NotLogReader);
        }
        let log = self.log.clone();
        let page = tokio::task::spawn_blocking(move || log.page(from, limit))
            .await
            .map_err(|_| Refusal::StoreUnavailable)?
            .map_err(|e| {
                tracing::error!(error = %e, "the log cannot be read");
                Refusal::StoreUnavailable
            })?;
        let mut f = BTreeMap::new();
        f.insert("caller".into(), acct(caller));
        f.insert("from".into(), from.to_string());
        f.insert("count".into(), page.entries.len().to_string());
        f.insert("block".into(), head.number.to_string());
        self.note("log_read", f).await?;
        Ok(page)
    }
}
