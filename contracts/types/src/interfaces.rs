//! The `#[ink::trait_definition]` interfaces the contracts call each other
//! through. A caller stores the callee's `AccountId` and turns it into
//! `ink::contract_ref!(Trait)` where it calls; contracts never depend on each
//! other's crates.
//!
//! Each interface offers one combined query per question a caller has, so that
//! an access decision costs one cross-contract call per callee.

use crate::{DataType, ProviderAssessment};
use ink::primitives::AccountId;

/// What access-control answers to the other two contracts.
#[ink::trait_definition]
pub trait AccessControlApi {
    /// Registered, verified, active, and the provider's role allows `data_type`.
    #[ink(message)]
    fn check_access_permission(&self, provider: AccountId, data_type: DataType) -> bool;

    /// Registered, verified and currently active.
    #[ink(message)]
    fn is_verified_provider(&self, provider: AccountId) -> bool;

    /// The provider holds an open, unexpired emergency window for the patient
    /// and is still verified and active.
    #[ink(message)]
    fn check_emergency_access(&self, provider: AccountId, patient: AccountId) -> bool;

    /// Everything a caller needs to decide one access in one call: the
    /// provider's standing for `data_type` (with the first failing condition
    /// named) and whether it holds an emergency window for `patient`.
    #[ink(message)]
    fn assess_provider(
        &self,
        provider: AccountId,
        patient: AccountId,
        data_type: DataType,
    ) -> ProviderAssessment;
}

/// What patient-consent answers to record-management.
#[ink::trait_definition]
pub trait PatientConsentApi {
    /// The patient's consent for this provider covers `data_type`, is active
    /// and unexpired. A consent for `All` covers every non-sensitive type.
    #[ink(message)]
    fn check_consent(&self, patient: AccountId, provider: AccountId, data_type: DataType) -> bool;

    /// `actor` may act for `patient`: it is the patient (registered), or a
    /// delegate the patient named whose delegation has not expired.
    #[ink(message)]
    fn acts_for(&self, patient: AccountId, actor: AccountId) -> bool;

    /// The patient has registered.
    #[ink(message)]
    fn is_registered(&self, patient: AccountId) -> bool;
}
