//! No patient data on-chain: a patient journey with the real vault, then a
//! scan of everything the chain holds and everything it emitted.
//!
//! The journey seals `e2e-tests/fixtures/discharge-summary.txt` (synthetic,
//! with `PHI-MARKER` strings) with medvault and drives the three contracts
//! through registration, consent, permission, record creation, a key share,
//! reads, an update with a second sealed version, an emergency read, a
//! delegate and an approved access request. Every value in the chain's
//! storage (the runtime's and each contract's child trie) after every call,
//! so values later overwritten too, and every event of every call are searched for the marker strings, for any 16-byte run of the
//! plaintext, and for the record's data keys. None may appear.
//!
//! Runs on [`e2e_tests::direct::Chain`] (release builds from scripts/build.sh)
//! because ink_e2e's sandbox client exposes neither storage nor events.

use e2e_tests::direct::{deploy_release, Chain};
use e2e_tests::{advance_time, set_time, workspace_root, Cast, E2EResult, DAY, HOUR};
use ink::scale::Encode;
use ink_sandbox::Sandbox;
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType, Role};
use patient_consent::DelegateKind;
use record_management::Confidentiality;
use std::collections::HashSet;

/// Calls a message that must succeed, keeping its events and every storage
/// value present after it (so that values later overwritten are scanned too).
macro_rules! ok {
    ($chain:expr, $seen:expr, $what:expr, $caller:expr, $msg:expr) => {{
        let out = $chain.call($caller, &$msg)?;
        for record in &out.events {
            $seen.events.push(record.encode());
        }
        $seen.storage.extend(all_storage(&mut $chain));
        match out.value? {
            Ok(v) => v,
            Err(e) => return Err(format!("{}: unexpected Err({e:?})", $what).into()),
        }
    }};
}

/// What the journey left anywhere: each call's events, and every storage
/// (key, value) seen after any call.
#[derive(Default)]
struct Seen {
    events: Vec<Vec<u8>>,
    storage: HashSet<(Vec<u8>, Vec<u8>)>,
}

/// Every (key, value) in the chain's storage: the runtime's trie and the
/// child trie of every contract.
fn all_storage(chain: &mut Chain) -> Vec<(Vec<u8>, Vec<u8>)> {
    chain.sandbox.execute_with(|| {
        let mut out = Vec::new();
        let mut key = Vec::new();
        while let Some(next) = sp_io::storage::next_key(&key) {
            if let Some(value) = sp_io::storage::get(&next) {
                out.push((next.clone(), value.to_vec()));
            }
            key = next;
        }
        // Each contract's `ContractInfo` (pallet-contracts' `ContractInfoOf`
        // map, private to the pallet) begins with its child trie's id, a
        // SCALE `Vec<u8>`.
        let prefix = [
            sp_io::hashing::twox_128(b"Contracts"),
            sp_io::hashing::twox_128(b"ContractInfoOf"),
        ]
        .concat();
        let tries: Vec<Vec<u8>> = out
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(_, v)| <Vec<u8> as ink::scale::Decode>::decode(&mut &v[..]).ok())
            .collect();
        assert!(tries.len() >= 3, "the three contracts' child tries");
        for trie in tries {
            let mut key = Vec::new();
            while let Some(next) = sp_io::default_child_storage::next_key(&trie, &key) {
                if let Some(value) = sp_io::default_child_storage::get(&trie, &next) {
                    out.push((next.clone(), value.to_vec()));
                }
                key = next;
            }
        }
        out
    })
}

/// Where any forbidden byte string occurs in `haystack`: the markers, the
/// data keys, and every 16-byte window of the plaintext.
fn findings(
    haystack: &[u8],
    needles: &[(String, Vec<u8>)],
    windows: &HashSet<&[u8]>,
) -> Vec<String> {
    let mut found = Vec::new();
    for (name, needle) in needles {
        if haystack
            .windows(needle.len())
            .any(|w| w == needle.as_slice())
        {
            found.push(name.clone());
        }
    }
    if let Some(w) = haystack.windows(16).find(|w| windows.contains(w)) {
        found.push(format!("plaintext {:?}", String::from_utf8_lossy(w)));
    }
    found
}

#[test]
fn no_marker_plaintext_or_data_key_reaches_storage_or_events() -> E2EResult<()> {
    set_time(1_795_392_000_000);
    let mut chain = Chain::default();
    let mut seen = Seen::default();
    let alice = Cast::id(ink_e2e::AccountKeyring::Alice);
    let (charlie, eve, ferdie, two) = (Cast::charlie(), Cast::eve(), Cast::ferdie(), Cast::two());
    let dave = Cast::dave();
    let d = deploy_release(&mut chain)?;
    let mut ac = d.ac();
    let mut pc = d.pc();
    let mut rm = d.rm();

    // The journey
    for (who, role) in [
        (charlie, Role::Doctor),
        (dave, Role::Nurse),
        (eve, Role::Emergency),
    ] {
        ok!(
            chain,
            seen,
            "register",
            alice,
            ac.register_provider(who, role, [0xC0; 32])
        );
        ok!(chain, seen, "verify", alice, ac.verify_provider(who));
    }
    ok!(
        chain,
        seen,
        "register_patient",
        ferdie,
        pc.register_patient()
    );
    ok!(
        chain,
        seen,
        "consent",
        ferdie,
        pc.grant_consent(
            charlie,
            DataType::MedicalRecords,
            30 * DAY,
            Purpose::Treatment
        )
    );
    ok!(
        chain,
        seen,
        "permission",
        ferdie,
        rm.grant_permission(
            ferdie,
            charlie,
            RecordType::Diagnosis,
            AccessLevel::Write,
            Some(30 * DAY),
            None
        )
    );
    let work = tempfile::tempdir()?;
    let store = medvault::Store::open(work.path().join("vault-store"))?;
    let fixture = workspace_root().join("e2e-tests/fixtures/discharge-summary.txt");
    let plaintext = std::fs::read(&fixture)?;
    let sealed = store.seal_file(&fixture, medvault::DEFAULT_CHUNK, |_| {})?;
    let charlie_public = medvault::keygen(&work.path().join("charlie.key"))?;
    let wrapped = store.wrap_key(&sealed.key_id, &charlie_public)?;
    advance_time(HOUR);
    let record = ok!(
        chain,
        seen,
        "create",
        charlie,
        rm.create_record(
            ferdie,
            RecordType::Diagnosis,
            sealed.data_hash,
            sealed.locator.clone().into_bytes(),
            medvault::parse_hash(&sealed.key_id)?,
            sealed.size,
            0,
            Confidentiality::Restricted
        )
    );
    ok!(
        chain,
        seen,
        "share key",
        ferdie,
        rm.share_key(ferdie, record, charlie, wrapped)
    );
    ok!(
        chain,
        seen,
        "read",
        charlie,
        rm.get_record(ferdie, record, Purpose::Treatment)
    );
    ok!(
        chain,
        seen,
        "own read",
        ferdie,
        rm.get_record(ferdie, record, Purpose::PatientRequest)
    );
    // A second version, sealed under a new data key
    let resealed = store.seal_file(&fixture, medvault::DEFAULT_CHUNK, |_| {})?;
    advance_time(HOUR);
    ok!(
        chain,
        seen,
        "update",
        charlie,
        rm.update_record(
            ferdie,
            record,
            resealed.data_hash,
            resealed.locator.clone().into_bytes(),
            medvault::parse_hash(&resealed.key_id)?,
            resealed.size
        )
    );
    ok!(
        chain,
        seen,
        "emergency",
        eve,
        ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, [0xEE; 32])
    );
    ok!(
        chain,
        seen,
        "emergency read",
        eve,
        rm.get_record(ferdie, record, Purpose::EmergencyTreatment)
    );
    ok!(
        chain,
        seen,
        "end emergency",
        eve,
        ac.end_emergency_access(ferdie)
    );
    ok!(
        chain,
        seen,
        "delegate",
        ferdie,
        pc.add_delegate(two, DelegateKind::Guardian, 30 * DAY)
    );
    let request = ok!(
        chain,
        seen,
        "request",
        dave,
        pc.request_access(ferdie, DataType::LabResults, Purpose::Treatment)
    );
    ok!(
        chain,
        seen,
        "approve",
        two,
        pc.approve_access_request(request, DAY)
    );
    ok!(
        chain,
        seen,
        "revoke",
        ferdie,
        pc.revoke_consent(charlie, DataType::MedicalRecords)
    );

    // The scan
    let mut needles: Vec<(String, Vec<u8>)> = plaintext
        .split(|b| *b == b'(' || *b == b')' || *b == b'\n' || *b == b' ')
        .filter(|w| w.starts_with(b"PHI-MARKER"))
        .map(|w| (String::from_utf8_lossy(w).into_owned(), w.to_vec()))
        .collect();
    assert!(
        needles.len() >= 3,
        "the fixture must carry its marker strings"
    );
    for s in [&sealed, &resealed] {
        let key = store.data_key(&s.key_id)?;
        needles.push((format!("data key {}", &s.key_id[..8]), key.to_vec()));
    }
    let windows: HashSet<&[u8]> = plaintext.windows(16).collect();
    let storage = &seen.storage;
    assert!(
        storage.len() > 100,
        "the scan must see the contracts' storage"
    );
    let mut leaks = Vec::new();
    for (key, value) in storage {
        for f in findings(value, &needles, &windows) {
            leaks.push(format!("storage {}: {f}", hex(key)));
        }
    }
    assert!(
        seen.events.len() > 20,
        "the scan must see the journey's events"
    );
    for (i, event) in seen.events.iter().enumerate() {
        for f in findings(event, &needles, &windows) {
            leaks.push(format!("event {i}: {f}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "patient data on-chain:\n{}",
        leaks.join("\n")
    );
    // The scan would have seen them: the hash the contract stores is there
    assert!(
        storage
            .iter()
            .any(|(_, v)| v.windows(32).any(|w| w == sealed.data_hash.as_slice())),
        "the record's data hash should be in storage"
    );
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
