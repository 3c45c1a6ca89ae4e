//! Cross-contract safety: record-management pointed at a hostile consent
//! contract (`reference/rogue-consent`) that says yes to everything, reverts,
//! traps, or calls back into record-management mid-decision.
//!
//! Shows: only the owner can change the addresses record-management asks;
//! a reverting or trapping callee gives the named `ConsentContractUnavailable`
//! and leaves the contract usable (the patient still reads her own record,
//! and pointing back at the real contract restores the normal decisions); a
//! re-entrant call is refused by the runtime (ink!'s calls do not allow
//! re-entry), so it cannot act mid-decision; and even a consent contract that
//! says yes to everything does not override record-management's own rules.
//!
//! Runs on [`e2e_tests::direct::Chain`] with the release builds
//! (`scripts/build.sh`), because ink_e2e builds only the system's contracts.

use e2e_tests::direct::{deploy_release, release_code, Chain};
use e2e_tests::{sample_record, set_time, Cast, E2EResult, DAY};
use ink::env::call::{build_call, ExecutionInput, Selector};
use ink::env::DefaultEnvironment;
use ink::scale::Encode;
use medrec_types::{AccessLevel, DataType, Purpose, RecordType, Role};
use record_management::{Confidentiality, Error};

/// `reference/rogue-consent`'s `Mode` (same variants, same order, so the same
/// encoding; `reference/` is not a dependency of this crate).
#[ink::scale_derive(Encode)]
#[derive(Debug, Clone, Copy)]
enum Mode {
    YesToAll,
    Revert,
    Trap,
    Reenter,
}

#[test]
fn a_hostile_consent_contract_cannot_be_installed_by_others_and_cannot_wedge_the_records(
) -> E2EResult<()> {
    set_time(1_795_392_000_000);
    let mut chain = Chain::default();
    let alice = Cast::id(ink_e2e::AccountKeyring::Alice);
    let (bob, charlie, dave, ferdie) = (Cast::bob(), Cast::charlie(), Cast::dave(), Cast::ferdie());
    let d = deploy_release(&mut chain)?;
    let (ac_addr, pc_addr) = (d.ac, d.pc);
    let (rogue_addr, _) = chain.deploy(
        release_code("rogue-consent")?,
        ExecutionInput::new(Selector::new(ink::selector_bytes!("new")))
            .push_arg(Mode::YesToAll)
            .encode(),
        vec![4],
        alice,
    )?;
    let mut ac = d.ac();
    let mut pc = d.pc();
    let mut rm = d.rm();
    let set_mode = |mode: Mode| {
        build_call::<DefaultEnvironment>()
            .call(rogue_addr)
            .exec_input(
                ExecutionInput::new(Selector::new(ink::selector_bytes!("set_mode"))).push_arg(mode),
            )
            .returns::<()>()
    };

    // Given a record of Ferdie's that Charlie wrote, and Ferdie's consent
    // since withdrawn; Dave is a verified nurse with no permission
    for (who, role) in [(charlie, Role::Doctor), (dave, Role::Nurse)] {
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
    let (hash, locator) = sample_record(7);
    let record = chain.ok(
        "create",
        charlie,
        &rm.create_record(
            ferdie,
            RecordType::LabResults,
            hash,
            locator,
            [7; 32],
            64,
            0,
            Confidentiality::Normal,
        ),
    )?;
    chain.ok(
        "revoke",
        ferdie,
        &pc.revoke_consent(charlie, DataType::LabResults),
    )?;
    let read =
        |chain: &mut Chain, who| -> E2EResult<Result<record_management::RecordView, Error>> {
            let mut rm = d.rm();
            chain.value(
                "get_record",
                who,
                &rm.get_record(ferdie, record, Purpose::Treatment),
            )
        };
    assert_eq!(
        read(&mut chain, charlie)?.err(),
        Some(Error::ConsentRequired)
    );

    // Only the owner may repoint record-management
    for stranger in [bob, charlie, ferdie] {
        let r = chain.call(stranger, &rm.set_contract_addresses(rogue_addr, ac_addr))?;
        assert!(r.reverted);
        assert_eq!(r.value?, Err(Error::NotOwner));
    }
    assert_eq!(
        read(&mut chain, charlie)?.err(),
        Some(Error::ConsentRequired),
        "still asking the real consent contract"
    );

    // A yes-to-everything consent contract (installed by the owner, the one
    // party trusted with the wiring) still cannot override record-management's
    // own rules: Dave has no permission
    chain.ok(
        "repoint",
        alice,
        &rm.set_contract_addresses(rogue_addr, ac_addr),
    )?;
    assert!(
        read(&mut chain, charlie)?.is_ok(),
        "the owner's choice is obeyed"
    );
    assert_eq!(read(&mut chain, dave)?.err(), Some(Error::NoPermission));

    // A reverting, a trapping and a re-entering callee each give the named
    // error, write nothing, and leave the contract usable
    for mode in [Mode::Revert, Mode::Trap, Mode::Reenter] {
        chain.value("set_mode", alice, &set_mode(mode))?;
        let head = chain.value("head", alice, &rm.audit_head(ferdie))?;
        let r = chain.call(charlie, &rm.get_record(ferdie, record, Purpose::Treatment))?;
        assert!(r.reverted, "{mode:?}");
        assert_eq!(
            r.value?.err(),
            Some(Error::ConsentContractUnavailable),
            "{mode:?}"
        );
        assert_eq!(
            chain.value("head", alice, &rm.audit_head(ferdie))?,
            head,
            "{mode:?}"
        );
        // The patient's own read asks no consent contract: still served
        let own = chain.value(
            "own read",
            ferdie,
            &rm.get_record(ferdie, record, Purpose::PatientRequest),
        )?;
        assert!(own.is_ok(), "{mode:?}: the patient's own read");
    }

    // Pointing back at the real contract restores the normal decisions
    chain.ok(
        "repoint back",
        alice,
        &rm.set_contract_addresses(pc_addr, ac_addr),
    )?;
    assert_eq!(
        read(&mut chain, charlie)?.err(),
        Some(Error::ConsentRequired)
    );
    chain.ok(
        "consent again",
        ferdie,
        &pc.grant_consent(charlie, DataType::LabResults, 30 * DAY, Purpose::Treatment),
    )?;
    assert!(read(&mut chain, charlie)?.is_ok());
    Ok(())
}
