//! The audit trail, checked off-chain: every entry recomputed with the
//! `sha2` crate from the documented rule (domain tag, contract, patient,
//! index, entry), linked to the one before, the head equal to the last
//! hash and to the head in the last event; and the category privacy of the
//! event stream: no event of any contract carries a record type, a data
//! type or a data hash.

use crate::{consent_and_permit, create, staffed};
use e2e_tests::{audit_entry_hash, cast, release_metadata, E2EResult, CONTRACTS};
use medrec_types::{AccessLevel, DataType, Purpose, RecordType};
use record_management::events::AuditAppended;

#[test]
fn the_audit_trail_is_a_verifiable_hash_chain() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Admin,
    )?;
    let id = create(&mut s, &charlie, RecordType::Diagnosis, 1)?;
    let mut heads = Vec::new();
    for (who, purpose) in [
        (&charlie, Purpose::Treatment),
        (&ferdie, Purpose::PatientRequest),
    ] {
        let msg = s.rm().get_record(ferdie.account, id, purpose);
        let e: AuditAppended = s.ok(who, &msg)?.one()?;
        heads.push((e.index, e.head));
    }
    let msg = s
        .rm()
        .lock_record(ferdie.account, id, Purpose::PatientRequest);
    let e: AuditAppended = s.ok(&ferdie, &msg)?.one()?;
    heads.push((e.index, e.head));

    let head = s.query(&s.rm().audit_head(ferdie.account))?;
    let trail = s.query(&s.rm().audit_trail(ferdie.account, 0, 50))?;
    assert_eq!(trail.len() as u64, head.len);
    let mut prev = [0u8; 32];
    let mut hashes = Vec::new();
    for (i, entry) in trail.iter().enumerate() {
        assert_eq!(entry.prev_hash, prev, "entry {i} links to the one before");
        prev = audit_entry_hash(s.rm, ferdie.account, i as u64, entry);
        hashes.push(prev);
    }
    assert_eq!(head.head, prev, "the head is the last entry's hash");
    for (index, event_head) in heads {
        assert_eq!(
            hashes[index as usize], event_head,
            "each event carries the new head"
        );
    }
    // The same trail in another deployment would hash differently: the
    // contract address is bound into every entry.
    assert_ne!(
        audit_entry_hash(s.pc, ferdie.account, 0, &trail[0]),
        hashes[0]
    );
    // A rewritten entry no longer links
    let mut forged = trail[1].clone();
    forged.actor = cast::mallory().account;
    assert_ne!(
        audit_entry_hash(s.rm, ferdie.account, 1, &forged),
        hashes[1]
    );
    Ok(())
}

/// The type names an event field must not have.
const CATEGORY_TYPES: &[&str] = &["RecordType", "DataType"];

#[test]
fn no_event_names_a_record_type_a_data_type_or_a_data_hash() -> E2EResult<()> {
    let mut checked = 0;
    for name in CONTRACTS {
        let path = release_metadata(name);
        let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let types = meta["types"].as_array().ok_or("metadata types")?;
        let type_name = |id: u64| -> String {
            types
                .iter()
                .find(|t| t["id"].as_u64() == Some(id))
                .and_then(|t| t["type"]["path"].as_array())
                .and_then(|p| p.last())
                .and_then(|n| n.as_str())
                .unwrap_or("")
                .to_string()
        };
        for event in meta["spec"]["events"].as_array().ok_or("events")? {
            let label = event["label"].as_str().unwrap_or("?");
            for arg in event["args"].as_array().ok_or("args")? {
                let field = arg["label"].as_str().unwrap_or("?");
                let ty = type_name(arg["type"]["type"].as_u64().unwrap_or(u64::MAX));
                assert!(
                    !CATEGORY_TYPES.contains(&ty.as_str()),
                    "{name}: event {label} field {field} is a {ty}"
                );
                assert!(
                    !["record_type", "data_type", "data_hash"].contains(&field),
                    "{name}: event {label} has a field {field}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "the check saw the events' fields ({checked})");
    Ok(())
}
