//! Providers: registered by the owner, verified by an admin, deactivated
//! (by the owner or an admin) and reactivated (by an admin); the provider
//! list; record-management follows access-control's answer on every call.

use crate::{consent_and_permit, create, staffed};
use access_control::events::{
    ProviderDeactivated, ProviderReactivated, ProviderRegistered, ProviderVerified,
};
use access_control::Error as AcError;
use e2e_tests::{cast, Actor, E2EResult, Session};
use medrec_types::AccessControlApi;
use medrec_types::{AccessLevel, DataType, Purpose, RecordType, Role};
use record_management::Error as RmError;

#[test]
fn providers_are_registered_verified_deactivated_and_reactivated() -> E2EResult<()> {
    let mut s = Session::new()?;
    let (alice, bob, charlie) = (cast::alice(), cast::bob(), cast::charlie());
    let msg = s
        .ac()
        .register_provider(charlie.account, Role::Doctor, [0xC1; 32]);
    let e: ProviderRegistered = s.ok(&alice, &msg)?.one()?;
    assert_eq!(
        (e.provider, e.actor, e.role, e.credentials_hash),
        (charlie.account, alice.account, Role::Doctor, [0xC1; 32])
    );
    s.refused(&alice, &msg, AcError::ProviderAlreadyRegistered)?;
    let p = s
        .query(&s.ac().get_provider(charlie.account))?
        .ok_or("registered")?;
    assert!(!p.verified && p.active);
    let msg = s.ac().verify_provider(charlie.account);
    let e: ProviderVerified = s.ok(&bob, &msg)?.one()?;
    assert_eq!((e.provider, e.actor), (charlie.account, bob.account));
    assert!(s.query(&s.ac().is_verified_provider(charlie.account))?);
    // A second admin, verified by the first
    let dana = Actor::sandbox("dana", 0x44);
    s.ok(
        &alice,
        &s.ac().register_provider(dana.account, Role::Admin, [0; 32]),
    )?;
    s.refused(
        &dana,
        &s.ac().verify_provider(dana.account),
        AcError::NotAdmin,
    )?;
    s.ok(&bob, &s.ac().verify_provider(dana.account))?;
    assert_eq!(s.query(&s.ac().active_admin_count())?, 2);
    // Deactivation by an admin, reactivation by the other
    let msg = s.ac().deactivate_provider(charlie.account);
    s.refused(&charlie, &msg, AcError::NotAdmin)?;
    let e: ProviderDeactivated = s.ok(&dana, &msg)?.one()?;
    assert_eq!((e.provider, e.actor), (charlie.account, dana.account));
    s.refused(&bob, &msg, AcError::AlreadyInactive)?;
    assert!(!s.query(&s.ac().is_verified_provider(charlie.account))?);
    let msg = s.ac().reactivate_provider(charlie.account);
    s.refused(&alice, &msg, AcError::NotAdmin)?;
    let e: ProviderReactivated = s.ok(&bob, &msg)?.one()?;
    assert_eq!(e.actor, bob.account);
    s.refused(&bob, &msg, AcError::AlreadyActive)?;
    // The owner can deactivate an admin, but never the last one
    s.ok(&alice, &s.ac().deactivate_provider(dana.account))?;
    s.refused(
        &alice,
        &s.ac().deactivate_provider(bob.account),
        AcError::LastActiveAdmin,
    )?;
    let unknown = s.ac().deactivate_provider(cast::mallory().account);
    s.refused(&alice, &unknown, AcError::ProviderNotFound)?;
    // The list, in registration order
    let list = s.query(&s.ac().providers(0, 50))?;
    assert_eq!(
        list.iter().map(|p| p.account).collect::<Vec<_>>(),
        vec![bob.account, charlie.account, dana.account]
    );
    assert_eq!(s.query(&s.ac().provider_count())?, 3);
    Ok(())
}

#[test]
fn record_management_follows_access_control_on_every_call() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie, bob) = (cast::ferdie(), cast::charlie(), cast::bob());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Write,
    )?;
    let id = create(&mut s, &charlie, RecordType::Diagnosis, 1)?;
    let read = s.rm().get_record(ferdie.account, id, Purpose::Treatment);
    s.ok(&charlie, &read)?;
    s.ok(&bob, &s.ac().deactivate_provider(charlie.account))?;
    s.refused(&charlie, &read, RmError::ProviderInactive)?;
    s.ok(&bob, &s.ac().reactivate_provider(charlie.account))?;
    s.ok(&charlie, &read)?;
    Ok(())
}
