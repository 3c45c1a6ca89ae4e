//! The other two contracts as the shells ask them: the [`Oracle`] answered
//! with real cross-contract calls (the full code and the hot shell share it).

use crate::core::Oracle;
use crate::errors::{Error, Result};
use ink::codegen::TraitCallBuilder;
use ink::primitives::AccountId;
use medrec_types::{
    AccessControlApi, ConsentAnswer, DataType, PatientConsentApi, ProviderAssessment, Purpose,
};

/// The other two contracts, asked with real cross-contract calls. Any
/// failure of a call (no contract there, a trap, a revert, a
/// re-entrant call the runtime refuses) is the named error of the
/// contract that could not answer.
pub(crate) struct Contracts {
    pub(crate) consent: AccountId,
    pub(crate) access_control: AccountId,
}

impl Oracle for Contracts {
    fn consult(
        &self,
        patient: AccountId,
        actor: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> Result<ConsentAnswer> {
        let consent: ink::contract_ref!(PatientConsentApi, ink::env::DefaultEnvironment) =
            self.consent.into();
        match consent
            .call()
            .consult(patient, actor, data_type, purpose)
            .try_invoke()
        {
            Ok(Ok(answer)) => Ok(answer),
            _ => Err(Error::ConsentContractUnavailable),
        }
    }

    fn assess_provider(
        &self,
        provider: AccountId,
        patient: AccountId,
        data_type: DataType,
        purpose: Purpose,
    ) -> Result<ProviderAssessment> {
        let access_control: ink::contract_ref!(AccessControlApi, ink::env::DefaultEnvironment) =
            self.access_control.into();
        match access_control
            .call()
            .assess_provider(provider, patient, data_type, purpose)
            .try_invoke()
        {
            Ok(Ok(assessment)) => Ok(assessment),
            _ => Err(Error::AccessControlUnavailable),
        }
    }

    fn acts_for(&self, patient: AccountId, actor: AccountId) -> Result<bool> {
        let consent: ink::contract_ref!(PatientConsentApi, ink::env::DefaultEnvironment) =
            self.consent.into();
        match consent.call().acts_for(patient, actor).try_invoke() {
            Ok(Ok(acts)) => Ok(acts),
            _ => Err(Error::ConsentContractUnavailable),
        }
    }
}
