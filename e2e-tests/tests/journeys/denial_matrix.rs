//! The denial matrix: each condition of the access decision failing alone
//! gives its own error, and the refusal reverts, emits nothing and leaves
//! every storage value (the audit trail included) as it was. Then the
//! seeds' other parties: a payer reads insurance records for payment only,
//! a researcher lab results for research only.

use crate::{consent_and_permit, create, staffed};
use e2e_tests::{cast, Actor, E2EResult, DAY};
use medrec_types::{AccessLevel, DataType, Purpose, RecordType, Role};
use record_management::{Access, Error as RmError, Quota};

#[test]
fn each_failing_condition_gives_its_own_error_and_changes_nothing() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie, alice, bob) =
        (cast::ferdie(), cast::charlie(), cast::alice(), cast::bob());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Admin,
    )?;
    let id = create(&mut s, &charlie, RecordType::Diagnosis, 1)?;
    let read = s.rm().get_record(ferdie.account, id, Purpose::Treatment);

    // Not registered
    s.refused(&cast::mallory(), &read, RmError::ProviderNotRegistered)?;
    // Registered, not verified
    let victor = Actor::sandbox("victor", 0x56);
    let msg = s
        .ac()
        .register_provider(victor.account, Role::Doctor, [0xC0; 32]);
    s.ok(&alice, &msg)?;
    s.refused(&victor, &read, RmError::ProviderNotVerified)?;
    // Role does not allow the data type (a technician, medical records)
    s.refused(&cast::one(), &read, RmError::RoleNotAllowed)?;
    // Role does not allow the purpose (a researcher, lab results, treatment)
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Write,
    )?;
    let lab = create(&mut s, &charlie, RecordType::LabResults, 2)?;
    let lab_read = s.rm().get_record(ferdie.account, lab, Purpose::Treatment);
    s.refused(&cast::rita(), &lab_read, RmError::PurposeNotAllowed)?;
    // No consent
    let dave = cast::dave();
    s.refused(&dave, &read, RmError::ConsentRequired)?;
    // A consent, for another purpose
    let msg = s.pc().grant_consent(
        ferdie.account,
        dave.account,
        DataType::MedicalRecords,
        30 * DAY,
        vec![Purpose::Operations],
    );
    s.ok(&ferdie, &msg)?;
    s.refused(&dave, &read, RmError::PurposeNotConsented)?;
    // Consent for the purpose, no permission
    let msg = s.pc().grant_consent(
        ferdie.account,
        dave.account,
        DataType::MedicalRecords,
        30 * DAY,
        vec![Purpose::Treatment],
    );
    s.ok(&ferdie, &msg)?;
    s.refused(&dave, &read, RmError::NoPermission)?;
    // A permission that expired
    let msg = s.rm().grant_permission(
        ferdie.account,
        dave.account,
        RecordType::Diagnosis,
        AccessLevel::Read,
        Some(DAY),
        Some(Quota {
            max_reads: Some(1),
            max_bytes: None,
        }),
    );
    s.ok(&ferdie, &msg)?;
    s.ok(&dave, &read)?;
    // A quota used up
    s.refused(&dave, &read, RmError::QuotaExhausted)?;
    s.advance(DAY);
    s.refused(&dave, &read, RmError::PermissionExpired)?;
    // A level below what the operation needs
    let msg = s.rm().grant_permission(
        ferdie.account,
        dave.account,
        RecordType::Diagnosis,
        AccessLevel::Read,
        None,
        None,
    );
    s.ok(&ferdie, &msg)?;
    let archive = s
        .rm()
        .archive_record(ferdie.account, id, Purpose::Treatment);
    s.refused(&dave, &archive, RmError::InsufficientAccessLevel)?;
    // Deactivated
    let msg = s.ac().deactivate_provider(dave.account);
    s.ok(&bob, &msg)?;
    s.refused(&dave, &read, RmError::ProviderInactive)?;
    Ok(())
}

#[test]
fn a_payer_reads_insurance_records_for_payment_only() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, paul, charlie) = (cast::ferdie(), cast::paul(), cast::charlie());
    let msg = s.pc().grant_consent(
        ferdie.account,
        paul.account,
        DataType::Financial,
        90 * DAY,
        vec![Purpose::Payment],
    );
    s.ok(&ferdie, &msg)?;
    let msg = s.rm().grant_permission(
        ferdie.account,
        paul.account,
        RecordType::Insurance,
        AccessLevel::Read,
        None,
        None,
    );
    s.ok(&ferdie, &msg)?;
    // Ferdie uploads his insurance card himself
    let card = create(&mut s, &ferdie, RecordType::Insurance, 1)?;
    let msg = s.rm().get_record(ferdie.account, card, Purpose::Payment);
    assert_eq!(s.ok(&paul, &msg)?.value.access, Access::Permission);
    let msg = s.rm().get_record(ferdie.account, card, Purpose::Treatment);
    s.refused(&paul, &msg, RmError::PurposeNotAllowed)?;
    // A payer sees nothing clinical, whatever the patient grants
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Write,
    )?;
    let diagnosis = create(&mut s, &charlie, RecordType::Diagnosis, 2)?;
    let msg = s.pc().grant_consent(
        ferdie.account,
        paul.account,
        DataType::MedicalRecords,
        DAY,
        vec![Purpose::Payment],
    );
    s.ok(&ferdie, &msg)?;
    let msg = s
        .rm()
        .get_record(ferdie.account, diagnosis, Purpose::Payment);
    s.refused(&paul, &msg, RmError::RoleNotAllowed)?;
    Ok(())
}

#[test]
fn a_researcher_reads_lab_results_for_research_only() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, rita, charlie) = (cast::ferdie(), cast::rita(), cast::charlie());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::LabResults,
        RecordType::LabResults,
        AccessLevel::Write,
    )?;
    let lab = create(&mut s, &charlie, RecordType::LabResults, 1)?;
    let msg = s.pc().grant_consent(
        ferdie.account,
        rita.account,
        DataType::LabResults,
        DAY,
        vec![Purpose::Research],
    );
    s.ok(&ferdie, &msg)?;
    let msg = s.rm().grant_permission(
        ferdie.account,
        rita.account,
        RecordType::LabResults,
        AccessLevel::Read,
        None,
        None,
    );
    s.ok(&ferdie, &msg)?;
    let msg = s.rm().get_record(ferdie.account, lab, Purpose::Research);
    s.ok(&rita, &msg)?;
    for purpose in [Purpose::Treatment, Purpose::PublicHealth] {
        let msg = s.rm().get_record(ferdie.account, lab, purpose);
        s.refused(&rita, &msg, RmError::PurposeNotAllowed)?;
    }
    Ok(())
}
