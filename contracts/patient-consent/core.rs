//! The logic of patient-consent, in plain Rust: every method takes the
//! caller and the time explicitly (and, where access-control was asked, its
//! answer) and returns the value and the events to emit, or the error. The
//! `#[ink::contract]` shell in `lib.rs` reads the caller and the block time,
//! makes the cross-contract calls, calls these and emits.

use crate::data::*;
use crate::events::*;
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use ink::storage::Mapping;
use medrec_types::{
    page, AccessLevel, Admin, Announced, ConsentAnswer, ConsentCheck, DataType,
    EmergencyPreference, Link, ProviderStanding, Purpose, PurposeSet, RecordType, Timestamp,
};

/// (patient, provider, data type): the key of a consent.
type ConsentKey = (AccountId, AccountId, DataType);
/// (account, index): the key of a list entry.
type Slot = (AccountId, u64);
/// The other party and the data type of a consent.
type Party = (AccountId, DataType);

/// What an approval asks record-management to do after patient-consent has
/// recorded it: grant `level` on each of `record_types` until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantOrder {
    pub patient: AccountId,
    pub provider: AccountId,
    pub actor: AccountId,
    pub record_types: Vec<RecordType>,
    pub level: AccessLevel,
    pub expires_at: Timestamp,
    pub request_id: u64,
}

/// What an approval produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub expires_at: Timestamp,
    pub events: Vec<Event>,
    /// `None` when the approval named no record types.
    pub grant: Option<GrantOrder>,
}

/// Everything patient-consent stores. Lists are `Mapping`s from an index,
/// so appending is O(1) and a page reads at most `MAX_PAGE` entries.
#[ink::storage_item]
#[derive(Debug)]
pub struct ConsentRegistry {
    pub admin: Admin,
    access_control: AccountId,
    record_management: Option<AccountId>,
    pending_links: Mapping<Link, Announced<AccountId>>,
    patients: Mapping<AccountId, PatientInfo>,
    /// (patient, provider, data type) -> consent.
    consents: Mapping<ConsentKey, Consent>,
    /// (patient, index) -> (provider, data type): the patient's consents.
    patient_consents: Mapping<Slot, Party>,
    /// (provider, index) -> (patient, data type): consents given to it.
    provider_consents: Mapping<Slot, Party>,
    provider_consent_count: Mapping<AccountId, u64>,
    /// (patient, index) -> history entry.
    history: Mapping<(AccountId, u64), HistoryEntry>,
    requests: Mapping<u64, AccessRequest>,
    /// Id the next request gets; ids start at 1.
    next_request_id: u64,
    /// (patient, position) -> request id, and request id -> position: the
    /// patient's pending requests, a set with O(1) insert and removal.
    pending: Mapping<(AccountId, u64), u64>,
    pending_position: Mapping<u64, u64>,
    /// (patient, provider, data type) -> the pending request, so a provider
    /// cannot pile up requests for the same thing.
    open_request: Mapping<ConsentKey, u64>,
    /// (provider, index) -> request id: every request the provider made.
    provider_requests: Mapping<(AccountId, u64), u64>,
    provider_request_count: Mapping<AccountId, u64>,
    /// (patient, delegate) -> delegation.
    delegates: Mapping<(AccountId, AccountId), Delegation>,
    /// (patient, index) -> delegate: everyone the patient ever named.
    delegate_list: Mapping<(AccountId, u64), AccountId>,
    /// (delegate, index) -> patient: everyone who ever named the delegate.
    represented: Mapping<(AccountId, u64), AccountId>,
    represented_count: Mapping<AccountId, u64>,
}

impl ConsentRegistry {
    pub fn new(owner: AccountId, access_control: AccountId) -> Self {
        Self {
            admin: Admin::new(owner),
            access_control,
            record_management: None,
            pending_links: Mapping::default(),
            patients: Mapping::default(),
            consents: Mapping::default(),
            patient_consents: Mapping::default(),
            provider_consents: Mapping::default(),
            provider_consent_count: Mapping::default(),
            history: Mapping::default(),
            requests: Mapping::default(),
            next_request_id: 1,
            pending: Mapping::default(),
            pending_position: Mapping::default(),
            open_request: Mapping::default(),
            provider_requests: Mapping::default(),
            provider_request_count: Mapping::default(),
            delegates: Mapping::default(),
            delegate_list: Mapping::default(),
            represented: Mapping::default(),
            represented_count: Mapping::default(),
        }
    }

    pub fn access_control(&self) -> AccountId {
        self.access_control
    }

    pub fn record_management(&self) -> Option<AccountId> {
        self.record_management
    }

    // -------------------------------------------------------------------
    // Patients
    // -------------------------------------------------------------------

    /// Requirements: the contract is running; the caller is not registered.
    pub fn register_patient(&mut self, caller: AccountId, now: Timestamp) -> Result<Event> {
        self.admin.ensure_running()?;
        if self.patients.contains(caller) {
            return Err(Error::PatientAlreadyRegistered);
        }
        self.patients.insert(
            caller,
            &PatientInfo {
                registered_at: now,
                ..PatientInfo::default()
            },
        );
        Ok(Event::PatientRegistered(PatientRegistered {
            patient: caller,
            actor: caller,
        }))
    }

    pub fn get_patient(&self, patient: AccountId) -> Option<PatientInfo> {
        self.patients.get(patient)
    }

    /// Sets what break-glass may reach for `patient`.
    ///
    /// Requirements: the caller is the patient or an unexpired delegate;
    /// the contract is running, or the change only narrows what
    /// break-glass reaches.
    pub fn set_emergency_preference(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
        preference: EmergencyPreference,
    ) -> Result<Event> {
        let mut info = self.acting_for(patient, caller, now)?;
        if !info.emergency.narrows_to(preference) {
            self.admin.ensure_running()?;
        }
        info.emergency = preference;
        self.append_history(
            patient,
            &mut info,
            HistoryEntry {
                actor: caller,
                action: ConsentAction::EmergencyPreferenceChanged,
                subject: patient,
                data_type: None,
                purposes: None,
                expires_at: None,
                request_id: None,
                at: now,
            },
        )?;
        self.patients.insert(patient, &info);
        Ok(Event::EmergencyPreferenceChanged(
            EmergencyPreferenceChanged {
                patient,
                actor: caller,
                preference,
            },
        ))
    }

    pub fn emergency_preference(&self, patient: AccountId) -> EmergencyPreference {
        self.patients
            .get(patient)
            .map(|p| p.emergency)
            .unwrap_or_default()
    }

    // -------------------------------------------------------------------
    // Consents
    // -------------------------------------------------------------------

    /// `patient` consents to `provider` seeing `data_type` for `purposes`
    /// during `duration` ms from now; replaces an earlier consent for the
    /// same provider and data type. Returns the expiry.
    ///
    /// Requirements: the contract is running; the caller is the patient or
    /// an unexpired delegate; `provider` is neither the patient nor the
    /// caller; `duration` > 0; at least one purpose.
    #[allow(clippy::too_many_arguments)]
    pub fn grant_consent(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
        duration: Timestamp,
        purposes: &[Purpose],
    ) -> Result<(Timestamp, Event)> {
        self.admin.ensure_running()?;
        let info = self.acting_for(patient, caller, now)?;
        let purposes = PurposeSet::of(purposes);
        if purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        self.consent_to(
            caller, now, patient, info, provider, data_type, duration, purposes, None,
        )
    }

    /// Revokes the consent for `provider` and `data_type`.
    ///
    /// Requirements: the caller is the patient or an unexpired delegate; the
    /// consent exists and is active (an expired one may be revoked too).
    /// Works while paused.
    pub fn revoke_consent(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
    ) -> Result<Event> {
        let mut info = self.acting_for(patient, caller, now)?;
        let key = (patient, provider, data_type);
        let mut consent = self.consents.get(key).ok_or(Error::ConsentNotFound)?;
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
                actor: caller,
                action: ConsentAction::Revoked,
                subject: provider,
                data_type: Some(data_type),
                purposes: Some(consent.purposes),
                expires_at: Some(consent.expires_at),
                request_id: consent.request_id,
                at: now,
            },
        )?;
        self.patients.insert(patient, &info);
        self.consents.insert(key, &consent);
        Ok(Event::ConsentRevoked(ConsentRevoked {
            patient,
            provider,
            actor: caller,
        }))
    }

    /// Replaces the purposes of an active, unexpired consent.
    ///
    /// Requirements: the contract is running; the caller is the patient or
    /// an unexpired delegate; the consent exists, is active and unexpired;
    /// at least one purpose.
    pub fn update_consent_purposes(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
        purposes: &[Purpose],
    ) -> Result<Event> {
        self.admin.ensure_running()?;
        let mut info = self.acting_for(patient, caller, now)?;
        let purposes = PurposeSet::of(purposes);
        if purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        let key = (patient, provider, data_type);
        let mut consent = self.consents.get(key).ok_or(Error::ConsentNotFound)?;
        if !consent.active {
            return Err(Error::ConsentNotActive);
        }
        if now >= consent.expires_at {
            return Err(Error::ConsentExpired);
        }
        consent.purposes = purposes;
        self.append_history(
            patient,
            &mut info,
            HistoryEntry {
                actor: caller,
                action: ConsentAction::PurposesUpdated,
                subject: provider,
                data_type: Some(data_type),
                purposes: Some(purposes),
                expires_at: Some(consent.expires_at),
                request_id: consent.request_id,
                at: now,
            },
        )?;
        self.patients.insert(patient, &info);
        self.consents.insert(key, &consent);
        Ok(Event::ConsentPurposesUpdated(ConsentPurposesUpdated {
            patient,
            provider,
            actor: caller,
            purposes,
        }))
    }

    pub fn get_consent(
        &self,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
    ) -> Option<Consent> {
        self.consents.get((patient, provider, data_type))
    }

    /// The patient's consents (each (provider, data type) once, in the
    /// order first granted), with their status now.
    pub fn consents_of(
        &self,
        patient: AccountId,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<ConsentView> {
        let len = self.patients.get(patient).map_or(0, |p| p.consent_count);
        page(from, limit, len)
            .filter_map(|i| self.patient_consents.get((patient, i)))
            .filter_map(|(provider, data_type)| self.view(patient, provider, data_type, now))
            .collect()
    }

    pub fn provider_consent_count(&self, provider: AccountId) -> u64 {
        self.provider_consent_count.get(provider).unwrap_or(0)
    }

    /// The consents given to `provider` (its patients), with their status.
    pub fn consents_to(
        &self,
        provider: AccountId,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<ConsentView> {
        page(from, limit, self.provider_consent_count(provider))
            .filter_map(|i| self.provider_consents.get((provider, i)))
            .filter_map(|(patient, data_type)| self.view(patient, provider, data_type, now))
            .collect()
    }

    /// What consents say about `provider`, `data_type` and `purpose`: a
    /// valid consent for the type itself, or for `All` when the type is not
    /// sensitive, that covers the purpose.
    pub fn consent_check(
        &self,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
        purpose: Purpose,
        now: Timestamp,
    ) -> ConsentCheck {
        let valid = |d: DataType| {
            self.consents
                .get((patient, provider, d))
                .filter(|c| c.is_valid_at(now))
        };
        let mut found = valid(data_type).into_iter().collect::<Vec<_>>();
        if data_type != DataType::All && DataType::All.covers(data_type) {
            found.extend(valid(DataType::All));
        }
        match () {
            _ if found.iter().any(|c| c.purposes.contains(purpose)) => ConsentCheck::Given,
            _ if !found.is_empty() => ConsentCheck::PurposeNotConsented,
            _ => ConsentCheck::Missing,
        }
    }

    /// Everything record-management asks in one call.
    pub fn consult(
        &self,
        patient: AccountId,
        actor: AccountId,
        data_type: DataType,
        purpose: Purpose,
        now: Timestamp,
    ) -> ConsentAnswer {
        ConsentAnswer {
            consent: self.consent_check(patient, actor, data_type, purpose, now),
            acts_for: self.acts_for(patient, actor, now),
            emergency: self.emergency_preference(patient),
        }
    }

    /// `actor` is the registered patient or an unexpired delegate of it.
    pub fn acts_for(&self, patient: AccountId, actor: AccountId, now: Timestamp) -> bool {
        self.acting_for(patient, actor, now).is_ok()
    }

    pub fn is_registered(&self, patient: AccountId) -> bool {
        self.patients.contains(patient)
    }

    // -------------------------------------------------------------------
    // History
    // -------------------------------------------------------------------

    pub fn history_len(&self, patient: AccountId) -> u64 {
        self.patients.get(patient).map_or(0, |p| p.history_len)
    }

    pub fn history_entry(&self, patient: AccountId, index: u64) -> Option<HistoryEntry> {
        self.history.get((patient, index))
    }

    pub fn history(&self, patient: AccountId, from: u64, limit: u32) -> Vec<HistoryEntry> {
        page(from, limit, self.history_len(patient))
            .filter_map(|i| self.history.get((patient, i)))
            .collect()
    }

    // -------------------------------------------------------------------
    // Access requests
    // -------------------------------------------------------------------

    /// The caller, a provider that access-control found in `standing` for
    /// `data_type` and `purpose`, asks `patient` for consent. Returns the
    /// request id.
    ///
    /// Requirements: the contract is running; `patient` is registered and
    /// is not the caller; access-control finds the caller registered,
    /// verified, active, and its role allows the data type and purpose; the
    /// caller has no pending request for this patient and data type.
    pub fn request_access(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
        data_type: DataType,
        purpose: Purpose,
        standing: ProviderStanding,
    ) -> Result<(u64, Event)> {
        self.admin.ensure_running()?;
        let mut info = self
            .patients
            .get(patient)
            .ok_or(Error::PatientNotRegistered)?;
        if caller == patient {
            return Err(Error::CannotTargetSelf);
        }
        match standing {
            ProviderStanding::Cleared => {}
            ProviderStanding::NotRegistered => return Err(Error::ProviderNotRegistered),
            ProviderStanding::NotVerified => return Err(Error::ProviderNotVerified),
            ProviderStanding::Inactive => return Err(Error::ProviderInactive),
            ProviderStanding::RoleNotAllowed => return Err(Error::RoleNotAllowed),
            ProviderStanding::PurposeNotAllowed => return Err(Error::PurposeNotAllowed),
        }
        let open_key = (patient, caller, data_type);
        if self.open_request.contains(open_key) {
            return Err(Error::RequestAlreadyPending);
        }
        let id = self.next_request_id;
        let next = id.checked_add(1).ok_or(Error::Overflow)?;
        let by_provider = self.provider_request_count.get(caller).unwrap_or(0);
        let by_provider_next = by_provider.checked_add(1).ok_or(Error::Overflow)?;
        let position = info.pending_count;
        info.pending_count = position.checked_add(1).ok_or(Error::Overflow)?;
        self.requests.insert(
            id,
            &AccessRequest {
                patient,
                provider: caller,
                data_type,
                purpose,
                requested_at: now,
                status: RequestStatus::Pending,
                decided_by: None,
                decided_at: None,
            },
        );
        self.next_request_id = next;
        self.pending.insert((patient, position), &id);
        self.pending_position.insert(id, &position);
        self.open_request.insert(open_key, &id);
        self.provider_requests.insert((caller, by_provider), &id);
        self.provider_request_count
            .insert(caller, &by_provider_next);
        self.patients.insert(patient, &info);
        Ok((
            id,
            Event::AccessRequested(AccessRequested {
                patient,
                actor: caller,
                request_id: id,
                purpose,
            }),
        ))
    }

    /// Approves a pending request: consents to its provider, data type and
    /// purpose (added to the purposes of a consent still in force) for
    /// `duration` ms, and, when `record_types` is not empty, orders
    /// record-management to give the provider `level` on each of them until
    /// the same expiry, so that one approval lets the provider act.
    ///
    /// Requirements: the contract is running; the request exists and is
    /// pending; the caller is the patient or an unexpired delegate and is
    /// not the requesting provider; `duration` > 0; with record types:
    /// `level` is Read, Write or Admin, each type's data type is covered by
    /// the request's, and record-management is wired.
    #[allow(clippy::too_many_arguments)]
    pub fn approve_access_request(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        request_id: u64,
        duration: Timestamp,
        record_types: &[RecordType],
        level: AccessLevel,
    ) -> Result<Approval> {
        self.admin.ensure_running()?;
        let (mut request, info) = self.pending_request(caller, now, request_id)?;
        if caller == request.provider {
            return Err(Error::CannotTargetSelf);
        }
        // In number order, each once: filtered from the 13 types rather
        // than sorted (a sort put 3.4 KB of quicksort into the code every
        // call loads; issue 20).
        let record_types: Vec<RecordType> = RecordType::ALL
            .iter()
            .copied()
            .filter(|t| record_types.contains(t))
            .collect();
        if !record_types.is_empty() {
            if !level.is_grantable() {
                return Err(Error::InvalidAccessLevel);
            }
            if record_types
                .iter()
                .any(|t| !request.data_type.covers(t.data_type()))
            {
                return Err(Error::RecordTypeNotRequested);
            }
            if self.record_management.is_none() {
                return Err(Error::RecordManagementNotSet);
            }
        }
        let key = (request.patient, request.provider, request.data_type);
        let purposes = match self.consents.get(key) {
            Some(c) if c.is_valid_at(now) => c.purposes,
            _ => PurposeSet::default(),
        }
        .union(PurposeSet::of(&[request.purpose]));
        let (expires_at, granted) = self.consent_to(
            caller,
            now,
            request.patient,
            info,
            request.provider,
            request.data_type,
            duration,
            purposes,
            Some(request_id),
        )?;
        request.status = RequestStatus::Approved;
        request.decided_by = Some(caller);
        request.decided_at = Some(now);
        self.close_request(request_id, &request)?;
        let permissions = u32::try_from(record_types.len()).map_err(|_| Error::Overflow)?;
        let approved = Event::AccessRequestApproved(AccessRequestApproved {
            patient: request.patient,
            provider: request.provider,
            actor: caller,
            request_id,
            permissions,
        });
        let grant = (!record_types.is_empty()).then_some(GrantOrder {
            patient: request.patient,
            provider: request.provider,
            actor: caller,
            record_types,
            level,
            expires_at,
            request_id,
        });
        Ok(Approval {
            expires_at,
            events: ink::prelude::vec![granted, approved],
            grant,
        })
    }

    /// Requirements: the contract is running; the request exists and is
    /// pending; the caller is the patient or an unexpired delegate.
    pub fn deny_access_request(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        request_id: u64,
    ) -> Result<Event> {
        self.admin.ensure_running()?;
        let (mut request, mut info) = self.pending_request(caller, now, request_id)?;
        self.append_history(
            request.patient,
            &mut info,
            HistoryEntry {
                actor: caller,
                action: ConsentAction::RequestDenied,
                subject: request.provider,
                data_type: Some(request.data_type),
                purposes: Some(PurposeSet::of(&[request.purpose])),
                expires_at: None,
                request_id: Some(request_id),
                at: now,
            },
        )?;
        self.patients.insert(request.patient, &info);
        request.status = RequestStatus::Denied;
        request.decided_by = Some(caller);
        request.decided_at = Some(now);
        self.close_request(request_id, &request)?;
        Ok(Event::AccessRequestDenied(AccessRequestDenied {
            patient: request.patient,
            provider: request.provider,
            actor: caller,
            request_id,
        }))
    }

    pub fn get_access_request(&self, request_id: u64) -> Option<AccessRequest> {
        self.requests.get(request_id)
    }

    /// How many requests were ever made (the last id).
    pub fn request_count(&self) -> u64 {
        self.next_request_id.saturating_sub(1)
    }

    pub fn pending_count(&self, patient: AccountId) -> u64 {
        self.patients.get(patient).map_or(0, |p| p.pending_count)
    }

    /// The patient's pending requests, from position `from` (a decision
    /// moves the last pending request into the freed position).
    pub fn pending_requests(&self, patient: AccountId, from: u64, limit: u32) -> Vec<RequestView> {
        page(from, limit, self.pending_count(patient))
            .filter_map(|i| self.pending.get((patient, i)))
            .filter_map(|id| self.request_view(id))
            .collect()
    }

    pub fn provider_request_count(&self, provider: AccountId) -> u64 {
        self.provider_request_count.get(provider).unwrap_or(0)
    }

    /// Every request `provider` made, oldest first.
    pub fn requests_by(&self, provider: AccountId, from: u64, limit: u32) -> Vec<RequestView> {
        page(from, limit, self.provider_request_count(provider))
            .filter_map(|i| self.provider_requests.get((provider, i)))
            .filter_map(|id| self.request_view(id))
            .collect()
    }

    // -------------------------------------------------------------------
    // Delegates
    // -------------------------------------------------------------------

    /// The caller, a registered patient, names `delegate` for `duration` ms;
    /// naming the same delegate again renews it. Returns the expiry.
    ///
    /// Requirements: the contract is running; the caller is a registered
    /// patient (delegates cannot name delegates); `delegate` is not the
    /// caller; `duration` > 0.
    pub fn add_delegate(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        delegate: AccountId,
        kind: DelegateKind,
        duration: Timestamp,
    ) -> Result<(Timestamp, Event)> {
        self.admin.ensure_running()?;
        let mut info = self
            .patients
            .get(caller)
            .ok_or(Error::PatientNotRegistered)?;
        if delegate == caller {
            return Err(Error::CannotTargetSelf);
        }
        if duration == 0 {
            return Err(Error::InvalidDuration);
        }
        let expires_at = now.checked_add(duration).ok_or(Error::Overflow)?;
        if !self.delegates.contains((caller, delegate)) {
            let position = info.delegate_count;
            info.delegate_count = position.checked_add(1).ok_or(Error::Overflow)?;
            let theirs = self.represented_count.get(delegate).unwrap_or(0);
            let theirs_next = theirs.checked_add(1).ok_or(Error::Overflow)?;
            self.delegate_list.insert((caller, position), &delegate);
            self.represented.insert((delegate, theirs), &caller);
            self.represented_count.insert(delegate, &theirs_next);
        }
        self.append_history(
            caller,
            &mut info,
            HistoryEntry {
                actor: caller,
                action: ConsentAction::DelegateAdded,
                subject: delegate,
                data_type: None,
                purposes: None,
                expires_at: Some(expires_at),
                request_id: None,
                at: now,
            },
        )?;
        self.patients.insert(caller, &info);
        self.delegates.insert(
            (caller, delegate),
            &Delegation {
                kind,
                added_at: now,
                expires_at,
            },
        );
        Ok((
            expires_at,
            Event::DelegateAdded(DelegateAdded {
                patient: caller,
                delegate,
                actor: caller,
                kind,
                expires_at,
            }),
        ))
    }

    /// Ends a delegation now: the patient removes it, or the delegate steps
    /// down.
    ///
    /// Requirements: the caller is the patient or the delegate itself; the
    /// delegation exists and has not expired. Works while paused.
    pub fn remove_delegate(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
        delegate: AccountId,
    ) -> Result<Event> {
        if caller != patient && caller != delegate {
            return Err(Error::NotAuthorized);
        }
        let mut info = self
            .patients
            .get(patient)
            .ok_or(Error::PatientNotRegistered)?;
        let mut delegation = self
            .delegates
            .get((patient, delegate))
            .filter(|d| now < d.expires_at)
            .ok_or(Error::DelegateNotFound)?;
        delegation.expires_at = now;
        self.append_history(
            patient,
            &mut info,
            HistoryEntry {
                actor: caller,
                action: ConsentAction::DelegateRemoved,
                subject: delegate,
                data_type: None,
                purposes: None,
                expires_at: Some(now),
                request_id: None,
                at: now,
            },
        )?;
        self.patients.insert(patient, &info);
        self.delegates.insert((patient, delegate), &delegation);
        Ok(Event::DelegateRemoved(DelegateRemoved {
            patient,
            delegate,
            actor: caller,
        }))
    }

    pub fn get_delegate(&self, patient: AccountId, delegate: AccountId) -> Option<Delegation> {
        self.delegates.get((patient, delegate))
    }

    /// Everyone `patient` ever named, with whether they may act now.
    pub fn delegates_of(
        &self,
        patient: AccountId,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<DelegationView> {
        let len = self.patients.get(patient).map_or(0, |p| p.delegate_count);
        page(from, limit, len)
            .filter_map(|i| self.delegate_list.get((patient, i)))
            .filter_map(|delegate| self.delegation_view(patient, delegate, now))
            .collect()
    }

    pub fn represented_count(&self, delegate: AccountId) -> u64 {
        self.represented_count.get(delegate).unwrap_or(0)
    }

    /// Everyone who ever named `delegate`, with whether it may act now.
    pub fn represented_by(
        &self,
        delegate: AccountId,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<DelegationView> {
        page(from, limit, self.represented_count(delegate))
            .filter_map(|i| self.represented.get((delegate, i)))
            .filter_map(|patient| self.delegation_view(patient, delegate, now))
            .collect()
    }

    // -------------------------------------------------------------------
    // Links to the other contracts
    // -------------------------------------------------------------------

    /// The first wiring of record-management (deployment order makes it
    /// come after this contract). Later changes are announced and delayed.
    ///
    /// Requirements: the caller is the owner; the link is not set; the
    /// target is not this contract.
    pub fn set_record_management(
        &mut self,
        caller: AccountId,
        this: AccountId,
        target: AccountId,
    ) -> Result<Event> {
        self.admin.ensure_owner(caller)?;
        if self.record_management.is_some() {
            return Err(Error::LinkAlreadySet);
        }
        if target == this {
            return Err(Error::CannotTargetSelf);
        }
        self.record_management = Some(target);
        Ok(Event::Admin(medrec_types::admin::AdminEvent::LinkChanged(
            medrec_types::admin::LinkChanged {
                actor: caller,
                link: Link::RecordManagement,
                old: None,
                new: target,
            },
        )))
    }

    pub fn pending_link(&self, link: Link) -> Option<Announced<AccountId>> {
        self.pending_links.get(link)
    }

    /// Requirements: the caller is the owner; `link` is AccessControl or
    /// RecordManagement; the target is not this contract; no repoint of it
    /// is announced.
    pub fn announce_link(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        this: AccountId,
        link: Link,
        target: AccountId,
    ) -> Result<(Timestamp, Event)> {
        Self::known(link)?;
        let (announced, event) = self.admin.announce_link(
            caller,
            now,
            this,
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
    pub fn apply_link(&mut self, caller: AccountId, now: Timestamp, link: Link) -> Result<Event> {
        Self::known(link)?;
        let old = match link {
            Link::AccessControl => Some(self.access_control),
            _ => self.record_management,
        };
        let (new, event) =
            self.admin
                .apply_link(caller, now, link, old, self.pending_links.get(link))?;
        match link {
            Link::AccessControl => self.access_control = new,
            _ => self.record_management = Some(new),
        }
        self.pending_links.remove(link);
        Ok(Event::Admin(event))
    }

    // -------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------

    fn known(link: Link) -> Result<()> {
        match link {
            Link::AccessControl | Link::RecordManagement => Ok(()),
            Link::PatientConsent => Err(Error::UnknownLink),
        }
    }

    /// Writes a consent (new, or replacing the one for the same key) and
    /// its history entry; `info` is the patient's, read by the caller.
    #[allow(clippy::too_many_arguments)]
    fn consent_to(
        &mut self,
        actor: AccountId,
        now: Timestamp,
        patient: AccountId,
        mut info: PatientInfo,
        provider: AccountId,
        data_type: DataType,
        duration: Timestamp,
        purposes: PurposeSet,
        request_id: Option<u64>,
    ) -> Result<(Timestamp, Event)> {
        if provider == patient || provider == actor {
            return Err(Error::CannotTargetSelf);
        }
        if duration == 0 {
            return Err(Error::InvalidDuration);
        }
        let expires_at = now.checked_add(duration).ok_or(Error::Overflow)?;
        info.consents_granted = info
            .consents_granted
            .checked_add(1)
            .ok_or(Error::Overflow)?;
        let key = (patient, provider, data_type);
        if !self.consents.contains(key) {
            let position = info.consent_count;
            info.consent_count = position.checked_add(1).ok_or(Error::Overflow)?;
            let theirs = self.provider_consent_count(provider);
            let theirs_next = theirs.checked_add(1).ok_or(Error::Overflow)?;
            self.patient_consents
                .insert((patient, position), &(provider, data_type));
            self.provider_consents
                .insert((provider, theirs), &(patient, data_type));
            self.provider_consent_count.insert(provider, &theirs_next);
        }
        self.append_history(
            patient,
            &mut info,
            HistoryEntry {
                actor,
                action: ConsentAction::Granted,
                subject: provider,
                data_type: Some(data_type),
                purposes: Some(purposes),
                expires_at: Some(expires_at),
                request_id,
                at: now,
            },
        )?;
        self.patients.insert(patient, &info);
        self.consents.insert(
            key,
            &Consent {
                granted_at: now,
                expires_at,
                purposes,
                active: true,
                granted_by: actor,
                request_id,
            },
        );
        Ok((
            expires_at,
            Event::ConsentGranted(ConsentGranted {
                patient,
                provider,
                actor,
                purposes,
                expires_at,
                request_id,
            }),
        ))
    }

    /// A pending request that `actor` may decide, and its patient's info.
    fn pending_request(
        &self,
        actor: AccountId,
        now: Timestamp,
        request_id: u64,
    ) -> Result<(AccessRequest, PatientInfo)> {
        let request = self
            .requests
            .get(request_id)
            .ok_or(Error::RequestNotFound)?;
        let info = self.acting_for(request.patient, actor, now)?;
        if request.status != RequestStatus::Pending {
            return Err(Error::RequestNotPending);
        }
        Ok((request, info))
    }

    /// Stores a decided request and takes it off its patient's pending set
    /// (the last pending request moves into its position): O(1).
    fn close_request(&mut self, request_id: u64, request: &AccessRequest) -> Result<()> {
        let patient = request.patient;
        let mut info = self
            .patients
            .get(patient)
            .ok_or(Error::PatientNotRegistered)?;
        if let Some(position) = self.pending_position.take(request_id) {
            let last = info.pending_count.saturating_sub(1);
            if position != last {
                if let Some(moved) = self.pending.get((patient, last)) {
                    self.pending.insert((patient, position), &moved);
                    self.pending_position.insert(moved, &position);
                }
            }
            self.pending.remove((patient, last));
            info.pending_count = last;
            self.patients.insert(patient, &info);
        }
        self.open_request
            .remove((patient, request.provider, request.data_type));
        self.requests.insert(request_id, request);
        Ok(())
    }

    /// The patient's info, when `actor` is the registered patient or an
    /// unexpired delegate of it.
    fn acting_for(
        &self,
        patient: AccountId,
        actor: AccountId,
        now: Timestamp,
    ) -> Result<PatientInfo> {
        let info = self
            .patients
            .get(patient)
            .ok_or(Error::PatientNotRegistered)?;
        let delegate = || {
            self.delegates
                .get((patient, actor))
                .is_some_and(|d| now < d.expires_at)
        };
        if actor == patient || delegate() {
            Ok(info)
        } else {
            Err(Error::NotAuthorized)
        }
    }

    /// Appends to the patient's history and counts it in `info`, which the
    /// caller writes back.
    fn append_history(
        &mut self,
        patient: AccountId,
        info: &mut PatientInfo,
        entry: HistoryEntry,
    ) -> Result<()> {
        let index = info.history_len;
        info.history_len = index.checked_add(1).ok_or(Error::Overflow)?;
        self.history.insert((patient, index), &entry);
        Ok(())
    }

    fn view(
        &self,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
        now: Timestamp,
    ) -> Option<ConsentView> {
        let consent = self.consents.get((patient, provider, data_type))?;
        let status = consent.status_at(now);
        Some(ConsentView {
            patient,
            provider,
            data_type,
            consent,
            status,
        })
    }

    fn request_view(&self, id: u64) -> Option<RequestView> {
        Some(RequestView {
            id,
            request: self.requests.get(id)?,
        })
    }

    fn delegation_view(
        &self,
        patient: AccountId,
        delegate: AccountId,
        now: Timestamp,
    ) -> Option<DelegationView> {
        let delegation = self.delegates.get((patient, delegate))?;
        let active = now < delegation.expires_at;
        Some(DelegationView {
            patient,
            delegate,
            delegation,
            active,
        })
    }
}
