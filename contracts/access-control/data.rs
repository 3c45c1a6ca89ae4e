//! Storage and message types of access-control, and its errors.

use ink::primitives::AccountId;
use medrec_types::{EmergencyReason, Hash32, ReviewOutcome, Role, Timestamp};

/// Default length of an emergency window: 24 hours in milliseconds.
pub const DEFAULT_EMERGENCY_WINDOW_MS: Timestamp = 24 * 60 * 60 * 1000;
/// Longest emergency window the owner may set: 7 days.
pub const MAX_EMERGENCY_WINDOW_MS: Timestamp = 7 * DEFAULT_EMERGENCY_WINDOW_MS;
/// Shortest emergency window the owner may set: 1 minute.
pub const MIN_EMERGENCY_WINDOW_MS: Timestamp = 60 * 1000;
/// Default time between two windows of one provider on one patient, counted
/// from the first one's opening: 24 hours (at most one window a day).
pub const DEFAULT_EMERGENCY_COOLDOWN_MS: Timestamp = DEFAULT_EMERGENCY_WINDOW_MS;
/// Shortest cooldown the owner may set: 1 hour, so that ending and
/// re-opening a window cannot be chained.
pub const MIN_EMERGENCY_COOLDOWN_MS: Timestamp = 60 * 60 * 1000;
/// Longest cooldown the owner may set: 30 days.
pub const MAX_EMERGENCY_COOLDOWN_MS: Timestamp = 30 * DEFAULT_EMERGENCY_WINDOW_MS;

/// A registered provider.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub role: Role,
    /// Salted SHA-256 commitment to the off-chain credentials document
    /// (licence number, institution, specialisation), made by the client:
    /// the document and its salt stay off-chain.
    pub credentials_hash: Hash32,
    pub registered_at: Timestamp,
    pub verified: bool,
    pub verified_by: Option<AccountId>,
    pub verified_at: Option<Timestamp>,
    pub active: bool,
    /// Bumped by every deactivation: windows opened under an earlier epoch
    /// are closed, whatever their expiry.
    pub epoch: u32,
}

impl Provider {
    /// Registered, verified and active: in good standing.
    pub fn in_good_standing(&self) -> bool {
        self.verified && self.active
    }

    /// A verified, active admin: may verify, reactivate and review.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.in_good_standing()
    }
}

/// A reviewer's finding on an emergency window.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review {
    pub reviewer: AccountId,
    pub outcome: ReviewOutcome,
    /// Salted hash of the reviewer's off-chain note.
    pub note_hash: Hash32,
    pub at: Timestamp,
}

/// An emergency ("break-glass") window of one provider on one patient.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyWindow {
    pub provider: AccountId,
    pub patient: AccountId,
    pub reason: EmergencyReason,
    /// Salted hash of the off-chain note that explains the emergency.
    pub note_hash: Hash32,
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set when the holder ended the window early.
    pub ended_at: Option<Timestamp>,
    /// The provider's epoch at opening (see [`Provider::epoch`]).
    pub provider_epoch: u32,
    pub review: Option<Review>,
}

/// Where a window stands now.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    /// Open: its holder may read under it.
    Open,
    /// Ended early by its holder.
    Ended,
    /// Past its expiry.
    Expired,
    /// Closed because its holder was deactivated after opening it.
    ClosedByDeactivation,
}

/// A window with its id and its state at the time of the query.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowView {
    pub id: u64,
    pub window: EmergencyWindow,
    pub state: WindowState,
}

/// A provider and its registration, as the provider list returns them.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderView {
    pub account: AccountId,
    pub provider: Provider,
}

/// The emergency settings.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmergencySettings {
    /// Length of new windows.
    pub window_duration: Timestamp,
    /// Least time between two openings by one provider on one patient.
    pub cooldown: Timestamp,
}

/// Every way a message of this contract can fail.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Only the contract owner may do this.
    NotOwner,
    /// Only the proposed owner may accept ownership.
    NotPendingOwner,
    /// No ownership transfer is proposed.
    NoPendingOwner,
    /// The caller targets itself: registering, verifying, reactivating or
    /// reviewing itself, opening a window on itself, proposing itself.
    CannotTargetSelf,
    /// The contract is paused.
    ContractPaused,
    /// `pause` on a paused contract.
    AlreadyPaused,
    /// `unpause` on a running contract.
    NotPaused,
    /// An upgrade is announced already: cancel it first.
    AlreadyAnnounced,
    /// No upgrade is announced.
    NothingAnnounced,
    /// The announced upgrade's delay has not passed yet.
    TooEarly,
    /// The upgrade delay is outside 1 day ..= 30 days.
    InvalidUpgradeDelay,
    /// The runtime refused the code hash (no code uploaded under it).
    CodeUpgradeFailed,
    /// A time or counter would overflow.
    Overflow,
    /// Only a verified, active admin provider may do this (for deactivation:
    /// or the owner).
    NotAdmin,
    /// The account is already a registered provider.
    ProviderAlreadyRegistered,
    /// No provider is registered under that account.
    ProviderNotFound,
    /// The provider is already verified.
    AlreadyVerified,
    /// The provider is already inactive.
    AlreadyInactive,
    /// The provider is already active.
    AlreadyActive,
    /// Deactivating the last verified, active admin would leave nobody to
    /// verify providers.
    LastActiveAdmin,
    /// The caller is not a registered provider.
    CallerNotRegistered,
    /// The caller is registered but not verified.
    CallerNotVerified,
    /// The caller has been deactivated.
    CallerInactive,
    /// Only providers with the emergency role open emergency windows.
    NotEmergencyRole,
    /// The caller already holds an open window on this patient.
    EmergencyWindowAlreadyOpen,
    /// The caller opened a window on this patient less than the cooldown ago.
    EmergencyCooldown,
    /// The caller holds no open window on this patient.
    NoOpenEmergencyWindow,
    /// No window has that id.
    WindowNotFound,
    /// A window is reviewed once it is closed.
    WindowStillOpen,
    /// The window was reviewed already.
    AlreadyReviewed,
    /// The window length is outside 1 minute ..= 7 days.
    InvalidWindowDuration,
    /// The cooldown is outside 1 hour ..= 30 days.
    InvalidCooldown,
}

medrec_types::impl_from_admin_error!(Error);

pub type Result<T> = core::result::Result<T, Error>;
