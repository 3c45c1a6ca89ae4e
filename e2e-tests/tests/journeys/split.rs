//! The hot/cold split (see `medrec_types::split`) on the release builds:
//! every deployed contract runs its hot shell, which knows its full code
//! and pins it; a provider's gated read loads no full code; a shell cannot
//! be deployed on its own; a shell without a full code refuses everything
//! it does not run itself; a contract deployed without its shell on chain
//! stays on its full code and answers the same.
//!
//! Every other journey runs on the split deployment too (`Session` uploads
//! the shells before deploying), so each message's behaviour is checked
//! through the shell: the hot ones run there, the rest by delegation.

use crate::{consent_and_permit, create, staffed};
use e2e_tests::direct::{ctor_input, release_code, release_code_hash, Chain};
use e2e_tests::{cast, release_wasm, E2EResult, Session};
use ink::primitives::{AccountId, Hash};
use ink::scale::{Decode, Encode};
use medrec_types::admin::DEFAULT_UPGRADE_DELAY;
use medrec_types::split::COLD_CODE_KEY;
use medrec_types::{AccessLevel, DataType, Purpose, RecordType};

/// ink!'s wildcard complement selector (`selector = @`): the shell's
/// `hot_shell_full_code`.
const COMPLEMENT: [u8; 4] = [0x9B, 0xAE, 0x9D, 0x5E];

fn contracts(s: &Session) -> [(&'static str, AccountId); 3] {
    [
        ("access-control", s.ac),
        ("patient-consent", s.pc),
        ("record-management", s.rm),
    ]
}

/// What the shell's `hot_shell_full_code` answers.
fn full_code_of(chain: &mut Chain, contract: AccountId) -> E2EResult<Option<Hash>> {
    let out = chain.call_raw(cast::alice().account, contract, COMPLEMENT.to_vec())?;
    let answer = <ink::MessageResult<Option<Hash>>>::decode(&mut &out[..])?;
    answer.map_err(|e| format!("LangError {e:?}").into())
}

#[test]
fn every_contract_runs_its_hot_shell_over_its_pinned_full_code() -> E2EResult<()> {
    let mut s = staffed()?;
    let alice = cast::alice().account;
    for (name, address) in contracts(&s) {
        let (hot, full) = (
            release_code_hash(&format!("{name}-hot"))?,
            release_code_hash(name)?,
        );
        assert_ne!(hot, full, "{name}");
        assert_eq!(
            s.chain.code_hash(address),
            Some(hot),
            "{name} runs its shell"
        );
        // The pointer, as a node's ContractsApi_get_storage reads it, and as
        // the shell reports it.
        let stored = s
            .chain
            .contract_storage(address, COLD_CODE_KEY.encode())
            .ok_or(format!("{name}: no full code stored"))?;
        assert_eq!(Hash::decode(&mut &stored[..])?, full, "{name}");
        assert_eq!(full_code_of(&mut s.chain, address)?, Some(full), "{name}");
        // Neither code can be removed while the contract uses it: the full
        // code is pinned as a delegate dependency, the shell is its code.
        for code in [full, hot] {
            let err = s
                .chain
                .remove_code(alice, code)
                .expect_err("code in use is not removed");
            assert!(err.to_string().contains("CodeInUse"), "{name}: {err}");
        }
    }
    Ok(())
}

#[test]
fn the_shells_use_the_full_codes_selectors_and_a_key_outside_their_layouts() -> E2EResult<()> {
    let hot = [
        (
            "access-control",
            vec![(
                "AccessControlApi::assess_provider",
                ink::selector_bytes!("AccessControlApi::assess_provider"),
            )],
        ),
        (
            "patient-consent",
            vec![
                (
                    "PatientConsentApi::consult",
                    ink::selector_bytes!("PatientConsentApi::consult"),
                ),
                (
                    "PatientConsentApi::acts_for",
                    ink::selector_bytes!("PatientConsentApi::acts_for"),
                ),
            ],
        ),
        (
            "record-management",
            vec![
                ("create_record", ink::selector_bytes!("create_record")),
                ("get_record", ink::selector_bytes!("get_record")),
                ("update_record", ink::selector_bytes!("update_record")),
            ],
        ),
    ];
    for (name, messages) in hot {
        let json_path = release_wasm(name).with_extension("json");
        let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path)?)?;
        for (label, selector) in messages {
            let m = meta["spec"]["messages"]
                .as_array()
                .and_then(|all| all.iter().find(|m| m["label"] == label))
                .ok_or(format!("{name}: no message {label}"))?;
            assert_eq!(
                m["selector"].as_str(),
                Some(format!("0x{}", hex::encode(selector)).as_str()),
                "{name} {label}"
            );
        }
        // Every storage key of the layout (root and each Mapping's).
        let mut keys = Vec::new();
        collect_root_keys(&meta["storage"], &mut keys);
        assert!(keys.len() > 3, "{name}: {keys:?}");
        let cold_be = format!("0x{:08x}", COLD_CODE_KEY);
        let cold_le = format!("0x{}", hex::encode(COLD_CODE_KEY.to_le_bytes()));
        for key in &keys {
            assert!(
                *key != cold_be && *key != cold_le,
                "{name}: layout key {key}"
            );
        }
    }
    Ok(())
}

fn collect_root_keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "root_key" {
                    if let Some(key) = v.as_str() {
                        out.push(key.to_string());
                    }
                }
                collect_root_keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_root_keys(v, out)),
        _ => {}
    }
}

#[test]
fn a_providers_read_and_create_load_no_full_code() -> E2EResult<()> {
    let mut s = staffed()?;
    let (charlie, ferdie) = (cast::charlie(), cast::ferdie());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Write,
    )?;
    let record = create(&mut s, &charlie, RecordType::LabResults, 1)?;
    let (hash, key) = e2e_tests::sample_record(2);
    let size = |name: &str| release_code(name).map(|c| c.len() as u64);
    let names = ["access-control", "patient-consent", "record-management"];
    let mut shells = 0u64;
    let mut smallest_full = u64::MAX;
    for name in names {
        shells += size(&format!("{name}-hot"))?;
        smallest_full = smallest_full.min(size(name)?);
    }
    let calls = [
        (
            "create_record",
            s.call(
                &charlie,
                &s.rm().create_record(
                    ferdie.account,
                    RecordType::LabResults,
                    hash,
                    key,
                    64,
                    0,
                    record_management::Confidentiality::Normal,
                    Purpose::Treatment,
                ),
            )?
            .cost,
        ),
        (
            "get_record",
            s.call(
                &charlie,
                &s.rm()
                    .get_record(ferdie.account, record, Purpose::Treatment),
            )?
            .cost,
        ),
    ];
    // Code goes into the proof byte for byte. Both calls load the three
    // shells (record-management's asks the other two); what they prove
    // beyond that (storage) is less than any full code, so none was loaded.
    for (label, cost) in calls {
        let beyond_shells = cost.proof_size.saturating_sub(shells);
        assert!(
            beyond_shells < smallest_full,
            "{label}: proof_size {} = shells {shells} + {beyond_shells} >= {smallest_full}",
            cost.proof_size
        );
    }
    Ok(())
}

#[test]
fn a_shell_cannot_be_deployed_on_its_own() -> E2EResult<()> {
    let mut chain = Chain::default();
    let alice = cast::alice().account;
    for (n, name) in ["access-control", "patient-consent", "record-management"]
        .iter()
        .enumerate()
    {
        // Its one constructor (ink!'s selector for `not_deployable`).
        let input = ink::selector_bytes!("not_deployable").to_vec();
        let err = chain
            .deploy(
                release_code(&format!("{name}-hot"))?,
                input,
                vec![n as u8],
                alice,
            )
            .expect_err("a shell is not deployable");
        assert!(err.to_string().contains("reverted"), "{name}: {err}");
    }
    Ok(())
}

#[test]
fn without_its_shell_on_chain_a_contract_stays_on_its_full_code() -> E2EResult<()> {
    let mut chain = Chain::default();
    let alice = cast::alice().account;
    let (ac, _, _) = chain.deploy(
        release_code("access-control")?,
        ctor_input(e2e_tests::AccessControlRef::new(
            cast::bob().account,
            [0xB0; 32],
        )),
        vec![1],
        alice,
    )?;
    assert_eq!(
        chain.code_hash(ac),
        Some(release_code_hash("access-control")?)
    );
    assert_eq!(chain.contract_storage(ac, COLD_CODE_KEY.encode()), None);
    // It answers as the split one does: one provider, Bob, the first admin.
    let msg = ink_e2e::create_call_builder::<e2e_tests::AccessControl>(ac).provider_count();
    let out = chain.call(alice, &msg)?;
    assert_eq!(out.value?, 1);
    Ok(())
}

#[test]
fn a_shell_without_a_full_code_refuses_what_it_does_not_run() -> E2EResult<()> {
    let mut s = Session::new()?;
    let alice = cast::alice();
    // A record-management on a full code built without a shell (the v2
    // build), upgraded (announced, delayed, applied) to the shell: it now
    // runs the shell with no full code stored.
    let input = ctor_input(e2e_tests::RecordManagementRef::new(s.pc, s.ac));
    let rm = s.deploy("record-management-v2", input, 40)?;
    assert_eq!(
        s.chain.code_hash(rm),
        Some(release_code_hash("record-management-v2")?)
    );
    let hot = release_code_hash("record-management-hot")?;
    let b = || ink_e2e::create_call_builder::<e2e_tests::RecordManagement>(rm);
    s.ok(&alice, &b().announce_code_upgrade(hot))?;
    s.advance(DEFAULT_UPGRADE_DELAY);
    s.ok(&alice, &b().apply_code_upgrade())?;
    assert_eq!(s.chain.code_hash(rm), Some(hot));
    assert_eq!(full_code_of(&mut s.chain, rm)?, None);
    // Every message the shell does not run is refused: reverted, as ink!
    // refuses a selector it does not know.
    for input in [
        b().stats().params().exec_input().encode(),
        b().admin().params().exec_input().encode(),
        b().pause().params().exec_input().encode(),
    ] {
        let err = s
            .chain
            .call_raw(alice.account, rm, input)
            .expect_err("refused");
        assert!(err.to_string().contains("reverted"), "{err}");
    }
    // Nothing changed: still the shell, still no full code.
    assert_eq!(s.chain.code_hash(rm), Some(hot));
    assert_eq!(s.chain.contract_storage(rm, COLD_CODE_KEY.encode()), None);
    Ok(())
}
