//! What the gateway reads from the chain, behind one trait.
//!
//! [`ChainView`] has two methods: the finalized head, and a read-only
//! message of one of the three contracts run at a given block. The typed
//! reads below (one query for one value, never a walk over a history)
//! encode the message with ink!'s selector and the contracts' own types and
//! decode the answer the same way. Two implementations: [`crate::node`]
//! (a node over JSON-RPC: `chain_getFinalizedHead`, `state_call
//! ContractsApi_call` at that block) and, in the tests and the main job,
//! the in-process sandbox runtime running the same compiled contracts
//! (`e2e_tests::gateway::SandboxChain`).

use crate::AccountId;
use access_control::Provider;
use record_management::{AuditEntry, RecordMeta};
use scale::{Decode, Encode};

/// A finalized block: where every read of one request is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub hash: [u8; 32],
    pub number: u64,
    /// The block's timestamp (ms since the epoch).
    pub time_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("the chain cannot be reached: {0}")]
    Unreachable(String),
    #[error("the chain's answer does not decode: {0}")]
    BadAnswer(String),
}

/// The three contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    AccessControl,
    PatientConsent,
    RecordManagement,
}

/// Reads the chain at finalized blocks.
#[async_trait::async_trait]
pub trait ChainView: Send + Sync + 'static {
    /// The latest finalized block.
    async fn head(&self) -> Result<Head, ChainError>;

    /// Runs a read-only message (`input` = selector and SCALE arguments) of
    /// `contract` at `at`; returns the contract's return data (ink!'s
    /// `MessageResult` of the message's value).
    async fn call(
        &self,
        at: &Head,
        contract: Contract,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, ChainError>;
}

/// A message's input: its selector, then its arguments.
fn input(selector: [u8; 4], args: impl Encode) -> Vec<u8> {
    let mut out = selector.to_vec();
    args.encode_to(&mut out);
    out
}

/// The value of an ink! message's answer (`Result<T, LangError>`).
fn answer<T: Decode>(data: &[u8]) -> Result<T, ChainError> {
    let mut slice = data;
    let r = <Result<T, ink::LangError>>::decode(&mut slice)
        .map_err(|e| ChainError::BadAnswer(e.to_string()))?;
    if !slice.is_empty() {
        return Err(ChainError::BadAnswer("trailing bytes".into()));
    }
    r.map_err(|e| ChainError::BadAnswer(format!("{e:?}")))
}

/// One audit entry of a patient's trail (`record-management::audit_entry`).
pub async fn audit_entry<C: ChainView + ?Sized>(
    chain: &C,
    at: &Head,
    patient: AccountId,
    index: u64,
) -> Result<Option<AuditEntry>, ChainError> {
    let data = chain
        .call(
            at,
            Contract::RecordManagement,
            input(ink::selector_bytes!("audit_entry"), (patient, index)),
        )
        .await?;
    answer(&data)
}

/// A record's metadata (`record-management::record_metadata`).
pub async fn record<C: ChainView + ?Sized>(
    chain: &C,
    at: &Head,
    record_id: u64,
) -> Result<Option<RecordMeta>, ChainError> {
    let data = chain
        .call(
            at,
            Contract::RecordManagement,
            input(ink::selector_bytes!("record_metadata"), record_id),
        )
        .await?;
    answer(&data)
}

/// Up to `limit` versions of a record from version `from`
/// (`record-management::record_versions`).
pub async fn record_versions<C: ChainView + ?Sized>(
    chain: &C,
    at: &Head,
    record_id: u64,
    from: u32,
    limit: u32,
) -> Result<Vec<record_management::VersionEntry>, ChainError> {
    let data = chain
        .call(
            at,
            Contract::RecordManagement,
            input(
                ink::selector_bytes!("record_versions"),
                (record_id, from, limit),
            ),
        )
        .await?;
    answer(&data)
}

/// One version of a record, the current one included
/// (`record-management::record_version`).
pub async fn record_version<C: ChainView + ?Sized>(
    chain: &C,
    at: &Head,
    record_id: u64,
    version: u32,
) -> Result<Option<record_management::VersionEntry>, ChainError> {
    let data = chain
        .call(
            at,
            Contract::RecordManagement,
            input(ink::selector_bytes!("record_version"), (record_id, version)),
        )
        .await?;
    answer(&data)
}

/// A provider (`access-control::get_provider`).
pub async fn provider<C: ChainView + ?Sized>(
    chain: &C,
    at: &Head,
    who: AccountId,
) -> Result<Option<Provider>, ChainError> {
    let data = chain
        .call(
            at,
            Contract::AccessControl,
            input(ink::selector_bytes!("get_provider"), who),
        )
        .await?;
    answer(&data)
}

/// Whether `who` is a registered patient (`patient-consent::get_patient`).
pub async fn is_patient<C: ChainView + ?Sized>(
    chain: &C,
    at: &Head,
    who: AccountId,
) -> Result<bool, ChainError> {
    let data = chain
        .call(
            at,
            Contract::PatientConsent,
            input(ink::selector_bytes!("get_patient"), who),
        )
        .await?;
    Ok(answer::<Option<patient_consent::PatientInfo>>(&data)?.is_some())
}

/// Who may upload: a verified, active provider or a registered patient.
pub async fn may_upload<C: ChainView + ?Sized>(
    chain: &C,
    at: &Head,
    who: AccountId,
) -> Result<bool, ChainError> {
    if let Some(p) = provider(chain, at, who).await? {
        if p.verified && p.active {
            return Ok(true);
        }
    }
    is_patient(chain, at, who).await
}

/// A [`ChainView`] that remembers: the finalized head for `head_ttl` (a
/// head that is up to that old is still a finalized head), and each read's
/// answer at the current head (state at a given block never changes), so a
/// burst of requests about the same record costs the chain one read.
pub struct Cached<C> {
    inner: C,
    head_ttl: std::time::Duration,
    state: tokio::sync::Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    head: Option<(Head, std::time::Instant)>,
    at: Option<Head>,
    answers: std::collections::HashMap<(u8, Vec<u8>), Vec<u8>>,
}

/// Answers kept per head, at most.
const CACHE_ENTRIES: usize = 10_000;

impl<C: ChainView> Cached<C> {
    pub fn new(inner: C, head_ttl: std::time::Duration) -> Self {
        Self {
            inner,
            head_ttl,
            state: tokio::sync::Mutex::new(CacheState::default()),
        }
    }
}

#[async_trait::async_trait]
impl<C: ChainView> ChainView for Cached<C> {
    async fn head(&self) -> Result<Head, ChainError> {
        if !self.head_ttl.is_zero() {
            let st = self.state.lock().await;
            if let Some((h, when)) = st.head {
                if when.elapsed() < self.head_ttl {
                    return Ok(h);
                }
            }
        }
        let h = self.inner.head().await?;
        self.state.lock().await.head = Some((h, std::time::Instant::now()));
        Ok(h)
    }

    async fn call(
        &self,
        at: &Head,
        contract: Contract,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, ChainError> {
        let key = (contract as u8, input);
        {
            let st = self.state.lock().await;
            if st.at.as_ref() == Some(at) {
                if let Some(a) = st.answers.get(&key) {
                    return Ok(a.clone());
                }
            }
        }
        let answer = self.inner.call(at, contract, key.1.clone()).await?;
        let mut st = self.state.lock().await;
        if st.at.as_ref() != Some(at) {
            st.at = Some(*at);
            st.answers.clear();
        }
        if st.answers.len() >= CACHE_ENTRIES {
            st.answers.clear();
        }
        st.answers.insert(key, answer.clone());
        Ok(answer)
    }
}
