//! Records: created by a provider or by the patient side, read as a
//! recorded transaction that returns its audit index, updated with every
//! version kept, shared, archived, locked and unlocked by the patient,
//! deleted after retention; duplicates per patient; the list views.

use crate::{consent_and_permit, create, staffed};
use e2e_tests::{cast, sample_record, E2EResult, DAY};
use medrec_types::{AccessLevel, DataType, Purpose, RecordStatus, RecordType};
use record_management::events::AuditAppended;
use record_management::{Access, AuditAction, Confidentiality, Error as RmError, GrantStatus};

#[test]
fn a_record_is_created_read_updated_shared_and_archived() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie, dave) = (cast::ferdie(), cast::charlie(), cast::dave());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Admin,
    )?;
    // Charlie creates the record: hash and key id only
    let (hash, key_id) = sample_record(1);
    let msg = s.rm().create_record(
        ferdie.account,
        RecordType::Diagnosis,
        hash,
        key_id,
        4_096,
        7,
        Confidentiality::Restricted,
        Purpose::Treatment,
    );
    let call = s.ok(&charlie, &msg)?;
    let id = call.value;
    assert_eq!(id, 1);
    let created: AuditAppended = call.one()?;
    assert_eq!(
        (
            created.patient,
            created.actor,
            created.action,
            created.record_id
        ),
        (
            ferdie.account,
            charlie.account,
            AuditAction::Created,
            Some(id)
        )
    );
    let meta = s.query(&s.rm().record_metadata(id))?.ok_or("metadata")?;
    assert_eq!(
        (meta.data_hash, meta.key_id, meta.size),
        (hash, key_id, 4_096)
    );
    assert!(!meta.patient_authored);
    // The same bytes again for Ferdie: a duplicate
    s.refused(&charlie, &msg, RmError::DuplicateRecord)?;

    // A read is a transaction that returns its audit index
    let read = s.rm().get_record(ferdie.account, id, Purpose::Treatment);
    let call = s.ok(&charlie, &read)?;
    let event: AuditAppended = call.one()?;
    let view = call.value;
    assert_eq!((view.record_id, view.access), (id, Access::Permission));
    assert_eq!(
        (event.index, event.action),
        (view.audit_index, AuditAction::Read)
    );
    let head = s.query(&s.rm().audit_head(ferdie.account))?;
    assert_eq!((head.len, head.head), (view.audit_index + 1, event.head));

    // An update keeps the earlier version
    let (hash2, key2) = sample_record(2);
    let msg = s
        .rm()
        .update_record(ferdie.account, id, hash2, key2, 5_000, Purpose::Treatment);
    assert_eq!(s.ok(&charlie, &msg)?.value, 2);
    let versions = s.query(&s.rm().record_versions(id, 0, 10))?;
    assert_eq!(
        versions.iter().map(|v| v.data_hash).collect::<Vec<_>>(),
        vec![hash, hash2]
    );
    let msg = s
        .rm()
        .update_record(ferdie.account, id, hash, key_id, 1, Purpose::Treatment);
    s.refused(&charlie, &msg, RmError::DuplicateRecord)?;

    // A share lets Dave (consented, no permission) read this record only
    let msg = s.pc().grant_consent(
        ferdie.account,
        dave.account,
        DataType::MedicalRecords,
        30 * DAY,
        vec![Purpose::Treatment],
    );
    s.ok(&ferdie, &msg)?;
    let dave_read = s.rm().get_record(ferdie.account, id, Purpose::Treatment);
    s.refused(&dave, &dave_read, RmError::NoPermission)?;
    let msg = s.rm().share_record(ferdie.account, id, dave.account, DAY);
    s.ok(&ferdie, &msg)?;
    assert_eq!(s.ok(&dave, &dave_read)?.value.access, Access::RecordShare);
    let msg = s.rm().unshare_record(ferdie.account, id, dave.account);
    s.ok(&cast::two(), &msg)?;
    s.refused(&dave, &dave_read, RmError::NoPermission)?;

    // Archived: read-only
    let msg = s
        .rm()
        .archive_record(ferdie.account, id, Purpose::Treatment);
    s.ok(&charlie, &msg)?;
    let (hash3, key3) = sample_record(3);
    let msg = s
        .rm()
        .update_record(ferdie.account, id, hash3, key3, 1, Purpose::Treatment);
    s.refused(&charlie, &msg, RmError::RecordArchived)?;
    s.ok(&charlie, &read)?;
    Ok(())
}

#[test]
fn the_patient_reads_and_unlocks_its_own_locked_record() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, two, charlie) = (cast::ferdie(), cast::two(), cast::charlie());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Admin,
    )?;
    let id = create(&mut s, &charlie, RecordType::Diagnosis, 1)?;
    // Ferdie locks it; the lock is recorded
    let lock = s
        .rm()
        .lock_record(ferdie.account, id, Purpose::PatientRequest);
    let e: AuditAppended = s.ok(&ferdie, &lock)?.one()?;
    assert_eq!(e.action, AuditAction::Locked);
    s.refused(&charlie, &lock, RmError::RecordLocked)?;
    let charlie_read = s.rm().get_record(ferdie.account, id, Purpose::Treatment);
    s.refused(&charlie, &charlie_read, RmError::RecordLocked)?;
    // The patient side still reads it
    let own = s
        .rm()
        .get_record(ferdie.account, id, Purpose::PatientRequest);
    assert_eq!(s.ok(&ferdie, &own)?.value.access, Access::Patient);
    assert_eq!(s.ok(&two, &own)?.value.access, Access::Delegate);
    // Nobody changes it
    let (hash, key) = sample_record(9);
    let msg = s
        .rm()
        .update_record(ferdie.account, id, hash, key, 1, Purpose::Treatment);
    s.refused(&charlie, &msg, RmError::RecordLocked)?;
    // Ferdie unlocks it; Charlie reads again
    let unlock = s
        .rm()
        .unlock_record(ferdie.account, id, Purpose::PatientRequest);
    let e: AuditAppended = s.ok(&ferdie, &unlock)?.one()?;
    assert_eq!(e.action, AuditAction::Unlocked);
    s.refused(&ferdie, &unlock, RmError::RecordNotLocked)?;
    s.ok(&charlie, &charlie_read)?;
    let meta = s.query(&s.rm().record_metadata(id))?.ok_or("meta")?;
    assert_eq!(meta.status, RecordStatus::Active);
    Ok(())
}

#[test]
fn patients_create_their_own_records_which_only_they_change() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, two, charlie) = (cast::ferdie(), cast::two(), cast::charlie());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Vitals,
        AccessLevel::Admin,
    )?;
    // Self-reported vitals, by Ferdie and by his guardian
    let own = create(&mut s, &ferdie, RecordType::Vitals, 1)?;
    let by_guardian = create(&mut s, &two, RecordType::Vitals, 2)?;
    for id in [own, by_guardian] {
        let meta = s.query(&s.rm().record_metadata(id))?.ok_or("meta")?;
        assert!(meta.patient_authored);
    }
    // Charlie reads them but does not change them
    let msg = s.rm().get_record(ferdie.account, own, Purpose::Treatment);
    s.ok(&charlie, &msg)?;
    let (hash, key) = sample_record(3);
    let msg = s
        .rm()
        .update_record(ferdie.account, own, hash, key, 1, Purpose::Treatment);
    s.refused(&charlie, &msg, RmError::PatientAuthoredRecord)?;
    s.ok(&ferdie, &msg)?;
    // Ferdie does not change Charlie's
    let clinical = create(&mut s, &charlie, RecordType::Vitals, 4)?;
    let msg = s
        .rm()
        .archive_record(ferdie.account, clinical, Purpose::PatientRequest);
    s.refused(&ferdie, &msg, RmError::NotPatientAuthored)?;
    // Someone unregistered has no records of its own
    let mallory = cast::mallory();
    let (hash, key) = sample_record(5);
    let msg = s.rm().create_record(
        mallory.account,
        RecordType::Vitals,
        hash,
        key,
        1,
        0,
        Confidentiality::Normal,
        Purpose::PatientRequest,
    );
    s.refused(&mallory, &msg, RmError::PatientNotRegistered)?;
    Ok(())
}

#[test]
fn deletion_waits_for_retention_and_then_refuses_everything() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie) = (cast::ferdie(), cast::charlie());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Admin,
    )?;
    let msg = s.rm().set_retention_period(2 * DAY);
    s.ok(&cast::alice(), &msg)?;
    let id = create(&mut s, &charlie, RecordType::Diagnosis, 1)?;
    let delete = s.rm().delete_record(ferdie.account, id, Purpose::Treatment);
    s.refused(&charlie, &delete, RmError::RetentionPeriodActive)?;
    s.advance(2 * DAY);
    let e: AuditAppended = s.ok(&charlie, &delete)?.one()?;
    assert_eq!(e.action, AuditAction::Deleted);
    s.refused(&charlie, &delete, RmError::RecordDeleted)?;
    let msg = s
        .rm()
        .get_record(ferdie.account, id, Purpose::PatientRequest);
    s.refused(&ferdie, &msg, RmError::RecordDeleted)?;
    Ok(())
}

#[test]
fn list_views_show_records_and_grants_with_their_status() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie, dave) = (cast::ferdie(), cast::charlie(), cast::dave());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Write,
    )?;
    let msg = s.rm().grant_permission(
        ferdie.account,
        dave.account,
        RecordType::Vitals,
        AccessLevel::Read,
        Some(DAY),
        None,
    );
    s.ok(&ferdie, &msg)?;
    let a = create(&mut s, &charlie, RecordType::Diagnosis, 1)?;
    let b = create(&mut s, &ferdie, RecordType::Vitals, 2)?;
    let records = s.query(&s.rm().patient_records(ferdie.account, 0, 50))?;
    assert_eq!(
        records.iter().map(|r| r.record_id).collect::<Vec<_>>(),
        vec![a, b]
    );
    let msg = s
        .rm()
        .share_record(ferdie.account, a, dave.account, 2 * DAY);
    s.ok(&ferdie, &msg)?;
    s.advance(DAY);
    let grants = s.query(&s.rm().permissions_of(ferdie.account, 0, 50))?;
    let statuses: Vec<_> = grants
        .iter()
        .map(|g| (g.provider, g.record_type, g.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (charlie.account, RecordType::Diagnosis, GrantStatus::Active),
            (dave.account, RecordType::Vitals, GrantStatus::Expired),
        ]
    );
    let msg = s
        .rm()
        .revoke_permission(ferdie.account, charlie.account, RecordType::Diagnosis);
    s.ok(&ferdie, &msg)?;
    let grants = s.query(&s.rm().permissions_of(ferdie.account, 0, 50))?;
    assert_eq!(grants[0].status, GrantStatus::Revoked);
    let shares = s.query(&s.rm().shares_of(ferdie.account, 0, 50))?;
    assert_eq!((shares.len(), shares[0].active), (1, true));
    let state = s.query(&s.rm().patient_state(ferdie.account))?;
    assert_eq!(
        (
            state.record_count,
            state.permission_count,
            state.share_count
        ),
        (2, 2, 1)
    );
    Ok(())
}
