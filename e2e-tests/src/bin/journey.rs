//! The main job's scenario: deploys the release builds of the three contracts
//! into the embedded sandbox chain (the real pallet-contracts runtime,
//! in-process) and walks a patient journey, printing each step, its result
//! and its cost (ref_time, proof_size, storage deposit).
//!
//! Run through `scripts/run.sh`, which release-builds the contracts first.

use e2e_tests::{
    advance_time, cost_of, deploy_all, group, query, release_wasm, sample_record, set_time,
    sha256_encoded, ClockedSandbox, CONTRACTS, DAY, HOUR,
};
use ink::primitives::AccountId;
use ink_e2e::{AccountKeyring, ContractsBackend, SandboxClient};
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType, Role};
use record_management::Confidentiality;
use std::process::ExitCode;

type Client = SandboxClient<AccountId, ink::primitives::Hash, ClockedSandbox>;
type Error = Box<dyn std::error::Error>;

/// 2026-11-23T00:00:00Z, so the printed times are the same on every run.
const START_MS: u64 = 1_795_392_000_000;

/// Submits a call, prints the step, its result and its cost, and evaluates to
/// the message's return value.
macro_rules! step {
    ($client:expr, $label:expr, $caller:expr, $msg:expr) => {{
        let r = $client
            .call(&$caller, &$msg)
            .submit()
            .await
            .map_err(|e| format!("{}: {e:?}", $label))?;
        let cost = cost_of(&r);
        let value = r.return_value();
        let shown = format!("{:?}", value);
        let shown = if shown.len() > 30 {
            format!("{}...", &shown[..27])
        } else {
            shown
        };
        println!("  {:<54} -> {:<30} {}", $label, shown, cost);
        value
    }};
}

/// A step that must succeed: its `Err` ends the journey.
macro_rules! ok {
    ($client:expr, $label:expr, $caller:expr, $msg:expr) => {{
        step!($client, $label, $caller, $msg).map_err(|e| format!("{}: {e:?}", $label))?
    }};
}

/// A step that must be refused with exactly `$err`.
macro_rules! denied {
    ($client:expr, $label:expr, $caller:expr, $msg:expr, $err:expr) => {{
        match step!($client, $label, $caller, $msg) {
            Err(e) if e == $err => {}
            other => {
                return Err(format!("{}: expected Err({:?}), got {other:?}", $label, $err).into())
            }
        }
    }};
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn id(k: AccountKeyring) -> AccountId {
    ink_e2e::account_id(k)
}

fn name_of(who: &AccountId) -> &'static str {
    use AccountKeyring::*;
    for (k, n) in [
        (Alice, "Alice (owner)"),
        (Bob, "Bob (admin)"),
        (Charlie, "Dr Charlie"),
        (Dave, "Nurse Dave"),
        (Eve, "Eve (ER)"),
        (Ferdie, "Ferdie (patient)"),
    ] {
        if *who == id(k) {
            return n;
        }
    }
    "?"
}

async fn run() -> Result<(), Error> {
    println!("== 0. Release builds");
    let mut wasm = Vec::new();
    for name in CONTRACTS {
        let path = release_wasm(name);
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e} (run scripts/build.sh first)", path.display()))?
            .len();
        println!(
            "  {:<22} {:>7} bytes  {}",
            name,
            group(size as i128),
            path.display()
        );
        wasm.push(path);
    }
    set_time(START_MS);
    let mut client = Client::new(wasm);
    let (alice, bob, charlie, dave, eve, ferdie) = (
        ink_e2e::alice(),
        ink_e2e::bob(),
        ink_e2e::charlie(),
        ink_e2e::dave(),
        ink_e2e::eve(),
        ink_e2e::ferdie(),
    );
    let (bob_id, charlie_id, dave_id, eve_id, ferdie_id) = (
        id(AccountKeyring::Bob),
        id(AccountKeyring::Charlie),
        id(AccountKeyring::Dave),
        id(AccountKeyring::Eve),
        id(AccountKeyring::Ferdie),
    );

    println!("\n== 1. Deploy the three contracts (owner: Alice) and wire them");
    let deployment = deploy_all(&mut client).await?;
    for (name, cost) in &deployment.instantiations {
        println!(
            "  instantiate {:<18} ref_time {:>13}  proof_size {:>7}",
            name,
            group(cost.ref_time as i128),
            group(cost.proof_size as i128)
        );
    }
    let (mut ac, mut pc, mut rm) = (deployment.ac(), deployment.pc(), deployment.rm());

    println!("\n== 2. Providers: the owner registers, an admin verifies");
    let creds = [0xC0u8; 32]; // SHA-256 of the off-chain credentials document
    ok!(
        client,
        "Alice registers Bob as Admin",
        alice,
        ac.register_provider(bob_id, Role::Admin, creds)
    );
    ok!(
        client,
        "Alice verifies Bob (the first admin)",
        alice,
        ac.verify_provider(bob_id)
    );
    ok!(
        client,
        "Alice registers Dr Charlie as Doctor",
        alice,
        ac.register_provider(charlie_id, Role::Doctor, creds)
    );
    ok!(
        client,
        "Alice registers Nurse Dave as Nurse",
        alice,
        ac.register_provider(dave_id, Role::Nurse, creds)
    );
    ok!(
        client,
        "Alice registers Eve as Emergency",
        alice,
        ac.register_provider(eve_id, Role::Emergency, creds)
    );
    ok!(
        client,
        "Bob verifies Dr Charlie",
        bob,
        ac.verify_provider(charlie_id)
    );
    ok!(
        client,
        "Bob verifies Nurse Dave",
        bob,
        ac.verify_provider(dave_id)
    );
    ok!(client, "Bob verifies Eve", bob, ac.verify_provider(eve_id));

    println!("\n== 3. Ferdie registers; Dr Charlie asks for consent; Ferdie approves");
    ok!(
        client,
        "Ferdie registers as a patient",
        ferdie,
        pc.register_patient()
    );
    let request = ok!(
        client,
        "Dr Charlie requests MedicalRecords (TREAT)",
        charlie,
        pc.request_access(ferdie_id, DataType::MedicalRecords, Purpose::Treatment)
    );
    ok!(
        client,
        "Ferdie approves the request for 30 days",
        ferdie,
        pc.approve_access_request(request, 30 * DAY)
    );
    ok!(
        client,
        "Ferdie gives Dr Charlie Write on Diagnosis",
        ferdie,
        rm.grant_permission(
            ferdie_id,
            charlie_id,
            RecordType::Diagnosis,
            AccessLevel::Write,
            Some(30 * DAY),
            None
        )
    );

    println!("\n== 4. A record: sealed off-chain; only its hash and locator go on-chain");
    let work = tempfile::tempdir()?;
    let store = medvault::Store::open(work.path().join("vault-store"))?;
    let fixture = e2e_tests::workspace_root().join("e2e-tests/fixtures/discharge-summary.txt");
    let sealed = store.seal_file(&fixture, medvault::DEFAULT_CHUNK, |_| {})?;
    println!(
        "  medvault seal {} -> {}",
        fixture.display(),
        sealed.to_json()
    );
    let charlie_secret_path = work.path().join("charlie.key");
    let charlie_public = medvault::keygen(&charlie_secret_path)?;
    println!(
        "  Dr Charlie's X25519 public key {}",
        hex_of(charlie_public.as_bytes())
    );
    let wrapped = store.wrap_key(&sealed.key_id, &charlie_public)?;
    let key_id = medvault::parse_hash(&sealed.key_id)?;
    advance_time(HOUR);
    let record = ok!(
        client,
        "Dr Charlie creates Ferdie's diagnosis record",
        charlie,
        rm.create_record(
            ferdie_id,
            RecordType::Diagnosis,
            sealed.data_hash,
            sealed.locator.clone().into_bytes(),
            key_id,
            sealed.size,
            0,
            Confidentiality::Restricted
        )
    );
    ok!(
        client,
        "Ferdie shares the data key wrapped for Charlie",
        ferdie,
        rm.share_key(ferdie_id, record, charlie_id, wrapped)
    );
    let view = ok!(
        client,
        "Dr Charlie reads the record (TREAT)",
        charlie,
        rm.get_record(ferdie_id, record, Purpose::Treatment)
    );
    let locator = String::from_utf8(view.meta.locator.clone())?;
    let wrapped = view
        .wrapped_key
        .clone()
        .ok_or("no wrapped key for Dr Charlie")?;
    let opened = work.path().join("opened.txt");
    let secret = medvault::read_secret_key(&charlie_secret_path)?;
    let size = store.open_to_file(&locator, &view.meta.data_hash, &wrapped, &secret, &opened)?;
    if std::fs::read(&opened)? != std::fs::read(&fixture)? {
        return Err("the decrypted record differs from the original".into());
    }
    println!(
        "  -> Dr Charlie opened {locator}: hash matches the chain, {size} bytes decrypted, identical to the original"
    );

    println!("\n== 5. Denied and emergency access");
    denied!(
        client,
        "Nurse Dave reads it (no consent)",
        dave,
        rm.get_record(ferdie_id, record, Purpose::Treatment),
        record_management::Error::ConsentRequired
    );
    ok!(
        client,
        "Eve opens an emergency window (unconscious)",
        eve,
        ac.activate_emergency_access(ferdie_id, EmergencyReason::PatientUnconscious, [0x0E; 32])
    );
    let view = ok!(
        client,
        "Eve reads it under the window (ETREAT)",
        eve,
        rm.get_record(ferdie_id, record, Purpose::EmergencyTreatment)
    );
    println!("  -> emergency read: {}", view.emergency);
    let (h2, l2) = sample_record(2);
    denied!(
        client,
        "Eve tries to update it (windows are read-only)",
        eve,
        rm.update_record(ferdie_id, record, h2, l2, [0x4C; 32], 64),
        record_management::Error::EmergencyAccessReadOnly
    );
    ok!(
        client,
        "Eve ends her window",
        eve,
        ac.end_emergency_access(ferdie_id)
    );

    println!("\n== 6. Ferdie revokes");
    ok!(
        client,
        "Ferdie revokes Dr Charlie's permission",
        ferdie,
        rm.revoke_permission(ferdie_id, charlie_id, RecordType::Diagnosis)
    );
    denied!(
        client,
        "Dr Charlie reads again",
        charlie,
        rm.get_record(ferdie_id, record, Purpose::Treatment),
        record_management::Error::NoPermission
    );
    ok!(
        client,
        "Ferdie revokes Dr Charlie's consent",
        ferdie,
        pc.revoke_consent(charlie_id, DataType::MedicalRecords)
    );

    println!("\n== 7. Ferdie's audit trail (hash-chained) and consent history");
    let head = query(&mut client, &rm.audit_head(ferdie_id)).await?;
    let trail = query(&mut client, &rm.audit_trail(ferdie_id, 0, 50)).await?;
    let mut prev = [0u8; 32];
    for (i, e) in trail.iter().enumerate() {
        if e.prev_hash != prev {
            return Err(format!("audit chain broken at entry {i}").into());
        }
        prev = sha256_encoded(e);
        println!(
            "  #{i:<2} {:<18} {:<18} record {:<4} purpose {:<20} +{} min",
            name_of(&e.actor),
            format!("{:?}", e.action),
            e.record_id.map_or("-".into(), |r| r.to_string()),
            e.purpose.map_or("-".into(), |p| format!("{p:?}")),
            e.at.saturating_sub(START_MS) / 60_000
        );
    }
    if head.head != prev || head.len != trail.len() as u64 {
        return Err("audit head does not match the recomputed chain".into());
    }
    println!(
        "  chain verified off-chain: {} entries, head {}",
        head.len,
        head.head
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let history = query(&mut client, &pc.history(ferdie_id, 0, 50)).await?;
    for (i, h) in history.iter().enumerate() {
        println!(
            "  consent #{i}: {:<16} by {:<18} for {}",
            format!("{:?}", h.action),
            name_of(&h.actor),
            name_of(&h.subject)
        );
    }
    let emergency = query(&mut client, &ac.access_log(ferdie_id, 0, 50)).await?;
    for (i, e) in emergency.iter().enumerate() {
        println!(
            "  access-control log #{i}: {} {:?} ({:?})",
            name_of(&e.provider),
            e.action,
            e.reason
        );
    }
    println!("\njourney complete");
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
