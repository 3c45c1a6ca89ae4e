//! Records: create, read (recorded), update, status, lock, delete, and the
//! queries. Each operation checks the record's state, asks the [`Oracle`]
//! what the decision needs, decides ([`crate::access::decide`]), then
//! writes the record and one audit entry.

use crate::access::{check_permission, decide, Facts, Operation};
use crate::audit::Subject;
use crate::core::{Ctx, Oracle, RecordStore};
use crate::data::*;
use crate::errors::{Error, Result};
use crate::events::Event;
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use medrec_types::{page, Hash32, Purpose, RecordStatus, RecordType};

/// The content of a record's version, as the caller declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content {
    pub data_hash: Hash32,
    pub key_id: Hash32,
    pub size: u64,
}

impl Content {
    fn validate(&self) -> Result<()> {
        if self.data_hash == [0; 32] {
            return Err(Error::InvalidDataHash);
        }
        if self.key_id == [0; 32] {
            return Err(Error::InvalidKeyId);
        }
        Ok(())
    }
}

impl RecordStore {
    /// The record `record_id` of `patient`.
    pub fn record_of(&self, patient: AccountId, record_id: u64) -> Result<RecordMeta> {
        self.records
            .get(record_id)
            .filter(|m| m.patient == patient)
            .ok_or(Error::RecordNotFound)
    }

    /// The record, refused if `op` cannot apply to its status: deleted
    /// records refuse everything; locked ones every change (and provider
    /// reads, decided after the access decision); archived ones updates.
    fn target(&self, patient: AccountId, record_id: u64, op: Operation) -> Result<RecordMeta> {
        let meta = self.record_of(patient, record_id)?;
        match (meta.status, op) {
            (RecordStatus::Deleted, _) => Err(Error::RecordDeleted),
            (RecordStatus::Locked, Operation::Read) => Ok(meta),
            (RecordStatus::Locked, _) => Err(Error::RecordLocked),
            (RecordStatus::Archived, Operation::Update) => Err(Error::RecordArchived),
            _ => Ok(meta),
        }
    }

    /// The facts of one decision: the other contracts' answers and, for
    /// anybody but the patient, this contract's permission and share.
    #[allow(clippy::too_many_arguments)]
    fn authorize<O: Oracle>(
        &self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        op: Operation,
        record_type: RecordType,
        purpose: Purpose,
        record: Option<(u64, &RecordMeta)>,
    ) -> Result<Access> {
        let data_type = record_type.data_type();
        let answers = self.answers(oracle, ctx, patient, op, data_type, purpose)?;
        let (permission, share) = if ctx.caller == patient {
            (Err(Error::NoPermission), false)
        } else {
            let permission = self.permissions.get((patient, ctx.caller, record_type));
            let size = record.map_or(0, |(_, m)| m.size);
            let verdict = check_permission(permission.as_ref(), op.required_level(), size, ctx.now);
            let share = op == Operation::Read
                && verdict.is_err()
                && record.is_some_and(|(id, _)| {
                    self.shares
                        .get((id, ctx.caller))
                        .is_some_and(|s| ctx.now < s.expires_at)
                });
            (verdict, share)
        };
        decide(Facts {
            op,
            purpose,
            data_type,
            patient_authored: record.is_some_and(|(_, m)| m.patient_authored),
            answers,
            permission,
            share,
        })
    }

    /// Creates a record of `patient`; returns its id (global, from 1).
    ///
    /// Requirements: the contract is running; the hash and key id are not
    /// zero; the caller may create (the patient or a delegate, then the
    /// record is patient-authored, or a provider with Write); the patient
    /// has no record with that hash.
    #[allow(clippy::too_many_arguments)]
    pub fn create_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_type: RecordType,
        content: Content,
        mime_code: u16,
        confidentiality: Confidentiality,
        purpose: Purpose,
    ) -> Result<(u64, Event)> {
        self.admin.ensure_running()?;
        content.validate()?;
        let access = self.authorize(
            oracle,
            ctx,
            patient,
            Operation::Create,
            record_type,
            purpose,
            None,
        )?;
        if self.hashes.contains((patient, content.data_hash)) {
            return Err(Error::DuplicateRecord);
        }
        let record_id = self.next_record_id;
        let next_record_id = record_id.checked_add(1).ok_or(Error::Overflow)?;
        let retention_until = ctx
            .now
            .checked_add(self.retention_period)
            .ok_or(Error::Overflow)?;
        let mut state = self.patient_state(patient);
        let position = state.record_count;
        state.record_count = position.checked_add(1).ok_or(Error::Overflow)?;
        let (_, event) = self.append_audit(
            ctx,
            patient,
            &mut state,
            Subject::record(AuditAction::Created, record_id, purpose),
        )?;
        self.records.insert(
            record_id,
            &RecordMeta {
                patient,
                record_type,
                data_hash: content.data_hash,
                key_id: content.key_id,
                size: content.size,
                mime_code,
                confidentiality,
                status: RecordStatus::Active,
                status_before_lock: None,
                version: 1,
                patient_authored: matches!(access, Access::Patient | Access::Delegate),
                created_by: ctx.caller,
                created_at: ctx.now,
                updated_by: ctx.caller,
                updated_at: ctx.now,
                retention_until,
            },
        );
        self.hashes.insert((patient, content.data_hash), &record_id);
        self.patient_records.insert((patient, position), &record_id);
        self.patients.insert(patient, &state);
        self.next_record_id = next_record_id;
        Ok((record_id, event))
    }

    /// A recorded read: appends `Read` (or `EmergencyRead`) with the
    /// declared purpose to the audit trail, counts against the permission's
    /// quota, and returns the metadata with the entry's index.
    ///
    /// Requirements: the contract is running; the record exists and is not
    /// deleted; the caller may read it; a locked record only by the patient
    /// side.
    pub fn get_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        purpose: Purpose,
    ) -> Result<(RecordView, Event)> {
        self.admin.ensure_running()?;
        let meta = self.target(patient, record_id, Operation::Read)?;
        let access = self.authorize(
            oracle,
            ctx,
            patient,
            Operation::Read,
            meta.record_type,
            purpose,
            Some((record_id, &meta)),
        )?;
        let patient_side = matches!(access, Access::Patient | Access::Delegate);
        if meta.status == RecordStatus::Locked && !patient_side {
            return Err(Error::RecordLocked);
        }
        if access == Access::Permission {
            let key = (patient, ctx.caller, meta.record_type);
            if let Some(mut p) = self.permissions.get(key) {
                if p.quota.is_some() {
                    p.reads_used = p.reads_used.checked_add(1).ok_or(Error::Overflow)?;
                    p.bytes_used = p.bytes_used.checked_add(meta.size).ok_or(Error::Overflow)?;
                    self.permissions.insert(key, &p);
                }
            }
        }
        let action = if access == Access::Emergency {
            AuditAction::EmergencyRead
        } else {
            AuditAction::Read
        };
        let mut state = self.patient_state(patient);
        let (audit_index, event) = self.append_audit(
            ctx,
            patient,
            &mut state,
            Subject::record(action, record_id, purpose),
        )?;
        self.patients.insert(patient, &state);
        Ok((
            RecordView {
                record_id,
                meta,
                access,
                audit_index,
            },
            event,
        ))
    }

    /// Replaces a record's ciphertext; the previous version stays readable.
    /// Returns the new version number.
    ///
    /// Requirements: the contract is running; the hash and key id are not
    /// zero; the record exists and is not deleted, locked or archived; the
    /// caller may update it (a provider with Write on a provider-authored
    /// record, the patient side on a patient-authored one); the patient has
    /// no record with that hash.
    pub fn update_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        content: Content,
        purpose: Purpose,
    ) -> Result<(u32, Event)> {
        self.admin.ensure_running()?;
        content.validate()?;
        let mut meta = self.target(patient, record_id, Operation::Update)?;
        self.authorize(
            oracle,
            ctx,
            patient,
            Operation::Update,
            meta.record_type,
            purpose,
            Some((record_id, &meta)),
        )?;
        if self.hashes.contains((patient, content.data_hash)) {
            return Err(Error::DuplicateRecord);
        }
        let version = meta.version.checked_add(1).ok_or(Error::Overflow)?;
        let mut state = self.patient_state(patient);
        let (_, event) = self.append_audit(
            ctx,
            patient,
            &mut state,
            Subject::record(AuditAction::Updated, record_id, purpose),
        )?;
        self.versions.insert(
            (record_id, meta.version),
            &VersionEntry {
                data_hash: meta.data_hash,
                key_id: meta.key_id,
                size: meta.size,
                author: meta.updated_by,
                at: meta.updated_at,
            },
        );
        meta.data_hash = content.data_hash;
        meta.key_id = content.key_id;
        meta.size = content.size;
        meta.version = version;
        meta.updated_by = ctx.caller;
        meta.updated_at = ctx.now;
        self.records.insert(record_id, &meta);
        self.hashes.insert((patient, content.data_hash), &record_id);
        self.patients.insert(patient, &state);
        Ok((version, event))
    }

    /// Moves a record between Active, UnderReview and Archived.
    ///
    /// Requirements: the contract is running; `status` is Active,
    /// UnderReview or Archived and not the record's status; the record is
    /// not deleted or locked; the caller may change its status (a provider
    /// with Admin on a provider-authored record, the patient side on a
    /// patient-authored one).
    pub fn set_record_status<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        status: RecordStatus,
        purpose: Purpose,
    ) -> Result<Event> {
        self.admin.ensure_running()?;
        if matches!(status, RecordStatus::Locked | RecordStatus::Deleted) {
            return Err(Error::InvalidStatusTransition);
        }
        let meta = self.target(patient, record_id, Operation::ChangeStatus)?;
        if meta.status == status {
            return Err(Error::InvalidStatusTransition);
        }
        self.change_status(
            oracle,
            ctx,
            patient,
            record_id,
            meta,
            Operation::ChangeStatus,
            status,
            purpose,
        )
    }

    /// Locks a record: nobody changes it and only the patient side reads it
    /// until it is unlocked. Works while paused (it contains).
    ///
    /// Requirements: the record exists and is not deleted or locked; the
    /// caller is the patient side or a provider with Admin.
    pub fn lock_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        purpose: Purpose,
    ) -> Result<Event> {
        let meta = self.target(patient, record_id, Operation::Lock)?;
        self.change_status(
            oracle,
            ctx,
            patient,
            record_id,
            meta,
            Operation::Lock,
            RecordStatus::Locked,
            purpose,
        )
    }

    /// Unlocks a record back to the status it had.
    ///
    /// Requirements: the contract is running; the record is locked; the
    /// caller is the patient side or a provider with Admin.
    pub fn unlock_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        purpose: Purpose,
    ) -> Result<Event> {
        self.admin.ensure_running()?;
        let meta = self.record_of(patient, record_id)?;
        if meta.status != RecordStatus::Locked {
            return Err(Error::RecordNotLocked);
        }
        let back = meta.status_before_lock.unwrap_or(RecordStatus::Active);
        self.change_status(
            oracle,
            ctx,
            patient,
            record_id,
            meta,
            Operation::Lock,
            back,
            purpose,
        )
    }

    /// Marks a record deleted once its retention period is over; the
    /// gateway then destroys its key.
    ///
    /// Requirements: the contract is running; the record exists and is not
    /// deleted or locked; its retention period is over; the caller may
    /// change its status.
    pub fn delete_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        purpose: Purpose,
    ) -> Result<Event> {
        self.admin.ensure_running()?;
        let meta = self.target(patient, record_id, Operation::ChangeStatus)?;
        if ctx.now < meta.retention_until {
            return Err(Error::RetentionPeriodActive);
        }
        self.change_status(
            oracle,
            ctx,
            patient,
            record_id,
            meta,
            Operation::ChangeStatus,
            RecordStatus::Deleted,
            purpose,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn change_status<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        mut meta: RecordMeta,
        op: Operation,
        status: RecordStatus,
        purpose: Purpose,
    ) -> Result<Event> {
        self.authorize(
            oracle,
            ctx,
            patient,
            op,
            meta.record_type,
            purpose,
            Some((record_id, &meta)),
        )?;
        let action = match status {
            RecordStatus::Deleted => AuditAction::Deleted,
            RecordStatus::Locked => AuditAction::Locked,
            _ if meta.status == RecordStatus::Locked => AuditAction::Unlocked,
            _ => AuditAction::StatusChanged,
        };
        let mut state = self.patient_state(patient);
        let mut about = Subject::record(action, record_id, purpose);
        about.status = Some(status);
        let (_, event) = self.append_audit(ctx, patient, &mut state, about)?;
        meta.status_before_lock = (status == RecordStatus::Locked).then_some(meta.status);
        meta.status = status;
        self.records.insert(record_id, &meta);
        self.patients.insert(patient, &state);
        Ok(event)
    }

    // -------------------------------------------------------------------
    // Queries: chain state is public, so these reveal nothing a node
    // operator cannot read, and they record nothing.
    // -------------------------------------------------------------------

    /// A record's metadata without a recorded read (the original's
    /// `get-record-metadata`).
    pub fn record_metadata(&self, record_id: u64) -> Option<RecordMeta> {
        self.records.get(record_id)
    }

    /// One version of a record: an earlier one, or the current one.
    pub fn record_version(&self, record_id: u64, version: u32) -> Option<VersionEntry> {
        let meta = self.records.get(record_id)?;
        if version == meta.version {
            return Some(VersionEntry {
                data_hash: meta.data_hash,
                key_id: meta.key_id,
                size: meta.size,
                author: meta.updated_by,
                at: meta.updated_at,
            });
        }
        self.versions.get((record_id, version))
    }

    /// Versions from `from` (from 1; 0 reads as 1), at most `MAX_PAGE`.
    pub fn record_versions(&self, record_id: u64, from: u32, limit: u32) -> Vec<VersionEntry> {
        let Some(meta) = self.records.get(record_id) else {
            return Vec::new();
        };
        let start = u64::from(from.max(1));
        page(start, limit, u64::from(meta.version).saturating_add(1))
            .filter_map(|v| u32::try_from(v).ok())
            .filter_map(|v| self.record_version(record_id, v))
            .collect()
    }

    /// The patient's records, in the order created, from index `from`.
    pub fn patient_records(&self, patient: AccountId, from: u64, limit: u32) -> Vec<RecordSummary> {
        page(from, limit, self.patient_state(patient).record_count)
            .filter_map(|i| self.patient_records.get((patient, i)))
            .filter_map(|record_id| {
                Some(RecordSummary {
                    record_id,
                    meta: self.records.get(record_id)?,
                })
            })
            .collect()
    }
}
