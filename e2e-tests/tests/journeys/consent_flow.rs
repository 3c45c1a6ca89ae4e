//! Consent: purposes of use, `All`, requests checked with access-control
//! and approved by the patient side in one step (consent and permissions),
//! the pending list, delegates, and no self-dealing.

use crate::{create, staffed};
use e2e_tests::{cast, E2EResult, DAY};
use medrec_types::{AccessLevel, DataType, Purpose, PurposeSet, RecordType};
use patient_consent::events::{AccessRequestApproved, AccessRequested, ConsentGranted};
use patient_consent::{ConsentStatus, DelegateKind, Error as PcError, RequestStatus};
use record_management::events::AuditAppended;
use record_management::{AuditAction, Error as RmError};

#[test]
fn a_consent_covers_its_purposes_and_a_read_must_declare_one() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    // Given a consent for lab results, for treatment and research
    let msg = s.pc().grant_consent(
        ferdie.account,
        charlie.account,
        DataType::LabResults,
        30 * DAY,
        vec![Purpose::Treatment, Purpose::Research],
    );
    let call = s.ok(&ferdie, &msg)?;
    let e: ConsentGranted = call.one()?;
    assert_eq!(
        (e.patient, e.provider, e.actor, e.purposes, e.expires_at),
        (
            ferdie.account,
            charlie.account,
            ferdie.account,
            PurposeSet::of(&[Purpose::Treatment, Purpose::Research]),
            s.now() + 30 * DAY
        )
    );
    let msg = s.rm().grant_permission(
        ferdie.account,
        charlie.account,
        RecordType::LabResults,
        AccessLevel::Write,
        None,
        None,
    );
    s.ok(&ferdie, &msg)?;
    let id = create(&mut s, &charlie, RecordType::LabResults, 1)?;
    // When Charlie reads for a purpose the consent covers, it is recorded
    for purpose in [Purpose::Treatment, Purpose::Research] {
        let msg = s.rm().get_record(ferdie.account, id, purpose);
        let view = s.ok(&charlie, &msg)?.value;
        let entry = s
            .query(&s.rm().audit_entry(ferdie.account, view.audit_index))?
            .ok_or("the read is recorded")?;
        assert_eq!(
            (entry.action, entry.purpose),
            (AuditAction::Read, Some(purpose))
        );
    }
    // Then a read for another purpose is refused, and changes nothing
    for purpose in [
        Purpose::Payment,
        Purpose::Operations,
        Purpose::EmergencyTreatment,
    ] {
        let msg = s.rm().get_record(ferdie.account, id, purpose);
        s.refused(&charlie, &msg, RmError::PurposeNotConsented)?;
    }
    // And the purposes can be replaced
    let msg = s.pc().update_consent_purposes(
        ferdie.account,
        charlie.account,
        DataType::LabResults,
        vec![Purpose::Payment],
    );
    s.ok(&ferdie, &msg)?;
    let msg = s.rm().get_record(ferdie.account, id, Purpose::Treatment);
    s.refused(&charlie, &msg, RmError::PurposeNotConsented)?;
    let msg = s.pc().update_consent_purposes(
        ferdie.account,
        charlie.account,
        DataType::LabResults,
        vec![],
    );
    s.refused(&ferdie, &msg, PcError::NoPurpose)?;
    Ok(())
}

#[test]
fn one_approval_lets_the_provider_act() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, two, dave) = (cast::ferdie(), cast::two(), cast::dave());
    // Dave, a nurse, asks for lab results for treatment
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::LabResults, Purpose::Treatment);
    let call = s.ok(&dave, &msg)?;
    let id = call.value;
    let e: AccessRequested = call.one()?;
    assert_eq!(
        (e.patient, e.actor, e.request_id),
        (ferdie.account, dave.account, id)
    );
    // A second request for the same thing waits for the first
    s.refused(&dave, &msg, PcError::RequestAlreadyPending)?;
    let pending = s.query(&s.pc().pending_requests(ferdie.account, 0, 50))?;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].request.provider, dave.account);
    // A record of Ferdie's that Dave may not see yet
    let charlie = cast::charlie();
    crate::consent_and_permit(
        &mut s,
        &charlie,
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Write,
    )?;
    let record = create(&mut s, &charlie, RecordType::LabResults, 1)?;
    let read = s
        .rm()
        .get_record(ferdie.account, record, Purpose::Treatment);
    s.refused(&dave, &read, RmError::ConsentRequired)?;
    // The approval names a record type outside the request: refused
    let msg =
        s.pc()
            .approve_access_request(id, 7 * DAY, vec![RecordType::Imaging], AccessLevel::Read);
    s.refused(&two, &msg, PcError::RecordTypeNotRequested)?;
    // Two, Ferdie's guardian, approves with Read on lab results: one step
    let msg =
        s.pc()
            .approve_access_request(id, 7 * DAY, vec![RecordType::LabResults], AccessLevel::Read);
    let call = s.ok(&two, &msg)?;
    assert_eq!(call.value, s.now() + 7 * DAY);
    assert_eq!(
        call.names(),
        vec!["AuditAppended", "ConsentGranted", "AccessRequestApproved"],
        "record-management's entry, then patient-consent's two events"
    );
    let granted: AuditAppended = call.one()?;
    assert_eq!(
        (granted.actor, granted.action, granted.subject),
        (
            two.account,
            AuditAction::PermissionGranted,
            Some(dave.account)
        )
    );
    let approved: AccessRequestApproved = call.one()?;
    assert_eq!((approved.actor, approved.permissions), (two.account, 1));
    // Dave reads at once
    let view = s.ok(&dave, &read)?.value;
    assert_eq!(view.record_id, record);
    let request = s
        .query(&s.pc().get_access_request(id))?
        .ok_or("request kept")?;
    assert_eq!(
        (request.status, request.decided_by),
        (RequestStatus::Approved, Some(two.account))
    );
    assert!(s
        .query(&s.pc().pending_requests(ferdie.account, 0, 50))?
        .is_empty());
    let permission = s
        .query(
            &s.rm()
                .get_permission(ferdie.account, dave.account, RecordType::LabResults),
        )?
        .ok_or("permission granted")?;
    assert_eq!(
        (
            permission.level,
            permission.granted_by,
            permission.expires_at,
            permission.request_id
        ),
        (
            AccessLevel::Read,
            two.account,
            Some(s.now() + 7 * DAY),
            Some(id)
        )
    );
    // Decided requests cannot be decided again
    let msg = s.pc().deny_access_request(id);
    s.refused(&ferdie, &msg, PcError::RequestNotPending)?;
    Ok(())
}

#[test]
fn requests_are_checked_with_access_control_and_can_be_denied() -> E2EResult<()> {
    let mut s = staffed()?;
    let ferdie = cast::ferdie();
    // The requesting provider's standing, asked of access-control
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::Imaging, Purpose::Treatment);
    s.refused(&cast::mallory(), &msg, PcError::ProviderNotRegistered)?;
    s.refused(&cast::dave(), &msg, PcError::RoleNotAllowed)?;
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::LabResults, Purpose::Treatment);
    s.refused(&cast::rita(), &msg, PcError::PurposeNotAllowed)?;
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::LabResults, Purpose::Research);
    let id = s.ok(&cast::rita(), &msg)?.value;
    let msg = s.pc().request_access(
        cast::mallory().account,
        DataType::LabResults,
        Purpose::Research,
    );
    s.refused(&cast::rita(), &msg, PcError::PatientNotRegistered)?;
    // Only the patient side decides
    let deny = s.pc().deny_access_request(id);
    s.refused(&cast::charlie(), &deny, PcError::NotAuthorized)?;
    s.ok(&ferdie, &deny)?;
    let request = s.query(&s.pc().get_access_request(id))?.ok_or("kept")?;
    assert_eq!(request.status, RequestStatus::Denied);
    assert_eq!(s.query(&s.pc().pending_count(ferdie.account))?, 0);
    let mine = s.query(&s.pc().requests_by(cast::rita().account, 0, 50))?;
    assert_eq!(
        (mine.len(), mine[0].request.status),
        (1, RequestStatus::Denied)
    );
    Ok(())
}

#[test]
fn all_covers_ordinary_types_and_delegates_act_until_expiry() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, two, charlie) = (cast::ferdie(), cast::two(), cast::charlie());
    let msg = s.pc().grant_consent(
        ferdie.account,
        charlie.account,
        DataType::All,
        30 * DAY,
        vec![Purpose::Treatment],
    );
    s.ok(&two, &msg)?;
    for t in [RecordType::Imaging, RecordType::MentalHealth] {
        let msg = s.rm().grant_permission(
            ferdie.account,
            charlie.account,
            t,
            AccessLevel::Write,
            None,
            None,
        );
        s.ok(&two, &msg)?;
    }
    create(&mut s, &charlie, RecordType::Imaging, 1)?;
    // `All` does not reach a sensitive type
    let (hash, key) = e2e_tests::sample_record(2);
    let msg = s.rm().create_record(
        ferdie.account,
        RecordType::MentalHealth,
        hash,
        key,
        64,
        0,
        record_management::Confidentiality::HighlyRestricted,
        Purpose::Treatment,
    );
    s.refused(&charlie, &msg, RmError::ConsentRequired)?;
    let views = s.query(&s.pc().consents_of(ferdie.account, 0, 50))?;
    assert_eq!(views.len(), 1);
    assert_eq!(
        (views[0].data_type, views[0].status),
        (DataType::All, ConsentStatus::Active)
    );
    assert_eq!(views[0].consent.granted_by, two.account);
    // After the delegation ends, Two acts for nobody
    let msg = s.pc().remove_delegate(ferdie.account, two.account);
    s.ok(&two, &msg)?;
    let msg = s
        .pc()
        .revoke_consent(ferdie.account, charlie.account, DataType::All);
    s.refused(&two, &msg, PcError::NotAuthorized)?;
    s.ok(&ferdie, &msg)?;
    let views = s.query(&s.pc().consents_to(charlie.account, 0, 50))?;
    assert_eq!(views[0].status, ConsentStatus::Revoked);
    let delegates = s.query(&s.pc().delegates_of(ferdie.account, 0, 50))?;
    assert_eq!((delegates.len(), delegates[0].active), (1, false));
    Ok(())
}

#[test]
fn nobody_grants_approves_shares_with_or_permits_itself() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, dave) = (cast::ferdie(), cast::dave());
    // Dave is a nurse and, from now on, Ferdie's power of attorney too
    let msg = s
        .pc()
        .add_delegate(dave.account, DelegateKind::PowerOfAttorney, 30 * DAY);
    s.ok(&ferdie, &msg)?;
    let msg = s
        .pc()
        .add_delegate(ferdie.account, DelegateKind::Guardian, DAY);
    s.refused(&ferdie, &msg, PcError::CannotTargetSelf)?;
    // Consent to itself, as delegate or as patient
    for provider in [dave.account, ferdie.account] {
        let msg = s.pc().grant_consent(
            ferdie.account,
            provider,
            DataType::LabResults,
            DAY,
            vec![Purpose::Treatment],
        );
        s.refused(&dave, &msg, PcError::CannotTargetSelf)?;
    }
    // Approve its own request
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::LabResults, Purpose::Treatment);
    let id = s.ok(&dave, &msg)?.value;
    let msg =
        s.pc()
            .approve_access_request(id, DAY, vec![RecordType::LabResults], AccessLevel::Admin);
    s.refused(&dave, &msg, PcError::CannotTargetSelf)?;
    // Permit or share with itself
    let msg = s.rm().grant_permission(
        ferdie.account,
        dave.account,
        RecordType::LabResults,
        AccessLevel::Admin,
        None,
        None,
    );
    s.refused(&dave, &msg, RmError::CannotTargetSelf)?;
    let msg = s.rm().grant_permission(
        ferdie.account,
        ferdie.account,
        RecordType::LabResults,
        AccessLevel::Admin,
        None,
        None,
    );
    s.refused(&ferdie, &msg, RmError::CannotTargetSelf)?;
    let record = create(&mut s, &ferdie, RecordType::Vitals, 1)?;
    let msg = s
        .rm()
        .share_record(ferdie.account, record, dave.account, DAY);
    s.refused(&dave, &msg, RmError::CannotTargetSelf)?;
    // The patient may approve Dave's request, and a delegate still reads
    let msg = s
        .pc()
        .approve_access_request(id, DAY, vec![], AccessLevel::Read);
    s.ok(&ferdie, &msg)?;
    let msg = s
        .rm()
        .get_record(ferdie.account, record, Purpose::PatientRequest);
    let view = s.ok(&dave, &msg)?.value;
    assert_eq!(view.access, record_management::Access::Delegate);
    Ok(())
}

#[test]
fn an_approval_fails_whole_when_record_management_cannot_be_called() -> E2EResult<()> {
    let mut s = staffed()?;
    let (alice, ferdie, dave) = (cast::alice(), cast::ferdie(), cast::dave());
    // A second patient-consent, wired to an account that holds no contract
    let input = e2e_tests::direct::ctor_input(e2e_tests::PatientConsentRef::new(s.ac));
    let pc2 = s.deploy("patient-consent", input, 21)?;
    let mut pc2 = ink_e2e::create_call_builder::<e2e_tests::PatientConsent>(pc2);
    s.ok(&alice, &pc2.set_record_management(cast::mallory().account))?;
    s.ok(&ferdie, &pc2.register_patient())?;
    let msg = pc2.request_access(ferdie.account, DataType::LabResults, Purpose::Treatment);
    let id = s.ok(&dave, &msg)?.value;
    // The approval needs record-management for its permissions: refused
    // whole (no consent without its permissions), the request still pending
    let msg =
        pc2.approve_access_request(id, 7 * DAY, vec![RecordType::LabResults], AccessLevel::Read);
    s.refused(&ferdie, &msg, PcError::RecordManagementUnavailable)?;
    let request = s.query(&pc2.get_access_request(id))?.ok_or("kept")?;
    assert_eq!(request.status, RequestStatus::Pending);
    // Without permissions it needs nothing of record-management
    let msg = pc2.approve_access_request(id, 7 * DAY, vec![], AccessLevel::Read);
    s.ok(&ferdie, &msg)?;
    Ok(())
}
