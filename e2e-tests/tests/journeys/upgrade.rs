//! The upgrade path: each contract, holding data, is switched to the
//! `upgrade-v2` build of the same source (`target/contracts/<name>_v2/`,
//! made by `scripts/build.sh`) by an announced upgrade applied after its
//! delay. Every stored value of the layout reads back byte-identical (the
//! raw child trie of each contract is compared, its root cell up to the
//! cleared announcement), the new code answers (`code_version` 2), and the
//! audit chain continues from the pre-upgrade head. The hot shell's pointer
//! to its full code is cleared and both old codes are unpinned.

use crate::{consent_and_permit, create, staffed};
use e2e_tests::direct::{release_code, release_code_hash};
use e2e_tests::{audit_entry_hash, cast, E2EResult, Session, DAY};
use ink::primitives::{AccountId, Hash};
use ink::scale::Decode;
use medrec_types::admin::{CodeUpgraded, DEFAULT_UPGRADE_DELAY};
use medrec_types::{AccessLevel, Admin, DataType, EmergencyReason, Purpose, RecordType};

/// The child-trie key of a contract's 4-byte storage key, as
/// pallet-contracts stores a variable-length key: blake2_128 ++ key.
fn child_key(key: u32) -> Vec<u8> {
    let key = key.to_le_bytes();
    [&sp_io::hashing::blake2_128(&key)[..], &key[..]].concat()
}

/// ink!'s root storage cell (`0x00000000`).
fn root_key() -> Vec<u8> {
    child_key(0)
}

/// The hot shell's pointer to its full code
/// (`medrec_types::split::COLD_CODE_KEY`).
fn cold_key() -> Vec<u8> {
    child_key(medrec_types::split::COLD_CODE_KEY)
}

/// Every (key, value) of one contract's child trie (the trie id is the
/// prefix `all_storage` puts before each contract key).
fn contract_storage(s: &mut Session, trie_prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.chain
        .all_storage()
        .into_iter()
        .filter(|(k, _)| k.starts_with(trie_prefix) && k.len() > trie_prefix.len())
        .map(|(k, v)| (k[trie_prefix.len()..].to_vec(), v))
        .collect()
}

/// The trie id of a contract: the prefix of its keys in `all_storage`,
/// found as the one whose keys include the root cell.
fn trie_of(s: &mut Session, contract: AccountId) -> E2EResult<Vec<u8>> {
    // ContractInfoOf: twox_128("Contracts") ++ twox_128("ContractInfoOf")
    // ++ twox_64(account) ++ account; its value starts with the trie id.
    let prefix = [
        sp_io::hashing::twox_128(b"Contracts"),
        sp_io::hashing::twox_128(b"ContractInfoOf"),
    ]
    .concat();
    let account: &[u8; 32] = contract.as_ref();
    for (k, v) in s.chain.all_storage() {
        if k.starts_with(&prefix) && k.ends_with(account) {
            return Ok(<Vec<u8>>::decode(&mut &v[..])?);
        }
    }
    Err("no ContractInfo for the contract".into())
}

/// A contract's storage with the root cell's `Admin` (the first field of
/// every root) reduced to what an upgrade must keep: the pending upgrade
/// is consumed by applying it.
fn kept(storage: Vec<(Vec<u8>, Vec<u8>)>) -> E2EResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let root = root_key();
    let mut out = Vec::new();
    for (k, v) in storage {
        if k == root {
            let mut rest = &v[..];
            let admin = Admin::decode(&mut rest)?;
            let summary = (
                admin.owner(),
                admin.pending_owner(),
                admin.paused(),
                admin.upgrade_delay(),
            );
            out.push((
                k,
                [ink::scale::Encode::encode(&summary), rest.to_vec()].concat(),
            ));
        } else {
            out.push((k, v));
        }
    }
    Ok(out)
}

#[test]
fn each_contract_is_upgraded_after_its_delay_and_keeps_every_value() -> E2EResult<()> {
    let mut s = staffed()?;
    let (alice, charlie, ferdie, eve) =
        (cast::alice(), cast::charlie(), cast::ferdie(), cast::eve());
    // Data in every corner: a consent, a permission, a record with two
    // versions, a read, a request, an emergency window, a delegate (staffed)
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Write,
    )?;
    let record = create(&mut s, &charlie, RecordType::LabResults, 1)?;
    let (hash, key) = e2e_tests::sample_record(2);
    s.ok(
        &charlie,
        &s.rm()
            .update_record(ferdie.account, record, hash, key, 99, Purpose::Treatment),
    )?;
    s.ok(
        &charlie,
        &s.rm()
            .get_record(ferdie.account, record, Purpose::Treatment),
    )?;
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::Imaging, Purpose::Treatment);
    s.ok(&charlie, &msg)?;
    let msg = s
        .ac()
        .activate_emergency_access(ferdie.account, EmergencyReason::Other, [1; 32]);
    s.ok(&eve, &msg)?;

    let contracts = [
        ("access-control", s.ac),
        ("patient-consent", s.pc),
        ("record-management", s.rm),
    ];
    for (name, address) in contracts {
        let code = release_code(&format!("{name}-v2"))?;
        let v2: Hash = s.chain.upload(code, alice.account)?;
        let version = |s: &mut Session| -> E2EResult<u32> {
            let msg =
                ink_e2e::create_call_builder::<e2e_tests::AccessControl>(address).code_version();
            s.query(&msg)
        };
        assert_eq!(version(&mut s)?, 1, "{name}");
        // Announce, wait, apply. (The three contracts share the admin core
        // and its message names; access-control's builder encodes the same
        // selectors for all three.)
        let builder = ink_e2e::create_call_builder::<e2e_tests::AccessControl>(address);
        let mut b = builder.clone();
        s.ok(&alice, &b.announce_code_upgrade(v2))?;
        let trie = trie_of(&mut s, address)?;
        // The shell's pointer to its full code (medrec_types::split) is the
        // one value the upgrade clears: the new code answers everything.
        let (pointer, before): (Vec<_>, Vec<_>) = kept(contract_storage(&mut s, &trie))?
            .into_iter()
            .partition(|(k, _)| *k == cold_key());
        let full = release_code_hash(name)?;
        let hot = s.chain.code_hash(address).ok_or("no code")?;
        assert_eq!(
            pointer.len(),
            1,
            "{name}: runs its shell over its full code"
        );
        assert_eq!(Hash::decode(&mut &pointer[0].1[..])?, full, "{name}");
        let mut b = builder.clone();
        let apply = b.apply_code_upgrade();
        s.refused(&cast::bob(), &apply, access_control::Error::NotOwner)?;
        s.refused(&alice, &apply, access_control::Error::TooEarly)?;
        s.advance(DEFAULT_UPGRADE_DELAY);
        let e: CodeUpgraded = s.ok(&alice, &apply)?.one()?;
        assert_eq!((e.actor, e.code_hash), (alice.account, v2), "{name}");
        assert_eq!(version(&mut s)?, 2, "{name}: the new code answers");
        let after = kept(contract_storage(&mut s, &trie))?;
        assert!(before.len() > 5, "{name}: the contract holds data");
        assert_eq!(
            before, after,
            "{name}: every stored value kept, the pointer cleared"
        );
        assert_eq!(s.chain.code_hash(address), Some(v2), "{name}");
        // Nothing uses the old shell or the old full code any more: both
        // are unpinned, and their uploader can remove them.
        s.chain.remove_code(alice.account, hot)?;
        s.chain.remove_code(alice.account, full)?;
    }

    // The upgraded contracts work together, and the trail continues
    let head = s.query(&s.rm().audit_head(ferdie.account))?;
    s.advance(DAY);
    let view = s
        .ok(
            &charlie,
            &s.rm()
                .get_record(ferdie.account, record, Purpose::Treatment),
        )?
        .value;
    assert_eq!(view.audit_index, head.len);
    let entry = s
        .query(&s.rm().audit_entry(ferdie.account, view.audit_index))?
        .ok_or("entry")?;
    assert_eq!(entry.prev_hash, head.head);
    let new_head = s.query(&s.rm().audit_head(ferdie.account))?;
    assert_eq!(
        new_head.head,
        audit_entry_hash(s.rm, ferdie.account, head.len, &entry)
    );
    Ok(())
}
