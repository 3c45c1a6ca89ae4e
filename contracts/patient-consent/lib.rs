#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! # patient-consent
//!
//! Patients register, grant and revoke consents (per provider and data type,
//! with an expiry and the purposes of use they cover), approve or deny
//! providers' access requests (an approval can hand the provider its
//! record permissions in the same step), name delegates (guardian, power of
//! attorney) who act for them until an expiry, and choose what break-glass
//! may reach. Every change is appended to the patient's numbered consent
//! history and emitted as an event.
//!
//! The logic is plain Rust in [`core`]; the `#[ink::contract]` module below
//! is a thin shell: it reads the caller and the block time, asks
//! access-control about requesting providers (a real cross-contract call),
//! calls the core, hands an approval's permissions to record-management,
//! and emits. Revocation works while the contract is paused.

pub mod core;
pub mod data;
pub mod events;
#[cfg(feature = "hot")]
mod hot;

#[cfg(feature = "hot")]
pub use self::hot::patient_consent::{PatientConsent, PatientConsentRef};
#[cfg(not(feature = "hot"))]
pub use self::patient_consent::{PatientConsent, PatientConsentRef};
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
mod patient_consent {
    /// Version of this code, reported by `code_version`.
    const CODE_VERSION: u32 = if cfg!(feature = "upgrade-v2") { 2 } else { 1 };

    use crate::core::{ConsentRegistry, GrantOrder};
    use crate::data::*;
    use crate::events::{emit, Event};
    use ink::codegen::TraitCallBuilder;
    use ink::prelude::vec::Vec;
    use medrec_types::{
        AccessControlApi, AccessLevel, Admin, Announced, ConsentAnswer, DataType,
        EmergencyPreference, Link, PatientConsentApi, ProviderStanding, Purpose,
        RecordManagementApi, RecordType,
    };

    #[ink(storage)]
    pub struct PatientConsent {
        registry: ConsentRegistry,
    }

    impl PatientConsent {
        /// Deploys the consent registry; the caller becomes the owner.
        /// `access_control` is the access-control contract asked about
        /// requesting providers. record-management is wired afterwards with
        /// `set_record_management`.
        #[ink(constructor)]
        pub fn new(access_control: AccountId) -> Self {
            let contract = Self {
                registry: ConsentRegistry::new(Self::env().caller(), access_control),
            };
            medrec_types::split::switch_to_hot(crate::HOT_SHELL);
            contract
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

        fn admin_done(
            &self,
            event: core::result::Result<medrec_types::admin::AdminEvent, medrec_types::AdminError>,
        ) -> Result<()> {
            self.done(event.map(Event::Admin).map_err(Error::from))
        }

        // ---------------------------------------------------------------
        // Patients
        // ---------------------------------------------------------------

        /// Registers the caller as a patient.
        ///
        /// Requirements: the caller is not registered.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientAlreadyRegistered`.
        ///
        /// Emits `PatientRegistered`.
        #[ink(message)]
        pub fn register_patient(&mut self) -> Result<()> {
            let e = self.registry.register_patient(self.caller(), self.now());
            self.done(e)
        }

        /// The patient's registration, counters and emergency preference.
        #[ink(message)]
        pub fn get_patient(&self, patient: AccountId) -> Option<PatientInfo> {
            self.registry.get_patient(patient)
        }

        /// Sets what break-glass may reach: the non-sensitive types (the
        /// default), every type including the sensitive ones, or nothing
        /// (opt out).
        ///
        /// Requirements: the caller is the patient or an unexpired delegate.
        ///
        /// Pause: only a change that narrows what break-glass reaches works
        /// while paused.
        ///
        /// # Errors
        /// `PatientNotRegistered`, `NotAuthorized`, `ContractPaused`,
        /// `Overflow`.
        ///
        /// Emits `EmergencyPreferenceChanged`.
        #[ink(message)]
        pub fn set_emergency_preference(
            &mut self,
            patient: AccountId,
            preference: EmergencyPreference,
        ) -> Result<()> {
            let e = self.registry.set_emergency_preference(
                self.caller(),
                self.now(),
                patient,
                preference,
            );
            self.done(e)
        }

        /// The patient's break-glass preference (the default for an
        /// unregistered account).
        #[ink(message)]
        pub fn emergency_preference(&self, patient: AccountId) -> EmergencyPreference {
            self.registry.emergency_preference(patient)
        }

        // ---------------------------------------------------------------
        // Consents
        // ---------------------------------------------------------------

        /// `patient` consents to `provider` seeing `data_type` for the given
        /// purposes of use during `duration` ms from now; a consent for the
        /// same provider and data type is replaced. Returns the expiry.
        ///
        /// Requirements: the caller is the patient or an unexpired delegate;
        /// `provider` is neither the patient nor the caller; `duration` > 0;
        /// at least one purpose.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `NotAuthorized`,
        /// `NoPurpose`, `CannotTargetSelf`, `InvalidDuration`, `Overflow`.
        ///
        /// Emits `ConsentGranted`.
        #[ink(message)]
        pub fn grant_consent(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
            duration: Timestamp,
            purposes: Vec<Purpose>,
        ) -> Result<Timestamp> {
            let (expires_at, event) = self.registry.grant_consent(
                self.caller(),
                self.now(),
                patient,
                provider,
                data_type,
                duration,
                &purposes,
            )?;
            emit(event);
            Ok(expires_at)
        }

        /// Revokes the consent for `provider` and `data_type`.
        ///
        /// Requirements: the caller is the patient or an unexpired delegate;
        /// the consent exists and is active.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `PatientNotRegistered`, `NotAuthorized`, `ConsentNotFound`,
        /// `ConsentNotActive`, `Overflow`.
        ///
        /// Emits `ConsentRevoked`.
        #[ink(message)]
        pub fn revoke_consent(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> Result<()> {
            let e = self.registry.revoke_consent(
                self.caller(),
                self.now(),
                patient,
                provider,
                data_type,
            );
            self.done(e)
        }

        /// Replaces the purposes an active, unexpired consent covers.
        ///
        /// Requirements: the caller is the patient or an unexpired delegate;
        /// the consent is active and unexpired; at least one purpose.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `NotAuthorized`,
        /// `NoPurpose`, `ConsentNotFound`, `ConsentNotActive`,
        /// `ConsentExpired`, `Overflow`.
        ///
        /// Emits `ConsentPurposesUpdated`.
        #[ink(message)]
        pub fn update_consent_purposes(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
            purposes: Vec<Purpose>,
        ) -> Result<()> {
            let e = self.registry.update_consent_purposes(
                self.caller(),
                self.now(),
                patient,
                provider,
                data_type,
                &purposes,
            );
            self.done(e)
        }

        /// The stored consent for (patient, provider, data type), whatever
        /// its state.
        #[ink(message)]
        pub fn get_consent(
            &self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> Option<Consent> {
            self.registry.get_consent(patient, provider, data_type)
        }

        /// Up to `limit` (at most `MAX_PAGE`) of the patient's consents, in
        /// the order first granted, with their status now.
        #[ink(message)]
        pub fn consents_of(&self, patient: AccountId, from: u64, limit: u32) -> Vec<ConsentView> {
            self.registry.consents_of(patient, from, limit, self.now())
        }

        /// How many (patient, data type) consents `provider` was ever given.
        #[ink(message)]
        pub fn provider_consent_count(&self, provider: AccountId) -> u64 {
            self.registry.provider_consent_count(provider)
        }

        /// Up to `limit` (at most `MAX_PAGE`) consents given to `provider`
        /// (its patients), with their status now.
        #[ink(message)]
        pub fn consents_to(&self, provider: AccountId, from: u64, limit: u32) -> Vec<ConsentView> {
            self.registry.consents_to(provider, from, limit, self.now())
        }

        /// Whether `code` is the number of a data type (the original's
        /// `validate-data-type`; typed messages reject unknown codes anyway).
        #[ink(message)]
        pub fn validate_data_type(&self, code: u8) -> bool {
            DataType::ALL.iter().any(|d| *d as u8 == code)
        }

        // ---------------------------------------------------------------
        // History
        // ---------------------------------------------------------------

        /// Length of the patient's consent history.
        #[ink(message)]
        pub fn history_len(&self, patient: AccountId) -> u64 {
            self.registry.history_len(patient)
        }

        /// One entry of the patient's consent history.
        #[ink(message)]
        pub fn history_entry(&self, patient: AccountId, index: u64) -> Option<HistoryEntry> {
            self.registry.history_entry(patient, index)
        }

        /// Up to `limit` (at most `MAX_PAGE`) history entries from `from`.
        #[ink(message)]
        pub fn history(&self, patient: AccountId, from: u64, limit: u32) -> Vec<HistoryEntry> {
            self.registry.history(patient, from, limit)
        }

        // ---------------------------------------------------------------
        // Access requests
        // ---------------------------------------------------------------

        /// The caller, a provider, asks `patient` for consent to `data_type`
        /// for `purpose`. Returns the request id.
        ///
        /// Requirements: `patient` is registered and is not the caller;
        /// access-control finds the caller registered, verified and active,
        /// with a role that allows the data type and the purpose; the caller
        /// has no pending request for this patient and data type.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `CannotTargetSelf`,
        /// `ProviderNotRegistered`, `ProviderNotVerified`,
        /// `ProviderInactive`, `RoleNotAllowed`, `PurposeNotAllowed`,
        /// `RequestAlreadyPending`, `AccessControlUnavailable`, `Overflow`.
        ///
        /// Emits `AccessRequested`.
        #[ink(message)]
        pub fn request_access(
            &mut self,
            patient: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> Result<u64> {
            let caller = self.caller();
            self.registry.admin.ensure_running()?;
            let standing = self.provider_standing(caller, patient, data_type, purpose)?;
            let (id, event) = self.registry.request_access(
                caller,
                self.now(),
                patient,
                data_type,
                purpose,
                standing,
            )?;
            emit(event);
            Ok(id)
        }

        /// Approves a pending request: consents to its provider, data type
        /// and purpose (added to the purposes of a consent still in force)
        /// for `duration` ms; with `record_types`, record-management also
        /// gives the provider `level` on each of them until the same expiry,
        /// so one approval lets the provider act. Returns the expiry.
        ///
        /// Requirements: the caller is the patient or an unexpired delegate,
        /// and not the requesting provider; the request is pending;
        /// `duration` > 0; with record types: `level` is Read, Write or
        /// Admin, each type's data type is covered by the request's, and
        /// record-management accepts the grant.
        ///
        /// Pause: stops it (and so does a paused record-management, when
        /// record types are given).
        ///
        /// # Errors
        /// `ContractPaused`, `RequestNotFound`, `PatientNotRegistered`,
        /// `NotAuthorized`, `RequestNotPending`, `CannotTargetSelf`,
        /// `InvalidAccessLevel`, `RecordTypeNotRequested`,
        /// `RecordManagementNotSet`, `InvalidDuration`,
        /// `RecordManagementUnavailable`, `PermissionGrantRefused`,
        /// `Overflow`.
        ///
        /// Emits `ConsentGranted` and `AccessRequestApproved` (and
        /// record-management its audit events).
        #[ink(message)]
        pub fn approve_access_request(
            &mut self,
            request_id: u64,
            duration: Timestamp,
            record_types: Vec<RecordType>,
            level: AccessLevel,
        ) -> Result<Timestamp> {
            let approval = self.registry.approve_access_request(
                self.caller(),
                self.now(),
                request_id,
                duration,
                &record_types,
                level,
            )?;
            if let Some(order) = approval.grant {
                self.grant_in_record_management(order)?;
            }
            for event in approval.events {
                emit(event);
            }
            Ok(approval.expires_at)
        }

        /// Denies a pending request.
        ///
        /// Requirements: the caller is the patient or an unexpired delegate;
        /// the request is pending.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `RequestNotFound`, `PatientNotRegistered`,
        /// `NotAuthorized`, `RequestNotPending`, `Overflow`.
        ///
        /// Emits `AccessRequestDenied`.
        #[ink(message)]
        pub fn deny_access_request(&mut self, request_id: u64) -> Result<()> {
            let e = self
                .registry
                .deny_access_request(self.caller(), self.now(), request_id);
            self.done(e)
        }

        /// An access request and its status.
        #[ink(message)]
        pub fn get_access_request(&self, request_id: u64) -> Option<AccessRequest> {
            self.registry.get_access_request(request_id)
        }

        /// How many requests were ever made (the last id).
        #[ink(message)]
        pub fn request_count(&self) -> u64 {
            self.registry.request_count()
        }

        /// How many requests await the patient's decision.
        #[ink(message)]
        pub fn pending_count(&self, patient: AccountId) -> u64 {
            self.registry.pending_count(patient)
        }

        /// Up to `limit` (at most `MAX_PAGE`) requests awaiting the
        /// patient's decision, from position `from` (a decision moves the
        /// last pending request into the freed position).
        #[ink(message)]
        pub fn pending_requests(
            &self,
            patient: AccountId,
            from: u64,
            limit: u32,
        ) -> Vec<RequestView> {
            self.registry.pending_requests(patient, from, limit)
        }

        /// How many requests `provider` ever made.
        #[ink(message)]
        pub fn provider_request_count(&self, provider: AccountId) -> u64 {
            self.registry.provider_request_count(provider)
        }

        /// Up to `limit` (at most `MAX_PAGE`) requests `provider` made,
        /// oldest first, with their status.
        #[ink(message)]
        pub fn requests_by(&self, provider: AccountId, from: u64, limit: u32) -> Vec<RequestView> {
            self.registry.requests_by(provider, from, limit)
        }

        // ---------------------------------------------------------------
        // Delegates
        // ---------------------------------------------------------------

        /// The caller, a registered patient, names `delegate` for `duration`
        /// ms; naming the same delegate again renews it. Returns the expiry.
        ///
        /// Requirements: the caller is a registered patient (a delegate
        /// cannot name delegates); `delegate` is not the caller;
        /// `duration` > 0.
        ///
        /// Pause: stops it.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `CannotTargetSelf`,
        /// `InvalidDuration`, `Overflow`.
        ///
        /// Emits `DelegateAdded`.
        #[ink(message)]
        pub fn add_delegate(
            &mut self,
            delegate: AccountId,
            kind: DelegateKind,
            duration: Timestamp,
        ) -> Result<Timestamp> {
            let (expires_at, event) =
                self.registry
                    .add_delegate(self.caller(), self.now(), delegate, kind, duration)?;
            emit(event);
            Ok(expires_at)
        }

        /// Ends a delegation now: the patient removes the delegate, or the
        /// delegate steps down.
        ///
        /// Requirements: the caller is the patient or the delegate itself;
        /// the delegation has not expired.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotAuthorized`, `PatientNotRegistered`, `DelegateNotFound`,
        /// `Overflow`.
        ///
        /// Emits `DelegateRemoved`.
        #[ink(message)]
        pub fn remove_delegate(&mut self, patient: AccountId, delegate: AccountId) -> Result<()> {
            let e = self
                .registry
                .remove_delegate(self.caller(), self.now(), patient, delegate);
            self.done(e)
        }

        /// The delegation of `delegate` by `patient`, expired or not.
        #[ink(message)]
        pub fn get_delegate(&self, patient: AccountId, delegate: AccountId) -> Option<Delegation> {
            self.registry.get_delegate(patient, delegate)
        }

        /// Up to `limit` (at most `MAX_PAGE`) accounts `patient` ever named
        /// delegate, with whether each may act now.
        #[ink(message)]
        pub fn delegates_of(
            &self,
            patient: AccountId,
            from: u64,
            limit: u32,
        ) -> Vec<DelegationView> {
            self.registry.delegates_of(patient, from, limit, self.now())
        }

        /// How many patients ever named `delegate`.
        #[ink(message)]
        pub fn represented_count(&self, delegate: AccountId) -> u64 {
            self.registry.represented_count(delegate)
        }

        /// Up to `limit` (at most `MAX_PAGE`) patients who ever named
        /// `delegate`, with whether it may act for each now.
        #[ink(message)]
        pub fn represented_by(
            &self,
            delegate: AccountId,
            from: u64,
            limit: u32,
        ) -> Vec<DelegationView> {
            self.registry
                .represented_by(delegate, from, limit, self.now())
        }

        // ---------------------------------------------------------------
        // Links to the other contracts
        // ---------------------------------------------------------------

        /// The access-control contract this contract asks.
        #[ink(message)]
        pub fn access_control(&self) -> AccountId {
            self.registry.access_control()
        }

        /// The record-management contract approvals hand permissions to.
        #[ink(message)]
        pub fn record_management(&self) -> Option<AccountId> {
            self.registry.record_management()
        }

        /// Wires record-management, once (it is deployed after this
        /// contract); later changes are announced and delayed.
        ///
        /// Requirements: the caller is the owner; the link is not set; the
        /// target is not this contract.
        ///
        /// Pause: works while paused.
        ///
        /// # Errors
        /// `NotOwner`, `LinkAlreadySet`, `CannotTargetSelf`.
        ///
        /// Emits `LinkChanged`.
        #[ink(message)]
        pub fn set_record_management(&mut self, record_management: AccountId) -> Result<()> {
            let this = self.env().account_id();
            let e = self
                .registry
                .set_record_management(self.caller(), this, record_management);
            self.done(e)
        }

        /// The announced repoint of `link`, if any.
        #[ink(message)]
        pub fn pending_link(&self, link: Link) -> Option<Announced<AccountId>> {
            self.registry.pending_link(link)
        }

        /// Announces repointing `link` (AccessControl or RecordManagement)
        /// at `target`; `apply_link` may do it once the upgrade delay has
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
            let this = self.env().account_id();
            let (at, event) =
                self.registry
                    .announce_link(self.caller(), self.now(), this, link, target)?;
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
            let e = self.registry.cancel_link(self.caller(), link);
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
            let e = self.registry.apply_link(self.caller(), self.now(), link);
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

        /// Whether the contract is paused.
        #[ink(message)]
        pub fn paused(&self) -> bool {
            self.registry.admin.paused()
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
            let e = self.registry.admin.accept_ownership(self.caller());
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
            let e = self.registry.admin.cancel_ownership_proposal(self.caller());
            self.admin_done(e)
        }

        /// Pauses every change except revocations, delegate removal and
        /// narrowing the break-glass preference.
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
            let e = self.registry.admin.unpause(self.caller());
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
            let e = self.registry.admin.set_upgrade_delay(self.caller(), delay);
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
            let e = self
                .registry
                .admin
                .announce_code(self.caller(), self.now(), code_hash);
            self.admin_done(e)?;
            Ok(self
                .registry
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
            let e = self.registry.admin.cancel_code(self.caller());
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

        // ---------------------------------------------------------------
        // Cross-contract calls: each maps every failure to a named error
        // ---------------------------------------------------------------

        /// One call to access-control.
        fn provider_standing(
            &self,
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> Result<ProviderStanding> {
            let access_control: ink::contract_ref!(AccessControlApi) =
                self.registry.access_control().into();
            match access_control
                .call()
                .assess_provider(provider, patient, data_type, purpose)
                .try_invoke()
            {
                Ok(Ok(assessment)) => Ok(assessment.standing),
                _ => Err(Error::AccessControlUnavailable),
            }
        }

        /// One call to record-management, which checks that the caller is
        /// this contract.
        fn grant_in_record_management(&self, order: GrantOrder) -> Result<()> {
            let target = self
                .registry
                .record_management()
                .ok_or(Error::RecordManagementNotSet)?;
            let mut record_management: ink::contract_ref!(RecordManagementApi) = target.into();
            match record_management
                .call_mut()
                .grant_on_approval(
                    order.patient,
                    order.provider,
                    order.actor,
                    order.record_types,
                    order.level,
                    order.expires_at,
                    order.request_id,
                )
                .try_invoke()
            {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(_))) => Err(Error::PermissionGrantRefused),
                _ => Err(Error::RecordManagementUnavailable),
            }
        }
    }

    impl PatientConsentApi for PatientConsent {
        /// Consent for the actor, data type and purpose; whether the actor
        /// may act for the patient; the patient's break-glass preference.
        #[ink(message)]
        fn consult(
            &self,
            patient: AccountId,
            actor: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> ConsentAnswer {
            self.registry
                .consult(patient, actor, data_type, purpose, self.now())
        }

        /// An active, unexpired consent covers the provider, the data type
        /// (`All` covers every non-sensitive type) and the purpose.
        #[ink(message)]
        fn check_consent(
            &self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> bool {
            self.registry
                .consent_check(patient, provider, data_type, purpose, self.now())
                == medrec_types::ConsentCheck::Given
        }

        /// `actor` is the registered patient or an unexpired delegate.
        #[ink(message)]
        fn acts_for(&self, patient: AccountId, actor: AccountId) -> bool {
            self.registry.acts_for(patient, actor, self.now())
        }

        /// The patient has registered.
        #[ink(message)]
        fn is_registered(&self, patient: AccountId) -> bool {
            self.registry.is_registered(patient)
        }
    }
}
