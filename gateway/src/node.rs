//! [`ChainView`] on a node, over JSON-RPC (HTTP; a Substrate node serves
//! HTTP and WebSocket on the same port).
//!
//! The head is `chain_getFinalizedHead`, its number from `chain_getHeader`
//! and its time from the `Timestamp::Now` storage value at that block. A
//! message runs as `state_call("ContractsApi_call", ..)` at that block: the
//! same dry run polkadot.js makes for a query, pinned to a finalized block,
//! so a read that a reorganisation could undo is never trusted.

use crate::chain::{ChainError, ChainView, Contract, Head};
use crate::AccountId;
use scale::{Decode, Encode};
use std::time::Duration;

/// `twox128("Timestamp") ++ twox128("Now")`.
pub const TIMESTAMP_NOW_KEY: &str =
    "0xf0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb";

/// Where the three contracts are.
#[derive(Debug, Clone, Copy)]
pub struct Addresses {
    pub access_control: AccountId,
    pub patient_consent: AccountId,
    pub record_management: AccountId,
}

pub struct NodeChain {
    http: reqwest::Client,
    url: String,
    contracts: Addresses,
}

/// `pallet_contracts` weight, as its runtime API encodes it.
#[derive(Encode, Decode)]
struct Weight {
    #[codec(compact)]
    ref_time: u64,
    #[codec(compact)]
    proof_size: u64,
}

#[derive(Decode)]
#[allow(dead_code)]
enum StorageDeposit {
    Refund(u128),
    Charge(u128),
}

impl NodeChain {
    /// `url`: the node's RPC endpoint (`http://` or `ws://`, which is
    /// read as `http://` on the same port).
    pub fn new(url: &str, contracts: Addresses, timeout: Duration) -> Result<Self, ChainError> {
        let url = if let Some(rest) = url.strip_prefix("ws://") {
            format!("http://{rest}")
        } else if let Some(rest) = url.strip_prefix("wss://") {
            format!("https://{rest}")
        } else {
            url.to_owned()
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ChainError::Unreachable(e.to_string()))?;
        Ok(Self {
            http,
            url,
            contracts,
        })
    }

    async fn rpc(
        &self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, ChainError> {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| ChainError::Unreachable(e.without_url().to_string()))?;
        let status = resp.status();
        let value: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| ChainError::Unreachable(format!("{status}: {}", e.without_url())))?;
        if let Some(err) = value.get("error") {
            return Err(ChainError::BadAnswer(format!("{method}: {err}")));
        }
        value
            .get("result")
            .cloned()
            .ok_or_else(|| ChainError::BadAnswer(format!("{method}: no result")))
    }

    fn hex_bytes(v: &serde_json::Value, what: &str) -> Result<Vec<u8>, ChainError> {
        let s = v
            .as_str()
            .ok_or_else(|| ChainError::BadAnswer(format!("{what}: not a string")))?;
        hex::decode(s.strip_prefix("0x").unwrap_or(s))
            .map_err(|_| ChainError::BadAnswer(format!("{what}: not hex")))
    }

    fn address(&self, c: Contract) -> AccountId {
        match c {
            Contract::AccessControl => self.contracts.access_control,
            Contract::PatientConsent => self.contracts.patient_consent,
            Contract::RecordManagement => self.contracts.record_management,
        }
    }
}

/// Decodes a `ContractExecResult` up to its `result` (the events, last,
/// are not collected by a runtime-API call) and returns the return data.
fn exec_result_data(bytes: &[u8]) -> Result<Vec<u8>, ChainError> {
    let bad = |e: scale::Error| ChainError::BadAnswer(format!("ContractsApi_call: {e}"));
    let mut s = bytes;
    let _gas_consumed = Weight::decode(&mut s).map_err(bad)?;
    let _gas_required = Weight::decode(&mut s).map_err(bad)?;
    let _deposit = StorageDeposit::decode(&mut s).map_err(bad)?;
    let _debug = <Vec<u8>>::decode(&mut s).map_err(bad)?;
    match u8::decode(&mut s).map_err(bad)? {
        0 => {
            let flags = u32::decode(&mut s).map_err(bad)?;
            let data = <Vec<u8>>::decode(&mut s).map_err(bad)?;
            if flags & 1 != 0 {
                return Err(ChainError::BadAnswer(
                    "ContractsApi_call: the query reverted".into(),
                ));
            }
            Ok(data)
        }
        _ => Err(ChainError::BadAnswer(
            "ContractsApi_call: the call failed (no such contract at this block?)".into(),
        )),
    }
}

#[async_trait::async_trait]
impl ChainView for NodeChain {
    async fn head(&self) -> Result<Head, ChainError> {
        let hash_v = self
            .rpc("chain_getFinalizedHead", serde_json::json!([]))
            .await?;
        let hash_bytes = Self::hex_bytes(&hash_v, "finalized head")?;
        let hash: [u8; 32] = hash_bytes
            .try_into()
            .map_err(|_| ChainError::BadAnswer("finalized head: not 32 bytes".into()))?;
        let header = self
            .rpc("chain_getHeader", serde_json::json!([hash_v]))
            .await?;
        let number_hex = header
            .get("number")
            .and_then(|n| n.as_str())
            .ok_or_else(|| ChainError::BadAnswer("header: no number".into()))?;
        let number = u64::from_str_radix(number_hex.trim_start_matches("0x"), 16)
            .map_err(|_| ChainError::BadAnswer("header: bad number".into()))?;
        let now = self
            .rpc(
                "state_getStorage",
                serde_json::json!([TIMESTAMP_NOW_KEY, hash_v]),
            )
            .await?;
        let time_ms = if now.is_null() {
            0 // the genesis block has no timestamp
        } else {
            let b = Self::hex_bytes(&now, "Timestamp::Now")?;
            u64::decode(&mut &b[..]).map_err(|e| ChainError::BadAnswer(e.to_string()))?
        };
        Ok(Head {
            hash,
            number,
            time_ms,
        })
    }

    async fn call(
        &self,
        at: &Head,
        contract: Contract,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, ChainError> {
        // (origin, dest, value, gas_limit, storage_deposit_limit, input_data):
        // a read-only message needs no funds, so the origin is the zero account.
        let args = (
            AccountId::from([0u8; 32]),
            self.address(contract),
            0u128,
            Option::<Weight>::None,
            Option::<u128>::None,
            input,
        )
            .encode();
        let result = self
            .rpc(
                "state_call",
                serde_json::json!([
                    "ContractsApi_call",
                    format!("0x{}", hex::encode(args)),
                    format!("0x{}", hex::encode(at.hash))
                ]),
            )
            .await?;
        let bytes = Self::hex_bytes(&result, "state_call")?;
        exec_result_data(&bytes)
    }
}
