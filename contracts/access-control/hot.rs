//! The hot shell of access-control (feature `hot`; see
//! `medrec_types::split`): the same storage, and `assess_provider`, the one
//! message record-management's access decision asks; every other selector
//! goes to the full code by `delegate_call`. Dispatched by hand inside the
//! wildcard message (ink! 5 allows a wildcard only beside its complement).

#[ink::contract]
pub mod access_control {
    use crate::core::Registry;
    use ink::scale::{Decode, Error as CodecError, Input};
    use medrec_types::split::{cold_code, forward, reply};
    use medrec_types::{DataType, Purpose};

    /// The full code's selector of `AccessControlApi::assess_provider`.
    const ASSESS_PROVIDER: [u8; 4] = ink::selector_bytes!("AccessControlApi::assess_provider");

    /// Same name and fields as the full code's storage struct, so the same
    /// storage keys.
    #[ink(storage)]
    pub struct AccessControl {
        registry: Registry,
    }

    /// A call this shell runs, decoded from the input; `Cold` for anything
    /// else.
    enum Hot {
        AssessProvider {
            provider: AccountId,
            patient: AccountId,
            data_type: DataType,
            purpose: Purpose,
        },
        Cold,
    }

    impl Decode for Hot {
        fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
            Ok(match <[u8; 4]>::decode(input)? {
                ASSESS_PROVIDER => Hot::AssessProvider {
                    provider: Decode::decode(input)?,
                    patient: Decode::decode(input)?,
                    data_type: Decode::decode(input)?,
                    purpose: Decode::decode(input)?,
                },
                _ => Hot::Cold,
            })
        }
    }

    impl AccessControl {
        /// The shell is not deployed on its own (the full code's
        /// constructor switches a new contract to it): refused, reverted.
        #[ink(constructor)]
        pub fn not_deployable() -> Result<Self, ink::LangError> {
            Err(ink::LangError::CouldNotReadInput)
        }

        /// Every call: `assess_provider` here, everything else on the full
        /// code. Never returns: each branch answers the caller itself.
        #[ink(message, selector = _)]
        pub fn dispatch(&self) {
            match ink::env::decode_input::<Hot>().unwrap_or(Hot::Cold) {
                Hot::AssessProvider {
                    provider,
                    patient,
                    data_type,
                    purpose,
                } => reply(self.registry.assess_provider(
                    provider,
                    patient,
                    data_type,
                    purpose,
                    self.env().block_timestamp(),
                )),
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
