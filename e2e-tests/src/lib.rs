//! Shared pieces of the end-to-end harness: the list of contracts, the
//! `deploy_all` helper that wires them together on any ink_e2e backend, the
//! cast of the journeys, call helpers, and the cost figures (gas and storage
//! deposit) of a call.
//!
//! The journeys live in `tests/journeys/` (one test binary, one file per
//! journey); `src/bin/journey.rs` is the patient journey that `scripts/run.sh`
//! prints; `src/bin/build-contracts.rs` is the release bundler behind
//! `scripts/build.sh`.

pub mod clock;
pub mod direct;

pub use clock::{advance_time, set_time, ClockedSandbox};

use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::{CallBuilderFinal, CallResult, ContractsBackend, E2EBackend, Keypair};
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

/// One hour, one day, in milliseconds.
pub const HOUR: u64 = 60 * 60 * 1000;
pub const DAY: u64 = 24 * HOUR;

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
/// which ink_e2e's debug builds for the journeys overwrite; the bundler copies
/// the release files here so that nothing else can replace them.
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

/// Addresses of the deployed contracts, and what each instantiation cost.
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub access_control: AccountId,
    pub patient_consent: AccountId,
    pub record_management: AccountId,
    /// (contract, cost of its instantiation), in deployment order.
    pub instantiations: [(&'static str, Cost); 3],
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

/// Deploys the three contracts (Alice owns each) and wires them:
/// patient-consent asks access-control; record-management asks both.
pub async fn deploy_all<Client>(client: &mut Client) -> E2EResult<Deployment>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::Error: Debug,
{
    macro_rules! instantiate {
        ($name:expr, $ctor:expr) => {{
            let mut ctor = $ctor;
            let r = client
                .instantiate($name, &ink_e2e::alice(), &mut ctor)
                .submit()
                .await
                .map_err(|e| format!("instantiate {}: {e:?}", $name))?;
            let c = &r.dry_run.contract_result;
            (r.account_id, cost_from(c.gas_consumed, &c.storage_deposit))
        }};
    }
    let (access_control, ac_cost) = instantiate!("access-control", AccessControlRef::new());
    let (patient_consent, pc_cost) =
        instantiate!("patient-consent", PatientConsentRef::new(access_control));
    let (record_management, rm_cost) = instantiate!(
        "record-management",
        RecordManagementRef::new(patient_consent, access_control)
    );
    Ok(Deployment {
        access_control,
        patient_consent,
        record_management,
        instantiations: [
            ("access-control", ac_cost),
            ("patient-consent", pc_cost),
            ("record-management", rm_cost),
        ],
    })
}

/// Submits `msg` as `caller` and returns the message's return value and the
/// call's cost. A message that returns `Err` is reverted by the chain (state
/// unchanged) and its `Err` comes back here.
pub async fn submit<Client, Args, R>(
    client: &mut Client,
    caller: &Keypair,
    msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
) -> E2EResult<(R, Cost)>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::Error: Debug,
    Args: Sync + Encode + Clone,
    R: Send + Decode,
    CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
{
    let result = client
        .call(caller, msg)
        .submit()
        .await
        .map_err(|e| format!("call failed: {e:?}"))?;
    let cost = cost_of(&result);
    Ok((result.return_value(), cost))
}

/// Dry-runs `msg` (as Alice; queries need no particular caller) and returns
/// its return value. Nothing is written.
pub async fn query<Client, Args, R>(
    client: &mut Client,
    msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
) -> E2EResult<R>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::Error: Debug,
    Args: Sync + Encode + Clone,
    R: Send + Decode,
    CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
{
    let result = client
        .call(&ink_e2e::alice(), msg)
        .dry_run()
        .await
        .map_err(|e| format!("dry run failed: {e:?}"))?;
    Ok(result.return_value())
}

/// The cast of the journeys. Alice owns the contracts; Bob is an admin;
/// Charlie a doctor; Dave a nurse; Eve an emergency physician; Ferdie the
/// patient; `two` his guardian (a delegate); `one` a technician.
pub struct Cast;

impl Cast {
    pub fn id(k: ink_e2e::AccountKeyring) -> AccountId {
        ink_e2e::account_id(k)
    }
    pub fn bob() -> AccountId {
        Self::id(ink_e2e::AccountKeyring::Bob)
    }
    pub fn charlie() -> AccountId {
        Self::id(ink_e2e::AccountKeyring::Charlie)
    }
    pub fn dave() -> AccountId {
        Self::id(ink_e2e::AccountKeyring::Dave)
    }
    pub fn eve() -> AccountId {
        Self::id(ink_e2e::AccountKeyring::Eve)
    }
    pub fn ferdie() -> AccountId {
        Self::id(ink_e2e::AccountKeyring::Ferdie)
    }
    pub fn one() -> AccountId {
        Self::id(ink_e2e::AccountKeyring::One)
    }
    pub fn two() -> AccountId {
        Self::id(ink_e2e::AccountKeyring::Two)
    }
}

/// Registers and verifies the providers of the cast (Bob admin, Charlie
/// doctor, Dave nurse, Eve emergency, `one` technician) and registers Ferdie
/// as a patient.
pub async fn register_cast<Client>(client: &mut Client, d: &Deployment) -> E2EResult<()>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::Error: Debug,
{
    use medrec_types::Role;
    let mut ac = d.ac();
    let alice = ink_e2e::alice();
    let creds = [0xC0; 32];
    let providers = [
        (Cast::bob(), Role::Admin),
        (Cast::charlie(), Role::Doctor),
        (Cast::dave(), Role::Nurse),
        (Cast::eve(), Role::Emergency),
        (Cast::one(), Role::Technician),
    ];
    for (who, role) in providers {
        expect_ok(
            submit(client, &alice, &ac.register_provider(who, role, creds))
                .await?
                .0,
        )?;
        expect_ok(submit(client, &alice, &ac.verify_provider(who)).await?.0)?;
    }
    let mut pc = d.pc();
    expect_ok(
        submit(client, &ink_e2e::ferdie(), &pc.register_patient())
            .await?
            .0,
    )?;
    Ok(())
}

/// A sample record as the vault would describe it: the SHA-256 of some
/// ciphertext and its content-addressed locator. `n` makes each one unique.
pub fn sample_record(n: u8) -> ([u8; 32], Vec<u8>) {
    use sha2::Digest;
    let ciphertext: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(31) ^ n).collect();
    let hash: [u8; 32] = sha2::Sha256::digest(&ciphertext).into();
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    (hash, format!("vault://sha256/{hex}").into_bytes())
}

/// Ferdie consents to `provider` for `data_type` (30 days, Treatment) and
/// gives it `level` on `record_type`, without expiry or quota.
pub async fn consent_and_permit<Client>(
    client: &mut Client,
    d: &Deployment,
    provider: AccountId,
    data_type: medrec_types::DataType,
    record_type: medrec_types::RecordType,
    level: medrec_types::AccessLevel,
) -> E2EResult<()>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::Error: Debug,
{
    let ferdie = ink_e2e::ferdie();
    let mut pc = d.pc();
    let mut rm = d.rm();
    let msg = pc.grant_consent(
        provider,
        data_type,
        30 * DAY,
        medrec_types::Purpose::Treatment,
    );
    expect_ok(submit(client, &ferdie, &msg).await?.0)?;
    let msg = rm.grant_permission(Cast::ferdie(), provider, record_type, level, None, None);
    expect_ok(submit(client, &ferdie, &msg).await?.0)?;
    Ok(())
}

/// `creator` creates Ferdie's record `n` of `record_type`; returns its id.
pub async fn create_sample<Client>(
    client: &mut Client,
    d: &Deployment,
    creator: &Keypair,
    record_type: medrec_types::RecordType,
    n: u8,
) -> E2EResult<Result<u64, record_management::Error>>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::Error: Debug,
{
    let (hash, locator) = sample_record(n);
    let mut rm = d.rm();
    let msg = rm.create_record(
        Cast::ferdie(),
        record_type,
        hash,
        locator,
        [n; 32],
        64,
        0,
        record_management::Confidentiality::Normal,
    );
    Ok(submit(client, creator, &msg).await?.0)
}

/// Turns a message's `Err` into a test failure that names it.
pub fn expect_ok<T, E: Debug>(r: Result<T, E>) -> E2EResult<T> {
    r.map_err(|e| format!("expected Ok, got Err({e:?})").into())
}

/// SHA-256 of the SCALE encoding of a value: how the audit chain links
/// entries, recomputed off-chain.
pub fn sha256_encoded<T: Encode>(value: &T) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(value.encode()).into()
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
pub fn cost_of<V, EventLog>(result: &CallResult<DefaultEnvironment, V, EventLog>) -> Cost {
    let exec = &result.dry_run.exec_result;
    cost_from(exec.gas_consumed, &exec.storage_deposit)
}

/// A [`Cost`] from a dry run's gas and storage deposit (calls, queries and
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
