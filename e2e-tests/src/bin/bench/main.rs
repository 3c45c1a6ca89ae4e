//! Cost of every public message of the three contracts, measured on the
//! release builds in the sandbox runtime, written as a Markdown table.
//!
//! Gas (ref_time, proof_size) and storage deposit are deterministic for a
//! given runtime and code, so the figures are the same on any machine.
//!
//! Then: the same messages after 1 and after 10,000 prior items of history
//! (`scaling`), our busiest messages against a PSP22 transfer and our record's
//! bytes against the original design's (`reference`).
//!
//! Usage (through `scripts/bench.sh`, which release-builds first):
//!   bench [OUTPUT.md] [--prior N]   the whole report (default docs/benchmarks.md,
//!                                   N = 10000)
//!   bench --scaling-check N         only the scaling run with N prior items;
//!                                   fails if a ratio passes 1.02 (scripts/test.sh)
//!
//! Exits non-zero when a scaling ratio passes its goal.

mod reference;
mod scaling;

use e2e_tests::{
    advance_time, cost_from, cost_of, deploy_all, group, release_wasm, sample_record, set_time,
    AccessControl, ClockedSandbox, Cost, PatientConsent, RecordManagement, CONTRACTS, DAY, HOUR,
    REFERENCE_CONTRACTS,
};
use ink::primitives::AccountId;
use ink_e2e::{AccountKeyring, ContractsBackend, SandboxClient};
use medrec_types::{
    AccessControlApi, AccessLevel, DataType, EmergencyReason, PatientConsentApi, Purpose,
    RecordStatus, RecordType, Role,
};
use patient_consent::DelegateKind;
use record_management::{Confidentiality, Quota};
use std::fmt::Write as _;
use std::process::ExitCode;

type Client = SandboxClient<AccountId, ink::primitives::Hash, ClockedSandbox>;
type Error = Box<dyn std::error::Error>;

const START_MS: u64 = 1_795_392_000_000;

struct Row {
    contract: &'static str,
    message: String,
    outcome: String,
    cost: Cost,
}

fn outcome<V: std::fmt::Debug>(v: &V) -> String {
    let s = format!("{v:?}");
    if s.starts_with("Ok(") {
        "Ok".into()
    } else if let Some(rest) = s.strip_prefix("Err(") {
        format!("Err {}", rest.trim_end_matches(')'))
    } else {
        "query".into()
    }
}

/// A transaction: submitted (state changes persist) and measured from its dry
/// run. Evaluates to the message's return value.
macro_rules! tx {
    ($rows:expr, $client:expr, $contract:expr, $name:expr, $caller:expr, $msg:expr) => {{
        let r = $client
            .call(&$caller, &$msg)
            .submit()
            .await
            .map_err(|e| format!("{}: {e:?}", $name))?;
        let cost = cost_of(&r);
        let value = r.return_value();
        $rows.push(Row {
            contract: $contract,
            message: $name.to_string(),
            outcome: outcome(&value),
            cost,
        });
        value
    }};
}

/// A query: dry run only, as polkadot.js calls read-only messages.
macro_rules! q {
    ($rows:expr, $client:expr, $contract:expr, $name:expr, $msg:expr) => {{
        let r = $client
            .call(&ink_e2e::alice(), &$msg)
            .dry_run()
            .await
            .map_err(|e| format!("{}: {e:?}", $name))?;
        let cost = cost_from(r.exec_result.gas_consumed, &r.exec_result.storage_deposit);
        $rows.push(Row {
            contract: $contract,
            message: $name.to_string(),
            outcome: "query".into(),
            cost,
        });
        r.return_value()
    }};
}

fn must<T, E: std::fmt::Debug>(what: &str, r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| format!("{what}: unexpected Err({e:?})").into())
}

/// A measured denial must be exactly the expected error.
fn refused<T: std::fmt::Debug, E: std::fmt::Debug + PartialEq>(
    what: &str,
    r: Result<T, E>,
    expected: E,
) -> Result<(), Error> {
    match r {
        Err(e) if e == expected => Ok(()),
        other => Err(format!("{what}: expected Err({expected:?}), got {other:?}").into()),
    }
}

async fn run(output: &str, prior: u64) -> Result<(), Error> {
    let command_line = format!("target/debug/bench {output} --prior {prior}");
    let mut sizes = Vec::new();
    let mut wasm = Vec::new();
    for name in CONTRACTS.iter().chain(REFERENCE_CONTRACTS) {
        let path = release_wasm(name);
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e} (run scripts/build.sh first)", path.display()))?
            .len();
        sizes.push((*name, size));
        if CONTRACTS.contains(name) {
            wasm.push(path);
        }
    }
    set_time(START_MS);
    let mut client = Client::new(wasm);
    let id = ink_e2e::account_id;
    let (alice, bob, charlie, dave, eve, ferdie, two) = (
        ink_e2e::alice(),
        ink_e2e::bob(),
        ink_e2e::charlie(),
        ink_e2e::dave(),
        ink_e2e::eve(),
        ink_e2e::ferdie(),
        ink_e2e::two(),
    );
    let (alice_id, bob_id, charlie_id, dave_id, eve_id, ferdie_id, one_id, two_id) = (
        id(AccountKeyring::Alice),
        id(AccountKeyring::Bob),
        id(AccountKeyring::Charlie),
        id(AccountKeyring::Dave),
        id(AccountKeyring::Eve),
        id(AccountKeyring::Ferdie),
        id(AccountKeyring::One),
        id(AccountKeyring::Two),
    );
    let mut rows: Vec<Row> = Vec::new();

    // ---------------------------------------------------------------- deploy
    let deployment = deploy_all(&mut client).await?;
    let (ac_addr, pc_addr, rm_addr) = (
        deployment.access_control,
        deployment.patient_consent,
        deployment.record_management,
    );
    let mut ac = ink_e2e::create_call_builder::<AccessControl>(ac_addr);
    let mut pc = ink_e2e::create_call_builder::<PatientConsent>(pc_addr);
    let mut rm = ink_e2e::create_call_builder::<RecordManagement>(rm_addr);
    let creds = [0xC0u8; 32];
    let note = [0x0Eu8; 32];

    // -------------------------------------------------------- access-control
    let c = "access-control";
    must(
        "register",
        tx!(
            rows,
            client,
            c,
            "register_provider",
            alice,
            ac.register_provider(bob_id, Role::Admin, creds)
        ),
    )?;
    must(
        "verify",
        tx!(
            rows,
            client,
            c,
            "verify_provider (by owner)",
            alice,
            ac.verify_provider(bob_id)
        ),
    )?;
    for (who, role) in [
        (charlie_id, Role::Doctor),
        (dave_id, Role::Nurse),
        (eve_id, Role::Emergency),
        (one_id, Role::Technician),
    ] {
        let mut b = ink_e2e::create_call_builder::<AccessControl>(ac_addr);
        let r = client
            .call(&alice, &b.register_provider(who, role, creds))
            .submit()
            .await
            .map_err(|e| format!("{e:?}"))?;
        must("register", r.return_value())?;
    }
    for who in [charlie_id, dave_id, eve_id] {
        let mut b = ink_e2e::create_call_builder::<AccessControl>(ac_addr);
        let r = client
            .call(&bob, &b.verify_provider(who))
            .submit()
            .await
            .map_err(|e| format!("{e:?}"))?;
        must("verify", r.return_value())?;
    }
    must(
        "verify",
        tx!(
            rows,
            client,
            c,
            "verify_provider (by admin)",
            bob,
            ac.verify_provider(one_id)
        ),
    )?;
    must(
        "deactivate",
        tx!(
            rows,
            client,
            c,
            "deactivate_provider",
            bob,
            ac.deactivate_provider(one_id)
        ),
    )?;
    must(
        "reactivate",
        tx!(
            rows,
            client,
            c,
            "reactivate_provider",
            bob,
            ac.reactivate_provider(one_id)
        ),
    )?;
    refused(
        "register_provider",
        tx!(
            rows,
            client,
            c,
            "register_provider (denied: NotOwner)",
            bob,
            ac.register_provider(two_id, Role::Doctor, creds)
        ),
        access_control::Error::NotOwner,
    )?;
    q!(rows, client, c, "get_provider", ac.get_provider(charlie_id));
    q!(rows, client, c, "provider_count", ac.provider_count());
    q!(
        rows,
        client,
        c,
        "can_role_access",
        ac.can_role_access(Role::Nurse, DataType::Imaging)
    );
    q!(
        rows,
        client,
        c,
        "check_access_permission",
        ac.check_access_permission(charlie_id, DataType::LabResults)
    );
    q!(
        rows,
        client,
        c,
        "is_verified_provider",
        ac.is_verified_provider(charlie_id)
    );
    q!(
        rows,
        client,
        c,
        "assess_provider",
        ac.assess_provider(charlie_id, ferdie_id, DataType::LabResults)
    );
    must(
        "activate",
        tx!(
            rows,
            client,
            c,
            "activate_emergency_access",
            eve,
            ac.activate_emergency_access(ferdie_id, EmergencyReason::PatientUnconscious, note)
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "check_emergency_access",
        ac.check_emergency_access(eve_id, ferdie_id)
    );
    q!(
        rows,
        client,
        c,
        "get_emergency_window",
        ac.get_emergency_window(eve_id, ferdie_id)
    );
    must(
        "end",
        tx!(
            rows,
            client,
            c,
            "end_emergency_access",
            eve,
            ac.end_emergency_access(ferdie_id)
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "access_log_len",
        ac.access_log_len(ferdie_id)
    );
    q!(
        rows,
        client,
        c,
        "access_log_entry",
        ac.access_log_entry(ferdie_id, 0)
    );
    q!(
        rows,
        client,
        c,
        "access_log (page of 2)",
        ac.access_log(ferdie_id, 0, 50)
    );
    q!(
        rows,
        client,
        c,
        "emergency_window_duration",
        ac.emergency_window_duration()
    );
    must(
        "set",
        tx!(
            rows,
            client,
            c,
            "set_emergency_window_duration",
            alice,
            ac.set_emergency_window_duration(DAY)
        ),
    )?;
    q!(rows, client, c, "owner", ac.owner());
    must(
        "transfer",
        tx!(
            rows,
            client,
            c,
            "transfer_ownership",
            alice,
            ac.transfer_ownership(alice_id)
        ),
    )?;
    q!(rows, client, c, "code_version", ac.code_version());
    // Re-pointing at the code it already runs: the cost of the upgrade call
    // itself (uploading code that is already there changes nothing).
    let code_hash = ContractsBackend::<ink::env::DefaultEnvironment>::upload(
        &mut client,
        "access-control",
        &alice,
    )
    .submit()
    .await
    .map_err(|e| format!("upload access-control: {e:?}"))?
    .code_hash;
    must(
        "set_code",
        tx!(
            rows,
            client,
            c,
            "set_code (same code)",
            alice,
            ac.set_code(code_hash)
        ),
    )?;

    // ------------------------------------------------------- patient-consent
    let c = "patient-consent";
    must(
        "register",
        tx!(
            rows,
            client,
            c,
            "register_patient",
            ferdie,
            pc.register_patient()
        ),
    )?;
    q!(rows, client, c, "get_patient", pc.get_patient(ferdie_id));
    q!(
        rows,
        client,
        c,
        "is_registered",
        pc.is_registered(ferdie_id)
    );
    must(
        "grant",
        tx!(
            rows,
            client,
            c,
            "grant_consent",
            ferdie,
            pc.grant_consent(
                charlie_id,
                DataType::MedicalRecords,
                30 * DAY,
                Purpose::Treatment
            )
        ),
    )?;
    must(
        "update",
        tx!(
            rows,
            client,
            c,
            "update_consent_purpose",
            ferdie,
            pc.update_consent_purpose(charlie_id, DataType::MedicalRecords, Purpose::Operations)
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "get_consent",
        pc.get_consent(ferdie_id, charlie_id, DataType::MedicalRecords)
    );
    q!(
        rows,
        client,
        c,
        "check_consent",
        pc.check_consent(ferdie_id, charlie_id, DataType::MedicalRecords)
    );
    q!(
        rows,
        client,
        c,
        "validate_data_type",
        pc.validate_data_type(3)
    );
    must(
        "grant",
        tx!(
            rows,
            client,
            c,
            "grant_consent (re-grant)",
            ferdie,
            pc.grant_consent(
                eve_id,
                DataType::EmergencyInfo,
                DAY,
                Purpose::EmergencyTreatment
            )
        ),
    )?;
    must(
        "revoke",
        tx!(
            rows,
            client,
            c,
            "revoke_consent",
            ferdie,
            pc.revoke_consent(eve_id, DataType::EmergencyInfo)
        ),
    )?;
    must(
        "add",
        tx!(
            rows,
            client,
            c,
            "add_delegate",
            ferdie,
            pc.add_delegate(two_id, DelegateKind::Guardian, 30 * DAY)
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "get_delegate",
        pc.get_delegate(ferdie_id, two_id)
    );
    q!(rows, client, c, "acts_for", pc.acts_for(ferdie_id, two_id));
    must(
        "grant",
        tx!(
            rows,
            client,
            c,
            "grant_consent_as_delegate",
            two,
            pc.grant_consent_as_delegate(
                ferdie_id,
                dave_id,
                DataType::LabResults,
                DAY,
                Purpose::Treatment
            )
        ),
    )?;
    must(
        "revoke",
        tx!(
            rows,
            client,
            c,
            "revoke_consent_as_delegate",
            two,
            pc.revoke_consent_as_delegate(ferdie_id, dave_id, DataType::LabResults)
        ),
    )?;
    must(
        "remove",
        tx!(
            rows,
            client,
            c,
            "remove_delegate",
            ferdie,
            pc.remove_delegate(two_id)
        ),
    )?;
    let req = must(
        "request",
        tx!(
            rows,
            client,
            c,
            "request_access",
            charlie,
            pc.request_access(ferdie_id, DataType::LabResults, Purpose::Treatment)
        ),
    )?;
    refused(
        "request_access",
        tx!(
            rows,
            client,
            c,
            "request_access (denied: RoleNotAllowed)",
            dave,
            pc.request_access(ferdie_id, DataType::Imaging, Purpose::Treatment)
        ),
        patient_consent::Error::RoleNotAllowed,
    )?;
    q!(
        rows,
        client,
        c,
        "get_access_request",
        pc.get_access_request(req)
    );
    q!(rows, client, c, "request_count", pc.request_count());
    must(
        "approve",
        tx!(
            rows,
            client,
            c,
            "approve_access_request",
            ferdie,
            pc.approve_access_request(req, 30 * DAY)
        ),
    )?;
    let req2 = {
        let mut b = ink_e2e::create_call_builder::<PatientConsent>(pc_addr);
        let r = client
            .call(
                &charlie,
                &b.request_access(ferdie_id, DataType::Imaging, Purpose::Treatment),
            )
            .submit()
            .await
            .map_err(|e| format!("{e:?}"))?;
        must("request", r.return_value())?
    };
    must(
        "deny",
        tx!(
            rows,
            client,
            c,
            "deny_access_request",
            ferdie,
            pc.deny_access_request(req2)
        ),
    )?;
    q!(rows, client, c, "history_len", pc.history_len(ferdie_id));
    q!(
        rows,
        client,
        c,
        "history_entry",
        pc.history_entry(ferdie_id, 0)
    );
    q!(
        rows,
        client,
        c,
        "history (page of 10)",
        pc.history(ferdie_id, 0, 50)
    );
    q!(rows, client, c, "owner", pc.owner());
    q!(rows, client, c, "access_control", pc.access_control());
    q!(rows, client, c, "paused", pc.paused());
    must(
        "set",
        tx!(
            rows,
            client,
            c,
            "set_access_control",
            alice,
            pc.set_access_control(ac_addr)
        ),
    )?;
    must("pause", tx!(rows, client, c, "pause", alice, pc.pause()))?;
    must(
        "unpause",
        tx!(rows, client, c, "unpause", alice, pc.unpause()),
    )?;
    must(
        "transfer",
        tx!(
            rows,
            client,
            c,
            "transfer_ownership",
            alice,
            pc.transfer_ownership(alice_id)
        ),
    )?;
    q!(rows, client, c, "code_version", pc.code_version());
    // Re-pointing at the code it already runs: the cost of the upgrade call
    // itself (uploading code that is already there changes nothing).
    let code_hash = ContractsBackend::<ink::env::DefaultEnvironment>::upload(
        &mut client,
        "patient-consent",
        &alice,
    )
    .submit()
    .await
    .map_err(|e| format!("upload patient-consent: {e:?}"))?
    .code_hash;
    must(
        "set_code",
        tx!(
            rows,
            client,
            c,
            "set_code (same code)",
            alice,
            pc.set_code(code_hash)
        ),
    )?;

    // ----------------------------------------------------- record-management
    let c = "record-management";
    advance_time(HOUR);
    must(
        "grant",
        tx!(
            rows,
            client,
            c,
            "grant_permission",
            ferdie,
            rm.grant_permission(
                ferdie_id,
                charlie_id,
                RecordType::Diagnosis,
                AccessLevel::Admin,
                Some(30 * DAY),
                Some(Quota {
                    max_reads: Some(100),
                    max_bytes: None
                })
            )
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "get_permission",
        rm.get_permission(ferdie_id, charlie_id, RecordType::Diagnosis)
    );
    let (h1, l1) = sample_record(1);
    let record = must(
        "create",
        tx!(
            rows,
            client,
            c,
            "create_record",
            charlie,
            rm.create_record(
                ferdie_id,
                RecordType::Diagnosis,
                h1,
                l1,
                [1; 32],
                64,
                0,
                Confidentiality::Restricted
            )
        ),
    )?;
    must(
        "share_key",
        tx!(
            rows,
            client,
            c,
            "share_key",
            ferdie,
            rm.share_key(ferdie_id, record, charlie_id, vec![0xAB; 80])
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "get_wrapped_key",
        rm.get_wrapped_key(record, charlie_id)
    );
    must(
        "read",
        tx!(
            rows,
            client,
            c,
            "get_record (provider)",
            charlie,
            rm.get_record(ferdie_id, record, Purpose::Treatment)
        ),
    )?;
    must(
        "read",
        tx!(
            rows,
            client,
            c,
            "get_record (patient)",
            ferdie,
            rm.get_record(ferdie_id, record, Purpose::PatientRequest)
        ),
    )?;
    refused(
        "get_record",
        tx!(
            rows,
            client,
            c,
            "get_record (denied: ConsentRequired)",
            dave,
            rm.get_record(ferdie_id, record, Purpose::Treatment)
        ),
        record_management::Error::ConsentRequired,
    )?;
    {
        let mut b = ink_e2e::create_call_builder::<AccessControl>(ac_addr);
        let r = client
            .call(
                &eve,
                &b.activate_emergency_access(ferdie_id, EmergencyReason::LifeThreatening, note),
            )
            .submit()
            .await
            .map_err(|e| format!("{e:?}"))?;
        must("activate", r.return_value())?;
    }
    must(
        "read",
        tx!(
            rows,
            client,
            c,
            "get_record (emergency window)",
            eve,
            rm.get_record(ferdie_id, record, Purpose::EmergencyTreatment)
        ),
    )?;
    let (h2, l2) = sample_record(2);
    must(
        "update",
        tx!(
            rows,
            client,
            c,
            "update_record",
            charlie,
            rm.update_record(ferdie_id, record, h2, l2, [2; 32], 96)
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "record_version",
        rm.record_version(record, 1)
    );
    q!(
        rows,
        client,
        c,
        "record_versions (page of 2)",
        rm.record_versions(record, 1, 50)
    );
    q!(rows, client, c, "record_status", rm.record_status(record));
    must(
        "revoke_key",
        tx!(
            rows,
            client,
            c,
            "revoke_key_share",
            ferdie,
            rm.revoke_key_share(ferdie_id, record, charlie_id)
        ),
    )?;
    must(
        "share",
        tx!(
            rows,
            client,
            c,
            "share_record",
            ferdie,
            rm.share_record(ferdie_id, record, dave_id, DAY)
        ),
    )?;
    q!(
        rows,
        client,
        c,
        "get_record_share",
        rm.get_record_share(record, dave_id)
    );
    must(
        "unshare",
        tx!(
            rows,
            client,
            c,
            "unshare_record",
            ferdie,
            rm.unshare_record(ferdie_id, record, dave_id)
        ),
    )?;
    must(
        "status",
        tx!(
            rows,
            client,
            c,
            "set_record_status",
            charlie,
            rm.set_record_status(ferdie_id, record, RecordStatus::UnderReview)
        ),
    )?;
    must(
        "lock",
        tx!(
            rows,
            client,
            c,
            "lock_record",
            charlie,
            rm.lock_record(ferdie_id, record)
        ),
    )?;
    must(
        "unlock",
        tx!(
            rows,
            client,
            c,
            "unlock_record",
            charlie,
            rm.unlock_record(ferdie_id, record)
        ),
    )?;
    must(
        "archive",
        tx!(
            rows,
            client,
            c,
            "archive_record",
            charlie,
            rm.archive_record(ferdie_id, record)
        ),
    )?;
    must(
        "retention",
        tx!(
            rows,
            client,
            c,
            "set_retention_period",
            alice,
            rm.set_retention_period(HOUR)
        ),
    )?;
    let (h3, l3) = sample_record(3);
    let second = {
        let mut b = ink_e2e::create_call_builder::<RecordManagement>(rm_addr);
        let r = client
            .call(
                &charlie,
                &b.create_record(
                    ferdie_id,
                    RecordType::Diagnosis,
                    h3,
                    l3,
                    [3; 32],
                    64,
                    0,
                    Confidentiality::Normal,
                ),
            )
            .submit()
            .await
            .map_err(|e| format!("{e:?}"))?;
        must("create", r.return_value())?
    };
    advance_time(HOUR);
    must(
        "delete",
        tx!(
            rows,
            client,
            c,
            "delete_record",
            charlie,
            rm.delete_record(ferdie_id, second)
        ),
    )?;
    q!(rows, client, c, "audit_head", rm.audit_head(ferdie_id));
    q!(rows, client, c, "audit_entry", rm.audit_entry(ferdie_id, 0));
    q!(
        rows,
        client,
        c,
        "audit_trail (page of 14)",
        rm.audit_trail(ferdie_id, 0, 50)
    );
    q!(rows, client, c, "stats", rm.stats());
    q!(
        rows,
        client,
        c,
        "provider_stats",
        rm.provider_stats(charlie_id)
    );
    q!(
        rows,
        client,
        c,
        "patient_record_count",
        rm.patient_record_count(ferdie_id)
    );
    q!(rows, client, c, "owner", rm.owner());
    must(
        "set",
        tx!(
            rows,
            client,
            c,
            "set_contract_addresses",
            alice,
            rm.set_contract_addresses(pc_addr, ac_addr)
        ),
    )?;
    must("pause", tx!(rows, client, c, "pause", alice, rm.pause()))?;
    must(
        "revoke",
        tx!(
            rows,
            client,
            c,
            "revoke_permission (while paused)",
            ferdie,
            rm.revoke_permission(ferdie_id, charlie_id, RecordType::Diagnosis)
        ),
    )?;
    must(
        "unpause",
        tx!(rows, client, c, "unpause", alice, rm.unpause()),
    )?;
    must(
        "transfer",
        tx!(
            rows,
            client,
            c,
            "transfer_ownership",
            alice,
            rm.transfer_ownership(alice_id)
        ),
    )?;
    q!(rows, client, c, "code_version", rm.code_version());
    // Re-pointing at the code it already runs: the cost of the upgrade call
    // itself (uploading code that is already there changes nothing).
    let code_hash = ContractsBackend::<ink::env::DefaultEnvironment>::upload(
        &mut client,
        "record-management",
        &alice,
    )
    .submit()
    .await
    .map_err(|e| format!("upload record-management: {e:?}"))?
    .code_hash;
    must(
        "set_code",
        tx!(
            rows,
            client,
            c,
            "set_code (same code)",
            alice,
            rm.set_code(code_hash)
        ),
    )?;

    // ---------------------------------------------------------------- report
    let mut md = String::new();
    writeln!(md, "# Cost of every message")?;
    writeln!(md)?;
    writeln!(
        md,
        "Generated by `scripts/bench.sh` (do not edit by hand), which ran `{}`.",
        command_line
    )?;
    writeln!(md)?;
    for line in [
        "Release builds of the contracts (contract-build 5.0.3, Rust 1.86.0) deployed",
        "in the sandbox runtime of ink_e2e 5.1.1 (`DefaultSandbox`, pallet-contracts 31).",
        "Gas and storage deposit are deterministic for this runtime and code: the same",
        "on any machine. `ref_time` is in picoseconds of reference hardware,",
        "`proof_size` in bytes, the deposit in the runtime's balance units (negative:",
        "refunded).",
        "",
        "The per-contract tables below come from ink_e2e's client: queries are dry runs,",
        "as polkadot.js makes them, and a transaction's figures come from the dry run",
        "that precedes it. Each message runs once, in the state the sequence has built:",
        "a few providers, one patient, a few consents, two records. The later sections",
        "(PSP22, bytes per record, scaling) make one real call per measured message.",
    ] {
        writeln!(md, "{line}")?;
    }
    writeln!(md)?;
    writeln!(md, "## Code size (release `.wasm`)")?;
    writeln!(md)?;
    writeln!(md, "| contract | bytes |")?;
    writeln!(md, "|---|---:|")?;
    for (name, size) in &sizes {
        let note = if REFERENCE_CONTRACTS.contains(name) {
            " (reference, not part of the system)"
        } else {
            ""
        };
        writeln!(md, "| {name}{note} | {} |", group(*size as i128))?;
    }
    writeln!(md)?;
    writeln!(md, "## Instantiation")?;
    writeln!(md)?;
    writeln!(md, "| contract | ref_time | proof_size | storage deposit |")?;
    writeln!(md, "|---|---:|---:|---:|")?;
    for (name, cost) in &deployment.instantiations {
        writeln!(
            md,
            "| {name} | {} | {} | {} |",
            group(cost.ref_time as i128),
            group(cost.proof_size as i128),
            group(cost.storage_deposit)
        )?;
    }
    for contract in CONTRACTS {
        writeln!(md)?;
        writeln!(md, "## {contract}")?;
        writeln!(md)?;
        writeln!(
            md,
            "| message | outcome | ref_time | proof_size | storage deposit |"
        )?;
        writeln!(md, "|---|---|---:|---:|---:|")?;
        for row in rows.iter().filter(|r| r.contract == *contract) {
            writeln!(
                md,
                "| `{}` | {} | {} | {} | {} |",
                row.message,
                row.outcome,
                group(row.cost.ref_time as i128),
                group(row.cost.proof_size as i128),
                group(row.cost.storage_deposit)
            )?;
        }
    }

    eprintln!("[bench] reference: PSP22 transfer, bytes per record");
    let reference = reference::run()?;
    writeln!(md)?;
    md.push_str(&reference::markdown(&reference)?);
    eprintln!("[bench] scaling: 1 versus {prior} prior items");
    let scaling = scaling::run(prior)?;
    writeln!(md)?;
    md.push_str(&scaling::markdown(&scaling)?);
    std::fs::write(output, &md)?;
    print!("{md}");
    eprintln!(
        "\nwrote {output} ({} messages measured; scaling seed: {} calls in {:.0} s)",
        rows.len(),
        scaling.seed_calls,
        scaling.seed_secs
    );
    for missed in reference::missed(&reference) {
        eprintln!("goal missed: {missed}");
    }
    let over = scaling.over_goal();
    if !over.is_empty() {
        for r in over {
            eprintln!("scaling goal missed: {} grows {:.4}x", r.name, r.worst());
        }
        return Err(format!(
            "a message's cost grows with history (ratio > {})",
            scaling::MAX_RATIO
        )
        .into());
    }
    Ok(())
}

/// `--scaling-check N`: the quick variant for `scripts/test.sh`.
fn scaling_check(prior: u64) -> Result<(), Error> {
    let s = scaling::run(prior)?;
    print!("{}", scaling::markdown(&s)?);
    let over = s.over_goal();
    if over.is_empty() {
        eprintln!(
            "[bench] scaling check passed: {} messages, none grows past {} with {prior} prior items",
            s.rows.len(),
            scaling::MAX_RATIO
        );
        return Ok(());
    }
    for r in over {
        eprintln!("scaling goal missed: {} grows {:.4}x", r.name, r.worst());
    }
    Err(format!(
        "a message's cost grows with history (ratio > {})",
        scaling::MAX_RATIO
    )
    .into())
}

fn usage() -> ExitCode {
    eprintln!("usage: bench [OUTPUT.md] [--prior N] | bench --scaling-check N");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let mut output = "docs/benchmarks.md".to_string();
    let mut prior: u64 = 10_000;
    let mut check: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let number = |v: Option<String>| v.and_then(|v| v.parse::<u64>().ok()).filter(|n| *n >= 1);
        match arg.as_str() {
            "--prior" => match number(args.next()) {
                Some(n) => prior = n,
                None => return usage(),
            },
            "--scaling-check" => match number(args.next()) {
                Some(n) => check = Some(n),
                None => return usage(),
            },
            "-h" | "--help" => {
                usage();
                return ExitCode::SUCCESS;
            }
            other if !other.starts_with('-') => output = other.to_string(),
            _ => return usage(),
        }
    }
    if let Some(n) = check {
        return match scaling_check(n) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
    match runtime.block_on(run(&output, prior)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}
