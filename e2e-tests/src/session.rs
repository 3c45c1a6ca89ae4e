//! The one test idiom: a [`Session`] is the three contracts (release
//! builds) deployed on the sandbox runtime, with a clock.
//!
//! - [`Session::call`] sends a message as an [`Actor`] and returns its
//!   value, its events (with topics, named from the contracts' metadata)
//!   and its cost; [`Session::ok`] does the same for a message that must
//!   return `Ok`.
//! - [`Session::refused`] checks a refusal fully: the exact error, the
//!   revert flag, no event, and every storage value of the chain unchanged.
//! - Time is the session's: [`Session::set_time`], [`Session::advance`].

use crate::direct::{ctor_input, release_code, Chain, ContractEvent};
use crate::{
    cast, release_metadata, AccessControl, AccessControlRef, Actor, Cost, E2EResult,
    PatientConsent, PatientConsentRef, RecordManagement, RecordManagementRef, CONTRACTS, T0,
};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::CallBuilderFinal;
use std::collections::HashMap;
use std::fmt::Debug;

/// A contract event with its name (`AuditAppended`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEvent {
    pub name: String,
    pub event: ContractEvent,
}

impl NamedEvent {
    /// The event as an `E`, if it is one.
    pub fn decode<E: ink::env::Event + Decode>(&self) -> Option<E> {
        self.event.decode()
    }
}

/// What a call returned, emitted and cost.
#[derive(Debug)]
pub struct Call<R> {
    pub value: R,
    pub events: Vec<NamedEvent>,
    pub cost: Cost,
    pub reverted: bool,
}

impl<R> Call<R> {
    /// The names of the events, in order.
    pub fn names(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.name.as_str()).collect()
    }

    /// Every event of type `E`, decoded.
    pub fn all<E: ink::env::Event + Decode>(&self) -> Vec<E> {
        self.events.iter().filter_map(|e| e.decode()).collect()
    }

    /// The one event of type `E`; an error if there is none or more.
    pub fn one<E: ink::env::Event + Decode>(&self) -> E2EResult<E> {
        let mut found = self.all::<E>();
        match found.len() {
            1 => Ok(found.remove(0)),
            n => Err(format!(
                "expected one {}, got {n} among {:?}",
                std::any::type_name::<E>(),
                self.names()
            )
            .into()),
        }
    }
}

/// The three contracts on the sandbox chain, and the clock.
pub struct Session {
    pub chain: Chain,
    pub ac: AccountId,
    pub pc: AccountId,
    pub rm: AccountId,
    names: HashMap<[u8; 32], String>,
}

type Builder<C> = <C as ink::codegen::ContractCallBuilder>::Type;

impl Session {
    /// Deploys the release builds: Alice owns the three contracts and Bob
    /// is access-control's first admin; patient-consent is wired to
    /// record-management. The clock starts at [`T0`].
    pub fn new() -> E2EResult<Self> {
        Self::with_first_admin(&cast::bob())
    }

    /// As [`Session::new`], with `first_admin` as access-control's first
    /// admin.
    pub fn with_first_admin(first_admin: &Actor) -> E2EResult<Self> {
        let mut chain = Chain::default();
        chain.sandbox.now = Some(T0);
        let alice = cast::alice().account;
        chain.upload_hot_shells(alice)?;
        let (ac, _, _) = chain.deploy(
            release_code("access-control")?,
            ctor_input(AccessControlRef::new(first_admin.account, [0xB0; 32])),
            vec![1],
            alice,
        )?;
        let (pc, _, _) = chain.deploy(
            release_code("patient-consent")?,
            ctor_input(PatientConsentRef::new(ac)),
            vec![2],
            alice,
        )?;
        let (rm, _, _) = chain.deploy(
            release_code("record-management")?,
            ctor_input(RecordManagementRef::new(pc, ac)),
            vec![3],
            alice,
        )?;
        let mut s = Session {
            chain,
            ac,
            pc,
            rm,
            names: event_names()?,
        };
        let wire = s.pc().set_record_management(rm);
        s.ok(&cast::alice(), &wire)?;
        Ok(s)
    }

    pub fn ac(&self) -> Builder<AccessControl> {
        ink_e2e::create_call_builder::<AccessControl>(self.ac)
    }
    pub fn pc(&self) -> Builder<PatientConsent> {
        ink_e2e::create_call_builder::<PatientConsent>(self.pc)
    }
    pub fn rm(&self) -> Builder<RecordManagement> {
        ink_e2e::create_call_builder::<RecordManagement>(self.rm)
    }

    // -------------------------------------------------------------------
    // Time
    // -------------------------------------------------------------------

    /// The block time the next call sees (ms since the epoch).
    pub fn now(&self) -> u64 {
        self.chain.sandbox.now.unwrap_or(T0)
    }

    pub fn set_time(&mut self, ms: u64) {
        self.chain.sandbox.now = Some(ms);
    }

    pub fn advance(&mut self, ms: u64) {
        let now = self.now().saturating_add(ms);
        self.set_time(now);
    }

    // -------------------------------------------------------------------
    // Calls
    // -------------------------------------------------------------------

    /// Sends `msg` as `who` and returns its value, events and cost. A trap
    /// or an undecodable answer is an error.
    pub fn call<Args, R>(
        &mut self,
        who: &Actor,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
    ) -> E2EResult<Call<R>>
    where
        Args: Encode + Clone,
        R: Decode,
        CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
    {
        let out = self.chain.call(who.account, msg)?;
        let value = out
            .value
            .map_err(|e| format!("{} -> {}: {e}", who.name, selector_name(msg)))?;
        Ok(Call {
            value,
            events: self.name(out.events),
            cost: out.cost,
            reverted: out.reverted,
        })
    }

    /// Sends a message that must return `Ok`; yields what is inside.
    pub fn ok<Args, T, E>(
        &mut self,
        who: &Actor,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
    ) -> E2EResult<Call<T>>
    where
        Args: Encode + Clone,
        T: Decode,
        E: Decode + Debug,
        CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
    {
        let call = self.call(who, msg)?;
        match call.value {
            Ok(value) => Ok(Call {
                value,
                events: call.events,
                cost: call.cost,
                reverted: call.reverted,
            }),
            Err(e) => Err(format!(
                "{} -> {}: expected Ok, got Err({e:?})",
                who.name,
                selector_name(msg)
            )
            .into()),
        }
    }

    /// Sends a message that must be refused with `expected`, and checks
    /// the refusal fully: the error, the revert flag, no event, and every
    /// storage value of the chain (runtime and contracts) unchanged.
    pub fn refused<Args, T, E>(
        &mut self,
        who: &Actor,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
        expected: E,
    ) -> E2EResult<()>
    where
        Args: Encode + Clone,
        T: Decode + Debug,
        E: Decode + Debug + PartialEq,
        CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
    {
        let what = format!("{} -> {}", who.name, selector_name(msg));
        // A first-time caller is funded (a storage change of its own) first.
        self.chain.fund(who.account)?;
        let before = self.chain.all_storage();
        let call = self.call(who, msg)?;
        match &call.value {
            Err(e) if *e == expected => {}
            other => {
                return Err(format!("{what}: expected Err({expected:?}), got {other:?}").into())
            }
        }
        if !call.reverted {
            return Err(format!("{what}: refused without the revert flag").into());
        }
        if !call.events.is_empty() {
            return Err(format!("{what}: refused but emitted {:?}", call.names()).into());
        }
        if self.chain.all_storage() != before {
            return Err(format!("{what}: refused but storage changed").into());
        }
        Ok(())
    }

    /// A query's answer (sent as Alice; queries write nothing).
    pub fn query<Args, R>(
        &mut self,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
    ) -> E2EResult<R>
    where
        Args: Encode + Clone,
        R: Decode,
        CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
    {
        Ok(self.call(&cast::alice(), msg)?.value)
    }

    /// Deploys another contract (as Alice) from its release build.
    pub fn deploy(&mut self, crate_name: &str, input: Vec<u8>, salt: u8) -> E2EResult<AccountId> {
        let alice = cast::alice().account;
        let (addr, _, _) =
            self.chain
                .deploy(release_code(crate_name)?, input, vec![salt], alice)?;
        Ok(addr)
    }

    fn name(&self, events: Vec<ContractEvent>) -> Vec<NamedEvent> {
        events
            .into_iter()
            .map(|event| NamedEvent {
                name: event
                    .topics
                    .first()
                    .and_then(|t| self.names.get(t))
                    .cloned()
                    .unwrap_or_else(|| "(unknown event)".into()),
                event,
            })
            .collect()
    }
}

/// A message's selector as hex, to name a failing call.
fn selector_name<Args: Encode + Clone, R>(
    msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
) -> String
where
    CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
{
    let bytes = Encode::encode(msg.clone().params().exec_input());
    format!("message 0x{}", crate::hex(&bytes[..bytes.len().min(4)]))
}

/// Signature topic -> event name, from the release metadata of the three
/// contracts (each lists its own events and the shared admin events).
pub fn event_names() -> E2EResult<HashMap<[u8; 32], String>> {
    let mut names = HashMap::new();
    for name in CONTRACTS {
        let path = release_metadata(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (run scripts/build.sh first)", path.display()))?;
        let meta: serde_json::Value = serde_json::from_str(&text)?;
        for event in meta["spec"]["events"].as_array().into_iter().flatten() {
            let (Some(label), Some(topic)) =
                (event["label"].as_str(), event["signature_topic"].as_str())
            else {
                continue;
            };
            let raw = topic.trim_start_matches("0x");
            let mut bytes = [0u8; 32];
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = u8::from_str_radix(raw.get(2 * i..2 * i + 2).unwrap_or("zz"), 16)
                    .map_err(|_| format!("{}: bad signature topic {topic}", path.display()))?;
            }
            names.insert(bytes, label.to_string());
        }
    }
    Ok(names)
}
