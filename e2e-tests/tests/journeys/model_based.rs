//! Model-based property test of the access decision.
//!
//! [`Model`] is a plain-Rust reference model of who may do what, written from
//! the specification and the message table (it shares no code with the
//! contracts: it has its own role matrix and record-type mapping). proptest
//! generates random sequences of operations by random actors, with random
//! time steps; each sequence runs on the model and on the three compiled
//! contracts (release builds, [`Chain`]), from the same starting state. Every
//! result must agree exactly (the `Ok` value or the error's name), and at the
//! end of the sequence every piece of state the sequence touched is read back
//! from the contracts and compared with the model's. A divergence fails with
//! the shrunk, minimal sequence that reproduces it.
//!
//! `MODEL_CASES` sets the number of sequences (default 200, what
//! `scripts/test.sh` runs); `scripts/model-test.sh` runs 10,000. `MODEL_SEED`
//! (a number) picks the random stream (default fixed, so CI is repeatable).
//!
//! Covered: provider registration, roles, verification, (de)activation;
//! patient registration; consent with `All` and sensitive types, expiry,
//! revocation and purpose updates; access requests; delegates with expiry;
//! permissions with level, expiry and read/byte quotas; per-record shares;
//! wrapped-key shares and their invalidation; emergency windows; record
//! status (archive, review, lock, unlock, delete after retention); pausing
//! patient-consent and record-management.

use e2e_tests::direct::{deploy_release, Chain, Deployed};
use e2e_tests::{advance_time, set_time, Cast, E2EResult, DAY, HOUR};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::{AccountKeyring, CallBuilderFinal};
use ink_sandbox::Sandbox;
use medrec_types::{
    AccessLevel, DataType, EmergencyReason, Purpose, RecordStatus, RecordType, Role,
};
use patient_consent::{DelegateKind, RequestStatus};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use record_management::{Confidentiality, Quota, RecordView};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

const MINUTE: u64 = 60 * 1000;
/// The block time of the starting state.
const T0: u64 = 1_795_392_000_000;
/// The retention period the starting state sets (short, so that deletion
/// becomes possible within a sequence).
const RETENTION: u64 = 2 * DAY;
/// access-control's default emergency window.
const EMERGENCY_WINDOW: u64 = DAY;

// ---------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------

/// The eight actors, by index. 0 (Alice) owns the three contracts.
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
const NAMES: [&str; 8] = [
    "alice", "bob", "charlie", "dave", "eve", "ferdie", "one", "two",
];

type Who = u8;

fn account(who: Who) -> AccountId {
    Cast::id(KEYS[usize::from(who) % KEYS.len()])
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
    RegisterPatient {
        by: A,
    },
    /// `grant_consent` when `by == patient`, else `grant_consent_as_delegate`.
    GrantConsent {
        by: A,
        patient: A,
        provider: A,
        data_type: DataType,
        duration: u64,
    },
    /// `revoke_consent` when `by == patient`, else `revoke_consent_as_delegate`.
    RevokeConsent {
        by: A,
        patient: A,
        provider: A,
        data_type: DataType,
    },
    UpdatePurpose {
        by: A,
        provider: A,
        data_type: DataType,
        purpose: Purpose,
    },
    RequestAccess {
        by: A,
        patient: A,
        data_type: DataType,
    },
    ApproveRequest {
        by: A,
        request: u64,
        duration: u64,
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
        locator_len: usize,
        size: u64,
    },
    GetRecord {
        by: A,
        patient: A,
        id: u64,
    },
    UpdateRecord {
        by: A,
        patient: A,
        id: u64,
        hash: u8,
        locator_len: usize,
        size: u64,
    },
    SetStatus {
        by: A,
        patient: A,
        id: u64,
        status: RecordStatus,
    },
    Lock {
        by: A,
        patient: A,
        id: u64,
    },
    Unlock {
        by: A,
        patient: A,
        id: u64,
    },
    Delete {
        by: A,
        patient: A,
        id: u64,
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
    ShareKey {
        by: A,
        patient: A,
        id: u64,
        recipient: A,
        len: usize,
    },
    RevokeKey {
        by: A,
        patient: A,
        id: u64,
        recipient: A,
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
    (7, 2),   // RegisterPatient
    (8, 8),   // GrantConsent
    (9, 4),   // RevokeConsent
    (10, 2),  // UpdatePurpose
    (11, 3),  // RequestAccess
    (12, 3),  // ApproveRequest
    (13, 2),  // DenyRequest
    (14, 3),  // AddDelegate
    (15, 2),  // RemoveDelegate
    (16, 1),  // PauseConsent
    (17, 10), // CreateRecord
    (18, 12), // GetRecord
    (19, 6),  // UpdateRecord
    (20, 3),  // SetStatus
    (21, 3),  // Lock
    (22, 3),  // Unlock
    (23, 2),  // Delete
    (24, 8),  // GrantPermission
    (25, 3),  // RevokePermission
    (26, 4),  // Share
    (27, 3),  // Unshare
    (28, 4),  // ShareKey
    (29, 3),  // RevokeKey
    (30, 1),  // PauseRecords
];

fn total_weight() -> u16 {
    KINDS.iter().map(|(_, w)| *w).sum()
}

/// The random raw material of one operation: a weighted kind, then eight
/// small numbers that pick actors, targets and arguments. Shrinking moves
/// every number towards 0, i.e. towards the first entry of each table.
type Raw = (u16, [u8; 8]);

fn pick<T: Copy>(table: &[T], n: u8) -> T {
    table[usize::from(n) % table.len()]
}

const RECORD_TYPES: [RecordType; 6] = [
    RecordType::Vitals,
    RecordType::LabResults,
    RecordType::MentalHealth,
    RecordType::EmergencyContacts,
    RecordType::Imaging,
    RecordType::Vitals,
];
const DATA_TYPES: [DataType; 6] = [
    DataType::MedicalRecords,
    DataType::All,
    DataType::LabResults,
    DataType::MentalHealth,
    DataType::EmergencyInfo,
    DataType::Imaging,
];
const ROLES: [Role; 6] = [
    Role::Doctor,
    Role::Nurse,
    Role::Technician,
    Role::Researcher,
    Role::Emergency,
    Role::Admin,
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
const LOCATOR_LENS: [usize; 10] = [10, 10, 10, 10, 10, 10, 10, 10, 0, 129];
const KEY_LENS: [usize; 8] = [80, 80, 80, 80, 80, 80, 0, 129];
const PURPOSES: [Purpose; 3] = [Purpose::Research, Purpose::Treatment, Purpose::Payment];

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
        let (alice, bob, charlie, dave, eve, two) = (A(0), A(1), A(2), A(3), A(4), A(7));
        let any = |i: usize| A(n[i] % 8);
        // Patients are mostly Bob and Charlie (registered in the starting
        // state); providers mostly the four registered ones.
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
        let admin_or_owner = if n[0] % 3 == 0 { A(6) } else { owner_mostly };
        // Operations on a record mostly name an existing one with its own
        // patient and the provider who wrote it (record 1: Bob's, by Dave,
        // who holds Admin on it; record 2: Charlie's, by Eve, who holds
        // Write), else any record id, patient and provider.
        let (id, rec_patient, rec_provider) = match n[3] % 8 {
            0..=2 => (1, bob, dave),
            3 | 4 => (2, charlie, eve),
            _ => (u64::from(n[6] % 3) + 3, patient, provider(2)),
        };
        let (rec_patient, rec_provider) = if n[7] % 8 == 0 {
            (patient, provider(2))
        } else {
            (rec_patient, rec_provider)
        };
        let hash = n[4] % 9;
        let duration = pick(&DURATIONS, n[5]);
        let request = pick(&[1u64, 2, 1, 2, 3, 4], n[3]);
        // Shares and keys go mostly to Eve (who holds a share of record 1 and
        // its key in the starting state) or Dave.
        let staff = A(pick(&[3, 4, 5, 6], n[2]));
        let sharee = A(pick(&[4, 3, 4, 5, 6], n[2]));
        match kind {
            0 => Op::Wait(pick(&WAITS, n[2])),
            1 => Op::RegisterProvider {
                by: owner_mostly,
                who: any(2),
                role: pick(&ROLES, n[3]),
            },
            2 => Op::VerifyProvider {
                by: admin_or_owner,
                who: any(2),
            },
            3 => Op::DeactivateProvider {
                by: admin_or_owner,
                who: staff,
            },
            4 => Op::ReactivateProvider {
                by: admin_or_owner,
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
            7 => Op::RegisterPatient { by: any(2) },
            8 => Op::GrantConsent {
                by: for_patient(patient),
                patient,
                provider: provider(2),
                data_type: pick(&DATA_TYPES, n[3]),
                duration,
            },
            9 => Op::RevokeConsent {
                by: for_patient(patient),
                patient,
                provider: provider(2),
                data_type: pick(&DATA_TYPES, n[3]),
            },
            10 => Op::UpdatePurpose {
                by: patient,
                provider: provider(2),
                data_type: pick(&DATA_TYPES, n[3]),
                purpose: pick(&PURPOSES, n[5]),
            },
            11 => Op::RequestAccess {
                by: as_provider(provider(2)),
                patient,
                data_type: pick(&DATA_TYPES, n[3]),
            },
            // Request 1 is Dave's to Charlie and request 2 Eve's to Bob (the
            // starting state); later ones come from RequestAccess.
            12 => Op::ApproveRequest {
                by: for_patient(if request == 1 { charlie } else { bob }),
                request,
                duration,
            },
            13 => Op::DenyRequest {
                by: for_patient(if request == 1 { charlie } else { bob }),
                request,
            },
            14 => Op::AddDelegate {
                by: patient,
                delegate: any(2),
                duration,
            },
            15 => Op::RemoveDelegate {
                by: patient,
                delegate: if n[2] % 2 == 0 { two } else { any(2) },
            },
            16 => Op::PauseConsent {
                by: owner_mostly,
                pause: n[2] % 2 == 0,
            },
            17 => {
                let (patient, by, record_type) = match n[3] % 4 {
                    0 => (bob, dave, RecordType::Vitals),
                    1 => (charlie, eve, RecordType::Vitals),
                    _ => (patient, provider(2), pick(&RECORD_TYPES, n[6])),
                };
                Op::CreateRecord {
                    by: as_provider(by),
                    patient,
                    record_type,
                    hash,
                    locator_len: pick(&LOCATOR_LENS, n[5]),
                    size: pick(&SIZES, n[6]),
                }
            }
            18 => Op::GetRecord {
                by: match n[0] % 6 {
                    4 => for_patient(rec_patient),
                    5 => provider(2),
                    _ => rec_provider,
                },
                patient: rec_patient,
                id,
            },
            19 => Op::UpdateRecord {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
                hash,
                locator_len: pick(&LOCATOR_LENS, n[5]),
                size: pick(&SIZES, n[6]),
            },
            20 => Op::SetStatus {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
                status: pick(&STATUSES, n[5]),
            },
            21 => Op::Lock {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
            },
            22 => Op::Unlock {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
            },
            23 => Op::Delete {
                by: as_provider(rec_provider),
                patient: rec_patient,
                id,
            },
            24 => Op::GrantPermission {
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
            25 => Op::RevokePermission {
                by: for_patient(rec_patient),
                patient: rec_patient,
                provider: if n[2] % 3 == 0 {
                    rec_provider
                } else {
                    provider(2)
                },
                record_type: pick(&RECORD_TYPES, n[6]),
            },
            26 => Op::Share {
                by: for_patient(rec_patient),
                patient: rec_patient,
                id,
                provider: sharee,
                duration,
            },
            27 => Op::Unshare {
                by: for_patient(rec_patient),
                patient: rec_patient,
                id,
                provider: sharee,
            },
            28 => Op::ShareKey {
                by: if n[0] % 5 == 4 {
                    rec_provider
                } else {
                    for_patient(rec_patient)
                },
                patient: rec_patient,
                id,
                recipient: sharee,
                len: pick(&KEY_LENS, n[5]),
            },
            29 => Op::RevokeKey {
                by: if n[0] % 5 == 4 {
                    rec_provider
                } else {
                    for_patient(rec_patient)
                },
                patient: rec_patient,
                id,
                recipient: sharee,
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

/// The model's own role matrix (the specification's table, not the
/// contracts' `Role::allows`).
fn role_allows(role: Role, d: DataType) -> bool {
    use DataType::*;
    let sensitive = matches!(d, MentalHealth | Genetic | Financial);
    match role {
        Role::Doctor => true,
        _ if sensitive => false,
        Role::Admin | Role::Emergency => true,
        Role::Nurse => matches!(d, MedicalRecords | LabResults | Prescriptions),
        Role::Technician => matches!(d, LabResults | Imaging),
        Role::Researcher => d == LabResults,
    }
}

fn sensitive(d: DataType) -> bool {
    matches!(
        d,
        DataType::MentalHealth | DataType::Genetic | DataType::Financial
    )
}

/// The model's own record-type mapping (for the types the test uses).
fn data_type_of(t: RecordType) -> DataType {
    match t {
        RecordType::Vitals => DataType::MedicalRecords,
        RecordType::LabResults => DataType::LabResults,
        RecordType::MentalHealth => DataType::MentalHealth,
        RecordType::EmergencyContacts => DataType::EmergencyInfo,
        RecordType::Imaging => DataType::Imaging,
        RecordType::BasicInfo
        | RecordType::Diagnosis
        | RecordType::Procedures
        | RecordType::Allergies
        | RecordType::Immunizations => DataType::MedicalRecords,
        RecordType::Medications => DataType::Prescriptions,
        RecordType::GeneticData => DataType::Genetic,
        RecordType::Insurance => DataType::Financial,
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Provider {
    role: Role,
    verified: bool,
    active: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct Window {
    expires_at: u64,
    ended_at: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Patient {
    granted: u32,
    revoked: u32,
    history: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct Consent {
    expires_at: u64,
    purpose: Purpose,
    active: bool,
    granted_by: Who,
    request_id: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
struct Request {
    patient: Who,
    provider: Who,
    data_type: DataType,
    status: RequestStatus,
}

#[derive(Clone, Debug, PartialEq)]
struct Record {
    patient: Who,
    record_type: RecordType,
    hash: u8,
    size: u64,
    status: RecordStatus,
    before_lock: Option<RecordStatus>,
    /// The data hash of each version, from version 1.
    versions: Vec<u8>,
    retention_until: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct Permission {
    level: AccessLevel,
    expires_at: Option<u64>,
    quota: Option<Quota>,
    reads_used: u32,
    bytes_used: u64,
}

#[derive(Clone, Debug, PartialEq)]
struct Key {
    key_id: u8,
    epoch: u32,
    len: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Patient,
    Delegate,
    Permission,
    Share,
    Emergency,
}

#[derive(Clone, Debug, Default)]
struct Model {
    now: u64,
    // access-control
    providers: BTreeMap<Who, Provider>,
    provider_count: u32,
    windows: BTreeMap<(Who, Who), Window>,
    access_log: BTreeMap<Who, u64>,
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
    hashes: BTreeSet<u8>,
    permissions: BTreeMap<(Who, Who, RecordType), Permission>,
    shares: BTreeMap<(u64, Who), u64>,
    keys: BTreeMap<(u64, Who), Key>,
    epochs: BTreeMap<(Who, Who, RecordType), u32>,
    audit: BTreeMap<Who, u64>,
    patient_records: BTreeMap<Who, u64>,
    /// created, updated, reads, emergency reads
    stats: BTreeMap<Who, [u32; 4]>,
}

/// A piece of state to compare at the end of a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Probe {
    Provider(Who),
    Window(Who, Who),
    AccessLog(Who),
    Patient(Who),
    Consent(Who, Who, DataType),
    Delegate(Who, Who),
    Request(u64),
    ConsentContract,
    Record(u64),
    Permission(Who, Who, RecordType),
    Share(u64, Who),
    Key(u64, Who),
    Audit(Who),
    Stats(Who),
    RecordsContract,
}

impl Model {
    // --- the rules -------------------------------------------------------

    fn standing(&self, who: Who, d: DataType) -> Result<(), &'static str> {
        match self.providers.get(&who) {
            None => Err("NotRegistered"),
            Some(p) if !p.verified => Err("NotVerified"),
            Some(p) if !p.active => Err("Inactive"),
            Some(p) if !role_allows(p.role, d) => Err("RoleNotAllowed"),
            Some(_) => Ok(()),
        }
    }

    fn window_open(&self, provider: Who, patient: Who) -> bool {
        self.windows
            .get(&(provider, patient))
            .is_some_and(|w| w.ended_at.is_none() && self.now < w.expires_at)
    }

    fn is_delegate(&self, patient: Who, actor: Who) -> bool {
        self.delegates
            .get(&(patient, actor))
            .is_some_and(|e| self.now < *e)
    }

    /// patient-consent's check: registered patient, and the actor is the
    /// patient or an unexpired delegate.
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

    fn consent_valid(&self, patient: Who, provider: Who, d: DataType) -> bool {
        self.consents
            .get(&(patient, provider, d))
            .is_some_and(|c| c.active && self.now < c.expires_at)
    }

    fn consent_given(&self, patient: Who, provider: Who, d: DataType) -> bool {
        self.consent_valid(patient, provider, d)
            || (!sensitive(d)
                && d != DataType::All
                && self.consent_valid(patient, provider, DataType::All))
    }

    fn admin(&self, who: Who) -> bool {
        who == 0
            || self
                .providers
                .get(&who)
                .is_some_and(|p| p.role == Role::Admin && p.verified && p.active)
    }

    /// record-management's access decision.
    fn authorize(
        &self,
        caller: Who,
        patient: Who,
        t: RecordType,
        required: AccessLevel,
        record: Option<(u64, u64)>,
    ) -> Result<Access, String> {
        if caller == patient && required == AccessLevel::Read {
            return Ok(Access::Patient);
        }
        let d = data_type_of(t);
        let standing = self.standing(caller, d);
        let good_standing = matches!(standing, Ok(()) | Err("RoleNotAllowed"));
        let window = good_standing && self.window_open(caller, patient);
        let read = required == AccessLevel::Read;
        let normal: Result<Access, String> = match standing {
            Err("NotRegistered") if read && self.acts_for(patient, caller).is_ok() => {
                return Ok(Access::Delegate)
            }
            Err("NotRegistered") => err("ProviderNotRegistered"),
            Err("NotVerified") => err("ProviderNotVerified"),
            Err("Inactive") => err("ProviderInactive"),
            Err(_) => err("RoleNotAllowed"),
            Ok(()) if !self.consent_given(patient, caller, d) => err("ConsentRequired"),
            Ok(()) => self.check_permission(caller, patient, t, required, record),
        };
        match normal {
            Ok(a) => Ok(a),
            Err(_) if window && read => Ok(Access::Emergency),
            Err(_) if window => err("EmergencyAccessReadOnly"),
            Err(e) => Err(e),
        }
    }

    fn check_permission(
        &self,
        caller: Who,
        patient: Who,
        t: RecordType,
        required: AccessLevel,
        record: Option<(u64, u64)>,
    ) -> Result<Access, String> {
        let read = required == AccessLevel::Read;
        let denial = match self.permissions.get(&(patient, caller, t)) {
            None => "NoPermission",
            Some(p) if p.expires_at.is_some_and(|e| self.now >= e) => "PermissionExpired",
            Some(p) if p.level < required => "InsufficientAccessLevel",
            Some(p) if read && quota_used_up(p, record.map_or(0, |r| r.1)) => "QuotaExhausted",
            Some(_) => return Ok(Access::Permission),
        };
        if read {
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

    fn audit(&mut self, patient: Who) {
        *self.audit.entry(patient).or_default() += 1;
    }

    fn history(&mut self, patient: Who) {
        self.patients.entry(patient).or_default().history += 1;
    }

    fn record_of(&self, patient: Who, id: u64) -> Result<Record, String> {
        match self.records.get(&id) {
            Some(r) if r.patient == patient => Ok(r.clone()),
            _ => err("RecordNotFound"),
        }
    }

    fn open_record_of(&self, patient: Who, id: u64) -> Result<Record, String> {
        let r = self.record_of(patient, id)?;
        match r.status {
            RecordStatus::Deleted => err("RecordDeleted"),
            RecordStatus::Locked => err("RecordLocked"),
            _ => Ok(r),
        }
    }

    fn records_running(&self) -> Result<(), String> {
        if self.records_paused {
            err("ContractPaused")
        } else {
            Ok(())
        }
    }

    fn consent_running(&self) -> Result<(), String> {
        if self.consent_paused {
            err("ContractPaused")
        } else {
            Ok(())
        }
    }

    fn patient_delegate_or_admin(
        &self,
        patient: Who,
        by: Who,
        r: &Record,
        id: u64,
    ) -> Result<(), String> {
        if self.acts_for(patient, by).is_ok() {
            return Ok(());
        }
        self.authorize(
            by,
            patient,
            r.record_type,
            AccessLevel::Admin,
            Some((id, r.size)),
        )
        .map(|_| ())
    }

    fn change_status(
        &mut self,
        by: Who,
        patient: Who,
        id: u64,
        r: &Record,
        to: RecordStatus,
        before: Option<RecordStatus>,
    ) -> Res {
        self.authorize(
            by,
            patient,
            r.record_type,
            AccessLevel::Admin,
            Some((id, r.size)),
        )?;
        self.audit(patient);
        let rec = self.records.get_mut(&id).ok_or("model: record vanished")?;
        rec.status = to;
        rec.before_lock = before;
        unit()
    }

    fn grant_consent(
        &mut self,
        actor: Who,
        patient: Who,
        provider: Who,
        d: DataType,
        duration: u64,
        request: Option<u64>,
    ) -> Res {
        // Every grant in this test is for treatment.
        let purpose = Purpose::Treatment;
        self.consent_running()?;
        self.acts_for(patient, actor)?;
        if provider == patient {
            return err("CannotTargetSelf");
        }
        if duration == 0 {
            return err("InvalidDuration");
        }
        let expires_at = self.now + duration;
        let p = self.patients.entry(patient).or_default();
        p.granted += 1;
        p.history += 1;
        self.consents.insert(
            (patient, provider, d),
            Consent {
                expires_at,
                purpose,
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

    // --- one operation ----------------------------------------------------

    /// Applies `op`; returns its result and records what it touched.
    fn apply(&mut self, op: &Op, probes: &mut BTreeSet<Probe>) -> Res {
        use Probe as P;
        let now = self.now;
        match *op {
            Op::Wait(ms) => {
                self.now += ms;
                unit()
            }
            Op::RegisterProvider {
                by: A(by),
                who: A(who),
                role,
            } => {
                probes.insert(P::Provider(who));
                if by != 0 {
                    return err("NotOwner");
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
                    },
                );
                self.provider_count += 1;
                unit()
            }
            Op::VerifyProvider {
                by: A(by),
                who: A(who),
            } => {
                probes.insert(P::Provider(who));
                if !self.admin(by) {
                    return err("NotAdmin");
                }
                let p = self.providers.get_mut(&who).ok_or("ProviderNotFound")?;
                if p.verified {
                    return err("AlreadyVerified");
                }
                p.verified = true;
                unit()
            }
            Op::DeactivateProvider {
                by: A(by),
                who: A(who),
            }
            | Op::ReactivateProvider {
                by: A(by),
                who: A(who),
            } => {
                probes.insert(P::Provider(who));
                let activate = matches!(op, Op::ReactivateProvider { .. });
                if !self.admin(by) {
                    return err("NotAdmin");
                }
                let p = self.providers.get_mut(&who).ok_or("ProviderNotFound")?;
                if p.active == activate {
                    return err(if activate {
                        "AlreadyActive"
                    } else {
                        "AlreadyInactive"
                    });
                }
                p.active = activate;
                unit()
            }
            Op::OpenEmergency {
                by: A(by),
                patient: A(patient),
            } => {
                probes.insert(P::Window(by, patient));
                probes.insert(P::AccessLog(patient));
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
                if patient == by {
                    return err("CannotTargetSelf");
                }
                if self.window_open(by, patient) {
                    return err("EmergencyWindowAlreadyOpen");
                }
                let expires_at = now + EMERGENCY_WINDOW;
                self.windows.insert(
                    (by, patient),
                    Window {
                        expires_at,
                        ended_at: None,
                    },
                );
                *self.access_log.entry(patient).or_default() += 1;
                Ok(expires_at.to_string())
            }
            Op::EndEmergency {
                by: A(by),
                patient: A(patient),
            } => {
                probes.insert(P::Window(by, patient));
                probes.insert(P::AccessLog(patient));
                if !self.window_open(by, patient) {
                    return err("NoOpenEmergencyWindow");
                }
                *self.access_log.entry(patient).or_default() += 1;
                if let Some(w) = self.windows.get_mut(&(by, patient)) {
                    w.ended_at = Some(now);
                }
                unit()
            }
            Op::RegisterPatient { by: A(by) } => {
                probes.insert(P::Patient(by));
                self.consent_running()?;
                if self.patients.contains_key(&by) {
                    return err("PatientAlreadyRegistered");
                }
                self.patients.insert(by, Patient::default());
                unit()
            }
            Op::GrantConsent {
                by: A(by),
                patient: A(patient),
                provider: A(provider),
                data_type,
                duration,
            } => {
                probes.insert(P::Patient(patient));
                probes.insert(P::Consent(patient, provider, data_type));
                self.grant_consent(by, patient, provider, data_type, duration, None)
            }
            Op::RevokeConsent {
                by: A(by),
                patient: A(patient),
                provider: A(provider),
                data_type,
            } => {
                probes.insert(P::Patient(patient));
                probes.insert(P::Consent(patient, provider, data_type));
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
            Op::UpdatePurpose {
                by: A(by),
                provider: A(provider),
                data_type,
                purpose,
            } => {
                probes.insert(P::Patient(by));
                probes.insert(P::Consent(by, provider, data_type));
                self.consent_running()?;
                self.acts_for(by, by)?;
                let c = self
                    .consents
                    .get_mut(&(by, provider, data_type))
                    .ok_or("ConsentNotFound")?;
                if !c.active {
                    return err("ConsentNotActive");
                }
                if now >= c.expires_at {
                    return err("ConsentExpired");
                }
                c.purpose = purpose;
                self.history(by);
                unit()
            }
            Op::RequestAccess {
                by: A(by),
                patient: A(patient),
                data_type,
            } => {
                let id = self.request_count + 1;
                probes.insert(P::Request(id));
                probes.insert(P::ConsentContract);
                self.consent_running()?;
                if !self.patients.contains_key(&patient) {
                    return err("PatientNotRegistered");
                }
                if by == patient {
                    return err("CannotTargetSelf");
                }
                match self.standing(by, data_type) {
                    Ok(()) => {}
                    Err("NotRegistered") => return err("ProviderNotRegistered"),
                    Err("NotVerified") => return err("ProviderNotVerified"),
                    Err("Inactive") => return err("ProviderInactive"),
                    Err(_) => return err("RoleNotAllowed"),
                }
                self.request_count = id;
                self.requests.insert(
                    id,
                    Request {
                        patient,
                        provider: by,
                        data_type,
                        status: RequestStatus::Pending,
                    },
                );
                Ok(id.to_string())
            }
            Op::ApproveRequest {
                by: A(by),
                request,
                duration,
            } => {
                probes.insert(P::Request(request));
                self.consent_running()?;
                let r = self.pending_request(by, request)?;
                probes.insert(P::Patient(r.patient));
                probes.insert(P::Consent(r.patient, r.provider, r.data_type));
                let expiry = self.grant_consent(
                    by,
                    r.patient,
                    r.provider,
                    r.data_type,
                    duration,
                    Some(request),
                )?;
                if let Some(r) = self.requests.get_mut(&request) {
                    r.status = RequestStatus::Approved;
                }
                Ok(expiry)
            }
            Op::DenyRequest { by: A(by), request } => {
                probes.insert(P::Request(request));
                self.consent_running()?;
                let r = self.pending_request(by, request)?;
                probes.insert(P::Patient(r.patient));
                self.history(r.patient);
                if let Some(r) = self.requests.get_mut(&request) {
                    r.status = RequestStatus::Denied;
                }
                unit()
            }
            Op::AddDelegate {
                by: A(by),
                delegate: A(delegate),
                duration,
            } => {
                probes.insert(P::Patient(by));
                probes.insert(P::Delegate(by, delegate));
                self.consent_running()?;
                self.acts_for(by, by)?;
                if delegate == by {
                    return err("CannotTargetSelf");
                }
                if duration == 0 {
                    return err("InvalidDuration");
                }
                self.history(by);
                self.delegates.insert((by, delegate), now + duration);
                Ok((now + duration).to_string())
            }
            Op::RemoveDelegate {
                by: A(by),
                delegate: A(delegate),
            } => {
                probes.insert(P::Patient(by));
                probes.insert(P::Delegate(by, delegate));
                self.acts_for(by, by)?;
                if self.delegates.remove(&(by, delegate)).is_none() {
                    return err("DelegateNotFound");
                }
                self.history(by);
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
                locator_len,
                size,
            } => {
                let id = self.record_count + 1;
                probes.extend([
                    P::Record(id),
                    P::Audit(patient),
                    P::Stats(by),
                    P::RecordsContract,
                ]);
                probes.insert(P::Permission(patient, by, record_type));
                self.records_running()?;
                if locator_len == 0 || locator_len > 128 {
                    return err("InvalidLocator");
                }
                if hash == 0 {
                    return err("InvalidDataHash");
                }
                if self.hashes.contains(&hash) {
                    return err("DuplicateRecord");
                }
                self.authorize(by, patient, record_type, AccessLevel::Write, None)?;
                self.record_count = id;
                self.audit(patient);
                self.records.insert(
                    id,
                    Record {
                        patient,
                        record_type,
                        hash,
                        size,
                        status: RecordStatus::Active,
                        before_lock: None,
                        versions: vec![hash],
                        retention_until: now + RETENTION,
                    },
                );
                self.hashes.insert(hash);
                *self.patient_records.entry(patient).or_default() += 1;
                self.stats.entry(by).or_default()[0] += 1;
                Ok(id.to_string())
            }
            Op::GetRecord {
                by: A(by),
                patient: A(patient),
                id,
            } => {
                probes.extend([
                    P::Record(id),
                    P::Audit(patient),
                    P::Stats(by),
                    P::Key(id, by),
                ]);
                self.records_running()?;
                let r = self.open_record_of(patient, id)?;
                probes.insert(P::Permission(patient, by, r.record_type));
                let access = self.authorize(
                    by,
                    patient,
                    r.record_type,
                    AccessLevel::Read,
                    Some((id, r.size)),
                )?;
                if access == Access::Permission {
                    if let Some(p) = self.permissions.get_mut(&(patient, by, r.record_type)) {
                        if p.quota.is_some() {
                            p.reads_used += 1;
                            p.bytes_used += r.size;
                        }
                    }
                }
                let emergency = access == Access::Emergency;
                if !matches!(access, Access::Patient | Access::Delegate) {
                    let s = self.stats.entry(by).or_default();
                    s[2] += 1;
                    if emergency {
                        s[3] += 1;
                    }
                }
                self.audit(patient);
                let epoch = self
                    .epochs
                    .get(&(patient, by, r.record_type))
                    .copied()
                    .unwrap_or(0);
                let key = self
                    .keys
                    .get(&(id, by))
                    .filter(|k| k.key_id == r.hash && k.epoch == epoch)
                    .map(|k| k.len);
                Ok(record_view_text(
                    id,
                    r.versions.len(),
                    r.status,
                    emergency,
                    key,
                ))
            }
            Op::UpdateRecord {
                by: A(by),
                patient: A(patient),
                id,
                hash,
                locator_len,
                size,
            } => {
                probes.extend([P::Record(id), P::Audit(patient), P::Stats(by)]);
                self.records_running()?;
                if locator_len == 0 || locator_len > 128 {
                    return err("InvalidLocator");
                }
                if hash == 0 {
                    return err("InvalidDataHash");
                }
                let r = self.open_record_of(patient, id)?;
                probes.insert(P::Permission(patient, by, r.record_type));
                if r.status == RecordStatus::Archived {
                    return err("RecordArchived");
                }
                if self.hashes.contains(&hash) {
                    return err("DuplicateRecord");
                }
                self.authorize(by, patient, r.record_type, AccessLevel::Write, None)?;
                self.audit(patient);
                self.hashes.insert(hash);
                self.stats.entry(by).or_default()[1] += 1;
                let rec = self.records.get_mut(&id).ok_or("model: record vanished")?;
                rec.hash = hash;
                rec.size = size;
                rec.versions.push(hash);
                Ok(rec.versions.len().to_string())
            }
            Op::SetStatus {
                by: A(by),
                patient: A(patient),
                id,
                status,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                self.records_running()?;
                if matches!(status, RecordStatus::Locked | RecordStatus::Deleted) {
                    return err("InvalidStatusTransition");
                }
                let r = self.open_record_of(patient, id)?;
                if r.status == status {
                    return err("InvalidStatusTransition");
                }
                self.change_status(by, patient, id, &r, status, None)
            }
            Op::Lock {
                by: A(by),
                patient: A(patient),
                id,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                self.records_running()?;
                let r = self.open_record_of(patient, id)?;
                self.change_status(by, patient, id, &r, RecordStatus::Locked, Some(r.status))
            }
            Op::Unlock {
                by: A(by),
                patient: A(patient),
                id,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                self.records_running()?;
                let r = self.record_of(patient, id)?;
                if r.status != RecordStatus::Locked {
                    return err("RecordNotLocked");
                }
                let back = r.before_lock.unwrap_or(RecordStatus::Active);
                self.change_status(by, patient, id, &r, back, None)
            }
            Op::Delete {
                by: A(by),
                patient: A(patient),
                id,
            } => {
                probes.extend([P::Record(id), P::Audit(patient)]);
                self.records_running()?;
                let r = self.open_record_of(patient, id)?;
                if now < r.retention_until {
                    return err("RetentionPeriodActive");
                }
                self.change_status(by, patient, id, &r, RecordStatus::Deleted, None)
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
                ]);
                self.records_running()?;
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
                if self.acts_for(patient, by).is_err() {
                    return err("NotPatientOrDelegate");
                }
                self.audit(patient);
                self.permissions.insert(
                    (patient, provider, record_type),
                    Permission {
                        level,
                        expires_at: duration.map(|d| now + d),
                        quota,
                        reads_used: 0,
                        bytes_used: 0,
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
                if self.acts_for(patient, by).is_err() {
                    return err("NotPatientOrDelegate");
                }
                if self
                    .permissions
                    .remove(&(patient, provider, record_type))
                    .is_none()
                {
                    return err("PermissionNotFound");
                }
                self.audit(patient);
                *self
                    .epochs
                    .entry((patient, provider, record_type))
                    .or_default() += 1;
                unit()
            }
            Op::Share {
                by: A(by),
                patient: A(patient),
                id,
                provider: A(provider),
                duration,
            } => {
                probes.extend([P::Share(id, provider), P::Audit(patient)]);
                self.records_running()?;
                if duration == 0 {
                    return err("InvalidDuration");
                }
                self.record_of(patient, id)?;
                if self.acts_for(patient, by).is_err() {
                    return err("NotPatientOrDelegate");
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
                probes.extend([
                    P::Share(id, provider),
                    P::Key(id, provider),
                    P::Audit(patient),
                ]);
                self.record_of(patient, id)?;
                if self.acts_for(patient, by).is_err() {
                    return err("NotPatientOrDelegate");
                }
                if self.shares.remove(&(id, provider)).is_none() {
                    return err("ShareNotFound");
                }
                self.audit(patient);
                self.keys.remove(&(id, provider));
                unit()
            }
            Op::ShareKey {
                by: A(by),
                patient: A(patient),
                id,
                recipient: A(recipient),
                len,
            } => {
                probes.extend([P::Key(id, recipient), P::Audit(patient)]);
                self.records_running()?;
                if len == 0 || len > 128 {
                    return err("InvalidWrappedKey");
                }
                let r = self.record_of(patient, id)?;
                if r.status == RecordStatus::Deleted {
                    return err("RecordDeleted");
                }
                self.patient_delegate_or_admin(patient, by, &r, id)?;
                self.audit(patient);
                let epoch = self
                    .epochs
                    .get(&(patient, recipient, r.record_type))
                    .copied()
                    .unwrap_or(0);
                self.keys.insert(
                    (id, recipient),
                    Key {
                        key_id: r.hash,
                        epoch,
                        len,
                    },
                );
                unit()
            }
            Op::RevokeKey {
                by: A(by),
                patient: A(patient),
                id,
                recipient: A(recipient),
            } => {
                probes.extend([P::Key(id, recipient), P::Audit(patient)]);
                let r = self.record_of(patient, id)?;
                if !self.keys.contains_key(&(id, recipient)) {
                    return err("KeyShareNotFound");
                }
                self.patient_delegate_or_admin(patient, by, &r, id)?;
                self.audit(patient);
                self.keys.remove(&(id, recipient));
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
                    .map(|p| (p.role, p.verified, p.active))
            ),
            Probe::Window(p, q) => format!(
                "{:?}",
                self.windows
                    .get(&(p, q))
                    .map(|w| (w.expires_at, w.ended_at))
            ),
            Probe::AccessLog(p) => self.access_log.get(&p).copied().unwrap_or(0).to_string(),
            Probe::Patient(p) => format!(
                "{:?}",
                self.patients
                    .get(&p)
                    .map(|i| (i.granted, i.revoked, i.history))
            ),
            Probe::Consent(p, q, d) => format!(
                "{:?}",
                self.consents.get(&(p, q, d)).map(|c| (
                    c.expires_at,
                    c.purpose,
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
                    r.status
                ))
            ),
            Probe::ConsentContract => format!(
                "paused={} requests={}",
                self.consent_paused, self.request_count
            ),
            Probe::Record(id) => format!(
                "{:?} {:?}",
                self.records.get(&id).map(|r| r.status),
                self.records
                    .get(&id)
                    .map(|r| r.versions.clone())
                    .unwrap_or_default()
            ),
            Probe::Permission(p, q, t) => format!(
                "{:?}",
                self.permissions.get(&(p, q, t)).map(|x| (
                    x.level,
                    x.expires_at,
                    x.quota,
                    x.reads_used,
                    x.bytes_used
                ))
            ),
            Probe::Share(id, p) => format!("{:?}", self.shares.get(&(id, p))),
            Probe::Key(id, p) => format!(
                "{:?}",
                self.keys.get(&(id, p)).map(|k| (k.key_id, k.epoch, k.len))
            ),
            Probe::Audit(p) => self.audit.get(&p).copied().unwrap_or(0).to_string(),
            Probe::Stats(p) => format!("{:?}", self.stats.get(&p).copied().unwrap_or_default()),
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
    if by != 0 {
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

fn record_view_text(
    id: u64,
    version: usize,
    status: RecordStatus,
    emergency: bool,
    key: Option<usize>,
) -> String {
    format!("#{id} v{version} {status:?} emergency={emergency} key={key:?}")
}

// ---------------------------------------------------------------------------
// The same operations on the compiled contracts
// ---------------------------------------------------------------------------

struct System {
    chain: Chain,
    d: Deployed,
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
        let outcome = match self.chain.call(account(by), msg) {
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
        self.chain
            .value("query", account(0), msg)
            .map_err(|e| e.to_string())
    }

    fn apply(&mut self, op: &Op) -> Res {
        let (mut ac, mut pc, mut rm) = (self.d.ac(), self.d.pc(), self.d.rm());
        let u = |()| "()".to_string();
        let n = |v: u64| v.to_string();
        let a = account;
        match *op {
            Op::Wait(ms) => {
                advance_time(ms);
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
                    [0xE0; 32],
                ),
                n,
            ),
            Op::EndEmergency {
                by: A(by),
                patient: A(p),
            } => self.tx(by, &ac.end_emergency_access(a(p)), u),
            Op::RegisterPatient { by: A(by) } => self.tx(by, &pc.register_patient(), u),
            Op::GrantConsent {
                by: A(by),
                patient: A(p),
                provider: A(q),
                data_type,
                duration,
            } => {
                if by == p {
                    self.tx(
                        by,
                        &pc.grant_consent(a(q), data_type, duration, Purpose::Treatment),
                        n,
                    )
                } else {
                    self.tx(
                        by,
                        &pc.grant_consent_as_delegate(
                            a(p),
                            a(q),
                            data_type,
                            duration,
                            Purpose::Treatment,
                        ),
                        n,
                    )
                }
            }
            Op::RevokeConsent {
                by: A(by),
                patient: A(p),
                provider: A(q),
                data_type,
            } => {
                if by == p {
                    self.tx(by, &pc.revoke_consent(a(q), data_type), u)
                } else {
                    self.tx(by, &pc.revoke_consent_as_delegate(a(p), a(q), data_type), u)
                }
            }
            Op::UpdatePurpose {
                by: A(by),
                provider: A(q),
                data_type,
                purpose,
            } => self.tx(by, &pc.update_consent_purpose(a(q), data_type, purpose), u),
            Op::RequestAccess {
                by: A(by),
                patient: A(p),
                data_type,
            } => self.tx(
                by,
                &pc.request_access(a(p), data_type, Purpose::Treatment),
                n,
            ),
            Op::ApproveRequest {
                by: A(by),
                request,
                duration,
            } => self.tx(by, &pc.approve_access_request(request, duration), n),
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
                delegate: A(d),
            } => self.tx(by, &pc.remove_delegate(a(d)), u),
            Op::PauseConsent { by: A(by), pause } => {
                if pause {
                    self.tx(by, &pc.pause(), u)
                } else {
                    self.tx(by, &pc.unpause(), u)
                }
            }
            Op::PauseRecords { by: A(by), pause } => {
                if pause {
                    self.tx(by, &rm.pause(), u)
                } else {
                    self.tx(by, &rm.unpause(), u)
                }
            }
            Op::CreateRecord {
                by: A(by),
                patient: A(p),
                record_type,
                hash,
                locator_len,
                size,
            } => self.tx(
                by,
                &rm.create_record(
                    a(p),
                    record_type,
                    data_hash(hash),
                    vec![b'L'; locator_len],
                    key_id(hash),
                    size,
                    1,
                    Confidentiality::Restricted,
                ),
                n,
            ),
            Op::GetRecord {
                by: A(by),
                patient: A(p),
                id,
            } => self.tx(
                by,
                &rm.get_record(a(p), id, Purpose::Treatment),
                |v: RecordView| {
                    record_view_text(
                        v.record_id,
                        v.meta.version as usize,
                        v.meta.status,
                        v.emergency,
                        v.wrapped_key.map(|k| k.len()),
                    )
                },
            ),
            Op::UpdateRecord {
                by: A(by),
                patient: A(p),
                id,
                hash,
                locator_len,
                size,
            } => self.tx(
                by,
                &rm.update_record(
                    a(p),
                    id,
                    data_hash(hash),
                    vec![b'L'; locator_len],
                    key_id(hash),
                    size,
                ),
                |v: u32| v.to_string(),
            ),
            Op::SetStatus {
                by: A(by),
                patient: A(p),
                id,
                status,
            } => self.tx(by, &rm.set_record_status(a(p), id, status), u),
            Op::Lock {
                by: A(by),
                patient: A(p),
                id,
            } => self.tx(by, &rm.lock_record(a(p), id), u),
            Op::Unlock {
                by: A(by),
                patient: A(p),
                id,
            } => self.tx(by, &rm.unlock_record(a(p), id), u),
            Op::Delete {
                by: A(by),
                patient: A(p),
                id,
            } => self.tx(by, &rm.delete_record(a(p), id), u),
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
            Op::ShareKey {
                by: A(by),
                patient: A(p),
                id,
                recipient: A(q),
                len,
            } => self.tx(by, &rm.share_key(a(p), id, a(q), vec![7; len]), u),
            Op::RevokeKey {
                by: A(by),
                patient: A(p),
                id,
                recipient: A(q),
            } => self.tx(by, &rm.revoke_key_share(a(p), id, a(q)), u),
        }
    }

    /// The contracts' view of one probed piece of state (see [`Model::view`]).
    fn view(&mut self, probe: Probe) -> Result<String, String> {
        let (ac, pc, rm) = (self.d.ac(), self.d.pc(), self.d.rm());
        let a = account;
        let who = |acc: AccountId| A((0..8).find(|w| account(*w) == acc).unwrap_or(u8::MAX));
        Ok(match probe {
            Probe::Provider(w) => format!(
                "{:?}",
                self.query(&ac.get_provider(a(w)))?
                    .map(|p| (p.role, p.verified, p.active))
            ),
            Probe::Window(p, q) => format!(
                "{:?}",
                self.query(&ac.get_emergency_window(a(p), a(q)))?
                    .map(|w| (w.expires_at, w.ended_at))
            ),
            Probe::AccessLog(p) => self.query(&ac.access_log_len(a(p)))?.to_string(),
            Probe::Patient(p) => format!(
                "{:?}",
                self.query(&pc.get_patient(a(p)))?.map(|i| (
                    i.consents_granted,
                    i.consents_revoked,
                    i.history_len
                ))
            ),
            Probe::Consent(p, q, d) => format!(
                "{:?}",
                self.query(&pc.get_consent(a(p), a(q), d))?.map(|c| (
                    c.expires_at,
                    c.purpose,
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
                    r.status
                ))
            ),
            Probe::ConsentContract => format!(
                "paused={} requests={}",
                self.query(&pc.paused())?,
                self.query(&pc.request_count())?
            ),
            Probe::Record(id) => format!(
                "{:?} {:?}",
                self.query(&rm.record_status(id))?,
                self.query(&rm.record_versions(id, 1, 50))?
                    .iter()
                    .map(|v| v.data_hash[0])
                    .collect::<Vec<u8>>()
            ),
            Probe::Permission(p, q, t) => format!(
                "{:?}",
                self.query(&rm.get_permission(a(p), a(q), t))?.map(|x| (
                    x.level,
                    x.expires_at,
                    x.quota,
                    x.reads_used,
                    x.bytes_used
                ))
            ),
            Probe::Share(id, p) => format!(
                "{:?}",
                self.query(&rm.get_record_share(id, a(p)))?
                    .map(|s| s.expires_at)
            ),
            Probe::Key(id, p) => format!(
                "{:?}",
                self.query(&rm.get_wrapped_key(id, a(p)))?.map(|k| (
                    k.key_id[0] & 0x7f,
                    k.epoch,
                    k.wrapped.len()
                ))
            ),
            Probe::Audit(p) => self.query(&rm.audit_head(a(p)))?.len.to_string(),
            Probe::Stats(p) => {
                let s = self.query(&rm.provider_stats(a(p)))?;
                format!(
                    "{:?}",
                    [
                        s.records_created,
                        s.records_updated,
                        s.reads,
                        s.emergency_reads
                    ]
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

/// The starting state of every sequence, applied to both sides: Bob and
/// Charlie are patients; Dave a doctor, Eve a nurse, Ferdie an emergency
/// physician and One an admin, all verified; Bob consents to Dave for `All`
/// and gives him Admin on Vitals, and Dave writes record 1; Charlie
/// consents to Eve for medical records and gives her Write on Vitals for
/// five days with a one-read quota, and Eve writes record 2; Two is Bob's
/// delegate for three days; Bob shares record 1 and its key with Eve for
/// 30 days; Ferdie has an emergency window open on Charlie; Dave has asked Charlie for her lab results
/// (request 1) and Eve has asked Bob for his medical records (request 2).
fn starting_ops() -> Vec<Op> {
    let (alice, bob, charlie, dave, eve, ferdie, one, two) =
        (A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7));
    let mut ops = Vec::new();
    for (who, role) in [
        (dave, Role::Doctor),
        (eve, Role::Nurse),
        (ferdie, Role::Emergency),
        (one, Role::Admin),
    ] {
        ops.push(Op::RegisterProvider {
            by: alice,
            who,
            role,
        });
        ops.push(Op::VerifyProvider { by: alice, who });
    }
    ops.push(Op::RegisterPatient { by: bob });
    ops.push(Op::RegisterPatient { by: charlie });
    ops.push(Op::GrantConsent {
        by: bob,
        patient: bob,
        provider: dave,
        data_type: DataType::All,
        duration: 30 * DAY,
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
        locator_len: 10,
        size: 4000,
    });
    ops.push(Op::GrantConsent {
        by: charlie,
        patient: charlie,
        provider: eve,
        data_type: DataType::MedicalRecords,
        duration: 10 * DAY,
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
        locator_len: 10,
        size: 100,
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
    ops.push(Op::ShareKey {
        by: bob,
        patient: bob,
        id: 1,
        recipient: eve,
        len: 80,
    });
    ops.push(Op::OpenEmergency {
        by: ferdie,
        patient: charlie,
    });
    ops.push(Op::RequestAccess {
        by: dave,
        patient: charlie,
        data_type: DataType::LabResults,
    });
    ops.push(Op::RequestAccess {
        by: eve,
        patient: bob,
        data_type: DataType::MedicalRecords,
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
    set_time(T0);
    let mut chain = Chain::default();
    let d = deploy_release(&mut chain)?;
    for who in 0..8 {
        chain.fund(account(who))?;
    }
    let mut rm = d.rm();
    chain.ok(
        "set_retention_period",
        account(0),
        &rm.set_retention_period(RETENTION),
    )?;
    let mut system = System { chain, d };
    let mut start = Model {
        now: T0,
        ..Model::default()
    };
    run_sequence(&mut start, &mut system, &starting_ops(), &mut Tally::new())
        .map_err(|e| format!("the starting state already disagrees: {e}"))?;
    let snapshot = system.chain.sandbox.take_snapshot();
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
        system.chain.sandbox.restore_snapshot(snapshot.clone());
        set_time(start_time);
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
            let report = format!(
                "the contracts and the model disagree (seed {seed}); minimal sequence:\n{ops:#?}\n{why}"
            );
            eprintln!("{report}");
            Err(report.into())
        }
        Err(TestError::Abort(why)) => Err(format!("aborted: {why}").into()),
    }
}
