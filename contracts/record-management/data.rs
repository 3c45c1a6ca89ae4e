//! Storage and message types of record-management.

use ink::primitives::AccountId;
use medrec_types::{AccessLevel, Hash32, Purpose, RecordStatus, RecordType, Timestamp};

/// Default retention: 5 years in milliseconds (the original's 262,800 blocks
/// of 10 minutes).
pub const DEFAULT_RETENTION_MS: Timestamp = 262_800 * 10 * 60 * 1000;
/// Shortest retention the owner may set: one day.
pub const MIN_RETENTION_MS: Timestamp = 24 * 60 * 60 * 1000;
/// Longest retention the owner may set: 100 years (365.25-day years), so
/// that `now + retention` can never overflow a millisecond timestamp.
pub const MAX_RETENTION_MS: Timestamp = 36_525 * MIN_RETENTION_MS;

/// Confidentiality level of a record, with the original's numbers.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidentiality {
    Normal = 1,
    Restricted = 2,
    HighlyRestricted = 3,
}

/// Metadata of one record. The record itself is ciphertext off-chain; its
/// content address is derived from `data_hash` (`vault://sha256/<hex>`), so
/// no locator, and no free text, is stored.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMeta {
    pub patient: AccountId,
    pub record_type: RecordType,
    /// SHA-256 of the current version's ciphertext, exactly as stored
    /// off-chain: its content address.
    pub data_hash: Hash32,
    /// Identifier of the current version's data key (the SHA-256 the vault
    /// computes over the key, salted): the gateway binds the escrowed key
    /// to the record by it.
    pub key_id: Hash32,
    /// Ciphertext size in bytes.
    pub size: u64,
    /// IANA media type as a registry number kept off-chain (0 = unknown).
    pub mime_code: u16,
    pub confidentiality: Confidentiality,
    pub status: RecordStatus,
    /// Status to go back to when unlocked.
    pub status_before_lock: Option<RecordStatus>,
    /// Current version, from 1.
    pub version: u32,
    /// Created by the patient (or its delegate): self-reported data or an
    /// uploaded document. Only the patient side changes such a record.
    pub patient_authored: bool,
    pub created_by: AccountId,
    pub created_at: Timestamp,
    /// Author of the current version (status changes are in the audit
    /// trail, not here).
    pub updated_by: AccountId,
    /// When the current version was written.
    pub updated_at: Timestamp,
    pub retention_until: Timestamp,
}

/// An earlier version of a record's ciphertext. The current version is the
/// record's own metadata; a version moves here when the next one replaces
/// it, so no version is stored twice.
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
    /// At most this many recorded reads.
    pub max_reads: Option<u32>,
    /// At most this many ciphertext bytes (record sizes) read.
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
    /// The access request whose approval granted it, if any.
    pub request_id: Option<u64>,
    /// Set when revoked: a revoked permission allows nothing.
    pub revoked_at: Option<Timestamp>,
}

impl Permission {
    /// Whether a read of `size` bytes would pass the quota.
    pub fn quota_allows(&self, size: u64) -> bool {
        match self.quota {
            None => true,
            Some(q) => {
                q.max_reads.is_none_or(|m| self.reads_used < m)
                    && q.max_bytes
                        .is_none_or(|m| self.bytes_used.saturating_add(size) <= m)
            }
        }
    }

    pub fn status_at(&self, now: Timestamp) -> GrantStatus {
        if self.revoked_at.is_some() {
            GrantStatus::Revoked
        } else if self.expires_at.is_some_and(|e| now >= e) {
            GrantStatus::Expired
        } else if !self.quota_allows(0) {
            GrantStatus::QuotaUsedUp
        } else {
            GrantStatus::Active
        }
    }
}

/// Where a permission or a share stands now.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    Active,
    Expired,
    Revoked,
    /// A quota's read count is used up (a byte quota can still pass a
    /// smaller record; `get_record` decides).
    QuotaUsedUp,
}

/// A permission with its key and status, as the list views return it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionView {
    pub provider: AccountId,
    pub record_type: RecordType,
    pub permission: Permission,
    pub status: GrantStatus,
}

/// Read access to one record until an expiry (the MRMS seed's
/// grant-record-access). Unsharing ends it (`expires_at` becomes the time
/// of unsharing).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordShare {
    pub granted_by: AccountId,
    pub granted_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A share with its key and status, as the list views return it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareView {
    pub record_id: u64,
    pub provider: AccountId,
    pub share: RecordShare,
    pub active: bool,
}

/// How an access was allowed.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The patient itself.
    Patient,
    /// An unexpired delegate of the patient.
    Delegate,
    /// A provider's permission for the record type.
    Permission,
    /// A provider's share of this one record (reads only).
    RecordShare,
    /// An emergency window (reads only, logged as an emergency read).
    Emergency,
}

/// What a `get_record` transaction returns: the metadata, how the read was
/// allowed, and the index of the audit entry it appended, which is what the
/// key-release gateway checks before releasing a key.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView {
    pub record_id: u64,
    pub meta: RecordMeta,
    pub access: Access,
    pub audit_index: u64,
}

/// A record with its id, as the list views return it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    pub record_id: u64,
    pub meta: RecordMeta,
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
    Locked,
    Unlocked,
    Deleted,
    PermissionGranted,
    PermissionRevoked,
    RecordShared,
    RecordUnshared,
}

impl AuditAction {
    /// The actions a key-release gateway accepts as a recorded read.
    pub fn is_read(self) -> bool {
        matches!(self, AuditAction::Read | AuditAction::EmergencyRead)
    }
}

/// One entry of a patient's audit trail: who did what to which record (or
/// to whose permission), for which purpose, when. `prev_hash` is the hash
/// of the previous entry ([0; 32] for the first); see [`crate::audit`] for
/// how an entry is hashed.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: AccountId,
    pub action: AuditAction,
    pub record_id: Option<u64>,
    /// The provider a permission or share was about.
    pub subject: Option<AccountId>,
    /// The record type a permission was about (permissions are per type).
    pub record_type: Option<RecordType>,
    /// The purpose declared for a record operation.
    pub purpose: Option<Purpose>,
    /// The new status, for status changes.
    pub status: Option<RecordStatus>,
    pub at: Timestamp,
    pub prev_hash: Hash32,
}

/// Length and head hash of a patient's audit trail.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditHead {
    pub len: u64,
    /// Hash of the last entry; [0; 32] when empty.
    pub head: Hash32,
}

/// Everything record-management keeps per patient, in one storage item:
/// the lengths of the patient's lists and the audit head.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PatientState {
    pub record_count: u64,
    pub permission_count: u64,
    pub share_count: u64,
    pub audit_len: u64,
    pub audit_head: Hash32,
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
