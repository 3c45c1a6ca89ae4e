//! The events of patient-consent. `actor` is who acted, in every event. No
//! event names a data type: who consented to what kind of data is in
//! storage (public too, see the README's privacy model), not in the event
//! stream that indexers follow.

use crate::data::DelegateKind;
use ink::primitives::AccountId;
use medrec_types::admin::AdminEvent;
use medrec_types::{EmergencyPreference, Purpose, PurposeSet, Timestamp};

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRegistered {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentGranted {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub purposes: PurposeSet,
    pub expires_at: Timestamp,
    pub request_id: Option<u64>,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRevoked {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPurposesUpdated {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub purposes: PurposeSet,
}

/// `actor` is the requesting provider.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequested {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub request_id: u64,
    pub purpose: Purpose,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequestApproved {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub request_id: u64,
    /// How many record-type permissions the approval asked
    /// record-management to grant.
    pub permissions: u32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequestDenied {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub request_id: u64,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegateAdded {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub delegate: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub kind: DelegateKind,
    pub expires_at: Timestamp,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegateRemoved {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub delegate: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyPreferenceChanged {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub preference: EmergencyPreference,
}

/// An event of patient-consent's core, emitted by the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    PatientRegistered(PatientRegistered),
    ConsentGranted(ConsentGranted),
    ConsentRevoked(ConsentRevoked),
    ConsentPurposesUpdated(ConsentPurposesUpdated),
    AccessRequested(AccessRequested),
    AccessRequestApproved(AccessRequestApproved),
    AccessRequestDenied(AccessRequestDenied),
    DelegateAdded(DelegateAdded),
    DelegateRemoved(DelegateRemoved),
    EmergencyPreferenceChanged(EmergencyPreferenceChanged),
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
        Event::PatientRegistered(e) => emit_event::<E, _>(e),
        Event::ConsentGranted(e) => emit_event::<E, _>(e),
        Event::ConsentRevoked(e) => emit_event::<E, _>(e),
        Event::ConsentPurposesUpdated(e) => emit_event::<E, _>(e),
        Event::AccessRequested(e) => emit_event::<E, _>(e),
        Event::AccessRequestApproved(e) => emit_event::<E, _>(e),
        Event::AccessRequestDenied(e) => emit_event::<E, _>(e),
        Event::DelegateAdded(e) => emit_event::<E, _>(e),
        Event::DelegateRemoved(e) => emit_event::<E, _>(e),
        Event::EmergencyPreferenceChanged(e) => emit_event::<E, _>(e),
        Event::Admin(e) => medrec_types::admin::emit(e),
    }
}
