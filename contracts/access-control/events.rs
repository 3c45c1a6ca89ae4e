//! The events of access-control. `actor` is who acted, in every event. No
//! event names a data type or a record type.

use ink::primitives::AccountId;
use medrec_types::admin::AdminEvent;
use medrec_types::{EmergencyReason, Hash32, ReviewOutcome, Role, Timestamp};

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRegistered {
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub role: Role,
    pub credentials_hash: Hash32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderVerified {
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
}

/// The provider passes no check until reactivated; its open emergency
/// windows are closed.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDeactivated {
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderReactivated {
    #[ink(topic)]
    pub provider: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyAccessActivated {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub window_id: u64,
    pub reason: EmergencyReason,
    pub note_hash: Hash32,
    pub expires_at: Timestamp,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyAccessEnded {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub window_id: u64,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyAccessReviewed {
    #[ink(topic)]
    pub patient: AccountId,
    #[ink(topic)]
    pub actor: AccountId,
    pub window_id: u64,
    pub outcome: ReviewOutcome,
    pub note_hash: Hash32,
}

#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencySettingsChanged {
    #[ink(topic)]
    pub actor: AccountId,
    pub window_duration: Timestamp,
    pub cooldown: Timestamp,
}

/// An event of access-control's core, emitted by the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    ProviderRegistered(ProviderRegistered),
    ProviderVerified(ProviderVerified),
    ProviderDeactivated(ProviderDeactivated),
    ProviderReactivated(ProviderReactivated),
    EmergencyAccessActivated(EmergencyAccessActivated),
    EmergencyAccessEnded(EmergencyAccessEnded),
    EmergencyAccessReviewed(EmergencyAccessReviewed),
    EmergencySettingsChanged(EmergencySettingsChanged),
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
        Event::ProviderRegistered(e) => emit_event::<E, _>(e),
        Event::ProviderVerified(e) => emit_event::<E, _>(e),
        Event::ProviderDeactivated(e) => emit_event::<E, _>(e),
        Event::ProviderReactivated(e) => emit_event::<E, _>(e),
        Event::EmergencyAccessActivated(e) => emit_event::<E, _>(e),
        Event::EmergencyAccessEnded(e) => emit_event::<E, _>(e),
        Event::EmergencyAccessReviewed(e) => emit_event::<E, _>(e),
        Event::EmergencySettingsChanged(e) => emit_event::<E, _>(e),
        Event::Admin(e) => medrec_types::admin::emit(e),
    }
}
