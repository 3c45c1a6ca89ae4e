//! Unit tests of access-control: every message's allowed path and each denied
//! path with its exact error, and the state shown unchanged after a denial.

use crate::*;
use ink::env::{test, DefaultEnvironment as Env};
use ink::primitives::AccountId;
use medrec_types::{
    AccessControlApi, DataType, EmergencyReason, Hash32, ProviderStanding, Role, Timestamp,
    MAX_PAGE,
};

const CREDS: Hash32 = [7u8; 32];
const NOTE: Hash32 = [9u8; 32];

fn accounts() -> test::DefaultAccounts<Env> {
    test::default_accounts::<Env>()
}

fn set_caller(account: AccountId) {
    test::set_caller::<Env>(account);
}

fn set_time(ms: Timestamp) {
    test::set_block_timestamp::<Env>(ms);
}

fn event_count() -> usize {
    test::recorded_events().count()
}

/// Everything observable about one provider and the registry as a whole.
#[derive(Debug, PartialEq)]
struct Snapshot {
    provider: Option<Provider>,
    provider_count: u32,
    owner: AccountId,
    window_ms: Timestamp,
    events: usize,
}

fn snapshot(c: &AccessControl, provider: AccountId) -> Snapshot {
    Snapshot {
        provider: c.get_provider(provider),
        provider_count: c.provider_count(),
        owner: c.owner(),
        window_ms: c.emergency_window_duration(),
        events: event_count(),
    }
}

/// Alice owns the registry. Bob is a verified admin, Charlie a verified
/// doctor, Django a verified emergency provider, Eve registered as a nurse but
/// unverified. Frank is unregistered (later: a patient).
fn setup() -> AccessControl {
    let a = accounts();
    set_caller(a.alice);
    set_time(1_000);
    let mut c = AccessControl::new();
    c.register_provider(a.bob, Role::Admin, CREDS).unwrap();
    c.verify_provider(a.bob).unwrap();
    c.register_provider(a.charlie, Role::Doctor, CREDS).unwrap();
    c.register_provider(a.django, Role::Emergency, CREDS)
        .unwrap();
    c.register_provider(a.eve, Role::Nurse, CREDS).unwrap();
    set_caller(a.bob);
    c.verify_provider(a.charlie).unwrap();
    c.verify_provider(a.django).unwrap();
    set_caller(a.alice);
    c
}

// ----------------------------------------------------------------------
// constructor
// ----------------------------------------------------------------------

#[ink::test]
fn new_makes_the_caller_owner_with_default_settings() {
    let a = accounts();
    set_caller(a.bob);
    let c = AccessControl::new();
    assert_eq!(c.owner(), a.bob);
    assert_eq!(c.provider_count(), 0);
    assert_eq!(c.emergency_window_duration(), DEFAULT_EMERGENCY_WINDOW_MS);
    assert_eq!(c.emergency_window_duration(), 86_400_000);
}

// ----------------------------------------------------------------------
// register_provider
// ----------------------------------------------------------------------

#[ink::test]
fn owner_registers_an_unverified_active_provider() {
    let a = accounts();
    set_caller(a.alice);
    set_time(5_000);
    let mut c = AccessControl::new();
    let before = event_count();
    assert_eq!(c.register_provider(a.charlie, Role::Doctor, CREDS), Ok(()));
    assert_eq!(
        c.get_provider(a.charlie),
        Some(Provider {
            role: Role::Doctor,
            credentials_hash: CREDS,
            registered_at: 5_000,
            verified: false,
            verified_by: None,
            verified_at: None,
            active: true,
        })
    );
    assert_eq!(c.provider_count(), 1);
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn register_provider_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob); // an admin, but not the owner
    let before = snapshot(&c, a.frank);
    assert_eq!(
        c.register_provider(a.frank, Role::Doctor, CREDS),
        Err(Error::NotOwner)
    );
    assert_eq!(snapshot(&c, a.frank), before);
}

#[ink::test]
fn register_provider_twice_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c, a.charlie);
    assert_eq!(
        c.register_provider(a.charlie, Role::Nurse, [1u8; 32]),
        Err(Error::ProviderAlreadyRegistered)
    );
    assert_eq!(snapshot(&c, a.charlie), before);
}

// ----------------------------------------------------------------------
// verify_provider
// ----------------------------------------------------------------------

#[ink::test]
fn verified_admin_verifies_a_provider() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    set_time(2_000);
    let before = event_count();
    assert_eq!(c.verify_provider(a.eve), Ok(()));
    let eve = c.get_provider(a.eve).unwrap();
    assert!(eve.verified);
    assert_eq!(eve.verified_by, Some(a.bob));
    assert_eq!(eve.verified_at, Some(2_000));
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn owner_verifies_the_first_admin() {
    let a = accounts();
    set_caller(a.alice);
    let mut c = AccessControl::new();
    c.register_provider(a.bob, Role::Admin, CREDS).unwrap();
    assert_eq!(c.verify_provider(a.bob), Ok(()));
    assert_eq!(c.get_provider(a.bob).unwrap().verified_by, Some(a.alice));
}

#[ink::test]
fn verify_provider_by_non_admin_is_refused() {
    let a = accounts();
    let mut c = setup();
    // a verified doctor, an unregistered account
    for caller in [a.charlie, a.frank] {
        set_caller(caller);
        let before = snapshot(&c, a.eve);
        assert_eq!(c.verify_provider(a.eve), Err(Error::NotAdmin));
        assert_eq!(snapshot(&c, a.eve), before);
    }
}

#[ink::test]
fn verify_provider_by_unverified_or_inactive_admin_is_refused() {
    let a = accounts();
    let mut c = setup();
    // Frank: admin, registered but not verified.
    c.register_provider(a.frank, Role::Admin, CREDS).unwrap();
    set_caller(a.frank);
    let before = snapshot(&c, a.eve);
    assert_eq!(c.verify_provider(a.eve), Err(Error::NotAdmin));
    assert_eq!(snapshot(&c, a.eve), before);
    // Bob: verified admin, then deactivated.
    set_caller(a.alice);
    c.deactivate_provider(a.bob).unwrap();
    set_caller(a.bob);
    let before = snapshot(&c, a.eve);
    assert_eq!(c.verify_provider(a.eve), Err(Error::NotAdmin));
    assert_eq!(snapshot(&c, a.eve), before);
}

#[ink::test]
fn verify_unknown_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c, a.frank);
    assert_eq!(c.verify_provider(a.frank), Err(Error::ProviderNotFound));
    assert_eq!(snapshot(&c, a.frank), before);
}

#[ink::test]
fn verify_provider_twice_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c, a.charlie);
    assert_eq!(c.verify_provider(a.charlie), Err(Error::AlreadyVerified));
    assert_eq!(snapshot(&c, a.charlie), before);
}

// ----------------------------------------------------------------------
// deactivate_provider / reactivate_provider
// ----------------------------------------------------------------------

#[ink::test]
fn admin_deactivates_and_reactivates_a_provider() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = event_count();
    assert_eq!(c.deactivate_provider(a.charlie), Ok(()));
    assert!(!c.get_provider(a.charlie).unwrap().active);
    assert!(!c.is_verified_provider(a.charlie));
    assert!(!c.check_access_permission(a.charlie, DataType::LabResults));
    assert_eq!(c.reactivate_provider(a.charlie), Ok(()));
    assert!(c.get_provider(a.charlie).unwrap().active);
    assert!(c.check_access_permission(a.charlie, DataType::LabResults));
    assert_eq!(event_count(), before + 2);
}

#[ink::test]
fn deactivate_by_non_admin_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.charlie);
    let before = snapshot(&c, a.django);
    assert_eq!(c.deactivate_provider(a.django), Err(Error::NotAdmin));
    assert_eq!(snapshot(&c, a.django), before);
}

#[ink::test]
fn deactivate_unknown_or_inactive_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c, a.frank);
    assert_eq!(c.deactivate_provider(a.frank), Err(Error::ProviderNotFound));
    assert_eq!(snapshot(&c, a.frank), before);
    c.deactivate_provider(a.charlie).unwrap();
    let before = snapshot(&c, a.charlie);
    assert_eq!(
        c.deactivate_provider(a.charlie),
        Err(Error::AlreadyInactive)
    );
    assert_eq!(snapshot(&c, a.charlie), before);
}

#[ink::test]
fn reactivate_by_non_admin_is_refused() {
    let a = accounts();
    let mut c = setup();
    c.deactivate_provider(a.charlie).unwrap();
    set_caller(a.django);
    let before = snapshot(&c, a.charlie);
    assert_eq!(c.reactivate_provider(a.charlie), Err(Error::NotAdmin));
    assert_eq!(snapshot(&c, a.charlie), before);
}

#[ink::test]
fn reactivate_unknown_or_active_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c, a.frank);
    assert_eq!(c.reactivate_provider(a.frank), Err(Error::ProviderNotFound));
    assert_eq!(snapshot(&c, a.frank), before);
    let before = snapshot(&c, a.charlie);
    assert_eq!(c.reactivate_provider(a.charlie), Err(Error::AlreadyActive));
    assert_eq!(snapshot(&c, a.charlie), before);
}

// ----------------------------------------------------------------------
// queries: check_access_permission, is_verified_provider, can_role_access
// ----------------------------------------------------------------------

#[ink::test]
fn check_access_permission_needs_registration_verification_activity_and_role() {
    let a = accounts();
    let mut c = setup();
    // unregistered
    assert!(!c.check_access_permission(a.frank, DataType::LabResults));
    // registered nurse, unverified
    assert!(!c.check_access_permission(a.eve, DataType::LabResults));
    set_caller(a.bob);
    c.verify_provider(a.eve).unwrap();
    // verified nurse: allowed type, disallowed type, sensitive type
    assert!(c.check_access_permission(a.eve, DataType::LabResults));
    assert!(!c.check_access_permission(a.eve, DataType::Imaging));
    assert!(!c.check_access_permission(a.eve, DataType::MentalHealth));
    // doctors alone see sensitive types
    assert!(c.check_access_permission(a.charlie, DataType::Genetic));
    assert!(!c.check_access_permission(a.django, DataType::Genetic));
    // deactivated
    c.deactivate_provider(a.eve).unwrap();
    assert!(!c.check_access_permission(a.eve, DataType::LabResults));
}

#[ink::test]
fn is_verified_provider_means_verified_and_active() {
    let a = accounts();
    let mut c = setup();
    assert!(c.is_verified_provider(a.charlie));
    assert!(!c.is_verified_provider(a.eve));
    assert!(!c.is_verified_provider(a.frank));
    c.deactivate_provider(a.charlie).unwrap();
    assert!(!c.is_verified_provider(a.charlie));
}

#[ink::test]
fn can_role_access_is_the_shared_matrix() {
    let c = setup();
    for role in Role::ALL {
        for data_type in DataType::ALL {
            assert_eq!(c.can_role_access(role, data_type), role.allows(data_type));
        }
    }
}

#[ink::test]
fn assess_provider_names_the_first_failing_condition() {
    let a = accounts();
    let mut c = setup();
    let p = a.frank;
    let standing = |c: &AccessControl, who, d| c.assess_provider(who, p, d).standing;
    assert_eq!(
        standing(&c, a.alice, DataType::LabResults),
        ProviderStanding::NotRegistered
    );
    assert_eq!(
        standing(&c, a.eve, DataType::LabResults),
        ProviderStanding::NotVerified
    );
    assert_eq!(
        standing(&c, a.charlie, DataType::LabResults),
        ProviderStanding::Cleared
    );
    assert_eq!(
        standing(&c, a.django, DataType::MentalHealth),
        ProviderStanding::RoleNotAllowed
    );
    c.deactivate_provider(a.charlie).unwrap();
    assert_eq!(
        standing(&c, a.charlie, DataType::LabResults),
        ProviderStanding::Inactive
    );
    assert!(
        !c.assess_provider(a.django, p, DataType::LabResults)
            .emergency_window
    );
}

// ----------------------------------------------------------------------
// emergency access
// ----------------------------------------------------------------------

#[ink::test]
fn emergency_provider_opens_a_window_that_is_logged_and_expires() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    set_time(10_000);
    let before = event_count();
    let expires = c.activate_emergency_access(a.frank, EmergencyReason::PatientUnconscious, NOTE);
    assert_eq!(expires, Ok(10_000 + DEFAULT_EMERGENCY_WINDOW_MS));
    assert_eq!(event_count(), before + 1);
    assert!(c.check_emergency_access(a.django, a.frank));
    assert!(
        c.assess_provider(a.django, a.frank, DataType::Imaging)
            .emergency_window
    );
    // the window is about Frank only
    assert!(!c.check_emergency_access(a.django, a.eve));
    assert_eq!(
        c.get_emergency_window(a.django, a.frank),
        Some(EmergencyWindow {
            reason: EmergencyReason::PatientUnconscious,
            note_hash: NOTE,
            opened_at: 10_000,
            expires_at: 10_000 + DEFAULT_EMERGENCY_WINDOW_MS,
            ended_at: None,
        })
    );
    assert_eq!(c.access_log_len(a.frank), 1);
    assert_eq!(
        c.access_log_entry(a.frank, 0),
        Some(AccessLogEntry {
            provider: a.django,
            action: AccessAction::EmergencyActivated,
            reason: EmergencyReason::PatientUnconscious,
            note_hash: NOTE,
            at: 10_000,
        })
    );
    // exact expiry boundary: open one millisecond before, closed at expiry
    set_time(10_000 + DEFAULT_EMERGENCY_WINDOW_MS - 1);
    assert!(c.check_emergency_access(a.django, a.frank));
    set_time(10_000 + DEFAULT_EMERGENCY_WINDOW_MS);
    assert!(!c.check_emergency_access(a.django, a.frank));
    // an expired window can be replaced by a new one
    assert!(c
        .activate_emergency_access(a.frank, EmergencyReason::LifeThreatening, NOTE)
        .is_ok());
    assert_eq!(c.access_log_len(a.frank), 2);
}

#[ink::test]
fn emergency_window_is_void_once_its_holder_is_deactivated() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    c.activate_emergency_access(a.frank, EmergencyReason::LifeThreatening, NOTE)
        .unwrap();
    set_caller(a.bob);
    c.deactivate_provider(a.django).unwrap();
    assert!(!c.check_emergency_access(a.django, a.frank));
    assert!(
        !c.assess_provider(a.django, a.frank, DataType::Imaging)
            .emergency_window
    );
}

#[ink::test]
fn emergency_activation_denials_each_have_their_own_error() {
    let a = accounts();
    let mut c = setup();
    // Eve: registered nurse, unverified. Make Frank an inactive emergency provider.
    c.register_provider(a.frank, Role::Emergency, CREDS)
        .unwrap();
    c.verify_provider(a.frank).unwrap();
    c.deactivate_provider(a.frank).unwrap();
    let unverified_emergency = AccountId::from([0x42; 32]);
    c.register_provider(unverified_emergency, Role::Emergency, CREDS)
        .unwrap();
    let patient = AccountId::from([0x50; 32]);
    let cases = [
        (a.alice, Error::CallerNotRegistered),
        (unverified_emergency, Error::CallerNotVerified),
        (a.frank, Error::CallerInactive),
        (a.charlie, Error::NotEmergencyRole),
    ];
    for (caller, expected) in cases {
        set_caller(caller);
        let before = (snapshot(&c, caller), c.access_log_len(patient));
        assert_eq!(
            c.activate_emergency_access(patient, EmergencyReason::Other, NOTE),
            Err(expected),
            "caller {caller:?}"
        );
        assert_eq!((snapshot(&c, caller), c.access_log_len(patient)), before);
        assert_eq!(c.get_emergency_window(caller, patient), None);
    }
    // targeting oneself
    set_caller(a.django);
    let before = (snapshot(&c, a.django), c.access_log_len(a.django));
    assert_eq!(
        c.activate_emergency_access(a.django, EmergencyReason::Other, NOTE),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!((snapshot(&c, a.django), c.access_log_len(a.django)), before);
}

#[ink::test]
fn a_second_window_while_one_is_open_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    c.activate_emergency_access(a.frank, EmergencyReason::LifeThreatening, NOTE)
        .unwrap();
    let window = c.get_emergency_window(a.django, a.frank);
    let before = (snapshot(&c, a.django), c.access_log_len(a.frank));
    assert_eq!(
        c.activate_emergency_access(a.frank, EmergencyReason::Other, [1; 32]),
        Err(Error::EmergencyWindowAlreadyOpen)
    );
    assert_eq!((snapshot(&c, a.django), c.access_log_len(a.frank)), before);
    assert_eq!(c.get_emergency_window(a.django, a.frank), window);
}

#[ink::test]
fn holder_ends_a_window_early() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    set_time(20_000);
    c.activate_emergency_access(a.frank, EmergencyReason::MassCasualty, NOTE)
        .unwrap();
    set_time(30_000);
    let before = event_count();
    assert_eq!(c.end_emergency_access(a.frank), Ok(()));
    assert_eq!(event_count(), before + 1);
    assert!(!c.check_emergency_access(a.django, a.frank));
    assert_eq!(
        c.get_emergency_window(a.django, a.frank).unwrap().ended_at,
        Some(30_000)
    );
    let entry = c.access_log_entry(a.frank, 1).unwrap();
    assert_eq!(entry.action, AccessAction::EmergencyEnded);
    assert_eq!(entry.at, 30_000);
}

#[ink::test]
fn ending_a_window_one_does_not_hold_open_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    set_time(1_000);
    // none at all
    let before = (snapshot(&c, a.django), c.access_log_len(a.frank));
    assert_eq!(
        c.end_emergency_access(a.frank),
        Err(Error::NoOpenEmergencyWindow)
    );
    assert_eq!((snapshot(&c, a.django), c.access_log_len(a.frank)), before);
    c.activate_emergency_access(a.frank, EmergencyReason::LifeThreatening, NOTE)
        .unwrap();
    // someone else's window
    set_caller(a.charlie);
    let before = (snapshot(&c, a.charlie), c.access_log_len(a.frank));
    assert_eq!(
        c.end_emergency_access(a.frank),
        Err(Error::NoOpenEmergencyWindow)
    );
    assert_eq!((snapshot(&c, a.charlie), c.access_log_len(a.frank)), before);
    assert!(c.check_emergency_access(a.django, a.frank));
    // an expired one
    set_caller(a.django);
    set_time(1_000 + DEFAULT_EMERGENCY_WINDOW_MS);
    let window = c.get_emergency_window(a.django, a.frank);
    assert_eq!(
        c.end_emergency_access(a.frank),
        Err(Error::NoOpenEmergencyWindow)
    );
    assert_eq!(c.get_emergency_window(a.django, a.frank), window);
    assert_eq!(c.access_log_len(a.frank), 1);
}

// ----------------------------------------------------------------------
// settings
// ----------------------------------------------------------------------

#[ink::test]
fn owner_sets_the_window_length_within_bounds() {
    let a = accounts();
    let mut c = setup();
    assert_eq!(
        c.set_emergency_window_duration(MIN_EMERGENCY_WINDOW_MS),
        Ok(())
    );
    assert_eq!(c.emergency_window_duration(), MIN_EMERGENCY_WINDOW_MS);
    assert_eq!(
        c.set_emergency_window_duration(MAX_EMERGENCY_WINDOW_MS),
        Ok(())
    );
    assert_eq!(c.emergency_window_duration(), MAX_EMERGENCY_WINDOW_MS);
    // new windows use the new length
    set_caller(a.django);
    set_time(0);
    assert_eq!(
        c.activate_emergency_access(a.frank, EmergencyReason::Other, NOTE),
        Ok(MAX_EMERGENCY_WINDOW_MS)
    );
}

#[ink::test]
fn window_length_outside_bounds_or_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    for bad in [
        0,
        MIN_EMERGENCY_WINDOW_MS - 1,
        MAX_EMERGENCY_WINDOW_MS + 1,
        u64::MAX,
    ] {
        let before = snapshot(&c, a.bob);
        assert_eq!(
            c.set_emergency_window_duration(bad),
            Err(Error::InvalidWindowDuration)
        );
        assert_eq!(snapshot(&c, a.bob), before);
    }
    set_caller(a.bob);
    let before = snapshot(&c, a.bob);
    assert_eq!(
        c.set_emergency_window_duration(MIN_EMERGENCY_WINDOW_MS),
        Err(Error::NotOwner)
    );
    assert_eq!(snapshot(&c, a.bob), before);
}

// ----------------------------------------------------------------------
// ownership
// ----------------------------------------------------------------------

#[ink::test]
fn owner_transfers_ownership_and_loses_its_rights() {
    let a = accounts();
    let mut c = setup();
    let before = event_count();
    assert_eq!(c.transfer_ownership(a.frank), Ok(()));
    assert_eq!(c.owner(), a.frank);
    assert_eq!(event_count(), before + 1);
    assert_eq!(
        c.register_provider(AccountId::from([1; 32]), Role::Nurse, CREDS),
        Err(Error::NotOwner)
    );
    set_caller(a.frank);
    assert_eq!(
        c.register_provider(AccountId::from([1; 32]), Role::Nurse, CREDS),
        Ok(())
    );
}

#[ink::test]
fn transfer_ownership_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c, a.bob);
    assert_eq!(c.transfer_ownership(a.bob), Err(Error::NotOwner));
    assert_eq!(snapshot(&c, a.bob), before);
}

// ----------------------------------------------------------------------
// access log
// ----------------------------------------------------------------------

#[ink::test]
fn access_log_is_numbered_per_patient_and_paginated_with_a_cap() {
    let a = accounts();
    let mut c = setup();
    let other_patient = a.eve;
    set_caller(a.django);
    let mut now = 0;
    // 60 window open/close pairs on Frank = 120 entries; one on Eve.
    for _ in 0..60 {
        set_time(now);
        c.activate_emergency_access(a.frank, EmergencyReason::Other, NOTE)
            .unwrap();
        now += 10;
        set_time(now);
        c.end_emergency_access(a.frank).unwrap();
    }
    c.activate_emergency_access(other_patient, EmergencyReason::Other, NOTE)
        .unwrap();
    assert_eq!(c.access_log_len(a.frank), 120);
    assert_eq!(c.access_log_len(other_patient), 1);
    assert_eq!(
        c.access_log_entry(other_patient, 0).unwrap().action,
        AccessAction::EmergencyActivated
    );
    // a page never exceeds MAX_PAGE, whatever was asked
    let page = c.access_log(a.frank, 0, 1_000);
    assert_eq!(page.len(), MAX_PAGE as usize);
    assert_eq!(page[0].action, AccessAction::EmergencyActivated);
    assert_eq!(page[1].action, AccessAction::EmergencyEnded);
    // the last page is short; reading past the end is empty
    assert_eq!(c.access_log(a.frank, 110, 50).len(), 10);
    assert!(c.access_log(a.frank, 120, 50).is_empty());
    assert!(c.access_log(a.frank, u64::MAX, 50).is_empty());
    assert_eq!(c.access_log_entry(a.frank, 120), None);
}

// ----------------------------------------------------------------------
// upgrades (the allowed path runs on the compiled WASM: e2e-tests/tests/upgrade.rs)
// ----------------------------------------------------------------------

#[ink::test]
fn set_code_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c, a.bob);
    let events = test::recorded_events().count();
    assert_eq!(
        c.set_code(ink::primitives::Hash::from([7; 32])),
        Err(Error::NotOwner)
    );
    assert_eq!(snapshot(&c, a.bob), before);
    assert_eq!(test::recorded_events().count(), events);
}

#[ink::test]
fn code_version_is_one() {
    assert_eq!(setup().code_version(), 1);
}
