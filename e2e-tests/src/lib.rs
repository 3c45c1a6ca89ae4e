//! Shared pieces of the end-to-end harness: the list of contracts, the
//! `deploy_all` helper that wires them together on any ink_e2e backend, and
//! the cost figures (gas and storage deposit) of a call.
//!
//! The journeys live in `tests/journeys/` (one test binary, one file per
//! journey); `src/bin/journey.rs` is the patient journey that
//! `scripts/run.sh` prints; `src/bin/build-contracts.rs` is the release
//! bundler behind `scripts/build.sh`.

use ink::primitives::AccountId;
use ink_e2e::{CallResult, ContractsBackend, E2EBackend};
use ink_sandbox::pallet_contracts::StorageDeposit;
use std::fmt::Debug;
use std::path::PathBuf;

pub use access_control::{AccessControl, AccessControlRef};

/// Every contract crate of the workspace, in deployment order.
pub const CONTRACTS: &[&str] = &["access-control"];

/// Result type of the e2e tests and helpers.
pub type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The workspace root (the folder with the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// Where `scripts/build.sh` leaves the release `.wasm` of a contract crate.
pub fn release_wasm(crate_name: &str) -> PathBuf {
    let snake = crate_name.replace('-', "_");
    workspace_root()
        .join("target/ink")
        .join(&snake)
        .join(format!("{snake}.wasm"))
}

/// Addresses of the deployed contracts.
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub access_control: AccountId,
}

/// Deploys every contract (Alice is the owner of each) and wires them.
pub async fn deploy_all<Client>(client: &mut Client) -> E2EResult<Deployment>
where
    Client: E2EBackend,
    <Client as ContractsBackend<ink::env::DefaultEnvironment>>::Error: Debug,
{
    let mut access_control_ctor = AccessControlRef::new();
    let access_control = client
        .instantiate("access-control", &ink_e2e::alice(), &mut access_control_ctor)
        .submit()
        .await
        .map_err(|e| format!("instantiate access-control: {e:?}"))?
        .account_id;
    Ok(Deployment { access_control })
}

/// What one call cost, from its dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub ref_time: u64,
    pub proof_size: u64,
    /// Storage deposit charged (positive) or refunded (negative), in plancks.
    pub storage_deposit: i128,
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ref_time {:>13}  proof_size {:>7}  deposit {:>12}",
            group(self.ref_time as i128),
            group(self.proof_size as i128),
            group(self.storage_deposit)
        )
    }
}

/// The gas consumed and storage deposit of a submitted call.
pub fn cost_of<V, EventLog>(
    result: &CallResult<ink::env::DefaultEnvironment, V, EventLog>,
) -> Cost {
    let exec = &result.dry_run.exec_result;
    let storage_deposit = match exec.storage_deposit {
        StorageDeposit::Charge(b) => b as i128,
        StorageDeposit::Refund(b) => -(b as i128),
    };
    Cost {
        ref_time: exec.gas_consumed.ref_time(),
        proof_size: exec.gas_consumed.proof_size(),
        storage_deposit,
    }
}

/// `1234567` -> `1,234,567`.
pub fn group(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::group;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(-1_234_567), "-1,234,567");
    }
}
