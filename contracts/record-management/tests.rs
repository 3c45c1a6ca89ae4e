//! Unit tests of record-management: every message's allowed path and each
//! denied path with its exact error, the state shown unchanged after a
//! denial, and the audit chain recomputed off-chain.
//!
//! The off-chain environment cannot call contracts, so the two other
//! contracts are answered by [`mock`]: a per-thread "chain" holding what
//! access-control and patient-consent would hold.

/// A mock of the two other contracts for unit-test builds.
///
/// Each answer takes the address the record contract is configured with
/// first: a call to an address that is not "deployed" here answers `None`,
/// which the contract maps to `AccessControlUnavailable` or
/// `ConsentContractUnavailable`.
pub(crate) mod mock {
    use ink::primitives::AccountId;
    use medrec_types::{DataType, ProviderAssessment, ProviderStanding, Role};
    use std::cell::RefCell;
    use std::collections::{BTreeMap, BTreeSet};

    /// A provider as access-control knows it.
    #[derive(Debug, Clone, Copy)]
    struct Provider {
        role: Role,
        verified: bool,
        active: bool,
    }

    /// What the mock chain holds.
    #[derive(Default)]
    struct World {
        /// Address of the deployed access-control contract.
        access_control: Option<AccountId>,
        /// Address of the deployed patient-consent contract.
        consent: Option<AccountId>,
        providers: BTreeMap<AccountId, Provider>,
        /// Open emergency windows: (provider, patient).
        windows: BTreeSet<(AccountId, AccountId)>,
        patients: BTreeSet<AccountId>,
        /// Active consents: (patient, provider, data type).
        consents: BTreeSet<(AccountId, AccountId, DataType)>,
        /// Unexpired delegations: (patient, delegate).
        delegates: BTreeSet<(AccountId, AccountId)>,
    }

    thread_local! {
        static WORLD: RefCell<World> = RefCell::new(World::default());
    }

    fn with<R>(f: impl FnOnce(&mut World) -> R) -> R {
        WORLD.with(|w| f(&mut w.borrow_mut()))
    }

    /// Empties the chain: nothing deployed, nobody registered.
    pub fn reset() {
        with(|w| *w = World::default());
    }

    /// Which addresses the two contracts are deployed at (`None`: not at all).
    pub fn set_addresses(consent: Option<AccountId>, access_control: Option<AccountId>) {
        with(|w| {
            w.consent = consent;
            w.access_control = access_control;
        });
    }

    /// Registers (or re-registers) a provider in access-control.
    pub fn add_provider(provider: AccountId, role: Role, verified: bool, active: bool) {
        with(|w| {
            w.providers.insert(
                provider,
                Provider {
                    role,
                    verified,
                    active,
                },
            );
        });
    }

    /// Deactivates or reactivates a registered provider.
    pub fn set_active(provider: AccountId, active: bool) {
        with(|w| {
            if let Some(p) = w.providers.get_mut(&provider) {
                p.active = active;
            }
        });
    }

    /// Opens an emergency window of `provider` on `patient`.
    pub fn open_window(provider: AccountId, patient: AccountId) {
        with(|w| w.windows.insert((provider, patient)));
    }

    /// Closes (or lets expire) an emergency window.
    pub fn close_window(provider: AccountId, patient: AccountId) {
        with(|w| w.windows.remove(&(provider, patient)));
    }

    /// Registers a patient in patient-consent.
    pub fn register_patient(patient: AccountId) {
        with(|w| w.patients.insert(patient));
    }

    /// The patient gives `provider` an active consent for `data_type`.
    pub fn consent(patient: AccountId, provider: AccountId, data_type: DataType) {
        with(|w| w.consents.insert((patient, provider, data_type)));
    }

    /// The patient withdraws that consent.
    pub fn revoke_consent(patient: AccountId, provider: AccountId, data_type: DataType) {
        with(|w| w.consents.remove(&(patient, provider, data_type)));
    }

    /// The patient names `delegate`.
    pub fn delegate(patient: AccountId, delegate: AccountId) {
        with(|w| w.delegates.insert((patient, delegate)));
    }

    /// The delegation ends.
    pub fn undelegate(patient: AccountId, delegate: AccountId) {
        with(|w| w.delegates.remove(&(patient, delegate)));
    }

    /// access-control's `assess_provider`: the first failing condition in the
    /// order registered, verified, active, role; the window counts only for a
    /// verified, active provider.
    pub fn assess_provider(
        contract: AccountId,
        provider: AccountId,
        patient: AccountId,
        data_type: DataType,
    ) -> Option<ProviderAssessment> {
        with(|w| {
            if w.access_control != Some(contract) {
                return None;
            }
            let (standing, in_good_standing) = match w.providers.get(&provider) {
                None => (ProviderStanding::NotRegistered, false),
                Some(p) if !p.verified => (ProviderStanding::NotVerified, false),
                Some(p) if !p.active => (ProviderStanding::Inactive, false),
                Some(p) if !p.role.allows(data_type) => (ProviderStanding::RoleNotAllowed, true),
                Some(_) => (ProviderStanding::Cleared, true),
            };
            Some(ProviderAssessment {
                standing,
                emergency_window: in_good_standing && w.windows.contains(&(provider, patient)),
            })
        })
    }

    /// patient-consent's `check_consent`: a consent for the type itself, or
    /// one for `All`, which covers every non-sensitive type.
    pub fn check_consent(
        contract: AccountId,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
    ) -> Option<bool> {
        with(|w| {
            if w.consent != Some(contract) {
                return None;
            }
            let direct = w.consents.contains(&(patient, provider, data_type));
            let via_all = !data_type.is_sensitive()
                && data_type != DataType::All
                && w.consents.contains(&(patient, provider, DataType::All));
            Some(direct || via_all)
        })
    }

    /// patient-consent's `acts_for`: the registered patient itself or one of
    /// its delegates.
    pub fn acts_for(contract: AccountId, patient: AccountId, actor: AccountId) -> Option<bool> {
        with(|w| {
            if w.consent != Some(contract) {
                return None;
            }
            Some(
                w.patients.contains(&patient)
                    && (actor == patient || w.delegates.contains(&(patient, actor))),
            )
        })
    }
}

use crate::*;
use ink::env::{test, DefaultEnvironment as Env};
use ink::primitives::AccountId;
use medrec_types::{
    AccessLevel, DataType, Hash32, Purpose, RecordStatus, RecordType, Role, Timestamp, MAX_PAGE,
};

/// The record type most tests use (data type MedicalRecords).
const RT: RecordType = RecordType::Diagnosis;
/// Ciphertext size of every test record.
const SIZE: u64 = 100;
/// Data key id of every test record.
const KEY_ID: Hash32 = [0x11; 32];
/// Block time of `setup`.
const T0: Timestamp = 1_000;

fn consent_addr() -> AccountId {
    AccountId::from([0xC0; 32])
}

fn access_control_addr() -> AccountId {
    AccountId::from([0xAC; 32])
}

/// An address where nothing is deployed.
fn nowhere() -> AccountId {
    AccountId::from([0xEE; 32])
}

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

fn h(seed: u8) -> Hash32 {
    [seed; 32]
}

fn locator(seed: u8) -> Vec<u8> {
    format!("ipfs://record-{seed}").into_bytes()
}

/// SHA-256 of the SCALE encoding, as the contract chains its audit entries.
fn entry_hash(entry: &AuditEntry) -> Hash32 {
    let mut out = [0u8; 32];
    ink::env::hash_encoded::<ink::env::hash::Sha2x256, _>(entry, &mut out);
    out
}

/// Everything observable about one patient, one provider and one record, and
/// the contract as a whole.
#[derive(Debug, PartialEq)]
struct Snapshot {
    stats: Stats,
    owner: AccountId,
    status: Option<RecordStatus>,
    versions: Vec<VersionEntry>,
    permissions: Vec<Option<Permission>>,
    share: Option<RecordShare>,
    wrapped_key: Option<WrappedKey>,
    audit_head: AuditHead,
    audit: Vec<AuditEntry>,
    record_count: u64,
    provider_stats: ProviderStats,
    events: usize,
}

fn snapshot(
    c: &RecordManagement,
    patient: AccountId,
    provider: AccountId,
    record_id: u64,
) -> Snapshot {
    Snapshot {
        stats: c.stats(),
        owner: c.owner(),
        status: c.record_status(record_id),
        versions: c.record_versions(record_id, 1, MAX_PAGE),
        permissions: RecordType::ALL
            .iter()
            .map(|t| c.get_permission(patient, provider, *t))
            .collect(),
        share: c.get_record_share(record_id, provider),
        wrapped_key: c.get_wrapped_key(record_id, provider),
        audit_head: c.audit_head(patient),
        audit: c.audit_trail(patient, 0, MAX_PAGE),
        record_count: c.patient_record_count(patient),
        provider_stats: c.provider_stats(provider),
        events: event_count(),
    }
}

/// Runs `op`, expects `expected`, and shows that nothing about Bob,
/// `provider`, `record_id` or the contract changed.
fn refused<T: core::fmt::Debug + PartialEq>(
    c: &mut RecordManagement,
    record_id: u64,
    provider: AccountId,
    expected: Error,
    op: impl FnOnce(&mut RecordManagement) -> core::result::Result<T, Error>,
) {
    let patient = accounts().bob;
    let before = snapshot(c, patient, provider, record_id);
    assert_eq!(op(c), Err(expected));
    assert_eq!(snapshot(c, patient, provider, record_id), before);
}

/// Alice deploys and owns the contract. Bob is a registered patient with
/// Eve as his delegate. Charlie is a verified Doctor and Django a verified
/// Nurse; Bob consented to both for every non-sensitive type and gave
/// Charlie Admin and Django Read on `RT`. Frank is nobody (yet).
fn setup() -> RecordManagement {
    let a = accounts();
    world();
    let mut c = RecordManagement::new(consent_addr(), access_control_addr());
    grant(&mut c, a.charlie, RT, AccessLevel::Admin, None, None);
    grant(&mut c, a.django, RT, AccessLevel::Read, None, None);
    set_caller(a.alice);
    c
}

/// The mock chain of `setup`, before any record contract is deployed; the
/// caller is Alice and the time `T0`. (All instances in one test share the
/// off-chain storage, so each test deploys one contract only.)
fn world() {
    let a = accounts();
    mock::reset();
    mock::set_addresses(Some(consent_addr()), Some(access_control_addr()));
    mock::register_patient(a.bob);
    mock::delegate(a.bob, a.eve);
    mock::add_provider(a.charlie, Role::Doctor, true, true);
    mock::add_provider(a.django, Role::Nurse, true, true);
    mock::consent(a.bob, a.charlie, DataType::All);
    mock::consent(a.bob, a.django, DataType::All);
    set_time(T0);
    set_caller(a.alice);
}

/// Bob grants `provider` a permission.
fn grant(
    c: &mut RecordManagement,
    provider: AccountId,
    record_type: RecordType,
    level: AccessLevel,
    duration: Option<Timestamp>,
    quota: Option<Quota>,
) {
    let bob = accounts().bob;
    set_caller(bob);
    c.grant_permission(bob, provider, record_type, level, duration, quota)
        .unwrap();
}

/// Frank becomes a provider of `role` (verified and active) with Bob's
/// consent for every non-sensitive type and a permission of `level` on `rt`.
fn enrol_frank(c: &mut RecordManagement, role: Role, rt: RecordType, level: AccessLevel) {
    let a = accounts();
    mock::add_provider(a.frank, role, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    grant(c, a.frank, rt, level, None, None);
}

/// `caller` creates record `seed` of `record_type` for Bob.
fn create_as(
    c: &mut RecordManagement,
    caller: AccountId,
    record_type: RecordType,
    seed: u8,
) -> core::result::Result<u64, Error> {
    set_caller(caller);
    c.create_record(
        accounts().bob,
        record_type,
        h(seed),
        locator(seed),
        KEY_ID,
        SIZE,
        0,
        Confidentiality::Normal,
    )
}

/// Charlie creates record `seed` of `RT` for Bob.
fn create(c: &mut RecordManagement, seed: u8) -> u64 {
    create_as(c, accounts().charlie, RT, seed).unwrap()
}

/// Charlie creates a MentalHealth record for Bob (he needs the sensitive
/// consent and a permission of his own for it).
fn create_mental_health(c: &mut RecordManagement, seed: u8) -> u64 {
    let a = accounts();
    mock::consent(a.bob, a.charlie, DataType::MentalHealth);
    grant(
        c,
        a.charlie,
        RecordType::MentalHealth,
        AccessLevel::Write,
        None,
        None,
    );
    create_as(c, a.charlie, RecordType::MentalHealth, seed).unwrap()
}

/// `caller` reads Bob's record `record_id` for treatment.
fn read_as(
    c: &mut RecordManagement,
    caller: AccountId,
    record_id: u64,
) -> core::result::Result<RecordView, Error> {
    set_caller(caller);
    c.get_record(accounts().bob, record_id, Purpose::Treatment)
}

/// `caller` replaces Bob's record `record_id` with content `seed`.
fn update_as(
    c: &mut RecordManagement,
    caller: AccountId,
    record_id: u64,
    seed: u8,
) -> core::result::Result<u32, Error> {
    set_caller(caller);
    c.update_record(
        accounts().bob,
        record_id,
        h(seed),
        locator(seed),
        KEY_ID,
        SIZE,
    )
}

/// The last entry of a patient's audit trail.
fn last_audit(c: &RecordManagement, patient: AccountId) -> AuditEntry {
    let len = c.audit_head(patient).len;
    assert!(len > 0, "empty audit trail");
    c.audit_entry(patient, len - 1).unwrap()
}

// ----------------------------------------------------------------------
// the mock itself
// ----------------------------------------------------------------------

#[ink::test]
fn the_mock_answers_like_the_other_two_contracts() {
    let a = accounts();
    let (ac, cc) = (access_control_addr(), consent_addr());
    mock::reset();
    assert_eq!(
        mock::assess_provider(ac, a.bob, a.alice, DataType::All),
        None
    );
    assert_eq!(mock::check_consent(cc, a.alice, a.bob, DataType::All), None);
    assert_eq!(mock::acts_for(cc, a.alice, a.alice), None);
    mock::set_addresses(Some(cc), Some(ac));
    assert_eq!(
        mock::assess_provider(nowhere(), a.bob, a.alice, DataType::All),
        None
    );
    assert_eq!(mock::acts_for(nowhere(), a.alice, a.alice), None);
    let standing = |who| {
        mock::assess_provider(ac, who, a.alice, DataType::Imaging)
            .unwrap()
            .standing
    };
    use medrec_types::ProviderStanding as S;
    assert_eq!(standing(a.bob), S::NotRegistered);
    mock::add_provider(a.bob, Role::Nurse, false, false);
    assert_eq!(standing(a.bob), S::NotVerified);
    mock::add_provider(a.bob, Role::Nurse, true, false);
    assert_eq!(standing(a.bob), S::Inactive);
    mock::set_active(a.bob, true);
    assert_eq!(standing(a.bob), S::RoleNotAllowed);
    mock::add_provider(a.bob, Role::Technician, true, true);
    assert_eq!(standing(a.bob), S::Cleared);
    // the window counts only for a verified, active provider
    mock::open_window(a.bob, a.alice);
    let window = || {
        mock::assess_provider(ac, a.bob, a.alice, DataType::Imaging)
            .unwrap()
            .emergency_window
    };
    assert!(window());
    mock::set_active(a.bob, false);
    assert!(!window());
    mock::set_active(a.bob, true);
    mock::close_window(a.bob, a.alice);
    assert!(!window());
    // consent for All covers non-sensitive types only, and matches All itself
    mock::consent(a.alice, a.bob, DataType::All);
    assert_eq!(
        mock::check_consent(cc, a.alice, a.bob, DataType::LabResults),
        Some(true)
    );
    assert_eq!(
        mock::check_consent(cc, a.alice, a.bob, DataType::All),
        Some(true)
    );
    assert_eq!(
        mock::check_consent(cc, a.alice, a.bob, DataType::Genetic),
        Some(false)
    );
    mock::revoke_consent(a.alice, a.bob, DataType::All);
    assert_eq!(
        mock::check_consent(cc, a.alice, a.bob, DataType::LabResults),
        Some(false)
    );
    // acts_for needs a registered patient
    assert_eq!(mock::acts_for(cc, a.alice, a.alice), Some(false));
    mock::register_patient(a.alice);
    assert_eq!(mock::acts_for(cc, a.alice, a.alice), Some(true));
    assert_eq!(mock::acts_for(cc, a.alice, a.eve), Some(false));
    mock::delegate(a.alice, a.eve);
    assert_eq!(mock::acts_for(cc, a.alice, a.eve), Some(true));
    mock::undelegate(a.alice, a.eve);
    assert_eq!(mock::acts_for(cc, a.alice, a.eve), Some(false));
}

// ----------------------------------------------------------------------
// constructor
// ----------------------------------------------------------------------

#[ink::test]
fn new_makes_the_caller_owner_with_default_settings() {
    let a = accounts();
    mock::reset();
    set_caller(a.bob);
    let c = RecordManagement::new(consent_addr(), access_control_addr());
    assert_eq!(c.owner(), a.bob);
    assert_eq!(
        c.stats(),
        Stats {
            total_records: 0,
            next_record_id: 1,
            paused: false,
            retention_period: DEFAULT_RETENTION_MS,
            consent_contract: consent_addr(),
            access_control: access_control_addr(),
        }
    );
    assert_eq!(DEFAULT_RETENTION_MS, 157_680_000_000);
    assert_eq!(c.record_status(1), None);
    assert_eq!(c.audit_head(a.bob), AuditHead::default());
    assert_eq!(c.patient_record_count(a.bob), 0);
}

// ----------------------------------------------------------------------
// create_record
// ----------------------------------------------------------------------

#[ink::test]
fn cleared_provider_with_write_creates_records_with_global_ids() {
    let a = accounts();
    let mut c = setup();
    // Frank is a second patient who also lets Charlie write.
    mock::register_patient(a.frank);
    mock::consent(a.frank, a.charlie, DataType::All);
    set_caller(a.frank);
    c.grant_permission(a.frank, a.charlie, RT, AccessLevel::Write, None, None)
        .unwrap();
    set_time(5_000);
    let events = event_count();
    let audit_len = c.audit_head(a.bob).len;
    set_caller(a.charlie);
    assert_eq!(
        c.create_record(
            a.bob,
            RT,
            h(1),
            locator(1),
            KEY_ID,
            SIZE,
            7,
            Confidentiality::Restricted
        ),
        Ok(1)
    );
    assert_eq!(
        c.create_record(
            a.frank,
            RT,
            h(2),
            locator(2),
            [0x22; 32],
            SIZE,
            0,
            Confidentiality::Normal
        ),
        Ok(2)
    );
    assert_eq!(event_count(), events + 2);
    assert_eq!(c.record_status(1), Some(RecordStatus::Active));
    assert_eq!(c.record_status(2), Some(RecordStatus::Active));
    assert_eq!(
        c.record_version(1, 1),
        Some(VersionEntry {
            data_hash: h(1),
            key_id: KEY_ID,
            size: SIZE,
            author: a.charlie,
            at: 5_000,
        })
    );
    assert_eq!(c.record_version(1, 2), None);
    let stats = c.stats();
    assert_eq!(stats.total_records, 2);
    assert_eq!(stats.next_record_id, 3);
    assert_eq!(c.patient_record_count(a.bob), 1);
    assert_eq!(c.patient_record_count(a.frank), 1);
    assert_eq!(c.provider_stats(a.charlie).records_created, 2);
    // Created is appended to the patient's own trail
    assert_eq!(c.audit_head(a.bob).len, audit_len + 1);
    assert_eq!(
        c.audit_entry(a.bob, audit_len),
        Some(AuditEntry {
            actor: a.charlie,
            action: AuditAction::Created,
            record_id: Some(1),
            record_type: Some(RT),
            subject: None,
            purpose: None,
            status: None,
            at: 5_000,
            prev_hash: entry_hash(&c.audit_entry(a.bob, audit_len - 1).unwrap()),
        })
    );
    assert_eq!(last_audit(&c, a.frank).record_id, Some(2));
    // the metadata as the patient reads it
    set_caller(a.bob);
    let view = c.get_record(a.bob, 1, Purpose::PatientRequest).unwrap();
    assert_eq!(
        view.meta,
        RecordMeta {
            patient: a.bob,
            record_type: RT,
            data_hash: h(1),
            locator: locator(1),
            key_id: KEY_ID,
            size: SIZE,
            mime_code: 7,
            confidentiality: Confidentiality::Restricted,
            status: RecordStatus::Active,
            status_before_lock: None,
            version: 1,
            created_by: a.charlie,
            created_at: 5_000,
            updated_by: a.charlie,
            updated_at: 5_000,
            retention_until: 5_000 + DEFAULT_RETENTION_MS,
        }
    );
    assert_eq!(view.record_id, 1);
    assert!(!view.emergency);
}

#[ink::test]
fn create_record_refuses_an_empty_or_overlong_locator() {
    let a = accounts();
    let mut c = setup();
    for bad in [Vec::new(), vec![b'x'; MAX_LOCATOR_LEN + 1]] {
        refused(&mut c, 1, a.charlie, Error::InvalidLocator, |c| {
            set_caller(a.charlie);
            c.create_record(
                a.bob,
                RT,
                h(1),
                bad,
                KEY_ID,
                SIZE,
                0,
                Confidentiality::Normal,
            )
        });
    }
    set_caller(a.charlie);
    assert_eq!(
        c.create_record(
            a.bob,
            RT,
            h(1),
            vec![b'x'; MAX_LOCATOR_LEN],
            KEY_ID,
            SIZE,
            0,
            Confidentiality::Normal
        ),
        Ok(1)
    );
    assert_eq!(MAX_LOCATOR_LEN, 128);
}

#[ink::test]
fn create_record_refuses_an_all_zero_data_hash() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.charlie, Error::InvalidDataHash, |c| {
        set_caller(a.charlie);
        c.create_record(
            a.bob,
            RT,
            [0; 32],
            locator(1),
            KEY_ID,
            SIZE,
            0,
            Confidentiality::Normal,
        )
    });
}

#[ink::test]
fn create_record_refuses_a_duplicate_data_hash() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, id, a.charlie, Error::DuplicateRecord, |c| {
        create_as(c, a.charlie, RT, 1)
    });
    // also the hash of an earlier version
    assert_eq!(update_as(&mut c, a.charlie, id, 2), Ok(2));
    refused(&mut c, id, a.charlie, Error::DuplicateRecord, |c| {
        create_as(c, a.charlie, RT, 1)
    });
}

#[ink::test]
fn create_record_is_refused_while_paused() {
    let a = accounts();
    let mut c = setup();
    c.pause().unwrap();
    refused(&mut c, 1, a.charlie, Error::ContractPaused, |c| {
        create_as(c, a.charlie, RT, 1)
    });
}

#[ink::test]
fn a_patient_cannot_create_its_own_record() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.bob, Error::ProviderNotRegistered, |c| {
        create_as(c, a.bob, RT, 1)
    });
    // nor can its delegate
    refused(&mut c, 1, a.eve, Error::ProviderNotRegistered, |c| {
        create_as(c, a.eve, RT, 1)
    });
}

// ----------------------------------------------------------------------
// the access decision, for Write (create_record)
// ----------------------------------------------------------------------

#[ink::test]
fn create_by_an_unregistered_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    // consent and permission, but not registered in access-control
    mock::consent(a.bob, a.frank, DataType::All);
    grant(&mut c, a.frank, RT, AccessLevel::Write, None, None);
    refused(&mut c, 1, a.frank, Error::ProviderNotRegistered, |c| {
        create_as(c, a.frank, RT, 1)
    });
}

#[ink::test]
fn create_by_an_unverified_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    enrol_frank(&mut c, Role::Doctor, RT, AccessLevel::Write);
    mock::add_provider(a.frank, Role::Doctor, false, true);
    refused(&mut c, 1, a.frank, Error::ProviderNotVerified, |c| {
        create_as(c, a.frank, RT, 1)
    });
}

#[ink::test]
fn create_by_an_inactive_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    enrol_frank(&mut c, Role::Doctor, RT, AccessLevel::Write);
    assert_eq!(create_as(&mut c, a.frank, RT, 1), Ok(1));
    mock::set_active(a.frank, false);
    refused(&mut c, 2, a.frank, Error::ProviderInactive, |c| {
        create_as(c, a.frank, RT, 2)
    });
}

#[ink::test]
fn create_outside_the_providers_role_is_refused() {
    let a = accounts();
    let mut c = setup();
    // a nurse may not write imaging
    enrol_frank(&mut c, Role::Nurse, RecordType::Imaging, AccessLevel::Write);
    refused(&mut c, 1, a.frank, Error::RoleNotAllowed, |c| {
        create_as(c, a.frank, RecordType::Imaging, 1)
    });
    // a technician may, with the same consent and permission
    mock::add_provider(a.frank, Role::Technician, true, true);
    assert_eq!(create_as(&mut c, a.frank, RecordType::Imaging, 1), Ok(1));
}

#[ink::test]
fn non_doctors_are_refused_sensitive_types_even_with_consent_and_permission() {
    let a = accounts();
    let mut c = setup();
    let id = create_mental_health(&mut c, 1);
    // Django (Nurse) gets the sensitive consent and Write on MentalHealth
    mock::consent(a.bob, a.django, DataType::MentalHealth);
    grant(
        &mut c,
        a.django,
        RecordType::MentalHealth,
        AccessLevel::Write,
        None,
        None,
    );
    refused(&mut c, 2, a.django, Error::RoleNotAllowed, |c| {
        create_as(c, a.django, RecordType::MentalHealth, 2)
    });
    refused(&mut c, id, a.django, Error::RoleNotAllowed, |c| {
        read_as(c, a.django, id)
    });
    // an Admin-role provider is no doctor either
    mock::add_provider(a.django, Role::Admin, true, true);
    refused(&mut c, id, a.django, Error::RoleNotAllowed, |c| {
        read_as(c, a.django, id)
    });
    // a doctor with the same consent and permission reads it
    mock::add_provider(a.django, Role::Doctor, true, true);
    assert!(read_as(&mut c, a.django, id).is_ok());
}

#[ink::test]
fn create_without_consent_is_refused() {
    let a = accounts();
    let mut c = setup();
    mock::add_provider(a.frank, Role::Doctor, true, true);
    grant(&mut c, a.frank, RT, AccessLevel::Write, None, None);
    refused(&mut c, 1, a.frank, Error::ConsentRequired, |c| {
        create_as(c, a.frank, RT, 1)
    });
    // consent for a different data type does not help
    mock::consent(a.bob, a.frank, DataType::LabResults);
    refused(&mut c, 1, a.frank, Error::ConsentRequired, |c| {
        create_as(c, a.frank, RT, 1)
    });
    mock::consent(a.bob, a.frank, DataType::MedicalRecords);
    assert_eq!(create_as(&mut c, a.frank, RT, 1), Ok(1));
}

#[ink::test]
fn create_without_permission_is_refused() {
    let a = accounts();
    let mut c = setup();
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    refused(&mut c, 1, a.frank, Error::NoPermission, |c| {
        create_as(c, a.frank, RT, 1)
    });
    // a permission on another record type does not help
    grant(
        &mut c,
        a.frank,
        RecordType::Vitals,
        AccessLevel::Admin,
        None,
        None,
    );
    refused(&mut c, 1, a.frank, Error::NoPermission, |c| {
        create_as(c, a.frank, RT, 1)
    });
}

#[ink::test]
fn create_with_an_expired_permission_is_refused_from_exactly_expires_at() {
    let a = accounts();
    let mut c = setup();
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    grant(&mut c, a.frank, RT, AccessLevel::Write, Some(500), None);
    assert_eq!(
        c.get_permission(a.bob, a.frank, RT).unwrap().expires_at,
        Some(T0 + 500)
    );
    set_time(T0 + 499);
    assert_eq!(create_as(&mut c, a.frank, RT, 1), Ok(1));
    set_time(T0 + 500);
    refused(&mut c, 2, a.frank, Error::PermissionExpired, |c| {
        create_as(c, a.frank, RT, 2)
    });
}

#[ink::test]
fn create_with_only_read_permission_is_refused() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.django, Error::InsufficientAccessLevel, |c| {
        create_as(c, a.django, RT, 1)
    });
    // Write and Admin both satisfy Write
    grant(&mut c, a.django, RT, AccessLevel::Write, None, None);
    assert_eq!(create_as(&mut c, a.django, RT, 1), Ok(1));
}

#[ink::test]
fn create_when_access_control_is_unavailable_is_refused() {
    let a = accounts();
    world();
    // deployed against an address where no access-control lives
    let mut c = RecordManagement::new(consent_addr(), nowhere());
    set_caller(a.bob);
    c.grant_permission(a.bob, a.charlie, RT, AccessLevel::Write, None, None)
        .unwrap();
    refused(&mut c, 1, a.charlie, Error::AccessControlUnavailable, |c| {
        create_as(c, a.charlie, RT, 1)
    });
    // rewired to the deployed one, the same call works
    set_caller(a.alice);
    c.set_contract_addresses(consent_addr(), access_control_addr())
        .unwrap();
    assert_eq!(create_as(&mut c, a.charlie, RT, 1), Ok(1));
}

#[ink::test]
fn create_when_the_consent_contract_is_unavailable_is_refused() {
    let a = accounts();
    world();
    let mut c = RecordManagement::new(nowhere(), access_control_addr());
    // no grant can be made either: acts_for cannot be asked
    set_caller(a.bob);
    refused(
        &mut c,
        1,
        a.charlie,
        Error::ConsentContractUnavailable,
        |c| c.grant_permission(a.bob, a.charlie, RT, AccessLevel::Write, None, None),
    );
    refused(
        &mut c,
        1,
        a.charlie,
        Error::ConsentContractUnavailable,
        |c| create_as(c, a.charlie, RT, 1),
    );
}

#[ink::test]
fn consent_for_all_covers_lab_results_but_not_mental_health() {
    let a = accounts();
    let mut c = setup();
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    grant(
        &mut c,
        a.frank,
        RecordType::LabResults,
        AccessLevel::Write,
        None,
        None,
    );
    grant(
        &mut c,
        a.frank,
        RecordType::MentalHealth,
        AccessLevel::Write,
        None,
        None,
    );
    assert_eq!(create_as(&mut c, a.frank, RecordType::LabResults, 1), Ok(1));
    refused(&mut c, 2, a.frank, Error::ConsentRequired, |c| {
        create_as(c, a.frank, RecordType::MentalHealth, 2)
    });
    mock::consent(a.bob, a.frank, DataType::MentalHealth);
    assert_eq!(
        create_as(&mut c, a.frank, RecordType::MentalHealth, 2),
        Ok(2)
    );
}

#[ink::test]
fn an_emergency_window_does_not_allow_writing() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    // no consent, no permission: only the window
    mock::add_provider(a.frank, Role::Emergency, true, true);
    mock::open_window(a.frank, a.bob);
    refused(&mut c, 2, a.frank, Error::EmergencyAccessReadOnly, |c| {
        create_as(c, a.frank, RT, 2)
    });
    refused(&mut c, id, a.frank, Error::EmergencyAccessReadOnly, |c| {
        update_as(c, a.frank, id, 3)
    });
    refused(&mut c, id, a.frank, Error::EmergencyAccessReadOnly, |c| {
        set_caller(a.frank);
        c.lock_record(a.bob, id)
    });
    // with consent and a Read permission, Write is still refused as read-only
    mock::consent(a.bob, a.frank, DataType::All);
    grant(&mut c, a.frank, RT, AccessLevel::Read, None, None);
    refused(&mut c, 2, a.frank, Error::EmergencyAccessReadOnly, |c| {
        create_as(c, a.frank, RT, 2)
    });
    // a Write permission still works alongside the window
    grant(&mut c, a.frank, RT, AccessLevel::Write, None, None);
    assert_eq!(create_as(&mut c, a.frank, RT, 2), Ok(2));
}

// ----------------------------------------------------------------------
// the access decision, for Read (get_record)
// ----------------------------------------------------------------------

#[ink::test]
fn read_by_an_unregistered_non_delegate_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::consent(a.bob, a.frank, DataType::All);
    grant(&mut c, a.frank, RT, AccessLevel::Read, None, None);
    refused(&mut c, id, a.frank, Error::ProviderNotRegistered, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn read_by_an_unverified_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    enrol_frank(&mut c, Role::Doctor, RT, AccessLevel::Read);
    mock::add_provider(a.frank, Role::Doctor, false, true);
    refused(&mut c, id, a.frank, Error::ProviderNotVerified, |c| {
        read_as(c, a.frank, id)
    });
    // an emergency window does not help an unverified provider
    mock::open_window(a.frank, a.bob);
    refused(&mut c, id, a.frank, Error::ProviderNotVerified, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn read_by_an_inactive_provider_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    enrol_frank(&mut c, Role::Doctor, RT, AccessLevel::Read);
    assert!(read_as(&mut c, a.frank, id).is_ok());
    mock::set_active(a.frank, false);
    refused(&mut c, id, a.frank, Error::ProviderInactive, |c| {
        read_as(c, a.frank, id)
    });
    mock::open_window(a.frank, a.bob);
    refused(&mut c, id, a.frank, Error::ProviderInactive, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn read_outside_the_providers_role_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    // a technician may not read MedicalRecords
    enrol_frank(&mut c, Role::Technician, RT, AccessLevel::Read);
    refused(&mut c, id, a.frank, Error::RoleNotAllowed, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn read_without_consent_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::revoke_consent(a.bob, a.django, DataType::All);
    refused(&mut c, id, a.django, Error::ConsentRequired, |c| {
        read_as(c, a.django, id)
    });
}

#[ink::test]
fn read_without_permission_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    refused(&mut c, id, a.frank, Error::NoPermission, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn read_with_an_expired_permission_is_refused_from_exactly_expires_at() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    grant(&mut c, a.frank, RT, AccessLevel::Read, Some(500), None);
    set_time(T0 + 499);
    assert!(read_as(&mut c, a.frank, id).is_ok());
    set_time(T0 + 500);
    refused(&mut c, id, a.frank, Error::PermissionExpired, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn read_quota_counts_reads_and_is_refused_once_used_up() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    let quota = Quota {
        max_reads: Some(2),
        max_bytes: None,
    };
    grant(&mut c, a.frank, RT, AccessLevel::Read, None, Some(quota));
    assert!(read_as(&mut c, a.frank, id).is_ok());
    let p = c.get_permission(a.bob, a.frank, RT).unwrap();
    assert_eq!((p.reads_used, p.bytes_used), (1, SIZE));
    assert!(read_as(&mut c, a.frank, id).is_ok());
    let p = c.get_permission(a.bob, a.frank, RT).unwrap();
    assert_eq!((p.reads_used, p.bytes_used), (2, 2 * SIZE));
    refused(&mut c, id, a.frank, Error::QuotaExhausted, |c| {
        read_as(c, a.frank, id)
    });
    // re-granting restarts the usage
    grant(&mut c, a.frank, RT, AccessLevel::Read, None, Some(quota));
    let p = c.get_permission(a.bob, a.frank, RT).unwrap();
    assert_eq!((p.reads_used, p.bytes_used), (0, 0));
    assert!(read_as(&mut c, a.frank, id).is_ok());
}

#[ink::test]
fn byte_quota_allows_reads_up_to_exactly_the_limit() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    let quota = Quota {
        max_reads: None,
        max_bytes: Some(2 * SIZE),
    };
    grant(&mut c, a.frank, RT, AccessLevel::Read, None, Some(quota));
    assert!(read_as(&mut c, a.frank, id).is_ok());
    assert!(read_as(&mut c, a.frank, id).is_ok());
    assert_eq!(
        c.get_permission(a.bob, a.frank, RT).unwrap().bytes_used,
        2 * SIZE
    );
    refused(&mut c, id, a.frank, Error::QuotaExhausted, |c| {
        read_as(c, a.frank, id)
    });
    // a limit smaller than one record refuses the first read
    let tiny = Quota {
        max_reads: Some(10),
        max_bytes: Some(SIZE - 1),
    };
    grant(&mut c, a.frank, RT, AccessLevel::Read, None, Some(tiny));
    refused(&mut c, id, a.frank, Error::QuotaExhausted, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn reads_without_a_quota_are_not_counted_on_the_permission() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    assert!(read_as(&mut c, a.django, id).is_ok());
    assert!(read_as(&mut c, a.django, id).is_ok());
    let p = c.get_permission(a.bob, a.django, RT).unwrap();
    assert_eq!((p.reads_used, p.bytes_used), (0, 0));
    assert_eq!(c.provider_stats(a.django).reads, 2);
}

#[ink::test]
fn read_when_the_other_contracts_are_unavailable_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::set_addresses(Some(consent_addr()), None);
    refused(&mut c, id, a.django, Error::AccessControlUnavailable, |c| {
        read_as(c, a.django, id)
    });
    mock::set_addresses(None, Some(access_control_addr()));
    refused(
        &mut c,
        id,
        a.django,
        Error::ConsentContractUnavailable,
        |c| read_as(c, a.django, id),
    );
    // a delegate's read asks patient-consent too
    refused(&mut c, id, a.eve, Error::ConsentContractUnavailable, |c| {
        read_as(c, a.eve, id)
    });
    // the patient asks nobody
    assert!(read_as(&mut c, a.bob, id).is_ok());
}

// ----------------------------------------------------------------------
// emergency reads, the patient and its delegate
// ----------------------------------------------------------------------

#[ink::test]
fn an_emergency_window_allows_reading_without_consent_or_permission() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::add_provider(a.frank, Role::Emergency, true, true);
    refused(&mut c, id, a.frank, Error::ConsentRequired, |c| {
        read_as(c, a.frank, id)
    });
    mock::open_window(a.frank, a.bob);
    set_time(3_000);
    let events = event_count();
    set_caller(a.frank);
    let view = c
        .get_record(a.bob, id, Purpose::EmergencyTreatment)
        .unwrap();
    assert!(view.emergency);
    assert_eq!(view.record_id, id);
    assert_eq!(view.meta.data_hash, h(1));
    assert_eq!(view.wrapped_key, None);
    assert_eq!(event_count(), events + 1);
    assert_eq!(
        c.provider_stats(a.frank),
        ProviderStats {
            records_created: 0,
            records_updated: 0,
            reads: 1,
            emergency_reads: 1,
        }
    );
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.actor, a.frank);
    assert_eq!(entry.action, AuditAction::EmergencyRead);
    assert_eq!(entry.record_id, Some(id));
    assert_eq!(entry.purpose, Some(Purpose::EmergencyTreatment));
    assert_eq!(entry.at, 3_000);
    // closing the window ends it
    mock::close_window(a.frank, a.bob);
    refused(&mut c, id, a.frank, Error::ConsentRequired, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn an_emergency_window_reads_sensitive_records_the_role_does_not_allow() {
    let a = accounts();
    let mut c = setup();
    let id = create_mental_health(&mut c, 1);
    mock::add_provider(a.frank, Role::Emergency, true, true);
    refused(&mut c, id, a.frank, Error::RoleNotAllowed, |c| {
        read_as(c, a.frank, id)
    });
    mock::open_window(a.frank, a.bob);
    assert!(read_as(&mut c, a.frank, id).unwrap().emergency);
}

#[ink::test]
fn a_provider_with_a_permission_and_a_window_reads_normally() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::open_window(a.django, a.bob);
    let view = read_as(&mut c, a.django, id).unwrap();
    assert!(!view.emergency);
    assert_eq!(last_audit(&c, a.bob).action, AuditAction::Read);
    assert_eq!(c.provider_stats(a.django).emergency_reads, 0);
}

#[ink::test]
fn the_patient_reads_its_own_record_without_asking_anyone() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    // neither other contract is reachable, and nobody is registered
    mock::reset();
    assert_eq!(
        c.authorize(a.bob, a.bob, RT, AccessLevel::Read, Some((id, SIZE))),
        Ok(Access::Patient)
    );
    let events = event_count();
    set_caller(a.bob);
    let view = c.get_record(a.bob, id, Purpose::PatientRequest).unwrap();
    assert!(!view.emergency);
    assert_eq!(event_count(), events + 1);
    assert_eq!(c.provider_stats(a.bob), ProviderStats::default());
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.actor, a.bob);
    assert_eq!(entry.action, AuditAction::Read);
    assert_eq!(entry.purpose, Some(Purpose::PatientRequest));
}

#[ink::test]
fn a_delegate_reads_the_patients_record() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    assert_eq!(
        c.authorize(a.eve, a.bob, RT, AccessLevel::Read, Some((id, SIZE))),
        Ok(Access::Delegate)
    );
    let view = read_as(&mut c, a.eve, id).unwrap();
    assert!(!view.emergency);
    assert_eq!(c.provider_stats(a.eve), ProviderStats::default());
    let entry = last_audit(&c, a.bob);
    assert_eq!((entry.actor, entry.action), (a.eve, AuditAction::Read));
    // once the delegation ends, Eve is nobody
    mock::undelegate(a.bob, a.eve);
    refused(&mut c, id, a.eve, Error::ProviderNotRegistered, |c| {
        read_as(c, a.eve, id)
    });
}

#[ink::test]
fn the_access_decision_names_how_access_was_allowed() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    let rec = Some((id, SIZE));
    assert_eq!(
        c.authorize(a.charlie, a.bob, RT, AccessLevel::Admin, rec),
        Ok(Access::Permission)
    );
    assert_eq!(
        c.authorize(a.django, a.bob, RT, AccessLevel::Read, rec),
        Ok(Access::Permission)
    );
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    set_caller(a.bob);
    c.share_record(a.bob, id, a.frank, 1_000).unwrap();
    assert_eq!(
        c.authorize(a.frank, a.bob, RT, AccessLevel::Read, rec),
        Ok(Access::RecordShare)
    );
    // a share is for reading one record only
    assert_eq!(
        c.authorize(a.frank, a.bob, RT, AccessLevel::Write, rec),
        Err(Error::NoPermission)
    );
    assert_eq!(
        c.authorize(a.frank, a.bob, RT, AccessLevel::Read, Some((id + 1, SIZE))),
        Err(Error::NoPermission)
    );
    mock::add_provider(a.alice, Role::Emergency, true, true);
    mock::open_window(a.alice, a.bob);
    assert_eq!(
        c.authorize(a.alice, a.bob, RT, AccessLevel::Read, rec),
        Ok(Access::Emergency)
    );
    // the patient writing is not "the patient reading"
    assert_eq!(
        c.authorize(a.bob, a.bob, RT, AccessLevel::Write, None),
        Err(Error::ProviderNotRegistered)
    );
}

// ----------------------------------------------------------------------
// get_record
// ----------------------------------------------------------------------

#[ink::test]
fn get_record_of_an_unknown_id_or_another_patient_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, 99, a.charlie, Error::RecordNotFound, |c| {
        read_as(c, a.charlie, 99)
    });
    refused(&mut c, id, a.charlie, Error::RecordNotFound, |c| {
        set_caller(a.charlie);
        c.get_record(a.frank, id, Purpose::Treatment)
    });
    // Frank cannot read Bob's record as "his own" either
    refused(&mut c, id, a.frank, Error::RecordNotFound, |c| {
        set_caller(a.frank);
        c.get_record(a.frank, id, Purpose::PatientRequest)
    });
}

#[ink::test]
fn get_record_of_a_locked_record_is_refused_even_to_the_patient() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.charlie);
    c.lock_record(a.bob, id).unwrap();
    for who in [a.bob, a.charlie, a.django, a.eve] {
        refused(&mut c, id, who, Error::RecordLocked, |c| {
            read_as(c, who, id)
        });
    }
}

#[ink::test]
fn get_record_of_a_deleted_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(T0 + DEFAULT_RETENTION_MS);
    set_caller(a.charlie);
    c.delete_record(a.bob, id).unwrap();
    for who in [a.bob, a.charlie, a.django] {
        refused(&mut c, id, who, Error::RecordDeleted, |c| {
            read_as(c, who, id)
        });
    }
}

#[ink::test]
fn archived_and_under_review_records_stay_readable() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.charlie);
    c.set_record_status(a.bob, id, RecordStatus::UnderReview)
        .unwrap();
    assert_eq!(
        read_as(&mut c, a.django, id).unwrap().meta.status,
        RecordStatus::UnderReview
    );
    set_caller(a.charlie);
    c.archive_record(a.bob, id).unwrap();
    assert_eq!(
        read_as(&mut c, a.django, id).unwrap().meta.status,
        RecordStatus::Archived
    );
    assert!(read_as(&mut c, a.bob, id).is_ok());
}

#[ink::test]
fn get_record_is_refused_while_paused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.alice);
    c.pause().unwrap();
    for who in [a.bob, a.django] {
        refused(&mut c, id, who, Error::ContractPaused, |c| {
            read_as(c, who, id)
        });
    }
}

#[ink::test]
fn a_record_share_lets_a_consented_provider_read_that_record_until_it_expires() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    let other = create(&mut c, 2);
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::MedicalRecords);
    refused(&mut c, id, a.frank, Error::NoPermission, |c| {
        read_as(c, a.frank, id)
    });
    set_time(2_000);
    set_caller(a.bob);
    assert_eq!(c.share_record(a.bob, id, a.frank, 500), Ok(2_500));
    set_time(2_499);
    let view = read_as(&mut c, a.frank, id).unwrap();
    assert!(!view.emergency);
    assert_eq!(c.provider_stats(a.frank).reads, 1);
    assert_eq!(c.get_permission(a.bob, a.frank, RT), None);
    // only that record, and only reading
    refused(&mut c, other, a.frank, Error::NoPermission, |c| {
        read_as(c, a.frank, other)
    });
    refused(&mut c, id, a.frank, Error::NoPermission, |c| {
        update_as(c, a.frank, id, 3)
    });
    // the provider still needs the consent
    mock::revoke_consent(a.bob, a.frank, DataType::MedicalRecords);
    refused(&mut c, id, a.frank, Error::ConsentRequired, |c| {
        read_as(c, a.frank, id)
    });
    mock::consent(a.bob, a.frank, DataType::MedicalRecords);
    // expired at exactly expires_at
    set_time(2_500);
    refused(&mut c, id, a.frank, Error::NoPermission, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn a_record_share_outlives_an_expired_or_used_up_permission() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    let quota = Quota {
        max_reads: Some(1),
        max_bytes: None,
    };
    grant(
        &mut c,
        a.frank,
        RT,
        AccessLevel::Read,
        Some(10_000),
        Some(quota),
    );
    assert!(read_as(&mut c, a.frank, id).is_ok());
    refused(&mut c, id, a.frank, Error::QuotaExhausted, |c| {
        read_as(c, a.frank, id)
    });
    set_caller(a.bob);
    c.share_record(a.bob, id, a.frank, 100_000).unwrap();
    assert!(read_as(&mut c, a.frank, id).is_ok());
    // reads through the share do not count on the permission
    assert_eq!(c.get_permission(a.bob, a.frank, RT).unwrap().reads_used, 1);
    set_time(T0 + 10_000);
    assert!(read_as(&mut c, a.frank, id).is_ok());
}

#[ink::test]
fn a_wrapped_key_is_returned_only_to_its_recipient() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    assert_eq!(
        read_as(&mut c, a.django, id).unwrap().wrapped_key,
        Some(vec![1; 80])
    );
    assert_eq!(read_as(&mut c, a.charlie, id).unwrap().wrapped_key, None);
    assert_eq!(read_as(&mut c, a.bob, id).unwrap().wrapped_key, None);
    assert_eq!(read_as(&mut c, a.eve, id).unwrap().wrapped_key, None);
}

#[ink::test]
fn revoking_the_permission_voids_the_recipients_wrapped_key() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    c.revoke_permission(a.bob, a.django, RT).unwrap();
    // the key is still stored, but stale
    assert_eq!(c.get_wrapped_key(id, a.django).unwrap().epoch, 0);
    refused(&mut c, id, a.django, Error::NoPermission, |c| {
        read_as(c, a.django, id)
    });
    // a new permission does not revive the old key
    grant(&mut c, a.django, RT, AccessLevel::Read, None, None);
    assert_eq!(read_as(&mut c, a.django, id).unwrap().wrapped_key, None);
    // a key shared again after the revocation is valid
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![2; 80]).unwrap();
    assert_eq!(c.get_wrapped_key(id, a.django).unwrap().epoch, 1);
    assert_eq!(
        read_as(&mut c, a.django, id).unwrap().wrapped_key,
        Some(vec![2; 80])
    );
}

#[ink::test]
fn re_encrypting_a_record_voids_keys_wrapped_for_the_old_data_key() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    // new ciphertext, same data key: the key stays valid
    assert_eq!(update_as(&mut c, a.charlie, id, 2), Ok(2));
    assert_eq!(
        read_as(&mut c, a.django, id).unwrap().wrapped_key,
        Some(vec![1; 80])
    );
    // a new data key: the old wrapped key is no longer handed out
    set_caller(a.charlie);
    c.update_record(a.bob, id, h(3), locator(3), [0x33; 32], SIZE)
        .unwrap();
    assert_eq!(read_as(&mut c, a.django, id).unwrap().wrapped_key, None);
    assert_eq!(c.get_wrapped_key(id, a.django).unwrap().key_id, KEY_ID);
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![3; 80]).unwrap();
    assert_eq!(
        read_as(&mut c, a.django, id).unwrap().wrapped_key,
        Some(vec![3; 80])
    );
}

// ----------------------------------------------------------------------
// update_record
// ----------------------------------------------------------------------

#[ink::test]
fn update_record_adds_a_version_and_keeps_the_earlier_one() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    enrol_frank(&mut c, Role::Doctor, RT, AccessLevel::Write);
    set_time(4_000);
    let events = event_count();
    set_caller(a.frank);
    assert_eq!(
        c.update_record(a.bob, id, h(2), locator(2), [0x22; 32], 250),
        Ok(2)
    );
    assert_eq!(event_count(), events + 1);
    let v1 = VersionEntry {
        data_hash: h(1),
        key_id: KEY_ID,
        size: SIZE,
        author: a.charlie,
        at: T0,
    };
    let v2 = VersionEntry {
        data_hash: h(2),
        key_id: [0x22; 32],
        size: 250,
        author: a.frank,
        at: 4_000,
    };
    assert_eq!(c.record_version(id, 1), Some(v1.clone()));
    assert_eq!(c.record_version(id, 2), Some(v2.clone()));
    assert_eq!(c.record_version(id, 3), None);
    assert_eq!(
        c.record_versions(id, 1, MAX_PAGE),
        vec![v1.clone(), v2.clone()]
    );
    assert_eq!(c.record_versions(id, 2, 1), vec![v2.clone()]);
    // version numbers start at 1: `from = 0` reads as 1 and still fills the page
    assert_eq!(c.record_versions(id, 0, 2), vec![v1.clone(), v2]);
    assert_eq!(c.provider_stats(a.frank).records_updated, 1);
    assert_eq!(c.stats().total_records, 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.actor, a.frank);
    assert_eq!(entry.action, AuditAction::Updated);
    assert_eq!(entry.record_id, Some(id));
    assert_eq!(entry.at, 4_000);
    let meta = read_as(&mut c, a.bob, id).unwrap().meta;
    assert_eq!(meta.version, 2);
    assert_eq!(meta.data_hash, h(2));
    assert_eq!(meta.locator, locator(2));
    assert_eq!(meta.key_id, [0x22; 32]);
    assert_eq!(meta.size, 250);
    assert_eq!((meta.created_by, meta.created_at), (a.charlie, T0));
    assert_eq!((meta.updated_by, meta.updated_at), (a.frank, 4_000));
    assert_eq!(meta.retention_until, T0 + DEFAULT_RETENTION_MS);
    assert_eq!(meta.status, RecordStatus::Active);
}

#[ink::test]
fn a_record_under_review_can_be_updated() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.charlie);
    c.set_record_status(a.bob, id, RecordStatus::UnderReview)
        .unwrap();
    assert_eq!(update_as(&mut c, a.charlie, id, 2), Ok(2));
    assert_eq!(c.record_status(id), Some(RecordStatus::UnderReview));
}

#[ink::test]
fn update_record_refuses_invalid_content() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    for bad in [Vec::new(), vec![b'x'; MAX_LOCATOR_LEN + 1]] {
        refused(&mut c, id, a.charlie, Error::InvalidLocator, |c| {
            set_caller(a.charlie);
            c.update_record(a.bob, id, h(2), bad, KEY_ID, SIZE)
        });
    }
    refused(&mut c, id, a.charlie, Error::InvalidDataHash, |c| {
        set_caller(a.charlie);
        c.update_record(a.bob, id, [0; 32], locator(2), KEY_ID, SIZE)
    });
}

#[ink::test]
fn update_of_an_unknown_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, 99, a.charlie, Error::RecordNotFound, |c| {
        update_as(c, a.charlie, 99, 2)
    });
    refused(&mut c, id, a.charlie, Error::RecordNotFound, |c| {
        set_caller(a.charlie);
        c.update_record(a.frank, id, h(2), locator(2), KEY_ID, SIZE)
    });
}

#[ink::test]
fn update_of_a_locked_archived_or_deleted_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let locked = create(&mut c, 1);
    let archived = create(&mut c, 2);
    let deleted = create(&mut c, 3);
    set_caller(a.charlie);
    c.lock_record(a.bob, locked).unwrap();
    c.archive_record(a.bob, archived).unwrap();
    set_time(T0 + DEFAULT_RETENTION_MS);
    c.delete_record(a.bob, deleted).unwrap();
    refused(&mut c, locked, a.charlie, Error::RecordLocked, |c| {
        update_as(c, a.charlie, locked, 9)
    });
    refused(&mut c, archived, a.charlie, Error::RecordArchived, |c| {
        update_as(c, a.charlie, archived, 9)
    });
    refused(&mut c, deleted, a.charlie, Error::RecordDeleted, |c| {
        update_as(c, a.charlie, deleted, 9)
    });
}

#[ink::test]
fn update_to_a_data_hash_already_on_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    create(&mut c, 2);
    // another record's hash
    refused(&mut c, id, a.charlie, Error::DuplicateRecord, |c| {
        update_as(c, a.charlie, id, 2)
    });
    // the record's own current hash
    refused(&mut c, id, a.charlie, Error::DuplicateRecord, |c| {
        update_as(c, a.charlie, id, 1)
    });
}

#[ink::test]
fn update_with_only_read_permission_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, id, a.django, Error::InsufficientAccessLevel, |c| {
        update_as(c, a.django, id, 2)
    });
    // neither the patient nor its delegate writes
    refused(&mut c, id, a.bob, Error::ProviderNotRegistered, |c| {
        update_as(c, a.bob, id, 2)
    });
    refused(&mut c, id, a.eve, Error::ProviderNotRegistered, |c| {
        update_as(c, a.eve, id, 2)
    });
}

#[ink::test]
fn update_record_is_refused_while_paused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.alice);
    c.pause().unwrap();
    refused(&mut c, id, a.charlie, Error::ContractPaused, |c| {
        update_as(c, a.charlie, id, 2)
    });
}

// ----------------------------------------------------------------------
// archive_record / set_record_status
// ----------------------------------------------------------------------

#[ink::test]
fn an_admin_archives_a_record() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(6_000);
    let events = event_count();
    set_caller(a.charlie);
    assert_eq!(c.archive_record(a.bob, id), Ok(()));
    assert_eq!(c.record_status(id), Some(RecordStatus::Archived));
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.actor, a.charlie);
    assert_eq!(entry.action, AuditAction::StatusChanged);
    assert_eq!(entry.status, Some(RecordStatus::Archived));
    assert_eq!(entry.record_id, Some(id));
    assert_eq!(entry.at, 6_000);
    let meta = read_as(&mut c, a.bob, id).unwrap().meta;
    assert_eq!((meta.updated_by, meta.updated_at), (a.charlie, 6_000));
    assert_eq!(meta.version, 1);
}

#[ink::test]
fn set_record_status_moves_between_active_under_review_and_archived() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.charlie);
    for status in [
        RecordStatus::UnderReview,
        RecordStatus::Archived,
        RecordStatus::Active,
        RecordStatus::Archived,
        RecordStatus::UnderReview,
        RecordStatus::Active,
    ] {
        assert_eq!(c.set_record_status(a.bob, id, status), Ok(()));
        assert_eq!(c.record_status(id), Some(status));
        assert_eq!(last_audit(&c, a.bob).status, Some(status));
    }
}

#[ink::test]
fn set_record_status_refuses_locked_deleted_and_the_current_status() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(T0 + DEFAULT_RETENTION_MS);
    for target in [
        RecordStatus::Locked,
        RecordStatus::Deleted,
        RecordStatus::Active,
    ] {
        refused(&mut c, id, a.charlie, Error::InvalidStatusTransition, |c| {
            set_caller(a.charlie);
            c.set_record_status(a.bob, id, target)
        });
    }
    set_caller(a.charlie);
    c.archive_record(a.bob, id).unwrap();
    refused(&mut c, id, a.charlie, Error::InvalidStatusTransition, |c| {
        set_caller(a.charlie);
        c.archive_record(a.bob, id)
    });
}

#[ink::test]
fn set_record_status_of_a_locked_deleted_or_unknown_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let locked = create(&mut c, 1);
    let deleted = create(&mut c, 2);
    set_caller(a.charlie);
    c.lock_record(a.bob, locked).unwrap();
    set_time(T0 + DEFAULT_RETENTION_MS);
    c.delete_record(a.bob, deleted).unwrap();
    refused(&mut c, locked, a.charlie, Error::RecordLocked, |c| {
        set_caller(a.charlie);
        c.archive_record(a.bob, locked)
    });
    refused(&mut c, deleted, a.charlie, Error::RecordDeleted, |c| {
        set_caller(a.charlie);
        c.set_record_status(a.bob, deleted, RecordStatus::Active)
    });
    refused(&mut c, 99, a.charlie, Error::RecordNotFound, |c| {
        set_caller(a.charlie);
        c.archive_record(a.bob, 99)
    });
    refused(&mut c, locked, a.charlie, Error::RecordNotFound, |c| {
        set_caller(a.charlie);
        c.archive_record(a.frank, locked)
    });
}

#[ink::test]
fn status_changes_need_admin() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    let locked = create(&mut c, 2);
    set_caller(a.charlie);
    c.lock_record(a.bob, locked).unwrap();
    enrol_frank(&mut c, Role::Doctor, RT, AccessLevel::Write);
    set_time(T0 + DEFAULT_RETENTION_MS);
    for (who, err) in [
        (a.frank, Error::InsufficientAccessLevel),
        (a.django, Error::InsufficientAccessLevel),
        (a.bob, Error::ProviderNotRegistered),
        (a.eve, Error::ProviderNotRegistered),
    ] {
        refused(&mut c, id, who, err, |c| {
            set_caller(who);
            c.archive_record(a.bob, id)
        });
        refused(&mut c, id, who, err, |c| {
            set_caller(who);
            c.set_record_status(a.bob, id, RecordStatus::UnderReview)
        });
        refused(&mut c, id, who, err, |c| {
            set_caller(who);
            c.lock_record(a.bob, id)
        });
        refused(&mut c, locked, who, err, |c| {
            set_caller(who);
            c.unlock_record(a.bob, locked)
        });
        refused(&mut c, id, who, err, |c| {
            set_caller(who);
            c.delete_record(a.bob, id)
        });
    }
    // the same permission at Admin is enough
    grant(&mut c, a.frank, RT, AccessLevel::Admin, None, None);
    set_caller(a.frank);
    assert_eq!(c.archive_record(a.bob, id), Ok(()));
}

// ----------------------------------------------------------------------
// lock_record / unlock_record
// ----------------------------------------------------------------------

#[ink::test]
fn lock_and_unlock_restore_the_status_the_record_had() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    for before in [
        RecordStatus::Active,
        RecordStatus::Archived,
        RecordStatus::UnderReview,
    ] {
        set_caller(a.charlie);
        if c.record_status(id) != Some(before) {
            c.set_record_status(a.bob, id, before).unwrap();
        }
        let events = event_count();
        assert_eq!(c.lock_record(a.bob, id), Ok(()));
        assert_eq!(c.record_status(id), Some(RecordStatus::Locked));
        assert_eq!(last_audit(&c, a.bob).status, Some(RecordStatus::Locked));
        assert_eq!(c.unlock_record(a.bob, id), Ok(()));
        assert_eq!(c.record_status(id), Some(before));
        let entry = last_audit(&c, a.bob);
        assert_eq!(entry.action, AuditAction::StatusChanged);
        assert_eq!(entry.status, Some(before));
        assert_eq!(event_count(), events + 2);
        let meta = read_as(&mut c, a.bob, id).unwrap().meta;
        assert_eq!(meta.status_before_lock, None);
    }
}

#[ink::test]
fn a_locked_record_cannot_be_locked_again_archived_or_deleted() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.charlie);
    c.lock_record(a.bob, id).unwrap();
    set_time(T0 + DEFAULT_RETENTION_MS);
    refused(&mut c, id, a.charlie, Error::RecordLocked, |c| {
        set_caller(a.charlie);
        c.lock_record(a.bob, id)
    });
    refused(&mut c, id, a.charlie, Error::RecordLocked, |c| {
        set_caller(a.charlie);
        c.delete_record(a.bob, id)
    });
    refused(&mut c, id, a.charlie, Error::RecordLocked, |c| {
        set_caller(a.charlie);
        c.set_record_status(a.bob, id, RecordStatus::Archived)
    });
}

#[ink::test]
fn lock_of_a_deleted_or_unknown_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(T0 + DEFAULT_RETENTION_MS);
    set_caller(a.charlie);
    c.delete_record(a.bob, id).unwrap();
    refused(&mut c, id, a.charlie, Error::RecordDeleted, |c| {
        set_caller(a.charlie);
        c.lock_record(a.bob, id)
    });
    refused(&mut c, 99, a.charlie, Error::RecordNotFound, |c| {
        set_caller(a.charlie);
        c.lock_record(a.bob, 99)
    });
}

#[ink::test]
fn unlock_of_a_record_that_is_not_locked_is_refused() {
    let a = accounts();
    let mut c = setup();
    let active = create(&mut c, 1);
    let deleted = create(&mut c, 2);
    set_time(T0 + DEFAULT_RETENTION_MS);
    set_caller(a.charlie);
    c.delete_record(a.bob, deleted).unwrap();
    for id in [active, deleted] {
        refused(&mut c, id, a.charlie, Error::RecordNotLocked, |c| {
            set_caller(a.charlie);
            c.unlock_record(a.bob, id)
        });
    }
    refused(&mut c, 99, a.charlie, Error::RecordNotFound, |c| {
        set_caller(a.charlie);
        c.unlock_record(a.bob, 99)
    });
}

#[ink::test]
fn lock_and_unlock_are_refused_while_paused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    let locked = create(&mut c, 2);
    set_caller(a.charlie);
    c.lock_record(a.bob, locked).unwrap();
    set_caller(a.alice);
    c.pause().unwrap();
    refused(&mut c, id, a.charlie, Error::ContractPaused, |c| {
        set_caller(a.charlie);
        c.lock_record(a.bob, id)
    });
    refused(&mut c, locked, a.charlie, Error::ContractPaused, |c| {
        set_caller(a.charlie);
        c.unlock_record(a.bob, locked)
    });
}

// ----------------------------------------------------------------------
// delete_record
// ----------------------------------------------------------------------

#[ink::test]
fn delete_is_refused_before_retention_until_and_allowed_at_exactly_it() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    let until = T0 + DEFAULT_RETENTION_MS;
    set_time(until - 1);
    refused(&mut c, id, a.charlie, Error::RetentionPeriodActive, |c| {
        set_caller(a.charlie);
        c.delete_record(a.bob, id)
    });
    set_time(until);
    let events = event_count();
    set_caller(a.charlie);
    assert_eq!(c.delete_record(a.bob, id), Ok(()));
    assert_eq!(c.record_status(id), Some(RecordStatus::Deleted));
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.action, AuditAction::Deleted);
    assert_eq!(entry.status, Some(RecordStatus::Deleted));
    assert_eq!((entry.actor, entry.at), (a.charlie, until));
    // deleted records still count, and their versions stay on record
    assert_eq!(c.patient_record_count(a.bob), 1);
    assert_eq!(c.stats().total_records, 1);
    assert!(c.record_version(id, 1).is_some());
    refused(&mut c, id, a.charlie, Error::RecordDeleted, |c| {
        set_caller(a.charlie);
        c.delete_record(a.bob, id)
    });
    // the hash stays taken
    refused(&mut c, 2, a.charlie, Error::DuplicateRecord, |c| {
        create_as(c, a.charlie, RT, 1)
    });
}

#[ink::test]
fn an_archived_record_can_be_deleted() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.charlie);
    c.archive_record(a.bob, id).unwrap();
    set_time(T0 + DEFAULT_RETENTION_MS);
    assert_eq!(c.delete_record(a.bob, id), Ok(()));
    assert_eq!(c.record_status(id), Some(RecordStatus::Deleted));
}

#[ink::test]
fn delete_of_an_unknown_record_or_while_paused_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(T0 + DEFAULT_RETENTION_MS);
    refused(&mut c, 99, a.charlie, Error::RecordNotFound, |c| {
        set_caller(a.charlie);
        c.delete_record(a.bob, 99)
    });
    set_caller(a.alice);
    c.pause().unwrap();
    refused(&mut c, id, a.charlie, Error::ContractPaused, |c| {
        set_caller(a.charlie);
        c.delete_record(a.bob, id)
    });
}

// ----------------------------------------------------------------------
// grant_permission / revoke_permission
// ----------------------------------------------------------------------

#[ink::test]
fn the_patient_grants_a_permission() {
    let a = accounts();
    let mut c = setup();
    set_time(2_000);
    let events = event_count();
    let quota = Quota {
        max_reads: Some(5),
        max_bytes: None,
    };
    set_caller(a.bob);
    assert_eq!(
        c.grant_permission(
            a.bob,
            a.frank,
            RecordType::LabResults,
            AccessLevel::Write,
            Some(1_000),
            Some(quota)
        ),
        Ok(())
    );
    assert_eq!(
        c.get_permission(a.bob, a.frank, RecordType::LabResults),
        Some(Permission {
            level: AccessLevel::Write,
            granted_by: a.bob,
            granted_at: 2_000,
            expires_at: Some(3_000),
            quota: Some(quota),
            reads_used: 0,
            bytes_used: 0,
        })
    );
    assert_eq!(c.get_permission(a.bob, a.frank, RT), None);
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.actor, a.bob);
    assert_eq!(entry.action, AuditAction::PermissionGranted);
    assert_eq!(entry.record_id, None);
    assert_eq!(entry.record_type, Some(RecordType::LabResults));
    assert_eq!(entry.subject, Some(a.frank));
    assert_eq!(entry.at, 2_000);
    // without duration or quota
    assert_eq!(
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Admin, None, None),
        Ok(())
    );
    let p = c.get_permission(a.bob, a.frank, RT).unwrap();
    assert_eq!((p.expires_at, p.quota), (None, None));
}

#[ink::test]
fn a_delegate_grants_a_permission_in_the_patients_name() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.eve);
    assert_eq!(
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, None, None),
        Ok(())
    );
    assert_eq!(
        c.get_permission(a.bob, a.frank, RT).unwrap().granted_by,
        a.eve
    );
    assert_eq!(last_audit(&c, a.bob).actor, a.eve);
}

#[ink::test]
fn a_new_grant_replaces_the_old_one() {
    let a = accounts();
    let mut c = setup();
    grant(&mut c, a.charlie, RT, AccessLevel::Read, None, None);
    assert_eq!(
        c.get_permission(a.bob, a.charlie, RT).unwrap().level,
        AccessLevel::Read
    );
    refused(&mut c, 1, a.charlie, Error::InsufficientAccessLevel, |c| {
        create_as(c, a.charlie, RT, 1)
    });
}

#[ink::test]
fn grant_permission_refuses_the_emergency_level() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.frank, Error::InvalidAccessLevel, |c| {
        set_caller(a.bob);
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Emergency, None, None)
    });
}

#[ink::test]
fn grant_permission_refuses_a_zero_duration() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.frank, Error::InvalidDuration, |c| {
        set_caller(a.bob);
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, Some(0), None)
    });
}

#[ink::test]
fn grant_permission_refuses_a_quota_without_limits_or_with_a_zero_limit() {
    let a = accounts();
    let mut c = setup();
    for (max_reads, max_bytes) in [
        (None, None),
        (Some(0), None),
        (None, Some(0)),
        (Some(0), Some(10)),
        (Some(10), Some(0)),
    ] {
        let quota = Quota {
            max_reads,
            max_bytes,
        };
        refused(&mut c, 1, a.frank, Error::InvalidQuota, |c| {
            set_caller(a.bob);
            c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, None, Some(quota))
        });
    }
    let both = Quota {
        max_reads: Some(1),
        max_bytes: Some(1),
    };
    set_caller(a.bob);
    assert_eq!(
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, None, Some(both)),
        Ok(())
    );
}

#[ink::test]
fn grant_permission_by_someone_other_than_the_patient_or_delegate_is_refused() {
    let a = accounts();
    let mut c = setup();
    // a stranger, a provider holding Admin, the contract owner
    for who in [a.frank, a.charlie, a.alice] {
        refused(&mut c, 1, a.frank, Error::NotPatientOrDelegate, |c| {
            set_caller(who);
            c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, None, None)
        });
    }
    // an unregistered patient cannot grant either
    set_caller(a.frank);
    assert_eq!(
        c.grant_permission(a.frank, a.charlie, RT, AccessLevel::Read, None, None),
        Err(Error::NotPatientOrDelegate)
    );
    assert_eq!(c.get_permission(a.frank, a.charlie, RT), None);
    assert_eq!(c.audit_head(a.frank), AuditHead::default());
}

#[ink::test]
fn grant_permission_is_refused_while_paused() {
    let a = accounts();
    let mut c = setup();
    c.pause().unwrap();
    refused(&mut c, 1, a.frank, Error::ContractPaused, |c| {
        set_caller(a.bob);
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, None, None)
    });
}

#[ink::test]
fn the_patient_revokes_a_permission() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(3_000);
    let events = event_count();
    set_caller(a.bob);
    assert_eq!(c.revoke_permission(a.bob, a.django, RT), Ok(()));
    assert_eq!(c.get_permission(a.bob, a.django, RT), None);
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.action, AuditAction::PermissionRevoked);
    assert_eq!(entry.subject, Some(a.django));
    assert_eq!(entry.record_type, Some(RT));
    assert_eq!((entry.actor, entry.at), (a.bob, 3_000));
    refused(&mut c, id, a.django, Error::NoPermission, |c| {
        read_as(c, a.django, id)
    });
}

#[ink::test]
fn a_delegate_revokes_a_permission() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.eve);
    assert_eq!(c.revoke_permission(a.bob, a.django, RT), Ok(()));
    assert_eq!(c.get_permission(a.bob, a.django, RT), None);
    assert_eq!(last_audit(&c, a.bob).actor, a.eve);
}

#[ink::test]
fn revoke_permission_works_while_paused() {
    let a = accounts();
    let mut c = setup();
    c.pause().unwrap();
    set_caller(a.bob);
    assert_eq!(c.revoke_permission(a.bob, a.django, RT), Ok(()));
    assert_eq!(c.get_permission(a.bob, a.django, RT), None);
}

#[ink::test]
fn revoke_of_a_missing_permission_is_refused() {
    let a = accounts();
    let mut c = setup();
    for (who, record_type) in [(a.frank, RT), (a.django, RecordType::Vitals)] {
        refused(&mut c, 1, who, Error::PermissionNotFound, |c| {
            set_caller(a.bob);
            c.revoke_permission(a.bob, who, record_type)
        });
    }
    set_caller(a.bob);
    c.revoke_permission(a.bob, a.django, RT).unwrap();
    refused(&mut c, 1, a.django, Error::PermissionNotFound, |c| {
        set_caller(a.bob);
        c.revoke_permission(a.bob, a.django, RT)
    });
}

#[ink::test]
fn revoke_permission_by_someone_other_than_the_patient_or_delegate_is_refused() {
    let a = accounts();
    let mut c = setup();
    // another provider with Admin, the provider itself, the owner
    for who in [a.charlie, a.django, a.alice] {
        refused(&mut c, 1, a.django, Error::NotPatientOrDelegate, |c| {
            set_caller(who);
            c.revoke_permission(a.bob, a.django, RT)
        });
    }
}

#[ink::test]
fn revoke_permission_when_the_consent_contract_is_unavailable_is_refused() {
    let a = accounts();
    let mut c = setup();
    mock::set_addresses(None, Some(access_control_addr()));
    refused(
        &mut c,
        1,
        a.django,
        Error::ConsentContractUnavailable,
        |c| {
            set_caller(a.bob);
            c.revoke_permission(a.bob, a.django, RT)
        },
    );
}

// ----------------------------------------------------------------------
// share_record / unshare_record
// ----------------------------------------------------------------------

#[ink::test]
fn the_patient_or_a_delegate_shares_a_record() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(2_000);
    let events = event_count();
    set_caller(a.bob);
    assert_eq!(c.share_record(a.bob, id, a.frank, 500), Ok(2_500));
    assert_eq!(
        c.get_record_share(id, a.frank),
        Some(RecordShare {
            granted_by: a.bob,
            granted_at: 2_000,
            expires_at: 2_500,
        })
    );
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.action, AuditAction::RecordShared);
    assert_eq!(entry.record_id, Some(id));
    assert_eq!(entry.record_type, Some(RT));
    assert_eq!(entry.subject, Some(a.frank));
    // Eve renews it in Bob's name
    set_caller(a.eve);
    assert_eq!(c.share_record(a.bob, id, a.frank, 1_000), Ok(3_000));
    assert_eq!(c.get_record_share(id, a.frank).unwrap().granted_by, a.eve);
}

#[ink::test]
fn share_record_refuses_a_zero_duration_an_unknown_record_and_strangers() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, id, a.frank, Error::InvalidDuration, |c| {
        set_caller(a.bob);
        c.share_record(a.bob, id, a.frank, 0)
    });
    refused(&mut c, 99, a.frank, Error::RecordNotFound, |c| {
        set_caller(a.bob);
        c.share_record(a.bob, 99, a.frank, 500)
    });
    // a record of another patient
    refused(&mut c, id, a.frank, Error::RecordNotFound, |c| {
        set_caller(a.frank);
        c.share_record(a.frank, id, a.frank, 500)
    });
    for who in [a.charlie, a.frank, a.alice] {
        refused(&mut c, id, a.frank, Error::NotPatientOrDelegate, |c| {
            set_caller(who);
            c.share_record(a.bob, id, a.frank, 500)
        });
    }
}

#[ink::test]
fn share_record_is_refused_while_paused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.alice);
    c.pause().unwrap();
    refused(&mut c, id, a.frank, Error::ContractPaused, |c| {
        set_caller(a.bob);
        c.share_record(a.bob, id, a.frank, 500)
    });
}

#[ink::test]
fn unshare_record_ends_the_share_and_removes_the_wrapped_key() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    mock::add_provider(a.frank, Role::Doctor, true, true);
    mock::consent(a.bob, a.frank, DataType::All);
    set_caller(a.bob);
    c.share_record(a.bob, id, a.frank, 10_000).unwrap();
    c.share_key(a.bob, id, a.frank, vec![4; 80]).unwrap();
    assert_eq!(
        read_as(&mut c, a.frank, id).unwrap().wrapped_key,
        Some(vec![4; 80])
    );
    let events = event_count();
    set_caller(a.bob);
    assert_eq!(c.unshare_record(a.bob, id, a.frank), Ok(()));
    assert_eq!(c.get_record_share(id, a.frank), None);
    assert_eq!(c.get_wrapped_key(id, a.frank), None);
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.action, AuditAction::RecordUnshared);
    assert_eq!(entry.subject, Some(a.frank));
    assert_eq!(entry.record_id, Some(id));
    refused(&mut c, id, a.frank, Error::NoPermission, |c| {
        read_as(c, a.frank, id)
    });
}

#[ink::test]
fn unshare_record_works_while_paused_and_for_a_delegate() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.bob);
    c.share_record(a.bob, id, a.frank, 500).unwrap();
    set_caller(a.alice);
    c.pause().unwrap();
    set_caller(a.eve);
    assert_eq!(c.unshare_record(a.bob, id, a.frank), Ok(()));
    assert_eq!(c.get_record_share(id, a.frank), None);
}

#[ink::test]
fn unshare_of_a_missing_share_or_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, id, a.frank, Error::ShareNotFound, |c| {
        set_caller(a.bob);
        c.unshare_record(a.bob, id, a.frank)
    });
    refused(&mut c, 99, a.frank, Error::RecordNotFound, |c| {
        set_caller(a.bob);
        c.unshare_record(a.bob, 99, a.frank)
    });
    set_caller(a.bob);
    c.share_record(a.bob, id, a.frank, 500).unwrap();
    // the recipient itself and other providers cannot end it
    for who in [a.frank, a.charlie] {
        refused(&mut c, id, a.frank, Error::NotPatientOrDelegate, |c| {
            set_caller(who);
            c.unshare_record(a.bob, id, a.frank)
        });
    }
}

// ----------------------------------------------------------------------
// share_key / revoke_key_share
// ----------------------------------------------------------------------

#[ink::test]
fn the_patient_shares_a_wrapped_key() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_time(7_000);
    let events = event_count();
    set_caller(a.bob);
    assert_eq!(
        c.share_key(a.bob, id, a.django, vec![9; MAX_WRAPPED_KEY_LEN]),
        Ok(())
    );
    assert_eq!(
        c.get_wrapped_key(id, a.django),
        Some(WrappedKey {
            wrapped: vec![9; MAX_WRAPPED_KEY_LEN],
            key_id: KEY_ID,
            epoch: 0,
            shared_by: a.bob,
            shared_at: 7_000,
        })
    );
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.action, AuditAction::KeyShared);
    assert_eq!(entry.subject, Some(a.django));
    assert_eq!(entry.record_id, Some(id));
}

#[ink::test]
fn a_provider_with_admin_or_a_delegate_shares_a_wrapped_key() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.charlie);
    assert_eq!(c.share_key(a.bob, id, a.frank, vec![1; 80]), Ok(()));
    assert_eq!(c.get_wrapped_key(id, a.frank).unwrap().shared_by, a.charlie);
    assert_eq!(last_audit(&c, a.bob).actor, a.charlie);
    set_caller(a.eve);
    assert_eq!(c.share_key(a.bob, id, a.django, vec![2; 80]), Ok(()));
    assert_eq!(c.get_wrapped_key(id, a.django).unwrap().shared_by, a.eve);
}

#[ink::test]
fn share_key_refuses_an_empty_or_overlong_wrapped_key() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    for bad in [Vec::new(), vec![1; MAX_WRAPPED_KEY_LEN + 1]] {
        refused(&mut c, id, a.django, Error::InvalidWrappedKey, |c| {
            set_caller(a.bob);
            c.share_key(a.bob, id, a.django, bad)
        });
    }
    assert_eq!(MAX_WRAPPED_KEY_LEN, 128);
}

#[ink::test]
fn share_key_needs_admin_from_a_provider() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    enrol_frank(&mut c, Role::Doctor, RT, AccessLevel::Write);
    for who in [a.django, a.frank] {
        refused(&mut c, id, a.django, Error::InsufficientAccessLevel, |c| {
            set_caller(who);
            c.share_key(a.bob, id, a.django, vec![1; 80])
        });
    }
    refused(&mut c, id, a.django, Error::ProviderNotRegistered, |c| {
        set_caller(a.alice);
        c.share_key(a.bob, id, a.django, vec![1; 80])
    });
    // an emergency window gives no Admin
    mock::add_provider(a.alice, Role::Emergency, true, true);
    mock::open_window(a.alice, a.bob);
    refused(&mut c, id, a.django, Error::EmergencyAccessReadOnly, |c| {
        set_caller(a.alice);
        c.share_key(a.bob, id, a.django, vec![1; 80])
    });
}

#[ink::test]
fn share_key_of_an_unknown_or_deleted_record_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, 99, a.django, Error::RecordNotFound, |c| {
        set_caller(a.bob);
        c.share_key(a.bob, 99, a.django, vec![1; 80])
    });
    set_time(T0 + DEFAULT_RETENTION_MS);
    set_caller(a.charlie);
    c.delete_record(a.bob, id).unwrap();
    refused(&mut c, id, a.django, Error::RecordDeleted, |c| {
        set_caller(a.bob);
        c.share_key(a.bob, id, a.django, vec![1; 80])
    });
}

#[ink::test]
fn share_key_is_refused_while_paused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.alice);
    c.pause().unwrap();
    refused(&mut c, id, a.django, Error::ContractPaused, |c| {
        set_caller(a.bob);
        c.share_key(a.bob, id, a.django, vec![1; 80])
    });
}

#[ink::test]
fn the_patient_or_an_admin_provider_revokes_a_key_share() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    c.share_key(a.bob, id, a.frank, vec![2; 80]).unwrap();
    let events = event_count();
    assert_eq!(c.revoke_key_share(a.bob, id, a.django), Ok(()));
    assert_eq!(c.get_wrapped_key(id, a.django), None);
    assert_eq!(event_count(), events + 1);
    let entry = last_audit(&c, a.bob);
    assert_eq!(entry.action, AuditAction::KeyShareRevoked);
    assert_eq!(entry.subject, Some(a.django));
    assert_eq!(read_as(&mut c, a.django, id).unwrap().wrapped_key, None);
    set_caller(a.charlie);
    assert_eq!(c.revoke_key_share(a.bob, id, a.frank), Ok(()));
    assert_eq!(c.get_wrapped_key(id, a.frank), None);
    assert_eq!(last_audit(&c, a.bob).actor, a.charlie);
}

#[ink::test]
fn revoke_key_share_works_while_paused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    set_caller(a.alice);
    c.pause().unwrap();
    set_caller(a.bob);
    assert_eq!(c.revoke_key_share(a.bob, id, a.django), Ok(()));
    assert_eq!(c.get_wrapped_key(id, a.django), None);
}

#[ink::test]
fn revoke_of_a_missing_key_share_or_by_a_non_admin_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    refused(&mut c, id, a.django, Error::KeyShareNotFound, |c| {
        set_caller(a.bob);
        c.revoke_key_share(a.bob, id, a.django)
    });
    refused(&mut c, 99, a.django, Error::RecordNotFound, |c| {
        set_caller(a.bob);
        c.revoke_key_share(a.bob, 99, a.django)
    });
    set_caller(a.bob);
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    // the Read-only recipient cannot revoke its own key share
    refused(&mut c, id, a.django, Error::InsufficientAccessLevel, |c| {
        set_caller(a.django);
        c.revoke_key_share(a.bob, id, a.django)
    });
    refused(&mut c, id, a.django, Error::ProviderNotRegistered, |c| {
        set_caller(a.frank);
        c.revoke_key_share(a.bob, id, a.django)
    });
}

// ----------------------------------------------------------------------
// audit trail
// ----------------------------------------------------------------------

#[ink::test]
fn the_audit_trail_is_a_hash_chain_numbered_per_patient() {
    use ink::scale::Encode;
    let a = accounts();
    let mut c = setup();
    // Frank: an emergency provider with a window on Bob
    mock::add_provider(a.frank, Role::Emergency, true, true);
    mock::open_window(a.frank, a.bob);
    // Alice: a second patient
    mock::register_patient(a.alice);
    let mut t = T0;
    let mut tick = || {
        t += 10;
        set_time(t);
    };
    tick();
    let id = create(&mut c, 1);
    tick();
    read_as(&mut c, a.django, id).unwrap();
    tick();
    update_as(&mut c, a.charlie, id, 2).unwrap();
    tick();
    set_caller(a.alice);
    c.grant_permission(a.alice, a.charlie, RT, AccessLevel::Read, None, None)
        .unwrap();
    tick();
    set_caller(a.bob);
    c.share_record(a.bob, id, a.frank, 500).unwrap();
    tick();
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    tick();
    c.revoke_key_share(a.bob, id, a.django).unwrap();
    tick();
    c.unshare_record(a.bob, id, a.frank).unwrap();
    tick();
    set_caller(a.charlie);
    c.archive_record(a.bob, id).unwrap();
    tick();
    set_caller(a.bob);
    c.revoke_permission(a.bob, a.django, RT).unwrap();
    tick();
    read_as(&mut c, a.frank, id).unwrap();
    set_time(T0 + DEFAULT_RETENTION_MS + 10);
    set_caller(a.charlie);
    c.delete_record(a.bob, id).unwrap();

    let trail = c.audit_trail(a.bob, 0, MAX_PAGE);
    let actions: Vec<AuditAction> = trail.iter().map(|e| e.action).collect();
    use AuditAction::*;
    assert_eq!(
        actions,
        vec![
            PermissionGranted,
            PermissionGranted,
            Created,
            Read,
            Updated,
            RecordShared,
            KeyShared,
            KeyShareRevoked,
            RecordUnshared,
            StatusChanged,
            PermissionRevoked,
            EmergencyRead,
            Deleted,
        ]
    );
    let head = c.audit_head(a.bob);
    assert_eq!(head.len, trail.len() as u64);
    let mut prev = [0u8; 32];
    for (i, entry) in trail.iter().enumerate() {
        assert_eq!(entry.prev_hash, prev, "entry {i}");
        assert_eq!(c.audit_entry(a.bob, i as u64).as_ref(), Some(entry));
        prev = entry_hash(entry);
    }
    assert_eq!(head.head, prev);
    assert_eq!(c.audit_entry(a.bob, head.len), None);
    // the same hash from the raw SCALE bytes
    let mut raw = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Sha2x256>(&trail[trail.len() - 1].encode(), &mut raw);
    assert_eq!(raw, head.head);
    // rewriting any entry breaks the link to the next one
    let mut forged = trail[3].clone();
    forged.purpose = Some(Purpose::Research);
    assert_ne!(entry_hash(&forged), trail[4].prev_hash);
    // Alice's trail starts at index 0 with a zero link
    let alice = c.audit_trail(a.alice, 0, MAX_PAGE);
    assert_eq!(alice.len(), 1);
    assert_eq!(alice[0].prev_hash, [0; 32]);
    assert_eq!(alice[0].action, PermissionGranted);
    assert_eq!(
        c.audit_head(a.alice),
        AuditHead {
            len: 1,
            head: entry_hash(&alice[0]),
        }
    );
    // nobody else has a trail
    assert_eq!(c.audit_head(a.frank), AuditHead::default());
    assert!(c.audit_trail(a.frank, 0, MAX_PAGE).is_empty());
}

#[ink::test]
fn audit_trail_pages_are_capped_at_max_page() {
    let a = accounts();
    let mut c = setup();
    set_caller(a.bob);
    for _ in 0..60 {
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, None, None)
            .unwrap();
    }
    let len = c.audit_head(a.bob).len;
    assert_eq!(len, 62);
    assert_eq!(MAX_PAGE, 50);
    assert_eq!(c.audit_trail(a.bob, 0, u32::MAX).len(), MAX_PAGE as usize);
    assert_eq!(c.audit_trail(a.bob, 50, MAX_PAGE).len(), 12);
    assert_eq!(c.audit_trail(a.bob, 0, 0).len(), 1);
    assert!(c.audit_trail(a.bob, len, 10).is_empty());
    assert!(c.audit_trail(a.bob, u64::MAX, 10).is_empty());
    let page = c.audit_trail(a.bob, 3, 5);
    assert_eq!(page.len(), 5);
    for (i, entry) in page.iter().enumerate() {
        assert_eq!(c.audit_entry(a.bob, 3 + i as u64).as_ref(), Some(entry));
    }
}

// ----------------------------------------------------------------------
// pause / unpause
// ----------------------------------------------------------------------

#[ink::test]
fn the_owner_pauses_and_unpauses() {
    let mut c = setup();
    let events = event_count();
    assert_eq!(c.pause(), Ok(()));
    assert!(c.stats().paused);
    assert_eq!(c.unpause(), Ok(()));
    assert!(!c.stats().paused);
    assert_eq!(event_count(), events + 2);
}

#[ink::test]
fn pause_and_unpause_by_a_non_owner_are_refused() {
    let a = accounts();
    let mut c = setup();
    for who in [a.bob, a.charlie] {
        refused(&mut c, 1, who, Error::NotOwner, |c| {
            set_caller(who);
            c.pause()
        });
    }
    set_caller(a.alice);
    c.pause().unwrap();
    for who in [a.bob, a.charlie] {
        refused(&mut c, 1, who, Error::NotOwner, |c| {
            set_caller(who);
            c.unpause()
        });
    }
}

#[ink::test]
fn pause_twice_and_unpause_while_running_are_refused() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.alice, Error::NotPaused, |c| c.unpause());
    c.pause().unwrap();
    refused(&mut c, 1, a.alice, Error::AlreadyPaused, |c| c.pause());
}

#[ink::test]
fn while_paused_every_gated_message_is_refused() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    let locked = create(&mut c, 2);
    set_caller(a.charlie);
    c.lock_record(a.bob, locked).unwrap();
    set_time(T0 + DEFAULT_RETENTION_MS);
    set_caller(a.alice);
    c.pause().unwrap();
    let p = Error::ContractPaused;
    refused(&mut c, 3, a.charlie, p, |c| create_as(c, a.charlie, RT, 3));
    refused(&mut c, id, a.bob, p, |c| read_as(c, a.bob, id));
    refused(&mut c, id, a.django, p, |c| read_as(c, a.django, id));
    refused(&mut c, id, a.charlie, p, |c| update_as(c, a.charlie, id, 3));
    set_caller(a.charlie);
    refused(&mut c, id, a.charlie, p, |c| c.archive_record(a.bob, id));
    refused(&mut c, id, a.charlie, p, |c| {
        c.set_record_status(a.bob, id, RecordStatus::UnderReview)
    });
    refused(&mut c, id, a.charlie, p, |c| c.lock_record(a.bob, id));
    refused(&mut c, locked, a.charlie, p, |c| {
        c.unlock_record(a.bob, locked)
    });
    refused(&mut c, id, a.charlie, p, |c| c.delete_record(a.bob, id));
    set_caller(a.bob);
    refused(&mut c, id, a.frank, p, |c| {
        c.grant_permission(a.bob, a.frank, RT, AccessLevel::Read, None, None)
    });
    refused(&mut c, id, a.frank, p, |c| {
        c.share_record(a.bob, id, a.frank, 500)
    });
    refused(&mut c, id, a.frank, p, |c| {
        c.share_key(a.bob, id, a.frank, vec![1; 80])
    });
    // unpaused, the same calls work again
    set_caller(a.alice);
    c.unpause().unwrap();
    assert!(read_as(&mut c, a.django, id).is_ok());
    set_caller(a.charlie);
    assert_eq!(c.delete_record(a.bob, id), Ok(()));
}

#[ink::test]
fn while_paused_revocations_and_audit_reads_still_work() {
    let a = accounts();
    let mut c = setup();
    let id = create(&mut c, 1);
    set_caller(a.bob);
    c.share_record(a.bob, id, a.frank, 500).unwrap();
    c.share_key(a.bob, id, a.django, vec![1; 80]).unwrap();
    set_caller(a.alice);
    c.pause().unwrap();
    let len = c.audit_head(a.bob).len;
    set_caller(a.bob);
    assert_eq!(c.revoke_permission(a.bob, a.django, RT), Ok(()));
    assert_eq!(c.unshare_record(a.bob, id, a.frank), Ok(()));
    assert_eq!(c.revoke_key_share(a.bob, id, a.django), Ok(()));
    assert_eq!(c.audit_head(a.bob).len, len + 3);
    assert_eq!(
        c.audit_trail(a.bob, len, MAX_PAGE)
            .iter()
            .map(|e| e.action)
            .collect::<Vec<_>>(),
        vec![
            AuditAction::PermissionRevoked,
            AuditAction::RecordUnshared,
            AuditAction::KeyShareRevoked,
        ]
    );
    assert!(c.audit_entry(a.bob, 0).is_some());
    assert_eq!(c.record_status(id), Some(RecordStatus::Active));
    assert!(c.record_version(id, 1).is_some());
}

// ----------------------------------------------------------------------
// owner settings
// ----------------------------------------------------------------------

#[ink::test]
fn the_owner_rewires_the_contract_addresses() {
    let a = accounts();
    let mut c = setup();
    let events = event_count();
    assert_eq!(c.set_contract_addresses(nowhere(), nowhere()), Ok(()));
    assert_eq!(event_count(), events + 1);
    let stats = c.stats();
    assert_eq!(stats.consent_contract, nowhere());
    assert_eq!(stats.access_control, nowhere());
    refused(&mut c, 1, a.charlie, Error::AccessControlUnavailable, |c| {
        create_as(c, a.charlie, RT, 1)
    });
    set_caller(a.alice);
    c.set_contract_addresses(nowhere(), access_control_addr())
        .unwrap();
    refused(
        &mut c,
        1,
        a.charlie,
        Error::ConsentContractUnavailable,
        |c| create_as(c, a.charlie, RT, 1),
    );
    set_caller(a.alice);
    c.set_contract_addresses(consent_addr(), access_control_addr())
        .unwrap();
    assert_eq!(create_as(&mut c, a.charlie, RT, 1), Ok(1));
}

#[ink::test]
fn set_contract_addresses_by_a_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.bob, Error::NotOwner, |c| {
        set_caller(a.bob);
        c.set_contract_addresses(nowhere(), nowhere())
    });
}

#[ink::test]
fn the_owner_sets_the_retention_period_for_new_records() {
    let a = accounts();
    let mut c = setup();
    let old = create(&mut c, 1);
    let events = event_count();
    set_caller(a.alice);
    assert_eq!(c.set_retention_period(10_000), Ok(()));
    assert_eq!(c.stats().retention_period, 10_000);
    assert_eq!(event_count(), events + 1);
    set_time(2_000);
    let new = create(&mut c, 2);
    // the new record may go at 12_000, the old one keeps its five years
    set_time(11_999);
    set_caller(a.charlie);
    assert_eq!(
        c.delete_record(a.bob, new),
        Err(Error::RetentionPeriodActive)
    );
    set_time(12_000);
    assert_eq!(c.delete_record(a.bob, new), Ok(()));
    assert_eq!(
        c.delete_record(a.bob, old),
        Err(Error::RetentionPeriodActive)
    );
    assert_eq!(
        read_as(&mut c, a.bob, old).unwrap().meta.retention_until,
        T0 + DEFAULT_RETENTION_MS
    );
}

#[ink::test]
fn set_retention_period_refuses_zero_and_non_owners() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.alice, Error::InvalidDuration, |c| {
        c.set_retention_period(0)
    });
    refused(&mut c, 1, a.bob, Error::NotOwner, |c| {
        set_caller(a.bob);
        c.set_retention_period(10_000)
    });
}

#[ink::test]
fn the_owner_transfers_ownership() {
    let a = accounts();
    let mut c = setup();
    let events = event_count();
    assert_eq!(c.transfer_ownership(a.frank), Ok(()));
    assert_eq!(c.owner(), a.frank);
    assert_eq!(event_count(), events + 1);
    // the old owner is no longer one
    refused(&mut c, 1, a.alice, Error::NotOwner, |c| {
        set_caller(a.alice);
        c.pause()
    });
    set_caller(a.frank);
    assert_eq!(c.pause(), Ok(()));
}

#[ink::test]
fn transfer_ownership_by_a_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.bob, Error::NotOwner, |c| {
        set_caller(a.bob);
        c.transfer_ownership(a.bob)
    });
}

// ----------------------------------------------------------------------
// upgrades (the allowed path runs on the compiled WASM: e2e-tests/tests/upgrade.rs)
// ----------------------------------------------------------------------

#[ink::test]
fn set_code_by_a_non_owner_is_refused() {
    let a = accounts();
    let mut c = setup();
    refused(&mut c, 1, a.bob, Error::NotOwner, |c| {
        set_caller(a.bob);
        c.set_code(ink::primitives::Hash::from([7; 32]))
    });
}

#[ink::test]
fn code_version_is_one() {
    assert_eq!(setup().code_version(), 1);
}
