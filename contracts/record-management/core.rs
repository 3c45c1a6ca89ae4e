//! The storage of record-management and what every operation shares: the
//! context of a call, the [`Oracle`] through which the other two contracts
//! are asked, and the links to them. The operations are in `records.rs`,
//! `grants.rs` and `audit.rs`; the decision in `access.rs`.

use crate::access::{Answers, Operation};
use crate::data::*;
use crate::errors::{Error, Result};
use crate::events::{Event, RetentionPeriodChanged};
use ink::primitives::AccountId;
use ink::storage::Mapping;
use medrec_types::{
    Admin, Announced, ConsentAnswer, DataType, Hash32, Link, ProviderAssessment, Purpose,
    RecordType, Timestamp,
};

/// Who calls, when, and this contract's address (which every audit hash
/// binds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ctx {
    pub caller: AccountId,
    pub now: Timestamp,
    pub this: AccountId,
}

/// The questions record-management asks the other two contracts. The shell
/// answers them with real cross-contract calls (one call each), mapping any
/// failure of a call to `ConsentContractUnavailable` or
/// `AccessControlUnavailable`; unit tests answer them from a table.
pub trait Oracle {
    /// patient-consent's `consult`.
    fn consult(
        &self,
        patient: AccountId,
        actor: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> Result<ConsentAnswer>;

    /// access-control's `assess_provider`.
    fn assess_provider(
        &self,
        provider: AccountId,
        patient: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> Result<ProviderAssessment>;

    /// patient-consent's `acts_for`.
    fn acts_for(&self, patient: AccountId, actor: AccountId) -> Result<bool>;
}

/// (patient, provider, record type): the key of a permission.
pub(crate) type PermissionKey = (AccountId, AccountId, RecordType);
/// (account, index): the key of a list entry.
pub(crate) type Slot = (AccountId, u64);

/// Everything record-management stores. Lists are `Mapping`s from an index,
/// so appending is O(1) and a page reads at most `MAX_PAGE` entries.
#[ink::storage_item]
#[derive(Debug)]
pub struct RecordStore {
    pub admin: Admin,
    pub(crate) consent_contract: AccountId,
    pub(crate) access_control: AccountId,
    pub(crate) pending_links: Mapping<Link, Announced<AccountId>>,
    pub(crate) retention_period: Timestamp,
    /// Global record ids, from 1.
    pub(crate) next_record_id: u64,
    pub(crate) records: Mapping<u64, RecordMeta>,
    /// (record id, version) -> an earlier version (the current one is in
    /// the record).
    pub(crate) versions: Mapping<(u64, u32), VersionEntry>,
    /// (patient, data hash) -> record id: the patient's hashes, current and
    /// earlier, to refuse duplicates.
    pub(crate) hashes: Mapping<(AccountId, Hash32), u64>,
    pub(crate) patients: Mapping<AccountId, PatientState>,
    /// (patient, index) -> record id.
    pub(crate) patient_records: Mapping<Slot, u64>,
    pub(crate) permissions: Mapping<PermissionKey, Permission>,
    /// (patient, index) -> (provider, record type), each key once.
    pub(crate) patient_permissions: Mapping<Slot, (AccountId, RecordType)>,
    /// (record id, provider) -> share.
    pub(crate) shares: Mapping<(u64, AccountId), RecordShare>,
    /// (patient, index) -> (record id, provider), each key once.
    pub(crate) patient_shares: Mapping<Slot, (u64, AccountId)>,
    /// (patient, index) -> audit entry; indexes from 0 per patient.
    pub(crate) audit: Mapping<Slot, AuditEntry>,
}

impl RecordStore {
    pub fn new(owner: AccountId, consent_contract: AccountId, access_control: AccountId) -> Self {
        Self {
            admin: Admin::new(owner),
            consent_contract,
            access_control,
            pending_links: Mapping::default(),
            retention_period: DEFAULT_RETENTION_MS,
            next_record_id: 1,
            records: Mapping::default(),
            versions: Mapping::default(),
            hashes: Mapping::default(),
            patients: Mapping::default(),
            patient_records: Mapping::default(),
            permissions: Mapping::default(),
            patient_permissions: Mapping::default(),
            shares: Mapping::default(),
            patient_shares: Mapping::default(),
            audit: Mapping::default(),
        }
    }

    pub fn consent_contract(&self) -> AccountId {
        self.consent_contract
    }

    pub fn access_control(&self) -> AccountId {
        self.access_control
    }

    pub fn stats(&self) -> Stats {
        Stats {
            total_records: self.next_record_id.saturating_sub(1),
            next_record_id: self.next_record_id,
            paused: self.admin.paused(),
            retention_period: self.retention_period,
            consent_contract: self.consent_contract,
            access_control: self.access_control,
        }
    }

    pub fn patient_state(&self, patient: AccountId) -> PatientState {
        self.patients.get(patient).unwrap_or_default()
    }

    /// Asks what [`crate::access::decide`] needs: nothing for the patient's
    /// own operations but creating (whether it registered); for anybody
    /// else patient-consent once and access-control once.
    pub(crate) fn answers<O: Oracle>(
        &self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
        op: Operation,
        data_type: DataType,
        purpose: Purpose,
    ) -> Result<Answers> {
        if ctx.caller == patient {
            let registered = op != Operation::Create
                || oracle
                    .consult(patient, patient, data_type, purpose)?
                    .acts_for;
            return Ok(Answers::Patient { registered });
        }
        let consent = oracle.consult(patient, ctx.caller, data_type, purpose)?;
        let provider = oracle.assess_provider(ctx.caller, patient, data_type, purpose)?;
        Ok(Answers::Other { consent, provider })
    }

    /// The patient itself, or (asking patient-consent) an unexpired
    /// delegate of it.
    pub(crate) fn ensure_patient_side<O: Oracle>(
        &self,
        oracle: &O,
        ctx: Ctx,
        patient: AccountId,
    ) -> Result<()> {
        if ctx.caller == patient || oracle.acts_for(patient, ctx.caller)? {
            Ok(())
        } else {
            Err(Error::NotPatientOrDelegate)
        }
    }

    // -------------------------------------------------------------------
    // Settings and links
    // -------------------------------------------------------------------

    /// Requirements: the caller is the owner; `period` is within
    /// 1 day ..= 100 years.
    pub fn set_retention_period(&mut self, caller: AccountId, period: Timestamp) -> Result<Event> {
        self.admin.ensure_owner(caller)?;
        if !(MIN_RETENTION_MS..=MAX_RETENTION_MS).contains(&period) {
            return Err(Error::InvalidRetentionPeriod);
        }
        let old_period = self.retention_period;
        self.retention_period = period;
        Ok(Event::RetentionPeriodChanged(RetentionPeriodChanged {
            actor: caller,
            old_period,
            new_period: period,
        }))
    }

    fn known(link: Link) -> Result<()> {
        match link {
            Link::AccessControl | Link::PatientConsent => Ok(()),
            Link::RecordManagement => Err(Error::UnknownLink),
        }
    }

    pub fn pending_link(&self, link: Link) -> Option<Announced<AccountId>> {
        self.pending_links.get(link)
    }

    /// Requirements: the caller is the owner; `link` is AccessControl or
    /// PatientConsent; the target is not this contract; no repoint of it is
    /// announced.
    pub fn announce_link(
        &mut self,
        ctx: Ctx,
        link: Link,
        target: AccountId,
    ) -> Result<(Timestamp, Event)> {
        Self::known(link)?;
        let (announced, event) = self.admin.announce_link(
            ctx.caller,
            ctx.now,
            ctx.this,
            link,
            target,
            &self.pending_links.get(link),
        )?;
        self.pending_links.insert(link, &announced);
        Ok((announced.effective_at, Event::Admin(event)))
    }

    /// Requirements: the caller is the owner; a repoint of `link` is
    /// announced.
    pub fn cancel_link(&mut self, caller: AccountId, link: Link) -> Result<Event> {
        Self::known(link)?;
        let event = self
            .admin
            .cancel_link(caller, link, self.pending_links.get(link))?;
        self.pending_links.remove(link);
        Ok(Event::Admin(event))
    }

    /// Requirements: the caller is the owner; a repoint of `link` is
    /// announced and its delay has passed.
    pub fn apply_link(&mut self, ctx: Ctx, link: Link) -> Result<Event> {
        Self::known(link)?;
        let old = match link {
            Link::AccessControl => self.access_control,
            _ => self.consent_contract,
        };
        let (new, event) = self.admin.apply_link(
            ctx.caller,
            ctx.now,
            link,
            Some(old),
            self.pending_links.get(link),
        )?;
        match link {
            Link::AccessControl => self.access_control = new,
            _ => self.consent_contract = new,
        }
        self.pending_links.remove(link);
        Ok(Event::Admin(event))
    }
}
