//! The main job's scenario: deploys the release builds of the three contracts
//! into the embedded sandbox chain (the real pallet-contracts runtime,
//! in-process) and walks a patient journey, printing each step, its result,
//! its events and its cost (ref_time, proof_size, storage deposit).
//!
//! The record's bytes are sealed with medvault and never reach the chain;
//! its data key is released to a reader only against a read the chain
//! recorded (the audit entry the `get_record` transaction returned): the
//! rule the key-release gateway enforces.
//!
//! Run through `scripts/run.sh`, which release-builds the contracts first.

use e2e_tests::gateway::{sign, Harness};
use e2e_tests::{
    audit_entry_hash, cast, group, hex, release_wasm, sample_record, Actor, Session, CONTRACTS,
    DAY, HOUR, T0,
};
use ink::env::DefaultEnvironment;
use ink::scale::{Decode, Encode};
use ink_e2e::CallBuilderFinal;
use medrec_types::{
    AccessLevel, DataType, EmergencyReason, Purpose, RecordType, ReviewOutcome, Role,
};
use record_management::Confidentiality;
use sha2::{Digest, Sha256};
use std::process::ExitCode;

type Error = Box<dyn std::error::Error>;

fn short(value: &str) -> String {
    if value.len() > 34 {
        format!("{}...", &value[..31])
    } else {
        value.to_string()
    }
}

/// Sends a call, prints the step, its result, events and cost, and returns
/// the message's value.
fn step<Args, T, E>(
    s: &mut Session,
    label: &str,
    who: &Actor,
    msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
) -> Result<Result<T, E>, Error>
where
    Args: Encode + Clone,
    T: Decode + std::fmt::Debug,
    E: Decode + std::fmt::Debug,
    CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
{
    let call = s.call(who, msg)?;
    println!(
        "  {:<50} -> {:<34} {}",
        label,
        short(&format!("{:?}", call.value)),
        call.cost
    );
    if !call.events.is_empty() {
        println!("  {:<50}    events: {}", "", call.names().join(", "));
    }
    Ok(call.value)
}

fn ok<Args, T, E>(
    s: &mut Session,
    label: &str,
    who: &Actor,
    msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
) -> Result<T, Error>
where
    Args: Encode + Clone,
    T: Decode + std::fmt::Debug,
    E: Decode + std::fmt::Debug,
    CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
{
    step(s, label, who, msg)?.map_err(|e| format!("{label}: {e:?}").into())
}

/// Prints a gateway answer; an unexpected status is an error.
fn gateway_step(
    label: &str,
    status: u16,
    body: &serde_json::Value,
    want: u16,
) -> Result<(), Error> {
    let shown = match body.get("error") {
        Some(code) => format!("{status} {}", code.as_str().unwrap_or_default()),
        None => format!("{status} OK"),
    };
    println!("  {label:<50} -> {shown}");
    if status != want {
        return Err(format!("{label}: expected {want}, got {status} {body}").into());
    }
    Ok(())
}

fn s_advance(h: &Harness, ms: u64) -> Result<(), Error> {
    h.with(|s| s.advance(ms))
}

fn hex_decode(s: &str) -> Result<Vec<u8>, Error> {
    Ok(::hex::decode(s)?)
}

fn denied<Args, T, E>(
    s: &mut Session,
    label: &str,
    who: &Actor,
    msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
    expected: E,
) -> Result<(), Error>
where
    Args: Encode + Clone,
    T: Decode + std::fmt::Debug,
    E: Decode + std::fmt::Debug + PartialEq,
    CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
{
    match step(s, label, who, msg)? {
        Err(e) if e == expected => Ok(()),
        other => Err(format!("{label}: expected Err({expected:?}), got {other:?}").into()),
    }
}

fn run() -> Result<(), Error> {
    println!("== 0. Release builds");
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
    }

    println!("\n== 1. Deploy (owner Alice, first admin Bob) and wire the three contracts");
    let mut s = Session::new()?;
    let (alice, bob, charlie, dave, eve, ferdie, two) = (
        cast::alice(),
        cast::bob(),
        cast::charlie(),
        cast::dave(),
        cast::eve(),
        cast::ferdie(),
        cast::two(),
    );
    let (mut ac, mut pc, mut rm) = (s.ac(), s.pc(), s.rm());
    println!(
        "  access-control {}  patient-consent {}  record-management {}",
        short(&hex(s.ac.as_ref())),
        short(&hex(s.pc.as_ref())),
        short(&hex(s.rm.as_ref()))
    );

    println!("\n== 2. Providers: the owner registers, the admin verifies");
    let creds = [0xC0u8; 32]; // salted SHA-256 of the off-chain credentials
    for (who, role) in [
        (&charlie, Role::Doctor),
        (&dave, Role::Nurse),
        (&eve, Role::Emergency),
    ] {
        ok(
            &mut s,
            &format!("Alice registers {} as {role:?}", who.name),
            &alice,
            &ac.register_provider(who.account, role, creds),
        )?;
        ok(
            &mut s,
            &format!("Bob verifies {}", who.name),
            &bob,
            &ac.verify_provider(who.account),
        )?;
    }

    println!("\n== 3. Ferdie registers; Dr Charlie asks; Ferdie approves consent and permission in one step");
    ok(
        &mut s,
        "Ferdie registers as a patient",
        &ferdie,
        &pc.register_patient(),
    )?;
    ok(
        &mut s,
        "Ferdie names Two his guardian for a year",
        &ferdie,
        &pc.add_delegate(
            two.account,
            patient_consent::DelegateKind::Guardian,
            365 * DAY,
        ),
    )?;
    let request = ok(
        &mut s,
        "Charlie requests MedicalRecords for TREAT",
        &charlie,
        &pc.request_access(ferdie.account, DataType::MedicalRecords, Purpose::Treatment),
    )?;
    ok(
        &mut s,
        "Ferdie approves: 30 days, Write on Diagnosis",
        &ferdie,
        &pc.approve_access_request(
            request,
            30 * DAY,
            vec![RecordType::Diagnosis],
            AccessLevel::Write,
        ),
    )?;

    println!("\n== 4. A record: sealed off-chain and stored at the key-release gateway; only its hash and key id go on-chain");
    let h = Harness::start(s, Harness::settings())?;
    println!(
        "  medrec-gateway serving at {} (in-process, reading this sandbox chain)",
        h.url
    );
    let fixture = e2e_tests::workspace_root().join("e2e-tests/fixtures/discharge-summary.txt");
    let plaintext = std::fs::read(&fixture)?;
    let mut sealer = medvault_core::Sealer::new(medvault_core::DEFAULT_CHUNK)?;
    let mut ciphertext = Vec::new();
    sealer.push(&plaintext, &mut ciphertext)?;
    let sealed = sealer.finish(&mut ciphertext)?;
    let data_hash: [u8; 32] = Sha256::digest(&ciphertext).into();
    let key_id = medrec_gateway::keys::key_id(&sealed.key);
    println!(
        "  medvault seal {} ({} bytes) -> {} bytes, sha256 {}",
        fixture.display(),
        plaintext.len(),
        ciphertext.len(),
        short(&hex(&data_hash))
    );
    let kc = ink_e2e::charlie();
    let path = format!("/v1/objects/{}", hex(&data_hash));
    let (status, body) = h.send_json(&sign(&kc, "PUT", &path, ciphertext.clone()))?;
    gateway_step("Charlie uploads the ciphertext", status, &body, 201)?;
    let (status, info) = h.get("/v1/info")?;
    let info: serde_json::Value = serde_json::from_str(&info)?;
    let gateway_key = info["x25519_public_key"]
        .as_str()
        .and_then(medrec_gateway::parse_hex32)
        .ok_or(format!("GET /v1/info: {status}"))?;
    let sealed_key =
        medvault_core::wrap_key(&sealed.key, &medvault_core::PublicKey::from(gateway_key))?;
    let deposit = serde_json::json!({"data_hash": hex(&data_hash), "sealed_key": hex(&sealed_key)});
    let (status, body) = h.send_json(&sign(
        &kc,
        "POST",
        "/v1/keys",
        deposit.to_string().into_bytes(),
    ))?;
    gateway_step(
        "Charlie deposits the data key, sealed to the gateway",
        status,
        &body,
        200,
    )?;
    s_advance(&h, HOUR)?;
    let record = h.with(|s| {
        ok(
            s,
            "Charlie creates Ferdie's diagnosis record",
            &charlie,
            &rm.create_record(
                ferdie.account,
                RecordType::Diagnosis,
                data_hash,
                key_id,
                ciphertext.len() as u64,
                0,
                Confidentiality::Restricted,
                Purpose::Treatment,
            ),
        )
    })??;
    let bind = format!("/v1/records/{}/{record}/bind", hex(ferdie.account.as_ref()));
    let (status, body) = h.send_json(&sign(&kc, "POST", &bind, Vec::new()))?;
    gateway_step(
        "the gateway binds the key to the record (key id checked on-chain)",
        status,
        &body,
        200,
    )?;
    let view = h.with(|s| {
        ok(
            s,
            "Charlie reads it (a recorded read, TREAT)",
            &charlie,
            &rm.get_record(ferdie.account, record, Purpose::Treatment),
        )
    })??;

    println!("\n== 5. The gateway releases the data key only against the recorded read");
    let mine = medvault_core::generate_secret_key();
    let release = serde_json::json!({
        "patient": hex(ferdie.account.as_ref()),
        "record_id": record,
        "audit_index": view.audit_index,
        "wrap_to": hex(mine.public_key().as_bytes()),
    })
    .to_string()
    .into_bytes();
    let (status, body) = h.send_json(&sign(&kc, "POST", "/v1/release", release.clone()))?;
    gateway_step(
        &format!(
            "Charlie asks for the key with audit entry #{}",
            view.audit_index
        ),
        status,
        &body,
        200,
    )?;
    let wrapped = hex_decode(body["wrapped_key"].as_str().unwrap_or_default())?;
    let key = medvault_core::unwrap_key(&wrapped, &mine)?;
    let fetch = format!(
        "/v1/records/{}/{record}/ciphertext?audit_index={}",
        hex(ferdie.account.as_ref()),
        view.audit_index
    );
    let (status, bytes) = h.send(&sign(&kc, "GET", &fetch, Vec::new()))?;
    let fetched_hash: [u8; 32] = Sha256::digest(&bytes).into();
    if status != 200 || fetched_hash != view.meta.data_hash {
        return Err(format!("fetch: {status}, hash {}", hex(&fetched_hash)).into());
    }
    let mut opener = medvault_core::Opener::new(&key);
    let mut opened = Vec::new();
    opener.push(&bytes, &mut opened)?;
    opener.finish(&mut opened)?;
    if opened != plaintext {
        return Err("the decrypted record differs from the original".into());
    }
    println!(
        "  {:<50} -> {} bytes, sha256 matches the chain, decrypted: identical to the original",
        "Charlie fetches the ciphertext against the same read",
        bytes.len()
    );
    let (status, body) = h.send_json(&sign(&kc, "POST", "/v1/release", release))?;
    gateway_step("Charlie asks again with the same read", status, &body, 409)?;
    let dave_tries = sign(&ink_e2e::dave(), "POST", "/v1/release", {
        serde_json::json!({
            "patient": hex(ferdie.account.as_ref()),
            "record_id": record,
            "audit_index": view.audit_index,
            "wrap_to": hex(mine.public_key().as_bytes()),
        })
        .to_string()
        .into_bytes()
    });
    let (status, body) = h.send_json(&dave_tries)?;
    gateway_step("Dave presents Charlie's read", status, &body, 403)?;
    let verified = medrec_gateway::log::verify(&h.log_path())?;
    println!(
        "  the gateway's own log: {} entries, hash chain verified, head {}",
        verified.entries,
        short(&hex(&verified.head))
    );
    let mut s = h.into_session()?;

    println!("\n== 6. Denied, emergency and patient-controlled access");
    denied(
        &mut s,
        "Dave reads it (no consent)",
        &dave,
        &rm.get_record(ferdie.account, record, Purpose::Treatment),
        record_management::Error::ConsentRequired,
    )?;
    denied(
        &mut s,
        "Charlie reads it for research (not consented)",
        &charlie,
        &rm.get_record(ferdie.account, record, Purpose::Research),
        record_management::Error::PurposeNotConsented,
    )?;
    let (window, _) = ok(
        &mut s,
        "Eve opens an emergency window (unconscious)",
        &eve,
        &ac.activate_emergency_access(
            ferdie.account,
            EmergencyReason::PatientUnconscious,
            [0x0E; 32],
        ),
    )?;
    let view = ok(
        &mut s,
        "Eve reads it under the window (ETREAT)",
        &eve,
        &rm.get_record(ferdie.account, record, Purpose::EmergencyTreatment),
    )?;
    println!(
        "  -> allowed as {:?}; audit entry #{} records the emergency read",
        view.access, view.audit_index
    );
    let (h2, k2) = sample_record(2);
    denied(
        &mut s,
        "Eve tries to update it (windows are read-only)",
        &eve,
        &rm.update_record(
            ferdie.account,
            record,
            h2,
            k2,
            64,
            Purpose::EmergencyTreatment,
        ),
        record_management::Error::EmergencyAccessReadOnly,
    )?;
    ok(
        &mut s,
        "Eve ends her window",
        &eve,
        &ac.end_emergency_access(ferdie.account),
    )?;
    ok(
        &mut s,
        "Bob reviews the window: justified",
        &bob,
        &ac.review_emergency_access(window, ReviewOutcome::Justified, [0x0F; 32]),
    )?;
    ok(
        &mut s,
        "Ferdie locks the record",
        &ferdie,
        &rm.lock_record(ferdie.account, record, Purpose::PatientRequest),
    )?;
    denied(
        &mut s,
        "Charlie reads the locked record",
        &charlie,
        &rm.get_record(ferdie.account, record, Purpose::Treatment),
        record_management::Error::RecordLocked,
    )?;
    ok(
        &mut s,
        "Ferdie still reads it",
        &ferdie,
        &rm.get_record(ferdie.account, record, Purpose::PatientRequest),
    )?;
    ok(
        &mut s,
        "Ferdie unlocks it",
        &ferdie,
        &rm.unlock_record(ferdie.account, record, Purpose::PatientRequest),
    )?;

    println!("\n== 7. Ferdie revokes");
    ok(
        &mut s,
        "Ferdie revokes Charlie's permission",
        &ferdie,
        &rm.revoke_permission(ferdie.account, charlie.account, RecordType::Diagnosis),
    )?;
    denied(
        &mut s,
        "Charlie reads again",
        &charlie,
        &rm.get_record(ferdie.account, record, Purpose::Treatment),
        record_management::Error::NoPermission,
    )?;
    ok(
        &mut s,
        "Two (guardian) revokes Charlie's consent",
        &two,
        &pc.revoke_consent(ferdie.account, charlie.account, DataType::MedicalRecords),
    )?;

    println!("\n== 8. Ferdie's audit trail, verified off-chain, and his consent history");
    let head = s.query(&rm.audit_head(ferdie.account))?;
    let trail = s.query(&rm.audit_trail(ferdie.account, 0, 50))?;
    let mut prev = [0u8; 32];
    let name = |a| {
        [&alice, &bob, &charlie, &dave, &eve, &ferdie, &two]
            .into_iter()
            .find(|x| x.account == a)
            .map_or("?", |x| x.name)
    };
    for (i, e) in trail.iter().enumerate() {
        if e.prev_hash != prev {
            return Err(format!("audit chain broken at entry {i}").into());
        }
        prev = audit_entry_hash(s.rm, ferdie.account, i as u64, e);
        println!(
            "  #{i:<2} {:<8} {:<18} record {:<3} for {:<8} purpose {:<18} +{} min",
            name(e.actor),
            format!("{:?}", e.action),
            e.record_id.map_or("-".into(), |r| r.to_string()),
            e.subject.map_or("-", name),
            e.purpose.map_or("-".into(), |p| format!("{p:?}")),
            e.at.saturating_sub(T0) / 60_000
        );
    }
    if head.head != prev || head.len != trail.len() as u64 {
        return Err("audit head does not match the recomputed chain".into());
    }
    println!(
        "  chain verified: {} entries, head {}",
        head.len,
        &hex(&head.head)[..16]
    );
    for (i, h) in s
        .query(&pc.history(ferdie.account, 0, 50))?
        .iter()
        .enumerate()
    {
        println!(
            "  consent #{i}: {:<28} by {:<8} about {}",
            format!("{:?}", h.action),
            name(h.actor),
            name(h.subject)
        );
    }
    for w in s.query(&ac.patient_emergency_windows(ferdie.account, 0, 50))? {
        println!(
            "  emergency window #{}: {} {:?}, {:?}, review {:?}",
            w.id,
            name(w.window.provider),
            w.window.reason,
            w.state,
            w.window.review.map(|r| r.outcome)
        );
    }
    println!("\njourney complete");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journey failed: {e}");
            ExitCode::FAILURE
        }
    }
}
