//! Pause: what each contract stops and what keeps working. The brakes
//! (revocation, unsharing, locking, deactivation, ending and reviewing
//! emergency windows, narrowing break-glass, removing a delegate) and every
//! read of the trails work while paused.

use crate::{consent_and_permit, create, staffed};
use access_control::Error as AcError;
use e2e_tests::{cast, sample_record, E2EResult, DAY};
use medrec_types::{
    AccessLevel, DataType, EmergencyPreference, EmergencyReason, Purpose, RecordType,
    ReviewOutcome, Role,
};
use patient_consent::{DelegateKind, Error as PcError};
use record_management::{Confidentiality, Error as RmError};

#[test]
fn paused_record_management_keeps_its_brakes() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie, dave, alice) =
        (cast::ferdie(), cast::charlie(), cast::dave(), cast::alice());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Diagnosis,
        AccessLevel::Admin,
    )?;
    let id = create(&mut s, &charlie, RecordType::Diagnosis, 1)?;
    let msg = s.rm().share_record(ferdie.account, id, dave.account, DAY);
    s.ok(&ferdie, &msg)?;
    let pause = s.rm().pause();
    s.refused(&ferdie, &pause, RmError::NotOwner)?;
    s.ok(&alice, &pause)?;
    s.refused(&alice, &pause, RmError::AlreadyPaused)?;
    // Stopped
    let (hash, key) = sample_record(2);
    let msg = s.rm().create_record(
        ferdie.account,
        RecordType::Diagnosis,
        hash,
        key,
        1,
        0,
        Confidentiality::Normal,
        Purpose::Treatment,
    );
    s.refused(&charlie, &msg, RmError::ContractPaused)?;
    let msg = s
        .rm()
        .get_record(ferdie.account, id, Purpose::PatientRequest);
    s.refused(&ferdie, &msg, RmError::ContractPaused)?;
    let msg = s
        .rm()
        .update_record(ferdie.account, id, hash, key, 1, Purpose::Treatment);
    s.refused(&charlie, &msg, RmError::ContractPaused)?;
    let msg = s
        .rm()
        .archive_record(ferdie.account, id, Purpose::Treatment);
    s.refused(&charlie, &msg, RmError::ContractPaused)?;
    let msg = s.rm().grant_permission(
        ferdie.account,
        dave.account,
        RecordType::Diagnosis,
        AccessLevel::Read,
        None,
        None,
    );
    s.refused(&ferdie, &msg, RmError::ContractPaused)?;
    let msg = s
        .rm()
        .share_record(ferdie.account, id, cast::one().account, DAY);
    s.refused(&ferdie, &msg, RmError::ContractPaused)?;
    // An approval with permissions stops too (record-management refuses it)
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::LabResults, Purpose::Treatment);
    let request = s.ok(&dave, &msg)?.value;
    let msg = s.pc().approve_access_request(
        request,
        DAY,
        vec![RecordType::LabResults],
        AccessLevel::Read,
    );
    s.refused(&ferdie, &msg, PcError::PermissionGrantRefused)?;
    // Working: revoke, unshare, lock, the trail
    let msg = s
        .rm()
        .revoke_permission(ferdie.account, charlie.account, RecordType::Diagnosis);
    s.ok(&ferdie, &msg)?;
    let msg = s.rm().unshare_record(ferdie.account, id, dave.account);
    s.ok(&ferdie, &msg)?;
    let msg = s
        .rm()
        .lock_record(ferdie.account, id, Purpose::PatientRequest);
    s.ok(&ferdie, &msg)?;
    let msg = s
        .rm()
        .unlock_record(ferdie.account, id, Purpose::PatientRequest);
    s.refused(&ferdie, &msg, RmError::ContractPaused)?;
    let head = s.query(&s.rm().audit_head(ferdie.account))?;
    assert_eq!(
        s.query(&s.rm().audit_trail(ferdie.account, 0, 50))?.len() as u64,
        head.len
    );
    // Unpaused, normal again
    let unpause = s.rm().unpause();
    s.ok(&alice, &unpause)?;
    s.refused(&alice, &unpause, RmError::NotPaused)?;
    s.ok(&ferdie, &msg)?;
    Ok(())
}

#[test]
fn paused_patient_consent_still_lets_patients_withdraw() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, two, charlie, alice) =
        (cast::ferdie(), cast::two(), cast::charlie(), cast::alice());
    let grant = s.pc().grant_consent(
        ferdie.account,
        charlie.account,
        DataType::LabResults,
        DAY,
        vec![Purpose::Treatment],
    );
    s.ok(&ferdie, &grant)?;
    let msg = s
        .pc()
        .set_emergency_preference(ferdie.account, EmergencyPreference::IncludeSensitive);
    s.ok(&ferdie, &msg)?;
    s.ok(&alice, &s.pc().pause())?;
    s.refused(&ferdie, &grant, PcError::ContractPaused)?;
    s.refused(
        &cast::mallory(),
        &s.pc().register_patient(),
        PcError::ContractPaused,
    )?;
    let msg = s
        .pc()
        .request_access(ferdie.account, DataType::LabResults, Purpose::Treatment);
    s.refused(&charlie, &msg, PcError::ContractPaused)?;
    let msg = s
        .pc()
        .add_delegate(cast::one().account, DelegateKind::Guardian, DAY);
    s.refused(&ferdie, &msg, PcError::ContractPaused)?;
    // Widening break-glass stops; narrowing works
    let msg = s
        .pc()
        .set_emergency_preference(ferdie.account, EmergencyPreference::IncludeSensitive);
    let narrow = s
        .pc()
        .set_emergency_preference(ferdie.account, EmergencyPreference::OptOut);
    s.ok(&two, &narrow)?;
    s.refused(&ferdie, &msg, PcError::ContractPaused)?;
    // Revocation and removing a delegate work
    let msg = s
        .pc()
        .revoke_consent(ferdie.account, charlie.account, DataType::LabResults);
    s.ok(&two, &msg)?;
    let msg = s.pc().remove_delegate(ferdie.account, two.account);
    s.ok(&ferdie, &msg)?;
    assert_eq!(s.query(&s.pc().history_len(ferdie.account))?, 6);
    Ok(())
}

#[test]
fn paused_access_control_keeps_deactivation_and_reviews() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, eve, bob, alice) = (cast::ferdie(), cast::eve(), cast::bob(), cast::alice());
    let open = s
        .ac()
        .activate_emergency_access(ferdie.account, EmergencyReason::Other, [1; 32]);
    let (window, _) = s.ok(&eve, &open)?.value;
    s.ok(&alice, &s.ac().pause())?;
    let victor = e2e_tests::Actor::sandbox("victor", 0x56);
    let msg = s
        .ac()
        .register_provider(victor.account, Role::Nurse, [0; 32]);
    s.refused(&alice, &msg, AcError::ContractPaused)?;
    // Ending the window and deactivating work; reviews too
    s.ok(&eve, &s.ac().end_emergency_access(ferdie.account))?;
    let msg = s
        .ac()
        .review_emergency_access(window, ReviewOutcome::Inconclusive, [2; 32]);
    s.ok(&bob, &msg)?;
    let msg = s.ac().deactivate_provider(eve.account);
    s.ok(&alice, &msg)?;
    let msg = s.ac().reactivate_provider(eve.account);
    s.refused(&bob, &msg, AcError::ContractPaused)?;
    s.advance(DAY);
    s.refused(&eve, &open, AcError::CallerInactive)?;
    Ok(())
}
