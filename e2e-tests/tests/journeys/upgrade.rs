//! Upgrade path: each contract, deployed from its release build and holding
//! data, is switched with `set_code` to the `upgrade-v2` build of the same
//! source (`target/contracts/<name>_v2/`, made by `scripts/build.sh`), and
//! every value it held reads back the same afterwards. Only the owner may
//! upgrade; an unknown code hash is a named error; the new code answers.
//!
//! Runs on [`e2e_tests::direct::Chain`] (the same sandbox runtime) because it
//! needs code that ink_e2e does not build: the release `.wasm` of both
//! versions.

use e2e_tests::direct::{contract_events, deploy_release, release_code, Chain};
use e2e_tests::{sample_record, set_time, Cast, E2EResult, DAY};
use ink::primitives::{AccountId, Hash};
use ink::scale::Encode;
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType, Role};
use patient_consent::DelegateKind;
use record_management::Confidentiality;

/// Everything the three contracts hold for the cast, read through their
/// queries and SCALE-encoded, one blob per contract.
fn read_all(
    chain: &mut Chain,
    ac_addr: AccountId,
    pc_addr: AccountId,
    rm_addr: AccountId,
    record: u64,
    request: u64,
) -> E2EResult<[Vec<u8>; 3]> {
    let alice = Cast::id(ink_e2e::AccountKeyring::Alice);
    let (charlie, eve, ferdie, two) = (Cast::charlie(), Cast::eve(), Cast::ferdie(), Cast::two());
    let ac = ink_e2e::create_call_builder::<e2e_tests::AccessControl>(ac_addr);
    let pc = ink_e2e::create_call_builder::<e2e_tests::PatientConsent>(pc_addr);
    let rm = ink_e2e::create_call_builder::<e2e_tests::RecordManagement>(rm_addr);
    let mut a = Vec::new();
    a.extend(chain.value("owner", alice, &ac.owner())?.encode());
    a.extend(
        chain
            .value("provider", alice, &ac.get_provider(charlie))?
            .encode(),
    );
    a.extend(
        chain
            .value("provider", alice, &ac.get_provider(eve))?
            .encode(),
    );
    a.extend(chain.value("count", alice, &ac.provider_count())?.encode());
    a.extend(
        chain
            .value("window", alice, &ac.get_emergency_window(eve, ferdie))?
            .encode(),
    );
    a.extend(
        chain
            .value("duration", alice, &ac.emergency_window_duration())?
            .encode(),
    );
    a.extend(
        chain
            .value("log", alice, &ac.access_log(ferdie, 0, 50))?
            .encode(),
    );
    let mut p = Vec::new();
    p.extend(chain.value("owner", alice, &pc.owner())?.encode());
    p.extend(
        chain
            .value("patient", alice, &pc.get_patient(ferdie))?
            .encode(),
    );
    p.extend(
        chain
            .value(
                "consent",
                alice,
                &pc.get_consent(ferdie, charlie, DataType::LabResults),
            )?
            .encode(),
    );
    p.extend(
        chain
            .value("history", alice, &pc.history(ferdie, 0, 50))?
            .encode(),
    );
    p.extend(
        chain
            .value("request", alice, &pc.get_access_request(request))?
            .encode(),
    );
    p.extend(
        chain
            .value("requests", alice, &pc.request_count())?
            .encode(),
    );
    p.extend(
        chain
            .value("delegate", alice, &pc.get_delegate(ferdie, two))?
            .encode(),
    );
    p.extend(
        chain
            .value("access_control", alice, &pc.access_control())?
            .encode(),
    );
    let mut r = Vec::new();
    r.extend(chain.value("owner", alice, &rm.owner())?.encode());
    r.extend(chain.value("stats", alice, &rm.stats())?.encode());
    r.extend(
        chain
            .value("status", alice, &rm.record_status(record))?
            .encode(),
    );
    r.extend(
        chain
            .value("versions", alice, &rm.record_versions(record, 1, 50))?
            .encode(),
    );
    r.extend(
        chain
            .value(
                "permission",
                alice,
                &rm.get_permission(ferdie, charlie, RecordType::LabResults),
            )?
            .encode(),
    );
    r.extend(
        chain
            .value("key", alice, &rm.get_wrapped_key(record, charlie))?
            .encode(),
    );
    r.extend(chain.value("head", alice, &rm.audit_head(ferdie))?.encode());
    r.extend(
        chain
            .value("trail", alice, &rm.audit_trail(ferdie, 0, 50))?
            .encode(),
    );
    r.extend(
        chain
            .value("count", alice, &rm.patient_record_count(ferdie))?
            .encode(),
    );
    r.extend(
        chain
            .value("stats", alice, &rm.provider_stats(charlie))?
            .encode(),
    );
    Ok([a, p, r])
}

#[test]
fn each_contract_is_upgraded_in_place_and_keeps_every_value() -> E2EResult<()> {
    set_time(1_795_392_000_000);
    let mut chain = Chain::default();
    let alice = Cast::id(ink_e2e::AccountKeyring::Alice);
    let bob = Cast::bob();
    let (charlie, eve, ferdie, two) = (Cast::charlie(), Cast::eve(), Cast::ferdie(), Cast::two());

    // Given the three contracts (version 1), wired and holding data
    let d = deploy_release(&mut chain)?;
    let (ac_addr, pc_addr, rm_addr) = (d.ac, d.pc, d.rm);
    let mut ac = d.ac();
    let mut pc = d.pc();
    let mut rm = d.rm();
    for (who, role) in [(charlie, Role::Doctor), (eve, Role::Emergency)] {
        chain.ok(
            "register",
            alice,
            &ac.register_provider(who, role, [0xC0; 32]),
        )?;
        chain.ok("verify", alice, &ac.verify_provider(who))?;
    }
    chain.ok("register_patient", ferdie, &pc.register_patient())?;
    chain.ok(
        "consent",
        ferdie,
        &pc.grant_consent(charlie, DataType::LabResults, 30 * DAY, Purpose::Treatment),
    )?;
    chain.ok(
        "delegate",
        ferdie,
        &pc.add_delegate(two, DelegateKind::Guardian, 30 * DAY),
    )?;
    let request = chain.ok(
        "request",
        eve,
        &pc.request_access(ferdie, DataType::EmergencyInfo, Purpose::EmergencyTreatment),
    )?;
    chain.ok(
        "permission",
        ferdie,
        &rm.grant_permission(
            ferdie,
            charlie,
            RecordType::LabResults,
            AccessLevel::Write,
            None,
            None,
        ),
    )?;
    let (hash, locator) = sample_record(1);
    let record = chain.ok(
        "create",
        charlie,
        &rm.create_record(
            ferdie,
            RecordType::LabResults,
            hash,
            locator,
            [1; 32],
            64,
            0,
            Confidentiality::Normal,
        ),
    )?;
    let (hash2, locator2) = sample_record(2);
    chain.ok(
        "update",
        charlie,
        &rm.update_record(ferdie, record, hash2, locator2, [2; 32], 96),
    )?;
    chain.ok(
        "share key",
        ferdie,
        &rm.share_key(ferdie, record, charlie, vec![0xAB; 80]),
    )?;
    chain.ok(
        "read",
        charlie,
        &rm.get_record(ferdie, record, Purpose::Treatment),
    )?;
    chain.ok(
        "emergency",
        eve,
        &ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, [0xEE; 32]),
    )?;
    let before = read_all(&mut chain, ac_addr, pc_addr, rm_addr, record, request)?;

    // When each is upgraded to its version-2 code
    for (name, addr) in [
        ("access-control", ac_addr),
        ("patient-consent", pc_addr),
        ("record-management", rm_addr),
    ] {
        let v2 = chain.upload(release_code(&format!("{name}-v2"))?, alice)?;
        let unknown = Hash::from([9; 32]);
        // (one builder per contract type; the three share the message names)
        macro_rules! upgrade_checks {
            ($builder:expr, $err:path) => {{
                let mut b = $builder;
                assert_eq!(
                    chain.value("version", alice, &b.code_version())?,
                    1,
                    "{name}"
                );
                // Only the owner may upgrade, and nothing changes when refused
                let refused = chain.call(bob, &b.set_code(v2))?;
                assert!(refused.reverted, "{name}: refusal must revert");
                assert_eq!(refused.value?, Err(<$err>::NotOwner), "{name}");
                assert_eq!(
                    chain.value("version", alice, &b.code_version())?,
                    1,
                    "{name}"
                );
                // An unknown code hash is a named error, not a trap
                let missing = chain.call(alice, &b.set_code(unknown))?;
                assert_eq!(missing.value?, Err(<$err>::CodeUpgradeFailed), "{name}");
                assert_eq!(
                    chain.value("version", alice, &b.code_version())?,
                    1,
                    "{name}"
                );
                // The owner upgrades; the contract says so in an event
                let done = chain.call(alice, &b.set_code(v2))?;
                assert_eq!(done.value?, Ok(()), "{name}");
                let emitted = contract_events(&done.events);
                assert_eq!(
                    emitted,
                    vec![(addr, (v2, alice).encode())],
                    "{name}: CodeUpgraded"
                );
                // Then the new code answers, at the same address
                assert_eq!(
                    chain.value("version", alice, &b.code_version())?,
                    2,
                    "{name}"
                );
            }};
        }
        match name {
            "access-control" => upgrade_checks!(
                ink_e2e::create_call_builder::<e2e_tests::AccessControl>(addr),
                access_control::Error
            ),
            "patient-consent" => upgrade_checks!(
                ink_e2e::create_call_builder::<e2e_tests::PatientConsent>(addr),
                patient_consent::Error
            ),
            _ => upgrade_checks!(
                ink_e2e::create_call_builder::<e2e_tests::RecordManagement>(addr),
                record_management::Error
            ),
        }
    }

    // Then every value reads back the same
    let after = read_all(&mut chain, ac_addr, pc_addr, rm_addr, record, request)?;
    for (i, name) in ["access-control", "patient-consent", "record-management"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            after[i], before[i],
            "{name}: stored values changed across the upgrade"
        );
    }
    // And the upgraded contracts keep working together: the read is still
    // decided across all three, and the audit chain goes on from where it was
    let head = chain.value("head", alice, &rm.audit_head(ferdie))?;
    chain.ok(
        "read after",
        charlie,
        &rm.get_record(ferdie, record, Purpose::Treatment),
    )?;
    let next = chain.value("head", alice, &rm.audit_head(ferdie))?;
    assert_eq!(next.len, head.len + 1);
    let last = chain
        .value("entry", alice, &rm.audit_entry(ferdie, head.len))?
        .ok_or("the new audit entry is missing")?;
    assert_eq!(
        last.prev_hash, head.head,
        "the chain links to the pre-upgrade head"
    );
    chain.ok(
        "revoke after",
        ferdie,
        &pc.revoke_consent(charlie, DataType::LabResults),
    )?;
    let denied = chain.call(charlie, &rm.get_record(ferdie, record, Purpose::Treatment))?;
    assert_eq!(
        denied.value?,
        Err(record_management::Error::ConsentRequired)
    );
    Ok(())
}
