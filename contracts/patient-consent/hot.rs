//! The hot shell of patient-consent (feature `hot`; see
//! `medrec_types::split`): the same storage, and the two messages
//! record-management's access decision asks (`consult`, `acts_for`); every
//! other selector goes to the full code by `delegate_call`. Dispatched by
//! hand inside the wildcard message (ink! 5 allows a wildcard only beside
//! its complement).

#[ink::contract]
pub mod patient_consent {
    use crate::core::ConsentRegistry;
    use ink::scale::{Decode, Error as CodecError, Input};
    use medrec_types::split::{cold_code, forward, reply};
    use medrec_types::{DataType, Purpose};

    /// The full code's selectors of the messages this shell runs itself.
    const CONSULT: [u8; 4] = ink::selector_bytes!("PatientConsentApi::consult");
    const ACTS_FOR: [u8; 4] = ink::selector_bytes!("PatientConsentApi::acts_for");

    /// Same name and fields as the full code's storage struct, so the same
    /// storage keys.
    #[ink(storage)]
    pub struct PatientConsent {
        registry: ConsentRegistry,
    }

    /// A call this shell runs, decoded from the input; `Cold` for anything
    /// else.
    enum Hot {
        Consult {
            patient: AccountId,
            actor: AccountId,
            data_type: DataType,
            purpose: Purpose,
        },
        ActsFor {
            patient: AccountId,
            actor: AccountId,
        },
        Cold,
    }

    impl Decode for Hot {
        fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
            Ok(match <[u8; 4]>::decode(input)? {
                CONSULT => Hot::Consult {
                    patient: Decode::decode(input)?,
                    actor: Decode::decode(input)?,
                    data_type: Decode::decode(input)?,
                    purpose: Decode::decode(input)?,
                },
                ACTS_FOR => Hot::ActsFor {
                    patient: Decode::decode(input)?,
                    actor: Decode::decode(input)?,
                },
                _ => Hot::Cold,
            })
        }
    }

    impl PatientConsent {
        /// The shell is not deployed on its own (the full code's
        /// constructor switches a new contract to it): refused, reverted.
        #[ink(constructor)]
        pub fn not_deployable() -> Result<Self, ink::LangError> {
            Err(ink::LangError::CouldNotReadInput)
        }

        /// Every call: `consult` and `acts_for` here, everything else on the
        /// full code. Never returns: each branch answers the caller itself.
        #[ink(message, selector = _)]
        pub fn dispatch(&self) {
            let now = self.env().block_timestamp();
            match ink::env::decode_input::<Hot>().unwrap_or(Hot::Cold) {
                Hot::Consult {
                    patient,
                    actor,
                    data_type,
                    purpose,
                } => reply(
                    self.registry
                        .consult(patient, actor, data_type, purpose, now),
                ),
                Hot::ActsFor { patient, actor } => {
                    reply(self.registry.acts_for(patient, actor, now))
                }
                Hot::Cold => forward(),
            }
        }

        /// The full code this shell forwards to (the wildcard complement
        /// ink! requires beside a wildcard message).
        #[ink(message, selector = @)]
        pub fn hot_shell_full_code(&self) {
            reply(cold_code())
        }
    }
}
