//! The hot shell of record-management (feature `hot`; see
//! `medrec_types::split`): the same storage, and the three messages a
//! provider's or the patient's record traffic runs (`create_record`,
//! `get_record`, `update_record`), each calling the same core as the full
//! code; every other selector goes to the full code by `delegate_call`.
//!
//! ink! 5 allows a wildcard selector only beside one other message (the
//! wildcard complement), so the hot messages are dispatched by hand inside
//! the wildcard message: the input is read again, its selector matched
//! against the full code's selectors of these messages, the arguments
//! decoded as ink! does, and the answer encoded and returned as ink!'s
//! dispatch would (`Ok(result)`, reverted on `Err`).

#[ink::contract]
pub mod record_management {
    use crate::core::{Ctx, RecordStore};
    use crate::data::Confidentiality;
    use crate::errors::Error;
    use crate::events::emit;
    use crate::oracle::Contracts;
    use crate::records::Content;
    use ink::scale::{Decode, Error as CodecError, Input};
    use medrec_types::split::{cold_code, forward, reply, reply_result};
    use medrec_types::{Hash32, Purpose, RecordType};

    /// The full code's selectors of the messages this shell runs itself.
    const CREATE_RECORD: [u8; 4] = ink::selector_bytes!("create_record");
    const GET_RECORD: [u8; 4] = ink::selector_bytes!("get_record");
    const UPDATE_RECORD: [u8; 4] = ink::selector_bytes!("update_record");

    /// Same name and fields as the full code's storage struct, so the same
    /// storage keys.
    #[ink(storage)]
    pub struct RecordManagement {
        store: RecordStore,
    }

    /// A call this shell runs, decoded from the input; `Cold` for anything
    /// else (the full code decodes it, or refuses it as ink! does).
    enum Hot {
        Create {
            patient: AccountId,
            record_type: RecordType,
            content: Content,
            mime_code: u16,
            confidentiality: Confidentiality,
            purpose: Purpose,
        },
        Get {
            patient: AccountId,
            record_id: u64,
            purpose: Purpose,
        },
        Update {
            patient: AccountId,
            record_id: u64,
            content: Content,
            purpose: Purpose,
        },
        Cold,
    }

    impl Decode for Hot {
        fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
            Ok(match <[u8; 4]>::decode(input)? {
                CREATE_RECORD => Hot::Create {
                    patient: Decode::decode(input)?,
                    record_type: Decode::decode(input)?,
                    content: Content {
                        data_hash: <Hash32>::decode(input)?,
                        key_id: <Hash32>::decode(input)?,
                        size: u64::decode(input)?,
                    },
                    mime_code: Decode::decode(input)?,
                    confidentiality: Decode::decode(input)?,
                    purpose: Decode::decode(input)?,
                },
                GET_RECORD => Hot::Get {
                    patient: Decode::decode(input)?,
                    record_id: Decode::decode(input)?,
                    purpose: Decode::decode(input)?,
                },
                UPDATE_RECORD => Hot::Update {
                    patient: Decode::decode(input)?,
                    record_id: Decode::decode(input)?,
                    content: Content {
                        data_hash: <Hash32>::decode(input)?,
                        key_id: <Hash32>::decode(input)?,
                        size: u64::decode(input)?,
                    },
                    purpose: Decode::decode(input)?,
                },
                _ => Hot::Cold,
            })
        }
    }

    impl RecordManagement {
        /// The shell is not deployed on its own (the full code's
        /// constructor switches a new contract to it): refused, reverted.
        #[ink(constructor)]
        pub fn not_deployable() -> Result<Self, ink::LangError> {
            Err(ink::LangError::CouldNotReadInput)
        }

        /// Every call: the hot messages here, everything else on the full
        /// code. Never returns: each branch answers the caller itself.
        #[ink(message, selector = _)]
        pub fn dispatch(&mut self) {
            // Input that does not decode as a hot message (or as anything)
            // goes to the full code, which answers it as ink! does.
            let hot = ink::env::decode_input::<Hot>().unwrap_or(Hot::Cold);
            let oracle = Contracts {
                consent: self.store.consent_contract(),
                access_control: self.store.access_control(),
            };
            let ctx = Ctx {
                caller: self.env().caller(),
                now: self.env().block_timestamp(),
                this: self.env().account_id(),
            };
            match hot {
                Hot::Create {
                    patient,
                    record_type,
                    content,
                    mime_code,
                    confidentiality,
                    purpose,
                } => {
                    let result = self.store.create_record(
                        &oracle,
                        ctx,
                        patient,
                        record_type,
                        content,
                        mime_code,
                        confidentiality,
                        purpose,
                    );
                    self.answer(result)
                }
                Hot::Get {
                    patient,
                    record_id,
                    purpose,
                } => {
                    let result = self
                        .store
                        .get_record(&oracle, ctx, patient, record_id, purpose);
                    self.answer(result)
                }
                Hot::Update {
                    patient,
                    record_id,
                    content,
                    purpose,
                } => {
                    let result = self
                        .store
                        .update_record(&oracle, ctx, patient, record_id, content, purpose);
                    self.answer(result)
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

        /// Emits the event and stores the root (what ink!'s dispatch does
        /// after a `&mut self` message) on success, then answers.
        fn answer<T: ink::scale::Encode>(
            &self,
            result: Result<(T, crate::events::Event), Error>,
        ) -> ! {
            let result = result.map(|(value, event)| {
                emit(event);
                ink::env::set_contract_storage::<ink::primitives::Key, Self>(
                    &<Self as ink::storage::traits::StorageKey>::KEY,
                    self,
                );
                value
            });
            reply_result(result)
        }
    }
}
