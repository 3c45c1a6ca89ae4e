//! The main job's scenario: deploys the release builds of the contracts into
//! the embedded sandbox chain (the real pallet-contracts runtime, in-process)
//! and walks a readable scenario, printing each step, its result and its gas.
//!
//! Run through `scripts/run.sh`, which release-builds the contracts first.

use access_control::{AccessControl, AccessControlRef};
use e2e_tests::{cost_of, release_wasm, CONTRACTS};
use ink::primitives::AccountId;
use ink_e2e::{AccountKeyring, ContractsBackend, DefaultSandbox, SandboxClient};
use medrec_types::{AccessControlApi, DataType, EmergencyReason, Role};
use std::process::ExitCode;

type Client = SandboxClient<AccountId, ink::primitives::Hash, DefaultSandbox>;
type Error = Box<dyn std::error::Error>;

/// Submits a call as `$caller`, prints the step, its result and its cost, and
/// evaluates to the message's return value.
macro_rules! step {
    ($client:expr, $label:expr, $caller:expr, $msg:expr) => {{
        let r = $client
            .call(&$caller, &$msg)
            .submit()
            .await
            .map_err(|e| format!("{}: {e:?}", $label))?;
        let cost = cost_of(&r);
        let value = r.return_value();
        println!("  {:<60} -> {:<34} {}", $label, format!("{:?}", value), cost);
        value
    }};
}

/// A read-only query (dry run only; nothing is written).
macro_rules! query {
    ($client:expr, $label:expr, $msg:expr) => {{
        let r = $client
            .call(&ink_e2e::alice(), &$msg)
            .dry_run()
            .await
            .map_err(|e| format!("{}: {e:?}", $label))?;
        let value = r.return_value();
        println!("  {:<60} -> {:?}", $label, value);
        value
    }};
}

fn id(k: AccountKeyring) -> AccountId {
    ink_e2e::account_id(k)
}

async fn run() -> Result<(), Error> {
    let mut wasm = Vec::new();
    for name in CONTRACTS {
        let path = release_wasm(name);
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e} (run scripts/build.sh first)", path.display()))?
            .len();
        println!("release build {:<22} {:>7} bytes  {}", name, size, path.display());
        wasm.push(path);
    }
    let mut client = Client::new(wasm);

    let (alice, bob, charlie, dave, eve) = (
        ink_e2e::alice(),
        ink_e2e::bob(),
        ink_e2e::charlie(),
        ink_e2e::dave(),
        ink_e2e::eve(),
    );
    let (bob_id, charlie_id, dave_id, eve_id, ferdie_id) = (
        id(AccountKeyring::Bob),
        id(AccountKeyring::Charlie),
        id(AccountKeyring::Dave),
        id(AccountKeyring::Eve),
        id(AccountKeyring::Ferdie),
    );
    // Hashes of off-chain documents (credentials, the emergency note).
    let creds = [0xC0u8; 32];
    let note = [0x0Eu8; 32];

    println!("\n== 1. Deploy access-control (owner: Alice)");
    let mut ctor = AccessControlRef::new();
    let deployed = client
        .instantiate("access-control", &alice, &mut ctor)
        .submit()
        .await
        .map_err(|e| format!("instantiate: {e:?}"))?;
    let consumed = deployed.dry_run.contract_result.gas_consumed;
    println!(
        "  instantiated at {:?}: ref_time {} proof_size {}",
        deployed.account_id,
        consumed.ref_time(),
        consumed.proof_size()
    );
    let mut ac = ink_e2e::create_call_builder::<AccessControl>(deployed.account_id);

    println!("\n== 2. Register providers (owner only) and verify them (admins)");
    step!(client, "Alice registers Bob as Admin", alice, ac.register_provider(bob_id, Role::Admin, creds));
    step!(client, "Alice verifies Bob (bootstraps the first admin)", alice, ac.verify_provider(bob_id));
    step!(client, "Alice registers Charlie as Doctor", alice, ac.register_provider(charlie_id, Role::Doctor, creds));
    step!(client, "Alice registers Dave as Nurse", alice, ac.register_provider(dave_id, Role::Nurse, creds));
    step!(client, "Alice registers Eve as Emergency", alice, ac.register_provider(eve_id, Role::Emergency, creds));
    step!(client, "DENIED: Dave (unverified nurse) verifies himself", dave, ac.verify_provider(dave_id));
    step!(client, "DENIED: Bob (admin, not owner) registers Ferdie", bob, ac.register_provider(ferdie_id, Role::Doctor, creds));
    step!(client, "Bob verifies Charlie", bob, ac.verify_provider(charlie_id));
    step!(client, "Bob verifies Dave", bob, ac.verify_provider(dave_id));
    step!(client, "Bob verifies Eve", bob, ac.verify_provider(eve_id));

    println!("\n== 3. The role x data-type matrix");
    query!(client, "Charlie (doctor) may see MentalHealth?", ac.check_access_permission(charlie_id, DataType::MentalHealth));
    query!(client, "Dave (nurse) may see LabResults?", ac.check_access_permission(dave_id, DataType::LabResults));
    query!(client, "Dave (nurse) may see Imaging?", ac.check_access_permission(dave_id, DataType::Imaging));
    query!(client, "Eve (emergency) may see Genetic?", ac.check_access_permission(eve_id, DataType::Genetic));

    println!("\n== 4. Break-glass: an emergency window on patient Ferdie");
    step!(client, "DENIED: Charlie (doctor) opens an emergency window", charlie,
        ac.activate_emergency_access(ferdie_id, EmergencyReason::LifeThreatening, note));
    step!(client, "Eve opens a window on Ferdie (PatientUnconscious)", eve,
        ac.activate_emergency_access(ferdie_id, EmergencyReason::PatientUnconscious, note));
    query!(client, "Eve holds emergency access to Ferdie?", ac.check_emergency_access(eve_id, ferdie_id));
    step!(client, "DENIED: Eve opens a second window on Ferdie", eve,
        ac.activate_emergency_access(ferdie_id, EmergencyReason::Other, note));
    step!(client, "Eve ends her window early", eve, ac.end_emergency_access(ferdie_id));
    query!(client, "Eve holds emergency access to Ferdie?", ac.check_emergency_access(eve_id, ferdie_id));

    println!("\n== 5. Deactivation and reactivation");
    step!(client, "Bob deactivates Dave", bob, ac.deactivate_provider(dave_id));
    query!(client, "Dave may see LabResults?", ac.check_access_permission(dave_id, DataType::LabResults));
    step!(client, "DENIED: Dave (nurse) reactivates himself", dave, ac.reactivate_provider(dave_id));
    step!(client, "Bob reactivates Dave", bob, ac.reactivate_provider(dave_id));
    query!(client, "Dave may see LabResults?", ac.check_access_permission(dave_id, DataType::LabResults));

    println!("\n== 6. Ferdie's access log (append-only, numbered from 0)");
    let log = query!(client, "access_log_len(Ferdie)", ac.access_log_len(ferdie_id));
    let entries = client
        .call(&alice, &ac.access_log(ferdie_id, 0, 50))
        .dry_run()
        .await
        .map_err(|e| format!("access_log: {e:?}"))?
        .return_value();
    for (i, e) in entries.iter().enumerate() {
        let who = if e.provider == eve_id { "Eve" } else { "?" };
        println!("  #{i}: {who} {:?} reason {:?} at {} ms", e.action, e.reason, e.at);
    }
    if entries.len() as u64 != log {
        return Err("access log length and entries disagree".into());
    }
    println!("\nscenario complete");
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match ink_e2e::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journey failed: {e}");
            ExitCode::FAILURE
        }
    }
}
