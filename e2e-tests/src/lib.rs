//! The end-to-end harness: the compiled contracts (their release builds) on
//! the in-process sandbox runtime, driven by one test idiom, [`Session`].
//!
//! - [`session`]: deploy the three contracts, call them as an [`Actor`],
//!   get the value, the events (with topics, named from the metadata) and
//!   the cost; check a refusal fully ([`Session::refused`]); set the time.
//! - [`direct`]: the driver under it, one `bare_call` per call.
//! - [`clock`]: the sandbox runtime with a settable block time.
//! - [`deploy_all`]: the same deployment on ink_e2e's node backend (the
//!   node-backed tests in `tests/node/`).
//!
//! The journeys live in `tests/journeys/` (one test binary, one file per
//! journey); `src/bin/` holds the tools (release bundler, the patient
//! journey of `scripts/run.sh`, the benchmark, the message table).

pub mod clock;
pub mod direct;
pub mod gateway;
pub mod session;

pub use clock::ClockedSandbox;
pub use session::{Call, Session};

use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::Encode;
use ink_e2e::{ContractsBackend, E2EBackend};
use ink_sandbox::pallet_contracts::StorageDeposit;
use std::fmt::Debug;
use std::path::PathBuf;

pub use access_control::{AccessControl, AccessControlRef};
pub use patient_consent::{PatientConsent, PatientConsentRef};
pub use record_management::{RecordManagement, RecordManagementRef};

/// Every contract crate of the system, in deployment order.
pub const CONTRACTS: &[&str] = &["access-control", "patient-consent", "record-management"];

/// Contracts that are not part of the system but are built beside it: the
/// PSP22 token the cost benchmarks compare against, and the hostile consent
/// contract of the cross-contract safety test.
pub const REFERENCE_CONTRACTS: &[&str] = &["psp22-token", "rogue-consent"];

/// The folder of a contract crate: `contracts/<name>` for the system's,
/// `reference/<name>` for the yardsticks.
pub fn contract_dir(crate_name: &str) -> PathBuf {
    let group = if REFERENCE_CONTRACTS.contains(&crate_name) {
        "reference"
    } else {
        "contracts"
    };
    workspace_root().join(group).join(crate_name)
}

/// Result type of the e2e tests and helpers.
pub type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A minute, an hour, a day, in milliseconds.
pub const MINUTE: u64 = 60 * 1000;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;

/// The block time every session starts at (2026-11-19T00:00:00Z).
pub const T0: u64 = 1_795_392_000_000;

/// The workspace root (the folder with the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// The cargo target directory (`$CARGO_TARGET_DIR`, default `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Where `scripts/build.sh` leaves the release build of a contract crate:
/// `$CARGO_TARGET_DIR/contracts/<name>/` (`<name>.wasm`, `.json`, `.contract`,
/// name in snake case). contract-build itself writes to `target/ink/<name>/`,
/// which ink_e2e's debug builds for the node tests overwrite; the bundler
/// copies the release files here so that nothing else can replace them.
pub fn bundle_dir(crate_name: &str) -> PathBuf {
    target_dir()
        .join("contracts")
        .join(crate_name.replace('-', "_"))
}

/// The release `.wasm` of a contract crate (see [`bundle_dir`]).
pub fn release_wasm(crate_name: &str) -> PathBuf {
    let snake = crate_name.replace('-', "_");
    bundle_dir(crate_name).join(format!("{snake}.wasm"))
}

/// The release metadata (`.json`) of a contract crate.
pub fn release_metadata(crate_name: &str) -> PathBuf {
    let snake = crate_name.replace('-', "_");
    bundle_dir(crate_name).join(format!("{snake}.json"))
}

// ---------------------------------------------------------------------------
// The cast
// ---------------------------------------------------------------------------

/// Someone who signs calls: a name for messages and an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub name: &'static str,
    pub account: AccountId,
}

impl Actor {
    /// A well-known development account (`//Alice` ...), the same on a
    /// `--dev` node.
    pub fn dev(name: &'static str, keyring: ink_e2e::AccountKeyring) -> Self {
        Self {
            name,
            account: ink_e2e::account_id(keyring),
        }
    }

    /// An account that exists only in the sandbox (no key: the sandbox
    /// takes any origin), from a seed byte.
    pub fn sandbox(name: &'static str, seed: u8) -> Self {
        Self {
            name,
            account: AccountId::from([seed; 32]),
        }
    }
}

/// The cast of the journeys. Alice owns the contracts; Bob is the first
/// admin; Charlie a doctor; Dave a nurse; Eve an emergency physician;
/// Ferdie the patient; Two his guardian; One a technician; Rita a
/// researcher and Paul a payer (sandbox-only accounts).
pub mod cast {
    use super::Actor;
    use ink_e2e::AccountKeyring as K;

    pub fn alice() -> Actor {
        Actor::dev("alice", K::Alice)
    }
    pub fn bob() -> Actor {
        Actor::dev("bob", K::Bob)
    }
    pub fn charlie() -> Actor {
        Actor::dev("charlie", K::Charlie)
    }
    pub fn dave() -> Actor {
        Actor::dev("dave", K::Dave)
    }
    pub fn eve() -> Actor {
        Actor::dev("eve", K::Eve)
    }
    pub fn ferdie() -> Actor {
        Actor::dev("ferdie", K::Ferdie)
    }
    pub fn one() -> Actor {
        Actor::dev("one", K::One)
    }
    pub fn two() -> Actor {
        Actor::dev("two", K::Two)
    }
    pub fn rita() -> Actor {
        Actor::sandbox("rita", 0x52)
    }
    pub fn paul() -> Actor {
        Actor::sandbox("paul", 0x50)
    }
    pub fn mallory() -> Actor {
        Actor::sandbox("mallory", 0x4D)
    }
}

/// A sample record as the vault would describe it: the SHA-256 of some
/// ciphertext and a key id. `n` makes each one unique.
pub fn sample_record(n: u8) -> ([u8; 32], [u8; 32]) {
    use sha2::Digest;
    let ciphertext: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(31) ^ n).collect();
    let hash: [u8; 32] = sha2::Sha256::digest(&ciphertext).into();
    let key_id: [u8; 32] = sha2::Sha256::digest([b'k', n]).into();
    (hash, key_id)
}

/// The lowercase hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the SCALE encoding of a value.
pub fn sha256_encoded<T: Encode>(value: &T) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(value.encode()).into()
}

/// The hash of audit entry `index` of `patient`'s trail in `contract`,
/// computed off-chain with the `sha2` crate from the documented rule
/// (SHA-256 of the SCALE encoding of `(AUDIT_DOMAIN, contract, patient,
/// index, entry)`), to check the contract's chain independently.
pub fn audit_entry_hash(
    contract: AccountId,
    patient: AccountId,
    index: u64,
    entry: &record_management::AuditEntry,
) -> [u8; 32] {
    sha256_encoded(&(
        record_management::audit::AUDIT_DOMAIN,
        contract,
        patient,
        index,
        entry,
    ))
}

// ---------------------------------------------------------------------------
// Costs
// ---------------------------------------------------------------------------

/// What one call cost.
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

/// A [`Cost`] from a call's gas and storage deposit (calls, queries and
/// instantiations all report these two).
pub fn cost_from(gas: ink_sandbox::Weight, deposit: &StorageDeposit<u128>) -> Cost {
    let storage_deposit = match deposit {
        StorageDeposit::Charge(b) => *b as i128,
        StorageDeposit::Refund(b) => -(*b as i128),
    };
    Cost {
        ref_time: gas.ref_time(),
        proof_size: gas.proof_size(),
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

// ---------------------------------------------------------------------------
// The same deployment on ink_e2e's node backend
// ---------------------------------------------------------------------------

/// Addresses of the contracts deployed by [`deploy_all`].
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub access_control: AccountId,
    pub patient_consent: AccountId,
    pub record_management: AccountId,
}

impl Deployment {
    pub fn ac(&self) -> <AccessControl as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<AccessControl>(self.access_control)
    }
    pub fn pc(&self) -> <PatientConsent as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<PatientConsent>(self.patient_consent)
    }
    pub fn rm(&self) -> <RecordManagement as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<RecordManagement>(self.record_management)
    }
}

/// Deploys the three contracts on an ink_e2e backend (Alice owns each, Bob
/// is the first admin) and wires them: patient-consent asks access-control;
/// record-management asks both; patient-consent hands approvals to
/// record-management.
pub async fn deploy_all<Client>(client: &mut Client) -> E2EResult<Deployment>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::Error: Debug,
{
    let alice = ink_e2e::alice();
    let mut ctor = AccessControlRef::new(cast::bob().account, [0xB0; 32]);
    let access_control = client
        .instantiate("access-control", &alice, &mut ctor)
        .submit()
        .await
        .map_err(|e| format!("instantiate access-control: {e:?}"))?
        .account_id;
    let mut ctor = PatientConsentRef::new(access_control);
    let patient_consent = client
        .instantiate("patient-consent", &alice, &mut ctor)
        .submit()
        .await
        .map_err(|e| format!("instantiate patient-consent: {e:?}"))?
        .account_id;
    let mut ctor = RecordManagementRef::new(patient_consent, access_control);
    let record_management = client
        .instantiate("record-management", &alice, &mut ctor)
        .submit()
        .await
        .map_err(|e| format!("instantiate record-management: {e:?}"))?
        .account_id;
    let d = Deployment {
        access_control,
        patient_consent,
        record_management,
    };
    let wire = d.pc().set_record_management(record_management);
    client
        .call(&alice, &wire)
        .submit()
        .await
        .map_err(|e| format!("wire: {e:?}"))?
        .return_value()
        .map_err(|e| format!("wire: Err({e:?})"))?;
    Ok(d)
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
