//! Shared vocabulary of the medical records system and the interfaces the
//! contracts call each other through.
//!
//! This is a plain library crate (not a contract): it has no
//! `ink-as-dependency` feature, so ink_e2e does not try to build it as one.
//!
//! Every enum here is SCALE-encoded by its discriminant, so the numbers below
//! are the wire values that polkadot.js and the e2e tests see. Where the
//! original Clarity design had a number (access levels, record types, roles,
//! record status) the number is the same.
#![cfg_attr(not(feature = "std"), no_std)]

pub mod interfaces;

pub use interfaces::{AccessControlApi, PatientConsentApi};

/// Milliseconds since the Unix epoch: the block timestamp.
pub type Timestamp = u64;

/// A 32-byte hash (SHA-256 of off-chain bytes, or an entry hash).
pub type Hash32 = [u8; 32];

/// Most entries any paginated read returns in one call, whatever `limit` asks
/// for, so that no read's cost grows with the length of a log.
pub const MAX_PAGE: u32 = 50;

/// Clamp a caller's page size to `1..=MAX_PAGE`.
pub fn page_limit(limit: u32) -> u32 {
    limit.clamp(1, MAX_PAGE)
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

    /// Sensitive types need a consent of their own: `All` never covers them.
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            DataType::MentalHealth | DataType::Genetic | DataType::Financial
        )
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

/// Provider roles with the original's numbers.
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
}

impl Role {
    /// Every role, in number order.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Doctor,
        Role::Nurse,
        Role::Technician,
        Role::Researcher,
        Role::Emergency,
    ];

    /// The role x data-type matrix of the original, with the port's rules for
    /// the types the original lacked:
    ///
    /// | role | allowed data types |
    /// |---|---|
    /// | Admin, Emergency | every non-sensitive type and `All` |
    /// | Doctor | every type, sensitive ones included, and `All` |
    /// | Nurse | MedicalRecords, LabResults, Prescriptions |
    /// | Technician | LabResults, Imaging |
    /// | Researcher | LabResults |
    ///
    /// Sensitive types (MentalHealth, Genetic, Financial) are for doctors only.
    /// The original gave doctors `all`; since `All` now means every
    /// non-sensitive type, doctors are also allowed `EmergencyInfo`.
    pub fn allows(self, data_type: DataType) -> bool {
        if data_type.is_sensitive() {
            return self == Role::Doctor;
        }
        match self {
            Role::Admin | Role::Emergency | Role::Doctor => true,
            Role::Nurse => matches!(
                data_type,
                DataType::MedicalRecords | DataType::LabResults | DataType::Prescriptions
            ),
            Role::Technician => matches!(data_type, DataType::LabResults | DataType::Imaging),
            Role::Researcher => data_type == DataType::LabResults,
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
/// their hash goes on-chain beside this code.
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

/// How access-control judges a provider for one data type of one patient:
/// the answer to the record contract's single combined query.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderStanding {
    /// Registered, verified, active, and the role allows the data type.
    Cleared,
    NotRegistered,
    NotVerified,
    Inactive,
    RoleNotAllowed,
}

/// Answer of [`AccessControlApi::assess_provider`].
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderAssessment {
    pub standing: ProviderStanding,
    /// The provider holds an open, unexpired emergency window for the patient
    /// (only ever true for a provider who is also verified and active).
    pub emergency_window: bool,
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
        assert_eq!(RecordStatus::UnderReview.encode(), vec![4]);
        for (n, t) in RecordType::ALL.iter().enumerate() {
            assert_eq!(t.encode(), vec![n as u8]);
            assert_eq!(RecordType::decode(&mut &[n as u8][..]), Ok(*t));
        }
        assert!(RecordType::decode(&mut &[13u8][..]).is_err());
        assert!(Role::decode(&mut &[0u8][..]).is_err());
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
    fn role_matrix_matches_the_original_and_keeps_sensitive_types_for_doctors() {
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
        }
    }

    #[test]
    fn page_limit_is_capped() {
        assert_eq!(page_limit(0), 1);
        assert_eq!(page_limit(10), 10);
        assert_eq!(page_limit(10_000), MAX_PAGE);
    }

    #[test]
    fn purposes_are_hl7_codes() {
        assert_eq!(Purpose::Treatment.hl7_code(), "TREAT");
        assert_eq!(Purpose::EmergencyTreatment.hl7_code(), "ETREAT");
        assert_eq!(Purpose::PublicHealth.hl7_code(), "PUBHLTH");
    }
}
