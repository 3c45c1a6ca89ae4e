//! Grants: permissions per record type (with level, expiry and quota) and
//! shares of single records, given by the patient side; permissions handed
//! over by patient-consent when a request is approved.

use crate::audit::Subject;
use crate::core::{Ctx, Oracle, RecordStore};
use crate::data::*;
use crate::errors::{Error, Result};
use crate::events::Event;
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use medrec_types::{page, AccessLevel, GrantRefused, RecordStatus, RecordType, Timestamp};

/// One permission as the patient side gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub provider: AccountId,
    pub record_type: RecordType,
    pub level: AccessLevel,
    /// `None`: no expiry.
    pub duration: Option<Timestamp>,
    pub quota: Option<Quota>,
}

impl RecordStore {
    /// Gives `grant.provider` a permission on `patient`'s records of
    /// `grant.record_type`, replacing an earlier one (its usage restarts).
    ///
    /// Requirements: the contract is running; the level is Read, Write or
    /// Admin; the duration, if any, is not zero; a quota has a limit and no
    /// zero limit; the caller is the patient or an unexpired delegate; the
    /// provider is neither the patient nor the caller.
    pub fn grant_permission<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        grant: Grant,
    ) -> Result<Event> {
        self.admin.ensure_running()?;
        if !grant.level.is_grantable() {
            return Err(Error::InvalidAccessLevel);
        }
        if grant.duration == Some(0) {
            return Err(Error::InvalidDuration);
        }
        if let Some(q) = grant.quota {
            let any_limit = q.max_reads.is_some() || q.max_bytes.is_some();
            let no_zero = q.max_reads != Some(0) && q.max_bytes != Some(0);
            if !(any_limit && no_zero) {
                return Err(Error::InvalidQuota);
            }
        }
        self.ensure_patient_side(oracle, ctx, patient)?;
        if grant.provider == patient || grant.provider == ctx.caller {
            return Err(Error::CannotTargetSelf);
        }
        let expires_at = match grant.duration {
            Some(d) => Some(ctx.now.checked_add(d).ok_or(Error::Overflow)?),
            None => None,
        };
        let mut state = self.patient_state(patient);
        let event = self.put_permission(
            ctx,
            patient,
            &mut state,
            grant.provider,
            grant.record_type,
            Permission {
                level: grant.level,
                granted_by: ctx.caller,
                granted_at: ctx.now,
                expires_at,
                quota: grant.quota,
                reads_used: 0,
                bytes_used: 0,
                request_id: None,
                revoked_at: None,
            },
        )?;
        self.patients.insert(patient, &state);
        Ok(event)
    }

    /// What patient-consent asks when `actor` approved request
    /// `request_id` with record types: `level` on each until `expires_at`.
    ///
    /// Requirements: the caller is the patient-consent contract this one
    /// is wired to; the contract is running; `level` is grantable and the
    /// provider is neither the patient nor the actor.
    #[allow(clippy::too_many_arguments)]
    pub fn grant_on_approval(
        &mut self,
        ctx: Ctx,
        patient: AccountId,
        provider: AccountId,
        actor: AccountId,
        record_types: &[RecordType],
        level: AccessLevel,
        expires_at: Timestamp,
        request_id: u64,
    ) -> core::result::Result<Vec<Event>, GrantRefused> {
        if ctx.caller != self.consent_contract {
            return Err(GrantRefused::NotConsentContract);
        }
        if self.admin.paused() {
            return Err(GrantRefused::ContractPaused);
        }
        if !level.is_grantable() || provider == patient || provider == actor {
            return Err(GrantRefused::InvalidGrant);
        }
        // The entries are the actor's: patient-consent checked who it is.
        let as_actor = Ctx {
            caller: actor,
            ..ctx
        };
        let mut state = self.patient_state(patient);
        let mut events = Vec::new();
        for record_type in record_types {
            let event = self
                .put_permission(
                    as_actor,
                    patient,
                    &mut state,
                    provider,
                    *record_type,
                    Permission {
                        level,
                        granted_by: actor,
                        granted_at: ctx.now,
                        expires_at: Some(expires_at),
                        quota: None,
                        reads_used: 0,
                        bytes_used: 0,
                        request_id: Some(request_id),
                        revoked_at: None,
                    },
                )
                .map_err(|_| GrantRefused::Overflow)?;
            events.push(event);
        }
        self.patients.insert(patient, &state);
        Ok(events)
    }

    /// Revokes `provider`'s permission on `record_type`: it allows nothing
    /// from now on (the entry stays in the list, marked revoked).
    ///
    /// Requirements: the caller is the patient or an unexpired delegate; an
    /// unrevoked permission exists. Works while paused.
    pub fn revoke_permission<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        provider: AccountId,
        record_type: RecordType,
    ) -> Result<Event> {
        self.ensure_patient_side(oracle, ctx, patient)?;
        let key = (patient, provider, record_type);
        let mut permission = self
            .permissions
            .get(key)
            .filter(|p| p.revoked_at.is_none())
            .ok_or(Error::PermissionNotFound)?;
        permission.revoked_at = Some(ctx.now);
        let mut state = self.patient_state(patient);
        let (_, event) = self.append_audit(
            ctx,
            patient,
            &mut state,
            Subject {
                action: AuditAction::PermissionRevoked,
                record_id: None,
                subject: Some(provider),
                record_type: Some(record_type),
                purpose: None,
                status: None,
            },
        )?;
        self.permissions.insert(key, &permission);
        self.patients.insert(patient, &state);
        Ok(event)
    }

    pub fn get_permission(
        &self,
        patient: AccountId,
        provider: AccountId,
        record_type: RecordType,
    ) -> Option<Permission> {
        self.permissions.get((patient, provider, record_type))
    }

    /// The patient's permissions (each (provider, record type) once, in the
    /// order first granted), with their status now.
    pub fn permissions_of(
        &self,
        patient: AccountId,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<PermissionView> {
        page(from, limit, self.patient_state(patient).permission_count)
            .filter_map(|i| self.patient_permissions.get((patient, i)))
            .filter_map(|(provider, record_type)| {
                let permission = self.permissions.get((patient, provider, record_type))?;
                let status = permission.status_at(now);
                Some(PermissionView {
                    provider,
                    record_type,
                    permission,
                    status,
                })
            })
            .collect()
    }

    /// Lets `provider` read one record for `duration` ms (it still needs
    /// its standing and the patient's consent). Returns the expiry.
    ///
    /// Requirements: the contract is running; `duration` > 0; the record
    /// exists and is not deleted; the caller is the patient or an unexpired
    /// delegate; the provider is neither the patient nor the caller.
    pub fn share_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        provider: AccountId,
        duration: Timestamp,
    ) -> Result<(Timestamp, Event)> {
        self.admin.ensure_running()?;
        if duration == 0 {
            return Err(Error::InvalidDuration);
        }
        let meta = self.record_of(patient, record_id)?;
        if meta.status == RecordStatus::Deleted {
            return Err(Error::RecordDeleted);
        }
        self.ensure_patient_side(oracle, ctx, patient)?;
        if provider == patient || provider == ctx.caller {
            return Err(Error::CannotTargetSelf);
        }
        let expires_at = ctx.now.checked_add(duration).ok_or(Error::Overflow)?;
        let mut state = self.patient_state(patient);
        if !self.shares.contains((record_id, provider)) {
            let position = state.share_count;
            state.share_count = position.checked_add(1).ok_or(Error::Overflow)?;
            self.patient_shares
                .insert((patient, position), &(record_id, provider));
        }
        let (_, event) = self.append_audit(
            ctx,
            patient,
            &mut state,
            Subject {
                action: AuditAction::RecordShared,
                record_id: Some(record_id),
                subject: Some(provider),
                record_type: None,
                purpose: None,
                status: None,
            },
        )?;
        self.shares.insert(
            (record_id, provider),
            &RecordShare {
                granted_by: ctx.caller,
                granted_at: ctx.now,
                expires_at,
            },
        );
        self.patients.insert(patient, &state);
        Ok((expires_at, event))
    }

    /// Ends a share now.
    ///
    /// Requirements: the record exists; the caller is the patient or an
    /// unexpired delegate; the share exists and has not ended. Works while
    /// paused.
    pub fn unshare_record<O: Oracle>(
        &mut self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        record_id: u64,
        provider: AccountId,
    ) -> Result<Event> {
        self.record_of(patient, record_id)?;
        self.ensure_patient_side(oracle, ctx, patient)?;
        let mut share = self
            .shares
            .get((record_id, provider))
            .filter(|s| ctx.now < s.expires_at)
            .ok_or(Error::ShareNotFound)?;
        share.expires_at = ctx.now;
        let mut state = self.patient_state(patient);
        let (_, event) = self.append_audit(
            ctx,
            patient,
            &mut state,
            Subject {
                action: AuditAction::RecordUnshared,
                record_id: Some(record_id),
                subject: Some(provider),
                record_type: None,
                purpose: None,
                status: None,
            },
        )?;
        self.shares.insert((record_id, provider), &share);
        self.patients.insert(patient, &state);
        Ok(event)
    }

    pub fn get_record_share(&self, record_id: u64, provider: AccountId) -> Option<RecordShare> {
        self.shares.get((record_id, provider))
    }

    /// The patient's shares (each (record, provider) once), with whether
    /// each is in force now.
    pub fn shares_of(
        &self,
        patient: AccountId,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<ShareView> {
        page(from, limit, self.patient_state(patient).share_count)
            .filter_map(|i| self.patient_shares.get((patient, i)))
            .filter_map(|(record_id, provider)| {
                let share = self.shares.get((record_id, provider))?;
                let active = now < share.expires_at;
                Some(ShareView {
                    record_id,
                    provider,
                    share,
                    active,
                })
            })
            .collect()
    }

    /// Writes a permission (listing its key the first time) and its audit
    /// entry by `ctx.caller`; `state` is written back by the caller.
    fn put_permission(
        &mut self,
        ctx: Ctx,
        patient: AccountId,
        state: &mut PatientState,
        provider: AccountId,
        record_type: RecordType,
        permission: Permission,
    ) -> Result<Event> {
        let key = (patient, provider, record_type);
        if !self.permissions.contains(key) {
            let position = state.permission_count;
            state.permission_count = position.checked_add(1).ok_or(Error::Overflow)?;
            self.patient_permissions
                .insert((patient, position), &(provider, record_type));
        }
        let (_, event) = self.append_audit(
            ctx,
            patient,
            state,
            Subject {
                action: AuditAction::PermissionGranted,
                record_id: None,
                subject: Some(provider),
                record_type: Some(record_type),
                purpose: None,
                status: None,
            },
        )?;
        self.permissions.insert(key, &permission);
        Ok(event)
    }
}
