#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! # record-management
//!
//! Metadata of medical records whose encrypted bytes live off-chain: the
//! SHA-256 of the ciphertext (its content address), the key id and sizes.
//! Patients (or their delegates) grant providers permissions per record
//! type and share single records; every gated operation goes through one
//! access decision that asks access-control and patient-consent in real
//! cross-contract calls; every change and every read is appended to the
//! patient's hash-chained audit trail. No data key is ever on-chain: the
//! off-chain gateway releases a key only against a recorded read, which is
//! why `get_record` is a transaction that returns its audit index.
//!
//! The logic is plain Rust: [`access`] (the decision), [`records`],
//! [`grants`], [`audit`], on the storage in [`core`]. The
//! `#[ink::contract]` module below is a thin shell: it reads the caller and
//! the block time, answers the core's questions to the other contracts with
//! real calls, calls the core and emits.

pub mod access;
pub mod audit;
pub mod core;
pub mod data;
pub mod errors;
pub mod events;
pub mod grants;
#[cfg(feature = "hot")]
mod hot;
mod oracle;
pub mod records;

#[cfg(feature = "hot")]
pub use self::hot::record_management::{RecordManagement, RecordManagementRef};
#[cfg(not(feature = "hot"))]
pub use self::record_management::{RecordManagement, RecordManagementRef};
pub use data::*;
pub use errors::Error;

#[cfg(test)]
mod tests;

/// Set by `build-contracts` to the code hash of this contract's hot shell
/// (see `medrec_types::split`); without it the contract stays on this code.
#[cfg(not(feature = "hot"))]
const HOT_SHELL: Option<[u8; 32]> =
    medrec_types::split::parse_hash(option_env!("MEDREC_HOT_CODE_HASH"));

#[cfg(not(feature = "hot"))]
#[ink::contract]
mod record_management {
    /// Version of this code, reported by `code_version`.
    const CODE_VERSION: u32 = if cfg!(feature = "upgrade-v2") { 2 } else { 1 };

    use crate::core::{Ctx, RecordStore};
    use crate::data::*;
    use crate::errors::{Error, Result};
    use crate::events::{emit, Event};
    use crate::grants::Grant;
    use crate::oracle::Contracts;
    use crate::records::Content;
    use ink::prelude::vec::Vec;
    use medrec_types::{
        AccessLevel, Admin, Announced, GrantRefused, Hash32, Link, Purpose, RecordManagementApi,
        RecordStatus, RecordType,
    };

    #[ink(storage)]
    pub struct RecordManagement {
        store: RecordStore,
    }

    impl RecordManagement {
        /// Deploys the record registry wired to the two other contracts; the
        /// caller becomes the owner.
        #[ink(constructor)]
        pub fn new(consent_contract: AccountId, access_control: AccountId) -> Self {
            let contract = Self {
                store: RecordStore::new(Self::env().caller(), consent_contract, access_control),
            };
            medrec_types::split::switch_to_hot(crate::HOT_SHELL);
            contract
        }

        fn ctx(&self) -> Ctx {
            Ctx {
                caller: self.env().caller(),
                now: self.env().block_timestamp(),
                this: self.env().account_id(),
            }
        }

        fn oracle(&self) -> Contracts {
            Contracts {
                consent: self.store.consent_contract(),
                access_control: self.store.access_control(),
            }
        }

        fn done(&self, event: Result<Event>) -> Result<()> {
            emit(event?);
            Ok(())
        }

        fn admin_done(
            &self,
            event: core::result::Result<medrec_types::admin::AdminEvent, medrec_types::AdminError>,
        ) -> Result<()> {
            self.done(event.map(Event::Admin).map_err(Error::from))
        }

        // ---------------------------------------------------------------
        // Records
        // ---------------------------------------------------------------

        /// Creates a record of `patient`: the SHA-256 of its ciphertext (its
        /// content address, `vault://sha256/<hex>`), the id of its data key
        /// (escrowed with the gateway, never on-chain), its size, media type
        /// code and confidentiality. Returns the record id (global, from 1).
        /// A record created by the patient side is patient-authored.
        ///
        /// Requirements: the hash and key id are not zero; the caller is the
        /// patient (registered), an unexpired delegate, or a provider the
        /// access decision allows Write on `record_type` for `purpose`; the
        /// patient has no record with this hash.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidDataHash`, `InvalidKeyId`,
        /// `PatientNotRegistered`, every denial of the access decision,
        /// `DuplicateRecord`, `ConsentContractUnavailable`,
        /// `AccessControlUnavailable`, `Overflow`.
        ///
        /// Emits `AuditAppended` (Created).
        #[ink(message)]
        #[allow(clippy::too_many_arguments)]
        pub fn create_record(
            &mut self,
            patient: AccountId,
            record_type: RecordType,
            data_hash: Hash32,
            key_id: Hash32,
            size: u64,
            mime_code: u16,
            confidentiality: Confidentiality,
            purpose: Purpose,
        ) -> Result<u64> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let content = Content {
                data_hash,
                key_id,
                size,
            };
            let (id, event) = self.store.create_record(
                &oracle,
                ctx,
                patient,
                record_type,
                content,
                mime_code,
                confidentiality,
                purpose,
            )?;
            emit(event);
            Ok(id)
        }

        /// Reads a record as a transaction: appends `Read` (or
        /// `EmergencyRead`) with `purpose` to the patient's audit trail,
        /// counts against the permission's quota, and returns the metadata,
        /// how the read was allowed and the audit entry's index, which the
        /// key-release gateway checks before it releases the data key. A dry
        /// run returns the same metadata (public anyway) but records
        /// nothing, so no gateway releases anything for it.
        ///
        /// Requirements: the record exists and is not deleted; the caller is
        /// the patient side, or a provider the access decision allows to
        /// read for `purpose` (permission, share or emergency window); a
        /// locked record is read by the patient side only.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `RecordNotFound`, `RecordDeleted`, every denial
        /// of the access decision, `RecordLocked`,
        /// `ConsentContractUnavailable`, `AccessControlUnavailable`,
        /// `Overflow`.
        ///
        /// Emits `AuditAppended` (Read or EmergencyRead).
        #[ink(message)]
        pub fn get_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            purpose: Purpose,
        ) -> Result<RecordView> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let (view, event) = self
                .store
                .get_record(&oracle, ctx, patient, record_id, purpose)?;
            emit(event);
            Ok(view)
        }

        /// Replaces a record's ciphertext; every earlier version's hash, key
        /// id, author and time stay readable. Returns the new version.
        ///
        /// Requirements: the hash and key id are not zero; the record exists
        /// and is not deleted, locked or archived; the caller is a provider
        /// the access decision allows Write (a provider-authored record), or
        /// the patient side (a patient-authored one); the patient has no
        /// record with this hash.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidDataHash`, `InvalidKeyId`,
        /// `RecordNotFound`, `RecordDeleted`, `RecordLocked`,
        /// `RecordArchived`, `NotPatientAuthored`, `PatientAuthoredRecord`,
        /// every denial of the access decision, `DuplicateRecord`,
        /// `ConsentContractUnavailable`, `AccessControlUnavailable`,
        /// `Overflow`.
        ///
        /// Emits `AuditAppended` (Updated).
        #[ink(message)]
        pub fn update_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            data_hash: Hash32,
            key_id: Hash32,
            size: u64,
            purpose: Purpose,
        ) -> Result<u32> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let content = Content {
                data_hash,
                key_id,
                size,
            };
            let (version, event) = self
                .store
                .update_record(&oracle, ctx, patient, record_id, content, purpose)?;
            emit(event);
            Ok(version)
        }

        /// Archives a record (read-only from then on): `set_record_status`
        /// to Archived, the original's `archive-record`.
        ///
        /// Requirements: as `set_record_status`.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// As `set_record_status`.
        ///
        /// Emits `AuditAppended` (StatusChanged).
        #[ink(message)]
        pub fn archive_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            purpose: Purpose,
        ) -> Result<()> {
            self.set_record_status(patient, record_id, RecordStatus::Archived, purpose)
        }

        /// Moves a record between Active, UnderReview and Archived. Locking
        /// and deletion have their own messages.
        ///
        /// Requirements: `status` is Active, UnderReview or Archived and not
        /// the record's status; the record is not deleted or locked; the
        /// caller is a provider the access decision allows Admin (a
        /// provider-authored record) or the patient side (a patient-authored
        /// one).
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidStatusTransition`, `RecordNotFound`,
        /// `RecordDeleted`, `RecordLocked`, `NotPatientAuthored`,
        /// `PatientAuthoredRecord`, every denial of the access decision,
        /// `ConsentContractUnavailable`, `AccessControlUnavailable`,
        /// `Overflow`.
        ///
        /// Emits `AuditAppended` (StatusChanged).
        #[ink(message)]
        pub fn set_record_status(
            &mut self,
            patient: AccountId,
            record_id: u64,
            status: RecordStatus,
            purpose: Purpose,
        ) -> Result<()> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let e = self
                .store
                .set_record_status(&oracle, ctx, patient, record_id, status, purpose);
            self.done(e)
        }

        /// Locks a record: nobody changes it, and only the patient side
        /// reads it, until it is unlocked.
        ///
        /// Requirements: the record exists and is not deleted or locked; the
        /// caller is the patient side or a provider the access decision
        /// allows Admin.
        ///
        /// Pause: works while paused (locking contains).
        ///
        /// # Errors
        /// `RecordNotFound`, `RecordDeleted`, `RecordLocked`, every denial
        /// of the access decision, `ConsentContractUnavailable`,
        /// `AccessControlUnavailable`, `Overflow`.
        ///
        /// Emits `AuditAppended` (Locked).
        #[ink(message)]
        pub fn lock_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            purpose: Purpose,
        ) -> Result<()> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let e = self
                .store
                .lock_record(&oracle, ctx, patient, record_id, purpose);
            self.done(e)
        }

        /// Unlocks a locked record back to the status it had.
        ///
        /// Requirements: the record is locked; the caller is the patient side
        /// or a provider the access decision allows Admin.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `RecordNotFound`, `RecordNotLocked`, every
        /// denial of the access decision, `ConsentContractUnavailable`,
        /// `AccessControlUnavailable`, `Overflow`.
        ///
        /// Emits `AuditAppended` (Unlocked).
        #[ink(message)]
        pub fn unlock_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            purpose: Purpose,
        ) -> Result<()> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let e = self
                .store
                .unlock_record(&oracle, ctx, patient, record_id, purpose);
            self.done(e)
        }

        /// Marks a record deleted once its retention period is over; the
        /// key-release gateway then destroys its data key (crypto-shredding).
        ///
        /// Requirements: the record exists and is not deleted or locked; its
        /// retention period is over; the caller may change its status (as
        /// `set_record_status`).
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `RecordNotFound`, `RecordDeleted`,
        /// `RecordLocked`, `RetentionPeriodActive`, `NotPatientAuthored`,
        /// `PatientAuthoredRecord`, every denial of the access decision,
        /// `ConsentContractUnavailable`, `AccessControlUnavailable`,
        /// `Overflow`.
        ///
        /// Emits `AuditAppended` (Deleted).
        #[ink(message)]
        pub fn delete_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            purpose: Purpose,
        ) -> Result<()> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let e = self
                .store
                .delete_record(&oracle, ctx, patient, record_id, purpose);
            self.done(e)
        }

        /// A record's metadata, without a recorded read (the original's
        /// `get-record-metadata`; chain state is public anyway).
        #[ink(message)]
        pub fn record_metadata(&self, record_id: u64) -> Option<RecordMeta> {
            self.store.record_metadata(record_id)
        }

        /// One version of a record (1 = as created; the current one too).
        #[ink(message)]
        pub fn record_version(&self, record_id: u64, version: u32) -> Option<VersionEntry> {
            self.store.record_version(record_id, version)
        }

        /// Up to `limit` (at most `MAX_PAGE`) versions from version `from`
        /// (versions start at 1; 0 reads as 1).
        #[ink(message)]
        pub fn record_versions(&self, record_id: u64, from: u32, limit: u32) -> Vec<VersionEntry> {
            self.store.record_versions(record_id, from, limit)
        }

        /// Up to `limit` (at most `MAX_PAGE`) of the patient's records, in
        /// the order created, from index `from`.
        #[ink(message)]
        pub fn patient_records(
            &self,
            patient: AccountId,
            from: u64,
            limit: u32,
        ) -> Vec<RecordSummary> {
            self.store.patient_records(patient, from, limit)
        }

        /// The lengths of the patient's lists and its audit head.
        #[ink(message)]
        pub fn patient_state(&self, patient: AccountId) -> PatientState {
            self.store.patient_state(patient)
        }

        // ---------------------------------------------------------------
        // Permissions and shares (the patient side)
        // ---------------------------------------------------------------

        /// Gives `provider` a permission of `level` on `patient`'s records of
        /// `record_type`, optionally expiring after `duration` ms and limited
        /// by `quota`; replaces an earlier one (its usage restarts).
        ///
        /// Requirements: the caller is the patient or an unexpired delegate;
        /// `provider` is neither the patient nor the caller; `level` is Read,
        /// Write or Admin; `duration`, if given, is not zero; a quota has a
        /// limit and no zero limit.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidAccessLevel`, `InvalidDuration`,
        /// `InvalidQuota`, `NotPatientOrDelegate`, `CannotTargetSelf`,
        /// `ConsentContractUnavailable`, `Overflow`.
        ///
        /// Emits `AuditAppended` (PermissionGranted).
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
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let grant = Grant {
                provider,
                record_type,
                level,
                duration,
                quota,
            };
            let e = self.store.grant_permission(&oracle, ctx, patient, grant);
            self.done(e)
        }

        /// Revokes `provider`'s permission on `record_type`: it allows
        /// nothing from now on.
        ///
        /// Requirements: the caller is the patient or an unexpired delegate;
        /// the permission exists and is not revoked.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotPatientOrDelegate`, `PermissionNotFound`,
        /// `ConsentContractUnavailable`, `Overflow`.
        ///
        /// Emits `AuditAppended` (PermissionRevoked).
        #[ink(message)]
        pub fn revoke_permission(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            record_type: RecordType,
        ) -> Result<()> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let e = self
                .store
                .revoke_permission(&oracle, ctx, patient, provider, record_type);
            self.done(e)
        }

        /// The permission of `provider` on `patient`'s `record_type`.
        #[ink(message)]
        pub fn get_permission(
            &self,
            patient: AccountId,
            provider: AccountId,
            record_type: RecordType,
        ) -> Option<Permission> {
            self.store.get_permission(patient, provider, record_type)
        }

        /// Up to `limit` (at most `MAX_PAGE`) of the patient's permissions,
        /// in the order first granted, with their status now.
        #[ink(message)]
        pub fn permissions_of(
            &self,
            patient: AccountId,
            from: u64,
            limit: u32,
        ) -> Vec<PermissionView> {
            self.store
                .permissions_of(patient, from, limit, self.env().block_timestamp())
        }

        /// Lets `provider` read one record for `duration` ms (it still needs
        /// its standing and the patient's consent). Returns the expiry.
        ///
        /// Requirements: the record exists and is not deleted; the caller is
        /// the patient or an unexpired delegate; `provider` is neither the
        /// patient nor the caller; `duration` > 0.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `InvalidDuration`, `RecordNotFound`,
        /// `RecordDeleted`, `NotPatientOrDelegate`, `CannotTargetSelf`,
        /// `ConsentContractUnavailable`, `Overflow`.
        ///
        /// Emits `AuditAppended` (RecordShared).
        #[ink(message)]
        pub fn share_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            provider: AccountId,
            duration: Timestamp,
        ) -> Result<Timestamp> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let (expires_at, event) = self
                .store
                .share_record(&oracle, ctx, patient, record_id, provider, duration)?;
            emit(event);
            Ok(expires_at)
        }

        /// Ends a share now.
        ///
        /// Requirements: the record exists; the caller is the patient or an
        /// unexpired delegate; the share is in force.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `RecordNotFound`, `NotPatientOrDelegate`, `ShareNotFound`,
        /// `ConsentContractUnavailable`, `Overflow`.
        ///
        /// Emits `AuditAppended` (RecordUnshared).
        #[ink(message)]
        pub fn unshare_record(
            &mut self,
            patient: AccountId,
            record_id: u64,
            provider: AccountId,
        ) -> Result<()> {
            let (oracle, ctx) = (self.oracle(), self.ctx());
            let e = self
                .store
                .unshare_record(&oracle, ctx, patient, record_id, provider);
            self.done(e)
        }

        /// The share of `record_id` with `provider`, if any.
        #[ink(message)]
        pub fn get_record_share(&self, record_id: u64, provider: AccountId) -> Option<RecordShare> {
            self.store.get_record_share(record_id, provider)
        }

        /// Up to `limit` (at most `MAX_PAGE`) of the patient's shares, with
        /// whether each is in force now.
        #[ink(message)]
        pub fn shares_of(&self, patient: AccountId, from: u64, limit: u32) -> Vec<ShareView> {
            self.store
                .shares_of(patient, from, limit, self.env().block_timestamp())
        }

        // ---------------------------------------------------------------
        // Audit trail
        // ---------------------------------------------------------------

        /// Length and head hash of the patient's audit trail.
        #[ink(message)]
        pub fn audit_head(&self, patient: AccountId) -> AuditHead {
            self.store.audit_head(patient)
        }

        /// One audit entry: what the key-release gateway reads (at a
        /// finalized block) before releasing a key.
        #[ink(message)]
        pub fn audit_entry(&self, patient: AccountId, index: u64) -> Option<AuditEntry> {
            self.store.audit_entry(patient, index)
        }

        /// Up to `limit` (at most `MAX_PAGE`) audit entries from `from`.
        #[ink(message)]
        pub fn audit_trail(&self, patient: AccountId, from: u64, limit: u32) -> Vec<AuditEntry> {
            self.store.audit_trail(patient, from, limit)
        }

        // ---------------------------------------------------------------
        // Settings and links
        // ---------------------------------------------------------------

        /// Contract-wide figures and settings.
        #[ink(message)]
        pub fn stats(&self) -> Stats {
            self.store.stats()
        }

        /// Sets the retention period of records created from now on.
        ///
        /// Requirements: the caller is the owner; `period` is within
        /// 1 day ..= 100 years.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `InvalidRetentionPeriod`.
        ///
        /// Emits `RetentionPeriodChanged`.
        #[ink(message)]
        pub fn set_retention_period(&mut self, period: Timestamp) -> Result<()> {
            let e = self.store.set_retention_period(self.env().caller(), period);
            self.done(e)
        }

        /// The announced repoint of `link`, if any.
        #[ink(message)]
        pub fn pending_link(&self, link: Link) -> Option<Announced<AccountId>> {
            self.store.pending_link(link)
        }

        /// Announces repointing `link` (PatientConsent or AccessControl) at
        /// `target`; `apply_link` may do it once the upgrade delay has
        /// passed. Returns when.
        ///
        /// Requirements: the caller is the owner; the target is not this
        /// contract; no repoint of that link is announced.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `UnknownLink`, `NotOwner`, `CannotTargetSelf`, `AlreadyAnnounced`,
        /// `Overflow`.
        ///
        /// Emits `LinkAnnounced`.
        #[ink(message)]
        pub fn announce_link(&mut self, link: Link, target: AccountId) -> Result<Timestamp> {
            let ctx = self.ctx();
            let (at, event) = self.store.announce_link(ctx, link, target)?;
            emit(event);
            Ok(at)
        }

        /// Withdraws the announced repoint of `link`.
        ///
        /// Requirements: the caller is the owner; a repoint is announced.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `UnknownLink`, `NotOwner`, `NothingAnnounced`.
        ///
        /// Emits `LinkAnnouncementCancelled`.
        #[ink(message)]
        pub fn cancel_link(&mut self, link: Link) -> Result<()> {
            let e = self.store.cancel_link(self.env().caller(), link);
            self.done(e)
        }

        /// Repoints `link` at the announced target.
        ///
        /// Requirements: the caller is the owner; a repoint is announced and
        /// its delay has passed.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `UnknownLink`, `NotOwner`, `NothingAnnounced`, `TooEarly`.
        ///
        /// Emits `LinkChanged`.
        #[ink(message)]
        pub fn apply_link(&mut self, link: Link) -> Result<()> {
            let ctx = self.ctx();
            let e = self.store.apply_link(ctx, link);
            self.done(e)
        }

        // ---------------------------------------------------------------
        // Administration (the shared admin core)
        // ---------------------------------------------------------------

        /// The owner, the proposed owner, the pause flag, the upgrade delay
        /// and the announced upgrade.
        #[ink(message)]
        pub fn admin(&self) -> Admin {
            self.store.admin
        }

        /// Proposes `new_owner`; ownership moves when it accepts.
        ///
        /// Requirements: the caller is the owner; `new_owner` is not the
        /// caller.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `CannotTargetSelf`.
        ///
        /// Emits `OwnershipProposed`.
        #[ink(message)]
        pub fn propose_owner(&mut self, new_owner: AccountId) -> Result<()> {
            let e = self
                .store
                .admin
                .propose_owner(self.env().caller(), new_owner);
            self.admin_done(e)
        }

        /// The proposed owner takes ownership.
        ///
        /// Requirements: the caller is the proposed owner.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NoPendingOwner`, `NotPendingOwner`.
        ///
        /// Emits `OwnershipTransferred`.
        #[ink(message)]
        pub fn accept_ownership(&mut self) -> Result<()> {
            let e = self.store.admin.accept_ownership(self.env().caller());
            self.admin_done(e)
        }

        /// Withdraws the ownership proposal.
        ///
        /// Requirements: the caller is the owner; a transfer is proposed.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `NoPendingOwner`.
        ///
        /// Emits `OwnershipProposalCancelled`.
        #[ink(message)]
        pub fn cancel_ownership_proposal(&mut self) -> Result<()> {
            let e = self
                .store
                .admin
                .cancel_ownership_proposal(self.env().caller());
            self.admin_done(e)
        }

        /// Pauses creating, reading, updating, status changes other than
        /// locking, and grants; revocations, unsharing, locking and every
        /// query keep working.
        ///
        /// Requirements: the caller is the owner; the contract is running.
        ///
        /// # Errors
        /// `NotOwner`, `AlreadyPaused`.
        ///
        /// Emits `Paused`.
        #[ink(message)]
        pub fn pause(&mut self) -> Result<()> {
            let e = self.store.admin.pause(self.env().caller());
            self.admin_done(e)
        }

        /// Resumes normal operation.
        ///
        /// Requirements: the caller is the owner; the contract is paused.
        ///
        /// # Errors
        /// `NotOwner`, `NotPaused`.
        ///
        /// Emits `Unpaused`.
        #[ink(message)]
        pub fn unpause(&mut self) -> Result<()> {
            let e = self.store.admin.unpause(self.env().caller());
            self.admin_done(e)
        }

        /// Sets the delay between announcing an upgrade or a repoint and
        /// applying it (pending announcements keep theirs).
        ///
        /// Requirements: the caller is the owner; `delay` is within
        /// 1 day ..= 30 days.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `InvalidUpgradeDelay`.
        ///
        /// Emits `UpgradeDelayChanged`.
        #[ink(message)]
        pub fn set_upgrade_delay(&mut self, delay: Timestamp) -> Result<()> {
            let e = self
                .store
                .admin
                .set_upgrade_delay(self.env().caller(), delay);
            self.admin_done(e)
        }

        /// Announces replacing this contract's code with the uploaded code
        /// `code_hash`; `apply_code_upgrade` may switch to it once the
        /// upgrade delay has passed. Returns when.
        ///
        /// Requirements: the caller is the owner; no upgrade is announced.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `AlreadyAnnounced`, `Overflow`.
        ///
        /// Emits `CodeUpgradeAnnounced`.
        #[ink(message)]
        pub fn announce_code_upgrade(&mut self, code_hash: Hash) -> Result<Timestamp> {
            let ctx = self.ctx();
            let e = self
                .store
                .admin
                .announce_code(ctx.caller, ctx.now, code_hash);
            self.admin_done(e)?;
            Ok(self
                .store
                .admin
                .pending_code()
                .map_or(0, |a| a.effective_at))
        }

        /// Withdraws the announced upgrade.
        ///
        /// Requirements: the caller is the owner; an upgrade is announced.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `NothingAnnounced`.
        ///
        /// Emits `CodeUpgradeCancelled`.
        #[ink(message)]
        pub fn cancel_code_upgrade(&mut self) -> Result<()> {
            let e = self.store.admin.cancel_code(self.env().caller());
            self.admin_done(e)
        }

        /// Switches this contract to the announced code (pallet-contracts
        /// `set_code_hash`), keeping the address and every stored value but
        /// the hot shell's pointer to the full code, which is cleared and
        /// unpinned (see `medrec_types::split`).
        ///
        /// Requirements: the caller is the owner; an upgrade is announced
        /// and its delay has passed.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `NothingAnnounced`, `TooEarly`, `CodeUpgradeFailed`.
        ///
        /// Emits `CodeUpgraded`.
        #[ink(message)]
        pub fn apply_code_upgrade(&mut self) -> Result<()> {
            let ctx = self.ctx();
            let code_hash = self.store.admin.take_due_code(ctx.caller, ctx.now)?;
            // The announced code answers everything itself from now on.
            medrec_types::split::leave_split();
            self.env()
                .set_code_hash(&code_hash)
                .map_err(|_| Error::CodeUpgradeFailed)?;
            emit(Event::Admin(Admin::code_upgraded(ctx.caller, code_hash)));
            Ok(())
        }

        /// The version of the code answering calls: 1, or 2 in the build
        /// that the upgrade test switches to (feature `upgrade-v2`).
        #[ink(message)]
        pub fn code_version(&self) -> u32 {
            CODE_VERSION
        }
    }

    impl RecordManagementApi for RecordManagement {
        /// Permissions handed over by patient-consent for an approved
        /// request: `level` on each of `record_types` until `expires_at`,
        /// granted by `actor` (the patient or its delegate, whom
        /// patient-consent checked). One audit entry and one event per
        /// record type.
        ///
        /// Requirements: the caller is the patient-consent contract this
        /// contract is wired to; `level` is grantable; `provider` is neither
        /// the patient nor the actor.
        ///
        /// Pause: stops it.
        #[ink(message)]
        fn grant_on_approval(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            actor: AccountId,
            record_types: Vec<RecordType>,
            level: AccessLevel,
            expires_at: Timestamp,
            request_id: u64,
        ) -> core::result::Result<(), GrantRefused> {
            let ctx = self.ctx();
            let events = self.store.grant_on_approval(
                ctx,
                patient,
                provider,
                actor,
                &record_types,
                level,
                expires_at,
                request_id,
            )?;
            for event in events {
                emit(event);
            }
            Ok(())
        }
    }
}
