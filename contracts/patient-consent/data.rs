//! Storage and message types of patient-consent, and its errors.

use ink::primitives::AccountId;
use medrec_types::{DataType, EmergencyPreference, Purpose, PurposeSet, Timestamp};

/// A registered patient and its counters (the lengths of its lists).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatientInfo {
    pub registered_at: Timestamp,
    /// Consents ever granted (re-grants and approvals included).
    pub consents_granted: u32,
    /// Consents ever revoked.
    pub consents_revoked: u32,
    /// Length of the patient's consent history.
    pub history_len: u64,
    /// Distinct (provider, data type) pairs ever consented to: the length
    /// of the patient's consent list.
    pub consent_count: u64,
    /// Requests awaiting the patient's decision.
    pub pending_count: u64,
    /// Distinct accounts ever named delegate: the length of the delegate
    /// list.
    pub delegate_count: u64,
    /// What break-glass may reach.
    pub emergency: EmergencyPreference,
}

/// A consent of one patient for one provider and one data type.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub granted_at: Timestamp,
    /// The consent counts while `now < expires_at`.
    pub expires_at: Timestamp,
    /// The purposes of use it covers.
    pub purposes: PurposeSet,
    /// False once revoked.
    pub active: bool,
    /// The patient, or the delegate who granted it.
    pub granted_by: AccountId,
    /// The access request this consent answered, if any.
    pub request_id: Option<u64>,
}

impl Consent {
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.active && now < self.expires_at
    }

    pub fn status_at(&self, now: Timestamp) -> ConsentStatus {
        if !self.active {
            ConsentStatus::Revoked
        } else if now >= self.expires_at {
            ConsentStatus::Expired
        } else {
            ConsentStatus::Active
        }
    }
}

/// Where a consent stands now.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    Active,
    Expired,
    Revoked,
}

/// A consent with its key and status, as the list views return it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentView {
    pub patient: AccountId,
    pub provider: AccountId,
    pub data_type: DataType,
    pub consent: Consent,
    pub status: ConsentStatus,
}

/// What a history entry records.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentAction {
    Granted,
    Revoked,
    PurposesUpdated,
    RequestDenied,
    DelegateAdded,
    DelegateRemoved,
    EmergencyPreferenceChanged,
}

/// One entry of a patient's consent history (append-only, from 0).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Who acted: the patient or a delegate (for a delegate's resignation:
    /// the delegate).
    pub actor: AccountId,
    pub action: ConsentAction,
    /// The provider concerned (for delegate actions: the delegate; for a
    /// preference change: the patient).
    pub subject: AccountId,
    pub data_type: Option<DataType>,
    pub purposes: Option<PurposeSet>,
    pub expires_at: Option<Timestamp>,
    pub request_id: Option<u64>,
    pub at: Timestamp,
}

/// Status of an access request.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Approved,
    Denied,
}

/// A provider's request for a patient's consent.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    pub patient: AccountId,
    pub provider: AccountId,
    pub data_type: DataType,
    pub purpose: Purpose,
    pub requested_at: Timestamp,
    pub status: RequestStatus,
    pub decided_by: Option<AccountId>,
    pub decided_at: Option<Timestamp>,
}

/// A request with its id, as the list views return it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    pub id: u64,
    pub request: AccessRequest,
}

/// The kind of authority a delegate holds.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelegateKind {
    Guardian,
    PowerOfAttorney,
}

/// A delegation from a patient. Removing it ends it (`expires_at` becomes
/// the time of removal); the entry stays, so lists never repeat a delegate.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub kind: DelegateKind,
    pub added_at: Timestamp,
    /// The delegate acts while `now < expires_at`.
    pub expires_at: Timestamp,
}

/// A delegation with both parties, as the list views return it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationView {
    pub patient: AccountId,
    pub delegate: AccountId,
    pub delegation: Delegation,
    /// Whether the delegate may act now.
    pub active: bool,
}

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
    /// The caller targets itself: a patient or delegate consenting to,
    /// approving or naming itself, a provider requesting from itself, the
    /// owner proposing itself or pointing a link at this contract.
    CannotTargetSelf,
    /// The contract is paused (revocations and delegate removal still work).
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
    /// The caller registered already.
    PatientAlreadyRegistered,
    /// The patient has not registered.
    PatientNotRegistered,
    /// A duration of zero.
    InvalidDuration,
    /// A consent must cover at least one purpose.
    NoPurpose,
    /// No consent exists for that provider and data type.
    ConsentNotFound,
    /// The consent was revoked already.
    ConsentNotActive,
    /// The consent has expired.
    ConsentExpired,
    /// The caller is neither the patient nor an unexpired delegate.
    NotAuthorized,
    /// No access request has that id.
    RequestNotFound,
    /// The request was decided already.
    RequestNotPending,
    /// The provider has a pending request for this patient and data type.
    RequestAlreadyPending,
    /// The requesting provider is not registered in access-control.
    ProviderNotRegistered,
    /// The requesting provider is not verified.
    ProviderNotVerified,
    /// The requesting provider has been deactivated.
    ProviderInactive,
    /// The requesting provider's role does not allow the data type.
    RoleNotAllowed,
    /// The requesting provider's role may not act for that purpose.
    PurposeNotAllowed,
    /// The access-control contract could not be called or trapped.
    AccessControlUnavailable,
    /// No unexpired delegation of that account exists.
    DelegateNotFound,
    /// An approval's permissions: patients grant Read, Write or Admin only.
    InvalidAccessLevel,
    /// An approval's permissions name a record type whose data type the
    /// request did not ask for.
    RecordTypeNotRequested,
    /// An approval with permissions, but record-management is not wired yet.
    RecordManagementNotSet,
    /// record-management could not be called or trapped.
    RecordManagementUnavailable,
    /// record-management refused the approval's permissions.
    PermissionGrantRefused,
    /// The record-management link is set already: repoint it with an
    /// announcement.
    LinkAlreadySet,
    /// This contract has no such link.
    UnknownLink,
}

medrec_types::impl_from_admin_error!(Error);

pub type Result<T> = core::result::Result<T, Error>;
