//! The events of record-management. Every change to a patient's records or
//! grants appends an audit entry and emits one [`AuditAppended`]: who acted
//! on whose records, the entry's index and the trail's new head, so an
//! indexer or the key-release gateway can follow the trail from events
//! alone. No event names a record type, a data type or a data hash.

use crate::data::AuditAction;
use ink::primitives::AccountId;
use medrec_types::admin::AdminEvent;
use medrec_types::{Hash32, Purpose, Timestamp};

/// An entry was appended to `patient`'s audit trail at `index`; `head` is
/// the trail's new head hash.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAppended {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub index: u64,
    pub action: AuditAction,
    pub record_id: Option<u64>,
    pub subject: Option<AccountId>,
    pub purpose: Option<Purpose>,
    pub head: Hash32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPeriodChanged {
    #[ink(topic)]
    pub actor: AccountId,
    pub old_period: Timestamp,
    pub new_period: Timestamp,
}

/// An event of record-management's core, emitted by the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    AuditAppended(AuditAppended),
    RetentionPeriodChanged(RetentionPeriodChanged),
    Admin(AdminEvent),
}

impl From<AdminEvent> for Event {
    fn from(e: AdminEvent) -> Self {
        Event::Admin(e)
    }
}

/// Emits `event` (the contract uses the default environment).
pub fn emit(event: Event) {
    use ink::env::{emit_event, DefaultEnvironment as E};
    match event {
        Event::AuditAppended(e) => emit_event::<E, _>(e),
        Event::RetentionPeriodChanged(e) => emit_event::<E, _>(e),
        Event::Admin(e) => medrec_types::admin::emit(e),
    }
}
