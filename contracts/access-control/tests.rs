//! Unit tests of access-control's core: plain `#[test]`s on [`Registry`],
//! with the caller and the time passed in. For each operation the allowed
//! path and each denied path with its exact error, and the state shown
//! unchanged after a denial. The compiled contract is tested end to end in
//! `e2e-tests/`.

use crate::core::Registry;
use crate::data::*;
use crate::events::*;
use ink::primitives::AccountId;
use medrec_types::admin::AdminEvent;
use medrec_types::{
    DataType, EmergencyReason, ProviderAssessment, ProviderStanding, Purpose, ReviewOutcome, Role,
    MAX_PAGE,
};

const OWNER: AccountId = AccountId([1; 32]);
const ADMIN: AccountId = AccountId([2; 32]);
const ADMIN2: AccountId = AccountId([3; 32]);
const DOCTOR: AccountId = AccountId([4; 32]);
const NURSE: AccountId = AccountId([5; 32]);
const ER: AccountId = AccountId([6; 32]);
const PATIENT: AccountId = AccountId([7; 32]);
const STRANGER: AccountId = AccountId([8; 32]);
const RESEARCHER: AccountId = AccountId([9; 32]);
const PAYER: AccountId = AccountId([10; 32]);

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const CREDS: [u8; 32] = [0xC0; 32];
const NOTE: [u8; 32] = [0xAB; 32];

/// A fresh registry: OWNER owns it, ADMIN is the first admin.
fn fresh() -> Registry {
    ink::env::test::set_callee::<ink::env::DefaultEnvironment>(AccountId([0xAC; 32]));
    Registry::new(OWNER, T0, ADMIN, CREDS).expect("deploys").0
}

/// A registry with every role registered and verified by ADMIN.
fn staffed() -> Registry {
    let mut r = fresh();
    for (who, role) in [
        (ADMIN2, Role::Admin),
        (DOCTOR, Role::Doctor),
        (NURSE, Role::Nurse),
        (ER, Role::Emergency),
        (RESEARCHER, Role::Researcher),
        (PAYER, Role::Payer),
    ] {
        r.register_provider(OWNER, T0, who, role, CREDS)
            .expect("register");
        r.verify_provider(ADMIN, T0, who).expect("verify");
    }
    r
}

/// Everything about one provider and the admin count: what a denial must
/// leave unchanged.
fn snapshot(r: &Registry, who: AccountId) -> (Option<Provider>, u64, u32) {
    (
        r.get_provider(who),
        r.provider_count(),
        r.active_admin_count(),
    )
}

// ---------------------------------------------------------------------------
// Deployment and registration
// ---------------------------------------------------------------------------

#[test]
fn deployment_registers_and_verifies_the_first_admin() {
    ink::env::test::set_callee::<ink::env::DefaultEnvironment>(AccountId([0xAC; 32]));
    let (r, event) = Registry::new(OWNER, T0, ADMIN, CREDS).expect("deploys");
    let p = r.get_provider(ADMIN).expect("first admin");
    assert_eq!(p.role, Role::Admin);
    assert!(p.verified && p.active);
    assert_eq!((p.verified_by, p.verified_at), (Some(OWNER), Some(T0)));
    assert_eq!((r.provider_count(), r.active_admin_count()), (1, 1));
    assert_eq!(r.admin.owner(), OWNER);
    assert_eq!(
        event,
        Event::ProviderRegistered(ProviderRegistered {
            provider: ADMIN,
            actor: OWNER,
            role: Role::Admin,
            credentials_hash: CREDS
        })
    );
}

#[test]
fn the_owner_cannot_be_its_own_first_admin() {
    ink::env::test::set_callee::<ink::env::DefaultEnvironment>(AccountId([0xAC; 32]));
    assert_eq!(
        Registry::new(OWNER, T0, OWNER, CREDS).err(),
        Some(Error::CannotTargetSelf)
    );
}

#[test]
fn only_the_owner_registers_providers() {
    let mut r = fresh();
    assert_eq!(
        r.register_provider(OWNER, T0, DOCTOR, Role::Doctor, CREDS),
        Ok(Event::ProviderRegistered(ProviderRegistered {
            provider: DOCTOR,
            actor: OWNER,
            role: Role::Doctor,
            credentials_hash: CREDS
        }))
    );
    let p = r.get_provider(DOCTOR).expect("registered");
    assert!(!p.verified && p.active);
    assert_eq!(r.provider_count(), 2);

    let before = snapshot(&r, NURSE);
    for caller in [ADMIN, DOCTOR, STRANGER] {
        assert_eq!(
            r.register_provider(caller, T0, NURSE, Role::Nurse, CREDS),
            Err(Error::NotOwner)
        );
    }
    assert_eq!(
        r.register_provider(OWNER, T0, DOCTOR, Role::Nurse, CREDS),
        Err(Error::ProviderAlreadyRegistered)
    );
    assert_eq!(
        r.register_provider(OWNER, T0, OWNER, Role::Doctor, CREDS),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(snapshot(&r, NURSE), before);
    assert_eq!(r.get_provider(DOCTOR).map(|p| p.role), Some(Role::Doctor));
}

#[test]
fn admins_verify_and_the_owner_does_not() {
    let mut r = fresh();
    r.register_provider(OWNER, T0, DOCTOR, Role::Doctor, CREDS)
        .expect("register");
    r.register_provider(OWNER, T0, ADMIN2, Role::Admin, CREDS)
        .expect("register");
    let before = snapshot(&r, DOCTOR);
    assert_eq!(r.verify_provider(OWNER, T0, DOCTOR), Err(Error::NotAdmin));
    assert_eq!(
        r.verify_provider(ADMIN2, T0, DOCTOR),
        Err(Error::NotAdmin),
        "an unverified admin"
    );
    assert_eq!(
        r.verify_provider(STRANGER, T0, DOCTOR),
        Err(Error::NotAdmin)
    );
    assert_eq!(
        r.verify_provider(ADMIN, T0, ADMIN),
        Err(Error::CannotTargetSelf)
    );
    assert_eq!(
        r.verify_provider(ADMIN, T0, STRANGER),
        Err(Error::ProviderNotFound)
    );
    assert_eq!(snapshot(&r, DOCTOR), before);

    assert_eq!(
        r.verify_provider(ADMIN, T0 + 5, DOCTOR),
        Ok(Event::ProviderVerified(ProviderVerified {
            provider: DOCTOR,
            actor: ADMIN
        }))
    );
    let p = r.get_provider(DOCTOR).expect("registered");
    assert_eq!(
        (p.verified, p.verified_by, p.verified_at),
        (true, Some(ADMIN), Some(T0 + 5))
    );
    assert_eq!(
        r.verify_provider(ADMIN, T0, DOCTOR),
        Err(Error::AlreadyVerified)
    );

    // A second admin, once verified, counts and can verify too.
    r.verify_provider(ADMIN, T0, ADMIN2).expect("verify admin");
    assert_eq!(r.active_admin_count(), 2);
}

#[test]
fn deactivation_by_owner_or_admin_and_never_the_last_admin() {
    let mut r = staffed();
    assert_eq!(r.deactivate_provider(DOCTOR, NURSE), Err(Error::NotAdmin));
    assert_eq!(r.deactivate_provider(STRANGER, NURSE), Err(Error::NotAdmin));
    assert_eq!(
        r.deactivate_provider(ADMIN, STRANGER),
        Err(Error::ProviderNotFound)
    );
    assert_eq!(
        r.deactivate_provider(OWNER, NURSE),
        Ok(Event::ProviderDeactivated(ProviderDeactivated {
            provider: NURSE,
            actor: OWNER
        }))
    );
    assert_eq!(
        r.deactivate_provider(ADMIN, NURSE),
        Err(Error::AlreadyInactive)
    );
    let nurse = r.get_provider(NURSE).expect("kept");
    assert!(!nurse.active && nurse.verified);
    assert_eq!(nurse.epoch, 1);

    // Two admins: one may go; the last one may not, not even by the owner.
    assert!(r.deactivate_provider(ADMIN, ADMIN2).is_ok());
    assert_eq!(r.active_admin_count(), 1);
    let before = snapshot(&r, ADMIN);
    assert_eq!(
        r.deactivate_provider(OWNER, ADMIN),
        Err(Error::LastActiveAdmin)
    );
    assert_eq!(
        r.deactivate_provider(ADMIN, ADMIN),
        Err(Error::LastActiveAdmin)
    );
    assert_eq!(snapshot(&r, ADMIN), before);
}

#[test]
fn reactivation_is_for_admins_and_not_for_oneself() {
    let mut r = staffed();
    r.deactivate_provider(OWNER, NURSE).expect("deactivate");
    r.deactivate_provider(OWNER, ADMIN2).expect("deactivate");
    let before = snapshot(&r, NURSE);
    assert_eq!(r.reactivate_provider(OWNER, NURSE), Err(Error::NotAdmin));
    assert_eq!(
        r.reactivate_provider(ADMIN2, ADMIN2),
        Err(Error::NotAdmin),
        "inactive admin"
    );
    assert_eq!(
        r.reactivate_provider(ADMIN, DOCTOR),
        Err(Error::AlreadyActive)
    );
    assert_eq!(
        r.reactivate_provider(ADMIN, STRANGER),
        Err(Error::ProviderNotFound)
    );
    assert_eq!(snapshot(&r, NURSE), before);
    assert_eq!(
        r.reactivate_provider(ADMIN, NURSE),
        Ok(Event::ProviderReactivated(ProviderReactivated {
            provider: NURSE,
            actor: ADMIN
        }))
    );
    assert!(r.get_provider(NURSE).is_some_and(|p| p.active));
    assert!(r.reactivate_provider(ADMIN, ADMIN2).is_ok());
    assert_eq!(r.active_admin_count(), 2);
    assert_eq!(
        r.reactivate_provider(ADMIN2, ADMIN2),
        Err(Error::CannotTargetSelf)
    );
}

#[test]
fn an_admin_cannot_reactivate_itself() {
    let mut r = staffed();
    // ADMIN2 is active; deactivate ADMIN and have it try to come back alone.
    r.deactivate_provider(OWNER, ADMIN).expect("deactivate");
    assert_eq!(r.reactivate_provider(ADMIN, ADMIN), Err(Error::NotAdmin));
    // An active admin reactivating itself is refused before anything else.
    assert_eq!(
        r.reactivate_provider(ADMIN2, ADMIN2),
        Err(Error::CannotTargetSelf)
    );
}

#[test]
fn pause_stops_registration_verification_and_reactivation_but_not_brakes() {
    let mut r = staffed();
    r.register_provider(OWNER, T0, STRANGER, Role::Nurse, CREDS)
        .expect("register");
    r.deactivate_provider(ADMIN, NURSE).expect("deactivate");
    r.admin.pause(OWNER).expect("pause");
    assert_eq!(
        r.register_provider(OWNER, T0, AccountId([77; 32]), Role::Nurse, CREDS),
        Err(Error::ContractPaused)
    );
    assert_eq!(
        r.verify_provider(ADMIN, T0, STRANGER),
        Err(Error::ContractPaused)
    );
    assert_eq!(
        r.reactivate_provider(ADMIN, NURSE),
        Err(Error::ContractPaused)
    );
    assert_eq!(
        r.activate_emergency_access(ER, T0, PATIENT, EmergencyReason::LifeThreatening, NOTE)
            .err(),
        Some(Error::ContractPaused)
    );
    assert!(r.deactivate_provider(ADMIN, DOCTOR).is_ok());
    r.admin.unpause(OWNER).expect("unpause");
    assert!(r.verify_provider(ADMIN, T0, STRANGER).is_ok());
}

#[test]
fn providers_are_listed_in_registration_order_in_pages() {
    let mut r = fresh();
    for n in 0..60u8 {
        r.register_provider(OWNER, T0, AccountId([100 + n; 32]), Role::Nurse, CREDS)
            .expect("register");
    }
    assert_eq!(r.provider_count(), 61);
    let first = r.providers(0, 1_000);
    assert_eq!(first.len(), MAX_PAGE as usize);
    assert_eq!(first[0].account, ADMIN);
    assert_eq!(first[1].account, AccountId([100; 32]));
    let last = r.providers(50, 50);
    assert_eq!(last.len(), 11);
    assert_eq!(last[10].account, AccountId([159; 32]));
    assert!(r.providers(61, 10).is_empty());
    assert!(r.providers(u64::MAX, 10).is_empty());
}

// ---------------------------------------------------------------------------
// What the other contracts ask
// ---------------------------------------------------------------------------

#[test]
fn standing_names_the_first_failing_condition() {
    let mut r = staffed();
    r.register_provider(OWNER, T0, STRANGER, Role::Doctor, CREDS)
        .expect("register");
    let s = |r: &Registry, who, d, p| r.standing(who, d, p);
    use DataType::*;
    use Purpose::*;
    assert_eq!(
        s(&r, AccountId([99; 32]), LabResults, Treatment),
        ProviderStanding::NotRegistered
    );
    assert_eq!(
        s(&r, STRANGER, LabResults, Treatment),
        ProviderStanding::NotVerified
    );
    assert_eq!(
        s(&r, NURSE, Imaging, Treatment),
        ProviderStanding::RoleNotAllowed
    );
    assert_eq!(
        s(&r, NURSE, LabResults, Treatment),
        ProviderStanding::Cleared
    );
    assert_eq!(
        s(&r, RESEARCHER, LabResults, Treatment),
        ProviderStanding::PurposeNotAllowed
    );
    assert_eq!(
        s(&r, RESEARCHER, LabResults, Research),
        ProviderStanding::Cleared
    );
    assert_eq!(s(&r, PAYER, Financial, Payment), ProviderStanding::Cleared);
    assert_eq!(
        s(&r, PAYER, Financial, Treatment),
        ProviderStanding::PurposeNotAllowed
    );
    assert_eq!(
        s(&r, PAYER, MedicalRecords, Payment),
        ProviderStanding::RoleNotAllowed
    );
    assert_eq!(
        s(&r, ER, MentalHealth, EmergencyTreatment),
        ProviderStanding::RoleNotAllowed
    );
    r.deactivate_provider(ADMIN, NURSE).expect("deactivate");
    assert_eq!(
        s(&r, NURSE, LabResults, Treatment),
        ProviderStanding::Inactive
    );
    assert!(!r.is_verified_provider(NURSE));
    assert!(r.is_verified_provider(DOCTOR));
    assert!(!r.is_verified_provider(STRANGER));
}

// ---------------------------------------------------------------------------
// Emergency windows
// ---------------------------------------------------------------------------

fn open(r: &mut Registry, who: AccountId, at: u64) -> Result<(u64, u64)> {
    r.activate_emergency_access(who, at, PATIENT, EmergencyReason::PatientUnconscious, NOTE)
        .map(|(v, _)| v)
}

#[test]
fn an_emergency_provider_opens_a_window_that_expires() {
    let mut r = staffed();
    let (opened, event) = r
        .activate_emergency_access(ER, T0, PATIENT, EmergencyReason::PatientUnconscious, NOTE)
        .expect("opens");
    assert_eq!(opened, (1, T0 + DAY));
    assert_eq!(
        event,
        Event::EmergencyAccessActivated(EmergencyAccessActivated {
            patient: PATIENT,
            actor: ER,
            window_id: 1,
            reason: EmergencyReason::PatientUnconscious,
            note_hash: NOTE,
            expires_at: T0 + DAY
        })
    );
    assert!(r.check_emergency_access(ER, PATIENT, T0 + DAY - 1));
    assert_eq!(
        r.assess_provider(
            ER,
            PATIENT,
            DataType::MedicalRecords,
            Purpose::EmergencyTreatment,
            T0
        ),
        ProviderAssessment {
            standing: ProviderStanding::Cleared,
            emergency_window: true
        }
    );
    assert!(!r.check_emergency_access(ER, PATIENT, T0 + DAY));
    assert!(!r.check_emergency_access(ER, STRANGER, T0));
    assert!(!r.check_emergency_access(DOCTOR, PATIENT, T0));
    let view = r.emergency_window(1, T0 + DAY).expect("kept");
    assert_eq!(view.state, WindowState::Expired);
    assert_eq!(view.window.provider, ER);
    assert_eq!(r.patient_window_count(PATIENT), 1);
    assert_eq!(r.unreviewed_count(), 1);
}

#[test]
fn only_emergency_providers_in_good_standing_open_windows() {
    let mut r = staffed();
    r.register_provider(OWNER, T0, STRANGER, Role::Emergency, CREDS)
        .expect("register");
    assert_eq!(
        open(&mut r, AccountId([99; 32]), T0),
        Err(Error::CallerNotRegistered)
    );
    assert_eq!(open(&mut r, STRANGER, T0), Err(Error::CallerNotVerified));
    assert_eq!(open(&mut r, DOCTOR, T0), Err(Error::NotEmergencyRole));
    assert_eq!(
        r.activate_emergency_access(ER, T0, ER, EmergencyReason::Other, NOTE)
            .err(),
        Some(Error::CannotTargetSelf)
    );
    r.deactivate_provider(ADMIN, ER).expect("deactivate");
    assert_eq!(open(&mut r, ER, T0), Err(Error::CallerInactive));
    assert_eq!(r.patient_window_count(PATIENT), 0);
    assert_eq!(r.unreviewed_count(), 0);
    assert_eq!(r.latest_emergency_window(ER, PATIENT, T0), None);
}

#[test]
fn windows_cannot_be_chained_the_cooldown_counts_from_opening() {
    let mut r = staffed();
    open(&mut r, ER, T0).expect("first");
    assert_eq!(
        open(&mut r, ER, T0 + 1),
        Err(Error::EmergencyWindowAlreadyOpen)
    );
    assert_eq!(
        r.end_emergency_access(ER, T0 + HOUR, PATIENT)
            .map(|(id, _)| id),
        Ok(1)
    );
    // Ended, but the cooldown (24 h from opening by default) still runs.
    assert_eq!(
        open(&mut r, ER, T0 + HOUR + 1),
        Err(Error::EmergencyCooldown)
    );
    assert_eq!(
        open(&mut r, ER, T0 + DAY - 1),
        Err(Error::EmergencyCooldown)
    );
    assert_eq!(r.patient_window_count(PATIENT), 1);
    assert_eq!(open(&mut r, ER, T0 + DAY), Ok((2, T0 + 2 * DAY)));
    assert_eq!(r.patient_window_count(PATIENT), 2);
    // Another emergency provider has its own cooldown.
    r.register_provider(OWNER, T0, STRANGER, Role::Emergency, CREDS)
        .expect("register");
    r.verify_provider(ADMIN, T0, STRANGER).expect("verify");
    assert_eq!(open(&mut r, STRANGER, T0 + DAY), Ok((3, T0 + 2 * DAY)));
}

#[test]
fn ending_a_window_needs_an_open_one() {
    let mut r = staffed();
    assert_eq!(
        r.end_emergency_access(ER, T0, PATIENT).err(),
        Some(Error::NoOpenEmergencyWindow)
    );
    open(&mut r, ER, T0).expect("open");
    assert_eq!(
        r.end_emergency_access(DOCTOR, T0, PATIENT).err(),
        Some(Error::NoOpenEmergencyWindow)
    );
    let (id, event) = r.end_emergency_access(ER, T0 + 5, PATIENT).expect("ends");
    assert_eq!(
        event,
        Event::EmergencyAccessEnded(EmergencyAccessEnded {
            patient: PATIENT,
            actor: ER,
            window_id: id
        })
    );
    let view = r.emergency_window(id, T0 + 6).expect("kept");
    assert_eq!(
        (view.state, view.window.ended_at),
        (WindowState::Ended, Some(T0 + 5))
    );
    assert!(!r.check_emergency_access(ER, PATIENT, T0 + 6));
    assert_eq!(
        r.end_emergency_access(ER, T0 + 6, PATIENT).err(),
        Some(Error::NoOpenEmergencyWindow)
    );
    // Expired windows cannot be ended either.
    assert_eq!(open(&mut r, ER, T0 + DAY), Ok((2, T0 + 2 * DAY)));
    assert_eq!(
        r.end_emergency_access(ER, T0 + 2 * DAY, PATIENT).err(),
        Some(Error::NoOpenEmergencyWindow)
    );
}

#[test]
fn deactivation_closes_open_windows_for_good() {
    let mut r = staffed();
    open(&mut r, ER, T0).expect("open");
    assert!(r.check_emergency_access(ER, PATIENT, T0 + 1));
    r.deactivate_provider(ADMIN, ER).expect("deactivate");
    assert!(!r.check_emergency_access(ER, PATIENT, T0 + 1));
    assert_eq!(
        r.emergency_window(1, T0 + 1).map(|v| v.state),
        Some(WindowState::ClosedByDeactivation)
    );
    r.reactivate_provider(ADMIN, ER).expect("reactivate");
    assert!(
        !r.check_emergency_access(ER, PATIENT, T0 + 2),
        "stays closed"
    );
    assert_eq!(
        r.emergency_window(1, T0 + 2).map(|v| v.state),
        Some(WindowState::ClosedByDeactivation)
    );
    assert!(
        !r.assess_provider(
            ER,
            PATIENT,
            DataType::LabResults,
            Purpose::EmergencyTreatment,
            T0 + 2
        )
        .emergency_window
    );
}

#[test]
fn windows_are_reviewed_once_closed_by_another_admin() {
    let mut r = staffed();
    open(&mut r, ER, T0).expect("open");
    let review = |r: &mut Registry, who, at, id| {
        r.review_emergency_access(who, at, id, ReviewOutcome::Justified, NOTE)
    };
    assert_eq!(
        review(&mut r, ADMIN, T0 + 1, 1),
        Err(Error::WindowStillOpen)
    );
    assert_eq!(
        review(&mut r, ADMIN, T0 + DAY, 2),
        Err(Error::WindowNotFound)
    );
    assert_eq!(review(&mut r, DOCTOR, T0 + DAY, 1), Err(Error::NotAdmin));
    assert_eq!(review(&mut r, OWNER, T0 + DAY, 1), Err(Error::NotAdmin));
    assert_eq!(r.unreviewed_count(), 1);
    assert_eq!(
        r.emergency_window(1, T0 + DAY)
            .and_then(|v| v.window.review),
        None
    );
    assert_eq!(
        r.review_emergency_access(ADMIN2, T0 + DAY, 1, ReviewOutcome::Unjustified, NOTE),
        Ok(Event::EmergencyAccessReviewed(EmergencyAccessReviewed {
            patient: PATIENT,
            actor: ADMIN2,
            window_id: 1,
            outcome: ReviewOutcome::Unjustified,
            note_hash: NOTE
        }))
    );
    let view = r.emergency_window(1, T0 + DAY).expect("kept");
    let rv = view.window.review.expect("reviewed");
    assert_eq!(
        (rv.reviewer, rv.outcome, rv.at),
        (ADMIN2, ReviewOutcome::Unjustified, T0 + DAY)
    );
    assert_eq!(r.unreviewed_count(), 0);
    assert_eq!(
        review(&mut r, ADMIN, T0 + DAY, 1),
        Err(Error::AlreadyReviewed)
    );
}

#[test]
fn the_holder_cannot_review_its_own_window() {
    // A provider has one role, so a window's holder (an emergency provider)
    // is never an admin: it is refused as a reviewer before the
    // `CannotTargetSelf` check, which stays as a second line of defence.
    let mut r = staffed();
    open(&mut r, ER, T0).expect("open");
    assert_eq!(
        r.review_emergency_access(ER, T0 + DAY, 1, ReviewOutcome::Justified, NOTE),
        Err(Error::NotAdmin)
    );
    assert_eq!(r.unreviewed_count(), 1);
}

#[test]
fn the_review_queue_removes_any_window_in_constant_time() {
    let mut r = staffed();
    let patients: Vec<AccountId> = (0..5u8).map(|n| AccountId([200 + n; 32])).collect();
    for (n, p) in patients.iter().enumerate() {
        r.activate_emergency_access(ER, T0 + n as u64, *p, EmergencyReason::Other, NOTE)
            .expect("open");
    }
    assert_eq!(r.unreviewed_count(), 5);
    let ids = |r: &Registry| -> Vec<u64> {
        r.unreviewed_emergency_windows(0, 50, T0 + 2 * DAY)
            .iter()
            .map(|v| v.id)
            .collect()
    };
    assert_eq!(ids(&r), vec![1, 2, 3, 4, 5]);
    r.review_emergency_access(ADMIN, T0 + 2 * DAY, 2, ReviewOutcome::Justified, NOTE)
        .expect("review 2");
    assert_eq!(ids(&r), vec![1, 5, 3, 4]);
    r.review_emergency_access(ADMIN, T0 + 2 * DAY, 4, ReviewOutcome::Justified, NOTE)
        .expect("review 4 (last)");
    assert_eq!(ids(&r), vec![1, 5, 3]);
    for id in [1, 5, 3] {
        r.review_emergency_access(ADMIN, T0 + 2 * DAY, id, ReviewOutcome::Inconclusive, NOTE)
            .expect("review");
    }
    assert_eq!(r.unreviewed_count(), 0);
    assert!(ids(&r).is_empty());
    // Every window stays readable with its review, per patient.
    let mine = r.patient_emergency_windows(patients[1], 0, 10, T0 + 2 * DAY);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, 2);
    assert!(mine[0].window.review.is_some());
}

#[test]
fn a_window_closed_by_deactivation_can_be_reviewed() {
    let mut r = staffed();
    open(&mut r, ER, T0).expect("open");
    r.deactivate_provider(ADMIN, ER).expect("deactivate");
    assert!(r
        .review_emergency_access(ADMIN, T0 + 1, 1, ReviewOutcome::Unjustified, NOTE)
        .is_ok());
}

#[test]
fn emergency_settings_are_bounded_and_for_the_owner() {
    let mut r = staffed();
    let s = |w, c| EmergencySettings {
        window_duration: w,
        cooldown: c,
    };
    assert_eq!(r.emergency_settings(), s(DAY, DAY));
    assert_eq!(
        r.set_emergency_settings(ADMIN, s(HOUR, HOUR)),
        Err(Error::NotOwner)
    );
    for w in [0, MINUTE - 1, 7 * DAY + 1, u64::MAX] {
        assert_eq!(
            r.set_emergency_settings(OWNER, s(w, HOUR)),
            Err(Error::InvalidWindowDuration)
        );
    }
    for c in [0, HOUR - 1, 30 * DAY + 1, u64::MAX] {
        assert_eq!(
            r.set_emergency_settings(OWNER, s(HOUR, c)),
            Err(Error::InvalidCooldown)
        );
    }
    assert_eq!(r.emergency_settings(), s(DAY, DAY));
    assert_eq!(
        r.set_emergency_settings(OWNER, s(MINUTE, HOUR)),
        Ok(Event::EmergencySettingsChanged(EmergencySettingsChanged {
            actor: OWNER,
            window_duration: MINUTE,
            cooldown: HOUR
        }))
    );
    assert_eq!(open(&mut r, ER, T0), Ok((1, T0 + MINUTE)));
    assert_eq!(open(&mut r, ER, T0 + MINUTE), Err(Error::EmergencyCooldown));
    assert_eq!(open(&mut r, ER, T0 + HOUR), Ok((2, T0 + HOUR + MINUTE)));
}

#[test]
fn admin_events_come_from_the_shared_core() {
    let mut r = fresh();
    assert!(matches!(
        r.admin.propose_owner(OWNER, STRANGER),
        Ok(AdminEvent::OwnershipProposed(_))
    ));
    assert!(r.admin.accept_ownership(STRANGER).is_ok());
    assert_eq!(r.admin.owner(), STRANGER);
    assert_eq!(
        r.register_provider(OWNER, T0, DOCTOR, Role::Doctor, CREDS),
        Err(Error::NotOwner)
    );
    assert!(r
        .register_provider(STRANGER, T0, DOCTOR, Role::Doctor, CREDS)
        .is_ok());
}
