#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! # record-management
//!
//! Metadata of medical records whose encrypted bytes live off-chain: the
//! SHA-256 of the ciphertext, a short locator, the key id and sizes. Patients
//! (or their delegates) grant providers permissions per record type, share
//! single records, and hand out the record's data key wrapped for each
//! recipient's public key.
//!
//! Every gated operation goes through one access decision
//! ([`RecordManagement::authorize`]) that asks access-control and
//! patient-consent in real cross-contract calls, and every action is appended
//! to the patient's hash-chained audit trail.

mod data;

pub use self::record_management::{Access, Answers, RecordManagement, RecordManagementRef};
pub use data::*;

/// The contract's events, for Rust clients that decode them (the
/// node-backed e2e tests do): each is SCALE-decodable from a
/// `ContractEmitted` event's data, and its first topic is its signature
/// topic (`ink::env::Event::SIGNATURE_TOPIC`).
pub mod events {
    pub use crate::record_management::{
        CodeUpgraded, ContractAddressesChanged, KeyShareRevoked, KeyShared, OwnershipTransferred,
        Paused, PermissionGranted, PermissionRevoked, RecordAccessed, RecordCreated, RecordShared,
        RecordStatusChanged, RecordUnshared, RecordUpdated, RetentionPeriodChanged, Unpaused,
    };
}

#[cfg(test)]
mod tests;

#[ink::contract]
mod record_management {
    /// Version of this code, reported by `code_version`.
    const CODE_VERSION: u32 = if cfg!(feature = "upgrade-v2") { 2 } else { 1 };

    use crate::data::*;
    #[cfg(not(test))]
    use ink::codegen::TraitCallBuilder;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use medrec_types::{
        page_limit, AccessLevel, DataType, Hash32, ProviderAssessment, ProviderStanding, Purpose,
        RecordStatus, RecordType,
    };
    #[cfg(not(test))]
    use medrec_types::{AccessControlApi, PatientConsentApi};

    pub type Result<T> = core::result::Result<T, Error>;

    /// (patient, provider, record type): the key of a permission.
    type GrantKey = (AccountId, AccountId, RecordType);

    /// How an access was allowed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Access {
        /// The patient reading its own record.
        Patient,
        /// An unexpired delegate of the patient reading.
        Delegate,
        /// A provider's permission for the record type.
        Permission,
        /// A provider's share of this one record (reads only).
        RecordShare,
        /// An emergency window (reads only).
        Emergency,
    }

    /// What the other two contracts answered for one access decision.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Answers {
        pub assessment: ProviderAssessment,
        /// Asked only when the provider is cleared.
        pub consent: bool,
        /// Asked only when the caller is no provider and wants to read.
        pub delegate: bool,
    }

    #[ink(event)]
    pub struct RecordCreated {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub created_by: AccountId,
        pub record_id: u64,
        pub record_type: RecordType,
        #[ink(topic)]
        pub data_hash: Hash32,
    }

    #[ink(event)]
    pub struct RecordAccessed {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub accessor: AccountId,
        pub record_id: u64,
        pub purpose: Purpose,
        pub emergency: bool,
    }

    #[ink(event)]
    pub struct RecordUpdated {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub updated_by: AccountId,
        pub record_id: u64,
        pub version: u32,
        #[ink(topic)]
        pub data_hash: Hash32,
    }

    #[ink(event)]
    pub struct RecordStatusChanged {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub by: AccountId,
        pub record_id: u64,
        pub old_status: RecordStatus,
        pub new_status: RecordStatus,
    }

    #[ink(event)]
    pub struct PermissionGranted {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        #[ink(topic)]
        pub granted_by: AccountId,
        pub record_type: RecordType,
        pub level: AccessLevel,
        pub expires_at: Option<Timestamp>,
    }

    #[ink(event)]
    pub struct PermissionRevoked {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        #[ink(topic)]
        pub revoked_by: AccountId,
        pub record_type: RecordType,
    }

    #[ink(event)]
    pub struct RecordShared {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub record_id: u64,
        pub expires_at: Timestamp,
    }

    #[ink(event)]
    pub struct RecordUnshared {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub record_id: u64,
    }

    #[ink(event)]
    pub struct KeyShared {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub recipient: AccountId,
        pub record_id: u64,
        #[ink(topic)]
        pub shared_by: AccountId,
    }

    #[ink(event)]
    pub struct KeyShareRevoked {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub recipient: AccountId,
        pub record_id: u64,
    }

    #[ink(event)]
    pub struct ContractAddressesChanged {
        pub consent_contract: AccountId,
        pub access_control: AccountId,
    }

    #[ink(event)]
    pub struct RetentionPeriodChanged {
        pub old_period: Timestamp,
        pub new_period: Timestamp,
    }

    #[ink(event)]
    pub struct Paused {
        #[ink(topic)]
        pub by: AccountId,
    }

    #[ink(event)]
    pub struct Unpaused {
        #[ink(topic)]
        pub by: AccountId,
    }

    /// The contract's code was replaced (`set_code`); storage and address stay.
    #[ink(event)]
    pub struct CodeUpgraded {
        #[ink(topic)]
        pub code_hash: Hash,
        #[ink(topic)]
        pub by: AccountId,
    }

    #[ink(event)]
    pub struct OwnershipTransferred {
        #[ink(topic)]
        pub previous_owner: AccountId,
        #[ink(topic)]
        pub new_owner: AccountId,
    }

    #[ink(storage)]
    pub struct RecordManagement {
        owner: AccountId,
        consent_contract: AccountId,
        access_control: AccountId,
        paused: bool,
        retention_period: Timestamp,
        /// Global record ids, from 1.
        next_record_id: u64,
        records: Mapping<u64, RecordMeta>,
        /// (record id, version) -> version entry; versions from 1.
        versions: Mapping<(u64, u32), VersionEntry>,
        /// Data hash -> record id, to refuse duplicates.
        hash_index: Mapping<Hash32, u64>,
        patient_record_count: Mapping<AccountId, u64>,
        /// (patient, provider, record type) -> permission.
        permissions: Mapping<GrantKey, Permission>,
        /// (patient, provider, record type) -> epoch of wrapped keys.
        key_epochs: Mapping<GrantKey, u32>,
        /// (record id, provider) -> share.
        shares: Mapping<(u64, AccountId), RecordShare>,
        /// (record id, recipient) -> wrapped data key.
        wrapped_keys: Mapping<(u64, AccountId), WrappedKey>,
        /// (patient, index) -> audit entry; indexes from 0 per patient.
        audit: Mapping<(AccountId, u64), AuditEntry>,
        audit_heads: Mapping<AccountId, AuditHead>,
        provider_stats: Mapping<AccountId, ProviderStats>,
    }

    impl RecordManagement {
        /// Deploys the record registry wired to the two other contracts; the
        /// caller becomes the owner.
        #[ink(constructor)]
        pub fn new(consent_contract: AccountId, access_control: AccountId) -> Self {
            Self {
                owner: Self::env().caller(),
                consent_contract,
                access_control,
                paused: false,
                retention_period: DEFAULT_RETENTION_MS,
                next_record_id: 1,
                records: Mapping::default(),
                versions: Mapping::default(),
                hash_index: Mapping::default(),
                patient_record_count: Mapping::default(),
                permissions: Mapping::default(),
                key_epochs: Mapping::default(),
                shares: Mapping::default(),
                wrapped_keys: Mapping::default(),
                audit: Mapping::default(),
                audit_heads: Mapping::default(),
                provider_stats: Mapping::default(),
            }
        }

        // ---------------------------------------------------------------
        // Records
        // ---------------------------------------------------------------

        /// Creates a record of `patient`; the caller needs Write on
        /// `record_type`. Returns the new record id (global, from 1).
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidLocator`, `InvalidDataHash`,
        /// `DuplicateRecord`, every denial of the access decision, `Overflow`.
        ///
        /// Emits `RecordCreated` and appends `Created` to the audit trail.
        #[ink(message)]
        #[allow(clippy::too_many_arguments)]
        pub fn create_record(
            &mut self,
            patient: AccountId,
            record_type: RecordType,
            data_hash: Hash32,
            locator: Vec<u8>,
            key_id: Hash32,
            size: u64,
            mime_code: u16,
            confidentiality: Confidentiality,
        ) -> Result<u64> {
            self.ensure_running()?;
            Self::validate_content(&data_hash, &locator)?;
            if self.hash_index.contains(data_hash) {
                return Err(Error::DuplicateRecord);
            }
            let caller = self.env().caller();
            self.authorize(caller, patient, record_type, AccessLevel::Write, None)?;
            let now = self.env().block_timestamp();
            let record_id = self.next_record_id;
            let next_record_id = record_id.checked_add(1).ok_or(Error::Overflow)?;
            let retention_until = now
                .checked_add(self.retention_period)
                .ok_or(Error::Overflow)?;
            let patient_count = self
                .patient_record_count(patient)
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            let mut stats = self.provider_stats(caller);
            stats.records_created = stats
                .records_created
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::Created,
                    record_id: Some(record_id),
                    record_type: Some(record_type),
                    subject: None,
                    purpose: None,
                    status: None,
                    at: now,
                    prev_hash: [0; 32],
                },
            )?;
            self.versions.insert(
                (record_id, 1),
                &VersionEntry {
                    data_hash,
                    key_id,
                    size,
                    author: caller,
                    at: now,
                },
            );
            self.records.insert(
                record_id,
                &RecordMeta {
                    patient,
                    record_type,
                    data_hash,
                    locator,
                    key_id,
                    size,
                    mime_code,
                    confidentiality,
                    status: RecordStatus::Active,
                    status_before_lock: None,
                    version: 1,
                    created_by: caller,
                    created_at: now,
                    updated_by: caller,
                    updated_at: now,
                    retention_until,
                },
            );
            self.hash_index.insert(data_hash, &record_id);
            self.next_record_id = next_record_id;
            self.patient_record_count.insert(patient, &patient_count);
            self.provider_stats.insert(caller, &stats);
            self.env().emit_event(RecordCreated {
                patient,
                created_by: caller,
                record_id,
                record_type,
                data_hash,
            });
            Ok(record_id)
        }

        /// Reads a record: the caller needs Read (the patient always has it;
        /// an emergency window gives it). Refuses locked and deleted records.
        /// Logs the read, consumes the permission's quota, and returns the
        /// metadata, the locator and the caller's wrapped key if one was
        /// shared.
        ///
        /// # Errors
        /// `ContractPaused`, `RecordNotFound`, `RecordDeleted`,
        /// `RecordLocked`, every denial of the access decision, `Overflow`.
        ///
        /// Emits `RecordAccessed` and appends `Read` or `EmergencyRead` to the
        /// audit trail.
        #[ink(message)]
        pub fn get_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            purpose: Purpose,
        ) -> Result<RecordView> {
            self.ensure_running()?;
            let meta = self.open_record_of(patient, record_id)?;
            let caller = self.env().caller();
            let access = self.authorize(
                caller,
                patient,
                meta.record_type,
                AccessLevel::Read,
                Some((record_id, meta.size)),
            )?;
            let emergency = access == Access::Emergency;
            let now = self.env().block_timestamp();
            if access == Access::Permission {
                self.consume_quota(patient, caller, meta.record_type, meta.size)?;
            }
            if !matches!(access, Access::Patient | Access::Delegate) {
                let mut stats = self.provider_stats(caller);
                stats.reads = stats.reads.checked_add(1).ok_or(Error::Overflow)?;
                if emergency {
                    stats.emergency_reads = stats
                        .emergency_reads
                        .checked_add(1)
                        .ok_or(Error::Overflow)?;
                }
                self.provider_stats.insert(caller, &stats);
            }
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: if emergency {
                        AuditAction::EmergencyRead
                    } else {
                        AuditAction::Read
                    },
                    record_id: Some(record_id),
                    record_type: Some(meta.record_type),
                    subject: None,
                    purpose: Some(purpose),
                    status: None,
                    at: now,
                    prev_hash: [0; 32],
                },
            )?;
            let wrapped_key = self.valid_wrapped_key(&meta, record_id, caller);
            self.env().emit_event(RecordAccessed {
                patient,
                accessor: caller,
                record_id,
                purpose,
                emergency,
            });
            Ok(RecordView {
                record_id,
                meta,
                wrapped_key,
                emergency,
            })
        }

        /// Replaces a record's ciphertext: the caller needs Write. Refuses
        /// locked, archived and deleted records. Keeps every earlier
        /// version's hash, author and time. Returns the new version number.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidLocator`, `InvalidDataHash`,
        /// `RecordNotFound`, `RecordDeleted`, `RecordLocked`,
        /// `RecordArchived`, `DuplicateRecord`, every denial of the access
        /// decision, `Overflow`.
        ///
        /// Emits `RecordUpdated` and appends `Updated` to the audit trail.
        #[ink(message)]
        pub fn update_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            data_hash: Hash32,
            locator: Vec<u8>,
            key_id: Hash32,
            size: u64,
        ) -> Result<u32> {
            self.ensure_running()?;
            Self::validate_content(&data_hash, &locator)?;
            let mut meta = self.open_record_of(patient, record_id)?;
            if meta.status == RecordStatus::Archived {
                return Err(Error::RecordArchived);
            }
            if self.hash_index.contains(data_hash) {
                return Err(Error::DuplicateRecord);
            }
            let caller = self.env().caller();
            self.authorize(caller, patient, meta.record_type, AccessLevel::Write, None)?;
            let now = self.env().block_timestamp();
            let version = meta.version.checked_add(1).ok_or(Error::Overflow)?;
            let mut stats = self.provider_stats(caller);
            stats.records_updated = stats
                .records_updated
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::Updated,
                    record_id: Some(record_id),
                    record_type: Some(meta.record_type),
                    subject: None,
                    purpose: None,
                    status: None,
                    at: now,
                    prev_hash: [0; 32],
                },
            )?;
            self.versions.insert(
                (record_id, version),
                &VersionEntry {
                    data_hash,
                    key_id,
                    size,
                    author: caller,
                    at: now,
                },
            );
            meta.data_hash = data_hash;
            meta.locator = locator;
            meta.key_id = key_id;
            meta.size = size;
            meta.version = version;
            meta.updated_by = caller;
            meta.updated_at = now;
            self.records.insert(record_id, &meta);
            self.hash_index.insert(data_hash, &record_id);
            self.provider_stats.insert(caller, &stats);
            self.env().emit_event(RecordUpdated {
                patient,
                updated_by: caller,
                record_id,
                version,
                data_hash,
            });
            Ok(version)
        }

        /// Archives a record (read-only from then on): the caller needs Admin.
        ///
        /// # Errors
        /// As [`Self::set_record_status`].
        #[ink(message)]
        pub fn archive_record(&mut self, patient: AccountId, record_id: u64) -> Result<()> {
            self.set_record_status(patient, record_id, RecordStatus::Archived)
        }

        /// Moves a record between Active, UnderReview and Archived: the caller
        /// needs Admin. Locking, unlocking and deletion have their own
        /// messages.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidStatusTransition` (target Locked or
        /// Deleted, or the record's current status), `RecordNotFound`,
        /// `RecordDeleted`, `RecordLocked`, every denial of the access
        /// decision, `Overflow`.
        ///
        /// Emits `RecordStatusChanged` and appends `StatusChanged` to the
        /// audit trail.
        #[ink(message)]
        pub fn set_record_status(
            &mut self,
            patient: AccountId,
            record_id: u64,
            status: RecordStatus,
        ) -> Result<()> {
            self.ensure_running()?;
            if matches!(status, RecordStatus::Locked | RecordStatus::Deleted) {
                return Err(Error::InvalidStatusTransition);
            }
            let meta = self.open_record_of(patient, record_id)?;
            if meta.status == status {
                return Err(Error::InvalidStatusTransition);
            }
            self.change_status(patient, record_id, meta, status, None)
        }

        /// Locks a record: nobody reads or updates it until it is unlocked.
        /// The caller needs Admin.
        ///
        /// # Errors
        /// `ContractPaused`, `RecordNotFound`, `RecordDeleted`,
        /// `RecordLocked`, every denial of the access decision, `Overflow`.
        ///
        /// Emits `RecordStatusChanged`; audit `StatusChanged`.
        #[ink(message)]
        pub fn lock_record(&mut self, patient: AccountId, record_id: u64) -> Result<()> {
            self.ensure_running()?;
            let meta = self.open_record_of(patient, record_id)?;
            let before = Some(meta.status);
            self.change_status(patient, record_id, meta, RecordStatus::Locked, before)
        }

        /// Unlocks a locked record back to the status it had. The caller
        /// needs Admin.
        ///
        /// # Errors
        /// `ContractPaused`, `RecordNotFound`, `RecordNotLocked`, every denial
        /// of the access decision, `Overflow`.
        ///
        /// Emits `RecordStatusChanged`; audit `StatusChanged`.
        #[ink(message)]
        pub fn unlock_record(&mut self, patient: AccountId, record_id: u64) -> Result<()> {
            self.ensure_running()?;
            let meta = self.record_of(patient, record_id)?;
            if meta.status != RecordStatus::Locked {
                return Err(Error::RecordNotLocked);
            }
            let back = meta.status_before_lock.unwrap_or(RecordStatus::Active);
            self.change_status(patient, record_id, meta, back, None)
        }

        /// Marks a record deleted once its retention period is over (the
        /// off-chain key is destroyed off-chain). The caller needs Admin.
        ///
        /// # Errors
        /// `ContractPaused`, `RecordNotFound`, `RecordDeleted`,
        /// `RecordLocked`, `RetentionPeriodActive`, every denial of the access
        /// decision, `Overflow`.
        ///
        /// Emits `RecordStatusChanged`; audit `Deleted`.
        #[ink(message)]
        pub fn delete_record(&mut self, patient: AccountId, record_id: u64) -> Result<()> {
            self.ensure_running()?;
            let meta = self.open_record_of(patient, record_id)?;
            if self.env().block_timestamp() < meta.retention_until {
                return Err(Error::RetentionPeriodActive);
            }
            self.change_status(patient, record_id, meta, RecordStatus::Deleted, None)
        }

        /// One version of a record (1 = as created).
        #[ink(message)]
        pub fn record_version(&self, record_id: u64, version: u32) -> Option<VersionEntry> {
            self.versions.get((record_id, version))
        }

        /// Up to `limit` (capped at `MAX_PAGE`) versions, starting at version
        /// number `from` (versions start at 1; `from = 0` reads as 1).
        #[ink(message)]
        pub fn record_versions(&self, record_id: u64, from: u32, limit: u32) -> Vec<VersionEntry> {
            let last = self.records.get(record_id).map_or(0, |m| m.version);
            let start = from.max(1);
            let end = start
                .saturating_add(page_limit(limit))
                .min(last.saturating_add(1));
            (start..end)
                .filter_map(|v| self.versions.get((record_id, v)))
                .collect()
        }

        /// The status of a record, if it exists. (Chain state is public: this
        /// reveals nothing a node operator cannot read.)
        #[ink(message)]
        pub fn record_status(&self, record_id: u64) -> Option<RecordStatus> {
            self.records.get(record_id).map(|m| m.status)
        }

        // ---------------------------------------------------------------
        // Permissions, shares and keys (the patient or its delegate)
        // ---------------------------------------------------------------

        /// Gives `provider` a permission of `level` on `patient`'s records of
        /// `record_type`, optionally expiring after `duration` ms and limited
        /// by `quota`; replaces an earlier one (its usage restarts).
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidAccessLevel` (Emergency),
        /// `InvalidDuration`, `InvalidQuota`, `NotPatientOrDelegate`,
        /// `ConsentContractUnavailable`, `Overflow`.
        ///
        /// Emits `PermissionGranted`; audit `PermissionGranted`.
        #[ink(message)]
        pub fn grant_permission(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            record_type: RecordType,
            level: AccessLevel,
            duration: Option<Timestamp>,
            quota: Option<Quota>,
        ) -> Result<()> {
            self.ensure_running()?;
            if !level.is_grantable() {
                return Err(Error::InvalidAccessLevel);
            }
            if duration == Some(0) {
                return Err(Error::InvalidDuration);
            }
            if let Some(q) = quota {
                let reads_ok = q.max_reads.is_none_or(|m| m > 0);
                let bytes_ok = q.max_bytes.is_none_or(|m| m > 0);
                let any_limit = q.max_reads.is_some() || q.max_bytes.is_some();
                if !(reads_ok && bytes_ok && any_limit) {
                    return Err(Error::InvalidQuota);
                }
            }
            let caller = self.env().caller();
            self.ensure_patient_or_delegate(patient, caller)?;
            let now = self.env().block_timestamp();
            let expires_at = match duration {
                Some(d) => Some(now.checked_add(d).ok_or(Error::Overflow)?),
                None => None,
            };
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::PermissionGranted,
                    record_id: None,
                    record_type: Some(record_type),
                    subject: Some(provider),
                    purpose: None,
                    status: None,
                    at: now,
                    prev_hash: [0; 32],
                },
            )?;
            self.permissions.insert(
                (patient, provider, record_type),
                &Permission {
                    level,
                    granted_by: caller,
                    granted_at: now,
                    expires_at,
                    quota,
                    reads_used: 0,
                    bytes_used: 0,
                },
            );
            self.env().emit_event(PermissionGranted {
                patient,
                provider,
                granted_by: caller,
                record_type,
                level,
                expires_at,
            });
            Ok(())
        }

        /// Removes `provider`'s permission on `record_type`, and with it every
        /// wrapped key of that patient's records of that type shared with the
        /// provider. Works while paused.
        ///
        /// # Errors
        /// `NotPatientOrDelegate`, `ConsentContractUnavailable`,
        /// `PermissionNotFound`, `Overflow`.
        ///
        /// Emits `PermissionRevoked`; audit `PermissionRevoked`.
        #[ink(message)]
        pub fn revoke_permission(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            record_type: RecordType,
        ) -> Result<()> {
            let caller = self.env().caller();
            self.ensure_patient_or_delegate(patient, caller)?;
            if !self.permissions.contains((patient, provider, record_type)) {
                return Err(Error::PermissionNotFound);
            }
            let epoch = self
                .key_epoch(patient, provider, record_type)
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::PermissionRevoked,
                    record_id: None,
                    record_type: Some(record_type),
                    subject: Some(provider),
                    purpose: None,
                    status: None,
                    at: self.env().block_timestamp(),
                    prev_hash: [0; 32],
                },
            )?;
            self.permissions.remove((patient, provider, record_type));
            self.key_epochs
                .insert((patient, provider, record_type), &epoch);
            self.env().emit_event(PermissionRevoked {
                patient,
                provider,
                revoked_by: caller,
                record_type,
            });
            Ok(())
        }

        /// The permission of `provider` on `patient`'s `record_type`.
        #[ink(message)]
        pub fn get_permission(
            &self,
            patient: AccountId,
            provider: AccountId,
            record_type: RecordType,
        ) -> Option<Permission> {
            self.permissions.get((patient, provider, record_type))
        }

        /// Lets `provider` read one record for `duration` ms (it still needs
        /// to be verified with a role that allows the data type, and the
        /// patient's consent). Returns the expiry.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidDuration`, `RecordNotFound`,
        /// `NotPatientOrDelegate`, `ConsentContractUnavailable`, `Overflow`.
        ///
        /// Emits `RecordShared`; audit `RecordShared`.
        #[ink(message)]
        pub fn share_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            provider: AccountId,
            duration: Timestamp,
        ) -> Result<Timestamp> {
            self.ensure_running()?;
            if duration == 0 {
                return Err(Error::InvalidDuration);
            }
            let meta = self.record_of(patient, record_id)?;
            let caller = self.env().caller();
            self.ensure_patient_or_delegate(patient, caller)?;
            let now = self.env().block_timestamp();
            let expires_at = now.checked_add(duration).ok_or(Error::Overflow)?;
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::RecordShared,
                    record_id: Some(record_id),
                    record_type: Some(meta.record_type),
                    subject: Some(provider),
                    purpose: None,
                    status: None,
                    at: now,
                    prev_hash: [0; 32],
                },
            )?;
            self.shares.insert(
                (record_id, provider),
                &RecordShare {
                    granted_by: caller,
                    granted_at: now,
                    expires_at,
                },
            );
            self.env().emit_event(RecordShared {
                patient,
                provider,
                record_id,
                expires_at,
            });
            Ok(expires_at)
        }

        /// Ends a record share and removes the provider's wrapped key of that
        /// record. Works while paused.
        ///
        /// # Errors
        /// `RecordNotFound`, `NotPatientOrDelegate`,
        /// `ConsentContractUnavailable`, `ShareNotFound`, `Overflow`.
        ///
        /// Emits `RecordUnshared`; audit `RecordUnshared`.
        #[ink(message)]
        pub fn unshare_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            provider: AccountId,
        ) -> Result<()> {
            let meta = self.record_of(patient, record_id)?;
            let caller = self.env().caller();
            self.ensure_patient_or_delegate(patient, caller)?;
            if !self.shares.contains((record_id, provider)) {
                return Err(Error::ShareNotFound);
            }
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::RecordUnshared,
                    record_id: Some(record_id),
                    record_type: Some(meta.record_type),
                    subject: Some(provider),
                    purpose: None,
                    status: None,
                    at: self.env().block_timestamp(),
                    prev_hash: [0; 32],
                },
            )?;
            self.shares.remove((record_id, provider));
            self.wrapped_keys.remove((record_id, provider));
            self.env().emit_event(RecordUnshared {
                patient,
                provider,
                record_id,
            });
            Ok(())
        }

        /// The share of `record_id` with `provider`, if any.
        #[ink(message)]
        pub fn get_record_share(&self, record_id: u64, provider: AccountId) -> Option<RecordShare> {
            self.shares.get((record_id, provider))
        }

        /// Stores the record's data key wrapped for `recipient`'s public key
        /// (a sealed box; at most 128 bytes). The patient, its delegate, or a
        /// holder of Admin on the record may share.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidWrappedKey`, `RecordNotFound`,
        /// `RecordDeleted`, and, for a caller who is not the patient or a
        /// delegate, every denial of the access decision for Admin.
        ///
        /// Emits `KeyShared`; audit `KeyShared`.
        #[ink(message)]
        pub fn share_key(
            &mut self,
            patient: AccountId,
            record_id: u64,
            recipient: AccountId,
            wrapped: Vec<u8>,
        ) -> Result<()> {
            self.ensure_running()?;
            if wrapped.is_empty() || wrapped.len() > MAX_WRAPPED_KEY_LEN {
                return Err(Error::InvalidWrappedKey);
            }
            let meta = self.record_of(patient, record_id)?;
            if meta.status == RecordStatus::Deleted {
                return Err(Error::RecordDeleted);
            }
            let caller = self.env().caller();
            self.ensure_patient_delegate_or_admin(patient, caller, &meta, record_id)?;
            let now = self.env().block_timestamp();
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::KeyShared,
                    record_id: Some(record_id),
                    record_type: Some(meta.record_type),
                    subject: Some(recipient),
                    purpose: None,
                    status: None,
                    at: now,
                    prev_hash: [0; 32],
                },
            )?;
            self.wrapped_keys.insert(
                (record_id, recipient),
                &WrappedKey {
                    wrapped,
                    key_id: meta.key_id,
                    epoch: self.key_epoch(patient, recipient, meta.record_type),
                    shared_by: caller,
                    shared_at: now,
                },
            );
            self.env().emit_event(KeyShared {
                patient,
                recipient,
                record_id,
                shared_by: caller,
            });
            Ok(())
        }

        /// Removes `recipient`'s wrapped key of a record. Works while paused.
        ///
        /// # Errors
        /// `RecordNotFound`, `KeyShareNotFound`, and, for a caller who is not
        /// the patient or a delegate, every denial of the access decision for
        /// Admin.
        ///
        /// Emits `KeyShareRevoked`; audit `KeyShareRevoked`.
        #[ink(message)]
        pub fn revoke_key_share(
            &mut self,
            patient: AccountId,
            record_id: u64,
            recipient: AccountId,
        ) -> Result<()> {
            let meta = self.record_of(patient, record_id)?;
            if !self.wrapped_keys.contains((record_id, recipient)) {
                return Err(Error::KeyShareNotFound);
            }
            let caller = self.env().caller();
            self.ensure_patient_delegate_or_admin(patient, caller, &meta, record_id)?;
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: AuditAction::KeyShareRevoked,
                    record_id: Some(record_id),
                    record_type: Some(meta.record_type),
                    subject: Some(recipient),
                    purpose: None,
                    status: None,
                    at: self.env().block_timestamp(),
                    prev_hash: [0; 32],
                },
            )?;
            self.wrapped_keys.remove((record_id, recipient));
            self.env().emit_event(KeyShareRevoked {
                patient,
                recipient,
                record_id,
            });
            Ok(())
        }

        /// The stored wrapped key of `recipient` for `record_id` (whether or
        /// not it is still valid; `get_record` hands out only valid ones).
        #[ink(message)]
        pub fn get_wrapped_key(&self, record_id: u64, recipient: AccountId) -> Option<WrappedKey> {
            self.wrapped_keys.get((record_id, recipient))
        }

        // ---------------------------------------------------------------
        // Audit trail (readable while paused)
        // ---------------------------------------------------------------

        /// Length and head hash of the patient's audit trail.
        #[ink(message)]
        pub fn audit_head(&self, patient: AccountId) -> AuditHead {
            self.audit_heads.get(patient).unwrap_or_default()
        }

        /// One audit entry.
        #[ink(message)]
        pub fn audit_entry(&self, patient: AccountId, index: u64) -> Option<AuditEntry> {
            self.audit.get((patient, index))
        }

        /// Up to `limit` (capped at `MAX_PAGE`) audit entries from `from`.
        #[ink(message)]
        pub fn audit_trail(&self, patient: AccountId, from: u64, limit: u32) -> Vec<AuditEntry> {
            let end = from
                .saturating_add(u64::from(page_limit(limit)))
                .min(self.audit_head(patient).len);
            (from..end)
                .filter_map(|index| self.audit.get((patient, index)))
                .collect()
        }

        // ---------------------------------------------------------------
        // Stats and administration
        // ---------------------------------------------------------------

        /// Contract-wide figures and settings.
        #[ink(message)]
        pub fn stats(&self) -> Stats {
            Stats {
                total_records: self.next_record_id.saturating_sub(1),
                next_record_id: self.next_record_id,
                paused: self.paused,
                retention_period: self.retention_period,
                consent_contract: self.consent_contract,
                access_control: self.access_control,
            }
        }

        /// Counters of one provider.
        #[ink(message)]
        pub fn provider_stats(&self, provider: AccountId) -> ProviderStats {
            self.provider_stats.get(provider).unwrap_or_default()
        }

        /// How many records a patient has (deleted ones included).
        #[ink(message)]
        pub fn patient_record_count(&self, patient: AccountId) -> u64 {
            self.patient_record_count.get(patient).unwrap_or(0)
        }

        /// The contract owner.
        #[ink(message)]
        pub fn owner(&self) -> AccountId {
            self.owner
        }

        /// Points the contract at other consent and access-control contracts.
        ///
        /// # Errors
        /// `NotOwner`. Emits `ContractAddressesChanged`.
        #[ink(message)]
        pub fn set_contract_addresses(
            &mut self,
            consent_contract: AccountId,
            access_control: AccountId,
        ) -> Result<()> {
            self.ensure_owner()?;
            self.consent_contract = consent_contract;
            self.access_control = access_control;
            self.env().emit_event(ContractAddressesChanged {
                consent_contract,
                access_control,
            });
            Ok(())
        }

        /// Sets the retention period of records created from now on.
        ///
        /// # Errors
        /// `NotOwner`, `InvalidDuration` (zero). Emits `RetentionPeriodChanged`.
        #[ink(message)]
        pub fn set_retention_period(&mut self, period: Timestamp) -> Result<()> {
            self.ensure_owner()?;
            if period == 0 {
                return Err(Error::InvalidDuration);
            }
            let old_period = self.retention_period;
            self.retention_period = period;
            self.env().emit_event(RetentionPeriodChanged {
                old_period,
                new_period: period,
            });
            Ok(())
        }

        /// Pauses creating, reading, updating, status changes and grants;
        /// revocations and audit reads keep working.
        ///
        /// # Errors
        /// `NotOwner`, `AlreadyPaused`. Emits `Paused`.
        #[ink(message)]
        pub fn pause(&mut self) -> Result<()> {
            let by = self.ensure_owner()?;
            if self.paused {
                return Err(Error::AlreadyPaused);
            }
            self.paused = true;
            self.env().emit_event(Paused { by });
            Ok(())
        }

        /// Resumes normal operation.
        ///
        /// # Errors
        /// `NotOwner`, `NotPaused`. Emits `Unpaused`.
        #[ink(message)]
        pub fn unpause(&mut self) -> Result<()> {
            let by = self.ensure_owner()?;
            if !self.paused {
                return Err(Error::NotPaused);
            }
            self.paused = false;
            self.env().emit_event(Unpaused { by });
            Ok(())
        }

        /// Replaces this contract's code with already-uploaded code, keeping
        /// the address and every stored value (pallet-contracts
        /// `set_code_hash`). The new code must keep the storage layout: see
        /// "Upgrades" in the README.
        ///
        /// # Errors
        /// `NotOwner`; `CodeUpgradeFailed` when no code with `code_hash` is
        /// uploaded.
        ///
        /// Emits `CodeUpgraded` on success.
        #[ink(message)]
        pub fn set_code(&mut self, code_hash: Hash) -> Result<()> {
            let by = self.ensure_owner()?;
            self.env()
                .set_code_hash(&code_hash)
                .map_err(|_| Error::CodeUpgradeFailed)?;
            self.env().emit_event(CodeUpgraded { code_hash, by });
            Ok(())
        }

        /// The version of the code answering calls: 1, or 2 in the build
        /// that the upgrade test switches to (feature `upgrade-v2`).
        #[ink(message)]
        pub fn code_version(&self) -> u32 {
            CODE_VERSION
        }

        /// Hands ownership to `new_owner`.
        ///
        /// # Errors
        /// `NotOwner`. Emits `OwnershipTransferred`.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            let previous_owner = self.ensure_owner()?;
            self.owner = new_owner;
            self.env().emit_event(OwnershipTransferred {
                previous_owner,
                new_owner,
            });
            Ok(())
        }

        // ---------------------------------------------------------------
        // The access decision
        // ---------------------------------------------------------------

        /// Decides whether `caller` may act on `patient`'s records of
        /// `record_type` at level `required`; `record` is (id, size) for an
        /// operation on one existing record.
        ///
        /// The patient reads its own records without asking anyone. Otherwise
        /// access-control is asked once (standing and emergency window in one
        /// call), patient-consent once if the provider is cleared (consent),
        /// or, for a caller who is no provider and wants to read, whether it
        /// is the patient's delegate. The rule itself is [`Self::decide`].
        pub(crate) fn authorize(
            &self,
            caller: AccountId,
            patient: AccountId,
            record_type: RecordType,
            required: AccessLevel,
            record: Option<(u64, u64)>,
        ) -> Result<Access> {
            if caller == patient && required == AccessLevel::Read {
                return Ok(Access::Patient);
            }
            let data_type = record_type.data_type();
            let assessment = self.assess_provider(caller, patient, data_type)?;
            let consent = assessment.standing == ProviderStanding::Cleared
                && self.consent_given(patient, caller, data_type)?;
            let delegate = assessment.standing == ProviderStanding::NotRegistered
                && required == AccessLevel::Read
                && !assessment.emergency_window
                && self.acts_for(patient, caller)?;
            self.decide(
                caller,
                patient,
                record_type,
                required,
                record,
                Answers {
                    assessment,
                    consent,
                    delegate,
                },
            )
        }

        /// The access rule, given the other contracts' answers:
        ///
        /// 1. the provider is registered, verified, active and its role
        ///    allows the data type (access-control), AND the patient's
        ///    consent is active (patient-consent), AND the patient gave it a
        ///    permission of at least `required` on the record type that has
        ///    not expired and whose quota is not used up, or, for a read, a
        ///    share of this record that has not expired; OR
        /// 2. `required` is Read and the provider holds an open emergency
        ///    window on the patient (logged as an emergency read); OR
        /// 3. `required` is Read and the caller is the patient's delegate.
        ///
        /// Each failing condition returns its own error.
        pub(crate) fn decide(
            &self,
            caller: AccountId,
            patient: AccountId,
            record_type: RecordType,
            required: AccessLevel,
            record: Option<(u64, u64)>,
            answers: Answers,
        ) -> Result<Access> {
            let window = answers.assessment.emergency_window;
            let emergency_read = window && required == AccessLevel::Read;
            let normal = match answers.assessment.standing {
                ProviderStanding::NotRegistered
                    if answers.delegate && required == AccessLevel::Read =>
                {
                    return Ok(Access::Delegate)
                }
                ProviderStanding::NotRegistered => Err(Error::ProviderNotRegistered),
                ProviderStanding::NotVerified => Err(Error::ProviderNotVerified),
                ProviderStanding::Inactive => Err(Error::ProviderInactive),
                ProviderStanding::RoleNotAllowed => Err(Error::RoleNotAllowed),
                ProviderStanding::Cleared if !answers.consent => Err(Error::ConsentRequired),
                ProviderStanding::Cleared => {
                    self.check_permission(caller, patient, record_type, required, record)
                }
            };
            match normal {
                Ok(access) => Ok(access),
                Err(_) if emergency_read => Ok(Access::Emergency),
                Err(_) if window => Err(Error::EmergencyAccessReadOnly),
                Err(e) => Err(e),
            }
        }

        /// This contract's part of the rule: permission level, expiry and
        /// quota, or a record share for reads.
        fn check_permission(
            &self,
            caller: AccountId,
            patient: AccountId,
            record_type: RecordType,
            required: AccessLevel,
            record: Option<(u64, u64)>,
        ) -> Result<Access> {
            let now = self.env().block_timestamp();
            let denial = match self.permissions.get((patient, caller, record_type)) {
                None => Error::NoPermission,
                Some(p) if p.expires_at.is_some_and(|e| now >= e) => Error::PermissionExpired,
                Some(p) if !p.level.satisfies(required) => Error::InsufficientAccessLevel,
                Some(p)
                    if required == AccessLevel::Read
                        && Self::quota_exhausted(&p, record.map_or(0, |(_, size)| size)) =>
                {
                    Error::QuotaExhausted
                }
                Some(_) => return Ok(Access::Permission),
            };
            if required == AccessLevel::Read {
                if let Some((record_id, _)) = record {
                    if self
                        .shares
                        .get((record_id, caller))
                        .is_some_and(|s| now < s.expires_at)
                    {
                        return Ok(Access::RecordShare);
                    }
                }
            }
            Err(denial)
        }

        fn quota_exhausted(p: &Permission, size: u64) -> bool {
            match p.quota {
                None => false,
                Some(q) => {
                    q.max_reads.is_some_and(|m| p.reads_used >= m)
                        || q.max_bytes
                            .is_some_and(|m| p.bytes_used.saturating_add(size) > m)
                }
            }
        }

        fn consume_quota(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            record_type: RecordType,
            size: u64,
        ) -> Result<()> {
            let key = (patient, provider, record_type);
            if let Some(mut p) = self.permissions.get(key) {
                if p.quota.is_some() {
                    p.reads_used = p.reads_used.checked_add(1).ok_or(Error::Overflow)?;
                    p.bytes_used = p.bytes_used.checked_add(size).ok_or(Error::Overflow)?;
                    self.permissions.insert(key, &p);
                }
            }
            Ok(())
        }

        // ---------------------------------------------------------------
        // Cross-contract calls: each maps every failure to a named error
        // ---------------------------------------------------------------

        #[cfg(not(test))]
        fn assess_provider(
            &self,
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
        ) -> Result<ProviderAssessment> {
            let access_control: ink::contract_ref!(AccessControlApi) = self.access_control.into();
            match access_control
                .call()
                .assess_provider(provider, patient, data_type)
                .try_invoke()
            {
                Ok(Ok(assessment)) => Ok(assessment),
                _ => Err(Error::AccessControlUnavailable),
            }
        }

        #[cfg(not(test))]
        fn consent_given(
            &self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> Result<bool> {
            let consent: ink::contract_ref!(PatientConsentApi) = self.consent_contract.into();
            match consent
                .call()
                .check_consent(patient, provider, data_type)
                .try_invoke()
            {
                Ok(Ok(given)) => Ok(given),
                _ => Err(Error::ConsentContractUnavailable),
            }
        }

        #[cfg(not(test))]
        fn acts_for(&self, patient: AccountId, actor: AccountId) -> Result<bool> {
            let consent: ink::contract_ref!(PatientConsentApi) = self.consent_contract.into();
            match consent.call().acts_for(patient, actor).try_invoke() {
                Ok(Ok(acts)) => Ok(acts),
                _ => Err(Error::ConsentContractUnavailable),
            }
        }

        // Unit-test builds answer from the mock chain in `tests::mock` (the
        // off-chain environment cannot call contracts); the real calls above
        // are exercised on the compiled WASM by the e2e journeys.
        #[cfg(test)]
        fn assess_provider(
            &self,
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
        ) -> Result<ProviderAssessment> {
            crate::tests::mock::assess_provider(self.access_control, provider, patient, data_type)
                .ok_or(Error::AccessControlUnavailable)
        }

        #[cfg(test)]
        fn consent_given(
            &self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> Result<bool> {
            crate::tests::mock::check_consent(self.consent_contract, patient, provider, data_type)
                .ok_or(Error::ConsentContractUnavailable)
        }

        #[cfg(test)]
        fn acts_for(&self, patient: AccountId, actor: AccountId) -> Result<bool> {
            crate::tests::mock::acts_for(self.consent_contract, patient, actor)
                .ok_or(Error::ConsentContractUnavailable)
        }

        // ---------------------------------------------------------------
        // Internals
        // ---------------------------------------------------------------

        fn ensure_patient_or_delegate(&self, patient: AccountId, caller: AccountId) -> Result<()> {
            if self.acts_for(patient, caller)? {
                Ok(())
            } else {
                Err(Error::NotPatientOrDelegate)
            }
        }

        fn ensure_patient_delegate_or_admin(
            &self,
            patient: AccountId,
            caller: AccountId,
            meta: &RecordMeta,
            record_id: u64,
        ) -> Result<()> {
            if self.acts_for(patient, caller)? {
                return Ok(());
            }
            self.authorize(
                caller,
                patient,
                meta.record_type,
                AccessLevel::Admin,
                Some((record_id, meta.size)),
            )
            .map(|_| ())
        }

        /// Applies a status change after the Admin check.
        fn change_status(
            &mut self,
            patient: AccountId,
            record_id: u64,
            mut meta: RecordMeta,
            status: RecordStatus,
            status_before_lock: Option<RecordStatus>,
        ) -> Result<()> {
            let caller = self.env().caller();
            self.authorize(
                caller,
                patient,
                meta.record_type,
                AccessLevel::Admin,
                Some((record_id, meta.size)),
            )?;
            let now = self.env().block_timestamp();
            let old_status = meta.status;
            self.append_audit(
                patient,
                AuditEntry {
                    actor: caller,
                    action: if status == RecordStatus::Deleted {
                        AuditAction::Deleted
                    } else {
                        AuditAction::StatusChanged
                    },
                    record_id: Some(record_id),
                    record_type: Some(meta.record_type),
                    subject: None,
                    purpose: None,
                    status: Some(status),
                    at: now,
                    prev_hash: [0; 32],
                },
            )?;
            meta.status = status;
            meta.status_before_lock = status_before_lock;
            meta.updated_by = caller;
            meta.updated_at = now;
            self.records.insert(record_id, &meta);
            self.env().emit_event(RecordStatusChanged {
                patient,
                by: caller,
                record_id,
                old_status,
                new_status: status,
            });
            Ok(())
        }

        /// The caller's wrapped key, if it was shared for the record's current
        /// data key and the caller's permission was not revoked since.
        fn valid_wrapped_key(
            &self,
            meta: &RecordMeta,
            record_id: u64,
            caller: AccountId,
        ) -> Option<Vec<u8>> {
            let key = self.wrapped_keys.get((record_id, caller))?;
            let epoch = self.key_epoch(meta.patient, caller, meta.record_type);
            (key.key_id == meta.key_id && key.epoch == epoch).then_some(key.wrapped)
        }

        fn key_epoch(
            &self,
            patient: AccountId,
            recipient: AccountId,
            record_type: RecordType,
        ) -> u32 {
            self.key_epochs
                .get((patient, recipient, record_type))
                .unwrap_or(0)
        }

        fn record_of(&self, patient: AccountId, record_id: u64) -> Result<RecordMeta> {
            self.records
                .get(record_id)
                .filter(|m| m.patient == patient)
                .ok_or(Error::RecordNotFound)
        }

        /// The record, unless it is deleted or locked (which refuse reads,
        /// updates and status changes alike).
        fn open_record_of(&self, patient: AccountId, record_id: u64) -> Result<RecordMeta> {
            let meta = self.record_of(patient, record_id)?;
            match meta.status {
                RecordStatus::Deleted => Err(Error::RecordDeleted),
                RecordStatus::Locked => Err(Error::RecordLocked),
                _ => Ok(meta),
            }
        }

        fn validate_content(data_hash: &Hash32, locator: &[u8]) -> Result<()> {
            if locator.is_empty() || locator.len() > MAX_LOCATOR_LEN {
                return Err(Error::InvalidLocator);
            }
            if data_hash.iter().all(|b| *b == 0) {
                return Err(Error::InvalidDataHash);
            }
            Ok(())
        }

        /// Appends to the patient's audit trail, chaining it to the previous
        /// entry's hash. Returns the entry's index.
        fn append_audit(&mut self, patient: AccountId, mut entry: AuditEntry) -> Result<u64> {
            let head = self.audit_head(patient);
            entry.prev_hash = head.head;
            let mut hash = [0u8; 32];
            ink::env::hash_encoded::<ink::env::hash::Sha2x256, _>(&entry, &mut hash);
            let len = head.len.checked_add(1).ok_or(Error::Overflow)?;
            self.audit.insert((patient, head.len), &entry);
            self.audit_heads
                .insert(patient, &AuditHead { len, head: hash });
            Ok(head.len)
        }

        fn ensure_owner(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if caller == self.owner {
                Ok(caller)
            } else {
                Err(Error::NotOwner)
            }
        }

        fn ensure_running(&self) -> Result<()> {
            if self.paused {
                Err(Error::ContractPaused)
            } else {
                Ok(())
            }
        }
    }
}
