//! The `#[ink::trait_definition]` interfaces the contracts call each other
//! through. A caller stores the callee's `AccountId` and turns it into
//! `ink::contract_ref!(Trait)` where it calls; contracts never depend on each
//! other's crates.
//!
//! Each interface offers one combined query per question a caller has, so
//! that an access decision costs at most one cross-contract call per callee.
//! Calls never loop back: record-management asks access-control and
//! patient-consent, patient-consent asks access-control, and the one write
//! across contracts (patient-consent handing an approval's permissions to
//! record-management) calls nothing back.

use crate::{
    AccessLevel, ConsentAnswer, DataType, GrantRefused, ProviderAssessment, Purpose, RecordType,
    Timestamp,
};
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;

/// What access-control answers to the other two contracts.
#[ink::trait_definition]
pub trait AccessControlApi {
    /// Registered, verified, active; the role allows `data_type` and
    /// `purpose`.
    #[ink(message)]
    fn check_access_permission(
        &self,
        provider: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> bool;

    /// Registered, verified and currently active.
    #[ink(message)]
    fn is_verified_provider(&self, provider: AccountId) -> bool;

    /// The provider holds an open emergency window on the patient and is
    /// still registered, verified and active.
    #[ink(message)]
    fn check_emergency_access(&self, provider: AccountId, patient: AccountId) -> bool;

    /// Everything a caller needs from access-control to decide one access
    /// in one call: the provider's standing for `data_type` and `purpose`
    /// (the first failing condition named) and whether it holds an open
    /// emergency window on `patient`.
    #[ink(message)]
    fn assess_provider(
        &self,
        provider: AccountId,
        patient: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> ProviderAssessment;
}

/// What patient-consent answers to record-management.
#[ink::trait_definition]
pub trait PatientConsentApi {
    /// Everything record-management needs from patient-consent to decide one
    /// access in one call: whether a consent of `patient` covers `actor`,
    /// `data_type` and `purpose`; whether `actor` may act for `patient`; and
    /// the patient's break-glass preference.
    #[ink(message)]
    fn consult(
        &self,
        patient: AccountId,
        actor: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> ConsentAnswer;

    /// An active, unexpired consent of `patient` covers `provider`,
    /// `data_type` (a consent for `All` covers every non-sensitive type) and
    /// `purpose`.
    #[ink(message)]
    fn check_consent(
        &self,
        patient: AccountId,
        provider: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> bool;

    /// `actor` may act for `patient`: it is the patient (registered), or a
    /// delegate the patient named whose delegation has not expired.
    #[ink(message)]
    fn acts_for(&self, patient: AccountId, actor: AccountId) -> bool;

    /// The patient has registered.
    #[ink(message)]
    fn is_registered(&self, patient: AccountId) -> bool;
}

/// What record-management does for patient-consent.
#[ink::trait_definition]
pub trait RecordManagementApi {
    /// Gives `provider` a permission of `level` on each of `record_types` of
    /// `patient`'s records until `expires_at`, because `actor` (the patient
    /// or its delegate, checked by patient-consent) approved access request
    /// `request_id` with them. Appends one audit entry per record type.
    ///
    /// Requirements: the caller is the patient-consent contract that
    /// record-management is wired to; record-management is not paused;
    /// `level` is grantable and `provider` is neither the patient nor the
    /// actor.
    #[ink(message)]
    #[allow(clippy::too_many_arguments)]
    fn grant_on_approval(
        &mut self,
        patient: AccountId,
        provider: AccountId,
        actor: AccountId,
        record_types: Vec<RecordType>,
        level: AccessLevel,
        expires_at: Timestamp,
        request_id: u64,
    ) -> Result<(), GrantRefused>;
}
