//! Break-glass, governed: a window lets its holder read (never write) for
//! `EmergencyTreatment`, within the patient's scope (non-sensitive types by
//! default, sensitive ones if opted in, nothing if opted out); each read is
//! recorded as an emergency read; windows cannot be chained; every window
//! is reviewed by another admin; deactivation closes open windows.

use crate::{consent_and_permit, create, staffed};
use access_control::events::{EmergencyAccessActivated, EmergencyAccessReviewed};
use access_control::{Error as AcError, WindowState};
use e2e_tests::{cast, sample_record, E2EResult, DAY, HOUR};
use medrec_types::{
    AccessLevel, DataType, EmergencyPreference, EmergencyReason, Purpose, RecordType, ReviewOutcome,
};
use patient_consent::Error as PcError;
use record_management::{Access, AuditAction, Error as RmError};

const NOTE: [u8; 32] = [0xEE; 32];

#[test]
fn break_glass_reads_non_sensitive_records_for_emergency_treatment() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, charlie, eve) = (cast::ferdie(), cast::charlie(), cast::eve());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Allergies,
        AccessLevel::Write,
    )?;
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MentalHealth,
        RecordType::MentalHealth,
        AccessLevel::Write,
    )?;
    let allergies = create(&mut s, &charlie, RecordType::Allergies, 1)?;
    let mental = create(&mut s, &charlie, RecordType::MentalHealth, 2)?;
    let read = |id| (id, Purpose::EmergencyTreatment);
    let msg = s
        .rm()
        .get_record(ferdie.account, allergies, Purpose::EmergencyTreatment);
    // Without a window Eve is a provider like any other
    s.refused(&eve, &msg, RmError::ConsentRequired)?;
    // Eve opens a window
    let open =
        s.ac()
            .activate_emergency_access(ferdie.account, EmergencyReason::PatientUnconscious, NOTE);
    let call = s.ok(&eve, &open)?;
    let (window, expires_at) = call.value;
    let e: EmergencyAccessActivated = call.one()?;
    assert_eq!(
        (e.patient, e.actor, e.window_id, e.expires_at),
        (ferdie.account, eve.account, window, s.now() + DAY)
    );
    // The read must declare emergency treatment
    let wrong = s
        .rm()
        .get_record(ferdie.account, allergies, Purpose::Treatment);
    s.refused(&eve, &wrong, RmError::EmergencyPurposeRequired)?;
    let view = s.ok(&eve, &msg)?.value;
    assert_eq!(view.access, Access::Emergency);
    let entry = s
        .query(&s.rm().audit_entry(ferdie.account, view.audit_index))?
        .ok_or("recorded")?;
    assert_eq!(
        (entry.actor, entry.action, entry.purpose),
        (
            eve.account,
            AuditAction::EmergencyRead,
            Some(Purpose::EmergencyTreatment)
        )
    );
    // A sensitive type is out of the default scope
    let (id, p) = read(mental);
    let sensitive = s.rm().get_record(ferdie.account, id, p);
    s.refused(&eve, &sensitive, RmError::OutsideEmergencyScope)?;
    // Windows never write
    let (hash, key) = sample_record(3);
    let msg = s.rm().update_record(
        ferdie.account,
        allergies,
        hash,
        key,
        1,
        Purpose::EmergencyTreatment,
    );
    s.refused(&eve, &msg, RmError::EmergencyAccessReadOnly)?;
    // After expiry, nothing
    s.advance(DAY);
    s.refused(
        &eve,
        &s.rm()
            .get_record(ferdie.account, allergies, Purpose::EmergencyTreatment),
        RmError::ConsentRequired,
    )?;
    let w = s.query(&s.ac().emergency_window(window))?.ok_or("kept")?;
    assert_eq!(
        (w.state, w.window.expires_at),
        (WindowState::Expired, expires_at)
    );
    Ok(())
}

#[test]
fn the_patient_scopes_break_glass() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, two, charlie, eve) = (cast::ferdie(), cast::two(), cast::charlie(), cast::eve());
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MentalHealth,
        RecordType::MentalHealth,
        AccessLevel::Write,
    )?;
    consent_and_permit(
        &mut s,
        &charlie,
        DataType::MedicalRecords,
        RecordType::Allergies,
        AccessLevel::Write,
    )?;
    let mental = create(&mut s, &charlie, RecordType::MentalHealth, 1)?;
    let allergies = create(&mut s, &charlie, RecordType::Allergies, 2)?;
    let open =
        s.ac()
            .activate_emergency_access(ferdie.account, EmergencyReason::LifeThreatening, NOTE);
    s.ok(&eve, &open)?;
    let read_mental = s
        .rm()
        .get_record(ferdie.account, mental, Purpose::EmergencyTreatment);
    let read_allergies = s
        .rm()
        .get_record(ferdie.account, allergies, Purpose::EmergencyTreatment);
    // Two, his guardian, opts the sensitive types in
    let msg = s
        .pc()
        .set_emergency_preference(ferdie.account, EmergencyPreference::IncludeSensitive);
    s.refused(&cast::charlie(), &msg, PcError::NotAuthorized)?;
    s.ok(&two, &msg)?;
    assert_eq!(s.ok(&eve, &read_mental)?.value.access, Access::Emergency);
    // Ferdie opts out of break-glass altogether
    let msg = s
        .pc()
        .set_emergency_preference(ferdie.account, EmergencyPreference::OptOut);
    s.ok(&ferdie, &msg)?;
    s.refused(&eve, &read_allergies, RmError::EmergencyAccessOptedOut)?;
    s.refused(&eve, &read_mental, RmError::EmergencyAccessOptedOut)?;
    assert_eq!(
        s.query(&s.pc().emergency_preference(ferdie.account))?,
        EmergencyPreference::OptOut
    );
    Ok(())
}

#[test]
fn windows_cannot_be_chained_and_deactivation_closes_them() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, eve, bob) = (cast::ferdie(), cast::eve(), cast::bob());
    let open = s
        .ac()
        .activate_emergency_access(ferdie.account, EmergencyReason::Other, NOTE);
    let (first, _) = s.ok(&eve, &open)?.value;
    s.refused(&eve, &open, AcError::EmergencyWindowAlreadyOpen)?;
    let end = s.ac().end_emergency_access(ferdie.account);
    assert_eq!(s.ok(&eve, &end)?.value, first);
    s.refused(&eve, &end, AcError::NoOpenEmergencyWindow)?;
    // Ended, but within the cooldown (24 h from opening by default)
    s.advance(HOUR);
    s.refused(&eve, &open, AcError::EmergencyCooldown)?;
    s.advance(23 * HOUR);
    let (second, _) = s.ok(&eve, &open)?.value;
    assert!(s
        .query(&s.ac().latest_emergency_window(eve.account, ferdie.account))?
        .is_some_and(|w| w.id == second && w.state == WindowState::Open));
    // Deactivating Eve closes her open window for good
    let msg = s.ac().deactivate_provider(eve.account);
    s.ok(&bob, &msg)?;
    let msg = s.ac().reactivate_provider(eve.account);
    s.ok(&bob, &msg)?;
    let w = s.query(&s.ac().emergency_window(second))?.ok_or("kept")?;
    assert_eq!(w.state, WindowState::ClosedByDeactivation);
    let allergies = {
        let charlie = cast::charlie();
        consent_and_permit(
            &mut s,
            &charlie,
            DataType::MedicalRecords,
            RecordType::Allergies,
            AccessLevel::Write,
        )?;
        create(&mut s, &charlie, RecordType::Allergies, 1)?
    };
    let msg = s
        .rm()
        .get_record(ferdie.account, allergies, Purpose::EmergencyTreatment);
    s.refused(&eve, &msg, RmError::ConsentRequired)?;
    // Only emergency providers in good standing open windows, never on themselves
    s.refused(&cast::charlie(), &open, AcError::NotEmergencyRole)?;
    s.refused(&cast::mallory(), &open, AcError::CallerNotRegistered)?;
    let own = s
        .ac()
        .activate_emergency_access(eve.account, EmergencyReason::Other, NOTE);
    s.refused(&eve, &own, AcError::CannotTargetSelf)?;
    Ok(())
}

#[test]
fn every_window_is_reviewed_by_another_admin_and_the_patient_sees_the_review() -> E2EResult<()> {
    let mut s = staffed()?;
    let (ferdie, eve, bob) = (cast::ferdie(), cast::eve(), cast::bob());
    let open = s.ac().activate_emergency_access(
        ferdie.account,
        EmergencyReason::PatientIncapacitated,
        NOTE,
    );
    let (window, _) = s.ok(&eve, &open)?.value;
    assert_eq!(s.query(&s.ac().unreviewed_count())?, 1);
    let review = s
        .ac()
        .review_emergency_access(window, ReviewOutcome::Justified, [0x11; 32]);
    s.refused(&bob, &review, AcError::WindowStillOpen)?;
    s.advance(DAY);
    s.refused(&cast::alice(), &review, AcError::NotAdmin)?;
    s.refused(&cast::charlie(), &review, AcError::NotAdmin)?;
    s.refused(&eve, &review, AcError::NotAdmin)?;
    let queue = s.query(&s.ac().unreviewed_emergency_windows(0, 50))?;
    assert_eq!(
        (queue.len(), queue[0].id, queue[0].state),
        (1, window, WindowState::Expired)
    );
    let e: EmergencyAccessReviewed = s.ok(&bob, &review)?.one()?;
    assert_eq!(
        (e.patient, e.actor, e.window_id, e.outcome),
        (
            ferdie.account,
            bob.account,
            window,
            ReviewOutcome::Justified
        )
    );
    s.refused(&bob, &review, AcError::AlreadyReviewed)?;
    assert_eq!(s.query(&s.ac().unreviewed_count())?, 0);
    let mine = s.query(&s.ac().patient_emergency_windows(ferdie.account, 0, 50))?;
    let r = mine[0].window.review.ok_or("reviewed")?;
    assert_eq!(
        (r.reviewer, r.outcome, r.note_hash),
        (bob.account, ReviewOutcome::Justified, [0x11; 32])
    );
    Ok(())
}
