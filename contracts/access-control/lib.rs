#![cfg_attr(not(feature = "std"), no_std, no_main)]

//! # access-control
//!
//! The provider registry of the medical records system: the owner registers
//! providers with a role, admins verify, deactivate and reactivate them, the
//! role x data-type matrix says what each role may see, and verified
//! emergency-role providers open time-boxed emergency ("break-glass") windows
//! on a patient, each logged and emitted.
//!
//! Nothing here is patient data: providers are account ids with a role and the
//! hash of their off-chain credentials; an emergency window carries a reason
//! code and the hash of an off-chain note.

pub use self::access_control::{
    AccessAction, AccessControl, AccessControlRef, AccessLogEntry, EmergencyWindow, Error,
    Provider, DEFAULT_EMERGENCY_WINDOW_MS, MAX_EMERGENCY_WINDOW_MS, MIN_EMERGENCY_WINDOW_MS,
};

/// The contract's events, for Rust clients that decode them (the
/// node-backed e2e tests do): each is SCALE-decodable from a
/// `ContractEmitted` event's data, and its first topic is its signature
/// topic (`ink::env::Event::SIGNATURE_TOPIC`).
pub mod events {
    pub use crate::access_control::{
        CodeUpgraded, EmergencyAccessActivated, EmergencyAccessEnded,
        EmergencyWindowDurationChanged, OwnershipTransferred, ProviderDeactivated,
        ProviderReactivated, ProviderRegistered, ProviderVerified,
    };
}

#[cfg(test)]
mod tests;

#[ink::contract]
mod access_control {
    /// Version of this code, reported by `code_version`.
    const CODE_VERSION: u32 = if cfg!(feature = "upgrade-v2") { 2 } else { 1 };

    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use medrec_types::{
        page_limit, AccessControlApi, DataType, EmergencyReason, Hash32, ProviderAssessment,
        ProviderStanding, Role,
    };

    /// Default length of an emergency window: 24 hours in milliseconds.
    pub const DEFAULT_EMERGENCY_WINDOW_MS: Timestamp = 24 * 60 * 60 * 1000;
    /// Longest emergency window the owner may set: 7 days.
    pub const MAX_EMERGENCY_WINDOW_MS: Timestamp = 7 * DEFAULT_EMERGENCY_WINDOW_MS;
    /// Shortest emergency window the owner may set: 1 minute.
    pub const MIN_EMERGENCY_WINDOW_MS: Timestamp = 60 * 1000;

    /// A registered provider.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Provider {
        pub role: Role,
        /// SHA-256 of the off-chain credentials document (licence number,
        /// institution, specialisation), which stays off-chain.
        pub credentials_hash: Hash32,
        pub registered_at: Timestamp,
        pub verified: bool,
        pub verified_by: Option<AccountId>,
        pub verified_at: Option<Timestamp>,
        pub active: bool,
    }

    /// An emergency window of one provider on one patient.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct EmergencyWindow {
        pub reason: EmergencyReason,
        /// SHA-256 of the off-chain note that explains the emergency.
        pub note_hash: Hash32,
        pub opened_at: Timestamp,
        pub expires_at: Timestamp,
        /// Set when the holder ended the window early.
        pub ended_at: Option<Timestamp>,
    }

    impl EmergencyWindow {
        fn is_open_at(&self, now: Timestamp) -> bool {
            self.ended_at.is_none() && now < self.expires_at
        }
    }

    /// What an access-log entry records.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum AccessAction {
        EmergencyActivated,
        EmergencyEnded,
    }

    /// One entry of a patient's access log (append-only, numbered from 0).
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AccessLogEntry {
        pub provider: AccountId,
        pub action: AccessAction,
        pub reason: EmergencyReason,
        pub note_hash: Hash32,
        pub at: Timestamp,
    }

    /// Every way a message of this contract can fail.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Error {
        /// Only the contract owner may do this.
        NotOwner,
        /// `set_code` named a code hash that is not uploaded (or the runtime refused it).
        CodeUpgradeFailed,
        /// Only the owner or a verified, active admin provider may do this.
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
        /// The caller is not a registered provider.
        CallerNotRegistered,
        /// The caller is registered but not verified.
        CallerNotVerified,
        /// The caller has been deactivated.
        CallerInactive,
        /// Only providers with the emergency role open emergency windows.
        NotEmergencyRole,
        /// A provider cannot open an emergency window on itself.
        CannotTargetSelf,
        /// The caller already holds an open window on this patient.
        EmergencyWindowAlreadyOpen,
        /// The caller holds no open window on this patient.
        NoOpenEmergencyWindow,
        /// The window length is outside 1 minute ..= 7 days.
        InvalidWindowDuration,
        /// A time or counter would overflow.
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    #[ink(event)]
    pub struct ProviderRegistered {
        #[ink(topic)]
        pub provider: AccountId,
        pub role: Role,
        pub credentials_hash: Hash32,
    }

    #[ink(event)]
    pub struct ProviderVerified {
        #[ink(topic)]
        pub provider: AccountId,
        #[ink(topic)]
        pub verified_by: AccountId,
    }

    #[ink(event)]
    pub struct ProviderDeactivated {
        #[ink(topic)]
        pub provider: AccountId,
        #[ink(topic)]
        pub by: AccountId,
    }

    #[ink(event)]
    pub struct ProviderReactivated {
        #[ink(topic)]
        pub provider: AccountId,
        #[ink(topic)]
        pub by: AccountId,
    }

    #[ink(event)]
    pub struct EmergencyAccessActivated {
        #[ink(topic)]
        pub provider: AccountId,
        #[ink(topic)]
        pub patient: AccountId,
        pub reason: EmergencyReason,
        pub note_hash: Hash32,
        pub expires_at: Timestamp,
        pub log_index: u64,
    }

    #[ink(event)]
    pub struct EmergencyAccessEnded {
        #[ink(topic)]
        pub provider: AccountId,
        #[ink(topic)]
        pub patient: AccountId,
        pub log_index: u64,
    }

    #[ink(event)]
    pub struct EmergencyWindowDurationChanged {
        pub old_duration: Timestamp,
        pub new_duration: Timestamp,
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
    pub struct AccessControl {
        owner: AccountId,
        providers: Mapping<AccountId, Provider>,
        provider_count: u32,
        /// (provider, patient) -> the latest window.
        emergency_windows: Mapping<(AccountId, AccountId), EmergencyWindow>,
        emergency_window_ms: Timestamp,
        /// (patient, index) -> entry; indexes run from 0 per patient.
        access_log: Mapping<(AccountId, u64), AccessLogEntry>,
        access_log_len: Mapping<AccountId, u64>,
    }

    impl Default for AccessControl {
        fn default() -> Self {
            Self::new()
        }
    }

    impl AccessControl {
        /// Deploys the registry; the caller becomes the owner.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {
                owner: Self::env().caller(),
                providers: Mapping::default(),
                provider_count: 0,
                emergency_windows: Mapping::default(),
                emergency_window_ms: DEFAULT_EMERGENCY_WINDOW_MS,
                access_log: Mapping::default(),
                access_log_len: Mapping::default(),
            }
        }

        // ---------------------------------------------------------------
        // Provider registry
        // ---------------------------------------------------------------

        /// Registers `provider` with `role`; it starts unverified and active.
        ///
        /// Requirements: the caller is the owner; `provider` is not registered.
        ///
        /// # Errors
        /// `NotOwner`, `ProviderAlreadyRegistered`, `Overflow`.
        ///
        /// Emits `ProviderRegistered` on success.
        #[ink(message)]
        pub fn register_provider(
            &mut self,
            provider: AccountId,
            role: Role,
            credentials_hash: Hash32,
        ) -> Result<()> {
            self.ensure_owner()?;
            if self.providers.contains(provider) {
                return Err(Error::ProviderAlreadyRegistered);
            }
            let provider_count = self.provider_count.checked_add(1).ok_or(Error::Overflow)?;
            self.providers.insert(
                provider,
                &Provider {
                    role,
                    credentials_hash,
                    registered_at: self.env().block_timestamp(),
                    verified: false,
                    verified_by: None,
                    verified_at: None,
                    active: true,
                },
            );
            self.provider_count = provider_count;
            self.env().emit_event(ProviderRegistered {
                provider,
                role,
                credentials_hash,
            });
            Ok(())
        }

        /// Marks `provider` verified.
        ///
        /// Requirements: the caller is a verified, active admin provider, or the
        /// owner (who must be able to verify the first admin); `provider` is
        /// registered and not yet verified.
        ///
        /// # Errors
        /// `NotAdmin`, `ProviderNotFound`, `AlreadyVerified`.
        ///
        /// Emits `ProviderVerified` on success.
        #[ink(message)]
        pub fn verify_provider(&mut self, provider: AccountId) -> Result<()> {
            let caller = self.ensure_admin()?;
            let mut record = self
                .providers
                .get(provider)
                .ok_or(Error::ProviderNotFound)?;
            if record.verified {
                return Err(Error::AlreadyVerified);
            }
            record.verified = true;
            record.verified_by = Some(caller);
            record.verified_at = Some(self.env().block_timestamp());
            self.providers.insert(provider, &record);
            self.env().emit_event(ProviderVerified {
                provider,
                verified_by: caller,
            });
            Ok(())
        }

        /// Deactivates `provider`: it keeps its registration but passes no
        /// access check until reactivated.
        ///
        /// Requirements: the caller is the owner or a verified, active admin;
        /// `provider` is registered and active.
        ///
        /// # Errors
        /// `NotAdmin`, `ProviderNotFound`, `AlreadyInactive`.
        ///
        /// Emits `ProviderDeactivated` on success.
        #[ink(message)]
        pub fn deactivate_provider(&mut self, provider: AccountId) -> Result<()> {
            let by = self.ensure_admin()?;
            let mut record = self
                .providers
                .get(provider)
                .ok_or(Error::ProviderNotFound)?;
            if !record.active {
                return Err(Error::AlreadyInactive);
            }
            record.active = false;
            self.providers.insert(provider, &record);
            self.env().emit_event(ProviderDeactivated { provider, by });
            Ok(())
        }

        /// Reactivates a deactivated `provider`.
        ///
        /// Requirements: the caller is the owner or a verified, active admin;
        /// `provider` is registered and inactive.
        ///
        /// # Errors
        /// `NotAdmin`, `ProviderNotFound`, `AlreadyActive`.
        ///
        /// Emits `ProviderReactivated` on success.
        #[ink(message)]
        pub fn reactivate_provider(&mut self, provider: AccountId) -> Result<()> {
            let by = self.ensure_admin()?;
            let mut record = self
                .providers
                .get(provider)
                .ok_or(Error::ProviderNotFound)?;
            if record.active {
                return Err(Error::AlreadyActive);
            }
            record.active = true;
            self.providers.insert(provider, &record);
            self.env().emit_event(ProviderReactivated { provider, by });
            Ok(())
        }

        /// The provider's registration, if any.
        #[ink(message)]
        pub fn get_provider(&self, provider: AccountId) -> Option<Provider> {
            self.providers.get(provider)
        }

        /// How many providers were ever registered.
        #[ink(message)]
        pub fn provider_count(&self) -> u32 {
            self.provider_count
        }

        /// The role x data-type matrix (the original's `can-access-data-type`).
        #[ink(message)]
        pub fn can_role_access(&self, role: Role, data_type: DataType) -> bool {
            role.allows(data_type)
        }

        // ---------------------------------------------------------------
        // Emergency access
        // ---------------------------------------------------------------

        /// Opens an emergency window of the configured length on `patient`.
        /// Returns when the window expires.
        ///
        /// Requirements: the caller is a registered, verified, active provider
        /// with the emergency role; `patient` is not the caller; the caller has
        /// no open window on `patient`.
        ///
        /// # Errors
        /// `CallerNotRegistered`, `CallerNotVerified`, `CallerInactive`,
        /// `NotEmergencyRole`, `CannotTargetSelf`, `EmergencyWindowAlreadyOpen`,
        /// `Overflow`.
        ///
        /// Emits `EmergencyAccessActivated` and appends to the patient's
        /// access log on success.
        #[ink(message)]
        pub fn activate_emergency_access(
            &mut self,
            patient: AccountId,
            reason: EmergencyReason,
            note_hash: Hash32,
        ) -> Result<Timestamp> {
            let provider = self.env().caller();
            let record = self
                .providers
                .get(provider)
                .ok_or(Error::CallerNotRegistered)?;
            if !record.verified {
                return Err(Error::CallerNotVerified);
            }
            if !record.active {
                return Err(Error::CallerInactive);
            }
            if record.role != Role::Emergency {
                return Err(Error::NotEmergencyRole);
            }
            if patient == provider {
                return Err(Error::CannotTargetSelf);
            }
            let now = self.env().block_timestamp();
            if self
                .emergency_windows
                .get((provider, patient))
                .is_some_and(|w| w.is_open_at(now))
            {
                return Err(Error::EmergencyWindowAlreadyOpen);
            }
            let expires_at = now
                .checked_add(self.emergency_window_ms)
                .ok_or(Error::Overflow)?;
            let log_index = self.append_log(
                patient,
                AccessLogEntry {
                    provider,
                    action: AccessAction::EmergencyActivated,
                    reason,
                    note_hash,
                    at: now,
                },
            )?;
            self.emergency_windows.insert(
                (provider, patient),
                &EmergencyWindow {
                    reason,
                    note_hash,
                    opened_at: now,
                    expires_at,
                    ended_at: None,
                },
            );
            self.env().emit_event(EmergencyAccessActivated {
                provider,
                patient,
                reason,
                note_hash,
                expires_at,
                log_index,
            });
            Ok(expires_at)
        }

        /// Ends the caller's open emergency window on `patient` early.
        ///
        /// # Errors
        /// `NoOpenEmergencyWindow`, `Overflow`.
        ///
        /// Emits `EmergencyAccessEnded` and appends to the patient's access
        /// log on success.
        #[ink(message)]
        pub fn end_emergency_access(&mut self, patient: AccountId) -> Result<()> {
            let provider = self.env().caller();
            let now = self.env().block_timestamp();
            let mut window = self
                .emergency_windows
                .get((provider, patient))
                .filter(|w| w.is_open_at(now))
                .ok_or(Error::NoOpenEmergencyWindow)?;
            let log_index = self.append_log(
                patient,
                AccessLogEntry {
                    provider,
                    action: AccessAction::EmergencyEnded,
                    reason: window.reason,
                    note_hash: window.note_hash,
                    at: now,
                },
            )?;
            window.ended_at = Some(now);
            self.emergency_windows.insert((provider, patient), &window);
            self.env().emit_event(EmergencyAccessEnded {
                provider,
                patient,
                log_index,
            });
            Ok(())
        }

        /// The latest emergency window of `provider` on `patient`, open or not.
        #[ink(message)]
        pub fn get_emergency_window(
            &self,
            provider: AccountId,
            patient: AccountId,
        ) -> Option<EmergencyWindow> {
            self.emergency_windows.get((provider, patient))
        }

        /// Length of new emergency windows, in milliseconds.
        #[ink(message)]
        pub fn emergency_window_duration(&self) -> Timestamp {
            self.emergency_window_ms
        }

        /// Sets the length of new emergency windows (open ones keep theirs).
        ///
        /// # Errors
        /// `NotOwner`, `InvalidWindowDuration` (outside 1 minute ..= 7 days).
        ///
        /// Emits `EmergencyWindowDurationChanged` on success.
        #[ink(message)]
        pub fn set_emergency_window_duration(&mut self, duration: Timestamp) -> Result<()> {
            self.ensure_owner()?;
            if !(MIN_EMERGENCY_WINDOW_MS..=MAX_EMERGENCY_WINDOW_MS).contains(&duration) {
                return Err(Error::InvalidWindowDuration);
            }
            let old_duration = self.emergency_window_ms;
            self.emergency_window_ms = duration;
            self.env().emit_event(EmergencyWindowDurationChanged {
                old_duration,
                new_duration: duration,
            });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Access log
        // ---------------------------------------------------------------

        /// Number of entries in the patient's access log.
        #[ink(message)]
        pub fn access_log_len(&self, patient: AccountId) -> u64 {
            self.access_log_len.get(patient).unwrap_or(0)
        }

        /// One entry of the patient's access log.
        #[ink(message)]
        pub fn access_log_entry(&self, patient: AccountId, index: u64) -> Option<AccessLogEntry> {
            self.access_log.get((patient, index))
        }

        /// Up to `limit` (capped at `MAX_PAGE`) entries from index `from`.
        #[ink(message)]
        pub fn access_log(&self, patient: AccountId, from: u64, limit: u32) -> Vec<AccessLogEntry> {
            let end = from
                .saturating_add(u64::from(page_limit(limit)))
                .min(self.access_log_len(patient));
            (from..end)
                .filter_map(|index| self.access_log.get((patient, index)))
                .collect()
        }

        // ---------------------------------------------------------------
        // Ownership
        // ---------------------------------------------------------------

        /// The contract owner.
        #[ink(message)]
        pub fn owner(&self) -> AccountId {
            self.owner
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
        /// `NotOwner`.
        ///
        /// Emits `OwnershipTransferred` on success.
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
        // Internal checks
        // ---------------------------------------------------------------

        fn ensure_owner(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if caller == self.owner {
                Ok(caller)
            } else {
                Err(Error::NotOwner)
            }
        }

        fn ensure_admin(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if caller == self.owner {
                return Ok(caller);
            }
            match self.providers.get(caller) {
                Some(p) if p.role == Role::Admin && p.verified && p.active => Ok(caller),
                _ => Err(Error::NotAdmin),
            }
        }

        fn standing(&self, provider: AccountId, data_type: DataType) -> ProviderStanding {
            match self.providers.get(provider) {
                None => ProviderStanding::NotRegistered,
                Some(p) if !p.verified => ProviderStanding::NotVerified,
                Some(p) if !p.active => ProviderStanding::Inactive,
                Some(p) if !p.role.allows(data_type) => ProviderStanding::RoleNotAllowed,
                Some(_) => ProviderStanding::Cleared,
            }
        }

        fn window_open(&self, provider: AccountId, patient: AccountId) -> bool {
            let now = self.env().block_timestamp();
            self.emergency_windows
                .get((provider, patient))
                .is_some_and(|w| w.is_open_at(now))
        }

        fn append_log(&mut self, patient: AccountId, entry: AccessLogEntry) -> Result<u64> {
            let index = self.access_log_len(patient);
            let next = index.checked_add(1).ok_or(Error::Overflow)?;
            self.access_log.insert((patient, index), &entry);
            self.access_log_len.insert(patient, &next);
            Ok(index)
        }
    }

    impl AccessControlApi for AccessControl {
        /// Registered, verified, active, and the role allows `data_type`.
        #[ink(message)]
        fn check_access_permission(&self, provider: AccountId, data_type: DataType) -> bool {
            self.standing(provider, data_type) == ProviderStanding::Cleared
        }

        /// Registered, verified and currently active.
        #[ink(message)]
        fn is_verified_provider(&self, provider: AccountId) -> bool {
            self.providers
                .get(provider)
                .is_some_and(|p| p.verified && p.active)
        }

        /// Open, unexpired window, held by a provider still verified and active.
        #[ink(message)]
        fn check_emergency_access(&self, provider: AccountId, patient: AccountId) -> bool {
            self.is_verified_provider(provider) && self.window_open(provider, patient)
        }

        /// The provider's standing for `data_type` and its emergency window on
        /// `patient`, in one call.
        #[ink(message)]
        fn assess_provider(
            &self,
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
        ) -> ProviderAssessment {
            let standing = self.standing(provider, data_type);
            let in_good_standing = matches!(
                standing,
                ProviderStanding::Cleared | ProviderStanding::RoleNotAllowed
            );
            ProviderAssessment {
                standing,
                emergency_window: in_good_standing && self.window_open(provider, patient),
            }
        }
    }
}
