//! Storage and message types of record-management, and its errors.

use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use medrec_types::{AccessLevel, Hash32, Purpose, RecordStatus, RecordType, Timestamp};

/// Longest locator of off-chain ciphertext (a path, URL or CID), in bytes.
pub const MAX_LOCATOR_LEN: usize = 128;
/// Longest wrapped data key (a sealed box of a 32-byte key is 80 bytes).
pub const MAX_WRAPPED_KEY_LEN: usize = 128;
/// Default retention: 5 years in milliseconds (the original's 262,800 blocks
/// of 10 minutes).
pub const DEFAULT_RETENTION_MS: Timestamp = 262_800 * 10 * 60 * 1000;

/// Confidentiality level of a record, with the original's numbers.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidentiality {
    Normal = 1,
    Restricted = 2,
    HighlyRestricted = 3,
}

/// Metadata of one record. The record itself is ciphertext off-chain; only
/// its hash, locator and sizes are here.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMeta {
    pub patient: AccountId,
    pub record_type: RecordType,
    /// SHA-256 of the ciphertext exactly as stored off-chain.
    pub data_hash: Hash32,
    /// Where the ciphertext lives (at most 128 bytes).
    pub locator: Vec<u8>,
    /// Identifier of the data key (e.g. SHA-256 of the wrapped key material).
    pub key_id: Hash32,
    /// Ciphertext size in bytes.
    pub size: u64,
    /// IANA media type as a registry number kept off-chain (0 = unknown).
    pub mime_code: u16,
    pub confidentiality: Confidentiality,
    pub status: RecordStatus,
    /// Status to go back to when unlocked.
    pub status_before_lock: Option<RecordStatus>,
    pub version: u32,
    pub created_by: AccountId,
    pub created_at: Timestamp,
    pub updated_by: AccountId,
    pub updated_at: Timestamp,
    pub retention_until: Timestamp,
}

/// One version of a record's ciphertext (version 1 is the creation).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    pub data_hash: Hash32,
    pub key_id: Hash32,
    pub size: u64,
    pub author: AccountId,
    pub at: Timestamp,
}

/// A read quota on a permission (the MediKey seed's per-grant limit).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// At most this many `get_record` calls.
    pub max_reads: Option<u32>,
    /// At most this many ciphertext bytes handed out by `get_record`.
    pub max_bytes: Option<u64>,
}

/// A patient's permission for a provider on one record type.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub level: AccessLevel,
    /// The patient or the delegate who granted it.
    pub granted_by: AccountId,
    pub granted_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub quota: Option<Quota>,
    pub reads_used: u32,
    pub bytes_used: u64,
}

/// Read access to one record until an expiry (the MRMS seed's
/// grant-record-access).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordShare {
    pub granted_by: AccountId,
    pub granted_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A record's data key wrapped for one recipient's public key.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub wrapped: Vec<u8>,
    /// The record's `key_id` when this was shared: a key for an older data
    /// key is not handed out after the record is re-encrypted.
    pub key_id: Hash32,
    /// The recipient's permission epoch for this record type when shared:
    /// revoking the permission bumps the epoch, which voids the share in
    /// O(1) without walking the patient's records.
    pub epoch: u32,
    pub shared_by: AccountId,
    pub shared_at: Timestamp,
}

/// What `get_record` returns.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView {
    pub record_id: u64,
    pub meta: RecordMeta,
    /// The caller's wrapped data key, if one was shared and is still valid.
    pub wrapped_key: Option<Vec<u8>>,
    /// The read was allowed by an emergency window (and logged as such).
    pub emergency: bool,
}

/// What an audit entry records.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Created,
    Read,
    EmergencyRead,
    Updated,
    StatusChanged,
    Deleted,
    PermissionGranted,
    PermissionRevoked,
    RecordShared,
    RecordUnshared,
    KeyShared,
    KeyShareRevoked,
}

/// One entry of a patient's audit trail. `prev_hash` is the SHA-256 of the
/// SCALE encoding of the previous entry ([0; 32] for the first), so any
/// rewrite of history changes the head.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: AccountId,
    pub action: AuditAction,
    pub record_id: Option<u64>,
    pub record_type: Option<RecordType>,
    /// The provider or recipient a permission, share or key was about.
    pub subject: Option<AccountId>,
    pub purpose: Option<Purpose>,
    /// New status, for status changes.
    pub status: Option<RecordStatus>,
    pub at: Timestamp,
    pub prev_hash: Hash32,
}

/// Length and head hash of a patient's audit trail.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditHead {
    pub len: u64,
    /// SHA-256 of the SCALE encoding of the last entry; [0; 32] when empty.
    pub head: Hash32,
}

/// Per-provider counters (the MediKey seed's physician stats).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProviderStats {
    pub records_created: u32,
    pub records_updated: u32,
    pub reads: u32,
    pub emergency_reads: u32,
}

/// Contract-wide figures and settings.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub total_records: u64,
    pub next_record_id: u64,
    pub paused: bool,
    pub retention_period: Timestamp,
    pub consent_contract: AccountId,
    pub access_control: AccountId,
}

/// Every way a message of this contract can fail.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Only the contract owner may do this.
    NotOwner,
    /// `set_code` named a code hash that is not uploaded (or the runtime refused it).
    CodeUpgradeFailed,
    /// The contract is paused.
    ContractPaused,
    /// `pause` on a paused contract.
    AlreadyPaused,
    /// `unpause` on a running contract.
    NotPaused,
    /// No record of that patient has that id.
    RecordNotFound,
    /// The record is locked.
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
    /// That data hash is already on-chain: as another record, or as the
    /// current or an earlier version of this one (hashes are never reused,
    /// not even after deletion).
    DuplicateRecord,
    /// The locator is empty or longer than 128 bytes.
    InvalidLocator,
    /// The data hash is all zeroes.
    InvalidDataHash,
    /// The wrapped key is empty or longer than 128 bytes.
    InvalidWrappedKey,
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
    /// The patient has no active consent for the caller and the data type.
    ConsentRequired,
    /// The patient gave the caller no permission for this record type (and
    /// no share of this record).
    NoPermission,
    /// The caller's permission has expired.
    PermissionExpired,
    /// The caller's permission level is below what the operation needs.
    InsufficientAccessLevel,
    /// The permission's read or byte quota is used up.
    QuotaExhausted,
    /// Only an emergency window would allow this, and it allows reading only.
    EmergencyAccessReadOnly,
    /// No permission to revoke.
    PermissionNotFound,
    /// No share of that record with that provider.
    ShareNotFound,
    /// No wrapped key of that record for that recipient.
    KeyShareNotFound,
    /// The access-control contract could not be called or trapped.
    AccessControlUnavailable,
    /// The patient-consent contract could not be called or trapped.
    ConsentContractUnavailable,
    /// A time or counter would overflow.
    Overflow,
}
