//! No patient data and no key material on-chain: a patient journey with the
//! real vault, then a scan of everything the chain holds and everything it
//! emitted.
//!
//! The journey seals `e2e-tests/fixtures/discharge-summary.txt` (synthetic,
//! with `PHI-MARKER` strings) with medvault, wraps its data key for the
//! doctor (as the gateway would, off-chain), and drives the three contracts
//! through registration, consent, permission, record creation, reads, an
//! update with a second sealed version, an emergency read and its review, a
//! delegate, an approved access request with permissions, and a
//! revocation. Every value in the chain's storage (the runtime's trie and
//! each contract's child trie) after every call, so values later
//! overwritten too, and every contract event (data and topics) are searched
//! for the marker strings, any 16-byte run of the plaintext, the data keys
//! and the wrapped keys. None may appear.

use crate::staffed;
use e2e_tests::{cast, hex, workspace_root, Actor, E2EResult, Session, DAY, HOUR};
use ink::env::DefaultEnvironment;
use ink::scale::{Decode, Encode};
use ink_e2e::CallBuilderFinal;
use medrec_types::{AccessLevel, DataType, EmergencyReason, Purpose, RecordType, ReviewOutcome};
use record_management::Confidentiality;
use std::collections::HashSet;

/// What the journey left anywhere: each call's events, and every storage
/// (key, value) seen after any call.
#[derive(Default)]
struct Seen {
    events: Vec<Vec<u8>>,
    storage: HashSet<(Vec<u8>, Vec<u8>)>,
}

impl Seen {
    fn ok<Args, T, E>(
        &mut self,
        s: &mut Session,
        who: &Actor,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
    ) -> E2EResult<T>
    where
        Args: Encode + Clone,
        T: Decode,
        E: Decode + std::fmt::Debug,
        CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
    {
        let call = s.ok(who, msg)?;
        for e in &call.events {
            let mut bytes = e.event.topics.concat();
            bytes.extend_from_slice(&e.event.data);
            self.events.push(bytes);
        }
        self.storage.extend(s.chain.all_storage());
        Ok(call.value)
    }
}

/// Where any forbidden byte string occurs in `haystack`: the markers, the
/// keys, and every 16-byte window of the plaintext.
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
fn no_marker_plaintext_or_key_reaches_storage_or_events() -> E2EResult<()> {
    let mut s = staffed()?;
    let mut seen = Seen::default();
    let (ferdie, two, charlie, dave, eve, bob) = (
        cast::ferdie(),
        cast::two(),
        cast::charlie(),
        cast::dave(),
        cast::eve(),
        cast::bob(),
    );
    let (pc, rm, ac) = (s.pc(), s.rm(), s.ac());
    let (mut pc, mut rm, mut ac) = (pc, rm, ac);

    seen.ok(
        &mut s,
        &ferdie,
        &pc.grant_consent(
            ferdie.account,
            charlie.account,
            DataType::MedicalRecords,
            30 * DAY,
            vec![Purpose::Treatment],
        ),
    )?;
    seen.ok(
        &mut s,
        &ferdie,
        &rm.grant_permission(
            ferdie.account,
            charlie.account,
            RecordType::Diagnosis,
            AccessLevel::Write,
            Some(30 * DAY),
            None,
        ),
    )?;
    let work = tempfile::tempdir()?;
    let store = medvault::Store::open(work.path().join("vault-store"))?;
    let fixture = workspace_root().join("e2e-tests/fixtures/discharge-summary.txt");
    let plaintext = std::fs::read(&fixture)?;
    let sealed = store.seal_file(&fixture, medvault::DEFAULT_CHUNK, |_| {})?;
    let charlie_public = medvault::keygen(&work.path().join("charlie.key"))?;
    let wrapped = store.wrap_key(&sealed.key_id, &charlie_public)?;
    s.advance(HOUR);
    let record = seen.ok(
        &mut s,
        &charlie,
        &rm.create_record(
            ferdie.account,
            RecordType::Diagnosis,
            sealed.data_hash,
            medvault::parse_hash(&sealed.key_id)?,
            sealed.size,
            0,
            Confidentiality::Restricted,
            Purpose::Treatment,
        ),
    )?;
    seen.ok(
        &mut s,
        &charlie,
        &rm.get_record(ferdie.account, record, Purpose::Treatment),
    )?;
    seen.ok(
        &mut s,
        &ferdie,
        &rm.get_record(ferdie.account, record, Purpose::PatientRequest),
    )?;
    // A second version, sealed under a new data key
    let resealed = store.seal_file(&fixture, medvault::DEFAULT_CHUNK, |_| {})?;
    s.advance(HOUR);
    seen.ok(
        &mut s,
        &charlie,
        &rm.update_record(
            ferdie.account,
            record,
            resealed.data_hash,
            medvault::parse_hash(&resealed.key_id)?,
            resealed.size,
            Purpose::Treatment,
        ),
    )?;
    let (window, _) = seen.ok(
        &mut s,
        &eve,
        &ac.activate_emergency_access(
            ferdie.account,
            EmergencyReason::PatientUnconscious,
            [0xEE; 32],
        ),
    )?;
    seen.ok(
        &mut s,
        &eve,
        &rm.get_record(ferdie.account, record, Purpose::EmergencyTreatment),
    )?;
    seen.ok(&mut s, &eve, &ac.end_emergency_access(ferdie.account))?;
    seen.ok(
        &mut s,
        &bob,
        &ac.review_emergency_access(window, ReviewOutcome::Justified, [0x11; 32]),
    )?;
    let request = seen.ok(
        &mut s,
        &dave,
        &pc.request_access(ferdie.account, DataType::MedicalRecords, Purpose::Treatment),
    )?;
    seen.ok(
        &mut s,
        &two,
        &pc.approve_access_request(request, DAY, vec![RecordType::Diagnosis], AccessLevel::Read),
    )?;
    seen.ok(
        &mut s,
        &dave,
        &rm.get_record(ferdie.account, record, Purpose::Treatment),
    )?;
    seen.ok(
        &mut s,
        &ferdie,
        &rm.lock_record(ferdie.account, record, Purpose::PatientRequest),
    )?;
    seen.ok(
        &mut s,
        &ferdie,
        &pc.revoke_consent(ferdie.account, charlie.account, DataType::MedicalRecords),
    )?;

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
    for sealed in [&sealed, &resealed] {
        let key = store.data_key(&sealed.key_id)?;
        needles.push((format!("data key {}", &sealed.key_id[..8]), key.to_vec()));
    }
    needles.push(("wrapped key".into(), wrapped.clone()));
    needles.push((
        "wrapped key (tail)".into(),
        wrapped[wrapped.len() - 24..].to_vec(),
    ));
    let windows: HashSet<&[u8]> = plaintext.windows(16).collect();
    assert!(
        seen.storage.len() > 100,
        "the scan must see the contracts' storage"
    );
    assert!(
        seen.events.len() > 15,
        "the scan must see the journey's events"
    );
    let mut leaks = Vec::new();
    for (key, value) in &seen.storage {
        for f in findings(value, &needles, &windows) {
            leaks.push(format!("storage {}: {f}", hex(key)));
        }
    }
    for (i, event) in seen.events.iter().enumerate() {
        for f in findings(event, &needles, &windows) {
            leaks.push(format!("event {i}: {f}"));
        }
        // Category privacy: the data hash (the content address) is in
        // storage, never in an event.
        for h in [sealed.data_hash, resealed.data_hash] {
            if event.windows(32).any(|w| w == h.as_slice()) {
                leaks.push(format!("event {i}: a data hash"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "patient data or keys on-chain:\n{}",
        leaks.join("\n")
    );
    // The scan would have seen them: the hash the contract stores is there
    assert!(
        seen.storage
            .iter()
            .any(|(_, v)| v.windows(32).any(|w| w == sealed.data_hash.as_slice())),
        "the record's data hash should be in storage"
    );
    Ok(())
}
