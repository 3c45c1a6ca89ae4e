//! A hostile consent contract, for the cross-contract safety test only.
//!
//! It implements `PatientConsentApi` like patient-consent, but every answer
//! comes from its `mode`: yes to everything, a revert, a trap, or a call back
//! into the contract that asked (record-management) before answering yes.
//! The test points record-management at it and shows what each does.
//! Deliberately not held to the system's rules (it traps on purpose).

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::rogue_consent::{Mode, RogueConsent, RogueConsentRef};

#[ink::contract]
mod rogue_consent {
    use ink::env::call::{build_call, ExecutionInput, Selector};
    use ink::env::DefaultEnvironment;
    use medrec_types::PatientConsentApi;

    /// How the contract answers.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Mode {
        /// `true` to every question.
        YesToAll,
        /// Reverts the call (as a message returning `Err` would).
        Revert,
        /// Traps (as a panic would).
        Trap,
        /// Calls back into the contract that asked (its `admin` message: a
        /// re-entrant call, as an attacker would make to act mid-decision)
        /// and answers `true` only if that call went through; traps if not.
        Reenter,
    }

    #[ink(storage)]
    pub struct RogueConsent {
        mode: Mode,
    }

    impl RogueConsent {
        #[ink(constructor)]
        pub fn new(mode: Mode) -> Self {
            Self { mode }
        }

        #[ink(message)]
        pub fn set_mode(&mut self, mode: Mode) {
            self.mode = mode;
        }

        fn answer(&self) -> bool {
            match self.mode {
                Mode::YesToAll => true,
                Mode::Revert => {
                    ink::env::return_value::<bool>(ink::env::ReturnFlags::REVERT, &false)
                }
                Mode::Trap => panic!("rogue consent: trap"),
                Mode::Reenter => {
                    let caller = self.env().caller();
                    let reentered = build_call::<DefaultEnvironment>()
                        .call(caller)
                        .exec_input(ExecutionInput::new(Selector::new(ink::selector_bytes!(
                            "admin"
                        ))))
                        .returns::<medrec_types::Admin>()
                        .try_invoke();
                    // Only a completed re-entrant call earns the "yes".
                    match reentered {
                        Ok(_) => true,
                        Err(_) => panic!("rogue consent: re-entry refused"),
                    }
                }
            }
        }
    }

    impl PatientConsentApi for RogueConsent {
        #[ink(message)]
        fn consult(
            &self,
            _patient: AccountId,
            _actor: AccountId,
            _data_type: medrec_types::DataType,
            _purpose: medrec_types::Purpose,
        ) -> medrec_types::ConsentAnswer {
            let yes = self.answer();
            medrec_types::ConsentAnswer {
                consent: if yes {
                    medrec_types::ConsentCheck::Given
                } else {
                    medrec_types::ConsentCheck::Missing
                },
                acts_for: yes,
                emergency: medrec_types::EmergencyPreference::IncludeSensitive,
            }
        }

        #[ink(message)]
        fn check_consent(
            &self,
            _patient: AccountId,
            _provider: AccountId,
            _data_type: medrec_types::DataType,
            _purpose: medrec_types::Purpose,
        ) -> bool {
            self.answer()
        }

        #[ink(message)]
        fn acts_for(&self, _patient: AccountId, _actor: AccountId) -> bool {
            self.answer()
        }

        #[ink(message)]
        fn is_registered(&self, _patient: AccountId) -> bool {
            self.answer()
        }
    }
}
