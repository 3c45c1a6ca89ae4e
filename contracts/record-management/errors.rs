//! Every way a message of record-management can fail.

/// Every way a message of this contract can fail.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Only the contract owner may do this.
    NotOwner,
    /// Only the proposed owner may accept ownership.
    NotPendingOwner,
    /// No ownership transfer is proposed.
    NoPendingOwner,
    /// The caller targets itself: a patient or delegate permitting or
    /// sharing with itself, the owner proposing itself or pointing a link
    /// at this contract.
    CannotTargetSelf,
    /// The contract is paused.
    ContractPaused,
    /// `pause` on a paused contract.
    AlreadyPaused,
    /// `unpause` on a running contract.
    NotPaused,
    /// An announcement of that kind is pending already: cancel it first.
    AlreadyAnnounced,
    /// Nothing of that kind was announced.
    NothingAnnounced,
    /// The announced change's delay has not passed yet.
    TooEarly,
    /// The upgrade delay is outside 1 day ..= 30 days.
    InvalidUpgradeDelay,
    /// The runtime refused the code hash (no code uploaded under it).
    CodeUpgradeFailed,
    /// A time or counter would overflow.
    Overflow,
    /// No record of that patient has that id.
    RecordNotFound,
    /// The record is locked: only the patient and its delegates read it,
    /// and nobody changes it until it is unlocked.
    RecordLocked,
    /// The record is deleted.
    RecordDeleted,
    /// The record is archived (read-only).
    RecordArchived,
    /// `unlock_record` on a record that is not locked.
    RecordNotLocked,
    /// That status change is not allowed from the record's status.
    InvalidStatusTransition,
    /// Deletion before the record's retention-until time.
    RetentionPeriodActive,
    /// The patient already has a record whose current or earlier version
    /// has that data hash.
    DuplicateRecord,
    /// The data hash is all zeroes.
    InvalidDataHash,
    /// The key id is all zeroes.
    InvalidKeyId,
    /// The patient side changes only records the patient side created.
    NotPatientAuthored,
    /// Providers do not change records the patient side created.
    PatientAuthoredRecord,
    /// A patient creating its own record has not registered (patient-consent).
    PatientNotRegistered,
    /// Patients grant Read, Write or Admin only.
    InvalidAccessLevel,
    /// A duration of zero.
    InvalidDuration,
    /// A quota with neither a read nor a byte limit, or a zero limit.
    InvalidQuota,
    /// The caller is neither the patient nor an unexpired delegate.
    NotPatientOrDelegate,
    /// The caller is not a registered provider (access-control).
    ProviderNotRegistered,
    /// The caller is not verified (access-control).
    ProviderNotVerified,
    /// The caller has been deactivated (access-control).
    ProviderInactive,
    /// The caller's role does not allow the record's data type.
    RoleNotAllowed,
    /// The caller's role may not act for the declared purpose.
    PurposeNotAllowed,
    /// The patient has no active consent for the caller and the data type.
    ConsentRequired,
    /// The patient's consent does not cover the declared purpose.
    PurposeNotConsented,
    /// The patient gave the caller no permission for this record type (and,
    /// for a read, no share of this record).
    NoPermission,
    /// The caller's permission has expired.
    PermissionExpired,
    /// The caller's permission level is below what the operation needs.
    InsufficientAccessLevel,
    /// The permission's read or byte quota is used up.
    QuotaExhausted,
    /// Only an emergency window would allow this, and it allows reading only.
    EmergencyAccessReadOnly,
    /// An emergency read must declare `EmergencyTreatment`.
    EmergencyPurposeRequired,
    /// The patient opted out of break-glass.
    EmergencyAccessOptedOut,
    /// The record's data type is sensitive and the patient did not opt the
    /// sensitive types into break-glass.
    OutsideEmergencyScope,
    /// No active permission to revoke.
    PermissionNotFound,
    /// No active share of that record with that provider.
    ShareNotFound,
    /// The caller is not the patient-consent contract this one is wired to.
    NotConsentContract,
    /// The access-control contract could not be called or trapped.
    AccessControlUnavailable,
    /// The patient-consent contract could not be called or trapped.
    ConsentContractUnavailable,
    /// The retention period is outside 1 day ..= 100 years.
    InvalidRetentionPeriod,
    /// This contract has no such link.
    UnknownLink,
}

medrec_types::impl_from_admin_error!(Error);

pub type Result<T> = core::result::Result<T, Error>;
