#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! # access-control
//!
//! The provider registry of the medical records system: the owner registers
//! providers with a role, admins verify, deactivate and reactivate them, the
//! role x data-type matrix (and role x purpose rule) says what each role may
//! see, and verified emergency-role providers open time-boxed emergency
//! ("break-glass") windows on a patient: rate-limited by a cooldown, closed
//! by deactivation, and each reviewed afterwards by an admin.
//!
//! The logic is plain Rust in [`core`]; the `#[ink::contract]` module below
//! is a thin shell that reads the caller and the block time, calls the core
//! and emits its events.
//!
//! Nothing here is patient data: providers are account ids with a role and
//! a salted commitment to their off-chain credentials; an emergency window
//! carries a reason code and the salted hash of an off-chain note.

pub mod core;
pub mod data;
pub mod events;
#[cfg(feature = "hot")]
mod hot;

#[cfg(not(feature = "hot"))]
pub use self::access_control::{AccessControl, AccessControlRef};
#[cfg(feature = "hot")]
pub use self::hot::access_control::{AccessControl, AccessControlRef};
pub use data::*;

#[cfg(test)]
mod tests;

/// Set by `build-contracts` to the code hash of this contract's hot shell
/// (see `medrec_types::split`); without it the contract stays on this code.
#[cfg(not(feature = "hot"))]
const HOT_SHELL: Option<[u8; 32]> =
    medrec_types::split::parse_hash(option_env!("MEDREC_HOT_CODE_HASH"));

#[cfg(not(feature = "hot"))]
#[ink::contract]
mod access_control {
    /// Version of this code, reported by `code_version`.
    const CODE_VERSION: u32 = if cfg!(feature = "upgrade-v2") { 2 } else { 1 };

    use crate::core::Registry;
    use crate::data::*;
    use crate::events::{emit, Event};
    use ink::prelude::vec::Vec;
    use medrec_types::{
        AccessControlApi, Admin, Announced, DataType, EmergencyReason, Hash32, ProviderAssessment,
        Purpose, ReviewOutcome, Role,
    };

    #[ink(storage)]
    pub struct AccessControl {
        registry: Registry,
    }

    impl AccessControl {
        /// Deploys the registry: the caller becomes the owner, and
        /// `first_admin` (not the caller) is registered and verified as the
        /// first admin provider, with `credentials_hash`.
        #[ink(constructor)]
        pub fn new(first_admin: AccountId, credentials_hash: Hash32) -> Result<Self> {
            let (registry, event) = Registry::new(
                Self::env().caller(),
                Self::env().block_timestamp(),
                first_admin,
                credentials_hash,
            )?;
            emit(event);
            medrec_types::split::switch_to_hot(crate::HOT_SHELL);
            Ok(Self { registry })
        }

        fn caller(&self) -> AccountId {
            self.env().caller()
        }

        fn now(&self) -> Timestamp {
            self.env().block_timestamp()
        }

        fn done(&self, event: Result<Event>) -> Result<()> {
            emit(event?);
            Ok(())
        }

        // ---------------------------------------------------------------
        // Provider registry
        // ---------------------------------------------------------------

        /// Registers `provider` with `role`; it starts unverified and active.
        ///
        /// Requirements: the caller is the owner; `provider` is not the owner
        /// and not registered.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `NotOwner`, `ContractPaused`, `CannotTargetSelf`,
        /// `ProviderAlreadyRegistered`, `Overflow`.
        ///
        /// Emits `ProviderRegistered`.
        #[ink(message)]
        pub fn register_provider(
            &mut self,
            provider: AccountId,
            role: Role,
            credentials_hash: Hash32,
        ) -> Result<()> {
            let e = self.registry.register_provider(
                self.caller(),
                self.now(),
                provider,
                role,
                credentials_hash,
            );
            self.done(e)
        }

        /// Marks `provider` verified.
        ///
        /// Requirements: the caller is a verified, active admin provider (not
        /// the owner: the owner registers, admins verify); `provider` is not
        /// the caller, is registered and not yet verified.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `NotAdmin`, `ContractPaused`, `CannotTargetSelf`,
        /// `ProviderNotFound`, `AlreadyVerified`, `Overflow`.
        ///
        /// Emits `ProviderVerified`.
        #[ink(message)]
        pub fn verify_provider(&mut self, provider: AccountId) -> Result<()> {
            let e = self
                .registry
                .verify_provider(self.caller(), self.now(), provider);
            self.done(e)
        }

        /// Deactivates `provider`: it keeps its registration but passes no
        /// check until reactivated, and its open emergency windows close.
        ///
        /// Requirements: the caller is the owner or a verified, active admin;
        /// `provider` is registered and active, and not the last verified,
        /// active admin.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotAdmin`, `ProviderNotFound`, `AlreadyInactive`,
        /// `LastActiveAdmin`, `Overflow`.
        ///
        /// Emits `ProviderDeactivated`.
        #[ink(message)]
        pub fn deactivate_provider(&mut self, provider: AccountId) -> Result<()> {
            let e = self.registry.deactivate_provider(self.caller(), provider);
            self.done(e)
        }

        /// Reactivates a deactivated `provider` (its closed windows stay
        /// closed).
        ///
        /// Requirements: the caller is a verified, active admin; `provider`
        /// is not the caller, is registered and inactive.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `NotAdmin`, `ContractPaused`, `CannotTargetSelf`,
        /// `ProviderNotFound`, `AlreadyActive`, `Overflow`.
        ///
        /// Emits `ProviderReactivated`.
        #[ink(message)]
        pub fn reactivate_provider(&mut self, provider: AccountId) -> Result<()> {
            let e = self.registry.reactivate_provider(self.caller(), provider);
            self.done(e)
        }

        /// The provider's registration, if any.
        #[ink(message)]
        pub fn get_provider(&self, provider: AccountId) -> Option<Provider> {
            self.registry.get_provider(provider)
        }

        /// How many providers were ever registered.
        #[ink(message)]
        pub fn provider_count(&self) -> u64 {
            self.registry.provider_count()
        }

        /// How many verified, active admins there are.
        #[ink(message)]
        pub fn active_admin_count(&self) -> u32 {
            self.registry.active_admin_count()
        }

        /// Up to `limit` (at most `MAX_PAGE`) providers in registration
        /// order, from index `from`.
        #[ink(message)]
        pub fn providers(&self, from: u64, limit: u32) -> Vec<ProviderView> {
            self.registry.providers(from, limit)
        }

        /// The role x data-type matrix (the original's `can-access-data-type`).
        #[ink(message)]
        pub fn can_role_access(&self, role: Role, data_type: DataType) -> bool {
            role.allows(data_type)
        }

        /// Whether `role` may act for `purpose` (researchers for Research
        /// only, payers for Payment only).
        #[ink(message)]
        pub fn can_role_act_for(&self, role: Role, purpose: Purpose) -> bool {
            role.allows_purpose(purpose)
        }

        // ---------------------------------------------------------------
        // Emergency access
        // ---------------------------------------------------------------

        /// Opens an emergency window of the configured length on `patient`.
        /// Returns the window's id and expiry. What it lets its holder read
        /// is the patient's emergency preference (patient-consent):
        /// non-sensitive types by default.
        ///
        /// Requirements: the caller is a registered, verified, active
        /// provider with the emergency role; `patient` is not the caller; the
        /// caller holds no open window on `patient` and opened none on it
        /// less than the cooldown ago.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `CallerNotRegistered`, `CallerNotVerified`, `CallerInactive`,
        /// `NotEmergencyRole`, `ContractPaused`, `CannotTargetSelf`,
        /// `EmergencyWindowAlreadyOpen`, `EmergencyCooldown`, `Overflow`.
        ///
        /// Emits `EmergencyAccessActivated`.
        #[ink(message)]
        pub fn activate_emergency_access(
            &mut self,
            patient: AccountId,
            reason: EmergencyReason,
            note_hash: Hash32,
        ) -> Result<(u64, Timestamp)> {
            let (opened, event) = self.registry.activate_emergency_access(
                self.caller(),
                self.now(),
                patient,
                reason,
                note_hash,
            )?;
            emit(event);
            Ok(opened)
        }

        /// Ends the caller's open emergency window on `patient` early.
        /// Returns the window's id.
        ///
        /// Requirements: the caller holds an open window on `patient`.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NoOpenEmergencyWindow`.
        ///
        /// Emits `EmergencyAccessEnded`.
        #[ink(message)]
        pub fn end_emergency_access(&mut self, patient: AccountId) -> Result<u64> {
            let (id, event) =
                self.registry
                    .end_emergency_access(self.caller(), self.now(), patient)?;
            emit(event);
            Ok(id)
        }

        /// Records the review of a closed emergency window: the outcome and
        /// the salted hash of the reviewer's off-chain note. The window
        /// leaves the review queue; the patient reads the review with the
        /// window.
        ///
        /// Requirements: the caller is a verified, active admin other than
        /// the window's holder; the window exists, is closed (ended, expired
        /// or closed by deactivation) and not yet reviewed.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotAdmin`, `WindowNotFound`, `CannotTargetSelf`,
        /// `WindowStillOpen`, `AlreadyReviewed`.
        ///
        /// Emits `EmergencyAccessReviewed`.
        #[ink(message)]
        pub fn review_emergency_access(
            &mut self,
            window_id: u64,
            outcome: ReviewOutcome,
            note_hash: Hash32,
        ) -> Result<()> {
            let e = self.registry.review_emergency_access(
                self.caller(),
                self.now(),
                window_id,
                outcome,
                note_hash,
            );
            self.done(e)
        }

        /// One emergency window with its state now.
        #[ink(message)]
        pub fn emergency_window(&self, window_id: u64) -> Option<WindowView> {
            self.registry.emergency_window(window_id, self.now())
        }

        /// The latest emergency window of `provider` on `patient`, open or not.
        #[ink(message)]
        pub fn latest_emergency_window(
            &self,
            provider: AccountId,
            patient: AccountId,
        ) -> Option<WindowView> {
            self.registry
                .latest_emergency_window(provider, patient, self.now())
        }

        /// How many windows were ever opened on `patient`.
        #[ink(message)]
        pub fn patient_window_count(&self, patient: AccountId) -> u64 {
            self.registry.patient_window_count(patient)
        }

        /// Up to `limit` (at most `MAX_PAGE`) windows opened on `patient`,
        /// oldest first, from index `from`, with their reviews.
        #[ink(message)]
        pub fn patient_emergency_windows(
            &self,
            patient: AccountId,
            from: u64,
            limit: u32,
        ) -> Vec<WindowView> {
            self.registry
                .patient_emergency_windows(patient, from, limit, self.now())
        }

        /// How many windows await review.
        #[ink(message)]
        pub fn unreviewed_count(&self) -> u64 {
            self.registry.unreviewed_count()
        }

        /// Up to `limit` (at most `MAX_PAGE`) windows awaiting review, from
        /// position `from` of the queue (a review moves the last window into
        /// the freed position).
        #[ink(message)]
        pub fn unreviewed_emergency_windows(&self, from: u64, limit: u32) -> Vec<WindowView> {
            self.registry
                .unreviewed_emergency_windows(from, limit, self.now())
        }

        /// Length of new windows and the cooldown, in milliseconds.
        #[ink(message)]
        pub fn emergency_settings(&self) -> EmergencySettings {
            self.registry.emergency_settings()
        }

        /// Sets the length of new emergency windows (open ones keep theirs)
        /// and the cooldown between two windows of one provider on one
        /// patient.
        ///
        /// Requirements: the caller is the owner; the length is within
        /// 1 minute ..= 7 days, the cooldown within 1 hour ..= 30 days.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `InvalidWindowDuration`, `InvalidCooldown`.
        ///
        /// Emits `EmergencySettingsChanged`.
        #[ink(message)]
        pub fn set_emergency_settings(&mut self, settings: EmergencySettings) -> Result<()> {
            let e = self
                .registry
                .set_emergency_settings(self.caller(), settings);
            self.done(e)
        }

        // ---------------------------------------------------------------
        // Administration (the shared admin core)
        // ---------------------------------------------------------------

        /// The owner, the proposed owner, the pause flag, the upgrade delay
        /// and the announced upgrade.
        #[ink(message)]
        pub fn admin(&self) -> Admin {
            self.registry.admin
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
            let e = self.registry.admin.propose_owner(self.caller(), new_owner);
            self.done(e.map(Event::Admin).map_err(Error::from))
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
            let e = self.registry.admin.accept_ownership(self.caller());
            self.done(e.map(Event::Admin).map_err(Error::from))
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
            let e = self.registry.admin.cancel_ownership_proposal(self.caller());
            self.done(e.map(Event::Admin).map_err(Error::from))
        }

        /// Pauses registration, verification, reactivation and new
        /// emergency windows; deactivation, ending and reviewing windows and
        /// every query keep working.
        ///
        /// Requirements: the caller is the owner; the contract is running.
        ///
        /// # Errors
        /// `NotOwner`, `AlreadyPaused`.
        ///
        /// Emits `Paused`.
        #[ink(message)]
        pub fn pause(&mut self) -> Result<()> {
            let e = self.registry.admin.pause(self.caller());
            self.done(e.map(Event::Admin).map_err(Error::from))
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
            let e = self.registry.admin.unpause(self.caller());
            self.done(e.map(Event::Admin).map_err(Error::from))
        }

        /// Sets the delay between announcing an upgrade and applying it
        /// (pending announcements keep theirs).
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
            let e = self.registry.admin.set_upgrade_delay(self.caller(), delay);
            self.done(e.map(Event::Admin).map_err(Error::from))
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
            let e = self
                .registry
                .admin
                .announce_code(self.caller(), self.now(), code_hash);
            self.done(e.map(Event::Admin).map_err(Error::from))?;
            Ok(self
                .registry
                .admin
                .pending_code()
                .map_or(0, |a: Announced<Hash>| a.effective_at))
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
            let e = self.registry.admin.cancel_code(self.caller());
            self.done(e.map(Event::Admin).map_err(Error::from))
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
            let caller = self.caller();
            let code_hash = self.registry.admin.take_due_code(caller, self.now())?;
            // The announced code answers everything itself from now on.
            medrec_types::split::leave_split();
            self.env()
                .set_code_hash(&code_hash)
                .map_err(|_| Error::CodeUpgradeFailed)?;
            emit(Event::Admin(Admin::code_upgraded(caller, code_hash)));
            Ok(())
        }

        /// The version of the code answering calls: 1, or 2 in the build
        /// that the upgrade test switches to (feature `upgrade-v2`).
        #[ink(message)]
        pub fn code_version(&self) -> u32 {
            CODE_VERSION
        }
    }

    impl AccessControlApi for AccessControl {
        /// Registered, verified, active; the role allows `data_type` and
        /// `purpose`.
        #[ink(message)]
        fn check_access_permission(
            &self,
            provider: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> bool {
            self.registry.standing(provider, data_type, purpose)
                == medrec_types::ProviderStanding::Cleared
        }

        /// Registered, verified and currently active.
        #[ink(message)]
        fn is_verified_provider(&self, provider: AccountId) -> bool {
            self.registry.is_verified_provider(provider)
        }

        /// An open window, held by a provider still verified and active.
        #[ink(message)]
        fn check_emergency_access(&self, provider: AccountId, patient: AccountId) -> bool {
            self.registry
                .check_emergency_access(provider, patient, self.now())
        }

        /// The provider's standing for `data_type` and `purpose` and its
        /// emergency window on `patient`, in one call.
        #[ink(message)]
        fn assess_provider(
            &self,
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> ProviderAssessment {
            self.registry
                .assess_provider(provider, patient, data_type, purpose, self.now())
        }
    }
}
