//! The logic of access-control, in plain Rust: every method takes the
//! caller and the time explicitly and returns the value and the event to
//! emit, or the error. The `#[ink::contract]` shell in `lib.rs` only reads
//! the caller and the block time, calls these and emits.

use crate::data::*;
use crate::events::*;
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use ink::storage::Mapping;
use medrec_types::{
    page, Admin, DataType, EmergencyReason, Hash32, ProviderAssessment, ProviderStanding, Purpose,
    ReviewOutcome, Role, Timestamp,
};

/// Everything access-control stores. Lists are `Mapping`s from an index, so
/// appending is O(1) and a page reads at most `MAX_PAGE` entries.
#[ink::storage_item]
#[derive(Debug)]
pub struct Registry {
    pub admin: Admin,
    providers: Mapping<AccountId, Provider>,
    /// Registration order: index -> provider.
    provider_list: Mapping<u64, AccountId>,
    provider_count: u64,
    /// Verified, active admins (at least one at all times).
    active_admins: u32,
    /// Window id (from 1) -> window.
    windows: Mapping<u64, EmergencyWindow>,
    window_count: u64,
    /// (provider, patient) -> the latest window's id.
    latest_window: Mapping<(AccountId, AccountId), u64>,
    /// (patient, index) -> window id: every window ever opened on a patient.
    patient_windows: Mapping<(AccountId, u64), u64>,
    patient_window_count: Mapping<AccountId, u64>,
    /// Windows awaiting review, as a set with O(1) insert and removal:
    /// position -> window id, and window id -> position.
    unreviewed: Mapping<u64, u64>,
    unreviewed_position: Mapping<u64, u64>,
    unreviewed_count: u64,
    window_duration: Timestamp,
    cooldown: Timestamp,
}

impl Registry {
    /// A registry owned by `owner`, with `first_admin` registered and
    /// verified as an admin: separation of duties means the owner registers
    /// providers and admins verify them, so the first admin comes with the
    /// deployment.
    ///
    /// Requirements: `first_admin` is not the owner.
    pub fn new(
        owner: AccountId,
        now: Timestamp,
        first_admin: AccountId,
        credentials_hash: Hash32,
    ) -> Result<(Self, Event)> {
        if first_admin == owner {
            return Err(Error::CannotTargetSelf);
        }
        let mut registry = Self {
            admin: Admin::new(owner),
            providers: Mapping::default(),
            provider_list: Mapping::default(),
            provider_count: 0,
            active_admins: 0,
            windows: Mapping::default(),
            window_count: 0,
            latest_window: Mapping::default(),
            patient_windows: Mapping::default(),
            patient_window_count: Mapping::default(),
            unreviewed: Mapping::default(),
            unreviewed_position: Mapping::default(),
            unreviewed_count: 0,
            window_duration: DEFAULT_EMERGENCY_WINDOW_MS,
            cooldown: DEFAULT_EMERGENCY_COOLDOWN_MS,
        };
        registry.add_provider(
            first_admin,
            Provider {
                role: Role::Admin,
                credentials_hash,
                registered_at: now,
                verified: true,
                verified_by: Some(owner),
                verified_at: Some(now),
                active: true,
                epoch: 0,
            },
        )?;
        registry.active_admins = 1;
        Ok((
            registry,
            Event::ProviderRegistered(ProviderRegistered {
                provider: first_admin,
                actor: owner,
                role: Role::Admin,
                credentials_hash,
            }),
        ))
    }

    // -------------------------------------------------------------------
    // Provider registry
    // -------------------------------------------------------------------

    /// Requirements: the caller is the owner; the contract is running;
    /// `provider` is not the owner and not registered.
    pub fn register_provider(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        provider: AccountId,
        role: Role,
        credentials_hash: Hash32,
    ) -> Result<Event> {
        self.admin.ensure_owner(caller)?;
        self.admin.ensure_running()?;
        if provider == caller {
            return Err(Error::CannotTargetSelf);
        }
        if self.providers.contains(provider) {
            return Err(Error::ProviderAlreadyRegistered);
        }
        self.add_provider(
            provider,
            Provider {
                role,
                credentials_hash,
                registered_at: now,
                verified: false,
                verified_by: None,
                verified_at: None,
                active: true,
                epoch: 0,
            },
        )?;
        Ok(Event::ProviderRegistered(ProviderRegistered {
            provider,
            actor: caller,
            role,
            credentials_hash,
        }))
    }

    /// Requirements: the caller is a verified, active admin (not the owner:
    /// separation of duties); the contract is running; `provider` is not the
    /// caller, is registered and is not verified.
    pub fn verify_provider(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        provider: AccountId,
    ) -> Result<Event> {
        self.ensure_admin(caller)?;
        self.admin.ensure_running()?;
        if provider == caller {
            return Err(Error::CannotTargetSelf);
        }
        let mut p = self.provider(provider)?;
        if p.verified {
            return Err(Error::AlreadyVerified);
        }
        p.verified = true;
        p.verified_by = Some(caller);
        p.verified_at = Some(now);
        if p.is_admin() {
            self.active_admins = self.active_admins.checked_add(1).ok_or(Error::Overflow)?;
        }
        self.providers.insert(provider, &p);
        Ok(Event::ProviderVerified(ProviderVerified {
            provider,
            actor: caller,
        }))
    }

    /// Deactivation also closes every open window of the provider, in O(1):
    /// its epoch moves on (see [`Provider::epoch`]).
    ///
    /// Requirements: the caller is the owner or a verified, active admin;
    /// `provider` is registered and active and is not the last verified,
    /// active admin. Works while paused (it is a brake).
    pub fn deactivate_provider(&mut self, caller: AccountId, provider: AccountId) -> Result<Event> {
        if !self.admin.is_owner(caller) {
            self.ensure_admin(caller)?;
        }
        let mut p = self.provider(provider)?;
        if !p.active {
            return Err(Error::AlreadyInactive);
        }
        if p.is_admin() {
            if self.active_admins <= 1 {
                return Err(Error::LastActiveAdmin);
            }
            self.active_admins = self.active_admins.saturating_sub(1);
        }
        p.active = false;
        p.epoch = p.epoch.checked_add(1).ok_or(Error::Overflow)?;
        self.providers.insert(provider, &p);
        Ok(Event::ProviderDeactivated(ProviderDeactivated {
            provider,
            actor: caller,
        }))
    }

    /// Windows closed by the deactivation stay closed.
    ///
    /// Requirements: the caller is a verified, active admin; the contract is
    /// running; `provider` is not the caller, is registered and inactive.
    pub fn reactivate_provider(&mut self, caller: AccountId, provider: AccountId) -> Result<Event> {
        self.ensure_admin(caller)?;
        self.admin.ensure_running()?;
        if provider == caller {
            return Err(Error::CannotTargetSelf);
        }
        let mut p = self.provider(provider)?;
        if p.active {
            return Err(Error::AlreadyActive);
        }
        p.active = true;
        if p.is_admin() {
            self.active_admins = self.active_admins.checked_add(1).ok_or(Error::Overflow)?;
        }
        self.providers.insert(provider, &p);
        Ok(Event::ProviderReactivated(ProviderReactivated {
            provider,
            actor: caller,
        }))
    }

    pub fn get_provider(&self, provider: AccountId) -> Option<Provider> {
        self.providers.get(provider)
    }

    pub fn provider_count(&self) -> u64 {
        self.provider_count
    }

    pub fn active_admin_count(&self) -> u32 {
        self.active_admins
    }

    /// Providers in registration order, from index `from`.
    pub fn providers(&self, from: u64, limit: u32) -> Vec<ProviderView> {
        page(from, limit, self.provider_count)
            .filter_map(|i| {
                let account = self.provider_list.get(i)?;
                let provider = self.providers.get(account)?;
                Some(ProviderView { account, provider })
            })
            .collect()
    }

    // -------------------------------------------------------------------
    // Emergency windows
    // -------------------------------------------------------------------

    /// Opens a window of the configured length on `patient`; returns its id
    /// and expiry.
    ///
    /// Requirements: the caller is a registered, verified, active provider
    /// with the emergency role; the contract is running; `patient` is not
    /// the caller; the caller holds no open window on `patient` and opened
    /// none on it less than the cooldown ago.
    pub fn activate_emergency_access(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
        reason: EmergencyReason,
        note_hash: Hash32,
    ) -> Result<((u64, Timestamp), Event)> {
        let p = self
            .providers
            .get(caller)
            .ok_or(Error::CallerNotRegistered)?;
        if !p.verified {
            return Err(Error::CallerNotVerified);
        }
        if !p.active {
            return Err(Error::CallerInactive);
        }
        if p.role != Role::Emergency {
            return Err(Error::NotEmergencyRole);
        }
        self.admin.ensure_running()?;
        if patient == caller {
            return Err(Error::CannotTargetSelf);
        }
        if let Some((_, latest)) = self.latest(caller, patient) {
            if self.state_of(&latest, now) == WindowState::Open {
                return Err(Error::EmergencyWindowAlreadyOpen);
            }
            let next_allowed = latest
                .opened_at
                .checked_add(self.cooldown)
                .ok_or(Error::Overflow)?;
            if now < next_allowed {
                return Err(Error::EmergencyCooldown);
            }
        }
        let expires_at = now
            .checked_add(self.window_duration)
            .ok_or(Error::Overflow)?;
        let id = self.window_count.checked_add(1).ok_or(Error::Overflow)?;
        let patient_index = self.patient_window_count.get(patient).unwrap_or(0);
        let patient_count = patient_index.checked_add(1).ok_or(Error::Overflow)?;
        let unreviewed_count = self
            .unreviewed_count
            .checked_add(1)
            .ok_or(Error::Overflow)?;
        self.windows.insert(
            id,
            &EmergencyWindow {
                provider: caller,
                patient,
                reason,
                note_hash,
                opened_at: now,
                expires_at,
                ended_at: None,
                provider_epoch: p.epoch,
                review: None,
            },
        );
        self.window_count = id;
        self.latest_window.insert((caller, patient), &id);
        self.patient_windows.insert((patient, patient_index), &id);
        self.patient_window_count.insert(patient, &patient_count);
        self.unreviewed.insert(self.unreviewed_count, &id);
        self.unreviewed_position.insert(id, &self.unreviewed_count);
        self.unreviewed_count = unreviewed_count;
        Ok((
            (id, expires_at),
            Event::EmergencyAccessActivated(EmergencyAccessActivated {
                patient,
                actor: caller,
                window_id: id,
                reason,
                note_hash,
                expires_at,
            }),
        ))
    }

    /// Ends the caller's open window on `patient` early; returns its id.
    ///
    /// Requirements: the caller holds an open window on `patient`. Works
    /// while paused.
    pub fn end_emergency_access(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        patient: AccountId,
    ) -> Result<(u64, Event)> {
        let (id, mut window) = self
            .latest(caller, patient)
            .filter(|(_, w)| self.state_of(w, now) == WindowState::Open)
            .ok_or(Error::NoOpenEmergencyWindow)?;
        window.ended_at = Some(now);
        self.windows.insert(id, &window);
        Ok((
            id,
            Event::EmergencyAccessEnded(EmergencyAccessEnded {
                patient,
                actor: caller,
                window_id: id,
            }),
        ))
    }

    /// Records a review of a closed window and takes it off the review
    /// queue.
    ///
    /// Requirements: the caller is a verified, active admin other than the
    /// window's holder; the window exists, is closed and not yet reviewed.
    /// Works while paused.
    pub fn review_emergency_access(
        &mut self,
        caller: AccountId,
        now: Timestamp,
        window_id: u64,
        outcome: ReviewOutcome,
        note_hash: Hash32,
    ) -> Result<Event> {
        self.ensure_admin(caller)?;
        let mut window = self.windows.get(window_id).ok_or(Error::WindowNotFound)?;
        if window.provider == caller {
            return Err(Error::CannotTargetSelf);
        }
        if self.state_of(&window, now) == WindowState::Open {
            return Err(Error::WindowStillOpen);
        }
        if window.review.is_some() {
            return Err(Error::AlreadyReviewed);
        }
        window.review = Some(Review {
            reviewer: caller,
            outcome,
            note_hash,
            at: now,
        });
        self.windows.insert(window_id, &window);
        self.remove_unreviewed(window_id);
        Ok(Event::EmergencyAccessReviewed(EmergencyAccessReviewed {
            patient: window.patient,
            actor: caller,
            window_id,
            outcome,
            note_hash,
        }))
    }

    pub fn emergency_window(&self, id: u64, now: Timestamp) -> Option<WindowView> {
        let window = self.windows.get(id)?;
        Some(self.view(id, window, now))
    }

    /// The latest window of `provider` on `patient`, open or not.
    pub fn latest_emergency_window(
        &self,
        provider: AccountId,
        patient: AccountId,
        now: Timestamp,
    ) -> Option<WindowView> {
        let (id, window) = self.latest(provider, patient)?;
        Some(self.view(id, window, now))
    }

    pub fn patient_window_count(&self, patient: AccountId) -> u64 {
        self.patient_window_count.get(patient).unwrap_or(0)
    }

    /// Every window opened on `patient`, oldest first, from index `from`.
    pub fn patient_emergency_windows(
        &self,
        patient: AccountId,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<WindowView> {
        page(from, limit, self.patient_window_count(patient))
            .filter_map(|i| self.patient_windows.get((patient, i)))
            .filter_map(|id| self.emergency_window(id, now))
            .collect()
    }

    pub fn unreviewed_count(&self) -> u64 {
        self.unreviewed_count
    }

    /// Windows awaiting review, from position `from` of the queue. Positions
    /// change as reviews take windows off the queue (the last one moves into
    /// the freed place), so a reviewer pages from 0 again after reviewing.
    pub fn unreviewed_emergency_windows(
        &self,
        from: u64,
        limit: u32,
        now: Timestamp,
    ) -> Vec<WindowView> {
        page(from, limit, self.unreviewed_count)
            .filter_map(|i| self.unreviewed.get(i))
            .filter_map(|id| self.emergency_window(id, now))
            .collect()
    }

    pub fn emergency_settings(&self) -> EmergencySettings {
        EmergencySettings {
            window_duration: self.window_duration,
            cooldown: self.cooldown,
        }
    }

    /// Sets the length of new windows (open ones keep theirs) and the
    /// cooldown.
    ///
    /// Requirements: the caller is the owner; `window_duration` is within
    /// 1 minute ..= 7 days and `cooldown` within 1 hour ..= 30 days.
    pub fn set_emergency_settings(
        &mut self,
        caller: AccountId,
        settings: EmergencySettings,
    ) -> Result<Event> {
        self.admin.ensure_owner(caller)?;
        if !(MIN_EMERGENCY_WINDOW_MS..=MAX_EMERGENCY_WINDOW_MS).contains(&settings.window_duration)
        {
            return Err(Error::InvalidWindowDuration);
        }
        if !(MIN_EMERGENCY_COOLDOWN_MS..=MAX_EMERGENCY_COOLDOWN_MS).contains(&settings.cooldown) {
            return Err(Error::InvalidCooldown);
        }
        self.window_duration = settings.window_duration;
        self.cooldown = settings.cooldown;
        Ok(Event::EmergencySettingsChanged(EmergencySettingsChanged {
            actor: caller,
            window_duration: settings.window_duration,
            cooldown: settings.cooldown,
        }))
    }

    // -------------------------------------------------------------------
    // What the other contracts ask
    // -------------------------------------------------------------------

    /// The provider's standing for `data_type` and `purpose`: the first
    /// failing condition, in the order registered, verified, active, role
    /// allows the data type, role allows the purpose.
    pub fn standing(
        &self,
        provider: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> ProviderStanding {
        match self.providers.get(provider) {
            None => ProviderStanding::NotRegistered,
            Some(p) if !p.verified => ProviderStanding::NotVerified,
            Some(p) if !p.active => ProviderStanding::Inactive,
            Some(p) if !p.role.allows(data_type) => ProviderStanding::RoleNotAllowed,
            Some(p) if !p.role.allows_purpose(purpose) => ProviderStanding::PurposeNotAllowed,
            Some(_) => ProviderStanding::Cleared,
        }
    }

    pub fn is_verified_provider(&self, provider: AccountId) -> bool {
        self.providers
            .get(provider)
            .is_some_and(|p| p.in_good_standing())
    }

    /// An open window of a provider in good standing.
    pub fn check_emergency_access(
        &self,
        provider: AccountId,
        patient: AccountId,
        now: Timestamp,
    ) -> bool {
        self.latest(provider, patient)
            .is_some_and(|(_, w)| self.state_of(&w, now) == WindowState::Open)
    }

    pub fn assess_provider(
        &self,
        provider: AccountId,
        patient: AccountId,
        data_type: DataType,
        purpose: Purpose,
        now: Timestamp,
    ) -> ProviderAssessment {
        ProviderAssessment {
            standing: self.standing(provider, data_type, purpose),
            emergency_window: self.check_emergency_access(provider, patient, now),
        }
    }

    // -------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------

    fn add_provider(&mut self, account: AccountId, provider: Provider) -> Result<()> {
        let count = self.provider_count.checked_add(1).ok_or(Error::Overflow)?;
        self.providers.insert(account, &provider);
        self.provider_list.insert(self.provider_count, &account);
        self.provider_count = count;
        Ok(())
    }

    fn provider(&self, provider: AccountId) -> Result<Provider> {
        self.providers.get(provider).ok_or(Error::ProviderNotFound)
    }

    fn ensure_admin(&self, caller: AccountId) -> Result<()> {
        match self.providers.get(caller) {
            Some(p) if p.is_admin() => Ok(()),
            _ => Err(Error::NotAdmin),
        }
    }

    fn latest(&self, provider: AccountId, patient: AccountId) -> Option<(u64, EmergencyWindow)> {
        let id = self.latest_window.get((provider, patient))?;
        Some((id, self.windows.get(id)?))
    }

    /// A window's state: ended by its holder, closed by a deactivation of
    /// its holder since it was opened, expired, or open. A window whose
    /// holder is gone from the registry counts as closed.
    fn state_of(&self, window: &EmergencyWindow, now: Timestamp) -> WindowState {
        let holder_epoch = self
            .providers
            .get(window.provider)
            .filter(|p| p.in_good_standing())
            .map(|p| p.epoch);
        if window.ended_at.is_some() {
            WindowState::Ended
        } else if holder_epoch != Some(window.provider_epoch) {
            WindowState::ClosedByDeactivation
        } else if now >= window.expires_at {
            WindowState::Expired
        } else {
            WindowState::Open
        }
    }

    fn view(&self, id: u64, window: EmergencyWindow, now: Timestamp) -> WindowView {
        let state = self.state_of(&window, now);
        WindowView { id, window, state }
    }

    /// Swap-removes `window_id` from the review queue: O(1).
    fn remove_unreviewed(&mut self, window_id: u64) {
        let Some(position) = self.unreviewed_position.take(window_id) else {
            return;
        };
        let last = self.unreviewed_count.saturating_sub(1);
        if position != last {
            if let Some(moved) = self.unreviewed.get(last) {
                self.unreviewed.insert(position, &moved);
                self.unreviewed_position.insert(moved, &position);
            }
        }
        self.unreviewed.remove(last);
        self.unreviewed_count = last;
    }
}
