//! Unit tests of record-management's core: plain `#[test]`s on
//! [`RecordStore`] and on the pure [`decide`], with the caller and the time
//! passed in and the other two contracts answered by [`World`], a table of
//! what they would hold. For each operation the allowed path and each
//! denied path with its exact error, and the state shown unchanged after a
//! denial. The compiled contracts (their real cross-contract calls
//! included) are tested end to end in `e2e-tests/`.

use crate::access::{check_permission, decide, Answers, Facts, Operation};
use crate::audit::{entry_hash, AUDIT_DOMAIN};
use crate::core::{Ctx, Oracle, RecordStore};
use crate::data::*;
use crate::errors::{Error, Result};
use crate::events::{AuditAppended, Event};
use crate::grants::Grant;
use crate::records::Content;
use ink::primitives::AccountId;
use medrec_types::{
    AccessLevel, ConsentAnswer, ConsentCheck, DataType, EmergencyPreference, GrantRefused, Link,
    ProviderAssessment, ProviderStanding, Purpose, PurposeSet, RecordStatus, RecordType, Role,
    MAX_PAGE,
};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

const OWNER: AccountId = AccountId([1; 32]);
const PATIENT: AccountId = AccountId([2; 32]);
const DOCTOR: AccountId = AccountId([3; 32]);
const NURSE: AccountId = AccountId([4; 32]);
const ER: AccountId = AccountId([5; 32]);
const GUARDIAN: AccountId = AccountId([6; 32]);
const STRANGER: AccountId = AccountId([7; 32]);
const RESEARCHER: AccountId = AccountId([8; 32]);
const PC: AccountId = AccountId([0xCC; 32]);
const AC: AccountId = AccountId([0xAC; 32]);
const THIS: AccountId = AccountId([0xEE; 32]);

const T0: u64 = 1_700_000_000_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

use Purpose::*;
use RecordType::*;

// ---------------------------------------------------------------------------
// The other two contracts, as a table
// ---------------------------------------------------------------------------

/// What access-control and patient-consent hold, answering as they would.
#[derive(Default)]
struct World {
    providers: BTreeMap<AccountId, (Role, bool, bool)>,
    windows: BTreeSet<(AccountId, AccountId)>,
    patients: BTreeSet<AccountId>,
    consents: BTreeMap<(AccountId, AccountId, DataType), PurposeSet>,
    delegates: BTreeSet<(AccountId, AccountId)>,
    preferences: BTreeMap<AccountId, EmergencyPreference>,
    consent_down: bool,
    access_control_down: bool,
    calls: Cell<u32>,
}

impl World {
    fn provider(&mut self, who: AccountId, role: Role) -> &mut Self {
        self.providers.insert(who, (role, true, true));
        self
    }
    fn consent(&mut self, provider: AccountId, d: DataType, purposes: &[Purpose]) -> &mut Self {
        self.consents
            .insert((PATIENT, provider, d), PurposeSet::of(purposes));
        self
    }
    fn consent_check(
        &self,
        patient: AccountId,
        provider: AccountId,
        d: DataType,
        p: Purpose,
    ) -> ConsentCheck {
        let mut found: Vec<PurposeSet> = self
            .consents
            .get(&(patient, provider, d))
            .copied()
            .into_iter()
            .collect();
        if !d.is_sensitive() && d != DataType::All {
            found.extend(
                self.consents
                    .get(&(patient, provider, DataType::All))
                    .copied(),
            );
        }
        if found.iter().any(|s| s.contains(p)) {
            ConsentCheck::Given
        } else if found.is_empty() {
            ConsentCheck::Missing
        } else {
            ConsentCheck::PurposeNotConsented
        }
    }
    fn acts(&self, patient: AccountId, actor: AccountId) -> bool {
        self.patients.contains(&patient)
            && (actor == patient || self.delegates.contains(&(patient, actor)))
    }
}

impl Oracle for World {
    fn consult(
        &self,
        patient: AccountId,
        actor: AccountId,
        d: DataType,
        p: Purpose,
    ) -> Result<ConsentAnswer> {
        self.calls.set(self.calls.get() + 1);
        if self.consent_down {
            return Err(Error::ConsentContractUnavailable);
        }
        Ok(ConsentAnswer {
            consent: self.consent_check(patient, actor, d, p),
            acts_for: self.acts(patient, actor),
            emergency: self.preferences.get(&patient).copied().unwrap_or_default(),
        })
    }

    fn assess_provider(
        &self,
        provider: AccountId,
        patient: AccountId,
        d: DataType,
        p: Purpose,
    ) -> Result<ProviderAssessment> {
        self.calls.set(self.calls.get() + 1);
        if self.access_control_down {
            return Err(Error::AccessControlUnavailable);
        }
        let standing = match self.providers.get(&provider) {
            None => ProviderStanding::NotRegistered,
            Some((_, false, _)) => ProviderStanding::NotVerified,
            Some((_, _, false)) => ProviderStanding::Inactive,
            Some((role, _, _)) if !role.allows(d) => ProviderStanding::RoleNotAllowed,
            Some((role, _, _)) if !role.allows_purpose(p) => ProviderStanding::PurposeNotAllowed,
            Some(_) => ProviderStanding::Cleared,
        };
        let good = self
            .providers
            .get(&provider)
            .is_some_and(|(_, v, a)| *v && *a);
        Ok(ProviderAssessment {
            standing,
            emergency_window: good && self.windows.contains(&(provider, patient)),
        })
    }

    fn acts_for(&self, patient: AccountId, actor: AccountId) -> Result<bool> {
        self.calls.set(self.calls.get() + 1);
        if self.consent_down {
            return Err(Error::ConsentContractUnavailable);
        }
        Ok(self.acts(patient, actor))
    }
}

/// A store and its world. PATIENT is registered with GUARDIAN as delegate;
/// DOCTOR, NURSE, ER (emergency), RESEARCHER are verified providers.
struct Fx {
    store: RecordStore,
    world: World,
}

fn ctx(caller: AccountId, now: u64) -> Ctx {
    Ctx {
        caller,
        now,
        this: THIS,
    }
}

fn content(n: u8) -> Content {
    Content {
        data_hash: [n; 32],
        key_id: [n ^ 0xFF; 32],
        size: 1_000 + u64::from(n),
    }
}

impl Fx {
    fn new() -> Self {
        ink::env::test::set_callee::<ink::env::DefaultEnvironment>(THIS);
        let mut world = World::default();
        world
            .provider(DOCTOR, Role::Doctor)
            .provider(NURSE, Role::Nurse)
            .provider(ER, Role::Emergency)
            .provider(RESEARCHER, Role::Researcher);
        world.patients.insert(PATIENT);
        world.delegates.insert((PATIENT, GUARDIAN));
        Fx {
            store: RecordStore::new(OWNER, PC, AC),
            world,
        }
    }

    /// DOCTOR with consent (Treatment) on `d` and `level` on `t`.
    fn doctor_can(&mut self, t: RecordType, level: AccessLevel) {
        self.world.consent(DOCTOR, t.data_type(), &[Treatment]);
        self.permit(DOCTOR, t, level, None, None).expect("permit");
    }

    fn permit(
        &mut self,
        who: AccountId,
        t: RecordType,
        level: AccessLevel,
        duration: Option<u64>,
        quota: Option<Quota>,
    ) -> Result<Event> {
        let grant = Grant {
            provider: who,
            record_type: t,
            level,
            duration,
            quota,
        };
        self.store
            .grant_permission(&self.world, ctx(PATIENT, T0), PATIENT, grant)
    }

    fn create(&mut self, by: AccountId, t: RecordType, n: u8) -> Result<u64> {
        self.store
            .create_record(
                &self.world,
                ctx(by, T0),
                PATIENT,
                t,
                content(n),
                0,
                Confidentiality::Normal,
                Treatment,
            )
            .map(|(id, _)| id)
    }

    fn read(&mut self, by: AccountId, id: u64, purpose: Purpose) -> Result<RecordView> {
        self.read_at(by, id, purpose, T0)
    }

    fn read_at(
        &mut self,
        by: AccountId,
        id: u64,
        purpose: Purpose,
        now: u64,
    ) -> Result<RecordView> {
        self.store
            .get_record(&self.world, ctx(by, now), PATIENT, id, purpose)
            .map(|(v, _)| v)
    }

    /// What a denial must leave unchanged.
    fn state(
        &self,
    ) -> (
        PatientState,
        Vec<RecordSummary>,
        Vec<PermissionView>,
        Vec<AuditEntry>,
        u64,
    ) {
        (
            self.store.patient_state(PATIENT),
            self.store.patient_records(PATIENT, 0, MAX_PAGE),
            self.store.permissions_of(PATIENT, 0, MAX_PAGE, T0),
            self.store.audit_trail(PATIENT, 0, MAX_PAGE),
            self.store.stats().next_record_id,
        )
    }
}

// ---------------------------------------------------------------------------
// The decision, tested directly
// ---------------------------------------------------------------------------

fn cleared() -> ProviderAssessment {
    ProviderAssessment {
        standing: ProviderStanding::Cleared,
        emergency_window: false,
    }
}

fn given() -> ConsentAnswer {
    ConsentAnswer {
        consent: ConsentCheck::Given,
        acts_for: false,
        emergency: EmergencyPreference::NonSensitive,
    }
}

fn facts(op: Operation) -> Facts {
    Facts {
        op,
        purpose: Treatment,
        data_type: DataType::LabResults,
        patient_authored: false,
        answers: Answers::Other {
            consent: given(),
            provider: cleared(),
        },
        permission: Ok(()),
        share: false,
    }
}

fn with(f: Facts, consent: ConsentAnswer, provider: ProviderAssessment) -> Facts {
    Facts {
        answers: Answers::Other { consent, provider },
        ..f
    }
}

#[test]
fn decide_lets_the_patient_side_read_lock_create_and_change_its_own() {
    let patient = |op, authored| {
        decide(Facts {
            patient_authored: authored,
            answers: Answers::Patient { registered: true },
            permission: Err(Error::NoPermission),
            ..facts(op)
        })
    };
    for op in [Operation::Read, Operation::Lock, Operation::Create] {
        assert_eq!(patient(op, false), Ok(Access::Patient), "{op:?}");
    }
    for op in [Operation::Update, Operation::ChangeStatus] {
        assert_eq!(patient(op, false), Err(Error::NotPatientAuthored), "{op:?}");
        assert_eq!(patient(op, true), Ok(Access::Patient), "{op:?}");
    }
    let unregistered = decide(Facts {
        answers: Answers::Patient { registered: false },
        ..facts(Operation::Create)
    });
    assert_eq!(unregistered, Err(Error::PatientNotRegistered));
    // A delegate who is no provider.
    let delegate = ConsentAnswer {
        consent: ConsentCheck::Missing,
        acts_for: true,
        ..given()
    };
    let nobody = ProviderAssessment {
        standing: ProviderStanding::NotRegistered,
        emergency_window: false,
    };
    assert_eq!(
        decide(with(facts(Operation::Read), delegate, nobody)),
        Ok(Access::Delegate)
    );
    assert_eq!(
        decide(with(facts(Operation::Update), delegate, nobody)),
        Err(Error::NotPatientAuthored)
    );
}

#[test]
fn decide_names_each_failing_condition_of_a_provider_in_order() {
    use ProviderStanding::*;
    let standing = |s| ProviderAssessment {
        standing: s,
        emergency_window: false,
    };
    for (s, e) in [
        (NotRegistered, Error::ProviderNotRegistered),
        (NotVerified, Error::ProviderNotVerified),
        (Inactive, Error::ProviderInactive),
        (RoleNotAllowed, Error::RoleNotAllowed),
        (PurposeNotAllowed, Error::PurposeNotAllowed),
    ] {
        assert_eq!(
            decide(with(facts(Operation::Read), given(), standing(s))),
            Err(e)
        );
    }
    let consent = |c| ConsentAnswer {
        consent: c,
        ..given()
    };
    assert_eq!(
        decide(with(
            facts(Operation::Read),
            consent(ConsentCheck::Missing),
            cleared()
        )),
        Err(Error::ConsentRequired)
    );
    assert_eq!(
        decide(with(
            facts(Operation::Read),
            consent(ConsentCheck::PurposeNotConsented),
            cleared()
        )),
        Err(Error::PurposeNotConsented)
    );
    for e in [
        Error::NoPermission,
        Error::PermissionExpired,
        Error::InsufficientAccessLevel,
        Error::QuotaExhausted,
    ] {
        assert_eq!(
            decide(Facts {
                permission: Err(e),
                ..facts(Operation::Update)
            }),
            Err(e)
        );
    }
    assert_eq!(decide(facts(Operation::Update)), Ok(Access::Permission));
    // Providers never change what the patient wrote; they may read it.
    let authored = |op| Facts {
        patient_authored: true,
        ..facts(op)
    };
    assert_eq!(
        decide(authored(Operation::Update)),
        Err(Error::PatientAuthoredRecord)
    );
    assert_eq!(
        decide(authored(Operation::ChangeStatus)),
        Err(Error::PatientAuthoredRecord)
    );
    assert_eq!(decide(authored(Operation::Read)), Ok(Access::Permission));
}

#[test]
fn decide_lets_a_share_stand_in_for_a_permission_for_reads_only() {
    let shared = |op| Facts {
        permission: Err(Error::NoPermission),
        share: true,
        ..facts(op)
    };
    assert_eq!(decide(shared(Operation::Read)), Ok(Access::RecordShare));
    assert_eq!(decide(shared(Operation::Update)), Err(Error::NoPermission));
    // A share never stands in for consent.
    let no_consent = ConsentAnswer {
        consent: ConsentCheck::Missing,
        ..given()
    };
    assert_eq!(
        decide(with(shared(Operation::Read), no_consent, cleared())),
        Err(Error::ConsentRequired)
    );
}

#[test]
fn decide_scopes_break_glass() {
    let window = ProviderAssessment {
        standing: ProviderStanding::Cleared,
        emergency_window: true,
    };
    let no_consent = |pref| ConsentAnswer {
        consent: ConsentCheck::Missing,
        acts_for: false,
        emergency: pref,
    };
    let emergency = |op, purpose, d, pref| {
        decide(Facts {
            purpose,
            data_type: d,
            permission: Err(Error::NoPermission),
            ..with(facts(op), no_consent(pref), window)
        })
    };
    use EmergencyPreference::*;
    assert_eq!(
        emergency(
            Operation::Read,
            EmergencyTreatment,
            DataType::Imaging,
            NonSensitive
        ),
        Ok(Access::Emergency)
    );
    assert_eq!(
        emergency(Operation::Read, Treatment, DataType::Imaging, NonSensitive),
        Err(Error::EmergencyPurposeRequired)
    );
    assert_eq!(
        emergency(
            Operation::Read,
            EmergencyTreatment,
            DataType::Imaging,
            OptOut
        ),
        Err(Error::EmergencyAccessOptedOut)
    );
    assert_eq!(
        emergency(
            Operation::Read,
            EmergencyTreatment,
            DataType::MentalHealth,
            NonSensitive
        ),
        Err(Error::OutsideEmergencyScope)
    );
    assert_eq!(
        emergency(
            Operation::Read,
            EmergencyTreatment,
            DataType::MentalHealth,
            IncludeSensitive
        ),
        Ok(Access::Emergency)
    );
    for op in [
        Operation::Create,
        Operation::Update,
        Operation::ChangeStatus,
        Operation::Lock,
    ] {
        assert_eq!(
            emergency(op, EmergencyTreatment, DataType::Imaging, IncludeSensitive),
            Err(Error::EmergencyAccessReadOnly),
            "{op:?}"
        );
    }
    // A normal allowance wins over the window (logged as a normal read).
    assert_eq!(
        decide(with(facts(Operation::Read), given(), window)),
        Ok(Access::Permission)
    );
}

#[test]
fn decide_keeps_delegate_rights_for_a_provider_who_is_also_a_delegate() {
    let delegate = ConsentAnswer {
        consent: ConsentCheck::Missing,
        acts_for: true,
        ..given()
    };
    assert_eq!(
        decide(with(facts(Operation::Read), delegate, cleared())),
        Ok(Access::Delegate)
    );
    // ... but not to change a provider-authored record without a permission.
    assert_eq!(
        decide(with(facts(Operation::Update), delegate, cleared())),
        Err(Error::ConsentRequired)
    );
}

#[test]
fn permissions_check_expiry_level_and_quota() {
    let p = |level, expires_at, quota, reads_used, bytes_used| Permission {
        level,
        granted_by: PATIENT,
        granted_at: T0,
        expires_at,
        quota,
        reads_used,
        bytes_used,
        request_id: None,
        revoked_at: None,
    };
    let read = AccessLevel::Read;
    assert_eq!(
        check_permission(None, read, 0, T0),
        Err(Error::NoPermission)
    );
    let expiring = p(AccessLevel::Admin, Some(T0 + 1), None, 0, 0);
    assert_eq!(check_permission(Some(&expiring), read, 0, T0), Ok(()));
    assert_eq!(
        check_permission(Some(&expiring), read, 0, T0 + 1),
        Err(Error::PermissionExpired)
    );
    let reader = p(read, None, None, 0, 0);
    assert_eq!(
        check_permission(Some(&reader), AccessLevel::Write, 0, T0),
        Err(Error::InsufficientAccessLevel)
    );
    let q = Some(Quota {
        max_reads: Some(2),
        max_bytes: Some(100),
    });
    assert_eq!(
        check_permission(Some(&p(read, None, q, 1, 50)), read, 50, T0),
        Ok(())
    );
    assert_eq!(
        check_permission(Some(&p(read, None, q, 1, 50)), read, 51, T0),
        Err(Error::QuotaExhausted)
    );
    assert_eq!(
        check_permission(Some(&p(read, None, q, 2, 0)), read, 0, T0),
        Err(Error::QuotaExhausted)
    );
    // Quotas bound reads only.
    let writer = p(AccessLevel::Write, None, q, 2, 100);
    assert_eq!(
        check_permission(Some(&writer), AccessLevel::Write, 1, T0),
        Ok(())
    );
    let mut revoked = p(AccessLevel::Admin, None, None, 0, 0);
    revoked.revoked_at = Some(T0);
    assert_eq!(
        check_permission(Some(&revoked), read, 0, T0),
        Err(Error::NoPermission)
    );
}

// ---------------------------------------------------------------------------
// Creating
// ---------------------------------------------------------------------------

#[test]
fn a_provider_with_write_creates_a_record() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    let (id, event) = fx
        .store
        .create_record(
            &fx.world,
            ctx(DOCTOR, T0),
            PATIENT,
            LabResults,
            content(1),
            7,
            Confidentiality::Restricted,
            Treatment,
        )
        .expect("create");
    assert_eq!(id, 1);
    let meta = fx.store.record_metadata(1).expect("stored");
    assert_eq!(meta.patient, PATIENT);
    assert_eq!(
        (meta.record_type, meta.data_hash, meta.key_id),
        (LabResults, [1; 32], [0xFE; 32])
    );
    assert_eq!(
        (meta.size, meta.mime_code, meta.confidentiality),
        (1_001, 7, Confidentiality::Restricted)
    );
    assert_eq!(
        (meta.status, meta.version, meta.patient_authored),
        (RecordStatus::Active, 1, false)
    );
    assert_eq!(
        (meta.created_by, meta.created_at, meta.updated_by),
        (DOCTOR, T0, DOCTOR)
    );
    assert_eq!(meta.retention_until, T0 + DEFAULT_RETENTION_MS);
    let entry = fx.store.audit_entry(PATIENT, 1).expect("audited");
    assert_eq!(
        (entry.actor, entry.action, entry.record_id, entry.purpose),
        (DOCTOR, AuditAction::Created, Some(1), Some(Treatment))
    );
    assert_eq!(
        entry.record_type, None,
        "the entry names the record, not its type"
    );
    let head = fx.store.audit_head(PATIENT);
    assert_eq!(
        event,
        Event::AuditAppended(AuditAppended {
            patient: PATIENT,
            actor: DOCTOR,
            index: 1,
            action: AuditAction::Created,
            record_id: Some(1),
            subject: None,
            purpose: Some(Treatment),
            head: head.head
        })
    );
    let list = fx.store.patient_records(PATIENT, 0, 10);
    assert_eq!((list.len(), list[0].record_id), (1, 1));
    assert_eq!(fx.store.stats().total_records, 1);
}

#[test]
fn creating_is_refused_for_each_reason_and_changes_nothing() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    fx.create(DOCTOR, LabResults, 1).expect("first");
    let before = fx.state();
    let try_create = |fx: &mut Fx, by, t, c: Content, p| {
        fx.store
            .create_record(
                &fx.world,
                ctx(by, T0),
                PATIENT,
                t,
                c,
                0,
                Confidentiality::Normal,
                p,
            )
            .err()
    };
    let zero_hash = Content {
        data_hash: [0; 32],
        ..content(2)
    };
    let zero_key = Content {
        key_id: [0; 32],
        ..content(2)
    };
    assert_eq!(
        try_create(&mut fx, DOCTOR, LabResults, zero_hash, Treatment),
        Some(Error::InvalidDataHash)
    );
    assert_eq!(
        try_create(&mut fx, DOCTOR, LabResults, zero_key, Treatment),
        Some(Error::InvalidKeyId)
    );
    assert_eq!(
        try_create(&mut fx, DOCTOR, LabResults, content(1), Treatment),
        Some(Error::DuplicateRecord)
    );
    assert_eq!(
        try_create(&mut fx, DOCTOR, LabResults, content(2), Research),
        Some(Error::PurposeNotConsented)
    );
    assert_eq!(
        try_create(&mut fx, DOCTOR, Imaging, content(2), Treatment),
        Some(Error::ConsentRequired)
    );
    assert_eq!(
        try_create(&mut fx, NURSE, Imaging, content(2), Treatment),
        Some(Error::RoleNotAllowed)
    );
    assert_eq!(
        try_create(&mut fx, STRANGER, LabResults, content(2), Treatment),
        Some(Error::ProviderNotRegistered)
    );
    assert_eq!(
        try_create(&mut fx, RESEARCHER, LabResults, content(2), Treatment),
        Some(Error::PurposeNotAllowed)
    );
    // The duplicate check comes after the decision: a stranger learns
    // nothing from it.
    assert_eq!(
        try_create(&mut fx, STRANGER, LabResults, content(1), Treatment),
        Some(Error::ProviderNotRegistered)
    );
    fx.world.consent(NURSE, DataType::LabResults, &[Treatment]);
    assert_eq!(
        try_create(&mut fx, NURSE, LabResults, content(2), Treatment),
        Some(Error::NoPermission)
    );
    fx.permit(NURSE, LabResults, AccessLevel::Read, None, None)
        .expect("read only");
    let before_nurse = fx.state();
    assert_eq!(
        try_create(&mut fx, NURSE, LabResults, content(2), Treatment),
        Some(Error::InsufficientAccessLevel)
    );
    assert_eq!(fx.state(), before_nurse);
    fx.world.consent_down = true;
    assert_eq!(
        try_create(&mut fx, DOCTOR, LabResults, content(2), Treatment),
        Some(Error::ConsentContractUnavailable)
    );
    fx.world.consent_down = false;
    fx.world.access_control_down = true;
    assert_eq!(
        try_create(&mut fx, DOCTOR, LabResults, content(2), Treatment),
        Some(Error::AccessControlUnavailable)
    );
    fx.world.access_control_down = false;
    fx.store.admin.pause(OWNER).expect("pause");
    assert_eq!(
        try_create(&mut fx, DOCTOR, LabResults, content(2), Treatment),
        Some(Error::ContractPaused)
    );
    let after = fx.state();
    assert_eq!(
        (after.0.record_count, after.1, after.3.len(), after.4),
        (
            before.0.record_count,
            before.1,
            before.3.len() + 1,
            before.4
        )
    );
}

#[test]
fn duplicates_are_per_patient() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    fx.create(DOCTOR, LabResults, 1).expect("first");
    // Another patient may hold the same bytes: no global index to grief.
    fx.world.patients.insert(STRANGER);
    assert!(fx
        .store
        .create_record(
            &fx.world,
            ctx(STRANGER, T0),
            STRANGER,
            Vitals,
            content(1),
            0,
            Confidentiality::Normal,
            PatientRequest
        )
        .is_ok());
}

#[test]
fn the_patient_side_creates_patient_authored_records() {
    let mut fx = Fx::new();
    let calls = fx.world.calls.get();
    let id = fx.create(PATIENT, Vitals, 1).expect("patient");
    assert_eq!(
        fx.world.calls.get() - calls,
        1,
        "one call: is the patient registered"
    );
    assert!(fx
        .store
        .record_metadata(id)
        .is_some_and(|m| m.patient_authored));
    let id2 = fx.create(GUARDIAN, Allergies, 2).expect("delegate");
    let meta = fx.store.record_metadata(id2).expect("stored");
    assert!(meta.patient_authored);
    assert_eq!(meta.created_by, GUARDIAN);
    // An unregistered account cannot create its own.
    assert_eq!(
        fx.store
            .create_record(
                &fx.world,
                ctx(STRANGER, T0),
                STRANGER,
                Vitals,
                content(3),
                0,
                Confidentiality::Normal,
                PatientRequest
            )
            .err(),
        Some(Error::PatientNotRegistered)
    );
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

#[test]
fn a_read_is_recorded_and_returns_its_audit_index() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    let id = fx.create(DOCTOR, LabResults, 1).expect("create");
    let (view, event) = fx
        .store
        .get_record(&fx.world, ctx(DOCTOR, T0 + 5), PATIENT, id, Treatment)
        .expect("read");
    assert_eq!(
        (view.record_id, view.access, view.audit_index),
        (id, Access::Permission, 2)
    );
    assert_eq!(view.meta, fx.store.record_metadata(id).expect("meta"));
    let entry = fx.store.audit_entry(PATIENT, 2).expect("recorded");
    assert_eq!(
        (
            entry.actor,
            entry.action,
            entry.record_id,
            entry.purpose,
            entry.at
        ),
        (DOCTOR, AuditAction::Read, Some(id), Some(Treatment), T0 + 5)
    );
    assert!(matches!(
        event,
        Event::AuditAppended(AuditAppended {
            index: 2,
            action: AuditAction::Read,
            ..
        })
    ));
}

#[test]
fn the_patient_reads_its_own_records_without_asking_anyone() {
    let mut fx = Fx::new();
    fx.doctor_can(Diagnosis, AccessLevel::Write);
    let id = fx.create(DOCTOR, Diagnosis, 1).expect("create");
    let calls = fx.world.calls.get();
    let view = fx.read(PATIENT, id, PatientRequest).expect("read");
    assert_eq!(view.access, Access::Patient);
    assert_eq!(fx.world.calls.get(), calls, "no cross-contract call");
    let view = fx.read(GUARDIAN, id, PatientRequest).expect("delegate");
    assert_eq!(view.access, Access::Delegate);
    // An expired delegate is nobody.
    fx.world.delegates.clear();
    assert_eq!(
        fx.read(GUARDIAN, id, PatientRequest).err(),
        Some(Error::ProviderNotRegistered)
    );
}

#[test]
fn quotas_bound_reads_and_count_bytes() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    let id = fx.create(DOCTOR, LabResults, 1).expect("create");
    fx.world.consent(NURSE, DataType::LabResults, &[Treatment]);
    let quota = Quota {
        max_reads: Some(2),
        max_bytes: None,
    };
    fx.permit(NURSE, LabResults, AccessLevel::Read, None, Some(quota))
        .expect("permit");
    fx.read(NURSE, id, Treatment).expect("1");
    fx.read(NURSE, id, Treatment).expect("2");
    let p = fx
        .store
        .get_permission(PATIENT, NURSE, LabResults)
        .expect("kept");
    assert_eq!((p.reads_used, p.bytes_used), (2, 2 * 1_001));
    let before = fx.state();
    assert_eq!(
        fx.read(NURSE, id, Treatment).err(),
        Some(Error::QuotaExhausted)
    );
    assert_eq!(fx.state(), before);
    assert_eq!(
        fx.store.permissions_of(PATIENT, 0, 10, T0)[1].status,
        GrantStatus::QuotaUsedUp
    );
    // A new grant restarts the count.
    fx.permit(NURSE, LabResults, AccessLevel::Read, None, Some(quota))
        .expect("again");
    assert!(fx.read(NURSE, id, Treatment).is_ok());
}

#[test]
fn a_share_lets_a_consented_provider_read_one_record() {
    let mut fx = Fx::new();
    fx.doctor_can(Imaging, AccessLevel::Write);
    let a = fx.create(DOCTOR, Imaging, 1).expect("a");
    let b = fx.create(DOCTOR, Imaging, 2).expect("b");
    fx.world
        .provider(NURSE, Role::Doctor)
        .consent(NURSE, DataType::Imaging, &[Treatment]);
    assert_eq!(
        fx.read(NURSE, a, Treatment).err(),
        Some(Error::NoPermission)
    );
    let (expires_at, _) = fx
        .store
        .share_record(&fx.world, ctx(GUARDIAN, T0), PATIENT, a, NURSE, DAY)
        .expect("share");
    assert_eq!(expires_at, T0 + DAY);
    assert_eq!(
        fx.read(NURSE, a, Treatment).map(|v| v.access),
        Ok(Access::RecordShare)
    );
    assert_eq!(
        fx.read(NURSE, b, Treatment).err(),
        Some(Error::NoPermission)
    );
    assert_eq!(
        fx.read_at(NURSE, a, Treatment, T0 + DAY).err(),
        Some(Error::NoPermission)
    );
    let views = fx.store.shares_of(PATIENT, 0, 10, T0);
    assert_eq!((views.len(), views[0].active), (1, true));
}

#[test]
fn break_glass_reads_are_recorded_as_emergency_reads_within_scope() {
    let mut fx = Fx::new();
    fx.doctor_can(Allergies, AccessLevel::Write);
    fx.doctor_can(MentalHealth, AccessLevel::Write);
    let allergies = fx.create(DOCTOR, Allergies, 1).expect("a");
    let mental = fx.create(DOCTOR, MentalHealth, 2).expect("m");
    assert_eq!(
        fx.read(ER, allergies, EmergencyTreatment).err(),
        Some(Error::ConsentRequired)
    );
    fx.world.windows.insert((ER, PATIENT));
    assert_eq!(
        fx.read(ER, allergies, Treatment).err(),
        Some(Error::EmergencyPurposeRequired)
    );
    let view = fx
        .read(ER, allergies, EmergencyTreatment)
        .expect("emergency read");
    assert_eq!(view.access, Access::Emergency);
    let entry = fx
        .store
        .audit_entry(PATIENT, view.audit_index)
        .expect("recorded");
    assert_eq!(
        (entry.action, entry.purpose),
        (AuditAction::EmergencyRead, Some(EmergencyTreatment))
    );
    assert_eq!(
        fx.read(ER, mental, EmergencyTreatment).err(),
        Some(Error::OutsideEmergencyScope)
    );
    fx.world
        .preferences
        .insert(PATIENT, EmergencyPreference::IncludeSensitive);
    assert_eq!(
        fx.read(ER, mental, EmergencyTreatment).map(|v| v.access),
        Ok(Access::Emergency)
    );
    fx.world
        .preferences
        .insert(PATIENT, EmergencyPreference::OptOut);
    assert_eq!(
        fx.read(ER, allergies, EmergencyTreatment).err(),
        Some(Error::EmergencyAccessOptedOut)
    );
    fx.world.preferences.remove(&PATIENT);
    // Windows never write.
    let before = fx.state();
    assert_eq!(
        fx.store
            .update_record(
                &fx.world,
                ctx(ER, T0),
                PATIENT,
                allergies,
                content(9),
                EmergencyTreatment
            )
            .err(),
        Some(Error::EmergencyAccessReadOnly)
    );
    assert_eq!(
        fx.store
            .create_record(
                &fx.world,
                ctx(ER, T0),
                PATIENT,
                Allergies,
                content(9),
                0,
                Confidentiality::Normal,
                EmergencyTreatment
            )
            .err(),
        Some(Error::EmergencyAccessReadOnly)
    );
    assert_eq!(fx.state(), before);
}

#[test]
fn locked_records_are_read_by_the_patient_side_only() {
    let mut fx = Fx::new();
    fx.doctor_can(Diagnosis, AccessLevel::Admin);
    let id = fx.create(DOCTOR, Diagnosis, 1).expect("create");
    fx.store
        .lock_record(&fx.world, ctx(DOCTOR, T0), PATIENT, id, Treatment)
        .expect("lock");
    assert_eq!(
        fx.read(DOCTOR, id, Treatment).err(),
        Some(Error::RecordLocked)
    );
    fx.world.windows.insert((ER, PATIENT));
    assert_eq!(
        fx.read(ER, id, EmergencyTreatment).err(),
        Some(Error::RecordLocked)
    );
    assert_eq!(
        fx.read(PATIENT, id, PatientRequest).map(|v| v.access),
        Ok(Access::Patient)
    );
    assert_eq!(
        fx.read(GUARDIAN, id, PatientRequest).map(|v| v.access),
        Ok(Access::Delegate)
    );
    // ... and the patient may unlock it.
    fx.store
        .unlock_record(&fx.world, ctx(PATIENT, T0), PATIENT, id, PatientRequest)
        .expect("unlock");
    assert!(fx.read(DOCTOR, id, Treatment).is_ok());
}

#[test]
fn reads_of_missing_deleted_or_other_patients_records_are_refused() {
    let mut fx = Fx::new();
    fx.doctor_can(Diagnosis, AccessLevel::Admin);
    let id = fx.create(DOCTOR, Diagnosis, 1).expect("create");
    assert_eq!(
        fx.read(DOCTOR, 99, Treatment).err(),
        Some(Error::RecordNotFound)
    );
    assert_eq!(
        fx.store
            .get_record(&fx.world, ctx(DOCTOR, T0), STRANGER, id, Treatment)
            .err(),
        Some(Error::RecordNotFound)
    );
    let later = T0 + DEFAULT_RETENTION_MS;
    fx.store
        .delete_record(&fx.world, ctx(DOCTOR, later), PATIENT, id, Treatment)
        .expect("delete");
    assert_eq!(
        fx.read_at(PATIENT, id, PatientRequest, later).err(),
        Some(Error::RecordDeleted)
    );
    fx.store.admin.pause(OWNER).expect("pause");
    assert_eq!(
        fx.read(PATIENT, id, PatientRequest).err(),
        Some(Error::ContractPaused)
    );
}

// ---------------------------------------------------------------------------
// Updating, status, locking, deletion
// ---------------------------------------------------------------------------

#[test]
fn updates_keep_every_version_once() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    let id = fx.create(DOCTOR, LabResults, 1).expect("create");
    let (v, _) = fx
        .store
        .update_record(
            &fx.world,
            ctx(DOCTOR, T0 + 10),
            PATIENT,
            id,
            content(2),
            Treatment,
        )
        .expect("update");
    assert_eq!(v, 2);
    let meta = fx.store.record_metadata(id).expect("meta");
    assert_eq!(
        (meta.data_hash, meta.version, meta.updated_at),
        ([2; 32], 2, T0 + 10)
    );
    let v1 = fx.store.record_version(id, 1).expect("v1");
    assert_eq!((v1.data_hash, v1.author, v1.at), ([1; 32], DOCTOR, T0));
    let v2 = fx
        .store
        .record_version(id, 2)
        .expect("v2 is the current one");
    assert_eq!(v2.data_hash, [2; 32]);
    assert_eq!(fx.store.record_version(id, 3), None);
    let all = fx.store.record_versions(id, 0, 10);
    assert_eq!(
        all.iter().map(|v| v.data_hash[0]).collect::<Vec<_>>(),
        vec![1, 2]
    );
    // Earlier hashes stay taken.
    assert_eq!(
        fx.store
            .update_record(
                &fx.world,
                ctx(DOCTOR, T0),
                PATIENT,
                id,
                content(1),
                Treatment
            )
            .err(),
        Some(Error::DuplicateRecord)
    );
}

#[test]
fn updates_respect_authorship_and_status() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Admin);
    let clinical = fx.create(DOCTOR, LabResults, 1).expect("clinical");
    let own = fx.create(PATIENT, LabResults, 2).expect("own");
    let update = |fx: &mut Fx, by, id, n| {
        fx.store
            .update_record(&fx.world, ctx(by, T0), PATIENT, id, content(n), Treatment)
            .err()
    };
    assert_eq!(
        update(&mut fx, PATIENT, clinical, 3),
        Some(Error::NotPatientAuthored)
    );
    assert_eq!(
        update(&mut fx, DOCTOR, own, 3),
        Some(Error::PatientAuthoredRecord)
    );
    assert_eq!(update(&mut fx, GUARDIAN, own, 3), None);
    fx.store
        .set_record_status(
            &fx.world,
            ctx(DOCTOR, T0),
            PATIENT,
            clinical,
            RecordStatus::Archived,
            Treatment,
        )
        .expect("archive");
    assert_eq!(
        update(&mut fx, DOCTOR, clinical, 4),
        Some(Error::RecordArchived)
    );
    fx.store
        .lock_record(&fx.world, ctx(PATIENT, T0), PATIENT, own, PatientRequest)
        .expect("lock");
    assert_eq!(update(&mut fx, PATIENT, own, 4), Some(Error::RecordLocked));
    assert_eq!(
        fx.store
            .update_record(
                &fx.world,
                ctx(DOCTOR, T0),
                PATIENT,
                clinical,
                Content {
                    data_hash: [0; 32],
                    ..content(4)
                },
                Treatment
            )
            .err(),
        Some(Error::InvalidDataHash)
    );
}

#[test]
fn status_changes_need_admin_and_a_real_transition() {
    let mut fx = Fx::new();
    fx.doctor_can(Vitals, AccessLevel::Write);
    let id = fx.create(DOCTOR, Vitals, 1).expect("create");
    let set = |fx: &mut Fx, by, s| {
        fx.store
            .set_record_status(&fx.world, ctx(by, T0), PATIENT, id, s, Treatment)
            .err()
    };
    assert_eq!(
        set(&mut fx, DOCTOR, RecordStatus::Archived),
        Some(Error::InsufficientAccessLevel)
    );
    assert_eq!(
        set(&mut fx, DOCTOR, RecordStatus::Locked),
        Some(Error::InvalidStatusTransition)
    );
    assert_eq!(
        set(&mut fx, DOCTOR, RecordStatus::Deleted),
        Some(Error::InvalidStatusTransition)
    );
    assert_eq!(
        set(&mut fx, PATIENT, RecordStatus::Archived),
        Some(Error::NotPatientAuthored)
    );
    fx.permit(DOCTOR, Vitals, AccessLevel::Admin, None, None)
        .expect("admin");
    assert_eq!(
        set(&mut fx, DOCTOR, RecordStatus::Active),
        Some(Error::InvalidStatusTransition)
    );
    assert_eq!(set(&mut fx, DOCTOR, RecordStatus::UnderReview), None);
    assert_eq!(
        fx.store.record_metadata(id).map(|m| m.status),
        Some(RecordStatus::UnderReview)
    );
    let entry = fx
        .store
        .audit_trail(PATIENT, 0, MAX_PAGE)
        .pop()
        .expect("entry");
    assert_eq!(
        (entry.action, entry.status),
        (AuditAction::StatusChanged, Some(RecordStatus::UnderReview))
    );
}

#[test]
fn locking_contains_even_while_paused_and_unlocking_restores() {
    let mut fx = Fx::new();
    fx.doctor_can(Vitals, AccessLevel::Admin);
    let id = fx.create(DOCTOR, Vitals, 1).expect("create");
    fx.store
        .set_record_status(
            &fx.world,
            ctx(DOCTOR, T0),
            PATIENT,
            id,
            RecordStatus::UnderReview,
            Treatment,
        )
        .expect("review");
    fx.store.admin.pause(OWNER).expect("pause");
    let event = fx
        .store
        .lock_record(&fx.world, ctx(PATIENT, T0), PATIENT, id, PatientRequest)
        .expect("lock while paused");
    assert!(matches!(
        event,
        Event::AuditAppended(AuditAppended {
            action: AuditAction::Locked,
            ..
        })
    ));
    assert_eq!(
        fx.store
            .lock_record(&fx.world, ctx(PATIENT, T0), PATIENT, id, PatientRequest)
            .err(),
        Some(Error::RecordLocked)
    );
    assert_eq!(
        fx.store
            .unlock_record(&fx.world, ctx(PATIENT, T0), PATIENT, id, PatientRequest)
            .err(),
        Some(Error::ContractPaused)
    );
    fx.store.admin.unpause(OWNER).expect("unpause");
    assert_eq!(
        fx.store
            .unlock_record(&fx.world, ctx(STRANGER, T0), PATIENT, id, Treatment)
            .err(),
        Some(Error::ProviderNotRegistered)
    );
    fx.store
        .unlock_record(&fx.world, ctx(DOCTOR, T0), PATIENT, id, Treatment)
        .expect("unlock by an admin provider");
    assert_eq!(
        fx.store.record_metadata(id).map(|m| m.status),
        Some(RecordStatus::UnderReview)
    );
    assert_eq!(
        fx.store
            .unlock_record(&fx.world, ctx(PATIENT, T0), PATIENT, id, PatientRequest)
            .err(),
        Some(Error::RecordNotLocked)
    );
}

#[test]
fn deletion_waits_for_retention() {
    let mut fx = Fx::new();
    fx.doctor_can(Vitals, AccessLevel::Admin);
    let id = fx.create(DOCTOR, Vitals, 1).expect("create");
    let del = |fx: &mut Fx, by, at| {
        fx.store
            .delete_record(&fx.world, ctx(by, at), PATIENT, id, Treatment)
            .err()
    };
    let until = T0 + DEFAULT_RETENTION_MS;
    // The declared purpose is checked against the consent here too.
    assert_eq!(
        fx.store
            .delete_record(&fx.world, ctx(DOCTOR, until), PATIENT, id, Operations)
            .err(),
        Some(Error::PurposeNotConsented)
    );
    assert_eq!(
        del(&mut fx, DOCTOR, until - 1),
        Some(Error::RetentionPeriodActive)
    );
    assert_eq!(
        del(&mut fx, PATIENT, until),
        Some(Error::NotPatientAuthored)
    );
    assert_eq!(del(&mut fx, DOCTOR, until), None);
    assert_eq!(
        fx.store.record_metadata(id).map(|m| m.status),
        Some(RecordStatus::Deleted)
    );
    assert_eq!(del(&mut fx, DOCTOR, until), Some(Error::RecordDeleted));
    let entry = fx
        .store
        .audit_trail(PATIENT, 0, MAX_PAGE)
        .pop()
        .expect("entry");
    assert_eq!(entry.action, AuditAction::Deleted);
}

// ---------------------------------------------------------------------------
// Grants
// ---------------------------------------------------------------------------

#[test]
fn permissions_are_given_by_the_patient_side_to_someone_else() {
    let mut fx = Fx::new();
    let grant = |fx: &mut Fx, by, provider, level, duration, quota| {
        let g = Grant {
            provider,
            record_type: LabResults,
            level,
            duration,
            quota,
        };
        fx.store
            .grant_permission(&fx.world, ctx(by, T0), PATIENT, g)
            .err()
    };
    let read = AccessLevel::Read;
    let before = fx.state();
    assert_eq!(
        grant(&mut fx, PATIENT, DOCTOR, AccessLevel::Emergency, None, None),
        Some(Error::InvalidAccessLevel)
    );
    assert_eq!(
        grant(&mut fx, PATIENT, DOCTOR, read, Some(0), None),
        Some(Error::InvalidDuration)
    );
    for q in [
        Quota {
            max_reads: None,
            max_bytes: None,
        },
        Quota {
            max_reads: Some(0),
            max_bytes: None,
        },
        Quota {
            max_reads: Some(1),
            max_bytes: Some(0),
        },
    ] {
        assert_eq!(
            grant(&mut fx, PATIENT, DOCTOR, read, None, Some(q)),
            Some(Error::InvalidQuota)
        );
    }
    assert_eq!(
        grant(&mut fx, STRANGER, DOCTOR, read, None, None),
        Some(Error::NotPatientOrDelegate)
    );
    assert_eq!(
        grant(&mut fx, PATIENT, PATIENT, read, None, None),
        Some(Error::CannotTargetSelf)
    );
    assert_eq!(
        grant(&mut fx, GUARDIAN, GUARDIAN, AccessLevel::Admin, None, None),
        Some(Error::CannotTargetSelf)
    );
    assert_eq!(fx.state(), before);
    assert_eq!(
        grant(&mut fx, GUARDIAN, DOCTOR, read, Some(DAY), None),
        None
    );
    let p = fx
        .store
        .get_permission(PATIENT, DOCTOR, LabResults)
        .expect("stored");
    assert_eq!(
        (p.level, p.granted_by, p.expires_at),
        (read, GUARDIAN, Some(T0 + DAY))
    );
    let entry = fx
        .store
        .audit_trail(PATIENT, 0, MAX_PAGE)
        .pop()
        .expect("entry");
    assert_eq!(
        (entry.actor, entry.action, entry.subject, entry.record_type),
        (
            GUARDIAN,
            AuditAction::PermissionGranted,
            Some(DOCTOR),
            Some(LabResults)
        )
    );
    fx.store.admin.pause(OWNER).expect("pause");
    assert_eq!(
        grant(&mut fx, PATIENT, DOCTOR, read, None, None),
        Some(Error::ContractPaused)
    );
}

#[test]
fn revocation_works_while_paused_and_shows_in_the_list() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    let id = fx.create(DOCTOR, LabResults, 1).expect("create");
    fx.store.admin.pause(OWNER).expect("pause");
    let revoke = |fx: &mut Fx, by, t| {
        fx.store
            .revoke_permission(&fx.world, ctx(by, T0 + 1), PATIENT, DOCTOR, t)
            .err()
    };
    assert_eq!(
        revoke(&mut fx, STRANGER, LabResults),
        Some(Error::NotPatientOrDelegate)
    );
    assert_eq!(
        revoke(&mut fx, PATIENT, Imaging),
        Some(Error::PermissionNotFound)
    );
    assert_eq!(revoke(&mut fx, GUARDIAN, LabResults), None);
    assert_eq!(
        revoke(&mut fx, PATIENT, LabResults),
        Some(Error::PermissionNotFound)
    );
    fx.store.admin.unpause(OWNER).expect("unpause");
    assert_eq!(
        fx.read(DOCTOR, id, Treatment).err(),
        Some(Error::NoPermission)
    );
    let views = fx.store.permissions_of(PATIENT, 0, 10, T0 + 1);
    assert_eq!((views.len(), views[0].status), (1, GrantStatus::Revoked));
}

#[test]
fn shares_are_checked_and_end_when_unshared() {
    let mut fx = Fx::new();
    fx.doctor_can(Imaging, AccessLevel::Write);
    let id = fx.create(DOCTOR, Imaging, 1).expect("create");
    let share = |fx: &mut Fx, by, record, provider, d| {
        fx.store
            .share_record(&fx.world, ctx(by, T0), PATIENT, record, provider, d)
            .err()
    };
    assert_eq!(
        share(&mut fx, PATIENT, id, NURSE, 0),
        Some(Error::InvalidDuration)
    );
    assert_eq!(
        share(&mut fx, PATIENT, 99, NURSE, DAY),
        Some(Error::RecordNotFound)
    );
    assert_eq!(
        share(&mut fx, STRANGER, id, NURSE, DAY),
        Some(Error::NotPatientOrDelegate)
    );
    assert_eq!(
        share(&mut fx, GUARDIAN, id, GUARDIAN, DAY),
        Some(Error::CannotTargetSelf)
    );
    assert_eq!(
        share(&mut fx, PATIENT, id, PATIENT, DAY),
        Some(Error::CannotTargetSelf)
    );
    assert_eq!(share(&mut fx, PATIENT, id, NURSE, DAY), None);
    fx.store.admin.pause(OWNER).expect("pause");
    let unshare = |fx: &mut Fx, by| {
        fx.store
            .unshare_record(&fx.world, ctx(by, T0 + 1), PATIENT, id, NURSE)
            .err()
    };
    assert_eq!(
        unshare(&mut fx, STRANGER),
        Some(Error::NotPatientOrDelegate)
    );
    assert_eq!(unshare(&mut fx, PATIENT), None);
    assert_eq!(unshare(&mut fx, PATIENT), Some(Error::ShareNotFound));
    assert_eq!(
        fx.store.get_record_share(id, NURSE).map(|s| s.expires_at),
        Some(T0 + 1)
    );
    // Sharing again reuses the list entry.
    fx.store.admin.unpause(OWNER).expect("unpause");
    assert_eq!(share(&mut fx, PATIENT, id, NURSE, DAY), None);
    assert_eq!(fx.store.shares_of(PATIENT, 0, 10, T0).len(), 1);
}

#[test]
fn approvals_reach_record_management_from_the_consent_contract_only() {
    let mut fx = Fx::new();
    let types = [LabResults, Imaging];
    let approve = |fx: &mut Fx, caller, provider, actor, level| {
        fx.store
            .grant_on_approval(
                ctx(caller, T0),
                PATIENT,
                provider,
                actor,
                &types,
                level,
                T0 + DAY,
                7,
            )
            .err()
    };
    let before = fx.state();
    assert_eq!(
        approve(&mut fx, STRANGER, DOCTOR, PATIENT, AccessLevel::Read),
        Some(GrantRefused::NotConsentContract)
    );
    assert_eq!(
        approve(&mut fx, PC, DOCTOR, PATIENT, AccessLevel::Emergency),
        Some(GrantRefused::InvalidGrant)
    );
    assert_eq!(
        approve(&mut fx, PC, GUARDIAN, GUARDIAN, AccessLevel::Read),
        Some(GrantRefused::InvalidGrant)
    );
    assert_eq!(
        approve(&mut fx, PC, PATIENT, GUARDIAN, AccessLevel::Read),
        Some(GrantRefused::InvalidGrant)
    );
    fx.store.admin.pause(OWNER).expect("pause");
    assert_eq!(
        approve(&mut fx, PC, DOCTOR, PATIENT, AccessLevel::Read),
        Some(GrantRefused::ContractPaused)
    );
    fx.store.admin.unpause(OWNER).expect("unpause");
    assert_eq!(fx.state(), before);
    let events = fx
        .store
        .grant_on_approval(
            ctx(PC, T0),
            PATIENT,
            DOCTOR,
            GUARDIAN,
            &types,
            AccessLevel::Write,
            T0 + DAY,
            7,
        )
        .expect("granted");
    assert_eq!(events.len(), 2);
    for t in types {
        let p = fx
            .store
            .get_permission(PATIENT, DOCTOR, t)
            .expect("granted");
        assert_eq!(
            (p.level, p.granted_by, p.expires_at, p.request_id),
            (AccessLevel::Write, GUARDIAN, Some(T0 + DAY), Some(7))
        );
    }
    let trail = fx.store.audit_trail(PATIENT, 0, MAX_PAGE);
    assert!(trail
        .iter()
        .all(|e| e.actor == GUARDIAN && e.action == AuditAction::PermissionGranted));
}

// ---------------------------------------------------------------------------
// The audit trail
// ---------------------------------------------------------------------------

#[test]
fn the_audit_trail_is_a_hash_chain_bound_to_contract_patient_and_index() {
    let mut fx = Fx::new();
    fx.doctor_can(LabResults, AccessLevel::Write);
    let id = fx.create(DOCTOR, LabResults, 1).expect("create");
    fx.read(DOCTOR, id, Treatment).expect("read");
    fx.read(PATIENT, id, PatientRequest).expect("read");
    let trail = fx.store.audit_trail(PATIENT, 0, MAX_PAGE);
    assert_eq!(trail.len(), 4);
    let mut prev = [0u8; 32];
    for (i, entry) in trail.iter().enumerate() {
        assert_eq!(entry.prev_hash, prev, "entry {i} links to the one before");
        prev = entry_hash(THIS, PATIENT, i as u64, entry);
    }
    assert_eq!(
        fx.store.audit_head(PATIENT),
        AuditHead { len: 4, head: prev }
    );
    // The same entry hashes differently in another contract, trail or place.
    let e = &trail[1];
    let h = entry_hash(THIS, PATIENT, 1, e);
    assert_ne!(h, entry_hash(AC, PATIENT, 1, e));
    assert_ne!(h, entry_hash(THIS, DOCTOR, 1, e));
    assert_ne!(h, entry_hash(THIS, PATIENT, 2, e));
    assert_eq!(&AUDIT_DOMAIN[..15], b"medrec/audit/v2");
    // Pages.
    assert_eq!(fx.store.audit_trail(PATIENT, 3, 10).len(), 1);
    assert!(fx.store.audit_trail(PATIENT, 4, 10).is_empty());
    assert_eq!(fx.store.audit_entry(PATIENT, 4), None);
}

// ---------------------------------------------------------------------------
// Lists, settings, links
// ---------------------------------------------------------------------------

#[test]
fn lists_page_in_constant_size() {
    let mut fx = Fx::new();
    for n in 1..=55u8 {
        fx.create(PATIENT, Vitals, n).expect("create");
    }
    assert_eq!(
        fx.store.patient_records(PATIENT, 0, 1_000).len(),
        MAX_PAGE as usize
    );
    let tail = fx.store.patient_records(PATIENT, 50, 50);
    assert_eq!(
        tail.iter().map(|r| r.record_id).collect::<Vec<_>>(),
        vec![51, 52, 53, 54, 55]
    );
    assert!(fx.store.patient_records(PATIENT, u64::MAX, 10).is_empty());
    assert!(fx.store.patient_records(STRANGER, 0, 10).is_empty());
    for n in 0..55u8 {
        fx.permit(
            AccountId([100 + n; 32]),
            Vitals,
            AccessLevel::Read,
            None,
            None,
        )
        .expect("permit");
    }
    assert_eq!(
        fx.store.permissions_of(PATIENT, 0, 100, T0).len(),
        MAX_PAGE as usize
    );
    assert_eq!(fx.store.permissions_of(PATIENT, 50, 100, T0).len(), 5);
}

#[test]
fn retention_is_bounded() {
    let mut fx = Fx::new();
    assert_eq!(
        fx.store.set_retention_period(DOCTOR, DAY),
        Err(Error::NotOwner)
    );
    for bad in [0, MIN_RETENTION_MS - 1, MAX_RETENTION_MS + 1, u64::MAX] {
        assert_eq!(
            fx.store.set_retention_period(OWNER, bad),
            Err(Error::InvalidRetentionPeriod)
        );
    }
    assert!(fx
        .store
        .set_retention_period(OWNER, MAX_RETENTION_MS)
        .is_ok());
    // The longest retention still fits a timestamp far in the future.
    let far = Ctx {
        caller: PATIENT,
        now: 4_000_000_000_000,
        this: THIS,
    };
    assert!(fx
        .store
        .create_record(
            &fx.world,
            far,
            PATIENT,
            Vitals,
            content(1),
            0,
            Confidentiality::Normal,
            PatientRequest
        )
        .is_ok());
    assert_eq!(fx.store.stats().retention_period, MAX_RETENTION_MS);
}

#[test]
fn links_are_repointed_only_after_the_announced_delay() {
    let mut fx = Fx::new();
    let owner = ctx(OWNER, T0);
    assert_eq!(
        fx.store
            .announce_link(owner, Link::RecordManagement, STRANGER)
            .err(),
        Some(Error::UnknownLink)
    );
    assert_eq!(
        fx.store
            .announce_link(owner, Link::PatientConsent, THIS)
            .err(),
        Some(Error::CannotTargetSelf)
    );
    assert_eq!(
        fx.store
            .announce_link(ctx(DOCTOR, T0), Link::PatientConsent, STRANGER)
            .err(),
        Some(Error::NotOwner)
    );
    let (at, _) = fx
        .store
        .announce_link(owner, Link::PatientConsent, STRANGER)
        .expect("announce");
    assert_eq!(
        fx.store
            .apply_link(ctx(OWNER, at - 1), Link::PatientConsent)
            .err(),
        Some(Error::TooEarly)
    );
    assert_eq!(fx.store.consent_contract(), PC);
    assert!(fx
        .store
        .apply_link(ctx(OWNER, at), Link::PatientConsent)
        .is_ok());
    assert_eq!(fx.store.consent_contract(), STRANGER);
    // Approvals now come from the new consent contract only.
    assert_eq!(
        fx.store
            .grant_on_approval(
                ctx(PC, at),
                PATIENT,
                DOCTOR,
                PATIENT,
                &[Vitals],
                AccessLevel::Read,
                at + DAY,
                1
            )
            .err(),
        Some(GrantRefused::NotConsentContract)
    );
    fx.store
        .announce_link(ctx(OWNER, at), Link::AccessControl, STRANGER)
        .expect("announce");
    assert!(fx.store.cancel_link(OWNER, Link::AccessControl).is_ok());
    assert_eq!(
        fx.store.cancel_link(OWNER, Link::AccessControl).err(),
        Some(Error::NothingAnnounced)
    );
    assert_eq!(fx.store.access_control(), AC);
}
