//! Model-based property test of the access decision.
//!
//! [`Model`] is a plain-Rust reference model of who may do what, written
//! from the specification and the message table (it shares no code with
//! the contracts: it has its own role matrix, purpose rules, record-type
//! mapping and break-glass scope). proptest generates random sequences of
//! operations by random actors, with random time steps; each sequence runs
//! on the model and on the three compiled contracts (release builds,
//! [`Session`]), from the same starting state. Every result must agree
//! exactly (the `Ok` value or the error's name), and at the end of the
//! sequence every piece of state the sequence touched is read back from the
//! contracts and compared with the model's. A divergence fails with the
//! shrunk, minimal sequence that reproduces it.
//!
//! `MODEL_CASES` sets the number of sequences (default 200, what
//! `scripts/test.sh` runs); `scripts/model-test.sh` runs 10,000. `MODEL_SEED`
//! (a number) picks the random stream (default fixed, so CI is repeatable).
//!
//! Covered: provider registration (owner), verification and reactivation
//! (admins), deactivation (owner or admin, never the last admin); emergency
//! windows with cooldown, ending, closing by deactivation, and reviews;
//! patient registration; consents for sets of purposes, with `All` and
//! sensitive types, expiry, revocation and purpose updates; break-glass
//! preferences (narrowing while paused); access requests with one pending
//! per provider, patient and type; approvals with permissions in the same
//! step; delegates (patient names, patient or delegate removes); records
//! by providers and by the patient side (patient-authored), reads with
//! declared purposes, updates, status, lock (also while paused) and unlock
//! by the patient side, deletion after retention; permissions with level,
//! expiry and read/byte quotas; shares; self-targeting; pausing
//! patient-consent and record-management.

use e2e_tests::{cast, Actor, E2EResult, Session, DAY, HOUR, MINUTE, T0};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::{AccountKeyring, CallBuilderFinal};
use ink_sandbox::Sandbox;
use medrec_types::{
    AccessLevel, DataType, EmergencyPreference, EmergencyReason, Purpose, PurposeSet, RecordStatus,
    RecordType, ReviewOutcome, Role,
};
use patient_consent::{DelegateKind, RequestStatus};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use record_management::{Access as RmAccess, Confidentiality, Quota};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// The retention period the starting state sets (short, so that deletion
/// becomes possible within a sequence).
const RETENTION: u64 = 2 * DAY;
/// access-control's default emergency window and cooldown.
const EMERGENCY_WINDOW: u64 = DAY;
const COOLDOWN: u64 = DAY;

// ---------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------

/// The eight actors, by index. 0 (Alice) owns the three contracts; 6 (One)
/// is access-control's first admin.
const KEYS: [AccountKeyring; 8] = [
    AccountKeyring::Alice,
    AccountKeyring::Bob,
    AccountKeyring::Charlie,
    AccountKeyring::Dave,
    AccountKeyring::Eve,
    AccountKeyring::Ferdie,
    AccountKeyring::One,
    AccountKeyring::Two,
];
const NAMES: [&str; 9] = [
    "alice", "bob", "charlie", "dave", "eve", "ferdie", "one", "two", "victor",
];
/// Actor 8, Victor, exists only in the sandbox (no key): a nurse the
/// starting state registers but does not verify, for verification to do.
const VICTOR: Who = 8;
const OWNER: Who = 0;
const FIRST_ADMIN: Who = 6;

type Who = u8;

fn account(who: Who) -> AccountId {
    match KEYS.get(usize::from(who)) {
        Some(key) => ink_e2e::account_id(*key),
        None => AccountId::from([0x56; 32]),
    }
}

fn actor(who: Who) -> Actor {
    Actor::dev(
        NAMES[usize::from(who) % NAMES.len()],
        KEYS[usize::from(who) % KEYS.len()],
    )
}

/// Prints an actor by name in the shrunk sequence.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct A(Who);

impl std::fmt::Debug for A {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            NAMES
                .get(usize::from(self.0))
                .copied()
                .unwrap_or("stranger"),
        )
    }
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Wait(u64),
    RegisterProvider {
        by: A,
        who: A,
        role: Role,
    },
    VerifyProvider {
        by: A,
        who: A,
    },
    DeactivateProvider {
        by: A,
        who: A,
    },
    ReactivateProvider {
        by: A,
        who: A,
    },
    OpenEmergency {
        by: A,
        patient: A,
    },
    EndEmergency {
        by: A,
        patient: A,
    },
    ReviewWindow {
        by: A,
        window: u64,
        outcome: ReviewOutcome,
    },
    RegisterPatient {
        by: A,
    },
    SetPreference {
        by: A,
        patient: A,
        preference: EmergencyPreference,
    },
    GrantConsent {
        by: A,
        patient: A,
        provider: A,
        data_type: DataType,
        duration: u64,
        purposes: Vec<Purpose>,
    },
    RevokeConsent {
        by: A,
        patient: A,
        provider: A,
        data_type: DataType,
    },
    UpdatePurposes {
        by: A,
        patient: A,
        provider: A,
        data_type: DataType,
        purposes: Vec<Purpose>,
    },
    RequestAccess {
        by: A,
        patient: A,
        data_type: DataType,
        purpose: Purpose,
    },
    ApproveRequest {
        by: A,
        request: u64,
        duration: u64,
        record_types: Vec<RecordType>,
        level: AccessLevel,
    },
    DenyRequest {
        by: A,
        request: u64,
    },
    AddDelegate {
        by: A,
        delegate: A,
        duration: u64,
    },
    RemoveDelegate {
        by: A,
        patient: A,
        delegate: A,
    },
    PauseConsent {
        by: A,
        pause: bool,
    },
    CreateRecord {
        by: A,
        patient: A,
        record_type: RecordType,
        hash: u8,
        size: u64,
        purpose: Purpose,
    },
    GetRecord {
        by: A,
        patient: A,
        id: u64,
        purpose: Purpose,
    },
    UpdateRecord {
        by: A,
        patient: A,
        id: u64,
        hash: u8,
        size: u64,
        purpose: Purpose,
    },
    SetStatus {
        by: A,
        patient: A,
        id: u64,
        status: RecordStatus,
        purpose: Purpose,
    },
    Lock {
        by: A,
        patient: A,
        id: u64,
        purpose: Purpose,
    },
    Unlock {
        by: A,
        patient: A,
        id: u64,
        purpose: Purpose,
    },
    Delete {
        by: A,
        patient: A,
        id: u64,
        purpose: Purpose,
    },
    GrantPermission {
        by: A,
        patient: A,
        provider: A,
        record_type: RecordType,
        level: AccessLevel,
        duration: Option<u64>,
        quota: Option<Quota>,
    },
    RevokePermission {
        by: A,
        patient: A,
        provider: A,
        record_type: RecordType,
    },
    Share {
        by: A,
        patient: A,
        id: u64,
        provider: A,
        duration: u64,
    },
    Unshare {
        by: A,
        patient: A,
        id: u64,
        provider: A,
    },
    PauseRecords {
        by: A,
        pause: bool,
    },
}

/// Each operation kind and its weight in the random mix.
const KINDS: &[(u8, u16)] = &[
    (0, 8),   // Wait
    (1, 3),   // RegisterProvider
    (2, 3),   // VerifyProvider
    (3, 2),   // DeactivateProvider
    (4, 2),   // ReactivateProvider
    (5, 4),   // OpenEmergency
    (6, 2),   // EndEmergency
    (7, 3),   // ReviewWindow
    (8, 2),   // RegisterPatient
    (9, 3),   // SetPreference
    (10, 8),  // GrantConsent
    (11, 4),  // RevokeConsent
    (12, 2),  // UpdatePurposes
    (13, 3),  // RequestAccess
    (14, 4),  // ApproveRequest
    (15, 2),  // DenyRequest
    (16, 3),  // AddDelegate
    (17, 2),  // RemoveDelegate
    (18, 1),  // PauseConsent
    (19, 10), // CreateRecord
    (20, 14), // GetRecord
    (21, 6),  // UpdateRecord
    (22, 3),  // SetStatus
    (23, 3),  // Lock
    (24, 3),  // Unlock
    (25, 2),  // Delete
    (26, 8),  // GrantPermission
    (27, 3),  // RevokePermission
    (28, 4),  // Share
    (29, 3),  // Unshare
    (30, 1),  // PauseRecords
];

fn total_weight() -> u16 {
    KINDS.iter().map(|(_, w)| *w).sum()
}

/// The random raw material of one operation: a weighted kind, then eight
/// small numbers that pick actors, targets and arguments. Shrinking moves
/// every number towards 0, i.e. towards the first entry of each table.
type Raw = (u16, [u8; 8]);

fn pick<T: Clone>(table: &[T], n: u8) -> T {
    table[usize::from(n) % table.len()].clone()
}

const RECORD_TYPES: [RecordType; 7] = [
    RecordType::Vitals,
    RecordType::LabResults,
    RecordType::MentalHealth,
    RecordType::EmergencyContacts,
    RecordType::Imaging,
    RecordType::Vitals,
    RecordType::Insurance,
];
const DATA_TYPES: [DataType; 7] = [
    DataType::MedicalRecords,
    DataType::All,
    DataType::LabResults,
    DataType::MentalHealth,
    DataType::EmergencyInfo,
    DataType::Imaging,
    DataType::Financial,
];
const ROLES: [Role; 7] = [
    Role::Doctor,
    Role::Nurse,
    Role::Technician,
    Role::Researcher,
    Role::Emergency,
    Role::Admin,
    Role::Payer,
];
const DURATIONS: [u64; 8] = [
    30 * DAY,
    2 * DAY,
    HOUR,
    30 * DAY,
    2 * DAY,
    10 * MINUTE,
    30 * DAY,
    0,
];
const WAITS: [u64; 6] = [MINUTE, HOUR, DAY, 3 * DAY, 10 * MINUTE, 12 * DAY];
const LEVELS: [AccessLevel; 7] = [
    AccessLevel::Read,
    AccessLevel::Write,
    AccessLevel::Admin,
    AccessLevel::Read,
    AccessLevel::Write,
    AccessLevel::Admin,
    AccessLevel::Emergency,
];
const PERMISSION_DURATIONS: [Option<u64>; 5] = [None, Some(2 * DAY), None, Some(HOUR), Some(0)];
const QUOTAS: [Option<Quota>; 7] = [
    None,
    Some(Quota {
        max_reads: Some(1),
        max_bytes: None,
    }),
    None,
    Some(Quota {
        max_reads: None,
        max_bytes: Some(6000),
    }),
    Some(Quota {
        max_reads: Some(2),
        max_bytes: Some(9000),
    }),
    Some(Quota {
        max_reads: None,
        max_bytes: None,
    }),
    Some(Quota {
        max_reads: Some(0),
        max_bytes: None,
    }),
];
const STATUSES: [RecordStatus; 7] = [
    RecordStatus::Archived,
    RecordStatus::UnderReview,
    RecordStatus::Active,
    RecordStatus::Archived,
    RecordStatus::UnderReview,
    RecordStatus::Locked,
    RecordStatus::Deleted,
];
const SIZES: [u64; 3] = [4000, 100, 5000];
/// Purposes a record operation declares: mostly treatment.
const PURPOSES: [Purpose; 8] = [
    Purpose::Treatment,
    Purpose::Treatment,
    Purpose::EmergencyTreatment,
    Purpose::Research,
    Purpose::Treatment,
    Purpose::PatientRequest,
    Purpose::Payment,
    Purpose::EmergencyTreatment,
];
fn purpose_sets() -> [Vec<Purpose>; 6] {
    [
        vec![Purpose::Treatment],
        vec![Purpose::Treatment, Purpose::Research],
        vec![Purpose::Research],
        vec![Purpose::Treatment, Purpose::EmergencyTreatment],
        vec![Purpose::Payment, Purpose::Treatment],
        vec![],
    ]
}
const PREFERENCES: [EmergencyPreference; 3] = [
    EmergencyPreference::IncludeSensitive,
    EmergencyPreference::OptOut,
    EmergencyPreference::NonSensitive,
];
const OUTCOMES: [ReviewOutcome; 3] = [
    ReviewOutcome::Justified,
    ReviewOutcome::Unjustified,
    ReviewOutcome::Inconclusive,
];
fn approval_types() -> [Vec<RecordType>; 5] {
    [
        vec![RecordType::LabResults],
        vec![],
        vec![RecordType::Vitals, RecordType::Diagnosis],
        vec![RecordType::MentalHealth],
        vec![RecordType::Vitals],
    ]
}

impl Op {
    fn from_raw((w, n): Raw) -> Op {
        let mut w = w % total_weight();
        let mut kind = 0;
        for (k, weight) in KINDS {
            if w < *weight {
                kind = *k;
                break;
            }
            w -= weight;
        }
        let (alice, bob, charlie, dave, eve, one, two) = (A(0), A(1), A(2), A(3), A(4), A(6), A(7));
        let any = |i: usize| A(n[i] % 8);
        // Patients are mostly Bob and Charlie (registered in the starting
        // state); providers mostly the registered ones.
        let patient = A(pick(&[1, 2, 1, 2, 1, 2, 7, 5], n[1]));
        let provider = |i: usize| A(pick(&[3, 4, 5, 6, 3, 4, 7, 1, 0, 2], n[i]));
        // Who acts on a patient's behalf: the patient, its delegate (Two is
        // Bob's in the starting state), or anybody.
        let for_patient = |p: A| match n[0] % 5 {
            0 | 1 => p,
            2 => two,
            _ => any(7),
        };
        let as_provider = |p: A| if n[0] % 4 == 3 { provider(7) } else { p };
        let owner_mostly = if n[0] % 4 == 3 { any(7) } else { alice };
        let admin_mostly = match n[0] % 4 {
            0 | 1 => one,
            2 => alice,
            _ => any(7),
        };
        // Operations on a record mostly name an existing one with its own
        // patient and the provider who wrote it (record 1: Bob's, by Dave,
        // who holds Admin on it; record 2: Charlie's, by Eve, who holds
        // Write; record 3: Charlie's own), else any record id, patient and
        // provider.
        let (id, rec_patient, rec_provider) = match n[3] % 9 {
            0..=2 => (1, bob, dave),
            3 | 4 => (2, charlie, eve),
            5 => (3, charlie, charlie),
            _ => (u64::from(n[6] % 3) + 4, patient, provider(2)),
        };
        let (rec_patient, rec_provider) = if n[7] % 8 == 0 {
            (patient, provider(2))
        } else {
            (rec_patient, rec_provider)
        };
        let hash = n[4] % 10;
        let duration = pick(&DURATIONS, n[5]);
        let purpose = pick(&PURPOSES, n[6]);
        let request = pick(&[1u64, 2, 1, 2, 3, 4], n[3]);
        let staff = A(pick(&[3, 4, 5, 6, 8], n[2]));
        let sharee = A(pick(&[4, 3, 4, 5, 6], n[2]));
        match kind {
            0 => Op::Wait(pick(&WAITS, n[2])),
            1 => Op::RegisterProvider {
                by: owner_mostly,
                who: if n[2] % 5 == 0 { A(VICTOR) } else { any(2) },
                role: pick(&ROLES, n[3]),
            },
            2 => Op::VerifyProvider {
                by: admin_mostly,
                who: if n[2] % 2 == 0 { A(VICTOR) } else { any(2) },
            },
            3 => Op::DeactivateProvider {
                by: admin_mostly,
                who: staff,
            },
            4 => Op::ReactivateProvider {
                by: admin_mostly,
                who: staff,
            },
            // Emergency windows: mostly Ferdie (the emergency physician) on
            // Bob or Charlie, so that windows get opened, used and ended.
            5 => Op::OpenEmergency {
                by: as_provider(A(pick(&[5, 5, 3, 6], n[2]))),
                patient: A(pick(&[1, 2, 1, 2, 7], n[1])),
            },
            6 => Op::EndEmergency {
                by: as_provider(A(pick(&[5, 5, 5, 3], n[2]))),
                patient: A(pick(&[1, 2, 1, 2, 7], n[1])),
            },
            7 => Op::ReviewWindow {
                by: admin_mostly,
                window: u64::from(n[2] % 3) + 1,
                outcome: pick(&OUTCOMES, n[5]),
            },
            8 => Op::RegisterPatient { by: any(2) },
            9 => Op::SetPreference {
                by: for_patient(patient),
                patient,
                preference: pick(&PREFERENCES, n[5]),
            },
            10 => Op::GrantConsent {
                by: for_patient(patient),
                patient,
                provider: provider(2),
                data_type: pick(&DATA_TYPES, n[3]),
                duration,
                purposes: pick(&purpose_sets(), n[6]),
            },
            11 => Op::RevokeConsent {
                by: for_patient(patient),
                patient,
                provider: provider(2),
                data_type: pick(&DATA_TYPES, n[3]),
            },
            12 => Op::UpdatePurposes {
                by: for_patient(patient),
                patient,
                provider: provider(2),
                data_type: pick(&DATA_TYPES, n[3]),
                purposes: pick(&purpose_sets(), n[6]),
            },
            13 => Op::RequestAccess {
                by: as_provider(provider(2)),
                patient,
                data_type: pick(&DATA_TYPES, n[3]),
                purpose,
            },
            // Request 1 is Dave's to Charlie (lab results) and request 2
            // Eve's to Bob (medical records), from the starting state; later
            // ones come from RequestAccess.
            14 => Op::ApproveRequest {
                by: for_patient(if request == 1 { charlie } else { bob }),
                request,
                duration,
                record_types: pick(&approval_types(), n[6]),
                level: pick(&LEVELS, n[2]),
            },
            15 => Op::DenyRequest {
                by: for_patient(if request == 1 { charlie } else { bob }),
                request,
            },
            16 => Op::AddDelegate {
                by: patient,
                delegate: any(2),
                duration,
            },
            17 => Op::RemoveDelegate {
                by: if n[0] % 3 == 0 { two } else { patient },
                patient,
                delegate: if n[2] % 2 == 0 { two } else { any(2) },
            },
            18 => Op::PauseConsent {
                by: owner_mostly,
                pause: n[2] % 2 == 0,
            },
            19 => {
                let (patient, by, record_type) = match n[3] % 5 {
                    0 => (bob, dave, RecordType::Vitals),
                    1 => (charlie, eve, RecordType::Vitals),
                    2 => (patient, for_patient(patient), pick(&RECORD_TYPES, n[6])),
                    _ => (patient, provider(2), pick(&RECORD_TYPES, n[6])),
                };
                Op::CreateRecord {
                    by: as_provider(by),
                    patient,
                    record_type,
                    hash,
                    size: pick(&SIZES, n[6]),
                    purpose,
                }
            }
            20 => Op::GetRecord {
                by: match n[0] % 7 {
                    4 => for_patient(rec_patient),
                    5 => provider(2),
                    6 => A(5),
                    _ => rec_provider,
                },
                patient: rec_patient,
                id,
                purpose,
            },
            21 => Op::UpdateRecord {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
                hash,
                size: pick(&SIZES, n[2]),
                purpose,
            },
            22 => Op::SetStatus {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
                status: pick(&STATUSES, n[5]),
                purpose,
            },
            23 => Op::Lock {
                by: if n[0] % 3 == 0 {
                    for_patient(rec_patient)
                } else {
                    as_provider(rec_provider)
                },
                patient: rec_patient,
                id,
                purpose,
            },
            24 => Op::Unlock {
                by: if n[0] % 3 == 0 {
                    for_patient(rec_patient)
                } else {
                    as_provider(rec_provider)
                },
                patient: rec_patient,
                id,
                purpose,
            },
            25 => Op::Delete {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
                purpose,
            },
            26 => Op::GrantPermission {
                by: for_patient(rec_patient),
                patient: rec_patient,
                provider: if n[2] % 3 == 0 {
                    rec_provider
                } else {
                    provider(2)
                },
                record_type: pick(&RECORD_TYPES, n[6]),
                level: pick(&LEVELS, n[5]),
                duration: pick(&PERMISSION_DURATIONS, n[2]),
                quota: pick(&QUOTAS, n[4]),
            },
            27 => Op::RevokePermission {
                by: for_patient(rec_patient),
                patient: rec_patient,
                provider: if n[2] % 3 == 0 {
                    rec_provider
                } else {
                    provider(2)
                },
                record_type: pick(&RECORD_TYPES, n[6]),
            },
            28 => Op::Share {
                by: for_patient(rec_patient),
                patient: rec_patient,
                id,
                provider: sharee,
                duration,
            },
            29 => Op::Unshare {
                by: for_patient(rec_patient),
                patient: rec_patient,
                id,
                provider: sharee,
            },
            _ => Op::PauseRecords {
                by: owner_mostly,
                pause: n[2] % 2 == 0,
            },
        }
    }
}

fn data_hash(n: u8) -> [u8; 32] {
    if n == 0 {
        [0; 32]
    } else {
        [n; 32]
    }
}

fn key_id(n: u8) -> [u8; 32] {
    [n | 0x80; 32]
}

// ---------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------

/// The model's answer to one operation: the `Ok` value as text, or the
/// error's name.
type Res = Result<String, String>;

fn err<T>(name: &str) -> Result<T, String> {
    Err(name.to_string())
}

fn unit() -> Res {
    Ok("()".into())
}

fn sensitive(d: DataType) -> bool {
    matches!(
        d,
        DataType::MentalHealth | DataType::Genetic | DataType::Financial
    )
}

/// The model's own role matrix (the specification's table, not the
/// contracts' `Role::allows`).
fn role_allows(role: Role, d: DataType) -> bool {
    use DataType::*;
    match role {
        Role::Doctor => true,
        Role::Payer => d == Financial,
        _ if sensitive(d) => false,
        Role::Admin | Role::Emergency => true,
        Role::Nurse => matches!(d, MedicalRecords | LabResults | Prescriptions),
        Role::Technician => matches!(d, LabResults | Imaging),
        Role::Researcher => d == LabResults,
    }
}

/// Researchers act for research only, payers for payment only.
fn role_allows_purpose(role: Role, p: Purpose) -> bool {
    match role {
        Role::Researcher => p == Purpose::Research,
        Role::Payer => p == Purpose::Payment,
        _ => true,
    }
}

/// The model's own record-type mapping.
fn data_type_of(t: RecordType) -> DataType {
    match t {
        RecordType::Vitals
        | RecordType::BasicInfo
        | RecordType::Diagnosis
        | RecordType::Procedures
        | RecordType::Allergies
        | RecordType::Immunizations => DataType::MedicalRecords,
        RecordType::LabResults => DataType::LabResults,
        RecordType::MentalHealth => DataType::MentalHealth,
        RecordType::EmergencyContacts => DataType::EmergencyInfo,
        RecordType::Imaging => DataType::Imaging,
        RecordType::Medications => DataType::Prescriptions,
        RecordType::GeneticData => DataType::Genetic,
        RecordType::Insurance => DataType::Financial,
    }
}

/// Whether a consent or request for `given` covers data of type `d`.
fn covers(given: DataType, d: DataType) -> bool {
    given == d || (given == DataType::All && !sensitive(d))
}

#[derive(Clone, Debug, PartialEq)]
struct Provider {
    role: Role,
    verified: bool,
    active: bool,
    epoch: u32,
}

#[derive(Clone, Debug, PartialEq)]
struct Window {
    provider: Who,
    patient: Who,
    opened_at: u64,
    expires_at: u64,
    ended_at: Option<u64>,
    epoch: u32,
    review: Option<(Who, ReviewOutcome)>,
}

#[derive(Clone, Debug, PartialEq)]
struct Patient {
    granted: u32,
    revoked: u32,
    history: u64,
    consent_keys: u64,
    pending: u64,
    delegate_keys: u64,
    preference: EmergencyPreference,
}

impl Default for Patient {
    fn default() -> Self {
        Patient {
            granted: 0,
            revoked: 0,
            history: 0,
            consent_keys: 0,
            pending: 0,
            delegate_keys: 0,
            preference: EmergencyPreference::NonSensitive,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Consent {
    expires_at: u64,
    purposes: Vec<Purpose>,
    active: bool,
    granted_by: Who,
    request_id: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
struct Request {
    patient: Who,
    provider: Who,
    data_type: DataType,
    purpose: Purpose,
    status: RequestStatus,
    decided_by: Option<Who>,
}

#[derive(Clone, Debug, PartialEq)]
struct Record {
    patient: Who,
    record_type: RecordType,
    size: u64,
    status: RecordStatus,
    before_lock: Option<RecordStatus>,
    authored: bool,
    /// The data hash of each version, from version 1.
    versions: Vec<u8>,
    retention_until: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct Permission {
    level: AccessLevel,
    granted_by: Who,
    expires_at: Option<u64>,
    quota: Option<Quota>,
    reads_used: u32,
    bytes_used: u64,
    request_id: Option<u64>,
    revoked: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Patient,
    Delegate,
    Permission,
    Share,
    Emergency,
}

/// What a record operation needs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Need {
    Create,
    Read,
    Update,
    Status,
    Lock,
}

impl Need {
    fn level(self) -> AccessLevel {
        match self {
            Need::Read => AccessLevel::Read,
            Need::Create | Need::Update => AccessLevel::Write,
            Need::Status | Need::Lock => AccessLevel::Admin,
        }
    }

    /// What the patient and its delegates may do.
    fn patient_side(self, authored: bool) -> Result<(), String> {
        match self {
            Need::Read | Need::Lock | Need::Create => Ok(()),
            _ if authored => Ok(()),
            _ => err("NotPatientAuthored"),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Model {
    now: u64,
    // access-control
    providers: BTreeMap<Who, Provider>,
    provider_count: u64,
    admins: u32,
    windows: BTreeMap<u64, Window>,
    latest: BTreeMap<(Who, Who), u64>,
    // patient-consent
    consent_paused: bool,
    patients: BTreeMap<Who, Patient>,
    consents: BTreeMap<(Who, Who, DataType), Consent>,
    delegates: BTreeMap<(Who, Who), u64>,
    requests: BTreeMap<u64, Request>,
    request_count: u64,
    // record-management
    records_paused: bool,
    records: BTreeMap<u64, Record>,
    record_count: u64,
    hashes: BTreeSet<(Who, u8)>,
    permissions: BTreeMap<(Who, Who, RecordType), Permission>,
    shares: BTreeMap<(u64, Who), u64>,
    audit: BTreeMap<Who, u64>,
    /// records, permission keys, share keys per patient
    lists: BTreeMap<Who, [u64; 3]>,
}

/// A piece of state to compare at the end of a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Probe {
    Provider(Who),
    Window(u64),
    AccessControl,
    Patient(Who),
    Consent(Who, Who, DataType),
    Delegate(Who, Who),
    Request(u64),
    ConsentContract,
    Record(u64),
    Permission(Who, Who, RecordType),
    Share(u64, Who),
    Audit(Who),
    Lists(Who),
    RecordsContract,
}

impl Model {
    // --- access-control ----------------------------------------------------

    fn standing(&self, who: Who, d: DataType, p: Purpose) -> Result<(), &'static str> {
        match self.providers.get(&who) {
            None => Err("NotRegistered"),
            Some(x) if !x.verified => Err("NotVerified"),
            Some(x) if !x.active => Err("Inactive"),
            Some(x) if !role_allows(x.role, d) => Err("RoleNotAllowed"),
            Some(x) if !role_allows_purpose(x.role, p) => Err("PurposeNotAllowed"),
            Some(_) => Ok(()),
        }
    }

    fn is_admin(&self, who: Who) -> bool {
        self.providers
            .get(&who)
            .is_some_and(|p| p.role == Role::Admin && p.verified && p.active)
    }

    /// "Open", "Ended", "Expired" or "ClosedByDeactivation".
    fn window_state(&self, w: &Window) -> &'static str {
        let holder_epoch = self
            .providers
            .get(&w.provider)
            .filter(|p| p.verified && p.active)
            .map(|p| p.epoch);
        if w.ended_at.is_some() {
            "Ended"
        } else if holder_epoch != Some(w.epoch) {
            "ClosedByDeactivation"
        } else if self.now >= w.expires_at {
            "Expired"
        } else {
            "Open"
        }
    }

    fn latest_window(&self, provider: Who, patient: Who) -> Option<(u64, Window)> {
        let id = *self.latest.get(&(provider, patient))?;
        Some((id, self.windows.get(&id)?.clone()))
    }

    fn window_open(&self, provider: Who, patient: Who) -> bool {
        self.latest_window(provider, patient)
            .is_some_and(|(_, w)| self.window_state(&w) == "Open")
    }

    // --- patient-consent -----------------------------------------------------

    fn is_delegate(&self, patient: Who, actor: Who) -> bool {
        self.delegates
            .get(&(patient, actor))
            .is_some_and(|e| self.now < *e)
    }

    /// The patient registered, and the actor is it or an unexpired delegate.
    fn acts_for(&self, patient: Who, actor: Who) -> Result<(), String> {
        if !self.patients.contains_key(&patient) {
            return err("PatientNotRegistered");
        }
        if actor == patient || self.is_delegate(patient, actor) {
            Ok(())
        } else {
            err("NotAuthorized")
        }
    }

    /// "Given", "Missing" or "PurposeNotConsented".
    fn consent_check(&self, patient: Who, provider: Who, d: DataType, p: Purpose) -> &'static str {
        let mut valid = Vec::new();
        for given in [d, DataType::All] {
            if !covers(given, d) {
                continue;
            }
            if let Some(c) = self.consents.get(&(patient, provider, given)) {
                if c.active && self.now < c.expires_at {
                    valid.push(c);
                }
            }
            if given == d && d == DataType::All {
                break;
            }
        }
        if valid.iter().any(|c| c.purposes.contains(&p)) {
            "Given"
        } else if valid.is_empty() {
            "Missing"
        } else {
            "PurposeNotConsented"
        }
    }

    fn preference(&self, patient: Who) -> EmergencyPreference {
        self.patients
            .get(&patient)
            .map(|p| p.preference)
            .unwrap_or(EmergencyPreference::NonSensitive)
    }

    fn history(&mut self, patient: Who) {
        self.patients.entry(patient).or_default().history += 1;
    }

    // --- record-management's access decision -------------------------------

    fn authorize(
        &self,
        caller: Who,
        patient: Who,
        t: RecordType,
        need: Need,
        purpose: Purpose,
        record: Option<(u64, &Record)>,
    ) -> Result<Access, String> {
        let authored = record.is_some_and(|(_, r)| r.authored);
        if caller == patient {
            if need == Need::Create && !self.patients.contains_key(&patient) {
                return err("PatientNotRegistered");
            }
            need.patient_side(authored)?;
            return Ok(Access::Patient);
        }
        let d = data_type_of(t);
        let delegate = self.acts_for(patient, caller).is_ok();
        let standing = self.standing(caller, d, purpose);
        if delegate && standing == Err("NotRegistered") {
            need.patient_side(authored)?;
            return Ok(Access::Delegate);
        }
        let good = self
            .providers
            .get(&caller)
            .is_some_and(|p| p.verified && p.active);
        let window = good && self.window_open(caller, patient);
        let as_provider = self.provider_rule(caller, patient, t, need, purpose, standing, record);
        match as_provider {
            Ok(a) => Ok(a),
            Err(_) if delegate && need.patient_side(authored).is_ok() => Ok(Access::Delegate),
            Err(_) if window && need == Need::Read => {
                if purpose != Purpose::EmergencyTreatment {
                    return err("EmergencyPurposeRequired");
                }
                match self.preference(patient) {
                    EmergencyPreference::OptOut => err("EmergencyAccessOptedOut"),
                    EmergencyPreference::NonSensitive if sensitive(d) => {
                        err("OutsideEmergencyScope")
                    }
                    _ => Ok(Access::Emergency),
                }
            }
            Err(_) if window => err("EmergencyAccessReadOnly"),
            Err(e) => Err(e),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn provider_rule(
        &self,
        caller: Who,
        patient: Who,
        t: RecordType,
        need: Need,
        purpose: Purpose,
        standing: Result<(), &'static str>,
        record: Option<(u64, &Record)>,
    ) -> Result<Access, String> {
        match standing {
            Err("NotRegistered") => return err("ProviderNotRegistered"),
            Err("NotVerified") => return err("ProviderNotVerified"),
            Err("Inactive") => return err("ProviderInactive"),
            Err("RoleNotAllowed") => return err("RoleNotAllowed"),
            Err(_) => return err("PurposeNotAllowed"),
            Ok(()) => {}
        }
        let authored = record.is_some_and(|(_, r)| r.authored);
        if authored && matches!(need, Need::Update | Need::Status) {
            return err("PatientAuthoredRecord");
        }
        match self.consent_check(patient, caller, data_type_of(t), purpose) {
            "Missing" => return err("ConsentRequired"),
            "PurposeNotConsented" => return err("PurposeNotConsented"),
            _ => {}
        }
        let size = record.map_or(0, |(_, r)| r.size);
        let denial = match self.permissions.get(&(patient, caller, t)) {
            None => "NoPermission",
            Some(p) if p.revoked => "NoPermission",
            Some(p) if p.expires_at.is_some_and(|e| self.now >= e) => "PermissionExpired",
            Some(p) if p.level < need.level() => "InsufficientAccessLevel",
            Some(p) if need == Need::Read && quota_used_up(p, size) => "QuotaExhausted",
            Some(_) => return Ok(Access::Permission),
        };
        if need == Need::Read {
            if let Some((id, _)) = record {
                if self
                    .shares
                    .get(&(id, caller))
                    .is_some_and(|e| self.now < *e)
                {
                    return Ok(Access::Share);
                }
            }
        }
        err(denial)
    }

    fn patient_side(&self, patient: Who, by: Who) -> Result<(), String> {
        if by == patient || self.acts_for(patient, by).is_ok() {
            Ok(())
        } else {
            err("NotPatientOrDelegate")
        }
    }

    fn audit(&mut self, patient: Who) {
        *self.audit.entry(patient).or_default() += 1;
    }

    fn record_of(&self, patient: Who, id: u64) -> Result<Record, String> {
        match self.records.get(&id) {
            Some(r) if r.patient == patient => Ok(r.clone()),
            _ => err("RecordNotFound"),
        }
    }

    /// The record, refused for what its status forbids (`Read` is decided
    /// on locked records after the access decision).
    fn target(&self, patient: Who, id: u64, need: Need) -> Result<Record, String> {
        let r = self.record_of(patient, id)?;
        match (r.status, need) {
            (RecordStatus::Deleted, _) => err("RecordDeleted"),
            (RecordStatus::Locked, Need::Read) => Ok(r),
            (RecordStatus::Locked, _) => err("RecordLocked"),
            (RecordStatus::Archived, Need::Update) => err("RecordArchived"),
            _ => Ok(r),
        }
    }

    fn running(paused: bool) -> Result<(), String> {
        if paused {
            err("ContractPaused")
        } else {
            Ok(())
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn change_status(
        &mut self,
        by: Who,
        patient: Who,
        id: u64,
        r: &Record,
        need: Need,
        to: RecordStatus,
        purpose: Purpose,
    ) -> Res {
        self.authorize(by, patient, r.record_type, need, purpose, Some((id, r)))?;
        self.audit(patient);
        let rec = self.records.get_mut(&id).ok_or("model: record vanished")?;
        rec.before_lock = (to == RecordStatus::Locked).then_some(rec.status);
        rec.status = to;
        unit()
    }

    #[allow(clippy::too_many_arguments)]
    fn put_consent(
        &mut self,
        actor: Who,
        patient: Who,
        provider: Who,
        d: DataType,
        duration: u64,
        purposes: Vec<Purpose>,
        request: Option<u64>,
    ) -> Res {
        if provider == patient || provider == actor {
            return err("CannotTargetSelf");
        }
        if duration == 0 {
            return err("InvalidDuration");
        }
        let expires_at = self.now + duration;
        let new_key = !self.consents.contains_key(&(patient, provider, d));
        let p = self.patients.entry(patient).or_default();
        p.granted += 1;
        p.history += 1;
        if new_key {
            p.consent_keys += 1;
        }
        self.consents.insert(
            (patient, provider, d),
            Consent {
                expires_at,
                purposes,
                active: true,
                granted_by: actor,
                request_id: request,
            },
        );
        Ok(expires_at.to_string())
    }

    fn pending_request(&self, actor: Who, id: u64) -> Result<Request, String> {
        let r = self.requests.get(&id).cloned().ok_or("RequestNotFound")?;
        self.acts_for(r.patient, actor)?;
        if r.status != RequestStatus::Pending {
            return err("RequestNotPending");
        }
        Ok(r)
    }

    fn put_permission(&mut self, patient: Who, provider: Who, t: RecordType, p: Permission) {
        if !self.permissions.contains_key(&(patient, provider, t)) {
            self.lists.entry(patient).or_default()[1] += 1;
        }
        self.permissions.insert((patient, provider, t), p);
        self.audit(patient);
    }

    // --- one operation ----------------------------------------------------

    /// Applies `op`; returns its result and records what it touched.
    fn apply(&mut self, op: &Op, probes: &mut BTreeSet<Probe>) -> Res {
        use Probe as P;
        let now = self.now;
        match op.clone() {
            Op::Wait(ms) => {
                self.now += ms;
                unit()
            }
            Op::RegisterProvider {
                by: A(by),
                who: A(who),
                role,
            } => {
                probes.extend([P::Provider(who), P::AccessControl]);
                if by != OWNER {
                    return err("NotOwner");
                }
                if who == by {
                    return err("CannotTargetSelf");
                }
                if self.providers.contains_key(&who) {
                    return err("ProviderAlreadyRegistered");
                }
                self.providers.insert(
                    who,
                    Provider {
                        role,
                        verified: false,
                        active: true,
                        epoch: 0,
                    },
                );
                self.provider_count += 1;
                unit()
            }
            Op::VerifyProvider {
                by: A(by),
                who: A(who),
            } => {
                probes.extend([P::Provider(who), P::AccessControl]);
                if !self.is_admin(by) {
                    return err("NotAdmin");
                }
                if who == by {
                    return err("CannotTargetSelf");
                }
                let p = self.providers.get_mut(&who).ok_or("ProviderNotFound")?;
                if p.verified {
                    return err("AlreadyVerified");
                }
                p.verified = true;
                if p.role == Role::Admin && p.active {
                    self.admins += 1;
                }
                unit()
            }
            Op::DeactivateProvider {
                by: A(by),
                who: A(who),
            } => {
                probes.extend([P::Provider(who), P::AccessControl]);
                if by != OWNER && !self.is_admin(by) {
                    return err("NotAdmin");
                }
                let was_admin = self.is_admin(who);
                let admins = self.admins;
                let p = self.providers.get_mut(&who).ok_or("ProviderNotFound")?;
                if !p.active {
                    return err("AlreadyInactive");
                }
                if was_admin {
                    if admins <= 1 {
                        return err("LastActiveAdmin");
                    }
                    self.admins -= 1;
                }
                p.active = false;
                p.epoch += 1;
                unit()
            }
            Op::ReactivateProvider {
                by: A(by),
                who: A(who),
            } => {
                probes.extend([P::Provider(who), P::AccessControl]);
                if !self.is_admin(by) {
                    return err("NotAdmin");
                }
                if who == by {
                    return err("CannotTargetSelf");
                }
                let p = self.providers.get_mut(&who).ok_or("ProviderNotFound")?;
                if p.active {
                    return err("AlreadyActive");
                }
                p.active = true;
                if p.role == Role::Admin && p.verified {
                    self.admins += 1;
                }
                unit()
            }
            Op::OpenEmergency {
                by: A(by),
                patient: A(patient),
            } => {
                let id = self.windows.len() as u64 + 1;
                probes.extend([P::Window(id), P::AccessControl]);
                let p = self.providers.get(&by).ok_or("CallerNotRegistered")?;
                if !p.verified {
                    return err("CallerNotVerified");
                }
                if !p.active {
                    return err("CallerInactive");
                }
                if p.role != Role::Emergency {
                    return err("NotEmergencyRole");
                }
                let epoch = p.epoch;
                if patient == by {
                    return err("CannotTargetSelf");
                }
                if let Some((_, w)) = self.latest_window(by, patient) {
                    if self.window_state(&w) == "Open" {
                        return err("EmergencyWindowAlreadyOpen");
                    }
                    if now < w.opened_at + COOLDOWN {
                        return err("EmergencyCooldown");
                    }
                }
                let expires_at = now + EMERGENCY_WINDOW;
                self.windows.insert(
                    id,
                    Window {
                        provider: by,
                        patient,
                        opened_at: now,
                        expires_at,
                        ended_at: None,
                        epoch,
                        review: None,
                    },
                );
                self.latest.insert((by, patient), id);
                Ok(format!("{:?}", (id, expires_at)))
            }
            Op::EndEmergency {
                by: A(by),
                patient: A(patient),
            } => {
                let Some((id, w)) = self.latest_window(by, patient) else {
                    return err("NoOpenEmergencyWindow");
                };
                probes.insert(P::Window(id));
                if self.window_state(&w) != "Open" {
                    return err("NoOpenEmergencyWindow");
                }
                if let Some(w) = self.windows.get_mut(&id) {
                    w.ended_at = Some(now);
                }
                Ok(id.to_string())
            }
            Op::ReviewWindow {
                by: A(by),
                window,
                outcome,
            } => {
                probes.extend([P::Window(window), P::AccessControl]);
                if !self.is_admin(by) {
                    return err("NotAdmin");
                }
                let w = self.windows.get(&window).cloned().ok_or("WindowNotFound")?;
                if w.provider == by {
                    return err("CannotTargetSelf");
                }
                if self.window_state(&w) == "Open" {
                    return err("WindowStillOpen");
                }
                if w.review.is_some() {
                    return err("AlreadyReviewed");
                }
                if let Some(w) = self.windows.get_mut(&window) {
                    w.review = Some((by, outcome));
                }
                unit()
            }
            Op::RegisterPatient { by: A(by) } => {
                probes.insert(P::Patient(by));
                Self::running(self.consent_paused)?;
                if self.patients.contains_key(&by) {
                    return err("PatientAlreadyRegistered");
                }
                self.patients.insert(by, Patient::default());
                unit()
            }
            Op::SetPreference {
                by: A(by),
                patient: A(patient),
                preference,
            } => {
                probes.insert(P::Patient(patient));
                self.acts_for(patient, by)?;
                let rank = |p: EmergencyPreference| match p {
                    EmergencyPreference::OptOut => 0,
                    EmergencyPreference::NonSensitive => 1,
                    EmergencyPreference::IncludeSensitive => 2,
                };
                if rank(preference) > rank(self.preference(patient)) {
                    Self::running(self.consent_paused)?;
                }
                let p = self.patients.entry(patient).or_default();
                p.preference = preference;
                p.history += 1;
                unit()
            }
            Op::GrantConsent {
                by: A(by),
                patient: A(patient),
                provider: A(provider),
                data_type,
                duration,
                purposes,
            } => {
                probes.extend([
                    P::Patient(patient),
                    P::Consent(patient, provider, data_type),
                ]);
                Self::running(self.consent_paused)?;
                self.acts_for(patient, by)?;
                if purposes.is_empty() {
                    return err("NoPurpose");
                }
                self.put_consent(by, patient, provider, data_type, duration, purposes, None)
            }
            Op::RevokeConsent {
                by: A(by),
                patient: A(patient),
                provider: A(provider),
                data_type,
            } => {
                probes.extend([
                    P::Patient(patient),
                    P::Consent(patient, provider, data_type),
                ]);
                self.acts_for(patient, by)?;
                let c = self
                    .consents
                    .get_mut(&(patient, provider, data_type))
                    .ok_or("ConsentNotFound")?;
                if !c.active {
                    return err("ConsentNotActive");
                }
                c.active = false;
                let p = self.patients.entry(patient).or_default();
                p.revoked += 1;
                p.history += 1;
                unit()
            }
            Op::UpdatePurposes {
                by: A(by),
                patient: A(patient),
                provider: A(provider),
                data_type,
                purposes,
            } => {
                probes.extend([
                    P::Patient(patient),
                    P::Consent(patient, provider, data_type),
                ]);
                Self::running(self.consent_paused)?;
                self.acts_for(patient, by)?;
                if purposes.is_empty() {
                    return err("NoPurpose");
                }
                let c = self
                    .consents
                    .get_mut(&(patient, provider, data_type))
                    .ok_or("ConsentNotFound")?;
                if !c.active {
                    return err("ConsentNotActive");
                }
                if now >= c.expires_at {
                    return err("ConsentExpired");
                }
                c.purposes = purposes;
                self.history(patient);
                unit()
            }
            Op::RequestAccess {
                by: A(by),
                patient: A(patient),
                data_type,
                purpose,
            } => {
                let id = self.request_count + 1;
                probes.extend([P::Request(id), P::ConsentContract, P::Patient(patient)]);
                Self::running(self.consent_paused)?;
                if !self.patients.contains_key(&patient) {
                    return err("PatientNotRegistered");
                }
                if by == patient {
                    return err("CannotTargetSelf");
                }
                match self.standing(by, data_type, purpose) {
                    Ok(()) => {}
                    Err("NotRegistered") => return err("ProviderNotRegistered"),
                    Err("NotVerified") => return err("ProviderNotVerified"),
                    Err("Inactive") => return err("ProviderInactive"),
                    Err("RoleNotAllowed") => return err("RoleNotAllowed"),
                    Err(_) => return err("PurposeNotAllowed"),
                }
                if self.requests.values().any(|r| {
                    r.status == RequestStatus::Pending
                        && r.patient == patient
                        && r.provider == by
                        && r.data_type == data_type
                }) {
                    return err("RequestAlreadyPending");
                }
                self.request_count = id;
                self.requests.insert(
                    id,
                    Request {
                        patient,
                        provider: by,
                        data_type,
                        purpose,
                        status: RequestStatus::Pending,
                        decided_by: None,
                    },
                );
                self.patients.entry(patient).or_default().pending += 1;
                Ok(id.to_string())
            }
            Op::ApproveRequest {
                by: A(by),
                request,
                duration,
                record_types,
                level,
            } => {
                probes.extend([P::Request(request), P::RecordsContract]);
                Self::running(self.consent_paused)?;
                let r = self.pending_request(by, request)?;
                probes.extend([
                    P::Patient(r.patient),
                    P::Consent(r.patient, r.provider, r.data_type),
                    P::Audit(r.patient),
                    P::Lists(r.patient),
                ]);
                if by == r.provider {
                    return err("CannotTargetSelf");
                }
                let mut types = record_types.clone();
                types.sort();
                types.dedup();
                for t in &types {
                    probes.insert(P::Permission(r.patient, r.provider, *t));
                }
                if !types.is_empty() {
                    if level == AccessLevel::Emergency {
                        return err("InvalidAccessLevel");
                    }
                    if types.iter().any(|t| !covers(r.data_type, data_type_of(*t))) {
                        return err("RecordTypeNotRequested");
                    }
                }
                // Everything below happens in one transaction: a refusal by
                // record-management undoes the consent too.
                let snapshot = self.clone();
                let mut purposes: Vec<Purpose> =
                    match self.consents.get(&(r.patient, r.provider, r.data_type)) {
                        Some(c) if c.active && now < c.expires_at => c.purposes.clone(),
                        _ => Vec::new(),
                    };
                if !purposes.contains(&r.purpose) {
                    purposes.push(r.purpose);
                }
                purposes.sort();
                let expiry = self.put_consent(
                    by,
                    r.patient,
                    r.provider,
                    r.data_type,
                    duration,
                    purposes,
                    Some(request),
                )?;
                if let Some(x) = self.requests.get_mut(&request) {
                    x.status = RequestStatus::Approved;
                    x.decided_by = Some(by);
                }
                self.patients.entry(r.patient).or_default().pending -= 1;
                if !types.is_empty() {
                    if self.records_paused {
                        *self = snapshot;
                        return err("PermissionGrantRefused");
                    }
                    let expires_at = now + duration;
                    for t in types {
                        self.put_permission(
                            r.patient,
                            r.provider,
                            t,
                            Permission {
                                level,
                                granted_by: by,
                                expires_at: Some(expires_at),
                                quota: None,
                                reads_used: 0,
                                bytes_used: 0,
                                request_id: Some(request),
                                revoked: false,
                            },
                        );
                    }
                }
                Ok(expiry)
            }
            Op::DenyRequest { by: A(by), request } => {
                probes.insert(P::Request(request));
                Self::running(self.consent_paused)?;
                let r = self.pending_request(by, request)?;
                probes.insert(P::Patient(r.patient));
                let p = self.patients.entry(r.patient).or_default();
                p.history += 1;
                p.pending -= 1;
                if let Some(x) = self.requests.get_mut(&request) {
                    x.status = RequestStatus::Denied;
                    x.decided_by = Some(by);
                }
                unit()
            }
            Op::AddDelegate {
                by: A(by),
                delegate: A(delegate),
                duration,
            } => {
                probes.extend([P::Patient(by), P::Delegate(by, delegate)]);
                Self::running(self.consent_paused)?;
                if !self.patients.contains_key(&by) {
                    return err("PatientNotRegistered");
                }
                if delegate == by {
                    return err("CannotTargetSelf");
                }
                if duration == 0 {
                    return err("InvalidDuration");
                }
                let new_key = !self.delegates.contains_key(&(by, delegate));
                let p = self.patients.entry(by).or_default();
                p.history += 1;
                if new_key {
                    p.delegate_keys += 1;
                }
                self.delegates.insert((by, delegate), now + duration);
                Ok((now + duration).to_string())
            }
            Op::RemoveDelegate {
                by: A(by),
                patient: A(patient),
                delegate: A(delegate),
            } => {
                probes.extend([P::Patient(patient), P::Delegate(patient, delegate)]);
                if by != patient && by != delegate {
                    return err("NotAuthorized");
                }
                if !self.patients.contains_key(&patient) {
                    return err("PatientNotRegistered");
                }
                if !self.is_delegate(patient, delegate) {
                    return err("DelegateNotFound");
                }
                self.delegates.insert((patient, delegate), now);
                self.history(patient);
                unit()
            }
            Op::PauseConsent { by: A(by), pause } => {
                probes.insert(P::ConsentContract);
                set_paused(&mut self.consent_paused, by, pause)
            }
            Op::PauseRecords { by: A(by), pause } => {
                probes.insert(P::RecordsContract);
                set_paused(&mut self.records_paused, by, pause)
            }
            Op::CreateRecord {
                by: A(by),
                patient: A(patient),
                record_type,
                hash,
                size,
                purpose,
            } => {
                let id = self.record_count + 1;
                probes.extend([
                    P::Record(id),
                    P::Audit(patient),
                    P::Lists(patient),
                    P::RecordsContract,
                ]);
                Self::running(self.records_paused)?;
                if hash == 0 {
                    return err("InvalidDataHash");
                }
                let access =
                    self.authorize(by, patient, record_type, Need::Create, purpose, None)?;
                if self.hashes.contains(&(patient, hash)) {
                    return err("DuplicateRecord");
                }
                self.record_count = id;
                self.audit(patient);
                self.records.insert(
                    id,
                    Record {
                        patient,
                        record_type,
                        size,
                        status: RecordStatus::Active,
                        before_lock: None,
                        authored: matches!(access, Access::Patient | Access::Delegate),
                        versions: vec![hash],
                        retention_until: now + RETENTION,
                    },
                );
                self.hashes.insert((patient, hash));
                self.lists.entry(patient).or_default()[0] += 1;
                Ok(id.to_string())
            }
            Op::GetRecord {
                by: A(by),
                patient: A(patient),
                id,
                purpose,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                Self::running(self.records_paused)?;
                let r = self.target(patient, id, Need::Read)?;
                probes.insert(P::Permission(patient, by, r.record_type));
                let access = self.authorize(
                    by,
                    patient,
                    r.record_type,
                    Need::Read,
                    purpose,
                    Some((id, &r)),
                )?;
                if r.status == RecordStatus::Locked
                    && !matches!(access, Access::Patient | Access::Delegate)
                {
                    return err("RecordLocked");
                }
                if access == Access::Permission {
                    if let Some(p) = self.permissions.get_mut(&(patient, by, r.record_type)) {
                        if p.quota.is_some() {
                            p.reads_used += 1;
                            p.bytes_used += r.size;
                        }
                    }
                }
                let index = self.audit.get(&patient).copied().unwrap_or(0);
                self.audit(patient);
                Ok(view_text(id, r.versions.len(), r.status, access, index))
            }
            Op::UpdateRecord {
                by: A(by),
                patient: A(patient),
                id,
                hash,
                size,
                purpose,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                Self::running(self.records_paused)?;
                if hash == 0 {
                    return err("InvalidDataHash");
                }
                let r = self.target(patient, id, Need::Update)?;
                probes.insert(P::Permission(patient, by, r.record_type));
                self.authorize(
                    by,
                    patient,
                    r.record_type,
                    Need::Update,
                    purpose,
                    Some((id, &r)),
                )?;
                if self.hashes.contains(&(patient, hash)) {
                    return err("DuplicateRecord");
                }
                self.audit(patient);
                self.hashes.insert((patient, hash));
                let rec = self.records.get_mut(&id).ok_or("model: record vanished")?;
                rec.size = size;
                rec.versions.push(hash);
                Ok(rec.versions.len().to_string())
            }
            Op::SetStatus {
                by: A(by),
                patient: A(patient),
                id,
                status,
                purpose,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                Self::running(self.records_paused)?;
                if matches!(status, RecordStatus::Locked | RecordStatus::Deleted) {
                    return err("InvalidStatusTransition");
                }
                let r = self.target(patient, id, Need::Status)?;
                if r.status == status {
                    return err("InvalidStatusTransition");
                }
                self.change_status(by, patient, id, &r, Need::Status, status, purpose)
            }
            Op::Lock {
                by: A(by),
                patient: A(patient),
                id,
                purpose,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                let r = self.target(patient, id, Need::Lock)?;
                self.change_status(
                    by,
                    patient,
                    id,
                    &r,
                    Need::Lock,
                    RecordStatus::Locked,
                    purpose,
                )
            }
            Op::Unlock {
                by: A(by),
                patient: A(patient),
                id,
                purpose,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                Self::running(self.records_paused)?;
                let r = self.record_of(patient, id)?;
                if r.status != RecordStatus::Locked {
                    return err("RecordNotLocked");
                }
                let back = r.before_lock.unwrap_or(RecordStatus::Active);
                self.change_status(by, patient, id, &r, Need::Lock, back, purpose)
            }
            Op::Delete {
                by: A(by),
                patient: A(patient),
                id,
                purpose,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                Self::running(self.records_paused)?;
                let r = self.target(patient, id, Need::Status)?;
                if now < r.retention_until {
                    return err("RetentionPeriodActive");
                }
                self.change_status(
                    by,
                    patient,
                    id,
                    &r,
                    Need::Status,
                    RecordStatus::Deleted,
                    purpose,
                )
            }
            Op::GrantPermission {
                by: A(by),
                patient: A(patient),
                provider: A(provider),
                record_type,
                level,
                duration,
                quota,
            } => {
                probes.extend([
                    P::Permission(patient, provider, record_type),
                    P::Audit(patient),
                    P::Lists(patient),
                ]);
                Self::running(self.records_paused)?;
                if level == AccessLevel::Emergency {
                    return err("InvalidAccessLevel");
                }
                if duration == Some(0) {
                    return err("InvalidDuration");
                }
                if let Some(q) = quota {
                    let any_limit = q.max_reads.is_some() || q.max_bytes.is_some();
                    if q.max_reads == Some(0) || q.max_bytes == Some(0) || !any_limit {
                        return err("InvalidQuota");
                    }
                }
                self.patient_side(patient, by)?;
                if provider == patient || provider == by {
                    return err("CannotTargetSelf");
                }
                self.put_permission(
                    patient,
                    provider,
                    record_type,
                    Permission {
                        level,
                        granted_by: by,
                        expires_at: duration.map(|d| now + d),
                        quota,
                        reads_used: 0,
                        bytes_used: 0,
                        request_id: None,
                        revoked: false,
                    },
                );
                unit()
            }
            Op::RevokePermission {
                by: A(by),
                patient: A(patient),
                provider: A(provider),
                record_type,
            } => {
                probes.extend([
                    P::Permission(patient, provider, record_type),
                    P::Audit(patient),
                ]);
                self.patient_side(patient, by)?;
                match self.permissions.get_mut(&(patient, provider, record_type)) {
                    Some(p) if !p.revoked => p.revoked = true,
                    _ => return err("PermissionNotFound"),
                }
                self.audit(patient);
                unit()
            }
            Op::Share {
                by: A(by),
                patient: A(patient),
                id,
                provider: A(provider),
                duration,
            } => {
                probes.extend([P::Share(id, provider), P::Audit(patient), P::Lists(patient)]);
                Self::running(self.records_paused)?;
                if duration == 0 {
                    return err("InvalidDuration");
                }
                let r = self.record_of(patient, id)?;
                if r.status == RecordStatus::Deleted {
                    return err("RecordDeleted");
                }
                self.patient_side(patient, by)?;
                if provider == patient || provider == by {
                    return err("CannotTargetSelf");
                }
                if !self.shares.contains_key(&(id, provider)) {
                    self.lists.entry(patient).or_default()[2] += 1;
                }
                self.audit(patient);
                self.shares.insert((id, provider), now + duration);
                Ok((now + duration).to_string())
            }
            Op::Unshare {
                by: A(by),
                patient: A(patient),
                id,
                provider: A(provider),
            } => {
                probes.extend([P::Share(id, provider), P::Audit(patient)]);
                self.record_of(patient, id)?;
                self.patient_side(patient, by)?;
                if self.shares.get(&(id, provider)).is_none_or(|e| now >= *e) {
                    return err("ShareNotFound");
                }
                self.audit(patient);
                self.shares.insert((id, provider), now);
                unit()
            }
        }
    }

    /// The model's view of one probed piece of state, in the same text the
    /// contracts' answer is turned into.
    fn view(&self, probe: Probe) -> String {
        match probe {
            Probe::Provider(w) => format!(
                "{:?}",
                self.providers
                    .get(&w)
                    .map(|p| (p.role, p.verified, p.active, p.epoch))
            ),
            Probe::Window(id) => format!(
                "{:?}",
                self.windows.get(&id).map(|w| (
                    A(w.provider),
                    A(w.patient),
                    w.opened_at,
                    w.expires_at,
                    w.ended_at,
                    w.review.map(|(r, o)| (A(r), o)),
                    self.window_state(w)
                ))
            ),
            Probe::AccessControl => format!(
                "providers={} admins={} unreviewed={}",
                self.provider_count,
                self.admins,
                self.windows.values().filter(|w| w.review.is_none()).count()
            ),
            Probe::Patient(p) => format!(
                "{:?}",
                self.patients.get(&p).map(|i| (
                    i.granted,
                    i.revoked,
                    i.history,
                    i.consent_keys,
                    i.pending,
                    i.delegate_keys,
                    i.preference
                ))
            ),
            Probe::Consent(p, q, d) => format!(
                "{:?}",
                self.consents.get(&(p, q, d)).map(|c| (
                    c.expires_at,
                    PurposeSet::of(&c.purposes),
                    c.active,
                    A(c.granted_by),
                    c.request_id
                ))
            ),
            Probe::Delegate(p, d) => format!("{:?}", self.delegates.get(&(p, d))),
            Probe::Request(id) => format!(
                "{:?}",
                self.requests.get(&id).map(|r| (
                    A(r.patient),
                    A(r.provider),
                    r.data_type,
                    r.purpose,
                    r.status,
                    r.decided_by.map(A)
                ))
            ),
            Probe::ConsentContract => format!(
                "paused={} requests={}",
                self.consent_paused, self.request_count
            ),
            Probe::Record(id) => format!(
                "{:?}",
                self.records
                    .get(&id)
                    .map(|r| (r.status, r.authored, r.versions.clone(), r.size))
            ),
            Probe::Permission(p, q, t) => format!(
                "{:?}",
                self.permissions.get(&(p, q, t)).map(|x| (
                    x.level,
                    A(x.granted_by),
                    x.expires_at,
                    x.quota,
                    x.reads_used,
                    x.bytes_used,
                    x.request_id,
                    x.revoked
                ))
            ),
            Probe::Share(id, p) => format!("{:?}", self.shares.get(&(id, p))),
            Probe::Audit(p) => self.audit.get(&p).copied().unwrap_or(0).to_string(),
            Probe::Lists(p) => format!("{:?}", self.lists.get(&p).copied().unwrap_or_default()),
            Probe::RecordsContract => format!(
                "paused={} next={}",
                self.records_paused,
                self.record_count + 1
            ),
        }
    }
}

/// `pause` / `unpause` of either contract: the owner only, and only as a
/// change.
fn set_paused(paused: &mut bool, by: Who, pause: bool) -> Res {
    if by != OWNER {
        return err("NotOwner");
    }
    if pause == *paused {
        return err(if pause { "AlreadyPaused" } else { "NotPaused" });
    }
    *paused = pause;
    unit()
}

fn quota_used_up(p: &Permission, size: u64) -> bool {
    p.quota.is_some_and(|q| {
        q.max_reads.is_some_and(|m| p.reads_used >= m)
            || q.max_bytes.is_some_and(|m| p.bytes_used + size > m)
    })
}

fn view_text(id: u64, version: usize, status: RecordStatus, access: Access, index: u64) -> String {
    format!("#{id} v{version} {status:?} {access:?} audit={index}")
}

// ---------------------------------------------------------------------------
// The same operations on the compiled contracts
// ---------------------------------------------------------------------------

struct System {
    s: Session,
}

impl System {
    /// Calls a message that returns `Result<T, E>` and turns the outcome
    /// into the model's terms. A reverted flag that disagrees with the
    /// result, or a call that failed outright (a trap, an undecodable
    /// answer), is reported as such and can never match the model.
    fn tx<Args, T, E>(
        &mut self,
        by: Who,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
        show: impl FnOnce(T) -> String,
    ) -> Res
    where
        Args: Encode + Clone,
        T: Decode,
        E: Decode + std::fmt::Debug,
        CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
    {
        let outcome = match self.s.chain.call(account(by), msg) {
            Ok(o) => o,
            Err(e) => return Err(format!("HARNESS: {e}")),
        };
        match outcome.value {
            Ok(Ok(v)) if !outcome.reverted => Ok(show(v)),
            Ok(Err(e)) if outcome.reverted => Err(format!("{e:?}")),
            Ok(r) => Err(format!(
                "REVERT FLAG {} DISAGREES WITH {}",
                outcome.reverted,
                if r.is_ok() { "Ok" } else { "Err" }
            )),
            Err(e) => Err(format!("CALL FAILED: {e}")),
        }
    }

    fn query<Args, R>(
        &mut self,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
    ) -> Result<R, String>
    where
        Args: Encode + Clone,
        R: Decode,
        CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
    {
        self.s.query(msg).map_err(|e| e.to_string())
    }

    fn apply(&mut self, op: &Op) -> Res {
        let (mut ac, mut pc, mut rm) = (self.s.ac(), self.s.pc(), self.s.rm());
        let u = |()| "()".to_string();
        let n = |v: u64| v.to_string();
        let a = account;
        match op.clone() {
            Op::Wait(ms) => {
                self.s.advance(ms);
                unit()
            }
            Op::RegisterProvider {
                by: A(by),
                who: A(who),
                role,
            } => self.tx(by, &ac.register_provider(a(who), role, [0xC0; 32]), u),
            Op::VerifyProvider {
                by: A(by),
                who: A(who),
            } => self.tx(by, &ac.verify_provider(a(who)), u),
            Op::DeactivateProvider {
                by: A(by),
                who: A(who),
            } => self.tx(by, &ac.deactivate_provider(a(who)), u),
            Op::ReactivateProvider {
                by: A(by),
                who: A(who),
            } => self.tx(by, &ac.reactivate_provider(a(who)), u),
            Op::OpenEmergency {
                by: A(by),
                patient: A(p),
            } => self.tx(
                by,
                &ac.activate_emergency_access(
                    a(p),
                    EmergencyReason::PatientUnconscious,
                    [0xEE; 32],
                ),
                |v| format!("{v:?}"),
            ),
            Op::EndEmergency {
                by: A(by),
                patient: A(p),
            } => self.tx(by, &ac.end_emergency_access(a(p)), n),
            Op::ReviewWindow {
                by: A(by),
                window,
                outcome,
            } => self.tx(
                by,
                &ac.review_emergency_access(window, outcome, [0x11; 32]),
                u,
            ),
            Op::RegisterPatient { by: A(by) } => self.tx(by, &pc.register_patient(), u),
            Op::SetPreference {
                by: A(by),
                patient: A(p),
                preference,
            } => self.tx(by, &pc.set_emergency_preference(a(p), preference), u),
            Op::GrantConsent {
                by: A(by),
                patient: A(p),
                provider: A(q),
                data_type,
                duration,
                purposes,
            } => self.tx(
                by,
                &pc.grant_consent(a(p), a(q), data_type, duration, purposes),
                n,
            ),
            Op::RevokeConsent {
                by: A(by),
                patient: A(p),
                provider: A(q),
                data_type,
            } => self.tx(by, &pc.revoke_consent(a(p), a(q), data_type), u),
            Op::UpdatePurposes {
                by: A(by),
                patient: A(p),
                provider: A(q),
                data_type,
                purposes,
            } => self.tx(
                by,
                &pc.update_consent_purposes(a(p), a(q), data_type, purposes),
                u,
            ),
            Op::RequestAccess {
                by: A(by),
                patient: A(p),
                data_type,
                purpose,
            } => self.tx(by, &pc.request_access(a(p), data_type, purpose), n),
            Op::ApproveRequest {
                by: A(by),
                request,
                duration,
                record_types,
                level,
            } => self.tx(
                by,
                &pc.approve_access_request(request, duration, record_types, level),
                n,
            ),
            Op::DenyRequest { by: A(by), request } => {
                self.tx(by, &pc.deny_access_request(request), u)
            }
            Op::AddDelegate {
                by: A(by),
                delegate: A(d),
                duration,
            } => self.tx(
                by,
                &pc.add_delegate(a(d), DelegateKind::Guardian, duration),
                n,
            ),
            Op::RemoveDelegate {
                by: A(by),
                patient: A(p),
                delegate: A(d),
            } => self.tx(by, &pc.remove_delegate(a(p), a(d)), u),
            Op::PauseConsent { by: A(by), pause } => {
                let msg = if pause { pc.pause() } else { pc.unpause() };
                self.tx(by, &msg, u)
            }
            Op::PauseRecords { by: A(by), pause } => {
                let msg = if pause { rm.pause() } else { rm.unpause() };
                self.tx(by, &msg, u)
            }
            Op::CreateRecord {
                by: A(by),
                patient: A(p),
                record_type,
                hash,
                size,
                purpose,
            } => self.tx(
                by,
                &rm.create_record(
                    a(p),
                    record_type,
                    data_hash(hash),
                    key_id(hash),
                    size,
                    0,
                    Confidentiality::Normal,
                    purpose,
                ),
                n,
            ),
            Op::GetRecord {
                by: A(by),
                patient: A(p),
                id,
                purpose,
            } => self.tx(by, &rm.get_record(a(p), id, purpose), |v| {
                let access = match v.access {
                    RmAccess::Patient => Access::Patient,
                    RmAccess::Delegate => Access::Delegate,
                    RmAccess::Permission => Access::Permission,
                    RmAccess::RecordShare => Access::Share,
                    RmAccess::Emergency => Access::Emergency,
                };
                view_text(
                    v.record_id,
                    v.meta.version as usize,
                    v.meta.status,
                    access,
                    v.audit_index,
                )
            }),
            Op::UpdateRecord {
                by: A(by),
                patient: A(p),
                id,
                hash,
                size,
                purpose,
            } => self.tx(
                by,
                &rm.update_record(a(p), id, data_hash(hash), key_id(hash), size, purpose),
                |v| v.to_string(),
            ),
            Op::SetStatus {
                by: A(by),
                patient: A(p),
                id,
                status,
                purpose,
            } => self.tx(by, &rm.set_record_status(a(p), id, status, purpose), u),
            Op::Lock {
                by: A(by),
                patient: A(p),
                id,
                purpose,
            } => self.tx(by, &rm.lock_record(a(p), id, purpose), u),
            Op::Unlock {
                by: A(by),
                patient: A(p),
                id,
                purpose,
            } => self.tx(by, &rm.unlock_record(a(p), id, purpose), u),
            Op::Delete {
                by: A(by),
                patient: A(p),
                id,
                purpose,
            } => self.tx(by, &rm.delete_record(a(p), id, purpose), u),
            Op::GrantPermission {
                by: A(by),
                patient: A(p),
                provider: A(q),
                record_type,
                level,
                duration,
                quota,
            } => self.tx(
                by,
                &rm.grant_permission(a(p), a(q), record_type, level, duration, quota),
                u,
            ),
            Op::RevokePermission {
                by: A(by),
                patient: A(p),
                provider: A(q),
                record_type,
            } => self.tx(by, &rm.revoke_permission(a(p), a(q), record_type), u),
            Op::Share {
                by: A(by),
                patient: A(p),
                id,
                provider: A(q),
                duration,
            } => self.tx(by, &rm.share_record(a(p), id, a(q), duration), n),
            Op::Unshare {
                by: A(by),
                patient: A(p),
                id,
                provider: A(q),
            } => self.tx(by, &rm.unshare_record(a(p), id, a(q)), u),
        }
    }

    /// The contracts' view of one probed piece of state (see [`Model::view`]).
    fn view(&mut self, probe: Probe) -> Result<String, String> {
        let (ac, pc, rm) = (self.s.ac(), self.s.pc(), self.s.rm());
        let a = account;
        let who = |acc: AccountId| A((0..9).find(|w| account(*w) == acc).unwrap_or(u8::MAX));
        Ok(match probe {
            Probe::Provider(w) => format!(
                "{:?}",
                self.query(&ac.get_provider(a(w)))?
                    .map(|p| (p.role, p.verified, p.active, p.epoch))
            ),
            Probe::Window(id) => format!(
                "{:?}",
                self.query(&ac.emergency_window(id))?.map(|v| (
                    who(v.window.provider),
                    who(v.window.patient),
                    v.window.opened_at,
                    v.window.expires_at,
                    v.window.ended_at,
                    v.window.review.map(|r| (who(r.reviewer), r.outcome)),
                    match v.state {
                        access_control::WindowState::Open => "Open",
                        access_control::WindowState::Ended => "Ended",
                        access_control::WindowState::Expired => "Expired",
                        access_control::WindowState::ClosedByDeactivation => "ClosedByDeactivation",
                    }
                ))
            ),
            Probe::AccessControl => format!(
                "providers={} admins={} unreviewed={}",
                self.query(&ac.provider_count())?,
                self.query(&ac.active_admin_count())?,
                self.query(&ac.unreviewed_count())?
            ),
            Probe::Patient(p) => format!(
                "{:?}",
                self.query(&pc.get_patient(a(p)))?.map(|i| (
                    i.consents_granted,
                    i.consents_revoked,
                    i.history_len,
                    i.consent_count,
                    i.pending_count,
                    i.delegate_count,
                    i.emergency
                ))
            ),
            Probe::Consent(p, q, d) => format!(
                "{:?}",
                self.query(&pc.get_consent(a(p), a(q), d))?.map(|c| (
                    c.expires_at,
                    c.purposes,
                    c.active,
                    who(c.granted_by),
                    c.request_id
                ))
            ),
            Probe::Delegate(p, d) => format!(
                "{:?}",
                self.query(&pc.get_delegate(a(p), a(d)))?
                    .map(|x| x.expires_at)
            ),
            Probe::Request(id) => format!(
                "{:?}",
                self.query(&pc.get_access_request(id))?.map(|r| (
                    who(r.patient),
                    who(r.provider),
                    r.data_type,
                    r.purpose,
                    r.status,
                    r.decided_by.map(who)
                ))
            ),
            Probe::ConsentContract => format!(
                "paused={} requests={}",
                self.query(&pc.paused())?,
                self.query(&pc.request_count())?
            ),
            Probe::Record(id) => format!(
                "{:?}",
                match self.query(&rm.record_metadata(id))? {
                    None => None,
                    Some(m) => Some((
                        m.status,
                        m.patient_authored,
                        self.query(&rm.record_versions(id, 1, 50))?
                            .iter()
                            .map(|v| v.data_hash[0])
                            .collect::<Vec<u8>>(),
                        m.size,
                    )),
                }
            ),
            Probe::Permission(p, q, t) => format!(
                "{:?}",
                self.query(&rm.get_permission(a(p), a(q), t))?.map(|x| (
                    x.level,
                    who(x.granted_by),
                    x.expires_at,
                    x.quota,
                    x.reads_used,
                    x.bytes_used,
                    x.request_id,
                    x.revoked_at.is_some()
                ))
            ),
            Probe::Share(id, p) => format!(
                "{:?}",
                self.query(&rm.get_record_share(id, a(p)))?
                    .map(|s| s.expires_at)
            ),
            Probe::Audit(p) => self.query(&rm.audit_head(a(p)))?.len.to_string(),
            Probe::Lists(p) => {
                let st = self.query(&rm.patient_state(a(p)))?;
                format!(
                    "{:?}",
                    [st.record_count, st.permission_count, st.share_count]
                )
            }
            Probe::RecordsContract => {
                let s = self.query(&rm.stats())?;
                format!("paused={} next={}", s.paused, s.next_record_id)
            }
        })
    }
}

// ---------------------------------------------------------------------------
// The starting state and the runner
// ---------------------------------------------------------------------------

/// The starting state of every sequence, applied to both sides (One is
/// access-control's first admin from the deployment): Bob and Charlie are
/// patients; Dave a doctor, Eve a nurse and Ferdie an emergency physician,
/// registered by Alice and verified by One; Victor a nurse, registered but
/// not verified; Bob consents to Dave for `All`
/// (treatment) and gives him Admin on Vitals, and Dave writes record 1;
/// Charlie consents to Eve for medical records (treatment) and gives her
/// Write on Vitals for five days with a one-read quota, and Eve writes
/// record 2; Charlie writes record 3 herself; Two is Bob's delegate for
/// three days; Bob shares record 1 with Eve for 30 days; Ferdie has an
/// emergency window open on Charlie (window 1); Dave has asked Charlie for
/// her lab results (request 1) and Eve has asked Bob for his medical
/// records (request 2).
fn starting_ops() -> Vec<Op> {
    let (alice, bob, charlie, dave, eve, ferdie, one, two) =
        (A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7));
    let t = Purpose::Treatment;
    let mut ops = Vec::new();
    for (who, role) in [
        (dave, Role::Doctor),
        (eve, Role::Nurse),
        (ferdie, Role::Emergency),
    ] {
        ops.push(Op::RegisterProvider {
            by: alice,
            who,
            role,
        });
        ops.push(Op::VerifyProvider { by: one, who });
    }
    ops.push(Op::RegisterProvider {
        by: alice,
        who: A(VICTOR),
        role: Role::Nurse,
    });
    ops.push(Op::RegisterPatient { by: bob });
    ops.push(Op::RegisterPatient { by: charlie });
    ops.push(Op::GrantConsent {
        by: bob,
        patient: bob,
        provider: dave,
        data_type: DataType::All,
        duration: 30 * DAY,
        purposes: vec![t],
    });
    ops.push(Op::GrantPermission {
        by: bob,
        patient: bob,
        provider: dave,
        record_type: RecordType::Vitals,
        level: AccessLevel::Admin,
        duration: None,
        quota: None,
    });
    ops.push(Op::CreateRecord {
        by: dave,
        patient: bob,
        record_type: RecordType::Vitals,
        hash: 1,
        size: 4000,
        purpose: t,
    });
    ops.push(Op::GrantConsent {
        by: charlie,
        patient: charlie,
        provider: eve,
        data_type: DataType::MedicalRecords,
        duration: 10 * DAY,
        purposes: vec![t],
    });
    ops.push(Op::GrantPermission {
        by: charlie,
        patient: charlie,
        provider: eve,
        record_type: RecordType::Vitals,
        level: AccessLevel::Write,
        duration: Some(5 * DAY),
        quota: Some(Quota {
            max_reads: Some(1),
            max_bytes: None,
        }),
    });
    ops.push(Op::CreateRecord {
        by: eve,
        patient: charlie,
        record_type: RecordType::Vitals,
        hash: 2,
        size: 100,
        purpose: t,
    });
    ops.push(Op::CreateRecord {
        by: charlie,
        patient: charlie,
        record_type: RecordType::Vitals,
        hash: 3,
        size: 5000,
        purpose: Purpose::PatientRequest,
    });
    ops.push(Op::AddDelegate {
        by: bob,
        delegate: two,
        duration: 3 * DAY,
    });
    ops.push(Op::Share {
        by: bob,
        patient: bob,
        id: 1,
        provider: eve,
        duration: 30 * DAY,
    });
    ops.push(Op::OpenEmergency {
        by: ferdie,
        patient: charlie,
    });
    ops.push(Op::RequestAccess {
        by: dave,
        patient: charlie,
        data_type: DataType::LabResults,
        purpose: t,
    });
    ops.push(Op::RequestAccess {
        by: eve,
        patient: bob,
        data_type: DataType::MedicalRecords,
        purpose: t,
    });
    ops
}

/// How often each operation kind ended in each result (`Ok` or an error).
type Tally = BTreeMap<(String, String), u64>;

/// One line per operation kind: how often it was allowed, and each denial.
fn coverage(tally: &Tally) -> String {
    let mut lines: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((kind, result), count) in tally {
        lines
            .entry(kind)
            .or_default()
            .push(format!("{result} {count}"));
    }
    lines
        .iter()
        .map(|(kind, results)| format!("  {kind}: {}", results.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `ops` on both sides, then compares every probed piece of state.
/// Returns a description of the first disagreement.
fn run_sequence(
    model: &mut Model,
    system: &mut System,
    ops: &[Op],
    tally: &mut Tally,
) -> Result<(), String> {
    let mut probes = BTreeSet::new();
    for (i, op) in ops.iter().enumerate() {
        let expected = model.apply(op, &mut probes);
        let actual = system.apply(op);
        if expected != actual {
            return Err(format!(
                "step {i}: {op:?}\n  model:     {expected:?}\n  contracts: {actual:?}"
            ));
        }
        let kind = format!("{op:?}");
        let kind = kind
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_string();
        let result = match actual {
            Ok(_) => "Ok".to_string(),
            Err(e) => e,
        };
        *tally.entry((kind, result)).or_default() += 1;
    }
    for probe in probes {
        let expected = model.view(probe);
        let actual = system.view(probe)?;
        if expected != actual {
            return Err(format!(
                "after the sequence, {probe:?}:\n  model:     {expected}\n  contracts: {actual}"
            ));
        }
    }
    Ok(())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_contracts_decide_every_access_as_the_reference_model_does() -> E2EResult<()> {
    let cases = env_number("MODEL_CASES", 200);
    let seed = env_number("MODEL_SEED", 9);
    let mut s = Session::with_first_admin(&actor(FIRST_ADMIN))?;
    for who in 0..9 {
        s.chain.fund(account(who))?;
    }
    s.ok(&cast::alice(), &s.rm().set_retention_period(RETENTION))?;
    let mut system = System { s };
    let mut start = Model {
        now: T0,
        ..Model::default()
    };
    start.providers.insert(
        FIRST_ADMIN,
        Provider {
            role: Role::Admin,
            verified: true,
            active: true,
            epoch: 0,
        },
    );
    start.provider_count = 1;
    start.admins = 1;
    run_sequence(&mut start, &mut system, &starting_ops(), &mut Tally::new())
        .map_err(|e| format!("the starting state already disagrees: {e}"))?;
    let snapshot = system.s.chain.sandbox.take_snapshot();
    let start_time = start.now;

    let system = RefCell::new(system);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases: u32::try_from(cases).unwrap_or(u32::MAX),
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let raw = (any::<u16>(), any::<[u8; 8]>());
    let strategy = proptest::collection::vec(raw.prop_map(Op::from_raw), 1..40);
    let started = std::time::Instant::now();
    let steps = std::cell::Cell::new(0u64);
    let tally = RefCell::new(Tally::new());
    let outcome = runner.run(&strategy, |ops| {
        let mut system = system.borrow_mut();
        system.s.chain.sandbox.restore_snapshot(snapshot.clone());
        system.s.set_time(start_time);
        let mut model = start.clone();
        steps.set(steps.get() + ops.len() as u64);
        run_sequence(&mut model, &mut system, &ops, &mut tally.borrow_mut())
            .map_err(TestCaseError::fail)
    });
    match outcome {
        Ok(()) => {
            let tally = tally.into_inner();
            println!(
                "model-based test: {cases} sequences, {} operations, seed {seed}, {:.1} s\n\
                 results per operation (Ok, or the error, and how often):\n{}",
                steps.get(),
                started.elapsed().as_secs_f64(),
                coverage(&tally)
            );
            // The run means something only if every kind of operation was
            // also allowed at least once (not only denied).
            let kinds: BTreeSet<&String> = tally.keys().map(|(k, _)| k).collect();
            let never_allowed: Vec<&String> = kinds
                .into_iter()
                .filter(|k| !tally.contains_key(&((*k).clone(), "Ok".to_string())))
                .collect();
            if cases >= 200 && !never_allowed.is_empty() {
                return Err(
                    format!("never allowed in {cases} sequences: {never_allowed:?}").into(),
                );
            }
            Ok(())
        }
        Err(TestError::Fail(why, ops)) => {
            let report = format!("the contracts and the model disagree (seed {seed}); minimal sequence:\n{ops:#?}\n{why}");
            eprintln!("{report}");
            Err(report.into())
        }
        Err(TestError::Abort(why)) => Err(format!("aborted: {why}").into()),
    }
}
