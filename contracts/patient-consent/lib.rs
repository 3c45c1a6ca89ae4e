#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! # patient-consent
//!
//! Patients register, grant and revoke consents (per provider and data type,
//! with an expiry and an HL7 purpose-of-use code), approve or deny providers'
//! access requests, and name delegates (guardian, power of attorney) who may
//! act for them until an expiry. Every change is appended to the patient's
//! numbered consent history and emitted as an event.
//!
//! `request_access` asks access-control (a real cross-contract call) whether
//! the requesting provider is verified, active and allowed the data type.
//! Revocation works while the contract is paused.

pub use self::patient_consent::{
    AccessRequest, Consent, ConsentAction, DelegateKind, Delegation, Error, HistoryEntry,
    PatientConsent, PatientConsentRef, PatientInfo, RequestStatus,
};

/// The contract's events, for Rust clients that decode them (the
/// node-backed e2e tests do): each is SCALE-decodable from a
/// `ContractEmitted` event's data, and its first topic is its signature
/// topic (`ink::env::Event::SIGNATURE_TOPIC`).
pub mod events {
    pub use crate::patient_consent::{
        AccessControlChanged, AccessRequestApproved, AccessRequestDenied, AccessRequested,
        CodeUpgraded, ConsentGranted, ConsentPurposeUpdated, ConsentRevoked, DelegateAdded,
        DelegateRemoved, OwnershipTransferred, PatientRegistered, Paused, Unpaused,
    };
}

#[cfg(test)]
mod tests;

#[ink::contract]
mod patient_consent {
    /// Version of this code, reported by `code_version`.
    const CODE_VERSION: u32 = if cfg!(feature = "upgrade-v2") { 2 } else { 1 };

    use ink::codegen::TraitCallBuilder;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use medrec_types::{
        page_limit, AccessControlApi, DataType, PatientConsentApi, ProviderStanding, Purpose,
    };

    /// A registered patient.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PatientInfo {
        pub registered_at: Timestamp,
        /// Consents ever granted (re-grants included).
        pub consents_granted: u32,
        /// Consents ever revoked.
        pub consents_revoked: u32,
        /// Length of the patient's consent history.
        pub history_len: u64,
    }

    /// A consent of one patient for one provider and one data type.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Consent {
        pub granted_at: Timestamp,
        pub expires_at: Timestamp,
        pub purpose: Purpose,
        pub active: bool,
        /// The patient, or the delegate who granted it.
        pub granted_by: AccountId,
        /// The access request this consent answered, if any.
        pub request_id: Option<u64>,
    }

    impl Consent {
        fn is_valid_at(&self, now: Timestamp) -> bool {
            self.active && now < self.expires_at
        }
    }

    /// What a history entry records.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ConsentAction {
        Granted,
        Revoked,
        PurposeUpdated,
        RequestDenied,
        DelegateAdded,
        DelegateRemoved,
    }

    /// One entry of a patient's consent history (append-only, from 0).
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct HistoryEntry {
        /// Who acted: the patient or a delegate.
        pub actor: AccountId,
        pub action: ConsentAction,
        /// The provider concerned (for delegate actions: the delegate).
        pub subject: AccountId,
        pub data_type: Option<DataType>,
        pub purpose: Option<Purpose>,
        pub expires_at: Option<Timestamp>,
        pub request_id: Option<u64>,
        pub at: Timestamp,
    }

    /// Status of an access request.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum RequestStatus {
        Pending,
        Approved,
        Denied,
    }

    /// A provider's request for a patient's consent.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AccessRequest {
        pub patient: AccountId,
        pub provider: AccountId,
        pub data_type: DataType,
        pub purpose: Purpose,
        pub requested_at: Timestamp,
        pub status: RequestStatus,
        pub decided_by: Option<AccountId>,
        pub decided_at: Option<Timestamp>,
    }

    /// The kind of authority a delegate holds.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DelegateKind {
        Guardian,
        PowerOfAttorney,
    }

    /// A delegation from a patient.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Delegation {
        pub kind: DelegateKind,
        pub added_at: Timestamp,
        pub expires_at: Timestamp,
    }

    /// Every way a message of this contract can fail.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Error {
        /// Only the contract owner may do this.
        NotOwner,
        /// `set_code` named a code hash that is not uploaded (or the runtime refused it).
        CodeUpgradeFailed,
        /// The contract is paused (only revocations work).
        ContractPaused,
        /// `pause` on a paused contract.
        AlreadyPaused,
        /// `unpause` on a running contract.
        NotPaused,
        /// The caller registered already.
        PatientAlreadyRegistered,
        /// The patient has not registered.
        PatientNotRegistered,
        /// A duration of zero.
        InvalidDuration,
        /// A patient cannot consent to, delegate to, or request from itself.
        CannotTargetSelf,
        /// No consent exists for that provider and data type.
        ConsentNotFound,
        /// The consent was revoked already.
        ConsentNotActive,
        /// The consent has expired.
        ConsentExpired,
        /// The caller is neither the patient nor an unexpired delegate.
        NotAuthorized,
        /// No access request has that id.
        RequestNotFound,
        /// The request was decided already.
        RequestNotPending,
        /// The requesting provider is not registered in access-control.
        ProviderNotRegistered,
        /// The requesting provider is not verified.
        ProviderNotVerified,
        /// The requesting provider has been deactivated.
        ProviderInactive,
        /// The requesting provider's role does not allow the data type.
        RoleNotAllowed,
        /// The access-control contract could not be called or trapped.
        AccessControlUnavailable,
        /// No delegation exists for that account.
        DelegateNotFound,
        /// A time or counter would overflow.
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    /// (patient, provider, data type): the key of a consent.
    type ConsentKey = (AccountId, AccountId, DataType);

    #[ink(event)]
    pub struct PatientRegistered {
        #[ink(topic)]
        pub patient: AccountId,
    }

    #[ink(event)]
    pub struct ConsentGranted {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub data_type: DataType,
        pub purpose: Purpose,
        pub expires_at: Timestamp,
        /// The patient or the delegate who acted.
        #[ink(topic)]
        pub actor: AccountId,
        pub request_id: Option<u64>,
    }

    #[ink(event)]
    pub struct ConsentRevoked {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub data_type: DataType,
        #[ink(topic)]
        pub actor: AccountId,
    }

    #[ink(event)]
    pub struct ConsentPurposeUpdated {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub data_type: DataType,
        pub purpose: Purpose,
    }

    #[ink(event)]
    pub struct AccessRequested {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub request_id: u64,
        pub data_type: DataType,
        pub purpose: Purpose,
    }

    #[ink(event)]
    pub struct AccessRequestApproved {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub request_id: u64,
        #[ink(topic)]
        pub actor: AccountId,
    }

    #[ink(event)]
    pub struct AccessRequestDenied {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub provider: AccountId,
        pub request_id: u64,
        #[ink(topic)]
        pub actor: AccountId,
    }

    #[ink(event)]
    pub struct DelegateAdded {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub delegate: AccountId,
        pub kind: DelegateKind,
        pub expires_at: Timestamp,
    }

    #[ink(event)]
    pub struct DelegateRemoved {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub delegate: AccountId,
    }

    #[ink(event)]
    pub struct Paused {
        #[ink(topic)]
        pub by: AccountId,
    }

    #[ink(event)]
    pub struct Unpaused {
        #[ink(topic)]
        pub by: AccountId,
    }

    #[ink(event)]
    pub struct AccessControlChanged {
        pub old: AccountId,
        pub new: AccountId,
    }

    /// The contract's code was replaced (`set_code`); storage and address stay.
    #[ink(event)]
    pub struct CodeUpgraded {
        #[ink(topic)]
        pub code_hash: Hash,
        #[ink(topic)]
        pub by: AccountId,
    }

    #[ink(event)]
    pub struct OwnershipTransferred {
        #[ink(topic)]
        pub previous_owner: AccountId,
        #[ink(topic)]
        pub new_owner: AccountId,
    }

    #[ink(storage)]
    pub struct PatientConsent {
        owner: AccountId,
        access_control: AccountId,
        paused: bool,
        patients: Mapping<AccountId, PatientInfo>,
        /// (patient, provider, data type) -> consent.
        consents: Mapping<ConsentKey, Consent>,
        /// (patient, index) -> history entry; indexes run from 0 per patient.
        history: Mapping<(AccountId, u64), HistoryEntry>,
        requests: Mapping<u64, AccessRequest>,
        /// Id the next request gets; ids start at 1.
        next_request_id: u64,
        /// (patient, delegate) -> delegation.
        delegates: Mapping<(AccountId, AccountId), Delegation>,
    }

    impl PatientConsent {
        /// Deploys the consent registry; the caller becomes the owner.
        /// `access_control` is the access-control contract asked about
        /// requesting providers.
        #[ink(constructor)]
        pub fn new(access_control: AccountId) -> Self {
            Self {
                owner: Self::env().caller(),
                access_control,
                paused: false,
                patients: Mapping::default(),
                consents: Mapping::default(),
                history: Mapping::default(),
                requests: Mapping::default(),
                next_request_id: 1,
                delegates: Mapping::default(),
            }
        }

        // ---------------------------------------------------------------
        // Patients
        // ---------------------------------------------------------------

        /// Registers the caller as a patient.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientAlreadyRegistered`.
        ///
        /// Emits `PatientRegistered` on success.
        #[ink(message)]
        pub fn register_patient(&mut self) -> Result<()> {
            self.ensure_running()?;
            let patient = self.env().caller();
            if self.patients.contains(patient) {
                return Err(Error::PatientAlreadyRegistered);
            }
            self.patients.insert(
                patient,
                &PatientInfo {
                    registered_at: self.env().block_timestamp(),
                    consents_granted: 0,
                    consents_revoked: 0,
                    history_len: 0,
                },
            );
            self.env().emit_event(PatientRegistered { patient });
            Ok(())
        }

        /// The patient's registration and counters.
        #[ink(message)]
        pub fn get_patient(&self, patient: AccountId) -> Option<PatientInfo> {
            self.patients.get(patient)
        }

        // ---------------------------------------------------------------
        // Consents
        // ---------------------------------------------------------------

        /// The caller (a registered patient) consents to `provider` seeing
        /// `data_type` for `purpose` during `duration` milliseconds from now.
        /// A consent for the same provider and data type is replaced.
        /// Returns the expiry.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `InvalidDuration`,
        /// `CannotTargetSelf`, `Overflow`.
        ///
        /// Emits `ConsentGranted` and appends to the history on success.
        #[ink(message)]
        pub fn grant_consent(
            &mut self,
            provider: AccountId,
            data_type: DataType,
            duration: Timestamp,
            purpose: Purpose,
        ) -> Result<Timestamp> {
            let patient = self.env().caller();
            self.grant_impl(
                patient, patient, provider, data_type, duration, purpose, None,
            )
        }

        /// [`Self::grant_consent`] by a delegate on behalf of `patient`.
        ///
        /// # Errors
        /// As `grant_consent`, and `NotAuthorized` when the caller is not an
        /// unexpired delegate of `patient`.
        #[ink(message)]
        pub fn grant_consent_as_delegate(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
            duration: Timestamp,
            purpose: Purpose,
        ) -> Result<Timestamp> {
            let actor = self.env().caller();
            self.grant_impl(actor, patient, provider, data_type, duration, purpose, None)
        }

        /// The caller revokes its consent for `provider` and `data_type`.
        /// Works while the contract is paused.
        ///
        /// # Errors
        /// `PatientNotRegistered`, `ConsentNotFound`, `ConsentNotActive`,
        /// `Overflow`.
        ///
        /// Emits `ConsentRevoked` and appends to the history on success.
        #[ink(message)]
        pub fn revoke_consent(&mut self, provider: AccountId, data_type: DataType) -> Result<()> {
            let patient = self.env().caller();
            self.revoke_impl(patient, patient, provider, data_type)
        }

        /// [`Self::revoke_consent`] by a delegate on behalf of `patient`.
        ///
        /// # Errors
        /// As `revoke_consent`, and `NotAuthorized`.
        #[ink(message)]
        pub fn revoke_consent_as_delegate(
            &mut self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> Result<()> {
            let actor = self.env().caller();
            self.revoke_impl(actor, patient, provider, data_type)
        }

        /// The caller changes the purpose of an active, unexpired consent.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `ConsentNotFound`,
        /// `ConsentNotActive`, `ConsentExpired`, `Overflow`.
        ///
        /// Emits `ConsentPurposeUpdated` and appends to the history on success.
        #[ink(message)]
        pub fn update_consent_purpose(
            &mut self,
            provider: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> Result<()> {
            self.ensure_running()?;
            let patient = self.env().caller();
            let mut info = self.ensure_acts_for(patient, patient)?;
            let now = self.env().block_timestamp();
            let mut consent = self
                .consents
                .get((patient, provider, data_type))
                .ok_or(Error::ConsentNotFound)?;
            if !consent.active {
                return Err(Error::ConsentNotActive);
            }
            if now >= consent.expires_at {
                return Err(Error::ConsentExpired);
            }
            consent.purpose = purpose;
            self.append_history(
                patient,
                &mut info,
                HistoryEntry {
                    actor: patient,
                    action: ConsentAction::PurposeUpdated,
                    subject: provider,
                    data_type: Some(data_type),
                    purpose: Some(purpose),
                    expires_at: Some(consent.expires_at),
                    request_id: consent.request_id,
                    at: now,
                },
            )?;
            self.patients.insert(patient, &info);
            self.consents
                .insert((patient, provider, data_type), &consent);
            self.env().emit_event(ConsentPurposeUpdated {
                patient,
                provider,
                data_type,
                purpose,
            });
            Ok(())
        }

        /// The stored consent for (patient, provider, data type), whatever its
        /// state.
        #[ink(message)]
        pub fn get_consent(
            &self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> Option<Consent> {
            self.consents.get((patient, provider, data_type))
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
            self.patients.get(patient).map_or(0, |p| p.history_len)
        }

        /// One entry of the patient's consent history.
        #[ink(message)]
        pub fn history_entry(&self, patient: AccountId, index: u64) -> Option<HistoryEntry> {
            self.history.get((patient, index))
        }

        /// Up to `limit` (capped at `MAX_PAGE`) history entries from `from`.
        #[ink(message)]
        pub fn history(&self, patient: AccountId, from: u64, limit: u32) -> Vec<HistoryEntry> {
            let end = from
                .saturating_add(u64::from(page_limit(limit)))
                .min(self.history_len(patient));
            (from..end)
                .filter_map(|index| self.history.get((patient, index)))
                .collect()
        }

        // ---------------------------------------------------------------
        // Access requests
        // ---------------------------------------------------------------

        /// The caller, a provider, asks `patient` for consent to `data_type`.
        /// Access-control must find it registered, verified, active and its
        /// role allowed the data type. Returns the request id.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `CannotTargetSelf`,
        /// `ProviderNotRegistered`, `ProviderNotVerified`, `ProviderInactive`,
        /// `RoleNotAllowed`, `AccessControlUnavailable`, `Overflow`.
        ///
        /// Emits `AccessRequested` on success.
        #[ink(message)]
        pub fn request_access(
            &mut self,
            patient: AccountId,
            data_type: DataType,
            purpose: Purpose,
        ) -> Result<u64> {
            self.ensure_running()?;
            let provider = self.env().caller();
            if !self.patients.contains(patient) {
                return Err(Error::PatientNotRegistered);
            }
            if provider == patient {
                return Err(Error::CannotTargetSelf);
            }
            let standing = self.provider_standing(provider, patient, data_type)?;
            self.request_access_inner(provider, patient, data_type, purpose, standing)
        }

        /// Approves a pending request: creates the consent it asked for, for
        /// `duration` milliseconds. The patient or an unexpired delegate may
        /// approve. Returns the consent's expiry.
        ///
        /// # Errors
        /// `ContractPaused`, `RequestNotFound`, `NotAuthorized`,
        /// `RequestNotPending`, `InvalidDuration`, `Overflow`.
        ///
        /// Emits `AccessRequestApproved` and `ConsentGranted` on success.
        #[ink(message)]
        pub fn approve_access_request(
            &mut self,
            request_id: u64,
            duration: Timestamp,
        ) -> Result<Timestamp> {
            self.ensure_running()?;
            let actor = self.env().caller();
            let (mut request, _) = self.pending_request(actor, request_id)?;
            let expires_at = self.grant_impl(
                actor,
                request.patient,
                request.provider,
                request.data_type,
                duration,
                request.purpose,
                Some(request_id),
            )?;
            request.status = RequestStatus::Approved;
            request.decided_by = Some(actor);
            request.decided_at = Some(self.env().block_timestamp());
            self.requests.insert(request_id, &request);
            self.env().emit_event(AccessRequestApproved {
                patient: request.patient,
                provider: request.provider,
                request_id,
                actor,
            });
            Ok(expires_at)
        }

        /// Denies a pending request. The patient or an unexpired delegate may
        /// deny.
        ///
        /// # Errors
        /// `ContractPaused`, `RequestNotFound`, `NotAuthorized`,
        /// `RequestNotPending`, `Overflow`.
        ///
        /// Emits `AccessRequestDenied` and appends to the history on success.
        #[ink(message)]
        pub fn deny_access_request(&mut self, request_id: u64) -> Result<()> {
            self.ensure_running()?;
            let actor = self.env().caller();
            let (mut request, mut info) = self.pending_request(actor, request_id)?;
            let now = self.env().block_timestamp();
            self.append_history(
                request.patient,
                &mut info,
                HistoryEntry {
                    actor,
                    action: ConsentAction::RequestDenied,
                    subject: request.provider,
                    data_type: Some(request.data_type),
                    purpose: Some(request.purpose),
                    expires_at: None,
                    request_id: Some(request_id),
                    at: now,
                },
            )?;
            request.status = RequestStatus::Denied;
            request.decided_by = Some(actor);
            request.decided_at = Some(now);
            self.patients.insert(request.patient, &info);
            self.requests.insert(request_id, &request);
            self.env().emit_event(AccessRequestDenied {
                patient: request.patient,
                provider: request.provider,
                request_id,
                actor,
            });
            Ok(())
        }

        /// An access request and its status.
        #[ink(message)]
        pub fn get_access_request(&self, request_id: u64) -> Option<AccessRequest> {
            self.requests.get(request_id)
        }

        /// How many requests were ever made (the last id).
        #[ink(message)]
        pub fn request_count(&self) -> u64 {
            self.next_request_id.saturating_sub(1)
        }

        // ---------------------------------------------------------------
        // Delegates
        // ---------------------------------------------------------------

        /// The caller (a registered patient) names `delegate` for `duration`
        /// milliseconds; an existing delegation of the same account is
        /// replaced. Returns the expiry.
        ///
        /// # Errors
        /// `ContractPaused`, `PatientNotRegistered`, `CannotTargetSelf`,
        /// `InvalidDuration`, `Overflow`.
        ///
        /// Emits `DelegateAdded` and appends to the history on success.
        #[ink(message)]
        pub fn add_delegate(
            &mut self,
            delegate: AccountId,
            kind: DelegateKind,
            duration: Timestamp,
        ) -> Result<Timestamp> {
            self.ensure_running()?;
            let patient = self.env().caller();
            let mut info = self.ensure_acts_for(patient, patient)?;
            if delegate == patient {
                return Err(Error::CannotTargetSelf);
            }
            if duration == 0 {
                return Err(Error::InvalidDuration);
            }
            let now = self.env().block_timestamp();
            let expires_at = now.checked_add(duration).ok_or(Error::Overflow)?;
            self.append_history(
                patient,
                &mut info,
                HistoryEntry {
                    actor: patient,
                    action: ConsentAction::DelegateAdded,
                    subject: delegate,
                    data_type: None,
                    purpose: None,
                    expires_at: Some(expires_at),
                    request_id: None,
                    at: now,
                },
            )?;
            self.patients.insert(patient, &info);
            self.delegates.insert(
                (patient, delegate),
                &Delegation {
                    kind,
                    added_at: now,
                    expires_at,
                },
            );
            self.env().emit_event(DelegateAdded {
                patient,
                delegate,
                kind,
                expires_at,
            });
            Ok(expires_at)
        }

        /// The caller removes a delegation. Works while paused.
        ///
        /// # Errors
        /// `PatientNotRegistered`, `DelegateNotFound`, `Overflow`.
        ///
        /// Emits `DelegateRemoved` and appends to the history on success.
        #[ink(message)]
        pub fn remove_delegate(&mut self, delegate: AccountId) -> Result<()> {
            let patient = self.env().caller();
            let mut info = self.ensure_acts_for(patient, patient)?;
            if !self.delegates.contains((patient, delegate)) {
                return Err(Error::DelegateNotFound);
            }
            self.append_history(
                patient,
                &mut info,
                HistoryEntry {
                    actor: patient,
                    action: ConsentAction::DelegateRemoved,
                    subject: delegate,
                    data_type: None,
                    purpose: None,
                    expires_at: None,
                    request_id: None,
                    at: self.env().block_timestamp(),
                },
            )?;
            self.patients.insert(patient, &info);
            self.delegates.remove((patient, delegate));
            self.env().emit_event(DelegateRemoved { patient, delegate });
            Ok(())
        }

        /// The delegation of `delegate` by `patient`, expired or not.
        #[ink(message)]
        pub fn get_delegate(&self, patient: AccountId, delegate: AccountId) -> Option<Delegation> {
            self.delegates.get((patient, delegate))
        }

        // ---------------------------------------------------------------
        // Administration
        // ---------------------------------------------------------------

        /// The contract owner.
        #[ink(message)]
        pub fn owner(&self) -> AccountId {
            self.owner
        }

        /// The access-control contract this contract asks.
        #[ink(message)]
        pub fn access_control(&self) -> AccountId {
            self.access_control
        }

        /// Whether the contract is paused.
        #[ink(message)]
        pub fn paused(&self) -> bool {
            self.paused
        }

        /// Points the contract at another access-control contract.
        ///
        /// # Errors
        /// `NotOwner`. Emits `AccessControlChanged`.
        #[ink(message)]
        pub fn set_access_control(&mut self, access_control: AccountId) -> Result<()> {
            self.ensure_owner()?;
            let old = self.access_control;
            self.access_control = access_control;
            self.env().emit_event(AccessControlChanged {
                old,
                new: access_control,
            });
            Ok(())
        }

        /// Pauses every change except revocations and delegate removal.
        ///
        /// # Errors
        /// `NotOwner`, `AlreadyPaused`. Emits `Paused`.
        #[ink(message)]
        pub fn pause(&mut self) -> Result<()> {
            let by = self.ensure_owner()?;
            if self.paused {
                return Err(Error::AlreadyPaused);
            }
            self.paused = true;
            self.env().emit_event(Paused { by });
            Ok(())
        }

        /// Resumes normal operation.
        ///
        /// # Errors
        /// `NotOwner`, `NotPaused`. Emits `Unpaused`.
        #[ink(message)]
        pub fn unpause(&mut self) -> Result<()> {
            let by = self.ensure_owner()?;
            if !self.paused {
                return Err(Error::NotPaused);
            }
            self.paused = false;
            self.env().emit_event(Unpaused { by });
            Ok(())
        }

        /// Replaces this contract's code with already-uploaded code, keeping
        /// the address and every stored value (pallet-contracts
        /// `set_code_hash`). The new code must keep the storage layout: see
        /// "Upgrades" in the README.
        ///
        /// # Errors
        /// `NotOwner`; `CodeUpgradeFailed` when no code with `code_hash` is
        /// uploaded.
        ///
        /// Emits `CodeUpgraded` on success.
        #[ink(message)]
        pub fn set_code(&mut self, code_hash: Hash) -> Result<()> {
            let by = self.ensure_owner()?;
            self.env()
                .set_code_hash(&code_hash)
                .map_err(|_| Error::CodeUpgradeFailed)?;
            self.env().emit_event(CodeUpgraded { code_hash, by });
            Ok(())
        }

        /// The version of the code answering calls: 1, or 2 in the build
        /// that the upgrade test switches to (feature `upgrade-v2`).
        #[ink(message)]
        pub fn code_version(&self) -> u32 {
            CODE_VERSION
        }

        /// Hands ownership to `new_owner`.
        ///
        /// # Errors
        /// `NotOwner`. Emits `OwnershipTransferred`.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            let previous_owner = self.ensure_owner()?;
            self.owner = new_owner;
            self.env().emit_event(OwnershipTransferred {
                previous_owner,
                new_owner,
            });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Internals
        // ---------------------------------------------------------------

        /// The request logic once access-control has judged the provider;
        /// split out so unit tests can drive it without a cross-contract call.
        pub(crate) fn request_access_inner(
            &mut self,
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
            purpose: Purpose,
            standing: ProviderStanding,
        ) -> Result<u64> {
            match standing {
                ProviderStanding::Cleared => {}
                ProviderStanding::NotRegistered => return Err(Error::ProviderNotRegistered),
                ProviderStanding::NotVerified => return Err(Error::ProviderNotVerified),
                ProviderStanding::Inactive => return Err(Error::ProviderInactive),
                ProviderStanding::RoleNotAllowed => return Err(Error::RoleNotAllowed),
            }
            let request_id = self.next_request_id;
            self.next_request_id = request_id.checked_add(1).ok_or(Error::Overflow)?;
            self.requests.insert(
                request_id,
                &AccessRequest {
                    patient,
                    provider,
                    data_type,
                    purpose,
                    requested_at: self.env().block_timestamp(),
                    status: RequestStatus::Pending,
                    decided_by: None,
                    decided_at: None,
                },
            );
            self.env().emit_event(AccessRequested {
                patient,
                provider,
                request_id,
                data_type,
                purpose,
            });
            Ok(request_id)
        }

        /// One cross-contract call to access-control.
        fn provider_standing(
            &self,
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
        ) -> Result<ProviderStanding> {
            let access_control: ink::contract_ref!(AccessControlApi) = self.access_control.into();
            match access_control
                .call()
                .assess_provider(provider, patient, data_type)
                .try_invoke()
            {
                Ok(Ok(assessment)) => Ok(assessment.standing),
                _ => Err(Error::AccessControlUnavailable),
            }
        }

        #[allow(clippy::too_many_arguments)]
        fn grant_impl(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
            duration: Timestamp,
            purpose: Purpose,
            request_id: Option<u64>,
        ) -> Result<Timestamp> {
            self.ensure_running()?;
            let mut info = self.ensure_acts_for(patient, actor)?;
            if provider == patient {
                return Err(Error::CannotTargetSelf);
            }
            if duration == 0 {
                return Err(Error::InvalidDuration);
            }
            let now = self.env().block_timestamp();
            let expires_at = now.checked_add(duration).ok_or(Error::Overflow)?;
            info.consents_granted = info
                .consents_granted
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            self.append_history(
                patient,
                &mut info,
                HistoryEntry {
                    actor,
                    action: ConsentAction::Granted,
                    subject: provider,
                    data_type: Some(data_type),
                    purpose: Some(purpose),
                    expires_at: Some(expires_at),
                    request_id,
                    at: now,
                },
            )?;
            self.patients.insert(patient, &info);
            self.consents.insert(
                (patient, provider, data_type),
                &Consent {
                    granted_at: now,
                    expires_at,
                    purpose,
                    active: true,
                    granted_by: actor,
                    request_id,
                },
            );
            self.env().emit_event(ConsentGranted {
                patient,
                provider,
                data_type,
                purpose,
                expires_at,
                actor,
                request_id,
            });
            Ok(expires_at)
        }

        fn revoke_impl(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> Result<()> {
            // Deliberately no pause check: revocation always works.
            let mut info = self.ensure_acts_for(patient, actor)?;
            let mut consent = self
                .consents
                .get((patient, provider, data_type))
                .ok_or(Error::ConsentNotFound)?;
            if !consent.active {
                return Err(Error::ConsentNotActive);
            }
            consent.active = false;
            info.consents_revoked = info
                .consents_revoked
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            self.append_history(
                patient,
                &mut info,
                HistoryEntry {
                    actor,
                    action: ConsentAction::Revoked,
                    subject: provider,
                    data_type: Some(data_type),
                    purpose: Some(consent.purpose),
                    expires_at: Some(consent.expires_at),
                    request_id: consent.request_id,
                    at: self.env().block_timestamp(),
                },
            )?;
            self.patients.insert(patient, &info);
            self.consents
                .insert((patient, provider, data_type), &consent);
            self.env().emit_event(ConsentRevoked {
                patient,
                provider,
                data_type,
                actor,
            });
            Ok(())
        }

        /// A pending request that `actor` may decide.
        fn pending_request(
            &self,
            actor: AccountId,
            request_id: u64,
        ) -> Result<(AccessRequest, PatientInfo)> {
            let request = self
                .requests
                .get(request_id)
                .ok_or(Error::RequestNotFound)?;
            let info = self.ensure_acts_for(request.patient, actor)?;
            if request.status != RequestStatus::Pending {
                return Err(Error::RequestNotPending);
            }
            Ok((request, info))
        }

        /// The patient's record, when `actor` is the registered patient or an
        /// unexpired delegate of it.
        fn ensure_acts_for(&self, patient: AccountId, actor: AccountId) -> Result<PatientInfo> {
            let info = self
                .patients
                .get(patient)
                .ok_or(Error::PatientNotRegistered)?;
            if actor == patient || self.is_delegate_now(patient, actor) {
                Ok(info)
            } else {
                Err(Error::NotAuthorized)
            }
        }

        fn is_delegate_now(&self, patient: AccountId, actor: AccountId) -> bool {
            let now = self.env().block_timestamp();
            self.delegates
                .get((patient, actor))
                .is_some_and(|d| now < d.expires_at)
        }

        /// Appends to the patient's history and counts it in `info`, which
        /// the caller writes back.
        fn append_history(
            &mut self,
            patient: AccountId,
            info: &mut PatientInfo,
            entry: HistoryEntry,
        ) -> Result<u64> {
            let index = info.history_len;
            info.history_len = index.checked_add(1).ok_or(Error::Overflow)?;
            self.history.insert((patient, index), &entry);
            Ok(index)
        }

        fn ensure_owner(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if caller == self.owner {
                Ok(caller)
            } else {
                Err(Error::NotOwner)
            }
        }

        fn ensure_running(&self) -> Result<()> {
            if self.paused {
                Err(Error::ContractPaused)
            } else {
                Ok(())
            }
        }

        fn consent_valid(
            &self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
            now: Timestamp,
        ) -> bool {
            self.consents
                .get((patient, provider, data_type))
                .is_some_and(|c| c.is_valid_at(now))
        }
    }

    impl PatientConsentApi for PatientConsent {
        /// Active, unexpired consent for `data_type`, or for `All` when
        /// `data_type` is not sensitive.
        #[ink(message)]
        fn check_consent(
            &self,
            patient: AccountId,
            provider: AccountId,
            data_type: DataType,
        ) -> bool {
            let now = self.env().block_timestamp();
            self.consent_valid(patient, provider, data_type, now)
                || (!data_type.is_sensitive()
                    && data_type != DataType::All
                    && self.consent_valid(patient, provider, DataType::All, now))
        }

        /// `actor` is the registered patient or an unexpired delegate.
        #[ink(message)]
        fn acts_for(&self, patient: AccountId, actor: AccountId) -> bool {
            self.ensure_acts_for(patient, actor).is_ok()
        }

        /// The patient has registered.
        #[ink(message)]
        fn is_registered(&self, patient: AccountId) -> bool {
            self.patients.contains(patient)
        }
    }
}
