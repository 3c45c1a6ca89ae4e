//! Unit tests of patient-consent's core: plain `#[test]`s on
//! [`ConsentRegistry`], with the caller, the time and access-control's
//! answer passed in. For each operation the allowed path and each denied
//! path with its exact error, and the state shown unchanged after a
//! denial. The compiled contract (its cross-contract calls included) is
//! tested end to end in `e2e-tests/`.

use crate::core::{ConsentRegistry, GrantOrder};
use crate::data::*;
use crate::events::*;
use ink::primitives::AccountId;
use medrec_types::admin::{AdminEvent, LinkChanged, DEFAULT_UPGRADE_DELAY};
use medrec_types::{
    AccessLevel, ConsentAnswer, ConsentCheck, DataType, EmergencyPreference, Link,
    ProviderStanding, Purpose, PurposeSet, RecordType, MAX_PAGE,
};

const OWNER: AccountId = AccountId([1; 32]);
const PATIENT: AccountId = AccountId([2; 32]);
const DOCTOR: AccountId = AccountId([3; 32]);
const NURSE: AccountId = AccountId([4; 32]);
const GUARDIAN: AccountId = AccountId([5; 32]);
const STRANGER: AccountId = AccountId([6; 32]);
const PATIENT2: AccountId = AccountId([7; 32]);
const AC: AccountId = AccountId([0xAC; 32]);
const RM: AccountId = AccountId([0xEE; 32]);
const THIS: AccountId = AccountId([0xCC; 32]);

const T0: u64 = 1_700_000_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

use DataType::*;
use Purpose::*;

fn fresh() -> ConsentRegistry {
    ink::env::test::set_callee::<ink::env::DefaultEnvironment>(THIS);
    ConsentRegistry::new(OWNER, AC)
}

/// PATIENT registered, with GUARDIAN as delegate for 10 days; record-management wired.
fn with_patient() -> ConsentRegistry {
    let mut r = fresh();
    r.register_patient(PATIENT, T0).expect("register");
    r.add_delegate(PATIENT, T0, GUARDIAN, DelegateKind::Guardian, 10 * DAY)
        .expect("delegate");
    r.set_record_management(OWNER, THIS, RM).expect("wire");
    r
}

fn grant(
    r: &mut ConsentRegistry,
    by: AccountId,
    provider: AccountId,
    d: DataType,
    purposes: &[Purpose],
) -> Result<u64> {
    r.grant_consent(by, T0, PATIENT, provider, d, 30 * DAY, purposes)
        .map(|(e, _)| e)
}

fn request(r: &mut ConsentRegistry, provider: AccountId, d: DataType, p: Purpose) -> Result<u64> {
    r.request_access(provider, T0, PATIENT, d, p, ProviderStanding::Cleared)
        .map(|(id, _)| id)
}

/// What a denied consent operation must leave as it was.
fn consent_state(
    r: &ConsentRegistry,
) -> (Option<PatientInfo>, Vec<ConsentView>, Vec<HistoryEntry>) {
    (
        r.get_patient(PATIENT),
        r.consents_of(PATIENT, 0, MAX_PAGE, T0),
        r.history(PATIENT, 0, MAX_PAGE),
    )
}

// ---------------------------------------------------------------------------
// Patients
// ---------------------------------------------------------------------------

#[test]
fn patients_register_once() {
    let mut r = fresh();
    assert_eq!(
        r.register_patient(PATIENT, T0),
        Ok(Event::PatientRegistered(PatientRegistered {
            patient: PATIENT,
            actor: PATIENT
        }))
    );
    let info = r.get_patient(PATIENT).expect("registered");
    assert_eq!(info.registered_at, T0);
    assert_eq!(info.emergency, EmergencyPreference::NonSensitive);
    assert!(r.is_registered(PATIENT));
    assert_eq!(
        r.register_patient(PATIENT, T0 + 1),
        Err(Error::PatientAlreadyRegistered)
    );
    assert_eq!(r.get_patient(PATIENT), Some(info));
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(r.register_patient(PATIENT2, T0), Err(Error::ContractPaused));
    assert!(!r.is_registered(PATIENT2));
}

#[test]
fn the_patient_or_a_delegate_sets_the_break_glass_preference() {
    let mut r = with_patient();
    assert_eq!(
        r.set_emergency_preference(STRANGER, T0, PATIENT, EmergencyPreference::OptOut),
        Err(Error::NotAuthorized)
    );
    assert_eq!(
        r.set_emergency_preference(PATIENT2, T0, PATIENT2, EmergencyPreference::OptOut),
        Err(Error::PatientNotRegistered)
    );
    assert_eq!(
        r.emergency_preference(PATIENT),
        EmergencyPreference::NonSensitive
    );
    assert_eq!(
        r.set_emergency_preference(GUARDIAN, T0, PATIENT, EmergencyPreference::IncludeSensitive),
        Ok(Event::EmergencyPreferenceChanged(
            EmergencyPreferenceChanged {
                patient: PATIENT,
                actor: GUARDIAN,
                preference: EmergencyPreference::IncludeSensitive
            }
        ))
    );
    assert_eq!(
        r.emergency_preference(PATIENT),
        EmergencyPreference::IncludeSensitive
    );
    let last = r.history(PATIENT, 0, MAX_PAGE).pop().expect("history");
    assert_eq!(
        (last.actor, last.action),
        (GUARDIAN, ConsentAction::EmergencyPreferenceChanged)
    );
    // An expired delegate may not.
    assert_eq!(
        r.set_emergency_preference(
            GUARDIAN,
            T0 + 10 * DAY,
            PATIENT,
            EmergencyPreference::OptOut
        ),
        Err(Error::NotAuthorized)
    );
    assert_eq!(
        r.emergency_preference(STRANGER),
        EmergencyPreference::NonSensitive
    );
}

#[test]
fn while_paused_the_preference_may_only_narrow() {
    let mut r = with_patient();
    r.set_emergency_preference(PATIENT, T0, PATIENT, EmergencyPreference::IncludeSensitive)
        .expect("widen");
    r.admin.pause(OWNER).expect("pause");
    assert!(r
        .set_emergency_preference(PATIENT, T0, PATIENT, EmergencyPreference::NonSensitive)
        .is_ok());
    assert_eq!(
        r.set_emergency_preference(PATIENT, T0, PATIENT, EmergencyPreference::IncludeSensitive),
        Err(Error::ContractPaused)
    );
    assert!(r
        .set_emergency_preference(PATIENT, T0, PATIENT, EmergencyPreference::OptOut)
        .is_ok());
    assert_eq!(
        r.set_emergency_preference(PATIENT, T0, PATIENT, EmergencyPreference::NonSensitive),
        Err(Error::ContractPaused)
    );
    assert_eq!(r.emergency_preference(PATIENT), EmergencyPreference::OptOut);
}

// ---------------------------------------------------------------------------
// Consents
// ---------------------------------------------------------------------------

#[test]
fn a_consent_is_granted_for_purposes_and_expires() {
    let mut r = with_patient();
    let (expires_at, event) = r
        .grant_consent(
            PATIENT,
            T0,
            PATIENT,
            DOCTOR,
            LabResults,
            DAY,
            &[Treatment, Research],
        )
        .expect("grant");
    assert_eq!(expires_at, T0 + DAY);
    assert_eq!(
        event,
        Event::ConsentGranted(ConsentGranted {
            patient: PATIENT,
            provider: DOCTOR,
            actor: PATIENT,
            purposes: PurposeSet::of(&[Treatment, Research]),
            expires_at,
            request_id: None
        })
    );
    let c = r.get_consent(PATIENT, DOCTOR, LabResults).expect("stored");
    assert!(c.active && c.is_valid_at(T0 + DAY - 1) && !c.is_valid_at(T0 + DAY));
    assert_eq!(c.granted_by, PATIENT);
    let check = |r: &ConsentRegistry, p, at| r.consent_check(PATIENT, DOCTOR, LabResults, p, at);
    assert_eq!(check(&r, Treatment, T0), ConsentCheck::Given);
    assert_eq!(check(&r, Research, T0), ConsentCheck::Given);
    assert_eq!(check(&r, Payment, T0), ConsentCheck::PurposeNotConsented);
    assert_eq!(check(&r, Treatment, T0 + DAY), ConsentCheck::Missing);
    assert_eq!(
        r.consent_check(PATIENT, NURSE, LabResults, Treatment, T0),
        ConsentCheck::Missing
    );
    let info = r.get_patient(PATIENT).expect("patient");
    assert_eq!((info.consents_granted, info.consent_count), (1, 1));
}

#[test]
fn granting_is_checked_and_a_denial_changes_nothing() {
    let mut r = with_patient();
    let before = consent_state(&r);
    assert_eq!(
        grant(&mut r, STRANGER, DOCTOR, LabResults, &[Treatment]),
        Err(Error::NotAuthorized)
    );
    assert_eq!(
        r.grant_consent(
            PATIENT2,
            T0,
            PATIENT2,
            DOCTOR,
            LabResults,
            DAY,
            &[Treatment]
        )
        .err(),
        Some(Error::PatientNotRegistered)
    );
    assert_eq!(
        grant(&mut r, PATIENT, DOCTOR, LabResults, &[]),
        Err(Error::NoPurpose)
    );
    assert_eq!(
        grant(&mut r, PATIENT, PATIENT, LabResults, &[Treatment]),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(
        r.grant_consent(PATIENT, T0, PATIENT, DOCTOR, LabResults, 0, &[Treatment])
            .err(),
        Some(Error::InvalidDuration)
    );
    assert_eq!(
        r.grant_consent(
            PATIENT,
            u64::MAX,
            PATIENT,
            DOCTOR,
            LabResults,
            1,
            &[Treatment]
        )
        .err(),
        Some(Error::Overflow)
    );
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(
        grant(&mut r, PATIENT, DOCTOR, LabResults, &[Treatment]),
        Err(Error::ContractPaused)
    );
    assert_eq!(consent_state(&r), before);
}

#[test]
fn a_delegate_grants_but_never_to_itself() {
    let mut r = with_patient();
    assert!(grant(&mut r, GUARDIAN, DOCTOR, MedicalRecords, &[Treatment]).is_ok());
    let c = r
        .get_consent(PATIENT, DOCTOR, MedicalRecords)
        .expect("stored");
    assert_eq!(c.granted_by, GUARDIAN);
    let before = consent_state(&r);
    assert_eq!(
        grant(&mut r, GUARDIAN, GUARDIAN, MedicalRecords, &[Treatment]),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(consent_state(&r), before);
    // After the delegation expires the delegate cannot act.
    assert_eq!(
        r.grant_consent(
            GUARDIAN,
            T0 + 10 * DAY,
            PATIENT,
            NURSE,
            LabResults,
            DAY,
            &[Treatment]
        )
        .err(),
        Some(Error::NotAuthorized)
    );
}

#[test]
fn all_covers_every_non_sensitive_type_only() {
    let mut r = with_patient();
    grant(&mut r, PATIENT, DOCTOR, All, &[Treatment]).expect("grant all");
    for d in DataType::ALL {
        let expected = if d.is_sensitive() {
            ConsentCheck::Missing
        } else {
            ConsentCheck::Given
        };
        assert_eq!(
            r.consent_check(PATIENT, DOCTOR, d, Treatment, T0),
            expected,
            "{d:?}"
        );
    }
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, Imaging, Research, T0),
        ConsentCheck::PurposeNotConsented
    );
    // A specific consent and an `All` consent combine their purposes.
    grant(&mut r, PATIENT, DOCTOR, Imaging, &[Research]).expect("grant imaging");
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, Imaging, Research, T0),
        ConsentCheck::Given
    );
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, Imaging, Treatment, T0),
        ConsentCheck::Given
    );
    // A sensitive type needs its own.
    grant(&mut r, PATIENT, DOCTOR, MentalHealth, &[Treatment]).expect("grant sensitive");
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, MentalHealth, Treatment, T0),
        ConsentCheck::Given
    );
}

#[test]
fn a_regrant_replaces_and_the_list_keeps_one_entry() {
    let mut r = with_patient();
    grant(&mut r, PATIENT, DOCTOR, LabResults, &[Treatment]).expect("grant");
    r.grant_consent(
        PATIENT,
        T0 + 5,
        PATIENT,
        DOCTOR,
        LabResults,
        DAY,
        &[Research],
    )
    .expect("regrant");
    let c = r.get_consent(PATIENT, DOCTOR, LabResults).expect("stored");
    assert_eq!(
        (c.purposes, c.expires_at),
        (PurposeSet::of(&[Research]), T0 + 5 + DAY)
    );
    let list = r.consents_of(PATIENT, 0, MAX_PAGE, T0);
    assert_eq!(list.len(), 1);
    assert_eq!(r.consents_to(DOCTOR, 0, MAX_PAGE, T0).len(), 1);
    let info = r.get_patient(PATIENT).expect("patient");
    assert_eq!((info.consents_granted, info.consent_count), (2, 1));
}

#[test]
fn revocation_works_while_paused_and_only_once() {
    let mut r = with_patient();
    grant(&mut r, PATIENT, DOCTOR, LabResults, &[Treatment]).expect("grant");
    r.admin.pause(OWNER).expect("pause");
    let before = consent_state(&r);
    assert_eq!(
        r.revoke_consent(STRANGER, T0, PATIENT, DOCTOR, LabResults),
        Err(Error::NotAuthorized)
    );
    assert_eq!(
        r.revoke_consent(PATIENT, T0, PATIENT, DOCTOR, Imaging),
        Err(Error::ConsentNotFound)
    );
    assert_eq!(consent_state(&r), before);
    assert_eq!(
        r.revoke_consent(GUARDIAN, T0 + 1, PATIENT, DOCTOR, LabResults),
        Ok(Event::ConsentRevoked(ConsentRevoked {
            patient: PATIENT,
            provider: DOCTOR,
            actor: GUARDIAN
        }))
    );
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, LabResults, Treatment, T0 + 1),
        ConsentCheck::Missing
    );
    let views = r.consents_of(PATIENT, 0, MAX_PAGE, T0 + 1);
    assert_eq!(views[0].status, ConsentStatus::Revoked);
    assert_eq!(
        r.revoke_consent(PATIENT, T0, PATIENT, DOCTOR, LabResults),
        Err(Error::ConsentNotActive)
    );
    assert_eq!(r.get_patient(PATIENT).map(|p| p.consents_revoked), Some(1));
}

#[test]
fn purposes_of_a_live_consent_can_be_replaced() {
    let mut r = with_patient();
    let update = |r: &mut ConsentRegistry, by, at, d, p: &[Purpose]| {
        r.update_consent_purposes(by, at, PATIENT, DOCTOR, d, p)
    };
    assert_eq!(
        update(&mut r, PATIENT, T0, LabResults, &[Research]),
        Err(Error::ConsentNotFound)
    );
    grant(&mut r, PATIENT, DOCTOR, LabResults, &[Treatment]).expect("grant");
    assert_eq!(
        update(&mut r, PATIENT, T0, LabResults, &[]),
        Err(Error::NoPurpose)
    );
    assert_eq!(
        update(&mut r, STRANGER, T0, LabResults, &[Research]),
        Err(Error::NotAuthorized)
    );
    assert_eq!(
        update(&mut r, PATIENT, T0 + 30 * DAY, LabResults, &[Research]),
        Err(Error::ConsentExpired)
    );
    assert_eq!(
        update(&mut r, GUARDIAN, T0, LabResults, &[Research, Payment]),
        Ok(Event::ConsentPurposesUpdated(ConsentPurposesUpdated {
            patient: PATIENT,
            provider: DOCTOR,
            actor: GUARDIAN,
            purposes: PurposeSet::of(&[Research, Payment])
        }))
    );
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, LabResults, Treatment, T0),
        ConsentCheck::PurposeNotConsented
    );
    r.revoke_consent(PATIENT, T0, PATIENT, DOCTOR, LabResults)
        .expect("revoke");
    assert_eq!(
        update(&mut r, PATIENT, T0, LabResults, &[Research]),
        Err(Error::ConsentNotActive)
    );
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(
        update(&mut r, PATIENT, T0, LabResults, &[Research]),
        Err(Error::ContractPaused)
    );
}

#[test]
fn consult_answers_everything_in_one_call() {
    let mut r = with_patient();
    grant(&mut r, PATIENT, DOCTOR, Imaging, &[Treatment]).expect("grant");
    r.set_emergency_preference(PATIENT, T0, PATIENT, EmergencyPreference::OptOut)
        .expect("opt out");
    assert_eq!(
        r.consult(PATIENT, DOCTOR, Imaging, Treatment, T0),
        ConsentAnswer {
            consent: ConsentCheck::Given,
            acts_for: false,
            emergency: EmergencyPreference::OptOut
        }
    );
    assert_eq!(
        r.consult(PATIENT, GUARDIAN, Imaging, Treatment, T0),
        ConsentAnswer {
            consent: ConsentCheck::Missing,
            acts_for: true,
            emergency: EmergencyPreference::OptOut
        }
    );
    assert!(r.acts_for(PATIENT, PATIENT, T0));
    assert!(
        !r.acts_for(PATIENT2, PATIENT2, T0),
        "an unregistered patient"
    );
    assert!(!r.acts_for(PATIENT, GUARDIAN, T0 + 10 * DAY));
}

// ---------------------------------------------------------------------------
// Access requests
// ---------------------------------------------------------------------------

#[test]
fn a_cleared_provider_requests_and_each_standing_is_named() {
    let mut r = with_patient();
    for (standing, error) in [
        (
            ProviderStanding::NotRegistered,
            Error::ProviderNotRegistered,
        ),
        (ProviderStanding::NotVerified, Error::ProviderNotVerified),
        (ProviderStanding::Inactive, Error::ProviderInactive),
        (ProviderStanding::RoleNotAllowed, Error::RoleNotAllowed),
        (
            ProviderStanding::PurposeNotAllowed,
            Error::PurposeNotAllowed,
        ),
    ] {
        assert_eq!(
            r.request_access(DOCTOR, T0, PATIENT, LabResults, Treatment, standing)
                .err(),
            Some(error)
        );
    }
    assert_eq!(r.request_count(), 0);
    assert_eq!(
        r.request_access(
            DOCTOR,
            T0,
            PATIENT2,
            LabResults,
            Treatment,
            ProviderStanding::Cleared
        )
        .err(),
        Some(Error::PatientNotRegistered)
    );
    assert_eq!(
        r.request_access(
            PATIENT,
            T0,
            PATIENT,
            LabResults,
            Treatment,
            ProviderStanding::Cleared
        )
        .err(),
        Some(Error::CannotTargetSelf)
    );
    let (id, event) = r
        .request_access(
            DOCTOR,
            T0,
            PATIENT,
            LabResults,
            Research,
            ProviderStanding::Cleared,
        )
        .expect("request");
    assert_eq!(id, 1);
    assert_eq!(
        event,
        Event::AccessRequested(AccessRequested {
            patient: PATIENT,
            actor: DOCTOR,
            request_id: 1,
            purpose: Research
        })
    );
    let req = r.get_access_request(1).expect("stored");
    assert_eq!(
        (req.status, req.data_type, req.purpose),
        (RequestStatus::Pending, LabResults, Research)
    );
    assert_eq!(r.pending_count(PATIENT), 1);
    assert_eq!(r.requests_by(DOCTOR, 0, MAX_PAGE)[0].id, 1);
    // One pending request per provider, patient and data type.
    assert_eq!(
        request(&mut r, DOCTOR, LabResults, Treatment),
        Err(Error::RequestAlreadyPending)
    );
    assert_eq!(request(&mut r, DOCTOR, Imaging, Treatment), Ok(2));
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(
        request(&mut r, NURSE, Imaging, Treatment),
        Err(Error::ContractPaused)
    );
}

#[test]
fn approval_consents_to_the_requested_purpose_and_orders_permissions() {
    let mut r = with_patient();
    grant(&mut r, PATIENT, DOCTOR, LabResults, &[Treatment]).expect("earlier consent");
    let id = request(&mut r, DOCTOR, LabResults, Research).expect("request");
    let approval = r
        .approve_access_request(
            GUARDIAN,
            T0 + 10,
            id,
            7 * DAY,
            &[RecordType::LabResults, RecordType::LabResults],
            AccessLevel::Read,
        )
        .expect("approve");
    assert_eq!(approval.expires_at, T0 + 10 + 7 * DAY);
    assert_eq!(
        approval.grant,
        Some(GrantOrder {
            patient: PATIENT,
            provider: DOCTOR,
            actor: GUARDIAN,
            record_types: vec![RecordType::LabResults],
            level: AccessLevel::Read,
            expires_at: T0 + 10 + 7 * DAY,
            request_id: id
        })
    );
    assert_eq!(
        approval.events,
        vec![
            Event::ConsentGranted(ConsentGranted {
                patient: PATIENT,
                provider: DOCTOR,
                actor: GUARDIAN,
                purposes: PurposeSet::of(&[Treatment, Research]),
                expires_at: T0 + 10 + 7 * DAY,
                request_id: Some(id)
            }),
            Event::AccessRequestApproved(AccessRequestApproved {
                patient: PATIENT,
                provider: DOCTOR,
                actor: GUARDIAN,
                request_id: id,
                permissions: 1
            })
        ]
    );
    let req = r.get_access_request(id).expect("stored");
    assert_eq!(
        (req.status, req.decided_by),
        (RequestStatus::Approved, Some(GUARDIAN))
    );
    assert_eq!(r.pending_count(PATIENT), 0);
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, LabResults, Research, T0 + 11),
        ConsentCheck::Given
    );
    // The request is closed; a new one may be made.
    assert_eq!(
        r.approve_access_request(PATIENT, T0, id, DAY, &[], AccessLevel::Read)
            .err(),
        Some(Error::RequestNotPending)
    );
    assert!(request(&mut r, DOCTOR, LabResults, Payment).is_ok());
}

#[test]
fn approval_without_record_types_only_consents() {
    let mut r = with_patient();
    let id = request(&mut r, DOCTOR, Imaging, Treatment).expect("request");
    let approval = r
        .approve_access_request(PATIENT, T0, id, DAY, &[], AccessLevel::Emergency)
        .expect("approve");
    assert_eq!(approval.grant, None);
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, Imaging, Treatment, T0),
        ConsentCheck::Given
    );
}

#[test]
fn approvals_are_refused_for_each_reason_and_change_nothing() {
    let mut r = with_patient();
    let id = request(&mut r, DOCTOR, LabResults, Treatment).expect("request");
    let before = (
        consent_state(&r),
        r.get_access_request(id),
        r.pending_count(PATIENT),
    );
    let approve = |r: &mut ConsentRegistry, by, id, d, types: &[RecordType], level| {
        r.approve_access_request(by, T0, id, d, types, level).err()
    };
    assert_eq!(
        approve(&mut r, PATIENT, 99, DAY, &[], AccessLevel::Read),
        Some(Error::RequestNotFound)
    );
    assert_eq!(
        approve(&mut r, STRANGER, id, DAY, &[], AccessLevel::Read),
        Some(Error::NotAuthorized)
    );
    assert_eq!(
        approve(&mut r, PATIENT, id, 0, &[], AccessLevel::Read),
        Some(Error::InvalidDuration)
    );
    assert_eq!(
        approve(
            &mut r,
            PATIENT,
            id,
            DAY,
            &[RecordType::LabResults],
            AccessLevel::Emergency
        ),
        Some(Error::InvalidAccessLevel)
    );
    assert_eq!(
        approve(
            &mut r,
            PATIENT,
            id,
            DAY,
            &[RecordType::Imaging],
            AccessLevel::Read
        ),
        Some(Error::RecordTypeNotRequested)
    );
    assert_eq!(consent_state(&r), before.0);
    assert_eq!(
        (r.get_access_request(id), r.pending_count(PATIENT)),
        (before.1, before.2)
    );
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(
        approve(&mut r, PATIENT, id, DAY, &[], AccessLevel::Read),
        Some(Error::ContractPaused)
    );
}

#[test]
fn an_all_request_covers_every_non_sensitive_record_type() {
    let mut r = with_patient();
    let id = request(&mut r, DOCTOR, All, Treatment).expect("request");
    assert_eq!(
        r.approve_access_request(
            PATIENT,
            T0,
            id,
            DAY,
            &[RecordType::MentalHealth],
            AccessLevel::Read
        )
        .err(),
        Some(Error::RecordTypeNotRequested)
    );
    let ordinary: Vec<RecordType> = RecordType::ALL
        .into_iter()
        .filter(|t| !t.data_type().is_sensitive())
        .collect();
    let approval = r
        .approve_access_request(PATIENT, T0, id, DAY, &ordinary, AccessLevel::Write)
        .expect("approve");
    assert_eq!(approval.grant.map(|g| g.record_types.len()), Some(10));
}

#[test]
fn permissions_need_record_management_wired() {
    let mut r = fresh();
    r.register_patient(PATIENT, T0).expect("register");
    let id = request(&mut r, DOCTOR, LabResults, Treatment).expect("request");
    assert_eq!(
        r.approve_access_request(
            PATIENT,
            T0,
            id,
            DAY,
            &[RecordType::LabResults],
            AccessLevel::Read
        )
        .err(),
        Some(Error::RecordManagementNotSet)
    );
    assert!(r
        .approve_access_request(PATIENT, T0, id, DAY, &[], AccessLevel::Read)
        .is_ok());
}

#[test]
fn a_delegate_who_is_the_requesting_provider_cannot_approve_itself() {
    let mut r = with_patient();
    let id =
        request(&mut r, GUARDIAN, LabResults, Treatment).expect("the guardian is a provider too");
    let before = consent_state(&r);
    assert_eq!(
        r.approve_access_request(
            GUARDIAN,
            T0,
            id,
            DAY,
            &[RecordType::LabResults],
            AccessLevel::Admin
        )
        .err(),
        Some(Error::CannotTargetSelf)
    );
    assert_eq!(consent_state(&r), before);
    assert_eq!(r.pending_count(PATIENT), 1);
    // The patient may approve it.
    assert!(r
        .approve_access_request(PATIENT, T0, id, DAY, &[], AccessLevel::Read)
        .is_ok());
}

#[test]
fn denial_closes_the_request_and_is_recorded() {
    let mut r = with_patient();
    let id = request(&mut r, DOCTOR, LabResults, Treatment).expect("request");
    assert_eq!(
        r.deny_access_request(STRANGER, T0, id).err(),
        Some(Error::NotAuthorized)
    );
    assert_eq!(
        r.deny_access_request(PATIENT, T0, 42).err(),
        Some(Error::RequestNotFound)
    );
    assert_eq!(
        r.deny_access_request(GUARDIAN, T0 + 3, id),
        Ok(Event::AccessRequestDenied(AccessRequestDenied {
            patient: PATIENT,
            provider: DOCTOR,
            actor: GUARDIAN,
            request_id: id
        }))
    );
    let req = r.get_access_request(id).expect("stored");
    assert_eq!(
        (req.status, req.decided_at),
        (RequestStatus::Denied, Some(T0 + 3))
    );
    assert_eq!(r.pending_count(PATIENT), 0);
    assert_eq!(
        r.deny_access_request(PATIENT, T0, id).err(),
        Some(Error::RequestNotPending)
    );
    let last = r.history(PATIENT, 0, MAX_PAGE).pop().expect("history");
    assert_eq!(
        (last.action, last.request_id),
        (ConsentAction::RequestDenied, Some(id))
    );
    assert_eq!(
        r.consent_check(PATIENT, DOCTOR, LabResults, Treatment, T0),
        ConsentCheck::Missing
    );
}

#[test]
fn the_pending_list_removes_any_request_in_constant_time() {
    let mut r = with_patient();
    let providers: Vec<AccountId> = (0..5u8).map(|n| AccountId([100 + n; 32])).collect();
    for p in &providers {
        request(&mut r, *p, LabResults, Treatment).expect("request");
    }
    let ids = |r: &ConsentRegistry| -> Vec<u64> {
        r.pending_requests(PATIENT, 0, MAX_PAGE)
            .iter()
            .map(|v| v.id)
            .collect()
    };
    assert_eq!(ids(&r), vec![1, 2, 3, 4, 5]);
    r.deny_access_request(PATIENT, T0, 2).expect("deny 2");
    assert_eq!(ids(&r), vec![1, 5, 3, 4]);
    r.approve_access_request(PATIENT, T0, 4, DAY, &[], AccessLevel::Read)
        .expect("approve 4");
    assert_eq!(ids(&r), vec![1, 5, 3]);
    assert_eq!(r.pending_requests(PATIENT, 1, 1).len(), 1);
    for id in [1, 5, 3] {
        r.deny_access_request(PATIENT, T0, id).expect("deny");
    }
    assert!(ids(&r).is_empty());
    assert_eq!(
        r.requests_by(providers[0], 0, MAX_PAGE)[0].request.status,
        RequestStatus::Denied
    );
}

// ---------------------------------------------------------------------------
// Delegates
// ---------------------------------------------------------------------------

#[test]
fn delegates_are_named_renewed_and_listed_once() {
    let mut r = fresh();
    r.register_patient(PATIENT, T0).expect("register");
    assert_eq!(
        r.add_delegate(STRANGER, T0, GUARDIAN, DelegateKind::Guardian, DAY)
            .err(),
        Some(Error::PatientNotRegistered)
    );
    assert_eq!(
        r.add_delegate(PATIENT, T0, PATIENT, DelegateKind::Guardian, DAY)
            .err(),
        Some(Error::CannotTargetSelf)
    );
    assert_eq!(
        r.add_delegate(PATIENT, T0, GUARDIAN, DelegateKind::Guardian, 0)
            .err(),
        Some(Error::InvalidDuration)
    );
    let (expires_at, event) = r
        .add_delegate(PATIENT, T0, GUARDIAN, DelegateKind::PowerOfAttorney, DAY)
        .expect("add");
    assert_eq!(
        event,
        Event::DelegateAdded(DelegateAdded {
            patient: PATIENT,
            delegate: GUARDIAN,
            actor: PATIENT,
            kind: DelegateKind::PowerOfAttorney,
            expires_at
        })
    );
    assert!(r.acts_for(PATIENT, GUARDIAN, T0 + DAY - 1));
    assert!(!r.acts_for(PATIENT, GUARDIAN, T0 + DAY));
    r.add_delegate(PATIENT, T0 + DAY, GUARDIAN, DelegateKind::Guardian, DAY)
        .expect("renew");
    assert!(r.acts_for(PATIENT, GUARDIAN, T0 + DAY + 1));
    assert_eq!(r.delegates_of(PATIENT, 0, MAX_PAGE, T0 + DAY).len(), 1);
    assert_eq!(
        r.represented_by(GUARDIAN, 0, MAX_PAGE, T0 + DAY)[0].patient,
        PATIENT
    );
    // A delegate cannot name delegates.
    assert_eq!(
        r.add_delegate(GUARDIAN, T0, STRANGER, DelegateKind::Guardian, DAY)
            .err(),
        Some(Error::PatientNotRegistered)
    );
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(
        r.add_delegate(PATIENT, T0, STRANGER, DelegateKind::Guardian, DAY)
            .err(),
        Some(Error::ContractPaused)
    );
}

#[test]
fn a_delegation_ends_by_the_patient_or_the_delegate_even_while_paused() {
    let mut r = with_patient();
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(
        r.remove_delegate(STRANGER, T0, PATIENT, GUARDIAN),
        Err(Error::NotAuthorized)
    );
    assert_eq!(
        r.remove_delegate(PATIENT, T0, PATIENT, STRANGER),
        Err(Error::DelegateNotFound)
    );
    assert_eq!(
        r.remove_delegate(GUARDIAN, T0 + 5, PATIENT, GUARDIAN),
        Ok(Event::DelegateRemoved(DelegateRemoved {
            patient: PATIENT,
            delegate: GUARDIAN,
            actor: GUARDIAN
        }))
    );
    assert!(!r.acts_for(PATIENT, GUARDIAN, T0 + 5));
    assert_eq!(
        r.get_delegate(PATIENT, GUARDIAN).map(|d| d.expires_at),
        Some(T0 + 5)
    );
    assert_eq!(
        r.remove_delegate(PATIENT, T0 + 6, PATIENT, GUARDIAN),
        Err(Error::DelegateNotFound)
    );
    let views = r.delegates_of(PATIENT, 0, MAX_PAGE, T0 + 6);
    assert_eq!((views.len(), views[0].active), (1, false));
}

// ---------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------

#[test]
fn consent_lists_page_through_patients_and_providers() {
    let mut r = with_patient();
    for n in 0..55u8 {
        grant(
            &mut r,
            PATIENT,
            AccountId([100 + n; 32]),
            LabResults,
            &[Treatment],
        )
        .expect("grant");
    }
    assert_eq!(
        r.consents_of(PATIENT, 0, 1_000, T0).len(),
        MAX_PAGE as usize
    );
    let tail = r.consents_of(PATIENT, 50, 50, T0);
    assert_eq!(tail.len(), 5);
    assert_eq!(tail[4].provider, AccountId([154; 32]));
    assert_eq!(tail[4].status, ConsentStatus::Active);
    assert_eq!(
        r.consents_of(PATIENT, 0, 1, T0 + 30 * DAY)[0].status,
        ConsentStatus::Expired
    );
    assert!(r.consents_of(PATIENT, u64::MAX, 10, T0).is_empty());
    let theirs = r.consents_to(AccountId([100; 32]), 0, 10, T0);
    assert_eq!((theirs.len(), theirs[0].patient), (1, PATIENT));
    assert_eq!(r.provider_consent_count(AccountId([100; 32])), 1);
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

#[test]
fn record_management_is_wired_once_then_repointed_after_a_delay() {
    let mut r = fresh();
    assert_eq!(
        r.set_record_management(STRANGER, THIS, RM),
        Err(Error::NotOwner)
    );
    assert_eq!(
        r.set_record_management(OWNER, THIS, THIS),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(
        r.set_record_management(OWNER, THIS, RM),
        Ok(Event::Admin(AdminEvent::LinkChanged(LinkChanged {
            actor: OWNER,
            link: Link::RecordManagement,
            old: None,
            new: RM
        })))
    );
    assert_eq!(
        r.set_record_management(OWNER, THIS, STRANGER),
        Err(Error::LinkAlreadySet)
    );
    assert_eq!(r.record_management(), Some(RM));

    assert_eq!(
        r.announce_link(OWNER, T0, THIS, Link::PatientConsent, STRANGER)
            .err(),
        Some(Error::UnknownLink)
    );
    let (at, _) = r
        .announce_link(OWNER, T0, THIS, Link::RecordManagement, STRANGER)
        .expect("announce");
    assert_eq!(at, T0 + DEFAULT_UPGRADE_DELAY);
    assert_eq!(
        r.apply_link(OWNER, at - 1, Link::RecordManagement),
        Err(Error::TooEarly)
    );
    assert_eq!(r.record_management(), Some(RM));
    assert_eq!(
        r.apply_link(STRANGER, at, Link::RecordManagement),
        Err(Error::NotOwner)
    );
    assert!(r.apply_link(OWNER, at, Link::RecordManagement).is_ok());
    assert_eq!(r.record_management(), Some(STRANGER));
    assert_eq!(r.pending_link(Link::RecordManagement), None);
    assert_eq!(
        r.apply_link(OWNER, at, Link::RecordManagement),
        Err(Error::NothingAnnounced)
    );
}

#[test]
fn an_access_control_repoint_can_be_cancelled() {
    let mut r = fresh();
    r.announce_link(OWNER, T0, THIS, Link::AccessControl, STRANGER)
        .expect("announce");
    assert_eq!(
        r.announce_link(OWNER, T0, THIS, Link::AccessControl, NURSE)
            .err(),
        Some(Error::AlreadyAnnounced)
    );
    assert_eq!(
        r.cancel_link(STRANGER, Link::AccessControl),
        Err(Error::NotOwner)
    );
    assert!(r.cancel_link(OWNER, Link::AccessControl).is_ok());
    assert_eq!(
        r.apply_link(OWNER, u64::MAX, Link::AccessControl),
        Err(Error::NothingAnnounced)
    );
    assert_eq!(r.access_control(), AC);
}
