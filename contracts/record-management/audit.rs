//! The patient's audit trail: append-only, numbered from 0, hash-chained.
//!
//! An entry's hash is the SHA-256 of the SCALE encoding of
//! `(AUDIT_DOMAIN, contract, patient, index, entry)`, where `entry.prev_hash`
//! is the hash of entry `index - 1` ([0; 32] for the first). Binding the
//! contract address, the patient and the index means an entry cannot be
//! replayed into another trail, another position or another deployment;
//! rewriting any entry changes every later hash and the head.

use crate::core::{Ctx, RecordStore};
use crate::data::*;
use crate::errors::{Error, Result};
use crate::events::{AuditAppended, Event};
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use medrec_types::{page, Hash32, Purpose, RecordStatus, RecordType};

/// The domain tag every audit hash starts with.
pub const AUDIT_DOMAIN: [u8; 16] = *b"medrec/audit/v2\0";

/// The hash of entry `index` of `patient`'s trail in `contract`.
pub fn entry_hash(
    contract: AccountId,
    patient: AccountId,
    index: u64,
    entry: &AuditEntry,
) -> Hash32 {
    let mut out = [0u8; 32];
    ink::env::hash_encoded::<ink::env::hash::Sha2x256, _>(
        &(AUDIT_DOMAIN, contract, patient, index, entry),
        &mut out,
    );
    out
}

/// What one audit entry is about, besides who and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub action: AuditAction,
    pub record_id: Option<u64>,
    pub subject: Option<AccountId>,
    pub record_type: Option<RecordType>,
    pub purpose: Option<Purpose>,
    pub status: Option<RecordStatus>,
}

impl Subject {
    /// An operation on one record, for a purpose.
    pub fn record(action: AuditAction, record_id: u64, purpose: Purpose) -> Self {
        Self {
            action,
            record_id: Some(record_id),
            subject: None,
            record_type: None,
            purpose: Some(purpose),
            status: None,
        }
    }
}

impl RecordStore {
    /// Appends an entry by `ctx.caller` to `state`'s trail (the caller
    /// writes `state` back) and returns its index and the event.
    pub(crate) fn append_audit(
        &mut self,
        ctx: Ctx,
        patient: AccountId,
        state: &mut PatientState,
        about: Subject,
    ) -> Result<(u64, Event)> {
        let index = state.audit_len;
        let entry = AuditEntry {
            actor: ctx.caller,
            action: about.action,
            record_id: about.record_id,
            subject: about.subject,
            record_type: about.record_type,
            purpose: about.purpose,
            status: about.status,
            at: ctx.now,
            prev_hash: state.audit_head,
        };
        let head = entry_hash(ctx.this, patient, index, &entry);
        state.audit_len = index.checked_add(1).ok_or(Error::Overflow)?;
        state.audit_head = head;
        self.audit.insert((patient, index), &entry);
        Ok((
            index,
            Event::AuditAppended(AuditAppended {
                patient,
                actor: ctx.caller,
                index,
                action: about.action,
                record_id: about.record_id,
                subject: about.subject,
                purpose: about.purpose,
                head,
            }),
        ))
    }

    pub fn audit_head(&self, patient: AccountId) -> AuditHead {
        let state = self.patient_state(patient);
        AuditHead {
            len: state.audit_len,
            head: state.audit_head,
        }
    }

    pub fn audit_entry(&self, patient: AccountId, index: u64) -> Option<AuditEntry> {
        self.audit.get((patient, index))
    }

    pub fn audit_trail(&self, patient: AccountId, from: u64, limit: u32) -> Vec<AuditEntry> {
        page(from, limit, self.patient_state(patient).audit_len)
            .filter_map(|i| self.audit.get((patient, i)))
            .collect()
    }
}
