//! Shared vocabulary of the medical records system, the interfaces the
//! contracts call each other through, and the administration core that all
//! three contracts share.
//!
//! This is a plain library crate (not a contract): it has no
//! `ink-as-dependency` feature, so ink_e2e does not try to build it as one.
//!
//! Every enum here is SCALE-encoded by its discriminant, so the numbers below
//! are the wire values that polkadot.js and the e2e tests see. Where the
//! original Clarity design had a number (access levels, record types, roles,
//! record status) the number is the same.
#![cfg_attr(not(feature = "std"), no_std)]

pub mod admin;
pub mod interfaces;
pub mod split;

pub use admin::{Admin, AdminError, Announced};
pub use interfaces::{AccessControlApi, PatientConsentApi, RecordManagementApi};

use ink::prelude::vec::Vec;

/// Milliseconds since the Unix epoch: the block timestamp.
pub type Timestamp = u64;

/// A 32-byte hash (SHA-256 of off-chain bytes, or an entry hash).
pub type Hash32 = [u8; 32];

/// Most entries any paginated read returns in one call, whatever `limit` asks
/// for, so that no read's cost grows with the length of a list.
pub const MAX_PAGE: u32 = 50;

/// Clamp a caller's page size to `1..=MAX_PAGE`.
pub fn page_limit(limit: u32) -> u32 {
    limit.clamp(1, MAX_PAGE)
}

/// The indexes a page reads: from `from`, at most `page_limit(limit)` of
/// them, never past `len`.
pub fn page(from: u64, limit: u32, len: u64) -> core::ops::Range<u64> {
    let end = from.saturating_add(u64::from(page_limit(limit))).min(len);
    from.min(end)..end
}

/// Access levels of the original design, ordered: a permission of level `L`
/// satisfies any requirement up to `L`.
///
/// A patient grants at most [`AccessLevel::Admin`]. [`AccessLevel::Emergency`]
/// is never granted: it is what an emergency window gives, and it allows
/// reading only.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    Read = 0,
    Write = 1,
    Admin = 2,
    Emergency = 3,
}

impl AccessLevel {
    /// Whether a permission of this level satisfies a requirement of `required`.
    pub fn satisfies(self, required: AccessLevel) -> bool {
        self >= required
    }

    /// Whether a patient may grant this level (everything but `Emergency`).
    pub fn is_grantable(self) -> bool {
        self <= AccessLevel::Admin
    }
}

/// The 13 record types of the original design with their numbers.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordType {
    BasicInfo = 0,
    Vitals = 1,
    Diagnosis = 2,
    Medications = 3,
    LabResults = 4,
    Imaging = 5,
    Procedures = 6,
    Allergies = 7,
    Immunizations = 8,
    MentalHealth = 9,
    GeneticData = 10,
    Insurance = 11,
    EmergencyContacts = 12,
}

impl RecordType {
    /// Every record type, in number order.
    pub const ALL: [RecordType; 13] = [
        RecordType::BasicInfo,
        RecordType::Vitals,
        RecordType::Diagnosis,
        RecordType::Medications,
        RecordType::LabResults,
        RecordType::Imaging,
        RecordType::Procedures,
        RecordType::Allergies,
        RecordType::Immunizations,
        RecordType::MentalHealth,
        RecordType::GeneticData,
        RecordType::Insurance,
        RecordType::EmergencyContacts,
    ];

    /// The data type a consent must cover for a record of this type.
    ///
    /// | record type | data type |
    /// |---|---|
    /// | BasicInfo, Vitals, Diagnosis, Procedures, Allergies, Immunizations | MedicalRecords |
    /// | Medications | Prescriptions |
    /// | LabResults | LabResults |
    /// | Imaging | Imaging |
    /// | EmergencyContacts | EmergencyInfo |
    /// | MentalHealth | MentalHealth (sensitive) |
    /// | GeneticData | Genetic (sensitive) |
    /// | Insurance | Financial (sensitive) |
    pub fn data_type(self) -> DataType {
        match self {
            RecordType::BasicInfo
            | RecordType::Vitals
            | RecordType::Diagnosis
            | RecordType::Procedures
            | RecordType::Allergies
            | RecordType::Immunizations => DataType::MedicalRecords,
            RecordType::Medications => DataType::Prescriptions,
            RecordType::LabResults => DataType::LabResults,
            RecordType::Imaging => DataType::Imaging,
            RecordType::EmergencyContacts => DataType::EmergencyInfo,
            RecordType::MentalHealth => DataType::MentalHealth,
            RecordType::GeneticData => DataType::Genetic,
            RecordType::Insurance => DataType::Financial,
        }
    }
}

/// What a consent is given for: the original five types, three sensitive
/// ones, and `All`, which covers every non-sensitive type.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataType {
    MedicalRecords = 0,
    LabResults = 1,
    Prescriptions = 2,
    Imaging = 3,
    EmergencyInfo = 4,
    MentalHealth = 5,
    Genetic = 6,
    Financial = 7,
    All = 8,
}

impl DataType {
    /// Every data type, in number order.
    pub const ALL: [DataType; 9] = [
        DataType::MedicalRecords,
        DataType::LabResults,
        DataType::Prescriptions,
        DataType::Imaging,
        DataType::EmergencyInfo,
        DataType::MentalHealth,
        DataType::Genetic,
        DataType::Financial,
        DataType::All,
    ];

    /// Sensitive types need a consent of their own: `All` never covers them,
    /// and an emergency window reaches them only when the patient opted in.
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            DataType::MentalHealth | DataType::Genetic | DataType::Financial
        )
    }

    /// Whether a consent (or request) for `self` covers data of type `other`:
    /// the same type, or `All` for a non-sensitive type.
    pub fn covers(self, other: DataType) -> bool {
        self == other || (self == DataType::All && !other.is_sensitive())
    }

    /// The original's string code, for display and for the off-chain tools.
    pub fn code(self) -> &'static str {
        match self {
            DataType::MedicalRecords => "medical-records",
            DataType::LabResults => "lab-results",
            DataType::Prescriptions => "prescriptions",
            DataType::Imaging => "imaging",
            DataType::EmergencyInfo => "emergency-info",
            DataType::MentalHealth => "mental-health",
            DataType::Genetic => "genetic",
            DataType::Financial => "financial",
            DataType::All => "all",
        }
    }
}

/// Provider roles with the original's numbers, and `Payer` (insurers, the
/// seeds' insurance-claims use case) added at the end.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Admin = 1,
    Doctor = 2,
    Nurse = 3,
    Technician = 4,
    Researcher = 5,
    Emergency = 6,
    Payer = 7,
}

impl Role {
    /// Every role, in number order.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Doctor,
        Role::Nurse,
        Role::Technician,
        Role::Researcher,
        Role::Emergency,
        Role::Payer,
    ];

    /// The role x data-type matrix of the original, with the port's rules for
    /// the types and the role the original lacked:
    ///
    /// | role | allowed data types |
    /// |---|---|
    /// | Admin, Emergency | every non-sensitive type and `All` |
    /// | Doctor | every type, sensitive ones included, and `All` |
    /// | Nurse | MedicalRecords, LabResults, Prescriptions |
    /// | Technician | LabResults, Imaging |
    /// | Researcher | LabResults |
    /// | Payer | Financial |
    ///
    /// Sensitive types (MentalHealth, Genetic, Financial) are for doctors,
    /// and Financial for payers too. The original gave doctors `all`; since
    /// `All` now means every non-sensitive type, doctors are also allowed
    /// `EmergencyInfo`.
    pub fn allows(self, data_type: DataType) -> bool {
        match self {
            Role::Doctor => true,
            Role::Payer => data_type == DataType::Financial,
            _ if data_type.is_sensitive() => false,
            Role::Admin | Role::Emergency => true,
            Role::Nurse => matches!(
                data_type,
                DataType::MedicalRecords | DataType::LabResults | DataType::Prescriptions
            ),
            Role::Technician => matches!(data_type, DataType::LabResults | DataType::Imaging),
            Role::Researcher => data_type == DataType::LabResults,
        }
    }

    /// The purposes of use a role may declare: a researcher acts for
    /// `Research` only and a payer for `Payment` only; the other roles for
    /// any purpose their consent covers.
    pub fn allows_purpose(self, purpose: Purpose) -> bool {
        match self {
            Role::Researcher => purpose == Purpose::Research,
            Role::Payer => purpose == Purpose::Payment,
            _ => true,
        }
    }
}

/// Purpose of use: HL7 v3 ActReason codes. No free text goes on-chain.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Purpose {
    /// TREAT
    Treatment = 0,
    /// ETREAT
    EmergencyTreatment = 1,
    /// HPAYMT
    Payment = 2,
    /// HOPERAT
    Operations = 3,
    /// HRESCH
    Research = 4,
    /// PATRQT
    PatientRequest = 5,
    /// PUBHLTH
    PublicHealth = 6,
}

impl Purpose {
    /// Every purpose, in number order.
    pub const ALL: [Purpose; 7] = [
        Purpose::Treatment,
        Purpose::EmergencyTreatment,
        Purpose::Payment,
        Purpose::Operations,
        Purpose::Research,
        Purpose::PatientRequest,
        Purpose::PublicHealth,
    ];

    /// The HL7 v3 ActReason code.
    pub fn hl7_code(self) -> &'static str {
        match self {
            Purpose::Treatment => "TREAT",
            Purpose::EmergencyTreatment => "ETREAT",
            Purpose::Payment => "HPAYMT",
            Purpose::Operations => "HOPERAT",
            Purpose::Research => "HRESCH",
            Purpose::PatientRequest => "PATRQT",
            Purpose::PublicHealth => "PUBHLTH",
        }
    }
}

/// A set of purposes of use, one bit per [`Purpose`] (bit n = purpose n).
/// Messages take a `Vec<Purpose>`; storage keeps this byte.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct PurposeSet(pub u8);

impl PurposeSet {
    /// The set of the given purposes (duplicates count once).
    pub fn of(purposes: &[Purpose]) -> Self {
        PurposeSet(
            purposes
                .iter()
                .fold(0u8, |bits, p| bits | (1u8 << (*p as u8))),
        )
    }

    pub fn contains(self, purpose: Purpose) -> bool {
        self.0 & (1u8 << (purpose as u8)) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: PurposeSet) -> Self {
        PurposeSet(self.0 | other.0)
    }

    /// The purposes in the set, in number order.
    pub fn to_vec(self) -> Vec<Purpose> {
        Purpose::ALL
            .iter()
            .copied()
            .filter(|p| self.contains(*p))
            .collect()
    }
}

/// Status of a record, with the original's numbers.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordStatus {
    Active = 0,
    Archived = 1,
    Deleted = 2,
    Locked = 3,
    UnderReview = 4,
}

/// Why an emergency window was opened. The details live off-chain; only
/// their salted hash goes on-chain beside this code.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EmergencyReason {
    /// Life-threatening condition needing immediate treatment.
    LifeThreatening = 0,
    /// The patient is unconscious and cannot consent.
    PatientUnconscious = 1,
    /// The patient is conscious but lacks capacity to consent.
    PatientIncapacitated = 2,
    /// Mass-casualty or disaster response.
    MassCasualty = 3,
    /// Another emergency; the off-chain note (hashed on-chain) says which.
    Other = 4,
}

/// What a patient lets break-glass reach (set in patient-consent).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum EmergencyPreference {
    /// The default: an emergency window reaches every non-sensitive type.
    #[default]
    NonSensitive = 0,
    /// The patient opted the sensitive types (mental health, genetic,
    /// financial) in as well.
    IncludeSensitive = 1,
    /// The patient opted out of break-glass: no emergency read at all.
    OptOut = 2,
}

impl EmergencyPreference {
    /// Whether a window lets its holder read data of `data_type`.
    pub fn reaches(self, data_type: DataType) -> bool {
        match self {
            EmergencyPreference::NonSensitive => !data_type.is_sensitive(),
            EmergencyPreference::IncludeSensitive => true,
            EmergencyPreference::OptOut => false,
        }
    }

    /// Whether moving from `self` to `new` only narrows what break-glass
    /// reaches (allowed while patient-consent is paused).
    pub fn narrows_to(self, new: EmergencyPreference) -> bool {
        let rank = |p: EmergencyPreference| match p {
            EmergencyPreference::OptOut => 0,
            EmergencyPreference::NonSensitive => 1,
            EmergencyPreference::IncludeSensitive => 2,
        };
        rank(new) <= rank(self)
    }
}

/// A reviewer's finding on a closed emergency window.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReviewOutcome {
    /// The emergency access was justified.
    Justified = 0,
    /// It was not; the note (off-chain, hashed) says what follows.
    Unjustified = 1,
    /// More information is needed; followed up off-chain.
    Inconclusive = 2,
}

/// How access-control judges a provider for one data type and purpose.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderStanding {
    /// Registered, verified, active; the role allows the data type and the
    /// purpose.
    Cleared,
    NotRegistered,
    NotVerified,
    Inactive,
    RoleNotAllowed,
    /// The role may not act for that purpose (a researcher outside
    /// `Research`, a payer outside `Payment`).
    PurposeNotAllowed,
}

/// Answer of [`AccessControlApi::assess_provider`].
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderAssessment {
    pub standing: ProviderStanding,
    /// The provider holds an open emergency window on the patient (only ever
    /// true for a registered, verified, active provider).
    pub emergency_window: bool,
}

/// Whether a patient's consent covers a provider, a data type and a purpose.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentCheck {
    /// An active, unexpired consent covers the data type and the purpose.
    Given,
    /// No active, unexpired consent covers the data type.
    Missing,
    /// A consent covers the data type, but not for that purpose.
    PurposeNotConsented,
}

/// Answer of [`PatientConsentApi::consult`]: everything record-management
/// needs from patient-consent for one access decision, in one call.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentAnswer {
    pub consent: ConsentCheck,
    /// The actor is the registered patient or an unexpired delegate of it.
    pub acts_for: bool,
    /// The patient's break-glass preference.
    pub emergency: EmergencyPreference,
}

/// Why record-management refused [`RecordManagementApi::grant_on_approval`].
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantRefused {
    /// The caller is not the consent contract record-management is wired to.
    NotConsentContract,
    /// record-management is paused.
    ContractPaused,
    /// The level cannot be granted, or the provider is the patient or the
    /// actor.
    InvalidGrant,
    /// A counter would overflow.
    Overflow,
}

/// The contract addresses a contract is wired to and may be repointed from
/// (announced, then applied after the upgrade delay).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Link {
    AccessControl = 0,
    PatientConsent = 1,
    RecordManagement = 2,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::scale::{Decode, Encode};

    #[test]
    fn wire_numbers_match_the_original_design() {
        assert_eq!(AccessLevel::Read.encode(), vec![0]);
        assert_eq!(AccessLevel::Emergency.encode(), vec![3]);
        assert_eq!(Role::Admin.encode(), vec![1]);
        assert_eq!(Role::Emergency.encode(), vec![6]);
        assert_eq!(Role::Payer.encode(), vec![7]);
        assert_eq!(RecordStatus::UnderReview.encode(), vec![4]);
        for (n, t) in RecordType::ALL.iter().enumerate() {
            assert_eq!(t.encode(), vec![n as u8]);
            assert_eq!(RecordType::decode(&mut &[n as u8][..]), Ok(*t));
        }
        assert!(RecordType::decode(&mut &[13u8][..]).is_err());
        assert!(Role::decode(&mut &[0u8][..]).is_err());
        assert!(Role::decode(&mut &[8u8][..]).is_err());
    }

    #[test]
    fn access_levels_are_ordered() {
        assert!(AccessLevel::Admin.satisfies(AccessLevel::Read));
        assert!(AccessLevel::Write.satisfies(AccessLevel::Write));
        assert!(!AccessLevel::Read.satisfies(AccessLevel::Write));
        assert!(AccessLevel::Admin.is_grantable());
        assert!(!AccessLevel::Emergency.is_grantable());
    }

    #[test]
    fn every_record_type_maps_to_one_concrete_data_type() {
        for t in RecordType::ALL {
            assert_ne!(t.data_type(), DataType::All);
        }
        assert_eq!(RecordType::MentalHealth.data_type(), DataType::MentalHealth);
        assert_eq!(RecordType::GeneticData.data_type(), DataType::Genetic);
        assert_eq!(RecordType::Insurance.data_type(), DataType::Financial);
        assert_eq!(RecordType::Medications.data_type(), DataType::Prescriptions);
    }

    #[test]
    fn role_matrix_matches_the_original_and_keeps_sensitive_types_narrow() {
        use DataType::*;
        let nurse = [MedicalRecords, LabResults, Prescriptions];
        let technician = [LabResults, Imaging];
        for d in DataType::ALL {
            assert!(Role::Doctor.allows(d), "doctor {d:?}");
            assert_eq!(Role::Admin.allows(d), !d.is_sensitive(), "admin {d:?}");
            assert_eq!(
                Role::Emergency.allows(d),
                !d.is_sensitive(),
                "emergency {d:?}"
            );
            assert_eq!(Role::Nurse.allows(d), nurse.contains(&d), "nurse {d:?}");
            assert_eq!(Role::Technician.allows(d), technician.contains(&d));
            assert_eq!(Role::Researcher.allows(d), d == LabResults);
            assert_eq!(Role::Payer.allows(d), d == Financial, "payer {d:?}");
        }
    }

    #[test]
    fn researchers_and_payers_act_for_their_one_purpose() {
        for p in Purpose::ALL {
            assert_eq!(Role::Researcher.allows_purpose(p), p == Purpose::Research);
            assert_eq!(Role::Payer.allows_purpose(p), p == Purpose::Payment);
            assert!(Role::Doctor.allows_purpose(p));
            assert!(Role::Emergency.allows_purpose(p));
        }
    }

    #[test]
    fn all_covers_every_non_sensitive_type_only() {
        for d in DataType::ALL {
            assert!(d.covers(d));
            assert_eq!(DataType::All.covers(d), !d.is_sensitive(), "{d:?}");
            if d != DataType::All {
                assert!(!d.covers(DataType::All));
            }
        }
        assert!(!DataType::LabResults.covers(DataType::Imaging));
    }

    #[test]
    fn purpose_sets_hold_each_purpose_once() {
        let set = PurposeSet::of(&[Purpose::Research, Purpose::Treatment, Purpose::Research]);
        assert_eq!(set.0, 0b1_0001);
        assert!(set.contains(Purpose::Treatment));
        assert!(!set.contains(Purpose::Payment));
        assert_eq!(set.to_vec(), vec![Purpose::Treatment, Purpose::Research]);
        assert!(PurposeSet::of(&[]).is_empty());
        assert_eq!(PurposeSet::of(&Purpose::ALL).0, 0x7f);
        assert_eq!(
            set.union(PurposeSet::of(&[Purpose::Payment])).to_vec(),
            vec![Purpose::Treatment, Purpose::Payment, Purpose::Research]
        );
    }

    #[test]
    fn emergency_preferences_scope_break_glass() {
        use EmergencyPreference::*;
        for d in DataType::ALL {
            assert_eq!(NonSensitive.reaches(d), !d.is_sensitive());
            assert!(IncludeSensitive.reaches(d));
            assert!(!OptOut.reaches(d));
        }
        assert_eq!(EmergencyPreference::default(), NonSensitive);
        assert!(IncludeSensitive.narrows_to(NonSensitive));
        assert!(NonSensitive.narrows_to(OptOut));
        assert!(OptOut.narrows_to(OptOut));
        assert!(!OptOut.narrows_to(NonSensitive));
        assert!(!NonSensitive.narrows_to(IncludeSensitive));
    }

    #[test]
    fn pages_are_capped_and_stay_inside_the_list() {
        assert_eq!(page_limit(0), 1);
        assert_eq!(page_limit(10), 10);
        assert_eq!(page_limit(10_000), MAX_PAGE);
        assert_eq!(page(0, 10, 3), 0..3);
        assert_eq!(page(2, 10, 30), 2..12);
        assert_eq!(page(5, 10, 3), 3..3);
        assert_eq!(page(0, 1_000, 500), 0..50);
        assert_eq!(page(u64::MAX, 10, u64::MAX), u64::MAX..u64::MAX);
    }

    #[test]
    fn purposes_are_hl7_codes() {
        assert_eq!(Purpose::Treatment.hl7_code(), "TREAT");
        assert_eq!(Purpose::EmergencyTreatment.hl7_code(), "ETREAT");
        assert_eq!(Purpose::PublicHealth.hl7_code(), "PUBHLTH");
    }
}
