//! Governance: two-step ownership on each contract, separation of duties
//! (the owner registers, admins verify), code upgrades and repoints
//! announced and applied only after the delay, and every setting bounded
//! with its own error.

use crate::staffed;
use access_control::{EmergencySettings, Error as AcError};
use e2e_tests::{cast, E2EResult, Session, DAY};
use medrec_types::admin::{
    CodeUpgradeAnnounced, LinkAnnounced, LinkChanged, OwnershipTransferred, DEFAULT_UPGRADE_DELAY,
};
use medrec_types::{Link, Role};
use patient_consent::Error as PcError;
use record_management::Error as RmError;

#[test]
fn ownership_moves_in_two_steps_on_every_contract() -> E2EResult<()> {
    let mut s = Session::new()?;
    let (alice, charlie, mallory) = (cast::alice(), cast::charlie(), cast::mallory());
    // access-control
    let propose = s.ac().propose_owner(charlie.account);
    s.refused(&mallory, &propose, AcError::NotOwner)?;
    s.refused(
        &alice,
        &s.ac().propose_owner(alice.account),
        AcError::CannotTargetSelf,
    )?;
    s.refused(
        &charlie,
        &s.ac().accept_ownership(),
        AcError::NoPendingOwner,
    )?;
    s.ok(&alice, &propose)?;
    assert_eq!(
        s.query(&s.ac().admin())?.pending_owner(),
        Some(charlie.account)
    );
    s.refused(
        &mallory,
        &s.ac().accept_ownership(),
        AcError::NotPendingOwner,
    )?;
    let e: OwnershipTransferred = s.ok(&charlie, &s.ac().accept_ownership())?.one()?;
    assert_eq!(
        (e.actor, e.previous_owner),
        (charlie.account, alice.account)
    );
    assert_eq!(s.query(&s.ac().admin())?.owner(), charlie.account);
    s.refused(&alice, &s.ac().pause(), AcError::NotOwner)?;
    // patient-consent: a proposal can be withdrawn
    s.ok(&alice, &s.pc().propose_owner(mallory.account))?;
    s.refused(
        &mallory,
        &s.pc().cancel_ownership_proposal(),
        PcError::NotOwner,
    )?;
    s.ok(&alice, &s.pc().cancel_ownership_proposal())?;
    s.refused(
        &mallory,
        &s.pc().accept_ownership(),
        PcError::NoPendingOwner,
    )?;
    // record-management
    s.ok(&alice, &s.rm().propose_owner(charlie.account))?;
    s.ok(&charlie, &s.rm().accept_ownership())?;
    assert_eq!(s.query(&s.rm().admin())?.owner(), charlie.account);
    Ok(())
}

#[test]
fn the_owner_registers_and_admins_verify() -> E2EResult<()> {
    let mut s = Session::new()?;
    let (alice, bob, charlie) = (cast::alice(), cast::bob(), cast::charlie());
    let register = s
        .ac()
        .register_provider(charlie.account, Role::Doctor, [1; 32]);
    s.refused(&bob, &register, AcError::NotOwner)?;
    s.refused(
        &alice,
        &s.ac()
            .register_provider(alice.account, Role::Admin, [1; 32]),
        AcError::CannotTargetSelf,
    )?;
    s.ok(&alice, &register)?;
    let verify = s.ac().verify_provider(charlie.account);
    s.refused(&alice, &verify, AcError::NotAdmin)?;
    s.refused(
        &bob,
        &s.ac().verify_provider(bob.account),
        AcError::CannotTargetSelf,
    )?;
    s.ok(&bob, &verify)?;
    s.refused(&bob, &verify, AcError::AlreadyVerified)?;
    // The first admin cannot be deactivated while it is the only one
    s.refused(
        &alice,
        &s.ac().deactivate_provider(bob.account),
        AcError::LastActiveAdmin,
    )?;
    Ok(())
}

#[test]
fn a_code_upgrade_waits_for_its_announced_delay() -> E2EResult<()> {
    let mut s = Session::new()?;
    let alice = cast::alice();
    let hash = ink::primitives::Hash::from([7; 32]);
    let apply = s.rm().apply_code_upgrade();
    s.refused(&alice, &apply, RmError::NothingAnnounced)?;
    let announce = s.rm().announce_code_upgrade(hash);
    s.refused(&cast::mallory(), &announce, RmError::NotOwner)?;
    let call = s.ok(&alice, &announce)?;
    let effective_at = call.value;
    assert_eq!(effective_at, s.now() + DEFAULT_UPGRADE_DELAY);
    let e: CodeUpgradeAnnounced = call.one()?;
    assert_eq!((e.code_hash, e.effective_at), (hash, effective_at));
    s.refused(&alice, &announce, RmError::AlreadyAnnounced)?;
    s.refused(&alice, &apply, RmError::TooEarly)?;
    s.set_time(effective_at);
    // Due, but no code with that hash is uploaded: the runtime refuses, and
    // the announcement stays.
    s.refused(&alice, &apply, RmError::CodeUpgradeFailed)?;
    s.ok(&alice, &s.rm().cancel_code_upgrade())?;
    s.refused(&alice, &apply, RmError::NothingAnnounced)?;
    assert_eq!(s.query(&s.rm().code_version())?, 1);
    Ok(())
}

#[test]
fn a_repoint_takes_effect_only_after_its_delay() -> E2EResult<()> {
    let mut s = staffed()?;
    let alice = cast::alice();
    let stranger = cast::mallory().account;
    let announce = s.rm().announce_link(Link::PatientConsent, stranger);
    s.refused(&cast::bob(), &announce, RmError::NotOwner)?;
    s.refused(
        &alice,
        &s.rm().announce_link(Link::RecordManagement, stranger),
        RmError::UnknownLink,
    )?;
    s.refused(
        &alice,
        &s.rm().announce_link(Link::PatientConsent, s.rm),
        RmError::CannotTargetSelf,
    )?;
    let call = s.ok(&alice, &announce)?;
    let e: LinkAnnounced = call.one()?;
    assert_eq!(
        (e.link, e.target, e.effective_at),
        (Link::PatientConsent, stranger, call.value)
    );
    let apply = s.rm().apply_link(Link::PatientConsent);
    s.refused(&alice, &apply, RmError::TooEarly)?;
    assert_eq!(s.query(&s.rm().stats())?.consent_contract, s.pc);
    s.set_time(call.value);
    let e: LinkChanged = s.ok(&alice, &apply)?.one()?;
    assert_eq!((e.old, e.new), (Some(s.pc), stranger));
    assert_eq!(s.query(&s.rm().stats())?.consent_contract, stranger);
    // patient-consent's record-management link is set once at deployment
    s.refused(
        &alice,
        &s.pc().set_record_management(stranger),
        PcError::LinkAlreadySet,
    )?;
    Ok(())
}

#[test]
fn every_setting_is_bounded() -> E2EResult<()> {
    let mut s = Session::new()?;
    let alice = cast::alice();
    for bad in [0, DAY - 1, 30 * DAY + 1, u64::MAX] {
        s.refused(
            &alice,
            &s.rm().set_upgrade_delay(bad),
            RmError::InvalidUpgradeDelay,
        )?;
        s.refused(
            &alice,
            &s.ac().set_upgrade_delay(bad),
            AcError::InvalidUpgradeDelay,
        )?;
        s.refused(
            &alice,
            &s.pc().set_upgrade_delay(bad),
            PcError::InvalidUpgradeDelay,
        )?;
    }
    s.ok(&alice, &s.pc().set_upgrade_delay(DAY))?;
    for bad in [0, DAY - 1, u64::MAX] {
        s.refused(
            &alice,
            &s.rm().set_retention_period(bad),
            RmError::InvalidRetentionPeriod,
        )?;
    }
    s.refused(
        &cast::bob(),
        &s.rm().set_retention_period(DAY),
        RmError::NotOwner,
    )?;
    let settings = |w, c| EmergencySettings {
        window_duration: w,
        cooldown: c,
    };
    s.refused(
        &alice,
        &s.ac().set_emergency_settings(settings(0, DAY)),
        AcError::InvalidWindowDuration,
    )?;
    s.refused(
        &alice,
        &s.ac().set_emergency_settings(settings(DAY, 0)),
        AcError::InvalidCooldown,
    )?;
    s.refused(
        &alice,
        &s.ac().set_emergency_settings(settings(DAY, u64::MAX)),
        AcError::InvalidCooldown,
    )?;
    s.ok(
        &alice,
        &s.ac().set_emergency_settings(settings(DAY / 2, DAY)),
    )?;
    assert_eq!(
        s.query(&s.ac().emergency_settings())?,
        settings(DAY / 2, DAY)
    );
    Ok(())
}
