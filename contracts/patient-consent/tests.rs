//! Unit tests of patient-consent: every message's allowed path and each denied
//! path with its exact error, and the state shown unchanged after a denial.
//!
//! `request_access` makes a real cross-contract call, which the off-chain
//! environment cannot do; its logic past that call is driven through
//! `request_access_inner`, and its checks before the call are tested directly.

use crate::*;
use ink::env::{test, DefaultEnvironment as Env};
use ink::primitives::AccountId;
use medrec_types::{DataType, PatientConsentApi, ProviderStanding, Purpose, Timestamp, MAX_PAGE};

/// Any account: access-control is never called in these tests.
const ACCESS_CONTROL: [u8; 32] = [0xAC; 32];
/// When `setup` runs.
const T0: Timestamp = 1_000;
/// How long `setup`'s delegation of Django lasts.
const DELEGATE_MS: Timestamp = 10_000;
/// How long the consents granted in these tests last.
const CONSENT_MS: Timestamp = 5_000;

const NON_SENSITIVE: [DataType; 5] = [
    DataType::MedicalRecords,
    DataType::LabResults,
    DataType::Prescriptions,
    DataType::Imaging,
    DataType::EmergencyInfo,
];
const SENSITIVE: [DataType; 3] = [
    DataType::MentalHealth,
    DataType::Genetic,
    DataType::Financial,
];

fn accounts() -> test::DefaultAccounts<Env> {
    test::default_accounts::<Env>()
}

fn all_accounts() -> [AccountId; 6] {
    let a = accounts();
    [a.alice, a.bob, a.charlie, a.django, a.eve, a.frank]
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

/// Everything observable about the contract for the test accounts: every
/// patient record, consent (all patients x providers x data types), history,
/// delegation and the first requests, the settings, and the events so far.
#[derive(Debug, PartialEq)]
struct Snapshot {
    patients: Vec<Option<PatientInfo>>,
    consents: Vec<Option<Consent>>,
    history_lens: Vec<u64>,
    histories: Vec<Vec<HistoryEntry>>,
    delegates: Vec<Option<Delegation>>,
    requests: Vec<Option<AccessRequest>>,
    request_count: u64,
    paused: bool,
    owner: AccountId,
    access_control: AccountId,
    events: usize,
}

fn snapshot(c: &PatientConsent) -> Snapshot {
    let all = all_accounts();
    let mut consents = Vec::new();
    let mut delegates = Vec::new();
    for patient in all {
        for other in all {
            delegates.push(c.get_delegate(patient, other));
            for data_type in DataType::ALL {
                consents.push(c.get_consent(patient, other, data_type));
            }
        }
    }
    Snapshot {
        patients: all.iter().map(|p| c.get_patient(*p)).collect(),
        consents,
        history_lens: all.iter().map(|p| c.history_len(*p)).collect(),
        histories: all.iter().map(|p| c.history(*p, 0, MAX_PAGE)).collect(),
        delegates,
        requests: (0..=5).map(|id| c.get_access_request(id)).collect(),
        request_count: c.request_count(),
        paused: c.paused(),
        owner: c.owner(),
        access_control: c.access_control(),
        events: event_count(),
    }
}

/// Alice deploys and owns the contract at `T0`. Bob registers as a patient
/// and names Django his guardian until `T0 + DELEGATE_MS` (Bob's history
/// entry 0). Charlie is a provider, Eve a stranger, Frank unregistered.
/// The caller is left as Bob.
fn setup() -> PatientConsent {
    let a = accounts();
    set_caller(a.alice);
    set_time(T0);
    let mut c = PatientConsent::new(AccountId::from(ACCESS_CONTROL));
    set_caller(a.bob);
    c.register_patient().unwrap();
    c.add_delegate(a.django, DelegateKind::Guardian, DELEGATE_MS)
        .unwrap();
    c
}

/// `setup`, then Bob consents to Charlie seeing his lab results for
/// treatment until `T0 + CONSENT_MS` (Bob's history entry 1).
fn setup_with_consent() -> PatientConsent {
    let a = accounts();
    let mut c = setup();
    c.grant_consent(
        a.charlie,
        DataType::LabResults,
        CONSENT_MS,
        Purpose::Treatment,
    )
    .unwrap();
    c
}

/// Charlie (cleared by access-control) asks Bob for his imaging, for research.
fn charlie_requests_imaging(c: &mut PatientConsent) -> u64 {
    let a = accounts();
    c.request_access_inner(
        a.charlie,
        a.bob,
        DataType::Imaging,
        Purpose::Research,
        ProviderStanding::Cleared,
    )
    .unwrap()
}

fn pause(c: &mut PatientConsent) {
    let a = accounts();
    set_caller(a.alice);
    c.pause().unwrap();
}

// ----------------------------------------------------------------------
// constructor
// ----------------------------------------------------------------------

#[ink::test]
fn new_makes_the_caller_owner_of_a_running_empty_registry() {
    let a = accounts();
    set_caller(a.charlie);
    let c = PatientConsent::new(AccountId::from(ACCESS_CONTROL));
    assert_eq!(c.owner(), a.charlie);
    assert_eq!(c.access_control(), AccountId::from(ACCESS_CONTROL));
    assert!(!c.paused());
    assert_eq!(c.request_count(), 0);
    assert_eq!(c.get_access_request(1), None);
    assert_eq!(c.get_patient(a.charlie), None);
    assert_eq!(event_count(), 0);
}

// ----------------------------------------------------------------------
// register_patient
// ----------------------------------------------------------------------

#[ink::test]
fn caller_registers_as_a_patient_with_zeroed_counters() {
    let a = accounts();
    set_caller(a.alice);
    set_time(7_000);
    let mut c = PatientConsent::new(AccountId::from(ACCESS_CONTROL));
    set_caller(a.frank);
    assert!(!c.is_registered(a.frank));
    let before = event_count();
    assert_eq!(c.register_patient(), Ok(()));
    assert_eq!(
        c.get_patient(a.frank),
        Some(PatientInfo {
            registered_at: 7_000,
            consents_granted: 0,
            consents_revoked: 0,
            history_len: 0,
        })
    );
    assert!(c.is_registered(a.frank));
    assert_eq!(c.history_len(a.frank), 0);
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn register_patient_twice_is_refused() {
    let mut c = setup();
    let before = snapshot(&c);
    assert_eq!(c.register_patient(), Err(Error::PatientAlreadyRegistered));
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn register_patient_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.frank);
    let before = snapshot(&c);
    assert_eq!(c.register_patient(), Err(Error::ContractPaused));
    assert_eq!(snapshot(&c), before);
    assert!(!c.is_registered(a.frank));
}

// ----------------------------------------------------------------------
// grant_consent
// ----------------------------------------------------------------------

#[ink::test]
fn patient_grants_a_consent_that_expires_after_the_duration() {
    let a = accounts();
    let mut c = setup();
    set_time(2_000);
    let before = event_count();
    assert_eq!(
        c.grant_consent(a.charlie, DataType::Imaging, 3_000, Purpose::Operations),
        Ok(5_000)
    );
    assert_eq!(
        c.get_consent(a.bob, a.charlie, DataType::Imaging),
        Some(Consent {
            granted_at: 2_000,
            expires_at: 5_000,
            purpose: Purpose::Operations,
            active: true,
            granted_by: a.bob,
            request_id: None,
        })
    );
    let info = c.get_patient(a.bob).unwrap();
    assert_eq!(info.consents_granted, 1);
    assert_eq!(info.consents_revoked, 0);
    assert_eq!(info.history_len, 2);
    assert_eq!(c.history_len(a.bob), 2);
    assert_eq!(
        c.history_entry(a.bob, 1),
        Some(HistoryEntry {
            actor: a.bob,
            action: ConsentAction::Granted,
            subject: a.charlie,
            data_type: Some(DataType::Imaging),
            purpose: Some(Purpose::Operations),
            expires_at: Some(5_000),
            request_id: None,
            at: 2_000,
        })
    );
    assert!(c.check_consent(a.bob, a.charlie, DataType::Imaging));
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn regranting_replaces_the_consent_and_counts_again() {
    let a = accounts();
    let mut c = setup_with_consent();
    c.revoke_consent(a.charlie, DataType::LabResults).unwrap();
    set_time(4_000);
    let before = event_count();
    assert_eq!(
        c.grant_consent(a.charlie, DataType::LabResults, 100, Purpose::Payment),
        Ok(4_100)
    );
    assert_eq!(
        c.get_consent(a.bob, a.charlie, DataType::LabResults),
        Some(Consent {
            granted_at: 4_000,
            expires_at: 4_100,
            purpose: Purpose::Payment,
            active: true,
            granted_by: a.bob,
            request_id: None,
        })
    );
    let info = c.get_patient(a.bob).unwrap();
    assert_eq!(info.consents_granted, 2);
    assert_eq!(info.consents_revoked, 1);
    // delegate added, granted, revoked, granted again
    assert_eq!(info.history_len, 4);
    assert_eq!(
        c.history_entry(a.bob, 3).unwrap().action,
        ConsentAction::Granted
    );
    assert!(c.check_consent(a.bob, a.charlie, DataType::LabResults));
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn grant_consent_by_unregistered_patient_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.frank);
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent(
            a.charlie,
            DataType::LabResults,
            CONSENT_MS,
            Purpose::Treatment
        ),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn grant_consent_with_zero_duration_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent(a.charlie, DataType::LabResults, 0, Purpose::Treatment),
        Err(Error::InvalidDuration)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn grant_consent_to_oneself_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent(a.bob, DataType::LabResults, CONSENT_MS, Purpose::Treatment),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn grant_consent_whose_expiry_overflows_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent(
            a.charlie,
            DataType::LabResults,
            u64::MAX,
            Purpose::Treatment
        ),
        Err(Error::Overflow)
    );
    assert_eq!(snapshot(&c), before);
    // At time 0 the same duration just fits.
    set_time(0);
    assert_eq!(
        c.grant_consent(
            a.charlie,
            DataType::LabResults,
            u64::MAX,
            Purpose::Treatment
        ),
        Ok(u64::MAX)
    );
}

#[ink::test]
fn grant_consent_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent(
            a.charlie,
            DataType::LabResults,
            CONSENT_MS,
            Purpose::Treatment
        ),
        Err(Error::ContractPaused)
    );
    assert_eq!(snapshot(&c), before);
}

// ----------------------------------------------------------------------
// grant_consent_as_delegate
// ----------------------------------------------------------------------

#[ink::test]
fn unexpired_delegate_grants_for_the_patient_and_is_recorded_as_actor() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    set_time(T0 + DELEGATE_MS - 1);
    let now = T0 + DELEGATE_MS - 1;
    let before = event_count();
    assert_eq!(
        c.grant_consent_as_delegate(
            a.bob,
            a.charlie,
            DataType::Prescriptions,
            CONSENT_MS,
            Purpose::PatientRequest
        ),
        Ok(now + CONSENT_MS)
    );
    assert_eq!(
        c.get_consent(a.bob, a.charlie, DataType::Prescriptions),
        Some(Consent {
            granted_at: now,
            expires_at: now + CONSENT_MS,
            purpose: Purpose::PatientRequest,
            active: true,
            granted_by: a.django,
            request_id: None,
        })
    );
    assert_eq!(
        c.history_entry(a.bob, 1),
        Some(HistoryEntry {
            actor: a.django,
            action: ConsentAction::Granted,
            subject: a.charlie,
            data_type: Some(DataType::Prescriptions),
            purpose: Some(Purpose::PatientRequest),
            expires_at: Some(now + CONSENT_MS),
            request_id: None,
            at: now,
        })
    );
    assert_eq!(c.get_patient(a.bob).unwrap().consents_granted, 1);
    // The delegate acts for Bob; nothing is recorded for Django himself.
    assert_eq!(c.get_patient(a.django), None);
    assert_eq!(c.history_len(a.django), 0);
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn grant_consent_as_delegate_by_a_stranger_is_refused() {
    let a = accounts();
    let mut c = setup();
    // a stranger, the provider itself, the owner
    for stranger in [a.eve, a.charlie, a.alice] {
        set_caller(stranger);
        let before = snapshot(&c);
        assert_eq!(
            c.grant_consent_as_delegate(
                a.bob,
                a.charlie,
                DataType::LabResults,
                CONSENT_MS,
                Purpose::Treatment
            ),
            Err(Error::NotAuthorized)
        );
        assert_eq!(snapshot(&c), before);
    }
}

#[ink::test]
fn grant_consent_as_delegate_at_and_after_the_delegation_expiry_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    for at in [
        T0 + DELEGATE_MS,
        T0 + DELEGATE_MS + 1,
        T0 + 10 * DELEGATE_MS,
    ] {
        set_time(at);
        let before = snapshot(&c);
        assert_eq!(
            c.grant_consent_as_delegate(
                a.bob,
                a.charlie,
                DataType::LabResults,
                CONSENT_MS,
                Purpose::Treatment
            ),
            Err(Error::NotAuthorized)
        );
        assert_eq!(snapshot(&c), before);
    }
}

#[ink::test]
fn grant_consent_as_delegate_for_unregistered_patient_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent_as_delegate(
            a.frank,
            a.charlie,
            DataType::LabResults,
            CONSENT_MS,
            Purpose::Treatment
        ),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn grant_consent_as_delegate_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.django);
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent_as_delegate(
            a.bob,
            a.charlie,
            DataType::LabResults,
            CONSENT_MS,
            Purpose::Treatment
        ),
        Err(Error::ContractPaused)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn grant_consent_as_delegate_keeps_the_grant_checks() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.django);
    let cases = [
        (a.charlie, 0, Error::InvalidDuration),
        (a.charlie, u64::MAX, Error::Overflow),
        (a.bob, CONSENT_MS, Error::CannotTargetSelf),
    ];
    for (provider, duration, error) in cases {
        let before = snapshot(&c);
        assert_eq!(
            c.grant_consent_as_delegate(
                a.bob,
                provider,
                DataType::LabResults,
                duration,
                Purpose::Treatment
            ),
            Err(error)
        );
        assert_eq!(snapshot(&c), before);
    }
}

// ----------------------------------------------------------------------
// revoke_consent / revoke_consent_as_delegate
// ----------------------------------------------------------------------

#[ink::test]
fn patient_revokes_a_consent() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_time(3_000);
    let before = event_count();
    assert_eq!(c.revoke_consent(a.charlie, DataType::LabResults), Ok(()));
    let consent = c
        .get_consent(a.bob, a.charlie, DataType::LabResults)
        .unwrap();
    assert!(!consent.active);
    assert_eq!(consent.expires_at, T0 + CONSENT_MS);
    assert_eq!(consent.granted_by, a.bob);
    let info = c.get_patient(a.bob).unwrap();
    assert_eq!(info.consents_granted, 1);
    assert_eq!(info.consents_revoked, 1);
    assert_eq!(info.history_len, 3);
    assert_eq!(
        c.history_entry(a.bob, 2),
        Some(HistoryEntry {
            actor: a.bob,
            action: ConsentAction::Revoked,
            subject: a.charlie,
            data_type: Some(DataType::LabResults),
            purpose: Some(Purpose::Treatment),
            expires_at: Some(T0 + CONSENT_MS),
            request_id: None,
            at: 3_000,
        })
    );
    assert!(!c.check_consent(a.bob, a.charlie, DataType::LabResults));
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn delegate_revokes_a_consent_and_is_recorded_as_actor() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_caller(a.django);
    set_time(3_000);
    let before = event_count();
    assert_eq!(
        c.revoke_consent_as_delegate(a.bob, a.charlie, DataType::LabResults),
        Ok(())
    );
    assert!(
        !c.get_consent(a.bob, a.charlie, DataType::LabResults)
            .unwrap()
            .active
    );
    assert_eq!(c.get_patient(a.bob).unwrap().consents_revoked, 1);
    let entry = c.history_entry(a.bob, 2).unwrap();
    assert_eq!(entry.actor, a.django);
    assert_eq!(entry.action, ConsentAction::Revoked);
    assert_eq!(entry.subject, a.charlie);
    assert_eq!(entry.at, 3_000);
    assert!(!c.check_consent(a.bob, a.charlie, DataType::LabResults));
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn revoking_a_missing_consent_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    // another data type, another provider
    for (provider, data_type) in [
        (a.charlie, DataType::Imaging),
        (a.eve, DataType::LabResults),
    ] {
        set_caller(a.bob);
        let before = snapshot(&c);
        assert_eq!(
            c.revoke_consent(provider, data_type),
            Err(Error::ConsentNotFound)
        );
        assert_eq!(snapshot(&c), before);
        set_caller(a.django);
        assert_eq!(
            c.revoke_consent_as_delegate(a.bob, provider, data_type),
            Err(Error::ConsentNotFound)
        );
        assert_eq!(snapshot(&c), before);
    }
}

#[ink::test]
fn revoking_twice_is_refused_as_not_active() {
    let a = accounts();
    let mut c = setup_with_consent();
    c.revoke_consent(a.charlie, DataType::LabResults).unwrap();
    let before = snapshot(&c);
    assert_eq!(
        c.revoke_consent(a.charlie, DataType::LabResults),
        Err(Error::ConsentNotActive)
    );
    assert_eq!(snapshot(&c), before);
    set_caller(a.django);
    assert_eq!(
        c.revoke_consent_as_delegate(a.bob, a.charlie, DataType::LabResults),
        Err(Error::ConsentNotActive)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn delegate_revoking_twice_is_refused_as_not_active() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_caller(a.django);
    c.revoke_consent_as_delegate(a.bob, a.charlie, DataType::LabResults)
        .unwrap();
    let before = snapshot(&c);
    assert_eq!(
        c.revoke_consent_as_delegate(a.bob, a.charlie, DataType::LabResults),
        Err(Error::ConsentNotActive)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn revocation_works_while_paused() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_caller(a.bob);
    c.grant_consent(a.charlie, DataType::Imaging, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    pause(&mut c);
    set_caller(a.bob);
    assert_eq!(c.revoke_consent(a.charlie, DataType::LabResults), Ok(()));
    set_caller(a.django);
    assert_eq!(
        c.revoke_consent_as_delegate(a.bob, a.charlie, DataType::Imaging),
        Ok(())
    );
    assert!(c.paused());
    assert!(!c.check_consent(a.bob, a.charlie, DataType::LabResults));
    assert!(!c.check_consent(a.bob, a.charlie, DataType::Imaging));
    assert_eq!(c.get_patient(a.bob).unwrap().consents_revoked, 2);
}

#[ink::test]
fn revoke_consent_as_delegate_by_a_stranger_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    // a stranger, the provider itself, the owner
    for stranger in [a.eve, a.charlie, a.alice] {
        set_caller(stranger);
        let before = snapshot(&c);
        assert_eq!(
            c.revoke_consent_as_delegate(a.bob, a.charlie, DataType::LabResults),
            Err(Error::NotAuthorized)
        );
        assert_eq!(snapshot(&c), before);
    }
    assert!(c.check_consent(a.bob, a.charlie, DataType::LabResults));
}

#[ink::test]
fn revoke_consent_as_expired_delegate_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_caller(a.django);
    set_time(T0 + DELEGATE_MS);
    let before = snapshot(&c);
    assert_eq!(
        c.revoke_consent_as_delegate(a.bob, a.charlie, DataType::LabResults),
        Err(Error::NotAuthorized)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn revoke_consent_by_unregistered_patient_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_caller(a.frank);
    let before = snapshot(&c);
    assert_eq!(
        c.revoke_consent(a.charlie, DataType::LabResults),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
    set_caller(a.django);
    assert_eq!(
        c.revoke_consent_as_delegate(a.frank, a.charlie, DataType::LabResults),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
}

// ----------------------------------------------------------------------
// update_consent_purpose
// ----------------------------------------------------------------------

#[ink::test]
fn patient_updates_the_purpose_of_an_active_consent() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_time(2_500);
    let before = event_count();
    assert_eq!(
        c.update_consent_purpose(a.charlie, DataType::LabResults, Purpose::PublicHealth),
        Ok(())
    );
    assert_eq!(
        c.get_consent(a.bob, a.charlie, DataType::LabResults),
        Some(Consent {
            granted_at: T0,
            expires_at: T0 + CONSENT_MS,
            purpose: Purpose::PublicHealth,
            active: true,
            granted_by: a.bob,
            request_id: None,
        })
    );
    assert_eq!(
        c.history_entry(a.bob, 2),
        Some(HistoryEntry {
            actor: a.bob,
            action: ConsentAction::PurposeUpdated,
            subject: a.charlie,
            data_type: Some(DataType::LabResults),
            purpose: Some(Purpose::PublicHealth),
            expires_at: Some(T0 + CONSENT_MS),
            request_id: None,
            at: 2_500,
        })
    );
    let info = c.get_patient(a.bob).unwrap();
    assert_eq!(info.history_len, 3);
    assert_eq!(info.consents_granted, 1);
    assert!(c.check_consent(a.bob, a.charlie, DataType::LabResults));
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn update_purpose_of_a_missing_consent_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    let before = snapshot(&c);
    assert_eq!(
        c.update_consent_purpose(a.charlie, DataType::Imaging, Purpose::Research),
        Err(Error::ConsentNotFound)
    );
    assert_eq!(snapshot(&c), before);
    assert_eq!(
        c.update_consent_purpose(a.eve, DataType::LabResults, Purpose::Research),
        Err(Error::ConsentNotFound)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn update_purpose_of_a_revoked_consent_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    c.revoke_consent(a.charlie, DataType::LabResults).unwrap();
    let before = snapshot(&c);
    assert_eq!(
        c.update_consent_purpose(a.charlie, DataType::LabResults, Purpose::Research),
        Err(Error::ConsentNotActive)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn update_purpose_at_the_exact_expiry_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    for at in [T0 + CONSENT_MS, T0 + CONSENT_MS + 1] {
        set_time(at);
        let before = snapshot(&c);
        assert_eq!(
            c.update_consent_purpose(a.charlie, DataType::LabResults, Purpose::Research),
            Err(Error::ConsentExpired)
        );
        assert_eq!(snapshot(&c), before);
    }
    // one millisecond earlier it works
    set_time(T0 + CONSENT_MS - 1);
    assert_eq!(
        c.update_consent_purpose(a.charlie, DataType::LabResults, Purpose::Research),
        Ok(())
    );
}

#[ink::test]
fn update_purpose_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    pause(&mut c);
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(
        c.update_consent_purpose(a.charlie, DataType::LabResults, Purpose::Research),
        Err(Error::ContractPaused)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn update_purpose_by_unregistered_patient_is_refused() {
    let a = accounts();
    let mut c = setup_with_consent();
    set_caller(a.frank);
    let before = snapshot(&c);
    assert_eq!(
        c.update_consent_purpose(a.charlie, DataType::LabResults, Purpose::Research),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
}

// ----------------------------------------------------------------------
// check_consent
// ----------------------------------------------------------------------

#[ink::test]
fn check_consent_sees_a_direct_consent_for_that_type_only() {
    let a = accounts();
    let c = setup_with_consent();
    assert!(c.check_consent(a.bob, a.charlie, DataType::LabResults));
    for data_type in DataType::ALL {
        if data_type != DataType::LabResults {
            assert!(
                !c.check_consent(a.bob, a.charlie, data_type),
                "{data_type:?}"
            );
        }
    }
}

#[ink::test]
fn consent_for_all_covers_every_non_sensitive_type_but_no_sensitive_one() {
    let a = accounts();
    let mut c = setup();
    c.grant_consent(a.charlie, DataType::All, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    assert!(c.check_consent(a.bob, a.charlie, DataType::All));
    for data_type in NON_SENSITIVE {
        assert!(
            c.check_consent(a.bob, a.charlie, data_type),
            "{data_type:?}"
        );
    }
    for data_type in SENSITIVE {
        assert!(
            !c.check_consent(a.bob, a.charlie, data_type),
            "{data_type:?}"
        );
    }
}

#[ink::test]
fn sensitive_type_needs_its_own_consent() {
    let a = accounts();
    let mut c = setup();
    c.grant_consent(a.charlie, DataType::All, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    c.grant_consent(a.charlie, DataType::Genetic, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    assert!(c.check_consent(a.bob, a.charlie, DataType::Genetic));
    assert!(!c.check_consent(a.bob, a.charlie, DataType::MentalHealth));
    assert!(!c.check_consent(a.bob, a.charlie, DataType::Financial));
    // A sensitive consent covers nothing else (Eve has no `All` consent).
    c.grant_consent(
        a.eve,
        DataType::MentalHealth,
        CONSENT_MS,
        Purpose::Treatment,
    )
    .unwrap();
    assert!(c.check_consent(a.bob, a.eve, DataType::MentalHealth));
    for data_type in DataType::ALL {
        if data_type != DataType::MentalHealth {
            assert!(!c.check_consent(a.bob, a.eve, data_type), "{data_type:?}");
        }
    }
}

#[ink::test]
fn check_consent_holds_until_the_millisecond_before_expiry() {
    let a = accounts();
    let mut c = setup_with_consent();
    c.grant_consent(a.eve, DataType::All, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    let expires_at = T0 + CONSENT_MS;
    set_time(expires_at - 1);
    assert!(c.check_consent(a.bob, a.charlie, DataType::LabResults));
    assert!(c.check_consent(a.bob, a.eve, DataType::Imaging));
    set_time(expires_at);
    assert!(!c.check_consent(a.bob, a.charlie, DataType::LabResults));
    assert!(!c.check_consent(a.bob, a.eve, DataType::Imaging));
    assert!(!c.check_consent(a.bob, a.eve, DataType::All));
    // expiry does not deactivate the stored consent
    assert!(
        c.get_consent(a.bob, a.charlie, DataType::LabResults)
            .unwrap()
            .active
    );
}

#[ink::test]
fn check_consent_is_false_after_revocation() {
    let a = accounts();
    let mut c = setup_with_consent();
    c.grant_consent(a.eve, DataType::All, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    c.revoke_consent(a.charlie, DataType::LabResults).unwrap();
    c.revoke_consent(a.eve, DataType::All).unwrap();
    assert!(!c.check_consent(a.bob, a.charlie, DataType::LabResults));
    for data_type in DataType::ALL {
        assert!(!c.check_consent(a.bob, a.eve, data_type), "{data_type:?}");
    }
}

#[ink::test]
fn consent_for_one_provider_does_not_cover_another() {
    let a = accounts();
    let mut c = setup();
    c.grant_consent(a.charlie, DataType::All, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    for data_type in DataType::ALL {
        assert!(!c.check_consent(a.bob, a.eve, data_type), "{data_type:?}");
        assert!(
            !c.check_consent(a.bob, a.django, data_type),
            "{data_type:?}"
        );
        // nor is it a consent of another patient
        assert!(
            !c.check_consent(a.frank, a.charlie, data_type),
            "{data_type:?}"
        );
    }
}

// ----------------------------------------------------------------------
// acts_for / is_registered
// ----------------------------------------------------------------------

#[ink::test]
fn registered_patient_acts_for_itself() {
    let a = accounts();
    let c = setup();
    assert!(c.is_registered(a.bob));
    assert!(c.acts_for(a.bob, a.bob));
}

#[ink::test]
fn unexpired_delegate_acts_for_the_patient_until_its_expiry() {
    let a = accounts();
    let c = setup();
    assert!(c.acts_for(a.bob, a.django));
    set_time(T0 + DELEGATE_MS - 1);
    assert!(c.acts_for(a.bob, a.django));
    set_time(T0 + DELEGATE_MS);
    assert!(!c.acts_for(a.bob, a.django));
    set_time(T0 + DELEGATE_MS + 1);
    assert!(!c.acts_for(a.bob, a.django));
    // the patient itself is not bound by the delegation's expiry
    assert!(c.acts_for(a.bob, a.bob));
}

#[ink::test]
fn stranger_does_not_act_for_the_patient() {
    let a = accounts();
    let c = setup_with_consent();
    for stranger in [a.alice, a.charlie, a.eve, a.frank] {
        assert!(!c.acts_for(a.bob, stranger), "{stranger:?}");
    }
    // delegation is not mutual
    assert!(!c.acts_for(a.django, a.bob));
}

#[ink::test]
fn unregistered_patient_is_acted_for_by_no_one() {
    let a = accounts();
    let c = setup();
    assert!(!c.is_registered(a.frank));
    assert!(!c.is_registered(a.django));
    for actor in all_accounts() {
        assert!(!c.acts_for(a.frank, actor), "{actor:?}");
    }
}

// ----------------------------------------------------------------------
// request_access (logic through request_access_inner)
// ----------------------------------------------------------------------

#[ink::test]
fn cleared_provider_request_is_stored_pending_with_sequential_ids() {
    let a = accounts();
    let mut c = setup();
    set_time(3_000);
    let before = event_count();
    assert_eq!(
        c.request_access_inner(
            a.charlie,
            a.bob,
            DataType::Imaging,
            Purpose::Research,
            ProviderStanding::Cleared
        ),
        Ok(1)
    );
    assert_eq!(event_count(), before + 1);
    assert_eq!(c.request_count(), 1);
    assert_eq!(
        c.get_access_request(1),
        Some(AccessRequest {
            patient: a.bob,
            provider: a.charlie,
            data_type: DataType::Imaging,
            purpose: Purpose::Research,
            requested_at: 3_000,
            status: RequestStatus::Pending,
            decided_by: None,
            decided_at: None,
        })
    );
    set_time(3_500);
    assert_eq!(
        c.request_access_inner(
            a.eve,
            a.bob,
            DataType::Genetic,
            Purpose::Treatment,
            ProviderStanding::Cleared
        ),
        Ok(2)
    );
    assert_eq!(event_count(), before + 2);
    assert_eq!(c.request_count(), 2);
    let second = c.get_access_request(2).unwrap();
    assert_eq!(second.provider, a.eve);
    assert_eq!(second.data_type, DataType::Genetic);
    assert_eq!(second.requested_at, 3_500);
    assert_eq!(second.status, RequestStatus::Pending);
    // a request changes neither consents nor history
    assert!(!c.check_consent(a.bob, a.charlie, DataType::Imaging));
    assert_eq!(c.history_len(a.bob), 1);
    assert_eq!(c.get_access_request(0), None);
    assert_eq!(c.get_access_request(3), None);
}

#[ink::test]
fn request_from_a_provider_not_cleared_is_refused_with_its_standing() {
    let a = accounts();
    let mut c = setup();
    let cases = [
        (
            ProviderStanding::NotRegistered,
            Error::ProviderNotRegistered,
        ),
        (ProviderStanding::NotVerified, Error::ProviderNotVerified),
        (ProviderStanding::Inactive, Error::ProviderInactive),
        (ProviderStanding::RoleNotAllowed, Error::RoleNotAllowed),
    ];
    for (standing, error) in cases {
        let before = snapshot(&c);
        assert_eq!(
            c.request_access_inner(
                a.charlie,
                a.bob,
                DataType::LabResults,
                Purpose::Treatment,
                standing
            ),
            Err(error)
        );
        assert_eq!(snapshot(&c), before);
        assert_eq!(c.request_count(), 0);
        assert_eq!(c.get_access_request(1), None);
    }
    // the next cleared request still gets id 1
    assert_eq!(charlie_requests_imaging(&mut c), 1);
}

#[ink::test]
fn request_access_for_an_unregistered_patient_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.charlie);
    let before = snapshot(&c);
    assert_eq!(
        c.request_access(a.frank, DataType::LabResults, Purpose::Treatment),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn request_access_by_the_patient_itself_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(
        c.request_access(a.bob, DataType::LabResults, Purpose::Treatment),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn request_access_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.charlie);
    let before = snapshot(&c);
    assert_eq!(
        c.request_access(a.bob, DataType::LabResults, Purpose::Treatment),
        Err(Error::ContractPaused)
    );
    assert_eq!(snapshot(&c), before);
}

// ----------------------------------------------------------------------
// approve_access_request
// ----------------------------------------------------------------------

#[ink::test]
fn patient_approves_a_request_which_creates_its_consent() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    set_time(4_000);
    let before = event_count();
    assert_eq!(
        c.approve_access_request(id, CONSENT_MS),
        Ok(4_000 + CONSENT_MS)
    );
    assert_eq!(
        c.get_consent(a.bob, a.charlie, DataType::Imaging),
        Some(Consent {
            granted_at: 4_000,
            expires_at: 4_000 + CONSENT_MS,
            purpose: Purpose::Research,
            active: true,
            granted_by: a.bob,
            request_id: Some(id),
        })
    );
    assert_eq!(
        c.get_access_request(id),
        Some(AccessRequest {
            patient: a.bob,
            provider: a.charlie,
            data_type: DataType::Imaging,
            purpose: Purpose::Research,
            requested_at: T0,
            status: RequestStatus::Approved,
            decided_by: Some(a.bob),
            decided_at: Some(4_000),
        })
    );
    assert_eq!(
        c.history_entry(a.bob, 1),
        Some(HistoryEntry {
            actor: a.bob,
            action: ConsentAction::Granted,
            subject: a.charlie,
            data_type: Some(DataType::Imaging),
            purpose: Some(Purpose::Research),
            expires_at: Some(4_000 + CONSENT_MS),
            request_id: Some(id),
            at: 4_000,
        })
    );
    let info = c.get_patient(a.bob).unwrap();
    assert_eq!(info.consents_granted, 1);
    assert_eq!(info.history_len, 2);
    assert!(c.check_consent(a.bob, a.charlie, DataType::Imaging));
    // ConsentGranted and AccessRequestApproved
    assert_eq!(event_count(), before + 2);
}

#[ink::test]
fn delegate_approves_a_request_and_is_recorded_as_decider() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    set_caller(a.django);
    set_time(4_000);
    let before = event_count();
    assert_eq!(
        c.approve_access_request(id, CONSENT_MS),
        Ok(4_000 + CONSENT_MS)
    );
    let consent = c.get_consent(a.bob, a.charlie, DataType::Imaging).unwrap();
    assert_eq!(consent.granted_by, a.django);
    assert_eq!(consent.request_id, Some(id));
    assert_eq!(consent.purpose, Purpose::Research);
    let request = c.get_access_request(id).unwrap();
    assert_eq!(request.status, RequestStatus::Approved);
    assert_eq!(request.decided_by, Some(a.django));
    assert_eq!(request.decided_at, Some(4_000));
    let entry = c.history_entry(a.bob, 1).unwrap();
    assert_eq!(entry.actor, a.django);
    assert_eq!(entry.request_id, Some(id));
    assert!(c.check_consent(a.bob, a.charlie, DataType::Imaging));
    assert_eq!(event_count(), before + 2);
}

#[ink::test]
fn approving_an_unknown_request_is_refused() {
    let a = accounts();
    let mut c = setup();
    charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    for id in [0, 2, u64::MAX] {
        let before = snapshot(&c);
        assert_eq!(
            c.approve_access_request(id, CONSENT_MS),
            Err(Error::RequestNotFound)
        );
        assert_eq!(snapshot(&c), before);
    }
}

#[ink::test]
fn approve_by_a_stranger_or_the_requesting_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    for stranger in [a.charlie, a.eve, a.alice, a.frank] {
        set_caller(stranger);
        let before = snapshot(&c);
        assert_eq!(
            c.approve_access_request(id, CONSENT_MS),
            Err(Error::NotAuthorized)
        );
        assert_eq!(snapshot(&c), before);
    }
    assert_eq!(
        c.get_access_request(id).unwrap().status,
        RequestStatus::Pending
    );
}

#[ink::test]
fn approve_by_an_expired_delegate_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    set_caller(a.django);
    set_time(T0 + DELEGATE_MS);
    let before = snapshot(&c);
    assert_eq!(
        c.approve_access_request(id, CONSENT_MS),
        Err(Error::NotAuthorized)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn deciding_a_request_twice_is_refused() {
    let a = accounts();
    let mut c = setup();
    let approved = charlie_requests_imaging(&mut c);
    let denied = charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    c.approve_access_request(approved, CONSENT_MS).unwrap();
    c.deny_access_request(denied).unwrap();
    for id in [approved, denied] {
        for caller in [a.bob, a.django] {
            set_caller(caller);
            let before = snapshot(&c);
            assert_eq!(
                c.approve_access_request(id, CONSENT_MS),
                Err(Error::RequestNotPending)
            );
            assert_eq!(snapshot(&c), before);
        }
    }
}

#[ink::test]
fn approve_with_zero_duration_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(c.approve_access_request(id, 0), Err(Error::InvalidDuration));
    assert_eq!(snapshot(&c), before);
    assert_eq!(
        c.get_access_request(id).unwrap().status,
        RequestStatus::Pending
    );
}

#[ink::test]
fn approve_with_an_overflowing_duration_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(c.approve_access_request(id, u64::MAX), Err(Error::Overflow));
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn approve_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    pause(&mut c);
    for caller in [a.bob, a.django] {
        set_caller(caller);
        let before = snapshot(&c);
        assert_eq!(
            c.approve_access_request(id, CONSENT_MS),
            Err(Error::ContractPaused)
        );
        assert_eq!(snapshot(&c), before);
    }
}

// ----------------------------------------------------------------------
// deny_access_request
// ----------------------------------------------------------------------

#[ink::test]
fn patient_denies_a_request_without_creating_a_consent() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    set_time(4_000);
    let before = event_count();
    assert_eq!(c.deny_access_request(id), Ok(()));
    assert_eq!(
        c.get_access_request(id),
        Some(AccessRequest {
            patient: a.bob,
            provider: a.charlie,
            data_type: DataType::Imaging,
            purpose: Purpose::Research,
            requested_at: T0,
            status: RequestStatus::Denied,
            decided_by: Some(a.bob),
            decided_at: Some(4_000),
        })
    );
    assert_eq!(
        c.history_entry(a.bob, 1),
        Some(HistoryEntry {
            actor: a.bob,
            action: ConsentAction::RequestDenied,
            subject: a.charlie,
            data_type: Some(DataType::Imaging),
            purpose: Some(Purpose::Research),
            expires_at: None,
            request_id: Some(id),
            at: 4_000,
        })
    );
    let info = c.get_patient(a.bob).unwrap();
    assert_eq!(info.history_len, 2);
    assert_eq!(info.consents_granted, 0);
    assert_eq!(c.get_consent(a.bob, a.charlie, DataType::Imaging), None);
    assert!(!c.check_consent(a.bob, a.charlie, DataType::Imaging));
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn delegate_denies_a_request_and_is_recorded_as_decider() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    set_caller(a.django);
    assert_eq!(c.deny_access_request(id), Ok(()));
    let request = c.get_access_request(id).unwrap();
    assert_eq!(request.status, RequestStatus::Denied);
    assert_eq!(request.decided_by, Some(a.django));
    assert_eq!(c.history_entry(a.bob, 1).unwrap().actor, a.django);
    assert_eq!(c.get_consent(a.bob, a.charlie, DataType::Imaging), None);
}

#[ink::test]
fn denying_an_unknown_request_is_refused() {
    let a = accounts();
    let mut c = setup();
    charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    for id in [0, 2, u64::MAX] {
        let before = snapshot(&c);
        assert_eq!(c.deny_access_request(id), Err(Error::RequestNotFound));
        assert_eq!(snapshot(&c), before);
    }
}

#[ink::test]
fn deny_by_a_stranger_or_the_requesting_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    for stranger in [a.charlie, a.eve, a.alice, a.frank] {
        set_caller(stranger);
        let before = snapshot(&c);
        assert_eq!(c.deny_access_request(id), Err(Error::NotAuthorized));
        assert_eq!(snapshot(&c), before);
    }
    // and an expired delegate
    set_caller(a.django);
    set_time(T0 + DELEGATE_MS);
    let before = snapshot(&c);
    assert_eq!(c.deny_access_request(id), Err(Error::NotAuthorized));
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn denying_a_decided_request_is_refused() {
    let a = accounts();
    let mut c = setup();
    let approved = charlie_requests_imaging(&mut c);
    let denied = charlie_requests_imaging(&mut c);
    set_caller(a.bob);
    c.approve_access_request(approved, CONSENT_MS).unwrap();
    c.deny_access_request(denied).unwrap();
    for id in [approved, denied] {
        let before = snapshot(&c);
        assert_eq!(c.deny_access_request(id), Err(Error::RequestNotPending));
        assert_eq!(snapshot(&c), before);
    }
}

#[ink::test]
fn deny_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = charlie_requests_imaging(&mut c);
    pause(&mut c);
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(c.deny_access_request(id), Err(Error::ContractPaused));
    assert_eq!(snapshot(&c), before);
}

// ----------------------------------------------------------------------
// add_delegate / remove_delegate / get_delegate
// ----------------------------------------------------------------------

#[ink::test]
fn patient_adds_a_delegate() {
    let a = accounts();
    let mut c = setup();
    set_time(2_000);
    let before = event_count();
    assert_eq!(
        c.add_delegate(a.eve, DelegateKind::PowerOfAttorney, 700),
        Ok(2_700)
    );
    assert_eq!(
        c.get_delegate(a.bob, a.eve),
        Some(Delegation {
            kind: DelegateKind::PowerOfAttorney,
            added_at: 2_000,
            expires_at: 2_700,
        })
    );
    assert_eq!(
        c.history_entry(a.bob, 1),
        Some(HistoryEntry {
            actor: a.bob,
            action: ConsentAction::DelegateAdded,
            subject: a.eve,
            data_type: None,
            purpose: None,
            expires_at: Some(2_700),
            request_id: None,
            at: 2_000,
        })
    );
    assert_eq!(c.history_len(a.bob), 2);
    assert!(c.acts_for(a.bob, a.eve));
    // a delegation is one patient's, in one direction
    assert_eq!(c.get_delegate(a.eve, a.bob), None);
    assert_eq!(c.get_delegate(a.frank, a.eve), None);
    assert_eq!(event_count(), before + 1);
    // setup's delegation is untouched
    assert_eq!(
        c.get_delegate(a.bob, a.django),
        Some(Delegation {
            kind: DelegateKind::Guardian,
            added_at: T0,
            expires_at: T0 + DELEGATE_MS,
        })
    );
}

#[ink::test]
fn readding_a_delegate_replaces_the_delegation() {
    let a = accounts();
    let mut c = setup();
    set_time(T0 + DELEGATE_MS + 5);
    assert!(!c.acts_for(a.bob, a.django));
    let before = event_count();
    assert_eq!(
        c.add_delegate(a.django, DelegateKind::PowerOfAttorney, 100),
        Ok(T0 + DELEGATE_MS + 105)
    );
    assert_eq!(
        c.get_delegate(a.bob, a.django),
        Some(Delegation {
            kind: DelegateKind::PowerOfAttorney,
            added_at: T0 + DELEGATE_MS + 5,
            expires_at: T0 + DELEGATE_MS + 105,
        })
    );
    assert!(c.acts_for(a.bob, a.django));
    assert_eq!(c.history_len(a.bob), 2);
    assert_eq!(
        c.history_entry(a.bob, 1).unwrap().action,
        ConsentAction::DelegateAdded
    );
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn adding_oneself_as_delegate_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c);
    assert_eq!(
        c.add_delegate(a.bob, DelegateKind::Guardian, DELEGATE_MS),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn adding_a_delegate_for_zero_duration_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c);
    assert_eq!(
        c.add_delegate(a.eve, DelegateKind::Guardian, 0),
        Err(Error::InvalidDuration)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn adding_a_delegate_whose_expiry_overflows_is_refused() {
    let a = accounts();
    let mut c = setup();
    let before = snapshot(&c);
    assert_eq!(
        c.add_delegate(a.eve, DelegateKind::Guardian, u64::MAX),
        Err(Error::Overflow)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn adding_a_delegate_as_unregistered_patient_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.frank);
    let before = snapshot(&c);
    assert_eq!(
        c.add_delegate(a.eve, DelegateKind::Guardian, DELEGATE_MS),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn adding_a_delegate_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(
        c.add_delegate(a.eve, DelegateKind::Guardian, DELEGATE_MS),
        Err(Error::ContractPaused)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn patient_removes_a_delegate() {
    let a = accounts();
    let mut c = setup();
    set_time(3_000);
    let before = event_count();
    assert_eq!(c.remove_delegate(a.django), Ok(()));
    assert_eq!(c.get_delegate(a.bob, a.django), None);
    assert!(!c.acts_for(a.bob, a.django));
    assert_eq!(
        c.history_entry(a.bob, 1),
        Some(HistoryEntry {
            actor: a.bob,
            action: ConsentAction::DelegateRemoved,
            subject: a.django,
            data_type: None,
            purpose: None,
            expires_at: None,
            request_id: None,
            at: 3_000,
        })
    );
    assert_eq!(c.history_len(a.bob), 2);
    assert_eq!(event_count(), before + 1);
    // the former delegate can no longer act
    set_caller(a.django);
    let before = snapshot(&c);
    assert_eq!(
        c.grant_consent_as_delegate(
            a.bob,
            a.charlie,
            DataType::LabResults,
            CONSENT_MS,
            Purpose::Treatment
        ),
        Err(Error::NotAuthorized)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn an_expired_delegation_is_still_listed_and_removable() {
    let a = accounts();
    let mut c = setup();
    set_time(T0 + DELEGATE_MS + 1);
    assert_eq!(
        c.get_delegate(a.bob, a.django).unwrap().expires_at,
        T0 + DELEGATE_MS
    );
    assert_eq!(c.remove_delegate(a.django), Ok(()));
    assert_eq!(c.get_delegate(a.bob, a.django), None);
}

#[ink::test]
fn removing_an_unknown_delegate_is_refused() {
    let a = accounts();
    let mut c = setup();
    for delegate in [a.eve, a.bob] {
        let before = snapshot(&c);
        assert_eq!(c.remove_delegate(delegate), Err(Error::DelegateNotFound));
        assert_eq!(snapshot(&c), before);
    }
    // a delegation of another patient is not the caller's to remove
    set_caller(a.frank);
    c.register_patient().unwrap();
    let before = snapshot(&c);
    assert_eq!(c.remove_delegate(a.django), Err(Error::DelegateNotFound));
    assert_eq!(snapshot(&c), before);
    assert!(c.acts_for(a.bob, a.django));
}

#[ink::test]
fn removing_a_delegate_as_unregistered_patient_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.frank);
    let before = snapshot(&c);
    assert_eq!(
        c.remove_delegate(a.django),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn removing_a_delegate_works_while_paused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.bob);
    let before = event_count();
    assert_eq!(c.remove_delegate(a.django), Ok(()));
    assert_eq!(c.get_delegate(a.bob, a.django), None);
    assert!(!c.acts_for(a.bob, a.django));
    assert_eq!(c.history_len(a.bob), 2);
    assert_eq!(event_count(), before + 1);
    assert!(c.paused());
}

// ----------------------------------------------------------------------
// history
// ----------------------------------------------------------------------

#[ink::test]
fn history_is_numbered_from_zero_per_patient_when_patients_interleave() {
    let a = accounts();
    set_caller(a.alice);
    set_time(T0);
    let mut c = PatientConsent::new(AccountId::from(ACCESS_CONTROL));
    set_caller(a.bob);
    c.register_patient().unwrap();
    set_caller(a.frank);
    c.register_patient().unwrap();

    set_caller(a.bob);
    c.grant_consent(
        a.charlie,
        DataType::LabResults,
        CONSENT_MS,
        Purpose::Treatment,
    )
    .unwrap();
    set_caller(a.frank);
    c.grant_consent(a.eve, DataType::Imaging, CONSENT_MS, Purpose::Treatment)
        .unwrap();
    set_caller(a.bob);
    c.add_delegate(a.django, DelegateKind::Guardian, DELEGATE_MS)
        .unwrap();
    set_caller(a.frank);
    c.revoke_consent(a.eve, DataType::Imaging).unwrap();
    set_caller(a.frank);
    c.add_delegate(a.django, DelegateKind::PowerOfAttorney, DELEGATE_MS)
        .unwrap();
    set_caller(a.bob);
    c.revoke_consent(a.charlie, DataType::LabResults).unwrap();

    assert_eq!(c.history_len(a.bob), 3);
    assert_eq!(c.history_len(a.frank), 3);
    let actions = |p: AccountId| -> Vec<(ConsentAction, AccountId)> {
        c.history(p, 0, MAX_PAGE)
            .iter()
            .map(|e| (e.action, e.subject))
            .collect()
    };
    assert_eq!(
        actions(a.bob),
        vec![
            (ConsentAction::Granted, a.charlie),
            (ConsentAction::DelegateAdded, a.django),
            (ConsentAction::Revoked, a.charlie),
        ]
    );
    assert_eq!(
        actions(a.frank),
        vec![
            (ConsentAction::Granted, a.eve),
            (ConsentAction::Revoked, a.eve),
            (ConsentAction::DelegateAdded, a.django),
        ]
    );
    for i in 0..3 {
        assert_eq!(c.history_entry(a.bob, i).unwrap().actor, a.bob);
        assert_eq!(c.history_entry(a.frank, i).unwrap().actor, a.frank);
    }
    assert_eq!(c.history_entry(a.bob, 3), None);
    assert_eq!(c.history_entry(a.frank, 3), None);
    // unregistered accounts have no history
    assert_eq!(c.history_len(a.eve), 0);
    assert!(c.history(a.eve, 0, MAX_PAGE).is_empty());
    assert_eq!(c.history_entry(a.eve, 0), None);
}

#[ink::test]
fn history_pages_are_capped_at_max_page_and_end_at_the_tail() {
    let a = accounts();
    let mut c = setup();
    // setup's DelegateAdded is entry 0; 59 grants make 60 entries.
    for i in 1..60u64 {
        set_time(T0 + i);
        c.grant_consent(
            a.charlie,
            DataType::LabResults,
            CONSENT_MS,
            Purpose::Treatment,
        )
        .unwrap();
    }
    assert_eq!(c.history_len(a.bob), 60);
    assert_eq!(c.get_patient(a.bob).unwrap().consents_granted, 59);

    let page = c.history(a.bob, 0, 1_000);
    assert_eq!(page.len(), MAX_PAGE as usize);
    assert_eq!(page[0].action, ConsentAction::DelegateAdded);
    for (i, entry) in page.iter().enumerate().skip(1) {
        assert_eq!(entry.action, ConsentAction::Granted);
        assert_eq!(entry.at, T0 + i as u64);
    }
    assert_eq!(c.history(a.bob, 0, u32::MAX).len(), MAX_PAGE as usize);
    assert_eq!(c.history(a.bob, 0, 7).len(), 7);

    // the short tail
    let tail = c.history(a.bob, 50, MAX_PAGE);
    assert_eq!(tail.len(), 10);
    assert_eq!(tail[0].at, T0 + 50);
    assert_eq!(tail[9].at, T0 + 59);
    assert_eq!(Some(tail[9].clone()), c.history_entry(a.bob, 59));
    assert_eq!(c.history(a.bob, 57, 10).len(), 3);

    // past the end
    assert!(c.history(a.bob, 60, MAX_PAGE).is_empty());
    assert!(c.history(a.bob, 1_000, MAX_PAGE).is_empty());
    assert!(c.history(a.bob, u64::MAX, MAX_PAGE).is_empty());
    assert_eq!(c.history_entry(a.bob, 60), None);
    assert_eq!(c.history_entry(a.bob, u64::MAX), None);
}

// ----------------------------------------------------------------------
// validate_data_type
// ----------------------------------------------------------------------

#[ink::test]
fn validate_data_type_accepts_the_nine_data_type_numbers_only() {
    let c = setup();
    for code in 0..=8u8 {
        assert!(c.validate_data_type(code), "{code}");
    }
    assert!(!c.validate_data_type(9));
    assert!(!c.validate_data_type(255));
    for code in 9..=255u8 {
        assert!(!c.validate_data_type(code), "{code}");
    }
}

// ----------------------------------------------------------------------
// owner messages
// ----------------------------------------------------------------------

#[ink::test]
fn owner_points_the_contract_at_another_access_control() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.alice);
    let before = event_count();
    let other = AccountId::from([0xBC; 32]);
    assert_eq!(c.set_access_control(other), Ok(()));
    assert_eq!(c.access_control(), other);
    assert_eq!(event_count(), before + 1);
}

#[ink::test]
fn set_access_control_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    for caller in [a.bob, a.charlie, a.django] {
        set_caller(caller);
        let before = snapshot(&c);
        assert_eq!(
            c.set_access_control(AccountId::from([0xBC; 32])),
            Err(Error::NotOwner)
        );
        assert_eq!(snapshot(&c), before);
    }
    assert_eq!(c.access_control(), AccountId::from(ACCESS_CONTROL));
}

#[ink::test]
fn owner_pauses_and_unpauses() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.alice);
    let before = event_count();
    assert_eq!(c.pause(), Ok(()));
    assert!(c.paused());
    assert_eq!(event_count(), before + 1);
    assert_eq!(c.unpause(), Ok(()));
    assert!(!c.paused());
    assert_eq!(event_count(), before + 2);
    // running again: changes work
    set_caller(a.bob);
    assert!(c
        .grant_consent(
            a.charlie,
            DataType::LabResults,
            CONSENT_MS,
            Purpose::Treatment
        )
        .is_ok());
}

#[ink::test]
fn pause_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(c.pause(), Err(Error::NotOwner));
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn unpause_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(c.unpause(), Err(Error::NotOwner));
    assert_eq!(snapshot(&c), before);
    assert!(c.paused());
}

#[ink::test]
fn pausing_a_paused_contract_is_refused() {
    let a = accounts();
    let mut c = setup();
    pause(&mut c);
    set_caller(a.alice);
    let before = snapshot(&c);
    assert_eq!(c.pause(), Err(Error::AlreadyPaused));
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn unpausing_a_running_contract_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.alice);
    let before = snapshot(&c);
    assert_eq!(c.unpause(), Err(Error::NotPaused));
    assert_eq!(snapshot(&c), before);
}

#[ink::test]
fn owner_transfers_ownership_and_loses_its_rights() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.alice);
    let before = event_count();
    assert_eq!(c.transfer_ownership(a.eve), Ok(()));
    assert_eq!(c.owner(), a.eve);
    assert_eq!(event_count(), before + 1);
    // the old owner is now refused
    let before = snapshot(&c);
    assert_eq!(c.pause(), Err(Error::NotOwner));
    assert_eq!(c.transfer_ownership(a.alice), Err(Error::NotOwner));
    assert_eq!(
        c.set_access_control(AccountId::from([0xBC; 32])),
        Err(Error::NotOwner)
    );
    assert_eq!(snapshot(&c), before);
    // the new owner is obeyed
    set_caller(a.eve);
    assert_eq!(c.pause(), Ok(()));
    assert!(c.paused());
}

#[ink::test]
fn transfer_ownership_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c);
    assert_eq!(c.transfer_ownership(a.bob), Err(Error::NotOwner));
    assert_eq!(snapshot(&c), before);
    assert_eq!(c.owner(), a.alice);
}

// ----------------------------------------------------------------------
// upgrades (the allowed path runs on the compiled WASM: e2e-tests/tests/upgrade.rs)
// ----------------------------------------------------------------------

#[ink::test]
fn set_code_by_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    let before = snapshot(&c);
    let events = test::recorded_events().count();
    assert_eq!(
        c.set_code(ink::primitives::Hash::from([7; 32])),
        Err(Error::NotOwner)
    );
    assert_eq!(snapshot(&c), before);
    assert_eq!(test::recorded_events().count(), events);
}

#[ink::test]
fn code_version_is_one() {
    assert_eq!(setup().code_version(), 1);
}
